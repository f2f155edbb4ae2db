/* SPDX-License-Identifier: MIT */
/*
 * The views (src/views): the shared formatters, the /proc formats, and
 * view_print() over a fresh machine.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "views.h"
#include "suites.h"

/* ---- formatters ---- */

START_TEST(test_views_size)
{
	char b[32];

	ck_assert_str_eq(fmt_size(4096, SIZE_EXACT, b, sizeof(b)), "4K");
	ck_assert_str_eq(fmt_size(1536 << 10, SIZE_EXACT, b, sizeof(b)), "1536K");
	ck_assert_str_eq(fmt_size(1000, SIZE_EXACT, b, sizeof(b)), "1000");
	ck_assert_str_eq(fmt_size(1ULL << 40, SIZE_EXACT, b, sizeof(b)), "1T");
	ck_assert_str_eq(fmt_size(1ULL << 50, SIZE_EXACT, b, sizeof(b)), "1024T");
	ck_assert_str_eq(fmt_size(0, SIZE_EXACT, b, sizeof(b)), "0");
	ck_assert_str_eq(fmt_size(1536 << 10, SIZE_ROUGH, b, sizeof(b)), "1.5M");
	ck_assert_str_eq(fmt_size(1000, SIZE_ROUGH, b, sizeof(b)), "1000");
	ck_assert_str_eq(fmt_size(0, SIZE_ROUGH, b, sizeof(b)), "0");
	ck_assert_str_eq(fmt_size(132 << 10, SIZE_ROUGH, b, sizeof(b)), "132K");
	/* the gap under the stack of a 4-level machine: just short of 96T */
	ck_assert_str_eq(fmt_size(0x5fffffedc000ULL, SIZE_ROUGH, b, sizeof(b)), "96.0T");
	/* hex always with 0x, never padded */
	ck_assert_str_eq(fmt_hex(0, b, sizeof(b)), "0x0");
	ck_assert_str_eq(fmt_hex(0x7ffff7fef000ULL, b, sizeof(b)), "0x7ffff7fef000");
	ck_assert_str_eq(fmt_hex(~0ULL, b, sizeof(b)), "0xffffffffffffffff");
}
END_TEST

START_TEST(test_views_perms)
{
	char b[5];

	ck_assert_str_eq(fmt_perms(0x1 | 0x2, b), "rw-p");
	ck_assert_str_eq(fmt_perms(0x1 | 0x4 | 0x8 | 0x80, b), "r-xs");
	/* a read-only shared file mapping has VM_MAYSHARE without VM_SHARED */
	ck_assert_str_eq(fmt_perms(0x1 | 0x80, b), "r--s");
	ck_assert_str_eq(fmt_perms(0x8, b), "---p");
}
END_TEST

START_TEST(test_views_vmflags)
{
	char b[128];

	/* a private anonymous rw- VMA: VM_READ|WRITE|MAYREAD|MAYWRITE|MAYEXEC|ACCOUNT */
	ck_assert_uint_eq(fmt_vmflags(0x100073, b, sizeof(b)), 18);
	ck_assert_str_eq(b, "rd wr mr mw me ac ");
	ck_assert_uint_eq(fmt_vmflags(0, b, sizeof(b)), 0);
	ck_assert_str_eq(b, "");
	/* too small a buffer: cut, still terminated, full length returned */
	ck_assert_uint_eq(fmt_vmflags(0x100073, b, 7), 18);
	ck_assert_str_eq(b, "rd wr ");
}
END_TEST

START_TEST(test_views_pte_bits)
{
	char b[128];

	fmt_pte_bits(0x8000000000000067ULL, true, b, sizeof(b));
	ck_assert_str_eq(b, "P RW US A D NX");
	/* bit 7 is PAT in a PTE, PS above */
	fmt_pte_bits(0x81, true, b, sizeof(b));
	ck_assert_str_eq(b, "P PAT");
	fmt_pte_bits(0x81, false, b, sizeof(b));
	ck_assert_str_eq(b, "P PS");
	/* a PROT_NONE PTE: not present, the global bit is _PAGE_PROTNONE */
	fmt_pte_bits(0x100, true, b, sizeof(b));
	ck_assert_str_eq(b, "PROTNONE");
	fmt_pte_bits(0x3ULL << 59 | 1, true, b, sizeof(b));
	ck_assert_str_eq(b, "P PKEY=3");
}
END_TEST

/* ---- hexdump, /proc lines, signal lines ---- */

static char *capture(void (*fn)(FILE *, const void *), const void *arg)
{
	static char *buf;
	static size_t len;
	FILE *f;

	buf = NULL;
	len = 0;
	f = open_memstream(&buf, &len);

	fn(f, arg);
	fclose(f);
	return buf;
}

static void dump20(FILE *f, const void *arg)
{
	struct hexdump h;

	hexdump_init(&h, f, 16, 0x7ffff7ffe000ULL);
	hexdump_feed(&h, (const uint8_t *)arg, 7);
	hexdump_feed(&h, (const uint8_t *)arg + 7, 13);
	hexdump_finish(&h);
}

static void dump_file(FILE *f, const void *arg)
{
	struct hexdump h;

	hexdump_init(&h, f, 8, 3);
	hexdump_feed(&h, (const uint8_t *)arg, 8);
	hexdump_finish(&h);
}

static void dump_none(FILE *f, const void *arg)
{
	struct hexdump h;

	(void)arg;
	hexdump_init(&h, f, 16, 0x1000);
	hexdump_finish(&h);
}

START_TEST(test_views_hexdump)
{
	char *s;

	/* the layout of `printf 'This is a map test!\1' | hexdump -C -v` */
	s = capture(dump20, "This is a map test!\x01");
	ck_assert_str_eq(s,
		"00007ffff7ffe000  54 68 69 73 20 69 73 20  61 20 6d 61 70 20 74 65  |This is a map te|\n"
		"00007ffff7ffe010  73 74 21 01                                       |st!.|\n"
		"00007ffff7ffe014\n");
	free(s);
	s = capture(dump_file, "abcdefgh");
	ck_assert_str_eq(s,
		"00000003  61 62 63 64 65 66 67 68                           |abcdefgh|\n"
		"0000000b\n");
	free(s);
	s = capture(dump_none, NULL);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

static void maps_line(FILE *f, const void *arg)
{
	view_maps_line(f, arg);
}

START_TEST(test_views_maps_line)
{
	struct vmsh_vma_info v;
	char *s;

	memset(&v, 0, sizeof(v));
	v.start = 0x200000000000ULL;
	v.end = 0x200000002000ULL;
	v.flags = 0x3 | 0x70;           /* rw, may rwx: private */
	v.pgoff = v.start >> 12;        /* anonymous: the offset shows 0 */
	s = capture(maps_line, &v);
	ck_assert_str_eq(s, "200000000000-200000002000 rw-p 00000000 00:00 0 \n");
	free(s);

	/* a named VMA: the name starts at column 73 */
	v.start = 0x7ffffffde000ULL;
	v.end = 0x7ffffffff000ULL;
	v.flags = 0x3;
	v.pgoff = v.start >> 12;
	v.name = "[stack]";
	s = capture(maps_line, &v);
	ck_assert_str_eq(s, "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0"
			 "                          [stack]\n");
	ck_assert_int_eq(strchr(s, '[') - s, 73);
	free(s);

	/* shared file mapping with an offset, a device and an inode */
	v.start = 0x10000;
	v.end = 0x11000;
	v.flags = 0x1 | 0x4 | 0x80 | 0x8;
	v.pgoff = 2;
	v.dev_major = 0;
	v.dev_minor = 0x1a;
	v.ino = 247134;
	v.name = "/tmp/f";
	s = capture(maps_line, &v);
	ck_assert_str_eq(s, "00010000-00011000 r-xs 00002000 00:1a 247134"
			 "                             /tmp/f\n");
	ck_assert_int_eq(strchr(s, '/') - s, 73);
	free(s);
}
END_TEST

static void smaps_block(FILE *f, const void *arg)
{
	const struct vmsh_vma_info *v = arg;
	struct vmsh_smaps s;

	memset(&s, 0, sizeof(s));
	s.size = v->end - v->start;
	s.rss = s.pss = s.private_dirty = s.referenced = s.anonymous = 4096;
	s.pss_dirty = 4096;
	view_smaps_block(f, v, &s);
}

START_TEST(test_views_smaps_block)
{
	struct vmsh_vma_info v;
	char *s;
	const char *vmflags;

	memset(&v, 0, sizeof(v));
	v.start = 0x200000000000ULL;
	v.end = 0x200000002000ULL;
	v.flags = 0x3 | 0x70 | 0x00100000; /* VM_ACCOUNT */
	s = capture(smaps_block, &v);
	/* the field lines, as /proc/PID/smaps prints them on Linux 6.18 */
	vmflags = strstr(s, "VmFlags: ");
	ck_assert_ptr_nonnull(vmflags);
	*strchr(vmflags, '\n') = '\0';
	ck_assert_int_eq(strncmp(s,
		"200000000000-200000002000 rw-p 00000000 00:00 0 \n"
		"Size:                  8 kB\n"
		"KernelPageSize:        4 kB\n"
		"MMUPageSize:           4 kB\n"
		"Rss:                   4 kB\n"
		"Pss:                   4 kB\n"
		"Pss_Dirty:             4 kB\n"
		"Shared_Clean:          0 kB\n"
		"Shared_Dirty:          0 kB\n"
		"Private_Clean:         0 kB\n"
		"Private_Dirty:         4 kB\n"
		"Referenced:            4 kB\n"
		"Anonymous:             4 kB\n"
		"KSM:                   0 kB\n"
		"LazyFree:              0 kB\n"
		"AnonHugePages:         0 kB\n"
		"ShmemPmdMapped:        0 kB\n"
		"FilePmdMapped:         0 kB\n"
		"Shared_Hugetlb:        0 kB\n"
		"Private_Hugetlb:       0 kB\n"
		"Swap:                  0 kB\n"
		"SwapPss:               0 kB\n"
		"Locked:                0 kB\n"
		"THPeligible:           0\n"
		"VmFlags: ", (size_t)(vmflags + 9 - s)), 0);
	free(s);
}
END_TEST

START_TEST(test_views_fault_lines)
{
	struct vmsh_fault f = { SIGSEGV, SEGV_MAPERR, 0x200000005000ULL, 1 };
	char *buf = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&buf, &len);

	view_fault(o, &f, false);
	f.code = SEGV_ACCERR;
	view_fault(o, &f, false);
	f.signo = SIGBUS;
	f.code = BUS_ADRERR;
	view_fault(o, &f, false);
	f.signo = SIGKILL;
	f.pid = 3;
	view_fault(o, &f, false);
	fclose(o);
	ck_assert_str_eq(buf,
		"pid 1: SIGSEGV (SEGV_MAPERR) at 0x200000005000\n"
		"pid 1: SIGSEGV (SEGV_ACCERR) at 0x200000005000\n"
		"pid 1: SIGBUS (BUS_ADRERR) at 0x200000005000\n"
		"pid 3: killed (out of memory)\n");
	free(buf);
}
END_TEST

/* ---- view_print over a machine ---- */

static char *print_view(const struct vmsh_sys *sys, enum backend_view v,
			const struct backend_view_args *a, int *ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	*ret = view_print(sys, v, a, f);
	fclose(f);
	return buf;
}

START_TEST(test_views_print)
{
	struct vmsh_config cfg;
	struct backend_view_args a = { 0 };
	struct vmsh_sys *sys;
	char *text;
	int ret;

	vmsh_config_default(&cfg);
	sys = vmsh_sys_new(&cfg);
	ck_assert_ptr_nonnull(sys);
	text = print_view(sys, BV_CHECK, &a, &ret);
	ck_assert_int_eq(ret, 0);
	ck_assert_str_eq(text, "ok\n");
	free(text);
	text = print_view(sys, BV_PS, &a, &ret);
	ck_assert_int_eq(ret, 0);
	ck_assert_str_eq(text,
		"  PID  PPID KIND        MM MM_USERS MM_COUNT  VMAS    RSS CPU\n"
		"*   1     0 process      1        1        1     1      0   0\n");
	free(text);
	/* a pid that names no task: -ESRCH, and nothing printed */
	a.pid = 7;
	text = print_view(sys, BV_VMAS, &a, &ret);
	ck_assert_int_eq(ret, -ESRCH);
	ck_assert_str_eq(text, "");
	free(text);
	a.pid = 0;
	a.what = "nothing";
	text = print_view(sys, BV_DOT, &a, &ret);
	ck_assert_int_eq(ret, -EINVAL);
	free(text);
	vmsh_sys_free(sys);
}
END_TEST

Suite *views_suite(void)
{
	Suite *s = suite_create("views");
	TCase *tc;

	tc = tcase_create("formatters");
	tcase_add_test(tc, test_views_size);
	tcase_add_test(tc, test_views_perms);
	tcase_add_test(tc, test_views_vmflags);
	tcase_add_test(tc, test_views_pte_bits);
	suite_add_tcase(s, tc);

	tc = tcase_create("proc");
	tcase_add_test(tc, test_views_hexdump);
	tcase_add_test(tc, test_views_maps_line);
	tcase_add_test(tc, test_views_smaps_block);
	tcase_add_test(tc, test_views_fault_lines);
	suite_add_tcase(s, tc);

	tc = tcase_create("print");
	tcase_add_test(tc, test_views_print);
	suite_add_tcase(s, tc);
	return s;
}
