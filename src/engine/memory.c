/* SPDX-License-Identifier: MIT */
/*
 * What the PTEs of a VMA's range hold, changed over the range: the zap
 * (mm/memory.c zap_pte_range, and try_to_unmap_one of one file page),
 * the mmu_gather that batches the zap's TLB flushes (mm/mmu_gather.c),
 * change_protection (mm/mprotect.c) and move_page_tables (mm/mremap.c),
 * with the protection a VMA's PTEs get (vma_page_prot).
 *
 * pgtable.c below builds, walks and frees the tables; this file knows
 * what an entry maps.
 *
 * Invariants kept:
 *  - clearing a present PTE of a normal page drops exactly its mapcount,
 *    its reference and one unit of the rss counter page_mm_counter()
 *    names; a dirty PTE marks the folio dirty, a young file PTE marks it
 *    accessed (zap only);
 *  - every present PTE cleared or changed in a way pte_needs_flush() sees
 *    is flushed from the TLB before the operation returns, or, inside an
 *    mmu_gather, by tlb_finish_mmu;
 *  - a moved PTE keeps its page, its mapcount and the mm's rss.
 */
#include "config.h"

#include "anon_vma.h"
#include "file.h"
#include "huge_memory.h"
#include "memory.h"
#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "swap.h"
#include "sys.h"
#include "tlb.h"
#include "vm_flags.h"
#include "vma.h"

/* ---- protection ---------------------------------------------------------- */

static bool vma_wants_writenotify(const struct vmsh_vma *vma)
{
	uint64_t flags = vma->vm_flags;

	if ((flags & (VM_WRITE | VM_SHARED)) != (VM_WRITE | VM_SHARED))
		return false;
	if (vma->vm_ops && vma->vm_ops->page_mkwrite)
		return true;
	if (VMSH_SOFT_DIRTY && !(flags & VM_SOFTDIRTY))
		return true;
	/* Can the mapping track dirty pages?  tmpfs/shmem cannot. */
	return vma->vm_file && vma->vm_file->disk;
}

uint64_t vma_page_prot(const struct vmsh_vma *vma)
{
	uint64_t flags = vma->vm_flags;

	if (vma_wants_writenotify(vma))
		flags &= ~VM_SHARED;
	return vm_get_page_prot(flags);
}

/* ---- zap ----------------------------------------------------------------- */

struct range_acc {
	struct vmsh_mm *mm;
	struct vmsh_vma *vma;   /* the VMA zapped (NULL: not a zap) */
	uint64_t lo, hi;        /* addresses whose TLB entries need a flush */
	bool any;
	bool ptes, pmds;        /* cleared_ptes, cleared_pmds (the stride) */
	bool drop_markers;      /* ZAP_FLAG_DROP_MARKER: guard markers go too */
	uint64_t thp_head;      /* the large folio whose PTEs are being
				   zapped (a batch), or UINT64_MAX */
};

static void acc_add_range(struct range_acc *acc, uint64_t addr, uint64_t end)
{
	if (!acc->any || addr < acc->lo)
		acc->lo = addr;
	if (!acc->any || end > acc->hi)
		acc->hi = end;
	acc->any = true;
}

static void acc_add(struct range_acc *acc, uint64_t addr)
{
	acc_add_range(acc, addr, addr + PAGE_SIZE);
	acc->ptes = true;
}

/* A huge PMD's 2 MiB (tlb_flush_pmd_range). */
static void acc_add_pmd(struct range_acc *acc, uint64_t addr, uint64_t end)
{
	acc_add_range(acc, addr, end);
	acc->pmds = true;
}

/* tlb_get_unmap_shift(): PTEs cleared: 4 KiB strides, else 2 MiB ones. */
static unsigned acc_shift(const struct range_acc *acc)
{
	return acc->ptes || !acc->pmds ? PAGE_SHIFT : HPAGE_PMD_SHIFT;
}

/* ---- mmu_gather ---------------------------------------------------------- */

void tlb_gather_mmu(struct vmsh_mm *mm)
{
	if (mm->gather_depth++ == 0) {
		mm->gather_fullmm = false;
		mm->gather_any = false;
		mm->gather_lo = mm->gather_hi = 0;
		mm->gather_shift = 0;
	}
}

void tlb_gather_mmu_fullmm(struct vmsh_mm *mm)
{
	tlb_gather_mmu(mm);
	mm->gather_fullmm = true;
}

void tlb_finish_mmu(struct vmsh_mm *mm)
{
	if (mm->gather_depth <= 0 || --mm->gather_depth > 0)
		return;
	if (!mm->gather_any)
		return;
	mm->gather_any = false;
	if (mm->gather_fullmm)
		flush_tlb_mm(mm);
	else
		flush_tlb_range_stride(mm, mm->gather_lo, mm->gather_hi,
				       mm->gather_shift ? mm->gather_shift : PAGE_SHIFT);
}

/* Drop what a present PTE held (zap_present_pte): rmap, rss, reference.
 * The rss counters go down directly: zap_range updated hiwater_rss
 * before the walk, and nothing raises rss during it, so mm_add_rss's
 * per-PTE hiwater check could not change anything. */
static void zap_pte(struct vmsh_mm *mm, struct vmsh_vma *vma, uint64_t pte)
{
	struct vmsh_sys *sys = mm->sys;
	uint64_t pfn;
	struct page *page;

	if (is_swap_pte(pte)) {
		/* zap_nonpresent_ptes(): the swap entry's slot */
		mm->rss[MM_SWAPENTS]--;
		free_swap_and_cache(sys, pte);
		return;
	}
	if (!pte_present(pte) || (pte & _PAGE_SPECIAL))
		return;
	pfn = pte_pfn(pte);
	page = phys_page(sys, pfn);
	if (page->kind != PAGE_ANON) {
		struct page *folio = page_folio(sys, page);

		if (pte & _PAGE_DIRTY)
			folio->dirty = true;
		if (pte & _PAGE_ACCESSED)
			mark_page_accessed(sys, folio);
	}
	mm->rss[page_mm_counter(page)]--;
	page->mapcount--;
	/* __folio_remove_rmap(): a locked VMA's folio goes to the mlock
	 * batch for munlock, after the young PTE marked it accessed (while
	 * still unevictable: PG_referenced stays) */
	munlock_vma_folio(vma, pfn);
	/* free_pages_and_swap_cache(): an unmapped swap cache folio no
	 * swap PTE names leaves the cache */
	if (page->swap && page->mapcount == 0)
		folio_free_swap(sys, pfn);
	put_page(sys, pfn);
}

void unmap_file_pte(struct vmsh_vma *vma, uint64_t addr, uint64_t pfn)
{
	struct vmsh_mm *mm = vma->vm_mm;
	uint64_t *ptep = pte_lookup(mm, addr, false), pte;
	struct page *page;

	if (!ptep || !pte_present(*ptep) || (*ptep & _PAGE_SPECIAL) ||
	    pte_pfn(*ptep) != pfn)
		return;
	pte = *ptep;
	*ptep = 0;                      /* ptep_clear_flush */
	flush_tlb_page(mm, addr);
	page = phys_page(mm->sys, pfn);
	if (pte & _PAGE_DIRTY)
		page_folio(mm->sys, page)->dirty = true;
	mm_add_rss(mm, page_mm_counter(page), -1);
	page->mapcount--;
	munlock_vma_folio(vma, pfn);
	phys_put(mm->sys, pfn);
}

static inline void zap_one(uint64_t *ptep, uint64_t addr, void *ctx)
{
	struct range_acc *acc = ctx;
	struct vmsh_sys *sys = acc->mm->sys;
	uint64_t pte = *ptep, head = UINT64_MAX;

	if (pte_is_guard(pte) && !acc->drop_markers)
		return;
	*ptep = 0;
	if (pte_present(pte)) {
		acc_add(acc, addr);
		if (!(pte & _PAGE_SPECIAL) &&
		    (phys_page(sys, pte_pfn(pte))->thp &
		     (PAGE_THP_HEAD | PAGE_THP_TAIL)))
			head = thp_head(sys, pte_pfn(pte));
	}
	/* a batch of one large folio's PTEs ends: __folio_remove_rmap */
	if (head != acc->thp_head) {
		deferred_split_check(sys, acc->thp_head);
		acc->thp_head = head;
	}
	zap_pte(acc->mm, acc->vma, pte);
}

/* zap_pte_range(): the PTEs of one table in [addr, end).  A plain
 * anonymous page someone else still holds (a fork's child exiting, say:
 * nothing to free, no list, no swap cache) is zapped here with the counts
 * in locals; everything else takes zap_one.  Aligned to a cache line, as
 * copy_pte_range (fork.c says why). */
__attribute__((aligned(64)))
static void zap_pte_range(uint64_t *pte, uint64_t addr, uint64_t end,
			  void *ctx)
{
	struct range_acc *acc = ctx;
	struct vmsh_sys *sys = acc->mm->sys;
	struct page *pages = sys->phys.pages;
	uint64_t nframes = sys->phys.nframes, lo = 0, hi = 0, anon = 0;

	if (acc->vma->vm_flags & VM_LOCKED) {
		/* munlock of each page: the general way */
		for (; addr != end; pte++, addr += PAGE_SIZE)
			if (*pte)
				zap_one(pte, addr, ctx);
		return;
	}
	while (addr != end) {
		/* a run the fast way takes (no large folio's batch open):
		 * no call inside, so that the loop keeps its state in
		 * registers */
		if (acc->thp_head == UINT64_MAX)
			for (; addr != end; pte++, addr += PAGE_SIZE) {
				uint64_t v = *pte;
				struct page *page;

				if (!v)
					continue;
				page = pte_anon_page(pages, nframes, v);
				if (!page || (page->thp & (PAGE_THP_HEAD |
							   PAGE_THP_TAIL)) ||
				    page->swap || page->refcount <= 1 ||
				    page->mapcount <= 0)
					break;
				*pte = 0;
				if (!anon++)
					lo = addr;
				hi = addr + PAGE_SIZE;
				page->mapcount--;
				page->refcount--;
			}
		if (addr == end)
			break;
		if (*pte)
			zap_one(pte, addr, ctx);
		pte++;
		addr += PAGE_SIZE;
	}
	if (anon) {
		acc_add(acc, lo);
		acc_add_range(acc, lo, hi);
		acc->mm->rss[MM_ANONPAGES] -= (int64_t)anon;
	}
}

/* zap_pmd_range(): a huge PMD the range covers goes whole, one it cuts
 * through is split first (the walker does it when this says no). */
static bool zap_pmd(uint64_t *pmdp, uint64_t addr, uint64_t next, void *ctx)
{
	struct range_acc *acc = ctx;

	if (next - addr != HPAGE_PMD_SIZE)
		return false;
	if (!(*pmdp & _PAGE_SPECIAL)) {
		uint64_t head = pte_pfn(*pmdp), i;

		for (i = 0; i < HPAGE_PMD_NR; i++)
			munlock_vma_folio(acc->vma, head + i);
	}
	zap_huge_pmd(acc->mm, pmdp, addr);
	acc_add_pmd(acc, addr, next);
	return true;
}

static void zap_range(struct vmsh_vma *vma, uint64_t start, uint64_t end,
		      bool drop_markers)
{
	struct vmsh_mm *mm = vma->vm_mm;
	struct range_acc acc = { .mm = mm, .vma = vma,
				 .drop_markers = drop_markers,
				 .thp_head = UINT64_MAX };

	if (!vma_clip(vma, &start, &end))
		return;
	trace(mm->sys, "zap_page_range start=%#llx end=%#llx",
	      (unsigned long long)start, (unsigned long long)end);
	update_hiwater_rss(mm);
	pt_walk_pte_tables(mm, start, end, zap_pte_range, zap_pmd, &acc);
	deferred_split_check(mm->sys, acc.thp_head);
	if (!acc.any)
		return;
	if (mm->gather_depth > 0) {
		if (acc.ptes)
			tlb_adjust_range(mm, acc.lo, acc.hi, PAGE_SHIFT);
		if (acc.pmds)
			tlb_adjust_range(mm, acc.lo, acc.hi, HPAGE_PMD_SHIFT);
	} else {
		flush_tlb_range_stride(mm, acc.lo, acc.hi, acc_shift(&acc));
	}
}

void zap_page_range(struct vmsh_vma *vma, uint64_t start, uint64_t end)
{
	zap_range(vma, start, end, false);
}

void unmap_page_range(struct vmsh_vma *vma, uint64_t start, uint64_t end)
{
	zap_range(vma, start, end, true);
}

/* ---- change_protection (mprotect) ---------------------------------------- */

struct prot_ctx {
	struct range_acc acc;
	struct vmsh_vma *vma;
	uint64_t newprot;
	bool try_writable;
};

/* can_change_pte_writable(): may mprotect map this PTE writable at once? */
static bool can_change_pte_writable(struct vmsh_vma *vma, uint64_t pte)
{
	struct page *page;

	if (!(vma->vm_flags & VM_WRITE))
		return false;
	if (!(pte & _PAGE_PRESENT))
		return false;   /* protnone: not even readable */
	if (!(vma->vm_flags & VM_SHARED)) {
		/* Only exclusive anonymous pages: the write fault would
		 * reuse them without further checks. */
		if (pte & _PAGE_SPECIAL)
			return false;
		page = phys_page(vma->vm_mm->sys, pte_pfn(pte));
		return page->kind == PAGE_ANON && page->exclusive;
	}
	/* Shared: clean might still need a write-notify fault. */
	return pte & _PAGE_DIRTY;
}

/* Bits pte_modify() keeps (_PAGE_CHG_MASK). */
#define PAGE_CHG_MASK (PTE_PFN_MASK | _PAGE_PCD | _PAGE_PWT | _PAGE_SPECIAL | \
		       _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_SAVED_DIRTY | \
		       _PAGE_SOFT_DIRTY | _PAGE_UFFD_WP)

static inline void change_one(uint64_t *ptep, uint64_t addr, void *vctx)
{
	struct prot_ctx *ctx = vctx;
	uint64_t old = *ptep, pfn, ptent;

	if (!pte_present(old))
		return;
	pfn = pte_pfn(old);
	/* pte_modify: keep PFN/A/D/soft bits, take the rest from newprot. */
	ptent = ((pfn << PAGE_SHIFT) & PTE_PFN_MASK) |
		(old & PAGE_CHG_MASK & ~PTE_PFN_MASK) |
		(ctx->newprot & ~PAGE_CHG_MASK);
	if (ctx->try_writable && !(ptent & _PAGE_RW) &&
	    can_change_pte_writable(ctx->vma, ptent))
		ptent |= _PAGE_RW;
	*ptep = ptent;
	if (pte_needs_flush(old, ptent))
		acc_add(&ctx->acc, addr);
}

/* change_pte_range(): the PTEs of one table in [addr, end). */
static void change_pte_range(uint64_t *pte, uint64_t addr, uint64_t end,
			     void *vctx)
{
	for (; addr != end; pte++, addr += PAGE_SIZE)
		if (*pte)
			change_one(pte, addr, vctx);
}

/* change_pmd_range(): a huge PMD the range covers keeps its size. */
static bool change_pmd(uint64_t *pmdp, uint64_t addr, uint64_t next,
		       void *vctx)
{
	struct prot_ctx *ctx = vctx;

	if (next - addr != HPAGE_PMD_SIZE)
		return false;
	if (change_huge_pmd(ctx->vma, pmdp, addr, ctx->newprot,
			    ctx->try_writable))
		acc_add_pmd(&ctx->acc, addr, next);
	return true;
}

void change_protection(struct vmsh_vma *vma, uint64_t start, uint64_t end)
{
	struct vmsh_mm *mm = vma->vm_mm;
	struct prot_ctx ctx = { .acc = { .mm = mm }, .vma = vma };

	if (!vma_clip(vma, &start, &end))
		return;
	ctx.newprot = vma_page_prot(vma);
	/* vma_wants_manual_pte_write_upgrade() */
	if (vma->vm_flags & VM_SHARED)
		ctx.try_writable = vma_wants_writenotify(vma);
	else
		ctx.try_writable = vma->vm_flags & VM_WRITE;
	trace(mm->sys, "change_protection start=%#llx end=%#llx",
	      (unsigned long long)start, (unsigned long long)end);
	pt_walk_pte_tables(mm, start, end, change_pte_range, change_pmd, &ctx);
	if (ctx.acc.any)
		flush_tlb_range_stride(mm, ctx.acc.lo, ctx.acc.hi,
				       acc_shift(&ctx.acc));
}

/* ---- move_page_tables (mremap) ------------------------------------------- */

void move_page_tables(struct vmsh_vma *vma, uint64_t old_addr,
		      struct vmsh_vma *new_vma, uint64_t new_addr, uint64_t len)
{
	struct vmsh_mm *mm = vma->vm_mm;
	struct vmsh_sys *sys = mm->sys;
	int levels = sys->cfg.levels;
	uint64_t old_end = old_addr + len;

	trace(sys, "move_page_tables old=%#llx new=%#llx len=%#llx",
	      (unsigned long long)old_addr, (unsigned long long)new_addr,
	      (unsigned long long)len);
	while (old_addr < old_end) {
		/* One PMD extent at a time, as move_ptes() works. */
		uint64_t next = pt_entry_end(levels, levels - 2, old_addr, old_end);
		uint64_t extent = next - old_addr;
		uint64_t nnext = pt_entry_end(levels, levels - 2, new_addr,
					   new_addr + extent);
		uint64_t a, chunk_start = old_addr;
		bool force_flush = false;
		/* move_ptes(): the source and destination tables are looked
		 * up once each, not once per PTE */
		struct pte_cursor sc = { NULL, 0 }, dc = { NULL, 0 };

		extent = nnext - new_addr;
		if (levels >= 3) {
			uint64_t *pmdp = pmd_lookup(mm, old_addr);

			/* move_pgt_entry(HPAGE_PMD), else split_huge_pmd */
			if (pmdp && pmd_trans_huge(*pmdp)) {
				if (extent == HPAGE_PMD_SIZE &&
				    move_huge_pmd(vma, old_addr, new_addr)) {
					old_addr += extent;
					new_addr += extent;
					continue;
				}
				split_huge_pmd(vma, old_addr);
			}
		}
		for (a = 0; a < extent; a += PAGE_SIZE) {
			uint64_t *src = pte_lookup_at(mm, &sc, old_addr + a, false);
			uint64_t *dst, pte;

			if (!src || !*src)
				continue;
			dst = pte_lookup_at(mm, &dc, new_addr + a, true);
			if (!dst) {
				/* Out of frames for a table: the PTE stays. */
				continue;
			}
			pte = *src;
			*src = 0;
			if (pte_present(pte)) {
				force_flush = true;
				if (VMSH_SOFT_DIRTY)
					pte |= _PAGE_SOFT_DIRTY;
			}
			*dst = pte;
		}
		if (force_flush)
			flush_tlb_range(mm, chunk_start, chunk_start + extent);
		old_addr += extent;
		new_addr += extent;
	}
	(void)new_vma;
}
