/* SPDX-License-Identifier: MIT */
/*
 * The page-fault handler (mm/memory.c handle_mm_fault and below).
 *
 *   access --TLB miss--> walk --P=0 or write to RW=0--> handle_mm_fault
 *     no VMA / hole below a non-growsdown VMA      -> SIGSEGV SEGV_MAPERR
 *     VMA forbids the access                        -> SIGSEGV SEGV_ACCERR
 *     PTE none:  anonymous  -> do_anonymous_page (zero page or new page)
 *                file/shmem/device -> do_file_fault (filemap.c)
 *     PTE present, write, RW clear -> do_wp_page:
 *                shared VMA -> do_file_fault (page_mkwrite + reuse)
 *                exclusive anon page or refcount 1 -> reuse in place
 *                otherwise -> wp_page_copy (zero page: a zeroed page)
 *     PTE present and allowed (stale TLB): set A (and D), done.
 *
 * Invariants kept: every mapped normal page gains exactly one mapcount,
 * one refcount and one rss unit per PTE (see pgtable.c); an anonymous
 * page is allocated only after its VMA has an anon_vma; a COW copy
 * replaces the old PTE only after flushing it (ptep_clear_flush).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "anon_vma.h"
#include "fault.h"
#include "file.h"
#include "huge_memory.h"
#include "memory.h"
#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "reclaim.h"
#include "swap.h"
#include "sys.h"
#include "task.h"
#include "tlb.h"
#include "vm_flags.h"
#include "vma.h"

static int fault_signal(struct vmsh_sys *sys, struct vmsh_fault *f, int signo,
			int code, uint64_t addr, int ret)
{
	memset(f, 0, sizeof(*f));
	f->signo = signo;
	f->code = code;
	f->addr = addr;
	f->pid = sys->current ? sys->current->pid : 0;
	return ret;
}

static bool vma_is_accessible(const struct vmsh_vma *vma)
{
	return vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC);
}

/* expand_downwards(): grow a VM_GROWSDOWN VMA down to @addr. */
static int expand_stack(struct vmsh_sys *sys, struct vmsh_vma *vma,
			uint64_t addr)
{
	struct vmsh_mm *mm = vma->vm_mm;
	struct vmsh_vma *prev = vma->vm_prev;
	uint64_t grow;

	addr &= PAGE_MASK;
	if (addr < MMAP_MIN_ADDR)
		return -EPERM;
	if (prev && !(prev->vm_flags & VM_GROWSDOWN) && vma_is_accessible(prev) &&
	    addr - prev->vm_end < STACK_GUARD_GAP)
		return -ENOMEM;
	if (prev && addr < prev->vm_end)
		return -ENOMEM;
	/* The anon_vma comes first: it stays even if the growth fails. */
	if (anon_vma_prepare(vma))
		return -ENOMEM;
	grow = (vma->vm_start - addr) >> PAGE_SHIFT;
	if (grow > vma->vm_pgoff)
		return -ENOMEM;
	/* acct_stack_growth(): RLIMIT_AS (and RLIMIT_DATA: never, a stack
	 * is no data mapping), RLIMIT_STACK, RLIMIT_MEMLOCK */
	if (!may_expand_vm(mm, vma->vm_flags, grow))
		return -ENOMEM;
	if (vma->vm_end - addr > rlimit(sys, VMSH_RLIMIT_STACK))
		return -ENOMEM;
	if (!mlock_future_ok(mm, vma->vm_flags, grow << PAGE_SHIFT))
		return -ENOMEM;
	trace(sys, "expand_stack vma=%#llx-%#llx new_start=%#llx",
	      (unsigned long long)vma->vm_start,
	      (unsigned long long)vma->vm_end, (unsigned long long)addr);
	vma->vm_start = addr;
	vma->vm_pgoff -= grow;
	vm_stat_account(mm, vma->vm_flags, (int64_t)grow);
	if (vma->vm_flags & VM_LOCKED)
		mm->locked_vm += grow;
	vma_bounds_changed(vma);
	return 0;
}

/* Start a new anonymous page as folio_add_new_anon_rmap(EXCLUSIVE) does. */
static void new_anon_rmap(struct vmsh_sys *sys, struct vmsh_vma *vma,
			  uint64_t pfn, uint64_t addr)
{
	struct page *page = phys_page(sys, pfn);

	page->mapcount = 1;
	page->exclusive = true;
	page->uptodate = true;
	page_set_anon(sys, page, vma->anon_vma);
	if (page_anon(sys, page))
		anon_vma_get(page_anon(sys, page));
	page->index = linear_page_index(vma, addr);
	folio_add_lru_vma(vma, pfn);
}

static int do_anonymous_page(struct vmsh_sys *sys, struct vmsh_vma *vma,
			     uint64_t addr, uint64_t *ptep, bool write)
{
	struct vmsh_mm *mm = vma->vm_mm;
	uint64_t pfn, entry;

	if (!write && sys->cfg.zero_page) {
		entry = mk_pte(sys->phys.zero_pfn, vma_page_prot(vma)) |
			_PAGE_SPECIAL;
		*ptep = entry;
		sys->stat[ST_ZERO_PAGE_MAP]++;
		trace(sys, "do_anonymous_page addr=%#llx zero page",
		      (unsigned long long)addr);
		return 0;
	}
	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	pfn = phys_alloc(sys, PAGE_ANON);
	if (pfn == UINT64_MAX)
		return VM_FAULT_OOM;
	new_anon_rmap(sys, vma, pfn, addr);
	entry = mk_pte(pfn, vma_page_prot(vma));
	if (vma->vm_flags & VM_WRITE)
		entry = pte_mkdirty(entry) | _PAGE_RW;
	*ptep = entry;
	mm_add_rss(mm, MM_ANONPAGES, 1);
	sys->stat[ST_ANON_FAULT]++;
	trace(sys, "do_anonymous_page addr=%#llx pfn=%#llx",
	      (unsigned long long)addr, (unsigned long long)pfn);
	return 0;
}

/* wp_page_copy(): give this PTE its own anonymous page. */
static int wp_page_copy(struct vmsh_sys *sys, struct vmsh_vma *vma,
			uint64_t addr, uint64_t *ptep)
{
	struct vmsh_mm *mm = vma->vm_mm;
	uint64_t pte = *ptep, old_pfn = pte_pfn(pte), pfn, entry;
	bool normal = !(pte & _PAGE_SPECIAL);
	bool zero = old_pfn == sys->phys.zero_pfn;
	struct page *old = normal ? phys_page(sys, old_pfn) : NULL;

	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	pfn = phys_alloc(sys, PAGE_ANON);
	if (pfn == UINT64_MAX)
		return VM_FAULT_OOM;
	if (!zero && old_pfn < sys->phys.nframes)
		phys_copy(sys, pfn, old_pfn);
	if (old) {
		if (old->kind != PAGE_ANON) {
			mm_add_rss(mm, page_mm_counter(old), -1);
			mm_add_rss(mm, MM_ANONPAGES, 1);
		}
	} else {
		mm_add_rss(mm, MM_ANONPAGES, 1);
	}
	entry = mk_pte(pfn, vma_page_prot(vma));
	entry = pte_mkdirty(entry) | _PAGE_RW;
	/* ptep_clear_flush() */
	*ptep = 0;
	flush_tlb_page(mm, addr & PAGE_MASK);
	new_anon_rmap(sys, vma, pfn, addr);
	*ptep = entry;
	if (old) {
		uint64_t head = thp_head(sys, old_pfn);

		old->mapcount--;
		munlock_vma_folio(vma, old_pfn);        /* __folio_remove_rmap */
		put_page(sys, old_pfn);
		deferred_split_check(sys, head);
	}
	if (zero) {
		sys->stat[ST_ANON_FAULT]++;
		trace(sys, "wp_page_copy addr=%#llx zero page -> pfn=%#llx",
		      (unsigned long long)addr, (unsigned long long)pfn);
	} else {
		sys->stat[ST_COW_COPY]++;
		trace(sys, "wp_page_copy addr=%#llx pfn=%#llx -> pfn=%#llx",
		      (unsigned long long)addr, (unsigned long long)old_pfn,
		      (unsigned long long)pfn);
	}
	return 0;
}

static int do_wp_page(struct vmsh_sys *sys, struct vmsh_vma *vma,
		      uint64_t addr, uint64_t *ptep, struct vmsh_fault *f)
{
	uint64_t pte = *ptep;
	struct page *page = NULL;

	trace(sys, "do_wp_page addr=%#llx", (unsigned long long)addr);
	if (vma->vm_flags & (VM_SHARED | VM_MAYSHARE))
		/* wp_page_shared / wp_pfn_shared: write-notify */
		return do_file_fault(sys, vma, addr, true, f);
	if (!(pte & _PAGE_SPECIAL))
		page = phys_page(sys, pte_pfn(pte));
	/* wp_can_reuse_anon_folio() of a small folio not known exclusive:
	 * at most 3 references and off the lists (in a batch, isolated)
	 * -> lru_add_drain(), so that the batches' references go (probed:
	 * a COW write on a page still in the lru_add batch drains it) */
	if (page && page->kind == PAGE_ANON && !page->exclusive &&
	    thp_head(sys, pte_pfn(pte)) == UINT64_MAX &&
	    page->refcount <= 3 && page->lru == LRU_NONE)
		lru_add_drain(sys);
	/* wp_can_reuse_anon_folio(): a swap cache folio no swap PTE names
	 * any more leaves the cache first */
	if (page && page->kind == PAGE_ANON && page->swap && !page->exclusive &&
	    page->refcount == 2)
		folio_free_swap(sys, pte_pfn(pte));
	if (page && page->kind == PAGE_ANON &&
	    (page->exclusive ||
	     (thp_head(sys, pte_pfn(pte)) == UINT64_MAX ? page->refcount == 1 :
	      wp_can_reuse_large_anon_folio(vma, addr,
					    thp_head(sys, pte_pfn(pte)))))) {
		/* wp_can_reuse_anon_folio + folio_move_anon_rmap */
		if (!page->exclusive && page_anon(sys, page) != vma->anon_vma &&
		    vma->anon_vma) {
			anon_vma_get(vma->anon_vma);
			if (page_anon(sys, page))
				anon_vma_put(sys, page_anon(sys, page));
			page_set_anon(sys, page, vma->anon_vma);
		}
		page->exclusive = true;
		/* wp_page_reuse: no flush on x86 (upgrade only) */
		*ptep = pte_mkdirty(pte | _PAGE_ACCESSED) | _PAGE_RW;
		sys->stat[ST_COW_REUSE]++;
		trace(sys, "wp_page_reuse addr=%#llx pfn=%#llx",
		      (unsigned long long)addr, (unsigned long long)pte_pfn(pte));
		return 0;
	}
	return wp_page_copy(sys, vma, addr, ptep);
}

int do_swap_page(struct vmsh_sys *sys, struct vmsh_vma *vma, uint64_t addr,
		 uint64_t *ptep, bool write, struct vmsh_fault *f)
{
	struct vmsh_mm *mm = vma->vm_mm;
	uint64_t orig = *ptep, off = swp_offset(orig), pfn, pte;
	bool exclusive = orig & _PAGE_SWP_EXCLUSIVE;
	struct page *page;

	trace(sys, "do_swap_page addr=%#llx swap offset %#llx",
	      (unsigned long long)addr, (unsigned long long)off);
	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	pfn = swap_cache_pfn(sys, off);
	if (pfn == UINT64_MAX) {
		/* not in the swap cache: swapin_readahead, then the read
		 * (through the swap cache: this machine's swap is no
		 * SWP_SYNCHRONOUS_IO device, so the entry's exclusive bit
		 * stands) */
		bool ra = swap_cluster_readahead(sys, off);

		pfn = phys_alloc(sys, PAGE_ANON);
		if (pfn == UINT64_MAX)
			return VM_FAULT_OOM;
		swap_readpage(sys, off, pfn);
		/* __read_swap_cache_async's folio_add_lru, then, after a
		 * readahead window, its lru_add_drain() */
		folio_add_lru(sys, pfn);
		if (ra)
			lru_add_drain(sys);
		/* the reference phys_alloc gave is the mapping's */
		sys->stat[ST_PGMAJFAULT]++;
	} else {
		swap_update_readahead(sys, pfn);
		phys_get(sys, pfn);
		/* Probed (6.18, a swap file on this machine's disk): after
		 * MADV_PAGEOUT the kept folio waits in the lru_add batch
		 * (reclaim_folio_list's folio_putback_lru); a read fault then
		 * maps it still without lru and in the swap cache, a write
		 * fault finds the batch drained (lru set, the swap slot
		 * freed, the page reused): do_swap_page itself calls
		 * lru_add_drain() for a write fault on a swap cache folio
		 * without PG_lru, so that the refcount test of
		 * should_try_to_free_swap() sees no batch reference.  (A
		 * folio already on its list drains nothing: a reference of
		 * another CPU's batch keeps it in the swap cache on Linux,
		 * which the model does not have -- docs/notes/issue-16.md,
		 * session 6.) */
		if (write && phys_page(sys, pfn)->lru == LRU_NONE &&
		    lru_add_refs(sys, pfn))
			lru_add_drain(sys);
	}
	page = phys_page(sys, pfn);
	if (!page_anon(sys, page)) {
		/* folio_add_new_anon_rmap(): read by readahead (or just now),
		 * the folio becomes this VMA's anonymous page */
		page_set_anon(sys, page, vma->anon_vma);
		anon_vma_get(page_anon(sys, page));
		page->index = linear_page_index(vma, addr);
	}
	swap_free(sys, orig);
	/* should_try_to_free_swap() */
	if (vm_swap_full(sys) || (vma->vm_flags & VM_LOCKED) ||
	    (write && page->refcount == 2))
		folio_free_swap(sys, pfn);
	mm_add_rss(mm, MM_ANONPAGES, 1);
	mm_add_rss(mm, MM_SWAPENTS, -1);
	pte = mk_pte(pfn, vma_page_prot(vma));
	if (exclusive || page->refcount == 1) {
		if (vma->vm_flags & VM_WRITE) {
			pte |= _PAGE_RW;
			if (write) {
				pte = pte_mkdirty(pte);
				write = false;
			}
		}
		page->exclusive = true;
	}
	page->mapcount++;
	*ptep = pte;
	mlock_vma_folio(vma, pfn);      /* folio_add_anon_rmap_ptes */
	if (write)
		return do_wp_page(sys, vma, addr, ptep, f);
	return 0;
}

static bool access_error(const struct vmsh_vma *vma, bool write)
{
	if (write)
		return !(vma->vm_flags & VM_WRITE);
	return !vma_is_accessible(vma);
}

int handle_mm_fault(struct vmsh_sys *sys, struct vmsh_mm *mm, uint64_t addr,
		    bool write, struct vmsh_fault *f)
{
	struct vmsh_vma *vma;
	uint64_t *ptep, *pmdp, pte;
	int ret;

	memset(f, 0, sizeof(*f));
	trace(sys, "handle_mm_fault addr=%#llx %s", (unsigned long long)addr,
	      write ? "write" : "read");
	vma = addr < mm->task_size ? find_vma(mm, addr) : NULL;
	if (!vma)
		return fault_signal(sys, f, SIGSEGV, SEGV_MAPERR, addr,
				    VM_FAULT_SIGSEGV);
	if (addr < vma->vm_start) {
		if (!(vma->vm_flags & VM_GROWSDOWN) ||
		    expand_stack(sys, vma, addr))
			return fault_signal(sys, f, SIGSEGV, SEGV_MAPERR, addr,
					    VM_FAULT_SIGSEGV);
	}
	if (access_error(vma, write))
		return fault_signal(sys, f, SIGSEGV, SEGV_ACCERR, addr,
				    VM_FAULT_SIGSEGV);

	sys->stat[ST_PGFAULT]++;
	/* the allocator's slow path: kswapd woken, direct reclaim (here,
	 * before the fault holds anything reclaim could take) */
	alloc_pressure(sys);
	/* __handle_mm_fault allocates down to the PMD; the PTE table comes
	 * with the first PTE (do_anonymous_page, finish_fault, fault-around) */
	pmdp = pmd_alloc(mm, addr);
	if (!pmdp)
		return fault_signal(sys, f, SIGKILL, 0, addr, VM_FAULT_OOM);
	ret = VM_FAULT_FALLBACK;
	if (!*pmdp && thp_vma_allowable_order(vma, TVA_PAGEFAULT) &&
	    thp_vma_suitable_addr(vma, addr))
		ret = do_huge_pmd_anonymous_page(sys, vma, addr, pmdp, write);
	else if (pmd_trans_huge(*pmdp))
		ret = do_huge_pmd_fault(sys, vma, addr, pmdp, write);
	if (ret != VM_FAULT_FALLBACK)
		goto out;
	/* one walk per fault: the PTE comes from the PMD in hand */
	ptep = pte_offset_map(mm, pmdp, addr, false);
	pte = ptep ? *ptep : 0;
	if (pte_is_guard(pte))          /* handle_pte_marker() */
		return fault_signal(sys, f, SIGSEGV, SEGV_MAPERR, addr,
				    VM_FAULT_SIGSEGV);
	if (!pte && vma_is_anonymous(vma)) {
		ptep = pte_offset_map(mm, pmdp, addr, true);
		if (!ptep)
			return fault_signal(sys, f, SIGKILL, 0, addr,
					    VM_FAULT_OOM);
		ret = do_anonymous_page(sys, vma, addr & PAGE_MASK, ptep,
					write);
	} else if (!pte) {
		ret = do_file_fault(sys, vma, addr, write, f);
	} else if (is_swap_pte(pte)) {
		ret = do_swap_page(sys, vma, addr & PAGE_MASK, ptep, write, f);
	} else if (!(pte & _PAGE_PRESENT)) {
		/* PROT_NONE entry in an accessible VMA: cannot happen
		 * without NUMA balancing; restore the VMA's protection. */
		*ptep = mk_pte(pte_pfn(pte), vma_page_prot(vma)) |
			(pte & (_PAGE_DIRTY | _PAGE_SOFT_DIRTY | _PAGE_SPECIAL));
		ret = 0;
	} else if (write && !(pte & _PAGE_RW)) {
		ret = do_wp_page(sys, vma, addr & PAGE_MASK, ptep, f);
	} else {
		/* Spurious: a stale TLB entry; just make the PTE young. */
		pte |= _PAGE_ACCESSED;
		if (write)
			pte = pte_mkdirty(pte);
		*ptep = pte;
		ret = 0;
	}
out:
	if (ret && !f->signo) {
		if (ret & VM_FAULT_OOM)
			fault_signal(sys, f, SIGKILL, 0, addr, ret);
		else if (ret & VM_FAULT_SIGBUS)
			fault_signal(sys, f, SIGBUS, BUS_ADRERR, addr, ret);
		else
			fault_signal(sys, f, SIGSEGV, SEGV_ACCERR, addr, ret);
	}
	return ret;
}

/* The entry GUP follows for @addr: a huge PMD as it is (follow_huge_pmd),
 * else the PTE (NULL: none); never splits. */
static uint64_t *gup_entry(struct vmsh_mm *mm, uint64_t addr)
{
	uint64_t *pmdp = pmd_lookup(mm, addr);

	if (!pmdp)
		return NULL;
	if (pmd_trans_huge(*pmdp))
		return pmdp;
	return pte_lookup(mm, addr, false);
}

/* GUP steps over the rest of a huge PMD at once (page_mask). */
static uint64_t gup_next(struct vmsh_mm *mm, uint64_t addr)
{
	uint64_t *pmdp = pmd_lookup(mm, addr);

	if (pmdp && pmd_trans_huge(*pmdp))
		return (addr & HPAGE_PMD_MASK) + HPAGE_PMD_SIZE;
	return (addr & PAGE_MASK) + PAGE_SIZE;
}

/* follow_page_pte() with FOLL_TOUCH: the page GUP found is marked
 * accessed (and dirty for a write through a clean PTE).  A huge PMD
 * (follow_huge_pmd's touch_pmd) is only made young, and dirty for a
 * write: the folio is not marked accessed (probed on 6.18: a THP that
 * mlock or MADV_POPULATE_WRITE populated shows no referenced in
 * kpageflags). */
static void gup_touch(struct vmsh_sys *sys, struct vmsh_vma *vma,
		      uint64_t *ptep, bool write)
{
	struct page *page;

	if (!ptep || !(*ptep & _PAGE_PRESENT) || (*ptep & _PAGE_SPECIAL) ||
	    pte_pfn(*ptep) >= sys->phys.nframes)
		return;
	if (pmd_trans_huge(*ptep)) {
		*ptep |= _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0);
		return;
	}
	page = page_folio(sys, phys_page(sys, pte_pfn(*ptep)));
	if (write && !(*ptep & _PAGE_DIRTY) && !page->dirty)
		page->dirty = true;
	mark_page_accessed(sys, page);
}

int populate_range(struct vmsh_sys *sys, struct vmsh_mm *mm, uint64_t start,
		   uint64_t end)
{
	return mm_populate(sys, mm, start, end, true);
}

/* populate_vma_page_range(): GUP over [*addr, end) of @vma, then
 * lru_add_drain() whatever GUP did (so the new pages of a locked VMA
 * reach the unevictable list, and a pending lazy-free batch moves: probed
 * on one CPU, MAP_POPULATE, MAP_LOCKED and mlock drain; over a PROT_NONE
 * VMA they do not).  0 or an errno;
 * *@addr is where the walk goes on. */
static int populate_vma_page_range(struct vmsh_sys *sys, struct vmsh_mm *mm,
				   struct vmsh_vma *vma, uint64_t *addr,
				   uint64_t end, bool ignore_errors)
{
	struct vmsh_fault f;
	bool write;

	if (!vma_is_accessible(vma)) {
		*addr = vma->vm_end;
		/* check_vma_flags: no FOLL_FORCE */
		return ignore_errors ? 0 : -EFAULT;
	}
	write = (vma->vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE;
	for (; *addr < vma->vm_end && *addr < end; *addr = gup_next(mm, *addr)) {
		uint64_t *ptep;
		int ret;

		/* __mm_populate gives up on a fatal signal; the call itself
		 * still succeeds */
		if (interrupted(sys))
			return -EINTR;
		ptep = gup_entry(mm, *addr);
		if (!ptep || !(*ptep & _PAGE_PRESENT) ||
		    (write && !(*ptep & _PAGE_RW))) {
			ret = handle_mm_fault(sys, mm, *addr, write, &f);
			if (ret & VM_FAULT_OOM)
				return -ENOMEM;
			if (ret && !ignore_errors)
				return -EFAULT;
			if (ret) {
				/* an error ends this VMA (ignore_errors) */
				*addr = vma->vm_end;
				return 0;
			}
			ptep = gup_entry(mm, *addr);
		}
		gup_touch(sys, vma, ptep, write);
	}
	return 0;
}

int mm_populate(struct vmsh_sys *sys, struct vmsh_mm *mm, uint64_t start,
		uint64_t end, bool ignore_errors)
{
	struct vmsh_vma *vma;
	uint64_t addr;

	start &= PAGE_MASK;
	trace(sys, "populate_range start=%#llx end=%#llx",
	      (unsigned long long)start, (unsigned long long)end);
	for (addr = start; addr < end;) {
		int ret;

		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start >= end)
			break;
		if (addr < vma->vm_start)
			addr = vma->vm_start;
		/* __mm_populate skips these; populate_vma_page_range
		 * returns at once for VM_LOCKONFAULT (no drain) */
		if (vma->vm_flags & (VM_IO | VM_PFNMAP | VM_LOCKONFAULT)) {
			addr = vma->vm_end;
			continue;
		}
		ret = populate_vma_page_range(sys, mm, vma, &addr, end,
					      ignore_errors);
		/* probed: a PROT_NONE VMA (MAP_LOCKED or MAP_POPULATE)
		 * leaves the batches as they were */
		if (vma_is_accessible(vma))
			lru_add_drain(sys);
		if (ret)
			return ret;
	}
	return 0;
}

/* check_vma_flags() without FOLL_FORCE: 0 or the errno madvise gives. */
static int gup_check_vma(const struct vmsh_vma *vma, bool write)
{
	if (vma->vm_flags & (VM_IO | VM_PFNMAP))
		return -EINVAL;
	if (write ? !(vma->vm_flags & VM_WRITE) : !(vma->vm_flags & VM_READ))
		return -EINVAL;
	return 0;
}

static int faultin_gup(struct vmsh_sys *sys, struct vmsh_mm *mm,
		       uint64_t start, uint64_t end, bool write)
{
	struct vmsh_vma *vma = NULL;
	struct vmsh_fault f;
	uint64_t addr;
	int err;

	trace(sys, "faultin_page_range start=%#llx end=%#llx write=%d",
	      (unsigned long long)start, (unsigned long long)end, write);
	for (addr = start; addr < end; addr = gup_next(mm, addr)) {
		uint64_t *ptep;

		if (!vma || addr >= vma->vm_end) {
			vma = find_vma(mm, addr);
			if (!vma || addr < vma->vm_start)
				return -ENOMEM;
			err = gup_check_vma(vma, write);
			if (err)
				return err;
		}
		ptep = gup_entry(mm, addr);
		if (!ptep || !(*ptep & _PAGE_PRESENT) ||
		    (write && !(*ptep & _PAGE_RW))) {
			int ret = handle_mm_fault(sys, mm, addr, write, &f);

			if (ret & VM_FAULT_OOM)
				return -ENOMEM;
			if (ret)
				return -EFAULT;
			ptep = gup_entry(mm, addr);
		}
		gup_touch(sys, vma, ptep, write);
	}
	return 0;
}

/* faultin_page_range(): GUP, then lru_add_drain() whatever GUP did, as
 * populate_vma_page_range (probed: MADV_POPULATE_(READ|WRITE) drain even
 * when they fail; the pages it faults in a locked VMA are unevictable
 * right after it). */
int faultin_page_range(struct vmsh_sys *sys, struct vmsh_mm *mm,
		       uint64_t start, uint64_t end, bool write)
{
	int err = faultin_gup(sys, mm, start, end, write);

	lru_add_drain(sys);
	return err;
}
