/* SPDX-License-Identifier: MIT */
/*
 * Resource limits (getrlimit/setrlimit/prlimit, /proc/PID/limits), as
 * Linux keeps them in signal_struct: one set per process, shared by its
 * `clone vm` threads, copied by fork.  The resources and their numbers
 * are Linux's (RLIMIT_CPU = 0 ... RLIMIT_RTTIME = 15); VMSH_RLIM_INFINITY
 * is RLIM_INFINITY.
 *
 * The engine enforces RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK and
 * RLIMIT_MEMLOCK as Linux 6.18 does (may_expand_vm on mmap, brk, mremap
 * growth, mprotect to writable and stack expansion; brk's
 * check_data_rlimit; mlock_future_ok).  The others are kept and shown
 * only.  The tasks are unprivileged (no CAP_SYS_RESOURCE, as they have no
 * CAP_IPC_LOCK): raising a hard limit is EPERM.
 */
#ifndef VMSH_INCLUDE_RLIMIT_H
#define VMSH_INCLUDE_RLIMIT_H

#include <stdint.h>

enum vmsh_rlimit_resource {
	VMSH_RLIMIT_CPU, VMSH_RLIMIT_FSIZE, VMSH_RLIMIT_DATA,
	VMSH_RLIMIT_STACK, VMSH_RLIMIT_CORE, VMSH_RLIMIT_RSS,
	VMSH_RLIMIT_NPROC, VMSH_RLIMIT_NOFILE, VMSH_RLIMIT_MEMLOCK,
	VMSH_RLIMIT_AS, VMSH_RLIMIT_LOCKS, VMSH_RLIMIT_SIGPENDING,
	VMSH_RLIMIT_MSGQUEUE, VMSH_RLIMIT_NICE, VMSH_RLIMIT_RTPRIO,
	VMSH_RLIMIT_RTTIME,
	VMSH_RLIM_NLIMITS
};

#define VMSH_RLIM_INFINITY UINT64_MAX
/* fs.nr_open's default: RLIMIT_NOFILE's hard limit may not exceed it */
#define VMSH_NR_OPEN (1ULL << 20)

struct vmsh_rlimit {
	uint64_t cur, max;
};

struct vmsh_sys;

/* The limits a first process starts with (the kernel's INIT_RLIMITS, the
 * memlock one from --memlock-limit, nproc and sigpending from --ram as
 * set_max_threads() derives them). */
static inline void vmsh_rlimit_defaults(uint64_t ram, uint64_t memlock,
			  struct vmsh_rlimit out[VMSH_RLIM_NLIMITS])
{
	/* set_max_threads(): a thread's stack may take 1/8 of RAM; init's
	 * RLIMIT_NPROC and RLIMIT_SIGPENDING are half of that */
	uint64_t threads = ram / ((16ULL << 10) * 8 /* THREAD_SIZE */);
	int i;

	if (threads < 20 /* MIN_THREADS */)
		threads = 20;
	for (i = 0; i < VMSH_RLIM_NLIMITS; i++)
		out[i].cur = out[i].max = VMSH_RLIM_INFINITY;
	/* INIT_RLIMITS (include/asm-generic/resource.h) */
	out[VMSH_RLIMIT_STACK].cur = 8ULL << 20;        /* _STK_LIM */
	out[VMSH_RLIMIT_CORE].cur = 0;
	out[VMSH_RLIMIT_NPROC].cur = out[VMSH_RLIMIT_NPROC].max = threads / 2;
	out[VMSH_RLIMIT_NOFILE].cur = 1024;             /* INR_OPEN_CUR */
	out[VMSH_RLIMIT_NOFILE].max = 4096;             /* INR_OPEN_MAX */
	out[VMSH_RLIMIT_MEMLOCK].cur = out[VMSH_RLIMIT_MEMLOCK].max = memlock;
	out[VMSH_RLIMIT_SIGPENDING] = out[VMSH_RLIMIT_NPROC];
	out[VMSH_RLIMIT_MSGQUEUE].cur = out[VMSH_RLIMIT_MSGQUEUE].max = 819200;
	out[VMSH_RLIMIT_NICE].cur = out[VMSH_RLIMIT_NICE].max = 0;
	out[VMSH_RLIMIT_RTPRIO].cur = out[VMSH_RLIMIT_RTPRIO].max = 0;
}

/* prlimit(@pid (0: the current task), @res, @new or NULL, @old or NULL):
 * 0, -ESRCH (no such task), -EINVAL (@res out of range, cur > max),
 * -EPERM (a hard limit raised, RLIMIT_NOFILE's over VMSH_NR_OPEN, or a
 * kernel thread, whose credentials are root's).  A new limit applies to
 * every task of @pid's thread group. */
int vmsh_prlimit(struct vmsh_sys *sys, int pid, int res,
		 const struct vmsh_rlimit *new, struct vmsh_rlimit *old);

#endif /* VMSH_INCLUDE_RLIMIT_H */
