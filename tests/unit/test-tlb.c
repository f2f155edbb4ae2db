/* SPDX-License-Identifier: MIT */
/*
 * The TLB and MMU model (src/engine/tlb.c): hits, misses, page-walk
 * references, A/D bits, LRU replacement, the flush points, ASIDs with
 * PCID, shootdowns, lazy TLB and the lazy_flush teaching switch.
 *
 * The bare cases run on a hand-built machine (tlb-bare.h): a struct
 * vmsh_sys with only its CPUs and a few physical frames holding one
 * page-table path, so they test tlb.c alone.  The model cases
 * (test_tlb_model_*) go through the public API.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm.h"
#include "pgtable.h"
#include "memory.h"
#include "phys.h"
#include "suites.h"
#include "sys.h"
#include "task.h"
#include "tlb-bare.h"
#include "tlb.h"
#include "vmsh-test.h"

/* The machine of the running case, made by bare_new() or model_new() and
 * freed by teardown. */
static struct bare *case_bare;
static struct model *case_model;

static struct bare *bare_new(unsigned entries, unsigned ways, unsigned cpus,
			     bool pcid, bool lazy_flush)
{
	case_bare = bare_alloc(entries, ways, cpus, pcid, lazy_flush);
	return case_bare;
}

static void model_free(struct model *m);

/* Frees the case's machine; a model gets a last invariant check. */
static void teardown(void)
{
	if (case_bare)
		bare_free(case_bare);
	if (case_model)
		model_free(case_model);
	case_bare = NULL;
	case_model = NULL;
}

START_TEST(test_tlb_hit_after_first_miss)
{
	struct bare *b = bare_new(64, 4, 1, false, false);
	struct vmsh_mm *mm = b->mm[0];
	uint64_t pfn = map(b, mm, BASE, PTE_FLAGS | _PAGE_RW), got = 0;

	ck_assert_int_eq(mmu_translate(b->sys, mm, BASE + 5, false, &got), 0);
	ck_assert_uint_eq(got, pfn);
	ck_assert_uint_eq(STAT(b, ST_TLB_MISS), 1);
	ck_assert_uint_eq(STAT(b, ST_TLB_HIT), 0);
	ck_assert_uint_eq(STAT(b, ST_TLB_WALK_REFS), 4);  /* one per level */
	/* the walk set A, not D */
	ck_assert(get_pte(b, mm, BASE) & _PAGE_ACCESSED);
	ck_assert(!(get_pte(b, mm, BASE) & _PAGE_DIRTY));
	for (int i = 0; i < 9; i++)
		ck_assert_int_eq(rd(b, mm, BASE + 64 * i), 0);
	ck_assert_uint_eq(STAT(b, ST_TLB_MISS), 1);
	ck_assert_uint_eq(STAT(b, ST_TLB_HIT), 9);
	ck_assert_uint_eq(STAT(b, ST_TLB_WALK_REFS), 4);
}
END_TEST

START_TEST(test_tlb_walk_refs_follow_levels)
{
	struct bare *b = bare_new(64, 4, 1, false, false);

	/* nothing mapped: the walk stops at the empty PGD entry */
	ck_assert_int_eq(rd(b, b->mm[0], BASE), -EFAULT);
	ck_assert_uint_eq(STAT(b, ST_TLB_WALK_REFS), 1);
	ck_assert_uint_eq(STAT(b, ST_TLB_MISS), 1);
	/* a PTE table exists, its entry is empty: four references */
	map(b, b->mm[0], BASE + PAGE_SIZE, PTE_FLAGS);
	ck_assert_int_eq(rd(b, b->mm[0], BASE), -EFAULT);
	ck_assert_uint_eq(STAT(b, ST_TLB_WALK_REFS), 5);
	/* beyond the 4-level address space */
	ck_assert_int_eq(rd(b, b->mm[0], 1ULL << 48), -EFAULT);
}
END_TEST

START_TEST(test_tlb_write_sets_dirty_through_a_walk)
{
	struct bare *b = bare_new(64, 4, 1, false, false);
	struct vmsh_mm *mm = b->mm[0];

	map(b, mm, BASE, PTE_FLAGS | _PAGE_RW);
	ck_assert_int_eq(rd(b, mm, BASE), 0);           /* miss, fills D=0 */
	ck_assert_int_eq(wr(b, mm, BASE), 0);           /* D clear: re-walk */
	ck_assert_uint_eq(STAT(b, ST_TLB_MISS), 2);
	ck_assert(get_pte(b, mm, BASE) & _PAGE_DIRTY);
	ck_assert_int_eq(wr(b, mm, BASE), 0);           /* hit */
	ck_assert_int_eq(rd(b, mm, BASE), 0);           /* hit */
	ck_assert_uint_eq(STAT(b, ST_TLB_MISS), 2);
	ck_assert_uint_eq(STAT(b, ST_TLB_HIT), 2);
}
END_TEST

START_TEST(test_tlb_permission_checks_use_the_entry)
{
	struct bare *b = bare_new(64, 4, 1, false, false);
	struct vmsh_mm *mm = b->mm[0];
	uint64_t *ptep;

	map(b, mm, BASE, PTE_FLAGS);                    /* read-only */
	ck_assert_int_eq(rd(b, mm, BASE), 0);
	ck_assert_int_eq(wr(b, mm, BASE), -EFAULT);     /* entry RO: walk, fault */
	/* the fault handler makes it writable (COW reuse: no flush) */
	ptep = set_pte(b, mm, BASE, get_pte(b, mm, BASE) | _PAGE_RW | _PAGE_DIRTY);
	ck_assert(*ptep & _PAGE_RW);
	ck_assert_int_eq(wr(b, mm, BASE), 0);   /* the RO entry was dropped */
	ck_assert_int_eq(wr(b, mm, BASE), 0);
	ck_assert_uint_eq(STAT(b, ST_TLB_HIT), 1);
	/* a non-present PTE and a PROT_NONE one fault */
	set_pte(b, mm, BASE + PAGE_SIZE, (5ULL << 12) | _PAGE_PROTNONE | _PAGE_ACCESSED);
	ck_assert_int_eq(rd(b, mm, BASE + PAGE_SIZE), -EFAULT);
	ck_assert_int_eq(rd(b, mm, BASE + 2 * PAGE_SIZE), -EFAULT);
}
END_TEST

START_TEST(test_tlb_lru_eviction_in_a_set)
{
	/* 4 entries, 2 ways: 2 sets; vpn even -> set 0 */
	struct bare *b = bare_new(4, 2, 1, false, false);
	struct vmsh_mm *mm = b->mm[0];
	uint64_t a = BASE, c = BASE + 2 * PAGE_SIZE, d = BASE + 4 * PAGE_SIZE;
	struct vmsh_tlb_cpu_info ci;

	map(b, mm, a, PTE_FLAGS);
	map(b, mm, c, PTE_FLAGS);
	map(b, mm, d, PTE_FLAGS);
	ck_assert_int_eq(rd(b, mm, a), 0);
	ck_assert_int_eq(rd(b, mm, c), 0);
	ck_assert_int_eq(rd(b, mm, a), 0);      /* a is now most recent */
	ck_assert_int_eq(rd(b, mm, d), 0);      /* evicts c, the LRU way */
	ck_assert_uint_eq(STAT(b, ST_TLB_MISS), 3);
	ck_assert_int_eq(rd(b, mm, a), 0);
	ck_assert_uint_eq(STAT(b, ST_TLB_MISS), 3);
	ck_assert_int_eq(rd(b, mm, c), 0);
	ck_assert_uint_eq(STAT(b, ST_TLB_MISS), 4);
	ck_assert(vmsh_tlb_cpu_info(b->sys, 0, &ci));
	ck_assert_uint_eq(ci.sets, 2);
	ck_assert_uint_eq(ci.ways, 2);
	ck_assert_uint_eq(ci.valid, 2);         /* set 1 is empty */
	ck_assert(!vmsh_tlb_cpu_info(b->sys, 1, &ci));
}
END_TEST

START_TEST(test_tlb_fully_associative)
{
	struct bare *b = bare_new(4, 4, 1, false, false);
	struct vmsh_mm *mm = b->mm[0];
	struct vmsh_tlb_entry_info e;
	size_t n = 0;

	for (int i = 0; i < 5; i++)
		map(b, mm, BASE + i * PAGE_SIZE * 7, PTE_FLAGS);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(rd(b, mm, BASE + i * PAGE_SIZE * 7), 0);
	while (t_tlb_nth(b->sys, n, &e)) {
		ck_assert_uint_eq(e.set, 0);
		ck_assert_uint_eq(e.mm_id, 1);
		ck_assert(e.current);
		n++;
	}
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(rd(b, mm, BASE + 4 * PAGE_SIZE * 7), 0);  /* evicts #0 */
	ck_assert_int_eq(rd(b, mm, BASE + 1 * PAGE_SIZE * 7), 0);  /* hit */
	ck_assert_uint_eq(STAT(b, ST_TLB_HIT), 1);
	ck_assert_int_eq(rd(b, mm, BASE), 0);                      /* miss */
	ck_assert_uint_eq(STAT(b, ST_TLB_MISS), 6);
}
END_TEST

START_TEST(test_tlb_invalid_geometry_is_fully_associative)
{
	struct bare *b = bare_new(6, 4, 1, false, false);
	struct vmsh_tlb_cpu_info ci;

	ck_assert(vmsh_tlb_cpu_info(b->sys, 0, &ci));
	ck_assert_uint_eq(ci.entries, 6);
	ck_assert_uint_eq(ci.ways, 6);
	ck_assert_uint_eq(ci.sets, 1);
}
END_TEST

START_TEST(test_tlb_flush_page_range_mm)
{
	struct bare *b = bare_new(64, 64, 1, false, false);
	struct vmsh_mm *mm = b->mm[0];

	for (int i = 0; i < 40; i++)
		map(b, mm, BASE + i * PAGE_SIZE, PTE_FLAGS);
	for (int i = 0; i < 40; i++)
		rd(b, mm, BASE + i * PAGE_SIZE);
	ck_assert_uint_eq(STAT(b, ST_TLB_MISS), 40);

	flush_tlb_page(mm, BASE + 3 * PAGE_SIZE);
	ck_assert_uint_eq(STAT(b, ST_TLB_FLUSH_PAGE), 1);
	rd(b, mm, BASE + 2 * PAGE_SIZE);
	rd(b, mm, BASE + 4 * PAGE_SIZE);
	ck_assert_uint_eq(STAT(b, ST_TLB_MISS), 40);
	rd(b, mm, BASE + 3 * PAGE_SIZE);
	ck_assert_uint_eq(STAT(b, ST_TLB_MISS), 41);

	/* [10, 20): a range flush of 10 pages */
	flush_tlb_range(mm, BASE + 10 * PAGE_SIZE, BASE + 20 * PAGE_SIZE);
	ck_assert_uint_eq(STAT(b, ST_TLB_FLUSH_RANGE), 1);
	rd(b, mm, BASE + 9 * PAGE_SIZE);
	rd(b, mm, BASE + 20 * PAGE_SIZE);
	ck_assert_uint_eq(STAT(b, ST_TLB_MISS), 41);
	for (int i = 10; i < 20; i++)
		rd(b, mm, BASE + i * PAGE_SIZE);
	ck_assert_uint_eq(STAT(b, ST_TLB_MISS), 51);

	/* exactly 33 pages is still a range flush */
	flush_tlb_range(mm, BASE, BASE + 33 * PAGE_SIZE);
	ck_assert_uint_eq(STAT(b, ST_TLB_FLUSH_RANGE), 2);
	ck_assert_uint_eq(STAT(b, ST_TLB_FLUSH_ALL), 0);
	rd(b, mm, BASE + 33 * PAGE_SIZE);
	ck_assert_uint_eq(STAT(b, ST_TLB_MISS), 51);
	for (int i = 0; i < 33; i++)
		rd(b, mm, BASE + i * PAGE_SIZE);
	ck_assert_uint_eq(STAT(b, ST_TLB_MISS), 84);

	/* 34 pages: a full flush, page 39 goes too */
	flush_tlb_range(mm, BASE, BASE + 34 * PAGE_SIZE);
	ck_assert_uint_eq(STAT(b, ST_TLB_FLUSH_RANGE), 2);
	ck_assert_uint_eq(STAT(b, ST_TLB_FLUSH_ALL), 1);
	rd(b, mm, BASE + 39 * PAGE_SIZE);
	ck_assert_uint_eq(STAT(b, ST_TLB_MISS), 85);

	flush_tlb_mm(mm);
	ck_assert_uint_eq(STAT(b, ST_TLB_FLUSH_ALL), 2);
	rd(b, mm, BASE + 39 * PAGE_SIZE);
	ck_assert_uint_eq(STAT(b, ST_TLB_MISS), 86);
	ck_assert_uint_eq(STAT(b, ST_TLB_SHOOTDOWN), 0);
}
END_TEST

START_TEST(test_tlb_pte_needs_flush_rule)
{
	uint64_t rw = (7ULL << 12) | _PAGE_PRESENT | _PAGE_USER | _PAGE_RW |
		      _PAGE_ACCESSED | _PAGE_DIRTY;
	uint64_t ro = rw & ~_PAGE_RW;

	ck_assert(pte_needs_flush(rw, ro));                     /* losing write */
	ck_assert(pte_needs_flush(rw, rw & ~_PAGE_PRESENT));    /* losing P */
	ck_assert(pte_needs_flush(rw, rw & ~_PAGE_DIRTY));      /* losing D */
	ck_assert(pte_needs_flush(rw, (rw & ~PTE_PFN_MASK) | (8ULL << 12)));
	ck_assert(pte_needs_flush(rw, rw | _PAGE_NX));          /* losing exec */
	ck_assert(pte_needs_flush(rw, rw & ~_PAGE_USER));
	/* PROT_NONE: P cleared, PROTNONE set */
	ck_assert(pte_needs_flush(rw, (ro & ~_PAGE_PRESENT) | _PAGE_PROTNONE));
	ck_assert(!pte_needs_flush(rw, rw));
	ck_assert(!pte_needs_flush(rw, rw & ~_PAGE_ACCESSED)); /* A ignored */
	ck_assert(!pte_needs_flush(ro & ~_PAGE_DIRTY, ro));     /* gaining D */
	ck_assert(!pte_needs_flush(rw, rw | _PAGE_SOFT_DIRTY)); /* software bits */
	ck_assert(!pte_needs_flush(rw, rw | _PAGE_SPECIAL));
	ck_assert(!pte_needs_flush(rw | _PAGE_SAVED_DIRTY, rw));
	/* not present before: nothing can be cached */
	ck_assert(!pte_needs_flush(0, rw));
	ck_assert(!pte_needs_flush((ro & ~_PAGE_PRESENT) | _PAGE_PROTNONE, rw));
	/* RW is a flush_on_change bit on x86: a PTE made writable by
	 * mprotect (an exclusive anonymous page) is flushed too; the usual
	 * r->rw mprotect leaves PTEs read-only and needs none. */
	ck_assert(pte_needs_flush(ro, rw));
}
END_TEST

START_TEST(test_tlb_switch_without_pcid_flushes)
{
	struct bare *b = bare_new(64, 4, 1, false, false);
	struct vmsh_mm *m1 = b->mm[0], *m2 = b->mm[1];
	struct vmsh_tlb_cpu_info ci;

	map(b, m1, BASE, PTE_FLAGS);
	map(b, m2, BASE, PTE_FLAGS);
	ck_assert_int_eq(rd(b, m1, BASE), 0);
	run(b, 0, m2);
	ck_assert_uint_eq(STAT(b, ST_TLB_FLUSH_ALL), 1);
	ck_assert_int_eq(rd(b, m2, BASE), 0);
	run(b, 0, m1);
	ck_assert_int_eq(rd(b, m1, BASE), 0);
	ck_assert_uint_eq(STAT(b, ST_TLB_MISS), 3);
	ck_assert_uint_eq(STAT(b, ST_TLB_HIT), 0);
	ck_assert(vmsh_tlb_cpu_info(b->sys, 0, &ci));
	ck_assert_uint_eq(ci.loaded_mm_id, 1);
	ck_assert_uint_eq(ci.asid, 0);
	ck_assert_uint_eq(ci.flushes, 2);
}
END_TEST

START_TEST(test_tlb_pcid_keeps_entries_across_switches)
{
	struct bare *b = bare_new(64, 4, 1, true, false);
	struct vmsh_mm *m1 = b->mm[0], *m2 = b->mm[1];
	struct vmsh_tlb_entry_info e;
	uint64_t p1 = map(b, m1, BASE, PTE_FLAGS);
	uint64_t p2 = map(b, m2, BASE, PTE_FLAGS), got;

	ck_assert_int_eq(rd(b, m1, BASE), 0);
	run(b, 0, m2);
	ck_assert_int_eq(mmu_translate(b->sys, m2, BASE, false, &got), 0);
	ck_assert_uint_eq(got, p2);               /* same VA, other ASID */
	run(b, 0, m1);
	ck_assert_int_eq(mmu_translate(b->sys, m1, BASE, false, &got), 0);
	ck_assert_uint_eq(got, p1);
	ck_assert_uint_eq(STAT(b, ST_TLB_HIT), 1);
	/* only taking a new ASID for m2 flushed (that ASID) */
	ck_assert_uint_eq(STAT(b, ST_TLB_FLUSH_ALL), 1);
	/* both entries are there, with their ASIDs */
	ck_assert(t_tlb_nth(b->sys, 0, &e));
	ck_assert(t_tlb_nth(b->sys, 1, &e));
	ck_assert(!t_tlb_nth(b->sys, 2, &e));

	/* a flush of m2 while it is not loaded: its ASID is behind and is
	 * flushed when m2 comes back (choose_new_asid) */
	flush_tlb_mm(m2);
	run(b, 0, m2);
	ck_assert_uint_eq(STAT(b, ST_TLB_FLUSH_ALL), 3);
	ck_assert_int_eq(rd(b, m2, BASE), 0);
	ck_assert_uint_eq(STAT(b, ST_TLB_MISS), 3);
}
END_TEST

START_TEST(test_tlb_pcid_six_asids_round_robin)
{
	struct bare *b = bare_new(64, 64, 1, true, false);
	struct vmsh_tlb_cpu_info ci;

	for (int i = 0; i < 7; i++)
		map(b, b->mm[i], BASE, PTE_FLAGS);
	for (int i = 0; i < 6; i++) {
		run(b, 0, b->mm[i]);
		ck_assert_int_eq(rd(b, b->mm[i], BASE), 0);
	}
	ck_assert(vmsh_tlb_cpu_info(b->sys, 0, &ci));
	for (int k = 0; k < 6; k++)
		ck_assert_uint_ne(ci.asid_mm_id[k], 0);
	ck_assert_uint_eq(ci.valid, 6);
	/* mm 1..6 all cached: switching among them never flushes */
	for (int i = 0; i < 6; i++) {
		run(b, 0, b->mm[i]);
		ck_assert_int_eq(rd(b, b->mm[i], BASE), 0);
	}
	ck_assert_uint_eq(STAT(b, ST_TLB_HIT), 6);
	/* a seventh mm takes a slot over and flushes it */
	run(b, 0, b->mm[6]);
	ck_assert(vmsh_tlb_cpu_info(b->sys, 0, &ci));
	ck_assert_uint_eq(ci.asid_mm_id[ci.asid], 7);
	ck_assert_uint_eq(ci.valid, 5);
}
END_TEST

/* pid 1's mm running on CPU 0 and CPU 1 (two threads). */
START_TEST(test_tlb_shootdown_reaches_other_cpu)
{
	struct bare *b = bare_new(64, 4, 2, false, false);
	struct vmsh_mm *mm = b->mm[0];
	struct vmsh_tlb_cpu_info ci;

	map(b, mm, BASE, PTE_FLAGS | _PAGE_RW);
	run(b, 0, mm);
	run(b, 1, mm);
	b->sys->cur_cpu = 1;
	ck_assert_int_eq(wr(b, mm, BASE), 0);
	b->sys->cur_cpu = 0;
	ck_assert_int_eq(wr(b, mm, BASE), 0);
	ck_assert(vmsh_tlb_cpu_info(b->sys, 1, &ci));
	ck_assert_uint_eq(ci.valid, 1);

	/* CPU 0 write-protects the page and flushes: CPU 1 gets an IPI */
	set_pte(b, mm, BASE, get_pte(b, mm, BASE) & ~_PAGE_RW);
	flush_tlb_page(mm, BASE);
	ck_assert_uint_eq(STAT(b, ST_TLB_SHOOTDOWN), 1);
	ck_assert(vmsh_tlb_cpu_info(b->sys, 1, &ci));
	ck_assert_uint_eq(ci.valid, 0);
	ck_assert_uint_eq(ci.shootdowns, 1);
	b->sys->cur_cpu = 1;
	ck_assert_int_eq(wr(b, mm, BASE), -EFAULT);
	ck_assert_int_eq(b->warnings, 0);

	/* a CPU running another mm gets no IPI */
	run(b, 1, b->mm[1]);
	b->sys->cur_cpu = 0;
	flush_tlb_page(mm, BASE);
	ck_assert_uint_eq(STAT(b, ST_TLB_SHOOTDOWN), 1);
}
END_TEST

START_TEST(test_tlb_lazy_tlb_kernel_thread)
{
	struct bare *b = bare_new(64, 4, 2, false, false);
	struct vmsh_mm *mm = b->mm[0];
	struct vmsh_tlb_cpu_info ci;

	map(b, mm, BASE, PTE_FLAGS);
	run(b, 0, mm);
	run(b, 1, mm);
	b->sys->cur_cpu = 1;
	ck_assert_int_eq(rd(b, mm, BASE), 0);
	/* a kernel thread on CPU 1 borrows mm: no CR3 write, no flush */
	run_kthread(b, 1);
	ck_assert(vmsh_tlb_cpu_info(b->sys, 1, &ci));
	ck_assert(ci.lazy);
	ck_assert_uint_eq(ci.loaded_mm_id, 1);
	ck_assert_uint_eq(ci.valid, 1);
	ck_assert_uint_eq(ci.flushes, 0);
	/* back to mm without a flush in between: entries kept */
	run(b, 1, mm);
	ck_assert_int_eq(rd(b, mm, BASE), 0);
	ck_assert_uint_eq(STAT(b, ST_TLB_HIT), 1);

	/* a flush while CPU 1 is lazy sends no IPI; CPU 1 catches up when
	 * it switches back */
	run_kthread(b, 1);
	b->sys->cur_cpu = 0;
	flush_tlb_page(mm, BASE);
	ck_assert_uint_eq(STAT(b, ST_TLB_SHOOTDOWN), 0);
	run(b, 1, mm);
	ck_assert(vmsh_tlb_cpu_info(b->sys, 1, &ci));
	ck_assert(!ci.lazy);
	ck_assert_uint_eq(ci.valid, 0);
	ck_assert_uint_eq(ci.flushes, 1);
}
END_TEST

START_TEST(test_tlb_lazy_flush_lets_stale_entry_through)
{
	struct bare *b = bare_new(64, 4, 1, false, true);
	struct vmsh_mm *mm = b->mm[0];
	struct vmsh_tlb_cpu_info ci;
	uint64_t pfn = map(b, mm, BASE, PTE_FLAGS | _PAGE_RW), got;

	ck_assert_int_eq(wr(b, mm, BASE), 0);
	/* mprotect rw->r: the PTE loses RW, the flush is skipped */
	set_pte(b, mm, BASE, get_pte(b, mm, BASE) & ~_PAGE_RW);
	flush_tlb_range(mm, BASE, BASE + PAGE_SIZE);
	ck_assert_uint_eq(STAT(b, ST_TLB_FLUSH_RANGE), 0);
	ck_assert_int_eq(b->warnings, 0);
	ck_assert_int_eq(rd(b, mm, BASE), 0);           /* reading is fine */
	ck_assert_int_eq(b->warnings, 0);
	ck_assert_int_eq(mmu_translate(b->sys, mm, BASE, true, &got), 0);
	ck_assert_uint_eq(got, pfn);
	ck_assert_int_eq(b->warnings, 1);
	ck_assert_ptr_nonnull(strstr(b->last_warning, "warning: "));
	ck_assert_ptr_nonnull(strstr(b->last_warning, "stale TLB entry"));
	ck_assert_ptr_nonnull(strstr(b->last_warning, "read-only"));
	ck_assert(vmsh_tlb_cpu_info(b->sys, 0, &ci));
	ck_assert_uint_eq(ci.stale_hits, 1);

	/* munmap: the PTE goes, the frame is freed */
	set_pte(b, mm, BASE, 0);
	b->sys->phys.pages[pfn].kind = PAGE_FREE;
	flush_tlb_range(mm, BASE, BASE + PAGE_SIZE);
	ck_assert_int_eq(rd(b, mm, BASE), 0);
	ck_assert_int_eq(b->warnings, 2);
	ck_assert_ptr_nonnull(strstr(b->last_warning, "freed"));
}
END_TEST

START_TEST(test_tlb_stale_entry_dropped_without_lazy_flush)
{
	struct bare *b = bare_new(64, 4, 1, false, false);
	struct vmsh_mm *mm = b->mm[0];

	map(b, mm, BASE, PTE_FLAGS | _PAGE_RW);
	ck_assert_int_eq(wr(b, mm, BASE), 0);
	/* a PTE change nobody flushed (a bug elsewhere): never used */
	set_pte(b, mm, BASE, get_pte(b, mm, BASE) & ~_PAGE_RW);
	ck_assert_int_eq(wr(b, mm, BASE), -EFAULT);
	ck_assert_int_eq(b->warnings, 0);
}
END_TEST

START_TEST(test_tlb_lookup_fill_interface)
{
	struct bare *b = bare_new(8, 2, 1, false, false);
	struct vmsh_mm *mm = b->mm[0];
	uint64_t pfn = 0, flags = 0;

	ck_assert(!tlb_lookup(b->sys, mm, BASE, &pfn, &flags));
	tlb_fill(b->sys, mm, BASE, (9ULL << 12) | PTE_FLAGS | _PAGE_RW |
		 _PAGE_ACCESSED | _PAGE_NX);
	ck_assert(tlb_lookup(b->sys, mm, BASE + 100, &pfn, &flags));
	ck_assert_uint_eq(pfn, 9);
	ck_assert(flags & _PAGE_RW);
	ck_assert(flags & _PAGE_NX);
	ck_assert(!(flags & _PAGE_DIRTY));
	tlb_fill(b->sys, mm, BASE + PAGE_SIZE, 0);      /* not present: ignored */
	ck_assert(!tlb_lookup(b->sys, mm, BASE + PAGE_SIZE, &pfn, &flags));
	ck_assert_uint_eq(STAT(b, ST_TLB_HIT), 1);
	ck_assert_uint_eq(STAT(b, ST_TLB_MISS), 2);
}
END_TEST

START_TEST(test_tlb_entry_listing_in_any_order)
{
	struct bare *b = bare_new(16, 4, 2, false, false);
	struct vmsh_tlb_entry_info e, f;
	size_t n = 0;

	for (int i = 0; i < 6; i++)
		map(b, b->mm[0], BASE + i * PAGE_SIZE, PTE_FLAGS);
	for (int i = 0; i < 6; i++)
		rd(b, b->mm[0], BASE + i * PAGE_SIZE);
	run(b, 1, b->mm[0]);
	b->sys->cur_cpu = 1;
	rd(b, b->mm[0], BASE + 2 * PAGE_SIZE);
	while (t_tlb_nth(b->sys, n, &e))
		n++;
	ck_assert_uint_eq(n, 7);
	/* random access gives the same answers as the sequential pass */
	ck_assert(t_tlb_nth(b->sys, 6, &e));
	ck_assert_int_eq(e.cpu, 1);
	ck_assert(t_tlb_nth(b->sys, 2, &e));
	ck_assert(t_tlb_nth(b->sys, 3, &f));
	ck_assert(t_tlb_nth(b->sys, 2, &f));
	ck_assert_uint_eq(e.vpn, f.vpn);
	ck_assert_int_eq(e.cpu, 0);
	/* a change between calls is seen */
	b->sys->cur_cpu = 0;
	flush_tlb_page(b->mm[0], BASE + 2 * PAGE_SIZE);  /* on both CPUs */
	n = 0;
	while (t_tlb_nth(b->sys, n, &e))
		n++;
	ck_assert_uint_eq(n, 5);
}
END_TEST

/* ---- through the public API ---------------------------------------------- */

#define A 0x200000000000ULL

struct model {
	struct vmsh_sys *sys;
	int warnings;
	char last_warning[512];
};

static void model_warn(void *ctx, const char *line)
{
	struct model *m = ctx;

	m->warnings++;
	snprintf(m->last_warning, sizeof(m->last_warning), "%s", line);
}

static struct model *model_new(unsigned cpus, bool pcid, bool lazy_flush)
{
	struct model *m = calloc(1, sizeof(*m));
	struct vmsh_config cfg;

	t_config(&cfg, true, 0);
	cfg.cpus = cpus;
	cfg.pcid = pcid;
	cfg.lazy_flush = lazy_flush;
	m->sys = t_sys_cfg(&cfg);
	vmsh_sys_set_warn(m->sys, model_warn, m);
	t_check(m->sys);
	case_model = m;
	return m;
}

static void model_free(struct model *m)
{
	t_check(m->sys);
	vmsh_sys_free(m->sys);
	free(m);
}

static int model_touch(struct model *m, uint64_t addr, uint64_t len)
{
	struct vmsh_fault f;
	int r = vmsh_touch(m->sys, addr, len, &f);

	t_check(m->sys);
	return r;
}

START_TEST(test_tlb_model_hits_after_first_miss)
{
	struct model *m = model_new(1, false, false);

	t_map(m->sys, A, 4 * PAGE_SIZE, T_RW, T_FIXED);
	ck_assert_int_eq(model_touch(m, A, 4 * PAGE_SIZE), 0);
	/* each page: a walk that faults, then one that finds the PTE */
	ck_assert_uint_eq(t_stat(m->sys, "tlb_miss"), 8);
	ck_assert_uint_eq(t_stat(m->sys, "tlb_hit"), 0);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(model_touch(m, A, 4 * PAGE_SIZE), 0);
	ck_assert_uint_eq(t_stat(m->sys, "tlb_miss"), 8);
	ck_assert_uint_eq(t_stat(m->sys, "tlb_hit"), 20);
}
END_TEST

START_TEST(test_tlb_model_munmap_flushes_range_or_all)
{
	struct model *m = model_new(1, false, false);

	t_map(m->sys, A, 64 * PAGE_SIZE, T_RW, T_FIXED);
	t_fill(m->sys, A, 64 * PAGE_SIZE, 0x5a);
	ck_assert_int_eq(vmsh_munmap(m->sys, A + 8 * PAGE_SIZE, 2 * PAGE_SIZE), 0);
	t_check(m->sys);
	ck_assert_uint_eq(t_stat(m->sys, "tlb_flush_range"), 1);
	ck_assert_uint_eq(t_stat(m->sys, "tlb_flush_all"), 0);
	/* the unmapped pages fault (no stale entry), the others still hit */
	ck_assert_int_eq(model_touch(m, A + 8 * PAGE_SIZE, 1), 1);
	ck_assert_uint_eq(t_stat(m->sys, "tlb_hit"), 0);
	ck_assert_int_eq(model_touch(m, A + 63 * PAGE_SIZE, 1), 0);
	ck_assert_uint_eq(t_stat(m->sys, "tlb_hit"), 1);
	/* 40 pages: above the ceiling of 33, a full flush */
	ck_assert_int_eq(vmsh_munmap(m->sys, A + 10 * PAGE_SIZE, 40 * PAGE_SIZE), 0);
	t_check(m->sys);
	ck_assert_uint_eq(t_stat(m->sys, "tlb_flush_all"), 1);
	ck_assert_int_eq(model_touch(m, A + 63 * PAGE_SIZE, 1), 0);
	ck_assert_uint_eq(t_stat(m->sys, "tlb_hit"), 1);
}
END_TEST

START_TEST(test_tlb_model_mprotect_flushes_only_when_needed)
{
	struct model *m = model_new(1, false, false);
	struct vmsh_fault f;
	uint64_t done, out;

	t_map(m->sys, A, 4 * PAGE_SIZE, T_RW, T_FIXED);
	t_fill(m->sys, A, 4 * PAGE_SIZE, 0x5a);
	ck_assert_int_eq(vmsh_mprotect(m->sys, A, 4 * PAGE_SIZE, VMSH_PROT_READ), 0);
	t_check(m->sys);
	ck_assert_uint_eq(t_stat(m->sys, "tlb_flush_range"), 1);
	/* the cached RW entries are gone: the write faults */
	ck_assert_int_eq(vmsh_write(m->sys, A, NULL, 1, 1, &done, &f), 1);
	ck_assert_int_eq(f.code, 2 /* SEGV_ACCERR */);
	/* zero-page PTEs stay read-only under r-- -> rw-: no flush */
	ck_assert_int_eq(vmsh_mmap(m->sys, A + 0x100000, 4 * PAGE_SIZE,
				   VMSH_PROT_READ, VMSH_MAP_PRIVATE |
				   VMSH_MAP_ANONYMOUS | VMSH_MAP_FIXED, NULL, 0,
				   &out), 0);
	ck_assert_int_eq(model_touch(m, A + 0x100000, 4 * PAGE_SIZE), 0);
	ck_assert_int_eq(vmsh_mprotect(m->sys, A + 0x100000, 4 * PAGE_SIZE,
				       VMSH_PROT_READ | VMSH_PROT_WRITE), 0);
	t_check(m->sys);
	ck_assert_uint_eq(t_stat(m->sys, "tlb_flush_range"), 1);
	/* nothing present at all: nothing to flush either */
	ck_assert_int_eq(vmsh_mmap(m->sys, A + 0x200000, 4 * PAGE_SIZE,
				   VMSH_PROT_READ | VMSH_PROT_WRITE,
				   VMSH_MAP_PRIVATE | VMSH_MAP_ANONYMOUS |
				   VMSH_MAP_FIXED, NULL, 0, &out), 0);
	ck_assert_int_eq(vmsh_mprotect(m->sys, A + 0x200000, 4 * PAGE_SIZE,
				       VMSH_PROT_READ), 0);
	ck_assert_uint_eq(t_stat(m->sys, "tlb_flush_range"), 1);
}
END_TEST

START_TEST(test_tlb_model_fork_and_cow_flush)
{
	struct model *m = model_new(1, false, false);
	int child;

	t_map(m->sys, A, 2 * PAGE_SIZE, T_RW, T_FIXED);
	t_fill(m->sys, A, 2 * PAGE_SIZE, 0x5a);
	ck_assert_int_eq(vmsh_fork(m->sys, &child), 0);
	t_check(m->sys);
	ck_assert_uint_eq(t_stat(m->sys, "tlb_flush_all"), 1);  /* dup_mmap */
	t_fill(m->sys, A, 1, 0x5a);                          /* COW copy */
	ck_assert_uint_eq(t_stat(m->sys, "tlb_flush_page"), 1);
	ck_assert_int_eq(vmsh_switch(m->sys, child, -1), 0);
	t_check(m->sys);
	t_fill(m->sys, A, 1, 0x5a);                          /* reuse */
	ck_assert_uint_eq(t_stat(m->sys, "tlb_flush_page"), 1);
	ck_assert_int_eq(m->warnings, 0);
}
END_TEST

START_TEST(test_tlb_model_threads_on_two_cpus_shootdown)
{
	struct model *m = model_new(2, false, false);
	struct vmsh_tlb_cpu_info ci;
	int thread;

	t_map(m->sys, A, 4 * PAGE_SIZE, T_RW, T_FIXED);
	t_fill(m->sys, A, 4 * PAGE_SIZE, 0x5a);
	ck_assert_int_eq(vmsh_clone_vm(m->sys, &thread), 0);
	ck_assert_int_eq(vmsh_switch(m->sys, thread, 1), 0);
	t_fill(m->sys, A, 4 * PAGE_SIZE, 0x5a);
	ck_assert_int_eq(vmsh_switch(m->sys, 1, 0), 0);
	t_check(m->sys);
	ck_assert(vmsh_tlb_cpu_info(m->sys, 1, &ci));
	ck_assert_uint_eq(ci.valid, 4);
	ck_assert_int_eq(vmsh_munmap(m->sys, A, PAGE_SIZE), 0);
	t_check(m->sys);
	ck_assert_uint_eq(t_stat(m->sys, "tlb_shootdown"), 1);
	ck_assert(vmsh_tlb_cpu_info(m->sys, 1, &ci));
	ck_assert_uint_eq(ci.valid, 3);
	ck_assert_uint_eq(ci.shootdowns, 1);
	/* the thread on CPU 1 faults on the unmapped page */
	ck_assert_int_eq(vmsh_switch(m->sys, thread, 1), 0);
	ck_assert_int_eq(model_touch(m, A, 1), 1);
	ck_assert_int_eq(model_touch(m, A + PAGE_SIZE, 1), 0);
	ck_assert_int_eq(m->warnings, 0);
}
END_TEST

START_TEST(test_tlb_model_pcid_switch_keeps_entries)
{
	struct model *m = model_new(1, true, false);
	int child;

	t_map(m->sys, A, PAGE_SIZE, T_RW, T_FIXED);
	t_fill(m->sys, A, PAGE_SIZE, 0x5a);
	ck_assert_int_eq(vmsh_fork(m->sys, &child), 0);
	ck_assert_int_eq(model_touch(m, A, 1), 0);
	ck_assert_int_eq(vmsh_switch(m->sys, child, -1), 0);
	ck_assert_int_eq(model_touch(m, A, 1), 0);
	ck_assert_int_eq(vmsh_switch(m->sys, 1, -1), 0);
	ck_assert_uint_eq(t_stat(m->sys, "tlb_hit"), 0);
	ck_assert_int_eq(model_touch(m, A, 1), 0);
	ck_assert_uint_eq(t_stat(m->sys, "tlb_hit"), 1);
}
END_TEST

START_TEST(test_tlb_model_lazy_flush_warns)
{
	struct model *m = model_new(1, false, true);
	struct vmsh_fault f;
	uint64_t done;
	uint8_t buf[4];

	t_map(m->sys, A, PAGE_SIZE, T_RW, T_FIXED);
	t_fill(m->sys, A, PAGE_SIZE, 0x5a);
	ck_assert_int_eq(vmsh_mprotect(m->sys, A, PAGE_SIZE, VMSH_PROT_READ), 0);
	t_check(m->sys);
	ck_assert_int_eq(vmsh_write(m->sys, A, (const uint8_t *)"oops", 0, 4,
				    &done, &f), 0);
	ck_assert_uint_eq(done, 4);
	ck_assert_int_eq(m->warnings, 1);
	ck_assert_ptr_nonnull(strstr(m->last_warning, "stale TLB entry"));
	/* the page leaves the lru_add batch (whose reference would keep it
	 * after the munmap), so that the munmap frees it */
	lru_add_drain(m->sys);
	ck_assert_int_eq(vmsh_munmap(m->sys, A, PAGE_SIZE), 0);
	t_check(m->sys);
	ck_assert_int_eq(vmsh_read(m->sys, A, buf, 4, &done, &f), 0);
	ck_assert_int_eq(m->warnings, 2);
	ck_assert_ptr_nonnull(strstr(m->last_warning, "freed"));
}
END_TEST

/* A hit checks its entry against the PTE where its walk found it only
 * while no page table has been freed since: here the table went (munmap,
 * the flush skipped) and its buffer came back as the next 2 MiB's table,
 * whose first PTE sits where the old one was.  The check must walk and
 * see no table, not read that slot and see another frame. */
START_TEST(test_tlb_model_freed_table_not_trusted)
{
	struct model *m = model_new(1, false, true);
	struct vmsh_fault f;
	uint64_t done;
	uint8_t buf[4];
	int child;

	t_map(m->sys, A, 4ULL << 20, T_RW, T_FIXED);
	t_fill(m->sys, A, PAGE_SIZE, 0x5a);
	/* a child maps the page too, so that the munmap leaves the frame */
	ck_assert_int_eq(vmsh_fork(m->sys, &child), 0);
	ck_assert_int_eq(vmsh_munmap(m->sys, A, 2ULL << 20), 0);
	t_fill(m->sys, A + (2ULL << 20), PAGE_SIZE, 0x77);
	ck_assert_int_eq(vmsh_read(m->sys, A, buf, 4, &done, &f), 0);
	ck_assert_int_eq(m->warnings, 1);
	ck_assert_ptr_nonnull(strstr(m->last_warning, "no present PTE"));
	ck_assert_uint_eq(buf[0], 0x5a);
}
END_TEST

/* A walk starts from the PTE table the last walk reached only while no
 * table has been freed since: here the table of A went with a munmap
 * and its buffer came back, without a walk, as the next 2 MiB's table,
 * with a PTE where A's was.  A walk of A must find no table, not that. */
START_TEST(test_tlb_model_walk_skips_freed_table)
{
	struct model *m = model_new(1, false, false);
	struct vmsh_mm *mm;
	struct vmsh_fault f;
	uint64_t done, *p;
	uint8_t buf[4];

	t_map(m->sys, A, 4ULL << 20, T_RW, T_FIXED);
	t_fill(m->sys, A, PAGE_SIZE, 0x5a);
	mm = m->sys->current->mm;
	ck_assert_int_eq(vmsh_munmap(m->sys, A, 2ULL << 20), 0);
	p = pte_lookup(mm, A + (2ULL << 20), true);
	ck_assert_ptr_nonnull(p);
	*p = (m->sys->phys.zero_pfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_USER;
	ck_assert_int_eq(vmsh_read(m->sys, A, buf, 4, &done, &f), 1);
	ck_assert_int_eq(f.signo, SIGSEGV);
	*p = 0;
}
END_TEST

Suite *tlb_suite(void)
{
	Suite *s = suite_create("tlb");
	TCase *tc;

	tc = t_tcase(s, "hit", NULL, teardown);
	tcase_add_test(tc, test_tlb_hit_after_first_miss);
	tcase_add_test(tc, test_tlb_walk_refs_follow_levels);
	tcase_add_test(tc, test_tlb_write_sets_dirty_through_a_walk);
	tcase_add_test(tc, test_tlb_permission_checks_use_the_entry);
	tcase_add_test(tc, test_tlb_lookup_fill_interface);
	tcase_add_test(tc, test_tlb_model_hits_after_first_miss);
	tc = t_tcase(s, "replacement", NULL, teardown);
	tcase_add_test(tc, test_tlb_lru_eviction_in_a_set);
	tcase_add_test(tc, test_tlb_fully_associative);
	tcase_add_test(tc, test_tlb_invalid_geometry_is_fully_associative);
	tc = t_tcase(s, "flush", NULL, teardown);
	tcase_add_test(tc, test_tlb_flush_page_range_mm);
	tcase_add_test(tc, test_tlb_pte_needs_flush_rule);
	tcase_add_test(tc, test_tlb_model_munmap_flushes_range_or_all);
	tcase_add_test(tc, test_tlb_model_mprotect_flushes_only_when_needed);
	tcase_add_test(tc, test_tlb_model_fork_and_cow_flush);
	tc = t_tcase(s, "switch", NULL, teardown);
	tcase_add_test(tc, test_tlb_switch_without_pcid_flushes);
	tcase_add_test(tc, test_tlb_pcid_keeps_entries_across_switches);
	tcase_add_test(tc, test_tlb_pcid_six_asids_round_robin);
	tcase_add_test(tc, test_tlb_lazy_tlb_kernel_thread);
	tcase_add_test(tc, test_tlb_model_pcid_switch_keeps_entries);
	tc = t_tcase(s, "shootdown", NULL, teardown);
	tcase_add_test(tc, test_tlb_shootdown_reaches_other_cpu);
	tcase_add_test(tc, test_tlb_model_threads_on_two_cpus_shootdown);
	tc = t_tcase(s, "stale", NULL, teardown);
	tcase_add_test(tc, test_tlb_lazy_flush_lets_stale_entry_through);
	tcase_add_test(tc, test_tlb_stale_entry_dropped_without_lazy_flush);
	tcase_add_test(tc, test_tlb_model_lazy_flush_warns);
	tcase_add_test(tc, test_tlb_model_freed_table_not_trusted);
	tcase_add_test(tc, test_tlb_model_walk_skips_freed_table);
	tc = t_tcase(s, "listing", NULL, teardown);
	tcase_add_test(tc, test_tlb_entry_listing_in_any_order);
	return s;
}
