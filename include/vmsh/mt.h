/* SPDX-License-Identifier: MIT */
/*
 * The maple tree of an mm (the index Linux 6.1+ keeps its VMAs in), as
 * the engine shows it to the views: node by node, level by level.  Part
 * of the engine's public API (vmsh.h); the strings live as long as the
 * machine.
 */
#ifndef VMSH_INCLUDE_VMSH_MT_H
#define VMSH_INCLUDE_VMSH_MT_H

#include <stdbool.h>
#include <stdint.h>

#include "vmsh/vmsh.h"

#define VMSH_MT_SLOTS 16

struct vmsh_mt_node {
	unsigned id;                    /* number in level order, root 0 */
	unsigned level;                 /* 0 = root */
	unsigned parent, parent_slot;   /* the parent's id and slot (root: 0, 0) */
	const char *kind;               /* "maple_leaf_64", "maple_arange_64", ... */
	unsigned slots, min_slots;      /* the kind's slot count and minimum */
	uint64_t min, max;              /* the range the node covers */
	unsigned nr;                    /* used slots */
	bool leaf, has_gaps;
	uint64_t first[VMSH_MT_SLOTS];  /* slot i covers [first[i], pivot[i]] */
	uint64_t pivot[VMSH_MT_SLOTS];  /* the last is the node's max (implied or stored) */
	uint64_t gap[VMSH_MT_SLOTS];    /* arange_64: the child's largest gap;
	                                   leaf: the size of a NULL slot, else 0 */
	bool entry[VMSH_MT_SLOTS];      /* leaf: slot holds a VMA (else NULL) */
	unsigned child[VMSH_MT_SLOTS];  /* internal: the child's id */
};

/* The tree's height and number of nodes; -ESRCH for an unknown pid. */
int vmsh_mt_info(const struct vmsh_sys *sys, int pid, unsigned *height,
		 unsigned *nodes);
/* Every node of @pid's maple tree in level order (root first, each level
 * left to right); stops when @fn returns non-zero.  -ESRCH. */
typedef int vmsh_mt_fn(void *ctx, const struct vmsh_mt_node *n);
int vmsh_mt_walk(const struct vmsh_sys *sys, int pid, vmsh_mt_fn *fn, void *ctx);

#endif /* VMSH_INCLUDE_VMSH_MT_H */
