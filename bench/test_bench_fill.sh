#!/usr/bin/env bash
# Smoke test of bench_fill (ctest bench_fill_smoke): records it writes into a
# fresh home are what the real tools read, a second fill and a real issuance
# continue the serials without collision, and the verifier answers for them.
#   bench/test_bench_fill.sh BIN_DIR
set -euo pipefail
bin=$1
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/jp-benchfill-XXXXXX)
vpid=""
cleanup() {
  [ -n "$vpid" ] && kill "$vpid" 2>/dev/null && wait "$vpid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fails=0
check() { # description command...
  local what=$1
  shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}
home=$work/home

"$bin/jianpei-issuer" init --home "$home" --authority 广东省住房和城乡建设厅 \
  --authority-uscc 11440000MB2C12345J --public-url http://127.0.0.1:8080 >/dev/null

out=$("$bin/bench_fill" --home "$home" --count 3000 --batch 1000)
check "fill reports 3000 records" grep -q '^filled=3000 ' <<< "$out"
out=$("$bin/bench_fill" --home "$home" --count 500)
check "second fill reports 500 records" grep -q '^filled=500 ' <<< "$out"
entries=$(mdb_stat -s intake "$home/store" | awk '/Entries:/ {print $2}')
check "the second fill adds new holders (3500 intake keys)" test "$entries" = 3500
out=$("$bin/bench_fill" --home "$home" --lookup --samples 20000)
check "lookup finds all 3500 records" grep -q '^records=3500 lookups=20000 ' <<< "$out"

"$bin/bench_fill" --home "$home" --list 50 --seed 9 > "$work/nos.txt"
check "list prints 50 numbers" test "$(grep -cE '^[0-9]{17}[0-9X]$' "$work/nos.txt")" = 50
no=$(head -1 "$work/nos.txt")
out=$("$bin/jianpei-issuer" --home "$home" show "$no")
check "issuer shows a filled record as valid" grep -q '"status": "valid"' <<< "$out"
# bench_fill writes records only: `check` rightly finds each without its files (the home made
# by init has SM2 keys, so an OFD is owed too): two problems a record, of those two kinds only.
out=$("$bin/jianpei-issuer" --home "$home" check || true)
check "issuer check: 3500 certificates, two problems each (no pdf, no OFD)" \
  grep -q '^3500 certificates, 0 PDFs, 3501 audit entries, 7000 problems' <<< "$out"
check "issuer check: the problems it lists are the missing files only" \
  test "$(sed 1d <<< "$out" | grep -cvE '^  (certificate [0-9]{17}[0-9X] has no pdf|[0-9]{17}[0-9X]: no OFD stored)$')" = 0

python3 "$root/bench/gen_intake.py" 1 --seed 2 --exam-date "$(date -d '30 days ago' +%F)" \
  > "$work/one.jsonl"
check "a real certificate is issued on top" \
  "$bin/jianpei-issuer" --home "$home" issue --input "$work/one.jsonl" --report "$work/r.json"
check "the real certificate got a fresh number" \
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(len(r["issued"]) != 1)' \
  "$work/r.json"
out=$("$bin/jianpei-issuer" --home "$home" check || true)
check "issuer check: the real certificate has its PDF and OFD (no new problem)" \
  grep -q '^3501 certificates, 1 PDFs, 3502 audit entries, 7000 problems' <<< "$out"

coproc V { exec "$bin/jianpei-verifier" --home "$home" --listen 127.0.0.1:0 --threads 1 \
  --no-access-log 2>/dev/null; }
vpid=$V_PID
read -r line <&"${V[0]}"
port=${line##*:}
code=$(curl -s -o "$work/a.json" -w '%{http_code}' "http://127.0.0.1:$port/api/v1/certificates/$no")
check "verifier answers 200 for a filled number" test "$code" = 200
check "verifier shows it valid and masked" \
  grep -qE "\"certificate_no\":\"$no\".*\"status\":\"valid\"|\"status\":\"valid\".*\"certificate_no\":\"$no\"" \
  "$work/a.json"
check "verifier masks the holder's ID number" grep -q '"id_number_masked":"[0-9]\{6\}\*\{8\}' \
  "$work/a.json"

set +e
"$bin/bench_fill" --home "$home" --count 0 2>/dev/null
rc=$?
set -e
check "a zero count is a usage error (2)" test "$rc" = 2

echo "$fails failed"
[ "$fails" -eq 0 ]
