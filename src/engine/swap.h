/* SPDX-License-Identifier: MIT */
/*
 * Swap (swapfile.c, swap_state.c's cache, vmscan.c's reclaim of a list
 * of folios): one swap area of slots, each with the number of swap PTEs
 * that name it (swap_map) and a mark when a folio of the swap cache holds
 * its contents (SWAP_HAS_CACHE); the PTE encoding of a swap entry; the
 * swap-in fault (do_swap_page); madvise cold/pageout.
 *
 * A swap PTE (x86-64 layout, kept plain like vmsh's PROT_NONE entries,
 * without Linux's L1TF inversion of the offset):
 *
 *   63..59 type | 58..9 offset | 7 SWP_EXCLUSIVE | P = 0, PROTNONE = 0
 *
 * Slot 0 is the area's header, as in a real swap file: offsets start
 * at 1, so a swap PTE is never zero.
 *
 * Invariants (check.c): a slot is used iff its count or its cache mark
 * is set; the swap cache folio of a slot (page->swap == offset) is an
 * anonymous page holding one reference for the cache; SwapFree + the
 * used slots = SwapTotal; every swap PTE of every mm names a used slot,
 * and a slot's count is the number of swap PTEs naming it.
 */
#ifndef VMSH_SRC_ENGINE_SWAP_H
#define VMSH_SRC_ENGINE_SWAP_H

#include <stdbool.h>
#include <stdint.h>

#include "pgtable.h"

struct vmsh_mm;
struct vmsh_sys;
struct vmsh_vma;
struct vmsh_fault;

#define SWP_TYPE_SHIFT      59
#define SWP_OFFSET_SHIFT    9
#define SWP_OFFSET_MASK     ((1ULL << 50) - 1)
#define _PAGE_SWP_EXCLUSIVE _PAGE_PSE

struct swap_slot {
	uint32_t count;         /* swap PTEs naming the slot (swap_map) */
	bool cache;             /* SWAP_HAS_CACHE */
	bool written;           /* data holds the contents */
	bool zero;              /* zero-filled: in the zeromap, no I/O was
				   done (swap_writeout's is_folio_zero_filled) */
	uint8_t fill;           /* data == NULL: every byte */
	uint64_t cache_pfn;     /* the swap cache folio (cache) */
	uint64_t shadow;        /* workingset shadow of the folio reclaim
				   evicted from the cache (0: none) */
	uint8_t *data;          /* 4 KiB, or NULL (uniform: fill) */
};

struct swap_info {
	bool on;
	uint64_t nslots;        /* slots including the header slot 0 */
	uint64_t inuse;         /* slots with a count or a cache mark */
	uint64_t next;          /* allocation cursor (cluster_next) */
	struct swap_slot *slots;
	/* swapin_nr_pages()'s machine-wide state (statics in Linux: they
	 * outlive swapoff, so swap_on keeps them) */
	struct {
		uint64_t prev_offset;   /* the last miss without hits */
		uint32_t hits;          /* swapin_readahead_hits */
		uint32_t last_pages;    /* last_readahead_pages */
	} ra;
};

/* A non-present, non-PROT_NONE, non-zero PTE that is not a marker (a
 * guard region's) is a swap entry. */
static inline bool is_swap_pte(uint64_t pte)
{
	return pte && !(pte & (_PAGE_PRESENT | _PAGE_PROTNONE)) &&
	       !pte_is_guard(pte);
}
static inline uint64_t swp_offset(uint64_t pte)
{
	return (pte >> SWP_OFFSET_SHIFT) & SWP_OFFSET_MASK;
}
static inline unsigned swp_type(uint64_t pte)
{
	return (unsigned)(pte >> SWP_TYPE_SHIFT);
}
static inline uint64_t swp_entry_to_pte(uint64_t offset, bool exclusive)
{
	return (offset << SWP_OFFSET_SHIFT) |
	       (exclusive ? _PAGE_SWP_EXCLUSIVE : 0);
}

/* ---- the area (swapfile.c) ---------------------------------------------- */

/* swapon of an area of @bytes (rounded down to pages; one header page):
 * 0, -EBUSY when one is on, -EINVAL when smaller than two pages. */
int swap_on(struct vmsh_sys *sys, uint64_t bytes);
/* swapoff: every swap PTE is brought back in (try_to_unuse), the cache
 * emptied, the area released: 0, -EINVAL (no area), -ENOMEM (not enough
 * free frames for what is only on swap: nothing changed). */
int swap_off(struct vmsh_sys *sys);
void swap_fini(struct vmsh_sys *sys);
/* Slots usable for pages (SwapTotal / 4 kB) and free ones (SwapFree). */
uint64_t swap_total(const struct vmsh_sys *sys);
uint64_t swap_free_slots(const struct vmsh_sys *sys);
/* vm_swap_full(): more than half the swap space used. */
bool vm_swap_full(const struct vmsh_sys *sys);
/* The map count of @offset (swp_swapcount). */
uint32_t swap_count(const struct vmsh_sys *sys, uint64_t offset);

/* swap_duplicate(): one more swap PTE names @pte's slot (fork). */
void swap_duplicate(struct vmsh_sys *sys, uint64_t pte);
/* free_swap_and_cache(): a swap PTE naming the slot is gone (zap); the
 * slot is released when nothing else names it, and an unmapped swap
 * cache folio with it. */
void free_swap_and_cache(struct vmsh_sys *sys, uint64_t pte);
/* swap_free(): a swap PTE was replaced by its swap cache folio (swap-in);
 * the slot goes when neither a PTE nor the cache needs it. */
void swap_free(struct vmsh_sys *sys, uint64_t pte);
/* folio_free_swap(): drop @pfn from the swap cache when no swap PTE
 * names its slot any more; the folio becomes dirty (its only copy).
 * True when it did. */
bool folio_free_swap(struct vmsh_sys *sys, uint64_t pfn);

/* Internal to the swap files: a slot for anonymous page @pfn, which
 * enters the swap cache dirty (0: swap off or full); the contents
 * written to / read from the slot (pswpout / pswpin; a zero-filled
 * folio goes to the zeromap with no I/O and no count, and
 * swap_writepage returns false: it is clean at once, reclaim frees it
 * in the same pass); the cache folio of
 * a slot (UINT64_MAX: none); dropping a clean unmapped cache folio. */
uint64_t add_to_swap(struct vmsh_sys *sys, uint64_t pfn);
bool swap_writepage(struct vmsh_sys *sys, uint64_t pfn);
void swap_readpage(struct vmsh_sys *sys, uint64_t off, uint64_t pfn);
uint64_t swap_cache_pfn(const struct vmsh_sys *sys, uint64_t off);
/* swap_cluster_readahead() before a swap-in that missed the cache at
 * slot @off: the slots around it go to the swap cache, marked
 * PG_readahead, unmapped, each through the lru_add batch (see
 * swapfile.c).  True when a window was read: the caller's read of @off
 * is then part of it and the batch moves after it (lru_add_drain, "push
 * any new pages onto the LRU now"); false for a window of one page,
 * read alone without a drain. */
bool swap_cluster_readahead(struct vmsh_sys *sys, uint64_t off);
/* swap_update_readahead(): a swap-in found swap cache folio @pfn; a
 * readahead one counts a hit (swap_ra_hit) and loses its mark. */
void swap_update_readahead(struct vmsh_sys *sys, uint64_t pfn);
void swap_cache_drop_clean(struct vmsh_sys *sys, uint64_t pfn);
/* The same, leaving reclaim's workingset @shadow in the slot. */
void swap_cache_evict(struct vmsh_sys *sys, uint64_t pfn, uint64_t shadow);

/* ---- shmem and tmpfs pages (shmem_swap.c) ---------------------------------- */

struct vmsh_file;

/* shmem_writeout(): the dirty, unmapped, isolated shmem/tmpfs folio
 * @fpfn leaves the page cache for the swap cache (a slot whose count is
 * the file's entry); the caller writes it.  False when no slot is free
 * (the folio is redirtied and activated). */
bool shmem_writeout(struct vmsh_sys *sys, uint64_t fpfn);
/* The slot page @index of @f is swapped to, or 0. */
uint64_t shmem_swapped(const struct vmsh_file *f, uint64_t index);
/* shmem_swapin_folio(): swapped page @index of @f comes back into the
 * page cache, dirty, its slot freed; read from swap when not in the swap
 * cache (a major fault when @fault).  Its pfn (the cache's reference),
 * or UINT64_MAX without a free frame (nothing changed). */
uint64_t shmem_swapin(struct vmsh_sys *sys, struct vmsh_file *f,
		      uint64_t index, bool fault);
/* shmem_free_swap() of the entries at [@first, @last] (truncate, punch
 * hole), and of all of them when the inode goes (shmem_evict_swap). */
void shmem_free_swap_range(struct vmsh_sys *sys, struct vmsh_file *f,
			   uint64_t first, uint64_t last);
void shmem_evict_swap(struct vmsh_sys *sys, struct vmsh_file *f);
/* shmem_swapin_range() (MADV_WILLNEED): the swapped pages of [@first,
 * @last] read into the swap cache, their entries staying in the file. */
void shmem_swapin_range(struct vmsh_sys *sys, struct vmsh_file *f,
			uint64_t first, uint64_t last);
/* shmem_unuse() (swapoff): every swapped page back in its page cache,
 * unmapped; false when frames ran out. */
bool shmem_unuse(struct vmsh_sys *sys);
/* smaps' Swap of a shmem mapping: shmem_swap_usage() (the file's whole
 * count when @vma maps it from 0 to past its size) and
 * shmem_partial_swap_usage() of file pages [@first, @end). */
uint64_t shmem_swap_usage(const struct vmsh_vma *vma);
uint64_t shmem_partial_swap_usage(const struct vmsh_file *f, uint64_t first,
				  uint64_t end);

/* ---- reclaim (vmscan.c) --------------------------------------------------- */

/* try_to_unmap_one()'s swap step: the present PTE at @ptep (@addr of
 * @mm), mapping an anonymous page in the swap cache, becomes a swap
 * entry naming its slot (exclusive when the page was PageAnonExclusive,
 * which it is no longer); the TLB entry is flushed, the PTE's dirty bit
 * goes to the page, rss and the slot's count follow, and the mapping's
 * reference goes.  Reclaim and --replace's eviction both use it. */
void try_to_unmap_swap_pte(struct vmsh_mm *mm, uint64_t addr, uint64_t *ptep);

/* madvise MADV_COLD / MADV_PAGEOUT over [start, end) of @vma (the caller
 * checked can_madv_lru_vma). */
void pageout_writes_end(struct vmsh_sys *sys);
void madvise_cold_or_pageout(struct vmsh_vma *vma, uint64_t start,
			     uint64_t end, bool pageout);

/* ---- the fault (swap_fault.c) --------------------------------------------- */

/* do_swap_page(): the PTE at @ptep is a swap entry.  0 or VM_FAULT_*;
 * VM_FAULT_MAJOR when the page was read from the swap area. */
int do_swap_page(struct vmsh_sys *sys, struct vmsh_vma *vma, uint64_t addr,
		 uint64_t *ptep, bool write, struct vmsh_fault *f);

#endif /* VMSH_SRC_ENGINE_SWAP_H */
