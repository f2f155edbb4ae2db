/* SPDX-License-Identifier: MIT */
/*
 * Invariant checkers: each validates one part of the model, never changes
 * it, counts the problems and describes the first.  vmsh_check (check.c)
 * runs them all.
 *
 * Invariants every file keeps:
 *  - an mm's VMAs do not overlap, are page aligned, non-empty, below
 *    task_size; the list is sorted by address and holds exactly the nodes of
 *    the red-black tree; map_count is their number;
 *  - rb_subtree_gap of a node = max(gap before it, children's subtree gaps),
 *    where the gap before a VMA is vm_start - prev->vm_end (prev NULL: vm_start);
 *  - a frame's mapcount is the number of PTEs mapping it; its refcount is
 *    mapcount + other holders (page cache, page-table use of the frame);
 *  - rss counters equal the present PTEs of each kind;
 *  - tasks, mm lifetimes and the page cache as check_tasks and
 *    check_files say.
 */
#ifndef VMSH_SRC_ENGINE_CHECKS_H
#define VMSH_SRC_ENGINE_CHECKS_H

#include <stddef.h>

struct vmsh_mm;
struct vmsh_sys;

/* The VMAs of @mm (check.c): red-black properties, tree order and parent
 * links, rb_subtree_gap, list == in-order tree, alignment, no overlap,
 * below task_size, map_count, anon_vma and file references, mmap_cache.
 * Returns the number of problems, the first described in @buf. */
int check_mm(const struct vmsh_mm *mm, char *buf, size_t size);
/* Frame and rss invariants of every mm (smaps.c): each frame's mapcount
 * equals the PTEs mapping it, each mm's rss counters equal its present
 * PTEs of each kind.  Returns the number of problems, the first described
 * in @buf. */
int check_pages(const struct vmsh_sys *sys, char *buf, size_t size);
/* Task and mm-lifetime invariants (task.c): pids in order, kinds match
 * mms, mm_users = tasks using the mm, mm_count = (users > 0) + lazy
 * borrowers, each CPU's loaded_mm = what runs there's active_mm.  Returns
 * the number of problems, the first described in @buf. */
int check_tasks(const struct vmsh_sys *sys, char *buf, size_t size);
/* Page-cache invariants (check.c; pagecache.c's header lists them):
 * every cached frame is its file's, at its index, within EOF, held once
 * by the cache and once per PTE, and a large folio's pages agree on its
 * head.  Returns the number of problems, the first described in @buf. */
int check_files(const struct vmsh_sys *sys, char *buf, size_t size);

#endif /* VMSH_SRC_ENGINE_CHECKS_H */
