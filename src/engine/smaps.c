/* SPDX-License-Identifier: MIT */
/*
 * Views of the page tables: /proc/PID/smaps figures (fs/proc/task_mmu.c
 * smaps_pte_entry + smaps_account), the `walk` of one address, the `pt`
 * tree, and the resident pages of one VMA.
 *
 * Nothing here changes the model.  smaps skips PTEs without a normal page
 * (the zero page and PFNMAP entries are _PAGE_SPECIAL); Pss is summed in
 * 1/4096 fixed point (PSS_SHIFT) and truncated at the end as Linux does.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmsh/layout.h"
#include "file.h"
#include "huge_memory.h"
#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "swap.h"
#include "sys.h"
#include "task.h"
#include "vm_flags.h"
#include "vma.h"

#define PSS_SHIFT 12

struct mem_size_stats {
	const struct vmsh_sys *sys;
	const struct vmsh_vma *vma;
	uint64_t resident, anonymous, referenced, lazyfree;
	uint64_t shared_clean, shared_dirty, private_clean, private_dirty;
	uint64_t pss, pss_dirty, pss_locked;   /* << PSS_SHIFT */
	uint64_t swap, swap_pss;                /* swap_pss << PSS_SHIFT */
	uint64_t anon_huge;                     /* AnonHugePages */
};

static void smaps_page_accumulate(struct mem_size_stats *mss,
				  const struct page *page, uint64_t size,
				  uint64_t pss, bool dirty, bool locked,
				  bool private)
{
	mss->pss += pss;
	if (locked)
		mss->pss_locked += pss;
	if (dirty || page_folio(mss->sys, page)->dirty) {
		mss->pss_dirty += pss;
		if (private)
			mss->private_dirty += size;
		else
			mss->shared_dirty += size;
	} else {
		if (private)
			mss->private_clean += size;
		else
			mss->shared_clean += size;
	}
}

/* smaps_account() for one page: a frame of a large folio takes the
 * folio's (its head's) young, referenced, dirty and lazy-free flags. */
static void smaps_account(struct mem_size_stats *mss, uint64_t pfn, bool young,
			  bool dirty, bool locked)
{
	const struct page *page = &mss->sys->phys.pages[pfn], *folio;
	uint64_t size = PAGE_SIZE, head = thp_head(mss->sys, pfn);

	folio = head != UINT64_MAX &&
		(mss->sys->phys.pages[head].thp & PAGE_THP_HEAD) ?
		&mss->sys->phys.pages[head] : page_folio(mss->sys, page);
	if (page->kind == PAGE_ANON) {
		mss->anonymous += size;
		/* the folio's PG_swapbacked and PG_dirty */
		if (folio->lazyfree && !dirty && !folio->dirty)
			mss->lazyfree += size;
	}
	mss->resident += size;
	if (young || folio->referenced)
		mss->referenced += size;
	dirty = dirty || folio->dirty;
	if (page->refcount == 1) {
		smaps_page_accumulate(mss, page, size, size << PSS_SHIFT, dirty,
				      locked, true);
		return;
	}
	{
		uint64_t pss = PAGE_SIZE << PSS_SHIFT;
		int mapcount = page->mapcount;

		if (mapcount >= 2)
			pss /= mapcount;
		smaps_page_accumulate(mss, page, size, pss, dirty, locked,
				      mapcount < 2);
	}
}

static void smaps_pte_entry(uint64_t *ptep, uint64_t addr, void *ctx)
{
	struct mem_size_stats *mss = ctx;
	uint64_t pte = *ptep;
	bool dirty, locked = mss->vma->vm_flags & VM_LOCKED;
	uint64_t pfn;

	(void)addr;
	if (is_swap_pte(pte)) {
		/* a swap entry: Swap, and SwapPss shared by its map count */
		uint32_t count = swap_count(mss->sys, swp_offset(pte));

		mss->swap += PAGE_SIZE;
		if (count >= 2)
			mss->swap_pss += (PAGE_SIZE << PSS_SHIFT) / count;
		else
			mss->swap_pss += PAGE_SIZE << PSS_SHIFT;
		return;
	}
	if (!pte_present(pte) || (pte & _PAGE_SPECIAL))
		return;         /* vm_normal_page() == NULL */
	pfn = pte_pfn(pte);
	if (pfn >= mss->sys->phys.nframes)
		return;
	dirty = pte & (_PAGE_DIRTY | _PAGE_SAVED_DIRTY);   /* pte_dirty() */
	smaps_account(mss, pfn, pte & _PAGE_ACCESSED, dirty, locked);
}

/* smaps_pmd_entry(): a huge PMD counts its 512 pages (compound), and
 * AnonHugePages; the huge zero page counts nothing. */
static bool smaps_pmd_entry(uint64_t *pmdp, uint64_t addr, uint64_t next,
			    void *ctx)
{
	struct mem_size_stats *mss = ctx;
	uint64_t pmd = *pmdp, head = pte_pfn(pmd), i;
	bool locked = mss->vma->vm_flags & VM_LOCKED;
	bool dirty = pmd & (_PAGE_DIRTY | _PAGE_SAVED_DIRTY);

	(void)addr;
	(void)next;
	if (pmd & _PAGE_SPECIAL)
		return true;
	if (mss->sys->phys.pages[head].kind == PAGE_ANON)
		mss->anon_huge += HPAGE_PMD_SIZE;
	for (i = 0; i < HPAGE_PMD_NR; i++)
		smaps_account(mss, head + i, pmd & _PAGE_ACCESSED, dirty, locked);
	return true;
}

int vmsh_smaps(const struct vmsh_sys *sys, int pid, uint64_t addr,
	       struct vmsh_smaps *out)
{
	struct vmsh_mm *mm = mm_of_pid(sys, pid);
	struct mem_size_stats mss;
	struct vmsh_vma *vma;

	memset(out, 0, sizeof(*out));
	if (!mm)
		return -ESRCH;
	if (mm->gate_vma && addr >= VMSH_VSYSCALL_START &&
	    addr < VMSH_VSYSCALL_END) {
		out->size = VMSH_PAGE_SIZE;     /* the gate VMA: nothing mapped */
		return 0;
	}
	vma = find_vma(mm, addr);
	if (!vma || addr < vma->vm_start)
		return -ENOENT;
	memset(&mss, 0, sizeof(mss));
	mss.sys = sys;
	mss.vma = vma;
	pt_walk_range(mm, vma->vm_start, vma->vm_end, smaps_pte_entry,
		      smaps_pmd_entry, &mss);
	if (vma->vm_file && shmem_mapping(file_inode(vma->vm_file))) {
		/*
		 * smap_gather_stats(): a shared or read-only shmem mapping
		 * counts the swap of the file pages it maps
		 * (shmem_swap_usage), a private writable one, whose COW
		 * copies are not the file's, the swapped file pages behind
		 * its empty PTEs (smaps_pte_hole).  Never SwapPss: probe
		 * (6.18) Swap 16 kB, SwapPss 0 kB for a paged-out tmpfs
		 * mapping.
		 */
		uint64_t sw = shmem_swap_usage(vma);

		if (!sw || (vma->vm_flags & VM_SHARED) ||
		    !(vma->vm_flags & VM_WRITE)) {
			mss.swap += sw << PAGE_SHIFT;
		} else {
			struct vmsh_file *f = file_inode(vma->vm_file);
			uint64_t a;

			for (a = vma->vm_start; a < vma->vm_end; a += PAGE_SIZE) {
				uint64_t *ptep = pte_lookup(mm, a, false);

				if ((!ptep || !*ptep) &&
				    shmem_swapped(f, linear_page_index(vma, a)))
					mss.swap += PAGE_SIZE;
			}
		}
	}
	out->size = vma->vm_end - vma->vm_start;
	out->rss = mss.resident;
	out->pss = mss.pss >> PSS_SHIFT;
	out->pss_dirty = mss.pss_dirty >> PSS_SHIFT;
	out->shared_clean = mss.shared_clean;
	out->shared_dirty = mss.shared_dirty;
	out->private_clean = mss.private_clean;
	out->private_dirty = mss.private_dirty;
	out->referenced = mss.referenced;
	out->anonymous = mss.anonymous;
	out->lazyfree = mss.lazyfree;
	out->swap = mss.swap;
	out->swap_pss = mss.swap_pss >> PSS_SHIFT;
	out->locked = mss.pss_locked >> PSS_SHIFT;
	out->anon_huge = mss.anon_huge;
	/* thp_vma_allowable_orders(vma, vm_flags, TVA_SMAPS, ...) */
	out->thp_eligible = thp_vma_allowable_order(vma, TVA_SMAPS);
	return 0;
}

/* ---- walk ------------------------------------------------------------- */

int vmsh_walk(const struct vmsh_sys *sys, int pid, uint64_t addr,
	      struct vmsh_walk *out)
{
	struct vmsh_mm *mm;
	int levels = sys->cfg.levels, depth;
	unsigned va_bits = PAGE_SHIFT + 9 * levels;
	uint64_t pfn;

	memset(out, 0, sizeof(*out));
	if (!vmsh_task_exists(sys, pid ? pid : vmsh_current_pid(sys)))
		return -ESRCH;
	mm = mm_of_pid(sys, pid);
	if (!mm) {
		out->end = VMSH_WALK_NO_MM;
		return 0;
	}
	if ((uint64_t)((int64_t)(addr << (64 - va_bits)) >> (64 - va_bits)) != addr) {
		out->end = VMSH_WALK_NONCANONICAL;
		return 0;
	}
	pfn = mm->pgd;
	for (depth = 0; depth < levels; depth++) {
		struct vmsh_walk_step *st = &out->step[depth];
		unsigned idx = (addr >> pt_shift(levels, depth)) & 511;
		uint64_t e = pt_table(sys, pfn)[idx];

		st->level = pt_level_name(levels, depth);
		st->index = idx;
		st->table_pfn = pfn;
		st->entry = e;
		out->nsteps = depth + 1;
		if (depth == levels - 1) {
			if (e & _PAGE_PRESENT) {
				out->end = VMSH_WALK_MAPPED;
				out->pfn = pte_pfn(e);
				out->phys = (out->pfn << PAGE_SHIFT) |
					    (addr & ~PAGE_MASK);
			} else if (e & _PAGE_PROTNONE) {
				out->end = VMSH_WALK_PROTNONE;
				out->pfn = pte_pfn(e);
			} else if (is_swap_pte(e)) {
				out->end = VMSH_WALK_SWAP;
			} else {
				out->end = VMSH_WALK_NOT_PRESENT;
			}
			return 0;
		}
		if (depth == levels - 2 && pmd_trans_huge(e)) {
			/* PS: a 2 MiB page, the walk ends here */
			out->huge = true;
			out->pfn = pte_pfn(e) + ((addr >> PAGE_SHIFT) & 511);
			if (e & _PAGE_PRESENT) {
				out->end = VMSH_WALK_MAPPED;
				out->phys = (pte_pfn(e) << PAGE_SHIFT) +
					    (addr & (HPAGE_PMD_SIZE - 1));
			} else {
				out->end = VMSH_WALK_PROTNONE;
			}
			return 0;
		}
		if (!(e & _PAGE_PRESENT)) {
			out->end = VMSH_WALK_NOT_PRESENT;
			return 0;
		}
		pfn = (e & PTE_PFN_MASK) >> PAGE_SHIFT;
	}
	return 0;
}

/* ---- pt ---------------------------------------------------------------- */

static void pt_level(const struct vmsh_sys *sys, uint64_t pfn, int depth,
		     uint64_t start, uint64_t end, vmsh_pt_fn *fn, void *ctx)
{
	int levels = sys->cfg.levels;
	unsigned shift = pt_shift(levels, depth);
	const uint64_t *t = pt_table(sys, pfn);
	uint64_t span = 1ULL << shift;
	uint64_t addr = start;

	for (;;) {
		unsigned idx = (addr >> shift) & 511;
		uint64_t base = addr & ~(span - 1);
		uint64_t next = base + span;
		uint64_t e = t[idx];

		if (depth == levels - 1) {
			if (pte_present(e) || is_swap_pte(e))
				fn(ctx, depth, pt_level_name(levels, depth), base,
				   idx, e);
		} else if (depth == levels - 2 && pmd_trans_huge(e)) {
			/* a huge PMD is a leaf: nothing below it */
			fn(ctx, depth, pt_level_name(levels, depth), base, idx, e);
		} else if (e & _PAGE_PRESENT) {
			fn(ctx, depth, pt_level_name(levels, depth), base, idx, e);
			pt_level(sys, (e & PTE_PFN_MASK) >> PAGE_SHIFT, depth + 1,
				 addr, next - 1 < end - 1 ? next : end, fn, ctx);
		}
		if (next == 0 || next - 1 >= end - 1)
			break;
		addr = next;
	}
}

int vmsh_pt_walk(const struct vmsh_sys *sys, int pid, uint64_t start,
		 uint64_t end, vmsh_pt_fn *fn, void *ctx)
{
	struct vmsh_mm *mm;
	uint64_t top;

	if (!vmsh_task_exists(sys, pid ? pid : vmsh_current_pid(sys)))
		return -ESRCH;
	mm = mm_of_pid(sys, pid);
	if (!mm)
		return -EFAULT;
	/* The user half: the PGD entries below TASK_SIZE's top. */
	top = 1ULL << (PAGE_SHIFT + 9 * sys->cfg.levels - 1);
	if (end == 0 || end > top)
		end = top;
	if (start >= end)
		return 0;
	pt_level(sys, mm->pgd, 0, start, end, fn, ctx);
	return 0;
}
