/* SPDX-License-Identifier: MIT */
/*
 * The file rmap (interval_tree.c): each inode's i_mmap holds exactly the
 * linked VMAs mapping it, keyed by the file pages they map, through
 * mmap, split, merge, mremap, fork and exit; file_for_each_vma finds the
 * same VMAs, in the same order, as a walk of every VMA of every mm.
 */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdlib.h>

#include "file.h"
#include "suites.h"
#include "sys.h"
#include "vmsh-test.h"

#define A T_BASE

static struct vmsh_sys *sys;

static void setup(void) { sys = t_sys_make(false, 64ULL << 20); }
static void teardown(void) { t_sys_free(&sys); }

static uint64_t rnd_state;

static uint64_t rnd(uint64_t n)
{
	rnd_state = rnd_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (rnd_state >> 33) % n;
}

struct seen {
	struct vmsh_vma *vma[256];
	uint64_t first[256], last[256];
	int n;
};

static void record(struct vmsh_vma *vma, uint64_t first, uint64_t last,
		   void *ctx)
{
	struct seen *s = ctx;

	ck_assert_int_lt(s->n, 256);
	s->vma[s->n] = vma;
	s->first[s->n] = first;
	s->last[s->n++] = last;
}

/* What the walk of every VMA of every live mm finds (the old rmap). */
static void brute(const struct vmsh_file *f, uint64_t first, uint64_t last,
		  struct seen *s)
{
	struct vmsh_mm *mm;
	struct vmsh_vma *v;

	for (mm = sys->mms; mm; mm = mm->next_all) {
		if (mm->mm_users <= 0)
			continue;
		for (v = mm->mmap; v; v = v->vm_next) {
			uint64_t lo = v->vm_pgoff, hi = vma_shared_last(v);

			if (!v->vm_file || file_inode(v->vm_file) != f ||
			    hi < first || lo > last)
				continue;
			record(v, lo > first ? lo : first, hi < last ? hi : last, s);
		}
	}
}

static void compare(const char *name, uint64_t first, uint64_t last)
{
	struct vmsh_file *f = file_lookup(sys, name);
	struct seen want = { .n = 0 }, got = { .n = 0 };

	if (!f)
		return;
	brute(f, first, last, &want);
	file_for_each_vma(sys, f, first, last, record, &got);
	ck_assert_int_eq(got.n, want.n);
	for (int i = 0; i < got.n; i++) {
		ck_assert_ptr_eq(got.vma[i], want.vma[i]);
		ck_assert_uint_eq(got.first[i], want.first[i]);
		ck_assert_uint_eq(got.last[i], want.last[i]);
	}
}

/* Random VMA calls on a few files, several tasks: after each, the checker
 * (i_mmap keys, order, subtree_last, the right root) and a comparison of
 * the tree walk with the full walk over random page ranges. */
START_TEST(test_rmap_random_matches_full_walk)
{
	static const char *names[] = { "a", "b", "c" };
	uint64_t out, last;
	int step, op, r, child, ok[8] = { 0 }, pids[6] = { 1 }, npids = 1;
	struct vmsh_fault f;

	rnd_state = 0x2545f4914f6cdd1dULL;
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(vmsh_file_create(sys, names[i], 64 << 12,
						  i == 0), 0);
	for (step = 0; step < 4000; step++) {
		const char *n = names[rnd(3)];
		uint64_t addr = A + (rnd(96) << 12), len = (rnd(12) + 1) << 12;

		switch (op = (int)rnd(8)) {
		case 0:
		case 1:
			r = vmsh_mmap(sys, addr, len, VMSH_PROT_READ |
				      (rnd(2) ? VMSH_PROT_WRITE : 0),
				      (rnd(2) ? VMSH_MAP_SHARED : VMSH_MAP_PRIVATE) |
				      VMSH_MAP_FIXED, n, rnd(40) << 12, &out);
			break;
		case 2:
			r = vmsh_mprotect(sys, addr, len, (int)rnd(4) |
					  VMSH_PROT_READ);
			break;
		case 3:
			r = vmsh_mremap(sys, addr, len, (rnd(12) + 1) << 12,
					VMSH_MREMAP_MAYMOVE | VMSH_MREMAP_FIXED,
					A + (rnd(96) << 12), &out);
			break;
		case 4:
			r = vmsh_munmap(sys, addr, len);
			break;
		case 5:
			r = vmsh_write(sys, addr, NULL, 0x5a, 1, &out, &f);
			if (!r && rnd(2))
				r = vmsh_msync(sys, addr, len);
			break;
		case 6:
			if (rnd(3) == 0 && npids < 6) {
				r = vmsh_fork(sys, &child);
				if (!r)
					pids[npids++] = child;
			} else if (rnd(2) && npids > 1) {
				int k = 1 + (int)rnd((uint64_t)npids - 1);

				r = vmsh_kill(sys, pids[k]);
				pids[k] = pids[--npids];
			} else {
				r = vmsh_switch(sys, pids[rnd((uint64_t)npids)], -1);
			}
			break;
		default:
			r = vmsh_file_truncate(sys, n, (rnd(64) + 1) << 12);
			break;
		}
		ok[op] += r == 0;
		t_check(sys);
		last = rnd(3) ? rnd(70) : UINT64_MAX;
		compare(n, rnd(2) ? 0 : rnd(64), last);
	}
	for (op = 0; op < 8; op++)
		ck_assert_msg(ok[op] > 0, "operation %d never succeeded", op);
}
END_TEST

/* A VMA whose bounds changed behind i_mmap's back is a broken invariant:
 * the checker names it, validate_sys aborts. */
START_TEST(test_rmap_stale_key_aborts)
{
	struct vmsh_vma *v;
	char buf[128];
	uint64_t out;

	ck_assert_int_eq(vmsh_file_create(sys, "f", 16 << 12, false), 0);
	ck_assert_int_eq(vmsh_mmap(sys, A, 4 << 12, VMSH_PROT_READ,
				   VMSH_MAP_SHARED | VMSH_MAP_FIXED, "f", 0,
				   &out), 0);
	t_check(sys);
	v = find_vma(t_mm(sys), A);
	v->vm_pgoff = 3;
	ck_assert_int_eq(vmsh_check(sys, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "mm 1: vma [0x200000000000-0x200000004000): "
			 "i_mmap key 0-0x3 is stale");
	validate_sys(sys);      /* SIGABRT */
}
END_TEST

Suite *rmap_suite(void)
{
	Suite *s = suite_create("rmap");
	TCase *tc;

	tc = t_tcase(s, "i_mmap", setup, teardown);
	tcase_add_test(tc, test_rmap_random_matches_full_walk);
	tc = t_tcase(s, "invariants", setup, teardown);
	tcase_add_test_raise_signal(tc, test_rmap_stale_key_aborts, SIGABRT);
	return s;
}
