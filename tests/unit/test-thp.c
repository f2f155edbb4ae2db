/* SPDX-License-Identifier: MIT */
/*
 * Transparent huge pages (src/engine/huge_memory.c): the huge PMD fault
 * and its eligibility, the fallback to 4 KiB pages, the huge zero page,
 * fork sharing and the write after fork (do_huge_pmd_wp_page), and the
 * splits munmap, mprotect, mremap and MADV_DONTNEED make, with the
 * thp_* counters.  Every rule was checked on Linux 6.18 in madvise mode
 * (smaps AnonHugePages, /proc/vmstat).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <string.h>

#include "huge_memory.h"
#include "pgtable.h"
#include "phys.h"
#include "suites.h"
#include "sys.h"
#include "tlb.h"
#include "vmsh-test.h"

#define BASE T_BASE
#define M (1ULL << 20)

static struct vmsh_sys *sys;

static void setup(void) { sys = t_sys_make(false, 0); }
static void setup_zero(void) { sys = t_sys_make(true, 0); }
static void teardown(void) { t_sys_free(&sys); }

/* A 4 MiB private anonymous region at BASE with MADV_HUGEPAGE. */
static void huge_region(void)
{
	t_map(sys, BASE, 4 * M, T_RW, T_FIXED);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 4 * M, VMSH_MADV_HUGEPAGE), 0);
	t_check(sys);
}

static uint64_t anon_huge(int pid, uint64_t addr)
{
	return t_smaps(sys, pid, addr).anon_huge;
}

static bool pmd_huge_at(uint64_t addr)
{
	uint64_t *pmdp = pmd_lookup(t_mm(sys), addr);

	return pmdp && pmd_trans_huge(*pmdp);
}

START_TEST(test_thp_fault_maps_pmd)
{
	struct vmsh_smaps s;
	uint64_t *pmdp, head, i;

	huge_region();
	t_fill(sys, BASE + 5 * T_PG, 1, 1);
	s = t_smaps(sys, 1, BASE);
	ck_assert_uint_eq(s.anon_huge, 2 * M);
	ck_assert_uint_eq(s.rss, 2 * M);
	ck_assert_uint_eq(s.private_dirty, 2 * M);
	ck_assert_uint_eq(t_stat(sys, "thp_fault_alloc"), 1);
	pmdp = pmd_lookup(t_mm(sys), BASE);
	ck_assert(pmd_trans_huge(*pmdp) && (*pmdp & _PAGE_RW) && (*pmdp & _PAGE_DIRTY));
	head = pte_pfn(*pmdp);
	ck_assert_uint_eq(head & 511, 0);
	for (i = 0; i < 512; i++) {
		const struct page *p = phys_page(sys, head + i);

		ck_assert_int_eq(p->refcount, 1);
		ck_assert_int_eq(p->mapcount, 1);
		ck_assert(p->thp & (i ? PAGE_THP_TAIL : PAGE_THP_HEAD));
	}
	ck_assert_uint_eq(t_peek(sys, BASE + 5 * T_PG), 1);
	ck_assert_uint_eq(t_peek(sys, BASE + 6 * T_PG), 0);
	/* a read fault maps a folio too (no zero page on this machine) */
	ck_assert_uint_eq(t_peek(sys, BASE + 3 * M), 0);
	ck_assert_uint_eq(anon_huge(1, BASE), 4 * M);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).private_dirty, 4 * M);
	t_check(sys);
}
END_TEST

START_TEST(test_thp_eligibility)
{
	struct vmsh_config cfg = *vmsh_sys_config(sys);

	/* madvise mode without MADV_HUGEPAGE: 4 KiB */
	t_map(sys, BASE, 4 * M, T_RW, T_FIXED);
	t_fill(sys, BASE, 1, 1);
	ck_assert_uint_eq(anon_huge(1, BASE), 0);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).rss, T_PG);
	/* MADV_HUGEPAGE after a 4 KiB fault: that PMD has a PTE table */
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 4 * M, VMSH_MADV_HUGEPAGE), 0);
	t_fill(sys, BASE + T_PG, 1, 1);
	ck_assert_uint_eq(anon_huge(1, BASE), 0);
	t_fill(sys, BASE + 2 * M, 1, 1);             /* the next PMD is none */
	ck_assert_uint_eq(anon_huge(1, BASE), 2 * M);
	/* a 2 MiB range not wholly inside the VMA: 4 KiB */
	t_map(sys, BASE + 8 * M + T_PG, 4 * M, T_RW, T_FIXED);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 8 * M + T_PG, 4 * M,
				      VMSH_MADV_HUGEPAGE), 0);
	t_fill(sys, BASE + 8 * M + T_PG, 1, 1);
	ck_assert_uint_eq(anon_huge(1, BASE + 8 * M + T_PG), 0);
	t_fill(sys, BASE + 10 * M, 1, 1);
	ck_assert_uint_eq(anon_huge(1, BASE + 8 * M + T_PG), 2 * M);
	/* always mode, but MADV_NOHUGEPAGE */
	cfg.thp = VMSH_THP_ALWAYS;
	ck_assert_int_eq(vmsh_sys_set_config(sys, &cfg), 0);
	t_map(sys, BASE + 16 * M, 4 * M, T_RW, T_FIXED);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 16 * M, 2 * M,
				      VMSH_MADV_NOHUGEPAGE), 0);
	t_fill(sys, BASE + 16 * M, 1, 1);
	t_fill(sys, BASE + 18 * M, 1, 1);
	ck_assert_uint_eq(anon_huge(1, BASE + 16 * M), 0);
	ck_assert_uint_eq(anon_huge(1, BASE + 18 * M), 2 * M);
	/* shared anonymous memory (shmem THP is never) */
	t_map(sys, BASE + 24 * M, 4 * M, T_RW,
	      VMSH_MAP_SHARED | VMSH_MAP_ANONYMOUS | VMSH_MAP_FIXED);
	t_fill(sys, BASE + 24 * M, 1, 1);
	ck_assert_uint_eq(anon_huge(1, BASE + 24 * M), 0);
	t_check(sys);
}
END_TEST

/* No free 2 MiB block: thp_fault_fallback and a 4 KiB page. */
START_TEST(test_thp_fallback)
{
	struct vmsh_sys *small = t_sys_make(false, 4 * M);

	t_sys_free(&sys);
	sys = small;
	huge_region();
	t_fill(sys, BASE, 1, 1);                /* takes frames 512..1023 */
	ck_assert_uint_eq(anon_huge(1, BASE), 2 * M);
	t_fill(sys, BASE + 2 * M, 1, 1);        /* frame 0 is the zero page */
	ck_assert_uint_eq(t_stat(sys, "thp_fault_fallback"), 1);
	ck_assert_uint_eq(anon_huge(1, BASE), 2 * M);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).rss, 2 * M + T_PG);
	t_check(sys);
}
END_TEST

START_TEST(test_thp_zero_page)
{
	struct vmsh_config cfg = *vmsh_sys_config(sys);
	struct vmsh_smaps s;

	huge_region();
	ck_assert_uint_eq(t_peek(sys, BASE + 7), 0);
	s = t_smaps(sys, 1, BASE);
	ck_assert_uint_eq(s.rss, 0);
	ck_assert_uint_eq(s.anon_huge, 0);
	ck_assert(pmd_huge_at(BASE));
	ck_assert_uint_eq(t_stat(sys, "thp_zero_page_alloc"), 1);
	ck_assert_uint_eq(t_stat(sys, "thp_fault_alloc"), 0);
	/* a write replaces it with a folio (do_huge_zero_wp_pmd) */
	t_fill(sys, BASE + 9, 1, 3);
	ck_assert_uint_eq(anon_huge(1, BASE), 2 * M);
	ck_assert_uint_eq(t_stat(sys, "thp_fault_alloc"), 1);
	ck_assert_uint_eq(t_peek(sys, BASE + 9), 3);
	/* use_zero_page off: a read allocates */
	cfg.thp_zero_page = false;
	ck_assert_int_eq(vmsh_sys_set_config(sys, &cfg), 0);
	ck_assert_uint_eq(t_peek(sys, BASE + 2 * M), 0);
	ck_assert_uint_eq(anon_huge(1, BASE), 4 * M);
	ck_assert_uint_eq(t_stat(sys, "thp_zero_page_alloc"), 1);
	/* munmap of a huge zero PMD frees nothing but its table */
	cfg.thp_zero_page = true;
	ck_assert_int_eq(vmsh_sys_set_config(sys, &cfg), 0);
	t_map(sys, BASE + 8 * M, 2 * M, T_RW, T_FIXED);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 8 * M, 2 * M, VMSH_MADV_HUGEPAGE), 0);
	ck_assert_uint_eq(t_peek(sys, BASE + 8 * M), 0);
	ck_assert_int_eq(vmsh_munmap(sys, BASE + 8 * M, 2 * M), 0);
	t_check(sys);
}
END_TEST

/* fork shares the PMD write-protected; the child's write splits its PMD
 * and copies one page; once the child is gone the parent reuses. */
START_TEST(test_thp_fork_write)
{
	struct vmsh_smaps s;
	int child;

	huge_region();
	t_fill(sys, BASE, 1, 1);
	child = t_spawn(sys, vmsh_fork);
	s = t_smaps(sys, child, BASE);
	ck_assert_uint_eq(s.anon_huge, 2 * M);
	ck_assert_uint_eq(s.pss, M);
	ck_assert_uint_eq(s.shared_dirty, 2 * M);
	ck_assert(!(*pmd_lookup(t_mm(sys), BASE) & _PAGE_RW));
	t_switch(sys, child, -1);
	t_fill(sys, BASE + T_PG, 1, 2);
	s = t_smaps(sys, child, BASE);
	ck_assert_uint_eq(s.anon_huge, 0);
	ck_assert_uint_eq(s.rss, 2 * M);
	ck_assert_uint_eq(s.pss, 511 * 2 * 1024 + T_PG);
	ck_assert_uint_eq(anon_huge(1, BASE), 2 * M);
	ck_assert_uint_eq(t_stat(sys, "thp_split_pmd"), 1);
	ck_assert_uint_eq(t_stat(sys, "cow_copy"), 1);
	ck_assert_int_eq(vmsh_kill(sys, child), 0);
	t_switch(sys, 1, -1);
	t_fill(sys, BASE + 2 * T_PG, 1, 3);
	ck_assert_uint_eq(anon_huge(1, BASE), 2 * M);
	ck_assert_uint_eq(t_stat(sys, "thp_split_pmd"), 1);
	ck_assert_uint_eq(t_peek(sys, BASE + T_PG), 0);
	t_check(sys);
}
END_TEST

/* Both still mapping it: the parent's write splits too (folio shared). */
START_TEST(test_thp_fork_both_write)
{
	int child;

	huge_region();
	t_fill(sys, BASE, 1, 1);
	child = t_spawn(sys, vmsh_fork);
	t_switch(sys, child, -1);
	t_fill(sys, BASE, 1, 2);                /* copies the head page */
	t_switch(sys, 1, -1);
	t_fill(sys, BASE, 1, 3);
	ck_assert_uint_eq(anon_huge(1, BASE), 0);
	ck_assert_uint_eq(t_stat(sys, "thp_split_pmd"), 2);
	/* the folio is mapped shared: the parent copies its page too, and
	 * the folio, no longer wholly mapped, is queued for a split */
	ck_assert_uint_eq(t_stat(sys, "cow_copy"), 2);
	ck_assert_uint_eq(t_stat(sys, "thp_deferred_split_page"), 1);
	ck_assert_uint_eq(t_peek(sys, BASE), 3);
	t_switch(sys, child, -1);
	ck_assert_uint_eq(t_peek(sys, BASE), 2);
	t_check(sys);
}
END_TEST

START_TEST(test_thp_partial_munmap)
{
	struct vmsh_smaps s;

	huge_region();
	t_fill(sys, BASE, 4 * M, 1);
	ck_assert_int_eq(vmsh_munmap(sys, BASE + M, T_PG), 0);
	t_check(sys);
	ck_assert_uint_eq(t_stat(sys, "thp_split_pmd"), 1);
	ck_assert_uint_eq(t_stat(sys, "thp_deferred_split_page"), 1);
	s = t_smaps(sys, 1, BASE);
	ck_assert_uint_eq(s.anon_huge, 0);
	ck_assert_uint_eq(s.rss, M);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE + M + T_PG).rss, 3 * M - T_PG);
	ck_assert_uint_eq(anon_huge(1, BASE + M + T_PG), 2 * M);
	/* a whole aligned 2 MiB goes without a split */
	ck_assert_int_eq(vmsh_munmap(sys, BASE + 2 * M, 2 * M), 0);
	ck_assert_uint_eq(t_stat(sys, "thp_split_pmd"), 1);
	ck_assert_uint_eq(t_stat(sys, "thp_deferred_split_page"), 1);
	t_check(sys);
}
END_TEST

START_TEST(test_thp_mprotect)
{
	huge_region();
	t_fill(sys, BASE, 4 * M, 1);
	ck_assert_int_eq(vmsh_mprotect(sys, BASE, 2 * M, VMSH_PROT_READ), 0);
	t_check(sys);
	ck_assert_uint_eq(anon_huge(1, BASE), 2 * M);
	ck_assert(!(*pmd_lookup(t_mm(sys), BASE) & _PAGE_RW));
	ck_assert_uint_eq(t_stat(sys, "thp_split_pmd"), 0);
	/* back to rw: an exclusive folio gets RW at once */
	ck_assert_int_eq(vmsh_mprotect(sys, BASE, 2 * M, T_RW), 0);
	ck_assert(*pmd_lookup(t_mm(sys), BASE) & _PAGE_RW);
	ck_assert_int_eq(vmsh_mprotect(sys, BASE + 3 * M, T_PG, VMSH_PROT_NONE), 0);
	t_check(sys);
	ck_assert_uint_eq(t_stat(sys, "thp_split_pmd"), 1);
	ck_assert_uint_eq(t_stat(sys, "thp_deferred_split_page"), 0);
	ck_assert_uint_eq(anon_huge(1, BASE), 2 * M);
	ck_assert_uint_eq(anon_huge(1, BASE + 3 * M + T_PG), 0);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE + 3 * M + T_PG).rss, M - T_PG);
}
END_TEST

START_TEST(test_thp_mremap_dontneed)
{
	uint64_t out;

	huge_region();
	t_fill(sys, BASE, 4 * M, 1);
	/* an aligned move keeps the PMDs (move_huge_pmd) */
	ck_assert_int_eq(vmsh_mremap(sys, BASE, 4 * M, 4 * M,
				     VMSH_MREMAP_MAYMOVE | VMSH_MREMAP_FIXED,
				     BASE + 8 * M, &out), 0);
	t_check(sys);
	ck_assert_uint_eq(anon_huge(1, BASE + 8 * M), 4 * M);
	ck_assert_uint_eq(t_stat(sys, "thp_split_pmd"), 0);
	ck_assert_uint_eq(t_peek(sys, BASE + 8 * M + 5), 1);
	/* MADV_DONTNEED of a whole PMD: no split; of a part: split */
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 8 * M, 2 * M, VMSH_MADV_DONTNEED), 0);
	ck_assert_uint_eq(t_stat(sys, "thp_split_pmd"), 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 10 * M, T_PG, VMSH_MADV_DONTNEED), 0);
	t_check(sys);
	ck_assert_uint_eq(t_stat(sys, "thp_split_pmd"), 1);
	ck_assert_uint_eq(t_stat(sys, "thp_deferred_split_page"), 1);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE + 8 * M).rss, 2 * M - T_PG);
	/* a move off 2 MiB alignment splits */
	ck_assert_int_eq(vmsh_mremap(sys, BASE + 8 * M, 4 * M, 4 * M,
				     VMSH_MREMAP_MAYMOVE | VMSH_MREMAP_FIXED,
				     BASE + 16 * M + T_PG, &out), 0);
	t_check(sys);
	ck_assert_uint_eq(anon_huge(1, BASE + 16 * M + T_PG), 0);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE + 16 * M + T_PG).rss, 2 * M - T_PG);
}
END_TEST

/* GUP's touch of a huge PMD (follow_huge_pmd, FOLL_TOUCH) makes the PMD
 * young, and dirty for a write, but does not mark the folio accessed;
 * a 4 KiB page it touches is.  (Probed on 6.18: golden
 * 24-thp-populate-flags.) */
START_TEST(test_thp_populate_touch)
{
	uint64_t *pmdp;

	t_map(sys, BASE, 2 * M, T_RW, T_FIXED);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 2 * M, VMSH_MADV_HUGEPAGE), 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 2 * M, VMSH_MADV_POPULATE_WRITE), 0);
	t_check(sys);
	pmdp = pmd_lookup(t_mm(sys), BASE);
	ck_assert(pmd_trans_huge(*pmdp));
	ck_assert((*pmdp & (_PAGE_ACCESSED | _PAGE_DIRTY)) ==
		  (_PAGE_ACCESSED | _PAGE_DIRTY));
	ck_assert(!phys_page(sys, pte_pfn(*pmdp))->referenced);
	t_map(sys, BASE + 4 * M, 16 * T_PG, T_RW, T_FIXED);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 4 * M, 16 * T_PG,
				      VMSH_MADV_POPULATE_WRITE), 0);
	ck_assert(phys_page(sys, pte_pfn(*pte_lookup(t_mm(sys), BASE + 4 * M,
							 false)))->referenced);
}
END_TEST

/* MADV_COLLAPSE: whatever the mode, synchronously, with Linux's errnos. */
START_TEST(test_thp_madvise_collapse)
{
	t_map(sys, BASE, 4 * M, T_RW, T_FIXED);        /* no MADV_HUGEPAGE */
	/* an empty PMD fails the call, and ends it */
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 4 * M, VMSH_MADV_COLLAPSE), -EINVAL);
	t_fill(sys, BASE + 3 * M, 1, 7);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 4 * M, VMSH_MADV_COLLAPSE), -EINVAL);
	ck_assert_uint_eq(anon_huge(1, BASE), 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 2 * M, 2 * M, VMSH_MADV_COLLAPSE), 0);
	t_check(sys);
	ck_assert_uint_eq(anon_huge(1, BASE), 2 * M);
	ck_assert_uint_eq(t_stat(sys, "thp_collapse_alloc"), 1);
	ck_assert_uint_eq(t_peek(sys, BASE + 3 * M), 7);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).rss, 2 * M);
	/* a huge PMD already: done; no aligned 2 MiB inside: 0, but a range
	 * holding no boundary at all wraps Linux's count: EINVAL */
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 2 * M, 2 * M, VMSH_MADV_COLLAPSE), 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + M, 2 * M, VMSH_MADV_COLLAPSE), 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + T_PG, M, VMSH_MADV_COLLAPSE), -EINVAL);
	/* a PTE-mapped huge page with a hole is collapsed into a new one */
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 3 * M, T_PG, VMSH_MADV_DONTNEED), 0);
	ck_assert_uint_eq(anon_huge(1, BASE), 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 2 * M, 2 * M, VMSH_MADV_COLLAPSE), 0);
	ck_assert_uint_eq(anon_huge(1, BASE), 2 * M);
	ck_assert_uint_eq(t_stat(sys, "thp_collapse_alloc"), 2);
	ck_assert_uint_eq(t_peek(sys, BASE + 3 * M), 0);
	ck_assert_uint_eq(t_peek(sys, BASE + 3 * M + T_PG), 0);
	/* MADV_NOHUGEPAGE: EINVAL */
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 2 * M, VMSH_MADV_NOHUGEPAGE), 0);
	t_fill(sys, BASE, 1, 1);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 2 * M, VMSH_MADV_COLLAPSE), -EINVAL);
	t_check(sys);
}
END_TEST

/* khugepaged: one pass collapses what its limits allow. */
START_TEST(test_thp_khugepaged)
{
	struct vmsh_khugepaged_info k;

	t_map(sys, BASE, 6 * M, T_RW, T_FIXED);
	t_fill(sys, BASE, 1, 1);                   /* before MADV_HUGEPAGE */
	t_fill(sys, BASE + 2 * M, 1, 2);
	t_fill(sys, BASE + 4 * M, 1, 3);
	ck_assert_int_eq(vmsh_khugepaged(sys, &k), 0);
	ck_assert_uint_eq(k.scanned, 0);           /* madvise mode: no flag */
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 6 * M, VMSH_MADV_HUGEPAGE), 0);
	ck_assert_int_eq(vmsh_mprotect(sys, BASE + 4 * M, 2 * M, VMSH_PROT_READ), 0);
	ck_assert_int_eq(vmsh_khugepaged(sys, &k), 0);
	t_check(sys);
	/* the read-only range has no writable PTE: not collapsed */
	ck_assert_uint_eq(k.scanned, 3);
	ck_assert_uint_eq(k.collapsed, 2);
	ck_assert_uint_eq(k.full_scans, 1);     /* the first pass had no mm */
	ck_assert_uint_eq(k.passes, 2);
	ck_assert_uint_eq(k.nr_mms, 1);
	ck_assert_uint_eq(k.next_mm_id, 0);
	ck_assert_uint_eq(anon_huge(1, BASE), 4 * M);
	ck_assert_uint_eq(t_peek(sys, BASE + 2 * M), 2);
	ck_assert_uint_eq(t_stat(sys, "thp_collapse_alloc"), 2);
	ck_assert_int_eq(vmsh_khugepaged(sys, &k), 0);
	ck_assert_uint_eq(k.collapsed, 0);
	t_check(sys);
}
END_TEST

/* khugepaged's cursor: a pass has pages_to_scan 4096 of progress (512 a
 * range, 1 an mm), so it scans 8 ranges and the next pass resumes at the
 * ninth; an mm enters the list at MADV_HUGEPAGE only once it has an
 * anon_vma (or at its first huge fault), a fork's child with its parent;
 * an exited mm leaves it. */
START_TEST(test_thp_khugepaged_cursor)
{
	struct vmsh_khugepaged_info k;
	unsigned id = t_mm(sys)->id;
	uint64_t i;
	int child;

	t_map(sys, BASE, 20 * M, T_RW, T_FIXED);
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 20 * M, VMSH_MADV_HUGEPAGE), 0);
	ck_assert_int_eq(vmsh_khugepaged(sys, &k), 0);
	ck_assert_uint_eq(k.nr_mms, 0);         /* no anon_vma yet */
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 20 * M, VMSH_MADV_NOHUGEPAGE), 0);
	for (i = 0; i < 10; i++)
		t_fill(sys, BASE + i * 2 * M + T_PG, 1, (uint8_t)(i + 1));
	ck_assert_int_eq(vmsh_madvise(sys, BASE, 20 * M, VMSH_MADV_HUGEPAGE), 0);
	ck_assert_int_eq(vmsh_khugepaged(sys, &k), 0);
	t_check(sys);
	ck_assert_uint_eq(k.nr_mms, 1);
	ck_assert_uint_eq(k.scanned, 8);
	ck_assert_uint_eq(k.collapsed, 8);
	ck_assert_uint_eq(k.next_mm_id, id);
	ck_assert_uint_eq(k.next_address, BASE + 16 * M);
	ck_assert_uint_eq(k.full_scans, 0);
	ck_assert_uint_eq(anon_huge(1, BASE), 16 * M);
	ck_assert_int_eq(vmsh_khugepaged(sys, &k), 0);
	t_check(sys);
	ck_assert_uint_eq(k.collapsed, 2);
	ck_assert_uint_eq(k.full_scans, 1);
	ck_assert_uint_eq(anon_huge(1, BASE), 20 * M);
	for (i = 0; i < 10; i++)
		ck_assert_uint_eq(t_peek(sys, BASE + i * 2 * M + T_PG), i + 1);
	/* fork: the child joins the list; its exit takes it off */
	child = t_spawn(sys, vmsh_fork);
	ck_assert_int_eq(vmsh_khugepaged(sys, &k), 0);
	ck_assert_uint_eq(k.nr_mms, 2);
	ck_assert_int_eq(vmsh_kill(sys, child), 0);
	ck_assert_int_eq(vmsh_khugepaged(sys, &k), 0);
	ck_assert_uint_eq(k.nr_mms, 1);
	t_check(sys);
}
END_TEST

static struct vmsh_tlb_cpu_info cpu0(void)
{
	struct vmsh_tlb_cpu_info c;

	ck_assert(vmsh_tlb_cpu_info(sys, 0, &c));
	return c;
}

/* The separate 2 MiB TLB (x86's): a walk ending at a huge PMD fills one
 * entry there, which serves every 4 KiB page of the 2 MiB; an invlpg of
 * any address inside drops it; a flush striding 2 MiB (flush_pmd_tlb_range)
 * invlpgs only each 2 MiB's first address, so a 4 KiB entry further in
 * stays; more than 33 strides is a full flush of both TLBs. */
START_TEST(test_thp_tlb_2m_entry)
{
	struct vmsh_mm *mm;
	uint64_t pfn, flags, hits;
	struct vmsh_tlb_cpu_info c;

	huge_region();
	mm = t_mm(sys);
	c = cpu0();
	ck_assert_uint_eq(c.entries_2m, 32);
	ck_assert_uint_eq(c.ways_2m, 4);
	ck_assert_uint_eq(c.sets_2m, 8);
	t_fill(sys, BASE + 5 * T_PG, 1, 1);
	c = cpu0();
	ck_assert_uint_eq(c.valid_2m, 1);
	ck_assert_uint_eq(c.valid, 0);
	hits = t_stat(sys, "tlb_hit");
	t_fill(sys, BASE + 300 * T_PG, 1, 2);   /* the same 2 MiB entry */
	ck_assert_uint_eq(t_stat(sys, "tlb_hit"), hits + 1);
	ck_assert(tlb_lookup(sys, mm, BASE + 300 * T_PG, &pfn, &flags));
	ck_assert_uint_eq(pfn, pte_pfn(*pmd_lookup(mm, BASE)) + 300);
	ck_assert(flags & _PAGE_DIRTY);
	/* invlpg of an address inside the 2 MiB page */
	flush_tlb_page(mm, BASE + 100 * T_PG);
	ck_assert_uint_eq(cpu0().valid_2m, 0);
	t_fill(sys, BASE, 1, 3);
	ck_assert_uint_eq(cpu0().valid_2m, 1);
	flush_tlb_range(mm, BASE + 10 * T_PG, BASE + 12 * T_PG);
	ck_assert_uint_eq(cpu0().valid_2m, 0);
	/* a 4 KiB entry beside it (tlb_fill), then a 2 MiB-stride flush */
	t_fill(sys, BASE, 1, 3);
	tlb_fill(sys, mm, BASE + T_PG, (1ULL << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_USER);
	c = cpu0();
	ck_assert_uint_eq(c.valid_2m, 1);
	ck_assert_uint_eq(c.valid, 1);
	flush_pmd_tlb_range(mm, BASE, BASE + 2 * M);
	c = cpu0();
	ck_assert_uint_eq(c.valid_2m, 0);
	ck_assert_uint_eq(c.valid, 1);          /* x86 invlpg'd BASE only */
	t_fill(sys, BASE, 1, 3);
	ck_assert_uint_eq(t_stat(sys, "tlb_flush_all"), 0);
	flush_tlb_range(mm, BASE, BASE + 2 * M);        /* 512 pages > 33 */
	ck_assert_uint_eq(t_stat(sys, "tlb_flush_all"), 1);
	c = cpu0();
	ck_assert_uint_eq(c.valid_2m + c.valid, 0);
}
END_TEST

/* munmap of a whole huge PMD flushes with a 2 MiB stride (only PMDs were
 * cleared: tlb_get_unmap_shift), one invlpg, not a full flush; a PTE
 * zapped in the same gather brings the stride back to 4 KiB. */
START_TEST(test_thp_tlb_unmap_stride)
{
	uint64_t range;

	huge_region();
	t_fill(sys, BASE, 1, 1);
	t_fill(sys, BASE + 2 * M, 1, 1);
	ck_assert_uint_eq(cpu0().valid_2m, 2);
	range = t_stat(sys, "tlb_flush_range");
	ck_assert_int_eq(vmsh_munmap(sys, BASE + 2 * M, 2 * M), 0);
	t_check(sys);
	ck_assert_uint_eq(t_stat(sys, "tlb_flush_range"), range + 1);
	ck_assert_uint_eq(t_stat(sys, "tlb_flush_all"), 0);
	ck_assert_uint_eq(cpu0().valid_2m, 1);
	/* 4 KiB of it: split (a 2 MiB-stride flush), then the PTE's flush */
	ck_assert_int_eq(vmsh_madvise(sys, BASE, T_PG, VMSH_MADV_DONTNEED), 0);
	t_check(sys);
	ck_assert_uint_eq(t_stat(sys, "tlb_flush_range"), range + 3);
	ck_assert_uint_eq(t_stat(sys, "tlb_flush_all"), 0);
	ck_assert_uint_eq(cpu0().valid_2m, 0);
	t_fill(sys, BASE + 5 * T_PG, 1, 1);     /* now a 4 KiB PTE */
	ck_assert_uint_eq(cpu0().valid_2m, 0);
	ck_assert_uint_eq(cpu0().valid, 1);
}
END_TEST

/* Splits left for the next flush are flushed in the order they were
 * made (pmdp_invalidate flushes each at once), one pass, none left. */
START_TEST(test_thp_pending_splits_in_order)
{
	struct vmsh_mm *mm = t_mm(sys);
	uint64_t i, n = 300;
	char *tr, *a, *b;

	huge_region();
	t_fill(sys, BASE, 1, 1);
	for (i = 0; i < n; i++) {       /* as __split_huge_pmd records them */
		if (mm->nr_splits == mm->cap_splits) {
			mm->cap_splits = mm->cap_splits ? 2 * mm->cap_splits : 4;
			mm->splits = xrealloc(mm->splits, mm->cap_splits *
					      sizeof(*mm->splits));
		}
		mm->splits[mm->nr_splits++] = BASE + (i % 2 ? 2 * M : 0);
	}
	t_trace_on(sys);
	tlb_flush_splits(mm);
	ck_assert_uint_eq(mm->nr_splits, 0);
	tr = t_trace();
	a = strstr(tr, "flush_pmd_tlb_range mm=1 start=0x200000000000");
	b = strstr(tr, "flush_pmd_tlb_range mm=1 start=0x200000200000");
	ck_assert(a && b && a < b);
	ck_assert_uint_eq(t_stat(sys, "tlb_flush_range") >= n, 1);
	t_check(sys);
}
END_TEST

/* --tlb-2m 0: no separate TLB; the CPU caches the 2 MiB page in 4 KiB
 * pieces, one per page touched. */
START_TEST(test_thp_tlb_2m_none)
{
	struct vmsh_config cfg;

	t_sys_free(&sys);
	t_config(&cfg, false, 0);
	cfg.tlb2m_entries = 0;
	cfg.tlb2m_ways = 0;
	sys = t_sys_cfg(&cfg);
	huge_region();
	t_fill(sys, BASE, 1, 1);
	t_fill(sys, BASE + T_PG, 1, 1);
	ck_assert_uint_eq(cpu0().valid, 2);
	ck_assert_uint_eq(cpu0().valid_2m, 0);
	ck_assert_uint_eq(cpu0().entries_2m, 0);
	ck_assert_uint_eq(t_peek(sys, BASE + T_PG), 1);
}
END_TEST

Suite *thp_suite(void)
{
	Suite *s = suite_create("thp");
	TCase *tc;

	tc = t_tcase(s, "fault", setup, teardown);
	tcase_add_test(tc, test_thp_fault_maps_pmd);
	tcase_add_test(tc, test_thp_eligibility);
	tcase_add_test(tc, test_thp_fallback);
	tc = t_tcase(s, "zero-page", setup_zero, teardown);
	tcase_add_test(tc, test_thp_zero_page);
	tc = t_tcase(s, "fork", setup, teardown);
	tcase_add_test(tc, test_thp_fork_write);
	tcase_add_test(tc, test_thp_fork_both_write);
	tc = t_tcase(s, "split", setup, teardown);
	tcase_add_test(tc, test_thp_partial_munmap);
	tcase_add_test(tc, test_thp_mprotect);
	tcase_add_test(tc, test_thp_mremap_dontneed);
	tc = t_tcase(s, "collapse", setup, teardown);
	tcase_add_test(tc, test_thp_madvise_collapse);
	tcase_add_test(tc, test_thp_populate_touch);
	tcase_add_test(tc, test_thp_khugepaged);
	tcase_add_test(tc, test_thp_khugepaged_cursor);
	tc = t_tcase(s, "tlb", setup, teardown);
	tcase_add_test(tc, test_thp_tlb_2m_entry);
	tcase_add_test(tc, test_thp_tlb_unmap_stride);
	tcase_add_test(tc, test_thp_pending_splits_in_order);
	tcase_add_test(tc, test_thp_tlb_2m_none);
	thp_reclaim_tcases(s);
	return s;
}
