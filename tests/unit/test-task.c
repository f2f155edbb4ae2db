/* SPDX-License-Identifier: MIT */
/*
 * Tasks (src/engine/task.c): the pid table, context switches with kernel
 * threads borrowing active_mm (mm_count), kill and the mm lifetime
 * (mm_users / mm_count), several CPUs, the OOM killer.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mm.h"
#include "phys.h"
#include "suites.h"
#include "sys.h"
#include "task.h"
#include "vmsh-test.h"

#define BASE T_BASE
#define PG   T_PG
#define RW   T_RW
#define PA   T_FIXED

static struct vmsh_sys *sys;

/* @cpus CPUs, @ram bytes when nonzero, the zero page off. */
static void make(unsigned cpus, uint64_t ram)
{
	struct vmsh_config cfg;

	t_config(&cfg, false, ram);
	cfg.cpus = cpus;
	sys = t_sys_cfg(&cfg);
}

static void setup(void)
{
	make(2, 0);
	ck_assert_int_eq(vmsh_current_pid(sys), 1);
	ck_assert_ptr_nonnull(mm_of_pid(sys, 1));
}
/* One CPU and 256 frames. */
static void setup_small(void) { make(1, 1 << 20); }
static void teardown(void) { t_sys_free(&sys); }
static void checked(void) { t_check(sys); }

static struct vmsh_task_info info(int pid)
{
	struct vmsh_task_info ti;
	size_t i;

	for (i = 0; t_task_nth(sys, i, &ti); i++)
		if (ti.pid == pid)
			return ti;
	ck_abort_msg("no pid %d", pid);
	return ti;
}

static size_t ntasks(void)
{
	struct vmsh_task_info ti;
	size_t i;

	for (i = 0; t_task_nth(sys, i, &ti); i++)
		;
	return i;
}

START_TEST(test_task_pids_in_order_never_reused)
{
	int a, b, c;

	ck_assert_int_eq(vmsh_current_pid(sys), 1);
	a = t_spawn(sys, vmsh_fork);
	b = t_spawn(sys, vmsh_clone_vm);
	ck_assert_int_eq(a, 2);
	ck_assert_int_eq(b, 3);
	ck_assert_int_eq(vmsh_kill(sys, b), 0);
	checked();
	ck_assert(!vmsh_task_exists(sys, b));
	c = t_spawn(sys, vmsh_kthread);
	ck_assert_int_eq(c, 4);
	ck_assert_uint_eq(ntasks(), 3);
	ck_assert_int_eq(info(a).ppid, 1);
	ck_assert_int_eq(info(a).kind, VMSH_TASK_PROCESS);
	ck_assert_int_eq(info(c).kind, VMSH_TASK_KTHREAD);
	ck_assert_uint_eq(info(c).mm_id, 0);
	ck_assert(info(1).current);
}
END_TEST

START_TEST(test_task_kthread_borrows_active_mm)
{
	struct vmsh_mm *mm1, *mm2;
	int child, k;

	mm1 = mm_of_pid(sys, 1);
	child = t_spawn(sys, vmsh_fork);
	mm2 = mm_of_pid(sys, child);
	k = t_spawn(sys, vmsh_kthread);
	ck_assert_uint_eq(info(k).active_mm_id, 0);
	/* 1 -> k: k borrows mm1 (lazy TLB), mm_count 2 */
	t_switch(sys, k, -1);
	ck_assert_ptr_eq(task_of_pid(sys, k)->active_mm, mm1);
	ck_assert_uint_eq(info(k).active_mm_id, mm1->id);
	ck_assert_int_eq(mm1->mm_count, 2);
	ck_assert_int_eq(mm1->mm_users, 1);
	ck_assert_ptr_eq(sys->cpus[0].loaded_mm, mm1);
	/* k -> child: CR3 = mm2, k drops mm1 */
	t_switch(sys, child, -1);
	ck_assert_int_eq(mm1->mm_count, 1);
	ck_assert_ptr_null(task_of_pid(sys, k)->active_mm);
	ck_assert_ptr_eq(sys->cpus[0].loaded_mm, mm2);
	/* child -> k -> 1 */
	t_switch(sys, k, -1);
	ck_assert_int_eq(mm2->mm_count, 2);
	ck_assert_int_eq(mm1->mm_count, 1);
	t_switch(sys, 1, -1);
	ck_assert_int_eq(mm2->mm_count, 1);
	ck_assert_ptr_eq(sys->cpus[0].loaded_mm, mm1);
	/* memory calls on a kernel thread fail */
	t_switch(sys, k, -1);
	{
		uint64_t out;

		ck_assert_int_eq(vmsh_mmap(sys, BASE, PG, RW, PA, NULL, 0, &out),
				 -EFAULT);
	}
}
END_TEST

START_TEST(test_task_exit_under_kthread_keeps_mm_struct)
{
	struct vmsh_mm *mm2;
	uint64_t out;
	int child, k;
	unsigned id;

	child = t_spawn(sys, vmsh_fork);
	k = t_spawn(sys, vmsh_kthread);
	t_switch(sys, child, -1);
	ck_assert_int_eq(vmsh_mmap(sys, BASE, PG, RW, PA, NULL, 0, &out), 0);
	mm2 = mm_of_pid(sys, child);
	id = mm2->id;
	/* kill 1: lowest others are 2 (child) ... but switch to k first */
	t_switch(sys, k, -1);
	ck_assert_int_eq(mm2->mm_count, 2);
	/* the child exits while k borrows its mm: the address space goes
	 * (mm_users 0), the struct stays (mm_count 1) */
	ck_assert_int_eq(vmsh_kill(sys, child), 0);
	checked();
	ck_assert_int_eq(mm2->mm_users, 0);
	ck_assert_int_eq(mm2->mm_count, 1);
	ck_assert_uint_eq(mm2->map_count, 0);
	ck_assert_uint_eq(info(k).active_mm_id, id);
	/* k switched out: the last reference goes, the struct is freed */
	t_switch(sys, 1, -1);
	ck_assert_uint_eq(info(k).active_mm_id, 0);
	checked();
}
END_TEST

START_TEST(test_task_kill_current_switches_to_lowest)
{
	int a, b, k;

	a = t_spawn(sys, vmsh_fork);
	b = t_spawn(sys, vmsh_fork);
	k = t_spawn(sys, vmsh_kthread);
	t_switch(sys, b, -1);
	ck_assert_int_eq(vmsh_kill(sys, 0), 0);
	checked();
	ck_assert_int_eq(vmsh_current_pid(sys), 1);
	ck_assert_int_eq(vmsh_kill(sys, 1), 0);
	checked();
	ck_assert_int_eq(vmsh_current_pid(sys), a);
	ck_assert_int_eq(info(a).ppid, 0);              /* orphan */
	/* current a exits: k is the lowest left and borrows a's mm */
	ck_assert_int_eq(vmsh_kill(sys, 0), 0);
	checked();
	ck_assert_int_eq(vmsh_current_pid(sys), k);
	ck_assert_int_ne(info(k).active_mm_id, 0);
	ck_assert_int_eq(info(k).mm_users, 0);
	ck_assert_int_eq(info(k).mm_count, 1);
	/* the last task cannot be killed */
	ck_assert_int_eq(vmsh_kill(sys, 0), -EPERM);
	ck_assert_int_eq(vmsh_kill(sys, 99), -ESRCH);
	ck_assert_int_eq(vmsh_kill(sys, -1), -ESRCH);
	checked();
}
END_TEST

START_TEST(test_task_switch_errors)
{
	ck_assert_int_eq(vmsh_switch(sys, 7, -1), -ESRCH);
	ck_assert_int_eq(vmsh_switch(sys, 0, -1), -ESRCH);
	ck_assert_int_eq(vmsh_switch(sys, 1, 2), -EINVAL);
	ck_assert_int_eq(vmsh_switch(sys, 1, 0), 0);    /* already running */
	checked();
}
END_TEST

START_TEST(test_task_two_cpus)
{
	struct vmsh_mm *mm1;
	int t, k;

	mm1 = mm_of_pid(sys, 1);
	t = t_spawn(sys, vmsh_clone_vm);
	k = t_spawn(sys, vmsh_kthread);
	/* the thread on CPU 1: both CPUs have mm1 loaded */
	t_switch(sys, t, 1);
	ck_assert_int_eq(sys->cur_cpu, 1);
	ck_assert_ptr_eq(sys->cpus[1].loaded_mm, mm1);
	ck_assert_ptr_eq(sys->cpus[0].curr, task_of_pid(sys, 1));
	ck_assert_int_eq(mm1->mm_count, 1);
	/* pid 1 moves to CPU 1: CPU 0 goes idle and borrows mm1 */
	t_switch(sys, 1, 1);
	ck_assert_ptr_null(sys->cpus[0].curr);
	ck_assert_ptr_eq(sys->cpus[0].loaded_mm, mm1);
	ck_assert_int_eq(mm1->mm_count, 2);
	/* the kernel thread on CPU 0 takes the idle task's borrowed mm over */
	t_switch(sys, k, 0);
	ck_assert_ptr_eq(task_of_pid(sys, k)->active_mm, mm1);
	ck_assert_int_eq(mm1->mm_count, 2);
	ck_assert_int_eq(info(k).cpu, 0);
	t_switch(sys, t, 0);
	ck_assert_int_eq(mm1->mm_count, 1);
	checked();
}
END_TEST

START_TEST(test_task_oom_kills_sharers_and_frees)
{
	struct vmsh_fault f;
	uint64_t out, done;
	int t, r;

	t = t_spawn(sys, vmsh_clone_vm);
	ck_assert_int_eq(vmsh_mmap(sys, BASE, 512 * PG, RW, PA, NULL, 0, &out), 0);
	r = vmsh_write(sys, BASE, NULL, 1, 512 * PG, &done, &f);
	ck_assert_int_eq(r, 1);
	ck_assert_int_eq(f.signo, 9);
	ck_assert_int_eq(f.pid, 1);
	checked();
	/* the thread shared the mm: killed too; a new process took over */
	ck_assert(!vmsh_task_exists(sys, 1));
	ck_assert(!vmsh_task_exists(sys, t));
	ck_assert_int_eq(vmsh_current_pid(sys), t + 1);
	ck_assert_uint_eq(info(t + 1).map_count, 1);
	ck_assert_uint_eq(sys->phys.nfree + 16 > sys->phys.nframes, true);
}
END_TEST

START_TEST(test_task_kill_thread_and_process)
{
	struct vmsh_mm *mm;
	int t1, t2, c;

	t1 = t_spawn(sys, vmsh_clone_vm);
	c = t_spawn(sys, vmsh_fork);
	t_switch(sys, t1, -1);
	t2 = t_spawn(sys, vmsh_clone_vm);  /* a thread of process 1 as well */
	mm = mm_of_pid(sys, 1);
	ck_assert_int_eq(mm->mm_users, 3);
	ck_assert_int_eq(info(t2).ppid, 0);             /* its process's parent */
	ck_assert_int_eq(info(c).ppid, 1);
	/* a thread exits alone */
	ck_assert_int_eq(vmsh_kill(sys, t2), 0);
	checked();
	ck_assert_int_eq(mm->mm_users, 2);
	/* the process exits alone; its thread (the current task) keeps the
	 * mm, and an execve by it takes over the process's pid 1 */
	ck_assert_int_eq(vmsh_kill(sys, 1), 0);
	checked();
	ck_assert(vmsh_task_exists(sys, t1));
	ck_assert_int_eq(mm->mm_users, 1);
	ck_assert_int_eq(info(c).ppid, t1);             /* find_alive_thread */
	ck_assert_int_eq(vmsh_current_pid(sys), t1);
	ck_assert_int_eq(vmsh_execve(sys), 0);
	checked();
	ck_assert_int_eq(vmsh_current_pid(sys), t1);    /* no leader left */
	ck_assert_int_eq(vmsh_kill(sys, c), 0);
	checked();
	ck_assert_int_eq(vmsh_kill(sys, t1), -EPERM);
}
END_TEST

Suite *task_suite(void)
{
	Suite *s = suite_create("task");
	TCase *tc;

	tc = t_tcase(s, "pids", setup, teardown);
	tcase_add_test(tc, test_task_pids_in_order_never_reused);
	tc = t_tcase(s, "switch", setup, teardown);
	tcase_add_test(tc, test_task_kthread_borrows_active_mm);
	tcase_add_test(tc, test_task_switch_errors);
	tcase_add_test(tc, test_task_two_cpus);
	tc = t_tcase(s, "exit", setup, teardown);
	tcase_add_test(tc, test_task_exit_under_kthread_keeps_mm_struct);
	tcase_add_test(tc, test_task_kill_current_switches_to_lowest);
	tcase_add_test(tc, test_task_kill_thread_and_process);
	tc = t_tcase(s, "oom", setup_small, teardown);
	tcase_add_test(tc, test_task_oom_kills_sharers_and_frees);
	return s;
}
