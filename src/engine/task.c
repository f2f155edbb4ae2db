/* SPDX-License-Identifier: MIT */
/*
 * Tasks and the scheduler's context switch (kernel/fork.c, kernel/exit.c,
 * kernel/sched/core.c context_switch).
 *
 * Invariants kept here:
 *  - sys->tasks is sorted by pid; pids are 1, 2, 3, ... in creation order
 *    and never reused (sys->next_pid is the next one).
 *  - A process or thread has mm != NULL and holds one mm_users reference on
 *    it; a kernel thread has mm == NULL.
 *  - For every CPU, loaded_mm is the active_mm of what runs there: a user
 *    task's mm, or the mm a kernel thread (active_mm) or the idle task
 *    (curr == NULL) borrows.  Each borrower holds one mm_count reference
 *    (mmgrab, "lazy TLB"); a kernel thread that is not running borrows
 *    nothing (active_mm == NULL).
 *  - sys->current is cpus[sys->cur_cpu].curr and is never NULL while a
 *    task exists; vmsh_kill refuses to kill the last task (EPERM).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "mm.h"
#include "sys.h"
#include "task.h"
#include "tlb.h"

/* PID_MAX_LIMIT on 64-bit: alloc_pid fails with EAGAIN past it. */
#define VMSH_PID_MAX 4194304

struct vmsh_task *task_new(struct vmsh_sys *sys, enum vmsh_task_kind kind,
			   struct vmsh_mm *mm, int ppid)
{
	struct vmsh_task *t, **pp;

	if (sys->next_pid < 1)
		sys->next_pid = 1;
	if (sys->next_pid >= VMSH_PID_MAX)
		return NULL;
	t = xcalloc(1, sizeof(*t));
	t->pid = sys->next_pid++;
	t->ppid = ppid;
	t->kind = kind;
	t->mm = mm;
	t->active_mm = mm;
	t->cpu = 0;
	t->tgid = t->pid;
	for (pp = &sys->tasks; *pp; pp = &(*pp)->next)
		;
	*pp = t;
	return t;
}

void task_start(struct vmsh_sys *sys, struct vmsh_task *t)
{
	sys->cur_cpu = 0;
	sys->current = t;
	t->cpu = 0;
	if (sys->cpus) {
		sys->cpus[0].curr = t;
		sys->cpus[0].loaded_mm = t->active_mm;
		if (t->active_mm && !t->mm)
			mmgrab(t->active_mm);
	}
}

struct vmsh_task *task_of_pid(const struct vmsh_sys *sys, int pid)
{
	struct vmsh_task *t;

	if (pid == 0)
		return sys->current;
	for (t = sys->tasks; t; t = t->next)
		if (t->pid == pid)
			return t;
	return NULL;
}

struct vmsh_mm *mm_of_pid(const struct vmsh_sys *sys, int pid)
{
	struct vmsh_task *t = task_of_pid(sys, pid);

	return t ? t->mm : NULL;
}

static void task_unlink(struct vmsh_sys *sys, struct vmsh_task *t)
{
	struct vmsh_task **pp;

	for (pp = &sys->tasks; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			return;
		}
	}
}

void task_free_all(struct vmsh_sys *sys)
{
	struct vmsh_task *t, *next;
	unsigned i;

	/* First the lazy references of CPUs running a kernel thread or idle. */
	for (i = 0; sys->cpus && i < sys->cfg.cpus; i++) {
		struct cpu *c = &sys->cpus[i];

		if ((!c->curr || !c->curr->mm) && c->loaded_mm)
			mmdrop(c->loaded_mm);
		c->curr = NULL;
		c->loaded_mm = NULL;
	}
	for (t = sys->tasks; t; t = next) {
		next = t->next;
		if (t->mm)
			mm_put(t->mm);
		free(t);
	}
	sys->tasks = NULL;
	sys->current = NULL;
}

/* ---- context switch ------------------------------------------------------ */

/*
 * Switch @cpu from what runs there (curr, or idle when NULL) to @next (NULL:
 * the idle task), as context_switch does:
 *
 *   to a kernel thread (or idle):  next borrows prev's active_mm; from a
 *       user task it takes a new lazy reference (mmgrab), from a kernel
 *       thread the reference is handed over.  No CR3 write.
 *   to a user task:  CR3 = next->mm (tlb_switch_mm); a kernel thread (or
 *       idle) switched out drops what it borrowed (mmdrop).
 *
 * @prev_active is the active_mm of what runs on the CPU; for a task that
 * has just exited (mm already NULL) it is the mm it still runs on, with the
 * lazy reference exit_mm took.
 */
static void context_switch(struct vmsh_sys *sys, int cpu,
			   struct vmsh_task *prev, bool prev_user,
			   struct vmsh_task *next)
{
	struct cpu *c = &sys->cpus[cpu];
	struct vmsh_mm *prev_active = c->loaded_mm;

	if (!next || !next->mm) {
		trace(sys, "context_switch cpu=%d pid=%d -> %s%d (lazy tlb, active_mm=%u)",
		      cpu, prev ? prev->pid : 0, next ? "pid " : "idle",
		      next ? next->pid : 0, prev_active ? prev_active->id : 0);
		if (prev_user) {
			if (prev_active)
				mmgrab(prev_active);
		} else if (prev) {
			prev->active_mm = NULL;
		}
		if (next)
			next->active_mm = prev_active;
	} else {
		trace(sys, "context_switch cpu=%d pid=%d -> pid %d (switch_mm mm=%u)",
		      cpu, prev ? prev->pid : 0, next->pid, next->mm->id);
		tlb_switch_mm(sys, cpu, prev_active, next->mm);
		c->loaded_mm = next->mm;
		if (!prev_user) {
			if (prev)
				prev->active_mm = NULL;
			if (prev_active)
				mmdrop(prev_active);
		}
	}
	c->curr = next;
	if (next)
		next->cpu = cpu;
}

static bool task_is_user(const struct vmsh_task *t)
{
	return t && t->mm;
}

/* The CPU @t runs on, or -1. */
static int task_running_on(const struct vmsh_sys *sys, const struct vmsh_task *t)
{
	unsigned i;

	for (i = 0; i < sys->cfg.cpus; i++)
		if (sys->cpus[i].curr == t)
			return (int)i;
	return -1;
}

/* Run @next on @cpu and make it current; a CPU it ran on goes idle. */
static void switch_to(struct vmsh_sys *sys, struct vmsh_task *next, int cpu)
{
	int was = task_running_on(sys, next);
	struct vmsh_task *prev = sys->cpus[cpu].curr;

	if (was != cpu) {
		if (was >= 0)
			context_switch(sys, was, next, task_is_user(next), NULL);
		context_switch(sys, cpu, prev, task_is_user(prev), next);
	}
	sys->cur_cpu = cpu;
	sys->current = next;
}

int vmsh_switch(struct vmsh_sys *sys, int pid, int cpu)
{
	struct vmsh_task *next = task_of_pid(sys, pid);

	if (cpu < 0)
		cpu = sys->cur_cpu;
	if (!next || pid <= 0)
		return -ESRCH;
	if ((unsigned)cpu >= sys->cfg.cpus)
		return -EINVAL;
	switch_to(sys, next, cpu);
	return 0;
}

/* ---- exit ---------------------------------------------------------------- */

/* The lowest pid other than @t. */
static struct vmsh_task *lowest_other(struct vmsh_sys *sys, struct vmsh_task *t)
{
	struct vmsh_task *it;

	for (it = sys->tasks; it; it = it->next)
		if (it != t)
			return it;
	return NULL;
}

/*
 * do_exit for @t, first half: exit_mm.  The mm goes with its last user; a
 * running task keeps running on it until it switches away, with a lazy
 * reference (mmgrab_lazy_tlb).
 */
static void exit_mm(struct vmsh_sys *sys, struct vmsh_task *t)
{
	struct vmsh_mm *mm = t->mm;
	bool running = task_running_on(sys, t) >= 0;

	trace(sys, "do_exit pid=%d", t->pid);
	if (!mm)
		return;
	if (running)
		mmgrab(mm);
	t->mm = NULL;
	t->active_mm = running ? mm : NULL;
	trace(sys, "exit_mm pid=%d mm=%u mm_users=%d", t->pid, mm->id,
	      mm->mm_users - 1);
	mm_put(mm);
}

/*
 * Second half: orphans are adopted, and if @t was running, the CPU switches
 * away from it: to the lowest remaining pid on the current CPU (which
 * becomes the current task), to idle on another.  @t is freed.
 */
static void exit_finish(struct vmsh_sys *sys, struct vmsh_task *t)
{
	int cpu = task_running_on(sys, t);
	struct vmsh_task *it, *reaper;

	/* Orphans go to another live thread of the group (find_alive_thread),
	 * else to init (pid 1), or to nobody once init is gone. */
	reaper = NULL;
	for (it = sys->tasks; it && !reaper; it = it->next)
		if (it != t && it->tgid == t->tgid && it->mm)
			reaper = it;
	for (it = sys->tasks; it; it = it->next)
		if (it->ppid == t->pid)
			it->ppid = reaper ? reaper->pid :
				   task_of_pid(sys, 1) && t->pid != 1 ? 1 : 0;
	if (cpu >= 0) {
		if (cpu == sys->cur_cpu) {
			struct vmsh_task *next = lowest_other(sys, t);
			int was = next ? task_running_on(sys, next) : -1;

			if (was >= 0 && was != cpu)
				context_switch(sys, was, next, task_is_user(next), NULL);
			context_switch(sys, cpu, t, false, next);
			sys->current = next;
		} else {
			context_switch(sys, cpu, t, false, NULL);
		}
	}
	task_unlink(sys, t);
	free(t);
}

static void task_exit(struct vmsh_sys *sys, struct vmsh_task *t)
{
	exit_mm(sys, t);
	exit_finish(sys, t);
}

/* Exit every task of @t's thread group but @keep (de_thread). */
static void kill_group(struct vmsh_sys *sys, struct vmsh_task *t,
		       struct vmsh_task *keep)
{
	struct vmsh_task *it, *next;

	for (it = sys->tasks; it; it = next) {
		next = it->next;
		if (it != keep && it != t && it->tgid == t->tgid)
			task_exit(sys, it);
	}
}

/*
 * kill PID: the task exits (SPEC: "the task exits; its mm goes when
 * mm_users reaches 0"), as a thread calling exit does: a process's other
 * threads live on with the mm, as `vmsh --host` replays it.  vmsh keeps at
 * least one task: killing the last is refused with EPERM.
 */
int vmsh_kill(struct vmsh_sys *sys, int pid)
{
	struct vmsh_task *t = task_of_pid(sys, pid);

	if (!t || pid < 0)
		return -ESRCH;
	if (!lowest_other(sys, t))
		return -EPERM;
	task_exit(sys, t);
	return 0;
}

/*
 * execve's de_thread(): the other threads of @t's group exit; a thread
 * that execs takes over its leader's pid (and parent), as Linux does.
 */
void task_de_thread(struct vmsh_sys *sys, struct vmsh_task *t)
{
	struct vmsh_task *leader = task_of_pid(sys, t->tgid), **pp, *it;
	int lpid, lppid, oldpid;

	if (t->tgid == t->pid || !leader) {
		kill_group(sys, t, NULL);
		t->tgid = t->pid;
		return;
	}
	lpid = leader->pid;
	lppid = leader->ppid;
	oldpid = t->pid;
	kill_group(sys, t, NULL);       /* the leader too */
	trace(sys, "de_thread pid=%d takes over pid %d", t->pid, lpid);
	task_unlink(sys, t);
	t->pid = t->tgid = lpid;
	t->ppid = lppid;
	for (it = sys->tasks; it; it = it->next)
		if (it->ppid == oldpid)
			it->ppid = lpid;
	for (pp = &sys->tasks; *pp && (*pp)->pid < t->pid; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
}

int oom_kill_task(struct vmsh_sys *sys, struct vmsh_task *victim)
{
	struct vmsh_mm *mm = victim->mm;
	int pid = victim->pid;
	struct vmsh_task *it, *next;

	sys->stat[ST_OOM_KILL]++;
	trace(sys, "oom_kill_process pid=%d", pid);
	/* Every other user of the mm first (__oom_kill_process), then the
	 * victim itself. */
	for (it = sys->tasks; it; it = next) {
		next = it->next;
		if (it != victim && mm && it->mm == mm)
			task_exit(sys, it);
	}
	exit_mm(sys, victim);
	if (!lowest_other(sys, victim)) {
		/* Nothing would be left: start a new process, so that the
		 * shell always has a current task. */
		struct vmsh_mm *nmm = mm_new(sys);

		if (nmm && !task_new(sys, VMSH_TASK_PROCESS, nmm, 0))
			mm_put(nmm);
	}
	if (!lowest_other(sys, victim))
		return pid;     /* no frame even for a new mm: keep the husk */
	exit_finish(sys, victim);
	return pid;
}
