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

#endif /* VMSH_INCLUDE_PAGING_H */
