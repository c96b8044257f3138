#!/bin/bash
# test_tsa_fail.sh - time-stamps that fail well (SPEC §13, issue 17): a TSA
# that is down, hangs, answers garbage or refuses makes `issue` exit 3 with a
# message naming the TSA's URL and no personal data, within the timeout
# (--tsa-timeout or config.json's tsa_timeout_ms) plus a margin, and leaves
# the store as it was (no record, no audit entry, no serial used up);
# `reissue` the same. `issue --tsa-optional` with the TSA down issues B-B
# (pdfsig valid, no time-stamp token) and lists the certificates as pending;
# `timestamp --pending` fails cleanly while the TSA is still down, then, with
# the home's own TSA up (a reissue then signs with a time-stamp and owes
# nothing), adds a document time-stamp that `openssl ts -verify`
# accepts over the whole signed file against the TSA certificate, empties the
# list, keeps the first signature valid and `check` clean, and does nothing
# when run again; the verifier's file check calls both the time-stamped file
# and the B-B copy handed out before it identical, and an edited one modified.
# usage: test_tsa_fail.sh BIN_DIR
NAME=test_tsa_fail
# shellcheck source=e2e_lib.sh
. "$(dirname "$0")/e2e_lib.sh"
unset JIANPEI_KEY_PASSPHRASE

# start_daemon OUT CMD...: e2e_daemon, and the daemon is stopped by e2e_stop
# (e2e_done, or at exit).
start_daemon() {
    e2e_daemon "$@"
    E2E_PIDS="$E2E_PIDS $PID"
}
# set_conf KEY VALUE: sets a key of config.json (a JSON value).
set_conf() {
    python3 - "$H/config.json" "$1" "$2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c[sys.argv[2]] = json.loads(sys.argv[3])
json.dump(c, open(sys.argv[1], "w"), ensure_ascii=False, indent=2)
PY
}
# state: what a failed run must leave as it was (counts, audit, pending list).
state() {
    { iss stats | grep -v '^map size'; iss timestamp --pending --list; iss check; } 2>&1
}
# no_personal_data FILE: none of the intake's names or ID numbers appear in FILE.
no_personal_data() {
    python3 - "$1" "$WORK/in.jsonl" <<'PY'
import json, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
for line in open(sys.argv[2], encoding="utf-8"):
    r = json.loads(line)
    for k in ("name", "id_number"):
        if r[k] in text:
            sys.exit(1)
PY
}
# elapsed_below SECONDS CMD...: runs CMD like expect 3 and checks it took less than SECONDS.
expect3_within() {
    local lim=$1 t0 t1
    shift
    t0=$(date +%s.%N)
    expect 3 "$@"
    t1=$(date +%s.%N)
    python3 -c "import sys; sys.exit(0 if $t1 - $t0 < $lim else 1)" && ok ||
        bad "took $(python3 -c "print(round($t1 - $t0, 1))") s, want under $lim s: $*"
}

expect 0 iss init --authority 广东省住房和城乡建设厅 --authority-uscc 11440000MB2C12345J \
    --public-url http://127.0.0.1:8080 --tsa-url http://127.0.0.1:9/
python3 "$SRC/bench/gen_intake.py" 2 --seed 27 >"$WORK/in.jsonl"
python3 "$SRC/bench/gen_intake.py" 4 --seed 28 | tail -2 >"$WORK/in2.jsonl"
cp "$WORK/in.jsonl" "$LOGS/holders-1.jsonl"
cp "$WORK/in2.jsonl" "$LOGS/holders-2.jsonl"
state >"$WORK/state0"
grep -q '^certificates: 0' "$WORK/state0" && grep -q '^pending: 0' "$WORK/state0" && ok ||
    bad "fresh home: $(cat "$WORK/state0")"

# Down: exit 3, the URL named, nothing stored.
expect3_within 10 iss issue --input "$WORK/in.jsonl"
grep -q 'time-stamp authority http://127.0.0.1:9/' "$WORK/err" && ok || bad "down: $(cat "$WORK/err")"
no_personal_data "$WORK/err" && ok || bad "down: personal data in the message"
cmp -s "$WORK/state0" <(state) && ok || bad "down: the store changed: $(state)"

# Hangs: accepts and never answers; --tsa-timeout 1000 ends it in about a second.
start_daemon "$WORK/hang.out" python3 "$SRC/tests/tsa_stub.py" hang
set_conf tsa_url "\"http://127.0.0.1:$PORT/\""
expect3_within 5 iss issue --input "$WORK/in.jsonl" --tsa-timeout 1000
grep -q "time-stamp authority http://127.0.0.1:$PORT/: Timeout" "$WORK/err" && ok || bad "hang: $(cat "$WORK/err")"
cmp -s "$WORK/state0" <(state) && ok || bad "hang: the store changed"
# ... and config.json's tsa_timeout_ms does the same without the option.
set_conf tsa_timeout_ms 800
expect3_within 5 iss issue --input "$WORK/in.jsonl"
grep -q 'Timeout' "$WORK/err" && ok || bad "hang, tsa_timeout_ms: $(cat "$WORK/err")"
cmp -s "$WORK/state0" <(state) && ok || bad "hang, tsa_timeout_ms: the store changed"
expect 2 iss issue --input "$WORK/in.jsonl" --tsa-timeout 0
expect 2 iss issue --input "$WORK/in.jsonl" --tsa-timeout soon
set_conf tsa_timeout_ms 5
expect 3 iss issue --input "$WORK/in.jsonl"
grep -q 'tsa_timeout_ms' "$WORK/err" && ok || bad "tsa_timeout_ms 5: $(cat "$WORK/err")"
set_conf tsa_timeout_ms 800

# Garbage and refusal.
start_daemon "$WORK/garbage.out" python3 "$SRC/tests/tsa_stub.py" garbage
set_conf tsa_url "\"http://127.0.0.1:$PORT/\""
expect3_within 10 iss issue --input "$WORK/in.jsonl"
grep -q 'not a time-stamp response' "$WORK/err" && ok || bad "garbage: $(cat "$WORK/err")"
cmp -s "$WORK/state0" <(state) && ok || bad "garbage: the store changed"
start_daemon "$WORK/refuse.out" python3 "$SRC/tests/tsa_stub.py" refuse
set_conf tsa_url "\"http://127.0.0.1:$PORT/\""
expect3_within 10 iss issue --input "$WORK/in.jsonl"
grep -q "time-stamp authority http://127.0.0.1:$PORT/: http status 503" "$WORK/err" && ok ||
    bad "refuse: $(cat "$WORK/err")"
cmp -s "$WORK/state0" <(state) && ok || bad "refuse: the store changed"

# --tsa-optional with the TSA down: issued B-B, listed as pending.
set_conf tsa_url '"http://127.0.0.1:9/"'
expect 0 iss issue --input "$WORK/in.jsonl" --tsa-optional --report "$WORK/r.json"
grep -q '2 certificates issued without a time-stamp' "$WORK/err" && ok || bad "optional: $(cat "$WORK/err")"
grep -q 'time-stamp authority http://127.0.0.1:9/' "$WORK/err" && ok || bad "optional: no TSA named"
no_personal_data "$WORK/err" && ok || bad "optional: personal data in the message"
expect 0 iss timestamp --pending --list
grep -q '^pending: 2$' "$WORK/out" && ok || bad "optional: $(cat "$WORK/out")"
mapfile -t NOS < <(grep -o '"certificate_no": *"[0-9X]*"' "$WORK/r.json" | grep -o '[0-9X]\{18\}')
[ "${#NOS[@]}" -eq 2 ] && ok || bad "optional: numbers ${NOS[*]}"
# No serial was used up by the failed runs: the first number has serial 0000001.
[ "$(printf '%s\n' "${NOS[@]}" | cut -c11-17 | sort | head -1)" = 0000001 ] && ok ||
    bad "serials used up: ${NOS[*]}"
NO=${NOS[0]}
expect 0 iss pdf "$NO" --out "$WORK/bb.pdf"
pdfsig "$WORK/bb.pdf" >"$WORK/sig0" 2>&1
grep -q 'Signature is Valid' "$WORK/sig0" && grep -q 'Total document signed' "$WORK/sig0" && ok ||
    bad "optional: pdfsig $(cat "$WORK/sig0")"
expect 1 "$BIN/lt_tool" token "$WORK/bb.pdf" "$WORK/tok.der" "$WORK/sigval.bin"
grep -q 'no time-stamp token' "$WORK/err" && ok || bad "optional: $(cat "$WORK/err")"

# Reissue while the TSA is down (no --tsa-optional there): exit 3, version unchanged.
expect 0 iss show "$NO"
grep -i 'version' "$WORK/out" >"$WORK/ver0"
expect 3 iss reissue "$NO"
grep -q 'time-stamp authority http://127.0.0.1:9/' "$WORK/err" && ok || bad "reissue: $(cat "$WORK/err")"
expect 0 iss show "$NO"
cmp -s "$WORK/ver0" <(grep -i 'version' "$WORK/out") && ok || bad "reissue: the version changed"
expect 3 iss correct "$NO" --name 王小明 --reason 'TSA down test'
grep -q 'time-stamp authority http://127.0.0.1:9/' "$WORK/err" && ok || bad "correct: $(cat "$WORK/err")"
expect 0 iss show "$NO"
cmp -s "$WORK/ver0" <(grep -i 'version' "$WORK/out") && ok || bad "correct: the version changed"

# timestamp --pending while the TSA is still down: exit 3, nothing changes.
state >"$WORK/state1"
expect3_within 10 iss timestamp --pending
grep -q 'time-stamp authority http://127.0.0.1:9/' "$WORK/err" && ok || bad "pending, down: $(cat "$WORK/err")"
cmp -s "$WORK/state1" <(state) && ok || bad "pending, down: the store changed"
expect 2 iss timestamp
expect 0 iss timestamp --help
grep -q -- '--pending' "$WORK/out" && ok || bad "timestamp --help: $(cat "$WORK/out")"

# The home's own TSA up: the document time-stamp goes in, with its audit entry.
AUDIT0=$(iss stats | sed -n 's/^audit entries: //p')
start_daemon "$WORK/tsa.out" "$BIN/jianpei-issuer" --home "$H" tsa --listen 127.0.0.1:0
set_conf tsa_url "\"http://127.0.0.1:$PORT/\""
# A reissue with the TSA up signs with a time-stamp: that one owes nothing any more.
expect 0 iss reissue "${NOS[1]}"
expect 0 iss timestamp --pending --list
grep -q '^pending: 1$' "$WORK/out" && ok || bad "after reissue: $(cat "$WORK/out")"
expect 0 iss timestamp --pending
grep -q '1 time-stamped' "$WORK/err" && ok || bad "pending: $(cat "$WORK/err")"
grep -q '^timestamp: 1 done (100%)$' "$WORK/err" && ok || bad "pending: no progress $(cat "$WORK/err")"
expect 0 iss timestamp --pending --list
grep -q '^pending: 0$' "$WORK/out" && ok || bad "pending after: $(cat "$WORK/out")"
expect 0 iss pdf "$NO" --out "$WORK/ts.pdf"
cmp -s "$WORK/bb.pdf" <(head -c "$(stat -c %s "$WORK/bb.pdf")" "$WORK/ts.pdf") && ok ||
    bad "the signed revision was not kept byte for byte"
pdfsig "$WORK/ts.pdf" >"$WORK/sig1" 2>&1
cp "$WORK/sig1" "$LOGS/pdfsig-doctimestamp.txt"
grep -q 'Signature #2' "$WORK/sig1" && grep -q 'Signature Field Name: Timestamp' "$WORK/sig1" && ok ||
    bad "pdfsig: no time-stamp field: $(cat "$WORK/sig1")"
sed -n '/Signature #1/,/Signature #2/p' "$WORK/sig1" | grep -q 'Signature is Valid' && ok ||
    bad "pdfsig: the first signature is no longer valid"
qpdf --check "$WORK/ts.pdf" >"$WORK/qpdf" 2>&1 && ok || bad "qpdf --check: $(cat "$WORK/qpdf")"
# The token of the last /ByteRange, over the bytes that range covers.
expect 0 "$BIN/lt_tool" cms "$WORK/ts.pdf" "$WORK/dts.der"
python3 - "$WORK/ts.pdf" "$WORK/ranges.bin" <<'PY'
import re, sys
d = open(sys.argv[1], "rb").read()
a, b, c, n = map(int, re.findall(rb"/ByteRange \[\s*(\d+) (\d+) (\d+) (\d+)\s*\]", d)[-1])
assert a == 0 and c + n == len(d)
open(sys.argv[2], "wb").write(d[a:a + b] + d[c:c + n])
PY
ts_verify "$H" "$WORK/dts.der" "$WORK/ranges.bin" "other bytes"
expect 0 iss check
grep -q ' 0 problems' "$WORK/out" && ok || bad "check: $(cat "$WORK/out")"
expect 0 iss stats
grep -q "^audit entries: $((AUDIT0 + 2))$" "$WORK/out" && ok || bad "audit: $AUDIT0 then $(grep audit "$WORK/out")"
# Idempotent: nothing pending, nothing done, the file unchanged.
expect 0 iss timestamp --pending
grep -q '0 time-stamped' "$WORK/err" && ok || bad "pending again: $(cat "$WORK/err")"
expect 0 iss pdf "$NO" --out "$WORK/ts2.pdf"
cmp -s "$WORK/ts.pdf" "$WORK/ts2.pdf" && ok || bad "pending again: the file changed"
# The verifier's file check: the time-stamped file and the B-B copy handed out
# before it are both this version of the certificate; one byte changed is not.
start_daemon "$WORK/v.out" "$BIN/jianpei-verifier" --home "$H" --listen 127.0.0.1:0 \
    --no-rate-limits --no-access-log
check_file() {
    curl -s --data-binary @"$1" -H 'Content-Type: application/pdf' \
        "http://127.0.0.1:$PORT/api/v1/check-file" | python3 -c 'import json,sys; print(json.load(sys.stdin)["verdict"])'
}
[ "$(check_file "$WORK/ts.pdf")" = identical ] && ok || bad "check-file, time-stamped: $(check_file "$WORK/ts.pdf")"
[ "$(check_file "$WORK/bb.pdf")" = identical ] && ok || bad "check-file, the B-B copy: $(check_file "$WORK/bb.pdf")"
python3 - "$WORK/ts.pdf" "$WORK/edited.pdf" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
i = d.index(b"/MediaBox")
d[i + 1] = ord("m")
open(sys.argv[2], "wb").write(bytes(d))
PY
[ "$(check_file "$WORK/edited.pdf")" = modified ] && ok || bad "check-file, edited: $(check_file "$WORK/edited.pdf")"
kill -TERM "$PID"

# With the TSA up, issue stamps as before and lists nothing.
expect 0 iss issue --input "$WORK/in2.jsonl" --tsa-optional
grep -q 'without a time-stamp' "$WORK/err" && bad "TSA up: $(cat "$WORK/err")" || ok
expect 0 iss timestamp --pending --list
grep -q '^pending: 0$' "$WORK/out" && ok || bad "TSA up: $(cat "$WORK/out")"
e2e_done
