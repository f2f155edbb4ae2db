/* SPDX-License-Identifier: MIT */
/*
 * Task commands: fork, clone vm, kthread, execve, kill, switch, ps.
 */
#include "config.h"

#include <errno.h>


#include "commands.h"

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
