/* SPDX-License-Identifier: MIT */
/*
 * What a shell command reaches: the model (the engine) or, with --host, the
 * running kernel.  Both implement these operations with the same meaning
 * and the same return convention as the engine API (0 or a negative errno;
 * accesses return 1 with *f filled when a signal stopped them).
 *
 * What only the model has -- views with no real counterpart (walk, tlb,
 * tree, ...), rebuilding the machine, tracing -- is the group of
 * operations struct backend_model_ops: the model backend has it, the host
 * backend has none (ops->model == NULL), and the shell then refuses those
 * commands as model-only.  Every command reaches the machine through this
 * interface and nothing else.
 *
 * Implementations: the model (src/shell/model.c, over the engine and the
 * views) and the running kernel (libvmsh-host, src/host/host.h).
 */
#ifndef VMSH_INCLUDE_BACKEND_H
#define VMSH_INCLUDE_BACKEND_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vmsh/vmsh.h"
#include "vmsh/rlimit.h"

struct backend;

/* The views the model can print (src/views/views.h lists what each shows). */
enum backend_view {
	BV_PS, BV_FILES, BV_DEVS, BV_VMAS, BV_WALK, BV_PT, BV_TREE, BV_MM,
	BV_TLB, BV_FRAMES, BV_STAT, BV_CHECK, BV_DOT, BV_MT, BV_MEMINFO,
	BV_LRU,
};

struct backend_view_args {
	int pid;                /* 0: the current task */
	uint64_t addr;          /* BV_WALK */
	uint64_t start, end;    /* BV_PT */
	const char *what;       /* BV_DOT: "tree", "pt", "vmas" or "mt" */
	bool color;             /* BV_VMAS: ANSI colours in the bar */
	bool json;              /* the JSON form (one object), where it has one */
};

struct backend_model_ops {
	/* Print view @v: 0, a negative errno (-ESRCH: no such task), or for
	 * BV_CHECK the number of broken invariants (the text names them). */
	int (*view)(struct backend *be, enum backend_view v,
		    const struct backend_view_args *a, FILE *out);
	/* Build a new machine from @cfg in place of the old one (which is
	 * kept when this fails: false). */
	bool (*rebuild)(struct backend *be, const struct vmsh_config *cfg);
	/* Apply the run-time options of @cfg (vmsh_sys_set_config). */
	int (*set_config)(struct backend *be, const struct vmsh_config *cfg);
	/* Kernel paths taken (NULL: tracing off) and warnings go to @fn. */
	void (*set_trace)(struct backend *be, vmsh_trace_fn *fn, void *ctx);
	/* Ctrl-C: long operations stop when *@flag is set
	 * (vmsh_sys_set_interrupt); kept across rebuilds. */
	void (*set_interrupt)(struct backend *be, const volatile sig_atomic_t *flag);
	/* swapon of an area of @bytes (@on) or swapoff: 0 or a negative
	 * errno (vmsh_swapon, vmsh_swapoff). */
	int (*swap)(struct backend *be, bool on, uint64_t bytes);
	/* The end of a command: background work (kswapd) runs. */
	void (*idle)(struct backend *be);
	/* One scan pass of khugepaged (vmsh_khugepaged). */
	int (*khugepaged)(struct backend *be, struct vmsh_khugepaged_info *out);
	/* The simulated files and the devices (tab completion). */
	int (*file_walk)(struct backend *be, vmsh_file_fn *fn, void *ctx);
	int (*dev_walk)(struct backend *be, vmsh_dev_fn *fn, void *ctx);
	/* The tasks (completion of PID slots). */
	int (*task_walk)(struct backend *be, vmsh_task_fn *fn, void *ctx);
	/* The `layout` command (vmsh/layout.h): @what is "stack", "brk",
	 * "mmap_base", "special", "file", "shm", "shmat" or "rmid" (the
	 * `shmctl ID rmid` command, @a the id); @name the
	 * special mapping or the path; @a, @b the addresses (file: @a the
	 * size; shm: @a the id, @b the key, @c the size; shmat: @a the id,
	 * @b the address, @flag read-only), @flag file's disk. */
	int (*layout)(struct backend *be, const char *what, const char *name,
		      uint64_t a, uint64_t b, uint64_t c, bool flag);
};

struct backend_ops {
	const char *name;       /* "model" or "host" */
	int (*mmap)(struct backend *be, uint64_t addr, uint64_t len, int prot,
		    int flags, const char *file, uint64_t off, uint64_t *out);
	int (*munmap)(struct backend *be, uint64_t addr, uint64_t len);
	int (*mprotect)(struct backend *be, uint64_t addr, uint64_t len, int prot);
	int (*mremap)(struct backend *be, uint64_t addr, uint64_t old_len,
		      uint64_t new_len, int flags, uint64_t new_addr, uint64_t *out);
	int (*madvise)(struct backend *be, uint64_t addr, uint64_t len, int advice);
	int (*mlock)(struct backend *be, uint64_t addr, uint64_t len, int flags);
	int (*munlock)(struct backend *be, uint64_t addr, uint64_t len);
	int (*mlockall)(struct backend *be, int flags);
	int (*munlockall)(struct backend *be);
	int (*mseal)(struct backend *be, uint64_t addr, uint64_t len);
	/* lru_add_drain_all (vmsh_lru_drain_all): 0 or a negative errno */
	int (*drain)(struct backend *be);
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
	/* prlimit of task @pid (0: current), as vmsh_prlimit (vmsh/rlimit.h):
	 * @new (NULL: none) set, the limit before it in @old (NULL: none). */
	int (*prlimit)(struct backend *be, int pid, int res,
		       const struct vmsh_rlimit *new, struct vmsh_rlimit *old);

	int (*file_create)(struct backend *be, const char *name, uint64_t size, bool disk);
	int (*file_write)(struct backend *be, const char *name, uint64_t off,
			  const uint8_t *buf, uint64_t len);
	int (*file_read)(struct backend *be, const char *name, uint64_t off,
			 uint8_t *buf, uint64_t len, uint64_t *done);
	int (*file_truncate)(struct backend *be, const char *name, uint64_t size);
	int (*file_rm)(struct backend *be, const char *name);
	/* an unmapped file gets a new name, replacing @to (file load) */
	int (*file_rename)(struct backend *be, const char *from, const char *to);

	/* /proc/PID/maps and /proc/PID/smaps text of task @pid (0: current);
	 * smaps of the VMA containing @addr only when @one. */
	int (*maps)(struct backend *be, int pid, FILE *out);
	int (*smaps)(struct backend *be, int pid, bool one, uint64_t addr, FILE *out);
	/* /proc/PID/pagemap of the @n pages from @addr (page-aligned) of
	 * task @pid (0: current) into @pm, and /proc/kpageflags of each
	 * present page's frame into @kpf (the VMSH_KPF_MODELLED bits,
	 * vmsh/paging.h): the number of entries filled, fewer when the
	 * range reaches TASK_SIZE (none without an mm), or -ESRCH. */
	int (*pagemap)(struct backend *be, int pid, uint64_t addr, uint64_t n,
		       uint64_t *pm, uint64_t *kpf);

	void (*free)(struct backend *be);

	const struct backend_model_ops *model;  /* NULL: not the model */
};

struct backend {
	const struct backend_ops *ops;
};

#endif /* VMSH_INCLUDE_BACKEND_H */
