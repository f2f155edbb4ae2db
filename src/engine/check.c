/* SPDX-License-Identifier: MIT */
/*
 * Invariant checker (`check`): validates every mm against the invariants
 * listed in checks.h.  It never changes the model; it counts the problems
 * and describes the first one.
 *
 * Here: the VMAs (red-black properties, tree order and parent links,
 * rb_subtree_gap, list == in-order tree, alignment, no overlap, below
 * task_size, map_count, anon_vma references, mmap_cache) and the files'
 * page caches; smaps.c checks frames and rss, task.c tasks and mms.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "anon_vma.h"
#include "checks.h"
#include "file.h"
#include "mm.h"
#include "phys.h"
#include "rbtree.h"
#include "sys.h"
#include "vma.h"

struct report {
	char *buf;
	size_t size;
	int problems;
	unsigned mm_id;
};

static void problem(struct report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct report *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->problems++ == 0 && r->size) {
		n = snprintf(r->buf, r->size, "mm %u: ", r->mm_id);
		if (n < 0 || (size_t)n >= r->size)
			return;
		va_start(ap, fmt);
		vsnprintf(r->buf + n, r->size - (size_t)n, fmt, ap);
		va_end(ap);
	}
}

/* Returns the black height of the subtree; checks order, colours, links
 * and the gap augmentation. */
static int check_node(struct report *r, const struct rb_node *n,
		      const struct rb_node *parent, uint64_t lo, uint64_t hi,
		      size_t *count)
{
	const struct vmsh_vma *v;
	uint64_t gap, sub;
	int lh, rh;

	if (!n)
		return 1;
	if (++*count > (1u << 30))
		return 1;
	v = rb_entry(n, struct vmsh_vma, vm_rb);
	if (rb_parent(n) != parent)
		problem(r, "vma [%#lx-%#lx): wrong parent link",
			(unsigned long)v->vm_start, (unsigned long)v->vm_end);
	if (v->vm_start < lo || v->vm_start > hi)
		problem(r, "vma [%#lx-%#lx): out of order in the tree",
			(unsigned long)v->vm_start, (unsigned long)v->vm_end);
	if (rb_is_red(n) && (rb_is_red(n->rb_left) || rb_is_red(n->rb_right)))
		problem(r, "vma [%#lx-%#lx): red node with a red child",
			(unsigned long)v->vm_start, (unsigned long)v->vm_end);
	lh = check_node(r, n->rb_left, n, lo, v->vm_start, count);
	rh = check_node(r, n->rb_right, n, v->vm_start, hi, count);
	if (lh != rh)
		problem(r, "vma [%#lx-%#lx): black heights differ (%d, %d)",
			(unsigned long)v->vm_start, (unsigned long)v->vm_end, lh, rh);
	gap = v->vm_start - (v->vm_prev ? v->vm_prev->vm_end : 0);
	if (n->rb_left) {
		sub = rb_entry(n->rb_left, struct vmsh_vma, vm_rb)->rb_subtree_gap;
		if (sub > gap)
			gap = sub;
	}
	if (n->rb_right) {
		sub = rb_entry(n->rb_right, struct vmsh_vma, vm_rb)->rb_subtree_gap;
		if (sub > gap)
			gap = sub;
	}
	if (gap != v->rb_subtree_gap)
		problem(r, "vma [%#lx-%#lx): rb_subtree_gap %#lx, should be %#lx",
			(unsigned long)v->vm_start, (unsigned long)v->vm_end,
			(unsigned long)v->rb_subtree_gap, (unsigned long)gap);
	return lh + (rb_is_black(n) ? 1 : 0);
}

static void check_vmas(struct report *r, const struct vmsh_mm *mm)
{
	const struct vmsh_vma *v, *prev = NULL;
	const struct rb_node *n;
	size_t count = 0, listed = 0;
	bool cache_ok = mm->mmap_cache == NULL;

	if (mm->mm_rb.rb_node && rb_is_red(mm->mm_rb.rb_node))
		problem(r, "the tree's root is red");
	check_node(r, mm->mm_rb.rb_node, NULL, 0, UINT64_MAX, &count);
	n = rb_first(&mm->mm_rb);
	for (v = mm->mmap; v; prev = v, v = v->vm_next) {
		if (++listed > count + 1)
			break;
		if (mm->mmap_cache == v)
			cache_ok = true;
		if (v->vm_prev != prev)
			problem(r, "vma [%#lx-%#lx): wrong vm_prev",
				(unsigned long)v->vm_start, (unsigned long)v->vm_end);
		if (!n || rb_entry(n, struct vmsh_vma, vm_rb) != v)
			problem(r, "vma [%#lx-%#lx): list and tree disagree",
				(unsigned long)v->vm_start, (unsigned long)v->vm_end);
		if (n)
			n = rb_next(n);
		if ((v->vm_start | v->vm_end) & ~PAGE_MASK)
			problem(r, "vma [%#lx-%#lx): not page aligned",
				(unsigned long)v->vm_start, (unsigned long)v->vm_end);
		if (v->vm_start >= v->vm_end)
			problem(r, "vma [%#lx-%#lx): empty",
				(unsigned long)v->vm_start, (unsigned long)v->vm_end);
		if (v->vm_end > mm->task_size)
			problem(r, "vma [%#lx-%#lx): above task_size",
				(unsigned long)v->vm_start, (unsigned long)v->vm_end);
		if (prev && prev->vm_end > v->vm_start)
			problem(r, "vma [%#lx-%#lx): overlaps its predecessor",
				(unsigned long)v->vm_start, (unsigned long)v->vm_end);
		if (v->vm_mm != mm)
			problem(r, "vma [%#lx-%#lx): wrong vm_mm",
				(unsigned long)v->vm_start, (unsigned long)v->vm_end);
		if (v->anon_vma && v->anon_vma->refcount <= 0)
			problem(r, "vma [%#lx-%#lx): anon_vma #%u has refcount %d",
				(unsigned long)v->vm_start, (unsigned long)v->vm_end,
				v->anon_vma->id, v->anon_vma->refcount);
		if (v->vm_file && v->vm_file->refcount <= 0)
			problem(r, "vma [%#lx-%#lx): file with refcount %d",
				(unsigned long)v->vm_start, (unsigned long)v->vm_end,
				v->vm_file->refcount);
	}
	if (n)
		problem(r, "the tree has VMAs the list lacks");
	if (listed != count)
		problem(r, "list has %zu VMAs, tree %zu", listed, count);
	if (mm->map_count != count)
		problem(r, "map_count %lu, but %zu VMAs",
			(unsigned long)mm->map_count, count);
	if (!cache_ok)
		problem(r, "mmap_cache points at no linked VMA");
	if (mm->mm_users < 0 || mm->mm_count <= 0)
		problem(r, "mm_users %d, mm_count %d", mm->mm_users, mm->mm_count);
}

int check_mm(const struct vmsh_mm *mm, char *buf, size_t size)
{
	struct report r = { buf, size, 0, mm->id };

	if (size)
		buf[0] = '\0';
	if (mm->mm_users > 0)
		check_vmas(&r, mm);
	return r.problems;
}

int vmsh_check(const struct vmsh_sys *sys, char *buf, size_t size)
{
	const struct vmsh_mm *mm;
	int problems = 0, n;

	if (size)
		buf[0] = '\0';
	for (mm = sys->mms; mm; mm = mm->next_all) {
		n = check_mm(mm, problems ? NULL : buf, problems ? 0 : size);
		problems += n;
	}
	/* frames, rss counters and page tables (smaps.c) */
	problems += check_pages(sys, problems ? NULL : buf, problems ? 0 : size);
	/* tasks and mm lifetimes (task.c), files and their caches (file.c) */
	problems += check_tasks(sys, problems ? NULL : buf, problems ? 0 : size);
	problems += check_files(sys, problems ? NULL : buf, problems ? 0 : size);
	return problems;
}

/* ---- files and their page cache ------------------------------------------ */

struct check_ctx {
	const struct vmsh_sys *sys;
	const struct vmsh_file *f;
	char *buf;
	size_t size;
	int bad;
};

static void complain(struct check_ctx *c, const char *what, uint64_t pfn)
{
	if (!c->bad++ && c->size)
		snprintf(c->buf, c->size, "file %s: pfn %#lx: %s",
			 c->f ? c->f->name : "?", pfn, what);
}

static void check_cached(void *ctx, uint64_t index, uint64_t pfn)
{
	struct check_ctx *c = ctx;
	const struct page *pg;

	if (pfn >= c->sys->phys.nframes) {
		complain(c, "cached frame out of range", pfn);
		return;
	}
	pg = &c->sys->phys.pages[pfn];
	if (pg->kind != (c->f->device ? PAGE_DEV : PAGE_FILE))
		complain(c, "cached frame of the wrong kind", pfn);
	else if (pg->file != c->f || pg->index != index)
		complain(c, "cached frame names another file or index", pfn);
	else if (!c->f->device && index >= file_pages(c->f))
		complain(c, "page cached past EOF", pfn);
	else if (pg->refcount != 1 + pg->mapcount)
		complain(c, "refcount is not cache + mapcount", pfn);
	else if (!pg->uptodate && (!c->f->disk || pg->dirty || pg->mapcount ||
				   pg->order))
		complain(c, "!uptodate page not a clean, unmapped, order-0 "
			 "disk page", pfn);
	else if (pg->order && (!c->f->disk || pg->order > 9 ||
			       pg->head != file_cache_lookup(c->f,
						folio_first_index(pg)) ||
			       page_folio(c->sys, pg)->order != pg->order))
		complain(c, "page of a broken large folio", pfn);
}

int check_files(const struct vmsh_sys *sys, char *buf, size_t size)
{
	struct check_ctx c = { sys, NULL, buf, size, 0 };
	const struct vmsh_file *f;
	uint64_t pfn;

	for (f = sys->files; f; f = f->next) {
		c.f = f;
		if (f->inode || f->deleted || f->refcount < 1 || f->nvmas < 0)
			complain(&c, "bad inode state", 0);
		file_for_each_page(f, check_cached, &c);
	}
	for (f = sys->devs; f; f = f->next) {
		c.f = f;
		file_for_each_page(f, check_cached, &c);
	}
	/* every page-cache frame belongs to the cache of its file */
	c.f = NULL;
	for (pfn = 0; pfn < sys->phys.hiwater; pfn++) {
		const struct page *pg = &sys->phys.pages[pfn];

		if (pg->kind != PAGE_FILE && pg->kind != PAGE_DEV)
			continue;
		if (!pg->file || pg->file->inode ||
		    file_cache_lookup(pg->file, pg->index) != pfn) {
			complain(&c, "page-cache frame not in its file's cache", pfn);
			continue;
		}
		c.f = pg->file;
		check_cached(&c, pg->index, pfn);
		c.f = NULL;
	}
	return c.bad;
}
