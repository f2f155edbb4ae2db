/* SPDX-License-Identifier: MIT */
/*
 * Resource limits (src/engine/rlimit.c and the calls that check them):
 * prlimit's rules, inheritance, and RLIMIT_AS / RLIMIT_DATA / RLIMIT_STACK
 * / RLIMIT_MEMLOCK enforced as Linux 6.18 does.  Each rule was probed on
 * the 6.18 kernel with a C program (docs/notes/issue-14.md, session 4).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmsh/rlimit.h"

#include "mm.h"
#include "suites.h"
#include "sys.h"
#include "task.h"
#include "vma.h"
#include "vmsh-test.h"

#define BASE T_BASE
#define PG   T_PG
#define RO   VMSH_PROT_READ
#define RW   T_RW
#define INF  VMSH_RLIM_INFINITY

static struct vmsh_sys *sys;

static void setup(void) { sys = t_sys_make(false, 0); }
static void teardown(void) { t_sys_free(&sys); }

static int set(int pid, int res, uint64_t cur, uint64_t max)
{
	struct vmsh_rlimit r = { cur, max };

	return vmsh_prlimit(sys, pid, res, &r, NULL);
}

static struct vmsh_rlimit get(int pid, int res)
{
	struct vmsh_rlimit r;

	ck_assert_int_eq(vmsh_prlimit(sys, pid, res, NULL, &r), 0);
	return r;
}

/* RLIMIT_AS of the current process: its total_vm now plus @pages. */
static void as_room(uint64_t pages)
{
	ck_assert_int_eq(set(0, VMSH_RLIMIT_AS, (t_mm(sys)->total_vm + pages) * PG,
			     INF), 0);
}

START_TEST(test_rlimit_defaults_are_the_kernels)
{
	struct vmsh_rlimit r[VMSH_RLIM_NLIMITS];

	vmsh_rlimit_defaults(1ULL << 30, 8ULL << 20, r);
	ck_assert_uint_eq(r[VMSH_RLIMIT_STACK].cur, 8ULL << 20);
	ck_assert_uint_eq(r[VMSH_RLIMIT_STACK].max, INF);
	ck_assert_uint_eq(r[VMSH_RLIMIT_CORE].cur, 0);
	ck_assert_uint_eq(r[VMSH_RLIMIT_NOFILE].cur, 1024);
	ck_assert_uint_eq(r[VMSH_RLIMIT_NOFILE].max, 4096);
	ck_assert_uint_eq(r[VMSH_RLIMIT_MEMLOCK].cur, 8ULL << 20);
	/* set_max_threads: 1 GiB / 128 KiB threads, half of them */
	ck_assert_uint_eq(r[VMSH_RLIMIT_NPROC].cur, 4096);
	ck_assert_uint_eq(r[VMSH_RLIMIT_SIGPENDING].max, 4096);
	ck_assert_uint_eq(r[VMSH_RLIMIT_AS].cur, INF);
	vmsh_rlimit_defaults(1ULL << 20, 0, r);
	ck_assert_uint_eq(r[VMSH_RLIMIT_NPROC].cur, 10);        /* MIN_THREADS / 2 */
}
END_TEST

START_TEST(test_rlimit_prlimit_rules)
{
	int kt;

	ck_assert_int_eq(set(0, VMSH_RLIMIT_AS, 2 << 20, 1 << 20), -EINVAL);
	ck_assert_int_eq(set(0, VMSH_RLIM_NLIMITS, 0, 0), -EINVAL);
	ck_assert_int_eq(set(0, -1, 0, 0), -EINVAL);
	ck_assert_int_eq(set(9, VMSH_RLIMIT_AS, 0, 0), -ESRCH);
	ck_assert_int_eq(set(0, VMSH_RLIMIT_NOFILE, 10, VMSH_NR_OPEN + 1), -EPERM);
	ck_assert_int_eq(set(0, VMSH_RLIMIT_NOFILE, 10, 4097), -EPERM);
	ck_assert_int_eq(set(0, VMSH_RLIMIT_AS, 1 << 30, 1 << 30), 0);
	/* unprivileged: the hard limit goes down only */
	ck_assert_int_eq(set(0, VMSH_RLIMIT_AS, 1 << 30, INF), -EPERM);
	ck_assert_int_eq(set(1, VMSH_RLIMIT_AS, 1 << 20, 1 << 30), 0);
	ck_assert_uint_eq(get(1, VMSH_RLIMIT_AS).cur, 1 << 20);
	ck_assert_int_eq(set(0, VMSH_RLIMIT_AS, 1 << 30, 1 << 30), 0);
	/* a kernel thread's are root's */
	ck_assert_int_eq(vmsh_kthread(sys, &kt), 0);
	ck_assert_int_eq(set(kt, VMSH_RLIMIT_AS, 0, 0), -EPERM);
	ck_assert_uint_eq(get(kt, VMSH_RLIMIT_AS).cur, INF);
}
END_TEST

START_TEST(test_rlimit_fork_copies_threads_share)
{
	int child, thread;

	ck_assert_int_eq(set(0, VMSH_RLIMIT_DATA, 1 << 20, 2 << 20), 0);
	ck_assert_int_eq(vmsh_fork(sys, &child), 0);
	ck_assert_int_eq(vmsh_clone_vm(sys, &thread), 0);
	ck_assert_uint_eq(get(child, VMSH_RLIMIT_DATA).max, 2 << 20);
	ck_assert_uint_eq(get(thread, VMSH_RLIMIT_DATA).cur, 1 << 20);
	/* the thread group shares one set; the child has its own */
	ck_assert_int_eq(set(thread, VMSH_RLIMIT_DATA, 4096, 8192), 0);
	ck_assert_uint_eq(get(1, VMSH_RLIMIT_DATA).max, 8192);
	ck_assert_uint_eq(get(child, VMSH_RLIMIT_DATA).max, 2 << 20);
	t_check(sys);
}
END_TEST

START_TEST(test_rlimit_as_mmap)
{
	uint64_t total;

	as_room(10);
	t_mmap(sys, BASE, 10 * PG, RO, T_FIXED, 0);
	t_mmap(sys, BASE + 20 * PG, PG, RO, T_FIXED, -ENOMEM);
	t_mmap(sys, 0, PG, RO, T_ANON, -ENOMEM);
	/* MAP_FIXED counts the pages it replaces */
	t_mmap(sys, BASE + 2 * PG, 3 * PG, RW, T_FIXED, 0);
	total = t_mm(sys)->total_vm;
	/* 5 replaced, 5 new: fails after the split at its start, which
	 * stays (6.18: vms_gather_munmap_vmas split, abort reattaches) */
	t_mmap(sys, BASE + 5 * PG, 10 * PG, RW, T_FIXED, -ENOMEM);
	ck_assert_uint_eq(t_mm(sys)->total_vm, total);
	ck_assert_uint_eq(t_vma(sys, BASE + 5 * PG)->vm_start, BASE + 5 * PG);
	ck_assert_uint_eq(t_vma(sys, BASE + 4 * PG)->vm_end, BASE + 5 * PG);
	ck_assert_uint_eq(t_vma(sys, BASE + 9 * PG)->vm_end, BASE + 10 * PG);
}
END_TEST

START_TEST(test_rlimit_data_mmap_mprotect)
{
	uint64_t d = t_mm(sys)->data_vm;

	ck_assert_int_eq(set(0, VMSH_RLIMIT_DATA, (d + 4) * PG, INF), 0);
	/* read-only, shared and growsdown mappings are no data */
	t_mmap(sys, BASE, 8 * PG, RO, T_FIXED, 0);
	t_mmap(sys, BASE + 100 * PG, 8 * PG, RW,
	       VMSH_MAP_SHARED | VMSH_MAP_ANONYMOUS | VMSH_MAP_FIXED, 0);
	t_mmap(sys, BASE + 200 * PG, 8 * PG, RW, T_FIXED | VMSH_MAP_GROWSDOWN, 0);
	t_mmap(sys, BASE + 300 * PG, 5 * PG, RW, T_FIXED, -ENOMEM);
	t_mmap(sys, BASE + 300 * PG, 4 * PG, RW, T_FIXED, 0);
	/* read-only to writable turns pages into data */
	ck_assert_int_eq(vmsh_mprotect(sys, BASE, PG, RW), -ENOMEM);
	ck_assert_int_eq(vmsh_mprotect(sys, BASE + 100 * PG, PG, RO), 0);
	/* a fixed mapping over data replaces it */
	t_mmap(sys, BASE + 300 * PG, 2 * PG, RW | VMSH_PROT_EXEC, T_FIXED, 0);
	/* ... and over anything: the replaced pages count (4 read-only) */
	t_mmap(sys, BASE + 4 * PG, 4 * PG, RW, T_FIXED, 0);
	ck_assert_uint_eq(t_mm(sys)->data_vm, d + 8);
	t_check(sys);
}
END_TEST

START_TEST(test_rlimit_data_soft_zero_valgrind_rule)
{
	uint64_t d = t_mm(sys)->data_vm;

	ck_assert_int_eq(set(0, VMSH_RLIMIT_DATA, 0, (d + 100) * PG), 0);
	t_mmap(sys, BASE, 4 * PG, RW, T_FIXED, 0);
	t_mmap(sys, BASE + 200 * PG, 200 * PG, RW, T_FIXED, -ENOMEM);
	ck_assert_int_eq(set(0, VMSH_RLIMIT_DATA, 0, 0), 0);
	t_mmap(sys, BASE + 200 * PG, PG, RW, T_FIXED, -ENOMEM);
}
END_TEST

START_TEST(test_rlimit_brk)
{
	struct vmsh_mm *mm = t_mm(sys);
	uint64_t out, start = mm->start_brk;

	ck_assert_int_eq(set(0, VMSH_RLIMIT_DATA, 2 * PG, INF), 0);
	ck_assert_int_eq(vmsh_brk(sys, start + 2 * PG, &out), 0);
	ck_assert_uint_eq(out, start + 2 * PG);
	/* check_data_rlimit: past start_brk + the limit, the old break */
	ck_assert_int_eq(vmsh_brk(sys, start + 2 * PG + 1, &out), 0);
	ck_assert_uint_eq(out, start + 2 * PG);
	/* ... even to shrink, once the limit is below the break */
	ck_assert_int_eq(set(0, VMSH_RLIMIT_DATA, PG, INF), 0);
	ck_assert_int_eq(vmsh_brk(sys, start + PG + 8, &out), 0);
	ck_assert_uint_eq(out, start + 2 * PG);
	ck_assert_int_eq(vmsh_brk(sys, start + PG, &out), 0);
	ck_assert_uint_eq(out, start + PG);
	/* RLIMIT_AS: may_expand_vm in do_brk_flags */
	ck_assert_int_eq(set(0, VMSH_RLIMIT_DATA, INF, INF), 0);
	as_room(1);
	ck_assert_int_eq(vmsh_brk(sys, start + 3 * PG, &out), 0);
	ck_assert_uint_eq(out, start + PG);
	ck_assert_int_eq(vmsh_brk(sys, start + 2 * PG, &out), 0);
	ck_assert_uint_eq(out, start + 2 * PG);
	t_check(sys);
}
END_TEST

START_TEST(test_rlimit_mremap_growth)
{
	uint64_t out;

	t_mmap(sys, BASE, 2 * PG, RW, T_FIXED, 0);
	as_room(1);
	ck_assert_int_eq(vmsh_mremap(sys, BASE, 2 * PG, 4 * PG, 0, 0, &out), -ENOMEM);
	ck_assert_int_eq(vmsh_mremap(sys, BASE, 2 * PG, 3 * PG, 0, 0, &out), 0);
	ck_assert_int_eq(set(0, VMSH_RLIMIT_AS, INF, INF), 0);
	ck_assert_int_eq(set(0, VMSH_RLIMIT_DATA, t_mm(sys)->data_vm * PG, INF), 0);
	ck_assert_int_eq(vmsh_mremap(sys, BASE, 3 * PG, 4 * PG,
				     VMSH_MREMAP_MAYMOVE, 0, &out), -ENOMEM);
	/* shrinking and moving at the same size need nothing */
	ck_assert_int_eq(vmsh_mremap(sys, BASE, 3 * PG, 2 * PG, 0, 0, &out), 0);
	t_check(sys);
}
END_TEST

START_TEST(test_rlimit_stack_growth)
{
	struct vmsh_fault f;
	uint64_t top = BASE + 100 * PG;
	int i, r = 0;

	ck_assert_int_eq(set(0, VMSH_RLIMIT_STACK, 16 * PG, INF), 0);
	t_mmap(sys, top - 4 * PG, 4 * PG, RW, T_FIXED | VMSH_MAP_GROWSDOWN, 0);
	/* as the probe: grows to 16 pages, the 17th faults SIGSEGV */
	for (i = 1; i <= 12 && !r; i++)
		r = vmsh_touch(sys, top - 4 * PG - i * PG, 1, &f);
	ck_assert_msg(r == 0, "i=%d signo=%d code=%d", i, f.signo, f.code);
	ck_assert_uint_eq(t_vma(sys, top - PG)->vm_start, top - 16 * PG);
	ck_assert_int_eq(vmsh_touch(sys, top - 17 * PG, 1, &f), 1);
	ck_assert_int_eq(f.signo, 11);
	/* RLIMIT_AS holds the growth too */
	ck_assert_int_eq(set(0, VMSH_RLIMIT_STACK, INF, INF), 0);
	as_room(2);
	ck_assert_int_eq(vmsh_touch(sys, top - 18 * PG, 1, &f), 0);
	ck_assert_int_eq(vmsh_touch(sys, top - 19 * PG, 1, &f), 1);
	t_check(sys);
}
END_TEST

START_TEST(test_rlimit_memlock_per_task)
{
	int child;

	t_mmap(sys, BASE, 4 * PG, RW, T_FIXED, 0);
	ck_assert_int_eq(vmsh_fork(sys, &child), 0);
	ck_assert_int_eq(set(0, VMSH_RLIMIT_MEMLOCK, 2 * PG, 2 * PG), 0);
	ck_assert_int_eq(vmsh_mlock(sys, BASE, 4 * PG, 0), -ENOMEM);
	ck_assert_int_eq(vmsh_mlock(sys, BASE, 2 * PG, 0), 0);
	ck_assert_int_eq(set(0, VMSH_RLIMIT_MEMLOCK, 0, 0), 0);
	ck_assert_int_eq(vmsh_mlock(sys, BASE, PG, 0), -EPERM);
	/* the child kept the default 8 MiB */
	ck_assert_int_eq(vmsh_switch(sys, child, -1), 0);
	ck_assert_int_eq(vmsh_mlock(sys, BASE, 4 * PG, 0), 0);
	t_check(sys);
}
END_TEST

/* arch_pick_mmap_layout at execve: mmap_base leaves the stack its limit
 * plus the guard gap, clamped to [128 MiB, 5/6 of the space]; setrlimit
 * alone moves nothing (figures probed on 6.18: golden
 * 24-rlimit-stack-exec). */
START_TEST(test_rlimit_stack_moves_mmap_base_at_execve)
{
	uint64_t top = t_mm(sys)->task_size, base = t_mm(sys)->mmap_base;

	ck_assert_uint_eq(base, top - (128ULL << 20));
	ck_assert_int_eq(set(0, VMSH_RLIMIT_STACK, 256ULL << 20, VMSH_RLIM_INFINITY), 0);
	ck_assert_uint_eq(t_mm(sys)->mmap_base, base);
	ck_assert_int_eq(vmsh_execve(sys), 0);
	ck_assert_uint_eq(t_mm(sys)->mmap_base, top - (257ULL << 20));
	ck_assert_int_eq(set(0, VMSH_RLIMIT_STACK, 64ULL << 20, VMSH_RLIM_INFINITY), 0);
	ck_assert_int_eq(vmsh_execve(sys), 0);
	ck_assert_uint_eq(t_mm(sys)->mmap_base, base);
	ck_assert_int_eq(set(0, VMSH_RLIMIT_STACK, VMSH_RLIM_INFINITY,
			     VMSH_RLIM_INFINITY), 0);
	ck_assert_int_eq(vmsh_execve(sys), 0);
	ck_assert_uint_eq(t_mm(sys)->mmap_base, 0x155555556000ULL);
	t_check(sys);
}
END_TEST

Suite *rlimit_suite(void)
{
	Suite *s = suite_create("rlimit");
	TCase *tc = t_tcase(s, "rlimit", setup, teardown);

	tcase_add_test(tc, test_rlimit_defaults_are_the_kernels);
	tcase_add_test(tc, test_rlimit_prlimit_rules);
	tcase_add_test(tc, test_rlimit_fork_copies_threads_share);
	tcase_add_test(tc, test_rlimit_as_mmap);
	tcase_add_test(tc, test_rlimit_data_mmap_mprotect);
	tcase_add_test(tc, test_rlimit_data_soft_zero_valgrind_rule);
	tcase_add_test(tc, test_rlimit_brk);
	tcase_add_test(tc, test_rlimit_mremap_growth);
	tcase_add_test(tc, test_rlimit_stack_growth);
	tcase_add_test(tc, test_rlimit_memlock_per_task);
	tcase_add_test(tc, test_rlimit_stack_moves_mmap_base_at_execve);
	return s;
}
