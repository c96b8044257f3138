# e2e_lib.sh - what the shell tests that drive the programs share: a work
# directory removed at exit, the log folder of the privacy scan ($JP_TEST_LOGS,
# tests/capture.h) and the counting of checks. Source it after setting NAME;
# the sourcing script's first argument is BIN, the folder of the programs.
# For tests only.
set -u
BIN=${1:?usage: $NAME.sh BIN_DIR}
WORK=$(mktemp -d "/tmp/jp-$NAME-XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
LOGS=${JP_TEST_LOGS:-$WORK/logs}
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
# start_daemon OUT LOG CMD...: starts CMD in the background, sets PID and PORT
# from its "listening on 127.0.0.1:PORT" line (polled, no fixed sleep).
start_daemon() {
    local out=$1 log=$2
    shift 2
    "$@" >"$out" 2>"$log" &
    PID=$!
    PORT=""
    for _ in $(seq 200); do
        PORT=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$out")
        [ -n "$PORT" ] && break
        kill -0 $PID 2>/dev/null || break
        sleep 0.05
    done
    [ -n "$PORT" ] && ok || bad "$* did not start: $(cat "$log")"
}
# e2e_done: prints the count; the exit status is 0 when every check passed.
e2e_done() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
}
# e2e_daemon OUT CMD...: starts CMD (a program, not a shell function) in the
# background, its stdout in OUT and stderr in the privacy scan's log; sets PID
# and PORT from its "listening on 127.0.0.1:PORT" line (polled, no fixed sleep)
# and counts a check. The caller stops PID.
e2e_daemon() {
    local out=$1
    shift
    "$@" >"$out" 2>>"$LOGS/stderr.log" &
    PID=$!
    PORT=""
    for _ in $(seq 200); do
        PORT=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$out")
        [ -n "$PORT" ] && break
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.05
    done
    [ -n "$PORT" ] && ok || bad "$* did not start"
}
