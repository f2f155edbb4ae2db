/* SPDX-License-Identifier: MIT */
/*
 * Physical memory: a pool of cfg.ram / 4096 frames, each described by a
 * struct page (Linux's mem_map), and their contents.
 *
 * Invariants:
 *  - a frame is free iff kind == PAGE_FREE iff refcount == 0; a free frame
 *    holds no buffer and all its fields are zero;
 *  - a frame below hiwater is free iff its bit is set in freemap (a
 *    levelled bitmap, bitmap.h); allocation takes the lowest free frame
 *    (the first set bit, else hiwater), in O(log64 nframes) steps;
 *  - nfree is the number of free frames;
 *  - contents are sparse: with data == NULL every byte equals fill, except
 *    [run_off, run_off + run_len) which holds run[] (one small write into
 *    an otherwise uniform page costs no buffer); with data != NULL the 4 KiB
 *    buffer is the contents and fill/run are unused;
 *  - a page-table frame (PAGE_PGTABLE) always has its buffer: 512 entries;
 *  - a frame is never freed while it holds a reference on something above
 *    this layer (page->anon): put_page() drops that one first;
 *  - the zero page is allocated at init, never written and never freed.
 *
 * The struct page array is calloc'ed, so frames never touched cost the
 * host nothing.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "phys.h"
#include "sys.h"

int phys_init(struct vmsh_sys *sys)
{
	struct phys *ph = &sys->phys;

	ph->nframes = sys->cfg.ram >> PAGE_SHIFT;
	if (ph->nframes < 2)
		return -ENOMEM;
	ph->pages = xcalloc(ph->nframes, sizeof(struct page));
	ph->nfree = ph->nframes;
	for (int l = 0; l < NR_LRU_LISTS; l++)
		ph->lruvec.head[l] = ph->lruvec.tail[l] = LRU_NIL;
	if (!lbm_init(&ph->freemap, ph->nframes))
		abort();        /* host allocation failures are not modelled */
	ph->zero_pfn = phys_alloc(sys, PAGE_ZERO);
	/* Booting is not an event the user caused. */
	sys->stat[ST_PGALLOC] = 0;
	return 0;
}

void phys_fini(struct vmsh_sys *sys)
{
	struct phys *ph = &sys->phys;
	uint64_t pfn;

	if (!ph->pages)
		return;
	for (pfn = 0; pfn < ph->hiwater; pfn++)
		free(ph->pages[pfn].data);
	free(ph->pages);
	lbm_fini(&ph->freemap);
	memset(ph, 0, sizeof(*ph));
}

struct page *phys_page(struct vmsh_sys *sys, uint64_t pfn)
{
	if (pfn >= sys->phys.nframes)
		abort();
	return &sys->phys.pages[pfn];
}

static const struct page *cpage(const struct vmsh_sys *sys, uint64_t pfn)
{
	if (pfn >= sys->phys.nframes)
		abort();
	return &sys->phys.pages[pfn];
}

uint64_t phys_alloc(struct vmsh_sys *sys, enum page_kind kind)
{
	struct phys *ph = &sys->phys;
	uint64_t pfn;
	struct page *p;

	if (ph->nfree == 0)
		return UINT64_MAX;
	pfn = lbm_next(&ph->freemap, 0);
	if (pfn != LBM_NONE)
		lbm_assign(&ph->freemap, pfn, false);
	else
		pfn = ph->hiwater++;
	if (pfn >= ph->nframes || ph->pages[pfn].kind != PAGE_FREE)
		abort();        /* nfree says there is one: a broken invariant */
	ph->nfree--;
	p = &ph->pages[pfn];
	p->kind = kind;
	p->refcount = 1;
	p->lru = LRU_NONE;
	p->lru_prev = p->lru_next = LRU_NIL;
	if (kind == PAGE_PGTABLE)
		p->data = xcalloc(1, PAGE_SIZE);
	/* folio_add_lru(): a new anonymous folio starts inactive (a page
	 * cache folio is added by filemap_add_page, which knows its file) */
	if (kind == PAGE_ANON)
		lru_add(sys, pfn);
	sys->stat[ST_PGALLOC]++;
	return pfn;
}

/* Are frames [b, b + 512) all free?  Below hiwater the free map says so
 * (eight whole words of its bottom level), at and above it they are. */
static bool block_free(const struct phys *ph, uint64_t b)
{
	uint64_t i;

	for (i = b; i < b + HPAGE_PMD_NR && i < ph->hiwater; i += 64) {
		if (i + 64 <= ph->hiwater) {
			if (ph->freemap.w[0][i / 64] != ~0ULL)
				return false;
			continue;
		}
		for (; i < ph->hiwater; i++)
			if (!lbm_test(&ph->freemap, i))
				return false;
		break;
	}
	return true;
}

uint64_t phys_alloc_huge(struct vmsh_sys *sys, enum page_kind kind)
{
	struct phys *ph = &sys->phys;
	uint64_t b, i;

	if (ph->nfree < HPAGE_PMD_NR)
		return UINT64_MAX;
	for (b = 0; b + HPAGE_PMD_NR <= ph->nframes; b += HPAGE_PMD_NR)
		if (block_free(ph, b))
			break;
	if (b + HPAGE_PMD_NR > ph->nframes)
		return UINT64_MAX;
	/* frames between the old hiwater and the block become known free */
	for (i = ph->hiwater; i < b; i++)
		lbm_assign(&ph->freemap, i, true);
	for (i = b; i < b + HPAGE_PMD_NR; i++) {
		struct page *p = &ph->pages[i];

		if (i < ph->hiwater)
			lbm_assign(&ph->freemap, i, false);
		if (p->kind != PAGE_FREE)
			abort();
		p->kind = kind;
		p->refcount = 1;
		p->thp = i == b ? PAGE_THP_HEAD : PAGE_THP_TAIL;
		p->lru = LRU_NONE;
		p->lru_prev = p->lru_next = LRU_NIL;
		/* each frame of a huge anonymous folio is on the list on its
		 * own (vmsh's simplification: reclaim never takes one) */
		if (kind == PAGE_ANON)
			lru_add(sys, i);
	}
	if (ph->hiwater < b + HPAGE_PMD_NR)
		ph->hiwater = b + HPAGE_PMD_NR;
	ph->nfree -= HPAGE_PMD_NR;
	sys->stat[ST_PGALLOC] += HPAGE_PMD_NR;
	return b;
}

void phys_get(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *p = phys_page(sys, pfn);

	if (p->kind == PAGE_FREE || p->refcount <= 0)
		abort();
	p->refcount++;
}

void phys_put(struct vmsh_sys *sys, uint64_t pfn)
{
	struct phys *ph = &sys->phys;
	struct page *p = phys_page(sys, pfn);

	if (p->kind == PAGE_FREE || p->refcount <= 0)
		abort();
	if (--p->refcount > 0)
		return;
	/* the anon_vma reference of an anonymous page is put_page()'s */
	if (p->mapcount != 0 || pfn == ph->zero_pfn || p->anon)
		abort();
	lru_del(sys, pfn);
	free(p->data);
	memset(p, 0, sizeof(*p));
	ph->nfree++;
	lbm_assign(&ph->freemap, pfn, true);
	sys->stat[ST_PGFREE]++;
}

uint8_t phys_read_byte(const struct vmsh_sys *sys, uint64_t pfn, unsigned off)
{
	const struct page *p = cpage(sys, pfn);

	if (p->data)
		return p->data[off];
	if (off >= p->run_off && off < (unsigned)p->run_off + p->run_len)
		return p->run[off - p->run_off];
	return p->fill;
}

void phys_read(const struct vmsh_sys *sys, uint64_t pfn, unsigned off,
	       uint8_t *buf, unsigned len)
{
	const struct page *p = cpage(sys, pfn);
	unsigned i;

	if (off > PAGE_SIZE || len > PAGE_SIZE - off)
		abort();
	if (p->data) {
		memcpy(buf, p->data + off, len);
		return;
	}
	memset(buf, p->fill, len);
	for (i = 0; i < p->run_len; i++) {
		unsigned at = p->run_off + i;

		if (at >= off && at < off + len)
			buf[at - off] = p->run[i];
	}
}

/* Give the page a 4 KiB buffer holding its current contents. */
static void materialise(struct page *p)
{
	if (p->data)
		return;
	p->data = xmalloc(PAGE_SIZE);
	memset(p->data, p->fill, PAGE_SIZE);
	memcpy(p->data + p->run_off, p->run, p->run_len);
	p->run_len = 0;
	p->run_off = 0;
}

/* Store into a buffer-less page without a buffer when the result still
 * fits "fill + one run of at most 8 bytes".  Returns false otherwise. */
static bool write_sparse(struct page *p, unsigned off, const uint8_t *buf,
			 uint8_t fill, unsigned len)
{
	uint8_t merged[8 + 8];
	unsigned lo, hi, i;

	if (p->run_len == 0) {
		if (len > sizeof(p->run))
			return false;
		for (i = 0; i < len; i++)
			p->run[i] = buf ? buf[i] : fill;
		p->run_off = off;
		p->run_len = len;
		return true;
	}
	lo = off < p->run_off ? off : p->run_off;
	hi = off + len > (unsigned)p->run_off + p->run_len ?
	     off + len : (unsigned)p->run_off + p->run_len;
	if (hi - lo > sizeof(p->run))
		return false;
	for (i = lo; i < hi; i++) {
		if (i >= off && i < off + len)
			merged[i - lo] = buf ? buf[i - off] : fill;
		else if (i >= p->run_off && i < (unsigned)p->run_off + p->run_len)
			merged[i - lo] = p->run[i - p->run_off];
		else
			merged[i - lo] = p->fill;
	}
	memcpy(p->run, merged, hi - lo);
	p->run_off = lo;
	p->run_len = hi - lo;
	return true;
}

void phys_write(struct vmsh_sys *sys, uint64_t pfn, unsigned off,
		const uint8_t *buf, uint8_t fill, unsigned len)
{
	struct page *p = phys_page(sys, pfn);
	unsigned i;

	if (off > PAGE_SIZE || len > PAGE_SIZE - off || pfn == sys->phys.zero_pfn)
		abort();
	if (len == 0)
		return;
	if (off == 0 && len == PAGE_SIZE && p->kind != PAGE_PGTABLE) {
		/* A whole page of one value needs no buffer. */
		bool uniform = true;

		if (buf) {
			fill = buf[0];
			for (i = 1; i < len && uniform; i++)
				uniform = buf[i] == fill;
		}
		if (uniform) {
			free(p->data);
			p->data = NULL;
			p->fill = fill;
			p->run_len = 0;
			p->run_off = 0;
			return;
		}
	}
	if (!p->data) {
		/* Bytes equal to what is there already change nothing. */
		bool same = true;

		for (i = 0; i < len && same; i++)
			same = phys_read_byte(sys, pfn, off + i) == (buf ? buf[i] : fill);
		if (same)
			return;
		if (write_sparse(p, off, buf, fill, len))
			return;
		materialise(p);
	}
	if (buf)
		memcpy(p->data + off, buf, len);
	else
		memset(p->data + off, fill, len);
}

void phys_copy(struct vmsh_sys *sys, uint64_t dst, uint64_t src)
{
	struct page *d = phys_page(sys, dst);
	const struct page *s = phys_page(sys, src);

	if (dst == sys->phys.zero_pfn)
		abort();
	if (s->data) {
		if (!d->data)
			d->data = xmalloc(PAGE_SIZE);
		memcpy(d->data, s->data, PAGE_SIZE);
		d->run_len = 0;
		d->run_off = 0;
		return;
	}
	free(d->data);
	d->data = NULL;
	d->fill = s->fill;
	d->run_off = s->run_off;
	d->run_len = s->run_len;
	memcpy(d->run, s->run, sizeof(d->run));
}

uint64_t page_to_pfn(const struct vmsh_sys *sys, const struct page *pg)
{
	return (uint64_t)(pg - sys->phys.pages);
}

void mark_page_accessed(struct vmsh_sys *sys, struct page *page,
			bool unevictable)
{
	if (!page->referenced) {
		page->referenced = true;
	} else if (!unevictable && !page->unevictable && !page->active) {
		/* folio_activate(): the folio is on its list (vmsh has no
		 * per-CPU add batch: every folio is drained at once) */
		page->active = true;
		page->referenced = false;
		if (page->lru != LRU_NONE) {
			lru_update(sys, page_to_pfn(sys, page));
			sys->stat[ST_PGACTIVATE]++;
		}
		/* workingset_activation(): activations age the workingset */
		sys->nonresident_age++;
	}
}

/* ---- LRU lists ------------------------------------------------------------ */

enum lru_list folio_lru_list(const struct page *folio)
{
	enum lru_list l;

	if (folio->unevictable)
		return LRU_UNEVICTABLE;
	/* an anonymous folio MADV_FREE made lazy-free (!PG_swapbacked)
	 * is on the file lists, as folio_is_file_lru() says */
	l = (folio->kind == PAGE_FILE ? folio->file_lru : folio->lazyfree) ?
	    LRU_INACTIVE_FILE : LRU_INACTIVE_ANON;
	return folio->active ? (enum lru_list)(l + 1) : l;
}

static void lru_link(struct vmsh_sys *sys, uint64_t pfn, bool tail)
{
	struct lruvec *lv = &sys->phys.lruvec;
	struct page *pg = phys_page(sys, pfn);
	enum lru_list l;

	if (pg->lru != LRU_NONE || (pg->kind != PAGE_ANON && pg->kind != PAGE_FILE))
		abort();
	l = folio_lru_list(pg);
	pg->lru = (uint8_t)l;
	if (tail) {
		pg->lru_prev = lv->tail[l];
		pg->lru_next = LRU_NIL;
		if (lv->tail[l] != LRU_NIL)
			sys->phys.pages[lv->tail[l]].lru_next = (uint32_t)pfn;
		else
			lv->head[l] = (uint32_t)pfn;
		lv->tail[l] = (uint32_t)pfn;
	} else {
		pg->lru_next = lv->head[l];
		pg->lru_prev = LRU_NIL;
		if (lv->head[l] != LRU_NIL)
			sys->phys.pages[lv->head[l]].lru_prev = (uint32_t)pfn;
		else
			lv->tail[l] = (uint32_t)pfn;
		lv->head[l] = (uint32_t)pfn;
	}
	lv->nr_pages[l] += folio_nr_pages(pg);
}

void lru_add(struct vmsh_sys *sys, uint64_t pfn)
{
	lru_link(sys, pfn, false);
}

void lru_add_tail(struct vmsh_sys *sys, uint64_t pfn)
{
	lru_link(sys, pfn, true);
}

void lru_del(struct vmsh_sys *sys, uint64_t pfn)
{
	struct lruvec *lv = &sys->phys.lruvec;
	struct page *pg = phys_page(sys, pfn);
	unsigned l = pg->lru;

	if (l == LRU_NONE)
		return;
	if (pg->lru_prev != LRU_NIL)
		sys->phys.pages[pg->lru_prev].lru_next = pg->lru_next;
	else
		lv->head[l] = pg->lru_next;
	if (pg->lru_next != LRU_NIL)
		sys->phys.pages[pg->lru_next].lru_prev = pg->lru_prev;
	else
		lv->tail[l] = pg->lru_prev;
	lv->nr_pages[l] -= folio_nr_pages(pg);
	pg->lru = LRU_NONE;
	pg->lru_prev = pg->lru_next = LRU_NIL;
}

void lru_update(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *pg = phys_page(sys, pfn);

	if (pg->lru == LRU_NONE || pg->lru == folio_lru_list(pg))
		return;
	lru_del(sys, pfn);
	lru_add(sys, pfn);
}

void phys_zero(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *p = phys_page(sys, pfn);

	if (p->kind == PAGE_PGTABLE) {
		memset(p->data, 0, PAGE_SIZE);
		return;
	}
	free(p->data);
	p->data = NULL;
	p->fill = 0;
	p->run_len = 0;
	p->run_off = 0;
}
