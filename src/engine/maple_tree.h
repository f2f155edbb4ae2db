/* SPDX-License-Identifier: MIT */
/*
 * A maple tree (maple_tree.c, after the design of Linux's lib/maple_tree.c):
 * a B-tree of ranges [index, last] -> entry over the whole of [0, 2^64-1],
 * where every index belongs to exactly one range and a range with no
 * entry holds NULL.  Since Linux 6.1 it holds the VMAs of an mm.
 *
 * Node kinds (the kernel's names and sizes):
 *   maple_leaf_64    16 slots of entries, 15 pivots;
 *   maple_range_64   16 slots of child nodes, 15 pivots;
 *   maple_arange_64  10 slots of child nodes, 9 pivots, 10 gaps: the
 *                    largest NULL range below each child, for the
 *                    allocation search (trees made with alloc_range).
 * Slot i of a node covering [min, max] covers [pivot[i-1] + 1, pivot[i]]
 * (pivot[-1] + 1 = min); the last used slot ends at max, which is stored
 * as its pivot unless it is the node's last slot (the implied maximum).
 *
 * Invariants (the ones Linux's mt_validate checks; mt_validate() below):
 *  - pivots strictly ascending inside [min, max], the last used slot
 *    ending at max; every child's range is its parent slot's range;
 *  - all leaves at the same depth (the tree's height);
 *  - a node other than the root and other than the rightmost one of its
 *    level holds at least mt_min_slots + 1 entries (7 for the 64-bit
 *    nodes, 5 for arange_64);
 *  - no two NULL ranges are adjacent, even across leaves: a leaf ends on
 *    a NULL only when it is the rightmost one;
 *  - every gap of an arange_64 node is the largest NULL range below
 *    that child.
 *
 * Layering: a floor file (like rbtree.c): it allocates its nodes with
 * xcalloc and calls nothing else of the engine; it knows nothing of VMAs.
 * Differences from Linux: no RCU (nodes are freed at once), no dense
 * nodes and no single-entry root pointer (the root is always a node).
 */
#ifndef VMSH_SRC_ENGINE_MAPLE_TREE_H
#define VMSH_SRC_ENGINE_MAPLE_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAPLE_RANGE64_SLOTS  16
#define MAPLE_ARANGE64_SLOTS 10
#define MAPLE_MAX            UINT64_MAX

enum maple_type { maple_dense, maple_leaf_64, maple_range_64, maple_arange_64 };

struct maple_node {
	struct maple_node *parent;             /* NULL for the root */
	unsigned char parent_slot;
	unsigned char type;                    /* enum maple_type */
	unsigned char end;                     /* offset of the last used slot */
	/* The range the node covers.  Linux derives it from the parent's
	 * pivots while walking; vmsh caches it (a node's range never changes:
	 * a store builds new nodes for every range it alters). */
	uint64_t min, max;
	uint64_t pivot[MAPLE_RANGE64_SLOTS - 1];
	void *slot[MAPLE_RANGE64_SLOTS];       /* entries, or child nodes */
	uint64_t gap[MAPLE_ARANGE64_SLOTS];    /* arange_64 only */
};

/* What the last store did, for the trace (reset by every store). */
struct maple_events {
	unsigned split, split3, push, rebalance, spanning, new_root, shrink;
};

struct maple_tree {
	struct maple_node *root;               /* NULL: empty */
	bool alloc_range;                      /* MT_FLAGS_ALLOC_RANGE */
	unsigned height;                       /* levels; 0 when empty */
	size_t nodes;                          /* nodes allocated */
	struct maple_events ev;
	/* nodes a store freed, kept for the next store's new ones (at
	 * most MT_SPARE; none while the tree is empty) */
	struct maple_node *spare;
	unsigned nspare;
	/* The leaf the last walk ended in (a cache, as a maple state kept
	 * across calls: an mmap looks up the same place three times before
	 * it stores there); forgotten by every store. */
	struct maple_node *last_leaf;
};

void mt_init(struct maple_tree *mt, bool alloc_range);
/* Free every node (the entries belong to the caller). */
void mtree_destroy(struct maple_tree *mt);

/* mas_store of [index, last] = entry (NULL erases); index <= last. */
void mtree_store_range(struct maple_tree *mt, uint64_t index, uint64_t last,
		       void *entry);
/* The entry at @index (NULL: none); its range in *rmin, *rmax if asked. */
void *mtree_load(const struct maple_tree *mt, uint64_t index, uint64_t *rmin,
		 uint64_t *rmax);
/* mt_find: the first entry whose range ends at or after @index and starts
 * at or before @max; its range in *rmin, *rmax. */
void *mt_find(const struct maple_tree *mt, uint64_t index, uint64_t max,
	      uint64_t *rmin, uint64_t *rmax);
/* The last entry whose range starts at or before @index (mt_prev-like). */
void *mt_find_rev(const struct maple_tree *mt, uint64_t index, uint64_t *rmin,
		  uint64_t *rmax);

/*
 * mas_empty_area_rev / mas_empty_area: the highest (lowest) NULL range
 * that holds @size indices inside [min, max] (inclusive), pruned by the
 * arange_64 gaps.  On success 0 with [*index, *last] the found area:
 * *last is the gap's end clipped to @max (its start clipped to @min for
 * the lowest search, *last = *index + size - 1).  -EBUSY when there is
 * none, -EINVAL when min > max or size is 0.
 */
int mas_empty_area_rev(const struct maple_tree *mt, uint64_t min, uint64_t max,
		       uint64_t size, uint64_t *index, uint64_t *last);
int mas_empty_area(const struct maple_tree *mt, uint64_t min, uint64_t max,
		   uint64_t size, uint64_t *index, uint64_t *last);

/* Kind name ("maple_leaf_64", ...), slot count and minimum fill. */
const char *mt_type_name(enum maple_type t);
unsigned mt_slots(enum maple_type t);
unsigned mt_min_slots(enum maple_type t);
static inline bool mt_is_leaf(const struct maple_node *n) { return n->type == maple_leaf_64; }
/* The pivot ending slot @i of a node covering up to @max. */
static inline uint64_t mt_pivot(const struct maple_node *n, unsigned i, uint64_t max)
{
	return i == n->end ? max : n->pivot[i];
}
/* The largest NULL range below @n covering [min, max]. */
uint64_t mt_node_max_gap(const struct maple_node *n, uint64_t min, uint64_t max);

/*
 * mt_validate: check the invariants above.  0 when they hold, else the
 * number of problems, the first one described in @why (may be NULL).
 */
int mt_validate(const struct maple_tree *mt, char *why, size_t size);

/* Pre-order visit of every node with its level (0 = root) and range. */
typedef void mt_node_fn(void *ctx, const struct maple_node *n, unsigned level,
			uint64_t min, uint64_t max);
void mt_walk_nodes(const struct maple_tree *mt, mt_node_fn *fn, void *ctx);
/* Every non-NULL entry in order with its range; stops when @fn returns
 * non-zero and returns that. */
typedef int mt_entry_fn(void *ctx, uint64_t first, uint64_t last, void *entry);
int mt_for_each(const struct maple_tree *mt, mt_entry_fn *fn, void *ctx);

#endif /* VMSH_SRC_ENGINE_MAPLE_TREE_H */
