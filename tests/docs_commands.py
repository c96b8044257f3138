#!/usr/bin/env python3
"""docs_commands.py BIN_DIR SRC_DIR FILE... - the commands the docs show run as written.

Reads each file's code (lines indented four spaces or more after a blank line
or another such line, and ``` blocks), joins lines continued with a
backslash, and splits them into commands at ;, &&, || and |. For a command of
jianpei-issuer, jianpei-verifier or jianpei-training (under any folder) it
runs `PROGRAM [COMMAND [SUBCOMMAND]] --help` from BIN_DIR and checks that the
command exists (exit 0) and that every --option the docs give it is named in
that help or in the program's own; for a path under scripts/ or bench/ it
checks the file exists in SRC_DIR; for build*/bin/NAME of a program that is
not one of the three, that some CMakeLists.txt adds an executable NAME.
Prints one line per problem (file:line and what is wrong) and exits 1 when
there is one, else 0; exits 1 too when it found no command at all.
"""
import glob
import os
import re
import shlex
import subprocess
import sys
import tempfile

PROGRAMS = ("jianpei-issuer", "jianpei-verifier", "jianpei-training")
SPLIT_RE = re.compile(r"(?:;|&&|\|\||\|)\s*")
OPT_RE = re.compile(r"^--[a-z0-9][a-z0-9-]*")
WORD_RE = re.compile(r"^[a-z][a-z0-9-]*$")


def code_lines(path):
    """(line number, text) of every line of code in a Markdown file."""
    out, fenced, prev_blank, in_block = [], False, True, False
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.lstrip().startswith("```"):
                fenced = not fenced
                continue
            if fenced:
                out.append((n, line))
            elif line.startswith("    ") and (in_block or (prev_blank and not line.lstrip().startswith(("- ", "* ", "|")))):
                in_block = True
                out.append((n, line.strip()))
            else:
                in_block = in_block and line.strip() == ""
            prev_blank = line.strip() == ""
    return out


INLINE_RE = re.compile(r"`((?:\./)?(?:jianpei-(?:issuer|verifier|training) |(?:bench|scripts)/|"
                       r"build[A-Za-z0-9_-]*/bin/)[^`]*)`")


def inline_commands(path):
    """(line number, text) of each `command` quoted in prose that starts with a program or a path."""
    out, fenced = [], False
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.lstrip().startswith("```"):
                fenced = not fenced
            elif not fenced and not line.startswith("    "):
                out += [(n, m.group(1)) for m in INLINE_RE.finditer(line)]
    return out


def commands(path):
    """(line number, command text) of each command in path's code, continuations joined,
    and of each command quoted inline (inline_commands)."""
    joined, cur, start, last = [], "", 0, 0
    for n, text in code_lines(path):
        if cur and n != last + 1:  # a continuation never crosses lines of prose
            joined.append((start, cur))
            cur = ""
        last = n
        if not cur:
            start = n
        if text.endswith("\\"):
            cur += text[:-1] + " "
            continue
        joined.append((start, cur + text))
        cur = ""
    if cur:
        joined.append((start, cur))
    joined += inline_commands(path)
    out = []
    for n, text in joined:
        for part in split_commands(strip_comment(text)):
            part = part.strip().lstrip("(").rstrip(")")
            if part:
                out.append((n, part))
    return out


def outside_quotes(text):
    """For each character of text, whether it stands outside '…' and "…"."""
    flags, quote = [], None
    for c in text:
        if quote:
            flags.append(False)
            quote = None if c == quote else quote
        elif c in "'\"":
            flags.append(False)
            quote = c
        else:
            flags.append(True)
    return flags


def strip_comment(text):
    """text without a shell comment (# after a space, outside quotes)."""
    out = outside_quotes(text)
    for i, c in enumerate(text):
        if c == "#" and out[i] and (i == 0 or text[i - 1] == " "):
            return text[:i]
    return text


def split_commands(text):
    """The commands of one line: text split at ;, &&, || and | outside quotes."""
    out, flags, start, i = [], outside_quotes(text), 0, 0
    while i < len(text):
        m = SPLIT_RE.match(text, i) if flags[i] and text[i] in ";&|" else None
        if m and m.end() > i:
            out.append(text[start:i])
            start = i = m.end()
        else:
            i += 1
    out.append(text[start:])
    return out


def words(cmd):
    """The command's words, shell-quoted text kept whole; optional [parts] unwrapped."""
    cmd = cmd.replace("[", " ").replace("]", " ")
    try:
        return shlex.split(cmd)
    except ValueError:
        return cmd.split()


def strip_prefix(ws):
    """ws without leading VAR=value, sudo [-u USER], /usr/bin/time [-f FMT], env, exec."""
    while ws:
        w = ws[0]
        if re.match(r"^[A-Z_][A-Z0-9_]*=", w) or w in ("env", "exec", "command"):
            ws = ws[1:]
        elif w == "sudo":
            ws = ws[3:] if len(ws) > 2 and ws[1] == "-u" else ws[1:]
        elif w.endswith("/time") or w == "time":
            ws = ws[3:] if len(ws) > 2 and ws[1] == "-f" else ws[1:]
        else:
            break
    return ws


def run_help(binary, args):
    """(exit status, output) of binary args --help."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANPEI_")}
    try:
        p = subprocess.run([binary] + args + ["--help"], capture_output=True, text=True,
                           timeout=20, env=env, cwd=tempfile.gettempdir())
    except OSError as e:
        return 127, str(e)
    return p.returncode, p.stdout + p.stderr


class Checker:
    def __init__(self, bindir, src):
        self.bindir, self.src = os.path.abspath(bindir), src
        self.cache = {}
        self.seen = 0
        self.executables = set()
        for cm in glob.glob(os.path.join(src, "*", "CMakeLists.txt")) + [os.path.join(src, "CMakeLists.txt")]:
            with open(cm, encoding="utf-8") as f:
                self.executables.update(re.findall(r"add_executable\(\s*([A-Za-z0-9_-]+)", f.read()))
        listing = subprocess.run(["ctest", "--test-dir", os.path.dirname(os.path.abspath(bindir)), "-N"],
                                 capture_output=True, text=True).stdout
        self.tests = set(re.findall(r"Test +#\d+: (\S+)", listing))

    def help(self, prog, args):
        key = (prog, tuple(args))
        if key not in self.cache:
            self.cache[key] = run_help(os.path.join(self.bindir, prog), args)
        return self.cache[key]

    def program(self, prog, ws):
        """Problems of one program invocation (ws after the program's name)."""
        rest = list(ws)
        while rest and rest[0] == "--home":
            rest = rest[2:]
        opts = [OPT_RE.match(w).group(0) for w in ws if OPT_RE.match(w)]
        sub = []
        if rest and WORD_RE.match(rest[0]):
            sub = [rest[0]]
            if len(rest) > 1 and WORD_RE.match(rest[1]):
                _, text1 = self.help(prog, sub)
                rc2, text2 = self.help(prog, sub + [rest[1]])
                if rc2 == 0 and text2 != text1:
                    sub.append(rest[1])
        rc, text = self.help(prog, sub)
        if rc != 0:
            return ["%s %s: --help exits %d" % (prog, " ".join(sub), rc)]
        _, top = self.help(prog, [])
        known = set(re.findall(r"--[a-z0-9][a-z0-9-]*", text + top))
        return ["%s %s: no option %s in its --help" % (prog, " ".join(sub), o)
                for o in opts if o not in known and o != "--help"]

    def command(self, cmd):
        """Problems of one command line of the docs."""
        ws = strip_prefix(words(cmd))
        found = []
        for i, w in enumerate(ws):
            base = os.path.basename(w)
            if base in PROGRAMS and i == 0:
                self.seen += 1
                found += self.program(base, ws[i + 1:])
                break
            if re.match(r"^(\./)?(scripts|bench|tests|docs|data|packaging)/[A-Za-z0-9_./-]+$", w):
                self.seen += 1
                if not os.path.exists(os.path.join(self.src, w)):
                    found.append("%s does not exist" % w)
            m = re.match(r"^build[A-Za-z0-9_-]*/test-logs/([A-Za-z0-9_.-]+)/", w)
            if m:
                self.seen += 1
                if m.group(1) not in self.tests:
                    found.append("%s: no test %s writes its logs there" % (w, m.group(1)))
            if i > 0 and ws[0] == "ctest" and ws[i - 1] == "-R":
                self.seen += 1
                if not any(re.search(w, t) for t in self.tests):
                    found.append("ctest -R %s: no test of that name" % w)
            m = re.match(r"^(?:\./)?build[A-Za-z0-9_-]*/bin/([A-Za-z0-9_-]+)$", w)
            if m and m.group(1) not in PROGRAMS:
                self.seen += 1
                if m.group(1) not in self.executables:
                    found.append("%s: no add_executable(%s) in any CMakeLists.txt" % (w, m.group(1)))
        return found


def main():
    if len(sys.argv) < 4:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    chk = Checker(sys.argv[1], sys.argv[2])
    problems = 0
    for path in sys.argv[3:]:
        for n, cmd in commands(path):
            for p in chk.command(cmd):
                print("%s:%d: %s" % (path, n, p))
                problems += 1
    print("%d commands checked, %d problems" % (chk.seen, problems))
    return 0 if problems == 0 and chk.seen > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
