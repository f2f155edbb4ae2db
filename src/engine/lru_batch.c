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
 * The lru_activate and lru_deactivate batches work alike for folios on
 * their lists (6.18 leaves PG_lru set while they wait, since 6.17's revert
 * of "clear the LRU flag of a page before adding to LRU batch"): a second
 * mark_page_accessed of an inactive listed folio clears PG_referenced at
 * once but queues the activation (folio_activate: PG_active, the head of
 * the active list and pgactivate only when the batch moves); MADV_COLD
 * queues the deactivation of an active folio (folio_deactivate: PG_active
 * and PG_referenced cleared, the head of the inactive list, pgdeactivate,
 * when it moves).  A folio off its list when its batch moves is skipped.
 * lru_add_drain moves lru_add, then lru_deactivate, lru_lazyfree and
 * lru_activate, as lru_add_drain_cpu does.  lru_move_tail, the rotation
 * at writeback end, is the task's CPU's only in name: a swap write of
 * madvise pageout ends on the CPU of the disk's interrupt, so its batch
 * (lru_move_tail_remote) moves only in lru_add_drain_all; the flusher's
 * rotation (writeback.c) happens at once.  lru_deactivate_file, of
 * invalidation, is not modelled.
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
#include "swap.h"
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
	return pfn_batch_count(sys->lru_add_batch, sys->lru_add_nr, pfn);
}

/* ---- lru_activate, lru_deactivate ---------------------------------------- */

typedef void move_fn(struct vmsh_sys *sys, uint64_t pfn);

/* folio_batch_move_lru() of a batch of listed folios: each one still on
 * a list moves, then the references go. */
static void fbatch_move(struct vmsh_sys *sys, struct lru_fbatch *fb,
			move_fn *fn)
{
	unsigned i, n = fb->nr;

	fb->nr = 0;
	for (i = 0; i < n; i++)
		if (phys_page(sys, fb->pfn[i])->lru != LRU_NONE)
			fn(sys, fb->pfn[i]);
	for (i = 0; i < n; i++)
		put_page(sys, fb->pfn[i]);
}

static void fbatch_add(struct vmsh_sys *sys, struct lru_fbatch *fb,
		       uint64_t pfn, move_fn *fn)
{
	phys_get(sys, pfn);
	fb->pfn[fb->nr++] = pfn;
	if (fb->nr == LRU_ADD_BATCH || folio_large(phys_page(sys, pfn)))
		fbatch_move(sys, fb, fn);
}

/* lru_activate() */
static void activate_one(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *folio = phys_page(sys, pfn);

	if (folio->active || folio->unevictable)
		return;
	lru_del(sys, pfn);
	folio->active = true;
	lru_add(sys, pfn);
	sys->stat[ST_PGACTIVATE] += folio_nr_pages(folio);
}

/* lru_deactivate() */
static void deactivate_one(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *folio = phys_page(sys, pfn);

	if (folio->unevictable || !folio->active)
		return;
	lru_del(sys, pfn);
	folio->active = false;
	folio->referenced = false;
	lru_add(sys, pfn);
	sys->stat[ST_PGDEACTIVATE] += folio_nr_pages(folio);
}

void folio_deactivate(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *folio = phys_page(sys, pfn);

	if (folio->unevictable || folio->lru == LRU_NONE || !folio->active)
		return;
	fbatch_add(sys, &sys->lru_deactivate, pfn, deactivate_one);
}

/* lru_move_tail(): a folio on an evictable list to the inactive tail,
 * pgrotated */
void lru_move_tail(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *folio = phys_page(sys, pfn);

	if (folio->unevictable)
		return;
	lru_del(sys, pfn);
	folio->active = false;
	lru_add_tail(sys, pfn);
	sys->stat[ST_PGROTATED] += folio_nr_pages(folio);
}

/* folio_rotate_reclaimable() at a swap write's end, for a folio on its
 * list: queued in the lru_move_tail batch of the CPU that completes the
 * write, which is not the task's (the reference machine's disk
 * interrupt is on CPU 1, the --host session on CPU 0): its reference
 * stays until lru_add_drain_all() or until 31 folios fill it. */
void folio_rotate_remote(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *folio = phys_page(sys, pfn);

	if (folio->dirty || folio->unevictable || folio->lru == LRU_NONE)
		return;
	trace(sys, "folio_rotate_reclaimable pfn=%#llx (another CPU's lru_move_tail)",
	      (unsigned long long)pfn);
	fbatch_add(sys, &sys->lru_move_tail_remote, pfn, lru_move_tail);
}

/* The end of the swap writes a madvise call started (folio_end_writeback):
 * PG_reclaim goes; a folio on its list by then -- a later VMA's
 * lru_add_drain() moved the lru_add batch that held it -- is rotated by
 * folio_rotate_reclaimable into another CPU's lru_move_tail batch, whose
 * reference keeps it: a write fault then leaves it in the swap cache
 * (should_try_to_free_swap), a second pageout keeps it (pageout()'s
 * is_page_cache_freeable).  Probed (6.18, C programs pinned to CPU 0):
 * a page written in the first of two VMAs of one MADV_PAGEOUT is `lru`
 * right after it, still under writeback, and a write fault keeps it in
 * the swap cache 3/3; with one VMA it is freed 3/3; a drain on CPU 1
 * frees it, one on CPU 0 does not (diff swap seeds 375, 652, 923, 1002,
 * 1100, 1237). */
void pageout_writes_end(struct vmsh_sys *sys)
{
	size_t k, n = sys->pageout_wb_n;

	sys->pageout_wb_n = 0;
	for (k = 0; k < n; k++) {
		uint64_t pfn = sys->pageout_wb[k];
		struct page *folio = phys_page(sys, pfn);

		if (folio->reclaim) {
			folio->reclaim = false;
			folio_rotate_remote(sys, pfn);
		}
	}
	for (k = 0; k < n; k++)
		put_page(sys, sys->pageout_wb[k]);
}

/* A swap write madvise pageout started: in flight, with a reference,
 * until the call ends (pageout_writes_end). */
void pageout_wb_add(struct vmsh_sys *sys, uint64_t pfn)
{
	if (sys->pageout_wb_n == sys->pageout_wb_cap) {
		sys->pageout_wb_cap = sys->pageout_wb_cap * 2 + 16;
		sys->pageout_wb = xrealloc(sys->pageout_wb,
					   sys->pageout_wb_cap * sizeof(uint64_t));
	}
	phys_get(sys, pfn);
	sys->pageout_wb[sys->pageout_wb_n++] = pfn;
}

void lru_batches_drain(struct vmsh_sys *sys)
{
	batch_move(sys, false);
	if (sys->lru_deactivate.nr)
		fbatch_move(sys, &sys->lru_deactivate, deactivate_one);
	lru_lazyfree_drain(sys);
	if (sys->lru_activate.nr)
		fbatch_move(sys, &sys->lru_activate, activate_one);
}

void vmsh_lru_drain_all(struct vmsh_sys *sys)
{
	trace(sys, "lru_add_drain_all");
	lru_add_drain(sys);
	if (sys->lru_move_tail_remote.nr)
		fbatch_move(sys, &sys->lru_move_tail_remote, lru_move_tail);
}

int lru_batch_refs(const struct vmsh_sys *sys, uint64_t pfn)
{
	return lru_add_refs(sys, pfn) +
	       pfn_batch_count(sys->lru_activate.pfn, sys->lru_activate.nr, pfn) +
	       pfn_batch_count(sys->lru_deactivate.pfn, sys->lru_deactivate.nr, pfn) +
	       pfn_batch_count(sys->lru_move_tail_remote.pfn,
			       sys->lru_move_tail_remote.nr, pfn) +
	       pfn_batch_count(sys->pageout_wb, (unsigned)sys->pageout_wb_n, pfn);
}

/* folio_mark_accessed() without MGLRU: inactive,unreferenced ->
 * inactive,referenced -> (queued for) active,unreferenced; a folio on
 * the unevictable list only ever gets PG_referenced.  Off the lists: a
 * folio waiting in the lru_add batch is marked PG_active at once
 * (__lru_cache_activate_folio), one elsewhere (the mlock batch,
 * isolated) only loses PG_referenced.  workingset_activation ages the
 * workingset either way. */
void mark_page_accessed(struct vmsh_sys *sys, struct page *page)
{
	uint64_t pfn = page_to_pfn(sys, page);

	if (!page->referenced) {
		page->referenced = true;
		return;
	}
	if (page->unevictable || page->active)
		return;
	if (page->lru != LRU_NONE) {
		/* folio_activate() */
		fbatch_add(sys, &sys->lru_activate, pfn, activate_one);
	} else {
		for (unsigned i = sys->lru_add_nr; i-- > 0;)
			if (sys->lru_add_batch[i] == pfn) {
				page->active = true;
				break;
			}
	}
	page->referenced = false;
	sys->nonresident_age++;         /* workingset_activation() */
}
