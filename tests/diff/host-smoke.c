/* SPDX-License-Identifier: MIT */
/*
 * Smoke test of the --host backend: calls its operations directly (no
 * shell) and checks what the running kernel reports.  Each check prints
 * one line; the exit status is the number of failures.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host.h"

#define W 0x200000000000ULL

static int failed, passed;

#define CHECK(cond) do {						\
	if (cond) {							\
		passed++;						\
	} else {							\
		failed++;						\
		printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);	\
	}								\
} while (0)

/* Text of maps (or smaps when @smaps) of @pid. */
static char *capture(struct backend *be, int pid, int smaps, int one,
		     uint64_t addr, int *ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (smaps)
		*ret = be->ops->smaps(be, pid, one, addr, f);
	else
		*ret = be->ops->maps(be, pid, f);
	fclose(f);
	return buf;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Value in kB of smaps field @name in @text. */
static long field(const char *text, const char *name)
{
	const char *p = strstr(text, name);

	return p ? strtol(p + strlen(name) + 1, NULL, 10) : -1;
}

int main(void)
{
	struct backend *be = host_backend_new(stderr);
	const struct backend_ops *o;
	struct vmsh_fault f;
	uint64_t out, done, brk0;
	uint8_t buf[64];
	char *t;
	int r, child, thr, kt;

	if (!be) {
		printf("host backend refused\n");
		return 77;
	}
	o = be->ops;
	CHECK(o->current_pid(be) == 1);

	/* brk: the fresh task has no heap yet; growing it shows [heap] */
	r = o->brk(be, 0, &out);
	CHECK(r == 0 && out != 0);
	brk0 = out;
	t = capture(be, 0, 0, 0, 0, &r);
	CHECK(r == 0 && t[0] == 0);
	free(t);
	r = o->brk(be, brk0 + 0x2000, &out);
	CHECK(r == 0 && out == brk0 + 0x2000);
	t = capture(be, 0, 0, 0, 0, &r);
	CHECK(r == 0 && count_lines(t) == 1 && strstr(t, "[heap]") &&
	      strtoull(t, NULL, 16) == brk0);
	free(t);
	r = o->brk(be, brk0, &out);
	CHECK(r == 0 && out == brk0);

	/* mmap / mprotect split / munmap */
	r = o->mmap(be, W, 0x4000, VMSH_PROT_READ | VMSH_PROT_WRITE,
		    VMSH_MAP_PRIVATE | VMSH_MAP_ANONYMOUS | VMSH_MAP_FIXED, NULL, 0, &out);
	CHECK(r == 0 && out == W);
	r = o->mprotect(be, W + 0x1000, 0x1000, VMSH_PROT_READ);
	CHECK(r == 0);
	t = capture(be, 0, 0, 0, 0, &r);
	CHECK(r == 0 && count_lines(t) == 3);
	CHECK(strstr(t, "200000001000-200000002000 r--p 00000000 00:00 0") != NULL);
	free(t);
	r = o->mmap(be, W, 0x1000, VMSH_PROT_READ, VMSH_MAP_PRIVATE |
		    VMSH_MAP_ANONYMOUS | VMSH_MAP_FIXED_NOREPLACE, NULL, 0, &out);
	CHECK(r == -EEXIST);

	/* accesses */
	r = o->write(be, W + 0xffe, NULL, 0x41, 4, &done, &f);
	CHECK(r == 1 && done == 2 && f.signo == SIGSEGV && f.code == SEGV_ACCERR &&
	      f.addr == W + 0x1000 && f.pid == 1);
	r = o->read(be, W + 0xffc, buf, 8, &done, &f);
	CHECK(r == 0 && done == 8 && buf[2] == 0x41 && buf[3] == 0x41 && buf[4] == 0);
	r = o->touch(be, W + 0x3000, 0x2000, &f);
	CHECK(r == 1 && f.code == SEGV_MAPERR && f.addr == W + 0x4000);
	r = o->write(be, W, (const uint8_t *)"hello", 0, 5, &done, &f);
	CHECK(r == 0 && done == 5);

	/* fork and COW */
	r = o->fork(be, &child);
	CHECK(r == 0 && child == 2);
	CHECK(o->current_pid(be) == 1);
	t = capture(be, child, 1, 1, W, &r);
	CHECK(r == 0 && field(t, "Shared_Dirty:") == 4 && field(t, "Pss:") == 2);
	free(t);
	r = o->write(be, W, NULL, 0x5a, 1, &done, &f);
	CHECK(r == 0);
	t = capture(be, child, 1, 1, W, &r);
	CHECK(r == 0 && field(t, "Private_Dirty:") == 4 && field(t, "Shared_Dirty:") == 0);
	free(t);
	CHECK(o->switch_to(be, child, -1) == 0 && o->current_pid(be) == 2);
	r = o->read(be, W, buf, 5, &done, &f);
	CHECK(r == 0 && !memcmp(buf, "hello", 5));

	/* files */
	CHECK(o->file_create(be, "f", 0x2000, false) == 0);
	CHECK(o->file_create(be, "f", 0x2000, false) == -EEXIST);
	CHECK(o->file_write(be, "f", 0x10, (const uint8_t *)"abc", 3) == 0);
	r = o->mmap(be, W + 0x10000, 0x3000, VMSH_PROT_READ | VMSH_PROT_WRITE,
		    VMSH_MAP_SHARED | VMSH_MAP_FIXED, "f", 0, &out);
	CHECK(r == 0);
	r = o->read(be, W + 0x10010, buf, 3, &done, &f);
	CHECK(r == 0 && !memcmp(buf, "abc", 3));
	r = o->touch(be, W + 0x12000, 1, &f);
	CHECK(r == 1 && f.signo == SIGBUS && f.code == BUS_ADRERR && f.addr == W + 0x12000);
	t = capture(be, 0, 0, 0, 0, &r);
	CHECK(strstr(t, " /dev/shm/f\n") != NULL && !strstr(t, "vmsh-"));
	free(t);
	CHECK(o->file_rm(be, "f") == 0);
	t = capture(be, 0, 0, 0, 0, &r);
	CHECK(strstr(t, " /dev/shm/f (deleted)\n") != NULL);
	free(t);
	r = o->mmap(be, W + 0x20000, 0x1000, VMSH_PROT_READ, VMSH_MAP_SHARED,
		    "/dev/foo", 0, &out);
	CHECK(r == -ENODEV);
	r = o->mmap(be, W + 0x20000, 0x1000, VMSH_PROT_READ, VMSH_MAP_SHARED,
		    "nosuch", 0, &out);
	CHECK(r == -EBADF);

	/* threads, kthreads, kill */
	r = o->clone_vm(be, &thr);
	CHECK(r == 0 && thr == 3);
	CHECK(o->switch_to(be, thr, -1) == 0);
	r = o->read(be, W, buf, 5, &done, &f);
	CHECK(r == 0 && !memcmp(buf, "hello", 5));
	r = o->kthread(be, &kt);
	CHECK(r == 0 && kt == 4);
	CHECK(o->switch_to(be, kt, -1) == 0);
	CHECK(o->munmap(be, W, 0x1000) == -EFAULT);
	CHECK(o->kill(be, 2) == 0);
	CHECK(o->task_exists(be, 3));
	CHECK(o->switch_to(be, 3, -1) == 0);
	t = capture(be, 0, 0, 0, 0, &r);
	CHECK(r == 0 && count_lines(t) >= 3);
	free(t);
	CHECK(o->kill(be, 3) == 0 && !o->task_exists(be, 3));
	CHECK(o->switch_to(be, 1, -1) == 0);

	/* execve: a fresh image, the window empty */
	CHECK(o->execve(be) == 0);
	t = capture(be, 0, 0, 0, 0, &r);
	CHECK(r == 0 && t[0] == 0);
	free(t);
	r = o->mmap(be, W, 0x1000, VMSH_PROT_READ, VMSH_MAP_PRIVATE |
		    VMSH_MAP_ANONYMOUS | VMSH_MAP_FIXED_NOREPLACE, NULL, 0, &out);
	CHECK(r == 0);
	t = capture(be, 0, 1, 0, 0, &r);
	CHECK(r == 0 && field(t, "Size:") == 4 && field(t, "Rss:") == 0);
	free(t);

	o->free(be);
	/* No task left behind. */
	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
