# lib.sh - what the shell benchmarks share: the tool check, a standard home
# with issued certificates, one measured issuance and a verifier on port 0.
# Source it; for bench/ only.

# bench_need NAME TOOL...: exits 2 naming the first TOOL that is not on PATH.
bench_need() {
  local name=$1 tool
  shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$name: $tool missing" >&2; exit 2; }
  done
}

# bench_cleanup: the EXIT trap of a benchmark: stops $vpid and $npid (the
# verifier and nginx, when started) and removes $work unless KEEP=1.
bench_cleanup() {
  local p
  for p in ${vpid:-} ${npid:-}; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ "${KEEP:-0}" = 1 ] || rm -rf "$work"
}

# bench_start NAME TAG TOOL...: the start every verifier benchmark shares: exits 2
# when a TOOL is missing (bench_need), makes the work directory $work
# (/tmp/jp-bench-TAG-XXXXXX), clears $vpid and $npid and sets bench_cleanup as
# the EXIT trap.
bench_start() {
  local name=$1 tag=$2
  shift 2
  bench_need "$name" "$@"
  work=$(mktemp -d "/tmp/jp-bench-$tag-XXXXXX")
  vpid= npid=
  trap bench_cleanup EXIT
}

# bench_post_lua FILE CTYPE: writes FILE.lua, a wrk script that POSTs FILE as CTYPE.
bench_post_lua() {
  cat >"$1.lua" <<EOF
local f = io.open("$1", "rb"); local d = f:read("*a"); f:close()
wrk.method = "POST"; wrk.body = d; wrk.headers["Content-Type"] = "$2"
EOF
}

# bench_init ISSUER HOME: `init` of HOME for Guangdong's department (quiet).
bench_init() {
  "$1" init --home "$2" --authority 广东省住房和城乡建设厅 \
    --authority-uscc 11440000MB2C12345J --public-url http://127.0.0.1:8080 >/dev/null
}

# bench_issued BIN_DIR HOME INTAKE REPORT N [GEN_ARGS...]: a new HOME with the N
# certificates of INTAKE (bench/gen_intake.py N GEN_ARGS) issued, their report in REPORT.
bench_issued() {
  local bin=$1 home=$2 in=$3 rep=$4 n=$5
  shift 5
  bench_init "$bin/jianpei-issuer" "$home"
  python3 "$(dirname "${BASH_SOURCE[0]}")/gen_intake.py" "$n" "$@" >"$in"
  "$bin/jianpei-issuer" --home "$home" issue --input "$in" --report "$rep" >/dev/null 2>&1
}

# bench_photo_sample ISSUER WORK N: a new home WORK/h with N synthetic candidates with
# the 7.7 KB photo (seed 11, as the other benchmarks) issued; their certificate numbers
# in WORK/nos, one a line (intake, report and stderr in WORK too).
bench_photo_sample() {
  local bin=$1 work=$2 n=$3 src
  src=$(dirname "${BASH_SOURCE[0]}")
  cp "$src/../tests/fixtures/render/photo.jpg" "$work/photo.jpg"
  python3 "$src/gen_intake.py" "$n" --seed 11 --photo photo.jpg >"$work/in.jsonl"
  bench_init "$bin" "$work/h"
  "$bin" --home "$work/h" issue --input "$work/in.jsonl" --report "$work/rep.json" \
    >/dev/null 2>"$work/err"
  python3 -c "import json,sys;[print(c['certificate_no']) for c in json.load(open(sys.argv[1]))['issued']]" \
    "$work/rep.json" >"$work/nos"
}

# bench_issue_once ISSUER HOME INPUT TAG WORK: issues INPUT into the home made
# beforehand, timed; prints "rate cpu_ms store_kb" (certificates a second, CPU
# milliseconds and store kilobytes per certificate). Report and stderr in WORK/*-TAG.
bench_issue_once() {
  local bin=$1 h=$2 in=$3 tag=$4 work=$5 wall user sys store issued
  /usr/bin/time -f "%e %U %S" -o "$work/time" "$bin" --home "$h" issue \
    --input "$in" --report "$work/rep-$tag.json" >/dev/null 2>"$work/err-$tag"
  read -r wall user sys < "$work/time"
  store=$(du -sk "$h/store" | cut -f1)
  issued=$(python3 -c "import json,sys;print(len(json.load(open(sys.argv[1]))['issued']))" \
    "$work/rep-$tag.json")
  python3 -c "import sys;w,u,s,st,i=map(float,sys.argv[1:]);print(f'{i/w:.0f} {(u+s)/i*1000:.3f} {st/i:.1f}')" \
    "$wall" "$user" "$sys" "$store" "$issued"
}

# bench_verifier NAME BIN_DIR HOME WORK: starts the verifier of HOME on
# 127.0.0.1 port 0 with 2 threads, --no-rate-limits and --no-access-log (its
# output in WORK/v.out and WORK/v.err); sets vpid and port once it listens,
# exits 3 when it does not start.
bench_verifier() {
  local name=$1 bin=$2 home=$3 work=$4
  "$bin/jianpei-verifier" --home "$home" --listen 127.0.0.1:0 --threads 2 --no-rate-limits \
    --no-access-log >"$work/v.out" 2>"$work/v.err" &
  vpid=$!
  while ! grep -q "^listening on " "$work/v.out" 2>/dev/null; do
    kill -0 "$vpid" || { echo "$name: verifier did not start: $(cat "$work/v.err")" >&2; exit 3; }
    sleep 0.05
  done
  port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$work/v.out")
}
