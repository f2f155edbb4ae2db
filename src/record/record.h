/* SPDX-License-Identifier: MIT */
/*
 * vmsh record, vmsh import strace, vmsh trace-replay: real programs.
 *
 * record (ptrace.c) and import (strace.c) see a real program's memory
 * system calls and hand them, with the kernel's results, to the script
 * writer (script.c), which writes a vmsh script that rebuilds the
 * program's address-space history in the model: the execve layout
 * (`layout` commands), every call with its placement made a fixed
 * address, fork/clone/execve/exit as task commands, and the kernel's
 * /proc/PID/maps as `#| ` expected-output lines after `maps PID`.
 * trace-replay (replay.c) drives the model with a memory access trace.
 *
 * Layering: this library calls the engine's public API (replay.c drives
 * the model; script.c reads its advice names) and the C library; never the shell, the views or libvmsh-host
 * (tests/layout/check-layout).
 */
#ifndef VMSH_SRC_RECORD_RECORD_H
#define VMSH_SRC_RECORD_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* The subcommands, called by main.c with the words after the subcommand's
 * name; they return the process exit status (2: bad usage). */
int vmsh_record_main(int argc, char **argv);
int vmsh_import_main(int argc, char **argv);
/* trace-replay --layout SCRIPT: a machine built from @cfg that has run
 * SCRIPT (the shell runs it: main.c), or NULL with the reason said on
 * standard error.  The caller frees it (vmsh_sys_free). */
struct vmsh_config;
struct vmsh_sys;
typedef struct vmsh_sys *vmsh_layout_fn(const char *script,
					const struct vmsh_config *cfg);
int vmsh_trace_replay_main(int argc, char **argv, vmsh_layout_fn *layout_fn);

/* ---- the script writer (script.c) ---------------------------------------- */

struct rec;

struct rec *rec_new(FILE *out, bool with_files);
/* The number of memory calls written so far. */
uint64_t rec_calls(const struct rec *r);
void rec_free(struct rec *r);
/* A comment line ("# TEXT"). */
void rec_comment(struct rec *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The next commands are task @vpid's (`switch` when it is not the last's). */
void rec_to(struct rec *r, int vpid);
/* Task @vpid (vmsh's pid) forks or clones (@thread: shares the mm);
 * returns the child's vmsh pid. */
int rec_fork(struct rec *r, int vpid, bool thread);
/* Task @vpid exits; @last: it is the last task (vmsh keeps it). */
void rec_exit(struct rec *r, int vpid, bool last);
/* Task @vpid execs: a fresh mm, then the layout of @maps (the text of
 * /proc/PID/maps at the execve stop; NULL when unknown: the model's
 * initial layout stands in) with @start_brk (0: unknown) and @mmap_base
 * (0: the end of the highest mapping below the maps' [stack]). */
void rec_execve(struct rec *r, int vpid, const char *maps, uint64_t start_brk,
		uint64_t mmap_base);
/* The kernel's maps of task @vpid: `maps VPID` and its `#| ` lines, after
 * growing the stack to the kernel's (accesses are not recorded); @maps
 * NULL: the model's maps alone (a log has none of the kernel's). */
void rec_maps(struct rec *r, int vpid, const char *maps);

/* Memory calls that succeeded, with the kernel's results. @path: the file
 * mapped (NULL: anonymous), of @fsize bytes; @kino its kernel inode. */
void rec_mmap(struct rec *r, int vpid, uint64_t addr, uint64_t len, int prot,
	      int flags, const char *path, uint64_t off, uint64_t fsize);
void rec_munmap(struct rec *r, int vpid, uint64_t addr, uint64_t len);
void rec_mprotect(struct rec *r, int vpid, uint64_t addr, uint64_t len, int prot);
void rec_mremap(struct rec *r, int vpid, uint64_t old, uint64_t oldlen,
		uint64_t newlen, int flags, uint64_t res);
/* The kernel's VMA at @addr has anonymous pages the model's lacks (the
 * accesses are not recorded): `touch @addr` gives it an anon_vma. */
void rec_touch_note(struct rec *r, int vpid, uint64_t addr);
void rec_madvise(struct rec *r, int vpid, uint64_t addr, uint64_t len, int advice);
void rec_brk(struct rec *r, int vpid, uint64_t addr);
/* mlock (onfault), munlock, mlockall (flags), munlockall. */
void rec_mlock(struct rec *r, int vpid, const char *call, uint64_t addr,
	       uint64_t len, int flags);
/* SysV segment @id (@key, @size bytes) attached at @addr / detached. */
void rec_shmat(struct rec *r, int vpid, uint64_t addr, int id, uint32_t key,
	       uint64_t size, bool rdonly);
void rec_shmdt(struct rec *r, int vpid, uint64_t addr, uint64_t size);
/* shmctl(@id, IPC_RMID) succeeded: `shmctl ID rmid` (a comment when the
 * segment was never attached in the script). */
void rec_shm_rmid(struct rec *r, int vpid, int id);
/* Tell the writer the kernel inode of the shared anonymous (or SysV)
 * mapping the last rec_mmap/rec_shmat made, so that `#| ` lines number it
 * as the model does. */
void rec_shm_kino(struct rec *r, unsigned long kino);

/* ---- the layout of an execve seen in a log (elf.c) ------------------------ */

/* What a log shows of one execve: the program's path (absolute when the
 * log let it be resolved) and the read-only mprotects of its startup at
 * addresses no mmap of the log made (the relro of the program and ld.so:
 * start, length). */
struct exec_layout {
	char *path;
	uint64_t cand[8][2];
	unsigned ncand;
	uint64_t start_brk;     /* the first brk(NULL) result, 0: none */
};

/* The maps text (as /proc/PID/maps) of what the kernel mapped at that
 * execve, as far as the log and this machine's files tell it, with
 * *@mmap_base (0: unknown); NULL when nothing is known.  @why gets what
 * is missing (empty: nothing). */
char *exec_layout(const struct exec_layout *x, char *why, size_t size, uint64_t *mmap_base);

/* @path (a file the script made) is unlinked: `file rm`; false when the
 * script has no such file. */
bool rec_unlink(struct rec *r, const char *path);

/* ---- helpers ------------------------------------------------------------- */

/* The text of a whole file (/proc/PID/maps), NUL-terminated; NULL on error. */
char *rec_slurp(const char *path);

#endif /* VMSH_SRC_RECORD_RECORD_H */
