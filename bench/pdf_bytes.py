#!/usr/bin/env python3
"""pdf_bytes.py - where the bytes of one issued file go (issue 15 target 4).

    python3 bench/pdf_bytes.py FILE.pdf      per PDF object, the font's tables, /Contents
    python3 bench/pdf_bytes.py FILE.ofd      per OFD member, the font's tables

For each PDF object: its bytes in the file (header to endobj), its kind and,
for a stream, the decoded length. An embedded TrueType (FontFile2, or the
OFD's .ttf) is broken down by table, with the glyphs' own instruction bytes.
For the signature: the /Contents reservation, its zero padding and the
certificates its CMS carries (openssl). Reads, never writes; run by hand.
"""
import re, subprocess, sys, zipfile, zlib


def ttf_tables(data, indent="    "):
    n = int.from_bytes(data[4:6], "big")
    rows, tabs = [], {}
    for i in range(n):
        r = data[12 + 16 * i: 28 + 16 * i]
        tag = r[:4].decode("latin-1")
        off, ln = int.from_bytes(r[8:12], "big"), int.from_bytes(r[12:16], "big")
        tabs[tag] = (off, ln)
    ins = 0
    if "glyf" in tabs and "loca" in tabs and "head" in tabs:
        go, gl = tabs["glyf"]
        lo, ll = tabs["loca"]
        longf = int.from_bytes(data[tabs["head"][0] + 50: tabs["head"][0] + 52], "big")
        w = 4 if longf else 2
        locs = [int.from_bytes(data[lo + w * k: lo + w * k + w], "big") * (1 if longf else 2)
                for k in range(ll // w)]
        for a, b in zip(locs, locs[1:]):
            if b - a < 10:
                continue
            g = data[go + a: go + b]
            nc = int.from_bytes(g[0:2], "big", signed=True)
            if nc >= 0:
                p = 10 + 2 * nc
                ins += int.from_bytes(g[p:p + 2], "big")
    print(f"{indent}{'table':6} {'bytes':>7}   (font file {len(data)} B, "
          f"{n} tables, directory {12 + 16 * n} B)")
    for tag, (off, ln) in sorted(tabs.items(), key=lambda t: -t[1][1]):
        extra = f"  of which glyph instructions {ins} B" if tag == "glyf" else ""
        print(f"{indent}{tag:6} {ln:7d}{extra}")


def der_len(b, i):
    l = b[i]
    if l < 0x80:
        return l, i + 1
    k = l & 0x7F
    return int.from_bytes(b[i + 1:i + 1 + k], "big"), i + 1 + k


def cms_report(hexstr):
    raw = bytes.fromhex(hexstr)
    ln, at = der_len(raw, 1)
    used = at + ln
    print(f"  /Contents: {len(hexstr) + 2} bytes in the file = {len(raw)} reserved DER bytes as hex;"
          f" the CMS is {used} B, zero padding {len(raw) - used} B ({2 * (len(raw) - used)} hex digits)")
    p = subprocess.run(["openssl", "pkcs7", "-inform", "DER", "-print_certs", "-noout"],
                       input=raw[:used], capture_output=True)
    for line in p.stdout.decode().splitlines():
        if line.startswith("subject"):
            print("   cert", line)
    p = subprocess.run(["openssl", "asn1parse", "-inform", "DER"], input=raw[:used],
                       capture_output=True)
    for line in p.stdout.decode().splitlines():
        m = re.match(r"\s*(\d+):d=(\d+)\s+hl=(\d+)\s+l=\s*(\d+)\s+cons: (cont \[ 0 \]|SEQUENCE)", line)
        if m and m.group(2) in ("3", "4") and "cont [ 0 ]" in line and m.group(2) == "3":
            print(f"   certificates [0]: {int(m.group(3)) + int(m.group(4))} B")


def pdf(path):
    d = open(path, "rb").read()
    print(f"{path}: {len(d)} bytes")
    objs = [(m.start(), int(m.group(1))) for m in re.finditer(rb"(?m)^(\d+) 0 obj", d)]
    total = 0
    rows = []
    for k, (start, num) in enumerate(objs):
        end = d.find(b"endobj", start) + 6
        body = d[start:end]
        kind = b""
        m = re.search(rb"/Type\s*/(\w+)", body)
        if m:
            kind = m.group(1)
        for key in (b"/Subtype", b"/FontFile2", b"/Length1", b"/ByteRange", b"/CMapName"):
            mm = re.search(re.escape(key) + rb"\s*/?(\w+)", body)
            if mm and key in (b"/Subtype", b"/CMapName"):
                kind += b" " + mm.group(1)
            elif mm:
                kind += b" " + key[1:]
        dec = ""
        s = body.find(b"stream")
        if s >= 0 and body[:s].find(b"/Length") >= 0:
            e = body.rfind(b"endstream")
            st = body[s + 6:e].lstrip(b"\r\n")
            if b"/FlateDecode" in body[:s]:
                try:
                    raw = zlib.decompress(st)
                    dec = f"{len(raw)} decoded"
                    if b"/Length1" in body[:s]:
                        rows.append(("font", num, raw))
                    if b"beginbfchar" in raw or b"beginbfrange" in raw:
                        kind += b" ToUnicode"
                except zlib.error:
                    dec = "?"
            else:
                dec = "not compressed"
        total += len(body)
        print(f"  obj {num:3d} {len(body):7d} B  {kind.decode('latin-1'):40s} {dec}")
        m = re.search(rb"/Contents\s*<([0-9A-Fa-f]+)>", body)
        if m:
            cms_report(m.group(1).decode())
    print(f"  objects {total} B, the rest (header, xref, trailer, updates) {len(d) - total} B")
    for _, num, raw in rows:
        print(f"  font program of obj {num}:")
        ttf_tables(raw)


def ofd(path):
    z = zipfile.ZipFile(path)
    size = sum(1 for _ in [0])
    import os
    total = os.path.getsize(path)
    print(f"{path}: {total} bytes")
    inzip = 0
    for e in z.infolist():
        hdr = 30 + len(e.filename.encode()) + len(e.extra)
        cd = 46 + len(e.filename.encode()) + len(e.extra)
        inzip += e.compress_size + hdr + cd
        print(f"  {e.compress_size:7d} in ZIP {e.file_size:7d} unpacked  {e.filename}"
              f"  (+{hdr + cd} B of local and central headers)")
    print(f"  end of central directory and comment: {total - inzip} B")
    for e in z.infolist():
        if e.filename.endswith(".ttf"):
            print(f"  {e.filename}:")
            ttf_tables(z.read(e))
        if e.filename.endswith("SignedValue.dat"):
            ses_report(e.filename, z.read(e))


def ses_report(name, der):
    """The SES_Signature's big parts: the seal's picture and the certificates it carries."""
    p = subprocess.run(["openssl", "asn1parse", "-inform", "DER"], input=der, capture_output=True)
    print(f"  {name} ({len(der)} B), its octet strings over 256 B:")
    for line in p.stdout.decode().splitlines():
        m = re.match(r"\s*(\d+):d=(\d+)\s+hl=(\d+)\s+l=\s*(\d+)\s+prim:\s+OCTET STRING\s+\[HEX DUMP\]:(\w{8})", line)
        if m and int(m.group(4)) > 256:
            what = "PNG picture" if m.group(5) == "89504E47" else "certificate (DER)" if m.group(5).startswith("3082") else "?"
            print(f"    at {m.group(1):>5} depth {m.group(2)}: {m.group(4):>6} B  {what}")


if __name__ == "__main__":
    for p in sys.argv[1:]:
        (ofd if p.endswith(".ofd") else pdf)(p)
