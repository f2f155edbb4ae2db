/* SPDX-License-Identifier: MIT */
/*
 * rbtree.c: property tests over randomized insert/erase runs with a fixed
 * seed: in-order sorted, root black, no red node with a red child, equal
 * black heights, parent links, and an augmented value (subtree maximum of
 * a per-node weight) kept up to date through rotations and erases.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "rbtree.h"
#include "suites.h"

/* Check records the location of every ck_assert (a pipe write): the
 * inner loops test plainly and call ck_abort_msg only on failure. */
#define REQUIRE(c) do { if (!(c)) ck_abort_msg("failed: %s", #c); } while (0)

struct item {
	struct rb_node rb;
	unsigned key, weight, subtree_max;
	bool in;
};

static unsigned compute_max(struct item *it)
{
	unsigned m = it->weight;

	if (it->rb.rb_left) {
		unsigned l = rb_entry(it->rb.rb_left, struct item, rb)->subtree_max;
		if (l > m)
			m = l;
	}
	if (it->rb.rb_right) {
		unsigned r = rb_entry(it->rb.rb_right, struct item, rb)->subtree_max;
		if (r > m)
			m = r;
	}
	return m;
}

static void aug_propagate(struct rb_node *n, struct rb_node *stop)
{
	while (n != stop) {
		struct item *it = rb_entry(n, struct item, rb);

		it->subtree_max = compute_max(it);
		n = rb_parent(n);
	}
}

static void aug_copy(struct rb_node *o, struct rb_node *n)
{
	rb_entry(n, struct item, rb)->subtree_max =
		rb_entry(o, struct item, rb)->subtree_max;
}

static void aug_rotate(struct rb_node *o, struct rb_node *n)
{
	struct item *old = rb_entry(o, struct item, rb);

	rb_entry(n, struct item, rb)->subtree_max = old->subtree_max;
	old->subtree_max = compute_max(old);
}

static const struct rb_augment_callbacks aug = {
	aug_propagate, aug_copy, aug_rotate,
};

static void insert(struct rb_root *root, struct item *it, bool augmented)
{
	struct rb_node **link = &root->rb_node, *parent = NULL;

	while (*link) {
		parent = *link;
		if (it->key < rb_entry(parent, struct item, rb)->key)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&it->rb, parent, link);
	if (augmented) {
		it->subtree_max = it->weight;
		rb_insert_augmented(&it->rb, root, &aug);
	} else {
		rb_insert_color(&it->rb, root);
	}
	it->in = true;
}

/* Returns the black height; fails the test on any broken property. */
static int verify(const struct rb_node *n, const struct rb_node *parent,
		  bool augmented, int *count)
{
	const struct item *it;
	int lh, rh;

	if (!n)
		return 1;
	it = rb_entry(n, struct item, rb);
	(*count)++;
	REQUIRE(rb_parent(n) == parent);
	if (rb_is_red(n)) {
		REQUIRE(rb_is_black(n->rb_left));
		REQUIRE(rb_is_black(n->rb_right));
	}
	if (n->rb_left)
		REQUIRE(rb_entry(n->rb_left, struct item, rb)->key <= it->key);
	if (n->rb_right)
		REQUIRE(rb_entry(n->rb_right, struct item, rb)->key >= it->key);
	lh = verify(n->rb_left, n, augmented, count);
	rh = verify(n->rb_right, n, augmented, count);
	REQUIRE(lh == rh);
	if (augmented)
		REQUIRE(it->subtree_max == compute_max((struct item *)it));
	return lh + rb_is_black(n);
}

/* The longest root-to-leaf path. */
static int depth(const struct rb_node *n)
{
	int l, r;

	if (!n)
		return 0;
	l = depth(n->rb_left);
	r = depth(n->rb_right);
	return 1 + (l > r ? l : r);
}

static void verify_tree(struct rb_root *root, int expected, bool augmented)
{
	int count = 0, walked = 0;
	struct rb_node *n;
	unsigned last = 0;

	if (root->rb_node)
		REQUIRE(rb_is_black(root->rb_node));
	verify(root->rb_node, NULL, augmented, &count);
	REQUIRE(count == expected);
	for (n = rb_first(root); n; n = rb_next(n)) {
		unsigned k = rb_entry(n, struct item, rb)->key;

		REQUIRE(k >= last);
		last = k;
		walked++;
	}
	REQUIRE(walked == expected);
	walked = 0;
	for (n = rb_last(root); n; n = rb_prev(n))
		walked++;
	REQUIRE(walked == expected);
}

static void random_run(bool augmented, unsigned seed)
{
	enum { N = 300 };
	static struct item items[N];
	struct rb_root root = { NULL };
	int in = 0, step;

	srand(seed);
	for (int i = 0; i < N; i++) {
		items[i].key = (unsigned)rand() % 1000;
		items[i].weight = (unsigned)rand() % 100000;
		items[i].in = false;
	}
	for (step = 0; step < 4000; step++) {
		struct item *it = &items[(unsigned)rand() % N];

		if (it->in) {
			if (augmented)
				rb_erase_augmented(&it->rb, &root, &aug);
			else
				rb_erase(&it->rb, &root);
			it->in = false;
			in--;
		} else {
			insert(&root, it, augmented);
			in++;
		}
		if (step % 7 == 0 || step < 100)
			verify_tree(&root, in, augmented);
	}
	verify_tree(&root, in, augmented);
}

START_TEST(test_rbtree_random_insert_erase_keeps_properties)
{
	random_run(false, 42);
	random_run(false, 7);
}
END_TEST

START_TEST(test_rbtree_augmented_value_survives_rotations)
{
	random_run(true, 42);
	random_run(true, 1234);
}
END_TEST

START_TEST(test_rbtree_sequential_inserts_stay_balanced)
{
	enum { N = 1024 };
	static struct item items[N];
	struct rb_root root = { NULL };
	int height;

	for (int i = 0; i < N; i++) {
		items[i].key = (unsigned)i;
		items[i].weight = (unsigned)i;
		insert(&root, &items[i], true);
	}
	verify_tree(&root, N, true);
	height = depth(root.rb_node);
	/* a red-black tree of n nodes is at most 2 log2(n + 1) high */
	ck_assert_int_le(height, 20);
	ck_assert_uint_eq(rb_entry(root.rb_node, struct item, rb)->subtree_max, N - 1);
}
END_TEST

START_TEST(test_rbtree_empty_tree_walks)
{
	struct rb_root root = { NULL };

	ck_assert_ptr_null(rb_first(&root));
	ck_assert_ptr_null(rb_last(&root));
}
END_TEST

Suite *rbtree_suite(void)
{
	Suite *s = suite_create("rbtree");
	TCase *tc;

	tc = tcase_create("insert-erase");
	tcase_add_test(tc, test_rbtree_random_insert_erase_keeps_properties);
	tcase_add_test(tc, test_rbtree_augmented_value_survives_rotations);
	suite_add_tcase(s, tc);
	tc = tcase_create("balance");
	tcase_add_test(tc, test_rbtree_sequential_inserts_stay_balanced);
	suite_add_tcase(s, tc);
	tc = tcase_create("empty");
	tcase_add_test(tc, test_rbtree_empty_tree_walks);
	suite_add_tcase(s, tc);
	return s;
}
