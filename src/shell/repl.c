/* SPDX-License-Identifier: MIT */
/*
 * The read-eval-print loop: lines from a terminal, a script, standard
 * input or -c go through one shell_run_line(), which lexes, parses and
 * dispatches through the command table.
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
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lineedit.h"
#include "shell.h"
#include "views.h"

volatile sig_atomic_t shell_interrupt;

static void on_sigint(int sig)
{
	(void)sig;
	shell_interrupt = 1;
}

/* Interactive only: Ctrl-C while a command runs stops the command (the
 * engine polls shell_interrupt between pages), not vmsh.  Batch runs keep
 * the default action: SIGINT ends vmsh with status 130. */
static void catch_sigint(bool on)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on ? on_sigint : SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
}

static void warn_out(void *ctx, const char *line)
{
	struct shell *sh = ctx;

	fprintf(sh->out, "%s\n", line);
}

void shell_trace_out(void *ctx, const char *line)
{
	struct shell *sh = ctx;

	if (sh->trace_out)      /* JSON: the lines of its "trace" array */
		fprintf(sh->trace_out, "%s\n", line);
	else
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
	if (sh->host)
		return true;
	if (!sh->be) {
		sh->be = model_backend_new(&sh->cfg, warn_out, sh);
		if (!sh->be)
			return false;
	} else {
		if (sh->discard_hook)
			sh->discard_hook(sh);
		if (!sh->be->ops->model->rebuild(sh->be, &sh->cfg))
			return false;
	}
	if (sh->trace)
		sh->be->ops->model->set_trace(sh->be, shell_trace_out, sh);
	sh->be->ops->model->set_interrupt(sh->be, &shell_interrupt);
	return true;
}

void shell_fini(struct shell *sh)
{
	if (sh->be)
		sh->be->ops->free(sh->be);
	sh->be = NULL;
	vars_clear(sh);
}

/* ---- running commands ----------------------------------------------------- */

/* Is @t the unquoted word @w?  (Lengths first: run for every command.) */
static bool word_is(const struct token *t, const char *w)
{
	return !t->quoted && t->len == strlen(w) && !memcmp(t->text, w, t->len);
}

void shell_run_words(struct shell *sh, struct token *tok, size_t n)
{
	const char *assign = NULL;
	const struct command *c;
	struct args a;
	char q[96];
	int rc;

	sh->failed = false;
	if (n >= 2 && word_is(&tok[1], "=")) {
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
		char dym[96];

		quote_word(tok[0].text, tok[0].len, q, sizeof(q));
		sh_parse_error(sh, "unknown command '%s'%s", q,
			       suggest_command(tok[0].text, dym, sizeof(dym)));
		return;
	}
	if (assign && !c->yields) {
		sh_parse_error(sh, "%s yields no value to assign to '%s' (mmap, mremap, brk, fork, clone and kthread do)",
			       c->name, assign);
		return;
	}
	if (c->model_only && !sh->be->ops->model) {
		sh->res.name = c->name;
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
	rc = c->run(&a);
	if (sh->be && sh->be->ops->model && sh->be->ops->model->idle)
		sh->be->ops->model->idle(sh->be);
	if (rc < 0) {
		sh->res.name = a.name;
		sh->failed = true;
		return;
	}
	sh->res.name = a.name;
	if (shell_interrupt && !sh->intr_said) {
		/* stopped somewhere the command does not report itself */
		sh_interrupted(sh, c->name, "%s", "");
		return;
	}
	if (assign && a.yields)
		var_set(sh, assign, a.value, a.hex);
}

static bool is_redirect(const struct token *t)
{
	return word_is(t, ">") || word_is(t, ">>");
}

/* A command with where its output goes: `> FILE`, `>> FILE` as its last
 * two words, `| SHELL-COMMAND` (the lexer's), else the pager. */
static void run_command(struct shell *sh, struct lexcmd *lc)
{
	const char *file = NULL;
	bool append = false;
	struct output o;
	struct capture cap;
	size_t n = lc->ntok;

	sh->failed = false;
	if (word_is(&lc->tok[0], "assert")) {
		/* its words are an expression: `>` compares */
	} else if (is_redirect(&lc->tok[n - 1])) {
		sh_parse_error(sh, "missing a file name after '%s'", lc->tok[n - 1].text);
		return;
	} else if (n >= 2 && is_redirect(&lc->tok[n - 2])) {
		file = lc->tok[n - 1].text;
		append = lc->tok[n - 2].text[1] == '>';
		n -= 2;
		if (!n) {
			sh_parse_error(sh, "missing a command before '%s'", lc->tok[0].text);
			return;
		}
		if (lc->pipe) {
			sh_parse_error(sh, "output goes to '%s' or through '|', not both", file);
			return;
		}
	}
	if (output_begin(sh, file, append, lc->pipe, &o) < 0)
		return;
	/* inside the redirection: the JSON line goes where the output goes */
	capture_begin(sh, &cap, false);
	shell_run_words(sh, lc->tok, n);
	capture_end(sh, &cap, lc);
	if (o.f)
		fflush(sh->out);        /* redirected: out before it closes */
	output_end(sh, &o);
}

void shell_run_line(struct shell *sh, const char *line, size_t len)
{
	struct capture cap;
	struct lexline ll;
	char err[256];
	const char *nul = memchr(line, '\0', len);

	if (nul) {
		/* a C string would end there and run the rest of a word */
		sh->failed = false;
		sh_parse_error(sh, "NUL byte in the line (column %zu)",
			       (size_t)(nul - line) + 1);
		goto out;
	}
	if (lex_line(line, len, &ll, err, sizeof(err)) < 0) {
		struct lexcmd whole = { .text = strndup(line, len) };

		sh->failed = false;
		capture_begin(sh, &cap, false);
		sh_parse_error(sh, "%s", err);
		capture_end(sh, &cap, &whole);
		free(whole.text);
		goto out;
	}
	for (size_t i = 0; i < ll.ncmd && !sh->stop && !shell_interrupt; i++) {
		if (sh->echo && !sh->json) {
			fprintf(sh->out, "vmsh> %s\n", ll.cmd[i].text);
			fflush(sh->out);
		}
		errno = 0;
		run_command(sh, &ll.cmd[i]);
		/* a script's output goes out in blocks (an error line flushes
		 * it first, so the order still holds); a person, or the
		 * real processes of --host, see each command's at once.  A
		 * write that failed stops the run either way. */
		if (shell_out_lost(sh, sh->interactive || !sh->be->ops->model))
			break;
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

/* Where shell_run_file reads a script's lines from.  A regular file vmsh
 * opened itself is read in blocks and split with memchr (nothing else
 * reads it, and a read of it never waits); standard input, a pipe or a
 * device goes a byte at a time through stdio (`source -` and the
 * terminal share stdin's buffer, and a pipe's writer may wait for us). */
struct script_in {
	FILE *f;
	char *buf;              /* NULL: byte by byte */
	size_t pos, end;        /* [pos, end) of buf not yet taken */
};

#define SCRIPT_BLOCK (64U << 10)

/* Room in *@line for @more bytes read after the @len taken, as if read
 * one at a time: the buffer doubles from 256 bytes when a byte meets
 * its last free one, and a line that still needs room at
 * SHELL_LINE_MAX bytes is refused.  0, -2 too long, -3 out of memory. */
static int line_room(char **line, size_t *cap, size_t len, size_t more)
{
	while (len + more >= *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		char *n;

		if (*cap && *cap - 1 >= SHELL_LINE_MAX)
			return -2;
		n = realloc(*line, ncap);
		if (!n)
			return -3;
		*line = n;
		*cap = ncap;
	}
	return 0;
}

/* read_line() of a script read in blocks. */
static long read_line_blocks(struct script_in *in, char **line, size_t *cap)
{
	size_t len = 0;
	int rc;

	for (;;) {
		const char *s = in->buf + in->pos;
		const char *nl = memchr(s, '\n', in->end - in->pos);
		size_t n = nl ? (size_t)(nl - s) : in->end - in->pos;

		if ((rc = line_room(line, cap, len, n + (nl != NULL))) < 0)
			return rc;
		memcpy(*line + len, s, n);
		len += n;
		in->pos += n;
		if (nl) {
			in->pos++;
			break;
		}
		in->pos = 0;
		in->end = fread(in->buf, 1, SCRIPT_BLOCK, in->f);
		if (!in->end && !len)
			return -1;
		if (!in->end)
			break;
	}
	(*line)[len] = 0;
	return (long)len;
}

/* One line of @in into *@line (without its newline): its length, -1 at
 * the end, -2 when it is longer than SHELL_LINE_MAX, -3 out of memory.
 * (getline would grow without bound on /dev/zero and report running out
 * of memory as the end of the file.) */
static long read_line(struct script_in *in, char **line, size_t *cap)
{
	size_t len = 0;
	int c, rc;

	if (in->buf)
		return read_line_blocks(in, line, cap);
	while ((c = getc_unlocked(in->f)) != EOF) {
		if ((rc = line_room(line, cap, len, 1)) < 0)
			return rc;
		if (c == '\n')
			break;
		(*line)[len++] = (char)c;
	}
	if (c == EOF && !len)
		return -1;
	(*line)[len] = 0;
	return (long)len;
}

/* Is the file of @st already being read (a source loop)? */
static bool on_source_stack(const struct shell *sh, const struct stat *st)
{
	for (int i = 0; i < sh->depth && i < SHELL_SOURCE_MAX; i++)
		if (sh->src_dev[i] == st->st_dev && sh->src_ino[i] == st->st_ino)
			return true;
	return false;
}

int shell_run_file(struct shell *sh, const char *name)
{
	const char *saved_src = sh->src;
	unsigned long saved_line = sh->line;
	bool is_stdin = !strcmp(name, "-");
	FILE *f = is_stdin ? stdin : fopen(name, "r");
	struct script_in in = { .f = f };
	struct stat st;
	char *line = NULL;
	unsigned long stopped_at;
	size_t cap = 0;
	long len = -1;
	int ret = 0;

	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) < 0 || S_ISDIR(st.st_mode) ||
	    (!is_stdin && on_source_stack(sh, &st))) {
		ret = S_ISDIR(st.st_mode) ? -EISDIR : -ELOOP;
		if (!is_stdin)
			fclose(f);
		return ret;
	}
	if (sh->depth < SHELL_SOURCE_MAX) {
		sh->src_dev[sh->depth] = st.st_dev;
		sh->src_ino[sh->depth] = st.st_ino;
	}
	if (!is_stdin && S_ISREG(st.st_mode)) {
		in.buf = malloc(SCRIPT_BLOCK);
		if (!in.buf)
			abort();
	}
	sh->src = is_stdin ? "<stdin>" : name;
	sh->line = 0;
	sh->depth++;
	errno = 0;
	while (!sh->stop && !shell_interrupt &&
	       (len = read_line(&in, &line, &cap)) >= 0) {
		sh->line++;
		shell_run_line(sh, line, (size_t)len);
	}
	if (len == -2) {
		sh->line++;
		sh_error(sh, "line longer than %u MiB: the rest of the file is not run",
			 SHELL_LINE_MAX >> 20);
		sh->failed = true;
	} else if (len == -3) {
		ret = -ENOMEM;
	} else if (ferror(f)) {
		ret = errno ? -errno : -EIO;
	}
	free(line);
	free(in.buf);
	sh->depth--;
	if (!is_stdin)
		fclose(f);
	else
		clearerr(stdin);
	stopped_at = sh->line;
	sh->src = saved_src;
	sh->line = saved_line;
	if (shell_interrupt && !sh->intr_said && !is_stdin)
		sh_interrupted(sh, "source", " in %s at line %lu; the lines after it were not run",
			       name, stopped_at);
	return ret;
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
			sh->cfg.levels, fmt_size(sh->cfg.ram, SIZE_EXACT, ram, sizeof(ram)));
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
		shell_interrupt = 0;
		sh->intr_said = false;
		catch_sigint(true);
		shell_run_line(sh, line, strlen(line));
		catch_sigint(false);
		free(line);
	}
	shell_interrupt = 0;
	lineedit_fini();
	free(hist);
}
