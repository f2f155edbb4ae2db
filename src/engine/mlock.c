/* SPDX-License-Identifier: MIT */
/*
 * mlock, munlock, mlockall, munlockall (mm/mlock.c) and mseal
 * (mm/mseal.c) of Linux 6.18.
 *
 * The task is unprivileged: RLIMIT_MEMLOCK is the current task's soft
 * limit (rlimit.c; --memlock-limit, 8 MiB = Linux's MLOCK_LIMIT by
 * default, or setrlimit) and no CAP_IPC_LOCK lifts it; a limit of 0
 * makes every lock EPERM (can_do_mlock).  --host drops CAP_IPC_LOCK
 * from its task processes and sets the same limit, so root runs the rule
 * an unprivileged process meets.
 *
 * Invariants kept:
 *  - mm->locked_vm is the number of pages of VM_LOCKED VMAs;
 *  - a VM_SPECIAL VMA never gets VM_LOCKED (mlock_fixup leaves it alone);
 *  - locks are not inherited by fork (fork.c) and mm->def_flags (mlockall
 *    MCL_FUTURE) is not either;
 *  - the pages of locked VMAs are not modelled as unevictable: vmsh has
 *    no LRU (the `Referenced` consequences are not modelled).
 */
#include "config.h"

#include <errno.h>

#include "fault.h"
#include "memory.h"
#include "mm.h"
#include "names.h"
#include "phys.h"
#include "sys.h"
#include "task.h"
#include "vm_flags.h"
#include "vma.h"

static uint64_t lock_limit_pages(const struct vmsh_sys *sys)
{
	return rlimit(sys, VMSH_RLIMIT_MEMLOCK) >> PAGE_SHIFT;
}

static bool can_do_mlock(const struct vmsh_sys *sys)
{
	return rlimit(sys, VMSH_RLIMIT_MEMLOCK) != 0;
}

bool mlock_future_ok(const struct vmsh_mm *mm, uint64_t vm_flags,
		     uint64_t bytes)
{
	if (!(vm_flags & VM_LOCKED))
		return true;
	return (bytes >> PAGE_SHIFT) + mm->locked_vm <= lock_limit_pages(mm->sys);
}

static bool vma_supports_mlock(const struct vmsh_vma *vma)
{
	return !(vma->vm_flags & (VM_SPECIAL | VM_HUGETLB));
}

/* mlock_fixup(): @vma gets @newflags over [start, end); *@res is where
 * the walk goes on. */
static int mlock_fixup(struct vmsh_mm *mm, struct vmsh_vma *vma,
		       struct vmsh_vma **res, uint64_t start, uint64_t end,
		       uint64_t newflags)
{
	uint64_t oldflags = vma->vm_flags;
	int64_t nr_pages;
	struct vmg g;
	int err;

	*res = vma;
	if (newflags == oldflags || !vma_supports_mlock(vma))
		return 0;
	trace(mm->sys, "mlock_fixup [%#lx-%#lx) flags %#lx -> %#lx",
	      UL(start), UL(end), UL(oldflags), UL(newflags));
	vmg_init(&g, vma->vm_prev, vma, start, end, newflags);
	vma = vma_modify(mm, &g, &err);
	if (!vma)
		return err;
	*res = vma;
	nr_pages = (int64_t)((end - start) >> PAGE_SHIFT);
	if (!(newflags & VM_LOCKED))
		nr_pages = -nr_pages;
	else if (oldflags & VM_LOCKED)
		nr_pages = 0;
	mm->locked_vm += (uint64_t)nr_pages;
	vma->vm_flags = newflags | (vma->vm_flags & VM_MAYBE_GUARD);
	/* mlock_vma_pages_range() drains this CPU's LRU batches around its
	 * walk, locking or unlocking (probed: mlock stopped by a hole after
	 * a VMA, munlock and munlockall of locked VMAs drain; munlock of
	 * unlocked memory and mlock of nothing do not) */
	lru_add_drain(mm->sys);
	return 0;
}

/* apply_vma_lock_flags(): 0, -EINVAL (wraps), -ENOMEM (a hole: the VMAs
 * before it changed), or mlock_fixup's error. */
static int apply_vma_lock_flags(struct vmsh_mm *mm, uint64_t start,
				uint64_t len, uint64_t flags)
{
	struct vmsh_vma *vma, *res;
	uint64_t end = start + len, nstart, tmp;
	int err;

	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	vma = find_vma(mm, start);
	if (!vma || vma->vm_start > start)
		return -ENOMEM;
	nstart = start;
	tmp = vma->vm_start;
	for (; vma && vma->vm_start < end; vma = res->vm_next) {
		uint64_t newflags;

		if (vma->vm_start != tmp)
			return -ENOMEM;
		newflags = (vma->vm_flags & ~VM_LOCKED_MASK) | flags;
		tmp = vma->vm_end < end ? vma->vm_end : end;
		err = mlock_fixup(mm, vma, &res, nstart, tmp, newflags);
		if (err)
			return err;
		tmp = res->vm_end;
		nstart = tmp;
	}
	if (tmp < end)
		return -ENOMEM;
	return 0;
}

/* count_mm_mlocked_page_nr(): locked pages already in [start, start+len). */
static uint64_t count_mm_mlocked_page_nr(struct vmsh_mm *mm, uint64_t start,
					 uint64_t len)
{
	uint64_t end = start + len, count = 0;
	struct vmsh_vma *vma;

	if (end < start)
		return 0;
	for (vma = find_vma(mm, start); vma && vma->vm_start < end;
	     vma = vma->vm_next) {
		if (!(vma->vm_flags & VM_LOCKED))
			continue;
		if (start > vma->vm_start)
			count -= start - vma->vm_start;
		if (end < vma->vm_end) {
			count += end - vma->vm_start;
			break;
		}
		count += vma->vm_end - vma->vm_start;
	}
	return count >> PAGE_SHIFT;
}

/* __mlock_posix_error_return() */
static int mlock_posix_error(int err)
{
	if (err == -EFAULT)
		return -ENOMEM;
	if (err == -ENOMEM)
		return -EAGAIN;
	return err;
}

int vmsh_mlock(struct vmsh_sys *sys, uint64_t start, uint64_t len, int flags)
{
	struct vmsh_mm *mm = current_mm(sys);
	uint64_t vm_flags = VM_LOCKED, locked, limit = lock_limit_pages(sys);
	int err;

	if (!mm)
		return -EFAULT;
	char fb[160];

	trace(sys, "do_mlock start=%#lx len=%#lx flags=%s", UL(start), UL(len),
	      flags_name(NAMES_MLOCK, flags, fb, sizeof(fb)));
	if (flags & ~VMSH_MLOCK_ONFAULT)
		return -EINVAL;
	if (flags & VMSH_MLOCK_ONFAULT)
		vm_flags |= VM_LOCKONFAULT;
	if (!can_do_mlock(sys))
		return -EPERM;
	len = PAGE_ALIGN(len + (start & ~PAGE_MASK));
	start &= PAGE_MASK;
	locked = (len >> PAGE_SHIFT) + mm->locked_vm;
	if (locked > limit)
		locked -= count_mm_mlocked_page_nr(mm, start, len);
	if (locked > limit)
		return -ENOMEM;
	err = apply_vma_lock_flags(mm, start, len, vm_flags);
	if (err)
		return err;
	err = mm_populate(sys, mm, start, start + len, false);
	return err ? mlock_posix_error(err) : 0;
}

int vmsh_munlock(struct vmsh_sys *sys, uint64_t start, uint64_t len)
{
	struct vmsh_mm *mm = current_mm(sys);

	if (!mm)
		return -EFAULT;
	trace(sys, "munlock start=%#lx len=%#lx", UL(start), UL(len));
	len = PAGE_ALIGN(len + (start & ~PAGE_MASK));
	start &= PAGE_MASK;
	return apply_vma_lock_flags(mm, start, len, 0);
}

/* apply_mlockall_flags(): errors of single VMAs are ignored. */
static void apply_mlockall_flags(struct vmsh_mm *mm, int flags)
{
	struct vmsh_vma *vma, *res;
	uint64_t to_add = 0;

	mm->def_flags &= ~VM_LOCKED_MASK;
	if (flags & VMSH_MCL_FUTURE) {
		mm->def_flags |= VM_LOCKED;
		if (flags & VMSH_MCL_ONFAULT)
			mm->def_flags |= VM_LOCKONFAULT;
		if (!(flags & VMSH_MCL_CURRENT))
			return;
	}
	if (flags & VMSH_MCL_CURRENT) {
		to_add |= VM_LOCKED;
		if (flags & VMSH_MCL_ONFAULT)
			to_add |= VM_LOCKONFAULT;
	}
	for (vma = mm->mmap; vma; vma = res->vm_next) {
		uint64_t newflags = (vma->vm_flags & ~VM_LOCKED_MASK) | to_add;

		if (mlock_fixup(mm, vma, &res, vma->vm_start, vma->vm_end,
				newflags))
			res = vma;
	}
}

int vmsh_mlockall(struct vmsh_sys *sys, int flags)
{
	struct vmsh_mm *mm = current_mm(sys);

	if (!mm)
		return -EFAULT;
	char fb[160];

	trace(sys, "mlockall flags=%s",
	      flags_name(NAMES_MLOCKALL, flags, fb, sizeof(fb)));
	if (!flags || (flags & ~(VMSH_MCL_CURRENT | VMSH_MCL_FUTURE |
				 VMSH_MCL_ONFAULT)) ||
	    flags == VMSH_MCL_ONFAULT)
		return -EINVAL;
	if (!can_do_mlock(sys))
		return -EPERM;
	if ((flags & VMSH_MCL_CURRENT) && mm->total_vm > lock_limit_pages(sys))
		return -ENOMEM;
	apply_mlockall_flags(mm, flags);
	if (flags & VMSH_MCL_CURRENT)
		populate_range(sys, mm, 0, mm->task_size);
	return 0;
}

int vmsh_munlockall(struct vmsh_sys *sys)
{
	struct vmsh_mm *mm = current_mm(sys);

	if (!mm)
		return -EFAULT;
	trace(sys, "munlockall");
	apply_mlockall_flags(mm, 0);
	return 0;
}

/* ---- mseal ------------------------------------------------------------------ */

static bool range_contains_unmapped(struct vmsh_mm *mm, uint64_t start,
				    uint64_t end)
{
	struct vmsh_vma *vma;
	uint64_t prev_end = start;

	for (vma = find_vma(mm, start); vma && vma->vm_start < end;
	     vma = vma->vm_next) {
		if (vma->vm_start > prev_end)
			return true;
		prev_end = vma->vm_end;
	}
	return prev_end < end;
}

int vmsh_mseal(struct vmsh_sys *sys, uint64_t start, uint64_t len_in,
	       uint64_t flags)
{
	struct vmsh_mm *mm = current_mm(sys);
	struct vmsh_vma *vma, *res;
	uint64_t end, cur;
	int err;

	if (!mm)
		return -EFAULT;
	trace(sys, "do_mseal start=%#lx len=%#lx", UL(start), UL(len_in));
	if (flags)
		return -EINVAL;
	err = user_range(start, len_in, &end);
	if (err <= 0)
		return err;
	if (range_contains_unmapped(mm, start, end))
		return -ENOMEM;
	/* mseal_apply() */
	cur = start;
	for (vma = find_vma(mm, start); vma && vma->vm_start < end;
	     vma = res->vm_next) {
		uint64_t cend = vma->vm_end < end ? vma->vm_end : end;

		res = vma;
		if (!(vma->vm_flags & VM_SEALED)) {
			struct vmg g;

			vmg_init(&g, vma->vm_prev, vma, cur, cend,
				 vma->vm_flags | VM_SEALED);
			res = vma_modify(mm, &g, &err);
			if (!res)
				return err;
			res->vm_flags |= VM_SEALED;
		}
		/* a merge with the next VMA ends past cend: go on from its
		 * end, so the piece after it merges too, as on Linux
		 * (mlock-912) */
		cur = res->vm_end < end ? res->vm_end : end;
	}
	return 0;
}
