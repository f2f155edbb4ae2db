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
};

bool vmsh_stat(const struct vmsh_sys *sys, size_t i, const char **name,
	       uint64_t *value)
{
	if (i >= ST_NR)
		return false;
	/* The reclaim and swap counters show once there is swap or one of
	 * them moved: a machine without swap prints what it always did. */
	if (i >= ST_PSWPIN && !sys->swap.nslots) {
		size_t k;

		for (k = ST_PSWPIN; k < ST_NR && !sys->stat[k]; k++)
			;
		if (k == ST_NR)
			return false;
	}
	*name = names[i] ? names[i] : "?";
	*value = sys->stat[i];
	return true;
}
