/* SPDX-License-Identifier: MIT */
/*
 * Device nodes and their f_op->mmap (drivers/char/mem.c and two teaching
 * drivers):
 *
 *  /dev/zero       mmap_zero: shared -> shmem_zero_setup, private ->
 *                  vma_set_anonymous (vm_ops NULL; vm_file kept, so maps
 *                  shows "/dev/zero" with the node's dev and inode).
 *  /dev/vmsh-pfn   eager: its mmap fills every PTE at mmap time with
 *                  remap_pfn_range (VM_IO|VM_PFNMAP|VM_DONTEXPAND|
 *                  VM_DONTDUMP; special PTEs: no struct page use, not in
 *                  Rss, never merged, mremap cannot grow it).  64 KiB of
 *                  device memory.
 *  /dev/vmsh-lazy  lazy: pages served one at a time by vm_ops->fault, with
 *                  ->open (VMA duplicated by split, fork, mremap),
 *                  ->close (VMA removed), ->page_mkwrite (first write to a
 *                  page, the VMA is write-notified) and ->access (reads and
 *                  writes of its memory from outside the task's page
 *                  tables: the shell's `read`, as access_process_vm).
 *                  1 MiB of device memory.
 *
 * Device memory is the device node's page cache: frames of kind PAGE_DEV
 * allocated on first use, labelled "vmsh-pfn page N" / "vmsh-lazy page N"
 * at their start, held by the device until the machine is freed.
 *
 * Numbering: devtmpfs dev 00:06; inodes /dev/zero 4 (as on our build
 * machines), /dev/vmsh-pfn 900, /dev/vmsh-lazy 901.
 *
 * Invariants: every device node is created once per machine, on first use,
 * and lives in sys->devs until dev_fini; a mapping's range lies inside the
 * device memory (checked at mmap: -EINVAL).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fault.h"
#include "file.h"
#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "sys.h"
#include "vm_flags.h"
#include "vma.h"

#define PFN_DEV_PAGES  16
#define LAZY_DEV_PAGES 256

static int mmap_zero(struct vmsh_sys *sys, struct vmsh_vma *vma);
static int pfn_mmap(struct vmsh_sys *sys, struct vmsh_vma *vma);
static int lazy_mmap(struct vmsh_sys *sys, struct vmsh_vma *vma);

struct dev_desc {
	const char *path;
	const char *description;
	unsigned long ino;
	uint64_t pages;
	int (*mmap)(struct vmsh_sys *sys, struct vmsh_vma *vma);
};

static const struct dev_desc devices[] = {
	{ "/dev/zero", "zero-filled memory: private = anonymous, shared = shmem",
	  4, 0, mmap_zero },
	{ "/dev/vmsh-pfn", "eager: remap_pfn_range fills every PTE at mmap "
	  "(VM_IO|VM_PFNMAP), 64K", 900, PFN_DEV_PAGES, pfn_mmap },
	{ "/dev/vmsh-lazy", "lazy: vm_ops fault/open/close/page_mkwrite/access, "
	  "1M", 901, LAZY_DEV_PAGES, lazy_mmap },
};
#define NDEVICES (sizeof(devices) / sizeof(devices[0]))

const char *dev_describe(size_t i, const char **description)
{
	if (i >= NDEVICES)
		return NULL;
	*description = devices[i].description;
	return devices[i].path;
}

struct vmsh_file *dev_find(struct vmsh_sys *sys, const char *path)
{
	const struct dev_desc *d = NULL;
	struct vmsh_file *f;
	size_t i;

	for (i = 0; i < NDEVICES; i++)
		if (!strcmp(devices[i].path, path))
			d = &devices[i];
	if (!d)
		return NULL;
	for (f = sys->devs; f; f = f->next)
		if (!strcmp(f->path, path))
			return f;
	f = xcalloc(1, sizeof(*f));
	f->name = xstrdup(d->path + strlen("/dev/"));
	f->path = xstrdup(d->path);
	f->description = d->description;
	f->device = true;
	f->dev_major = 0;
	f->dev_minor = 6;
	f->ino = d->ino;
	f->dev_pages = d->pages;
	f->size = d->pages << PAGE_SHIFT;
	f->mmap = d->mmap;
	f->refcount = 1;                /* the device node itself */
	f->next = sys->devs;
	sys->devs = f;
	return f;
}

void dev_fini(struct vmsh_sys *sys)
{
	struct vmsh_file *f, *next;

	for (f = sys->devs; f; f = next) {
		next = f->next;
		f->refcount = 1;
		file_put(sys, f);
	}
	sys->devs = NULL;
}

/* The frame of device page @index, allocated and labelled on first use
 * (a reference for the caller). */
static int dev_page(struct vmsh_sys *sys, struct vmsh_file *f, uint64_t index,
		    uint64_t *pfn)
{
	bool fresh = file_cache_lookup(f, index) == UINT64_MAX;
	char label[48];
	int n;

	if (filemap_get_page(sys, f, index, true, pfn))
		return -ENOMEM;
	if (fresh) {
		n = snprintf(label, sizeof(label), "%s page %lu\n", f->name,
			     (unsigned long)index);
		phys_write(sys, *pfn, 0, (const uint8_t *)label, 0, (unsigned)n);
	}
	return 0;
}

static bool dev_range_ok(const struct vmsh_file *f, const struct vmsh_vma *vma)
{
	return vma->vm_pgoff < f->dev_pages &&
	       vma_pages(vma) <= f->dev_pages - vma->vm_pgoff;
}

/* ---- /dev/zero -------------------------------------------------------------- */

static int mmap_zero(struct vmsh_sys *sys, struct vmsh_vma *vma)
{
	if (vma->vm_flags & VM_SHARED)
		return shmem_zero_setup(sys, vma);
	vma->vm_ops = NULL;             /* vma_set_anonymous */
	trace(sys, "mmap_zero vma=%#lx-%#lx: vma_set_anonymous", vma->vm_start,
	      vma->vm_end);
	return 0;
}

/* ---- the eager device: remap_pfn_range ---------------------------------- */

static const struct vm_operations pfn_vm_ops = {
	.name = "vmsh_pfn_vm_ops",
};

static int pfn_mmap(struct vmsh_sys *sys, struct vmsh_vma *vma)
{
	struct vmsh_file *f = file_inode(vma->vm_file);
	uint64_t i, need = 0, first_pfn = 0, writable;

	if (!dev_range_ok(f, vma))
		return -EINVAL;
	for (i = 0; i < vma_pages(vma); i++)
		if (file_cache_lookup(f, vma->vm_pgoff + i) == UINT64_MAX)
			need++;
	/* device memory + at most a few page-table pages */
	if (need + 4 > sys->phys.nfree)
		return -ENOMEM;
	vma->vm_flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_ops = &pfn_vm_ops;
	writable = (vma->vm_flags & (VM_WRITE | VM_SHARED)) == (VM_WRITE | VM_SHARED);
	for (i = 0; i < vma_pages(vma); i++) {
		uint64_t addr = vma->vm_start + (i << PAGE_SHIFT), pfn, *pte;

		if (dev_page(sys, f, vma->vm_pgoff + i, &pfn))
			return -ENOMEM;
		phys_put(sys, pfn);     /* the device keeps its reference */
		if (!i)
			first_pfn = pfn;
		pte = pte_lookup(vma->vm_mm, addr, true);
		if (!pte)
			return -ENOMEM;
		*pte = pte_mkentry(pfn, vma->vm_flags, writable, false, true) |
		       _PAGE_SPECIAL;
	}
	trace(sys, "remap_pfn_range vma=%#lx-%#lx pfn=%#lx pages=%lu",
	      vma->vm_start, vma->vm_end, first_pfn, vma_pages(vma));
	/* a COW mapping of a PFN range records the pfn in vm_pgoff */
	if ((vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE)
		vma->vm_pgoff = first_pfn;
	return 0;
}

/* ---- the lazy device: vm_ops ------------------------------------------------ */

static int lazy_fault(struct vmsh_vma *vma, uint64_t pgoff, uint64_t *pfn)
{
	struct vmsh_sys *sys = vma->vm_mm->sys;
	struct vmsh_file *f = file_inode(vma->vm_file);

	if (pgoff >= f->dev_pages)
		return VM_FAULT_SIGBUS;
	if (dev_page(sys, f, pgoff, pfn))
		return VM_FAULT_OOM;
	trace(sys, "vmsh_lazy_fault pgoff=%#lx pfn=%#lx", pgoff, *pfn);
	return 0;
}

static void lazy_open(struct vmsh_vma *vma)
{
	trace(vma->vm_mm->sys, "vm_ops->open vma=%#lx-%#lx", vma->vm_start,
	      vma->vm_end);
}

static void lazy_close(struct vmsh_vma *vma)
{
	trace(vma->vm_mm->sys, "vm_ops->close vma=%#lx-%#lx", vma->vm_start,
	      vma->vm_end);
}

static int lazy_page_mkwrite(struct vmsh_vma *vma, uint64_t pgoff, uint64_t pfn)
{
	trace(vma->vm_mm->sys, "vmsh_lazy_page_mkwrite pgoff=%#lx pfn=%#lx",
	      pgoff, pfn);
	return 0;
}

/*
 * ->access (generic_access_phys style): copy @len bytes at @addr to or
 * from the device memory behind @vma, without the task's page tables.
 * Returns the bytes copied (stops at the VMA's end), or a negative errno.
 */
static int lazy_access(struct vmsh_vma *vma, uint64_t addr, uint8_t *buf,
		       uint64_t len, bool write)
{
	struct vmsh_sys *sys = vma->vm_mm->sys;
	struct vmsh_file *f = file_inode(vma->vm_file);
	uint64_t done = 0;

	trace(sys, "vm_ops->access vma=%#lx-%#lx addr=%#lx len=%#lx %s",
	      vma->vm_start, vma->vm_end, addr, len, write ? "write" : "read");
	if (addr < vma->vm_start || addr >= vma->vm_end)
		return -EFAULT;
	if (len > vma->vm_end - addr)
		len = vma->vm_end - addr;
	while (done < len) {
		uint64_t a = addr + done, pfn;
		uint64_t pgoff = linear_page_index(vma, a);
		unsigned in = a & (PAGE_SIZE - 1);
		unsigned n = PAGE_SIZE - in < len - done ? PAGE_SIZE - in : len - done;

		if (pgoff >= f->dev_pages)
			break;
		if (dev_page(sys, f, pgoff, &pfn))
			return done ? (int)done : -ENOMEM;
		if (write)
			phys_write(sys, pfn, in, buf + done, 0, n);
		else
			phys_read(sys, pfn, in, buf + done, n);
		phys_put(sys, pfn);
		done += n;
	}
	return (int)done;
}

static const struct vm_operations lazy_vm_ops = {
	.name = "vmsh_lazy_vm_ops",
	.open = lazy_open,
	.close = lazy_close,
	.fault = lazy_fault,
	.page_mkwrite = lazy_page_mkwrite,
	.access = lazy_access,
};

static int lazy_mmap(struct vmsh_sys *sys, struct vmsh_vma *vma)
{
	if (!dev_range_ok(file_inode(vma->vm_file), vma))
		return -EINVAL;
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_ops = &lazy_vm_ops;
	trace(sys, "vmsh_lazy_mmap vma=%#lx-%#lx pgoff=%#lx", vma->vm_start,
	      vma->vm_end, vma->vm_pgoff);
	return 0;
}
