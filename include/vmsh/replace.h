/* SPDX-License-Identifier: MIT */
/*
 * Classic page-replacement policies (src/engine/replace.c), the textbook
 * exercise `--replace=fifo|lru|clock|opt|random --user-frames N` runs
 * instead of Linux's reclaim, usable on their own too (trace-replay):
 * a policy keeps at most N pages (any 64-bit page numbers) resident and
 * is told every reference.
 *
 *   r = vmsh_replace_new(VMSH_REPLACE_LRU, 3, 0);
 *   for each page p referenced:
 *       switch (vmsh_replace_ref(r, p, &victim)) {
 *       case VMSH_REPLACE_HIT:   p was resident
 *       case VMSH_REPLACE_FAULT: p took a free frame
 *       case VMSH_REPLACE_EVICT: p took the frame of victim, which left
 *       }
 *
 * The policies, on a fault with every frame in use:
 *   fifo    evicts the page loaded first
 *   lru     evicts the page referenced least recently
 *   clock   second chance: the hand walks the frames in order, clearing
 *           each set reference bit, and evicts the first page whose bit
 *           is clear; a page's bit is set when it is loaded and on each
 *           hit; the new page takes the victim's frame and the hand
 *           moves past it
 *   opt     (Belady's MIN) evicts the page whose next reference is the
 *           farthest in the future, a page never referenced again first;
 *           ties go to the page loaded first.  The future is the array
 *           given to vmsh_replace_set_future; a reference that is not
 *           the next one expected is looked up further on (the cursor
 *           moves there), and one not found has no next reference
 *   random  evicts a frame chosen by a xorshift64* generator seeded
 *           with the seed given (0: the fixed seed 1): deterministic
 *
 * Ownership: the caller owns the struct from vmsh_replace_new until
 * vmsh_replace_free; vmsh_replace_set_future copies the array.
 */
#ifndef VMSH_VMSH_REPLACE_H
#define VMSH_VMSH_REPLACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vmsh_replace_policy {
	VMSH_REPLACE_OFF = 0,       /* Linux's reclaim (no policy) */
	VMSH_REPLACE_FIFO,
	VMSH_REPLACE_LRU,
	VMSH_REPLACE_CLOCK,
	VMSH_REPLACE_OPT,
	VMSH_REPLACE_RANDOM,
};

enum {
	VMSH_REPLACE_HIT = 0,
	VMSH_REPLACE_FAULT = 1,
	VMSH_REPLACE_EVICT = 2,
};

/* At most this many frames (--user-frames). */
#define VMSH_REPLACE_MAX_FRAMES (1u << 20)

struct vmsh_replace;

struct vmsh_replace_stats {
	enum vmsh_replace_policy policy;
	uint64_t frames;            /* N */
	uint64_t resident;          /* pages resident now (<= frames) */
	uint64_t refs;              /* references told (hits + faults) */
	uint64_t hits;
	uint64_t faults;            /* references to a page not resident */
	uint64_t evictions;         /* faults that evicted a page */
};

/* The policy's name ("fifo" ...; "off"), and the policy of a name (-1:
 * none of fifo, lru, clock, opt, random). */
const char *vmsh_replace_name(enum vmsh_replace_policy policy);
int vmsh_replace_policy_parse(const char *name);

/* A policy over @frames frames (1 .. VMSH_REPLACE_MAX_FRAMES), nothing
 * resident; NULL for VMSH_REPLACE_OFF or a count out of range. */
struct vmsh_replace *vmsh_replace_new(enum vmsh_replace_policy policy,
				      uint64_t frames, uint64_t seed);
void vmsh_replace_free(struct vmsh_replace *r);

/* The references to come, in order (OPT's knowledge; the other policies
 * keep it and ignore it).  The cursor goes back to the start. */
void vmsh_replace_set_future(struct vmsh_replace *r, const uint64_t *pages,
			     size_t n);
/* Whether OPT was given a future (an empty one counts). */
bool vmsh_replace_has_future(const struct vmsh_replace *r);

/* One reference to @page: VMSH_REPLACE_HIT, VMSH_REPLACE_FAULT (a free
 * frame), or VMSH_REPLACE_EVICT with *victim the page that left. */
int vmsh_replace_ref(struct vmsh_replace *r, uint64_t page, uint64_t *victim);

/* The same in steps, for a caller that must evict before it loads:
 * on_access is a hit's bookkeeping (false: @page is not resident);
 * pick_victim names the page a fault would evict now (false: a frame is
 * free), and on_fault loads @page, evicting that victim when no frame
 * is free.  vmsh_replace_ref is on_access, else on_fault. */
bool vmsh_replace_on_access(struct vmsh_replace *r, uint64_t page);
bool vmsh_replace_pick_victim(struct vmsh_replace *r, uint64_t *victim);
int vmsh_replace_on_fault(struct vmsh_replace *r, uint64_t page,
			  uint64_t *victim);

bool vmsh_replace_resident(const struct vmsh_replace *r, uint64_t page);
/* @page left memory another way (munmap, exit): its frame is free; no
 * counter moves.  False when it was not resident. */
bool vmsh_replace_remove(struct vmsh_replace *r, uint64_t page);
/* The resident pages, frame by frame (empty frames skipped), at most
 * @max into @out; returns how many are resident. */
size_t vmsh_replace_pages(const struct vmsh_replace *r, uint64_t *out,
			  size_t max);
void vmsh_replace_get_stats(const struct vmsh_replace *r,
			    struct vmsh_replace_stats *st);
/* The policy's own invariants (every resident page in the index once,
 * the order list and the counters agreeing): 0, or the number of
 * problems, the first described in @buf. */
int vmsh_replace_check(const struct vmsh_replace *r, char *buf, size_t size);

/* ---- the machine's policy (--replace, --user-frames) ---------------- */

struct vmsh_sys;

/* The policy the machine runs (vmsh_config.replace), or NULL when off. */
const struct vmsh_replace *vmsh_sys_replace(const struct vmsh_sys *sys);
/* OPT's future for the machine: the virtual page numbers (address >> 12)
 * pid 1's address space will access, in order (the shell's pre-scan of
 * a script).  0, or -EINVAL when the machine runs no policy. */
int vmsh_sys_replace_future(struct vmsh_sys *sys, const uint64_t *vpns,
			    size_t n);

#endif /* VMSH_VMSH_REPLACE_H */
