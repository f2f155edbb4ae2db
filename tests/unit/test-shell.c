/* SPDX-License-Identifier: MIT */
/*
 * The shell's pure parts: the lexer, numbers, PROT/FLAGS/ADVICE, the
 * errno table, the command table.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shell.h"
#include "suites.h"

/* ---- lexer ---- */

START_TEST(test_shell_lex_words_and_commands)
{
	struct lexline ll;
	char err[128];
	const char *line = "a b;c  \"d e\" # f; g\n";

	ck_assert_int_eq(lex_line(line, strlen(line), &ll, err, sizeof(err)), 0);
	ck_assert_uint_eq(ll.ncmd, 2);
	ck_assert_uint_eq(ll.cmd[0].ntok, 2);
	ck_assert_str_eq(ll.cmd[0].tok[0].text, "a");
	ck_assert_str_eq(ll.cmd[0].tok[1].text, "b");
	ck_assert_str_eq(ll.cmd[0].text, "a b");
	ck_assert_uint_eq(ll.cmd[1].ntok, 2);
	ck_assert_str_eq(ll.cmd[1].tok[1].text, "d e");
	ck_assert(ll.cmd[1].tok[1].quoted);
	ck_assert(!ll.cmd[1].tok[0].quoted);
	ck_assert_str_eq(ll.cmd[1].text, "c  \"d e\"");
	lex_free(&ll);
}
END_TEST

START_TEST(test_shell_lex_words_in_place)
{
	/* words stay in the arena's copy of the line, cut by NULs over
	 * their ends; a string is decoded over its own source */
	struct lexline ll;
	char err[128];
	const char *line = "\"a\";b \"c\\x41\\x00\";d;; e f g h i j k l m n o p q r s t | tr a b";

	ck_assert_int_eq(lex_line(line, strlen(line), &ll, err, sizeof(err)), 0);
	ck_assert_uint_eq(ll.ncmd, 4);
	ck_assert_str_eq(ll.cmd[0].tok[0].text, "a");
	ck_assert(ll.cmd[0].tok[0].quoted);
	ck_assert_str_eq(ll.cmd[0].text, "\"a\"");
	ck_assert_str_eq(ll.cmd[1].tok[0].text, "b");
	ck_assert_uint_eq(ll.cmd[1].tok[1].len, 3);
	ck_assert_int_eq(memcmp(ll.cmd[1].tok[1].text, "cA\0", 4), 0);
	ck_assert_str_eq(ll.cmd[1].text, "b \"c\\x41\\x00\"");
	ck_assert_str_eq(ll.cmd[2].tok[0].text, "d");
	ck_assert_uint_eq(ll.cmd[3].ntok, 16);
	ck_assert_str_eq(ll.cmd[3].tok[0].text, "e");
	ck_assert_str_eq(ll.cmd[3].tok[15].text, "t");
	ck_assert_str_eq(ll.cmd[3].pipe, "tr a b");
	ck_assert_str_eq(ll.cmd[3].text, "e f g h i j k l m n o p q r s t | tr a b");
	lex_free(&ll);
}
END_TEST

START_TEST(test_shell_lex_escapes)
{
	struct lexline ll;
	char err[128];
	const char *line = "\"\\n\\t\\\\\\\"\\x41\\x00z\"";

	ck_assert_int_eq(lex_line(line, strlen(line), &ll, err, sizeof(err)), 0);
	ck_assert_uint_eq(ll.ncmd, 1);
	ck_assert_uint_eq(ll.cmd[0].tok[0].len, 7);
	ck_assert_int_eq(memcmp(ll.cmd[0].tok[0].text, "\n\t\\\"A\0z", 7), 0);
	lex_free(&ll);
}
END_TEST

START_TEST(test_shell_lex_errors)
{
	static const char *const bad[] = {
		"\"open", "\"\\q\"", "\"\\x4\"", "\"a\"b", "a\"b\"", "\"\\",
	};
	struct lexline ll;
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_int_eq(lex_line(bad[i], strlen(bad[i]), &ll, err, sizeof(err)), -1);
		ck_assert(err[0] != '\0');
		ck_assert_uint_eq(ll.ncmd, 0);
	}
}
END_TEST

START_TEST(test_shell_lex_binary)
{
	struct lexline ll;
	char err[128];
	char junk[256];

	for (int i = 0; i < 256; i++)
		junk[i] = (char)(255 - i);
	/* may fail (a '"'), must not crash or read outside */
	if (lex_line(junk, sizeof(junk), &ll, err, sizeof(err)) == 0)
		lex_free(&ll);
	ck_assert_int_eq(lex_line("", 0, &ll, err, sizeof(err)), 0);
	ck_assert_uint_eq(ll.ncmd, 0);
	lex_free(&ll);
}
END_TEST

/* ---- numbers and keywords ---- */

START_TEST(test_shell_numbers)
{
	static const struct { const char *s; uint64_t v; } good[] = {
		{ "0", 0 }, { "4096", 4096 }, { "0x1000", 4096 }, { "0X1f", 31 },
		{ "0b101", 5 }, { "0o17", 15 }, { "64K", 65536 }, { "2M", 2 << 20 },
		{ "1G", 1ULL << 30 }, { "3T", 3ULL << 40 }, { "0x10K", 16384 },
		{ "18446744073709551615", UINT64_MAX },
		{ "0xffffffffffffffff", UINT64_MAX }, { "16777215T", 16777215ULL << 40 },
	};
	static const char *const bad[] = {
		"", "x", "-1", "+1", "0x", "0b2", "0o8", "12abc", "1KK",
		"1.5", " 1", "0x1q",
	};
	static const char *const big[] = {
		"18446744073709551616", "0x10000000000000000", "16777216T",
		"99999999999999999999999999",
	};
	const char *why;
	uint64_t v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(parse_number(good[i].s, &v, &why) == 0, "%s", good[i].s);
		ck_assert_msg(v == good[i].v, "%s", good[i].s);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse_number(bad[i], &v, &why) == -1, "%s", bad[i]);
		ck_assert_str_eq(why, "not a number");
	}
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		ck_assert_msg(parse_number(big[i], &v, &why) == -1, "%s", big[i]);
		ck_assert_str_eq(why, "too large");
	}
}
END_TEST

START_TEST(test_shell_prot)
{
	static const struct { const char *s; int v; } good[] = {
		{ "---", 0 }, { "none", 0 }, { "NONE", 0 }, { "PROT_NONE", 0 },
		{ "r--", 1 }, { "rw-", 3 }, { "r-x", 5 }, { "rwx", 7 }, { "-w-", 2 },
		{ "PROT_READ|PROT_WRITE", 3 }, { "prot_exec|prot_read", 5 },
		{ "PROT_READ|PROT_NONE", 1 }, { "0x3", 3 }, { "8", 8 },
	};
	static const char *const bad[] = {
		"", "rw", "rwxx", "wr-", "xrw", "PROT_READ|", "|PROT_READ",
		"PROT_READ||PROT_WRITE", "read", "PROT_READ,PROT_WRITE",
		"r", "-", "--", "---x", "nonex",
	};
	int p;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(parse_prot(good[i].s, &p) == 0, "%s", good[i].s);
		ck_assert_msg(p == good[i].v, "%s", good[i].s);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse_prot(bad[i], &p) == -1, "%s", bad[i]);
}
END_TEST

START_TEST(test_shell_flags)
{
	const char *bad;
	int f;

	ck_assert_int_eq(parse_flags("private|anon", &f, &bad), 0);
	ck_assert_int_eq(f, VMSH_MAP_PRIVATE | VMSH_MAP_ANONYMOUS);
	ck_assert_int_eq(parse_flags("MAP_SHARED,MAP_ANONYMOUS,map_fixed", &f, &bad), 0);
	ck_assert_int_eq(f, VMSH_MAP_SHARED | VMSH_MAP_ANONYMOUS | VMSH_MAP_FIXED);
	ck_assert_int_eq(parse_flags("Private|Fixed_NoReplace|populate|noreserve|locked|growsdown", &f, &bad), 0);
	ck_assert_int_eq(f, VMSH_MAP_PRIVATE | VMSH_MAP_FIXED_NOREPLACE |
			 VMSH_MAP_POPULATE | VMSH_MAP_NORESERVE | VMSH_MAP_LOCKED |
			 VMSH_MAP_GROWSDOWN);
	ck_assert_int_eq(parse_flags("noreplace|anonymous", &f, &bad), 0);
	ck_assert_int_eq(f, VMSH_MAP_FIXED_NOREPLACE | VMSH_MAP_ANONYMOUS);
	/* neither or both of private/shared parse: the call says EINVAL */
	ck_assert_int_eq(parse_flags("anon", &f, &bad), 0);
	ck_assert_int_eq(parse_flags("private|shared|anon", &f, &bad), 0);
	ck_assert_int_eq(f, VMSH_MAP_PRIVATE | VMSH_MAP_SHARED | VMSH_MAP_ANONYMOUS);
	ck_assert_int_eq(parse_flags("private|bogus", &f, &bad), -1);
	ck_assert_str_eq(bad, "bogus");
	ck_assert_int_eq(parse_flags("private||anon", &f, &bad), -1);
	ck_assert_int_eq(parse_flags("", &f, &bad), -1);
	ck_assert_int_eq(parse_flags("private|", &f, &bad), -1);
}
END_TEST

START_TEST(test_shell_advice)
{
	int a;

	ck_assert_int_eq(parse_advice("dontneed", &a), 0);
	ck_assert_int_eq(a, VMSH_MADV_DONTNEED);
	ck_assert_int_eq(parse_advice("MADV_WIPEONFORK", &a), 0);
	ck_assert_int_eq(a, VMSH_MADV_WIPEONFORK);
	ck_assert_int_eq(parse_advice("KeepOnFork", &a), 0);
	ck_assert_int_eq(a, VMSH_MADV_KEEPONFORK);
	ck_assert_int_eq(parse_advice("willneed", &a), 0);
	ck_assert_int_eq(a, VMSH_MADV_WILLNEED);
	ck_assert_int_eq(parse_advice("dontfork", &a), 0);
	ck_assert_int_eq(a, VMSH_MADV_DONTFORK);
	ck_assert_int_eq(parse_advice("dofork", &a), 0);
	ck_assert_int_eq(a, VMSH_MADV_DOFORK);
	ck_assert_int_eq(parse_advice("frob", &a), -1);
}
END_TEST

/* ---- the errno table ---- */

START_TEST(test_shell_errno_table)
{
	/* the fixed table agrees with glibc's messages in the C locale */
	static const int errs[] = {
		EPERM, ENOENT, ESRCH, EINTR, EIO, ENXIO, E2BIG, EBADF, EAGAIN,
		ENOMEM, EACCES, EFAULT, EBUSY, EEXIST, ENODEV, EINVAL, ENFILE,
		EMFILE, ETXTBSY, EFBIG, ENOSPC, EROFS, ERANGE, ENAMETOOLONG,
		ENOSYS, EOVERFLOW, EOPNOTSUPP, EISDIR, ENOTDIR, ENOTEMPTY,
	};

	setlocale(LC_ALL, "C");
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		ck_assert_str_eq(errno_text(-errs[i]), strerror(errs[i]));
	ck_assert_str_eq(errno_name(-EINVAL), "EINVAL");
	ck_assert_str_eq(errno_name(ENOMEM), "ENOMEM");
	ck_assert_str_eq(errno_name(-EEXIST), "EEXIST");
	ck_assert_str_eq(errno_name(-EAGAIN), "EAGAIN");
	ck_assert_str_eq(errno_name(-ENOSYS), "ENOSYS");
	ck_assert_str_eq(errno_name(-4000), "E4000");
	ck_assert_str_eq(errno_text(-4000), "Unknown error 4000");
}
END_TEST

/* ---- dispatch ---- */

START_TEST(test_shell_table_complete)
{
	static const char *const spec[] = {
		"mmap", "munmap", "mprotect", "mremap", "madvise", "mlock", "munlock",
		"mlockall", "munlockall", "mseal", "brk", "msync",
		"touch", "write", "read", "fork", "clone", "kthread", "execve",
		"layout", "shmctl",
		"kill", "switch", "ps", "file", "dev", "maps", "smaps", "pagemap", "vmas",
		"walk", "pt", "tree", "mt", "mm", "tlb", "frames", "khugepaged", "stat", "trace", "dot",
		"check", "help", "echo", "source", "set", "reset", "exit", "quit",
		"time", "apropos", "assert",
		"meminfo", "lru", "drain", "swapon", "swapoff", "setrlimit", "limits",
	};

	for (size_t i = 0; i < sizeof(spec) / sizeof(spec[0]); i++) {
		const struct command *c = command_find(spec[i]);

		ck_assert_msg(c != NULL, "%s", spec[i]);
		ck_assert_str_eq(c->name, spec[i]);
	}
	ck_assert_uint_eq(shell_ncommands, sizeof(spec) / sizeof(spec[0]));
	/* every entry is found as itself through the hash index */
	for (size_t i = 0; i < shell_ncommands; i++)
		ck_assert_ptr_eq(command_find(shell_commands[i].name),
				 &shell_commands[i]);
	ck_assert_ptr_null(command_find("frob"));
	ck_assert_ptr_null(command_find("mma"));
	ck_assert_ptr_null(command_find("mmapx"));
	ck_assert_ptr_null(command_find("MMAP"));
	ck_assert_ptr_null(command_find(""));
}
END_TEST

START_TEST(test_shell_parse_error_changes_nothing)
{
	struct shell sh;
	char *out = NULL, *err = NULL;
	size_t olen = 0, elen = 0;
	const char *script = "x = frob\n"
			     "y = brk $x+0x10000 extra\n"
			     "echo $x $y\n"
			     "x = brk foo\n";

	shell_init(&sh);
	sh.out = open_memstream(&out, &olen);
	sh.err = open_memstream(&err, &elen);
	sh.src = "t.vmsh";
	ck_assert(shell_new_machine(&sh));
	var_set(&sh, "x", 0x555555559000ULL, true);
	for (const char *p = script; *p;) {
		const char *nl = strchr(p, '\n');

		sh.line++;
		shell_run_line(&sh, p, (size_t)(nl - p));
		p = nl + 1;
	}
	ck_assert(sh.failed);
	ck_assert_ptr_nonnull(var_find(&sh, "x"));
	ck_assert_ptr_null(var_find(&sh, "y"));
	shell_fini(&sh);
	fclose(sh.out);
	fclose(sh.err);
	ck_assert_ptr_nonnull(strstr(err, "t.vmsh:1: error: unknown command 'frob'"));
	ck_assert_ptr_nonnull(strstr(err, "t.vmsh:2: error: brk: unexpected argument 'extra'"));
	ck_assert_ptr_nonnull(strstr(err, "t.vmsh:3: error: undefined variable '$y'"));
	ck_assert_ptr_nonnull(strstr(err, "t.vmsh:4: error: brk: expected ADDR (a number), got 'foo'"));
	free(out);
	free(err);
}
END_TEST

/* A script file is read in 64 KiB blocks: lines across a block's end, a
 * line longer than two blocks, an empty line, an error's line number and
 * a last line without its newline come out as line by line. */
START_TEST(test_shell_file_blocks)
{
	char path[] = "/tmp/vmsh-test-blocks-XXXXXX";
	char *text = NULL, *out[2] = { NULL }, *err[2] = { NULL };
	size_t tlen = 0, olen[2] = { 0 }, elen[2] = { 0 };
	FILE *t = open_memstream(&text, &tlen);
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	for (int i = 0; i < 20000; i++) {
		if (i == 7000) {
			fputs("echo long #", t);
			for (int k = 0; k < 150000; k++)
				fputc('x', t);
			fputc('\n', t);
		}
		if (i == 9000)
			fputc('\n', t);
		fprintf(t, i == 12000 ? "frob %d\n" : "echo %d\n", i);
	}
	fputs("echo end", t);
	fclose(t);
	ck_assert_int_eq(write(fd, text, tlen), (ssize_t)tlen);
	close(fd);
	for (int run = 0; run < 2; run++) {
		struct shell sh;

		shell_init(&sh);
		sh.out = open_memstream(&out[run], &olen[run]);
		sh.err = open_memstream(&err[run], &elen[run]);
		ck_assert(shell_new_machine(&sh));
		if (run == 0) {
			ck_assert_int_eq(shell_run_file(&sh, path), 0);
		} else {
			sh.src = path;
			for (const char *p = text, *nl; p < text + tlen; p = nl + 1) {
				nl = memchr(p, '\n', (size_t)(text + tlen - p));
				if (!nl)
					nl = text + tlen;
				sh.line++;
				shell_run_line(&sh, p, (size_t)(nl - p));
			}
		}
		shell_fini(&sh);
		fclose(sh.out);
		fclose(sh.err);
	}
	unlink(path);
	ck_assert_uint_eq(olen[0], olen[1]);
	ck_assert(!memcmp(out[0], out[1], olen[0]));
	ck_assert_str_eq(err[0], err[1]);
	ck_assert_ptr_nonnull(strstr(err[0], ":12003: error: unknown command 'frob'"));
	ck_assert_ptr_nonnull(strstr(out[0], "\n19999\nend\n"));
	free(text);
	for (int run = 0; run < 2; run++) {
		free(out[run]);
		free(err[run]);
	}
}
END_TEST

Suite *shell_suite(void)
{
	Suite *s = suite_create("shell");
	TCase *tc;

	tc = tcase_create("lexer");
	tcase_add_test(tc, test_shell_lex_words_and_commands);
	tcase_add_test(tc, test_shell_lex_words_in_place);
	tcase_add_test(tc, test_shell_lex_escapes);
	tcase_add_test(tc, test_shell_lex_errors);
	tcase_add_test(tc, test_shell_lex_binary);
	suite_add_tcase(s, tc);

	tc = tcase_create("parser");
	tcase_add_test(tc, test_shell_numbers);
	tcase_add_test(tc, test_shell_prot);
	tcase_add_test(tc, test_shell_flags);
	tcase_add_test(tc, test_shell_advice);
	suite_add_tcase(s, tc);

	tc = tcase_create("messages");
	tcase_add_test(tc, test_shell_errno_table);
	suite_add_tcase(s, tc);

	tc = tcase_create("dispatch");
	tcase_add_test(tc, test_shell_table_complete);
	tcase_add_test(tc, test_shell_parse_error_changes_nothing);
	tcase_add_test(tc, test_shell_file_blocks);
	suite_add_tcase(s, tc);
	return s;
}
