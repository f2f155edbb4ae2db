/* SPDX-License-Identifier: MIT */
/*
 * mremap (mm/mremap.c of Linux 6.17+: check_mremap_params, check_prep_vma,
 * mremap_at/mremap_to, expand in place through vma_merge_extend, move via
 * copy_vma + move_page_tables + unmap of the source).
 *
 * Invariants kept:
 *  - the checks that can fail come before the first change, except for
 *    MREMAP_FIXED, where Linux itself unmaps the destination first;
 *  - a move carries the PTEs (Rss unchanged); an unfaulted anonymous VMA
 *    gets pgoff = new_addr >> 12 at its destination, a faulted one keeps
 *    its pgoff.
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

struct remap {
	struct vmsh_mm *mm;
	struct vmsh_vma *vma;
	uint64_t addr, old_len, new_len, new_addr;
	int flags;
};

/* copy_vma(): the VMA at the destination, merged with its neighbours when
 * possible. */
static struct vmsh_vma *copy_vma(struct remap *r, uint64_t pgoff)
{
	struct vmsh_mm *mm = r->mm;
	struct vmsh_vma *vma = r->vma, *prev, *next, *new;
	uint64_t addr = r->new_addr, len = r->new_len;
	struct vmg g;

	if (vma_is_anonymous(vma) && !vma->anon_vma)
		pgoff = addr >> PAGE_SHIFT;
	next = find_vma_prev(mm, addr, &prev);
	vmg_init(&g, prev, NULL, addr, addr + len, vma->vm_flags);
	g.next = next;
	g.file = vma->vm_file;
	g.anon_vma = vma->anon_vma;
	g.pgoff = pgoff;
	new = vma_merge_new_range(mm, &g);
	if (new)
		return new;
	new = vm_area_dup(vma);
	new->vm_start = addr;
	new->vm_end = addr + len;
	new->vm_pgoff = pgoff;
	if (new->vm_ops && new->vm_ops->open)
		new->vm_ops->open(new);
	vma_link(mm, new);
	return new;
}

/*
 * The moves below return 0 or a negative errno and leave the resulting
 * address in r->new_addr: an address is never carried in a signed
 * return value.
 */
static int move_vma(struct remap *r)
{
	struct vmsh_mm *mm = r->mm;
	struct vmsh_vma *vma = r->vma, *new;
	uint64_t pgoff, flags = vma->vm_flags;
	int err;

	if (mm->map_count >= mm->sys->cfg.max_map_count - 3)
		return -ENOMEM;
	trace(mm->sys, "move_vma %#lx len %#lx -> %#lx len %#lx", UL(r->addr),
	      UL(r->old_len), UL(r->new_addr), UL(r->new_len));
	pgoff = linear_page_index(vma, r->addr);
	new = copy_vma(r, pgoff);
	/* the source may have been merged into the new VMA */
	vma = find_vma(mm, r->addr);
	move_page_tables(vma, r->addr, new, r->new_addr, r->old_len);
	vm_stat_account(mm, flags, (int64_t)(r->new_len >> PAGE_SHIFT));
	if (flags & VM_LOCKED)
		mm->locked_vm += r->new_len >> PAGE_SHIFT;
	/* old_len 0 duplicates a shared mapping: nothing to unmap (Linux
	 * ignores the munmap failure here) */
	err = r->old_len ? do_vmi_munmap(mm, r->addr, r->old_len) : 0;
	if (err)
		return err;
	if (flags & VM_LOCKED)
		populate_range(mm->sys, mm, r->new_addr + r->old_len,
			       r->new_addr + r->new_len);
	return 0;
}

/* vrm_set_new_addr() */
static int set_new_addr(struct remap *r)
{
	struct vmsh_vma *vma = r->vma;
	uint64_t pgoff = linear_page_index(vma, r->addr);
	uint64_t hint = (r->flags & VMSH_MREMAP_FIXED) ? r->new_addr : 0;
	int map_flags = 0;

	if (r->flags & VMSH_MREMAP_FIXED)
		map_flags |= VMSH_MAP_FIXED;
	if (vma->vm_flags & VM_MAYSHARE)
		map_flags |= VMSH_MAP_SHARED;
	return get_unmapped_area(r->mm, vma->vm_file, hint, r->new_len, pgoff,
				 map_flags, 0, &r->new_addr);
}

/* vma_expandable() */
static bool vma_expandable(struct vmsh_mm *mm, struct vmsh_vma *vma,
			   uint64_t delta)
{
	uint64_t end = vma->vm_end + delta;

	if (end < vma->vm_end)
		return false;
	if (find_vma_intersection(mm, vma->vm_end, end))
		return false;
	/* get_unmapped_area(MAP_FIXED) */
	if (end - vma->vm_start > mm->task_size ||
	    vma->vm_start > mm->task_size - (end - vma->vm_start))
		return false;
	return true;
}

static int expand_in_place(struct remap *r)
{
	struct vmsh_mm *mm = r->mm;
	struct vmsh_vma *vma = r->vma, *res;
	uint64_t delta = r->new_len - r->old_len;
	struct vmg g;

	trace(mm->sys, "vma_merge_extend [%#lx-%#lx) by %#lx",
	      UL(vma->vm_start), UL(vma->vm_end), UL(delta));
	vmg_init(&g, vma, vma, vma->vm_end, vma->vm_end + delta, vma->vm_flags);
	g.middle = NULL;
	g.next = vma->vm_next;
	res = vma_merge_new_range(mm, &g);
	if (!res)
		return -ENOMEM;
	vm_stat_account(mm, res->vm_flags, (int64_t)(delta >> PAGE_SHIFT));
	if (res->vm_flags & VM_LOCKED) {
		mm->locked_vm += delta >> PAGE_SHIFT;
		populate_range(mm->sys, mm, r->addr + r->old_len,
			       r->addr + r->new_len);
	}
	r->new_addr = r->addr;
	return 0;
}

/* check_prep_vma() */
static int check_prep_vma(struct remap *r, bool will_map_new)
{
	struct vmsh_vma *vma = r->vma;
	uint64_t old_len = r->old_len, pgoff;

	if (!vma)
		return -EFAULT;
	if (vma->vm_flags & VM_SEALED)          /* mseal()'d */
		return -EPERM;
	if (!will_map_new)
		return 0;
	if (!r->old_len && !(vma->vm_flags & (VM_SHARED | VM_MAYSHARE)))
		return -EINVAL;
	if (r->old_len > r->new_len)
		old_len = r->new_len;
	if (old_len > vma->vm_end - r->addr)
		return -EFAULT;
	if (r->new_len == old_len)
		return 0;
	pgoff = linear_page_index(vma, r->addr);
	if (pgoff + (r->new_len >> PAGE_SHIFT) < pgoff)
		return -EINVAL;
	if (vma->vm_flags & (VM_DONTEXPAND | VM_PFNMAP))
		return -EFAULT;
	if (!mlock_future_ok(r->mm, vma->vm_flags, r->new_len - old_len))
		return -EAGAIN;
	if (!may_expand_vm(r->mm, vma->vm_flags,
			   (r->new_len - old_len) >> PAGE_SHIFT))
		return -ENOMEM;
	return 0;
}

/* mremap_to() of one piece: unmap the destination, then move. */
static int mremap_to_piece(struct remap *r)
{
	int err = do_vmi_munmap(r->mm, r->new_addr, r->new_len);

	if (err)
		return err;
	r->vma = vma_lookup(r->mm, r->addr);
	if (!r->vma)
		return -EFAULT;
	err = set_new_addr(r);
	if (err)
		return err;
	return move_vma(r);
}

/*
 * remap_move() (Linux 6.17+): MREMAP_FIXED with old_len == new_len moves
 * every VMA of [addr, addr + old_len), keeping the gaps between them; no
 * gap is allowed at the start.
 */
static int remap_move(struct remap *r)
{
	struct vmsh_mm *mm = r->mm;
	uint64_t start = r->addr, end = r->addr + r->old_len, cur = start;
	uint64_t target = r->new_addr, last_end = 0, first = 0;
	bool seen = false;
	int err;

	for (;;) {
		struct vmsh_vma *vma = find_vma_intersection(mm, cur, end);
		uint64_t a, len, offset;

		if (!vma)
			break;
		if (!seen && start < vma->vm_start)
			return -EFAULT;
		a = vma->vm_start > start ? vma->vm_start : start;
		len = (end < vma->vm_end ? end : vma->vm_end) - a;
		offset = seen ? vma->vm_start - last_end : 0;
		last_end = vma->vm_end;
		r->vma = vma;
		r->addr = a;
		r->new_addr = target + offset;
		r->old_len = r->new_len = len;
		if (vma->vm_flags & VM_SEALED)
			return -EPERM;
		if (vma->vm_file && file_inode(vma->vm_file)->device) {
			/* vma_multi_allowed(): no for a file with its own
			 * get_unmapped_area, as /dev/zero has (a private
			 * /dev/zero VMA keeps that file; a shared one is
			 * shmem, which is allowed) */
			if (seen || vma->vm_end < end)
				return -EFAULT;
		}
		err = mremap_to_piece(r);
		if (err)
			return err;
		if (!seen)
			first = r->new_addr;
		seen = true;
		target = r->new_addr + len;
		cur = a + len;
		if (cur >= end)
			break;
	}
	if (!seen)
		return -EFAULT;
	r->new_addr = first;
	return 0;
}

int vmsh_mremap(struct vmsh_sys *sys, uint64_t addr, uint64_t old_len,
		uint64_t new_len, int flags, uint64_t new_addr, uint64_t *out)
{
	struct vmsh_mm *mm = current_mm(sys);
	struct remap r = { .mm = mm, .addr = addr, .flags = flags,
			   .new_addr = new_addr };
	bool fixed = flags & VMSH_MREMAP_FIXED, will_map_new;
	int err;

	if (!mm)
		return -EFAULT;
	char fb[160];

	trace(sys, "do_mremap addr=%#lx old_len=%#lx new_len=%#lx flags=%s new_addr=%#lx",
	      UL(addr), UL(old_len), UL(new_len),
	      flags_name(NAMES_MREMAP, flags, fb, sizeof(fb)), UL(new_addr));
	/* check_mremap_params() */
	if (flags & ~(VMSH_MREMAP_FIXED | VMSH_MREMAP_MAYMOVE))
		return -EINVAL;
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	r.old_len = PAGE_ALIGN(old_len);
	r.new_len = PAGE_ALIGN(new_len);
	if (!r.new_len)
		return -EINVAL;
	if (r.new_len > mm->task_size)
		return -EINVAL;
	if (fixed) {
		if (new_addr & ~PAGE_MASK)
			return -EINVAL;
		if (!(flags & VMSH_MREMAP_MAYMOVE))
			return -EINVAL;
		if (new_addr > mm->task_size - r.new_len)
			return -EINVAL;
		if (addr + r.old_len > new_addr && new_addr + r.new_len > addr)
			return -EINVAL;
		if (mm->map_count + 2 >= sys->cfg.max_map_count - 3)
			return -ENOMEM;
	}
	sys->stat[ST_MREMAP]++;
	if (!(fixed && r.old_len == r.new_len)) {
		r.vma = vma_lookup(mm, addr);
		will_map_new = fixed || r.new_len > r.old_len;
		err = check_prep_vma(&r, will_map_new);
		if (err)
			return err;
	}

	if (fixed && r.old_len == r.new_len) {
		err = remap_move(&r);
	} else if (fixed) {
		/* mremap_to() */
		err = do_vmi_munmap(mm, r.new_addr, r.new_len);
		if (err)
			return err;
		r.vma = vma_lookup(mm, addr);
		if (!r.vma)
			return -EFAULT;
		if (r.old_len > r.new_len) {
			err = do_vmi_munmap(mm, addr + r.new_len,
					    r.old_len - r.new_len);
			if (err)
				return err;
			r.old_len = r.new_len;
			r.vma = vma_lookup(mm, addr);
		}
		err = set_new_addr(&r);
		if (err)
			return err;
		err = move_vma(&r);
	} else if (r.new_len <= r.old_len) {
		err = r.new_len == r.old_len ? 0 :
		      do_vmi_munmap(mm, addr + r.new_len, r.old_len - r.new_len);
		r.new_addr = addr;
	} else if (r.old_len == r.vma->vm_end - addr &&
		   vma_expandable(mm, r.vma, r.new_len - r.old_len)) {
		err = expand_in_place(&r);
	} else if (!(flags & VMSH_MREMAP_MAYMOVE)) {
		err = -ENOMEM;
	} else {
		err = set_new_addr(&r);
		if (!err)
			err = move_vma(&r);
	}
	if (err)
		return err;
	*out = r.new_addr;
	return 0;
}
