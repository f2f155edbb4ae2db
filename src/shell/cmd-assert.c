/* SPDX-License-Identifier: MIT */
/*
 * assert EXPR: a script checks a number instead of a whole transcript.
 *
 *   EXPR  := SUM [OP SUM]          OP: == != < <= > >=
 *   SUM   := TERM { (+|-|*) TERM }  (left to right)
 *   TERM  := NUMBER | $VAR | PROBE(ARG) | PROBE() | ( SUM )
 *
 * Probes (ADDR is a SUM):
 *   rss(ADDR)       Rss of the VMA holding ADDR, in bytes (0: none there)
 *   swap(ADDR)      Swap of that VMA, in bytes
 *   vmas()          the number of VMAs of the current task (maps lines)
 *   present(ADDR)   1 if ADDR's page-table walk ends at a mapped page
 *   mapcount(ADDR)  the mapcount of the frame mapped at ADDR (0: none)
 * rss, swap and vmas read smaps and maps, so they work with --host too;
 * present and mapcount read the model's walk and frames (model-only).
 * A false assertion is a failed command: "FILE:LINE: assert: EXPR is
 * false (LEFT OP RIGHT)", and -e stops there.  A bare SUM asserts it is
 * not 0.  The words after assert are one expression: `>` there is a
 * comparison, not a redirection.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "views.h"

struct expr {
	struct args *a;
	const char *p;
	bool failed;            /* an error was printed */
};

static void skip(struct expr *e)
{
	while (*e->p == ' ' || *e->p == '\t')
		e->p++;
}

__attribute__((format(printf, 2, 3)))
static int fail(struct expr *e, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!e->failed)
		sh_parse_error(e->a->sh, "%s", msg);
	e->failed = true;
	return -1;
}

/* The text a backend call prints, in a malloc'd buffer. */
struct text {
	char *buf;
	size_t len;
	FILE *f;
};

static FILE *text_open(struct text *t)
{
	t->buf = NULL;
	t->len = 0;
	t->f = open_memstream(&t->buf, &t->len);
	if (!t->f)
		abort();
	return t->f;
}

static void text_close(struct text *t)
{
	fclose(t->f);
}

/* An smaps field of the VMA holding @addr, in bytes (0: no VMA). */
static int smaps_field(struct expr *e, uint64_t addr, const char *field,
		       uint64_t *out)
{
	struct backend *b = be(e->a);
	struct text t;
	size_t n = strlen(field);
	const char *p;
	int ret;

	ret = b->ops->smaps(b, 0, true, addr, text_open(&t));
	text_close(&t);
	*out = 0;
	for (p = t.buf; ret >= 0 && p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, field, n) && p[n] == ':') {
			*out = strtoull(p + n + 1, NULL, 10) * 1024;
			break;
		}
	free(t.buf);
	return ret;
}

static int count_vmas(struct expr *e, uint64_t *out)
{
	struct backend *b = be(e->a);
	struct text t;
	int ret = b->ops->maps(b, 0, text_open(&t));

	text_close(&t);
	*out = 0;
	for (size_t i = 0; i < t.len; i++)
		*out += t.buf[i] == '\n';
	free(t.buf);
	return ret;
}

/* A model view in its JSON form, parsed. */
static json_t *model_json(struct expr *e, enum backend_view v, uint64_t addr)
{
	struct backend_view_args args = { .addr = addr, .json = true };
	struct backend *b = be(e->a);
	json_t *j = NULL;
	struct text t;
	int ret = b->ops->model->view(b, v, &args, text_open(&t));

	text_close(&t);
	if (ret >= 0)
		j = json_loadb(t.buf, t.len, 0, NULL);
	free(t.buf);
	return j;
}

/* The pfn mapped at @addr, or -1. */
static long long mapped_pfn(struct expr *e, uint64_t addr)
{
	json_t *w = model_json(e, BV_WALK, addr);
	long long pfn = -1;

	if (w && !strcmp(json_string_value(json_object_get(w, "end")) ? json_string_value(json_object_get(w, "end")) : "", "mapped"))
		pfn = json_integer_value(json_object_get(w, "pfn"));
	json_decref(w);
	return pfn;
}

static int frame_mapcount(struct expr *e, long long pfn, uint64_t *out)
{
	json_t *f = model_json(e, BV_FRAMES, 0), *fr;
	size_t i;

	*out = 0;
	json_array_foreach(json_object_get(f, "frames"), i, fr)
		if (json_integer_value(json_object_get(fr, "pfn")) == pfn)
			*out = (uint64_t)json_integer_value(json_object_get(fr, "mapcount"));
	json_decref(f);
	return 0;
}

static int sum(struct expr *e, uint64_t *out);

static int probe(struct expr *e, const char *name, uint64_t *out)
{
	uint64_t addr = 0;
	bool noarg = !strcmp(name, "vmas");
	int ret;

	skip(e);
	if (!noarg && sum(e, &addr))
		return -1;
	skip(e);
	if (*e->p != ')')
		return fail(e, "assert: expected ')' after the argument of %s(", name);
	e->p++;
	if (!strcmp(name, "present") || !strcmp(name, "mapcount")) {
		long long pfn;

		if (!be(e->a)->ops->model) {
			sh_model_only(e->a->sh, name);
			e->failed = true;
			return -1;
		}
		pfn = mapped_pfn(e, addr);
		if (!strcmp(name, "present")) {
			*out = pfn >= 0;
			return 0;
		}
		if (pfn < 0) {
			*out = 0;
			return 0;
		}
		return frame_mapcount(e, pfn, out);
	}
	if (noarg)
		ret = count_vmas(e, out);
	else
		ret = smaps_field(e, addr, !strcmp(name, "rss") ? "Rss" : "Swap", out);
	if (ret < 0) {
		cmd_fail(e->a, ret);
		e->failed = true;
	}
	return ret < 0 ? -1 : 0;
}

static int term(struct expr *e, uint64_t *out)
{
	const char *start;
	char word[128];
	size_t n;

	skip(e);
	if (*e->p == '(') {
		e->p++;
		if (sum(e, out))
			return -1;
		skip(e);
		if (*e->p != ')')
			return fail(e, "assert: expected ')'");
		e->p++;
		return 0;
	}
	start = e->p;
	if (*e->p == '$')
		e->p++;
	while (isalnum((unsigned char)*e->p) || *e->p == '_')
		e->p++;
	n = (size_t)(e->p - start);
	if (!n || n >= sizeof(word))
		return fail(e, "assert: expected a number, $VAR or a probe at '%s'",
			    *start ? start : "(end)");
	memcpy(word, start, n);
	word[n] = '\0';
	if (*e->p == '(') {
		static const char *const probes[] = { "rss", "swap", "vmas",
			"present", "mapcount" };

		for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
			if (!strcmp(word, probes[i])) {
				e->p++;
				return probe(e, probes[i], out);
			}
		return fail(e, "assert: unknown probe '%s' (rss, swap, vmas, present, mapcount)",
			    word);
	}
	{
		struct token t = { .text = word, .len = n };

		if (eval_number(e->a->sh, &t, "assert", "a number", out)) {
			e->failed = true;
			return -1;
		}
	}
	return 0;
}

static int sum(struct expr *e, uint64_t *out)
{
	uint64_t v, w;

	if (term(e, &v))
		return -1;
	for (;;) {
		char op;

		skip(e);
		op = *e->p;
		if (op != '+' && op != '-' && op != '*')
			break;
		e->p++;
		if (term(e, &w))
			return -1;
		v = op == '+' ? v + w : op == '-' ? v - w : v * w;
	}
	*out = v;
	return 0;
}

int cmd_assert(struct args *a)
{
	static const char *const ops[] = { "==", "!=", "<=", ">=", "<", ">" };
	struct expr e = { .a = a };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	const char *op = NULL;
	uint64_t l, r = 0;
	bool ok;

	if (!f)
		abort();
	for (size_t i = a->i; i < a->n; i++)
		fprintf(f, "%s%s", i > a->i ? " " : "", a->tok[i].text);
	fclose(f);
	a->i = a->n;
	if (!len) {
		free(text);
		sh_parse_error(a->sh, "assert: missing an expression (e.g. rss($a) == 8K)");
		return -1;
	}
	e.p = text;
	if (sum(&e, &l))
		goto failed;
	skip(&e);
	for (size_t i = 0; *e.p && i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strncmp(e.p, ops[i], strlen(ops[i]))) {
			op = ops[i];
			e.p += strlen(op);
			break;
		}
	if (op && sum(&e, &r))
		goto failed;
	skip(&e);
	if (*e.p) {
		fail(&e, "assert: unexpected '%s' (operators: == != < <= > >=)", e.p);
		goto failed;
	}
	if (!op)
		ok = l != 0;
	else if (op[0] == '=')
		ok = l == r;
	else if (op[0] == '!')
		ok = l != r;
	else if (op[0] == '<')
		ok = op[1] ? l <= r : l < r;
	else
		ok = op[1] ? l >= r : l > r;
	if (!ok) {
		if (op)
			sh_error(a->sh, "assert: %s is false (%llu %s %llu)", text,
				 (unsigned long long)l, op, (unsigned long long)r);
		else
			sh_error(a->sh, "assert: %s is false (0)", text);
	}
	free(text);
	return ok ? 0 : -1;
failed:
	free(text);
	return -1;
}
