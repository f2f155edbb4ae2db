/* SPDX-License-Identifier: MIT */
/*
 * brk (mm/mmap.c SYSCALL brk, do_brk_flags) and msync's checks
 * (mm/msync.c; the writeback itself is file_msync in file.c).
 *
 * Invariants kept:
 *  - start_brk <= brk; the heap VMA, when it exists, starts at start_brk
 *    and ends at PAGE_ALIGN(brk); it is named [heap] by show_map_vma while
 *    it overlaps [start_brk, brk);
 *  - brk never fails: when it cannot move it returns the old break.
 */
#include "config.h"

#include <errno.h>

#include "file.h"
#include "mm.h"
#include "phys.h"
#include "sys.h"
#include "task.h"
#include "vm_flags.h"
#include "vma.h"

#define VM_DATA_DEFAULT_FLAGS (VM_READ | VM_WRITE | VM_MAYREAD | \
			       VM_MAYWRITE | VM_MAYEXEC)

static int do_brk_flags(struct vmsh_mm *mm, struct vmsh_vma *vma,
			uint64_t addr, uint64_t len)
{
	uint64_t flags = VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT;

	trace(mm->sys, "do_brk_flags addr=%#lx len=%#lx", UL(addr), UL(len));
	if (!may_expand_vm(mm, flags, len >> PAGE_SHIFT))
		return -ENOMEM;
	if (mm->map_count > mm->sys->cfg.max_map_count)
		return -ENOMEM;
	if (vma && vma->vm_end == addr) {
		struct vmg g;

		vmg_init(&g, vma, NULL, addr, addr + len, flags);
		g.pgoff = addr >> PAGE_SHIFT;
		g.just_expand = true;
		g.next = NULL;
		if (vma_merge_new_range(mm, &g)) {
			vma = g.target;
			goto out;
		}
	}
	vma = vma_alloc(mm);
	vma->vm_start = addr;
	vma->vm_end = addr + len;
	vma->vm_pgoff = addr >> PAGE_SHIFT;
	vma->vm_flags = flags;
	vma_link(mm, vma);
out:
	vm_stat_account(mm, flags, (int64_t)(len >> PAGE_SHIFT));
	/* no VM_SOFTDIRTY: see mmap_region() */
	return 0;
}

int vmsh_brk(struct vmsh_sys *sys, uint64_t brk, uint64_t *out)
{
	struct vmsh_mm *mm = current_mm(sys);
	struct vmsh_vma *next, *brkvma;
	uint64_t newbrk, oldbrk, origbrk;

	if (!mm)
		return -EFAULT;
	origbrk = mm->brk;
	*out = origbrk;
	trace(sys, "brk %#lx (brk=%#lx)", UL(brk), UL(origbrk));
	if (brk < mm->start_brk)
		return 0;
	/* check_data_rlimit(), before the shrink path too: the heap plus
	 * the data segment (none: a vmsh process has no ELF image) */
	if (rlimit(sys, VMSH_RLIMIT_DATA) != VMSH_RLIM_INFINITY &&
	    brk - mm->start_brk > rlimit(sys, VMSH_RLIMIT_DATA))
		return 0;
	newbrk = PAGE_ALIGN(brk);
	oldbrk = PAGE_ALIGN(mm->brk);
	if (newbrk < brk)            /* PAGE_ALIGN overflow */
		return 0;
	if (oldbrk == newbrk) {
		mm->brk = brk;
		*out = brk;
		return 0;
	}
	if (brk <= mm->brk) {
		/* always allow shrinking */
		brkvma = find_vma_intersection(mm, newbrk, oldbrk);
		if (!brkvma || brkvma->vm_start >= oldbrk)
			return 0;
		mm->brk = brk;
		if (do_vmi_munmap(mm, newbrk, oldbrk - newbrk)) {
			mm->brk = origbrk;
			return 0;
		}
		*out = brk;
		return 0;
	}
	if (newbrk > mm->task_size)
		return 0;
	/* against existing mappings, keeping the stack guard gap */
	next = find_vma_prev(mm, oldbrk, &brkvma);
	if (next && newbrk + PAGE_SIZE > vm_start_gap(next))
		return 0;
	/* vma_prev_limit(start_brk): the VMA below oldbrk, if at/after start_brk */
	if (brkvma && brkvma->vm_end <= mm->start_brk)
		brkvma = NULL;
	if (do_brk_flags(mm, brkvma, oldbrk, newbrk - oldbrk) < 0)
		return 0;
	mm->brk = brk;
	*out = brk;
	return 0;
}

int vmsh_msync(struct vmsh_sys *sys, uint64_t start, uint64_t len)
{
	struct vmsh_mm *mm = current_mm(sys);
	struct vmsh_vma *vma;
	uint64_t end;
	int unmapped_error = 0, err;

	if (!mm)
		return -EFAULT;
	trace(sys, "msync start=%#lx len=%#lx MS_SYNC", UL(start), UL(len));
	if (start & ~PAGE_MASK)
		return -EINVAL;
	len = (len + ~PAGE_MASK) & PAGE_MASK;
	end = start + len;
	if (end < start)
		return -ENOMEM;
	if (end == start)
		return 0;
	vma = find_vma(mm, start);
	for (;;) {
		uint64_t vend;

		if (!vma)
			return -ENOMEM;
		if (start < vma->vm_start) {
			start = vma->vm_start;
			if (start >= end)
				return -ENOMEM;
			unmapped_error = -ENOMEM;
		}
		vend = vma->vm_end < end ? vma->vm_end : end;
		if (vma->vm_file && (vma->vm_flags & VM_SHARED)) {
			err = file_msync(sys, vma, start, vend);
			start = vma->vm_end;
			if (err)
				return err;
			if (start >= end)
				break;
			vma = find_vma(mm, start);
		} else {
			start = vma->vm_end;
			if (start >= end)
				return unmapped_error;
			vma = vma->vm_next;
		}
	}
	return unmapped_error;
}
