/* SPDX-License-Identifier: MIT */
/*
 * The lexer: one line of input into commands and words (SPEC "Lexical
 * rules").
 *
 * Invariants
 *  - `;` and the end of the line separate commands; empty commands are
 *    dropped.  `#` at the start of a word starts a comment to the end of
 *    the line.  Blanks (space, tab, CR, VT, FF) separate words.
 *  - "..." is one word (quoted = true) with C escapes \n \t \r \0 \\ \"
 *    \xHH; any other escape, or a missing closing quote, is an error.
 *  - A word that is a lone `|` ends the command: the rest of the line, as
 *    typed (`;` and `#` included), is the shell command it pipes into.
 *  - Any byte (binary junk included) is accepted inside a word; the lexer
 *    never reads outside [line, line + len).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"

/* Character classes, looked up once a byte (every line of a script is
 * lexed): blanks separate words; blanks, `;` and `"` end an unquoted word. */
enum { BLANK = 1, ENDS_WORD = 2 };

static const unsigned char char_class[256] = {
	[' '] = BLANK | ENDS_WORD, ['\t'] = BLANK | ENDS_WORD,
	['\r'] = BLANK | ENDS_WORD, ['\v'] = BLANK | ENDS_WORD,
	['\f'] = BLANK | ENDS_WORD, ['\n'] = BLANK | ENDS_WORD,
	[';'] = ENDS_WORD, ['"'] = ENDS_WORD,
};

static bool is_blank(char c)
{
	return char_class[(unsigned char)c] & BLANK;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The lexer's state.  The arena starts with a copy of the line: a word
 * stays where it is in that copy, NUL-terminated over the byte that
 * ended it (a "..." word is decoded in place: it is never longer than
 * its source); after the copy come the command texts and pipes, each
 * no longer than its source plus a NUL.  So the arena needs at most
 * 4 * len + 8 bytes.  Tokens go into one array. */
struct lex {
	struct lexline *ll;
	const char *line;       /* the line the arena's first len bytes copy */
	size_t apos;            /* next free byte of the arena */
	size_t ntoks, tcap, ccap;
	size_t first;           /* first token of the current command */
	char *pipe;             /* the current command's | SHELL-COMMAND */
};

/* @p (@old elements, in the struct itself when @small) to @n elements. */
static void *grow(void *p, bool small, size_t old, size_t n, size_t size)
{
	void *q = small ? malloc(n * size) : realloc(p, n * size);

	if (!q)
		abort();
	if (small)
		memcpy(q, p, old * size);
	return q;
}

static void put(struct lex *lx, char c)
{
	lx->ll->arena[lx->apos++] = c;
}

/* Copy [s, s + len) trimmed of blanks into the arena. */
static char *arena_text(struct lex *lx, const char *s, size_t len)
{
	char *t = lx->ll->arena + lx->apos;

	while (len && is_blank(*s)) {
		s++;
		len--;
	}
	while (len && is_blank(s[len - 1]))
		len--;
	memcpy(t, s, len);
	lx->apos += len;
	put(lx, '\0');
	return t;
}

/* The current command ends at @end (its text starts at @start).
 * (inline, as add_tok: the calls' register saves and restores were a
 * tenth of the lexer's instructions.) */
static inline void finish_cmd(struct lex *lx, const char *start,
			      const char *end)
{
	struct lexline *ll = lx->ll;
	size_t len = (size_t)(end - start);
	struct lexcmd *c;

	if (lx->ntoks == lx->first)
		return;
	if (ll->ncmd == lx->ccap) {
		lx->ccap *= 2;
		ll->cmd = grow(ll->cmd, ll->cmd == ll->cmd_small, ll->ncmd,
			       lx->ccap, sizeof(*ll->cmd));
	}
	c = &ll->cmd[ll->ncmd++];
	c->first = lx->first;
	c->ntok = lx->ntoks - lx->first;
	c->pipe = lx->pipe;
	lx->pipe = NULL;
	c->text = arena_text(lx, start, len);
	lx->first = lx->ntoks;
}

/* The word at @at of the line is @len bytes at the same place in the
 * arena's copy: NUL-terminate it there and add it. */
static inline bool add_tok(struct lex *lx, const char *at, size_t len,
			   bool quoted)
{
	struct lexline *ll = lx->ll;
	char *text = ll->arena + (at - lx->line);
	struct token *t;

	if (lx->ntoks == LEX_WORDS_MAX)
		return false;
	if (lx->ntoks == lx->tcap) {
		lx->tcap *= 2;
		ll->toks = grow(ll->toks, ll->toks == ll->toks_small, lx->ntoks,
				lx->tcap, sizeof(*ll->toks));
	}
	t = &ll->toks[lx->ntoks++];
	t->text = text;
	t->len = len;
	t->quoted = quoted;
	text[len] = '\0';
	return true;
}

int lex_line(const char *line, size_t len, struct lexline *out,
	     char *errbuf, size_t errsize)
{
	const char *p = line, *end = line + len, *cmd_start = line;
	const char *word_at = line;
	struct lex lx = { .ll = out, .line = line, .apos = len + 1 };

	out->ncmd = 0;
	out->cmd = out->cmd_small;
	lx.ccap = sizeof(out->cmd_small) / sizeof(out->cmd_small[0]);
	out->toks = out->toks_small;
	lx.tcap = sizeof(out->toks_small) / sizeof(out->toks_small[0]);
	out->arena = len <= (sizeof(out->arena_small) - 8) / 4 ?
		     out->arena_small : malloc(4 * len + 8);
	if (!out->arena)
		abort();
	memcpy(out->arena, line, len);
	out->arena[len] = '\0';
	while (p < end) {
		if (is_blank(*p)) {
			p++;
			continue;
		}
		if (*p == ';') {
			finish_cmd(&lx, cmd_start, p);
			cmd_start = ++p;
			continue;
		}
		if (*p == '#') {
			finish_cmd(&lx, cmd_start, p);
			cmd_start = p = end;
			break;
		}
		word_at = p;
		if (*p == '"') {
			const char *open = p++;
			/* decoded in place of its source, from the quote on */
			char *q = out->arena + (open - line);
			size_t n = 0;

			for (;;) {
				int h, l;

				if (p >= end) {
					snprintf(errbuf, errsize,
						 "unterminated string starting at column %zu",
						 (size_t)(open - line) + 1);
					goto fail;
				}
				if (*p == '"') {
					p++;
					break;
				}
				if (*p != '\\') {
					q[n++] = *p++;
					continue;
				}
				if (++p >= end) {
					snprintf(errbuf, errsize,
						 "unterminated string starting at column %zu",
						 (size_t)(open - line) + 1);
					goto fail;
				}
				switch (*p) {
				case 'n': q[n++] = '\n'; p++; break;
				case 't': q[n++] = '\t'; p++; break;
				case 'r': q[n++] = '\r'; p++; break;
				case '0': q[n++] = '\0'; p++; break;
				case '\\': q[n++] = '\\'; p++; break;
				case '"': q[n++] = '"'; p++; break;
				case 'x':
					h = p + 1 < end ? hexval(p[1]) : -1;
					l = p + 2 < end ? hexval(p[2]) : -1;
					if (h < 0 || l < 0) {
						snprintf(errbuf, errsize,
							 "bad escape in string: \\x needs two hex digits");
						goto fail;
					}
					q[n++] = (char)(h * 16 + l);
					p += 3;
					break;
				default:
					if ((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f)
						snprintf(errbuf, errsize,
							 "bad escape '\\%c' in string", *p);
					else
						snprintf(errbuf, errsize,
							 "bad escape '\\\\x%02x' in string",
							 (unsigned char)*p);
					goto fail;
				}
			}
			if (p < end && !is_blank(*p) && *p != ';' && *p != '#') {
				snprintf(errbuf, errsize,
					 "missing blank after the string ending at column %zu",
					 (size_t)(p - line));
				goto fail;
			}
			if (!add_tok(&lx, open, n, true))
				goto too_many;
			continue;
		}
		while (p < end && !(char_class[(unsigned char)*p] & ENDS_WORD))
			p++;
		if (p < end && *p == '"') {
			snprintf(errbuf, errsize,
				 "unexpected '\"' inside the word at column %zu",
				 (size_t)(p - line) + 1);
			goto fail;
		}
		if (p - word_at == 1 && *word_at == '|') {
			/* CMD | SHELL-COMMAND: the rest of the line, as typed,
			 * is /bin/sh's (gdb's pipe) */
			if (lx.ntoks == lx.first) {
				snprintf(errbuf, errsize, "missing a command before '|'");
				goto fail;
			}
			lx.pipe = arena_text(&lx, p, (size_t)(end - p));
			p = end;
			if (!lx.pipe[0]) {
				snprintf(errbuf, errsize, "missing a shell command after '|'");
				goto fail;
			}
			break;
		}
		if (!add_tok(&lx, word_at, (size_t)(p - word_at), false))
			goto too_many;
	}
	finish_cmd(&lx, cmd_start, p);
	/* the token array is final now: point the commands into it */
	for (size_t i = 0; i < out->ncmd; i++)
		out->cmd[i].tok = out->toks + out->cmd[i].first;
	return 0;

too_many:
	snprintf(errbuf, errsize, "more than %u words in one line (the word at column %zu)",
		 LEX_WORDS_MAX, (size_t)(word_at - line) + 1);
fail:
	lex_free(out);
	return -1;
}

void lex_free(struct lexline *ll)
{
	if (ll->cmd != ll->cmd_small)
		free(ll->cmd);
	if (ll->toks != ll->toks_small)
		free(ll->toks);
	if (ll->arena != ll->arena_small)
		free(ll->arena);
	ll->cmd = NULL;
	ll->toks = NULL;
	ll->arena = NULL;
	ll->ncmd = 0;
}
