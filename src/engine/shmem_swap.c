/* SPDX-License-Identifier: MIT */
/*
 * Swapping shmem and tmpfs pages (mm/shmem.c shmem_writeout,
 * shmem_swapin_folio, shmem_unuse, shmem_swap_usage,
 * shmem_partial_swap_usage, shmem_free_swap), as Linux 6.18 does it.
 *
 * A shmem folio reclaim wants to free is first unmapped (file PTEs are
 * cleared: no swap entry goes in a PTE).  Dirty, it gets a swap slot
 * whose count is 1 for the file (swap_shmem_alloc), leaves the page
 * cache for the swap cache, the swap entry taking its place in the
 * page cache's slot (here f->swapped), and is written out; the swap
 * cache then holds it until reclaim frees it, like an anonymous folio.
 * Clean (read-faulted, never written: zeroes), it is simply dropped, a
 * hole again.  Probes (6.18, tmpfs + swap file): four written and two
 * read-faulted pages paged out give Swap 16 kB; touching a swapped page
 * still in the swap cache is a minor fault, one read from swap a major
 * one; read() brings a page back too; truncate and punch hole free the
 * slots; swapoff puts the pages back in the page cache, unmapped.
 *
 * Swap-in (shmem_swapin_folio): the folio is found in the swap cache or
 * read (a major fault when a fault asked), leaves the swap cache (the
 * slot is freed) and enters the page cache dirty: its only copy.
 *
 * Invariants (check.c): every entry of f->swapped names a used slot
 * whose count it is part of; an index is never both cached and swapped;
 * a file with entries is on sys->shmem_swaplist.
 */
#include "config.h"

#include <stdlib.h>

#include "anon_vma.h"
#include "file.h"
#include "memory.h"
#include "phys.h"
#include "reclaim.h"
#include "swap.h"
#include "sys.h"
#include "vm_flags.h"
#include "vma.h"

static void swaplist_add(struct vmsh_sys *sys, struct vmsh_file *f)
{
	if (f->on_swaplist)
		return;
	f->on_swaplist = true;
	f->swap_next = sys->shmem_swaplist;
	sys->shmem_swaplist = f;
}

bool shmem_writeout(struct vmsh_sys *sys, uint64_t fpfn)
{
	struct page *folio = phys_page(sys, fpfn);
	struct vmsh_file *f = page_file(sys, folio);
	uint64_t index = folio->index, off;

	if (!swap_free_slots(sys))
		return false;           /* redirty: AOP_WRITEPAGE_ACTIVATE */
	swaplist_add(sys, f);
	/* shmem_delete_from_page_cache(): the cache lets go of the folio */
	filemap_remove_page(sys, f, index);
	folio->kind = PAGE_ANON;
	page_set_anon(sys, folio, NULL);
	folio->index = index;
	off = add_to_swap(sys, fpfn);   /* folio_alloc_swap: a free slot */
	swap_duplicate(sys, swp_entry_to_pte(off, false)); /* the file's */
	ptab_put(&f->swapped, index, off);
	trace(sys, "shmem_writeout %s index=%#llx swap offset %#llx", f->path,
	      (unsigned long long)index, (unsigned long long)off);
	return true;
}

uint64_t shmem_swapped(const struct vmsh_file *f, uint64_t index)
{
	return ptab_get(&f->swapped, index);
}


uint64_t shmem_swapin(struct vmsh_sys *sys, struct vmsh_file *f,
		      uint64_t index, bool fault)
{
	uint64_t off = ptab_get(&f->swapped, index), pfn;

	if (!off)
		abort();
	pfn = swap_cache_pfn(sys, off);
	trace(sys, "shmem_swapin_folio %s index=%#llx swap offset %#llx%s",
	      f->path, (unsigned long long)index, (unsigned long long)off,
	      pfn == UINT64_MAX ? " (read)" : " (swap cache)");
	if (pfn == UINT64_MAX) {
		/* shmem_swapin_cluster -> swap_cluster_readahead */
		bool ra = swap_cluster_readahead(sys, off);

		pfn = phys_alloc(sys, PAGE_ANON);
		if (pfn == UINT64_MAX)
			return UINT64_MAX;
		phys_page(sys, pfn)->index = index;
		swap_readpage(sys, off, pfn);
		/* folio_add_lru, then, after a readahead window, its
		 * lru_add_drain() */
		folio_add_lru(sys, pfn);
		if (ra)
			lru_add_drain(sys);
		if (fault)
			sys->stat[ST_PGMAJFAULT]++;
	} else {
		swap_update_readahead(sys, pfn);
		phys_get(sys, pfn);
	}
	/* shmem_add_to_page_cache, swap_cache_del_folio, folio_mark_dirty,
	 * swap_free: the slot goes, the folio is the file's again */
	ptab_take(&f->swapped, index);
	swap_free(sys, swp_entry_to_pte(off, false));
	if (!folio_free_swap(sys, pfn))
		abort();
	filemap_insert_page(sys, f, index, pfn);
	phys_page(sys, pfn)->dirty = true;
	return pfn;
}

void shmem_free_swap_range(struct vmsh_sys *sys, struct vmsh_file *f,
			   uint64_t first, uint64_t last)
{
	uint64_t i, n, *drop;

	if (!f->swapped.nr)
		return;
	drop = ptab_indexes(&f->swapped, first, last, &n);
	for (i = 0; i < n; i++) {
		uint64_t off = ptab_take(&f->swapped, drop[i]);

		trace(sys, "shmem_free_swap %s index=%#llx swap offset %#llx",
		      f->path, (unsigned long long)drop[i],
		      (unsigned long long)off);
		free_swap_and_cache(sys, swp_entry_to_pte(off, false));
	}
	free(drop);
}

void shmem_evict_swap(struct vmsh_sys *sys, struct vmsh_file *f)
{
	struct vmsh_file **pp;

	shmem_free_swap_range(sys, f, 0, UINT64_MAX);
	free(f->swapped.tab);
	f->swapped.tab = NULL;
	f->swapped.cap = f->swapped.nr = 0;
	if (!f->on_swaplist)
		return;
	for (pp = &sys->shmem_swaplist; *pp != f; pp = &(*pp)->swap_next)
		;
	*pp = f->swap_next;
	f->on_swaplist = false;
}

void shmem_swapin_range(struct vmsh_sys *sys, struct vmsh_file *f,
			uint64_t first, uint64_t last)
{
	uint64_t i, n, *idx;

	if (!f->swapped.nr)
		return;
	idx = ptab_indexes(&f->swapped, first, last, &n);
	for (i = 0; i < n; i++) {
		uint64_t off = ptab_get(&f->swapped, idx[i]), pfn;

		if (swap_cache_pfn(sys, off) != UINT64_MAX)
			continue;
		/* read_swap_cache_async(): into the swap cache only */
		pfn = phys_alloc(sys, PAGE_ANON);
		if (pfn == UINT64_MAX)
			break;
		phys_page(sys, pfn)->index = idx[i];
		swap_readpage(sys, off, pfn);
		folio_add_lru(sys, pfn);
		put_page(sys, pfn);     /* the cache's reference stays */
	}
	free(idx);
}

bool shmem_unuse(struct vmsh_sys *sys)
{
	struct vmsh_file *f;

	for (f = sys->shmem_swaplist; f; f = f->swap_next) {
		uint64_t i, n, *idx;
		bool ok = true;

		if (!f->swapped.nr)
			continue;
		idx = ptab_indexes(&f->swapped, 0, UINT64_MAX, &n);
		for (i = 0; i < n && ok; i++)
			ok = shmem_swapin(sys, f, idx[i], false) != UINT64_MAX;
		free(idx);
		if (!ok)
			return false;
	}
	return true;
}

uint64_t shmem_partial_swap_usage(const struct vmsh_file *f, uint64_t first,
				  uint64_t end)
{
	uint64_t i, n = 0;

	if (!f->swapped.nr)
		return 0;
	if (end - first > f->swapped.nr) {
		for (i = 0; i < f->swapped.cap; i++) {
			uint64_t x = f->swapped.tab[i].index;

			if (x != UINT64_MAX && x >= first && x < end)
				n++;
		}
		return n;
	}
	for (i = first; i < end; i++)
		if (ptab_get(&f->swapped, i))
			n++;
	return n;
}

uint64_t shmem_swap_usage(const struct vmsh_vma *vma)
{
	const struct vmsh_file *f = file_inode((struct vmsh_file *)vma->vm_file);

	if (!f->swapped.nr)
		return 0;
	if (!vma->vm_pgoff && vma->vm_end - vma->vm_start >= f->size)
		return f->swapped.nr;
	return shmem_partial_swap_usage(f, vma->vm_pgoff,
					vma->vm_pgoff + vma_pages(vma));
}
