#!/usr/bin/env python3
"""privacy_scan.py - the last test of every ctest run (SPEC §8: "Personal data
never goes into a URL, a log line or an error message").

usage: privacy_scan.py LOGS_DIR [--expect TEST,TEST...]

LOGS_DIR holds one folder per test, laid out as tests/capture.h says: what the
programs under test wrote to stderr (their log lines and error messages, the
verifier's access log among them), every HTTP answer but PDF bodies, issuance
reports, and holders-N.jsonl / holders-N.tsv, the people each test used, and
secrets-N.txt, the claim codes their certificates got (SPEC §10: a claim code is
never logged either). Codes are searched for in any case, with or without
dashes, everywhere but in issuance reports (report-N.json) and notices
(notice-N.csv), the two places a plain code belongs. The
people of all tests together are searched for in everything captured by any
test: each name and ID number as written, after undoing JSON \\u escapes, URL
%-escapes and HTML character references, and an ID number in either case of
its check character. A hit fails the run and is shown with the personal data
blanked out.

The scan also fails when it cannot be trusted: a holder it cannot find in its
own holders file (the search is broken), a test that registered holders but
captured nothing, or an expected test (--expect: those that run the programs)
whose folder exists - it ran - without holders or output, unless it left a
"skipped" file (the capture is broken). Tests that did not run (ctest -R) have
no folder; when none ran there is nothing to scan, and that passes.
A sanitizer report in any captured stderr fails it too: the tests do not
check the exit status of every command they run.

Exit 0 clean, 1 otherwise.
"""
import html
import json
import os
import re
import sys
import urllib.parse

MIN_ID = 6  # shorter "ID numbers" would match by chance
ALNUM = re.compile(r"[0-9A-Za-z]+")
NON_ASCII = re.compile(r"[^\x00-\x7f]+")
U_ESCAPE = re.compile(r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})|\\u([0-9a-f]{4})", re.I)
NAME_FIELD = re.compile(r'"name"\s*:\s*"((?:[^"\\]|\\.)*)"')
ID_FIELD = re.compile(r'"id_number"\s*:\s*"?([0-9]{17}[0-9Xx]|[0-9A-Za-z]+)')
CODE_RUN = re.compile(r"[0-9A-Za-z-]+")
CODE_HOMES = ("report-", "notice-")  # captured files where claim codes belong
SANITIZER = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error: ")


def unescape_json(s):
    def one(m):
        if m.group(3):
            return chr(int(m.group(3), 16))
        hi, lo = int(m.group(1), 16), int(m.group(2), 16)
        return chr(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))

    return U_ESCAPE.sub(one, s)


def views(line):
    """The line as written and as it reads once each escaping is undone."""
    out = {line, unescape_json(line), html.unescape(line)}
    if "%" in line:
        out.add(urllib.parse.unquote(line, errors="replace"))
    return out


class Holders:
    """Every test holder's name and ID number, and where each came from."""

    def __init__(self):
        self.names = {}  # name -> holders file
        self.ids = {}  # upper-case ID number -> holders file
        self.skipped = 0  # names of one character, too short to search for

    def add(self, name, id_number, origin):
        if isinstance(name, str) and name.strip():
            name = name.strip()
            if len(name) >= 2:
                self.names.setdefault(name, origin)
            else:
                self.skipped += 1
        if isinstance(id_number, (str, int)):
            id_number = str(id_number).strip().upper()
            if len(id_number) >= MIN_ID:
                self.ids.setdefault(id_number, origin)

    def load(self, path, origin):
        """Adds a holders file's people; returns them as (name, id) pairs."""
        found = []
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line.strip():
                    continue
                if path.endswith(".tsv"):
                    name, _, id_number = line.partition("\t")
                else:
                    name, id_number = self.from_json(line)
                self.add(name, id_number, origin)
                found.append((name, id_number))
        return found

    @staticmethod
    def from_json(line):
        try:
            rec = json.loads(line)
            if isinstance(rec, dict):
                return rec.get("name"), rec.get("id_number")
        except ValueError:
            pass
        # a line the test made bad on purpose: take what it still says
        n, i = NAME_FIELD.search(line), ID_FIELD.search(line)
        return (unescape_json(n.group(1)) if n else None), (i.group(1) if i else None)


class Matcher:
    """Finds the holders' names and ID numbers in a string (substring match)."""

    def __init__(self, holders):
        self.ids = holders.ids
        self.id_lens = sorted({len(i) for i in self.ids})
        self.names = {n for n in holders.names if not n.isascii()}
        self.name_lens = sorted({len(n) for n in self.names})
        self.ascii_names = [n for n in holders.names if n.isascii()]

    @staticmethod
    def _windows(text, pattern, lens, table, fold):
        for m in pattern.finditer(text):
            run = m.group(0).upper() if fold else m.group(0)
            for n in lens:
                for i in range(len(run) - n + 1):
                    if run[i : i + n] in table:
                        yield run[i : i + n]

    def find(self, text):
        """Yields (kind, needle) for every holder datum in text."""
        for needle in self._windows(text, ALNUM, self.id_lens, self.ids, True):
            yield "ID number", needle
        for needle in self._windows(text, NON_ASCII, self.name_lens, self.names, False):
            yield "name", needle
        for needle in self.ascii_names:
            if needle in text:
                yield "name", needle


def load_secrets(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return {l.strip().replace("-", "").upper() for l in f if len(l.strip()) >= 12}


def find_secrets(text, secrets):
    """Yields every claim code of secrets in text (dashes and case ignored)."""
    for m in CODE_RUN.finditer(text):
        run = m.group(0).replace("-", "").upper()
        for i in range(len(run) - 11):
            if run[i : i + 12] in secrets:
                yield run[i : i + 12]


def blank(line, needles):
    for n in needles:
        line = re.sub(re.escape(n), "[" + "*" * len(n) + "]", line, flags=re.I)
    return line[:200]


def main():
    args = sys.argv[1:]
    expect = set()
    if len(args) == 3 and args[1] == "--expect":
        expect = set(filter(None, args[2].split(",")))
    elif len(args) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    root = args[0]
    tests = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d))) \
        if os.path.isdir(root) else []
    if not tests:
        print(f"privacy_scan: nothing captured in {root} (no test that runs the programs ran)")
        return 0
    holders, registered, captured, failures = Holders(), {}, {}, []
    secrets = set()
    for t in tests:
        files = sorted(os.listdir(os.path.join(root, t)))
        for f in files:
            rel = f"{t}/{f}"
            if f.startswith("holders-"):
                registered[rel] = holders.load(os.path.join(root, t, f), rel)
            elif f.startswith("secrets-"):
                mine = load_secrets(os.path.join(root, t, f))
                with open(os.path.join(root, t, f), encoding="utf-8", errors="replace") as sf:
                    if not mine or set(find_secrets(sf.read(), mine)) != mine:
                        failures.append(f"{rel}: the search does not find its own claim codes")
                secrets |= mine
            else:
                captured.setdefault(t, []).append(rel)
        has_holders = any(f.startswith("holders-") for f in files)
        if has_holders and t not in captured:
            failures.append(f"{t}: holders registered but nothing captured")
        if t in expect and "skipped" not in files and not has_holders:
            failures.append(f"{t}: ran but registered no holders")

    matcher = Matcher(holders)
    # The search must find every holder in the file that registered them.
    for rel, people in registered.items():
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            text = f.read()
        seen = {needle for v in views(text) for _, needle in matcher.find(v)}
        want = {name.strip() for name, _ in people if isinstance(name, str)}
        want |= {str(i).strip().upper() for _, i in people if isinstance(i, (str, int))}
        want &= holders.names.keys() | holders.ids.keys()
        if not people:
            failures.append(f"{rel}: no holders in it")
        if want - seen:
            failures.append(f"{rel}: the search does not find {len(want - seen)} of its own holders")

    lines = nbytes = hits = 0
    for t in tests:
        for rel in captured.get(t, []):
            with open(os.path.join(root, rel), "rb") as f:
                data = f.read()
            nbytes += len(data)
            for no, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
                lines += 1
                if rel.endswith(".log") and any(s in line for s in SANITIZER):
                    failures.append(f"{rel}:{no}: sanitizer report: {line[:160]}")
                found, shown, most = {}, line, 0
                for v in views(line):
                    here = dict((needle, kind) for kind, needle in matcher.find(v))
                    found.update(here)
                    if len(here) > most:  # shown blanked: the view where most is found
                        shown, most = v, len(here)
                if not os.path.basename(rel).startswith(CODE_HOMES):
                    for code in set(find_secrets(line, secrets)):
                        found[code] = "claim code"
                if "claim code" in found.values():  # shown with every code-like run blanked
                    shown = re.sub(r"[0-9A-Za-z-]{12,}", lambda m: "[" + "*" * len(m.group(0)) + "]",
                                   shown)
                for needle, kind in found.items():
                    hits += 1
                    origin = holders.names.get(needle) or holders.ids.get(needle) or "secrets"
                    failures.append(f"{rel}:{no}: {kind} of a holder of {origin}: "
                                    f"{blank(shown, found)}")

    nfiles = sum(len(v) for v in captured.values())
    print(f"privacy_scan: {len(tests)} tests, {nfiles} captured files, {lines} lines, "
          f"{nbytes} bytes; {len(holders.names)} names and {len(holders.ids)} ID numbers "
          f"of {len(registered)} holders files ({holders.skipped} one-character names "
          f"not searched), {len(secrets)} claim codes; {hits} hits")
    for f in failures[:200]:
        print("FAIL:", f)
    if len(failures) > 200:
        print(f"... and {len(failures) - 200} more")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
