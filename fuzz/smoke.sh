#!/usr/bin/env bash
# fuzz/smoke.sh - the ctest smoke run of Jianpei's fuzz targets: builds them
# with clang (fuzz/build.sh) into OUTDIR and runs each one over its checked-in
# seed corpus plus a short mutation run (RUNS inputs; the template target,
# which opens its fonts per input, gets RUNS/50). New inputs go to a scratch
# corpus under OUTDIR, never into fuzz/corpus/. A crash, a leak or a broken
# invariant fails the run and leaves its input in OUTDIR/artifacts/.
#
#   fuzz/smoke.sh OUTDIR [RUNS]      RUNS defaults to 2000
#
# Exit 0 when every target ran clean, 77 when clang is missing (ctest SKIP),
# 1 otherwise.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: fuzz/smoke.sh OUTDIR [RUNS]}
runs=${2:-2000}

"$root/fuzz/build.sh" "$out"
rc=$?
[ $rc -ne 0 ] && exit $rc

mkdir -p "$out/artifacts"
fail=0
for bin in "$out"/bin/fuzz_*; do
  t=${bin##*/fuzz_}
  n=$runs
  [ "$t" = tmpl ] && n=$(( runs / 50 > 0 ? runs / 50 : 1 ))
  scratch="$out/smoke-corpus/$t"
  rm -rf "$scratch"
  mkdir -p "$scratch"
  log="$out/smoke-$t.log"
  if "$bin" -runs="$n" -seed=1 -rss_limit_mb=2048 \
       -artifact_prefix="$out/artifacts/$t-" "$scratch" "$root/fuzz/corpus/$t" >"$log" 2>&1; then
    echo "fuzz_$t: ok ($(grep -Eo 'cov: [0-9]+' "$log" | tail -1), $n runs)"
  else
    echo "fuzz_$t: FAILED (log $log)"
    grep -E 'invariant|ERROR|SUMMARY' "$log" | head -5
    fail=1
  fi
done
exit $fail
