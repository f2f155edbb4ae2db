/* SPDX-License-Identifier: MIT */
/*
 * Intrusive augmented red-black tree (see rbtree.h for the interface).
 *
 * Invariants kept after every rb_insert_augmented()/rb_erase_augmented():
 *  1) every node is red or black;  2) the root is black;
 *  3) NULL leaves are black;       4) a red node has black children;
 *  5) every path from a node down to a leaf has the same number of black
 *     nodes;
 *  6) the user's augmented value of every node is up to date, provided the
 *     user's callbacks recompute it from the node and its children only.
 *
 * Rotations (left rotation at P; right is the mirror):
 *
 *        P              N
 *       / \            / \
 *      a   N    -->   P   c
 *         / \        / \
 *        b   c      a   b
 */
#include "config.h"

#include "rbtree.h"

static inline void set_parent(struct rb_node *n, struct rb_node *p)
{
	n->parent_color = (n->parent_color & 1) | (uintptr_t)p;
}

static inline void set_parent_color(struct rb_node *n, struct rb_node *p,
				    int color)
{
	n->parent_color = (uintptr_t)p | (uintptr_t)color;
}

static inline void set_black(struct rb_node *n)
{
	n->parent_color |= RB_BLACK;
}

static inline int color_of(const struct rb_node *n)
{
	return n->parent_color & 1;
}

static inline void change_child(struct rb_node *old, struct rb_node *new,
				struct rb_node *parent, struct rb_root *root)
{
	if (parent) {
		if (parent->rb_left == old)
			parent->rb_left = new;
		else
			parent->rb_right = new;
	} else {
		root->rb_node = new;
	}
}

/*
 * @old takes @new's place in the tree: @new gets @old's parent and colour,
 * @old becomes @new's child with @color.
 */
static inline void rotate_set_parents(struct rb_node *old, struct rb_node *new,
				      struct rb_root *root, int color)
{
	struct rb_node *parent = rb_parent(old);

	new->parent_color = old->parent_color;
	set_parent_color(old, new, color);
	change_child(old, new, parent, root);
}

static void dummy_propagate(struct rb_node *n, struct rb_node *s) { }
static void dummy_copy(struct rb_node *o, struct rb_node *n) { }
static void dummy_rotate(struct rb_node *o, struct rb_node *n) { }

static const struct rb_augment_callbacks dummy_callbacks = {
	dummy_propagate, dummy_copy, dummy_rotate,
};

static void insert_fixup(struct rb_node *node, struct rb_root *root,
			 const struct rb_augment_callbacks *aug)
{
	struct rb_node *parent = rb_parent(node), *gparent, *tmp;

	for (;;) {
		if (!parent) {
			set_parent_color(node, NULL, RB_BLACK);
			break;
		}
		if (rb_is_black(parent))
			break;
		gparent = rb_parent(parent);   /* parent is red: not the root */

		tmp = gparent->rb_right;
		if (parent != tmp) {           /* parent == gparent->rb_left */
			if (tmp && rb_is_red(tmp)) {
				/* red uncle: recolour and go up */
				set_parent_color(tmp, gparent, RB_BLACK);
				set_parent_color(parent, gparent, RB_BLACK);
				node = gparent;
				parent = rb_parent(node);
				set_parent_color(node, parent, RB_RED);
				continue;
			}
			tmp = parent->rb_right;
			if (node == tmp) {
				/* left rotate at parent */
				tmp = node->rb_left;
				parent->rb_right = tmp;
				node->rb_left = parent;
				if (tmp)
					set_parent_color(tmp, parent, RB_BLACK);
				set_parent_color(parent, node, RB_RED);
				aug->rotate(parent, node);
				parent = node;
				tmp = node->rb_right;
			}
			/* right rotate at gparent */
			gparent->rb_left = tmp;
			parent->rb_right = gparent;
			if (tmp)
				set_parent_color(tmp, gparent, RB_BLACK);
			rotate_set_parents(gparent, parent, root, RB_RED);
			aug->rotate(gparent, parent);
			break;
		} else {
			tmp = gparent->rb_left;
			if (tmp && rb_is_red(tmp)) {
				set_parent_color(tmp, gparent, RB_BLACK);
				set_parent_color(parent, gparent, RB_BLACK);
				node = gparent;
				parent = rb_parent(node);
				set_parent_color(node, parent, RB_RED);
				continue;
			}
			tmp = parent->rb_left;
			if (node == tmp) {
				tmp = node->rb_right;
				parent->rb_left = tmp;
				node->rb_right = parent;
				if (tmp)
					set_parent_color(tmp, parent, RB_BLACK);
				set_parent_color(parent, node, RB_RED);
				aug->rotate(parent, node);
				parent = node;
				tmp = node->rb_left;
			}
			gparent->rb_right = tmp;
			parent->rb_left = gparent;
			if (tmp)
				set_parent_color(tmp, gparent, RB_BLACK);
			rotate_set_parents(gparent, parent, root, RB_RED);
			aug->rotate(gparent, parent);
			break;
		}
	}
}

void rb_insert_augmented(struct rb_node *node, struct rb_root *root,
			 const struct rb_augment_callbacks *aug)
{
	/* the caller linked @node as a leaf: bring its ancestors up to date */
	aug->propagate(rb_parent(node), NULL);
	insert_fixup(node, root, aug);
}

void rb_insert_color(struct rb_node *node, struct rb_root *root)
{
	insert_fixup(node, root, &dummy_callbacks);
}

/* Restore property 5 after a black node was removed above @parent's
 * (possibly NULL) child on one side. */
static void erase_fixup(struct rb_node *parent, struct rb_root *root,
			const struct rb_augment_callbacks *aug)
{
	struct rb_node *node = NULL, *sibling, *tmp1, *tmp2;

	for (;;) {
		sibling = parent->rb_right;
		if (node != sibling) {         /* node == parent->rb_left */
			if (rb_is_red(sibling)) {
				/* left rotate at parent */
				tmp1 = sibling->rb_left;
				parent->rb_right = tmp1;
				sibling->rb_left = parent;
				set_parent_color(tmp1, parent, RB_BLACK);
				rotate_set_parents(parent, sibling, root, RB_RED);
				aug->rotate(parent, sibling);
				sibling = tmp1;
			}
			tmp1 = sibling->rb_right;
			if (rb_is_black(tmp1)) {
				tmp2 = sibling->rb_left;
				if (rb_is_black(tmp2)) {
					/* both nephews black: recolour */
					set_parent_color(sibling, parent, RB_RED);
					if (rb_is_red(parent)) {
						set_black(parent);
					} else {
						node = parent;
						parent = rb_parent(node);
						if (parent)
							continue;
					}
					break;
				}
				/* right rotate at sibling */
				tmp1 = tmp2->rb_right;
				sibling->rb_left = tmp1;
				tmp2->rb_right = sibling;
				parent->rb_right = tmp2;
				if (tmp1)
					set_parent_color(tmp1, sibling, RB_BLACK);
				aug->rotate(sibling, tmp2);
				tmp1 = sibling;
				sibling = tmp2;
			}
			/* left rotate at parent */
			tmp2 = sibling->rb_left;
			parent->rb_right = tmp2;
			sibling->rb_left = parent;
			set_parent_color(tmp1, sibling, RB_BLACK);
			if (tmp2)
				set_parent(tmp2, parent);
			rotate_set_parents(parent, sibling, root, RB_BLACK);
			aug->rotate(parent, sibling);
			break;
		} else {
			sibling = parent->rb_left;
			if (rb_is_red(sibling)) {
				tmp1 = sibling->rb_right;
				parent->rb_left = tmp1;
				sibling->rb_right = parent;
				set_parent_color(tmp1, parent, RB_BLACK);
				rotate_set_parents(parent, sibling, root, RB_RED);
				aug->rotate(parent, sibling);
				sibling = tmp1;
			}
			tmp1 = sibling->rb_left;
			if (rb_is_black(tmp1)) {
				tmp2 = sibling->rb_right;
				if (rb_is_black(tmp2)) {
					set_parent_color(sibling, parent, RB_RED);
					if (rb_is_red(parent)) {
						set_black(parent);
					} else {
						node = parent;
						parent = rb_parent(node);
						if (parent)
							continue;
					}
					break;
				}
				tmp1 = tmp2->rb_left;
				sibling->rb_right = tmp1;
				tmp2->rb_left = sibling;
				parent->rb_left = tmp2;
				if (tmp1)
					set_parent_color(tmp1, sibling, RB_BLACK);
				aug->rotate(sibling, tmp2);
				tmp1 = sibling;
				sibling = tmp2;
			}
			tmp2 = sibling->rb_right;
			parent->rb_left = tmp2;
			sibling->rb_right = parent;
			set_parent_color(tmp1, sibling, RB_BLACK);
			if (tmp2)
				set_parent(tmp2, parent);
			rotate_set_parents(parent, sibling, root, RB_BLACK);
			aug->rotate(parent, sibling);
			break;
		}
	}
}

/* Unlink @node; returns the parent below which rebalancing must start,
 * or NULL when no rebalancing is needed. */
static struct rb_node *erase_node(struct rb_node *node, struct rb_root *root,
				  const struct rb_augment_callbacks *aug)
{
	struct rb_node *child = node->rb_right, *tmp = node->rb_left;
	struct rb_node *parent, *rebalance;
	uintptr_t pc;

	if (!tmp) {
		/* at most one (red) child on the right */
		pc = node->parent_color;
		parent = rb_parent(node);
		change_child(node, child, parent, root);
		if (child) {
			child->parent_color = pc;
			rebalance = NULL;
		} else {
			rebalance = (pc & 1) == RB_BLACK ? parent : NULL;
		}
		tmp = parent;
	} else if (!child) {
		/* only a (red) left child */
		pc = node->parent_color;
		tmp->parent_color = pc;
		parent = rb_parent(node);
		change_child(node, tmp, parent, root);
		rebalance = NULL;
		tmp = parent;
	} else {
		/* two children: replace by the in-order successor */
		struct rb_node *successor = child, *child2;

		tmp = child->rb_left;
		if (!tmp) {
			/* successor is the right child */
			parent = successor;
			child2 = successor->rb_right;
			aug->copy(node, successor);
		} else {
			do {
				parent = successor;
				successor = tmp;
				tmp = tmp->rb_left;
			} while (tmp);
			child2 = successor->rb_right;
			parent->rb_left = child2;
			successor->rb_right = child;
			set_parent(child, successor);
			aug->copy(node, successor);
			aug->propagate(parent, successor);
		}

		tmp = node->rb_left;
		successor->rb_left = tmp;
		set_parent(tmp, successor);

		pc = node->parent_color;
		tmp = rb_parent(node);
		change_child(node, successor, tmp, root);

		if (child2) {
			set_parent_color(child2, parent, RB_BLACK);
			rebalance = NULL;
		} else {
			rebalance = color_of(successor) == RB_BLACK ? parent : NULL;
		}
		successor->parent_color = pc;
		tmp = successor;
	}

	aug->propagate(tmp, NULL);
	return rebalance;
}

void rb_erase_augmented(struct rb_node *node, struct rb_root *root,
			const struct rb_augment_callbacks *aug)
{
	struct rb_node *rebalance = erase_node(node, root, aug);

	if (rebalance)
		erase_fixup(rebalance, root, aug);
}

void rb_erase(struct rb_node *node, struct rb_root *root)
{
	rb_erase_augmented(node, root, &dummy_callbacks);
}

struct rb_node *rb_first(const struct rb_root *root)
{
	struct rb_node *n = root->rb_node;

	if (!n)
		return NULL;
	while (n->rb_left)
		n = n->rb_left;
	return n;
}

struct rb_node *rb_last(const struct rb_root *root)
{
	struct rb_node *n = root->rb_node;

	if (!n)
		return NULL;
	while (n->rb_right)
		n = n->rb_right;
	return n;
}

struct rb_node *rb_next(const struct rb_node *node)
{
	struct rb_node *parent;

	if (node->rb_right) {
		node = node->rb_right;
		while (node->rb_left)
			node = node->rb_left;
		return (struct rb_node *)node;
	}
	while ((parent = rb_parent(node)) && node == parent->rb_right)
		node = parent;
	return parent;
}

struct rb_node *rb_prev(const struct rb_node *node)
{
	struct rb_node *parent;

	if (node->rb_left) {
		node = node->rb_left;
		while (node->rb_right)
			node = node->rb_right;
		return (struct rb_node *)node;
	}
	while ((parent = rb_parent(node)) && node == parent->rb_left)
		node = parent;
	return parent;
}
