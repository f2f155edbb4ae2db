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
 *  - a page a VM_LOCKED VMA maps is PG_mlocked and, once the mlock batch
 *    drained, on the unevictable list with PG_active clear (below).
 *
 * The unevictable list as 6.18 keeps it (mm/mlock.c, mm/swap.c lru_add,
 * mm/vmscan.c): mlock_folio (a folio on the LRU a locked VMA maps: the
 * mlock walk of mlock_fixup, a file PTE set in a locked VMA, reclaim
 * meeting a locked VMA), mlock_new_folio (a new anonymous folio of a
 * locked VMA, kept off the lists) and munlock_folio (a PTE of a locked
 * VMA zapped, the munlock walk) set PG_mlocked at once (NR_MLOCK,
 * unevictable_pgs_mlocked) and queue the folio in the per-CPU mlock
 * batch with a reference.  The batch moves when it holds 31 folios, at
 * once for a large folio, and at every lru_add_drain() (populate's end,
 * mlock_fixup around its walk, the madvise advice that drain: see
 * memory.h): __mlock_folio takes a folio still on its list to the
 * unevictable list (PG_active cleared, mlock_count 1, culled) or counts
 * one more lock on one there; __mlock_new_folio puts the new folio there;
 * __munlock_folio drops a count and, at zero, clears PG_mlocked
 * (munlocked; stranded when it is off the lists) and puts the folio back
 * on the list its flags name (rescued).  Until the batch moves, a folio
 * queued for mlock is not unevictable: a second mark_page_accessed (a
 * populate touching a page already referenced) activates it and clears
 * PG_referenced; a young PTE of a locked file page zapped marks the folio
 * accessed while it is still unevictable, so PG_referenced stays (the
 * two `Referenced` cases of issue 15).  A folio freed while PG_mlocked
 * counts unevictable_pgs_cleared (free_pages_prepare).
 */
#include "config.h"

#include <errno.h>

#include "anon_vma.h"
#include "fault.h"
#include "file.h"
#include "huge_memory.h"
#include "memory.h"
#include "mm.h"
#include "names.h"
#include "pgtable.h"
#include "phys.h"
#include "sys.h"
#include "task.h"
#include "vm_flags.h"
#include "vma.h"

/* ---- the mlock batch ------------------------------------------------------ */

enum { MLOCK_MUNLOCK, MLOCK_LRU, MLOCK_NEW };

/* page_folio() of an anonymous page: itself (a THP's frames are each on
 * the lists on their own in vmsh) */
static uint64_t folio_pfn(struct vmsh_sys *sys, uint64_t pfn)
{
	return page_to_pfn(sys, page_folio(sys, phys_page(sys, pfn)));
}

static bool folio_large(const struct page *folio)
{
	return folio->order || folio->thp;
}

static void set_mlocked(struct vmsh_sys *sys, struct page *folio)
{
	if (folio->mlocked)
		return;
	folio->mlocked = true;
	sys->nr_mlock += folio_nr_pages(folio);
	sys->stat[ST_UNEVICTABLE_PGMLOCKED] += folio_nr_pages(folio);
}

/* __mlock_folio() */
static void mlock_one(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *folio = phys_page(sys, pfn);
	uint64_t nr = lru_nr_pages(folio);

	if (folio->lru == LRU_NONE)
		return;         /* off the lists: nothing more to do now */
	if (folio_evictable(folio)) {
		if (folio->unevictable) {
			lru_del(sys, pfn);
			folio->unevictable = false;
			lru_add(sys, pfn);
			sys->stat[ST_UNEVICTABLE_PGRESCUED] += nr;
		}
		return;
	}
	if (folio->unevictable) {
		folio_set_mlock_count(folio, folio_mlock_count(folio) + 1);
		return;
	}
	lru_del(sys, pfn);
	folio->active = false;
	folio->unevictable = true;
	lru_add(sys, pfn);
	folio_set_mlock_count(folio, 1);
	sys->stat[ST_UNEVICTABLE_PGCULLED] += nr;
}

/* __mlock_new_folio() */
static void mlock_new_one(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *folio = phys_page(sys, pfn);

	if (folio->lru != LRU_NONE)
		return;         /* put on a list meanwhile (not in vmsh) */
	/* a THP's tails carry their own PG_mlocked (each frame counts in
	 * NR_MLOCK) but the list entry is the head's (phys.h) */
	if (folio->thp & PAGE_THP_TAIL)
		return;
	if (!folio_evictable(folio)) {
		folio->unevictable = true;
		sys->stat[ST_UNEVICTABLE_PGCULLED] += lru_nr_pages(folio);
	}
	lru_add(sys, pfn);
	if (folio->unevictable)
		folio_set_mlock_count(folio, 1);
}

/* __munlock_folio() */
static void munlock_one(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *folio = phys_page(sys, pfn);
	uint64_t nr = folio_nr_pages(folio);
	bool isolated = folio->lru != LRU_NONE;

	if (isolated && folio->unevictable) {
		uint32_t count = folio_mlock_count(folio);

		if (count)
			folio_set_mlock_count(folio, --count);
		if (count)
			return;
	}
	if (folio->mlocked) {
		folio->mlocked = false;
		sys->nr_mlock -= nr;
		if (isolated || !folio->unevictable)
			sys->stat[ST_UNEVICTABLE_PGMUNLOCKED] += nr;
		else
			sys->stat[ST_UNEVICTABLE_PGSTRANDED] += nr;
	}
	if (isolated && folio->unevictable && folio_evictable(folio)) {
		lru_del(sys, pfn);
		folio->unevictable = false;
		lru_add(sys, pfn);
		sys->stat[ST_UNEVICTABLE_PGRESCUED] += lru_nr_pages(folio);
	}
}

/* mlock_folio_batch(): every folio in turn, then the references go
 * (freeing a folio whose last mapping went meanwhile). */
void mlock_drain_local(struct vmsh_sys *sys)
{
	unsigned i, n = sys->mlock_nr;

	if (!n)
		return;
	trace(sys, "mlock_folio_batch folios=%u", n);
	sys->mlock_nr = 0;
	for (i = 0; i < n; i++)
		phys_page(sys, sys->mlock_batch[i])->mlock_queued = false;
	for (i = 0; i < n; i++) {
		uint64_t pfn = sys->mlock_batch[i];

		switch (sys->mlock_batch_op[i]) {
		case MLOCK_LRU:
			mlock_one(sys, pfn);
			break;
		case MLOCK_NEW:
			mlock_new_one(sys, pfn);
			break;
		default:
			munlock_one(sys, pfn);
			break;
		}
	}
	for (i = 0; i < n; i++)
		put_page(sys, sys->mlock_batch[i]);
}

int mlock_refs(const struct vmsh_sys *sys, uint64_t pfn)
{
	return pfn_batch_count(sys->mlock_batch, sys->mlock_nr, pfn);
}

static void mlock_batch_add(struct vmsh_sys *sys, uint64_t pfn, uint8_t op)
{
	struct page *folio = phys_page(sys, pfn);

	phys_get(sys, pfn);
	folio->mlock_queued = true;
	sys->mlock_batch[sys->mlock_nr] = pfn;
	sys->mlock_batch_op[sys->mlock_nr++] = op;
	/* folio_batch_add() leaves no room, or a large folio */
	if (sys->mlock_nr == 31 || folio_large(folio))
		mlock_drain_local(sys);
}

void mlock_folio(struct vmsh_sys *sys, uint64_t pfn)
{
	pfn = folio_pfn(sys, pfn);
	set_mlocked(sys, phys_page(sys, pfn));
	mlock_batch_add(sys, pfn, MLOCK_LRU);
}

void mlock_new_folio(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *folio = phys_page(sys, pfn);

	/* folio_set_mlocked, counted even if it was set */
	if (!folio->mlocked)
		sys->nr_mlock += folio_nr_pages(folio);
	folio->mlocked = true;
	sys->stat[ST_UNEVICTABLE_PGMLOCKED] += folio_nr_pages(folio);
	mlock_batch_add(sys, pfn, MLOCK_NEW);
}

void munlock_folio(struct vmsh_sys *sys, uint64_t pfn)
{
	mlock_batch_add(sys, folio_pfn(sys, pfn), MLOCK_MUNLOCK);
}

static bool vma_mlocks(const struct vmsh_vma *vma)
{
	return (vma->vm_flags & (VM_LOCKED | VM_SPECIAL)) == VM_LOCKED;
}

static bool lru_page(struct vmsh_sys *sys, uint64_t pfn)
{
	uint8_t kind;

	if (pfn >= sys->phys.nframes)
		return false;
	kind = phys_page(sys, pfn)->kind;
	return kind == PAGE_ANON || kind == PAGE_FILE;
}

void mlock_vma_folio(struct vmsh_vma *vma, uint64_t pfn)
{
	struct vmsh_sys *sys = vma->vm_mm->sys;

	if (vma_mlocks(vma) && lru_page(sys, pfn) &&
	    !folio_large(page_folio(sys, phys_page(sys, pfn))))
		mlock_folio(sys, pfn);
}

void munlock_vma_folio(struct vmsh_vma *vma, uint64_t pfn)
{
	struct vmsh_sys *sys = vma->vm_mm->sys;

	if ((vma->vm_flags & VM_LOCKED) && lru_page(sys, pfn))
		munlock_folio(sys, pfn);
}

void folio_add_lru_vma(struct vmsh_vma *vma, uint64_t pfn)
{
	struct vmsh_sys *sys = vma->vm_mm->sys;

	if (vma_mlocks(vma)) {
		lru_del(sys, pfn);      /* a THP frame phys_alloc_huge listed */
		mlock_new_folio(sys, pfn);
	} else if (folio_large(page_folio(sys, phys_page(sys, pfn)))) {
		/* a THP's frames are each on a list already (vmsh's
		 * simplification); a large folio moves the batch at once */
		lru_add_batch_move(sys);
	} else {
		folio_add_lru(sys, pfn);
	}
}

/* mlock_pte_range(): the pages already mapped in a VMA whose VM_LOCKED
 * just changed are mlocked or munlocked; a huge PMD as one folio. */
struct mlock_walk {
	struct vmsh_vma *vma;
	uint64_t start, end;
	uint64_t done_head;             /* the THP last taken, or UINT64_MAX */
};

/* The VMA's new VM_LOCKED says which. */
static void mlock_or_munlock(struct mlock_walk *w, uint64_t pfn)
{
	if (w->vma->vm_flags & VM_LOCKED)
		mlock_folio(w->vma->vm_mm->sys, pfn);
	else
		munlock_folio(w->vma->vm_mm->sys, pfn);
}

/* A PTE of a THP split from its PMD: munlock takes the folio whatever
 * part of it the range maps, mlock only a folio the range maps whole
 * (mlock_pte_range's allow_mlock_munlock: a THP mlocked, then cut by a
 * munlock of part of its VMA, is no longer mlocked; probed on 6.18).
 * Once per folio in a walk, on every frame (vmsh keeps PG_mlocked on each
 * frame of a THP). */
static void mlock_thp_pte(struct mlock_walk *w, uint64_t addr, uint64_t pfn,
			  uint64_t head)
{
	uint64_t i;

	if (head == w->done_head)
		return;
	w->done_head = head;
	if ((w->vma->vm_flags & VM_LOCKED) &&
	    !thp_pte_whole(w->vma->vm_mm, addr, pfn, w->start, w->end))
		return;
	/* a frame no longer mapped is only held by the folio: its lock
	 * went with its mapping (munlock_vma_folio at the zap) */
	for (i = 0; i < HPAGE_PMD_NR; i++)
		if (phys_page(w->vma->vm_mm->sys, head + i)->refcount)
			mlock_or_munlock(w, head + i);
}

static void mlock_pte(uint64_t *ptep, uint64_t addr, void *vctx)
{
	struct mlock_walk *w = vctx;
	struct vmsh_sys *sys = w->vma->vm_mm->sys;
	uint64_t pte = *ptep, head;

	if (!pte_present(pte) || (pte & _PAGE_SPECIAL) ||
	    !lru_page(sys, pte_pfn(pte)))
		return;
	head = thp_head(sys, pte_pfn(pte));
	if (head != UINT64_MAX && phys_page(sys, pte_pfn(pte))->kind == PAGE_ANON) {
		mlock_thp_pte(w, addr, pte_pfn(pte), head);
		return;
	}
	if (folio_large(page_folio(sys, phys_page(sys, pte_pfn(pte)))))
		return;
	mlock_or_munlock(w, pte_pfn(pte));
}

static bool mlock_pmd(uint64_t *pmdp, uint64_t addr, uint64_t next, void *vctx)
{
	struct mlock_walk *w = vctx;
	struct vmsh_sys *sys = w->vma->vm_mm->sys;
	uint64_t head = pte_pfn(*pmdp), i;

	(void)addr;
	(void)next;
	if ((sys->phys.huge_zero_pfn && head == sys->phys.huge_zero_pfn) ||
	    !lru_page(sys, head))
		return true;
	for (i = 0; i < HPAGE_PMD_NR; i++)
		mlock_or_munlock(w, head + i);
	return true;
}

static void mlock_vma_pages_range(struct vmsh_vma *vma, uint64_t start,
				  uint64_t end)
{
	struct mlock_walk w = { vma, start, end, UINT64_MAX };

	lru_add_drain(vma->vm_mm->sys);
	pt_walk_range(vma->vm_mm, start, end, mlock_pte, mlock_pmd, &w);
	lru_add_drain(vma->vm_mm->sys);
}

/* ---- the calls ------------------------------------------------------------ */

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
	 * unlocked memory and mlock of nothing do not).  Locking a VMA
	 * already locked (onfault to not, or back) walks nothing and drains
	 * nothing (probed both ways with a page waiting in the mlock batch
	 * and a hole that stops the call before __mm_populate: the page
	 * stays off the lists); what drains after mlock is the populate. */
	if (!((newflags & VM_LOCKED) && (oldflags & VM_LOCKED)))
		mlock_vma_pages_range(vma, start, end);
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
