/* SPDX-License-Identifier: MIT */
/*
 * Simulated files and their page cache (the tmpfs/shmem side of
 * mm/shmem.c, mm/filemap.c and mm/truncate.c).
 *
 * A file is a named inode with an i_size and a page cache: a hash of page
 * index -> frame.  Files behave as tmpfs files (what --host uses): the page
 * cache *is* the file, nothing is written back, shared mappings have no
 * write-notify.  A "disk" file is write-notified instead (page_mkwrite) and
 * msync cleans its dirty pages.
 *
 * Numbering (deterministic, documented in the man page):
 *  - regular files: path "/dev/shm/NAME", dev 00:1a (the /dev/shm tmpfs of
 *    our build machines; disk files fe:00, the disk holding /var/tmp where
 *    --host puts them), inodes 2, 3, ... in creation order (1 is the
 *    tmpfs root), as a fresh tmpfs numbers them;
 *  - shmem files of shared anonymous memory: "/dev/zero (deleted)",
 *    dev 00:01 (shm_mnt), inodes 1, 2, ... in creation order;
 *  - device nodes (dev.c): dev 00:06 (devtmpfs), /dev/zero is inode 4.
 *
 * Invariants:
 *  - every cached frame is PAGE_FILE (PAGE_DEV for a device's memory) with
 *    page->file == the file and page->index == its index, and holds
 *    exactly one reference owned by the cache; it is uptodate, but for a
 *    disk file's end-of-file page that ext4's zeroing (truncate, a write
 *    past EOF) left over a hole (order 0, clean, unmapped: the next read
 *    of it makes it uptodate);
 *  - a disk file's readahead makes large folios: 2^order pages at a
 *    naturally aligned index, each with the folio's order, the folio's
 *    flags on its first page (page_folio()); a folio is dropped or split
 *    whole, never a page of it alone;
 *  - no page is cached at an index >= DIV_ROUND_UP(i_size, 4096) (truncate
 *    removes them and unmaps them from every mapping first); bytes of the
 *    last page past i_size are zero;
 *  - an inode's refcount = its open files + 1 while it has a name (device
 *    nodes: + 1 for the node); an open file's refcount = the VMAs using it
 *    as vm_file, and inode->nvmas sums them; at zero an inode and its
 *    cache are freed.  A shmem inode is used as vm_file directly (its
 *    refcount = its VMAs).  A removed file still mapped is "deleted": no
 *    name, path "/dev/shm/NAME (deleted)".
 *  - sys->files is sorted by name (the order of `file ls`).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "file.h"
#include "memory.h"
#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "sys.h"
#include "vm_flags.h"
#include "vma.h"

#define FILE_MAX_SIZE  0x7fffffffffffffffULL    /* MAX_LFS_FILESIZE */
#define FILE_NAME_MAX  255
#define SHM_PREFIX     "/dev/shm/"
#define SLOT_EMPTY     UINT64_MAX

/* ---- the page-cache hash (open addressing, linear probing) ------------- */

static uint64_t slot_hash(uint64_t index, uint64_t cap)
{
	index ^= index >> 31;
	index *= 0x9e3779b97f4a7c15ULL;
	index ^= index >> 29;
	return index & (cap - 1);
}

uint64_t file_cache_lookup(const struct vmsh_file *f, uint64_t index)
{
	uint64_t i;

	if (!f->cache_cap)
		return UINT64_MAX;
	for (i = slot_hash(index, f->cache_cap);; i = (i + 1) & (f->cache_cap - 1)) {
		if (f->cache[i].index == SLOT_EMPTY)
			return UINT64_MAX;
		if (f->cache[i].index == index)
			return f->cache[i].pfn;
	}
}

static void cache_insert_slot(struct pcache_slot *tab, uint64_t cap,
			      uint64_t index, uint64_t pfn)
{
	uint64_t i = slot_hash(index, cap);

	while (tab[i].index != SLOT_EMPTY)
		i = (i + 1) & (cap - 1);
	tab[i].index = index;
	tab[i].pfn = pfn;
}

static void cache_insert(struct vmsh_file *f, uint64_t index, uint64_t pfn)
{
	if ((f->cache_nr + 1) * 2 > f->cache_cap) {
		uint64_t cap = f->cache_cap ? f->cache_cap * 2 : 16;
		struct pcache_slot *tab = xmalloc(cap * sizeof(*tab));
		uint64_t i;

		for (i = 0; i < cap; i++)
			tab[i].index = SLOT_EMPTY;
		for (i = 0; i < f->cache_cap; i++)
			if (f->cache[i].index != SLOT_EMPTY)
				cache_insert_slot(tab, cap, f->cache[i].index,
						  f->cache[i].pfn);
		free(f->cache);
		f->cache = tab;
		f->cache_cap = cap;
	}
	cache_insert_slot(f->cache, f->cache_cap, index, pfn);
	f->cache_nr++;
}

/* Remove @index (present) with backward-shift deletion. */
static void cache_remove(struct vmsh_file *f, uint64_t index)
{
	uint64_t mask = f->cache_cap - 1, i, j;

	for (i = slot_hash(index, f->cache_cap); f->cache[i].index != index;
	     i = (i + 1) & mask)
		;
	for (j = (i + 1) & mask; f->cache[j].index != SLOT_EMPTY; j = (j + 1) & mask) {
		uint64_t h = slot_hash(f->cache[j].index, f->cache_cap);

		/* move j into the hole at i unless its home lies in (i, j] */
		if (((j - h) & mask) >= ((j - i) & mask)) {
			f->cache[i] = f->cache[j];
			i = j;
		}
	}
	f->cache[i].index = SLOT_EMPTY;
	f->cache_nr--;
}

void file_for_each_page(const struct vmsh_file *f,
			void (*fn)(void *ctx, uint64_t index, uint64_t pfn),
			void *ctx)
{
	uint64_t i;

	for (i = 0; i < f->cache_cap; i++)
		if (f->cache[i].index != SLOT_EMPTY)
			fn(ctx, f->cache[i].index, f->cache[i].pfn);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Indexes of the cached pages, sorted (callers free the array). */
static uint64_t *cache_indexes(const struct vmsh_file *f, uint64_t *n)
{
	uint64_t *v = xmalloc((f->cache_nr + 1) * sizeof(*v)), i, k = 0;

	for (i = 0; i < f->cache_cap; i++)
		if (f->cache[i].index != SLOT_EMPTY)
			v[k++] = f->cache[i].index;
	qsort(v, k, sizeof(*v), cmp_u64);
	*n = k;
	return v;
}

/* ---- pages ---------------------------------------------------------------- */

/* A new order-0 page at @index of @f's cache, the allocation's reference
 * being the cache's; UINT64_MAX without a free frame. */
static uint64_t cache_new_page(struct vmsh_sys *sys, struct vmsh_file *f,
			       uint64_t index, bool uptodate)
{
	uint64_t pfn = phys_alloc(sys, f->device ? PAGE_DEV : PAGE_FILE);
	struct page *pg;

	if (pfn == UINT64_MAX)
		return pfn;
	pg = phys_page(sys, pfn);
	pg->file = f;
	pg->index = index;
	pg->uptodate = uptodate;
	cache_insert(f, index, pfn);
	return pfn;
}

int filemap_get_page(struct vmsh_sys *sys, struct vmsh_file *f, uint64_t index,
		     bool create, uint64_t *pfn)
{
	uint64_t p = file_cache_lookup(f, index);
	struct page *pg;

	if (p == UINT64_MAX) {
		if (!create)
			return -ENOENT;
		p = cache_new_page(sys, f, index, true);
		if (p == UINT64_MAX)
			return -ENOMEM;
	} else if (create && !(pg = phys_page(sys, p))->uptodate) {
		/* filemap_read_folio of a hole: zeroes, now uptodate */
		trace(sys, "filemap_read_folio %s index=%#lx", f->path, index);
		pg->uptodate = true;
	}
	phys_get(sys, p);
	*pfn = p;
	return 0;
}

/* Drop page @index from the cache (its mappings must be gone). */
static void cache_drop_page(struct vmsh_sys *sys, struct vmsh_file *f,
			    uint64_t index)
{
	uint64_t pfn = file_cache_lookup(f, index);
	struct page *pg = phys_page(sys, pfn);

	cache_remove(f, index);
	pg->file = NULL;
	pg->dirty = false;
	phys_put(sys, pfn);
}

/* ---- files ---------------------------------------------------------------- */

static void file_free(struct vmsh_sys *sys, struct vmsh_file *f)
{
	uint64_t i;

	for (i = 0; i < f->cache_cap; i++) {
		if (f->cache[i].index != SLOT_EMPTY) {
			struct page *pg = phys_page(sys, f->cache[i].pfn);

			pg->file = NULL;
			pg->dirty = false;
			phys_put(sys, f->cache[i].pfn);
		}
	}
	free(f->cache);
	free(f->name);
	free(f->path);
	free(f);
}

/* An open file of @inode (refcount 1, holding a reference on @inode). */
struct vmsh_file *file_open(struct vmsh_sys *sys, struct vmsh_file *inode)
{
	struct vmsh_file *f = xmalloc(sizeof(*f));

	(void)sys;
	*f = *inode;
	f->cache = NULL;
	f->cache_cap = 0;
	f->cache_nr = 0;
	f->next = NULL;
	f->inode = inode;
	f->nvmas = 0;
	f->refcount = 1;
	inode->nvmas++;
	file_get(inode);
	return f;
}

void file_get(struct vmsh_file *f)
{
	f->refcount++;
	if (f->inode)
		f->inode->nvmas++;
}

/*
 * After a truncate to 0 (EXT4_STATE_DA_ALLOC_CLOSE), the next close of
 * any open file of the inode with delayed-allocation pages pending (dirty
 * pages never written back) flushes every dirty page: ext4's auto_da_alloc
 * (ext4_alloc_da_blocks -> filemap_flush).  Probe (6.18, ext4, through
 * --host): truncate to 0, a write, a close, and the written page is clean.
 */
void file_release(struct vmsh_sys *sys, struct vmsh_file *inode)
{
	uint64_t *idx, n, i;
	bool pending = false;

	if (!inode->da_alloc_close)
		return;
	inode->da_alloc_close = false;
	idx = cache_indexes(inode, &n);
	for (i = 0; i < n; i++) {
		struct page *folio = page_folio(sys, phys_page(sys,
					file_cache_lookup(inode, idx[i])));

		if (folio->dirty && !folio->on_disk)
			pending = true;
	}
	if (pending) {
		trace(sys, "ext4_alloc_da_blocks %s: filemap_flush", inode->path);
		for (i = 0; i < n; i++)
			file_writeback_folio(sys, inode, idx[i]);
	}
	free(idx);
}

void file_put(struct vmsh_sys *sys, struct vmsh_file *f)
{
	struct vmsh_file *inode = f->inode;

	if (inode)
		inode->nvmas--;
	if (--f->refcount)
		return;
	if (inode) {
		free(f);                /* name and path are the inode's */
		file_release(sys, inode);
		file_put(sys, inode);
	} else {
		file_free(sys, f);
	}
}

int file_mapcount(const struct vmsh_file *f)
{
	f = f->inode ? f->inode : f;
	return f->shmem ? f->refcount : f->nvmas;
}

static struct vmsh_file *file_lookup(const struct vmsh_sys *sys,
				     const char *name)
{
	struct vmsh_file *f;

	for (f = sys->files; f; f = f->next)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

struct vmsh_file *file_find(struct vmsh_sys *sys, const char *name)
{
	struct vmsh_file *f = file_lookup(sys, name);

	if (f)
		return f;
	return dev_find(sys, name);
}

static int check_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return -EINVAL;
	if (n > FILE_NAME_MAX)
		return -ENAMETOOLONG;
	return 0;
}

int vmsh_file_create(struct vmsh_sys *sys, const char *name, uint64_t size,
		     bool disk)
{
	struct vmsh_file *f, **pp;
	char *path;
	int err;

	if (!name)
		return -EINVAL;
	err = check_name(name);
	if (err)
		return err;
	if (file_lookup(sys, name))
		return -EEXIST;
	if (size > FILE_MAX_SIZE)
		return -EFBIG;

	f = xcalloc(1, sizeof(*f));
	f->name = xstrdup(name);
	/* room for " (deleted)": open files share this buffer */
	path = xmalloc(strlen(SHM_PREFIX) + strlen(name) + sizeof(" (deleted)"));
	strcpy(path, SHM_PREFIX);
	strcat(path, name);
	f->path = path;
	f->size = size;
	f->disk = disk;
	/* tmpfs: /dev/shm's 00:1a; disk: the build machines' /var/tmp
	 * (ext4 on virtio disk fe:00), where --host keeps disk files */
	f->dev_major = disk ? 0xfe : 0;
	f->dev_minor = disk ? 0 : 0x1a;
	if (sys->next_ino < 2)
		sys->next_ino = 2;
	f->ino = sys->next_ino++;
	f->refcount = 1;                        /* the directory entry */
	for (pp = &sys->files; *pp && strcmp((*pp)->name, name) < 0; pp = &(*pp)->next)
		;
	f->next = *pp;
	*pp = f;
	trace(sys, "file_create %s size=%#lx ino=%lu%s", f->path, size, f->ino,
	      disk ? " disk" : "");
	return 0;
}

struct vmsh_file *shmem_file_new(struct vmsh_sys *sys, uint64_t size)
{
	struct vmsh_file *f = xcalloc(1, sizeof(*f));

	f->name = xstrdup("dev/zero");
	f->path = xstrdup("/dev/zero (deleted)");
	f->size = size;
	f->shmem = true;
	f->deleted = true;
	f->dev_major = 0;
	f->dev_minor = 1;
	f->ino = ++sys->next_shmem_ino;
	f->refcount = 1;
	return f;
}

/* Copy @len bytes of @buf (NULL: zeroes) into the file at @off: the pages
 * touched enter the cache, dirty.  Frames were counted by the caller. */
static void file_copy_in(struct vmsh_sys *sys, struct vmsh_file *f,
			 uint64_t off, const uint8_t *buf, uint64_t len)
{
	while (len) {
		uint64_t index = off >> PAGE_SHIFT, pfn;
		unsigned in = off & (PAGE_SIZE - 1);
		unsigned n = PAGE_SIZE - in < len ? PAGE_SIZE - in : len;
		bool fresh = file_cache_lookup(f, index) == UINT64_MAX;
		struct page *folio;

		if (filemap_get_page(sys, f, index, true, &pfn))
			abort();        /* frames were reserved */
		phys_write(sys, pfn, in, buf, 0, n);
		folio = page_folio(sys, phys_page(sys, pfn));
		folio->dirty = true;
		/* shmem_get_folio(SGP_WRITE): a new folio is referenced, an
		 * old one marked accessed (ext4's write marks nothing).
		 * Probe (6.18, kpageflags): one write RD, a second AD. */
		if (!f->disk) {
			if (fresh)
				folio->referenced = true;
			else
				mark_page_accessed(folio, false);
		}
		phys_put(sys, pfn);
		if (buf)
			buf += n;
		off += n;
		len -= n;
	}
}

/* Pages of [off, off + len) not yet cached. */
static uint64_t uncached_pages(const struct vmsh_file *f, uint64_t off,
			       uint64_t len)
{
	uint64_t first = off >> PAGE_SHIFT, last = (off + len - 1) >> PAGE_SHIFT;
	uint64_t n = 0, i;

	if (!len)
		return 0;
	for (i = first; i <= last; i++)
		if (file_cache_lookup(f, i) == UINT64_MAX)
			n++;
	return n;
}

static void ext4_zero_gap(struct vmsh_sys *sys, struct vmsh_file *f,
			  uint64_t old, uint64_t pos);

int vmsh_file_write(struct vmsh_sys *sys, const char *name, uint64_t off,
		    const uint8_t *buf, uint64_t len)
{
	struct vmsh_file *f = file_lookup(sys, name);

	if (!f)
		return -ENOENT;
	if (off > FILE_MAX_SIZE || len > FILE_MAX_SIZE - off)
		return -EFBIG;
	if (!len)
		return 0;
	if (len > sys->cfg.ram ||
	    uncached_pages(f, off, len) > sys->phys.nfree)
		return -ENOSPC;
	trace(sys, "shmem_file_write %s off=%#lx len=%#lx", f->path, off, len);
	if (f->disk && off > f->size)
		ext4_zero_gap(sys, f, f->size, off);
	file_copy_in(sys, f, off, buf, len);
	if (off + len > f->size)
		f->size = off + len;
	file_release(sys, f);   /* the write's open file is closed */
	return 0;
}

/* ---- readahead of disk files (mm/readahead.c) ------------------------------
 *
 * tmpfs has none.  A disk file reads ahead as ext4 does on our build
 * machines (6.18): read_ahead_kb 8192 (2048 pages); the PG_readahead mark
 * on the folio at start + size - async_size (rounded down to the folio);
 * and large folios: each async readahead raises the window's folio order
 * by 2 (ra->order, at most 9 and log2 of the window), so pages come in
 * naturally aligned folios that fault-around skips or maps whole.  Sync
 * readahead and mmap read-around use order 0.  Probes (/proc/kpageflags
 * heads and tails, mincore, pagemap): a 200-page file read at pages 0
 * and 1, then touched in order, holds 0-3 order 0, then folios of 4
 * pages at 4, 8, 12, 16 and 20, of 8 at 24, of 16 at 32, 48, 64 and 80.
 * Frames running out end a readahead early.
 */
#define MMAP_LOTSAMISS  100
#define FOLIO_BATCH     31      /* PAGEVEC_SIZE: folios of one read batch */
#define MAX_PAGECACHE_ORDER 9   /* PMD order */

static unsigned ilog2_u64(uint64_t v)
{
	unsigned n = 0;

	while (v >>= 1)
		n++;
	return n;
}

static unsigned lowest_bit(uint64_t v)
{
	unsigned n = 0;

	while (!(v & 1)) {
		v >>= 1;
		n++;
	}
	return n;
}

/* ra_alloc_folio + filemap_add_folio: 2^@order new pages at @index (the
 * allocation's reference is the cache's), marked when the folio holds
 * @mark.  -EEXIST when a page of the range is cached, -ENOMEM when the
 * frames run out. */
static int ra_alloc_folio(struct vmsh_sys *sys, struct vmsh_file *f,
			  uint64_t index, uint64_t mark, unsigned order)
{
	uint64_t n = 1ULL << order, i, pfn, head = UINT64_MAX;

	for (i = 0; i < n; i++)
		if (file_cache_lookup(f, index + i) != UINT64_MAX)
			return -EEXIST;
	if (n > sys->phys.nfree)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		pfn = cache_new_page(sys, f, index + i, true);
		if (!i)
			head = pfn;
		phys_page(sys, pfn)->order = (uint8_t)order;
		phys_page(sys, pfn)->head = head;
	}
	if (index == (mark & ~(n - 1)))
		phys_page(sys, head)->readahead = true;
	return 0;
}

/* page_cache_ra_unbounded via do_page_cache_ra: order-0 pages for the
 * missing ones of @nr from @index (clipped to EOF), the one at @nr -
 * @lookahead marked.  Returns the pages added. */
static uint64_t do_page_cache_ra(struct vmsh_sys *sys, struct vmsh_file *f,
				 uint64_t index, uint64_t nr, uint64_t lookahead)
{
	uint64_t i, n = 0, mark;

	if (!f->size || index >= file_pages(f))
		return 0;
	if (nr > file_pages(f) - index)
		nr = file_pages(f) - index;
	/* the mark counts from the clipped length (page_cache_ra_unbounded) */
	mark = lookahead <= nr ? nr - lookahead : UINT64_MAX;
	for (i = 0; i < nr; i++) {
		if (file_cache_lookup(f, index + i) != UINT64_MAX)
			continue;
		if (ra_alloc_folio(sys, f, index + i, i == mark ? index + i :
				   UINT64_MAX, 0))
			break;
		n++;
	}
	return n;
}

/* page_cache_ra_order: read the window @ra in folios of at most ra->order
 * (naturally aligned, none past EOF or the window); a cached page in the
 * way ends the large folios and the order-0 path reads the rest. */
static void ra_read(struct vmsh_sys *sys, struct vmsh_file *f,
		    struct file_ra_state *ra)
{
	uint64_t start = ra->start, index = start, n = 0, limit;
	uint64_t mark = start + ra->size - ra->async_size;
	unsigned new_order = ra->order;
	int err = 0;

	if (!f->size || !ra->size)
		return;
	limit = file_pages(f) - 1;
	if (limit > start + ra->size - 1)
		limit = start + ra->size - 1;
	if (new_order > MAX_PAGECACHE_ORDER)
		new_order = MAX_PAGECACHE_ORDER;
	if (new_order > ilog2_u64(ra->size))
		new_order = ilog2_u64(ra->size);
	ra->order = new_order;
	while (index <= limit) {
		unsigned order = new_order;

		if (index & ((1ULL << order) - 1))
			order = lowest_bit(index);
		while (order > 0 && index + (1ULL << order) - 1 > limit)
			order--;
		err = ra_alloc_folio(sys, f, index, mark, order);
		if (err)
			break;
		n += 1ULL << order;
		index += 1ULL << order;
	}
	if (err && ra->size > index - start)
		n += do_page_cache_ra(sys, f, index, ra->size - (index - start),
				      ra->async_size);
	trace(sys, "page_cache_ra_order %s start=%#lx size=%#lx async=%#lx "
	      "order=%u read=%lu", f->path, start, ra->size, ra->async_size,
	      new_order, n);
}

static uint64_t next_ra_size(uint64_t cur)
{
	if (cur < RA_PAGES / 16)
		return 4 * cur;
	if (cur <= RA_PAGES / 2)
		return 2 * cur;
	return RA_PAGES;
}

static uint64_t init_ra_size(uint64_t req)
{
	uint64_t n = 1;

	while (n < req)
		n <<= 1;
	if (n <= RA_PAGES / 32)
		return n * 4;
	if (n <= RA_PAGES / 4)
		return n * 2;
	return RA_PAGES;
}

/* page_cache_async_ra: a reader at @index met the marked @folio.  The
 * window moves on (the expected index) or restarts after the cached run;
 * its folio order grows by 2 and its end is aligned to the new order. */
void file_async_ra(struct vmsh_sys *sys, struct vmsh_file *f,
		   struct file_ra_state *ra, struct page *folio,
		   uint64_t index, uint64_t req)
{
	uint64_t expected, start, end, aligned_end, align;

	folio->readahead = false;
	expected = (ra->start + ra->size - ra->async_size) &
		   ~(folio_nr_pages(folio) - 1);
	if (index == expected) {
		uint64_t next = next_ra_size(ra->size);

		ra->start += ra->size;
		if (next > ra->size)
			ra->size = next;
	} else {
		/* a marked folio without valid readahead state */
		for (start = index + 1; start <= index + RA_PAGES; start++)
			if (file_cache_lookup(f, start) == UINT64_MAX)
				break;
		if (start - index > RA_PAGES)
			return;
		ra->start = start;
		ra->size = next_ra_size(start - index + req);
	}
	ra->order += 2;
	align = 1ULL << (ra->order < 11 ? ra->order : 11);  /* ffs(max) - 1 */
	end = ra->start + ra->size;
	aligned_end = end & ~(align - 1);
	if (aligned_end > ra->start)
		ra->size -= end - aligned_end;
	ra->async_size = ra->size;
	ra_read(sys, f, ra);
}

/* force_page_cache_ra (generic_fadvise): order-0 pages, no readahead
 * mark, no change to the file's readahead state. */
void file_fadvise_willneed(struct vmsh_sys *sys, struct vmsh_file *f,
			   uint64_t off, uint64_t len)
{
	uint64_t first, last, nr, n;

	if (!f->disk || f->shmem || f->device || !len)
		return;
	first = off >> PAGE_SHIFT;
	last = (off + len - 1) >> PAGE_SHIFT;
	nr = last - first + 1 < RA_PAGES ? last - first + 1 : RA_PAGES;
	n = do_page_cache_ra(sys, f, first, nr, 0);
	trace(sys, "force_page_cache_ra %s index=%#lx nr=%#lx read=%lu",
	      f->path, first, nr, n);
}

/*
 * do_sync_mmap_readahead: read-around a major fault at @index of @vma;
 * false when it read nothing (too many misses).  An executable VMA reads
 * ahead from the fault to at most the VMA's end, with no async part
 * (6.16+: instruction fetch is random; probed on 6.18 with r-x and r--
 * mappings of a sparse ext4 file).
 */
bool file_mmap_readaround(struct vmsh_sys *sys, struct vmsh_file *f,
			  struct file_ra_state *ra,
			  const struct vmsh_vma *vma, uint64_t index)
{
	if (ra->mmap_miss < MMAP_LOTSAMISS * 10)
		ra->mmap_miss++;
	if (ra->mmap_miss > MMAP_LOTSAMISS)
		return false;
	ra->order = 0;          /* exec_folio_order() is 0 on x86 */
	if (vma->vm_flags & VM_EXEC) {
		uint64_t vma_end = vma->vm_pgoff + vma_pages(vma);

		ra->start = index > vma->vm_pgoff ? index : vma->vm_pgoff;
		ra->size = vma_end - ra->start < RA_PAGES ?
			   vma_end - ra->start : RA_PAGES;
		ra->async_size = 0;
	} else {
		ra->start = index > RA_PAGES / 2 ? index - RA_PAGES / 2 : 0;
		ra->size = RA_PAGES;
		ra->async_size = RA_PAGES / 4;
	}
	ra_read(sys, f, ra);
	return true;
}

/* page_cache_sync_ra for a fresh struct file (prev_pos -1): --host opens
 * the file for every read. */
static void sync_ra(struct vmsh_sys *sys, struct vmsh_file *f,
		    struct file_ra_state *ra, uint64_t index, uint64_t req)
{
	uint64_t miss, contig, i;
	bool from_start = false;

	if (!index || req > RA_PAGES) {
		ra->start = index;
		ra->size = init_ra_size(req);
		ra->async_size = ra->size > req ? ra->size - req : ra->size / 2;
		ra->order = 0;
		ra_read(sys, f, ra);
		return;
	}
	/* page_cache_prev_miss: the nearest uncached page before @index */
	miss = index - 1;
	for (i = 0; i < RA_PAGES; i++, miss--) {
		if (file_cache_lookup(f, miss) == UINT64_MAX)
			break;
		if (miss == 0) {
			from_start = true;
			break;
		}
	}
	contig = from_start ? index : index - miss - 1;
	if (contig <= req) {
		do_page_cache_ra(sys, f, index, req, 0);   /* small, random */
		return;
	}
	if (from_start)
		contig *= 2;
	ra->start = index;
	ra->size = contig + req < RA_PAGES ? contig + req : RA_PAGES;
	ra->async_size = 1;
	ra->order = 0;
	ra_read(sys, f, ra);
}

static int file_read(struct vmsh_sys *sys, struct vmsh_file *f, uint64_t off,
		     uint8_t *buf, uint64_t len, uint64_t *done);

int vmsh_file_read(struct vmsh_sys *sys, const char *name, uint64_t off,
		   uint8_t *buf, uint64_t len, uint64_t *done)
{
	struct vmsh_file *f = file_lookup(sys, name);
	int err;

	*done = 0;
	if (!f)
		return -ENOENT;
	err = file_read(sys, f, off, buf, len, done);
	file_release(sys, f);   /* the read's open file is closed */
	return err;
}

/* filemap_read of a fresh open file (--host opens one for every read). */
static int file_read(struct vmsh_sys *sys, struct vmsh_file *f, uint64_t off,
		     uint8_t *buf, uint64_t len, uint64_t *done)
{
	struct file_ra_state ra = { 0 };
	struct page *batch = NULL, *prev = NULL;
	uint64_t n = 0, last;
	unsigned nbatch = 0;

	if (off >= f->size || !len)
		return 0;
	if (len > f->size - off)
		len = f->size - off;
	/* A disk file reads holes into the cache, with readahead; tmpfs
	 * copies zeroes for holes and caches nothing (SGP_READ). */
	if (f->disk && uncached_pages(f, off, len) > sys->phys.nfree)
		return -ENOMEM;
	last = (off + len - 1) >> PAGE_SHIFT;
	while (n < len) {
		uint64_t pos = off + n, index = pos >> PAGE_SHIFT, pfn;
		unsigned in = pos & (PAGE_SIZE - 1);
		unsigned k = PAGE_SIZE - in < len - n ? PAGE_SIZE - in : len - n;
		bool ends_batch = false;

		if (f->disk && file_cache_lookup(f, index) == UINT64_MAX) {
			sync_ra(sys, f, &ra, index, last + 1 - index);
			batch = NULL;   /* a missing page ended the batch */
		}
		if (f->disk && (pfn = file_cache_lookup(f, index)) != UINT64_MAX) {
			/* filemap_readahead: from the marked folio's start */
			struct page *pg = phys_page(sys, pfn);
			struct page *folio = page_folio(sys, pg);
			uint64_t first = folio_first_index(pg);

			ends_batch = folio->readahead || !folio->uptodate;
			if (folio->readahead)
				file_async_ra(sys, f, &ra, folio, first,
					      last + 1 - first);
		}
		if (!filemap_get_page(sys, f, index, f->disk, &pfn)) {
			struct page *folio = page_folio(sys, phys_page(sys, pfn));

			phys_read(sys, pfn, in, buf + n, k);
			phys_put(sys, pfn);
			if (!f->disk) {
				/* shmem_file_read_iter: "if we read the
				 * beginning" of the page */
				if (!in)
					mark_page_accessed(folio, false);
			} else if (folio != prev) {
				/* filemap_read marks the first folio of each
				 * batch (a fresh file: no previous position) */
				if (!batch || nbatch == FOLIO_BATCH) {
					mark_page_accessed(folio, false);
					batch = folio;
					nbatch = 0;
				}
				nbatch++;
				prev = folio;
			}
			if (ends_batch)
				batch = NULL;
		} else {
			memset(buf + n, 0, k);
		}
		n += k;
	}
	*done = n;
	return 0;
}

void file_for_each_vma(struct vmsh_sys *sys, const struct vmsh_file *f,
		       uint64_t first, uint64_t last, file_vma_fn *fn,
		       void *ctx)
{
	struct vmsh_mm *mm;
	struct vmsh_vma *vma, *next;

	for (mm = sys->mms; mm; mm = mm->next_all) {
		if (mm->mm_users <= 0)
			continue;
		for (vma = mm->mmap; vma; vma = next) {
			uint64_t lo = vma->vm_pgoff;
			uint64_t hi = vma->vm_pgoff + vma_pages(vma) - 1;

			next = vma->vm_next;
			if (!vma->vm_file || file_inode(vma->vm_file) != f ||
			    hi < first || lo > last)
				continue;
			fn(vma, lo > first ? lo : first, hi < last ? hi : last,
			   ctx);
		}
	}
}

/* The address of file page @index in @vma (which maps it). */
static uint64_t file_page_addr(const struct vmsh_vma *vma, uint64_t index)
{
	return vma->vm_start + ((index - vma->vm_pgoff) << PAGE_SHIFT);
}

static void zap_file_range(struct vmsh_vma *vma, uint64_t first,
			   uint64_t last, void *ctx)
{
	uint64_t start = file_page_addr(vma, first);

	(void)last;
	(void)ctx;
	trace(vma->vm_mm->sys, "unmap_mapping_range vma=%#lx-%#lx zap=%#lx-%#lx",
	      vma->vm_start, vma->vm_end, start, vma->vm_end);
	zap_page_range(vma, start, vma->vm_end);
}

/*
 * unmap_mapping_range(mapping, holebegin, 0, even_cows = 1): zap every
 * PTE mapping file pages at index >= @first in every mm, private COW
 * copies included.
 */
static void unmap_mapping_range(struct vmsh_sys *sys, struct vmsh_file *f,
				uint64_t first)
{
	file_for_each_vma(sys, f, first, UINT64_MAX, zap_file_range, NULL);
}

/*
 * __ext4_block_zero_page_range(): zero [@pos, @end) of one block (block
 * size = page size).  The folio is looked up or created (FGP_CREAT |
 * FGP_ACCESSED: marked accessed either way); over a hole (a page never
 * written: the model drops no written page but by truncate) nothing is
 * read or zeroed, so a folio created here stays in the cache !uptodate,
 * where readahead and fault-around skip it; a page with a block is
 * zeroed and dirtied.  Probes (6.18, ext4, mincore, kpageflags, smaps):
 * 131072 -> 5000 -> 131072 leaves page 1 unread by readahead; a written
 * page, fsync'd clean, is dirty again after a truncate from or to an
 * unaligned size; pwrite at 6000 into a 5000-byte file leaves page 1
 * referenced and dirty.
 */
static void ext4_block_zero_page_range(struct vmsh_sys *sys,
				       struct vmsh_file *f, uint64_t pos,
				       uint64_t end)
{
	uint64_t index = pos >> PAGE_SHIFT, pfn = file_cache_lookup(f, index);
	unsigned in = pos & (PAGE_SIZE - 1);
	struct page *pg;

	if (pfn == UINT64_MAX) {
		pfn = cache_new_page(sys, f, index, false);
		if (pfn == UINT64_MAX)
			return;         /* no folio: nothing to leave behind */
		pg = phys_page(sys, pfn);
		trace(sys, "ext4_block_zero_page_range %s index=%#lx: hole, "
		      "folio left !uptodate", f->path, index);
	} else {
		pg = page_folio(sys, phys_page(sys, pfn));
		if (pg->uptodate && (pg->dirty || pg->on_disk)) {
			phys_write(sys, pfn, in, NULL, 0,
				   (unsigned)(end - pos));
			pg->dirty = true;
			trace(sys, "ext4_block_zero_page_range %s index=%#lx: "
			      "zeroed, dirty", f->path, index);
		}
	}
	mark_page_accessed(pg, false);
}

/* ext4_block_truncate_page(): zero the EOF block from @pos on. */
static void ext4_block_truncate_page(struct vmsh_sys *sys, struct vmsh_file *f,
				     uint64_t pos)
{
	ext4_block_zero_page_range(sys, f, pos, (pos | (PAGE_SIZE - 1)) + 1);
}

/*
 * A write starting past EOF zeroes the partial blocks of the gap [EOF,
 * @pos): the tail of the old EOF block and the head of @pos's block
 * (probes, 6.18, ext4: pwrite at 9000 into a 5000-byte file leaves page 1
 * !uptodate to readahead and page 2 referenced; at 8192 page 2 is not).
 */
static void ext4_zero_gap(struct vmsh_sys *sys, struct vmsh_file *f,
			  uint64_t old, uint64_t pos)
{
	uint64_t old_end = (old + PAGE_SIZE - 1) & PAGE_MASK;

	if (old & (PAGE_SIZE - 1))
		ext4_block_zero_page_range(sys, f, old,
					   pos < old_end ? pos : old_end);
	if ((pos & (PAGE_SIZE - 1)) && (pos & PAGE_MASK) >= old_end)
		ext4_block_zero_page_range(sys, f, pos & PAGE_MASK, pos);
}

/* Make pages [@first, @first + 2^@order) one folio with @flags' flags
 * (the readahead mark only when @mark). */
static void set_folio(struct vmsh_sys *sys, struct vmsh_file *f,
		      uint64_t first, unsigned order, const struct page *flags,
		      bool mark)
{
	uint64_t head = file_cache_lookup(f, first), i;

	for (i = 0; i < 1ULL << order; i++) {
		struct page *pg = phys_page(sys, file_cache_lookup(f, first + i));

		pg->order = (uint8_t)order;
		pg->head = head;
		pg->dirty = flags->dirty;
		pg->uptodate = flags->uptodate;
		pg->referenced = flags->referenced;
		pg->active = flags->active;
		pg->on_disk = flags->on_disk;
		pg->readahead = !i && mark && flags->readahead;
	}
}

static void unmap_folio_range(struct vmsh_vma *vma, uint64_t first,
			      uint64_t last, void *ctx)
{
	const struct vmsh_file *f = ctx;
	uint64_t i;

	for (i = first; i <= last; i++)
		unmap_file_pte(vma, file_page_addr(vma, i),
			       file_cache_lookup(f, i));
}

/* unmap_folio(): every PTE of every mm mapping a page of the folio of
 * @nr pages at @first goes (try_to_unmap; a COW copy is not the folio). */
static void unmap_folio(struct vmsh_sys *sys, struct vmsh_file *f,
			uint64_t first, uint64_t nr)
{
	file_for_each_vma(sys, f, first, first + nr - 1, unmap_folio_range, f);
}

/*
 * try_folio_split(folio, page @at) as truncate_inode_partial_folio does:
 * a non-uniform split, halving the block that holds @at until @at is a
 * folio of its own; each other half stays one folio.  The new folios take
 * the folio's flags but PG_readahead, which stays with its first page.
 * The split unmaps the whole folio first and, a file folio, leaves it
 * unmapped (remap_page() is for anonymous folios only): probe (6.18,
 * ext4) truncating into a mapped 4-page folio leaves none of it mapped.
 */
static void split_folio_at(struct vmsh_sys *sys, struct vmsh_file *f,
			   struct page *folio, uint64_t at)
{
	uint64_t first = folio->index, lo = first;
	struct page flags;
	unsigned k;

	trace(sys, "split_folio %s index=%#lx order=%u at=%#lx", f->path,
	      first, folio->order, at);
	/* the split unmaps the folio; file pages are not mapped again */
	unmap_folio(sys, f, first, folio_nr_pages(folio));
	flags = *folio;
	for (k = folio->order; k-- > 0;) {
		uint64_t half = 1ULL << k;

		if (at < lo + half) {
			set_folio(sys, f, lo + half, k, &flags, false);
		} else {
			set_folio(sys, f, lo, k, &flags, lo == first);
			lo += half;
		}
	}
	set_folio(sys, f, lo, 0, &flags, lo == first);
}

/*
 * truncate_pagecache(): unmap the pages past the new EOF from every
 * mapping, split a large folio holding the new EOF, drop the pages past
 * it from the cache, and zero the tail of a cached partial last page.
 */
static void truncate_pagecache(struct vmsh_sys *sys, struct vmsh_file *f,
			       uint64_t old, uint64_t size)
{
	uint64_t keep = (size + PAGE_SIZE - 1) >> PAGE_SHIFT, *idx, n, i, pfn;

	if (old > keep << PAGE_SHIFT)
		unmap_mapping_range(sys, f, keep);
	pfn = file_cache_lookup(f, size >> PAGE_SHIFT);
	if (pfn != UINT64_MAX) {
		struct page *folio = page_folio(sys, phys_page(sys, pfn));

		if (folio->order && folio->index < size >> PAGE_SHIFT)
			split_folio_at(sys, f, folio, size >> PAGE_SHIFT);
	}
	idx = cache_indexes(f, &n);
	for (i = 0; i < n; i++)
		if (idx[i] >= keep)
			cache_drop_page(sys, f, idx[i]);
	free(idx);
	if (!(size & (PAGE_SIZE - 1)))
		return;
	pfn = file_cache_lookup(f, size >> PAGE_SHIFT);
	if (pfn != UINT64_MAX)
		phys_write(sys, pfn, size & (PAGE_SIZE - 1), NULL, 0,
			   PAGE_SIZE - (size & (PAGE_SIZE - 1)));
}

int vmsh_file_truncate(struct vmsh_sys *sys, const char *name, uint64_t size)
{
	struct vmsh_file *f = file_lookup(sys, name);
	uint64_t old, pfn;

	if (!f)
		return -ENOENT;
	if (size > FILE_MAX_SIZE)
		return -EFBIG;
	old = f->size;
	if (f->disk) {
		/* ext4_setattr: on the way up the old EOF block is zeroed;
		 * truncate_pagecache; at or below the old size ext4_truncate
		 * zeroes the new EOF block */
		trace(sys, "ext4_setattr %s size=%#lx->%#lx", f->path, old, size);
		f->size = size;
		if (size > old && (old & (PAGE_SIZE - 1)))
			ext4_block_truncate_page(sys, f, old);
		truncate_pagecache(sys, f, old, size);
		if (size <= old && (size & (PAGE_SIZE - 1)))
			ext4_block_truncate_page(sys, f, size);
		if (!size)      /* ext4_truncate: auto_da_alloc on close */
			f->da_alloc_close = true;
		return 0;
	}
	trace(sys, "shmem_setattr %s size=%#lx->%#lx", f->path, old, size);
	f->size = size;
	if (size > old)
		return 0;
	/*
	 * newsize <= oldsize (equal included, as shmem_setattr does):
	 * unmap past the new EOF, drop those pages, and zero the tail of a
	 * cached partial last page, which shmem_undo_range marks dirty
	 * (probe, 6.18: ftruncate to the same unaligned size dirties it).
	 */
	truncate_pagecache(sys, f, old, size);
	if ((size & (PAGE_SIZE - 1)) &&
	    (pfn = file_cache_lookup(f, size >> PAGE_SHIFT)) != UINT64_MAX)
		phys_page(sys, pfn)->dirty = true;
	return 0;
}

int vmsh_file_rm(struct vmsh_sys *sys, const char *name)
{
	struct vmsh_file *f = file_lookup(sys, name), **pp;

	if (!f)
		return -ENOENT;
	for (pp = &sys->files; *pp != f; pp = &(*pp)->next)
		;
	*pp = f->next;
	f->next = NULL;
	f->deleted = true;
	strcat(f->path, " (deleted)");  /* allocated with room for it */
	trace(sys, "shmem_unlink %s mapcount=%d", f->name, file_mapcount(f));
	file_put(sys, f);
	return 0;
}

struct dirty_ctx {
	struct vmsh_sys *sys;
	const struct vmsh_file *f;
	uint64_t dirty;
};

struct dirty_pte {
	uint64_t pfn;
	bool dirty;
};

static void find_dirty_pte(struct vmsh_vma *vma, uint64_t first,
			   uint64_t last, void *ctx)
{
	struct dirty_pte *d = ctx;
	uint64_t *pte = pte_lookup(vma->vm_mm, file_page_addr(vma, first),
				   false);

	(void)last;             /* first == last: one page */
	if (pte && (*pte & _PAGE_PRESENT) &&
	    (*pte & PTE_PFN_MASK) >> PAGE_SHIFT == d->pfn &&
	    (*pte & _PAGE_DIRTY))
		d->dirty = true;
}

/* Is the page dirty, or mapped by a dirty PTE (what writeback would see)? */
static bool page_dirty_anywhere(struct vmsh_sys *sys, const struct vmsh_file *f,
				uint64_t index, uint64_t pfn)
{
	struct dirty_pte d = { pfn, false };

	if (page_folio(sys, phys_page(sys, pfn))->dirty)
		return true;
	if (!phys_page(sys, pfn)->mapcount)
		return false;
	file_for_each_vma(sys, f, index, index, find_dirty_pte, &d);
	return d.dirty;
}

static void count_dirty(void *ctx, uint64_t index, uint64_t pfn)
{
	struct dirty_ctx *d = ctx;

	if (page_dirty_anywhere(d->sys, d->f, index, pfn))
		d->dirty++;
}

static void fill_info(const struct vmsh_sys *csys, const struct vmsh_file *f,
		      struct vmsh_file_info *out)
{
	struct dirty_ctx d = { (struct vmsh_sys *)csys, f, 0 };

	file_for_each_page(f, count_dirty, &d);
	out->name = f->name;
	out->size = f->size;
	out->disk = f->disk;
	out->cached_pages = f->cache_nr;
	out->dirty_pages = d.dirty;
	out->ino = f->ino;
	out->mapcount = file_mapcount(f);
}

bool vmsh_file_info(const struct vmsh_sys *sys, size_t i,
		    struct vmsh_file_info *out)
{
	const struct vmsh_file *f = sys->files;

	while (f && i--)
		f = f->next;
	if (!f)
		return false;
	fill_info(sys, f, out);
	return true;
}

int vmsh_file_find_info(const struct vmsh_sys *sys, const char *name,
			struct vmsh_file_info *out)
{
	const struct vmsh_file *f = file_lookup(sys, name);

	if (!f)
		return -ENOENT;
	fill_info(sys, f, out);
	return 0;
}

/* ---- invariants ------------------------------------------------------------ */

struct check_ctx {
	const struct vmsh_sys *sys;
	const struct vmsh_file *f;
	char *buf;
	size_t size;
	int bad;
};

static void complain(struct check_ctx *c, const char *what, uint64_t pfn)
{
	if (!c->bad++ && c->size)
		snprintf(c->buf, c->size, "file %s: pfn %#lx: %s",
			 c->f ? c->f->name : "?", pfn, what);
}

static void check_cached(void *ctx, uint64_t index, uint64_t pfn)
{
	struct check_ctx *c = ctx;
	const struct page *pg;

	if (pfn >= c->sys->phys.nframes) {
		complain(c, "cached frame out of range", pfn);
		return;
	}
	pg = &c->sys->phys.pages[pfn];
	if (pg->kind != (c->f->device ? PAGE_DEV : PAGE_FILE))
		complain(c, "cached frame of the wrong kind", pfn);
	else if (pg->file != c->f || pg->index != index)
		complain(c, "cached frame names another file or index", pfn);
	else if (!c->f->device && index >= file_pages(c->f))
		complain(c, "page cached past EOF", pfn);
	else if (pg->refcount != 1 + pg->mapcount)
		complain(c, "refcount is not cache + mapcount", pfn);
	else if (!pg->uptodate && (!c->f->disk || pg->dirty || pg->mapcount ||
				   pg->order))
		complain(c, "!uptodate page not a clean, unmapped, order-0 "
			 "disk page", pfn);
	else if (pg->order && (!c->f->disk || pg->order > 9 ||
			       pg->head != file_cache_lookup(c->f,
						folio_first_index(pg)) ||
			       page_folio(c->sys, pg)->order != pg->order))
		complain(c, "page of a broken large folio", pfn);
}

int check_files(const struct vmsh_sys *sys, char *buf, size_t size)
{
	struct check_ctx c = { sys, NULL, buf, size, 0 };
	const struct vmsh_file *f;
	uint64_t pfn;

	for (f = sys->files; f; f = f->next) {
		c.f = f;
		if (f->inode || f->deleted || f->refcount < 1 || f->nvmas < 0)
			complain(&c, "bad inode state", 0);
		file_for_each_page(f, check_cached, &c);
	}
	for (f = sys->devs; f; f = f->next) {
		c.f = f;
		file_for_each_page(f, check_cached, &c);
	}
	/* every page-cache frame belongs to the cache of its file */
	c.f = NULL;
	for (pfn = 0; pfn < sys->phys.hiwater; pfn++) {
		const struct page *pg = &sys->phys.pages[pfn];

		if (pg->kind != PAGE_FILE && pg->kind != PAGE_DEV)
			continue;
		if (!pg->file || pg->file->inode ||
		    file_cache_lookup(pg->file, pg->index) != pfn) {
			complain(&c, "page-cache frame not in its file's cache", pfn);
			continue;
		}
		c.f = pg->file;
		check_cached(&c, pg->index, pfn);
		c.f = NULL;
	}
	return c.bad;
}

void files_fini(struct vmsh_sys *sys)
{
	struct vmsh_file *f, *next;

	for (f = sys->files; f; f = next) {
		next = f->next;
		file_free(sys, f);
	}
	sys->files = NULL;
	dev_fini(sys);
}
