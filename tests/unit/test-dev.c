/* SPDX-License-Identifier: MIT */
/* Devices and their vm_ops (dev.c). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "mm.h"
#include "suites.h"
#include "sys.h"
#include "vm_flags.h"
#include "vma.h"
#include "vmsh-test.h"

#define A T_BASE
#define K 1024ULL

static struct vmsh_sys *sys;

/* 64 MiB, the zero page off, every trace line recorded. */
static void setup(void)
{
	sys = t_sys_make(false, 64ULL << 20);
	t_trace_on(sys);
}
static void teardown(void) { t_sys_free(&sys); }
static void checked(void) { t_check(sys); }

static uint64_t map(uint64_t addr, uint64_t len, int prot, int flags,
		    const char *file, uint64_t off)
{
	uint64_t out = 0;

	ck_assert_int_eq(vmsh_mmap(sys, addr, len, prot, flags | VMSH_MAP_FIXED,
				   file, off, &out), 0);
	checked();
	return out;
}

static struct vmsh_smaps sm(uint64_t addr)
{
	struct vmsh_smaps s;

	ck_assert_int_eq(vmsh_smaps(sys, 0, addr, &s), 0);
	return s;
}

static struct vmsh_vma_info vinfo(size_t i)
{
	struct vmsh_vma_info vi;

	ck_assert(t_vma_nth(sys, 0, i, &vi));
	return vi;
}

START_TEST(test_dev_ls_lists_three)
{
	struct vmsh_dev_info di;

	ck_assert(t_dev_nth(sys, 0, &di));
	ck_assert_str_eq(di.path, "/dev/zero");
	ck_assert(t_dev_nth(sys, 1, &di));
	ck_assert_str_eq(di.path, "/dev/vmsh-pfn");
	ck_assert(t_dev_nth(sys, 2, &di));
	ck_assert_str_eq(di.path, "/dev/vmsh-lazy");
	ck_assert(!t_dev_nth(sys, 3, &di));
}
END_TEST

/* Probe (6.18): private /dev/zero is anonymous but keeps its file:
 * "/dev/zero" dev 00:06 inode 4, offset as given; shared is shmem. */
START_TEST(test_dev_zero_private_is_anonymous)
{
	struct vmsh_vma_info vi;
	struct vmsh_fault f = { 0 };
	uint64_t done;

	map(A, 2 * 4096, VMSH_PROT_READ | VMSH_PROT_WRITE, VMSH_MAP_PRIVATE,
	    "/dev/zero", 8192);
	vi = vinfo(0);
	ck_assert_str_eq(vi.name, "/dev/zero");
	ck_assert_uint_eq(vi.dev_minor, 6);
	ck_assert_uint_eq(vi.ino, 4);
	ck_assert_uint_eq(vi.pgoff, 2);
	ck_assert_int_eq(vmsh_write(sys, A, NULL, 1, 4096, &done, &f), 0);
	checked();
	ck_assert_uint_eq(sm(A).anonymous, 4 * K);
}
END_TEST

/*
 * Linux's vma_is_anonymous() is !vm_ops, so a private /dev/zero VMA obeys
 * the anonymous rules although it keeps its file.  Probe (6.18, --host):
 * mprotect to r-- before any write drops VM_ACCOUNT ("ac"); a move by
 * mremap before any write resets pgoff to the new address; a written one
 * keeps both.
 */
START_TEST(test_dev_zero_private_anonymous_rules)
{
	uint64_t out = 0, done;
	struct vmsh_fault f = { 0 };

	map(A, 4 * 4096, VMSH_PROT_READ | VMSH_PROT_WRITE, VMSH_MAP_PRIVATE,
	    "/dev/zero", 0);
	ck_assert_int_eq(vmsh_mprotect(sys, A + 2 * 4096, 4096, VMSH_PROT_READ), 0);
	checked();
	ck_assert_uint_eq(vinfo(1).start, A + 2 * 4096);
	ck_assert_uint_eq(vinfo(1).flags & VM_ACCOUNT, 0);
	ck_assert_uint_ne(vinfo(0).flags & VM_ACCOUNT, 0);
	ck_assert_int_eq(vmsh_mremap(sys, A, 8192, 8192, VMSH_MREMAP_MAYMOVE |
				     VMSH_MREMAP_FIXED, A + 0x100000, &out), 0);
	checked();
	ck_assert_uint_eq(vinfo(2).pgoff, (A + 0x100000) >> 12);

	map(A + 0x200000, 2 * 4096, VMSH_PROT_READ | VMSH_PROT_WRITE,
	    VMSH_MAP_PRIVATE, "/dev/zero", 0);
	ck_assert_int_eq(vmsh_write(sys, A + 0x200000, NULL, 1, 1, &done, &f), 0);
	ck_assert_int_eq(vmsh_mremap(sys, A + 0x200000, 8192, 8192,
				     VMSH_MREMAP_MAYMOVE | VMSH_MREMAP_FIXED,
				     A + 0x300000, &out), 0);
	checked();
	ck_assert_uint_eq(vinfo(3).start, A + 0x300000);
	ck_assert_uint_eq(vinfo(3).pgoff, 0);
	ck_assert_int_eq(vmsh_mprotect(sys, A + 0x300000, 8192, VMSH_PROT_READ), 0);
	checked();
	ck_assert_uint_ne(vinfo(3).flags & VM_ACCOUNT, 0);
}
END_TEST

/* Probe (6.18, --host): /dev/zero has its own get_unmapped_area, so a
 * fixed same-size mremap (6.17's multi-VMA move) of a private /dev/zero
 * VMA must not run past it: EFAULT, nothing moved. */
START_TEST(test_dev_zero_private_no_multi_move)
{
	uint64_t out = 0;

	map(A + 0x28000, 3 * 4096, VMSH_PROT_READ, VMSH_MAP_PRIVATE,
	    "/dev/zero", 0);
	ck_assert_int_eq(vmsh_mremap(sys, A + 0x2a000, 8192, 8192,
				     VMSH_MREMAP_MAYMOVE | VMSH_MREMAP_FIXED,
				     A + 0x2000, &out), -EFAULT);
	checked();
	ck_assert_uint_eq(vinfo(0).start, A + 0x28000);
	ck_assert_uint_eq(vinfo(0).end, A + 0x2b000);
	ck_assert_int_eq(vmsh_mremap(sys, A + 0x2a000, 4096, 4096,
				     VMSH_MREMAP_MAYMOVE | VMSH_MREMAP_FIXED,
				     A + 0x2000, &out), 0);
	checked();
	ck_assert_uint_eq(out, A + 0x2000);
}
END_TEST

/* Probe (6.18): shared /dev/zero at offset 8192 gets a shmem file of the
 * mapping's size, keeps pgoff 2, so its first access is SIGBUS. */
START_TEST(test_dev_zero_shared_offset_sigbus)
{
	struct vmsh_vma_info vi;
	struct vmsh_fault f = { 0 };

	map(A, 2 * 4096, VMSH_PROT_READ | VMSH_PROT_WRITE, VMSH_MAP_SHARED,
	    "/dev/zero", 8192);
	vi = vinfo(0);
	ck_assert_str_eq(vi.name, "/dev/zero (deleted)");
	ck_assert_uint_eq(vi.dev_minor, 1);
	ck_assert_uint_eq(vi.pgoff, 2);
	ck_assert_int_eq(vmsh_touch(sys, A, 1, &f), 1);
	ck_assert_int_eq(f.signo, SIGBUS);
	checked();
}
END_TEST

/* The eager device: every PTE filled at mmap, VM_IO|VM_PFNMAP|
 * VM_DONTEXPAND|VM_DONTDUMP, nothing in Rss, no fault on access. */
START_TEST(test_dev_pfn_fills_ptes_at_mmap)
{
	struct vmsh_vma_info vi;
	struct vmsh_walk w;
	struct vmsh_fault f = { 0 };
	uint8_t buf[16];
	uint64_t done, out;

	map(A, 4 * 4096, VMSH_PROT_READ | VMSH_PROT_WRITE, VMSH_MAP_SHARED,
	    "/dev/vmsh-pfn", 0);
	ck_assert_ptr_nonnull(strstr(t_trace(), "remap_pfn_range"));
	vi = vinfo(0);
	ck_assert_uint_eq(vi.flags & (VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP),
			  VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	ck_assert_uint_eq(vi.rss_pages, 0);
	ck_assert_int_eq(vmsh_walk(sys, 0, A + 3 * 4096, &w), 0);
	ck_assert_int_eq(w.end, VMSH_WALK_MAPPED);
	t_trace_clear();
	ck_assert_int_eq(vmsh_read(sys, A + 4096, buf, 16, &done, &f), 0);
	ck_assert_uint_eq(done, 16);
	ck_assert_mem_eq(buf, "vmsh-pfn page 1\n", 16);
	ck_assert_ptr_null(strstr(t_trace(), "vm_ops->fault"));
	ck_assert_uint_eq(sm(A).rss, 0);
	/* not mergeable with its neighbour, cannot grow */
	map(A + 4 * 4096, 4096, VMSH_PROT_READ | VMSH_PROT_WRITE, VMSH_MAP_SHARED,
	    "/dev/vmsh-pfn", 4 * 4096);
	ck_assert(t_vma_nth(sys, 0, 1, &vi));
	ck_assert_int_ne(vmsh_mremap(sys, A, 4 * 4096, 8 * 4096,
				     VMSH_MREMAP_MAYMOVE, 0, &out), 0);
	ck_assert_int_eq(vmsh_munmap(sys, A, 5 * 4096), 0);
	checked();
}
END_TEST

START_TEST(test_dev_pfn_range_checked)
{
	uint64_t out;

	ck_assert_int_eq(vmsh_mmap(sys, A, 17 * 4096, VMSH_PROT_READ,
				   VMSH_MAP_SHARED | VMSH_MAP_FIXED, "/dev/vmsh-pfn",
				   0, &out), -EINVAL);
	ck_assert_int_eq(vmsh_mmap(sys, A, 4096, VMSH_PROT_READ,
				   VMSH_MAP_SHARED | VMSH_MAP_FIXED, "/dev/vmsh-pfn",
				   16 * 4096, &out), -EINVAL);
	checked();
}
END_TEST

/* The lazy device: vm_ops->fault per page, page_mkwrite on the first
 * write, open on split, close on unmap. */
START_TEST(test_dev_lazy_vm_ops)
{
	struct vmsh_fault f = { 0 };
	uint8_t buf[17];
	uint64_t done;

	map(A, 4 * 4096, VMSH_PROT_READ | VMSH_PROT_WRITE, VMSH_MAP_SHARED,
	    "/dev/vmsh-lazy", 0);
	ck_assert_uint_eq(sm(A).rss, 0);
	t_trace_clear();
	ck_assert_int_eq(vmsh_touch(sys, A + 2 * 4096, 1, &f), 0);
	checked();
	ck_assert_ptr_nonnull(strstr(t_trace(),
		"vm_ops->fault vma=0x200000000000-0x200000004000 addr=0x200000002000"));
	ck_assert_uint_eq(sm(A).rss, 4 * K);
	ck_assert_int_eq(vmsh_read(sys, A + 2 * 4096, buf, 17, &done, &f), 0);
	ck_assert_mem_eq(buf, "vmsh-lazy page 2\n", 17);
	t_trace_clear();
	ck_assert_int_eq(vmsh_write(sys, A + 2 * 4096, (const uint8_t *)"W", 0, 1,
				    &done, &f), 0);
	checked();
	ck_assert_ptr_nonnull(strstr(t_trace(), "vm_ops->page_mkwrite"));
	t_trace_clear();
	ck_assert_int_eq(vmsh_mprotect(sys, A + 4096, 4096, VMSH_PROT_READ), 0);
	checked();
	ck_assert_ptr_nonnull(strstr(t_trace(), "vm_ops->open"));
	t_trace_clear();
	ck_assert_int_eq(vmsh_munmap(sys, A, 4 * 4096), 0);
	checked();
	ck_assert_ptr_nonnull(strstr(t_trace(), "vm_ops->close"));
}
END_TEST

START_TEST(test_dev_lazy_access)
{
	struct vmsh_file *dev = file_find(sys, "/dev/vmsh-lazy");
	struct vmsh_vma vma;
	struct vmsh_mm mm;
	uint8_t buf[32];

	ck_assert_ptr_nonnull(dev);
	memset(&vma, 0, sizeof(vma));
	memset(&mm, 0, sizeof(mm));
	mm.sys = sys;
	vma.vm_mm = &mm;
	vma.vm_start = A;
	vma.vm_end = A + 2 * 4096;
	vma.vm_file = dev;
	vma.vm_pgoff = 1;
	vma.vm_flags = VM_READ | VM_WRITE | VM_SHARED | VM_MAYSHARE;
	file_get(dev);                  /* do_mmap's reference */
	ck_assert_int_eq(file_mmap(sys, &vma), 0);
	ck_assert_ptr_eq(file_inode(vma.vm_file), dev);
	ck_assert_int_eq(vma.vm_ops->access(&vma, A + 4096 - 4, buf, 32, false), 32);
	ck_assert_mem_eq(buf + 4, "vmsh-lazy page 2\n", 17);
	ck_assert_int_eq(vma.vm_ops->access(&vma, A + 2 * 4096 - 2, buf, 32, false), 2);
	ck_assert_ptr_nonnull(strstr(t_trace(), "vm_ops->access"));
	file_put(sys, vma.vm_file);
}
END_TEST

/* `read` of the lazy device goes through ->access: the bytes come from the
 * driver, nothing is faulted in; a VMA without VM_READ faults as a load. */
START_TEST(test_dev_lazy_read_uses_access)
{
	struct vmsh_fault f = { 0 };
	uint8_t buf[32];
	uint64_t done = 0;

	map(A, 4 * 4096, VMSH_PROT_READ | VMSH_PROT_WRITE, VMSH_MAP_SHARED,
	    "/dev/vmsh-lazy", 0);
	ck_assert_int_eq(vmsh_read(sys, A + 4096 - 8, buf, 32, &done, &f), 0);
	checked();
	ck_assert_uint_eq(done, 32);
	ck_assert_mem_eq(buf + 8, "vmsh-lazy page 1\n", 17);
	ck_assert_ptr_nonnull(strstr(t_trace(), "vm_ops->access"));
	ck_assert_ptr_null(strstr(t_trace(), "vm_ops->fault"));
	ck_assert_uint_eq(sm(A).rss, 0);
	ck_assert_int_eq(vmsh_mprotect(sys, A + 2 * 4096, 2 * 4096, 0), 0);
	checked();
	ck_assert_int_eq(vmsh_read(sys, A + 2 * 4096 - 4, buf, 8, &done, &f), 1);
	ck_assert_uint_eq(done, 4);
	ck_assert_int_eq(f.signo, SIGSEGV);
	ck_assert_int_eq(f.code, SEGV_ACCERR);
	ck_assert_uint_eq(f.addr, A + 2 * 4096);
}
END_TEST

Suite *dev_suite(void)
{
	Suite *s = suite_create("dev");
	TCase *tc;

	tc = t_tcase(s, "list", setup, teardown);
	tcase_add_test(tc, test_dev_ls_lists_three);
	tc = t_tcase(s, "zero", setup, teardown);
	tcase_add_test(tc, test_dev_zero_private_is_anonymous);
	tcase_add_test(tc, test_dev_zero_private_anonymous_rules);
	tcase_add_test(tc, test_dev_zero_private_no_multi_move);
	tcase_add_test(tc, test_dev_zero_shared_offset_sigbus);
	tc = t_tcase(s, "pfn", setup, teardown);
	tcase_add_test(tc, test_dev_pfn_fills_ptes_at_mmap);
	tcase_add_test(tc, test_dev_pfn_range_checked);
	tc = t_tcase(s, "lazy", setup, teardown);
	tcase_add_test(tc, test_dev_lazy_vm_ops);
	tcase_add_test(tc, test_dev_lazy_access);
	tcase_add_test(tc, test_dev_lazy_read_uses_access);
	return s;
}
