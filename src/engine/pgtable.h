/* SPDX-License-Identifier: MIT */
/*
 * Page tables in the x86-64 format (pgtable.c): entry bits, geometry,
 * allocation, lookup, walking and freeing of tables, and the encoding of
 * a PTE.  What an entry maps -- rmap, rss, the TLB -- is memory.h's.
 *
 * Layering: pgtable.c is in the bottom floor (phys.c, pgtable.c,
 * rbtree.c, alloc.c, stat.c).  A floor file calls only floor files and
 * the C library, never a file above it.
 */
#ifndef VMSH_SRC_ENGINE_PGTABLE_H
#define VMSH_SRC_ENGINE_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "phys.h"

struct vmsh_mm;
struct vmsh_sys;

/* x86-64 page-table entry bits (arch/x86/include/asm/pgtable_types.h). */
#define _PAGE_PRESENT    (1ULL << 0)
#define _PAGE_RW         (1ULL << 1)
#define _PAGE_USER       (1ULL << 2)
#define _PAGE_PWT        (1ULL << 3)
#define _PAGE_PCD        (1ULL << 4)
#define _PAGE_ACCESSED   (1ULL << 5)
#define _PAGE_DIRTY      (1ULL << 6)
#define _PAGE_PSE        (1ULL << 7)
#define _PAGE_GLOBAL     (1ULL << 8)
#define _PAGE_PROTNONE   _PAGE_GLOBAL
#define _PAGE_SPECIAL    (1ULL << 9)
#define _PAGE_UFFD_WP    (1ULL << 10)
#define _PAGE_SOFT_DIRTY (1ULL << 11)
#define _PAGE_SAVED_DIRTY (1ULL << 58)
#define _PAGE_NX         (1ULL << 63)
/* x86-64 Linux stores the PFN of a PROT_NONE entry inverted (L1TF);
 * vmsh keeps it plain, so (pte & PTE_PFN_MASK) works on every entry.
 * pte_pfn() is the accessor all the same. */
#define PTE_PFN_MASK     0x000ffffffffff000ULL
/* Flags of a non-leaf entry, as Linux's _PAGE_TABLE. */
#define _PAGE_TABLE      (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)

/* This kernel (6.18 on the build machines) is built without
 * CONFIG_MEM_SOFT_DIRTY: VmFlags shows no "sd" and pagemap bit 55 stays 0,
 * so PTEs never get _PAGE_SOFT_DIRTY.  Set to 1 to model a kernel with it. */
#define VMSH_SOFT_DIRTY 0

/* A guard-region marker (MADV_GUARD_INSTALL): in Linux a non-present
 * swap-format PTE marker (PTE_MARKER_GUARD), neither none nor present.
 * Any access to it is SIGSEGV (SEGV_MAPERR); madvise dontneed, truncation
 * and mprotect keep it, fork copies it, mremap moves it, only munmap and
 * exit (ZAP_FLAG_DROP_MARKER) and MADV_GUARD_REMOVE clear it. */
#define PTE_MARKER_GUARD (1ULL << 62)
static inline bool pte_is_guard(uint64_t pte) { return pte == PTE_MARKER_GUARD; }

/* pte_present(): P or PROTNONE (a PROT_NONE entry still maps its page). */
static inline bool pte_present(uint64_t pte) { return pte & (_PAGE_PRESENT | _PAGE_PROTNONE); }
static inline uint64_t pte_pfn(uint64_t pte)
{
	return (pte & PTE_PFN_MASK) >> PAGE_SHIFT;
}

/* A huge PMD (x86 PSE in a PMD: a 2 MiB page, huge_memory.c): present
 * (P, or PROTNONE for a PROT_NONE VMA) with _PAGE_PSE; its PFN is the
 * folio's first frame (512-aligned).  Non-leaf entries never have PSE. */
static inline bool pmd_trans_huge(uint64_t pmd) { return pmd & _PAGE_PSE; }

/* ---- geometry: cfg.levels levels, depth 0 = the PGD ---------------------- */

unsigned pt_shift(int levels, int depth);          /* VA bit of depth's index */
/* End of the span of the entry holding @addr at @depth, clipped to @end
 * (pgd_addr_end and friends, overflow-safe). */
uint64_t pt_entry_end(int levels, int depth, uint64_t addr, uint64_t end);
const char *pt_level_name(int levels, int depth);
/* Does a table at @depth count in pgtables_bytes?  As Linux's
 * mm_inc_nr_puds/pmds/ptes: a PUD, PMD or PTE table, never the PGD or
 * a five-level machine's P4D. */
static inline bool pt_table_counted(int levels, int depth)
{
	return depth > 0 && depth != levels - 4;
}  /* "PGD", "P4D", ... */
/* The 512 entries of table frame @pfn (aborts if it is not a table). */
uint64_t *pt_table(const struct vmsh_sys *sys, uint64_t pfn);

/* ---- entries ------------------------------------------------------------- */

/* x86 protection_map[]: the PTE bits of @vm_flags' R/W/X/SHARED; every
 * template carries _PAGE_ACCESSED. */
uint64_t vm_get_page_prot(uint64_t vm_flags);
/* Build a PTE for @pfn with protection bits @prot (x86 pfn_pte, without
 * the L1TF inversion of PROT_NONE entries: see PTE_PFN_MASK). */
uint64_t mk_pte(uint64_t pfn, uint64_t prot);
uint64_t pte_mkdirty(uint64_t pte);                /* D (+ SOFT_DIRTY) */
/* A PTE for @pfn in a VMA of @vm_flags: RW only when @write (callers
 * decide write-notify), D when @dirty, A unless !@young. */
uint64_t pte_mkentry(uint64_t pfn, uint64_t vm_flags, bool write, bool dirty,
		     bool young);
/* x86 pte_needs_flush() (the rule tlb.h's flushes follow): must the TLB
 * be flushed after a present PTE changed from @oldpte to @newpte?  Yes
 * when the PFN changed, when P, D (or A) was cleared, or when RW, USER,
 * NX, PWT, PCD, PAT, G or the pkey changed; software bits (SPECIAL,
 * UFFD_WP, SOFT_DIRTY, SAVED_DIRTY) never need one; a non-present old PTE
 * never does. */
bool pte_needs_flush(uint64_t oldpte, uint64_t newpte);
/*
 * The anonymous page @pte maps (present, not special), or NULL: what the
 * table loops of fork and zap (copy_pte_range, zap_pte_range) take their
 * own way, everything else going the general way.  @pages and @nframes
 * are the frame table, passed in so that the loops keep them in
 * registers.
 */
static inline struct page *pte_anon_page(struct page *pages, uint64_t nframes,
					 uint64_t pte)
{
	uint64_t pfn = pte_pfn(pte);

	if (!(pte & _PAGE_PRESENT) || (pte & _PAGE_SPECIAL) || pfn >= nframes ||
	    pages[pfn].kind != PAGE_ANON)
		return NULL;
	return &pages[pfn];
}

/* ---- tables -------------------------------------------------------------- */

int pgtable_init(struct vmsh_mm *mm);                 /* allocate the PGD */
/* Free every table of @mm, the PGD last (its PTEs must be gone). */
void pgtable_free_all(struct vmsh_mm *mm);
/* Pointer to the PTE for @addr, allocating tables when @alloc (NULL when
 * not present and !alloc, or out of frames). */
uint64_t *pte_lookup(struct vmsh_mm *mm, uint64_t addr, bool alloc);
/*
 * pte_lookup for a run of addresses (copy_pte_range, filemap_map_pages
 * fill one table at a time): the PTE table of the last lookup is kept,
 * so only the first address of each table walks from the top.  Valid
 * while no page table of @mm is freed; start with { NULL, 0 }.
 */
struct pte_cursor {
	uint64_t *table;        /* entry 0 of the PTE table, or NULL */
	uint64_t base;          /* the address it starts at */
};
static inline uint64_t *pte_lookup_at(struct vmsh_mm *mm,
				      struct pte_cursor *c, uint64_t addr,
				      bool alloc)
{
	const uint64_t span = PAGE_SIZE << 9;   /* what one PTE table maps */
	unsigned i = (unsigned)(addr >> PAGE_SHIFT) & 511;
	uint64_t *p;

	if (c->table && (addr & ~(span - 1)) == c->base)
		return c->table + i;
	p = pte_lookup(mm, addr, alloc);
	if (p) {
		c->table = p - i;
		c->base = addr & ~(span - 1);
	}
	return p;
}
/* The entry pointing at @addr's PTE table (the PMD, whatever the number
 * of levels), allocating the tables above it: what __handle_mm_fault
 * allocates; the PTE table itself comes with the first PTE set in it
 * (pte_lookup(alloc)), so *pmd == 0 is pmd_none().  NULL: out of frames. */
uint64_t *pmd_alloc(struct vmsh_mm *mm, uint64_t addr);
/* The PTE of @addr in the PTE table *@pmdp points at (pte_offset_map,
 * with pte_alloc when @alloc: the fault holds the PMD, so it does not
 * walk again from the top).  A huge PMD is split first, as pte_lookup
 * does.  NULL: no table and !@alloc, or out of frames. */
uint64_t *pte_offset_map(struct vmsh_mm *mm, uint64_t *pmdp, uint64_t addr,
			 bool alloc);
/* Call @fn for every non-zero leaf entry of @mm in [start, end) (existing
 * tables only, ascending addresses).  @fn may change or clear the entry.
 * A huge PMD met on the way is split first (split_huge_pmd_entry): use
 * pt_walk_range to see huge PMDs whole. */
typedef void pte_walk_fn(uint64_t *ptep, uint64_t addr, void *ctx);
void pte_walk_range(const struct vmsh_mm *mm, uint64_t start, uint64_t end,
		    pte_walk_fn *fn, void *ctx);
/* pte_walk_range, but a huge PMD whose span meets [start, end) goes to
 * @pmd_fn with the part [addr, next) of the range inside it; @pmd_fn
 * returns true when it dealt with the entry, false to have it split and
 * its PTEs walked.  @pmd_fn NULL: split every one. */
typedef bool pmd_walk_fn(uint64_t *pmdp, uint64_t addr, uint64_t next,
			 void *ctx);
void pt_walk_range(const struct vmsh_mm *mm, uint64_t start, uint64_t end,
		   pte_walk_fn *fn, pmd_walk_fn *pmd_fn, void *ctx);
/* pt_walk_range one PTE table at a time, as zap_pte_range and
 * copy_pte_range work: @fn gets the PTE of @addr in an existing table and
 * the part [addr, end) of the range that table maps (entries none
 * included: the loop is @fn's), huge PMDs as pt_walk_range does. */
typedef void pte_range_fn(uint64_t *pte, uint64_t addr, uint64_t end,
			  void *ctx);
void pt_walk_pte_tables(const struct vmsh_mm *mm, uint64_t start,
			uint64_t end, pte_range_fn *fn, pmd_walk_fn *pmd_fn,
			void *ctx);

/* ---- huge PMDs (the page-table side; huge_memory.c decides) -------------- */

/* The PMD-level entry of @addr (the entry a PTE table hangs from), or
 * NULL when a table above it is missing.  Allocates nothing. */
uint64_t *pmd_lookup(struct vmsh_mm *mm, uint64_t addr);
/* A PTE table for a huge PMD to deposit (pte_alloc_one: counted in
 * pgtables_bytes), or UINT64_MAX when out of frames; pte_free_one gives
 * back one that was withdrawn. */
uint64_t pte_alloc_one(struct vmsh_mm *mm);
void pte_free_one(struct vmsh_mm *mm, uint64_t pfn);
/* pgtable_trans_huge_deposit/withdraw: the PTE table kept aside with each
 * huge PMD so that splitting it never needs memory, listed on the PMD
 * table's page (page->index: 1 + pfn of the first, each deposited
 * table's page->index: 1 + the next). */
void pgtable_deposit(struct vmsh_mm *mm, uint64_t addr, uint64_t pfn);
uint64_t pgtable_withdraw(struct vmsh_mm *mm, uint64_t addr);
/* __split_huge_pmd_locked(): replace the huge PMD holding @addr by its
 * deposited PTE table filled with 512 PTEs for the folio's frames (the
 * huge zero page: the 4 KiB zero page, special), keeping RW, A, D, NX
 * and PROTNONE.  The frames keep their rmap (one mapcount and reference
 * each) and their folio; rss is unchanged.  Counts thp_split_pmd; the
 * TLB flush is the caller's (inside an mmu_gather it is recorded). */
void split_huge_pmd_entry(struct vmsh_mm *mm, uint64_t *pmdp, uint64_t addr);
/* Free page tables no VMA needs any more in [floor, ceiling)
 * (free_pgtables), after the PTEs of [start, end) were zapped: floor = the
 * previous VMA's end (0: none) and ceiling = the next VMA's start (0:
 * none, i.e. the top of the address space, Linux's
 * USER_PGTABLES_CEILING).  Inside an mmu_gather each freed table's span
 * is recorded for the flush (pte_free_tlb).  A leaf entry still set in a
 * freed table aborts. */
void free_pgtables(struct vmsh_mm *mm, uint64_t start, uint64_t end,
		   uint64_t floor, uint64_t ceiling);
/* CONFIG_PT_RECLAIM (Linux 6.14+, built on the build machines' 6.18):
 * after MADV_DONTNEED zapped [start, end), each PTE table whose whole
 * 2 MiB span lies inside the range and holds no entry any more is freed
 * (zap_pte_range with reclaim_pt, end - start >= PMD_SIZE), so the next
 * fault there may map a huge page.  Checked on Linux 6.18: a dontneed of
 * [0, 2M) frees the table, of [0, 2M - 4K) or [4K, 2M) it does not. */
void reclaim_pt_range(struct vmsh_mm *mm, uint64_t start, uint64_t end);
/* __tlb_adjust_range(): widen the range the open mmu_gather of @mm will
 * flush to cover [start, end) (memory.h opens and finishes it), and note
 * that entries of the level mapping 1 << @shift bytes were cleared
 * (cleared_ptes: PAGE_SHIFT, cleared_pmds: 21, ...): the flush strides by
 * the smallest level cleared, as x86's tlb_flush (tlb_get_unmap_shift). */
void tlb_adjust_range(struct vmsh_mm *mm, uint64_t start, uint64_t end,
		      unsigned shift);

#endif /* VMSH_SRC_ENGINE_PGTABLE_H */
