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
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mm.h"
#include "sys.h"
#include "task.h"
#include "tlb.h"

/* PID_MAX_LIMIT on 64-bit: alloc_pid fails with EAGAIN past it. */
#define VMSH_PID_MAX 4194304

/* ---- the pid index ------------------------------------------------------- */

static struct pid_slot *slot(struct vmsh_sys *sys, int pid)
{
	if (pid >= sys->pids_cap) {
		int cap = sys->pids_cap ? sys->pids_cap : 64;

		while (cap <= pid)
			cap *= 2;
		sys->pids = xrealloc(sys->pids, (size_t)cap * sizeof(*sys->pids));
		memset(sys->pids + sys->pids_cap, 0,
		       (size_t)(cap - sys->pids_cap) * sizeof(*sys->pids));
		sys->pids_cap = cap;
	}
	return &sys->pids[pid];
}

/* @t joins the children of pid @ppid (0: nobody's). */
static void children_add(struct vmsh_sys *sys, struct vmsh_task *t, int ppid)
{
	struct pid_slot *s;

	t->ppid = ppid;
	t->sib_prev = t->sib_next = NULL;
	if (ppid <= 0)
		return;
	s = slot(sys, ppid);
	t->sib_next = s->children;
	if (s->children)
		s->children->sib_prev = t;
	s->children = t;
}

static void children_del(struct vmsh_sys *sys, struct vmsh_task *t)
{
	if (t->ppid <= 0)
		return;
	if (t->sib_prev)
		t->sib_prev->sib_next = t->sib_next;
	else
		sys->pids[t->ppid].children = t->sib_next;
	if (t->sib_next)
		t->sib_next->sib_prev = t->sib_prev;
	t->sib_prev = t->sib_next = NULL;
}

/* @t joins thread group @tgid, after every member with a lower pid. */
static void group_add(struct vmsh_sys *sys, struct vmsh_task *t, int tgid)
{
	struct pid_slot *s = slot(sys, tgid);
	struct vmsh_task *it;

	t->tgid = tgid;
	if (!s->threads) {
		t->tg_next = t->tg_prev = t;
		s->threads = t;
		return;
	}
	/* members join in pid order: the walk back from the tail stops at
	 * once */
	for (it = s->threads->tg_prev; it != s->threads && it->pid > t->pid;
	     it = it->tg_prev)
		sys->steps++;
	if (it->pid > t->pid) {         /* lower than the head */
		it = s->threads->tg_prev;
		s->threads = t;
	}
	t->tg_prev = it;
	t->tg_next = it->tg_next;
	it->tg_next->tg_prev = t;
	it->tg_next = t;
}

static void group_del(struct vmsh_sys *sys, struct vmsh_task *t)
{
	struct pid_slot *s = &sys->pids[t->tgid];

	if (t->tg_next == t) {
		s->threads = NULL;
	} else {
		t->tg_prev->tg_next = t->tg_next;
		t->tg_next->tg_prev = t->tg_prev;
		if (s->threads == t)
			s->threads = t->tg_next;
	}
	t->tg_next = t->tg_prev = NULL;
}

void task_set_tgid(struct vmsh_sys *sys, struct vmsh_task *t, int tgid)
{
	group_del(sys, t);
	group_add(sys, t, tgid);
}

void task_set_ppid(struct vmsh_sys *sys, struct vmsh_task *t, int ppid)
{
	children_del(sys, t);
	children_add(sys, t, ppid);
}

/* Every child of pid @from becomes a child of pid @to (0: nobody). */
static void children_move(struct vmsh_sys *sys, int from, int to)
{
	struct vmsh_task *it;

	if (from == to)
		return;
	while ((it = slot(sys, from)->children) != NULL) {
		sys->steps++;
		task_set_ppid(sys, it, to);
	}
}

/* Put @t on sys->tasks after @after (NULL: first). */
static void list_insert(struct vmsh_sys *sys, struct vmsh_task *t,
			struct vmsh_task *after)
{
	t->prev = after;
	t->next = after ? after->next : sys->tasks;
	if (t->next)
		t->next->prev = t;
	else
		sys->tasks_tail = t;
	if (after)
		after->next = t;
	else
		sys->tasks = t;
}

static void task_unlink(struct vmsh_sys *sys, struct vmsh_task *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		sys->tasks = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		sys->tasks_tail = t->prev;
	t->next = t->prev = NULL;
	sys->pids[t->pid].task = NULL;
	children_del(sys, t);
	group_del(sys, t);
}

struct vmsh_task *task_new(struct vmsh_sys *sys, enum vmsh_task_kind kind,
			   struct vmsh_mm *mm, int ppid)
{
	struct vmsh_task *t;

	if (sys->next_pid < 1)
		sys->next_pid = 1;
	if (sys->next_pid >= VMSH_PID_MAX)
		return NULL;
	t = xcalloc(1, sizeof(*t));
	t->pid = sys->next_pid++;
	t->kind = kind;
	t->mm = mm;
	t->active_mm = mm;
	t->cpu = 0;
	vmsh_rlimit_defaults(sys->cfg.ram, sys->cfg.memlock_limit, t->rlim);
	slot(sys, t->pid)->task = t;
	children_add(sys, t, ppid);
	group_add(sys, t, t->pid);
	list_insert(sys, t, sys->tasks_tail);
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
	if (pid == 0)
		return sys->current;
	if (pid < 0 || pid >= sys->pids_cap)
		return NULL;
	return sys->pids[pid].task;
}

struct vmsh_mm *mm_of_pid(const struct vmsh_sys *sys, int pid)
{
	struct vmsh_task *t = task_of_pid(sys, pid);

	return t ? t->mm : NULL;
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
	sys->tasks_tail = NULL;
	free(sys->pids);
	sys->pids = NULL;
	sys->pids_cap = 0;
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
	it = sys->pids[t->tgid].threads;
	do {
		sys->steps++;
		if (it != t && it->mm)
			reaper = it;
		it = it->tg_next;
	} while (!reaper && it != sys->pids[t->tgid].threads);
	children_move(sys, t->pid, reaper ? reaper->pid :
		      task_of_pid(sys, 1) && t->pid != 1 ? 1 : 0);
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
	struct vmsh_task *it, *head;
	bool more = true;

	/* each exit unlinks one member: start over from the head */
	while (more) {
		more = false;
		head = sys->pids[t->tgid].threads;
		it = head;
		do {
			if (it != keep && it != t) {
				task_exit(sys, it);
				more = true;
				break;
			}
			it = it->tg_next;
		} while (it != head);
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
	struct vmsh_task *leader = task_of_pid(sys, t->tgid), *after;
	int lpid, lppid, oldpid;

	if (t->tgid == t->pid || !leader) {
		kill_group(sys, t, NULL);
		task_set_tgid(sys, t, t->pid);
		return;
	}
	lpid = leader->pid;
	lppid = leader->ppid;
	oldpid = t->pid;
	/* the leader's predecessor is no member of the group (they all have
	 * higher pids): t takes the leader's place after it */
	after = leader->prev;
	kill_group(sys, t, NULL);       /* the leader too */
	trace(sys, "de_thread pid=%d takes over pid %d", t->pid, lpid);
	task_unlink(sys, t);
	t->pid = lpid;
	slot(sys, lpid)->task = t;
	children_add(sys, t, lppid);
	group_add(sys, t, lpid);
	children_move(sys, oldpid, lpid);
	list_insert(sys, t, after);
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
