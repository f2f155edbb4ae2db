/* SPDX-License-Identifier: MIT */
/*
 * Multi-level page tables in the x86-64 format.
 *
 *   VA (4 levels):  | PGD 47:39 | PUD 38:30 | PMD 29:21 | PTE 20:12 | 11:0 |
 *
 *   mm->pgd --> [512 x u64] --entry--> [512 x u64] --> ... --> PTE --> frame
 *
 * With cfg.levels = L there are L real levels named PGD, then the last
 * L - 1 of P4D, PUD, PMD, PTE (Linux folds P4D first, then PUD, then PMD).
 *
 * Invariants:
 *  - every table is a PAGE_PGTABLE frame of the pool holding 512 entries;
 *    a non-leaf entry is 0 or (child pfn << 12 | _PAGE_TABLE);
 *  - a leaf entry is 0 or a PTE: present (P, or PROTNONE with P clear);
 *    unlike x86-64 Linux, a PROT_NONE entry keeps its PFN bits plain
 *    (Linux inverts them against L1TF; nothing user-visible depends on
 *    it, and every module can then read the PFN the same way);
 *  - a present PTE without _PAGE_SPECIAL maps a normal page: it holds one
 *    mapcount and one refcount of the frame and one unit of the mm's rss
 *    counter of that page's kind; special PTEs (zero page, PFNMAP) hold
 *    nothing;
 *  - pgtables_bytes = 4096 x the PUD, PMD and PTE tables of the mm (not
 *    the PGD nor a P4D: Linux counts only mm_inc_nr_{puds,pmds,ptes}).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

#define PTRS_PER_TABLE 512

static const char *const level_names[] = { "P4D", "PUD", "PMD", "PTE" };

unsigned pt_shift(int levels, int depth)
{
	return PAGE_SHIFT + 9 * (levels - 1 - depth);
}

const char *pt_level_name(int levels, int depth)
{
	if (depth == 0)
		return "PGD";
	return level_names[4 - (levels - depth)];
}

uint64_t *pt_table(const struct vmsh_sys *sys, uint64_t pfn)
{
	if (pfn >= sys->phys.nframes || sys->phys.pages[pfn].kind != PAGE_PGTABLE)
		abort();
	return (uint64_t *)sys->phys.pages[pfn].data;
}

static unsigned pt_index(int levels, int depth, uint64_t addr)
{
	return (addr >> pt_shift(levels, depth)) & (PTRS_PER_TABLE - 1);
}

/* End of the span of the entry holding @addr at @depth, clipped to @end
 * (pgd_addr_end and friends, overflow-safe). */
static uint64_t entry_end(int levels, int depth, uint64_t addr, uint64_t end)
{
	uint64_t span = 1ULL << pt_shift(levels, depth);
	uint64_t boundary = (addr + span) & ~(span - 1);

	return boundary - 1 < end - 1 ? boundary : end;
}

/* Does a table at @depth count in pgtables_bytes? */
static bool table_counted(int levels, int depth)
{
	return depth > 0 && strcmp(pt_level_name(levels, depth), "P4D") != 0;
}

static uint64_t table_alloc(struct vmsh_mm *mm, int depth)
{
	struct vmsh_sys *sys = mm->sys;
	uint64_t pfn = phys_alloc(sys, PAGE_PGTABLE);

	if (pfn == UINT64_MAX)
		return pfn;
	sys->stat[ST_PGTABLE_ALLOC]++;
	if (table_counted(sys->cfg.levels, depth))
		mm->pgtables_bytes += PAGE_SIZE;
	return pfn;
}

static void table_free(struct vmsh_mm *mm, uint64_t pfn, int depth)
{
	struct vmsh_sys *sys = mm->sys;

	sys->stat[ST_PGTABLE_FREE]++;
	if (table_counted(sys->cfg.levels, depth))
		mm->pgtables_bytes -= PAGE_SIZE;
	phys_put(sys, pfn);
}

/* ---- PTE construction --------------------------------------------------- */

/* x86 protection_map[]: every template carries _PAGE_ACCESSED. */
static uint64_t protection_map(uint64_t vm_flags)
{
	uint64_t prot;

	if (!(vm_flags & (VM_READ | VM_WRITE | VM_EXEC)))
		return _PAGE_PROTNONE | _PAGE_ACCESSED;           /* PAGE_NONE */
	prot = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
	if ((vm_flags & VM_WRITE) && (vm_flags & VM_SHARED))
		prot |= _PAGE_RW;                                  /* PAGE_SHARED */
	if (!(vm_flags & VM_EXEC))
		prot |= _PAGE_NX;
	return prot;
}

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
	return protection_map(flags);
}

uint64_t mk_pte(uint64_t pfn, uint64_t prot)
{
	return ((pfn << PAGE_SHIFT) & PTE_PFN_MASK) | prot;
}

uint64_t pte_mkdirty(uint64_t pte)
{
	return pte | _PAGE_DIRTY | (VMSH_SOFT_DIRTY ? _PAGE_SOFT_DIRTY : 0);
}

uint64_t pte_mkentry(uint64_t pfn, uint64_t vm_flags, bool write, bool dirty,
		     bool young)
{
	/* RW only when asked: callers decide write-notify themselves */
	uint64_t pte = mk_pte(pfn, protection_map(vm_flags) & ~_PAGE_RW);

	if (write && (pte & _PAGE_PRESENT))
		pte |= _PAGE_RW;
	if (dirty)
		pte = pte_mkdirty(pte);
	if (!young)
		pte &= ~_PAGE_ACCESSED;
	return pte;
}

void update_hiwater_rss(struct vmsh_mm *mm)
{
	uint64_t rss = mm_rss(mm);

	if (rss > mm->hiwater_rss)
		mm->hiwater_rss = rss;
}

/* ---- lookup ------------------------------------------------------------- */

int pgtable_init(struct vmsh_mm *mm)
{
	uint64_t pfn = table_alloc(mm, 0);

	if (pfn == UINT64_MAX)
		return -ENOMEM;
	mm->pgd = pfn;
	return 0;
}

/* The entry of @addr's table at @depth (levels - 1: the PTE), allocating
 * the tables above it when @alloc; NULL when one is missing (or out of
 * frames). */
static uint64_t *entry_lookup(struct vmsh_mm *mm, uint64_t addr, int depth,
			      bool alloc)
{
	struct vmsh_sys *sys = mm->sys;
	int levels = sys->cfg.levels, d;
	uint64_t pfn = mm->pgd;

	for (d = 0; d < depth; d++) {
		uint64_t *e = &pt_table(sys, pfn)[pt_index(levels, d, addr)];

		if (!(*e & _PAGE_PRESENT)) {
			uint64_t child;

			if (!alloc)
				return NULL;
			child = table_alloc(mm, d + 1);
			if (child == UINT64_MAX)
				return NULL;
			*e = (child << PAGE_SHIFT) | _PAGE_TABLE;
		}
		pfn = (*e & PTE_PFN_MASK) >> PAGE_SHIFT;
	}
	return &pt_table(sys, pfn)[pt_index(levels, depth, addr)];
}

uint64_t *pte_lookup(struct vmsh_mm *mm, uint64_t addr, bool alloc)
{
	return entry_lookup(mm, addr, mm->sys->cfg.levels - 1, alloc);
}

uint64_t *pmd_alloc(struct vmsh_mm *mm, uint64_t addr)
{
	return entry_lookup(mm, addr, mm->sys->cfg.levels - 2, true);
}

static void walk_level(const struct vmsh_sys *sys, uint64_t pfn, int depth,
		       uint64_t addr, uint64_t end, pte_walk_fn *fn, void *ctx)
{
	int levels = sys->cfg.levels;
	uint64_t *t = pt_table(sys, pfn);

	do {
		uint64_t next = entry_end(levels, depth, addr, end);
		uint64_t *e = &t[pt_index(levels, depth, addr)];

		if (depth == levels - 1) {
			if (*e)
				fn(e, addr, ctx);
		} else if (*e & _PAGE_PRESENT) {
			walk_level(sys, (*e & PTE_PFN_MASK) >> PAGE_SHIFT,
				   depth + 1, addr, next, fn, ctx);
		}
		addr = next;
	} while (addr != end);
}

void pte_walk_range(const struct vmsh_mm *mm, uint64_t start, uint64_t end,
		    pte_walk_fn *fn, void *ctx)
{
	if (start >= end)
		return;
	walk_level(mm->sys, mm->pgd, 0, start, end, fn, ctx);
}

/* ---- zap ---------------------------------------------------------------- */

struct range_acc {
	struct vmsh_mm *mm;
	uint64_t lo, hi;        /* addresses whose TLB entries need a flush */
	bool any;
};

static void acc_add(struct range_acc *acc, uint64_t addr)
{
	if (!acc->any || addr < acc->lo)
		acc->lo = addr;
	if (!acc->any || addr + PAGE_SIZE > acc->hi)
		acc->hi = addr + PAGE_SIZE;
	acc->any = true;
}

/* ---- mmu_gather -------------------------------------------------------- */

void tlb_gather_mmu(struct vmsh_mm *mm)
{
	if (mm->gather_depth++ == 0) {
		mm->gather_fullmm = false;
		mm->gather_any = false;
		mm->gather_lo = mm->gather_hi = 0;
	}
}

void tlb_gather_mmu_fullmm(struct vmsh_mm *mm)
{
	tlb_gather_mmu(mm);
	mm->gather_fullmm = true;
}

/* __tlb_adjust_range() */
static void gather_add(struct vmsh_mm *mm, uint64_t lo, uint64_t hi)
{
	if (!mm->gather_any || lo < mm->gather_lo)
		mm->gather_lo = lo;
	if (!mm->gather_any || hi > mm->gather_hi)
		mm->gather_hi = hi;
	mm->gather_any = true;
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
		flush_tlb_range(mm, mm->gather_lo, mm->gather_hi);
}

/* Drop what a present PTE held (zap_present_pte): rmap, rss, reference. */
static void zap_pte(struct vmsh_mm *mm, uint64_t pte)
{
	struct vmsh_sys *sys = mm->sys;
	uint64_t pfn;
	struct page *page;

	if (!pte_present(pte) || (pte & _PAGE_SPECIAL))
		return;
	pfn = pte_pfn(pte);
	page = phys_page(sys, pfn);
	if (page->kind != PAGE_ANON) {
		struct page *folio = page_folio(sys, page);

		if (pte & _PAGE_DIRTY)
			folio->dirty = true;
		if (pte & _PAGE_ACCESSED)
			mark_page_accessed(folio, false);
	}
	mm_add_rss(mm, page_mm_counter(page), -1);
	page->mapcount--;
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
	phys_put(mm->sys, pfn);
}

static void zap_one(uint64_t *ptep, uint64_t addr, void *ctx)
{
	struct range_acc *acc = ctx;
	uint64_t pte = *ptep;

	*ptep = 0;
	if (pte_present(pte))
		acc_add(acc, addr);
	zap_pte(acc->mm, pte);
}

void zap_page_range(struct vmsh_vma *vma, uint64_t start, uint64_t end)
{
	struct vmsh_mm *mm = vma->vm_mm;
	struct range_acc acc = { .mm = mm };

	if (start < vma->vm_start)
		start = vma->vm_start;
	if (end > vma->vm_end)
		end = vma->vm_end;
	if (start >= end)
		return;
	trace(mm->sys, "zap_page_range start=%#llx end=%#llx",
	      (unsigned long long)start, (unsigned long long)end);
	update_hiwater_rss(mm);
	pte_walk_range(mm, start, end, zap_one, &acc);
	if (!acc.any)
		return;
	if (mm->gather_depth > 0)
		gather_add(mm, acc.lo, acc.hi);
	else
		flush_tlb_range(mm, acc.lo, acc.hi);
}

/* ---- free_pgtables ------------------------------------------------------ */

/* Release a table and, defensively, whatever it still points to. */
static void release_table(struct vmsh_mm *mm, uint64_t pfn, int depth)
{
	struct vmsh_sys *sys = mm->sys;
	int levels = sys->cfg.levels;
	uint64_t *t = pt_table(sys, pfn);
	unsigned i;

	for (i = 0; i < PTRS_PER_TABLE; i++) {
		if (!t[i])
			continue;
		if (depth == levels - 1)
			zap_pte(mm, t[i]);
		else if (t[i] & _PAGE_PRESENT)
			release_table(mm, (t[i] & PTE_PFN_MASK) >> PAGE_SHIFT,
				      depth + 1);
		t[i] = 0;
	}
	table_free(mm, pfn, depth);
}

/*
 * The table at @depth that *@pentry points to, for [addr, end): free its
 * children as free_p?d_range do, then itself when the span of its parent
 * entry lies within [floor, ceiling).  A PTE table is freed outright: the
 * caller clipped the range to whole PMD spans.
 */
static void free_table_range(struct vmsh_mm *mm, uint64_t *pentry, int depth,
			     uint64_t addr, uint64_t end, uint64_t floor,
			     uint64_t ceiling)
{
	struct vmsh_sys *sys = mm->sys;
	int levels = sys->cfg.levels;
	uint64_t pfn = (*pentry & PTE_PFN_MASK) >> PAGE_SHIFT;
	uint64_t start = addr, mask;
	uint64_t *t;

	if (depth == levels - 1) {
		/* pte_free_tlb(tlb, pte, addr) */
		*pentry = 0;
		release_table(mm, pfn, depth);
		if (mm->gather_depth > 0)
			gather_add(mm, addr, addr + PAGE_SIZE);
		return;
	}
	t = pt_table(sys, pfn);
	do {
		uint64_t next = entry_end(levels, depth, addr, end);
		uint64_t *e = &t[pt_index(levels, depth, addr)];

		if (*e & _PAGE_PRESENT)
			free_table_range(mm, e, depth + 1, addr, next, floor,
					 ceiling);
		addr = next;
	} while (addr != end);

	mask = ~((1ULL << pt_shift(levels, depth - 1)) - 1);
	start &= mask;
	if (start < floor)
		return;
	if (ceiling) {
		ceiling &= mask;
		if (!ceiling)
			return;
	}
	if (end - 1 > ceiling - 1)
		return;
	*pentry = 0;
	release_table(mm, pfn, depth);
	if (mm->gather_depth > 0)
		gather_add(mm, start, start + PAGE_SIZE);
}

void free_pgtables(struct vmsh_mm *mm, uint64_t addr, uint64_t end,
		   uint64_t floor, uint64_t ceiling)
{
	struct vmsh_sys *sys = mm->sys;
	int levels = sys->cfg.levels;
	/* PMD_SIZE: the span of an entry pointing at a PTE table. */
	uint64_t pmd_size = 1ULL << pt_shift(levels, levels - 2);
	uint64_t pmd_mask = ~(pmd_size - 1);
	uint64_t *pgd;

	if (addr >= end)
		return;
	addr &= pmd_mask;
	if (addr < floor) {
		addr += pmd_size;
		if (!addr)
			return;
	}
	if (ceiling) {
		ceiling &= pmd_mask;
		if (!ceiling)
			return;
	}
	if (end - 1 > ceiling - 1)
		end -= pmd_size;
	if (addr > end - 1)
		return;
	trace(sys, "free_pgtables start=%#llx end=%#llx",
	      (unsigned long long)addr, (unsigned long long)end);
	pgd = pt_table(sys, mm->pgd);
	do {
		uint64_t next = entry_end(levels, 0, addr, end);
		uint64_t *e = &pgd[pt_index(levels, 0, addr)];

		if (*e & _PAGE_PRESENT)
			free_table_range(mm, e, 1, addr, next, floor, ceiling);
		addr = next;
	} while (addr != end);
}

void pgtable_free_all(struct vmsh_mm *mm)
{
	if (!mm->pgd && !mm->sys->phys.pages)
		return;
	if (mm->pgd >= mm->sys->phys.nframes ||
	    mm->sys->phys.pages[mm->pgd].kind != PAGE_PGTABLE)
		return;
	release_table(mm, mm->pgd, 0);
	mm->pgd = 0;
}

/* ---- change_protection (mprotect) --------------------------------------- */

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

static void change_one(uint64_t *ptep, uint64_t addr, void *vctx)
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

void change_protection(struct vmsh_vma *vma, uint64_t start, uint64_t end)
{
	struct vmsh_mm *mm = vma->vm_mm;
	struct prot_ctx ctx = { .acc = { .mm = mm }, .vma = vma };

	if (start < vma->vm_start)
		start = vma->vm_start;
	if (end > vma->vm_end)
		end = vma->vm_end;
	if (start >= end)
		return;
	ctx.newprot = vma_page_prot(vma);
	/* vma_wants_manual_pte_write_upgrade() */
	if (vma->vm_flags & VM_SHARED)
		ctx.try_writable = vma_wants_writenotify(vma);
	else
		ctx.try_writable = vma->vm_flags & VM_WRITE;
	trace(mm->sys, "change_protection start=%#llx end=%#llx",
	      (unsigned long long)start, (unsigned long long)end);
	pte_walk_range(mm, start, end, change_one, &ctx);
	if (ctx.acc.any)
		flush_tlb_range(mm, ctx.acc.lo, ctx.acc.hi);
}

/* ---- move_page_tables (mremap) ------------------------------------------ */

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
		uint64_t next = entry_end(levels, levels - 2, old_addr, old_end);
		uint64_t extent = next - old_addr;
		uint64_t nnext = entry_end(levels, levels - 2, new_addr,
					   new_addr + extent);
		uint64_t a, chunk_start = old_addr;
		bool force_flush = false;

		extent = nnext - new_addr;
		for (a = 0; a < extent; a += PAGE_SIZE) {
			uint64_t *src = pte_lookup(mm, old_addr + a, false), *dst, pte;

			if (!src || !*src)
				continue;
			dst = pte_lookup(mm, new_addr + a, true);
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
