/* SPDX-License-Identifier: MIT */
/*
 * Reclaim of a list of isolated folios (mm/vmscan.c shrink_folio_list)
 * and the reverse map it needs (mm/rmap.c folio_referenced,
 * try_to_unmap).  The lists, the scan balance, kswapd and direct reclaim
 * are reclaim.c's; MADV_COLD and MADV_PAGEOUT, madvise_cold.c's.
 *
 * shrink_folio_list, per folio, oldest first:
 *   references (not for MADV_PAGEOUT): folio_referenced() clears the
 *     accessed bit of every PTE mapping it and counts the VMAs that had
 *     one; with PG_referenced (test-and-cleared) or two such VMAs, or a
 *     VM_EXEC file folio: activated; one: PG_referenced set, kept on the
 *     inactive list; none: reclaimed (a clean file folio that had only
 *     PG_referenced: reclaimed if clean).  A VM_LOCKED mapping: the
 *     folio is mlocked (mlock_vma_folio) and goes back to the
 *     unevictable list (culled), not activated.
 *   anonymous, swap-backed: add_to_swap (no swap, or full: activated)
 *   anonymous, lazy-free (MADV_FREE): discarded unless written again
 *     (then swap-backed again and activated)
 *   mapped: try_to_unmap through the reverse map (anon PTEs become swap
 *     entries; file PTEs are cleared, their dirty bit going to the folio)
 *   dirty anon: swap_writepage (a zero-filled folio: the zeromap, no
 *     I/O, freed at once like a clean one); the folio stays in the swap cache with
 *     PG_reclaim (Linux's write is asynchronous) and, its write over,
 *     goes to the tail of the inactive list, where the next scan frees it
 *   dirty disk-file folio: PG_reclaim, activated, and (LRU reclaim,
 *     not madvise pageout) the flusher is woken: reclaim never writes a
 *     file page itself; the writeback's end moves it to the inactive
 *     tail (folio_end_writeback -> folio_rotate_reclaimable)
 *   shmem/tmpfs folios (shmem_swap.c): unmapped (PTEs cleared); dirty,
 *     shmem_writeout moves them to the swap cache (the swap entry goes
 *     in the file's page cache slot) and they are written as anon ones;
 *     clean (never written), they leave the page cache like a clean
 *     file folio, a hole again
 *   clean: __remove_mapping -- a shadow entry keeps the eviction's
 *     workingset age (workingset.c), the folio leaves the page cache or
 *     the swap cache and is freed.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "anon_vma.h"
#include "file.h"
#include "huge_memory.h"
#include "memory.h"
#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "reclaim.h"
#include "swap.h"
#include "sys.h"
#include "tlb.h"
#include "vm_flags.h"
#include "vma.h"

/* ---- the reverse map ------------------------------------------------------ */

/* Called for each PTE mapping a page of the folio; false stops the walk. */
typedef bool rmap_fn(struct vmsh_vma *vma, uint64_t addr, uint64_t *ptep,
		     uint64_t pfn, void *ctx);

/* An anonymous page of @page_av may be mapped by a VMA whose anon_vma is
 * it or descends from it (its anon_vma_chain holds @page_av). */
static bool anon_vma_reaches(const struct anon_vma *av,
			     const struct anon_vma *page_av)
{
	for (; av; av = av->parent)
		if (av == page_av)
			return true;
	return false;
}

/* The PTE of page @index of @vma, if it maps frame @pfn, else NULL. */
static uint64_t *pte_of(struct vmsh_vma *vma, uint64_t index, uint64_t pfn)
{
	uint64_t addr, *ptep, *pmdp;

	if (index < vma->vm_pgoff || index - vma->vm_pgoff >= vma_pages(vma))
		return NULL;
	addr = vma_address(vma, index);
	/* a huge PMD there maps a THP, which is not this page (a THP's
	 * own walk is rmap_try_thp's); pte_lookup would split it */
	pmdp = vma->vm_mm->sys->cfg.levels >= 3 ? pmd_lookup(vma->vm_mm, addr) : NULL;
	if (pmdp && pmd_trans_huge(*pmdp))
		return NULL;
	ptep = pte_lookup(vma->vm_mm, addr, false);
	if (!ptep || !pte_present(*ptep) || (*ptep & _PAGE_SPECIAL) ||
	    pte_pfn(*ptep) != pfn)
		return NULL;
	return ptep;
}

static bool rmap_try(struct vmsh_vma *vma, uint64_t index, uint64_t pfn,
		     rmap_fn *fn, void *ctx)
{
	uint64_t *ptep = pte_of(vma, index, pfn);

	return !ptep || fn(vma, vma_address(vma, index), ptep, pfn, ctx);
}

/* An anonymous THP in @vma: its huge PMD (the entry @fn gets: its
 * accessed bit is the folio's young bit) or, split, the PTEs of its 512
 * pages. */
static bool rmap_try_thp(struct vmsh_vma *vma, const struct page *folio,
			 uint64_t fpfn, rmap_fn *fn, void *ctx)
{
	uint64_t addr, *pmdp, i;

	if (folio->index < vma->vm_pgoff ||
	    folio->index - vma->vm_pgoff >= vma_pages(vma))
		return true;
	addr = vma_address(vma, folio->index);
	pmdp = vma->vm_mm->sys->cfg.levels >= 3 ? pmd_lookup(vma->vm_mm, addr) : NULL;
	if (pmdp && pmd_trans_huge(*pmdp)) {
		if ((*pmdp & _PAGE_SPECIAL) || pte_pfn(*pmdp) != fpfn)
			return true;
		return fn(vma, addr, pmdp, fpfn, ctx);
	}
	for (i = 0; i < HPAGE_PMD_NR; i++)
		if (!rmap_try(vma, folio->index + i, fpfn + i, fn, ctx))
			return false;
	return true;
}

/* rmap_walk(): every PTE of every mm mapping the folio at @fpfn. */
static void rmap_walk(struct vmsh_sys *sys, uint64_t fpfn, rmap_fn *fn,
		      void *ctx)
{
	struct page *folio = phys_page(sys, fpfn);
	struct vmsh_file *f = folio->kind == PAGE_FILE ? page_file(sys, folio) : NULL;
	uint64_t nr = folio_nr_pages(folio), first = folio->index, i;
	struct vmsh_mm *mm;
	struct vmsh_vma *vma;

	for (mm = sys->mms; mm; mm = mm->next_all) {
		if (mm->mm_users <= 0)
			continue;
		for (vma = mm->mmap; vma; vma = vma->vm_next) {
			if (f) {
				if (!vma->vm_file || file_inode(vma->vm_file) != f)
					continue;
				for (i = 0; i < nr; i++)
					if (!rmap_try(vma, first + i,
						      file_cache_lookup(f, first + i),
						      fn, ctx))
						return;
			} else {
				if (!anon_vma_reaches(vma->anon_vma, page_anon(sys, folio)))
					continue;
				if (folio->thp & PAGE_THP_HEAD) {
					if (!rmap_try_thp(vma, folio, fpfn, fn, ctx))
						return;
					continue;
				}
				if (!rmap_try(vma, folio->index, fpfn, fn, ctx))
					return;
			}
		}
	}
}

static bool folio_mapped(struct vmsh_sys *sys, uint64_t fpfn)
{
	struct page *folio = phys_page(sys, fpfn);
	uint64_t i;

	if (folio->thp & PAGE_THP_HEAD) {
		for (i = 0; i < HPAGE_PMD_NR; i++)
			if (folio[i].mapcount > 0)
				return true;
		return false;
	}
	if (folio->kind != PAGE_FILE || !folio->order)
		return folio->mapcount > 0;
	for (i = 0; i < folio_nr_pages(folio); i++) {
		uint64_t p = file_cache_lookup(page_file(sys, folio), folio->index + i);

		if (p != UINT64_MAX && phys_page(sys, p)->mapcount > 0)
			return true;
	}
	return false;
}

struct ref_ctx {
	int referenced;                 /* VMAs with a young PTE */
	uint64_t vm_flags;
	struct vmsh_vma *counted;       /* the last VMA counted */
};

static bool other_mm_one(struct vmsh_vma *vma, uint64_t addr, uint64_t *ptep,
			 uint64_t pfn, void *vctx)
{
	struct vmsh_mm **mm = vctx;

	(void)addr;
	(void)ptep;
	(void)pfn;
	if (vma->vm_mm == *mm)
		return true;
	*mm = NULL;             /* found one: stop */
	return false;
}

bool folio_mapped_elsewhere(struct vmsh_sys *sys, uint64_t fpfn,
			    struct vmsh_mm *mm)
{
	rmap_walk(sys, fpfn, other_mm_one, &mm);
	return mm == NULL;
}

static bool referenced_one(struct vmsh_vma *vma, uint64_t addr, uint64_t *ptep,
			   uint64_t pfn, void *vctx)
{
	struct ref_ctx *c = vctx;

	(void)addr;
	(void)pfn;
	if (vma->vm_flags & VM_LOCKED) {
		/* restore the mlock that got missed */
		mlock_vma_folio(vma, pfn);
		c->vm_flags |= VM_LOCKED;
		return false;
	}
	/* ptep_clear_flush_young(): x86 clears the bit without a flush */
	if (*ptep & _PAGE_ACCESSED) {
		*ptep &= ~_PAGE_ACCESSED;
		if (c->counted != vma) {
			c->counted = vma;
			c->referenced++;
			c->vm_flags |= vma->vm_flags & ~VM_LOCKED;
		}
	}
	return true;
}

int folio_referenced(struct vmsh_sys *sys, uint64_t fpfn, uint64_t *vm_flags)
{
	struct ref_ctx c = { 0 };

	*vm_flags = 0;
	if (!folio_mapped(sys, fpfn))
		return 0;
	rmap_walk(sys, fpfn, referenced_one, &c);
	*vm_flags = c.vm_flags;
	return c.referenced;
}

struct unmap_ctx {
	bool failed;
};

/* try_to_unmap_one() of a lazy-free THP's PTEs in @vma, all at once (the
 * folio's batch, get_and_clear_ptes): a dirty one, or PG_dirty (which a
 * dirty PMD's split set), makes the folio swap-backed again and the
 * unmap fails; else every one is discarded.  Probe (6.18): MADV_PAGEOUT
 * of a lazy-free THP written once since leaves it mapped by 512 PTEs,
 * dirty and swap-backed on the active list; unwritten, Rss 0. */
static bool unmap_lazyfree_thp(struct unmap_ctx *c, struct vmsh_vma *vma,
			       uint64_t head)
{
	struct vmsh_mm *mm = vma->vm_mm;
	struct vmsh_sys *sys = mm->sys;
	struct page *folio = phys_page(sys, head);
	uint64_t i, *ptep, lo = UINT64_MAX, hi = 0;

	for (i = 0; i < HPAGE_PMD_NR; i++)
		if ((ptep = pte_of(vma, folio->index + i, head + i)) &&
		    (*ptep & _PAGE_DIRTY))
			folio->dirty = true;            /* folio_mark_dirty */
	if (folio->dirty) {
		folio->lazyfree = false;                /* folio_set_swapbacked */
		c->failed = true;
		return false;
	}
	trace(sys, "try_to_unmap pfn=%#llx lazyfree, 512 pages",
	      (unsigned long long)head);
	update_hiwater_rss(mm);
	for (i = 0; i < HPAGE_PMD_NR; i++) {
		uint64_t addr = vma_address(vma, folio->index + i);

		if (!(ptep = pte_of(vma, folio->index + i, head + i)))
			continue;
		*ptep = 0;
		lo = addr < lo ? addr : lo;
		hi = addr + PAGE_SIZE > hi ? addr + PAGE_SIZE : hi;
		mm_add_rss(mm, MM_ANONPAGES, -1);
		phys_page(sys, head + i)->mapcount--;
		put_page(sys, head + i);
	}
	if (hi)
		flush_tlb_range(mm, lo, hi);
	return true;
}

/* try_to_unmap_one() of an anonymous page: in the swap cache, the PTE
 * becomes a swap entry naming its slot; lazy-free and clean, it is
 * discarded; written since MADV_FREE, it is swap-backed again and the
 * unmap fails.  A lazy-free THP goes whole (unmap_lazyfree_thp), its
 * huge PMD split first (TTU_SPLIT_HUGE_PMD). */
static bool unmap_one(struct vmsh_vma *vma, uint64_t addr, uint64_t *ptep,
		      uint64_t pfn, void *vctx)
{
	struct unmap_ctx *c = vctx;
	struct vmsh_mm *mm = vma->vm_mm;
	struct vmsh_sys *sys = mm->sys;
	struct page *page = phys_page(sys, pfn);
	uint64_t pte = *ptep, head = thp_head(sys, pfn);

	if (vma->vm_flags & VM_LOCKED) {
		c->failed = true;
		return false;
	}
	if (page->kind == PAGE_FILE) {
		trace(sys, "try_to_unmap addr=%#llx pfn=%#llx",
		      (unsigned long long)addr, (unsigned long long)pfn);
		unmap_file_pte(vma, addr, pfn);
		return true;
	}
	if (head != UINT64_MAX && phys_page(sys, head)->lazyfree &&
	    page->kind == PAGE_ANON) {
		if (pfn == head && pmd_trans_huge(pte))
			split_huge_pmd(vma, addr);
		return unmap_lazyfree_thp(c, vma, head);
	}
	if (page->lazyfree) {
		if ((pte & _PAGE_DIRTY) || page->dirty) {
			page->lazyfree = false;         /* folio_set_swapbacked */
			c->failed = true;
			return false;
		}
		trace(sys, "try_to_unmap addr=%#llx pfn=%#llx lazyfree",
		      (unsigned long long)addr, (unsigned long long)pfn);
		*ptep = 0;
		flush_tlb_page(mm, addr);
		update_hiwater_rss(mm);
		mm_add_rss(mm, MM_ANONPAGES, -1);
		page->mapcount--;
		put_page(sys, pfn);
		return true;
	}
	trace(sys, "try_to_unmap addr=%#llx pfn=%#llx",
	      (unsigned long long)addr, (unsigned long long)pfn);
	try_to_unmap_swap_pte(mm, addr, ptep);
	return true;
}

void try_to_unmap_swap_pte(struct vmsh_mm *mm, uint64_t addr, uint64_t *ptep)
{
	struct vmsh_sys *sys = mm->sys;
	uint64_t pte = *ptep, pfn = pte_pfn(pte), entry;
	struct page *page = phys_page(sys, pfn);

	/* the entry is exclusive as the page was (PageAnonExclusive, which
	 * only a page one PTE maps can have); the page is not any more
	 * (folio_try_share_anon_rmap_pte) */
	entry = swp_entry_to_pte(page->swap, page->exclusive);
	*ptep = entry;
	flush_tlb_page(mm, addr);
	if (pte & _PAGE_DIRTY)
		page->dirty = true;
	page->exclusive = false;
	swap_duplicate(sys, entry);
	update_hiwater_rss(mm);
	mm_add_rss(mm, MM_ANONPAGES, -1);
	mm_add_rss(mm, MM_SWAPENTS, 1);
	page->mapcount--;
	put_page(sys, pfn);
}

/* try_to_unmap(): true when no PTE maps the folio any more. */
static bool try_to_unmap(struct vmsh_sys *sys, uint64_t fpfn)
{
	struct unmap_ctx c = { false };

	rmap_walk(sys, fpfn, unmap_one, &c);
	return !c.failed && !folio_mapped(sys, fpfn);
}

/* ---- shrink_folio_list ------------------------------------------------------ */

enum folio_ref { FOLIOREF_RECLAIM, FOLIOREF_RECLAIM_CLEAN, FOLIOREF_KEEP,
		 FOLIOREF_ACTIVATE };

static enum folio_ref folio_check_references(struct vmsh_sys *sys,
					     uint64_t fpfn)
{
	struct page *folio = phys_page(sys, fpfn);
	uint64_t vm_flags;
	int ptes = folio_referenced(sys, fpfn, &vm_flags);
	bool referenced_folio = folio->referenced;

	folio->referenced = false;
	if (vm_flags & VM_LOCKED)
		return FOLIOREF_ACTIVATE;
	if (ptes) {
		folio->referenced = true;
		if (referenced_folio || ptes > 1)
			return FOLIOREF_ACTIVATE;
		if ((vm_flags & VM_EXEC) && folio_is_file_lru(folio))
			return FOLIOREF_ACTIVATE;
		return FOLIOREF_KEEP;
	}
	if (referenced_folio && folio_is_file_lru(folio))
		return FOLIOREF_RECLAIM_CLEAN;
	return FOLIOREF_RECLAIM;
}

/* The refcount a folio has when only the isolation and its cache hold
 * it (__remove_mapping's folio_ref_freeze). */
static bool only_cache_refs(struct vmsh_sys *sys, uint64_t fpfn)
{
	struct page *folio = phys_page(sys, fpfn);
	uint64_t i;

	if (folio->kind == PAGE_ANON)
		return folio->refcount == 1 + (folio->swap ? 1 : 0);
	if (folio->refcount != 2)
		return false;
	for (i = 1; i < folio_nr_pages(folio); i++)
		if (phys_page(sys, file_cache_lookup(page_file(sys, folio),
						     folio->index + i))->refcount != 1)
			return false;
	return true;
}

/* __remove_mapping() of a clean, unmapped folio: it leaves its cache
 * with a shadow entry and goes when the isolation lets go. */
static void remove_mapping(struct vmsh_sys *sys, uint64_t fpfn)
{
	struct page *folio = phys_page(sys, fpfn);
	uint64_t shadow = 0, nr, i;
	struct vmsh_file *f;

	if (folio->kind == PAGE_ANON) {
		if (folio->swap)
			swap_cache_evict(sys, fpfn,
					 workingset_eviction(sys, folio));
		return;
	}
	/* __remove_mapping(): a shadow only for a folio of the file lists
	 * (folio_is_file_lru); a clean shmem/tmpfs folio leaves none (its
	 * mapping's value entries are swap entries), so its refault is not
	 * activated (probed: a tmpfs page paged out clean and touched again
	 * comes back inactive) */
	if (folio->file_lru)
		shadow = workingset_eviction(sys, folio);
	f = page_file(sys, folio);
	nr = folio_nr_pages(folio);
	trace(sys, "__remove_mapping %s index=%#llx pages=%llu", f->path,
	      (unsigned long long)folio->index, (unsigned long long)nr);
	for (i = nr; i-- > 0;) {
		/* a clean shmem/tmpfs folio was never written: zeroes, a
		 * hole again (only a disk file keeps contents on disk) */
		if (f->disk)
			file_backing_save(sys, f, folio->index + i,
					  file_cache_lookup(f, folio->index + i));
		filemap_remove_page(sys, f, folio->index + i);
	}
	if (shadow)
		file_shadow_store(f, folio->index, shadow);
}

static void activate(struct vmsh_sys *sys, uint64_t fpfn)
{
	struct page *folio = phys_page(sys, fpfn);

	/* a swap cache folio kept in memory need not hold its slot when
	 * swap is short (or it is mlocked) */
	if (folio->kind == PAGE_ANON && folio->swap &&
	    (vm_swap_full(sys) || folio->mlocked))
		folio_free_swap(sys, fpfn);
	if (!folio->active && !folio->mlocked) {
		folio->active = true;
		sys->stat[ST_PGACTIVATE] += lru_nr_pages(folio);
	}
}

/* An anonymous THP about to be swapped (6.18's shrink_folio_list): a
 * partly mapped one is split at once (its unmapped pages freed without
 * I/O); else folio_alloc_swap() of the whole folio fails -- vmsh's swap
 * area is a swap file, and this machine's kernel (CONFIG_THP_SWAP=y)
 * falls back for one: probe, MADV_PAGEOUT of a written PMD-mapped THP
 * with a swap file: thp_split_page +1, thp_split_pmd +1,
 * thp_swpout_fallback +1, thp_swpout +0, pswpout +512; with no swap at
 * all the same split and fallback, then 512 pages activated -- so it is
 * split and the pieces go on: the head now, the 511 others after the
 * list (split_folio_to_list appends them).  0, or -EAGAIN when it
 * cannot be split. */
static int split_for_swap(struct vmsh_sys *sys, uint64_t fpfn,
			  struct split_list *split)
{
	bool partial = phys_page(sys, fpfn)->thp & PAGE_THP_PARTIAL;

	if (split_folio(sys, fpfn, 1, split))
		return -EAGAIN;
	if (!partial) {
		sys->stat[ST_THP_SWPOUT_FALLBACK]++;
		trace(sys, "thp_swpout_fallback pfn=%#llx", (unsigned long long)fpfn);
	}
	return 0;
}

/* The pages split_for_swap handed on, after the list: reclaimed in their
 * turn, then put back. */
static unsigned shrink_split_pages(struct vmsh_sys *sys,
				   struct split_list *split,
				   bool ignore_references,
				   struct reclaim_stat *st)
{
	struct reclaim_stat st2 = { 0 };
	unsigned reclaimed;

	st2.outcome = xcalloc(split->n, sizeof(*st2.outcome));
	reclaimed = shrink_folio_list(sys, split->pfn, split->n,
				      ignore_references, &st2);
	putback_folios(sys, split->pfn, split->n, &st2);
	st->nr_anon += st2.nr_anon;
	st->nr_file += st2.nr_file;
	st->nr_dirty_file += st2.nr_dirty_file;
	st->nr_written += st2.nr_written;
	free(st2.outcome);
	free(split->pfn);
	return reclaimed;
}

unsigned shrink_folio_list(struct vmsh_sys *sys, const uint64_t *list,
			   size_t n, bool ignore_references,
			   struct reclaim_stat *st)
{
	struct split_list split = { 0 };
	unsigned reclaimed = 0;
	size_t k;

	for (k = 0; k < n; k++) {
		uint64_t fpfn = list[k];
		struct page *folio = phys_page(sys, fpfn);
		enum folio_ref ref = FOLIOREF_RECLAIM;
		bool anon = folio->kind == PAGE_ANON;
		bool shmem = !anon && !folio->file_lru;

		trace(sys, "shrink_folio_list pfn=%#llx", (unsigned long long)fpfn);
		st->outcome[k] = RECLAIM_KEEP;
		if (!folio_evictable(folio))
			goto activate_locked;   /* mlocked since it was listed */
		if (!ignore_references)
			ref = folio_check_references(sys, fpfn);
		if (ref == FOLIOREF_ACTIVATE)
			goto activate_locked;
		if (ref == FOLIOREF_KEEP)
			continue;
		/* a lazy-free THP needs no swap: unmapped whole, below */
		if (anon && (folio->thp & PAGE_THP_HEAD) && !folio->lazyfree &&
		    split_for_swap(sys, fpfn, &split))
			goto activate_locked;
		if (anon && !folio->lazyfree && !folio->swap &&
		    !add_to_swap(sys, fpfn))
			goto activate_locked;   /* no swap space */
		if (folio_mapped(sys, fpfn) && !try_to_unmap(sys, fpfn))
			goto activate_locked;
		if (folio->dirty) {
			/* pageout(): is_page_cache_freeable() -- a reference
			 * of another CPU's batch keeps it (PAGE_KEEP) */
			if ((anon || shmem) && !only_cache_refs(sys, fpfn))
				continue;
			if (shmem) {
				/* pageout() -> shmem_writeout(): now a swap
				 * cache folio, written below */
				if (!shmem_writeout(sys, fpfn))
					goto activate_locked;
				anon = true;
			} else if (!anon) {
				/* only the flusher writes file pages back */
				folio->reclaim = true;
				st->nr_dirty_file++;
				goto activate_locked;
			}
			if (folio->lazyfree)
				goto activate_locked;
			if (swap_writepage(sys, fpfn)) {
				folio->reclaim = true;  /* rotate when written */
				folio->active = false;
				st->nr_written++;
				continue;
			}
			/* zero-filled: no I/O, clean now, freed below as
			 * after a synchronous write */
		}
		if (!only_cache_refs(sys, fpfn))
			continue;
		remove_mapping(sys, fpfn);
		st->outcome[k] = RECLAIM_FREED;
		if (anon || shmem)      /* swap-backed */
			st->nr_anon += lru_nr_pages(folio);
		else
			st->nr_file += lru_nr_pages(folio);
		reclaimed += (unsigned)lru_nr_pages(folio);
		continue;
activate_locked:
		activate(sys, fpfn);
	}
	if (split.n)
		reclaimed += shrink_split_pages(sys, &split, ignore_references, st);
	return reclaimed;
}

/* move_folios_to_lru() of what shrink_folio_list kept: back at the head
 * of the list its flags name, but a folio whose write is over (swap
 * written: the model's I/O ends at once), which folio_end_writeback
 * moves to the tail of the inactive list; then the isolation's reference
 * goes (freeing what was reclaimed). */
void putback_folios(struct vmsh_sys *sys, const uint64_t *list, size_t n,
		    const struct reclaim_stat *st)
{
	size_t k;

	for (k = 0; k < n; k++) {
		struct page *folio = phys_page(sys, list[k]);

		if (st->outcome[k] == RECLAIM_KEEP) {
			if (folio->reclaim && !folio->dirty) {
				folio->reclaim = false;
				folio->active = false;
				lru_add_tail(sys, list[k]);
				sys->stat[ST_PGROTATED]++;
			} else {
				/* an mlocked one: the unevictable list */
				folio_putback_lru(sys, list[k]);
			}
		}
		put_page(sys, list[k]);
	}
}
