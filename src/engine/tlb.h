/* SPDX-License-Identifier: MIT */
/*
 * The MMU of each CPU (TLB + hardware page walk) and the kernel's TLB
 * flushing (tlb.c, after arch/x86/mm/tlb.c).
 *
 * The access path (access.c) translates every access with mmu_translate():
 *
 *	while ((r = mmu_translate(sys, mm, addr, write, &pfn)) == -EFAULT) {
 *		if (handle_mm_fault(...) != 0) -> signal, stop
 *		(a second -EFAULT after a successful fault is a bug)
 *	}
 *	... access the frame pfn ...
 *
 * mmu_translate uses the TLB entry when it permits the access; otherwise
 * it walks the page table as the CPU does (counting one memory reference
 * per level), sets A (and D for a write) in the PTE, and fills the TLB.
 * It returns -EFAULT when the walk finds no present PTE allowing the
 * access: the CPU's page fault.  The fault handler does not touch the TLB.
 *
 * A walk that ends at a huge PMD (PS bit) fills the separate 2 MiB TLB
 * (cfg.tlb2m_entries; 0: the 2 MiB page is cached in 4 KiB pieces, as a
 * CPU without one would); the access path looks in both.
 *
 * Flush points (whoever changes a present PTE calls these, after the
 * change, as Linux does; with cfg.lazy_flush they are skipped):
 *  - munmap / MADV_DONTNEED / exit zap:  flush_tlb_range(mm, start, end) over
 *    the zapped range (more than TLB_FLUSH_CEILING pages: a full flush);
 *  - mprotect (change_protection): flush_tlb_range over the PTEs for which
 *    pte_needs_flush(old, new) is true (one call covering first..last such
 *    page, as mmu_gather does; none when no PTE needs it);
 *  - COW copy (do_wp_page replacing the PTE): flush_tlb_page(mm, addr);
 *    COW reuse (making the same page writable): no flush;
 *  - fork: flush_tlb_mm(parent) after write-protecting its PTEs (dup_mmap);
 *  - mremap move (move_page_tables): flush_tlb_range over the old range;
 *  - context switch: tlb_switch_mm(sys, cpu, prev_mm, next_mm) with next_mm
 *    NULL for a kernel thread (lazy TLB: nothing is flushed).
 */
#ifndef VMSH_SRC_ENGINE_TLB_H
#define VMSH_SRC_ENGINE_TLB_H

#include <stdbool.h>
#include <stdint.h>

#include "bitmap.h"

struct cpu;
struct vmsh_mm;
struct vmsh_sys;

#define TLB_NR_ASIDS 6                 /* x86 TLB_NR_DYN_ASIDS */

struct tlb_entry {
	bool valid;
	bool global;
	uint16_t asid;
	uint64_t vpn, pfn;
	uint64_t flags;                       /* _PAGE_RW, _PAGE_USER, _PAGE_NX, D, A */
	uint64_t lru;
	/* tlb.c's indexes of a valid entry (entry numbers, TLB_NIL: none):
	 * the hash chain of (asid, vpn), the set's LRU list (least recent
	 * first), the list of its ASID's entries */
	uint32_t hnext, lprev, lnext, aprev, anext;
	/* Where the walk that filled a 4 KiB entry found its PTE, for
	 * which mm, at which phys.table_gen: while no page table has been
	 * freed or deposited since, that slot is still the PTE the walk of
	 * (mm, vpn) reaches, so a hit reads it there instead of walking
	 * again (NULL: not known, the hit walks). */
	unsigned mm_id;
	uint64_t *ptep;
	uint64_t gen;
};

#define TLB_NIL UINT32_MAX

/* One CPU's TLB (struct cpu embeds it, task.h).  Looking an entry up,
 * filling one and flushing one page cost O(1) whatever the size; a full
 * flush of an ASID costs O(its entries). */
struct tlb {
	unsigned entries, ways, sets;
	unsigned ways_shift;                  /* log2(ways); 0: not a power of 2 */
	uint32_t sets_mask;                   /* sets - 1; 0: not a power of 2 */
	unsigned shift;                       /* page size: 12, or 21 (2 MiB) */
	struct tlb_entry *e;                  /* sets * ways */
	uint64_t tick;                        /* LRU clock */
	uint32_t *hash, hmask;                /* (asid, vpn) -> first entry */
	uint32_t *lru_head, *lru_tail;        /* per set */
	uint32_t asid_head[TLB_NR_ASIDS];
	uint32_t asid_count[TLB_NR_ASIDS];
	struct lbitmap free;                  /* the invalid ways */
	uint64_t steps;                       /* entries looked at (tests) */
};

/* ---- one TLB's array (tlb_array.c) ---- */

/* Size @t for @entries of @ways (any other ways: fully associative) and
 * pages of 1 << @shift; 0 entries: no such TLB.  tlb_free releases it. */
void tlb_geometry(struct tlb *t, unsigned entries, unsigned ways,
		  unsigned shift);
void tlb_free(struct tlb *t);
/* The valid entry tagged (@asid, @vpn), or NULL. */
struct tlb_entry *tlb_find(struct tlb *t, unsigned asid, uint64_t vpn);
/* Take valid entry @e off the indexes and make it invalid. */
void tlb_drop(struct tlb *t, struct tlb_entry *e);
/* The entry was used: the most recent of its set. */
void tlb_touch(struct tlb *t, struct tlb_entry *e);
/* Fill an entry for (@asid, @vpn) from @pte: the one of that tag, else
 * the set's lowest invalid way, else its least recently used; @absent:
 * the caller knows @t holds no such tag.  tlb_insert without @absent. */
struct tlb_entry *tlb_insert_entry(struct tlb *t, unsigned asid, uint64_t vpn,
				   uint64_t pte, bool absent);
void tlb_insert(struct tlb *t, unsigned asid, uint64_t vpn, uint64_t pte);
/* Drop the non-global entries of @asid (ANY_ASID: all) with start <= vpn
 * < end; returns how many. */
#define ANY_ASID UINT32_MAX
unsigned tlb_invalidate(struct tlb *t, unsigned asid, uint64_t start,
			uint64_t end);

#define TLB_FLUSH_CEILING 33            /* x86 tlb_single_page_flush_ceiling */

/* The CPUs' TLBs of a new machine, and their end. */
void tlb_init(struct vmsh_sys *sys);
void tlb_fini(struct vmsh_sys *sys);
/* The number of CPUs (sys->cpus entries). */
unsigned nr_cpus(const struct vmsh_sys *sys);
/* The mm whose tables @c runs on: tlb.c's view, else task.c's (pid 1
 * starts on CPU 0 before tlb.c has seen it); 0: none. */
unsigned cpu_mm_id(const struct cpu *c);
/* Lazy TLB: a kernel thread or the idle task runs on the loaded mm. */
bool cpu_lazy(const struct cpu *c);
/* Translate @addr for a user @write (or read) of @mm on the current CPU.
 * 0 with *@pfn set, or -EFAULT: no present PTE permits it (page fault). */
int mmu_translate(struct vmsh_sys *sys, struct vmsh_mm *mm, uint64_t addr,
		  bool write, uint64_t *pfn);
/* Look @addr up in the current CPU's TLB for @mm.  On a hit returns true
 * with the cached pfn and PTE flag bits (_PAGE_RW, _PAGE_USER, _PAGE_NX,
 * _PAGE_DIRTY, _PAGE_ACCESSED); counts hits and misses.  (A building block
 * of mmu_translate; the access path should call mmu_translate.) */
bool tlb_lookup(struct vmsh_sys *sys, struct vmsh_mm *mm, uint64_t addr,
		uint64_t *pfn, uint64_t *flags);
/* Cache the translation the page walk found (after A/D were set). */
void tlb_fill(struct vmsh_sys *sys, struct vmsh_mm *mm, uint64_t addr,
	      uint64_t pte);
/* flush_tlb_range: invlpg every 4 KiB page of [start, end) (more than 33:
 * a full flush); flush_tlb_range_stride with @stride_shift PMD_SHIFT (21)
 * invlpgs one address per 2 MiB (mmu_gather's tlb_get_unmap_shift when
 * only huge PMDs were cleared); flush_pmd_tlb_range is that for a huge
 * PMD (pmdp_invalidate, pmdp_huge_clear_flush, move_huge_pmd).  An invlpg
 * drops the 4 KiB entry of its address and the 2 MiB entry holding it. */
void flush_tlb_range(struct vmsh_mm *mm, uint64_t start, uint64_t end);
void flush_tlb_range_stride(struct vmsh_mm *mm, uint64_t start, uint64_t end,
			    unsigned stride_shift);
void flush_pmd_tlb_range(struct vmsh_mm *mm, uint64_t start, uint64_t end);
/* The flush_pmd_tlb_range of each huge PMD split_huge_pmd_entry split
 * since (pgtable.c cannot call tlb.c); every flush of the mm, and every
 * translation for it, does these first. */
void tlb_flush_splits(struct vmsh_mm *mm);
void flush_tlb_page(struct vmsh_mm *mm, uint64_t addr);
void flush_tlb_mm(struct vmsh_mm *mm);
/* CR3 write on @cpu (switch_mm_irqs_off): task.c calls it when a user task
 * is switched in (also by execve), with prev = the CPU's loaded_mm (NULL
 * for init_mm; prev == next is possible and flushes nothing unless the
 * CPU ran lazily and missed flushes of next), then sets
 * cpus[cpu].loaded_mm = next itself.  Switching to a kernel thread calls
 * nothing (lazy TLB): tlb.c sees a CPU whose curr has no mm as lazy.
 * With PCID an mm cached in one of the CPU's 6 ASID slots whose
 * generation is current switches without a flush. */
void tlb_switch_mm(struct vmsh_sys *sys, int cpu, struct vmsh_mm *prev,
		   struct vmsh_mm *next);

#endif /* VMSH_SRC_ENGINE_TLB_H */
