/* SPDX-License-Identifier: MIT */
/*
 * Truncate (mm/truncate.c, shmem_setattr, ext4_setattr): unmapping the
 * pages past a new EOF from every mapping, splitting the large folio that
 * holds it, dropping the pages past it, and ext4's zeroing of the partial
 * block at EOF (also for a write that starts past EOF).
 *
 * Invariants kept:
 *  - no page is cached at an index >= DIV_ROUND_UP(i_size, 4096), and
 *    none is mapped there: truncate unmaps them from every mapping
 *    (private COW copies included) before dropping them; bytes of the
 *    last page past i_size are zero;
 *  - a large folio is split, never cut: each part is a naturally aligned
 *    folio with the old folio's flags, and the split leaves no page of it
 *    mapped (a file folio is not mapped again).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "file.h"
#include "memory.h"
#include "mm.h"
#include "phys.h"
#include "reclaim.h"
#include "swap.h"
#include "sys.h"
#include "vma.h"

static void zap_file_range(struct vmsh_vma *vma, uint64_t first,
			   uint64_t last, void *ctx)
{
	uint64_t start = vma_address(vma, first);

	(void)last;
	(void)ctx;
	trace(vma->vm_mm->sys, "unmap_mapping_range vma=%#lx-%#lx zap=%#lx-%#lx",
	      vma->vm_start, vma->vm_end, start, vma->vm_end);
	zap_page_range(vma, start, vma->vm_end);
}

/*
 * unmap_mapping_range(mapping, holebegin, 0, even_cows = 1): zap every
 * PTE mapping file pages at index >= @first in every mm, private COW
 * copies included.
 */
static void unmap_mapping_range(struct vmsh_sys *sys, struct vmsh_file *f,
				uint64_t first)
{
	file_for_each_vma(sys, f, first, UINT64_MAX, zap_file_range, NULL);
}

/*
 * __ext4_block_zero_page_range(): zero [@pos, @end) of one block (block
 * size = page size).  The folio is looked up or created (FGP_CREAT |
 * FGP_ACCESSED: marked accessed either way); over a hole (a page never
 * written: the model drops no written page but by truncate) nothing is
 * read or zeroed, so a folio created here stays in the cache !uptodate,
 * where readahead and fault-around skip it; a page with a block is
 * zeroed and dirtied.  Probes (6.18, ext4, mincore, kpageflags, smaps):
 * 131072 -> 5000 -> 131072 leaves page 1 unread by readahead; a written
 * page, fsync'd clean, is dirty again after a truncate from or to an
 * unaligned size; pwrite at 6000 into a 5000-byte file leaves page 1
 * referenced and dirty.
 */
static void ext4_block_zero_page_range(struct vmsh_sys *sys,
				       struct vmsh_file *f, uint64_t pos,
				       uint64_t end)
{
	uint64_t index = pos >> PAGE_SHIFT, pfn = file_cache_lookup(f, index);
	unsigned in = pos & (PAGE_SIZE - 1);
	struct page *pg;

	if (pfn == UINT64_MAX) {
		pfn = filemap_add_page(sys, f, index, false);
		if (pfn == UINT64_MAX)
			return;         /* no folio: nothing to leave behind */
		pg = phys_page(sys, pfn);
		trace(sys, "ext4_block_zero_page_range %s index=%#lx: hole, "
		      "folio left !uptodate", f->path, index);
	} else {
		pg = page_folio(sys, phys_page(sys, pfn));
		if (pg->uptodate && (pg->dirty || pg->on_disk)) {
			phys_write(sys, pfn, in, NULL, 0,
				   (unsigned)(end - pos));
			pg->dirty = true;
			trace(sys, "ext4_block_zero_page_range %s index=%#lx: "
			      "zeroed, dirty", f->path, index);
		}
	}
	mark_page_accessed(sys, pg);
}

/* ext4_block_truncate_page(): zero the EOF block from @pos on. */
static void ext4_block_truncate_page(struct vmsh_sys *sys, struct vmsh_file *f,
				     uint64_t pos)
{
	ext4_block_zero_page_range(sys, f, pos, (pos | (PAGE_SIZE - 1)) + 1);
}

/* Probes, 6.18, ext4: pwrite at 9000 into a 5000-byte file leaves page
 * 1 !uptodate to readahead and page 2 referenced; at 8192 page 2 is not. */
void ext4_zero_gap(struct vmsh_sys *sys, struct vmsh_file *f,
			  uint64_t old, uint64_t pos)
{
	uint64_t old_end = (old + PAGE_SIZE - 1) & PAGE_MASK;

	if (old & (PAGE_SIZE - 1))
		ext4_block_zero_page_range(sys, f, old,
					   pos < old_end ? pos : old_end);
	if ((pos & (PAGE_SIZE - 1)) && (pos & PAGE_MASK) >= old_end)
		ext4_block_zero_page_range(sys, f, pos & PAGE_MASK, pos);
}

/* Make pages [@first, @first + 2^@order) one folio with @flags' flags
 * (the readahead mark only when @mark). */
static void set_folio(struct vmsh_sys *sys, struct vmsh_file *f,
		      uint64_t first, unsigned order, const struct page *flags,
		      bool mark)
{
	uint64_t i;

	for (i = 0; i < 1ULL << order; i++) {
		uint64_t pfn = file_cache_lookup(f, first + i);
		struct page *pg = phys_page(sys, pfn);

		lru_del(sys, pfn);
		pg->order = (uint8_t)order;
		pg->dirty = flags->dirty;
		pg->uptodate = flags->uptodate;
		pg->referenced = flags->referenced;
		pg->active = flags->active;
		pg->on_disk = flags->on_disk;
		/* PG_readahead is PG_reclaim's bit: both stay with the
		 * first page */
		pg->readahead = !i && mark && flags->readahead;
		pg->workingset = flags->workingset;
		pg->reclaim = !i && mark && flags->reclaim;
		if (!i)
			lru_add(sys, pfn);
	}
}

static void unmap_folio_range(struct vmsh_vma *vma, uint64_t first,
			      uint64_t last, void *ctx)
{
	const struct vmsh_file *f = ctx;
	uint64_t i;

	for (i = first; i <= last; i++)
		unmap_file_pte(vma, vma_address(vma, i),
			       file_cache_lookup(f, i));
}

/* unmap_folio(): every PTE of every mm mapping a page of the folio of
 * @nr pages at @first goes (try_to_unmap; a COW copy is not the folio). */
static void unmap_folio(struct vmsh_sys *sys, struct vmsh_file *f,
			uint64_t first, uint64_t nr)
{
	file_for_each_vma(sys, f, first, first + nr - 1, unmap_folio_range, f);
}

void split_file_folio(struct vmsh_sys *sys, struct page *folio)
{
	struct vmsh_file *f = page_file(sys, folio);
	uint64_t first = folio->index, i, nr = folio_nr_pages(folio);
	struct page flags;

	trace(sys, "split_folio %s index=%#lx order=%u", f->path, first,
	      folio->order);
	unmap_folio(sys, f, first, nr);
	flags = *folio;
	for (i = 0; i < nr; i++)
		set_folio(sys, f, first + i, 0, &flags, i == 0);
}

/*
 * try_folio_split(folio, page @at) as truncate_inode_partial_folio does:
 * a non-uniform split, halving the block that holds @at until @at is a
 * folio of its own; each other half stays one folio.  The new folios take
 * the folio's flags but PG_readahead (PG_reclaim), which stays with its
 * first page.
 * The split unmaps the whole folio first and, a file folio, leaves it
 * unmapped (remap_page() is for anonymous folios only): probe (6.18,
 * ext4) truncating into a mapped 4-page folio leaves none of it mapped.
 */
static void split_folio_at(struct vmsh_sys *sys, struct vmsh_file *f,
			   struct page *folio, uint64_t at)
{
	uint64_t first = folio->index, lo = first;
	struct page flags;
	unsigned k;

	trace(sys, "split_folio %s index=%#lx order=%u at=%#lx", f->path,
	      first, folio->order, at);
	/* the split unmaps the folio; file pages are not mapped again */
	unmap_folio(sys, f, first, folio_nr_pages(folio));
	flags = *folio;
	for (k = folio->order; k-- > 0;) {
		uint64_t half = 1ULL << k;

		if (at < lo + half) {
			set_folio(sys, f, lo + half, k, &flags, false);
		} else {
			set_folio(sys, f, lo, k, &flags, lo == first);
			lo += half;
		}
	}
	set_folio(sys, f, lo, 0, &flags, lo == first);
}

/*
 * truncate_pagecache(): unmap the pages past the new EOF from every
 * mapping, split a large folio holding the new EOF, drop the pages past
 * it from the cache, and zero the tail of a cached partial last page.
 */
static void truncate_pagecache(struct vmsh_sys *sys, struct vmsh_file *f,
			       uint64_t old, uint64_t size)
{
	/* shadows, dropped pages' contents and swap entries past the new
	 * EOF go */
	file_shadows_truncate(f, (size + PAGE_SIZE - 1) >> PAGE_SHIFT);
	shmem_free_swap_range(sys, f, (size + PAGE_SIZE - 1) >> PAGE_SHIFT,
			      UINT64_MAX);
	uint64_t keep = (size + PAGE_SIZE - 1) >> PAGE_SHIFT, *idx, n, i, pfn;

	if (old > keep << PAGE_SHIFT)
		unmap_mapping_range(sys, f, keep);
	pfn = file_cache_lookup(f, size >> PAGE_SHIFT);
	if (pfn != UINT64_MAX) {
		struct page *folio = page_folio(sys, phys_page(sys, pfn));

		/* truncate_inode_partial_folio(): the new EOF lies inside
		 * the folio (not at its start), also when it is in the
		 * folio's first page */
		if (folio->order && (folio->index << PAGE_SHIFT) < size)
			split_folio_at(sys, f, folio, size >> PAGE_SHIFT);
	}
	idx = file_cache_indexes(f, &n);
	for (i = 0; i < n; i++)
		if (idx[i] >= keep)
			filemap_remove_page(sys, f, idx[i]);
	free(idx);
	if (!(size & (PAGE_SIZE - 1)))
		return;
	pfn = file_cache_lookup(f, size >> PAGE_SHIFT);
	if (pfn != UINT64_MAX)
		phys_write(sys, pfn, size & (PAGE_SIZE - 1), NULL, 0,
			   PAGE_SIZE - (size & (PAGE_SIZE - 1)));
}

int vmsh_file_truncate(struct vmsh_sys *sys, const char *name, uint64_t size)
{
	struct vmsh_file *f = file_lookup(sys, name);
	uint64_t old, pfn;

	if (!f)
		return -ENOENT;
	if (size > FILE_MAX_SIZE)
		return -EFBIG;
	old = f->size;
	if (f->disk) {
		/* ext4_setattr: on the way up the old EOF block is zeroed;
		 * truncate_pagecache; at or below the old size ext4_truncate
		 * zeroes the new EOF block */
		trace(sys, "ext4_setattr %s size=%#lx->%#lx", f->path, old, size);
		f->size = size;
		if (size > old && (old & (PAGE_SIZE - 1)))
			ext4_block_truncate_page(sys, f, old);
		truncate_pagecache(sys, f, old, size);
		if (size <= old && (size & (PAGE_SIZE - 1)))
			ext4_block_truncate_page(sys, f, size);
		if (!size)      /* ext4_truncate: auto_da_alloc on close */
			f->da_alloc_close = true;
		return 0;
	}
	trace(sys, "shmem_setattr %s size=%#lx->%#lx", f->path, old, size);
	if (size <= old && (size & (PAGE_SIZE - 1)) &&
	    shmem_swapped(f, size >> PAGE_SHIFT) &&
	    shmem_swapin(sys, f, size >> PAGE_SHIFT, false) == UINT64_MAX)
		return -ENOMEM; /* shmem_get_partial_folio found no frame */
	f->size = size;
	if (size > old)
		return 0;
	/*
	 * newsize <= oldsize (equal included, as shmem_setattr does):
	 * unmap past the new EOF, drop those pages, and zero the tail of a
	 * cached partial last page, which shmem_undo_range marks dirty
	 * (probe, 6.18: ftruncate to the same unaligned size dirties it).
	 */
	truncate_pagecache(sys, f, old, size);
	if ((size & (PAGE_SIZE - 1)) &&
	    (pfn = file_cache_lookup(f, size >> PAGE_SHIFT)) != UINT64_MAX)
		phys_page(sys, pfn)->dirty = true;
	return 0;
}

/*
 * vfs_fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) of pages
 * [@first, @last] (madvise remove): as shmem_fallocate and
 * ext4_punch_hole do, unmap_mapping_range with even_cows = 0 (the PTEs of
 * the page-cache pages go, private COW copies stay), a large folio
 * crossing an end of the hole split there, and the pages dropped: the
 * hole reads back as zeroes, the size is kept.
 */
int file_punch_hole(struct vmsh_sys *sys, struct vmsh_file *f, uint64_t first,
		    uint64_t last)
{
	uint64_t ends[2] = { first, last }, *idx, n, i, pfn;

	trace(sys, "punch_hole %s pages %#lx-%#lx", f->path, UL(first), UL(last));
	for (i = 0; i < 2; i++) {
		struct page *folio;

		pfn = file_cache_lookup(f, ends[i]);
		if (pfn == UINT64_MAX)
			continue;
		folio = page_folio(sys, phys_page(sys, pfn));
		if (folio->order && (folio->index < first ||
				     folio->index + folio_nr_pages(folio) - 1 > last))
			split_folio_at(sys, f, folio, ends[i]);
	}
	shmem_free_swap_range(sys, f, first, last);
	idx = file_cache_indexes(f, &n);
	for (i = 0; i < n; i++) {
		if (idx[i] < first || idx[i] > last)
			continue;
		file_for_each_vma(sys, f, idx[i], idx[i], unmap_folio_range, f);
		filemap_remove_page(sys, f, idx[i]);
	}
	free(idx);
	return 0;
}
