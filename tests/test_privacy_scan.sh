#!/usr/bin/env bash
# test_privacy_scan.sh - the privacy scan (tests/privacy_scan.py) can fail:
# a clean capture passes, and each way personal data can hide in a log line or
# an answer - as written, JSON \u escapes with a surrogate pair, URL %-escapes,
# HTML character references, an ID number with a lower-case check character
# inside a longer token, an ASCII name, an ID number taken from an intake line
# that is not valid JSON - fails it, naming the file and line without showing
# the data. So does a sanitizer report, a test that registered holders but
# captured nothing, and an expected test that ran (its folder exists) without
# holders, unless it says it skipped. No folder at all (no such test ran) passes.
#
#   tests/test_privacy_scan.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
scan=$here/privacy_scan.py
work=$(mktemp -d /tmp/jp-privacy-scan-XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "test_privacy_scan: check failed: $*" >&2; }

# A capture of two tests with their holders and clean output.
base=$work/base
mkdir -p "$base/t1" "$base/t2"
cat >"$base/t1/holders-1.jsonl" <<'EOF'
{"name":"张三丰","id_number":"440103199001011236"}
{"name":"𠮷䶮堃","id_number":"44010620000229456X"}
{"name":"李四海","id_number":440104198808087778x}
EOF
printf 'John Smith\tE12345678\n' >"$base/t2/holders-1.tsv"
printf 'line 3: id_number: check character should be 9\n' >"$base/t1/stderr.log"
printf '2026-11-25T02:41:22Z info GET /api/v1/certificates/{no} 404 23us\n' >"$base/t2/daemon-1.log"
printf '{"name":"张*丰","status":"valid"}\n' >"$base/t2/http.log"

out=$(python3 "$scan" "$base")
[ $? -eq 0 ] && ok || bad "a clean capture fails: $out"
case $out in *"2 tests"*"4 ID numbers"*"0 hits"*) ok ;; *) bad "summary: $out" ;; esac

# leak NAME FILE TEXT WANT: TEXT added as line 2 of FILE must fail the scan with WANT.
leak() {
  local name=$1 file=$2 text=$3 want=$4 dir=$work/$1
  cp -r "$base" "$dir"
  printf 'first line\n%s\n' "$text" >>"$dir/$file"
  out=$(python3 "$scan" "$dir")
  [ $? -eq 1 ] && ok || bad "$name: the scan passes"
  case $out in *"FAIL: $file:"*"$want"*) ok ;; *) bad "$name: no '$file: ... $want' in: $out" ;; esac
  for secret in 张三丰 𠮷䶮堃 440103199001011236 44010620000229456X 440104198808087778 \
    'John Smith' E12345678; do
    case $out in *"$secret"*) bad "$name: the report shows the data" ;; esac
  done
}
leak raw t1/stderr.log 'line 4: 张三丰 refused' 'name of a holder of t1/holders-1.jsonl'
leak json t2/http.log '{"error":"\ud842\udfb7\u4dae\u5803 not found"}' 'name of a holder'
leak url t2/daemon-1.log 'GET /x/%E5%BC%A0%E4%B8%89%E4%B8%B0 404' 'name of a holder'
leak html t2/http.log '<p>&#x5f20;&#19977;&#x4E30;</p>' 'name of a holder'
leak id-lower t1/stderr.log 'token abc44010620000229456xyz' 'ID number of a holder'
leak ascii t1/report-1.json '{"error":"John Smith"}' 'name of a holder of t2/holders-1.tsv'
leak bad-line t2/daemon-1.log 'id 440104198808087778 refused' 'ID number of a holder'
leak passport t1/stderr.log 'passport E12345678' 'ID number of a holder'
leak sanitizer t1/stderr.log '==1==ERROR: AddressSanitizer: heap-use-after-free' 'sanitizer report'

# Claim codes (secrets-N.txt): found in any case, with or without dashes, but never in
# reports and notices, where they belong.
cp -r "$base" "$work/codes"
printf 'ABCD-EFGH-JKMN\n' >"$work/codes/t1/secrets-1.txt"
printf '{"issued":[{"certificate_no":"1","claim_code":"ABCD-EFGH-JKMN"}]}\n' \
  >"$work/codes/t1/report-1.json"
printf '440120260100000010,张*丰,ABCD-EFGH-JKMN\n' >"$work/codes/t2/notice-1.csv"
out=$(python3 "$scan" "$work/codes")
[ $? -eq 0 ] && ok || bad "claim codes in a report or a notice fail: $out"
case $out in *"1 claim codes; 0 hits"*) ok ;; *) bad "codes summary: $out" ;; esac
for form in 'code abcd-efgh-jkmn refused' 'POST claim_code=ABCDEFGHJKMN' 'x"abcdefghjkmn"'; do
  dir=$work/code-leak
  rm -rf "$dir" && cp -r "$work/codes" "$dir"
  printf '%s\n' "$form" >>"$dir/t2/http.log"
  out=$(python3 "$scan" "$dir")
  [ $? -eq 1 ] && ok || bad "claim code '$form' passes the scan"
  case $out in *"FAIL: t2/http.log:"*"claim code"*) ok ;; *) bad "code leak: $out" ;; esac
  case $out in *[Aa][Bb][Cc][Dd]*[Jj][Kk][Mm][Nn]*) bad "the report shows the code: $out" ;; esac
done

# A test that registered holders but captured nothing: the capture is broken.
cp -r "$base" "$work/empty" && rm "$work/empty/t1/stderr.log"
out=$(python3 "$scan" "$work/empty")
[ $? -eq 1 ] && ok || bad "holders without a capture pass"
case $out in *"t1: holders registered but nothing captured"*) ok ;; *) bad "empty: $out" ;; esac

# An expected test that ran but registered no holders; one that skipped; one that did not run.
mkdir -p "$work/empty/t3" "$work/empty/t4"
out=$(python3 "$scan" "$work/empty" --expect t3,t4,t5)
case $out in *"t3: ran but registered no holders"*) ok ;; *) bad "expected t3: $out" ;; esac
cp -r "$base" "$work/skip" && mkdir -p "$work/skip/t3" && echo 'no valgrind' >"$work/skip/t3/skipped"
out=$(python3 "$scan" "$work/skip" --expect t1,t2,t3,t5)
[ $? -eq 0 ] && ok || bad "a skipped or absent expected test fails: $out"

out=$(python3 "$scan" "$work/none")
[ $? -eq 0 ] && ok || bad "no capture directory (nothing ran) fails: $out"
case $out in *"nothing captured"*) ok ;; *) bad "no capture directory: $out" ;; esac

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
