#!/usr/bin/env python3
"""smaps_peak.py - where a running process's resident set is at its peak.

    bench/smaps_peak.py PID [INTERVAL]      default INTERVAL 0.005 s

Samples /proc/PID/status every INTERVAL seconds until PID exits: VmRSS with
its anonymous and file-backed parts, the highest of each, and the kernel's
high-water mark VmHWM (what /usr/bin/time reports). Each time the RSS is
more than 512 kB above the last breakdown it reads /proc/PID/smaps (slow: a
peak shorter than that read is seen in VmHWM only) and prints, at the end,
that breakdown by kind of mapping (kB, with the anonymous part): the main
heap ([heap]), the other anonymous mappings (glibc's per-thread arenas,
blocks above the mmap threshold), stacks, font files, the LMDB map
(data.mdb), shared libraries, the rest. For bench/ only; run by hand
(bench/bench_rss.sh).
"""
import os
import sys
import time


def kind(name):
    if name == "[heap]":
        return "heap"
    if name == "":
        return "anon"
    if name.startswith("[stack"):
        return "stack"
    if name.endswith((".ttf", ".ttc", ".otf")):
        return "fonts"
    if name.endswith("data.mdb"):
        return "lmdb"
    if ".so" in os.path.basename(name):
        return "libs"
    return "other"


def smaps(pid):
    """{kind: [rss_kb, anon_kb, mappings]} of one read of /proc/PID/smaps."""
    out = {}
    cur = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = line.split(None, 5)
            if "-" in head[0] and len(head) >= 5 and not head[0].endswith(":"):
                cur = out.setdefault(kind(head[5].strip() if len(head) > 5 else ""), [0, 0, 0])
                cur[2] += 1
            elif head[0] == "Rss:":
                cur[0] += int(head[1])
            elif head[0] == "Anonymous:":
                cur[1] += int(head[1])
    return out


def rollup_rss(pid):
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Rss:"):
                return int(line.split()[1])
    return 0


def status(pid):
    """{field: kB} of VmRSS, VmHWM, RssAnon, RssFile from /proc/PID/status."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k = line.split(":", 1)[0]
            if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[k] = int(line.split()[1])
    return out


def main():
    pid = int(sys.argv[1])
    interval = float(sys.argv[2]) if len(sys.argv) > 2 else 0.005
    best, best_t, snap_rss, t0 = {"VmRSS": 0}, 0.0, 0, time.monotonic()
    top = {"RssAnon": 0, "RssFile": 0, "VmHWM": 0}
    snap = {}
    try:
        while True:
            st = status(pid)
            for k in top:
                top[k] = max(top[k], st[k])
            if st["VmRSS"] > best["VmRSS"]:
                best, best_t = st, time.monotonic() - t0
            if st["VmRSS"] > snap_rss + 512:  # the expensive read, on a new high only
                s = smaps(pid)
                snap_rss, snap = rollup_rss(pid), s
            time.sleep(interval)
    except (FileNotFoundError, ProcessLookupError, IndexError, ValueError, KeyError):
        pass
    print(f"VmHWM {top['VmHWM']} kB; peak sample VmRSS {best['VmRSS']} kB at {best_t:.1f} s "
          f"(anonymous {best.get('RssAnon', 0)}, file {best.get('RssFile', 0)}); "
          f"highest anonymous {top['RssAnon']}, highest file {top['RssFile']}")
    print(f"breakdown of the highest smaps read ({snap_rss} kB):")
    print(f"{'kind':8} {'rss_kB':>9} {'anon_kB':>9} {'maps':>5}")
    for k in ("heap", "anon", "stack", "fonts", "lmdb", "libs", "other"):
        r = snap.get(k, [0, 0, 0])
        print(f"{k:8} {r[0]:9d} {r[1]:9d} {r[2]:5d}")


if __name__ == "__main__":
    main()
