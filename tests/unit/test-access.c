/* SPDX-License-Identifier: MIT */
/*
 * Accesses (src/engine/access.c): round trips of write and read across
 * pages, fills that give no frame a buffer, and the scale check: one byte
 * into each page of an 8 GiB mapping with host memory far below the
 * simulated RSS.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "engine.h"
#include "suites.h"

#define BASE 0x200000000000ULL
#define RW (VMSH_PROT_READ | VMSH_PROT_WRITE)
#define PA (VMSH_MAP_PRIVATE | VMSH_MAP_ANONYMOUS | VMSH_MAP_FIXED)

static struct vmsh_sys *sys;

static void make(uint64_t ram)
{
	struct vmsh_config cfg;

	vmsh_config_default(&cfg);
	if (ram)
		cfg.ram = ram;
	sys = vmsh_sys_new(&cfg);
	ck_assert_ptr_nonnull(sys);
}

static void teardown(void)
{
	if (sys)
		vmsh_sys_free(sys);
	sys = NULL;
}

static void checked(void)
{
	char buf[256];

	ck_assert_msg(vmsh_check(sys, buf, sizeof(buf)) == 0, "%s", buf);
	ck_assert_msg(check_pages(sys, buf, sizeof(buf)) == 0, "%s", buf);
}

static bool map(uint64_t addr, uint64_t len)
{
	uint64_t out;
	int r = vmsh_mmap(sys, addr, len, RW, PA, NULL, 0, &out);

	ck_assert_int_eq(r, 0);
	return true;
}

static uint64_t buffers(void)
{
	uint64_t pfn, n = 0;

	for (pfn = 0; pfn < sys->phys.nframes; pfn++)
		n += sys->phys.pages[pfn].data != NULL &&
		     sys->phys.pages[pfn].kind != PAGE_PGTABLE;
	return n;
}

START_TEST(test_access_roundtrip)
{
	static const char msg[] = "across the page boundary";
	struct vmsh_fault f;
	uint8_t buf[64];
	uint64_t done;

	make(0);
	if (!map(BASE, 3 * PAGE_SIZE))
		return;
	ck_assert_int_eq(vmsh_write(sys, BASE + PAGE_SIZE - 6,
				    (const uint8_t *)msg, 0, sizeof(msg) - 1,
				    &done, &f), 0);
	ck_assert_uint_eq(done, sizeof(msg) - 1);
	ck_assert_int_eq(vmsh_read(sys, BASE + PAGE_SIZE - 8, buf, 30, &done, &f), 0);
	ck_assert_uint_eq(done, 30);
	ck_assert_mem_eq(buf, "\0\0across the page boundary", 26);
	/* untouched third page reads as zeroes */
	ck_assert_int_eq(vmsh_read(sys, BASE + 2 * PAGE_SIZE, buf, 8, &done, &f), 0);
	ck_assert_mem_eq(buf, "\0\0\0\0\0\0\0\0", 8);
	/* a read past the end stops there */
	ck_assert_int_eq(vmsh_read(sys, BASE + 3 * PAGE_SIZE - 4, buf, 8, &done, &f), 1);
	ck_assert_uint_eq(done, 4);
	ck_assert_uint_eq(f.addr, BASE + 3 * PAGE_SIZE);
	checked();
}
END_TEST

START_TEST(test_access_fill_no_buffers)
{
	struct vmsh_fault f;
	uint64_t done, len = 64ULL << 20;
	uint8_t b;

	make(0);
	if (!map(BASE, len))
		return;
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 0x5a, len, &done, &f), 0);
	ck_assert_uint_eq(done, len);
	ck_assert_uint_eq(buffers(), 0);
	/* a fill that starts mid-page: at most the two end pages get one */
	ck_assert_int_eq(vmsh_write(sys, BASE + 100, NULL, 1, len - 200, &done, &f), 0);
	ck_assert_uint_le(buffers(), 2);
	ck_assert_int_eq(vmsh_read(sys, BASE + len / 2, &b, 1, NULL, &f), 0);
	ck_assert_uint_eq(b, 1);
	ck_assert_int_eq(vmsh_read(sys, BASE + 99, &b, 1, NULL, &f), 0);
	ck_assert_uint_eq(b, 0x5a);
	checked();
}
END_TEST

/* The scale check: 8 GiB of simulated RSS in a few hundred MB of host. */
START_TEST(test_access_scale_8g)
{
	const uint64_t len = 8ULL << 30;
	struct vmsh_fault f;
	struct vmsh_mm_info mi;
	struct rusage ru;
	uint64_t a;

	make(16ULL << 30);
	if (!map(BASE, len))
		return;
	for (a = BASE; a < BASE + len; a += PAGE_SIZE) {
		uint8_t byte = (uint8_t)(a >> PAGE_SHIFT) | 1;

		if (vmsh_write(sys, a + 17, &byte, 0, 1, NULL, &f))
			ck_abort_msg("write at %#llx: signal %d", (unsigned long long)a,
				     f.signo);
	}
	ck_assert_int_eq(vmsh_mm_info(sys, 0, &mi), 0);
	ck_assert_uint_eq(mi.rss_anon, len >> PAGE_SHIFT);
	ck_assert_uint_eq(buffers(), 0);
	ck_assert_int_eq(vmsh_munmap(sys, BASE, len), 0);
	ck_assert_int_eq(vmsh_mm_info(sys, 0, &mi), 0);
	ck_assert_uint_eq(mi.rss_anon, 0);
	ck_assert_uint_eq(mi.hiwater_rss, len >> PAGE_SHIFT);
	checked();
	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, "scale: 8 GiB simulated RSS, host peak RSS %ld MiB\n",
		ru.ru_maxrss / 1024);
	ck_assert_int_lt(ru.ru_maxrss, 1024 * 1024);   /* < 1 GiB */
}
END_TEST

Suite *access_suite(void)
{
	Suite *s = suite_create("access");
	TCase *tc = tcase_create("access");
	TCase *scale = tcase_create("scale");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_access_roundtrip);
	tcase_add_test(tc, test_access_fill_no_buffers);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(scale, NULL, teardown);
	tcase_set_timeout(scale, 240);
	tcase_add_test(scale, test_access_scale_8g);
	suite_add_tcase(s, scale);
	return s;
}
