/* SPDX-License-Identifier: MIT */
/*
 * pread and pwrite of simulated files (fs/read_write.c): the write copies
 * into the page cache as shmem and ext4 do (generic_perform_write), the
 * read is filemap_read of a fresh open file, with a disk file's
 * readahead; each call closes its open file (file_release).
 *
 * Invariants kept:
 *  - a write enters every page it touches into the cache, dirty, or
 *    fails before any change (-ENOSPC when the frames would run out);
 *  - a read of tmpfs caches nothing (holes read as zeroes); a read of a
 *    disk file caches what it reads, with readahead, or fails before any
 *    change (-ENOMEM);
 *  - a write past EOF of a disk file first zeroes the gap's partial
 *    blocks (ext4_zero_gap, truncate.c), as ext4 does.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "memory.h"
#include "phys.h"
#include "reclaim.h"
#include "sys.h"

#define FOLIO_BATCH     31      /* PAGEVEC_SIZE: folios of one read batch */

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
				mark_page_accessed(sys, folio);
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
	if (len > sys->cfg.ram)
		return -ENOSPC;
	alloc_pressure_n(sys, uncached_pages(f, off, len));
	if (uncached_pages(f, off, len) > sys->phys.nfree)
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
	if (f->disk)
		alloc_pressure_n(sys, uncached_pages(f, off, len));
	if (f->disk && uncached_pages(f, off, len) > sys->phys.nfree)
		return -ENOMEM;
	last = (off + len - 1) >> PAGE_SHIFT;
	while (n < len) {
		uint64_t pos = off + n, index = pos >> PAGE_SHIFT, pfn;
		unsigned in = pos & (PAGE_SIZE - 1);
		unsigned k = PAGE_SIZE - in < len - n ? PAGE_SIZE - in : len - n;
		bool ends_batch = false;

		if (f->disk && file_cache_lookup(f, index) == UINT64_MAX) {
			file_sync_ra(sys, f, &ra, index, last + 1 - index);
			batch = NULL;   /* a missing page ended the batch */
		}
		if (f->disk && (pfn = file_cache_lookup(f, index)) != UINT64_MAX) {
			/* filemap_readahead: from the marked folio's start */
			struct page *pg = phys_page(sys, pfn);
			struct page *folio = page_folio(sys, pg);
			uint64_t first = folio_first_index(pg);

			ends_batch = folio_test_readahead(folio) ||
				     !folio->uptodate;
			if (folio_test_readahead(folio))
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
					mark_page_accessed(sys, folio);
			} else if (folio != prev) {
				/* filemap_read marks the first folio of each
				 * batch (a fresh file: no previous position) */
				if (!batch || nbatch == FOLIO_BATCH) {
					mark_page_accessed(sys, folio);
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
