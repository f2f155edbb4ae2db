/* SPDX-License-Identifier: MIT */
/*
 * Transparent huge pages (mm/huge_memory.c): the eligibility rules
 * (__thp_vma_allowable_orders, thp_vma_suitable_order) for the PMD order
 * with the configured THP mode; the huge PMD fault and write fault; the
 * zap, protection change, fork copy, mremap move and split of a huge PMD.
 *
 *   fault, PMD none, eligible  -> do_huge_pmd_anonymous_page
 *        read + zero pages on  -> the huge zero page (special, read-only)
 *        else                  -> a 512-frame folio, PMD dirty (+RW)
 *        no free 2 MiB block   -> thp_fault_fallback, 4 KiB path
 *   write to a read-only huge PMD -> do_huge_pmd_wp_page
 *        huge zero page        -> a new folio (do_huge_zero_wp_pmd)
 *        exclusive, or folio refcount 1 -> reuse the PMD
 *        else                  -> split_huge_pmd, 4 KiB COW of one page
 *
 * Invariants kept (see huge_memory.h for the folio model): a huge PMD
 * maps a 2 MiB range wholly inside an anonymous VMA, at a 512-aligned
 * head frame, with a PTE table deposited for it on its PMD table; a
 * split PMD becomes that table with 512 PTEs and the counts stay.
 */
#include "config.h"

#include <errno.h>

#include "anon_vma.h"
#include "fault.h"
#include "huge_memory.h"
#include "memory.h"
#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "sys.h"
#include "tlb.h"
#include "vm_flags.h"
#include "vma.h"

/* thp_vma_suitable_order() at the VMA's upper end: some 2 MiB-aligned
 * range lies wholly inside it.  The file-offset alignment is not checked
 * for anonymous memory (a VMA mremap moved off alignment stays eligible:
 * checked on Linux 6.18). */
static bool thp_vma_suitable(const struct vmsh_vma *vma)
{
	uint64_t haddr;

	if (vma->vm_end - vma->vm_start < HPAGE_PMD_SIZE)
		return false;
	haddr = (vma->vm_end - HPAGE_PMD_SIZE) & ~(HPAGE_PMD_SIZE - 1);
	return haddr >= vma->vm_start;
}

bool thp_vma_allowable_order(const struct vmsh_vma *vma, enum tva_type type)
{
	int mode = vma->vm_mm->sys->cfg.thp;
	uint64_t flags = vma->vm_flags;

	/* vma_thp_disabled(): MADV_NOHUGEPAGE (prctl is not modelled) */
	if (flags & VM_NOHUGEPAGE)
		return false;
	if (flags & (VM_HUGETLB | VM_IO | VM_PFNMAP | VM_MIXEDMAP))
		return false;
	/* shmem_enabled is "never" and file THP is not built */
	if (!vma_is_anonymous(vma))
		return false;
	/* the sysfs mode (only the PMD size, "inherit"); MADV_COLLAPSE
	 * works whatever it says */
	if (type != TVA_FORCED_COLLAPSE) {
		if (mode == VMSH_THP_NEVER)
			return false;
		if (mode == VMSH_THP_MADVISE && !(flags & VM_HUGEPAGE))
			return false;
	}
	/* smaps and faults ask before there is an anon_vma; khugepaged
	 * and MADV_COLLAPSE need one */
	if (!vma->anon_vma && type != TVA_SMAPS && type != TVA_PAGEFAULT)
		return false;
	return thp_vma_suitable(vma);
}

bool thp_vma_suitable_addr(const struct vmsh_vma *vma, uint64_t addr)
{
	uint64_t haddr = addr & HPAGE_PMD_MASK;

	if (vma->vm_mm->sys->cfg.levels < 3)
		return false;
	return haddr >= vma->vm_start && haddr + HPAGE_PMD_SIZE <= vma->vm_end;
}

/* ---- folios -------------------------------------------------------------- */

uint64_t thp_head(const struct vmsh_sys *sys, uint64_t pfn)
{
	if (pfn >= sys->phys.nframes ||
	    !(sys->phys.pages[pfn].thp & (PAGE_THP_HEAD | PAGE_THP_TAIL)))
		return UINT64_MAX;
	return pfn & ~(uint64_t)(HPAGE_PMD_NR - 1);
}

bool thp_maybe_shared(const struct vmsh_sys *sys, uint64_t head)
{
	unsigned i;

	for (i = 0; i < HPAGE_PMD_NR; i++)
		if (sys->phys.pages[head + i].mapcount > 1)
			return true;
	return false;
}

enum thp_step thp_pmd_step(struct vmsh_sys *sys, uint64_t pmd, uint64_t addr,
			   uint64_t next)
{
	uint64_t head = pte_pfn(pmd);

	if ((pmd & _PAGE_SPECIAL) || thp_maybe_shared(sys, head))
		return THP_LEAVE;
	if (next - addr != HPAGE_PMD_SIZE)
		return split_folio(sys, head, 0, NULL) ? THP_LEAVE : THP_SPLIT;
	return THP_WHOLE;
}

bool thp_pte_whole(struct vmsh_mm *mm, uint64_t addr, uint64_t pfn,
		   uint64_t start, uint64_t end)
{
	uint64_t head = pfn & ~(uint64_t)(HPAGE_PMD_NR - 1), i;

	if (pfn != head || addr < start || addr + HPAGE_PMD_SIZE > end)
		return false;
	for (i = 0; i < HPAGE_PMD_NR; i++) {
		uint64_t *p = pte_lookup(mm, addr + i * PAGE_SIZE, false);

		if (!p || !pte_present(*p) || (*p & _PAGE_SPECIAL) ||
		    pte_pfn(*p) != head + i)
			return false;
	}
	return true;
}

enum thp_step thp_pte_step(struct vmsh_mm *mm, uint64_t addr, uint64_t pfn,
			   uint64_t start, uint64_t end)
{
	uint64_t head = pfn & ~(uint64_t)(HPAGE_PMD_NR - 1);

	if (thp_maybe_shared(mm->sys, head))
		return THP_LEAVE;
	if (!thp_pte_whole(mm, addr, pfn, start, end))
		return split_folio(mm->sys, head, 0, NULL) ? THP_LEAVE : THP_SPLIT;
	return THP_WHOLE;
}

void deferred_split_check(struct vmsh_sys *sys, uint64_t head)
{
	unsigned i, mapped = 0;

	if (head == UINT64_MAX)
		return;
	/* an unsplit folio keeps all its frames (put_page holds them) */
	for (i = 0; i < HPAGE_PMD_NR; i++) {
		const struct page *p = &sys->phys.pages[head + i];

		if (p->kind != PAGE_ANON || !p->thp)
			continue;
		if (p->thp & PAGE_THP_PARTIAL)
			return;         /* queued already */
		if (p->mapcount > 0)
			mapped++;
	}
	if (mapped == 0 || mapped == HPAGE_PMD_NR)
		return;
	for (i = 0; i < HPAGE_PMD_NR; i++) {
		struct page *p = &sys->phys.pages[head + i];

		if (p->kind == PAGE_ANON && p->thp)
			p->thp |= PAGE_THP_PARTIAL;
	}
	deferred_split_queue_add(sys, head);
	sys->stat[ST_THP_DEFERRED_SPLIT_PAGE]++;
	trace(sys, "deferred_split_folio pfn=%#llx (%u of 512 pages mapped)",
	      (unsigned long long)head, mapped);
}

static void count_block_ptes(uint64_t *ptep, uint64_t addr, void *ctx)
{
	uint64_t *c = ctx;      /* c[0]: the block's head, c[1]: the count */

	(void)addr;
	if (pte_present(*ptep) && !(*ptep & _PAGE_SPECIAL) &&
	    (pte_pfn(*ptep) & ~(uint64_t)(HPAGE_PMD_NR - 1)) == c[0])
		c[1]++;
}

bool wp_can_reuse_large_anon_folio(struct vmsh_vma *vma, uint64_t addr,
				   uint64_t head)
{
	const struct vmsh_sys *sys = vma->vm_mm->sys;
	uint64_t mapped = 0, c[2] = { head, 0 }, haddr = addr & HPAGE_PMD_MASK;
	unsigned i;

	for (i = 0; i < HPAGE_PMD_NR; i++) {
		const struct page *p = &sys->phys.pages[head + i];

		if (p->kind != PAGE_ANON || !p->thp)
			continue;
		if (p->refcount != p->mapcount)
			return false;   /* references beyond the mappings */
		mapped += p->mapcount;
	}
	/* all of them ours: the folio is not (maybe) mapped shared */
	pte_walk_range(vma->vm_mm, haddr, haddr + HPAGE_PMD_SIZE,
		       count_block_ptes, c);
	return c[1] == mapped;
}

/* Is the PMD-mapped folio at @head exclusively ours (folio_ref_count 1)? */
static bool folio_ref_one(const struct vmsh_sys *sys, uint64_t head)
{
	unsigned i;

	for (i = 0; i < HPAGE_PMD_NR; i++)
		if (sys->phys.pages[head + i].refcount != 1)
			return false;
	return true;
}

static void folio_set_exclusive(struct vmsh_sys *sys, uint64_t head, bool on)
{
	unsigned i;

	for (i = 0; i < HPAGE_PMD_NR; i++)
		sys->phys.pages[head + i].exclusive = on;
}

/* ---- the huge PMD fault -------------------------------------------------- */

/* The huge zero folio (mm_get_huge_zero_folio): made at first use. */
static uint64_t get_huge_zero(struct vmsh_sys *sys)
{
	uint64_t pfn = sys->phys.huge_zero_pfn;

	if (pfn)
		return pfn;
	pfn = phys_alloc_huge(sys, PAGE_ZERO);
	if (pfn == UINT64_MAX) {
		sys->stat[ST_THP_ZERO_PAGE_ALLOC_FAILED]++;
		return pfn;
	}
	sys->stat[ST_THP_ZERO_PAGE_ALLOC]++;
	sys->phys.huge_zero_pfn = pfn;
	return pfn;
}

/* vma_alloc_anon_folio_pmd(): a zeroed order-9 folio, or UINT64_MAX
 * (thp_fault_fallback). */
static uint64_t alloc_anon_folio_pmd(struct vmsh_sys *sys)
{
	uint64_t head = phys_alloc_huge(sys, PAGE_ANON);

	if (head == UINT64_MAX) {
		sys->stat[ST_THP_FAULT_FALLBACK]++;
		trace(sys, "thp_fault_fallback: no free 2 MiB block");
		return head;
	}
	sys->stat[ST_THP_FAULT_ALLOC]++;
	return head;
}

/* map_anon_folio_pmd(): the new folio's rmap (exclusive) and its PMD,
 * dirty, writable when the VMA is. */
void map_anon_folio_pmd(struct vmsh_vma *vma, uint64_t head,
			uint64_t *pmdp, uint64_t haddr)
{
	struct vmsh_mm *mm = vma->vm_mm;
	struct vmsh_sys *sys = mm->sys;
	uint64_t entry;
	unsigned i;

	for (i = 0; i < HPAGE_PMD_NR; i++) {
		struct page *p = phys_page(sys, head + i);

		p->mapcount = 1;
		p->exclusive = true;
		p->uptodate = true;
		page_set_anon(sys, p, vma->anon_vma);
		if (page_anon(sys, p))
			anon_vma_get(page_anon(sys, p));
		p->index = linear_page_index(vma, haddr + i * PAGE_SIZE);
	}
	entry = pte_mkdirty(mk_pte(head, vma_page_prot(vma))) | _PAGE_PSE;
	if (vma->vm_flags & VM_WRITE)
		entry |= _PAGE_RW;
	*pmdp = entry;
	mm_add_rss(mm, MM_ANONPAGES, HPAGE_PMD_NR);
	/* folio_add_lru_vma(): a locked VMA's folio is mlocked at once (a
	 * large folio drains the batch); each frame is its own entry */
	for (i = 0; i < HPAGE_PMD_NR; i++)
		folio_add_lru_vma(vma, head + i);
}

void free_unmapped_folio(struct vmsh_sys *sys, uint64_t head)
{
	unsigned i;

	for (i = 0; i < HPAGE_PMD_NR; i++)
		phys_put(sys, head + i);
}

int do_huge_pmd_anonymous_page(struct vmsh_sys *sys, struct vmsh_vma *vma,
			       uint64_t addr, uint64_t *pmdp, bool write)
{
	struct vmsh_mm *mm = vma->vm_mm;
	uint64_t haddr = addr & HPAGE_PMD_MASK, table, head;

	if (!thp_vma_suitable_addr(vma, addr))
		return VM_FAULT_FALLBACK;
	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	khugepaged_enter_vma(vma, vma->vm_flags);
	if (!write && sys->cfg.zero_page && sys->cfg.thp_zero_page) {
		table = pte_alloc_one(mm);
		if (table == UINT64_MAX)
			return VM_FAULT_OOM;
		head = get_huge_zero(sys);
		if (head == UINT64_MAX) {
			pte_free_one(mm, table);
			sys->stat[ST_THP_FAULT_FALLBACK]++;
			return VM_FAULT_FALLBACK;
		}
		pgtable_deposit(mm, haddr, table);
		*pmdp = (mk_pte(head, vma_page_prot(vma)) & ~_PAGE_RW) |
			_PAGE_PSE | _PAGE_SPECIAL;
		trace(sys, "do_huge_pmd_anonymous_page addr=%#llx huge zero page",
		      (unsigned long long)haddr);
		return 0;
	}
	head = alloc_anon_folio_pmd(sys);
	if (head == UINT64_MAX)
		return VM_FAULT_FALLBACK;
	table = pte_alloc_one(mm);
	if (table == UINT64_MAX) {
		free_unmapped_folio(sys, head);
		return VM_FAULT_OOM;
	}
	pgtable_deposit(mm, haddr, table);
	map_anon_folio_pmd(vma, head, pmdp, haddr);
	trace(sys, "do_huge_pmd_anonymous_page addr=%#llx pfn=%#llx (512 pages)",
	      (unsigned long long)haddr, (unsigned long long)head);
	return 0;
}

/* do_huge_zero_wp_pmd(): a write to the huge zero page maps a new folio
 * in its place (keeping the deposited table); fallback: split into
 * zero-page PTEs. */
static int do_huge_zero_wp_pmd(struct vmsh_sys *sys, struct vmsh_vma *vma,
			       uint64_t addr, uint64_t *pmdp)
{
	struct vmsh_mm *mm = vma->vm_mm;
	uint64_t haddr = addr & HPAGE_PMD_MASK;
	uint64_t head = alloc_anon_folio_pmd(sys);

	if (head == UINT64_MAX) {
		split_huge_pmd(vma, addr);
		return VM_FAULT_FALLBACK;
	}
	*pmdp = 0;                      /* pmdp_huge_clear_flush */
	flush_pmd_tlb_range(mm, haddr, haddr + HPAGE_PMD_SIZE);
	map_anon_folio_pmd(vma, head, pmdp, haddr);
	trace(sys, "do_huge_zero_wp_pmd addr=%#llx -> pfn=%#llx",
	      (unsigned long long)haddr, (unsigned long long)head);
	return 0;
}

static int do_huge_pmd_wp_page(struct vmsh_sys *sys, struct vmsh_vma *vma,
			       uint64_t addr, uint64_t *pmdp)
{
	uint64_t pmd = *pmdp, head = pte_pfn(pmd), i;
	struct page *hp;

	trace(sys, "do_huge_pmd_wp_page addr=%#llx",
	      (unsigned long long)(addr & HPAGE_PMD_MASK));
	if (pmd & _PAGE_SPECIAL)
		return do_huge_zero_wp_pmd(sys, vma, addr, pmdp);
	hp = phys_page(sys, head);
	if (!hp->exclusive) {
		if (!folio_ref_one(sys, head)) {
			split_huge_pmd(vma, addr);
			return VM_FAULT_FALLBACK;
		}
		/* folio_move_anon_rmap + SetPageAnonExclusive */
		for (i = 0; i < HPAGE_PMD_NR; i++) {
			struct page *p = phys_page(sys, head + i);

			if (page_anon(sys, p) != vma->anon_vma && vma->anon_vma) {
				anon_vma_get(vma->anon_vma);
				if (page_anon(sys, p))
					anon_vma_put(sys, page_anon(sys, p));
				page_set_anon(sys, p, vma->anon_vma);
			}
		}
		folio_set_exclusive(sys, head, true);
	}
	/* reuse: young, dirty, writable; no flush (an upgrade) */
	*pmdp = pte_mkdirty(pmd | _PAGE_ACCESSED) | _PAGE_RW;
	trace(sys, "do_huge_pmd_wp_page reuse pfn=%#llx",
	      (unsigned long long)head);
	return 0;
}

int do_huge_pmd_fault(struct vmsh_sys *sys, struct vmsh_vma *vma,
		      uint64_t addr, uint64_t *pmdp, bool write)
{
	if (write && !(*pmdp & _PAGE_RW))
		return do_huge_pmd_wp_page(sys, vma, addr, pmdp);
	/* huge_pmd_set_accessed() */
	*pmdp |= _PAGE_ACCESSED;
	if (write)
		*pmdp = pte_mkdirty(*pmdp);
	return 0;
}

/* ---- zap, mprotect, fork, mremap ----------------------------------------- */

void zap_huge_pmd(struct vmsh_mm *mm, uint64_t *pmdp, uint64_t haddr)
{
	struct vmsh_sys *sys = mm->sys;
	uint64_t pmd = *pmdp, head = pte_pfn(pmd);
	unsigned i;

	*pmdp = 0;
	pte_free_one(mm, pgtable_withdraw(mm, haddr));  /* zap_deposited_table */
	trace(sys, "zap_huge_pmd addr=%#llx", (unsigned long long)haddr);
	if (pmd & _PAGE_SPECIAL)
		return;                 /* the huge zero page */
	for (i = 0; i < HPAGE_PMD_NR; i++) {
		phys_page(sys, head + i)->mapcount--;
		put_page(sys, head + i);
	}
	mm_add_rss(mm, MM_ANONPAGES, -(int64_t)HPAGE_PMD_NR);
	deferred_split_check(sys, thp_head(sys, head));
}

/* Bits pte_modify() keeps (_HPAGE_CHG_MASK). */
#define HPAGE_CHG_MASK (PTE_PFN_MASK | _PAGE_PCD | _PAGE_PWT | _PAGE_SPECIAL | \
			_PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_SAVED_DIRTY | \
			_PAGE_SOFT_DIRTY | _PAGE_UFFD_WP | _PAGE_PSE)

bool change_huge_pmd(struct vmsh_vma *vma, uint64_t *pmdp, uint64_t haddr,
		     uint64_t newprot, bool try_writable)
{
	struct vmsh_sys *sys = vma->vm_mm->sys;
	uint64_t old = *pmdp, entry;

	entry = (old & HPAGE_CHG_MASK) | (newprot & ~HPAGE_CHG_MASK);
	/* can_change_pmd_writable() */
	if (try_writable && !(entry & _PAGE_RW) && (vma->vm_flags & VM_WRITE) &&
	    (entry & _PAGE_PRESENT) && !(entry & _PAGE_SPECIAL) &&
	    phys_page(sys, pte_pfn(entry))->exclusive)
		entry |= _PAGE_RW;
	*pmdp = entry;
	trace(sys, "change_huge_pmd addr=%#llx", (unsigned long long)haddr);
	return pte_needs_flush(old, entry);
}

int copy_huge_pmd(struct vmsh_vma *dst, struct vmsh_vma *src,
		  uint64_t *src_pmdp, uint64_t addr)
{
	struct vmsh_mm *dst_mm = dst->vm_mm;
	struct vmsh_sys *sys = dst_mm->sys;
	uint64_t haddr = addr & HPAGE_PMD_MASK, pmd = *src_pmdp, table, head;
	uint64_t *dst_pmdp = pmd_alloc(dst_mm, haddr);
	unsigned i;

	if (!dst_pmdp)
		return -ENOMEM;
	table = pte_alloc_one(dst_mm);
	if (table == UINT64_MAX)
		return -ENOMEM;
	pgtable_deposit(dst_mm, haddr, table);
	trace(sys, "copy_huge_pmd addr=%#llx", (unsigned long long)haddr);
	if (pmd & _PAGE_SPECIAL) {      /* the huge zero page */
		*dst_pmdp = pmd;
		return 0;
	}
	head = pte_pfn(pmd);
	for (i = 0; i < HPAGE_PMD_NR; i++) {
		struct page *p = phys_page(sys, head + i);

		phys_get(sys, head + i);
		p->mapcount++;
		p->exclusive = false;   /* folio_try_dup_anon_rmap_pmd */
	}
	mm_add_rss(dst_mm, MM_ANONPAGES, HPAGE_PMD_NR);
	/* pmdp_set_wrprotect + pmd_mkold(pmd_wrprotect(pmd)) */
	*src_pmdp &= ~_PAGE_RW;
	*dst_pmdp = pmd & ~(_PAGE_RW | _PAGE_ACCESSED);
	(void)src;
	return 0;
}

bool move_huge_pmd(struct vmsh_vma *vma, uint64_t old_addr, uint64_t new_addr)
{
	struct vmsh_mm *mm = vma->vm_mm;
	uint64_t *new_pmdp = pmd_alloc(mm, new_addr), *old_pmdp, pmd;

	if (!new_pmdp || *new_pmdp)
		return false;
	old_pmdp = pmd_lookup(mm, old_addr);
	pmd = *old_pmdp;
	*old_pmdp = 0;
	pgtable_deposit(mm, new_addr, pgtable_withdraw(mm, old_addr));
	if (VMSH_SOFT_DIRTY)
		pmd |= _PAGE_SOFT_DIRTY;
	*new_pmdp = pmd;
	flush_pmd_tlb_range(mm, old_addr, old_addr + HPAGE_PMD_SIZE);
	trace(mm->sys, "move_huge_pmd old=%#llx new=%#llx",
	      (unsigned long long)old_addr, (unsigned long long)new_addr);
	return true;
}

/* ---- splitting ----------------------------------------------------------- */

void split_huge_pmd(struct vmsh_vma *vma, uint64_t addr)
{
	struct vmsh_mm *mm = vma->vm_mm;
	uint64_t *pmdp;

	if (mm->sys->cfg.levels < 3)
		return;
	pmdp = pmd_lookup(mm, addr);
	if (!pmdp || !pmd_trans_huge(*pmdp))
		return;
	split_huge_pmd_entry(mm, pmdp, addr);
	tlb_flush_splits(mm);                   /* pmdp_invalidate's flush */
}

void vma_adjust_trans_huge(struct vmsh_vma *vma)
{
	if (vma->vm_start & ~HPAGE_PMD_MASK)
		split_huge_pmd(vma, vma->vm_start);
	if (vma->vm_end & ~HPAGE_PMD_MASK)
		split_huge_pmd(vma, vma->vm_end);
}
