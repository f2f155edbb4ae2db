/* SPDX-License-Identifier: MIT */
/*
 * Transparent huge pages (huge_memory.c, after mm/huge_memory.c): which
 * VMAs may hold a PMD-size (2 MiB) anonymous folio under the machine's
 * THP mode (vmsh_config.thp, /sys/kernel/mm/transparent_hugepage/enabled),
 * the huge PMD fault (do_huge_pmd_anonymous_page, the huge zero page),
 * its write fault (do_huge_pmd_wp_page), and what the rest of the engine
 * does to a huge PMD: zap, change protection, copy at fork, move at
 * mremap, split (split_huge_pmd, vma_adjust_trans_huge, the deferred
 * split queue's counter).  khugepaged.c collapses.
 *
 * The model of a PMD-mapped folio: 512 contiguous 2 MiB-aligned frames
 * (phys_alloc_huge; page->thp marks head and tails), each holding one
 * mapcount and one reference per PMD (or PTE) mapping it -- Linux's
 * "precise page mapcount" (entire mapcount + the page's own) -- and one
 * MM_ANONPAGES unit per mapping mm.  So splitting a PMD into PTEs
 * changes no count.  The PageAnonExclusive mark is kept alike on all 512
 * frames while the folio is PMD-mapped; folio_ref_count(folio) == 1 is
 * "every frame has refcount 1".
 */
#ifndef VMSH_SRC_ENGINE_HUGE_MEMORY_H
#define VMSH_SRC_ENGINE_HUGE_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

struct vmsh_mm;
struct vmsh_sys;
struct vmsh_vma;

#define HPAGE_PMD_SHIFT 21
#define HPAGE_PMD_SIZE  (1ULL << HPAGE_PMD_SHIFT)
#define HPAGE_PMD_MASK  (~(HPAGE_PMD_SIZE - 1))

/* do_huge_pmd_*: use the 4 KiB path instead (Linux's VM_FAULT_FALLBACK) */
#define VM_FAULT_FALLBACK 0x800

/* Where the order is asked for (Linux's TVA_* types). */
enum tva_type { TVA_SMAPS, TVA_PAGEFAULT, TVA_KHUGEPAGED, TVA_FORCED_COLLAPSE };

/*
 * thp_vma_allowable_order(vma, vm_flags, type, PMD_ORDER): may @vma hold a
 * PMD-mapped anonymous folio?  No for VM_NOHUGEPAGE (MADV_NOHUGEPAGE),
 * VM_HUGETLB and special mappings; no for anything but anonymous memory
 * (shmem THP is "never", file THP is not built); then the mode: always,
 * or madvise with VM_HUGEPAGE (MADV_COLLAPSE ignores the mode); and the
 * VMA must hold a 2 MiB-aligned range (thp_vma_suitable_order; no offset
 * alignment for anonymous memory).  smaps and the fault do not ask for
 * an anon_vma; khugepaged and MADV_COLLAPSE refuse a VMA without one.
 */
bool thp_vma_allowable_order(const struct vmsh_vma *vma, enum tva_type type);
/* thp_vma_suitable_order(vma, addr, PMD_ORDER): the 2 MiB-aligned range
 * holding @addr lies wholly inside @vma (and the machine has a PMD level:
 * --levels 3 or more). */
bool thp_vma_suitable_addr(const struct vmsh_vma *vma, uint64_t addr);

/* ---- faults (handle_mm_fault calls these for a huge or none PMD) -------- */

/* do_huge_pmd_anonymous_page(): map @addr's 2 MiB with one PMD: a new
 * zeroed folio (thp_fault_alloc), or on a read fault the huge zero page
 * when --zero-page and --thp-zero-page are on.  VM_FAULT_FALLBACK when no
 * 2 MiB block of frames is free (thp_fault_fallback), VM_FAULT_OOM
 * without an anon_vma or a frame for the deposited table. */
int do_huge_pmd_anonymous_page(struct vmsh_sys *sys, struct vmsh_vma *vma,
			       uint64_t addr, uint64_t *pmdp, bool write);
/* A fault on a present huge PMD: a write to a read-only one is
 * do_huge_pmd_wp_page (the huge zero page: a new folio; exclusive or
 * folio refcount 1: reuse; else split and VM_FAULT_FALLBACK, so the 4 KiB
 * COW runs on the PTE), anything else huge_pmd_set_accessed. */
int do_huge_pmd_fault(struct vmsh_sys *sys, struct vmsh_vma *vma,
		      uint64_t addr, uint64_t *pmdp, bool write);

/* __wp_can_reuse_large_anon_folio(): a write to a COW PTE of a large
 * folio's page (not PageAnonExclusive) reuses it only when every
 * mapping of the folio is this mm's and no reference is beyond them
 * (folio_ref_count == folio_large_mapcount, not maybe-mapped-shared);
 * else the page is copied.  vmsh counts this mm's PTEs mapping the
 * folio within @addr's 2 MiB. */
bool wp_can_reuse_large_anon_folio(struct vmsh_vma *vma, uint64_t addr,
				   uint64_t head);

/* map_anon_folio_pmd(): the new folio at @head (512 frames from
 * phys_alloc_huge) gets its rmap (exclusive, @vma's anon_vma) and a dirty
 * PMD, writable when the VMA is; rss + 512.  A table must have been
 * deposited for it. */
void map_anon_folio_pmd(struct vmsh_vma *vma, uint64_t head, uint64_t *pmdp,
			uint64_t haddr);
/* folio_put() of a folio from phys_alloc_huge that was never mapped. */
void free_unmapped_folio(struct vmsh_sys *sys, uint64_t head);

/* ---- khugepaged.c ------------------------------------------------------- */

/* MADV_COLLAPSE on [start, end) of @vma: every 2 MiB-aligned range inside
 * collapsed into a huge PMD, now, its swap entries brought in first.  0;
 * -EINVAL (a VMA that may not hold one, a range whose PMD is empty, a
 * page that is not anonymous, a guard marker); -ENOMEM (no 2 MiB block
 * of frames). */
int madvise_collapse(struct vmsh_vma *vma, uint64_t start, uint64_t end);
/* khugepaged_enter_vma(): put the mm on khugepaged's list (once) when
 * @vma with flags @vm_flags may hold a huge page for khugepaged
 * (TVA_KHUGEPAGED: it needs an anon_vma) -- MADV_HUGEPAGE and the huge
 * fault call it; khugepaged_fork: a child of an mm on the list goes on
 * it; khugepaged_exit (mmput): off the list, unless the scan cursor is on
 * it (the scan drops it when it gets there: collect_mm_slot). */
void khugepaged_enter_vma(struct vmsh_vma *vma, uint64_t vm_flags);
void khugepaged_fork(struct vmsh_mm *mm, struct vmsh_mm *oldmm);
void khugepaged_exit(struct vmsh_mm *mm);
/* The list's end (vmsh_sys_free). */
void khugepaged_fini(struct vmsh_sys *sys);

/* ---- the rest of the engine's view of a huge PMD ------------------------ */

/* zap_huge_pmd(): clear the PMD of [haddr, haddr + 2 MiB), drop the
 * frames' mapcount, reference and rss, free the deposited table.  The TLB
 * flush is the caller's. */
void zap_huge_pmd(struct vmsh_mm *mm, uint64_t *pmdp, uint64_t haddr);
/* change_huge_pmd(): the PMD gets @newprot (pte_modify's rules), RW when
 * @try_writable and the folio is exclusive.  True when the change needs a
 * TLB flush. */
bool change_huge_pmd(struct vmsh_vma *vma, uint64_t *pmdp, uint64_t haddr,
		     uint64_t newprot, bool try_writable);
/* copy_huge_pmd() at fork: the child maps the same folio with a PMD of
 * its own (a deposited table allocated for it), both write-protected and
 * the folio not exclusive any more.  0 or -ENOMEM. */
int copy_huge_pmd(struct vmsh_vma *dst, struct vmsh_vma *src,
		  uint64_t *src_pmdp, uint64_t addr);
/* move_huge_pmd() at mremap: move the huge PMD at @old_addr to
 * @new_addr (both 2 MiB-aligned) with its deposit; false when the
 * destination's PMD is not none (the caller splits and moves PTEs). */
bool move_huge_pmd(struct vmsh_vma *vma, uint64_t old_addr, uint64_t new_addr);
/* split_huge_pmd(vma, pmd, addr): split the huge PMD holding @addr, if
 * any, and flush its 2 MiB from the TLB. */
void split_huge_pmd(struct vmsh_vma *vma, uint64_t addr);
/* vma_adjust_trans_huge(): @vma's bounds changed: a huge PMD its start
 * or end now cuts through is split. */
void vma_adjust_trans_huge(struct vmsh_vma *vma);
/* The head pfn of the PMD-size folio frame @pfn belongs to, or
 * UINT64_MAX (a small page).  The head frame itself may be gone: vmsh
 * frees a split folio's frames one by one as their last reference goes,
 * where Linux keeps the folio until its last. */
uint64_t thp_head(const struct vmsh_sys *sys, uint64_t pfn);
/* folio_maybe_mapped_shared() of the anonymous THP at @head: a page of
 * it mapped more than once (by a fork child: one mm cannot map an
 * anonymous page twice). */
bool thp_maybe_shared(const struct vmsh_sys *sys, uint64_t head);
/* The step MADV_COLD/PAGEOUT and MADV_FREE share for a THP met in their
 * range: the huge zero page and a folio another mm maps are left
 * (THP_LEAVE); a folio the range covers only in part is split, its pages
 * to be walked as small folios (THP_SPLIT; a split that fails leaves
 * it); else the whole folio is the caller's (THP_WHOLE).
 *  - thp_pmd_step: mapped by the huge PMD @pmd, the range's part
 *    [addr, next) inside it;
 *  - thp_pte_step: frame @pfn mapped by a PTE at @addr (the PMD split,
 *    not the folio), the range [start, end): whole only when it maps all
 *    512 pages from the first, in order (folio_pte_batch covers it). */
enum thp_step { THP_LEAVE, THP_SPLIT, THP_WHOLE };
enum thp_step thp_pmd_step(struct vmsh_sys *sys, uint64_t pmd, uint64_t addr,
			   uint64_t next);
enum thp_step thp_pte_step(struct vmsh_mm *mm, uint64_t addr, uint64_t pfn,
			   uint64_t start, uint64_t end);
/* Does [start, end) of @mm map the THP of frame @pfn (its PTE at @addr)
 * whole, from its first page, in order? */
bool thp_pte_whole(struct vmsh_mm *mm, uint64_t addr, uint64_t pfn,
		   uint64_t start, uint64_t end);
/* __folio_remove_rmap() after a batch of PTEs of the folio at @head was
 * zapped: still mapped, but not wholly -> the deferred split queue
 * (thp_deferred_split_page, once per folio); the shrinker splits it
 * under memory pressure (huge_split.c). */
void deferred_split_check(struct vmsh_sys *sys, uint64_t head);

/* ---- huge_split.c ---------------------------------------------------------- */

/* Pages a split hands to reclaim (split_folio_to_list's list). */
struct split_list {
	uint64_t *pfn;
	size_t n, cap;
};
/* split_folio(): the anonymous THP at @head becomes 512 order-0 folios
 * (huge_split.c says how).  @extra: references the caller holds on the
 * head beyond its mappings (reclaim's isolation: 1); @out: where the
 * former tails go when the head is isolated (each with a reference),
 * else they join the head's LRU list.  0, -EINVAL (not a THP head),
 * -EAGAIN (a reference beyond the mappings: thp_split_page_failed). */
int split_folio(struct vmsh_sys *sys, uint64_t head, int extra,
		struct split_list *out);
/* The deferred split queue (deferred_split_folio adds, a split or the
 * folio's free removes), its end at machine teardown. */
void deferred_split_queue_add(struct vmsh_sys *sys, uint64_t head);
void deferred_split_remove(struct vmsh_sys *sys, uint64_t head);
void deferred_split_fini(struct vmsh_sys *sys);
/* shrink_slab() at @priority: the deferred split shrinker as
 * do_shrink_slab drives it; the folios split. */
uint64_t shrink_slab(struct vmsh_sys *sys, int priority);

#endif /* VMSH_SRC_ENGINE_HUGE_MEMORY_H */
