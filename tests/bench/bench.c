/* SPDX-License-Identifier: MIT */
/*
 * vmsh-bench: the same work done by the model and by the running kernel,
 * side by side.  Each case runs a fixed number of operations on both and
 * prints operations per second and the model/host ratio.  Figures, not
 * verdicts: nothing here fails on speed.
 *
 * The host side uses fixed addresses in the window the model's scripts
 * use (0x200000000000 up), so both do the same VMA work.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmsh/vmsh.h"

#define BASE 0x200000000000ULL

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct vmsh_sys *machine(void)
{
	struct vmsh_config cfg;

	vmsh_config_default(&cfg);
	cfg.ram = 4ULL << 30;
	return vmsh_sys_new(&cfg);
}

static void die_on(int err, const char *what)
{
	if (err < 0) {
		fprintf(stderr, "vmsh-bench: %s failed: %s\n", what, strerror(-err));
		exit(1);
	}
}

/* ---- mmap + munmap of one anonymous page --------------------------------- */

static long model_mmap_munmap(long n)
{
	struct vmsh_sys *sys = machine();
	uint64_t a;

	for (long i = 0; i < n; i++) {
		die_on(vmsh_mmap(sys, 0, 4096, VMSH_PROT_READ | VMSH_PROT_WRITE,
				 VMSH_MAP_PRIVATE | VMSH_MAP_ANONYMOUS, NULL, 0, &a), "mmap");
		die_on(vmsh_munmap(sys, a, 4096), "munmap");
	}
	vmsh_sys_free(sys);
	return n;
}

static long host_mmap_munmap(long n)
{
	for (long i = 0; i < n; i++) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED || munmap(p, 4096))
			exit(1);
	}
	return n;
}

/* ---- demand faults: one write per page of a 64 MiB mapping -------------- */

#define FAULT_LEN (64ULL << 20)

static long model_faults(long rounds)
{
	long pages = 0;

	for (long r = 0; r < rounds; r++) {
		struct vmsh_sys *sys = machine();
		struct vmsh_fault f;
		uint64_t a, done;
		uint8_t b = 1;

		die_on(vmsh_mmap(sys, BASE, FAULT_LEN, VMSH_PROT_READ | VMSH_PROT_WRITE,
				 VMSH_MAP_PRIVATE | VMSH_MAP_ANONYMOUS | VMSH_MAP_FIXED,
				 NULL, 0, &a), "mmap");
		for (uint64_t off = 0; off < FAULT_LEN; off += 4096, pages++)
			if (vmsh_write(sys, a + off, &b, 0, 1, &done, &f))
				die_on(-EFAULT, "write");
		die_on(vmsh_munmap(sys, a, FAULT_LEN), "munmap");
		vmsh_sys_free(sys);
	}
	return pages;
}

static long host_faults(long rounds)
{
	long pages = 0;

	for (long r = 0; r < rounds; r++) {
		volatile char *p = mmap((void *)BASE, FAULT_LEN, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p == MAP_FAILED)
			exit(1);
		for (uint64_t off = 0; off < FAULT_LEN; off += 4096, pages++)
			p[off] = 1;
		munmap((void *)p, FAULT_LEN);
	}
	return pages;
}

/* ---- mprotect splitting: every other page of 2048 made read-only -------- */

#define SPLIT_PAGES 2048

static long model_split(long rounds)
{
	long ops = 0;

	for (long r = 0; r < rounds; r++) {
		struct vmsh_sys *sys = machine();
		uint64_t a;

		die_on(vmsh_mmap(sys, BASE, SPLIT_PAGES * 4096ULL,
				 VMSH_PROT_READ | VMSH_PROT_WRITE,
				 VMSH_MAP_PRIVATE | VMSH_MAP_ANONYMOUS | VMSH_MAP_FIXED,
				 NULL, 0, &a), "mmap");
		for (uint64_t i = 0; i < SPLIT_PAGES; i += 2, ops++)
			die_on(vmsh_mprotect(sys, a + i * 4096, 4096, VMSH_PROT_READ),
			       "mprotect");
		vmsh_sys_free(sys);
	}
	return ops;
}

static long host_split(long rounds)
{
	long ops = 0;

	for (long r = 0; r < rounds; r++) {
		char *p = mmap((void *)BASE, SPLIT_PAGES * 4096ULL, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p == MAP_FAILED)
			exit(1);
		for (uint64_t i = 0; i < SPLIT_PAGES; i += 2, ops++)
			if (mprotect(p + i * 4096, 4096, PROT_READ))
				exit(1);
		munmap(p, SPLIT_PAGES * 4096ULL);
	}
	return ops;
}

/* ---- fork of a process with 16 MiB written, child exits ------------------ */

#define FORK_LEN (16ULL << 20)

static long model_fork(long n)
{
	struct vmsh_sys *sys = machine();
	struct vmsh_fault f;
	uint64_t a, done;
	int child;

	die_on(vmsh_mmap(sys, BASE, FORK_LEN, VMSH_PROT_READ | VMSH_PROT_WRITE,
			 VMSH_MAP_PRIVATE | VMSH_MAP_ANONYMOUS | VMSH_MAP_FIXED,
			 NULL, 0, &a), "mmap");
	if (vmsh_write(sys, a, NULL, 0x5a, FORK_LEN, &done, &f))
		die_on(-EFAULT, "write");
	for (long i = 0; i < n; i++) {
		die_on(vmsh_fork(sys, &child), "fork");
		die_on(vmsh_kill(sys, child), "kill");
	}
	vmsh_sys_free(sys);
	return n;
}

static long host_fork(long n)
{
	char *p = mmap((void *)BASE, FORK_LEN, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		exit(1);
	memset(p, 0x5a, FORK_LEN);
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
	}
	munmap(p, FORK_LEN);
	return n;
}

struct bench_case {
	const char *name;
	const char *unit;
	long n;
	long (*model)(long n);
	long (*host)(long n);
};

static const struct bench_case cases[] = {
	{ "mmap+munmap 4K anon", "pairs", 20000, model_mmap_munmap, host_mmap_munmap },
	{ "write fault, 64M anon", "faults", 2, model_faults, host_faults },
	{ "mprotect split 1 page", "calls", 4, model_split, host_split },
	{ "fork+exit, 16M dirty", "forks", 50, model_fork, host_fork },
};

int main(int argc, char **argv)
{
	double scale = argc > 1 ? atof(argv[1]) : 1.0;

	if (scale <= 0)
		scale = 1.0;
	printf("%-24s %8s %14s %14s %8s\n", "benchmark", "unit", "model/s", "host/s",
	       "model/host");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bench_case *c = &cases[i];
		long n = (long)(c->n * scale) > 0 ? (long)(c->n * scale) : 1;
		double t0 = now();
		long mops = c->model(n);
		double t1 = now();
		long hops = c->host(n);
		double t2 = now();
		double m = mops / (t1 - t0), h = hops / (t2 - t1);

		printf("%-24s %8s %14.0f %14.0f %8.3f\n", c->name, c->unit, m, h, m / h);
		fflush(stdout);
	}
	return 0;
}
