/* SPDX-License-Identifier: MIT */
/*
 * --host: the wire protocol between the controller (vmsh itself, host.c)
 * and the task processes (task.c).
 *
 * One stream socket per simulated task.  The controller writes a request
 * (struct host_req, then plen bytes of payload) and waits for exactly one
 * reply (struct host_rep, then plen bytes).  FORK and CLONE carry one file
 * descriptor (SCM_RIGHTS) with the request: the socket the new task serves.
 * Requests are never pipelined, so at most one task runs at a time.
 *
 * Every request and reply starts its fixed part with HOST_MAGIC; the task
 * checks each request with host_req_check() (wire.c) before it acts:
 * what is not a request ends the conversation (-EPROTO, then the task
 * exits), a value vmsh does not model is refused (-EINVAL).
 */
#ifndef VMSH_SRC_HOST_PROTOCOL_H
#define VMSH_SRC_HOST_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum host_op {
	HOST_MMAP = 1,          /* a0 addr, a1 len, a2 prot, a3 flags, a4 off; payload: path or none */
	HOST_MUNMAP,            /* a0 addr, a1 len */
	HOST_MPROTECT,          /* a0 addr, a1 len, a2 prot */
	HOST_MREMAP,            /* a0 addr, a1 old, a2 new, a3 flags, a4 new_addr */
	HOST_MADVISE,           /* a0 addr, a1 len, a2 advice */
	HOST_BRK,               /* a0 addr */
	HOST_MSYNC,             /* a0 addr, a1 len */
	HOST_TOUCH,             /* a0 addr, a1 len */
	HOST_WRITE,             /* a0 addr, a1 len, a2 fill, a3 1 when payload holds the bytes */
	HOST_READ,              /* a0 addr, a1 len; reply payload: the bytes read */
	HOST_FORK,              /* fd attached; rep.out = real pid of the child */
	HOST_CLONE,             /* fd attached; rep.out = tid of the new thread */
	HOST_EXIT,              /* the serving thread (or process) ends after replying */
	HOST_EXEC,              /* re-execute vmsh as a fresh task image */
	HOST_PING,              /* rep.out = pid, rep.done = tid */
	HOST_MLOCK,             /* a0 addr, a1 len, a2 flags (mlock2) */
	HOST_MUNLOCK,           /* a0 addr, a1 len */
	HOST_MLOCKALL,          /* a0 flags */
	HOST_MUNLOCKALL,
	HOST_MSEAL,             /* a0 addr, a1 len */
};

#define HOST_MAGIC 0x68736d76u         /* "vmsh" */
#define HOST_PATH_MAX 4096              /* an mmap request's path payload */

/* the prot and mmap flag bits vmsh models */
#define HOST_PROT_MODELLED 0x7          /* read, write, exec */
#define HOST_MAP_MODELLED (0x0fu | 0x10u /* fixed */ | 0x20u /* anonymous */ | \
			   0x100u /* growsdown */ | 0x2000u /* locked */ | \
			   0x4000u /* noreserve */ | 0x8000u /* populate */ | \
			   0x100000u /* fixed_noreplace */)

struct host_req {
	uint32_t magic;         /* HOST_MAGIC */
	uint32_t op;
	uint32_t plen;
	uint32_t pad;           /* 0 */
	uint64_t a[6];
};

struct host_rep {
	int64_t ret;            /* 0 / value, or -errno */
	uint64_t out;
	uint64_t done;
	int32_t signo, code;
	uint64_t addr;
	uint32_t plen;
	uint32_t magic;         /* HOST_MAGIC */
};

/* The environment variable that makes a re-executed vmsh a task (HOST_EXEC):
 * its value is the number of the descriptor to serve. */
#define HOST_TASK_ENV "VMSH_HOST_TASK_FD"

/* wire.c */
/* 0 for a well-formed request, -EPROTO for what is not a request,
 * -EINVAL for a value vmsh does not model. */
int host_req_check(const struct host_req *rq);
/* Is @advice one vmsh models (and passes to the kernel)? */
bool host_advice_modelled(int advice);

/* task.c */
/* Serve requests on @fd until EOF or HOST_EXIT; never returns. */
void host_task_main(int fd) __attribute__((noreturn));
/* Close every descriptor but stdio and @keep (a new task's). */
void host_close_others(int keep);
/* Execute vmsh again as a fresh task image serving @fd; -errno on failure. */
int host_task_exec(int fd);
int host_send_all(int fd, const void *buf, size_t len);
int host_recv_all(int fd, void *buf, size_t len);
/* Send/receive a message with an optional descriptor (-1: none). */
int host_send_fd(int fd, const void *buf, size_t len, int passfd);
int host_recv_fd(int fd, void *buf, size_t len, int *passfd);

#endif /* VMSH_SRC_HOST_PROTOCOL_H */
