/* SPDX-License-Identifier: MIT */
/*
 * The engine's public API for memory pressure: swap, the swap entries of
 * PTEs, /proc/meminfo figures.  Included by vmsh.h; not used alone.
 */
#ifndef VMSH_INCLUDE_RECLAIM_H
#define VMSH_INCLUDE_RECLAIM_H

#include <stdbool.h>
#include <stdint.h>

struct vmsh_sys;

/* A leaf entry that is a swap entry (not present, not PROT_NONE, not
 * zero, not a guard marker): its swap type (bits 63..59) and offset (bits 58..9), kept plain
 * (Linux inverts the offset against L1TF; vmsh does not). */
static inline bool vmsh_pte_swap(uint64_t e, unsigned *type, uint64_t *offset)
{
	if (!e || (e & 0x101) || e == (1ULL << 62))  /* P, PROTNONE, guard */
		return false;
	*type = (unsigned)(e >> 59);
	*offset = (e >> 9) & ((1ULL << 50) - 1);
	return true;
}

/* swapon of an area of @bytes: 0, -EBUSY (one is on), -EINVAL (under
 * two pages or over 64G).  swapoff brings every swapped page back:
 * 0, -EINVAL (no area), -ENOMEM (not enough free memory; nothing
 * changed). */
int vmsh_swapon(struct vmsh_sys *sys, uint64_t bytes);
int vmsh_swapoff(struct vmsh_sys *sys);

/* lru_add_drain_all(): every CPU's per-CPU LRU batches (lru_add,
 * lru_deactivate, lru_lazyfree, lru_activate) and mlock batch move, as
 * the kernel does before migrating pages (migrate_pages(2), mbind,
 * move_pages) and when a memfd is sealed.  The model's CPUs share one
 * set of batches. */
void vmsh_lru_drain_all(struct vmsh_sys *sys);

/* The LRU lists (Linux without MGLRU: one node), each oldest first. */
#define VMSH_NR_LRU 5
struct vmsh_lru_folio {
	uint64_t pfn, index, nr_pages;
	const char *kind;       /* "anon", "file" or "shmem" */
	const char *path;       /* page cache: the file's path; else NULL */
	int mapcount;
	bool referenced, workingset, dirty, swapcache, reclaim, lazyfree;
};
typedef int vmsh_lru_fn(void *ctx, const struct vmsh_lru_folio *f);
/* The name of list @l ("inactive_anon", "active_anon", "inactive_file",
 * "active_file", "unevictable"), NULL past the last; its size in pages. */
const char *vmsh_lru_name(int l);
uint64_t vmsh_lru_pages(const struct vmsh_sys *sys, int l);
/* Each folio of list @l from the tail (oldest) to the head; a non-zero
 * return of @fn stops the walk and is returned. */
int vmsh_lru_walk(const struct vmsh_sys *sys, int l, vmsh_lru_fn *fn,
		  void *ctx);

/* A command boundary: kswapd, woken by an allocation at or below the low
 * watermark, reclaims until free memory is above the high one. */
void vmsh_sys_idle(struct vmsh_sys *sys);

/* /proc/meminfo figures, in kB. */
struct vmsh_meminfo {
	uint64_t mem_total, mem_free, cached, swap_cached;
	uint64_t active, inactive, active_anon, inactive_anon;
	uint64_t active_file, inactive_file;
	uint64_t unevictable, mlocked;  /* the unevictable list; NR_MLOCK */
	uint64_t swap_total, swap_free, dirty, anon_pages, mapped, shmem;
	uint64_t page_tables;
	/* CONFIG_TRANSPARENT_HUGEPAGE's lines: AnonHugePages (NR_ANON_THPS:
	 * anonymous THPs some PMD maps), ShmemHugePages, ShmemPmdMapped,
	 * FileHugePages (PMD-order page-cache folios), FilePmdMapped */
	uint64_t anon_huge_pages, shmem_huge_pages, shmem_pmd_mapped;
	uint64_t file_huge_pages, file_pmd_mapped;
};
void vmsh_meminfo(const struct vmsh_sys *sys, struct vmsh_meminfo *out);

#endif /* VMSH_INCLUDE_RECLAIM_H */
