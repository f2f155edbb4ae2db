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
 * The lists are the model's own, plus --lru-others pages of active file
 * memory the rest of a real machine keeps (the root lruvec a reclaim
 * without a memcg target tests against holds every page of the
 * machine; under the diff runner that is the host's Active(file)).
 *
 * A shadow is (age << 2) | (workingset << 1) | 1, so never 0.  vmsh
 * keeps a file's shadows in a hash beside its cache; a large folio's
 * shadow sits at its first index.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "phys.h"
#include "reclaim.h"
#include "swap.h"
#include "sys.h"

#define SLOT_EMPTY UINT64_MAX

uint64_t workingset_eviction(struct vmsh_sys *sys, struct page *folio)
{
	/* 6.18: the age is read first, then workingset_age_nonresident()
	 * counts this eviction (since 5.18; before, the other way round) */
	uint64_t shadow = (sys->nonresident_age << 2) |
			  (folio->workingset ? 2 : 0) | 1;

	sys->nonresident_age += folio_nr_pages(folio);
	return shadow;
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
	/* the rest of the machine's active file pages (--lru-others):
	 * reclaim without a memcg target (madvise pageout, kswapd) tests
	 * against the root lruvec, the whole machine's lists */
	size = nr[LRU_ACTIVE_FILE] + sys->cfg.lru_others;
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

/* ---- index tables: open addressing, linear probing ------------------------ */

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

uint64_t ptab_get(const struct ptab *t, uint64_t index)
{
	uint64_t i;

	if (!t->nr)
		return 0;
	for (i = hash(index, t->cap); t->tab[i].index != index;
	     i = (i + 1) & (t->cap - 1))
		if (t->tab[i].index == SLOT_EMPTY)
			return 0;
	return t->tab[i].pfn;
}

/* Remove @index: its value, or 0 when absent. */
uint64_t ptab_take(struct ptab *t, uint64_t index)
{
	uint64_t mask = t->cap - 1, i, j, val;

	if (!t->nr)
		return 0;
	for (i = hash(index, t->cap); t->tab[i].index != index;
	     i = (i + 1) & mask)
		if (t->tab[i].index == SLOT_EMPTY)
			return 0;
	val = t->tab[i].pfn;
	for (j = (i + 1) & mask; t->tab[j].index != SLOT_EMPTY;
	     j = (j + 1) & mask) {
		uint64_t h = hash(t->tab[j].index, t->cap);

		if (((j - h) & mask) >= ((j - i) & mask)) {
			t->tab[i] = t->tab[j];
			i = j;
		}
	}
	t->tab[i].index = SLOT_EMPTY;
	t->nr--;
	return val;
}

uint64_t *ptab_indexes(const struct ptab *t, uint64_t first, uint64_t last,
		       uint64_t *n)
{
	uint64_t i, *v = xmalloc((t->nr + 1) * sizeof(*v));

	*n = 0;
	for (i = 0; i < t->cap; i++) {
		uint64_t x = t->tab[i].index;

		if (x != SLOT_EMPTY && x >= first && x <= last)
			v[(*n)++] = x;
	}
	qsort(v, *n, sizeof(*v), cmp_u64);
	return v;
}

/* Store @val (not 0) at @index; the value it replaces, or 0. */
uint64_t ptab_put(struct ptab *t, uint64_t index, uint64_t val)
{
	uint64_t old = ptab_take(t, index);

	if ((t->nr + 1) * 2 > t->cap) {
		uint64_t cap = t->cap ? 2 * t->cap : 16, i;
		struct pcache_slot *tab = xmalloc(cap * sizeof(*tab));

		for (i = 0; i < cap; i++)
			tab[i].index = SLOT_EMPTY;
		for (i = 0; i < t->cap; i++)
			if (t->tab[i].index != SLOT_EMPTY)
				put_slot(tab, cap, t->tab[i].index, t->tab[i].pfn);
		free(t->tab);
		t->tab = tab;
		t->cap = cap;
	}
	put_slot(t->tab, t->cap, index, val);
	t->nr++;
	return old;
}

static void backing_free(uint64_t val)
{
	if (val && !(val & 1))
		free((void *)(uintptr_t)val);
}

/* Drop the entries at and past @index (all: 0). */
static void ptab_truncate(struct ptab *t, uint64_t index, bool buffers)
{
	uint64_t i, *drop, n = 0;

	if (!t->nr) {
		if (!index) {
			free(t->tab);
			memset(t, 0, sizeof(*t));
		}
		return;
	}
	drop = xmalloc(t->nr * sizeof(*drop));
	for (i = 0; i < t->cap; i++)
		if (t->tab[i].index != SLOT_EMPTY && t->tab[i].index >= index)
			drop[n++] = t->tab[i].index;
	for (i = 0; i < n; i++) {
		uint64_t v = ptab_take(t, drop[i]);

		if (buffers)
			backing_free(v);
	}
	free(drop);
	if (!index) {
		free(t->tab);
		memset(t, 0, sizeof(*t));
	}
}

void file_shadow_store(struct vmsh_file *f, uint64_t index, uint64_t shadow)
{
	ptab_put(&f->shadow, index, shadow);
}

uint64_t file_shadow_take(struct vmsh_file *f, uint64_t index)
{
	return ptab_take(&f->shadow, index);
}

void file_shadows_truncate(struct vmsh_file *f, uint64_t index)
{
	ptab_truncate(&f->shadow, index, false);
	ptab_truncate(&f->backing, index, true);
}

void file_backing_save(struct vmsh_sys *sys, struct vmsh_file *f,
		       uint64_t index, uint64_t pfn)
{
	uint8_t *buf = xmalloc(PAGE_SIZE);
	uint64_t val;
	unsigned i;

	phys_read(sys, pfn, 0, buf, PAGE_SIZE);
	for (i = 1; i < PAGE_SIZE && buf[i] == buf[0]; i++)
		;
	if (i == PAGE_SIZE) {
		val = ((uint64_t)buf[0] << 1) | 1;
		free(buf);
	} else {
		val = (uint64_t)(uintptr_t)buf;
	}
	backing_free(ptab_put(&f->backing, index, val));
}

void file_backing_load(struct vmsh_sys *sys, struct vmsh_file *f,
		       uint64_t index, uint64_t pfn)
{
	uint64_t val = ptab_take(&f->backing, index);

	if (!val)
		return;
	if (val & 1)
		phys_write(sys, pfn, 0, NULL, (uint8_t)(val >> 1), PAGE_SIZE);
	else
		phys_write(sys, pfn, 0, (const uint8_t *)(uintptr_t)val, 0,
			   PAGE_SIZE);
	backing_free(val);
}
