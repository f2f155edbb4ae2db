/* SPDX-License-Identifier: MIT */
/*
 * Event counters (`stat`), printed in /proc/vmstat style.
 *
 * Invariant: names[] has one entry per enum vmsh_stat_item, in its order;
 * counters only grow (a `reset` builds a new machine).  Names follow
 * /proc/vmstat where it has the event (pgfault, pgmajfault, pgfree,
 * oom_kill), and say what vmsh counts otherwise.
 */
#include "config.h"

#include "sys.h"

static const char *const names[ST_NR] = {
	[ST_PGFAULT] = "pgfault",
	[ST_PGMAJFAULT] = "pgmajfault",
	[ST_ANON_FAULT] = "anon_fault",
	[ST_FILE_FAULT] = "file_fault",
	[ST_ZERO_PAGE_MAP] = "zero_page_map",
	[ST_COW_COPY] = "cow_copy",
	[ST_COW_REUSE] = "cow_reuse",
	[ST_FAULT_AROUND] = "fault_around",
	[ST_PAGE_MKWRITE] = "page_mkwrite",
	[ST_SIGSEGV] = "sigsegv",
	[ST_SIGBUS] = "sigbus",
	[ST_OOM_KILL] = "oom_kill",
	[ST_TLB_HIT] = "tlb_hit",
	[ST_TLB_MISS] = "tlb_miss",
	[ST_TLB_WALK_REFS] = "tlb_walk_refs",
	[ST_TLB_FLUSH_ALL] = "tlb_flush_all",
	[ST_TLB_FLUSH_RANGE] = "tlb_flush_range",
	[ST_TLB_FLUSH_PAGE] = "tlb_flush_page",
	[ST_TLB_SHOOTDOWN] = "tlb_shootdown",
	[ST_PGALLOC] = "pgalloc",
	[ST_PGFREE] = "pgfree",
	[ST_PGTABLE_ALLOC] = "pgtable_alloc",
	[ST_PGTABLE_FREE] = "pgtable_free",
	[ST_MMAP] = "mmap",
	[ST_MUNMAP] = "munmap",
	[ST_MPROTECT] = "mprotect",
	[ST_MREMAP] = "mremap",
	[ST_VMA_MERGE] = "vma_merge",
	[ST_VMA_SPLIT] = "vma_split",
	[ST_FORK] = "fork",
	[ST_PSWPIN] = "pswpin",
	[ST_PSWPOUT] = "pswpout",
	[ST_PGACTIVATE] = "pgactivate",
	[ST_PGDEACTIVATE] = "pgdeactivate",
	[ST_PGSTEAL_ANON] = "pgsteal_anon",
	[ST_PGSTEAL_FILE] = "pgsteal_file",
	[ST_PGSCAN_KSWAPD] = "pgscan_kswapd",
	[ST_PGSCAN_DIRECT] = "pgscan_direct",
	[ST_PGSTEAL_KSWAPD] = "pgsteal_kswapd",
	[ST_PGSTEAL_DIRECT] = "pgsteal_direct",
	[ST_PGREFILL] = "pgrefill",
	[ST_PGROTATED] = "pgrotated",
	[ST_WS_REFAULT_ANON] = "workingset_refault_anon",
	[ST_WS_REFAULT_FILE] = "workingset_refault_file",
	[ST_WS_ACTIVATE_ANON] = "workingset_activate_anon",
	[ST_WS_ACTIVATE_FILE] = "workingset_activate_file",
	[ST_WS_RESTORE_ANON] = "workingset_restore_anon",
	[ST_WS_RESTORE_FILE] = "workingset_restore_file",
	[ST_ALLOCSTALL] = "allocstall",
	[ST_SWAP_RA] = "swap_ra",
	[ST_SWAP_RA_HIT] = "swap_ra_hit",
	[ST_PAGEOUTRUN] = "pageoutrun",
	[ST_UNEVICTABLE_PGCULLED] = "unevictable_pgs_culled",
	[ST_UNEVICTABLE_PGSCANNED] = "unevictable_pgs_scanned",
	[ST_UNEVICTABLE_PGRESCUED] = "unevictable_pgs_rescued",
	[ST_UNEVICTABLE_PGMLOCKED] = "unevictable_pgs_mlocked",
	[ST_UNEVICTABLE_PGMUNLOCKED] = "unevictable_pgs_munlocked",
	[ST_UNEVICTABLE_PGCLEARED] = "unevictable_pgs_cleared",
	[ST_UNEVICTABLE_PGSTRANDED] = "unevictable_pgs_stranded",
	[ST_THP_FAULT_ALLOC] = "thp_fault_alloc",
	[ST_THP_FAULT_FALLBACK] = "thp_fault_fallback",
	[ST_THP_COLLAPSE_ALLOC] = "thp_collapse_alloc",
	[ST_THP_COLLAPSE_ALLOC_FAILED] = "thp_collapse_alloc_failed",
	[ST_THP_SPLIT_PAGE] = "thp_split_page",
	[ST_THP_DEFERRED_SPLIT_PAGE] = "thp_deferred_split_page",
	[ST_THP_SPLIT_PMD] = "thp_split_pmd",
	[ST_THP_SCAN_EXCEED_NONE_PTE] = "thp_scan_exceed_none_pte",
	[ST_THP_SCAN_EXCEED_SWAP_PTE] = "thp_scan_exceed_swap_pte",
	[ST_THP_SCAN_EXCEED_SHARE_PTE] = "thp_scan_exceed_share_pte",
	[ST_THP_ZERO_PAGE_ALLOC] = "thp_zero_page_alloc",
	[ST_THP_ZERO_PAGE_ALLOC_FAILED] = "thp_zero_page_alloc_failed",
	[ST_THP_SPLIT_PAGE_FAILED] = "thp_split_page_failed",
	[ST_THP_SWPOUT] = "thp_swpout",
	[ST_THP_SWPOUT_FALLBACK] = "thp_swpout_fallback",
};

/* Do the counters of [first, last] all read zero? */
static bool all_zero(const struct vmsh_sys *sys, size_t first, size_t last)
{
	size_t k;

	for (k = first; k <= last; k++)
		if (sys->stat[k])
			return false;
	return true;
}

bool vmsh_stat_hidden(const struct vmsh_sys *sys, size_t i)
{
	/* The reclaim and swap counters show once there is swap or reclaim
	 * (kswapd, direct reclaim, madvise cold/pageout) moved a page: a
	 * machine without swap that never reclaimed prints what it always
	 * did, though page activations by a second access are counted. */
	if (i >= ST_PSWPIN && i <= ST_PAGEOUTRUN && !sys->swap.nslots &&
	    !sys->reclaim_shown)
		return true;
	/* the unevictable list's: once a page was mlocked */
	if (i >= ST_UNEVICTABLE_PGCULLED && i <= ST_UNEVICTABLE_PGSTRANDED)
		return all_zero(sys, ST_UNEVICTABLE_PGCULLED,
				ST_UNEVICTABLE_PGSTRANDED);
	/* likewise the THP counters: once a huge page was involved */
	return i >= ST_THP_FAULT_ALLOC && i < ST_NR &&
	       all_zero(sys, ST_THP_FAULT_ALLOC, ST_NR - 1);
}

bool vmsh_stat(const struct vmsh_sys *sys, size_t i, const char **name,
	       uint64_t *value)
{
	if (i >= ST_NR)
		return false;
	*name = names[i] ? names[i] : "?";
	*value = sys->stat[i];
	return true;
}
