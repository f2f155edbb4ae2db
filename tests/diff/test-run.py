#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""run.py's noise rule, with fake vmsh programs (no kernel needed).

A divergence that does not repeat on a re-run of the same seed is host
noise: --check must pass and say that it forgave it.  One that repeats
on every re-run is a regression: --check must fail.
"""
import os
import stat
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

FAKE = r'''#!/usr/bin/env python3
import os, sys
args = sys.argv[1:]
if args[:2] == ["--host", "-c"]:
    print("ok"); sys.exit(0)
if "--host" not in args:
    # the invariant check run (the script with `check` appended) passes
    print("ok" if args[-1].endswith(".check") else "Referenced: 0 kB")
    sys.exit(0)
state = os.path.join(os.path.dirname(os.path.abspath(__file__)), "count")
n = int(open(state).read()) if os.path.exists(state) else 0
open(state, "w").write(str(n + 1))
# MODE: "flaky" diverges on the first host run only, "always" on all
print("Referenced: 4 kB" if MODE == "always" or n == 0 else "Referenced: 0 kB")
'''


def run(mode):
    with tempfile.TemporaryDirectory(prefix="vmsh-test-run-") as tmp:
        fake = os.path.join(tmp, "vmsh")
        with open(fake, "w") as f:
            f.write(FAKE.replace("MODE ==", repr(mode) + " =="))
        os.chmod(fake, stat.S_IRWXU)
        lst = os.path.join(tmp, "agree.list")
        with open(lst, "w") as f:
            f.write("vma 1\n")
        p = subprocess.run([sys.executable, os.path.join(HERE, "run.py"),
                            "--vmsh", fake, "--list", lst, "--check",
                            "--category", "vma", "1"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        return p.returncode, p.stdout


sys.path.insert(0, HERE)
import run as runner  # noqa: E402


def forgive_batches_cases():
    """forgive_batches: the host line is the drained model's -> forgiven;
    a line the drain does not change, or one the host shows otherwise,
    or a line that is not pagemap's -> not."""
    pend = "0x200000000000 pfn PFN present uptodate,mmap,anon,swapbacked,mlocked"
    done = "0x200000000000 pfn PFN present uptodate,lru,mmap,anon,swapbacked,unevictable,mlocked"
    other = "0x200000000000 pfn PFN present uptodate,lru,mmap,anon,swapbacked"
    ok = True
    text, n = runner.forgive_batches("a\n" + pend, "a\n" + done, "a\n" + done)
    ok &= text == "a\n" + pend and n == 1
    text, n = runner.forgive_batches("a\n" + pend, "a\n" + done, "a\n" + other)
    ok &= text == "a\n" + other and n == 0
    text, n = runner.forgive_batches("a\n" + done, "a\n" + done, "a\n" + pend)
    ok &= n == 0            # the model drained where the host did not
    text, n = runner.forgive_batches("Rss: 4 kB", "Rss: 0 kB", "Rss: 0 kB")
    ok &= n == 0            # only the lines a drain can change
    text, n = runner.forgive_batches("LazyFree: 0 kB", "LazyFree: 4 kB",
                                     "LazyFree: 4 kB")
    ok &= n == 1
    return ok


fails = 0
if forgive_batches_cases():
    print("ok   a host line the model's drain explains is forgiven, no other")
else:
    print("FAIL forgive_batches")
    fails += 1
rc, out = run("flaky")
if rc != 0 or "forgave host noise: vma 1" not in out:
    print("FAIL a divergence that did not repeat was not forgiven "
          "(exit %d):\n%s" % (rc, out))
    fails += 1
else:
    print("ok   a one-off divergence is forgiven, and said so")
rc, out = run("always")
if rc != 1 or "REGRESSION" not in out or "forgave" in out:
    print("FAIL a divergence repeated on every re-run was not a regression "
          "(exit %d):\n%s" % (rc, out))
    fails += 1
else:
    print("ok   a repeated divergence is a regression")
# forgive_swapcache: anonymous pages, either way, nothing else different
P = "0x200000017000 pfn PFN present,exclusive "
MODEL = P + "uptodate,dirty,lru,mmap,anon,swapbacked"
CASES = [
    # (model line, host line, forgiven?)
    (MODEL, P + "uptodate,lru,mmap,anon,swapcache,swapbacked", True),
    (P + "uptodate,dirty,mmap,anon,swapbacked",
     P + "uptodate,lru,mmap,anon,swapcache,swapbacked", True),
    (P + "uptodate,lru,mmap,anon,swapcache,swapbacked", MODEL, True),
    (MODEL, P + "uptodate,lru,active,mmap,anon,swapcache,swapbacked", False),
    (MODEL, P + "uptodate,dirty,lru,mmap,anon,swapcache,swapbacked", False),
    (P + "uptodate,dirty,lru,mmap,swapbacked",
     P + "uptodate,lru,mmap,swapcache,swapbacked", False),
]
for m, h, want in CASES:
    text, nl, ns = runner.forgive_host("x\n" + m + "\n", "x\n" + h + "\n")
    got = text == "x\n" + m + "\n"
    if got != want or (ns == 1) != want:
        print("FAIL forgive_swapcache(%r, %r): %s, %d lines" % (m, h, got, ns))
        fails += 1
    else:
        print("ok   forgive_swapcache %s %s" % ("forgives" if want else "keeps",
                                                 h.split()[-1]))
sys.exit(1 if fails else 0)
