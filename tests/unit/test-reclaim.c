/* SPDX-License-Identifier: MIT */
/*
 * Reclaim under memory pressure (phys.c's LRU lists, reclaim.c,
 * vmscan.c, workingset.c): the lists, activation on the second access,
 * deactivation when the inactive list is low, reference clearing through
 * the reverse map, writeback of dirty file pages, swapping under
 * pressure, kswapd at the low watermark, OOM only when nothing is
 * reclaimable, workingset refaults.  The invariant checker (lists,
 * counts, flags) runs after every step.
 */
#include "config.h"

#include <errno.h>

#include "file.h"
#include "memory.h"
#include "pgtable.h"
#include "reclaim.h"
#include "swap.h"
#include "suites.h"
#include "vmsh-test.h"

#define BASE T_BASE
#define PG   T_PG

static struct vmsh_sys *sys;

static void make(uint64_t ram, uint64_t swap)
{
	struct vmsh_config cfg;

	t_config(&cfg, false, ram);
	cfg.swap = swap;
	sys = t_sys_cfg(&cfg);
}
static void teardown(void) { t_sys_free(&sys); }

static uint64_t lru_pages(enum lru_list l)
{
	return sys->phys.lruvec.nr_pages[l];
}

static uint64_t pfn_at(uint64_t addr)
{
	uint64_t *p = pte_lookup(t_mm(sys), addr, false);

	ck_assert_ptr_nonnull(p);
	ck_assert(*p & _PAGE_PRESENT);
	return pte_pfn(*p);
}

static uint64_t pte_at(uint64_t addr)
{
	uint64_t *p = pte_lookup(t_mm(sys), addr, false);

	return p ? *p : 0;
}

START_TEST(test_watermarks)
{
	make(1 << 20, 0);               /* 1M: sqrt(16 x 1024) = 128 kB */
	ck_assert_uint_eq(sys->wmark_min, 32);
	ck_assert_uint_eq(sys->wmark_low, 40);
	ck_assert_uint_eq(sys->wmark_high, 48);
	t_sys_free(&sys);
	make(64 << 20, 0);              /* 64M: 1024 kB */
	ck_assert_uint_eq(sys->wmark_min, 256);
	ck_assert_uint_eq(sys->wmark_low, 320);
	ck_assert_uint_eq(sys->wmark_high, 384);
	t_sys_free(&sys);
	make(1ULL << 30, 0);            /* 1G: 4096 kB; scale factor wins */
	ck_assert_uint_eq(sys->wmark_min, 1024);
	ck_assert_uint_eq(sys->wmark_low, 1024 + 262);
	ck_assert_uint_eq(sys->wmark_high, 1024 + 524);
	ck_assert_uint_eq(sys->swappiness, 60);
}
END_TEST

/* folio_add_lru: new anonymous pages wait in the per-CPU lru_add batch
 * (off the lists, no PG_lru); when it moves they go to the head of the
 * inactive anon list, so the first written is the oldest (the tail). */
START_TEST(test_lru_add_order)
{
	make(0, 0);
	t_map(sys, BASE, 4 * PG, T_RW, T_FIXED);
	t_fill(sys, BASE, 4 * PG, 1);
	t_check(sys);
	ck_assert_uint_eq(lru_pages(LRU_INACTIVE_ANON), 0);
	ck_assert_uint_eq(sys->lru_add_nr, 4);
	lru_add_drain(sys);
	t_check(sys);
	ck_assert_uint_eq(sys->lru_add_nr, 0);
	ck_assert_uint_eq(lru_pages(LRU_INACTIVE_ANON), 4);
	ck_assert_uint_eq(lru_pages(LRU_ACTIVE_ANON), 0);
	ck_assert_uint_eq(sys->phys.lruvec.tail[LRU_INACTIVE_ANON], pfn_at(BASE));
	ck_assert_uint_eq(sys->phys.lruvec.head[LRU_INACTIVE_ANON],
			  pfn_at(BASE + 3 * PG));
	ck_assert_int_eq(vmsh_munmap(sys, BASE, 4 * PG), 0);
	t_check(sys);
	ck_assert_uint_eq(lru_pages(LRU_INACTIVE_ANON), 0);
}
END_TEST

/* The lru_add batch as 6.18 keeps it (probed on one CPU with
 * /proc/self/pagemap + /proc/kpageflags): 30 new pages wait without
 * PG_lru, the 31st moves the batch; the batch holds a reference (a page
 * unmapped meanwhile is freed when it moves); a COW write on a page
 * still in the batch drains it, one on a listed page does not; the
 * drain points (here MADV_WILLNEED of anonymous memory) move it. */
START_TEST(test_lru_add_batch)
{
	const uint64_t lru = 1ULL << VMSH_KPF_LRU;
	uint64_t pm, kpf, pfn, nfree;
	int child;

	make(0, 0);
	t_map(sys, BASE, 64 * PG, T_RW, T_FIXED);
	t_fill(sys, BASE, 30 * PG, 1);
	t_check(sys);
	ck_assert_uint_eq(sys->lru_add_nr, 30);
	ck_assert_int_eq(vmsh_pagemap(sys, 0, BASE, &pm, &kpf), 0);
	ck_assert_uint_eq(kpf & lru, 0);
	pfn = pfn_at(BASE);
	ck_assert_int_eq(phys_page(sys, pfn)->refcount, 2);    /* + batch */
	t_fill(sys, BASE + 30 * PG, PG, 1);                   /* the 31st */
	t_check(sys);
	ck_assert_uint_eq(sys->lru_add_nr, 0);
	ck_assert_uint_eq(lru_pages(LRU_INACTIVE_ANON), 31);
	ck_assert_int_eq(vmsh_pagemap(sys, 0, BASE, &pm, &kpf), 0);
	ck_assert_uint_eq(kpf & lru, lru);
	ck_assert_int_eq(phys_page(sys, pfn)->refcount, 1);
	/* unmapped while queued: freed when the batch moves */
	t_fill(sys, BASE + 31 * PG, PG, 1);
	nfree = sys->phys.nfree;
	ck_assert_int_eq(vmsh_munmap(sys, BASE + 31 * PG, PG), 0);
	t_check(sys);
	ck_assert_uint_eq(sys->phys.nfree, nfree);      /* the batch holds it */
	ck_assert_int_eq(vmsh_madvise(sys, BASE, PG, VMSH_MADV_WILLNEED), 0);
	t_check(sys);
	ck_assert_uint_eq(sys->phys.nfree, nfree + 1);
	ck_assert_uint_eq(sys->lru_add_nr, 0);
	/* COW: a write on a listed page copies without a drain ... */
	t_fill(sys, BASE + 40 * PG, PG, 1);             /* queued */
	child = t_spawn(sys, vmsh_fork);
	t_fill(sys, BASE, 1, 2);
	ck_assert_uint_eq(sys->lru_add_nr, 2);          /* + the copy */
	ck_assert_int_eq(vmsh_pagemap(sys, 0, BASE + 40 * PG, &pm, &kpf), 0);
	ck_assert_uint_eq(kpf & lru, 0);
	/* ... a write on a page still in the batch drains it first */
	t_fill(sys, BASE + 40 * PG, 1, 2);
	t_check(sys);
	ck_assert_uint_eq(sys->lru_add_nr, 1);          /* only the copy */
	ck_assert_int_eq(vmsh_pagemap(sys, child, BASE + 40 * PG, &pm, &kpf), 0);
	ck_assert_uint_eq(kpf & lru, lru);
	ck_assert_int_eq(vmsh_pagemap(sys, 0, BASE + 40 * PG, &pm, &kpf), 0);
	ck_assert_uint_eq(kpf & lru, 0);
}
END_TEST

/* mark_page_accessed: the first read sets PG_referenced; the second,
 * while the page still waits in the lru_add batch, sets PG_active
 * (__lru_cache_activate_folio: no pgactivate) and the batch puts it on
 * the active list; on a listed inactive page the second queues it in
 * the lru_activate batch, whose move activates it (inactive -> active
 * file list, pgactivate). */
START_TEST(test_activation_on_second_access)
{
	uint8_t b[16];
	uint64_t done, pfn;

	make(0, 0);
	ck_assert_int_eq(vmsh_file_create(sys, "f", PG, true), 0);
	ck_assert_int_eq(vmsh_file_read(sys, "f", 0, b, 16, &done), 0);
	t_check(sys);
	ck_assert_uint_eq(sys->lru_add_nr, 1);
	pfn = sys->lru_add_batch[0];
	ck_assert(phys_page(sys, pfn)->referenced);
	ck_assert_int_eq(vmsh_file_read(sys, "f", 0, b, 16, &done), 0);
	t_check(sys);
	ck_assert(phys_page(sys, pfn)->active);
	ck_assert(!phys_page(sys, pfn)->referenced);
	ck_assert_uint_eq(t_stat(sys, "pgactivate"), 0);
	lru_add_drain(sys);
	t_check(sys);
	ck_assert_uint_eq(lru_pages(LRU_ACTIVE_FILE), 1);
	/* a page on the inactive list */
	ck_assert_int_eq(vmsh_file_create(sys, "g", PG, true), 0);
	ck_assert_int_eq(vmsh_file_read(sys, "g", 0, b, 16, &done), 0);
	lru_add_drain(sys);
	ck_assert_uint_eq(lru_pages(LRU_INACTIVE_FILE), 1);
	pfn = sys->phys.lruvec.tail[LRU_INACTIVE_FILE];
	ck_assert(phys_page(sys, pfn)->referenced);
	ck_assert_uint_eq(t_stat(sys, "pgactivate"), 0);
	ck_assert_int_eq(vmsh_file_read(sys, "g", 0, b, 16, &done), 0);
	t_check(sys);
	/* PG_referenced goes at once, the activation waits in the
	 * lru_activate batch (a reference) until it moves */
	ck_assert(!phys_page(sys, pfn)->referenced);
	ck_assert(!phys_page(sys, pfn)->active);
	ck_assert_uint_eq(lru_pages(LRU_INACTIVE_FILE), 1);
	ck_assert_uint_eq(sys->lru_activate.nr, 1);
	ck_assert_uint_eq(t_stat(sys, "pgactivate"), 0);
	lru_add_drain(sys);
	t_check(sys);
	ck_assert_uint_eq(lru_pages(LRU_INACTIVE_FILE), 0);
	ck_assert_uint_eq(lru_pages(LRU_ACTIVE_FILE), 2);
	ck_assert_uint_eq(t_stat(sys, "pgactivate"), 1);
}
END_TEST

/* folio_referenced: the accessed bit of every mapping PTE is cleared,
 * and the VMAs that had one are counted. */
START_TEST(test_reference_clearing)
{
	uint64_t pfn, flags;
	int child;

	make(0, 0);
	t_map(sys, BASE, PG, T_RW, T_FIXED);
	t_fill(sys, BASE, PG, 1);
	pfn = pfn_at(BASE);
	ck_assert(pte_at(BASE) & _PAGE_ACCESSED);
	ck_assert_int_eq(folio_referenced(sys, pfn, &flags), 1);
	ck_assert(!(pte_at(BASE) & _PAGE_ACCESSED));
	ck_assert(flags & VM_WRITE);
	ck_assert_int_eq(folio_referenced(sys, pfn, &flags), 0);
	t_check(sys);
	/* shared with a child: both PTEs young again after a read each */
	child = t_spawn(sys, vmsh_fork);
	(void)t_peek(sys, BASE);
	t_switch(sys, child, -1);
	(void)t_peek(sys, BASE);
	ck_assert_uint_eq(pfn_at(BASE), pfn);
	ck_assert_int_eq(folio_referenced(sys, pfn, &flags), 2);
	ck_assert_int_eq(folio_referenced(sys, pfn, &flags), 0);
	t_check(sys);
}
END_TEST

/* Pressure: anonymous memory twice the RAM goes to swap instead of
 * killing the task; the lists, the counters and the checker agree. */
START_TEST(test_pressure_swaps)
{
	struct vmsh_smaps s;

	make(1 << 20, 4 << 20);
	t_map(sys, BASE, 2 << 20, T_RW, T_FIXED);
	t_fill(sys, BASE, 2 << 20, 0x5a);
	vmsh_sys_idle(sys);
	t_check(sys);
	s = t_smaps(sys, 0, BASE);
	ck_assert_uint_eq(t_stat(sys, "oom_kill"), 0);
	ck_assert_uint_gt(s.swap, 0);
	ck_assert_uint_eq(s.rss + s.swap, 2 << 20);
	ck_assert_uint_gt(t_stat(sys, "allocstall"), 0);
	ck_assert_uint_gt(t_stat(sys, "pgscan_direct"), 0);
	ck_assert_uint_gt(t_stat(sys, "pgsteal_direct"), 0);
	ck_assert_uint_gt(t_stat(sys, "pswpout"), 0);
	/* every byte is still there: the swapped pages come back */
	ck_assert_uint_eq(t_peek(sys, BASE), 0x5a);
	ck_assert_uint_eq(t_peek(sys, BASE + (2 << 20) - 1), 0x5a);
	ck_assert_uint_gt(t_stat(sys, "pgmajfault"), 0);
	ck_assert_uint_gt(t_stat(sys, "workingset_refault_anon"), 0);
	t_check(sys);
}
END_TEST

/* Swap full: the OOM killer only when nothing is left to reclaim. */
START_TEST(test_swap_full_then_oom)
{
	struct vmsh_fault f;
	uint64_t done;

	make(1 << 20, 64 << 10);        /* 15 slots */
	t_map(sys, BASE, 2 << 20, T_RW, T_FIXED);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 1, 2 << 20, &done, &f), 1);
	ck_assert_int_eq(f.signo, SIGKILL);
	ck_assert_uint_eq(t_stat(sys, "oom_kill"), 1);
	ck_assert_uint_eq(t_stat(sys, "pswpout"), 15);
	t_check(sys);
}
END_TEST

/* kswapd: woken when a fault finds free memory at the low watermark,
 * it runs at the command boundary and reclaims to above high. */
START_TEST(test_kswapd_low_watermark)
{
	struct vmsh_fault f;
	static uint8_t buf[64 * PG];
	uint64_t done, fill;

	make(1 << 20, 0);
	ck_assert_int_eq(vmsh_file_create(sys, "f", 64 * PG, true), 0);
	ck_assert_int_eq(vmsh_file_read(sys, "f", 0, buf, 64 * PG, &done), 0);
	/* 64 = 31 + 31 on the list (two full batches) + 2 waiting */
	ck_assert_uint_eq(sys->phys.lruvec.nr_pages[LRU_INACTIVE_FILE], 62);
	ck_assert_uint_eq(sys->lru_add_nr, 2);
	t_map(sys, BASE, 1 << 20, T_RW, T_FIXED);
	/* anonymous pages until free memory is just above low */
	for (fill = 0; sys->phys.nfree > sys->wmark_low + 1; fill += PG)
		ck_assert_int_eq(vmsh_write(sys, BASE + fill, NULL, 1, 1, &done,
					    &f), 0);
	ck_assert(!sys->kswapd_woken);
	ck_assert_int_eq(vmsh_write(sys, BASE + fill, NULL, 1, 2 * PG, &done,
				    &f), 0);
	ck_assert(sys->kswapd_woken);
	ck_assert_uint_eq(t_stat(sys, "allocstall"), 0);
	ck_assert_uint_eq(t_stat(sys, "pageoutrun"), 0);
	vmsh_sys_idle(sys);
	t_check(sys);
	ck_assert(!sys->kswapd_woken);
	ck_assert_uint_eq(t_stat(sys, "pageoutrun"), 1);
	ck_assert_uint_gt(sys->phys.nfree, sys->wmark_high);
	ck_assert_uint_gt(t_stat(sys, "pgscan_kswapd"), 0);
	ck_assert_uint_gt(t_stat(sys, "pgsteal_kswapd"), 0);
	ck_assert_uint_eq(t_stat(sys, "pgsteal_file"), t_stat(sys, "pgsteal_kswapd"));
	ck_assert_uint_eq(t_stat(sys, "allocstall"), 0);
}
END_TEST

/* Deactivation: with the active file list large and the inactive one
 * empty, reclaim moves the oldest active pages to the inactive list
 * (PG_workingset, pgdeactivate) before freeing them. */
START_TEST(test_deactivation)
{
	struct vmsh_fault f;
	uint8_t b[8];
	uint64_t done, i;

	make(1 << 20, 0);
	ck_assert_int_eq(vmsh_file_create(sys, "f", 128 * PG, true), 0);
	for (i = 0; i < 128; i++) {     /* twice each: active */
		ck_assert_int_eq(vmsh_file_read(sys, "f", i * PG, b, 8, &done), 0);
		ck_assert_int_eq(vmsh_file_read(sys, "f", i * PG, b, 8, &done), 0);
	}
	t_check(sys);
	ck_assert_uint_eq(lru_pages(LRU_ACTIVE_FILE), 128);
	ck_assert_uint_eq(lru_pages(LRU_INACTIVE_FILE), 0);
	t_map(sys, BASE, 128 * PG, T_RW, T_FIXED);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 1, 128 * PG, &done, &f), 0);
	t_check(sys);
	ck_assert_uint_gt(t_stat(sys, "pgdeactivate"), 0);
	ck_assert_uint_gt(t_stat(sys, "pgrefill"), 0);
	ck_assert_uint_gt(t_stat(sys, "pgsteal_file"), 0);
	ck_assert_uint_lt(lru_pages(LRU_ACTIVE_FILE) + lru_pages(LRU_INACTIVE_FILE), 128);
	ck_assert_uint_eq(t_stat(sys, "oom_kill"), 0);
}
END_TEST

/* Writeback: a dirty disk-file page at the inactive tail wakes the
 * flusher, which writes it back (clean, its PTEs write-protected) and
 * rotates it to the tail, where the next scan frees it. */
START_TEST(test_writeback)
{
	struct vmsh_meminfo m;
	struct vmsh_fault f;
	uint64_t done, out;

	make(1 << 20, 0);
	ck_assert_int_eq(vmsh_file_create(sys, "f", 64 * PG, true), 0);
	ck_assert_int_eq(vmsh_mmap(sys, BASE, 64 * PG,
				   VMSH_PROT_READ | VMSH_PROT_WRITE,
				   VMSH_MAP_SHARED | VMSH_MAP_FIXED, "f", 0, &out), 0);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 7, 64 * PG, &done, &f), 0);
	t_check(sys);
	vmsh_meminfo(sys, &m);
	ck_assert_uint_eq(m.dirty, 64 * 4);
	t_map(sys, BASE + (1 << 20), 200 * PG, T_RW, T_FIXED);
	ck_assert_int_eq(vmsh_write(sys, BASE + (1 << 20), NULL, 1, 200 * PG,
				    &done, &f), 0);
	vmsh_sys_idle(sys);
	t_check(sys);
	vmsh_meminfo(sys, &m);
	ck_assert_uint_eq(m.dirty, 0);
	ck_assert_uint_gt(t_stat(sys, "pgsteal_file"), 0);
	ck_assert_uint_gt(t_stat(sys, "pgrotated"), 0);
	/* the file kept its contents through writeback and eviction */
	ck_assert_uint_eq(t_peek(sys, BASE), 7);
	ck_assert_uint_eq(t_peek(sys, BASE + 63 * PG), 7);
	ck_assert_uint_eq(t_stat(sys, "oom_kill"), 0);
}
END_TEST

/* Without swap anonymous memory cannot be reclaimed: the OOM killer
 * acts once the frames are gone, as before reclaim existed. */
START_TEST(test_no_swap_oom)
{
	struct vmsh_fault f;
	uint64_t done;

	make(1 << 20, 0);
	t_map(sys, BASE, 2 << 20, T_RW, T_FIXED);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 1, 2 << 20, &done, &f), 1);
	ck_assert_uint_eq(t_stat(sys, "oom_kill"), 1);
	ck_assert_uint_eq(t_stat(sys, "pgscan_direct"), 0);
	ck_assert_uint_gt(t_stat(sys, "allocstall"), 0);
	t_check(sys);
}
END_TEST


Suite *reclaim_suite(void)
{
	Suite *s = suite_create("reclaim");
	TCase *tc = t_tcase(s, "reclaim", NULL, teardown);

	tcase_add_test(tc, test_watermarks);
	tcase_add_test(tc, test_lru_add_order);
	tcase_add_test(tc, test_lru_add_batch);
	tcase_add_test(tc, test_activation_on_second_access);
	tcase_add_test(tc, test_reference_clearing);
	tcase_add_test(tc, test_pressure_swaps);
	tcase_add_test(tc, test_swap_full_then_oom);
	tcase_add_test(tc, test_kswapd_low_watermark);
	tcase_add_test(tc, test_deactivation);
	tcase_add_test(tc, test_writeback);
	tcase_add_test(tc, test_no_swap_oom);
	return s;
}
