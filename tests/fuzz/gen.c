/* SPDX-License-Identifier: MIT */
/*
 * A structure-aware generator of vmsh scripts: every line is a valid
 * command (valid words; the call may still fail, as calls do), over every
 * command of the table but those that touch the host (source, file
 * load/save, dot to a file, `|`, `>`) or only print help.
 *
 * Every choice is read from a byte source (gen.h): under libFuzzer the
 * input bytes (so its mutations move through valid scripts), in the
 * suite's test a seeded xorshift stream (deterministic).  The script
 * starts with the config header of harness.c (levels, cpus, ram, ...).
 *
 * Addresses come from a window of slots (0x200000000000 + 64K * i, as
 * tests/diff/gen.py), from the variables the script assigned, and from
 * the edges of the address space; lengths from page multiples and edges.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

#define BASE 0x200000000000ULL
#define SLOTS 48

unsigned gen_pick(struct gen_src *s, unsigned n)
{
	uint64_t x;

	if (n <= 1)
		return 0;
	if (s->data) {
		if (s->i >= s->n) {
			s->done = true;
			return 0;
		}
		x = s->data[s->i++];
		if (n > 256 && s->i < s->n)
			x = x << 8 | s->data[s->i++];
		return (unsigned)(x % n);
	}
	/* xorshift64* */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	x = s->rng * 2685821657736338717ULL;
	return (unsigned)((x >> 33) % n);
}

struct gen {
	struct gen_src *s;
	char *buf;
	size_t len, cap;
	int nvars;              /* m0 .. m<nvars-1> may hold addresses */
	int npids;              /* pids 1..npids may exist */
	int nfiles;
};

static void emit(struct gen *g, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(g->buf + g->len, g->cap - g->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= g->cap - g->len) {
		g->buf[g->len] = 0;     /* no room: the line is dropped */
		g->s->done = true;
		return;
	}
	g->len += (size_t)n;
}

static unsigned pick(struct gen *g, unsigned n)
{
	return gen_pick(g->s, n);
}

#define ONE_OF(g, arr) ((arr)[pick(g, sizeof(arr) / sizeof((arr)[0]))])

static const char *const edges[] = {
	"0", "0x1000", "0x10000", "0x7ffffffff000", "0x800000000000",
	"0xfffffffffffff000", "0x8000000000000000", "0xffffffffffffffff",
	"0x100000000000000", "0x7fffffffe000",
};
static const char *const edge_lens[] = {
	"0", "1", "0xfff", "0x800000000000", "0xfffffffffffff000",
	"0xffffffffffffffff", "0x8000000000000000", "1T",
};

/* An address: a slot of the window, a variable, NULL or an edge. */
static void addr(struct gen *g)
{
	unsigned k = pick(g, 16);

	if (k < 9)
		emit(g, "0x%llx", (unsigned long long)(BASE + 0x10000ULL * pick(g, SLOTS) +
						      0x1000ULL * (pick(g, 4) ? 0 : pick(g, 16))));
	else if (k < 13 && g->nvars)
		emit(g, "$m%u%s", pick(g, (unsigned)g->nvars),
		     pick(g, 4) ? "" : (pick(g, 2) ? "+4K" : "+8K"));
	else if (k < 15)
		emit(g, "%s", ONE_OF(g, edges));
	else
		emit(g, "0x%llx", (unsigned long long)(BASE + 0x10000ULL * pick(g, SLOTS) +
						      pick(g, 4096)));
}

static void len(struct gen *g)
{
	static const char *const lens[] = {
		"4K", "8K", "12K", "16K", "32K", "64K", "128K", "2M", "4M", "1",
		"100", "4097",
	};
	unsigned k = pick(g, 12);

	if (k < 6)
		emit(g, "%s", ONE_OF(g, lens));
	else if (k < 11)
		emit(g, "0x%x", 0x1000 * (1 + pick(g, 40)));
	else
		emit(g, "%s", ONE_OF(g, edge_lens));
}

static void prot(struct gen *g)
{
	static const char *const prots[] = {
		"rw-", "r--", "---", "r-x", "rwx", "none", "-w-", "PROT_READ|PROT_WRITE",
	};

	emit(g, "%s", ONE_OF(g, prots));
}

static void file_name(struct gen *g)
{
	emit(g, "f%u", pick(g, (unsigned)(g->nfiles + 1)));
}

static void g_mmap(struct gen *g)
{
	static const char *const extra[] = {
		"", "", "", "|fixed", "|fixed", "|noreplace", "|populate",
		"|noreserve", "|locked", "|growsdown", "|fixed|populate",
		"|populate|locked",
	};
	static const char *const devs[] = {
		"/dev/zero", "/dev/vmsh-pfn", "/dev/vmsh-lazy",
	};
	unsigned kind = pick(g, 10);
	bool assign = pick(g, 3) != 0;

	if (assign)
		emit(g, "m%d = ", g->nvars < 16 ? g->nvars++ : (int)pick(g, 16));
	emit(g, "mmap ");
	if (pick(g, 3))
		addr(g);
	else
		emit(g, "NULL");
	emit(g, " ");
	len(g);
	emit(g, " ");
	prot(g);
	emit(g, " %s", pick(g, 3) ? "private" : "shared");
	if (kind < 6) {
		emit(g, "|anon%s\n", ONE_OF(g, extra));
		return;
	}
	emit(g, "%s ", ONE_OF(g, extra));
	if (kind < 9)
		file_name(g);
	else
		emit(g, "%s", ONE_OF(g, devs));
	if (pick(g, 2))
		emit(g, " 0x%x", 0x1000 * pick(g, 8) + (pick(g, 8) ? 0 : 1));
	emit(g, "\n");
}

static void range(struct gen *g, const char *cmd)
{
	emit(g, "%s ", cmd);
	addr(g);
	emit(g, " ");
	len(g);
}

static void g_madvise(struct gen *g)
{
	static const char *const adv[] = {
		"normal", "random", "sequential", "willneed", "dontneed",
		"dontneed_locked", "free", "remove", "dontfork", "dofork",
		"wipeonfork", "keeponfork", "mergeable", "unmergeable", "hugepage",
		"nohugepage", "collapse", "dontdump", "dodump", "cold", "pageout",
		"populate_read", "populate_write", "guard_install", "guard_remove",
		"hwpoison", "soft_offline", "5", "26", "104",
	};

	range(g, "madvise");
	emit(g, " %s\n", ONE_OF(g, adv));
}

static void g_mremap(struct gen *g)
{
	if (pick(g, 2))
		emit(g, "m%d = ", g->nvars < 16 ? g->nvars++ : (int)pick(g, 16));
	emit(g, "mremap ");
	addr(g);
	emit(g, " ");
	len(g);
	emit(g, " ");
	len(g);
	switch (pick(g, 4)) {
	case 0:
		break;
	case 1:
		emit(g, " maymove");
		break;
	default:
		emit(g, " maymove fixed ");
		addr(g);
		break;
	}
	emit(g, "\n");
}

static void g_access(struct gen *g)
{
	static const char *const strs[] = {
		"\"hello\"", "\"a\\x00b\"", "\"\\n\\t\"", "\"xyz\"",
	};

	switch (pick(g, 4)) {
	case 0:
		emit(g, "touch ");
		addr(g);
		if (pick(g, 2)) {
			emit(g, " ");
			len(g);
		}
		break;
	case 1:
		emit(g, "write ");
		addr(g);
		emit(g, " %s", ONE_OF(g, strs));
		break;
	case 2:
		emit(g, "write ");
		addr(g);
		emit(g, " 0x%x", 1 + pick(g, 0x6000));
		if (pick(g, 2))
			emit(g, " 0x%x", pick(g, 256));
		break;
	default:
		emit(g, "read ");
		addr(g);
		emit(g, " %u", 1 + pick(g, 64));
		break;
	}
	emit(g, "\n");
}

static void g_task(struct gen *g)
{
	switch (pick(g, 9)) {
	case 0: case 1:
		if (g->npids < 24) {
			emit(g, "fork\n");
			g->npids++;
		}
		break;
	case 2:
		if (g->npids < 24) {
			emit(g, "clone vm\n");
			g->npids++;
		}
		break;
	case 3:
		if (g->npids < 24) {
			emit(g, "kthread\n");
			g->npids++;
		}
		break;
	case 4:
		emit(g, "execve\n");
		break;
	case 5:
		emit(g, "kill %u\n", 1 + pick(g, (unsigned)g->npids + 1));
		break;
	case 6:
		emit(g, "kill\n");
		break;
	default:
		emit(g, "switch %u", 1 + pick(g, (unsigned)g->npids + 1));
		if (pick(g, 2))
			emit(g, " %u", pick(g, 4));
		emit(g, "\n");
		break;
	}
}

static void g_file(struct gen *g)
{
	switch (pick(g, 7)) {
	case 0: case 1:
		emit(g, "file create f%u 0x%x%s\n",
		     g->nfiles < 4 ? (unsigned)g->nfiles++ : pick(g, 4),
		     0x1000 * pick(g, 24) + (pick(g, 6) ? 0 : 123),
		     pick(g, 3) ? "" : " disk");
		break;
	case 2:
		emit(g, "file write ");
		file_name(g);
		emit(g, " %u \"data%u\"\n", pick(g, 0x8000), pick(g, 10));
		break;
	case 3:
		emit(g, "file truncate ");
		file_name(g);
		emit(g, " 0x%x\n", 0x800 * pick(g, 40));
		break;
	case 4:
		emit(g, "file read ");
		file_name(g);
		emit(g, " %u %u\n", pick(g, 0x4000), 1 + pick(g, 32));
		break;
	case 5:
		emit(g, "file rm ");
		file_name(g);
		emit(g, "\n");
		break;
	default:
		emit(g, "file ls\n");
		break;
	}
}

static void g_view(struct gen *g)
{
	static const char *const views[] = {
		"maps", "smaps", "vmas", "pt", "tree", "mt", "mm", "tlb",
		"meminfo", "frames", "stat", "ps", "dev", "check", "dot tree -",
		"dot pt -", "dot vmas -", "dot mt -", "file ls", "lru",
		"lru inactive_anon", "lru active_anon", "lru inactive_file",
		"lru active_file", "lru unevictable", "khugepaged", "limits",
	};
	unsigned nv = sizeof(views) / sizeof(views[0]);
	unsigned k = pick(g, nv + 6);

	if (k < nv) {
		emit(g, "%s\n", views[k]);
	} else if (k == nv) {
		emit(g, "walk ");
		addr(g);
		emit(g, "\n");
	} else if (k == nv + 1) {
		emit(g, "smaps %u\n", 1 + pick(g, (unsigned)g->npids));
	} else if (k == nv + 2) {
		emit(g, "pt ");
		addr(g);
		emit(g, " 64K\n");
	} else if (k == nv + 3) {
		emit(g, "assert vmas() >= 0\n");
	} else if (k == nv + 4) {
		emit(g, "limits %u\n", 1 + pick(g, (unsigned)g->npids));
	} else {
		emit(g, "maps %u\n", 1 + pick(g, (unsigned)g->npids));
	}
}

/* A `set` that builds a new machine: no tasks but pid 1, no files, no
 * variables after it. */
static void new_machine(struct gen *g)
{
	g->npids = 1;
	g->nfiles = 0;
	g->nvars = 0;
}

static void g_set(struct gen *g)
{
	static const char *const sets[] = {
		"set thp always", "set thp never", "set thp madvise",
		"set zero-page on", "set zero-page off", "set fault-around 0",
		"set fault-around 65536", "set fault-around 16K",
		"set max-map-count 8", "set max-map-count 65530",
		"set swap 1M", "set cpus 2", "set levels 5", "set levels 3",
		"set ram 8M", "set tlb 16", "set pcid on", "reset",
		"swapon 512K", "swapon", "swapoff", "mlockall current",
		"mlockall future", "mlockall current|onfault", "munlockall",
		"set memlock-limit 16K", "set memlock-limit 8M",
		"set memlock-limit 0", "set aslr on", "set aslr 7", "set aslr off",
		"set lazy-flush on", "set lazy-flush off", "set thp-zero-page off",
		"set thp-zero-page on", "set levels 2", "set ram 2M", "set swap 0",
		"set replace lru", "set replace clock", "set replace fifo",
		"set replace random", "set user-frames 3", "set user-frames 64",
		"set tlb 8:2", "set pcid off", "set cpus 1",
	};
	static const char *const rebuild[] = {
		"set levels", "set ram", "set cpus", "set swap", "set tlb",
		"set pcid", "set replace", "set user-frames", "reset",
	};
	const char *line = g->buf + g->len;

	emit(g, "%s\n", ONE_OF(g, sets));
	for (size_t i = 0; i < sizeof(rebuild) / sizeof(rebuild[0]); i++)
		if (!strncmp(line, rebuild[i], strlen(rebuild[i])))
			new_machine(g);
}

/* setrlimit [PID] RESOURCE SOFT [HARD] */
static void g_rlimit(struct gen *g)
{
	static const char *const res[] = {
		"as", "data", "stack", "memlock", "nofile", "core", "nproc",
		"RLIMIT_AS", "rttime",
	};
	static const char *const vals[] = {
		"unlimited", "0", "4K", "64K", "132K", "200K", "1M", "16M",
		"1G", "0x7fffffffffffffff", "4096",
	};

	emit(g, "setrlimit ");
	if (!pick(g, 4))
		emit(g, "%u ", 1 + pick(g, (unsigned)g->npids));
	emit(g, "%s %s", ONE_OF(g, res), ONE_OF(g, vals));
	if (pick(g, 3))
		emit(g, " %s", ONE_OF(g, vals));
	emit(g, "\n");
}

static void g_layout(struct gen *g)
{
	switch (pick(g, 4)) {
	case 0:
		emit(g, "layout stack 0x%llx 0x%llx\n",
		     (unsigned long long)(0x7ff000000000ULL),
		     (unsigned long long)(0x7ff000000000ULL + 0x21000));
		break;
	case 1:
		emit(g, "layout brk 0x%llx\n", (unsigned long long)(0x555555000000ULL));
		break;
	case 2:
		emit(g, "layout mmap_base 0x%llx\n", (unsigned long long)(0x7f0000000000ULL));
		break;
	default:
		emit(g, "layout special [vdso] 0x7fff00000000 0x7fff00002000\n");
		break;
	}
}

/*
 * More stories: transparent huge pages (fault, COW after fork, a split by
 * mprotect or munmap, mremap, collapse, reclaim), a file truncated while
 * mapped and dirty (disk and tmpfs, inside large folios, to 0 and back up,
 * beyond a mapping: SIGBUS), memory under pressure (meminfo, the LRU
 * lists, swap) and the resource limits (as, data, stack).  Each works in a
 * 2 MiB-aligned place of its own, 1 GiB above the slots.
 */
static void g_story2(struct gen *g, unsigned k)
{
	unsigned long long h = BASE + 0x40000000ULL + 0x400000ULL * pick(g, 8);
	unsigned long long t = BASE + 0x60000000ULL + 0x400000ULL * pick(g, 4);

	if (k == 0) {
		/* THP */
		if (pick(g, 2))
			emit(g, "set thp always\n");
		emit(g, "mmap 0x%llx %s rw- private|anon|fixed\n", h,
		     pick(g, 2) ? "4M" : "2M");
		if (pick(g, 2))
			emit(g, "madvise 0x%llx 2M hugepage\n", h);
		emit(g, "%s 0x%llx %s\n", pick(g, 2) ? "touch" : "write", h,
		     pick(g, 2) ? "8K" : "2M");
		switch (pick(g, 8)) {
		case 0:
			emit(g, "fork\n");
			g->npids++;
			emit(g, "write 0x%llx 4K 0x5a\n", h + 0x1000 * pick(g, 512));
			break;
		case 1:
			emit(g, "mprotect 0x%llx 0x%x r--\n", h + 0x1000 * pick(g, 512),
			     0x1000 * (1 + pick(g, 8)));
			break;
		case 2:
			emit(g, "munmap 0x%llx 0x%x\n", h + 0x1000 * pick(g, 512),
			     0x1000 * (1 + pick(g, 64)));
			break;
		case 3:
			emit(g, "mremap 0x%llx 2M %s maymove fixed 0x%llx\n", h,
			     pick(g, 2) ? "2M" : "4M", t);
			break;
		case 4:
			emit(g, "madvise 0x%llx 0x%x %s\n", h + 0x1000 * pick(g, 512),
			     0x1000 * (1 + pick(g, 16)),
			     pick(g, 2) ? "dontneed" : (pick(g, 2) ? "free" : "cold"));
			break;
		case 5:
			emit(g, "munmap 0x%llx 4K\n", h + 0x1000 * pick(g, 512));
			emit(g, "touch 0x%llx 2M\n", h);
			emit(g, "%s\n", pick(g, 2) ? "khugepaged" : "khugepaged");
			emit(g, "madvise 0x%llx 2M collapse\n", h);
			break;
		case 6:
			emit(g, "swapon 1M\n");
			emit(g, "madvise 0x%llx 2M pageout\n", h);
			emit(g, "touch 0x%llx 4K\n", h + 0x1000 * pick(g, 512));
			break;
		default:
			emit(g, "mlock 0x%llx 2M\n", h);
			emit(g, "mremap 0x%llx 2M 0x%x\n", h, 0x1000 * (1 + pick(g, 600)));
			break;
		}
		emit(g, "%s\n", pick(g, 2) ? "smaps" : "check");
	} else if (k == 1) {
		/* truncate under a dirty mapping */
		unsigned f = g->nfiles < 4 ? (unsigned)g->nfiles++ : pick(g, 4);
		bool disk = pick(g, 2);

		emit(g, "file create f%u %s%s\n", f, pick(g, 2) ? "2M" : "96K",
		     disk ? " disk" : "");
		emit(g, "mmap 0x%llx 2M %s %s|fixed f%u\n", h,
		     pick(g, 4) ? "rw-" : "r--", pick(g, 3) ? "shared" : "private", f);
		emit(g, "madvise 0x%llx 512K %s\n", h,
		     pick(g, 2) ? "sequential" : "willneed");
		emit(g, "touch 0x%llx 256K\n", h);
		emit(g, "write 0x%llx 0x%x 0x%x\n", h + 0x1000 * pick(g, 24),
		     0x100 * (1 + pick(g, 64)), pick(g, 256));
		if (pick(g, 2))
			emit(g, "fork\n"), g->npids++;
		if (pick(g, 2))
			emit(g, "msync 0x%llx 64K\n", h);
		emit(g, "file truncate f%u 0x%x\n", f,
		     pick(g, 3) ? 0x1000 * pick(g, 40) + pick(g, 2) * 0x123 : 0);
		emit(g, "read 0x%llx 8\n", h + 0x1000 * pick(g, 64));
		if (pick(g, 2)) {
			emit(g, "file truncate f%u 0x%x\n", f, 0x1000 * (1 + pick(g, 128)));
			emit(g, "touch 0x%llx 64K\n", h + 0x10000 * pick(g, 8));
		}
		if (pick(g, 2))
			emit(g, "madvise 0x%llx 0x%x remove\n", h, 0x1000 * (1 + pick(g, 16)));
		if (pick(g, 2))
			emit(g, "file read f%u %u 32\n", f, pick(g, 0x20000));
		emit(g, "%s\n", pick(g, 2) ? "meminfo" : "lru inactive_file");
	} else if (k == 2) {
		/* memory pressure: a small machine, swap, anon and file */
		emit(g, "set ram %s\n", pick(g, 2) ? "2M" : "4M");
		new_machine(g);
		if (pick(g, 2))
			emit(g, "swapon %s\n", pick(g, 2) ? "1M" : "4M");
		emit(g, "file create f0 1M%s\n", pick(g, 2) ? " disk" : "");
		g->nfiles = 1;
		emit(g, "mmap 0x%llx 1M rw- shared|fixed f0\n", t);
		emit(g, "mmap 0x%llx 3M rw- private|anon|fixed\n", h);
		emit(g, "write 0x%llx 3M 0x%x\n", h, pick(g, 256));
		emit(g, "touch 0x%llx 1M\n", t);
		emit(g, "write 0x%llx 64K 0x33\n", t);
		if (pick(g, 2))
			emit(g, "fork\n"), g->npids++;
		emit(g, "meminfo\n");
		emit(g, "lru\n");
		emit(g, "madvise 0x%llx 1M %s\n", h, pick(g, 2) ? "pageout" : "cold");
		emit(g, "touch 0x%llx 3M\n", h);
		emit(g, "%s\n", pick(g, 2) ? "meminfo" : "stat");
		if (pick(g, 2))
			emit(g, "swapoff\n");
	} else if (k == 3) {
		/* resource limits */
		emit(g, "setrlimit as %s\n", pick(g, 2) ? "4M" : "200K");
		emit(g, "mmap 0x%llx 2M r-- private|anon|fixed\n", h);
		emit(g, "mmap 0x%llx 4M rw- private|anon|fixed\n", h + 0x100000);
		emit(g, "brk 0x%llx\n", 0x555555559000ULL + 0x1000ULL * pick(g, 600));
		emit(g, "mremap 0x%llx 1M 3M\n", h);
		emit(g, "setrlimit as unlimited\n");
		emit(g, "setrlimit data %s\n", pick(g, 2) ? "0" : "64K");
		emit(g, "mprotect 0x%llx 1M rw-\n", h);
		emit(g, "mmap 0x%llx 128K rw- private|anon|fixed\n", t);
		emit(g, "setrlimit stack %s\n", pick(g, 2) ? "64K" : "16K");
		emit(g, "mmap 0x%llx 16K rw- private|anon|fixed|growsdown\n", t + 0x200000);
		emit(g, "touch 0x%llx\n", t + 0x200000 - 0x1000 * pick(g, 20));
		if (pick(g, 2))
			emit(g, "fork\n"), g->npids++;
		emit(g, "limits\n");
	} else if (k == 5) {
		/* a disk file read ahead in large folios (a fault in the
		 * marked folio starts async readahead, order + 2 each time),
		 * truncated inside one: the folio is split there */
		unsigned f = g->nfiles < 4 ? (unsigned)g->nfiles++ : pick(g, 4);

		emit(g, "file create f%u 800K disk\n", f);
		if (pick(g, 2))
			emit(g, "file read f%u 0 16\nfile read f%u 4096 16\n", f, f);
		emit(g, "mmap 0x%llx 800K %s shared|fixed f%u\n", h,
		     pick(g, 2) ? "r--" : "rw-", f);
		emit(g, "touch 0x%llx\ntouch 0x%llx\n", h, h + 0x5000);
		emit(g, "touch 0x%llx %s\n", h, pick(g, 2) ? "800K" : "256K");
		if (pick(g, 2))
			emit(g, "write 0x%llx 0x%x 0x%x\n", h + 0x1000 * pick(g, 100),
			     0x80 * (1 + pick(g, 64)), pick(g, 256));
		if (pick(g, 3) == 0)
			emit(g, "fork\n"), g->npids++;
		emit(g, "file truncate f%u 0x%x\n", f,
		     0x1000 * pick(g, 200) + (pick(g, 2) ? 0x123 * (1 + pick(g, 8)) : 0));
		if (pick(g, 2))
			emit(g, "file truncate f%u 0x%x\n", f, 0x1000 * pick(g, 100));
		emit(g, "touch 0x%llx 64K\n", h + 0x10000 * pick(g, 12));
		emit(g, "%s\n", pick(g, 2) ? "lru inactive_file" : "smaps");
	} else {
		/* shmem and tmpfs pages, punched and truncated */
		unsigned f = g->nfiles < 4 ? (unsigned)g->nfiles++ : pick(g, 4);

		emit(g, "file create f%u 512K\n", f);
		emit(g, "mmap 0x%llx 512K rw- shared|fixed f%u\n", h, f);
		emit(g, "mmap 0x%llx 256K rw- shared|anon|fixed\n", t);
		emit(g, "write 0x%llx 512K 0x%x\n", h, pick(g, 256));
		emit(g, "write 0x%llx 256K\n", t);
		emit(g, "madvise 0x%llx 0x%x remove\n", h + 0x1000 * pick(g, 64),
		     0x1000 * (1 + pick(g, 32)));
		emit(g, "madvise 0x%llx 64K %s\n", t, pick(g, 2) ? "remove" : "pageout");
		emit(g, "file truncate f%u 0x%x\n", f, 0x1000 * pick(g, 200));
		emit(g, "touch 0x%llx 512K\n", h);
		emit(g, "meminfo\n");
	}
}

/*
 * Short coherent stories the random mix rarely tells: memory swapped out
 * and back in (by a touch, a write, a fork, swapoff), a file truncated
 * under its mappings (into large folios read ahead), copy-on-write after
 * fork.  Each uses a slot of its own in the window.
 */
static void g_story(struct gen *g)
{
	unsigned long long a = BASE + 0x10000ULL * (SLOTS + pick(g, 16));
	unsigned k = pick(g, 9);

	if (k >= 3) {
		g_story2(g, k - 3);
		return;
	}

	if (k == 0) {
		emit(g, "%s\n", pick(g, 2) ? "swapon 1M" : "set swap 1M");
		if (strstr(g->buf + g->len - 12, "set swap"))
			new_machine(g);
		emit(g, "mmap 0x%llx 64K rw- %s fixed\n", a,
		     pick(g, 3) ? "private|anon|" : "shared|anon|");
		emit(g, "write 0x%llx 0x%x 0x%x\n", a, 0x1000 * (1 + pick(g, 16)), pick(g, 256));
		if (pick(g, 2))
			emit(g, "fork\n"), g->npids++;
		emit(g, "madvise 0x%llx 64K %s\n", a, pick(g, 4) ? "pageout" : "cold");
		switch (pick(g, 5)) {
		case 0: emit(g, "touch 0x%llx 64K\n", a); break;
		case 1: emit(g, "write 0x%llx 8K 0x11\n", a + 0x1000); break;
		case 2: emit(g, "fork\n"); g->npids++; emit(g, "write 0x%llx 4K\n", a); break;
		case 3: emit(g, "munmap 0x%llx 16K\n", a); break;
		default: emit(g, "read 0x%llx 16\n", a); break;
		}
		if (pick(g, 2))
			emit(g, "swapoff\n");
	} else if (k == 1) {
		unsigned f = g->nfiles < 4 ? (unsigned)g->nfiles++ : pick(g, 4);

		emit(g, "file create f%u %s%s\n", f, pick(g, 2) ? "256K" : "64K",
		     pick(g, 2) ? " disk" : "");
		emit(g, "file write f%u %u \"some data\"\n", f, pick(g, 0x10000));
		emit(g, "mmap 0x%llx 256K %s %s|fixed f%u\n", a,
		     pick(g, 2) ? "rw-" : "r--", pick(g, 2) ? "shared" : "private", f);
		if (pick(g, 2))
			emit(g, "touch 0x%llx 64K\n", a);
		else
			emit(g, "madvise 0x%llx 64K willneed\n", a);
		if (pick(g, 2))
			emit(g, "write 0x%llx 100\n", a + 0x2000);
		emit(g, "file truncate f%u 0x%x\n", f, 0x800 * pick(g, 40) + (pick(g, 2) ? 0 : 7));
		emit(g, "touch 0x%llx 64K\n", a);
		if (pick(g, 2))
			emit(g, "madvise 0x%llx 16K remove\n", a);
		if (pick(g, 2))
			emit(g, "file truncate f%u 256K\n", f);
	} else {
		emit(g, "mmap 0x%llx 32K rw- private|anon|fixed\n", a);
		emit(g, "write 0x%llx 32K 0x%x\n", a, pick(g, 256));
		emit(g, "fork\n");
		g->npids++;
		emit(g, "write 0x%llx 4K\n", a + 0x1000 * pick(g, 8));
		emit(g, "switch %u\n", 1 + pick(g, (unsigned)g->npids));
		if (pick(g, 2))
			emit(g, "mprotect 0x%llx 8K r--\n", a);
		else
			emit(g, "munmap 0x%llx 8K\n", a);
	}
}

static void header(struct gen *g)
{
	/* harness.c's config header: a marker byte, then levels, cpus,
	 * ram and the flag byte; as printable as a text script allows */
	uint8_t h[7] = { 0x01 };

	for (int i = 1; i < 5; i++)
		h[i] = (uint8_t)pick(g, 256);
	/* keep them off '\n' and NUL: a header is one line of its own */
	for (int i = 1; i < 5; i++)
		if (h[i] == '\n' || h[i] == 0)
			h[i] = 0x7f;
	/* --replace (a third of the scripts: '1'-'5') and --user-frames
	 * 1-64 ('@' + 0-63) */
	h[5] = (uint8_t)('0' + (pick(g, 3) ? 0 : 1 + pick(g, 5)));
	h[6] = (uint8_t)('@' + pick(g, 64));
	memcpy(g->buf + g->len, h, 7);
	g->len += 7;
	g->buf[g->len++] = '\n';
	g->buf[g->len] = 0;
}

size_t gen_script(struct gen_src *s, char *buf, size_t cap, unsigned max_lines)
{
	struct gen g = { .s = s, .buf = buf, .cap = cap, .npids = 1 };

	if (cap < 64)
		return 0;
	buf[0] = 0;
	header(&g);
	for (unsigned n = 0; n < max_lines && !s->done && g.cap - g.len > 256; n++) {
		unsigned k = pick(&g, 100);

		if (k < 22)
			g_mmap(&g);
		else if (k < 28)
			range(&g, "munmap"), emit(&g, "\n");
		else if (k < 34)
			range(&g, "mprotect"), emit(&g, " "), prot(&g), emit(&g, "\n");
		else if (k < 39)
			g_mremap(&g);
		else if (k < 46)
			g_madvise(&g);
		else if (k < 49)
			range(&g, "mlock"), emit(&g, pick(&g, 2) ? " onfault\n" : "\n");
		else if (k < 51)
			range(&g, "munlock"), emit(&g, "\n");
		else if (k < 53)
			range(&g, "mseal"), emit(&g, "\n");
		else if (k < 55)
			range(&g, "msync"), emit(&g, "\n");
		else if (k < 57) {
			emit(&g, "brk");
			if (pick(&g, 3))
				emit(&g, " 0x%llx", 0x555555559000ULL + 0x1000ULL * pick(&g, 300));
			emit(&g, "\n");
		} else if (k < 72)
			g_access(&g);
		else if (k < 80)
			g_task(&g);
		else if (k < 86)
			g_file(&g);
		else if (k < 93)
			g_view(&g);
		else if (k < 95)
			g_set(&g);
		else if (k < 96)
			g_rlimit(&g);
		else if (k < 99)
			g_story(&g);
		else
			g_layout(&g);
	}
	return g.len;
}
