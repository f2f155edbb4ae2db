/* SPDX-License-Identifier: MIT */
/*
 * One TLB's array (tlb.h's struct tlb): looking an entry up, filling one
 * (the lowest invalid way of the set, else its least recently used one)
 * and dropping entries, one page or an ASID's.  tlb.c keeps the CPUs,
 * their ASIDs, the flushes and the translation that use it.
 *
 * Invariants kept here:
 *  - an entry's tag (asid, vpn) is unique in its set, and the set is
 *    vpn % sets;
 *  - each valid entry is on the hash chain of its tag and on its set's
 *    LRU list, least recently used first (lru tick order);
 *  - every valid entry is on its ASID's list, counted in asid_count,
 *    and clear in the free map; every invalid one set there.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pgtable.h"
#include "sys.h"
#include "tlb.h"

#define PTE_CACHED_BITS (_PAGE_RW | _PAGE_USER | _PAGE_NX | _PAGE_DIRTY | \
			 _PAGE_ACCESSED | _PAGE_GLOBAL)

/* The set of entry @i and of page @vpn: the geometry is any entries/ways
 * the user chose, and a power of two spares a division (tlb_geometry). */
static uint32_t set_of_entry(const struct tlb *t, uint32_t i)
{
	return t->ways_shift ? i >> t->ways_shift : i / t->ways;
}
static uint32_t set_of_vpn(const struct tlb *t, uint64_t vpn)
{
	return t->sets_mask ? (uint32_t)(vpn & t->sets_mask) :
			      (uint32_t)(vpn % t->sets);
}

static uint32_t tlb_hash(const struct tlb *t, unsigned asid, uint64_t vpn)
{
	uint64_t h = (vpn ^ ((uint64_t)asid << 52)) * 0x9e3779b97f4a7c15ULL;

	return (uint32_t)(h >> 32) & t->hmask;
}

struct tlb_entry *tlb_find(struct tlb *t, unsigned asid, uint64_t vpn)
{
	uint32_t i;

	for (i = t->hash[tlb_hash(t, asid, vpn)]; i != TLB_NIL; i = t->e[i].hnext) {
		t->steps++;
		if (t->e[i].asid == asid && t->e[i].vpn == vpn)
			return &t->e[i];
	}
	return NULL;
}

/* Take valid entry @e off the hash of (asid, vpn) and its set's LRU
 * list; the ASID's list and the free map are the caller's. */
static void tlb_unlink(struct tlb *t, struct tlb_entry *e)
{
	uint32_t i = (uint32_t)(e - t->e), set = set_of_entry(t, i), *pp;

	for (pp = &t->hash[tlb_hash(t, e->asid, e->vpn)]; *pp != i;
	     pp = &t->e[*pp].hnext)
		;
	*pp = e->hnext;
	if (e->lprev != TLB_NIL)
		t->e[e->lprev].lnext = e->lnext;
	else
		t->lru_head[set] = e->lnext;
	if (e->lnext != TLB_NIL)
		t->e[e->lnext].lprev = e->lprev;
	else
		t->lru_tail[set] = e->lprev;
}

void tlb_drop(struct tlb *t, struct tlb_entry *e)
{
	tlb_unlink(t, e);
	if (e->aprev != TLB_NIL)
		t->e[e->aprev].anext = e->anext;
	else
		t->asid_head[e->asid] = e->anext;
	if (e->anext != TLB_NIL)
		t->e[e->anext].aprev = e->aprev;
	t->asid_count[e->asid]--;
	e->valid = false;
	lbm_assign(&t->free, (uint32_t)(e - t->e), true);
}

void tlb_touch(struct tlb *t, struct tlb_entry *e)
{
	uint32_t i = (uint32_t)(e - t->e), set = set_of_entry(t, i);

	e->lru = ++t->tick;
	if (t->lru_tail[set] == i)
		return;
	if (e->lprev != TLB_NIL)
		t->e[e->lprev].lnext = e->lnext;
	else
		t->lru_head[set] = e->lnext;
	t->e[e->lnext].lprev = e->lprev;        /* not the tail: lnext != NIL */
	e->lprev = t->lru_tail[set];
	e->lnext = TLB_NIL;
	t->e[e->lprev].lnext = i;
	t->lru_tail[set] = i;
}

/* Fill an entry for (@asid, @vpn); @absent: the caller knows @t holds
 * none (it just missed, or dropped the one it found). */
struct tlb_entry *tlb_insert_entry(struct tlb *t, unsigned asid, uint64_t vpn,
				   uint64_t pte, bool absent)
{
	struct tlb_entry *victim = absent ? NULL : tlb_find(t, asid, vpn);
	uint32_t set = set_of_vpn(t, vpn), first = set * t->ways, i;
	uint32_t h;
	uint64_t w;
	bool reuse;

	/* the same tag, else the lowest invalid way, else the least
	 * recently used */
	if (!victim) {
		w = lbm_next(&t->free, first);
		if (w != LBM_NONE && w < (uint64_t)first + t->ways)
			victim = &t->e[w];
		else
			victim = &t->e[t->lru_head[set]];
	}
	/* a victim of the same ASID is refilled where it is (it stays on
	 * that ASID's list and taken in the free map) */
	reuse = victim->valid && victim->asid == asid;
	if (reuse)
		tlb_unlink(t, victim);
	else if (victim->valid)
		tlb_drop(t, victim);
	i = (uint32_t)(victim - t->e);
	if (!reuse)
		lbm_assign(&t->free, i, false);
	victim->valid = true;
	victim->global = pte & _PAGE_GLOBAL;
	victim->asid = (uint16_t)asid;
	victim->vpn = vpn;
	victim->pfn = (pte & PTE_PFN_MASK) >> PAGE_SHIFT;
	victim->flags = pte & PTE_CACHED_BITS;
	victim->lru = ++t->tick;
	victim->ptep = NULL;
	h = tlb_hash(t, asid, vpn);
	victim->hnext = t->hash[h];
	t->hash[h] = i;
	victim->lnext = TLB_NIL;
	victim->lprev = t->lru_tail[set];
	if (victim->lprev != TLB_NIL)
		t->e[victim->lprev].lnext = i;
	else
		t->lru_head[set] = i;
	t->lru_tail[set] = i;
	if (reuse)
		return victim;
	victim->aprev = TLB_NIL;
	victim->anext = t->asid_head[asid];
	if (victim->anext != TLB_NIL)
		t->e[victim->anext].aprev = i;
	t->asid_head[asid] = i;
	t->asid_count[asid]++;
	return victim;
}

void tlb_insert(struct tlb *t, unsigned asid, uint64_t vpn, uint64_t pte)
{
	tlb_insert_entry(t, asid, vpn, pte, false);
}

/* Drop the non-global entries of @asid (ANY_ASID: all) with start <= vpn
 * < end: page by page through the hash when the range is smaller than
 * the ASID's entries, else along the ASID's list. */
unsigned tlb_invalidate(struct tlb *t, unsigned asid, uint64_t start,
			uint64_t end)
{
	unsigned n = 0, lo = asid == ANY_ASID ? 0 : asid;
	unsigned hi = asid == ANY_ASID ? TLB_NR_ASIDS : asid + 1;

	for (unsigned a = lo; a < hi; a++) {
		if (t->asid_count[a] == 0)
			continue;
		if (end - start <= t->asid_count[a]) {
			for (uint64_t vpn = start; vpn < end; vpn++) {
				struct tlb_entry *e = tlb_find(t, a, vpn);

				t->steps++;
				if (e && !e->global) {
					tlb_drop(t, e);
					n++;
				}
			}
			continue;
		}
		for (uint32_t i = t->asid_head[a], next; i != TLB_NIL; i = next) {
			struct tlb_entry *e = &t->e[i];

			next = e->anext;
			t->steps++;
			if (!e->global && e->vpn >= start && e->vpn < end) {
				tlb_drop(t, e);
				n++;
			}
		}
	}
	return n;
}

static void tlb_index_init(struct tlb *t)
{
	uint32_t nb = 1;

	while (nb < t->entries)
		nb *= 2;
	t->hash = xmalloc(nb * sizeof(*t->hash));
	memset(t->hash, 0xff, nb * sizeof(*t->hash));
	t->hmask = nb - 1;
	t->lru_head = xmalloc(t->sets * sizeof(uint32_t));
	t->lru_tail = xmalloc(t->sets * sizeof(uint32_t));
	memset(t->lru_head, 0xff, t->sets * sizeof(uint32_t));
	memset(t->lru_tail, 0xff, t->sets * sizeof(uint32_t));
	for (unsigned a = 0; a < TLB_NR_ASIDS; a++)
		t->asid_head[a] = TLB_NIL;
	if (!lbm_init(&t->free, t->entries))
		abort();
	for (uint32_t i = 0; i < t->entries; i++)
		lbm_assign(&t->free, i, true);
}

void tlb_geometry(struct tlb *t, unsigned entries, unsigned ways,
		  unsigned shift)
{
	if (!ways || ways > entries || entries % ways)
		ways = entries;
	t->entries = entries;
	t->ways = ways;
	t->sets = entries ? entries / ways : 0;
	t->ways_shift = 0;
	t->sets_mask = 0;
	if (ways > 1 && !(ways & (ways - 1)))
		t->ways_shift = (unsigned)__builtin_ctz(ways);
	if (t->sets > 1 && !(t->sets & (t->sets - 1)))
		t->sets_mask = t->sets - 1;
	t->shift = shift;
	if (!entries)
		return;         /* no such TLB: never looked at */
	t->e = xcalloc(entries, sizeof(*t->e));
	tlb_index_init(t);
}

void tlb_free(struct tlb *t)
{
	if (!t->entries)
		return;
	free(t->e);
	free(t->hash);
	free(t->lru_head);
	free(t->lru_tail);
	lbm_fini(&t->free);
}
