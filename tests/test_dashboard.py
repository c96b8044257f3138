#!/usr/bin/python3
"""The operator's dashboard (issue 19): `jianpei-issuer report --html` and the
verifier's operator listener show the same figures as `jianpei-issuer stats --json`.

usage: test_dashboard.py --bin BUILD/bin --src SOURCE_DIR

A home gets 12 certificates (bench/gen_intake.py, fixed seed); two are suspended and
one of them reinstated, one revoked, one cancelled, one corrected (new name). Then:
- the page's tables (by status, month, city, position, audit action) equal the counts
  `stats --json` gives, and the known changes (2 suspensions, 1 revocation, ...);
- --as-of a year on less 10 days puts every valid certificate in the 1-30 day lapse
  bar; --months with a later --as-of moves the issued month into 更早;
- the page is self-contained (no script, no src/href/url() to fetch), names no holder,
  is mode 0644 and leaves no temporary file; a bad --as-of or --months is exit 2 and
  leaves the old file as it was;
- `jianpei-verifier --operator-listen 0` serves the same figures on 127.0.0.1 at
  /operator/dashboard (404 elsewhere, and 404 for that path on the public listener),
  and refuses a non-loopback address without --operator-public;
- every metric docs/grafana-verifier.json queries is one the verifier exports, the
  replica panels' (jianpei_replica_*) one that a replica of it exports.
The pages, stats and holders go to $JP_TEST_LOGS for the privacy scan.
Prints "N passed, N failed"; exit 0 only when every check passed.
"""
import argparse
import datetime
import html.parser
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

passed = 0
failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL: " + what, file=sys.stderr)


def run(argv, ok=True, **kw):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    if ok and p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (argv[:3], p.returncode, p.stderr.decode()))
    return p


class Tables(html.parser.HTMLParser):
    """The dashboard's tables: {table id: {data-key of the row: value}}, and the total."""

    def __init__(self):
        super().__init__()
        self.tables = {}
        self.cur = None
        self.key = None
        self.cell = None
        self.total = None
        self.in_total = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.cur = self.tables.setdefault(a.get("id", ""), {})
        elif tag == "tr" and self.cur is not None:
            self.key = a.get("data-key")
        elif tag == "td" and self.key is not None:
            self.cell = ""
        elif tag == "strong" and a.get("id") == "total":
            self.in_total = True

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        if self.in_total:
            self.total = int(data)
            self.in_total = False

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.cur[self.key] = int(self.cell)
            self.cell = None
        elif tag == "tr":
            self.key = None
        elif tag == "table":
            self.cur = None


def tables(page):
    t = Tables()
    t.feed(page)
    return t


def nonzero(d):
    return {k: v for k, v in d.items() if v}


def compare(where, page, stats):
    """The page's figures against stats --json."""
    t = tables(page)
    check(t.total == stats["certificates"], "%s: total %s, stats %d" % (where, t.total,
                                                                    stats["certificates"]))
    check(t.tables.get("t-status") == stats["by_status"],
          "%s: by status %s, stats %s" % (where, t.tables.get("t-status"), stats["by_status"]))
    check(t.tables.get("t-city") == stats["by_city"],
          "%s: by city %s, stats %s" % (where, t.tables.get("t-city"), stats["by_city"]))
    check(t.tables.get("t-position") == stats["by_position"],
          "%s: by position %s, stats %s" % (where, t.tables.get("t-position"),
                                            stats["by_position"]))
    months = nonzero(t.tables.get("t-month", {}))
    check(months == stats["by_month"], "%s: by month %s, stats %s" % (where, months,
                                                                    stats["by_month"]))
    changes = t.tables.get("t-changes", {})
    want = {k: stats["audit_actions"].get(k, 0) for k in
            ("suspend", "revoke", "reinstate", "cancel", "lapse", "correct", "reissue")}
    check(changes == want, "%s: changes %s, audit %s" % (where, changes, want))
    return t


def self_contained(where, page, people):
    check("<script" not in page.lower(), where + ": no script")
    check(re.search(r"\b(src|href|srcset|action)\s*=", page, re.I) is None,
          where + ": nothing to fetch (no src/href/action)")
    check(re.search(r"url\(|@import|@font-face", page, re.I) is None,
          where + ": no url(), @import or web font")
    check(page.count("<svg") == 6, where + ": six SVG charts (got %d)" % page.count("<svg"))
    leaked = [p for p in people if p["name"] in page or p["id_number"] in page]
    check(not leaked, where + ": no holder's name or ID number on the page")


def report(r, home, path, *args, ok=True):
    return run([r.issuer, "--home", home, "report", "--html", path, *args], ok=ok)


def setup(r):
    home = os.path.join(r.work, "home")
    run([r.issuer, "init", "--home", home, "--authority", "广东省住房和城乡建设厅",
         "--authority-uscc", "11440000MB2C12345J", "--public-url", "http://127.0.0.1:8080"])
    intake = os.path.join(r.work, "in.jsonl")
    with open(intake, "wb") as f:
        f.write(run([sys.executable, os.path.join(r.src, "bench", "gen_intake.py"), "12",
                     "--seed", "19"]).stdout)
    shutil.copy(intake, os.path.join(r.logs, "holders-1.jsonl"))
    rep = os.path.join(r.work, "report.json")
    run([r.issuer, "--home", home, "issue", "--input", intake, "--report", rep])
    with open(rep, encoding="utf-8") as f:
        nos = [i["certificate_no"] for i in json.load(f)["issued"]]
    with open(intake, encoding="utf-8") as f:
        people = [json.loads(line) for line in f]
    people.append({"name": "王晓赟", "id_number": people[4]["id_number"]})
    with open(os.path.join(r.logs, "holders-2.jsonl"), "w", encoding="utf-8") as f:
        f.write(json.dumps(people[-1], ensure_ascii=False) + "\n")
    for verb, no in (("suspend", nos[0]), ("suspend", nos[1]), ("reinstate", nos[1]),
                     ("revoke", nos[2]), ("cancel", nos[3])):
        run([r.issuer, "--home", home, verb, no, "--reason", "other"])
    run([r.issuer, "--home", home, "correct", nos[4], "--name", "王晓赟", "--reason", "typo"])
    return home, people


def test_report(r, home, people, stats):
    page_path = os.path.join(r.work, "out", "dashboard.html")
    os.makedirs(os.path.dirname(page_path))
    p = report(r, home, page_path)
    check(p.stdout.decode().strip() == "wrote " + page_path, "report says where it wrote")
    with open(page_path, encoding="utf-8") as f:
        page = f.read()
    shutil.copy(page_path, os.path.join(r.logs, "dashboard.html"))
    t = compare("report", page, stats)
    check(stats["by_status"] == {"valid": 9, "suspended": 1, "revoked": 1, "cancelled": 1,
                                 "lapsed": 0}, "stats: the statuses made (%s)" % stats["by_status"])
    check(t.tables["t-changes"]["suspend"] == 2 and t.tables["t-changes"]["revoke"] == 1 and
          t.tables["t-changes"]["reinstate"] == 1 and t.tables["t-changes"]["cancel"] == 1 and
          t.tables["t-changes"]["correct"] == 1, "report: the changes made")
    check(sum(t.tables["t-month"].values()) == 12, "report: the months add up to 12")
    check(sum(t.tables["t-lapse"].values()) == 0, "report: nothing lapses within 90 days today")
    self_contained("report", page, people)
    mode = stat.S_IMODE(os.stat(page_path).st_mode)
    check(mode == 0o644, "report: file mode 0644 (got %o)" % mode)
    check(os.listdir(os.path.dirname(page_path)) == ["dashboard.html"], "report: no temp file")

    (month, n), = stats["by_month"].items()
    issued = datetime.date(int(month[:4]), int(month[5:]), 1)
    today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
    try:
        soon = today.replace(year=today.year + 1) - datetime.timedelta(days=10)
    except ValueError:  # 29 February
        soon = datetime.date(today.year + 1, 3, 1) - datetime.timedelta(days=10)
    lapse_path = os.path.join(r.work, "lapse.html")
    report(r, home, lapse_path, "--as-of", soon.isoformat())
    with open(lapse_path, encoding="utf-8") as f:
        lt = tables(f.read())
    check(lt.tables["t-lapse"] == {"1-30": 9, "31-60": 0, "61-90": 0},
          "report --as-of %s: the 9 valid certificates lapse within 30 days (%s)"
          % (soon, lt.tables["t-lapse"]))
    later = issued.replace(year=issued.year + (issued.month + 4 > 12),
                           month=(issued.month + 4 - 1) % 12 + 1)
    report(r, home, lapse_path, "--as-of", later.isoformat(), "--months", "3")
    with open(lapse_path, encoding="utf-8") as f:
        mt = tables(f.read())
    check(mt.tables["t-month"].get("before") == 12 and len(mt.tables["t-month"]) == 4,
          "report --months 3 four months on: 12 更早, three empty months (%s)"
          % mt.tables["t-month"])

    for args, says in ((["--as-of", "2026-02-30"], "--as-of"), (["--months", "0"], "--months"),
                       (["--months", "x"], "--months"), (["--bogus"], "")):
        p = report(r, home, page_path, *args, ok=False)
        check(p.returncode == 2 and says in p.stderr.decode(),
              "report %s: exit 2 naming %s (got %d: %s)" % (args, says, p.returncode,
                                                             p.stderr.decode().strip()))
    p = run([r.issuer, "--home", home, "report"], ok=False)
    check(p.returncode == 2 and "--html" in p.stderr.decode(),
          "report without --html: exit 2 naming --html (got %d)" % p.returncode)
    with open(page_path, encoding="utf-8") as f:
        check(f.read() == page, "report: a refused call leaves the old file")
    p = report(r, home, os.path.join(r.work, "no-such-dir", "d.html"), ok=False)
    check(p.returncode == 3 and "cannot write" in p.stderr.decode(),
          "report into a missing folder: exit 3 (got %d)" % p.returncode)
    p = run([r.issuer, "--home", home, "report", "--help"])
    check("no personal data" in p.stdout.decode() and "0644" in p.stdout.decode(),
          "report --help says the page holds no personal data, mode 0644")
    return page


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.headers, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def exported(url, wanted):
    """The jianpei_ metric names /metrics at url exports, once it has every one of wanted
    (polled for a while: a counter has samples once a request of its kind completed)."""
    names = set()
    for _ in range(50):
        status, _, metrics = get(url)
        names = set(re.findall(r"^(jianpei_[a-z_]+)", metrics, re.M))
        if wanted <= names:
            break
        time.sleep(0.1)
    return names


def replica_exported(r, primary, secret_file, wanted):
    """The metric names a replica of primary (seeded into an empty home) exports."""
    err = open(os.path.join(r.logs, "replica.stderr.log"), "wb")
    proc = subprocess.Popen([os.path.join(r.bin, "jianpei-verifier"), "--home",
                             os.path.join(r.work, "replica-home"), "--listen", "127.0.0.1:0",
                             "--threads", "2", "--replica-of", primary, "--client",
                             "dashboard-replica", "--secret-file", secret_file],
                            stdout=subprocess.PIPE, stderr=err)
    try:
        first = proc.stdout.readline().decode()
        check(first.startswith("listening on "), "replica: listening (%r)" % first)
        if not first.startswith("listening on "):
            return set()
        return exported("http://127.0.0.1:%d/metrics" % int(first.rsplit(":", 1)[1]), wanted)
    finally:
        proc.terminate()
        proc.wait()
        err.close()


def test_operator(r, home, people, stats):
    # a replica client for the replica panels' check, before the daemon reads clients.json
    p = run([os.path.join(r.bin, "jianpei-verifier"), "--home", home, "clients", "add",
             "dashboard-replica", "--replica"])
    secret_file = os.path.join(r.work, "replica.secret")
    with open(secret_file, "w") as f:
        f.write(p.stdout.decode().strip().splitlines()[-1] + "\n")
    os.chmod(secret_file, 0o600)
    err = open(os.path.join(r.logs, "verifier.stderr.log"), "wb")
    proc = subprocess.Popen([os.path.join(r.bin, "jianpei-verifier"), "--home", home, "--listen",
                             "127.0.0.1:0", "--threads", "2", "--operator-listen", "0"],
                            stdout=subprocess.PIPE, stderr=err)
    try:
        first = proc.stdout.readline().decode()
        second = proc.stdout.readline().decode()
        check(first.startswith("listening on ") and second.startswith("operator listening on"),
              "verifier: both listeners announced (%r, %r)" % (first, second))
        base = "http://127.0.0.1:%d" % int(first.rsplit(":", 1)[1])
        op = "http://127.0.0.1:%d" % int(second.split()[-1])
        status, headers, page = get(op + "/operator/dashboard")
        check(status == 200 and headers["Content-Type"].startswith("text/html"),
              "operator: dashboard 200 text/html (got %d)" % status)
        check("default-src 'none'" in (headers["Content-Security-Policy"] or ""),
              "operator: restrictive CSP")
        with open(os.path.join(r.logs, "operator-dashboard.html"), "w", encoding="utf-8") as f:
            f.write(page)
        compare("operator", page, stats)
        self_contained("operator", page, people)
        check(get(op + "/")[0] == 404 and get(op + "/api/v1/trust-list")[0] == 404,
              "operator: nothing else served there")
        try:
            with urllib.request.urlopen(urllib.request.Request(
                    op + "/operator/dashboard", data=b"x=1", method="POST"), timeout=30) as resp:
                posted = resp.status
        except urllib.error.HTTPError as e:
            posted = e.code
        check(posted == 405, "operator: POST is 405 (got %s)" % posted)
        check(get(base + "/operator/dashboard")[0] == 404,
              "public listener: no dashboard there")
        with open(os.path.join(r.src, "docs", "grafana-verifier.json"), encoding="utf-8") as f:
            exprs = [t["expr"] for p in json.load(f)["panels"] for t in p.get("targets", [])]
        wanted = {m for e in exprs for m in re.findall(r"\bjianpei_[a-z_]+", e)}
        # the replica panels' series: a replica exports them, the primary does not
        replica_wanted = {m for m in wanted if m.startswith("jianpei_replica_")}
        wanted -= replica_wanted
        # a counter has samples once a request of its kind completed: make one, and allow
        # the daemon's completion callback (run after the answer is sent) a moment
        get(base + "/api/v1/trust-list")
        names = exported(base + "/metrics", wanted)
        check(wanted and wanted <= names,
              "grafana-verifier.json queries only exported metrics (missing: %s)"
              % sorted(wanted - names))
        check(len(replica_wanted) >= 3, "grafana-verifier.json has replica panels (%s)"
              % sorted(replica_wanted))
        names = replica_exported(r, base, secret_file, replica_wanted)
        check(replica_wanted and replica_wanted <= names,
              "grafana-verifier.json's replica panels query only a replica's metrics "
              "(missing: %s)" % sorted(replica_wanted - names))
    finally:
        proc.terminate()
        proc.wait()
        err.close()
    for args, says in ((["--operator-listen", "192.0.2.1:0"], "--operator-public"),
                       (["--operator-public"], "needs --operator-listen"),
                       (["--operator-listen", "localhost:0"], "not a numeric address")):
        p = run([os.path.join(r.bin, "jianpei-verifier"), "--home", home, "--listen",
                 "127.0.0.1:0", *args], ok=False, timeout=30)
        check(p.returncode == 2 and says in p.stderr.decode(),
              "verifier %s: refused with exit 2 saying %r (got %d: %s)"
              % (args, says, p.returncode, p.stderr.decode().strip()))


class R:
    pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--src", required=True)
    a = ap.parse_args()
    r = R()
    r.bin, r.src = a.bin, a.src
    r.issuer = os.path.join(a.bin, "jianpei-issuer")
    r.logs = os.environ.get("JP_TEST_LOGS") or os.path.join(a.bin, "..", "test-logs",
                                                            "test_dashboard")
    os.makedirs(r.logs, exist_ok=True)
    r.work = tempfile.mkdtemp(prefix="jp-dashboard-")
    try:
        home, people = setup(r)
        out = run([r.issuer, "--home", home, "stats", "--json"]).stdout.decode()
        with open(os.path.join(r.logs, "stats.json"), "w", encoding="utf-8") as f:
            f.write(out)
        stats = json.loads(out)
        test_report(r, home, people, stats)
        test_operator(r, home, people, stats)
    finally:
        shutil.rmtree(r.work, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


sys.exit(main())
