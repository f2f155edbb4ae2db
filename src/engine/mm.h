/* SPDX-License-Identifier: MIT */
/*
 * mm_struct (mm.c): an address space -- its VMAs (tree and list), page
 * tables, counters and layout -- with its reference counts and rss
 * counters; and the address-space calls mmap.c offers the other files
 * (munmap, placement, exit_mmap).
 */
#ifndef VMSH_SRC_ENGINE_MM_H
#define VMSH_SRC_ENGINE_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maple_tree.h"
#include "phys.h"
#include "rbtree.h"

struct page;
struct vmsh_file;
struct vmsh_sys;
struct vmsh_vma;

enum { MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES, NR_MM_COUNTERS };

struct vmsh_mm {
	unsigned id;
	struct vmsh_sys *sys;
	struct maple_tree mm_mt;              /* the VMAs, as Linux 6.1+ keeps them */
	struct rb_root mm_rb;                 /* the pre-6.1 index, kept beside it */
	bool rb_gaps_stale;                   /* its rb_subtree_gaps need vma_gaps_refresh */
	bool mt_dup;                          /* fork is copying the tree (__mt_dup): stores untraced */
	struct vmsh_vma *mmap;                /* first VMA of the list */
	struct vmsh_vma *mmap_cache;          /* last find_vma hit */
	uint64_t map_count;
	int mm_users, mm_count;
	uint64_t total_vm, locked_vm, data_vm, exec_vm, stack_vm;
	uint64_t def_flags;                   /* VM_LOCKED_MASK after mlockall(MCL_FUTURE) */
	int64_t rss[NR_MM_COUNTERS];
	uint64_t hiwater_rss;
	uint64_t pgd;                         /* pfn of the top table */
	uint64_t pgtables_bytes;
	uint64_t mmap_base, task_size, mmap_window;
	uint64_t mmap_rnd, stack_rnd_max;     /* --aslr: mmap_base's offset, the
					       * stack's largest (mmap_base()) */
	uint64_t start_brk, brk, start_stack;
	uint64_t tlb_gen;                     /* bumped by every TLB flush of this mm (tlb.c) */
	/* The PTE table the last hardware walk reached, its 2 MiB region
	 * and phys.table_gen then: the next walk of that region starts
	 * there (tlb.c; a shortcut of the host, not a modelled cache: the
	 * walk still counts a reference a level) */
	uint64_t *walk_table;
	uint64_t walk_region, walk_gen;
	/* mmu_gather state: memory.c's tlb_gather_mmu/tlb_finish_mmu open
	 * and flush it, pgtable.c's tlb_adjust_range records into it */
	int gather_depth;
	bool gather_fullmm, gather_any;
	uint64_t gather_lo, gather_hi;
	unsigned gather_shift;                /* smallest level cleared (0: none) */
	/* huge PMDs split whose pmdp_invalidate flush is still to be done
	 * (pgtable.c records, tlb.c's tlb_flush_splits flushes) */
	uint64_t *splits;
	size_t nr_splits, cap_splits;
	struct vmsh_mm *next_all;             /* sys->mms list */
	struct vmsh_mm **pprev_all;           /* what points at it there */
	bool gate_vma;                        /* shows [vsyscall] (layout.c) */
	bool khugepaged_entered;              /* MMF_VM_HUGEPAGE: on khugepaged's list */
};

/* An mm with no VMA: mm_users = mm_count = 1, a PGD (pgtable_init), the
 * layout fields of a new process (task_size, mmap_window, mmap_base,
 * start_brk = brk, start_stack), an id, linked on sys->mms; everything else
 * zero.  NULL when no frame is left for the PGD.  fork's dup_mm builds on
 * it; mm_new is mm_alloc plus the initial [stack] VMA. */
struct vmsh_mm *mm_alloc(struct vmsh_sys *sys);
struct vmsh_mm *mm_new(struct vmsh_sys *sys);        /* initial layout */
/* arch_pick_mmap_layout at execve: mmap_base below a stack gap of
 * @rlim_stack (the exec'ing task's RLIMIT_STACK); mm_alloc uses 8 MiB. */
void mm_pick_mmap_base(struct vmsh_mm *mm, uint64_t rlim_stack);
void mm_get(struct vmsh_mm *mm);                     /* mm_users++ */
void mm_put(struct vmsh_mm *mm);                     /* mm_users--, teardown at 0 */
void mmgrab(struct vmsh_mm *mm);                     /* mm_count++ */
void mmdrop(struct vmsh_mm *mm);                     /* mm_count--, free at 0 */
/* mlock_future_ok() (mlock.c): may @mm lock @bytes more (when @vm_flags
 * has VM_LOCKED) under RLIMIT_MEMLOCK? */
bool mlock_future_ok(const struct vmsh_mm *mm, uint64_t vm_flags,
		     uint64_t bytes);
/* rlimit.c: the current task's soft and hard limit of @res
 * (VMSH_RLIMIT_*; no current task: unlimited), and may_expand_vm(): may
 * @mm grow by @npages of a mapping with @flags under RLIMIT_AS and, for
 * a private writable one, RLIMIT_DATA? */
uint64_t rlimit(const struct vmsh_sys *sys, int res);
uint64_t rlimit_max(const struct vmsh_sys *sys, int res);
bool may_expand_vm(struct vmsh_mm *mm, uint64_t flags, uint64_t npages);
/* TASK_SIZE of an address space of @levels page-table levels. */
uint64_t mm_task_size(int levels);

/* ---- rss counters -------------------------------------------------------- */

void mm_add_rss(struct vmsh_mm *mm, int counter, int64_t delta);
uint64_t mm_rss(const struct vmsh_mm *mm);
/* hiwater_rss = max(hiwater_rss, rss): call just before rss decreases. */
void update_hiwater_rss(struct vmsh_mm *mm);
/*
 * The rss counter a page mapped by a normal (non-special) PTE is charged
 * to, as mm_counter() does: anonymous -> MM_ANONPAGES; page cache of tmpfs
 * and shmem (swap-backed) -> MM_SHMEMPAGES; disk file page or a lazy
 * device's page -> MM_FILEPAGES.  -1 for the zero page and for frames of
 * a PFNMAP (their PTEs carry _PAGE_SPECIAL and are never counted:
 * vm_normal_page returns NULL).  The zap and the COW copy (a file page
 * replaced by an anonymous copy) use it.  A page cache page tells by its
 * flag, as mm_counter_file() by PG_swapbacked: a disk file's page is on
 * the file lists (file_lru), tmpfs's and shmem's are not; one out of its
 * file's cache (no mapping) counts as a file page.
 */
static inline int page_mm_counter(const struct page *p)
{
	switch (p->kind) {
	case PAGE_ANON:
		return MM_ANONPAGES;
	case PAGE_FILE:
		return page_mapping_id(p) && !p->file_lru ? MM_SHMEMPAGES :
							    MM_FILEPAGES;
	case PAGE_DEV:
		return MM_FILEPAGES;
	default:
		return -1;
	}
}

/* ---- mmap.c -------------------------------------------------------------- */

/* do_mmap of @file (NULL: anonymous; shared: a new shmem file) at page
 * offset @pgoff, for the current task: vmsh_mmap after its file lookup,
 * and shmat (shm.c) with a segment's file, opened @read_only (a shared
 * mapping of it has neither VM_SHARED nor VM_MAYWRITE). */
int do_mmap(struct vmsh_sys *sys, struct vmsh_file *file, bool read_only,
	    uint64_t addr, uint64_t len, int prot, int flags, uint64_t pgoff,
	    uint64_t *out);
/* munmap of [start, start + len) (do_vmi_munmap): 0, -EINVAL, -ENOMEM. */
int do_vmi_munmap(struct vmsh_mm *mm, uint64_t start, uint64_t len);
/* Where a mapping of @len bytes goes (get_unmapped_area): 0 and the
 * address in *@out, or a negative errno (never an address: one at or
 * above 2^63 is not an error). */
int get_unmapped_area(struct vmsh_mm *mm, struct vmsh_file *file,
		      uint64_t addr, uint64_t len, uint64_t pgoff,
		      int flags, uint64_t vm_flags, uint64_t *out);
/* total_vm, exec_vm, stack_vm, data_vm follow @npages of @flags. */
void vm_stat_account(struct vmsh_mm *mm, uint64_t flags, int64_t npages);
/* Every VMA and page table of @mm goes (the last mm_users reference). */
void exit_mmap(struct vmsh_mm *mm);

/*
 * The range checks madvise and mseal open with: @start page-aligned,
 * @len_in rounded up to pages without wrapping past 2^64. -EINVAL for a
 * bad range, 0 for an empty one (the call succeeds doing nothing), 1 and
 * the end in *@end for a range to work on.
 */
int user_range(uint64_t start, uint64_t len_in, uint64_t *end);

#endif /* VMSH_SRC_ENGINE_MM_H */
