#!/bin/bash
# test_keys_cli.sh - `jianpei-issuer keys` as an operator follows the docs: a
# revoke that cannot re-export the trust list (root key encrypted, passphrase
# not given) exits 3 and changes nothing; `keys --help` names the passphrase
# option for revoke; --passphrase-file takes the first line of the file;
# `keys fingerprint` prints what openssl prints for the root; and
# `jianpei-verifier verify-qr --pin` refuses a trust list of another root.
# usage: test_keys_cli.sh BIN_DIR
NAME=test_keys_cli
# shellcheck source=e2e_lib.sh
. "$(dirname "$0")/e2e_lib.sh"

# A passphrase file of two lines: only the first one is the passphrase.
printf 'correct horse\nnot part of it\n' >"$WORK/pass2"
printf 'correct horse\n' >"$WORK/pass1"
printf 'correct horse\r\n' >"$WORK/pass-crlf"
unset JIANPEI_KEY_PASSPHRASE
expect 0 iss init --authority 广东省住房和城乡建设厅 --authority-uscc 11440000MB2C12345J \
    --public-url http://127.0.0.1:8080 --passphrase-file "$WORK/pass2"
expect 0 iss keys list
KID=$(awk 'NR == 2 {print $1}' "$WORK/out")
[ ${#KID} -eq 16 ] && ok || bad "keys list shows a kid ($KID)"
expect 0 iss keys export-trust --passphrase-file "$WORK/pass1"
expect 0 iss keys export-trust --passphrase-file "$WORK/pass-crlf"

# --help shows the passphrase option for revoke, and the fingerprint's format.
expect 0 iss keys --help
grep -q 'revoke KID \[--passphrase-file FILE\]' "$WORK/out" && ok || bad "keys --help: revoke option"
grep -q 'fingerprint' "$WORK/out" && ok || bad "keys --help: fingerprint"

# A revoke without the root key's passphrase fails and changes nothing.
cp "$H/keys/keys.json" "$WORK/keys.before"
cp "$H/trust-list.pem" "$WORK/trust.before"
expect 3 iss keys revoke "$KID"
cmp -s "$H/keys/keys.json" "$WORK/keys.before" && ok || bad "keys.json changed by a failed revoke"
cmp -s "$H/trust-list.pem" "$WORK/trust.before" && ok || bad "trust list changed by a failed revoke"
expect 3 iss keys revoke "$KID" --passphrase-file "$WORK/pass2-wrong"
cmp -s "$H/keys/keys.json" "$WORK/keys.before" && ok || bad "keys.json changed (no file)"

# The fingerprint is openssl's, lower case and without colons.
expect 0 iss keys fingerprint
FPR=$(cat "$WORK/out")
WANT=$(openssl x509 -in "$H/keys/root.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
    tr 'A-F' 'a-f')
[ "$FPR" = "$WANT" ] && [ ${#FPR} -eq 64 ] && ok || bad "fingerprint $FPR, openssl $WANT"

# verify-qr --pin: the right root passes to the token check (a malformed text: exit 1),
# another root's fingerprint refuses the trust list (exit 3), a malformed pin is usage (2).
V="$BIN/jianpei-verifier"
expect 1 "$V" verify-qr NOT-A-TOKEN --trust "$H/trust-list.pem"
expect 1 "$V" verify-qr NOT-A-TOKEN --trust "$H/trust-list.pem" --pin "$FPR"
OSSL=$(openssl x509 -in "$H/keys/root.pem" -noout -fingerprint -sha256)
expect 1 "$V" verify-qr NOT-A-TOKEN --trust "$H/trust-list.pem" --pin "$OSSL"
OTHER=$(printf '%064d' 0)
expect 3 "$V" verify-qr NOT-A-TOKEN --trust "$H/trust-list.pem" --pin "$OTHER"
grep -q 'root' "$WORK/err" && ok || bad "verify-qr --pin names the root: $(cat "$WORK/err")"
expect 2 "$V" verify-qr NOT-A-TOKEN --trust "$H/trust-list.pem" --pin abc

# With the passphrase the revoke happens, and the trust list says so.
expect 0 iss keys revoke "$KID" --passphrase-file "$WORK/pass1"
expect 0 iss keys list
grep -q "$KID  revoked" "$WORK/out" && ok || bad "keys list shows $KID revoked"
cmp -s "$H/trust-list.pem" "$WORK/trust.before" && bad "trust list not re-exported" || ok
openssl cms -verify -inform PEM -in "$H/trust-list.pem" -CAfile "$H/keys/root.pem" \
    -out "$WORK/trust.json" 2>>"$LOGS/stderr.log" && ok || bad "trust list does not verify"
grep -q '"revoked"' "$WORK/trust.json" && ok || bad "trust list lists the key revoked"

e2e_done
