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


fails = 0
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
sys.exit(1 if fails else 0)
