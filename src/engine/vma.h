/* SPDX-License-Identifier: MIT */
/*
 * Merge/split primitives of the VMA engine (vma.c), shared by mmap.c,
 * mprotect/madvise/mremap/brk code.  A struct vmg describes a range that
 * is added (vma_merge_new_range) or whose attributes change (vma_modify),
 * after Linux's struct vma_merge_struct.
 */
#ifndef VMSH_SRC_ENGINE_VMA_H
#define VMSH_SRC_ENGINE_VMA_H

#include "engine.h"

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
int split_vma(struct vmsh_vma *vma, uint64_t addr, bool new_below);
int split_vma_nocheck(struct vmsh_vma *vma, uint64_t addr, bool new_below);
void vma_bounds_changed(struct vmsh_vma *vma);
struct vmsh_vma *find_vma_intersection(struct vmsh_mm *mm, uint64_t start,
				       uint64_t end);
struct vmsh_vma *vma_lookup(struct vmsh_mm *mm, uint64_t addr);
bool vma_had_uncowed_parents(const struct vmsh_vma *vma);
/* Unlinked VMA gone for good: ->close, file and anon_vma references. */
void remove_vma(struct vmsh_vma *vma);

#define MMAP_MIN_ADDR 65536ULL                 /* SPEC: vm.mmap_min_addr */
#define STACK_GUARD_GAP (256ULL << PAGE_SHIFT)  /* stack_guard_gap */
#define UL(x) ((unsigned long)(x))

/* calc_vm_prot_bits(): PROT_* to VM_READ/WRITE/EXEC. */
static inline uint64_t calc_vm_prot_bits(int prot)
{
	return (prot & VMSH_PROT_READ ? VM_READ : 0) |
	       (prot & VMSH_PROT_WRITE ? VM_WRITE : 0) |
	       (prot & VMSH_PROT_EXEC ? VM_EXEC : 0);
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

static inline struct vmsh_mm *current_mm(struct vmsh_sys *sys)
{
	return sys->current ? sys->current->mm : NULL;
}

/* mm.c */
uint64_t mm_task_size(int levels);

/* mmap.c */
int do_vmi_munmap(struct vmsh_mm *mm, uint64_t start, uint64_t len);
uint64_t get_unmapped_area(struct vmsh_mm *mm, struct vmsh_file *file,
			   uint64_t addr, uint64_t len, uint64_t pgoff,
			   int flags, uint64_t vm_flags);
void vm_stat_account(struct vmsh_mm *mm, uint64_t flags, int64_t npages);
void exit_mmap(struct vmsh_mm *mm);

#endif /* VMSH_SRC_ENGINE_VMA_H */
