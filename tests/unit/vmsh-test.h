/* SPDX-License-Identifier: MIT */
/* Shared fixture of the engine's unit tests: a fresh machine per test. */
#ifndef VMSH_TESTS_UNIT_VMSH_TEST_H
#define VMSH_TESTS_UNIT_VMSH_TEST_H

#include <check.h>
#include <string.h>

#include "engine.h"

#define T_BASE 0x200000000000ULL
#define T_PG 4096ULL

static inline struct vmsh_sys *t_sys_new(void)
{
	struct vmsh_config cfg;
	struct vmsh_sys *sys;

	vmsh_config_default(&cfg);
	sys = vmsh_sys_new(&cfg);
	ck_assert_ptr_nonnull(sys);
	return sys;
}

static inline void t_check(struct vmsh_sys *sys)
{
	char buf[256];
	int n = vmsh_check(sys, buf, sizeof(buf));

	ck_assert_msg(n == 0, "check: %s", buf);
}

static inline struct vmsh_mm *t_mm(struct vmsh_sys *sys)
{
	return sys->current->mm;
}

/* mmap, asserting the result (0 or a negative errno). */
static inline uint64_t t_mmap(struct vmsh_sys *sys, uint64_t addr, uint64_t len,
			      int prot, int flags, int expect)
{
	uint64_t out = 0;
	int r = vmsh_mmap(sys, addr, len, prot, flags, NULL, 0, &out);

	ck_assert_int_eq(r, expect);
	t_check(sys);
	return out;
}

#define T_ANON (VMSH_MAP_PRIVATE | VMSH_MAP_ANONYMOUS)
#define T_FIXED (T_ANON | VMSH_MAP_FIXED)
#define T_RW (VMSH_PROT_READ | VMSH_PROT_WRITE)

/* The VMA containing @addr (must exist). */
static inline struct vmsh_vma *t_vma(struct vmsh_sys *sys, uint64_t addr)
{
	struct vmsh_vma *v = find_vma(t_mm(sys), addr);

	ck_assert_ptr_nonnull(v);
	ck_assert_uint_le(v->vm_start, addr);
	return v;
}

static inline void t_range(struct vmsh_sys *sys, uint64_t addr, uint64_t start,
			   uint64_t end)
{
	struct vmsh_vma *v = t_vma(sys, addr);

	ck_assert_uint_eq(v->vm_start, start);
	ck_assert_uint_eq(v->vm_end, end);
}

/* What a first write fault does to the VMA (paging calls this). */
static inline void t_fault(struct vmsh_sys *sys, uint64_t addr)
{
	ck_assert_int_eq(anon_vma_prepare(t_vma(sys, addr)), 0);
	t_check(sys);
}

#endif /* VMSH_TESTS_UNIT_VMSH_TEST_H */
