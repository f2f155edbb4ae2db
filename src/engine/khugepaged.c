/* SPDX-License-Identifier: MIT */
/*
 * Collapsing 4 KiB pages into a PMD-mapped huge page (mm/khugepaged.c):
 * MADV_COLLAPSE, synchronous, and one scan pass of khugepaged.
 *
 *   for each 2 MiB-aligned range:  hpage_collapse_scan_pmd
 *     PMD none or no table       -> SCAN_PMD_NONE / SCAN_PMD_NULL
 *     huge PMD already            -> SCAN_PMD_MAPPED (counts as done)
 *     each PTE: none or zero page -> khugepaged: at most max_ptes_none
 *               swap entry or guard marker (is_swap_pte) -> khugepaged:
 *                                  at most max_ptes_swap, and then half
 *                                  the range young
 *               a page of a (PTE-mapped) large folio: copied like the rest
 *               not anonymous     -> SCAN_PAGE_ANON
 *               mapped shared     -> khugepaged: at most max_ptes_shared
 *     khugepaged also wants a writable PTE and a young one
 *   collapse_huge_page: a new folio (thp_collapse_alloc, or
 *   thp_collapse_alloc_failed); the swap entries brought in, in address
 *   order, by do_swap_page (__collapse_huge_page_swapin: a guard marker
 *   stops it, SCAN_FAIL, and what came in stays mapped); the pages copied
 *   into the folio (zeroes for none), the old PTEs zapped and each old
 *   page let go of its swap cache (free_page_and_swap_cache), the emptied
 *   PTE table deposited, one PMD.
 *
 * MADV_COLLAPSE's errnos (madvise_collapse_errno): EINVAL for a VMA that
 * may not hold a huge page, an empty PMD (which also ends the call), a
 * non-anonymous page, a guard marker; ENOMEM when no folio could be had;
 * EBUSY / EAGAIN are not reached by the model (no cgroups, no pins).
 * Verified on Linux 6.18 with C programs (docs/notes/issue-17.md; swap
 * entries and guard markers: docs/notes/issue-13.md, session 9).  This
 * machine's swap reads finish before do_swap_page waits for the folio's
 * lock, so a swap-in never returns VM_FAULT_RETRY (SCAN_PAGE_LOCK) here.
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
#include "swap.h"
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
	SCAN_FAIL,
};

static const char *const scan_names[] = {
	"succeed", "pmd_null", "pmd_none", "pmd_mapped", "exceed_none_pte",
	"exceed_swap_pte", "exceed_shared_pte", "page_ro",
	"lack_referenced_page", "page_null", "page_anon", "page_compound",
	"alloc_huge_page_fail", "fail",
};

struct scan {
	struct vmsh_vma *vma;
	bool khugepaged;
	unsigned none, unmapped, shared, referenced;
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
	s->none = s->unmapped = s->shared = s->referenced = 0;
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
	if (s->khugepaged && (!s->referenced ||
			      (s->unmapped && s->referenced < HPAGE_PMD_NR / 2)))
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
		/* a swap entry or a guard marker (is_swap_pte() in Linux):
		 * brought in by the collapse */
		if (++s->unmapped > KHUGEPAGED_MAX_PTES_SWAP && s->khugepaged) {
			s->result = SCAN_EXCEED_SWAP_PTE;
			sys->stat[ST_THP_SCAN_EXCEED_SWAP_PTE]++;
		}
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

/* __collapse_huge_page_swapin(): each swap entry of the range, in
 * address order, through do_swap_page (a read fault's, with no fault
 * counted against the task); a guard marker, or a swap-in that fails,
 * stops it with SCAN_FAIL, and the pages already brought in stay. */
static enum scan_result collapse_swapin(struct vmsh_vma *vma, uint64_t haddr)
{
	struct vmsh_sys *sys = vma->vm_mm->sys;
	enum scan_result r = SCAN_SUCCEED;
	unsigned swapped_in = 0;
	struct vmsh_fault f;
	uint64_t i;

	for (i = 0; i < HPAGE_PMD_NR && r == SCAN_SUCCEED; i++) {
		uint64_t addr = haddr + i * PAGE_SIZE;
		uint64_t *ptep = pte_lookup(vma->vm_mm, addr, false);

		if (!ptep || !*ptep || pte_present(*ptep))
			continue;
		memset(&f, 0, sizeof(f));
		if (pte_is_guard(*ptep) ||
		    do_swap_page(sys, vma, addr, ptep, false, &f))
			r = SCAN_FAIL;
		else
			swapped_in++;
	}
	/* the batch's references on the pages brought in go */
	if (swapped_in)
		lru_add_drain(sys);
	trace(sys, "__collapse_huge_page_swapin addr=%#llx swapped_in=%u: %s",
	      (unsigned long long)haddr, swapped_in, scan_names[r]);
	return r;
}

/* collapse_huge_page(): copy the range into a new folio mapped by one
 * PMD, after bringing in its @unmapped swap entries.  SCAN_SUCCEED,
 * SCAN_ALLOC_HUGE_PAGE_FAIL or (the swap-in's) SCAN_FAIL. */
static enum scan_result collapse_huge_page(struct vmsh_vma *vma, uint64_t haddr,
					   unsigned unmapped)
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
	if (unmapped && collapse_swapin(vma, haddr) != SCAN_SUCCEED) {
		free_unmapped_folio(sys, head);
		return SCAN_FAIL;
	}
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
			/* free_page_and_swap_cache() */
			if (old->swap && old->mapcount == 0)
				folio_free_swap(sys, pte_pfn(pte));
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

/* hpage_collapse_scan_pmd and, when it succeeds, collapse_huge_page;
 * *@unlocked (if given): the collapse was tried (it drops mmap_lock). */
static enum scan_result scan_and_collapse(struct vmsh_vma *vma, uint64_t haddr,
					  bool khugepaged, bool *unlocked)
{
	struct scan s = { .vma = vma, .khugepaged = khugepaged };
	enum scan_result r = scan_pmd(&s, haddr);

	if (unlocked)
		*unlocked = r == SCAN_SUCCEED;
	if (r == SCAN_SUCCEED) {
		/* hugepage_vma_revalidate(): an anonymous VMA with an anon_vma */
		if (!vma->anon_vma)
			return SCAN_PAGE_ANON;
		r = collapse_huge_page(vma, haddr, s.unmapped);
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
		enum scan_result r = scan_and_collapse(vma, addr, false, NULL);

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

/* ---- khugepaged's list and cursor ---------------------------------------- */

#define KHUGEPAGED_PAGES_TO_SCAN 4096

static struct vmsh_mm *mm_by_id(struct vmsh_sys *sys, unsigned id)
{
	for (struct vmsh_mm *mm = sys->mms; mm; mm = mm->next_all)
		if (mm->id == id)
			return mm;
	return NULL;
}

static size_t slot_index(const struct vmsh_sys *sys, unsigned id)
{
	size_t i;

	for (i = 0; i < sys->khugepaged.nr; i++)
		if (sys->khugepaged.slots[i] == id)
			break;
	return i;
}

static void slot_del(struct vmsh_sys *sys, size_t i)
{
	memmove(&sys->khugepaged.slots[i], &sys->khugepaged.slots[i + 1],
		(sys->khugepaged.nr - i - 1) * sizeof(*sys->khugepaged.slots));
	sys->khugepaged.nr--;
}

/* __khugepaged_enter(): the mm goes at the list's tail. */
static void khugepaged_enter_mm(struct vmsh_mm *mm)
{
	struct vmsh_sys *sys = mm->sys;

	if (mm->khugepaged_entered)
		return;
	mm->khugepaged_entered = true;
	if (sys->khugepaged.nr == sys->khugepaged.cap) {
		sys->khugepaged.cap = sys->khugepaged.cap ? 2 * sys->khugepaged.cap : 8;
		sys->khugepaged.slots = xrealloc(sys->khugepaged.slots,
			sys->khugepaged.cap * sizeof(*sys->khugepaged.slots));
	}
	sys->khugepaged.slots[sys->khugepaged.nr++] = mm->id;
	trace(sys, "__khugepaged_enter mm=%u", mm->id);
}

void khugepaged_enter_vma(struct vmsh_vma *vma, uint64_t vm_flags)
{
	uint64_t flags = vma->vm_flags;
	bool ok;

	if (vma->vm_mm->khugepaged_entered ||
	    vma->vm_mm->sys->cfg.thp == VMSH_THP_NEVER)
		return;
	/* thp_vma_allowable_order(vma, vm_flags, TVA_KHUGEPAGED, PMD_ORDER) */
	vma->vm_flags = vm_flags;
	ok = thp_vma_allowable_order(vma, TVA_KHUGEPAGED);
	vma->vm_flags = flags;
	if (ok)
		khugepaged_enter_mm(vma->vm_mm);
}

void khugepaged_fork(struct vmsh_mm *mm, struct vmsh_mm *oldmm)
{
	if (oldmm->khugepaged_entered)
		khugepaged_enter_mm(mm);
}

void khugepaged_exit(struct vmsh_mm *mm)
{
	struct vmsh_sys *sys = mm->sys;
	size_t i;

	if (!mm->khugepaged_entered || sys->khugepaged.cur == mm->id)
		return;
	i = slot_index(sys, mm->id);
	if (i < sys->khugepaged.nr)
		slot_del(sys, i);
	mm->khugepaged_entered = false;
}

void khugepaged_fini(struct vmsh_sys *sys)
{
	free(sys->khugepaged.slots);
	memset(&sys->khugepaged, 0, sizeof(sys->khugepaged));
}

/* khugepaged_scan_mm_slot(): scan the cursor's mm from its address for at
 * most @pages of progress; returns the progress made. */
static unsigned scan_mm_slot(struct vmsh_sys *sys, unsigned pages,
			     struct vmsh_khugepaged_info *out,
			     enum scan_result *result)
{
	struct vmsh_vma *vma = NULL;
	struct vmsh_mm *mm;
	unsigned progress = 0;
	size_t i;

	if (!sys->khugepaged.cur) {
		sys->khugepaged.cur = sys->khugepaged.slots[0];
		sys->khugepaged.address = 0;
	}
	mm = mm_by_id(sys, sys->khugepaged.cur);
	progress++;
	if (!mm || mm->mm_users <= 0)           /* hpage_collapse_test_exit */
		goto next_mm;
	for (vma = find_vma(mm, sys->khugepaged.address); vma;
	     vma = vma->vm_next) {
		uint64_t hstart, hend;

		if (!thp_vma_allowable_order(vma, TVA_KHUGEPAGED)) {
			progress++;
			continue;
		}
		hstart = (vma->vm_start + HPAGE_PMD_SIZE - 1) & HPAGE_PMD_MASK;
		hend = vma->vm_end & HPAGE_PMD_MASK;
		if (sys->khugepaged.address > hend) {
			progress++;
			continue;
		}
		if (sys->khugepaged.address < hstart)
			sys->khugepaged.address = hstart;
		while (sys->khugepaged.address < hend) {
			bool unlocked;

			*result = scan_and_collapse(vma, sys->khugepaged.address,
						    true, &unlocked);
			out->scanned++;
			if (*result == SCAN_SUCCEED)
				out->collapsed++;
			sys->khugepaged.address += HPAGE_PMD_SIZE;
			progress += HPAGE_PMD_NR;
			/* the mm keeps the cursor: the next call resumes */
			if (unlocked || progress >= pages)
				return progress;
		}
	}
next_mm:
	/* every VMA scanned, or the mm exited: the next mm's turn */
	i = slot_index(sys, sys->khugepaged.cur);
	if (i + 1 < sys->khugepaged.nr) {
		sys->khugepaged.cur = sys->khugepaged.slots[i + 1];
		sys->khugepaged.address = 0;
	} else {
		sys->khugepaged.cur = 0;
		sys->khugepaged.full_scans++;
	}
	if (!mm || mm->mm_users <= 0) {         /* collect_mm_slot */
		if (i < sys->khugepaged.nr)
			slot_del(sys, i);
		if (mm)
			mm->khugepaged_entered = false;
	}
	return progress;
}

/* khugepaged_do_scan(): one wake-up of khugepaged. */
int vmsh_khugepaged(struct vmsh_sys *sys, struct vmsh_khugepaged_info *out)
{
	unsigned progress = 0, pass_through_head = 0;
	const unsigned pages = KHUGEPAGED_PAGES_TO_SCAN;
	enum scan_result result = SCAN_SUCCEED;

	memset(out, 0, sizeof(*out));
	lru_lazyfree_drain(sys);                /* lru_add_drain_all() */
	for (;;) {
		if (!sys->khugepaged.cur)
			pass_through_head++;
		/* khugepaged_has_work() */
		if (sys->khugepaged.nr && sys->cfg.thp != VMSH_THP_NEVER &&
		    pass_through_head < 2)
			progress += scan_mm_slot(sys, pages - progress, out, &result);
		else
			progress = pages;
		if (progress >= pages)
			break;
		if (result == SCAN_ALLOC_HUGE_PAGE_FAIL)
			break;                  /* khugepaged_alloc_sleep */
	}
	out->passes = ++sys->khugepaged.passes;
	out->full_scans = sys->khugepaged.full_scans;
	out->nr_mms = (unsigned)sys->khugepaged.nr;
	out->next_mm_id = sys->khugepaged.cur;
	out->next_address = sys->khugepaged.address;
	return 0;
}
