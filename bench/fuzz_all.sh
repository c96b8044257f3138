#!/usr/bin/env bash
# bench/fuzz_all.sh - runs every libFuzzer target of fuzz/ for a fixed time
# budget and prints, per target, the inputs executed and the coverage reached
# (libFuzzer's final "cov:" - covered code edges - and stat::number_of_executed_units).
#
#   bench/fuzz_all.sh [SECONDS] [OUTDIR] [TARGET...]
#
# Defaults: 60 s per target, build-fuzz, every target (TARGET: http, token ...;
# two runs with different targets may share an OUTDIR once it is built).
#
# Each run starts from the checked-in seeds (fuzz/corpus/<target>/) with a fresh
# scratch corpus in OUTDIR/corpus/<target>, so the figures belong to this budget
# alone. Findings land in OUTDIR/artifacts/; the script exits 1 when a target
# found something, 77 without clang.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
out=${2:-$root/build-fuzz}
shift $(($# < 2 ? $# : 2))

"$root/fuzz/build.sh" "$out" >/dev/null
rc=$?
[ $rc -ne 0 ] && exit $rc

mkdir -p "$out/artifacts"
fail=0
printf '%-18s %8s %12s %10s %8s %s\n' target seconds executions exec/s cov result
bins=("$out"/bin/fuzz_*)
if [ $# -gt 0 ]; then
  bins=()
  for t in "$@"; do
    [ -x "$out/bin/fuzz_$t" ] || { echo "no target fuzz_$t in $out/bin" >&2; exit 2; }
    bins+=("$out/bin/fuzz_$t")
  done
fi
for bin in "${bins[@]}"; do
  t=${bin##*/fuzz_}
  scratch="$out/corpus/$t"
  rm -rf "$scratch"
  mkdir -p "$scratch"
  log="$out/fuzz-$t.log"
  result=clean
  "$bin" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 \
    -artifact_prefix="$out/artifacts/$t-" "$scratch" "$root/fuzz/corpus/$t" >"$log" 2>&1 ||
    { result="FOUND (see $log)"; fail=1; }
  execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+')
  rate=$(( ${execs:-0} / (secs > 0 ? secs : 1) ))
  printf '%-18s %8s %12s %10s %8s %s\n' "fuzz_$t" "$secs" "${execs:-?}" "$rate" "${cov:-?}" "$result"
done
exit $fail
