/* SPDX-License-Identifier: MIT */
/*
 * Reclaim of a given list of folios (mm/vmscan.c reclaim_pages and
 * shrink_folio_list) and the madvise advice that feed it
 * (mm/madvise.c madvise_cold_or_pageout_pte_range).
 *
 *   MADV_COLD:    each folio mapped only here: PTE made old, PG_referenced
 *                 cleared, moved to the inactive list (folio_deactivate)
 *   MADV_PAGEOUT: each folio mapped only here: PG_referenced cleared,
 *                 isolated, then shrink_folio_list without looking at
 *                 references:
 *       anonymous: add_to_swap (no swap, or full: activated, stays)
 *                  try_to_unmap: the PTE becomes a swap entry
 *                  dirty: swap_writepage; the folio stays in the swap
 *                    cache (Linux's write is asynchronous, so the folio
 *                    is still under writeback when reclaim looks again:
 *                    touching it soon is a minor fault, as on the
 *                    kernel); clean and already on swap: freed
 *       file:      shmem and tmpfs pages are left where they are
 *                  (vmsh does not swap page cache yet)
 *
 * A folio mapped by another PTE too (after fork, or twice in one mm) is
 * skipped, as folio_mapcount() != 1 makes Linux skip it.
 */
#include "config.h"

#include <stdlib.h>

#include "anon_vma.h"
#include "file.h"
#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "swap.h"
#include "sys.h"
#include "tlb.h"
#include "vm_flags.h"
#include "vma.h"

struct isolated {
	uint64_t pfn, addr;
};

struct cold_ctx {
	struct vmsh_vma *vma;
	bool pageout;
	struct isolated *list;
	size_t n, cap;
};

static void cold_one(uint64_t *ptep, uint64_t addr, void *vctx)
{
	struct cold_ctx *c = vctx;
	struct vmsh_sys *sys = c->vma->vm_mm->sys;
	uint64_t pte = *ptep, pfn;
	struct page *page;

	if (!pte_present(pte) || (pte & _PAGE_SPECIAL))
		return;
	pfn = pte_pfn(pte);
	if (pfn >= sys->phys.nframes)
		return;
	page = phys_page(sys, pfn);
	/* only LRU folios: anonymous pages and the page cache */
	if (page->kind != PAGE_ANON && page->kind != PAGE_FILE)
		return;
	page = page_folio(sys, page);
	if (page->order)
		return;         /* large folios: not modelled here */
	if (page->mapcount != 1)
		return;
	if (!c->pageout && (pte & _PAGE_ACCESSED)) {
		*ptep = pte & ~_PAGE_ACCESSED;
		flush_tlb_page(c->vma->vm_mm, addr);
	}
	page->referenced = false;
	if (!c->pageout) {
		/* folio_deactivate() */
		if (page->active) {
			page->active = false;
			sys->stat[ST_PGDEACTIVATE]++;
		}
		return;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->list = xrealloc(c->list, c->cap * sizeof(*c->list));
	}
	c->list[c->n].pfn = pfn;
	c->list[c->n].addr = addr;
	c->n++;
}

/* try_to_unmap_one() of an anonymous page in the swap cache: the PTE
 * becomes a swap entry naming its slot. */
static void try_to_unmap_anon(struct vmsh_vma *vma, uint64_t addr,
			      uint64_t pfn)
{
	struct vmsh_mm *mm = vma->vm_mm;
	struct vmsh_sys *sys = mm->sys;
	struct page *page = phys_page(sys, pfn);
	uint64_t *ptep = pte_lookup(mm, addr, false), pte, entry;

	if (!ptep || !pte_present(*ptep) || pte_pfn(*ptep) != pfn)
		abort();
	pte = *ptep;
	trace(sys, "try_to_unmap addr=%#llx pfn=%#llx",
	      (unsigned long long)addr, (unsigned long long)pfn);
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

/* shrink_folio_list(ignore_references) of one isolated folio. */
static void shrink_folio(struct vmsh_vma *vma, const struct isolated *it)
{
	struct vmsh_sys *sys = vma->vm_mm->sys;
	struct page *page = phys_page(sys, it->pfn);

	trace(sys, "shrink_folio_list pfn=%#llx", (unsigned long long)it->pfn);
	if (page->kind != PAGE_ANON)
		return;         /* page cache: kept (see above) */
	if (!page->swap && !add_to_swap(sys, it->pfn)) {
		/* activate_locked: no swap space */
		if (!page->active) {
			page->active = true;
			sys->stat[ST_PGACTIVATE]++;
		}
		return;
	}
	/* the cache's reference keeps the page while it is unmapped */
	try_to_unmap_anon(vma, it->addr, it->pfn);
	if (page->dirty) {
		swap_writepage(sys, it->pfn);
		page->active = false;
		return;
	}
	/* clean and on swap already: __remove_mapping */
	sys->stat[ST_PGSTEAL_ANON]++;
	swap_cache_drop_clean(sys, it->pfn);
}

void madvise_cold_or_pageout(struct vmsh_vma *vma, uint64_t start,
			     uint64_t end, bool pageout)
{
	struct cold_ctx c = { .vma = vma, .pageout = pageout };
	size_t i;

	trace(vma->vm_mm->sys, "%s [%#llx-%#llx)",
	      pageout ? "madvise_pageout" : "madvise_cold",
	      (unsigned long long)start, (unsigned long long)end);
	pte_walk_range(vma->vm_mm, start, end, cold_one, &c);
	/* reclaim_pages() */
	for (i = 0; i < c.n; i++)
		shrink_folio(vma, &c.list[i]);
	free(c.list);
}
