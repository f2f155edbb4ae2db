/* SPDX-License-Identifier: MIT */
/*
 * /proc/PID/pagemap and /proc/kpageflags of the model (Linux 6.18's
 * fs/proc/task_mmu.c pte_to_pagemap_entry and fs/proc/page.c
 * stable_page_flags), as root reads them: the PFN is shown.
 *
 * An entry: a present PTE (PROT_NONE ones too: pte_present) gives
 * PM_PRESENT and the PFN; a swap entry gives PM_SWAP with type | offset << 5;
 * a guard marker gives PM_SWAP | PM_GUARD_REGION with the marker's swap
 * type (31, SWP_PTE_MARKER on this kernel) and offset (4, PTE_MARKER_GUARD),
 * as 6.18 reports it.  A page that is not the zero page or a special
 * mapping's adds PM_FILE when it is not anonymous (page cache, shmem) and
 * PM_MMAP_EXCLUSIVE when present and mapped once.  No soft-dirty
 * (the kernel has no CONFIG_MEM_SOFT_DIRTY) and no uffd-wp (no
 * userfaultfd in vmsh).
 *
 * Invariants kept: read-only; nothing here changes the model.
 */
#include "config.h"

#include <errno.h>

#include "file.h"
#include "huge_memory.h"
#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "swap.h"
#include "sys.h"
#include "task.h"
#include "vma.h"

#define PM_SWP_TYPE_SHIFT 5             /* MAX_SWAPFILES_SHIFT */
#define PM_MARKER_TYPE    31ULL         /* SWP_PTE_MARKER, as 6.18 shows it */
#define PM_MARKER_GUARD   4ULL          /* PTE_MARKER_GUARD */

#define KPF(b) (1ULL << VMSH_KPF_##b)

/* stable_page_flags() of the frame behind @page, the modelled bits. */
static uint64_t page_kpageflags(const struct vmsh_sys *sys,
				const struct page *page)
{
	const struct page *folio = page;
	struct vmsh_file *file;
	uint64_t u = 0;

	if (page->kind == PAGE_FILE)
		folio = page_folio(sys, page);
	if (page->mapcount > 0)
		u |= KPF(MMAP);
	if (page->kind != PAGE_ANON && page->kind != PAGE_FILE)
		return u;
	if (page->thp & (PAGE_THP_HEAD | PAGE_THP_TAIL)) {
		/* a PMD-size anonymous folio: its flags are the head's */
		folio = &sys->phys.pages[(uint64_t)(page - sys->phys.pages) &
					 ~(uint64_t)(HPAGE_PMD_NR - 1)];
		u |= KPF(THP);
		u |= page->thp & PAGE_THP_HEAD ? KPF(COMPOUND_HEAD) :
						 KPF(COMPOUND_TAIL);
	} else if (folio->order) {
		u |= KPF(THP);
		u |= folio == page ? KPF(COMPOUND_HEAD) : KPF(COMPOUND_TAIL);
	}
	if (folio->referenced)
		u |= KPF(REFERENCED);
	if (folio->dirty)
		u |= KPF(DIRTY);
	if (folio->active)
		u |= KPF(ACTIVE);
	if (folio->lru != LRU_NONE)
		u |= KPF(LRU);          /* PG_lru: on a list, not in a batch */
	if (folio->unevictable)
		u |= KPF(UNEVICTABLE);
	if (folio->mlocked)
		u |= KPF(MLOCKED);
	if (page->kind == PAGE_ANON) {
		/* an anonymous page is uptodate from its allocation on */
		u |= KPF(ANON) | KPF(UPTODATE);
		if (page->exclusive)
			u |= KPF(OWNER_2);
		if (!folio->lazyfree)
			u |= KPF(SWAPBACKED);
		if (page->swap && !folio->lazyfree)
			u |= KPF(SWAPCACHE);
		return u;
	}
	if (folio->uptodate)
		u |= KPF(UPTODATE);
	file = page_file(sys, page);
	if (file && !file_inode(file)->disk)
		u |= KPF(SWAPBACKED);   /* tmpfs and shmem: swap-backed */
	return u;
}

int vmsh_pagemap(const struct vmsh_sys *sys, int pid, uint64_t addr,
		 uint64_t *pm, uint64_t *kpf)
{
	struct vmsh_mm *mm;
	uint64_t *ptep, pte, pfn;
	const struct page *page;

	*pm = *kpf = 0;
	if (!vmsh_task_exists(sys, pid ? pid : vmsh_current_pid(sys)))
		return -ESRCH;
	mm = mm_of_pid(sys, pid);
	if (!mm || addr >= mm->task_size)
		return 1;
	/* a huge PMD is seen whole (pte_lookup would split it): its entry
	 * stands for each of its 512 pages, the PFN advancing */
	ptep = pmd_lookup(mm, addr);
	if (ptep && pmd_trans_huge(*ptep) && pte_present(*ptep)) {
		pte = *ptep + (((addr >> PAGE_SHIFT) & (HPAGE_PMD_NR - 1)) <<
			       PAGE_SHIFT);
		if (pte_pfn(*ptep) == sys->phys.huge_zero_pfn) {
			*pm = VMSH_PM_PRESENT | (pte_pfn(pte) & VMSH_PM_FRAME_MASK);
			*kpf = KPF(ZERO_PAGE) | KPF(THP) |
			       (pte == *ptep ? KPF(COMPOUND_HEAD) : KPF(COMPOUND_TAIL));
			return 0;
		}
	} else {
		ptep = ptep && (*ptep & _PAGE_PRESENT) ?
		       pte_lookup(mm, addr & PAGE_MASK, false) : NULL;
		pte = ptep ? *ptep : 0;
	}
	if (!pte)
		return 0;
	if (pte_is_guard(pte)) {
		*pm = VMSH_PM_SWAP | VMSH_PM_GUARD_REGION | PM_MARKER_TYPE |
		      (PM_MARKER_GUARD << PM_SWP_TYPE_SHIFT);
		return 0;
	}
	if (is_swap_pte(pte)) {
		*pm = VMSH_PM_SWAP | ((uint64_t)swp_type(pte) & 31) |
		      ((swp_offset(pte) << PM_SWP_TYPE_SHIFT) & VMSH_PM_FRAME_MASK);
		return 0;
	}
	if (!pte_present(pte))
		return 0;
	pfn = pte_pfn(pte);
	*pm = VMSH_PM_PRESENT | (pfn & VMSH_PM_FRAME_MASK);
	if (pfn == sys->phys.zero_pfn) {
		*kpf = KPF(ZERO_PAGE);  /* never counted as mapped */
		return 0;
	}
	if ((pte & _PAGE_SPECIAL) || pfn >= sys->phys.nframes)
		return 0;               /* vm_normal_page() is NULL */
	page = &sys->phys.pages[pfn];
	if (page->kind == PAGE_ZERO || page->kind == PAGE_DEV)
		return 0;
	if (page->kind != PAGE_ANON)
		*pm |= VMSH_PM_FILE;
	if (page->mapcount == 1)
		*pm |= VMSH_PM_MMAP_EXCLUSIVE;
	*kpf = page_kpageflags(sys, page);
	return 0;
}
