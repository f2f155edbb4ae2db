/* SPDX-License-Identifier: MIT */
/*
 * mmap.c, mprotect.c, mremap.c, brk.c: placement, errnos and the
 * per-call rules, with the figures Linux 6.18 gave for the same calls.
 */
#include "config.h"

#include <check.h>
#include <errno.h>

#include "suites.h"
#include "sys.h"
#include "vm_flags.h"
#include "vma.h"
#include "views.h"
#include "vmsh-test.h"

static struct vmsh_sys *sys;

static void setup(void) { sys = t_sys_new(); }
static void teardown(void) { t_sys_free(&sys); }

START_TEST(test_mmap_initial_layout)
{
	struct vmsh_mm_info mi;
	struct vmsh_vma_info vi;

	ck_assert_int_eq(vmsh_mm_info(sys, 0, &mi), 0);
	ck_assert_uint_eq(mi.task_size, 0x7ffffffff000ULL);
	ck_assert_uint_eq(mi.mmap_base, 0x7ffff7fff000ULL);
	ck_assert_uint_eq(mi.start_brk, 0x555555559000ULL);
	ck_assert_uint_eq(mi.brk, 0x555555559000ULL);
	ck_assert_int_eq(mi.mm_users, 1);
	ck_assert_int_eq(mi.mm_count, 1);
	ck_assert(t_vma_nth(sys, 0, 0, &vi));
	ck_assert_uint_eq(vi.start, 0x7ffffffde000ULL);
	ck_assert_uint_eq(vi.end, 0x7ffffffff000ULL);
	ck_assert_str_eq(vi.name, "[stack]");
	ck_assert_uint_eq(vi.flags, VM_STACK_FLAGS);
	ck_assert(!t_vma_nth(sys, 0, 1, &vi));
	t_check(sys);
}
END_TEST

START_TEST(test_mmap_vmflags_mnemonics)
{
	char buf[128];

	fmt_vmflags(VM_STACK_FLAGS, buf, sizeof(buf));
	ck_assert_str_eq(buf, "rd wr mr mw me gd ac ");
	fmt_vmflags(VM_READ | VM_WRITE | VM_SHARED | VM_MAYREAD |
			 VM_MAYWRITE | VM_MAYEXEC | VM_MAYSHARE, buf, sizeof(buf));
	ck_assert_str_eq(buf, "rd wr sh mr mw me ms ");
	fmt_vmflags(VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP, buf,
			 sizeof(buf));
	ck_assert_str_eq(buf, "pf io de dd ");
}
END_TEST

START_TEST(test_mmap_topdown_packs_and_merges)
{
	uint64_t a, b;

	a = t_mmap(sys, 0, T_PG, T_RW, T_ANON, 0);
	ck_assert_uint_eq(a, 0x7ffff7fff000ULL - T_PG);
	b = t_mmap(sys, 0, 2 * T_PG, T_RW, T_ANON, 0);
	ck_assert_uint_eq(b, a - 2 * T_PG);
	t_range(sys, b, b, a + T_PG);
}
END_TEST

START_TEST(test_mmap_thp_alignment_for_2m_multiples)
{
	uint64_t a, c, d;

	a = t_mmap(sys, 0, T_PG, T_RW, T_ANON, 0);
	/* gap end a: padded search for 4M, rounded up to 2M */
	c = t_mmap(sys, 0, 2 << 20, T_RW, T_ANON, 0);
	ck_assert_uint_eq(c & ((2 << 20) - 1), 0);
	ck_assert_uint_eq(c, (a - (2 << 20)) & ~((2ULL << 20) - 1));
	/* gap end aligned: ret + 2M, right below */
	d = t_mmap(sys, 0, 4 << 20, T_RW, T_ANON, 0);
	ck_assert_uint_eq(d, c - (4 << 20));
	/* not a multiple: no alignment */
	ck_assert_uint_ne(t_mmap(sys, 0, (2 << 20) + T_PG, T_RW, T_ANON, 0) &
			  ((2 << 20) - 1), 0);
}
END_TEST

START_TEST(test_mmap_hint_honoured_when_free)
{
	ck_assert_uint_eq(t_mmap(sys, T_BASE, T_PG, T_RW, T_ANON, 0), T_BASE);
	/* occupied: top-down instead */
	ck_assert_uint_eq(t_mmap(sys, T_BASE, T_PG, T_RW, T_ANON, 0),
			  0x7ffff7fff000ULL - T_PG);
	/* unaligned hint rounds down; a low one rises to mmap_min_addr */
	ck_assert_uint_eq(t_mmap(sys, T_BASE + 0x400123, T_PG, T_RW, T_ANON, 0),
			  T_BASE + 0x400000);
	ck_assert_uint_eq(t_mmap(sys, 0x1000, T_PG, T_RW, T_ANON, 0), 0x10000);
}
END_TEST

START_TEST(test_mmap_stack_guard_gap)
{
	uint64_t stack = 0x7ffffffff000ULL - (132 << 10);

	/* a hint that would end inside the guard gap is refused */
	ck_assert_uint_ne(t_mmap(sys, stack - T_PG, T_PG, T_RW, T_ANON, 0),
			  stack - T_PG);
	ck_assert_uint_eq(t_mmap(sys, stack - (256 * T_PG) - T_PG, T_PG, T_RW,
				 T_ANON, 0), stack - (256 * T_PG) - T_PG);
}
END_TEST

START_TEST(test_mmap_errnos_in_linux_order)
{
	uint64_t out;

	t_mmap(sys, T_BASE, 0, T_RW, T_ANON, -EINVAL);
	t_mmap(sys, 0, ~0ULL, T_RW, T_ANON, -ENOMEM);
	t_mmap(sys, 0, 1ULL << 47, T_RW, T_ANON, -ENOMEM);
	t_mmap(sys, T_BASE + 1, T_PG, T_RW, T_FIXED, -EINVAL);
	t_mmap(sys, 0x7ffffffff000ULL, T_PG, T_RW, T_FIXED, -ENOMEM);
	t_mmap(sys, 0x7ffffffff001ULL, T_PG, T_RW, T_FIXED, -ENOMEM);
	t_mmap(sys, 0x3000, T_PG, T_RW, T_FIXED, -EPERM);
	t_mmap(sys, 0, T_PG, T_RW, VMSH_MAP_ANONYMOUS, -EINVAL);
	t_mmap(sys, 0, T_PG, T_RW, T_ANON | VMSH_MAP_SHARED, -EINVAL);
	t_mmap(sys, 0, T_PG, T_RW, VMSH_MAP_SHARED | VMSH_MAP_ANONYMOUS |
	       VMSH_MAP_GROWSDOWN, -EINVAL);
	ck_assert_int_eq(vmsh_mmap(sys, 0, T_PG, T_RW, T_ANON, NULL, 4095, &out),
			 -EINVAL);
	ck_assert_int_eq(vmsh_mmap(sys, 0, T_PG, T_RW, VMSH_MAP_PRIVATE,
				   "nosuchfile", 0, &out), -EBADF);
	t_mmap(sys, T_BASE, T_PG, T_RW, T_FIXED, 0);
	t_mmap(sys, T_BASE, 2 * T_PG, T_RW, T_ANON | VMSH_MAP_FIXED_NOREPLACE,
	       -EEXIST);
}
END_TEST

START_TEST(test_mmap_fixed_replaces_and_splits)
{
	t_mmap(sys, T_BASE, 8 * T_PG, VMSH_PROT_READ, T_FIXED, 0);
	t_mmap(sys, T_BASE + 2 * T_PG, 2 * T_PG, T_RW, T_FIXED, 0);
	t_range(sys, T_BASE, T_BASE, T_BASE + 2 * T_PG);
	t_range(sys, T_BASE + 2 * T_PG, T_BASE + 2 * T_PG, T_BASE + 4 * T_PG);
	t_range(sys, T_BASE + 4 * T_PG, T_BASE + 4 * T_PG, T_BASE + 8 * T_PG);
	ck_assert_uint_eq(t_vma(sys, T_BASE + 4 * T_PG)->vm_pgoff,
			  (T_BASE >> 12) + 4);
	/* shared anonymous: pgoff 0, its own file, never merges */
	t_mmap(sys, T_BASE + 16 * T_PG, T_PG, T_RW,
	       VMSH_MAP_SHARED | VMSH_MAP_ANONYMOUS | VMSH_MAP_FIXED, 0);
	t_mmap(sys, T_BASE + 17 * T_PG, T_PG, T_RW,
	       VMSH_MAP_SHARED | VMSH_MAP_ANONYMOUS | VMSH_MAP_FIXED, 0);
	t_range(sys, T_BASE + 16 * T_PG, T_BASE + 16 * T_PG, T_BASE + 17 * T_PG);
	ck_assert_uint_eq(t_vma(sys, T_BASE + 17 * T_PG)->vm_pgoff, 0);
}
END_TEST

/* An address at or above 2^63 is an address, not an error (issue 14):
 * MAP_FIXED there is ENOMEM, as get_unmapped_area's check against
 * TASK_SIZE says, and nothing is inserted. */
START_TEST(test_mmap_fixed_above_2_63_is_enomem)
{
	static const uint64_t addrs[] = { 0x8000000000000000ULL,
		0xffff800000000000ULL, 0xfffffffffffff000ULL };
	struct vmsh_mm *mm = t_mm(sys);
	uint64_t count = mm->map_count, out = 1;

	for (unsigned i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		t_mmap(sys, addrs[i], T_PG, T_RW, T_FIXED, -ENOMEM);
		t_mmap(sys, addrs[i], T_PG, T_RW,
		       T_ANON | VMSH_MAP_FIXED_NOREPLACE, -ENOMEM);
		ck_assert_int_eq(get_unmapped_area(mm, NULL, addrs[i], T_PG, 0,
						   VMSH_MAP_FIXED, 0, &out),
				 -ENOMEM);
		ck_assert_uint_eq(mm->map_count, count);
	}
	ck_assert_uint_eq(out, 1);      /* no address on failure */
	/* ... but the last page's last bytes read as an error code
	 * (IS_ERR_VALUE in __get_unmapped_area): 2^64 - 1 is -EPERM, as
	 * Linux 6.18 answers mmap(-1, 4096, ..., MAP_FIXED) */
	t_mmap(sys, ~0ULL, T_PG, T_RW, T_FIXED, -EPERM);
	t_mmap(sys, ~0ULL, 2 * T_PG, T_RW, T_ANON | VMSH_MAP_FIXED_NOREPLACE,
	       -EPERM);
	t_mmap(sys, 0xfffffffffffff00cULL, T_PG, T_RW, T_FIXED, -4084);
	ck_assert_uint_eq(mm->map_count, count);
}
END_TEST

START_TEST(test_munmap_errnos)
{
	ck_assert_int_eq(vmsh_munmap(sys, T_BASE + 1, T_PG), -EINVAL);
	ck_assert_int_eq(vmsh_munmap(sys, T_BASE, 0), -EINVAL);
	ck_assert_int_eq(vmsh_munmap(sys, 0x7ffffffff000ULL + T_PG, T_PG), -EINVAL);
	ck_assert_int_eq(vmsh_munmap(sys, T_BASE, 1ULL << 47), -EINVAL);
	ck_assert_int_eq(vmsh_munmap(sys, T_BASE, T_PG), 0);   /* nothing there */
}
END_TEST

START_TEST(test_mprotect_partial_before_hole)
{
	t_mmap(sys, T_BASE, 2 * T_PG, T_RW, T_FIXED, 0);
	t_mmap(sys, T_BASE + 3 * T_PG, T_PG, T_RW, T_FIXED, 0);
	ck_assert_int_eq(vmsh_mprotect(sys, T_BASE + T_PG, 3 * T_PG,
				       VMSH_PROT_READ), -ENOMEM);
	t_check(sys);
	/* the part before the hole changed, the part after did not */
	ck_assert_uint_eq(t_vma(sys, T_BASE + T_PG)->vm_flags & VM_WRITE, 0);
	ck_assert(t_vma(sys, T_BASE)->vm_flags & VM_WRITE);
	ck_assert(t_vma(sys, T_BASE + 3 * T_PG)->vm_flags & VM_WRITE);
	/* no VMA at start */
	ck_assert_int_eq(vmsh_mprotect(sys, T_BASE + 2 * T_PG, T_PG, 1), -ENOMEM);
	ck_assert_int_eq(vmsh_mprotect(sys, T_BASE + 1, T_PG, 1), -EINVAL);
	ck_assert_int_eq(vmsh_mprotect(sys, T_BASE, 0, 1), 0);
	ck_assert_int_eq(vmsh_mprotect(sys, T_BASE, T_PG, 0x10), -EINVAL);
	ck_assert_int_eq(vmsh_mprotect(sys, T_BASE, ~0ULL - T_PG, 1), -ENOMEM);
}
END_TEST

START_TEST(test_mprotect_account_rules)
{
	struct vmsh_vma *v;

	t_mmap(sys, T_BASE, T_PG, VMSH_PROT_READ, T_FIXED, 0);
	ck_assert_uint_eq(t_vma(sys, T_BASE)->vm_flags & VM_ACCOUNT, 0);
	ck_assert_int_eq(vmsh_mprotect(sys, T_BASE, T_PG, T_RW), 0);
	ck_assert(t_vma(sys, T_BASE)->vm_flags & VM_ACCOUNT);
	/* never faulted: read-only again drops VM_ACCOUNT */
	ck_assert_int_eq(vmsh_mprotect(sys, T_BASE, T_PG, VMSH_PROT_READ), 0);
	ck_assert_uint_eq(t_vma(sys, T_BASE)->vm_flags & VM_ACCOUNT, 0);
	/* missing VM_MAYWRITE: EACCES */
	v = t_vma(sys, T_BASE);
	v->vm_flags &= ~VM_MAYWRITE;
	ck_assert_int_eq(vmsh_mprotect(sys, T_BASE, T_PG, T_RW), -EACCES);
	t_check(sys);
}
END_TEST

START_TEST(test_mremap_shrink_grow_move)
{
	uint64_t out;

	t_mmap(sys, T_BASE, 4 * T_PG, T_RW, T_FIXED, 0);
	ck_assert_int_eq(vmsh_mremap(sys, T_BASE, 4 * T_PG, 2 * T_PG, 0, 0, &out), 0);
	ck_assert_uint_eq(out, T_BASE);
	t_range(sys, T_BASE, T_BASE, T_BASE + 2 * T_PG);
	ck_assert_int_eq(vmsh_mremap(sys, T_BASE, 2 * T_PG, 6 * T_PG, 0, 0, &out), 0);
	t_range(sys, T_BASE, T_BASE, T_BASE + 6 * T_PG);
	t_mmap(sys, T_BASE + 6 * T_PG, T_PG, VMSH_PROT_READ, T_FIXED, 0);
	ck_assert_int_eq(vmsh_mremap(sys, T_BASE, 6 * T_PG, 8 * T_PG, 0, 0, &out),
			 -ENOMEM);
	ck_assert_int_eq(vmsh_mremap(sys, T_BASE, 6 * T_PG, 8 * T_PG,
				     VMSH_MREMAP_MAYMOVE, 0, &out), 0);
	t_check(sys);
	ck_assert_uint_eq(out, 0x7ffff7fff000ULL - 8 * T_PG);
	ck_assert_int_eq(vmsh_mremap(sys, T_BASE, T_PG, T_PG, 0, 0, &out), -EFAULT);
	ck_assert_int_eq(vmsh_mremap(sys, T_BASE + 1, T_PG, T_PG, 0, 0, &out), -EINVAL);
	ck_assert_int_eq(vmsh_mremap(sys, out, T_PG, 0, 0, 0, &out), -EINVAL);
	ck_assert_int_eq(vmsh_mremap(sys, T_BASE + 6 * T_PG, T_PG, T_PG,
				     VMSH_MREMAP_FIXED, T_BASE, &out), -EINVAL);
	ck_assert_int_eq(vmsh_mremap(sys, T_BASE + 6 * T_PG, T_PG, 2 * T_PG, 0, 0,
				     &out), 0);
	ck_assert_int_eq(vmsh_mremap(sys, T_BASE + 6 * T_PG, 3 * T_PG, 4 * T_PG,
				     0, 0, &out), -EFAULT);
}
END_TEST

START_TEST(test_madvise_flag_advice_splits_and_merges)
{
	t_mmap(sys, T_BASE, 4 * T_PG, T_RW, T_FIXED, 0);
	ck_assert_int_eq(vmsh_madvise(sys, T_BASE + T_PG, T_PG,
				      VMSH_MADV_DONTFORK), 0);
	t_check(sys);
	ck_assert(t_vma(sys, T_BASE + T_PG)->vm_flags & VM_DONTCOPY);
	t_range(sys, T_BASE + T_PG, T_BASE + T_PG, T_BASE + 2 * T_PG);
	ck_assert_int_eq(vmsh_madvise(sys, T_BASE, 4 * T_PG, VMSH_MADV_DOFORK), 0);
	t_check(sys);
	t_range(sys, T_BASE, T_BASE, T_BASE + 4 * T_PG);
	/* a hole: processed, then ENOMEM */
	ck_assert_int_eq(vmsh_madvise(sys, T_BASE, 6 * T_PG,
				      VMSH_MADV_WIPEONFORK), -ENOMEM);
	ck_assert(t_vma(sys, T_BASE)->vm_flags & VM_WIPEONFORK);
	ck_assert_int_eq(vmsh_madvise(sys, T_BASE + 1, T_PG,
				      VMSH_MADV_DONTFORK), -EINVAL);
	ck_assert_int_eq(vmsh_madvise(sys, T_BASE, 0, 99), -EINVAL);
	t_mmap(sys, T_BASE + 8 * T_PG, T_PG, T_RW, T_FIXED | VMSH_MAP_LOCKED, 0);
	ck_assert_int_eq(vmsh_madvise(sys, T_BASE + 8 * T_PG, T_PG,
				      VMSH_MADV_DONTNEED), -EINVAL);
}
END_TEST

START_TEST(test_brk_grows_heap_and_shrinks)
{
	uint64_t out;
	struct vmsh_vma_info vi;

	ck_assert_int_eq(vmsh_brk(sys, 0, &out), 0);
	ck_assert_uint_eq(out, 0x555555559000ULL);
	ck_assert_int_eq(vmsh_brk(sys, 0x555555559000ULL + 0x21000, &out), 0);
	ck_assert_uint_eq(out, 0x55555557a000ULL);
	t_check(sys);
	ck_assert(t_vma_nth(sys, 0, 0, &vi));
	ck_assert_str_eq(vi.name, "[heap]");
	ck_assert_uint_eq(vi.flags, VM_READ | VM_WRITE | VM_MAYREAD |
			  VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT);
	ck_assert_int_eq(vmsh_brk(sys, 0x55555557a000ULL + 0x100, &out), 0);
	t_range(sys, 0x555555559000ULL, 0x555555559000ULL, 0x55555557b000ULL);
	ck_assert_int_eq(vmsh_brk(sys, 0x555555560000ULL, &out), 0);
	t_check(sys);
	t_range(sys, 0x555555559000ULL, 0x555555559000ULL, 0x555555560000ULL);
	/* below start_brk: unchanged */
	ck_assert_int_eq(vmsh_brk(sys, 0x1000, &out), 0);
	ck_assert_uint_eq(out, 0x555555560000ULL);
}
END_TEST

Suite *mmap_suite(void)
{
	Suite *s = suite_create("mmap");
	TCase *tc;

	tc = t_tcase(s, "layout", setup, teardown);
	tcase_add_test(tc, test_mmap_initial_layout);
	tc = t_tcase(s, "vmflags", setup, teardown);
	tcase_add_test(tc, test_mmap_vmflags_mnemonics);
	tc = t_tcase(s, "placement", setup, teardown);
	tcase_add_test(tc, test_mmap_topdown_packs_and_merges);
	tcase_add_test(tc, test_mmap_thp_alignment_for_2m_multiples);
	tcase_add_test(tc, test_mmap_hint_honoured_when_free);
	tcase_add_test(tc, test_mmap_stack_guard_gap);
	tc = t_tcase(s, "errno", setup, teardown);
	tcase_add_test(tc, test_mmap_errnos_in_linux_order);
	tcase_add_test(tc, test_munmap_errnos);
	tcase_add_test(tc, test_mmap_fixed_above_2_63_is_enomem);
	tc = t_tcase(s, "fixed", setup, teardown);
	tcase_add_test(tc, test_mmap_fixed_replaces_and_splits);
	tc = t_tcase(s, "mprotect", setup, teardown);
	tcase_add_test(tc, test_mprotect_partial_before_hole);
	tcase_add_test(tc, test_mprotect_account_rules);
	tc = t_tcase(s, "mremap", setup, teardown);
	tcase_add_test(tc, test_mremap_shrink_grow_move);
	tc = t_tcase(s, "madvise", setup, teardown);
	tcase_add_test(tc, test_madvise_flag_advice_splits_and_merges);
	tc = t_tcase(s, "brk", setup, teardown);
	tcase_add_test(tc, test_brk_grows_heap_and_shrinks);
	return s;
}
