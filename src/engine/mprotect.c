/* SPDX-License-Identifier: MIT */
/*
 * mprotect (mm/mprotect.c do_mprotect_pkey/mprotect_fixup): vm_flags
 * change over a range, splitting and merging through vma_modify().
 * madvise is madvise.c's.
 *
 * Invariants kept:
 *  - a range change merges only when it touches its VMA's start or end;
 *  - like Linux, mprotect stops at the first hole or refusal and leaves
 *    the VMAs before it changed (the errno is still returned).
 */
#include "config.h"

#include <errno.h>

#include "fault.h"
#include "file.h"
#include "memory.h"
#include "mm.h"
#include "phys.h"
#include "swap.h"
#include "sys.h"
#include "task.h"
#include "vm_flags.h"
#include "vma.h"

#define VM_ACCESS_FLAGS (VM_READ | VM_WRITE | VM_EXEC)

/* mprotect_fixup(): @vma gets @newflags over [start, end). */
static int mprotect_fixup(struct vmsh_mm *mm, struct vmsh_vma *vma,
			  struct vmsh_vma **res, uint64_t start, uint64_t end,
			  uint64_t newflags)
{
	uint64_t oldflags = vma->vm_flags, nrpages = (end - start) >> PAGE_SHIFT;
	struct vmg g;
	int err;

	*res = vma;
	if (vma->vm_flags & VM_SEALED)          /* !can_modify_vma() */
		return -EPERM;
	if (newflags == oldflags)
		return 0;
	if (newflags & VM_WRITE) {
		if (!(oldflags & (VM_ACCOUNT | VM_WRITE | VM_HUGETLB |
				  VM_SHARED | VM_NORESERVE)))
			newflags |= VM_ACCOUNT;
	} else if ((oldflags & VM_ACCOUNT) && vma_is_anonymous(vma) &&
		   !vma->anon_vma) {
		newflags &= ~VM_ACCOUNT;
	}
	trace(mm->sys, "mprotect_fixup [%#lx-%#lx) flags %#lx -> %#lx",
	      UL(start), UL(end), UL(oldflags), UL(newflags));
	vmg_init(&g, vma->vm_prev, vma, start, end, newflags);
	vma = vma_modify(mm, &g, &err);
	if (!vma)
		return err;
	*res = vma;
	vma->vm_flags = newflags | (vma->vm_flags & VM_MAYBE_GUARD);
	change_protection(vma, start, end);
	if ((oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) == VM_LOCKED &&
	    (newflags & VM_WRITE))
		populate_range(mm->sys, mm, start, end);
	vm_stat_account(mm, oldflags, -(int64_t)nrpages);
	vm_stat_account(mm, newflags, (int64_t)nrpages);
	return 0;
}

int vmsh_mprotect(struct vmsh_sys *sys, uint64_t start, uint64_t len, int prot)
{
	struct vmsh_mm *mm = current_mm(sys);
	struct vmsh_vma *vma, *res;
	uint64_t end, tmp, nstart, newflags, protflags = 0;
	int err = 0;

	if (!mm)
		return -EFAULT;
	trace(sys, "do_mprotect_pkey start=%#lx len=%#lx prot=%#x", UL(start),
	      UL(len), prot);
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (!len)
		return 0;
	len = PAGE_ALIGN(len);
	end = start + len;
	if (end <= start)
		return -ENOMEM;
	if (prot & ~(VMSH_PROT_READ | VMSH_PROT_WRITE | VMSH_PROT_EXEC | 0x8))
		return -EINVAL;
	sys->stat[ST_MPROTECT]++;
	protflags |= calc_vm_prot_bits(prot);

	vma = find_vma_intersection(mm, start, end);
	if (!vma || vma->vm_start > start)
		return -ENOMEM;
	nstart = start;
	tmp = vma->vm_start;
	while (vma && vma->vm_start < end) {
		if (vma->vm_start != tmp) {
			err = -ENOMEM;
			break;
		}
		newflags = protflags | (vma->vm_flags & ~VM_ACCESS_FLAGS);
		/* newflags >> 4: VM_MAY* in place of VM_* */
		if ((newflags & ~(newflags >> 4)) & VM_ACCESS_FLAGS) {
			err = -EACCES;
			break;
		}
		tmp = vma->vm_end < end ? vma->vm_end : end;
		err = mprotect_fixup(mm, vma, &res, nstart, tmp, newflags);
		if (err)
			break;
		tmp = res->vm_end;
		nstart = tmp;
		vma = res->vm_next;
	}
	if (!err && tmp < end)
		err = -ENOMEM;
	return err;
}

/* ---- madvise ---------------------------------------------------------------- */

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
	vma->vm_flags = newflags;
	return 0;
}

static int madvise_vma_behavior(struct vmsh_mm *mm, struct vmsh_vma *vma,
				struct vmsh_vma **res, uint64_t start,
				uint64_t end, int advice)
{
	uint64_t newflags = vma->vm_flags;

	*res = vma;
	switch (advice) {
	case VMSH_MADV_WILLNEED:
		/* anonymous and shmem: swap-in only (no swap here); files:
		 * vfs_fadvise(POSIX_FADV_WILLNEED) */
		if (vma->vm_file)
			file_fadvise_willneed(mm->sys, file_inode(vma->vm_file),
					      (start - vma->vm_start) +
					      (vma->vm_pgoff << PAGE_SHIFT),
					      end - start);
		return 0;
	case VMSH_MADV_DONTNEED:
		if (vma->vm_flags & (VM_LOCKED | VM_PFNMAP | VM_HUGETLB))
			return -EINVAL;
		trace(mm->sys, "zap_page_range [%#lx-%#lx)", UL(start), UL(end));
		zap_page_range(vma, start, end);
		return 0;
	case VMSH_MADV_COLD:
	case VMSH_MADV_PAGEOUT:
		/* can_madv_lru_vma() */
		if (vma->vm_flags & (VM_LOCKED | VM_PFNMAP | VM_HUGETLB))
			return -EINVAL;
		madvise_cold_or_pageout(vma, start, end,
					advice == VMSH_MADV_PAGEOUT);
		return 0;
	case VMSH_MADV_DONTFORK:
		newflags |= VM_DONTCOPY;
		break;
	case VMSH_MADV_DOFORK:
		if (vma->vm_flags & VM_IO)
			return -EINVAL;
		newflags &= ~VM_DONTCOPY;
		break;
	case VMSH_MADV_WIPEONFORK:
		if (vma->vm_file || (vma->vm_flags & VM_SHARED))
			return -EINVAL;
		newflags |= VM_WIPEONFORK;
		break;
	case VMSH_MADV_KEEPONFORK:
		newflags &= ~VM_WIPEONFORK;
		break;
	default:
		return -EINVAL;
	}
	return madvise_update_vma(mm, vma, res, start, end, newflags);
}

int vmsh_madvise(struct vmsh_sys *sys, uint64_t start, uint64_t len_in,
		 int advice)
{
	struct vmsh_mm *mm = current_mm(sys);
	struct vmsh_vma *vma, *res;
	uint64_t len, end, tmp;
	int err, unmapped_error = 0;

	if (!mm)
		return -EFAULT;
	trace(sys, "do_madvise start=%#lx len=%#lx advice=%d", UL(start),
	      UL(len_in), advice);
	switch (advice) {
	case VMSH_MADV_DONTNEED: case VMSH_MADV_WILLNEED:
	case VMSH_MADV_DONTFORK: case VMSH_MADV_DOFORK:
	case VMSH_MADV_WIPEONFORK: case VMSH_MADV_KEEPONFORK:
	case VMSH_MADV_COLD: case VMSH_MADV_PAGEOUT:
		break;
	default:
		return -EINVAL;
	}
	if (start & ~PAGE_MASK)
		return -EINVAL;
	len = PAGE_ALIGN(len_in);
	if (len_in && !len)
		return -EINVAL;
	end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;

	/* madvise_walk_vmas() */
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
