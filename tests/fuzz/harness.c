/* SPDX-License-Identifier: MIT */
/*
 * One fuzz input run through the shell (gen.h states the contract):
 *  - the machine comes from the input's first bytes (a 0x01 header line);
 *  - the invariant checker runs after every command and on every machine
 *    that `set`/`reset` throws away;
 *  - the property of issue 14: a command that fails changes nothing a
 *    view shows (maps, smaps, vmas, pt and mm of every task, frames,
 *    files, ps).
 *
 * Calls that Linux documents as changing part of the range before it
 * fails are exempt from the property (each checked against mm/ in Linux
 * 6.18):
 *  - madvise: it advises every VMA of the range, skipping holes, and
 *    returns ENOMEM at the end for the holes (madvise(2): "applies the
 *    call to the rest"); an advice refused by one VMA (EINVAL, EPERM,
 *    EAGAIN...) stops the walk after the VMAs before it were advised
 *    (madvise_walk_vmas);
 *  - mprotect: mprotect_fixup runs VMA by VMA, so a hole (ENOMEM), a VMA
 *    that refuses the protection (EACCES) or running out of memory
 *    leaves the VMAs before it changed (do_mprotect_pkey);
 *  - mlock, munlock, mlockall: apply_vma_lock_flags changes VMA by VMA;
 *    the population after it (ENOMEM/EAGAIN when memory runs out) keeps
 *    what it locked and faulted (mlock(2): "Some of the specified
 *    address range does not correspond to mapped pages");
 *  - msync: it writes back the mapped parts of the range and returns
 *    ENOMEM for the holes (msync(2): "or part of it was not mapped");
 *  - touch, write, read: an access that faults stops after the bytes it
 *    did (the pages it faulted in stay);
 *  - swapoff: pages brought back before it ran out of memory stay in;
 *  - anything during which reclaim (or the OOM killer) ran, as the
 *    stat counters pgscan*, pgsteal*, pswpout and oom_kill show: the
 *    aging, writeback and swap-out it did are the allocator's, not the
 *    failed call's (a tmpfs write that fails ENOSPC after reclaim);
 *  - fork out of memory: the parent's anonymous pages that dup_mmap had
 *    already shared with the child stay non-exclusive (exempt());
 *  - mmap MAP_FIXED of a file or device whose ->mmap fails: the old
 *    mappings' PTEs were cleared before the driver was asked, so
 *    vms_abort_munmap_vmas() leaves a gap where they were ("the old
 *    failure method of leaving a gap", mm/vma.h);
 *  - mremap ... fixed NEWADDR: mremap_to() unmaps [NEWADDR, +NEWLEN) and
 *    shrinks the old mapping before resize_is_valid() and the placement
 *    check (EPERM below mmap_min_addr, EFAULT, ENOMEM...) can fail
 *    (mm/mremap.c);
 *  - a VMA split that stays (and nothing else: the maps with split
 *    VMAs joined, the page tables, frames and files as before) after
 *    EPERM or ENOMEM: see split_only();
 *  - mmap with populate or locked over memory that runs out: the mapping
 *    stays (MAP_POPULATE does not fail; mm_populate's errors are
 *    ignored), so mmap does not fail there and needs no exemption.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmsh/replace.h"

#include "gen.h"
#include "shell.h"

static FILE *null_out(void)
{
	static FILE *null;

	if (!null)
		null = fopen("/dev/null", "w");
	if (!null)
		abort();
	return null;
}

/* The script being run, for the report of a broken rule. */
static const uint8_t *cur_data;
static size_t cur_size;
static struct shell *cur_sh;
char harness_label[64];

static void __attribute__((noreturn)) broken(const char *what, const char *cmd,
					     const char *detail)
{
	fflush(stdout);
	fprintf(stderr, "fuzz: %s%s%s\n  after: %s (%s)\n%s\n--- the script:\n",
		what, harness_label[0] ? " in " : "", harness_label, cmd,
		cur_sh && cur_sh->last.err ? errno_name(cur_sh->last.err) : "no errno",
		detail);
	fwrite(cur_data, 1, cur_size, stderr);
	fputs("\n---\n", stderr);
	abort();
}

static void check_machine(struct shell *sh, const char *cmd)
{
	struct backend_view_args check = { 0 };
	char *msg = NULL;
	size_t msglen = 0;
	FILE *report = open_memstream(&msg, &msglen);
	int bad;

	if (!report)
		abort();
	bad = sh->be->ops->model->view(sh->be, BV_CHECK, &check, report);
	fclose(report);
	if (bad > 0)
		broken("a broken invariant", cmd, msg);
	free(msg);
}

static void check_discard(struct shell *sh)
{
	check_machine(sh, "(the machine set/reset throws away)");
}

/* The first line where @a and @b part, for the report. */
static void first_difference(const char *a, const char *b, char *out, size_t size)
{
	size_t line = 1, i = 0, sa = 0;

	while (a[i] && a[i] == b[i]) {
		if (a[i] == '\n') {
			line++;
			sa = i + 1;
		}
		i++;
	}
	snprintf(out, size, "line %zu of the views:\n  before: %.*s\n  after:  %.*s",
		 line, (int)strcspn(a + sa, "\n"), a + sa,
		 (int)strcspn(b + sa, "\n"), b + sa);
}

/* @maps (the text of /proc/PID/maps) with every VMA that continues the
 * one before it (same end and start, perms, device, inode, name, offset
 * going on) joined to it, appended to @f. */
static void merged_maps(const char *maps, FILE *f)
{
	unsigned long long ps = 0, pe = 0, poff = 0;
	char pperm[8] = "", prest[512] = "";
	bool have = false;

	for (const char *l = maps; *l; ) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		char line[600], perm[8], rest[512] = "";
		unsigned long long st, en, off;

		snprintf(line, sizeof(line), "%.*s", (int)(n < 599 ? n : 599), l);
		l += n + (nl ? 1 : 0);
		if (sscanf(line, "%llx-%llx %7s %llx %511[^\n]", &st, &en, perm, &off,
			   rest) < 4)
			continue;
		/* [heap] names a VMA by where it lies (show_map_vma: it
		 * overlaps [start_brk, brk]), so the pieces of a split one
		 * differ in it: no part of the joined VMA */
		{
			size_t r = strlen(rest);

			if (r >= 6 && !strcmp(rest + r - 6, "[heap]"))
				r -= 6;
			while (r && rest[r - 1] == ' ')
				r--;
			rest[r] = 0;
		}
		if (have && st == pe && !strcmp(perm, pperm) && !strcmp(rest, prest) &&
		    (off == poff + (pe - ps) || (!off && !poff))) {
			pe = en;
			continue;
		}
		if (have)
			fprintf(f, "%llx-%llx %s %llx %s\n", ps, pe, pperm, poff, prest);
		ps = st;
		pe = en;
		poff = off;
		snprintf(pperm, sizeof(pperm), "%s", perm);
		snprintf(prest, sizeof(prest), "%s", rest);
		have = true;
	}
	if (have)
		fprintf(f, "%llx-%llx %s %llx %s\n", ps, pe, pperm, poff, prest);
}

#define SNAP_PIDS 64

/* Everything a view shows of the machine, as text: the global views and,
 * per task, maps, smaps, vmas, mm and pt. */
struct snap {
	char *global;
	char *maps[SNAP_PIDS + 1], *rest[SNAP_PIDS + 1], *pt[SNAP_PIDS + 1];
	uint64_t reclaim;       /* pages reclaim scanned, swapped, OOM kills */
};

/* The stat counters that move when reclaim (or the OOM killer) ran. */
static uint64_t reclaim_count(struct shell *sh)
{
	const struct backend_model_ops *m = sh->be->ops->model;
	struct backend_view_args a = { 0 };
	char *buf = NULL, *l;
	uint64_t n = 0;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	m->view(sh->be, BV_STAT, &a, f);
	fclose(f);
	for (l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		unsigned long long v;
		char name[64];

		if (sscanf(l, "%63s %llu", name, &v) == 2 &&
		    (!strncmp(name, "pgscan", 6) || !strncmp(name, "pgsteal", 7) ||
		     !strcmp(name, "pswpout") || !strcmp(name, "oom_kill")))
			n += v;
	}
	free(buf);
	return n;
}

static FILE *mem(char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);

	if (!f)
		abort();
	return f;
}

static void snapshot(struct shell *sh, struct snap *sn)
{
	struct backend *be = sh->be;
	const struct backend_model_ops *m = be->ops->model;
	struct backend_view_args a = { 0 };
	size_t len;
	FILE *f;

	memset(sn, 0, sizeof(*sn));
	sn->reclaim = reclaim_count(sh);
	f = mem(&sn->global, &len);
	m->view(be, BV_PS, &a, f);
	m->view(be, BV_FRAMES, &a, f);
	fputs("== files\n", f);
	m->view(be, BV_FILES, &a, f);
	fclose(f);
	for (int pid = 1; pid <= SNAP_PIDS; pid++) {
		if (!be->ops->task_exists(be, pid))
			continue;
		a.pid = pid;
		f = mem(&sn->maps[pid], &len);
		be->ops->maps(be, pid, f);
		fclose(f);
		f = mem(&sn->rest[pid], &len);
		be->ops->smaps(be, pid, false, 0, f);
		m->view(be, BV_VMAS, &a, f);
		m->view(be, BV_MM, &a, f);
		fclose(f);
		f = mem(&sn->pt[pid], &len);
		m->view(be, BV_PT, &a, f);
		fclose(f);
	}
}

static void snap_free(struct snap *sn)
{
	free(sn->global);
	for (int pid = 0; pid <= SNAP_PIDS; pid++) {
		free(sn->maps[pid]);
		free(sn->rest[pid]);
		free(sn->pt[pid]);
	}
}

static int str_cmp(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

/* The first difference of @a and @b (a part of them), or false. */
static bool snap_differ(const struct snap *a, const struct snap *b, char *out,
			size_t size)
{
	const char *x = NULL, *y = NULL;

	if (str_cmp(a->global, b->global)) {
		x = a->global;
		y = b->global;
	}
	for (int pid = 1; !x && pid <= SNAP_PIDS; pid++) {
		if (str_cmp(a->maps[pid], b->maps[pid])) {
			x = a->maps[pid];
			y = b->maps[pid];
		} else if (str_cmp(a->rest[pid], b->rest[pid])) {
			x = a->rest[pid];
			y = b->rest[pid];
		} else if (str_cmp(a->pt[pid], b->pt[pid])) {
			x = a->pt[pid];
			y = b->pt[pid];
		}
	}
	if (!x && !y)
		return false;
	first_difference(x ? x : "", y ? y : "", out, size);
	return true;
}

/* The frames view of @s (the global text up to the files). */
static size_t frames_end(const char *s)
{
	const char *e = strstr(s, "== files\n");

	return e ? (size_t)(e - s) : strlen(s);
}

/* The sum of smaps field @key ("Rss:") over the text @s, in kB. */
static unsigned long long smaps_sum(const char *s, const char *key)
{
	unsigned long long n = 0, v;
	size_t kl = strlen(key);

	for (const char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, key, kl) && sscanf(l + kl, " %llu", &v) == 1)
			n += v;
	return n;
}

/* A split inside a huge PMD splits the PMD (__split_vma ->
 * vma_adjust_trans_huge): the same pages stay mapped (Rss), by PTEs now
 * (less AnonHugePages/FilePmdMapped/ShmemPmdMapped), which changes the
 * page tables and the frames (a new PTE table, the folio's mapcounts). */
static bool pmd_split_only(const struct snap *a, const struct snap *b)
{
	static const char *const pmd[] = {
		"AnonHugePages:", "ShmemPmdMapped:", "FilePmdMapped:",
	};
	bool fewer = false;

	for (int pid = 1; pid <= SNAP_PIDS; pid++) {
		if (!a->rest[pid] != !b->rest[pid])
			return false;
		if (!a->rest[pid])
			continue;
		if (smaps_sum(a->rest[pid], "Rss:") != smaps_sum(b->rest[pid], "Rss:"))
			return false;
		for (size_t i = 0; i < sizeof(pmd) / sizeof(pmd[0]); i++)
			if (smaps_sum(b->rest[pid], pmd[i]) < smaps_sum(a->rest[pid], pmd[i]))
				fewer = true;
	}
	return fewer;
}

/* @a and @b are the same machine up to where its VMAs are cut: the frames,
 * and per task the maps with split VMAs joined and the page tables (or,
 * when a huge PMD was split with them, the same Rss: pmd_split_only). */
static bool same_but_splits(const struct snap *a, const struct snap *b)
{
	bool pmd_split = pmd_split_only(a, b);

	size_t fa = frames_end(a->global), fb = frames_end(b->global);
	const char *ga = strchr(a->global, '\n'), *gb = strchr(b->global, '\n');

	/* past ps (its VMA counts) */
	ga = ga ? strstr(a->global, "PFN") : NULL;
	gb = gb ? strstr(b->global, "PFN") : NULL;
	if (!pmd_split &&
	    (!ga || !gb || fa - (size_t)(ga - a->global) != fb - (size_t)(gb - b->global) ||
	     memcmp(ga, gb, fa - (size_t)(ga - a->global))))
		return false;
	for (int pid = 1; pid <= SNAP_PIDS; pid++) {
		char *ja = NULL, *jb = NULL;
		size_t la, lb;
		FILE *f;
		bool same;

		if (!a->maps[pid] != !b->maps[pid] ||
		    (!pmd_split && str_cmp(a->pt[pid], b->pt[pid])))
			return false;
		if (!a->maps[pid])
			continue;
		f = mem(&ja, &la);
		merged_maps(a->maps[pid], f);
		fclose(f);
		f = mem(&jb, &lb);
		merged_maps(b->maps[pid], f);
		fclose(f);
		same = !strcmp(ja, jb);
		free(ja);
		free(jb);
		if (!same)
			return false;
	}
	return true;
}

/* A failed call that Linux lets leave a VMA split (and nothing else):
 * EPERM when the range reaches a sealed VMA after the first one was split
 * (vms_gather_munmap_vmas() splits the start, then meets the seal and
 * reattaches what it detached, mm/vma.c; mprotect and madvise alike
 * through vma_modify()), ENOMEM when vm.max_map_count stops the second
 * split of vma_modify(). */
static bool split_only(const struct shell *sh, const struct snap *a,
		       const struct snap *b)
{
	return (sh->last.err == -EPERM || sh->last.err == -ENOMEM) &&
	       same_but_splits(a, b);
}

static bool exempt(const struct shell *sh, const char *cmd)
{
	static const char *const partial[] = {
		"madvise", "mprotect", "mlock", "munlock", "mlockall", "touch",
		"write", "read", "swapoff", "msync",
	};
	const char *name = sh->last.name;

	if (sh->last.fault.signo)
		return true;
	if (name && !strcmp(name, "mremap") && strstr(cmd, "fixed"))
		return true;
	/* fork out of memory: the anonymous pages copy_present_pte already
	 * shared stay non-exclusive (folio_try_dup_anon_rmap cleared
	 * PageAnonExclusive; the dead child's teardown does not set it
	 * back), so the parent's next write to them copies */
	if (name && !strcmp(name, "fork") && sh->last.err == -ENOMEM)
		return true;
	if (name && !strcmp(name, "mmap") && strstr(cmd, "fixed") &&
	    !strstr(cmd, "anon") && !strstr(cmd, "noreplace"))
		return true;
	for (size_t i = 0; name && i < sizeof(partial) / sizeof(partial[0]); i++)
		if (!strcmp(name, partial[i]))
			return true;
	return false;
}

static void setup(struct shell *sh, const uint8_t **p, const uint8_t *end)
{
	const uint8_t *d = *p, *nl;

	shell_init(sh);
	/* VMSH_FUZZ_SHOW=1: the output too (replaying a report) */
	sh->out = getenv("VMSH_FUZZ_SHOW") ? stdout : null_out();
	sh->err = getenv("VMSH_FUZZ_SHOW") ? stdout : null_out();
	sh->sandbox = true;
	sh->src = "fuzz";
	sh->cfg.ram = 16ULL << 20;
	sh->discard_hook = check_discard;
	if (end - d >= 5 && d[0] == 0x01) {
		struct vmsh_config *c = &sh->cfg;

		c->levels = 2 + d[1] % 4;
		c->cpus = 1 + d[2] % 4;
		c->ram = (2ULL << 20) << (d[3] % 5);
		c->zero_page = d[4] & 1;
		c->thp = (d[4] >> 1) % 3;
		c->fault_around = d[4] & 8 ? 0 : 65536;
		c->swap = d[4] & 16 ? 1ULL << 20 : 0;
		c->pcid = d[4] & 32;
		c->aslr = d[4] & 64;
		c->aslr_seed = d[4];
		nl = memchr(d, '\n', (size_t)(end - d));
		/* two more bytes before the newline: --replace (0 off, 1-5
		 * fifo, lru, clock, opt, random) and --user-frames 1-64 */
		if ((nl ? nl : end) - d >= 7 && d[5] % 6) {
			c->replace = d[5] % 6;
			c->user_frames = 1 + d[6] % 64;
			c->replace_seed = d[6];
			if (c->replace == VMSH_REPLACE_OPT) {
				/* no future given: every page is one never
				 * referenced again */
				static const uint64_t none[1];

				c->replace_future = none;
				c->replace_future_len = 0;
			}
		}
		d = nl ? nl + 1 : end;
	}
	*p = d;
	if (!shell_new_machine(sh))
		abort();
}

/* The property is per command: a line of several (a; b) is not judged. */
static bool one_command(const uint8_t *p, size_t len)
{
	struct lexline ll;
	char err[256];
	bool one;

	if (memchr(p, 0, len) ||
	    lex_line((const char *)p, len, &ll, err, sizeof(err)) < 0)
		return true;    /* a parse error: must change nothing either */
	one = ll.ncmd <= 1;
	lex_free(&ll);
	return one;
}

void harness_run(const uint8_t *data, size_t size, bool property,
		 struct harness_stats *st)
{
	const uint8_t *p = data, *end = data + size;
	struct shell sh;

	cur_data = data;
	cur_size = size;
	setup(&sh, &p, end);
	cur_sh = &sh;
	while (p < end && !sh.stop) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct snap before, after;
		char cmd[160];

		bool prop = property && one_command(p, len);

		snprintf(cmd, sizeof(cmd), "%.*s", (int)(len < 150 ? len : 150),
			 (const char *)p);
		if (prop)
			snapshot(&sh, &before);
		sh.line++;
		memset(&sh.last, 0, sizeof(sh.last));
		shell_run_line(&sh, (const char *)p, len);
		p += len + (nl ? 1 : 0);
		if (st)
			st->commands++;
		check_machine(&sh, cmd);
		if (prop && sh.failed && st)
			st->failed++;
		if (prop && sh.failed && !exempt(&sh, cmd)) {
			char diff[1024];

			snapshot(&sh, &after);
			if (after.reclaim != before.reclaim) {
				/* reclaim ran: its aging and writeback are
				 * no part of the call that failed */
				if (st)
					st->exempt++;
			} else {
				if (st)
					st->compared++;
				if (snap_differ(&before, &after, diff, sizeof(diff)) &&
				    !split_only(&sh, &before, &after))
					broken("a failed command changed the machine", cmd, diff);
			}
			snap_free(&after);
		} else if (prop && sh.failed && st) {
			st->exempt++;
		}
		if (prop)
			snap_free(&before);
	}
	check_machine(&sh, "(the end of the script)");
	shell_fini(&sh);
	cur_sh = NULL;
	if (st)
		st->scripts++;
}
