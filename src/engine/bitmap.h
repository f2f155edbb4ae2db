/* SPDX-License-Identifier: MIT */
/*
 * A levelled bitmap (header only, for the floor and above): level 0 has a
 * bit per item; a bit of level k + 1 is set iff the word of level k it
 * stands for is not zero.  Setting, clearing and finding the first set bit
 * at or after a position cost O(levels) = O(log64 n) steps, so "the lowest
 * free frame" (phys.c) and "the lowest free way of a TLB set" (tlb.c) are
 * found without a scan.
 */
#ifndef VMSH_SRC_ENGINE_BITMAP_H
#define VMSH_SRC_ENGINE_BITMAP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#define LBM_MAX_LEVELS 8
#define LBM_NONE UINT64_MAX

struct lbitmap {
	uint64_t *w[LBM_MAX_LEVELS];
	uint64_t words[LBM_MAX_LEVELS];       /* words of each level */
	unsigned levels;
	uint64_t steps;                       /* words looked at (tests) */
};

/* All clear; @nbits >= 1.  Returns false when the host has no memory. */
static inline bool lbm_init(struct lbitmap *b, uint64_t nbits)
{
	uint64_t n = nbits;
	unsigned lv;

	for (lv = 0; lv == 0 || n > 1; lv++) {
		n = (n + 63) / 64;
		b->words[lv] = n;
		b->w[lv] = calloc(n, sizeof(uint64_t));
		if (!b->w[lv])
			return false;
	}
	b->levels = lv;
	return true;
}

static inline void lbm_fini(struct lbitmap *b)
{
	for (unsigned lv = 0; lv < b->levels; lv++)
		free(b->w[lv]);
	b->levels = 0;
}

static inline bool lbm_test(const struct lbitmap *b, uint64_t i)
{
	return b->w[0][i / 64] >> (i % 64) & 1;
}

/* Set (@on) or clear bit @i, up the levels as far as a word changes
 * between zero and non-zero. */
static inline void lbm_assign(struct lbitmap *b, uint64_t i, bool on)
{
	for (unsigned lv = 0; lv < b->levels; lv++, i /= 64) {
		uint64_t *w = &b->w[lv][i / 64], bit = 1ULL << (i % 64);
		bool was_zero = *w == 0;

		if (on)
			*w |= bit;
		else
			*w &= ~bit;
		if ((*w == 0) == was_zero)
			break;
	}
}

/* The first set bit at or after @i, or LBM_NONE. */
static inline uint64_t lbm_next(const struct lbitmap *b, uint64_t i)
{
	unsigned lv = 0;

	for (;;) {
		uint64_t w;

		((struct lbitmap *)b)->steps++;
		if (i / 64 >= b->words[lv])
			return LBM_NONE;
		w = b->w[lv][i / 64] & (~0ULL << (i % 64));
		if (w) {
			i = (i & ~63ULL) + (uint64_t)__builtin_ctzll(w);
			break;
		}
		if (++lv == b->levels)
			return LBM_NONE;
		i = i / 64 + 1;
	}
	while (lv-- > 0) {
		((struct lbitmap *)b)->steps++;
		i = i * 64 + (uint64_t)__builtin_ctzll(b->w[lv][i]);
	}
	return i;
}

#endif /* VMSH_SRC_ENGINE_BITMAP_H */
