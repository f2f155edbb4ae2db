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
#include "names.h"
#include "phys.h"
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
		/* space limits when the area turns into data */
		if (!may_expand_vm(mm, newflags, nrpages) &&
		    may_expand_vm(mm, oldflags, nrpages))
			return -ENOMEM;
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
	char pb[24];

	trace(sys, "do_mprotect_pkey start=%#lx len=%#lx prot=%s", UL(start),
	      UL(len), prot_name(prot, pb, sizeof(pb)));
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
