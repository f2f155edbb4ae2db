/* SPDX-License-Identifier: MIT */
/*
 * Where a command's output goes: `CMD > FILE`, `CMD >> FILE`,
 * `CMD | SHELL-COMMAND` (popen, as gdb's pipe and psql's \o |cmd), and
 * the pager that takes over when an interactive command prints more
 * lines than the terminal has ($PAGER, else `less -FRX`; `set pager off`).
 *
 * Invariants
 *  - Only sh->out moves: error lines stay on sh->err (the terminal).
 *  - sh->out is back as it was once output_end() returns, whatever the
 *    command did; the file or pipe is closed there.
 *  - A reader that goes away early (`| head -1`, `q` in the pager) costs
 *    the rest of the output, never vmsh: SIGPIPE is ignored meanwhile.
 *  - The pager holds the output back until it has a screenful, so short
 *    output prints as it would without it.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "shell.h"

struct pager {
	char *buf;              /* output held back until a screenful */
	size_t len, cap;
	unsigned lines, limit;
	FILE *pipe;             /* the pager, once started */
	FILE *term;             /* where output went before */
};

static unsigned term_rows(void)
{
	struct winsize ws;
	const char *lines = getenv("LINES");

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
		return ws.ws_row;
	if (lines && atoi(lines) > 0)
		return (unsigned)atoi(lines);
	return 24;
}

/* Is @name a program on $PATH? */
static bool on_path(const char *name)
{
	const char *path = getenv("PATH");
	char buf[4096];

	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, name);
		if (n && access(buf, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

static void pager_start(struct pager *p)
{
	const char *cmd = getenv("PAGER");

	if (!cmd || !cmd[0])
		cmd = on_path("less") ? "less -FRX" : NULL;
	fflush(p->term);
	p->pipe = cmd ? popen(cmd, "w") : NULL;
	if (!p->pipe)
		p->pipe = p->term;      /* no pager: straight on */
	fwrite(p->buf, 1, p->len, p->pipe);
	p->len = 0;
}

static ssize_t pager_write(void *cookie, const char *b, size_t n)
{
	struct pager *p = cookie;

	if (p->pipe) {
		fwrite(b, 1, n, p->pipe);
		return (ssize_t)n;      /* a pager that quit drops the rest */
	}
	if (p->len + n > p->cap) {
		p->cap = (p->len + n) * 2;
		p->buf = realloc(p->buf, p->cap);
		if (!p->buf)
			abort();
	}
	memcpy(p->buf + p->len, b, n);
	p->len += n;
	for (size_t i = 0; i < n; i++)
		p->lines += b[i] == '\n';
	if (p->lines >= p->limit)
		pager_start(p);
	return (ssize_t)n;
}

static int pager_close(void *cookie)
{
	struct pager *p = cookie;

	if (!p->pipe)
		fwrite(p->buf, 1, p->len, p->term);
	else if (p->pipe != p->term)
		pclose(p->pipe);
	fflush(p->term);
	free(p->buf);
	free(p);
	return 0;
}

static void ignore_sigpipe(struct output *o)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, &o->old_pipe);
	o->pipe_ignored = true;
}

int output_begin(struct shell *sh, const char *file, bool append,
		 const char *pipe, struct output *o)
{
	/* not the whole struct: path[] is 4 KiB, written only for ~/ */
	o->saved = sh->out;
	o->f = NULL;
	o->kind = OUT_NONE;
	o->name = NULL;
	o->pipe_ignored = false;
	if ((file || pipe) && sh->sandbox) {
		sh_error(sh, "%s: EPERM (Operation not permitted)", file ? file : pipe);
		return -1;
	}
	if (file) {
		const char *home = getenv("HOME");

		/* ~/x: in $HOME, as a shell would have it */
		if (file[0] == '~' && file[1] == '/' && home && home[0]) {
			snprintf(o->path, sizeof(o->path), "%s%s", home, file + 1);
			file = o->path;
		}
		o->f = fopen(file, append ? "a" : "w");
		if (!o->f) {
			int err = errno;

			sh_error(sh, "%s: cannot open it for writing: %s (%s)", file,
				 errno_name(err), errno_text(err));
			return -1;
		}
		o->kind = OUT_FILE;
		o->name = file;
	} else if (pipe) {
		fflush(sh->out);
		ignore_sigpipe(o);
		o->f = popen(pipe, "w");
		if (!o->f) {
			int err = errno;

			sh_error(sh, "| %s: cannot start it: %s (%s)", pipe,
				 errno_name(err), errno_text(err));
			output_end(sh, o);
			return -1;
		}
		o->kind = OUT_PIPE;
	} else if (sh->interactive && !sh->no_pager && sh->out == stdout &&
		   isatty(STDOUT_FILENO)) {
		struct pager *p = calloc(1, sizeof(*p));
		cookie_io_functions_t io = { .write = pager_write, .close = pager_close };

		if (!p)
			abort();
		p->term = sh->out;
		p->limit = term_rows() > 1 ? term_rows() - 1 : 1;
		ignore_sigpipe(o);
		o->f = fopencookie(p, "w", io);
		if (!o->f)
			abort();
		o->kind = OUT_PAGER;
	} else {
		return 0;
	}
	sh->out = o->f;
	return 0;
}

void output_end(struct shell *sh, struct output *o)
{
	if (o->f) {
		fflush(o->f);
		if (o->kind == OUT_PIPE) {
			pclose(o->f);
		} else if (o->kind == OUT_FILE) {
			bool bad = ferror(o->f);

			if (fclose(o->f) != 0 || bad) {
				sh->out = o->saved;
				sh_error(sh, "%s: the output could not all be written: %s (%s)",
					 o->name, errno_name(errno ? errno : EIO),
					 errno_text(errno ? errno : EIO));
			}
		} else {
			fclose(o->f);
		}
		o->f = NULL;
	}
	sh->out = o->saved;
	if (o->pipe_ignored)
		sigaction(SIGPIPE, &o->old_pipe, NULL);
	o->pipe_ignored = false;
}
