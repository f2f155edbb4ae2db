/* SPDX-License-Identifier: MIT */
/*
 * The generator's test: scripts from seeds FIRST..FIRST+N-1 (xorshift,
 * deterministic), each run by harness.c with the invariant checker after
 * every command and the property that a failed command changes nothing.
 *   gen-run [-n N] [-s FIRST] [-l LINES]    run, print the figures
 *   gen-run -p SEED [-l LINES]              print the script of SEED
 *   gen-run -o DIR [-n N] [-s FIRST]        write N scripts to DIR (seeds
 *                                           for the fuzzers' corpus)
 * A broken rule aborts with the script on stderr.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen.h"

static uint64_t seed_rng(uint64_t seed)
{
	/* splitmix64: nearby seeds, unrelated streams; never 0 */
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return z ? z : 1;
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	unsigned long n = 5000, first = 1, lines = 60;
	const char *dir = NULL;
	long print = -1;
	struct harness_stats st = { 0 };
	int c;

	while ((c = getopt(argc, argv, "n:s:l:p:o:")) != -1) {
		switch (c) {
		case 'n': n = strtoul(optarg, NULL, 0); break;
		case 's': first = strtoul(optarg, NULL, 0); break;
		case 'l': lines = strtoul(optarg, NULL, 0); break;
		case 'p': print = strtol(optarg, NULL, 0); break;
		case 'o': dir = optarg; break;
		default:
			fprintf(stderr, "usage: gen-run [-n N] [-s FIRST] [-l LINES] [-p SEED] [-o DIR]\n");
			return 2;
		}
	}
	if (print >= 0) {
		struct gen_src src = { .rng = seed_rng((uint64_t)print) };
		size_t len = gen_script(&src, buf, sizeof(buf), (unsigned)lines);

		fwrite(buf, 1, len, stdout);
		return 0;
	}
	for (unsigned long i = first; i < first + n; i++) {
		struct gen_src src = { .rng = seed_rng(i) };
		size_t len = gen_script(&src, buf, sizeof(buf), (unsigned)lines);

		if (dir) {
			char path[4096];
			FILE *f;

			snprintf(path, sizeof(path), "%s/gen-%lu", dir, i);
			f = fopen(path, "wb");
			if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
				perror(path);
				return 1;
			}
			continue;
		}
		snprintf(harness_label, sizeof(harness_label), "seed %lu", i);
		harness_run((const uint8_t *)buf, len, true, &st);
	}
	if (!dir)
		printf("gen-run: %lu scripts (seeds %lu..%lu), %lu commands, %lu failed "
		       "(%lu compared before/after, %lu exempt), every invariant held "
		       "after every command, no failed command changed the machine\n",
		       st.scripts, first, first + n - 1, st.commands, st.failed,
		       st.compared, st.exempt);
	return 0;
}
