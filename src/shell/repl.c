/* SPDX-License-Identifier: MIT */
/*
 * The read-eval-print loop: lines from a terminal, a script, standard
 * input or -c go through one shell_run_line(), which lexes, parses and
 * dispatches through the command table.  Also the run-time options
 * (`set`, shared with the command line) and tab completion.
 *
 * Invariants
 *  - sh->src/sh->line always name the line being run, so every error says
 *    where it comes from; `source` saves and restores them.
 *  - With -e, the first failed command (an error line on stderr, a parse
 *    error included) stops everything with status 1.
 *  - Batch runs print no prompt and no banner.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lineedit.h"
#include "print.h"
#include "shell.h"

static void warn_out(void *ctx, const char *line)
{
	struct shell *sh = ctx;

	fprintf(sh->out, "%s\n", line);
}

static void trace_out(void *ctx, const char *line)
{
	struct shell *sh = ctx;

	fprintf(sh->out, "  %s\n", line);
}

void shell_init(struct shell *sh)
{
	memset(sh, 0, sizeof(*sh));
	vmsh_config_default(&sh->cfg);
	sh->out = stdout;
	sh->err = stderr;
	sh->color_mode = "auto";
}

bool shell_new_machine(struct shell *sh)
{
	struct vmsh_sys *sys;

	if (sh->host)
		return true;
	sys = vmsh_sys_new(&sh->cfg);
	if (!sys)
		return false;
	if (sh->be)
		sh->be->ops->free(sh->be);
	if (sh->sys)
		vmsh_sys_free(sh->sys);
	sh->sys = sys;
	sh->be = model_backend_new(sys);
	vmsh_sys_set_warn(sys, warn_out, sh);
	if (sh->trace)
		vmsh_sys_set_trace(sys, trace_out, sh);
	return true;
}

void shell_fini(struct shell *sh)
{
	if (sh->be)
		sh->be->ops->free(sh->be);
	if (sh->sys)
		vmsh_sys_free(sh->sys);
	sh->be = NULL;
	sh->sys = NULL;
	vars_clear(sh);
}

/* ---- running commands ----------------------------------------------------- */

static void run_command(struct shell *sh, struct lexcmd *lc)
{
	struct token *tok = lc->tok;
	size_t n = lc->ntok;
	const char *assign = NULL;
	const struct command *c;
	struct args a;
	char q[96];

	sh->failed = false;
	if (n >= 2 && !tok[1].quoted && !strcmp(tok[1].text, "=")) {
		if (tok[0].quoted || !parse_ident(tok[0].text)) {
			quote_word(tok[0].text, tok[0].len, q, sizeof(q));
			sh_parse_error(sh, "'%s' is not a variable name (letters, digits, _)", q);
			return;
		}
		if (n == 2) {
			sh_parse_error(sh, "missing a command after '%s ='", tok[0].text);
			return;
		}
		assign = tok[0].text;
		tok += 2;
		n -= 2;
	}
	c = tok[0].quoted ? NULL : command_find(tok[0].text);
	if (!c) {
		quote_word(tok[0].text, tok[0].len, q, sizeof(q));
		sh_parse_error(sh, "unknown command '%s'", q);
		return;
	}
	if (assign && !c->yields) {
		sh_parse_error(sh, "%s yields no value to assign to '%s' (mmap, mremap, brk, fork, clone and kthread do)",
			       c->name, assign);
		return;
	}
	if (c->model_only && !sh->sys) {
		sh_model_only(sh, c->name);
		sh->failed = true;
		return;
	}
	memset(&a, 0, sizeof(a));
	a.sh = sh;
	a.cmd = c;
	a.name = c->name;
	a.tok = tok;
	a.n = n;
	a.i = 1;
	if (c->run(&a) < 0) {
		sh->failed = true;
		return;
	}
	if (assign && a.yields)
		var_set(sh, assign, a.value, a.hex);
}

void shell_run_line(struct shell *sh, const char *line, size_t len)
{
	struct lexline ll;
	char err[256];

	if (lex_line(line, len, &ll, err, sizeof(err)) < 0) {
		sh->failed = false;
		sh_parse_error(sh, "%s", err);
		goto out;
	}
	for (size_t i = 0; i < ll.ncmd && !sh->stop; i++) {
		if (sh->echo) {
			fprintf(sh->out, "vmsh> %s\n", ll.cmd[i].text);
			fflush(sh->out);
		}
		run_command(sh, &ll.cmd[i]);
		fflush(sh->out);
		if (sh->failed && sh->errexit)
			break;
	}
	lex_free(&ll);
out:
	if (sh->failed && sh->errexit && !sh->stop) {
		sh->stop = true;
		sh->status = 1;
	}
}

int shell_run_file(struct shell *sh, const char *name)
{
	const char *saved_src = sh->src;
	unsigned long saved_line = sh->line;
	bool is_stdin = !strcmp(name, "-");
	FILE *f = is_stdin ? stdin : fopen(name, "r");
	struct stat st;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		if (!is_stdin)
			fclose(f);
		return -EISDIR;
	}
	sh->src = is_stdin ? "<stdin>" : name;
	sh->line = 0;
	sh->depth++;
	while (!sh->stop && (len = getline(&line, &cap, f)) >= 0) {
		sh->line++;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		shell_run_line(sh, line, (size_t)len);
	}
	free(line);
	sh->depth--;
	if (!is_stdin)
		fclose(f);
	else
		clearerr(stdin);
	sh->src = saved_src;
	sh->line = saved_line;
	return 0;
}

void shell_run_string(struct shell *sh, const char *text)
{
	const char *p = text;

	sh->src = NULL;
	while (!sh->stop) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		shell_run_line(sh, p, len);
		if (!nl)
			break;
		p = nl + 1;
	}
}

/* ---- interactive ---------------------------------------------------------- */

static struct shell *complete_sh;

static char **complete_cb(const char *before, const char *word)
{
	return shell_complete(complete_sh, before, word);
}

static char *history_path(void)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char *path;

	if (state && state[0] == '/') {
		size_t n = strlen(state) + 32;

		path = malloc(n);
		if (!path)
			abort();
		mkdir(state, 0700);
		snprintf(path, n, "%s/vmsh", state);
		mkdir(path, 0700);
		snprintf(path, n, "%s/vmsh/history", state);
		return path;
	}
	if (home && home[0]) {
		size_t n = strlen(home) + 32;

		path = malloc(n);
		if (!path)
			abort();
		snprintf(path, n, "%s/.vmsh_history", home);
		return path;
	}
	return NULL;
}

void shell_interactive(struct shell *sh)
{
	char *hist = history_path();
	char prompt[64];

	complete_sh = sh;
	lineedit_init(hist, complete_cb);
	if (!sh->quiet) {
		char ram[32];

		fprintf(sh->out, "vmsh %s: a model of the Linux x86-64 address space%s\n"
			"%d-level page tables, %s of RAM.  Type 'help' for the commands, Ctrl-D to leave.\n",
			VMSH_VERSION, sh->host ? " (--host: the running kernel)" : "",
			sh->cfg.levels, size_str(sh->cfg.ram, ram, sizeof(ram)));
	}
	sh->src = NULL;
	while (!sh->stop) {
		bool interrupted = false;
		char *line;

		snprintf(prompt, sizeof(prompt), "vmsh[%d]> ",
			 sh->be->ops->current_pid(sh->be));
		fflush(sh->out);
		line = lineedit_read(prompt, &interrupted);
		if (!line) {
			if (interrupted)
				continue;
			fputc('\n', sh->out);
			break;
		}
		if (line[strspn(line, " \t")])
			lineedit_add_history(line);
		shell_run_line(sh, line, strlen(line));
		free(line);
	}
	lineedit_fini();
	free(hist);
}

/* ---- options -------------------------------------------------------------- */

const char *const shell_option_names[] = {
	"levels", "ram", "tlb", "pcid", "cpus", "zero-page", "fault-around",
	"max-map-count", "aslr", "lazy-flush", "errexit", "echo", "color", NULL
};

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
		if (num(value, &v) || v < VMSH_PAGE_SIZE || v > (1ULL << 40))
			goto bad_range;
		c->ram = v;
		*rebuild = true;
	} else if (!strcmp(opt, "tlb")) {
		char buf[64], *colon;

		snprintf(buf, sizeof(buf), "%s", value);
		colon = strchr(buf, ':');
		if (colon)
			*colon = '\0';
		if (num(buf, &v) || v < 1 || v > 65536)
			goto bad_range;
		if (colon) {
			if (num(colon + 1, &w) || w < 1 || w > v || v % w)
				goto bad_range;
		} else {
			w = v % 4 == 0 ? 4 : v;
		}
		c->tlb_entries = (unsigned)v;
		c->tlb_ways = (unsigned)w;
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
	} else {
		snprintf(errbuf, errsize, "unknown option '%s' (set lists them)", name);
		return -1;
	}
	return 0;

bad_range:
	snprintf(errbuf, errsize, "%s: bad value '%s' (%s)", opt, value,
		 !strcmp(opt, "levels") ? "2 to 5" :
		 !strcmp(opt, "tlb") ? "ENTRIES[:WAYS], WAYS dividing ENTRIES" :
		 !strcmp(opt, "cpus") ? "1 to 64" :
		 !strcmp(opt, "ram") ? "4K to 1T" : "a number");
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
	fprintf(out, "%-14s %s\n", "ram", size_str(c->ram, b, sizeof(b)));
	fprintf(out, "%-14s %u:%u\n", "tlb", c->tlb_entries, c->tlb_ways);
	fprintf(out, "%-14s %s\n", "pcid", c->pcid ? "on" : "off");
	fprintf(out, "%-14s %u\n", "cpus", c->cpus);
	fprintf(out, "%-14s %s\n", "zero-page", c->zero_page ? "on" : "off");
	fprintf(out, "%-14s %llu\n", "fault-around", (unsigned long long)c->fault_around);
	fprintf(out, "%-14s %llu\n", "max-map-count", (unsigned long long)c->max_map_count);
	if (c->aslr)
		fprintf(out, "%-14s %llu\n", "aslr", (unsigned long long)c->aslr_seed);
	else
		fprintf(out, "%-14s off\n", "aslr");
	fprintf(out, "%-14s %s\n", "lazy-flush", c->lazy_flush ? "on" : "off");
	fprintf(out, "%-14s %s\n", "errexit", sh->errexit ? "on" : "off");
	fprintf(out, "%-14s %s\n", "echo", sh->echo ? "on" : "off");
	fprintf(out, "%-14s %s\n", "color", sh->color_mode);
}

/* ---- completion ----------------------------------------------------------- */

struct cands {
	char **v;
	size_t n;
};

static void cand_add(struct cands *c, const char *word, const char *s)
{
	if (strncmp(s, word, strlen(word)))
		return;
	c->v = realloc(c->v, (c->n + 2) * sizeof(*c->v));
	if (!c->v)
		abort();
	c->v[c->n] = strdup(s);
	if (!c->v[c->n])
		abort();
	c->v[++c->n] = NULL;
}

char **shell_complete(struct shell *sh, const char *before, const char *word)
{
	struct cands c = { NULL, 0 };
	const char *start = strrchr(before, ';');
	char first[64] = "";
	int nwords = 0;
	const char *p;

	start = start ? start + 1 : before;
	/* count the complete words before this one, remembering the command */
	for (p = start; *p;) {
		size_t n;

		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (!n)
			break;
		if (nwords == 1 && n == 1 && *p == '=') {
			nwords = 0;     /* name = CMD: CMD is the first word */
			first[0] = '\0';
			p += n;
			continue;
		}
		if (nwords == 0)
			snprintf(first, sizeof(first), "%.*s", (int)n, p);
		nwords++;
		p += n;
	}
	/* a word glued to the previous one by | or , is a flag name */
	if (word[0] == '$') {
		for (size_t i = 0; i < sh->nvars; i++) {
			char v[80];

			snprintf(v, sizeof(v), "$%s", sh->vars[i].name);
			cand_add(&c, word, v);
		}
		return c.v;
	}
	if (nwords == 0) {
		for (size_t i = 0; i < shell_ncommands; i++)
			cand_add(&c, word, shell_commands[i].name);
		return c.v;
	}
	if (!strcmp(first, "help")) {
		for (size_t i = 0; i < shell_ncommands; i++)
			cand_add(&c, word, shell_commands[i].name);
	} else if (!strcmp(first, "set")) {
		if (nwords == 1) {
			for (size_t i = 0; shell_option_names[i]; i++)
				cand_add(&c, word, shell_option_names[i]);
		} else {
			cand_add(&c, word, "on");
			cand_add(&c, word, "off");
		}
	} else {
		const struct command *cmd = command_find(first);

		/* simulated files and devices where a FILE or NAME goes */
		if (sh->sys && ((!strcmp(first, "mmap") && nwords >= 5) ||
				(!strcmp(first, "file") && nwords == 2))) {
			struct vmsh_file_info fi;
			struct vmsh_dev_info d;

			for (size_t i = 0; vmsh_file_info(sh->sys, i, &fi); i++)
				cand_add(&c, word, fi.name);
			if (!strcmp(first, "mmap"))
				for (size_t i = 0; vmsh_dev_info(sh->sys, i, &d); i++)
					cand_add(&c, word, d.path);
		}
		if (cmd && cmd->keywords)
			for (size_t i = 0; cmd->keywords[i]; i++)
				cand_add(&c, word, cmd->keywords[i]);
	}
	return c.v;
}
