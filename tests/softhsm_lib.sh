# softhsm_lib.sh - a SoftHSM2 token of its own for a test run: softhsm_token DIR LABEL
# writes DIR/softhsm2.conf (tokens in DIR/tokens), exports SOFTHSM2_CONF, initialises
# a token LABEL with user PIN 123456 (DIR/pin, the first line) and SO PIN 12345678,
# and sets SOFTHSM_MODULE. Source it; the caller owns DIR. For tests only.
SOFTHSM_MODULE=/usr/lib/softhsm/libsofthsm2.so
softhsm_token() {
    local dir=$1 label=$2
    mkdir -p "$dir/tokens" || return 1
    printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
        "$dir" >"$dir/softhsm2.conf" || return 1
    export SOFTHSM2_CONF=$dir/softhsm2.conf
    printf '123456\n' >"$dir/pin" && chmod 600 "$dir/pin" || return 1
    softhsm2-util --init-token --free --label "$label" --pin 123456 --so-pin 12345678 >/dev/null
}
