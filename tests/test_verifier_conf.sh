#!/usr/bin/env bash
# The verifier's settings in config.json (what the systemd unit relies on, since it passes
# no options): with "verifier": {"listen": "127.0.0.1:0", "threads": 2} and no --listen it
# serves /healthz on the port it prints; a "listen" that is not a string stops it with exit 2
# naming the key; --listen on the command line wins over the file. The cache sizes and the
# operator listener ("operator_listen", "operator_public") likewise. Usage: SCRIPT BIN_DIR
set -uo pipefail
bin=$1
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
logs=${JP_TEST_LOGS:-$tmp/logs}; mkdir -p "$logs"
fail=0
H=$tmp/home
"$bin/jianpei-issuer" --home "$H" init --authority 广东省住房和城乡建设厅 \
  --authority-uscc 11440000MB2C12345J --public-url https://jp.example > "$logs/init.txt" 2>&1 ||
  { echo "FAIL: init"; cat "$logs/init.txt"; exit 1; }
setconf() { python3 - "$H/config.json" "$1" <<'PY'
import json, sys
p = sys.argv[1]; c = json.load(open(p)); c["verifier"] = json.loads(sys.argv[2])
open(p, "w").write(json.dumps(c, ensure_ascii=False))
PY
}
# serve ARGS...: starts the verifier, sets $port from its first line (or empty).
serve() {
  port=
  coproc V { exec "$bin/jianpei-verifier" --home "$H" "$@" 2>>"$logs/verifier.log"; }
  pid=$V_PID
  read -r -t 20 line <&"${V[0]}" && port=${line##*:}
}
stop() { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=; }

setconf '{"listen": "127.0.0.1:0", "threads": 2}'
serve
if [ -n "$port" ] && curl -fsS "http://127.0.0.1:$port/healthz" > "$logs/healthz.txt"; then
  echo "listen from config.json: port $port answers /healthz"
else
  echo "FAIL: no --listen: the address of config.json was not used (port '$port')"; fail=1
fi
stop

serve --listen 127.0.0.1:0
[ -n "$port" ] && curl -fsS "http://127.0.0.1:$port/healthz" > /dev/null ||
  { echo "FAIL: --listen beside the file"; fail=1; }
stop

setconf '{"listen": 8080}'
"$bin/jianpei-verifier" --home "$H" > "$logs/bad.out" 2> "$logs/bad.err"; rc=$?
[ $rc -eq 2 ] && grep -q 'verifier.listen must be a HOST:PORT string' "$logs/bad.err" ||
  { echo "FAIL: bad listen: exit $rc, $(cat "$logs/bad.err")"; fail=1; }
setconf '{"threads": 0}'
"$bin/jianpei-verifier" --home "$H" > /dev/null 2> "$logs/bad2.err"; rc=$?
[ $rc -eq 2 ] && grep -q 'verifier.threads must be an integer' "$logs/bad2.err" ||
  { echo "FAIL: bad threads: exit $rc, $(cat "$logs/bad2.err")"; fail=1; }

# The cache sizes from the file, the command line over them (issue 19): the same QR text
# checked twice is a cache hit on /metrics unless "qr_cache" is 0.
qr_hits() {
  local i
  for i in 1 2; do
    curl -fsS -X POST -H 'Content-Type: application/json' -d '{"qr":"not-a-jianpei-qr"}' \
      "http://127.0.0.1:$port/api/v1/verify" >> "$logs/verify.txt" || return 1
  done
  curl -fsS "http://127.0.0.1:$port/metrics" | sed -n 's/^jianpei_qr_cache_hits_total //p'
}
setconf '{"listen": "127.0.0.1:0", "qr_cache": 0, "qr_svg_cache": 16}'
serve
hits=$(qr_hits); stop
[ "$hits" = 0 ] || { echo "FAIL: \"qr_cache\": 0 in config.json: $hits cache hits, want 0"; fail=1; }
serve --qr-cache 64
hits=$(qr_hits); stop
[ "$hits" = 1 ] || { echo "FAIL: --qr-cache 64 over the file's 0: $hits cache hits, want 1"; fail=1; }
setconf '{"listen": "127.0.0.1:0"}'
serve
hits=$(qr_hits); stop
[ "$hits" = 1 ] || { echo "FAIL: default qr cache: $hits cache hits, want 1"; fail=1; }
# --qr-svg-cache over the file's "qr_svg_cache" over the default, as /metrics reports it.
svg_slots() { curl -fsS "http://127.0.0.1:$port/metrics" | sed -n 's/^jianpei_qr_svg_cache_slots //p'; }
setconf '{"listen": "127.0.0.1:0", "qr_svg_cache": 16}'
serve; slots=$(svg_slots); stop
[ "$slots" = 16 ] || { echo "FAIL: \"qr_svg_cache\": 16 in config.json: $slots slots, want 16"; fail=1; }
serve --qr-svg-cache 64; slots=$(svg_slots); stop
[ "$slots" = 64 ] || { echo "FAIL: --qr-svg-cache 64 over the file's 16: $slots slots, want 64"; fail=1; }
setconf '{"listen": "127.0.0.1:0"}'
serve; slots=$(svg_slots); stop
[ "$slots" = 256 ] || { echo "FAIL: default qr_svg_cache: $slots slots, want 256"; fail=1; }
"$bin/jianpei-verifier" --home "$H" --qr-svg-cache 0 > /dev/null 2> "$logs/svg0.err"; rc=$?
[ $rc -eq 2 ] && grep -q -- '--qr-svg-cache N' "$logs/svg0.err" ||
  { echo "FAIL: --qr-svg-cache 0: exit $rc"; fail=1; }
"$bin/jianpei-verifier" --help | grep -q -- '--qr-svg-cache N' ||
  { echo "FAIL: --help does not show --qr-svg-cache"; fail=1; }

# The operator listener from the file (issue 19): "operator_listen" brings up the dashboard
# on loopback; a non-loopback one without "operator_public" exits 2 naming the key.
setconf '{"listen": "127.0.0.1:0", "operator_listen": "127.0.0.1:0"}'
serve
opport=
read -r -t 20 opline <&"${V[0]}" && opport=${opline##* }
if [ -n "$opport" ] && curl -fsS "http://127.0.0.1:$opport/operator/dashboard" > "$logs/dashboard.html" &&
   grep -q '<svg' "$logs/dashboard.html"; then
  echo "operator_listen from config.json: port $opport serves the dashboard"
else
  echo "FAIL: \"operator_listen\" in config.json: no dashboard ('$opline')"; fail=1
fi
curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/operator/dashboard" | grep -q 404 ||
  { echo "FAIL: the public listener serves the dashboard"; fail=1; }
stop
setconf '{"listen": "127.0.0.1:0", "operator_listen": "192.0.2.1:0"}'
"$bin/jianpei-verifier" --home "$H" > "$logs/op.out" 2> "$logs/op.err"; rc=$?
[ $rc -eq 2 ] && grep -q 'verifier.operator_listen 192.0.2.1:0 is not a loopback address' "$logs/op.err" &&
  grep -q 'verifier.operator_public' "$logs/op.err" && ! grep -q listening "$logs/op.out" ||
  { echo "FAIL: non-loopback operator_listen: exit $rc, $(cat "$logs/op.err")"; fail=1; }
# With "operator_public": true it gets past the check (to bind, which 192.0.2.1 cannot: exit 3).
setconf '{"listen": "127.0.0.1:0", "operator_listen": "192.0.2.1:0", "operator_public": true}'
"$bin/jianpei-verifier" --home "$H" > "$logs/op2.out" 2> "$logs/op2.err"; rc=$?
[ $rc -eq 3 ] && ! grep -q 'not a loopback' "$logs/op2.err" ||
  { echo "FAIL: operator_public true: exit $rc, $(cat "$logs/op2.err")"; fail=1; }
# --operator-listen on the command line wins over the file's.
setconf '{"listen": "127.0.0.1:0", "operator_listen": "192.0.2.1:0"}'
serve --operator-listen 127.0.0.1:0
read -r -t 20 opline <&"${V[0]}"; opport=${opline##* }
curl -fsS "http://127.0.0.1:$opport/operator/dashboard" > /dev/null ||
  { echo "FAIL: --operator-listen over the file's ('$opline')"; fail=1; }
stop

# Every key is checked by the one loader before the daemon starts: exit 2 naming the key.
badconf() {
  setconf "$1"
  "$bin/jianpei-verifier" --home "$H" > /dev/null 2> "$logs/bad3.err"; rc=$?
  [ $rc -eq 2 ] && grep -q "$2" "$logs/bad3.err" ||
    { echo "FAIL: $1: exit $rc, $(cat "$logs/bad3.err")"; fail=1; }
}
badconf '{"listen": "127.0.0.1:0", "qr_cache": -1}' 'verifier.qr_cache must be an integer 0-1000000'
badconf '{"listen": "127.0.0.1:0", "qr_svg_cache": 0}' 'verifier.qr_svg_cache must be an integer 1-65536'
badconf '{"listen": "127.0.0.1:0", "lookups_per_day": 0}' 'verifier.lookups_per_day must be an integer 1-1000000'
badconf '{"listen": "127.0.0.1:0", "qr_cahce": 8}' 'verifier.qr_cahce is not a known setting'
badconf '[1]' 'verifier must be an object'
badconf '{"listen": "127.0.0.1:0", "operator_listen": 9180}' 'verifier.operator_listen must be a \[HOST:\]PORT string'
badconf '{"listen": "127.0.0.1:0", "operator_public": "yes"}' 'verifier.operator_public must be true or false'
badconf '{"listen": "127.0.0.1:0", "operator_listen": "localhost:0"}' 'verifier.operator_listen: localhost:0 is not a numeric'
badconf '{"listen": "127.0.0.1:0", "operator_public": true}' 'verifier.operator_public needs verifier.operator_listen'
[ $fail -eq 0 ] && echo "verifier settings from config.json ok"
exit $fail
