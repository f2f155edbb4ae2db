#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seeded generator of random vmsh scripts for the differential tests.

Every script uses fixed addresses in a small window at 0x200000000000 (so
calls collide, split and merge), and only commands whose outcome does not
depend on where the helper process keeps its own mappings: no hint-only
mmap, no mremap that may move to a kernel-chosen address, no brk.

Categories (the mix each one draws from):
  vma      mmap/munmap/mprotect/mremap/madvise on anonymous memory, maps
  access   one process: VMA calls plus touch/write/read, smaps
  fork     access plus fork/switch/kill (copy-on-write, wipeonfork, ...)
  file     files: create/write/read/truncate/rm, shared and private file
           mappings, /dev/zero, msync, SIGBUS past the end
  fileio   files only, no mapping: create/write/read/truncate/rm
  filemap  file mappings under stress: files up to 40 pages, mappings up
           to 24 pages at offsets that cross fault-around windows,
           mremap (grow, shrink, move) and madvise of mapped ranges,
           truncate up and down, pwrite into mapped pages, fork
  mix      all of the above
  madvise  anonymous, shared and file memory under every advice Linux 6.18
           takes (but cold/pageout, the LRU's, and hwpoison/soft_offline),
           with accesses, fork, populate and guard regions, smaps last
  mlock    mlock/munlock (onfault), munlockall, mseal and the calls it
           refuses, MAP_LOCKED, mremap and fork of locked memory
  high     every call at the edges of the 64-bit range: below
           mmap_min_addr, at and above TASK_SIZE, at 2^47, 2^56, 2^63 and
           2^64 - 4096, with lengths that overflow; the window's calls too
  swap     private anonymous, shared anonymous and tmpfs file memory
           (and, in 3 scripts of 10, a disk file instead of the tmpfs
           one) under --swap: writes, touches, madvise pageout|cold, fork,
           munmap/mprotect/mremap/dontneed/willneed/remove of swapped
           ranges, file write/read/truncate of swapped tmpfs pages, smaps
           and pagemap (kpageflags) of every task (run.py gives both
           sides --swap; --host then needs root for its swap file)
  thp      transparent huge pages: private anonymous memory in an 8 MiB
           window of 2 MiB-aligned ranges, madvise hugepage/nohugepage/
           collapse,
           writes and touches, partial and whole munmap/mprotect/mremap/
           dontneed, fork then writes on both sides; smaps (AnonHugePages,
           THPeligible) of every VMA and task
  thpswap  thp's scripts under --swap (run.py gives both sides --swap)
           with madvise pageout|cold of whole and partial PMD ranges:
           THPs split (zero-filled pages to the zero page) or swapped
           piece by piece, shared ones skipped

The same (category, seed) always gives the same script.
"""
import argparse
import random
import sys

BASE = 0x200000000000
PAGE = 4096
SLOTS = 48                      # the window is SLOTS pages

CATEGORIES = ("vma", "access", "fork", "file", "fileio", "filemap", "mix",
              "madvise", "mlock", "high", "swap", "thp", "thpswap")

HUGE = 2 << 20                  # the thp category's unit: a PMD's 2 MiB
HWIN = 4                        # its window: 4 PMDs

PROTS = ["rw-", "rw-", "rw-", "r--", "r--", "---", "r-x", "rwx"]
ADVICE = ["dontneed", "dontneed", "willneed", "dontfork", "dofork",
          "wipeonfork", "keeponfork"]
# the madvise category: every advice but cold/pageout (the LRU, not
# modelled yet), numbers Linux refuses and the two --host never passes
ALL_ADVICE = ["normal", "random", "sequential", "willneed", "dontneed",
              "dontneed", "dontneed_locked", "free", "free", "free", "remove",
              "dontfork", "dofork", "wipeonfork", "keeponfork", "mergeable",
              "unmergeable", "hugepage", "nohugepage", "collapse", "dontdump",
              "dodump", "populate_read", "populate_write", "populate_write",
              "guard_install", "guard_install", "guard_remove", "5", "26",
              "104", "hwpoison"]
# addresses at the edges of the range (the high category)
EDGES = [0, 0x1000, 0xf000, 0x10000, 0x7ffffffff000,
         0x800000000000, 0x800000001000, 0xfffffffffffff000,
         0x100000000000000, 0x8000000000000000, 0xffffffffffffe000,
         0xffffffffffffffff]
LENS = [0x1000, 0x2000, 0x10000, 0x800000000000, 0x7fffffffffff,
        0xfffffffffffff000, 0xffffffffffffffff, 0x8000000000000000,
        0xffffffffffffefff, 1]


class Gen:
    def __init__(self, category, seed):
        self.cat = category
        self.r = random.Random("%s:%d" % (category, seed))
        self.disk_r = random.Random("%s-disk:%d" % (category, seed))
        self.lines = []
        self.pids = [1]             # live pids
        self.cur = 1
        self.next_pid = 2
        self.files = []             # names created (maybe removed)
        self.nfile = 0
        self.mapped = []            # (addr, len) of mmaps made so far

    # ---- helpers --------------------------------------------------------
    def addr(self, slot=None):
        if slot is None:
            slot = self.r.randrange(SLOTS)
        return BASE + slot * PAGE

    def npages(self, hi=8):
        return self.r.choice([1, 1, 2, 2, 3, 4, hi])

    def range(self):
        s = self.r.randrange(SLOTS)
        n = self.npages()
        return self.addr(s), n * PAGE

    def arange(self):
        """A range for an access: mostly inside something mapped before."""
        if self.mapped and self.r.random() < 0.7:
            a, ln = self.r.choice(self.mapped)
            pages = ln // PAGE
            s = self.r.randrange(pages)
            n = self.r.randrange(1, pages - s + 2)
            return a + s * PAGE, n * PAGE
        return self.range()

    def hexa(self, v):
        return "0x%x" % v

    def emit(self, s):
        self.lines.append(s)

    # ---- commands -------------------------------------------------------
    def c_mmap_anon(self):
        a, ln = self.range()
        prot = self.r.choice(PROTS)
        kind = self.r.random()
        if kind < 0.1:
            flags = "shared|anon|fixed"
        else:
            flags = "private|anon|fixed"
        if self.r.random() < 0.2:
            flags = flags.replace("fixed", "fixed_noreplace")
        if self.r.random() < 0.1:
            flags += "|populate"
        if self.r.random() < 0.05:
            flags += "|noreserve"
        if self.r.random() < 0.04:
            flags += "|locked"
        self.emit("mmap %s %s %s %s" % (self.hexa(a), self.hexa(ln), prot, flags))
        self.mapped.append((a, ln))

    def c_mmap_private(self):
        a, ln = self.range()
        prot = self.r.choice(["rw-", "rw-", "rw-", "r--", "---"])
        self.emit("mmap %s %s %s private|anon|fixed" % (self.hexa(a), self.hexa(ln), prot))
        self.mapped.append((a, ln))

    def c_mmap_swapped(self):
        """swap: a shared anonymous or a tmpfs file mapping, mostly
        writable, to be written and paged out."""
        a, ln = self.range()
        prot = self.r.choice(["rw-", "rw-", "rw-", "r--"])
        if not self.files or self.r.random() < 0.4:
            self.emit("mmap %s %s %s shared|anon|fixed" %
                      (self.hexa(a), self.hexa(ln), prot))
        else:
            n = self.r.choice(self.files)
            off = self.r.choice([0, 0, 0, PAGE, 2 * PAGE])
            share = self.r.choice(["shared", "shared", "shared", "private"])
            self.emit("mmap %s %s %s %s|fixed %s %d" %
                      (self.hexa(a), self.hexa(ln), prot, share, n, off))
        self.mapped.append((a, ln))

    def c_madvise_swapped(self):
        a, ln = self.arange()
        adv = self.r.choice(["dontneed", "willneed", "willneed", "remove",
                             "dontfork", "dofork"])
        self.emit("madvise %s %s %s" % (self.hexa(a), self.hexa(ln), adv))

    def c_pageout(self):
        a, ln = self.arange()
        adv = self.r.choice(["pageout", "pageout", "pageout", "cold"])
        self.emit("madvise %s %s %s" % (self.hexa(a), self.hexa(ln), adv))
        if self.r.random() < 0.5:
            self.emit("smaps %s" % self.hexa(a))

    def c_munmap(self):
        a, ln = self.range()
        self.emit("munmap %s %s" % (self.hexa(a), self.hexa(ln)))

    def c_mprotect(self):
        a, ln = self.range()
        self.emit("mprotect %s %s %s" % (self.hexa(a), self.hexa(ln),
                                         self.r.choice(PROTS)))

    def c_mremap(self):
        a, ln = self.range()
        new = self.npages() * PAGE
        if self.r.random() < 0.5:
            self.emit("mremap %s %s %s" % (self.hexa(a), self.hexa(ln),
                                           self.hexa(new)))
        else:
            self.emit("mremap %s %s %s maymove fixed %s" %
                      (self.hexa(a), self.hexa(ln), self.hexa(new),
                       self.hexa(self.addr())))

    def c_mremap_mapped(self):
        """mremap of (part of) something mapped before: grow, shrink, move."""
        if not self.mapped:
            return self.c_mremap()
        a, ln = self.arange()
        new = self.r.choice([1, 2, 4, 8, 12, 20]) * PAGE
        k = self.r.random()
        if k < 0.5:
            self.emit("mremap %s %s %s" % (self.hexa(a), self.hexa(ln),
                                           self.hexa(new)))
        else:
            dst = self.addr(self.r.randrange(SLOTS))
            self.emit("mremap %s %s %s maymove fixed %s" %
                      (self.hexa(a), self.hexa(ln), self.hexa(new),
                       self.hexa(dst)))
            self.mapped.append((dst, new))

    def c_madvise_mapped(self):
        if not self.mapped:
            return self.c_madvise()
        a, ln = self.arange()
        adv = self.r.choice(["dontneed", "dontneed", "willneed", "dontfork",
                             "dofork"])
        self.emit("madvise %s %s %s" % (self.hexa(a), self.hexa(ln), adv))

    def c_madvise(self, allowed=None):
        a, ln = self.range()
        adv = self.r.choice(allowed or ADVICE)
        self.emit("madvise %s %s %s" % (self.hexa(a), self.hexa(ln), adv))

    def c_bad(self):
        """Calls with an errno: unaligned, zero length, FIXED_NOREPLACE."""
        a, ln = self.range()
        k = self.r.randrange(5)
        if k == 0:
            self.emit("munmap %s %s" % (self.hexa(a + 0x10), self.hexa(ln)))
        elif k == 1:
            self.emit("mmap %s 0 rw- private|anon|fixed" % self.hexa(a))
        elif k == 2:
            self.emit("mprotect %s %s rw-" % (self.hexa(a + 1), self.hexa(ln)))
        elif k == 3:
            self.emit("mremap %s %s %s fixed %s" % (self.hexa(a), self.hexa(ln),
                                                   self.hexa(ln), self.hexa(a)))
        else:
            self.emit("mmap %s %s rw- private|anon|fixed" %
                      (self.hexa(a + 0x800), self.hexa(ln)))

    def c_touch(self):
        a, ln = self.arange()
        self.emit("touch %s %s" % (self.hexa(a), self.hexa(ln)))

    def c_write(self):
        a, ln = self.arange()
        k = self.r.random()
        if k < 0.4:
            self.emit("write %s %s" % (self.hexa(a), self.hexa(ln)))
        elif k < 0.7:
            self.emit("write %s %s 0x%02x" % (self.hexa(a + self.r.randrange(PAGE)),
                                            self.hexa(self.r.randrange(1, 3 * PAGE)),
                                            self.r.randrange(256)))
        else:
            off = self.r.choice([0, 5, PAGE - 3])
            self.emit('write %s "%s"' % (self.hexa(a + off),
                                         self.r.choice(["hello", "vmsh!", "ABCDEFGH"])))

    def c_read(self):
        a = self.arange()[0] + self.r.choice([0, 0, 8, PAGE - 8])
        self.emit("read %s %d" % (self.hexa(a), self.r.choice([16, 24, 32])))

    def c_smaps_one(self):
        self.emit("smaps %s" % self.hexa(self.addr()))

    def c_fork(self):
        if len(self.pids) >= 4:
            return self.c_kill()
        self.emit("fork")
        self.pids.append(self.next_pid)
        self.next_pid += 1

    def c_clone(self):
        if len(self.pids) >= 4:
            return self.c_kill()
        self.emit("clone vm")
        self.pids.append(self.next_pid)
        self.next_pid += 1

    def c_switch(self):
        p = self.r.choice(self.pids)
        self.emit("switch %d" % p)
        self.cur = p

    def c_kill(self):
        # pid 1 stays: under --host it is the main thread of the first
        # helper process, which cannot exit while its threads (clone vm)
        # live on and still be read through /proc
        others = [p for p in self.pids if p != self.cur and p != 1]
        if not others:
            return self.c_fork()
        p = self.r.choice(others)
        self.emit("kill %d" % p)
        self.pids.remove(p)

    def c_maps_other(self):
        self.emit("maps %d" % self.r.choice(self.pids))

    def fname(self):
        live = [f for f in self.files]
        if not live or self.r.random() < 0.15:
            self.nfile += 1
            return "f%d" % self.nfile
        return self.r.choice(live)

    def c_file_create(self):
        self.nfile += 1
        n = "f%d" % self.nfile
        size = self.r.choice([PAGE, 2 * PAGE, 3 * PAGE, 4 * PAGE, 5000, 8 * PAGE])
        disk = ""
        if self.cat == "filemap":
            size = self.r.choice([PAGE, 5000, 8 * PAGE, 17 * PAGE,
                                  24 * PAGE + 100, 40 * PAGE])
            if self.r.random() < 0.35:
                disk = " disk"      # --host: a file on a disk filesystem
        elif self.cat == "swap" and self.disk_r.random() < 0.3:
            # a disk file: pageout drops its clean pages, keeps dirty
            # ones (a stream of its own: the other scripts stay as they
            # were)
            disk = " disk"
        self.emit("file create %s %d%s" % (n, size, disk))
        self.files.append(n)

    def c_file_write(self):
        n = self.fname()
        off = self.r.choice([0, 100, PAGE, PAGE + 7, 3 * PAGE])
        if self.cat == "filemap":
            off = self.r.choice([0, 100, PAGE + 7, 3 * PAGE, 16 * PAGE - 2,
                                 20 * PAGE, 39 * PAGE + 5])
        self.emit('file write %s %d "%s"' % (n, off, self.r.choice(["data", "0123456789"])))

    def c_file_read(self):
        n = self.fname()
        self.emit("file read %s %d %d" % (n, self.r.choice([0, 96, PAGE]), 16))

    def c_file_truncate(self):
        n = self.fname()
        sizes = [0, PAGE, 3 * PAGE, 6000]
        if self.cat == "filemap":
            sizes = [0, PAGE, 6000, 9 * PAGE, 18 * PAGE + 1, 32 * PAGE]
        self.emit("file truncate %s %d" % (n, self.r.choice(sizes)))

    def c_file_rm(self):
        n = self.fname()
        self.emit("file rm %s" % n)
        if n in self.files:
            self.files.remove(n)

    def c_mmap_file(self):
        if not self.files or self.r.random() < 0.1:
            a, ln = self.range()
            self.emit("mmap %s %s %s %s|fixed /dev/zero" %
                      (self.hexa(a), self.hexa(ln), self.r.choice(PROTS),
                       self.r.choice(["shared", "private"])))
            return
        n = self.r.choice(self.files)
        a, ln = self.range()
        off = self.r.choice([0, 0, PAGE, 2 * PAGE])
        if self.cat == "filemap":
            s = self.r.randrange(SLOTS - 4)
            ln = self.r.choice([2, 5, 12, 17, 24]) * PAGE
            ln = min(ln, (SLOTS - s) * PAGE)
            a = self.addr(s)
            off = self.r.choice([0, 0, PAGE, 3 * PAGE, 16 * PAGE, 17 * PAGE])
        extra = ""
        if self.cat == "filemap":
            k = self.r.random()
            extra = "|populate" if k < 0.1 else "|locked" if k < 0.14 else ""
        self.emit("mmap %s %s %s %s|fixed%s %s %d" %
                  (self.hexa(a), self.hexa(ln), self.r.choice(PROTS),
                   self.r.choice(["shared", "shared", "private"]), extra, n, off))
        self.mapped.append((a, ln))

    def c_msync(self):
        a, ln = self.range()
        self.emit("msync %s %s" % (self.hexa(a), self.hexa(ln)))

    # ---- madvise, mlock, high ---------------------------------------------
    def c_madvise_all(self):
        a, ln = self.arange() if self.r.random() < 0.8 else self.range()
        self.emit("madvise %s %s %s" % (self.hexa(a), self.hexa(ln),
                                        self.r.choice(ALL_ADVICE)))

    def c_mlock(self):
        a, ln = self.arange() if self.r.random() < 0.8 else self.range()
        k = self.r.random()
        if k < 0.45:
            self.emit("mlock %s %s" % (self.hexa(a), self.hexa(ln)))
        elif k < 0.6:
            self.emit("mlock %s %s onfault" % (self.hexa(a), self.hexa(ln)))
        elif k < 0.85:
            self.emit("munlock %s %s" % (self.hexa(a), self.hexa(ln)))
        elif k < 0.9:
            self.emit("munlockall")
        else:
            self.emit("mlock %s %s" % (self.hexa(a + self.r.choice([1, 0xfff])),
                                       self.hexa(ln)))

    def c_mseal(self):
        a, ln = self.arange() if self.r.random() < 0.8 else self.range()
        self.emit("mseal %s %s" % (self.hexa(a), self.hexa(ln)))

    def c_high(self):
        """A call at an edge of the 64-bit range.  Only calls that fail
        before changing anything, or stay inside the window, so the
        helper's own mappings are never touched under --host."""
        a = self.r.choice(EDGES)
        if self.r.random() < 0.3:
            a, _ = self.range()
        ln = self.r.choice(LENS)
        k = self.r.randrange(9)
        big = a < BASE or a >= BASE + SLOTS * PAGE or ln > SLOTS * PAGE
        if k in (0, 1) and 0x1000 <= a < 0x10000:
            return      # this machine's vm.mmap_min_addr is 4096, the
            #             model's 65536 (Linux's default): root's sysctl
        if k == 0:
            if big and a + ln < 2 ** 64 and a < 0x7ffffffff000 and \
                    a + ln <= 0x7ffffffff000 and a >= 0x10000:
                return      # would replace the helper's mappings
            self.emit("mmap %s %s rw- private|anon|fixed" % (self.hexa(a), self.hexa(ln)))
        elif k == 1:
            self.emit("mmap %s %s rw- private|anon|fixed_noreplace" %
                      (self.hexa(a), self.hexa(ln))) if a >= 0x7ffffffff000 or \
                a < 0x10000 else None
        elif k == 2:
            if big and a < 0x7ffffffff000 and a + ln <= 0x7ffffffff000 and \
                    a + ln >= a:
                return
            self.emit("munmap %s %s" % (self.hexa(a), self.hexa(ln)))
        elif k == 3:
            if big and a < BASE:
                return      # from below the window: reaches the helper's
            self.emit("mprotect %s %s r--" % (self.hexa(a), self.hexa(ln)))
        elif k == 4:
            if big and a < BASE:
                return
            adv = self.r.choice(["normal", "dontneed", "willneed", "random"])
            if big and (a + ((ln + 0xfff) & ~0xfff)) % 2 ** 64 > a and \
                    a < 0x7ffffffff000:
                return      # a valid range: would advise the helper's VMAs
            self.emit("madvise %s %s %s" % (self.hexa(a), self.hexa(ln), adv))
        elif k == 5:
            self.emit("mremap %s %s %s" % (self.hexa(a), self.hexa(ln),
                                           self.hexa(self.r.choice(LENS))))
        elif k == 6:
            if big and a < BASE:
                return
            self.emit("mlock %s %s" % (self.hexa(a), self.hexa(ln)))
        elif k == 7:
            if big and a < BASE and a + ln > BASE:
                return
            self.emit("mseal %s %s" % (self.hexa(a), self.hexa(ln)))
        else:
            if a >= 0x7ffffffff000 or a < 0x10000:
                self.emit("touch %s" % self.hexa(a))

    # ---- thp --------------------------------------------------------------
    def haddr(self):
        """An address in the thp window: mostly 2 MiB-aligned."""
        w = self.r.randrange(HWIN)
        off = self.r.choice([0, 0, 0, 0, PAGE, 256 * PAGE, 511 * PAGE,
                             self.r.randrange(512) * PAGE])
        return BASE + w * HUGE + off

    def hlen(self):
        return self.r.choice([HUGE, HUGE, 2 * HUGE, 3 * HUGE, PAGE,
                              self.r.randrange(1, 16) * PAGE,
                              HUGE + PAGE, HUGE // 2])

    def t_mmap(self):
        a = BASE + self.r.randrange(HWIN) * HUGE
        if self.r.random() < 0.2:
            a += self.r.choice([PAGE, 256 * PAGE])
        ln = self.r.choice([HUGE, 2 * HUGE, 2 * HUGE, 3 * HUGE, 4 * HUGE])
        prot = self.r.choice(["rw-", "rw-", "rw-", "rw-", "r--"])
        self.emit("mmap %s %s %s private|anon|fixed" % (self.hexa(a),
                                                      self.hexa(ln), prot))
        self.mapped.append((a, ln))
        if self.r.random() < 0.7:
            self.emit("madvise %s %s hugepage" % (self.hexa(a), self.hexa(ln)))

    def t_advise(self):
        adv = self.r.choice(["hugepage", "hugepage", "nohugepage",
                             "dontneed", "dontneed", "collapse", "collapse"])
        self.emit("madvise %s %s %s" % (self.hexa(self.haddr()),
                                        self.hexa(self.hlen()), adv))

    def t_access(self):
        a = self.haddr() + self.r.randrange(0, 4) * PAGE
        k = self.r.random()
        if k < 0.6:
            ln = self.r.choice([1, PAGE, 3 * PAGE, HUGE // 4])
            self.emit("write %s %s %d" % (self.hexa(a), self.hexa(ln),
                                          self.r.randrange(1, 255)))
        elif k < 0.9:
            self.emit("touch %s" % self.hexa(a))
        else:
            self.emit("read %s 16" % self.hexa(a))

    def t_munmap(self):
        self.emit("munmap %s %s" % (self.hexa(self.haddr()),
                                    self.hexa(self.hlen())))

    def t_mprotect(self):
        self.emit("mprotect %s %s %s" % (self.hexa(self.haddr()),
                                         self.hexa(self.hlen()),
                                         self.r.choice(["r--", "rw-", "rw-",
                                                        "---"])))

    def t_mremap(self):
        a, ln = self.haddr(), self.hlen()
        if self.r.random() < 0.3:
            self.emit("mremap %s %s %s" % (self.hexa(a), self.hexa(ln),
                                           self.hexa(self.hlen())))
        else:
            dst = BASE + self.r.randrange(HWIN, 2 * HWIN) * HUGE
            if self.r.random() < 0.3:
                dst += self.r.choice([PAGE, 256 * PAGE])
            self.emit("mremap %s %s %s maymove fixed %s" %
                      (self.hexa(a), self.hexa(ln), self.hexa(ln),
                       self.hexa(dst)))

    def t_cold(self):
        """madvise pageout or cold over a THP range: the whole PMD mostly,
        or part of one (a split)."""
        a = BASE + self.r.randrange(HWIN) * HUGE
        k = self.r.random()
        if k < 0.5:
            ln = self.r.choice([HUGE, HUGE, 2 * HUGE])
        else:
            a += self.r.choice([0, 0, PAGE, 256 * PAGE, 300 * PAGE])
            ln = self.r.choice([PAGE, 16 * PAGE, HUGE // 2, HUGE // 4])
        self.emit("madvise %s %s %s" % (self.hexa(a), self.hexa(ln),
                                        self.r.choice(["pageout", "pageout",
                                                       "cold"])))

    def t_fill(self):
        """Write a whole THP range (no zero-filled page left) or a few
        pages of it."""
        a = BASE + self.r.randrange(HWIN) * HUGE
        if self.r.random() < 0.5:
            self.emit("write %s %s %d" % (self.hexa(a), self.hexa(HUGE),
                                          self.r.randrange(1, 255)))
        else:
            for i in range(self.r.randrange(1, 6)):
                self.emit("write %s 1 %d" % (
                    self.hexa(a + self.r.randrange(512) * PAGE),
                    self.r.randrange(1, 255)))

    def t_smaps(self):
        self.emit("smaps %s" % self.hexa(self.haddr()))

    # ---- mixes ----------------------------------------------------------
    def mix(self):
        vma = [(self.c_mmap_anon, 6), (self.c_munmap, 3), (self.c_mprotect, 3),
               (self.c_mremap, 2), (self.c_madvise, 1), (self.c_bad, 1)]
        acc = [(self.c_touch, 3), (self.c_write, 3), (self.c_read, 2),
               (self.c_smaps_one, 1)]
        frk = [(self.c_fork, 2), (self.c_switch, 2), (self.c_kill, 1),
               (self.c_maps_other, 1), (self.c_clone, 1)]
        fil = [(self.c_file_create, 2), (self.c_file_write, 2),
               (self.c_file_read, 1), (self.c_file_truncate, 1),
               (self.c_file_rm, 1), (self.c_mmap_file, 4), (self.c_msync, 1)]
        if self.cat == "madvise":
            return [(self.c_mmap_anon, 4), (self.c_munmap, 1),
                    (self.c_mprotect, 2), (self.c_madvise_all, 8),
                    (self.c_touch, 3), (self.c_write, 3), (self.c_read, 2),
                    (self.c_smaps_one, 2), (self.c_fork, 1),
                    (self.c_switch, 1), (self.c_file_create, 1),
                    (self.c_mmap_file, 2)]
        if self.cat == "mlock":
            return [(self.c_mmap_anon, 4), (self.c_munmap, 2),
                    (self.c_mprotect, 2), (self.c_mremap, 2),
                    (self.c_mlock, 6), (self.c_mseal, 3),
                    (self.c_madvise_all, 2), (self.c_touch, 2),
                    (self.c_write, 2), (self.c_smaps_one, 2),
                    (self.c_fork, 1), (self.c_switch, 1)]
        if self.cat == "high":
            return vma + [(self.c_high, 10), (self.c_mlock, 1),
                          (self.c_mseal, 1), (self.c_touch, 1)]
        if self.cat == "swap":
            return [(self.c_mmap_private, 3), (self.c_mmap_swapped, 3),
                    (self.c_munmap, 1),
                    (self.c_mprotect, 1), (self.c_mremap_mapped, 1),
                    (self.c_madvise_mapped, 1), (self.c_madvise_swapped, 1),
                    (self.c_touch, 3),
                    (self.c_write, 4), (self.c_read, 1),
                    (self.c_smaps_one, 1), (self.c_pageout, 6),
                    (self.c_fork, 1), (self.c_switch, 2), (self.c_kill, 1),
                    (self.c_file_write, 1), (self.c_file_read, 1),
                    (self.c_file_truncate, 1)]
        if self.cat == "thpswap":
            return [(self.t_mmap, 2), (self.t_advise, 1), (self.t_access, 4),
                    (self.t_fill, 4), (self.t_cold, 6),
                    (self.t_munmap, 2), (self.t_mprotect, 1),
                    (self.t_mremap, 1), (self.t_smaps, 2), (self.c_fork, 1),
                    (self.c_switch, 2), (self.c_kill, 1)]
        if self.cat == "thp":
            return [(self.t_mmap, 2), (self.t_advise, 2), (self.t_access, 8),
                    (self.t_munmap, 2), (self.t_mprotect, 2),
                    (self.t_mremap, 1), (self.t_smaps, 2), (self.c_fork, 1),
                    (self.c_switch, 2), (self.c_kill, 1)]
        if self.cat == "vma":
            return vma
        if self.cat == "fileio":
            return [(f, w) for f, w in fil
                    if f not in (self.c_mmap_file, self.c_msync)]
        if self.cat == "access":
            return vma + acc
        if self.cat == "fork":
            return vma + acc + frk
        if self.cat == "file":
            return [(f, w) for f, w in vma if f != self.c_mmap_anon] + \
                [(self.c_mmap_anon, 2)] + acc + fil
        if self.cat == "filemap":
            return [(self.c_mmap_anon, 1), (self.c_munmap, 1),
                    (self.c_mprotect, 2), (self.c_mremap_mapped, 3),
                    (self.c_madvise_mapped, 2), (self.c_touch, 3),
                    (self.c_write, 3), (self.c_read, 2), (self.c_smaps_one, 1),
                    (self.c_fork, 1), (self.c_switch, 2), (self.c_kill, 1),
                    (self.c_file_create, 1), (self.c_file_write, 2),
                    (self.c_file_read, 1), (self.c_file_truncate, 2),
                    (self.c_file_rm, 1), (self.c_mmap_file, 5),
                    (self.c_msync, 1)]
        return vma + acc + frk + fil

    def script(self):
        self.emit("# vmsh differential test: category %s" % self.cat)
        ops = self.mix()
        total = sum(w for _, w in ops)
        steps = self.r.randrange(8, 24)
        if self.cat == "filemap":
            steps = self.r.randrange(16, 40)
        if self.cat in ("thp", "thpswap"):
            for i in range(self.r.randrange(1, 3)):
                self.t_mmap()
        for i in range(self.r.randrange(1, 3)
                       if self.cat not in ("fileio", "thp", "thpswap")
                       else 0):
            a, ln = self.range()
            self.emit("mmap %s %s rw- private|anon|fixed" % (self.hexa(a), self.hexa(ln)))
            self.mapped.append((a, ln))
        if self.cat in ("file", "fileio", "filemap", "madvise"):
            self.c_file_create()
        if self.cat == "swap":
            steps = self.r.randrange(12, 32)
            self.c_file_create()
            for i in range(self.r.randrange(1, 3)):
                self.c_mmap_swapped()
            for a, ln in self.mapped:
                self.emit("write %s %s" % (self.hexa(a), self.hexa(ln)))
        for i in range(steps):
            x = self.r.randrange(total)
            for f, w in ops:
                if x < w:
                    f()
                    break
                x -= w
            if self.r.random() < 0.15 and self.cat != "fileio":
                self.emit("maps")
        if self.cat == "fileio":
            for n in self.files:
                self.emit("file read %s 0 64" % n)
            return "\n".join(self.lines) + "\n"
        self.emit("maps")
        if self.cat != "vma":
            self.emit("smaps")
        if self.cat in ("fork", "filemap", "mix", "madvise", "mlock", "swap",
                        "thp", "thpswap"):
            for p in self.pids:
                if p != self.cur:
                    self.emit("smaps %d" % p)
        if self.cat in ("madvise", "mlock", "swap"):
            # every page of the window: pagemap bits and kpageflags
            for p in sorted(set(self.pids) | {self.cur}):
                self.emit("pagemap %d %s %s" % (p, self.hexa(BASE),
                                                self.hexa(SLOTS * PAGE)))
        return "\n".join(self.lines) + "\n"


def generate(category, seed):
    return Gen(category, seed).script()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--category", "-c", default="mix", choices=CATEGORIES)
    ap.add_argument("seed", type=int)
    a = ap.parse_args()
    sys.stdout.write(generate(a.category, a.seed))


if __name__ == "__main__":
    main()
