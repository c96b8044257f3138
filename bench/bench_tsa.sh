#!/usr/bin/env bash
# Issuance throughput with and without signature time-stamps (issue 17), side
# by side in one run: two homes, one with tsa_url pointing at its own
# `jianpei-issuer tsa` on loopback, one without; each issues the same N
# synthetic candidates (with the fixture photo), alternating ROUNDS times.
# Then a third home issues round 1's candidates with its TSA down under
# --tsa-optional (B-B, all pending) and `timestamp --pending` adds their
# document time-stamps from the same local TSA.
#   bench/bench_tsa.sh [N] [ROUNDS]     default N=500, ROUNDS=2
# Prints certificates per second of each run and the ratio; run by hand,
# report in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-500}
rounds=${2:-2}
bin=build/bin
[ -x $bin/jianpei-issuer ] || { echo "build first: cmake -S . -B build && cmake --build build" >&2; exit 2; }
work=$(mktemp -d /tmp/jp-bench-tsa-XXXXXX)
tsapid=""
trap '[ -n "$tsapid" ] && kill $tsapid 2>/dev/null; rm -rf "$work"' EXIT
cp tests/fixtures/render/photo.jpg "$work/photo.jpg"
for r in $(seq "$rounds"); do
  python3 bench/gen_intake.py "$n" --seed $((100 + r)) --photo photo.jpg > "$work/in-$r.jsonl"
done
init() {
  $bin/jianpei-issuer init --home "$work/$1" --authority 广东省住房和城乡建设厅 \
    --authority-uscc 11440000MB2C12345J --public-url http://127.0.0.1:8080 "${@:2}" >/dev/null
}
init plain
init stamped --tsa-url http://127.0.0.1:9/
init pending --tsa-url http://127.0.0.1:9/
$bin/jianpei-issuer --home "$work/stamped" tsa --listen 127.0.0.1:0 > "$work/tsa.out" &
tsapid=$!
for _ in $(seq 100); do grep -q listening "$work/tsa.out" && break; sleep 0.05; done
port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$work/tsa.out")
set_tsa() {  # home url
  python3 - "$work/$1/config.json" "$2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["tsa_url"] = sys.argv[2]
json.dump(c, open(sys.argv[1], "w"), ensure_ascii=False, indent=2)
PY
}
set_tsa stamped "http://127.0.0.1:$port/"
run() {  # home round -> certificates per second
  local t0 t1
  t0=$(date +%s.%N)
  $bin/jianpei-issuer --home "$work/$1" issue --input "$work/in-$2.jsonl" \
    --report "$work/$1-$2.json" > /dev/null 2>&1
  t1=$(date +%s.%N)
  python3 -c "print(f'{$n / ($t1 - $t0):.1f}')"
}
for r in $(seq "$rounds"); do
  a=$(run plain "$r")
  b=$(run stamped "$r")
  python3 -c "print(f'round $r: without time-stamp $a/s, with time-stamp (local TSA) $b/s, ratio {$b / $a:.2f}')"
done
rate() {  # seconds-start command... -> items per second of n
  local t0 t1
  t0=$(date +%s.%N)
  "$@" > /dev/null 2>&1
  t1=$(date +%s.%N)
  python3 -c "print(f'{$n / ($t1 - $t0):.1f}')"
}
a=$(rate $bin/jianpei-issuer --home "$work/pending" issue --input "$work/in-1.jsonl" --tsa-optional \
  --report "$work/pending-1.json")
set_tsa pending "http://127.0.0.1:$port/"
b=$(rate $bin/jianpei-issuer --home "$work/pending" timestamp --pending)
echo "tsa down, --tsa-optional: issued B-B $a/s; timestamp --pending afterwards $b/s" \
  "($($bin/jianpei-issuer --home "$work/pending" timestamp --pending --list))"
pdfsize() {  # the signed PDF of the first certificate of round 1
  local no
  no=$(grep -o '"certificate_no": *"[0-9X]*"' "$work/$1-1.json" | head -1 | grep -o '[0-9X]\{18\}')
  $bin/jianpei-issuer --home "$work/$1" pdf "$no" --out "$work/$1.pdf" >/dev/null
  stat -c %s "$work/$1.pdf"
}
echo "signed PDF of one certificate: without $(pdfsize plain) bytes, with $(pdfsize stamped) bytes," \
  "B-B then document time-stamp $(pdfsize pending) bytes"
