/* SPDX-License-Identifier: MIT */
/*
 * /proc/meminfo figures of the machine (fs/proc/meminfo.c), counted from
 * the frames: nothing here changes the model.
 *
 * Active/Inactive are the sizes of the LRU lists (phys.c): anonymous
 * pages and tmpfs/shmem page cache are swap-backed (the anon lists),
 * disk-file page cache and lazy-free anonymous pages are on the file
 * lists; PG_active says active or inactive.
 * Cached is the page cache (shmem included) without the swap cache;
 * Dirty counts disk-file pages only (tmpfs does no dirty accounting);
 * Mapped counts page-cache pages some PTE maps.
 * Writeback is always 0: every write the model starts (swap_writepage,
 * the flusher, msync) is over by the end of the call, so no folio is
 * ever under writeback when meminfo looks (the kernel's I/O is
 * asynchronous; a probe's Writeback after MADV_PAGEOUT is 0 kB as soon
 * as the write completes, milliseconds later).
 * AnonHugePages is NR_ANON_THPS * 2 MiB: the anonymous THPs at least one
 * huge PMD maps (the folio's entire mapcount > 0), each once however many
 * mms map it; a THP only PTE-mapped after splits counts nothing, nor does
 * the huge zero page.  FileHugePages counts PMD-order folios of disk files
 * in the page cache (NR_FILE_THPS); ShmemHugePages, ShmemPmdMapped and
 * FilePmdMapped stay 0: tmpfs gets no huge folios (shmem_enabled is never
 * on our machines) and no file folio is mapped by a PMD.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "swap.h"
#include "sys.h"

/* The heads of anonymous THPs the huge PMDs under table @pfn (at @depth)
 * map, appended to *@heads. */
static void pmd_mapped_heads(const struct vmsh_sys *sys, uint64_t pfn,
			     int depth, uint64_t **heads, size_t *n,
			     size_t *cap)
{
	int levels = sys->cfg.levels;
	const uint64_t *t;

	/* an mm past exit_mmap (kept by a lazy-TLB CPU) has no tables */
	if (pfn >= sys->phys.nframes || sys->phys.pages[pfn].kind != PAGE_PGTABLE)
		return;
	t = pt_table(sys, pfn);
	if (!t)
		return;
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = t[i];

		if (depth < levels - 2) {
			if (e & _PAGE_PRESENT)
				pmd_mapped_heads(sys, (e & PTE_PFN_MASK) >> PAGE_SHIFT,
						 depth + 1, heads, n, cap);
			continue;
		}
		if (!pte_present(e) || !pmd_trans_huge(e) || (e & _PAGE_SPECIAL))
			continue;
		if (*n == *cap) {
			*cap = *cap ? 2 * *cap : 64;
			*heads = xrealloc(*heads, *cap * sizeof(**heads));
		}
		(*heads)[(*n)++] = pte_pfn(e);
	}
}

/* NR_ANON_THPS: distinct anonymous folios some huge PMD maps. */
static uint64_t nr_anon_thps(const struct vmsh_sys *sys)
{
	uint64_t *heads = NULL, nr = 0;
	size_t n = 0, cap = 0;

	if (sys->cfg.levels < 3)
		return 0;
	for (const struct vmsh_mm *mm = sys->mms; mm; mm = mm->next_all)
		pmd_mapped_heads(sys, mm->pgd, 0, &heads, &n, &cap);
	if (n)
		qsort(heads, n, sizeof(*heads), cmp_u64);
	for (size_t i = 0; i < n; i++)
		nr += i == 0 || heads[i] != heads[i - 1];
	free(heads);
	return nr;
}

void vmsh_meminfo(const struct vmsh_sys *sys, struct vmsh_meminfo *out)
{
	const struct phys *ph = &sys->phys;
	uint64_t pfn;

	memset(out, 0, sizeof(*out));
	out->mem_total = ph->nframes * 4;
	out->mem_free = ph->nfree * 4;
	for (pfn = 0; pfn < ph->hiwater; pfn++) {
		const struct page *pg = &ph->pages[pfn], *folio;
		const struct vmsh_file *f;

		switch (pg->kind) {
		case PAGE_ANON:
			if (pg->swap)
				out->swap_cached += 4;
			if (pg->mapcount > 0)
				out->anon_pages += 4;
			break;
		case PAGE_FILE:
			f = page_file(sys, pg);
			if (!f)
				break;  /* truncated, in the mlock batch */
			folio = page_folio(sys, pg);
			out->cached += 4;
			if (pg->mapcount > 0)
				out->mapped += 4;
			if (f->disk) {
				if (folio->dirty)
					out->dirty += 4;
			} else {
				out->shmem += 4;
			}
			if (f->disk && folio == pg &&
			    pg->order >= 9)
				out->file_huge_pages += 4ULL << pg->order;
			break;
		case PAGE_PGTABLE:
			out->page_tables += 4;
			break;
		default:
			break;
		}
	}
	out->active_anon = ph->lruvec.nr_pages[LRU_ACTIVE_ANON] * 4;
	out->inactive_anon = ph->lruvec.nr_pages[LRU_INACTIVE_ANON] * 4;
	out->active_file = ph->lruvec.nr_pages[LRU_ACTIVE_FILE] * 4;
	out->inactive_file = ph->lruvec.nr_pages[LRU_INACTIVE_FILE] * 4;
	out->unevictable = ph->lruvec.nr_pages[LRU_UNEVICTABLE] * 4;
	out->mlocked = sys->nr_mlock * 4;
	out->active = out->active_anon + out->active_file;
	out->inactive = out->inactive_anon + out->inactive_file;
	out->swap_total = swap_total(sys) * 4;
	out->swap_free = swap_free_slots(sys) * 4;
	out->anon_huge_pages = nr_anon_thps(sys) * (HPAGE_PMD_NR * 4);
}

/* ---- the LRU lists ---------------------------------------------------------- */

const char *vmsh_lru_name(int l)
{
	static const char *const n[NR_LRU_LISTS] = {
		"inactive_anon", "active_anon", "inactive_file", "active_file",
		"unevictable",
	};
	return l >= 0 && l < NR_LRU_LISTS ? n[l] : NULL;
}

uint64_t vmsh_lru_pages(const struct vmsh_sys *sys, int l)
{
	return l >= 0 && l < NR_LRU_LISTS ? sys->phys.lruvec.nr_pages[l] : 0;
}

static int lru_walk_one(const struct vmsh_sys *sys, uint32_t p,
			vmsh_lru_fn *fn, void *ctx)
{
	const struct page *pg = &sys->phys.pages[p];
	struct vmsh_lru_folio f = {
		.pfn = p, .index = pg->index,
		.nr_pages = lru_nr_pages(pg), .mapcount = pg->mapcount,
		.referenced = pg->referenced, .workingset = pg->workingset,
		.dirty = pg->dirty, .swapcache = pg->swap != 0,
		.reclaim = pg->reclaim, .lazyfree = pg->lazyfree,
	};

	if (pg->kind == PAGE_FILE) {
		const struct vmsh_file *pf = page_file(sys, pg);

		f.kind = pg->file_lru ? "file" : "shmem";
		f.path = pf ? pf->path : NULL;
	} else {
		f.kind = "anon";
	}
	return fn(ctx, &f);
}

int vmsh_lru_walk(const struct vmsh_sys *sys, int l, vmsh_lru_fn *fn,
		  void *ctx)
{
	uint32_t p;
	int ret;

	if (l < 0 || l >= NR_LRU_LISTS)
		return -EINVAL;
	if (l == LRU_UNEVICTABLE) {
		/* no list, as in Linux: the frames on it, by pfn */
		for (p = 0; p < sys->phys.hiwater; p++)
			if (sys->phys.pages[p].kind != PAGE_FREE &&
			    sys->phys.pages[p].lru == LRU_UNEVICTABLE &&
			    (ret = lru_walk_one(sys, p, fn, ctx)))
				return ret;
		return 0;
	}
	for (p = sys->phys.lruvec.tail[l]; p != LRU_NIL;
	     p = sys->phys.pages[p].lru_prev)
		if ((ret = lru_walk_one(sys, p, fn, ctx)))
			return ret;
	return 0;
}
