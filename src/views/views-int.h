/* SPDX-License-Identifier: MIT */
/* The views' pieces that only view_print() calls. */
#ifndef VMSH_SRC_VIEWS_VIEWS_INT_H
#define VMSH_SRC_VIEWS_VIEWS_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vmsh/vmsh.h"

/* vmas.c: the VMA table, then the address-space bar (log scale, ANSI
 * colours by permission when @color; nothing for a task without an mm) */
int view_vmas(const struct vmsh_sys *sys, int pid, FILE *out, bool color);
/* The VMAs of @pid in a malloc'd array (the caller frees it); their
 * strings stay valid until the model changes. */
size_t view_collect_vmas(const struct vmsh_sys *sys, int pid,
			 struct vmsh_vma_info **out);
/* paging.c */
int view_walk(const struct vmsh_sys *sys, int pid, uint64_t addr, FILE *out);
int view_pt(const struct vmsh_sys *sys, int pid, uint64_t start, uint64_t end,
	    FILE *out);
int view_frames(const struct vmsh_sys *sys, FILE *out);
/* "process", "thread" or "kthread": ps and its JSON form. */
const char *task_kind_name(enum vmsh_task_kind k);
int view_meminfo(const struct vmsh_sys *sys, FILE *out);
int view_lru(const struct vmsh_sys *sys, const char *list, FILE *out);
/* tlb.c: each CPU's lines, then the entries and the tlb counters */
int view_tlb(const struct vmsh_sys *sys, FILE *out);
/* dot.c: the Graphviz drawing of @what ("tree", "pt", "vmas"); -EINVAL
 * for anything else */
int view_dot(const struct vmsh_sys *sys, const char *what, int pid, FILE *out);
/* mt.c: the maple tree as text (`mt`) and as a Graphviz drawing */
int view_mt(const struct vmsh_sys *sys, int pid, FILE *out);
int view_dot_mt(const struct vmsh_sys *sys, int pid, FILE *out);
/* view.c: the counters whose name starts with @prefix */
void view_stat_lines(const struct vmsh_sys *sys, const char *prefix, FILE *out);
/* view.c: with --replace, the replace_* lines of `stat` (after the
 * counters) whose name starts with @prefix */
void view_replace_lines(const struct vmsh_sys *sys, const char *prefix,
			FILE *out);
/* dot.c and bar.c: a growing array (aborts when the host has no memory) */
void *view_grow(void *p, size_t *cap, size_t n, size_t size);

#endif /* VMSH_SRC_VIEWS_VIEWS_INT_H */
