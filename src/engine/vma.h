/* SPDX-License-Identifier: MIT */
/*
 * VMAs (vma.c): struct vmsh_vma, its driver operations, an mm's VMA tree
 * and list (find_vma and friends, link/unlink), and the merge/split
 * primitives shared by mmap, mprotect, madvise, mremap and brk.  A struct
 * vmg describes a range that is added (vma_merge_new_range) or whose
 * attributes change (vma_modify), after Linux's struct vma_merge_struct.
 */
#ifndef VMSH_SRC_ENGINE_VMA_H
#define VMSH_SRC_ENGINE_VMA_H

#include <stdbool.h>
#include <stdint.h>

#include "phys.h"
#include "rbtree.h"
#include "vm_flags.h"

struct anon_vma;
struct vmsh_file;
struct vmsh_mm;
struct vmsh_sys;
struct vmsh_vma;

struct vm_operations {
	const char *name;       /* shown by `vmas`: "shmem_vm_ops", ... */
	void (*open)(struct vmsh_vma *vma);
	void (*close)(struct vmsh_vma *vma);
	/* Return 0 with *pfn set (a referenced frame), or VM_FAULT_SIGBUS... */
	int (*fault)(struct vmsh_vma *vma, uint64_t pgoff, uint64_t *pfn);
	int (*page_mkwrite)(struct vmsh_vma *vma, uint64_t pgoff, uint64_t pfn);
	int (*access)(struct vmsh_vma *vma, uint64_t addr, uint8_t *buf,
		      uint64_t len, bool write);
	/* Fault-around (filemap_map_pages): map the cached, uptodate pages of
	 * file pages [start_pgoff, end_pgoff] around the fault at @addr.
	 * Returns true when the page at @addr got mapped. */
	bool (*map_pages)(struct vmsh_vma *vma, uint64_t addr,
			  uint64_t start_pgoff, uint64_t end_pgoff);
};

struct vmsh_vma {
	uint64_t vm_start, vm_end;
	struct vmsh_vma *vm_next, *vm_prev;   /* sorted list */
	struct rb_node vm_rb;
	uint64_t rb_subtree_gap;
	uint64_t mt_start, mt_end;            /* the range mm_mt holds for it */
	/* file_inode(vm_file)->i_mmap (interval_tree.c): linked there while
	 * the VMA is linked in its mm, keyed by the file pages it maps */
	struct rb_node shared_rb;
	uint64_t shared_first, shared_last, shared_subtree_last;
	bool shared_linked;

	struct vmsh_mm *vm_mm;
	uint64_t vm_flags;
	uint64_t vm_pgoff;                    /* in pages */
	struct vmsh_file *vm_file;
	struct anon_vma *anon_vma;
	const struct vm_operations *vm_ops;
	void *vm_private_data;
};

#define MMAP_MIN_ADDR 65536ULL                 /* SPEC: vm.mmap_min_addr */
#define STACK_GUARD_GAP (256ULL << PAGE_SHIFT)  /* stack_guard_gap */
#define UL(x) ((unsigned long)(x))

static inline uint64_t vma_pages(const struct vmsh_vma *v) { return (v->vm_end - v->vm_start) >> PAGE_SHIFT; }
/* Clip [*start, *end) to @vma; false when nothing of it is left. */
static inline bool vma_clip(const struct vmsh_vma *vma, uint64_t *start,
			    uint64_t *end)
{
	if (*start < vma->vm_start)
		*start = vma->vm_start;
	if (*end > vma->vm_end)
		*end = vma->vm_end;
	return *start < *end;
}

/* The file (or anon linear) page index of @addr in @vma. */
static inline uint64_t linear_page_index(const struct vmsh_vma *vma,
					 uint64_t addr)
{
	return vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
}

/* The address of file page @pgoff in @vma, which maps it (vma_address). */
static inline uint64_t vma_address(const struct vmsh_vma *vma, uint64_t pgoff)
{
	return vma->vm_start + ((pgoff - vma->vm_pgoff) << PAGE_SHIFT);
}

/* vm_start_gap(): a stack's start less its guard gap (0 on underflow). */
static inline uint64_t vm_start_gap(const struct vmsh_vma *vma)
{
	uint64_t start = vma->vm_start;

	if (!(vma->vm_flags & VM_GROWSDOWN))
		return start;
	start -= STACK_GUARD_GAP;
	return start > vma->vm_start ? 0 : start;
}

/* Linux's vma_is_anonymous() is !vma->vm_ops: a private /dev/zero VMA keeps
 * its vm_file (maps shows it) but is anonymous (mremap's pgoff reset,
 * mprotect's VM_ACCOUNT rule); the differential runner sees both. */
bool vma_is_anonymous(const struct vmsh_vma *vma);

/* ---- the tree and the list ----------------------------------------------- */

struct vmsh_vma *find_vma(struct vmsh_mm *mm, uint64_t addr);   /* first with addr < vm_end */
struct vmsh_vma *find_vma_prev(struct vmsh_mm *mm, uint64_t addr, struct vmsh_vma **pprev);
struct vmsh_vma *find_vma_intersection(struct vmsh_mm *mm, uint64_t start,
				       uint64_t end);
struct vmsh_vma *vma_lookup(struct vmsh_mm *mm, uint64_t addr);
struct vmsh_vma *vma_alloc(struct vmsh_mm *mm);
void vma_free(struct vmsh_vma *vma);
/* vm_area_dup(): an unlinked copy of @vma holding its own anon_vma and
 * file references (the caller sets its range, then calls ->open). */
struct vmsh_vma *vm_area_dup(struct vmsh_vma *vma);
void vma_link(struct vmsh_mm *mm, struct vmsh_vma *vma);       /* insert in tree + list */
void vma_unlink(struct vmsh_mm *mm, struct vmsh_vma *vma);
/* Erase [start, end) from the maple tree at once (vma_iter_clear: munmap
 * stores one NULL over the VMAs it removes; their unlink then finds
 * nothing left to erase). */
void vma_iter_clear(struct vmsh_mm *mm, uint64_t start, uint64_t end);
void vma_gap_update(struct vmsh_vma *vma);                     /* after vm_start/vm_end change */
/* Recompute every rb_subtree_gap of @mm's tree if a change made them
 * stale (before a view or a check reads them). */
void vma_gaps_refresh(struct vmsh_mm *mm);
/* After @vma's bounds changed: its own gap and its successor's in the
 * red-black tree, its range in the maple tree. */
void vma_bounds_changed(struct vmsh_vma *vma);
/* Unlinked VMA gone for good: ->close, file and anon_vma references. */
void remove_vma(struct vmsh_vma *vma);

/* ---- merge and split ----------------------------------------------------- */

struct vmg {
	struct vmsh_vma *prev, *middle, *next;
	struct vmsh_vma *target;        /* the VMA that was expanded */
	uint64_t start, end, pgoff, flags;
	struct vmsh_file *file;
	struct anon_vma *anon_vma;
	bool just_expand;               /* brk: merge with prev only */
};

void vmg_init(struct vmg *g, struct vmsh_vma *prev, struct vmsh_vma *middle,
	      uint64_t start, uint64_t end, uint64_t flags);
/* Merge a new range with its neighbours: the expanded VMA or NULL. */
struct vmsh_vma *vma_merge_new_range(struct vmsh_mm *mm, struct vmg *g);
/* Change [start, end) of g->middle: the merged or split-off VMA covering
 * exactly the range, or NULL with *err set (-ENOMEM at max_map_count). */
struct vmsh_vma *vma_modify(struct vmsh_mm *mm, struct vmg *g, int *err);
/* Split @vma at @addr; the new VMA is the lower part when @new_below.
 * split_vma refuses at max_map_count (-ENOMEM); the nocheck form is for
 * munmap, which may go one VMA over it. */
int split_vma(struct vmsh_vma *vma, uint64_t addr, bool new_below);
int split_vma_nocheck(struct vmsh_vma *vma, uint64_t addr, bool new_below);

#endif /* VMSH_SRC_ENGINE_VMA_H */
