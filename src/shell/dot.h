/* SPDX-License-Identifier: MIT */
/* Graphviz drawings of the model's structures (the `dot` command). */
#ifndef VMSH_SRC_SHELL_DOT_H
#define VMSH_SRC_SHELL_DOT_H

#include <stdio.h>

#include "vmsh/vmsh.h"

/* Write the drawing of @what ("tree", "pt" or "vmas") of task @pid
 * (0: current) to @out.  0 or a negative errno (-EINVAL: unknown @what). */
int dot_write(const struct vmsh_sys *sys, const char *what, int pid, FILE *out);

#endif /* VMSH_SRC_SHELL_DOT_H */
