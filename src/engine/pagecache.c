/* SPDX-License-Identifier: MIT */
/*
 * The page cache of a file (mm/filemap.c's index side): a radix tree
 * of page index -> frame, the xarray's shape, the pages entering and
 * leaving it, and the walk over the VMAs mapping a file (i_mmap).
 *
 * Invariants kept:
 *  - every cached frame is PAGE_FILE (PAGE_DEV for a device's memory) with
 *    page_file() is the file and page->index == its index, and holds
 *    exactly one reference owned by the cache; it is uptodate, but for a
 *    disk file's end-of-file page that ext4's zeroing (truncate, a write
 *    past EOF) left over a hole (order 0, clean, unmapped: the next read
 *    of it makes it uptodate);
 *  - a disk file's readahead makes large folios: 2^order pages at a
 *    naturally aligned index, each with the folio's order and its head's
 *    pfn, the folio's flags on its first page (page_folio()); a folio is
 *    dropped or split whole, never a page of it alone;
 *  - the index is a radix tree of 64-slot nodes (file_cache_check):
 *    each node's count is its used slots, no node is empty, cache_nr is
 *    the number of cached pages; a freed node moves cache_gen.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "file.h"
#include "mm.h"
#include "memory.h"
#include "phys.h"
#include "reclaim.h"
#include "swap.h"
#include "sys.h"
#include "vma.h"

/* ---- the index: a radix tree of 64-slot nodes ---------------------------- */

/*
 * The xarray's shape without its generality: a node has 64 slots, the
 * bottom level's holding a cached page's pfn + 1, the others a child
 * node; 0 is empty.  A tree of height h holds the indexes below 64^h;
 * it grows a level at the top when an index does not fit (the old root
 * becomes slot 0 of the new one), and a node goes when its last slot
 * does.  Consecutive indexes share a node, so fault-around and
 * readahead read runs from one place.
 */
#define PC_SHIFT        6
#define PC_SLOTS        (1U << PC_SHIFT)
#define PC_MAX_HEIGHT   11      /* 66 bits: every uint64_t index */

struct pcache_node {
	uint64_t slot[PC_SLOTS];
	unsigned count;         /* slots in use */
};

static struct pcache_node *pc_child(const struct pcache_node *n, unsigned i)
{
	return (struct pcache_node *)(uintptr_t)n->slot[i];
}

/* The slot of @index in a node at @level (0: the bottom). */
static unsigned pc_offset(uint64_t index, unsigned level)
{
	return (unsigned)(index >> (PC_SHIFT * level)) & (PC_SLOTS - 1);
}

/* Does a tree of @height levels reach @index? */
static bool pc_reaches(unsigned height, uint64_t index)
{
	return PC_SHIFT * height >= 64 || !(index >> (PC_SHIFT * height));
}

/* The bottom node holding @index's slot, or NULL. */
static const struct pcache_node *pc_leaf(const struct vmsh_file *f,
					 uint64_t index)
{
	const struct pcache_node *n = f->cache;
	unsigned level = f->cache_height;

	if (!n || !pc_reaches(level, index))
		return NULL;
	while (n && --level > 0)
		n = pc_child(n, pc_offset(index, level));
	return n;
}

uint64_t file_cache_lookup_next(const struct vmsh_file *f, uint64_t index,
				struct pcache_cursor *c)
{
	const struct pcache_node *leaf = c->leaf;
	uint64_t v;

	if (!leaf || c->gen != f->cache_gen || c->base != index >> PC_SHIFT) {
		leaf = pc_leaf(f, index);
		c->leaf = leaf;
		c->base = index >> PC_SHIFT;
		c->gen = f->cache_gen;
	}
	v = leaf ? leaf->slot[index & (PC_SLOTS - 1)] : 0;
	return v ? v - 1 : UINT64_MAX;
}

uint64_t file_cache_lookup(const struct vmsh_file *f, uint64_t index)
{
	struct pcache_cursor c = { NULL, 0, 0 };

	return file_cache_lookup_next(f, index, &c);
}

struct page *page_folio(const struct vmsh_sys *sys, const struct page *pg)
{
	const struct vmsh_file *f;
	uint64_t pfn;

	if (!pg->order || pg->kind == PAGE_ANON || !(f = page_file(sys, pg)))
		return (struct page *)pg;
	pfn = file_cache_lookup(f, folio_first_index(pg));
	if (pfn == UINT64_MAX)
		return (struct page *)pg;       /* check_files reports it */
	return &sys->phys.pages[pfn];
}

/* @index (not cached) caches @pfn. */
static void cache_insert(struct vmsh_file *f, uint64_t index, uint64_t pfn)
{
	struct pcache_node *n;
	unsigned level;

	/* as high as @index needs: a tree grows by a new root above the
	 * old one; an empty tree (height 0) only by its height, never by
	 * an empty node pushed down */
	while (!f->cache_height || !pc_reaches(f->cache_height, index)) {
		if (f->cache) {
			n = xcalloc(1, sizeof(*n));
			n->slot[0] = (uintptr_t)f->cache;
			n->count = 1;
			f->cache = n;
		}
		f->cache_height++;
	}
	if (!f->cache)
		f->cache = xcalloc(1, sizeof(*f->cache));
	n = f->cache;
	for (level = f->cache_height - 1; level > 0; level--) {
		uint64_t *s = &n->slot[pc_offset(index, level)];

		if (!*s) {
			*s = (uintptr_t)xcalloc(1, sizeof(*n));
			n->count++;
		}
		n = (struct pcache_node *)(uintptr_t)*s;
	}
	n->slot[pc_offset(index, 0)] = pfn + 1;
	n->count++;
	f->cache_nr++;
}

/* @index (cached) leaves the index; each node it empties goes. */
static void cache_remove(struct vmsh_file *f, uint64_t index)
{
	struct pcache_node *path[PC_MAX_HEIGHT], *n = f->cache;
	unsigned h = f->cache_height, level;

	for (level = h - 1; level > 0; level--) {
		path[level] = n;
		n = pc_child(n, pc_offset(index, level));
	}
	path[0] = n;
	for (level = 0; level < h; level++) {
		n = path[level];
		n->slot[pc_offset(index, level)] = 0;
		if (--n->count)
			break;
		free(n);
		f->cache_gen++;
		if (level == h - 1) {
			f->cache = NULL;
			f->cache_height = 0;
		}
	}
	f->cache_nr--;
}

/* Call @fn for the pages below @n (at @level, its first index @base) in
 * index order; free each node after when @release. */
static void pc_walk(struct pcache_node *n, unsigned level, uint64_t base,
		    void (*fn)(void *ctx, uint64_t index, uint64_t pfn),
		    void *ctx, bool release)
{
	for (unsigned i = 0; i < PC_SLOTS; i++) {
		uint64_t index = base | (uint64_t)i << (PC_SHIFT * level);

		if (!n->slot[i])
			continue;
		if (level)
			pc_walk(pc_child(n, i), level - 1, index, fn, ctx,
				release);
		else
			fn(ctx, index, n->slot[i] - 1);
	}
	if (release)
		free(n);
}

void file_for_each_page(const struct vmsh_file *f,
			void (*fn)(void *ctx, uint64_t index, uint64_t pfn),
			void *ctx)
{
	if (f->cache)
		pc_walk(f->cache, f->cache_height - 1, 0, fn, ctx, false);
}

struct index_list {
	uint64_t *v, n;
};

static void add_index(void *ctx, uint64_t index, uint64_t pfn)
{
	struct index_list *l = ctx;

	(void)pfn;
	l->v[l->n++] = index;
}

uint64_t *file_cache_indexes(const struct vmsh_file *f, uint64_t *n)
{
	struct index_list l = { xmalloc((f->cache_nr + 1) * sizeof(*l.v)), 0 };

	file_for_each_page(f, add_index, &l);  /* in index order */
	*n = l.n;
	return l.v;
}

/* The node's counts, and the pages below it (0: something is wrong). */
static uint64_t pc_check(const struct pcache_node *n, unsigned level)
{
	uint64_t pages = 0, below;
	unsigned used = 0;

	for (unsigned i = 0; i < PC_SLOTS; i++) {
		if (!n->slot[i])
			continue;
		used++;
		if (!level) {
			pages++;
			continue;
		}
		below = pc_check(pc_child(n, i), level - 1);
		if (!below)
			return 0;
		pages += below;
	}
	return used && used == n->count ? pages : 0;
}

const char *file_cache_check(const struct vmsh_file *f)
{
	if (!f->cache)
		return f->cache_nr || f->cache_height ? "empty tree with pages" :
							NULL;
	if (!f->cache_height || f->cache_height > PC_MAX_HEIGHT)
		return "tree height out of range";
	if (pc_check(f->cache, f->cache_height - 1) != f->cache_nr)
		return "node counts or cache_nr wrong";
	return NULL;
}

/* ---- pages --------------------------------------------------------------- */

uint64_t filemap_add_page(struct vmsh_sys *sys, struct vmsh_file *f,
			  uint64_t index, bool uptodate)
{
	uint64_t pfn = __filemap_add_page(sys, f, index, uptodate);

	/* filemap_add_folio -> folio_add_lru: into the lru_add batch */
	if (pfn != UINT64_MAX && phys_page(sys, pfn)->kind == PAGE_FILE)
		folio_add_lru(sys, pfn);
	return pfn;
}

uint64_t __filemap_add_page(struct vmsh_sys *sys, struct vmsh_file *f,
			    uint64_t index, bool uptodate)
{
	uint64_t pfn = phys_alloc(sys, f->device ? PAGE_DEV : PAGE_FILE);
	struct page *pg;

	if (pfn == UINT64_MAX)
		return pfn;
	pg = phys_page(sys, pfn);
	page_set_file(sys, pg, f);
	pg->index = index;
	pg->uptodate = uptodate;
	cache_insert(f, index, pfn);
	if (pg->kind == PAGE_FILE) {
		/* a disk file's page goes on the file lists, shmem and tmpfs
		 * (swap-backed) on the anon ones; workingset_refault() when
		 * a shadow says it was here */
		pg->file_lru = f->disk;
		file_backing_load(sys, f, index, pfn);
		workingset_refault(sys, pfn, file_shadow_take(f, index));
	}
	return pfn;
}

int filemap_get_page(struct vmsh_sys *sys, struct vmsh_file *f, uint64_t index,
		     bool create, uint64_t *pfn)
{
	uint64_t p = file_cache_lookup(f, index);
	struct page *pg;

	if (p == UINT64_MAX && f->swapped.nr && shmem_swapped(f, index)) {
		/* shmem_get_folio of a swapped page: back from swap */
		p = shmem_swapin(sys, f, index, false);
		if (p == UINT64_MAX)
			return -ENOMEM;
	}
	if (p == UINT64_MAX) {
		if (!create)
			return -ENOENT;
		p = filemap_add_page(sys, f, index, true);
		if (p == UINT64_MAX)
			return -ENOMEM;
	} else if (create && !(pg = phys_page(sys, p))->uptodate) {
		/* filemap_read_folio of a hole: zeroes, now uptodate */
		trace(sys, "filemap_read_folio %s index=%#lx", f->path, index);
		pg->uptodate = true;
	}
	phys_get(sys, p);
	*pfn = p;
	return 0;
}

void filemap_insert_page(struct vmsh_sys *sys, struct vmsh_file *f,
			 uint64_t index, uint64_t pfn)
{
	struct page *pg = phys_page(sys, pfn);

	pg->kind = PAGE_FILE;
	page_set_file(sys, pg, f);
	pg->index = index;
	pg->uptodate = true;
	pg->file_lru = f->disk;
	cache_insert(f, index, pfn);
}

/* The cache lets go of its page @pfn: no longer the file's, not dirty. */
static void cache_release_page(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *pg = phys_page(sys, pfn);

	page_set_file(sys, pg, NULL);
	pg->dirty = false;
	phys_put(sys, pfn);
}

void filemap_remove_page(struct vmsh_sys *sys, struct vmsh_file *f,
			 uint64_t index)
{
	uint64_t pfn = file_cache_lookup(f, index);

	cache_remove(f, index);
	cache_release_page(sys, pfn);
}

static void release_cached(void *ctx, uint64_t index, uint64_t pfn)
{
	(void)index;
	cache_release_page(ctx, pfn);
}

void truncate_inode_pages_final(struct vmsh_sys *sys, struct vmsh_file *f)
{
	if (f->cache)
		pc_walk(f->cache, f->cache_height - 1, 0, release_cached, sys,
			true);
	f->cache = NULL;
	f->cache_height = 0;
	f->cache_nr = 0;
	f->cache_gen++;
	file_shadows_truncate(f, 0);
	shmem_evict_swap(sys, f);
}
