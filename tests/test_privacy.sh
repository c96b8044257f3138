#!/usr/bin/env bash
# test_privacy.sh - SPEC §8: "Personal data never goes into a URL, a log line or
# an error message." Runs a representative session through the programs of a
# build - init, issue (holders with rare-character names, an opaque passport
# number, and bad lines that carry names and ID numbers), clients, the
# verifier daemon with its access log (lookups, holder checks and PDF requests
# with wrong data, an ID number typed where a certificate number belongs, the
# QR page, verify, batch-status), a status change, audit, stats and check -
# capturing EVERY line the programs write to stdout and stderr and every HTTP
# answer but the PDF itself, then searches all of it for each holder's name
# and ID number (as UTF-8 bytes and as JSON \u escapes). Any hit fails.
#
# Excluded by design: `jianpei-issuer show` (the department's own view, run
# here only as a positive control: it must contain a name, so the search is
# shown to work) and the body of a PDF the holder proved to be theirs.
#
#   tests/test_privacy.sh BIN_DIR
#
# Exit 0 clean, 1 on a leak or a broken step, 77 when curl, python3, openssl,
# pdftoppm or zbarimg is missing. JP_KEEP=1 keeps the captured files. Under
# ctest they are also left in $JP_TEST_LOGS with the people as holders-1.tsv
# (tests/capture.h), for the scan of the whole suite (tests/privacy_scan.py).
set -u

bin=${1:?usage: test_privacy.sh BIN_DIR}
for tool in curl python3 openssl pdftoppm zbarimg; do
  command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not found"; exit 77; }
done

[ -n "${JP_TEST_LOGS:-}" ] && mkdir -p "$JP_TEST_LOGS"
work=$(mktemp -d /tmp/jp-privacy-XXXXXX)
home=$work/home
cap=$work/captured # every captured output, one file per step
mkdir -p "$cap"
vpid=
cleanup() {
  if [ -n "$vpid" ]; then
    kill "$vpid" 2>/dev/null
    wait "$vpid" 2>/dev/null
  fi
  if [ "${JP_KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

fail=0
step=0
bad() { echo "FAIL: $*"; fail=1; }

# run NAME CMD...: runs a command, its stdout and stderr captured as NAME.
run() {
  local name=$1
  shift
  step=$((step + 1))
  "$@" >"$cap/$(printf %02d $step)-$name.out" 2>"$cap/$(printf %02d $step)-$name.err"
}

# --------------------------------------------------------------- holders
# name<TAB>id_number of every person in the session, valid lines and bad ones.
cat >"$work/people.tsv" <<'EOF'
张三丰	440103199001011236
𠮷䶮堃	440306198507041235
阿依古丽·买买提	44010620000229456X
John Smith	E12345678
王五六	440103199001011237
赵钱孙	440103201001011234
李四海	440104198808087778
EOF

line() { # name gender id_type id position city score
  printf '{"name":"%s","gender":"%s","id_type":"%s","id_number":"%s","position":"%s",' "$1" "$2" "$3" "$4" "$5"
  printf '"institution_code":"GD0101","institution_name":"广州市建设职业培训学校","city":"%s",' "$6"
  printf '"exam_id":"T-PRIV-1","exam_date":"2026-10-15","score":%s}\n' "$7"
}
{
  line 张三丰 男 111 440103199001011236 01 01 86.5
  line 𠮷䶮堃 男 111 440306198507041235 05 03 90
  line 阿依古丽·买买提 女 111 44010620000229456X 10 06 75
  line "John Smith" 男 414 E12345678 13 01 66
  line 王五六 男 111 440103199001011237 01 01 80         # wrong check character
  line 赵钱孙 男 111 440103201001011234 01 01 80         # too young (and bad check)
  line 李四海 男 111 440104198808087778 01 01 59.5       # below the pass mark
  printf '{"name":"李四海","id_number":"440104198808087778"\n'    # cut short
  printf '{"name":"李四海","id_number":440104198808087778x}\n'    # bad token
  printf '{"name":"李四海","nickname":"李四海","id_number":"440104198808087778"}\n'
} >"$work/in.jsonl"

# ------------------------------------------------------------- issuer side
run init "$bin/jianpei-issuer" --home "$home" init --authority 广东省住房和城乡建设厅 \
  --authority-uscc 114400000069493634 --public-url https://jp.example ||
  bad "init failed"
run issue "$bin/jianpei-issuer" --home "$home" issue --input "$work/in.jsonl" \
  --threads 1 --report "$cap/issue-report.json"
[ $? -eq 1 ] || bad "issue: expected exit status 1 (some lines rejected)"
nos=$(python3 -c 'import json,sys; print(" ".join(i["certificate_no"] for i in json.load(open(sys.argv[1]))["issued"]))' "$cap/issue-report.json")
set -- $nos
[ $# -eq 4 ] || bad "issue: expected 4 certificates, got '$nos'"
no1=${1:-none} no2=${2:-none}
run issue-again "$bin/jianpei-issuer" --home "$home" issue --input "$work/in.jsonl" \
  --threads 1
run find-unknown "$bin/jianpei-issuer" --home "$home" find --id-number 440103199001011237
run pdf-unknown "$bin/jianpei-issuer" --home "$home" pdf 440120260100000993 --out "$work/x.pdf"
run pdf "$bin/jianpei-issuer" --home "$home" pdf "$no1" --out "$work/c1.pdf"
run clients "$bin/jianpei-verifier" --home "$home" clients add prov-11
secret=$(tail -n 1 "$cap"/*-clients.out)

# The department's own view is excluded, but must show a name: the search works.
"$bin/jianpei-issuer" --home "$home" show "$no1" >"$work/show.out" 2>&1
grep -qF 张三丰 "$work/show.out" || bad "positive control: show does not contain the name"

# ------------------------------------------------------------ verifier side
: >"$cap/verifier.err" # exists before tail opens it (the child's redirection may come later)
"$bin/jianpei-verifier" --home "$home" --listen 127.0.0.1:0 --threads 2 \
  >"$cap/verifier.out" 2>>"$cap/verifier.err" &
vpid=$!
port=$(timeout 20 tail -n +1 -f "$cap/verifier.err" | grep -m1 -o 'serving on port [0-9]*' | grep -o '[0-9]*$')
[ -n "$port" ] || { bad "verifier did not start"; exit 1; }
base=http://127.0.0.1:$port

# req NAME METHOD PATH [BODY [HEADER]]: prints the status; the answer body is
# captured as NAME.http (NAME unique per request).
req() {
  local name=$1 method=$2 path=$3 body=${4:-} hdr=${5:-X-None: 1}
  curl -s -o "$cap/$name.http" -w '%{http_code}' -X "$method" \
    -H 'Content-Type: application/json' -H "$hdr" ${body:+--data-binary "$body"} "$base$path"
}

token=$(pdftoppm -r 150 -png -singlefile "$work/c1.pdf" "$work/page" 2>/dev/null &&
  zbarimg -q --raw -Sdisable -Sqrcode.enable "$work/page.png" 2>/dev/null | sed 's#.*/##')

st=$(req cert GET "/api/v1/certificates/$no1")
[ "$st" = 200 ] || bad "lookup: status $st"
grep -qF '张*丰' "$cap/cert.http" || bad "lookup: masked name missing"
req cert-unknown GET /api/v1/certificates/440120260100000993 >/dev/null
req cert-id-typed GET /api/v1/certificates/440103199001011236 >/dev/null
req cert-id-typed-x GET /api/v1/certificates/44010620000229456X >/dev/null
req check-ok POST "/api/v1/certificates/$no1/holder-check" \
  '{"name":"张三丰","id_number":"440103199001011236"}' >/dev/null
req check-wrong-name POST "/api/v1/certificates/$no1/holder-check" \
  '{"name":"阿依古丽·买买提","id_number":"440103199001011236"}' >/dev/null
req check-wrong-id POST "/api/v1/certificates/$no2/holder-check" \
  '{"name":"𠮷䶮堃","id_number":"440103199001011236"}' >/dev/null
req check-bad-json POST "/api/v1/certificates/$no1/holder-check" \
  '{"name":"张三丰","id_number":440103199001011236x}' >/dev/null
req check-id-in-path POST /api/v1/certificates/440103199001011236/holder-check \
  '{"name":"张三丰","id_number":"440103199001011236"}' >/dev/null
st=$(req pdf-wrong POST "/api/v1/certificates/$no1/pdf" '{"name":"张三丰","id_number":"E12345678"}')
[ "$st" = 403 ] || bad "pdf with wrong data: status $st"
st=$(req pdf-unknown POST /api/v1/certificates/440120260100000993/pdf \
  '{"name":"John Smith","id_number":"E12345678"}')
[ "$st" = 403 ] || bad "pdf of an unknown number: status $st"
# Name + ID number never yield the PDF (SPEC §8: claim code + last 6 of the ID).
st=$(req pdf-own POST "/api/v1/certificates/$no1/pdf" '{"name":"张三丰","id_number":"440103199001011236"}')
[ "$st" = 403 ] || bad "pdf with name + id: status $st"
req page GET "/V/$no1/$token" >/dev/null
req page-json GET "/V/$no1/$token" '' 'Accept: application/json' >/dev/null
req page-forged GET "/V/$no2/$token" >/dev/null
req verify POST /api/v1/verify "{\"qr\":\"HTTPS://JP.EXAMPLE/V/$no1/$token\"}" >/dev/null
req verify-junk POST /api/v1/verify '{"qr":"张三丰 440103199001011236"}' >/dev/null

body="{\"certificate_nos\":[\"$no1\",\"$no2\",\"440120260100000993\"]}"
ts=$(date +%s)
bodyhash=$(printf '%s' "$body" | openssl dgst -sha256 -r | cut -d' ' -f1)
sig=$(printf 'POST\n/api/v1/batch-status\n%s\n%s' "$ts" "$bodyhash" |
  openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)
st=$(req batch POST /api/v1/batch-status "$body" \
  "Authorization: JIANPEI-HMAC-SHA256 client=prov-11, ts=$ts, sig=$sig")
[ "$st" = 200 ] || bad "batch-status: status $st"
req batch-unsigned POST /api/v1/batch-status "$body" >/dev/null

run revoke "$bin/jianpei-issuer" --home "$home" revoke "$no2" --reason error --note "training record withdrawn"
ts=$(date +%s)
emptyhash=$(printf '' | openssl dgst -sha256 -r | cut -d' ' -f1)
sig=$(printf 'GET\n/api/v1/status-changes?since=0\n%s\n%s' "$ts" "$emptyhash" |
  openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)
st=$(req changes GET '/api/v1/status-changes?since=0' '' \
  "Authorization: JIANPEI-HMAC-SHA256 client=prov-11, ts=$ts, sig=$sig")
[ "$st" = 200 ] || bad "status-changes: status $st"
req cert-revoked GET "/api/v1/certificates/$no2" >/dev/null
run audit "$bin/jianpei-issuer" --home "$home" audit
run stats "$bin/jianpei-issuer" --home "$home" stats
run check "$bin/jianpei-issuer" --home "$home" check

kill "$vpid"
wait "$vpid" 2>/dev/null
vpid=

# ----------------------------------------------------------------- search
# In a sanitizer build a report in any captured output is a failure too.
for h in $(grep -rlE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$cap" 2>/dev/null); do
  bad "sanitizer report in $(basename "$h")"
done
n=$(cat "$cap"/* | wc -l)
[ "$n" -gt 20 ] || bad "too little was captured ($n lines)"
grep -q ' /api/v1/certificates/' "$cap/verifier.err" || bad "the access log is not captured"
while IFS=$'\t' read -r name id; do
  esc=$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1], ensure_ascii=True)[1:-1])' "$name")
  lower=$(printf '%s' "$id" | tr 'X' 'x')
  needles=("$name" "$id")
  kinds=(name "id number")
  [ "$esc" != "$name" ] && needles+=("$esc") && kinds+=("name, escaped")
  [ "$lower" != "$id" ] && needles+=("$lower") && kinds+=("id number")
  for i in "${!needles[@]}"; do
    for h in $(grep -rlF -- "${needles[$i]}" "$cap" 2>/dev/null); do
      bad "personal data (${kinds[$i]}) in $(basename "$h"): $(grep -F -- "${needles[$i]}" "$h" | head -1 | cut -c1-160)"
    done
  done
done <"$work/people.tsv"

if [ -n "${JP_TEST_LOGS:-}" ]; then
  cp "$cap"/* "$JP_TEST_LOGS"/ &&
    cp "$work/people.tsv" "$JP_TEST_LOGS/holders-1.tsv" || bad "cannot copy the capture"
fi
echo "captured $n lines in $(ls "$cap" | wc -l) files; $([ $fail = 0 ] && echo clean || echo LEAKS FOUND)"
exit $fail
