/* SPDX-License-Identifier: MIT */
/*
 * The classic replacement policies (replace.c) and the machine's
 * --replace mode (replace_mm.c): the textbook answers on Belady's
 * reference string, each policy against a plain list simulator over
 * random strings, OPT never worse than any other policy, RANDOM's
 * determinism, the index under churn; on the machine: the fault counts,
 * eviction to the implicit backing store and back (contents kept, major
 * faults), munmap freeing a frame, shared pages after fork, a shared
 * mapping's page, OPT with a future, swap full.  The invariant checker
 * runs after every mutation.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "vmsh/replace.h"
#include "pgtable.h"
#include "swap.h"
#include "suites.h"
#include "vmsh-test.h"

#define BASE T_BASE
#define PG   T_PG

static const uint64_t belady[] = { 1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5 };
#define NBELADY (sizeof(belady) / sizeof(belady[0]))

/* Faults of @policy over @refs with @frames frames (the module), its
 * invariants checked after every reference. */
static uint64_t faults_of(int policy, uint64_t frames, const uint64_t *refs,
			  size_t n, uint64_t seed)
{
	struct vmsh_replace *r = vmsh_replace_new(policy, frames, seed);
	struct vmsh_replace_stats st;
	char buf[256];
	uint64_t victim;

	ck_assert_ptr_nonnull(r);
	if (policy == VMSH_REPLACE_OPT)
		vmsh_replace_set_future(r, refs, n);
	for (size_t i = 0; i < n; i++) {
		int ret = vmsh_replace_ref(r, refs[i], &victim);

		ck_assert_int_eq(vmsh_replace_check(r, buf, sizeof(buf)), 0);
		if (ret == VMSH_REPLACE_EVICT)
			ck_assert(!vmsh_replace_resident(r, victim));
		ck_assert(vmsh_replace_resident(r, refs[i]));
	}
	vmsh_replace_get_stats(r, &st);
	ck_assert_uint_eq(st.hits + st.faults, n);
	vmsh_replace_free(r);
	return st.faults;
}

/* ---- a plain simulator: arrays, linear scans, no index --------------- */

static uint64_t plain(int policy, size_t frames, const uint64_t *refs,
		      size_t n)
{
	uint64_t page[64], stamp[64], t = 0, faults = 0;
	bool refbit[64];
	size_t used = 0, hand = 0;

	ck_assert_uint_le(frames, 64);
	for (size_t i = 0; i < n; i++, t++) {
		size_t j, v = 0;

		for (j = 0; j < used && page[j] != refs[i]; j++)
			;
		if (j < used) {                 /* hit */
			if (policy == VMSH_REPLACE_LRU)
				stamp[j] = t;
			refbit[j] = true;
			continue;
		}
		faults++;
		if (used < frames) {
			page[used] = refs[i];
			stamp[used] = t;
			refbit[used] = true;
			used++;
			continue;
		}
		switch (policy) {
		case VMSH_REPLACE_FIFO:
		case VMSH_REPLACE_LRU:
			for (j = 1; j < used; j++)
				if (stamp[j] < stamp[v])
					v = j;
			break;
		case VMSH_REPLACE_CLOCK:
			while (refbit[hand]) {
				refbit[hand] = false;
				hand = (hand + 1) % frames;
			}
			v = hand;
			hand = (hand + 1) % frames;
			break;
		case VMSH_REPLACE_OPT: {
			size_t best = 0, bestd = 0;

			/* farthest next use; ties: loaded first */
			for (j = 0; j < used; j++) {
				size_t k;

				for (k = i + 1; k < n && refs[k] != page[j]; k++)
					;
				if (k > bestd ||
				    (k == bestd && stamp[j] < stamp[best])) {
					bestd = k;
					best = j;
				}
			}
			v = best;
			break;
		}
		}
		page[v] = refs[i];
		stamp[v] = t;
		refbit[v] = true;
	}
	return faults;
}

START_TEST(test_replace_belady_fifo)
{
	/* Belady's anomaly: more frames, more faults */
	ck_assert_uint_eq(faults_of(VMSH_REPLACE_FIFO, 3, belady, NBELADY, 0), 9);
	ck_assert_uint_eq(faults_of(VMSH_REPLACE_FIFO, 4, belady, NBELADY, 0), 10);
}
END_TEST

START_TEST(test_replace_belady_lru_opt_clock)
{
	ck_assert_uint_eq(faults_of(VMSH_REPLACE_LRU, 3, belady, NBELADY, 0), 10);
	ck_assert_uint_eq(faults_of(VMSH_REPLACE_LRU, 4, belady, NBELADY, 0), 8);
	ck_assert_uint_eq(faults_of(VMSH_REPLACE_OPT, 3, belady, NBELADY, 0), 7);
	ck_assert_uint_eq(faults_of(VMSH_REPLACE_OPT, 4, belady, NBELADY, 0), 6);
	/* second chance degenerates to FIFO when every page was used */
	ck_assert_uint_eq(faults_of(VMSH_REPLACE_CLOCK, 3, belady, NBELADY, 0), 9);
	ck_assert_uint_eq(faults_of(VMSH_REPLACE_CLOCK, 4, belady, NBELADY, 0), 10);
}
END_TEST

START_TEST(test_replace_textbook_strings)
{
	/* Silberschatz's string: FIFO 15, LRU 12, OPT 9 with 3 frames */
	static const uint64_t s[] = { 7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2,
				      1, 2, 0, 1, 7, 0, 1 };
	size_t n = sizeof(s) / sizeof(s[0]);

	ck_assert_uint_eq(faults_of(VMSH_REPLACE_FIFO, 3, s, n, 0), 15);
	ck_assert_uint_eq(faults_of(VMSH_REPLACE_LRU, 3, s, n, 0), 12);
	ck_assert_uint_eq(faults_of(VMSH_REPLACE_OPT, 3, s, n, 0), 9);
	ck_assert_uint_eq(faults_of(VMSH_REPLACE_CLOCK, 3, s, n, 0),
			  plain(VMSH_REPLACE_CLOCK, 3, s, n));
}
END_TEST

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

START_TEST(test_replace_against_plain_simulator)
{
	static const int pols[] = { VMSH_REPLACE_FIFO, VMSH_REPLACE_LRU,
				    VMSH_REPLACE_CLOCK, VMSH_REPLACE_OPT };
	uint64_t refs[300];

	rng_state = 0x5eed;
	for (int round = 0; round < 200; round++) {
		size_t n = 20 + rnd() % 280, frames = 1 + rnd() % 8;
		uint64_t pages = 2 + rnd() % 14;

		for (size_t i = 0; i < n; i++)
			refs[i] = rnd() % pages;
		for (size_t p = 0; p < 4; p++)
			ck_assert_uint_eq(faults_of(pols[p], frames, refs, n, 0),
					  plain(pols[p], frames, refs, n));
	}
}
END_TEST

START_TEST(test_replace_opt_never_worse)
{
	uint64_t refs[400];

	rng_state = 0xbe1ade;
	for (int round = 0; round < 150; round++) {
		size_t n = 10 + rnd() % 390, frames = 1 + rnd() % 10;
		uint64_t pages = 2 + rnd() % 20, opt;

		for (size_t i = 0; i < n; i++)
			refs[i] = rnd() % pages;
		opt = faults_of(VMSH_REPLACE_OPT, frames, refs, n, 0);
		ck_assert_uint_le(opt, faults_of(VMSH_REPLACE_LRU, frames, refs, n, 0));
		ck_assert_uint_le(opt, faults_of(VMSH_REPLACE_FIFO, frames, refs, n, 0));
		ck_assert_uint_le(opt, faults_of(VMSH_REPLACE_CLOCK, frames, refs, n, 0));
		ck_assert_uint_le(opt, faults_of(VMSH_REPLACE_RANDOM, frames, refs, n,
						 round + 1));
	}
}
END_TEST

START_TEST(test_replace_random_deterministic)
{
	uint64_t refs[500], a, b, c;
	bool differs = false;

	rng_state = 42;
	for (size_t i = 0; i < 500; i++)
		refs[i] = rnd() % 12;
	a = faults_of(VMSH_REPLACE_RANDOM, 4, refs, 500, 0);
	b = faults_of(VMSH_REPLACE_RANDOM, 4, refs, 500, 0);
	ck_assert_uint_eq(a, b);
	ck_assert_uint_eq(faults_of(VMSH_REPLACE_RANDOM, 4, refs, 500, 1), a);
	for (uint64_t seed = 2; seed < 12; seed++) {
		c = faults_of(VMSH_REPLACE_RANDOM, 4, refs, 500, seed);
		differs |= c != a;
	}
	ck_assert(differs);
}
END_TEST

START_TEST(test_replace_index_churn)
{
	struct vmsh_replace *r = vmsh_replace_new(VMSH_REPLACE_LRU, 50, 0);
	char buf[256];
	uint64_t v;

	rng_state = 7;
	for (int i = 0; i < 5000; i++) {
		uint64_t p = rnd() % 300;

		if (rnd() % 4 == 0)
			vmsh_replace_remove(r, p);
		else
			vmsh_replace_ref(r, p, &v);
		ck_assert_int_eq(vmsh_replace_check(r, buf, sizeof(buf)), 0);
	}
	vmsh_replace_free(r);
}
END_TEST

START_TEST(test_replace_steps_and_names)
{
	struct vmsh_replace *r = vmsh_replace_new(VMSH_REPLACE_FIFO, 2, 0);
	uint64_t v = 0, w = 0;

	ck_assert_ptr_null(vmsh_replace_new(VMSH_REPLACE_OFF, 2, 0));
	ck_assert_ptr_null(vmsh_replace_new(VMSH_REPLACE_FIFO, 0, 0));
	ck_assert_int_eq(vmsh_replace_policy_parse("clock"), VMSH_REPLACE_CLOCK);
	ck_assert_int_eq(vmsh_replace_policy_parse("mru"), -1);
	ck_assert_str_eq(vmsh_replace_name(VMSH_REPLACE_OPT), "opt");
	ck_assert(!vmsh_replace_pick_victim(r, &v));
	ck_assert_int_eq(vmsh_replace_on_fault(r, 10, NULL), VMSH_REPLACE_FAULT);
	ck_assert_int_eq(vmsh_replace_on_fault(r, 11, NULL), VMSH_REPLACE_FAULT);
	ck_assert(vmsh_replace_on_access(r, 10));
	ck_assert(!vmsh_replace_on_access(r, 12));
	/* the victim named is the one evicted */
	ck_assert(vmsh_replace_pick_victim(r, &v));
	ck_assert_uint_eq(v, 10);
	ck_assert_int_eq(vmsh_replace_on_fault(r, 12, &w), VMSH_REPLACE_EVICT);
	ck_assert_uint_eq(w, 10);
	ck_assert(vmsh_replace_remove(r, 11));
	ck_assert(!vmsh_replace_remove(r, 11));
	ck_assert_int_eq(vmsh_replace_ref(r, 13, &w), VMSH_REPLACE_FAULT);
	vmsh_replace_free(r);
}
END_TEST

/* ---- the machine -------------------------------------------------------- */

static struct vmsh_sys *sys;

static void make(int policy, uint64_t frames, uint64_t swap)
{
	struct vmsh_config cfg;

	t_config(&cfg, false, 64 << 20);
	cfg.replace = policy;
	cfg.user_frames = frames;
	cfg.swap = swap;
	sys = t_sys_cfg(&cfg);
}

static void teardown(void) { t_sys_free(&sys); }

static struct vmsh_replace_stats rstats(void)
{
	struct vmsh_replace_stats st;

	vmsh_replace_get_stats(vmsh_sys_replace(sys), &st);
	return st;
}

static void touch_page(uint64_t page)
{
	struct vmsh_fault f;

	ck_assert_int_eq(vmsh_touch(sys, BASE + page * PG, 1, &f), 0);
	t_check(sys);
}

/* The reference string over pages 1..5 of an anonymous mapping. */
static uint64_t run_belady(int policy, uint64_t frames)
{
	make(policy, frames, 0);
	t_map(sys, BASE, 8 * PG, T_RW, T_FIXED);
	if (policy == VMSH_REPLACE_OPT) {
		uint64_t vpns[NBELADY];

		for (size_t i = 0; i < NBELADY; i++)
			vpns[i] = (BASE >> 12) + belady[i];
		ck_assert_int_eq(vmsh_sys_replace_future(sys, vpns, NBELADY), 0);
	}
	for (size_t i = 0; i < NBELADY; i++) {
		touch_page(belady[i]);
		ck_assert_int_le(t_mm(sys)->rss[MM_ANONPAGES], (int64_t)frames);
	}
	return rstats().faults;
}

START_TEST(test_replace_machine_belady)
{
	ck_assert_uint_eq(run_belady(VMSH_REPLACE_FIFO, 3), 9);
	/* evicted: 1 2 3 4 1 2; the pages were only read, so they are
	 * zero-filled: the zeromap takes them without a write (pswpout 0,
	 * as Linux 6.18's swap_writeout), and reading them back is still a
	 * major fault */
	ck_assert_uint_eq(rstats().evictions, 6);
	ck_assert_uint_eq(t_stat(sys, "pswpout"), 0);
	ck_assert_uint_eq(t_stat(sys, "pgmajfault"), 9 - 5);
	t_sys_free(&sys);
	ck_assert_uint_eq(run_belady(VMSH_REPLACE_FIFO, 4), 10);
	t_sys_free(&sys);
	ck_assert_uint_eq(run_belady(VMSH_REPLACE_LRU, 3), 10);
	t_sys_free(&sys);
	ck_assert_uint_eq(run_belady(VMSH_REPLACE_LRU, 4), 8);
	t_sys_free(&sys);
	ck_assert_uint_eq(run_belady(VMSH_REPLACE_OPT, 3), 7);
	t_sys_free(&sys);
	ck_assert_uint_eq(run_belady(VMSH_REPLACE_OPT, 4), 6);
	t_sys_free(&sys);
	ck_assert_uint_eq(run_belady(VMSH_REPLACE_CLOCK, 3), 9);
	t_sys_free(&sys);
	ck_assert_uint_eq(run_belady(VMSH_REPLACE_RANDOM, 3),
			  faults_of(VMSH_REPLACE_RANDOM, 3, belady, NBELADY, 0));
}
END_TEST

START_TEST(test_replace_machine_contents_survive)
{
	struct vmsh_fault f;
	uint64_t done;

	make(VMSH_REPLACE_FIFO, 2, 0);
	t_map(sys, BASE, 6 * PG, T_RW, T_FIXED);
	for (uint64_t p = 0; p < 6; p++)
		t_fill(sys, BASE + p * PG, PG, (uint8_t)(0x40 + p));
	ck_assert_int_eq(t_mm(sys)->rss[MM_ANONPAGES], 2);
	ck_assert_int_eq(t_mm(sys)->rss[MM_SWAPENTS], 4);
	ck_assert(is_swap_pte(*pte_lookup(t_mm(sys), BASE, false)));
	for (uint64_t p = 0; p < 6; p++)
		ck_assert_uint_eq(t_peek(sys, BASE + p * PG), 0x40 + p);
	t_check(sys);
	ck_assert_uint_eq(rstats().faults, 12);
	/* a write hit keeps the page; a partial write reaches it */
	ck_assert_int_eq(vmsh_write(sys, BASE + 5 * PG + 7, (const uint8_t *)"x",
				    0, 1, &done, &f), 0);
	ck_assert_uint_eq(t_peek(sys, BASE + 5 * PG + 7), 'x');
	ck_assert_uint_eq(rstats().hits, 2);
	t_check(sys);
}
END_TEST

START_TEST(test_replace_machine_munmap_frees_frame)
{
	make(VMSH_REPLACE_FIFO, 2, 0);
	t_map(sys, BASE, 4 * PG, T_RW, T_FIXED);
	touch_page(0);
	touch_page(1);
	ck_assert_int_eq(vmsh_munmap(sys, BASE, PG), 0);
	t_check(sys);
	/* page 0's frame is free again: no eviction */
	touch_page(2);
	ck_assert_uint_eq(rstats().evictions, 0);
	ck_assert_uint_eq(rstats().resident, 2);
	touch_page(3);
	ck_assert_uint_eq(rstats().evictions, 1);
	/* the evicted page is zero-filled: the zeromap, no write */
	ck_assert_uint_eq(t_stat(sys, "pswpout"), 0);
	ck_assert_uint_eq(rstats().resident, 2);
}
END_TEST

START_TEST(test_replace_machine_fork_shared_page)
{
	int child;

	make(VMSH_REPLACE_LRU, 2, 0);
	t_map(sys, BASE, 4 * PG, T_RW, T_FIXED);
	t_fill(sys, BASE, PG, 0x77);
	child = t_spawn(sys, vmsh_fork);
	t_switch(sys, child, -1);
	/* the child's first access of the shared page is its own fault */
	touch_page(0);
	ck_assert_uint_eq(rstats().resident, 2);
	touch_page(1);          /* evicts the parent's mapping of page 0 */
	t_check(sys);
	ck_assert_uint_eq(t_peek(sys, BASE), 0x77);
	t_switch(sys, 1, -1);
	ck_assert_uint_eq(t_peek(sys, BASE), 0x77);
	t_check(sys);
	ck_assert_int_eq(vmsh_kill(sys, child), 0);
	t_check(sys);
	touch_page(2);
	touch_page(3);
	t_check(sys);
}
END_TEST

START_TEST(test_replace_machine_shared_mapping)
{
	make(VMSH_REPLACE_FIFO, 1, 0);
	t_map(sys, BASE, 2 * PG, T_RW, VMSH_MAP_SHARED | VMSH_MAP_ANONYMOUS |
	      VMSH_MAP_FIXED);
	t_fill(sys, BASE, PG, 0x31);
	t_fill(sys, BASE + PG, PG, 0x32);
	/* the page cache keeps shmem pages: the PTE goes, the data stays */
	ck_assert_ptr_nonnull(pte_lookup(t_mm(sys), BASE, false));
	ck_assert(!(*pte_lookup(t_mm(sys), BASE, false) & _PAGE_PRESENT));
	ck_assert_uint_eq(t_peek(sys, BASE), 0x31);
	ck_assert_uint_eq(rstats().evictions, 2);
	t_check(sys);
}
END_TEST

START_TEST(test_replace_machine_swap_full_oom)
{
	struct vmsh_fault f;

	make(VMSH_REPLACE_FIFO, 1, 3 * PG);     /* two usable slots */
	t_map(sys, BASE, 8 * PG, T_RW, T_FIXED);
	t_fill(sys, BASE, PG, 1);
	t_fill(sys, BASE + PG, PG, 2);
	t_fill(sys, BASE + 2 * PG, PG, 3);
	/* the fourth needs a third slot: none, the task is killed */
	ck_assert_int_eq(vmsh_touch(sys, BASE + 3 * PG, 1, &f), 1);
	ck_assert_int_eq(f.signo, SIGKILL);
	t_check(sys);
}
END_TEST

START_TEST(test_replace_machine_leaves_huge_pages)
{
	uint64_t *pmdp;

	make(VMSH_REPLACE_FIFO, 2, 0);
	t_map(sys, BASE, 4 << 20, T_RW, T_FIXED);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 4 << 20, VMSH_MADV_HUGEPAGE), 0);
	for (int i = 0; i < 4; i++)
		touch_page(3 + (uint64_t)i * 100);
	/* one huge PMD, never split, its pages not the policy's (the first
	 * access, made before the huge fault, counts until a purge) */
	pmdp = pmd_lookup(t_mm(sys), BASE);
	ck_assert(pmdp && pmd_trans_huge(*pmdp));
	ck_assert_uint_le(rstats().resident, 1);
	ck_assert_uint_eq(rstats().evictions, 0);
}
END_TEST

START_TEST(test_replace_machine_config)
{
	struct vmsh_config cfg;

	vmsh_config_default(&cfg);
	cfg.replace = VMSH_REPLACE_FIFO;
	cfg.user_frames = 0;
	ck_assert_ptr_null(vmsh_sys_new(&cfg));
	cfg.replace = 9;
	cfg.user_frames = 3;
	ck_assert_ptr_null(vmsh_sys_new(&cfg));
	sys = t_sys_new();
	ck_assert_ptr_null(vmsh_sys_replace(sys));
	ck_assert_int_eq(vmsh_sys_replace_future(sys, NULL, 0), -EINVAL);
}
END_TEST

Suite *replace_suite(void)
{
	Suite *s = suite_create("replace");
	TCase *tc = tcase_create("policies");

	tcase_add_test(tc, test_replace_belady_fifo);
	tcase_add_test(tc, test_replace_belady_lru_opt_clock);
	tcase_add_test(tc, test_replace_textbook_strings);
	tcase_add_test(tc, test_replace_against_plain_simulator);
	tcase_add_test(tc, test_replace_opt_never_worse);
	tcase_add_test(tc, test_replace_random_deterministic);
	tcase_add_test(tc, test_replace_index_churn);
	tcase_add_test(tc, test_replace_steps_and_names);
	suite_add_tcase(s, tc);
	tc = t_tcase(s, "machine", NULL, teardown);
	tcase_add_test(tc, test_replace_machine_belady);
	tcase_add_test(tc, test_replace_machine_contents_survive);
	tcase_add_test(tc, test_replace_machine_munmap_frees_frame);
	tcase_add_test(tc, test_replace_machine_fork_shared_page);
	tcase_add_test(tc, test_replace_machine_shared_mapping);
	tcase_add_test(tc, test_replace_machine_swap_full_oom);
	tcase_add_test(tc, test_replace_machine_leaves_huge_pages);
	tcase_add_test(tc, test_replace_machine_config);
	return s;
}
