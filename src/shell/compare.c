/* SPDX-License-Identifier: MIT */
/*
 * vmsh --compare SCRIPT: the model and the running kernel side by side.
 *
 * vmsh runs itself twice on SCRIPT, with -x so that every command's
 * output follows its `vmsh> ` line, standard error merged in order:
 *   the model   vmsh OPTIONS --zero-page=HOST -x SCRIPT
 *   the kernel  vmsh --host -x SCRIPT
 * then compares the two command by command after these normalizations:
 *   - the [stack] mapping (and its smaps block): the model has one, the
 *     host shows only what the script mapped;
 *   - device and inode numbers of file mappings (DEV INO) and the padding
 *     before the path;
 *   - the zero page: the model runs with the host's setting, probed
 *     (host_zero_page) unless OPTIONS set --zero-page themselves.
 * Commands only the model has (walk, tlb, ...) are not compared.
 * Exit status 0: they agree; 1: they differ; 2: a run failed to start.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host.h"
#include "shell.h"

struct run {
	char *text;
	size_t len;
	struct lines lines;
};

/* Run @argv with stdout and stderr into one pipe; its text in @r. */
static int run_child(char **argv, struct run *r)
{
	FILE *f = open_memstream(&r->text, &r->len);
	int fd[2], status;
	char buf[4096];
	ssize_t n;
	pid_t pid;

	if (!f)
		abort();
	if (pipe(fd) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(fd[0]);
		dup2(fd[1], STDOUT_FILENO);
		dup2(fd[1], STDERR_FILENO);
		close(fd[1]);
		setenv("LC_ALL", "C", 1);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(fd[1]);
	while ((n = read(fd[0], buf, sizeof(buf))) > 0 ||
	       (n < 0 && errno == EINTR))
		if (n > 0)
			fwrite(buf, 1, (size_t)n, f);
	close(fd[0]);
	fclose(f);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	shell_split_lines(r->text, r->len, &r->lines);
	return WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -ENOEXEC : 0;
}

/* ---- normalizing ---------------------------------------------------------- */

/* A maps line: its fields, the path after the padding. */
static bool maps_line(const char *l, char *out, size_t size, bool *stack)
{
	unsigned long long start, end, off;
	unsigned major, minor;
	unsigned long ino;
	char perms[8];
	int used = 0;
	const char *path;

	if (sscanf(l, "%llx-%llx %7s %llx %x:%x %lu%n", &start, &end, perms, &off,
		   &major, &minor, &ino, &used) != 7 || !used)
		return false;
	path = l + used;
	path += strspn(path, " ");
	*stack = !strcmp(path, "[stack]");
	if (ino)
		snprintf(out, size, "%llx-%llx %s %08llx DEV INO%s%s", start, end,
			 perms, off, *path ? " " : "", path);
	else
		snprintf(out, size, "%llx-%llx %s %08llx %02x:%02x 0%s%s", start, end,
			 perms, off, major, minor, *path ? " " : "", path);
	return true;
}

static bool smaps_field(const char *l)
{
	size_t n = strspn(l, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_");

	return n && l[n] == ':';
}

/* One command's lines [from, to) of @r, normalized, into @out (strings
 * malloc'd). */
static void normalize(const struct run *r, size_t from, size_t to,
		      struct lines *out)
{
	bool skip = false;

	out->l = NULL;
	out->n = 0;
	for (size_t i = from; i < to; i++) {
		const char *l = r->lines.l[i];
		char buf[4400];
		bool stack;

		if (maps_line(l, buf, sizeof(buf), &stack)) {
			skip = stack;
			if (skip)
				continue;
			l = buf;
		} else if (skip && smaps_field(l)) {
			continue;
		} else {
			skip = false;
		}
		out->l = realloc(out->l, (out->n + 1) * sizeof(*out->l));
		if (!out->l || !(out->l[out->n++] = strdup(l)))
			abort();
	}
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free((char *)l->l[i]);
	free(l->l);
}

/* The commands of @r: index of each `vmsh> ` line, and the end. */
static size_t commands(const struct run *r, size_t **at)
{
	size_t n = 0;

	*at = malloc((r->lines.n + 1) * sizeof(**at));
	if (!*at)
		abort();
	for (size_t i = 0; i < r->lines.n; i++)
		if (!strncmp(r->lines.l[i], "vmsh> ", 6))
			(*at)[n++] = i;
	(*at)[n] = r->lines.n;
	return n;
}

/* The script line of each command (lexed as the shell does), so that a
 * difference says FILE:LINE; 0 where it cannot tell. */
static unsigned long *command_lines(const char *script, size_t *n)
{
	FILE *f = fopen(script, "r");
	unsigned long *at = NULL, no = 0;
	char *line = NULL, err[256];
	size_t cap = 0;
	ssize_t len;

	*n = 0;
	while (f && (len = getline(&line, &cap, f)) >= 0) {
		struct lexline ll;

		no++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (lex_line(line, (size_t)len, &ll, err, sizeof(err)) < 0) {
			at = realloc(at, (*n + 1) * sizeof(*at));
			if (!at)
				abort();
			at[(*n)++] = no;
			continue;
		}
		at = realloc(at, (*n + ll.ncmd + 1) * sizeof(*at));
		if (!at)
			abort();
		for (size_t i = 0; i < ll.ncmd; i++)
			at[(*n)++] = no;
		lex_free(&ll);
	}
	free(line);
	if (f)
		fclose(f);
	return at;
}

static bool model_only_refusal(const struct lines *l)
{
	return l->n == 1 && strstr(l->l[0], ": model-only command (");
}

int shell_compare(const struct shell *base, int argc, char **argv,
		  const char *script)
{
	char **margv = calloc((size_t)argc + 8, sizeof(*margv));
	char *hargv[8];
	struct run model = { 0 }, host = { 0 };
	size_t *ma, *ha, nm, nh, nlines, compared = 0, differ = 0, skipped = 0;
	unsigned long *lineno;
	bool user_zero = false;
	int zp = host_zero_page(), k = 0, ret;
	const char *zp_opt;

	if (!margv)
		abort();
	(void)base;
	for (int i = 1; i < argc; i++)
		user_zero |= !strncmp(argv[i], "--zero-page", 11);
	zp_opt = zp == 1 ? "--zero-page=on" : "--zero-page=off";
	margv[k++] = argv[0];
	if (zp >= 0)
		margv[k++] = (char *)zp_opt;
	for (int i = 1; i < argc; i++)
		if (argv[i] != script && strcmp(argv[i], "--compare"))
			margv[k++] = argv[i];
	margv[k++] = "--format=text";
	margv[k++] = "-x";
	margv[k++] = (char *)script;
	k = 0;
	hargv[k++] = argv[0];
	hargv[k++] = "--host";
	hargv[k++] = "--format=text";
	hargv[k++] = "-x";
	hargv[k++] = (char *)script;
	hargv[k] = NULL;
	ret = run_child(margv, &model);
	if (ret == 0)
		ret = run_child(hargv, &host);
	free(margv);
	if (ret < 0) {
		fprintf(stderr, "vmsh: --compare: cannot run vmsh: %s (%s)\n",
			errno_name(ret), errno_text(ret));
		return 2;
	}
	nm = commands(&model, &ma);
	nh = commands(&host, &ha);
	lineno = command_lines(script, &nlines);
	for (size_t i = 0; i < nm || i < nh; i++) {
		struct lines a = { NULL, 0 }, b = { NULL, 0 };
		const char *cmd = i < nm ? model.lines.l[ma[i]] + 6 :
				  host.lines.l[ha[i]] + 6;

		if (i < nm)
			normalize(&model, ma[i] + 1, ma[i + 1], &a);
		if (i < nh)
			normalize(&host, ha[i] + 1, ha[i + 1], &b);
		if (i < nh && model_only_refusal(&b)) {
			skipped++;
		} else {
			bool same = a.n == b.n && i < nm && i < nh;

			for (size_t j = 0; same && j < a.n; j++)
				same = !strcmp(a.l[j], b.l[j]);
			compared++;
			if (!same) {
				differ++;
				if (i < nlines && nm == nlines)
					printf("--- %s:%lu model\n+++ %s:%lu host\n", script,
					       lineno[i], script, lineno[i]);
				else
					printf("--- %s: command %zu model\n+++ %s: command %zu host\n",
					       script, i + 1, script, i + 1);
				printf("# %s\n", cmd);
				if (i >= nm || i >= nh)
					printf("(only the %s ran it)\n", i < nm ? "model" : "host");
				shell_udiff(stdout, &a, &b);
			}
		}
		lines_free(&a);
		lines_free(&b);
	}
	printf("%s: %zu commands compared%s, %s (model %s%s; normalized: [stack], "
	       "dev and inode numbers)\n", script, compared,
	       skipped ? " (model-only ones skipped)" : "",
	       differ ? "they differ" : "model and kernel agree",
	       user_zero ? "with your --zero-page" : zp_opt,
	       zp < 0 ? " (could not probe the host)" :
	       zp ? ": the host maps the zero page" : ": the host maps no zero page");
	free(ma);
	free(ha);
	free(lineno);
	free(model.lines.l);
	free(host.lines.l);
	free(model.text);
	free(host.text);
	return differ ? 1 : 0;
}
