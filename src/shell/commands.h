/* SPDX-License-Identifier: MIT */
/*
 * What the command handlers share (cmd-*.c) and the table (commands.c)
 * lists.
 *
 * Invariants
 *  - A handler consumes and checks all of its words (arg_* helpers, then
 *    arg_end) before it calls the backend, so a parse error changes
 *    nothing.  It returns 0, or -1 once it has printed the error.
 *  - Handlers reach the machine through be(a) only.
 */
#ifndef VMSH_SRC_SHELL_COMMANDS_H
#define VMSH_SRC_SHELL_COMMANDS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "shell.h"

/* Bytes moved per backend call by read, file read, load and save. */
#define CHUNK 65536

static inline struct backend *be(struct args *a)
{
	return a->sh->be;
}

static inline FILE *out(struct args *a)
{
	return a->sh->out;
}

/* A failed call: prints "CMD: ENAME (text)", "CMD: OBJ: ENAME (text)"
 * when a->obj names what it is about, and ": WHY" after it when a->why
 * says more; returns -1. */
int cmd_fail(struct args *a, int err);
/* The command yields @v (name = CMD). */
void cmd_yield(struct args *a, uint64_t v, bool hex);
/* The next word is not one the command expects: the parse error
 * "BEFORE'WORD'AFTER", the word quoted; returns -1. */
int cmd_bad_word(struct args *a, const char *before, const char *after);
/* The fuzzing sandbox refuses host files (EPERM) and accesses over 1 MiB
 * (E2BIG): true, with the error printed. */
bool cmd_sandboxed(struct args *a);
bool cmd_too_long(struct args *a, uint64_t len);
/* A host path vmsh is about to write (file save, dot FILE): -1 after an
 * error line when it exists and is not a regular file. */
int host_target_check(struct args *a, const char *path);
/* Print view @v of the model with @args: refused as model-only when the
 * backend is not the model; -1 once an error is printed.  BV_CHECK's
 * count of broken invariants is returned as is. */
int cmd_view(struct args *a, enum backend_view v,
	     const struct backend_view_args *args);
/* An optional PID word (0 when absent). */
int cmd_opt_pid(struct args *a, int *pid);

/* cmd-memory.c: memory calls and accesses */
int cmd_mmap(struct args *a);
int cmd_munmap(struct args *a);
int cmd_mprotect(struct args *a);
int cmd_mremap(struct args *a);
int cmd_madvise(struct args *a);
int cmd_mlock(struct args *a);
int cmd_munlock(struct args *a);
int cmd_mlockall(struct args *a);
int cmd_munlockall(struct args *a);
int cmd_mseal(struct args *a);
int cmd_brk(struct args *a);
int cmd_msync(struct args *a);
int cmd_touch(struct args *a);
int cmd_write(struct args *a);
int cmd_read(struct args *a);
/* cmd-task.c */
int cmd_fork(struct args *a);
int cmd_clone(struct args *a);
int cmd_kthread(struct args *a);
int cmd_execve(struct args *a);
int cmd_kill(struct args *a);
int cmd_switch(struct args *a);
int cmd_ps(struct args *a);
int cmd_setrlimit(struct args *a);
int cmd_limits(struct args *a);
/* cmd-file.c */
int cmd_file(struct args *a);
int cmd_dev(struct args *a);
/* cmd-layout.c */
int cmd_layout(struct args *a);
int cmd_shmctl(struct args *a);
/* cmd-inspect.c */
int cmd_maps(struct args *a);
int cmd_smaps(struct args *a);
int cmd_vmas(struct args *a);
int cmd_walk(struct args *a);
int cmd_pagemap(struct args *a);
int cmd_pt(struct args *a);
int cmd_tree(struct args *a);
int cmd_mt(struct args *a);
int cmd_mm(struct args *a);
int cmd_tlb(struct args *a);
int cmd_frames(struct args *a);
int cmd_stat(struct args *a);
int cmd_khugepaged(struct args *a);
int cmd_meminfo(struct args *a);
int cmd_lru(struct args *a);
int cmd_drain(struct args *a);
int cmd_swapon(struct args *a);
int cmd_swapoff(struct args *a);
int cmd_trace(struct args *a);
int cmd_dot(struct args *a);
int cmd_check(struct args *a);
/* cmd-shell.c */
int cmd_help(struct args *a);
int cmd_echo(struct args *a);
/* cmd-assert.c */
int cmd_assert(struct args *a);
int cmd_source(struct args *a);
int cmd_set(struct args *a);
int cmd_reset(struct args *a);
int cmd_exit(struct args *a);
int cmd_time(struct args *a);
/* help.c */
int cmd_apropos(struct args *a);

#endif /* VMSH_SRC_SHELL_COMMANDS_H */
