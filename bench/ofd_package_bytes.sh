#!/usr/bin/env bash
# Bytes of the OFD packages an issuer binary writes (SPEC §11), to put beside
# bench/bench_issue_ab.sh's rates when the OFD changes:
#   bench/ofd_package_bytes.sh [ISSUER [N]]   default build/bin/jianpei-issuer, N=50
# Issues N synthetic candidates with the 7.7 KB photo (seed 11, as the other
# benchmarks) into a fresh home, prints the mean package size over all N and
# the entries of the first package (size inside the ZIP, then unpacked).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bin=$(realpath "${1:-build/bin/jianpei-issuer}") n=${2:-50}
[ -x "$bin" ] || { echo "no issuer binary at $bin: build first" >&2; exit 2; }
work=$(mktemp -d /tmp/jp-ofd-bytes-XXXXXX)
trap 'rm -rf "$work"' EXIT
bench_photo_sample "$bin" "$work" "$n"
i=0
while read -r no; do
  "$bin" --home "$work/h" ofd "$no" --out "$work/$i.ofd" >/dev/null
  i=$((i + 1))
done < "$work/nos"
python3 - "$work" "$i" <<'PY'
import os, sys, zipfile
work, n = sys.argv[1], int(sys.argv[2])
sizes = [os.path.getsize(f"{work}/{i}.ofd") for i in range(n)]
print(f"{n} packages, mean {sum(sizes) / n:.0f} bytes ({sum(sizes) / n / 1024:.1f} KB)")
for e in zipfile.ZipFile(f"{work}/0.ofd").infolist():
    print(f"  {e.compress_size:7d} {e.file_size:7d}  {e.filename}")
PY
