/* SPDX-License-Identifier: MIT */
/*
 * Accesses (src/engine/access.c): round trips of write and read across
 * pages, fills that give no frame a buffer, and the scale check: one byte
 * into each page of an 8 GiB mapping with host memory far below the
 * simulated RSS; Ctrl-C stopping accesses and fork.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "phys.h"
#include "suites.h"
#include "sys.h"
#include "vmsh-test.h"

#define BASE T_BASE

static struct vmsh_sys *sys;

static void teardown(void) { t_sys_free(&sys); }
static void checked(void) { t_check(sys); }

static uint64_t buffers(void)
{
	uint64_t pfn, n = 0;

	for (pfn = 0; pfn < sys->phys.nframes; pfn++)
		n += sys->phys.pages[pfn].data_kind == PAGE_DATA_BUF;
	return n;
}

START_TEST(test_access_roundtrip)
{
	static const char msg[] = "across the page boundary";
	struct vmsh_fault f;
	uint8_t buf[64];
	uint64_t done;

	sys = t_sys_make(true, 0);
	t_map(sys, BASE, 3 * PAGE_SIZE, T_RW, T_FIXED);
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

	sys = t_sys_make(true, 0);
	t_map(sys, BASE, len, T_RW, T_FIXED);
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

	sys = t_sys_make(true, 16ULL << 30);
	t_map(sys, BASE, len, T_RW, T_FIXED);
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

/* Ctrl-C (vmsh_sys_set_interrupt): accesses stop with -EINTR where they
 * are, fork creates no child, and the model stays consistent. */
START_TEST(test_access_interrupt)
{
	static volatile sig_atomic_t flag;
	struct vmsh_fault f;
	struct vmsh_mm_info mi;
	uint64_t addr, done = 1;
	uint8_t buf[16];
	int child = 0;

	sys = t_sys_new();
	ck_assert_int_eq(vmsh_mmap(sys, BASE, 16 * T_PG, VMSH_PROT_READ | VMSH_PROT_WRITE,
				   VMSH_MAP_PRIVATE | VMSH_MAP_ANONYMOUS | VMSH_MAP_FIXED,
				   NULL, 0, &addr), 0);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 1, 4 * T_PG, NULL, &f), 0);
	vmsh_sys_set_interrupt(sys, &flag);
	flag = 1;
	ck_assert_int_eq(vmsh_touch(sys, BASE + 4 * T_PG, 8 * T_PG, &f), -EINTR);
	ck_assert_uint_eq(f.addr, BASE + 4 * T_PG);
	ck_assert_int_eq(vmsh_write(sys, BASE + 5, NULL, 2, 3 * T_PG, &done, &f), -EINTR);
	ck_assert_uint_eq(done, 0);
	ck_assert_int_eq(vmsh_read(sys, BASE, buf, sizeof(buf), &done, &f), -EINTR);
	ck_assert_int_eq(vmsh_fork(sys, &child), -EINTR);
	ck_assert_int_eq(child, 0);
	ck_assert_int_eq(vmsh_mm_info(sys, 2, &mi), -ESRCH);
	ck_assert_int_eq(vmsh_mm_info(sys, 0, &mi), 0);
	ck_assert_uint_eq(mi.rss_anon, 4);
	checked();
	flag = 0;
	ck_assert_int_eq(vmsh_touch(sys, BASE, 16 * T_PG, &f), 0);
	ck_assert_int_eq(vmsh_fork(sys, &child), 0);
	ck_assert_int_eq(child, 2);     /* the interrupted fork took no pid */
	checked();
}
END_TEST

Suite *access_suite(void)
{
	Suite *s = suite_create("access");
	TCase *tc;

	tc = t_tcase(s, "roundtrip", NULL, teardown);
	tcase_add_test(tc, test_access_roundtrip);
	tc = t_tcase(s, "sparse", NULL, teardown);
	tcase_add_test(tc, test_access_fill_no_buffers);
	tc = t_tcase(s, "interrupt", NULL, teardown);
	tcase_add_test(tc, test_access_interrupt);
	tc = t_tcase(s, "scale", NULL, teardown);
	tcase_add_test(tc, test_access_scale_8g);
	tcase_set_timeout(tc, 240);
	return s;
}
