#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compare a golden test's expected output with its replay on the kernel.

scripts/golden-host runs each tests/golden/NN-topic.vmsh through
`vmsh --host` (as scripts/run-golden runs it through the model) and calls

  golden.py [-v] SCRIPT ACTUAL-DIR

which compares ACTUAL-DIR/{out,err,status} with the test's expected
NN-topic.out/.err/.status beside SCRIPT and prints one line:

  agree   NAME                  the whole output is the kernel's
  agree   NAME  but for ...     all of it that --host can print is
  differ  NAME  first at ...
  skip    NAME  why

Both sides are normalized as tests/diff/run.py does (dev:inode of file
mappings, the [stack] entry the host does not show).  Commands --host
refuses as model-only (walk, tlb, ...) print nothing there: when the
expected output labels each command's output (`# args: -x`), the blocks
of the other commands are compared, the model's trace lines (indented
by two spaces, between `trace on` and `trace off`) left out, and the
expected error lines of the refused commands too.

A test is skipped when --host says it cannot replay part of it (the
model's devices, an execve while other tasks share the mm: "vmsh: --host:
..." on stderr), or when its options or `set` commands give the model a
machine other than the kernel's in a way maps, smaps or errnos show
(levels, RAM, fault-around, max_map_count, ASLR, lazy TLB flushes):
--host runs on the machine it has.

Each test's header records how its expected output was checked against
Linux in a `# linux:` note.  The exit status is 1 when a test has no such
note, or when the note says the output agrees (the word "agree" or
"agrees" on its first line) and the replay does not.  -v prints the
normalized diff of a test that does not agree.
"""
import difflib
import os
import re
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import forgive_lru, normalize  # noqa: E402

# Options (and `set` names) that give the model a machine other than the
# kernel's, one whose difference shows in maps, smaps, signals or errnos.
# (--tlb, --tlb-2m, --pcid and --cpus shape only the model-only views: TLB,
# ps, mm.)
MODEL_OPTIONS = ("levels", "ram", "fault-around", "max-map-count", "aslr",
                 "lazy-flush")
REFUSED = re.compile(r"^vmsh: (.+?): model-only command")
ERR_COMMAND = re.compile(r"^(?:\S+?:\d+|vmsh): (?:error: )?([a-z_]+(?: [a-z]+)?):")


def read(path, default=""):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return default


def model_machine(script, lines):
    """Why the test configures the model's machine, or None."""
    first = lines[0] if lines else ""
    for key in ("# args:", "# cmdline:"):
        if first.startswith(key):
            words = shlex.split(first[len(key):])
            for i, w in enumerate(words):
                name = w[2:].split("=", 1)[0] if w.startswith("--") else ""
                if name in MODEL_OPTIONS:
                    if "=" not in w and i + 1 < len(words) and \
                            not words[i + 1].startswith("-"):
                        w += " " + words[i + 1]
                    return "%s configures the model's machine" % w
    for line in lines:
        for cmd in line.split("#", 1)[0].split(";"):
            w = cmd.split()
            if len(w) >= 2 and w[0] == "set" and \
                    w[1].replace("_", "-") in MODEL_OPTIONS:
                return "`%s` configures the model's machine" % " ".join(w)
    return None


def blocks(text):
    """[(label, lines)]: the output of each command echoed by -x."""
    out = [(None, [])]
    for line in text.splitlines():
        if line.startswith("vmsh> "):
            out.append((line[6:], []))
        else:
            out[-1][1].append(line)
    return out


def words_of(label):
    w = label.split()
    if len(w) >= 2 and w[1] == "=":
        w = w[2:]
    return w


def is_refused(words, refused):
    return any(words[:len(r.split())] == r.split() for r in refused)


def first_diff(a, b):
    for x, y in zip(a, b):
        if x != y:
            return "-%s / +%s" % (x, y)
    return "-%s" % a[len(b)] if len(a) > len(b) else "+%s" % b[len(a)]


def compare(script, actual):
    """(verdict, detail, diff lines)"""
    base = script[:-len(".vmsh")]
    lines = read(script).splitlines()
    exp_out, exp_err = read(base + ".out"), read(base + ".err")
    exp_status = read(base + ".status", "0").strip()
    out, err = read(os.path.join(actual, "out")), read(os.path.join(actual, "err"))
    status = read(os.path.join(actual, "status")).strip()

    why = model_machine(script, lines)
    if why:
        return "skip", why, []
    if status == "2" and exp_status != "2":
        return "skip", "--host refuses it: " + (err.splitlines() or ["?"])[0], []

    e_out, a_out = normalize(exp_out), normalize(out)
    a_out = forgive_lru(e_out, a_out)[0]
    e_err, a_err = normalize(exp_err), normalize(err)
    whole = ["--- stdout"] + e_out.splitlines() + ["--- stderr"] + \
        e_err.splitlines() + ["--- exit " + exp_status]
    host = ["--- stdout"] + a_out.splitlines() + ["--- stderr"] + \
        a_err.splitlines() + ["--- exit " + status]
    diff = list(difflib.unified_diff(whole, host, "expected", "--host",
                                     lineterm=""))
    if not diff:
        return "agree", "", []

    expected_lines = set(exp_err.splitlines())
    for line in err.splitlines():
        if line.startswith("vmsh: --host: ") and line not in expected_lines:
            return "skip", "--host cannot replay it: " + line[14:], diff
    refused = []
    for line in err.splitlines():
        m = REFUSED.match(line)
        if m and m.group(1) not in refused and line not in expected_lines:
            refused.append(m.group(1))
    if not refused:
        return "differ", describe(e_out, a_out, e_err, a_err, exp_status,
                                  status), diff

    # Leave out what only the model prints.
    a_err = "".join(line + "\n" for line in a_err.splitlines()
                    if not (REFUSED.match(line) and line not in expected_lines))
    kept = []
    for line in e_err.splitlines():
        m = ERR_COMMAND.match(line)
        if m and is_refused(m.group(1).split(), refused):
            continue
        kept.append(line)
    e_err = "".join(line + "\n" for line in kept)

    eb, ab = blocks(exp_out), blocks(out)
    if e_out != a_out and len(eb) == 1:
        return "skip", "model-only commands (%s), and no -x labels to tell " \
            "their output apart" % ", ".join(refused), []
    if [b[0] for b in eb] != [b[0] for b in ab]:
        return "differ", "the commands run differ (stopped early?)", diff
    trace = False
    for (label, e), (_, a) in zip(eb, ab):
        w = words_of(label) if label else []
        if w and is_refused(w, refused):
            if w[0] == "trace" and len(w) > 1:
                trace = w[1] == "on"
            continue
        if trace:
            e = [x for x in e if not x.startswith("  ")]
        en = normalize("\n".join(e) + "\n" if e else "")
        an = forgive_lru(en, normalize("\n".join(a) + "\n" if a else ""))[0]
        if en != an:
            where = "`%s`" % label if label else "the start"
            return "differ", "stdout of %s: %s" % (
                where, first_diff(en.splitlines(), an.splitlines())), diff
    if e_err != a_err:
        return "differ", "stderr: " + first_diff(e_err.splitlines(),
                                                 a_err.splitlines()), diff
    if exp_status != status:
        return "differ", "exit status %s, expected %s" % (status, exp_status), diff
    return "agree", "but for the model-only " + ", ".join(refused), []


def describe(e_out, a_out, e_err, a_err, exp_status, status):
    if e_out != a_out:
        eb, ab = blocks(e_out), blocks(a_out)
        for (label, e), (_, a) in zip(eb, ab):
            if e != a:
                where = "`%s`" % label if label else "stdout"
                if label:
                    where = "stdout of " + where
                return "%s: %s" % (where, first_diff(e, a))
        return "stdout: " + first_diff(e_out.splitlines(), a_out.splitlines())
    if e_err != a_err:
        return "stderr: " + first_diff(e_err.splitlines(), a_err.splitlines())
    return "exit status %s, expected %s" % (status, exp_status)


def linux_note(script):
    """The first line of the header's `# linux:` note, or None."""
    for line in read(script).splitlines()[:40]:
        if line.startswith("# linux:"):
            return line
    return None


def main(argv):
    verbose = False
    if argv and argv[0] == "-v":
        verbose = True
        argv = argv[1:]
    if len(argv) != 2:
        sys.stderr.write("usage: golden.py [-v] SCRIPT ACTUAL-DIR\n")
        return 2
    script, actual = argv
    verdict, detail, diff = compare(script, actual)
    name = os.path.basename(script)[:-len(".vmsh")]
    line = "%-7s %-24s %s" % (verdict, name, detail)
    note = linux_note(script)
    broken = False
    if note is None:
        line += "  [no '# linux:' note in its header]"
        broken = True
    elif verdict != "agree" and re.search(r"\bagrees?\b", note):
        line += "  [its '# linux:' note says it agrees]"
        broken = True
    print(line.rstrip())
    if verbose and diff:
        for d in diff[:60]:
            print("    " + d)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
