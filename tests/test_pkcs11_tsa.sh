#!/bin/bash
# test_pkcs11_tsa.sh - the home's own TSA with its key in the PKCS#11 token
# (SPEC §13, issue 17): `init --pkcs11` makes the TSA key in the SoftHSM2
# token (sensitive, never extractable), writes no tsa.key but tsa.ref (its
# URI) and tsa.pem (timeStamping, under the root); `tsa --listen` with the PIN
# signs tokens in the token, and with a wrong PIN exits 3 without listening;
# certificates issued through it carry a time-stamp that `openssl ts -verify`
# accepts against tsa.pem; the PIN never shows in output.
# usage: test_pkcs11_tsa.sh BIN_DIR
NAME=test_pkcs11_tsa
# shellcheck source=e2e_lib.sh
. "$(dirname "$0")/e2e_lib.sh"
# shellcheck source=softhsm_lib.sh
. "$(dirname "$0")/softhsm_lib.sh"
unset JIANPEI_KEY_PASSPHRASE JIANPEI_PKCS11_PIN JIANPEI_PKCS11_URI JIANPEI_PKCS11_MODULE
TSAPID=""
trap '[ -n "$TSAPID" ] && kill "$TSAPID" 2>/dev/null; rm -rf "$WORK"' EXIT
softhsm_token "$WORK/hsm" jianpei-tsa || { echo "$NAME: cannot make a SoftHSM2 token" >&2; exit 1; }
printf '654321\n' >"$WORK/badpin"
p11() { pkcs11-tool --module "$SOFTHSM_MODULE" --token-label jianpei-tsa "$@" 2>/dev/null; }

expect 0 iss init --authority 广东省住房和城乡建设厅 --authority-uscc 11440000MB2C12345J \
    --public-url https://jp.example --pkcs11 'pkcs11:token=jianpei-tsa' \
    --pkcs11-module "$SOFTHSM_MODULE" --pin-file "$WORK/hsm/pin" --tsa-url http://127.0.0.1:9/
[ ! -e "$H/keys/tsa.key" ] && ok || bad "a token home has a tsa.key file"
grep -q '^pkcs11:' "$H/keys/tsa.ref" && ok || bad "tsa.ref: $(cat "$H/keys/tsa.ref" 2>&1)"
openssl verify -CAfile "$H/trust-root.pem" -purpose timestampsign "$H/keys/tsa.pem" >/dev/null 2>&1 &&
    ok || bad "tsa.pem is not a time-stamping certificate under the root"
p11 --login --pin 123456 --list-objects --type privkey >"$WORK/priv"
grep -A6 'label: *tsa' "$WORK/priv" | grep -q 'Access: *sensitive, always sensitive, never extractable' &&
    ok || bad "no sensitive TSA key in the token: $(cat "$WORK/priv")"

# A wrong PIN: exit 3, nothing listens.
expect 3 iss tsa --listen 127.0.0.1:0 --passphrase-file "$WORK/badpin"
grep -q 'PIN' "$WORK/err" && ok || bad "tsa, wrong PIN: $(cat "$WORK/err")"
grep -q 'listening' "$WORK/out" && bad "tsa listened with a wrong PIN" || ok

# The right PIN: the TSA answers from the token.
JIANPEI_PKCS11_PIN=123456 e2e_daemon "$WORK/tsa.out" "$BIN/jianpei-issuer" --home "$H" tsa \
    --listen 127.0.0.1:0
TSAPID=$PID
set_tsa "$H" "http://127.0.0.1:$PORT/"
python3 "$SRC/bench/gen_intake.py" 2 --seed 37 >"$WORK/in.jsonl"
cp "$WORK/in.jsonl" "$LOGS/holders-tsa.jsonl"
expect 0 iss issue --input "$WORK/in.jsonl" --pin-file "$WORK/hsm/pin" --report "$WORK/r.json"
NO=$(grep -o '"certificate_no": *"[0-9X]*"' "$WORK/r.json" | head -1 | grep -o '[0-9X]\{18\}')
expect 0 iss pdf "$NO" --out "$WORK/c.pdf"
pdfsig "$WORK/c.pdf" >"$WORK/sig" 2>&1
grep -q 'Signature is Valid' "$WORK/sig" && ok || bad "pdfsig: $(cat "$WORK/sig")"
expect 0 "$BIN/lt_tool" token "$WORK/c.pdf" "$WORK/tok.der" "$WORK/sigval.bin"
ts_verify "$H" "$WORK/tok.der" "$WORK/sigval.bin" "another signature value"
kill -TERM "$TSAPID"
wait "$TSAPID" && ok || bad "tsa did not exit 0 on SIGTERM"
TSAPID=""
find "$H" -name '*.key' ! -name 'sm2-*.key' ! -name claim.key >"$WORK/keyfiles"
[ ! -s "$WORK/keyfiles" ] && ok || bad "key files under the home: $(cat "$WORK/keyfiles")"
grep -rq '123456\|654321' "$LOGS/stderr.log" "$WORK/tsa.out" && bad "a PIN in the output" || ok
e2e_done
