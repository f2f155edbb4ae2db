/* SPDX-License-Identifier: MIT */
/* Simulated files and their page cache (file.c). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "sys.h"
#include "vmsh-test.h"

static struct vmsh_sys *sys;

static void setup(void) { sys = t_sys_make(true, 64ULL << 20); }
static void teardown(void) { t_sys_free(&sys); }
static void checked(void) { t_check(sys); }

static struct vmsh_file_info info(const char *name)
{
	struct vmsh_file_info fi;

	ck_assert_int_eq(vmsh_file_find_info(sys, name, &fi), 0);
	return fi;
}

START_TEST(test_file_create_is_sparse)
{
	struct vmsh_file_info fi;

	ck_assert_int_eq(vmsh_file_create(sys, "a", 4096, false), 0);
	checked();
	fi = info("a");
	ck_assert_uint_eq(fi.size, 4096);
	ck_assert_uint_eq(fi.cached_pages, 0);
	ck_assert_uint_eq(fi.dirty_pages, 0);
	ck_assert_uint_eq(fi.ino, 2);
	ck_assert_int_eq(fi.mapcount, 0);
	ck_assert(!fi.disk);
	ck_assert_int_eq(vmsh_file_create(sys, "b", 0, true), 0);
	ck_assert_uint_eq(info("b").ino, 3);
	ck_assert(info("b").disk);
	ck_assert_int_eq(vmsh_file_create(sys, "/dev/shm/c", 0, false), -EINVAL);
}
END_TEST

START_TEST(test_file_create_errors)
{
	char longname[300];

	ck_assert_int_eq(vmsh_file_create(sys, "a", 0, false), 0);
	ck_assert_int_eq(vmsh_file_create(sys, "a", 0, false), -EEXIST);
	ck_assert_int_eq(vmsh_file_create(sys, "", 0, false), -EINVAL);
	ck_assert_int_eq(vmsh_file_create(sys, "x/y", 0, false), -EINVAL);
	ck_assert_int_eq(vmsh_file_create(sys, "..", 0, false), -EINVAL);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	ck_assert_int_eq(vmsh_file_create(sys, longname, 0, false), -ENAMETOOLONG);
	ck_assert_int_eq(vmsh_file_create(sys, "big", 1ULL << 63, false), -EFBIG);
	ck_assert_int_eq(vmsh_file_write(sys, "nope", 0, (const uint8_t *)"x", 1),
			 -ENOENT);
	ck_assert_int_eq(vmsh_file_truncate(sys, "nope", 0), -ENOENT);
	ck_assert_int_eq(vmsh_file_rm(sys, "nope"), -ENOENT);
	checked();
}
END_TEST

START_TEST(test_file_ls_sorted_by_name)
{
	struct vmsh_file_info fi;

	ck_assert_int_eq(vmsh_file_create(sys, "zeta", 0, false), 0);
	ck_assert_int_eq(vmsh_file_create(sys, "alpha", 0, false), 0);
	ck_assert_int_eq(vmsh_file_create(sys, "mid", 0, false), 0);
	ck_assert(t_file_nth(sys, 0, &fi));
	ck_assert_str_eq(fi.name, "alpha");
	ck_assert(t_file_nth(sys, 2, &fi));
	ck_assert_str_eq(fi.name, "zeta");
	ck_assert(!t_file_nth(sys, 3, &fi));
}
END_TEST

START_TEST(test_file_write_dirties_cache_pages)
{
	uint8_t buf[16];
	uint64_t done;

	ck_assert_int_eq(vmsh_file_create(sys, "f", 4096, false), 0);
	ck_assert_int_eq(vmsh_file_write(sys, "f", 0, (const uint8_t *)"hello", 5), 0);
	checked();
	ck_assert_uint_eq(info("f").cached_pages, 1);
	ck_assert_uint_eq(info("f").dirty_pages, 1);
	ck_assert_uint_eq(info("f").size, 4096);
	ck_assert_int_eq(vmsh_file_read(sys, "f", 0, buf, 8, &done), 0);
	ck_assert_uint_eq(done, 8);
	ck_assert_mem_eq(buf, "hello\0\0\0", 8);
}
END_TEST

START_TEST(test_file_write_extends_size)
{
	ck_assert_int_eq(vmsh_file_create(sys, "f", 0, false), 0);
	ck_assert_int_eq(vmsh_file_write(sys, "f", 8190, (const uint8_t *)"abcde", 5), 0);
	checked();
	ck_assert_uint_eq(info("f").size, 8195);
	ck_assert_uint_eq(info("f").cached_pages, 2);
}
END_TEST

START_TEST(test_file_read_stops_at_eof)
{
	uint8_t buf[64];
	uint64_t done = 99;

	ck_assert_int_eq(vmsh_file_create(sys, "f", 10, false), 0);
	ck_assert_int_eq(vmsh_file_read(sys, "f", 4, buf, 64, &done), 0);
	ck_assert_uint_eq(done, 6);
	ck_assert_int_eq(vmsh_file_read(sys, "f", 10, buf, 64, &done), 0);
	ck_assert_uint_eq(done, 0);
}
END_TEST

START_TEST(test_file_read_tmpfs_hole_caches_nothing)
{
	uint8_t buf[8192];
	uint64_t done;

	ck_assert_int_eq(vmsh_file_create(sys, "t", 8192, false), 0);
	ck_assert_int_eq(vmsh_file_create(sys, "d", 8192, true), 0);
	ck_assert_int_eq(vmsh_file_read(sys, "t", 0, buf, 8192, &done), 0);
	ck_assert_int_eq(vmsh_file_read(sys, "d", 0, buf, 8192, &done), 0);
	checked();
	ck_assert_uint_eq(info("t").cached_pages, 0);
	ck_assert_uint_eq(info("d").cached_pages, 2);
	ck_assert_uint_eq(info("d").dirty_pages, 0);
}
END_TEST

START_TEST(test_file_truncate_drops_pages_zeroes_tail)
{
	uint8_t buf[8];
	uint64_t done;

	ck_assert_int_eq(vmsh_file_create(sys, "f", 0, false), 0);
	/* fill 4 pages with 'a' */
	{
		static uint8_t a[4 * 4096];

		memset(a, 'a', sizeof(a));
		ck_assert_int_eq(vmsh_file_write(sys, "f", 0, a, sizeof(a)), 0);
	}
	ck_assert_uint_eq(info("f").cached_pages, 4);
	ck_assert_int_eq(vmsh_file_truncate(sys, "f", 4096 + 10), 0);
	checked();
	ck_assert_uint_eq(info("f").cached_pages, 2);
	ck_assert_uint_eq(info("f").size, 4106);
	ck_assert_int_eq(vmsh_file_truncate(sys, "f", 8192), 0);
	checked();
	ck_assert_int_eq(vmsh_file_read(sys, "f", 4096 + 8, buf, 4, &done), 0);
	ck_assert_uint_eq(done, 4);
	ck_assert_mem_eq(buf, "aa\0\0", 4);
}
END_TEST

START_TEST(test_file_rm_unmapped_file_goes)
{
	struct vmsh_file_info fi;

	ck_assert_int_eq(vmsh_file_create(sys, "f", 0, false), 0);
	ck_assert_int_eq(vmsh_file_write(sys, "f", 0, (const uint8_t *)"x", 1), 0);
	ck_assert_int_eq(vmsh_file_rm(sys, "f"), 0);
	checked();
	ck_assert_int_eq(vmsh_file_find_info(sys, "f", &fi), -ENOENT);
	ck_assert(!t_file_nth(sys, 0, &fi));
	/* the name can be reused */
	ck_assert_int_eq(vmsh_file_create(sys, "f", 0, false), 0);
}
END_TEST

START_TEST(test_file_cache_survives_many_pages)
{
	uint64_t i, done;
	uint8_t b;

	ck_assert_int_eq(vmsh_file_create(sys, "f", 0, false), 0);
	for (i = 0; i < 3000; i++) {
		b = (uint8_t)i;
		ck_assert_int_eq(vmsh_file_write(sys, "f", (i * 7919 % 5000) << 12, &b, 1), 0);
	}
	checked();
	ck_assert_uint_eq(info("f").cached_pages, 3000);
	ck_assert_int_eq(vmsh_file_truncate(sys, "f", 2500ULL << 12), 0);
	checked();
	for (i = 0; i < 3000; i++) {
		uint64_t idx = i * 7919 % 5000;

		if (idx >= 2500)
			continue;
		ck_assert_int_eq(vmsh_file_read(sys, "f", idx << 12, &b, 1, &done), 0);
		ck_assert_uint_eq(b, (uint8_t)i);
	}
	ck_assert_int_eq(vmsh_file_rm(sys, "f"), 0);
	checked();
}
END_TEST

/* 64 MiB of RAM hold fewer than 64 writes of 1 MiB: one of them fails
 * with ENOSPC and leaves the file as it was. */
START_TEST(test_file_write_out_of_frames_changes_nothing)
{
	static uint8_t big[1 << 20];
	uint64_t size = 0;
	int n, err = 0;

	ck_assert_int_eq(vmsh_file_create(sys, "f", 0, false), 0);
	ck_assert_int_eq(vmsh_file_write(sys, "f", 0, NULL, 0), 0);
	for (n = 0; n < 64 && !err; n++) {
		size = info("f").size;
		err = vmsh_file_write(sys, "f", size, big, sizeof(big));
	}
	ck_assert_int_eq(err, -ENOSPC);
	checked();
	ck_assert_uint_eq(info("f").size, size);
	ck_assert_uint_eq(info("f").size, info("f").cached_pages << 12);
}
END_TEST

Suite *file_suite(void)
{
	Suite *s = suite_create("file");
	TCase *tc;

	tc = t_tcase(s, "names", setup, teardown);
	tcase_add_test(tc, test_file_create_is_sparse);
	tcase_add_test(tc, test_file_create_errors);
	tcase_add_test(tc, test_file_ls_sorted_by_name);
	tcase_add_test(tc, test_file_rm_unmapped_file_goes);
	tc = t_tcase(s, "io", setup, teardown);
	tcase_add_test(tc, test_file_write_dirties_cache_pages);
	tcase_add_test(tc, test_file_write_extends_size);
	tcase_add_test(tc, test_file_read_stops_at_eof);
	tcase_add_test(tc, test_file_read_tmpfs_hole_caches_nothing);
	tc = t_tcase(s, "truncate", setup, teardown);
	tcase_add_test(tc, test_file_truncate_drops_pages_zeroes_tail);
	tcase_add_test(tc, test_file_cache_survives_many_pages);
	tc = t_tcase(s, "oom", setup, teardown);
	tcase_add_test(tc, test_file_write_out_of_frames_changes_nothing);
	return s;
}
