/* SPDX-License-Identifier: MIT */
/*
 * --host: the script's resource limits (setrlimit, limits).  A process's
 * limits live in its struct hproc, shared by its threads and copied by
 * fork; as, data, stack and memlock are set on the real process too
 * (apply_rlimit), the others are kept and shown only, as in the model.
 *
 * Invariants kept:
 *  - a real hard limit only goes down: the safety cap task_limits() put
 *    on RLIMIT_AS (and whatever vmsh started with) stays;
 *  - what `limits` shows is what the script set, from the same defaults
 *    as a model process (vmsh_rlimit_defaults).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "host-int.h"

#define MODEL_STACK (132ULL << 10)  /* a fresh model process's total_vm */

/*
 * The helper's own address space and data now: its mappings outside the
 * script's window (the script's are inside it), less the 132K [stack] a
 * fresh model process counts; data as is_data_mapping() has it (private
 * writable, not the growsdown [stack]).
 */
static void own_measure(struct hproc *p)
{
	unsigned long long a, b;
	char path[64], line[512], perm[8];
	uint64_t as = 0, data = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)p->pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx %4s", &a, &b, perm) != 3)
			continue;
		if (a >= HOST_WINDOW_LO && b <= HOST_WINDOW_HI)
			continue;
		if (strstr(line, "[vsyscall]"))
			continue;       /* the gate area is no VMA of the mm */
		as += b - a;
		if (perm[1] == 'w' && perm[3] == 'p' && !strstr(line, "[stack]"))
			data += b - a;
	}
	fclose(f);
	p->own_as = as > MODEL_STACK ? as - MODEL_STACK : 0;
	p->own_data = data;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a == VMSH_RLIM_INFINITY || a + b < a ? VMSH_RLIM_INFINITY : a + b;
}

/*
 * The script's limit @res of process @p on the real process: as, data,
 * stack and memlock (the ones the model enforces); as and data on top of
 * the helper's own size and data, so a script meets them where a model
 * process would (a soft data limit of 0 stays 0: Linux's Valgrind rule).
 * Never above the real hard limit (the safety cap of task_limits, or
 * what vmsh was started with): a hard limit only ever goes down.
 */
void apply_rlimit(struct hproc *p, int res)
{
	uint64_t off = 0, cur = p->rlim[res].cur, max = p->rlim[res].max;
	struct rlimit real;
	int r;

	switch (res) {
	case VMSH_RLIMIT_AS:
#if defined(__SANITIZE_ADDRESS__) || VMSH_HOST_ASAN
		return;         /* the shadow memory is terabytes */
#endif
		r = RLIMIT_AS;
		break;
	case VMSH_RLIMIT_DATA:
		r = RLIMIT_DATA;
		break;
	case VMSH_RLIMIT_STACK:
		r = RLIMIT_STACK;
		break;
	case VMSH_RLIMIT_MEMLOCK:
		r = RLIMIT_MEMLOCK;
		break;
	default:
		return;
	}
	if (prlimit(p->pid, r, NULL, &real))
		return;
	if (res == VMSH_RLIMIT_AS || res == VMSH_RLIMIT_DATA) {
		own_measure(p);
		off = res == VMSH_RLIMIT_AS ? p->own_as : p->own_data;
	}
	if (cur || res != VMSH_RLIMIT_DATA)
		cur = add_sat(cur, off);
	max = add_sat(max, off);
	if (max > real.rlim_max)
		max = real.rlim_max;
	if (cur > max)
		cur = max;
	real.rlim_cur = cur;
	real.rlim_max = max;
	prlimit(p->pid, r, &real, NULL);
}

/* prlimit: the script's limits live in the process (shared by its
 * threads, copied by fork); a kernel thread shows a first task's and
 * cannot be set (root's credentials), as in the model. */
int host_prlimit(struct backend *be, int pid, int res,
		 const struct vmsh_rlimit *new, struct vmsh_rlimit *old)
{
	struct host *h = to_host(be);
	struct htask *t = task_get(h, pid);
	struct vmsh_rlimit *rlim;

	if (!t)
		return -ESRCH;
	if (res < 0 || res >= VMSH_RLIM_NLIMITS)
		return -EINVAL;
	rlim = t->kthread || !t->proc ? &h->rlim_default[res] : &t->proc->rlim[res];
	if (new) {
		if (new->cur > new->max)
			return -EINVAL;
		if (res == VMSH_RLIMIT_NOFILE && new->max > VMSH_NR_OPEN)
			return -EPERM;
		if (t->kthread || !t->proc || new->max > rlim->max)
			return -EPERM;
	}
	if (old)
		*old = *rlim;
	if (new) {
		*rlim = *new;
		apply_rlimit(t->proc, res);
	}
	return 0;
}

