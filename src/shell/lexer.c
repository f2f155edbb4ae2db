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

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' ||
	       c == '\n';
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

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_put(struct buf *b, char c)
{
	if (b->len + 1 >= b->cap) {
		b->cap = b->cap ? b->cap * 2 : 32;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

static void *grow(void *p, size_t n, size_t size)
{
	p = realloc(p, n * size);
	if (!p)
		abort();
	return p;
}

static char *dup_range(const char *s, size_t len)
{
	char *p = malloc(len + 1);

	if (!p)
		abort();
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* Trimmed source text of a command, without a trailing comment. */
static char *cmd_text(const char *s, size_t len)
{
	while (len && is_blank(*s)) {
		s++;
		len--;
	}
	while (len && is_blank(s[len - 1]))
		len--;
	return dup_range(s, len);
}

static void finish_cmd(struct lexline *ll, struct lexcmd *cur,
		       const char *start, const char *end)
{
	if (cur->ntok == 0) {
		free(cur->tok);
		free(cur->pipe);
	} else {
		cur->text = cmd_text(start, (size_t)(end - start));
		ll->cmd = grow(ll->cmd, ll->ncmd + 1, sizeof(*ll->cmd));
		ll->cmd[ll->ncmd++] = *cur;
	}
	memset(cur, 0, sizeof(*cur));
}

static void add_tok(struct lexcmd *cur, struct buf *b, bool quoted)
{
	cur->tok = grow(cur->tok, cur->ntok + 1, sizeof(*cur->tok));
	if (!b->p) {
		b->p = calloc(1, 1);
		if (!b->p)
			abort();
	}
	cur->tok[cur->ntok].text = b->p;
	cur->tok[cur->ntok].len = b->len;
	cur->tok[cur->ntok].quoted = quoted;
	cur->ntok++;
	memset(b, 0, sizeof(*b));
}

int lex_line(const char *line, size_t len, struct lexline *out,
	     char *errbuf, size_t errsize)
{
	const char *p = line, *end = line + len, *cmd_start = line;
	struct lexcmd cur = { 0 };
	struct buf b = { 0 };

	memset(out, 0, sizeof(*out));
	while (p < end) {
		if (is_blank(*p)) {
			p++;
			continue;
		}
		if (*p == ';') {
			finish_cmd(out, &cur, cmd_start, p);
			cmd_start = ++p;
			continue;
		}
		if (*p == '#') {
			finish_cmd(out, &cur, cmd_start, p);
			cmd_start = p = end;
			break;
		}
		if (*p == '"') {
			const char *open = p++;

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
					buf_put(&b, *p++);
					continue;
				}
				if (++p >= end) {
					snprintf(errbuf, errsize,
						 "unterminated string starting at column %zu",
						 (size_t)(open - line) + 1);
					goto fail;
				}
				switch (*p) {
				case 'n': buf_put(&b, '\n'); p++; break;
				case 't': buf_put(&b, '\t'); p++; break;
				case 'r': buf_put(&b, '\r'); p++; break;
				case '0': buf_put(&b, '\0'); p++; break;
				case '\\': buf_put(&b, '\\'); p++; break;
				case '"': buf_put(&b, '"'); p++; break;
				case 'x':
					h = p + 1 < end ? hexval(p[1]) : -1;
					l = p + 2 < end ? hexval(p[2]) : -1;
					if (h < 0 || l < 0) {
						snprintf(errbuf, errsize,
							 "bad escape in string: \\x needs two hex digits");
						goto fail;
					}
					buf_put(&b, (char)(h * 16 + l));
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
			add_tok(&cur, &b, true);
			continue;
		}
		while (p < end && !is_blank(*p) && *p != ';' && *p != '"')
			buf_put(&b, *p++);
		if (p < end && *p == '"') {
			snprintf(errbuf, errsize,
				 "unexpected '\"' inside the word at column %zu",
				 (size_t)(p - line) + 1);
			goto fail;
		}
		if (b.len == 1 && b.p[0] == '|') {
			/* CMD | SHELL-COMMAND: the rest of the line, as typed,
			 * is /bin/sh's (gdb's pipe) */
			free(b.p);
			memset(&b, 0, sizeof(b));
			if (!cur.ntok) {
				snprintf(errbuf, errsize, "missing a command before '|'");
				goto fail;
			}
			cur.pipe = cmd_text(p, (size_t)(end - p));
			p = end;
			if (!cur.pipe[0]) {
				snprintf(errbuf, errsize, "missing a shell command after '|'");
				goto fail;
			}
			break;
		}
		add_tok(&cur, &b, false);
	}
	finish_cmd(out, &cur, cmd_start, p);
	return 0;

fail:
	free(b.p);
	for (size_t i = 0; i < cur.ntok; i++)
		free(cur.tok[i].text);
	free(cur.tok);
	free(cur.pipe);
	lex_free(out);
	return -1;
}

void lex_free(struct lexline *ll)
{
	for (size_t i = 0; i < ll->ncmd; i++) {
		for (size_t j = 0; j < ll->cmd[i].ntok; j++)
			free(ll->cmd[i].tok[j].text);
		free(ll->cmd[i].tok);
		free(ll->cmd[i].text);
		free(ll->cmd[i].pipe);
	}
	free(ll->cmd);
	memset(ll, 0, sizeof(*ll));
}
