/* SPDX-License-Identifier: MIT */
/*
 * VMAs: the maple tree, the red-black tree and the sorted list of an mm,
 * find_vma, the rb_subtree_gap augmentation, and the merge/split
 * primitives (mm/vma.c: vma_merge_new_range, vma_merge_existing_range,
 * vma_expand, split_vma, vma_modify).
 *
 * Invariants kept:
 *  - mm->mm_mt (the maple tree, Linux 6.1+) maps exactly the ranges
 *    [vm_start, vm_end - 1] of the VMAs to them once a call is done, and
 *    mm->mm_rb (the pre-6.1 red-black tree) holds the same VMAs as the
 *    vm_next/vm_prev list, sorted by vm_start, non-overlapping;
 *    map_count is their number; find_vma searches the maple tree;
 *  - unless mm->rb_gaps_stale, every node's rb_subtree_gap = max(gap
 *    before the VMA, children's rb_subtree_gap), where the gap before is
 *    vm_start - prev->vm_end (vm_start for the first VMA);
 *  - mm->mmap_cache is NULL or a linked VMA;
 *  - a VMA holds one reference on its anon_vma and one on its vm_file.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "anon_vma.h"
#include "file.h"
#include "huge_memory.h"
#include "mm.h"
#include "phys.h"
#include "rbtree.h"
#include "sys.h"
#include "vm_flags.h"
#include "vma.h"

/* ---- the augmented tree ------------------------------------------------- */

static uint64_t vma_gap_before(const struct vmsh_vma *vma)
{
	return vma->vm_start - (vma->vm_prev ? vma->vm_prev->vm_end : 0);
}

static uint64_t vma_compute_subtree_gap(const struct vmsh_vma *vma)
{
	uint64_t gap = vma_gap_before(vma), sub;

	if (vma->vm_rb.rb_left) {
		sub = rb_entry(vma->vm_rb.rb_left, struct vmsh_vma, vm_rb)->rb_subtree_gap;
		if (sub > gap)
			gap = sub;
	}
	if (vma->vm_rb.rb_right) {
		sub = rb_entry(vma->vm_rb.rb_right, struct vmsh_vma, vm_rb)->rb_subtree_gap;
		if (sub > gap)
			gap = sub;
	}
	return gap;
}

/* The gaps are kept lazily: nothing but the views of the tree (tree,
 * dot, json) and the checker reads them (get_unmapped_area searches the
 * maple tree), so a change only marks them stale, and the next view
 * recomputes them all in one pass.  A propagation per change walked to
 * the root, a cache miss per level with 65k VMAs (issue 13). */
void vma_gap_update(struct vmsh_vma *vma)
{
	vma->vm_mm->sys->gap_updates++;
	vma->vm_mm->rb_gaps_stale = true;
}

static void gaps_refresh(struct vmsh_sys *sys, struct rb_node *rb)
{
	struct vmsh_vma *v;

	if (!rb)
		return;
	gaps_refresh(sys, rb->rb_left);
	gaps_refresh(sys, rb->rb_right);
	v = rb_entry(rb, struct vmsh_vma, vm_rb);
	v->rb_subtree_gap = vma_compute_subtree_gap(v);
	sys->steps++;
}

void vma_gaps_refresh(struct vmsh_mm *mm)
{
	if (!mm->rb_gaps_stale)
		return;
	gaps_refresh(mm->sys, mm->mm_rb.rb_node);
	mm->rb_gaps_stale = false;
}

/* ---- the maple tree (mm->mm_mt) ------------------------------------------ */

/* mas_store_prealloc of [start, last] = @vma (NULL erases), traced with
 * what the store did to the tree. */
static void mt_store(struct vmsh_mm *mm, uint64_t start, uint64_t last,
		     struct vmsh_vma *vma)
{
	const struct maple_events *ev = &mm->mm_mt.ev;

	mtree_store_range(&mm->mm_mt, start, last, vma);
	if (!tracing(mm->sys) || mm->mt_dup)
		return;
	trace(mm->sys, "mas_store_prealloc [%#lx, %#lx] %s", UL(start), UL(last),
	      vma ? "vma" : "NULL");
	if (ev->spanning)
		trace(mm->sys, "mas_wr_spanning_store");
	if (ev->rebalance)
		trace(mm->sys, "mas_rebalance x%u", ev->rebalance);
	if (ev->split)
		trace(mm->sys, "mas_split x%u", ev->split);
	if (ev->split3)
		trace(mm->sys, "mas_split (3-way) x%u", ev->split3);
	if (ev->new_root && mm->mm_mt.height > 1)
		trace(mm->sys, "mas_split: new root, height %u", mm->mm_mt.height);
	if (ev->shrink)
		trace(mm->sys, "mas_rebalance: root replaced, height %u",
		      mm->mm_mt.height);
}

/* Erase from the maple tree the parts of [start, end) that still map
 * @vma (a neighbour may already have stored itself over the rest). */
static void mt_erase_if(struct vmsh_mm *mm, uint64_t start, uint64_t end,
			struct vmsh_vma *vma)
{
	while (start < end) {
		uint64_t lo, hi, stop;
		void *e = mtree_load(&mm->mm_mt, start, &lo, &hi);

		if (!mm->mm_mt.root)
			return;
		stop = hi < end - 1 ? hi : end - 1;
		if (e == vma)
			mt_store(mm, start, stop, NULL);
		if (stop == UINT64_MAX)
			return;
		start = stop + 1;
	}
}

void vma_iter_clear(struct vmsh_mm *mm, uint64_t start, uint64_t end)
{
	if (mm->mm_mt.root && start < end)
		mt_store(mm, start, end - 1, NULL);
}

/* Make the maple tree hold @vma's current range. */
static void mt_sync(struct vmsh_vma *vma)
{
	struct vmsh_mm *mm = vma->vm_mm;
	uint64_t os = vma->mt_start, oe = vma->mt_end;

	if (!oe || (os == vma->vm_start && oe == vma->vm_end))
		return;        /* not linked, or unchanged */
	if (os < vma->vm_start)
		mt_erase_if(mm, os, oe < vma->vm_start ? oe : vma->vm_start, vma);
	if (oe > vma->vm_end)
		mt_erase_if(mm, os > vma->vm_end ? os : vma->vm_end, oe, vma);
	/* grown: one store of the whole new range (vma_iter_store), so
	 * the VMA stays one range; only shrunk: what it keeps maps it */
	if (vma->vm_start < os || vma->vm_end > oe)
		mt_store(mm, vma->vm_start, vma->vm_end - 1, vma);
	vma->mt_start = vma->vm_start;
	vma->mt_end = vma->vm_end;
}

void vma_bounds_changed(struct vmsh_vma *vma)
{
	/* a huge PMD the new bounds cut through is split */
	vma_adjust_trans_huge(vma);
	vma_gap_update(vma);
	if (vma->vm_next)
		vma_gap_update(vma->vm_next);
	mt_sync(vma);
	vma_interval_tree_sync(vma);
}

/* find_vma(): the first VMA ending above @addr, from the maple tree
 * (mt_find, as Linux 6.1+ does). */
struct vmsh_vma *find_vma(struct vmsh_mm *mm, uint64_t addr)
{
	struct vmsh_vma *cached = mm->mmap_cache, *found;

	if (cached && cached->vm_start <= addr && addr < cached->vm_end)
		return cached;
	found = mt_find(&mm->mm_mt, addr, UINT64_MAX, NULL, NULL);
	if (found)
		mm->mmap_cache = found;
	return found;
}

struct vmsh_vma *find_vma_prev(struct vmsh_mm *mm, uint64_t addr,
			       struct vmsh_vma **pprev)
{
	struct vmsh_vma *vma = find_vma(mm, addr);

	if (vma)
		*pprev = vma->vm_prev;
	else
		*pprev = mt_find_rev(&mm->mm_mt, UINT64_MAX, NULL, NULL);
	return vma;
}

struct vmsh_vma *find_vma_intersection(struct vmsh_mm *mm, uint64_t start,
				       uint64_t end)
{
	struct vmsh_vma *vma = find_vma(mm, start);

	if (vma && end <= vma->vm_start)
		vma = NULL;
	return vma;
}

struct vmsh_vma *vma_lookup(struct vmsh_mm *mm, uint64_t addr)
{
	struct vmsh_vma *vma = find_vma(mm, addr);

	if (vma && addr < vma->vm_start)
		vma = NULL;
	return vma;
}

struct vmsh_vma *vma_alloc(struct vmsh_mm *mm)
{
	struct vmsh_vma *vma = xcalloc(1, sizeof(*vma));

	vma->vm_mm = mm;
	return vma;
}

void vma_free(struct vmsh_vma *vma)
{
	free(vma);
}

struct vmsh_vma *vm_area_dup(struct vmsh_vma *vma)
{
	struct vmsh_vma *new = vma_alloc(vma->vm_mm);

	*new = *vma;
	memset(&new->vm_rb, 0, sizeof(new->vm_rb));
	new->mt_start = new->mt_end = 0;
	memset(&new->shared_rb, 0, sizeof(new->shared_rb));
	new->shared_linked = false;
	new->vm_next = new->vm_prev = NULL;
	if (new->anon_vma)
		anon_vma_get(new->anon_vma);
	if (new->vm_file)
		file_get(new->vm_file);
	return new;
}

/*
 * The neighbours @vma goes between, from the maple tree, and its slot in
 * the red-black tree without a descent from the root: the slot of a new
 * key is unique, the right child of its in-order predecessor if that is
 * free, else the left child of its successor.  False when the maple tree
 * does not give list neighbours that bracket @vma (a caller between two
 * steps of an update): then the caller descends.
 */
static bool link_by_neighbours(struct vmsh_mm *mm, struct vmsh_vma *vma,
			       struct vmsh_vma **pprev, struct rb_node **pparent,
			       struct rb_node ***plink)
{
	struct vmsh_vma *c = mt_find(&mm->mm_mt, vma->vm_start, UINT64_MAX,
				     NULL, NULL);
	struct vmsh_vma *prev, *next;

	if (!c)
		c = mt_find_rev(&mm->mm_mt, UINT64_MAX, NULL, NULL);
	/* a linked VMA (the tree may still map an old range to it: split) */
	if (!c || (c->vm_prev ? c->vm_prev->vm_next != c : mm->mmap != c))
		return false;
	if (c->vm_end <= vma->vm_start) {
		prev = c;
		next = c->vm_next;
	} else if (c->vm_start >= vma->vm_end) {
		next = c;
		prev = c->vm_prev;
	} else {
		return false;
	}
	if ((prev && prev->vm_end > vma->vm_start) ||
	    (next && next->vm_start < vma->vm_end))
		return false;
	*pprev = prev;
	if (prev && !prev->vm_rb.rb_right) {
		*pparent = &prev->vm_rb;
		*plink = &prev->vm_rb.rb_right;
	} else if (next && !next->vm_rb.rb_left) {
		*pparent = &next->vm_rb;
		*plink = &next->vm_rb.rb_left;
	} else {
		return false;
	}
	return true;
}

void vma_link(struct vmsh_mm *mm, struct vmsh_vma *vma)
{
	struct rb_node **link = &mm->mm_rb.rb_node, *parent = NULL;
	struct vmsh_vma *prev = NULL, *next;

	if (!mm->mm_rb.rb_node ||
	    !link_by_neighbours(mm, vma, &prev, &parent, &link)) {
		prev = NULL;
		parent = NULL;
		link = &mm->mm_rb.rb_node;
		while (*link) {
			struct vmsh_vma *v = rb_entry(*link, struct vmsh_vma,
						      vm_rb);

			parent = *link;
			mm->sys->steps++;
			if (vma->vm_start < v->vm_start) {
				link = &parent->rb_left;
			} else {
				prev = v;
				link = &parent->rb_right;
			}
		}
	}
	next = prev ? prev->vm_next : mm->mmap;
	vma->vm_prev = prev;
	vma->vm_next = next;
	if (prev)
		prev->vm_next = vma;
	else
		mm->mmap = vma;
	if (next)
		next->vm_prev = vma;
	vma->vm_mm = mm;
	rb_link_node(&vma->vm_rb, parent, link);
	vma->rb_subtree_gap = 0;
	vma_gap_update(vma);
	rb_insert_color(&vma->vm_rb, &mm->mm_rb);
	mt_store(mm, vma->vm_start, vma->vm_end - 1, vma);
	vma->mt_start = vma->vm_start;
	vma->mt_end = vma->vm_end;
	vma_interval_tree_insert(vma);
	mm->map_count++;
}

void vma_unlink(struct vmsh_mm *mm, struct vmsh_vma *vma)
{
	struct vmsh_vma *prev = vma->vm_prev, *next = vma->vm_next;

	rb_erase(&vma->vm_rb, &mm->mm_rb);
	vma_interval_tree_remove(vma);
	mt_erase_if(mm, vma->mt_start, vma->mt_end, vma);
	vma->mt_start = vma->mt_end = 0;
	if (prev)
		prev->vm_next = next;
	else
		mm->mmap = next;
	if (next) {
		next->vm_prev = prev;
		vma_gap_update(next);
	}
	if (mm->mmap_cache == vma)
		mm->mmap_cache = NULL;
	vma->vm_next = vma->vm_prev = NULL;
	mm->map_count--;
}

bool vma_is_anonymous(const struct vmsh_vma *vma)
{
	return vma->vm_ops == NULL;
}

/* ---- merging -------------------------------------------------------------- */

/*
 * is_mergeable_anon_vma() of Linux >= 6.16: @src is the VMA whose
 * attributes change (NULL for a new range), @src_anon its anon_vma (the
 * new range's), @tgt the neighbour merged with.
 */
static bool merge_anon_ok(const struct vmsh_vma *src, struct anon_vma *src_anon,
			  const struct vmsh_vma *tgt)
{
	if (!tgt->anon_vma && src_anon)
		return !vma_had_uncowed_parents(src);
	if (tgt->anon_vma && !src_anon)
		return !vma_had_uncowed_parents(tgt);
	return src_anon == tgt->anon_vma;
}

static bool mergeable_attrs(const struct vmsh_vma *v, const struct vmg *g)
{
	/* VM_IGNORE_MERGE: the sticky flags (VM_SOFTDIRTY, VM_MAYBE_GUARD)
	 * do not prevent a merge; the merged VMA keeps them (vma_expand) */
	return !((v->vm_flags ^ g->flags) & ~(VM_SOFTDIRTY | VM_MAYBE_GUARD)) &&
	       v->vm_file == g->file;
}

/* can_vma_merge_after(): the range can be appended to prev. */
static bool can_merge_left(const struct vmg *g)
{
	const struct vmsh_vma *prev = g->prev;

	return prev && prev->vm_end == g->start && mergeable_attrs(prev, g) &&
	       merge_anon_ok(g->middle, g->anon_vma, prev) &&
	       prev->vm_pgoff + vma_pages(prev) == g->pgoff;
}

/* can_vma_merge_before() and the prev/next anon_vma compatibility. */
static bool can_merge_right(const struct vmg *g, bool left)
{
	const struct vmsh_vma *next = g->next;

	if (!next || g->end != next->vm_start || !mergeable_attrs(next, g) ||
	    !merge_anon_ok(g->middle, g->anon_vma, next) ||
	    next->vm_pgoff != g->pgoff + ((g->end - g->start) >> PAGE_SHIFT))
		return false;
	if (!left)
		return true;
	/* are_anon_vmas_compatible(prev, next) */
	return !g->prev->anon_vma || !next->anon_vma ||
	       g->prev->anon_vma == next->anon_vma;
}

static bool can_merge_remove_vma(const struct vmsh_vma *vma)
{
	return !vma->vm_ops || !vma->vm_ops->close;
}

/* dup_anon_vma(): @dst takes @src's anon_vma when it has none. */
static void dup_anon_vma(struct vmsh_vma *dst, struct vmsh_vma *src)
{
	if (src->anon_vma && !dst->anon_vma) {
		dst->anon_vma = src->anon_vma;
		anon_vma_get(dst->anon_vma);
	}
}

/* Drop a VMA no longer in the tree (remove_vma without ->close: merged). */
static void vma_remove_merged(struct vmsh_mm *mm, struct vmsh_vma *vma)
{
	if (vma->vm_file)
		file_put(mm->sys, vma->vm_file);
	anon_vma_put(mm->sys, vma->anon_vma);
	vma_free(vma);
}

/* Remove an unlinked VMA for good: ->close, file and anon_vma references. */
void remove_vma(struct vmsh_vma *vma)
{
	struct vmsh_mm *mm = vma->vm_mm;

	if (vma->vm_ops && vma->vm_ops->close)
		vma->vm_ops->close(vma);
	vma_remove_merged(mm, vma);
}

static void vma_set_range(struct vmsh_vma *vma, uint64_t start, uint64_t end,
			  uint64_t pgoff)
{
	vma->vm_start = start;
	vma->vm_end = end;
	vma->vm_pgoff = pgoff;
	vma_bounds_changed(vma);
}

/*
 * vma_expand(): grow g->target to [g->start, g->end), swallowing g->next
 * when g->end reaches its end.
 */
static void vma_expand(struct vmsh_mm *mm, struct vmg *g)
{
	struct vmsh_vma *vma = g->target, *next = g->next;

	trace(mm->sys, "vma_expand [%#lx-%#lx) -> [%#lx-%#lx)",
	      (unsigned long)vma->vm_start, (unsigned long)vma->vm_end,
	      (unsigned long)g->start, (unsigned long)g->end);
	vma->vm_flags |= g->flags & VM_MAYBE_GUARD;
	if (g->middle)
		vma->vm_flags |= g->middle->vm_flags & VM_MAYBE_GUARD;
	if (next && next != vma && g->end == next->vm_end) {
		vma->vm_flags |= next->vm_flags & VM_MAYBE_GUARD;
		dup_anon_vma(vma, next);
		vma_unlink(mm, next);
		vma_remove_merged(mm, next);
	}
	vma_set_range(vma, g->start, g->end, g->pgoff);
	mm->sys->stat[ST_VMA_MERGE]++;
}

struct vmsh_vma *vma_merge_new_range(struct vmsh_mm *mm, struct vmg *g)
{
	struct vmsh_vma *prev = g->prev, *next = g->next;
	uint64_t end = g->end, pglen = (g->end - g->start) >> PAGE_SHIFT;
	bool left, right;

	g->middle = NULL;
	g->target = NULL;
	if ((g->flags & VM_SPECIAL) || (!prev && !next))
		return NULL;
	left = can_merge_left(g);
	right = !g->just_expand && can_merge_right(g, left);
	trace(mm->sys, "vma_merge_new_range [%#lx-%#lx) left=%d right=%d",
	      (unsigned long)g->start, (unsigned long)g->end, left, right);
	if (right) {
		g->end = next->vm_end;
		g->target = next;
		g->pgoff = next->vm_pgoff - pglen;
	}
	if (left) {
		g->start = prev->vm_start;
		g->target = prev;
		g->pgoff = prev->vm_pgoff;
		if (right && !can_merge_remove_vma(next))
			g->end = end;
	}
	if (!g->target)
		return NULL;
	if (!right)
		g->next = NULL;
	vma_expand(mm, g);
	khugepaged_enter_vma(g->target, g->flags);
	return g->target;
}

int split_vma_nocheck(struct vmsh_vma *vma, uint64_t addr, bool new_below)
{
	struct vmsh_mm *mm = vma->vm_mm;
	struct vmsh_vma *new;

	trace(mm->sys, "split_vma [%#lx-%#lx) at %#lx", (unsigned long)vma->vm_start,
	      (unsigned long)vma->vm_end, (unsigned long)addr);
	new = vm_area_dup(vma);
	if (new_below) {
		new->vm_end = addr;
	} else {
		new->vm_start = addr;
		new->vm_pgoff += (addr - vma->vm_start) >> PAGE_SHIFT;
	}
	if (new->vm_ops && new->vm_ops->open)
		new->vm_ops->open(new);
	if (new_below) {
		vma->vm_pgoff += (addr - vma->vm_start) >> PAGE_SHIFT;
		vma->vm_start = addr;
	} else {
		vma->vm_end = addr;
	}
	/* the new part is stored over the old range first (vma_complete) */
	vma_link(mm, new);
	vma_bounds_changed(vma);
	mm->sys->stat[ST_VMA_SPLIT]++;
	return 0;
}

int split_vma(struct vmsh_vma *vma, uint64_t addr, bool new_below)
{
	if (vma->vm_mm->map_count >= vma->vm_mm->sys->cfg.max_map_count)
		return -ENOMEM;
	return split_vma_nocheck(vma, addr, new_below);
}

/*
 * vma_merge_existing_range(): [g->start, g->end) of g->middle gets
 * g->flags; merge with prev/next when the range touches an edge.
 */
static struct vmsh_vma *vma_merge_existing_range(struct vmsh_mm *mm, struct vmg *g)
{
	struct vmsh_vma *vma = g->middle, *prev = g->prev, *next = NULL;
	uint64_t start = g->start, end = g->end;
	bool left_side = start == vma->vm_start, right_side = end == vma->vm_end;
	bool left = false, right = false, both, del_vma, del_next;

	if ((g->flags & VM_SPECIAL) || (!left_side && !right_side))
		return NULL;
	if (left_side)
		left = can_merge_left(g);
	if (right_side) {
		next = g->next = vma->vm_next;
		right = can_merge_right(g, left);
	}
	trace(mm->sys, "vma_merge_existing_range [%#lx-%#lx) left=%d right=%d",
	      (unsigned long)start, (unsigned long)end, left, right);
	if (!left && !right)
		return NULL;
	both = left && right;
	del_vma = left_side && right_side;
	if (del_vma && !can_merge_remove_vma(vma))
		return NULL;
	del_next = both;
	if (del_next && !can_merge_remove_vma(next)) {
		del_next = false;
		right = false;
		both = false;
	}
	mm->sys->stat[ST_VMA_MERGE]++;
	if (both) {
		/* prev extends over vma and next */
		uint64_t new_end = next->vm_end;

		dup_anon_vma(prev, next->anon_vma ? next : vma);
		vma_unlink(mm, vma);
		vma_remove_merged(mm, vma);
		vma_unlink(mm, next);
		vma_remove_merged(mm, next);
		prev->vm_end = new_end;
		vma_bounds_changed(prev);
		return prev;
	}
	if (left) {
		dup_anon_vma(prev, vma);
		if (del_vma) {
			vma_unlink(mm, vma);
			vma_remove_merged(mm, vma);
			prev->vm_end = end;
		} else {
			prev->vm_end = end;
			vma->vm_pgoff += (end - vma->vm_start) >> PAGE_SHIFT;
			vma->vm_start = end;
			vma_bounds_changed(vma);
		}
		vma_bounds_changed(prev);
		return prev;
	}
	/* right */
	dup_anon_vma(next, vma);
	if (del_vma) {
		vma_unlink(mm, vma);
		vma_remove_merged(mm, vma);
		next->vm_pgoff -= (end - start) >> PAGE_SHIFT;
		next->vm_start = start;
	} else {
		vma->vm_end = start;
		vma_bounds_changed(vma);
		next->vm_pgoff -= (end - start) >> PAGE_SHIFT;
		next->vm_start = start;
	}
	vma_bounds_changed(next);
	return next;
}

struct vmsh_vma *vma_modify(struct vmsh_mm *mm, struct vmg *g, int *err)
{
	struct vmsh_vma *vma = g->middle, *merged;

	*err = 0;
	trace(mm->sys, "vma_modify [%#lx-%#lx) flags=%#lx",
	      (unsigned long)g->start, (unsigned long)g->end,
	      (unsigned long)g->flags);
	merged = vma_merge_existing_range(mm, g);
	if (merged)
		return merged;
	if (vma->vm_start < g->start) {
		*err = split_vma(vma, g->start, true);
		if (*err)
			return NULL;
	}
	if (vma->vm_end > g->end) {
		*err = split_vma(vma, g->end, false);
		if (*err)
			return NULL;
	}
	return vma;
}

void vmg_init(struct vmg *g, struct vmsh_vma *prev, struct vmsh_vma *middle,
	      uint64_t start, uint64_t end, uint64_t flags)
{
	memset(g, 0, sizeof(*g));
	g->prev = prev;
	g->middle = middle;
	g->start = start;
	g->end = end;
	g->flags = flags;
	if (middle) {
		g->file = middle->vm_file;
		g->anon_vma = middle->anon_vma;
		g->pgoff = middle->vm_pgoff + ((start - middle->vm_start) >> PAGE_SHIFT);
	}
}
