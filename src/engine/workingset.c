/* SPDX-License-Identifier: MIT */
/*
 * Workingset detection (mm/workingset.c): when reclaim evicts a folio it
 * leaves a shadow entry where the folio was -- in the page cache for a
 * file page, in the swap slot for an anonymous one -- holding the node's
 * nonresident age (a clock that advances with each eviction and each
 * activation) and PG_workingset.  When the page faults back in, the
 * refault distance (the age now less the age then) says how much later
 * it came back; when that fits in the workingset it competes with
 * (the active file list, plus the inactive file list for an anonymous
 * page, plus the anon lists when swap has room: workingset_test_recent),
 * the folio comes back active (workingset_activate_*), and restored
 * (workingset_restore_*) when it was workingset before.
 *
 * A shadow is (age << 2) | (workingset << 1) | 1, so never 0.  vmsh
 * keeps a file's shadows in a hash beside its cache; a large folio's
 * shadow sits at its first index.
 */
#include "config.h"

#include <stdlib.h>

#include "file.h"
#include "phys.h"
#include "reclaim.h"
#include "swap.h"
#include "sys.h"

#define SLOT_EMPTY UINT64_MAX

uint64_t workingset_eviction(struct vmsh_sys *sys, struct page *folio)
{
	/* workingset_age_nonresident() first, then the age is recorded */
	sys->nonresident_age += folio_nr_pages(folio);
	return (sys->nonresident_age << 2) | (folio->workingset ? 2 : 0) | 1;
}

void workingset_refault(struct vmsh_sys *sys, uint64_t pfn, uint64_t shadow)
{
	struct page *folio = phys_page(sys, pfn);
	const uint64_t *nr = sys->phys.lruvec.nr_pages;
	bool file = folio_is_file_lru(folio);
	uint64_t distance, size, n = folio_nr_pages(folio);

	if (!shadow)
		return;
	sys->stat[file ? ST_WS_REFAULT_FILE : ST_WS_REFAULT_ANON] += n;
	distance = sys->nonresident_age - (shadow >> 2);
	size = nr[LRU_ACTIVE_FILE];
	if (!file)
		size += nr[LRU_INACTIVE_FILE];
	if (swap_free_slots(sys) > 0) {
		size += nr[LRU_ACTIVE_ANON];
		if (file)
			size += nr[LRU_INACTIVE_ANON];
	}
	trace(sys, "workingset_refault pfn=%#llx distance=%llu workingset=%llu%s",
	      (unsigned long long)pfn, (unsigned long long)distance,
	      (unsigned long long)size, distance <= size ? " activate" : "");
	if (distance > size)
		return;
	folio->active = true;
	lru_update(sys, pfn);
	sys->nonresident_age += n;
	sys->stat[file ? ST_WS_ACTIVATE_FILE : ST_WS_ACTIVATE_ANON] += n;
	if (shadow & 2) {
		folio->workingset = true;
		sys->stat[file ? ST_WS_RESTORE_FILE : ST_WS_RESTORE_ANON] += n;
	}
}

/* ---- a file's shadows: open addressing, linear probing ------------------- */

static uint64_t hash(uint64_t index, uint64_t cap)
{
	index ^= index >> 31;
	index *= 0x9e3779b97f4a7c15ULL;
	index ^= index >> 29;
	return index & (cap - 1);
}

static void put_slot(struct pcache_slot *tab, uint64_t cap, uint64_t index,
		     uint64_t val)
{
	uint64_t i = hash(index, cap);

	while (tab[i].index != SLOT_EMPTY && tab[i].index != index)
		i = (i + 1) & (cap - 1);
	tab[i].index = index;
	tab[i].pfn = val;
}

void file_shadow_store(struct vmsh_file *f, uint64_t index, uint64_t shadow)
{
	if (file_shadow_take(f, index) == 0 &&
	    (f->shadow_nr + 1) * 2 > f->shadow_cap) {
		uint64_t cap = f->shadow_cap ? 2 * f->shadow_cap : 16, i;
		struct pcache_slot *tab = xmalloc(cap * sizeof(*tab));

		for (i = 0; i < cap; i++)
			tab[i].index = SLOT_EMPTY;
		for (i = 0; i < f->shadow_cap; i++)
			if (f->shadow[i].index != SLOT_EMPTY)
				put_slot(tab, cap, f->shadow[i].index,
					 f->shadow[i].pfn);
		free(f->shadow);
		f->shadow = tab;
		f->shadow_cap = cap;
	}
	put_slot(f->shadow, f->shadow_cap, index, shadow);
	f->shadow_nr++;
}

uint64_t file_shadow_take(struct vmsh_file *f, uint64_t index)
{
	uint64_t mask = f->shadow_cap - 1, i, j, val;

	if (!f->shadow_nr)
		return 0;
	for (i = hash(index, f->shadow_cap); f->shadow[i].index != index;
	     i = (i + 1) & mask)
		if (f->shadow[i].index == SLOT_EMPTY)
			return 0;
	val = f->shadow[i].pfn;
	/* backward-shift deletion */
	for (j = (i + 1) & mask; f->shadow[j].index != SLOT_EMPTY;
	     j = (j + 1) & mask) {
		uint64_t h = hash(f->shadow[j].index, f->shadow_cap);

		if (((j - h) & mask) >= ((j - i) & mask)) {
			f->shadow[i] = f->shadow[j];
			i = j;
		}
	}
	f->shadow[i].index = SLOT_EMPTY;
	f->shadow_nr--;
	return val;
}

void file_shadows_truncate(struct vmsh_file *f, uint64_t index)
{
	uint64_t i, *drop, n = 0;

	if (!index) {
		free(f->shadow);
		f->shadow = NULL;
		f->shadow_cap = f->shadow_nr = 0;
		return;
	}
	if (!f->shadow_nr)
		return;
	drop = xmalloc(f->shadow_nr * sizeof(*drop));
	for (i = 0; i < f->shadow_cap; i++)
		if (f->shadow[i].index != SLOT_EMPTY && f->shadow[i].index >= index)
			drop[n++] = f->shadow[i].index;
	for (i = 0; i < n; i++)
		file_shadow_take(f, drop[i]);
	free(drop);
}
