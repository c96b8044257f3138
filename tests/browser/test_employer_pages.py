#!/usr/bin/python3
"""The employers' pages in a real browser (headless Chromium through Selenium), issue 14.

usage: test_employer_pages.py --bin BUILD/bin --src SOURCE_DIR

Makes a home with 22 certificates (jianpei-issuer), one of them reissued, starts
jianpei-verifier on 127.0.0.1 port 0 and, at 390x844 like a phone:
  - opens /, looks a number up (-> /c/{no}, 有效);
  - runs the holder check with the right pair (一致) and a wrong one (不一致);
  - uploads the issued PDF (原件一致, 有效), a copy with one byte changed inside the
    signed range (文件被改动), the reissued certificate's old file (旧版文件) and an
    unrelated PDF (非本机关签发);
  - makes a roster of 20 numbers, revokes one of them, and sees the permalink still
    show 有效 as of the query time while the link to the certificate shows 撤销.
Screenshots and page sources go to $JP_TEST_LOGS (build/test-logs/<test>), with the
holders registered for the privacy scan. A missing browser, driver or selenium is a
failure (exit 1), not a skip.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

CHROMIUM = os.environ.get("JP_CHROMIUM", "/usr/bin/chromium")
DRIVER = os.environ.get("JP_CHROMEDRIVER", "/usr/bin/chromedriver")
GREEN = "rgba(26, 127, 55, 1)"  # .g in pages/html.c
RED = "rgba(198, 40, 40, 1)"  # .r

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)


def run(argv, **kw):
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def make_home(bindir, src, work, logs):
    home = os.path.join(work, "jianpei-home")
    issuer = os.path.join(bindir, "jianpei-issuer")
    run([issuer, "init", "--home", home, "--authority", "广东省住房和城乡建设厅",
         "--authority-uscc", "11440000MB2C12345J", "--public-url", "http://127.0.0.1:8080"])
    intake = os.path.join(work, "in.jsonl")
    with open(intake, "wb") as f:
        f.write(run([sys.executable, os.path.join(src, "bench", "gen_intake.py"), "22"]).stdout)
    shutil.copy(intake, os.path.join(logs, "holders-1.jsonl"))  # for privacy_scan
    report = os.path.join(work, "report.json")
    run([issuer, "--home", home, "issue", "--input", intake, "--report", report])
    with open(report, encoding="utf-8") as f:
        nos = [i["certificate_no"] for i in json.load(f)["issued"]]
    people = {}
    with open(intake, encoding="utf-8") as f:
        for line, no in zip(f, nos):
            c = json.loads(line)
            people[no] = (c["name"], c["id_number"])
    files = {}
    for name, no in (("issued", nos[0]), ("old", nos[1])):
        files[name] = os.path.join(work, name + ".pdf")
        run([issuer, "--home", home, "pdf", no, "--out", files[name]])
    run([issuer, "--home", home, "reissue", nos[1]])
    with open(files["issued"], "rb") as f:
        data = bytearray(f.read())
    data[len(data) // 3] ^= 0x01  # inside the first signed range
    files["modified"] = os.path.join(work, "modified.pdf")
    with open(files["modified"], "wb") as f:
        f.write(data)
    files["unrelated"] = os.path.abspath(os.path.join(src, "tests", "fixtures", "render",
                                                      "photo-source.pdf"))
    return home, issuer, nos, people, files


def start_verifier(bindir, home, work):
    err = open(os.path.join(work, "verifier.err"), "wb")
    p = subprocess.Popen([os.path.join(bindir, "jianpei-verifier"), "--home", home, "--listen",
                          "127.0.0.1:0", "--threads", "2", "--no-rate-limits"],
                         stdout=subprocess.PIPE, stderr=err)
    line = p.stdout.readline().decode()
    if not line.startswith("listening on "):
        p.kill()
        raise RuntimeError("verifier did not start: " + line)
    return p, int(line.rsplit(":", 1)[1])


def browser(work):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run",
              "--disable-dev-shm-usage", "--window-size=390,844", "--hide-scrollbars", "--lang=zh-CN",
              "--user-data-dir=" + os.path.join(work, "chromium-profile")):
        opts.add_argument(a)
    drv = webdriver.Chrome(service=Service(DRIVER), options=opts)
    drv.set_window_size(390, 844)
    return drv


def by_css(drv, sel):
    from selenium.webdriver.common.by import By

    return drv.find_element(By.CSS_SELECTOR, sel)


def banner(drv):
    b = by_css(drv, "div.b")
    return b.text, b.value_of_css_property("background-color")


def body(drv):
    return by_css(drv, "body").text


def shot(drv, logs, name):
    path = os.path.join(logs, name + ".png")
    check(drv.save_screenshot(path), "screenshot " + path)
    with open(os.path.join(logs, name + ".html"), "w", encoding="utf-8") as f:
        f.write(drv.page_source)
    print("screenshot: " + path)


def click_and_wait(drv, element):
    """Clicks element and waits until a new document has loaded in its place (no sleeps).

    The mark set on the old window is gone in the new one; errors while the
    navigation is under way (chromedriver's "node does not belong to the document")
    only mean "not yet".
    """
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    drv.execute_script("window.__jpOld = 1;")
    element.click()
    WebDriverWait(drv, 20, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script(
            "return window.__jpOld === undefined && document.readyState === 'complete';"))


def submit(drv):
    click_and_wait(drv, by_css(drv, "form button[type=submit]"))


def holder_checks(drv, base, logs, no, name, idno):
    for label, typed_id, want in (("holder-match", idno, "一致"),
                                  ("holder-mismatch", "110101199003074477", "不一致")):
        drv.get(base + "/c/" + no)
        by_css(drv, "#name").send_keys(name)
        by_css(drv, "#id_number").send_keys(typed_id)
        submit(drv)
        words, color = banner(drv)
        check(words.startswith(want) and (want == "不一致" or "不一致" not in words),
              "%s: banner %r starts with %s" % (label, words, want))
        check(color == (GREEN if want == "一致" else RED), "%s: banner colour %s" % (label, color))
        check(name not in drv.page_source and idno not in drv.page_source,
              "%s: no full name or ID on the page" % label)
        shot(drv, logs, label)


def file_checks(drv, base, logs, files):
    for label, want, also in (("issued", "原件一致", "有效"), ("modified", "文件被改动", "不要采信此文件"),
                              ("old", "旧版文件", "当前为第 2 版"),
                              ("unrelated", "非本机关签发", "")):
        drv.get(base + "/check/file")
        by_css(drv, "#file").send_keys(files[label])
        submit(drv)
        text = body(drv)
        words, _ = banner(drv)
        check(want in words, "file %s: banner %r shows %s" % (label, words, want))
        check(also in text, "file %s: page shows %s" % (label, also))
        if label == "issued":
            check("有效" in text and "证书当前状态" in text, "file issued: live status shown")
        shot(drv, logs, "file-" + label)


def roster(drv, base, logs, issuer, home, nos):
    from selenium.webdriver.common.by import By

    twenty = nos[2:22]
    drv.get(base + "/check/roster")
    by_css(drv, "#certificate_nos").send_keys("\n".join(twenty))
    shot(drv, logs, "roster-form")
    submit(drv)
    check("/R/" in drv.current_url, "roster: went to a permalink (%s)" % drv.current_url)
    rows = drv.find_elements(By.CSS_SELECTOR, "tbody tr")
    check(len(rows) == 20, "roster: 20 rows (got %d)" % len(rows))
    check(all(r.text.endswith("有效") for r in rows), "roster: all 有效")
    check("查询时间" in body(drv), "roster: the query time is shown")
    shot(drv, logs, "roster-result")
    permalink = drv.current_url
    revoked = twenty[3]
    run([issuer, "--home", home, "revoke", revoked, "--reason", "fraud"])
    drv.get(permalink)
    row = [r for r in drv.find_elements(By.CSS_SELECTOR, "tbody tr") if revoked in r.text]
    check(len(row) == 1 and row[0].text.endswith("有效") and "撤销" not in body(drv),
          "permalink after revocation: still 有效 as of the query time")
    shot(drv, logs, "roster-after-revoke")
    if row:
        click_and_wait(drv, row[0].find_element(By.TAG_NAME, "a"))
        words, color = banner(drv)
        check("撤销" in words and color == RED, "link from the permalink: 撤销 (got %r)" % words)
        check(drv.current_url.endswith("/c/" + revoked), "link goes to /c/{no}")
        shot(drv, logs, "revoked-certificate")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--src", required=True)
    a = ap.parse_args()
    for tool in (CHROMIUM, DRIVER):
        if not os.access(tool, os.X_OK):
            print("FAIL: %s missing (scripts/install-deps.sh installs it)" % tool, file=sys.stderr)
            return 1
    try:
        import selenium  # noqa: F401
    except ImportError:
        print("FAIL: python3-selenium missing (scripts/install-deps.sh installs it)",
              file=sys.stderr)
        return 1
    logs = os.environ.get("JP_TEST_LOGS") or os.path.join(a.bin, "..", "test-logs", "employer")
    os.makedirs(logs, exist_ok=True)
    work = os.path.abspath(tempfile.mkdtemp(prefix="jp-browser-emp-"))
    proc = drv = None
    try:
        home, issuer, nos, people, files = make_home(a.bin, a.src, work, logs)
        proc, port = start_verifier(a.bin, home, work)
        base = "http://127.0.0.1:%d" % port
        drv = browser(work)

        drv.get(base + "/")
        check("证书查询" in body(drv), "home: 证书查询 shown")
        shot(drv, logs, "home")
        by_css(drv, "#no").send_keys(nos[0])
        submit(drv)
        check(drv.current_url.endswith("/c/" + nos[0]), "lookup goes to /c/{no}")
        words, color = banner(drv)
        check("有效" in words and color == GREEN, "certificate: green 有效 (got %r)" % words)
        name, idno = people[nos[0]]
        check(name not in drv.page_source and idno not in drv.page_source,
              "certificate page: masked holder only")
        shot(drv, logs, "certificate")

        holder_checks(drv, base, logs, nos[0], name, idno)
        file_checks(drv, base, logs, files)
        roster(drv, base, logs, issuer, home, nos)
    finally:
        if drv is not None:
            drv.quit()
        if proc is not None:
            proc.terminate()
            proc.wait()
        err = os.path.join(work, "verifier.err")
        if os.path.exists(err):
            shutil.copy(err, os.path.join(logs, "verifier-1.err"))
        shutil.rmtree(work, ignore_errors=True)
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
