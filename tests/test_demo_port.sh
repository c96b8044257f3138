#!/usr/bin/env bash
# test_demo_port.sh BIN - scripts/demo.sh when another program holds its port:
# the demo says so, moves to a free port and prints a QR URL that reaches its
# own verifier, and the sample certificate's OFD it names is a valid sealed OFD;
# and the start-and-check step fails with 3 and a reason when
# the verifier cannot bind (the port taken between choice and start).
set -uo pipefail
bin=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
holder_pid=""
fails=0

cleanup() {
  local pidfile
  for pidfile in "$tmp"/home/verifier.pid "$tmp"/home2/verifier.pid; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
  done
  [ -n "$holder_pid" ] && kill "$holder_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  fails=$((fails + 1))
}

# Another program listens on a port the kernel chose; it writes the port when it listens.
python3 - "$tmp/taken" <<'PY' &
import os, signal, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
with open(sys.argv[1] + ".new", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
os.rename(sys.argv[1] + ".new", sys.argv[1])
signal.pause()
PY
holder_pid=$!
for _ in $(seq 100); do
  [ -s "$tmp/taken" ] && break
  sleep 0.1
done
taken=$(cat "$tmp/taken")

# 1. The whole demo with its port taken.
DEMO_BIN=$bin DEMO_HOME=$tmp/home DEMO_PORT=$taken DEMO_COUNT=2 \
  bash "$src/scripts/demo.sh" >"$tmp/demo.out" 2>"$tmp/demo.err"
rc=$?
[ "$rc" -eq 0 ] || fail "demo exited $rc: $(tail -n 5 "$tmp/demo.err")"
grep -q "port $taken on 127.0.0.1 is in use" "$tmp/demo.err" ||
  fail "demo did not say that port $taken is in use"
url=$(sed -n 's/^  QR code URL *//p' "$tmp/demo.out")
port=$(echo "$url" | sed -n 's|^HTTP://127\.0\.0\.1:\([0-9]*\)/V/.*|\1|p')
if [ -z "$port" ]; then
  fail "demo printed no QR URL of 127.0.0.1 ('$url')"
elif [ "$port" = "$taken" ]; then
  fail "demo's QR URL points at the other program's port $taken"
else
  pid=$(cat "$tmp/home/verifier.pid")
  kill -0 "$pid" 2>/dev/null || fail "demo's verifier (pid $pid) is not running"
  [ "$(curl -s --max-time 5 "http://127.0.0.1:$port/healthz")" = '{"status":"ok"}' ] ||
    fail "the QR URL's port $port does not answer /healthz"
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url")
  [ "$code" = 200 ] || fail "the demo's QR URL answers $code"
fi

# 1b. The demo prints its sample certificate's OFD: there, and a valid sealed OFD.
ofd=$(sed -n 's/^  certificate OFD *//p' "$tmp/demo.out")
if [ -z "$ofd" ] || [ ! -s "$ofd" ]; then
  fail "demo printed no OFD that exists ('$ofd')"
else
  out=$("$bin/jianpei-verifier" verify-file "$ofd" --trust "$tmp/home/trust-list.pem")
  [ "$out" = "ofd: valid" ] || fail "verify-file on the demo's OFD: '$out'"
fi

# 1c. Every other thing it prints is there and answers as it says: the PDF (pdfsig: valid,
# the whole document), the report, the stats command, the JSON lookup, the holder's portal,
# the verifier log, and the stop command, after which nothing of the demo's home runs.
pdf=$(sed -n 's/^  certificate PDF *//p' "$tmp/demo.out")
[ -n "$pdf" ] && [ -s "$pdf" ] || fail "demo printed no PDF that exists ('$pdf')"
check=$(sed -n 's/^  check it  *//p' "$tmp/demo.out")
[ "$check" = "pdfsig $pdf" ] || fail "demo's PDF check is not 'pdfsig $pdf': '$check'"
sig=$(pdfsig "$pdf" 2>&1)
grep -q 'Signature is Valid' <<<"$sig" && grep -q 'Total document signed' <<<"$sig" ||
  fail "pdfsig on the demo's PDF: $sig"
report=$(sed -n 's/^  issue report *//p' "$tmp/demo.out")
python3 -c 'import json,sys; sys.exit(len(json.load(open(sys.argv[1]))["issued"]) != 2)' "$report" ||
  fail "demo's issue report '$report' does not list its 2 certificates"
stats=$(sed -n 's/^  all certificates *//p' "$tmp/demo.out")
# shellcheck disable=SC2086 # the printed command, split into words as a shell would
$stats 2>&1 | grep -q '^certificates: 2$' || fail "demo's stats command '$stats' does not count 2"
json=$(sed -n 's/^  as JSON *curl -s //p' "$tmp/demo.out")
no=$(sed -n 's/^    sign in with *certificate number //p' "$tmp/demo.out")
case "$(curl -s --max-time 5 "$json")" in
*"\"certificate_no\":\"$no\""*'"status":"valid"'*) ;;
*) fail "demo's JSON lookup '$json' does not show certificate $no valid" ;;
esac
portal=$(sed -n "s/^  holder's portal *//p" "$tmp/demo.out")
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$portal")
[ "$code" = 200 ] || fail "demo's holder portal '$portal' answers $code"
log=$(sed -n 's/^  verifier log *//p' "$tmp/demo.out")
[ -n "$log" ] && [ -f "$log" ] || fail "demo printed no verifier log that exists ('$log')"
stop=$(sed -n 's/^  stop the verifier *//p' "$tmp/demo.out")
[ "$stop" = "kill \$(cat $tmp/home/verifier.pid)" ] || fail "demo's stop command: '$stop'"
kill "$(cat "$tmp/home/verifier.pid")" 2>/dev/null
for _ in $(seq 100); do
  pgrep -f -- "$tmp/home( |$)" >/dev/null || break
  sleep 0.05
done
left=$(pgrep -af -- "$tmp/home( |$)")
[ -z "$left" ] || fail "the demo's processes outlive its stop command: $left"

# 2. The start-and-check step on a port another program holds.
. "$src/scripts/demo-verifier.sh"
"$bin/jianpei-issuer" init --home "$tmp/home2" --province 44 \
  --authority 广东省住房和城乡建设厅 --authority-uscc 11440000MB2C12345J \
  --public-url "http://127.0.0.1:$taken" >/dev/null 2>"$tmp/init.err" ||
  fail "init: $(cat "$tmp/init.err")"
demo_start_verifier "$bin" "$tmp/home2" "$taken" 2>"$tmp/start.err"
rc=$?
[ "$rc" -eq 3 ] || fail "demo_start_verifier on a taken port returned $rc, not 3"
grep -q "the verifier did not start" "$tmp/start.err" ||
  fail "demo_start_verifier gave no reason: $(cat "$tmp/start.err")"
pid=$(cat "$tmp/home2/verifier.pid")
if kill -0 "$pid" 2>/dev/null; then
  fail "the verifier that could not listen is still running"
fi

# 3. demo_pick_port keeps a free port.
free=$(demo_free_port)
[ "$(demo_pick_port "$free" 2>/dev/null)" = "$free" ] || fail "demo_pick_port moved off free port $free"

[ "$fails" -eq 0 ] && echo "ok: test_demo_port"
exit $((fails > 0))
