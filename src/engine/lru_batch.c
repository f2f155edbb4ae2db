/* SPDX-License-Identifier: MIT */
/*
 * The per-CPU lru_add batch of Linux 6.18 (mm/swap.c cpu_fbatches.lru_add):
 * folio_add_lru() does not put a new folio on an LRU list; it takes a
 * reference and queues the folio, and only when the batch moves does the
 * folio go on the list its flags name (lru_add(): the unevictable list
 * when it is mlocked) and get PG_lru (kpageflags `lru`).  The batch holds
 * PAGEVEC_SIZE = 31 folios; it moves when it is full, at once when the
 * folio is large (folio_may_be_lru_cached), and in every lru_add_drain()
 * (memory.h), first of the batches.  A folio waiting in it is marked
 * PG_active by a second mark_page_accessed (__lru_cache_activate_folio
 * searches this batch: phys.c) and goes on an active list then.
 *
 * Invariants kept:
 *  - a folio in the batch is on no list (PG_lru clear) and the batch holds
 *    one reference on it per entry (lru_add_refs);
 *  - the batch holds at most 30 folios between two calls (the 31st
 *    moves it), and no large folio;
 *  - moving the batch puts each folio on its list, then drops the
 *    references (freeing a folio whose mappings went meanwhile, as
 *    folios_put does).
 *
 * Probed on this 6.18 (a C program pinned to one CPU, /proc/self/pagemap
 * and /proc/kpageflags, each case 3-5 runs): a page written once is not
 * `lru`; 31 new folios later it is; a COW write fault on a page still in
 * the batch drains it (wp_can_reuse_anon_folio: !PG_lru -> lru_add_drain)
 * but not one on a page already on a list; munmap, MADV_DONTNEED,
 * mprotect, mremap, fork, exit, a file read fault do not drain; the drain
 * points of memory.h do.
 */
#include "config.h"

#include "anon_vma.h"
#include "memory.h"
#include "phys.h"
#include "sys.h"

#define LRU_ADD_BATCH 31                /* PAGEVEC_SIZE */

static bool folio_large(const struct page *folio)
{
	return folio->order || folio->thp;
}

/* folio_batch_move_lru(lru_add): each folio goes on its list (lru_add()
 * is folio_putback_lru's move in vmsh), then folios_put(). */
static void batch_move(struct vmsh_sys *sys, bool quiet)
{
	unsigned i, n = sys->lru_add_nr;

	if (!n)
		return;
	if (!quiet)
		trace(sys, "lru_add folios=%u", n);
	sys->lru_add_nr = 0;
	for (i = 0; i < n; i++) {
		uint64_t pfn = sys->lru_add_batch[i];

		if (phys_page(sys, pfn)->lru == LRU_NONE)
			folio_putback_lru(sys, pfn);
	}
	for (i = 0; i < n; i++)
		put_page(sys, sys->lru_add_batch[i]);
}

void lru_add_batch_move(struct vmsh_sys *sys)
{
	batch_move(sys, false);
}

void folio_add_lru(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *folio = phys_page(sys, pfn);

	if (folio->lru != LRU_NONE)
		abort();                /* VM_BUG_ON_FOLIO(folio_test_lru) */
	phys_get(sys, pfn);
	sys->lru_add_batch[sys->lru_add_nr++] = pfn;
	/* a large folio alone in the batch: no trace line for it */
	if (sys->lru_add_nr == LRU_ADD_BATCH || folio_large(folio))
		batch_move(sys, folio_large(folio) && sys->lru_add_nr == 1);
}

int lru_add_refs(const struct vmsh_sys *sys, uint64_t pfn)
{
	unsigned i;
	int n = 0;

	for (i = 0; i < sys->lru_add_nr; i++)
		n += sys->lru_add_batch[i] == pfn;
	return n;
}
