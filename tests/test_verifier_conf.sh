#!/usr/bin/env bash
# The verifier's settings in config.json (what the systemd unit relies on, since it passes
# no options): with "verifier": {"listen": "127.0.0.1:0", "threads": 2} and no --listen it
# serves /healthz on the port it prints; a "listen" that is not a string stops it with exit 2
# naming the key; --listen on the command line wins over the file. Usage: SCRIPT BIN_DIR
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
[ $fail -eq 0 ] && echo "verifier settings from config.json ok"
exit $fail
