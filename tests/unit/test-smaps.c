/* SPDX-License-Identifier: MIT */
/*
 * smaps figures (src/engine/smaps.c) as fs/proc/task_mmu.c computes them:
 * the zero page is skipped, Pss is summed in 1/4096 fixed point and
 * truncated, sharing is by mapcount, Locked follows VM_LOCKED; and the
 * walk/pt views.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "phys.h"
#include "suites.h"
#include "sys.h"
#include "views.h"
#include "vmsh-test.h"

#define BASE T_BASE
#define RW T_RW
#define PA T_FIXED

static struct vmsh_sys *sys;

static void setup(void) { sys = t_sys_make(false, 0); }
static void setup_zero_page(void) { sys = t_sys_make(true, 0); }
static void teardown(void) { t_sys_free(&sys); }
static void checked(void) { t_check(sys); }

/* Three processes share 3 pages, two share one: Pss sums 4096/3 three
 * times per page, then is truncated (as Linux: 3 * 1365.33 = 4096 per
 * page, 4096 + 2048 + ... ). */
START_TEST(test_smaps_pss_fixed_point)
{
	struct vmsh_fault f;
	struct vmsh_smaps s;
	int c1, c2;

	t_map(sys, BASE, 4 * PAGE_SIZE, RW, PA);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 1, 4 * PAGE_SIZE, NULL, &f), 0);
	ck_assert_int_eq(vmsh_fork(sys, &c1), 0);
	ck_assert_int_eq(vmsh_fork(sys, &c2), 0);
	/* the second child drops page 3 */
	ck_assert_int_eq(vmsh_switch(sys, c2, -1), 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 3 * PAGE_SIZE, PAGE_SIZE,
				      VMSH_MADV_DONTNEED), 0);
	checked();
	s = t_smaps(sys, 1, BASE);
	/* 3 pages at mapcount 3, 1 page at mapcount 2 */
	ck_assert_uint_eq(s.rss, 4 * PAGE_SIZE);
	ck_assert_uint_eq(s.shared_dirty, 4 * PAGE_SIZE);
	ck_assert_uint_eq(s.pss, (3 * ((PAGE_SIZE << 12) / 3) +
				  (PAGE_SIZE << 12) / 2) >> 12);
	ck_assert_uint_eq(s.pss_dirty, s.pss);
	ck_assert_uint_eq(s.private_dirty, 0);
}
END_TEST

START_TEST(test_smaps_zero_page_skipped)
{
	struct vmsh_fault f;
	struct vmsh_smaps s;

	t_map(sys, BASE, 8 * PAGE_SIZE, VMSH_PROT_READ, PA);
	ck_assert_int_eq(vmsh_touch(sys, BASE, 8 * PAGE_SIZE, &f), 0);
	s = t_smaps(sys, 0, BASE + 5 * PAGE_SIZE);
	ck_assert_uint_eq(s.size, 8 * PAGE_SIZE);
	ck_assert_uint_eq(s.rss, 0);
	ck_assert_uint_eq(s.referenced, 0);
	ck_assert_uint_eq(s.pss, 0);
	checked();
}
END_TEST

START_TEST(test_smaps_no_vma)
{
	struct vmsh_smaps s;

	t_map(sys, BASE, PAGE_SIZE, RW, PA);
	ck_assert_int_lt(vmsh_smaps(sys, 0, BASE + PAGE_SIZE, &s), 0);
	ck_assert_int_lt(vmsh_smaps(sys, 999, BASE, &s), 0);
}
END_TEST

struct pt_count {
	int entries[5];
};

static void count_pt(void *ctx, int depth, const char *level, uint64_t va,
		     unsigned index, uint64_t entry)
{
	struct pt_count *c = ctx;

	(void)level;
	(void)va;
	(void)index;
	(void)entry;
	c->entries[depth]++;
}

START_TEST(test_smaps_walk_and_pt)
{
	struct vmsh_fault f;
	struct vmsh_walk w;
	struct pt_count c = { { 0 } };
	char bits[128];

	t_map(sys, BASE, 3 * PAGE_SIZE, RW, PA);
	ck_assert_int_eq(vmsh_walk(sys, 0, BASE, &w), 0);
	ck_assert_int_eq(w.end, VMSH_WALK_NOT_PRESENT);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 1, 2 * PAGE_SIZE, NULL, &f), 0);
	ck_assert_int_eq(vmsh_walk(sys, 0, BASE + PAGE_SIZE + 5, &w), 0);
	ck_assert_int_eq(w.end, VMSH_WALK_MAPPED);
	ck_assert_int_eq(w.nsteps, 4);
	ck_assert_str_eq(w.step[0].level, "PGD");
	ck_assert_uint_eq(w.step[0].index, 64);
	ck_assert_str_eq(w.step[3].level, "PTE");
	ck_assert_uint_eq(w.step[3].index, 1);
	ck_assert_uint_eq(w.phys, (w.pfn << 12) | 5);
	fmt_pte_bits(w.step[3].entry, true, bits, sizeof(bits));
	ck_assert_str_eq(bits, "P RW US A D NX");
	fmt_pte_bits(w.step[0].entry, false, bits, sizeof(bits));
	ck_assert_str_eq(bits, "P RW US A D");
	ck_assert_int_eq(vmsh_walk(sys, 0, 0x800000000000ULL, &w), 0);
	ck_assert_int_eq(w.end, VMSH_WALK_NONCANONICAL);
	ck_assert_int_eq(vmsh_pt_walk(sys, 0, 0, 0, count_pt, &c), 0);
	ck_assert_int_eq(c.entries[0], 1);
	ck_assert_int_eq(c.entries[3], 2);
	ck_assert_int_eq(vmsh_mprotect(sys, BASE, PAGE_SIZE, VMSH_PROT_NONE), 0);
	ck_assert_int_eq(vmsh_walk(sys, 0, BASE, &w), 0);
	ck_assert_int_eq(w.end, VMSH_WALK_PROTNONE);
	fmt_pte_bits(w.step[3].entry, true, bits, sizeof(bits));
	ck_assert_str_eq(bits, "A D PROTNONE");
	checked();
}
END_TEST

/* THPeligible (thp_vma_allowable_orders, TVA_SMAPS) under each mode. */
START_TEST(test_smaps_thp_eligible)
{
	const uint64_t M = 1ULL << 20;
	struct vmsh_config cfg = *vmsh_sys_config(sys);

	t_map(sys, BASE, 4 * M, RW, PA);                       /* aligned 2M inside */
	t_map(sys, BASE + 8 * M + PAGE_SIZE, 2 * M, RW, PA);   /* none inside */
	t_map(sys, BASE + 16 * M, 4 * M, RW, VMSH_MAP_SHARED | VMSH_MAP_ANONYMOUS |
	      VMSH_MAP_FIXED);                                  /* shmem: never */
	checked();
	/* madvise mode (the default) without MADV_HUGEPAGE: none */
	ck_assert(!t_smaps(sys, 1, BASE).thp_eligible);
	cfg.thp = VMSH_THP_ALWAYS;
	ck_assert_int_eq(vmsh_sys_set_config(sys, &cfg), 0);
	ck_assert(t_smaps(sys, 1, BASE).thp_eligible);
	ck_assert(!t_smaps(sys, 1, BASE + 8 * M + PAGE_SIZE).thp_eligible);
	ck_assert(!t_smaps(sys, 1, BASE + 16 * M).thp_eligible);
	/* a split leaving less than an aligned 2M on one side */
	ck_assert_int_eq(vmsh_mprotect(sys, BASE, M, VMSH_PROT_READ), 0);
	ck_assert(!t_smaps(sys, 1, BASE).thp_eligible);
	ck_assert(t_smaps(sys, 1, BASE + M).thp_eligible);
	cfg.thp = VMSH_THP_NEVER;
	ck_assert_int_eq(vmsh_sys_set_config(sys, &cfg), 0);
	ck_assert(!t_smaps(sys, 1, BASE + M).thp_eligible);
	cfg.thp = 7;
	ck_assert_int_eq(vmsh_sys_set_config(sys, &cfg), -EINVAL);
	checked();
}
END_TEST

/* pagemap entries and kpageflags as Linux 6.18 reports them (probed with
 * a C program reading /proc/self/pagemap and /proc/kpageflags as root). */
START_TEST(test_pagemap_bits)
{
	const uint64_t anon = (1ULL << VMSH_KPF_UPTODATE) | (1ULL << VMSH_KPF_MMAP) |
			      (1ULL << VMSH_KPF_ANON) | (1ULL << VMSH_KPF_SWAPBACKED);
	const uint64_t excl = 1ULL << VMSH_KPF_OWNER_2;
	const uint64_t lru = 1ULL << VMSH_KPF_LRU;
	uint64_t pm, kpf;
	int child;

	t_map(sys, BASE, 4 * T_PG, T_RW, T_FIXED);
	t_fill(sys, BASE, 1, 0x41);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + T_PG, T_PG,
				      VMSH_MADV_GUARD_INSTALL), 0);
	ck_assert_int_eq(vmsh_pagemap(sys, 0, BASE, &pm, &kpf), 0);
	ck_assert_uint_eq(pm & ~VMSH_PM_FRAME_MASK,
			  VMSH_PM_PRESENT | VMSH_PM_MMAP_EXCLUSIVE);
	ck_assert_uint_eq(kpf, anon | excl);
	/* a guard marker: swapped + guard, swap type 31 offset 4 */
	ck_assert_int_eq(vmsh_pagemap(sys, 0, BASE + T_PG, &pm, &kpf), 0);
	ck_assert_uint_eq(pm, 0x440000000000009fULL);
	ck_assert_uint_eq(kpf, 0);
	/* nothing mapped, then past TASK_SIZE: no entry at all */
	ck_assert_int_eq(vmsh_pagemap(sys, 0, BASE + 2 * T_PG, &pm, &kpf), 0);
	ck_assert_uint_eq(pm, 0);
	ck_assert_int_eq(vmsh_pagemap(sys, 0, 0x7ffffffff000ULL, &pm, &kpf), 1);
	ck_assert_int_eq(vmsh_pagemap(sys, 9, BASE, &pm, &kpf), -ESRCH);
	/* fork: mapped twice, and PG_anon_exclusive gone for good */
	child = t_spawn(sys, vmsh_fork);
	ck_assert_int_eq(vmsh_pagemap(sys, child, BASE, &pm, &kpf), 0);
	ck_assert_uint_eq(pm & ~VMSH_PM_FRAME_MASK, VMSH_PM_PRESENT);
	ck_assert_uint_eq(kpf, anon);
	ck_assert_int_eq(vmsh_kill(sys, child), 0);
	ck_assert_int_eq(vmsh_pagemap(sys, 0, BASE, &pm, &kpf), 0);
	ck_assert_uint_eq(pm & ~VMSH_PM_FRAME_MASK,
			  VMSH_PM_PRESENT | VMSH_PM_MMAP_EXCLUSIVE);
	ck_assert_uint_eq(kpf, anon);
	/* MADV_FREE drains the lru_add batch first: the page has PG_lru
	 * from then on (before, it waited in the batch); swapbacked clears
	 * when the lazy-free batch drains */
	t_fill(sys, BASE + 2 * T_PG, 1, 0x42);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, T_PG, VMSH_MADV_FREE), 0);
	ck_assert_int_eq(vmsh_pagemap(sys, 0, BASE, &pm, &kpf), 0);
	ck_assert_uint_eq(kpf, anon | lru);
	ck_assert_int_eq(vmsh_pagemap(sys, 0, BASE + 2 * T_PG, &pm, &kpf), 0);
	ck_assert_uint_eq(kpf, anon | excl | lru);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 2 * T_PG, T_PG,
				      VMSH_MADV_FREE), 0);
	ck_assert_int_eq(vmsh_pagemap(sys, 0, BASE, &pm, &kpf), 0);
	ck_assert_uint_eq(kpf, (anon | lru) & ~(1ULL << VMSH_KPF_SWAPBACKED));
	checked();
}
END_TEST

Suite *smaps_suite(void)
{
	Suite *s = suite_create("smaps");
	TCase *tc;

	tc = t_tcase(s, "figures", setup, teardown);
	tcase_add_test(tc, test_smaps_pss_fixed_point);
	tcase_add_test(tc, test_smaps_no_vma);
	tcase_add_test(tc, test_smaps_thp_eligible);
	tcase_add_test(tc, test_pagemap_bits);
	tc = t_tcase(s, "zero-page", setup_zero_page, teardown);
	tcase_add_test(tc, test_smaps_zero_page_skipped);
	tc = t_tcase(s, "walk", setup, teardown);
	tcase_add_test(tc, test_smaps_walk_and_pt);
	return s;
}
