/* SPDX-License-Identifier: MIT */
/*
 * The swap area (mm/swapfile.c) and the swap cache (mm/swap_state.c).
 *
 * Invariants kept (check.c verifies them):
 *  - a slot is in use iff count > 0 or cache; inuse counts them;
 *  - slot.cache iff a folio has page->swap == the slot, and then
 *    slot.cache_pfn is that folio, which holds one reference for the
 *    cache (as the swap cache's xarray entry does);
 *  - slot.written iff the slot holds the contents written by reclaim;
 *  - slot 0 (the header page of a real swap file) is never used.
 *
 * Slots are handed out by a cursor that moves up and wraps, a simplified
 * cluster allocator: offsets are deterministic, and not those of Linux's
 * per-CPU clusters (no view shows the kernel's offsets).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "anon_vma.h"
#include "memory.h"
#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "reclaim.h"
#include "swap.h"
#include "sys.h"
#include "vm_flags.h"
#include "vma.h"

#define SWAP_MAX_SLOTS ((64ULL << 30) >> PAGE_SHIFT)   /* 64G, as --swap */
_Static_assert(SWAP_MAX_SLOTS <= 1ULL << 24,
	       "page->swap holds a slot in 24 bits");

int swap_on(struct vmsh_sys *sys, uint64_t bytes)
{
	struct swap_info *si = &sys->swap;
	uint64_t n = bytes >> PAGE_SHIFT;
	__typeof__(si->ra) ra;

	if (si->on)
		return -EBUSY;
	if (n < 2 || n > SWAP_MAX_SLOTS)
		return -EINVAL;
	free(si->slots);
	ra = si->ra;
	memset(si, 0, sizeof(*si));
	si->ra = ra;
	si->slots = xcalloc(n, sizeof(*si->slots));
	si->nslots = n;
	si->next = 1;
	si->on = true;
	trace(sys, "swapon slots=%llu", (unsigned long long)(n - 1));
	return 0;
}

void swap_fini(struct vmsh_sys *sys)
{
	struct swap_info *si = &sys->swap;
	uint64_t i;

	for (i = 0; i < si->nslots; i++)
		free(si->slots[i].data);
	free(si->slots);
	memset(si, 0, sizeof(*si));
}

/* ---- swap readahead (mm/swap_state.c) ------------------------------------ *
 *
 * This machine's swap is a file on a rotational disk (virtio vda,
 * queue/rotational 1), so Linux 6.18 reads ahead by swap slot
 * (swap_cluster_readahead): swap_use_vma_readahead() is false while any
 * rotational swap area is on (nr_rotate_swap), whatever
 * /sys/kernel/mm/swap/vma_ra_enabled says (true here).  A swap-in that
 * misses the swap cache sizes a window with swapin_nr_pages():
 *   pages = hits + 2, rounded up to a power of two >= 4 when there were
 *           hits; with none, 2 if the slot is next to the last miss's,
 *           else 1; at most 2^page-cluster (3: 8 pages), and never below
 *           half the last window;
 * hits (readahead folios a swap-in then found in the cache) reset to 0,
 * and with none the slot becomes the last miss's.  The window is the
 * aligned block of that many slots around the slot (slot 0, the header,
 * left out); every slot of it a PTE or a shmem file still names and the
 * swap cache lacks is read into the cache, unmapped, with PG_readahead
 * (swap_ra).  All of this state is machine-wide, as in the kernel.
 * Probe (6.18, private swap file, 8 zero-filled anonymous pages paged
 * out and touched in orders 0..7, 7..0 and 0,4,2,6,1,3,5,7, run after
 * each other): majfaults, swap_ra and swap_ra_hit as computed here at
 * every touch.  --replace reads no more than the faulting page. */
#define PAGE_CLUSTER 3          /* /proc/sys/vm/page-cluster */

static uint32_t swapin_nr_pages(struct vmsh_sys *sys, uint64_t off)
{
	struct swap_info *si = &sys->swap;
	uint32_t hits = si->ra.hits, pages = hits + 2, max = 1u << PAGE_CLUSTER;

	/* --replace's textbook pager reads the one page a fault needs (as
	 * page-cluster 0 would): every re-reference stays a major fault */
	if (sys->replace)
		return 1;
	si->ra.hits = 0;
	if (pages == 2) {
		if (off != si->ra.prev_offset + 1 &&
		    off + 1 != si->ra.prev_offset)
			pages = 1;
	} else {
		uint32_t roundup = 4;

		while (roundup < pages)
			roundup <<= 1;
		pages = roundup;
	}
	if (pages > max)
		pages = max;
	if (pages < si->ra.last_pages / 2)
		pages = si->ra.last_pages / 2;
	if (!hits)
		si->ra.prev_offset = off;
	si->ra.last_pages = pages;
	return pages;
}

bool swap_cluster_readahead(struct vmsh_sys *sys, uint64_t off)
{
	struct swap_info *si = &sys->swap;
	uint64_t mask = swapin_nr_pages(sys, off) - 1, start, end, o, pfn;

	if (!mask)
		return false;
	start = off & ~mask;
	end = off | mask;
	if (!start)
		start = 1;              /* the header */
	if (end >= si->nslots)
		end = si->nslots - 1;
	trace(sys, "swap_cluster_readahead swap offset %#llx-%#llx",
	      (unsigned long long)start, (unsigned long long)end);
	for (o = start; o <= end; o++) {
		/* __read_swap_cache_async(): a slot still swapped, not cached
		 * (the faulting slot is its caller's read) */
		if (o == off || !si->slots[o].count || si->slots[o].cache)
			continue;
		pfn = phys_alloc(sys, PAGE_ANON);
		if (pfn == UINT64_MAX)
			break;
		swap_readpage(sys, o, pfn);
		folio_add_lru(sys, pfn);
		phys_page(sys, pfn)->readahead = true;
		sys->stat[ST_SWAP_RA]++;
		put_page(sys, pfn);     /* the cache's reference stays */
	}
	return true;
}

void swap_update_readahead(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *folio = phys_page(sys, pfn);

	if (!folio_test_readahead(folio))
		return;
	folio_clear_readahead(folio);
	sys->swap.ra.hits++;
	sys->stat[ST_SWAP_RA_HIT]++;
}

uint64_t swap_total(const struct vmsh_sys *sys)
{
	return sys->swap.on ? sys->swap.nslots - 1 : 0;
}

uint64_t swap_free_slots(const struct vmsh_sys *sys)
{
	return sys->swap.on ? sys->swap.nslots - 1 - sys->swap.inuse : 0;
}

bool vm_swap_full(const struct vmsh_sys *sys)
{
	return swap_free_slots(sys) * 2 < swap_total(sys);
}

static struct swap_slot *slot_of(struct vmsh_sys *sys, uint64_t offset)
{
	if (!sys->swap.slots || offset == 0 || offset >= sys->swap.nslots)
		abort();
	return &sys->swap.slots[offset];
}

uint32_t swap_count(const struct vmsh_sys *sys, uint64_t offset)
{
	if (!sys->swap.slots || offset == 0 || offset >= sys->swap.nslots)
		return 0;
	return sys->swap.slots[offset].count;
}

/* A slot nothing names any more goes back to the free pool. */
static void slot_release(struct vmsh_sys *sys, uint64_t offset)
{
	struct swap_slot *s = slot_of(sys, offset);

	if (s->count || s->cache)
		return;
	free(s->data);
	memset(s, 0, sizeof(*s));
	sys->swap.inuse--;
}

/* folio_alloc_swap() + add_to_swap_cache(): a free slot for anonymous
 * page @pfn, which enters the swap cache.  0 when swap is off or full. */
uint64_t add_to_swap(struct vmsh_sys *sys, uint64_t pfn)
{
	struct swap_info *si = &sys->swap;
	struct page *page = phys_page(sys, pfn);
	uint64_t i, off;

	if (!si->on || si->inuse + 1 >= si->nslots)
		return 0;
	for (i = 0; i < si->nslots; i++) {
		off = si->next + i;
		if (off >= si->nslots)
			off -= si->nslots - 1;
		if (!si->slots[off].count && !si->slots[off].cache)
			break;
	}
	si->next = off + 1 < si->nslots ? off + 1 : 1;
	si->slots[off].cache = true;
	si->slots[off].cache_pfn = pfn;
	si->inuse++;
	page->swap = (uint32_t)off;
	page->dirty = true;
	phys_get(sys, pfn);
	trace(sys, "add_to_swap pfn=%#llx swap offset %#llx",
	      (unsigned long long)pfn, (unsigned long long)off);
	return off;
}

/* delete_from_swap_cache(): the cache lets go of @pfn (its reference
 * goes too; the caller holds one of its own). */
static void delete_from_swap_cache(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *page = phys_page(sys, pfn);
	uint64_t off = page->swap;
	struct swap_slot *s = slot_of(sys, off);

	s->cache = false;
	s->cache_pfn = 0;
	page->swap = 0;
	slot_release(sys, off);
	put_page(sys, pfn);
}

bool folio_free_swap(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *page = phys_page(sys, pfn);

	if (!page->swap || slot_of(sys, page->swap)->count)
		return false;
	page->dirty = true;
	delete_from_swap_cache(sys, pfn);
	return true;
}

/* __remove_mapping() of a clean, unmapped swap cache folio: its
 * contents are on swap; the page goes (the caller's reference is the
 * last). */
void swap_cache_drop_clean(struct vmsh_sys *sys, uint64_t pfn)
{
	swap_cache_evict(sys, pfn, 0);
}

void swap_cache_evict(struct vmsh_sys *sys, uint64_t pfn, uint64_t shadow)
{
	struct swap_slot *s = slot_of(sys, phys_page(sys, pfn)->swap);

	delete_from_swap_cache(sys, pfn);
	if (s->count)
		s->shadow = shadow;
}

void swap_duplicate(struct vmsh_sys *sys, uint64_t pte)
{
	slot_of(sys, swp_offset(pte))->count++;
}

void swap_free(struct vmsh_sys *sys, uint64_t pte)
{
	struct swap_slot *s = slot_of(sys, swp_offset(pte));

	if (s->count == 0)
		abort();
	s->count--;
	slot_release(sys, swp_offset(pte));
}

void free_swap_and_cache(struct vmsh_sys *sys, uint64_t pte)
{
	uint64_t off = swp_offset(pte);
	struct swap_slot *s = slot_of(sys, off);

	if (s->count == 0)
		abort();
	s->count--;
	if (s->count == 0 && s->cache) {
		/* __try_to_reclaim_swap(TTRS_UNMAPPED) */
		uint64_t pfn = s->cache_pfn;

		if (phys_page(sys, pfn)->mapcount == 0) {
			phys_get(sys, pfn);
			folio_free_swap(sys, pfn);
			put_page(sys, pfn);
		}
		return;
	}
	slot_release(sys, off);
}

/* swap_writepage() (swap_writeout): the folio's contents go to its
 * slot.  Linux 6.18 writes nothing for a zero-filled folio: the slot's
 * bit in the zeromap says so, the folio is clean at once (no writeback,
 * no pswpout) and a later read fills zeroes (no pswpin).  Probe (6.18):
 * two zero and two 0x09 pages paged out: pswpout +2, the first zero
 * page's touch a major fault. */
bool swap_writepage(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *page = phys_page(sys, pfn);
	struct swap_slot *s = slot_of(sys, page->swap);
	uint8_t buf[PAGE_SIZE];
	unsigned i;

	phys_read(sys, pfn, 0, buf, PAGE_SIZE);
	for (i = 1; i < PAGE_SIZE && buf[i] == buf[0]; i++)
		;
	free(s->data);
	s->data = NULL;
	s->fill = buf[0];
	if (i < PAGE_SIZE) {
		s->data = xmalloc(PAGE_SIZE);
		memcpy(s->data, buf, PAGE_SIZE);
	}
	s->written = true;
	s->zero = i == PAGE_SIZE && buf[0] == 0;
	page->dirty = false;
	if (s->zero) {
		trace(sys, "swap_writepage pfn=%#llx swap offset %#llx zeromap",
		      (unsigned long long)pfn, (unsigned long long)page->swap);
		return false;
	}
	sys->stat[ST_PSWPOUT]++;
	trace(sys, "swap_writepage pfn=%#llx swap offset %#llx",
	      (unsigned long long)pfn, (unsigned long long)page->swap);
	return true;
}

/* swap_read_folio(): a new page @pfn gets the contents of slot @off and
 * enters the swap cache. */
void swap_readpage(struct vmsh_sys *sys, uint64_t off, uint64_t pfn)
{
	struct swap_slot *s = slot_of(sys, off);
	struct page *page = phys_page(sys, pfn);

	if (s->data)
		phys_write(sys, pfn, 0, s->data, 0, PAGE_SIZE);
	else
		phys_write(sys, pfn, 0, NULL, s->fill, PAGE_SIZE);
	s->cache = true;
	s->cache_pfn = pfn;
	page->swap = (uint32_t)off;
	page->uptodate = true;
	phys_get(sys, pfn);             /* the cache's reference */
	if (!s->zero)                   /* the zeromap reads nothing */
		sys->stat[ST_PSWPIN]++;
	trace(sys, "swap_readpage swap offset %#llx -> pfn=%#llx",
	      (unsigned long long)off, (unsigned long long)pfn);
	/* __read_swap_cache_async(): the slot's shadow, if reclaim left one */
	if (s->shadow) {
		uint64_t shadow = s->shadow;

		s->shadow = 0;
		workingset_refault(sys, pfn, shadow);
	}
}

uint64_t swap_cache_pfn(const struct vmsh_sys *sys, uint64_t off)
{
	if (!sys->swap.slots || off == 0 || off >= sys->swap.nslots ||
	    !sys->swap.slots[off].cache)
		return UINT64_MAX;
	return sys->swap.slots[off].cache_pfn;
}

/* ---- swapoff (try_to_unuse) ---------------------------------------------- */

struct unuse_ctx {
	struct vmsh_mm *mm;
	struct vmsh_vma *vma;
};

/* unuse_pte(): the swap entry at @ptep becomes its page again, old and
 * clean as Linux maps it, writable only when the entry was exclusive. */
static void unuse_one(uint64_t *ptep, uint64_t addr, void *vctx)
{
	struct unuse_ctx *c = vctx;
	struct vmsh_sys *sys = c->mm->sys;
	uint64_t orig = *ptep, off, pfn, pte;
	struct page *page;

	if (!is_swap_pte(orig))
		return;
	off = swp_offset(orig);
	pfn = swap_cache_pfn(sys, off);
	if (pfn == UINT64_MAX) {
		pfn = phys_alloc(sys, PAGE_ANON);
		if (pfn == UINT64_MAX)
			abort();        /* swap_off counted the frames first */
		page = phys_page(sys, pfn);
		page_set_anon(sys, page, c->vma->anon_vma);
		if (page_anon(sys, page))
			anon_vma_get(page_anon(sys, page));
		page->index = linear_page_index(c->vma, addr);
		swap_readpage(sys, off, pfn);
		/* folio_add_lru, then swapin_readahead's lru_add_drain() */
		folio_add_lru(sys, pfn);
		lru_add_drain(sys);
		put_page(sys, pfn);     /* the cache's reference is enough */
	}
	page = phys_page(sys, pfn);
	phys_get(sys, pfn);
	page->mapcount++;
	mlock_vma_folio(c->vma, pfn);   /* folio_add_anon_rmap_pte */
	pte = mk_pte(pfn, vma_page_prot(c->vma)) & ~_PAGE_ACCESSED;
	if ((orig & _PAGE_SWP_EXCLUSIVE) && (c->vma->vm_flags & VM_WRITE))
		pte |= _PAGE_RW;
	if (orig & _PAGE_SWP_EXCLUSIVE)
		page->exclusive = true;
	*ptep = pte;
	mm_add_rss(c->mm, MM_ANONPAGES, 1);
	mm_add_rss(c->mm, MM_SWAPENTS, -1);
	swap_free(sys, orig);
}

int swap_off(struct vmsh_sys *sys)
{
	struct swap_info *si = &sys->swap;
	struct vmsh_mm *mm;
	struct vmsh_vma *vma;
	uint64_t i, need = 0;

	if (!si->on)
		return -EINVAL;
	for (i = 1; i < si->nslots; i++)
		if (si->slots[i].count && !si->slots[i].cache)
			need++;
	if (need > sys->phys.nfree)
		return -ENOMEM;
	trace(sys, "swapoff try_to_unuse slots=%llu",
	      (unsigned long long)si->inuse);
	for (mm = sys->mms; mm; mm = mm->next_all) {
		struct unuse_ctx c = { .mm = mm };

		if (mm->mm_users <= 0)
			continue;
		for (vma = mm->mmap; vma; vma = vma->vm_next) {
			c.vma = vma;
			pte_walk_range(mm, vma->vm_start, vma->vm_end,
				       unuse_one, &c);
		}
	}
	/* shmem_unuse(): the files' swapped pages back in their caches
	 * (the frames were counted above) */
	if (!shmem_unuse(sys))
		abort();
	for (i = 1; i < si->nslots; i++)
		if (si->slots[i].cache) {
			uint64_t pfn = si->slots[i].cache_pfn;

			phys_get(sys, pfn);
			if (!folio_free_swap(sys, pfn))
				abort();        /* a swap PTE was missed */
			put_page(sys, pfn);
		}
	swap_fini(sys);
	return 0;
}
