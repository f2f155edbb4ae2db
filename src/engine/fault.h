/* SPDX-License-Identifier: MIT */
/*
 * Page faults: the handler (fault.c, mm/memory.c handle_mm_fault and
 * below), the fault paths of file, shmem and device mappings (filemap.c)
 * and populating a range as MAP_POPULATE and mlock do.
 */
#ifndef VMSH_SRC_ENGINE_FAULT_H
#define VMSH_SRC_ENGINE_FAULT_H

#include <stdbool.h>
#include <stdint.h>

#include "vmsh/vmsh.h"

struct vmsh_mm;
struct vmsh_sys;
struct vmsh_vma;

/* What a fault handler returns besides 0 (vm_fault_t). */
#define VM_FAULT_OOM     0x1
#define VM_FAULT_SIGBUS  0x2
#define VM_FAULT_SIGSEGV 0x4
#define VM_FAULT_RETRY   0x400  /* filemap.c internal: fault again */

/* Handle a fault at @addr; returns 0 or VM_FAULT_* with f filled. */
int handle_mm_fault(struct vmsh_sys *sys, struct vmsh_mm *mm, uint64_t addr,
		    bool write, struct vmsh_fault *f);
/* Populate [start, end) as MAP_POPULATE / mlock do.
 * GUP's FOLL_TOUCH marks every page it populates accessed
 * (mark_page_accessed: PG_referenced), so a forked child, whose PTEs are
 * old, still counts populated pages as Referenced in smaps (e.g. a
 * MAP_LOCKED or MAP_POPULATE area: child Referenced = Rss).  Likewise
 * write(2) to a tmpfs file marks the page accessed (shmem_get_folio with
 * SGP_WRITE): a child mapping such file pages shows them Referenced.
 * 0, or -ENOMEM when a fault found no frame. */
int populate_range(struct vmsh_sys *sys, struct vmsh_mm *mm, uint64_t start,
		   uint64_t end);
/* __mm_populate(): populate_range is it with @ignore_errors; without,
 * the first failure ends it: -EFAULT (a fault failed, or a PROT_NONE
 * VMA), -ENOMEM (no frame). */
int mm_populate(struct vmsh_sys *sys, struct vmsh_mm *mm, uint64_t start,
		uint64_t end, bool ignore_errors);

/* faultin_page_range() for MADV_POPULATE_(READ|WRITE): GUP without
 * FOLL_FORCE over [start, end).  0; -ENOMEM at a hole (or no frame);
 * -EINVAL for a VMA GUP refuses (VM_IO/VM_PFNMAP, no VM_READ for a read,
 * no VM_WRITE or a shared read-only mapping for a write); -EFAULT when a
 * fault fails (SIGSEGV: a guard marker; SIGBUS: past EOF).  The pages
 * before the failure stay populated. */
int faultin_page_range(struct vmsh_sys *sys, struct vmsh_mm *mm,
		       uint64_t start, uint64_t end, bool write);

/* filemap.c: faults on VMAs backed by a file, shmem or a device's vm_ops
 * (read fault with fault-around, COW of a private file page, shared fault
 * with page_mkwrite).  handle_mm_fault calls it for such VMAs when the PTE
 * is not present, or for a write to a write-protected shared-file PTE.
 * Returns 0 or VM_FAULT_*.
 * "Such VMAs" are those with vm_ops != NULL (!vma_is_anonymous): a private
 * /dev/zero VMA has a vm_file but no vm_ops and is anonymous.  A write to
 * a present read-only PTE of a private (COW) file VMA is handle_mm_fault's
 * do_wp_page: the page-cache page is never reused, always copied (use
 * page_mm_counter for the counters).  On VM_FAULT_SIGBUS (past EOF, or
 * a device's fault refusing) @f is filled with SIGBUS/BUS_ADRERR; the
 * access path counts and delivers the signal.  VM_FAULT_OOM: no frame. */
int do_file_fault(struct vmsh_sys *sys, struct vmsh_vma *vma, uint64_t addr,
		  bool write, struct vmsh_fault *f);

#endif /* VMSH_SRC_ENGINE_FAULT_H */
