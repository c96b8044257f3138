#!/usr/bin/env bash
# The holder's pages under load (issue 13): POST /me sign-ins with the right claim
# code (each a lockout charge and refund and a new session: three LMDB write
# transactions), the same with a wrong code (403: a charge only; spread over the
# certificates so that lockouts do not answer), GET /me with a session, and GET
# /S/{id} of a live share (a counted open: one write transaction).
#
#   bench/bench_holder.sh [BIN_DIR]     BIN_DIR defaults to build/bin (RelWithDebInfo)
#   environment: WRK_SECONDS=4 per run, KEEP=1 keeps the work directory.
#
# Needs wrk, curl, python3. The verifier runs with --no-rate-limits --no-access-log and
# 2 threads on 127.0.0.1 port 0; it is stopped on exit.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/bin}
secs=${WRK_SECONDS:-4}
. "$root/bench/lib.sh"
bench_start bench_holder holder wrk python3 curl

home=$work/home
bench_issued "$bin" "$home" "$work/in.jsonl" "$work/rep.json" 200 --seed 5
bench_verifier bench_holder "$bin" "$home" "$work"
base=http://127.0.0.1:$port

# The first holder's proof, the CSRF pair, a session and a share.
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
rep = json.load(open(w + "/rep.json"))["issued"]
lines = open(w + "/in.jsonl", encoding="utf-8").readlines()
with open(w + "/proofs.txt", "w") as f:
    for i in rep:
        f.write("%s %s %s\n" % (i["certificate_no"], i["claim_code"],
                                json.loads(lines[i["line"] - 1])["id_number"][-6:]))
PY
read -r no code last6 < "$work/proofs.txt"
csrf=$(curl -s -D - -o /dev/null "$base/me" | sed -n 's/^Set-Cookie: jp_csrf=\([A-Z2-7]*\);.*/\1/p')
sess=$(curl -s -D - -o /dev/null -H "Cookie: jp_csrf=$csrf" \
  --data "certificate_no=$no&claim_code=$code&id_last6=$last6&csrf=$csrf" "$base/me" |
  sed -n 's/^Set-Cookie: jp_session=\([A-Z2-7]*\);.*/\1/p')
curl -s -o /dev/null -H "Cookie: jp_csrf=$csrf; jp_session=$sess" \
  --data "recipient=bench&purpose=bench&days=30&csrf=$csrf" "$base/me/$no/shares"
share=$(curl -s -H "Cookie: jp_session=$sess" "$base/me" | grep -o '/S/[A-Z2-7]*' | head -1)

cat > "$work/right.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "jp_csrf=$csrf"
wrk.body = "certificate_no=$no&claim_code=$code&id_last6=$last6&csrf=$csrf"
LUA
python3 - "$work" "$csrf" > "$work/wrong.lua" <<'PY'
import sys
w, csrf = sys.argv[1], sys.argv[2]
nos = [l.split()[0] for l in open(w + "/proofs.txt")]
print('local nos = {%s}' % ",".join('"%s"' % n for n in nos))
print('local i = 0')
print('request = function()')
print('  i = i + 1')
print('  local body = "certificate_no=" .. nos[(i %% #nos) + 1] .. '
      '"&claim_code=0000-0000-0000&id_last6=000000&csrf=%s"' % csrf)
print('  return wrk.format("POST", "/me", {["Content-Type"] = '
      '"application/x-www-form-urlencoded", ["Cookie"] = "jp_csrf=%s"}, body)' % csrf)
print('end')
PY

one() {
  local label=$1; shift
  printf '%-34s ' "$label"
  wrk -t2 -c16 -d"${secs}s" "$@" |
    awk '/Requests\/sec/ {r = $2} /Non-2xx/ {n = $5} END {printf "%s req/s", r; if (n) printf "  (%s of them 4xx: 403, or 429 once a number is locked)", n; print ""}'

}
echo "verifier on $base, $(nproc) cores, wrk -t2 -c16 -d${secs}s"
one "POST /me sign-in, right code" -s "$work/right.lua" "$base/me"
one "POST /me sign-in, wrong code" -s "$work/wrong.lua" "$base/me"
one "GET /me with a session" -H "Cookie: jp_session=$sess" "$base/me"
one "GET /S/{id} (a counted open)" "$base$share"
