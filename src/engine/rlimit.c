/* SPDX-License-Identifier: MIT */
/*
 * Resource limits (kernel/sys.c do_prlimit, mm/mmap.c may_expand_vm,
 * include/linux/sched/signal.h rlimit()).
 *
 * Invariants kept:
 *  - every task of a thread group holds the same limits (Linux keeps one
 *    copy in the shared signal_struct; vmsh copies it into each task and
 *    writes them all), fork copies the parent's (fork.c);
 *  - cur <= max for every limit.
 *
 * Credentials: a task is an unprivileged user's (no CAP_SYS_RESOURCE, as
 * it has no CAP_IPC_LOCK: mlock.c), so raising a hard limit is EPERM and
 * a kernel thread's limits (root's) cannot be set.  The boot option
 * ignore_rlimit_data is off, as by default.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "vmsh/rlimit.h"

#include "mm.h"
#include "sys.h"
#include "task.h"
#include "vm_flags.h"

#define INF VMSH_RLIM_INFINITY

uint64_t rlimit(const struct vmsh_sys *sys, int res)
{
	return sys->current ? sys->current->rlim[res].cur : INF;
}

uint64_t rlimit_max(const struct vmsh_sys *sys, int res)
{
	return sys->current ? sys->current->rlim[res].max : INF;
}

/* is_data_mapping(): private, writable, not a stack */
static bool is_data_mapping(uint64_t flags)
{
	return (flags & (VM_WRITE | VM_SHARED | VM_GROWSDOWN)) == VM_WRITE;
}

bool may_expand_vm(struct vmsh_mm *mm, uint64_t flags, uint64_t npages)
{
	struct vmsh_sys *sys = mm->sys;
	uint64_t data = rlimit(sys, VMSH_RLIMIT_DATA);

	if (mm->total_vm + npages > rlimit(sys, VMSH_RLIMIT_AS) >> PAGE_SHIFT)
		return false;
	if (is_data_mapping(flags) && mm->data_vm + npages > data >> PAGE_SHIFT) {
		/* the workaround for Valgrind: a soft limit of 0 lets the
		 * mapping through up to the hard limit */
		if (!data && mm->data_vm + npages <=
		    rlimit_max(sys, VMSH_RLIMIT_DATA) >> PAGE_SHIFT)
			return true;
		trace(sys, "may_expand_vm: VmData %llu exceeds data ulimit %llu",
		      (unsigned long long)((mm->data_vm + npages) << PAGE_SHIFT),
		      (unsigned long long)data);
		return false;
	}
	return true;
}

int vmsh_prlimit(struct vmsh_sys *sys, int pid, int res,
		 const struct vmsh_rlimit *new, struct vmsh_rlimit *old)
{
	struct vmsh_task *t = task_of_pid(sys, pid), *it;
	struct vmsh_rlimit *rlim;

	if (!t)
		return -ESRCH;
	if (res < 0 || res >= VMSH_RLIM_NLIMITS)
		return -EINVAL;
	rlim = &t->rlim[res];
	if (new) {
		if (new->cur > new->max)
			return -EINVAL;
		if (res == VMSH_RLIMIT_NOFILE && new->max > VMSH_NR_OPEN)
			return -EPERM;
		/* check_prlimit_permission(): a kernel thread's credentials
		 * are root's, ours are not */
		if (t->kind == VMSH_TASK_KTHREAD)
			return -EPERM;
		if (new->max > rlim->max)       /* !capable(CAP_SYS_RESOURCE) */
			return -EPERM;
	}
	if (old)
		*old = *rlim;
	if (new) {
		trace(sys, "do_prlimit pid=%d resource=%d cur=%#llx max=%#llx",
		      t->pid, res, (unsigned long long)new->cur,
		      (unsigned long long)new->max);
		/* the thread group shares one signal_struct */
		it = sys->pids[t->tgid].threads;
		do {
			it->rlim[res] = *new;
			it = it->tg_next;
		} while (it != sys->pids[t->tgid].threads);
	}
	return 0;
}
