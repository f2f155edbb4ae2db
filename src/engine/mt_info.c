/* SPDX-License-Identifier: MIT */
/*
 * The maple tree's public view (include/vmsh/mt.h): its nodes in level
 * order with their pivots, slots and gaps.  Reads the model, never
 * changes it.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "maple_tree.h"
#include "mm.h"
#include "sys.h"
#include "task.h"
#include "vmsh/mt.h"

struct mt_list {
	const struct maple_node **v;
	unsigned *level;
	size_t n, cap;
};

static void collect(void *ctx, const struct maple_node *n, unsigned level,
		    uint64_t min, uint64_t max)
{
	struct mt_list *l = ctx;

	(void)min; (void)max;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 32;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
		l->level = xrealloc(l->level, l->cap * sizeof(*l->level));
	}
	l->v[l->n] = n;
	l->level[l->n++] = level;
}

int vmsh_mt_info(const struct vmsh_sys *sys, int pid, unsigned *height,
		 unsigned *nodes)
{
	struct vmsh_mm *mm = mm_of_pid(sys, pid);

	if (!mm)
		return -ESRCH;
	*height = mm->mm_mt.height;
	*nodes = (unsigned)mm->mm_mt.nodes;
	return 0;
}

/* Level order from pre-order: a stable pass per level keeps each
 * level's nodes left to right. */
static void level_order(struct mt_list *l, const struct maple_node **out,
			unsigned *levels)
{
	size_t k = 0;
	unsigned maxl = 0;

	for (size_t i = 0; i < l->n; i++)
		if (l->level[i] > maxl)
			maxl = l->level[i];
	for (unsigned lv = 0; lv <= maxl; lv++)
		for (size_t i = 0; i < l->n; i++)
			if (l->level[i] == lv) {
				levels[k] = lv;
				out[k++] = l->v[i];
			}
}

static int by_ptr(const void *a, const void *b)
{
	const struct maple_node *const *x = a, *const *y = b;

	return *x < *y ? -1 : *x > *y;
}

struct ptr_id {
	const struct maple_node *p;
	unsigned id;
};

static unsigned id_of(const struct ptr_id *ids, size_t n, const struct maple_node *p)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ids[mid].p < p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && ids[lo].p == p ? ids[lo].id : 0;
}

int vmsh_mt_walk(const struct vmsh_sys *sys, int pid, vmsh_mt_fn *fn, void *ctx)
{
	struct vmsh_mm *mm = mm_of_pid(sys, pid);
	struct mt_list l = { 0 };
	const struct maple_node **ord;
	struct ptr_id *ids;
	unsigned *levels;
	int ret = 0;

	if (!mm)
		return -ESRCH;
	mt_walk_nodes(&mm->mm_mt, collect, &l);
	if (!l.n)
		return 0;
	ord = xcalloc(l.n, sizeof(*ord));
	ids = xcalloc(l.n, sizeof(*ids));
	levels = xcalloc(l.n, sizeof(*levels));
	level_order(&l, ord, levels);
	for (size_t i = 0; i < l.n; i++) {
		ids[i].p = ord[i];
		ids[i].id = (unsigned)i;
	}
	qsort(ids, l.n, sizeof(*ids), by_ptr);
	for (size_t i = 0; i < l.n && !ret; i++) {
		const struct maple_node *n = ord[i];
		struct vmsh_mt_node v;

		memset(&v, 0, sizeof(v));
		v.id = (unsigned)i;
		v.level = levels[i];
		v.parent = n->parent ? id_of(ids, l.n, n->parent) : 0;
		v.parent_slot = n->parent ? n->parent_slot : 0;
		v.kind = mt_type_name(n->type);
		v.slots = mt_slots(n->type);
		v.min_slots = mt_min_slots(n->type);
		v.min = n->min;
		v.max = n->max;
		v.nr = n->end + 1u;
		v.leaf = mt_is_leaf(n);
		v.has_gaps = n->type == maple_arange_64 || v.leaf;
		for (unsigned s = 0; s <= n->end; s++) {
			v.first[s] = s ? n->pivot[s - 1] + 1 : n->min;
			v.pivot[s] = mt_pivot(n, s, n->max);
			if (v.leaf) {
				v.entry[s] = n->slot[s] != NULL;
				if (!n->slot[s])
					v.gap[s] = v.pivot[s] - v.first[s] + 1;
			} else {
				v.child[s] = id_of(ids, l.n, n->slot[s]);
				if (n->type == maple_arange_64)
					v.gap[s] = n->gap[s];
			}
		}
		ret = fn(ctx, &v);
	}
	free(levels);
	free(ids);
	free(ord);
	free(l.v);
	free(l.level);
	return ret;
}
