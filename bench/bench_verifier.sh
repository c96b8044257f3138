#!/usr/bin/env bash
# Verifier load benchmark (issue "Verifier daemon"): the verifier's lookup API and
# QR page against nginx serving a static JSON file of the same size, side by side
# in one run, with a large store; then verifier memory over a long mixed load.
#
#   bench/bench_verifier.sh [N] [MEM_SECONDS]
#     N            synthetic certificate records in the store (default 1000000)
#     MEM_SECONDS  length of the memory run (default 600)
#   environment: REAL=100 real certificates issued on top, WRK_SECONDS=10 per
#   throughput run, ROUNDS=2 rounds of the throughput table,
#   JP_BENCH_BUILD=build-vbench build directory, KEEP=1 keeps the work directory,
#   QR_CACHE=N starts the verifier with --qr-cache N (0: every QR page checked
#   afresh, as on a token's first scan).
#
# Installs nothing itself. Needs: apt-get install -y nginx wrk
# (and, like the tests, python3 curl poppler-utils zbar-tools lmdb-utils).
#
# What the store holds: N certificate RECORDS written by bench_fill through the
# store API (valid numbers, e-licence ids, indexes, audit entries; no PDFs,
# see bench_fill.c), then REAL certificates issued by `jianpei-issuer issue`
# (PDF, QR token) on top. The /api/v1/certificates/{no} run rotates over 10,000
# random numbers of the whole store; the /V/ run over the real QR URLs, decoded
# from the issued PDFs with pdftoppm and zbarimg. Every server this script
# starts is stopped on exit.
set -euo pipefail

n=${1:-1000000}
mem_seconds=${2:-600}
real=${REAL:-100}
wrk_seconds=${WRK_SECONDS:-10}
rounds=${ROUNDS:-2}
cores=$(nproc)
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=nginx_lib.sh
. "$root/bench/nginx_lib.sh"
build=${JP_BENCH_BUILD:-$root/build-vbench}
bin=$build/bin

for tool in nginx wrk python3 curl pdftoppm zbarimg mdb_stat; do
  command -v "$tool" >/dev/null || { echo "bench_verifier: $tool missing (apt-get install -y nginx wrk)" >&2; exit 2; }
done

echo "== build ($build)"
cmake -S "$root" -B "$build" -DJP_BENCH=ON -DJP_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target bench_fill jianpei-issuer jianpei-verifier -j"$cores" >/dev/null

work=$(mktemp -d /tmp/jp-vbench-XXXXXX)
chmod 0711 "$work" # nginx workers (user nobody) must reach $work/www
home=$work/home
verifier_pid=""
cleanup() {
  [ -n "$verifier_pid" ] && kill "$verifier_pid" 2>/dev/null && wait "$verifier_pid" 2>/dev/null
  [ -s "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

rss_line() { # VmRSS, RssAnon, RssFile of a pid, in MB
  awk '/^(VmRSS|RssAnon|RssFile):/ {v[$1]=$2} END {printf "rss=%.1fMB anon=%.1fMB file=%.1fMB",
       v["VmRSS:"]/1024, v["RssAnon:"]/1024, v["RssFile:"]/1024}' "/proc/$1/status"
}

echo "== machine"
lscpu | awk -F: '/^Model name/ {gsub(/^ +/, "", $2); print "cpu: " $2}'
echo "cores: $cores, memory: $(free -g | awk '/^Mem:/ {print $2}') GB, kernel $(uname -r)"
echo "$(nginx -v 2>&1), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"

echo "== home and store"
"$bin/jianpei-issuer" init --home "$home" --authority 广东省住房和城乡建设厅 \
  --authority-uscc 11440000MB2C12345J --public-url http://127.0.0.1:8080 >/dev/null
first=$(( n < 10000 ? n : 10000 ))
"$bin/bench_fill" --home "$home" --count "$first" | sed 's/^/fill: /'
echo "lookup at $first: $("$bin/bench_fill" --home "$home" --lookup --samples 1000000)"
if [ "$n" -gt "$first" ]; then
  /usr/bin/time -f "fill_wall=%es fill_peak_rss=%MKB" \
    "$bin/bench_fill" --home "$home" --count $(( n - first )) 2>&1 | grep -v '^bench_fill:' | sed 's/^/fill: /'
  echo "lookup at $n: $("$bin/bench_fill" --home "$home" --lookup --samples 1000000)"
fi
store_stats() { # pages in use (used - free) and tree depth of certs, via lmdb-utils
  mdb_stat -ef "$home/store" | awk '/Number of pages used:/ {u=$5} /Free pages:/ {f=$3}
    END {printf "%d", u - f}'
}
synth_bytes=$(stat -c %s "$home/store/data.mdb")
live_bytes=$(( $(store_stats) * 4096 ))
echo "store: data.mdb $((synth_bytes / 1048576)) MB, pages in use $((live_bytes / 1048576)) MB" \
  "for $n records = $((live_bytes / n)) bytes per record (no PDF);" \
  "certs tree depth $(mdb_stat -s certs "$home/store" | awk '/Tree depth:/ {print $3}')"

echo "== $real real certificates (jianpei-issuer issue)"
python3 "$root/bench/gen_intake.py" "$real" --seed 5 --exam-date "$(date -d '30 days ago' +%F)" \
  > "$work/real.jsonl"
"$bin/jianpei-issuer" --home "$home" issue --input "$work/real.jsonl" --report "$work/real.json" \
  2>/dev/null
python3 -c 'import json,sys; [print(i["certificate_no"]) for i in json.load(open(sys.argv[1]))["issued"]]' \
  "$work/real.json" > "$work/real.txt"
pdf_pages=$(mdb_stat -s pdfs "$home/store" | awk '/(Leaf|Overflow) pages:/ {p += $3} END {print p}')
echo "issued $(wc -l < "$work/real.txt"); their PDFs take $((pdf_pages * 4 / $(wc -l < "$work/real.txt"))) KB each in the store"
mkdir -p "$work/qr"
qr_of() { # certificate number -> QR text decoded from its PDF
  "$bin/jianpei-issuer" --home "$home" pdf "$1" --out "$work/qr/$1.pdf" >/dev/null
  pdftoppm -r 150 -png -singlefile "$work/qr/$1.pdf" "$work/qr/$1"
  zbarimg -q --raw "$work/qr/$1.png" 2>/dev/null
}
while read -r no; do qr_of "$no"; done < "$work/real.txt" | sed -n 's#^[^/]*//[^/]*##p' > "$work/page_paths.txt"
[ "$(wc -l < "$work/page_paths.txt")" -eq "$(wc -l < "$work/real.txt")" ] ||
  { echo "bench_verifier: could not decode every QR code" >&2; exit 3; }

"$bin/bench_fill" --home "$home" --list 10000 --seed 3 | sed 's#^#/api/v1/certificates/#' \
  > "$work/api_paths.txt"
python3 - "$work" <<'PY'
import sys
w = sys.argv[1]
def check(d17):
    return "10X98765432"[sum(int(c) * x for c, x in zip(d17, [7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2])) % 11]
unknown = ["/api/v1/certificates/" + d + check(d) for d in ("44012025019%06d" % i for i in range(100))]
bad = ["/api/v1/certificates/" + d + ("0" if check(d) != "0" else "1") for d in ("44012025019%06d" % i for i in range(100))]
api = open(w + "/api_paths.txt").read().split()
page = open(w + "/page_paths.txt").read().split()
mixed = []
for i, p in enumerate(api[:2000]):  # 2000 lookups : 500 QR pages : 300 errors : 3 others
    mixed.append(p)
    if i % 4 == 0: mixed.append(page[(i // 4) % len(page)])
    if i % 20 == 0: mixed += [unknown[(i // 20) % 100], bad[(i // 20) % 100]]
    if i % 40 == 0: mixed.append(("/healthz", "/api/v1/trust-list", "/metrics")[(i // 40) % 3])
open(w + "/mixed_paths.txt", "w").write("\n".join(mixed) + "\n")
PY

# --no-rate-limits: wrk's 64 connections from one address would otherwise meet
# the per-address limits (docs/operations.md); the defaults stay as shipped.
echo "== servers"
coproc VERIFIER { exec "$bin/jianpei-verifier" --home "$home" --listen 127.0.0.1:0 \
  --threads "$cores" --no-access-log --no-rate-limits ${QR_CACHE:+--qr-cache "$QR_CACHE"} \
  2>"$work/verifier.err"; }
verifier_pid=$VERIFIER_PID
read -r listening <&"${VERIFIER[0]}"
vport=${listening##*:}
echo "verifier pid $verifier_pid on port $vport, $cores threads; at start: $(rss_line "$verifier_pid")"

mkdir -p "$work/www" "$work/nginx"
chmod 0755 "$work/www"
code=$(curl -s -o "$work/www/cert.json" -w '%{http_code}' "http://127.0.0.1:$vport$(head -1 "$work/api_paths.txt")")
[ "$code" = 200 ] || { echo "bench_verifier: lookup answered $code" >&2; exit 3; }
code=$(curl -s -o "$work/www/page.html" -w '%{http_code}' "http://127.0.0.1:$vport$(head -1 "$work/page_paths.txt")")
[ "$code" = 200 ] || { echo "bench_verifier: QR page answered $code" >&2; exit 3; }
grep -q '"status":"valid"' "$work/www/cert.json" || { echo "bench_verifier: lookup is not valid" >&2; exit 3; }
nport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
nginx_write_conf "$work/nginx" 1024 <<EOF
  keepalive_requests 1000000;
  types { application/json json; text/html html; }
  server { listen 127.0.0.1:$nport; root $work/www; }
EOF
# In the foreground of this script (daemon off): a daemonized nginx gets a scheduler
# autogroup of its own and so, on a loaded machine, another share of the cores than
# wrk and the verifier. The pid file is written all the same.
echo "daemon off;" >> "$work/nginx/nginx.conf"
nginx -p "$work/nginx" -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf" &
until [ -s "$work/nginx/nginx.pid" ] && curl -s -o /dev/null "http://127.0.0.1:$nport/cert.json"; do
  sleep 0.1 # readiness, not a timing
done
echo "nginx pid $(cat "$work/nginx/nginx.pid") on port $nport, 2 workers"
echo "/cert.json" > "$work/nginx_json.txt"
echo "/page.html" > "$work/nginx_page.txt"
json_bytes=$(stat -c %s "$work/www/cert.json")
page_bytes=$(stat -c %s "$work/www/page.html")
echo "answer sizes: lookup JSON $json_bytes bytes, QR page $page_bytes bytes"

run_wrk() { # port paths-file seconds -> RESULT line
  wrk -t2 -c64 -d"$3"s --latency -s "$root/bench/rotate.lua" "http://127.0.0.1:$1" -- "$2" |
    grep '^RESULT' | sed 's/^RESULT //'
}
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<< "$2"; }

echo "== throughput: wrk -t2 -c64 -d${wrk_seconds}s --latency, keep-alive"
run_wrk "$vport" "$work/mixed_paths.txt" 3 >/dev/null # warm-up, not counted
for r in $(seq 1 "$rounds"); do
  base=$(run_wrk "$nport" "$work/nginx_json.txt" "$wrk_seconds")
  api=$(run_wrk "$vport" "$work/api_paths.txt" "$wrk_seconds")
  page=$(run_wrk "$vport" "$work/page_paths.txt" "$wrk_seconds")
  npage=$(run_wrk "$nport" "$work/nginx_page.txt" "$wrk_seconds")
  b=$(field rps "$base")
  printf '\nround %s of %s\n' "$r" "$rounds"
  printf '%-44s %9s %8s %8s %7s %7s %s\n' target req/s p50_ms p99_ms non2xx ratio "goal"
  row() { # name result goal
    awk -v name="$1" -v res="$2" -v base="$b" -v goal="$3" 'BEGIN {
      n = split(res, kv, " ")
      for (i = 1; i <= n; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
      printf "%-44s %9d %8.2f %8.2f %7d %7.2f %s\n", name, v["rps"], v["p50_us"] / 1000,
             v["p99_us"] / 1000, v["non2xx3xx"] + v["socket_errors"], v["rps"] / base, goal }'
  }
  row "nginx static JSON ($json_bytes B)" "$base" "baseline"
  row "verifier GET /api/v1/certificates/{no}" "$api" ">= 0.90, p99 < 2 ms"
  row "verifier GET /V/{no}/{token} (qr-cache ${QR_CACHE:-default})" "$page" ">= 0.50 (cache 0)"
  row "nginx static HTML ($page_bytes B, for reference)" "$npage" ""
done

echo
echo "== memory: mixed load for ${mem_seconds}s (lookups, QR pages, 404, 400, healthz, trust list, metrics)"
echo "t=0s $(rss_line "$verifier_pid")"
wrk -t2 -c64 -d"$mem_seconds"s --latency -s "$root/bench/rotate.lua" "http://127.0.0.1:$vport" \
  -- "$work/mixed_paths.txt" > "$work/mixed.out" &
wrk_pid=$!
step=$(( mem_seconds >= 600 ? 60 : (mem_seconds >= 60 ? 10 : 1) ))
t=0
while kill -0 "$wrk_pid" 2>/dev/null; do
  sleep "$step" # sampling interval, not synchronisation
  t=$((t + step))
  kill -0 "$wrk_pid" 2>/dev/null && echo "t=${t}s $(rss_line "$verifier_pid")"
done
wait "$wrk_pid"
echo "end $(rss_line "$verifier_pid")"
echo "mixed load: $(grep '^RESULT' "$work/mixed.out" | sed 's/^RESULT //')"
kill -0 "$verifier_pid" || { echo "bench_verifier: the verifier died" >&2; exit 3; }
