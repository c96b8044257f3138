#!/usr/bin/env bash
# Load and abuse of the verifier (issue "Reliability and security harness"), loopback only:
# wrk at 1,000 connections, slow clients trickling headers (slowloris), a flood of
# malformed requests - each while a good client keeps asking - then RSS and open file
# descriptors against the start. Needs: apt-get install -y wrk.
#   bench/abuse_verifier.sh [SECONDS]     (default 20 s per phase)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
bin=build/bin
work=$(mktemp -d /tmp/jp-abuse-XXXXXX)
vpid=""
cleanup() { [ -n "$vpid" ] && kill "$vpid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || true

$bin/jianpei-issuer init --home "$work/home" --authority 广东省住房和城乡建设厅 \
  --authority-uscc 11440000MB2C12345J --public-url http://127.0.0.1:8080 >/dev/null
python3 bench/gen_intake.py 50 --seed 3 > "$work/in.jsonl"
$bin/jianpei-issuer --home "$work/home" issue --input "$work/in.jsonl" --report "$work/r.json" 2>/dev/null
no=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['issued'][0]['certificate_no'])" "$work/r.json")
$bin/jianpei-verifier --home "$work/home" --listen 127.0.0.1:0 --no-access-log >"$work/v.out" 2>"$work/v.log" &
vpid=$!
for _ in $(seq 100); do grep -q listening "$work/v.out" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$work/v.out")
path=/api/v1/certificates/$no
state() { echo "rss=$(awk '/^VmRSS/{print $2}' /proc/$vpid/status)kB fds=$(ls /proc/$vpid/fd | wc -l)"; }

python3 bench/abuse_verifier.py good "$port" 200 "$path" >/dev/null   # warm up
echo "start: $(state)"
echo "== wrk, 1000 connections, ${secs}s"
wrk -t2 -c1000 -d"${secs}s" --latency "http://127.0.0.1:$port$path" | grep -E "Requests/sec|99%|Socket errors|Non-2xx" || true
echo "after wrk: $(state)"
python3 bench/abuse_verifier.py good "$port" 200 "$path"
echo "== slowloris, 500 connections trickling headers, ${secs}s, while a good client asks"
python3 bench/abuse_verifier.py slowloris "$port" "$secs" 500 &
sl=$!
sleep 2
python3 bench/abuse_verifier.py good "$port" 200 "$path"
wait $sl
echo "after slowloris: $(state)"
echo "== malformed request flood, ${secs}s, while a good client asks"
python3 bench/abuse_verifier.py flood "$port" "$secs" &
fl=$!
python3 bench/abuse_verifier.py good "$port" 500 "$path"
wait $fl
echo "after flood: $(state)"
kill -0 $vpid && echo "verifier still running" || echo "VERIFIER DIED"
kill -TERM $vpid; wait $vpid && echo "clean exit on SIGTERM"; vpid=""
