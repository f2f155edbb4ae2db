/* SPDX-License-Identifier: MIT */
/*
 * Memory accesses of the current task: what the CPU does for each load
 * and store, page by page.
 *
 *   TLB hit with enough rights ---------------------------> frame
 *   else page walk: P, US, (RW for a store) -> set A (D) --> fill TLB -> frame
 *   else #PF -> handle_mm_fault -> retry, or a signal that stops the access
 *
 * A read of a VMA whose driver has vm_ops->access goes through it instead
 * (access_vma below).
 *
 * Invariants: an access never changes anything but the frames it stores
 * to, the A/D bits of the PTEs it walks, the TLB, and what the faults it
 * takes change; a signal stops it at the faulting byte, with *done saying
 * how many bytes were transferred before it.  An interruption
 * (vmsh_sys_set_interrupt) stops it the same way between pages, with
 * -EINTR and f->addr the first byte not accessed.  A fill never gives a frame a
 * buffer when it covers the whole page (phys.c's sparse contents).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "fault.h"
#include "mm.h"
#include "phys.h"
#include "replace_mm.h"
#include "sys.h"
#include "task.h"
#include "tlb.h"
#include "vm_flags.h"
#include "vma.h"

#ifndef SI_KERNEL
#define SI_KERNEL 0x80
#endif

/* Bits 63..va_bits-1 must all equal bit va_bits-1 (else #GP). */
static bool canonical(const struct vmsh_sys *sys, uint64_t addr)
{
	unsigned va_bits = PAGE_SHIFT + 9 * sys->cfg.levels;
	int64_t s = (int64_t)(addr << (64 - va_bits)) >> (64 - va_bits);

	return (uint64_t)s == addr;
}

static int deliver(struct vmsh_sys *sys, struct vmsh_task *task, int ret,
		   uint64_t addr, struct vmsh_fault *f)
{
	if (ret & VM_FAULT_OOM) {
		memset(f, 0, sizeof(*f));
		f->signo = SIGKILL;
		f->addr = addr;
		f->pid = task->pid;
		oom_kill_task(sys, task);       /* counts ST_OOM_KILL */
		return 1;
	}
	if (!f->signo) {
		f->signo = (ret & VM_FAULT_SIGBUS) ? SIGBUS : SIGSEGV;
		f->code = (ret & VM_FAULT_SIGBUS) ? BUS_ADRERR : SEGV_ACCERR;
		f->addr = addr;
	}
	f->pid = task->pid;
	if (f->signo == SIGBUS)
		sys->stat[ST_SIGBUS]++;
	else
		sys->stat[ST_SIGSEGV]++;
	return 1;
}

static int segv(struct vmsh_sys *sys, int pid, int code, uint64_t addr,
		struct vmsh_fault *f)
{
	memset(f, 0, sizeof(*f));
	f->signo = SIGSEGV;
	f->code = code;
	f->addr = addr;
	f->pid = pid;
	sys->stat[ST_SIGSEGV]++;
	return 1;
}

/*
 * Translate @addr for a load or store of the current task.  Returns 0 with
 * *pfn set, or 1 with *f describing the signal that stopped the access.
 */
static int access_page(struct vmsh_sys *sys, uint64_t addr, bool write,
		       uint64_t *pfn, struct vmsh_fault *f)
{
	struct vmsh_task *task = sys->current;
	struct vmsh_mm *mm = task ? task->mm : NULL;
	int tries;

	if (!task)
		return segv(sys, 0, SEGV_MAPERR, addr, f);
	if (!mm)
		return segv(sys, task->pid, SEGV_MAPERR, addr, f);
	if (!canonical(sys, addr))
		/* #GP, not #PF: the kernel reports SI_KERNEL, address 0 */
		return segv(sys, task->pid, SI_KERNEL, 0, f);
	if (sys->replace && replace_access(sys, mm, addr, write))
		return deliver(sys, task, VM_FAULT_OOM, addr, f);

	for (tries = 0; tries < 4; tries++) {
		int ret;

		/* TLB, else the hardware walk setting A/D (tlb.c) */
		if (addr < mm->task_size &&
		    mmu_translate(sys, mm, addr, write, pfn) == 0)
			return 0;
		ret = handle_mm_fault(sys, mm, addr, write, f);
		if (ret)
			return deliver(sys, task, ret, addr, f);
	}
	/* Four faults without progress: the model is broken. */
	return segv(sys, task->pid, SEGV_ACCERR, addr, f);
}

/* A frame an access may touch: with lazy_flush a stale TLB entry can hand
 * out a freed frame (the data then goes nowhere) or the zero page. */
static bool frame_ok(const struct vmsh_sys *sys, uint64_t pfn, bool write)
{
	if (pfn >= sys->phys.nframes || sys->phys.pages[pfn].kind == PAGE_FREE ||
	    sys->phys.pages[pfn].kind == PAGE_PGTABLE)
		return false;
	return !(write && pfn == sys->phys.zero_pfn);
}

int vmsh_touch(struct vmsh_sys *sys, uint64_t addr, uint64_t len,
	       struct vmsh_fault *f)
{
	uint64_t end = addr + len, pfn;

	memset(f, 0, sizeof(*f));
	if (len == 0)
		return 0;
	if (end < addr)
		end = 0;        /* to the top of the address space */
	for (;;) {
		if (interrupted(sys)) {
			f->addr = addr;
			return -EINTR;
		}
		if (access_page(sys, addr, false, &pfn, f))
			return 1;
		addr = (addr & PAGE_MASK) + PAGE_SIZE;
		if (addr == 0 || (end && addr >= end))
			break;
	}
	return 0;
}

/* Bytes of the page at @addr from @addr on, at most @left. */
static unsigned chunk_of(uint64_t addr, uint64_t left)
{
	uint64_t room = PAGE_SIZE - (addr & ~PAGE_MASK);

	return left < room ? left : room;
}

int vmsh_write(struct vmsh_sys *sys, uint64_t addr, const uint8_t *buf,
	       uint8_t fill, uint64_t len, uint64_t *done, struct vmsh_fault *f)
{
	uint64_t pfn, n = 0;

	memset(f, 0, sizeof(*f));
	while (n < len) {
		uint64_t a = addr + n;
		unsigned chunk = chunk_of(a, len - n);

		if (interrupted(sys)) {
			if (done)
				*done = n;
			f->addr = a;
			return -EINTR;
		}
		if (access_page(sys, a, true, &pfn, f)) {
			if (done)
				*done = n;
			return 1;
		}
		if (frame_ok(sys, pfn, true))
			phys_write(sys, pfn, a & ~PAGE_MASK, buf ? buf + n : NULL,
				   fill, chunk);
		n += chunk;
		if (a + chunk == 0)
			break;  /* wrapped past the top */
	}
	if (done)
		*done = n;
	return 0;
}

/*
 * The VMA whose vm_ops->access serves a read at @addr, or NULL.  Such a
 * VMA's memory is read the way a debugger reads it (access_process_vm:
 * /proc/PID/mem, PTRACE_PEEKDATA): through the driver, without the task's
 * page tables, so nothing is faulted in.  A VMA the task may not read
 * still faults as a load would.
 */
static struct vmsh_vma *access_vma(struct vmsh_sys *sys, uint64_t addr)
{
	struct vmsh_mm *mm = sys->current ? sys->current->mm : NULL;
	struct vmsh_vma *vma;

	if (!mm)
		return NULL;
	vma = find_vma(mm, addr);
	if (!vma || addr < vma->vm_start || !(vma->vm_flags & VM_READ) ||
	    !vma->vm_ops || !vma->vm_ops->access)
		return NULL;
	return vma;
}

int vmsh_read(struct vmsh_sys *sys, uint64_t addr, uint8_t *buf, uint64_t len,
	      uint64_t *done, struct vmsh_fault *f)
{
	uint64_t pfn, n = 0;

	memset(f, 0, sizeof(*f));
	while (n < len) {
		uint64_t a = addr + n;
		unsigned chunk = chunk_of(a, len - n);
		struct vmsh_vma *vma;

		if (interrupted(sys)) {
			if (done)
				*done = n;
			f->addr = a;
			return -EINTR;
		}
		vma = access_vma(sys, a);
		if (vma) {
			uint64_t want = len - n;
			int got;

			if (want > vma->vm_end - a)
				want = vma->vm_end - a;
			got = vma->vm_ops->access(vma, a, buf + n, want, false);
			if (got > 0) {
				n += (uint64_t)got;
				continue;
			}
			/* the driver refused: the load's own verdict */
		}
		if (access_page(sys, a, false, &pfn, f)) {
			if (done)
				*done = n;
			return 1;
		}
		if (frame_ok(sys, pfn, false))
			phys_read(sys, pfn, a & ~PAGE_MASK, buf + n, chunk);
		else
			memset(buf + n, 0xff, chunk);
		n += chunk;
		if (a + chunk == 0)
			break;
	}
	if (done)
		*done = n;
	return 0;
}
