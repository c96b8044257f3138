#!/bin/bash
# test_longevity.sh - a signature outlives its key (issue 17): a certificate is
# signed, time-stamped by the home's own TSA, about six years ago (faketime);
# then its key is rotated out and later revoked, and its signing certificate
# expired a year ago (5-year validity). Today the PDF still validates: pdfsig
# (the signature, the whole document), `openssl ts -verify` on its token at
# the token's time, the DSS's chain and CRL, the file check's JSON and page
# ("signed while the key was valid", 在密钥吊销前签署) and verify-qr. A copy of
# the key directory stolen before the revocation signs a certificate after it,
# with the same TSA: "signed after the key was revoked" everywhere. A token from
# another TSA put in the place of the real one is not believed. verify-qr warns
# of a stale CRL, refuses one the root did not sign, and applies a current one.
# No hook in the programs: the clock is moved with faketime (Debian faketime).
# usage: test_longevity.sh BIN_DIR
NAME=test_longevity
# shellcheck source=e2e_lib.sh
. "$(dirname "$0")/e2e_lib.sh"
S=$WORK/stolen
unset JIANPEI_KEY_PASSPHRASE JIANPEI_HOME
# libfaketime preloaded directly, not through the faketime wrapper: the wrapper stays the
# parent (a daemon's recorded pid is then the wrapper's, and killing it leaves the daemon
# running), and it names a semaphore after its pid that a killed run leaves behind, so a later
# run with the same pid fails with "sem_open: File exists".
LIBFAKETIME=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
[ -n "$LIBFAKETIME" ] || { echo "SKIP: libfaketime is not installed (package faketime)"; exit 77; }
SIGNED=-2200d  # the certificate is signed (and its key made) about six years ago
REVOKED=-2100d # the key is revoked 100 days later
STOLEN=-2000d  # the stolen copy signs another 100 days after that
# pastenv WHEN: PASTENV, the words of env(1) that run a command with the clock moved by WHEN
# (libfaketime preloaded; under ASan its runtime is then not first in the library list,
# which it must be told to accept). Run in the background, $! is then the command's own pid.
pastenv() {
    PASTENV=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
        "LD_PRELOAD=$LIBFAKETIME${LD_PRELOAD:+:$LD_PRELOAD}" "FAKETIME=$1")
}
# past WHEN CMD...: CMD with the clock moved by WHEN.
past() {
    pastenv "$1"
    shift
    "${PASTENV[@]}" "$@"
}
ver() { "$BIN/jianpei-verifier" "$@"; }
# issue_one HOME WHEN SEED: issues one generated candidate at time WHEN; NO is its number.
issue_one() {
    local home=$1 when=$2 exam
    exam=$(past "$when" date -u -d '-10 days' +%F)
    python3 "$SRC/bench/gen_intake.py" 1 --seed "$3" --exam-date "$exam" >"$WORK/in-$3.jsonl"
    expect 0 past "$when" "$BIN/jianpei-issuer" --home "$home" issue --input "$WORK/in-$3.jsonl" \
        --report "$WORK/r-$3.json"
    NO=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["issued"][0]["certificate_no"])' \
        "$WORK/r-$3.json" 2>/dev/null)
}
# qr_of PDF: the QR text drawn on the PDF's page.
qr_of() {
    pdftoppm -r 150 -png "$1" "$1-page" 2>>"$LOGS/stderr.log"
    zbarimg -q --raw -Sdisable -Sqrcode.enable "$1-page-1.png" 2>>"$LOGS/stderr.log"
}
# check_file PDF NAME: the file check's JSON (NAME.json) and page (NAME.html) for PDF.
check_file() {
    curl -s -H 'Content-Type: application/pdf' --data-binary @"$1" \
        "http://127.0.0.1:$VPORT/api/v1/check-file" >"$WORK/$2.json"
    curl -s -c "$WORK/jar" -o "$WORK/form.html" "http://127.0.0.1:$VPORT/check/file"
    local csrf
    csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$WORK/form.html" | head -1)
    curl -s -b "$WORK/jar" -F "csrf=$csrf" -F "file=@$1;type=application/pdf" \
        "http://127.0.0.1:$VPORT/check/file" >"$WORK/$2.html"
}
# field NAME PATH: a member of NAME.json, e.g. field a signature_time.revocation.
field() {
    python3 - "$WORK/$1.json" "$2" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v.get(k) if isinstance(v, dict) else None
print("null" if v is None else v)
PY
}

# --- six years ago: a home, its TSA, a certificate signed by key A ------------------------
expect 0 past $SIGNED "$BIN/jianpei-issuer" --home "$H" init --authority 广东省住房和城乡建设厅 \
    --authority-uscc 11440000MB2C12345J --public-url http://127.0.0.1:8080 \
    --tsa-url http://127.0.0.1:9/
pastenv $SIGNED
start_daemon "$WORK/tsa.out" "$WORK/tsa.log" "${PASTENV[@]}" "$BIN/jianpei-issuer" --home "$H" tsa \
    --listen 127.0.0.1:0
set_tsa "$H" "http://127.0.0.1:$PORT/"
issue_one "$H" $SIGNED 41
NO1=$NO
expect 0 iss pdf "$NO1" --out "$WORK/old.pdf"
URL1=$(qr_of "$WORK/old.pdf")
expect 0 iss keys list
KID_A=$(awk 'NR == 2 {print $1}' "$WORK/out")
[ ${#KID_A} -eq 16 ] && ok || bad "no kid in: $(cat "$WORK/out")"
# Someone copies the home while A is active (the key compromise found out later).
cp -a "$H" "$S"
expect 0 past $SIGNED "$BIN/jianpei-issuer" --home "$H" keys rotate
expect 0 past $REVOKED "$BIN/jianpei-issuer" --home "$H" keys revoke "$KID_A"

# --- the stolen copy signs with A after the revocation, time-stamped by the same TSA ------
pastenv $STOLEN
start_daemon "$WORK/tsa2.out" "$WORK/tsa2.log" "${PASTENV[@]}" "$BIN/jianpei-issuer" --home "$S" tsa \
    --listen 127.0.0.1:0
set_tsa "$S" "http://127.0.0.1:$PORT/"
issue_one "$S" $STOLEN 42
"$BIN/jianpei-issuer" --home "$S" pdf "$NO" --out "$WORK/late.pdf" >/dev/null 2>>"$LOGS/stderr.log"
URL2=$(qr_of "$WORK/late.pdf")

# --- today: key A expired a year ago ---------------------------------------------------------
openssl x509 -in "$H/keys/sign-$KID_A.pem" -noout -checkend 0 >/dev/null &&
    bad "key A has not expired: $(openssl x509 -in "$H/keys/sign-$KID_A.pem" -noout -enddate)" || ok

# pdfsig: the signature and the whole document, with the certificate long expired.
pdfsig "$WORK/old.pdf" >"$WORK/pdfsig" 2>&1
cp "$WORK/pdfsig" "$LOGS/pdfsig-old.txt"
grep -q 'Signature is Valid' "$WORK/pdfsig" && ok || bad "pdfsig: $(cat "$WORK/pdfsig")"
grep -q 'Total document signed' "$WORK/pdfsig" && ok || bad "pdfsig: not the whole document"
# The token, at its own time (the TSA certificate is valid then and now).
expect 0 "$BIN/lt_tool" token "$WORK/old.pdf" "$WORK/tok.der" "$WORK/sigval.bin"
openssl ts -verify -token_in -in "$WORK/tok.der" -data "$WORK/sigval.bin" \
    -CAfile "$H/trust-root.pem" -untrusted "$H/keys/tsa.pem" >"$WORK/tsv" 2>&1
grep -q '^Verification: OK' "$WORK/tsv" && ok || bad "openssl ts -verify: $(cat "$WORK/tsv")"
GEN=$(openssl ts -reply -token_in -in "$WORK/tok.der" -text 2>/dev/null | sed -n 's/^Time stamp: //p')
GENY=$(date -u -d "$GEN" +%Y 2>/dev/null)
[ "$GENY" = "$(past $SIGNED date -u +%Y)" ] && ok || bad "token time $GEN, not of the signing year"
# The DSS carries the CRL of six years ago, signed by the root.
python3 - "$WORK/old.pdf" >"$WORK/crlobj" <<'PY'
import re, sys
m = re.search(rb"/Type /DSS /Certs \[[0-9 R]+\] /CRLs \[(\d+) 0 R", open(sys.argv[1], "rb").read())
print(m.group(1).decode() if m else "")
PY
qpdf --show-object="$(cat "$WORK/crlobj")" --filtered-stream-data "$WORK/old.pdf" >"$WORK/dss.crl" 2>>"$LOGS/stderr.log"
openssl crl -inform DER -in "$WORK/dss.crl" -CAfile "$H/trust-root.pem" -noout 2>&1 | grep -q 'verify OK' &&
    ok || bad "dss: the CRL does not verify against the root"

# verify-qr with the home: its CRL (made at the revocation) is stale by now, and says so.
expect 1 ver --home "$H" verify-qr "$URL1"
grep -q '^crl: stale' "$WORK/out" && ok || bad "verify-qr: no stale CRL line: $(cat "$WORK/out")"
grep -q 'warning: crl .* is stale' "$WORK/err" && ok || bad "verify-qr: no stale warning: $(cat "$WORK/err")"
grep -q '^verdict: revoked_key' "$WORK/out" && ok || bad "verify-qr: $(cat "$WORK/out")"
grep -q '^signed: signed while the key was valid (before it was revoked on ' "$WORK/out" &&
    ok || bad "verify-qr old: $(cat "$WORK/out")"
# The verifier says the same of its CRL until `keys crl` issues a current one, which it
# picks up without a restart (polled, at most 5 s).
start_daemon "$WORK/v.out" "$WORK/v.log" "$BIN/jianpei-verifier" --home "$H" --listen 127.0.0.1:0 \
    --no-rate-limits
VPORT=$PORT
check_file "$WORK/old.pdf" stale
[ "$(field stale signature_time.crl)" = stale ] && ok || bad "file check: crl $(cat "$WORK/stale.json")"
[ "$(field stale signature_time.revocation)" = before_revocation ] && ok || bad "stale: $(cat "$WORK/stale.json")"
expect 0 iss keys crl
for _ in $(seq 50); do
    check_file "$WORK/old.pdf" old
    [ "$(field old signature_time.crl)" = current ] && break
    sleep 0.1
done
curl -s -o "$WORK/served.crl" "http://127.0.0.1:$VPORT/api/v1/crl/root.crl"
expect 1 ver verify-qr "$URL1" --trust "$H/trust-list.pem" --crl "$WORK/served.crl"
grep -q '^crl: current until .*, 1 revoked' "$WORK/out" && ok || bad "verify-qr --crl: $(cat "$WORK/out")"
grep -q '^revocation: before_revocation' "$WORK/out" && ok || bad "verify-qr --crl: $(cat "$WORK/out")"
expect 1 ver --home "$H" verify-qr "$URL2"
grep -q '^revocation: after_revocation' "$WORK/out" && ok || bad "verify-qr late: $(cat "$WORK/out")"
grep -q '^signed: signed after the key was revoked (on ' "$WORK/out" && ok || bad "verify-qr late: $(cat "$WORK/out")"
# The CRL alone revokes: a trust list from before the revocation, with today's CRL.
expect 0 ver verify-qr "$URL1" --trust "$S/trust-list.pem"
expect 1 ver verify-qr "$URL1" --trust "$S/trust-list.pem" --crl "$WORK/served.crl"
grep -q '^verdict: revoked_key' "$WORK/out" && ok || bad "the CRL did not revoke: $(cat "$WORK/out")"
# A CRL the root did not sign (another home's) is refused, and so is garbage.
expect 0 "$BIN/jianpei-issuer" --home "$WORK/other" init --authority 广东省住房和城乡建设厅 \
    --authority-uscc 11440000MB2C12345J --public-url http://127.0.0.1:8080
expect 3 ver verify-qr "$URL1" --trust "$H/trust-list.pem" --crl "$WORK/other/root.crl"
grep -q "crl .*other/root.crl: not a CRL signed by the trust list's root" "$WORK/err" &&
    ok || bad "foreign crl: $(cat "$WORK/err")"
[ ! -s "$WORK/out" ] && ok || bad "foreign crl: a verdict was printed anyway"
printf 'not a crl' >"$WORK/junk.crl"
expect 3 ver verify-qr "$URL1" --trust "$H/trust-list.pem" --crl "$WORK/junk.crl"
expect 3 ver verify-qr "$URL1" --trust "$H/trust-list.pem" --crl "$WORK/missing.crl"
expect 0 ver verify-qr --help
grep -q -- '--crl FILE' "$WORK/out" && ok || bad "verify-qr --help does not name --crl"

# The QR page on the employer's phone says it too (the issue date, and where the proof is).
P1=/V/${URL1#*/V/}
P2=/V/${URL2#*/V/}
curl -s -H 'Accept: application/json' "http://127.0.0.1:$VPORT$P1" >"$WORK/qr1.json"
[ "$(field qr1 verdict)" = revoked_key ] && [ "$(field qr1 revocation)" = before_revocation ] &&
    ok || bad "QR page JSON old: $(cat "$WORK/qr1.json")"
curl -s "http://127.0.0.1:$VPORT$P1" >"$WORK/qr1.html"
grep -q '在密钥吊销前签署' "$WORK/qr1.html" && grep -q '核验证书文件' "$WORK/qr1.html" &&
    ok || bad "QR page old: no 在密钥吊销前签署"
curl -s -H 'Accept: application/json' "http://127.0.0.1:$VPORT$P2" >"$WORK/qr2.json"
[ "$(field qr2 revocation)" = after_revocation ] && ok || bad "QR page JSON late: $(cat "$WORK/qr2.json")"

# --- the file check: JSON field and the employer's page ---------------------------------
check_file "$WORK/old.pdf" old
[ "$(field old verdict)" = identical ] && ok || bad "file check old: $(cat "$WORK/old.json")"
[ "$(field old signature_time.time_stamp)" = verified ] && ok || bad "old: $(cat "$WORK/old.json")"
[ "$(field old signature_time.revocation)" = before_revocation ] && ok || bad "old: $(cat "$WORK/old.json")"
[ "$(field old signature_time.signing_key.state)" = revoked ] && ok || bad "old: $(cat "$WORK/old.json")"
[ "$(field old signature_time.crl)" = current ] && ok || bad "old: crl $(cat "$WORK/old.json")"
grep -q '在密钥吊销前签署' "$WORK/old.html" && ok || bad "page old: no 在密钥吊销前签署"
check_file "$WORK/late.pdf" late
[ "$(field late signature_time.time_stamp)" = verified ] && ok || bad "late: $(cat "$WORK/late.json")"
[ "$(field late signature_time.revocation)" = after_revocation ] && ok || bad "late: $(cat "$WORK/late.json")"
[ "$(field late verdict)" != identical ] && ok || bad "late: the stolen key's file is called ours"
grep -q '在密钥吊销后签署' "$WORK/late.html" && ok || bad "page late: no 在密钥吊销后签署"

# --- a time-stamp from another TSA over the same signature value is not believed ---------
start_daemon "$WORK/tsa3.out" "$WORK/tsa3.log" "$BIN/jianpei-issuer" --home "$WORK/other" tsa \
    --listen 127.0.0.1:0
openssl ts -query -data "$WORK/sigval.bin" -sha256 -cert -out "$WORK/q.tsq" 2>>"$LOGS/stderr.log"
curl -s -H 'Content-Type: application/timestamp-query' --data-binary @"$WORK/q.tsq" \
    "http://127.0.0.1:$PORT/" >"$WORK/r.tsr"
openssl ts -reply -in "$WORK/r.tsr" -token_out -out "$WORK/foreign.der" 2>>"$LOGS/stderr.log"
expect 0 "$BIN/lt_tool" restamp "$WORK/old.pdf" "$WORK/foreign.der" "$WORK/forged.pdf"
openssl ts -verify -token_in -in "$WORK/foreign.der" -data "$WORK/sigval.bin" \
    -CAfile "$H/trust-root.pem" >/dev/null 2>&1 && bad "openssl believes the foreign token" || ok
pdfsig "$WORK/forged.pdf" 2>&1 | grep -q 'Signature is Valid' && ok ||
    bad "forged.pdf: restamp broke the signature itself: $(pdfsig "$WORK/forged.pdf" 2>&1)"
check_file "$WORK/forged.pdf" forged
[ "$(field forged signature_time.time_stamp)" = untrusted ] && ok || bad "forged: $(cat "$WORK/forged.json")"
[ "$(field forged signature_time.revocation)" = unknown ] && ok || bad "forged: $(cat "$WORK/forged.json")"
[ "$(field forged signature_time.signed_at)" = null ] && ok || bad "forged: a time was believed"
grep -q '不是本机关信任的时间戳服务签发的' "$WORK/forged.html" && ok || bad "page forged: no warning"
grep -q '在密钥吊销前签署' "$WORK/forged.html" && bad "page forged: says signed before" || ok
# Nor is our own TSA's token when it stamps another signature value (the late file's).
expect 0 "$BIN/lt_tool" token "$WORK/late.pdf" "$WORK/late-tok.der" "$WORK/late-sig.bin"
expect 0 "$BIN/lt_tool" restamp "$WORK/old.pdf" "$WORK/late-tok.der" "$WORK/swapped.pdf"
check_file "$WORK/swapped.pdf" swapped
[ "$(field swapped signature_time.time_stamp)" = untrusted ] && ok || bad "swapped: $(cat "$WORK/swapped.json")"
[ "$(field swapped signature_time.revocation)" = unknown ] && ok || bad "swapped: $(cat "$WORK/swapped.json")"

cp "$WORK/v.log" "$LOGS/daemon-longevity.log"
e2e_done
