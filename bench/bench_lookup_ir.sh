#!/usr/bin/env bash
# User-space instructions per lookup request (issue 15, target 2): a count that
# the load of a shared machine does not move, where requests/s and even CPU
# time per request swing by half between two rounds.
#
#   bench/bench_lookup_ir.sh WORK VERIFIER [SECONDS]
#     WORK      a work directory kept by `KEEP=1 bench/bench_verifier.sh N`
#     VERIFIER  the jianpei-verifier binary to count
#     SECONDS   length of the counted wrk run (default 6)
#
# Runs the verifier under valgrind's callgrind (2 threads, no access log, no
# rate limits), warms it with 2 s of wrk over WORK/api_paths.txt, zeroes the
# counters, counts a wrk run (-t2 -c16) over the same paths and divides by its
# requests. Prints Ir per request, the part of it in memset and the rest:
# valgrind counts each byte of a `rep stosb` as one instruction, so the memset
# figure is bytes zeroed, far more than its cycles. The kernel (recv, send,
# TCP) is not counted. Needs valgrind, wrk, curl.
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: bench_lookup_ir.sh WORK VERIFIER [SECONDS]" >&2; exit 2; }
work=$1
bin=$2
secs=${3:-6}
root=$(cd "$(dirname "$0")/.." && pwd)
for tool in valgrind callgrind_control callgrind_annotate wrk curl; do
  command -v "$tool" >/dev/null || { echo "bench_lookup_ir: $tool missing" >&2; exit 2; }
done
out=$(mktemp -d /tmp/jp-lookup-ir-XXXXXX)
vp=""
cleanup() {
  [ -n "$vp" ] && kill "$vp" 2>/dev/null && wait "$vp" 2>/dev/null
  rm -rf "$out"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
valgrind --tool=callgrind --callgrind-out-file="$out/cg.%p" "$bin" --home "$work/home" \
  --listen "127.0.0.1:$port" --threads 2 --no-access-log --no-rate-limits > /dev/null \
  2> "$out/valgrind.err" &
vp=$!
for _ in $(seq 1 300); do # readiness, not a timing
  curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
  sleep 0.2
done
wrk -t1 -c8 -d2s -s "$root/bench/rotate.lua" "http://127.0.0.1:$port" -- "$work/api_paths.txt" \
  > /dev/null
callgrind_control -z "$vp" > /dev/null 2>&1
res=$(wrk -t2 -c16 -d"$secs"s -s "$root/bench/rotate.lua" "http://127.0.0.1:$port" \
  -- "$work/api_paths.txt" | sed -n 's/^RESULT //p')
callgrind_control -d "$vp" > /dev/null 2>&1 # writes cg.PID.1: the counted run only
reqs=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<< "$res")
annotated=$(callgrind_annotate --threshold=100 "$out/cg.$vp.1" 2>/dev/null)
ir=$(awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}' <<< "$annotated")
ms=$(awk '/__memset/ {gsub(",", "", $1); s += $1} END {print s + 0}' <<< "$annotated")
echo "requests=$reqs Ir_per_request=$((ir / reqs)) memset_Ir_per_request=$((ms / reqs))" \
  "other_Ir_per_request=$(((ir - ms) / reqs)) binary=$bin"
