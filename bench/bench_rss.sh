#!/usr/bin/env bash
# Where the issuer's resident set peaks (issue 15 target 5): one `issue` of N
# synthetic candidates with the 7.7 KB photo (seed 11, as bench_issue.sh) per
# ISSUER given, one after the other on the same input, each sampled by
# bench/smaps_peak.py (the breakdown of the peak sample by kind of mapping)
# and timed by /usr/bin/time (max RSS, CPU per certificate).
#   bench/bench_rss.sh N ISSUER...            e.g. bench/bench_rss.sh 10000 /tmp/old build/bin/jianpei-issuer
#   env: MALLOC_ARENA_MAX and other glibc tunables pass through to the issuer.
# Run by hand; report in docs/benchmarks.md with the load average.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
n=$1
shift
work=$(mktemp -d /tmp/jp-rss-XXXXXX)
trap 'rm -rf "$work"' EXIT
cp tests/fixtures/render/photo.jpg "$work/photo.jpg"
python3 bench/gen_intake.py "$n" --seed 11 --photo photo.jpg > "$work/in.jsonl"
i=0
for bin in "$@"; do
  i=$((i + 1))
  h=$work/home-$i
  bench_init "$bin" "$h"
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$bin" --home "$h" issue \
    --input "$work/in.jsonl" --report "$work/rep.json" >/dev/null 2>"$work/err" &
  tpid=$!
  pid=
  while [ -z "$pid" ] && kill -0 $tpid 2>/dev/null; do
    pid=$(pgrep -P $tpid || true)
  done
  [ -n "$pid" ] && python3 bench/smaps_peak.py "$pid" > "$work/peak" || : > "$work/peak"
  wait $tpid || true
  read -r wall user sys maxrss < "$work/time"
  issued=$(python3 -c "import json,sys;print(len(json.load(open(sys.argv[1]))['issued']))" "$work/rep.json")
  echo "== $bin N=$n issued=$issued wall=${wall}s cpu/cert=$(python3 -c "print(f'{($user+$sys)/$issued*1000:.3f}')")ms maxrss=$((maxrss / 1024))MB load=$(cut -d' ' -f1-3 /proc/loadavg)"
  cat "$work/peak"
  rm -rf "$h"
done
