#!/bin/bash
# bench_dashboard.sh [N] - what the operator's dashboard costs on a store of N
# certificate records (bench_fill: records only, no PDFs; default 200000), side by
# side with the `stats` it is checked against: wall time and max RSS of `stats`,
# `stats --json` and `report --html`, median of 3 interleaved rounds, and the
# verifier's GET /operator/dashboard computed (first request after the 10 s cache)
# and cached. Needs a build with -DJP_BENCH=ON (docs/benchmarks.md); BIN= names its
# bin folder (default build-bench/bin). Everything runs on 127.0.0.1; the work
# folder is removed at the end.
set -eu
N=${1:-200000}
BIN=${BIN:-build-bench/bin}
W=$(mktemp -d /tmp/jp-bench-dash-XXXXXX)
VP=
trap '[ -n "$VP" ] && kill "$VP" 2>/dev/null; rm -rf "$W"' EXIT
H=$W/h
"$BIN/jianpei-issuer" init --home "$H" --authority 广东省住房和城乡建设厅 \
    --authority-uscc 11440000MB2C12345J --public-url http://127.0.0.1:8080 >/dev/null
"$BIN/bench_fill" --home "$H" --count "$N" --batch 10000 --issue-date 2025-06-01 >/dev/null
"$BIN/bench_fill" --home "$H" --count 1000 --issue-date 2026-03-15 >/dev/null
for no in $("$BIN/bench_fill" --home "$H" --list 50 --seed 19); do
    "$BIN/jianpei-issuer" --home "$H" suspend "$no" --reason other >/dev/null
done

# run NAME ARGS...: one timed run, "NAME SECONDS KB" appended to $W/times
run() {
    local name=$1
    shift
    /usr/bin/time -f "$name %e %M" -a -o "$W/times" "$BIN/jianpei-issuer" --home "$H" "$@" >/dev/null
}
for round in 1 2 3; do
    run stats stats
    run stats-json stats --json
    run report report --html "$W/d.html"
done

"$BIN/jianpei-verifier" --home "$H" --listen 127.0.0.1:0 --operator-listen 0 --no-access-log \
    >"$W/v.out" 2>"$W/v.err" &
VP=$!
for _ in $(seq 50); do
    grep -q "^operator listening" "$W/v.out" 2>/dev/null && break
    sleep 0.2
done
PORT=$(awk '/^operator listening/{print $NF}' "$W/v.out")
URL=http://127.0.0.1:$PORT/operator/dashboard
for round in 1 2 3; do
    [ "$round" -gt 1 ] && sleep 10.5 # past the page cache
    echo "operator-computed $(curl -s -o /dev/null -w '%{time_total}' "$URL") -" >>"$W/times"
    echo "operator-cached $(curl -s -o /dev/null -w '%{time_total}' "$URL") -" >>"$W/times"
done
RSS=$(awk '/VmHWM/{print $2}' "/proc/$VP/status")

python3 - "$W/times" "$N" "$RSS" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, secs, kb = line.split()
    rows.setdefault(name, []).append((float(secs), kb))
base = statistics.median(s for s, _ in rows["stats"])
print("store: %d + 1000 certificate records, 50 suspended" % int(sys.argv[2]))
print("| what | median wall time | runs | max RSS | ratio to stats |")
print("|---|---|---|---|---|")
for name in ("stats", "stats-json", "report", "operator-computed", "operator-cached"):
    runs = rows[name]
    med = statistics.median(s for s, _ in runs)
    kb = max((int(k) for _, k in runs if k != "-"), default=None)
    print("| %s | %.3f s | %s | %s | %.2f |" % (
        name, med, " / ".join("%.3f" % s for s, _ in runs),
        "%d MB" % (kb // 1024) if kb else "verifier %d MB" % (int(sys.argv[3]) // 1024),
        med / base))
PY
