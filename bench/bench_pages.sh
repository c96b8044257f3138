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
. "$root/bench/lib.sh"
bench_start bench_pages pages nginx wrk python3 curl
chmod 755 "$work" # nginx workers read its html/ as another user

bench_issued "$bin" "$work/h" "$work/in.jsonl" "$work/r.json" 500
python3 - "$work" <<'EOF'
import json, sys
w = sys.argv[1]
nos = [i["certificate_no"] for i in json.load(open(w + "/r.json"))["issued"]]
open(w + "/no0", "w").write(nos[0])
open(w + "/roster.json", "w").write(json.dumps({"certificate_nos": nos}))
EOF
no=$(cat "$work/no0")
"$bin/jianpei-issuer" --home "$work/h" pdf "$no" --out "$work/c.pdf" >/dev/null
head -c 8192 /dev/urandom | cat "$work/c.pdf" - >"$work/c60.pdf"
for f in c.pdf c60.pdf roster.json; do
  ctype=application/pdf
  [ "$f" = roster.json ] && ctype=application/json
  bench_post_lua "$work/$f" "$ctype"
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
bench_verifier bench_pages "$bin" "$work/h" "$work"
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
