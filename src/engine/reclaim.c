/* SPDX-License-Identifier: MIT */
/*
 * Memory pressure as Linux 6.18 reclaims without MGLRU (mm/vmscan.c,
 * mm/page_alloc.c): the watermarks, the scan of the LRU lists, kswapd and
 * direct reclaim.  shrink_folio_list and the reverse map are vmscan.c's.
 *
 * Watermarks (setup_per_zone_wmarks, one zone): min_free_kbytes =
 * sqrt(16 x RAM in kB) clamped to [128, 262144]; min = that in pages;
 * low = min + max(min / 4, RAM x 10 / 10000) (watermark_scale_factor
 * 10), high = min + 2 x the same.  A real machine splits this between its
 * zones (DMA, DMA32, Normal) and boosts it; vmsh has one zone.
 *
 * The allocator (alloc_pressure, before each page fault allocates):
 *   free <= low: wakeup_kswapd (unless the node is balanced already)
 *   free <= min: direct reclaim (try_to_free_pages, allocstall), 32 pages
 *                a pass, again while it makes progress and free <= min
 * When reclaim finds nothing, the fault takes frames below min and the
 * OOM killer acts only when none is left: vmsh lends the reserve where
 * Linux would OOM a little earlier, so --ram keeps its meaning (all of
 * RAM is usable) and machines without swap behave as they always did.
 *
 * kswapd runs at the next command boundary (vmsh_sys_idle), not beside
 * the task: balance_pgdat from priority 12 until free > high, each pass
 * aging the anon lists and shrinking the node by max(high, 32) pages.
 *
 * One pass over the node (shrink_node -> shrink_lruvec):
 *   may_deactivate: an active list is shrunk when its inactive list is
 *     low (inactive x sqrt(10 x GB) < active; ratio 1 under 1 GB) or its
 *     workingset refaulted since the last reclaim
 *   get_scan_count: no swap -> file lists only; priority 0 -> equal;
 *     little file cache (file + free <= high) -> anon only; plenty of
 *     inactive file (cache_trim_mode) -> file only; else anon and file
 *     in the ratio swappiness : 200 - swappiness (60 : 140).  Linux
 *     weighs that ratio by the recent cost of each side (rotations,
 *     refaults); vmsh leaves costs out.
 *   each list scans size >> priority pages, 32 at a time, until 32
 *   (direct) or max(high, 32) (kswapd) pages are freed; then, with swap,
 *   the active anon list is aged when its inactive list is low.
 *   shrink_active_list: the oldest folios; referenced executable file
 *     folios stay active, every other one is deactivated (PG_workingset
 *     set, pgdeactivate), the PTE accessed bits cleared on the way.
 *   shrink_inactive_list: the oldest folios through shrink_folio_list
 *     (pgscan_*, pgsteal_*); a dirty file folio met wakes the flusher,
 *     which here writes back at once.
 */
#include "config.h"

#include <stdlib.h>

#include "anon_vma.h"
#include "file.h"
#include "huge_memory.h"
#include "memory.h"
#include "phys.h"
#include "reclaim.h"
#include "swap.h"
#include "sys.h"
#include "vm_flags.h"

#define DEACTIVATE_ANON 1
#define DEACTIVATE_FILE 2

struct scan_control {
	bool kswapd;
	int priority;
	uint64_t nr_to_reclaim, nr_reclaimed, nr_scanned;
	unsigned may_deactivate;
	bool force_deactivate, skipped_deactivate;
	bool file_is_tiny, cache_trim_mode;
};

static uint64_t isqrt(uint64_t x)
{
	uint64_t r = 0, b = 1ULL << 62;

	while (b > x)
		b >>= 2;
	while (b) {
		if (x >= r + b) {
			x -= r + b;
			r = (r >> 1) + b;
		} else {
			r >>= 1;
		}
		b >>= 2;
	}
	return r;
}

void setup_wmarks(struct vmsh_sys *sys)
{
	uint64_t pages = sys->phys.nframes, kb = pages * 4, min_kb, min, tmp;

	min_kb = isqrt(kb * 16);
	if (min_kb < 128)
		min_kb = 128;
	if (min_kb > 262144)
		min_kb = 262144;
	min = min_kb >> 2;
	tmp = pages * 10 / 10000;
	if (tmp < min >> 2)
		tmp = min >> 2;
	sys->wmark_min = min;
	sys->wmark_low = min + tmp;
	sys->wmark_high = min + 2 * tmp;
	sys->swappiness = 60;
}

static uint64_t lru_size(const struct vmsh_sys *sys, enum lru_list l)
{
	return sys->phys.lruvec.nr_pages[l];
}

/* inactive_is_low() */
static bool inactive_is_low(const struct vmsh_sys *sys, enum lru_list inactive)
{
	uint64_t in = lru_size(sys, inactive), act = lru_size(sys, inactive + 1);
	uint64_t gb = (in + act) >> (30 - PAGE_SHIFT);
	uint64_t ratio = gb ? isqrt(10 * gb) : 1;

	return in * ratio < act;
}

/* can_reclaim_anon_pages(): a free swap slot */
static bool can_reclaim_anon(const struct vmsh_sys *sys)
{
	return swap_free_slots(sys) > 0;
}

static const char *lru_name(enum lru_list l)
{
	static const char *const n[NR_LRU_LISTS] = {
		"inactive_anon", "active_anon", "inactive_file", "active_file",
		"unevictable",
	};
	return n[l];
}

/* Take up to @nr pages of folios off the tail of @l, each with a
 * reference (isolate_lru_folios); the pages taken. */
static uint64_t isolate(struct vmsh_sys *sys, enum lru_list l, uint64_t nr,
			uint64_t **list, size_t *n)
{
	uint64_t taken = 0;
	uint32_t p = sys->phys.lruvec.tail[l];
	size_t cap = 0;

	*list = NULL;
	*n = 0;
	while (taken < nr && p != LRU_NIL) {
		uint32_t prev = sys->phys.pages[p].lru_prev;

		if (*n == cap) {
			cap = cap ? 2 * cap : 32;
			*list = xrealloc(*list, cap * sizeof(**list));
		}
		lru_del(sys, p);
		phys_get(sys, p);
		(*list)[(*n)++] = p;
		taken += lru_nr_pages(&sys->phys.pages[p]);
		p = prev;
	}
	return taken;
}

/* shrink_active_list and shrink_inactive_list begin with lru_add_drain():
 * the folios waiting in this CPU's batches go on the lists first.  Only
 * direct reclaim runs on the task's CPU; kswapd drains the batches of
 * the CPU it runs on, which vmsh takes to be another one. */
static void drain_before_isolate(struct vmsh_sys *sys,
				 const struct scan_control *sc)
{
	if (!sc->kswapd)
		lru_add_drain(sys);
}

static void shrink_active_list(struct vmsh_sys *sys, uint64_t nr_to_scan,
			       enum lru_list l, struct scan_control *sc)
{
	uint64_t *list, taken, deact = 0;
	size_t n, k;
	bool *keep;

	drain_before_isolate(sys, sc);
	taken = isolate(sys, l, nr_to_scan, &list, &n);
	if (!n)
		return;
	sc->nr_scanned += taken;
	sys->stat[ST_PGREFILL] += taken;
	keep = xcalloc(n, sizeof(*keep));
	for (k = 0; k < n; k++) {
		struct page *folio = phys_page(sys, list[k]);
		uint64_t vm_flags;

		if (!folio_evictable(folio)) {
			keep[k] = true;         /* folio_putback_lru: culled */
			continue;
		}
		if (folio_referenced(sys, list[k], &vm_flags) &&
		    (vm_flags & VM_EXEC) && is_file_lru(l)) {
			keep[k] = true;         /* executable code stays */
			continue;
		}
		folio->active = false;
		folio->workingset = true;
		deact += lru_nr_pages(folio);
	}
	for (k = 0; k < n; k++)
		if (keep[k])
			folio_putback_lru(sys, list[k]);
	for (k = 0; k < n; k++) {
		if (!keep[k])
			folio_putback_lru(sys, list[k]);
		put_page(sys, list[k]);
	}
	sys->stat[ST_PGDEACTIVATE] += deact;
	trace(sys, "shrink_active_list %s scanned=%llu deactivated=%llu",
	      lru_name(l), (unsigned long long)taken, (unsigned long long)deact);
	free(keep);
	free(list);
}

static uint64_t shrink_inactive_list(struct vmsh_sys *sys, uint64_t nr_to_scan,
				     enum lru_list l, struct scan_control *sc)
{
	struct reclaim_stat st = { 0 };
	uint64_t *list, taken, reclaimed;
	size_t n;

	drain_before_isolate(sys, sc);
	taken = isolate(sys, l, nr_to_scan, &list, &n);
	if (!n)
		return 0;
	sc->nr_scanned += taken;
	sys->stat[sc->kswapd ? ST_PGSCAN_KSWAPD : ST_PGSCAN_DIRECT] += taken;
	st.outcome = xcalloc(n, sizeof(*st.outcome));
	reclaimed = shrink_folio_list(sys, list, n, false, &st);
	putback_folios(sys, list, n, &st);
	sys->stat[sc->kswapd ? ST_PGSTEAL_KSWAPD : ST_PGSTEAL_DIRECT] += reclaimed;
	sys->stat[ST_PGSTEAL_ANON] += st.nr_anon;
	sys->stat[ST_PGSTEAL_FILE] += st.nr_file;
	sys->reclaim_shown = true;
	trace(sys, "shrink_inactive_list %s scanned=%llu reclaimed=%llu",
	      lru_name(l), (unsigned long long)taken,
	      (unsigned long long)reclaimed);
	if (st.nr_dirty_file)
		wakeup_flusher(sys);
	free(st.outcome);
	free(list);
	return reclaimed;
}

static uint64_t shrink_list(struct vmsh_sys *sys, enum lru_list l,
			    uint64_t nr, struct scan_control *sc)
{
	if (is_active_lru(l)) {
		if (sc->may_deactivate &
		    (is_file_lru(l) ? DEACTIVATE_FILE : DEACTIVATE_ANON))
			shrink_active_list(sys, nr, l, sc);
		else
			sc->skipped_deactivate = true;
		return 0;
	}
	return shrink_inactive_list(sys, nr, l, sc);
}

enum scan_balance { SCAN_EQUAL, SCAN_FRACT, SCAN_ANON, SCAN_FILE };

static void get_scan_count(struct vmsh_sys *sys, struct scan_control *sc,
			   uint64_t nr[4])
{
	enum scan_balance b;
	uint64_t ap = sys->swappiness, fp = 200 - sys->swappiness;
	int l;

	if (!can_reclaim_anon(sys))
		b = SCAN_FILE;
	else if (!sc->priority && sys->swappiness)
		b = SCAN_EQUAL;
	else if (sc->file_is_tiny)
		b = SCAN_ANON;
	else if (sc->cache_trim_mode)
		b = SCAN_FILE;
	else
		b = SCAN_FRACT;
	for (l = 0; l < 4; l++) {
		bool file = is_file_lru((enum lru_list)l);
		uint64_t scan = lru_size(sys, (enum lru_list)l) >> sc->priority;

		switch (b) {
		case SCAN_EQUAL:
			break;
		case SCAN_FRACT:
			scan = scan * (file ? fp : ap) / (ap + fp);
			break;
		case SCAN_FILE:
		case SCAN_ANON:
			if ((b == SCAN_FILE) != file)
				scan = 0;
			break;
		}
		nr[l] = scan;
	}
}

/* prepare_scan_control(): which active lists may shrink, and the scan
 * balance's two shortcuts. */
static void prepare_scan(struct vmsh_sys *sys, struct scan_control *sc)
{
	uint64_t file, free = sys->phys.nfree;

	if (sc->force_deactivate) {
		sc->may_deactivate = DEACTIVATE_ANON | DEACTIVATE_FILE;
	} else {
		sc->may_deactivate = 0;
		if (sys->stat[ST_WS_ACTIVATE_ANON] != sys->refaults_snap[0] ||
		    inactive_is_low(sys, LRU_INACTIVE_ANON))
			sc->may_deactivate |= DEACTIVATE_ANON;
		if (sys->stat[ST_WS_ACTIVATE_FILE] != sys->refaults_snap[1] ||
		    inactive_is_low(sys, LRU_INACTIVE_FILE))
			sc->may_deactivate |= DEACTIVATE_FILE;
	}
	sc->cache_trim_mode = (lru_size(sys, LRU_INACTIVE_FILE) >> sc->priority) &&
			      !(sc->may_deactivate & DEACTIVATE_FILE);
	file = lru_size(sys, LRU_ACTIVE_FILE) + lru_size(sys, LRU_INACTIVE_FILE);
	sc->file_is_tiny = file + free <= sys->wmark_high &&
			   !(sc->may_deactivate & DEACTIVATE_ANON) &&
			   (lru_size(sys, LRU_INACTIVE_ANON) >> sc->priority);
}

static void snapshot_refaults(struct vmsh_sys *sys)
{
	sys->refaults_snap[0] = sys->stat[ST_WS_ACTIVATE_ANON];
	sys->refaults_snap[1] = sys->stat[ST_WS_ACTIVATE_FILE];
}

/* shrink_node() -> shrink_lruvec() */
static void shrink_node(struct vmsh_sys *sys, struct scan_control *sc)
{
	uint64_t nr[4], reclaimed = 0;
	int l;

	prepare_scan(sys, sc);
	get_scan_count(sys, sc, nr);
	while (nr[LRU_INACTIVE_ANON] || nr[LRU_ACTIVE_FILE] ||
	       nr[LRU_INACTIVE_FILE]) {
		for (l = 0; l < 4; l++) {
			uint64_t n = nr[l] < SWAP_CLUSTER_MAX ? nr[l] :
				     SWAP_CLUSTER_MAX;

			if (!n)
				continue;
			nr[l] -= n;
			reclaimed += shrink_list(sys, (enum lru_list)l, n, sc);
		}
		if (sc->nr_reclaimed + reclaimed >= sc->nr_to_reclaim)
			break;  /* Linux scales the rest down; vmsh stops */
	}
	sc->nr_reclaimed += reclaimed;
	if (can_reclaim_anon(sys) && inactive_is_low(sys, LRU_INACTIVE_ANON))
		shrink_active_list(sys, SWAP_CLUSTER_MAX, LRU_ACTIVE_ANON, sc);
	/* shrink_node_memcgs: then the shrinkers, the deferred split
	 * queue's among them (huge_split.c) */
	shrink_slab(sys, sc->priority);
}

/* do_try_to_free_pages(): the pages freed. */
static uint64_t try_to_free_pages(struct vmsh_sys *sys)
{
	struct scan_control sc = { .nr_to_reclaim = SWAP_CLUSTER_MAX };

	sys->stat[ST_ALLOCSTALL]++;
	trace(sys, "try_to_free_pages free=%llu min=%llu",
	      (unsigned long long)sys->phys.nfree,
	      (unsigned long long)sys->wmark_min);
retry:
	for (sc.priority = DEF_PRIORITY; sc.priority >= 0; sc.priority--) {
		sc.nr_scanned = 0;
		shrink_node(sys, &sc);
		if (sc.nr_reclaimed >= sc.nr_to_reclaim)
			break;
	}
	if (!sc.nr_reclaimed && sc.skipped_deactivate && !sc.force_deactivate) {
		sc.force_deactivate = true;
		sc.skipped_deactivate = false;
		goto retry;
	}
	snapshot_refaults(sys);
	return sc.nr_reclaimed;
}

static bool balanced(const struct vmsh_sys *sys)
{
	return sys->phys.nfree > sys->wmark_high;
}

void alloc_pressure(struct vmsh_sys *sys)
{
	alloc_pressure_n(sys, 1);
}

void alloc_pressure_n(struct vmsh_sys *sys, uint64_t n)
{
	int tries;

	/* zone_watermark_ok(): free - (n - 1) must stay above the mark */
	n = n ? n - 1 : 0;
	if (sys->in_reclaim || sys->phys.nfree > sys->wmark_low + n)
		return;
	if (!sys->kswapd_woken && !balanced(sys)) {
		sys->kswapd_woken = true;
		trace(sys, "wakeup_kswapd free=%llu low=%llu",
		      (unsigned long long)sys->phys.nfree,
		      (unsigned long long)sys->wmark_low);
	}
	if (sys->phys.nfree > sys->wmark_min + n)
		return;
	sys->in_reclaim = true;
	for (tries = 0; tries < 16 + (int)(n / SWAP_CLUSTER_MAX) &&
	     sys->phys.nfree <= sys->wmark_min + n; tries++)
		if (!try_to_free_pages(sys))
			break;
	sys->in_reclaim = false;
}

void kswapd_run(struct vmsh_sys *sys)
{
	struct scan_control sc = { .kswapd = true, .priority = DEF_PRIORITY };

	if (!sys->kswapd_woken || sys->in_reclaim)
		return;
	sys->kswapd_woken = false;
	if (balanced(sys))
		return;
	sys->in_reclaim = true;
	sys->stat[ST_PAGEOUTRUN]++;
	trace(sys, "kswapd balance_pgdat free=%llu high=%llu",
	      (unsigned long long)sys->phys.nfree,
	      (unsigned long long)sys->wmark_high);
	while (sc.priority >= 1 && !balanced(sys)) {
		uint64_t before = sc.nr_reclaimed;
		bool raise = true;

		sc.nr_scanned = 0;
		/* kswapd_age_node() */
		if (can_reclaim_anon(sys) && inactive_is_low(sys, LRU_INACTIVE_ANON))
			shrink_active_list(sys, SWAP_CLUSTER_MAX, LRU_ACTIVE_ANON,
					   &sc);
		/* kswapd_shrink_node() */
		sc.nr_to_reclaim = sc.nr_reclaimed +
			(sys->wmark_high > SWAP_CLUSTER_MAX ? sys->wmark_high :
			 SWAP_CLUSTER_MAX);
		shrink_node(sys, &sc);
		if (sc.nr_scanned >= sc.nr_to_reclaim - before)
			raise = false;
		if (raise || sc.nr_reclaimed == before)
			sc.priority--;
	}
	snapshot_refaults(sys);
	trace(sys, "kswapd sleeps free=%llu reclaimed=%llu%s",
	      (unsigned long long)sys->phys.nfree,
	      (unsigned long long)sc.nr_reclaimed,
	      balanced(sys) ? "" : " (not balanced)");
	sys->in_reclaim = false;
}

void wakeup_flusher(struct vmsh_sys *sys)
{
	struct vmsh_file *f;
	uint64_t written = 0;

	for (f = sys->files; f; f = f->next) {
		uint64_t *idx, n, i;

		if (!f->disk || f->shmem || f->device || f->inode)
			continue;
		idx = file_cache_indexes(f, &n);
		for (i = 0; i < n; i++) {
			uint64_t pfn = file_cache_lookup(f, idx[i]);
			struct page *folio;

			if (pfn == UINT64_MAX)
				continue;
			folio = page_folio(sys, phys_page(sys, pfn));
			if (folio != phys_page(sys, pfn))
				continue;       /* the folio's first page does */
			/* its end rotates a PG_reclaim folio */
			written += file_writeback_folio(sys, f, idx[i]);
		}
		free(idx);
	}
	trace(sys, "wakeup_flusher_threads vmscan written=%llu",
	      (unsigned long long)written);
}

void vmsh_sys_idle(struct vmsh_sys *sys)
{
	kswapd_run(sys);
}
