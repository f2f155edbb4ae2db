/* SPDX-License-Identifier: MIT */
/*
 * A small program for `vmsh record` tests: it maps a file shared and
 * private, mprotects, mremaps (in place and moving), madvises, grows the
 * break, forks (the child unmaps and exits), runs a thread that maps
 * memory on a stack of its own and one on a stack glibc allocates
 * (MAP_STACK with a guard page) that mallocs in a new arena, attaches a
 * SysV segment twice (read-write, kept; read-only, detached), and execs
 * (`prog exec` execs /bin/true from a child).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static void *thread_fn(void *arg)
{
	char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	p[0] = 1;
	munmap(p + 4096, 4096);
	return arg;
}

/* malloc in a second thread: glibc makes it an arena (a 64 MiB PROT_NONE
 * reservation, trimmed to its aligned half, its start mprotected rw) */
static void *arena_fn(void *arg)
{
	char *volatile p = malloc(100000);

	if (p)
		p[0] = 1;
	free(p);
	return arg;
}

int main(int argc, char **argv)
{
	char path[] = "/tmp/vmsh-rec-XXXXXX";
	int fd = mkstemp(path);
	char *s, *q, *a, *m;
	pthread_t th;
	pthread_attr_t attr;
	void *stack;
	pid_t pid;
	int shm, shm2;

	if (fd < 0 || ftruncate(fd, 5 * 4096) < 0)
		return 1;
	s = mmap(NULL, 5 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	q = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE, fd, 4096);
	if (s == MAP_FAILED || q == MAP_FAILED)
		return 1;
	unlink(path);
	s[0] = 'x';
	mprotect(s + 4096, 4096, PROT_READ);
	a = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(a, 1, 8 * 4096);
	madvise(a, 2 * 4096, MADV_DONTNEED);
	mprotect(a + 4 * 4096, 2 * 4096, PROT_NONE);
	m = mremap(a + 6 * 4096, 2 * 4096, 64 * 4096, MREMAP_MAYMOVE);
	if (m != MAP_FAILED)
		m = mremap(m, 64 * 4096, 16 * 4096, 0);
	(void)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	free(malloc(300000));           /* an mmap'd chunk */
	(void)sbrk(200000);             /* the break grows */
	pid = fork();
	if (pid == 0) {
		munmap(q, 4096);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	/* a thread on a stack of ours, then one on glibc's: MAP_STACK, which
	 * is VM_NOHUGEPAGE on Linux >= 6.7 (replayed as madvise nohugepage),
	 * with a PROT_NONE guard page below it */
	pthread_attr_init(&attr);
	stack = mmap(NULL, 256 * 1024, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stack != MAP_FAILED &&
	    pthread_attr_setstack(&attr, stack, 256 * 1024) == 0 &&
	    pthread_create(&th, &attr, thread_fn, NULL) == 0)
		pthread_join(th, NULL);
	if (pthread_create(&th, NULL, arena_fn, NULL) == 0)
		pthread_join(th, NULL);
	/* a SysV segment (IPC_PRIVATE: runs in parallel never share one),
	 * removed at once: it lives while attached */
	shm = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
	if (shm >= 0) {
		char *rw = shmat(shm, NULL, 0), *ro = shmat(shm, NULL, SHM_RDONLY);

		char *again;

		shmctl(shm, IPC_RMID, NULL);
		if (rw != (char *)-1)
			rw[0] = 1;
		if (ro != (char *)-1)
			shmdt(ro);
		/* attached again by its id after IPC_RMID (Linux allows it
		 * while the segment has an attach), then detached */
		again = shmat(shm, NULL, 0);
		if (again != (char *)-1)
			shmdt(again);
	}
	/* a segment removed with no attach goes at once */
	shm2 = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	if (shm2 >= 0) {
		char *p2 = shmat(shm2, NULL, 0);

		if (p2 != (char *)-1)
			shmdt(p2);
		shmctl(shm2, IPC_RMID, NULL);
	}
	if (argc > 1 && !strcmp(argv[1], "exec")) {
		pid = fork();
		if (pid == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	}
	close(fd);
	return 0;
}
