/* SPDX-License-Identifier: MIT */
/*
 * Read-only views of the model for the public API (vmsh.h): the walkers
 * over tasks, files, devices, VMAs, frames and TLB entries; the figures
 * of one mm, of one CPU's TLB and of one file; the VMA tree.  (The views
 * of page tables -- smaps, walk, pt -- are smaps.c's, the event counters
 * stat.c's.)
 *
 * Invariants kept: nothing here changes the model or keeps state in it
 * between calls.  A walker is a plain loop over the model's own lists and
 * arrays, calling back with an info struct that is valid only during the
 * call: its strings point into the model, or, for a frame's owner, into
 * the walker's own buffer.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "vmsh/layout.h"
#include "anon_vma.h"
#include "file.h"
#include "layout.h"
#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "rbtree.h"
#include "sys.h"
#include "task.h"
#include "tlb.h"
#include "vma.h"

/* ---- tasks --------------------------------------------------------------- */

static void task_info(const struct vmsh_sys *sys, const struct vmsh_task *t,
		      struct vmsh_task_info *out)
{
	const struct vmsh_mm *mm = t->mm ? t->mm : t->active_mm;

	out->pid = t->pid;
	out->ppid = t->ppid;
	out->kind = t->kind;
	out->mm_id = t->mm ? t->mm->id : 0;
	out->active_mm_id = t->active_mm ? t->active_mm->id : 0;
	out->mm_users = mm ? mm->mm_users : 0;
	out->mm_count = mm ? mm->mm_count : 0;
	out->map_count = mm ? mm->map_count : 0;
	out->rss_pages = mm ? mm_rss(mm) : 0;
	out->cpu = t->cpu;
	out->current = t == sys->current;
}

int vmsh_task_walk(const struct vmsh_sys *sys, vmsh_task_fn *fn, void *ctx)
{
	const struct vmsh_task *t;
	struct vmsh_task_info info;
	int r;

	for (t = sys->tasks; t; t = t->next) {
		task_info(sys, t, &info);
		if ((r = fn(ctx, &info)))
			return r;
	}
	return 0;
}

int vmsh_current_pid(const struct vmsh_sys *sys)
{
	return sys->current ? sys->current->pid : 0;
}

bool vmsh_task_exists(const struct vmsh_sys *sys, int pid)
{
	return pid > 0 && task_of_pid(sys, pid) != NULL;
}

/* ---- files and devices --------------------------------------------------- */

struct dirty_ctx {
	struct vmsh_sys *sys;
	const struct vmsh_file *f;
	uint64_t dirty;
};

struct dirty_pte {
	uint64_t pfn;
	bool dirty;
};

static void find_dirty_pte(struct vmsh_vma *vma, uint64_t first,
			   uint64_t last, void *ctx)
{
	struct dirty_pte *d = ctx;
	uint64_t *pte = pte_lookup(vma->vm_mm, vma_address(vma, first),
				   false);

	(void)last;             /* first == last: one page */
	if (pte && (*pte & _PAGE_PRESENT) &&
	    (*pte & PTE_PFN_MASK) >> PAGE_SHIFT == d->pfn &&
	    (*pte & _PAGE_DIRTY))
		d->dirty = true;
}

/* Is the page dirty, or mapped by a dirty PTE (what writeback would see)? */
static bool page_dirty_anywhere(struct vmsh_sys *sys, const struct vmsh_file *f,
				uint64_t index, uint64_t pfn)
{
	struct dirty_pte d = { pfn, false };

	if (page_folio(sys, phys_page(sys, pfn))->dirty)
		return true;
	if (!phys_page(sys, pfn)->mapcount)
		return false;
	file_for_each_vma(sys, f, index, index, find_dirty_pte, &d);
	return d.dirty;
}

static void count_dirty(void *ctx, uint64_t index, uint64_t pfn)
{
	struct dirty_ctx *d = ctx;

	if (page_dirty_anywhere(d->sys, d->f, index, pfn))
		d->dirty++;
}

static void file_info(const struct vmsh_sys *csys, const struct vmsh_file *f,
		      struct vmsh_file_info *out)
{
	struct dirty_ctx d = { (struct vmsh_sys *)csys, f, 0 };

	file_for_each_page(f, count_dirty, &d);
	out->name = f->name;
	out->size = f->size;
	out->disk = f->disk;
	out->cached_pages = f->cache_nr;
	out->dirty_pages = d.dirty;
	out->ino = f->ino;
	out->mapcount = file_mapcount(f);
}

int vmsh_file_walk(const struct vmsh_sys *sys, vmsh_file_fn *fn, void *ctx)
{
	const struct vmsh_file *f;
	struct vmsh_file_info info;
	int r;

	for (f = sys->files; f; f = f->next) {
		file_info(sys, f, &info);
		if ((r = fn(ctx, &info)))
			return r;
	}
	return 0;
}

int vmsh_file_find_info(const struct vmsh_sys *sys, const char *name,
			struct vmsh_file_info *out)
{
	const struct vmsh_file *f = file_lookup(sys, name);

	if (!f)
		return -ENOENT;
	file_info(sys, f, out);
	return 0;
}

int vmsh_dev_walk(const struct vmsh_sys *sys, vmsh_dev_fn *fn, void *ctx)
{
	struct vmsh_dev_info info;
	size_t i;
	int r;

	(void)sys;
	for (i = 0; (info.path = dev_describe(i, &info.description)); i++)
		if ((r = fn(ctx, &info)))
			return r;
	return 0;
}

/* ---- the mm and its VMAs ------------------------------------------------- */

int vmsh_mm_info(const struct vmsh_sys *sys, int pid, struct vmsh_mm_info *out)
{
	const struct vmsh_mm *mm = mm_of_pid(sys, pid);
	uint64_t rss;

	if (!mm)
		return -ESRCH;
	out->id = mm->id;
	out->mm_users = mm->mm_users;
	out->mm_count = mm->mm_count;
	out->map_count = mm->map_count;
	out->total_vm = mm->total_vm;
	out->locked_vm = mm->locked_vm;
	out->data_vm = mm->data_vm;
	out->exec_vm = mm->exec_vm;
	out->stack_vm = mm->stack_vm;
	out->rss_file = (uint64_t)mm->rss[MM_FILEPAGES];
	out->rss_anon = (uint64_t)mm->rss[MM_ANONPAGES];
	out->rss_swap = (uint64_t)mm->rss[MM_SWAPENTS];
	out->rss_shmem = (uint64_t)mm->rss[MM_SHMEMPAGES];
	rss = mm_rss(mm);
	out->hiwater_rss = rss > mm->hiwater_rss ? rss : mm->hiwater_rss;
	out->pgd_pfn = mm->pgd;
	out->pgtables_bytes = mm->pgtables_bytes;
	out->mmap_base = mm->mmap_base;
	out->task_size = mm->task_size;
	out->start_brk = mm->start_brk;
	out->brk = mm->brk;
	out->start_stack = mm->start_stack;
	return 0;
}

static void count_normal(uint64_t *ptep, uint64_t addr, void *ctx)
{
	(void)addr;
	if (pte_present(*ptep) && !(*ptep & _PAGE_SPECIAL))
		++*(uint64_t *)ctx;
}

static bool count_normal_pmd(uint64_t *pmdp, uint64_t addr, uint64_t next,
			     void *ctx)
{
	(void)addr;
	(void)next;
	if (!(*pmdp & _PAGE_SPECIAL))
		*(uint64_t *)ctx += HPAGE_PMD_NR;
	return true;
}

/* Resident normal pages mapped by @vma's PTEs and huge PMDs (what smaps
 * calls Rss, in pages; walks only existing tables). */
static uint64_t vma_rss_pages(const struct vmsh_vma *vma)
{
	uint64_t n = 0;

	if (!vma->vm_mm || !vma->vm_mm->sys->phys.pages)
		return 0;
	pt_walk_range(vma->vm_mm, vma->vm_start, vma->vm_end, count_normal,
		      count_normal_pmd, &n);
	return n;
}

static const char *vma_name(const struct vmsh_vma *vma)
{
	const struct vmsh_mm *mm = vma->vm_mm;

	if (vma->vm_file)
		return vma->vm_file->path;
	if (special_mapping_name(vma))
		return special_mapping_name(vma);
	/* show_map_vma(): the names follow the current brk and stack */
	if (vma->vm_start < mm->brk && vma->vm_end > mm->start_brk)
		return "[heap]";
	if (vma->vm_start <= mm->start_stack && vma->vm_end >= mm->start_stack)
		return "[stack]";
	return NULL;
}

static void vma_info(const struct vmsh_vma *vma, struct vmsh_vma_info *out)
{
	memset(out, 0, sizeof(*out));
	out->start = vma->vm_start;
	out->end = vma->vm_end;
	out->flags = vma->vm_flags;
	out->pgoff = vma->vm_pgoff;
	if (vma->vm_file) {
		out->dev_major = vma->vm_file->dev_major;
		out->dev_minor = vma->vm_file->dev_minor;
		out->ino = vma->vm_file->ino;
	}
	out->name = vma_name(vma);
	out->anon_vma_id = vma->anon_vma ? vma->anon_vma->id : 0;
	out->vm_ops = vma->vm_ops && vma->vm_ops->name ? vma->vm_ops->name : "NULL";
	out->rss_pages = vma_rss_pages(vma);
}

int vmsh_vma_walk(const struct vmsh_sys *sys, int pid, vmsh_vma_fn *fn,
		  void *ctx)
{
	const struct vmsh_task *t = task_of_pid(sys, pid);
	const struct vmsh_vma *vma;
	struct vmsh_vma_info info;
	int r;

	if (!t)
		return -ESRCH;
	if (!t->mm)
		return 0;               /* a kernel thread: no VMA */
	for (vma = t->mm->mmap; vma; vma = vma->vm_next) {
		vma_info(vma, &info);
		if ((r = fn(ctx, &info)))
			return r;
	}
	if (t->mm->gate_vma) {
		/* get_gate_vma(): shown after the last VMA */
		memset(&info, 0, sizeof(info));
		info.start = VMSH_VSYSCALL_START;
		info.end = VMSH_VSYSCALL_END;
		info.flags = GATE_VM_FLAGS;
		info.name = "[vsyscall]";
		info.vm_ops = "gate_vma_ops";
		return fn(ctx, &info);
	}
	return 0;
}

static void tree_walk(struct rb_node *n, int depth, char side, vmsh_tree_fn *fn,
		      void *ctx)
{
	struct vmsh_vma *v;

	if (!n)
		return;
	v = rb_entry(n, struct vmsh_vma, vm_rb);
	fn(ctx, depth, side, rb_is_red(n), v->vm_start, v->vm_end,
	   v->rb_subtree_gap);
	tree_walk(n->rb_left, depth + 1, 'L', fn, ctx);
	tree_walk(n->rb_right, depth + 1, 'R', fn, ctx);
}

int vmsh_tree_walk(const struct vmsh_sys *sys, int pid, vmsh_tree_fn *fn,
		   void *ctx)
{
	struct vmsh_mm *mm = mm_of_pid(sys, pid);

	if (!mm)
		return -ESRCH;
	vma_gaps_refresh((struct vmsh_mm *)mm);
	tree_walk(mm->mm_rb.rb_node, 0, '-', fn, ctx);
	return 0;
}

/* ---- frames -------------------------------------------------------------- */

/* A frame's owner as the `frames` view names it; "file:NAME" is built
 * in @buf. */
static const char *frame_owner(const struct vmsh_sys *sys,
			       const struct page *p, char *buf, size_t size)
{
	const struct vmsh_file *f = page_file(sys, p);
	size_t len;

	switch (p->kind) {
	case PAGE_ANON:
		return "anon";
	case PAGE_FILE:
		if (!f || !f->name)
			return "file";
		len = strlen(f->name);
		if (len > size - 6)
			len = size - 6;
		memcpy(buf, "file:", 5);
		memcpy(buf + 5, f->name, len);
		buf[5 + len] = '\0';
		return buf;
	case PAGE_PGTABLE:
		return "pagetable";
	case PAGE_ZERO:
		return "zero";
	case PAGE_DEV:
		return "dev";
	default:
		return "?";
	}
}

int vmsh_frame_walk(const struct vmsh_sys *sys, vmsh_frame_fn *fn, void *ctx)
{
	const struct phys *ph = &sys->phys;
	struct vmsh_frame_info info;
	char owner[300];
	uint64_t pfn;
	int r;

	if (!ph->pages)
		return 0;
	for (pfn = 0; pfn < ph->hiwater; pfn++) {
		const struct page *p = &ph->pages[pfn];

		if (p->kind == PAGE_FREE)
			continue;
		memset(&info, 0, sizeof(info));
		info.pfn = pfn;
		info.refcount = p->refcount;
		info.mapcount = p->mapcount;
		info.dirty = page_folio(sys, p)->dirty;  /* the folio's flag */
		info.exclusive = p->exclusive;
		info.owner = frame_owner(sys, p, owner, sizeof(owner));
		if (p->thp & PAGE_THP_HEAD)
			info.folio_pages = HPAGE_PMD_NR;
		if ((p->thp & PAGE_THP_TAIL) &&
		    (ph->pages[pfn & ~(uint64_t)511].thp & PAGE_THP_HEAD))
			info.dirty = ph->pages[pfn & ~(uint64_t)511].dirty;
		info.thp_tail = p->thp & PAGE_THP_TAIL;
		if ((r = fn(ctx, &info)))
			return r;
	}
	return 0;
}

/* ---- TLBs ---------------------------------------------------------------- */

static void tlb_entry_info(const struct cpu *c, const struct tlb *t, unsigned k,
			   struct vmsh_tlb_entry_info *out)
{
	const struct tlb_entry *e = &t->e[k];

	memset(out, 0, sizeof(*out));
	out->cpu = c->id;
	out->set = k / t->ways;
	out->way = k % t->ways;
	out->asid = e->asid;
	out->mm_id = c->asid[e->asid].mm_id;
	out->vpn = e->vpn << (t->shift - PAGE_SHIFT);
	out->pfn = e->pfn;
	out->page_shift = t->shift;
	out->writable = e->flags & _PAGE_RW;
	out->user = e->flags & _PAGE_USER;
	out->nx = e->flags & _PAGE_NX;
	out->dirty = e->flags & _PAGE_DIRTY;
	out->accessed = e->flags & _PAGE_ACCESSED;
	out->current = c->loaded_mm_id && e->asid == c->cur_asid;
}

int vmsh_tlb_walk(const struct vmsh_sys *sys, vmsh_tlb_fn *fn, void *ctx)
{
	struct vmsh_tlb_entry_info info;
	unsigned n, k;
	int r;

	if (!sys->cpus)
		return 0;
	for (n = 0; n < nr_cpus(sys); n++) {
		const struct cpu *c = &sys->cpus[n];
		const struct tlb *ts[2] = { &c->tlb, &c->tlb2m };

		for (int i = 0; i < 2; i++) {
			for (k = 0; k < ts[i]->entries; k++) {
				if (!ts[i]->e[k].valid)
					continue;
				tlb_entry_info(c, ts[i], k, &info);
				if ((r = fn(ctx, &info)))
					return r;
			}
		}
	}
	return 0;
}

bool vmsh_tlb_cpu_info(const struct vmsh_sys *sys, int cpu,
		       struct vmsh_tlb_cpu_info *out)
{
	const struct cpu *c;

	if (!sys->cpus || cpu < 0 || (unsigned)cpu >= nr_cpus(sys))
		return false;
	c = &sys->cpus[cpu];
	memset(out, 0, sizeof(*out));
	out->cpu = c->id;
	out->entries = c->tlb.entries;
	out->ways = c->tlb.ways;
	out->sets = c->tlb.sets;
	for (unsigned k = 0; k < c->tlb.entries; k++)
		out->valid += c->tlb.e[k].valid;
	out->entries_2m = c->tlb2m.entries;
	out->ways_2m = c->tlb2m.ways;
	out->sets_2m = c->tlb2m.sets;
	for (unsigned k = 0; k < c->tlb2m.entries; k++)
		out->valid_2m += c->tlb2m.e[k].valid;
	out->pid = c->curr ? c->curr->pid : 0;
	out->loaded_mm_id = cpu_mm_id(c);
	out->asid = c->cur_asid;
	out->lazy = cpu_lazy(c);
	for (unsigned k = 0; k < TLB_NR_ASIDS && k < VMSH_TLB_NR_ASIDS; k++) {
		out->asid_mm_id[k] = c->asid[k].mm_id;
		out->asid_gen[k] = c->asid[k].gen;
	}
	out->hits = c->hits;
	out->misses = c->misses;
	out->walk_refs = c->walk_refs;
	out->flushes = c->flushes;
	out->shootdowns = c->shootdowns;
	out->stale_hits = c->stale_hits;
	return true;
}
