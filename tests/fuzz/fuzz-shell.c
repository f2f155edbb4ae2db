/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness of the shell: the input is a script (its first bytes
 * may choose the machine), run line by line through shell_run_line()
 * (lexer, parser, dispatch, the model) by harness.c: every invariant is
 * checked after every command, and a command that fails must change
 * nothing (gen.h).  The corpus is tests/fuzz/corpus and every golden
 * script.
 *
 * Built with -fsanitize=fuzzer when the compiler is clang and -Dfuzz is
 * enabled; otherwise driver.c runs it over the corpus as a plain test.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "gen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	harness_run(data, size, true, NULL);
	return 0;
}
