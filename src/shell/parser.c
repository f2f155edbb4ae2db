/* SPDX-License-Identifier: MIT */
/*
 * The parser: words into numbers, PROT, FLAGS, ADVICE and variables
 * (SPEC "Lexical rules"), and the argument helpers the command handlers
 * use to consume their words left to right.
 *
 * Invariants
 *  - Numbers are unsigned 64-bit; anything that does not fit (digits,
 *    suffix, $var+N) is a parse error, never a silent wrap.
 *  - Every helper either stores a value and returns 0 or prints exactly
 *    one parse error naming the command, the expected argument and the
 *    word it got, and returns -1.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shell.h"

/* The value of digit @c in bases up to 36; 99 for a byte that is no
 * digit (the NUL at the end of a word included). */
static unsigned digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	if (c >= 'a' && c <= 'z')
		return (unsigned)(c - 'a' + 10);
	if (c >= 'A' && c <= 'Z')
		return (unsigned)(c - 'A' + 10);
	return 99;
}

int parse_number(const char *s, uint64_t *out, const char **why)
{
	unsigned base = 10;
	uint64_t v = 0;
	const char *p = s;
	int shift = 0;
	bool big = false;

	*why = "not a number";
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		base = 16, p += 2;
	else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
		base = 2, p += 2;
	else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
		base = 8, p += 2;
	if (digit_value(*p) >= base)
		return -1;
	/* one digit_value a digit, and no division: a number is parsed for
	 * every address typed */
	for (unsigned d; (d = digit_value(*p)) < base; p++) {
		uint64_t t;

		/* v * base + d > UINT64_MAX: too large */
		if (__builtin_mul_overflow(v, base, &t) ||
		    __builtin_add_overflow(t, d, &t))
			big = true;
		else
			v = t;
	}
	switch (*p) {
	case 'K': case 'k': shift = 10; p++; break;
	case 'M': case 'm': shift = 20; p++; break;
	case 'G': case 'g': shift = 30; p++; break;
	case 'T': case 't': shift = 40; p++; break;
	}
	if (*p)
		return -1;
	if (shift && v > (UINT64_MAX >> shift))
		big = true;
	if (big) {
		*why = "too large";
		return -1;
	}
	*out = v << shift;
	return 0;
}

int parse_prot(const char *s, int *out)
{
	uint64_t n;
	const char *why;
	char buf[64];
	char *save, *piece;
	int prot = 0;

	/* the rwx form first: most scripts write it ("---" is PROT_NONE) */
	if ((s[0] == 'r' || s[0] == '-') && (s[1] == 'w' || s[1] == '-') &&
	    (s[2] == 'x' || s[2] == '-') && !s[3]) {
		*out = (s[0] == 'r' ? VMSH_PROT_READ : 0) |
		       (s[1] == 'w' ? VMSH_PROT_WRITE : 0) |
		       (s[2] == 'x' ? VMSH_PROT_EXEC : 0);
		return 0;
	}
	if (!strcasecmp(s, "none")) {
		*out = VMSH_PROT_NONE;
		return 0;
	}
	if (parse_number(s, &n, &why) == 0) {
		if (n > 0x7fffffff)
			return -1;
		*out = (int)n;
		return 0;
	}
	if (strlen(s) >= sizeof(buf) || !*s)
		return -1;
	strcpy(buf, s);
	for (piece = strtok_r(buf, "|", &save); piece;
	     piece = strtok_r(NULL, "|", &save)) {
		if (!strcasecmp(piece, "PROT_READ"))
			prot |= VMSH_PROT_READ;
		else if (!strcasecmp(piece, "PROT_WRITE"))
			prot |= VMSH_PROT_WRITE;
		else if (!strcasecmp(piece, "PROT_EXEC"))
			prot |= VMSH_PROT_EXEC;
		else if (!strcasecmp(piece, "PROT_NONE"))
			;
		else
			return -1;
	}
	if (s[strlen(s) - 1] == '|' || s[0] == '|' || strstr(s, "||"))
		return -1;
	*out = prot;
	return 0;
}

static const struct bit_name flag_names[] = {
	{ "private", VMSH_MAP_PRIVATE },
	{ "shared", VMSH_MAP_SHARED },
	{ "shared_validate", 0x03 },
	{ "anonymous", VMSH_MAP_ANONYMOUS },
	{ "anon", VMSH_MAP_ANONYMOUS },
	{ "fixed", VMSH_MAP_FIXED },
	{ "fixed_noreplace", VMSH_MAP_FIXED_NOREPLACE },
	{ "noreplace", VMSH_MAP_FIXED_NOREPLACE },
	{ "populate", VMSH_MAP_POPULATE },
	{ "noreserve", VMSH_MAP_NORESERVE },
	{ "locked", VMSH_MAP_LOCKED },
	{ "growsdown", VMSH_MAP_GROWSDOWN },
	{ "stack", 0x20000 },
	{ "denywrite", 0x0800 },
	{ "executable", 0x1000 },
};

int parse_bits(const char *s, const struct bit_name *names, size_t count,
	       const char *prefix, int *out, char *bad, size_t badsize)
{
	size_t plen = strlen(prefix);
	const char *p = s;
	int flags = 0;

	for (;;) {
		size_t n = strcspn(p, "|,");
		const char *name = p;
		size_t len = n;
		bool found = false;
		uint64_t v;
		const char *why;
		char num[32];

		if (len >= plen && !strncasecmp(name, prefix, plen))
			name += plen, len -= plen;
		for (size_t i = 0; i < count && !found; i++) {
			if (strlen(names[i].name) == len &&
			    !strncasecmp(names[i].name, name, len)) {
				flags |= names[i].value;
				found = true;
			}
		}
		if (!found && n > 0 && n < sizeof(num)) {
			memcpy(num, p, n);
			num[n] = '\0';
			if (parse_number(num, &v, &why) == 0 && v <= 0x7fffffff) {
				flags |= (int)v;
				found = true;
			}
		}
		if (!found) {
			snprintf(bad, badsize, "%.*s", (int)(n < 40 ? n : 40), p);
			return -1;
		}
		p += n;
		if (!*p)
			break;
		p++;
	}
	*out = flags;
	return 0;
}

int parse_flags(const char *s, int *out, const char **bad)
{
	static char badbuf[64];

	*bad = s;
	if (!*s)
		return -1;
	*bad = badbuf;
	return parse_bits(s, flag_names, sizeof(flag_names) / sizeof(flag_names[0]),
			  "MAP_", out, badbuf, sizeof(badbuf));
}

int parse_advice(const char *s, int *out)
{
	uint64_t v;
	const char *why;
	const char *name;
	int value;

	if (!strncasecmp(s, "MADV_", 5))
		s += 5;
	for (unsigned i = 0; (name = vmsh_advice_nth(i, &value)); i++) {
		if (!strcasecmp(name, s)) {
			*out = value;
			return 0;
		}
	}
	if (parse_number(s, &v, &why) == 0) {
		/* the system call's int: the low 32 bits, as the kernel sees */
		*out = (int)(uint32_t)v;
		return 0;
	}
	return -1;
}

bool parse_ident(const char *s)
{
	if (!(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

/* ---- variables ------------------------------------------------------------ */

/* FNV-1a: variables are found in constant time, so a script with 50,000
 * of them stays linear. */
static size_t var_hash(const char *name)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211ULL;
	return (size_t)h;
}

static size_t *var_slot(struct shell *sh, const char *name)
{
	size_t mask = sh->vhash_cap - 1, i = var_hash(name) & mask;

	while (sh->vhash[i] && strcmp(sh->vars[sh->vhash[i] - 1].name, name))
		i = (i + 1) & mask;
	return &sh->vhash[i];
}

struct shell_var *var_find(struct shell *sh, const char *name)
{
	size_t *slot;

	if (!sh->nvars)
		return NULL;
	slot = var_slot(sh, name);
	return *slot ? &sh->vars[*slot - 1] : NULL;
}

static void var_rehash(struct shell *sh, size_t cap)
{
	free(sh->vhash);
	sh->vhash = calloc(cap, sizeof(*sh->vhash));
	if (!sh->vhash)
		abort();
	sh->vhash_cap = cap;
	for (size_t i = 0; i < sh->nvars; i++)
		*var_slot(sh, sh->vars[i].name) = i + 1;
}

void var_set(struct shell *sh, const char *name, uint64_t value, bool hex)
{
	struct shell_var *v = var_find(sh, name);

	if (!v) {
		if (sh->nvars == sh->vcap) {
			sh->vcap = sh->vcap ? 2 * sh->vcap : 16;
			sh->vars = realloc(sh->vars, sh->vcap * sizeof(*sh->vars));
			if (!sh->vars)
				abort();
		}
		v = &sh->vars[sh->nvars++];
		v->name = strdup(name);
		if (!v->name)
			abort();
		if (2 * sh->nvars > sh->vhash_cap)
			var_rehash(sh, sh->vhash_cap ? 2 * sh->vhash_cap : 64);
		else
			*var_slot(sh, name) = sh->nvars;
	}
	v->value = value;
	v->hex = hex;
}

void vars_clear(struct shell *sh)
{
	for (size_t i = 0; i < sh->nvars; i++)
		free(sh->vars[i].name);
	free(sh->vars);
	free(sh->vhash);
	sh->vars = NULL;
	sh->vhash = NULL;
	sh->nvars = sh->vcap = sh->vhash_cap = 0;
}

/* ---- argument helpers ----------------------------------------------------- */

static const char *describe(const char *what)
{
	if (!strcmp(what, "PROT"))
		return "PROT (like rw- or PROT_READ|PROT_WRITE)";
	if (!strcmp(what, "FLAGS"))
		return "FLAGS (like private|anon)";
	if (!strcmp(what, "ADVICE"))
		return "ADVICE (dontneed, willneed, dontfork, dofork, wipeonfork or keeponfork)";
	return NULL;
}

static void expected(struct args *a, const char *what, const char *kind)
{
	char q[96];
	const char *d = describe(what);

	if (a->i >= a->n) {
		if (d)
			sh_parse_error(a->sh, "%s: missing %s", a->name, d);
		else
			sh_parse_error(a->sh, "%s: missing %s (%s)", a->name, what, kind);
		return;
	}
	quote_word(a->tok[a->i].text, a->tok[a->i].len, q, sizeof(q));
	if (d)
		sh_parse_error(a->sh, "%s: expected %s, got '%s'", a->name, d, q);
	else
		sh_parse_error(a->sh, "%s: expected %s (%s), got '%s'",
			       a->name, what, kind, q);
}

int eval_number(struct shell *sh, const struct token *t, const char *ctx,
		const char *what, uint64_t *out)
{
	char q[96];
	const char *why;
	uint64_t v, n;

	/* the word is quoted for a message only when there is one */
#define Q quote_word(t->text, t->len, q, sizeof(q))
	if (t->quoted || strlen(t->text) != t->len) {
		sh_parse_error(sh, "%s: expected %s (a number), got '%s'", ctx, what, Q);
		return -1;
	}
	if (t->text[0] == '$') {
		char name[64];
		size_t len = 0;
		const char *p = t->text + 1;
		struct shell_var *var;

		while ((isalnum((unsigned char)p[len]) || p[len] == '_') && len < sizeof(name) - 1)
			len++;
		memcpy(name, p, len);
		name[len] = '\0';
		if (!parse_ident(name)) {
			sh_parse_error(sh, "%s: expected %s (a number), got '%s'", ctx, what, Q);
			return -1;
		}
		p += len;
		if (*p && *p != '+' && *p != '-') {
			sh_parse_error(sh, "%s: expected %s (a number), got '%s'", ctx, what, Q);
			return -1;
		}
		var = var_find(sh, name);
		if (!var) {
			sh_parse_error(sh, "undefined variable '$%s'", name);
			return -1;
		}
		v = var->value;
		if (!*p) {
			*out = v;
			return 0;
		}
		if (parse_number(p + 1, &n, &why) < 0) {
			sh_parse_error(sh, "%s: expected %s (a number), got '%s': offset %s",
				       ctx, what, Q, why);
			return -1;
		}
		if (*p == '+') {
			if (v > UINT64_MAX - n) {
				sh_parse_error(sh, "%s: %s '%s' is too large", ctx, what, Q);
				return -1;
			}
			*out = v + n;
		} else {
			if (n > v) {
				sh_parse_error(sh, "%s: %s '%s' is below zero", ctx, what, Q);
				return -1;
			}
			*out = v - n;
		}
		return 0;
	}
	if (parse_number(t->text, &v, &why) < 0) {
		if (!strcmp(why, "too large"))
			sh_parse_error(sh, "%s: %s '%s' is too large (more than 64 bits)",
				       ctx, what, Q);
		else
			sh_parse_error(sh, "%s: expected %s (a number), got '%s'", ctx, what, Q);
		return -1;
	}
	*out = v;
	return 0;
#undef Q
}

bool arg_more(struct args *a)
{
	return a->i < a->n;
}

int arg_num(struct args *a, const char *what, uint64_t *out)
{
	if (a->i >= a->n) {
		expected(a, what, "a number");
		return -1;
	}
	if (eval_number(a->sh, &a->tok[a->i], a->name, what, out) < 0)
		return -1;
	a->i++;
	return 0;
}

int arg_addr(struct args *a, const char *what, uint64_t *out)
{
	if (a->i < a->n && !a->tok[a->i].quoted && a->tok[a->i].len == 4 &&
	    !strcasecmp(a->tok[a->i].text, "NULL")) {
		*out = 0;
		a->i++;
		return 0;
	}
	return arg_num(a, what, out);
}

int arg_pid(struct args *a, int *out)
{
	uint64_t v;

	if (arg_num(a, "PID", &v) < 0)
		return -1;
	if (v > 0x7fffffff) {
		a->i--;
		sh_parse_error(a->sh, "%s: PID %s is too large", a->name, a->tok[a->i].text);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int arg_prot(struct args *a, int *out)
{
	if (a->i >= a->n || a->tok[a->i].quoted ||
	    parse_prot(a->tok[a->i].text, out) < 0) {
		expected(a, "PROT", "");
		return -1;
	}
	a->i++;
	return 0;
}

int arg_flags(struct args *a, int *out)
{
	const char *bad;

	if (a->i >= a->n || a->tok[a->i].quoted) {
		expected(a, "FLAGS", "");
		return -1;
	}
	if (parse_flags(a->tok[a->i].text, out, &bad) < 0) {
		char q[96];

		quote_word(bad, strlen(bad), q, sizeof(q));
		if (!*bad || bad == a->tok[a->i].text)
			expected(a, "FLAGS", "");
		else
		{
			struct suggest sg;
			char dym[96];

			suggest_init(&sg, !strncasecmp(bad, "MAP_", 4) ? bad + 4 : bad);
			for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
				suggest_try(&sg, flag_names[i].name);
			if (*suggest_text(&sg, dym, sizeof(dym)))
				sh_parse_error(a->sh, "%s: unknown flag '%s' in FLAGS%s",
					       a->name, q, dym);
			else
				sh_parse_error(a->sh, "%s: unknown flag '%s' in FLAGS (private, shared, anonymous/anon, fixed, fixed_noreplace/noreplace, populate, noreserve, locked, growsdown)",
					       a->name, q);
		}
		return -1;
	}
	a->i++;
	return 0;
}

int arg_advice(struct args *a, int *out)
{
	if (a->i >= a->n || a->tok[a->i].quoted ||
	    parse_advice(a->tok[a->i].text, out) < 0) {
		struct suggest sg;
		char dym[96], q[96];

		if (a->i < a->n) {
			const char *w = a->tok[a->i].text;

			suggest_init(&sg, !strncasecmp(w, "MADV_", 5) ? w + 5 : w);
			for (unsigned i = 0; vmsh_advice_nth(i, NULL); i++)
				suggest_try(&sg, vmsh_advice_nth(i, NULL));
			if (*suggest_text(&sg, dym, sizeof(dym))) {
				quote_word(w, a->tok[a->i].len, q, sizeof(q));
				sh_parse_error(a->sh, "%s: unknown ADVICE '%s'%s", a->name, q, dym);
				return -1;
			}
		}
		expected(a, "ADVICE", "");
		return -1;
	}
	a->i++;
	return 0;
}

int arg_word(struct args *a, const char *what, const char **out)
{
	if (a->i >= a->n || strlen(a->tok[a->i].text) != a->tok[a->i].len ||
	    !a->tok[a->i].len) {
		expected(a, what, "a name");
		return -1;
	}
	*out = a->tok[a->i++].text;
	return 0;
}

int arg_string(struct args *a, const char *what, const struct token **out)
{
	if (a->i >= a->n) {
		expected(a, what, "a \"string\"");
		return -1;
	}
	*out = &a->tok[a->i++];
	return 0;
}

bool arg_keyword(struct args *a, const char *kw)
{
	if (a->i < a->n && !a->tok[a->i].quoted &&
	    !strcasecmp(a->tok[a->i].text, kw)) {
		a->i++;
		return true;
	}
	return false;
}

int arg_end(struct args *a)
{
	char q[96];

	if (a->i >= a->n)
		return 0;
	quote_word(a->tok[a->i].text, a->tok[a->i].len, q, sizeof(q));
	sh_parse_error(a->sh, "%s: unexpected argument '%s' (usage: %s%s%s)",
		       a->name, q, a->cmd->name, a->cmd->args[0] ? " " : "",
		       a->cmd->args);
	return -1;
}
