#!/usr/bin/env bash
# Replicas behind nginx (issue 16, SPEC §12), run by hand:
#
#   bench/bench_replicas.sh [N]      N certificates issued on the primary (default 1000)
#   environment: BUILD=build (the build directory), WRK_SECONDS=20, KEEP=1 keeps the work dir
#
# 1. Issues N certificates on a primary, makes a replica client, and seeds two
#    replicas from empty homes: the seed's feed throughput in changes/s.
# 2. nginx (2 workers) in front of the two replicas, the worked configuration of
#    docs/operations.md (proxy_next_upstream on error/timeout/503, replicas
#    started with --trusted-proxy 127.0.0.1/32, wrk sending a random
#    X-Forwarded-For per request through bench/xff.lua): wrk -t2 -c64 for
#    WRK_SECONDS on GET /api/v1/certificates/{no}, replica A killed with -9 at
#    5 s and restarted at 12 s. Wanted: non-2xx = 0 and no socket errors.
# 3. Side by side in the same run: the same load, no kill, against nginx with
#    one replica and with two.
# Installs nothing itself. Needs: apt-get install -y nginx wrk (and python3 curl).
set -euo pipefail

n=${1:-1000}
wrk_seconds=${WRK_SECONDS:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=nginx_lib.sh
. "$root/bench/nginx_lib.sh"
bin=${BUILD:-$root/build}/bin
for tool in nginx wrk python3 curl; do
  command -v "$tool" >/dev/null || { echo "bench_replicas: $tool missing (apt-get install -y nginx wrk)" >&2; exit 2; }
done
[ -x "$bin/jianpei-verifier" ] || { echo "bench_replicas: build first ($bin)" >&2; exit 2; }

work=$(mktemp -d /tmp/jp-rbench-XXXXXX)
home=$work/primary
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -s "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

port_of() { # waits for "listening on HOST:PORT" in file $1
  for _ in $(seq 1 600); do
    if grep -q '^listening on' "$1" 2>/dev/null; then sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$1"; return; fi
    sleep 0.05
  done
  echo "bench_replicas: no port in $1" >&2; exit 3
}
wait_healthy() { # port, seconds
  for _ in $(seq 1 $(( $2 * 20 ))); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/healthz")" = 200 ] && return 0
    sleep 0.05
  done
  echo "bench_replicas: 127.0.0.1:$1 not healthy" >&2; exit 3
}
metric() { curl -s "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m {print $2}'; }
start_replica() { # name; prints the pid, the port goes to $work/NAME.out
  "$bin/jianpei-verifier" --home "$work/$1" --listen "127.0.0.1:${2:-0}" --threads 2 \
    --no-access-log --trusted-proxy 127.0.0.1/32 \
    --replica-of "http://127.0.0.1:$pport" --client rep1 --secret-file "$work/rep1.secret" \
    >"$work/$1.out" 2>>"$work/$1.err" &
  echo $!
}

echo "== machine"
lscpu | awk -F: '/^Model name/ {gsub(/^ +/, "", $2); print "cpu: " $2}'
echo "cores: $(nproc), $(nginx -v 2>&1), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"

echo "== primary: $n certificates"
"$bin/jianpei-issuer" init --home "$home" --authority 广东省住房和城乡建设厅 \
  --authority-uscc 11440000MB2C12345J --public-url http://127.0.0.1:8080 >/dev/null
python3 "$root/bench/gen_intake.py" "$n" >"$work/in.jsonl"
"$bin/jianpei-issuer" --home "$home" issue --input "$work/in.jsonl" --report "$work/report.json" >/dev/null
"$bin/jianpei-verifier" --home "$home" clients add rep1 --replica | tail -1 >"$work/rep1.secret"
"$bin/jianpei-verifier" --home "$home" --listen 127.0.0.1:0 --threads 2 --no-access-log \
  >"$work/primary.out" 2>"$work/primary.err" &
pids+=($!)
pport=$(port_of "$work/primary.out")
python3 -c 'import json,sys; [print("/api/v1/certificates/" + i["certificate_no"]) for i in json.load(open(sys.argv[1]))["issued"]]' \
  "$work/report.json" >"$work/paths.txt"

echo "== seed two replicas from empty homes (one after the other)"
for r in ra rb; do
  t0=$(date +%s.%N)
  pid=$(start_replica "$r"); pids+=("$pid")
  port=$(port_of "$work/$r.out")
  wait_healthy "$port" 600
  t1=$(date +%s.%N)
  seq=$(metric "$port" jianpei_replica_applied_seq)
  du=$(du -sk "$work/$r/store" | cut -f1)
  python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print('seed %s: %d changes in %.2f s = %.0f changes/s, store %d KB' % (sys.argv[5], int(sys.argv[3]), s, int(sys.argv[3])/s, int(sys.argv[4])))" \
    "$t0" "$t1" "$seq" "$du" "$r"
  eval "port_$r=$port pid_$r=$pid"
done

mkdir -p "$work/nginx"
nport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
nginx_conf() { # upstream server lines
  nginx_write_conf "$work/nginx" 4096 <<EOF
  upstream jianpei_replicas {
$1
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$nport;
    location / {
      proxy_pass http://jianpei_replicas;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_next_upstream error timeout http_503;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 1s;
      proxy_read_timeout 5s;
    }
  }
EOF
}
nginx_restart() {
  [ -s "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" && sleep 0.5
  nginx -p "$work/nginx" -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf"
}
run_wrk() { # label
  local out
  out=$(wrk -t2 -c64 -d"${wrk_seconds}s" --latency -s "$root/bench/xff.lua" "http://127.0.0.1:$nport" -- "$work/paths.txt" | grep '^RESULT')
  echo "$1: $out"
}
two="    server 127.0.0.1:$port_ra max_fails=1 fail_timeout=2s;
    server 127.0.0.1:$port_rb max_fails=1 fail_timeout=2s;"
one="    server 127.0.0.1:$port_rb max_fails=1 fail_timeout=2s;"

echo "== nginx + two replicas, wrk ${wrk_seconds}s -c64; replica A killed -9 at 5 s, restarted at 12 s"
nginx_conf "$two"; nginx_restart
(
  sleep 5; kill -9 "$pid_ra"; echo "  5 s: replica A killed (-9)"
  sleep 7; "$bin/jianpei-verifier" --home "$work/ra" --listen "127.0.0.1:$port_ra" --threads 2 \
    --no-access-log --trusted-proxy 127.0.0.1/32 --replica-of "http://127.0.0.1:$pport" \
    --client rep1 --secret-file "$work/rep1.secret" >"$work/ra2.out" 2>>"$work/ra.err" &
  echo $! >"$work/ra2.pid"; echo "  12 s: replica A restarted"
) &
killer=$!
run_wrk "two replicas, A killed and restarted"
wait "$killer"
pids+=("$(cat "$work/ra2.pid")")
wait_healthy "$port_ra" 60
echo "  replica A after the run: /healthz $(curl -s "http://127.0.0.1:$port_ra/healthz"), at change $(metric "$port_ra" jianpei_replica_applied_seq)"

echo "== side by side, no kill: one replica, then two"
nginx_conf "$one"; nginx_restart
run_wrk "one replica "
nginx_conf "$two"; nginx_restart
run_wrk "two replicas"
