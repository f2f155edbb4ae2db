#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Differential runner: the model against the running kernel.

Each generated script (gen.py) runs twice, through `vmsh -x --zero-page=off`
(the model) and `vmsh -x --host` (real processes), and the two outputs are
compared after normalizing what cannot match (a model run whose invariant
checker -- `check` after the script -- fails counts as a divergence):
  - dev:inode of file and shmem mappings (shown as DEV INO) and the
    padding before the path;
  - the [stack] entry, which the model shows and the host filters out (the
    helper's stack is not one the script made);
  - the frame of a pagemap line (a PFN or a swap type and offset: the
    machine's),
    and its padding;
  - kpageflags' lru shown by the host where the model has none, one way
    only (forgive_lru: the per-CPU lru_add batch is every process's on
    that CPU, so others move it; lru in the model and not on the host
    still counts);
  - a pagemap line, or smaps' LazyFree or Referenced, where the host
    shows what the model shows once its per-CPU LRU and mlock batches
    are drained (forgive_batches: the model is run again with `drain`
    before each pagemap and smaps; the host's batches
    are the CPU's, and any process there, the --host helper included,
    may drain them earlier), one way only and counted ("batches: ...");
  - (not a normalization: the model of the swap categories runs with
    --lru-others, the host's Active(file) pages, which the workingset
    refault test counts as the host's root lruvec does);
  - an anonymous page one side keeps in the swap cache, clean, after a
    swap-in write fault, where the other freed the slot and dirtied it
    (forgive_swapcache: the pageout's write still in flight, or another
    CPU's lru_move_tail batch drained before the fault), counted
    ("swapcache: ...").

Usage:
  run.py --vmsh PATH [--category C|all] [--list FILE [--check|--update]]
         [--show N] [--save DIR] [SEEDS]
SEEDS: "1-100" (default 1-20), or numbers and ranges separated by commas.

--save DIR writes every divergent script and its diff to DIR.  The last
lines count, for the divergent scripts, the command whose output differs
first: a map of what to fix next.

--list FILE names the (category, seed) pairs expected to agree.  With
--check the run fails (exit 1) when one of them no longer agrees (a
regression) and only reports the others; with --update FILE is rewritten
with the pairs that agree now.

Host noise: the kernel's answer can change under load (smaps Referenced
moves with the per-CPU LRU batches; a run can time out).  A divergence
therefore counts only when it repeats: a divergent script is re-run
(--reruns, default 2, times) and is forgiven when one re-run agrees.
Every forgiven divergence is printed ("forgave host noise: ...") with
the first diff, so noise is never silent.
"""
import argparse
import difflib
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402

MAPLINE = re.compile(r"^([0-9a-f]+-[0-9a-f]+) ([-r][-w][-x][ps]) ([0-9a-f]+) "
                     r"([0-9a-f]+:[0-9a-f]+) (\d+)\s*(.*)$")
FIELD = re.compile(r"^[A-Za-z_]+:\s")
# a pagemap line: the frame number (a PFN, a swap offset) is the machine's
PMLINE = re.compile(r"^(0x[0-9a-f]+)\s+(pfn 0x[0-9a-f]+|swap \d+:\d+|-)\s+"
                    r"(\S+)\s+(\S+)$")


# the same, normalized (normalize())
PMNORM = re.compile(r"^(0x[0-9a-f]+ (?:pfn \S+|swap \S+|-) \S+ )(\S+)$")
PMJSON_PFN = re.compile(r'"pfn":\d+,"pfn_hex":"0x[0-9a-f]+"')
PMJSON_ENTRY = re.compile(r'"entry_hex":"0x([89a-f][0-9a-f])[0-9a-f]{14}"')


def pm_json(line):
    """pagemap's JSON form: the pfn of a present entry is the machine's."""
    line = PMJSON_PFN.sub('"pfn":"PFN"', line)
    return PMJSON_ENTRY.sub(r'"entry_hex":"0x\1PFN"', line)


def pm_frame(frame):
    if frame.startswith("pfn "):
        return "pfn PFN"
    if frame.startswith("swap ") and not frame.startswith("swap 31:"):
        # the type too: another swap area on the machine (a swap file
        # another run enabled) makes --host's area type 1 or more
        return "swap TYPE:OFF"
    return frame       # "-", or a guard marker (swap 31:4): the same everywhere


def normalize(text):
    out = []
    skip = False
    for line in text.splitlines():
        m = MAPLINE.match(line)
        if m:
            rng, perms, off, dev, ino, name = m.groups()
            skip = name == "[stack]"
            if skip:
                continue
            if ino != "0":
                dev, ino = "DEV", "INO"
            line = "%s %s %s %s %s" % (rng, perms, off, dev, ino)
            if name:
                line += " " + name
            out.append(line)
            continue
        if skip and FIELD.match(line):
            continue
        if line.startswith('{"cmd":"pagemap"'):
            line = pm_json(line)
        m = PMLINE.match(line)
        if m:
            line = "%s %s %s %s" % (m.group(1), pm_frame(m.group(2)),
                                    m.group(3), m.group(4))
        skip = False
        out.append(line)
    return "\n".join(out) + "\n" if out else ""


def drop_lru(line):
    """A pagemap line (text or JSON) without kpageflags' lru."""
    m = PMNORM.match(line)
    if m:
        return m.group(1) + ",".join(f for f in m.group(2).split(",")
                                     if f != "lru")
    if line.startswith('{"cmd":"pagemap"'):
        return line.replace('"lru",', "").replace(',"lru"', "")
    return line


def forgive_lru(model, host):
    """kpageflags' lru under --host is the per-CPU lru_add batch's, which
    every process on that CPU fills and any of them may drain (the
    helper's own faults, and its COW of a page of its own still in the
    batch after a fork, drain it).  So a folio the model still holds in
    the batch may already be lru on the host: that one-way difference is
    forgiven, line by line; lru in the model but not on the host is not
    (the model drained where the kernel does not).  Returns the host text
    with those lines taken from the model, and how many were."""
    a, b = model.split("\n"), host.split("\n")
    if len(a) != len(b):
        return host, 0
    n = 0
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y and ("lru" in y) and drop_lru(y) == x and drop_lru(x) == x:
            b[i] = x
            n += 1
    return "\n".join(b), n


def batch_line(line):
    """A line a drain of the per-CPU batches can change: pagemap's
    (lru, unevictable, mlocked, active, referenced), smaps' LazyFree (the
    lru_lazyfree batch) and Referenced (lru_activate clears it)."""
    return (bool(PMNORM.match(line)) or line.startswith('{"cmd":"pagemap"')
            or line.startswith("LazyFree:") or line.startswith("Referenced:"))


def drained_outcome(vmsh, script, extra=()):
    """The model's outcome with `drain` (lru_add_drain_all) before every
    pagemap and smaps command, its echo lines taken out again, so that it
    lines up with outcome()'s: what they show once every per-CPU batch
    moved."""
    drained = script + ".drained"
    with open(script) as f, open(drained, "w") as g:
        for line in f:
            if line.split()[:1] in (["pagemap"], ["smaps"]):
                g.write("drain\n")
            g.write(line)
    text = outcome(vmsh, drained, False, extra)
    return "".join(line for line in text.splitlines(True)
                   if line != "vmsh> drain\n")


def forgive_batches(model, drained, host):
    """The per-CPU LRU and mlock batches under --host are the CPU's, and
    any process on it drains them at any time (an munmap anywhere calls
    lru_add_drain; the helper's own copy-on-write of a page of its own
    after a fork drains them too).  A line a drain can change
    (batch_line) where the host shows what the model shows after a
    drain (@drained, from drained_outcome) is forgiven, line by line;
    one the drain does not explain is not, nor is any other line, nor a
    model that drained where the host did not.  Returns the host text with those lines taken from the
    model, and how many were."""
    a, b, d = model.split("\n"), host.split("\n"), drained.split("\n")
    if not len(a) == len(b) == len(d):
        return host, 0
    n = 0
    for i, (x, y, z) in enumerate(zip(a, b, d)):
        if x != y and batch_line(y) and z != x and \
                (y == z or (drop_lru(y) == z and drop_lru(z) == z)):
            b[i] = x
            n += 1
    return "\n".join(b), n


def forgive_swapcache(model, host):
    """A swap-in write fault (do_swap_page) frees the swap cache only when
    the folio's reference count is the swap cache's and the fault's
    (should_try_to_free_swap) and its write is over (folio_free_swap):
    then the page is dirty and out of the swap cache.  The model keeps
    it there, clean, when the pageout that wrote it spanned a later VMA
    (whose lru_add_drain put the folio on its list before the write
    ended, so folio_rotate_reclaimable queued it, with a reference, in
    the lru_move_tail batch of the CPU that completes the bio: CPU 1
    here, the virtio-blk interrupt's), and frees it otherwise.  Under
    --host two timings the model cannot know turn that around: the
    pageout's write still in flight at the fault keeps a page the model
    frees, and CPU 1 draining its batch before the fault frees one the
    model keeps (probes in docs/notes/issue-16.md, session 6).  So a
    pagemap line where the model and the host differ in exactly that --
    an anonymous page `dirty` and out of the swap cache on one side,
    clean and `swapcache` on the other, the rest equal (lru shown by the
    host alone included, as forgive_lru) -- is forgiven, either way, and
    counted.  Returns the host text with those lines taken from the
    model, how many were, and how many of them also had host-only lru."""
    a, b = model.split("\n"), host.split("\n")
    if len(a) != len(b):
        return host, 0, 0
    n = nl = 0
    for i, (x, y) in enumerate(zip(a, b)):
        if x == y:
            continue
        mx, my = PMNORM.match(x), PMNORM.match(y)
        if not mx or not my or mx.group(1) != my.group(1):
            continue
        fm, fh = set(mx.group(2).split(",")), set(my.group(2).split(","))
        if "anon" not in fm:
            continue
        if "dirty" in fm and "swapcache" not in fm and \
                "swapcache" in fh and "dirty" not in fh:
            fh = (fh - {"swapcache"}) | {"dirty"}
        elif "swapcache" in fm and "dirty" not in fm and \
                "dirty" in fh and "swapcache" not in fh:
            fh = (fh - {"dirty"}) | {"swapcache"}
        else:
            continue
        if fh == fm or ("lru" not in fm and fh == fm | {"lru"}):
            b[i] = x
            n += 1
            nl += fh != fm
    return "\n".join(b), n, nl


def forgive_host(model, host):
    """forgive_swapcache, then forgive_lru: the host text and the counts
    of lines forgiven (lru, swap cache)."""
    host, ns, nsl = forgive_swapcache(model, host)
    host, nl = forgive_lru(model, host)
    return host, nl + nsl, ns


def run_vmsh(vmsh, args, script, timeout=120):
    env = dict(os.environ, LC_ALL="C")
    env.pop("NO_COLOR", None)
    p = subprocess.Popen([vmsh] + args + ([script] if script else []),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env, stdin=subprocess.DEVNULL)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # SIGTERM first: vmsh --host then ends its tasks and files
        p.terminate()
        try:
            p.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
        return ("", "(timed out after %ds)\n" % timeout, -1)
    return (out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
            p.returncode)


SWAP = "64M"        # the swap category's --swap, model and host alike


def host_active_file():
    """The host's Active(file) in pages, for the model's --lru-others: a
    swap-in or file refault after madvise pageout is tested against the
    root lruvec (reclaim_pages has no memcg target), i.e. the whole
    machine's lists, so the host's refault distance (a few evictions) is
    always within its workingset; the model's own lists are the script's
    pages only (docs/notes/issue-16.md, session 6)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("Active(file):"):
                    return int(line.split()[1]) // 4
    except (OSError, ValueError, IndexError):
        pass
    return 0


LRU_OTHERS = None


def outcome(vmsh, script, host, extra=()):
    global LRU_OTHERS
    args = ["-x", "--host"] if host else ["-x", "--zero-page=off"]
    args += list(extra)
    if not host and "--swap" in extra:
        if LRU_OTHERS is None:
            LRU_OTHERS = host_active_file()
        args += ["--lru-others", str(LRU_OTHERS)]
    out, err, rc = run_vmsh(vmsh, args, script)
    return ("--- stdout\n" + normalize(out) + "--- stderr\n" + normalize(err) +
            "--- exit %d\n" % rc)


def invariants_hold(vmsh, script, extra=()):
    """The model's invariant checker (maple tree, red-black tree, list,
    frames, ...) after the script: `check` appended must print ok."""
    checked = script + ".check"
    with open(script) as f, open(checked, "w") as g:
        g.write(f.read() + "\ncheck\n")
    out, _, _ = run_vmsh(vmsh, ["--zero-page=off"] + list(extra), checked)
    return out.rstrip("\n").endswith("ok")


def first_command(model, host):
    """The command whose output first differs (its first word)."""
    a, b = model.splitlines(), host.splitlines()
    in_err = False
    last = "?"
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else ""
        y = b[i] if i < len(b) else ""
        if x == "--- stderr":
            in_err = True
        if x.startswith("vmsh> "):
            words = x[6:].split() or ["?"]
            last = " ".join(words[:2]) if words[0] == "file" else words[0]
        if x != y:
            if in_err:
                for line in (x, y):
                    m = re.match(r"^\S+:\d+: (\w+):", line)
                    if m:
                        return m.group(1) + " (errno)"
                return "stderr"
            return last
    return last


def compare_scripts(vmsh, scripts, args):
    """Script files: `vmsh --compare FILE` each (the same normalizations)."""
    others = [x for x in args if x not in scripts]
    if others:
        print("diff-host: give seeds or script files, not both (%s)" % " ".join(others))
        return 2
    good = 0
    for path in scripts:
        if not os.path.isfile(path):
            print("diff-host: %s: no such file" % path)
            continue
        out, err, rc = run_vmsh(vmsh, ["--compare", path], None, timeout=120)
        sys.stdout.write(out + err)
        good += rc == 0
    print("%d/%d scripts agree" % (good, len(scripts)))
    return 0 if good == len(scripts) else 1


def parse_seeds(spec):
    seeds = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            seeds.extend(range(int(a), int(b) + 1))
        else:
            seeds.append(int(part))
    return seeds


def read_list(path):
    pairs = set()
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.split("#", 1)[0].split()
                if len(line) == 2:
                    pairs.add((line[0], int(line[1])))
    return pairs


def write_list(path, pairs):
    with open(path, "w") as f:
        f.write("# (category, seed) pairs of tests/diff that agree with the "
                "kernel; regenerate with\n# scripts/diff-host --update\n")
        for c, s in sorted(pairs):
            f.write("%s %d\n" % (c, s))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vmsh", required=True)
    ap.add_argument("--category", "-c", default="all",
                    choices=gen.CATEGORIES + ("all",))
    ap.add_argument("--list")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--update", action="store_true")
    ap.add_argument("--show", type=int, default=1,
                    help="divergences to print in full (default 1)")
    ap.add_argument("--save", metavar="DIR",
                    help="write each divergent script and its diff to DIR")
    ap.add_argument("--reruns", type=int, default=2,
                    help="re-runs of a divergent script; one agreeing re-run "
                         "forgives the divergence as host noise (default 2)")
    ap.add_argument("seeds", nargs="*",
                    help='"1-100" or "3,7,10-20" (default 1-20), or script files')
    a = ap.parse_args()

    scripts = [x for x in a.seeds if os.path.isfile(x) or x.endswith(".vmsh")]
    if scripts:
        return compare_scripts(a.vmsh, scripts, a.seeds)
    cats = gen.CATEGORIES if a.category == "all" else (a.category,)
    try:
        seeds = parse_seeds(",".join(a.seeds) or "1-20")
    except ValueError:
        ap.error("SEEDS: expected numbers and ranges (1-20,30) or script "
                 "files, got %r" % " ".join(a.seeds))
    expected = read_list(a.list)

    probe = run_vmsh(a.vmsh, ["--host", "-c", "echo ok"], None)
    if probe[0] != "ok\n":
        why = (probe[1].strip().splitlines() or ["no shell yet?"])[-1]
        print("diff-host: skipped: `vmsh --host -c 'echo ok'` did not print "
              "ok (%s)" % why)
        return 77       # meson: skipped, not passed

    # The swap category needs a swap file under --host (root): where that
    # cannot be had, its scripts are skipped, never failed.
    if "swap" in cats or "thpswap" in cats:
        p = run_vmsh(a.vmsh, ["--host", "--swap", "1M", "-c", "echo ok"], None)
        if p[0] != "ok\n":
            why = (p[1].strip().splitlines() or ["?"])[-1]
            print("diff-host: swap: skipped: %s" % why)
            cats = tuple(c for c in cats if c not in ("swap", "thpswap"))
            if not cats:
                return 77
    agree = set()
    shown = 0
    regressions = []
    per = {}
    firsts = {}
    forgiven = []
    lru_lines = lru_scripts = 0
    batch_lines = batch_scripts = 0
    sc_lines, sc_scripts = 0, []
    with tempfile.TemporaryDirectory(prefix="vmsh-diff-") as tmp:
        script = os.path.join(tmp, "s.vmsh")
        for c in cats:
            for s in seeds:
                text = gen.generate(c, s)
                with open(script, "w") as f:
                    f.write(text)
                extra = ("--swap", SWAP) if c in ("swap", "thpswap") else ()
                model = outcome(a.vmsh, script, False, extra)
                if not invariants_hold(a.vmsh, script, extra):
                    model += "--- check: invariants broken\n"
                host, nl, ns = forgive_host(model, outcome(a.vmsh, script,
                                                           True, extra))
                lru_lines += nl
                lru_scripts += nl > 0
                ok = model == host
                drained = None
                if not ok:
                    drained = drained_outcome(a.vmsh, script, extra)
                    host, nb = forgive_batches(model, drained, host)
                    batch_lines += nb
                    batch_scripts += nb > 0
                    ok = model == host
                if ok and ns:
                    sc_lines += ns
                    sc_scripts.append((c, s))
                if not ok:
                    # a divergence counts only when it repeats
                    for i in range(1, a.reruns + 1):
                        again, nl, ns = forgive_host(
                            model, outcome(a.vmsh, script, True, extra))
                        again, nb = forgive_batches(model, drained, again)
                        if again == model:
                            lru_lines += nl
                            batch_lines += nb
                            batch_scripts += nb > 0
                            if ns:
                                sc_lines += ns
                                sc_scripts.append((c, s))
                            ok = True
                            forgiven.append((c, s, i, model, host))
                            break
                n, m = per.get(c, (0, 0))
                per[c] = (n + ok, m + 1)
                if ok:
                    agree.add((c, s))
                    continue
                if (c, s) in expected:
                    regressions.append((c, s))
                if a.save:
                    os.makedirs(a.save, exist_ok=True)
                    base = os.path.join(a.save, "%s-%d" % (c, s))
                    with open(base + ".vmsh", "w") as f:
                        f.write(text)
                    with open(base + ".diff", "w") as f:
                        f.writelines(difflib.unified_diff(
                            model.splitlines(True), host.splitlines(True),
                            "model", "host"))
                k = first_command(model, host)
                firsts[k] = firsts.get(k, 0) + 1
                if shown < a.show and (not a.check or (c, s) in expected):
                    shown += 1
                    print("=== divergence: category %s seed %d "
                          "(tests/diff/gen.py -c %s %d)" % (c, s, c, s))
                    sys.stdout.write(text)
                    print("=== diff (model vs host)")
                    sys.stdout.writelines(difflib.unified_diff(
                        model.splitlines(True), host.splitlines(True),
                        "model", "host"))
    total = sum(m for _, m in per.values())
    good = sum(n for n, _ in per.values())
    for c in cats:
        n, m = per[c]
        print("%s: %d/%d agree" % (c, n, m))
    if firsts:
        print("first divergent command: " + ", ".join(
            "%s %d" % kv for kv in sorted(firsts.items(), key=lambda kv: -kv[1])))
    print("%d/%d scripts agree" % (good, total))
    for c, s, i, model, host in forgiven:
        print("forgave host noise: %s %d diverged, then agreed on re-run %d "
              "(first command: %s)" % (c, s, i, first_command(model, host)))
        sys.stdout.writelines("    " + line for line in difflib.unified_diff(
            model.splitlines(True), host.splitlines(True), "model", "host"))
    if forgiven:
        print("%d divergences forgiven as host noise" % len(forgiven))
    if lru_lines:
        print("lru: %d pagemap lines in %d scripts showed lru on the host "
              "only (the per-CPU lru_add batch moved by others: forgiven)"
              % (lru_lines, lru_scripts))
    if batch_lines:
        print("batches: %d pagemap/smaps lines in %d scripts showed on the host "
              "what the model shows after a drain (the per-CPU batches "
              "moved earlier there: forgiven)" % (batch_lines, batch_scripts))
    if sc_lines:
        print("swapcache: %d pagemap lines in %d scripts (%s) showed a page "
              "kept in the swap cache after a swap-in write on one side and "
              "freed on the other (a write in flight or another CPU's drain "
              "on the host: forgiven)"
              % (sc_lines, len(sc_scripts),
                 " ".join("%s-%d" % cs for cs in sc_scripts)))
    if a.list and a.update:
        write_list(a.list, (expected - {(c, s) for c in cats for s in seeds}) | agree)
        print("updated %s" % a.list)
    if a.list and not a.update:
        new = agree - expected
        if new:
            print("%d scripts agree that %s does not list yet "
                  "(scripts/diff-host --update records them)" % (len(new), a.list))
    if regressions:
        print("REGRESSION: %d scripts listed as agreeing now differ: %s" %
              (len(regressions), " ".join("%s:%d" % r for r in regressions)))
        return 1 if a.check else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
