#!/usr/bin/env python3
"""ofd-check.py - an independent check of a sealed OFD package, sharing no
code with ofd/: Python's zipfile and xml.etree read the package, hashlib's
SM3 recomputes every Reference, and npm sm-crypto (sm2-verify.mjs beside
this file) checks both SM2 signatures of the SES_Signature (GB/T 38540 v4):
the signer's over TBS_Sign and the seal maker's over SES_SealInfo.

    python3 tests/peers/ofd-check.py FILE.ofd          verify
    python3 tests/peers/ofd-check.py --text FILE.ofd   print the page text

Prints "intact" and exits 0, or "refused: REASON" and exits 1.
"""
import base64
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
import zlib
import xml.etree.ElementTree as ET

NS = {"ofd": "http://www.ofdspec.org/2016"}
HERE = os.path.dirname(os.path.abspath(__file__))


class Refused(Exception):
    pass


def sm3(data):
    return hashlib.new("sm3", data).digest()


def tlv(buf, pos):
    """One DER element at pos: (tag, content start, end)."""
    tag = buf[pos]
    n = buf[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(buf[pos:pos + k], "big")
        pos += k
    return tag, pos, pos + n


def children(buf, start, end):
    out = []
    while start < end:
        tag, s, e = tlv(buf, start)
        out.append((tag, start, s, e))
        start = e
    return out


def spki_point(cert):
    """The 04||x||y of an SM2 certificate's subjectPublicKey BIT STRING."""
    i = cert.find(b"\x03\x42\x00\x04")
    if i < 0:
        raise Refused("no SM2 public key in a certificate")
    return cert[i + 3:i + 3 + 65].hex()


def sm2_verify(msg, sig, cert):
    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(msg)
    try:
        r = subprocess.run(["node", os.path.join(HERE, "sm2-verify.mjs"), f.name, sig.hex(),
                            spki_point(cert)], capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    if r.returncode == 2 or "valid" not in r.stdout:
        raise Refused("sm-crypto could not run: " + r.stderr.strip())
    return r.returncode == 0


def loc(base, ref):
    path = ref if ref.startswith("/") else base + "/" + ref
    return "/".join(p for p in path.split("/") if p not in ("", "."))


def check_ses(der, sigxml, prop):
    _, s, e = tlv(der, 0)
    tbs, cert, _alg, sig = children(der, s, e)[:4]
    tbs_bytes = der[tbs[1]:tbs[3]]
    fields = children(der, tbs[2], tbs[3])
    if der[fields[0][2]:fields[0][3]] != b"\x04":
        raise Refused("TBS_Sign version is not 4")
    eseal = fields[1]
    data_hash = der[fields[3][2] + 1:fields[3][3]]
    if data_hash != sm3(sigxml):
        raise Refused("dataHash is not SM3 of Signature.xml")
    if der[fields[4][2]:fields[4][3]].decode() != prop:
        raise Refused("propertyInfo names another file")
    info, mcert, _malg, mval = children(der, eseal[2], eseal[3])[:4]
    if not sm2_verify(der[info[1]:info[3]], der[mval[2] + 1:mval[3]], der[mcert[2]:mcert[3]]):
        raise Refused("sm-crypto: the seal maker's signature does not verify")
    if not sm2_verify(tbs_bytes, der[sig[2] + 1:sig[3]], der[cert[2]:cert[3]]):
        raise Refused("sm-crypto: the signature does not verify")
    return der[eseal[1]:eseal[3]]


def check(path):
    z = zipfile.ZipFile(path)
    files = {n: z.read(n) for n in z.namelist() if not n.endswith("/")}
    ofd = ET.fromstring(files["OFD.xml"])
    sigs_path = loc("", ofd.find("ofd:DocBody/ofd:Signatures", NS).text.strip())
    sigs = ET.fromstring(files[sigs_path])
    entries = sigs.findall("ofd:Signature", NS)
    if len(entries) != 1:
        raise Refused("not exactly one signature")
    sig_path = loc(os.path.dirname(sigs_path), entries[0].get("BaseLoc"))
    sig_dir = os.path.dirname(sig_path)
    sig = ET.fromstring(files[sig_path])
    refs = sig.find("ofd:SignedInfo/ofd:References", NS)
    if refs.get("CheckMethod") not in ("SM3", "1.2.156.10197.1.401"):
        raise Refused("CheckMethod is not SM3")
    covered = set()
    for ref in refs.findall("ofd:Reference", NS):
        name = loc(sig_dir, ref.get("FileRef"))
        want = base64.b64decode(ref.find("ofd:CheckValue", NS).text.strip())
        if name not in files:
            raise Refused(name + " is signed but missing")
        if sm3(files[name]) != want:
            raise Refused(name + ": SM3 does not match")
        covered.add(name)
    value_path = loc(sig_dir, sig.find("ofd:SignedValue", NS).text.strip())
    for name in files:
        if name not in covered and name not in (sig_path, value_path):
            raise Refused(name + " is not covered")
    eseal = check_ses(files[value_path], files[sig_path], "/" + sig_path)
    seal = sig.find("ofd:SignedInfo/ofd:Seal/ofd:BaseLoc", NS)
    if seal is not None and files[loc(sig_dir, seal.text.strip())] != eseal:
        raise Refused("Seal.esl differs from the seal in SignedValue.dat")


def text(path):
    z = zipfile.ZipFile(path)
    for name in sorted(n for n in z.namelist() if n.endswith("Content.xml")):
        page = ET.fromstring(z.read(name))
        for code in page.iter("{%s}TextCode" % NS["ofd"]):
            print(code.text)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--text":
        text(sys.argv[2])
        return 0
    try:
        check(sys.argv[1])
    except (Refused, KeyError, ValueError, IndexError, AttributeError, ET.ParseError,
            zipfile.BadZipFile, zlib.error) as e:
        print("refused:", e)
        return 1
    print("intact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
