/* SPDX-License-Identifier: MIT */
/*
 * --host: the running kernel behind the backend interface (the controller).
 *
 * Each simulated task is a real process (fork) or a real thread (clone vm)
 * serving requests on its own socket (task.c).  The controller keeps,
 * per address space, the union of the ranges the script's memory calls
 * named or got back; maps and smaps print the real /proc entries that
 * intersect it, so the helper's own mappings stay out of the output.
 *
 * Invariants:
 *  - Simulated pids are handed out 1, 2, 3... in creation order, as the
 *    model does; a kernel thread takes a pid but has no process (it has no
 *    user address space: memory calls fail with EFAULT, accesses fault).
 *  - A real process lives while one of its simulated tasks lives; the
 *    controller kills and reaps every process before it returns from
 *    free() (also at exit and on SIGTERM/SIGHUP/SIGINT), and removes the
 *    private file directories.  vmsh is a child subreaper, so tasks whose
 *    parent task died are reaped here too.
 *  - Every request goes through call(), one reply per request: a task
 *    whose socket breaks is marked dead there, and later calls on it fail
 *    with ESRCH.
 *  - Files live in a private directory on tmpfs (/dev/shm/vmsh-PID-XXXXXX),
 *    `disk` files in one on a disk filesystem (/var/tmp/vmsh-PID-XXXXXX);
 *    both prefixes are printed as the model's /dev/shm/NAME.  Each such
 *    directory is flock()ed by its session from before it gets its name
 *    to the end.  Directories of a vmsh that died without cleaning up
 *    (SIGKILL) are removed by the next --host run: only its own user's,
 *    only with the lock taken (never a live session's, whatever pid
 *    namespace it runs in).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/swap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/personality.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host.h"
#include "host-int.h"
#include "protocol.h"

#define PAGE 4096ULL
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VMSH_HOST_ASAN 1
#endif
#endif
#ifndef VMSH_HOST_ASAN
#define VMSH_HOST_ASAN 0
#endif
static const struct backend_ops host_ops;

/* ---- cleanup, also from signal handlers ---------------------------------- */

static struct host *the_host;
static volatile pid_t real_pids[MAX_PIDS];
static volatile int nreal_pids;
/* killed task processes we could not reap (others' children): host_free
 * waits for them, as an orphan becomes ours (the subreaper's) later */
static pid_t unreaped[MAX_PIDS];
static int nunreaped;

static void remember_pid(pid_t pid)
{
	if (nreal_pids < MAX_PIDS)
		real_pids[nreal_pids++] = pid;
}

static void cleanup_signal(int sig)
{
	for (int i = nreal_pids - 1; i >= 0; i--)
		if (real_pids[i] > 0)
			kill(real_pids[i], SIGKILL);
	if (the_host) {
		rm_dir(the_host->tmpdir);
		rm_dir(the_host->diskdir);
		rm_dir(the_host->swapdir);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void cleanup_atexit(void)
{
	if (the_host)
		host_ops.free(&the_host->be);
}

/* ---- processes and tasks ------------------------------------------------- */

struct host *to_host(struct backend *be)
{
	return (struct host *)be;
}

/*
 * Kill @p and wait until its address space is gone: the kernel tears the
 * mm down (exit_mm) before it closes the files (exit_files), so the end
 * of its socket @fd, held by no other process, says the pages are freed.
 * Then reap it when it is our child (a direct child, or an orphan handed
 * to us as subreaper).
 */
static int proc_reap(struct hproc *p, int fd)
{
	struct pollfd pfd;
	char buf[256];
	int status, sig = 0;
	pid_t r = 0;

	/* a task that died by itself (a signal): which one, when it is our
	 * child (the first task; the others are their parents' children) */
	for (int i = 0; i < 50; i++) {
		r = waitpid(p->pid, &status, WNOHANG | __WALL);
		if (r == p->pid) {
			sig = WIFSIGNALED(status) ? WTERMSIG(status) : -1;
			break;
		}
		if (r < 0 && errno != EINTR)
			break;          /* not our child */
		if (kill(p->pid, 0) < 0)
			break;
		usleep(2000);
	}
	kill(p->pid, SIGKILL);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (fd >= 0 && poll(&pfd, 1, 5000) > 0) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			break;
	}
	while (!sig && (r = waitpid(p->pid, NULL, __WALL)) < 0 && errno == EINTR)
		;
	if (!sig && r != p->pid && nunreaped < MAX_PIDS)
		unreaped[nunreaped++] = p->pid;
	for (int i = 0; i < nreal_pids; i++)
		if (real_pids[i] == p->pid)
			real_pids[i] = 0;
	return sig;
}

static void proc_put(struct hproc *p)
{
	if (--p->live > 0)
		return;
	free(p->own);
	free(p->r);
	free(p);
}

static struct hproc *proc_new(pid_t pid)
{
	struct hproc *p = calloc(1, sizeof(*p));

	if (!p)
		abort();
	p->pid = pid;
	remember_pid(pid);
	return p;
}

static int task_add(struct host *h, struct htask *t)
{
	struct htask *n = realloc(h->task, sizeof(*n) * (size_t)(h->ntask + 2));

	if (!n)
		abort();
	h->task = n;
	h->ntask++;
	h->task[h->ntask] = *t;
	return h->ntask;
}

struct htask *task_get(struct host *h, int pid)
{
	if (pid == 0)
		pid = h->cur;
	if (pid <= 0 || pid > h->ntask || !h->task[pid].alive)
		return NULL;
	return &h->task[pid];
}

static int task_dead(struct host *h, int pid);
static void recover(struct host *h);

/*
 * One request/reply exchange with task @pid.  The reply payload (if any)
 * goes to @out, which holds @outcap bytes.  Returns 0, or -ESRCH when the
 * task process is gone (it is then marked dead).
 */
int host_call(struct host *h, int pid, struct host_req *rq, const void *pl,
	      int passfd, struct host_rep *rep, void *out, size_t outcap)
{
	struct htask *t = &h->task[pid];

	memset(rep, 0, sizeof(*rep));
	rq->magic = HOST_MAGIC;
	rq->pad = 0;
	if (host_send_fd(t->fd, rq, sizeof(*rq), passfd) < 0 ||
	    (rq->plen && host_send_all(t->fd, pl, rq->plen) < 0) ||
	    host_recv_all(t->fd, rep, sizeof(*rep)) < 0 ||
	    rep->magic != HOST_MAGIC || rep->plen > outcap ||
	    (rep->plen && host_recv_all(t->fd, out, rep->plen) < 0)) {
		int sig = task_dead(h, pid);

		fprintf(h->err, "vmsh: --host: pid %d: the task process died%s%s%s\n",
			pid, sig > 0 ? " (" : "", sig > 0 ? sigabbrev_np(sig) ? sigabbrev_np(sig) : "?" : "",
			sig > 0 ? ")" : "");
		recover(h);
		return -ESRCH;
	}
	return 0;
}

/* Task @pid is gone (or must go); the signal that ended its process when
 * known, else 0 (-1: it exited). */
static int task_dead(struct host *h, int pid)
{
	struct htask *t = &h->task[pid];
	int sig = 0;

	if (!t->alive)
		return 0;
	t->alive = false;
	if (t->proc) {
		if (t->proc->live == 1)
			sig = proc_reap(t->proc, t->fd);
		proc_put(t->proc);
		t->proc = NULL;
	}
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	if (h->cur == pid) {
		h->cur = 0;
		for (int i = 1; i <= h->ntask; i++)
			if (h->task[i].alive) {
				h->cur = i;
				break;
			}
	}
	return sig;
}

/*
 * Start a task process from the controller itself: vmsh re-executed
 * without ASLR (@exec), or, when that image does not answer (vmsh run
 * under a tool such as valgrind), a plain fork of the controller.
 */
/*
 * The session and every task it forks run on one CPU (the affinity is
 * inherited). The kernel batches newly added folios per CPU (the LRU
 * add batch), and madvise pageout/cold drain only the local CPU's batch:
 * a task that wrote on one CPU and advised on another leaves its page
 * in the other CPU's batch, not isolated, so Rss after pageout would
 * depend on the scheduler. On one CPU it depends only on the script.
 */
static void pin_one_cpu(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
		return;
	}
}

static int spawn(struct htask *t, bool exec)
{
	struct host_rep ack;
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(sv[0]);
		close(sv[1]);
		return -e;
	}
	if (pid == 0) {
		host_close_others(sv[1]);
		if (exec) {
			/* a fixed layout: brk and placements never vary */
			personality(ADDR_NO_RANDOMIZE);
			host_task_exec(sv[1]);
		}
		memset(&ack, 0, sizeof(ack));
		ack.magic = HOST_MAGIC;
		if (host_send_all(sv[1], &ack, sizeof(ack)) < 0)
			_exit(0);
		host_task_main(sv[1]);
	}
	close(sv[1]);
	if (host_recv_all(sv[0], &ack, sizeof(ack)) < 0 || ack.magic != HOST_MAGIC) {
		close(sv[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -ECHILD;
	}
	memset(t, 0, sizeof(*t));
	t->alive = true;
	t->fd = sv[0];
	t->tid = pid;
	t->proc = proc_new(pid);
	t->proc->live = 1;
	return 0;
}

/*
 * The limits of a first task, inherited by every task it forks:
 * RLIMIT_AS its own size now plus h->as_budget (4 x --ram, at least
 * 1 GiB: what a script can map, and so touch), so a script cannot run
 * the machine out of memory; RLIMIT_NPROC its user's processes now plus
 * the task cap (it binds unprivileged users; root is held by the cap).
 * Not under AddressSanitizer, whose shadow memory is terabytes of
 * address space.
 */
static void task_limits(struct host *h, struct hproc *p)
{
#if !defined(__SANITIZE_ADDRESS__) && !VMSH_HOST_ASAN
	unsigned long long pages = 0;
	char path[64];
	struct rlimit rl;
	FILE *f;

	if (!h->as_budget)
		return;
	snprintf(path, sizeof(path), "/proc/%d/statm", (int)p->pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fscanf(f, "%llu", &pages) != 1)
		pages = 0;
	fclose(f);
	rl.rlim_cur = rl.rlim_max = pages * PAGE + h->as_budget;
	prlimit(p->pid, RLIMIT_AS, &rl, NULL);
#else
	(void)h;
	(void)p;
#endif
}

static int spawn_first(struct host *h, struct htask *t)
{
	int e = spawn(t, true);

	if (e == -ECHILD)
		e = spawn(t, false);
	if (!e) {
		memcpy(t->proc->rlim, h->rlim_default, sizeof(t->proc->rlim));
		task_limits(h, t->proc);
		for (int i = 0; i < VMSH_RLIM_NLIMITS; i++)
			apply_rlimit(t->proc, i);
	}
	return e;
}

void host_set_limits(struct backend *be, uint64_t ram, uint64_t memlock)
{
	struct host *h = to_host(be);
	uint64_t budget = 4 * ram;

	h->as_budget = budget < (1ULL << 30) ? 1ULL << 30 : budget;
	vmsh_rlimit_defaults(ram, memlock, h->rlim_default);
	for (int i = 1; i <= h->ntask; i++)
		if (h->task[i].alive && h->task[i].proc) {
			struct hproc *p = h->task[i].proc;

			memcpy(p->rlim, h->rlim_default, sizeof(p->rlim));
			task_limits(h, p);
			for (int r = 0; r < VMSH_RLIM_NLIMITS; r++)
				apply_rlimit(p, r);
		}
}

/*
 * A task process died under the session (killed by a signal, or a script
 * run with --host-unsafe unmapped the helper's own memory): the session
 * goes on.  When another task lives, it is current now; when none does,
 * a fresh task (the next pid, an empty window) takes over, so the next
 * command has a process to run in.
 */
static void recover(struct host *h)
{
	struct htask t;
	int e;

	if (h->cur) {
		fprintf(h->err, "vmsh: --host: the session goes on in pid %d\n", h->cur);
		return;
	}
	e = spawn_first(h, &t);
	if (e) {
		fprintf(h->err, "vmsh: --host: no task left, and a fresh one "
			"cannot start: %s\n", strerror(-e));
		return;
	}
	h->cur = task_add(h, &t);
	fprintf(h->err, "vmsh: --host: no task left: pid %d, a fresh task, "
		"takes over (what the others mapped is gone)\n", h->cur);
}

/* ---- ranges -------------------------------------------------------------- */

static void range_add(struct hproc *p, uint64_t start, uint64_t len)
{
	uint64_t end;

	if (!p || !len)
		return;
	end = start + len;
	/* a range that wraps, or whose length rounds up past 2^64, names
	 * nothing: Linux rounds such a length to 0 (mlock) or refuses it */
	if (end < start || ((end & (PAGE - 1)) && !((end | (PAGE - 1)) + 1)))
		return;
	start &= ~(PAGE - 1);
	if (end & (PAGE - 1))
		end = (end | (PAGE - 1)) + 1;
	if (p->nr == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 8;
		p->r = realloc(p->r, p->cap * sizeof(*p->r));
		if (!p->r)
			abort();
	}
	p->r[p->nr].start = start;
	p->r[p->nr].end = end;
	p->nr++;
}

bool range_hit(const struct hproc *p, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < p->nr; i++)
		if (p->r[i].start < end && start < p->r[i].end)
			return true;
	return false;
}

/* ---- requests ------------------------------------------------------------ */

/*
 * The current task.  *err is 0 when it has an mm, else -ESRCH (no current
 * task) or -EFAULT (a kernel thread: no mm, as the model says).
 */
struct htask *cur_task(struct host *h, int *err)
{
	struct htask *t = task_get(h, 0);

	*err = 0;
	if (!t)
		*err = -ESRCH;
	else if (t->kthread)
		*err = -EFAULT;
	return t;
}

/*
 * Send @rq, with @rq->plen bytes of @pl, to the current task, which must
 * have an mm, and read its reply into @rep.  Returns 0 when the task
 * answered (its result is @rep->ret), else cur_task()'s or call()'s error.
 */
int request(struct host *h, struct host_req *rq, const void *pl,
	    struct host_rep *rep)
{
	int e;

	if (!cur_task(h, &e) || e)
		return e;
	return host_call(h, h->cur, rq, pl, -1, rep, NULL, 0);
}

/* A request that places a mapping (mmap, mremap): its address to @out. */
int request_place(struct host *h, struct host_req *rq, const void *pl,
		  uint64_t *out)
{
	struct host_rep rep;
	int e = request(h, rq, pl, &rep);

	if (e)
		return e;
	if (rep.ret)
		return (int)rep.ret;
	*out = rep.out;
	return 0;
}

/* The script of the current task named [@start, @start + @len). */
void track(struct host *h, uint64_t start, uint64_t len)
{
	range_add(h->task[h->cur].proc, start, len);
}

/* ---- tasks --------------------------------------------------------------- */

static void range_copy(struct hproc *dst, const struct hproc *src)
{
	for (size_t i = 0; i < src->nr; i++)
		range_add(dst, src->r[i].start, src->r[i].end - src->r[i].start);
	for (size_t i = 0; i < src->nown; i++)
		own_add(dst, src->own[i].start, src->own[i].end - src->own[i].start);
	dst->heap = src->heap;
}

/*
 * FORK or CLONE (@op): the current task starts a new one, which serves the
 * other end of a new socket.  On success @t is that task, alive, with no
 * process yet, and @rep the reply.
 */
/*
 * At most HOST_MAX_TASKS tasks live at once (each is a real process or
 * thread): more is EAGAIN, as fork meets RLIMIT_NPROC, so a script cannot
 * fork-bomb the machine.  Said once per session on h->err.
 */
static int task_cap(struct host *h)
{
	static bool said;
	int n = 0;

	for (int i = 1; i <= h->ntask; i++)
		n += h->task[i].alive;
	if (n < HOST_MAX_TASKS)
		return 0;
	if (!said)
		fprintf(h->err, "vmsh: --host: %d tasks alive, the most a session "
			"runs: fork, clone and kthread fail EAGAIN (as at "
			"RLIMIT_NPROC)\n", HOST_MAX_TASKS);
	said = true;
	return -EAGAIN;
}

static int task_call(struct host *h, enum host_op op, struct htask *t,
		     struct host_rep *rep)
{
	struct host_req rq = { .op = op };
	int sv[2], e;

	if (!cur_task(h, &e) || e)
		return e;
	e = task_cap(h);
	if (e)
		return e;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	e = host_call(h, h->cur, &rq, NULL, sv[1], rep, NULL, 0);
	close(sv[1]);
	if (!e)
		e = (int)rep->ret;
	if (e) {
		close(sv[0]);
		return e;
	}
	memset(t, 0, sizeof(*t));
	t->alive = true;
	t->fd = sv[0];
	return 0;
}

static int host_fork(struct backend *be, int *child)
{
	struct host *h = to_host(be);
	struct host_rep rep;
	struct htask t;
	int e = task_call(h, HOST_FORK, &t, &rep);

	if (e)
		return e;
	t.tid = (pid_t)rep.out;
	t.proc = proc_new((pid_t)rep.out);
	t.proc->live = 1;
	range_copy(t.proc, h->task[h->cur].proc);
	/* copy_signal(): the real kernel copied the real limits */
	memcpy(t.proc->rlim, h->task[h->cur].proc->rlim, sizeof(t.proc->rlim));
	*child = task_add(h, &t);
	return 0;
}

static int host_clone_vm(struct backend *be, int *child)
{
	struct host *h = to_host(be);
	struct host_req ping = { .op = HOST_PING };
	struct host_rep rep;
	struct htask t;
	int e = task_call(h, HOST_CLONE, &t, &rep);
	int pid;

	if (e)
		return e;
	t.proc = h->task[h->cur].proc;
	t.proc->live++;
	pid = task_add(h, &t);
	if (host_call(h, pid, &ping, NULL, -1, &rep, NULL, 0) == 0)
		h->task[pid].tid = (pid_t)rep.done;
	*child = pid;
	return 0;
}

/* The closest real thing to a kernel thread: a task with no user address
 * space at all (what /proc shows for one: empty maps). */
static int host_kthread(struct backend *be, int *child)
{
	struct host *h = to_host(be);
	struct htask t;
	int e = task_cap(h);

	if (e)
		return e;
	memset(&t, 0, sizeof(t));
	t.alive = true;
	t.kthread = true;
	t.fd = -1;
	*child = task_add(h, &t);
	return 0;
}

static int host_execve(struct backend *be)
{
	struct host *h = to_host(be);
	struct host_req rq = { .op = HOST_EXEC };
	struct host_rep rep;
	struct htask *t;
	int e;

	t = task_get(h, 0);
	if (!t)
		return -ESRCH;
	if (t->kthread) {
		/* A kernel thread that execs becomes a process. */
		e = spawn_first(h, t);
		return e;
	}
	if (t->proc->live > 1) {
		fprintf(h->err, "vmsh: --host: execve of a task that shares its mm "
			"with other tasks is not replayed (the kernel would end "
			"them)\n");
		return -EBUSY;
	}
	e = host_call(h, h->cur, &rq, NULL, -1, &rep, NULL, 0);
	if (e)
		return e;
	if (rep.ret)
		return (int)rep.ret;
	t->proc->nr = 0;
	t->proc->nown = 0;
	t->proc->heap = false;
	return 0;
}

static int host_kill(struct backend *be, int pid)
{
	struct host *h = to_host(be);
	struct host_req rq = { .op = HOST_EXIT };
	struct host_rep rep;
	struct htask *t;
	int i, n;

	if (pid == 0)
		pid = h->cur;
	t = task_get(h, pid);
	if (!t)
		return -ESRCH;
	/* as the model: the last task is not killed (vmsh_kill's EPERM) */
	for (n = 0, i = 1; i <= h->ntask; i++)
		n += h->task[i].alive;
	if (n < 2)
		return -EPERM;
	if (!t->kthread && t->proc->live > 1) {
		/* A thread, or a main thread that leaves others behind. */
		if (host_call(h, pid, &rq, NULL, -1, &rep, NULL, 0))
			return 0;
	}
	task_dead(h, pid);
	return 0;
}

static int host_switch_to(struct backend *be, int pid, int cpu)
{
	struct host *h = to_host(be);

	if (!task_get(h, pid) || pid == 0)
		return -ESRCH;
	h->cur = pid;
	return 0;
}

static int host_current_pid(struct backend *be)
{
	return to_host(be)->cur;
}

static bool host_task_exists(struct backend *be, int pid)
{
	return pid != 0 && task_get(to_host(be), pid) != NULL;
}

/* ---- life cycle ---------------------------------------------------------- */

static void host_free(struct backend *be)
{
	struct host *h = to_host(be);
	pid_t *pids;
	int npids = 0;

	if (!h)
		return;
	/* the live tasks, those unreaped so far, and what task_dead adds */
	pids = calloc(2 * (size_t)h->ntask + 1 + (size_t)nunreaped, sizeof(*pids));
	if (!pids)
		abort();
	/* Newest first: children end before their parents; a process tasks
	 * share (threads) is killed by its last task's task_dead. */
	for (int i = h->ntask; i >= 1; i--)
		if (h->task[i].alive && h->task[i].proc) {
			pids[npids++] = h->task[i].proc->pid;
			if (h->task[i].proc->live == 1)
				kill(h->task[i].proc->pid, SIGKILL);
		}
	for (int i = h->ntask; i >= 1; i--)
		task_dead(h, i);
	for (int i = 0; i < nunreaped; i++)
		pids[npids++] = unreaped[i];
	nunreaped = 0;
	/* A killed task whose parent task died first is handed to us (the
	 * subreaper) a moment later: wait until each is gone, not just the
	 * zombies there are now (bounded: 5 s each). */
	for (int i = 0; i < npids; i++)
		for (int n = 0; n < 5000; n++) {
			while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
				;
			if (kill(pids[i], 0) < 0 && errno == ESRCH)
				break;
			usleep(1000);
		}
	free(pids);
	rm_dir(h->tmpdir);
	rm_dir(h->diskdir);
	rm_dir(h->swapdir);
	for (int i = 0; i < h->nlock; i++)
		close(h->lockfd[i]);
	free(h->task);
	if (the_host == h)
		the_host = NULL;
	free(h);
}

void host_set_unsafe(struct backend *be, bool unsafe)
{
	to_host(be)->unsafe = unsafe;
}

static const struct backend_ops host_ops = {
	.name = "host",
	.mmap = host_mmap,
	.munmap = host_munmap,
	.mprotect = host_mprotect,
	.mremap = host_mremap,
	.madvise = host_madvise_checked,
	.mlock = host_mlock,
	.munlock = host_munlock,
	.mlockall = host_mlockall,
	.munlockall = host_munlockall,
	.mseal = host_mseal,
	.drain = host_drain,
	.brk = host_brk,
	.msync = host_msync,
	.touch = host_touch,
	.write = host_write,
	.read = host_read,
	.fork = host_fork,
	.clone_vm = host_clone_vm,
	.kthread = host_kthread,
	.execve = host_execve,
	.kill = host_kill,
	.switch_to = host_switch_to,
	.current_pid = host_current_pid,
	.task_exists = host_task_exists,
	.prlimit = host_prlimit,
	.file_create = host_file_create,
	.file_write = host_file_write,
	.file_read = host_file_read,
	.file_truncate = host_file_truncate,
	.file_rm = host_file_rm,
	.file_rename = host_file_rename,
	.maps = host_maps,
	.smaps = host_smaps,
	.pagemap = host_pagemap,
	.free = host_free,
};

static void catch(int sig)
{
	struct sigaction sa;

	if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL)
		return;         /* the shell handles it */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cleanup_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

struct backend *host_backend_new(FILE *err)
{
	static bool atexit_done;
	struct utsname u;
	struct htask t;
	struct host *h;
	int e;

#ifndef __linux__
	fputs("vmsh: --host needs Linux\n", err);
	return NULL;
#endif
	if (uname(&u) < 0 || strcmp(u.sysname, "Linux")) {
		fputs("vmsh: --host needs Linux (this system is not)\n", err);
		return NULL;
	}
	if (access("/proc/self/smaps", R_OK) < 0) {
		fputs("vmsh: --host needs /proc/self/smaps (is /proc mounted?)\n", err);
		return NULL;
	}
	if (the_host) {
		fputs("vmsh: --host: only one host backend at a time\n", err);
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		abort();
	h->be.ops = &host_ops;
	h->err = err;
	{
		/* until host_set_limits: the controller's memlock limit, which
		 * the tasks inherit, and the default --ram */
		struct rlimit ml = { 8ULL << 20, 8ULL << 20 };

		getrlimit(RLIMIT_MEMLOCK, &ml);
		vmsh_rlimit_defaults(64ULL << 20, ml.rlim_cur, h->rlim_default);
	}
	remove_stale("/dev/shm");
	remove_stale("/var/tmp");
	e = session_dir(h, "/dev/shm", h->tmpdir, sizeof(h->tmpdir));
	if (e) {
		fprintf(err, "vmsh: --host: cannot create a directory in /dev/shm: %s\n",
			strerror(-e));
		free(h);
		return NULL;
	}
	the_host = h;
	pin_one_cpu();
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	catch(SIGTERM);
	catch(SIGHUP);
	catch(SIGINT);
	catch(SIGQUIT);
	catch(SIGPIPE);
	catch(SIGABRT);
	if (!atexit_done) {
		atexit(cleanup_atexit);
		atexit_done = true;
	}
	e = spawn_first(h, &t);
	if (e) {
		fprintf(err, "vmsh: --host: cannot start the first task: %s\n",
			strerror(-e));
		host_free(&h->be);
		return NULL;
	}
	h->cur = task_add(h, &t);
	return &h->be;
}
