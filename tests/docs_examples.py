#!/usr/bin/env python3
"""docs_examples.py FILE... - every identifier the docs show must pass its check.

Finds in each file every 18-character certificate number or citizen ID number
(17 digits and a check character; ISO 7064 MOD 11-2 as GB 11643 computes it,
SPEC 3.1 and 3.3) and every complete e-licence identifier (1.2.156.3005.2.…;
ISO/IEC 7064 MOD 37,36 over the part after the root without the dots, SPEC
3.2, with its issuer's USCC under GB 32100), and prints one line per one that
fails: file:line, the identifier and the character its check wants. Masked
numbers (440103********1236) and identifiers cut short with … are not
identifiers. Exit 0 when all pass (and at least one was seen), else 1.
"""
import re
import sys

ID_RE = re.compile(r"(?<![0-9A-Za-z.])([0-9]{17}[0-9Xx])(?![0-9A-Za-z])")
ELIC_RE = re.compile(r"1\.2\.156\.3005\.2\.[0-9A-Z.]+")
ELIC_ROOT = "1.2.156.3005.2."
MOD37 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def mod11_2(first17):
    """The GB 11643 check character of 17 digits."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    return "10X98765432"[total % 11]


def mod37_36(text):
    """The ISO/IEC 7064 MOD 37,36 check character of text (0-9A-Z)."""
    p = 36
    for c in text:
        t = (p + MOD37.index(c)) % 36
        t = 36 if t == 0 else t
        p = 2 * t % 37
    return MOD37[(37 - p) % 36]


def uscc_check(code):
    """The GB 32100 check character of a code's first 17 characters, or None."""
    if len(code) != 18 or any(c not in USCC for c in code):
        return None
    total, weight = 0, 1
    for c in code[:17]:
        total += USCC.index(c) * weight
        weight = weight * 3 % 31
    return USCC[(31 - total % 31) % 31]


def elicence_problems(ident):
    """What is wrong with one complete e-licence identifier, as short phrases."""
    parts = ident[len(ELIC_ROOT):].split(".")
    if len(parts) != 5 or len(parts[4]) != 1:
        return ["does not have type.issuer.serial.version.check"]
    found = []
    want = mod37_36("".join(parts[:4]))
    if parts[4] != want:
        found.append("check character should be %s" % want)
    want = uscc_check(parts[1])
    if want is None or parts[1][17] != want:
        found.append("issuer USCC %s fails GB 32100 (check should be %s)" % (parts[1], want))
    return found


def scan(path):
    """Yields (line number, identifier, problem) for each failing identifier of a file."""
    seen = 0
    with open(path, encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            for m in ELIC_RE.finditer(line):
                ident = m.group(0).rstrip(".")
                seen += 1
                for why in elicence_problems(ident):
                    yield no, ident, why
            for m in ID_RE.finditer(line):
                number = m.group(1).upper()
                seen += 1
                want = mod11_2(number[:17])
                if number[17] != want:
                    yield no, number, "check character should be %s" % want
    scan.seen += seen


scan.seen = 0


def main(paths):
    bad = 0
    for path in paths:
        for no, ident, why in scan(path):
            print("%s:%d: %s: %s" % (path, no, ident, why))
            bad += 1
    print("%d identifiers checked, %d fail" % (scan.seen, bad))
    return 0 if bad == 0 and scan.seen > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
