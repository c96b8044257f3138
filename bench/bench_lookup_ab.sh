#!/usr/bin/env bash
# Lookup API A/B benchmark (issue 15, target 2): nginx serving the lookup JSON
# as a static file, and one or more verifier binaries, each on the same home,
# in alternating rounds of one run, so that a change is measured side by side
# with the old binary on a shared, loaded machine.
#
#   bench/bench_lookup_ab.sh WORK VERIFIER...
#     WORK      a work directory kept by `KEEP=1 bench/bench_verifier.sh N`
#               (its home/, api_paths.txt and www/cert.json are used)
#     VERIFIER  jianpei-verifier binaries to compare (old first, then new)
#   environment: ROUNDS=3, WRK_SECONDS=8, THREADS=$(nproc) verifier threads,
#   PERF=1 records `perf record -g` of the last verifier in the last round
#   into WORK/perf.data.
#   PIN=1 gives the load generator and the server a core each: every server
#   runs on CPU 1 (nginx with one worker, the verifier with --threads 1 unless
#   THREADS is set) and wrk on CPU 0 with one thread (wrk -t1 -c64). Without it
#   wrk's two threads and the server's two share both cores, and the p99 of
#   nginx and of the verifier alike is then a scheduler time slice (a few ms)
#   of a server thread waiting behind a wrk thread, not the server's own time.
#
# Every server runs in the foreground of this script (nginx with `daemon off`),
# so that wrk and the server under test sit in the same scheduler autogroup
# whichever server it is: a daemonized nginx gets an autogroup of its own and,
# on a machine loaded by other sessions, a different share of the cores.
# Besides requests/s and p99 it reports the server's CPU time (user + system,
# from /proc) per request, the steadier figure under load. Installs nothing:
# apt-get install -y nginx wrk.
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: bench_lookup_ab.sh WORK VERIFIER..." >&2; exit 2; }
work=$1
shift
rounds=${ROUNDS:-3}
wrk_seconds=${WRK_SECONDS:-8}
pin=${PIN:-0}
if [ "$pin" = 1 ]; then
  threads=${THREADS:-1}
  srv=(taskset -c 1)
  gen=(taskset -c 0)
  wrk_threads=1
  nginx_workers_n=1
else
  threads=${THREADS:-$(nproc)}
  srv=()
  gen=()
  wrk_threads=2
  nginx_workers_n=2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=nginx_lib.sh
. "$root/bench/nginx_lib.sh"
for f in "$work/home" "$work/api_paths.txt" "$work/www/cert.json"; do
  [ -e "$f" ] || { echo "bench_lookup_ab: $f missing (KEEP=1 bench/bench_verifier.sh)" >&2; exit 2; }
done
tools=(nginx wrk)
[ "$pin" = 1 ] && tools+=(taskset)
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || { echo "bench_lookup_ab: $tool missing" >&2; exit 2; }
done

ab=$(mktemp -d /tmp/jp-lookup-ab-XXXXXX)
chmod 0711 "$ab"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  rm -rf "$ab"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
cpu_ticks() { # summed utime + stime of the given pids, in clock ticks
  local p t=0
  for p in "$@"; do
    t=$(( t + $(awk '{print $14 + $15}' "/proc/$p/stat") ))
  done
  echo "$t"
}

mkdir -p "$ab/www" "$ab/nginx"
chmod 0755 "$ab/www"
cp "$work/www/cert.json" "$ab/www/cert.json"
chmod 0644 "$ab/www/cert.json"
nport=$(free_port)
nginx_write_conf "$ab/nginx" 1024 "$nginx_workers_n" <<EOF
  keepalive_requests 1000000;
  types { application/json json; }
  server { listen 127.0.0.1:$nport; root $ab/www; }
EOF
echo "daemon off;" >> "$ab/nginx/nginx.conf"
"${srv[@]}" nginx -p "$ab/nginx" -e "$ab/nginx/error.log" -c "$ab/nginx/nginx.conf" &
pids+=($!)
nginx_master=$!
echo "/cert.json" > "$ab/nginx_paths.txt"

names=("nginx")
ports=("$nport")
for bin in "$@"; do
  port=$(free_port)
  "${srv[@]}" "$bin" --home "$work/home" --listen "127.0.0.1:$port" --threads "$threads" --no-access-log \
    --no-rate-limits > /dev/null 2> "$ab/verifier-${#ports[@]}.err" &
  pids+=($!)
  names+=("$bin")
  ports+=("$port")
done
for port in "${ports[@]}"; do # wait until each one answers (readiness, not a timing)
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
    sleep 0.1
  done
done
nginx_workers=$(pgrep -P "$nginx_master" | tr '\n' ' ')
server_pids=("$nginx_workers" "${pids[@]:1}")
sample=$(head -1 "$work/api_paths.txt")
for i in $(seq 1 $(( ${#ports[@]} - 1 ))); do
  cmp -s <(curl -s "http://127.0.0.1:${ports[$i]}$sample") "$ab/www/cert.json" ||
    echo "bench_lookup_ab: note: ${names[$i]} answers $sample with other bytes than cert.json" >&2
done

echo "== $(date -u +%FT%TZ) load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk -t$wrk_threads -c64 -d${wrk_seconds}s --latency -s bench/rotate.lua; verifier --threads $threads; nginx $nginx_workers_n workers${srv:+; servers on CPU 1, wrk on CPU 0}"
hz=$(getconf CLK_TCK)
for r in $(seq 1 "$rounds"); do
  printf '\nround %s of %s (load %s)\n' "$r" "$rounds" "$(cut -d' ' -f1 /proc/loadavg)"
  printf '%-8s %9s %8s %8s %7s %10s %s\n' server req/s p99_ms errors ratio cpu_us/req binary
  base=""
  for i in $(seq 0 $(( ${#ports[@]} - 1 ))); do
    paths=$work/api_paths.txt
    [ "$i" = 0 ] && paths=$ab/nginx_paths.txt
    # shellcheck disable=SC2086
    t0=$(cpu_ticks ${server_pids[$i]})
    perf_pid=""
    if [ "${PERF:-0}" = 1 ] && [ "$r" = "$rounds" ] && [ "$i" = $(( ${#ports[@]} - 1 )) ]; then
      perf record -g -o "$work/perf.data" -p "${server_pids[$i]}" -- sleep "$wrk_seconds" \
        > /dev/null 2>&1 &
      perf_pid=$!
    fi
    res=$("${gen[@]}" wrk -t"$wrk_threads" -c64 -d"$wrk_seconds"s --latency -s "$root/bench/rotate.lua" \
      "http://127.0.0.1:${ports[$i]}" -- "$paths" | sed -n 's/^RESULT //p')
    [ -n "$perf_pid" ] && wait "$perf_pid"
    # shellcheck disable=SC2086
    t1=$(cpu_ticks ${server_pids[$i]})
    rps=$(sed -n 's/.*rps=\([0-9]*\).*/\1/p' <<< "$res")
    [ -z "$base" ] && base=$rps
    awk -v res="$res" -v base="$base" -v ticks=$(( t1 - t0 )) -v hz="$hz" -v idx="$i" \
        -v bin="${names[$i]}" 'BEGIN {
      n = split(res, kv, " ")
      for (k = 1; k <= n; k++) { split(kv[k], p, "="); v[p[1]] = p[2] }
      printf "%-8s %9d %8.2f %8d %7.2f %10.1f %s\n", idx == 0 ? "nginx" : "v" idx, v["rps"],
             v["p99_us"] / 1000, v["non2xx3xx"] + v["socket_errors"], v["rps"] / base,
             ticks / hz * 1e6 / v["requests"], bin }'
  done
done
