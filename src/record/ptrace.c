/* SPDX-License-Identifier: MIT */
/*
 * vmsh record [-o FILE] [--maps-at exit|every] [--with-files] -- CMD [ARGS...]
 *
 * Runs CMD under ptrace (PTRACE_O_TRACEFORK/VFORK/CLONE/EXEC/EXIT,
 * PTRACE_SYSCALL), follows every process and thread it makes, and writes
 * the script of its address-space history through script.c:
 *  - at each execve stop (PTRACE_EVENT_EXEC) the layout the kernel made,
 *    from /proc/PID/maps, and start_brk from /proc/PID/stat;
 *  - at each syscall-exit stop of a memory call that succeeded, the call
 *    with the kernel's result (mmap's file from /proc/PID/fd/N, its size
 *    from stat);
 *  - fork/vfork/clone events: a thread (same thread group) is `clone vm`,
 *    anything else `fork` (a vfork child shares its parent's mm only until
 *    it execs or exits, which the model's copy shows the same way);
 *  - at the exit of a process's last thread (PTRACE_EVENT_EXIT, its mm
 *    still there), its maps; with --maps-at every also after every call.
 * Tasks that exist before the first execve (the recorder's own fork) are
 * not recorded.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "record.h"

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif

struct task {
	pid_t tid, tgid;
	int vpid;               /* 0: not yet announced by its parent */
	bool in_sys, alive, held, fresh;
	bool faulted;           /* mremap: the source VMA has anonymous pages */
	long nr;
	unsigned long long a[6];
};

struct recorder {
	struct rec *rec;
	bool every;
	struct task **t;        /* each task allocated alone: pointers stay valid */
	size_t nt;
	bool started;           /* the first execve happened */
	pid_t root;
	int status;
	unsigned procs, threads, execs;
};

static struct task *find(struct recorder *R, pid_t tid)
{
	for (size_t i = R->nt; i-- > 0;)
		if (R->t[i]->tid == tid && R->t[i]->alive)
			return R->t[i];
	return NULL;
}

static struct task *add(struct recorder *R, pid_t tid)
{
	struct task *t;

	R->t = realloc(R->t, (R->nt + 1) * sizeof(*R->t));
	if (!R->t)
		abort();
	t = calloc(1, sizeof(*t));
	if (!t)
		abort();
	R->t[R->nt++] = t;
	t->tid = tid;
	t->tgid = tid;
	t->alive = true;
	return t;
}

static int live_tasks(struct recorder *R, pid_t tgid)
{
	int n = 0;

	for (size_t i = 0; i < R->nt; i++)
		if (R->t[i]->alive && R->t[i]->vpid && (!tgid || R->t[i]->tgid == tgid))
			n++;
	return n;
}

static pid_t tgid_of(pid_t tid)
{
	char path[64], *s, *p;
	pid_t tgid = tid;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	s = rec_slurp(path);
	if (s && (p = strstr(s, "\nTgid:")))
		tgid = (pid_t)strtol(p + 6, NULL, 10);
	free(s);
	return tgid;
}

static char *maps_of(pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/maps", tid);
	return rec_slurp(path);
}

/* start_brk: field 47 of /proc/PID/stat. */
static uint64_t start_brk_of(pid_t tid)
{
	char path[64], *s, *p;
	uint64_t v = 0;
	int field = 2;

	snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	s = rec_slurp(path);
	if (!s)
		return 0;
	p = strrchr(s, ')');            /* after comm, which may hold blanks */
	for (; p && *p && field < 47; p++)
		if (*p == ' ')
			field++;
	if (p && field == 47)
		v = strtoull(p, NULL, 10);
	free(s);
	return v;
}

static void put_maps(struct recorder *R, struct task *t)
{
	char *maps = maps_of(t->tid);

	if (maps)
		rec_maps(R->rec, t->vpid, maps);
	free(maps);
}

/* A shared mapping's kernel inode, from the maps line at @addr. */
static void shm_kino(struct recorder *R, struct task *t, uint64_t addr)
{
	char *maps = maps_of(t->tid), *p;
	char key[32];

	if (!maps)
		return;
	snprintf(key, sizeof(key), "%llx-", (unsigned long long)addr);
	for (p = maps; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (!strncmp(p, key, strlen(key))) {
			unsigned long ino = 0;

			sscanf(p, "%*s %*s %*s %*s %lu", &ino);
			rec_shm_kino(R->rec, ino);
			break;
		}
	}
	free(maps);
}

static void on_mmap(struct recorder *R, struct task *t, uint64_t res)
{
	unsigned long long *a = t->a;
	char fd[64], path[4096];
	struct stat st;
	ssize_t n = -1;
	int flags = (int)a[3];

	if (!(flags & 0x20)) {
		snprintf(fd, sizeof(fd), "/proc/%d/fd/%d", t->tid, (int)a[4]);
		n = readlink(fd, path, sizeof(path) - 1);
		if (n <= 0 || path[0] != '/' || stat(fd, &st) < 0) {
			rec_comment(R->rec, "mmap %#llx %#llx fd %d (%.*s) -> %#llx: not a file the model has",
				    a[0], a[1], (int)a[4], n > 0 ? (int)n : 1,
				    n > 0 ? path : "?", (unsigned long long)res);
			return;
		}
		path[n] = 0;
	}
	rec_mmap(R->rec, t->vpid, res, a[1], (int)a[2], flags, n > 0 ? path : NULL,
		 a[5], n > 0 ? (uint64_t)st.st_size : 0);
	if ((flags & 3) != 2)
		shm_kino(R, t, res);
}

static void on_shmat(struct recorder *R, struct task *t, uint64_t res)
{
	struct shmid_ds ds;

	if (shmctl((int)t->a[0], IPC_STAT, &ds) != 0 || !ds.shm_segsz) {
		rec_comment(R->rec, "shmat %d -> %#llx: segment size unknown", (int)t->a[0],
			    (unsigned long long)res);
		return;
	}
	rec_shmat(R->rec, t->vpid, res, (int)t->a[0], (uint32_t)ds.shm_perm.__key,
		  ds.shm_segsz, t->a[2] & SHM_RDONLY);
}

static void on_shmdt(struct recorder *R, struct task *t)
{
	if (t->a[1])
		rec_shmdt(R->rec, t->vpid, t->a[0], t->a[1]);
	else
		rec_comment(R->rec, "shmdt %#llx: no segment there", t->a[0]);
}

/* shmdt's entry: the segment's size is its VMA's (a[1], unused by the
 * call), read before the call removes it. */
static void shmdt_entry(struct task *t)
{
	char *maps = maps_of(t->tid), *p;
	unsigned long long s, e;

	t->a[1] = 0;
	for (p = maps; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (sscanf(p, "%llx-%llx", &s, &e) == 2 && s == t->a[0])
			t->a[1] = e - s;
	free(maps);
}

/* Has the VMA at @addr anonymous pages (so an anon_vma)?  From the
 * Anonymous: line of its /proc/PID/smaps entry. */
static bool has_anon_pages(pid_t tid, uint64_t addr)
{
	char path[64], *s, *p;
	unsigned long long lo, hi;
	bool in = false, yes = false;

	snprintf(path, sizeof(path), "/proc/%d/smaps", tid);
	s = rec_slurp(path);
	for (p = s; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (sscanf(p, "%llx-%llx ", &lo, &hi) == 2 && strchr(p, ' ') &&
		    p[strcspn(p, " ")] == ' ' && isxdigit((unsigned char)*p))
			in = addr >= lo && addr < hi;
		else if (in && !strncmp(p, "Anonymous:", 10))
			yes = strtoull(p + 10, NULL, 10) > 0;
	}
	free(s);
	return yes;
}

/* A syscall-exit stop: the call of @t returned @res. */
static void syscall_exit(struct recorder *R, struct task *t, long long res)
{
	unsigned long long *a = t->a;
	bool ok = res >= 0 || res < -4095;
	bool mem = true;

	if (!R->started || !t->vpid)
		return;
	switch (t->nr) {
	case 9:         /* mmap */
		if (ok)
			on_mmap(R, t, (uint64_t)res);
		break;
	case 11:        /* munmap */
		if (ok)
			rec_munmap(R->rec, t->vpid, a[0], a[1]);
		break;
	case 10:        /* mprotect */
	case 329:       /* pkey_mprotect */
		if (ok)
			rec_mprotect(R->rec, t->vpid, a[0], a[1], (int)a[2] & 7);
		break;
	case 25:        /* mremap */
		{
			if (ok && t->faulted && (uint64_t)res != a[0])
				rec_touch_note(R->rec, t->vpid, a[0]);
			if (ok)
				rec_mremap(R->rec, t->vpid, a[0], a[1], a[2], (int)a[3],
					   (uint64_t)res);
		}
		break;
	case 28:        /* madvise */
		if (ok)
			rec_madvise(R->rec, t->vpid, a[0], a[1], (int)a[2]);
		break;
	case 12:        /* brk: a query (0) or a failed move changes nothing */
		if (a[0] && (uint64_t)res == a[0])
			rec_brk(R->rec, t->vpid, a[0]);
		else
			mem = false;
		break;
	case 149:       /* mlock */
		if (ok)
			rec_mlock(R->rec, t->vpid, "mlock", a[0], a[1], 0);
		break;
	case 325:       /* mlock2 */
		if (ok)
			rec_mlock(R->rec, t->vpid, "mlock", a[0], a[1], (int)a[2]);
		break;
	case 150:       /* munlock */
		if (ok)
			rec_mlock(R->rec, t->vpid, "munlock", a[0], a[1], 0);
		break;
	case 151:       /* mlockall */
		if (ok)
			rec_mlock(R->rec, t->vpid, "mlockall", 0, 0, (int)a[0]);
		break;
	case 152:       /* munlockall */
		if (ok)
			rec_mlock(R->rec, t->vpid, "munlockall", 0, 0, 0);
		break;
	case 30:        /* shmat */
		if (ok)
			on_shmat(R, t, (uint64_t)res);
		break;
	case 67:        /* shmdt */
		if (ok)
			on_shmdt(R, t);
		break;
	case 31:        /* shmctl */
		if (ok && (a[1] & 0xff) == IPC_RMID)
			rec_shm_rmid(R->rec, t->vpid, (int)a[0]);
		else
			mem = false;
		break;
	default:
		mem = false;
	}
	if (mem && ok && R->every)
		put_maps(R, t);
}

static void on_exec(struct recorder *R, struct task *t, pid_t former)
{
	char *maps;

	if (former != t->tid) {
		/* a thread exec'd: it takes over the leader's pid (de_thread) */
		struct task *old = find(R, former);

		if (old) {
			t->in_sys = old->in_sys;
			t->nr = old->nr;
			old->alive = false;
		}
	}
	/* the other threads of the group are gone (vmsh's execve kills them) */
	for (size_t i = 0; i < R->nt; i++)
		if (R->t[i]->alive && R->t[i]->tgid == t->tgid && R->t[i] != t)
			R->t[i]->alive = false;
	if (!R->started) {
		R->started = true;
		t->vpid = 1;
		R->procs++;
	}
	R->execs++;
	maps = maps_of(t->tid);
	rec_execve(R->rec, t->vpid, maps, start_brk_of(t->tid), 0);
	free(maps);
}

static void on_new_task(struct recorder *R, struct task *parent, pid_t tid)
{
	struct task *c = find(R, tid);
	bool thread;

	if (!c) {
		c = add(R, tid);
		c->fresh = true;        /* its first stop (SIGSTOP) is to come */
	}
	c->tgid = tgid_of(tid);
	thread = c->tgid == parent->tgid;
	if (R->started && parent->vpid) {
		c->vpid = rec_fork(R->rec, parent->vpid, thread);
		if (thread)
			R->threads++;
		else
			R->procs++;
	}
	if (c->held) {
		/* its first stop came before this event: let it go now */
		c->held = false;
		ptrace(PTRACE_SYSCALL, tid, 0, 0);
	}
}

static void on_exit_event(struct recorder *R, struct task *t)
{
	if (!R->started || !t->vpid)
		return;
	if (live_tasks(R, t->tgid) == 1)
		put_maps(R, t);
	rec_exit(R->rec, t->vpid, live_tasks(R, 0) == 1);
	t->vpid = 0;
}

static void resume(pid_t tid, int sig)
{
	ptrace(PTRACE_SYSCALL, tid, 0, (void *)(long)sig);
}

static void trace_loop(struct recorder *R)
{
	int st;
	pid_t tid;

	while ((tid = waitpid(-1, &st, __WALL)) > 0) {
		struct task *t = find(R, tid);
		int sig, event;

		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (tid == R->root)
				R->status = WIFEXITED(st) ? WEXITSTATUS(st) :
					    128 + WTERMSIG(st);
			if (t)
				t->alive = false;
			continue;
		}
		if (!WIFSTOPPED(st))
			continue;
		if (!t) {
			/* a new child's first stop, before its parent's event */
			t = add(R, tid);
			t->held = true;
			continue;
		}
		sig = WSTOPSIG(st);
		event = st >> 16;
		if (sig == (SIGTRAP | 0x80)) {
			struct user_regs_struct regs;

			ptrace(PTRACE_GETREGS, tid, 0, &regs);
			if (!t->in_sys) {
				t->nr = (long)regs.orig_rax;
				t->a[0] = regs.rdi;
				t->a[1] = regs.rsi;
				t->a[2] = regs.rdx;
				t->a[3] = regs.r10;
				t->a[4] = regs.r8;
				t->a[5] = regs.r9;
				t->in_sys = true;
				if (t->nr == 67)
					shmdt_entry(t);
				if (t->nr == 25)
					t->faulted = has_anon_pages(t->tid, t->a[0]);
			} else {
				t->in_sys = false;
				syscall_exit(R, t, (long long)regs.rax);
			}
			resume(tid, 0);
		} else if (sig == SIGTRAP && event) {
			unsigned long msg = 0;

			ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg);
			if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
			    event == PTRACE_EVENT_CLONE)
				on_new_task(R, t, (pid_t)msg);
			else if (event == PTRACE_EVENT_EXEC)
				on_exec(R, t, (pid_t)msg);
			else if (event == PTRACE_EVENT_EXIT)
				on_exit_event(R, t);
			resume(tid, 0);
		} else if (t->fresh && (sig == SIGSTOP || event == PTRACE_EVENT_STOP)) {
			/* the first stop of an announced child */
			t->fresh = false;
			resume(tid, 0);
		} else {
			resume(tid, sig == SIGTRAP ? 0 : sig);
		}
	}
}

static const char usage[] =
"usage: vmsh record [-o FILE] [--maps-at exit|every] [--with-files] -- CMD [ARGS...]\n";

int vmsh_record_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "maps-at", required_argument, NULL, 'm' },
		{ "with-files", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct recorder R = { 0 };
	const char *outpath = NULL;
	bool with_files = false;
	FILE *out = stdout;
	pid_t child;
	int c, st;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': outpath = optarg; break;
		case 'f': with_files = true; break;
		case 'm':
			if (!strcmp(optarg, "every"))
				R.every = true;
			else if (strcmp(optarg, "exit")) {
				fprintf(stderr, "vmsh record: --maps-at: expected 'exit' or 'every', got '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fprintf(stderr, "vmsh record: bad option '%s'\n%s", argv[optind - 1], usage);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "vmsh record: no command to record\n%s", usage);
		return 2;
	}
	if (outpath && !(out = fopen(outpath, "w"))) {
		fprintf(stderr, "vmsh record: %s: %s\n", outpath, strerror(errno));
		return 1;
	}
	child = fork();
	if (child < 0) {
		fprintf(stderr, "vmsh record: fork: %s\n", strerror(errno));
		return 1;
	}
	if (child == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0) {
			fprintf(stderr, "vmsh record: ptrace: %s (is ptrace permitted here? see /proc/sys/kernel/yama/ptrace_scope)\n",
				strerror(errno));
			_exit(126);
		}
		raise(SIGSTOP);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "vmsh record: %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	if (waitpid(child, &st, 0) < 0 || !WIFSTOPPED(st)) {
		fprintf(stderr, "vmsh record: ptrace is not permitted here\n");
		if (outpath)
			fclose(out);
		return 1;
	}
	R.root = child;
	R.rec = rec_new(out, with_files);
	fprintf(out, "# vmsh record:");
	for (int i = optind; i < argc; i++)
		fprintf(out, " %s", argv[i]);
	fputc('\n', out);
	fputs("set zero-page off\n", out);      /* as the kernel here */
	add(&R, child);
	ptrace(PTRACE_SETOPTIONS, child, 0, PTRACE_O_TRACESYSGOOD |
	       PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
	       PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL);
	resume(child, 0);
	trace_loop(&R);
	fprintf(stderr, "vmsh record: %llu memory calls, %u processes, %u threads, %u execs; %s exited %d\n",
		(unsigned long long)rec_calls(R.rec), R.procs, R.threads,
		R.execs, argv[optind], R.status);
	if (!R.started)
		fprintf(stderr, "vmsh record: %s never started (execve failed)\n", argv[optind]);
	rec_free(R.rec);
	for (size_t i = 0; i < R.nt; i++)
		free(R.t[i]);
	free(R.t);
	if (outpath && fclose(out) != 0) {
		fprintf(stderr, "vmsh record: %s: %s\n", outpath, strerror(errno));
		return 1;
	}
	return R.started ? 0 : 1;
}
