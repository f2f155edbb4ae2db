/* SPDX-License-Identifier: MIT */
/* Shared fixture of the engine's unit tests: a fresh machine per test. */
#ifndef VMSH_TESTS_UNIT_VMSH_TEST_H
#define VMSH_TESTS_UNIT_VMSH_TEST_H

#include <check.h>
#include <string.h>

#include "anon_vma.h"
#include "checks.h"
#include "mm.h"
#include "sys.h"
#include "task.h"
#include "vma.h"

#define T_BASE 0x200000000000ULL
#define T_PG 4096ULL

/* The default config, the zero page on or off, @ram bytes of RAM when
 * nonzero: what most suites change. */
static inline void t_config(struct vmsh_config *cfg, bool zero_page,
			    uint64_t ram)
{
	vmsh_config_default(cfg);
	cfg->zero_page = zero_page;
	if (ram)
		cfg->ram = ram;
}

/* A fresh machine built from @cfg (asserted valid). */
static inline struct vmsh_sys *t_sys_cfg(const struct vmsh_config *cfg)
{
	struct vmsh_sys *sys = vmsh_sys_new(cfg);

	ck_assert_ptr_nonnull(sys);
	return sys;
}

/* A fresh machine from t_config(). */
static inline struct vmsh_sys *t_sys_make(bool zero_page, uint64_t ram)
{
	struct vmsh_config cfg;

	t_config(&cfg, zero_page, ram);
	return t_sys_cfg(&cfg);
}

/* A fresh machine with the default config. */
static inline struct vmsh_sys *t_sys_new(void)
{
	struct vmsh_config cfg;

	vmsh_config_default(&cfg);
	return t_sys_cfg(&cfg);
}

/* Teardown: free *@sys if the test built one, and forget it. */
static inline void t_sys_free(struct vmsh_sys **sys)
{
	if (*sys)
		vmsh_sys_free(*sys);
	*sys = NULL;
}

/* The invariant check after a mutation: validate_sys() runs every checker
 * of the model (VMAs, pages, tasks, files); a broken invariant is a bug,
 * and it aborts (the problem on stderr). */
static inline void t_check(struct vmsh_sys *sys)
{
	validate_sys(sys);
}

/* A TCase @name in @s whose tests each get a fresh machine: @setup builds
 * it (NULL: the test builds its own), @teardown frees it; both run in the
 * test's own process (a checked fixture). */
static inline TCase *t_tcase(Suite *s, const char *name, SFun setup,
			     SFun teardown)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	suite_add_tcase(s, tc);
	return tc;
}

/* The current task's mm. */
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

/* What a first write fault does to the VMA (anon_vma_prepare). */
static inline void t_fault(struct vmsh_sys *sys, uint64_t addr)
{
	ck_assert_int_eq(anon_vma_prepare(t_vma(sys, addr)), 0);
	t_check(sys);
}

/* mmap at @addr (MAP_FIXED or a free hint), asserting success at @addr,
 * then t_check(). */
static inline void t_map(struct vmsh_sys *sys, uint64_t addr, uint64_t len,
			 int prot, int flags)
{
	uint64_t out;

	ck_assert_int_eq(vmsh_mmap(sys, addr, len, prot, flags, NULL, 0, &out), 0);
	ck_assert_uint_eq(out, addr);
	t_check(sys);
}

/* Fill @len bytes at @addr with @byte through the MMU (asserted to
 * succeed), then t_check(). */
static inline void t_fill(struct vmsh_sys *sys, uint64_t addr, uint64_t len,
			  uint8_t byte)
{
	struct vmsh_fault f;
	uint64_t done;

	ck_assert_int_eq(vmsh_write(sys, addr, NULL, byte, len, &done, &f), 0);
	t_check(sys);
}

/* The byte at @addr, read through the MMU (asserted to succeed). */
static inline uint8_t t_peek(struct vmsh_sys *sys, uint64_t addr)
{
	struct vmsh_fault f;
	uint64_t done;
	uint8_t b;

	ck_assert_int_eq(vmsh_read(sys, addr, &b, 1, &done, &f), 0);
	return b;
}

/* A new task made by @fn (vmsh_fork, vmsh_clone_vm, ...), asserted to
 * succeed, then t_check(); returns its pid. */
static inline int t_spawn(struct vmsh_sys *sys,
			  int (*fn)(struct vmsh_sys *, int *))
{
	int pid = 0;

	ck_assert_int_eq(fn(sys, &pid), 0);
	t_check(sys);
	return pid;
}

/* Run @pid on @cpu (-1: the current CPU), asserted to succeed, then
 * t_check(). */
static inline void t_switch(struct vmsh_sys *sys, int pid, int cpu)
{
	ck_assert_int_eq(vmsh_switch(sys, pid, cpu), 0);
	t_check(sys);
}

/* The value of the event counter @name (fails the test if unknown). */
static inline uint64_t t_stat(struct vmsh_sys *sys, const char *name)
{
	const char *n;
	uint64_t v;
	size_t i;

	for (i = 0; vmsh_stat(sys, i, &n, &v); i++)
		if (!strcmp(n, name))
			return v;
	ck_abort_msg("no stat %s", name);
	return 0;
}

/* The smaps figures of @pid's VMA at @addr (asserted to exist). */
static inline struct vmsh_smaps t_smaps(struct vmsh_sys *sys, int pid,
					uint64_t addr)
{
	struct vmsh_smaps s;

	ck_assert_int_eq(vmsh_smaps(sys, pid, addr, &s), 0);
	return s;
}

/*
 * The @i-th item a walker reports, copied to @out: tests look items up
 * by position.  True when there is one.  (A frame's owner string is the
 * walker's: t_frame_nth leaves it out.)
 */
struct t_nth {
	size_t want, seen;
	void *out;
	size_t size;
};

static inline int t_nth_take(struct t_nth *n, const void *item)
{
	if (n->seen++ != n->want)
		return 0;
	memcpy(n->out, item, n->size);
	return 1;
}

static inline int t_task_take(void *ctx, const struct vmsh_task_info *t)
{
	return t_nth_take(ctx, t);
}

static inline int t_file_take(void *ctx, const struct vmsh_file_info *f)
{
	return t_nth_take(ctx, f);
}

static inline int t_dev_take(void *ctx, const struct vmsh_dev_info *d)
{
	return t_nth_take(ctx, d);
}

static inline int t_vma_take(void *ctx, const struct vmsh_vma_info *v)
{
	return t_nth_take(ctx, v);
}

static inline int t_tlb_take(void *ctx, const struct vmsh_tlb_entry_info *e)
{
	return t_nth_take(ctx, e);
}

static inline bool t_task_nth(struct vmsh_sys *sys, size_t i,
			      struct vmsh_task_info *out)
{
	struct t_nth n = { i, 0, out, sizeof(*out) };

	return vmsh_task_walk(sys, t_task_take, &n) == 1;
}

static inline bool t_file_nth(struct vmsh_sys *sys, size_t i,
			      struct vmsh_file_info *out)
{
	struct t_nth n = { i, 0, out, sizeof(*out) };

	return vmsh_file_walk(sys, t_file_take, &n) == 1;
}

static inline bool t_dev_nth(struct vmsh_sys *sys, size_t i,
			     struct vmsh_dev_info *out)
{
	struct t_nth n = { i, 0, out, sizeof(*out) };

	return vmsh_dev_walk(sys, t_dev_take, &n) == 1;
}

/* The @i-th VMA of task @pid (0: current), address order. */
static inline bool t_vma_nth(struct vmsh_sys *sys, int pid, size_t i,
			     struct vmsh_vma_info *out)
{
	struct t_nth n = { i, 0, out, sizeof(*out) };

	return vmsh_vma_walk(sys, pid, t_vma_take, &n) == 1;
}

/* The @i-th valid TLB entry, ordered by CPU, set, way. */
static inline bool t_tlb_nth(struct vmsh_sys *sys, size_t i,
			     struct vmsh_tlb_entry_info *out)
{
	struct t_nth n = { i, 0, out, sizeof(*out) };

	return vmsh_tlb_walk(sys, t_tlb_take, &n) == 1;
}

/* The trace lines recorded since t_trace_on() or t_trace_clear(), each
 * ended by a newline. */
static inline char *t_trace(void)
{
	static char buf[1 << 16];

	return buf;
}

static inline void t_trace_line(void *ctx, const char *line)
{
	char *buf = t_trace();
	size_t used = strlen(buf), len = strlen(line);

	(void)ctx;
	ck_assert_msg(used + len + 2 <= 1 << 16, "trace longer than 64 KiB");
	memcpy(buf + used, line, len);
	buf[used + len] = '\n';
	buf[used + len + 1] = '\0';
}

static inline void t_trace_clear(void)
{
	t_trace()[0] = '\0';
}

/* Record @sys's trace lines from now on into an empty t_trace(). */
static inline void t_trace_on(struct vmsh_sys *sys)
{
	t_trace_clear();
	vmsh_sys_set_trace(sys, t_trace_line, NULL);
}

#endif /* VMSH_TESTS_UNIT_VMSH_TEST_H */
