/* SPDX-License-Identifier: MIT */
/*
 * Tasks and the CPUs they run on (task.c): the task table (pids 1, 2, 3,
 * ... in creation order, never reused; sys->tasks sorted by pid), the
 * scheduler's context switch, exit and the OOM killer.
 */
#ifndef VMSH_SRC_ENGINE_TASK_H
#define VMSH_SRC_ENGINE_TASK_H

#include <stdint.h>

#include "vmsh/vmsh.h"
#include "vmsh/rlimit.h"
#include "sys.h"
#include "tlb.h"

struct vmsh_mm;

struct vmsh_task {
	int pid, ppid;
	enum vmsh_task_kind kind;
	struct vmsh_mm *mm;                   /* NULL for kernel threads */
	struct vmsh_mm *active_mm;
	int cpu;
	struct vmsh_task *next;               /* sys->tasks, sorted by pid */
	int tgid;                             /* thread group: the pid of the
						 process a `clone vm` thread
						 belongs to; its own pid else */
	/* task.c's indexes (kernel/pid.c, ->children, ->thread_node): the
	 * previous task on sys->tasks; the tasks whose ppid is the same
	 * (any order); the tasks whose tgid is the same (sorted by pid).
	 * The heads are in the pid index, by pid, so they outlive a parent
	 * or leader that exited. */
	struct vmsh_task *prev;
	struct vmsh_task *sib_next, *sib_prev;
	struct vmsh_task *tg_next, *tg_prev;
	/* signal_struct's rlim[] (rlimit.c): the same in every task of the
	 * thread group; fork copies it, a new first task or kernel thread
	 * starts from vmsh_rlimit_defaults() */
	struct vmsh_rlimit rlim[VMSH_RLIM_NLIMITS];
};

/* One pid's entry of the pid index: the task with that pid, the tasks
 * whose ppid it is, the tasks whose tgid it is (lowest pid first). */
struct pid_slot {
	struct vmsh_task *task;
	struct vmsh_task *children;
	struct vmsh_task *threads;
};

/*
 * task.c keeps, for every CPU: curr is the task running there (NULL: the
 * idle task); loaded_mm is curr's active_mm (a user task's mm, the mm a
 * kernel thread or the idle task borrows, or NULL for init_mm).  A kernel
 * thread or idle CPU holds one mm_count reference (lazy TLB) on the mm it
 * borrows; a user task's mm is pinned by its mm_users.
 */
struct cpu {
	int id;
	struct vmsh_task *curr;
	struct vmsh_mm *loaded_mm;
	/* tlb.c's view: the id of the mm the TLB's current ASID translates
	 * for (0: none yet).  It follows loaded_mm through tlb_switch_mm;
	 * pid 1's first access sets it.  mm ids are never reused (the
	 * kernel's ctx_id), so a freed mm is never matched. */
	unsigned loaded_mm_id;
	struct tlb tlb;
	struct tlb tlb2m;               /* 2 MiB pages (entries 0: none) */
	/* PCID: the mms cached in each ASID slot and the tlb_gen each has
	 * caught up to (x86 cpu_tlbstate.ctxs[]). */
	struct { unsigned mm_id; uint64_t gen; } asid[TLB_NR_ASIDS];
	unsigned next_asid;
	uint16_t cur_asid;
	/* counters of this CPU (the `tlb` view) */
	uint64_t hits, misses, walk_refs, flushes, shootdowns, stale_hits;
};

/* Add a task of @kind with @mm (NULL for a kernel thread) to the table; the
 * task takes over the caller's mm_users reference on @mm.  pid = next free
 * pid; active_mm = mm; cpu 0.  sys.c creates pid 1 with
 *   t = task_new(sys, VMSH_TASK_PROCESS, mm_new(sys), 0); task_start(sys, t);
 * NULL when the pid space is exhausted. */
struct vmsh_task *task_new(struct vmsh_sys *sys, enum vmsh_task_kind kind,
			   struct vmsh_mm *mm, int ppid);
/* Make @t the running task of CPU 0 and the current task (machine boot):
 * cpus[0].curr = t, cpus[0].loaded_mm = t->mm (no extra reference). */
void task_start(struct vmsh_sys *sys, struct vmsh_task *t);
/* Free every task at machine teardown: drops their mm references (mm_put)
 * and the lazy references of kernel threads and idle CPUs (mmdrop). */
void task_free_all(struct vmsh_sys *sys);
/* Set @t's thread group or parent, keeping the indexes (fork.c). */
void task_set_tgid(struct vmsh_sys *sys, struct vmsh_task *t, int tgid);
void task_set_ppid(struct vmsh_sys *sys, struct vmsh_task *t, int ppid);
/* pid 0: the current task.  NULL when there is no such task.  O(1). */
struct vmsh_task *task_of_pid(const struct vmsh_sys *sys, int pid);
/* execve's de_thread(): the other threads of @t's group exit; a thread
 * that execs takes over its leader's pid. */
void task_de_thread(struct vmsh_sys *sys, struct vmsh_task *t);
/* task_of_pid(pid)->mm; NULL for a kernel thread or no such task. */
struct vmsh_mm *mm_of_pid(const struct vmsh_sys *sys, int pid);
/* The OOM killer (the access path calls it when a fault finds no free
 * frame): kills @victim and every other task using its mm, as
 * __oom_kill_process does, so that the memory is really freed.  When no
 * task would be left, a new process (next pid, fresh mm) is started so
 * that the shell can go on.  Counts ST_OOM_KILL.  Returns the victim's
 * pid, for "pid N: killed (out of memory)". */
int oom_kill_task(struct vmsh_sys *sys, struct vmsh_task *victim);

/* The current task's mm; NULL for a kernel thread. */
static inline struct vmsh_mm *current_mm(struct vmsh_sys *sys)
{
	return sys->current ? sys->current->mm : NULL;
}

#endif /* VMSH_SRC_ENGINE_TASK_H */
