#!/usr/bin/env bash
# The employers' pages under load (issue 14), beside nginx serving a 300-byte static
# file, in one run: GET /c/{no}, POST /api/v1/check-file with a ~60 KB file, and
# POST /api/v1/roster with 500 numbers.
#
#   bench/bench_pages.sh [BIN_DIR]      BIN_DIR defaults to build/bin (RelWithDebInfo)
#   environment: WRK_SECONDS=4 per run, KEEP=1 keeps the work directory.
#
# Needs nginx and wrk (apt-get install -y nginx wrk). The home gets 500 issued
# certificates; the file check posts the first one's PDF with 8 KiB appended (60 KB:
# its signature is ours, its digest unknown, so the check runs to "modified", the
# longest path) and the PDF itself (identical). The verifier runs with
# --no-rate-limits --no-access-log and 2 threads; every server started is stopped on
# exit.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/bin}
secs=${WRK_SECONDS:-4}
for tool in nginx wrk python3 curl; do
  command -v "$tool" >/dev/null || { echo "bench_pages: $tool missing" >&2; exit 2; }
done
work=$(mktemp -d /tmp/jp-bench-pages-XXXXXX)
vpid= npid=
cleanup() {
  [ -n "$vpid" ] && kill "$vpid" 2>/dev/null || true
  [ -n "$npid" ] && kill "$npid" 2>/dev/null || true
  wait 2>/dev/null || true
  [ "${KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT

"$bin/jianpei-issuer" init --home "$work/h" --authority 广东省住房和城乡建设厅 \
  --authority-uscc 11440000MB2C12345J --public-url http://127.0.0.1:8080 >/dev/null
python3 "$root/bench/gen_intake.py" 500 >"$work/in.jsonl"
"$bin/jianpei-issuer" --home "$work/h" issue --input "$work/in.jsonl" --report "$work/r.json" \
  >/dev/null 2>&1
python3 - "$work" <<'EOF'
import json, sys
w = sys.argv[1]
nos = [i["certificate_no"] for i in json.load(open(w + "/r.json"))["issued"]]
open(w + "/no0", "w").write(nos[0])
open(w + "/roster.json", "w").write(json.dumps({"certificate_nos": nos}))
EOF
no=$(cat "$work/no0")
"$bin/jianpei-issuer" --home "$work/h" pdf "$no" --out "$work/c.pdf"
head -c 8192 /dev/urandom | cat "$work/c.pdf" - >"$work/c60.pdf"
for f in c.pdf c60.pdf roster.json; do
  ctype=application/pdf
  [ "$f" = roster.json ] && ctype=application/json
  cat >"$work/$f.lua" <<EOF
local f = io.open("$work/$f", "rb"); local d = f:read("*a"); f:close()
wrk.method = "POST"; wrk.body = d; wrk.headers["Content-Type"] = "$ctype"
EOF
done

mkdir -p "$work/ng/html"
head -c 300 /dev/zero | tr '\0' a >"$work/ng/html/s.json"
cat >"$work/ng/nginx.conf" <<EOF
worker_processes 2; daemon off; pid $work/ng/nginx.pid; error_log $work/ng/error.log;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:18089; root $work/ng/html; } }
EOF
nginx -c "$work/ng/nginx.conf" -p "$work/ng" &
npid=$!
"$bin/jianpei-verifier" --home "$work/h" --listen 127.0.0.1:0 --threads 2 --no-rate-limits \
  --no-access-log >"$work/v.out" 2>"$work/v.err" &
vpid=$!
while ! grep -q "^listening on " "$work/v.out" 2>/dev/null; do
  kill -0 "$vpid" || { echo "bench_pages: verifier did not start" >&2; exit 3; }
  sleep 0.05
done
port=$(sed -n 's/^listening on .*://p' "$work/v.out")
base=http://127.0.0.1:$port
echo "file check of c60.pdf: $(curl -s -X POST --data-binary @"$work/c60.pdf" \
  -H 'Content-Type: application/pdf' "$base/api/v1/check-file" | head -c 40)..."
echo "roster of 500: $(curl -s -o /dev/null -w '%{http_code}, %{size_download} bytes, %{time_total} s' \
  -X POST --data-binary @"$work/roster.json" "$base/api/v1/roster")"

rate() { wrk "$@" | awk '/Requests\/sec/ {print $2} /Non-2xx/ {print "non-2xx:", $0}' | tr '\n' ' '; }
printf '%-44s %s\n' "nginx static 300 B (-c64)" "$(rate -t2 -c64 -d"${secs}s" http://127.0.0.1:18089/s.json)"
printf '%-44s %s\n' "GET /c/{no} (-c64)" "$(rate -t2 -c64 -d"${secs}s" "$base/c/$no")"
printf '%-44s %s\n' "POST /api/v1/check-file 60 KB (-c16)" \
  "$(rate -t2 -c16 -d"${secs}s" -s "$work/c60.pdf.lua" "$base/api/v1/check-file")"
printf '%-44s %s\n' "POST /api/v1/check-file 52 KB identical (-c16)" \
  "$(rate -t2 -c16 -d"${secs}s" -s "$work/c.pdf.lua" "$base/api/v1/check-file")"
printf '%-44s %s\n' "POST /api/v1/roster 500 numbers (-c8)" \
  "$(rate -t2 -c8 -d"${secs}s" -s "$work/roster.json.lua" "$base/api/v1/roster")"
echo "HOME/portal after the run: $(du -sh "$work/h/portal" | cut -f1)"
