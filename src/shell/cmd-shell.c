/* SPDX-License-Identifier: MIT */
/*
 * Shell built-ins: help, echo, source, set, reset, exit and quit.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "commands.h"

int cmd_help(struct args *a)
{
	const char *name;
	const struct command *c;

	if (!arg_more(a)) {
		for (size_t i = 0; i < shell_ncommands; i++) {
			c = &shell_commands[i];
			if (c->section)
				fprintf(out(a), "%s%s:\n", i ? "\n" : "", c->section);
			fprintf(out(a), "  %-9s %s\n", c->name, c->summary);
		}
		fprintf(out(a), "\nhelp CMD describes one.  Numbers: 4096, 0x1000, 0b1, 0o7, 64K, 2M; $var, $var+N, $var-N.\n"
			"PROT: rw-, r-x, ---, none, PROT_READ|PROT_WRITE.  "
			"FLAGS: private|shared|anon|fixed|noreplace|populate|...\n");
		help_list_topics(out(a));
		return 0;
	}
	if (arg_word(a, "CMD", &name) || arg_end(a))
		return -1;
	c = command_find(name);
	if (!c) {
		const struct help_topic *t = help_topic_find(name);
		struct suggest sg;
		char q[96], dym[96];

		if (t) {
			help_print_topic(out(a), t);
			return 0;
		}
		suggest_init(&sg, name);
		for (size_t i = 0; i < shell_ncommands; i++)
			suggest_try(&sg, shell_commands[i].name);
		for (t = help_topics; t->name; t++)
			suggest_try(&sg, t->name);
		quote_word(name, strlen(name), q, sizeof(q));
		sh_parse_error(a->sh, "help: no command or topic '%s'%s", q,
			       suggest_text(&sg, dym, sizeof(dym)));
		return -1;
	}
	fprintf(out(a), "usage: %s%s%s\n  %s\n", c->name, c->args[0] ? " " : "",
		c->args, c->summary);
	if (c->help)
		fprintf(out(a), "%s\n", c->help);
	return 0;
}

int cmd_echo(struct args *a)
{
	/* evaluate every $var first: an error prints nothing */
	for (size_t i = a->i; i < a->n; i++) {
		const struct token *t = &a->tok[i];
		uint64_t v;

		if (!t->quoted && t->text[0] == '$' && t->text[1] &&
		    eval_number(a->sh, t, "echo", "$VAR", &v))
			return -1;
	}
	for (size_t i = a->i; i < a->n; i++) {
		const struct token *t = &a->tok[i];

		if (!t->quoted && t->text[0] == '$' && t->text[1]) {
			uint64_t v;
			struct shell_var *var;
			char name[64];
			size_t n = strspn(t->text + 1,
					  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

			if (eval_number(a->sh, t, "echo", "$VAR", &v))
				return -1;
			snprintf(name, sizeof(name), "%.*s", (int)(n < 63 ? n : 63), t->text + 1);
			var = var_find(a->sh, name);
			if (var && !var->hex)
				fprintf(out(a), "%llu", (unsigned long long)v);
			else
				fprintf(out(a), "0x%llx", (unsigned long long)v);
		} else {
			fwrite(t->text, 1, t->len, out(a));
		}
		if (i + 1 < a->n)
			fputc(' ', out(a));
	}
	fputc('\n', out(a));
	a->i = a->n;
	return 0;
}

int cmd_source(struct args *a)
{
	const char *path;
	int ret;

	if (arg_word(a, "FILE", &path) || arg_end(a))
		return -1;
	if (cmd_sandboxed(a))
		return -1;
	if (a->sh->depth >= SHELL_SOURCE_MAX) {
		sh_error(a->sh, "source: %s: nested too deeply (%d levels)", path,
			 SHELL_SOURCE_MAX);
		return -1;
	}
	ret = shell_run_file(a->sh, path);
	a->obj = path;
	if (ret == -ELOOP) {
		sh_error(a->sh, "source: %s: already being read (a source loop)", path);
		return -1;
	}
	if (ret < 0)
		return cmd_fail(a, ret);
	return 0;
}

int cmd_set(struct args *a)
{
	const char *name, *value;
	char err[256];
	bool rebuild = false;
	struct vmsh_config old = a->sh->cfg;
	int ret;

	if (!arg_more(a)) {
		shell_list_options(a->sh, out(a));
		return 0;
	}
	if (arg_word(a, "NAME", &name) || arg_word(a, "VALUE", &value) ||
	    arg_end(a))
		return -1;
	if (shell_set_option(a->sh, name, value, &rebuild, err, sizeof(err)) < 0) {
		sh_parse_error(a->sh, "set: %s", err);
		return -1;
	}
	if (!be(a)->ops->model)
		return 0;       /* --host: only recorded */
	if (rebuild) {
		if (!shell_new_machine(a->sh)) {
			a->sh->cfg = old;
			sh_error(a->sh, "set: %s %s: the machine cannot be built with it",
				 name, value);
			return -1;
		}
		/* the old machine's addresses and pids mean nothing now */
		fprintf(out(a), "set: %s changes the machine: rebuilding it (tasks, memory and files start afresh)%s\n",
			name, a->sh->nvars ? "; variables cleared" : "");
		vars_clear(a->sh);
		return 0;
	}
	ret = be(a)->ops->model->set_config(be(a), &a->sh->cfg);
	if (ret < 0) {
		a->sh->cfg = old;
		return cmd_fail(a, ret);
	}
	return 0;
}

int cmd_reset(struct args *a)
{
	if (arg_end(a))
		return -1;
	vars_clear(a->sh);
	if (!shell_new_machine(a->sh)) {
		sh_error(a->sh, "reset: the machine cannot be built");
		return -1;
	}
	return 0;
}

static double secs(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

int cmd_time(struct args *a)
{
	struct timespec t0, t1;
	struct rusage r0, r1;

	if (!arg_more(a)) {
		sh_parse_error(a->sh, "time: missing a command to time (time CMD ...)");
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	getrusage(RUSAGE_SELF, &r0);
	shell_run_words(a->sh, a->tok + a->i, a->n - a->i);
	a->i = a->n;
	fflush(out(a));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	getrusage(RUSAGE_SELF, &r1);
	/* on stderr: standard output stays deterministic */
	fprintf(a->sh->err, "time: real %.3fs  user %.3fs  sys %.3fs\n",
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
		secs(&r1.ru_utime) - secs(&r0.ru_utime),
		secs(&r1.ru_stime) - secs(&r0.ru_stime));
	fflush(a->sh->err);
	return a->sh->failed ? -1 : 0;
}

int cmd_exit(struct args *a)
{
	uint64_t status = 0;

	if (arg_more(a) && arg_num(a, "STATUS", &status))
		return -1;
	if (arg_end(a))
		return -1;
	a->sh->stop = true;
	a->sh->status = (int)(status & 255);
	return 0;
}

