/* SPDX-License-Identifier: MIT */
/*
 * Layouts of real processes (include/vmsh/layout.h): the initial stack,
 * the break and mmap_base where a recording says, the vDSO's special
 * mappings, and files at absolute paths.
 *
 * Special mappings are what _install_special_mapping() makes: a VMA with
 * no file, vm_ops special_mapping_vmops (no ->fault here: their pages are
 * the kernel's, not modelled) and the name in vm_private_data; their
 * VM_DONTEXPAND (a VM_SPECIAL flag) keeps them from ever merging.  The
 * [vsyscall] page is no VMA of the mm on Linux either: get_gate_vma()
 * adds it to /proc/PID/maps after the last VMA; here mm->gate_vma says it
 * is shown (fork copies the flag, execve's fresh mm has none).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "vmsh/layout.h"
#include "file.h"
#include "layout.h"
#include "mm.h"
#include "sys.h"
#include "task.h"
#include "vm_flags.h"
#include "vma.h"

#define PATH_MAX_LEN 4095

static const struct vm_operations special_mapping_vmops = {
	.name = "special_mapping_vmops",
};

static const struct special {
	const char *name;
	uint64_t flags;
} specials[] = {
	/* as /proc/self/smaps shows them on Linux 6.18 */
	{ "[vvar]", VM_READ | VM_MAYREAD | VM_PFNMAP | VM_IO | VM_DONTEXPAND |
		    VM_DONTDUMP },
	{ "[vvar_vclock]", VM_READ | VM_MAYREAD | VM_PFNMAP | VM_IO |
			   VM_DONTEXPAND | VM_DONTDUMP },
	{ "[vdso]", VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC |
		    VM_DONTEXPAND },
	{ "[vsyscall]", GATE_VM_FLAGS },
};

const char *special_mapping_name(const struct vmsh_vma *vma)
{
	return vma->vm_ops == &special_mapping_vmops ?
	       (const char *)vma->vm_private_data : NULL;
}

static bool bad_range(const struct vmsh_mm *mm, uint64_t start, uint64_t end)
{
	return (start | end) & ~PAGE_MASK || start >= end ||
	       end > mm->task_size || start < MMAP_MIN_ADDR;
}

/* Is [start, end) free of VMAs other than @except? */
static bool range_free(struct vmsh_mm *mm, uint64_t start, uint64_t end,
		       const struct vmsh_vma *except)
{
	struct vmsh_vma *v;

	for (v = find_vma(mm, start); v && v->vm_start < end; v = v->vm_next)
		if (v != except)
			return false;
	return true;
}

static struct vmsh_vma *new_vma(struct vmsh_mm *mm, uint64_t start,
				uint64_t end, uint64_t flags)
{
	struct vmsh_vma *vma = vma_alloc(mm);

	vma->vm_start = start;
	vma->vm_end = end;
	vma->vm_flags = flags;
	vma_link(mm, vma);
	vm_stat_account(mm, flags, (int64_t)vma_pages(vma));
	return vma;
}

int vmsh_layout_stack(struct vmsh_sys *sys, uint64_t start, uint64_t end)
{
	struct vmsh_mm *mm = current_mm(sys);
	struct vmsh_vma *old, *vma;

	if (!mm)
		return -EFAULT;
	if (bad_range(mm, start, end))
		return -EINVAL;
	old = find_vma(mm, mm->start_stack);
	if (old && (old->vm_start > mm->start_stack ||
		    !(old->vm_flags & VM_GROWSDOWN)))
		old = NULL;
	if (!range_free(mm, start, end, old))
		return -EEXIST;
	trace(sys, "layout stack %#lx-%#lx", UL(start), UL(end));
	if (old && do_vmi_munmap(mm, old->vm_start, old->vm_end - old->vm_start))
		return -ENOMEM;
	vma = new_vma(mm, start, end, VM_STACK_FLAGS);
	vma->vm_pgoff = start >> PAGE_SHIFT;
	mm->start_stack = end - PAGE_SIZE;
	return 0;
}

int vmsh_layout_brk(struct vmsh_sys *sys, uint64_t start_brk, uint64_t brk)
{
	struct vmsh_mm *mm = current_mm(sys);

	if (!mm)
		return -EFAULT;
	if (start_brk > brk || brk >= mm->task_size || start_brk < MMAP_MIN_ADDR)
		return -EINVAL;
	trace(sys, "layout brk start_brk=%#lx brk=%#lx", UL(start_brk), UL(brk));
	mm->start_brk = start_brk;
	mm->brk = brk;
	return 0;
}

int vmsh_layout_mmap_base(struct vmsh_sys *sys, uint64_t base)
{
	struct vmsh_mm *mm = current_mm(sys);

	if (!mm)
		return -EFAULT;
	if (base & ~PAGE_MASK || base < MMAP_MIN_ADDR || base > mm->mmap_window)
		return -EINVAL;
	trace(sys, "layout mmap_base %#lx", UL(base));
	mm->mmap_base = base;
	return 0;
}

int vmsh_layout_special(struct vmsh_sys *sys, const char *name,
			uint64_t start, uint64_t end)
{
	struct vmsh_mm *mm = current_mm(sys);
	const struct special *sp = NULL;
	struct vmsh_vma *vma;

	if (!mm)
		return -EFAULT;
	for (size_t i = 0; name && i < sizeof(specials) / sizeof(specials[0]); i++)
		if (!strcmp(specials[i].name, name))
			sp = &specials[i];
	if (!sp)
		return -EINVAL;
	if (sp->flags == GATE_VM_FLAGS) {
		if (start != VMSH_VSYSCALL_START || end != VMSH_VSYSCALL_END)
			return -EINVAL;
		mm->gate_vma = true;
		return 0;
	}
	if (bad_range(mm, start, end))
		return -EINVAL;
	if (!range_free(mm, start, end, NULL))
		return -EEXIST;
	trace(sys, "_install_special_mapping %s %#lx-%#lx", sp->name, UL(start),
	      UL(end));
	vma = new_vma(mm, start, end, sp->flags);
	vma->vm_ops = &special_mapping_vmops;
	vma->vm_private_data = (void *)(uintptr_t)sp->name;
	return 0;
}

int vmsh_file_create_path(struct vmsh_sys *sys, const char *path,
			  uint64_t size, bool disk)
{
	int err;

	if (!path || path[0] != '/' || !path[1])
		return -EINVAL;
	if (strlen(path) > PATH_MAX_LEN)
		return -ENAMETOOLONG;
	err = file_create(sys, path, "", size, disk);
	if (!err)
		file_lookup(sys, path)->recorded = true;
	return err;
}
