#!/usr/bin/env bash
# Side-by-side issuance benchmark: two issuer binaries on the same input, in
# alternating rounds, so that a shared machine's noise hits both alike.
#   bench/bench_issue_ab.sh OLD_ISSUER NEW_ISSUER [N [ROUNDS]]   default N=2000, ROUNDS=3
# Each round issues N synthetic candidates with the 7.7 KB photo into a fresh
# home with each binary (same seed) and prints wall rate, CPU per certificate
# (user + system) and store per certificate; the last line gives the ratios
# of the medians. Run by hand; report in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
old=$1 new=$2 n=${3:-2000} rounds=${4:-3}
work=$(mktemp -d /tmp/jp-ab-XXXXXX)
trap 'rm -rf "$work"' EXIT
cp tests/fixtures/render/photo.jpg "$work/photo.jpg"
python3 bench/gen_intake.py "$n" --seed 11 --photo photo.jpg > "$work/in.jsonl"

one() { # one BIN TAG: prints "rate cpu_ms store_kb"
  local bin=$1 h=$work/home-$2
  rm -rf "$h"
  bench_init "$bin" "$h"
  bench_issue_once "$bin" "$h" "$work/in.jsonl" "$2" "$work"
}

: > "$work/old"; : > "$work/new"
for r in $(seq "$rounds"); do
  o=$(one "$old" old); nw=$(one "$new" new)
  echo "$o" >> "$work/old"; echo "$nw" >> "$work/new"
  echo "round $r  old: rate=${o%% *}/s cpu/cert=$(echo "$o" | cut -d' ' -f2)ms store/cert=${o##* }KB   new: rate=${nw%% *}/s cpu/cert=$(echo "$nw" | cut -d' ' -f2)ms store/cert=${nw##* }KB"
done
python3 - "$work/old" "$work/new" <<'PY'
import statistics, sys
rows = [[list(map(float, l.split())) for l in open(p)] for p in sys.argv[1:]]
med = [[statistics.median(r[i] for r in rs) for i in range(3)] for rs in rows]
(o, n) = med
print(f"median old: {o[0]:.0f}/s {o[1]:.3f} ms {o[2]:.1f} KB   new: {n[0]:.0f}/s {n[1]:.3f} ms {n[2]:.1f} KB"
      f"   new/old: rate x{n[0]/o[0]:.2f}, cpu x{n[1]/o[1]:.2f}, store x{n[2]/o[2]:.2f}")
PY
