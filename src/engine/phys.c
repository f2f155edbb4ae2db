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
 *  - contents are sparse (data_kind): PAGE_DATA_FILL, data == NULL and
 *    every byte equals fill; PAGE_DATA_INLINE, one run of at most 6 bytes
 *    kept in the pointer's word; PAGE_DATA_RUNS, data holds at most
 *    RUNS_MAX sorted, disjoint, non-adjacent runs of RUNS_MAX_BYTES bytes
 *    in all (more than one run, or one longer than 6 bytes); every byte
 *    outside the runs equals fill (a few small writes into a page cost a
 *    small allocation, not a 4 KiB buffer); PAGE_DATA_BUF, data is the
 *    4 KiB buffer;
 *  - nr_tables, nr_bufs and run_bytes count the frames' host allocations;
 *  - a page-table frame (PAGE_PGTABLE) always has its buffer: 512 entries;
 *  - a frame is never freed while it holds a reference on something above
 *    this layer (page_anon): put_page() drops that one first;
 *  - the zero page is allocated at init, first (pfn 0, which ends the
 *    LRU lists), never written and never freed;
 *  - a page names its file or anon_vma by an id of the mapping table;
 *    an object holds its id from the first page naming it until it is
 *    freed.
 *
 * The struct page array is mapped zeroed, so frames never touched cost
 * the host nothing.  Host memory per resident page (issue 13): 40 bytes of
 * struct page, 8 of its PTE's share of a page table, and the contents'
 * allocation only when the page is not one value with a few runs.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "phys.h"
#include "sys.h"

_Static_assert(sizeof(struct page) == 40,
	       "struct page grew: 64 GiB resident must fit in 1 GiB of host");
_Static_assert((VMSH_RAM_MAX >> PAGE_SHIFT) <= 1ULL << LRU_PFN_BITS,
	       "an LRU link holds a pfn in 24 bits");

/*
 * The runs of a PAGE_DATA_RUNS page: one allocation holding the header,
 * the run descriptors and their bytes, in address order.  A
 * PAGE_DATA_INLINE page's one run is seen through the same shape
 * (runs_view).
 */
struct page_run {
	uint16_t off, len;
};
struct page_runs {
	uint16_t nr;            /* runs */
	uint16_t bytes;         /* sum of their lengths */
	struct page_run run[];  /* then the bytes, run after run */
};
#define RUNS_MAX        16
#define RUNS_MAX_BYTES  192
#define INLINE_MAX      6       /* bytes of a run kept in data_inline */

static size_t runs_size(unsigned nr, unsigned bytes)
{
	return sizeof(struct page_runs) + nr * sizeof(struct page_run) + bytes;
}

static uint8_t *runs_bytes(const struct page_runs *r)
{
	return (uint8_t *)&r->run[r->nr];
}

/* Room for the largest set of runs (on the stack). */
union runs_buf {
	struct page_runs r;
	uint8_t raw[sizeof(struct page_runs) +
		    RUNS_MAX * sizeof(struct page_run) + RUNS_MAX_BYTES];
};

/* data_inline: offset in bits 0-11, length in bits 12-14, the bytes in
 * bits 16-63. */
static const struct page_runs *runs_view(const struct page *p,
					 union runs_buf *tmp)
{
	uint64_t w = p->data_inline;

	if (p->data_kind == PAGE_DATA_RUNS)
		return (const struct page_runs *)p->data;
	if (p->data_kind != PAGE_DATA_INLINE)
		return NULL;
	tmp->r.nr = 1;
	tmp->r.run[0].off = (uint16_t)(w & 0xfff);
	tmp->r.run[0].len = (uint16_t)(w >> 12 & 7);
	tmp->r.bytes = tmp->r.run[0].len;
	for (unsigned i = 0; i < tmp->r.bytes; i++)
		runs_bytes(&tmp->r)[i] = (uint8_t)(w >> (16 + 8 * i));
	return &tmp->r;
}

static void data_free(struct phys *ph, struct page *p);

int phys_init(struct vmsh_sys *sys)
{
	struct phys *ph = &sys->phys;

	ph->nframes = sys->cfg.ram >> PAGE_SHIFT;
	if (ph->nframes < 2)
		return -ENOMEM;
	ph->pages = xmap_zeroed(ph->nframes, sizeof(struct page), XMAP_HUGE);
	ph->nfree = ph->nframes;
	for (int l = 0; l < NR_LRU_LISTS; l++)
		ph->lruvec.head[l] = ph->lruvec.tail[l] = LRU_NIL;
	if (!lbm_init(&ph->freemap, ph->nframes))
		abort();        /* host allocation failures are not modelled */
	ph->mappings.cap = 64;
	ph->mappings.obj = xcalloc(ph->mappings.cap, sizeof(void *));
	ph->mappings.nr = 1;    /* id 0: none */
	/* the lowest frame, so pfn 0 can end the LRU lists (LRU_NIL) */
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
		if (ph->pages[pfn].kind != PAGE_PGTABLE &&
		    ph->pages[pfn].data_kind >= PAGE_DATA_RUNS)
			free(ph->pages[pfn].data);
	table_pool_fini(&ph->tables);
	xunmap(ph->pages, ph->nframes, sizeof(struct page), XMAP_HUGE);
	lbm_fini(&ph->freemap);
	free(ph->mappings.obj);
	memset(ph, 0, sizeof(*ph));
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
	if (kind == PAGE_PGTABLE) {
		p->data = table_pool_get(&ph->tables);
		ph->nr_tables++;
	}
	/* off the lists: the caller queues it (folio_add_lru, memory.h) */
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
	}
	/* folio_add_lru(): a huge anonymous folio is one entry of 512
	 * pages, its head */
	if (kind == PAGE_ANON) {
		thp_set_live(&ph->pages[b], HPAGE_PMD_NR);
		lru_add(sys, b);
	}
	if (ph->hiwater < b + HPAGE_PMD_NR)
		ph->hiwater = b + HPAGE_PMD_NR;
	ph->nfree -= HPAGE_PMD_NR;
	sys->stat[ST_PGALLOC] += HPAGE_PMD_NR;
	return b;
}

static void put_frame(struct vmsh_sys *sys, uint64_t pfn, bool zeroed)
{
	struct phys *ph = &sys->phys;
	struct page *p = phys_page(sys, pfn);

	if (p->kind == PAGE_FREE || p->refcount <= 0)
		abort();
	if (--p->refcount > 0)
		return;
	/* the anon_vma reference of an anonymous page is put_page()'s */
	if (p->mapcount != 0 || pfn == ph->zero_pfn ||
	    (p->kind == PAGE_ANON && page_mapping_id(p)))
		abort();
	lru_del(sys, pfn);
	/* free_pages_prepare(): still PG_mlocked (a locked page cache page
	 * truncated, say) */
	if (p->mlocked) {
		sys->nr_mlock -= folio_nr_pages(p);
		sys->stat[ST_UNEVICTABLE_PGCLEARED] += folio_nr_pages(p);
	}
	if (p->kind == PAGE_PGTABLE) {
		ph->nr_tables--;
		ph->table_gen++;
		table_pool_put(&ph->tables, p->data, zeroed);
	} else {
		data_free(ph, p);
	}
	memset(p, 0, sizeof(*p));
	ph->nfree++;
	lbm_assign(&ph->freemap, pfn, true);
	sys->stat[ST_PGFREE]++;
}

void phys_put_last(struct vmsh_sys *sys, uint64_t pfn)
{
	put_frame(sys, pfn, false);
}

void phys_put_zeroed_table(struct vmsh_sys *sys, uint64_t pfn)
{
	put_frame(sys, pfn, true);
}

/* Forget the contents' allocation: the page holds fill only. */
static void data_free(struct phys *ph, struct page *p)
{
	if (p->data_kind == PAGE_DATA_BUF) {
		ph->nr_bufs--;
		free(p->data);
	} else if (p->data_kind == PAGE_DATA_RUNS) {
		const struct page_runs *r = (const struct page_runs *)p->data;

		ph->run_bytes -= runs_size(r->nr, r->bytes);
		free(p->data);
	}
	p->data = NULL;
	p->data_kind = PAGE_DATA_FILL;
}

/* The page becomes @fill everywhere. */
static void data_set_fill(struct phys *ph, struct page *p, uint8_t fill)
{
	data_free(ph, p);
	p->fill = fill;
}

uint8_t phys_read_byte(const struct vmsh_sys *sys, uint64_t pfn, unsigned off)
{
	const struct page *p = cpage(sys, pfn);
	const struct page_runs *r;
	union runs_buf tmp;
	const uint8_t *bytes;
	unsigned i;

	if (p->data_kind == PAGE_DATA_BUF)
		return p->data[off];
	r = runs_view(p, &tmp);
	if (!r)
		return p->fill;
	bytes = runs_bytes(r);
	for (i = 0; i < r->nr && r->run[i].off <= off; i++) {
		if (off < (unsigned)r->run[i].off + r->run[i].len)
			return bytes[off - r->run[i].off];
		bytes += r->run[i].len;
	}
	return p->fill;
}

/* The runs' bytes over [off, off + len) of @buf (which holds the fill). */
static void runs_overlay(const struct page_runs *r, unsigned off,
			 uint8_t *buf, unsigned len)
{
	const uint8_t *bytes = runs_bytes(r);
	unsigned i;

	for (i = 0; i < r->nr; bytes += r->run[i].len, i++) {
		unsigned lo = r->run[i].off, hi = lo + r->run[i].len;

		if (hi <= off || lo >= off + len)
			continue;
		if (lo < off)
			lo = off;
		if (hi > off + len)
			hi = off + len;
		memcpy(buf + (lo - off), bytes + (lo - r->run[i].off), hi - lo);
	}
}

void phys_read(const struct vmsh_sys *sys, uint64_t pfn, unsigned off,
	       uint8_t *buf, unsigned len)
{
	const struct page *p = cpage(sys, pfn);
	const struct page_runs *r;
	union runs_buf tmp;

	if (off > PAGE_SIZE || len > PAGE_SIZE - off)
		abort();
	if (p->data_kind == PAGE_DATA_BUF) {
		memcpy(buf, p->data + off, len);
		return;
	}
	memset(buf, p->fill, len);
	r = runs_view(p, &tmp);
	if (r)
		runs_overlay(r, off, buf, len);
}

/* Give the page a 4 KiB buffer holding its current contents. */
static void materialise(struct phys *ph, struct page *p)
{
	const struct page_runs *r;
	union runs_buf tmp;
	uint8_t *buf;

	if (p->data_kind == PAGE_DATA_BUF)
		return;
	buf = xmalloc(PAGE_SIZE);
	memset(buf, p->fill, PAGE_SIZE);
	r = runs_view(p, &tmp);
	if (r)
		runs_overlay(r, 0, buf, PAGE_SIZE);
	data_free(ph, p);
	p->data = buf;
	p->data_kind = PAGE_DATA_BUF;
	ph->nr_bufs++;
}

/* The page's runs become @r (fill unchanged): one short run in the
 * pointer's word, else a copy of @r in an allocation of its size. */
static void runs_store(struct phys *ph, struct page *p,
		       const struct page_runs *r)
{
	size_t size = runs_size(r->nr, r->bytes);
	uint64_t w;

	data_free(ph, p);
	if (r->nr == 1 && r->bytes <= INLINE_MAX) {
		w = r->run[0].off | (uint64_t)r->run[0].len << 12;
		for (unsigned i = 0; i < r->bytes; i++)
			w |= (uint64_t)runs_bytes(r)[i] << (16 + 8 * i);
		p->data_inline = w;
		p->data_kind = PAGE_DATA_INLINE;
		return;
	}
	p->data = xmalloc(size);
	memcpy(p->data, r, size);
	p->data_kind = PAGE_DATA_RUNS;
	ph->run_bytes += size;
}

/*
 * Store into a buffer-less page as runs when the result still fits
 * RUNS_MAX runs of RUNS_MAX_BYTES bytes; false otherwise.  The runs the
 * write overlaps or touches merge with it into one.
 */
static bool write_runs(struct phys *ph, struct page *p, unsigned off,
		       const uint8_t *buf, uint8_t fill, unsigned len)
{
	union runs_buf tmp, out;
	const struct page_runs *old = runs_view(p, &tmp);
	unsigned nr = old ? old->nr : 0, i0, i1, i, lo = off, hi = off + len;
	unsigned dropped = 0, bytes;
	const uint8_t *ob = old ? runs_bytes(old) : NULL;
	struct page_runs *r = &out.r;
	uint8_t *nb;

	if (len > RUNS_MAX_BYTES)
		return false;
	/* runs [i0, i1) overlap or touch [off, off + len) */
	for (i0 = 0; i0 < nr && old->run[i0].off + old->run[i0].len < off; i0++)
		;
	for (i1 = i0; i1 < nr && old->run[i1].off <= off + len; i1++) {
		unsigned rlo = old->run[i1].off, rhi = rlo + old->run[i1].len;

		if (rlo < lo)
			lo = rlo;
		if (rhi > hi)
			hi = rhi;
		dropped += old->run[i1].len;
	}
	/* a write inside one allocated run changes its bytes in place */
	if (p->data_kind == PAGE_DATA_RUNS && i1 == i0 + 1 &&
	    lo == old->run[i0].off && hi == (unsigned)lo + old->run[i0].len) {
		uint8_t *at = runs_bytes(old);

		for (i = 0; i < i0; i++)
			at += old->run[i].len;
		if (buf)
			memcpy(at + (off - lo), buf, len);
		else
			memset(at + (off - lo), fill, len);
		return true;
	}
	bytes = (old ? old->bytes : 0) - dropped + (hi - lo);
	if (nr - (i1 - i0) + 1 > RUNS_MAX || bytes > RUNS_MAX_BYTES)
		return false;
	r->nr = (uint16_t)(nr - (i1 - i0) + 1);
	r->bytes = (uint16_t)bytes;
	nb = runs_bytes(r);
	/* the runs before, the merged one, the runs after */
	for (i = 0; i < i0; i++) {
		r->run[i] = old->run[i];
		memcpy(nb, ob, old->run[i].len);
		nb += old->run[i].len;
		ob += old->run[i].len;
	}
	r->run[i0].off = (uint16_t)lo;
	r->run[i0].len = (uint16_t)(hi - lo);
	memset(nb, p->fill, hi - lo);
	for (i = i0; i < i1; i++) {
		memcpy(nb + (old->run[i].off - lo), ob, old->run[i].len);
		ob += old->run[i].len;
	}
	if (buf)
		memcpy(nb + (off - lo), buf, len);
	else
		memset(nb + (off - lo), fill, len);
	nb += hi - lo;
	for (i = i1; i < nr; i++) {
		r->run[i - i1 + i0 + 1] = old->run[i];
		memcpy(nb, ob, old->run[i].len);
		nb += old->run[i].len;
		ob += old->run[i].len;
	}
	runs_store(ph, p, r);
	return true;
}

/* Are the @len bytes at @buf all one value?  (Each equal to the next:
 * one memcmp, which the C library does a vector at a time.) */
static bool uniform_bytes(const uint8_t *buf, unsigned len)
{
	return len < 2 || !memcmp(buf, buf + 1, len - 1);
}

void phys_write(struct vmsh_sys *sys, uint64_t pfn, unsigned off,
		const uint8_t *buf, uint8_t fill, unsigned len)
{
	struct phys *ph = &sys->phys;
	struct page *p = phys_page(sys, pfn);
	unsigned i;

	if (off > PAGE_SIZE || len > PAGE_SIZE - off || pfn == ph->zero_pfn)
		abort();
	if (len == 0)
		return;
	if (p->kind == PAGE_PGTABLE) {
		if (buf)
			memcpy(p->data + off, buf, len);
		else
			memset(p->data + off, fill, len);
		return;
	}
	if (off == 0 && len == PAGE_SIZE && (!buf || uniform_bytes(buf, len))) {
		/* A whole page of one value needs no buffer. */
		data_set_fill(ph, p, buf ? buf[0] : fill);
		return;
	}
	if (p->data_kind != PAGE_DATA_BUF) {
		/* Bytes equal to what is there already change nothing. */
		bool same = true;

		if (p->data_kind == PAGE_DATA_FILL)
			same = buf ? buf[0] == p->fill && uniform_bytes(buf, len) :
				     fill == p->fill;
		else
			for (i = 0; i < len && same; i++)
				same = phys_read_byte(sys, pfn, off + i) ==
				       (buf ? buf[i] : fill);
		if (same)
			return;
		if (write_runs(ph, p, off, buf, fill, len))
			return;
		materialise(ph, p);
	}
	if (buf)
		memcpy(p->data + off, buf, len);
	else
		memset(p->data + off, fill, len);
}

void phys_copy(struct vmsh_sys *sys, uint64_t dst, uint64_t src)
{
	struct phys *ph = &sys->phys;
	struct page *d = phys_page(sys, dst);
	const struct page *s = phys_page(sys, src);

	if (dst == ph->zero_pfn || d->kind == PAGE_PGTABLE ||
	    s->kind == PAGE_PGTABLE)
		abort();
	if (s->data_kind == PAGE_DATA_BUF) {
		if (d->data_kind != PAGE_DATA_BUF) {
			data_free(ph, d);
			d->data = xmalloc(PAGE_SIZE);
			d->data_kind = PAGE_DATA_BUF;
			ph->nr_bufs++;
		}
		memcpy(d->data, s->data, PAGE_SIZE);
		return;
	}
	data_set_fill(ph, d, s->fill);
	if (s->data_kind == PAGE_DATA_INLINE) {
		d->data_inline = s->data_inline;
		d->data_kind = PAGE_DATA_INLINE;
	} else if (s->data_kind == PAGE_DATA_RUNS) {
		runs_store(ph, d, (const struct page_runs *)s->data);
	}
}

const char *phys_check_contents(const struct vmsh_sys *sys, uint64_t pfn,
				struct phys_host_bytes *sum)
{
	const struct page *p = cpage(sys, pfn);
	const struct page_runs *r;
	union runs_buf tmp;
	unsigned i, end = 0, bytes = 0;

	if (p->kind == PAGE_PGTABLE) {
		sum->tables += PAGE_SIZE;
		return p->data ? NULL : "contents: page table without its entries";
	}
	switch (p->data_kind) {
	case PAGE_DATA_FILL:
		return p->data ? "contents: uniform with an allocation" : NULL;
	case PAGE_DATA_BUF:
		sum->bufs += PAGE_SIZE;
		return p->data ? NULL : "contents: buffer missing";
	case PAGE_DATA_INLINE:
		r = runs_view(p, &tmp);
		if (!r->run[0].len || r->run[0].off + r->run[0].len > PAGE_SIZE)
			return "contents: inline run out of the page";
		return NULL;
	}
	r = (const struct page_runs *)p->data;
	if (!r)
		return "contents: runs missing";
	sum->runs += runs_size(r->nr, r->bytes);
	if (!r->nr || r->nr > RUNS_MAX || r->bytes > RUNS_MAX_BYTES)
		return "contents: too many runs or bytes";
	if (r->nr == 1 && r->bytes <= INLINE_MAX)
		return "contents: one short run not kept inline";
	for (i = 0; i < r->nr; i++) {
		if (!r->run[i].len || (i && r->run[i].off <= end) ||
		    r->run[i].off + r->run[i].len > PAGE_SIZE)
			return "contents: runs not sorted, apart and inside the page";
		end = r->run[i].off + r->run[i].len;
		bytes += r->run[i].len;
	}
	return bytes == r->bytes ? NULL : "contents: run bytes miscounted";
}

bool phys_host_bytes_agree(const struct vmsh_sys *sys,
			   const struct phys_host_bytes *sum)
{
	const struct phys *ph = &sys->phys;

	return sum->tables == ph->nr_tables * PAGE_SIZE &&
	       sum->bufs == ph->nr_bufs * PAGE_SIZE &&
	       sum->runs == ph->run_bytes;
}

void phys_host_bytes(const struct vmsh_sys *sys, struct phys_host_bytes *out)
{
	const struct phys *ph = &sys->phys;

	out->pages = ph->hiwater * sizeof(struct page);
	out->tables = ph->nr_tables * PAGE_SIZE;
	out->bufs = ph->nr_bufs * PAGE_SIZE;
	out->runs = ph->run_bytes;
}

uint64_t page_to_pfn(const struct vmsh_sys *sys, const struct page *pg)
{
	return (uint64_t)(pg - sys->phys.pages);
}

void folio_putback_lru(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *folio = phys_page(sys, pfn);
	bool was_unevictable = folio->unevictable;
	uint64_t nr = folio_nr_pages(folio);

	folio->unevictable = false;
	if (folio_evictable(folio)) {
		if (was_unevictable)
			sys->stat[ST_UNEVICTABLE_PGRESCUED] += nr;
	} else {
		folio->active = false;
		folio->unevictable = true;      /* mlock_count 0 (lru_link) */
		if (!was_unevictable)
			sys->stat[ST_UNEVICTABLE_PGCULLED] += nr;
	}
	lru_add(sys, pfn);
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

	if (pg->thp & PAGE_THP_TAIL)
		return;         /* a THP's tails: its head is the entry */
	if (pg->lru != LRU_NONE || (pg->kind != PAGE_ANON && pg->kind != PAGE_FILE))
		abort();
	l = folio_lru_list(pg);
	pg->lru = (uint8_t)l;
	if (l == LRU_UNEVICTABLE) {
		/* only counted, as Linux's (lru_prev is the mlock_count) */
		pg->lru_prev = 0;
		pg->lru_next = LRU_NIL;
		lv->nr_pages[l] += lru_nr_pages(pg);
		return;
	}
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
	lv->nr_pages[l] += lru_nr_pages(pg);
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
	if (l == LRU_UNEVICTABLE)
		goto out;
	if (pg->lru_prev != LRU_NIL)
		sys->phys.pages[pg->lru_prev].lru_next = pg->lru_next;
	else
		lv->head[l] = pg->lru_next;
	if (pg->lru_next != LRU_NIL)
		sys->phys.pages[pg->lru_next].lru_prev = pg->lru_prev;
	else
		lv->tail[l] = pg->lru_prev;
out:
	lv->nr_pages[l] -= lru_nr_pages(pg);
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
	data_set_fill(&sys->phys, p, 0);
}

void lru_split_head(struct vmsh_sys *sys, uint64_t head)
{
	struct page *pg = phys_page(sys, head);

	if (pg->lru != LRU_NONE)
		sys->phys.lruvec.nr_pages[pg->lru] -= HPAGE_PMD_NR - 1;
}

void lru_add_split(struct vmsh_sys *sys, uint64_t head, uint64_t pfn)
{
	struct lruvec *lv = &sys->phys.lruvec;
	struct page *h = phys_page(sys, head), *pg = phys_page(sys, pfn);
	unsigned l = h->lru;

	if (pg->lru != LRU_NONE || l == LRU_NONE || l == LRU_UNEVICTABLE ||
	    folio_lru_list(pg) != (enum lru_list)l) {
		lru_add(sys, pfn);
		return;
	}
	/* between the head and its newer neighbour */
	pg->lru = (uint8_t)l;
	pg->lru_next = (uint32_t)head;
	pg->lru_prev = h->lru_prev;
	if (h->lru_prev != LRU_NIL)
		sys->phys.pages[h->lru_prev].lru_next = (uint32_t)pfn;
	else
		lv->head[l] = (uint32_t)pfn;
	h->lru_prev = (uint32_t)pfn;
	lv->nr_pages[l]++;
}

bool phys_zero_filled(const struct vmsh_sys *sys, uint64_t pfn)
{
	const struct page *p = &sys->phys.pages[pfn];
	uint8_t buf[PAGE_SIZE];
	unsigned i;

	if (p->data_kind == PAGE_DATA_FILL)
		return p->fill == 0;
	phys_read(sys, pfn, 0, buf, PAGE_SIZE);
	for (i = 0; i < PAGE_SIZE; i++)
		if (buf[i])
			return false;
	return true;
}

/* ---- the mapping ids ----------------------------------------------------- */

void page_set_mapping(struct phys *ph, struct page *p, void *obj,
		      uint32_t *id)
{
	struct mapping_table *t = &ph->mappings;

	if (obj && !*id) {
		if (t->free) {
			*id = t->free;
			t->free = (uint32_t)((uintptr_t)t->obj[*id] >> 1);
		} else {
			/* each id is a host object of 40 bytes or more: 2^29
			 * of them outgrow the host first */
			if (t->nr == 1U << MAPPING_ID_BITS)
				abort();
			if (t->nr == t->cap) {
				t->cap *= 2;
				t->obj = xrealloc(t->obj, t->cap * sizeof(void *));
			}
			*id = t->nr++;
		}
		t->obj[*id] = obj;
	}
	p->mapping_hi = (obj ? *id : 0) >> 16;
	p->mapping_lo = (obj ? *id : 0) & 0xffff;
}

void mapping_id_put(struct phys *ph, uint32_t *id)
{
	struct mapping_table *t = &ph->mappings;

	if (!*id)
		return;
	t->obj[*id] = (void *)((uintptr_t)t->free << 1 | 1);
	t->free = *id;
	*id = 0;
}

const void *mapping_id_obj(const struct phys *ph, uint32_t id)
{
	const void *obj = id < ph->mappings.nr ? ph->mappings.obj[id] : NULL;

	return (uintptr_t)obj & 1 ? NULL : obj;
}
