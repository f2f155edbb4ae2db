/* SPDX-License-Identifier: MIT */
/*
 * Task commands: fork, clone vm, kthread, execve, kill, switch, ps, and
 * the resource limits (setrlimit, limits).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "commands.h"
#include "views.h"

static int child_result(struct args *a, int ret, int child)
{
	if (ret < 0)
		return cmd_fail(a, ret);
	if (!a->sh->json)       /* the JSON line has it as "value" */
		fprintf(out(a), "child pid %d\n", child);
	cmd_yield(a, (uint64_t)child, false);
	return 0;
}

int cmd_fork(struct args *a)
{
	int child = 0, ret;

	if (arg_end(a))
		return -1;
	ret = be(a)->ops->fork(be(a), &child);
	if (ret == -EINTR && shell_interrupt) {
		sh_interrupted(a->sh, "fork", " while copying the page tables; no child was created");
		return -1;
	}
	return child_result(a, ret, child);
}

int cmd_clone(struct args *a)
{
	int child = 0, ret;

	if (!arg_keyword(a, "vm")) {
		if (arg_more(a))
			return cmd_bad_word(a, "clone: expected 'vm', got ", "");
		sh_parse_error(a->sh, "clone: missing 'vm' (only `clone vm`, a thread, is modelled)");
		return -1;
	}
	if (arg_end(a))
		return -1;
	ret = be(a)->ops->clone_vm(be(a), &child);
	return child_result(a, ret, child);
}

int cmd_kthread(struct args *a)
{
	int child = 0, ret;

	if (arg_end(a))
		return -1;
	ret = be(a)->ops->kthread(be(a), &child);
	return child_result(a, ret, child);
}

int cmd_execve(struct args *a)
{
	int ret;

	if (arg_end(a))
		return -1;
	ret = be(a)->ops->execve(be(a));
	return ret < 0 ? cmd_fail(a, ret) : 0;
}

/* ESRCH: say that no task has that pid. */
static int task_fail(struct args *a, int ret, int pid)
{
	static char why[64];

	if (ret == -ESRCH && pid && !be(a)->ops->task_exists(be(a), pid)) {
		snprintf(why, sizeof(why), "no task with pid %d (ps lists them)", pid);
		a->why = why;
	}
	return cmd_fail(a, ret);
}

int cmd_kill(struct args *a)
{
	int pid = 0, ret;

	if (arg_more(a) && arg_pid(a, &pid))
		return -1;
	if (arg_end(a))
		return -1;
	ret = be(a)->ops->kill(be(a), pid);
	return ret < 0 ? task_fail(a, ret, pid) : 0;
}

int cmd_switch(struct args *a)
{
	int pid, ret;
	uint64_t cpu = (uint64_t)-1;

	if (arg_pid(a, &pid))
		return -1;
	if (arg_more(a)) {
		if (arg_num(a, "CPU", &cpu))
			return -1;
		if (cpu > 4096) {
			sh_parse_error(a->sh, "switch: CPU %llu is too large",
				       (unsigned long long)cpu);
			return -1;
		}
	}
	if (arg_end(a))
		return -1;
	ret = be(a)->ops->switch_to(be(a), pid, cpu == (uint64_t)-1 ? -1 : (int)cpu);
	if (ret == -EINVAL && cpu != (uint64_t)-1) {
		static char why[64];

		snprintf(why, sizeof(why), "no CPU %llu (--cpus gives more)",
			 (unsigned long long)cpu);
		a->why = why;
	}
	return ret < 0 ? task_fail(a, ret, pid) : 0;
}

int cmd_ps(struct args *a)
{
	struct backend_view_args args = { 0 };

	if (arg_end(a))
		return -1;
	return cmd_view(a, BV_PS, &args);
}

/* ---- resource limits ------------------------------------------------------ */

/* Linux's names (fs/proc/base.c lnames[]) and the resource's short name. */
static const struct {
	const char *name, *label, *unit;
} rlimit_names[VMSH_RLIM_NLIMITS] = {
	{ "cpu", "Max cpu time", "seconds" },
	{ "fsize", "Max file size", "bytes" },
	{ "data", "Max data size", "bytes" },
	{ "stack", "Max stack size", "bytes" },
	{ "core", "Max core file size", "bytes" },
	{ "rss", "Max resident set", "bytes" },
	{ "nproc", "Max processes", "processes" },
	{ "nofile", "Max open files", "files" },
	{ "memlock", "Max locked memory", "bytes" },
	{ "as", "Max address space", "bytes" },
	{ "locks", "Max file locks", "locks" },
	{ "sigpending", "Max pending signals", "signals" },
	{ "msgqueue", "Max msgqueue size", "bytes" },
	{ "nice", "Max nice priority", NULL },
	{ "rtprio", "Max realtime priority", NULL },
	{ "rttime", "Max realtime timeout", "us" },
};

/* A resource name (as, data, ... or RLIMIT_AS, any case): its number, or -1. */
static int rlimit_parse(const struct token *t)
{
	const char *w = t->text;

	if (t->quoted || strlen(w) != t->len)
		return -1;
	if (!strncasecmp(w, "RLIMIT_", 7))
		w += 7;
	for (int i = 0; i < VMSH_RLIM_NLIMITS; i++)
		if (!strcasecmp(w, rlimit_names[i].name))
			return i;
	return -1;
}

/* SOFT or HARD: `unlimited` (or `infinity`) or a number. */
static int arg_rlim(struct args *a, const char *what, uint64_t *out)
{
	if (arg_keyword(a, "unlimited") || arg_keyword(a, "infinity")) {
		*out = VMSH_RLIM_INFINITY;
		return 0;
	}
	return arg_num(a, what, out);
}

/* The resource word: a clear error naming the resources when it is none. */
static int arg_resource(struct args *a, int *res)
{
	char q[96];

	if (!arg_more(a)) {
		sh_parse_error(a->sh, "%s: missing RESOURCE (as, data, stack, memlock, "
			       "nofile, nproc, core, ...: `help %s`)", a->name, a->name);
		return -1;
	}
	*res = rlimit_parse(&a->tok[a->i]);
	if (*res < 0) {
		struct suggest sg;
		char dym[160];
		size_t n;

		suggest_init(&sg, a->tok[a->i].text);
		for (int i = 0; i < VMSH_RLIM_NLIMITS; i++)
			suggest_try(&sg, rlimit_names[i].name);
		quote_word(a->tok[a->i].text, a->tok[a->i].len, q, sizeof(q));
		if (!*suggest_text(&sg, dym, sizeof(dym))) {
			/* no near name: list them all, from the table */
			n = (size_t)snprintf(dym, sizeof(dym), " (");
			for (int i = 0; i < VMSH_RLIM_NLIMITS; i++)
				n += (size_t)snprintf(dym + n, sizeof(dym) - n, "%s%s",
						      rlimit_names[i].name,
						      i + 1 < VMSH_RLIM_NLIMITS ? ", " : ")");
		}
		sh_parse_error(a->sh, "%s: unknown RESOURCE '%s'%s", a->name, q, dym);
		return -1;
	}
	a->i++;
	return 0;
}

int cmd_setrlimit(struct args *a)
{
	struct vmsh_rlimit old, new;
	int pid = 0, res, ret;
	bool hard;

	/* a first word that is no name (a number, $var) is the PID */
	if (arg_more(a) && (a->tok[a->i].quoted ||
			    !isalpha((unsigned char)a->tok[a->i].text[0])) &&
	    arg_pid(a, &pid))
		return -1;
	if (arg_resource(a, &res) || arg_rlim(a, "SOFT", &new.cur))
		return -1;
	hard = arg_more(a);
	if (hard && arg_rlim(a, "HARD", &new.max))
		return -1;
	if (arg_end(a))
		return -1;
	/* without HARD the hard limit stays (ulimit -S): read it first */
	if (!hard) {
		ret = be(a)->ops->prlimit(be(a), pid, res, NULL, &old);
		if (ret < 0)
			return task_fail(a, ret, pid);
		new.max = old.max;
	}
	ret = be(a)->ops->prlimit(be(a), pid, res, &new, NULL);
	if (ret == -EINVAL) {
		a->why = "the soft limit is above the hard limit";
	} else if (ret == -EPERM) {
		if (res == VMSH_RLIMIT_NOFILE && new.max > VMSH_NR_OPEN)
			a->why = "nofile's hard limit is over fs.nr_open (1048576)";
		else if (be(a)->ops->prlimit(be(a), pid, res, NULL, &old) == 0 &&
			 new.max > old.max)
			a->why = "raising a hard limit needs CAP_SYS_RESOURCE, which the tasks do not have";
		else
			a->why = "a kernel thread's limits are root's";
	}
	return ret < 0 ? task_fail(a, ret, pid) : 0;
}

static void rlim_text(FILE *f, uint64_t v)
{
	if (v == VMSH_RLIM_INFINITY)
		fprintf(f, "%-20s ", "unlimited");
	else
		fprintf(f, "%-20llu ", (unsigned long long)v);
}

/* unlimited is null */
static json_t *rlim_json(uint64_t v)
{
	return v == VMSH_RLIM_INFINITY ? json_null() : view_json_u64(v);
}

int cmd_limits(struct args *a)
{
	struct vmsh_rlimit r[VMSH_RLIM_NLIMITS];
	int pid = 0, ret;
	FILE *f = out(a);

	if (cmd_opt_pid(a, &pid) || arg_end(a))
		return -1;
	for (int i = 0; i < VMSH_RLIM_NLIMITS; i++) {
		ret = be(a)->ops->prlimit(be(a), pid, i, NULL, &r[i]);
		if (ret < 0)
			return task_fail(a, ret, pid);
	}
	if (a->sh->json) {
		json_t *o = json_object(), *l = json_object();

		json_object_set_new(o, "pid", json_integer(pid ? pid :
					be(a)->ops->current_pid(be(a))));
		for (int i = 0; i < VMSH_RLIM_NLIMITS; i++) {
			json_t *e = json_object();

			json_object_set_new(e, "soft", rlim_json(r[i].cur));
			json_object_set_new(e, "hard", rlim_json(r[i].max));
			json_object_set_new(l, rlimit_names[i].name, e);
		}
		json_object_set_new(o, "limits", l);
		view_json_dump(o, f);
		fputc('\n', f);
		return 0;
	}
	/* /proc/PID/limits, byte for byte (proc_pid_limits) */
	fprintf(f, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	for (int i = 0; i < VMSH_RLIM_NLIMITS; i++) {
		fprintf(f, "%-25s ", rlimit_names[i].label);
		rlim_text(f, r[i].cur);
		rlim_text(f, r[i].max);
		if (rlimit_names[i].unit)
			fprintf(f, "%-10s", rlimit_names[i].unit);
		fputc('\n', f);
	}
	return 0;
}
