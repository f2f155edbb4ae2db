/* SPDX-License-Identifier: MIT */
/*
 * OPT's future (--replace=opt): the pages a script will access, read
 * from the script before it runs.
 *
 * The pre-scan reads every line of the scripts (or the -c commands) in
 * order and lists, for each `touch ADDR [LEN]`, `read ADDR LEN` and
 * `write ADDR LEN|"STRING"`, the virtual page of every page the access
 * spans, as the access will touch them.  ADDR and LEN are numbers, or
 * `$NAME[+-N]` where NAME was assigned `NAME = mmap ADDR ...` with a
 * literal ADDR (the address the script asks for: a fixed mapping, or a
 * free hint, which the model honours) or `NAME = NUMBER`.  Anything else
 * (a variable the script computes, a NULL mmap) cannot be known before
 * the script runs: the pre-scan says which line and stops vmsh.
 *
 * Not followed: `source`d files, conditions; the pages are pid 1's
 * (another task's accesses find no future: OPT treats them as never
 * used again).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shell.h"

#define PG 4096ULL

struct scan {
	struct shell sh;        /* only its variables are used */
	uint64_t *pages;
	size_t n, cap;
	const char *where;      /* the script's name, or "-c" */
	unsigned long line;
	char *err;
	size_t errsize;
};

static void add_page(struct scan *s, uint64_t vpn)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->pages = realloc(s->pages, s->cap * sizeof(*s->pages));
		if (!s->pages)
			abort();
	}
	s->pages[s->n++] = vpn;
}

static int unknown(struct scan *s, const char *cmd, const struct token *t)
{
	snprintf(s->err, s->errsize,
		 "--replace=opt: %s:%lu: %s's '%s' is not known before the script runs (OPT needs literal addresses, or variables set to them)",
		 s->where, s->line, cmd, t->text);
	return -1;
}

/* A number the pre-scan can know: a literal, or $NAME[+-N] of a known
 * variable (what eval_number reads).  -1 when it cannot. */
static int known(struct scan *s, const struct token *t, uint64_t *out)
{
	const char *why, *p = t->text + 1;
	struct shell_var *var;
	char name[64];
	size_t len = 0;
	uint64_t n;

	if (t->quoted)
		return -1;
	if (!strcasecmp(t->text, "NULL")) {
		*out = 0;
		return 0;
	}
	if (t->text[0] != '$')
		return parse_number(t->text, out, &why);
	while (p[len] && p[len] != '+' && p[len] != '-' && len < sizeof(name) - 1)
		len++;
	memcpy(name, p, len);
	name[len] = '\0';
	var = parse_ident(name) ? var_find(&s->sh, name) : NULL;
	if (!var)
		return -1;
	p += len;
	if (!*p) {
		*out = var->value;
		return 0;
	}
	if (parse_number(p + 1, &n, &why) < 0)
		return -1;
	*out = *p == '+' ? var->value + n : var->value - n;
	return 0;
}

static int scan_cmd(struct scan *s, struct token *tok, size_t n)
{
	const char *name;
	uint64_t addr, len = 1, v;

	if (n >= 3 && !tok[1].quoted && !strcmp(tok[1].text, "=") &&
	    parse_ident(tok[0].text)) {
		/* NAME = mmap ADDR ... / NAME = NUMBER */
		if (n == 3 && known(s, &tok[2], &v) == 0)
			var_set(&s->sh, tok[0].text, v, true);
		else if (n >= 4 && !strcmp(tok[2].text, "mmap") &&
			 known(s, &tok[3], &v) == 0 && v)
			var_set(&s->sh, tok[0].text, v, true);
		else if (var_find(&s->sh, tok[0].text))
			/* unknown from here on: no identifier matches "" */
			var_find(&s->sh, tok[0].text)->name[0] = '\0';
		tok += 2;
		n -= 2;
	}
	if (!n || tok[0].quoted)
		return 0;
	name = tok[0].text;
	if (strcmp(name, "touch") && strcmp(name, "read") && strcmp(name, "write"))
		return 0;
	if (n < 2 || known(s, &tok[1], &addr))
		return n < 2 ? 0 : unknown(s, name, &tok[1]);
	if (!strcmp(name, "write") && n >= 3 && tok[2].quoted) {
		len = tok[2].len;
	} else if (n >= 3) {
		if (known(s, &tok[2], &len))
			return unknown(s, name, &tok[2]);
	} else if (strcmp(name, "touch")) {
		return 0;               /* a usage error when it runs */
	}
	if (!len)
		return 0;
	for (uint64_t p = addr & ~(PG - 1);; p += PG) {
		add_page(s, p / PG);
		if (p + PG <= p || p + PG >= addr + len || s->n > (1u << 26))
			break;
	}
	return 0;
}

static int scan_line(struct scan *s, const char *text, size_t len)
{
	struct lexline ll;
	char err[256];
	int ret = 0;

	s->line++;
	if (lex_line(text, len, &ll, err, sizeof(err)) < 0)
		return 0;               /* the run reports it */
	for (size_t i = 0; i < ll.ncmd && !ret; i++)
		ret = scan_cmd(s, ll.cmd[i].tok, ll.cmd[i].ntok);
	lex_free(&ll);
	return ret;
}

static int scan_text(struct scan *s, const char *text)
{
	const char *p = text;

	while (*p) {
		size_t len = strcspn(p, "\n");

		if (scan_line(s, p, len))
			return -1;
		p += len + (p[len] == '\n');
	}
	return 0;
}

int shell_replace_future(const char *const *files, size_t nfiles,
			 const char *const *cmds, size_t ncmds,
			 uint64_t **pages, size_t *npages,
			 char *err, size_t errsize)
{
	struct scan s;
	int ret = 0;

	memset(&s, 0, sizeof(s));
	shell_init(&s.sh);
	s.err = err;
	s.errsize = errsize;
	for (size_t i = 0; i < ncmds && !ret; i++) {
		s.where = "-c";
		s.line = 0;
		ret = scan_text(&s, cmds[i]);
	}
	for (size_t i = 0; i < nfiles && !ret; i++) {
		FILE *f = fopen(files[i], "r");
		char *line = NULL;
		size_t cap = 0;
		ssize_t len;

		if (!f)
			continue;       /* the run reports it */
		s.where = files[i];
		s.line = 0;
		while (!ret && (len = getline(&line, &cap, f)) >= 0)
			ret = scan_line(&s, line, (size_t)len);
		free(line);
		fclose(f);
	}
	vars_clear(&s.sh);
	if (ret) {
		free(s.pages);
		return -1;
	}
	*pages = s.pages;
	*npages = s.n;
	return 0;
}
