/* SPDX-License-Identifier: MIT */
/*
 * Transparent huge pages: the eligibility rules of mm/huge_memory.c
 * (__thp_vma_allowable_orders, thp_vma_suitable_order) for the PMD
 * order, with the configured THP mode.
 *
 * Invariant: nothing here changes the model.
 */
#include "config.h"

#include "huge_memory.h"
#include "mm.h"
#include "sys.h"
#include "vm_flags.h"
#include "vma.h"

/* thp_vma_suitable_order() at the VMA's upper end: some 2 MiB-aligned
 * range lies wholly inside it.  The file-offset alignment is not checked
 * for anonymous memory (a VMA mremap moved off alignment stays eligible:
 * checked on Linux 6.18). */
static bool thp_vma_suitable(const struct vmsh_vma *vma)
{
	uint64_t haddr;

	if (vma->vm_end - vma->vm_start < HPAGE_PMD_SIZE)
		return false;
	haddr = (vma->vm_end - HPAGE_PMD_SIZE) & ~(HPAGE_PMD_SIZE - 1);
	return haddr >= vma->vm_start;
}

bool thp_vma_allowable_order(const struct vmsh_vma *vma, enum tva_type type)
{
	int mode = vma->vm_mm->sys->cfg.thp;
	uint64_t flags = vma->vm_flags;

	/* vma_thp_disabled(): MADV_NOHUGEPAGE (prctl is not modelled) */
	if (flags & VM_NOHUGEPAGE)
		return false;
	if (flags & (VM_HUGETLB | VM_IO | VM_PFNMAP | VM_MIXEDMAP))
		return false;
	/* shmem_enabled is "never" and file THP is not built */
	if (!vma_is_anonymous(vma))
		return false;
	/* the sysfs mode (only the PMD size, "inherit"); MADV_COLLAPSE
	 * works whatever it says */
	if (type != TVA_FORCED_COLLAPSE) {
		if (mode == VMSH_THP_NEVER)
			return false;
		if (mode == VMSH_THP_MADVISE && !(flags & VM_HUGEPAGE))
			return false;
	}
	return thp_vma_suitable(vma);
}
