/* SPDX-License-Identifier: MIT */
/*
 * maple_tree.c: trees of 1 ... 100,000 ranges built, searched and torn
 * down; randomized store/erase runs (fixed seed) against a plain array
 * of the small index space; mt_validate after every change (the checks
 * of Linux's mt_validate: pivots, gaps, node fullness, no adjacent
 * NULLs); the allocation searches against a brute-force scan.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "maple_tree.h"
#include "suites.h"

#define REQUIRE(c) do { if (!(c)) ck_abort_msg("failed: %s", #c); } while (0)

static void *E(unsigned i) { return (void *)(uintptr_t)(8 * (i + 1)); }

static void validate(const struct maple_tree *mt)
{
	char why[160];
	int n = mt_validate(mt, why, sizeof(why));

	if (n)
		ck_abort_msg("mt_validate: %d problem(s): %s", n, why);
}

static int count_cb(void *ctx, uint64_t first, uint64_t last, void *e)
{
	(void)first; (void)last; (void)e;
	++*(size_t *)ctx;
	return 0;
}

/* Ranges [16i + 4, 16i + 11] (an 8-index entry, a 4-index gap each side). */
static void build(struct maple_tree *mt, unsigned n, bool reverse)
{
	for (unsigned k = 0; k < n; k++) {
		unsigned i = reverse ? n - 1 - k : k;

		mtree_store_range(mt, 16ULL * i + 4, 16ULL * i + 11, E(i));
		if (n <= 2000 || k % 4096 == 0)
			validate(mt);
	}
	validate(mt);
}

static void check_sizes(unsigned n, bool reverse)
{
	struct maple_tree mt;
	uint64_t lo, hi, idx, last;
	size_t count = 0;

	mt_init(&mt, true);
	build(&mt, n, reverse);
	mt_for_each(&mt, count_cb, &count);
	REQUIRE(count == n);
	for (unsigned i = 0; i < n; i += (n > 1000 ? 97 : 1)) {
		REQUIRE(mtree_load(&mt, 16ULL * i + 7, &lo, &hi) == E(i));
		REQUIRE(lo == 16ULL * i + 4 && hi == 16ULL * i + 11);
		REQUIRE(mtree_load(&mt, 16ULL * i + 2, NULL, NULL) == NULL);
		REQUIRE(mt_find(&mt, 16ULL * i + 12, MAPLE_MAX, &lo, NULL) ==
			(i + 1 < n ? E(i + 1) : NULL));
	}
	/* gaps: 8 indices between ranges, everything above the last */
	if (n > 1) {
		REQUIRE(mas_empty_area_rev(&mt, 0, 16ULL * n - 1, 8, &idx, &last) == 0);
		REQUIRE(last == 16ULL * (n - 1) + 3 && idx == 16ULL * (n - 1) - 4);
	}
	REQUIRE(mas_empty_area_rev(&mt, 0, 16ULL * n - 5, 9, &idx, &last) == -EBUSY);
	REQUIRE(mas_empty_area(&mt, 5, MAPLE_MAX, 8, &idx, &last) == 0);
	REQUIRE(idx == 12 && last == 19);
	if (n > 7)
		REQUIRE(mt.height > 1);
	/* erase every other range, then all */
	for (unsigned i = 0; i < n; i += 2) {
		mtree_store_range(&mt, 16ULL * i + 4, 16ULL * i + 11, NULL);
		if (n <= 2000 || i % 8192 == 0)
			validate(&mt);
	}
	validate(&mt);
	count = 0;
	mt_for_each(&mt, count_cb, &count);
	REQUIRE(count == n / 2);
	mtree_store_range(&mt, 0, MAPLE_MAX, NULL);
	validate(&mt);
	REQUIRE(mt.root == NULL && mt.nodes == 0);
	mtree_destroy(&mt);
}

START_TEST(test_maple_sizes)
{
	static const unsigned sizes[] = { 1, 2, 3, 15, 16, 17, 100, 1000, 10000, 100000 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		check_sizes(sizes[i], false);
		check_sizes(sizes[i], true);
	}
}
END_TEST

#define SPACE 3000

static unsigned rnd(unsigned *s) { *s = *s * 1103515245u + 12345u; return (*s >> 8) & 0xffffff; }

static void compare(const struct maple_tree *mt, void *const *ref)
{
	for (unsigned i = 0; i < SPACE; i++)
		if (mtree_load(mt, i, NULL, NULL) != ref[i])
			ck_abort_msg("index %u differs", i);
	REQUIRE(mtree_load(mt, MAPLE_MAX, NULL, NULL) == NULL);
}

static void brute_area(void *const *ref, uint64_t min, uint64_t max, uint64_t size,
		       bool rev, int *ret, uint64_t *idx)
{
	*ret = -EBUSY;
	if (!rev) {
		for (uint64_t a = min; a + size - 1 <= max; a++) {
			uint64_t k = 0;

			while (k < size && !ref[a + k])
				k++;
			if (k == size) {
				*ret = 0;
				*idx = a;
				return;
			}
		}
		return;
	}
	for (uint64_t a = max + 1; a >= min + size; a--) {
		uint64_t k = 0;

		while (k < size && !ref[a - 1 - k])
			k++;
		if (k == size) {
			*ret = 0;
			*idx = a - size;
			return;
		}
	}
}

static void random_run(unsigned seed, bool alloc)
{
	static void *ref[SPACE];
	struct maple_tree mt;
	unsigned s = seed;

	mt_init(&mt, alloc);
	for (unsigned i = 0; i < SPACE; i++)
		ref[i] = NULL;
	for (unsigned op = 0; op < 3000; op++) {
		unsigned a = rnd(&s) % SPACE, len = 1 + rnd(&s) % (op % 7 == 0 ? 400 : 12);
		unsigned b = a + len - 1 < SPACE - 1 ? a + len - 1 : SPACE - 1;
		void *e = rnd(&s) % 3 ? E(op) : NULL;

		mtree_store_range(&mt, a, b, e);
		for (unsigned i = a; i <= b; i++)
			ref[i] = e;
		validate(&mt);
		if (op % 50 == 0)
			compare(&mt, ref);
		if (alloc && op % 10 == 0) {
			uint64_t min = rnd(&s) % SPACE, max = min + rnd(&s) % (SPACE - min);
			uint64_t size = 1 + rnd(&s) % 20, idx = 0, last = 0, bidx = 0;
			int r, br;

			if (max >= SPACE - 1)
				max = SPACE - 2;
			if (min > max)
				continue;
			r = mas_empty_area_rev(&mt, min, max, size, &idx, &last);
			brute_area(ref, min, max, size, true, &br, &bidx);
			if (r != br)
				ck_abort_msg("rev [%lu,%lu] size %lu: %d/%lu vs %d/%lu", (unsigned long)min,
					     (unsigned long)max, (unsigned long)size, r, (unsigned long)idx, br, (unsigned long)bidx);
			if (!r)
				REQUIRE(idx == bidx && last == idx + size - 1);
			r = mas_empty_area(&mt, min, max, size, &idx, &last);
			brute_area(ref, min, max, size, false, &br, &bidx);
			REQUIRE(r == br);
			if (!r)
				REQUIRE(idx == bidx && last == idx + size - 1);
		}
	}
	compare(&mt, ref);
	mtree_destroy(&mt);
	REQUIRE(mt.nodes == 0);
}

/* The last walk's leaf is a cache: a lookup just before a store that
 * frees or splits that leaf, and one just after, both see the tree as it
 * is (unit-maple-memcheck runs this under valgrind: a freed leaf used
 * again would be an error there). */
START_TEST(test_maple_walk_cache)
{
	static void *ref[SPACE];
	struct maple_tree mt;
	unsigned s = 7;

	mt_init(&mt, true);
	for (unsigned i = 0; i < SPACE; i++) {
		ref[i] = i % 2 ? E(i) : NULL;
		if (ref[i])
			mtree_store_range(&mt, i, i, ref[i]);
	}
	REQUIRE(mt.height >= 3);
	for (unsigned op = 0; op < 4000; op++) {
		unsigned a = rnd(&s) % SPACE, len = 1 + rnd(&s) % (op % 5 ? 3 : 300);
		unsigned b = a + len - 1 < SPACE - 1 ? a + len - 1 : SPACE - 1;
		void *e = op % 3 ? NULL : E(op);
		uint64_t rmin, rmax;

		/* a lookup caches the leaf the store is about to change */
		REQUIRE(mtree_load(&mt, a, NULL, NULL) == ref[a]);
		mtree_store_range(&mt, a, b, e);
		for (unsigned i = a; i <= b; i++)
			ref[i] = e;
		REQUIRE(mtree_load(&mt, a, &rmin, &rmax) == e);
		REQUIRE(rmin <= a && rmax >= b);
		REQUIRE(mtree_load(&mt, b + 1 < SPACE ? b + 1 : b, NULL, NULL) ==
			ref[b + 1 < SPACE ? b + 1 : b]);
		if (op % 100 == 0) {
			validate(&mt);
			compare(&mt, ref);
		}
	}
	compare(&mt, ref);
	mtree_destroy(&mt);
	REQUIRE(mt.nodes == 0);
}
END_TEST

START_TEST(test_maple_random)
{
	for (unsigned seed = 1; seed <= 6; seed++)
		random_run(seed, seed % 2);
}
END_TEST

START_TEST(test_maple_split_and_shrink)
{
	struct maple_tree mt;
	unsigned n;

	mt_init(&mt, true);
	/* 7 ranges with gaps fill 15 slots of the root leaf; the 8th splits */
	for (n = 0; n < 7; n++)
		mtree_store_range(&mt, 16ULL * n + 4, 16ULL * n + 11, E(n));
	REQUIRE(mt.height == 1 && mt.root->end == 14);
	mtree_store_range(&mt, 16ULL * n + 4, 16ULL * n + 11, E(n));
	validate(&mt);
	REQUIRE(mt.height == 2 && mt.ev.split == 1 && mt.ev.new_root == 1);
	REQUIRE(mt.root->type == maple_arange_64 && mt.root->end == 1);
	/* erasing back down to a few ranges makes the tree one leaf again */
	for (n = 7; n >= 2; n--)
		mtree_store_range(&mt, 16ULL * n + 4, 16ULL * n + 11, NULL);
	validate(&mt);
	REQUIRE(mt.height == 1);
	mtree_destroy(&mt);
}
END_TEST

/*
 * A leaf split whose even cut falls just after a NULL (calc_splits, as
 * mab_no_null_split): the first cut moves right when the right part
 * stays big enough.  Ranges appended in address order, some adjacent, as
 * dup_mmap copies a parent's VMAs; the first cut used to compare against
 * a cut[0] it had not set yet (memcheck, unit-maple-memcheck, saw it in a
 * fork of gcc's recorded mm).
 */
START_TEST(test_maple_split_after_null)
{
	struct maple_tree mt;
	uint64_t lo, hi;

	mt_init(&mt, true);
	/* E0 g E1 g ... E7 g: 16 slots, the root leaf is full */
	for (unsigned i = 0; i < 8; i++)
		mtree_store_range(&mt, 16ULL * i, 16ULL * i + 7, E(i));
	REQUIRE(mt.height == 1 && mt.root->end == 15);
	/* E8 right after E7: 17 entries, the even cut (8) follows a NULL */
	mtree_store_range(&mt, 120, 127, E(8));
	validate(&mt);
	REQUIRE(mt.height == 2 && mt.ev.split == 1);
	/* the cut moved right: E0..E4 (9 slots) | g E5 .. E8 g (8 slots) */
	REQUIRE(mt.root->pivot[0] == 71);
	REQUIRE(mtree_load(&mt, 72, &lo, &hi) == NULL && lo == 72 && hi == 79);
	REQUIRE(mtree_load(&mt, 120, &lo, &hi) == E(8) && lo == 120 && hi == 127);
	mtree_destroy(&mt);
	/* many VMAs copied in order (a fork of a big mm): every few ranges
	 * adjacent, the others with gaps, so cuts fall after NULLs and not */
	for (unsigned run = 1; run <= 4; run++) {
		uint64_t a = 0;

		mt_init(&mt, true);
		for (unsigned i = 0; i < 600; i++) {
			mtree_store_range(&mt, a, a + 7, E(i));
			a += i % run ? 8 : 16;
		}
		validate(&mt);
		mtree_destroy(&mt);
	}
}
END_TEST

START_TEST(test_maple_validate_catches)
{
	struct maple_tree mt;
	char why[160];

	mt_init(&mt, true);
	build(&mt, 100, false);
	mt.root->gap[0]++;
	REQUIRE(mt_validate(&mt, why, sizeof(why)) > 0);
	mt.root->gap[0]--;
	REQUIRE(mt_validate(&mt, NULL, 0) == 0);
	mt.root->pivot[0] = mt.root->pivot[1];
	REQUIRE(mt_validate(&mt, why, sizeof(why)) > 0);
	mtree_destroy(&mt);
}
END_TEST

Suite *maple_suite(void)
{
	Suite *s = suite_create("maple");
	TCase *tc = tcase_create("maple");

	tcase_add_test(tc, test_maple_sizes);
	tcase_add_test(tc, test_maple_random);
	tcase_add_test(tc, test_maple_walk_cache);
	tcase_add_test(tc, test_maple_split_and_shrink);
	tcase_add_test(tc, test_maple_split_after_null);
	tcase_add_test(tc, test_maple_validate_catches);
	suite_add_tcase(s, tc);
	return s;
}
