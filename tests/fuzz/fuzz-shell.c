/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness of the shell: the input is a script, run line by line
 * through shell_run_line() (lexer, parser, dispatch, the model) on a small
 * fresh machine.  Output goes to /dev/null; the shell runs sandboxed (no
 * host files, accesses of at most 1 MiB).  After the script, every
 * invariant of the model must hold (vmsh_check), else the harness aborts.
 *
 * Built with -fsanitize=fuzzer when the compiler is clang and -Dfuzz is
 * enabled; otherwise driver.c runs it over the corpus as a plain test.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct shell sh;
	const char *p = (const char *)data, *end = p + size;
	struct backend_view_args check = { 0 };
	FILE *report;
	char *msg = NULL;
	size_t msglen = 0;
	int bad;

	if (!null)
		null = fopen("/dev/null", "w");
	shell_init(&sh);
	sh.out = null;
	sh.err = null;
	sh.sandbox = true;
	sh.src = "fuzz";
	sh.cfg.ram = 16ULL << 20;
	if (!shell_new_machine(&sh))
		abort();
	while (p < end && !sh.stop) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		sh.line++;
		shell_run_line(&sh, p, len);
		p += len + (nl ? 1 : 0);
	}
	/* every invariant still holds, whatever the input did */
	report = open_memstream(&msg, &msglen);
	if (!report)
		abort();
	bad = sh.be->ops->model->view(sh.be, BV_CHECK, &check, report);
	fclose(report);
	if (bad > 0) {
		fprintf(stderr, "fuzz: %s", msg);
		abort();
	}
	free(msg);
	shell_fini(&sh);
	return 0;
}
