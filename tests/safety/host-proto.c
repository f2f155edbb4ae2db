/* SPDX-License-Identifier: MIT */
/*
 * The --host protocol refuses what is not a well-formed request (issue
 * 14, item 10): a task process is started on a socketpair and sent
 * headers by hand.  Not a request (bad magic, unknown op, a pad, a payload
 * where none belongs, a write whose payload does not match its length,
 * text such as `echo` would print): -EPROTO and the task ends.  A value
 * vmsh does not model (advice 100 = MADV_HWPOISON, prot bit 0x10, an
 * unmodelled mmap or mremap flag, a read of more than 4 GiB): -EINVAL,
 * no system call, and the task serves on.  A well-formed request works.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "protocol.h"

static int passed, failed;

#define CHECK(c) do { if (c) passed++; else { failed++; \
	printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); } } while (0)

static pid_t task_pid;

static int task_start(void)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	task_pid = fork();
	if (task_pid < 0)
		abort();
	if (task_pid == 0) {
		close(sv[0]);
		host_task_main(sv[1]);
	}
	close(sv[1]);
	return sv[0];
}

static void task_stop(int fd)
{
	close(fd);
	kill(task_pid, SIGKILL);
	waitpid(task_pid, NULL, 0);
}

/* Send @len bytes of @buf; read one reply: its ret, or 1 at EOF. */
static long exchange(int fd, const void *buf, size_t len, struct host_rep *rep)
{
	if (host_send_all(fd, buf, len) < 0 ||
	    host_recv_all(fd, rep, sizeof(*rep)) < 0)
		return 1;
	return rep->ret;
}

static struct host_req req(uint32_t op)
{
	struct host_req rq;

	memset(&rq, 0, sizeof(rq));
	rq.magic = HOST_MAGIC;
	rq.op = op;
	return rq;
}

/* After a refused header the task is gone: its socket ends. */
static bool ended(int fd)
{
	char c;

	return recv(fd, &c, 1, 0) == 0;
}

static void not_a_request(const char *what, const void *buf, size_t len)
{
	int fd = task_start();
	struct host_rep rep;
	long r = exchange(fd, buf, len, &rep);

	if (r != -EPROTO || rep.magic != HOST_MAGIC || !ended(fd)) {
		failed++;
		printf("FAIL %s: ret %ld, expected EPROTO and the end\n", what, r);
	} else {
		passed++;
		printf("ok   %s: EPROTO, the task ends\n", what);
	}
	task_stop(fd);
}

static void refused(int fd, const char *what, struct host_req rq)
{
	struct host_rep rep;
	long r = exchange(fd, &rq, sizeof(rq), &rep);

	if (r != -EINVAL) {
		failed++;
		printf("FAIL %s: ret %ld, expected EINVAL\n", what, r);
	} else {
		passed++;
		printf("ok   %s: EINVAL\n", what);
	}
}

int main(void)
{
	struct host_req rq;
	struct host_rep rep;
	char text[sizeof(struct host_req) + 8];
	int fd;

	signal(SIGPIPE, SIG_IGN);
	/* well formed */
	fd = task_start();
	rq = req(HOST_PING);
	CHECK(exchange(fd, &rq, sizeof(rq), &rep) == 0 && rep.magic == HOST_MAGIC &&
	      rep.out == (uint64_t)task_pid);
	/* values vmsh does not model: refused, the task serves on */
	rq = req(HOST_MADVISE);
	rq.a[0] = 0x200000000000ULL;
	rq.a[1] = 4096;
	rq.a[2] = 100;          /* MADV_HWPOISON */
	refused(fd, "madvise advice 100 (hwpoison)", rq);
	rq.a[2] = 101;          /* MADV_SOFT_OFFLINE */
	refused(fd, "madvise advice 101 (soft_offline)", rq);
	rq = req(HOST_MPROTECT);
	rq.a[2] = 0x10;
	refused(fd, "mprotect prot 0x10", rq);
	rq = req(HOST_MMAP);
	rq.a[1] = 4096;
	rq.a[2] = 3;
	rq.a[3] = 0x22 | 0x40000;       /* private|anonymous|MAP_HUGETLB */
	refused(fd, "mmap with MAP_HUGETLB", rq);
	rq = req(HOST_MREMAP);
	rq.a[3] = 4;                    /* MREMAP_DONTUNMAP */
	refused(fd, "mremap with MREMAP_DONTUNMAP", rq);
	rq = req(HOST_READ);
	rq.a[1] = 1ULL << 33;
	refused(fd, "read of 8 GiB", rq);
	rq = req(HOST_MLOCK);
	rq.a[2] = 2;
	refused(fd, "mlock2 flag 2", rq);
	rq = req(HOST_WRITE);
	rq.a[2] = 0x100;
	refused(fd, "write fill 0x100", rq);
	rq = req(HOST_PING);
	CHECK(exchange(fd, &rq, sizeof(rq), &rep) == 0);       /* still serving */
	task_stop(fd);

	/* not requests: the conversation ends */
	rq = req(HOST_PING);
	rq.magic = 0x12345678;
	not_a_request("a bad magic", &rq, sizeof(rq));
	rq = req(999);
	not_a_request("an unknown op", &rq, sizeof(rq));
	rq = req(0);
	not_a_request("op 0", &rq, sizeof(rq));
	rq = req(HOST_PING);
	rq.pad = 1;
	not_a_request("a non-zero pad", &rq, sizeof(rq));
	rq = req(HOST_MUNMAP);
	rq.plen = 16;
	not_a_request("munmap with a payload", &rq, sizeof(rq));
	rq = req(HOST_MMAP);
	rq.plen = HOST_PATH_MAX + 1;
	not_a_request("mmap with a 4 KiB + 1 path", &rq, sizeof(rq));
	rq = req(HOST_WRITE);
	rq.a[1] = 100;
	rq.a[3] = 1;
	rq.plen = 10;
	not_a_request("write whose payload is not its length", &rq, sizeof(rq));
	rq = req(HOST_WRITE);
	rq.a[3] = 7;
	not_a_request("write with a[3] = 7", &rq, sizeof(rq));
	/* what `echo` would print into a task's socket */
	memset(text, ' ', sizeof(text));
	memcpy(text, "munmap 0x7ffff7a00000 0x600000\n", 31);
	not_a_request("a line of text", text, sizeof(struct host_req));
	printf("host-proto: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
