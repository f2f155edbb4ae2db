/* SPDX-License-Identifier: MIT */
/*
 * Invariant checkers (check.c): each validates one part of the model,
 * never changes it, and adds what it finds to a struct check_report:
 * the number of problems and the text of the first.  vmsh_check runs
 * them all for the `check` command, which prints that text; everywhere
 * else a broken invariant is a bug, and validate_sys() aborts on it
 * (the unit tests call it after every change).
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

#include <stdbool.h>
#include <stddef.h>

struct vmsh_mm;
struct vmsh_sys;

/* What the checkers found: the number of problems, and the first one
 * described in buf (size 0: counted only). */
struct check_report {
	char *buf;
	size_t size;
	int problems;
};

/* An empty report writing into @buf of @size bytes (cleared). */
void check_report_init(struct check_report *r, char *buf, size_t size);
/* Count a problem; the first one is described (printf format). */
void check_report(struct check_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* As the kernel's WARN(): when @cond holds, report the problem (printf
 * format and arguments after it, evaluated only then); the value is
 * @cond, so `if (check_warn(r, bad, ...)) return;` stops at it. */
#define check_warn(r, cond, ...) \
	((cond) ? (check_report((r), __VA_ARGS__), true) : false)

/* The VMAs of @mm: red-black properties, tree order and parent links,
 * rb_subtree_gap, list == in-order tree, alignment, no overlap, below
 * task_size, map_count, anon_vma and file references, mmap_cache; the
 * maple tree (mt_validate: pivots, gaps, node fullness, no adjacent
 * NULLs) maps exactly the list's VMAs, in order. */
void check_mm(const struct vmsh_mm *mm, struct check_report *r);
/* Frames and rss of every mm: each frame's mapcount equals the PTEs
 * mapping it, each mm's rss counters equal its present PTEs of each
 * kind, pgtables_bytes its tables, nfree the free frames. */
void check_pages(const struct vmsh_sys *sys, struct check_report *r);
/* Tasks and mm lifetimes: pids in order, kinds match mms, mm_users =
 * tasks using the mm, mm_count = (users > 0) + lazy borrowers, each CPU's
 * loaded_mm = what runs there's active_mm. */
void check_tasks(const struct vmsh_sys *sys, struct check_report *r);
/* Page caches (pagecache.c's header lists the invariants): every cached
 * frame is its file's, at its index, within EOF, held once by the cache
 * and once per PTE, and a large folio's pages agree on its head. */
void check_files(const struct vmsh_sys *sys, struct check_report *r);
/* LRU lists (check_lru.c): each list well linked, holding folios of its
 * kind and flags and counting their pages; every anonymous and page
 * cache folio on exactly the list its flags name, or waiting in the
 * mlock batch; PG_mlocked pages == NR_MLOCK. */
void check_lru(const struct vmsh_sys *sys, struct check_report *r);
/* Every checker over the whole machine (what vmsh_check reports). */
void check_sys(const struct vmsh_sys *sys, struct check_report *r);
/* Every invariant must hold: on a broken one, the count and the first
 * are written to stderr and the process aborts (a bug, not a state the
 * model can be in). */
void validate_sys(const struct vmsh_sys *sys);

#endif /* VMSH_SRC_ENGINE_CHECKS_H */
