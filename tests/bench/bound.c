/* SPDX-License-Identifier: MIT */
/*
 * Floors for two rows of vmsh-bench: bare loops doing only the per-page
 * work of those operations as Linux does it (copy_pte_range copies and
 * counts every PTE; a read maps every page), with nothing of vmsh around
 * it: no checks, statistics, traces or VMAs, and the simplest memory
 * layout.  A model doing that work cannot be faster than its floor, so a
 * floor slower than a row's goal says the goal cannot be met on this
 * machine at the moment it is measured (issue 13's note, session 9).
 *
 *  - fork+exit: copy_pte_range's and zap_pte_range's loops over @pages
 *    present anonymous PTEs: refcount and mapcount up, the exclusive flag
 *    cleared, the parent's PTE write-protected, the child's written;
 *    then the child's PTEs cleared and the counts down.  Struct pages of
 *    40 bytes, as vmsh's.
 *  - file read with fault-around: per page, a 4-way TLB lookup and fill,
 *    the PTE, and every 16 pages a fault mapping 16 page-cache pages
 *    (an open-addressing lookup each, refcount, mapcount, rss).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bound.h"

struct bpage {
	uint64_t flags, w1;
	int32_t refcount, mapcount;
	uint64_t w3, w4;
};

#define B_RW       2ULL
#define B_ACCESSED 0x20ULL
#define B_EXCL     1ULL

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *zalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		abort();
	return p;
}

/* One fork+exit of @n PTEs; returns how many pages were copied. */
static long fork_exit(struct bpage *pg, uint64_t *parent, uint64_t *child,
		      long n)
{
	long rss = 0;

	memset(child, 0, (size_t)n * sizeof(*child));     /* fresh tables */
	for (long i = 0; i < n; i++) {
		uint64_t v = parent[i];
		struct bpage *p;

		if (!v)
			continue;
		p = &pg[v >> 12];
		if (p->refcount <= 0)
			abort();
		p->refcount++;
		p->mapcount++;
		p->flags &= ~B_EXCL;
		if (v & B_RW) {
			v &= ~B_RW;
			parent[i] = v;
		}
		child[i] = v & ~B_ACCESSED;
		rss++;
	}
	for (long i = 0; i < n; i++) {
		uint64_t v = child[i];
		struct bpage *p;

		if (!v)
			continue;
		child[i] = 0;
		p = &pg[v >> 12];
		p->mapcount--;
		if (--p->refcount == 0)
			abort();
		rss--;
	}
	return rss;
}

double bound_fork(long pages)
{
	long nframes = pages + 65536;
	struct bpage *pg = zalloc((size_t)nframes, sizeof(*pg));
	uint64_t *parent = zalloc((size_t)pages, sizeof(*parent));
	uint64_t *child = zalloc((size_t)pages, sizeof(*child));
	int n = pages > 10000 ? 5 : 50;
	double t0;

	for (long i = 0; i < pages; i++) {
		long pfn = 65536 + i;

		parent[i] = (uint64_t)pfn << 12 | 1 | B_RW | B_ACCESSED;
		pg[pfn].refcount = pg[pfn].mapcount = 1;
		pg[pfn].flags = B_EXCL;
	}
	fork_exit(pg, parent, child, pages);     /* warm, as the model's loop */
	t0 = cpu_now();
	for (int i = 0; i < n; i++)
		if (fork_exit(pg, parent, child, pages))
			abort();
	t0 = (cpu_now() - t0) / n;
	free(pg);
	free(parent);
	free(child);
	return t0;
}

struct bslot {
	uint64_t index, pfn;
};

struct btlb {
	uint64_t vpn, pfn, lru;
	uint32_t valid;
};

static uint64_t slot_of(long i, long cap)
{
	return ((uint64_t)i * 0x9e3779b97f4a7c15ULL) >> 40 & (uint64_t)(cap - 1);
}

double bound_file(long pages)
{
	long nframes = pages * 2 + 65536, cap = 1;
	struct bpage *pg = zalloc((size_t)nframes, sizeof(*pg));
	struct bslot *cache;
	uint64_t *pte = zalloc((size_t)pages, sizeof(*pte));
	struct btlb tlb[64];
	uint64_t tick = 0, rss = 0;
	volatile uint64_t sink = 0;
	double t0;

	while (cap < pages * 2)
		cap *= 2;
	cache = zalloc((size_t)cap, sizeof(*cache));
	memset(tlb, 0, sizeof(tlb));
	for (long i = 0; i < pages; i++) {      /* the page cache */
		uint64_t h = slot_of(i, cap);

		while (cache[h].pfn)
			h = (h + 1) & (uint64_t)(cap - 1);
		cache[h].index = (uint64_t)i;
		cache[h].pfn = (uint64_t)(1000 + i);
		pg[1000 + i].refcount = 1;
	}
	t0 = cpu_now();
	for (long v = 0; v < pages; v++) {
		struct btlb *set = &tlb[(v & 15) * 4], *hit = NULL, *victim = set;

		for (int w = 0; w < 4; w++)
			if (set[w].valid && set[w].vpn == (uint64_t)v)
				hit = &set[w];
		if (hit) {
			hit->lru = ++tick;
			sink += hit->pfn;
			continue;
		}
		if (!pte[v])    /* a fault: map the 16 pages around */
			for (long i = v & ~15L; i < (v | 15) + 1 && i < pages; i++) {
				uint64_t h = slot_of(i, cap), pfn;

				while (cache[h].index != (uint64_t)i)
					h = (h + 1) & (uint64_t)(cap - 1);
				pfn = cache[h].pfn;
				if (pte[i])
					continue;
				pg[pfn].refcount++;
				pg[pfn].mapcount++;
				pg[pfn].flags |= B_EXCL;
				pte[i] = pfn << 12 | 0x5;
				rss++;
			}
		pte[v] |= B_ACCESSED;
		for (int w = 1; w < 4; w++)
			if (!set[w].valid || set[w].lru < victim->lru)
				victim = &set[w];
		victim->valid = 1;
		victim->vpn = (uint64_t)v;
		victim->pfn = pte[v] >> 12;
		victim->lru = ++tick;
		sink += victim->pfn;
	}
	t0 = (cpu_now() - t0) / pages;
	if (rss != (uint64_t)pages)
		abort();
	free(pg);
	free(cache);
	free(pte);
	return t0;
}
