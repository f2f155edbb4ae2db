/* SPDX-License-Identifier: MIT */
/*
 * Memory pressure (reclaim.c, vmscan.c, workingset.c): the LRU scan of
 * Linux 6.18 without MGLRU, the watermarks, kswapd and direct reclaim,
 * the workingset's shadow entries.
 */
#ifndef VMSH_SRC_ENGINE_RECLAIM_H
#define VMSH_SRC_ENGINE_RECLAIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "phys.h"

struct ptab;

struct vmsh_file;
struct vmsh_mm;
struct vmsh_sys;

#define SWAP_CLUSTER_MAX 32
#define DEF_PRIORITY     12

/* folio_is_file_lru(): not swap-backed (a disk file's page cache, or an
 * anonymous folio MADV_FREE made lazy-free). */
static inline bool folio_is_file_lru(const struct page *folio)
{
	return folio->kind == PAGE_FILE ? folio->file_lru : folio->lazyfree;
}

/* ---- vmscan.c ------------------------------------------------------------- */

enum { RECLAIM_KEEP, RECLAIM_FREED };

struct reclaim_stat {
	unsigned char *outcome;         /* per folio of the list */
	uint64_t nr_anon, nr_file;      /* pages freed */
	uint64_t nr_dirty_file;         /* dirty file folios met */
	uint64_t nr_written;            /* anon folios written to swap */
};

/* folio_referenced(): clear the accessed bit of every PTE mapping the
 * folio at @fpfn; the number of VMAs that had one, their flags in
 * *@vm_flags (VM_LOCKED alone when a locked VMA maps it). */
int folio_referenced(struct vmsh_sys *sys, uint64_t fpfn, uint64_t *vm_flags);
/* Whether a PTE of an mm other than @mm maps a page of the folio at
 * @fpfn (folio_maybe_mapped_shared of a page cache folio). */
bool folio_mapped_elsewhere(struct vmsh_sys *sys, uint64_t fpfn,
			    struct vmsh_mm *mm);
/* shrink_folio_list() of @n isolated folios (off their lists, each
 * holding a reference): the pages freed; st->outcome[k] says which. */
unsigned shrink_folio_list(struct vmsh_sys *sys, const uint64_t *list,
			   size_t n, bool ignore_references,
			   struct reclaim_stat *st);
/* Back on the lists what was kept; the isolation references go. */
void putback_folios(struct vmsh_sys *sys, const uint64_t *list, size_t n,
		    const struct reclaim_stat *st);

/* ---- reclaim.c ------------------------------------------------------------ */

/* The watermarks from --ram (setup_per_zone_wmarks of one zone). */
void setup_wmarks(struct vmsh_sys *sys);
/* Before a page fault allocates (__alloc_pages' slow path): at or below
 * the low watermark kswapd is woken (it runs at the next command
 * boundary), at or below min the task reclaims directly. */
void alloc_pressure(struct vmsh_sys *sys);
/* The same before @n pages are taken at once (a file read or write):
 * direct reclaim while free - @n <= min. */
void alloc_pressure_n(struct vmsh_sys *sys, uint64_t n);
/* kswapd, when woken, balances the node to the high watermark. */
void kswapd_run(struct vmsh_sys *sys);
/* wakeup_flusher_threads(WB_REASON_VMSCAN): every dirty disk-file page
 * is written back; folios reclaim marked go to the inactive tail. */
void wakeup_flusher(struct vmsh_sys *sys);

/* ---- workingset.c ---------------------------------------------------------- */

/* The index tables beside a page cache (struct ptab): the value at
 * @index (0: none); store a value (not 0), returning the one replaced;
 * remove, returning it.  O(1) expected. */
uint64_t ptab_get(const struct ptab *t, uint64_t index);
uint64_t ptab_put(struct ptab *t, uint64_t index, uint64_t val);
uint64_t ptab_take(struct ptab *t, uint64_t index);
/* The indexes in [@first, @last] that hold a value, ascending (*@n of
 * them; the caller frees the array): one pass over the table, however
 * wide the range. */
uint64_t *ptab_indexes(const struct ptab *t, uint64_t first, uint64_t last,
		       uint64_t *n);

/* workingset_eviction(): the shadow entry of a folio leaving memory. */
uint64_t workingset_eviction(struct vmsh_sys *sys, struct page *folio);
/* workingset_refault(): the new folio at @pfn (on its list) comes back
 * with @shadow: activated when its refault distance fits the workingset. */
void workingset_refault(struct vmsh_sys *sys, uint64_t pfn, uint64_t shadow);
/* The page cache's shadow entries of a file (kept beside its cache). */
void file_shadow_store(struct vmsh_file *f, uint64_t index, uint64_t shadow);
/* The shadow of @index, taken out of the table (0: none). */
uint64_t file_shadow_take(struct vmsh_file *f, uint64_t index);
/* Forget the shadows and saved contents at and past @index (truncate),
 * or all of them (0: the inode is gone). */
void file_shadows_truncate(struct vmsh_file *f, uint64_t index);
/* A disk file's page reclaim drops keeps its contents on the "disk"
 * (save), and a page read into the cache again gets them back (load). */
void file_backing_save(struct vmsh_sys *sys, struct vmsh_file *f,
		       uint64_t index, uint64_t pfn);
void file_backing_load(struct vmsh_sys *sys, struct vmsh_file *f,
		       uint64_t index, uint64_t pfn);

#endif /* VMSH_SRC_ENGINE_RECLAIM_H */
