/* SPDX-License-Identifier: MIT */
/*
 * The classic page-replacement policies (vmsh/replace.h): FIFO, LRU,
 * CLOCK (second chance), OPT (Belady's MIN) and RANDOM over N frames.
 *
 * Invariants (vmsh_replace_check):
 *  - a frame is used iff it holds a page; nused counts them, <= nframes;
 *  - the index (open addressing, linear probing, backward-shift
 *    deletion) maps each resident page to its frame, and nothing else;
 *  - the order list links the used frames: by load for FIFO and OPT,
 *    by last reference for LRU (oldest first); the free stack holds the
 *    others (so frames fill lowest first);
 *  - hits + faults = refs; evictions <= faults.
 *
 * Costs: a hit or a fault with a free frame is O(1); FIFO, LRU, CLOCK
 * (amortised) and RANDOM evict in O(1), OPT in O(N).
 *
 * This file calls nothing but the C library and alloc.c: the shell's
 * model, the engine's hook (replace_mm.c) and trace-replay all use it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmsh/replace.h"
#include "sys.h"

#define NONE    UINT32_MAX
#define NEVER   UINT64_MAX

struct frame {
	uint64_t page;
	uint64_t next_use;      /* OPT: index of the next reference (NEVER) */
	uint32_t prev, next;    /* the order list */
	bool used;
	bool ref;               /* CLOCK's reference bit */
};

struct vmsh_replace {
	enum vmsh_replace_policy policy;
	uint32_t nframes, nused;
	struct frame *f;
	uint32_t head, tail;    /* order list: head is the oldest */
	uint32_t *free;         /* free frames, a stack */
	uint32_t nfree;
	uint32_t hand;          /* CLOCK */
	uint32_t pending;       /* the victim pick_victim named, or NONE */
	uint64_t rng;           /* RANDOM: xorshift64* state */
	uint32_t *index;        /* frame + 1, or 0: empty */
	uint64_t icap;          /* a power of two >= 2 * nframes */
	uint64_t *fut;          /* OPT's future */
	size_t *fnext;          /* the next index of the same page, or SIZE_MAX */
	size_t nfut, cursor;
	bool has_future;
	uint64_t refs, hits, faults, evictions;
};

static const char *const names[] = {
	[VMSH_REPLACE_OFF] = "off", [VMSH_REPLACE_FIFO] = "fifo",
	[VMSH_REPLACE_LRU] = "lru", [VMSH_REPLACE_CLOCK] = "clock",
	[VMSH_REPLACE_OPT] = "opt", [VMSH_REPLACE_RANDOM] = "random",
};

const char *vmsh_replace_name(enum vmsh_replace_policy policy)
{
	if ((unsigned)policy > VMSH_REPLACE_RANDOM)
		return "?";
	return names[policy];
}

int vmsh_replace_policy_parse(const char *name)
{
	for (int i = VMSH_REPLACE_FIFO; i <= VMSH_REPLACE_RANDOM; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

struct vmsh_replace *vmsh_replace_new(enum vmsh_replace_policy policy,
				      uint64_t frames, uint64_t seed)
{
	struct vmsh_replace *r;

	if (policy < VMSH_REPLACE_FIFO || policy > VMSH_REPLACE_RANDOM ||
	    frames < 1 || frames > VMSH_REPLACE_MAX_FRAMES)
		return NULL;
	r = xcalloc(1, sizeof(*r));
	r->policy = policy;
	r->nframes = (uint32_t)frames;
	r->f = xcalloc(frames, sizeof(*r->f));
	r->free = xmalloc(frames * sizeof(*r->free));
	for (uint32_t i = 0; i < frames; i++)
		r->free[i] = (uint32_t)frames - 1 - i;
	r->nfree = (uint32_t)frames;
	r->head = r->tail = r->pending = NONE;
	for (r->icap = 4; r->icap < 2 * frames; r->icap *= 2)
		;
	r->index = xcalloc(r->icap, sizeof(*r->index));
	r->rng = seed ? seed : 1;
	return r;
}

void vmsh_replace_free(struct vmsh_replace *r)
{
	if (!r)
		return;
	free(r->f);
	free(r->free);
	free(r->index);
	free(r->fut);
	free(r->fnext);
	free(r);
}

/* ---- the index: page -> frame ------------------------------------------ */

static uint64_t ihome(const struct vmsh_replace *r, uint64_t page)
{
	return mix(page) & (r->icap - 1);
}

static uint32_t lookup(const struct vmsh_replace *r, uint64_t page)
{
	for (uint64_t i = ihome(r, page);; i = (i + 1) & (r->icap - 1)) {
		uint32_t s = r->index[i];

		if (!s)
			return NONE;
		if (r->f[s - 1].page == page)
			return s - 1;
	}
}

static void index_add(struct vmsh_replace *r, uint32_t slot)
{
	uint64_t i = ihome(r, r->f[slot].page);

	while (r->index[i])
		i = (i + 1) & (r->icap - 1);
	r->index[i] = slot + 1;
}

/* Backward-shift deletion keeps every probe chain unbroken. */
static void index_del(struct vmsh_replace *r, uint64_t page)
{
	uint64_t mask = r->icap - 1, i = ihome(r, page), j;

	while (r->f[r->index[i] - 1].page != page)
		i = (i + 1) & mask;
	for (j = i;;) {
		uint64_t h;

		r->index[i] = 0;
		for (;;) {
			j = (j + 1) & mask;
			if (!r->index[j])
				return;
			h = ihome(r, r->f[r->index[j] - 1].page);
			/* the entry at j may move to i unless its home lies
			 * cyclically in (i, j] */
			if (i <= j ? (h <= i || h > j) : (h <= i && h > j))
				break;
		}
		r->index[i] = r->index[j];
		i = j;
	}
}

/* ---- the order list ---------------------------------------------------- */

static void list_del(struct vmsh_replace *r, uint32_t s)
{
	struct frame *fr = &r->f[s];

	if (fr->prev != NONE)
		r->f[fr->prev].next = fr->next;
	else
		r->head = fr->next;
	if (fr->next != NONE)
		r->f[fr->next].prev = fr->prev;
	else
		r->tail = fr->prev;
	fr->prev = fr->next = NONE;
}

static void list_add_tail(struct vmsh_replace *r, uint32_t s)
{
	struct frame *fr = &r->f[s];

	fr->prev = r->tail;
	fr->next = NONE;
	if (r->tail != NONE)
		r->f[r->tail].next = s;
	else
		r->head = s;
	r->tail = s;
}

/* ---- OPT's future ------------------------------------------------------ */

void vmsh_replace_set_future(struct vmsh_replace *r, const uint64_t *pages,
			     size_t n)
{
	free(r->fut);
	free(r->fnext);
	r->fut = xmalloc((n ? n : 1) * sizeof(*r->fut));
	r->fnext = xmalloc((n ? n : 1) * sizeof(*r->fnext));
	if (n)
		memcpy(r->fut, pages, n * sizeof(*pages));
	r->nfut = n;
	r->cursor = 0;
	r->has_future = true;
	/* fnext[i]: the next j > i with the same page, found from the end
	 * with a scratch index of the last position seen per page */
	{
		uint64_t cap = 4, mask;
		size_t *last_pos, *last_key_at;

		while (cap < 2 * n)
			cap *= 2;
		mask = cap - 1;
		last_pos = xmalloc(cap * sizeof(*last_pos));
		last_key_at = xmalloc(cap * sizeof(*last_key_at));
		for (uint64_t i = 0; i < cap; i++)
			last_key_at[i] = SIZE_MAX;
		for (size_t i = n; i-- > 0;) {
			uint64_t h = mix(pages[i]) & mask;

			while (last_key_at[h] != SIZE_MAX &&
			       pages[last_key_at[h]] != pages[i])
				h = (h + 1) & mask;
			r->fnext[i] = last_key_at[h] == SIZE_MAX ? SIZE_MAX :
				      last_pos[h];
			last_key_at[h] = i;
			last_pos[h] = i;
		}
		free(last_pos);
		free(last_key_at);
	}
	for (uint32_t s = 0; s < r->nframes; s++)
		r->f[s].next_use = NEVER;
}

bool vmsh_replace_has_future(const struct vmsh_replace *r)
{
	return r->has_future;
}

/* The future's index of this reference to @page (the cursor moves past
 * it), and so the index of its next one; NEVER when none is known. */
static uint64_t advance(struct vmsh_replace *r, uint64_t page)
{
	size_t j;

	if (!r->has_future)
		return NEVER;
	for (j = r->cursor; j < r->nfut && r->fut[j] != page; j++)
		;
	if (j == r->nfut)
		return NEVER;
	r->cursor = j + 1;
	return r->fnext[j] == SIZE_MAX ? NEVER : r->fnext[j];
}

/* A frame's next use, brought up to the cursor when a resync skipped it. */
static uint64_t next_use(struct vmsh_replace *r, uint32_t s)
{
	uint64_t n = r->f[s].next_use;

	while (n != NEVER && n < r->cursor)
		n = r->fnext[n] == SIZE_MAX ? NEVER : r->fnext[n];
	r->f[s].next_use = n;
	return n;
}

/* ---- the policies ------------------------------------------------------ */

static uint32_t pick(struct vmsh_replace *r)
{
	uint32_t s, best;

	switch (r->policy) {
	case VMSH_REPLACE_CLOCK:
		for (;;) {
			s = r->hand;
			r->hand = (r->hand + 1) % r->nframes;
			if (!r->f[s].used)
				continue;
			if (!r->f[s].ref) {
				/* the new page takes this frame; the hand
				 * has moved past it */
				return s;
			}
			r->f[s].ref = false;
		}
	case VMSH_REPLACE_OPT:
		best = r->head;
		for (s = r->head; s != NONE; s = r->f[s].next)
			if (next_use(r, s) > next_use(r, best))
				best = s;
		return best;
	case VMSH_REPLACE_RANDOM:
		do {
			r->rng ^= r->rng >> 12;
			r->rng ^= r->rng << 25;
			r->rng ^= r->rng >> 27;
			s = (uint32_t)((r->rng * 0x2545f4914f6cdd1dULL) >> 32) %
			    r->nframes;
		} while (!r->f[s].used);
		return s;
	default:                /* FIFO, LRU: the head of the order list */
		return r->head;
	}
}

bool vmsh_replace_resident(const struct vmsh_replace *r, uint64_t page)
{
	return lookup(r, page) != NONE;
}

bool vmsh_replace_on_access(struct vmsh_replace *r, uint64_t page)
{
	uint32_t s = lookup(r, page);

	if (s == NONE)
		return false;
	r->pending = NONE;
	r->refs++;
	r->hits++;
	r->f[s].ref = true;
	r->f[s].next_use = advance(r, page);
	if (r->policy == VMSH_REPLACE_LRU) {
		list_del(r, s);
		list_add_tail(r, s);
	}
	return true;
}

bool vmsh_replace_pick_victim(struct vmsh_replace *r, uint64_t *victim)
{
	if (r->nfree)
		return false;
	if (r->pending == NONE)
		r->pending = pick(r);
	*victim = r->f[r->pending].page;
	return true;
}

static void drop(struct vmsh_replace *r, uint32_t s)
{
	index_del(r, r->f[s].page);
	list_del(r, s);
	r->f[s].used = false;
	r->f[s].ref = false;
	r->free[r->nfree++] = s;
	r->nused--;
}

int vmsh_replace_on_fault(struct vmsh_replace *r, uint64_t page,
			  uint64_t *victim)
{
	int ret = VMSH_REPLACE_FAULT;
	uint32_t s;

	if (lookup(r, page) != NONE)
		abort();        /* a resident page does not fault */
	r->refs++;
	r->faults++;
	if (!r->nfree) {
		uint64_t v;

		vmsh_replace_pick_victim(r, &v);
		if (victim)
			*victim = v;
		drop(r, r->pending);
		r->evictions++;
		ret = VMSH_REPLACE_EVICT;
	}
	r->pending = NONE;
	s = r->free[--r->nfree];
	r->f[s].page = page;
	r->f[s].used = true;
	r->f[s].ref = true;
	r->f[s].next_use = advance(r, page);
	r->nused++;
	index_add(r, s);
	list_add_tail(r, s);
	return ret;
}

int vmsh_replace_ref(struct vmsh_replace *r, uint64_t page, uint64_t *victim)
{
	if (vmsh_replace_on_access(r, page))
		return VMSH_REPLACE_HIT;
	return vmsh_replace_on_fault(r, page, victim);
}

bool vmsh_replace_remove(struct vmsh_replace *r, uint64_t page)
{
	uint32_t s = lookup(r, page);

	if (s == NONE)
		return false;
	r->pending = NONE;
	drop(r, s);
	return true;
}

size_t vmsh_replace_pages(const struct vmsh_replace *r, uint64_t *out,
			  size_t max)
{
	size_t n = 0;

	for (uint32_t s = 0; s < r->nframes; s++) {
		if (!r->f[s].used)
			continue;
		if (n < max)
			out[n] = r->f[s].page;
		n++;
	}
	return n;
}

void vmsh_replace_get_stats(const struct vmsh_replace *r,
			    struct vmsh_replace_stats *st)
{
	st->policy = r->policy;
	st->frames = r->nframes;
	st->resident = r->nused;
	st->refs = r->refs;
	st->hits = r->hits;
	st->faults = r->faults;
	st->evictions = r->evictions;
}

int vmsh_replace_check(const struct vmsh_replace *r, char *buf, size_t size)
{
	int bad = 0;
	uint32_t used = 0, listed = 0, s, prev = NONE;

#define PROBLEM(...) do {                                       \
		if (!bad++ && buf && size)                      \
			snprintf(buf, size, __VA_ARGS__);       \
	} while (0)
	for (s = 0; s < r->nframes; s++) {
		if (!r->f[s].used)
			continue;
		used++;
		if (lookup(r, r->f[s].page) != s)
			PROBLEM("replace: page %#llx of frame %u not indexed",
				(unsigned long long)r->f[s].page, s);
	}
	if (used != r->nused || used + r->nfree != r->nframes)
		PROBLEM("replace: %u frames used, %u counted, %u free of %u",
			used, r->nused, r->nfree, r->nframes);
	for (uint64_t i = 0; i < r->icap; i++)
		if (r->index[i] && !r->f[r->index[i] - 1].used)
			PROBLEM("replace: index names free frame %u",
				r->index[i] - 1);
	for (s = r->head; s != NONE && listed <= r->nframes; s = r->f[s].next) {
		if (!r->f[s].used || r->f[s].prev != prev)
			PROBLEM("replace: order list broken at frame %u", s);
		prev = s;
		listed++;
	}
	if (listed != r->nused || prev != r->tail)
		PROBLEM("replace: order list holds %u of %u pages", listed,
			r->nused);
	if (r->hits + r->faults != r->refs || r->evictions > r->faults)
		PROBLEM("replace: counters disagree (refs %llu, hits %llu, faults %llu)",
			(unsigned long long)r->refs, (unsigned long long)r->hits,
			(unsigned long long)r->faults);
#undef PROBLEM
	return bad;
}
