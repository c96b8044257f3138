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
failure (exit 1), not a skip (jpbrowser.main).
"""
import json
import os
import shutil
import sys

import jpbrowser
from jpbrowser import GREEN, RED, body, by_css, check, click_and_wait, run, submit


def make_home(r):
    """22 certificates, the second reissued, and the files to upload. Returns the home,
    the numbers, {number: (name, id_number)} and {label: path of a PDF}."""
    home, nos, intake = jpbrowser.issue_home(r, 22)
    shutil.copy(intake, os.path.join(r.logs, "holders-1.jsonl"))  # for privacy_scan
    issuer, work = r.issuer, r.work
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
    files["unrelated"] = os.path.abspath(os.path.join(r.src, "tests", "fixtures", "render",
                                                      "photo-source.pdf"))
    return home, nos, people, files


def banner(drv):
    words, color, _ = jpbrowser.banner(drv)
    return words, color


def shot(drv, logs, name):
    jpbrowser.shot(drv, logs, name, source=True)


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
    drv.set_window_size(1280, 900)  # and on a desktop
    rows = drv.find_elements(By.CSS_SELECTOR, "tbody tr")
    check(len(rows) == 20 and by_css(drv, "main").size["width"] <= 720,
          "desktop: the same 20 rows in a centred column")
    shot(drv, logs, "roster-desktop")
    drv.set_window_size(390, 844)
    if row:
        click_and_wait(drv, row[0].find_element(By.TAG_NAME, "a"))
        words, color = banner(drv)
        check("撤销" in words and color == RED, "link from the permalink: 撤销 (got %r)" % words)
        check(drv.current_url.endswith("/c/" + revoked), "link goes to /c/{no}")
        shot(drv, logs, "revoked-certificate")


def test(r):
    home, nos, people, files = make_home(r)
    base = r.verifier(home, "--no-rate-limits")
    drv = r.browser(390, 844, "--hide-scrollbars", "--lang=zh-CN")
    drv.set_window_size(390, 844)
    logs = r.logs

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
    roster(drv, base, logs, r.issuer, home, nos)


if __name__ == "__main__":
    sys.exit(jpbrowser.main(test, "employer", "jp-browser-emp-", "verifier-1.err"))
