/* SPDX-License-Identifier: MIT */
/*
 * mm_struct: creation with the initial layout of a new process, reference
 * counting (mm_users / mm_count), rss counters and teardown.
 *
 * Invariants kept:
 *  - mm_users > 0 while a task uses the mm; at 0 every VMA and page table
 *    is gone (exit_mmap) and the users' single mm_count reference dropped;
 *  - an mm is on sys->mms exactly while mm_count > 0;
 *  - hiwater_rss >= the rss seen just before any decrease.
 *
 * Layout without --aslr (SPEC.md "The machine"), L = page-table levels:
 *   task_size = 2^(12+9L-1) - 4096, window = task_size (L <= 4) or the
 *   47-bit one (L = 5); [stack] = [window - 132K, window);
 *   mmap_base = window - 128 MiB (mmap_base(): RLIMIT_STACK + the guard
 *   gap, at least 128 MiB, at most 5/6 of the window; an execve after
 *   `setrlimit stack` moves it); start_brk = brk = window/3*2 (page
 *   aligned) + 0x5000.
 */
#include "config.h"

#include <stdlib.h>

#include "file.h"
#include "huge_memory.h"
#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "sys.h"
#include "vm_flags.h"
#include "vma.h"

#define SZ_128M (128ULL << 20)
#define STACK_INIT_SIZE (132ULL << 10)
#define STACK_RND_PAGES 0x3fffffULL          /* x86 STACK_RND_MASK */
#define MMAP_RND_BITS 28                     /* x86-64 mmap_rnd_bits default */
#define BRK_RND_RANGE 0x02000000ULL          /* arch_randomize_brk */

static uint64_t rng_next(struct vmsh_sys *sys)
{
	/* splitmix64 */
	uint64_t z = (sys->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t mm_task_size(int levels)
{
	return (1ULL << (12 + 9 * levels - 1)) - PAGE_SIZE;
}

struct vmsh_mm *mm_alloc(struct vmsh_sys *sys)
{
	struct vmsh_mm *mm = xcalloc(1, sizeof(*mm));
	uint64_t window, stack_rnd = 0, mmap_rnd = 0, brk_rnd = 0;

	mm->sys = sys;
	mt_init(&mm->mm_mt, true);      /* MT_FLAGS_ALLOC_RANGE, as mm_init */
	mm->mm_users = 1;
	mm->mm_count = 1;
	mm->task_size = mm_task_size(sys->cfg.levels);
	window = sys->cfg.levels <= 4 ? mm->task_size : (1ULL << 47) - PAGE_SIZE;
	mm->mmap_window = window;
	if (sys->cfg.aslr) {
		stack_rnd = (rng_next(sys) & STACK_RND_PAGES) << PAGE_SHIFT;
		mmap_rnd = (rng_next(sys) & ((1ULL << MMAP_RND_BITS) - 1)) << PAGE_SHIFT;
		brk_rnd = (rng_next(sys) % (BRK_RND_RANGE >> PAGE_SHIFT)) << PAGE_SHIFT;
		/* small address spaces: keep the randomness inside them */
		while (stack_rnd && stack_rnd >= window / 8)
			stack_rnd >>= 1;
		while (mmap_rnd && mmap_rnd >= window / 8)
			mmap_rnd >>= 1;
		while (brk_rnd && brk_rnd >= window / 16)
			brk_rnd >>= 1;
		stack_rnd &= PAGE_MASK;
		mmap_rnd &= PAGE_MASK;
		brk_rnd &= PAGE_MASK;
	}
	mm->start_stack = window - stack_rnd - PAGE_SIZE;
	mm->mmap_rnd = mmap_rnd;
	if (sys->cfg.aslr) {
		/* stack_maxrandom_size(), as small windows scale it */
		mm->stack_rnd_max = STACK_RND_PAGES << PAGE_SHIFT;
		while (mm->stack_rnd_max >= window / 8)
			mm->stack_rnd_max >>= 1;
		mm->stack_rnd_max &= PAGE_MASK;
	}
	mm_pick_mmap_base(mm, 8ULL << 20 /* _STK_LIM */);
	mm->start_brk = ((window / 3 * 2) & PAGE_MASK) + 0x5000 + brk_rnd;
	mm->brk = mm->start_brk;
	mm->id = ++sys->next_mm_id;
	if (pgtable_init(mm) < 0) {
		free(mm);
		return NULL;
	}
	mm->next_all = sys->mms;
	mm->pprev_all = &sys->mms;
	if (sys->mms)
		sys->mms->pprev_all = &mm->next_all;
	sys->mms = mm;
	return mm;
}

/*
 * arch/x86/mm/mmap.c mmap_base(): the gap left for the stack is its
 * RLIMIT_STACK plus the guard gap (and, randomized, the stack's largest
 * offset), unless that overflows; at least 128 MiB, at most 5/6 of the
 * window (an unlimited stack gets the 5/6: x86's mmap_is_legacy looks
 * at the personality and sysctl only, so the layout stays top-down).
 * Probed on 6.18 (setrlimit, then execve with ADDR_NO_RANDOMIZE): 8M
 * and 64M give mmap_base 0x7ffff7fff000, 256M 129 MiB lower, 1G 897 MiB
 * lower, unlimited 0x155555556000.
 */
void mm_pick_mmap_base(struct vmsh_mm *mm, uint64_t rlim_stack)
{
	uint64_t window = mm->mmap_window, gap = rlim_stack;
	uint64_t pad = STACK_GUARD_GAP + mm->stack_rnd_max;

	if (gap + pad > gap)
		gap += pad;
	if (gap < SZ_128M)
		gap = SZ_128M;
	if (gap > window / 6 * 5)
		gap = window / 6 * 5;
	mm->mmap_base = PAGE_ALIGN(window - gap - mm->mmap_rnd);
}

struct vmsh_mm *mm_new(struct vmsh_sys *sys)
{
	struct vmsh_mm *mm = mm_alloc(sys);
	struct vmsh_vma *stack;
	uint64_t top;

	if (!mm)
		return NULL;
	top = (mm->start_stack + PAGE_SIZE) & PAGE_MASK;
	stack = vma_alloc(mm);
	stack->vm_start = top - STACK_INIT_SIZE;
	stack->vm_end = top;
	stack->vm_pgoff = stack->vm_start >> PAGE_SHIFT;
	/* as /proc/self/smaps shows a fresh stack: rd wr mr mw me gd ac */
	stack->vm_flags = VM_STACK_FLAGS;
	vma_link(mm, stack);
	vm_stat_account(mm, stack->vm_flags, (int64_t)vma_pages(stack));
	return mm;
}

void mm_get(struct vmsh_mm *mm)
{
	mm->mm_users++;
}

void mmgrab(struct vmsh_mm *mm)
{
	mm->mm_count++;
}

void mmdrop(struct vmsh_mm *mm)
{
	if (--mm->mm_count > 0)
		return;
	*mm->pprev_all = mm->next_all;
	if (mm->next_all)
		mm->next_all->pprev_all = mm->pprev_all;
	mtree_destroy(&mm->mm_mt);
	free(mm->splits);
	free(mm);
}

void mm_put(struct vmsh_mm *mm)
{
	if (--mm->mm_users > 0)
		return;
	khugepaged_exit(mm);                    /* before exit_mmap (__mmput) */
	exit_mmap(mm);
	mmdrop(mm);
}

void mm_add_rss(struct vmsh_mm *mm, int counter, int64_t delta)
{
	if (delta < 0) {
		uint64_t rss = mm_rss(mm);

		if (rss > mm->hiwater_rss)
			mm->hiwater_rss = rss;
	}
	mm->rss[counter] += delta;
}

void update_hiwater_rss(struct vmsh_mm *mm)
{
	uint64_t rss = mm_rss(mm);

	if (rss > mm->hiwater_rss)
		mm->hiwater_rss = rss;
}

uint64_t mm_rss(const struct vmsh_mm *mm)
{
	return (uint64_t)(mm->rss[MM_FILEPAGES] + mm->rss[MM_ANONPAGES] +
			  mm->rss[MM_SHMEMPAGES]);
}

