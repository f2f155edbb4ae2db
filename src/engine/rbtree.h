/* SPDX-License-Identifier: MIT */
/*
 * An intrusive red-black tree with augmentation, after the interface of
 * Linux's lib/rbtree.c: the tree never allocates and knows nothing of what
 * it links.  The user embeds struct rb_node, finds the insertion point with
 * its own loop, calls rb_link_node() and then rb_insert_augmented().
 *
 * Red-black properties kept:
 *  1) every node is red or black;  2) the root is black;
 *  3) leaves (NULL) are black;     4) a red node has black children;
 *  5) every path from a node to its leaves has the same number of black nodes.
 *
 * Layering: rbtree.c is in the bottom floor (phys.c, pgtable.c, rbtree.c,
 * alloc.c, stat.c).  A floor file calls only floor files and the C
 * library, never a file above it; rbtree.c calls nothing but the
 * augmentation callbacks its user hands it.
 */
#ifndef VMSH_SRC_ENGINE_RBTREE_H
#define VMSH_SRC_ENGINE_RBTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rb_node {
	uintptr_t parent_color;   /* parent pointer | colour bit (1 = black) */
	struct rb_node *rb_right;
	struct rb_node *rb_left;
};

struct rb_root {
	struct rb_node *rb_node;
};

#define RB_RED   0
#define RB_BLACK 1

/* Callbacks that keep an augmented value (e.g. the VMA subtree gap). */
struct rb_augment_callbacks {
	/* recompute from @node up to (not including) @stop */
	void (*propagate)(struct rb_node *node, struct rb_node *stop);
	/* @new takes @old's place: copy the augmented value */
	void (*copy)(struct rb_node *old, struct rb_node *new);
	/* after a rotation: @new is the old parent position, recompute @old */
	void (*rotate)(struct rb_node *old, struct rb_node *new);
};

#define rb_entry(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

static inline struct rb_node *rb_parent(const struct rb_node *n)
{
	return (struct rb_node *)(n->parent_color & ~(uintptr_t)3);
}
static inline bool rb_is_black(const struct rb_node *n)
{
	return !n || (n->parent_color & 1);
}
static inline bool rb_is_red(const struct rb_node *n) { return !rb_is_black(n); }

static inline void rb_link_node(struct rb_node *node, struct rb_node *parent,
				struct rb_node **link)
{
	node->parent_color = (uintptr_t)parent;   /* red */
	node->rb_left = node->rb_right = NULL;
	*link = node;
}

void rb_insert_augmented(struct rb_node *node, struct rb_root *root,
			 const struct rb_augment_callbacks *aug);
void rb_erase_augmented(struct rb_node *node, struct rb_root *root,
			const struct rb_augment_callbacks *aug);
void rb_insert_color(struct rb_node *node, struct rb_root *root);
void rb_erase(struct rb_node *node, struct rb_root *root);

struct rb_node *rb_first(const struct rb_root *root);
struct rb_node *rb_last(const struct rb_root *root);
struct rb_node *rb_next(const struct rb_node *node);
struct rb_node *rb_prev(const struct rb_node *node);

#endif /* VMSH_SRC_ENGINE_RBTREE_H */
