/* SPDX-License-Identifier: MIT */
/*
 * Readahead of disk files (mm/readahead.c).
 *
 * tmpfs has none.  A disk file reads ahead as ext4 does on our build
 * machines (6.18): read_ahead_kb 8192 (2048 pages); the PG_readahead mark
 * on the folio at start + size - async_size (rounded down to the folio);
 * and large folios: each async readahead raises the window's folio order
 * by 2 (ra->order, at most 9 and log2 of the window), so pages come in
 * naturally aligned folios that fault-around skips or maps whole.  Sync
 * readahead and mmap read-around use order 0.  Probes (/proc/kpageflags
 * heads and tails, mincore, pagemap): a 200-page file read at pages 0
 * and 1, then touched in order, holds 0-3 order 0, then folios of 4
 * pages at 4, 8, 12, 16 and 20, of 8 at 24, of 16 at 32, 48, 64 and 80.
 * Frames running out end a readahead early.
 *
 * Invariants kept:
 *  - readahead only adds pages, never past EOF and never over a cached
 *    page; a folio it makes is naturally aligned, its pages all new;
 *  - PG_readahead is only ever on the first page of a folio, and the
 *    reader that meets it clears it as it moves the window on
 *    (file_async_ra).
 */
#include "config.h"

#include <errno.h>

#include "file.h"
#include "memory.h"
#include "phys.h"
#include "sys.h"
#include "vm_flags.h"
#include "vma.h"

#define MMAP_LOTSAMISS  100
#define MAX_PAGECACHE_ORDER 9   /* PMD order */

static unsigned ilog2_u64(uint64_t v)
{
	unsigned n = 0;

	while (v >>= 1)
		n++;
	return n;
}

static unsigned lowest_bit(uint64_t v)
{
	unsigned n = 0;

	while (!(v & 1)) {
		v >>= 1;
		n++;
	}
	return n;
}

/* ra_alloc_folio + filemap_add_folio: 2^@order new pages at @index (the
 * allocation's reference is the cache's), marked when the folio holds
 * @mark.  -EEXIST when a page of the range is cached, -ENOMEM when the
 * frames run out. */
static int ra_alloc_folio(struct vmsh_sys *sys, struct vmsh_file *f,
			  uint64_t index, uint64_t mark, unsigned order)
{
	uint64_t n = 1ULL << order, i, pfn, head = UINT64_MAX;

	for (i = 0; i < n; i++)
		if (file_cache_lookup(f, index + i) != UINT64_MAX)
			return -EEXIST;
	/* readahead_gfp_mask (__GFP_NORETRY): readahead stops at the min
	 * watermark rather than take the reserve (the fault's own page
	 * does not: filemap_fault reads it alone) */
	if (n + sys->wmark_min > sys->phys.nfree)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		pfn = __filemap_add_page(sys, f, index + i, true);
		if (!i)
			head = pfn;
		phys_page(sys, pfn)->order = (uint8_t)order;
	}
	/* the folio goes to the lru_add batch once, by its first page (a
	 * large one moves the batch at once) */
	folio_add_lru(sys, head);
	if (index == (mark & ~(n - 1)))
		phys_page(sys, head)->readahead = true;
	return 0;
}

/* page_cache_ra_unbounded via do_page_cache_ra: order-0 pages for the
 * missing ones of @nr from @index (clipped to EOF), the one at @nr -
 * @lookahead marked.  Returns the pages added. */
static uint64_t do_page_cache_ra(struct vmsh_sys *sys, struct vmsh_file *f,
				 uint64_t index, uint64_t nr, uint64_t lookahead)
{
	uint64_t i, n = 0, mark;

	if (!f->size || index >= file_pages(f))
		return 0;
	if (nr > file_pages(f) - index)
		nr = file_pages(f) - index;
	/* the mark counts from the clipped length (page_cache_ra_unbounded) */
	mark = lookahead <= nr ? nr - lookahead : UINT64_MAX;
	for (i = 0; i < nr; i++) {
		if (file_cache_lookup(f, index + i) != UINT64_MAX)
			continue;
		if (ra_alloc_folio(sys, f, index + i, i == mark ? index + i :
				   UINT64_MAX, 0))
			break;
		n++;
	}
	return n;
}

/* page_cache_ra_order: read the window @ra in folios of at most ra->order
 * (naturally aligned, none past EOF or the window); a cached page in the
 * way ends the large folios and the order-0 path reads the rest. */
static void ra_read(struct vmsh_sys *sys, struct vmsh_file *f,
		    struct file_ra_state *ra)
{
	uint64_t start = ra->start, index = start, n = 0, limit;
	uint64_t mark = start + ra->size - ra->async_size;
	unsigned new_order = ra->order;
	int err = 0;

	if (!f->size || !ra->size)
		return;
	limit = file_pages(f) - 1;
	if (limit > start + ra->size - 1)
		limit = start + ra->size - 1;
	if (new_order > MAX_PAGECACHE_ORDER)
		new_order = MAX_PAGECACHE_ORDER;
	if (new_order > ilog2_u64(ra->size))
		new_order = ilog2_u64(ra->size);
	ra->order = new_order;
	while (index <= limit) {
		unsigned order = new_order;

		if (index & ((1ULL << order) - 1))
			order = lowest_bit(index);
		while (order > 0 && index + (1ULL << order) - 1 > limit)
			order--;
		err = ra_alloc_folio(sys, f, index, mark, order);
		if (err)
			break;
		n += 1ULL << order;
		index += 1ULL << order;
	}
	if (err && ra->size > index - start)
		n += do_page_cache_ra(sys, f, index, ra->size - (index - start),
				      ra->async_size);
	trace(sys, "page_cache_ra_order %s start=%#lx size=%#lx async=%#lx "
	      "order=%u read=%lu", f->path, start, ra->size, ra->async_size,
	      new_order, n);
}

static uint64_t next_ra_size(uint64_t cur)
{
	if (cur < RA_PAGES / 16)
		return 4 * cur;
	if (cur <= RA_PAGES / 2)
		return 2 * cur;
	return RA_PAGES;
}

static uint64_t init_ra_size(uint64_t req)
{
	uint64_t n = 1;

	while (n < req)
		n <<= 1;
	if (n <= RA_PAGES / 32)
		return n * 4;
	if (n <= RA_PAGES / 4)
		return n * 2;
	return RA_PAGES;
}

/* page_cache_async_ra: a reader at @index met the marked @folio.  The
 * window moves on (the expected index) or restarts after the cached run;
 * its folio order grows by 2 and its end is aligned to the new order. */
void file_async_ra(struct vmsh_sys *sys, struct vmsh_file *f,
		   struct file_ra_state *ra, struct page *folio,
		   uint64_t index, uint64_t req)
{
	uint64_t expected, start, end, aligned_end, align;

	folio_clear_readahead(folio);
	expected = (ra->start + ra->size - ra->async_size) &
		   ~(folio_nr_pages(folio) - 1);
	if (index == expected) {
		uint64_t next = next_ra_size(ra->size);

		ra->start += ra->size;
		if (next > ra->size)
			ra->size = next;
	} else {
		/* a marked folio without valid readahead state */
		for (start = index + 1; start <= index + RA_PAGES; start++)
			if (file_cache_lookup(f, start) == UINT64_MAX)
				break;
		if (start - index > RA_PAGES)
			return;
		ra->start = start;
		ra->size = next_ra_size(start - index + req);
	}
	ra->order += 2;
	align = 1ULL << (ra->order < 11 ? ra->order : 11);  /* ffs(max) - 1 */
	end = ra->start + ra->size;
	aligned_end = end & ~(align - 1);
	if (aligned_end > ra->start)
		ra->size -= end - aligned_end;
	ra->async_size = ra->size;
	ra_read(sys, f, ra);
}

/* force_page_cache_ra (generic_fadvise): order-0 pages, no readahead
 * mark, no change to the file's readahead state. */
void file_fadvise_willneed(struct vmsh_sys *sys, struct vmsh_file *f,
			   uint64_t off, uint64_t len)
{
	uint64_t first, last, nr, n;

	if (!f->disk || f->shmem || f->device || !len)
		return;
	first = off >> PAGE_SHIFT;
	last = (off + len - 1) >> PAGE_SHIFT;
	nr = last - first + 1 < RA_PAGES ? last - first + 1 : RA_PAGES;
	n = do_page_cache_ra(sys, f, first, nr, 0);
	trace(sys, "force_page_cache_ra %s index=%#lx nr=%#lx read=%lu",
	      f->path, first, nr, n);
}

/*
 * do_sync_mmap_readahead: read-around a major fault at @index of @vma;
 * false when it read nothing (too many misses).  An executable VMA reads
 * ahead from the fault to at most the VMA's end, with no async part
 * (6.16+: instruction fetch is random; probed on 6.18 with r-x and r--
 * mappings of a sparse ext4 file).
 */
bool file_mmap_readaround(struct vmsh_sys *sys, struct vmsh_file *f,
			  struct file_ra_state *ra,
			  const struct vmsh_vma *vma, uint64_t index)
{
	if (ra->mmap_miss < MMAP_LOTSAMISS * 10)
		ra->mmap_miss++;
	if (ra->mmap_miss > MMAP_LOTSAMISS)
		return false;
	ra->order = 0;          /* exec_folio_order() is 0 on x86 */
	if (vma->vm_flags & VM_EXEC) {
		uint64_t vma_end = vma->vm_pgoff + vma_pages(vma);

		ra->start = index > vma->vm_pgoff ? index : vma->vm_pgoff;
		ra->size = vma_end - ra->start < RA_PAGES ?
			   vma_end - ra->start : RA_PAGES;
		ra->async_size = 0;
	} else {
		ra->start = index > RA_PAGES / 2 ? index - RA_PAGES / 2 : 0;
		ra->size = RA_PAGES;
		ra->async_size = RA_PAGES / 4;
	}
	ra_read(sys, f, ra);
	return true;
}

void file_sync_ra(struct vmsh_sys *sys, struct vmsh_file *f,
		    struct file_ra_state *ra, uint64_t index, uint64_t req)
{
	uint64_t miss, contig, i;
	bool from_start = false;

	if (!index || req > RA_PAGES) {
		ra->start = index;
		ra->size = init_ra_size(req);
		ra->async_size = ra->size > req ? ra->size - req : ra->size / 2;
		ra->order = 0;
		ra_read(sys, f, ra);
		return;
	}
	/* page_cache_prev_miss: the nearest uncached page before @index */
	miss = index - 1;
	for (i = 0; i < RA_PAGES; i++, miss--) {
		if (file_cache_lookup(f, miss) == UINT64_MAX)
			break;
		if (miss == 0) {
			from_start = true;
			break;
		}
	}
	contig = from_start ? index : index - miss - 1;
	if (contig <= req) {
		do_page_cache_ra(sys, f, index, req, 0);   /* small, random */
		return;
	}
	if (from_start)
		contig *= 2;
	ra->start = index;
	ra->size = contig + req < RA_PAGES ? contig + req : RA_PAGES;
	ra->async_size = 1;
	ra->order = 0;
	ra_read(sys, f, ra);
}
