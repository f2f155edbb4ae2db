/* SPDX-License-Identifier: MIT */
/*
 * --host: the task side.  Each simulated task is a real process (or, for
 * `clone vm`, a real thread) that serves requests from the controller on a
 * socket: memory calls are the real system calls, accesses are real loads
 * and stores guarded by a SIGSEGV/SIGBUS handler.
 *
 * Invariants:
 *  - The task side never touches the address window scripts use
 *    (0x200000000000 up): its buffers come from mmap without a hint, which
 *    the kernel places below the libraries, far above the window.
 *  - An access faults only on the first byte of a page (each page is
 *    probed with a one-byte load or store before the rest of it is copied),
 *    so the reported address and the count of bytes done are those of a
 *    byte-by-byte loop in address order.
 *  - A SIGSEGV/SIGBUS outside an access is not ours: the default action
 *    is restored and the fault kills the process, which the controller
 *    sees as the end of its socket.
 *  - Each serving thread answers exactly one reply per request.  What is
 *    not a well-formed request (wire.c) gets -EPROTO and ends the
 *    conversation; a value vmsh does not model gets -EINVAL; neither
 *    makes a system call.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "protocol.h"

#define PAGE 4096ULL

/* Serving threads alive in this process: the last one to stop exits it. */
static atomic_int servers;

/* Per-thread access state for the fault handler. */
static __thread sigjmp_buf *access_jb;
static __thread volatile int access_on;
static __thread volatile int fault_signo, fault_code;
static __thread volatile uintptr_t fault_addr;

static void fault_handler(int sig, siginfo_t *si, void *uc)
{
	if (!access_on) {
		signal(sig, SIG_DFL);
		return;         /* the fault repeats and kills the process */
	}
	access_on = 0;
	fault_signo = sig;
	fault_code = si->si_code;
	fault_addr = (uintptr_t)si->si_addr;
	siglongjmp(*access_jb, 1);
}

static void setup_altstack(void)
{
	stack_t ss;
	void *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return;
	ss.ss_sp = p;
	ss.ss_size = 65536;
	ss.ss_flags = 0;
	sigaltstack(&ss, NULL);
}

static void setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fault_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	/* Children (forked tasks) are reaped by the kernel. */
	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
}

/* ---- socket helpers ------------------------------------------------------ */

int host_send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int host_recv_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = recv(fd, p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int host_send_fd(int fd, const void *buf, size_t len, int passfd)
{
	struct msghdr msg;
	struct iovec iov;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	ssize_t n;

	if (passfd < 0)
		return host_send_all(fd, buf, len);
	memset(&msg, 0, sizeof(msg));
	memset(&u, 0, sizeof(u));
	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &passfd, sizeof(int));
	do
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n < len)
		return host_send_all(fd, (const char *)buf + n, len - (size_t)n);
	return 0;
}

int host_recv_fd(int fd, void *buf, size_t len, int *passfd)
{
	struct msghdr msg;
	struct iovec iov;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	ssize_t n;

	*passfd = -1;
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	do
		n = recvmsg(fd, &msg, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(passfd, CMSG_DATA(c), sizeof(int));
	if ((size_t)n < len)
		return host_recv_all(fd, (char *)buf + n, len - (size_t)n);
	return 0;
}

/* ---- buffers ------------------------------------------------------------- */

/* Payload buffers are mapped without a hint: never in the script window. */
static void *buf_get(size_t len)
{
	void *p;

	if (!len)
		len = 1;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void buf_put(void *p, size_t len)
{
	if (p)
		munmap(p, len ? len : 1);
}

static long sysret(long r)
{
	return r == -1 ? -errno : r;
}

/* ---- accesses ------------------------------------------------------------ */

enum acc { ACC_TOUCH, ACC_READ, ACC_WRITE };

/*
 * Run one access over [addr, addr + len).  Each page piece is probed with a
 * one-byte access first; a fault there stops the access with *done bytes
 * completed.  Returns 1 when stopped by a signal.
 */
/* The probes must be the task's own loads and stores: AddressSanitizer's
 * check of a shadow byte would fault first (at another address, and as a
 * #PF where a non-canonical address raises #GP). */
#if defined(__SANITIZE_ADDRESS__)
#define NO_ASAN __attribute__((no_sanitize_address))
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_ASAN __attribute__((no_sanitize_address))
#endif
#endif
#ifndef NO_ASAN
#define NO_ASAN
#endif

NO_ASAN
static int do_access(enum acc kind, uint64_t addr, uint64_t len,
		     const uint8_t *src, uint8_t fill, uint8_t *dst,
		     uint64_t *done, struct host_rep *rep)
{
	sigjmp_buf jb;
	volatile uint64_t p = addr;
	volatile uint64_t start = addr, total = len;
	/* the last byte, not the end: 0xffffffffffffffff is an address too */
	uint64_t last = len ? addr + len - 1 : addr;

	if (last < addr)
		last = UINT64_MAX;
	*done = 0;
	if (!len)
		return 0;
	access_jb = &jb;
	if (sigsetjmp(jb, 1)) {
		rep->signo = fault_signo;
		rep->code = fault_code;
		/* a #GP (non-canonical address) reports SI_KERNEL at 0 */
		rep->addr = fault_code == SI_KERNEL ? fault_addr : p;
		*done = p - start;
		return 1;
	}
	for (;;) {
		uint64_t pl = p | (PAGE - 1);   /* the piece's last byte */
		uint64_t n;

		if (pl > last)
			pl = last;
		n = pl - p + 1;
		access_on = 1;
		switch (kind) {
		case ACC_TOUCH:
			(void)*(volatile uint8_t *)(uintptr_t)p;
			break;
		case ACC_READ:
			dst[p - addr] = *(volatile uint8_t *)(uintptr_t)p;
			if (n > 1)
				memcpy(dst + (p - addr) + 1,
				       (const void *)(uintptr_t)(p + 1), n - 1);
			break;
		case ACC_WRITE:
			*(volatile uint8_t *)(uintptr_t)p = src ? src[p - addr] : fill;
			if (n > 1) {
				if (src)
					memcpy((void *)(uintptr_t)(p + 1),
					       src + (p - addr) + 1, n - 1);
				else
					memset((void *)(uintptr_t)(p + 1), fill, n - 1);
			}
			break;
		}
		access_on = 0;
		if (pl == last)
			break;
		p = pl + 1;
	}
	*done = total;
	return 0;
}

/* ---- requests ------------------------------------------------------------ */

static void *task_thread(void *arg);

/* A new task keeps only stdio and its own socket: the controller sees the
 * end of a task's socket only when the task itself is gone. */
void host_close_others(int keep)
{
	long max = sysconf(_SC_OPEN_MAX);

	if (max < 0 || max > 65536)
		max = 65536;
	for (int i = 3; i < max; i++)
		if (i != keep)
			close(i);
}

static int do_mmap(const struct host_req *rq, const char *path, uint64_t *out)
{
	int fd = -1;
	long r;

	if (path) {
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM))
			fd = open(path, O_RDONLY | O_CLOEXEC);
		/* A missing file: mmap gets a bad descriptor, as the model's
		 * EBADF for an unknown file name says. */
	}
	r = syscall(SYS_mmap, rq->a[0], rq->a[1], rq->a[2], rq->a[3], fd, rq->a[4]);
	r = sysret(r);
	if (fd >= 0)
		close(fd);
	if (r < 0 && r >= -4095)
		return (int)r;
	*out = (uint64_t)r;
	return 0;
}

int host_task_exec(int fd)
{
	char val[16], exe[4096];
	ssize_t n;
	int r, e;

	/* The program's own path (under valgrind, /proc/self/exe itself
	 * names the tool, while readlink tells the program). */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		n = snprintf(exe, sizeof(exe), "/proc/self/exe");
	exe[n] = 0;
	snprintf(val, sizeof(val), "%d", fd);
	r = fcntl(fd, F_GETFD);
	if (r >= 0)
		fcntl(fd, F_SETFD, r & ~FD_CLOEXEC);
	setenv(HOST_TASK_ENV, val, 1);
	execl(exe, "vmsh", (char *)NULL);
	e = errno;
	unsetenv(HOST_TASK_ENV);
	if (r >= 0)
		fcntl(fd, F_SETFD, r);
	return -e;
}

/* Serve @fd; returns when the controller is gone or asked us to stop. */
static void serve(int fd)
{
	for (;;) {
		struct host_req rq;
		struct host_rep rep;
		void *pl = NULL, *out = NULL;
		size_t outlen = 0;
		int passfd = -1;
		bool stop = false;
		int check;

		if (host_recv_fd(fd, &rq, sizeof(rq), &passfd) < 0)
			return;
		memset(&rep, 0, sizeof(rep));
		rep.magic = HOST_MAGIC;
		check = host_req_check(&rq);
		if (check == -EPROTO) {
			/* not a request: say so, and trust nothing after it */
			rep.ret = -EPROTO;
			if (passfd >= 0)
				close(passfd);
			host_send_all(fd, &rep, sizeof(rep));
			return;
		}
		if (rq.plen) {
			pl = buf_get(rq.plen + 1);
			if (!pl || host_recv_all(fd, pl, rq.plen) < 0)
				return;
			((char *)pl)[rq.plen] = 0;
		}
		switch (check ? 0 : rq.op) {
		case 0:
			rep.ret = check;        /* a value vmsh does not model */
			break;
		case HOST_MMAP:
			rep.ret = do_mmap(&rq, pl, &rep.out);
			break;
		case HOST_MUNMAP:
			rep.ret = sysret(syscall(SYS_munmap, rq.a[0], rq.a[1]));
			break;
		case HOST_MPROTECT:
			rep.ret = sysret(syscall(SYS_mprotect, rq.a[0], rq.a[1], rq.a[2]));
			break;
		case HOST_MREMAP: {
			long r = sysret(syscall(SYS_mremap, rq.a[0], rq.a[1], rq.a[2],
						rq.a[3], rq.a[4]));
			if (r < 0 && r >= -4095) {
				rep.ret = r;
			} else {
				rep.out = (uint64_t)r;
			}
			break;
		}
		case HOST_MADVISE:
			rep.ret = sysret(syscall(SYS_madvise, rq.a[0], rq.a[1], rq.a[2]));
			break;
		case HOST_MLOCK:
			rep.ret = sysret(syscall(SYS_mlock2, rq.a[0], rq.a[1], rq.a[2]));
			break;
		case HOST_MUNLOCK:
			rep.ret = sysret(syscall(SYS_munlock, rq.a[0], rq.a[1]));
			break;
		case HOST_MLOCKALL:
			rep.ret = sysret(syscall(SYS_mlockall, rq.a[0]));
			break;
		case HOST_MUNLOCKALL:
			rep.ret = sysret(syscall(SYS_munlockall));
			break;
		case HOST_MSEAL:
			rep.ret = sysret(syscall(462 /* SYS_mseal */, rq.a[0], rq.a[1], 0));
			break;
		case HOST_BRK:
			rep.out = (uint64_t)syscall(SYS_brk, rq.a[0]);
			break;
		case HOST_MSYNC:
			rep.ret = sysret(syscall(SYS_msync, rq.a[0], rq.a[1], MS_SYNC));
			break;
		case HOST_TOUCH:
			rep.ret = do_access(ACC_TOUCH, rq.a[0], rq.a[1], NULL, 0, NULL,
					    &rep.done, &rep);
			break;
		case HOST_WRITE:
			rep.ret = do_access(ACC_WRITE, rq.a[0], rq.a[1],
					    rq.a[3] ? pl : NULL, (uint8_t)rq.a[2],
					    NULL, &rep.done, &rep);
			break;
		case HOST_READ:
			outlen = rq.a[1];
			out = buf_get(outlen);
			if (!out) {
				rep.ret = -ENOMEM;
				outlen = 0;
				break;
			}
			rep.ret = do_access(ACC_READ, rq.a[0], rq.a[1], NULL, 0, out,
					    &rep.done, &rep);
			rep.plen = (uint32_t)rep.done;
			break;
		case HOST_FORK: {
			pid_t pid;

			if (passfd < 0) {
				rep.ret = -EBADF;
				break;
			}
			pid = fork();
			if (pid == 0) {
				host_close_others(passfd);
				atomic_store(&servers, 1);
				host_task_main(passfd);
			}
			close(passfd);
			if (pid < 0)
				rep.ret = -errno;
			else
				rep.out = (uint64_t)pid;
			break;
		}
		case HOST_CLONE: {
			pthread_t th;
			pthread_attr_t at;
			int e;

			if (passfd < 0) {
				rep.ret = -EBADF;
				break;
			}
			pthread_attr_init(&at);
			pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
			atomic_fetch_add(&servers, 1);
			e = pthread_create(&th, &at, task_thread,
					   (void *)(intptr_t)passfd);
			pthread_attr_destroy(&at);
			if (e) {
				atomic_fetch_sub(&servers, 1);
				close(passfd);
				rep.ret = -e;
			}
			break;
		}
		case HOST_EXIT:
			stop = true;
			break;
		case HOST_EXEC:
			if (atomic_load(&servers) > 1) {
				rep.ret = -EBUSY;
				break;
			}
			rep.ret = host_task_exec(fd);
			break;
		case HOST_PING:
			rep.out = (uint64_t)getpid();
			rep.done = (uint64_t)syscall(SYS_gettid);
			break;
		default:
			rep.ret = -ENOSYS;
			break;
		}
		if (passfd >= 0 && rq.op != HOST_FORK && rq.op != HOST_CLONE)
			close(passfd);
		if (host_send_all(fd, &rep, sizeof(rep)) < 0 ||
		    (rep.plen && host_send_all(fd, out, rep.plen) < 0))
			stop = true;
		buf_put(pl, rq.plen + 1);
		buf_put(out, outlen);
		if (stop)
			return;
	}
}

/* The last server to stop ends the process; others end their thread. */
static void __attribute__((noreturn)) server_done(int fd)
{
	close(fd);
	if (atomic_fetch_sub(&servers, 1) <= 1)
		_exit(0);
	pthread_exit(NULL);
}

static void *task_thread(void *arg)
{
	int fd = (int)(intptr_t)arg;

	fcntl(fd, F_SETFD, FD_CLOEXEC);
	setup_altstack();
	serve(fd);
	server_done(fd);
}

/* Run as an unprivileged task would: without CAP_IPC_LOCK, mlock meets
 * RLIMIT_MEMLOCK (set by the controller, inherited) as in the model;
 * without CAP_SYS_RAWIO, mmap below mmap_min_addr is EPERM as in the
 * model.  Dropped from the bounding set too, so a re-executed task stays
 * so. */
static void drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	const unsigned bits[] = { CAP_IPC_LOCK, CAP_SYS_RAWIO };

	for (size_t i = 0; i < 2; i++)
		prctl(PR_CAPBSET_DROP, bits[i], 0, 0, 0);
	if (syscall(SYS_capget, &hdr, data))
		return;
	for (size_t i = 0; i < 2; i++) {
		unsigned bit = bits[i];

		data[bit / 32].effective &= ~(1U << (bit % 32));
		data[bit / 32].permitted &= ~(1U << (bit % 32));
		data[bit / 32].inheritable &= ~(1U << (bit % 32));
	}
	syscall(SYS_capset, &hdr, data);
}

void host_task_main(int fd)
{
	drop_ipc_lock();
	/* Keep malloc off brk: the break and [heap] belong to the script. */
	mallopt(M_MMAP_THRESHOLD, 0);
	mallopt(M_TRIM_THRESHOLD, -1);
	mallopt(M_TOP_PAD, 0);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	setup_altstack();
	setup_signals();
	if (atomic_load(&servers) < 1)
		atomic_store(&servers, 1);
	serve(fd);
	server_done(fd);
}

/*
 * A vmsh executed as a task (the first task, or HOST_EXEC) finds its socket
 * in the environment and becomes a task before main() runs: it
 * acknowledges the exec, then serves.  Nothing here calls malloc before
 * host_task_main() steers it away from brk.
 */
__attribute__((constructor)) static void host_task_ctor(void)
{
	const char *v = getenv(HOST_TASK_ENV);
	struct host_rep rep;
	int fd;

	if (!v)
		return;
	fd = atoi(v);
	unsetenv(HOST_TASK_ENV);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	memset(&rep, 0, sizeof(rep));
	rep.magic = HOST_MAGIC;
	rep.out = (uint64_t)getpid();
	if (host_send_all(fd, &rep, sizeof(rep)) < 0)
		_exit(0);
	atomic_store(&servers, 1);
	host_task_main(fd);
}
