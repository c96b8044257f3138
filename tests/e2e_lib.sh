# e2e_lib.sh - what the shell tests that drive the programs share: a work
# directory removed at exit, the source tree $SRC, an issuer home $H (iss runs
# jianpei-issuer on it), the log folder of the privacy scan ($JP_TEST_LOGS,
# tests/capture.h) and the counting of checks. Source it after setting NAME;
# the sourcing script's first argument is BIN, the folder of the programs.
# For tests only.
set -u
BIN=${1:?usage: $NAME.sh BIN_DIR}
WORK=$(mktemp -d "/tmp/jp-$NAME-XXXXXX") || exit 1
E2E_PIDS="" # start_daemon's daemons (process group ids), stopped at exit
# e2e_stop: stops start_daemon's daemons, each with its whole process group: a
# daemon run through a wrapper (faketime, or a shell function such as
# test_longevity's past) is the wrapper's child, which killing the wrapper's pid
# alone does not reach. Waits for each group to end (at most 5 s, then SIGKILL).
e2e_stop() {
    local p
    for p in $E2E_PIDS; do kill -TERM -- "-$p" 2>/dev/null; done
    for p in $E2E_PIDS; do
        for _ in $(seq 100); do
            pgrep -g "$p" >/dev/null || break
            sleep 0.05
        done
        kill -KILL -- "-$p" 2>/dev/null
    done
    E2E_PIDS=""
}
trap 'e2e_stop; rm -rf "$WORK"' EXIT
LOGS=${JP_TEST_LOGS:-$WORK/logs}
SRC=$(cd "$(dirname "$0")/.." && pwd) # the source tree
H=$WORK/home                           # the test's issuer home, for iss
iss() { "$BIN/jianpei-issuer" --home "$H" "$@"; }
mkdir -p "$LOGS" || exit 1
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "$NAME: check failed: $*" >&2; }
# expect STATUS CMD...: runs CMD (its output in $WORK/out and $WORK/err, stderr also
# appended to the privacy scan's log) and checks its exit status.
expect() {
    local want=$1
    shift
    "$@" >"$WORK/out" 2>"$WORK/err"
    local got=$?
    cat "$WORK/err" >>"$LOGS/stderr.log"
    if [ "$got" -eq "$want" ]; then ok; else bad "exit $got, want $want: $* ($(cat "$WORK/err"))"; fi
}
# start_daemon OUT LOG CMD...: starts CMD (a program or a shell function) in the
# background in a process group of its own, sets PID (the group's id) and PORT
# from its "listening on 127.0.0.1:PORT" line (polled, no fixed sleep); the
# daemon and whatever it started are stopped by e2e_stop (e2e_done, or at exit).
start_daemon() {
    local out=$1 log=$2
    shift 2
    set -m
    "$@" >"$out" 2>"$log" &
    PID=$!
    set +m
    E2E_PIDS="$E2E_PIDS $PID"
    PORT=""
    for _ in $(seq 200); do
        PORT=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$out")
        [ -n "$PORT" ] && break
        kill -0 $PID 2>/dev/null || break
        sleep 0.05
    done
    [ -n "$PORT" ] && ok || bad "$* did not start: $(cat "$log")"
}
# citizen_id DIGITS: the GB 11643 citizen ID number of its first 17 digits (check character added).
citizen_id() {
    local d=$1 w=(7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2) sum=0 i
    local checks=(1 0 X 9 8 7 6 5 4 3 2)
    for i in $(seq 0 16); do sum=$((sum + ${d:$i:1} * ${w[$i]})); done
    echo "$d${checks[$((sum % 11))]}"
}
# set_tsa HOME URL: the home's tsa_url (what init --tsa-url writes).
set_tsa() {
    python3 - "$1/config.json" "$2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["tsa_url"] = sys.argv[2]
json.dump(c, open(sys.argv[1], "w"), ensure_ascii=False, indent=2)
PY
}
# ts_verify HOME TOKEN DATA WHAT: the RFC 3161 token verifies over DATA with
# HOME's trust root and TSA certificate (openssl ts -verify), and no longer
# once DATA has one byte more (WHAT names those bytes); two checks.
ts_verify() {
    local home=$1 tok=$2 data=$3
    openssl ts -verify -token_in -in "$tok" -data "$data" \
        -CAfile "$home/trust-root.pem" -untrusted "$home/keys/tsa.pem" >"$WORK/tsv" 2>&1
    grep -q '^Verification: OK' "$WORK/tsv" && ok || bad "openssl ts -verify: $(cat "$WORK/tsv")"
    printf 'x' >>"$data"
    openssl ts -verify -token_in -in "$tok" -data "$data" \
        -CAfile "$home/trust-root.pem" -untrusted "$home/keys/tsa.pem" >/dev/null 2>&1 &&
        bad "openssl ts -verify accepts $4" || ok
}
# e2e_done: stops start_daemon's daemons and checks that no process of the test
# is left running (none whose command line names $WORK: a daemon that outlives
# the test holds its port and home), then prints the count; the exit status is
# 0 when every check passed.
e2e_done() {
    e2e_stop
    local left=""
    for _ in $(seq 100); do
        left=$(pgrep -af -- "$WORK")
        [ -z "$left" ] && break
        sleep 0.05
    done
    [ -z "$left" ] && ok || bad "processes left running: $left"
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
}
# e2e_daemon OUT CMD...: starts CMD (a program, not a shell function) in the
# background in a process group of its own, its stdout in OUT and stderr in the
# privacy scan's log; sets PID and PORT from its "listening on 127.0.0.1:PORT"
# line (polled, no fixed sleep) and counts a check. The caller stops PID
# (e2e_done finds it if it does not).
e2e_daemon() {
    local out=$1
    shift
    set -m
    "$@" >"$out" 2>>"$LOGS/stderr.log" &
    PID=$!
    set +m
    PORT=""
    for _ in $(seq 200); do
        PORT=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$out")
        [ -n "$PORT" ] && break
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.05
    done
    [ -n "$PORT" ] && ok || bad "$* did not start"
}
