/* SPDX-License-Identifier: MIT */
/*
 * Swap and the reclaim of madvise cold/pageout (swapfile.c, vmscan.c,
 * do_swap_page): slot accounting, swap entries in PTEs, the swap cache,
 * fork's copy of swap entries, swap-in, the zap, swapoff.  Every figure
 * here was checked against Linux 6.18 with a swap file (tests/golden
 * 26-swap-*, tests/diff category swap).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "vmsh/reclaim.h"
#include "file.h"
#include "reclaim.h"
#include "checks.h"
#include "memory.h"
#include "pgtable.h"
#include "swap.h"
#include "suites.h"
#include "vmsh-test.h"

#define BASE T_BASE
#define PG   T_PG

static struct vmsh_sys *sys;

static void setup(void)
{
	struct vmsh_config cfg;

	t_config(&cfg, false, 0);
	cfg.swap = 1 << 20;             /* 255 usable slots */
	sys = t_sys_cfg(&cfg);
}
static void setup_noswap(void) { sys = t_sys_make(false, 0); }
static void teardown(void) { t_sys_free(&sys); }

static uint64_t pte_at(uint64_t addr)
{
	uint64_t *p = pte_lookup(t_mm(sys), addr, false);

	return p ? *p : 0;
}

static void written(uint64_t len)
{
	uint64_t done;
	struct vmsh_fault f;

	t_map(sys, BASE, len, T_RW, T_FIXED);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 0x11, len, &done, &f), 0);
	t_check(sys);
}

static struct vmsh_smaps sm(int pid)
{
	struct vmsh_smaps s;

	ck_assert_int_eq(vmsh_smaps(sys, pid, BASE, &s), 0);
	return s;
}

START_TEST(test_swap_pageout_makes_swap_entries)
{
	struct vmsh_smaps s;
	uint64_t pte;

	written(8 * PG);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 8 * PG, VMSH_MADV_PAGEOUT), 0);
	t_check(sys);
	s = sm(0);
	ck_assert_uint_eq(s.rss, 0);
	ck_assert_uint_eq(s.swap, 8 * PG);
	ck_assert_uint_eq(s.swap_pss, 8 * PG);
	pte = pte_at(BASE);
	ck_assert(is_swap_pte(pte));
	ck_assert(pte & _PAGE_SWP_EXCLUSIVE);
	ck_assert_int_eq(t_mm(sys)->rss[MM_SWAPENTS], 8);
	ck_assert_int_eq(t_mm(sys)->rss[MM_ANONPAGES], 0);
	/* eight slots used, each named once, each still cached */
	ck_assert_uint_eq(sys->swap.inuse, 8);
	ck_assert_uint_eq(swap_count(sys, swp_offset(pte)), 1);
	ck_assert(sys->swap.slots[swp_offset(pte)].cache);
	ck_assert_uint_eq(sys->stat[ST_PSWPOUT], 8);
}
END_TEST

START_TEST(test_swap_pageout_without_swap_activates)
{
	struct vmsh_smaps s;

	written(2 * PG);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 2 * PG, VMSH_MADV_PAGEOUT), 0);
	t_check(sys);
	s = sm(0);
	ck_assert_uint_eq(s.rss, 2 * PG);
	ck_assert_uint_eq(s.swap, 0);
	ck_assert(phys_page(sys, pte_pfn(pte_at(BASE)))->active);
	ck_assert_uint_eq(sys->stat[ST_PGACTIVATE], 2);
}
END_TEST

START_TEST(test_swap_cold_clears_references)
{
	struct vmsh_smaps s;
	struct page *pg;

	written(2 * PG);
	pg = phys_page(sys, pte_pfn(pte_at(BASE)));
	pg->active = true;
	pg->referenced = true;
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 2 * PG, VMSH_MADV_COLD), 0);
	t_check(sys);
	s = sm(0);
	ck_assert_uint_eq(s.rss, 2 * PG);
	ck_assert_uint_eq(s.referenced, 0);
	ck_assert(!(pte_at(BASE) & _PAGE_ACCESSED));
	ck_assert(!pg->referenced);
	/* folio_deactivate queues it: PG_active goes when the
	 * lru_deactivate batch moves (MADV_COLD drains only first) */
	ck_assert(pg->active);
	ck_assert_uint_eq(sys->stat[ST_PGDEACTIVATE], 0);
	lru_add_drain(sys);
	t_check(sys);
	ck_assert(!pg->active);
	ck_assert_uint_eq(sys->stat[ST_PGDEACTIVATE], 1);
}
END_TEST

START_TEST(test_swap_in_is_minor_while_cached)
{
	struct vmsh_fault f;
	uint64_t off, pte;
	uint8_t b;
	uint64_t done;

	written(PG);
	vmsh_madvise(sys, BASE, PG, VMSH_MADV_PAGEOUT);
	off = swp_offset(pte_at(BASE));
	ck_assert_int_eq(vmsh_read(sys, BASE, &b, 1, &done, &f), 0);
	t_check(sys);
	ck_assert_uint_eq(b, 0x11);
	ck_assert_uint_eq(sys->stat[ST_PGMAJFAULT], 0);
	pte = pte_at(BASE);
	ck_assert(pte & _PAGE_PRESENT);
	ck_assert(pte & _PAGE_RW);              /* exclusive: writable */
	ck_assert(!(pte & _PAGE_DIRTY));        /* a read: clean */
	/* the slot stays for the clean cached copy */
	ck_assert(sys->swap.slots[off].cache);
	ck_assert_uint_eq(swap_count(sys, off), 0);
	ck_assert_int_eq(t_mm(sys)->rss[MM_SWAPENTS], 0);
	ck_assert_int_eq(t_mm(sys)->rss[MM_ANONPAGES], 1);
}
END_TEST

START_TEST(test_swap_in_major_after_reclaim)
{
	struct vmsh_fault f;
	uint64_t off, done;
	uint8_t b;

	written(PG);
	vmsh_madvise(sys, BASE, PG, VMSH_MADV_PAGEOUT);
	/* read back, then page out again: the clean cached copy goes */
	vmsh_read(sys, BASE, &b, 1, &done, &f);
	vmsh_madvise(sys, BASE, PG, VMSH_MADV_PAGEOUT);
	t_check(sys);
	off = swp_offset(pte_at(BASE));
	ck_assert(!sys->swap.slots[off].cache);
	/* freed, but reclaim_pages counts no pgsteal (probe, 6.18) */
	ck_assert_uint_eq(sys->stat[ST_PGSTEAL_ANON], 0);
	ck_assert_int_eq(vmsh_read(sys, BASE, &b, 1, &done, &f), 0);
	t_check(sys);
	ck_assert_uint_eq(b, 0x11);
	ck_assert_uint_eq(sys->stat[ST_PGMAJFAULT], 1);
	ck_assert_uint_eq(sys->stat[ST_PSWPIN], 1);
}
END_TEST

START_TEST(test_swap_write_fault_frees_slot)
{
	struct vmsh_fault f;
	uint64_t done;

	written(PG);
	vmsh_madvise(sys, BASE, PG, VMSH_MADV_PAGEOUT);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 0x22, 1, &done, &f), 0);
	t_check(sys);
	ck_assert_uint_eq(sys->swap.inuse, 0);
	ck_assert(pte_at(BASE) & _PAGE_DIRTY);
	ck_assert(sm(0).private_dirty == PG);
}
END_TEST

START_TEST(test_swap_fork_duplicates_entries)
{
	int child;
	uint64_t off;

	written(4 * PG);
	vmsh_madvise(sys, BASE, 4 * PG, VMSH_MADV_PAGEOUT);
	off = swp_offset(pte_at(BASE));
	ck_assert_int_eq(vmsh_fork(sys, &child), 0);
	t_check(sys);
	ck_assert_uint_eq(swap_count(sys, off), 2);
	ck_assert(!(pte_at(BASE) & _PAGE_SWP_EXCLUSIVE));
	ck_assert_int_eq(mm_of_pid(sys, child)->rss[MM_SWAPENTS], 4);
	ck_assert_uint_eq(sm(child).swap, 4 * PG);
	ck_assert_uint_eq(sm(child).swap_pss, 2 * PG);
	ck_assert_uint_eq(sm(0).swap_pss, 2 * PG);
	/* the child's exit gives the parent its slots back whole */
	ck_assert_int_eq(vmsh_kill(sys, child), 0);
	t_check(sys);
	ck_assert_uint_eq(swap_count(sys, off), 1);
	ck_assert_uint_eq(sm(0).swap_pss, 4 * PG);
}
END_TEST

START_TEST(test_swap_shared_page_is_skipped)
{
	int child;

	written(2 * PG);
	ck_assert_int_eq(vmsh_fork(sys, &child), 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 2 * PG, VMSH_MADV_PAGEOUT), 0);
	t_check(sys);
	ck_assert_uint_eq(sm(0).rss, 2 * PG);
	ck_assert_uint_eq(sm(0).swap, 0);
}
END_TEST

/* PageAnonExclusive is a one-PTE state: the checker reports an exclusive
 * page mapped twice, and try_to_unmap's swap step (shared by reclaim and
 * --replace) carries the bit into the entry and clears it on the page. */
START_TEST(test_swap_exclusive_rule)
{
	struct check_report r;
	struct page *p;
	char buf[256];
	int child;
	uint64_t pte;

	written(2 * PG);
	p = phys_page(sys, pte_pfn(pte_at(BASE)));
	ck_assert(p->exclusive);
	ck_assert_int_eq(vmsh_fork(sys, &child), 0);
	ck_assert(!p->exclusive);
	p->exclusive = true;            /* break it */
	check_report_init(&r, buf, sizeof(buf));
	check_pages(sys, &r);
	ck_assert_int_gt(r.problems, 0);
	ck_assert_ptr_nonnull(strstr(buf, "exclusive but mapped 2 times"));
	p->exclusive = false;
	t_check(sys);
	/* an exclusive page: the entry is exclusive, the page no longer */
	ck_assert_int_eq(vmsh_kill(sys, child), 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, PG, VMSH_MADV_PAGEOUT), 0);
	t_check(sys);
	pte = pte_at(BASE);
	ck_assert(is_swap_pte(pte));
	ck_assert(!(pte & _PAGE_SWP_EXCLUSIVE));    /* shared since fork */
}
END_TEST

/* ---- shmem and tmpfs (shmem_swap.c), each as probed on 6.18 ------------- */

#define SHARED_FIXED (VMSH_MAP_SHARED | VMSH_MAP_FIXED)

static void tmpfs_mapped(uint64_t pages)
{
	uint64_t out;

	ck_assert_int_eq(vmsh_file_create(sys, "a", pages * PG, false), 0);
	ck_assert_int_eq(vmsh_mmap(sys, BASE, pages * PG, T_RW, SHARED_FIXED,
				   "a", 0, &out), 0);
}

/* Written pages go to swap, read-faulted (clean) ones are dropped; the
 * swap entry is the file's, not a PTE's: Swap counted, SwapPss 0, no
 * MM_SWAPENTS. */
START_TEST(test_swap_shmem_pageout)
{
	struct vmsh_fault f;
	struct vmsh_meminfo mi;
	struct vmsh_smaps s;

	tmpfs_mapped(8);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 1, 4 * PG, NULL, &f), 0);
	ck_assert_int_eq(vmsh_touch(sys, BASE + 4 * PG, 2 * PG, &f), 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 8 * PG, VMSH_MADV_PAGEOUT), 0);
	t_check(sys);
	s = sm(0);
	ck_assert_uint_eq(s.rss, 0);
	ck_assert_uint_eq(s.swap, 4 * PG);
	ck_assert_uint_eq(s.swap_pss, 0);
	ck_assert_int_eq(t_mm(sys)->rss[MM_SWAPENTS], 0);
	ck_assert_int_eq(t_mm(sys)->rss[MM_SHMEMPAGES], 0);
	ck_assert_uint_eq(pte_at(BASE), 0);     /* the PTE is just cleared */
	ck_assert_uint_eq(sys->swap.inuse, 4);
	ck_assert_uint_eq(sys->stat[ST_PSWPOUT], 4);
	vmsh_meminfo(sys, &mi);
	ck_assert_uint_eq(mi.shmem, 0);         /* in the swap cache now */
	ck_assert_uint_eq(mi.swap_cached, 16);
}
END_TEST

/* Touching a page still in the swap cache is minor, one read from swap
 * major; the bytes come back, the slot goes, Swap drops, Rss rises. */
START_TEST(test_swap_shmem_fault_back)
{
	struct vmsh_fault f;
	uint8_t b = 0;
	uint64_t maj;

	tmpfs_mapped(4);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 7, 4 * PG, NULL, &f), 0);
	vmsh_madvise(sys, BASE, 4 * PG, VMSH_MADV_PAGEOUT);
	maj = sys->stat[ST_PGMAJFAULT];
	ck_assert_int_eq(vmsh_read(sys, BASE, &b, 1, NULL, &f), 0);
	ck_assert_uint_eq(b, 7);
	ck_assert_uint_eq(sys->stat[ST_PGMAJFAULT], maj);   /* swap cache */
	/* pageout sees mapped pages only: reclaim frees the clean swap
	 * cache folio of page 1 (shrink_folio_list, as kswapd would) */
	{
		uint64_t pfn = swap_cache_pfn(sys,
			shmem_swapped(file_lookup(sys, "a"), 1));
		unsigned char out[1];
		struct reclaim_stat st = { .outcome = out };

		ck_assert_uint_ne(pfn, UINT64_MAX);
		/* pageout put it back through the lru_add batch */
		lru_add_drain(sys);
		lru_del(sys, pfn);
		phys_get(sys, pfn);
		ck_assert_uint_eq(shrink_folio_list(sys, &pfn, 1, true, &st), 1);
		putback_folios(sys, &pfn, 1, &st);
	}
	t_check(sys);
	ck_assert_int_eq(vmsh_read(sys, BASE + PG, &b, 1, NULL, &f), 0);
	ck_assert_uint_eq(b, 7);
	ck_assert_uint_eq(sys->stat[ST_PGMAJFAULT], maj + 1);
	t_check(sys);
	ck_assert_uint_eq(sm(0).rss, 2 * PG);
	ck_assert_uint_eq(sm(0).swap, 2 * PG);
	ck_assert_uint_eq(sys->swap.inuse, 2);
	ck_assert_uint_eq(sys->stat[ST_PSWPIN], 1);
	/* back in the page cache, dirty: its only copy */
	ck_assert(phys_page(sys, pte_pfn(pte_at(BASE + PG)))->dirty);
}
END_TEST

/* read() swaps in; a partial mapping counts its part
 * (shmem_partial_swap_usage); a private writable one the swapped file
 * pages behind empty PTEs only; truncate and punch hole free slots. */
START_TEST(test_swap_shmem_usage_and_truncate)
{
	struct vmsh_fault f;
	struct vmsh_smaps s;
	uint8_t b;
	uint64_t done, out;

	tmpfs_mapped(8);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 3, 4 * PG, NULL, &f), 0);
	vmsh_madvise(sys, BASE, 8 * PG, VMSH_MADV_PAGEOUT);
	ck_assert_int_eq(vmsh_file_read(sys, "a", PG, &b, 1, &done), 0);
	ck_assert_uint_eq(b, 3);
	ck_assert_uint_eq(sm(0).swap, 3 * PG);
	ck_assert_int_eq(vmsh_mmap(sys, BASE + 0x100000, 2 * PG,
				   VMSH_PROT_READ, SHARED_FIXED, "a", 2 * PG,
				   &out), 0);
	ck_assert_int_eq(vmsh_smaps(sys, 0, BASE + 0x100000, &s), 0);
	ck_assert_uint_eq(s.swap, 2 * PG);
	ck_assert_int_eq(vmsh_mmap(sys, BASE + 0x200000, 4 * PG, T_RW,
				   VMSH_MAP_PRIVATE | VMSH_MAP_FIXED, "a", 0,
				   &out), 0);
	ck_assert_int_eq(vmsh_write(sys, BASE + 0x200000 + 2 * PG, NULL, 9, 1,
				    NULL, &f), 0);  /* COW of a swapped page */
	t_check(sys);
	ck_assert_int_eq(vmsh_smaps(sys, 0, BASE + 0x200000, &s), 0);
	ck_assert_uint_eq(s.swap, 2 * PG);      /* pages 0 and 3 */
	ck_assert_uint_eq(s.swap_pss, 0);
	ck_assert_int_eq(vmsh_file_truncate(sys, "a", 3 * PG), 0);
	t_check(sys);
	ck_assert_uint_eq(sm(0).swap, PG);      /* page 0 */
	ck_assert_int_eq(vmsh_madvise(sys, BASE, PG, VMSH_MADV_REMOVE), 0);
	t_check(sys);
	ck_assert_uint_eq(sm(0).swap, 0);
	ck_assert_uint_eq(sys->swap.inuse, 0);
	ck_assert_int_eq(vmsh_read(sys, BASE, &b, 1, NULL, &f), 0);
	ck_assert_uint_eq(b, 0);                /* a hole */
}
END_TEST

/* Shared anonymous memory: pageout works while only one task maps the
 * page (a forked child has no PTEs until it faults), and the child's
 * smaps counts the file's swap too; once both map it, it is skipped. */
START_TEST(test_swap_shared_anon_fork)
{
	struct vmsh_fault f;
	uint64_t out;
	int child;

	ck_assert_int_eq(vmsh_mmap(sys, BASE, 4 * PG, T_RW,
				   SHARED_FIXED | VMSH_MAP_ANONYMOUS, NULL, 0,
				   &out), 0);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 5, 4 * PG, NULL, &f), 0);
	ck_assert_int_eq(vmsh_fork(sys, &child), 0);
	vmsh_madvise(sys, BASE, 2 * PG, VMSH_MADV_PAGEOUT);
	t_check(sys);
	ck_assert_uint_eq(sm(0).swap, 2 * PG);
	ck_assert_uint_eq(sm(child).swap, 2 * PG);
	ck_assert_uint_eq(sm(child).swap_pss, 0);
	ck_assert_int_eq(vmsh_switch(sys, child, -1), 0);
	ck_assert_int_eq(vmsh_touch(sys, BASE, 4 * PG, &f), 0);
	t_check(sys);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 4 * PG, VMSH_MADV_PAGEOUT), 0);
	t_check(sys);
	/* pages 2-3, mapped by both, are kept; 0-1, which the child
	 * brought back alone, go again */
	ck_assert_uint_eq(sm(child).rss, 2 * PG);
	ck_assert_uint_eq(sm(child).swap, 2 * PG);
	ck_assert_uint_eq(sm(0).rss, 2 * PG);
}
END_TEST

/* swapoff puts the pages back in the page cache, unmapped; munmap and
 * exit of the last mapping free the file and its slots. */
START_TEST(test_swap_shmem_swapoff_and_free)
{
	struct vmsh_fault f;
	struct vmsh_meminfo mi;
	uint64_t out;
	uint8_t b;

	ck_assert_int_eq(vmsh_mmap(sys, BASE, 4 * PG, T_RW,
				   SHARED_FIXED | VMSH_MAP_ANONYMOUS, NULL, 0,
				   &out), 0);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 6, 4 * PG, NULL, &f), 0);
	vmsh_madvise(sys, BASE, 4 * PG, VMSH_MADV_PAGEOUT);
	vmsh_madvise(sys, BASE, 4 * PG, VMSH_MADV_PAGEOUT);    /* freed */
	ck_assert_int_eq(vmsh_swapoff(sys), 0);
	t_check(sys);
	ck_assert_uint_eq(sm(0).rss, 0);
	ck_assert_uint_eq(sm(0).swap, 0);
	vmsh_meminfo(sys, &mi);
	ck_assert_uint_eq(mi.shmem, 16);
	ck_assert_int_eq(vmsh_read(sys, BASE + 3 * PG, &b, 1, NULL, &f), 0);
	ck_assert_uint_eq(b, 6);
	ck_assert_int_eq(vmsh_swapon(sys, 1 << 20), 0);
	vmsh_madvise(sys, BASE, 4 * PG, VMSH_MADV_PAGEOUT);
	ck_assert_uint_eq(sys->swap.inuse, 4);
	ck_assert_int_eq(vmsh_munmap(sys, BASE, 4 * PG), 0);
	t_check(sys);
	ck_assert_uint_eq(sys->swap.inuse, 0);
	ck_assert_ptr_null(sys->shmem_swaplist);
}
END_TEST

/* The zeromap (swap_writeout, 6.18): a zero-filled page is not written
 * (no pswpout), is freed at once, and its touch is a major fault that
 * reads nothing (no pswpin); a non-zero one stays in the swap cache. */
START_TEST(test_swap_zeromap)
{
	struct vmsh_fault f;
	uint64_t out;
	uint8_t b = 1;

	ck_assert_int_eq(vmsh_mmap(sys, BASE, 2 * PG, T_RW, T_FIXED, NULL, 0,
				   &out), 0);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 0, PG, NULL, &f), 0);
	ck_assert_int_eq(vmsh_write(sys, BASE + PG, NULL, 9, PG, NULL, &f), 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 2 * PG, VMSH_MADV_PAGEOUT), 0);
	t_check(sys);
	ck_assert_uint_eq(sys->stat[ST_PSWPOUT], 1);
	ck_assert_uint_eq(sm(0).swap, 2 * PG);
	ck_assert(!sys->swap.slots[swp_offset(pte_at(BASE))].cache);
	ck_assert(sys->swap.slots[swp_offset(pte_at(BASE + PG))].cache);
	ck_assert_int_eq(vmsh_read(sys, BASE, &b, 1, NULL, &f), 0);
	ck_assert_uint_eq(b, 0);
	ck_assert_uint_eq(sys->stat[ST_PGMAJFAULT], 1);
	ck_assert_uint_eq(sys->stat[ST_PSWPIN], 0);
	ck_assert_int_eq(vmsh_read(sys, BASE + PG, &b, 1, NULL, &f), 0);
	ck_assert_uint_eq(b, 9);
	ck_assert_uint_eq(sys->stat[ST_PGMAJFAULT], 1);
	t_check(sys);
}
END_TEST

/* A disk file's page cache under pageout (reclaim_pages): clean folios
 * are unmapped and dropped; a dirty one (write(2) or a written PTE) is
 * unmapped, kept, activated with PG_reclaim, which reads as the
 * readahead mark (fault-around skips it); msync's writeback rotates it
 * and the next pageout drops it.  Probe (6.18, ext4): Rss 0 either way,
 * mincore 0 (clean) / 1 (dirty), a touch of a dirty one maps one page. */
START_TEST(test_swap_disk_file_pageout)
{
	struct vmsh_file *file;
	struct vmsh_fault f;
	uint64_t out, steal = sys->stat[ST_PGSTEAL_FILE], act;
	struct page *pg;

	ck_assert_int_eq(vmsh_file_create(sys, "d", 8 * PG, true), 0);
	ck_assert_int_eq(vmsh_file_write(sys, "d", 0, (const uint8_t *)"x", 1), 0);
	ck_assert_int_eq(vmsh_mmap(sys, BASE, 8 * PG, T_RW, SHARED_FIXED,
				   "d", 0, &out), 0);
	ck_assert_int_eq(vmsh_touch(sys, BASE, 8 * PG, &f), 0);
	ck_assert_int_eq(vmsh_write(sys, BASE + PG, NULL, 3, 1, NULL, &f), 0);
	file = file_lookup(sys, "d");
	act = sys->stat[ST_PGACTIVATE];
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 8 * PG, VMSH_MADV_PAGEOUT), 0);
	t_check(sys);
	ck_assert_uint_eq(sm(0).rss, 0);
	ck_assert_uint_eq(pte_at(BASE), 0);
	ck_assert_uint_eq(sys->stat[ST_PGACTIVATE] - act, 2);
	ck_assert_uint_eq(sys->stat[ST_PGSTEAL_FILE], steal);   /* none */
	for (uint64_t i = 0; i < 8; i++)
		ck_assert_int_eq(file_cache_lookup(file, i) != UINT64_MAX, i < 2);
	pg = phys_page(sys, file_cache_lookup(file, 1));
	ck_assert(pg->dirty && pg->active && pg->reclaim);
	ck_assert(folio_test_readahead(pg));
	/* msync writes both back: PG_reclaim clears; no rotation to the
	 * inactive tail, since pageout put the folio back through the
	 * lru_add batch, where folio_rotate_reclaimable finds it without
	 * PG_lru; pageout then drops them */
	ck_assert_int_eq(vmsh_msync(sys, BASE, 8 * PG), 0);
	ck_assert(!pg->dirty && !pg->reclaim);
	ck_assert(pg->active && pg->lru == LRU_NONE);
	ck_assert_int_eq(vmsh_touch(sys, BASE + PG, PG, &f), 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 8 * PG, VMSH_MADV_PAGEOUT), 0);
	t_check(sys);
	ck_assert_uint_eq(file_cache_lookup(file, 1), UINT64_MAX);
	ck_assert_uint_eq(sm(0).rss, 0);
}
END_TEST

/* Large page cache folios (a disk file's async readahead: two reads of
 * fresh opens, then touches, make 4-page folios from page 4 on): pageout
 * of part of one splits it (order 0, all its PTEs gone, nothing
 * dropped); of a whole one reclaims it whole.  vmsh --host agrees (the
 * same steps, Rss 800, 784, 768 kB).  Probe (6.18, ext4, one open file:
 * 16-page folios at 32 and 48): pageout of pages 34-39 left Rss 64 kB
 * lower and 32-47 cached; of 48-63, Rss 64 kB lower and 48-63 dropped. */
START_TEST(test_swap_large_file_folio_pageout)
{
	struct vmsh_file *file;
	struct vmsh_fault f;
	uint64_t out, done, rss;
	uint8_t b[2];

	ck_assert_int_eq(vmsh_file_create(sys, "d", 200 * PG, true), 0);
	ck_assert_int_eq(vmsh_file_read(sys, "d", 0, b, 1, &done), 0);
	ck_assert_int_eq(vmsh_file_read(sys, "d", PG, b, 1, &done), 0);
	ck_assert_int_eq(vmsh_mmap(sys, BASE, 200 * PG, T_RW, SHARED_FIXED,
				   "d", 0, &out), 0);
	ck_assert_int_eq(vmsh_touch(sys, BASE, 200 * PG, &f), 0);
	file = file_lookup(sys, "d");
	ck_assert_uint_eq(phys_page(sys, file_cache_lookup(file, 8))->order, 2);
	ck_assert_uint_eq(phys_page(sys, file_cache_lookup(file, 12))->order, 2);
	rss = sm(0).rss;
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 9 * PG, PG,
				      VMSH_MADV_PAGEOUT), 0);
	t_check(sys);
	ck_assert_uint_eq(sm(0).rss, rss - 4 * PG);
	for (uint64_t i = 8; i < 12; i++) {
		ck_assert_uint_ne(file_cache_lookup(file, i), UINT64_MAX);
		ck_assert_uint_eq(phys_page(sys, file_cache_lookup(file, i))->order, 0);
		ck_assert_uint_eq(pte_at(BASE + i * PG), 0);
	}
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 12 * PG, 4 * PG,
				      VMSH_MADV_PAGEOUT), 0);
	t_check(sys);
	ck_assert_uint_eq(sm(0).rss, rss - 8 * PG);
	for (uint64_t i = 12; i < 16; i++)
		ck_assert_uint_eq(file_cache_lookup(file, i), UINT64_MAX);
	ck_assert_uint_ne(file_cache_lookup(file, 16), UINT64_MAX);
}
END_TEST

/* Swap readahead by slot (swap_cluster_readahead, this machine's
 * rotational swap file): from a fresh machine, 8 zero-filled pages paged
 * out to slots 1-8 and touched in order: 0 misses (window 2, next to
 * the last miss, 0, but slot 0 is the header), 1 reads 2 besides
 * (window 2), 2 hits, 3 reads 4-7 (a hit:
 * window 4), 4-6 hit, 7 misses (window 4: nothing left to read).  The
 * readahead folios wait in the swap cache, unmapped; munmap frees them
 * with their slots.  Probe (6.18, private swap file, after four lone
 * misses): majfault 1,1,0,1,0,0,0,1, swap_ra +0,+1,0,+3, swap_ra_hit 4. */
START_TEST(test_swap_readahead)
{
	static const int maj[8] = { 1, 2, 2, 3, 3, 3, 3, 4 };
	static const int ra[8] = { 0, 1, 1, 4, 4, 4, 4, 4 };
	struct vmsh_fault f;
	uint64_t out, off;
	struct page *pg;

	ck_assert_int_eq(vmsh_mmap(sys, BASE, 8 * PG, T_RW, T_FIXED, NULL, 0,
				   &out), 0);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 0, 8 * PG, NULL, &f), 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 8 * PG, VMSH_MADV_PAGEOUT), 0);
	ck_assert_uint_eq(swp_offset(pte_at(BASE)), 1);
	for (int i = 0; i < 8; i++) {
		if (i == 4) {
			/* 4-7 wait in the swap cache, marked, unmapped */
			off = swp_offset(pte_at(BASE + 4 * PG));
			ck_assert(sys->swap.slots[off].cache);
			pg = phys_page(sys, sys->swap.slots[off].cache_pfn);
			ck_assert(pg->readahead && pg->mapcount == 0);
			ck_assert_uint_eq(sm(0).swap, 4 * PG);
		}
		ck_assert_int_eq(vmsh_touch(sys, BASE + i * PG, PG, &f), 0);
		t_check(sys);
		ck_assert_uint_eq(sys->stat[ST_PGMAJFAULT], maj[i]);
		ck_assert_uint_eq(sys->stat[ST_SWAP_RA], ra[i]);
	}
	ck_assert_uint_eq(sys->stat[ST_SWAP_RA_HIT], 4);
	ck_assert_uint_eq(sys->stat[ST_PSWPIN], 0);     /* the zeromap */
	/* again, pages 4-7 read ahead then unmapped unused */
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 8 * PG, VMSH_MADV_DONTNEED), 0);
	ck_assert_uint_eq(sys->swap.inuse, 0);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 7, 8 * PG, NULL, &f), 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 8 * PG, VMSH_MADV_PAGEOUT), 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 8 * PG, VMSH_MADV_DONTNEED), 0);
	t_check(sys);
	ck_assert_uint_eq(sys->swap.inuse, 0);
}
END_TEST

/* A shmem page read back from swap reads its neighbours' slots ahead
 * too (shmem_swapin_cluster); the next touch finds its page in the swap
 * cache: a minor fault and a hit. */
START_TEST(test_swap_shmem_readahead)
{
	struct vmsh_fault f;
	uint64_t maj;

	tmpfs_mapped(4);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 0, 4 * PG, NULL, &f), 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 4 * PG, VMSH_MADV_PAGEOUT), 0);
	/* slot 1 next to the fresh machine's last miss (0): window 2,
	 * nothing besides; slot 2: window 2, slot 3 read ahead */
	ck_assert_int_eq(vmsh_touch(sys, BASE, PG, &f), 0);
	ck_assert_int_eq(vmsh_touch(sys, BASE + PG, PG, &f), 0);
	maj = sys->stat[ST_PGMAJFAULT];
	ck_assert_uint_eq(maj, 2);
	ck_assert_uint_eq(sys->stat[ST_SWAP_RA], 1);
	ck_assert_int_eq(vmsh_touch(sys, BASE + 2 * PG, PG, &f), 0);
	t_check(sys);
	ck_assert_uint_eq(sys->stat[ST_PGMAJFAULT], maj);
	ck_assert_uint_eq(sys->stat[ST_SWAP_RA_HIT], 1);
	ck_assert_uint_eq(sm(0).swap, PG);
}
END_TEST

START_TEST(test_swap_munmap_frees_slots)
{
	uint64_t nfree;

	written(4 * PG);
	nfree = sys->phys.nfree + 4;    /* the four pages */
	vmsh_madvise(sys, BASE, 4 * PG, VMSH_MADV_PAGEOUT);
	ck_assert_uint_eq(sys->swap.inuse, 4);
	ck_assert_int_eq(vmsh_munmap(sys, BASE, 4 * PG), 0);
	t_check(sys);
	ck_assert_uint_eq(sys->swap.inuse, 0);
	ck_assert_int_eq(t_mm(sys)->rss[MM_SWAPENTS], 0);
	/* the swap cache let the pages go with their slots, and the
	 * lru_add batch (pageout put them back through it) when it moves */
	lru_add_drain(sys);
	ck_assert_uint_ge(sys->phys.nfree, nfree);
}
END_TEST

/* MADV_FREE clears swap entries outright: their slots go, and the
 * folios the swap cache kept with them; a read then finds a new zeroed
 * page.  (Probed on 6.18: golden 26-swap-free.) */
START_TEST(test_swap_free_clears_entries)
{
	struct vmsh_fault f;
	uint8_t b = 1;

	written(4 * PG);
	vmsh_madvise(sys, BASE, 4 * PG, VMSH_MADV_PAGEOUT);
	ck_assert_uint_eq(sys->swap.inuse, 4);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + PG, 2 * PG, VMSH_MADV_FREE), 0);
	t_check(sys);
	ck_assert_uint_eq(sys->swap.inuse, 2);
	ck_assert_int_eq(t_mm(sys)->rss[MM_SWAPENTS], 2);
	ck_assert_uint_eq(*pte_lookup(t_mm(sys), BASE + PG, false), 0);
	ck_assert_int_eq(vmsh_read(sys, BASE + PG, &b, 1, NULL, &f), 0);
	ck_assert_uint_eq(b, 0);
}
END_TEST

START_TEST(test_swap_swapoff_brings_pages_back)
{
	struct vmsh_fault f;
	uint64_t done;
	uint8_t b;

	written(4 * PG);
	vmsh_madvise(sys, BASE, 4 * PG, VMSH_MADV_PAGEOUT);
	ck_assert_int_eq(vmsh_swapoff(sys), 0);
	t_check(sys);
	ck_assert_uint_eq(sm(0).rss, 4 * PG);
	ck_assert_uint_eq(sm(0).swap, 0);
	ck_assert(!(pte_at(BASE) & _PAGE_ACCESSED));
	ck_assert_int_eq(vmsh_swapoff(sys), -EINVAL);
	ck_assert_int_eq(vmsh_read(sys, BASE + PG, &b, 1, &done, &f), 0);
	ck_assert_uint_eq(b, 0x11);
	ck_assert_int_eq(vmsh_swapon(sys, 1 << 20), 0);
	ck_assert_int_eq(vmsh_swapon(sys, 1 << 20), -EBUSY);
	t_check(sys);
}
END_TEST

START_TEST(test_swap_full_activates)
{
	ck_assert_int_eq(vmsh_swapoff(sys), 0);
	ck_assert_int_eq(vmsh_swapon(sys, 3 * PG), 0);     /* two slots */
	written(4 * PG);
	vmsh_madvise(sys, BASE, 4 * PG, VMSH_MADV_PAGEOUT);
	t_check(sys);
	ck_assert_uint_eq(sm(0).swap, 2 * PG);
	ck_assert_uint_eq(sm(0).rss, 2 * PG);
	ck_assert_uint_eq(swap_free_slots(sys), 0);
	ck_assert(vm_swap_full(sys));
}
END_TEST

START_TEST(test_swap_locked_einval)
{
	t_map(sys, BASE, PG, T_RW, T_FIXED | VMSH_MAP_LOCKED);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, PG, VMSH_MADV_PAGEOUT), -EINVAL);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, PG, VMSH_MADV_COLD), -EINVAL);
}
END_TEST

/* workingset_refault of an anonymous swap-in (6.18 mm/workingset.c): the
 * shadow keeps the age read before the eviction is counted, so a page
 * evicted, then one other eviction, refaults at distance 2; the test
 * counts the active file list, and --lru-others pages of the rest of the
 * machine with it (swap seeds 752 and 870 against the host, whose root
 * lruvec holds the whole machine's pages). */
static bool refault_active(uint64_t others)
{
	struct vmsh_config cfg;
	struct vmsh_fault f;
	uint64_t done;
	uint8_t b;
	bool active;

	t_sys_free(&sys);
	t_config(&cfg, false, 0);
	cfg.swap = 1 << 20;
	cfg.lru_others = others;
	sys = t_sys_cfg(&cfg);
	written(PG);
	t_map(sys, BASE + PG, PG, T_RW, T_FIXED);
	vmsh_write(sys, BASE + PG, NULL, 0, PG, &done, &f);  /* zero-filled */
	vmsh_madvise(sys, BASE, PG, VMSH_MADV_PAGEOUT);
	vmsh_read(sys, BASE, &b, 1, &done, &f);      /* back from the cache */
	vmsh_madvise(sys, BASE, PG, VMSH_MADV_PAGEOUT);       /* evicted */
	vmsh_madvise(sys, BASE + PG, PG, VMSH_MADV_PAGEOUT);  /* evicted */
	ck_assert_uint_eq(sys->stat[ST_WS_REFAULT_ANON], 0);
	ck_assert_int_eq(vmsh_read(sys, BASE, &b, 1, &done, &f), 0);
	t_check(sys);
	ck_assert_uint_eq(b, 0x11);
	ck_assert_uint_ge(sys->stat[ST_WS_REFAULT_ANON], 1);
	active = phys_page(sys, pte_pfn(pte_at(BASE)))->active;
	ck_assert_uint_eq(sys->stat[ST_WS_ACTIVATE_ANON] > 0, active);
	return active;
}

START_TEST(test_swap_refault_distance)
{
	ck_assert(!refault_active(0));          /* 2 > 0 */
	ck_assert(!refault_active(1));          /* 2 > 1: not 5.9's order */
	ck_assert(refault_active(2));           /* 2 <= 2 */
	ck_assert(refault_active(1 << 20));     /* a host's Active(file) */
}
END_TEST

/* The swap writes of a madvise pageout end with the call: a page written
 * in the first of two VMAs is on its list by then (the second VMA's
 * lru_add_drain), so its write's end queues it in another CPU's
 * lru_move_tail batch with a reference; a write fault keeps it in the
 * swap cache, clean, and a second pageout keeps it (PAGE_KEEP) until
 * lru_add_drain_all (probed on 6.18: docs/notes/issue-16.md, session 6;
 * with one VMA, test_swap_write_fault_frees_slot). */
START_TEST(test_swap_rotation_reference)
{
	struct vmsh_fault f;
	uint64_t done, pfn, out;
	struct page *pg;

	written(PG);
	t_map(sys, BASE + PG, PG, VMSH_PROT_READ, T_FIXED);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 2 * PG, VMSH_MADV_PAGEOUT), 0);
	t_check(sys);
	ck_assert_uint_eq(sys->lru_move_tail_remote.nr, 1);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 0x22, 1, &done, &f), 0);
	t_check(sys);
	pfn = pte_pfn(pte_at(BASE));
	pg = phys_page(sys, pfn);
	ck_assert(pg->swap && !pg->dirty);      /* kept in the swap cache */
	ck_assert(pte_at(BASE) & _PAGE_DIRTY);
	out = sys->stat[ST_PSWPOUT];
	vmsh_madvise(sys, BASE, PG, VMSH_MADV_PAGEOUT);
	t_check(sys);
	ck_assert_uint_eq(sys->stat[ST_PSWPOUT], out);  /* PAGE_KEEP */
	ck_assert(phys_page(sys, pfn)->swap && phys_page(sys, pfn)->dirty);
	out = sys->stat[ST_PGROTATED];
	vmsh_lru_drain_all(sys);                /* CPU 1's batch moves */
	t_check(sys);
	ck_assert_uint_eq(sys->lru_move_tail_remote.nr, 0);
	ck_assert_uint_eq(sys->stat[ST_PGROTATED], out + 1);
	ck_assert_int_eq(phys_page(sys, pfn)->refcount, 1);     /* the cache */
}
END_TEST

Suite *swap_suite(void)
{
	Suite *s = suite_create("swap");
	TCase *tc = t_tcase(s, "swap", setup, teardown);
	TCase *tn = t_tcase(s, "noswap", setup_noswap, teardown);

	tcase_add_test(tc, test_swap_pageout_makes_swap_entries);
	tcase_add_test(tn, test_swap_pageout_without_swap_activates);
	tcase_add_test(tc, test_swap_cold_clears_references);
	tcase_add_test(tc, test_swap_in_is_minor_while_cached);
	tcase_add_test(tc, test_swap_in_major_after_reclaim);
	tcase_add_test(tc, test_swap_write_fault_frees_slot);
	tcase_add_test(tc, test_swap_fork_duplicates_entries);
	tcase_add_test(tc, test_swap_shared_page_is_skipped);
	tcase_add_test(tc, test_swap_exclusive_rule);
	tcase_add_test(tc, test_swap_shmem_pageout);
	tcase_add_test(tc, test_swap_shmem_fault_back);
	tcase_add_test(tc, test_swap_shmem_usage_and_truncate);
	tcase_add_test(tc, test_swap_shared_anon_fork);
	tcase_add_test(tc, test_swap_shmem_swapoff_and_free);
	tcase_add_test(tc, test_swap_zeromap);
	tcase_add_test(tc, test_swap_disk_file_pageout);
	tcase_add_test(tc, test_swap_large_file_folio_pageout);
	tcase_add_test(tc, test_swap_readahead);
	tcase_add_test(tc, test_swap_shmem_readahead);
	tcase_add_test(tc, test_swap_munmap_frees_slots);
	tcase_add_test(tc, test_swap_free_clears_entries);
	tcase_add_test(tc, test_swap_swapoff_brings_pages_back);
	tcase_add_test(tc, test_swap_full_activates);
	tcase_add_test(tc, test_swap_locked_einval);
	tcase_add_test(tc, test_swap_refault_distance);
	tcase_add_test(tc, test_swap_rotation_reference);
	return s;
}
