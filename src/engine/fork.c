/* SPDX-License-Identifier: MIT */
/*
 * fork, CLONE_VM threads, kernel threads and execve (kernel/fork.c copy_mm,
 * dup_mm; mm/mmap.c dup_mmap; mm/memory.c copy_page_range; mm/rmap.c
 * anon_vma_fork; fs/exec.c exec_mmap).
 *
 * What fork leaves behind, and keeps true:
 *  - the child mm has a copy of every parent VMA except VM_DONTCOPY ones,
 *    in the same places, with VM_LOCKED/VM_LOCKONFAULT dropped (locked_vm
 *    0); a VM_WIPEONFORK VMA is there but empty, without anon_vma;
 *  - a child VMA whose parent VMA had an anon_vma gets a new anon_vma whose
 *    parent is the parent VMA's, marked inherited (anon_vma.h explains why
 *    that is Linux's "had uncowed parents");
 *  - page tables are copied only where Linux copies them (vma_needs_copy:
 *    the parent VMA has an anon_vma, or is PFNMAP/MIXEDMAP); elsewhere the
 *    child faults the pages in again;
 *  - a copied PTE maps the same frame: refcount and mapcount +1 (none for
 *    special and zero-page PTEs), the child's rss counter of the page's
 *    kind +1, an anonymous page is no longer exclusive;
 *  - in a COW mapping (private, may write) a writable PTE loses RW in the
 *    parent and in the child; the child's PTE is old (A clear), and clean
 *    (D clear) in a shared mapping; the parent's TLB is flushed once at
 *    the end (flush_tlb_mm), as dup_mmap does;
 *
 *            parent PTE             frame               child PTE
 *    before  RW D A  ------------>  ANON, exclusive,
 *                                   ref 1, map 1
 *    after   -- D A  ------------>  ANON, not excl.,  <--  -- D -
 *                                   ref 2, map 2
 *
 *    so the first write on either side faults: do_wp_page (fault.c) copies
 *    while refcount > 1 and reuses once it is back to 1 -- one copy per
 *    page, whichever side writes first;
 *  - the child's mm_users and mm_count are 1, total_vm/data_vm/exec_vm/
 *    stack_vm are the parent's minus the VM_DONTCOPY VMAs, hiwater_rss is
 *    the child's rss after the copy (dup_mm).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "anon_vma.h"
#include "file.h"
#include "huge_memory.h"
#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "sys.h"
#include "task.h"
#include "tlb.h"
#include "swap.h"
#include "vm_flags.h"
#include "vma.h"

/* include/linux/mm.h is_cow_mapping(). */
static bool is_cow_mapping(uint64_t flags)
{
	return (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}

/* mm/memory.c vma_needs_copy(): page tables a fault could not rebuild. */
static bool vma_needs_copy(const struct vmsh_vma *src)
{
	if (src->vm_flags & (VM_PFNMAP | VM_MIXEDMAP))
		return true;
	return src->anon_vma != NULL;
}

struct copy_ctx {
	struct vmsh_vma *dst, *src;
	int err;
	uint64_t copied, wrprotected;
	struct pte_cursor dst_pte;      /* the child's PTE table */
	/* the child's rss, added once the range is copied (add_mm_rss_vec) */
	int64_t rss[NR_MM_COUNTERS];
};


/* copy_present_ptes() for one PTE (no large folios, no pinned pages). */
static inline void copy_one_pte(uint64_t *src_ptep, uint64_t addr, void *vctx)
{
	struct copy_ctx *c = vctx;
	struct vmsh_mm *dst_mm = c->dst->vm_mm;
	struct vmsh_sys *sys = dst_mm->sys;
	uint64_t pte = *src_ptep, *dst_ptep;
	struct page *page = NULL;

	if (c->err)
		return;
	if (pte_is_guard(pte)) {
		/* copy_nonpresent_pte(): copy_pte_marker() keeps guards */
		dst_ptep = pte_lookup_at(dst_mm, &c->dst_pte, addr, true);
		if (!dst_ptep)
			c->err = -ENOMEM;
		else
			*dst_ptep = pte;
		return;
	}
	if (!pte_present(pte) && !is_swap_pte(pte))
		return;
	if (interrupted(sys)) {
		c->err = -EINTR;
		return;
	}
	dst_ptep = pte_lookup_at(dst_mm, &c->dst_pte, addr, true);
	if (!dst_ptep) {
		c->err = -ENOMEM;
		return;
	}
	if (is_swap_pte(pte)) {
		/* copy_nonpresent_pte(): both entries name the slot, and
		 * neither is exclusive any more */
		swap_duplicate(sys, pte);
		pte &= ~_PAGE_SWP_EXCLUSIVE;
		*src_ptep = pte;
		*dst_ptep = pte;
		c->rss[MM_SWAPENTS]++;
		c->copied++;
		return;
	}
	/* vm_normal_page(): special PTEs (remap_pfn_range, the zero page)
	 * have no struct page to account. */
	if (!(pte & _PAGE_SPECIAL) && pte_pfn(pte) < sys->phys.nframes) {
		page = phys_page(sys, pte_pfn(pte));
		if (page->kind == PAGE_ZERO || page->kind == PAGE_FREE ||
		    page->kind == PAGE_PGTABLE)
			page = NULL;
	}
	if (page) {
		phys_get(sys, pte_pfn(pte));
		page->mapcount++;
		/* folio_try_dup_anon_rmap_pte(): shared now, so the
		 * write fault has to decide between reuse and copy. */
		if (page->kind == PAGE_ANON)
			page->exclusive = false;
		c->rss[page_mm_counter(page)]++;
	}
	/* __copy_present_ptes() */
	if (is_cow_mapping(c->src->vm_flags) && (pte & _PAGE_RW)) {
		*src_ptep &= ~_PAGE_RW;
		pte &= ~_PAGE_RW;
		c->wrprotected++;
	}
	if (c->src->vm_flags & VM_SHARED)
		pte &= ~_PAGE_DIRTY;
	pte &= ~_PAGE_ACCESSED;
	*dst_ptep = pte;
	c->copied++;
}

/* copy_pte_range(): the PTEs of one table in [addr, end); the child's
 * table is looked up once (with its first copied entry, as before).
 * Aligned to a cache line, as zap_pte_range: the fast loop's speed moved
 * 10-15% with where the linker happened to put it (issue 13's note,
 * session 8); aligned, its place in the cache lines depends on its own
 * code alone. */
__attribute__((aligned(64)))
static void copy_pte_range(uint64_t *pte, uint64_t addr, uint64_t end,
			   void *vctx)
{
	struct copy_ctx *c = vctx;
	struct vmsh_sys *sys = c->dst->vm_mm->sys;
	struct page *pages = sys->phys.pages;
	uint64_t nframes = sys->phys.nframes, *dst = NULL;
	uint64_t copied = 0, wrprotected = 0;
	bool wrprotect = is_cow_mapping(c->src->vm_flags);
	struct page *first;

	if (c->src->vm_flags & VM_SHARED) {
		/* the copies lose D: the general way */
		for (; addr != end; pte++, addr += PAGE_SIZE)
			if (*pte)
				copy_one_pte(pte, addr, vctx);
		return;
	}
	while (addr != end && !c->err) {
		/* A run of plain anonymous pages, once the child's table is
		 * there: copied here, with no call inside (the state stays
		 * in registers) and the counts in locals (copy_present_ptes'
		 * batch, add_mm_rss_vec). */
		for (; dst && addr != end; pte++, addr += PAGE_SIZE) {
			uint64_t v = *pte;
			struct page *page;

			if (!v)
				continue;
			page = pte_anon_page(pages, nframes, v);
			if (!page || page->refcount <= 0)
				break;
			page->refcount++;
			page->mapcount++;
			page->exclusive = false; /* folio_try_dup_anon_rmap_pte */
			if (wrprotect && (v & _PAGE_RW)) {
				v &= ~_PAGE_RW;
				*pte = v;
				wrprotected++;
			}
			dst[(addr >> PAGE_SHIFT) & 511] = v & ~_PAGE_ACCESSED;
			copied++;
		}
		if (addr == end)
			break;
		/* The first plain page of the table: the child's table first
		 * (as copy_one_pte would find it), then the run above. */
		first = dst ? NULL : pte_anon_page(pages, nframes, *pte);
		if (first && first->refcount > 0 && !interrupted(sys)) {
			dst = pte_lookup_at(c->dst->vm_mm, &c->dst_pte, addr, true);
			if (!dst)
				c->err = -ENOMEM;
			else
				dst -= (addr >> PAGE_SHIFT) & 511;
			continue;
		}
		/* swap entries, guards, special PTEs, file pages, an
		 * interrupt: the general way */
		if (*pte)
			copy_one_pte(pte, addr, vctx);
		pte++;
		addr += PAGE_SIZE;
	}
	c->rss[MM_ANONPAGES] += copied;
	c->copied += copied;
	c->wrprotected += wrprotected;
}

/* copy_pmd_range(): a huge PMD is copied whole (copy_huge_pmd). */
static bool copy_one_pmd(uint64_t *src_pmdp, uint64_t addr, uint64_t next,
			 void *vctx)
{
	struct copy_ctx *c = vctx;

	(void)next;
	if (c->err)
		return true;
	if (interrupted(c->src->vm_mm->sys)) {
		c->err = -EINTR;
		return true;
	}
	c->err = copy_huge_pmd(c->dst, c->src, src_pmdp, addr);
	if (!c->err) {
		c->copied++;
		c->wrprotected++;
	}
	return true;
}

static int copy_page_range(struct vmsh_vma *dst, struct vmsh_vma *src)
{
	struct copy_ctx c = { .dst = dst, .src = src };
	struct vmsh_sys *sys = src->vm_mm->sys;

	if (!vma_needs_copy(src))
		return 0;
	pt_walk_pte_tables(src->vm_mm, src->vm_start, src->vm_end,
			   copy_pte_range, copy_one_pmd, &c);
	for (int i = 0; i < NR_MM_COUNTERS; i++)
		if (c.rss[i])
			mm_add_rss(dst->vm_mm, i, c.rss[i]);
	trace(sys, "copy_page_range %#llx-%#llx ptes=%llu wrprotected=%llu%s",
	      (unsigned long long)src->vm_start, (unsigned long long)src->vm_end,
	      (unsigned long long)c.copied, (unsigned long long)c.wrprotected,
	      c.err == -EINTR ? " (interrupted)" : c.err ? " (out of memory)" : "");
	return c.err;
}

/* anon_vma_fork(): the child's own anon_vma, below the parent's. */
static void anon_vma_fork(struct vmsh_vma *dst, const struct vmsh_vma *src)
{
	struct anon_vma *av;

	dst->anon_vma = NULL;
	if (!src->anon_vma)
		return;
	av = anon_vma_new(dst->vm_mm->sys);
	av->parent = src->anon_vma;
	anon_vma_get(src->anon_vma);
	av->inherited = true;
	dst->anon_vma = av;
}

/* dup_mmap(): VMAs and page tables of @old into the empty @mm. */
static int dup_mmap(struct vmsh_mm *mm, struct vmsh_mm *old)
{
	struct vmsh_sys *sys = old->sys;
	struct vmsh_vma *mpnt, *tmp;
	int err = 0;

	mm->total_vm = old->total_vm;
	mm->data_vm = old->data_vm;
	mm->exec_vm = old->exec_vm;
	mm->stack_vm = old->stack_vm;
	/* 6.18 copies the maple tree whole (__mt_dup) and then replaces
	 * each entry: the stores are not traced one by one */
	trace(sys, "__mt_dup mm=%u -> mm=%u (%lu ranges)", old->id, mm->id,
	      (unsigned long)old->map_count);
	mm->mt_dup = true;
	for (mpnt = old->mmap; mpnt; mpnt = mpnt->vm_next) {
		if (mpnt->vm_flags & VM_DONTCOPY) {
			vm_stat_account(mm, mpnt->vm_flags,
				     -(int64_t)vma_pages(mpnt));
			trace(sys, "dup_mmap skip %#llx-%#llx (VM_DONTCOPY)",
			      (unsigned long long)mpnt->vm_start,
			      (unsigned long long)mpnt->vm_end);
			continue;
		}
		tmp = vma_alloc(mm);
		tmp->vm_start = mpnt->vm_start;
		tmp->vm_end = mpnt->vm_end;
		tmp->vm_flags = mpnt->vm_flags & ~(VM_LOCKED | VM_LOCKONFAULT);
		tmp->vm_pgoff = mpnt->vm_pgoff;
		tmp->vm_file = mpnt->vm_file;
		tmp->vm_ops = mpnt->vm_ops;
		tmp->vm_private_data = mpnt->vm_private_data;
		if (!(tmp->vm_flags & VM_WIPEONFORK))
			anon_vma_fork(tmp, mpnt);
		if (tmp->vm_file)
			file_get(tmp->vm_file);
		vma_link(mm, tmp);
		if (tmp->vm_ops && tmp->vm_ops->open)
			tmp->vm_ops->open(tmp);
		trace(sys, "dup_mmap %#llx-%#llx anon_vma=%u%s",
		      (unsigned long long)tmp->vm_start,
		      (unsigned long long)tmp->vm_end,
		      tmp->anon_vma ? tmp->anon_vma->id : 0,
		      tmp->vm_flags & VM_WIPEONFORK ? " (VM_WIPEONFORK: empty)" : "");
		if (!(tmp->vm_flags & VM_WIPEONFORK))
			err = copy_page_range(tmp, mpnt);
		if (err)
			break;
	}
	/* dup_mmap's exit path flushes the parent's TLB: its PTEs may have
	 * lost RW. */
	mm->mt_dup = false;
	flush_tlb_mm(old);
	if (!err)
		khugepaged_fork(mm, old);
	return err;
}

/* dup_mm(): a new mm, copy of @old; NULL with *@err -ENOMEM when out of
 * frames, -EINTR when interrupted. */
static struct vmsh_mm *dup_mm(struct vmsh_mm *old, int *err)
{
	struct vmsh_mm *mm = mm_alloc(old->sys);

	*err = -ENOMEM;
	if (!mm)
		return NULL;
	/* what dup_mm's memcpy keeps of the layout */
	mm->task_size = old->task_size;
	mm->mmap_window = old->mmap_window;
	mm->mmap_base = old->mmap_base;
	mm->start_brk = old->start_brk;
	mm->brk = old->brk;
	mm->start_stack = old->start_stack;
	mm->gate_vma = old->gate_vma;
	*err = dup_mmap(mm, old);
	if (*err < 0) {
		mm_put(mm);
		return NULL;
	}
	mm->hiwater_rss = mm_rss(mm);
	return mm;
}

int vmsh_fork(struct vmsh_sys *sys, int *child_pid)
{
	struct vmsh_task *cur = sys->current, *t;
	struct vmsh_mm *mm;
	int err;

	if (!cur || !cur->mm)
		return -EFAULT;
	trace(sys, "copy_mm pid=%d mm=%u", cur->pid, cur->mm->id);
	mm = dup_mm(cur->mm, &err);
	if (!mm)
		return err;
	/* The parent is the process (getppid() is the forker's tgid). */
	t = task_new(sys, VMSH_TASK_PROCESS, mm, cur->tgid);
	if (!t) {
		mm_put(mm);
		return -EAGAIN;
	}
	t->cpu = cur->cpu;
	memcpy(t->rlim, cur->rlim, sizeof(t->rlim));    /* copy_signal() */
	sys->stat[ST_FORK]++;
	trace(sys, "fork pid=%d -> child pid=%d mm=%u", cur->pid, t->pid, mm->id);
	if (child_pid)
		*child_pid = t->pid;
	return 0;
}

int vmsh_clone_vm(struct vmsh_sys *sys, int *child_pid)
{
	struct vmsh_task *cur = sys->current, *t;

	if (!cur || !cur->mm)
		return -EFAULT;
	/* copy_mm with CLONE_VM: the same mm, one more user. */
	mm_get(cur->mm);
	/* CLONE_THREAD: the thread's parent is its process's parent. */
	t = task_new(sys, VMSH_TASK_THREAD, cur->mm, cur->ppid);
	if (!t) {
		mm_put(cur->mm);
		return -EAGAIN;
	}
	t->cpu = cur->cpu;
	memcpy(t->rlim, cur->rlim, sizeof(t->rlim));    /* the same signal_struct */
	task_set_tgid(sys, t, cur->tgid);       /* a thread of the same process */
	trace(sys, "clone CLONE_VM pid=%d -> pid=%d mm=%u mm_users=%d",
	      cur->pid, t->pid, cur->mm->id, cur->mm->mm_users);
	if (child_pid)
		*child_pid = t->pid;
	return 0;
}

int vmsh_kthread(struct vmsh_sys *sys, int *child_pid)
{
	struct vmsh_task *t;

	/* kthreadd's child: no mm, no user parent. */
	t = task_new(sys, VMSH_TASK_KTHREAD, NULL, 0);
	if (!t)
		return -EAGAIN;
	t->cpu = sys->cur_cpu;
	trace(sys, "kthread_create pid=%d (mm=NULL)", t->pid);
	if (child_pid)
		*child_pid = t->pid;
	return 0;
}

int vmsh_execve(struct vmsh_sys *sys)
{
	struct vmsh_task *cur = sys->current;
	struct vmsh_mm *mm, *old, *active;
	struct cpu *c;

	if (!cur)
		return -ESRCH;
	mm = mm_new(sys);
	if (!mm)
		return -ENOMEM;
	/* setup_new_exec(): the layout under the task's stack limit */
	mm_pick_mmap_base(mm, rlimit(sys, VMSH_RLIMIT_STACK));
	/* de_thread(): the other threads of the process exit first. */
	task_de_thread(sys, cur);
	/* exec_mmap(): the task runs on the new mm from now on. */
	c = &sys->cpus[sys->cur_cpu];
	old = cur->mm;
	active = cur->active_mm;
	trace(sys, "exec_mmap pid=%d old mm=%u new mm=%u", cur->pid,
	      old ? old->id : 0, mm->id);
	cur->mm = mm;
	cur->active_mm = mm;
	cur->kind = VMSH_TASK_PROCESS;
	tlb_switch_mm(sys, sys->cur_cpu, c->loaded_mm, mm);
	c->loaded_mm = mm;
	if (old)
		mm_put(old);
	else if (active)
		mmdrop(active);         /* a kernel thread's borrowed mm */
	return 0;
}
