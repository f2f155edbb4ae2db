/* SPDX-License-Identifier: MIT */
/*
 * Physical memory (src/engine/phys.c): frame allocation and freeing, the
 * zero page, sparse contents (fill, one small run, a buffer only on a
 * mixed write), copies, and running out of frames.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "phys.h"
#include "suites.h"
#include "sys.h"
#include "vmsh-test.h"

static struct vmsh_sys *sys;

/* A machine of 256 frames. */
static void setup_small(void) { sys = t_sys_make(true, 1ULL << 20); }
static void teardown(void) { t_sys_free(&sys); }

START_TEST(test_phys_alloc_free)
{
	uint64_t before = sys->phys.nfree, pfn;
	struct page *p;

	pfn = phys_alloc(sys, PAGE_ANON);
	ck_assert_uint_ne(pfn, UINT64_MAX);
	p = phys_page(sys, pfn);
	ck_assert_int_eq(p->kind, PAGE_ANON);
	ck_assert_int_eq(p->refcount, 1);
	ck_assert_int_eq(p->mapcount, 0);
	ck_assert_ptr_null(p->data);
	ck_assert_uint_eq(phys_read_byte(sys, pfn, 100), 0);
	ck_assert_uint_eq(sys->phys.nfree, before - 1);
	phys_get(sys, pfn);
	ck_assert_int_eq(p->refcount, 2);
	phys_put(sys, pfn);
	ck_assert_int_eq(p->kind, PAGE_ANON);
	phys_put(sys, pfn);
	ck_assert_int_eq(p->kind, PAGE_FREE);
	ck_assert_uint_eq(sys->phys.nfree, before);
	/* the lowest free frame is handed out again */
	ck_assert_uint_eq(phys_alloc(sys, PAGE_ANON), pfn);
	phys_put(sys, pfn);
	t_check(sys);
}
END_TEST

START_TEST(test_phys_zero_page)
{
	struct page *z = phys_page(sys, sys->phys.zero_pfn);

	ck_assert_int_eq(z->kind, PAGE_ZERO);
	ck_assert_int_eq(z->refcount, 1);
	ck_assert_uint_eq(phys_read_byte(sys, sys->phys.zero_pfn, 4095), 0);
}
END_TEST

START_TEST(test_phys_sparse_fill)
{
	uint64_t pfn = phys_alloc(sys, PAGE_ANON);
	struct page *p = phys_page(sys, pfn);
	uint8_t buf[PAGE_SIZE];

	/* a whole-page fill needs no buffer */
	phys_write(sys, pfn, 0, NULL, 0x5a, PAGE_SIZE);
	ck_assert_ptr_null(p->data);
	ck_assert_uint_eq(p->fill, 0x5a);
	ck_assert_uint_eq(phys_read_byte(sys, pfn, 4000), 0x5a);

	/* one small write: a run, still no buffer */
	phys_write(sys, pfn, 100, (const uint8_t *)"hi", 0, 2);
	ck_assert_ptr_null(p->data);
	phys_read(sys, pfn, 98, buf, 6);
	ck_assert_mem_eq(buf, "\x5a\x5ahi\x5a\x5a", 6);

	/* an adjacent one extends the run */
	phys_write(sys, pfn, 102, (const uint8_t *)"!", 0, 1);
	ck_assert_ptr_null(p->data);
	phys_read(sys, pfn, 100, buf, 3);
	ck_assert_mem_eq(buf, "hi!", 3);

	/* a distant mixed write: the buffer appears, contents kept */
	phys_write(sys, pfn, 3000, NULL, 1, 1);
	ck_assert_ptr_nonnull(p->data);
	phys_read(sys, pfn, 0, buf, PAGE_SIZE);
	ck_assert_uint_eq(buf[0], 0x5a);
	ck_assert_mem_eq(buf + 100, "hi!", 3);
	ck_assert_uint_eq(buf[3000], 1);
	ck_assert_uint_eq(buf[4095], 0x5a);

	/* a whole-page fill of one value frees it again */
	phys_write(sys, pfn, 0, NULL, 7, PAGE_SIZE);
	ck_assert_ptr_null(p->data);
	ck_assert_uint_eq(phys_read_byte(sys, pfn, 3000), 7);

	/* so does a whole-page buffer whose bytes are all equal */
	memset(buf, 9, sizeof(buf));
	phys_write(sys, pfn, 0, buf, 0, PAGE_SIZE);
	ck_assert_ptr_null(p->data);
	ck_assert_uint_eq(p->fill, 9);

	/* writing what is already there changes nothing */
	phys_write(sys, pfn, 10, NULL, 9, 1000);
	ck_assert_ptr_null(p->data);
	ck_assert_uint_eq(p->run_len, 0);

	phys_zero(sys, pfn);
	ck_assert_uint_eq(phys_read_byte(sys, pfn, 0), 0);
	phys_put(sys, pfn);
}
END_TEST

START_TEST(test_phys_copy)
{
	uint64_t a = phys_alloc(sys, PAGE_ANON), b = phys_alloc(sys, PAGE_ANON);
	uint8_t buf[16];

	phys_write(sys, a, 0, NULL, 3, PAGE_SIZE);
	phys_write(sys, a, 8, (const uint8_t *)"xy", 0, 2);
	phys_copy(sys, b, a);
	ck_assert_ptr_null(phys_page(sys, b)->data);
	phys_read(sys, b, 6, buf, 6);
	ck_assert_mem_eq(buf, "\3\3xy\3\3", 6);

	phys_write(sys, a, 2000, (const uint8_t *)"zz", 0, 2);
	ck_assert_ptr_nonnull(phys_page(sys, a)->data);
	phys_copy(sys, b, a);
	ck_assert_ptr_nonnull(phys_page(sys, b)->data);
	phys_read(sys, b, 2000, buf, 2);
	ck_assert_mem_eq(buf, "zz", 2);
	phys_put(sys, a);
	phys_put(sys, b);
}
END_TEST

START_TEST(test_phys_oom)
{
	uint64_t got[256], n = 0, pfn;

	while ((pfn = phys_alloc(sys, PAGE_ANON)) != UINT64_MAX) {
		ck_assert_uint_lt(n, 256);
		got[n++] = pfn;
	}
	ck_assert_uint_eq(sys->phys.nfree, 0);
	ck_assert_uint_eq(phys_alloc(sys, PAGE_ANON), UINT64_MAX);
	phys_put(sys, got[n / 2]);
	ck_assert_uint_eq(phys_alloc(sys, PAGE_ANON), got[n / 2]);
	while (n)
		phys_put(sys, got[--n]);
}
END_TEST

struct frames_seen {
	uint64_t pfn, n, last;
	bool seen;
};

static int frame_seen(void *ctx, const struct vmsh_frame_info *fi)
{
	struct frames_seen *c = ctx;

	if (c->n++)
		ck_assert_uint_gt(fi->pfn, c->last);    /* PFN order */
	c->last = fi->pfn;
	if (fi->pfn == sys->phys.zero_pfn)
		ck_assert_str_eq(fi->owner, "zero");
	if (fi->pfn == c->pfn) {
		ck_assert_str_eq(fi->owner, "anon");
		ck_assert_int_eq(fi->refcount, 1);
		c->seen = true;
	}
	return 0;
}

START_TEST(test_phys_frame_info)
{
	struct frames_seen c = { .pfn = phys_alloc(sys, PAGE_ANON) };

	ck_assert_int_eq(vmsh_frame_walk(sys, frame_seen, &c), 0);
	ck_assert(c.seen);
	ck_assert_uint_eq(c.n, sys->phys.nframes - sys->phys.nfree);
	phys_put(sys, c.pfn);
}
END_TEST

Suite *phys_suite(void)
{
	Suite *s = suite_create("phys");
	TCase *tc;

	tc = t_tcase(s, "alloc", setup_small, teardown);
	tcase_add_test(tc, test_phys_alloc_free);
	tcase_add_test(tc, test_phys_zero_page);
	tcase_add_test(tc, test_phys_frame_info);
	tc = t_tcase(s, "contents", setup_small, teardown);
	tcase_add_test(tc, test_phys_sparse_fill);
	tcase_add_test(tc, test_phys_copy);
	tc = t_tcase(s, "oom", setup_small, teardown);
	tcase_add_test(tc, test_phys_oom);
	return s;
}
