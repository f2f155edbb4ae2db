/* SPDX-License-Identifier: MIT */
/* Graphviz drawings of the model's structures (the `dot` command). */
#ifndef VMSH_SRC_SHELL_DOT_H
#define VMSH_SRC_SHELL_DOT_H

#include <stdbool.h>
#include <stdio.h>

#include "vmsh/vmsh.h"

/* Write the drawing of @what ("tree", "pt" or "vmas") of task @pid
 * (0: current) to @out.  0 or a negative errno (-EINVAL: unknown @what). */
int dot_write(const struct vmsh_sys *sys, const char *what, int pid, FILE *out);

/* The ASCII address-space bar of `vmas`: task @pid's VMAs and gaps from 0
 * to TASK_SIZE on a log scale, two lines on @out; ANSI colours (by
 * permission) when @color.  Prints nothing when the task has no mm. */
void print_vma_bar(const struct vmsh_sys *sys, int pid, FILE *out, bool color);

/* The per-CPU lines of `tlb`: geometry, what is loaded (ASID slots with
 * --pcid, lazy TLB), hits, misses, walk references, flushes, shootdowns. */
void print_tlb_cpus(const struct vmsh_sys *sys, FILE *out);

#endif /* VMSH_SRC_SHELL_DOT_H */
