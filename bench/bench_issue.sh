#!/usr/bin/env bash
# Issuance benchmark (issue "Issuance pipeline"): throughput, CPU per certificate,
# memory, store size per certificate, on synthetic candidates with a photo.
#   bench/bench_issue.sh [N]      default N=10000
#   env: PHOTO=0 issues without photos (a 1,000,000 run then needs ~57 GB, not ~70);
#        THREADS=N renders on N threads (default: one per core);
#        KEEP=DIR keeps the home in DIR for later measurements (bench_fill --lookup)
# Prints one line of figures; run by hand, report in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
threads=${THREADS:-}   # empty: one per core (the issuer's default)
bin=build/bin
[ -x $bin/jianpei-issuer ] || { echo "build first: cmake -S . -B build && cmake --build build" >&2; exit 2; }

work=${KEEP:-$(mktemp -d /tmp/jp-bench-XXXXXX)}
mkdir -p "$work"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
$bin/jianpei-issuer init --home "$work/home" --authority 广东省住房和城乡建设厅 \
  --authority-uscc 11440000MB2C12345J --public-url http://127.0.0.1:8080 >/dev/null
cp tests/fixtures/render/photo.jpg "$work/photo.jpg"
if [ "${PHOTO:-1}" = 0 ]; then
  python3 bench/gen_intake.py "$n" --seed 11 > "$work/in.jsonl"
else
  python3 bench/gen_intake.py "$n" --seed 11 --photo photo.jpg > "$work/in.jsonl"
fi

# Sample anonymous (heap) and total RSS every 0.1 s while the issuer runs.
/usr/bin/time -f "%e %U %S %M" -o "$work/time" \
  $bin/jianpei-issuer --home "$work/home" issue --input "$work/in.jsonl" \
  ${threads:+--threads "$threads"} --report "$work/report.json" 2>"$work/err" &
tpid=$!
anon=0
while kill -0 $tpid 2>/dev/null; do
  pid=$(pgrep -P $tpid jianpei-issuer || true)
  if [ -n "$pid" ] && [ -r /proc/$pid/smaps_rollup ]; then
    a=$(awk '/^Anonymous:/ {print $2}' /proc/$pid/smaps_rollup 2>/dev/null || echo 0)
    [ "${a:-0}" -gt "$anon" ] && anon=$a
  fi
  sleep 0.1
done
wait $tpid || true
read -r wall user sys maxrss < "$work/time"
issued=$(python3 -c "import json,sys;print(len(json.load(open(sys.argv[1]))['issued']))" "$work/report.json")
store=$(du -sk "$work/home/store" | cut -f1)
python3 - "$n" "$issued" "$wall" "$user" "$sys" "$maxrss" "$anon" "$store" <<'PY'
import sys
n, issued = int(sys.argv[1]), int(sys.argv[2])
wall, user, sys_, maxrss, anon, store = map(float, sys.argv[3:])
print(f"records={n} issued={issued} wall={wall:.2f}s rate={issued/wall:.0f}/s "
      f"cpu_per_cert={(user+sys_)/issued*1000:.2f}ms peak_rss={maxrss/1024:.0f}MB "
      f"peak_anon={anon/1024:.0f}MB store_per_cert={store/issued:.1f}KB")
PY
