#!/bin/bash
# training_e2e.sh - the training companion end to end through the programs
# (issue "Training companion"): file + confirm an institution, register 30
# candidates (one blacklisted and one under age are refused), class, plan
# submit/approve, scores upload/approve, export-passed, issue with
# jianpei-issuer, record too few continuing-education hours for one holder,
# and `ce lapses` names exactly that holder's certificate.
# What the programs write to stderr, the verifier's log, its answers and the
# report go to $JP_TEST_LOGS with the holders (tests/capture.h) for the
# privacy scan.
# usage: training_e2e.sh BIN_DIR
NAME=training_e2e
# shellcheck source=e2e_lib.sh
. "$(dirname "$0")/e2e_lib.sh"
tr() { "$BIN/jianpei-training" --home "$H" "$@"; }

expect 0 iss init --authority 广东省住房和城乡建设厅 --authority-uscc 11440000MB2C12345J \
    --public-url http://127.0.0.1:8080

# Province sets the quota, the city confirms, the province files.
expect 0 tr quota set --as province --city 01 --max 5
expect 0 tr institution confirm --as city:01 --code GD0101 --name 广州市建设职业培训学校 \
    --positions 01,05
expect 1 tr institution confirm --as city:02 --code GD0199 --name 他市 --positions 01
expect 0 tr institution file --as province --code GD0101
expect 0 tr institutions list --json
grep -q '"code":"GD0101".*"state":"filed"' "$WORK/out" && ok || bad "list shows GD0101 filed"

# Candidates: 28 eligible, one blacklisted earlier, one under age.
D="--today 2025-06-01"
expect 0 tr class create --as inst:GD0101 --class GZ-2025-00 --position 01
expect 0 tr class create --as inst:GD0101 --class GZ-2025-01 --position 01
CHEAT=$(citizen_id 44010319880202551)
expect 0 tr candidate register --as inst:GD0101 $D --class GZ-2025-00 --position 01 \
    --name 李四 --gender 男 --id-number "$CHEAT"
expect 0 tr blacklist add --as inst:GD0101 $D --class GZ-2025-00 --id-number "$CHEAT" \
    --reason 替考 --until 2027-06-01

ids=()
for i in $(seq 1 28); do
    seq3=$(printf '%03d' $((i * 2 + 1))) # odd: male
    ids+=("$(citizen_id 4401031990$(printf '%02d' $((i % 12 + 1)))10$seq3)")
done
{
    printf '李四\t%s\n' "$CHEAT"
    for id in "${ids[@]}" "$(citizen_id 44010320100101001)"; do printf '王五\t%s\n' "$id"; done
} >"$LOGS/holders-1.tsv"
rejected=0
registered=0
for id in "${ids[@]}" "$CHEAT" "$(citizen_id 44010320100101001)"; do
    tr candidate register --as inst:GD0101 $D --class GZ-2025-01 --position 01 \
        --name 王五 --gender 男 --id-number "$id" >/dev/null 2>"$WORK/err"
    st=$?
    cat "$WORK/err" >>"$LOGS/stderr.log"
    case $st in
    0) registered=$((registered + 1)) ;;
    1) rejected=$((rejected + 1)); cat "$WORK/err" >>"$WORK/refusals" ;;
    *) bad "register exit status"; cat "$WORK/err" >&2 ;;
    esac
done
[ "$registered" -eq 28 ] && ok || bad "28 registered, got $registered"
[ "$rejected" -eq 2 ] && ok || bad "2 refused, got $rejected"
grep -q 'blacklist' "$WORK/refusals" && ok || bad "a blacklist refusal"
grep -q 'age' "$WORK/refusals" && ok || bad "an age refusal"
grep -q "$CHEAT" "$WORK/refusals" && bad "refusal shows an ID number" || ok

# Plan and scores, reviewed by the city.
EXAM=T2025-0610-GZ-001
expect 1 tr plan submit --as inst:GD0101 --class GZ-2025-01 --exam "$EXAM" --position 13 \
    --date 2025-06-10
expect 0 tr plan submit --as inst:GD0101 --class GZ-2025-01 --exam "$EXAM" --position 01 \
    --date 2025-06-10
expect 1 tr plan approve --as city:02 --exam "$EXAM"
expect 0 tr plan approve --as city:01 --exam "$EXAM"
: >"$WORK/scores.jsonl"
for i in "${!ids[@]}"; do
    score=$((60 + i))
    [ "$i" -eq 5 ] && score=59.5 # one fails
    echo "{\"id_number\":\"${ids[$i]}\",\"score\":$score}" >>"$WORK/scores.jsonl"
done
echo "{\"id_number\":\"$CHEAT\",\"score\":99}" >"$WORK/bad.jsonl"
expect 1 tr scores upload --as inst:GD0101 --exam "$EXAM" --input "$WORK/bad.jsonl"
# A sheet that misses a class member is refused, naming a place, not the candidate.
head -n -1 "$WORK/scores.jsonl" >"$WORK/short.jsonl"
expect 1 tr scores upload --as inst:GD0101 --exam "$EXAM" --input "$WORK/short.jsonl"
grep -q 'no score for candidate [0-9]* of the class' "$WORK/err" && ok ||
    bad "missing candidate: $(cat "$WORK/err")"
grep -q "${ids[${#ids[@]}-1]}" "$WORK/err" && bad "the refusal shows an ID number" || ok
# A NUL byte refuses the file with its line (it used to hide every line after it).
{ printf '%s' "$(head -n 1 "$WORK/scores.jsonl")"; printf '\0\n'; tail -n +2 "$WORK/scores.jsonl"; } \
    >"$WORK/nul.jsonl"
expect 1 tr scores upload --as inst:GD0101 --exam "$EXAM" --input "$WORK/nul.jsonl"
grep -q 'line 1: holds a NUL byte' "$WORK/err" && ok || bad "scores NUL: $(cat "$WORK/err")"
expect 0 tr scores upload --as inst:GD0101 --exam "$EXAM" --input "$WORK/scores.jsonl"
expect 1 tr export-passed --as inst:GD0101 --exam "$EXAM" --out "$WORK/passed.jsonl"
expect 0 tr scores approve --as city:01 --exam "$EXAM"
expect 0 tr export-passed --as inst:GD0101 --exam "$EXAM" --out "$WORK/passed.jsonl"
[ "$(wc -l <"$WORK/passed.jsonl")" -eq 27 ] && ok || bad "27 passed exported"
grep -q "${ids[5]}" "$WORK/passed.jsonl" && bad "the failed candidate was exported" || ok

# The issuer numbers, renders, signs and stores them, dated today in China (UTC+8);
# the first anniversary of that date decides year 1 of continuing education.
ISSUED=$(date -u -d '+8 hours' +%F)
ANNIV=$(date -u -d "$ISSUED + 1 year" +%F)
EVE=$(date -u -d "$ANNIV - 1 day" +%F)
expect 0 iss issue --input "$WORK/passed.jsonl" --report "$WORK/report.json"
cp "$WORK/report.json" "$LOGS/report-1.json"
grep -o '"certificate_no"' "$WORK/report.json" | wc -l | grep -qx 27 && ok || bad "27 issued"

# Continuing education: everyone 32 hours in year 1 but one holder, 20.
SHORT=${ids[0]}
: >"$WORK/ce.jsonl"
for id in "${ids[@]:1}"; do
    echo "{\"id_number\":\"$id\",\"year\":1,\"hours\":32}" >>"$WORK/ce.jsonl"
done
expect 1 tr ce import --as city:01 --input "$WORK/ce.jsonl"
{ printf '%s' "$(head -n 1 "$WORK/ce.jsonl")"; printf '\0\n'; tail -n +2 "$WORK/ce.jsonl"; } \
    >"$WORK/ce-nul.jsonl"
expect 1 tr ce import --as inst:GD0101 --input "$WORK/ce-nul.jsonl"
grep -q 'line 1: holds a NUL byte' "$WORK/err" && ok || bad "ce NUL: $(cat "$WORK/err")"
expect 0 tr ce import --as inst:GD0101 --input "$WORK/ce.jsonl"
expect 0 tr ce record --as province --id-number "$SHORT" --year 1 --hours 20
expect 0 iss find --id-number "$SHORT"
CERT=$(awk 'NR == 1 { print $1 }' "$WORK/out")
[ ${#CERT} -eq 18 ] && ok || bad "the short holder's certificate number"

# Reminders (ce due): 59 days before the anniversary, --within 60d names the short holder
# alone (due on the anniversary, 20 hours of year 1), no name or ID number in the line;
# 61 days before, nobody is due yet.
SOON=$(date -u -d "$ANNIV - 59 days" +%F)
EARLY=$(date -u -d "$ANNIV - 61 days" +%F)
expect 0 tr ce due --as province --as-of "$SOON" --within 60d --out "$WORK/due.jsonl"
cp "$WORK/due.jsonl" "$LOGS/ce-due.jsonl"
want="{\"certificate_no\":\"$CERT\",\"due\":\"$ANNIV\",\"year\":1,\"hours\":20.0,\"reason\":\"continuing education: 20 of 32 hours in year 1\"}"
[ "$(cat "$WORK/due.jsonl")" = "$want" ] && ok || bad "ce due names exactly $CERT: $(cat "$WORK/due.jsonl")"
expect 0 tr ce due --as province --as-of "$EARLY" --within 60d --out "$WORK/due.jsonl"
[ ! -s "$WORK/due.jsonl" ] && ok || bad "nobody due 61 days ahead: $(cat "$WORK/due.jsonl")"
expect 1 tr ce due --as city:01 --as-of "$SOON" --within 60d
expect 1 tr ce due --as province --as-of "$SOON" --within 2y
expect 2 tr ce due --as province --as-of "$SOON"

expect 0 tr ce lapses --as province --as-of "$EVE" --out "$WORK/lapses.jsonl"
[ ! -s "$WORK/lapses.jsonl" ] && ok || bad "nothing lapses before the anniversary"
expect 1 tr ce lapses --as city:01 --as-of "$ANNIV" --out "$WORK/lapses.jsonl"
expect 0 tr ce lapses --as province --as-of "$ANNIV" --out "$WORK/lapses.jsonl"
want="{\"certificate_no\":\"$CERT\",\"action\":\"lapse\",\"reason\":\"continuing education: 20 of 32 hours in year 1\"}"
[ "$(cat "$WORK/lapses.jsonl")" = "$want" ] && ok || bad "lapses names exactly $CERT: $(cat "$WORK/lapses.jsonl")"

# The issuer applies the lapse; the verifier, started on port 0 beside it,
# reports the certificate lapsed (and another one still valid).
expect 0 iss apply-status --input "$WORK/lapses.jsonl"
start_daemon "$WORK/v.out" "$WORK/v.log" "$BIN/jianpei-verifier" --home "$H" --listen 127.0.0.1:0
body=$(curl -s "http://127.0.0.1:$PORT/api/v1/certificates/$CERT")
printf '%s\n' "$body" >>"$LOGS/http.log"
case "$body" in *'"status":"lapsed"'*) ok ;; *) bad "verifier reports $CERT: $body" ;; esac
OTHER=$(iss find --id-number "${ids[1]}" 2>>"$LOGS/stderr.log" | awk 'NR==1 {print $1}')
body=$(curl -s "http://127.0.0.1:$PORT/api/v1/certificates/$OTHER")
printf '%s\n' "$body" >>"$LOGS/http.log"
case "$body" in *'"status":"valid"'*) ok ;; *) bad "verifier reports another certificate: $body" ;; esac
kill -TERM $PID
wait $PID && ok || bad "verifier did not exit 0 on SIGTERM"
cp "$WORK/v.log" "$LOGS/daemon-1.log"

# The province strikes the institution off: the training module prints the issuer's cascade,
# which (its dates filled in) runs as printed and lists the valid certificates of GD0101.
expect 0 tr institution remove --as province --code GD0101 --reason 弄虚作假
cascade=$(grep -o 'jianpei-issuer suspend --institution GD0101 .*--dry-run' "$WORK/out")
[ -n "$cascade" ] && ok || bad "institution remove prints the cascade: $(cat "$WORK/out")"
today=$(TZ=Asia/Shanghai date +%F)
read -r -a words <<<"${cascade//YYYY-MM-DD/$today}"
expect 0 iss "${words[@]:1}"
grep -q "^would suspend [1-9][0-9]* certificates of GD0101" "$WORK/out" && ok ||
    bad "the printed cascade finds GD0101's certificates: $(cat "$WORK/out")"
grep -qx "$OTHER" "$WORK/out" && ok || bad "the dry run lists $OTHER"

# The training audit log: the commands above left an intact hash chain.
expect 0 tr audit verify
grep -q 'intact' "$WORK/out" && ok || bad "training audit log intact"

e2e_done
