/* SPDX-License-Identifier: MIT */
/*
 * The fault handler (src/engine/fault.c) through the public API: each
 * kind of fault, its accounting and its signal.  Expected figures are the
 * running kernel's (6.18, --zero-page=off) or upstream's (zero page on).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "suites.h"
#include "sys.h"
#include "vm_flags.h"
#include "vmsh-test.h"

#define BASE T_BASE
#define RW T_RW
#define PA T_FIXED

static struct vmsh_sys *sys;

static void teardown(void) { t_sys_free(&sys); }
static void checked(void) { t_check(sys); }

static uint64_t pte_at(uint64_t addr)
{
	struct vmsh_walk w;

	ck_assert_int_eq(vmsh_walk(sys, 0, addr, &w), 0);
	if (w.end != VMSH_WALK_MAPPED && w.end != VMSH_WALK_PROTNONE)
		return 0;
	return w.step[w.nsteps - 1].entry;
}

START_TEST(test_fault_read_zero_page)
{
	struct vmsh_fault f;
	struct vmsh_smaps s;

	sys = t_sys_make(true, 0);
	t_map(sys, BASE, 4 * PAGE_SIZE, RW, PA);
	ck_assert_int_eq(vmsh_touch(sys, BASE, 2 * PAGE_SIZE, &f), 0);
	checked();
	ck_assert_uint_eq(pte_pfn(pte_at(BASE)), sys->phys.zero_pfn);
	ck_assert_uint_ne(pte_at(BASE) & _PAGE_SPECIAL, 0);
	ck_assert_uint_eq(pte_at(BASE) & _PAGE_RW, 0);
	s = t_smaps(sys, 0, BASE);
	ck_assert_uint_eq(s.rss, 0);
	ck_assert_uint_eq(t_stat(sys, "zero_page_map"), 2);
	ck_assert_uint_eq(t_stat(sys, "pgfault"), 2);
	/* a write to a zero-page PTE: a new zeroed page, not a copy */
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 1, 1, NULL, &f), 0);
	checked();
	ck_assert_uint_ne(pte_pfn(pte_at(BASE)), sys->phys.zero_pfn);
	ck_assert_uint_eq(t_stat(sys, "cow_copy"), 0);
	s = t_smaps(sys, 0, BASE);
	ck_assert_uint_eq(s.rss, PAGE_SIZE);
	ck_assert_uint_eq(s.anonymous, PAGE_SIZE);
	ck_assert_uint_eq(s.private_dirty, PAGE_SIZE);
}
END_TEST

/* This kernel: a read fault allocates a page, dirty when the VMA is
 * writable, clean when not (probed with /proc/self/smaps). */
START_TEST(test_fault_read_no_zero_page)
{
	struct vmsh_fault f;
	struct vmsh_smaps s;

	sys = t_sys_make(false, 0);
	t_map(sys, BASE, 4 * PAGE_SIZE, RW, PA);
	t_map(sys, BASE + 0x100000, 4 * PAGE_SIZE, VMSH_PROT_READ, PA);
	ck_assert_int_eq(vmsh_touch(sys, BASE, 2 * PAGE_SIZE, &f), 0);
	ck_assert_int_eq(vmsh_touch(sys, BASE + 0x100000, 1, &f), 0);
	checked();
	s = t_smaps(sys, 0, BASE);
	ck_assert_uint_eq(s.rss, 2 * PAGE_SIZE);
	ck_assert_uint_eq(s.pss, 2 * PAGE_SIZE);
	ck_assert_uint_eq(s.private_dirty, 2 * PAGE_SIZE);
	ck_assert_uint_eq(s.referenced, 2 * PAGE_SIZE);
	ck_assert_uint_eq(s.anonymous, 2 * PAGE_SIZE);
	ck_assert_uint_ne(pte_at(BASE) & _PAGE_RW, 0);
	s = t_smaps(sys, 0, BASE + 0x100000);
	ck_assert_uint_eq(s.rss, PAGE_SIZE);
	ck_assert_uint_eq(s.private_clean, PAGE_SIZE);
	ck_assert_uint_eq(s.private_dirty, 0);
	ck_assert_uint_eq(s.pss_dirty, 0);
}
END_TEST

START_TEST(test_fault_write_anon)
{
	struct vmsh_fault f;
	struct vmsh_mm_info mi;
	uint64_t pte;

	sys = t_sys_make(true, 0);
	t_map(sys, BASE, 4 * PAGE_SIZE, RW, PA);
	ck_assert_int_eq(vmsh_write(sys, BASE + 10, (const uint8_t *)"abc", 0, 3,
				    NULL, &f), 0);
	checked();
	pte = pte_at(BASE);
	ck_assert_uint_eq(pte & 0xfff, 0x067);  /* P RW US A D */
	ck_assert_uint_ne(pte & _PAGE_NX, 0);
	ck_assert_int_eq(vmsh_mm_info(sys, 0, &mi), 0);
	ck_assert_uint_eq(mi.rss_anon, 1);
	ck_assert_uint_eq(t_stat(sys, "anon_fault"), 1);
	ck_assert_int_eq(phys_page(sys, pte_pfn(pte))->mapcount, 1);
	ck_assert(phys_page(sys, pte_pfn(pte))->exclusive);
}
END_TEST

/* check_pages notices a frame whose mapcount or an rss counter disagrees
 * with the PTEs. */
START_TEST(test_fault_check_detects)
{
	struct check_report r;
	struct vmsh_fault f;
	struct page *p;
	char buf[256];

	sys = t_sys_make(true, 0);
	t_map(sys, BASE, PAGE_SIZE, RW, PA);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 1, 1, NULL, &f), 0);
	p = phys_page(sys, pte_pfn(pte_at(BASE)));
	p->mapcount++;
	p->refcount++;
	check_report_init(&r, buf, sizeof(buf));
	check_pages(sys, &r);
	ck_assert_int_gt(r.problems, 0);
	ck_assert_ptr_nonnull(strstr(buf, "mapcount 2 but 1 PTEs"));
	p->mapcount--;
	p->refcount--;
	sys->current->mm->rss[MM_ANONPAGES]++;
	check_report_init(&r, buf, sizeof(buf));
	check_pages(sys, &r);
	ck_assert_int_gt(r.problems, 0);
	ck_assert_ptr_nonnull(strstr(buf, "rss counter"));
	sys->current->mm->rss[MM_ANONPAGES]--;
	checked();
}
END_TEST

START_TEST(test_fault_signals)
{
	struct vmsh_fault f;
	uint8_t b;

	sys = t_sys_make(true, 0);
	t_map(sys, BASE, PAGE_SIZE, VMSH_PROT_READ, PA);
	t_map(sys, BASE + 0x10000, PAGE_SIZE, VMSH_PROT_NONE, PA);
	/* nothing mapped */
	ck_assert_int_eq(vmsh_touch(sys, BASE + 0x5000, 1, &f), 1);
	ck_assert_int_eq(f.signo, SIGSEGV);
	ck_assert_int_eq(f.code, SEGV_MAPERR);
	ck_assert_uint_eq(f.addr, BASE + 0x5000);
	/* write to r-- */
	ck_assert_int_eq(vmsh_write(sys, BASE + 8, NULL, 1, 1, NULL, &f), 1);
	ck_assert_int_eq(f.code, SEGV_ACCERR);
	ck_assert_uint_eq(f.addr, BASE + 8);
	/* read of PROT_NONE */
	ck_assert_int_eq(vmsh_read(sys, BASE + 0x10000, &b, 1, NULL, &f), 1);
	ck_assert_int_eq(f.code, SEGV_ACCERR);
	/* non-canonical: #GP, SI_KERNEL, address 0 */
	ck_assert_int_eq(vmsh_touch(sys, 0x900000000000000ULL, 1, &f), 1);
	ck_assert_int_eq(f.signo, SIGSEGV);
	ck_assert_int_eq(f.code, 0x80);
	ck_assert_uint_eq(f.addr, 0);
	/* kernel half: #PF, SEGV_MAPERR */
	ck_assert_int_eq(vmsh_touch(sys, 0xffff800000000000ULL, 1, &f), 1);
	ck_assert_int_eq(f.code, SEGV_MAPERR);
	ck_assert_uint_eq(f.addr, 0xffff800000000000ULL);
	checked();
}
END_TEST

/* An access that stops at a fault reports what it did before. */
START_TEST(test_fault_partial_write)
{
	struct vmsh_fault f;
	uint64_t done;

	sys = t_sys_make(true, 0);
	t_map(sys, BASE, PAGE_SIZE, RW, PA);
	ck_assert_int_eq(vmsh_write(sys, BASE + PAGE_SIZE - 3, NULL, 7, 10,
				    &done, &f), 1);
	ck_assert_uint_eq(done, 3);
	ck_assert_uint_eq(f.addr, BASE + PAGE_SIZE);
	ck_assert_int_eq(f.code, SEGV_MAPERR);
	checked();
}
END_TEST

START_TEST(test_fault_oom)
{
	struct vmsh_fault f;
	int pid;

	sys = t_sys_make(true, 1ULL << 20);     /* 256 frames */
	t_map(sys, BASE, 2ULL << 20, RW, PA);
	pid = vmsh_current_pid(sys);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 1, 2ULL << 20, NULL, &f), 1);
	ck_assert_int_eq(f.signo, SIGKILL);
	ck_assert_int_eq(f.pid, pid);
	ck_assert_uint_eq(t_stat(sys, "oom_kill"), 1);
	checked();
}
END_TEST

START_TEST(test_fault_populate)
{
	struct vmsh_smaps s;

	sys = t_sys_make(true, 0);
	t_map(sys, BASE, 4 * PAGE_SIZE, RW, PA | VMSH_MAP_POPULATE);
	s = t_smaps(sys, 0, BASE);
	ck_assert_uint_eq(s.rss, 4 * PAGE_SIZE);
	ck_assert_uint_eq(s.private_dirty, 4 * PAGE_SIZE);
	/* read-only private: read faults, the zero page */
	t_map(sys, BASE + 0x100000, 4 * PAGE_SIZE, VMSH_PROT_READ,
	      PA | VMSH_MAP_POPULATE);
	s = t_smaps(sys, 0, BASE + 0x100000);
	ck_assert_uint_eq(s.rss, 0);
	ck_assert_uint_eq(t_stat(sys, "zero_page_map"), 4);
	/* locked: Locked == Pss */
	t_map(sys, BASE + 0x200000, 2 * PAGE_SIZE, RW, PA | VMSH_MAP_LOCKED);
	s = t_smaps(sys, 0, BASE + 0x200000);
	ck_assert_uint_eq(s.rss, 2 * PAGE_SIZE);
	ck_assert_uint_eq(s.locked, s.pss);
}
END_TEST

START_TEST(test_fault_cow_after_fork)
{
	struct vmsh_fault f;
	struct vmsh_smaps s;
	int child, parent;
	uint64_t ppfn;

	sys = t_sys_make(true, 0);
	t_map(sys, BASE, 2 * PAGE_SIZE, RW, PA);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 0x11, 2 * PAGE_SIZE, NULL, &f), 0);
	parent = vmsh_current_pid(sys);
	ck_assert_int_eq(vmsh_fork(sys, &child), 0);
	checked();
	s = t_smaps(sys, 0, BASE);
	ck_assert_uint_eq(s.shared_dirty, 2 * PAGE_SIZE);
	ck_assert_uint_eq(s.pss, PAGE_SIZE);
	ppfn = pte_pfn(pte_at(BASE));
	/* the child writes: one copy */
	ck_assert_int_eq(vmsh_switch(sys, child, -1), 0);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 0x22, 1, NULL, &f), 0);
	ck_assert_uint_eq(t_stat(sys, "cow_copy"), 1);
	ck_assert_uint_ne(pte_pfn(pte_at(BASE)), ppfn);
	checked();
	/* the parent writes the same page: reuse, no second copy */
	ck_assert_int_eq(vmsh_switch(sys, parent, -1), 0);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 0x33, 1, NULL, &f), 0);
	ck_assert_uint_eq(t_stat(sys, "cow_copy"), 1);
	ck_assert_uint_eq(t_stat(sys, "cow_reuse"), 1);
	ck_assert_uint_eq(pte_pfn(pte_at(BASE)), ppfn);
	s = t_smaps(sys, 0, BASE);
	ck_assert_uint_eq(s.private_dirty, PAGE_SIZE);
	ck_assert_uint_eq(s.shared_dirty, PAGE_SIZE);
	ck_assert_uint_eq(s.pss, PAGE_SIZE + PAGE_SIZE / 2);
	checked();
}
END_TEST

/* GUP's FOLL_TOUCH marks populated pages accessed (PG_referenced): a
 * forked child, whose PTEs are old, still counts them as Referenced;
 * pages faulted by plain writes it does not (probed on this kernel). */
START_TEST(test_fault_populate_referenced)
{
	struct vmsh_smaps s;
	struct vmsh_fault f;
	int child;

	sys = t_sys_make(false, 0);
	t_map(sys, BASE, 2 * PAGE_SIZE, RW, PA | VMSH_MAP_POPULATE);
	t_map(sys, BASE + 0x100000, 2 * PAGE_SIZE, RW, PA);
	ck_assert_int_eq(vmsh_write(sys, BASE + 0x100000, NULL, 1, 2 * PAGE_SIZE,
				    NULL, &f), 0);
	ck_assert_int_eq(vmsh_fork(sys, &child), 0);
	ck_assert_int_eq(vmsh_smaps(sys, child, BASE, &s), 0);
	ck_assert_uint_eq(s.referenced, 2 * PAGE_SIZE);
	ck_assert_int_eq(vmsh_smaps(sys, child, BASE + 0x100000, &s), 0);
	ck_assert_uint_eq(s.referenced, 0);
	ck_assert_int_eq(vmsh_smaps(sys, 0, BASE + 0x100000, &s), 0);
	ck_assert_uint_eq(s.referenced, 2 * PAGE_SIZE);
	checked();
}
END_TEST

START_TEST(test_fault_dontneed)
{
	struct vmsh_fault f;
	uint8_t b = 1;
	int r;

	sys = t_sys_make(true, 0);
	t_map(sys, BASE, 2 * PAGE_SIZE, RW, PA);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 0x11, 2 * PAGE_SIZE, NULL, &f), 0);
	r = vmsh_madvise(sys, BASE, PAGE_SIZE, VMSH_MADV_DONTNEED);
	ck_assert_int_eq(r, 0);
	checked();
	ck_assert_uint_eq(t_smaps(sys, 0, BASE).rss, PAGE_SIZE);
	ck_assert_int_eq(vmsh_read(sys, BASE, &b, 1, NULL, &f), 0);
	ck_assert_uint_eq(b, 0);
	ck_assert_int_eq(vmsh_read(sys, BASE + PAGE_SIZE, &b, 1, NULL, &f), 0);
	ck_assert_uint_eq(b, 0x11);
}
END_TEST

START_TEST(test_fault_stack_growth)
{
	struct vmsh_fault f;
	struct vmsh_vma_info vi;
	size_t i;
	uint64_t stack_start = 0;

	sys = t_sys_make(true, 0);
	for (i = 0; t_vma_nth(sys, 0, i, &vi); i++)
		if (vi.flags & VM_GROWSDOWN)
			stack_start = vi.start;
	ck_assert_uint_ne(stack_start, 0);
	ck_assert_int_eq(vmsh_write(sys, stack_start - 3 * PAGE_SIZE, NULL, 1, 1,
				    NULL, &f), 0);
	ck_assert(t_vma_nth(sys, 0, i - 1, &vi));
	ck_assert_uint_eq(vi.start, stack_start - 3 * PAGE_SIZE);
	checked();
	/* past RLIMIT_STACK (8 MiB from the top): no growth, SEGV_MAPERR */
	ck_assert_int_eq(vmsh_touch(sys, vi.end - (8ULL << 20) - PAGE_SIZE, 1, &f), 1);
	ck_assert_int_eq(f.code, SEGV_MAPERR);
	/* an accessible VMA within stack_guard_gap (1 MiB) below stops it */
	t_map(sys, vi.start - (2ULL << 20), PAGE_SIZE, RW, PA);
	ck_assert_int_eq(vmsh_touch(sys, vi.start - (2ULL << 20) + (512ULL << 10),
				    1, &f), 1);
	ck_assert_int_eq(f.code, SEGV_MAPERR);
	ck_assert_int_eq(vmsh_touch(sys, vi.start - (1ULL << 20) + PAGE_SIZE, 1, &f), 0);
	checked();
}
END_TEST

Suite *fault_suite(void)
{
	Suite *s = suite_create("fault");
	TCase *tc;

	tc = t_tcase(s, "anon", NULL, teardown);
	tcase_add_test(tc, test_fault_read_zero_page);
	tcase_add_test(tc, test_fault_read_no_zero_page);
	tcase_add_test(tc, test_fault_write_anon);
	tcase_add_test(tc, test_fault_dontneed);
	tc = t_tcase(s, "populate", NULL, teardown);
	tcase_add_test(tc, test_fault_populate);
	tcase_add_test(tc, test_fault_populate_referenced);
	tc = t_tcase(s, "cow", NULL, teardown);
	tcase_add_test(tc, test_fault_cow_after_fork);
	tc = t_tcase(s, "signal", NULL, teardown);
	tcase_add_test(tc, test_fault_signals);
	tcase_add_test(tc, test_fault_partial_write);
	tc = t_tcase(s, "stack", NULL, teardown);
	tcase_add_test(tc, test_fault_stack_growth);
	tc = t_tcase(s, "oom", NULL, teardown);
	tcase_add_test(tc, test_fault_oom);
	tc = t_tcase(s, "check", NULL, teardown);
	tcase_add_test(tc, test_fault_check_detects);
	return s;
}
