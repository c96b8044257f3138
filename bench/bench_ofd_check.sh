#!/usr/bin/env bash
# The file check of OFD packages beside PDFs (issue 18), in one run, as ratios:
# POST /api/v1/check-file with an issued PDF (identical), the same certificate's issued
# OFD (identical: the seal checked, two SM2 verifications, then the digest index), and
# that OFD with one byte of Content.xml changed (modified: refused at its digest); then
# `jianpei-verifier verify-file` on the PDF and the OFD, offline, N times each.
#
#   bench/bench_ofd_check.sh [BIN_DIR]   BIN_DIR defaults to build/bin (RelWithDebInfo)
#   environment: WRK_SECONDS=4 per run, RUNS=50 verify-file calls, KEEP=1 keeps the work dir.
#
# Needs wrk, python3 and curl. The verifier runs with --no-rate-limits --no-access-log
# and 2 threads; it is stopped on exit.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/bin}
secs=${WRK_SECONDS:-4}
runs=${RUNS:-50}
. "$root/bench/lib.sh"
bench_start bench_ofd_check ofd wrk python3 curl

bench_issued "$bin" "$work/h" "$work/in.jsonl" "$work/r.json" 100
no=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["issued"][0]["certificate_no"])' \
  "$work/r.json")
"$bin/jianpei-issuer" --home "$work/h" pdf "$no" --out "$work/c.pdf" >/dev/null
"$bin/jianpei-issuer" --home "$work/h" ofd "$no" --out "$work/c.ofd" >/dev/null
python3 - "$work" "$no" <<'EOF'
import sys, zipfile
w, no = sys.argv[1], sys.argv[2]
src = zipfile.ZipFile(w + "/c.ofd")
with zipfile.ZipFile(w + "/m.ofd", "w", zipfile.ZIP_DEFLATED) as out:
    for n in src.namelist():
        d = src.read(n)
        if n.endswith("Content.xml"):
            d = d.replace(no[:12].encode(), (no[:11] + str((int(no[11]) + 1) % 10)).encode(), 1)
        out.writestr(n, d)
EOF
for f in c.pdf c.ofd m.ofd; do
  ctype=application/ofd
  [ "$f" = c.pdf ] && ctype=application/pdf
  bench_post_lua "$work/$f" "$ctype"
done

bench_verifier bench_ofd_check "$bin" "$work/h" "$work"
base=http://127.0.0.1:$port
for f in c.pdf c.ofd m.ofd; do
  printf '%s (%s bytes): %s\n' "$f" "$(stat -c %s "$work/$f")" \
    "$(curl -s -X POST --data-binary @"$work/$f" "$base/api/v1/check-file" | head -c 60)"
done

rate() { wrk "$@" | awk '/Requests\/sec/ {print $2}'; }
pdf=$(rate -t2 -c16 -d"${secs}s" -s "$work/c.pdf.lua" "$base/api/v1/check-file")
ofd=$(rate -t2 -c16 -d"${secs}s" -s "$work/c.ofd.lua" "$base/api/v1/check-file")
mod=$(rate -t2 -c16 -d"${secs}s" -s "$work/m.ofd.lua" "$base/api/v1/check-file")
kill "$vpid"
wait "$vpid" 2>/dev/null || true
vpid=
ratio() { python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
printf '%-48s %10s files/s  %s\n' "check-file PDF identical (-c16)" "$pdf" "1.00"
printf '%-48s %10s files/s  %s\n' "check-file OFD identical (-c16)" "$ofd" "$(ratio "$ofd" "$pdf")"
printf '%-48s %10s files/s  %s\n' "check-file OFD one byte changed (-c16)" "$mod" "$(ratio "$mod" "$pdf")"

offline() {
  local t0 t1
  t0=$(date +%s.%N)
  for _ in $(seq "$runs"); do
    "$bin/jianpei-verifier" verify-file "$1" --trust "$work/h/trust-list.pem" >/dev/null
  done
  t1=$(date +%s.%N)
  python3 -c "import sys; print('%.1f' % ((float(sys.argv[2]) - float(sys.argv[1])) * 1000 / int(sys.argv[3])))" \
    "$t0" "$t1" "$runs"
}
vp=$(offline "$work/c.pdf")
vo=$(offline "$work/c.ofd")
printf '%-48s %10s ms/run    %s\n' "verify-file PDF (process start included)" "$vp" "1.00"
printf '%-48s %10s ms/run    %s\n' "verify-file OFD (process start included)" "$vo" "$(ratio "$vo" "$vp")"
