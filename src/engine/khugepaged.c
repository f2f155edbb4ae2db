/* SPDX-License-Identifier: MIT */
/*
 * Collapsing 4 KiB pages into a PMD-mapped huge page (mm/khugepaged.c):
 * MADV_COLLAPSE, synchronous, and one scan pass of khugepaged.
 *
 *   for each 2 MiB-aligned range:  hpage_collapse_scan_pmd
 *     PMD none or no table       -> SCAN_PMD_NONE / SCAN_PMD_NULL
 *     huge PMD already            -> SCAN_PMD_MAPPED (counts as done)
 *     each PTE: none or zero page -> khugepaged: at most max_ptes_none
 *               swap entry        -> not modelled (SCAN_EXCEED_SWAP_PTE)
 *               a page of a (PTE-mapped) large folio: copied like the rest
 *               not anonymous     -> SCAN_PAGE_ANON
 *               mapped shared     -> khugepaged: at most max_ptes_shared
 *     khugepaged also wants a writable PTE and a young one
 *   collapse_huge_page: a new folio (thp_collapse_alloc, or
 *   thp_collapse_alloc_failed), the pages copied into it (zeroes for none),
 *   the old PTEs zapped, the emptied PTE table deposited, one PMD.
 *
 * MADV_COLLAPSE's errnos (madvise_collapse_errno): EINVAL for a VMA that
 * may not hold a huge page, an empty PMD (which also ends the call), a
 * non-anonymous page; ENOMEM when no folio could be had;
 * EBUSY / EAGAIN are not reached by the model (no cgroups, no pins).
 * Verified on Linux 6.18 with a C program (see docs/notes/issue-17.md).
 *
 * Invariants kept: a collapse changes nothing when it fails before the
 * allocation; after it, the range is one huge PMD mapping an exclusive
 * folio with the range's old contents, rss counts 512 pages, and the old
 * pages lost exactly this mapping.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "anon_vma.h"
#include "huge_memory.h"
#include "memory.h"
#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "sys.h"
#include "task.h"
#include "tlb.h"
#include "vm_flags.h"
#include "vma.h"

/* /sys/kernel/mm/transparent_hugepage/khugepaged/ defaults (this host) */
#define KHUGEPAGED_MAX_PTES_NONE   511
#define KHUGEPAGED_MAX_PTES_SWAP   64
#define KHUGEPAGED_MAX_PTES_SHARED 256

enum scan_result {
	SCAN_SUCCEED, SCAN_PMD_NULL, SCAN_PMD_NONE, SCAN_PMD_MAPPED,
	SCAN_EXCEED_NONE_PTE, SCAN_EXCEED_SWAP_PTE, SCAN_EXCEED_SHARED_PTE,
	SCAN_PAGE_RO, SCAN_LACK_REFERENCED_PAGE, SCAN_PAGE_NULL,
	SCAN_PAGE_ANON, SCAN_PAGE_COMPOUND, SCAN_ALLOC_HUGE_PAGE_FAIL,
};

static const char *const scan_names[] = {
	"succeed", "pmd_null", "pmd_none", "pmd_mapped", "exceed_none_pte",
	"exceed_swap_pte", "exceed_shared_pte", "page_ro",
	"lack_referenced_page", "page_null", "page_anon", "page_compound",
	"alloc_huge_page_fail",
};

struct scan {
	struct vmsh_vma *vma;
	bool khugepaged;
	unsigned none, swap, shared, referenced;
	bool writable;
	enum scan_result result;
};

static void scan_pte(uint64_t *ptep, uint64_t addr, void *ctx);

/* hpage_collapse_scan_pmd() before the collapse itself. */
static enum scan_result scan_pmd(struct scan *s, uint64_t haddr)
{
	struct vmsh_mm *mm = s->vma->vm_mm;
	uint64_t *pmdp = pmd_lookup(mm, haddr), i;

	if (!pmdp)
		return SCAN_PMD_NULL;
	if (!*pmdp)
		return SCAN_PMD_NONE;
	if (pmd_trans_huge(*pmdp))
		return SCAN_PMD_MAPPED;
	s->none = s->swap = s->shared = s->referenced = 0;
	s->writable = false;
	s->result = SCAN_SUCCEED;
	/* the PTEs of the table, none ones counted as the walker skips them */
	pte_walk_range(mm, haddr, haddr + HPAGE_PMD_SIZE, scan_pte, s);
	if (s->result != SCAN_SUCCEED)
		return s->result;
	for (i = 0; i < HPAGE_PMD_NR; i++) {
		uint64_t *ptep = pte_lookup(mm, haddr + i * PAGE_SIZE, false);

		if (!ptep || !*ptep)
			s->none++;
	}
	if (s->khugepaged && s->none > KHUGEPAGED_MAX_PTES_NONE) {
		mm->sys->stat[ST_THP_SCAN_EXCEED_NONE_PTE]++;
		return SCAN_EXCEED_NONE_PTE;
	}
	if (s->khugepaged && !s->writable)
		return SCAN_PAGE_RO;
	if (s->khugepaged && !s->referenced)
		return SCAN_LACK_REFERENCED_PAGE;
	return SCAN_SUCCEED;
}

static void scan_pte(uint64_t *ptep, uint64_t addr, void *ctx)
{
	struct scan *s = ctx;
	struct vmsh_sys *sys = s->vma->vm_mm->sys;
	uint64_t pte = *ptep;
	const struct page *page;

	(void)addr;
	if (s->result != SCAN_SUCCEED)
		return;
	if (!pte_present(pte)) {
		/* a swap entry or a guard marker: swap-in is not modelled */
		s->result = SCAN_EXCEED_SWAP_PTE;
		if (s->khugepaged)
			sys->stat[ST_THP_SCAN_EXCEED_SWAP_PTE]++;
		return;
	}
	if (pte_pfn(pte) == sys->phys.zero_pfn) {
		s->none++;      /* pte_none_or_zero */
		return;
	}
	if (pte & _PAGE_RW)
		s->writable = true;
	if ((pte & _PAGE_SPECIAL) || pte_pfn(pte) >= sys->phys.nframes) {
		s->result = SCAN_PAGE_NULL;
		return;
	}
	page = &sys->phys.pages[pte_pfn(pte)];
	if (page->kind != PAGE_ANON) {
		s->result = SCAN_PAGE_ANON;
		return;
	}
	if (page->mapcount > 1 && s->khugepaged &&
	    ++s->shared > KHUGEPAGED_MAX_PTES_SHARED) {
		sys->stat[ST_THP_SCAN_EXCEED_SHARE_PTE]++;
		s->result = SCAN_EXCEED_SHARED_PTE;
		return;
	}
	if ((pte & _PAGE_ACCESSED) || page->referenced)
		s->referenced++;
}

/* collapse_huge_page(): copy the range into a new folio mapped by one
 * PMD.  SCAN_SUCCEED or SCAN_ALLOC_HUGE_PAGE_FAIL. */
static enum scan_result collapse_huge_page(struct vmsh_vma *vma, uint64_t haddr)
{
	struct vmsh_mm *mm = vma->vm_mm;
	struct vmsh_sys *sys = mm->sys;
	uint64_t head = phys_alloc_huge(sys, PAGE_ANON), *pmdp, table, i;
	uint64_t old_head = UINT64_MAX;

	if (head == UINT64_MAX) {
		sys->stat[ST_THP_COLLAPSE_ALLOC_FAILED]++;
		return SCAN_ALLOC_HUGE_PAGE_FAIL;
	}
	sys->stat[ST_THP_COLLAPSE_ALLOC]++;
	/* __collapse_huge_page_copy, then the old PTEs go */
	for (i = 0; i < HPAGE_PMD_NR; i++) {
		uint64_t *ptep = pte_lookup(mm, haddr + i * PAGE_SIZE, false);
		uint64_t pte = ptep ? *ptep : 0;

		if (!pte)
			continue;
		if (pte_pfn(pte) != sys->phys.zero_pfn)
			phys_copy(sys, head + i, pte_pfn(pte));
		*ptep = 0;
		if (!(pte & _PAGE_SPECIAL)) {
			struct page *old = phys_page(sys, pte_pfn(pte));
			uint64_t h = thp_head(sys, pte_pfn(pte));

			if (h != old_head) {
				deferred_split_check(sys, old_head);
				old_head = h;
			}
			old->mapcount--;
			mm_add_rss(mm, MM_ANONPAGES, -1);
			put_page(sys, pte_pfn(pte));
		}
	}
	deferred_split_check(sys, old_head);
	/* pmdp_collapse_flush; the emptied PTE table is the deposit */
	pmdp = pmd_lookup(mm, haddr);
	table = pte_pfn(*pmdp);
	*pmdp = 0;
	flush_tlb_range(mm, haddr, haddr + HPAGE_PMD_SIZE);
	pgtable_deposit(mm, haddr, table);
	map_anon_folio_pmd(vma, head, pmdp, haddr);
	trace(sys, "collapse_huge_page addr=%#llx -> pfn=%#llx",
	      (unsigned long long)haddr, (unsigned long long)head);
	return SCAN_SUCCEED;
}

static enum scan_result scan_and_collapse(struct vmsh_vma *vma, uint64_t haddr,
					  bool khugepaged)
{
	struct scan s = { .vma = vma, .khugepaged = khugepaged };
	enum scan_result r = scan_pmd(&s, haddr);

	if (r == SCAN_SUCCEED) {
		/* hugepage_vma_revalidate(): an anonymous VMA with an anon_vma */
		if (!vma->anon_vma)
			return SCAN_PAGE_ANON;
		r = collapse_huge_page(vma, haddr);
	}
	trace(vma->vm_mm->sys, "hpage_collapse_scan_pmd addr=%#llx: %s",
	      (unsigned long long)haddr, scan_names[r]);
	return r;
}

int madvise_collapse(struct vmsh_vma *vma, uint64_t start, uint64_t end)
{
	uint64_t hstart, hend, addr, thps = 0;
	enum scan_result last = SCAN_PMD_NULL;

	if (!thp_vma_allowable_order(vma, TVA_FORCED_COLLAPSE))
		return -EINVAL;
	lru_add_drain(vma->vm_mm->sys);         /* lru_add_drain_all() */
	hstart = (start + HPAGE_PMD_SIZE - 1) & HPAGE_PMD_MASK;
	hend = end & HPAGE_PMD_MASK;
	for (addr = hstart; addr < hend; addr += HPAGE_PMD_SIZE) {
		enum scan_result r = scan_and_collapse(vma, addr, false);

		if (r == SCAN_SUCCEED || r == SCAN_PMD_MAPPED) {
			thps++;
			continue;
		}
		last = r;
		/* the results after which the next range is tried */
		if (r != SCAN_PMD_NULL && r != SCAN_PAGE_NULL &&
		    r != SCAN_PAGE_COMPOUND)
			break;
	}
	/* (hend - hstart) wraps when the range holds no boundary at all:
	 * Linux then fails too */
	if (thps == (hend - hstart) >> HPAGE_PMD_SHIFT)
		return 0;
	return last == SCAN_ALLOC_HUGE_PAGE_FAIL ? -ENOMEM : -EINVAL;
}

int vmsh_khugepaged(struct vmsh_sys *sys, struct vmsh_khugepaged_info *out)
{
	struct vmsh_mm *mm;

	memset(out, 0, sizeof(*out));
	for (mm = sys->mms; mm; mm = mm->next_all) {
		struct vmsh_vma *vma;

		if (mm->mm_users <= 0 || !mm->pgd)
			continue;
		for (vma = mm->mmap; vma; vma = vma->vm_next) {
			uint64_t addr;

			if (!thp_vma_allowable_order(vma, TVA_KHUGEPAGED))
				continue;
			addr = (vma->vm_start + HPAGE_PMD_SIZE - 1) & HPAGE_PMD_MASK;
			for (; addr + HPAGE_PMD_SIZE <= vma->vm_end;
			     addr += HPAGE_PMD_SIZE) {
				enum scan_result r;

				out->scanned++;
				r = scan_and_collapse(vma, addr, true);
				if (r == SCAN_SUCCEED)
					out->collapsed++;
			}
		}
	}
	out->full_scans = ++sys->khugepaged_full_scans;
	return 0;
}
