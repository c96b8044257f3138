#!/usr/bin/env python3
"""ofd-render.py - renders page 1 of an OFD with npm ofd.js 0.2.6 (DLTech21's
open-source reader, not ours; it also draws the seal's picture from
SignedValue.dat) in headless Chromium.

    python3 tests/peers/ofd-render.py FILE.ofd OUT.png OUT.html

Writes OUT.png (a screenshot of the page at 794 px wide, A4 at 96 dpi) and
OUT.html (the rendered DOM: ofd.js draws text as SVG <text>, images as data:
URLs). JP_OFD_RENDER_WIDTH=N renders N px wide instead (a window of N x 1.414
N), for a QR that zbarimg reads off a landscape page. Exits 0 when ofd.js
rendered the page, 1 when it did not (its message on stderr), 2 when Chromium or ofd.js is missing (scripts/install-peers.sh).
(npm ofd.js 1.5.0 is not used: it refuses every file with 授权信息错误, a
licence check.)
"""
import base64
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
LIB = os.path.join(HERE, "node_modules", "ofd.js", "lib", "ofd.umd.min.js")
PAGE = r"""<!doctype html><html><head><meta charset="utf-8">
<script src="file://%s"></script></head>
<body style="margin:0;background:#fff"><div id="out"></div><pre id="log" style="display:none"></pre>
<script>
const log = m => { document.getElementById('log').textContent += m + '\n'; };
window.addEventListener('error', e => log('FAILED ' + e.message));
window.addEventListener('unhandledrejection', e => log('FAILED ' + e.reason));
try {
  const bin = atob('%s');
  const u = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
  ofd.parseOfdDocument({ ofd: u.buffer,
    success(res) {
      try {
        for (const d of ofd.renderOfd(%d, res[0])) document.getElementById('out').appendChild(d);
        log('RENDERED');
      } catch (e) { log('FAILED ' + e + ' ' + e.stack); }
    },
    fail(e) { log('FAILED ' + e); } });
} catch (e) { log('FAILED ' + e); }
</script></body></html>"""


def chromium(args):
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        print("ofd-render: chromium not found", file=sys.stderr)
        sys.exit(2)
    base = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--allow-file-access-from-files", "--virtual-time-budget=20000"]
    return subprocess.run(base + args, capture_output=True, text=True, timeout=180)


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    if not os.path.exists(LIB):
        print("ofd-render: %s missing (scripts/install-peers.sh)" % LIB, file=sys.stderr)
        return 2
    data = base64.b64encode(open(sys.argv[1], "rb").read()).decode()
    width = int(os.environ.get("JP_OFD_RENDER_WIDTH", "794"))
    with tempfile.TemporaryDirectory() as d:
        page = os.path.join(d, "page.html")
        with open(page, "w") as f:
            f.write(PAGE % (LIB, data, width))
        dom = chromium(["--dump-dom", "file://" + page]).stdout
        chromium(["--window-size=%d,%d" % (width, int(width * 1.414)),
                  "--screenshot=" + os.path.abspath(sys.argv[2]),
                  "file://" + page])
    with open(sys.argv[3], "w") as f:
        f.write(dom)
    log = re.search(r'<pre id="log"[^>]*>(.*?)</pre>', dom, re.S)
    if log is None or "RENDERED" not in log.group(1) or not os.path.exists(sys.argv[2]):
        print("ofd-render: ofd.js did not render: %s" % (log.group(1) if log else dom[:200]),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
