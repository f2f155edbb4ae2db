/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness over the structure-aware generator: the input bytes
 * are the generator's choices (gen.c), so every mutation is another valid
 * script; it runs through harness.c (invariants after every command, a
 * failed command changes nothing).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "gen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[1 << 16];
	struct gen_src src = { .data = data, .n = size };
	size_t len = gen_script(&src, buf, sizeof(buf), 400);

	harness_run((const uint8_t *)buf, len, true, NULL);
	return 0;
}
