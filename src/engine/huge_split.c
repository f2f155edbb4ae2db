/* SPDX-License-Identifier: MIT */
/*
 * Splitting an anonymous THP into 512 small folios (mm/huge_memory.c
 * split_folio / __folio_split, Linux 6.18) and the deferred split queue
 * with its shrinker (deferred_split_folio, deferred_split_count/scan,
 * driven by mm/shrinker.c do_shrink_slab from reclaim).
 *
 * split_folio(head):
 *   - refused (thp_split_page_failed) when a frame holds a reference
 *     beyond its mappings and the caller's (can_split_folio);
 *   - every huge PMD mapping the folio is split first (thp_split_pmd);
 *   - the frames become order-0 folios with the head's flags (active,
 *     referenced, workingset, dirty, unevictable: __split_folio_to_order);
 *     on the LRU the former tails go next to the head, on its newer
 *     side, in the head's list; when the caller isolated the head for
 *     reclaim they go to its list instead, each with a reference
 *     (lru_add_split_folio);
 *   - frames no PTE maps any more (the "held" frames of a partly
 *     unmapped folio) are freed;
 *   - remap_page(RMP_USE_SHARED_ZEROPAGE): a mapped page that is all
 *     zeroes (and neither mlocked nor in a VM_LOCKED VMA) is replaced in
 *     each PTE by the shared zero page and freed.  Probe (this machine's
 *     6.18): a THP with only its first byte written, MADV_PAGEOUT of its
 *     first 1 MiB: Rss 0 kB, Swap 0 kB after; every other page written:
 *     Rss 512 kB, Swap 512 kB;
 *   - the folio leaves the deferred split queue; thp_split_page.
 *
 * The deferred split queue holds partly mapped folios, oldest first.
 * Its shrinker ("thp-deferred_split", DEFAULT_SEEKS, batch 128) is
 * asked by shrink_slab after each shrink_node pass at the pass's
 * priority: do_shrink_slab's arithmetic (delta = (queued >> priority)
 * * 4 / 2, total = (nr_deferred >> priority) + delta capped at twice
 * the queue, scanned in batches while total >= 128 or total >= queued;
 * what was not scanned carries over as nr_deferred), so a few queued
 * folios are split only at low priority (or by drop_caches).  A scan
 * splits the partly mapped folios it takes (freeing their unmapped
 * pages); this machine's max_ptes_none is 511, so thp_underused never
 * splits a fully mapped one (the shrink_underused path is off).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "anon_vma.h"
#include "huge_memory.h"
#include "memory.h"
#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "sys.h"
#include "tlb.h"
#include "vm_flags.h"
#include "vma.h"

/* ---- the deferred split queue -------------------------------------------- */

void deferred_split_queue_add(struct vmsh_sys *sys, uint64_t head)
{
	if (sys->ds_queue.nr == sys->ds_queue.cap) {
		sys->ds_queue.cap = sys->ds_queue.cap ? 2 * sys->ds_queue.cap : 8;
		sys->ds_queue.q = xrealloc(sys->ds_queue.q, sys->ds_queue.cap *
					   sizeof(*sys->ds_queue.q));
	}
	sys->ds_queue.q[sys->ds_queue.nr++] = head;
}

void deferred_split_remove(struct vmsh_sys *sys, uint64_t head)
{
	size_t i;

	for (i = 0; i < sys->ds_queue.nr; i++) {
		if (sys->ds_queue.q[i] != head)
			continue;
		sys->ds_queue.nr--;
		for (; i < sys->ds_queue.nr; i++)
			sys->ds_queue.q[i] = sys->ds_queue.q[i + 1];
		return;
	}
}

void deferred_split_fini(struct vmsh_sys *sys)
{
	free(sys->ds_queue.q);
	sys->ds_queue.q = NULL;
	sys->ds_queue.nr = sys->ds_queue.cap = 0;
}

/* ---- split_folio ----------------------------------------------------------- */

static bool anon_reaches(const struct anon_vma *av, const struct anon_vma *page_av)
{
	for (; av; av = av->parent)
		if (av == page_av)
			return true;
	return false;
}

/* The address of anonymous page @p in @vma, or 0 when @vma cannot map
 * it. */
static uint64_t anon_address(const struct vmsh_vma *vma, const struct page *p)
{
	const struct anon_vma *av = page_anon(vma->vm_mm->sys, p);

	if (!av || !anon_reaches(vma->anon_vma, av) ||
	    p->index < vma->vm_pgoff || p->index - vma->vm_pgoff >= vma_pages(vma))
		return 0;
	return vma_address(vma, p->index);
}

/* unmap_folio(TTU_SPLIT_HUGE_PMD)'s PMD side: every huge PMD mapping
 * the folio at @head is split. */
static void split_folio_pmds(struct vmsh_sys *sys, uint64_t head)
{
	const struct page *h = phys_page(sys, head);
	struct vmsh_mm *mm;
	struct vmsh_vma *vma;

	for (mm = sys->mms; mm; mm = mm->next_all) {
		if (mm->mm_users <= 0 || !mm->pgd)
			continue;
		for (vma = mm->mmap; vma; vma = vma->vm_next) {
			uint64_t addr = anon_address(vma, h), *pmdp;

			if (!addr || (addr & ~HPAGE_PMD_MASK) || sys->cfg.levels < 3)
				continue;
			pmdp = pmd_lookup(mm, addr);
			if (pmdp && pmd_trans_huge(*pmdp) && !(*pmdp & _PAGE_SPECIAL) &&
			    pte_pfn(*pmdp) == head)
				split_huge_pmd(vma, addr);
		}
	}
}

/* try_to_map_unused_to_zeropage() for each PTE mapping the zero-filled
 * page @pfn: the shared zero page instead, the page's mapping dropped. */
static void remap_zero_page(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *p = phys_page(sys, pfn);
	struct vmsh_mm *mm;
	struct vmsh_vma *vma;

	for (mm = sys->mms; mm && p->mapcount > 0; mm = mm->next_all) {
		if (mm->mm_users <= 0 || !mm->pgd)
			continue;
		for (vma = mm->mmap; vma && p->mapcount > 0; vma = vma->vm_next) {
			uint64_t addr = anon_address(vma, p), *pmdp, *ptep;

			if (!addr || (vma->vm_flags & VM_LOCKED))
				continue;
			pmdp = sys->cfg.levels >= 3 ? pmd_lookup(mm, addr) : NULL;
			if (pmdp && pmd_trans_huge(*pmdp))
				continue;
			ptep = pte_lookup(mm, addr, false);
			if (!ptep || !pte_present(*ptep) || (*ptep & _PAGE_SPECIAL) ||
			    pte_pfn(*ptep) != pfn)
				continue;
			*ptep = mk_pte(sys->phys.zero_pfn, vma_page_prot(vma)) |
				_PAGE_SPECIAL;
			flush_tlb_page(mm, addr);
			update_hiwater_rss(mm);
			mm_add_rss(mm, MM_ANONPAGES, -1);
			p->mapcount--;
			put_page(sys, pfn);
		}
	}
}

int split_folio(struct vmsh_sys *sys, uint64_t head, int extra,
		struct split_list *out)
{
	struct page *h = phys_page(sys, head);
	bool isolated = h->lru == LRU_NONE;
	unsigned i;

	if (h->kind != PAGE_ANON || !(h->thp & PAGE_THP_HEAD))
		return -EINVAL;
	for (i = 0; i < HPAGE_PMD_NR; i++) {
		const struct page *p = &h[i];
		int want = p->mapcount + (i ? 0 : extra);

		if (p->refcount != 0 && p->refcount != want) {
			sys->stat[ST_THP_SPLIT_PAGE_FAILED]++;
			trace(sys, "split_folio pfn=%#llx failed (extra references)",
			      (unsigned long long)head);
			return -EAGAIN;
		}
	}
	trace(sys, "split_folio pfn=%#llx", (unsigned long long)head);
	split_folio_pmds(sys, head);
	deferred_split_remove(sys, head);
	lru_split_head(sys, head);
	for (i = 0; i < HPAGE_PMD_NR; i++) {
		struct page *p = &h[i];

		p->thp = 0;
		if (!i)
			continue;
		p->lru_prev = p->lru_next = LRU_NIL;
		p->active = h->active;
		p->referenced = h->referenced;
		p->workingset = h->workingset;
		p->dirty = h->dirty;
		p->lazyfree = h->lazyfree;      /* PG_swapbacked */
		p->unevictable = h->unevictable;
	}
	/* the former tails still referenced: beside the head, or on the
	 * caller's list (newest first, as Linux's loop goes) */
	for (i = HPAGE_PMD_NR - 1; i > 0; i--) {
		if (!h[i].refcount)
			continue;
		if (!isolated || !out) {
			lru_add_split(sys, head, head + i);
			continue;
		}
		phys_get(sys, head + i);
		if (out->n == out->cap) {
			out->cap = out->cap ? 2 * out->cap : 512;
			out->pfn = xrealloc(out->pfn, out->cap * sizeof(*out->pfn));
		}
		out->pfn[out->n++] = head + i;
	}
	/* free what no one maps */
	for (i = 0; i < HPAGE_PMD_NR; i++) {
		if (h[i].refcount)
			continue;
		h[i].refcount = 1;
		put_page(sys, head + i);
	}
	/* remap_page(RMP_USE_SHARED_ZEROPAGE) */
	for (i = 0; i < HPAGE_PMD_NR; i++) {
		struct page *p = &h[i];

		if (p->kind == PAGE_ANON && p->mapcount > 0 && !p->mlocked &&
		    phys_zero_filled(sys, head + i))
			remap_zero_page(sys, head + i);
	}
	sys->stat[ST_THP_SPLIT_PAGE]++;
	return 0;
}

/* ---- the shrinker -------------------------------------------------------- */

/* deferred_split_scan(): split up to @nr queued folios, oldest first;
 * the folios split. */
static uint64_t deferred_split_scan(struct vmsh_sys *sys, uint64_t nr)
{
	uint64_t split = 0;

	while (nr-- && sys->ds_queue.nr) {
		uint64_t head = sys->ds_queue.q[0];

		if (split_folio(sys, head, 0, NULL))
			deferred_split_remove(sys, head);       /* dropped */
		else
			split++;
	}
	return split;
}

#define SHRINK_BATCH 128
#define DEFAULT_SEEKS 2

uint64_t shrink_slab(struct vmsh_sys *sys, int priority)
{
	uint64_t freeable = sys->ds_queue.nr, nr, delta, total, scanned = 0;
	uint64_t freed = 0, next;

	if (!freeable)
		return 0;
	nr = sys->ds_queue.nr_deferred;
	sys->ds_queue.nr_deferred = 0;
	delta = (freeable >> priority) * 4 / DEFAULT_SEEKS;
	total = (nr >> priority) + delta;
	if (total > 2 * freeable)
		total = 2 * freeable;
	while (total >= SHRINK_BATCH || total >= freeable) {
		uint64_t n = total < SHRINK_BATCH ? total : SHRINK_BATCH;

		freed += deferred_split_scan(sys, n);
		scanned += n;
		total -= n;
		if (!sys->ds_queue.nr)
			break;
	}
	next = nr + delta > scanned ? nr + delta - scanned : 0;
	sys->ds_queue.nr_deferred = next < 2 * freeable ? next : 2 * freeable;
	if (freed)
		trace(sys, "shrink_slab thp-deferred_split priority=%d split=%llu",
		      priority, (unsigned long long)freed);
	return freed;
}
