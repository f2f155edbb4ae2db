/* SPDX-License-Identifier: MIT */
/*
 * vma.c: the tree + list, find_vma, anon_vma reuse, and the merge/split
 * rules of mm/vma.c (6.16+ anon_vma compatibility).  Expected layouts were
 * checked against Linux 6.18 with small probes (see tests/golden).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "anon_vma.h"
#include "mm.h"
#include "suites.h"
#include "sys.h"
#include "vm_flags.h"
#include "vma.h"
#include "vmsh-test.h"

static struct vmsh_sys *sys;

static void setup(void) { sys = t_sys_new(); }
static void teardown(void) { t_sys_free(&sys); }

START_TEST(test_vma_find_vma_returns_first_ending_above)
{
	t_mmap(sys, T_BASE + 4 * T_PG, T_PG, T_RW, T_FIXED, 0);
	t_mmap(sys, T_BASE + 8 * T_PG, T_PG, VMSH_PROT_READ, T_FIXED, 0);
	ck_assert_uint_eq(find_vma(t_mm(sys), T_BASE)->vm_start, T_BASE + 4 * T_PG);
	ck_assert_uint_eq(find_vma(t_mm(sys), T_BASE + 5 * T_PG)->vm_start,
			  T_BASE + 8 * T_PG);
	ck_assert_uint_eq(find_vma(t_mm(sys), T_BASE + 4 * T_PG + 1)->vm_start,
			  T_BASE + 4 * T_PG);
	ck_assert_ptr_null(find_vma(t_mm(sys), 0x7ffffffff000ULL));
}
END_TEST

START_TEST(test_vma_merge_adjacent_anonymous_mmaps)
{
	t_mmap(sys, T_BASE, 2 * T_PG, T_RW, T_FIXED, 0);
	t_mmap(sys, T_BASE + 2 * T_PG, 2 * T_PG, T_RW, T_FIXED, 0);
	t_range(sys, T_BASE, T_BASE, T_BASE + 4 * T_PG);
	/* and a middle piece joins both sides */
	t_mmap(sys, T_BASE + 6 * T_PG, T_PG, T_RW, T_FIXED, 0);
	t_mmap(sys, T_BASE + 4 * T_PG, 2 * T_PG, T_RW, T_FIXED, 0);
	t_range(sys, T_BASE, T_BASE, T_BASE + 7 * T_PG);
	ck_assert_uint_eq(t_mm(sys)->map_count, 2);   /* + [stack] */
}
END_TEST

START_TEST(test_vma_merge_refuses_different_flags)
{
	t_mmap(sys, T_BASE, T_PG, T_RW, T_FIXED, 0);
	t_mmap(sys, T_BASE + T_PG, T_PG, VMSH_PROT_READ, T_FIXED, 0);
	t_range(sys, T_BASE, T_BASE, T_BASE + T_PG);
	/* VM_NORESERVE counts */
	t_mmap(sys, T_BASE + 2 * T_PG, T_PG, VMSH_PROT_READ,
	       T_FIXED | VMSH_MAP_NORESERVE, 0);
	t_range(sys, T_BASE + 2 * T_PG, T_BASE + 2 * T_PG, T_BASE + 3 * T_PG);
}
END_TEST

START_TEST(test_vma_merge_refuses_different_anon_vma)
{
	t_mmap(sys, T_BASE, T_PG, T_RW, T_FIXED, 0);
	t_fault(sys, T_BASE);
	t_mmap(sys, T_BASE + 2 * T_PG, T_PG, T_RW, T_FIXED, 0);
	t_fault(sys, T_BASE + 2 * T_PG);
	ck_assert_ptr_ne(t_vma(sys, T_BASE)->anon_vma,
			 t_vma(sys, T_BASE + 2 * T_PG)->anon_vma);
	/* the hole joins one side only: prev and next anon_vmas differ */
	t_mmap(sys, T_BASE + T_PG, T_PG, T_RW, T_FIXED, 0);
	t_range(sys, T_BASE, T_BASE, T_BASE + 2 * T_PG);
	t_range(sys, T_BASE + 2 * T_PG, T_BASE + 2 * T_PG, T_BASE + 3 * T_PG);
}
END_TEST

START_TEST(test_vma_merge_faulted_with_unfaulted_neighbour)
{
	/* >= 6.16: an unfaulted range merges into a faulted neighbour */
	t_mmap(sys, T_BASE, T_PG, T_RW, T_FIXED, 0);
	t_fault(sys, T_BASE);
	t_mmap(sys, T_BASE + T_PG, T_PG, T_RW, T_FIXED, 0);
	t_range(sys, T_BASE, T_BASE, T_BASE + 2 * T_PG);
	/* and mprotect of a faulted VMA next to an unfaulted one */
	t_mmap(sys, T_BASE + 4 * T_PG, T_PG, VMSH_PROT_READ, T_FIXED, 0);
	t_mmap(sys, T_BASE + 5 * T_PG, T_PG, T_RW, T_FIXED, 0);
	t_fault(sys, T_BASE + 5 * T_PG);
	ck_assert_int_eq(vmsh_mprotect(sys, T_BASE + 5 * T_PG, T_PG,
				       VMSH_PROT_READ), 0);
	t_check(sys);
	/* read-only now but still accounted (it has an anon_vma) */
	t_range(sys, T_BASE + 5 * T_PG, T_BASE + 5 * T_PG, T_BASE + 6 * T_PG);
	ck_assert(t_vma(sys, T_BASE + 5 * T_PG)->vm_flags & VM_ACCOUNT);
}
END_TEST

START_TEST(test_vma_merge_refuses_inherited_anon_vma)
{
	struct vmsh_vma *v;

	t_mmap(sys, T_BASE, T_PG, T_RW, T_FIXED, 0);
	t_fault(sys, T_BASE);
	v = t_vma(sys, T_BASE);
	/* as fork leaves a child's VMA: an anon_vma with uncowed parents */
	v->anon_vma->inherited = true;
	t_mmap(sys, T_BASE + T_PG, T_PG, T_RW, T_FIXED, 0);
	t_range(sys, T_BASE, T_BASE, T_BASE + T_PG);
	t_range(sys, T_BASE + T_PG, T_BASE + T_PG, T_BASE + 2 * T_PG);
	v->anon_vma->inherited = false;
}
END_TEST

START_TEST(test_vma_merge_refuses_nonlinear_pgoff)
{
	uint64_t out;

	/* a faulted VMA moved by mremap keeps its pgoff */
	t_mmap(sys, T_BASE + 16 * T_PG, T_PG, T_RW, T_FIXED, 0);
	t_fault(sys, T_BASE + 16 * T_PG);
	t_mmap(sys, T_BASE, T_PG, T_RW, T_FIXED, 0);
	ck_assert_int_eq(vmsh_mremap(sys, T_BASE + 16 * T_PG, T_PG, T_PG,
				     VMSH_MREMAP_MAYMOVE | VMSH_MREMAP_FIXED,
				     T_BASE + T_PG, &out), 0);
	t_check(sys);
	t_range(sys, T_BASE, T_BASE, T_BASE + T_PG);
	ck_assert_uint_eq(t_vma(sys, T_BASE + T_PG)->vm_pgoff,
			  (T_BASE + 16 * T_PG) >> 12);
	/* an unfaulted one gets new_addr >> 12 and merges */
	t_mmap(sys, T_BASE + 20 * T_PG, T_PG, T_RW, T_FIXED, 0);
	t_mmap(sys, T_BASE + 30 * T_PG, T_PG, T_RW, T_FIXED, 0);
	ck_assert_int_eq(vmsh_mremap(sys, T_BASE + 30 * T_PG, T_PG, T_PG,
				     VMSH_MREMAP_MAYMOVE | VMSH_MREMAP_FIXED,
				     T_BASE + 21 * T_PG, &out), 0);
	t_check(sys);
	t_range(sys, T_BASE + 20 * T_PG, T_BASE + 20 * T_PG, T_BASE + 22 * T_PG);
}
END_TEST

START_TEST(test_vma_split_pgoff_arithmetic)
{
	struct vmsh_vma *v;

	t_mmap(sys, T_BASE, 8 * T_PG, T_RW, T_FIXED, 0);
	ck_assert_int_eq(vmsh_mprotect(sys, T_BASE + 2 * T_PG, 3 * T_PG,
				       VMSH_PROT_READ), 0);
	t_check(sys);
	v = t_vma(sys, T_BASE + 2 * T_PG);
	ck_assert_uint_eq(v->vm_pgoff, (T_BASE >> 12) + 2);
	v = t_vma(sys, T_BASE + 5 * T_PG);
	ck_assert_uint_eq(v->vm_pgoff, (T_BASE >> 12) + 5);
	ck_assert_uint_eq(v->vm_start, T_BASE + 5 * T_PG);
	/* back to rw-: all three merge again */
	ck_assert_int_eq(vmsh_mprotect(sys, T_BASE + 2 * T_PG, 3 * T_PG, T_RW), 0);
	t_check(sys);
	t_range(sys, T_BASE, T_BASE, T_BASE + 8 * T_PG);
}
END_TEST

START_TEST(test_vma_split_fails_at_max_map_count)
{
	struct vmsh_config cfg = *vmsh_sys_config(sys);

	t_mmap(sys, T_BASE, 8 * T_PG, T_RW, T_FIXED, 0);
	cfg.max_map_count = 2;           /* [stack] + this one */
	ck_assert_int_eq(vmsh_sys_set_config(sys, &cfg), 0);
	ck_assert_int_eq(vmsh_mprotect(sys, T_BASE, T_PG, VMSH_PROT_READ), -ENOMEM);
	/* munmap: a two-way split may go past the limit, a three-way not */
	ck_assert_int_eq(vmsh_munmap(sys, T_BASE + 2 * T_PG, T_PG), -ENOMEM);
	t_check(sys);
	ck_assert_int_eq(vmsh_munmap(sys, T_BASE, T_PG), 0);
	t_check(sys);
	t_range(sys, T_BASE + T_PG, T_BASE + T_PG, T_BASE + 8 * T_PG);
	/* do_mmap refuses only when map_count > max */
	t_mmap(sys, T_BASE + 20 * T_PG, T_PG, T_RW, T_FIXED, 0);
	t_mmap(sys, T_BASE + 40 * T_PG, T_PG, T_RW, T_FIXED, -ENOMEM);
}
END_TEST

START_TEST(test_vma_anon_vma_prepare_reuses_neighbour)
{
	t_mmap(sys, T_BASE, T_PG, T_RW, T_FIXED, 0);
	t_fault(sys, T_BASE);
	t_mmap(sys, T_BASE + T_PG, T_PG, VMSH_PROT_READ, T_FIXED, 0);
	/* differs only in VM_WRITE|VM_ACCOUNT?  No: ACCOUNT differs too */
	t_fault(sys, T_BASE + T_PG);
	ck_assert_ptr_ne(t_vma(sys, T_BASE)->anon_vma,
			 t_vma(sys, T_BASE + T_PG)->anon_vma);
	/* an exec neighbour differs only in VM_EXEC: reused */
	t_mmap(sys, T_BASE + 4 * T_PG, T_PG, T_RW, T_FIXED, 0);
	t_fault(sys, T_BASE + 4 * T_PG);
	t_mmap(sys, T_BASE + 5 * T_PG, T_PG, T_RW | VMSH_PROT_EXEC, T_FIXED, 0);
	t_fault(sys, T_BASE + 5 * T_PG);
	ck_assert_ptr_eq(t_vma(sys, T_BASE + 4 * T_PG)->anon_vma,
			 t_vma(sys, T_BASE + 5 * T_PG)->anon_vma);
	/* so after mprotect they merge */
	ck_assert_int_eq(vmsh_mprotect(sys, T_BASE + 5 * T_PG, T_PG, T_RW), 0);
	t_check(sys);
	t_range(sys, T_BASE + 4 * T_PG, T_BASE + 4 * T_PG, T_BASE + 6 * T_PG);
}
END_TEST

START_TEST(test_vma_random_ops_keep_invariants)
{
	unsigned seed = 12345;
	int i, r, ok[6] = { 0 };

	for (i = 0; i < 800; i++) {
		uint64_t a, l, out;
		int op;

		seed = seed * 1103515245u + 12345u;
		op = (seed >> 16) % 6;
		a = T_BASE + ((seed >> 4) % 64) * T_PG;
		l = (1 + (seed >> 20) % 6) * T_PG;
		switch (op) {
		case 0:
			r = vmsh_mmap(sys, a, l, (seed >> 8) % 8, T_FIXED, NULL, 0,
				      &out);
			break;
		case 1:
			r = vmsh_munmap(sys, a, l);
			break;
		case 2:
			r = vmsh_mprotect(sys, a, l, (seed >> 8) % 8);
			break;
		case 3:
			r = vmsh_mremap(sys, a, l, l + T_PG * ((seed >> 9) % 3),
					(seed & 1) ? 3 : 0,
					T_BASE + ((seed >> 11) % 64) * T_PG, &out);
			break;
		case 4:
			r = vmsh_madvise(sys, a, l, (seed & 2) ? VMSH_MADV_DONTFORK :
					 VMSH_MADV_DOFORK);
			break;
		default: {
			struct vmsh_vma *v = find_vma(t_mm(sys), a);

			r = v && v->vm_start <= a ? anon_vma_prepare(v) : -1;
		}
		}
		ok[op] += r == 0;
		t_check(sys);
	}
	/* the run did something of every kind, not only fail */
	for (i = 0; i < 6; i++)
		ck_assert_msg(ok[i] > 0, "operation %d never succeeded", i);
}
END_TEST

/* A broken invariant is a bug: vmsh_check, for the `check` command,
 * reports it; validate_sys, what runs after every change, aborts. */
START_TEST(test_vma_broken_invariant_aborts)
{
	char buf[128];

	t_mm(sys)->map_count++;
	ck_assert_int_eq(vmsh_check(sys, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "mm 1: map_count 2, but 1 VMAs");
	validate_sys(sys);      /* SIGABRT */
}
END_TEST

Suite *vma_suite(void)
{
	Suite *s = suite_create("vma");
	TCase *tc;

	tc = t_tcase(s, "find", setup, teardown);
	tcase_add_test(tc, test_vma_find_vma_returns_first_ending_above);
	tc = t_tcase(s, "merge", setup, teardown);
	tcase_add_test(tc, test_vma_merge_adjacent_anonymous_mmaps);
	tcase_add_test(tc, test_vma_merge_refuses_different_flags);
	tcase_add_test(tc, test_vma_merge_refuses_different_anon_vma);
	tcase_add_test(tc, test_vma_merge_faulted_with_unfaulted_neighbour);
	tcase_add_test(tc, test_vma_merge_refuses_inherited_anon_vma);
	tcase_add_test(tc, test_vma_merge_refuses_nonlinear_pgoff);
	tc = t_tcase(s, "split", setup, teardown);
	tcase_add_test(tc, test_vma_split_pgoff_arithmetic);
	tcase_add_test(tc, test_vma_split_fails_at_max_map_count);
	tc = t_tcase(s, "anon-vma", setup, teardown);
	tcase_add_test(tc, test_vma_anon_vma_prepare_reuses_neighbour);
	tc = t_tcase(s, "random", setup, teardown);
	tcase_add_test(tc, test_vma_random_ops_keep_invariants);
	tc = t_tcase(s, "invariants", setup, teardown);
	tcase_add_test_raise_signal(tc, test_vma_broken_invariant_aborts, SIGABRT);
	return s;
}
