/* SPDX-License-Identifier: MIT */
/*
 * Complexity guards (issue 13): the work of the operations that used to
 * scan is counted in steps (sys->steps, a TLB's steps) and bounded, so a
 * return to a linear scan fails here.  Never wall-clock time.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "phys.h"
#include "suites.h"
#include "sys.h"
#include "task.h"
#include "tlb.h"
#include "vmsh-test.h"

static struct vmsh_sys *sys;

static void teardown(void) { t_sys_free(&sys); }

/* 10k frees among 60k frames, then 10k allocations: each takes the lowest
 * free frame, in O(log64 n) steps. */
START_TEST(test_alloc_after_frees_is_not_a_scan)
{
	enum { N = 60000, FREED = 10000 };
	static uint64_t pfn[N];
	uint64_t steps;

	sys = t_sys_make(false, 512ULL << 20);
	for (int i = 0; i < N; i++)
		pfn[i] = phys_alloc(sys, PAGE_ANON);
	for (int i = 0; i < FREED; i++)
		phys_put(sys, pfn[i * 6]);
	steps = sys->phys.freemap.steps;
	for (int i = 0; i < FREED; i++)
		ck_assert_uint_eq(phys_alloc(sys, PAGE_ANON), pfn[i * 6]);
	ck_assert_uint_le(sys->phys.freemap.steps - steps, (uint64_t)FREED * 8);
	for (int i = 0; i < N; i++)
		phys_put(sys, pfn[i]);
}
END_TEST

/* A page flush and a lookup in a full 64k-entry fully associative TLB
 * look at a few entries, not all of them. */
START_TEST(test_tlb_page_flush_is_not_a_scan)
{
	struct vmsh_config cfg;
	struct vmsh_mm *mm;
	struct tlb *t;
	uint64_t pfn, flags, steps;

	t_config(&cfg, false, 0);
	cfg.tlb_entries = 65536;
	cfg.tlb_ways = 65536;
	sys = t_sys_cfg(&cfg);
	mm = current_mm(sys);
	for (uint64_t i = 0; i < 65536; i++)
		tlb_fill(sys, mm, T_BASE + i * T_PG, (i << 12) | 0x67);
	t = &sys->cpus[0].tlb;
	steps = t->steps + t->free.steps;
	for (uint64_t i = 0; i < 1000; i++) {
		ck_assert(tlb_lookup(sys, mm, T_BASE + i * 7 * T_PG, &pfn, &flags));
		flush_tlb_page(mm, T_BASE + i * 7 * T_PG);
		ck_assert(!tlb_lookup(sys, mm, T_BASE + i * 7 * T_PG, &pfn, &flags));
	}
	ck_assert_uint_le(t->steps + t->free.steps - steps, 1000 * 64);
}
END_TEST

/* With 3000 tasks, finding, switching to and killing one costs a few
 * steps (the pid index), not a walk of the task list. */
START_TEST(test_task_ops_are_not_a_walk)
{
	int child = 0, last = 0;
	uint64_t steps;

	sys = t_sys_make(false, 1ULL << 30);
	for (int i = 0; i < 3000; i++) {
		ck_assert_int_eq(vmsh_fork(sys, &child), 0);
		if (!last)
			last = child;
	}
	steps = sys->steps;
	for (int i = 0; i < 500; i++) {
		ck_assert_ptr_nonnull(task_of_pid(sys, last + i));
		ck_assert_int_eq(vmsh_switch(sys, last + i, -1), 0);
		ck_assert_int_eq(vmsh_switch(sys, 1, -1), 0);
		ck_assert_int_eq(vmsh_kill(sys, last + i), 0);
		ck_assert_ptr_null(task_of_pid(sys, last + i));
	}
	ck_assert_uint_le(sys->steps - steps, 500 * 8);
	t_check(sys);
}
END_TEST

/* Splitting VMAs among 10k (mprotect of a VMA's first page): the new
 * VMA goes into the red-black tree beside its neighbours (no descent from
 * the root), and no gap is propagated (the gaps are recomputed, once,
 * when a view of the tree reads them). */
static void tree_fn(void *ctx, int depth, char side, bool red, uint64_t start,
		    uint64_t end, uint64_t gap)
{
	(void)depth; (void)side; (void)red; (void)start; (void)end; (void)gap;
	++*(uint64_t *)ctx;
}

START_TEST(test_gap_update_stops_early)
{
	uint64_t a, steps, calls0, nodes = 0;

	sys = t_sys_make(false, 1ULL << 30);
	for (int i = 0; i < 10000; i++)
		ck_assert_int_eq(vmsh_mmap(sys, T_BASE + (uint64_t)i * 3 * T_PG,
					   2 * T_PG, VMSH_PROT_READ | VMSH_PROT_WRITE,
					   VMSH_MAP_PRIVATE | VMSH_MAP_ANONYMOUS |
					   VMSH_MAP_FIXED, NULL, 0, &a), 0);
	steps = sys->steps;
	calls0 = sys->gap_updates;
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(vmsh_mprotect(sys, T_BASE + (uint64_t)i * 3 * T_PG,
					       T_PG, VMSH_PROT_READ), 0);
	ck_assert_uint_gt(sys->gap_updates - calls0, 0);
	/* a descent would take ~14 steps a link */
	ck_assert_uint_le(sys->steps - steps, 100);
	t_check(sys);
	/* the view recomputes the stale gaps once: a step a node */
	steps = sys->steps;
	ck_assert_int_eq(vmsh_tree_walk(sys, 1, tree_fn, &nodes), 0);
	ck_assert_uint_ge(nodes, 11000);
	ck_assert_uint_le(sys->steps - steps, nodes);
	t_check(sys);
}
END_TEST

/* msync of 64 dirty pages of a file mapped beside 2000 one-page mappings
 * of the same file at other offsets, 2000 of another file and 2000
 * anonymous VMAs: each page's writeback (folio_mkclean) looks at the
 * i_mmap nodes on its way down, not at the 6000 VMAs. */
START_TEST(test_msync_rmap_is_not_a_scan)
{
	const int prot = VMSH_PROT_READ | VMSH_PROT_WRITE;
	const uint64_t fa = T_BASE + (1ULL << 36);
	uint64_t a, steps;
	struct vmsh_fault f;

	sys = t_sys_make(false, 1ULL << 30);
	ck_assert_int_eq(vmsh_file_create(sys, "f", 4096 * T_PG, true), 0);
	ck_assert_int_eq(vmsh_file_create(sys, "g", 4096 * T_PG, true), 0);
	for (int i = 0; i < 6000; i++)
		ck_assert_int_eq(vmsh_mmap(sys, T_BASE + (uint64_t)i * 2 * T_PG,
					   T_PG, prot, (i % 3 == 2 ?
					   VMSH_MAP_PRIVATE | VMSH_MAP_ANONYMOUS :
					   VMSH_MAP_SHARED) | VMSH_MAP_FIXED,
					   i % 3 == 2 ? NULL : i % 3 ? "g" : "f",
					   (1024 + (uint64_t)i / 3) * T_PG, &a), 0);
	ck_assert_int_eq(vmsh_mmap(sys, fa, 64 * T_PG, prot,
				   VMSH_MAP_SHARED | VMSH_MAP_FIXED, "f", 0, &a), 0);
	ck_assert_int_eq(vmsh_write(sys, fa, NULL, 1, 64 * T_PG, &a, &f), 0);
	steps = sys->steps;
	ck_assert_int_eq(vmsh_msync(sys, fa, 64 * T_PG), 0);
	/* one step at least per page (the walk counts), far below 64 x 6000 */
	ck_assert_uint_ge(sys->steps - steps, 64);
	ck_assert_uint_le(sys->steps - steps, 64 * 40);
	t_check(sys);
}
END_TEST

Suite *complexity_suite(void)
{
	Suite *s = suite_create("complexity");
	TCase *tc = t_tcase(s, "steps", NULL, teardown);

	tcase_add_test(tc, test_alloc_after_frees_is_not_a_scan);
	tcase_add_test(tc, test_tlb_page_flush_is_not_a_scan);
	tcase_add_test(tc, test_task_ops_are_not_a_walk);
	tcase_add_test(tc, test_gap_update_stops_early);
	tcase_add_test(tc, test_msync_rmap_is_not_a_scan);
	return s;
}
