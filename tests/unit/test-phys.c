/* SPDX-License-Identifier: MIT */
/*
 * Physical memory (src/engine/phys.c): frame allocation and freeing, the
 * zero page, sparse contents (fill, a few small runs, a buffer only when
 * they do not do), copies, running out of frames, and the host bytes a
 * resident page costs.
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

	/* a whole-page fill needs no allocation */
	phys_write(sys, pfn, 0, NULL, 0x5a, PAGE_SIZE);
	ck_assert_ptr_null(p->data);
	ck_assert_uint_eq(p->fill, 0x5a);
	ck_assert_uint_eq(phys_read_byte(sys, pfn, 4000), 0x5a);

	/* one small write: a run kept inline, no allocation */
	phys_write(sys, pfn, 100, (const uint8_t *)"hi", 0, 2);
	ck_assert_uint_eq(p->data_kind, PAGE_DATA_INLINE);
	phys_read(sys, pfn, 98, buf, 6);
	ck_assert_mem_eq(buf, "\x5a\x5ahi\x5a\x5a", 6);

	/* an adjacent one extends the run */
	phys_write(sys, pfn, 102, (const uint8_t *)"!", 0, 1);
	ck_assert_uint_eq(p->data_kind, PAGE_DATA_INLINE);
	ck_assert_uint_eq(sys->phys.run_bytes, 0);
	phys_read(sys, pfn, 100, buf, 3);
	ck_assert_mem_eq(buf, "hi!", 3);

	/* a distant small write: a second run, a small allocation */
	phys_write(sys, pfn, 3000, NULL, 1, 1);
	ck_assert_uint_eq(p->data_kind, PAGE_DATA_RUNS);
	ck_assert_uint_lt(sys->phys.run_bytes, 32);
	ck_assert_uint_eq(sys->phys.nr_bufs, 0);
	phys_read(sys, pfn, 0, buf, PAGE_SIZE);
	ck_assert_uint_eq(buf[0], 0x5a);
	ck_assert_mem_eq(buf + 100, "hi!", 3);
	ck_assert_uint_eq(buf[3000], 1);
	ck_assert_uint_eq(buf[4095], 0x5a);

	/* a big mixed write: the buffer appears, contents kept */
	phys_write(sys, pfn, 1000, NULL, 2, 1000);
	ck_assert_uint_eq(p->data_kind, PAGE_DATA_BUF);
	ck_assert_uint_eq(sys->phys.nr_bufs, 1);
	ck_assert_uint_eq(sys->phys.run_bytes, 0);
	phys_read(sys, pfn, 0, buf, PAGE_SIZE);
	ck_assert_mem_eq(buf + 100, "hi!", 3);
	ck_assert_uint_eq(buf[1999], 2);
	ck_assert_uint_eq(buf[3000], 1);

	/* a whole-page fill of one value frees it again */
	phys_write(sys, pfn, 0, NULL, 7, PAGE_SIZE);
	ck_assert_ptr_null(p->data);
	ck_assert_uint_eq(sys->phys.nr_bufs, 0);
	ck_assert_uint_eq(phys_read_byte(sys, pfn, 3000), 7);

	/* so does a whole-page buffer whose bytes are all equal */
	memset(buf, 9, sizeof(buf));
	phys_write(sys, pfn, 0, buf, 0, PAGE_SIZE);
	ck_assert_ptr_null(p->data);
	ck_assert_uint_eq(p->fill, 9);

	/* writing what is already there changes nothing */
	phys_write(sys, pfn, 10, NULL, 9, 1000);
	ck_assert_ptr_null(p->data);
	ck_assert_uint_eq(p->data_kind, PAGE_DATA_FILL);

	phys_zero(sys, pfn);
	ck_assert_uint_eq(phys_read_byte(sys, pfn, 0), 0);
	phys_put(sys, pfn);
	ck_assert_uint_eq(sys->phys.run_bytes, 0);
	ck_assert_uint_eq(sys->phys.nr_bufs, 0);
}
END_TEST

START_TEST(test_phys_copy)
{
	uint64_t a = phys_alloc(sys, PAGE_ANON), b = phys_alloc(sys, PAGE_ANON);
	uint8_t buf[16];

	phys_write(sys, a, 0, NULL, 3, PAGE_SIZE);
	phys_write(sys, a, 8, (const uint8_t *)"xy", 0, 2);
	phys_write(sys, a, 2000, (const uint8_t *)"zz", 0, 2);
	phys_copy(sys, b, a);
	ck_assert_uint_eq(phys_page(sys, b)->data_kind, PAGE_DATA_RUNS);
	phys_read(sys, b, 6, buf, 6);
	ck_assert_mem_eq(buf, "\3\3xy\3\3", 6);
	phys_read(sys, b, 2000, buf, 2);
	ck_assert_mem_eq(buf, "zz", 2);

	phys_write(sys, a, 1000, NULL, 4, 1000);
	ck_assert_uint_eq(phys_page(sys, a)->data_kind, PAGE_DATA_BUF);
	phys_copy(sys, b, a);
	ck_assert_uint_eq(phys_page(sys, b)->data_kind, PAGE_DATA_BUF);
	phys_read(sys, b, 1998, buf, 4);
	ck_assert_mem_eq(buf, "\4\4zz", 4);
	ck_assert_uint_eq(sys->phys.nr_bufs, 2);
	phys_put(sys, a);
	phys_put(sys, b);
	ck_assert_uint_eq(sys->phys.nr_bufs, 0);
	ck_assert_uint_eq(sys->phys.run_bytes, 0);
}
END_TEST

/* Random writes (strings and fills, small and large, overlapping,
 * adjacent) against a plain 4 KiB shadow: the page reads back the same
 * after each, whatever form it keeps its contents in, and the host byte
 * counters go back to zero when the frames go. */
START_TEST(test_phys_runs_random)
{
	uint64_t pfn = phys_alloc(sys, PAGE_ANON), pfn2 = phys_alloc(sys, PAGE_ANON);
	static uint8_t shadow[PAGE_SIZE], got[PAGE_SIZE], src[PAGE_SIZE];
	unsigned seed = 13, step, kinds[4] = { 0, 0, 0, 0 };

	memset(shadow, 0, sizeof(shadow));
	for (step = 0; step < 20000; step++) {
		unsigned r = (seed = seed * 1103515245u + 12345u) >> 8;
		unsigned len = r % 7 == 0 ? 1 + r % 600 : 1 + r % 12;
		unsigned off = (r >> 10) % (PAGE_SIZE - len + 1);
		uint8_t fill = (uint8_t)(r >> 3 & 3);

		if (r % 97 == 0) {
			off = 0;
			len = PAGE_SIZE;
		}
		if (r % 2) {
			for (unsigned i = 0; i < len; i++)
				src[i] = (uint8_t)((r >> (i % 8)) & 3);
			phys_write(sys, pfn, off, src, 0, len);
			memcpy(shadow + off, src, len);
		} else {
			phys_write(sys, pfn, off, NULL, fill, len);
			memset(shadow + off, fill, len);
		}
		kinds[phys_page(sys, pfn)->data_kind]++;
		phys_read(sys, pfn, 0, got, PAGE_SIZE);
		ck_assert_mem_eq(got, shadow, PAGE_SIZE);
		ck_assert_uint_eq(phys_read_byte(sys, pfn, off), shadow[off]);
		if (step % 101 == 0) {
			phys_copy(sys, pfn2, pfn);
			phys_read(sys, pfn2, 0, got, PAGE_SIZE);
			ck_assert_mem_eq(got, shadow, PAGE_SIZE);
		}
		if (step % 499 == 0) {
			phys_zero(sys, pfn);
			memset(shadow, 0, sizeof(shadow));
		}
	}
	/* every form was met */
	ck_assert_uint_gt(kinds[PAGE_DATA_FILL], 0);
	ck_assert_uint_gt(kinds[PAGE_DATA_INLINE], 0);
	ck_assert_uint_gt(kinds[PAGE_DATA_RUNS], 0);
	ck_assert_uint_gt(kinds[PAGE_DATA_BUF], 0);
	phys_put(sys, pfn);
	phys_put(sys, pfn2);
	ck_assert_uint_eq(sys->phys.nr_bufs, 0);
	ck_assert_uint_eq(sys->phys.run_bytes, 0);
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

/*
 * Host bytes per resident page (issue 13: 64 GiB resident in under 1 GiB
 * of host memory, about 60 bytes a page with its page tables), counted,
 * not timed: 16384 pages written with a pattern (each page one value)
 * cost their struct page and their PTE's share of a page table and
 * nothing else; with three small runs in every 4th page, small run
 * allocations and no 4 KiB buffer.
 */
START_TEST(test_phys_host_bytes)
{
	const uint64_t pages = 16384;
	struct phys_host_bytes hb;
	struct vmsh_fault f;
	uint64_t i, done, total;

	sys = t_sys_make(true, 256ULL << 20);
	t_map(sys, T_BASE, pages * PAGE_SIZE, T_RW, T_FIXED);
	for (i = 0; i < pages; i++)
		ck_assert_int_eq(vmsh_write(sys, T_BASE + i * PAGE_SIZE, NULL,
					    (uint8_t)i, PAGE_SIZE, &done, &f), 0);
	phys_host_bytes(sys, &hb);
	ck_assert_uint_eq(hb.bufs, 0);
	ck_assert_uint_eq(hb.runs, 0);
	/* the PTE tables, one PMD, PUD and PGD table */
	ck_assert_uint_eq(hb.tables, (pages / 512 + 3) * PAGE_SIZE);
	total = hb.pages + hb.tables + hb.bufs + hb.runs;
	ck_assert_uint_le(sizeof(struct page), 40);
	ck_assert_uint_le(total / pages, 60);

	for (i = 0; i < pages; i += 4)
		for (unsigned k = 0; k < 3; k++)
			ck_assert_int_eq(vmsh_write(sys, T_BASE + i * PAGE_SIZE +
						    1000 * k,
						    (const uint8_t *)"mixed!", 0,
						    6, &done, &f), 0);
	phys_host_bytes(sys, &hb);
	ck_assert_uint_eq(hb.bufs, 0);
	/* 3 runs of 6 bytes: 4 + 3 * 4 + 18 bytes a mixed page */
	ck_assert_uint_eq(hb.runs, pages / 4 * 34);
	total = hb.pages + hb.tables + hb.bufs + hb.runs;
	ck_assert_uint_le(total / pages, 66);
	t_check(sys);
}
END_TEST

/* The checker looks at the contents' form and the host byte counters. */
START_TEST(test_phys_check_contents)
{
	uint64_t pfn = phys_alloc(sys, PAGE_ANON);
	struct page *p = phys_page(sys, pfn);
	char buf[256];

	phys_write(sys, pfn, 10, (const uint8_t *)"abc", 0, 3);
	phys_write(sys, pfn, 100, (const uint8_t *)"def", 0, 3);
	ck_assert_uint_eq(p->data_kind, PAGE_DATA_RUNS);
	ck_assert_ptr_null(phys_check_contents(sys, pfn,
		&(struct phys_host_bytes){ 0, 0, 0, 0 }));
	/* the second run starting inside the first */
	((uint16_t *)p->data)[4] = 11;
	ck_assert_str_eq(phys_check_contents(sys, pfn,
		&(struct phys_host_bytes){ 0, 0, 0, 0 }),
		"contents: runs not sorted, apart and inside the page");
	((uint16_t *)p->data)[4] = 100;
	ck_assert_ptr_null(phys_check_contents(sys, pfn,
		&(struct phys_host_bytes){ 0, 0, 0, 0 }));
	phys_put(sys, pfn);
	/* a counter off */
	ck_assert_int_eq(vmsh_check(sys, buf, sizeof(buf)), 0);
	sys->phys.run_bytes++;
	ck_assert_int_eq(vmsh_check(sys, buf, sizeof(buf)), 1);
	ck_assert_ptr_nonnull(strstr(buf, "host bytes"));
	sys->phys.run_bytes--;
}
END_TEST

/* Page-table buffers come from the pool zeroed, whether the table was let
 * go all zero or not, and are used again: 200 tables twice over take the
 * two chunks the first 200 took, a small one (64 buffers) and a huge one
 * (512).  The frame table and the huge chunk sit on a 2 MiB boundary, so
 * that the host can back them with huge pages; the small chunk's buffers
 * on 4 KiB ones. */
START_TEST(test_phys_table_pool)
{
	static const uint8_t zeros[PAGE_SIZE];
	uint64_t pfn[200], tables = sys->phys.nr_tables;
	void *buf[200];

	ck_assert_uint_eq((uintptr_t)sys->phys.pages % (2UL << 20), 0);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 200; i++) {
			pfn[i] = phys_alloc(sys, PAGE_PGTABLE);
			ck_assert_uint_ne(pfn[i], UINT64_MAX);
			buf[i] = phys_page(sys, pfn[i])->data;
			ck_assert_int_eq(memcmp(buf[i], zeros, PAGE_SIZE), 0);
			for (int j = 0; j < i; j++)
				ck_assert_ptr_ne(buf[i], buf[j]);
			/* an entry in every other table, in its last word too */
			if (i % 2)
				phys_write(sys, pfn[i], PAGE_SIZE - 8, NULL,
					   0xee, 8);
		}
		for (int i = 0; i < 200; i++)
			if (i % 2)
				phys_put(sys, pfn[i]);
			else
				phys_put_zeroed_table(sys, pfn[i]);
	}
	ck_assert_uint_eq(sys->phys.tables.nr_chunks, 2);
	ck_assert_uint_eq(sys->phys.tables.chunks[0].bufs, TABLE_CHUNK_SMALL);
	ck_assert_uint_eq(sys->phys.tables.chunks[1].bufs, TABLE_CHUNK_HUGE);
	ck_assert_uint_eq((uintptr_t)sys->phys.tables.chunks[0].base % PAGE_SIZE, 0);
	ck_assert_uint_eq((uintptr_t)sys->phys.tables.chunks[1].base %
			  (2UL << 20), 0);
	ck_assert_uint_eq(sys->phys.nr_tables, tables);
}
END_TEST

/* A page names its file or anon_vma by a 29-bit id (folio->mapping in
 * 40 bytes): ids are handed out on first use, kept by the object, given
 * back when it goes and handed out again; an id past 16 bits comes back
 * whole.  The narrow fields keep what a 64 GiB machine needs: the
 * highest pfn as an LRU link, pfn 0 (the zero page) as the end, and the
 * mlock count stops at its largest value. */
START_TEST(test_phys_mapping_ids)
{
	static uint32_t ids[70000];
	uint32_t a = 0, b = 0, first;
	uint64_t pfn = phys_alloc(sys, PAGE_ANON);
	struct page *p = phys_page(sys, pfn);

	ck_assert_uint_eq(page_mapping_id(p), 0);
	ck_assert_ptr_null(phys_mapping(&sys->phys, p));
	page_set_mapping(&sys->phys, p, &a, &a);
	first = a;
	ck_assert_uint_ne(first, 0);
	ck_assert_ptr_eq(phys_mapping(&sys->phys, p), &a);
	page_set_mapping(&sys->phys, p, &b, &b);
	ck_assert_uint_ne(b, first);
	ck_assert_ptr_eq(phys_mapping(&sys->phys, p), &b);
	page_set_mapping(&sys->phys, p, &a, &a);        /* kept */
	ck_assert_uint_eq(a, first);
	mapping_id_put(&sys->phys, &a);
	ck_assert_uint_eq(a, 0);
	ck_assert_ptr_null(mapping_id_obj(&sys->phys, first));
	page_set_mapping(&sys->phys, p, &b, &b);
	ck_assert_ptr_eq(mapping_id_obj(&sys->phys, b), &b);
	for (int i = 0; i < 70000; i++)
		page_set_mapping(&sys->phys, p, &ids[i], &ids[i]);
	ck_assert_uint_eq(ids[0], first);               /* given out again */
	ck_assert_uint_gt(page_mapping_id(p), 1U << 16);
	ck_assert_ptr_eq(phys_mapping(&sys->phys, p), &ids[69999]);
	for (int i = 0; i < 70000; i++)
		mapping_id_put(&sys->phys, &ids[i]);
	mapping_id_put(&sys->phys, &b);
	page_set_mapping(&sys->phys, p, NULL, NULL);
	ck_assert_uint_eq(page_mapping_id(p), 0);

	ck_assert_uint_eq(sys->phys.zero_pfn, LRU_NIL);
	p->lru_prev = (1U << LRU_PFN_BITS) - 1;         /* a 64 GiB machine's last */
	ck_assert_uint_eq(p->lru_prev, (1U << LRU_PFN_BITS) - 1);
	folio_set_mlock_count(p, MLOCK_COUNT_MAX + 5);
	ck_assert_uint_eq(folio_mlock_count(p), MLOCK_COUNT_MAX);
	p->lru_prev = LRU_NIL;
	phys_put(sys, pfn);
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
	tcase_add_test(tc, test_phys_table_pool);
	tcase_add_test(tc, test_phys_mapping_ids);
	tc = t_tcase(s, "contents", setup_small, teardown);
	tcase_add_test(tc, test_phys_sparse_fill);
	tcase_add_test(tc, test_phys_copy);
	tcase_add_test(tc, test_phys_runs_random);
	tcase_add_test(tc, test_phys_check_contents);
	tc = t_tcase(s, "host-bytes", NULL, teardown);
	tcase_add_test(tc, test_phys_host_bytes);
	tc = t_tcase(s, "oom", setup_small, teardown);
	tcase_add_test(tc, test_phys_oom);
	return s;
}
