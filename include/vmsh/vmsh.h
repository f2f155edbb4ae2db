/* SPDX-License-Identifier: MIT */
/*
 * vmsh engine: the public API.
 *
 * The engine is an in-process model of a Linux x86-64 machine: physical
 * frames, tasks, mm_structs with their VMAs (red-black tree + sorted list),
 * multi-level page tables, a TLB per CPU, simulated files and devices.
 * It does no I/O: its only client is the shell, which formats what the
 * info structs below describe.
 *
 * Conventions
 *  - Every call that can fail returns 0 (or a non-negative value) on
 *    success and a negative errno (-EINVAL, -ENOMEM, ...) on failure; the
 *    engine never touches errno.  Each call checks its arguments in the
 *    order Linux does, so the errno is the one Linux returns.
 *  - A failed call leaves the model exactly as it was, except where Linux
 *    itself leaves a partial change (mprotect before a hole).
 *  - Ownership: struct vmsh_sys owns everything.  Info structs are filled
 *    in by value; strings in them point into the engine and stay valid
 *    until the next mutating call.  Text handed to the trace callback is
 *    valid only during the callback.
 *  - "The current task" is the task the shell types into; memory calls act
 *    on its mm.  A kernel thread has no mm: memory calls on it fail with
 *    -EFAULT and accesses get SIGSEGV.
 */
#ifndef VMSH_INCLUDE_VMSH_H
#define VMSH_INCLUDE_VMSH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vmsh/limits.h"

#define VMSH_PAGE_SHIFT 12
#define VMSH_PAGE_SIZE  4096ULL
/* ---- configuration (the command-line options of SPEC.md) ---------------- */

struct vmsh_config {
	int levels;                 /* 2..5 */
	uint64_t ram;               /* bytes of simulated physical memory */
	unsigned tlb_entries;
	unsigned tlb_ways;          /* == tlb_entries: fully associative */
	unsigned tlb2m_entries;     /* the separate 2 MiB-page TLB; 0: none */
	unsigned tlb2m_ways;
	bool pcid;
	unsigned cpus;
	bool zero_page;
	int thp;                    /* enum vmsh_thp (limits.h); 0 = madvise */
	bool thp_zero_page;         /* transparent_hugepage/use_zero_page */
	uint64_t fault_around;      /* bytes, 0 disables */
	uint64_t max_map_count;
	bool aslr;
	uint64_t aslr_seed;
	bool lazy_flush;            /* teaching switch: skip TLB flushes */
	uint64_t memlock_limit;     /* RLIMIT_MEMLOCK in bytes (8 MiB) */
	uint64_t swap;              /* bytes of swap area at boot (0: none) */
	uint64_t lru_others;        /* pages of active file memory outside the
				     * model, for the workingset test (0) */
	int replace;                /* enum vmsh_replace_policy (replace.h); 0: off */
	uint64_t user_frames;       /* --user-frames: the policy's frames */
	uint64_t replace_seed;      /* RANDOM's seed (0: the fixed seed 1) */
	const uint64_t *replace_future;  /* OPT: the virtual pages pid 1 will */
	size_t replace_future_len;  /*   access (copied by vmsh_sys_new), or NULL */
};

/* Fill @cfg with SPEC.md's defaults. */
void vmsh_config_default(struct vmsh_config *cfg);

struct vmsh_sys;

/* Build a machine with pid 1 running on CPU 0.  Returns NULL only for a
 * configuration outside the documented ranges. */
struct vmsh_sys *vmsh_sys_new(const struct vmsh_config *cfg);
void vmsh_sys_free(struct vmsh_sys *sys);
const struct vmsh_config *vmsh_sys_config(const struct vmsh_sys *sys);
/* Change a run-time option (the shell's `set`); -EINVAL for a value out of
 * range.  Options that shape the machine (levels, ram, cpus, tlb) are only
 * applied by vmsh_sys_new: the shell rebuilds the machine for them. */
int vmsh_sys_set_config(struct vmsh_sys *sys, const struct vmsh_config *cfg);

/* Trace: when set, the engine calls @fn with one line of text for every
 * kernel path it takes ("do_mmap addr=0x0 len=0x2000 ...").  NULL disables. */
typedef void vmsh_trace_fn(void *ctx, const char *line);
void vmsh_sys_set_trace(struct vmsh_sys *sys, vmsh_trace_fn *fn, void *ctx);

/* Warnings (e.g. lazy_flush letting a stale TLB entry through) go to the
 * same callback with a line starting "warning: ". */
void vmsh_sys_set_warn(struct vmsh_sys *sys, vmsh_trace_fn *fn, void *ctx);

/* Interruption (the shell's Ctrl-C): the long operations -- touch, write
 * and read, and fork's copy of the page tables -- read *@flag between
 * pages and stop with -EINTR when it is non-zero, leaving the model
 * consistent: the pages done stay done (an access says where it stopped
 * in f->addr and *done; an interrupted fork creates no child, as a
 * signal makes copy_process give up).  The engine only reads the flag;
 * whoever sets it (a signal handler) clears it.  NULL: never. */
void vmsh_sys_set_interrupt(struct vmsh_sys *sys, const volatile sig_atomic_t *flag);

/* ---- prot, flags, advice ------------------------------------------------ */

#define VMSH_PROT_NONE  0x0
#define VMSH_PROT_READ  0x1
#define VMSH_PROT_WRITE 0x2
#define VMSH_PROT_EXEC  0x4

/* Same values as Linux x86-64. */
#define VMSH_MAP_SHARED          0x01
#define VMSH_MAP_PRIVATE         0x02
#define VMSH_MAP_FIXED           0x10
#define VMSH_MAP_ANONYMOUS       0x20
#define VMSH_MAP_GROWSDOWN       0x0100
#define VMSH_MAP_LOCKED          0x2000
#define VMSH_MAP_NORESERVE       0x4000
#define VMSH_MAP_POPULATE        0x8000
#define VMSH_MAP_FIXED_NOREPLACE 0x100000

#define VMSH_MREMAP_MAYMOVE 1
#define VMSH_MREMAP_FIXED   2

#include "vmsh/advice.h"   /* madvise, mlock, mseal: values and calls */

/* ---- memory calls of the current task ----------------------------------- */

/*
 * mmap.  @file is NULL for MAP_ANONYMOUS, else the name of a simulated file
 * or a device path ("/dev/zero").  On success *@out is the address.
 * Errors: EINVAL, ENOMEM, EEXIST, EPERM, EACCES, ENODEV, EBADF (no such
 * file), EFAULT (no mm).
 */
int vmsh_mmap(struct vmsh_sys *sys, uint64_t addr, uint64_t len, int prot,
	      int flags, const char *file, uint64_t off, uint64_t *out);
int vmsh_munmap(struct vmsh_sys *sys, uint64_t addr, uint64_t len);
int vmsh_mprotect(struct vmsh_sys *sys, uint64_t addr, uint64_t len, int prot);
int vmsh_mremap(struct vmsh_sys *sys, uint64_t addr, uint64_t old_len,
		uint64_t new_len, int flags, uint64_t new_addr, uint64_t *out);
/* brk(@addr); @addr 0 queries.  *@out is the resulting break (brk never
 * fails: like the syscall it returns the old break when it cannot move). */
int vmsh_brk(struct vmsh_sys *sys, uint64_t addr, uint64_t *out);
int vmsh_msync(struct vmsh_sys *sys, uint64_t addr, uint64_t len);

/* ---- memory accesses of the current task -------------------------------- */

enum vmsh_access_kind { VMSH_ACCESS_READ, VMSH_ACCESS_WRITE };

/* Result of an access that did not complete. */
struct vmsh_fault {
	int signo;          /* 0 (none), SIGSEGV, SIGBUS, or SIGKILL (OOM) */
	int code;           /* SEGV_MAPERR, SEGV_ACCERR, BUS_ADRERR */
	uint64_t addr;      /* faulting address */
	int pid;            /* the task signalled (OOM: the task killed) */
};

/*
 * Touch: read one byte at @addr and at each page start after it, up to
 * @addr + @len.  Returns 0, or 1 with *@f filled when a signal stopped it.
 */
int vmsh_touch(struct vmsh_sys *sys, uint64_t addr, uint64_t len,
	       struct vmsh_fault *f);
/* Store @len bytes of @buf at @addr; @buf NULL means fill with @fill. */
int vmsh_write(struct vmsh_sys *sys, uint64_t addr, const uint8_t *buf,
	       uint8_t fill, uint64_t len, uint64_t *done, struct vmsh_fault *f);
/* Load @len bytes into @buf; *@done says how many were read before a fault. */
int vmsh_read(struct vmsh_sys *sys, uint64_t addr, uint8_t *buf, uint64_t len,
	      uint64_t *done, struct vmsh_fault *f);

/* ---- tasks -------------------------------------------------------------- */

enum vmsh_task_kind { VMSH_TASK_PROCESS, VMSH_TASK_THREAD, VMSH_TASK_KTHREAD };

struct vmsh_task_info {
	int pid, ppid;
	enum vmsh_task_kind kind;
	unsigned mm_id;         /* 0: none (kernel thread) */
	unsigned active_mm_id;  /* the mm borrowed by a kernel thread, or 0 */
	int mm_users, mm_count;
	uint64_t map_count;
	uint64_t rss_pages;
	int cpu;                /* CPU it last ran on */
	bool current;
};

int vmsh_current_pid(const struct vmsh_sys *sys);
/*
 * fork: a new process with a copy-on-write copy of the current mm; the
 * current task stays current.  clone_vm: a thread of the current process
 * sharing its mm.  kthread: a kernel thread (no mm).  Pids are 1, 2, 3, ...
 * in creation order, never reused.
 * Errors of fork/clone: ENOMEM (no frames for the copy), EINTR
 * (interrupted: no child, see vmsh_sys_set_interrupt), EAGAIN (pid
 * space exhausted), EFAULT (the current task is a kernel thread).
 */
int vmsh_fork(struct vmsh_sys *sys, int *child_pid);
int vmsh_clone_vm(struct vmsh_sys *sys, int *child_pid);
int vmsh_kthread(struct vmsh_sys *sys, int *child_pid);
/* A fresh mm (initial layout) for the current task.  As Linux's de_thread,
 * the other threads of its process exit first, and a thread that execs
 * takes over its process's pid.  ENOMEM when no frame is left. */
int vmsh_execve(struct vmsh_sys *sys);
/* Exit task @pid (0: the current one) alone: a process's threads live on
 * with its mm.  ESRCH if none; EPERM for the last task (vmsh always keeps
 * a current task).  When the current task exits, the lowest remaining pid
 * becomes current. */
int vmsh_kill(struct vmsh_sys *sys, int pid);
/* Context switch to @pid on @cpu (-1: the current CPU).  ESRCH, EINVAL. */
int vmsh_switch(struct vmsh_sys *sys, int pid, int cpu);
bool vmsh_task_exists(const struct vmsh_sys *sys, int pid);

/* ---- files and devices -------------------------------------------------- */

struct vmsh_file_info {
	const char *name;
	uint64_t size;
	bool disk;
	uint64_t cached_pages, dirty_pages;
	unsigned long ino;
	int mapcount;           /* VMAs mapping it */
};

/*
 * Simulated files (tmpfs-like; @disk: write-notified, written back by
 * msync, read ahead).  Names are plain (no '/'); maps shows
 * "/dev/shm/NAME".
 * create: EINVAL (empty, "/", "." or ".."), ENAMETOOLONG (> 255), EEXIST,
 *         EFBIG (size > 2^63 - 1).
 * write (pwrite; extends i_size): ENOENT, EFBIG, ENOSPC (no frames).
 * read (pread, short at EOF): ENOENT, ENOMEM (disk file, no frames).
 * truncate: ENOENT, EFBIG; shrinking unmaps the pages past the new end
 *         from every mapping (later accesses there: SIGBUS).
 * rm: ENOENT; a mapped file lives on as "NAME (deleted)".
 */
int vmsh_file_create(struct vmsh_sys *sys, const char *name, uint64_t size,
		     bool disk);
int vmsh_file_write(struct vmsh_sys *sys, const char *name, uint64_t off,
		    const uint8_t *buf, uint64_t len);
/* pread: *@done bytes copied (short at EOF). */
int vmsh_file_read(struct vmsh_sys *sys, const char *name, uint64_t off,
		   uint8_t *buf, uint64_t len, uint64_t *done);
int vmsh_file_truncate(struct vmsh_sys *sys, const char *name, uint64_t size);
int vmsh_file_rm(struct vmsh_sys *sys, const char *name);
/* The figures of file @name: 0, or -ENOENT. */
int vmsh_file_find_info(const struct vmsh_sys *sys, const char *name,
			struct vmsh_file_info *out);

struct vmsh_dev_info {
	const char *path;
	const char *description;
};

/* ---- inspection --------------------------------------------------------- */

/* One VMA, as /proc/PID/maps and the `vmas` table need it. */
struct vmsh_vma_info {
	uint64_t start, end;
	uint64_t flags;         /* vm_flags, Linux's VM_* bit values */
	uint64_t pgoff;         /* vm_pgoff, in pages */
	unsigned dev_major, dev_minor;
	unsigned long ino;
	const char *name;       /* "[heap]", "[stack]", "/dev/zero (deleted)",
				   a file path, or NULL */
	unsigned anon_vma_id;   /* 0: none */
	const char *vm_ops;     /* "NULL", "shmem_vm_ops", ... */
	uint64_t rss_pages;
};

/* The per-VMA figures of /proc/PID/smaps, in bytes. */
struct vmsh_smaps {
	uint64_t size, rss, pss, pss_dirty;
	uint64_t shared_clean, shared_dirty, private_clean, private_dirty;
	uint64_t referenced, anonymous, lazyfree, swap, swap_pss, locked;
	uint64_t anon_huge;         /* AnonHugePages: PMD-mapped anon THPs */
	bool thp_eligible;
};
/* Figures for the VMA containing @addr in task @pid's mm. */
int vmsh_smaps(const struct vmsh_sys *sys, int pid, uint64_t addr,
	       struct vmsh_smaps *out);

struct vmsh_mm_info {
	unsigned id;
	int mm_users, mm_count;
	uint64_t map_count, total_vm, locked_vm, data_vm, exec_vm, stack_vm;
	uint64_t rss_file, rss_anon, rss_swap, rss_shmem, hiwater_rss;
	uint64_t pgd_pfn, pgtables_bytes;
	uint64_t mmap_base, task_size, start_brk, brk, start_stack;
};
int vmsh_mm_info(const struct vmsh_sys *sys, int pid, struct vmsh_mm_info *out);

/* The VMA tree, pre-order: depth, colour, key range, subtree gap. */
typedef void vmsh_tree_fn(void *ctx, int depth, char side, bool red,
			  uint64_t start, uint64_t end, uint64_t subtree_gap);
int vmsh_tree_walk(const struct vmsh_sys *sys, int pid, vmsh_tree_fn *fn,
		   void *ctx);

struct vmsh_frame_info {
	uint64_t pfn;
	int refcount, mapcount;
	const char *owner;      /* "anon", "file:NAME", "pagetable", "zero", "dev" */
	bool dirty;
	bool exclusive;
	unsigned folio_pages;   /* a THP's head: 512; its tails: 0 with */
	bool thp_tail;          /* thp_tail set; other frames: 0, false */
};

struct vmsh_tlb_entry_info {
	int cpu;
	unsigned set, way;
	unsigned asid;          /* ASID slot (0 without --pcid) */
	unsigned mm_id;         /* the mm the entry translates for */
	uint64_t vpn, pfn;      /* a 2 MiB entry: its first 4 KiB page's */
	unsigned page_shift;    /* 12, or 21 for the 2 MiB-page TLB */
	bool writable, user, nx, dirty, accessed;
	bool current;           /* tagged with the CPU's current ASID */
};

#define VMSH_TLB_NR_ASIDS 6
/* One CPU's TLB: geometry, what is loaded, and its counters. */
struct vmsh_tlb_cpu_info {
	int cpu;
	unsigned entries, ways, sets, valid;
	unsigned entries_2m, ways_2m, sets_2m, valid_2m;  /* 2 MiB pages */
	int pid;                /* task running on it, 0: none yet */
	unsigned loaded_mm_id;  /* whose page tables CR3 points at (0: none) */
	unsigned asid;          /* current ASID slot */
	bool lazy;              /* a kernel thread borrows loaded_mm (lazy TLB) */
	/* --pcid: the mm cached in each ASID slot (0: free) and the flush
	 * generation it has caught up to. */
	unsigned asid_mm_id[VMSH_TLB_NR_ASIDS];
	uint64_t asid_gen[VMSH_TLB_NR_ASIDS];
	uint64_t hits, misses, walk_refs;
	uint64_t flushes;       /* flushes done on this CPU (local or by IPI) */
	uint64_t shootdowns;    /* flush IPIs this CPU received */
	uint64_t stale_hits;    /* accesses let through by a stale entry (lazy_flush) */
};
/* Information on CPU @cpu; false when there is no such CPU. */
bool vmsh_tlb_cpu_info(const struct vmsh_sys *sys, int cpu,
		       struct vmsh_tlb_cpu_info *out);

/* Event counters in /proc/vmstat style: name and value, in a fixed order;
 * false past the last.  vmsh_stat_hidden: a counter of a group not in use
 * (swap, THP) that `stat` leaves out. */
bool vmsh_stat(const struct vmsh_sys *sys, size_t i, const char **name,
	       uint64_t *value);
bool vmsh_stat_hidden(const struct vmsh_sys *sys, size_t i);

/*
 * Walkers: each calls @fn once per item, in the order given, with an info
 * struct that is valid only during the call (its strings, as every info
 * struct's, until the next mutating call; a frame's owner only during the
 * call).  @fn returns 0 to go on, or non-zero to stop: the walker then
 * returns that value; else it returns 0.  The walkers keep no state in
 * the model (no cursor between calls).
 */
typedef int vmsh_task_fn(void *ctx, const struct vmsh_task_info *t);
typedef int vmsh_file_fn(void *ctx, const struct vmsh_file_info *f);
typedef int vmsh_dev_fn(void *ctx, const struct vmsh_dev_info *d);
typedef int vmsh_vma_fn(void *ctx, const struct vmsh_vma_info *v);
typedef int vmsh_frame_fn(void *ctx, const struct vmsh_frame_info *fr);
typedef int vmsh_tlb_fn(void *ctx, const struct vmsh_tlb_entry_info *e);
/* Tasks in pid order. */
int vmsh_task_walk(const struct vmsh_sys *sys, vmsh_task_fn *fn, void *ctx);
/* Simulated files in name order (devices are not files). */
int vmsh_file_walk(const struct vmsh_sys *sys, vmsh_file_fn *fn, void *ctx);
/* The devices that can be mapped. */
int vmsh_dev_walk(const struct vmsh_sys *sys, vmsh_dev_fn *fn, void *ctx);
/* The VMAs of task @pid (0: current) in address order; -ESRCH when there
 * is no such task (a kernel thread has no mm and so no VMA). */
int vmsh_vma_walk(const struct vmsh_sys *sys, int pid, vmsh_vma_fn *fn,
		  void *ctx);
/* Frames in use, in PFN order. */
int vmsh_frame_walk(const struct vmsh_sys *sys, vmsh_frame_fn *fn, void *ctx);
/* Valid TLB entries, ordered by CPU, then the 4 KiB TLB's by set and way,
 * then the 2 MiB TLB's. */
int vmsh_tlb_walk(const struct vmsh_sys *sys, vmsh_tlb_fn *fn, void *ctx);

/*
 * Validate every invariant of every mm (tree order and colours, list and
 * tree agree, no overlap, map_count, rss counters against the page tables,
 * frame refcounts and mapcounts).  Returns 0 when all hold; otherwise the
 * number of problems, with the first described in @buf.
 */
int vmsh_check(const struct vmsh_sys *sys, char *buf, size_t size);

#include "vmsh/paging.h"
#include "vmsh/reclaim.h"

#endif /* VMSH_INCLUDE_VMSH_H */
