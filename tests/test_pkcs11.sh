#!/bin/bash
# test_pkcs11.sh - keys in a PKCS#11 token (SPEC §13, issue 17) as an operator
# uses them: `init --pkcs11` with a SoftHSM2 token of the test's own (temporary
# SOFTHSM2_CONF) leaves no ECDSA private key under the home and keeps the root,
# signing and TSA keys in the token, sensitive and never extractable; issuing gives a
# PDF that pdfsig calls valid and a QR code that verify-qr calls genuine; a wrong
# PIN makes issue, rotate and init fail with exit 3 and change nothing (home,
# store, token); rotate makes the new key in the token and signs with it; revoke
# turns the old key's QR codes into revoked_key; the PIN never shows in output.
# usage: test_pkcs11.sh BIN_DIR
NAME=test_pkcs11
# shellcheck source=e2e_lib.sh
. "$(dirname "$0")/e2e_lib.sh"
# shellcheck source=softhsm_lib.sh
. "$(dirname "$0")/softhsm_lib.sh"
V="$BIN/jianpei-verifier"
unset JIANPEI_KEY_PASSPHRASE JIANPEI_PKCS11_PIN JIANPEI_PKCS11_URI JIANPEI_PKCS11_MODULE
URI='pkcs11:token=jianpei-test'
softhsm_token "$WORK/hsm" jianpei-test || { echo "$NAME: cannot make a SoftHSM2 token" >&2; exit 1; }
printf '654321\n' >"$WORK/badpin"
p11() { pkcs11-tool --module "$SOFTHSM_MODULE" --token-label jianpei-test "$@" 2>/dev/null; }
objects() { p11 --login --pin 123456 --list-objects | grep -c 'Object;'; }
init_args=(--authority 广东省住房和城乡建设厅 --authority-uscc 11440000MB2C12345J
    --public-url https://jp.example --pkcs11 "$URI" --pkcs11-module "$SOFTHSM_MODULE")

# Usage errors: exit 2, nothing made.
expect 2 iss init "${init_args[@]}" --passphrase-file "$WORK/hsm/pin"
expect 2 iss init "${init_args[@]/$URI/$URI;pin-value=123456}" --pin-file "$WORK/hsm/pin"
grep -q 'pin-file' "$WORK/err" && ok || bad "a PIN in the URI is refused naming --pin-file"
expect 0 iss init --help
grep -q -- '--pkcs11 URI' "$WORK/out" && grep -q -- '--pin-file FILE' "$WORK/out" && ok ||
    bad "init --help shows --pkcs11 and --pin-file"

# A wrong PIN or none: exit 3, no home, nothing new in the token.
expect 3 iss init "${init_args[@]}" --pin-file "$WORK/badpin"
grep -q 'wrong PIN' "$WORK/err" && ok || bad "init names the wrong PIN: $(cat "$WORK/err")"
expect 3 iss init "${init_args[@]}"
[ ! -e "$H" ] && ok || bad "a failed init left $H"
[ "$(objects)" -eq 0 ] && ok || bad "a failed init left objects in the token"

# init: keys in the token, certificates in the home.
expect 0 iss init "${init_args[@]}" --pin-file "$WORK/hsm/pin"
grep -q 'in the PKCS#11 token' "$WORK/out" && ok || bad "init says where the keys are"
find "$H" -name '*.key' ! -name 'sm2-*.key' ! -name claim.key >"$WORK/keyfiles"
[ ! -s "$WORK/keyfiles" ] && ok || bad "key files under the home: $(cat "$WORK/keyfiles")"
grep -rl 'PRIVATE KEY' "$H" --exclude='sm2-*.key' >"$WORK/pemkeys"
[ ! -s "$WORK/pemkeys" ] && ok || bad "private keys in PEM under the home: $(cat "$WORK/pemkeys")"
[ "$(objects)" -eq 6 ] && ok || bad "the token holds the root, signing and TSA key pairs"
p11 --login --pin 123456 --list-objects --type privkey >"$WORK/priv"
[ "$(grep -c 'Access: *sensitive, always sensitive, never extractable' "$WORK/priv")" -eq 3 ] &&
    ok || bad "token keys not sensitive or extractable: $(cat "$WORK/priv")"
openssl verify -CAfile "$H/keys/root.pem" "$H"/keys/sign-*.pem >/dev/null && ok ||
    bad "signing certificate not issued by the root"

# issue with the PIN from the environment: pdfsig valid, QR genuine.
python3 "$(dirname "$0")/../bench/gen_intake.py" 6 --seed 17 >"$WORK/in.jsonl"
cp "$WORK/in.jsonl" "$LOGS/holders-1.jsonl"
JIANPEI_PKCS11_PIN=123456 expect 0 iss issue --input "$WORK/in.jsonl" --threads 2 \
    --report "$WORK/rep.json"
certs() { python3 -c 'import json,sys; print(*[c["certificate_no"] for c in json.load(open(sys.argv[1]))["issued"]])' "$1"; }
read -r -a NOS <<<"$(certs "$WORK/rep.json")"
[ ${#NOS[@]} -eq 6 ] && ok || bad "issued ${#NOS[@]} of 6"
pdf_ok() {
    pdfsig "$1" >"$WORK/sig" 2>/dev/null
    grep -q 'Signature is Valid' "$WORK/sig" && grep -q 'Total document signed' "$WORK/sig"
}
qr_of() { pdftoppm -r 150 -png -singlefile "$1" "$WORK/page" && zbarimg -q --raw -Sdisable -Sqrcode.enable "$WORK/page.png"; }
verdict() { "$V" verify-qr "$1" --trust "$H/trust-list.pem" 2>/dev/null | sed -n 's/^verdict: //p'; }
expect 0 iss pdf "${NOS[0]}" --out "$WORK/c1.pdf"
pdf_ok "$WORK/c1.pdf" && ok || bad "pdfsig: $(cat "$WORK/sig")"
QR1=$(qr_of "$WORK/c1.pdf")
[ "$(verdict "$QR1")" = genuine ] && ok || bad "verify-qr of a token-signed QR: $(verdict "$QR1")"

# A wrong PIN: issue and rotate exit 3, nothing changes.
expect 0 iss stats
cp "$WORK/out" "$WORK/stats.before"
cp "$H/keys/keys.json" "$WORK/keys.before"
python3 "$(dirname "$0")/../bench/gen_intake.py" 2 --seed 18 >"$WORK/in2.jsonl"
cp "$WORK/in2.jsonl" "$LOGS/holders-2.jsonl"
expect 3 iss issue --input "$WORK/in2.jsonl" --pin-file "$WORK/badpin"
grep -q 'wrong PIN' "$WORK/err" && ok || bad "issue names the wrong PIN: $(cat "$WORK/err")"
expect 3 iss keys rotate --pin-file "$WORK/badpin"
expect 3 iss keys rotate
expect 0 iss stats
cmp -s "$WORK/out" "$WORK/stats.before" && ok || bad "a wrong PIN changed the store"
cmp -s "$H/keys/keys.json" "$WORK/keys.before" && ok || bad "a wrong PIN changed keys.json"
[ "$(objects)" -eq 6 ] && ok || bad "a wrong PIN changed the token"

# rotate: a new key pair in the token, new certificates signed with it.
expect 0 iss keys list
OLD=$(awk 'NR == 2 {print $1}' "$WORK/out")
expect 0 iss keys rotate --pin-file "$WORK/hsm/pin"
NEW=$(awk '/new active signing key/ {print $5}' "$WORK/out")
[ ${#NEW} -eq 16 ] && [ "$NEW" != "$OLD" ] && ok || bad "rotate made key $NEW (old $OLD)"
[ "$(objects)" -eq 8 ] && ok || bad "rotate made its key in the token"
[ ! -e "$H/keys/sign-$NEW.key" ] && ok || bad "rotate wrote a key file"
expect 0 iss issue --input "$WORK/in2.jsonl" --pin-file "$WORK/hsm/pin" --report "$WORK/rep2.json"
read -r -a NOS2 <<<"$(certs "$WORK/rep2.json")"
expect 0 iss pdf "${NOS2[0]}" --out "$WORK/c2.pdf"
pdf_ok "$WORK/c2.pdf" && ok || bad "pdfsig after rotate: $(cat "$WORK/sig")"
QR2=$(qr_of "$WORK/c2.pdf")
[ "$(verdict "$QR2")" = genuine ] && ok || bad "verify-qr after rotate: $(verdict "$QR2")"
case "$QR2" in *"${NOS2[0]}"*) ok ;; *) bad "the QR names its certificate" ;; esac

# revoke the old key (the root signs the new trust list in the token).
expect 0 iss keys revoke "$OLD" --pin-file "$WORK/hsm/pin"
[ "$(verdict "$QR1")" = revoked_key ] && ok || bad "old key's QR after revoke: $(verdict "$QR1")"
[ "$(verdict "$QR2")" = genuine ] && ok || bad "new key's QR after revoke: $(verdict "$QR2")"
openssl cms -verify -inform PEM -in "$H/trust-list.pem" -CAfile "$H/keys/root.pem" \
    -out "$WORK/trust.json" 2>/dev/null && ok || bad "trust list does not verify"

# The PIN never shows in what the programs said.
grep -rq '123456\|654321' "$LOGS/stderr.log" && bad "a PIN in stderr" || ok
e2e_done
