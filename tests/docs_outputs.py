#!/usr/bin/env python3
"""docs_outputs.py BUILD_DIR SRC_DIR FILE... - what the docs say a command prints, it prints.

In each Markdown file, a ```sh block followed by a paragraph that begins with
"print" or "prints" is run with bash from SRC_DIR (build/ in it standing for
BUILD_DIR, /tmp/ for a fresh temporary folder; its ctest lines left out: the
tests they run are this test's fixtures, and a ctest run inside the suite would
clear the suite's logs), and every `quoted` text of that
paragraph's first sentence (asides in parentheses left out, line breaks read as
spaces) must appear in the block's output, in that order. The blocks read the
logs other tests keep (build/test-logs/…): run after them. Prints one line per
problem; exit 0 when every such block passed and there was at least one, else 1.
"""
import os
import re
import subprocess
import sys
import tempfile


def blocks(path):
    """(line, shell text, claim paragraph) of each ```sh block followed by a print claim."""
    lines = open(path, encoding="utf-8").read().split("\n")
    out, i = [], 0
    while i < len(lines):
        if lines[i].strip() != "```sh":
            i += 1
            continue
        start, i = i + 1, i + 1
        while i < len(lines) and lines[i].strip() != "```":
            i += 1
        body = "\n".join(lines[start:i])
        j = i + 1
        while j < len(lines) and lines[j].strip() == "":
            j += 1
        para = []
        while j < len(lines) and lines[j].strip() != "":
            para.append(lines[j])
            j += 1
        text = " ".join(para)
        if re.match(r"^prints? ", text):
            out.append((start, body, text))
        i += 1
    return out


def claims(text):
    """The `quoted` texts of the claim's first sentence, asides in parentheses left out."""
    plain, depth, quoted = [], 0, False
    for c in text:
        if c == "`":
            quoted = not quoted
        elif not quoted and c == "(":
            depth += 1
            continue
        elif not quoted and c == ")" and depth:
            depth -= 1
            continue
        if depth == 0:
            plain.append(c)
    sentence = re.split(r"\.(?:\s|$)", "".join(plain), maxsplit=1)[0]
    return re.findall(r"`([^`]+)`", sentence)


def run(body, build, src, tmp):
    """The block's standard output and error, run as described in the module's text."""
    body = "\n".join(l for l in body.split("\n") if not l.startswith("ctest "))
    # /tmp/ first: the build folder itself may lie below /tmp (a CI clone in /tmp/ci-clone)
    body = body.replace("/tmp/", tmp + "/")
    body = re.sub(r"(?<![\w/.-])build/", build.rstrip("/") + "/", body)
    p = subprocess.run(["bash", "-c", body], cwd=src, capture_output=True, text=True, timeout=300)
    return p.stdout + p.stderr


def main():
    if len(sys.argv) < 4:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    build, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    problems = seen = 0
    for path in sys.argv[3:]:
        for line, body, text in blocks(path):
            if not claims(text):
                continue
            seen += 1
            with tempfile.TemporaryDirectory() as tmp:
                out = run(body, build, src, tmp)
            at = 0
            for want in claims(text):
                k = out.find(want, at)
                if k < 0:
                    print("%s:%d: the output has no `%s` (after what came before):\n%s"
                          % (path, line, want, out.rstrip()))
                    problems += 1
                    break
                at = k + len(want)
    print("%d blocks checked, %d problems" % (seen, problems))
    return 0 if problems == 0 and seen > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
