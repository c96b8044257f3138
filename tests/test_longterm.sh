#!/bin/bash
# test_longterm.sh - long-term signatures (SPEC §13) as a validator sees them,
# with real tools: the home's own TSA (`tsa --listen`) time-stamps every PDF
# signature and `openssl ts -verify` accepts the token taken out of the PDF
# against the TSA certificate; pdfsig still reports the whole document signed
# and valid, qpdf --check passes; the DSS holds the chain and a CRL openssl
# parses; a TSA that is down makes `issue` exit 3 with nothing stored; after a
# rotation and a revocation the verifier's /api/v1/crl/root.crl lists the
# revoked key's serial, with an ETag, cacheable until nextUpdate, 304 on
# If-None-Match; the time-stamp of a certificate signed before the revocation
# still verifies.
# usage: test_longterm.sh BIN_DIR
NAME=test_longterm
# shellcheck source=e2e_lib.sh
. "$(dirname "$0")/e2e_lib.sh"
unset JIANPEI_KEY_PASSPHRASE

expect 0 iss init --authority 广东省住房和城乡建设厅 --authority-uscc 11440000MB2C12345J \
    --public-url http://127.0.0.1:8080 --tsa-url http://127.0.0.1:9/ --crl-days 3
grep -q '"tsa_url": "http://127.0.0.1:9/"' "$H/config.json" && ok || bad "init: tsa_url not in config.json"
# A token home (scripts/test-pkcs11.sh) keeps the TSA key in the token: tsa.ref names a
# private key there that never leaves it (the token object stands for the key file).
tsa_in_token() {
    local id label=${JIANPEI_PKCS11_URI#*token=}
    id=$(sed -n 's/^pkcs11:.*;id=\([^;]*\).*/\1/p' "$H/keys/tsa.ref" | tr -d '%')
    [ -n "$id" ] && pkcs11-tool --module "$JIANPEI_PKCS11_MODULE" --token-label "${label%%;*}" \
        --login --pin "$JIANPEI_PKCS11_PIN" --list-objects --type privkey 2>/dev/null |
        awk -v id="$id" '/^[^ ]/ { here = 0 } $1 == "ID:" && $2 == id { here = 1 }
            here && /Access: *sensitive, always sensitive, never extractable/ { found = 1 }
            END { exit !found }'
}
[ -f "$H/keys/tsa.pem" ] && { [ -f "$H/keys/tsa.key" ] ||
    { [ -n "${JIANPEI_TEST_PKCS11:-}" ] && [ ! -e "$H/keys/tsa.key" ] && tsa_in_token; }; } &&
    ok || bad "init: no TSA key and certificate"
openssl x509 -in "$H/keys/tsa.pem" -noout -ext extendedKeyUsage >"$WORK/eku" 2>&1
grep -q critical "$WORK/eku" && grep -q 'Time Stamping' "$WORK/eku" && ok || bad "tsa.pem: EKU $(cat "$WORK/eku")"
openssl verify -CAfile "$H/trust-root.pem" -purpose timestampsign "$H/keys/tsa.pem" >/dev/null 2>&1 &&
    ok || bad "tsa.pem is not a time-stamping certificate under the root"
openssl crl -inform DER -in "$H/root.crl" -noout -text >"$WORK/crl0" 2>&1 && ok || bad "init: root.crl does not parse"
grep -q 'No Revoked Certificates' "$WORK/crl0" && ok || bad "init: a fresh CRL lists something"
expect 0 iss tsa --help
expect 2 iss tsa
expect 2 "$BIN/jianpei-issuer" --home "$WORK/other" init --authority 广东省住房和城乡建设厅 \
    --authority-uscc 11440000MB2C12345J --public-url http://127.0.0.1:8080 --tsa-url ftp://x/
[ ! -e "$WORK/other/config.json" ] && ok || bad "init --tsa-url ftp:// left a home behind"
expect 2 "$BIN/jianpei-issuer" --home "$WORK/other" init --authority 广东省住房和城乡建设厅 \
    --authority-uscc 11440000MB2C12345J --public-url http://127.0.0.1:8080 --crl-days 0
expect 2 iss init --help-not-an-option

python3 "$SRC/bench/gen_intake.py" 2 --seed 17 >"$WORK/in1.jsonl"
python3 "$SRC/bench/gen_intake.py" 4 --seed 18 | tail -2 >"$WORK/in2.jsonl"

# The TSA is down: nothing is issued, exit 3 with the reason.
expect 3 iss issue --input "$WORK/in1.jsonl"
grep -q 'time-stamp authority http://127.0.0.1:9/' "$WORK/err" && ok || bad "tsa down: message $(cat "$WORK/err")"
expect 0 iss stats
grep -q '^certificates: 0' "$WORK/out" && ok || bad "tsa down: something was stored: $(head -1 "$WORK/out")"

# The home's own TSA: issue, then check the PDF with real tools.
start_daemon "$WORK/tsa.out" "$WORK/tsa.log" "$BIN/jianpei-issuer" --home "$H" tsa --listen 127.0.0.1:0
TSAPID=$PID
set_tsa "$H" "http://127.0.0.1:$PORT/"
expect 0 iss issue --input "$WORK/in1.jsonl"
ID1=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["id_number"])' "$WORK/in1.jsonl")
NO=$(iss find --id-number "$ID1" 2>>"$LOGS/stderr.log" | grep -o '[0-9]\{17\}[0-9X]' | head -1)
expect 0 iss pdf "$NO" --out "$WORK/c.pdf"
pdfsig "$WORK/c.pdf" >"$WORK/sig" 2>&1
grep -q 'Signature is Valid' "$WORK/sig" && ok || bad "pdfsig: $(cat "$WORK/sig")"
grep -q 'Total document signed' "$WORK/sig" && ok || bad "pdfsig: not the whole document signed"
qpdf --check "$WORK/c.pdf" >"$WORK/qpdf" 2>&1 && ok || bad "qpdf --check: $(cat "$WORK/qpdf")"
expect 0 "$BIN/lt_tool" token "$WORK/c.pdf" "$WORK/tok.der" "$WORK/sigval.bin"
# ... and a token over other bytes must not verify (the check can fail).
ts_verify "$H" "$WORK/tok.der" "$WORK/sigval.bin" "another signature value"

# The DSS: /Certs with the signing certificate and the root, /CRLs with the CRL.
read -r CERTS CRLS < <(python3 - "$WORK/c.pdf" <<'PY'
import re, sys
d = open(sys.argv[1], "rb").read()
m = re.search(rb"/Type /DSS /Certs \[([0-9 R]+)\] /CRLs \[([0-9 R]+)\]", d)
f = lambda s: ",".join(x.decode() for x in re.findall(rb"(\d+) 0 R", s))
print(f(m.group(1)), f(m.group(2))) if m else print("- -")
PY
)
[ "$(tr ',' '\n' <<<"$CERTS" | wc -l)" -eq 2 ] && ok || bad "dss: certs $CERTS"
n=0
for o in ${CERTS//,/ }; do
    qpdf --show-object="$o" --filtered-stream-data "$WORK/c.pdf" >"$WORK/dss-$o.der" 2>>"$LOGS/stderr.log"
    openssl x509 -inform DER -in "$WORK/dss-$o.der" -noout -subject -nameopt utf8 >>"$WORK/dss-subj" 2>&1 && n=$((n + 1))
done
[ $n -eq 2 ] && ok || bad "dss: certificates do not parse: $(cat "$WORK/dss-subj" 2>/dev/null)"
grep -q '电子证书签名' "$WORK/dss-subj" && ok || bad "dss: no signing certificate"
cmp -s <(openssl x509 -in "$H/trust-root.pem" -outform DER) "$WORK/dss-${CERTS#*,}.der" && ok || bad "dss: second certificate is not the root"
qpdf --show-object="$CRLS" --filtered-stream-data "$WORK/c.pdf" >"$WORK/dss-crl.der" 2>>"$LOGS/stderr.log"
openssl crl -inform DER -in "$WORK/dss-crl.der" -CAfile "$H/trust-root.pem" -noout >"$WORK/crlv" 2>&1
grep -q 'verify OK' "$WORK/crlv" && ok || bad "dss: crl $(cat "$WORK/crlv")"

# Rotate, revoke the key that signed c.pdf: the CRL lists it at once.
expect 0 iss keys list
OLDKID=$(awk 'NR == 2 {print $1}' "$WORK/out")
expect 0 iss keys rotate
expect 0 iss keys revoke "$OLDKID"
cp "$H/root.crl" "$WORK/crl.before"
cp "$H/sm2-root.crl" "$WORK/sm2crl.before"
expect 0 iss keys crl
cmp -s "$H/root.crl" "$WORK/crl.before" && bad "keys crl: the CRL was not issued anew" || ok
# it writes both roots' CRLs (a new signature each time) and says where, each on its line
cmp -s "$H/sm2-root.crl" "$WORK/sm2crl.before" && bad "keys crl: the SM2 CRL was not issued anew" || ok
grep -qxF "crl written to $H/root.crl" "$WORK/out" && ok || bad "keys crl: root.crl not named: $(cat "$WORK/out")"
grep -qxF "crl written to $H/sm2-root.crl" "$WORK/out" && ok ||
    bad "keys crl: sm2-root.crl not named: $(cat "$WORK/out")"
iss keys --help | grep -q "sm2-root.crl" && ok || bad "keys --help does not name sm2-root.crl"
SERIAL=$(openssl x509 -in "$H/keys/sign-$OLDKID.pem" -noout -serial | cut -d= -f2)
start_daemon "$WORK/v.out" "$WORK/v.log" "$BIN/jianpei-verifier" --home "$H" --listen 127.0.0.1:0
VPID=$PID
curl -s -D "$WORK/hdr" -o "$WORK/served.crl" "http://127.0.0.1:$PORT/api/v1/crl/root.crl"
grep -q '^HTTP/1.1 200' "$WORK/hdr" && ok || bad "crl endpoint: $(head -1 "$WORK/hdr")"
grep -qi '^Content-Type: application/pkix-crl' "$WORK/hdr" && ok || bad "crl endpoint: content type"
openssl crl -inform DER -in "$WORK/served.crl" -noout -text >"$WORK/crl1" 2>&1 && ok || bad "served crl does not parse"
grep -qi "Serial Number: $SERIAL" "$WORK/crl1" && ok || bad "served crl does not list $SERIAL"
MAXAGE=$(sed -n 's/^Cache-Control: public, max-age=\([0-9]*\)\r$/\1/Ip' "$WORK/hdr")
[ -n "$MAXAGE" ] && [ "$MAXAGE" -gt $((3 * 86400 - 600)) ] && [ "$MAXAGE" -le $((3 * 86400)) ] &&
    ok || bad "crl endpoint: cache-control $(grep -i cache-control "$WORK/hdr")"
ETAG=$(sed -n 's/^ETag: \(.*\)\r$/\1/Ip' "$WORK/hdr")
[ -n "$ETAG" ] && ok || bad "crl endpoint: no ETag"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $ETAG" "http://127.0.0.1:$PORT/api/v1/crl/root.crl")
[ "$code" = 304 ] && ok || bad "crl endpoint: If-None-Match gave $code"
kill -TERM $VPID
wait $VPID
cp "$WORK/v.log" "$LOGS/daemon-crl.log"

# Signed before the revocation: the token's time lies before the CRL's date.
openssl ts -reply -token_in -in "$WORK/tok.der" -text 2>/dev/null | sed -n 's/^Time stamp: //p' >"$WORK/tstime"
REVOKED=$(sed -n '/Serial Number: '"$SERIAL"'/I,/Revocation Date/ s/.*Revocation Date: //p' "$WORK/crl1")
python3 - "$(cat "$WORK/tstime")" "$REVOKED" <<'PY' && ok || bad "time-stamp $(cat "$WORK/tstime") not before revocation $REVOKED"
import sys, time
t = time.strptime(sys.argv[1].replace("  ", " ").rsplit(" ", 1)[0].split(".")[0], "%b %d %H:%M:%S %Y")
r = time.strptime(sys.argv[2].replace("  ", " ").rsplit(" ", 1)[0], "%b %d %H:%M:%S %Y")
sys.exit(0 if t <= r else 1)
PY

# The new key signs with a time-stamp too; then the TSA stops and issue fails cleanly.
expect 0 iss issue --input "$WORK/in2.jsonl"
kill -TERM $TSAPID
wait $TSAPID && ok || bad "tsa did not exit 0 on SIGTERM"
cp "$WORK/tsa.log" "$LOGS/daemon-tsa.log"
expect 0 iss stats
before=$(head -1 "$WORK/out")
python3 "$SRC/bench/gen_intake.py" 6 --seed 19 | tail -2 >"$WORK/in3.jsonl"
expect 3 iss issue --input "$WORK/in3.jsonl"
expect 0 iss stats
[ "$(head -1 "$WORK/out")" = "$before" ] && ok || bad "tsa stopped: stored anyway ($before, $(head -1 "$WORK/out"))"
e2e_done
