#!/usr/bin/python3
"""The holder's pages in a real browser (headless Chromium through Selenium), issue 13.

usage: test_holder_pages.py --bin BUILD/bin --src SOURCE_DIR

Makes a home with 3 certificates (jianpei-issuer issue --report, which holds the
claim codes), starts jianpei-verifier on 127.0.0.1 port 0 and, at 390x844 like a
phone:
  - signs in at /me with a wrong claim code (refused), then the right one;
  - sees 我的证书 and downloads the PDF with the browser's session cookie: the bytes
    equal `jianpei-issuer pdf`, and pdfsig says the signature is valid;
  - opens the print view (full name and ID, the QR as inline SVG): the SVG as
    Chromium draws it decodes (zbarimg) to the signed /V/ URL of the PDF's QR;
  - creates a share, opens it in a second, fresh browser profile (the employer):
    the banner 仅供…用于…，有效期至… and the unmasked name;
  - revokes it and, in the employer's browser again, sees 授权已过期/已撤回 and
    nothing personal; signs out.
Screenshots go to $JP_TEST_LOGS (build/test-logs/<test>), with the holders and
their claim codes registered for the privacy scan (page sources are kept only for
pages that show no personal data by design). A missing browser, driver or
selenium is a failure (exit 1), not a skip (jpbrowser.main).
"""
import json
import os
import shutil
import subprocess
import sys

import jpbrowser
from jpbrowser import body, by_css, check, click_and_wait, run, submit


def make_home(r):
    """3 certificates (gen_intake.py --seed 13), the holders and claim codes registered
    for the privacy scan. Returns the home and [(number, claim code, name, id_number)]."""
    home, _, intake = jpbrowser.issue_home(r, 3, "--seed", "13")
    shutil.copy(intake, os.path.join(r.logs, "holders-1.jsonl"))  # for privacy_scan
    with open(os.path.join(r.work, "report.json"), encoding="utf-8") as f:
        issued = json.load(f)["issued"]
    with open(os.path.join(r.logs, "secrets-1.txt"), "w") as f:
        f.write("".join(i["claim_code"] + "\n" for i in issued))
    with open(intake, encoding="utf-8") as f:
        lines = f.readlines()
    people = []
    for i in issued:
        c = json.loads(lines[i["line"] - 1])
        people.append((i["certificate_no"], i["claim_code"], c["name"], c["id_number"]))
    return home, people


def phone(r, profile="chromium-profile"):
    """A browser at 390x844 on a fresh profile work/profile."""
    drv = r.browser(390, 844, "--hide-scrollbars", "--lang=zh-CN", profile=profile)
    drv.set_window_size(390, 844)
    return drv


def shot(drv, logs, name, source=True):
    # pages that show the holder's data by design keep their screenshot only
    jpbrowser.shot(drv, logs, name, source)


def type_into(drv, sel, text):
    el = by_css(drv, sel)
    el.clear()
    el.send_keys(text)


def sign_in(drv, base, no, code, last6):
    drv.get(base + "/me")
    type_into(drv, "#n", no)
    type_into(drv, "#k", code)
    type_into(drv, "#i", last6)
    submit(drv)


def download_pdf(drv, base, no, work):
    """GET /me/{no}.pdf with the browser's own cookies (HttpOnly ones included)."""
    import urllib.request

    cookies = "; ".join("%s=%s" % (c["name"], c["value"]) for c in drv.get_cookies())
    req = urllib.request.Request(base + "/me/%s.pdf" % no, headers={"Cookie": cookies})
    with urllib.request.urlopen(req) as r:
        data = r.read()
        ctype = r.headers.get("Content-Type")
    path = os.path.join(work, "downloaded.pdf")
    with open(path, "wb") as f:
        f.write(data)
    return path, data, ctype


def test(r):
    from selenium.webdriver.common.by import By

    logs, work = r.logs, r.work
    home, people = make_home(r)
    no, code, name, idno = people[0]
    base = r.verifier(home, "--no-rate-limits")
    drv = phone(r)

    drv.get(base + "/me")
    check("领取码" in body(drv), "sign-in: the form asks for the claim code")
    shot(drv, logs, "signin")
    wrong = ("B" if code[0] == "A" else "A") + code[1:]
    sign_in(drv, base, no, wrong, idno[-6:])
    check("不正确" in body(drv) and no not in drv.page_source,
          "sign-in with a wrong code: refused, the number not echoed")
    shot(drv, logs, "signin-refused")
    sign_in(drv, base, no, code.lower().replace("-", ""), idno[-6:])
    check(drv.current_url.endswith("/me") and "我的证书" in body(drv) and no in body(drv),
          "signed in: 我的证书 lists %s" % no)
    check(name not in drv.page_source and idno not in drv.page_source,
          "我的证书: holder shown masked")
    shot(drv, logs, "mine")

    path, data, ctype = download_pdf(drv, base, no, work)
    stored = os.path.join(work, "stored.pdf")
    run([r.issuer, "--home", home, "pdf", no, "--out", stored])
    with open(stored, "rb") as f:
        check(f.read() == data, "downloaded PDF identical to `jianpei-issuer pdf`")
    check(ctype == "application/pdf", "download Content-Type %s" % ctype)
    sig = subprocess.run(["pdfsig", path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = sig.stdout.decode(errors="replace")
    check("Signature is Valid." in out and "Total document signed" in out,
          "pdfsig: valid, whole document signed")

    click_and_wait(drv, by_css(drv, 'a[href$="/print"]'))
    text = body(drv)
    check(name in text and idno in text, "print view: full name and ID number")
    check(len(drv.find_elements(By.CSS_SELECTOR, "svg.qr path")) == 1,
          "print view: QR as inline SVG")
    shot(drv, logs, "print", source=False)
    drv.execute_script("var q = document.querySelector('svg.qr');"
                       "q.style.width = q.style.height = '360px';")
    png = os.path.join(logs, "print-qr.png")
    by_css(drv, "svg.qr").screenshot(png)
    printed, signed = jpbrowser.qr_text(png), jpbrowser.pdf_qr(work, stored)
    check("/V/%s/" % no in signed, "the PDF's QR is the signed /V/ URL")
    check(printed == signed, "print view: the QR decodes to the PDF's signed URL")

    drv.get(base + "/me")
    drv.execute_script("document.querySelector('details').open = true;")
    type_into(drv, 'input[name="recipient"]', "广州某建筑工程有限公司")
    type_into(drv, 'input[name="purpose"]', "入职资格审核")
    type_into(drv, 'input[name="days"]', "30")
    shot(drv, logs, "share-form")
    click_and_wait(drv, by_css(drv, "form.share button[type=submit]"))
    links = drv.find_elements(By.CSS_SELECTOR, 'a[href^="/S/"]')
    check(len(links) == 1, "a share link is listed")
    shot(drv, logs, "mine-with-share")
    share = links[0].get_attribute("href") if links else base + "/S/none"

    emp = phone(r, "employer-profile")
    emp.get(share)
    text = body(emp)
    check("仅供广州某建筑工程有限公司用于入职资格审核，有效期至" in text,
          "share: banner for the recipient and purpose")
    check(name in text and idno in text, "share: unmasked name and ID number")
    check("有效" in text, "share: live status")
    shot(emp, logs, "share-recipient", source=False)

    drv.get(base + "/me")
    check("<td>1</td>" in drv.page_source, "the holder sees one access")
    click_and_wait(drv, by_css(drv, 'form[action$="/revoke"] button'))
    check("已撤回" in body(drv), "the holder sees the share revoked")
    shot(drv, logs, "mine-revoked")

    emp.get(share)
    text = body(emp)
    check("授权已过期/已撤回" in text, "revoked share: 授权已过期/已撤回")
    check(name not in emp.page_source and idno not in emp.page_source and
          no not in emp.page_source, "revoked share: nothing personal")
    shot(emp, logs, "share-revoked")

    drv.get(base + "/me")
    click_and_wait(drv, by_css(drv, 'form[action="/me/logout"] button'))
    check("领取码" in body(drv) and no not in drv.page_source, "signed out: the form again")
    shot(drv, logs, "signed-out")


if __name__ == "__main__":
    sys.exit(jpbrowser.main(test, "holder", "jp-browser-holder-", "verifier-1.err"))
