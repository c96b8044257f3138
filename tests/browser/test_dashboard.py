#!/usr/bin/python3
"""The operator's dashboard in a real browser (headless Chromium), issue 19.

usage: test_dashboard.py --bin BUILD/bin --src SOURCE_DIR

Issues 6 certificates, suspends one and revokes one, writes the page with
`jianpei-issuer report --html` and serves it with `jianpei-verifier --operator-listen`.
At desktop width (1280x900) and at phone width (390x844), for the file and for the
operator listener: the six SVG charts and their tables are displayed with a size > 0,
every chart has bars drawn, the page is no wider than the window (nothing to scroll
sideways), the browser fetched nothing but the page itself (Resource Timing lists no
request), and the text is Chinese (证书统计看板). Screenshots go to $JP_TEST_LOGS:
dashboard-desktop.png, dashboard-phone.png, operator-desktop.png, operator-phone.png (the
window) and each again as NAME-full.png (the whole page).
"""
import json
import os
import shutil
import subprocess
import sys

import jpbrowser
from jpbrowser import check, run, shot

CHARTS = ("month", "city", "position", "status", "changes", "lapse")
SIZES = (("desktop", 1280, 900), ("phone", 390, 844))


def look(r, drv, url, name):
    from selenium.webdriver.common.by import By

    drv.get(url)
    check("证书统计看板" in jpbrowser.body(drv), name + ": 证书统计看板 shown")
    for c in CHARTS:
        svg = jpbrowser.by_css(drv, "svg#c-" + c)
        size = svg.size
        check(svg.is_displayed() and size["width"] > 0 and size["height"] > 0,
              "%s: chart %s displayed, %s" % (name, c, size))
        table = jpbrowser.by_css(drv, "table#t-" + c)
        check(table.is_displayed() and table.size["height"] > 0,
              "%s: table %s displayed" % (name, c))
    bars = drv.find_elements(By.CSS_SELECTOR, "svg#c-status rect.bar")
    drawn = [b for b in bars if b.size["width"] > 0]
    check(len(bars) == 5 and len(drawn) == 3,
          "%s: status chart: 5 bars, 3 of them nonzero (valid, suspended, revoked): %d, %d"
          % (name, len(bars), len(drawn)))
    fetched = drv.execute_script(
        "return performance.getEntriesByType('resource').map(function(e){return e.name;});")
    check(fetched == [], "%s: nothing fetched beyond the page (%s)" % (name, fetched))
    wide = drv.execute_script("return [document.documentElement.scrollWidth, window.innerWidth];")
    check(wide[0] <= wide[1], "%s: no sideways scrolling (%s)" % (name, wide))
    shot(drv, r.logs, name)
    size = drv.get_window_size()
    drv.set_window_size(size["width"], drv.execute_script(
        "return document.documentElement.scrollHeight;") + 200)
    shot(drv, r.logs, name + "-full")
    drv.set_window_size(size["width"], size["height"])


def operator(r, home):
    """Starts the verifier with the operator listener; returns the dashboard's URL."""
    err = open(os.path.join(r.work, "verifier.err"), "wb")
    r.proc = subprocess.Popen([os.path.join(r.bin, "jianpei-verifier"), "--home", home,
                               "--listen", "127.0.0.1:0", "--threads", "2",
                               "--operator-listen", "0"], stdout=subprocess.PIPE, stderr=err)
    r.proc.stdout.readline()
    line = r.proc.stdout.readline().decode()
    if not line.startswith("operator listening on port "):
        raise RuntimeError("no operator listener: " + line)
    return "http://127.0.0.1:%d/operator/dashboard" % int(line.split()[-1])


def test(r):
    home, nos, intake = jpbrowser.issue_home(r, 6)
    shutil.copy(intake, os.path.join(r.logs, "holders-1.jsonl"))
    run([r.issuer, "--home", home, "suspend", nos[0], "--reason", "fraud"])
    run([r.issuer, "--home", home, "revoke", nos[1], "--reason", "error"])
    page = os.path.join(r.work, "dashboard.html")
    run([r.issuer, "--home", home, "report", "--html", page])
    shutil.copy(page, os.path.join(r.logs, "dashboard.html"))
    url = operator(r, home)
    for size, w, h in SIZES:
        drv = r.browser(w, h, profile="profile-" + size)
        look(r, drv, "file://" + page, "dashboard-" + size)
        look(r, drv, url, "operator-" + size)
    with open(intake, encoding="utf-8") as f:
        names = [json.loads(line)["name"] for line in f]
    check(not any(n in jpbrowser.body(drv) for n in names), "operator: no holder's name shown")


sys.exit(jpbrowser.main(test, "browser_dashboard", keep_err="verifier-1.log"))
