/* SPDX-License-Identifier: MIT */
/*
 * vmsh --verify [--update] SCRIPT...: scripts that hold their expected
 * output (the cram / doctest idea).
 *
 *   m = mmap 0x200000000000 8K rw- private|anon|fixed
 *   #| 0x200000000000
 *   munmap 0x200000000001 4K
 *   # expect-error: EINVAL
 *   touch 0x300000000000
 *   # expect-signal: SIGSEGV SEGV_MAPERR
 *   #| pid 1: SIGSEGV (SEGV_MAPERR) at 0x300000000000
 *
 * A command line owns the `#| ` lines and `# expect-...` lines right
 * after it (a blank or other comment line ends them).  `#| TEXT` is one
 * line of its standard output (`#|` alone an empty line); `#| ...`
 * matches any number of lines.  Lines compare without trailing blanks.
 * `# expect-error: [ENAME]` says the line's last command fails (with that
 * errno); without it a failure is a difference.  `# expect-signal: SIG
 * [CODE]` says an access is stopped by that signal.
 *
 * Each differing command is reported as a unified diff headed by
 * FILE:LINE; --update rewrites the `#| ` lines of those commands in place
 * (the expect- lines are the author's: only reported).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"
#include "views.h"

struct block {
	size_t cmd;             /* index of the command line */
	size_t first, end;      /* its #| and expect- lines: [first, end) */
	bool expect_error, expect_signal;
	char err_name[32], sig_name[32], sig_code[32];
};

struct script {
	char **line;
	size_t n;
	struct block *b;
	size_t nb;
};

static bool is_expect(const char *l)
{
	return !strncmp(l, "#|", 2) && (l[2] == '\0' || l[2] == ' ');
}

static const char *expected_text(const char *l)
{
	return l[2] ? l + 3 : "";
}

static bool is_directive(const char *l, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(l, "# ", 2) && !strncmp(l + 2, name, n) &&
	       (l[2 + n] == ':' || l[2 + n] == '\0');
}

static void *grow(void *p, size_t n, size_t size)
{
	p = realloc(p, (n + 1) * size);
	if (!p)
		abort();
	return p;
}

static void script_free(struct script *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->line[i]);
	free(s->line);
	free(s->b);
}

static int script_read(const char *name, struct script *s)
{
	FILE *f = fopen(name, "r");
	char *l = NULL;
	size_t cap = 0;
	ssize_t len;

	memset(s, 0, sizeof(*s));
	if (!f)
		return -errno;
	while ((len = getline(&l, &cap, f)) >= 0) {
		if (len > 0 && l[len - 1] == '\n')
			l[--len] = '\0';
		s->line = grow(s->line, s->n, sizeof(*s->line));
		s->line[s->n] = strdup(l);
		if (!s->line[s->n++])
			abort();
	}
	free(l);
	fclose(f);
	return 0;
}

/* Words of a directive's value into @a and @b (either may stay empty). */
static void two_words(const char *l, char *a, char *b, size_t size)
{
	const char *v = strchr(l, ':');

	a[0] = b[0] = '\0';
	if (v && sscanf(v + 1, "%31s %31s", a, b) < 1)
		a[0] = '\0';
	(void)size;
}

/* Split @s into command blocks; -1 with the offending line in *@bad. */
static int script_parse(struct script *s, size_t *bad)
{
	struct block *cur = NULL;

	for (size_t i = 0; i < s->n; i++) {
		const char *l = s->line[i];
		bool ee = is_directive(l, "expect-error");
		bool es = is_directive(l, "expect-signal");

		if (is_expect(l) || ee || es) {
			if (!cur) {
				*bad = i;
				return -1;
			}
			cur->end = i + 1;
			if (ee) {
				char unused[32];

				cur->expect_error = true;
				two_words(l, cur->err_name, unused, sizeof(unused));
			}
			if (es) {
				cur->expect_signal = true;
				two_words(l, cur->sig_name, cur->sig_code, 32);
			}
			continue;
		}
		l += strspn(l, " \t");
		if (!*l || *l == '#') {
			cur = NULL;
			continue;
		}
		s->b = grow(s->b, s->nb, sizeof(*s->b));
		cur = &s->b[s->nb++];
		memset(cur, 0, sizeof(*cur));
		cur->cmd = i;
		cur->first = cur->end = i + 1;
	}
	return 0;
}

/* ---- comparing ------------------------------------------------------------ */


static size_t trimmed(const char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

static bool same(const char *a, const char *b)
{
	size_t n = trimmed(a);

	return n == trimmed(b) && !memcmp(a, b, n);
}

static bool is_elision(const char *e)
{
	return same(e, "...");
}

/* Do the actual lines @a match the expected @e (with "..." elisions)? */
static bool match(const struct lines *e, size_t i, const struct lines *a, size_t j)
{
	if (i == e->n)
		return j == a->n;
	if (is_elision(e->l[i])) {
		for (size_t k = j; k <= a->n; k++)
			if (match(e, i + 1, a, k))
				return true;
		return false;
	}
	return j < a->n && same(e->l[i], a->l[j]) && match(e, i + 1, a, j + 1);
}

/* A unified diff of @e against @a (one hunk: the outputs are short);
 * lines compare without trailing blanks. */
void shell_udiff(FILE *out, const struct lines *e, const struct lines *a)
{
	size_t m = e->n, n = a->n;
	size_t *t = calloc((m + 1) * (n + 1), sizeof(*t));
	size_t i = 0, j = 0;

	if (!t)
		abort();
#define T(x, y) t[(x) * (n + 1) + (y)]
	for (size_t x = m; x-- > 0;)
		for (size_t y = n; y-- > 0;)
			T(x, y) = same(e->l[x], a->l[y]) ? T(x + 1, y + 1) + 1 :
				  T(x + 1, y) > T(x, y + 1) ? T(x + 1, y) : T(x, y + 1);
	fprintf(out, "@@ -%d,%zu +%d,%zu @@\n", m > 0, m, n > 0, n);
	while (i < m || j < n) {
		if (i < m && j < n && same(e->l[i], a->l[j])) {
			fprintf(out, " %s\n", a->l[j]);
			i++, j++;
		} else if (i < m && (j == n || T(i + 1, j) >= T(i, j + 1))) {
			fprintf(out, "-%s\n", e->l[i++]);
		} else {
			fprintf(out, "+%s\n", a->l[j++]);
		}
	}
#undef T
	free(t);
}

/* Split @buf (@len bytes) into lines; the array points into @buf. */
void shell_split_lines(char *buf, size_t len, struct lines *out)
{
	char *p = buf, *end = buf + len;

	out->l = NULL;
	out->n = 0;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl)
			*nl = '\0';
		out->l = grow(out->l, out->n, sizeof(*out->l));
		out->l[out->n++] = p;
		if (!nl)
			break;
		p = nl + 1;
	}
}

/* ---- running -------------------------------------------------------------- */

struct outcome {
	struct capture cap;
	struct lines actual;
	bool output_ok;
	char why[512];          /* what the expect- lines found wrong */
};

static void check_failure(struct shell *sh, const struct block *b,
			  struct outcome *o)
{
	const struct cmd_result *r = &sh->last;
	size_t w = 0;
	char errtext[256];

	snprintf(errtext, sizeof(errtext), "%.*s", (int)o->cap.elen,
		 o->cap.ebuf ? o->cap.ebuf : "");
	errtext[strcspn(errtext, "\n")] = '\0';
	if (b->expect_error && !sh->failed)
		w += (size_t)snprintf(o->why + w, sizeof(o->why) - w,
				      "expected an error%s%s, the command succeeded\n",
				      b->err_name[0] ? " " : "", b->err_name);
	else if (b->expect_error && b->err_name[0] &&
		 strcmp(b->err_name, r->err ? errno_name(r->err) : "-"))
		w += (size_t)snprintf(o->why + w, sizeof(o->why) - w,
				      "expected error %s, got: %s\n", b->err_name, errtext);
	else if (!b->expect_error && sh->failed)
		w += (size_t)snprintf(o->why + w, sizeof(o->why) - w,
				      "unexpected error: %s\n", errtext);
	if (w >= sizeof(o->why))
		return;
	if (b->expect_signal) {
		const char *sig = r->fault.signo ? fmt_signal_name(r->fault.signo) : "none";
		const char *code = r->fault.signo == SIGKILL ? "OOM" :
				   r->fault.signo ? fmt_signal_code(r->fault.signo, r->fault.code) : "";

		if (strcmp(b->sig_name, sig) || (b->sig_code[0] && strcmp(b->sig_code, code)))
			snprintf(o->why + w, sizeof(o->why) - w,
				 "expected signal %s%s%s, got %s%s%s\n", b->sig_name,
				 b->sig_code[0] ? " " : "", b->sig_code, sig,
				 code[0] ? " " : "", code);
	}
}

static void run_block(struct shell *sh, const char *name, struct script *s,
		      const struct block *b, struct outcome *o)
{
	const char *text = s->line[b->cmd];
	struct lexcmd lc = { .text = (char *)text };
	struct lines expected = { NULL, 0 };

	sh->src = name;
	sh->line = b->cmd + 1;
	memset(&sh->last, 0, sizeof(sh->last));
	capture_begin(sh, &o->cap, true);
	shell_run_line(sh, text, strlen(text));
	capture_end(sh, &o->cap, &lc);
	shell_split_lines(o->cap.obuf, o->cap.olen, &o->actual);
	for (size_t i = b->first; i < b->end; i++)
		if (is_expect(s->line[i])) {
			expected.l = grow(expected.l, expected.n, sizeof(*expected.l));
			expected.l[expected.n++] = expected_text(s->line[i]);
		}
	o->output_ok = match(&expected, 0, &o->actual, 0);
	o->why[0] = '\0';
	check_failure(sh, b, o);
	if (!o->output_ok || o->why[0]) {
		fprintf(sh->out, "--- %s:%zu expected\n+++ %s:%zu actual\n", name,
			b->cmd + 1, name, b->cmd + 1);
		fprintf(sh->out, "# %s\n", text);
		if (!o->output_ok)
			shell_udiff(sh->out, &expected, &o->actual);
		fputs(o->why, sh->out);
	}
	free(expected.l);
}

/* Write @s back with the output lines of the blocks in @redo replaced:
 * the command, its expect- lines, then its new `#| ` lines. */
static int rewrite(const char *name, struct script *s, struct outcome *o,
		   const bool *redo)
{
	size_t n = strlen(name) + 16;
	char *tmp = malloc(n);
	FILE *f;

	if (!tmp)
		abort();
	snprintf(tmp, n, "%s.update", name);
	f = fopen(tmp, "w");
	if (!f) {
		int err = -errno;

		free(tmp);
		return err;
	}
	for (size_t i = 0, bi = 0; i < s->n; i++) {
		const struct block *b;

		fprintf(f, "%s\n", s->line[i]);
		while (bi < s->nb && s->b[bi].cmd < i)
			bi++;
		if (bi == s->nb || s->b[bi].cmd != i || !redo[bi])
			continue;
		b = &s->b[bi];
		for (size_t k = b->first; k < b->end; k++)
			if (!is_expect(s->line[k]))
				fprintf(f, "%s\n", s->line[k]);
		for (size_t k = 0; k < o[bi].actual.n; k++) {
			const char *l = o[bi].actual.l[k];
			int len = (int)trimmed(l);

			fprintf(f, len ? "#| %.*s\n" : "#|\n", len, l);
		}
		i = b->end - 1;
	}
	if (fclose(f) != 0 || rename(tmp, name) != 0) {
		int err = -errno;

		remove(tmp);
		free(tmp);
		return err;
	}
	free(tmp);
	return 0;
}

int shell_verify_file(struct shell *sh, const char *name, bool update)
{
	struct script s;
	struct outcome *o;
	bool *redo;
	size_t bad = 0, differ = 0, fixed = 0, unfixable = 0;
	int ret = script_read(name, &s);

	if (ret < 0)
		return ret;
	if (script_parse(&s, &bad) < 0) {
		fprintf(sh->err, "%s:%zu: expected output with no command before it\n",
			name, bad + 1);
		script_free(&s);
		return 1;
	}
	o = calloc(s.nb + 1, sizeof(*o));
	redo = calloc(s.nb + 1, sizeof(*redo));
	if (!o || !redo)
		abort();
	sh->echo = false;
	sh->errexit = false;    /* a failure is a difference, not the end */
	for (size_t i = 0; i < s.nb && !sh->stop; i++) {
		run_block(sh, name, &s, &s.b[i], &o[i]);
		if (!o[i].output_ok || o[i].why[0])
			differ++;
		if (o[i].why[0])
			unfixable++;
		if (!o[i].output_ok && update) {
			redo[i] = true;
			fixed++;
		}
	}
	if (fixed) {
		ret = rewrite(name, &s, o, redo);
		if (ret < 0)
			fprintf(sh->err, "vmsh: %s: cannot update: %s (%s)\n", name,
				errno_name(ret), errno_text(ret));
	}
	if (!differ)
		fprintf(sh->out, "%s: %zu commands as expected\n", name, s.nb);
	else if (update && ret == 0)
		fprintf(sh->out, "%s: %zu of %zu commands differed, %zu updated\n",
			name, differ, s.nb, fixed);
	else
		fprintf(sh->out, "%s: %zu of %zu commands differ\n", name, differ, s.nb);
	fflush(sh->out);
	for (size_t i = 0; i < s.nb; i++) {
		capture_free(&o[i].cap);
		free(o[i].actual.l);
	}
	free(o);
	free(redo);
	script_free(&s);
	/* an update leaves only what it could not fix (expect- lines) */
	return differ > fixed || unfixable || ret < 0 ? 1 : 0;
}

int shell_verify(const struct shell *base, char *const *files, int n,
		 bool update)
{
	int status = 0;

	for (int i = 0; i < n; i++) {
		struct shell sh = *base;
		int ret;

		if (!shell_new_machine(&sh)) {
			fprintf(stderr, "vmsh: cannot build a machine with these options\n");
			return 2;
		}
		ret = shell_verify_file(&sh, files[i], update);
		if (ret < 0) {
			fflush(stdout);
			fprintf(stderr, "vmsh: %s: %s (%s)\n", files[i],
				errno_name(ret), errno_text(ret));
		}
		if (ret != 0)
			status = 1;
		shell_fini(&sh);
	}
	return status;
}
