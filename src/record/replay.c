/* SPDX-License-Identifier: MIT */
/*
 * vmsh trace-replay [OPTIONS] FILE: drive the model with a memory access
 * trace and print a summary.
 *
 * FILE ('-': standard input) is valgrind lackey output
 * (`valgrind --tool=lackey --trace-mem=yes --log-file=FILE PROG`: lines
 * "I  ADDR,SIZE", " L ADDR,SIZE", " S ADDR,SIZE", " M ADDR,SIZE"; "=="
 * and "#" lines are skipped), or vmsh's own binary form: the 8 bytes
 * "VMSHTRC1", then one little-endian 64-bit word per access: bits 0-55
 * the address, 56-57 the kind (0 I, 1 L, 2 S, 3 M), 58-63 the size - 1.
 * --convert OUT writes the binary form of FILE and replays nothing.
 *
 * Each access is one load (I, L), store (S) or both (M) of its first
 * byte by task 1 on CPU 0 (a page-crossing access is split at the page).
 * A page the task has no mapping for is mapped on first use: the 64 KiB
 * around it that is still free, rw-, private anonymous (MAP_FIXED_NOREPLACE),
 * so the regions a trace touches become a few VMAs, as its program's own
 * mmaps would be.  The summary: accesses by kind, pages touched, regions
 * mapped, minor and major faults, and per CPU the TLB's hits and misses.
 * With --user-frames N, the trace's page references also go through the
 * classic policies (replace.c) over N frames, each (or the one --replace
 * names) with its faults, hits and evictions; OPT is told the whole
 * trace's future.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "vmsh/replace.h"
#include "vmsh/vmsh.h"

#define PAGE 4096ULL
#define REGION (64ULL << 10)

struct replay {
	struct vmsh_sys *sys;
	uint64_t n[4];                  /* I L S M */
	uint64_t regions, bad;
	uint64_t skipped, first_skipped;        /* lines that are not accesses */
	uint64_t *seen;                 /* touched pages: open addressing, +1 */
	uint64_t seen_cap, seen_nr;
	uint64_t last_page;             /* of the last access (+1; 0 none) */
	FILE *conv;
	uint64_t frames;                /* --user-frames: the page references kept */
	int policy;                     /* --replace (0: every policy) */
	uint64_t *refs;
	size_t nrefs, refs_cap;
};

static void seen_add(struct replay *R, uint64_t page)
{
	uint64_t h, key = page + 1;

	if (R->seen_nr * 2 >= R->seen_cap) {
		uint64_t *old = R->seen, cap = R->seen_cap;

		R->seen_cap = cap ? cap * 2 : 1 << 16;
		R->seen = calloc(R->seen_cap, sizeof(uint64_t));
		if (!R->seen)
			abort();
		R->seen_nr = 0;
		for (uint64_t i = 0; i < cap; i++)
			if (old[i])
				seen_add(R, old[i] - 1);
		free(old);
	}
	h = (key * 0x9e3779b97f4a7c15ULL) & (R->seen_cap - 1);
	while (R->seen[h]) {
		if (R->seen[h] == key)
			return;
		h = (h + 1) & (R->seen_cap - 1);
	}
	R->seen[h] = key;
	R->seen_nr++;
}

/* Map the free part of the 64 KiB around @addr (first use). */
static bool map_region(struct replay *R, uint64_t addr)
{
	uint64_t page = addr & ~(PAGE - 1), start = addr & ~(REGION - 1), out;
	int flags = VMSH_MAP_PRIVATE | VMSH_MAP_ANONYMOUS | VMSH_MAP_FIXED_NOREPLACE;
	int prot = VMSH_PROT_READ | VMSH_PROT_WRITE;

	if (vmsh_mmap(R->sys, start, REGION, prot, flags, NULL, 0, &out) == 0 ||
	    vmsh_mmap(R->sys, page, PAGE, prot, flags, NULL, 0, &out) == 0) {
		R->regions++;
		return true;
	}
	return false;
}

static void access1(struct replay *R, uint64_t addr, bool write)
{
	struct vmsh_fault f;
	uint64_t done;
	int ret;

	for (int tries = 0; tries < 2; tries++) {
		ret = write ? vmsh_write(R->sys, addr, NULL, 0x5a, 1, &done, &f) :
			      vmsh_touch(R->sys, addr, 1, &f);
		if (ret != 1)
			return;
		if (f.signo != 11 || !map_region(R, addr))
			break;
	}
	R->bad++;
}

static void replay_one(struct replay *R, int kind, uint64_t addr, unsigned size)
{
	uint64_t page = addr / PAGE, end = (addr + (size ? size : 1) - 1) / PAGE;

	R->n[kind]++;
	if (R->conv) {
		uint64_t w = (addr & ((1ULL << 56) - 1)) | (uint64_t)kind << 56 |
			     (uint64_t)((size ? size - 1 : 0) & 63) << 58;

		fwrite(&w, sizeof(w), 1, R->conv);
		return;
	}
	for (;;) {
		if (page + 1 != R->last_page)
			seen_add(R, page);
		if (R->frames) {
			if (R->nrefs == R->refs_cap) {
				R->refs_cap = R->refs_cap ? R->refs_cap * 2 : 1 << 16;
				R->refs = realloc(R->refs, R->refs_cap * sizeof(uint64_t));
				if (!R->refs)
					abort();
			}
			R->refs[R->nrefs++] = page;
		}
		R->last_page = page + 1;
		if (kind != 2)
			access1(R, addr, false);
		if (kind >= 2)
			access1(R, addr, true);
		if (page == end)
			break;
		addr = ++page * PAGE;           /* the part on the next page */
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One lackey line; false when it is not an access line. */
static bool lackey_line(struct replay *R, const char *s)
{
	static const char kinds[] = "ILSM";
	const char *k;
	uint64_t addr = 0;
	unsigned size = 0;
	int v;

	while (*s == ' ')
		s++;
	if (!*s || !(k = strchr(kinds, *s)) || (s[1] != ' '))
		return false;
	s++;
	while (*s == ' ')
		s++;
	if (hexval(*s) < 0)
		return false;
	while ((v = hexval(*s)) >= 0) {
		addr = addr << 4 | (uint64_t)v;
		s++;
	}
	if (*s == ',')
		size = (unsigned)strtoul(s + 1, NULL, 10);
	replay_one(R, (int)(k - kinds), addr, size);
	return true;
}

static int replay_file(struct replay *R, FILE *in, const char *name)
{
	char *line = NULL, magic[8];
	size_t cap = 0;
	int c = getc(in);

	/* a lackey line never starts with 'V': the binary form's magic does */
	if (c == 'V') {
		uint64_t buf[4096];
		size_t n;

		if (fread(magic, 1, 7, in) != 7 || memcmp(magic, "MSHTRC1", 7)) {
			fprintf(stderr, "vmsh trace-replay: %s: neither lackey output nor a VMSHTRC1 trace\n", name);
			return 1;
		}
		while ((n = fread(buf, 8, 4096, in)) > 0)
			for (size_t i = 0; i < n; i++)
				replay_one(R, (int)(buf[i] >> 56 & 3), buf[i] & ((1ULL << 56) - 1),
					   (unsigned)(buf[i] >> 58) + 1);
	} else {
		if (c != EOF)
			ungetc(c, in);
		for (uint64_t no = 1; getline(&line, &cap, in) > 0; no++)
			if (line[0] != '=' && line[0] != '#' && line[0] != '\n' &&
			    !lackey_line(R, line) && !R->skipped++)
				R->first_skipped = no;
		free(line);
	}
	if (ferror(in)) {
		fprintf(stderr, "vmsh trace-replay: %s: %s\n", name, strerror(errno));
		return 1;
	}
	return 0;
}

static uint64_t stat_of(const struct vmsh_sys *sys, const char *want)
{
	const char *name;
	uint64_t v;

	for (size_t i = 0; vmsh_stat(sys, i, &name, &v); i++)
		if (!strcmp(name, want))
			return v;
	return 0;
}

static void summary(struct replay *R, const char *name)
{
	struct vmsh_tlb_cpu_info ci;
	uint64_t total = R->n[0] + R->n[1] + R->n[2] + R->n[3];

	printf("trace           %s\n", name);
	printf("accesses        %llu (I %llu, L %llu, S %llu, M %llu)\n",
	       (unsigned long long)total, (unsigned long long)R->n[0],
	       (unsigned long long)R->n[1], (unsigned long long)R->n[2],
	       (unsigned long long)R->n[3]);
	printf("pages touched   %llu (%llu KiB)\n", (unsigned long long)R->seen_nr,
	       (unsigned long long)R->seen_nr * 4);
	printf("regions mapped  %llu\n", (unsigned long long)R->regions);
	printf("minor faults    %llu\n", (unsigned long long)(stat_of(R->sys, "pgfault") -
					stat_of(R->sys, "pgmajfault")));
	printf("major faults    %llu\n", (unsigned long long)stat_of(R->sys, "pgmajfault"));
	for (int cpu = 0; vmsh_tlb_cpu_info(R->sys, cpu, &ci); cpu++) {
		uint64_t all = ci.hits + ci.misses;

		printf("cpu %d tlb       hits %llu, misses %llu (%u entries, %u ways; hit rate %.2f%%)\n",
		       cpu, (unsigned long long)ci.hits, (unsigned long long)ci.misses,
		       ci.entries, ci.ways, all ? 100.0 * (double)ci.hits / (double)all : 0.0);
	}
	/* the trace's page references through each classic policy over
	 * --user-frames frames (OPT knows the whole trace's future) */
	for (int pol = VMSH_REPLACE_FIFO; R->frames && pol <= VMSH_REPLACE_RANDOM; pol++) {
		struct vmsh_replace *rp;
		struct vmsh_replace_stats st;
		uint64_t victim;

		if (R->policy && pol != R->policy)
			continue;
		rp = vmsh_replace_new((enum vmsh_replace_policy)pol, R->frames, 1);
		if (!rp)
			abort();
		if (pol == VMSH_REPLACE_OPT)
			vmsh_replace_set_future(rp, R->refs, R->nrefs);
		for (size_t i = 0; i < R->nrefs; i++)
			vmsh_replace_ref(rp, R->refs[i], &victim);
		vmsh_replace_get_stats(rp, &st);
		printf("%-6s %llu frames faults %llu, hits %llu, evictions %llu (of %llu page references)\n",
		       vmsh_replace_name((enum vmsh_replace_policy)pol),
		       (unsigned long long)R->frames, (unsigned long long)st.faults,
		       (unsigned long long)st.hits, (unsigned long long)st.evictions,
		       (unsigned long long)st.refs);
		vmsh_replace_free(rp);
	}
	if (R->skipped)
		printf("skipped lines   %llu (not accesses; the first is line %llu)\n",
		       (unsigned long long)R->skipped, (unsigned long long)R->first_skipped);
	if (R->bad)
		printf("unreplayed      %llu (accesses that faulted after mapping)\n",
		       (unsigned long long)R->bad);
}

static const char usage[] =
"usage: vmsh trace-replay [--tlb ENTRIES[:WAYS]] [--ram SIZE] [--convert OUT]\n"
"                         [--user-frames N [--replace=fifo|lru|clock|opt|random]] FILE\n";

static bool parse_size(const char *s, uint64_t *out)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	switch (*end) {
	case 'K': case 'k': v <<= 10; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'G': case 'g': v <<= 30; end++; break;
	default: break;
	}
	*out = v;
	return *s && !*end;
}

int vmsh_trace_replay_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tlb", required_argument, NULL, 't' },
		{ "ram", required_argument, NULL, 'r' },
		{ "convert", required_argument, NULL, 'c' },
		{ "user-frames", required_argument, NULL, 'u' },
		{ "replace", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vmsh_config cfg;
	struct replay R = { 0 };
	const char *conv = NULL, *name;
	FILE *in;
	int c, ret;

	vmsh_config_default(&cfg);
	cfg.zero_page = false;          /* as the kernel here */
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		uint64_t v, w;
		char *colon;

		switch (c) {
		case 't':
			v = strtoull(optarg, &colon, 0);
			w = *colon == ':' ? strtoull(colon + 1, NULL, 0) : 4;
			if (!v || !w || v % w || v > 65536) {
				fprintf(stderr, "vmsh trace-replay: --tlb: bad geometry '%s'\n", optarg);
				return 2;
			}
			cfg.tlb_entries = (unsigned)v;
			cfg.tlb_ways = (unsigned)w;
			break;
		case 'r':
			if (!parse_size(optarg, &cfg.ram)) {
				fprintf(stderr, "vmsh trace-replay: --ram: bad size '%s'\n", optarg);
				return 2;
			}
			break;
		case 'c': conv = optarg; break;
		case 'u':
			v = strtoull(optarg, &colon, 0);
			if (!*optarg || *colon || !v || v > VMSH_REPLACE_MAX_FRAMES) {
				fprintf(stderr, "vmsh trace-replay: --user-frames: bad count '%s' (1 to %u)\n",
					optarg, VMSH_REPLACE_MAX_FRAMES);
				return 2;
			}
			R.frames = v;
			break;
		case 'p':
			R.policy = vmsh_replace_policy_parse(optarg);
			if (R.policy <= 0) {
				fprintf(stderr, "vmsh trace-replay: --replace: unknown policy '%s' (fifo, lru, clock, opt, random)\n",
					optarg);
				return 2;
			}
			break;
		case 'h': fputs(usage, stdout); return 0;
		default:
			fprintf(stderr, "vmsh trace-replay: bad option '%s'\n%s", argv[optind - 1], usage);
			return 2;
		}
	}
	if (R.policy && !R.frames) {
		fprintf(stderr, "vmsh trace-replay: --replace needs --user-frames N\n");
		return 2;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "vmsh trace-replay: %s\n%s",
			optind >= argc ? "missing the trace file" : "one trace file only", usage);
		return 2;
	}
	name = argv[optind];
	in = strcmp(name, "-") ? fopen(name, "rb") : stdin;
	if (!in) {
		fprintf(stderr, "vmsh trace-replay: %s: %s\n", name, strerror(errno));
		return 1;
	}
	if (conv) {
		R.conv = fopen(conv, "wb");
		if (!R.conv) {
			fprintf(stderr, "vmsh trace-replay: %s: %s\n", conv, strerror(errno));
			return 1;
		}
		fwrite("VMSHTRC1", 1, 8, R.conv);
	} else {
		R.sys = vmsh_sys_new(&cfg);
		if (!R.sys) {
			fprintf(stderr, "vmsh trace-replay: the machine cannot be built (--ram, --tlb)\n");
			return 2;
		}
	}
	ret = replay_file(&R, in, name);
	if (!ret && !(R.n[0] + R.n[1] + R.n[2] + R.n[3]) && R.skipped) {
		fprintf(stderr, "vmsh trace-replay: %s:%llu: not a lackey access line (I, L, S, M ADDR,SIZE), and no access in the file\n",
			name, (unsigned long long)R.first_skipped);
		ret = 1;
	}
	if (in != stdin)
		fclose(in);
	if (R.conv) {
		if (fclose(R.conv) != 0)
			ret = 1;
		fprintf(stderr, "vmsh trace-replay: %llu accesses written to %s\n",
			(unsigned long long)(R.n[0] + R.n[1] + R.n[2] + R.n[3]), conv);
	} else {
		if (!ret)
			summary(&R, strcmp(name, "-") ? name : "(stdin)");
		vmsh_sys_free(R.sys);
	}
	free(R.seen);
	free(R.refs);
	return ret;
}
