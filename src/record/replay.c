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
 *
 * --layout SCRIPT: the machine first runs SCRIPT (a recording: `vmsh
 * record`), and the trace's accesses are made by the task current when it
 * ends (a recording leaves its first process) on those VMAs; nothing is
 * mapped on first use.  An access outside every VMA is a SIGSEGV
 * (SEGV_MAPERR), one against a VMA's permissions a SIGSEGV (SEGV_ACCERR),
 * one of a page the model does not have ([vvar], [vdso]) a SIGBUS, as the
 * real process would get; each is counted, the access skipped, and the
 * replay goes on (the real process would have died at the first).
 *
 * --user-frames N: after that run (Linux's reclaim), the trace runs again
 * on a fresh machine for each classic policy (or the one --replace names)
 * as the machine's own reclaim (vmsh --replace=POLICY --user-frames N,
 * replace_mm.c: an evicted anonymous page goes to swap and comes back as a
 * major fault, a file page's PTE is dropped); each policy's line has its
 * faults, hits and evictions, and the model's minor and major faults.
 * OPT is told the trace's page references of the first run, in order.
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
	struct vmsh_config cfg;
	vmsh_layout_fn *layout_fn;
	const char *layout;             /* --layout SCRIPT, or NULL */
	int layout_pid;
	uint64_t layout_vmas;
	bool again;                     /* a policy's run: counts only */
	uint64_t segv_maperr, segv_accerr, sigbus, first_sig;
	uint64_t n[4];                  /* I L S M */
	uint64_t regions, bad;
	uint64_t skipped, first_skipped;        /* lines that are not accesses */
	uint64_t *seen;                 /* touched pages: open addressing, +1 */
	uint64_t seen_cap, seen_nr;
	uint64_t last_page;             /* of the last access (+1; 0 none) */
	FILE *conv;
	uint64_t frames;                /* --user-frames: the page references kept */
	int policy;                     /* --replace (0: every policy) */
	uint64_t *refs;                 /* OPT's future: the pages referenced */
	size_t nrefs, refs_cap;
	uint64_t *words;                /* the trace kept for the policies' runs */
	size_t nwords, words_cap;
};

static void push(uint64_t **a, size_t *n, size_t *cap, uint64_t v)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 1 << 16;
		*a = realloc(*a, *cap * sizeof(uint64_t));
		if (!*a)
			abort();
	}
	(*a)[(*n)++] = v;
}

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
		if (ret != 1) {
			if (R->frames && !R->again)
				push(&R->refs, &R->nrefs, &R->refs_cap, addr / PAGE);
			return;
		}
		if (R->layout) {
			/* what the real process would get */
			if (!(R->segv_maperr + R->segv_accerr + R->sigbus + R->bad))
				R->first_sig = addr;
			if (f.signo == 11 && f.code == 1)
				R->segv_maperr++;
			else if (f.signo == 11)
				R->segv_accerr++;
			else if (f.signo == 7)
				R->sigbus++;
			else
				R->bad++;
			return;
		}
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
	if (R->frames && !R->again)
		push(&R->words, &R->nwords, &R->words_cap,
		     (addr & ((1ULL << 56) - 1)) | (uint64_t)kind << 56 |
		     (uint64_t)((size ? size - 1 : 0) & 63) << 58);
	for (;;) {
		if (page + 1 != R->last_page && !R->again)
			seen_add(R, page);
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

static int count_vma(void *ctx, const struct vmsh_vma_info *v)
{
	(void)v;
	++*(uint64_t *)ctx;
	return 0;
}

/* The machine a run starts from: a fresh one, or the one --layout's
 * script leaves (NULL when it cannot be built; the reason is said). */
static struct vmsh_sys *machine(struct replay *R, const struct vmsh_config *cfg)
{
	struct vmsh_sys *sys;

	if (!R->layout) {
		sys = vmsh_sys_new(cfg);
		if (!sys)
			fprintf(stderr, "vmsh trace-replay: the machine cannot be built (--ram, --tlb)\n");
		return sys;
	}
	sys = R->layout_fn(R->layout, cfg);
	if (!sys)
		return NULL;
	R->layout_pid = vmsh_current_pid(sys);
	R->layout_vmas = 0;
	vmsh_vma_walk(sys, 0, count_vma, &R->layout_vmas);
	return sys;
}

/* The trace again, on a machine whose reclaim is policy @pol over
 * --user-frames frames; its line of the summary.  0, or 1 (said). */
static int policy_run(struct replay *R, int pol)
{
	struct replay P = { 0 };
	struct vmsh_replace_stats st0, st;
	uint64_t minor0, major0;

	P.cfg = R->cfg;
	P.cfg.replace = pol;
	P.cfg.user_frames = R->frames;
	P.layout = R->layout;
	P.layout_fn = R->layout_fn;
	P.frames = R->frames;
	P.again = true;
	P.sys = machine(&P, &P.cfg);
	if (!P.sys)
		return 1;
	if (pol == VMSH_REPLACE_OPT)
		vmsh_sys_replace_future(P.sys, R->refs, R->nrefs);
	/* what the layout script did is not the trace's */
	vmsh_replace_get_stats(vmsh_sys_replace(P.sys), &st0);
	minor0 = stat_of(P.sys, "pgfault") - stat_of(P.sys, "pgmajfault");
	major0 = stat_of(P.sys, "pgmajfault");
	for (size_t i = 0; i < R->nwords; i++)
		replay_one(&P, (int)(R->words[i] >> 56 & 3),
			   R->words[i] & ((1ULL << 56) - 1),
			   (unsigned)(R->words[i] >> 58) + 1);
	vmsh_replace_get_stats(vmsh_sys_replace(P.sys), &st);
	printf("%-6s %llu frames faults %llu, hits %llu, evictions %llu (of %llu page references); minor faults %llu, major faults %llu\n",
	       vmsh_replace_name((enum vmsh_replace_policy)pol),
	       (unsigned long long)R->frames,
	       (unsigned long long)(st.faults - st0.faults),
	       (unsigned long long)(st.hits - st0.hits),
	       (unsigned long long)(st.evictions - st0.evictions),
	       (unsigned long long)(st.refs - st0.refs),
	       (unsigned long long)(stat_of(P.sys, "pgfault") - stat_of(P.sys, "pgmajfault") - minor0),
	       (unsigned long long)(stat_of(P.sys, "pgmajfault") - major0));
	vmsh_sys_free(P.sys);
	return 0;
}

static int summary(struct replay *R, const char *name, uint64_t minor0,
		   uint64_t major0)
{
	struct vmsh_tlb_cpu_info ci;
	uint64_t total = R->n[0] + R->n[1] + R->n[2] + R->n[3];

	printf("trace           %s\n", name);
	if (R->layout)
		printf("layout          %s (pid %d, %llu VMAs)\n", R->layout,
		       R->layout_pid, (unsigned long long)R->layout_vmas);
	printf("accesses        %llu (I %llu, L %llu, S %llu, M %llu)\n",
	       (unsigned long long)total, (unsigned long long)R->n[0],
	       (unsigned long long)R->n[1], (unsigned long long)R->n[2],
	       (unsigned long long)R->n[3]);
	printf("pages touched   %llu (%llu KiB)\n", (unsigned long long)R->seen_nr,
	       (unsigned long long)R->seen_nr * 4);
	if (!R->layout)
		printf("regions mapped  %llu\n", (unsigned long long)R->regions);
	printf("minor faults    %llu\n", (unsigned long long)(stat_of(R->sys, "pgfault") -
					stat_of(R->sys, "pgmajfault") - minor0));
	printf("major faults    %llu\n", (unsigned long long)(stat_of(R->sys, "pgmajfault") - major0));
	for (int cpu = 0; vmsh_tlb_cpu_info(R->sys, cpu, &ci); cpu++) {
		uint64_t all = ci.hits + ci.misses;

		printf("cpu %d tlb       hits %llu, misses %llu (%u entries, %u ways; hit rate %.2f%%)\n",
		       cpu, (unsigned long long)ci.hits, (unsigned long long)ci.misses,
		       ci.entries, ci.ways, all ? 100.0 * (double)ci.hits / (double)all : 0.0);
	}
	if (R->layout && R->segv_maperr + R->segv_accerr + R->sigbus)
		printf("signals         SIGSEGV %llu (outside every VMA %llu, against its permissions %llu), SIGBUS %llu; the first at %#llx (the real process dies there; here the access is skipped)\n",
		       (unsigned long long)(R->segv_maperr + R->segv_accerr),
		       (unsigned long long)R->segv_maperr,
		       (unsigned long long)R->segv_accerr,
		       (unsigned long long)R->sigbus,
		       (unsigned long long)R->first_sig);
	if (R->skipped)
		printf("skipped lines   %llu (not accesses; the first is line %llu)\n",
		       (unsigned long long)R->skipped, (unsigned long long)R->first_skipped);
	if (R->bad)
		printf("unreplayed      %llu (accesses that faulted after mapping)\n",
		       (unsigned long long)R->bad);
	fflush(stdout);
	/* the trace again with each classic policy as the machine's reclaim */
	for (int pol = VMSH_REPLACE_FIFO; R->frames && pol <= VMSH_REPLACE_RANDOM; pol++)
		if ((!R->policy || pol == R->policy) && policy_run(R, pol))
			return 1;
	return 0;
}

static const char usage[] =
"usage: vmsh trace-replay [--tlb ENTRIES[:WAYS]] [--ram SIZE] [--layout SCRIPT]\n"
"                         [--user-frames N [--replace=fifo|lru|clock|opt|random]] FILE\n"
"       vmsh trace-replay --convert OUT FILE\n";

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

int vmsh_trace_replay_main(int argc, char **argv, vmsh_layout_fn *layout_fn)
{
	static const struct option opts[] = {
		{ "tlb", required_argument, NULL, 't' },
		{ "ram", required_argument, NULL, 'r' },
		{ "convert", required_argument, NULL, 'c' },
		{ "user-frames", required_argument, NULL, 'u' },
		{ "replace", required_argument, NULL, 'p' },
		{ "layout", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vmsh_config cfg;
	struct replay R = { 0 };
	const char *conv = NULL, *name;
	uint64_t minor0 = 0, major0 = 0;
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
		case 'l': R.layout = optarg; break;
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
	if (conv && (R.layout || R.frames)) {
		fprintf(stderr, "vmsh trace-replay: --convert replays nothing: no %s\n",
			R.layout ? "--layout" : "--user-frames");
		return 2;
	}
	if (R.layout && !layout_fn) {
		fprintf(stderr, "vmsh trace-replay: --layout: no script runner\n");
		return 2;
	}
	R.layout_fn = layout_fn;
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
	R.cfg = cfg;
	if (conv) {
		R.conv = fopen(conv, "wb");
		if (!R.conv) {
			fprintf(stderr, "vmsh trace-replay: %s: %s\n", conv, strerror(errno));
			return 1;
		}
		fwrite("VMSHTRC1", 1, 8, R.conv);
	} else {
		R.sys = machine(&R, &cfg);
		if (!R.sys) {
			if (in != stdin)
				fclose(in);
			return 2;
		}
		/* the layout script's own faults are not the trace's */
		minor0 = stat_of(R.sys, "pgfault") - stat_of(R.sys, "pgmajfault");
		major0 = stat_of(R.sys, "pgmajfault");
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
			ret = summary(&R, strcmp(name, "-") ? name : "(stdin)",
				      minor0, major0);
		vmsh_sys_free(R.sys);
	}
	free(R.seen);
	free(R.refs);
	free(R.words);
	return ret;
}
