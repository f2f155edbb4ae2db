/* SPDX-License-Identifier: MIT */
/*
 * The invariant checkers: the VMAs of each mm, the files' page caches,
 * frames, rss counters and page tables, tasks and mm lifetimes (checks.h
 * lists what each verifies), and the report they share.
 *
 * Invariants kept: nothing here changes the model.  Every checker adds
 * each problem it finds to one struct check_report, which keeps the
 * count and the text of the first; vmsh_check hands that to the `check`
 * command, validate_sys aborts on it.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anon_vma.h"
#include "checks.h"
#include "file.h"
#include "memory.h"
#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "rbtree.h"
#include "replace_mm.h"
#include "swap.h"
#include "sys.h"
#include "task.h"
#include "vma.h"

void check_report_init(struct check_report *r, char *buf, size_t size)
{
	r->buf = buf;
	r->size = size;
	r->problems = 0;
	if (size)
		buf[0] = '\0';
}

void check_report(struct check_report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->problems++ == 0 && r->size) {
		va_start(ap, fmt);
		vsnprintf(r->buf, r->size, fmt, ap);
		va_end(ap);
	}
}

/* ---- VMAs ---------------------------------------------------------------- */

/* check_report() of a problem of @mm ("mm N: " and the problem), or of
 * its VMA @v ("mm N: vma [start-end): " and the problem) when @v is set. */
static void mm_problem(struct check_report *r, const struct vmsh_mm *mm,
		       const struct vmsh_vma *v, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void mm_problem(struct check_report *r, const struct vmsh_mm *mm,
		       const struct vmsh_vma *v, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (v)
		check_report(r, "mm %u: vma [%#lx-%#lx): %s", mm->id,
			     (unsigned long)v->vm_start, (unsigned long)v->vm_end, what);
	else
		check_report(r, "mm %u: %s", mm->id, what);
}

/* check_warn() of a problem of @mm, or of its VMA @v (NULL: the mm's). */
#define mm_warn(r, mm, v, cond, ...) \
	((cond) ? (mm_problem((r), (mm), (v), __VA_ARGS__), true) : false)

/* Returns the black height of the subtree; checks order, colours, links
 * and the gap augmentation. */
static int check_node(struct check_report *r, const struct vmsh_mm *mm,
		      const struct rb_node *n, const struct rb_node *parent,
		      uint64_t lo, uint64_t hi, size_t *count)
{
	const struct vmsh_vma *v;
	uint64_t gap, sub;
	int lh, rh;

	if (!n)
		return 1;
	if (++*count > (1u << 30))
		return 1;
	v = rb_entry(n, struct vmsh_vma, vm_rb);
	mm_warn(r, mm, v, rb_parent(n) != parent, "wrong parent link");
	mm_warn(r, mm, v, v->vm_start < lo || v->vm_start > hi,
		"out of order in the tree");
	mm_warn(r, mm, v, rb_is_red(n) &&
		(rb_is_red(n->rb_left) || rb_is_red(n->rb_right)),
		"red node with a red child");
	lh = check_node(r, mm, n->rb_left, n, lo, v->vm_start, count);
	rh = check_node(r, mm, n->rb_right, n, v->vm_start, hi, count);
	mm_warn(r, mm, v, lh != rh, "black heights differ (%d, %d)", lh, rh);
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
	mm_warn(r, mm, v, !mm->rb_gaps_stale && gap != v->rb_subtree_gap,
		"rb_subtree_gap %#lx, should be %#lx",
		(unsigned long)v->rb_subtree_gap, (unsigned long)gap);
	return lh + (rb_is_black(n) ? 1 : 0);
}

/* @v's place in its inode's i_mmap (interval_tree.c): linked exactly when
 * it has a vm_file, keyed by the pages it maps, under that inode's root,
 * after its in-order predecessor, with the right subtree_last. */
static void check_i_mmap(struct check_report *r, const struct vmsh_mm *mm,
			 const struct vmsh_vma *v)
{
	const struct rb_node *n = &v->shared_rb, *p;
	const struct vmsh_vma *c;
	uint64_t last;
	int depth = 0;

	if (!v->vm_file || !v->shared_linked) {
		mm_warn(r, mm, v, v->vm_file || v->shared_linked, "%s i_mmap",
			v->vm_file ? "not in its file's" : "in an");
		return;
	}
	mm_warn(r, mm, v, v->shared_first != v->vm_pgoff ||
		v->shared_last != vma_shared_last(v), "i_mmap key %#lx-%#lx is stale",
		(unsigned long)v->shared_first, (unsigned long)v->shared_last);
	last = v->shared_last;
	if (n->rb_left) {
		c = rb_entry(n->rb_left, struct vmsh_vma, shared_rb);
		if (c->shared_subtree_last > last)
			last = c->shared_subtree_last;
	}
	if (n->rb_right) {
		c = rb_entry(n->rb_right, struct vmsh_vma, shared_rb);
		if (c->shared_subtree_last > last)
			last = c->shared_subtree_last;
	}
	mm_warn(r, mm, v, last != v->shared_subtree_last,
		"i_mmap subtree_last %#lx, not %#lx",
		(unsigned long)v->shared_subtree_last, (unsigned long)last);
	p = rb_prev(n);
	mm_warn(r, mm, v, p && rb_entry(p, struct vmsh_vma, shared_rb)->shared_first >
		v->shared_first, "i_mmap out of order");
	while (rb_parent(n) && ++depth < 200)
		n = rb_parent(n);
	mm_warn(r, mm, v, n != file_inode(v->vm_file)->i_mmap.rb_node,
		"not under its inode's i_mmap");
}

static void check_vmas(struct check_report *r, const struct vmsh_mm *mm)
{
	const struct vmsh_vma *v, *prev = NULL;
	const struct rb_node *n;
	size_t count = 0, listed = 0;
	bool cache_ok = mm->mmap_cache == NULL;

	mm_warn(r, mm, NULL, mm->mm_rb.rb_node && rb_is_red(mm->mm_rb.rb_node),
		"the tree's root is red");
	check_node(r, mm, mm->mm_rb.rb_node, NULL, 0, UINT64_MAX, &count);
	n = rb_first(&mm->mm_rb);
	for (v = mm->mmap; v; prev = v, v = v->vm_next) {
		if (++listed > count + 1)
			break;
		if (mm->mmap_cache == v)
			cache_ok = true;
		mm_warn(r, mm, v, v->vm_prev != prev, "wrong vm_prev");
		mm_warn(r, mm, v, !n || rb_entry(n, struct vmsh_vma, vm_rb) != v,
			"list and tree disagree");
		if (n)
			n = rb_next(n);
		mm_warn(r, mm, v, (v->vm_start | v->vm_end) & ~PAGE_MASK,
			"not page aligned");
		mm_warn(r, mm, v, v->vm_start >= v->vm_end, "empty");
		mm_warn(r, mm, v, v->vm_end > mm->task_size, "above task_size");
		mm_warn(r, mm, v, prev && prev->vm_end > v->vm_start,
			"overlaps its predecessor");
		mm_warn(r, mm, v, v->vm_mm != mm, "wrong vm_mm");
		mm_warn(r, mm, v, v->anon_vma && v->anon_vma->refcount <= 0,
			"anon_vma #%u has refcount %d",
			v->anon_vma->id, v->anon_vma->refcount);
		mm_warn(r, mm, v, v->anon_vma && v->anon_vma->mapping_id &&
			mapping_id_obj(&mm->sys->phys, v->anon_vma->mapping_id) !=
			v->anon_vma, "anon_vma #%u: its mapping id %u is not its",
			v->anon_vma->id, v->anon_vma->mapping_id);
		mm_warn(r, mm, v, v->vm_file && v->vm_file->refcount <= 0,
			"file with refcount %d", v->vm_file->refcount);
		check_i_mmap(r, mm, v);
	}
	mm_warn(r, mm, NULL, n, "the tree has VMAs the list lacks");
	mm_warn(r, mm, NULL, listed != count, "list has %zu VMAs, tree %zu",
		listed, count);
	mm_warn(r, mm, NULL, mm->map_count != count, "map_count %lu, but %zu VMAs",
		(unsigned long)mm->map_count, count);
	mm_warn(r, mm, NULL, !cache_ok, "mmap_cache points at no linked VMA");
	mm_warn(r, mm, NULL, mm->mm_users < 0 || mm->mm_count <= 0,
		"mm_users %d, mm_count %d", mm->mm_users, mm->mm_count);
}

struct mt_ctx {
	const struct vmsh_mm *mm;
	struct check_report *r;
	const struct vmsh_vma *v;       /* the list's next VMA */
};

static int check_mt_entry(void *ctx, uint64_t first, uint64_t last, void *e)
{
	struct mt_ctx *c = ctx;
	const struct vmsh_vma *v = c->v;

	if (mm_warn(c->r, c->mm, NULL, !v || e != v || first != v->vm_start ||
		    last != v->vm_end - 1,
		    "maple tree: [%#lx, %#lx] is not the list's next VMA",
		    (unsigned long)first, (unsigned long)last))
		return 1;
	c->v = v->vm_next;
	return 0;
}

/* The maple tree: mt_validate's checks, and the ranges it maps are
 * exactly the VMAs of the list, in order. */
static void check_maple(struct check_report *r, const struct vmsh_mm *mm)
{
	struct mt_ctx c = { mm, r, mm->mmap };
	char why[160];

	mm_warn(r, mm, NULL, mt_validate(&mm->mm_mt, why, sizeof(why)), "%s", why);
	mm_warn(r, mm, c.v, !mt_for_each(&mm->mm_mt, check_mt_entry, &c) && c.v,
		"not in the maple tree");
}

void check_mm(const struct vmsh_mm *mm, struct check_report *r)
{
	if (mm->mm_users > 0) {
		check_vmas(r, mm);
		check_maple(r, mm);
	}
}

/* ---- files and their page cache ------------------------------------------ */

struct files_ctx {
	const struct vmsh_sys *sys;
	const struct vmsh_file *f;
	struct check_report *r;
};

/* check_warn() of a problem of frame @pfn of the file being checked. */
#define file_warn(c, cond, what, pfn) \
	check_warn((c)->r, cond, "file %s: pfn %#lx: %s", \
		   (c)->f ? (c)->f->name : "?", (unsigned long)(pfn), what)

static void check_cached(void *ctx, uint64_t index, uint64_t pfn)
{
	struct files_ctx *c = ctx;
	const struct page *pg;

	if (file_warn(c, pfn >= c->sys->phys.nframes, "cached frame out of range", pfn))
		return;
	pg = &c->sys->phys.pages[pfn];
	/* the first problem of the frame only */
	(void)(file_warn(c, pg->kind != (c->f->device ? PAGE_DEV : PAGE_FILE),
			 "cached frame of the wrong kind", pfn) ||
	       file_warn(c, page_file(c->sys, pg) != c->f || pg->index != index,
			 "cached frame names another file or index", pfn) ||
	       file_warn(c, !c->f->device && index >= file_pages(c->f),
			 "page cached past EOF", pfn) ||
	       file_warn(c, pg->refcount != 1 + pg->mapcount + batch_refs(c->sys, pfn),
			 "refcount is not cache + mapcount (+ the batches)", pfn) ||
	       file_warn(c, !pg->uptodate && (!c->f->disk || pg->dirty ||
					      pg->mapcount || pg->order),
			 "!uptodate page not a clean, unmapped, order-0 disk page", pfn) ||
	       file_warn(c, pg->order && (!c->f->disk || pg->order > 9 ||
					  file_cache_lookup(c->f, folio_first_index(pg)) ==
					  UINT64_MAX ||
					  page_folio(c->sys, pg)->order != pg->order),
			 "page of a broken large folio", pfn));
}

/* The file's page-cache index and its pages. */
static void check_cache(struct files_ctx *c)
{
	const char *why = file_cache_check(c->f);

	if (!check_warn(c->r, why, "file %s: page cache: %s", c->f->name, why))
		file_for_each_page(c->f, check_cached, c);
}

void check_files(const struct vmsh_sys *sys, struct check_report *r)
{
	struct files_ctx c = { sys, NULL, r };
	const struct vmsh_file *f;
	uint64_t pfn;

	for (f = sys->files; f; f = f->next) {
		c.f = f;
		file_warn(&c, f->inode || f->deleted || f->refcount < 1 || f->nvmas < 0 ||
			  (f->mapping_id &&
			   mapping_id_obj(&sys->phys, f->mapping_id) != f),
			  "bad inode state", 0);
		check_cache(&c);
	}
	for (f = sys->devs; f; f = f->next) {
		c.f = f;
		check_cache(&c);
	}
	/* every page-cache frame belongs to the cache of its file */
	c.f = NULL;
	for (pfn = 0; pfn < sys->phys.hiwater; pfn++) {
		const struct page *pg = &sys->phys.pages[pfn];
		const struct vmsh_file *pf = page_file(sys, pg);

		if (pg->kind != PAGE_FILE && pg->kind != PAGE_DEV)
			continue;
		/* truncated while it waits in the mlock or lru_add batch:
		 * out of the cache, freed when the batch lets it go (as
		 * Linux's folio with no mapping) */
		if (!pf && batch_refs(sys, pfn) && !pg->mapcount)
			continue;
		if (file_warn(&c, !pf || pf->inode ||
			      file_cache_lookup(pf, pg->index) != pfn,
			      "page-cache frame not in its file's cache", pfn))
			continue;
		c.f = pf;
		check_cached(&c, pg->index, pfn);
		c.f = NULL;
	}
}

/* ---- frames, rss and page tables ----------------------------------------- */

struct pages_ctx {
	const struct vmsh_sys *sys;
	int32_t *maps;          /* PTEs seen per frame */
	int64_t rss[NR_MM_COUNTERS];
	struct check_report *r;
	const struct vmsh_mm *mm;
	uint32_t *swaps;        /* swap PTEs seen per slot */
};

static void check_pte(uint64_t *ptep, uint64_t addr, void *vctx)
{
	struct pages_ctx *c = vctx;
	uint64_t pte = *ptep, pfn;
	const struct page *page;

	if (pte_is_guard(pte))
		return;
	if (is_swap_pte(pte)) {
		uint64_t off = swp_offset(pte);

		c->rss[MM_SWAPENTS]++;
		if (!check_warn(c->r, swp_type(pte) != 0 || !c->sys->swap.slots ||
				off == 0 || off >= c->sys->swap.nslots,
				"mm %u: swap PTE %#llx at %#llx names no slot",
				c->mm->id, (unsigned long long)pte,
				(unsigned long long)addr))
			c->swaps[off]++;
		return;
	}
	pfn = pte_pfn(pte);
	if (pte & _PAGE_SPECIAL)
		return;
	if (check_warn(c->r, pfn >= c->sys->phys.nframes,
		       "mm %u: PTE at %#llx maps pfn %#llx outside RAM",
		       c->mm->id, (unsigned long long)addr, (unsigned long long)pfn))
		return;
	page = &c->sys->phys.pages[pfn];
	if (check_warn(c->r, page->kind == PAGE_FREE || page->kind == PAGE_PGTABLE ||
		       page->kind == PAGE_ZERO,
		       "mm %u: PTE at %#llx maps pfn %#llx of kind %d",
		       c->mm->id, (unsigned long long)addr,
		       (unsigned long long)pfn, page->kind))
		return;
	c->maps[pfn]++;
	c->rss[page_mm_counter(page)]++;
}

/* A huge PMD maps the 512 frames of one anonymous PMD-size folio (or
 * the huge zero page), 2 MiB-aligned, inside a VMA that may hold it. */
static bool check_pmd(uint64_t *pmdp, uint64_t addr, uint64_t next, void *vctx)
{
	struct pages_ctx *c = vctx;
	const struct vmsh_sys *sys = c->sys;
	uint64_t pmd = *pmdp, head = pte_pfn(pmd), i;
	struct vmsh_vma *vma;

	(void)next;
	addr &= ~((1ULL << 21) - 1);
	vma = find_vma((struct vmsh_mm *)c->mm, addr);
	check_warn(c->r, !vma || vma->vm_start > addr ||
		   vma->vm_end < addr + (1ULL << 21) || !vma_is_anonymous(vma),
		   "mm %u: huge PMD at %#llx outside an anonymous VMA covering it",
		   c->mm->id, (unsigned long long)addr);
	if (pmd & _PAGE_SPECIAL) {
		check_warn(c->r, !sys->phys.huge_zero_pfn || head != sys->phys.huge_zero_pfn,
			   "mm %u: special huge PMD at %#llx is not the huge zero page",
			   c->mm->id, (unsigned long long)addr);
		return true;
	}
	if (check_warn(c->r, (head & 511) || head + 512 > sys->phys.nframes,
		       "mm %u: huge PMD at %#llx maps unaligned pfn %#llx",
		       c->mm->id, (unsigned long long)addr, (unsigned long long)head))
		return true;
	for (i = 0; i < 512; i++) {
		const struct page *p = &sys->phys.pages[head + i];

		if (check_warn(c->r, p->kind != PAGE_ANON ||
			       !(p->thp & (i ? PAGE_THP_TAIL : PAGE_THP_HEAD)) ||
			       p->exclusive != sys->phys.pages[head].exclusive,
			       "mm %u: huge PMD at %#llx: frame %#llx is not page %u of one anonymous folio",
			       c->mm->id, (unsigned long long)addr,
			       (unsigned long long)(head + i), (unsigned)i))
			return true;
		c->maps[head + i]++;
	}
	c->rss[MM_ANONPAGES] += 512;
	return true;
}

/* Tables reachable from the PGD are page-table frames. */
static void count_tables(struct pages_ctx *c, uint64_t pfn, int depth,
			 uint64_t *ntables)
{
	const struct vmsh_sys *sys = c->sys;
	int levels = sys->cfg.levels;
	const uint64_t *t;
	unsigned i;

	if (check_warn(c->r, pfn >= sys->phys.nframes ||
		       sys->phys.pages[pfn].kind != PAGE_PGTABLE,
		       "mm %u: table pfn %#llx is not a page-table frame",
		       c->mm->id, (unsigned long long)pfn))
		return;
	c->maps[pfn]++;
	if (pt_table_counted(levels, depth))
		(*ntables)++;
	if (depth == levels - 1)
		return;
	t = pt_table(sys, pfn);
	if (depth == levels - 2) {
		/* the PTE tables deposited for its huge PMDs */
		uint64_t dep = sys->phys.pages[pfn].index, n = 0, huge = 0;

		for (; dep && n <= 512; n++) {
			count_tables(c, dep - 1, levels - 1, ntables);
			dep = dep - 1 < sys->phys.nframes ?
			      sys->phys.pages[dep - 1].index : 0;
		}
		for (i = 0; i < 512; i++)
			huge += pmd_trans_huge(t[i]);
		check_warn(c->r, n != huge,
			   "mm %u: PMD table %#llx has %llu huge PMDs but %llu deposited tables",
			   c->mm->id, (unsigned long long)pfn,
			   (unsigned long long)huge, (unsigned long long)n);
	}
	for (i = 0; i < 512; i++)
		if ((t[i] & _PAGE_PRESENT) &&
		    !(depth == levels - 2 && pmd_trans_huge(t[i])))
			count_tables(c, (t[i] & PTE_PFN_MASK) >> PAGE_SHIFT,
				     depth + 1, ntables);
}

void check_pages(const struct vmsh_sys *sys, struct check_report *r)
{
	struct pages_ctx c = { .sys = sys, .r = r };
	const struct vmsh_mm *mm;
	uint64_t pfn, nfree = 0;
	struct phys_host_bytes hb = { 0, 0, 0, 0 };
	const char *why;
	int k;

	if (!sys->phys.pages)
		return;
	c.maps = xcalloc(sys->phys.nframes, sizeof(*c.maps));
	c.swaps = xcalloc(sys->swap.nslots + 1, sizeof(*c.swaps));
	for (mm = sys->mms; mm; mm = mm->next_all) {
		uint64_t ntables = 0, top;

		c.mm = mm;
		memset(c.rss, 0, sizeof(c.rss));
		if (mm->pgd >= sys->phys.nframes ||
		    sys->phys.pages[mm->pgd].kind != PAGE_PGTABLE)
			continue;       /* torn down (or not built) */
		top = 1ULL << (PAGE_SHIFT + 9 * sys->cfg.levels - 1);
		pt_walk_range(mm, 0, top, check_pte, check_pmd, &c);
		for (k = 0; k < NR_MM_COUNTERS; k++)
			check_warn(r, c.rss[k] != mm->rss[k],
				   "mm %u: rss counter %d is %lld, PTEs say %lld",
				   mm->id, k, (long long)mm->rss[k], (long long)c.rss[k]);
		count_tables(&c, mm->pgd, 0, &ntables);
		check_warn(r, ntables * PAGE_SIZE != mm->pgtables_bytes,
			   "mm %u: pgtables_bytes %llu, tables say %llu",
			   mm->id, (unsigned long long)mm->pgtables_bytes,
			   (unsigned long long)(ntables * PAGE_SIZE));
	}
	nfree = sys->phys.nframes - sys->phys.hiwater;   /* never used */
	for (pfn = 0; pfn < sys->phys.hiwater; pfn++) {
		const struct page *p = &sys->phys.pages[pfn];
		bool bit = lbm_test(&sys->phys.freemap, pfn);

		check_warn(r, bit != (p->kind == PAGE_FREE), "frame %#llx: free map says %s",
			   (unsigned long long)pfn, bit ? "free" : "in use");
		if (p->kind == PAGE_FREE) {
			nfree++;
			check_warn(r, p->refcount || p->mapcount || p->data,
				   "free frame %#llx has state", (unsigned long long)pfn);
			continue;
		}
		/* a frame of an unsplit THP may be held by its folio with
		 * no reference of its own (check_lru: check_thp_folios) */
		check_warn(r, p->refcount < 0 ||
			   (!p->refcount && !(p->kind == PAGE_ANON && p->thp)),
			   "frame %#llx in use with refcount %d",
			   (unsigned long long)pfn, p->refcount);
		check_warn(r, page_mapping_id(p) &&
			   !mapping_id_obj(&sys->phys, page_mapping_id(p)),
			   "frame %#llx names mapping id %u, which no object holds",
			   (unsigned long long)pfn, page_mapping_id(p));
		why = phys_check_contents(sys, pfn, &hb);
		check_warn(r, why, "frame %#llx: %s", (unsigned long long)pfn, why);
		if (p->kind == PAGE_PGTABLE) {
			check_warn(r, c.maps[pfn] != 1, "page table %#llx referenced %d times",
				   (unsigned long long)pfn, c.maps[pfn]);
			continue;
		}
		if (p->kind == PAGE_ZERO)
			continue;
		check_warn(r, p->mapcount != c.maps[pfn],
			   "frame %#llx: mapcount %d but %d PTEs map it",
			   (unsigned long long)pfn, p->mapcount, c.maps[pfn]);
		check_warn(r, p->refcount < p->mapcount, "frame %#llx: refcount %d < mapcount %d",
			   (unsigned long long)pfn, p->refcount, p->mapcount);
		/* the mlock and lru_add batches hold a reference per entry */
		check_warn(r, p->kind == PAGE_ANON &&
			   p->refcount != p->mapcount + !!p->swap + batch_refs(sys, pfn),
			   "anon frame %#llx: refcount %d != mapcount %d%s + %d in the batches",
			   (unsigned long long)pfn, p->refcount, p->mapcount,
			   p->swap ? " + the swap cache" : "", batch_refs(sys, pfn));
		/* PageAnonExclusive: one PTE at most maps the page (fork
		 * and try_to_unmap clear it); a THP's frames follow the
		 * head (check_pmd) */
		check_warn(r, p->kind == PAGE_ANON && p->exclusive && !p->thp &&
			   p->mapcount > 1, "anon frame %#llx: exclusive but mapped %d times",
			   (unsigned long long)pfn, p->mapcount);
		check_warn(r, p->swap && (p->kind != PAGE_ANON || !sys->swap.slots ||
					  p->swap >= sys->swap.nslots ||
					  !sys->swap.slots[p->swap].cache ||
					  sys->swap.slots[p->swap].cache_pfn != pfn),
			   "frame %#llx: swap cache of slot %#x, which does not know it",
			   (unsigned long long)pfn, p->swap);
	}
	{
		uint64_t off, inuse = 0;
		const struct vmsh_file *f;

		/* shmem/tmpfs swap entries (in the page cache's slots) */
		for (f = sys->shmem_swaplist; f; f = f->swap_next) {
			uint64_t i;

			for (i = 0; i < f->swapped.cap; i++) {
				const struct pcache_slot *e = &f->swapped.tab[i];

				if (e->index == UINT64_MAX)
					continue;
				if (check_warn(r, !e->pfn || e->pfn >= sys->swap.nslots,
					       "%s: swap entry of page %#llx names no slot",
					       f->path, (unsigned long long)e->index))
					continue;
				c.swaps[e->pfn]++;
				check_warn(r, file_cache_lookup(f, e->index) != UINT64_MAX,
					   "%s: page %#llx is both cached and swapped",
					   f->path, (unsigned long long)e->index);
			}
		}
		for (off = 1; off < sys->swap.nslots; off++) {
			const struct swap_slot *s = &sys->swap.slots[off];

			if (s->count || s->cache)
				inuse++;
			check_warn(r, s->count != c.swaps[off],
				   "swap slot %#llx: count %u but %u swap PTEs and shmem entries",
				   (unsigned long long)off, s->count, c.swaps[off]);
			check_warn(r, s->cache && (s->cache_pfn >= sys->phys.nframes ||
						   sys->phys.pages[s->cache_pfn].swap != off),
				   "swap slot %#llx: its cache folio does not name it",
				   (unsigned long long)off);
			check_warn(r, !s->count && !s->cache && (s->data || s->written),
				   "swap slot %#llx is free but holds data",
				   (unsigned long long)off);
		}
		check_warn(r, inuse != sys->swap.inuse,
			   "swap: %llu slots in use, inuse says %llu",
			   (unsigned long long)inuse, (unsigned long long)sys->swap.inuse);
	}
	free(c.swaps);
	check_warn(r, nfree != sys->phys.nfree, "phys: %llu free frames, nfree says %llu",
		   (unsigned long long)nfree, (unsigned long long)sys->phys.nfree);
	check_warn(r, !phys_host_bytes_agree(sys, &hb),
		   "phys: host bytes counted disagree with the frames");
	free(c.maps);
}

/* ---- tasks and mm lifetimes ---------------------------------------------- */

/* Lazy references the CPUs hold on @mm (kernel thread or idle running). */
static int lazy_refs(const struct vmsh_sys *sys, const struct vmsh_mm *mm)
{
	int n = 0;
	unsigned i;

	for (i = 0; i < sys->cfg.cpus; i++) {
		const struct cpu *c = &sys->cpus[i];

		if (c->loaded_mm == mm && (!c->curr || !c->curr->mm))
			n++;
	}
	return n;
}

static int cmp_uptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/* How many times @key is in the sorted @v[@n]. */
static int count_key(const uintptr_t *v, size_t n, uintptr_t key)
{
	size_t lo = 0, hi = n;
	int c = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo < n && v[lo++] == key)
		c++;
	return c;
}

void check_tasks(const struct vmsh_sys *sys, struct check_report *r)
{
	const struct vmsh_task *t;
	const struct vmsh_mm *mm;
	uintptr_t *users_of;
	size_t ntasks = 0;
	int last = 0;
	unsigned i;

	if (!sys->cpus)
		return;
	for (t = sys->tasks; t; t = t->next) {
		int on = 0;

		check_warn(r, t->pid <= last || t->pid >= sys->next_pid,
			   "task list: pid %d out of order", t->pid);
		last = t->pid;
		check_warn(r, task_of_pid(sys, t->pid) != t,
			   "pid %d: not in the pid index", t->pid);
		check_warn(r, t->ppid > 0 && (t->ppid >= sys->pids_cap ||
					      !sys->pids[t->ppid].children),
			   "pid %d: not a child of %d", t->pid, t->ppid);
		check_warn(r, (t->kind == VMSH_TASK_KTHREAD) != (t->mm == NULL),
			   "pid %d: kind %d with mm %u", t->pid, t->kind,
			   t->mm ? t->mm->id : 0);
		check_warn(r, t->mm && t->active_mm != t->mm,
			   "pid %d: active_mm is not its mm", t->pid);
		for (i = 0; i < sys->cfg.cpus; i++)
			on += sys->cpus[i].curr == t;
		check_warn(r, on > 1, "pid %d runs on %d CPUs", t->pid, on);
		if (t->tgid != t->pid) {
			const struct vmsh_task *l = task_of_pid(sys, t->tgid);

			/* the leader may have exited before its threads */
			check_warn(r, (l && (l->tgid != l->pid || l->mm != t->mm)) ||
				   t->kind != VMSH_TASK_THREAD,
				   "pid %d: bad thread group %d", t->pid, t->tgid);
		}
		check_warn(r, !t->mm && !on && t->active_mm,
			   "pid %d: a sleeping kernel thread borrows mm %u",
			   t->pid, t->active_mm->id);
	}
	for (i = 0; i < sys->cfg.cpus; i++) {
		const struct cpu *c = &sys->cpus[i];

		check_warn(r, c->curr && c->curr->active_mm != c->loaded_mm,
			   "cpu %u: loaded mm %u is not pid %d's active_mm",
			   i, c->loaded_mm ? c->loaded_mm->id : 0, c->curr->pid);
	}
	check_warn(r, sys->tasks && (!sys->current ||
				     sys->cpus[sys->cur_cpu].curr != sys->current),
		   "the current task is not running on the current CPU");
	/* the tasks' mms, sorted: each mm's users by binary search, so
	 * check stays O(n log n) in the tasks (20,000 forks) */
	for (t = sys->tasks; t; t = t->next)
		ntasks++;
	users_of = xcalloc(ntasks + 1, sizeof(*users_of));
	ntasks = 0;
	for (t = sys->tasks; t; t = t->next)
		if (t->mm)
			users_of[ntasks++] = (uintptr_t)t->mm;
	qsort(users_of, ntasks, sizeof(*users_of), cmp_uptr);
	for (mm = sys->mms; mm; mm = mm->next_all) {
		int users = count_key(users_of, ntasks, (uintptr_t)mm), count;

		check_warn(r, mm->mm_users != users, "mm %u: mm_users %d, %d tasks use it",
			   mm->id, mm->mm_users, users);
		count = (users > 0) + lazy_refs(sys, mm);
		check_warn(r, mm->mm_count != count, "mm %u: mm_count %d, %d references",
			   mm->id, mm->mm_count, count);
	}
	free(users_of);
	for (i = 0; i < sys->cfg.cpus; i++) {
		const struct vmsh_mm *l = sys->cpus[i].loaded_mm;

		for (mm = sys->mms; l && mm && mm != l; mm = mm->next_all)
			;
		check_warn(r, l && !mm, "cpu %u: loaded mm is freed", i);
	}
}

/* ---- the whole machine --------------------------------------------------- */

void check_sys(const struct vmsh_sys *sys, struct check_report *r)
{
	const struct vmsh_mm *mm;

	for (mm = sys->mms; mm; mm = mm->next_all)
		check_mm(mm, r);
	check_pages(sys, r);
	check_lru(sys, r);
	check_tasks(sys, r);
	check_files(sys, r);
	replace_check(sys, r);
}

int vmsh_check(const struct vmsh_sys *sys, char *buf, size_t size)
{
	struct check_report r;

	check_report_init(&r, buf, size);
	check_sys(sys, &r);
	return r.problems;
}

void validate_sys(const struct vmsh_sys *sys)
{
	struct check_report r;
	char buf[512];

	check_report_init(&r, buf, sizeof(buf));
	check_sys(sys, &r);
	if (!r.problems)
		return;
	fprintf(stderr, "vmsh: %d broken invariant%s, the first: %s\n",
		r.problems, r.problems == 1 ? "" : "s", buf);
	abort();
}
