/* SPDX-License-Identifier: MIT */
/*
 * What the PTEs of a VMA's range map, changed over the range (memory.c):
 * the zap, the unmapping of one file page, the mmu_gather that batches
 * the zap's TLB flushes, change_protection and move_page_tables, and the
 * protection bits a VMA's PTEs get.
 */
#ifndef VMSH_SRC_ENGINE_MEMORY_H
#define VMSH_SRC_ENGINE_MEMORY_H

#include <stdint.h>

struct vmsh_mm;
struct vmsh_sys;
struct vmsh_vma;

/* The PTE protection bits of a VMA (vm_get_page_prot, with write-notify
 * dropping RW from shared mappings that want it: vma_set_page_prot). */
uint64_t vma_page_prot(const struct vmsh_vma *vma);

/* Remove every PTE in [start, end) of @vma, dropping mapcounts/refcounts
 * and rss, and flushing the TLB range (zap_page_range).  A dirty PTE of a
 * file page marks its folio dirty, a young one marks it accessed. */
void zap_page_range(struct vmsh_vma *vma, uint64_t start, uint64_t end);
/* The same for munmap and exit (unmap_vmas: ZAP_FLAG_DROP_MARKER): guard
 * markers are cleared too, where zap_page_range keeps them. */
void unmap_page_range(struct vmsh_vma *vma, uint64_t start, uint64_t end);
/* try_to_unmap_one() of file page @pfn mapped at @addr of @vma (nothing
 * when the PTE maps something else): the PTE cleared and flushed, its
 * dirty bit carried to the folio, no accessed mark (unlike a zap). */
void unmap_file_pte(struct vmsh_vma *vma, uint64_t addr, uint64_t pfn);

/* mmu_gather: between tlb_gather_mmu(mm) and tlb_finish_mmu(mm) (they
 * nest), zap_page_range and free_pgtables only collect what to flush --
 * the cleared PTEs and, as pte_free_tlb() does, the first page of each
 * freed table's span -- and tlb_finish_mmu flushes it with one
 * flush_tlb_range, as unmap_region()/vms_clear_ptes() do for munmap.
 * tlb_gather_mmu_fullmm (exit_mmap) ends with flush_tlb_mm instead.
 * Without a gather each zap_page_range call flushes what it cleared
 * (madvise DONTNEED: one gather per call in Linux too). */
void tlb_gather_mmu(struct vmsh_mm *mm);
void tlb_gather_mmu_fullmm(struct vmsh_mm *mm);
void tlb_finish_mmu(struct vmsh_mm *mm);

/* Change the protection of present PTEs in [start, end) to match vma
 * (change_protection), flushing the TLB where Linux must. */
void change_protection(struct vmsh_vma *vma, uint64_t start, uint64_t end);
/* Move PTEs from [old, old+len) to [new, new+len) (move_page_tables). */
void move_page_tables(struct vmsh_vma *vma, uint64_t old_addr,
		      struct vmsh_vma *new_vma, uint64_t new_addr, uint64_t len);

/* Move the lru_lazyfree batch (madvise.c): the pages MADV_FREE queued
 * become lazy-free (!PG_swapbacked, inactive, not referenced). */
void lru_lazyfree_drain(struct vmsh_sys *sys);
/* lru_add_drain(): this CPU's LRU batches move (lru_add, lru_deactivate,
 * lru_lazyfree, lru_activate: lru_batch.c; then the mlock batch).  Where
 * Linux 6.18 drains, probed on one CPU (a pending MADV_FREE page shows in
 * LazyFree, a page waiting in lru_add gets kpageflags lru, right after):
 * MADV_FREE, MADV_WILLNEED of anonymous or shmem memory, MADV_COLD and
 * PAGEOUT (first), MADV_REMOVE of shmem whose hole holds a page,
 * MADV_POPULATE_(READ|WRITE) (even when it then fails), populate
 * (MAP_POPULATE, MAP_LOCKED, mlock of locked memory), every VMA
 * mlock/munlock/mlockall/munlockall locks or unlocks (also before a
 * hole's ENOMEM), a COW write fault on a page off the lists (at most 3
 * references), a swap-in's readahead, direct reclaim; not munmap,
 * MADV_DONTNEED, mprotect, mremap, fork, exit, guard regions,
 * mlockall(MCL_FUTURE), munlock of unlocked memory, other faults. */
/* The mlock batch (mlock.c, mm/mlock.c mlock_fbatch): mlock_folio (a
 * folio on the LRU: PG_mlocked now, moved to the unevictable list with
 * PG_active cleared when the batch drains), mlock_new_folio (a new folio
 * of a locked VMA, off the lists until then), munlock_folio (back on the
 * inactive or active list once no locked VMA counts it).  The batch holds
 * 31 folios and a reference on each; it drains when full, at once for a
 * large folio, and in lru_add_drain(). */
void mlock_folio(struct vmsh_sys *sys, uint64_t pfn);
void mlock_new_folio(struct vmsh_sys *sys, uint64_t pfn);
void munlock_folio(struct vmsh_sys *sys, uint64_t pfn);
void mlock_drain_local(struct vmsh_sys *sys);
/* The references the batch holds on frame @pfn (one per entry). */
int mlock_refs(const struct vmsh_sys *sys, uint64_t pfn);
/* How many of the @n entries of a per-CPU batch @batch are @pfn: the
 * references that batch holds on the frame. */
static inline int pfn_batch_count(const uint64_t *batch, unsigned n, uint64_t pfn)
{
	int c = 0;

	for (unsigned i = 0; i < n; i++)
		c += batch[i] == pfn;
	return c;
}
/* mlock_vma_folio / munlock_vma_folio (mm/internal.h): a small folio
 * whose PTE a VM_LOCKED VMA (not VM_SPECIAL) gains or loses; @pfn is any
 * page of it.  folio_add_lru_vma: a new anonymous page in @vma. */
void mlock_vma_folio(struct vmsh_vma *vma, uint64_t pfn);
void munlock_vma_folio(struct vmsh_vma *vma, uint64_t pfn);
void folio_add_lru_vma(struct vmsh_vma *vma, uint64_t pfn);

/* The lru_add batch (lru_batch.c, mm/swap.c folio_add_lru): a new folio
 * (@pfn, its first page, on no list) waits off the lists, with a
 * reference, until the batch moves: when it holds 31 folios, at once for
 * a large folio, and in lru_add_drain().  lru_add_batch_move moves it;
 * lru_add_refs counts the batch's references on frame @pfn. */
void folio_add_lru(struct vmsh_sys *sys, uint64_t pfn);
void lru_add_batch_move(struct vmsh_sys *sys);
int lru_add_refs(const struct vmsh_sys *sys, uint64_t pfn);

/* The lru_activate and lru_deactivate batches (lru_batch.c): a listed
 * folio's activation (mark_page_accessed's second call) or deactivation
 * (folio_deactivate, MADV_COLD) waits, with a reference, until the batch
 * moves (31 folios, or lru_add_drain).  lru_batches_drain moves every
 * batch of lru_add_drain_cpu in its order: lru_add, lru_deactivate,
 * lru_lazyfree, lru_activate.  lru_batch_refs: the references lru_add,
 * lru_activate and lru_deactivate hold on frame @pfn. */
struct page;
void mark_page_accessed(struct vmsh_sys *sys, struct page *page);
void folio_deactivate(struct vmsh_sys *sys, uint64_t pfn);
void lru_batches_drain(struct vmsh_sys *sys);
int lru_batch_refs(const struct vmsh_sys *sys, uint64_t pfn);
void folio_rotate_remote(struct vmsh_sys *sys, uint64_t pfn);
/* lru_move_tail(): a listed folio to its inactive tail (pgrotated);
 * an unevictable one stays */
void lru_move_tail(struct vmsh_sys *sys, uint64_t pfn);
void pageout_wb_add(struct vmsh_sys *sys, uint64_t pfn);

/* The references the batches (lru_add, lru_(de)activate, mlock) hold on
 * frame @pfn. */
static inline int batch_refs(const struct vmsh_sys *sys, uint64_t pfn)
{
	return lru_batch_refs(sys, pfn) + mlock_refs(sys, pfn);
}

static inline void lru_add_drain(struct vmsh_sys *sys)
{
	/* lru_add_drain_cpu(), then mlock_drain_local() */
	lru_batches_drain(sys);
	mlock_drain_local(sys);
}

#endif /* VMSH_SRC_ENGINE_MEMORY_H */
