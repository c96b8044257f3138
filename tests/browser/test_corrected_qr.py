#!/usr/bin/python3
"""An old file's QR after a correction, in a real browser (headless Chromium).

usage: test_corrected_qr.py --bin BUILD/bin --src SOURCE_DIR

Issues a certificate, reads the QR of its PDF (pdftoppm + zbarimg), corrects the
holder's name with `jianpei-issuer correct`, then opens the old QR URL as an
employer's phone would: the first banner is amber 旧版本 with 换发 (not the red 不符),
the current status 有效 follows; the new file's QR shows the green 有效. Screenshots
(390 px wide) go to $JP_TEST_LOGS.
"""
import json
import os
import sys

import jpbrowser
from jpbrowser import GREEN, RED, check, run, shot

AMBER = "rgba(178, 106, 0, 1)"  # .a in verifier/page.c


def qr_path(r, home, no, name):
    pdf = os.path.join(r.work, name + ".pdf")
    run([r.issuer, "--home", home, "pdf", no, "--out", pdf])
    run(["pdftoppm", "-r", "150", "-png", "-singlefile", pdf, os.path.join(r.work, name)])
    url = run(["zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", os.path.join(r.work, name + ".png")]).stdout.decode()
    return url.strip()[url.index("/V/"):]


def test(r):
    home, nos, intake = jpbrowser.issue_home(r, 1)
    with open(intake, encoding="utf-8") as f:
        holder = json.loads(f.readline())
    new = {"name": "李赟", "id_number": holder["id_number"]}
    with open(os.path.join(r.logs, "holders-1.jsonl"), "w", encoding="utf-8") as f:
        f.write(json.dumps(holder, ensure_ascii=False) + "\n")
        f.write(json.dumps(new, ensure_ascii=False) + "\n")
    old = qr_path(r, home, nos[0], "v1")
    run([r.issuer, "--home", home, "correct", nos[0], "--name", new["name"], "--reason", "typo"])
    cur = qr_path(r, home, nos[0], "v2")
    base = r.verifier(home)
    drv = r.browser(390, 844)

    drv.get(base + old)
    text = jpbrowser.body(drv)
    words, color, shown = jpbrowser.banner(drv)
    check(shown and "旧版本" in words, "old QR: banner shows 旧版本 (got %r)" % words)
    check(color == AMBER, "old QR: banner is amber (got %s)" % color)
    check("换发" in text and "有效" in text, "old QR: 换发 and the current status 有效 shown")
    check("不符" not in text and color != RED, "old QR: no red 不符")
    shot(drv, r.logs, "older-version")

    drv.get(base + cur)
    words, color, shown = jpbrowser.banner(drv)
    check(shown and "有效" in words and color == GREEN, "new QR: green 有效 (got %r)" % words)
    check("旧版本" not in jpbrowser.body(drv), "new QR: no 旧版本")
    shot(drv, r.logs, "current-version")


sys.exit(jpbrowser.main(test, "corrected", keep_err="verifier-1.log"))
