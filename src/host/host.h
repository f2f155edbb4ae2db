/* SPDX-License-Identifier: MIT */
/*
 * libvmsh-host: the running kernel behind the backend interface
 * (vmsh/backend.h), for `vmsh --host` and the differential tests.
 *
 * Each simulated task is a real process or thread; linking the library
 * also installs the start-up hook that turns a re-executed vmsh into such
 * a task (task.c), so a program that links it must be able to re-execute
 * itself (/proc/self/exe).
 */
#ifndef VMSH_SRC_HOST_HOST_H
#define VMSH_SRC_HOST_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vmsh/backend.h"

/* A backend of real processes; NULL, with the reason written to @err,
 * when this system cannot run it (not Linux, no /proc, one already). */
struct backend *host_backend_new(FILE *err);
/* --host-unsafe: calls may reach the helper's own memory (no safe
 * window; see window.c). */
void host_set_unsafe(struct backend *be, bool unsafe);
/* RLIMIT_AS of the tasks: their own size plus 4 x @ram (at least 1 GiB);
 * the limits a script sees start as a model process's (@ram, @memlock:
 * vmsh_rlimit_defaults). */
void host_set_limits(struct backend *be, uint64_t ram, uint64_t memlock);
/* --swap with --host: a private swap file of @bytes for the run
 * (/var/tmp/vmsh-PID-XXXXXX/swap, swapon; swapoff and removed at exit,
 * on error and on signals).  -1 after one line on @err when that cannot
 * be done (not root, no swap support). */
int host_swap_setup(struct backend *be, uint64_t bytes, FILE *err);

/* Does the running kernel map the shared zero page on an anonymous read
 * fault?  1 yes, 0 no (it allocates a page: Rss grows), or a negative
 * errno when it cannot tell (probe.c). */
int host_zero_page(void);

#endif /* VMSH_SRC_HOST_HOST_H */
