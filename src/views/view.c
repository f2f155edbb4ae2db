/* SPDX-License-Identifier: MIT */
/*
 * view_print(): the one entry point of the model-only views; /proc maps
 * and smaps of the model; the small tables (ps, file ls, dev ls, tree,
 * mm, stat, check).
 *
 * Invariants
 *  - A view that names a task answers -ESRCH for a pid that does not exist
 *    before it prints anything.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "vmsh/replace.h"
#include "views.h"
#include "views-int.h"

/* ---- /proc ---------------------------------------------------------------- */

static int maps_cb(void *ctx, const struct vmsh_vma_info *v)
{
	view_maps_line(ctx, v);
	return 0;
}

struct smaps_ctx {
	const struct vmsh_sys *sys;
	int pid;
	bool one;
	uint64_t addr;
	FILE *out;
};

static int smaps_cb(void *ctx, const struct vmsh_vma_info *v)
{
	struct smaps_ctx *c = ctx;
	struct vmsh_smaps s;
	int ret;

	if (c->one && (c->addr < v->start || c->addr >= v->end))
		return 0;
	ret = vmsh_smaps(c->sys, c->pid, v->start, &s);
	if (ret)
		return ret;
	view_smaps_block(c->out, v, &s);
	return 0;
}

int view_maps(const struct vmsh_sys *sys, int pid, FILE *out)
{
	if (pid != 0 && !vmsh_task_exists(sys, pid))
		return -ESRCH;
	return vmsh_vma_walk(sys, pid, maps_cb, out);
}

int view_smaps(const struct vmsh_sys *sys, int pid, bool one, uint64_t addr,
	       FILE *out)
{
	struct smaps_ctx c = { sys, pid, one, addr, out };

	if (pid != 0 && !vmsh_task_exists(sys, pid))
		return -ESRCH;
	return vmsh_vma_walk(sys, pid, smaps_cb, &c);
}

/* ---- tasks, files, devices ------------------------------------------------ */

const char *task_kind_name(enum vmsh_task_kind k)
{
	switch (k) {
	case VMSH_TASK_PROCESS: return "process";
	case VMSH_TASK_THREAD: return "thread";
	case VMSH_TASK_KTHREAD: return "kthread";
	}
	return "?";
}

static int ps_cb(void *ctx, const struct vmsh_task_info *t)
{
	char mm[32], rss[32];

	if (t->mm_id)
		snprintf(mm, sizeof(mm), "%u", t->mm_id);
	else if (t->active_mm_id)
		snprintf(mm, sizeof(mm), "(%u)", t->active_mm_id);
	else
		snprintf(mm, sizeof(mm), "-");
	fprintf(ctx, "%c%4d %5d %-7s %6s %8d %8d %5llu %6s %3d\n",
		t->current ? '*' : ' ', t->pid, t->ppid, task_kind_name(t->kind), mm,
		t->mm_users, t->mm_count, (unsigned long long)t->map_count,
		fmt_size(t->rss_pages * VMSH_PAGE_SIZE, SIZE_EXACT, rss, sizeof(rss)),
		t->cpu);
	return 0;
}

/* Stops the walk at the first file: the walk then returns 1. */
static int file_count_cb(void *ctx, const struct vmsh_file_info *fi)
{
	(void)ctx;
	(void)fi;
	return 1;
}

static int files_cb(void *ctx, const struct vmsh_file_info *fi)
{
	char sz[32], cached[32], dirty[32];

	fprintf(ctx, "%-16s %8s %5lu %6s %6s %4d %s\n", fi->name,
		fmt_size(fi->size, SIZE_EXACT, sz, sizeof(sz)), fi->ino,
		fmt_size(fi->cached_pages * VMSH_PAGE_SIZE, SIZE_EXACT, cached,
			 sizeof(cached)),
		fmt_size(fi->dirty_pages * VMSH_PAGE_SIZE, SIZE_EXACT, dirty,
			 sizeof(dirty)), fi->mapcount,
		fi->disk ? "disk" : "tmpfs");
	return 0;
}

static int devs_cb(void *ctx, const struct vmsh_dev_info *d)
{
	fprintf(ctx, "%-16s %s\n", d->path, d->description ? d->description : "");
	return 0;
}

/* ---- the VMA tree, mm_struct, counters, invariants ------------------------ */

static void tree_line(void *ctx, int depth, char side, bool red,
		      uint64_t start, uint64_t end, uint64_t gap)
{
	fprintf(ctx, "%*s%c %-5s [0x%llx, 0x%llx) gap 0x%llx\n", depth * 2, "",
		side ? side : '-', red ? "red" : "black",
		(unsigned long long)start, (unsigned long long)end,
		(unsigned long long)gap);
}

/* Stops the walk at the first VMA: the walk then returns 1. */
static int tree_stop(void *ctx, const struct vmsh_vma_info *v)
{
	(void)ctx;
	(void)v;
	return 1;
}

static int print_mm(const struct vmsh_sys *sys, int pid, FILE *o)
{
	struct vmsh_mm_info m;
	char b[32];
	int ret;

	memset(&m, 0, sizeof(m));
	ret = vmsh_mm_info(sys, pid, &m);
	if (ret < 0)
		return ret;
#define P(name, v) fprintf(o, "  %-15s %llu\n", name, (unsigned long long)(v))
#define PG(name, v) fprintf(o, "  %-15s %llu pages (%s)\n", name, \
			    (unsigned long long)(v), \
			    fmt_size((v) * VMSH_PAGE_SIZE, SIZE_EXACT, b, sizeof(b)))
#define X(name, v) fprintf(o, "  %-15s 0x%llx\n", name, (unsigned long long)(v))
	fprintf(o, "mm %u\n", m.id);
	P("mm_users", m.mm_users);
	P("mm_count", m.mm_count);
	P("map_count", m.map_count);
	PG("total_vm", m.total_vm);
	PG("locked_vm", m.locked_vm);
	PG("data_vm", m.data_vm);
	PG("exec_vm", m.exec_vm);
	PG("stack_vm", m.stack_vm);
	PG("rss_file", m.rss_file);
	PG("rss_anon", m.rss_anon);
	PG("rss_shmem", m.rss_shmem);
	PG("rss_swap", m.rss_swap);
	PG("hiwater_rss", m.hiwater_rss);
	X("pgd (pfn)", m.pgd_pfn);
	fprintf(o, "  %-15s %s\n", "pgtables_bytes",
		fmt_size(m.pgtables_bytes, SIZE_EXACT, b, sizeof(b)));
	X("task_size", m.task_size);
	X("mmap_base", m.mmap_base);
	X("start_brk", m.start_brk);
	X("brk", m.brk);
	X("start_stack", m.start_stack);
#undef P
#undef PG
#undef X
	return 0;
}

/* --replace: the policy and its counters, then the hit rate (hits per
 * reference, two decimals). */
void view_replace_lines(const struct vmsh_sys *sys, const char *prefix,
			FILE *out)
{
	const struct vmsh_replace *r = vmsh_sys_replace(sys);
	struct vmsh_replace_stats st;
	size_t plen = strlen(prefix);

	if (!r)
		return;
	vmsh_replace_get_stats(r, &st);
#define L(name, fmt, ...) do {                                          \
		if (!strncmp("replace_" name, prefix, plen))           \
			fprintf(out, "replace_" name " " fmt "\n", __VA_ARGS__); \
	} while (0)
	L("policy", "%s", vmsh_replace_name(st.policy));
	L("frames", "%llu", (unsigned long long)st.frames);
	L("resident", "%llu", (unsigned long long)st.resident);
	L("refs", "%llu", (unsigned long long)st.refs);
	L("hits", "%llu", (unsigned long long)st.hits);
	L("faults", "%llu", (unsigned long long)st.faults);
	L("evictions", "%llu", (unsigned long long)st.evictions);
	L("hit_rate", "%.2f%%", st.refs ? 100.0 * (double)st.hits / (double)st.refs : 0.0);
#undef L
}

/* Counters whose name starts with @prefix (all: ""). */
void view_stat_lines(const struct vmsh_sys *sys, const char *prefix, FILE *out)
{
	size_t plen = strlen(prefix);
	const char *name;
	uint64_t v;

	for (size_t i = 0; vmsh_stat(sys, i, &name, &v); i++)
		if (!vmsh_stat_hidden(sys, i) && !strncmp(name, prefix, plen))
			fprintf(out, "%s %llu\n", name, (unsigned long long)v);
	view_replace_lines(sys, prefix, out);
}

static int print_check(const struct vmsh_sys *sys, FILE *out)
{
	char buf[512];
	int n;

	buf[0] = '\0';
	n = vmsh_check(sys, buf, sizeof(buf));
	if (n == 0)
		fprintf(out, "ok\n");
	else if (n > 0)
		fprintf(out, "check: %d problem%s: %s\n", n, n == 1 ? "" : "s", buf);
	return n;
}

/* ---- the entry point ------------------------------------------------------ */

static bool names_task(enum backend_view v)
{
	switch (v) {
	case BV_VMAS: case BV_WALK: case BV_PT: case BV_TREE: case BV_MM:
	case BV_MT:
	case BV_DOT:
		return true;
	default:
		return false;
	}
}

int view_print(const struct vmsh_sys *sys, enum backend_view v,
	       const struct backend_view_args *a, FILE *out)
{
	if (names_task(v) && a->pid != 0 && !vmsh_task_exists(sys, a->pid))
		return -ESRCH;
	if (a->json) {
		int ret = view_json_print(sys, v, a, out);

		if (ret != -EOPNOTSUPP)
			return ret;
	}
	switch (v) {
	case BV_PS:
		fprintf(out, "  PID  PPID KIND        MM MM_USERS MM_COUNT  VMAS    RSS CPU\n");
		return vmsh_task_walk(sys, ps_cb, out);
	case BV_FILES:
		fprintf(out, "NAME                 SIZE   INO CACHED  DIRTY MAPS KIND\n");
		if (vmsh_file_walk(sys, file_count_cb, NULL) == 0) {
			fprintf(out, "(no files: file create makes one)\n");
			return 0;
		}
		return vmsh_file_walk(sys, files_cb, out);
	case BV_DEVS:
		return vmsh_dev_walk(sys, devs_cb, out);
	case BV_VMAS:
		return view_vmas(sys, a->pid, out, a->color);
	case BV_WALK:
		return view_walk(sys, a->pid, a->addr, out);
	case BV_PT:
		return view_pt(sys, a->pid, a->start, a->end, out);
	case BV_TREE:
		fprintf(out, "VMA red-black tree (the pre-6.1 index; Linux 6.1+ "
			"keeps VMAs in the maple tree: mt)\n");
		if (vmsh_vma_walk(sys, a->pid, tree_stop, NULL) == 0 &&
		    vmsh_mm_info(sys, a->pid, &(struct vmsh_mm_info){ 0 }) == 0) {
			fprintf(out, "(no VMAs: the tree is empty)\n");
			return 0;
		}
		return vmsh_tree_walk(sys, a->pid, tree_line, out);
	case BV_MT:
		return view_mt(sys, a->pid, out);
	case BV_MM:
		return print_mm(sys, a->pid, out);
	case BV_TLB:
		return view_tlb(sys, out);
	case BV_FRAMES:
		return view_frames(sys, out);
	case BV_STAT:
		view_stat_lines(sys, "", out);
		return 0;
	case BV_CHECK:
		return print_check(sys, out);
	case BV_DOT:
		return view_dot(sys, a->what, a->pid, out);
	case BV_MEMINFO:
		return view_meminfo(sys, out);
	case BV_LRU:
		return view_lru(sys, a->what, out);
	}
	return -EINVAL;
}
