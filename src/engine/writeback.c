/* SPDX-License-Identifier: MIT */
/*
 * Writeback of disk files (mm/page-writeback.c, folio_mkclean of
 * mm/rmap.c, vfs_fsync_range, ext4_release_file): msync(MS_SYNC) of a
 * shared mapping and the flush ext4 does at close after a truncate to 0
 * write dirty folios back.  tmpfs and shmem have nothing to write back
 * (noop_fsync).
 *
 * Invariants kept:
 *  - a folio written back is clean and on disk (its block exists), and
 *    every PTE mapping it in a shared mapping, in every mm, is clean and
 *    read-only, so the next write faults (page_mkwrite) and dirties it
 *    again; a TLB entry of such a PTE is flushed;
 *  - private mappings are untouched: they map the page read-only, and
 *    their COW copies are not the folio.
 */
#include "config.h"

#include <stdlib.h>

#include "file.h"
#include "memory.h"
#include "pgtable.h"
#include "phys.h"
#include "sys.h"
#include "tlb.h"
#include "vm_flags.h"
#include "vma.h"

/* folio_mkclean for one VMA: write-protect and clean its PTEs of file
 * pages [@first, @last] (shared mappings only; a private one maps the
 * cache read-only, its copies are not the folio). */
static void mkclean_range(struct vmsh_vma *vma, uint64_t first, uint64_t last,
			  void *ctx)
{
	const struct vmsh_file *f = ctx;
	uint64_t i;

	if (!(vma->vm_flags & VM_SHARED))
		return;
	for (i = first; i <= last; i++) {
		uint64_t addr = vma_address(vma, i);
		uint64_t *pte = pte_lookup(vma->vm_mm, addr, false);

		if (!pte || !(*pte & _PAGE_PRESENT) ||
		    (*pte & PTE_PFN_MASK) >> PAGE_SHIFT !=
		    file_cache_lookup(f, i) ||
		    !(*pte & (_PAGE_RW | _PAGE_DIRTY)))
			continue;
		*pte &= ~(_PAGE_RW | _PAGE_DIRTY);
		flush_tlb_page(vma->vm_mm, addr);
	}
}

uint64_t file_writeback_folio(struct vmsh_sys *sys, struct vmsh_file *f,
			      uint64_t index)
{
	uint64_t pfn = file_cache_lookup(f, index);
	struct page *pg, *folio;

	if (pfn == UINT64_MAX)
		return 0;
	pg = phys_page(sys, pfn);
	folio = page_folio(sys, pg);
	if (!folio->dirty)
		return 0;
	file_for_each_vma(sys, f, folio_first_index(pg),
			  folio_first_index(pg) + folio_nr_pages(pg) - 1,
			  mkclean_range, f);
	folio->dirty = false;
	folio->on_disk = true;
	/* folio_end_writeback: a folio reclaim met dirty (PG_reclaim, or
	 * the readahead mark, the same bit) goes to the inactive tail
	 * (folio_rotate_reclaimable) and loses the mark */
	if (folio->reclaim || folio->readahead) {
		folio_clear_readahead(folio);
		if (folio->lru != LRU_NONE)
			lru_move_tail(sys, page_to_pfn(sys, folio));
	}
	return folio_nr_pages(pg);
}

int file_msync(struct vmsh_sys *sys, struct vmsh_vma *vma, uint64_t start,
	       uint64_t end)
{
	struct vmsh_file *f = file_inode(vma->vm_file);
	uint64_t first, last, idx, n = 0;

	if (!f || !(vma->vm_flags & VM_SHARED) || start >= end)
		return 0;
	if (start < vma->vm_start)
		start = vma->vm_start;
	if (end > vma->vm_end)
		end = vma->vm_end;
	if (!f->disk || f->shmem || f->device) {
		trace(sys, "vfs_fsync_range %s: noop_fsync", f->path);
		return 0;
	}
	first = linear_page_index(vma, start);
	last = linear_page_index(vma, end - 1);
	for (idx = first; idx <= last; idx++)
		n += file_writeback_folio(sys, f, idx);    /* per folio */
	trace(sys, "vfs_fsync_range %s pgoff=%#lx-%#lx written=%lu", f->path,
	      first, last, n);
	return 0;
}

/*
 * After a truncate to 0 (EXT4_STATE_DA_ALLOC_CLOSE), the next close of
 * any open file of the inode with delayed-allocation pages pending (dirty
 * pages never written back) flushes every dirty page: ext4's auto_da_alloc
 * (ext4_alloc_da_blocks -> filemap_flush).  Probe (6.18, ext4, through
 * --host): truncate to 0, a write, a close, and the written page is clean.
 */
void file_release(struct vmsh_sys *sys, struct vmsh_file *inode)
{
	uint64_t *idx, n, i;
	bool pending = false;

	if (!inode->da_alloc_close)
		return;
	inode->da_alloc_close = false;
	idx = file_cache_indexes(inode, &n);
	for (i = 0; i < n; i++) {
		struct page *folio = page_folio(sys, phys_page(sys,
					file_cache_lookup(inode, idx[i])));

		if (folio->dirty && !folio->on_disk)
			pending = true;
	}
	if (pending) {
		trace(sys, "ext4_alloc_da_blocks %s: filemap_flush", inode->path);
		for (i = 0; i < n; i++)
			file_writeback_folio(sys, inode, idx[i]);
	}
	free(idx);
}
