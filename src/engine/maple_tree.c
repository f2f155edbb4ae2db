/* SPDX-License-Identifier: MIT */
/*
 * The maple tree (maple_tree.h states the invariants), built by the
 * algorithms of Linux's lib/maple_tree.c:
 *
 *  - A store walks to the leaf holding @index and to the one holding
 *    @last and gathers, as mas_wr_bnode does in a "big node", the
 *    entries the store keeps around the new range: the part of the
 *    first leaf before @index, the new range, the part of the last leaf
 *    after @last.  NULL ranges that meet are merged (mas_wr_extend_null).
 *  - The big node replaces the run of nodes it came from (one leaf, or
 *    several for a spanning store, mas_wr_spanning_store: everything
 *    between the two leaves goes).  If it does not fit one node it is
 *    split in two, or three when it exceeds two nodes (mab_calc_split),
 *    never ending the left part on a NULL (mab_no_null_split).  If a
 *    leaf would end on a NULL that is not the tree's last range the
 *    store spans into the next leaf (mas_is_span_wr).  If the result is
 *    short of mt_min_slots and is not the root or the rightmost node of
 *    its level, it takes in its right neighbour (mas_rebalance).
 *  - The new nodes go into the parent in place of the old ones: the
 *    same replacement one level up, until a level where one node
 *    becomes one node with the same range; above it only the gaps of
 *    arange_64 nodes change (mas_update_gap).  A root that splits gets
 *    a new root above it (mas_split: the tree grows by one level); a
 *    root left with one child is replaced by that child.
 *
 * Searches descend by pivots (mas_walk, mt_find); the allocation search
 * (mas_empty_area_rev, mas_empty_area) skips children whose gap is too
 * small.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maple_tree.h"
#include "sys.h"

#define MT_BIG (MAPLE_RANGE64_SLOTS * 4 + 4)

/* One range of a big node: [previous last + 1, last] -> p. */
struct ma_ent {
	uint64_t last;
	void *p;
	uint64_t gap;          /* child's largest gap (internal levels) */
};

struct ma_big {
	struct ma_ent e[MT_BIG];
	unsigned n;
	uint64_t min;
};

/* Old nodes freed when a store is done. */
struct ma_trash {
	struct maple_node **v;  /* one[] until it overflows */
	size_t n, cap;
	struct maple_node *one[16];
};

static const unsigned char slots_of[] = {
	[maple_dense] = 0,
	[maple_leaf_64] = MAPLE_RANGE64_SLOTS,
	[maple_range_64] = MAPLE_RANGE64_SLOTS,
	[maple_arange_64] = MAPLE_ARANGE64_SLOTS,
};

static const unsigned char min_slots_of[] = {
	[maple_dense] = 0,
	[maple_leaf_64] = MAPLE_RANGE64_SLOTS / 2 - 2,
	[maple_range_64] = MAPLE_RANGE64_SLOTS / 2 - 2,
	[maple_arange_64] = MAPLE_ARANGE64_SLOTS / 2 - 1,
};

const char *mt_type_name(enum maple_type t)
{
	switch (t) {
	case maple_leaf_64: return "maple_leaf_64";
	case maple_range_64: return "maple_range_64";
	case maple_arange_64: return "maple_arange_64";
	default: return "maple_dense";
	}
}

unsigned mt_slots(enum maple_type t) { return slots_of[t]; }
unsigned mt_min_slots(enum maple_type t) { return min_slots_of[t]; }

void mt_init(struct maple_tree *mt, bool alloc_range)
{
	memset(mt, 0, sizeof(*mt));
	mt->alloc_range = alloc_range;
}

/* A store replaces a few nodes by as many new ones: keep what it frees
 * for the next (the kernel's maple nodes come from a slab cache too). */
#define MT_SPARE 16

static void node_free(struct maple_tree *mt, struct maple_node *n)
{
	mt->nodes--;
	if (mt->nspare >= MT_SPARE) {
		free(n);
		return;
	}
	n->parent = mt->spare;
	mt->spare = n;
	mt->nspare++;
}

static void free_spares(struct maple_tree *mt)
{
	while (mt->spare) {
		struct maple_node *n = mt->spare;

		mt->spare = n->parent;
		free(n);
	}
	mt->nspare = 0;
}

static void free_subtree(struct maple_tree *mt, struct maple_node *n)
{
	if (!mt_is_leaf(n))
		for (unsigned i = 0; i <= n->end; i++)
			free_subtree(mt, n->slot[i]);
	free(n);
	mt->nodes--;
}

void mtree_destroy(struct maple_tree *mt)
{
	if (mt->root)
		free_subtree(mt, mt->root);
	free_spares(mt);
	mt->root = NULL;
	mt->height = 0;
	mt->last_leaf = NULL;
}

static uint64_t slot_min(const struct maple_node *n, unsigned i)
{
	return i ? n->pivot[i - 1] + 1 : n->min;
}

/* Size of [s, e], saturating for the whole index space. */
static uint64_t range_size(uint64_t s, uint64_t e)
{
	uint64_t d = e - s;

	return d == MAPLE_MAX ? MAPLE_MAX : d + 1;
}

uint64_t mt_node_max_gap(const struct maple_node *n, uint64_t min, uint64_t max)
{
	uint64_t g = 0;

	(void)min;
	if (mt_is_leaf(n)) {
		for (unsigned i = 0; i <= n->end; i++) {
			uint64_t sz;

			if (n->slot[i])
				continue;
			sz = range_size(slot_min(n, i), mt_pivot(n, i, max));
			if (sz > g)
				g = sz;
		}
	} else if (n->type == maple_arange_64) {
		for (unsigned i = 0; i <= n->end; i++)
			if (n->gap[i] > g)
				g = n->gap[i];
	}
	return g;
}

static uint64_t node_gap(const struct maple_node *n)
{
	return mt_node_max_gap(n, n->min, n->max);
}

/* ---- walking --------------------------------------------------------------- */

/* The slot of @n whose range holds @index. */
static unsigned node_offset(const struct maple_node *n, uint64_t index)
{
	unsigned i = 0;

	while (i < n->end && n->pivot[i] < index)
		i++;
	return i;
}

/* mas_walk to the leaf holding @index: from the last walk's leaf when it
 * holds @index (a leaf's [min, max] is exactly what it maps), else from
 * the root.  The cache is not the tree's contents: lookups stay const. */
static struct maple_node *walk_leaf(const struct maple_tree *mt, uint64_t index,
				    unsigned *offset)
{
	struct maple_node *n = mt->last_leaf;

	if (!n || index < n->min || index > n->max) {
		n = mt->root;
		while (!mt_is_leaf(n))
			n = n->slot[node_offset(n, index)];
		((struct maple_tree *)mt)->last_leaf = n;
	}
	*offset = node_offset(n, index);
	return n;
}

/* The node after (before) @n on its level, or NULL. */
static struct maple_node *level_next(const struct maple_node *n)
{
	unsigned up = 0;
	const struct maple_node *c = n;

	while (c->parent && c->parent_slot == c->parent->end) {
		c = c->parent;
		up++;
	}
	if (!c->parent)
		return NULL;
	c = c->parent->slot[c->parent_slot + 1];
	while (up--)
		c = c->slot[0];
	return (struct maple_node *)c;
}

static struct maple_node *level_prev(const struct maple_node *n)
{
	unsigned up = 0;
	const struct maple_node *c = n;

	while (c->parent && c->parent_slot == 0) {
		c = c->parent;
		up++;
	}
	if (!c->parent)
		return NULL;
	c = c->parent->slot[c->parent_slot - 1];
	while (up--)
		c = c->slot[c->end];
	return (struct maple_node *)c;
}

void *mtree_load(const struct maple_tree *mt, uint64_t index, uint64_t *rmin,
		 uint64_t *rmax)
{
	struct maple_node *n;
	unsigned i;

	if (!mt->root)
		return NULL;
	n = walk_leaf(mt, index, &i);
	if (rmin)
		*rmin = slot_min(n, i);
	if (rmax)
		*rmax = mt_pivot(n, i, n->max);
	return n->slot[i];
}

void *mt_find(const struct maple_tree *mt, uint64_t index, uint64_t max,
	      uint64_t *rmin, uint64_t *rmax)
{
	struct maple_node *n;
	unsigned i;

	if (!mt->root || index > max)
		return NULL;
	n = walk_leaf(mt, index, &i);
	if (!n->slot[i]) {
		/* no two NULLs meet: the next range, if any, has an entry */
		if (i < n->end) {
			i++;
		} else {
			n = level_next(n);
			i = 0;
			if (!n)
				return NULL;
		}
	}
	if (!n->slot[i] || slot_min(n, i) > max)
		return NULL;
	if (rmin)
		*rmin = slot_min(n, i);
	if (rmax)
		*rmax = mt_pivot(n, i, n->max);
	return n->slot[i];
}

void *mt_find_rev(const struct maple_tree *mt, uint64_t index, uint64_t *rmin,
		  uint64_t *rmax)
{
	struct maple_node *n;
	unsigned i;

	if (!mt->root)
		return NULL;
	n = walk_leaf(mt, index, &i);
	if (!n->slot[i]) {
		if (i > 0) {
			i--;
		} else {
			n = level_prev(n);
			if (!n)
				return NULL;
			i = n->end;
		}
	}
	if (!n->slot[i])
		return NULL;
	if (rmin)
		*rmin = slot_min(n, i);
	if (rmax)
		*rmax = mt_pivot(n, i, n->max);
	return n->slot[i];
}

/* ---- the allocation search ------------------------------------------------- */

static bool area_rev(const struct maple_tree *mt, const struct maple_node *n,
		     uint64_t min, uint64_t max, uint64_t size,
		     uint64_t *index, uint64_t *last)
{
	for (int i = n->end; i >= 0; i--) {
		uint64_t s = slot_min(n, (unsigned)i), e = mt_pivot(n, (unsigned)i, n->max);

		if (s > max)
			continue;
		if (e < min)
			break;
		if (mt_is_leaf(n)) {
			uint64_t cs = s > min ? s : min, ce = e < max ? e : max;

			if (n->slot[i] || ce - cs < size - 1)
				continue;
			*last = ce;
			*index = ce - (size - 1);
			return true;
		}
		if (mt->alloc_range && n->gap[i] < size)
			continue;
		if (area_rev(mt, n->slot[i], min, max, size, index, last))
			return true;
	}
	return false;
}

static bool area_fwd(const struct maple_tree *mt, const struct maple_node *n,
		     uint64_t min, uint64_t max, uint64_t size,
		     uint64_t *index, uint64_t *last)
{
	for (unsigned i = 0; i <= n->end; i++) {
		uint64_t s = slot_min(n, i), e = mt_pivot(n, i, n->max);

		if (e < min)
			continue;
		if (s > max)
			break;
		if (mt_is_leaf(n)) {
			uint64_t cs = s > min ? s : min, ce = e < max ? e : max;

			if (n->slot[i] || ce - cs < size - 1)
				continue;
			*index = cs;
			*last = cs + (size - 1);
			return true;
		}
		if (mt->alloc_range && n->gap[i] < size)
			continue;
		if (area_fwd(mt, n->slot[i], min, max, size, index, last))
			return true;
	}
	return false;
}

int mas_empty_area_rev(const struct maple_tree *mt, uint64_t min, uint64_t max,
		       uint64_t size, uint64_t *index, uint64_t *last)
{
	if (min > max || !size)
		return -EINVAL;
	if (max - min < size - 1)
		return -EBUSY;
	if (!mt->root) {
		*last = max;
		*index = max - (size - 1);
		return 0;
	}
	return area_rev(mt, mt->root, min, max, size, index, last) ? 0 : -EBUSY;
}

int mas_empty_area(const struct maple_tree *mt, uint64_t min, uint64_t max,
		   uint64_t size, uint64_t *index, uint64_t *last)
{
	if (min > max || !size)
		return -EINVAL;
	if (max - min < size - 1)
		return -EBUSY;
	if (!mt->root) {
		*index = min;
		*last = min + (size - 1);
		return 0;
	}
	return area_fwd(mt, mt->root, min, max, size, index, last) ? 0 : -EBUSY;
}

/* ---- storing ---------------------------------------------------------------- */

static void big_add(struct ma_big *b, uint64_t last, void *p, uint64_t gap)
{
	/* NULL ranges that meet become one (mas_wr_extend_null) */
	if (!p && b->n && !b->e[b->n - 1].p) {
		b->e[b->n - 1].last = last;
		return;
	}
	if (b->n >= MT_BIG)
		abort();        /* a broken invariant: no store gathers this much */
	b->e[b->n].last = last;
	b->e[b->n].p = p;
	b->e[b->n].gap = gap;
	b->n++;
}

/* Slots [from, to] of @n into @b. */
static void big_add_node(struct ma_big *b, const struct maple_node *n,
			 unsigned from, unsigned to)
{
	for (unsigned i = from; i <= to && i <= n->end; i++)
		big_add(b, mt_pivot(n, i, n->max), n->slot[i],
			n->type == maple_arange_64 ? n->gap[i] : 0);
}

static void trash_add(struct ma_trash *t, struct maple_node *n)
{
	if (t->n == t->cap) {
		struct maple_node **v = xmalloc(2 * t->cap * sizeof(*v));

		memcpy(v, t->v, t->n * sizeof(*v));
		if (t->v != t->one)
			free(t->v);
		t->v = v;
		t->cap *= 2;
	}
	t->v[t->n++] = n;
}

/* A node's memory: a spare one, or new; node_build sets every field. */
static struct maple_node *node_new(struct maple_tree *mt)
{
	struct maple_node *n = mt->spare;

	if (n) {
		mt->spare = n->parent;
		mt->nspare--;
	} else {
		n = xmalloc(sizeof(*n));
	}
	mt->nodes++;
	return n;
}

/* A node of @type from entries [from, to) of @b, starting at @min; the
 * pivots, slots and gaps past them are cleared, not the whole node first
 * (a memset of its 360 bytes was a tenth of a store). */
static struct maple_node *node_build(struct maple_tree *mt, enum maple_type type,
				     const struct ma_big *b, unsigned from,
				     unsigned to, uint64_t min)
{
	struct maple_node *n = node_new(mt);
	unsigned cap = mt_slots(type), nr = to - from, i;
	unsigned pivots = nr < cap - 1 ? nr : cap - 1;
	unsigned gaps = type == maple_arange_64 ? nr : 0;

	n->parent = NULL;
	n->parent_slot = 0;
	n->type = (unsigned char)type;
	n->end = (unsigned char)(nr - 1);
	n->min = min;
	n->max = b->e[to - 1].last;
	for (i = 0; i < nr; i++) {
		const struct ma_ent *e = &b->e[from + i];

		if (i < pivots)
			n->pivot[i] = e->last;
		n->slot[i] = e->p;
		if (type != maple_leaf_64) {
			struct maple_node *c = e->p;

			c->parent = n;
			c->parent_slot = (unsigned char)i;
		}
		if (i < gaps)
			n->gap[i] = e->gap;
	}
	memset(&n->pivot[pivots], 0,
	       (MAPLE_RANGE64_SLOTS - 1 - pivots) * sizeof(n->pivot[0]));
	memset(&n->slot[nr], 0, (MAPLE_RANGE64_SLOTS - nr) * sizeof(n->slot[0]));
	memset(&n->gap[gaps], 0, (MAPLE_ARANGE64_SLOTS - gaps) * sizeof(n->gap[0]));
	return n;
}

/*
 * Where to cut @b into @k nodes (mab_calc_split): even parts, a leaf
 * part never ending on a NULL (mab_no_null_split moves the cut right
 * when the right side stays sufficient, else left).
 */
static void calc_splits(const struct ma_big *b, enum maple_type type, unsigned k,
			unsigned *cut)
{
	unsigned minfill = mt_min_slots(type) + 1, cap = mt_slots(type);

	cut[0] = 0;
	for (unsigned j = 1; j < k; j++) {
		unsigned c = b->n * j / k;

		if (type == maple_leaf_64 && !b->e[c - 1].p) {
			if (c - cut[j - 1] < cap && b->n - c > minfill)
				c++;
			else
				c--;
		}
		cut[j] = c;
	}
	cut[k] = b->n;
}

/* Set the gaps of @n's ancestors after @n's own changed (mas_update_gap). */
static void update_gaps(struct maple_node *n)
{
	while (n->parent) {
		struct maple_node *p = n->parent;
		uint64_t g = node_gap(n);

		if (p->type != maple_arange_64 || p->gap[n->parent_slot] == g)
			return;
		p->gap[n->parent_slot] = g;
		n = p;
	}
}

/* Every node of a level from @first to @last. */
static void trash_run(struct ma_trash *t, struct maple_node *first,
		      struct maple_node *last)
{
	for (struct maple_node *n = first;; n = level_next(n)) {
		trash_add(t, n);
		if (n == last)
			break;
	}
}

/*
 * Replace the run of nodes @first..@last of one level (@type) by the
 * entries of @b, then the parents, as the comment at the top says.
 */
static void run_replace(struct maple_tree *mt, struct maple_node *first,
			struct maple_node *last, struct ma_big *b,
			enum maple_type type, struct ma_trash *t)
{
	enum maple_type itype = mt->alloc_range ? maple_arange_64 : maple_range_64;
	bool rebalanced = false;        /* this level took in a neighbour */

	for (;;) {
		unsigned cap = mt_slots(type), minfill = mt_min_slots(type) + 1;
		struct maple_node *nn[8], *pf, *pl;
		unsigned cut[9], k, of, ol;
		struct ma_big up;
		bool root = !first->parent;

		/* a leaf ends on NULL only at the end of the tree */
		while (type == maple_leaf_64 && !b->e[b->n - 1].p &&
		       b->e[b->n - 1].last != MAPLE_MAX) {
			last = level_next(last);
			big_add_node(b, last, 0, last->end);
			mt->ev.spanning++;
		}
		/* too little left: take in the right neighbour (mas_rebalance) */
		if (!root && b->n < minfill && b->e[b->n - 1].last != MAPLE_MAX) {
			last = level_next(last);
			big_add_node(b, last, 0, last->end);
			mt->ev.rebalance++;
			rebalanced = true;
			continue;
		}
		/* parts of at most cap - 1 leave room for the NULL rule */
		k = b->n <= cap ? 1 : (b->n + cap - 2) / (cap - 1);
		if (k > 8)
			abort();
		if (k == 2 && !rebalanced)
			mt->ev.split++;
		else if (k > 2 && !rebalanced)
			mt->ev.split3++;
		calc_splits(b, type, k, cut);
		for (unsigned j = 0; j < k; j++)
			nn[j] = node_build(mt, type, b, cut[j], cut[j + 1],
					   j ? b->e[cut[j] - 1].last + 1 : b->min);
		trash_run(t, first, last);

		if (root) {
			struct maple_node *r;

			if (k == 1) {
				r = nn[0];
			} else {
				struct ma_big top = { .n = 0, .min = 0 };

				for (unsigned j = 0; j < k; j++)
					big_add(&top, nn[j]->max, nn[j], node_gap(nn[j]));
				r = node_build(mt, itype, &top, 0, k, 0);
				mt->height++;
				mt->ev.new_root++;
			}
			r->parent = NULL;
			r->parent_slot = 0;
			mt->root = r;
			/* a root with one child gives way to it */
			while (!mt_is_leaf(mt->root) && mt->root->end == 0) {
				struct maple_node *old = mt->root;

				mt->root = old->slot[0];
				mt->root->parent = NULL;
				mt->root->parent_slot = 0;
				node_free(mt, old);
				mt->height--;
				mt->ev.shrink++;
			}
			return;
		}
		pf = first->parent;
		pl = last->parent;
		of = first->parent_slot;
		ol = last->parent_slot;
		if (k == 1 && first == last) {
			/* same range: the parent keeps its pivots */
			pf->slot[of] = nn[0];
			nn[0]->parent = pf;
			nn[0]->parent_slot = (unsigned char)of;
			if (pf->type == maple_arange_64)
				pf->gap[of] = node_gap(nn[0]);
			update_gaps(pf);
			return;
		}
		up.n = 0;
		up.min = pf->min;
		if (of)
			big_add_node(&up, pf, 0, of - 1);
		for (unsigned j = 0; j < k; j++)
			big_add(&up, nn[j]->max, nn[j], node_gap(nn[j]));
		big_add_node(&up, pl, ol + 1, pl->end);
		*b = up;
		first = pf;
		last = pl;
		type = itype;
		rebalanced = false;
	}
}

static void store_range(struct maple_tree *mt, uint64_t index, uint64_t last,
			void *entry)
{
	struct ma_trash t;      /* no initializer: one[] is not cleared */
	struct maple_node *lf, *ll;
	struct ma_big big, *b = &big;
	unsigned i, j;

	t.v = t.one;
	t.n = 0;
	t.cap = sizeof(t.one) / sizeof(t.one[0]);

	memset(&mt->ev, 0, sizeof(mt->ev));
	if (index > last)
		abort();
	big.n = 0;
	big.min = 0;
	if (!mt->root) {
		if (!entry)
			return;
		if (index)
			big_add(b, index - 1, NULL, 0);
		big_add(b, last, entry, 0);
		if (last != MAPLE_MAX)
			big_add(b, MAPLE_MAX, NULL, 0);
		mt->root = node_build(mt, maple_leaf_64, b, 0, b->n, 0);
		mt->height = 1;
		mt->ev.new_root++;
		return;
	}
	lf = walk_leaf(mt, index, &i);
	ll = walk_leaf(mt, last, &j);
	if (lf != ll)
		mt->ev.spanning++;
	b->min = lf->min;
	if (i)
		big_add_node(b, lf, 0, i - 1);
	if (slot_min(lf, i) < index)
		big_add(b, index - 1, lf->slot[i], 0);
	big_add(b, last, entry, 0);
	if (mt_pivot(ll, j, ll->max) > last)
		big_add(b, mt_pivot(ll, j, ll->max), ll->slot[j], 0);
	big_add_node(b, ll, j + 1, ll->end);
	run_replace(mt, lf, ll, b, maple_leaf_64, &t);
	for (size_t k = 0; k < t.n; k++)
		node_free(mt, t.v[k]);
	if (t.v != t.one)
		free(t.v);
	/* everything erased: the tree is empty again */
	if (mt_is_leaf(mt->root) && mt->root->end == 0 && !mt->root->slot[0]) {
		free(mt->root);
		mt->nodes--;
		mt->root = NULL;
		mt->height = 0;
		free_spares(mt);
	}
}

void mtree_store_range(struct maple_tree *mt, uint64_t index, uint64_t last,
		       void *entry)
{
	store_range(mt, index, last, entry);
	mt->last_leaf = NULL;   /* it may be one the store freed */
}

/* ---- visiting and validating ----------------------------------------------- */

static void walk_nodes(const struct maple_node *n, unsigned level,
		       mt_node_fn *fn, void *ctx)
{
	fn(ctx, n, level, n->min, n->max);
	if (!mt_is_leaf(n))
		for (unsigned i = 0; i <= n->end; i++)
			walk_nodes(n->slot[i], level + 1, fn, ctx);
}

void mt_walk_nodes(const struct maple_tree *mt, mt_node_fn *fn, void *ctx)
{
	if (mt->root)
		walk_nodes(mt->root, 0, fn, ctx);
}

static int for_each(const struct maple_node *n, mt_entry_fn *fn, void *ctx)
{
	int r;

	for (unsigned i = 0; i <= n->end; i++) {
		if (!mt_is_leaf(n))
			r = for_each(n->slot[i], fn, ctx);
		else if (n->slot[i])
			r = fn(ctx, slot_min(n, i), mt_pivot(n, i, n->max), n->slot[i]);
		else
			r = 0;
		if (r)
			return r;
	}
	return 0;
}

int mt_for_each(const struct maple_tree *mt, mt_entry_fn *fn, void *ctx)
{
	return mt->root ? for_each(mt->root, fn, ctx) : 0;
}

struct mt_vstate {
	char *why;
	size_t size;
	int problems;
	size_t nodes;
	bool have_last;
	bool last_null;        /* the previous leaf range held NULL */
};

/* Count a problem; the first one is described in v->why. */
#define vproblem(v, fmt, a, b) do { \
	if (!(v)->problems++ && (v)->why) \
		snprintf((v)->why, (v)->size, fmt, (unsigned long long)(a), \
			 (unsigned long long)(b)); \
} while (0)

/* Check @n covering [min, max] at @depth; returns its largest gap. */
static uint64_t validate_node(const struct maple_tree *mt,
			      const struct maple_node *n, uint64_t min,
			      uint64_t max, unsigned depth, struct mt_vstate *v)
{
	enum maple_type want = depth + 1 == mt->height ? maple_leaf_64 :
		mt->alloc_range ? maple_arange_64 : maple_range_64;
	uint64_t gap = 0;

	v->nodes++;
	if (n->type != want) {
		vproblem(v, "maple node [%#llx, %#llx]: wrong kind for its level",
			 min, max);
		return 0;
	}
	if (n->min != min || n->max != max)
		vproblem(v, "maple node [%#llx, %#llx]: range not its parent slot's",
			 n->min, n->max);
	if (n->end >= mt_slots(n->type)) {
		vproblem(v, "maple node [%#llx, %#llx]: too many slots", min, max);
		return 0;
	}
	if (n->parent && n->max != MAPLE_MAX && n->end < mt_min_slots(n->type))
		vproblem(v, "maple node [%#llx, %#llx]: insufficient data", min, max);
	for (unsigned i = 0; i <= n->end; i++) {
		uint64_t s = slot_min(n, i), e = mt_pivot(n, i, max);

		if (i < n->end && (n->pivot[i] < s || n->pivot[i] >= max))
			vproblem(v, "maple node [%#llx, %#llx]: pivots not ascending",
				 min, max);
		if (i == n->end && i < mt_slots(n->type) - 1 && n->pivot[i] != max)
			vproblem(v, "maple node [%#llx, %#llx]: last pivot is not the maximum",
				 min, max);
		if (mt_is_leaf(n)) {
			if (!n->slot[i]) {
				uint64_t sz = range_size(s, e);

				if (v->have_last && v->last_null)
					vproblem(v, "maple tree: sequential NULLs end at %#llx%.0llx",
						 e, 0);
				if (sz > gap)
					gap = sz;
			}
			v->have_last = true;
			v->last_null = !n->slot[i];
			continue;
		}
		{
			const struct maple_node *c = n->slot[i];
			uint64_t cg;

			if (!c) {
				vproblem(v, "maple node [%#llx, %#llx]: empty child slot",
					 min, max);
				continue;
			}
			if (c->parent != n || c->parent_slot != i)
				vproblem(v, "maple node [%#llx, %#llx]: bad parent link",
					 s, e);
			cg = validate_node(mt, c, s, e, depth + 1, v);
			if (n->type == maple_arange_64 && n->gap[i] != cg)
				vproblem(v, "maple node [%#llx, %#llx]: gap is wrong", s, e);
			if (cg > gap)
				gap = cg;
		}
	}
	if (mt_is_leaf(n) && !n->slot[n->end] && max != MAPLE_MAX)
		vproblem(v, "maple leaf [%#llx, %#llx]: ends on NULL", min, max);
	return gap;
}

int mt_validate(const struct maple_tree *mt, char *why, size_t size)
{
	struct mt_vstate v = { .why = why, .size = size };

	if (why && size)
		why[0] = '\0';
	if (!mt->root) {
		if (mt->height || mt->nodes)
			vproblem(&v, "maple tree: empty with height %llu, %llu nodes",
				 mt->height, mt->nodes);
		return v.problems;
	}
	if (mt->root->parent)
		vproblem(&v, "maple tree: the root has a parent%.0llx%.0llx", 0, 0);
	validate_node(mt, mt->root, 0, MAPLE_MAX, 0, &v);
	if (v.nodes != mt->nodes)
		vproblem(&v, "maple tree: %llu nodes reachable, %llu allocated",
			 v.nodes, mt->nodes);
	return v.problems;
}
