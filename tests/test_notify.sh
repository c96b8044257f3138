#!/bin/bash
# test_notify.sh - `jianpei-training notify` (issue 19) against a local webhook
# gateway (tests/notify_receiver.py, port 0): a holder short of hours gets a
# ce_due message and one who is not gets none; a plan rejection and the
# approvals become their messages; a second run queues nothing; notify killed
# (SIGKILL) after its first delivery and run again leaves the gateway with each
# message once (by Idempotency-Key and by distinct ids), and only the message
# caught in the crash window is sent twice; a 500 then a 200 delivers after a
# retry; a gateway that keeps failing is exit 3 naming the host, not the query;
# notify's stderr names nobody. stderr and the outbox go to $JP_TEST_LOGS.
# usage: test_notify.sh BIN_DIR
NAME=test_notify
# shellcheck source=e2e_lib.sh
. "$(dirname "$0")/e2e_lib.sh"
GW=$WORK/gw
mkdir -p "$GW"
tr() { "$BIN/jianpei-training" --home "$H" "$@"; }

count() { grep -c "$@" 2>/dev/null || true; }

SHORT=$(citizen_id 44010319900110013)
KEPT=$(citizen_id 44010319910211015)
printf '赵短时\t%s\n钱足时\t%s\n' "$SHORT" "$KEPT" >"$LOGS/holders-notify.tsv"

expect 0 iss init --authority 广东省住房和城乡建设厅 --authority-uscc 11440000MB2C12345J \
    --public-url http://127.0.0.1:8080
expect 0 tr quota set --as province --city 01 --max 5
expect 0 tr institution confirm --as city:01 --code GD0101 --name 广州市建设职业培训学校 \
    --positions 01
expect 0 tr institution file --as province --code GD0101
expect 0 tr class create --as inst:GD0101 --class GZ-N1 --position 01
expect 0 tr candidate register --as inst:GD0101 --class GZ-N1 --position 01 --name 赵短时 \
    --gender 男 --id-number "$SHORT"
expect 0 tr candidate register --as inst:GD0101 --class GZ-N1 --position 01 --name 钱足时 \
    --gender 男 --id-number "$KEPT"
EXAM=T-NOTIFY-1
expect 0 tr plan submit --as inst:GD0101 --class GZ-N1 --exam $EXAM --position 01 --date 2026-01-10
expect 0 tr plan reject --as city:01 --exam $EXAM --reason 考场未落实
expect 0 tr plan submit --as inst:GD0101 --class GZ-N1 --exam $EXAM --position 01 --date 2026-01-20
expect 0 tr plan approve --as city:01 --exam $EXAM
printf '{"id_number":"%s","score":80}\n{"id_number":"%s","score":90}\n' "$SHORT" "$KEPT" \
    >"$WORK/scores.jsonl"
expect 0 tr scores upload --as inst:GD0101 --exam $EXAM --input "$WORK/scores.jsonl"
expect 0 tr scores approve --as city:01 --exam $EXAM
expect 0 tr export-passed --as inst:GD0101 --exam $EXAM --out "$WORK/passed.jsonl"
expect 0 iss issue --input "$WORK/passed.jsonl" --report "$WORK/report.json"
expect 0 tr ce record --as province --id-number "$SHORT" --year 1 --hours 20
expect 0 tr ce record --as province --id-number "$KEPT" --year 1 --hours 32
CSHORT=$(iss find --id-number "$SHORT" 2>>"$LOGS/stderr.log" | awk 'NR == 1 { print $1 }')
CKEPT=$(iss find --id-number "$KEPT" 2>>"$LOGS/stderr.log" | awk 'NR == 1 { print $1 }')
[ ${#CSHORT} -eq 18 ] && [ ${#CKEPT} -eq 18 ] && ok || bad "two certificates issued"
ISSUED=$(date -u -d '+8 hours' +%F)
SOON=$(date -u -d "$ISSUED + 1 year - 59 days" +%F)
OUT=$H/training/outbox.jsonl
DONE=$H/training/delivered.jsonl
nt() { expect "$1" tr notify --as province --as-of "$SOON" "${@:2}"; cat "$WORK/err" >>"$LOGS/notify-stderr.log"; }

# Usage and remit.
expect 0 tr notify --help
grep -q 'Idempotency-Key' "$WORK/out" && ok || bad "notify --help"
nt 2 --max-attempts 0
nt 2 --webhook ftp://127.0.0.1/
nt 2 --within 2y
expect 2 tr notify --as-of "$SOON"
expect 1 tr notify --as city:01 --as-of "$SOON"
[ ! -e "$OUT" ] && ok || bad "a refused notify wrote the outbox"

# The gateway.
echo ok >"$GW/mode"
# In a process group of its own, stopped by e2e_stop (e2e_done, or at exit) as start_daemon's are.
set -m
/usr/bin/python3 "$(dirname "$0")/notify_receiver.py" "$GW" 2>>"$LOGS/gateway.log" &
GWPID=$!
set +m
E2E_PIDS="$E2E_PIDS $GWPID"
for _ in $(seq 200); do [ -s "$GW/port" ] && break; sleep 0.05; done
URL="http://127.0.0.1:$(cat "$GW/port")/send?token=s3cr3t-token"

# A dry run lists, changes and sends nothing.
nt 0 --dry-run --webhook "$URL"
[ "$(count '^would queue {' "$WORK/out")" -eq 4 ] && ok || bad "dry run lists 4: $(cat "$WORK/out")"
[ ! -e "$OUT" ] && [ ! -e "$GW/requests.jsonl" ] && ok || bad "the dry run queued or sent"

# Queued without a webhook: the short holder's reminder (not the other's), the rejection,
# the approvals; no reason text; a second run queues nothing.
nt 0
[ "$(wc -l <"$OUT")" -eq 4 ] && ok || bad "4 messages queued: $(cat "$OUT")"
cp "$OUT" "$LOGS/notify-outbox.jsonl"
grep -q "\"template\":\"ce_due\",\"params\":{\"certificate_no\":\"$CSHORT\"" "$OUT" && ok ||
    bad "ce_due for the short holder"
[ "$(count ce_due "$OUT")" -eq 1 ] && ! grep -q "$CKEPT" "$OUT" && ok || bad "no ce_due for the holder who kept up"
grep -q "\"template\":\"plan_rejected\",\"params\":{\"exam_id\":\"$EXAM\",\"institution\":\"GD0101\"" "$OUT" &&
    ok || bad "plan_rejected message"
[ "$(count -e plan_approved -e scores_approved "$OUT")" -eq 2 ] && ok || bad "two approvals"
grep -q 考场未落实 "$OUT" && bad "the rejection's free text is in the outbox" || ok
[ "$(python3 -c 'import json,sys; print(len({json.loads(l)["id"] for l in open(sys.argv[1])}))' "$OUT")" -eq 4 ] &&
    ok || bad "4 distinct ids"
cp "$OUT" "$WORK/outbox-1"
nt 0
cmp -s "$OUT" "$WORK/outbox-1" && ok || bad "the second run changed the outbox"
grep -q 'queued 0 new' "$WORK/err" && ok || bad "second run: $(cat "$WORK/err")"

# Killed after the first delivery, while the gateway holds the second; run again.
echo hang-2 >"$GW/mode"
"$BIN/jianpei-training" --home "$H" notify --as province --as-of "$SOON" --webhook "$URL" \
    >/dev/null 2>>"$LOGS/notify-stderr.log" &
NPID=$!
for _ in $(seq 400); do [ -e "$GW/hanging" ] && break; sleep 0.05; done
[ -e "$GW/hanging" ] && ok || bad "the gateway never got a second message"
nt 3 --webhook "$URL"
grep -q 'another notify is running' "$WORK/err" && ok || bad "a second run at once: $(cat "$WORK/err")"
kill -KILL $NPID
{ wait $NPID; } 2>/dev/null
[ "$(wc -l <"$DONE")" -eq 1 ] && ok || bad "one delivery recorded before the kill: $(cat "$DONE" 2>&1)"
echo ok >"$GW/mode"
touch "$GW/release"
nt 0 --webhook "$URL"
[ "$(wc -l <"$DONE")" -eq 4 ] && ok || bad "4 deliveries recorded: $(cat "$DONE")"
nt 0 --webhook "$URL"
grep -q 'delivered 0, 0 left' "$WORK/err" && ok || bad "third run sends nothing: $(cat "$WORK/err")"
python3 - "$GW" "$OUT" >"$WORK/check" <<'PY'
import collections, json, sys
gw, outbox = sys.argv[1], sys.argv[2]
ids = [json.loads(l)["id"] for l in open(outbox)]
handed = [json.loads(l) for l in open(gw + "/handed.jsonl")]
reqs = [json.loads(l) for l in open(gw + "/requests.jsonl")]
per_key = collections.Counter(h["key"] for h in handed)
sent = collections.Counter(r["key"] for r in reqs)
print("handed", len(handed), "distinct", len({h["id"] for h in handed}))
print("once", all(per_key[i] == 1 for i in ids) and set(per_key) == set(ids))
print("keys", all(r["key"] == r["id"] for r in reqs))
print("json", all(r["content_type"] == "application/json" for r in reqs))
print("twice", sorted(sent.values()))
PY
cp "$WORK/check" "$LOGS/notify-check.txt"
grep -qx 'handed 4 distinct 4' "$WORK/check" && ok || bad "gateway: $(cat "$WORK/check")"
grep -qx 'once True' "$WORK/check" && ok || bad "each key handed on once: $(cat "$WORK/check")"
grep -qx 'keys True' "$WORK/check" && ok || bad "Idempotency-Key is the id"
grep -qx 'json True' "$WORK/check" && ok || bad "Content-Type application/json"
grep -qx 'twice \[1, 1, 1, 2\]' "$WORK/check" && ok ||
    bad "only the message of the crash window was sent again: $(cat "$WORK/check")"

# A 500 then a 200: year 2's reminders (both holders are short for it), the first after a retry.
Y2=$(date -u -d "$ISSUED + 2 years - 30 days" +%F)
echo fail-once >"$GW/mode"
expect 0 tr notify --as province --as-of "$Y2" --webhook "$URL"
cat "$WORK/err" >>"$LOGS/notify-stderr.log"
[ "$(wc -l <"$DONE")" -eq 6 ] && ok || bad "two more deliveries: $(cat "$DONE")"
[ "$(count '"attempts":2' "$DONE")" -eq 1 ] && ok || bad "one delivery took 2 attempts: $(cat "$DONE")"
grep -q '"status": 500' "$GW/requests.jsonl" && ok || bad "the gateway answered 500 once"
[ "$(wc -l <"$GW/handed.jsonl")" -eq 6 ] && ok || bad "the gateway handed on 6"

# A gateway that keeps failing: exit 3 naming the host and the status, never the query.
Y3=$(date -u -d "$ISSUED + 3 years - 30 days" +%F)
echo always-500 >"$GW/mode"
expect 3 tr notify --as province --as-of "$Y3" --webhook "$URL" --max-attempts 2
cat "$WORK/err" >>"$LOGS/notify-stderr.log"
grep -q 'to 127.0.0.1: HTTP 500 after 2 attempts' "$WORK/err" && ok || bad "failing gateway: $(cat "$WORK/err")"
grep -q s3cr3t "$WORK/err" && bad "the URL's query is in the message" || ok
[ "$(wc -l <"$DONE")" -eq 6 ] && ok || bad "nothing recorded while failing"
echo ok >"$GW/mode"
expect 0 tr notify --as province --as-of "$Y3" --webhook "$URL"
[ "$(wc -l <"$DONE")" -eq 8 ] && ok || bad "delivered once the gateway is back"

# A 400 is not retried; a gateway nobody listens on is retried, then exit 3 naming the host.
Y4=$(date -u -d "$ISSUED + 4 years - 30 days" +%F)
echo always-400 >"$GW/mode"
expect 3 tr notify --as province --as-of "$Y4" --webhook "$URL"
cat "$WORK/err" >>"$LOGS/notify-stderr.log"
grep -q 'to 127.0.0.1: HTTP 400 after 1 attempt$' "$WORK/err" && ok || bad "400: $(cat "$WORK/err")"
expect 3 tr notify --as province --as-of "$Y4" --webhook "http://127.0.0.1:1/x?token=s3cr3t" \
    --max-attempts 2
cat "$WORK/err" >>"$LOGS/notify-stderr.log"
grep -q "to 127.0.0.1: .* after 2 attempts$" "$WORK/err" && ! grep -q s3cr3t "$WORK/err" && ok ||
    bad "no gateway: $(cat "$WORK/err")"
echo ok >"$GW/mode"
expect 0 tr notify --as province --as-of "$Y4" --webhook "$URL"
[ "$(wc -l <"$DONE")" -eq 10 ] && ok || bad "year 4 delivered once the gateway takes it"

# From the configuration instead of --webhook: nothing left to send.
python3 - "$H/config.json" "$URL" <<'PY'
import json, sys
p = sys.argv[1]; c = json.load(open(p)); c["notify"] = {"webhook": sys.argv[2]}
open(p, "w").write(json.dumps(c, ensure_ascii=False))
PY
expect 0 tr notify --as province --as-of "$Y3"
grep -q 'delivered 0, 0 left' "$WORK/err" && ok || bad "webhook from config.json: $(cat "$WORK/err")"

# A line cut short by a crash (no newline) is dropped, not taken for a message or a record.
n_out=$(wc -l <"$OUT"); n_done=$(wc -l <"$DONE")
printf '{"id":"0123' >>"$OUT"; printf '{"id":"4567' >>"$DONE"
expect 0 tr notify --as province --as-of "$Y3"
[ "$(wc -l <"$OUT")" -eq "$n_out" ] && [ "$(tail -c 1 "$OUT" | od -An -tx1)" = " 0a" ] && ok ||
    bad "the cut outbox line was not dropped: $(tail -c 40 "$OUT")"
[ "$(wc -l <"$DONE")" -eq "$n_done" ] && ok || bad "the cut record was not dropped"
grep -q 'delivered 0, 0 left' "$WORK/err" && ok || bad "after a cut line: $(cat "$WORK/err")"

# Nothing personal on notify's stderr: no name, ID number or certificate number.
for s in "$SHORT" "$KEPT" 赵短时 钱足时 "$CSHORT" "$CKEPT"; do
    grep -q "$s" "$LOGS/notify-stderr.log" && bad "notify's stderr holds personal data" || ok
done
e2e_done
