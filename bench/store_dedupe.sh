#!/usr/bin/env bash
# What content-addressed segments in the store would save (issue 15 target 4):
#   bench/store_dedupe.sh [ISSUER [N]]   default build/bin/jianpei-issuer, N=100
# Issues N synthetic candidates with the 7.7 KB photo (seed 11) into a fresh home,
# writes out every PDF and OFD, and chunks them by content (bench/store_dedupe.py):
# the bytes a store would keep if it kept each distinct chunk once, at three chunk
# sizes. Each certificate's photo is replaced by bytes of its own first (the same in
# its PDF and its OFD), since the synthetic intake gives every holder the same photo.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bin=$(realpath "${1:-build/bin/jianpei-issuer}") n=${2:-100}
[ -x "$bin" ] || { echo "no issuer binary at $bin: build first" >&2; exit 2; }
work=$(mktemp -d /tmp/jp-dedupe-XXXXXX)
trap 'rm -rf "$work"' EXIT
bench_photo_sample "$bin" "$work" "$n"
mkdir "$work/f"
i=0
while read -r no; do
  "$bin" --home "$work/h" pdf "$no" --out "$work/f/$i.pdf" >/dev/null
  "$bin" --home "$work/h" ofd "$no" --out "$work/f/$i.ofd" >/dev/null
  i=$((i + 1))
done < "$work/nos"
for bits in 11 10 9; do
  python3 bench/store_dedupe.py "$work/f" "$work/photo.jpg" "$i" "$bits"
done
