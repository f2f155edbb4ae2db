/* SPDX-License-Identifier: MIT */
/*
 * What a shell command reaches: the model (the engine) or, with --host, the
 * running kernel.  Both implement these operations with the same meaning
 * and the same return convention as the engine API (0 or a negative errno;
 * accesses return 1 with *f filled when a signal stopped them).
 *
 * Inspection that has no real counterpart (walk, tlb, tree, ...) is not
 * here: the shell reaches the engine for it directly, and in --host mode
 * says the command is model-only.
 */
#ifndef VMSH_SRC_SHELL_BACKEND_H
#define VMSH_SRC_SHELL_BACKEND_H

#include <stdint.h>
#include <stdio.h>

#include "vmsh/vmsh.h"

struct backend;

struct backend_ops {
	const char *name;       /* "model" or "host" */
	int (*mmap)(struct backend *be, uint64_t addr, uint64_t len, int prot,
		    int flags, const char *file, uint64_t off, uint64_t *out);
	int (*munmap)(struct backend *be, uint64_t addr, uint64_t len);
	int (*mprotect)(struct backend *be, uint64_t addr, uint64_t len, int prot);
	int (*mremap)(struct backend *be, uint64_t addr, uint64_t old_len,
		      uint64_t new_len, int flags, uint64_t new_addr, uint64_t *out);
	int (*madvise)(struct backend *be, uint64_t addr, uint64_t len, int advice);
	int (*brk)(struct backend *be, uint64_t addr, uint64_t *out);
	int (*msync)(struct backend *be, uint64_t addr, uint64_t len);

	int (*touch)(struct backend *be, uint64_t addr, uint64_t len,
		     struct vmsh_fault *f);
	int (*write)(struct backend *be, uint64_t addr, const uint8_t *buf,
		     uint8_t fill, uint64_t len, uint64_t *done, struct vmsh_fault *f);
	int (*read)(struct backend *be, uint64_t addr, uint8_t *buf, uint64_t len,
		    uint64_t *done, struct vmsh_fault *f);

	int (*fork)(struct backend *be, int *child);
	int (*clone_vm)(struct backend *be, int *child);
	int (*kthread)(struct backend *be, int *child);
	int (*execve)(struct backend *be);
	int (*kill)(struct backend *be, int pid);
	int (*switch_to)(struct backend *be, int pid, int cpu);
	int (*current_pid)(struct backend *be);
	bool (*task_exists)(struct backend *be, int pid);

	int (*file_create)(struct backend *be, const char *name, uint64_t size, bool disk);
	int (*file_write)(struct backend *be, const char *name, uint64_t off,
			  const uint8_t *buf, uint64_t len);
	int (*file_read)(struct backend *be, const char *name, uint64_t off,
			 uint8_t *buf, uint64_t len, uint64_t *done);
	int (*file_truncate)(struct backend *be, const char *name, uint64_t size);
	int (*file_rm)(struct backend *be, const char *name);

	/* /proc/PID/maps and /proc/PID/smaps text of task @pid (0: current);
	 * smaps of the VMA containing @addr only when @one. */
	int (*maps)(struct backend *be, int pid, FILE *out);
	int (*smaps)(struct backend *be, int pid, bool one, uint64_t addr, FILE *out);

	void (*free)(struct backend *be);
};

struct backend {
	const struct backend_ops *ops;
};

/* model.c: the engine behind the backend interface. */
struct backend *model_backend_new(struct vmsh_sys *sys);
/* host.c: real processes.  NULL with a message on @err when refused. */
struct backend *host_backend_new(FILE *err);

#endif /* VMSH_SRC_SHELL_BACKEND_H */
