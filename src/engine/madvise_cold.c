/* SPDX-License-Identifier: MIT */
/*
 * madvise(MADV_COLD) and madvise(MADV_PAGEOUT) (mm/madvise.c
 * madvise_cold_or_pageout_pte_range, then reclaim_pages for pageout):
 * the walk over the advised range that deactivates or isolates folios;
 * the isolated ones go through vmscan.c's shrink_folio_list.
 *
 * MADV_COLD / MADV_PAGEOUT take the folios mapped only here (a folio
 * mapped by another PTE, after fork or twice in one mm, is skipped as
 * folio_mapcount() != 1 makes Linux skip it); cold makes PTEs old,
 * clears PG_referenced and deactivates; pageout clears PG_referenced and
 * reclaims the folios without looking at references (reclaim_pages):
 * anonymous and shmem/tmpfs ones go to swap, a disk file's page cache
 * folio is unmapped and, clean, dropped (a shadow entry stays); dirty
 * (written through the mapping or by write(2)) it keeps its page cache
 * slot, unmapped, activated with PG_reclaim (the flusher writes file
 * folios, reclaim never does: pageout() returns PAGE_ACTIVATE for them).
 * PG_reclaim is PG_readahead's bit, so such a folio stops fault-around
 * and a fault on it moves the readahead window (folio_test_readahead).
 * reclaim_pages counts no pgsteal.  Probe (Linux 6.18, ext4 /var/tmp,
 * 8-page file mapped shared, every page read): clean (fsync'd) -> Rss 0,
 * mincore 0 for all; dirty by write(2) or through the mapping -> Rss 0,
 * mincore 1 for all, pgactivate +8, and a touch maps one page only;
 * mapped by a second VMA -> skipped (Rss stays); pgsteal_file +0.
 */
#include "config.h"

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
#include "vma.h"

struct cold_ctx {
	struct vmsh_vma *vma;
	bool pageout;
	uint64_t *list;
	size_t n, cap;
	uint64_t start, end;            /* the advice's range in the VMA */
	uint64_t skip_end;              /* a whole PTE-mapped THP or a large
					   file folio's batch taken */
};

/* folio_isolate_lru() for pageout: off its list, with a reference, onto
 * the list reclaim_pages will take. */
static void cold_isolate(struct cold_ctx *c, uint64_t pfn)
{
	struct vmsh_sys *sys = c->vma->vm_mm->sys;

	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->list = xrealloc(c->list, c->cap * sizeof(*c->list));
	}
	lru_del(sys, pfn);
	phys_get(sys, pfn);
	c->list[c->n++] = pfn;
}

/* Cold or pageout of a whole folio (madvise_cold_or_pageout_pte_range's
 * common end): PG_referenced cleared; cold deactivates, pageout
 * isolates it for reclaim_pages. */
static void cold_folio(struct cold_ctx *c, uint64_t pfn)
{
	struct vmsh_sys *sys = c->vma->vm_mm->sys;
	struct page *page = phys_page(sys, pfn);

	page->referenced = false;
	if (!c->pageout) {
		/* folio_deactivate() */
		if (page->active) {
			page->active = false;
			lru_update(sys, pfn);
			sys->stat[ST_PGDEACTIVATE] += lru_nr_pages(page);
		}
		return;
	}
	if (page->lru == LRU_NONE || page->lru == LRU_UNEVICTABLE)
		return;         /* not on an LRU list: not isolated */
	cold_isolate(c, pfn);
}

/* The huge PMD branch: the huge zero page and a shared folio are left;
 * a range covering only part of the PMD splits the folio (split_folio:
 * thp_split_pmd, thp_split_page) and its PTEs are walked as small
 * folios; the whole PMD: cold makes it old (pmdp_invalidate: flushed)
 * and deactivates the folio, pageout isolates the whole folio. */
static bool cold_pmd(uint64_t *pmdp, uint64_t addr, uint64_t next, void *vctx)
{
	struct cold_ctx *c = vctx;
	struct vmsh_mm *mm = c->vma->vm_mm;
	uint64_t head = pte_pfn(*pmdp);
	enum thp_step step = thp_pmd_step(mm->sys, *pmdp, addr, next);

	if (step != THP_WHOLE)
		return step == THP_LEAVE;
	if (!c->pageout && (*pmdp & _PAGE_ACCESSED)) {
		*pmdp &= ~_PAGE_ACCESSED;
		flush_tlb_page(mm, addr);
	}
	cold_folio(c, head);
	return true;
}

/* A PTE of a THP split from its PMD but not itself (thp_pte_step): the
 * folio taken whole is one folio to cold or page out.  True when the PTE
 * is dealt with (false: split, the page goes on as a small folio). */
static bool cold_thp_pte(struct cold_ctx *c, uint64_t addr, uint64_t pfn)
{
	struct vmsh_mm *mm = c->vma->vm_mm;
	uint64_t head = pfn & ~(uint64_t)(HPAGE_PMD_NR - 1);
	uint64_t haddr = addr - (pfn - head) * PAGE_SIZE, i;
	enum thp_step step = thp_pte_step(mm, addr, pfn, c->start, c->end);

	if (step != THP_WHOLE)
		return step == THP_LEAVE;
	c->skip_end = haddr + HPAGE_PMD_SIZE;
	if (!c->pageout)
		for (i = 0; i < HPAGE_PMD_NR; i++) {
			uint64_t *p = pte_lookup(mm, haddr + i * PAGE_SIZE, false);

			if (*p & _PAGE_ACCESSED) {
				*p &= ~_PAGE_ACCESSED;
				flush_tlb_page(mm, haddr + i * PAGE_SIZE);
			}
		}
	cold_folio(c, head);
	return true;
}

/* folio_pte_batch(): how many PTEs from @addr on (below the range's end)
 * map the pages of large page cache folio @folio that follow @page's. */
static uint64_t file_pte_batch(struct cold_ctx *c, uint64_t addr,
			       const struct page *folio, const struct page *page)
{
	struct vmsh_mm *mm = c->vma->vm_mm;
	uint64_t nr, left = folio->index + folio_nr_pages(folio) - page->index;

	for (nr = 0; nr < left && addr + nr * PAGE_SIZE < c->end; nr++) {
		uint64_t *p = pte_lookup(mm, addr + nr * PAGE_SIZE, false);

		if (!p || !pte_present(*p) || (*p & _PAGE_SPECIAL) ||
		    pte_pfn(*p) != file_cache_lookup(page_file(c->vma->vm_mm->sys, folio),
						     page->index + nr))
			break;
	}
	return nr;
}

/*
 * A PTE of a large page cache folio (a disk file's async readahead): the
 * folio is taken whole when the range maps all of it from its first page
 * and nothing else maps it (folio_mapcount == folio_nr_pages); mapped
 * here only in part, it is split (split_folio: order 0, every PTE of it
 * gone, nothing taken) unless another mm maps it
 * (folio_maybe_mapped_shared).  Probe (6.18, ext4, a 200-page file read
 * at pages 0 and 1, then touched: 16-page folios at 32 and 48): pageout
 * of pages 34-39 left Rss 64 kB lower and pages 32-47 all cached; of
 * 48-63, Rss 64 kB lower and 48-63 dropped.
 */
static void cold_file_folio(struct cold_ctx *c, uint64_t addr,
			    struct page *page, struct page *folio)
{
	struct vmsh_sys *sys = c->vma->vm_mm->sys;
	uint64_t nr = file_pte_batch(c, addr, folio, page), i, p, mapped = 0;

	c->skip_end = addr + nr * PAGE_SIZE;
	if (nr < folio_nr_pages(folio)) {
		if (!folio_mapped_elsewhere(sys, page_to_pfn(sys, folio),
					    c->vma->vm_mm))
			split_file_folio(sys, folio);
		return;
	}
	for (i = 0; i < nr; i++) {
		p = file_cache_lookup(page_file(c->vma->vm_mm->sys, folio), folio->index + i);
		mapped += (uint64_t)phys_page(sys, p)->mapcount;
	}
	if (mapped != nr)
		return;
	for (i = 0; i < nr && !c->pageout; i++) {
		uint64_t *pte = pte_lookup(c->vma->vm_mm, addr + i * PAGE_SIZE,
					   false);

		if (*pte & _PAGE_ACCESSED) {
			*pte &= ~_PAGE_ACCESSED;
			flush_tlb_page(c->vma->vm_mm, addr + i * PAGE_SIZE);
		}
	}
	cold_folio(c, page_to_pfn(sys, folio));
}

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
	if (addr < c->skip_end)
		return;         /* a page of the whole THP just taken */
	if (page->kind == PAGE_ANON && page->thp &&
	    cold_thp_pte(c, addr, pfn))
		return;
	if (page->kind == PAGE_FILE && page->order) {
		cold_file_folio(c, addr, page, page_folio(sys, page));
		return;
	}
	if (page->mapcount != 1)
		return;
	if (!c->pageout && (pte & _PAGE_ACCESSED)) {
		*ptep = pte & ~_PAGE_ACCESSED;
		flush_tlb_page(c->vma->vm_mm, addr);
	}
	page->referenced = false;
	if (!c->pageout) {
		/* folio_deactivate(): queued, PG_active goes when the
		 * lru_deactivate batch moves */
		folio_deactivate(sys, pfn);
		return;
	}
	if (page->lru == LRU_NONE)
		return;         /* not on an LRU list: not isolated */
	cold_isolate(c, pfn);
}

/* reclaim_folio_list()'s putback: folio_putback_lru(), i.e. through the
 * lru_add batch (a folio kept goes back off the lists, PG_lru clear, until
 * the batch moves).  A THP (large: the batch moves at once) goes straight
 * back.  A folio whose swap write this pageout started keeps PG_reclaim:
 * the write is in flight until the madvise call ends (pageout_writes_end,
 * lru_batch.c; an asynchronous bio, ~100 us on the reference machine,
 * while the next VMA's madvise_pageout follows at once). */
static void putback_folios_lru_add(struct vmsh_sys *sys, const uint64_t *list,
				   size_t n, const struct reclaim_stat *st)
{
	size_t k;

	for (k = 0; k < n; k++) {
		struct page *folio = phys_page(sys, list[k]);

		if (st->outcome[k] == RECLAIM_KEEP) {
			if (folio->reclaim && !folio->dirty)
				pageout_wb_add(sys, list[k]);
			if (folio->thp || folio->order)
				folio_putback_lru(sys, list[k]);
			else
				folio_add_lru(sys, list[k]);
		}
		put_page(sys, list[k]);
	}
}

void madvise_cold_or_pageout(struct vmsh_vma *vma, uint64_t start,
			     uint64_t end, bool pageout)
{
	struct vmsh_sys *sys = vma->vm_mm->sys;
	struct cold_ctx c = { .vma = vma, .pageout = pageout, .start = start,
			      .end = end };
	uint64_t before = sys->stat[ST_PGACTIVATE] + sys->stat[ST_PGDEACTIVATE] +
			  sys->stat[ST_PGSTEAL_ANON] + sys->stat[ST_PSWPOUT];
	struct reclaim_stat st = { 0 };

	trace(sys, "%s [%#llx-%#llx)",
	      pageout ? "madvise_pageout" : "madvise_cold",
	      (unsigned long long)start, (unsigned long long)end);
	pt_walk_range(vma->vm_mm, start, end, cold_one, cold_pmd, &c);
	/* reclaim_pages() */
	if (c.n) {
		st.outcome = xcalloc(c.n, sizeof(*st.outcome));
		/* reclaim_folio_list() counts no pgsteal (probe, 6.18:
		 * pgsteal_anon and pgsteal_file +0 after pageout of 8 anon
		 * pages, 2 of them zero-filled and freed at once) */
		shrink_folio_list(sys, c.list, c.n, true, &st);
		putback_folios_lru_add(sys, c.list, c.n, &st);
		free(st.outcome);
	}
	free(c.list);
	if (sys->stat[ST_PGACTIVATE] + sys->stat[ST_PGDEACTIVATE] +
	    sys->stat[ST_PGSTEAL_ANON] + sys->stat[ST_PSWPOUT] != before)
		sys->reclaim_shown = true;
}
