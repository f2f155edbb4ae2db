/* SPDX-License-Identifier: MIT */
/*
 * layout.c: a recorded layout (stack, brk, mmap_base), special mappings
 * with the flags Linux 6.18's /proc/self/smaps shows, the gate VMA,
 * files at absolute paths, and SysV segments (shm.c).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>

#include "vmsh/layout.h"
#include "vmsh/reclaim.h"
#include "layout.h"
#include "suites.h"
#include "vm_flags.h"
#include "vmsh-test.h"

static struct vmsh_sys *sys;

static void setup(void) { sys = t_sys_new(); }
static void teardown(void) { t_sys_free(&sys); }

struct last { int n; struct vmsh_vma_info v[8]; };

static int collect(void *ctx, const struct vmsh_vma_info *v)
{
	struct last *l = ctx;

	if (l->n < 8)
		l->v[l->n] = *v;
	l->n++;
	return 0;
}

START_TEST(test_layout_stack_moves)
{
	struct vmsh_mm *mm = t_mm(sys);
	struct last l = { 0 };

	ck_assert_int_eq(vmsh_layout_stack(sys, 0x7ffd88c0b000ULL, 0x7ffd88c2c000ULL), 0);
	t_check(sys);
	ck_assert_int_eq(vmsh_vma_walk(sys, 0, collect, &l), 0);
	ck_assert_int_eq(l.n, 1);
	ck_assert_uint_eq(l.v[0].start, 0x7ffd88c0b000ULL);
	ck_assert_uint_eq(l.v[0].flags, VM_STACK_FLAGS);
	ck_assert_str_eq(l.v[0].name, "[stack]");
	ck_assert_uint_eq(mm->start_stack, 0x7ffd88c2b000ULL);
	ck_assert_uint_eq(mm->stack_vm, 33);
	/* it grows down on a fault below it, as a stack does */
	struct vmsh_fault f;
	ck_assert_int_eq(vmsh_touch(sys, 0x7ffd88c0a000ULL, 1, &f), 0);
	ck_assert_uint_eq(find_vma(mm, 0x7ffd88c0a000ULL)->vm_start, 0x7ffd88c0a000ULL);
	t_check(sys);
	/* errors change nothing */
	ck_assert_int_eq(vmsh_layout_stack(sys, 0x1001, 0x3000), -EINVAL);
	ck_assert_int_eq(vmsh_layout_stack(sys, 0x3000, 0x3000), -EINVAL);
	ck_assert_int_eq(vmsh_layout_stack(sys, 0x7ffffffff000ULL, 0x800000000000ULL), -EINVAL);
}
END_TEST

START_TEST(test_layout_stack_in_the_way)
{
	uint64_t a = t_mmap(sys, T_BASE, 4 * T_PG, VMSH_PROT_READ,
			    VMSH_MAP_PRIVATE | VMSH_MAP_ANONYMOUS | VMSH_MAP_FIXED, 0);

	ck_assert_int_eq(vmsh_layout_stack(sys, a - T_PG, a + T_PG), -EEXIST);
	ck_assert_uint_eq(t_mm(sys)->map_count, 2);
	t_check(sys);
}
END_TEST

START_TEST(test_layout_brk_and_base)
{
	uint64_t out;

	ck_assert_int_eq(vmsh_layout_brk(sys, 0x558e968e0000ULL, 0x558e968e0000ULL), 0);
	ck_assert_int_eq(vmsh_brk(sys, 0x558e96901000ULL, &out), 0);
	ck_assert_uint_eq(out, 0x558e96901000ULL);
	ck_assert_uint_eq(find_vma(t_mm(sys), 0x558e968e0000ULL)->vm_start, 0x558e968e0000ULL);
	ck_assert_int_eq(vmsh_layout_brk(sys, 0x2000000, 0x1000000), -EINVAL);
	ck_assert_int_eq(vmsh_layout_mmap_base(sys, 0x7f0c0b93b000ULL), 0);
	ck_assert_int_eq(vmsh_mmap(sys, 0, T_PG, VMSH_PROT_READ,
				   VMSH_MAP_PRIVATE | VMSH_MAP_ANONYMOUS, NULL, 0, &out), 0);
	ck_assert_uint_eq(out, 0x7f0c0b93a000ULL);
	ck_assert_int_eq(vmsh_layout_mmap_base(sys, 0x1001), -EINVAL);
	t_check(sys);
}
END_TEST

START_TEST(test_layout_special_flags_and_gate)
{
	struct vmsh_mm *mm = t_mm(sys);
	struct vmsh_vma *v;
	struct last l = { 0 };
	uint64_t out;
	int child;

	ck_assert_int_eq(vmsh_layout_special(sys, "[vvar]", T_BASE, T_BASE + 4 * T_PG), 0);
	ck_assert_int_eq(vmsh_layout_special(sys, "[vvar_vclock]", T_BASE + 4 * T_PG, T_BASE + 6 * T_PG), 0);
	ck_assert_int_eq(vmsh_layout_special(sys, "[vdso]", T_BASE + 6 * T_PG, T_BASE + 8 * T_PG), 0);
	ck_assert_int_eq(vmsh_layout_special(sys, "[vsyscall]", VMSH_VSYSCALL_START, VMSH_VSYSCALL_END), 0);
	t_check(sys);
	/* VM_DONTEXPAND (VM_SPECIAL): never merged with each other */
	ck_assert_uint_eq(mm->map_count, 4);
	v = find_vma(mm, T_BASE);
	ck_assert_uint_eq(v->vm_flags, VM_READ | VM_MAYREAD | VM_PFNMAP | VM_IO |
			  VM_DONTEXPAND | VM_DONTDUMP);
	ck_assert_str_eq(special_mapping_name(v), "[vvar]");
	v = find_vma(mm, T_BASE + 6 * T_PG);
	ck_assert_uint_eq(v->vm_flags, VM_READ | VM_EXEC | VM_MAYREAD |
			  VM_MAYWRITE | VM_MAYEXEC | VM_DONTEXPAND);
	/* an anonymous neighbour with the same perms does not merge either */
	ck_assert_int_eq(vmsh_mmap(sys, T_BASE + 8 * T_PG, T_PG, VMSH_PROT_READ | VMSH_PROT_EXEC,
				   VMSH_MAP_PRIVATE | VMSH_MAP_ANONYMOUS | VMSH_MAP_FIXED,
				   NULL, 0, &out), 0);
	ck_assert_uint_eq(mm->map_count, 5);
	/* growing it: EFAULT (vma_to_resize) */
	ck_assert_int_eq(vmsh_mremap(sys, T_BASE + 6 * T_PG, 2 * T_PG, 3 * T_PG, 0, 0, &out), -EFAULT);
	/* the gate comes last, in the walk only */
	ck_assert_int_eq(vmsh_vma_walk(sys, 0, collect, &l), 0);
	ck_assert_int_eq(l.n, 6);
	ck_assert_uint_eq(l.v[5].start, VMSH_VSYSCALL_START);
	ck_assert_uint_eq(l.v[5].flags, VM_EXEC);
	ck_assert_str_eq(l.v[5].name, "[vsyscall]");
	ck_assert_str_eq(l.v[2].name, "[vdso]");
	/* fork keeps all of them; the pages are not modelled */
	ck_assert_int_eq(vmsh_fork(sys, &child), 0);
	l.n = 0;
	ck_assert_int_eq(vmsh_vma_walk(sys, child, collect, &l), 0);
	ck_assert_int_eq(l.n, 6);
	struct vmsh_fault f;
	ck_assert_int_eq(vmsh_touch(sys, T_BASE + 6 * T_PG, 1, &f), 1);
	ck_assert_int_eq(f.signo, 7 /* SIGBUS */);
	t_check(sys);
	/* errors */
	ck_assert_int_eq(vmsh_layout_special(sys, "[heap]", T_BASE, T_BASE + T_PG), -EINVAL);
	ck_assert_int_eq(vmsh_layout_special(sys, "[vdso]", T_BASE, T_BASE + T_PG), -EEXIST);
	ck_assert_int_eq(vmsh_layout_special(sys, "[vsyscall]", T_BASE, T_BASE + T_PG), -EINVAL);
	ck_assert_int_eq(vmsh_execve(sys), 0);
	ck_assert(!t_mm(sys)->gate_vma);
}
END_TEST

START_TEST(test_layout_path_files)
{
	struct vmsh_vma_info vi;
	struct last l = { 0 };
	uint64_t out;

	ck_assert_int_eq(vmsh_file_create_path(sys, "/usr/bin/cat", 44016, true), 0);
	ck_assert_int_eq(vmsh_file_create_path(sys, "/usr/bin/cat", 1, true), -EEXIST);
	ck_assert_int_eq(vmsh_file_create(sys, "/usr/bin/cat", 1, false), -EEXIST);
	ck_assert_int_eq(vmsh_file_create_path(sys, "usr", 1, true), -EINVAL);
	ck_assert_int_eq(vmsh_file_create_path(sys, "/", 1, true), -EINVAL);
	ck_assert_int_eq(vmsh_mmap(sys, T_BASE, 0x5000, VMSH_PROT_READ | VMSH_PROT_EXEC,
				   VMSH_MAP_PRIVATE | VMSH_MAP_FIXED, "/usr/bin/cat",
				   0x2000, &out), 0);
	ck_assert_int_eq(vmsh_vma_walk(sys, 0, collect, &l), 0);
	vi = l.v[0];
	ck_assert_str_eq(vi.name, "/usr/bin/cat");
	ck_assert_uint_eq(vi.pgoff, 2);
	ck_assert_uint_eq(vi.dev_major, 0xfe);
	t_check(sys);
	ck_assert_int_eq(vmsh_file_rm(sys, "/usr/bin/cat"), 0);
	l.n = 0;
	ck_assert_int_eq(vmsh_vma_walk(sys, 0, collect, &l), 0);
	ck_assert_str_eq(l.v[0].name, "/usr/bin/cat (deleted)");
}
END_TEST

/* shm.c: a SysV segment is "/SYSV%08x (deleted)" on 00:01 with its id as
 * inode; attaches share its pages; a read-only attach has neither
 * VM_SHARED nor VM_MAYWRITE (VmFlags "rd mr me ms" on Linux 6.18). */
START_TEST(test_layout_sysv_shm)
{
	struct vmsh_vma_info vi;
	struct last l = { 0 };
	struct vmsh_fault f;
	uint64_t a, b, c, done;
	uint8_t byte = 0;

	ck_assert_int_eq(vmsh_layout_shm(sys, 7, 0x1234, 10000), 0);
	ck_assert_int_eq(vmsh_layout_shm(sys, 7, 0, 4096), -EEXIST);
	ck_assert_int_eq(vmsh_layout_shm(sys, 8, 0, 0), -EINVAL);
	ck_assert_int_eq(vmsh_layout_shm(sys, -1, 0, 4096), -EINVAL);
	ck_assert_int_eq(vmsh_layout_shmat(sys, 9, 0, false, &a), -EINVAL);
	ck_assert_int_eq(vmsh_layout_shmat(sys, 7, T_BASE + 1, false, &a), -EINVAL);
	ck_assert_int_eq(vmsh_layout_shmat(sys, 7, T_BASE, false, &a), 0);
	ck_assert_uint_eq(a, T_BASE);
	/* no SHM_REMAP: an attach over a mapping is EINVAL */
	ck_assert_int_eq(vmsh_layout_shmat(sys, 7, T_BASE + 0x2000, false, &b), -EINVAL);
	ck_assert_int_eq(vmsh_layout_shmat(sys, 7, 0, true, &b), 0);
	ck_assert_int_eq(vmsh_layout_shmat(sys, 7, T_BASE + 0x3000, false, &c), 0);
	t_check(sys);
	ck_assert_int_eq(vmsh_vma_walk(sys, 0, collect, &l), 0);
	vi = l.v[0];
	ck_assert_str_eq(vi.name, "/SYSV00001234 (deleted)");
	ck_assert_uint_eq(vi.end - vi.start, 0x3000);      /* 10000 bytes */
	ck_assert_uint_eq(vi.dev_major, 0);
	ck_assert_uint_eq(vi.dev_minor, 1);
	ck_assert_uint_eq(vi.ino, 7);
	ck_assert_uint_eq(vi.flags & (VM_SHARED | VM_MAYSHARE | VM_WRITE | VM_MAYWRITE),
			  VM_SHARED | VM_MAYSHARE | VM_WRITE | VM_MAYWRITE);
	/* the two read-write attaches touch but never merge (pgoff 0 each) */
	ck_assert_uint_eq(l.v[1].start, T_BASE + 0x3000);
	ck_assert_uint_eq(l.v[1].pgoff, 0);
	/* the read-only one, placed top-down */
	vi = l.v[l.n - 2];
	ck_assert_uint_eq(vi.start, b);
	ck_assert_uint_eq(vi.flags & (VM_SHARED | VM_MAYSHARE | VM_WRITE | VM_MAYWRITE),
			  VM_MAYSHARE);
	ck_assert_int_eq(vmsh_mprotect(sys, b, 0x1000, VMSH_PROT_READ | VMSH_PROT_WRITE),
			 -EACCES);
	/* one segment: a write through one attach is read through the others */
	ck_assert_int_eq(vmsh_write(sys, T_BASE + 5, NULL, 0x5a, 1, &done, &f), 0);
	ck_assert_int_eq(vmsh_read(sys, b + 5, &byte, 1, &done, &f), 0);
	ck_assert_uint_eq(byte, 0x5a);
	ck_assert_int_eq(vmsh_write(sys, b, NULL, 1, 1, &done, &f), 1);
	ck_assert_int_eq(f.signo, SIGSEGV);
	ck_assert_int_eq(vmsh_munmap(sys, T_BASE, 0x6000), 0);
	t_check(sys);
}
END_TEST

static uint64_t shmem_kb(void)
{
	struct vmsh_meminfo mi;

	vmsh_meminfo(sys, &mi);
	return mi.shmem;
}

/* shm.c: IPC_RMID marks an attached segment (name and maps unchanged, its
 * id still attachable); it goes with its pages when the last attach does
 * (munmap, execve, exit), as Linux 6.18 does (golden 26-layout-shm-rmid). */
START_TEST(test_layout_sysv_rmid)
{
	struct vmsh_vma_info vi;
	struct last l = { 0 };
	struct vmsh_fault f;
	uint64_t a, b, done;
	int c1, c2;

	ck_assert_int_eq(vmsh_layout_shm_rmid(sys, 7), -EINVAL);
	ck_assert_int_eq(vmsh_layout_shm(sys, 7, 0x1234, 8192), 0);
	ck_assert_int_eq(vmsh_layout_shmat(sys, 7, T_BASE, false, &a), 0);
	ck_assert_int_eq(vmsh_write(sys, T_BASE, NULL, 1, 1, &done, &f), 0);
	ck_assert_uint_eq(shmem_kb(), 4);
	ck_assert_int_eq(vmsh_layout_shm_rmid(sys, 7), 0);
	ck_assert_int_eq(vmsh_layout_shm_rmid(sys, 7), 0);     /* again: 0 */
	ck_assert_int_eq(vmsh_layout_shmat(sys, 7, T_BASE + 0x4000, false, &b), 0);
	ck_assert_int_eq(vmsh_vma_walk(sys, 0, collect, &l), 0);
	vi = l.v[0];
	ck_assert_str_eq(vi.name, "/SYSV00001234 (deleted)");
	ck_assert_uint_eq(vi.ino, 7);
	ck_assert_int_eq(vmsh_fork(sys, &c1), 0);
	ck_assert_int_eq(vmsh_fork(sys, &c2), 0);
	ck_assert_int_eq(vmsh_munmap(sys, T_BASE, 0x6000), 0);
	t_check(sys);
	ck_assert_uint_eq(shmem_kb(), 4);       /* the children attach it */
	ck_assert_int_eq(vmsh_switch(sys, c1, -1), 0);
	ck_assert_int_eq(vmsh_execve(sys), 0);
	ck_assert_uint_eq(shmem_kb(), 4);
	ck_assert_int_eq(vmsh_layout_shmat(sys, 7, 0, false, &b), 0);
	ck_assert_int_eq(vmsh_munmap(sys, b, 0x2000), 0);
	ck_assert_int_eq(vmsh_kill(sys, c2), 0);
	t_check(sys);
	ck_assert_uint_eq(shmem_kb(), 0);       /* gone, pages and all */
	ck_assert_int_eq(vmsh_layout_shmat(sys, 7, 0, false, &b), -EINVAL);
	ck_assert_int_eq(vmsh_layout_shm_rmid(sys, 7), -EINVAL);
	/* no attach: gone at once */
	ck_assert_int_eq(vmsh_layout_shm(sys, 8, 0, 4096), 0);
	ck_assert_int_eq(vmsh_layout_shm_rmid(sys, 8), 0);
	ck_assert_int_eq(vmsh_layout_shmat(sys, 8, 0, false, &b), -EINVAL);
	/* the id can be made again */
	ck_assert_int_eq(vmsh_layout_shm(sys, 8, 0, 4096), 0);
	t_check(sys);
}
END_TEST

Suite *layout_suite(void)
{
	Suite *s = suite_create("layout");
	TCase *tc = t_tcase(s, "layout", setup, teardown);

	tcase_add_test(tc, test_layout_stack_moves);
	tcase_add_test(tc, test_layout_stack_in_the_way);
	tcase_add_test(tc, test_layout_brk_and_base);
	tcase_add_test(tc, test_layout_special_flags_and_gate);
	tcase_add_test(tc, test_layout_path_files);
	tcase_add_test(tc, test_layout_sysv_shm);
	tcase_add_test(tc, test_layout_sysv_rmid);
	return s;
}
