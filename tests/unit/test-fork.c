/* SPDX-License-Identifier: MIT */
/*
 * fork (src/engine/fork.c): what dup_mmap and copy_page_range leave in the
 * parent and the child, and the copy-on-write that follows.  The expected
 * smaps figures are the running kernel's (6.18, probed with fork + write +
 * /proc/PID/smaps; --zero-page=off as that kernel does).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "anon_vma.h"
#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "suites.h"
#include "sys.h"
#include "task.h"
#include "vm_flags.h"
#include "vma.h"
#include "vmsh-test.h"

#define BASE T_BASE
#define PG   T_PG
#define RW   T_RW
#define PA   T_FIXED
#define SA   (VMSH_MAP_SHARED | VMSH_MAP_ANONYMOUS | VMSH_MAP_FIXED)

static struct vmsh_sys *sys;

static void setup(void)
{
	sys = t_sys_make(false, 0);
	ck_assert_int_eq(vmsh_current_pid(sys), 1);
}
/* 256 frames. */
static void setup_small(void) { sys = t_sys_make(false, 1 << 20); }
static void teardown(void) { t_sys_free(&sys); }
static void checked(void) { t_check(sys); }

static uint64_t pte_of(int pid, uint64_t addr)
{
	uint64_t *p = pte_lookup(mm_of_pid(sys, pid), addr, false);

	return p ? *p : 0;
}

static struct vmsh_vma *vma_of(int pid, uint64_t addr)
{
	struct vmsh_vma *v = find_vma(mm_of_pid(sys, pid), addr);

	return v && v->vm_start <= addr ? v : NULL;
}

/* @len bytes of private anonymous memory at BASE, all written with 1. */
static void map_written(uint64_t len)
{
	t_map(sys, BASE, len, RW, PA);
	t_fill(sys, BASE, len, 1);
}

#define KB(x) ((uint64_t)(x) * 1024)

/* Pss in smaps is printed in kB, truncated. */
#define PSS_KB(s) ((s).pss / 1024)

START_TEST(test_fork_cow_state)
{
	struct page *pg;
	uint64_t p, c;
	int child;

	map_written(4 * PG);
	ck_assert(pte_of(1, BASE) & _PAGE_RW);
	child = t_spawn(sys, vmsh_fork);
	ck_assert_int_eq(child, 2);
	p = pte_of(1, BASE);
	c = pte_of(child, BASE);
	ck_assert_uint_eq(pte_pfn(p), pte_pfn(c));
	/* write-protected on both sides, child old, both dirty */
	ck_assert(!(p & _PAGE_RW));
	ck_assert(!(c & _PAGE_RW));
	ck_assert(p & _PAGE_ACCESSED);
	ck_assert(!(c & _PAGE_ACCESSED));
	ck_assert(p & _PAGE_DIRTY);
	ck_assert(c & _PAGE_DIRTY);
	pg = phys_page(sys, pte_pfn(p));
	ck_assert_int_eq(pg->mapcount, 2);
	/* two mappings and the lru_add batch's reference (fork does not
	 * drain it: probed) */
	ck_assert_int_eq(pg->refcount, 3);
	ck_assert(!pg->exclusive);
	ck_assert_uint_eq(t_stat(sys, "fork"), 1);
}
END_TEST

START_TEST(test_fork_smaps_after_fork)
{
	struct vmsh_smaps s;
	int child;

	map_written(4 * PG);
	child = t_spawn(sys, vmsh_fork);
	/* kernel: Rss 16, Pss 8, Shared_Dirty 16, Referenced 16 / 0 */
	s = t_smaps(sys, 1, BASE);
	ck_assert_uint_eq(s.rss, KB(16));
	ck_assert_uint_eq(PSS_KB(s), 8);
	ck_assert_uint_eq(s.shared_dirty, KB(16));
	ck_assert_uint_eq(s.private_dirty, 0);
	ck_assert_uint_eq(s.referenced, KB(16));
	ck_assert_uint_eq(s.anonymous, KB(16));
	s = t_smaps(sys, child, BASE);
	ck_assert_uint_eq(s.rss, KB(16));
	ck_assert_uint_eq(PSS_KB(s), 8);
	ck_assert_uint_eq(s.shared_dirty, KB(16));
	ck_assert_uint_eq(s.referenced, 0);
	ck_assert_uint_eq(s.anonymous, KB(16));
}
END_TEST

START_TEST(test_fork_one_copy_one_reuse)
{
	struct vmsh_smaps s;
	uint64_t copies, reuses;
	int child;

	map_written(4 * PG);
	child = t_spawn(sys, vmsh_fork);
	copies = t_stat(sys, "cow_copy");
	reuses = t_stat(sys, "cow_reuse");
	/* the child writes first: it copies */
	t_switch(sys, child, -1);
	t_fill(sys, BASE, 1, 2);
	ck_assert_uint_eq(t_stat(sys, "cow_copy"), copies + 1);
	ck_assert_uint_eq(t_stat(sys, "cow_reuse"), reuses);
	ck_assert_uint_ne(pte_pfn(pte_of(1, BASE)), pte_pfn(pte_of(child, BASE)));
	/* kernel, both sides: Pss 10, Shared_Dirty 12, Private_Dirty 4;
	 * Referenced 16 in the parent, 4 in the child */
	s = t_smaps(sys, child, BASE);
	ck_assert_uint_eq(PSS_KB(s), 10);
	ck_assert_uint_eq(s.shared_dirty, KB(12));
	ck_assert_uint_eq(s.private_dirty, KB(4));
	ck_assert_uint_eq(s.referenced, KB(4));
	s = t_smaps(sys, 1, BASE);
	ck_assert_uint_eq(PSS_KB(s), 10);
	ck_assert_uint_eq(s.private_dirty, KB(4));
	ck_assert_uint_eq(s.referenced, KB(16));
	/* the parent's page is back to refcount 1: reused, not copied */
	t_switch(sys, 1, -1);
	t_fill(sys, BASE, 1, 3);
	ck_assert_uint_eq(t_stat(sys, "cow_copy"), copies + 1);
	ck_assert_uint_eq(t_stat(sys, "cow_reuse"), reuses + 1);
	ck_assert_uint_eq(t_peek(sys, BASE), 3);
	t_switch(sys, child, -1);
	ck_assert_uint_eq(t_peek(sys, BASE), 2);
	ck_assert_uint_eq(t_peek(sys, BASE + PG), 1);
	/* the parent writes page 1 first: it copies, the child then reuses */
	t_switch(sys, 1, -1);
	t_fill(sys, BASE + PG, 1, 4);
	t_switch(sys, child, -1);
	t_fill(sys, BASE + PG, 1, 5);
	ck_assert_uint_eq(t_stat(sys, "cow_copy"), copies + 2);
	ck_assert_uint_eq(t_stat(sys, "cow_reuse"), reuses + 2);
	/* kernel after both: Pss 12, Shared_Dirty 8, Private_Dirty 8 */
	s = t_smaps(sys, 1, BASE);
	ck_assert_uint_eq(PSS_KB(s), 12);
	ck_assert_uint_eq(s.shared_dirty, KB(8));
	ck_assert_uint_eq(s.private_dirty, KB(8));
}
END_TEST

START_TEST(test_fork_child_exit_makes_parent_private)
{
	struct vmsh_smaps s;
	int child;

	map_written(4 * PG);
	child = t_spawn(sys, vmsh_fork);
	ck_assert_int_eq(vmsh_kill(sys, child), 0);
	checked();
	s = t_smaps(sys, 1, BASE);
	ck_assert_uint_eq(PSS_KB(s), 16);
	ck_assert_uint_eq(s.private_dirty, KB(16));
	ck_assert_uint_eq(s.shared_dirty, 0);
	/* still write-protected: the next write reuses the page in place */
	t_fill(sys, BASE, 1, 2);
	ck_assert_uint_eq(t_stat(sys, "cow_copy"), 0);
	ck_assert_uint_eq(t_stat(sys, "cow_reuse"), 1);
}
END_TEST

START_TEST(test_fork_three_processes)
{
	struct vmsh_smaps s;
	int c1, c2;

	map_written(PG);
	c1 = t_spawn(sys, vmsh_fork);
	c2 = t_spawn(sys, vmsh_fork);
	ck_assert_int_eq(phys_page(sys, pte_pfn(pte_of(1, BASE)))->mapcount, 3);
	/* Pss = 4096 / 3 -> 1 kB in each */
	s = t_smaps(sys, c1, BASE);
	ck_assert_uint_eq(PSS_KB(s), 1);
	ck_assert_uint_eq(s.shared_dirty, KB(4));
	s = t_smaps(sys, c2, BASE);
	ck_assert_uint_eq(PSS_KB(s), 1);
	/* a write in c1 copies; the page is still shared by two */
	t_switch(sys, c1, -1);
	t_fill(sys, BASE, 1, 2);
	ck_assert_int_eq(phys_page(sys, pte_pfn(pte_of(1, BASE)))->mapcount, 2);
	s = t_smaps(sys, 1, BASE);
	ck_assert_uint_eq(PSS_KB(s), 2);
	/* c2 writes: refcount still 2, so a copy; the parent then reuses */
	t_switch(sys, c2, -1);
	t_fill(sys, BASE, 1, 3);
	t_switch(sys, 1, -1);
	t_fill(sys, BASE, 1, 4);
	ck_assert_uint_eq(t_stat(sys, "cow_copy"), 2);
	ck_assert_uint_eq(t_stat(sys, "cow_reuse"), 1);
	ck_assert_uint_eq(t_peek(sys, BASE), 4);
	t_switch(sys, c1, -1);
	ck_assert_uint_eq(t_peek(sys, BASE), 2);
	t_switch(sys, c2, -1);
	ck_assert_uint_eq(t_peek(sys, BASE), 3);
}
END_TEST

START_TEST(test_fork_dontcopy_wipeonfork_locked)
{
	struct vmsh_mm *pm, *cm;
	struct vmsh_vma *v;
	int child;

	map_written(2 * PG);
	t_map(sys, BASE + 16 * PG, 2 * PG, RW, PA);
	t_fill(sys, BASE + 16 * PG, 2 * PG, 1);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 16 * PG, 2 * PG, VMSH_MADV_DONTFORK), 0);
	t_map(sys, BASE + 32 * PG, 2 * PG, RW, PA);
	t_fill(sys, BASE + 32 * PG, 2 * PG, 1);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 32 * PG, 2 * PG, VMSH_MADV_WIPEONFORK), 0);
	t_map(sys, BASE + 48 * PG, 2 * PG, RW, PA | VMSH_MAP_LOCKED);
	checked();
	pm = mm_of_pid(sys, 1);
	child = t_spawn(sys, vmsh_fork);
	cm = mm_of_pid(sys, child);
	/* dontfork: gone in the child, and from its total_vm/data_vm */
	ck_assert_ptr_null(vma_of(child, BASE + 16 * PG));
	ck_assert_uint_eq(cm->map_count, pm->map_count - 1);
	ck_assert_uint_eq(cm->total_vm, pm->total_vm - 2);
	ck_assert_uint_eq(cm->data_vm, pm->data_vm - 2);
	/* wipeonfork: there, flagged, empty, no anon_vma */
	v = vma_of(child, BASE + 32 * PG);
	ck_assert_ptr_nonnull(v);
	ck_assert(v->vm_flags & VM_WIPEONFORK);
	ck_assert_ptr_null(v->anon_vma);
	ck_assert_uint_eq(t_smaps(sys, child, BASE + 32 * PG).rss, 0);
	/* locked: the child's copy is not locked, its pages are copied */
	v = vma_of(child, BASE + 48 * PG);
	ck_assert(!(v->vm_flags & VM_LOCKED));
	ck_assert(vma_of(1, BASE + 48 * PG)->vm_flags & VM_LOCKED);
	ck_assert_uint_eq(cm->locked_vm, 0);
	ck_assert_uint_eq(pm->locked_vm, 2);
	ck_assert_uint_eq(t_smaps(sys, child, BASE + 48 * PG).rss, KB(8));
	/* rss: 2 (plain) + 2 (locked); hiwater_rss is that rss */
	ck_assert_int_eq(cm->rss[MM_ANONPAGES], 4);
	ck_assert_uint_eq(cm->hiwater_rss, 4);
	t_switch(sys, child, -1);
	ck_assert_uint_eq(t_peek(sys, BASE + 32 * PG), 0);
	ck_assert_uint_eq(t_peek(sys, BASE), 1);
	checked();
}
END_TEST

START_TEST(test_fork_no_copy_without_anon_vma)
{
	int child;

	/* shared anonymous: refaulted from the shmem file */
	t_map(sys, BASE, 2 * PG, RW, SA);
	t_fill(sys, BASE, 2 * PG, 7);
	/* private, never faulted */
	t_map(sys, BASE + 16 * PG, 2 * PG, RW, PA);
	child = t_spawn(sys, vmsh_fork);
	ck_assert_uint_eq(pte_of(child, BASE), 0);
	ck_assert_uint_eq(t_smaps(sys, child, BASE).rss, 0);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).rss, KB(8));
	/* the parent's shared PTEs keep RW */
	ck_assert(pte_of(1, BASE) & _PAGE_RW);
	t_switch(sys, child, -1);
	ck_assert_uint_eq(t_peek(sys, BASE), 7);
	t_fill(sys, BASE, 1, 8);
	t_switch(sys, 1, -1);
	ck_assert_uint_eq(t_peek(sys, BASE), 8);
	ck_assert_uint_eq(t_stat(sys, "cow_copy"), 0);
}
END_TEST

START_TEST(test_fork_anon_vma_inherited)
{
	struct vmsh_vma *pv, *cv;
	int child;

	map_written(2 * PG);
	child = t_spawn(sys, vmsh_fork);
	pv = vma_of(1, BASE);
	cv = vma_of(child, BASE);
	ck_assert_ptr_nonnull(cv->anon_vma);
	ck_assert_ptr_ne(cv->anon_vma, pv->anon_vma);
	ck_assert_ptr_eq(cv->anon_vma->parent, pv->anon_vma);
	ck_assert(cv->anon_vma->inherited);
	ck_assert(!pv->anon_vma->inherited);
	/* shared pages stay on the parent's anon_vma */
	ck_assert_ptr_eq(page_anon(sys, phys_page(sys, pte_pfn(pte_of(child, BASE)))),
			 pv->anon_vma);
}
END_TEST

/* Kernel: in the child a faulted inherited VMA does not merge with a new
 * neighbour; a never-faulted one does; in the parent it merges. */
START_TEST(test_fork_merge_rules)
{
	int child;

	map_written(2 * PG);
	t_map(sys, BASE + 16 * PG, 2 * PG, RW, PA);
	child = t_spawn(sys, vmsh_fork);
	t_switch(sys, child, -1);
	t_map(sys, BASE + 2 * PG, 2 * PG, RW, PA);
	t_map(sys, BASE + 18 * PG, 2 * PG, RW, PA);
	ck_assert_uint_eq(vma_of(child, BASE)->vm_end, BASE + 2 * PG);
	ck_assert_uint_eq(vma_of(child, BASE + 16 * PG)->vm_end, BASE + 20 * PG);
	/* split pieces of an inherited VMA share its anon_vma and rejoin */
	ck_assert_int_eq(vmsh_mprotect(sys, BASE, PG, VMSH_PROT_READ), 0);
	checked();
	ck_assert_int_eq(vmsh_mprotect(sys, BASE, PG, RW), 0);
	checked();
	ck_assert_uint_eq(vma_of(child, BASE)->vm_end, BASE + 2 * PG);
	t_switch(sys, 1, -1);
	t_map(sys, BASE + 2 * PG, 2 * PG, RW, PA);
	ck_assert_uint_eq(vma_of(1, BASE)->vm_end, BASE + 4 * PG);
}
END_TEST

START_TEST(test_fork_kthread_efault)
{
	int k, child;

	ck_assert_int_eq(vmsh_kthread(sys, &k), 0);
	t_switch(sys, k, -1);
	ck_assert_int_eq(vmsh_fork(sys, &child), -EFAULT);
	ck_assert_int_eq(vmsh_clone_vm(sys, &child), -EFAULT);
	checked();
}
END_TEST

/* A fork whose child's page tables do not fit fails with ENOMEM and
 * leaves no trace.  110 pages 2 MiB apart take 220 of the 256 frames with
 * their PTE tables; the setup asserts it is not OOM-killed itself, so the
 * test fails, and never passes unasserted, if the frames run out early. */
START_TEST(test_fork_out_of_memory)
{
	struct vmsh_fault f = { 0 };
	uint64_t i, done, nfree;
	int child = 0;

	t_map(sys, BASE, 110 * 512 * PG, RW, PA);
	for (i = 0; i < 110; i++)
		ck_assert_msg(vmsh_write(sys, BASE + i * 512 * PG, NULL, 1, 1,
					 &done, &f) == 0,
			      "setup: page %u faulted, signal %d",
			      (unsigned)i, f.signo);
	ck_assert_int_eq(vmsh_current_pid(sys), 1);
	ck_assert_uint_eq(t_stat(sys, "oom_kill"), 0);
	checked();
	nfree = sys->phys.nfree;
	ck_assert_int_eq(vmsh_fork(sys, &child), -ENOMEM);
	checked();
	ck_assert(!vmsh_task_exists(sys, 2));
	ck_assert_uint_eq(sys->phys.nfree, nfree);
	ck_assert_uint_eq(t_smaps(sys, 1, BASE).rss, 110 * PG);
	ck_assert_uint_eq(t_stat(sys, "oom_kill"), 0);
}
END_TEST

START_TEST(test_fork_clone_vm_shares_mm)
{
	struct vmsh_mm *mm;
	int t;

	mm = mm_of_pid(sys, 1);
	ck_assert_int_eq(vmsh_clone_vm(sys, &t), 0);
	checked();
	ck_assert_ptr_eq(mm_of_pid(sys, t), mm);
	ck_assert_int_eq(mm->mm_users, 2);
	ck_assert_int_eq(mm->mm_count, 1);
	t_map(sys, BASE, PG, RW, PA);
	t_switch(sys, t, -1);
	t_fill(sys, BASE, 1, 9);
	t_switch(sys, 1, -1);
	ck_assert_uint_eq(t_peek(sys, BASE), 9);
	ck_assert_uint_eq(t_stat(sys, "cow_copy"), 0);
	ck_assert_int_eq(vmsh_kill(sys, t), 0);
	checked();
	ck_assert_int_eq(mm->mm_users, 1);
}
END_TEST

START_TEST(test_fork_execve)
{
	struct vmsh_mm *mm;
	int t, c;

	t_map(sys, BASE, PG, RW, PA);
	t_fill(sys, BASE, 1, 1);
	c = t_spawn(sys, vmsh_fork);
	ck_assert_int_eq(vmsh_clone_vm(sys, &t), 0);
	checked();
	ck_assert_int_eq(mm_of_pid(sys, 1)->mm_users, 2);
	/* execve by pid 1: its thread exits (de_thread), the old mm goes */
	ck_assert_int_eq(vmsh_execve(sys), 0);
	checked();
	ck_assert(!vmsh_task_exists(sys, t));
	mm = mm_of_pid(sys, 1);
	ck_assert_uint_eq(mm->map_count, 1);            /* [stack] */
	ck_assert_int_eq(mm->mm_users, 1);
	ck_assert_ptr_null(vma_of(1, BASE));
	/* the forked child keeps its copy */
	t_switch(sys, c, -1);
	ck_assert_uint_eq(t_peek(sys, BASE), 1);
	/* execve by a thread: it takes over its process's pid */
	ck_assert_int_eq(vmsh_clone_vm(sys, &t), 0);
	t_switch(sys, t, -1);
	ck_assert_int_eq(vmsh_execve(sys), 0);
	checked();
	ck_assert(!vmsh_task_exists(sys, t));
	ck_assert_int_eq(vmsh_current_pid(sys), c);
	ck_assert_uint_eq(mm_of_pid(sys, c)->map_count, 1);
	ck_assert_int_eq(task_of_pid(sys, c)->ppid, 1);
	ck_assert_int_eq(task_of_pid(sys, c)->kind, VMSH_TASK_PROCESS);
}
END_TEST

Suite *fork_suite(void)
{
	Suite *s = suite_create("fork");
	TCase *tc;

	tc = t_tcase(s, "cow", setup, teardown);
	tcase_add_test(tc, test_fork_cow_state);
	tcase_add_test(tc, test_fork_smaps_after_fork);
	tcase_add_test(tc, test_fork_one_copy_one_reuse);
	tcase_add_test(tc, test_fork_child_exit_makes_parent_private);
	tcase_add_test(tc, test_fork_three_processes);
	tc = t_tcase(s, "copy", setup, teardown);
	tcase_add_test(tc, test_fork_dontcopy_wipeonfork_locked);
	tcase_add_test(tc, test_fork_no_copy_without_anon_vma);
	tc = t_tcase(s, "anon-vma", setup, teardown);
	tcase_add_test(tc, test_fork_anon_vma_inherited);
	tcase_add_test(tc, test_fork_merge_rules);
	tc = t_tcase(s, "errors", setup, teardown);
	tcase_add_test(tc, test_fork_kthread_efault);
	tc = t_tcase(s, "oom", setup_small, teardown);
	tcase_add_test(tc, test_fork_out_of_memory);
	tc = t_tcase(s, "threads", setup, teardown);
	tcase_add_test(tc, test_fork_clone_vm_shares_mm);
	tcase_add_test(tc, test_fork_execve);
	return s;
}
