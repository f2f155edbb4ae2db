/* SPDX-License-Identifier: MIT */
/*
 * Physical memory (phys.c): the machine's frames, each described by a
 * struct page (Linux's mem_map), and their contents.  The folio a page
 * cache page belongs to is the page cache's to say (page_folio, file.h).
 *
 * Layering: phys.c is in the bottom floor (phys.c, pgtable.c, rbtree.c,
 * alloc.c, stat.c).  A floor file calls only floor files and the C
 * library, never a file above it; what must happen above when a frame is
 * freed (an anonymous page's anon_vma reference) is the caller's job
 * (put_page, anon_vma.h).
 */
#ifndef VMSH_SRC_ENGINE_PHYS_H
#define VMSH_SRC_ENGINE_PHYS_H

#include <stdbool.h>
#include <stdint.h>

#include "vmsh/vmsh.h"
#include "bitmap.h"

#define PAGE_SHIFT VMSH_PAGE_SHIFT
#define PAGE_SIZE  VMSH_PAGE_SIZE
#define PAGE_MASK  (~(PAGE_SIZE - 1))
#define PAGE_ALIGN(x) (((x) + PAGE_SIZE - 1) & PAGE_MASK)

struct anon_vma;
struct vmsh_file;
struct vmsh_sys;

enum page_kind {
	PAGE_FREE = 0,
	PAGE_ANON,          /* anonymous page, owned by an anon_vma */
	PAGE_FILE,          /* page-cache page of a file (also shmem) */
	PAGE_PGTABLE,       /* a page-table page: data holds 512 entries */
	PAGE_ZERO,          /* the shared zero page */
	PAGE_DEV,           /* device memory (remap_pfn_range / vm_ops->fault) */
};

/*
 * 40 bytes per frame (issue 13: 64 GiB of resident pages must fit in
 * under 1 GiB of host memory, page tables and mixed contents included).
 * Flags and small fields are bit-fields packed into five words.  Three
 * fields are narrower than a pointer or an int because the machine is
 * bounded: at most 2^24 frames (VMSH_RAM_MAX), so an LRU link is 24
 * bits, with pfn 0 -- the zero page, never on a list -- as the end
 * (LRU_NIL); at most 2^24 swap slots (SWAP_MAX_SLOTS); and the file or
 * anon_vma, which Linux's folio->mapping points to, is a 29-bit id in
 * the machine's table of mappings (page_file, page_anon: page->kind
 * says which one it is).  The contents are a fill byte plus, when the
 * page is not uniform, one allocation: a few small runs
 * (PAGE_DATA_RUNS) or a 4 KiB buffer.
 */
struct page {
	/* word 0: the index and most flags */
	uint64_t index : 53;    /* file page index, or linear page index for
				   anon (vm_pgoff + offset: below 2^52 + 2^45) */
	bool dirty : 1;         /* PG_dirty */
	bool uptodate : 1;      /* PG_uptodate (page cache; only a disk
				   file's EOF page zeroed by truncate over a
				   hole is ever cached without it) */
	bool on_disk : 1;       /* a disk file's page written back (msync):
				   its block exists though it is clean */
	bool referenced : 1;    /* PG_referenced */
	bool exclusive : 1;     /* PageAnonExclusive */
	bool readahead : 1;     /* PG_readahead: the mark of a disk file's
				   or the swap's readahead */
	bool active : 1;        /* PG_active (LRU; see mark_page_accessed) */
	bool lazyfree : 1;      /* anonymous, !PG_swapbacked: MADV_FREE'd */
	bool lazyfree_queued : 1; /* in the lru_lazyfree batch (madvise.c) */
	bool file_lru : 1;      /* page cache of a disk file: the file
				   lists (folio_is_file_lru; shmem and
				   tmpfs are swap-backed: the anon lists) */
	bool unevictable : 1;   /* PG_unevictable: on LRU_UNEVICTABLE */
	/* word 1 */
	uint64_t swap : 24;     /* PG_swapcache: the swap slot whose cache
				   this anonymous page is (folio->swap), or 0 */
	uint64_t kind : 3;      /* enum page_kind */
	uint64_t fill : 8;      /* every byte not in data's runs has this
				   value (data_kind != PAGE_DATA_BUF) */
	bool workingset : 1;    /* PG_workingset (deactivated or refaulted) */
	bool reclaim : 1;       /* PG_reclaim: rotate to the inactive tail
				   when its writeback ends */
	unsigned lru : 3;       /* enum lru_list it is on, or LRU_NONE */
	unsigned order : 4;     /* log2 of the folio's pages: a disk file's
				   readahead makes large folios; the flags
				   above of a page cache page are its
				   folio's, kept on the folio's first page */
	unsigned thp : 3;       /* PAGE_THP_*: a frame of an anonymous
				   PMD-size folio (huge_memory.c) */
	unsigned data_kind : 2; /* enum page_data: what data holds */
	bool mlocked : 1;       /* PG_mlocked: a VM_LOCKED VMA maps it */
	bool mlock_queued : 1;  /* in the mlock batch (mlock.c): a
				   reference per entry, and a new folio
				   is off the lists until it drains */
	uint64_t mapping_hi : 13; /* the mapping id's high bits */
	/* word 2 */
	int32_t refcount;
	int32_t mapcount;
	/* word 3: the neighbours (pfns) on that list, prev newer (towards
	 * the head), next older (towards the tail); LRU_NIL ends.  The
	 * unevictable list is only a count, as Linux's ("actually no such
	 * list exists"): there lru_prev is the folio's mlock_count
	 * (folio_mlock_count). */
	uint64_t lru_prev : 24;
	uint64_t lru_next : 24;
	uint64_t mapping_lo : 16; /* the mapping id's low bits */
	/* word 4 */
	union {
		uint8_t *data;  /* PAGE_PGTABLE: the 512 entries; else per
				   data_kind: NULL, the runs, the buffer */
		uint64_t data_inline; /* PAGE_DATA_INLINE: one run */
	};
};

/* page->data_kind: how the contents are kept (phys.c). */
enum page_data {
	PAGE_DATA_FILL = 0,     /* data == NULL: every byte is fill */
	PAGE_DATA_INLINE,       /* data_inline: one run of at most 6 bytes
				   over fill (no allocation at all) */
	PAGE_DATA_RUNS,         /* data: a few small runs over fill */
	PAGE_DATA_BUF,          /* data: the 4 KiB of contents */
};

/* page->thp: the 512 frames of an anonymous PMD-size folio are
 * contiguous and 2 MiB-aligned, so the head is pfn & ~511. */
#define PAGE_THP_HEAD     1     /* the folio's first frame */
#define PAGE_THP_TAIL     2     /* one of the 511 others */
#define PAGE_THP_PARTIAL  4     /* on the deferred split queue (set on
				   every frame of the folio still in use) */
#define HPAGE_PMD_NR      512

/* The per-node LRU lists of Linux without MGLRU (mm/vmscan.c,
 * include/linux/mmzone.h).  One node, one lruvec.  A list holds folios
 * (a large folio of the page cache by its first page, counted as its
 * pages); folio_add_lru puts a folio at the head, reclaim scans from the
 * tail, so the tail is the oldest. */
enum lru_list {
	LRU_INACTIVE_ANON, LRU_ACTIVE_ANON, LRU_INACTIVE_FILE,
	LRU_ACTIVE_FILE, LRU_UNEVICTABLE, NR_LRU_LISTS
};
#define LRU_NONE 7      /* page->lru is three bits */
#define LRU_NIL  0       /* pfn 0 is the zero page, never on a list */
#define LRU_PFN_BITS 24 /* an LRU link: VMSH_RAM_MAX has 2^24 frames */

struct lruvec {
	uint32_t head[NR_LRU_LISTS], tail[NR_LRU_LISTS];
	uint64_t nr_pages[NR_LRU_LISTS];
};

/* Page-table buffers (table_pool.c): 4 KiB each, carved from chunks the
 * host maps for them (the first small, the rest 2 MiB huge pages),
 * handed out and taken back all zero. */
#define TABLE_CHUNK_SMALL 64
#define TABLE_CHUNK_HUGE  512

struct table_chunk {
	uint8_t *base;
	unsigned bufs;          /* TABLE_CHUNK_SMALL or _HUGE */
};

struct table_pool {
	void *free;             /* zeroed buffers, linked through word 0 */
	struct table_chunk *chunks;     /* every chunk, unmapped by _fini */
	size_t nr_chunks;
	unsigned used;          /* buffers the newest chunk gave */
};

/* A zeroed buffer; one let go (@zeroed: all its words are zero already). */
void *table_pool_get(struct table_pool *tp);
void table_pool_put(struct table_pool *tp, void *t, bool zeroed);
void table_pool_fini(struct table_pool *tp);

/* folio->mapping, as the id a page keeps (page_mapping_id): obj[id] is
 * the file or anon_vma, obj[0] none.  An object takes an id when a page
 * first names it and gives it back when it is freed; a freed id waits
 * on a chain through obj (odd values: the next free id << 1 | 1). */
#define MAPPING_ID_BITS 29
struct mapping_table {
	void **obj;
	uint32_t nr, cap;       /* ids handed out (obj[0] included), room */
	uint32_t free;          /* the first id on the free chain, or 0 */
};

struct phys {
	uint64_t nframes;
	struct lruvec lruvec;
	struct page *pages;     /* nframes entries; pfn = index */
	uint64_t nfree;
	/* The free frames below hiwater, as a bitmap of levels (a set bit
	 * in level k + 1: word i of level k is not zero), so that the lowest
	 * free frame is found in O(levels) = O(log64 nframes) steps, and the
	 * allocation order stays "lowest free pfn first". */
	struct lbitmap freemap;
	uint64_t hiwater;       /* frames at and above it were never used:
				   loops over frames stop there */
	uint64_t zero_pfn;
	uint64_t huge_zero_pfn; /* the huge zero page's 512 frames (kept
				   once made), or 0: not made yet */
	/* Host memory of the contents (phys_host_bytes): */
	uint64_t nr_tables;     /* PAGE_PGTABLE frames (a 4 KiB buffer each) */
	uint64_t nr_bufs;       /* other frames with a 4 KiB buffer */
	uint64_t run_bytes;     /* bytes of the runs' allocations */
	/* The page tables' buffers: a table freed goes back zeroed, so a
	 * new one needs no clearing (as the kernel's page-table pages come
	 * zeroed); not frames, not counted in phys_host_bytes. */
	struct table_pool tables;
	/* Page tables freed or deposited so far: a TLB entry's remembered
	 * PTE slot is good while this has not moved (tlb.h). */
	uint64_t table_gen;
	struct mapping_table mappings;
};

/* Host memory the frames take, by what it is for (bytes; the allocator's
 * own overhead per allocation not counted). */
struct phys_host_bytes {
	uint64_t pages;         /* struct page of every frame ever used
				   (below hiwater: the rest was never touched) */
	uint64_t tables;        /* page-table frames' 4 KiB */
	uint64_t bufs;          /* contents kept as 4 KiB buffers */
	uint64_t runs;          /* contents kept as small runs */
};
void phys_host_bytes(const struct vmsh_sys *sys, struct phys_host_bytes *out);
/* The checker's look at frame @pfn (in use): its contents' form is
 * well made (the runs sorted, apart, inside the page, within the
 * limits); NULL, or what is wrong.  Adds what it costs to @sum (tables,
 * bufs, runs), for the counters' check. */
const char *phys_check_contents(const struct vmsh_sys *sys, uint64_t pfn,
				struct phys_host_bytes *sum);
/* Do the counters agree with @sum, the frames' total? */
bool phys_host_bytes_agree(const struct vmsh_sys *sys,
			   const struct phys_host_bytes *sum);

/* Build the frame pool of sys->cfg.ram bytes and the zero page (the
 * machine calls it before anything else); 0, or -ENOMEM when the host
 * cannot.  phys_fini releases it at machine teardown. */
int phys_init(struct vmsh_sys *sys);
void phys_fini(struct vmsh_sys *sys);

/* Allocate a frame (refcount 1, contents zero).  Returns the pfn, or
 * UINT64_MAX when physical memory is exhausted. */
uint64_t phys_alloc(struct vmsh_sys *sys, enum page_kind kind);
/* Allocate 512 contiguous, 512-aligned frames (an order-9 folio, each
 * frame refcount 1, contents zero), the lowest such block first.  Returns
 * the first pfn, or UINT64_MAX when no such block is free (the buddy
 * allocator's failure to find an order-9 page: fragmentation or
 * exhaustion). */
uint64_t phys_alloc_huge(struct vmsh_sys *sys, enum page_kind kind);
/* phys_get(sys, pfn): take a reference (sys.h, inline).
 * phys_put(sys, pfn): drop a reference (sys.h, inline); the frame is
 * freed (contents released) at zero, by phys_put_last.  A frame still
 * holding an anon_vma reference (page_anon) is freed by put_page()
 * instead: phys_put aborts on it. */
void phys_put_last(struct vmsh_sys *sys, uint64_t pfn);
/* phys_put of a page-table frame whose 512 entries are all zero (its
 * buffer is kept for the next table without looking at it again). */
void phys_put_zeroed_table(struct vmsh_sys *sys, uint64_t pfn);
/* The struct page of @pfn (aborts past the last frame): sys.h, inline. */
/* Byte access to a frame's contents (sparse: materialises on mixed write). */
uint8_t phys_read_byte(const struct vmsh_sys *sys, uint64_t pfn, unsigned off);
void phys_read(const struct vmsh_sys *sys, uint64_t pfn, unsigned off,
	       uint8_t *buf, unsigned len);
void phys_write(struct vmsh_sys *sys, uint64_t pfn, unsigned off,
		const uint8_t *buf, uint8_t fill, unsigned len);
void phys_copy(struct vmsh_sys *sys, uint64_t dst, uint64_t src);
void phys_zero(struct vmsh_sys *sys, uint64_t pfn);

/* mark_page_accessed(): lru_batch.c (memory.h). */
/* folio_evictable(): not mlocked (no unevictable mapping is modelled) */
static inline bool folio_evictable(const struct page *folio)
{
	return !folio->mlocked;
}
/* The lru_add move of mm/swap.c (folio_add_lru, folio_putback_lru, as a
 * batch drains: vmsh has no lru_add batch): an mlocked folio goes to the
 * unevictable list with PG_active cleared (unevictable_pgs_culled), one
 * no longer mlocked leaves it (unevictable_pgs_rescued). */
void folio_putback_lru(struct vmsh_sys *sys, uint64_t pfn);
/* folio->mlock_count: the locked VMAs counted while the folio is on the
 * unevictable list (kept in lru_prev, which that list does not use).
 * It stops at its 24 bits' largest value: Linux's count is a hint too
 * (mlock.c), and 2^24 locked mappings of one folio outgrow any script. */
#define MLOCK_COUNT_MAX ((1U << LRU_PFN_BITS) - 1)
static inline uint32_t folio_mlock_count(const struct page *folio)
{
	return (uint32_t)folio->lru_prev;
}
static inline void folio_set_mlock_count(struct page *folio, uint32_t n)
{
	folio->lru_prev = n < MLOCK_COUNT_MAX ? n : MLOCK_COUNT_MAX;
}

/* PG_readahead is PG_reclaim's bit in Linux (enum pageflags): a folio
 * reclaim marked for rotation reads as marked for readahead (fault-around
 * skips it, a fault or read on it moves the readahead window), and
 * clearing the readahead mark clears PG_reclaim too.  vmsh keeps the two
 * names apart, each set by its own path, and tests them as one bit. */
static inline bool folio_test_readahead(const struct page *folio)
{
	return folio->readahead || folio->reclaim;
}
static inline void folio_clear_readahead(struct page *folio)
{
	folio->readahead = false;
	folio->reclaim = false;
}

/* ---- the LRU lists (O(1) each) ------------------------------------------ */

/* The list a folio belongs on by its flags (folio_lru_list). */
enum lru_list folio_lru_list(const struct page *folio);
static inline bool is_active_lru(enum lru_list l)
{
	return l == LRU_ACTIVE_ANON || l == LRU_ACTIVE_FILE;
}
static inline bool is_file_lru(enum lru_list l)
{
	return l == LRU_INACTIVE_FILE || l == LRU_ACTIVE_FILE;
}
/* lruvec_add_folio (head) / lruvec_add_folio_tail: @pfn, a folio's first
 * page not on a list, goes on folio_lru_list(); lruvec_del_folio takes
 * it off (nothing when it is on none). */
void lru_add(struct vmsh_sys *sys, uint64_t pfn);
void lru_add_tail(struct vmsh_sys *sys, uint64_t pfn);
void lru_del(struct vmsh_sys *sys, uint64_t pfn);
/* After a flag change: a folio on a list that is not the one its flags
 * name moves to the head of that one. */
void lru_update(struct vmsh_sys *sys, uint64_t pfn);
/* The pfn of a page (its index in the frame array). */
uint64_t page_to_pfn(const struct vmsh_sys *sys, const struct page *pg);

static inline uint64_t folio_nr_pages(const struct page *pg)
{
	return 1ULL << pg->order;
}
/* The pages an LRU entry stands for: an anonymous THP is one entry of
 * 512 pages (its head; its tails are on no list) until it is split,
 * else folio_nr_pages. */
static inline uint64_t lru_nr_pages(const struct page *pg)
{
	return (pg->thp & PAGE_THP_HEAD) ? HPAGE_PMD_NR : folio_nr_pages(pg);
}
/* An anonymous THP keeps its 512 frames until it is split or its last
 * frame's last reference goes (a frame whose own references are gone is
 * "held": refcount 0, still the folio's, as Linux frees a folio whole);
 * the frames still referenced are counted on the first tail (its LRU
 * links are free: tails are on no list). */
static inline uint32_t thp_live(const struct page *head)
{
	return (uint32_t)head[1].lru_prev;
}
static inline void thp_set_live(struct page *head, uint32_t n)
{
	head[1].lru_prev = n;
}/* The id of the file or anon_vma the page names (0: none), and that
 * object: anon_vma.h and file.h give it its type (page_anon, page_file). */
static inline uint32_t page_mapping_id(const struct page *p)
{
	return (uint32_t)(p->mapping_hi << 16 | p->mapping_lo);
}
static inline void *phys_mapping(const struct phys *ph, const struct page *p)
{
	return ph->mappings.obj[page_mapping_id(p)];
}
/* The page names @obj (NULL: none), whose id is *@id (0: it has none
 * yet, and takes the next free one). */
void page_set_mapping(struct phys *ph, struct page *p, void *obj,
		      uint32_t *id);
/* @obj is freed: its id (*@id, 0: none) goes back to the table. */
void mapping_id_put(struct phys *ph, uint32_t *id);
/* The object holding @id, or NULL when no live object does (the
 * checker's look). */
const void *mapping_id_obj(const struct phys *ph, uint32_t id);
/* Is the page all zeroes (the zeromap's and the split's test)? */
bool phys_zero_filled(const struct vmsh_sys *sys, uint64_t pfn);
/* __split_folio_to_order's LRU side: @head, an anonymous THP's head on
 * a list (512 pages), now counts one page; then lru_add_split puts
 * each former tail next to it (newer side, lru_add_split_folio's
 * list_add_tail), on the list its flags name. */
void lru_split_head(struct vmsh_sys *sys, uint64_t head);
void lru_add_split(struct vmsh_sys *sys, uint64_t head, uint64_t pfn);
static inline uint64_t folio_first_index(const struct page *pg)
{
	return pg->index & ~(folio_nr_pages(pg) - 1);
}

#endif /* VMSH_SRC_ENGINE_PHYS_H */
