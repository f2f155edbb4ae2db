/* SPDX-License-Identifier: MIT */
/*
 * The fuzzers' shared parts: gen.c (a structure-aware generator of valid
 * scripts) and harness.c (one script run on a fresh machine with every
 * invariant checked after every command).
 */
#ifndef VMSH_TESTS_FUZZ_GEN_H
#define VMSH_TESTS_FUZZ_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Where the generator's choices come from: @data[0..@n) when @data is set
 * (libFuzzer's input; @done once it is used up), else xorshift from @rng
 * (not 0). */
struct gen_src {
	const uint8_t *data;
	size_t n, i;
	uint64_t rng;
	bool done;
};

/* A choice in [0, @n). */
unsigned gen_pick(struct gen_src *s, unsigned n);
/* Write a script of at most @max_lines commands (and the config header)
 * into @buf (@cap bytes, NUL-terminated); returns its length. */
size_t gen_script(struct gen_src *s, char *buf, size_t cap, unsigned max_lines);

/* What a run of harness_run saw. */
struct harness_stats {
	unsigned long scripts, commands, failed, compared, exempt;
};

/*
 * Run the script @data (@size bytes) on a fresh small machine, output to
 * /dev/null, the shell sandboxed.  When the input starts with the byte
 * 0x01 its next four bytes choose the machine (levels, cpus, ram, flags)
 * and the line they are on is skipped.  After every command, and before
 * a machine is thrown away by set/reset, every invariant must hold; with
 * @property, a command that fails must leave maps, smaps, vmas, pt, mm of
 * every task, frames, files and ps exactly as they were (but the calls
 * where Linux itself changes part of the range before it fails: see
 * harness.c).  A broken rule prints the script, the command and the
 * difference to stderr and aborts (libFuzzer's crash).
 */
/* Named in the report of a broken rule ("seed 12"), when set. */
extern char harness_label[64];
void harness_run(const uint8_t *data, size_t size, bool property,
		 struct harness_stats *st);

#endif /* VMSH_TESTS_FUZZ_GEN_H */
