/* SPDX-License-Identifier: MIT */
/*
 * The page cache of a file (mm/filemap.c's index side): an
 * open-addressing hash of page index -> frame, the pages entering and
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
 *  - cache_nr is the number of cached pages; at most half the slots are
 *    used, and an empty slot ends every probe sequence.
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

#define SLOT_EMPTY     UINT64_MAX

/* ---- the index: open addressing, linear probing -------------------------- */

/* Sixteen consecutive indexes hash to sixteen consecutive slots (four
 * cache lines): fault-around and readahead look up runs of pages, as
 * the xarray keeps them in one node. */
#define SLOT_RUN_SHIFT 4

static uint64_t slot_hash(uint64_t index, uint64_t cap)
{
	uint64_t h = index >> SLOT_RUN_SHIFT;

	h ^= h >> 31;
	h *= 0x9e3779b97f4a7c15ULL;
	h ^= h >> 29;
	return ((h << SLOT_RUN_SHIFT) | (index & ((1 << SLOT_RUN_SHIFT) - 1))) &
	       (cap - 1);
}

uint64_t file_cache_lookup_next(const struct vmsh_file *f, uint64_t index,
				uint64_t *slot)
{
	uint64_t i;

	if (!f->cache_cap)
		return UINT64_MAX;
	/* the neighbour of the last one found: the next index of its run */
	i = (*slot + 1) & (f->cache_cap - 1);
	if (*slot != UINT64_MAX && f->cache[i].index == index)
		goto found;
	for (i = slot_hash(index, f->cache_cap);; i = (i + 1) & (f->cache_cap - 1)) {
		if (f->cache[i].index == SLOT_EMPTY) {
			*slot = UINT64_MAX;
			return UINT64_MAX;
		}
		if (f->cache[i].index == index)
			goto found;
	}
found:
	*slot = i;
	return f->cache[i].pfn;
}

uint64_t file_cache_lookup(const struct vmsh_file *f, uint64_t index)
{
	uint64_t slot = UINT64_MAX;

	return file_cache_lookup_next(f, index, &slot);
}

struct page *page_folio(const struct vmsh_sys *sys, const struct page *pg)
{
	uint64_t pfn;

	if (!pg->order || pg->kind == PAGE_ANON || !page_file(sys, pg))
		return (struct page *)pg;
	pfn = file_cache_lookup(page_file(sys, pg), folio_first_index(pg));
	if (pfn == UINT64_MAX)
		return (struct page *)pg;       /* check_files reports it */
	return &sys->phys.pages[pfn];
}

static void cache_insert_slot(struct pcache_slot *tab, uint64_t cap,
			      uint64_t index, uint64_t pfn)
{
	uint64_t i = slot_hash(index, cap);

	while (tab[i].index != SLOT_EMPTY)
		i = (i + 1) & (cap - 1);
	tab[i].index = index;
	tab[i].pfn = pfn;
}

static void cache_insert(struct vmsh_file *f, uint64_t index, uint64_t pfn)
{
	if ((f->cache_nr + 1) * 2 > f->cache_cap) {
		uint64_t cap = f->cache_cap ? f->cache_cap * 2 : 16;
		struct pcache_slot *tab = xmalloc(cap * sizeof(*tab));
		uint64_t i;

		for (i = 0; i < cap; i++)
			tab[i].index = SLOT_EMPTY;
		for (i = 0; i < f->cache_cap; i++)
			if (f->cache[i].index != SLOT_EMPTY)
				cache_insert_slot(tab, cap, f->cache[i].index,
						  f->cache[i].pfn);
		free(f->cache);
		f->cache = tab;
		f->cache_cap = cap;
	}
	cache_insert_slot(f->cache, f->cache_cap, index, pfn);
	f->cache_nr++;
}

/* Remove @index (present) with backward-shift deletion. */
static void cache_remove(struct vmsh_file *f, uint64_t index)
{
	uint64_t mask = f->cache_cap - 1, i, j;

	for (i = slot_hash(index, f->cache_cap); f->cache[i].index != index;
	     i = (i + 1) & mask)
		;
	for (j = (i + 1) & mask; f->cache[j].index != SLOT_EMPTY; j = (j + 1) & mask) {
		uint64_t h = slot_hash(f->cache[j].index, f->cache_cap);

		/* move j into the hole at i unless its home lies in (i, j] */
		if (((j - h) & mask) >= ((j - i) & mask)) {
			f->cache[i] = f->cache[j];
			i = j;
		}
	}
	f->cache[i].index = SLOT_EMPTY;
	f->cache_nr--;
}

void file_for_each_page(const struct vmsh_file *f,
			void (*fn)(void *ctx, uint64_t index, uint64_t pfn),
			void *ctx)
{
	uint64_t i;

	for (i = 0; i < f->cache_cap; i++)
		if (f->cache[i].index != SLOT_EMPTY)
			fn(ctx, f->cache[i].index, f->cache[i].pfn);
}

uint64_t *file_cache_indexes(const struct vmsh_file *f, uint64_t *n)
{
	uint64_t *v = xmalloc((f->cache_nr + 1) * sizeof(*v)), i, k = 0;

	for (i = 0; i < f->cache_cap; i++)
		if (f->cache[i].index != SLOT_EMPTY)
			v[k++] = f->cache[i].index;
	qsort(v, k, sizeof(*v), cmp_u64);
	*n = k;
	return v;
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

void truncate_inode_pages_final(struct vmsh_sys *sys, struct vmsh_file *f)
{
	uint64_t i;

	for (i = 0; i < f->cache_cap; i++)
		if (f->cache[i].index != SLOT_EMPTY)
			cache_release_page(sys, f->cache[i].pfn);
	free(f->cache);
	f->cache = NULL;
	f->cache_cap = 0;
	f->cache_nr = 0;
	file_shadows_truncate(f, 0);
	shmem_evict_swap(sys, f);
}
