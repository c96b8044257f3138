#!/usr/bin/env bash
# Issuance with the OFD beside the PDF against PDF only (SPEC §11), side by side:
# one issuer binary, two fresh homes per round made alike, the second with its
# SM2 keys removed (a home made before SPEC §11: PDF only), in alternating
# order so that a shared machine's noise hits both alike.
#   bench/bench_ofd.sh [N [ROUNDS]]   default N=1000, ROUNDS=3
# N synthetic candidates with the 7.7 KB photo (same seed in every home). Prints
# rate, CPU per certificate (user + system) and store per certificate for each,
# then the ratios of the medians. Run by hand; report in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
n=${1:-1000} rounds=${2:-3}
bin=build/bin/jianpei-issuer
[ -x $bin ] || { echo "build first: cmake -S . -B build && cmake --build build" >&2; exit 2; }
work=$(mktemp -d /tmp/jp-bench-ofd-XXXXXX)
trap 'rm -rf "$work"' EXIT
cp tests/fixtures/render/photo.jpg "$work/photo.jpg"
python3 bench/gen_intake.py "$n" --seed 11 --photo photo.jpg > "$work/in.jsonl"

one() { # one TAG: prints "rate cpu_ms store_kb"
  local h=$work/home-$1
  rm -rf "$h"
  bench_init $bin "$h"
  [ "$1" = ofd ] || rm "$h"/keys/sm2-*
  bench_issue_once $bin "$h" "$work/in.jsonl" "$1" "$work"
}

: > "$work/pdf"; : > "$work/ofd"
for r in $(seq "$rounds"); do
  if [ $((r % 2)) = 1 ]; then p=$(one pdf); o=$(one ofd); else o=$(one ofd); p=$(one pdf); fi
  echo "$p" >> "$work/pdf"; echo "$o" >> "$work/ofd"
  echo "round $r  pdf only: rate=${p%% *}/s cpu/cert=$(echo "$p" | cut -d' ' -f2)ms store/cert=${p##* }KB   pdf+ofd: rate=${o%% *}/s cpu/cert=$(echo "$o" | cut -d' ' -f2)ms store/cert=${o##* }KB"
done
python3 - "$work/pdf" "$work/ofd" <<'PY'
import statistics, sys
rows = [[list(map(float, l.split())) for l in open(p)] for p in sys.argv[1:]]
(p, o) = [[statistics.median(r[i] for r in rs) for i in range(3)] for rs in rows]
print(f"median pdf only: {p[0]:.0f}/s {p[1]:.3f} ms {p[2]:.1f} KB   pdf+ofd: {o[0]:.0f}/s {o[1]:.3f} ms {o[2]:.1f} KB"
      f"   pdf+ofd / pdf only: rate x{o[0]/p[0]:.2f}, cpu x{o[1]/p[1]:.2f}, store x{o[2]/p[2]:.2f}")
PY
