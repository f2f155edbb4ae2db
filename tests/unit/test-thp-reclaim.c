/* SPDX-License-Identifier: MIT */
/*
 * Transparent huge pages under memory pressure (src/engine/huge_split.c,
 * vmscan.c, reclaim.c), cases of the thp suite: a THP is one LRU entry
 * of 512 pages; MADV_COLD/MADV_PAGEOUT of a whole PMD vs part of one
 * (split_folio); reclaim splits a THP to swap it (thp_swpout_fallback:
 * a swap file takes no whole THP); a split maps zero-filled pages to the
 * shared zero page; a shared THP is skipped; the deferred split shrinker
 * splits a partly unmapped THP and frees its unmapped pages, at a low
 * reclaim priority only.  Each figure was checked on this machine's
 * Linux 6.18 with a C probe (smaps, /proc/vmstat, /proc/meminfo; a swap
 * file; docs/notes/issue-17.md, session 5).
 */
#include "config.h"

#include <check.h>
#include <errno.h>

#include "vmsh/advice.h"
#include "vmsh/reclaim.h"
#include "huge_memory.h"
#include "memory.h"
#include "pgtable.h"
#include "phys.h"
#include "suites.h"
#include "sys.h"
#include "vmsh-test.h"

#define BASE T_BASE
#define M (1ULL << 20)

static struct vmsh_sys *sys;

static void setup_swap(void)
{
	struct vmsh_config cfg;

	t_config(&cfg, false, 0);
	cfg.swap = 16 * M;
	sys = t_sys_cfg(&cfg);
}
static void setup_noswap(void) { sys = t_sys_make(false, 0); }
static void teardown(void) { t_sys_free(&sys); }

/* A written 2 MiB THP at BASE (every page 0x5a, or every other page
 * when @sparse: the rest zero-filled). */
static uint64_t thp_written(bool sparse)
{
	uint64_t *pmdp, i;

	t_map(sys, BASE, 2 * M, T_RW, T_FIXED);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 2 * M, VMSH_MADV_HUGEPAGE), 0);
	if (!sparse)
		t_fill(sys, BASE, 2 * M, 0x5a);
	for (i = 0; sparse && i < 512; i += 2)
		t_fill(sys, BASE + i * T_PG, 1, 0x5a);
	pmdp = pmd_lookup(t_mm(sys), BASE);
	ck_assert(pmdp && pmd_trans_huge(*pmdp));
	return pte_pfn(*pmdp);
}

static uint64_t mi_inactive_anon(void)
{
	struct vmsh_meminfo mi;

	vmsh_meminfo(sys, &mi);
	return mi.inactive_anon;
}

START_TEST(test_thp_lru_one_entry)
{
	uint64_t head = thp_written(false), i;

	ck_assert_uint_eq(sys->phys.lruvec.tail[LRU_INACTIVE_ANON], head);
	ck_assert_uint_eq(sys->phys.lruvec.head[LRU_INACTIVE_ANON], head);
	ck_assert_uint_eq(vmsh_lru_pages(sys, LRU_INACTIVE_ANON), 512);
	ck_assert_uint_eq(mi_inactive_anon(), 2048);
	for (i = 1; i < 512; i++)
		ck_assert_uint_eq(phys_page(sys, head + i)->lru, LRU_NONE);
}
END_TEST

START_TEST(test_thp_pageout_whole)
{
	struct vmsh_smaps s;

	thp_written(false);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 2 * M, VMSH_MADV_PAGEOUT), 0);
	t_check(sys);
	s = t_smaps(sys, 1, BASE);
	ck_assert_uint_eq(s.rss, 0);
	ck_assert_uint_eq(s.swap, 2 * M);
	ck_assert_uint_eq(s.anon_huge, 0);
	ck_assert_uint_eq(t_stat(sys, "thp_split_page"), 1);
	ck_assert_uint_eq(t_stat(sys, "thp_split_pmd"), 1);
	ck_assert_uint_eq(t_stat(sys, "thp_swpout_fallback"), 1);
	ck_assert_uint_eq(t_stat(sys, "thp_swpout"), 0);
	ck_assert_uint_eq(t_stat(sys, "pswpout"), 512);
	/* a touch maps one page back from the swap cache */
	ck_assert_uint_eq(t_peek(sys, BASE + 7 * T_PG), 0x5a);
	t_check(sys);
	s = t_smaps(sys, 1, BASE);
	ck_assert_uint_eq(s.rss, 4096);
	ck_assert_uint_eq(s.swap, 2 * M - 4096);
}
END_TEST

/* Part of a PMD: the folio is split first; zero-filled pages become the
 * shared zero page (Rss drops), the written ones in range are swapped. */
START_TEST(test_thp_pageout_partial)
{
	struct vmsh_smaps s;

	thp_written(true);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, M, VMSH_MADV_PAGEOUT), 0);
	t_check(sys);
	s = t_smaps(sys, 1, BASE);
	ck_assert_uint_eq(s.rss, 512 * 1024);
	ck_assert_uint_eq(s.swap, 512 * 1024);
	ck_assert_uint_eq(s.anon_huge, 0);
	ck_assert_uint_eq(t_stat(sys, "thp_split_page"), 1);
	ck_assert_uint_eq(t_stat(sys, "thp_swpout_fallback"), 0);
	ck_assert_uint_eq(t_stat(sys, "pswpout"), 128);
	ck_assert_uint_eq(t_peek(sys, BASE + M + T_PG), 0);
	ck_assert_uint_eq(t_peek(sys, BASE + M + 2 * T_PG), 0x5a);
	ck_assert_uint_eq(t_peek(sys, BASE + 2 * T_PG), 0x5a);
}
END_TEST

START_TEST(test_thp_cold)
{
	struct vmsh_smaps s;

	thp_written(false);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 2 * M, VMSH_MADV_COLD), 0);
	t_check(sys);
	s = t_smaps(sys, 1, BASE);
	ck_assert_uint_eq(s.referenced, 0);
	ck_assert_uint_eq(s.anon_huge, 2 * M);
	ck_assert_uint_eq(t_stat(sys, "thp_split_page"), 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, M, VMSH_MADV_COLD), 0);
	t_check(sys);
	s = t_smaps(sys, 1, BASE);
	ck_assert_uint_eq(s.anon_huge, 0);
	ck_assert_uint_eq(s.rss, 2 * M);
	ck_assert_uint_eq(s.referenced, 0);
	ck_assert_uint_eq(t_stat(sys, "thp_split_page"), 1);
	ck_assert_uint_eq(t_stat(sys, "thp_split_pmd"), 1);
}
END_TEST

/* Mapped by a fork child too: left whole, split by neither. */
START_TEST(test_thp_pageout_shared)
{
	int child;

	thp_written(false);
	child = t_spawn(sys, vmsh_fork);
	t_switch(sys, child, -1);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 2 * M, VMSH_MADV_PAGEOUT), 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, M, VMSH_MADV_PAGEOUT), 0);
	t_check(sys);
	ck_assert_uint_eq(t_smaps(sys, child, BASE).anon_huge, 2 * M);
	ck_assert_uint_eq(t_stat(sys, "thp_split_page"), 0);
	ck_assert_uint_eq(t_stat(sys, "pswpout"), 0);
}
END_TEST

/* Reclaiming a small page whose address another mm maps with a huge
 * PMD (a fork child's THP, the parent's copy of one page) leaves that
 * PMD huge: the reverse map does not split it (diff thpswap seed 193). */
START_TEST(test_thp_rmap_leaves_other_pmd)
{
	int child;

	thp_written(false);
	child = t_spawn(sys, vmsh_fork);
	t_fill(sys, BASE + 2 * T_PG, 1, 3);     /* the parent's COW copy */
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 2 * M, VMSH_MADV_PAGEOUT), 0);
	t_check(sys);
	ck_assert_uint_eq(t_stat(sys, "pswpout"), 1);
	ck_assert_uint_eq(t_smaps(sys, child, BASE).anon_huge, 2 * M);
	ck_assert_uint_eq(t_stat(sys, "thp_split_page"), 0);
}
END_TEST

/* No swap: split all the same (the whole folio's swap allocation
 * fails first), then the 512 pages are activated. */
START_TEST(test_thp_pageout_noswap)
{
	struct vmsh_smaps s;

	thp_written(false);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 2 * M, VMSH_MADV_PAGEOUT), 0);
	t_check(sys);
	s = t_smaps(sys, 1, BASE);
	ck_assert_uint_eq(s.rss, 2 * M);
	ck_assert_uint_eq(s.anon_huge, 0);
	ck_assert_uint_eq(t_stat(sys, "thp_split_page"), 1);
	ck_assert_uint_eq(t_stat(sys, "thp_swpout_fallback"), 1);
	ck_assert_uint_eq(t_stat(sys, "pgactivate"), 512);
	/* put back through the lru_add batch (folio_putback_lru) */
	lru_add_drain(sys);
	ck_assert_uint_eq(vmsh_lru_pages(sys, LRU_ACTIVE_ANON), 512);
}
END_TEST

/* A partly unmapped THP keeps its frames (and its 512-page LRU entry)
 * until the deferred split shrinker splits it: not at priority 12 with
 * one queued folio, at priority 0 (drop_caches' and the last direct
 * reclaim pass's); then the unmapped half is freed. */
START_TEST(test_thp_deferred_shrinker)
{
	uint64_t head = thp_written(false), nfree;

	ck_assert_int_eq(vmsh_munmap(sys, BASE + M, M), 0);
	t_check(sys);
	ck_assert_uint_eq(t_stat(sys, "thp_deferred_split_page"), 1);
	ck_assert_uint_eq(sys->ds_queue.nr, 1);
	ck_assert_uint_eq(vmsh_lru_pages(sys, LRU_INACTIVE_ANON), 512);
	ck_assert_int_eq(phys_page(sys, head + 300)->refcount, 0);
	nfree = sys->phys.nfree;
	ck_assert_uint_eq(shrink_slab(sys, 12), 0);
	ck_assert_uint_eq(sys->ds_queue.nr, 1);
	ck_assert_uint_eq(shrink_slab(sys, 0), 1);
	t_check(sys);
	ck_assert_uint_eq(sys->ds_queue.nr, 0);
	ck_assert_uint_eq(t_stat(sys, "thp_split_page"), 1);
	ck_assert_uint_eq(sys->phys.nfree, nfree + 256);
	ck_assert_uint_eq(vmsh_lru_pages(sys, LRU_INACTIVE_ANON), 256);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).rss, M);
	ck_assert_uint_eq(t_peek(sys, BASE + 5), 0x5a);
}
END_TEST

/* Exit frees a partly unmapped THP whole (no split). */
START_TEST(test_thp_held_frames_freed)
{
	uint64_t nfree;

	thp_written(false);
	nfree = sys->phys.nfree;
	ck_assert_int_eq(vmsh_munmap(sys, BASE, M), 0);
	t_check(sys);
	ck_assert_uint_eq(sys->phys.nfree, nfree);
	ck_assert_int_eq(vmsh_munmap(sys, BASE + M, M), 0);
	t_check(sys);
	ck_assert_uint_eq(sys->ds_queue.nr, 0);
	ck_assert_uint_eq(vmsh_lru_pages(sys, LRU_INACTIVE_ANON), 0);
	ck_assert_uint_eq(t_stat(sys, "thp_split_page"), 0);
}
END_TEST

/* Reclaim under pressure takes a THP off the inactive list whole, and
 * splits it to swap it. */
START_TEST(test_thp_reclaim_pressure)
{
	struct vmsh_config cfg;

	t_sys_free(&sys);
	t_config(&cfg, false, 8 * M);
	cfg.swap = 32 * M;
	sys = t_sys_cfg(&cfg);
	thp_written(false);
	t_map(sys, BASE + 4 * M, 12 * M, T_RW, T_FIXED);
	t_fill(sys, BASE + 4 * M, 12 * M, 1);
	ck_assert_uint_ge(t_stat(sys, "thp_swpout_fallback"), 1);
	ck_assert_uint_ge(t_stat(sys, "thp_split_page"), 1);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).anon_huge, 0);
	ck_assert_uint_eq(t_peek(sys, BASE + 3 * T_PG), 0x5a);
	t_check(sys);
}
END_TEST

static uint64_t mi_swap_cached(void)
{
	struct vmsh_meminfo mi;

	vmsh_meminfo(sys, &mi);
	return mi.swap_cached;
}

/* MADV_COLLAPSE brings a range's swap entries in (no max_ptes_swap for
 * it) and copies them into the huge page; the old pages leave the swap
 * cache with their last mapping.  A guard marker in the range stops the
 * swap-in where it stands: EINVAL, the pages brought in stay mapped, the
 * new folio goes back.  (Probed on Linux 6.18: golden
 * 24-thp-collapse-swap.) */
START_TEST(test_thp_collapse_swapin)
{
	uint64_t nfree;

	t_map(sys, BASE, 8 * M, T_RW, T_FIXED);
	t_fill(sys, BASE + 2 * M + 2 * T_PG, 128 * T_PG, 0x62);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 2 * M, 2 * M, VMSH_MADV_PAGEOUT), 0);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).swap, 128 * T_PG);
	ck_assert_uint_eq(mi_swap_cached(), 128 * T_PG / 1024);   /* kB */
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 2 * M, 2 * M, VMSH_MADV_COLLAPSE), 0);
	t_check(sys);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).anon_huge, 2 * M);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).swap, 0);
	ck_assert_uint_eq(mi_swap_cached(), 0);
	ck_assert_uint_eq(t_stat(sys, "thp_collapse_alloc"), 1);
	ck_assert_uint_eq(t_peek(sys, BASE + 2 * M + 2 * T_PG), 0x62);
	ck_assert_uint_eq(t_peek(sys, BASE + 2 * M + 129 * T_PG), 0x62);
	ck_assert_uint_eq(t_peek(sys, BASE + 2 * M + 130 * T_PG), 0);
	/* a guard marker after the swapped pages */
	t_fill(sys, BASE + 4 * M, 128 * T_PG, 4);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 6 * M - T_PG, T_PG,
				      VMSH_MADV_GUARD_INSTALL), 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 4 * M, 2 * M, VMSH_MADV_PAGEOUT), 0);
	nfree = sys->phys.nfree;
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 4 * M, 2 * M, VMSH_MADV_COLLAPSE),
			 -EINVAL);
	t_check(sys);
	ck_assert_uint_eq(t_stat(sys, "thp_collapse_alloc"), 2);
	/* the VMA's figures: the first huge page, and the 128 pages back */
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).anon_huge, 2 * M);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).rss, 2 * M + 128 * T_PG);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).swap, 0);
	ck_assert_uint_eq(sys->phys.nfree, nfree);      /* the folio went back */
	ck_assert_uint_eq(t_peek(sys, BASE + 4 * M + 127 * T_PG), 4);
}
END_TEST

/* khugepaged takes at most max_ptes_swap (64) swap entries in a range,
 * and with any, wants half the range young (HPAGE_PMD_NR / 2). */
START_TEST(test_thp_khugepaged_swap)
{
	struct vmsh_khugepaged_info k;

	t_map(sys, BASE, 6 * M, T_RW, T_FIXED);
	t_fill(sys, BASE, 300 * T_PG, 1);               /* 65 out, 235 young */
	t_fill(sys, BASE + 2 * M, 364 * T_PG, 2);       /* 64 out, 300 young */
	t_fill(sys, BASE + 4 * M, 164 * T_PG, 3);       /* 64 out, 100 young */
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 65 * T_PG, VMSH_MADV_PAGEOUT), 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 2 * M, 64 * T_PG, VMSH_MADV_PAGEOUT), 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 4 * M, 64 * T_PG, VMSH_MADV_PAGEOUT), 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 6 * M, VMSH_MADV_HUGEPAGE), 0);
	ck_assert_int_eq(vmsh_khugepaged(sys, &k), 0);
	t_check(sys);
	ck_assert_uint_eq(k.scanned, 3);
	ck_assert_uint_eq(k.collapsed, 1);
	ck_assert_uint_eq(t_stat(sys, "thp_scan_exceed_swap_pte"), 1);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).anon_huge, 2 * M);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).swap, (65 + 64) * T_PG);
	ck_assert_uint_eq(t_peek(sys, BASE + 2 * M), 2);
	ck_assert_uint_eq(t_peek(sys, BASE + 2 * M + 363 * T_PG), 2);
}
END_TEST

/* MADV_FREE of a whole THP keeps its PMD (old and clean) and makes the
 * folio lazy-free at once, on the inactive file list as one entry; part
 * of one splits the folio.  Pageout discards a clean lazy-free THP whole
 * (no swap) and keeps one written since (swap-backed again, its PMD
 * split).  (Probed on Linux 6.18: golden 24-thp-free.) */
START_TEST(test_thp_free)
{
	struct vmsh_meminfo mi;
	uint64_t head = thp_written(false), *pmdp;

	ck_assert_int_eq(vmsh_madvise(sys, BASE, 2 * M, VMSH_MADV_FREE), 0);
	t_check(sys);
	pmdp = pmd_lookup(t_mm(sys), BASE);
	ck_assert(pmd_trans_huge(*pmdp));
	ck_assert(!(*pmdp & (_PAGE_ACCESSED | _PAGE_DIRTY)));
	ck_assert(phys_page(sys, head)->lazyfree);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).lazyfree, 2 * M);
	vmsh_meminfo(sys, &mi);
	ck_assert_uint_eq(mi.inactive_file, 2048);      /* kB */
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 2 * M, VMSH_MADV_PAGEOUT), 0);
	t_check(sys);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).rss, 0);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).swap, 0);
	ck_assert_uint_eq(t_stat(sys, "pswpout"), 0);
	ck_assert_uint_eq(t_peek(sys, BASE), 0);
	/* the split left a PTE table: a refault maps small pages */
	ck_assert(!pmd_trans_huge(*pmdp));
	/* a THP written since MADV_FREE: kept, swap-backed, PTE-mapped */
	t_map(sys, BASE + 4 * M, 2 * M, T_RW, T_FIXED);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 4 * M, 2 * M, VMSH_MADV_HUGEPAGE), 0);
	t_fill(sys, BASE + 4 * M, 2 * M, 0x5a);
	pmdp = pmd_lookup(t_mm(sys), BASE + 4 * M);
	ck_assert(pmd_trans_huge(*pmdp));
	head = pte_pfn(*pmdp);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 4 * M, 2 * M, VMSH_MADV_FREE), 0);
	t_fill(sys, BASE + 4 * M + T_PG, 1, 1);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE + 4 * M).lazyfree, 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 4 * M, 2 * M, VMSH_MADV_PAGEOUT), 0);
	t_check(sys);
	ck_assert(!phys_page(sys, head)->lazyfree);
	ck_assert(phys_page(sys, head)->dirty);
	ck_assert(!pmd_trans_huge(*pmdp));
	ck_assert_uint_eq(t_smaps(sys, 1, BASE + 4 * M).rss, 2 * M);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE + 4 * M).anon_huge, 0);
	ck_assert_uint_eq(t_peek(sys, BASE + 4 * M + 2 * T_PG), 0x5a);
}
END_TEST

/* MADV_FREE of part of a THP splits the folio: the pages in range go
 * lazy-free as small folios (through the batch), the rest stay. */
START_TEST(test_thp_free_partial)
{
	thp_written(false);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, M, VMSH_MADV_FREE), 0);
	t_check(sys);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).anon_huge, 0);
	ck_assert_uint_eq(t_stat(sys, "thp_split_page"), 1);
	/* 256 queued: 8 batches of 31 moved, 8 still waiting */
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).lazyfree, 248 * T_PG);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 2 * M, VMSH_MADV_PAGEOUT), 0);
	t_check(sys);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).rss, 0);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).swap, M);
	ck_assert_uint_eq(t_peek(sys, BASE + M), 0x5a);
}
END_TEST

/* munlock of part of a mlocked THP munlocks the whole folio (its VMA
 * split, so its PMD): pageout then swaps the unlocked half; mlock of
 * part of a PTE-mapped THP locks nothing.  (Probed on Linux 6.18:
 * golden 24-thp-munlock-part.) */
START_TEST(test_thp_munlock_part)
{
	uint64_t head = thp_written(false);

	ck_assert_int_eq(vmsh_mlock(sys, BASE, 2 * M, 0), 0);
	ck_assert(phys_page(sys, head)->mlocked);
	ck_assert(phys_page(sys, head)->unevictable);
	ck_assert_int_eq(vmsh_munlock(sys, BASE, M), 0);
	t_check(sys);
	ck_assert(!phys_page(sys, head)->unevictable);
	ck_assert(!phys_page(sys, head)->mlocked);
	ck_assert(!phys_page(sys, head + HPAGE_PMD_NR - 1)->mlocked);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 2 * M, VMSH_MADV_PAGEOUT), -EINVAL);
	t_check(sys);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).swap, M);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE + M).locked, M);
	/* part of a PTE-mapped THP: not locked */
	t_map(sys, BASE + 4 * M, 2 * M, T_RW, T_FIXED);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 4 * M, 2 * M, VMSH_MADV_HUGEPAGE), 0);
	t_fill(sys, BASE + 4 * M, 2 * M, 1);
	head = pte_pfn(*pmd_lookup(t_mm(sys), BASE + 4 * M));
	ck_assert_int_eq(vmsh_mprotect(sys, BASE + 4 * M, T_PG, VMSH_PROT_READ), 0);
	ck_assert_int_eq(vmsh_mlock(sys, BASE + 4 * M + T_PG, 2 * M - T_PG, 0), 0);
	t_check(sys);
	ck_assert(!phys_page(sys, head)->mlocked);
	ck_assert(!phys_page(sys, head)->unevictable);
}
END_TEST

void thp_reclaim_tcases(Suite *s)
{
	TCase *tc;

	tc = t_tcase(s, "reclaim", setup_swap, teardown);
	tcase_add_test(tc, test_thp_lru_one_entry);
	tcase_add_test(tc, test_thp_pageout_whole);
	tcase_add_test(tc, test_thp_pageout_partial);
	tcase_add_test(tc, test_thp_cold);
	tcase_add_test(tc, test_thp_pageout_shared);
	tcase_add_test(tc, test_thp_rmap_leaves_other_pmd);
	tcase_add_test(tc, test_thp_deferred_shrinker);
	tcase_add_test(tc, test_thp_held_frames_freed);
	tcase_add_test(tc, test_thp_reclaim_pressure);
	tcase_add_test(tc, test_thp_collapse_swapin);
	tcase_add_test(tc, test_thp_khugepaged_swap);
	tcase_add_test(tc, test_thp_free);
	tcase_add_test(tc, test_thp_free_partial);
	tcase_add_test(tc, test_thp_munlock_part);
	tc = t_tcase(s, "reclaim-noswap", setup_noswap, teardown);
	tcase_add_test(tc, test_thp_pageout_noswap);
}
