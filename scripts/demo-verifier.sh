# scripts/demo-verifier.sh - sourced by demo.sh (and its test): choose the
# demo's port and start the demo's own verifier, proving that what answers on
# the port is that verifier. Bash; needs python3 and curl.
#
#   demo_pick_port PORT      prints PORT when 127.0.0.1:PORT can be bound, else
#                            says on stderr that it is in use and prints a free
#                            port the kernel chose; 3 when no port can be had
#   demo_start_verifier BIN HOME PORT
#                            starts BIN/jianpei-verifier on 127.0.0.1:PORT in the
#                            background (pid in HOME/verifier.pid, output in
#                            HOME/verifier.out and .log) and returns 0 only when
#                            that process is alive, said it listens on PORT and
#                            answers GET /healthz there; otherwise it stops the
#                            process, says why on stderr and returns 3

# 0 when 127.0.0.1:$1 can be bound now (SO_REUSEADDR, as a daemon binds), else 1.
demo_port_free() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
PY
}

# Prints a port of 127.0.0.1 that was free a moment ago.
demo_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

demo_pick_port() {
  local port=$1 other
  if demo_port_free "$port"; then
    echo "$port"
    return 0
  fi
  other=$(demo_free_port) || {
    echo "demo: port $port on 127.0.0.1 is in use and no free port was found" >&2
    return 3
  }
  echo "demo: port $port on 127.0.0.1 is in use by another program; using port $other" >&2
  echo "$other"
}

# Stops the demo's verifier (pid $1) and says why it is not used (the rest of the line).
demo_verifier_failed() {
  local pid=$1 home=$2
  shift 2
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "demo: the verifier did not start: $*" >&2
  [ -s "$home/verifier.log" ] && sed 's/^/  verifier: /' "$home/verifier.log" | tail -n 5 >&2
  return 3
}

demo_start_verifier() {
  local bin=$1 home=$2 port=$3 pid health
  nohup "$bin/jianpei-verifier" --home "$home" --listen "127.0.0.1:$port" \
    >"$home/verifier.out" 2>"$home/verifier.log" &
  pid=$!
  echo "$pid" >"$home/verifier.pid"
  # Up to 10 s for the daemon to say it listens or to end.
  for _ in $(seq 100); do
    grep -q "^listening on 127.0.0.1:$port\$" "$home/verifier.out" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if ! kill -0 "$pid" 2>/dev/null; then
    demo_verifier_failed "$pid" "$home" "it exited (is port $port in use?)"
    return 3
  fi
  if ! grep -q "^listening on 127.0.0.1:$port\$" "$home/verifier.out"; then
    demo_verifier_failed "$pid" "$home" "it did not say it listens on 127.0.0.1:$port"
    return 3
  fi
  health=$(curl -s --max-time 5 "http://127.0.0.1:$port/healthz" || true)
  if [ "$health" != '{"status":"ok"}' ]; then
    demo_verifier_failed "$pid" "$home" "http://127.0.0.1:$port/healthz answered '$health'"
    return 3
  fi
  return 0
}
