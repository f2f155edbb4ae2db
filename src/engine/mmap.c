/* SPDX-License-Identifier: MIT */
/*
 * mmap and munmap (mm/mmap.c, mm/vma.c, mm/util.c, arch/x86 placement):
 * do_mmap with Linux's checks in Linux's order, get_unmapped_area with the
 * top-down gap search over the maple tree (mas_empty_area_rev), mmap_region with MAP_FIXED
 * replacement and merging, do_vmi_munmap with splitting.
 *
 * Invariants kept:
 *  - a call that fails leaves the mm as it was (all checks come before
 *    the first change, as in Linux, where the only failure after a change
 *    is impossible here: host allocation aborts instead);
 *  - total_vm/data_vm/stack_vm/exec_vm/locked_vm follow every VMA that is
 *    created, grown, shrunk or removed (vm_stat_account).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "fault.h"
#include "file.h"
#include "huge_memory.h"
#include "memory.h"
#include "mm.h"
#include "names.h"
#include "pgtable.h"
#include "phys.h"
#include "rbtree.h"
#include "sys.h"
#include "task.h"
#include "vm_flags.h"
#include "vma.h"

#define PMD_SIZE (1ULL << 21)
#define MAP_TYPE 0x0f
#define MAP_SHARED_VALIDATE 0x03

void vm_stat_account(struct vmsh_mm *mm, uint64_t flags, int64_t npages)
{
	mm->total_vm += npages;
	if ((flags & (VM_EXEC | VM_WRITE | VM_GROWSDOWN)) == VM_EXEC)
		mm->exec_vm += npages;
	else if (flags & VM_GROWSDOWN)
		mm->stack_vm += npages;
	else if ((flags & (VM_WRITE | VM_SHARED | VM_GROWSDOWN)) == VM_WRITE)
		mm->data_vm += npages;
}

/* ---- placement ------------------------------------------------------------ */

static struct vmsh_vma *last_vma(struct vmsh_mm *mm)
{
	return mt_find_rev(&mm->mm_mt, UINT64_MAX, NULL, NULL);
}

/* The VMA after a gap ending at @gap_end (vma_next after the search). */
static struct vmsh_vma *vma_after(struct vmsh_mm *mm, uint64_t gap_end)
{
	return gap_end ? mt_find(&mm->mm_mt, gap_end, UINT64_MAX, NULL, NULL) : NULL;
}

/*
 * Addresses and errors travel apart in placement: every function returns 0
 * or a negative errno and writes the address through @out.  (An address
 * in a signed return value turns an address at or above 2^63 into an
 * "error" that callers pass on as an address.)
 */

/*
 * unmapped_area_topdown() (mm/vma.c, 6.18): the highest gap of the
 * maple tree below @high that holds @length (vma_iter_area_highest:
 * mas_empty_area_rev over [low, high - 1]), moved down below a
 * following stack's guard gap when it reaches into it.
 */
static int unmapped_area_topdown(struct vmsh_mm *mm, uint64_t length,
				 uint64_t low, uint64_t high, uint64_t *out)
{
	uint64_t index, last, gap, gap_end;
	struct vmsh_vma *tmp;

	if (low < MMAP_MIN_ADDR)
		low = MMAP_MIN_ADDR;
	for (;;) {
		if (!high || mas_empty_area_rev(&mm->mm_mt, low, high - 1, length,
						&index, &last))
			return -ENOMEM;
		trace(mm->sys, "mas_empty_area_rev [%#lx, %#lx] size %#lx -> %#lx",
		      UL(low), UL(high - 1), UL(length), UL(index));
		gap_end = last + 1;
		gap = gap_end - length;
		tmp = vma_after(mm, gap_end);
		if (tmp && (tmp->vm_flags & VM_GROWSDOWN)) {
			if (vm_start_gap(tmp) < gap_end) {
				high = vm_start_gap(tmp);
				continue;
			}
		} else {
			tmp = gap ? mt_find_rev(&mm->mm_mt, gap - 1, NULL, NULL) : NULL;
			if (tmp && tmp->vm_end > gap) {
				high = tmp->vm_start;
				continue;
			}
		}
		*out = gap;
		return 0;
	}
}

/* unmapped_area() (6.18): the lowest gap (mas_empty_area). */
static int unmapped_area(struct vmsh_mm *mm, uint64_t length,
			 uint64_t low, uint64_t high, uint64_t *out)
{
	uint64_t index, last, gap;
	struct vmsh_vma *tmp;

	if (low < MMAP_MIN_ADDR)
		low = MMAP_MIN_ADDR;
	for (;;) {
		if (!high || mas_empty_area(&mm->mm_mt, low, high - 1, length,
					    &index, &last))
			return -ENOMEM;
		trace(mm->sys, "mas_empty_area [%#lx, %#lx] size %#lx -> %#lx",
		      UL(low), UL(high - 1), UL(length), UL(index));
		gap = index;
		tmp = vma_after(mm, last + 1);
		if (tmp && (tmp->vm_flags & VM_GROWSDOWN)) {
			if (vm_start_gap(tmp) < gap + length - 1) {
				low = tmp->vm_end;
				continue;
			}
		} else {
			tmp = gap ? mt_find_rev(&mm->mm_mt, gap - 1, NULL, NULL) : NULL;
			if (tmp && tmp->vm_end > gap) {
				low = tmp->vm_end;
				continue;
			}
		}
		*out = gap;
		return 0;
	}
}

/* x86 arch_get_unmapped_area_topdown() for the current mm. */
static int arch_get_unmapped_area_topdown(struct vmsh_mm *mm, uint64_t addr,
					  uint64_t len, int flags, uint64_t *out)
{
	uint64_t window = mm->mmap_window, high;

	if (len > mm->task_size)
		return -ENOMEM;
	*out = addr;
	if (flags & VMSH_MAP_FIXED)
		return 0;
	if (addr) {
		struct vmsh_vma *vma;

		addr &= PAGE_MASK;
		/* mmap_address_hint_valid() */
		if (mm->task_size - len >= addr &&
		    (addr > window) == (addr + len > window)) {
			vma = find_vma(mm, addr);
			*out = addr;
			if (!vma || addr + len <= vm_start_gap(vma))
				return 0;
		}
	}
	high = mm->mmap_base;
	if (addr > window)
		high += mm->task_size - window;
	if (!unmapped_area_topdown(mm, len, PAGE_SIZE, high, out))
		return 0;
	/* bottom-up fallback from TASK_UNMAPPED_BASE */
	return unmapped_area(mm, len, PAGE_ALIGN(window / 3), window, out);
}

/* __thp_get_unmapped_area() for anonymous memory (offset 0). */
static int thp_get_unmapped_area(struct vmsh_mm *mm, uint64_t addr,
				 uint64_t len, int flags, uint64_t *out)
{
	uint64_t len_pad = len + PMD_SIZE, off_sub, ret;

	if (len < PMD_SIZE || len_pad < len)
		goto plain;
	if (arch_get_unmapped_area_topdown(mm, addr, len_pad, flags, &ret))
		goto plain;
	if (ret == addr) {
		*out = ret;
		return 0;
	}
	off_sub = (0 - ret) & (PMD_SIZE - 1);
	*out = ret + (off_sub ? off_sub : PMD_SIZE);
	return 0;
plain:
	return arch_get_unmapped_area_topdown(mm, addr, len, flags, out);
}

int get_unmapped_area(struct vmsh_mm *mm, struct vmsh_file *file,
		      uint64_t addr, uint64_t len, uint64_t pgoff,
		      int flags, uint64_t vm_flags, uint64_t *out)
{
	uint64_t r = 0;
	int err;

	if (len > mm->task_size)
		return -ENOMEM;
	if (!file && !(flags & VMSH_MAP_SHARED) && !addr &&
	    !(len & (PMD_SIZE - 1)))
		err = thp_get_unmapped_area(mm, addr, len, flags, &r);
	else
		err = arch_get_unmapped_area_topdown(mm, addr, len, flags, &r);
	if (err) {
		trace(mm->sys, "get_unmapped_area addr=%#lx len=%#lx -> %d",
		      UL(addr), UL(len), err);
		return err;
	}
	trace(mm->sys, "get_unmapped_area addr=%#lx len=%#lx -> %#lx",
	      UL(addr), UL(len), UL(r));
	/* IS_ERR_VALUE(addr): a MAP_FIXED address in the last 4095 bytes
	 * reads as an error code (0xffffffffffffffff is -EPERM) */
	if (r >= (uint64_t)-4095)
		return (int)(int64_t)r;
	if (r > mm->task_size - len)
		return -ENOMEM;
	if (r & ~PAGE_MASK)
		return -EINVAL;
	/* security_mmap_addr(): cap_mmap_addr against mmap_min_addr */
	if (r < MMAP_MIN_ADDR)
		return -EPERM;
	*out = r;
	return 0;
}

/* ---- unmapping ------------------------------------------------------------ */

/* Unlinked VMAs [first..] (linked through vm_next, NULL-terminated) lose
 * their PTEs and go (vms_complete_munmap_vmas). */
static void unmap_detached(struct vmsh_mm *mm, struct vmsh_vma *list,
			   uint64_t floor, uint64_t ceiling)
{
	struct vmsh_vma *vma, *next;
	uint64_t start = list->vm_start, end = start;

	tlb_gather_mmu(mm);
	for (vma = list; vma; vma = vma->vm_next) {
		unmap_page_range(vma, vma->vm_start, vma->vm_end);
		end = vma->vm_end;
	}
	free_pgtables(mm, start, end, floor, ceiling);
	tlb_finish_mmu(mm);
	for (vma = list; vma; vma = next) {
		next = vma->vm_next;
		vm_stat_account(mm, vma->vm_flags, -(int64_t)vma_pages(vma));
		if (vma->vm_flags & VM_LOCKED)
			mm->locked_vm -= vma_pages(vma);
		vma->vm_next = vma->vm_prev = NULL;
		remove_vma(vma);
	}
}

/* What mmap_region will map where gather_munmap() detaches. */
struct mmap_grow {
	uint64_t vm_flags;      /* the new VMA's flags */
	uint64_t pages;         /* and size */
};

/*
 * Split at start/end and detach every VMA inside [start, end); the caller
 * has made sure a VMA intersects.  Returns the detached list (through
 * vm_next) and the floor/ceiling for free_pgtables, or an error before
 * any change.  mmap_region passes @grow (munmap NULL): once the splits
 * are done, may_expand_vm() by the pages beyond those replaced, ENOMEM
 * leaving the splits (Linux 6.18's __mmap_setup checks after
 * vms_gather_munmap_vmas, whose abort reattaches the split VMAs).
 */
static int gather_munmap(struct vmsh_mm *mm, struct vmsh_vma *vma,
			 uint64_t start, uint64_t end, struct vmsh_vma **list,
			 uint64_t *floor, uint64_t *ceiling,
			 const struct mmap_grow *grow)
{
	struct vmsh_vma *first, *last, *v, *next, **tail = list;

	if (start > vma->vm_start) {
		/* munmap may leave map_count just above the limit, not a
		 * three-way split past it */
		if (end < vma->vm_end &&
		    mm->map_count >= mm->sys->cfg.max_map_count)
			return -ENOMEM;
		/* don't bother splitting what cannot be unmapped */
		if (vma->vm_flags & VM_SEALED)
			return -EPERM;
		split_vma_nocheck(vma, start, true);
	}
	first = vma;
	last = first;
	while (last->vm_next && last->vm_next->vm_start < end)
		last = last->vm_next;
	/* a sealed VMA fails the unmap; as in Linux a split done at the
	 * start stays */
	for (v = first; ; v = v->vm_next) {
		if (v->vm_flags & VM_SEALED)
			return -EPERM;
		if (v == last)
			break;
	}
	if (last->vm_end > end)
		split_vma_nocheck(last, end, false);
	if (grow) {
		uint64_t nr = 0;

		for (v = first; ; v = v->vm_next) {
			nr += vma_pages(v);
			if (v == last)
				break;
		}
		if (!may_expand_vm(mm, grow->vm_flags, grow->pages - nr))
			return -ENOMEM;
	}
	*floor = first->vm_prev ? first->vm_prev->vm_end : 0;
	*ceiling = last->vm_next ? last->vm_next->vm_start : 0;
	/* one NULL store over the whole range (vma_iter_clear_gfp) */
	vma_iter_clear(mm, first->vm_start, last->vm_end);
	for (v = first; ; v = next) {
		next = v->vm_next;
		vma_unlink(mm, v);
		*tail = v;
		tail = &v->vm_next;
		if (v == last)
			break;
	}
	*tail = NULL;
	return 0;
}

int do_vmi_munmap(struct vmsh_mm *mm, uint64_t start, uint64_t len)
{
	struct vmsh_vma *vma, *list;
	uint64_t end, floor, ceiling;
	int err;

	if ((start & ~PAGE_MASK) || start > mm->task_size ||
	    len > mm->task_size - start)
		return -EINVAL;
	end = start + PAGE_ALIGN(len);
	if (end == start)
		return -EINVAL;
	trace(mm->sys, "do_vmi_munmap start=%#lx end=%#lx", UL(start), UL(end));
	vma = find_vma_intersection(mm, start, end);
	if (!vma)
		return 0;
	err = gather_munmap(mm, vma, start, end, &list, &floor, &ceiling, NULL);
	if (err)
		return err;
	unmap_detached(mm, list, floor, ceiling);
	return 0;
}

int vmsh_munmap(struct vmsh_sys *sys, uint64_t addr, uint64_t len)
{
	struct vmsh_mm *mm = current_mm(sys);

	if (!mm)
		return -EFAULT;
	sys->stat[ST_MUNMAP]++;
	return do_vmi_munmap(mm, addr, len);
}

void exit_mmap(struct vmsh_mm *mm)
{
	struct vmsh_vma *vma;

	trace(mm->sys, "exit_mmap mm=%u", mm->id);
	if (mm->mmap) {
		tlb_gather_mmu_fullmm(mm);
		for (vma = mm->mmap; vma; vma = vma->vm_next)
			unmap_page_range(vma, vma->vm_start, vma->vm_end);
		free_pgtables(mm, mm->mmap->vm_start, last_vma(mm)->vm_end, 0, 0);
		tlb_finish_mmu(mm);
		/* the maple tree goes at once (__mt_destroy) */
		mtree_destroy(&mm->mm_mt);
		while ((vma = mm->mmap)) {
			vma_unlink(mm, vma);
			vm_stat_account(mm, vma->vm_flags, -(int64_t)vma_pages(vma));
			remove_vma(vma);
		}
	}
	mm->locked_vm = 0;
	pgtable_free_all(mm);
}

/* ---- mapping -------------------------------------------------------------- */

/* accountable_mapping() */
static bool accountable(uint64_t vm_flags)
{
	return (vm_flags & (VM_NORESERVE | VM_SHARED | VM_WRITE)) == VM_WRITE;
}

/* mmap_region(): [addr, addr+len) is free or to be replaced (MAP_FIXED). */
static int mmap_region(struct vmsh_mm *mm, struct vmsh_file *file,
		       uint64_t addr, uint64_t len, uint64_t vm_flags,
		       uint64_t pgoff, bool shared_anon)
{
	struct vmsh_sys *sys = mm->sys;
	struct vmsh_vma *vma, *prev, *next, *old, *list = NULL;
	uint64_t end = addr + len, floor = 0, ceiling = 0;
	struct vmg g;
	int err;

	old = find_vma_intersection(mm, addr, end);
	if (old) {
		struct mmap_grow grow = { vm_flags, len >> PAGE_SHIFT };

		err = gather_munmap(mm, old, addr, end, &list, &floor, &ceiling,
				    &grow);
		if (err)
			return err;
	} else if (!may_expand_vm(mm, vm_flags, len >> PAGE_SHIFT)) {
		return -ENOMEM;
	}
	if (accountable(vm_flags))
		vm_flags |= VM_ACCOUNT;
	/* the old mappings lose their PTEs before the new one exists */
	if (list)
		unmap_detached(mm, list, floor, ceiling);

	next = find_vma_prev(mm, addr, &prev);
	vmg_init(&g, prev, NULL, addr, end, vm_flags);
	g.next = next;
	g.pgoff = pgoff;
	g.file = file;
	vma = NULL;
	if (prev || next)
		vma = vma_merge_new_range(mm, &g);
	if (!vma) {
		vma = vma_alloc(mm);
		vma->vm_start = addr;
		vma->vm_end = end;
		vma->vm_flags = vm_flags;
		vma->vm_pgoff = pgoff;
		if (file) {
			file_get(file);
			vma->vm_file = file;
			err = file_mmap(sys, vma);
			if (err) {
				unmap_page_range(vma, addr, end);
				file_put(sys, vma->vm_file);
				vma_free(vma);
				return err;
			}
		} else if (shared_anon) {
			err = shmem_zero_setup(sys, vma);
			if (err) {
				vma_free(vma);
				return err;
			}
		}
		vma_link(mm, vma);
		/* __mmap_new_vma(); a merge entered it in vma_merge_new_range */
		khugepaged_enter_vma(vma, vm_flags);
		if (file && vma->vm_flags != vm_flags &&
		    !(vma->vm_flags & VM_SPECIAL)) {
			struct vmsh_vma *merged;

			/* f_op->mmap changed the flags: try again */
			vmg_init(&g, vma->vm_prev, vma, vma->vm_start,
				 vma->vm_end, vma->vm_flags);
			merged = vma_modify(mm, &g, &err);
			if (merged)
				vma = merged;
		}
	}
	vm_flags = vma->vm_flags;
	vm_stat_account(mm, vm_flags, (int64_t)(len >> PAGE_SHIFT));
	if (vm_flags & VM_LOCKED) {
		if (vm_flags & VM_SPECIAL)
			vma->vm_flags &= ~(VM_LOCKED | VM_LOCKONFAULT);
		else
			mm->locked_vm += len >> PAGE_SHIFT;
	}
	/* Linux sets VM_SOFTDIRTY here, but the reference kernel is built
	 * without CONFIG_MEM_SOFT_DIRTY (VM_SOFTDIRTY == 0, no "sd" in
	 * VmFlags), so vmsh never sets it. */
	return 0;
}

/* file_mmap_ok(): the last byte's offset fits the file's largest size,
 * MAX_LFS_FILESIZE (2^63 - 1) for a regular file, ULONG_MAX for the
 * character devices. */
static bool file_mmap_ok(struct vmsh_file *file, uint64_t pgoff, uint64_t len)
{
	uint64_t maxsize = file_inode(file)->device ? UINT64_MAX : INT64_MAX;

	if (len > maxsize)
		return false;
	return pgoff <= (maxsize - len) >> PAGE_SHIFT;
}

int vmsh_mmap(struct vmsh_sys *sys, uint64_t addr, uint64_t len, int prot,
	      int flags, const char *name, uint64_t off, uint64_t *out)
{
	struct vmsh_file *file = NULL;
	uint64_t pgoff;
	int ret;

	if (!current_mm(sys))
		return -EFAULT;
	char pb[24], fb[160];

	trace(sys, "do_mmap addr=%#lx len=%#lx prot=%s flags=%s%s%s off=%#lx",
	      UL(addr), UL(len), prot_name(prot, pb, sizeof(pb)),
	      flags_name(NAMES_MMAP, flags, fb, sizeof(fb)), name ? " file=" : "",
	      name ? name : "", UL(off));
	/* x86 sys_mmap */
	if (off & ~PAGE_MASK)
		return -EINVAL;
	pgoff = off >> PAGE_SHIFT;
	/* ksys_mmap_pgoff */
	if (!(flags & VMSH_MAP_ANONYMOUS)) {
		file = name ? file_find(sys, name) : NULL;
		/* a name stands for an open descriptor: EBADF; a device
		 * node without a driver cannot be mapped: ENODEV */
		if (!file)
			return name && name[0] == '/' ? -ENODEV : -EBADF;
		/* a recording's file: the open file its mmaps share */
		if (file->one_open)
			file = file->one_open;
		/* fget(): held for the call, as a MAP_FIXED over the last
		 * mapping of a shared open file puts that file */
		file_get(file);
	}
	ret = do_mmap(sys, file, false, addr, len, prot, flags, pgoff, out);
	if (file)
		file_put(sys, file);
	return ret;
}

int do_mmap(struct vmsh_sys *sys, struct vmsh_file *file, bool read_only,
	    uint64_t addr, uint64_t len, int prot, int flags, uint64_t pgoff,
	    uint64_t *out)
{
	struct vmsh_mm *mm = current_mm(sys);
	uint64_t vm_flags = 0;
	bool shared_anon = false;
	int ret;

	if (!mm)
		return -EFAULT;
	if (!len)
		return -EINVAL;
	if (flags & VMSH_MAP_FIXED_NOREPLACE)
		flags |= VMSH_MAP_FIXED;
	if (!(flags & VMSH_MAP_FIXED)) {
		/* round_hint_to_min() */
		addr &= PAGE_MASK;
		if (addr && addr < MMAP_MIN_ADDR)
			addr = PAGE_ALIGN(MMAP_MIN_ADDR);
	}
	len = PAGE_ALIGN(len);
	if (!len)
		return -ENOMEM;
	if (pgoff + (len >> PAGE_SHIFT) < pgoff)
		return -EOVERFLOW;
	if (mm->map_count > sys->cfg.max_map_count)
		return -ENOMEM;
	ret = get_unmapped_area(mm, file, addr, len, pgoff, flags, 0, &addr);
	if (ret)
		return ret;
	if ((flags & VMSH_MAP_FIXED_NOREPLACE) &&
	    find_vma_intersection(mm, addr, addr + len))
		return -EEXIST;
	vm_flags |= calc_vm_prot_bits(prot);
	if (flags & VMSH_MAP_GROWSDOWN)
		vm_flags |= VM_GROWSDOWN;
	if (flags & VMSH_MAP_LOCKED)
		vm_flags |= VM_LOCKED;
	vm_flags |= mm->def_flags | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	if ((flags & VMSH_MAP_LOCKED) && !rlimit(sys, VMSH_RLIMIT_MEMLOCK))
		return -EPERM;          /* !can_do_mlock() */
	if (!mlock_future_ok(mm, vm_flags, len))
		return -EAGAIN;
	if (file) {
		if (!file_mmap_ok(file, pgoff, len))
			return -EOVERFLOW;
		switch (flags & MAP_TYPE) {
		case VMSH_MAP_SHARED:
		case MAP_SHARED_VALIDATE:
			/* simulated files are open read-write; a read-only
			 * one (shmat SHM_RDONLY) cannot be written through */
			if (read_only && (prot & VMSH_PROT_WRITE))
				return -EACCES;
			vm_flags |= VM_SHARED | VM_MAYSHARE;
			if (read_only)
				vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
			/* fall through */
		case VMSH_MAP_PRIVATE:
			if (vm_flags & VM_GROWSDOWN)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
	} else {
		switch (flags & MAP_TYPE) {
		case VMSH_MAP_SHARED:
			if (vm_flags & VM_GROWSDOWN)
				return -EINVAL;
			pgoff = 0;
			vm_flags |= VM_SHARED | VM_MAYSHARE;
			shared_anon = true;
			break;
		case VMSH_MAP_PRIVATE:
			pgoff = addr >> PAGE_SHIFT;
			break;
		default:
			return -EINVAL;
		}
	}
	if (flags & VMSH_MAP_NORESERVE)
		vm_flags |= VM_NORESERVE;
	sys->stat[ST_MMAP]++;
	ret = mmap_region(mm, file, addr, len, vm_flags, pgoff, shared_anon);
	if (ret)
		return ret;
	if ((vm_flags & VM_LOCKED_MASK) == VM_LOCKED ||
	    (flags & VMSH_MAP_POPULATE))
		populate_range(sys, mm, addr, addr + len);
	*out = addr;
	return 0;
}

int user_range(uint64_t start, uint64_t len_in, uint64_t *end)
{
	uint64_t len = PAGE_ALIGN(len_in);

	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (len_in && !len)
		return -EINVAL;
	*end = start + len;
	if (*end < start)
		return -EINVAL;
	return *end != start;
}
