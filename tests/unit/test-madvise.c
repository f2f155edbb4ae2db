/* SPDX-License-Identifier: MIT */
/*
 * madvise.c and mlock.c: every advice, the lock calls and mseal, with the
 * errnos and figures Linux 6.18 gave for the same calls (probed with
 * vmsh --host; tests/golden/20-23 replay them).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>

#include "memory.h"
#include "pgtable.h"
#include "phys.h"
#include "vmsh/reclaim.h"
#include "suites.h"
#include "sys.h"
#include "vm_flags.h"
#include "vma.h"
#include "vmsh-test.h"

static struct vmsh_sys *sys;

static void setup(void) { sys = t_sys_make(false, 0); }
static void teardown(void) { t_sys_free(&sys); }

static void t_madv(uint64_t addr, uint64_t len, int advice, int expect)
{
	ck_assert_int_eq(vmsh_madvise(sys, addr, len, advice), expect);
	t_check(sys);
}

static struct vmsh_smaps s_of(uint64_t addr)
{
	struct vmsh_smaps s;

	ck_assert_int_eq(vmsh_smaps(sys, 0, addr, &s), 0);
	return s;
}

static void t_write(uint64_t addr, uint64_t len, int expect_signo)
{
	struct vmsh_fault f = { 0 };
	uint64_t done;

	vmsh_write(sys, addr, NULL, 1, len, &done, &f);
	ck_assert_int_eq(f.signo, expect_signo);
	t_check(sys);
}

START_TEST(test_madvise_validity_as_linux)
{
	static const int valid[] = { 0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14,
				     15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
				     25, 100, 101, 102, 103 };
	int v;

	t_map(sys, T_BASE, 4 * T_PG, T_RW, T_FIXED);
	for (v = -2; v < 110; v++) {
		bool ok = false;

		for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
			ok |= valid[i] == v;
		if (!ok)
			t_madv(T_BASE, T_PG, v, -EINVAL);
	}
	/* checked before the range, as madvise_should_skip does */
	t_madv(T_BASE + 1, T_PG, 77, -EINVAL);
	t_madv(T_BASE + 1, T_PG, VMSH_MADV_NORMAL, -EINVAL);
	t_madv(T_BASE, (uint64_t)-1, VMSH_MADV_NORMAL, -EINVAL);
	t_madv(UINT64_MAX & PAGE_MASK, 2 * T_PG, VMSH_MADV_NORMAL, -EINVAL);
	t_madv(T_BASE, 0, VMSH_MADV_NORMAL, 0);
	t_madv(T_BASE, T_PG, VMSH_MADV_HWPOISON, -EPERM);
	t_madv(T_BASE, T_PG, VMSH_MADV_SOFT_OFFLINE, -EPERM);
	t_madv(T_BASE + 8 * T_PG, T_PG, VMSH_MADV_NORMAL, -ENOMEM);
}
END_TEST

START_TEST(test_madvise_flags_split_and_merge)
{
	t_map(sys, T_BASE, 8 * T_PG, T_RW, T_FIXED);
	t_madv(T_BASE + T_PG, 2 * T_PG, VMSH_MADV_RANDOM, 0);
	t_range(sys, T_BASE + T_PG, T_BASE + T_PG, T_BASE + 3 * T_PG);
	ck_assert(t_vma(sys, T_BASE + T_PG)->vm_flags & VM_RAND_READ);
	t_madv(T_BASE + T_PG, T_PG, VMSH_MADV_SEQUENTIAL, 0);
	ck_assert(t_vma(sys, T_BASE + T_PG)->vm_flags & VM_SEQ_READ);
	ck_assert(!(t_vma(sys, T_BASE + T_PG)->vm_flags & VM_RAND_READ));
	t_madv(T_BASE + 4 * T_PG, T_PG, VMSH_MADV_DONTDUMP, 0);
	t_madv(T_BASE + 5 * T_PG, T_PG, VMSH_MADV_MERGEABLE, 0);
	t_madv(T_BASE + 6 * T_PG, T_PG, VMSH_MADV_HUGEPAGE, 0);
	t_madv(T_BASE + 7 * T_PG, T_PG, VMSH_MADV_NOHUGEPAGE, 0);
	ck_assert(t_vma(sys, T_BASE + 4 * T_PG)->vm_flags & VM_DONTDUMP);
	ck_assert(t_vma(sys, T_BASE + 5 * T_PG)->vm_flags & VM_MERGEABLE);
	ck_assert(t_vma(sys, T_BASE + 6 * T_PG)->vm_flags & VM_HUGEPAGE);
	ck_assert(t_vma(sys, T_BASE + 7 * T_PG)->vm_flags & VM_NOHUGEPAGE);
	t_madv(T_BASE, 8 * T_PG, VMSH_MADV_NORMAL, 0);
	t_madv(T_BASE + 4 * T_PG, T_PG, VMSH_MADV_DODUMP, 0);
	t_madv(T_BASE + 5 * T_PG, T_PG, VMSH_MADV_UNMERGEABLE, 0);
	t_madv(T_BASE + 6 * T_PG, 2 * T_PG, VMSH_MADV_NOHUGEPAGE, 0);
	t_range(sys, T_BASE, T_BASE, T_BASE + 6 * T_PG);
	t_range(sys, T_BASE + 6 * T_PG, T_BASE + 6 * T_PG, T_BASE + 8 * T_PG);
	/* collapse needs room for an aligned 2 MiB */
	t_madv(T_BASE, T_PG, VMSH_MADV_COLLAPSE, -EINVAL);
	/* cold/pageout refuse locked VMAs */
	ck_assert_int_eq(vmsh_mlock(sys, T_BASE, T_PG, 0), 0);
	t_madv(T_BASE, T_PG, VMSH_MADV_COLD, -EINVAL);
	t_madv(T_BASE, T_PG, VMSH_MADV_PAGEOUT, -EINVAL);
}
END_TEST

/* Where the lazy-free batch drains (lru_add_drain), as probed on Linux
 * 6.18 pinned to one CPU: willneed of anonymous memory, populate,
 * mlock (also onfault), MAP_POPULATE, cold; not munmap, dontneed,
 * mprotect, guard_install, mlockall(MCL_FUTURE). */
START_TEST(test_madvise_lazyfree_drain_points)
{
	static const struct { int advice; bool drains; } cases[] = {
		{ VMSH_MADV_DONTNEED, false }, { VMSH_MADV_GUARD_INSTALL, false },
		{ VMSH_MADV_WILLNEED, true }, { VMSH_MADV_POPULATE_READ, true },
		{ VMSH_MADV_POPULATE_WRITE, true }, { VMSH_MADV_COLD, true },
	};
	const uint64_t other = T_BASE + 16 * T_PG;

	t_map(sys, T_BASE, 8 * T_PG, T_RW, T_FIXED);
	t_map(sys, other, 8 * T_PG, T_RW, T_FIXED);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t page = T_BASE + i * T_PG;

		t_write(page, T_PG, 0);
		t_write(other, T_PG, 0);
		t_madv(page, T_PG, VMSH_MADV_FREE, 0);  /* drains the last one */
		ck_assert_uint_eq(s_of(T_BASE).lazyfree, i * T_PG);
		t_madv(other, T_PG, cases[i].advice, 0);
		ck_assert_uint_eq(s_of(T_BASE).lazyfree,
				  (i + cases[i].drains) * T_PG);
		if (!cases[i].drains) {
			/* the next MADV_FREE drains it */
			t_madv(other + T_PG, T_PG, VMSH_MADV_FREE, 0);
			ck_assert_uint_eq(s_of(T_BASE).lazyfree, (i + 1) * T_PG);
			t_madv(other + T_PG, T_PG, VMSH_MADV_DONTNEED, 0);
		}
		if (cases[i].advice == VMSH_MADV_GUARD_INSTALL)
			t_madv(other, T_PG, VMSH_MADV_GUARD_REMOVE, 0);
	}
	/* munmap and mprotect do not drain; mlock (onfault too) does */
	t_write(T_BASE + 6 * T_PG, T_PG, 0);
	t_madv(T_BASE + 6 * T_PG, T_PG, VMSH_MADV_FREE, 0);
	ck_assert_int_eq(vmsh_munmap(sys, other + 7 * T_PG, T_PG), 0);
	ck_assert_int_eq(vmsh_mprotect(sys, other, T_PG, VMSH_PROT_READ), 0);
	ck_assert_uint_eq(s_of(T_BASE).lazyfree, 6 * T_PG);
	ck_assert_int_eq(vmsh_mlock(sys, other + 2 * T_PG, T_PG,
				    VMSH_MLOCK_ONFAULT), 0);
	ck_assert_uint_eq(s_of(T_BASE).lazyfree, 7 * T_PG);
	/* munlock drains when it unlocks something; an mlock stopped by a
	 * hole drains for the VMA it locked before it */
	t_write(T_BASE + 7 * T_PG, T_PG, 0);
	t_madv(T_BASE + 7 * T_PG, T_PG, VMSH_MADV_FREE, 0);
	ck_assert_int_eq(vmsh_munlock(sys, other + 3 * T_PG, T_PG), 0);
	ck_assert_uint_eq(s_of(T_BASE).lazyfree, 7 * T_PG);
	ck_assert_int_eq(vmsh_munlock(sys, other + 2 * T_PG, T_PG), 0);
	ck_assert_uint_eq(s_of(T_BASE).lazyfree, 8 * T_PG);
	t_write(other + 4 * T_PG, T_PG, 0);
	t_madv(other + 4 * T_PG, T_PG, VMSH_MADV_FREE, 0);
	ck_assert_uint_eq(s_of(other + 4 * T_PG).lazyfree, 0);
	ck_assert_int_eq(vmsh_mlock(sys, other + 5 * T_PG, 4 * T_PG,
				    VMSH_MLOCK_ONFAULT), -ENOMEM);
	ck_assert_uint_eq(s_of(other + 4 * T_PG).lazyfree, T_PG);
	t_check(sys);
}
END_TEST

START_TEST(test_madvise_free_lazyfree_batch)
{
	struct vmsh_smaps s;

	t_map(sys, T_BASE, 8 * T_PG, T_RW, T_FIXED);
	t_write(T_BASE, 8 * T_PG, 0);
	t_madv(T_BASE, 2 * T_PG, VMSH_MADV_FREE, 0);
	s = s_of(T_BASE);
	ck_assert_uint_eq(s.lazyfree, 0);               /* still batched */
	ck_assert_uint_eq(s.private_clean, 2 * T_PG);   /* dirty bits gone */
	ck_assert_uint_eq(s.referenced, 6 * T_PG);      /* young bits gone */
	t_madv(T_BASE + 2 * T_PG, T_PG, VMSH_MADV_FREE, 0);
	ck_assert_uint_eq(s_of(T_BASE).lazyfree, 2 * T_PG);
	t_write(T_BASE, 1, 0);                          /* written again */
	ck_assert_uint_eq(s_of(T_BASE).lazyfree, T_PG);
	/* only anonymous VMAs */
	ck_assert_int_eq(vmsh_file_create(sys, "f", 2 * T_PG, false), 0);
	{
		uint64_t out;

		ck_assert_int_eq(vmsh_mmap(sys, T_BASE + 16 * T_PG, 2 * T_PG,
					   T_RW, VMSH_MAP_SHARED | VMSH_MAP_FIXED,
					   "f", 0, &out), 0);
	}
	t_madv(T_BASE + 16 * T_PG, T_PG, VMSH_MADV_FREE, -EINVAL);
	t_madv(T_BASE + 16 * T_PG, T_PG, VMSH_MADV_REMOVE, 0);
}
END_TEST

START_TEST(test_madvise_populate_errors)
{
	t_map(sys, T_BASE, 4 * T_PG, T_RW, T_FIXED);
	t_madv(T_BASE, 2 * T_PG, VMSH_MADV_POPULATE_WRITE, 0);
	ck_assert_uint_eq(s_of(T_BASE).rss, 2 * T_PG);
	ck_assert_int_eq(vmsh_mprotect(sys, T_BASE + 2 * T_PG, T_PG,
				       VMSH_PROT_READ), 0);
	t_madv(T_BASE + 2 * T_PG, T_PG, VMSH_MADV_POPULATE_WRITE, -EINVAL);
	t_madv(T_BASE + 2 * T_PG, T_PG, VMSH_MADV_POPULATE_READ, 0);
	t_madv(T_BASE + 3 * T_PG, 2 * T_PG, VMSH_MADV_POPULATE_READ, -ENOMEM);
	t_madv(T_BASE + 3 * T_PG, T_PG, VMSH_MADV_GUARD_INSTALL, 0);
	t_madv(T_BASE + 3 * T_PG, T_PG, VMSH_MADV_POPULATE_READ, -EFAULT);
}
END_TEST

START_TEST(test_madvise_guard_markers)
{
	uint64_t *ptep;

	t_map(sys, T_BASE, 4 * T_PG, T_RW, T_FIXED);
	t_write(T_BASE, 4 * T_PG, 0);
	t_madv(T_BASE + T_PG, 2 * T_PG, VMSH_MADV_GUARD_INSTALL, 0);
	ck_assert(t_vma(sys, T_BASE)->vm_flags & VM_MAYBE_GUARD);
	t_range(sys, T_BASE, T_BASE, T_BASE + 4 * T_PG);      /* no split */
	ck_assert_uint_eq(s_of(T_BASE).rss, 2 * T_PG);
	ptep = pte_lookup(t_mm(sys), T_BASE + T_PG, false);
	ck_assert(ptep && pte_is_guard(*ptep));
	t_write(T_BASE + T_PG, 1, SIGSEGV);
	/* dontneed keeps the markers */
	t_madv(T_BASE, 4 * T_PG, VMSH_MADV_DONTNEED, 0);
	t_write(T_BASE + 2 * T_PG, 1, SIGSEGV);
	/* an adjacent mapping merges (gu is sticky, not a difference) */
	t_map(sys, T_BASE + 4 * T_PG, T_PG, T_RW, T_FIXED);
	t_range(sys, T_BASE, T_BASE, T_BASE + 5 * T_PG);
	ck_assert(t_vma(sys, T_BASE + 4 * T_PG)->vm_flags & VM_MAYBE_GUARD);
	t_madv(T_BASE + T_PG, T_PG, VMSH_MADV_GUARD_REMOVE, 0);
	t_write(T_BASE + T_PG, 1, 0);
	t_write(T_BASE + 2 * T_PG, 1, SIGSEGV);
	ck_assert_int_eq(vmsh_mlock(sys, T_BASE, T_PG, 0), 0);
	t_madv(T_BASE, T_PG, VMSH_MADV_GUARD_INSTALL, -EINVAL);
	t_madv(T_BASE, T_PG, VMSH_MADV_GUARD_REMOVE, 0);
	/* munmap drops them (free_pgtables would abort otherwise) */
	ck_assert_int_eq(vmsh_munmap(sys, T_BASE, 5 * T_PG), 0);
	t_check(sys);
	t_map(sys, T_BASE, 4 * T_PG, T_RW, T_FIXED);
	t_write(T_BASE + 2 * T_PG, 1, 0);
}
END_TEST

START_TEST(test_madvise_guard_fork)
{
	int child;

	t_map(sys, T_BASE, 2 * T_PG, T_RW, T_FIXED);
	t_madv(T_BASE, T_PG, VMSH_MADV_GUARD_INSTALL, 0);
	ck_assert_int_eq(vmsh_fork(sys, &child), 0);
	ck_assert_int_eq(vmsh_switch(sys, child, -1), 0);
	t_write(T_BASE, 1, SIGSEGV);
	t_write(T_BASE + T_PG, 1, 0);
}
END_TEST

START_TEST(test_mlock_rules)
{
	struct vmsh_mm *mm;
	int child;

	t_map(sys, T_BASE, 8 * T_PG, T_RW, T_FIXED);
	mm = t_mm(sys);
	ck_assert_int_eq(vmsh_mlock(sys, T_BASE + T_PG + 5, T_PG, 0), 0);
	t_check(sys);
	/* start rounded down, len rounded up with the offset: two pages */
	t_range(sys, T_BASE + T_PG, T_BASE + T_PG, T_BASE + 3 * T_PG);
	ck_assert_uint_eq(mm->locked_vm, 2);
	ck_assert_uint_eq(s_of(T_BASE + T_PG).locked, 2 * T_PG);
	ck_assert_uint_eq(s_of(T_BASE + T_PG).rss, 2 * T_PG);
	ck_assert_int_eq(vmsh_mlock(sys, T_BASE + 6 * T_PG, T_PG,
				    VMSH_MLOCK_ONFAULT), 0);
	ck_assert(t_vma(sys, T_BASE + 6 * T_PG)->vm_flags & VM_LOCKONFAULT);
	ck_assert_uint_eq(s_of(T_BASE + 6 * T_PG).rss, 0);
	ck_assert_int_eq(vmsh_mlock(sys, T_BASE, T_PG, 2), -EINVAL);
	/* a hole: the VMAs before it locked, ENOMEM */
	ck_assert_int_eq(vmsh_mlock(sys, T_BASE, 16 * T_PG, 0), -ENOMEM);
	ck_assert_uint_eq(mm->locked_vm, 8);
	/* over RLIMIT_MEMLOCK */
	ck_assert_int_eq(vmsh_mlock(sys, T_BASE, 4096 * T_PG, 0), -ENOMEM);
	/* PROT_NONE: locked, but population fails -> ENOMEM */
	ck_assert_int_eq(vmsh_munlock(sys, T_BASE, 8 * T_PG), 0);
	ck_assert_uint_eq(mm->locked_vm, 0);
	ck_assert_int_eq(vmsh_mprotect(sys, T_BASE, T_PG, VMSH_PROT_NONE), 0);
	ck_assert_int_eq(vmsh_mlock(sys, T_BASE, T_PG, 0), -ENOMEM);
	ck_assert(t_vma(sys, T_BASE)->vm_flags & VM_LOCKED);
	/* fork: the child has no locks */
	ck_assert_int_eq(vmsh_fork(sys, &child), 0);
	ck_assert_int_eq(vmsh_switch(sys, child, -1), 0);
	ck_assert(!(t_vma(sys, T_BASE)->vm_flags & VM_LOCKED));
	ck_assert_uint_eq(t_mm(sys)->locked_vm, 0);
	t_check(sys);
}
END_TEST

START_TEST(test_mlockall_flags_and_limit)
{
	uint64_t out;

	ck_assert_int_eq(vmsh_mlockall(sys, 0), -EINVAL);
	ck_assert_int_eq(vmsh_mlockall(sys, VMSH_MCL_ONFAULT), -EINVAL);
	ck_assert_int_eq(vmsh_mlockall(sys, 8), -EINVAL);
	ck_assert_int_eq(vmsh_mlockall(sys, VMSH_MCL_FUTURE), 0);
	t_map(sys, T_BASE, 2 * T_PG, T_RW, T_FIXED);
	ck_assert(t_vma(sys, T_BASE)->vm_flags & VM_LOCKED);
	ck_assert_uint_eq(s_of(T_BASE).rss, 2 * T_PG);
	/* a future mapping over the limit: EAGAIN */
	ck_assert_int_eq(vmsh_mmap(sys, T_BASE + 64 * T_PG, 4096 * T_PG, T_RW,
				   T_FIXED, NULL, 0, &out), -EAGAIN);
	ck_assert_int_eq(vmsh_munlockall(sys), 0);
	ck_assert(!(t_vma(sys, T_BASE)->vm_flags & VM_LOCKED));
	ck_assert_uint_eq(t_mm(sys)->locked_vm, 0);
	ck_assert_int_eq(vmsh_mlockall(sys, VMSH_MCL_CURRENT | VMSH_MCL_ONFAULT),
			 0);
	ck_assert(t_vma(sys, T_BASE)->vm_flags & VM_LOCKONFAULT);
	t_check(sys);
}
END_TEST

/* ---- the unevictable list (mlock batch, issue 15) --------------------------- */

static struct page *t_page_at(uint64_t addr)
{
	uint64_t *p = pte_lookup(t_mm(sys), addr, false);

	ck_assert_ptr_nonnull(p);
	ck_assert(*p & _PAGE_PRESENT);
	return phys_page(sys, pte_pfn(*p));
}

/* A shared read-only mapping of 4 pages of file "f" at @addr. */
static void t_fmap(uint64_t addr, int flags)
{
	uint64_t out = 0;

	ck_assert_int_eq(vmsh_mmap(sys, addr, 4 * T_PG, VMSH_PROT_READ,
				   VMSH_MAP_SHARED | VMSH_MAP_FIXED | flags,
				   "f", 0, &out), 0);
	ck_assert_uint_eq(out, addr);
	t_check(sys);
}

static uint64_t t_lru(enum lru_list l)
{
	return sys->phys.lruvec.nr_pages[l];
}

/* mlock of present pages: PG_mlocked, then (the walk drains the batch)
 * unevictable with PG_active cleared; munlock rescues them to the
 * inactive list; the counters move as Linux's vmstat (checked with
 * /proc/vmstat deltas of the same calls on 6.18). */
START_TEST(test_mlock_unevictable_list)
{
	struct vmsh_meminfo m;
	uint64_t i;

	t_map(sys, T_BASE, 8 * T_PG, T_RW, T_FIXED);
	t_write(T_BASE, 4 * T_PG, 0);
	/* populate twice: the second GUP touch activates (on its list) */
	t_madv(T_BASE, 4 * T_PG, VMSH_MADV_POPULATE_WRITE, 0);
	t_madv(T_BASE, 4 * T_PG, VMSH_MADV_POPULATE_WRITE, 0);
	ck_assert(t_page_at(T_BASE)->active);
	ck_assert_int_eq(vmsh_mlock(sys, T_BASE, 8 * T_PG, 0), 0);
	t_check(sys);
	for (i = 0; i < 8; i++) {
		struct page *pg = t_page_at(T_BASE + i * T_PG);

		ck_assert(pg->mlocked && pg->unevictable && !pg->active);
		ck_assert_int_eq(pg->lru, LRU_UNEVICTABLE);
	}
	ck_assert_uint_eq(t_lru(LRU_UNEVICTABLE), 8);
	ck_assert_uint_eq(t_lru(LRU_ACTIVE_ANON) + t_lru(LRU_INACTIVE_ANON), 0);
	vmsh_meminfo(sys, &m);
	ck_assert_uint_eq(m.unevictable, 32);
	ck_assert_uint_eq(m.mlocked, 32);
	ck_assert_uint_eq(t_stat(sys, "unevictable_pgs_mlocked"), 8);
	ck_assert_uint_eq(t_stat(sys, "unevictable_pgs_culled"), 8);
	/* mlock again: no walk, no second count */
	ck_assert_int_eq(vmsh_mlock(sys, T_BASE, 8 * T_PG, 0), 0);
	ck_assert_uint_eq(folio_mlock_count(t_page_at(T_BASE)), 1);
	ck_assert_int_eq(vmsh_munlock(sys, T_BASE, 2 * T_PG), 0);
	t_check(sys);
	ck_assert(!t_page_at(T_BASE)->mlocked && !t_page_at(T_BASE)->unevictable);
	ck_assert_int_eq(t_page_at(T_BASE)->lru, LRU_INACTIVE_ANON);
	ck_assert_uint_eq(t_stat(sys, "unevictable_pgs_munlocked"), 2);
	ck_assert_uint_eq(t_stat(sys, "unevictable_pgs_rescued"), 2);
	vmsh_meminfo(sys, &m);
	ck_assert_uint_eq(m.unevictable, 24);
	ck_assert_uint_eq(m.mlocked, 24);
	/* munmap queues the munlock; the pages wait in the batch, still
	 * mlocked and holding a reference, until something drains it */
	ck_assert_int_eq(vmsh_munmap(sys, T_BASE + 4 * T_PG, 4 * T_PG), 0);
	t_check(sys);
	ck_assert_uint_eq(sys->mlock_nr, 4);
	ck_assert_uint_eq(sys->nr_mlock, 6);
	ck_assert_int_eq(vmsh_munlockall(sys), 0);     /* drains */
	t_check(sys);
	ck_assert_uint_eq(sys->mlock_nr, 0);
	ck_assert_uint_eq(sys->nr_mlock, 0);
	ck_assert_uint_eq(t_lru(LRU_UNEVICTABLE), 0);
	ck_assert_uint_eq(t_stat(sys, "unevictable_pgs_munlocked"), 8);
	ck_assert_uint_eq(t_stat(sys, "unevictable_pgs_stranded"), 0);
}
END_TEST

/* New pages of a locked VMA wait off the lists in the mlock batch (31
 * folios) until it fills or something drains it: MAP_LOCKED's populate
 * drains at its end; faults of an onfault lock do not. */
START_TEST(test_mlock_batch_drains)
{
	uint64_t i;

	ck_assert_int_eq(vmsh_mlock(sys, 0, 0, 0), 0);
	t_map(sys, T_BASE, 64 * T_PG, T_RW, T_FIXED);
	ck_assert_int_eq(vmsh_mlock(sys, T_BASE, 64 * T_PG, VMSH_MLOCK_ONFAULT), 0);
	t_write(T_BASE, 30 * T_PG, 0);
	ck_assert_uint_eq(sys->mlock_nr, 30);
	for (i = 0; i < 30; i++) {
		struct page *pg = t_page_at(T_BASE + i * T_PG);

		ck_assert(pg->mlocked && !pg->unevictable);
		ck_assert_int_eq(pg->lru, LRU_NONE);
	}
	ck_assert_uint_eq(t_stat(sys, "unevictable_pgs_culled"), 0);
	t_write(T_BASE + 30 * T_PG, T_PG, 0);   /* the 31st: full, drains */
	ck_assert_uint_eq(sys->mlock_nr, 0);
	ck_assert_uint_eq(t_lru(LRU_UNEVICTABLE), 31);
	ck_assert_uint_eq(t_stat(sys, "unevictable_pgs_culled"), 31);
	t_write(T_BASE + 31 * T_PG, T_PG, 0);
	ck_assert_uint_eq(sys->mlock_nr, 1);
	/* MAP_LOCKED populates, then lru_add_drain() */
	t_map(sys, T_BASE + 128 * T_PG, 4 * T_PG, T_RW, T_FIXED | VMSH_MAP_LOCKED);
	ck_assert_uint_eq(sys->mlock_nr, 0);
	ck_assert_uint_eq(t_lru(LRU_UNEVICTABLE), 36);
	t_check(sys);
}
END_TEST

/* The two `Referenced` cases of issue 15, on a shmem file: (1) the zap
 * of a young PTE of a locked page marks it accessed while still
 * unevictable: PG_referenced stays; (2) a populate of a locked mapping
 * touching a page already referenced activates it before the batch
 * drains: PG_referenced goes (then the drain clears PG_active). */
/* Locking a locked VMA again (onfault or not) walks nothing and drains
 * nothing: a page waiting in the mlock batch stays there (probed on
 * 6.18; diff seed mlock 817) until vmsh_lru_drain_all moves it. */
START_TEST(test_mlock_relock_keeps_batch)
{
	struct page *pg;

	t_map(sys, T_BASE, T_PG, T_RW, T_FIXED);
	/* a hole after the VMA: ENOMEM before __mm_populate */
	ck_assert_int_eq(vmsh_mlock(sys, T_BASE, 2 * T_PG, 0), -ENOMEM);
	t_write(T_BASE, T_PG, 0);
	ck_assert_uint_eq(sys->mlock_nr, 1);
	ck_assert_int_eq(vmsh_mlock(sys, T_BASE, T_PG, VMSH_MLOCK_ONFAULT), 0);
	ck_assert_uint_eq(sys->mlock_nr, 1);
	ck_assert_int_eq(vmsh_mlock(sys, T_BASE, 2 * T_PG, 0), -ENOMEM);
	ck_assert_uint_eq(sys->mlock_nr, 1);
	pg = t_page_at(T_BASE);
	ck_assert(pg->mlocked && !pg->unevictable && pg->lru == LRU_NONE);
	vmsh_lru_drain_all(sys);
	ck_assert_uint_eq(sys->mlock_nr, 0);
	ck_assert(pg->mlocked && pg->unevictable);
	ck_assert_int_eq(pg->lru, LRU_UNEVICTABLE);
	t_check(sys);
}
END_TEST

START_TEST(test_mlock_referenced_cases)
{
	struct page *pg;

	ck_assert_int_eq(vmsh_file_create(sys, "f", 4 * T_PG, false), 0);
	/* (2): populate referenced the pages; a locked populate again */
	t_fmap(T_BASE, VMSH_MAP_POPULATE);
	pg = t_page_at(T_BASE);
	ck_assert(pg->referenced && !pg->active);
	t_fmap(T_BASE + 16 * T_PG, VMSH_MAP_LOCKED);
	t_check(sys);
	ck_assert(!pg->referenced && !pg->active);
	ck_assert(pg->unevictable && pg->mlocked);
	/* (1): populate (referenced), then munmap of the locked mapping:
	 * its young PTE marks the unevictable page, which keeps
	 * PG_referenced and is not activated */
	ck_assert_int_eq(vmsh_munmap(sys, T_BASE, 4 * T_PG), 0);
	ck_assert_int_eq(vmsh_madvise(sys, T_BASE + 16 * T_PG, 4 * T_PG,
				      VMSH_MADV_POPULATE_READ), 0);
	ck_assert(pg->referenced && pg->unevictable);
	ck_assert_int_eq(vmsh_munmap(sys, T_BASE + 16 * T_PG, 4 * T_PG), 0);
	ck_assert(pg->referenced && !pg->active);
	/* munlockall of no locked VMA drains nothing; a drain does */
	ck_assert_int_eq(vmsh_munlockall(sys), 0);
	ck_assert(pg->unevictable && sys->mlock_nr == 4);
	lru_add_drain(sys);
	ck_assert(pg->referenced && !pg->active && !pg->unevictable);
	ck_assert_int_eq(pg->lru, LRU_INACTIVE_ANON);  /* shmem: swap-backed */
	t_check(sys);
}
END_TEST

/* Reclaim never takes an mlocked page: a locked VMA under pressure keeps
 * every page resident while the unlocked memory beside it is swapped. */
START_TEST(test_mlock_reclaim_skips)
{
	struct vmsh_config cfg;
	struct vmsh_smaps s;

	t_sys_free(&sys);
	t_config(&cfg, false, 1 << 20);
	cfg.swap = 4 << 20;
	sys = t_sys_cfg(&cfg);
	t_map(sys, T_BASE, 32 * T_PG, T_RW, T_FIXED | VMSH_MAP_LOCKED);
	t_map(sys, T_BASE + (4 << 20), 2 << 20, T_RW, T_FIXED);
	t_fill(sys, T_BASE + (4 << 20), 2 << 20, 0x5a);
	vmsh_sys_idle(sys);
	t_check(sys);
	s = t_smaps(sys, 0, T_BASE);
	ck_assert_uint_eq(s.rss, 32 * T_PG);
	ck_assert_uint_eq(s.swap, 0);
	ck_assert_uint_gt(t_stat(sys, "pswpout"), 0);
	ck_assert_uint_eq(sys->phys.lruvec.nr_pages[LRU_UNEVICTABLE], 32);
}
END_TEST

START_TEST(test_mlock_limit_zero_is_eperm)
{
	struct vmsh_config cfg;
	uint64_t out;

	t_sys_free(&sys);
	t_config(&cfg, false, 0);
	cfg.memlock_limit = 0;
	sys = t_sys_cfg(&cfg);
	t_map(sys, T_BASE, T_PG, T_RW, T_FIXED);
	ck_assert_int_eq(vmsh_mlock(sys, T_BASE, T_PG, 0), -EPERM);
	ck_assert_int_eq(vmsh_mlockall(sys, VMSH_MCL_CURRENT), -EPERM);
	ck_assert_int_eq(vmsh_mmap(sys, T_BASE, T_PG, T_RW,
				   T_FIXED | VMSH_MAP_LOCKED, NULL, 0, &out),
			 -EPERM);
	ck_assert_int_eq(vmsh_munlock(sys, T_BASE, T_PG), 0);
}
END_TEST

/* mseal over a sealed piece: the piece before it merges with it (merge
 * next) and the piece after merges too: one VMA, as Linux 6.18 leaves it
 * (diff mlock-912). */
START_TEST(test_mseal_merges_around_sealed_piece)
{
	t_map(sys, T_BASE, 4 * T_PG, T_RW, T_FIXED);
	ck_assert_int_eq(vmsh_mseal(sys, T_BASE + 2 * T_PG, T_PG, 0), 0);
	ck_assert_int_eq(vmsh_mseal(sys, T_BASE + T_PG, 3 * T_PG, 0), 0);
	t_check(sys);
	ck_assert_uint_eq(t_vma(sys, T_BASE + T_PG)->vm_start, T_BASE + T_PG);
	ck_assert_uint_eq(t_vma(sys, T_BASE + T_PG)->vm_end, T_BASE + 4 * T_PG);
}
END_TEST

START_TEST(test_mseal_rules)
{
	uint64_t out;

	t_map(sys, T_BASE, 8 * T_PG, T_RW, T_FIXED);
	ck_assert_int_eq(vmsh_mseal(sys, T_BASE, T_PG, 1), -EINVAL);
	ck_assert_int_eq(vmsh_mseal(sys, T_BASE + 1, T_PG, 0), -EINVAL);
	ck_assert_int_eq(vmsh_mseal(sys, T_BASE, 16 * T_PG, 0), -ENOMEM);
	ck_assert(!(t_vma(sys, T_BASE)->vm_flags & VM_SEALED));
	ck_assert_int_eq(vmsh_mseal(sys, T_BASE + 2 * T_PG, 2 * T_PG, 0), 0);
	t_check(sys);
	t_range(sys, T_BASE + 2 * T_PG, T_BASE + 2 * T_PG, T_BASE + 4 * T_PG);
	ck_assert(t_vma(sys, T_BASE + 2 * T_PG)->vm_flags & VM_SEALED);
	ck_assert_int_eq(vmsh_munmap(sys, T_BASE, 4 * T_PG), -EPERM);
	t_range(sys, T_BASE, T_BASE, T_BASE + 2 * T_PG);
	ck_assert_int_eq(vmsh_mmap(sys, T_BASE + 3 * T_PG, T_PG, T_RW, T_FIXED,
				   NULL, 0, &out), -EPERM);
	/* mprotect changes the VMAs before the sealed one */
	ck_assert_int_eq(vmsh_mprotect(sys, T_BASE, 4 * T_PG, VMSH_PROT_READ),
			 -EPERM);
	ck_assert(!(t_vma(sys, T_BASE)->vm_flags & VM_WRITE));
	ck_assert_int_eq(vmsh_mremap(sys, T_BASE + 2 * T_PG, T_PG, 2 * T_PG, 0,
				     0, &out), -EPERM);
	/* discarding advice: only read-only private anonymous memory */
	t_madv(T_BASE + 2 * T_PG, T_PG, VMSH_MADV_DONTNEED, 0);
	ck_assert_int_eq(vmsh_mprotect(sys, T_BASE + 4 * T_PG, T_PG,
				       VMSH_PROT_READ), 0);
	ck_assert_int_eq(vmsh_mseal(sys, T_BASE + 4 * T_PG, T_PG, 0), 0);
	t_madv(T_BASE + 4 * T_PG, T_PG, VMSH_MADV_DONTNEED, -EPERM);
	t_madv(T_BASE + 4 * T_PG, T_PG, VMSH_MADV_GUARD_INSTALL, -EPERM);
	t_madv(T_BASE + 4 * T_PG, T_PG, VMSH_MADV_WILLNEED, 0);
	t_madv(T_BASE + 4 * T_PG, T_PG, VMSH_MADV_DONTDUMP, 0);
}
END_TEST

Suite *madvise_suite(void)
{
	Suite *s = suite_create("madvise");
	TCase *tc;

	tc = t_tcase(s, "advice", setup, teardown);
	tcase_add_test(tc, test_madvise_validity_as_linux);
	tcase_add_test(tc, test_madvise_flags_split_and_merge);
	tcase_add_test(tc, test_madvise_free_lazyfree_batch);
	tcase_add_test(tc, test_madvise_lazyfree_drain_points);
	tcase_add_test(tc, test_madvise_populate_errors);
	tc = t_tcase(s, "guard", setup, teardown);
	tcase_add_test(tc, test_madvise_guard_markers);
	tcase_add_test(tc, test_madvise_guard_fork);
	tc = t_tcase(s, "mlock", setup, teardown);
	tcase_add_test(tc, test_mlock_rules);
	tcase_add_test(tc, test_mlockall_flags_and_limit);
	tcase_add_test(tc, test_mlock_limit_zero_is_eperm);
	tcase_add_test(tc, test_mlock_unevictable_list);
	tcase_add_test(tc, test_mlock_batch_drains);
	tcase_add_test(tc, test_mlock_relock_keeps_batch);
	tcase_add_test(tc, test_mlock_referenced_cases);
	tcase_add_test(tc, test_mlock_reclaim_skips);
	tc = t_tcase(s, "mseal", setup, teardown);
	tcase_add_test(tc, test_mseal_rules);
	tcase_add_test(tc, test_mseal_merges_around_sealed_piece);
	return s;
}
