"""What the browser tests share: a home with issued certificates, jianpei-verifier on
127.0.0.1 port 0, headless Chromium through Selenium, checks and screenshots.

A test is a function test(r) given a Run; jpbrowser.main(test, ...) parses
--bin BUILD/bin --src SOURCE_DIR, fails (exit 1, not a skip) when Chromium, chromedriver
or selenium is missing, runs the test, stops what it started and returns the exit code:

    def test(r):
        home, nos, _ = jpbrowser.issue_home(r, 2)
        base = r.verifier(home)
        drv = r.browser(420, 900)
        drv.get(base + "/")
        jpbrowser.check("证书查询" in jpbrowser.body(drv), "home: 证书查询 shown")
        jpbrowser.shot(drv, r.logs, "home")

    sys.exit(jpbrowser.main(test, "holder"))

JP_CHROMIUM and JP_CHROMEDRIVER override the browser and driver (to see the test fail).
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
GREEN = "rgba(26, 127, 55, 1)"  # .g in pages/html.c and verifier/page.c
RED = "rgba(198, 40, 40, 1)"  # .r

failures = []  # what check() found wrong, in order


def check(ok, what):
    """Records and prints "FAIL: what" unless ok; the run goes on."""
    if not ok:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)


def run(argv, **kw):
    """Runs argv, output captured; raises when it fails."""
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


class Run:
    """One test run: bin, src (from the command line), logs ($JP_TEST_LOGS), work (a
    temporary directory, removed at the end) and issuer (the jianpei-issuer path). The
    verifier and browsers it starts are stopped when the test returns or raises."""

    def __init__(self, args, logs, work):
        self.bin = args.bin
        self.src = args.src
        self.logs = logs
        self.work = work
        self.issuer = os.path.join(args.bin, "jianpei-issuer")
        self.proc = None  # the verifier
        self.drvs = []  # the browsers, in the order started

    def verifier(self, home, *args):
        """Starts jianpei-verifier on home (2 threads, extra args), stderr to
        work/verifier.err; returns its base URL, http://127.0.0.1:<port>."""
        err = open(os.path.join(self.work, "verifier.err"), "wb")
        self.proc = subprocess.Popen([os.path.join(self.bin, "jianpei-verifier"), "--home", home,
                                      "--listen", "127.0.0.1:0", "--threads", "2", *args],
                                     stdout=subprocess.PIPE, stderr=err)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("listening on "):
            self.proc.kill()
            raise RuntimeError("verifier did not start: " + line)
        return "http://127.0.0.1:%d" % int(line.rsplit(":", 1)[1])

    def browser(self, width, height, *args, profile="chromium-profile"):
        """Starts headless Chromium with a width x height window (and extra args) on a
        fresh profile work/profile (another name for a second, separate browser);
        returns the Selenium driver."""
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                  "--window-size=%d,%d" % (width, height), *args,
                  "--user-data-dir=" + os.path.join(self.work, profile)):
            opts.add_argument(a)
        drv = webdriver.Chrome(service=Service(DRIVER), options=opts)
        self.drvs.append(drv)
        return drv

    def stop(self):
        """Quits the browsers and stops the verifier, when started."""
        for drv in self.drvs:
            drv.quit()
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait()


def issue_home(r, count, *gen_args):
    """Makes work/jianpei-home with jianpei-issuer and issues count certificates from
    bench/gen_intake.py (extra gen_args passed to it). The issuer's report (claim codes
    included) stays at work/report.json. Returns (home, certificate numbers, path of the
    intake file)."""
    home = os.path.join(r.work, "jianpei-home")
    run([r.issuer, "init", "--home", home, "--authority", "广东省住房和城乡建设厅",
         "--authority-uscc", "11440000MB2C12345J", "--public-url", "http://127.0.0.1:8080"])
    intake = os.path.join(r.work, "in.jsonl")
    with open(intake, "wb") as f:
        f.write(run([sys.executable, os.path.join(r.src, "bench", "gen_intake.py"),
                     str(count), *gen_args]).stdout)
    report = os.path.join(r.work, "report.json")
    run([r.issuer, "--home", home, "issue", "--input", intake, "--report", report])
    with open(report, encoding="utf-8") as f:
        nos = [i["certificate_no"] for i in json.load(f)["issued"]]
    return home, nos, intake


def qr_text(png):
    """The text of the QR code in an image (zbarimg), "" when none decodes."""
    out = subprocess.run(["zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", png], stdout=subprocess.PIPE)
    return out.stdout.decode(errors="replace").strip()


def pdf_qr(work, pdf):
    """The text of the QR code on a PDF's page, rendered at 150 dpi (pdftoppm)."""
    run(["pdftoppm", "-r", "150", "-png", "-singlefile", pdf, os.path.join(work, "qr-page")])
    return qr_text(os.path.join(work, "qr-page.png"))


def by_css(drv, sel):
    """The first element matching the CSS selector sel (raises when there is none)."""
    from selenium.webdriver.common.by import By

    return drv.find_element(By.CSS_SELECTOR, sel)


def body(drv):
    """The visible text of the page."""
    return by_css(drv, "body").text


def banner(drv):
    """The verdict banner div.b as (text, background colour, displayed)."""
    b = by_css(drv, "div.b")
    return b.text, b.value_of_css_property("background-color"), b.is_displayed()


def shot(drv, logs, name, source=False):
    """Saves logs/name.png (checked) and, when source, the page source as logs/name.html."""
    path = os.path.join(logs, name + ".png")
    check(drv.save_screenshot(path), "screenshot " + path)
    if source:
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
    """Submits the page's form and waits for the answer."""
    click_and_wait(drv, by_css(drv, "form button[type=submit]"))


def missing():
    """What the browser tests need and lack, as a message, or None."""
    for tool in (CHROMIUM, DRIVER):
        if not os.access(tool, os.X_OK):
            return "%s missing (scripts/install-deps.sh installs it)" % tool
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "python3-selenium missing (scripts/install-deps.sh installs it)"
    return None


def main(test, logs_name, prefix="jp-browser-", keep_err=None):
    """Runs test(r) with a Run r; logs default to BIN/../test-logs/logs_name, the work
    directory is a new temporary one named prefix*. keep_err, when given, is the name
    under which work/verifier.err is copied to the logs at the end. Returns 1 when
    something is missing or a check failed, else 0; exceptions propagate."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--src", required=True)
    a = ap.parse_args()
    why = missing()
    if why is not None:
        print("FAIL: " + why, file=sys.stderr)
        return 1
    logs = os.environ.get("JP_TEST_LOGS") or os.path.join(a.bin, "..", "test-logs", logs_name)
    os.makedirs(logs, exist_ok=True)
    r = Run(a, logs, os.path.abspath(tempfile.mkdtemp(prefix=prefix)))
    try:
        test(r)
    finally:
        r.stop()
        err = os.path.join(r.work, "verifier.err")
        if keep_err is not None and os.path.exists(err):
            shutil.copy(err, os.path.join(logs, keep_err))
        shutil.rmtree(r.work, ignore_errors=True)
    print("%d failures" % len(failures))
    return 1 if failures else 0
