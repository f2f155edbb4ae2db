/* SPDX-License-Identifier: MIT */
/*
 * --host: what the controller's files (host.c, calls.c, files.c) share.
 * The invariants are host.c's.
 */
#ifndef VMSH_SRC_HOST_HOST_INT_H
#define VMSH_SRC_HOST_HOST_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "vmsh/backend.h"
#include "vmsh/rlimit.h"
#include "protocol.h"

#define MAX_PIDS 4096
#define HOST_MAX_TASKS 512      /* tasks alive at once (host.c: task_cap) */
/* the window scripts work in (window.c) */
#define HOST_WINDOW_LO 0x200000000000ULL
#define HOST_WINDOW_HI 0x400000000000ULL

struct range {
	uint64_t start, end;
};

/* One real process: an address space. */
struct hproc {
	pid_t pid;
	int live;               /* simulated tasks living in it */
	bool heap;              /* brk moved: show [heap] */
	struct range *r;
	size_t nr, cap;
	struct range *own;      /* what mmap, mremap and brk gave the script */
	size_t nown, owncap;
	/* the script's resource limits (what `limits` shows; host.c applies
	 * as, data, stack and memlock to the process) and the helper's own
	 * address space and data beyond a fresh model process's */
	struct vmsh_rlimit rlim[VMSH_RLIM_NLIMITS];
	uint64_t own_as, own_data;
};

/* One simulated task. */
struct htask {
	bool alive;
	bool kthread;           /* no process, no mm */
	int fd;
	pid_t tid;
	struct hproc *proc;
};

struct host {
	struct backend be;
	FILE *err;
	struct htask *task;     /* indexed by simulated pid; [0] unused */
	int ntask;              /* highest pid handed out */
	int cur;
	char tmpdir[80];
	char diskdir[80];
	char swapdir[80];        /* --swap: the private swap file's directory */
	bool unsafe;             /* --host-unsafe: no safe window */
	uint64_t as_budget;      /* RLIMIT_AS beyond a first task's own size */
	struct vmsh_rlimit rlim_default[VMSH_RLIM_NLIMITS];     /* a first task's */
	int lockfd[3];           /* the directories' flocks, held to the end */
	int nlock;
};

/* host.c */
struct host *to_host(struct backend *be);
/* Task @pid (0: the current one) when it lives, else NULL. */
struct htask *task_get(struct host *h, int pid);
/* The current task.  *err is 0 when it has an mm, else -ESRCH (no current
 * task) or -EFAULT (a kernel thread: no mm, as the model says). */
struct htask *cur_task(struct host *h, int *err);
/* One request/reply exchange with task @pid (@passfd: a descriptor sent
 * with it, or -1).  The reply payload (if any) goes to @out, which holds
 * @outcap bytes.  Returns 0, or -ESRCH when the task process is gone (it
 * is then marked dead). */
int host_call(struct host *h, int pid, struct host_req *rq, const void *pl,
	      int passfd, struct host_rep *rep, void *out, size_t outcap);
/* Send @rq (with @rq->plen bytes of @pl) to the current task, which must
 * have an mm, and read its reply into @rep: 0 when it answered (its
 * result is @rep->ret), else cur_task()'s or the exchange's error. */
int request(struct host *h, struct host_req *rq, const void *pl,
	    struct host_rep *rep);
/* A request that places a mapping (mmap, mremap): its address to @out. */
int request_place(struct host *h, struct host_req *rq, const void *pl,
		  uint64_t *out);
/* dirs.c */
/* Remove directory @dir and the files in it (swapoff the swap file). */
void rm_dir(const char *dir);
/* Remove the vmsh-PID-* directories in @parent that killed sessions left. */
void remove_stale(const char *parent);
/* A private directory PARENT/vmsh-PID-XXXXXX into @buf, flock()ed until
 * the session ends; 0 or -errno. */
int session_dir(struct host *h, const char *parent, char *buf, size_t size);
/* Remember that the script named [start, start + len) of the current task. */
void track(struct host *h, uint64_t start, uint64_t len);
/* files.c: after a call that failed part-way (mprotect, madvise, mlock),
 * only the VMAs it can have changed: those that run without a gap from
 * @start, inside the range; nothing when the range wraps or leaves user
 * space (the kernel refused it before looking at a VMA). */
void track_failed(struct host *h, uint64_t start, uint64_t len);
bool range_hit(const struct hproc *p, uint64_t start, uint64_t end);

/* calls.c */
/* A plain file name: not empty, no '/', not "." or "..". */
bool name_ok(const char *name);
/* Real path of simulated file @name (disk directory first, then tmpfs). */
void file_path(struct host *h, const char *name, char *buf, size_t size);
int host_mmap(struct backend *be, uint64_t addr, uint64_t len, int prot,
	      int flags, const char *file, uint64_t off, uint64_t *out);
int host_munmap(struct backend *be, uint64_t addr, uint64_t len);
int host_mprotect(struct backend *be, uint64_t addr, uint64_t len, int prot);
int host_mremap(struct backend *be, uint64_t addr, uint64_t old_len,
		uint64_t new_len, int flags, uint64_t new_addr, uint64_t *out);
int host_pagemap(struct backend *be, int pid, uint64_t addr, uint64_t n,
		 uint64_t *pm, uint64_t *kpf);
int host_madvise(struct backend *be, uint64_t addr, uint64_t len, int advice);
int host_madvise_checked(struct backend *be, uint64_t addr, uint64_t len,
			 int advice);
int host_mlock(struct backend *be, uint64_t addr, uint64_t len, int flags);
int host_munlock(struct backend *be, uint64_t addr, uint64_t len);
int host_mlockall(struct backend *be, int flags);
int host_munlockall(struct backend *be);
int host_drain(struct backend *be);
int host_mseal(struct backend *be, uint64_t addr, uint64_t len);
int host_brk(struct backend *be, uint64_t addr, uint64_t *out);
int host_msync(struct backend *be, uint64_t addr, uint64_t len);
int host_touch(struct backend *be, uint64_t addr, uint64_t len,
	       struct vmsh_fault *f);
int host_write(struct backend *be, uint64_t addr, const uint8_t *buf,
	       uint8_t fill, uint64_t len, uint64_t *done, struct vmsh_fault *f);
int host_read(struct backend *be, uint64_t addr, uint8_t *buf, uint64_t len,
	      uint64_t *done, struct vmsh_fault *f);

/* limits.c: the script's limit @res of process @p onto the real one */
void apply_rlimit(struct hproc *p, int res);
int host_prlimit(struct backend *be, int pid, int res,
		 const struct vmsh_rlimit *new, struct vmsh_rlimit *old);

/* window.c */
/* How a call walks its range (window_check). */
enum window_kind {
	WIN_REPLACE,    /* all of it: mmap fixed, munmap, mremap */
	WIN_CONTIG,     /* from the start up to a hole: mprotect */
	WIN_CONTIG_ANY, /* the same from any start (rounded down): mlock */
	WIN_ALL,        /* every VMA in it: madvise */
	WIN_WHOLE,      /* all of it when there is no hole, else nothing: mseal */
	WIN_BYTES,      /* every byte: write */
};
/* The script now owns [@start, @start + @len) (its mmap, mremap, brk). */
void own_add(struct hproc *p, uint64_t start, uint64_t len);
/* 0 when @call on [@start, @start + @len) of the current task stays in
 * the window and in what the script mapped (or --host-unsafe), else
 * -EPERM after one line on h->err. */
int window_check(struct host *h, enum window_kind kind, const char *call,
		 uint64_t start, uint64_t len);

/* files.c */
int host_file_create(struct backend *be, const char *name, uint64_t size,
		     bool disk);
int host_file_write(struct backend *be, const char *name, uint64_t off,
		    const uint8_t *buf, uint64_t len);
int host_file_read(struct backend *be, const char *name, uint64_t off,
		   uint8_t *buf, uint64_t len, uint64_t *done);
int host_file_truncate(struct backend *be, const char *name, uint64_t size);
int host_file_rm(struct backend *be, const char *name);
int host_file_rename(struct backend *be, const char *from, const char *to);
int host_maps(struct backend *be, int pid, FILE *out);
int host_smaps(struct backend *be, int pid, bool one, uint64_t addr, FILE *out);

#endif /* VMSH_SRC_HOST_HOST_INT_H */
