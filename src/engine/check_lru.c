/* SPDX-License-Identifier: MIT */
/*
 * The invariant checker of the LRU lists (checks.h: check_lru), apart
 * from check.c so that each file stays small: the lists' links and
 * counts, the unevictable count, PG_mlocked against NR_MLOCK, the
 * mlock batch and the lru_add batch (a folio off the lists waits in one
 * of them: PG_lru is exact).
 *
 * Invariants kept: nothing here changes the model.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>

#include "checks.h"
#include "file.h"
#include "memory.h"
#include "phys.h"
#include "sys.h"

/* ---- anonymous THPs -------------------------------------------------------- */

/* An unsplit THP: 512 anonymous frames, head then tails, the live count
 * on its first tail says how many still hold references (the others are
 * held by the folio: no mapping, refcount 0), and the folio is on the
 * deferred split queue exactly when it is marked partly mapped. */
static void check_thp_folios(const struct vmsh_sys *sys, struct check_report *r)
{
	const struct phys *ph = &sys->phys;
	uint64_t pfn, queued = 0, i;

	for (pfn = 0; pfn + HPAGE_PMD_NR <= ph->hiwater; pfn += HPAGE_PMD_NR) {
		const struct page *h = &ph->pages[pfn];
		uint32_t live = 0;
		bool partial = h->thp & PAGE_THP_PARTIAL, inq = false;

		if (h->kind != PAGE_ANON || !(h->thp & PAGE_THP_HEAD))
			continue;
		for (i = 0; i < HPAGE_PMD_NR; i++) {
			const struct page *p = &h[i];

			if (p->kind != PAGE_ANON ||
			    !(p->thp & (i ? PAGE_THP_TAIL : PAGE_THP_HEAD)) ||
			    (i && p->lru != LRU_NONE) || p->refcount < 0 ||
			    (!p->refcount && p->mapcount) ||
			    !(p->thp & PAGE_THP_PARTIAL) != !partial) {
				check_report(r, "thp %#llx: frame %llu out of its folio",
					     (unsigned long long)pfn,
					     (unsigned long long)i);
				return;
			}
			live += p->refcount > 0;
		}
		if (live != h[1].lru_prev || !live)
			check_report(r, "thp %#llx: %u frames referenced, the folio says %u",
				     (unsigned long long)pfn, live, h[1].lru_prev);
		for (i = 0; i < sys->ds_queue.nr; i++)
			inq |= sys->ds_queue.q[i] == pfn;
		if (inq != partial)
			check_report(r, "thp %#llx: %s the deferred split queue",
				     (unsigned long long)pfn, inq ? "on" : "not on");
		queued += inq;
	}
	if (queued != sys->ds_queue.nr)
		check_report(r, "deferred split queue: %zu entries, %llu THPs on it",
			     sys->ds_queue.nr, (unsigned long long)queued);
}

/* ---- the LRU lists ------------------------------------------------------- */

/* Each list is well linked, holds folios (first pages) of the kind and
 * flags it stands for, and counts their pages; every anonymous page and
 * every page cache folio is on exactly the list its flags name (no
 * folio stays isolated between two commands); tails are on none. */
void check_lru(const struct vmsh_sys *sys, struct check_report *r)
{
	const struct phys *ph = &sys->phys;
	uint64_t pfn, seen = 0, listed = 0, mlocked = 0, unlisted = 0;
	int l;

	for (l = 0; l < NR_LRU_LISTS; l++) {
		uint32_t p = ph->lruvec.head[l], prev = LRU_NIL;
		uint64_t pages = 0, steps = 0;

		if (l == LRU_UNEVICTABLE) {
			/* only a count: the frames say what is on it */
			for (pfn = 0; pfn < ph->hiwater; pfn++) {
				const struct page *pg = &ph->pages[pfn];

				if (pg->kind == PAGE_FREE || pg->lru != l)
					continue;
				if ((pg->kind != PAGE_ANON && pg->kind != PAGE_FILE) ||
				    folio_lru_list(pg) != LRU_UNEVICTABLE ||
				    page_folio(sys, pg) != pg || pg->lru_next != LRU_NIL)
					check_report(r, "unevictable: pfn %#llx misplaced",
						     (unsigned long long)pfn);
				pages += lru_nr_pages(pg);
				listed++;
			}
			if (pages != ph->lruvec.nr_pages[l])
				check_report(r, "unevictable: %llu pages, the count says %llu",
					     (unsigned long long)pages,
					     (unsigned long long)ph->lruvec.nr_pages[l]);
			continue;
		}

		while (p != LRU_NIL && steps++ <= ph->nframes) {
			const struct page *pg = &ph->pages[p];

			if (pg->lru != l || pg->lru_prev != prev ||
			    (pg->kind != PAGE_ANON && pg->kind != PAGE_FILE) ||
			    folio_lru_list(pg) != (enum lru_list)l ||
			    page_folio(sys, pg) != pg)
				check_report(r, "lru list %d: pfn %#x misplaced or mislinked",
					     l, p);
			pages += lru_nr_pages(pg);
			listed++;
			prev = p;
			p = pg->lru_next;
		}
		if (prev != ph->lruvec.tail[l] || pages != ph->lruvec.nr_pages[l])
			check_report(r, "lru list %d: tail or count (%llu pages, says %llu) wrong",
				     l, (unsigned long long)pages,
				     (unsigned long long)ph->lruvec.nr_pages[l]);
	}
	for (pfn = 0; pfn < ph->hiwater; pfn++) {
		const struct page *pg = &ph->pages[pfn];
		bool head;

		if (pg->kind != PAGE_ANON && pg->kind != PAGE_FILE)
			continue;
		head = page_folio(sys, pg) == pg;
		if (head && pg->mlocked)
			mlocked += folio_nr_pages(pg);
		/* an unsplit THP is one entry: its head */
		if (pg->thp & PAGE_THP_TAIL)
			head = false;
		if (head)
			seen++;
		/* a new folio waits off the lists in the lru_add batch, or
		 * (of a locked VMA) in the mlock batch */
		if (head && pg->lru == LRU_NONE &&
		    (pg->mlock_queued || lru_add_refs(sys, pfn))) {
			unlisted++;
			continue;
		}
		if (head != (pg->lru != LRU_NONE))
			check_report(r, "pfn %#llx: %s", (unsigned long long)pfn,
				     head ? "a folio on no LRU list" :
				     "a tail page on an LRU list");
		if (head && pg->unevictable != (pg->lru == LRU_UNEVICTABLE))
			check_report(r, "pfn %#llx: PG_unevictable off the unevictable list",
				     (unsigned long long)pfn);
	}
	if (mlocked != sys->nr_mlock)
		check_report(r, "lru: %llu pages PG_mlocked, NR_MLOCK says %llu",
			     (unsigned long long)mlocked,
			     (unsigned long long)sys->nr_mlock);
	for (l = 0; l < (int)sys->mlock_nr; l++)
		if (!ph->pages[sys->mlock_batch[l]].mlock_queued)
			check_report(r, "mlock batch: pfn %#llx not marked queued",
				     (unsigned long long)sys->mlock_batch[l]);
	check_thp_folios(sys, r);
	for (l = 0; l < (int)sys->lru_add_nr; l++) {
		uint64_t q = sys->lru_add_batch[l];
		const struct page *pg = q < ph->hiwater ? &ph->pages[q] : NULL;

		if (!pg || (pg->kind != PAGE_ANON && pg->kind != PAGE_FILE) ||
		    pg->lru != LRU_NONE || pg->order || pg->thp ||
		    lru_add_refs(sys, q) != 1)
			check_report(r, "lru_add batch: pfn %#llx on a list, large, "
				     "queued twice or no folio",
				     (unsigned long long)q);
	}
	if (sys->lru_add_nr >= 31)
		check_report(r, "lru_add batch: %u folios (it moves at 31)",
			     sys->lru_add_nr);
	if (seen != listed + unlisted)
		check_report(r, "lru: %llu folios, %llu on the lists",
			     (unsigned long long)seen, (unsigned long long)listed);
}
