/* SPDX-License-Identifier: MIT */
/*
 * The page tables' buffers (phys.h's struct table_pool): 4 KiB each,
 * handed out zeroed and taken back zeroed, carved from chunks of host
 * memory mapped for them.
 *
 * How that host memory is mapped matters on a paravirtualized host such
 * as the one vmsh is measured on: the first user-space touch of a fresh
 * 4 KiB host page costs microseconds there (6-7 us mapped populated, 14 us
 * faulted), of a 4 KiB piece of a 2 MiB huge page 0.02 us.  So:
 *  - the first chunk is small, 64 buffers mapped populated
 *    (XMAP_POPULATE): a machine of a few tables keeps its host memory
 *    small;
 *  - every later chunk is 512 buffers in one 2 MiB huge page (XMAP_HUGE):
 *    a fork copying 128 tables costs the host one fault, not 128 first
 *    touches (fork of 65536 pages, issue 13's note).  Its unused tail
 *    costs at most 2 MiB of host memory, as the frame table's last huge
 *    page does; 64 + 512 buffers hold the 515 tables of 1 GiB of
 *    mappings (the bench's memory row) without a second huge chunk.
 *
 * Invariants: every buffer on the free list is zero but for its link
 * (word 0) and lies in a chunk; the newest chunk has handed out `used` of
 * its buffers, in order, and every other chunk all of its own.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "phys.h"
#include "sys.h"

static enum xmap_how chunk_how(const struct table_chunk *c)
{
	return c->bufs == TABLE_CHUNK_HUGE ? XMAP_HUGE : XMAP_POPULATE;
}

void *table_pool_get(struct table_pool *tp)
{
	void **t = tp->free;
	struct table_chunk *c;

	if (t) {
		tp->free = *t;
		*t = NULL;
		return t;
	}
	if (!tp->nr_chunks || tp->used == tp->chunks[tp->nr_chunks - 1].bufs) {
		tp->chunks = xrealloc(tp->chunks, (tp->nr_chunks + 1) *
				      sizeof(*tp->chunks));
		c = &tp->chunks[tp->nr_chunks++];
		c->bufs = tp->nr_chunks == 1 ? TABLE_CHUNK_SMALL :
					       TABLE_CHUNK_HUGE;
		c->base = xmap_zeroed(c->bufs, PAGE_SIZE, chunk_how(c));
		tp->used = 0;
	}
	c = &tp->chunks[tp->nr_chunks - 1];
	return c->base + (size_t)tp->used++ * PAGE_SIZE;
}

void table_pool_put(struct table_pool *tp, void *t, bool zeroed)
{
	if (!zeroed)
		memset(t, 0, PAGE_SIZE);
	*(void **)t = tp->free;
	tp->free = t;
}

void table_pool_fini(struct table_pool *tp)
{
	for (size_t i = 0; i < tp->nr_chunks; i++)
		xunmap(tp->chunks[i].base, tp->chunks[i].bufs, PAGE_SIZE,
		       chunk_how(&tp->chunks[i]));
	free(tp->chunks);
	memset(tp, 0, sizeof(*tp));
}
