/* SPDX-License-Identifier: MIT */
/*
 * Line editing for interactive mode: GNU readline, else libedit's readline
 * emulation, else fgets.  This is the only file that includes either.
 *
 * Invariants
 *  - The history file is created with mode 0600 and rewritten after each
 *    line, so a killed vmsh loses nothing.
 *  - Ctrl-C cancels the line being typed (this file catches SIGINT only
 *    while a line is read, and gives the caller's handler back after);
 *    Ctrl-D on an empty line is the end of input.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if HAVE_READLINE
#include <readline/history.h>
#include <readline/readline.h>
#define USE_RL 1
#elif HAVE_LIBEDIT
#include <editline/readline.h>
#define USE_RL 1
#else
#define USE_RL 0
#endif

#include "lineedit.h"

static char *hist_file;
static lineedit_complete_fn *complete_fn;
static volatile sig_atomic_t got_sigint;

static void on_sigint(int sig)
{
	(void)sig;
	got_sigint = 1;
}

/* While a line is read SIGINT cancels it; before and after, whatever the
 * caller installed (the REPL's Ctrl-C that interrupts a command) is back. */
static void catch_sigint(bool on)
{
	static struct sigaction saved;
	struct sigaction sa;

	if (!on) {
		sigaction(SIGINT, &saved, NULL);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;        /* no SA_RESTART: read() returns EINTR */
	sigaction(SIGINT, &sa, &saved);
}

#if USE_RL
static char **cands;
static size_t cand_i;

static char *generator(const char *text, int state)
{
	(void)text;
	if (!cands || !cands[cand_i])
		return NULL;
	return cands[cand_i++];
}

static char **attempt(const char *text, int start, int end)
{
	char *before = strndup(rl_line_buffer, (size_t)start);
	char **m;

	(void)end;
	rl_attempted_completion_over = 1;
	if (!before)
		return NULL;
	/* ownership of each string passes to readline */
	free(cands);
	cands = complete_fn ? complete_fn(before, text) : NULL;
	cand_i = 0;
	free(before);
	m = rl_completion_matches(text, generator);
	free(cands);
	cands = NULL;
	/* a directory completes without the space: its entries come next */
	rl_completion_append_character =
		m && m[0] && !m[1] && m[0][0] && m[0][strlen(m[0]) - 1] == '/' ? '\0' : ' ';
	return m;
}

#if HAVE_READLINE
static int rl_getc_int(FILE *in)
{
	unsigned char c;

	for (;;) {
		ssize_t n = read(fileno(in), &c, 1);

		if (n == 1)
			return c;
		if (n == 0)
			return EOF;
		if (errno == EINTR && got_sigint) {
			/* cancel the line: accept an empty one */
			rl_replace_line("", 0);
			rl_point = rl_end = 0;
			return '\n';
		}
		if (errno != EINTR)
			return EOF;
	}
}
#endif
#endif

void lineedit_init(const char *histfile, lineedit_complete_fn *fn)
{
	complete_fn = fn;
	free(hist_file);
	hist_file = histfile ? strdup(histfile) : NULL;
#if USE_RL
	rl_readline_name = "vmsh";
	rl_attempted_completion_function = attempt;
	rl_basic_word_break_characters = " \t;|,";
	rl_completer_word_break_characters = " \t;|,";
#if HAVE_READLINE
	rl_catch_signals = 0;
	rl_getc_function = rl_getc_int;
#endif
	using_history();
	stifle_history(1000);
	if (hist_file)
		read_history(hist_file);
#endif
}

char *lineedit_read(const char *prompt, bool *interrupted)
{
	char *line;

	*interrupted = false;
	got_sigint = 0;
	catch_sigint(true);
#if USE_RL
	line = readline(prompt);
#else
	{
		size_t cap = 0;
		ssize_t n;

		fputs(prompt, stdout);
		fflush(stdout);
		line = NULL;
		n = getline(&line, &cap, stdin);
		if (n < 0) {
			free(line);
			line = NULL;
			if (got_sigint) {
				clearerr(stdin);
				fputc('\n', stdout);
			}
		} else if (n > 0 && line[n - 1] == '\n') {
			line[n - 1] = '\0';
		}
	}
#endif
	catch_sigint(false);
	if (got_sigint) {
		*interrupted = true;
		free(line);
		return NULL;
	}
	return line;
}

void lineedit_add_history(const char *line)
{
#if USE_RL
	add_history(line);
	if (hist_file) {
		mode_t old = umask(077);

		write_history(hist_file);
		umask(old);
		chmod(hist_file, 0600);
	}
#else
	(void)line;
#endif
}

void lineedit_fini(void)
{
#if USE_RL
	if (hist_file) {
		mode_t old = umask(077);

		write_history(hist_file);
		umask(old);
		chmod(hist_file, 0600);
	}
	free(cands);
	cands = NULL;
#endif
	free(hist_file);
	hist_file = NULL;
}
