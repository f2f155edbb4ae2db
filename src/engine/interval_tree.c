/* SPDX-License-Identifier: MIT */
/*
 * i_mmap: each inode's interval tree of the VMAs that map it, after
 * Linux's mapping->i_mmap (mm/interval_tree.c).  The rmap walks of a file
 * page (writeback's mkclean, truncate's unmap_mapping_range, the dirty
 * count of `file ls`) visit only the VMAs mapping the pages they ask
 * about: O(log n + hits), not every VMA of every mm.
 *
 * Invariants (check.c checks them):
 *  - a VMA is in file_inode(vm_file)->i_mmap exactly while it is linked in
 *    its mm and has a vm_file (vma_link / vma_unlink);
 *  - its key [shared_first, shared_last] is the file pages it maps,
 *    [vm_pgoff, vm_pgoff + pages - 1]; vma_bounds_changed re-keys it;
 *  - the tree is sorted by shared_first (ties: insertion order), and
 *    shared_subtree_last of a node is the largest shared_last below it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "mm.h"
#include "sys.h"
#include "vma.h"

static struct vmsh_vma *node_vma(const struct rb_node *n)
{
	return rb_entry(n, struct vmsh_vma, shared_rb);
}

static uint64_t subtree_last(const struct vmsh_vma *v)
{
	uint64_t last = v->shared_last;

	if (v->shared_rb.rb_left &&
	    node_vma(v->shared_rb.rb_left)->shared_subtree_last > last)
		last = node_vma(v->shared_rb.rb_left)->shared_subtree_last;
	if (v->shared_rb.rb_right &&
	    node_vma(v->shared_rb.rb_right)->shared_subtree_last > last)
		last = node_vma(v->shared_rb.rb_right)->shared_subtree_last;
	return last;
}

static void last_propagate(struct rb_node *rb, struct rb_node *stop)
{
	for (; rb != stop; rb = rb_parent(rb))
		node_vma(rb)->shared_subtree_last = subtree_last(node_vma(rb));
}

static void last_copy(struct rb_node *o, struct rb_node *n)
{
	node_vma(n)->shared_subtree_last = node_vma(o)->shared_subtree_last;
}

static void last_rotate(struct rb_node *o, struct rb_node *n)
{
	node_vma(n)->shared_subtree_last = node_vma(o)->shared_subtree_last;
	node_vma(o)->shared_subtree_last = subtree_last(node_vma(o));
}

static const struct rb_augment_callbacks last_callbacks = {
	last_propagate, last_copy, last_rotate,
};

uint64_t vma_shared_last(const struct vmsh_vma *vma)
{
	return vma->vm_pgoff + vma_pages(vma) - 1;
}

void vma_interval_tree_insert(struct vmsh_vma *vma)
{
	struct vmsh_file *f;
	struct rb_node **link, *parent = NULL;

	if (!vma->vm_file || vma->shared_linked)
		return;
	f = file_inode(vma->vm_file);
	vma->shared_first = vma->vm_pgoff;
	vma->shared_last = vma_shared_last(vma);
	link = &f->i_mmap.rb_node;
	while (*link) {
		struct vmsh_vma *v = node_vma(*link);

		parent = *link;
		if (v->shared_subtree_last < vma->shared_last)
			v->shared_subtree_last = vma->shared_last;
		link = vma->shared_first < v->shared_first ?
		       &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&vma->shared_rb, parent, link);
	vma->shared_subtree_last = vma->shared_last;
	rb_insert_augmented(&vma->shared_rb, &f->i_mmap, &last_callbacks);
	vma->shared_linked = true;
}

void vma_interval_tree_remove(struct vmsh_vma *vma)
{
	if (!vma->shared_linked)
		return;
	rb_erase_augmented(&vma->shared_rb, &file_inode(vma->vm_file)->i_mmap,
			   &last_callbacks);
	vma->shared_linked = false;
}

void vma_interval_tree_sync(struct vmsh_vma *vma)
{
	if (!vma->shared_linked || (vma->shared_first == vma->vm_pgoff &&
				    vma->shared_last == vma_shared_last(vma)))
		return;
	vma_interval_tree_remove(vma);
	vma_interval_tree_insert(vma);
}

/* ---- the rmap walk ------------------------------------------------------- */

struct hits {
	struct vmsh_vma **v;    /* one[] until it overflows */
	size_t n, cap;
	struct vmsh_vma *one[8];
};

static void grow(struct hits *h)
{
	struct vmsh_vma **v = xmalloc(2 * h->cap * sizeof(*v));

	memcpy(v, h->v, h->n * sizeof(*v));
	if (h->v != h->one)
		free(h->v);
	h->v = v;
	h->cap *= 2;
}

/* Every node below @rb whose key meets [first, last], in key order
 * (vma_interval_tree_foreach); each node visited is a step. */
static void collect(struct vmsh_sys *sys, const struct rb_node *rb,
		    uint64_t first, uint64_t last, struct hits *h)
{
	while (rb) {
		struct vmsh_vma *v = node_vma(rb);

		sys->steps++;
		if (v->shared_subtree_last < first)
			return;
		collect(sys, rb->rb_left, first, last, h);
		if (v->shared_first > last)
			return;
		if (v->shared_last >= first) {
			if (h->n == h->cap)
				grow(h);
			h->v[h->n++] = v;
		}
		rb = rb->rb_right;
	}
}

/* The order the walk has always had: mms newest first (sys->mms), then
 * by address, so traces and TLB flushes come out as before. */
static int hit_cmp(const void *a, const void *b)
{
	const struct vmsh_vma *x = *(struct vmsh_vma *const *)a;
	const struct vmsh_vma *y = *(struct vmsh_vma *const *)b;

	if (x->vm_mm != y->vm_mm)
		return x->vm_mm->id > y->vm_mm->id ? -1 : 1;
	return x->vm_start < y->vm_start ? -1 : x->vm_start > y->vm_start;
}

void file_for_each_vma(struct vmsh_sys *sys, const struct vmsh_file *f,
		       uint64_t first, uint64_t last, file_vma_fn *fn,
		       void *ctx)
{
	struct hits h;
	size_t i;

	h.v = h.one;
	h.n = 0;
	h.cap = sizeof(h.one) / sizeof(h.one[0]);

	collect(sys, f->i_mmap.rb_node, first, last, &h);
	if (h.n > 1)
		qsort(h.v, h.n, sizeof(*h.v), hit_cmp);
	for (i = 0; i < h.n; i++) {
		struct vmsh_vma *vma = h.v[i];
		uint64_t lo = vma->shared_first, hi = vma->shared_last;

		if (vma->vm_mm->mm_users <= 0)
			continue;
		fn(vma, lo > first ? lo : first, hi < last ? hi : last, ctx);
	}
	if (h.v != h.one)
		free(h.v);
}
