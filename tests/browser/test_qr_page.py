#!/usr/bin/python3
"""The QR verification page in a real browser (headless Chromium through Selenium).

usage: test_qr_page.py --bin BUILD/bin --src SOURCE_DIR

Makes a home with jianpei-issuer, reads the QR of a printed certificate back with
pdftoppm + zbarimg, starts jianpei-verifier on 127.0.0.1 port 0 (the port read from its
first stdout line), then opens in Chromium what an employer's phone would open:
  - the genuine QR URL: the green banner with 有效 and 二维码签名真实;
  - the same token with one character changed: the red 警告 banner, 二维码签名伪造;
  - the bypass path /V/<other no>/a/V/<no>/<token> (issue 12 finding 5) and the token
    under another number: red, 二维码签名伪造, never 二维码签名真实.
Screenshots go to $JP_TEST_LOGS (build/test-logs/<test>). A missing browser, driver or
selenium is a failure (exit 1), not a skip: the test exists to be run.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

CHROMIUM = os.environ.get("JP_CHROMIUM", "/usr/bin/chromium")  # override: to see it fail
DRIVER = os.environ.get("JP_CHROMEDRIVER", "/usr/bin/chromedriver")
GREEN = "rgba(26, 127, 55, 1)"  # .g in verifier/page.c
RED = "rgba(198, 40, 40, 1)"  # .r

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)


def run(argv, **kw):
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def make_home(bindir, src, work):
    home = os.path.join(work, "jianpei-home")
    issuer = os.path.join(bindir, "jianpei-issuer")
    run([issuer, "init", "--home", home, "--authority", "广东省住房和城乡建设厅",
         "--authority-uscc", "11440000MB2C12345J", "--public-url", "http://127.0.0.1:8080"])
    intake = os.path.join(work, "in.jsonl")
    with open(intake, "wb") as f:
        f.write(run([sys.executable, os.path.join(src, "bench", "gen_intake.py"), "2"]).stdout)
    report = os.path.join(work, "report.json")
    run([issuer, "--home", home, "issue", "--input", intake, "--report", report])
    with open(report, encoding="utf-8") as f:
        nos = [i["certificate_no"] for i in json.load(f)["issued"]]
    pdf = os.path.join(work, "cert.pdf")
    run([issuer, "--home", home, "pdf", nos[0], "--out", pdf])
    run(["pdftoppm", "-r", "150", "-png", "-singlefile", pdf, os.path.join(work, "page")])
    url = run(["zbarimg", "-q", "--raw", os.path.join(work, "page.png")]).stdout.decode().strip()
    return home, nos, url[url.index("/V/"):]


def start_verifier(bindir, home, work):
    err = open(os.path.join(work, "verifier.err"), "wb")
    p = subprocess.Popen([os.path.join(bindir, "jianpei-verifier"), "--home", home, "--listen",
                          "127.0.0.1:0", "--threads", "2"], stdout=subprocess.PIPE, stderr=err)
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
              "--disable-dev-shm-usage", "--window-size=420,900",
              "--user-data-dir=" + os.path.join(work, "chromium-profile")):
        opts.add_argument(a)
    return webdriver.Chrome(service=Service(DRIVER), options=opts)


def banner(drv):
    from selenium.webdriver.common.by import By

    b = drv.find_element(By.CSS_SELECTOR, "div.b")
    return b.text, b.value_of_css_property("background-color"), b.is_displayed()


def shot(drv, logs, name):
    path = os.path.join(logs, name + ".png")
    check(drv.save_screenshot(path), "screenshot " + path)
    print("screenshot: " + path)


def visit(drv, base, path):
    drv.get(base + path)
    return drv.find_element("tag name", "body").text


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
    logs = os.environ.get("JP_TEST_LOGS") or os.path.join(a.bin, "..", "test-logs", "browser")
    os.makedirs(logs, exist_ok=True)
    work = tempfile.mkdtemp(prefix="jp-browser-")
    proc = drv = None
    try:
        home, nos, path = make_home(a.bin, a.src, work)
        token = path.rsplit("/", 1)[1]
        proc, port = start_verifier(a.bin, home, work)
        base = "http://127.0.0.1:%d" % port
        drv = browser(work)

        text = visit(drv, base, path)
        words, color, shown = banner(drv)
        check(shown and "有效" in words, "genuine: banner shows 有效 (got %r)" % words)
        check(color == GREEN, "genuine: banner is green (got %s)" % color)
        check("二维码签名真实" in text, "genuine: 二维码签名真实 shown")
        shot(drv, logs, "genuine")

        i = len(token) - 10
        forged = path[:len(path) - len(token)] + token[:i] + ("B" if token[i] == "A" else "A") + token[i + 1:]
        for name, p in (("forged", forged), ("bypass", "/V/%s/a%s" % (nos[1], path)),
                        ("other-number", "/V/%s/%s" % (nos[1], token))):
            text = visit(drv, base, p)
            words, color, shown = banner(drv)
            check(shown and color == RED, "%s: banner is red (got %s)" % (name, color))
            check("二维码签名伪造" in text, "%s: 二维码签名伪造 shown" % name)
            check("二维码签名真实" not in text and "有效" not in text,
                  "%s: neither 二维码签名真实 nor 有效" % name)
            shot(drv, logs, name)
    finally:
        if drv is not None:
            drv.quit()
        if proc is not None:
            proc.terminate()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
