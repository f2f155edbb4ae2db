/* SPDX-License-Identifier: MIT */
/*
 * The engine's public API for the page tables of a task: the walk of one
 * address and the present (and swap) entries of a range.  Included by
 * vmsh.h; not used alone.
 */
#ifndef VMSH_INCLUDE_PAGING_H
#define VMSH_INCLUDE_PAGING_H

#include <stdint.h>

struct vmsh_sys;

/*
 * Walk the page table of task @pid for @addr.  Fills one step per level
 * from the top; *@nsteps is the number filled.  The result says where the
 * walk ended.
 */
enum vmsh_walk_end { VMSH_WALK_MAPPED, VMSH_WALK_NOT_PRESENT, VMSH_WALK_PROTNONE,
		     VMSH_WALK_NO_MM, VMSH_WALK_NONCANONICAL, VMSH_WALK_SWAP };

struct vmsh_walk_step {
	const char *level;      /* "PGD", "P4D", "PUD", "PMD", "PTE" */
	unsigned index;
	uint64_t table_pfn;
	uint64_t entry;
};
struct vmsh_walk {
	enum vmsh_walk_end end;
	int nsteps;
	struct vmsh_walk_step step[5];
	uint64_t pfn, phys;
	bool huge;              /* ended at a PMD with PS: a 2 MiB page */
};
int vmsh_walk(const struct vmsh_sys *sys, int pid, uint64_t addr,
	      struct vmsh_walk *out);

/* Present page-table entries (and swap entries) of @pid in [start, end), depth-first.  The
 * callback gets the level (0 = top), the level name, the VA the entry
 * covers, its index and raw value. */
typedef void vmsh_pt_fn(void *ctx, int depth, const char *level,
			uint64_t va, unsigned index, uint64_t entry);
int vmsh_pt_walk(const struct vmsh_sys *sys, int pid, uint64_t start,
		 uint64_t end, vmsh_pt_fn *fn, void *ctx);

/*
 * /proc/PID/pagemap (fs/proc/task_mmu.c, Linux 6.18): one 64-bit entry per
 * virtual page.  Present: bits 54..0 the PFN (as root reads it); swapped
 * (or a guard marker): bits 4..0 the swap type, 54..5 the offset.
 */
#define VMSH_PM_FRAME_MASK      ((1ULL << 55) - 1)
#define VMSH_PM_SOFT_DIRTY      (1ULL << 55)
#define VMSH_PM_MMAP_EXCLUSIVE  (1ULL << 56)
#define VMSH_PM_UFFD_WP         (1ULL << 57)
#define VMSH_PM_GUARD_REGION    (1ULL << 58)
#define VMSH_PM_FILE            (1ULL << 61)
#define VMSH_PM_SWAP            (1ULL << 62)
#define VMSH_PM_PRESENT         (1ULL << 63)

/* /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h) the
 * model keeps for a frame; VMSH_KPF_OWNER_2 is PG_anon_exclusive on an
 * anonymous page (page-types shows it as anon_exclusive). */
enum {
	VMSH_KPF_REFERENCED = 2, VMSH_KPF_UPTODATE = 3, VMSH_KPF_DIRTY = 4,
	VMSH_KPF_LRU = 5, VMSH_KPF_ACTIVE = 6, VMSH_KPF_MMAP = 11,
	VMSH_KPF_ANON = 12, VMSH_KPF_SWAPCACHE = 13, VMSH_KPF_SWAPBACKED = 14,
	VMSH_KPF_COMPOUND_HEAD = 15, VMSH_KPF_COMPOUND_TAIL = 16,
	VMSH_KPF_UNEVICTABLE = 18, VMSH_KPF_KSM = 21, VMSH_KPF_THP = 22,
	VMSH_KPF_ZERO_PAGE = 24, VMSH_KPF_IDLE = 25, VMSH_KPF_MLOCKED = 33,
	VMSH_KPF_OWNER_2 = 34,
};
/* The kpageflags bits vmsh models and prints (the others -- idle, the
 * filesystem's private bits -- are left out on both sides: see pagemap
 * in vmsh(1)). */
#define VMSH_KPF_MODELLED ((1ULL << VMSH_KPF_REFERENCED) | \
	(1ULL << VMSH_KPF_UPTODATE) | (1ULL << VMSH_KPF_DIRTY) | \
	(1ULL << VMSH_KPF_LRU) | \
	(1ULL << VMSH_KPF_ACTIVE) | (1ULL << VMSH_KPF_MMAP) | \
	(1ULL << VMSH_KPF_ANON) | (1ULL << VMSH_KPF_SWAPCACHE) | \
	(1ULL << VMSH_KPF_SWAPBACKED) | (1ULL << VMSH_KPF_COMPOUND_HEAD) | \
	(1ULL << VMSH_KPF_COMPOUND_TAIL) | (1ULL << VMSH_KPF_KSM) | \
	(1ULL << VMSH_KPF_THP) | (1ULL << VMSH_KPF_ZERO_PAGE) | \
	(1ULL << VMSH_KPF_UNEVICTABLE) | (1ULL << VMSH_KPF_MLOCKED) | \
	(1ULL << VMSH_KPF_OWNER_2))

/*
 * The pagemap entry of the page at @addr in task @pid (0: current) in
 * *@pm, and the kpageflags of its frame (present pages; else 0) in *@kpf,
 * only the VMSH_KPF_MODELLED bits.  Returns 0; 1 when @addr is at or
 * above the task's TASK_SIZE or the task has no mm (the kernel's read
 * ends there: no entry); -ESRCH (no such task).
 */
int vmsh_pagemap(const struct vmsh_sys *sys, int pid, uint64_t addr,
		 uint64_t *pm, uint64_t *kpf);

#endif /* VMSH_INCLUDE_PAGING_H */
