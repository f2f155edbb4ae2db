/* SPDX-License-Identifier: MIT */
/*
 * Multi-level page tables in the x86-64 format.
 *
 *   VA (4 levels):  | PGD 47:39 | PUD 38:30 | PMD 29:21 | PTE 20:12 | 11:0 |
 *
 *   mm->pgd --> [512 x u64] --entry--> [512 x u64] --> ... --> PTE --> frame
 *
 * With cfg.levels = L there are L real levels named PGD, then the last
 * L - 1 of P4D, PUD, PMD, PTE (Linux folds P4D first, then PUD, then PMD).
 *
 * Invariants:
 *  - every table is a PAGE_PGTABLE frame of the pool holding 512 entries;
 *    a non-leaf entry is 0 or (child pfn << 12 | _PAGE_TABLE);
 *  - a leaf entry is 0 or a PTE: present (P, or PROTNONE with P clear);
 *    unlike x86-64 Linux, a PROT_NONE entry keeps its PFN bits plain
 *    (Linux inverts them against L1TF; nothing user-visible depends on
 *    it, and every module can then read the PFN the same way);
 *  - a present PTE without _PAGE_SPECIAL maps a normal page: it holds one
 *    mapcount and one refcount of the frame and one unit of the mm's rss
 *    counter of that page's kind; special PTEs (zero page, PFNMAP) hold
 *    nothing;
 *  - pgtables_bytes = 4096 x the PUD, PMD and PTE tables of the mm (not
 *    the PGD nor a P4D: Linux counts only mm_inc_nr_{puds,pmds,ptes});
 *  - a table is freed only when every leaf entry below it is clear: the
 *    PTEs were zapped first (memory.c), and a table still mapping a page
 *    is a bug, not something to repair here.
 *
 * Bottom floor: this file builds, walks and frees tables and encodes
 * entries; it calls only phys.c, alloc.c (trace) and the C library,
 * never a file above it.  What a PTE holds (rmap, rss, the TLB) is
 * memory.c's: zap, change_protection, move_page_tables.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "sys.h"
#include "vm_flags.h"

#define PTRS_PER_TABLE 512

static const char *const level_names[] = { "P4D", "PUD", "PMD", "PTE" };

unsigned pt_shift(int levels, int depth)
{
	return PAGE_SHIFT + 9 * (levels - 1 - depth);
}

const char *pt_level_name(int levels, int depth)
{
	if (depth == 0)
		return "PGD";
	return level_names[4 - (levels - depth)];
}

uint64_t *pt_table(const struct vmsh_sys *sys, uint64_t pfn)
{
	if (pfn >= sys->phys.nframes || sys->phys.pages[pfn].kind != PAGE_PGTABLE)
		abort();
	return (uint64_t *)sys->phys.pages[pfn].data;
}

static unsigned pt_index(int levels, int depth, uint64_t addr)
{
	return (addr >> pt_shift(levels, depth)) & (PTRS_PER_TABLE - 1);
}

uint64_t pt_entry_end(int levels, int depth, uint64_t addr, uint64_t end)
{
	uint64_t span = 1ULL << pt_shift(levels, depth);
	uint64_t boundary = (addr + span) & ~(span - 1);

	return boundary - 1 < end - 1 ? boundary : end;
}

static uint64_t table_alloc(struct vmsh_mm *mm, int depth)
{
	struct vmsh_sys *sys = mm->sys;
	uint64_t pfn = phys_alloc(sys, PAGE_PGTABLE);

	if (pfn == UINT64_MAX)
		return pfn;
	sys->stat[ST_PGTABLE_ALLOC]++;
	if (pt_table_counted(sys->cfg.levels, depth))
		mm->pgtables_bytes += PAGE_SIZE;
	return pfn;
}

/* @zeroed: the caller saw all 512 entries zero (release_table). */
static void table_free(struct vmsh_mm *mm, uint64_t pfn, int depth,
		       bool zeroed)
{
	struct vmsh_sys *sys = mm->sys;

	sys->stat[ST_PGTABLE_FREE]++;
	if (pt_table_counted(sys->cfg.levels, depth))
		mm->pgtables_bytes -= PAGE_SIZE;
	if (zeroed)
		phys_put_zeroed_table(sys, pfn);
	else
		phys_put(sys, pfn);
}

/* ---- PTE construction --------------------------------------------------- */

bool pte_needs_flush(uint64_t oldpte, uint64_t newpte)
{
	const uint64_t pkey = 0xfULL << 59;
	const uint64_t flush_on_clear = _PAGE_DIRTY | _PAGE_PRESENT;
	const uint64_t flush_on_change = _PAGE_RW | _PAGE_USER | _PAGE_PWT |
		_PAGE_PCD | _PAGE_PSE | _PAGE_GLOBAL | _PAGE_NX | pkey;
	uint64_t diff;

	if (!(oldpte & _PAGE_PRESENT))
		return false;
	if ((oldpte & PTE_PFN_MASK) != (newpte & PTE_PFN_MASK))
		return true;
	/* Flags only (the PFN is equal); A is ignored, as pte_needs_flush
	 * asks pte_flags_need_flush to; software bits never matter. */
	diff = (oldpte ^ newpte) & ~PTE_PFN_MASK;
	if (diff & oldpte & flush_on_clear)
		return true;
	return diff & flush_on_change;
}

uint64_t vm_get_page_prot(uint64_t vm_flags)
{
	uint64_t prot;

	if (!(vm_flags & (VM_READ | VM_WRITE | VM_EXEC)))
		return _PAGE_PROTNONE | _PAGE_ACCESSED;           /* PAGE_NONE */
	prot = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
	if ((vm_flags & VM_WRITE) && (vm_flags & VM_SHARED))
		prot |= _PAGE_RW;                                  /* PAGE_SHARED */
	if (!(vm_flags & VM_EXEC))
		prot |= _PAGE_NX;
	return prot;
}

uint64_t mk_pte(uint64_t pfn, uint64_t prot)
{
	return ((pfn << PAGE_SHIFT) & PTE_PFN_MASK) | prot;
}

uint64_t pte_mkdirty(uint64_t pte)
{
	return pte | _PAGE_DIRTY | (VMSH_SOFT_DIRTY ? _PAGE_SOFT_DIRTY : 0);
}

uint64_t pte_mkentry(uint64_t pfn, uint64_t vm_flags, bool write, bool dirty,
		     bool young)
{
	/* RW only when asked: callers decide write-notify themselves */
	uint64_t pte = mk_pte(pfn, vm_get_page_prot(vm_flags) & ~_PAGE_RW);

	if (write && (pte & _PAGE_PRESENT))
		pte |= _PAGE_RW;
	if (dirty)
		pte = pte_mkdirty(pte);
	if (!young)
		pte &= ~_PAGE_ACCESSED;
	return pte;
}

/* ---- lookup ------------------------------------------------------------- */

int pgtable_init(struct vmsh_mm *mm)
{
	uint64_t pfn = table_alloc(mm, 0);

	if (pfn == UINT64_MAX)
		return -ENOMEM;
	mm->pgd = pfn;
	return 0;
}

/* The pfn of the table at @depth holding @addr's entry, allocating the
 * tables above it when @alloc; UINT64_MAX when one is missing (or out of
 * frames).  A huge PMD on the way to a PTE table is split. */
static uint64_t table_lookup(struct vmsh_mm *mm, uint64_t addr, int depth,
			     bool alloc)
{
	struct vmsh_sys *sys = mm->sys;
	int levels = sys->cfg.levels, d;
	uint64_t pfn = mm->pgd;

	for (d = 0; d < depth; d++) {
		uint64_t *e = &pt_table(sys, pfn)[pt_index(levels, d, addr)];

		if (d == levels - 2 && pmd_trans_huge(*e))
			split_huge_pmd_entry(mm, e, addr);
		if (!(*e & _PAGE_PRESENT)) {
			uint64_t child;

			if (!alloc)
				return UINT64_MAX;
			child = table_alloc(mm, d + 1);
			if (child == UINT64_MAX)
				return UINT64_MAX;
			*e = (child << PAGE_SHIFT) | _PAGE_TABLE;
		}
		pfn = (*e & PTE_PFN_MASK) >> PAGE_SHIFT;
	}
	return pfn;
}

/* The entry of @addr's table at @depth (levels - 1: the PTE), allocating
 * the tables above it when @alloc; NULL when one is missing (or out of
 * frames). */
static uint64_t *entry_lookup(struct vmsh_mm *mm, uint64_t addr, int depth,
			      bool alloc)
{
	uint64_t pfn = table_lookup(mm, addr, depth, alloc);

	if (pfn == UINT64_MAX)
		return NULL;
	return &pt_table(mm->sys, pfn)[pt_index(mm->sys->cfg.levels, depth, addr)];
}

uint64_t *pte_lookup(struct vmsh_mm *mm, uint64_t addr, bool alloc)
{
	return entry_lookup(mm, addr, mm->sys->cfg.levels - 1, alloc);
}

uint64_t *pmd_alloc(struct vmsh_mm *mm, uint64_t addr)
{
	return entry_lookup(mm, addr, mm->sys->cfg.levels - 2, true);
}

uint64_t *pte_offset_map(struct vmsh_mm *mm, uint64_t *pmdp, uint64_t addr,
			 bool alloc)
{
	struct vmsh_sys *sys = mm->sys;
	int levels = sys->cfg.levels;

	if (pmd_trans_huge(*pmdp))
		split_huge_pmd_entry(mm, pmdp, addr);
	if (!(*pmdp & _PAGE_PRESENT)) {
		uint64_t child;

		if (!alloc)
			return NULL;
		child = table_alloc(mm, levels - 1);
		if (child == UINT64_MAX)
			return NULL;
		*pmdp = (child << PAGE_SHIFT) | _PAGE_TABLE;
	}
	return &pt_table(sys, (*pmdp & PTE_PFN_MASK) >> PAGE_SHIFT)
		[pt_index(levels, levels - 1, addr)];
}

static void walk_level(struct vmsh_mm *mm, uint64_t pfn, int depth,
		       uint64_t addr, uint64_t end, pte_walk_fn *fn,
		       pte_range_fn *tfn, pmd_walk_fn *pmd_fn, void *ctx)
{
	struct vmsh_sys *sys = mm->sys;
	int levels = sys->cfg.levels;
	uint64_t *t = pt_table(sys, pfn);

	do {
		uint64_t next = pt_entry_end(levels, depth, addr, end);
		uint64_t *e = &t[pt_index(levels, depth, addr)];

		if (depth == levels - 1) {
			if (*e)
				fn(e, addr, ctx);
			addr = next;
			continue;
		}
		if (depth == levels - 2 && pmd_trans_huge(*e)) {
			if (pmd_fn && pmd_fn(e, addr, next, ctx)) {
				addr = next;
				continue;
			}
			if (pmd_trans_huge(*e))
				split_huge_pmd_entry(mm, e, addr);
		}
		if (!(*e & _PAGE_PRESENT)) {
			addr = next;
			continue;
		}
		if (tfn && depth == levels - 2) {
			/* the PTE table's entries for [addr, next) at once */
			tfn(&pt_table(sys, (*e & PTE_PFN_MASK) >> PAGE_SHIFT)
				[pt_index(levels, depth + 1, addr)],
			    addr, next, ctx);
		} else {
			walk_level(mm, (*e & PTE_PFN_MASK) >> PAGE_SHIFT,
				   depth + 1, addr, next, fn, tfn, pmd_fn, ctx);
		}
		addr = next;
	} while (addr != end);
}

void pt_walk_range(const struct vmsh_mm *mm, uint64_t start, uint64_t end,
		   pte_walk_fn *fn, pmd_walk_fn *pmd_fn, void *ctx)
{
	if (start >= end)
		return;
	/* walking may split a huge PMD: the mm is the caller's to change */
	walk_level((struct vmsh_mm *)mm, mm->pgd, 0, start, end, fn, NULL,
		   pmd_fn, ctx);
}

void pt_walk_pte_tables(const struct vmsh_mm *mm, uint64_t start,
			uint64_t end, pte_range_fn *fn, pmd_walk_fn *pmd_fn,
			void *ctx)
{
	if (start >= end)
		return;
	walk_level((struct vmsh_mm *)mm, mm->pgd, 0, start, end, NULL, fn,
		   pmd_fn, ctx);
}

void pte_walk_range(const struct vmsh_mm *mm, uint64_t start, uint64_t end,
		    pte_walk_fn *fn, void *ctx)
{
	pt_walk_range(mm, start, end, fn, NULL, ctx);
}

/* ---- huge PMDs ----------------------------------------------------------- */

uint64_t *pmd_lookup(struct vmsh_mm *mm, uint64_t addr)
{
	struct vmsh_sys *sys = mm->sys;
	int levels = sys->cfg.levels, d;
	uint64_t pfn = mm->pgd;

	for (d = 0; d < levels - 2; d++) {
		uint64_t e = pt_table(sys, pfn)[pt_index(levels, d, addr)];

		if (!(e & _PAGE_PRESENT))
			return NULL;
		pfn = (e & PTE_PFN_MASK) >> PAGE_SHIFT;
	}
	return &pt_table(sys, pfn)[pt_index(levels, levels - 2, addr)];
}

uint64_t pte_alloc_one(struct vmsh_mm *mm)
{
	return table_alloc(mm, mm->sys->cfg.levels - 1);
}

void pte_free_one(struct vmsh_mm *mm, uint64_t pfn)
{
	table_free(mm, pfn, mm->sys->cfg.levels - 1, false);
}

/* The PMD table holding @addr's PMD (it exists: a huge PMD is in it). */
static struct page *pmd_table_page(struct vmsh_mm *mm, uint64_t addr)
{
	uint64_t pfn = table_lookup(mm, addr, mm->sys->cfg.levels - 2, false);

	if (pfn == UINT64_MAX)
		abort();
	return phys_page(mm->sys, pfn);
}

void pgtable_deposit(struct vmsh_mm *mm, uint64_t addr, uint64_t pfn)
{
	struct page *pmd_page = pmd_table_page(mm, addr);

	mm->sys->phys.table_gen++;      /* it no longer maps its range */
	phys_page(mm->sys, pfn)->index = pmd_page->index;
	pmd_page->index = pfn + 1;
}

uint64_t pgtable_withdraw(struct vmsh_mm *mm, uint64_t addr)
{
	struct page *pmd_page = pmd_table_page(mm, addr), *pg;
	uint64_t pfn;

	if (!pmd_page->index)
		abort();        /* a huge PMD without its deposit */
	pfn = pmd_page->index - 1;
	pg = phys_page(mm->sys, pfn);
	pmd_page->index = pg->index;
	pg->index = 0;
	return pfn;
}

void split_huge_pmd_entry(struct vmsh_mm *mm, uint64_t *pmdp, uint64_t addr)
{
	struct vmsh_sys *sys = mm->sys;
	uint64_t pmd = *pmdp, haddr = addr & ~((1ULL << 21) - 1);
	uint64_t table = pgtable_withdraw(mm, haddr), *t, bits, pfn;
	unsigned i;

	t = pt_table(sys, table);
	bits = pmd & ~(PTE_PFN_MASK | _PAGE_PSE);
	pfn = pte_pfn(pmd);
	for (i = 0; i < 512; i++) {
		if (bits & _PAGE_SPECIAL)       /* the huge zero page */
			t[i] = mk_pte(sys->phys.zero_pfn, bits);
		else
			t[i] = mk_pte(pfn + i, bits);
	}
	if ((pmd & _PAGE_DIRTY) && !(bits & _PAGE_SPECIAL))
		phys_page(sys, pfn)->dirty = true;      /* folio_set_dirty */
	*pmdp = (table << PAGE_SHIFT) | _PAGE_TABLE;
	sys->stat[ST_THP_SPLIT_PMD]++;
	trace(sys, "__split_huge_pmd addr=%#llx", (unsigned long long)haddr);
	/* pmdp_invalidate() flushes the huge entry at once; the floor may
	 * not call tlb.c, so the split is left for it: its next flush of the
	 * mm (or access) does flush_pmd_tlb_range first (tlb_flush_splits) */
	if (mm->nr_splits == mm->cap_splits) {
		mm->cap_splits = mm->cap_splits ? 2 * mm->cap_splits : 4;
		mm->splits = xrealloc(mm->splits,
				      mm->cap_splits * sizeof(*mm->splits));
	}
	mm->splits[mm->nr_splits++] = haddr;
}

/* ---- free_pgtables ------------------------------------------------------ */

void tlb_adjust_range(struct vmsh_mm *mm, uint64_t start, uint64_t end,
		      unsigned shift)
{
	if (!mm->gather_shift || shift < mm->gather_shift)
		mm->gather_shift = shift;
	if (!mm->gather_any || start < mm->gather_lo)
		mm->gather_lo = start;
	if (!mm->gather_any || end > mm->gather_hi)
		mm->gather_hi = end;
	mm->gather_any = true;
}

static const uint64_t zero_table[PTRS_PER_TABLE];

/* Release a table and the tables below it.  Their PTEs were zapped
 * before: a leaf entry still set is a broken invariant, and aborts.
 * Empty stretches are skipped 64 entries at a time (memcmp with an empty
 * table is the C library's vector compare): a PTE table is checked whole
 * at once, and the usual upper table, whose last child was just freed,
 * costs eight compares instead of 512 tests. */
static void release_table(struct vmsh_mm *mm, uint64_t pfn, int depth)
{
	struct vmsh_sys *sys = mm->sys;
	int levels = sys->cfg.levels;
	uint64_t *t = pt_table(sys, pfn);
	unsigned i;

	if (depth == levels - 1) {
		if (memcmp(t, zero_table, sizeof(zero_table)))
			abort();        /* a PTE outlived its zap */
	}
	for (i = 0; depth < levels - 1 && i < PTRS_PER_TABLE; i++) {
		if (!(i & 63) && !memcmp(&t[i], zero_table, 64 * sizeof(*t))) {
			i += 63;
			continue;
		}
		if (!t[i])
			continue;
		if (depth == levels - 2 && pmd_trans_huge(t[i]))
			abort();        /* a huge PMD outlived its zap */
		if (t[i] & _PAGE_PRESENT)
			release_table(mm, (t[i] & PTE_PFN_MASK) >> PAGE_SHIFT,
				      depth + 1);
		t[i] = 0;
	}
	if (sys->phys.pages[pfn].index)
		abort();        /* a PMD table with deposited tables left */
	table_free(mm, pfn, depth, true);
}

/* The first address from @addr on, below @end, whose entry of @t (a table
 * at @depth) is not zero, or @end: the walks below skip none entries a
 * word at a time instead of an address computation each. */
static uint64_t next_used(const uint64_t *t, int levels, int depth,
			  uint64_t addr, uint64_t end)
{
	unsigned shift = pt_shift(levels, depth), i, j, last;

	if (addr >= end)
		return end;
	i = j = pt_index(levels, depth, addr);
	last = pt_index(levels, depth, end - 1);
	while (j <= last && !t[j])
		j++;
	if (j == i)
		return addr;
	if (j > last)
		return end;
	return ((addr >> shift) + (j - i)) << shift;
}

/*
 * The table at @depth that *@pentry points to, for [addr, end): free its
 * children as free_p?d_range do, then itself when the span of its parent
 * entry lies within [floor, ceiling).  A PTE table is freed outright: the
 * caller clipped the range to whole PMD spans.
 */
static void free_table_range(struct vmsh_mm *mm, uint64_t *pentry, int depth,
			     uint64_t addr, uint64_t end, uint64_t floor,
			     uint64_t ceiling)
{
	struct vmsh_sys *sys = mm->sys;
	int levels = sys->cfg.levels;
	uint64_t pfn = (*pentry & PTE_PFN_MASK) >> PAGE_SHIFT;
	uint64_t start = addr, mask;
	uint64_t *t;

	if (depth == levels - 1) {
		/* pte_free_tlb(tlb, pte, addr): cleared_pmds */
		*pentry = 0;
		release_table(mm, pfn, depth);
		if (mm->gather_depth > 0)
			tlb_adjust_range(mm, addr, addr + PAGE_SIZE,
					 pt_shift(levels, depth - 1));
		return;
	}
	t = pt_table(sys, pfn);
	while ((addr = next_used(t, levels, depth, addr, end)) != end) {
		uint64_t next = pt_entry_end(levels, depth, addr, end);
		uint64_t *e = &t[pt_index(levels, depth, addr)];

		if (*e & _PAGE_PRESENT)
			free_table_range(mm, e, depth + 1, addr, next, floor,
					 ceiling);
		addr = next;
	}

	mask = ~((1ULL << pt_shift(levels, depth - 1)) - 1);
	start &= mask;
	if (start < floor)
		return;
	if (ceiling) {
		ceiling &= mask;
		if (!ceiling)
			return;
	}
	if (end - 1 > ceiling - 1)
		return;
	*pentry = 0;
	release_table(mm, pfn, depth);
	if (mm->gather_depth > 0)
		tlb_adjust_range(mm, start, start + PAGE_SIZE,
				 pt_shift(levels, depth - 1));
}

void free_pgtables(struct vmsh_mm *mm, uint64_t addr, uint64_t end,
		   uint64_t floor, uint64_t ceiling)
{
	struct vmsh_sys *sys = mm->sys;
	int levels = sys->cfg.levels;
	/* PMD_SIZE: the span of an entry pointing at a PTE table. */
	uint64_t pmd_size = 1ULL << pt_shift(levels, levels - 2);
	uint64_t pmd_mask = ~(pmd_size - 1);
	uint64_t *pgd;

	if (addr >= end)
		return;
	addr &= pmd_mask;
	if (addr < floor) {
		addr += pmd_size;
		if (!addr)
			return;
	}
	if (ceiling) {
		ceiling &= pmd_mask;
		if (!ceiling)
			return;
	}
	if (end - 1 > ceiling - 1)
		end -= pmd_size;
	if (addr > end - 1)
		return;
	trace(sys, "free_pgtables start=%#llx end=%#llx",
	      (unsigned long long)addr, (unsigned long long)end);
	pgd = pt_table(sys, mm->pgd);
	while ((addr = next_used(pgd, levels, 0, addr, end)) != end) {
		uint64_t next = pt_entry_end(levels, 0, addr, end);
		uint64_t *e = &pgd[pt_index(levels, 0, addr)];

		if (*e & _PAGE_PRESENT)
			free_table_range(mm, e, 1, addr, next, floor, ceiling);
		addr = next;
	}
}

void reclaim_pt_range(struct vmsh_mm *mm, uint64_t start, uint64_t end)
{
	struct vmsh_sys *sys = mm->sys;
	int levels = sys->cfg.levels;
	uint64_t span = 1ULL << pt_shift(levels, levels - 2), addr;

	if (levels < 3)
		return;
	for (addr = (start + span - 1) & ~(span - 1);
	     addr >= start && addr + span <= end && addr + span > addr;
	     addr += span) {
		uint64_t pmd_pfn = table_lookup(mm, addr, levels - 2, false);
		uint64_t *pmdp, *t, table;
		unsigned i;

		if (pmd_pfn == UINT64_MAX)
			continue;
		pmdp = &pt_table(sys, pmd_pfn)[pt_index(levels, levels - 2, addr)];
		if (!(*pmdp & _PAGE_PRESENT) || pmd_trans_huge(*pmdp))
			continue;
		table = (*pmdp & PTE_PFN_MASK) >> PAGE_SHIFT;
		t = pt_table(sys, table);
		for (i = 0; i < PTRS_PER_TABLE && !t[i]; i++)
			;
		if (i < PTRS_PER_TABLE)
			continue;
		*pmdp = 0;
		table_free(mm, table, levels - 1, true);
		trace(sys, "free_pte addr=%#llx (reclaim_pt)",
		      (unsigned long long)addr);
	}
}

void pgtable_free_all(struct vmsh_mm *mm)
{
	if (!mm->pgd && !mm->sys->phys.pages)
		return;
	if (mm->pgd >= mm->sys->phys.nframes ||
	    mm->sys->phys.pages[mm->pgd].kind != PAGE_PGTABLE)
		return;
	release_table(mm, mm->pgd, 0);
	mm->pgd = 0;
}

