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
selenium is a failure (exit 1), not a skip: the test exists to be run (jpbrowser.main).
"""
import os
import sys

import jpbrowser
from jpbrowser import GREEN, RED, check, run, shot


def make_home(r):
    """Two certificates; returns the home, their numbers and the QR path of the first."""
    home, nos, _ = jpbrowser.issue_home(r, 2)
    pdf = os.path.join(r.work, "cert.pdf")
    run([r.issuer, "--home", home, "pdf", nos[0], "--out", pdf])
    url = jpbrowser.pdf_qr(r.work, pdf)
    return home, nos, url[url.index("/V/"):]


def visit(drv, base, path):
    drv.get(base + path)
    return jpbrowser.body(drv)


def test(r):
    home, nos, path = make_home(r)
    token = path.rsplit("/", 1)[1]
    base = r.verifier(home)
    drv = r.browser(420, 900)
    logs = r.logs

    text = visit(drv, base, path)
    words, color, shown = jpbrowser.banner(drv)
    check(shown and "有效" in words, "genuine: banner shows 有效 (got %r)" % words)
    check(color == GREEN, "genuine: banner is green (got %s)" % color)
    check("二维码签名真实" in text, "genuine: 二维码签名真实 shown")
    shot(drv, logs, "genuine")

    i = len(token) - 10
    forged = path[:len(path) - len(token)] + token[:i] + ("B" if token[i] == "A" else "A") + token[i + 1:]
    for name, p in (("forged", forged), ("bypass", "/V/%s/a%s" % (nos[1], path)),
                    ("other-number", "/V/%s/%s" % (nos[1], token))):
        text = visit(drv, base, p)
        words, color, shown = jpbrowser.banner(drv)
        check(shown and color == RED, "%s: banner is red (got %s)" % (name, color))
        check("二维码签名伪造" in text, "%s: 二维码签名伪造 shown" % name)
        check("二维码签名真实" not in text and "有效" not in text,
              "%s: neither 二维码签名真实 nor 有效" % name)
        shot(drv, logs, name)


if __name__ == "__main__":
    sys.exit(jpbrowser.main(test, "browser"))
