/* SPDX-License-Identifier: MIT */
/*
 * madvise (mm/madvise.c of Linux 6.18): every advice the kernel accepts.
 *
 *   do_madvise: madvise_behavior_valid, unaligned start, PAGE_ALIGN(len)
 *   overflowing to 0, start + len wrapping -> EINVAL; len 0 -> 0;
 *   populate_read/populate_write: faultin_page_range over the range;
 *   hwpoison/soft_offline: CAP_SYS_ADMIN (vmsh's task has none) -> EPERM;
 *   everything else: madvise_walk_vmas -> madvise_vma_behavior per VMA,
 *   holes skipped and reported as ENOMEM at the end, the first VMA that
 *   refuses ends the walk with its errno (the VMAs before it advised).
 *
 * Flag-changing advice (normal, random, sequential, dontfork, dofork,
 * wipeonfork, keeponfork, dontdump, dodump, mergeable, unmergeable,
 * hugepage, nohugepage) goes through madvise_update_vma: the range is
 * split off its VMA and merged with its neighbours as mprotect does.
 *
 * Not modelled here: KSM itself (mergeable only sets VM_MERGEABLE; ksmd
 * never merges, as with /sys/kernel/mm/ksm/run = 0), huge pages (hugepage
 * and nohugepage set flags, collapse only checks), the LRU (cold and
 * pageout only check the VMA), the reclaim of lazily freed pages.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "anon_vma.h"
#include "fault.h"
#include "file.h"
#include "huge_memory.h"
#include "memory.h"
#include "mm.h"
#include "names.h"
#include "pgtable.h"
#include "phys.h"
#include "swap.h"
#include "sys.h"
#include "task.h"
#include "tlb.h"
#include "vm_flags.h"
#include "vma.h"


static bool madvise_behavior_valid(int advice)
{
	switch (advice) {
	case VMSH_MADV_NORMAL: case VMSH_MADV_RANDOM:
	case VMSH_MADV_SEQUENTIAL: case VMSH_MADV_WILLNEED:
	case VMSH_MADV_DONTNEED: case VMSH_MADV_FREE:
	case VMSH_MADV_REMOVE: case VMSH_MADV_DONTFORK:
	case VMSH_MADV_DOFORK: case VMSH_MADV_MERGEABLE:
	case VMSH_MADV_UNMERGEABLE: case VMSH_MADV_HUGEPAGE:
	case VMSH_MADV_NOHUGEPAGE: case VMSH_MADV_DONTDUMP:
	case VMSH_MADV_DODUMP: case VMSH_MADV_WIPEONFORK:
	case VMSH_MADV_KEEPONFORK: case VMSH_MADV_COLD:
	case VMSH_MADV_PAGEOUT: case VMSH_MADV_POPULATE_READ:
	case VMSH_MADV_POPULATE_WRITE: case VMSH_MADV_DONTNEED_LOCKED:
	case VMSH_MADV_COLLAPSE: case VMSH_MADV_HWPOISON:
	case VMSH_MADV_SOFT_OFFLINE: case VMSH_MADV_GUARD_INSTALL:
	case VMSH_MADV_GUARD_REMOVE:
		return true;
	default:
		return false;
	}
}

/* ---- sealing (mm/vma.h can_modify_vma_madv) ------------------------------ */

static bool is_madv_discard(int advice)
{
	switch (advice) {
	case VMSH_MADV_FREE: case VMSH_MADV_DONTNEED:
	case VMSH_MADV_DONTNEED_LOCKED: case VMSH_MADV_REMOVE:
	case VMSH_MADV_DONTFORK: case VMSH_MADV_WIPEONFORK:
	case VMSH_MADV_GUARD_INSTALL:
		return true;
	default:
		return false;
	}
}

/* Private anonymous memory the task cannot write: discarding it would
 * change what it reads, which the seal forbids. */
static bool is_ro_anon(const struct vmsh_vma *vma)
{
	if (vma->vm_file || (vma->vm_flags & VM_SHARED))
		return false;
	return !(vma->vm_flags & VM_WRITE);
}

static bool can_modify_vma_madv(const struct vmsh_vma *vma, int advice)
{
	if (!is_madv_discard(advice))
		return true;
	return !((vma->vm_flags & VM_SEALED) && is_ro_anon(vma));
}

/* ---- flag changes --------------------------------------------------------- */

static int madvise_update_vma(struct vmsh_mm *mm, struct vmsh_vma *vma,
			      struct vmsh_vma **res, uint64_t start,
			      uint64_t end, uint64_t newflags)
{
	struct vmg g;
	int err;

	*res = vma;
	if (newflags == vma->vm_flags)
		return 0;
	trace(mm->sys, "madvise_update_vma [%#lx-%#lx) flags %#lx -> %#lx",
	      UL(start), UL(end), UL(vma->vm_flags), UL(newflags));
	vmg_init(&g, vma->vm_prev, vma, start, end, newflags);
	vma = vma_modify(mm, &g, &err);
	if (!vma)
		return err;
	*res = vma;
	vma->vm_flags = newflags | (vma->vm_flags & VM_MAYBE_GUARD);
	return 0;
}

/* ksm_madvise(): only VMAs KSM could scan become mergeable. */
static uint64_t ksm_madvise(const struct vmsh_vma *vma, int advice,
			    uint64_t flags)
{
	if (advice == VMSH_MADV_MERGEABLE) {
		if (flags & (VM_SHARED | VM_MAYSHARE | VM_PFNMAP | VM_IO |
			     VM_DONTEXPAND | VM_HUGETLB | VM_MIXEDMAP))
			return flags;
		return flags | VM_MERGEABLE;
	}
	(void)vma;
	/* unmergeable: nothing was merged, so nothing to break apart */
	return flags & ~VM_MERGEABLE;
}

/* ---- dontneed and free ------------------------------------------------------ */

/* The per-CPU lru_lazyfree batch (mm/swap.c): folio_mark_lazyfree queues
 * a folio; the batch moves (clearing PG_swapbacked, PG_active and
 * PG_referenced) when it holds PAGEVEC_SIZE folios or is drained, which
 * the next MADV_FREE does first (lru_add_drain).  Probe (6.18): after one
 * madvise(MADV_FREE) of one page smaps shows LazyFree 0 kB; after a
 * second call, the first page's 4 kB. */
#define LAZYFREE_BATCH 31

/* lru_lazyfree() of one folio: lazy-free (PG_swapbacked clear), neither
 * active nor referenced, at the head of the inactive file list. */
static void lazyfree_move(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *pg = phys_page(sys, pfn);

	pg->lazyfree_queued = false;
	pg->lazyfree = true;
	pg->active = false;
	pg->referenced = false;
	lru_del(sys, pfn);
	lru_add(sys, pfn);
}

void lru_lazyfree_drain(struct vmsh_sys *sys)
{
	for (unsigned i = 0; i < sys->lazyfree_nr; i++) {
		struct page *pg = phys_page(sys, sys->lazyfree_batch[i]);

		/* a page freed since was wiped, its mark with it */
		if (pg->kind != PAGE_ANON || !pg->lazyfree_queued)
			continue;
		lazyfree_move(sys, sys->lazyfree_batch[i]);
	}
	sys->lazyfree_nr = 0;
}

/* folio_mark_lazyfree() of the folio at @pfn (a THP: its head): a large
 * folio moves at once (folio_batch_add_and_move drains the batch for
 * one), a small one waits in the batch. */
static void folio_mark_lazyfree(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *pg = phys_page(sys, pfn);

	/* anonymous, swap-backed, on the LRU (the drain before the walk
	 * put new folios there), not unevictable */
	if (pg->kind != PAGE_ANON || pg->lazyfree || pg->lazyfree_queued ||
	    pg->lru == LRU_NONE || pg->unevictable)
		return;
	if (pg->thp & PAGE_THP_HEAD) {
		lazyfree_move(sys, pfn);
		return;
	}
	pg->lazyfree_queued = true;
	sys->lazyfree_batch[sys->lazyfree_nr++] = pfn;
	if (sys->lazyfree_nr == LAZYFREE_BATCH)
		lru_lazyfree_drain(sys);
}

struct free_ctx {
	struct vmsh_vma *vma;
	uint64_t start, end;            /* the call's range in this VMA */
	uint64_t skip_end;              /* a THP taken whole: its PTEs, done */
	uint64_t lo, hi;                /* the PTEs made old and clean */
	bool any;
};

static void free_flush_add(struct free_ctx *c, uint64_t addr, uint64_t end)
{
	if (!c->any || addr < c->lo)
		c->lo = addr;
	if (!c->any || end > c->hi)
		c->hi = end;
	c->any = true;
}

/* madvise_free_huge_pmd(): the huge zero page and a folio another mm
 * maps are left; part of the PMD splits the folio (split_folio) and its
 * PTEs are walked as small folios; the whole PMD stays huge, made old
 * and clean (pmdp_invalidate: flushed), and the folio goes lazy-free
 * whole.  Probe (6.18): MADV_FREE of a written 2 MiB THP shows LazyFree
 * 2048 kB and AnonHugePages 2048 kB at once. */
static bool free_pmd(uint64_t *pmdp, uint64_t addr, uint64_t next, void *vctx)
{
	struct free_ctx *c = vctx;
	struct vmsh_mm *mm = c->vma->vm_mm;
	uint64_t head = pte_pfn(*pmdp);
	enum thp_step step = thp_pmd_step(mm->sys, *pmdp, addr, next);

	if (step != THP_WHOLE)
		return step == THP_LEAVE;
	phys_page(mm->sys, head)->dirty = false;        /* folio_clear_dirty */
	if (*pmdp & (_PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_SAVED_DIRTY)) {
		*pmdp &= ~(_PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_SAVED_DIRTY);
		flush_pmd_tlb_range(mm, addr, next);
	}
	folio_mark_lazyfree(mm->sys, head);
	return true;
}

/* A PTE of a THP split from its PMD but not itself (thp_pte_step): the
 * folio taken whole has every PTE made old and clean and goes lazy-free
 * whole.  True when the PTE is dealt with (false: split, the page goes
 * on as a small folio). */
static bool free_thp_pte(struct free_ctx *c, uint64_t addr, uint64_t pfn)
{
	struct vmsh_mm *mm = c->vma->vm_mm;
	uint64_t head = pfn & ~(uint64_t)(HPAGE_PMD_NR - 1), i;
	uint64_t haddr = addr - (pfn - head) * PAGE_SIZE;
	enum thp_step step = thp_pte_step(mm, addr, pfn, c->start, c->end);

	if (step != THP_WHOLE)
		return step == THP_LEAVE;
	c->skip_end = haddr + HPAGE_PMD_SIZE;
	phys_page(mm->sys, head)->dirty = false;
	for (i = 0; i < HPAGE_PMD_NR; i++) {
		uint64_t *p = pte_lookup(mm, haddr + i * PAGE_SIZE, false);

		if (*p & (_PAGE_ACCESSED | _PAGE_DIRTY)) {
			*p &= ~(_PAGE_ACCESSED | _PAGE_DIRTY);
			free_flush_add(c, haddr + i * PAGE_SIZE,
				       haddr + (i + 1) * PAGE_SIZE);
		}
	}
	folio_mark_lazyfree(mm->sys, head);
	return true;
}

/* madvise_free_pte_range(): a swap entry is cleared; a present normal
 * page loses its young and dirty bits and is queued lazy-free (its
 * PG_dirty, never set on an anonymous page without swap, would keep a
 * shared one). */
static void free_pte(uint64_t *ptep, uint64_t addr, void *vctx)
{
	struct free_ctx *c = vctx;
	struct vmsh_sys *sys = c->vma->vm_mm->sys;
	uint64_t pte = *ptep;
	struct page *pg;

	if (is_swap_pte(pte)) {
		/* a swap entry goes (a swap-in would cost more than a new
		 * zeroed page), and its slot, and its folio from the swap
		 * cache when nothing else names it.  Probe (6.18): MADV_FREE
		 * of 142 paged-out pages takes 568 kB off smaps' Swap. */
		*ptep = 0;
		c->vma->vm_mm->rss[MM_SWAPENTS]--;
		free_swap_and_cache(sys, pte);
		return;
	}
	if (addr < c->skip_end || !pte_present(pte) || (pte & _PAGE_SPECIAL) ||
	    pte_pfn(pte) >= sys->phys.nframes)
		return;
	pg = phys_page(sys, pte_pfn(pte));
	if (pg->kind != PAGE_ANON)
		return;
	if (pg->thp & (PAGE_THP_HEAD | PAGE_THP_TAIL)) {
		if (free_thp_pte(c, addr, pte_pfn(pte)))
			return;
		/* split: a small folio now (or the zero page) */
		pte = *ptep;
		if (!pte_present(pte) || (pte & _PAGE_SPECIAL))
			return;
		pg = phys_page(sys, pte_pfn(pte));
	}
	if (pg->dirty) {
		if (pg->mapcount != 1)
			return;
		pg->dirty = false;
	}
	if (pte & (_PAGE_ACCESSED | _PAGE_DIRTY)) {
		*ptep = pte & ~(_PAGE_ACCESSED | _PAGE_DIRTY);
		free_flush_add(c, addr, addr + PAGE_SIZE);
	}
	folio_mark_lazyfree(sys, pte_pfn(pte));
}

static int madvise_free_single_vma(struct vmsh_vma *vma, uint64_t start,
				   uint64_t end)
{
	struct vmsh_mm *mm = vma->vm_mm;
	struct free_ctx c = { .vma = vma, .start = start, .end = end };

	if (!vma_is_anonymous(vma))
		return -EINVAL;
	lru_add_drain(mm->sys);     /* madvise_free_single_vma */
	update_hiwater_rss(mm);
	trace(mm->sys, "madvise_free [%#lx-%#lx)", UL(start), UL(end));
	pt_walk_range(mm, start, end, free_pte, free_pmd, &c);
	if (c.any)
		flush_tlb_range(mm, c.lo, c.hi);
	return 0;
}

static int madvise_dontneed_free(struct vmsh_vma *vma, uint64_t start,
				 uint64_t end, int advice)
{
	uint64_t forbidden = VM_PFNMAP;

	if (advice != VMSH_MADV_DONTNEED_LOCKED)
		forbidden |= VM_LOCKED;
	if (vma->vm_flags & (forbidden | VM_HUGETLB))
		return -EINVAL;
	if (advice == VMSH_MADV_FREE)
		return madvise_free_single_vma(vma, start, end);
	trace(vma->vm_mm->sys, "zap_page_range [%#lx-%#lx)", UL(start), UL(end));
	zap_page_range(vma, start, end);
	/* CONFIG_PT_RECLAIM (6.14+): a PTE table the zap emptied over a
	 * whole PMD span of the range is freed (reclaim_pt) */
	reclaim_pt_range(vma->vm_mm, start < vma->vm_start ? vma->vm_start : start,
			 end > vma->vm_end ? vma->vm_end : end);
	return 0;
}

/* ---- remove -------------------------------------------------------------- */

/* Does @f cache a page in [first, last]? */
static bool hole_has_page(const struct vmsh_file *f, uint64_t first,
			  uint64_t last)
{
	uint64_t n, i, *idx;
	bool any = false;

	if (last - first < 64) {
		for (i = first; i <= last; i++)
			if (file_cache_lookup(f, i) != UINT64_MAX)
				return true;
		return false;
	}
	idx = file_cache_indexes(f, &n);
	for (i = 0; i < n && !any; i++)
		any = idx[i] >= first && idx[i] <= last;
	free(idx);
	return any;
}

static int madvise_remove(struct vmsh_vma *vma, uint64_t start, uint64_t end)
{
	struct vmsh_file *f = vma->vm_file;
	uint64_t first, last;

	if (vma->vm_flags & VM_LOCKED)
		return -EINVAL;
	if (!f)
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED) || !(vma->vm_flags & VM_MAYWRITE))
		return -EACCES;         /* !vma_is_shared_maywrite() */
	if (f->device && !f->shmem)
		return -EOPNOTSUPP;     /* no ->fallocate */
	first = linear_page_index(vma, start);
	last = first + ((end - start) >> PAGE_SHIFT) - 1;
	/* vfs_fallocate(PUNCH_HOLE | KEEP_SIZE); shmem's punch drains this
	 * CPU's LRU batches when the hole holds a cached page (probed: a
	 * pending lazy-free page shows in LazyFree, a page waiting in the
	 * lru_add batch gets lru, right after MADV_REMOVE of a shmem page,
	 * mapped or only cached; not after one of a hole with no page) */
	if (!file_inode(f)->disk && hole_has_page(file_inode(f), first, last))
		lru_add_drain(vma->vm_mm->sys);
	return file_punch_hole(vma->vm_mm->sys, file_inode(f), first, last);
}

/* ---- guard regions ---------------------------------------------------------- */

static bool is_valid_guard_vma(const struct vmsh_vma *vma, bool allow_locked)
{
	uint64_t disallowed = VM_SPECIAL | VM_HUGETLB;

	if (!allow_locked)
		disallowed |= VM_LOCKED;
	return !(vma->vm_flags & disallowed);
}

struct guard_ctx { bool populated; };

static void guard_check_pte(uint64_t *ptep, uint64_t addr, void *vctx)
{
	struct guard_ctx *c = vctx;

	(void)addr;
	if (!pte_is_guard(*ptep))
		c->populated = true;
}

static void guard_remove_pte(uint64_t *ptep, uint64_t addr, void *vctx)
{
	(void)addr;
	(void)vctx;
	if (pte_is_guard(*ptep))
		*ptep = 0;
}

/*
 * madvise_guard_install(): an anon_vma first (so fork copies the page
 * tables), VM_MAYBE_GUARD on the whole VMA (no split: 6.18 sets it under
 * the read lock, and VmFlags shows "gu"), then whatever is mapped in the
 * range is zapped and every PTE becomes a guard marker.
 */
static int madvise_guard_install(struct vmsh_vma *vma, uint64_t start,
				 uint64_t end)
{
	struct vmsh_mm *mm = vma->vm_mm;
	struct guard_ctx c = { false };
	uint64_t addr;

	if (!is_valid_guard_vma(vma, false))
		return -EINVAL;
	if (anon_vma_prepare(vma))
		return -ENOMEM;
	vma->vm_flags |= VM_MAYBE_GUARD;
	pte_walk_range(mm, start, end, guard_check_pte, &c);
	if (c.populated)
		zap_page_range(vma, start, end);
	for (addr = start; addr < end; addr += PAGE_SIZE) {
		uint64_t *ptep = pte_lookup(mm, addr, true);

		if (!ptep)
			return -ENOMEM;
		*ptep = PTE_MARKER_GUARD;
	}
	return 0;
}

static int madvise_guard_remove(struct vmsh_vma *vma, uint64_t start,
				uint64_t end)
{
	if (!is_valid_guard_vma(vma, true))
		return -EINVAL;
	pte_walk_range(vma->vm_mm, start, end, guard_remove_pte, NULL);
	return 0;
}

/* ---- the rest -------------------------------------------------------------- */

static int madvise_vma_behavior(struct vmsh_mm *mm, struct vmsh_vma *vma,
				struct vmsh_vma **res, uint64_t start,
				uint64_t end, int advice)
{
	uint64_t newflags = vma->vm_flags;

	*res = vma;
	if (!can_modify_vma_madv(vma, advice))
		return -EPERM;
	switch (advice) {
	case VMSH_MADV_REMOVE:
		return madvise_remove(vma, start, end);
	case VMSH_MADV_WILLNEED:
		/* anonymous and shmem: swap-in (the swap entries' pages come
		 * back by the swap helper's readahead, not modelled), then
		 * lru_add_drain(); files: vfs_fadvise(POSIX_FADV_WILLNEED),
		 * no drain */
		if (vma->vm_file && shmem_mapping(file_inode(vma->vm_file)))
			/* shmem_swapin_range(): into the swap cache */
			shmem_swapin_range(mm->sys, file_inode(vma->vm_file),
					   linear_page_index(vma, start),
					   linear_page_index(vma, end - 1));
		if (vma->vm_file)
			file_fadvise_willneed(mm->sys, file_inode(vma->vm_file),
					      (start - vma->vm_start) +
					      (vma->vm_pgoff << PAGE_SHIFT),
					      end - start);
		if (!vma->vm_file || !file_inode(vma->vm_file)->disk)
			lru_add_drain(mm->sys);
		return 0;
	case VMSH_MADV_COLD:
	case VMSH_MADV_PAGEOUT:
		/* can_madv_lru_vma() */
		if (vma->vm_flags & (VM_LOCKED | VM_PFNMAP | VM_HUGETLB))
			return -EINVAL;
		lru_add_drain(mm->sys);
		madvise_cold_or_pageout(vma, start, end,
					advice == VMSH_MADV_PAGEOUT);
		return 0;
	case VMSH_MADV_FREE:
	case VMSH_MADV_DONTNEED:
	case VMSH_MADV_DONTNEED_LOCKED:
		return madvise_dontneed_free(vma, start, end, advice);
	case VMSH_MADV_COLLAPSE:
		return madvise_collapse(vma, start, end);
	case VMSH_MADV_GUARD_INSTALL:
		return madvise_guard_install(vma, start, end);
	case VMSH_MADV_GUARD_REMOVE:
		return madvise_guard_remove(vma, start, end);
	case VMSH_MADV_NORMAL:
		newflags &= ~(VM_RAND_READ | VM_SEQ_READ);
		break;
	case VMSH_MADV_SEQUENTIAL:
		newflags = (newflags & ~VM_RAND_READ) | VM_SEQ_READ;
		break;
	case VMSH_MADV_RANDOM:
		newflags = (newflags & ~VM_SEQ_READ) | VM_RAND_READ;
		break;
	case VMSH_MADV_DONTFORK:
		newflags |= VM_DONTCOPY;
		break;
	case VMSH_MADV_DOFORK:
		if (newflags & VM_IO)
			return -EINVAL;
		newflags &= ~VM_DONTCOPY;
		break;
	case VMSH_MADV_WIPEONFORK:
		if (vma->vm_file || (newflags & VM_SHARED))
			return -EINVAL;
		newflags |= VM_WIPEONFORK;
		break;
	case VMSH_MADV_KEEPONFORK:
		newflags &= ~VM_WIPEONFORK;
		break;
	case VMSH_MADV_DONTDUMP:
		newflags |= VM_DONTDUMP;
		break;
	case VMSH_MADV_DODUMP:
		if (newflags & VM_SPECIAL)
			return -EINVAL;
		newflags &= ~VM_DONTDUMP;
		break;
	case VMSH_MADV_MERGEABLE:
	case VMSH_MADV_UNMERGEABLE:
		newflags = ksm_madvise(vma, advice, newflags);
		break;
	case VMSH_MADV_HUGEPAGE:
		newflags = (newflags & ~VM_NOHUGEPAGE) | VM_HUGEPAGE;
		/* hugepage_madvise(): the VMA as it is, with the new flags */
		khugepaged_enter_vma(vma, newflags);
		break;
	case VMSH_MADV_NOHUGEPAGE:
		newflags = (newflags & ~VM_HUGEPAGE) | VM_NOHUGEPAGE;
		break;
	default:
		return -EINVAL;
	}
	{
		int err = madvise_update_vma(mm, vma, res, start, end, newflags);

		return err == -ENOMEM ? -EAGAIN : err;
	}
}

static int madvise_walk_vmas(struct vmsh_mm *mm, uint64_t start,
			     uint64_t end, int advice)
{
	struct vmsh_vma *vma, *res;
	uint64_t tmp;
	int err, unmapped_error = 0;

	vma = find_vma(mm, start);
	for (;;) {
		if (!vma)
			return -ENOMEM;
		if (start < vma->vm_start) {
			unmapped_error = -ENOMEM;
			start = vma->vm_start;
			if (start >= end)
				break;
		}
		tmp = vma->vm_end < end ? vma->vm_end : end;
		err = madvise_vma_behavior(mm, vma, &res, start, tmp, advice);
		if (err)
			return err;
		start = tmp;
		if (start < res->vm_end)
			start = res->vm_end;
		if (start >= end)
			break;
		vma = find_vma(mm, res->vm_end);
	}
	return unmapped_error;
}

int vmsh_madvise(struct vmsh_sys *sys, uint64_t start, uint64_t len_in,
		 int advice)
{
	struct vmsh_mm *mm = current_mm(sys);
	uint64_t end;
	int err;

	if (!mm)
		return -EFAULT;
	if (vmsh_advice_name(advice))
		trace(sys, "do_madvise start=%#lx len=%#lx advice=%s", UL(start),
		      UL(len_in), vmsh_advice_name(advice));
	else
		trace(sys, "do_madvise start=%#lx len=%#lx advice=%d", UL(start),
		      UL(len_in), advice);
	/* madvise_should_skip() */
	if (!madvise_behavior_valid(advice))
		return -EINVAL;
	err = user_range(start, len_in, &end);
	if (err <= 0)
		return err;
	if (advice == VMSH_MADV_HWPOISON || advice == VMSH_MADV_SOFT_OFFLINE)
		return -EPERM;          /* madvise_inject_error: !CAP_SYS_ADMIN */
	if (advice == VMSH_MADV_POPULATE_READ ||
	    advice == VMSH_MADV_POPULATE_WRITE)
		return faultin_page_range(sys, mm, start, end,
					  advice == VMSH_MADV_POPULATE_WRITE);

	/* madvise_walk_vmas(); the swap writes a pageout started end
	 * with the call */
	err = madvise_walk_vmas(mm, start, end, advice);
	pageout_writes_end(sys);
	return err;
}
