/* SPDX-License-Identifier: MIT */
/*
 * The options of SPEC.md's command line, also set at run time by `set`:
 * one parser for both, and the `set` listing.
 *
 * Invariants
 *  - A refused value changes nothing and says what was expected.
 *  - Options that shape the machine (levels, ram, tlb, cpus) ask for a
 *    rebuild; the others apply to the running machine.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "shell.h"
#include "vmsh/replace.h"
#include "views.h"

const char *const shell_option_names[] = {
	"levels", "ram", "tlb", "tlb-2m", "pcid", "cpus", "zero-page", "thp", "thp-zero-page",
	"fault-around",
	"max-map-count", "memlock-limit", "aslr", "lazy-flush", "swap", "lru-others", "errexit", "echo",
	"color", "pager", "format", "replace", "user-frames", NULL
};

/* enum vmsh_thp's spellings, as transparent_hugepage/enabled has them */
const char *const shell_thp_names[] = {
	[VMSH_THP_MADVISE] = "madvise", [VMSH_THP_ALWAYS] = "always",
	[VMSH_THP_NEVER] = "never",
};

int shell_thp_mode(const char *v)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(v, shell_thp_names[i]))
			return i;
	return -1;
}

/* The running kernel's mode: the bracketed word of
 * /sys/kernel/mm/transparent_hugepage/enabled (-1 when unreadable). */
int shell_host_thp_mode(void)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	char line[128], *a, *b;

	if (!f)
		return -1;
	a = fgets(line, sizeof(line), f);
	fclose(f);
	if (!a || !(a = strchr(line, '[')) || !(b = strchr(a, ']')))
		return -1;
	*b = '\0';
	return shell_thp_mode(a + 1);
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "on") || !strcasecmp(v, "yes") || !strcasecmp(v, "true") ||
	    !strcmp(v, "1")) {
		*out = true;
		return 0;
	}
	if (!strcasecmp(v, "off") || !strcasecmp(v, "no") || !strcasecmp(v, "false") ||
	    !strcmp(v, "0")) {
		*out = false;
		return 0;
	}
	return -1;
}

static int num(const char *v, uint64_t *out)
{
	const char *why;

	return parse_number(v, out, &why);
}

int shell_set_option(struct shell *sh, const char *name, const char *value,
		     bool *rebuild, char *errbuf, size_t errsize)
{
	struct vmsh_config *c = &sh->cfg;
	char opt[32];
	uint64_t v, w;
	bool b;

	*rebuild = false;
	snprintf(opt, sizeof(opt), "%s", name);
	for (char *p = opt; *p; p++)
		if (*p == '_')
			*p = '-';
	if (!strcmp(opt, "levels")) {
		if (num(value, &v) || v < 2 || v > 5)
			goto bad_range;
		c->levels = (int)v;
		*rebuild = true;
	} else if (!strcmp(opt, "ram")) {
		if (num(value, &v) || v < VMSH_RAM_MIN || v > VMSH_RAM_MAX)
			goto bad_range;
		c->ram = v;
		*rebuild = true;
	} else if (!strcmp(opt, "swap")) {
		if (num(value, &v) || (v && v < 2 * VMSH_PAGE_SIZE) || v > (64ULL << 30))
			goto bad_range;
		c->swap = v;
		*rebuild = true;
	} else if (!strcmp(opt, "replace") || !strcmp(opt, "user-frames")) {
		int pol = !strcmp(opt, "replace") ? vmsh_replace_policy_parse(value) : c->replace;

		if (!c->replace) {
			snprintf(errbuf, errsize, "%s: the machine runs Linux's reclaim; start vmsh with --replace=POLICY --user-frames N",
				 opt);
			return -1;
		}
		if (pol < 0) {
			snprintf(errbuf, errsize, "replace: expected fifo, lru, clock, opt or random, got '%s'",
				 value);
			return -1;
		}
		if (pol == VMSH_REPLACE_OPT && !c->replace_future) {
			snprintf(errbuf, errsize, "replace: opt needs the future, read before the run: start vmsh with --replace=opt");
			return -1;
		}
		if (!strcmp(opt, "user-frames")) {
			if (num(value, &v) || v < 1 || v > VMSH_REPLACE_MAX_FRAMES)
				goto bad_range;
			c->user_frames = v;
		}
		c->replace = pol;
		*rebuild = true;
	} else if (!strcmp(opt, "tlb") || !strcmp(opt, "tlb-2m")) {
		char buf[64], *colon;
		bool two_m = !strcmp(opt, "tlb-2m");

		snprintf(buf, sizeof(buf), "%s", value);
		colon = strchr(buf, ':');
		if (colon)
			*colon = '\0';
		if (num(buf, &v) || v < (two_m ? 0 : 1) || v > 65536)
			goto bad_range;
		if (colon) {
			if (num(colon + 1, &w) || w < 1 || w > v || v % w)
				goto bad_range;
		} else {
			w = v % 4 == 0 && v ? 4 : v;
		}
		if (two_m) {
			c->tlb2m_entries = (unsigned)v;
			c->tlb2m_ways = (unsigned)w;
		} else {
			c->tlb_entries = (unsigned)v;
			c->tlb_ways = (unsigned)w;
		}
		*rebuild = true;
	} else if (!strcmp(opt, "cpus")) {
		if (num(value, &v) || v < 1 || v > 64)
			goto bad_range;
		c->cpus = (unsigned)v;
		*rebuild = true;
	} else if (!strcmp(opt, "pcid")) {
		if (parse_bool(value, &b))
			goto bad_bool;
		c->pcid = b;
	} else if (!strcmp(opt, "zero-page")) {
		if (parse_bool(value, &b))
			goto bad_bool;
		c->zero_page = b;
	} else if (!strcmp(opt, "thp")) {
		int mode = shell_thp_mode(value);

		if (mode < 0) {
			snprintf(errbuf, errsize, "thp: expected always, madvise or never, got '%s'",
				 value);
			return -1;
		}
		if (sh->host && sh->be && mode != c->thp) {
			snprintf(errbuf, errsize, "thp: the running kernel's transparent_hugepage/enabled is %s; --host cannot run with %s",
				 shell_thp_names[c->thp], shell_thp_names[mode]);
			return -1;
		}
		c->thp = mode;
	} else if (!strcmp(opt, "thp-zero-page")) {
		if (parse_bool(value, &b))
			goto bad_bool;
		c->thp_zero_page = b;
	} else if (!strcmp(opt, "lazy-flush")) {
		if (parse_bool(value, &b))
			goto bad_bool;
		c->lazy_flush = b;
	} else if (!strcmp(opt, "fault-around")) {
		if (num(value, &v) || v > (1ULL << 30))
			goto bad_range;
		c->fault_around = v;
	} else if (!strcmp(opt, "max-map-count")) {
		if (num(value, &v) || v > 0x7fffffff)
			goto bad_range;
		c->max_map_count = v;
	} else if (!strcmp(opt, "lru-others")) {
		if (num(value, &v) || v > (1ULL << 40))
			goto bad_range;
		c->lru_others = v;
	} else if (!strcmp(opt, "memlock-limit")) {
		if (num(value, &v))
			goto bad_range;
		c->memlock_limit = v;
	} else if (!strcmp(opt, "aslr")) {
		if (parse_bool(value, &b) == 0) {
			c->aslr = b;
		} else if (num(value, &v) == 0) {
			c->aslr = true;
			c->aslr_seed = v;
		} else {
			snprintf(errbuf, errsize, "aslr: expected on, off or a SEED, got '%s'", value);
			return -1;
		}
	} else if (!strcmp(opt, "errexit")) {
		if (parse_bool(value, &sh->errexit))
			goto bad_bool;
	} else if (!strcmp(opt, "echo")) {
		if (parse_bool(value, &sh->echo))
			goto bad_bool;
	} else if (!strcmp(opt, "pager")) {
		if (parse_bool(value, &b))
			goto bad_bool;
		sh->no_pager = !b;
	} else if (!strcmp(opt, "color")) {
		if (!strcmp(value, "always")) {
			sh->color = true;
			sh->color_mode = "always";
		} else if (!strcmp(value, "never")) {
			sh->color = false;
			sh->color_mode = "never";
		} else if (!strcmp(value, "auto")) {
			const char *nc = getenv("NO_COLOR");

			sh->color = isatty(fileno(sh->out)) && !(nc && nc[0]);
			sh->color_mode = "auto";
		} else {
			snprintf(errbuf, errsize, "color: expected auto, always or never, got '%s'", value);
			return -1;
		}
	} else if (!strcmp(opt, "format")) {
		if (!strcmp(value, "json") || !strcmp(value, "text")) {
			sh->json = !strcmp(value, "json");
		} else {
			snprintf(errbuf, errsize, "format: expected json or text, got '%s'", value);
			return -1;
		}
	} else {
		struct suggest sg;
		char dym[96];

		suggest_init(&sg, opt);
		for (size_t i = 0; shell_option_names[i]; i++)
			suggest_try(&sg, shell_option_names[i]);
		if (*suggest_text(&sg, dym, sizeof(dym)))
			snprintf(errbuf, errsize, "unknown option '%s'%s", name, dym);
		else
			snprintf(errbuf, errsize, "unknown option '%s' (set lists them)", name);
		return -1;
	}
	return 0;

bad_range:
	snprintf(errbuf, errsize, "%s: bad value '%s' (%s)", opt, value,
		 !strcmp(opt, "levels") ? "2 to 5" :
		 !strcmp(opt, "tlb") ? "ENTRIES[:WAYS], WAYS dividing ENTRIES" :
		 !strcmp(opt, "tlb-2m") ? "ENTRIES[:WAYS], WAYS dividing ENTRIES; 0: none" :
		 !strcmp(opt, "cpus") ? "1 to 64" :
		 !strcmp(opt, "ram") ? "1M to 64G" :
		 !strcmp(opt, "swap") ? "0, or 8K to 64G" :
		 !strcmp(opt, "lru-others") ? "0 to 1099511627776 pages" :
		 !strcmp(opt, "user-frames") ? "1 to 1048576" : "a number");
	return -1;
bad_bool:
	snprintf(errbuf, errsize, "%s: expected on or off, got '%s'", opt, value);
	return -1;
}

void shell_list_options(struct shell *sh, FILE *out)
{
	const struct vmsh_config *c = &sh->cfg;
	char b[32];

	fprintf(out, "%-14s %d\n", "levels", c->levels);
	fprintf(out, "%-14s %s\n", "ram", fmt_size(c->ram, SIZE_EXACT, b, sizeof(b)));
	fprintf(out, "%-14s %u:%u\n", "tlb", c->tlb_entries, c->tlb_ways);
	fprintf(out, "%-14s %u:%u\n", "tlb-2m", c->tlb2m_entries, c->tlb2m_ways);
	fprintf(out, "%-14s %s\n", "pcid", c->pcid ? "on" : "off");
	fprintf(out, "%-14s %u\n", "cpus", c->cpus);
	fprintf(out, "%-14s %s\n", "zero-page", c->zero_page ? "on" : "off");
	fprintf(out, "%-14s %s%s\n", "thp", shell_thp_names[c->thp],
		sh->host ? " (the running kernel's)" : "");
	fprintf(out, "%-14s %s\n", "thp-zero-page", c->thp_zero_page ? "on" : "off");
	fprintf(out, "%-14s %s\n", "fault-around",
		fmt_size(c->fault_around, SIZE_EXACT, b, sizeof(b)));
	fprintf(out, "%-14s %llu\n", "max-map-count", (unsigned long long)c->max_map_count);
	fprintf(out, "%-14s %s\n", "memlock-limit",
		fmt_size(c->memlock_limit, SIZE_EXACT, b, sizeof(b)));
	if (c->aslr)
		fprintf(out, "%-14s %llu\n", "aslr", (unsigned long long)c->aslr_seed);
	else
		fprintf(out, "%-14s off\n", "aslr");
	if (c->swap)
		fprintf(out, "%-14s %s\n", "swap", fmt_size(c->swap, SIZE_EXACT, b, sizeof(b)));
	if (c->lru_others)
		fprintf(out, "%-14s %llu\n", "lru-others",
			(unsigned long long)c->lru_others);
	if (c->replace)         /* command-line only: shown, not set */
		fprintf(out, "%-14s %s, %llu user frames\n", "replace",
			vmsh_replace_name(c->replace),
			(unsigned long long)c->user_frames);
	fprintf(out, "%-14s %s\n", "lazy-flush", c->lazy_flush ? "on" : "off");
	fprintf(out, "%-14s %s\n", "errexit", sh->errexit ? "on" : "off");
	fprintf(out, "%-14s %s\n", "echo", sh->echo ? "on" : "off");
	fprintf(out, "%-14s %s\n", "color", sh->color_mode);
	fprintf(out, "%-14s %s\n", "pager", sh->no_pager ? "off" : "on");
	fprintf(out, "%-14s %s\n", "format", sh->json ? "json" : "text");
}
