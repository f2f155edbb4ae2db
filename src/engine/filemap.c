/* SPDX-License-Identifier: MIT */
/*
 * Faults on file, shmem and device mappings: mm/memory.c's do_fault()
 * family (do_read_fault with do_fault_around, do_cow_fault,
 * do_shared_fault, wp_page_shared) and the filemap/shmem ->fault,
 * ->map_pages and ->page_mkwrite handlers; also f_op->mmap of regular
 * files and shmem_zero_setup.
 *
 *   PTE absent, read ----> do_read_fault: fault-around maps the cached
 *                          pages near it; else ->fault + map it
 *   PTE absent, write ---> private: do_cow_fault (anonymous copy; the
 *                          cache page is never mapped)
 *                          shared:  do_shared_fault (->page_mkwrite,
 *                          map writable + dirty, page dirty)
 *   PTE read-only, write > shared: wp_page_shared (->page_mkwrite, reuse)
 *                          private: fault.c's do_wp_page copies
 *
 * Invariants:
 *  - a page mapped here holds one reference and one mapcount per PTE and
 *    is counted once in the rss counter page_mm_counter() names;
 *  - a shared mapping's PTE is writable at fault time only when the VMA is
 *    writable and does not want write-notify (tmpfs, shmem); write-notified
 *    VMAs (disk files, the lazy device) map read-only until a write fault
 *    has called ->page_mkwrite;
 *  - a file page at index >= DIV_ROUND_UP(i_size, 4096) is never mapped:
 *    the fault is SIGBUS (BUS_ADRERR), fault-around stops at EOF.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>

#include "anon_vma.h"
#include "fault.h"
#include "file.h"
#include "memory.h"
#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "swap.h"
#include "sys.h"
#include "vm_flags.h"
#include "vma.h"

#define PTRS_PER_PTE 512ULL
#define PMD_SHIFT    (PAGE_SHIFT + 9)   /* a page table maps 2 MiB */
/* Tries of one fault: Linux restarts a fault after readahead I/O
 * (VM_FAULT_RETRY); the second pass may meet one readahead mark. */
#define FAULT_TRIES  3

/* wants_writenotify: shared writable VMA whose writes must be seen. */
static bool wants_writenotify(const struct vmsh_vma *vma)
{
	if ((vma->vm_flags & (VM_WRITE | VM_SHARED)) != (VM_WRITE | VM_SHARED))
		return false;
	if (vma->vm_flags & (VM_PFNMAP | VM_MIXEDMAP))
		return false;
	return vma->vm_ops && vma->vm_ops->page_mkwrite;
}

/* Writable bit of a PTE installed by a fault that is not a write
 * (vma->vm_page_prot). */
static bool prot_writable(const struct vmsh_vma *vma)
{
	return (vma->vm_flags & (VM_WRITE | VM_SHARED)) == (VM_WRITE | VM_SHARED) &&
	       !wants_writenotify(vma);
}

/* The rmap side of a PTE just set to @pfn in @vma: folio_add_new_anon_rmap
 * + folio_add_lru_vma (a COW copy) or folio_add_file_rmap_ptes, both
 * mlocking in a locked VMA.  Returns the rss counter the page counts in
 * (negative: none). */
static int page_add_rmap(struct vmsh_vma *vma, uint64_t pfn)
{
	struct page *pg = phys_page(vma->vm_mm->sys, pfn);

	if (pg->kind == PAGE_ANON && !pg->mapcount)
		folio_add_lru_vma(vma, pfn);
	else
		mlock_vma_folio(vma, pfn);
	pg->mapcount++;
	return page_mm_counter(pg);
}

/* Install @pfn (whose reference the caller hands over) at @pte. */
static void set_page(struct vmsh_vma *vma, uint64_t *pte, uint64_t pfn,
		     bool writable, bool dirty)
{
	int counter;

	*pte = pte_mkentry(pfn, vma->vm_flags, writable, dirty, true);
	counter = page_add_rmap(vma, pfn);
	if (counter >= 0)
		mm_add_rss(vma->vm_mm, counter, 1);
}

/* Install @pfn (whose reference the caller hands over) at @addr. */
static int map_page(struct vmsh_vma *vma, uint64_t addr, uint64_t pfn,
		    bool writable, bool dirty)
{
	uint64_t *pte = pte_lookup(vma->vm_mm, addr, true);

	if (!pte)
		return VM_FAULT_OOM;
	set_page(vma, pte, pfn, writable, dirty);
	return 0;
}

/*
 * finish_fault(): map the faulted file page @pfn (a reference handed
 * over) at @addr, and with it the rest of its large folio when the folio
 * lies inside the VMA and one page table, not past EOF, and none of its
 * PTEs is set; every PTE as the fault's (writable and dirty for a write).
 * Probe (6.18, ext4): a write fault on a shared mapping maps the whole
 * 4-page folio, writable.
 */
static int finish_fault(struct vmsh_vma *vma, uint64_t addr, uint64_t pfn,
			bool writable, bool dirty)
{
	struct vmsh_mm *mm = vma->vm_mm;
	struct vmsh_sys *sys = mm->sys;
	struct page *pg = phys_page(sys, pfn);
	struct vmsh_file *f = page_file(sys, pg);
	uint64_t nr = folio_nr_pages(pg), first = folio_first_index(pg);
	uint64_t idx = pg->index - first, vma_off = linear_page_index(vma, addr) -
		       vma->vm_pgoff, pte_off = (addr >> PAGE_SHIFT) & 511;
	uint64_t start = (addr & PAGE_MASK) - idx * PAGE_SIZE, i, *pte;

	if (nr == 1 || vma_off < idx || vma_off + nr - idx > vma_pages(vma) ||
	    pte_off < idx || pte_off + nr - idx > PTRS_PER_PTE ||
	    first + nr > file_pages(f))
		return map_page(vma, addr, pfn, writable, dirty);
	/* every PTE of the folio is in this one table */
	pte = pte_lookup(mm, start, true);
	if (!pte)
		return VM_FAULT_OOM;
	for (i = 0; i < nr; i++)
		if (pte[i])             /* !pte_range_none: fall back */
			return map_page(vma, addr, pfn, writable, dirty);
	for (i = 0; i < nr; i++) {
		uint64_t p = i == idx ? pfn : file_cache_lookup(f, first + i);

		if (i != idx)
			phys_get(sys, p);
		map_page(vma, start + i * PAGE_SIZE, p, writable, dirty);
	}
	trace(sys, "finish_fault addr=%#lx: the whole folio, %lu pages",
	      addr, nr);
	return 0;
}

static void set_sigbus(struct vmsh_fault *f, uint64_t addr)
{
	if (!f)
		return;
	f->signo = SIGBUS;
	f->code = BUS_ADRERR;
	f->addr = addr;
	f->pid = 0;
}

/* ---- ->fault, ->map_pages, ->page_mkwrite of files and shmem ---------- */

/* shmem_fault: the page, allocated (zero-filled) in the cache for a hole. */
static int shmem_fault(struct vmsh_vma *vma, uint64_t pgoff, uint64_t *pfn)
{
	struct vmsh_file *f = file_inode(vma->vm_file);
	struct vmsh_sys *sys = vma->vm_mm->sys;
	bool cached;

	if (pgoff >= file_pages(f))
		return VM_FAULT_SIGBUS;
	cached = file_cache_lookup(f, pgoff) != UINT64_MAX;
	if (!cached && f->swapped.nr && shmem_swapped(f, pgoff)) {
		/* shmem_swapin_folio(): major when read from swap */
		if (shmem_swapin(sys, f, pgoff, true) == UINT64_MAX)
			return VM_FAULT_OOM;
		cached = true;
	}
	if (filemap_get_page(sys, f, pgoff, true, pfn))
		return VM_FAULT_OOM;
	trace(sys, "shmem_fault pgoff=%#lx pfn=%#lx%s", pgoff, *pfn,
	      cached ? "" : " (new page)");
	return 0;
}

/*
 * filemap_fault (disk files): a page not cached is a major fault that
 * reads around it (do_sync_mmap_readahead); a cached page with the
 * readahead mark pushes the readahead window (do_async_mmap_readahead).
 * Either way the I/O drops the mmap lock and the fault is retried
 * (VM_FAULT_RETRY), so a read fault then faults around the new pages.
 */
static int filemap_fault(struct vmsh_vma *vma, uint64_t pgoff, uint64_t *pfn)
{
	struct vmsh_file *f = file_inode(vma->vm_file);
	struct file_ra_state *ra = &vma->vm_file->ra;
	struct vmsh_sys *sys = vma->vm_mm->sys;
	uint64_t p;

	if (pgoff >= file_pages(f))
		return VM_FAULT_SIGBUS;
	p = file_cache_lookup(f, pgoff);
	if (p != UINT64_MAX) {
		struct page *folio = page_folio(sys, phys_page(sys, p));

		if (ra->mmap_miss)
			ra->mmap_miss--;
		if (folio_test_readahead(folio)) {
			trace(sys, "filemap_fault pgoff=%#lx: async readahead",
			      pgoff);
			file_async_ra(sys, f, ra, folio, pgoff, RA_PAGES);
			return VM_FAULT_RETRY;
		}
	} else {
		sys->stat[ST_PGMAJFAULT]++;
		trace(sys, "filemap_fault pgoff=%#lx: major, read-around", pgoff);
		if (file_mmap_readaround(sys, f, ra, vma, pgoff) &&
		    file_cache_lookup(f, pgoff) != UINT64_MAX)
			return VM_FAULT_RETRY;
	}
	if (filemap_get_page(sys, f, pgoff, true, pfn))
		return VM_FAULT_OOM;
	trace(sys, "filemap_fault pgoff=%#lx pfn=%#lx", pgoff, *pfn);
	return 0;
}

/* Fault-around's batch (set_pte_range): the PTE's bits made once, the
 * rss added once at the end (add_mm_counter of the batch). */
struct map_batch {
	uint64_t entry;                 /* pte_mkentry of pfn 0 */
	int64_t rss[NR_MM_COUNTERS];
};

/* Map file page @idx of @vma at its address unless a PTE is there; true
 * when it got mapped.  @ok false: out of page-table frames.  As
 * set_page, with @b's entry and counters. */
static bool map_cached(struct vmsh_vma *vma, struct pte_cursor *cur,
		       uint64_t idx, uint64_t pfn, struct map_batch *b,
		       bool *ok)
{
	struct vmsh_sys *sys = vma->vm_mm->sys;
	uint64_t va = vma_address(vma, idx);
	uint64_t *pte = pte_lookup_at(vma->vm_mm, cur, va, true);
	int counter;

	*ok = pte != NULL;
	if (!pte || *pte)
		return false;
	phys_get(sys, pfn);
	*pte = ((pfn << PAGE_SHIFT) & PTE_PFN_MASK) | b->entry;
	counter = page_add_rmap(vma, pfn);
	if (counter >= 0)
		b->rss[counter]++;
	return true;
}

/* May fault-around map the large folio of file pages [@from, @to] whole:
 * inside the VMA, inside one page table, and (a disk file) not holding
 * the last page (6.18's i_size check; tmpfs is exempt). */
static bool folio_maps_whole(const struct vmsh_vma *vma,
			     const struct vmsh_file *f, uint64_t from,
			     uint64_t to)
{
	uint64_t first_va, last_va;

	if (from < vma->vm_pgoff || to >= vma->vm_pgoff + vma_pages(vma))
		return false;
	if (f->disk && to >= file_pages(f) - 1)
		return false;
	first_va = vma_address(vma, from);
	last_va = vma_address(vma, to);
	return first_va >> PMD_SHIFT == last_va >> PMD_SHIFT;
}

/*
 * filemap_map_pages: map the cached, uptodate pages of [start, end] that
 * have no PTE yet, read-only unless shared without write-notify, folio by
 * folio: a folio !uptodate or marked for readahead is skipped whole, and
 * a large folio that lies inside the VMA and one page table is mapped
 * whole, past the window if need be (6.18; probe: a 4-page folio
 * straddling the window's end is mapped in full).
 */
static bool filemap_map_pages(struct vmsh_vma *vma, uint64_t addr,
			      uint64_t start, uint64_t end)
{
	struct vmsh_file *f = file_inode(vma->vm_file);
	struct vmsh_mm *mm = vma->vm_mm;
	struct vmsh_sys *sys = mm->sys;
	uint64_t idx, mapped = 0, fault_idx = linear_page_index(vma, addr);
	struct pcache_cursor at = { NULL, 0, 0 };       /* the last node looked in */
	bool hit = false, ok = true, first = true;
	bool pmd_none = f->disk && !pte_lookup(mm, addr, false);
	struct pte_cursor cur = { NULL, 0 };
	struct map_batch b = { pte_mkentry(0, vma->vm_flags, prot_writable(vma),
					   false, true), { 0 } };

	if (!f->size)
		return false;
	if (end > file_pages(f) - 1)
		end = file_pages(f) - 1;
	for (idx = start; ok && idx <= end && idx >= start;) {
		uint64_t pfn = file_cache_lookup_next(f, idx, &at), from, to, i;
		struct page *pg, *folio;

		if (pfn == UINT64_MAX) {
			idx++;
			continue;
		}
		pg = phys_page(sys, pfn);
		folio = page_folio(sys, pg);
		from = folio_first_index(pg);
		to = from + folio_nr_pages(pg) - 1;
		if (!folio->uptodate || folio_test_readahead(folio)) {
			idx = to + 1;
			continue;
		}
		/*
		 * The first folio next_uptodate_folio() finds: on a disk
		 * file, when it holds the last page and this fault found no
		 * page table, the PMD is not populated (the "no PMD across
		 * i_size" check skips filemap_map_pmd) and nothing is
		 * mapped.  Probe (6.18, ext4): a 4-page file with only page
		 * 3 cached, touched at page 8, maps none; with pages 0 and 3
		 * cached it maps both.
		 */
		if (first && pmd_none && to >= file_pages(f) - 1) {
			trace(sys, "filemap_map_pages pgoff=%#lx-%#lx: first folio "
			      "holds EOF, no page table", start, end);
			return false;
		}
		first = false;
		if (!pg->order || !folio_maps_whole(vma, f, from, to)) {
			from = idx;             /* the part in the window */
			if (to > end)
				to = end;
		}
		for (i = from; ok && i <= to; i++) {
			if (!map_cached(vma, &cur, i, i == idx ? pfn :
					file_cache_lookup_next(f, i, &at),
					&b, &ok))
				continue;
			if (i == fault_idx)
				hit = true;
			else
				mapped++;
		}
		idx = folio_first_index(pg) + folio_nr_pages(pg);
	}
	for (int c = 0; c < NR_MM_COUNTERS; c++)
		if (b.rss[c])
			mm_add_rss(mm, c, b.rss[c]);
	sys->stat[ST_FAULT_AROUND] += mapped;
	if (f->disk) {
		struct file_ra_state *ra = &vma->vm_file->ra;

		ra->mmap_miss = ra->mmap_miss > mapped + hit ?
				ra->mmap_miss - (unsigned)(mapped + hit) : 0;
	}
	trace(sys, "filemap_map_pages pgoff=%#lx-%#lx mapped=%lu%s", start, end,
	      mapped + hit, hit ? " (fault page cached)" : "");
	return hit;
}

static int filemap_page_mkwrite(struct vmsh_vma *vma, uint64_t pgoff,
				uint64_t pfn)
{
	struct vmsh_sys *sys = vma->vm_mm->sys;

	(void)pfn;
	/* a page truncated meanwhile would be VM_FAULT_NOPAGE; the model's
	 * faults are atomic, so the page is always still there */
	trace(sys, "filemap_page_mkwrite pgoff=%#lx", pgoff);
	return 0;
}

const struct vm_operations shmem_vm_ops = {
	.name = "shmem_vm_ops",
	.fault = shmem_fault,
	.map_pages = filemap_map_pages,
};

const struct vm_operations shmem_anon_vm_ops = {
	.name = "shmem_anon_vm_ops",
	.fault = shmem_fault,
	.map_pages = filemap_map_pages,
};

const struct vm_operations generic_file_vm_ops = {
	.name = "generic_file_vm_ops",
	.fault = filemap_fault,
	.map_pages = filemap_map_pages,
	.page_mkwrite = filemap_page_mkwrite,
};

/* ---- f_op->mmap, shmem_zero_setup ----------------------------------------- */

int file_mmap(struct vmsh_sys *sys, struct vmsh_vma *vma)
{
	struct vmsh_file *given = vma->vm_file, *f = file_inode(given), *open;
	int err;

	if (f->device && !f->mmap)
		return -ENODEV;
	/* this mmap's own struct file, holding the VMA's reference */
	if (f->shmem || given->inode) {
		open = NULL;
	} else if (f->one_open) {
		open = f->one_open;
		file_get(open);
	} else {
		open = file_open(sys, f);
		if (f->recorded)
			f->one_open = open;
	}
	if (open)
		vma->vm_file = open;
	if (f->mmap) {
		err = f->mmap(sys, vma);
		if (err) {
			if (open) {
				vma->vm_file = given;
				file_put(sys, open);
			}
			return err;
		}
	} else {
		if (f->shmem)
			vma->vm_ops = &shmem_anon_vm_ops;
		else
			vma->vm_ops = f->disk ? &generic_file_vm_ops : &shmem_vm_ops;
		trace(sys, "call_mmap %s vma=%#lx-%#lx vm_ops=%s", f->path,
		      vma->vm_start, vma->vm_end, vma->vm_ops->name);
	}
	if (open)
		file_put(sys, given);   /* the open file holds the inode now */
	return 0;
}

int shmem_zero_setup(struct vmsh_sys *sys, struct vmsh_vma *vma)
{
	struct vmsh_file *f = shmem_file_new(sys, vma->vm_end - vma->vm_start);

	if (vma->vm_file)
		file_put(sys, vma->vm_file);
	vma->vm_file = f;               /* shmem_file_new's reference */
	vma->vm_ops = &shmem_anon_vm_ops;
	trace(sys, "shmem_zero_setup vma=%#lx-%#lx ino=%lu", vma->vm_start,
	      vma->vm_end, f->ino);
	return 0;
}

/* ---- the fault paths ------------------------------------------------------ */

static uint64_t fault_around_pages(const struct vmsh_sys *sys)
{
	uint64_t bytes = sys->cfg.fault_around, p = 1;

	if (bytes < PAGE_SIZE)
		return 1;
	while (p * 2 <= bytes / PAGE_SIZE && p * 2 <= PTRS_PER_PTE)
		p *= 2;
	return p;
}

/* __do_fault: call ->fault; a referenced frame in *pfn. */
static int do_fault_page(struct vmsh_vma *vma, uint64_t addr, uint64_t pgoff,
			 uint64_t *pfn)
{
	struct vmsh_sys *sys = vma->vm_mm->sys;

	trace(sys, "vm_ops->fault vma=%#lx-%#lx addr=%#lx", vma->vm_start,
	      vma->vm_end, addr);
	return vma->vm_ops->fault(vma, pgoff, pfn);
}

static int do_page_mkwrite(struct vmsh_vma *vma, uint64_t addr, uint64_t pgoff,
			   uint64_t pfn)
{
	struct vmsh_sys *sys = vma->vm_mm->sys;

	trace(sys, "vm_ops->page_mkwrite vma=%#lx-%#lx addr=%#lx", vma->vm_start,
	      vma->vm_end, addr);
	sys->stat[ST_PAGE_MKWRITE]++;
	return vma->vm_ops->page_mkwrite(vma, pgoff, pfn);
}

/* do_fault_around: true when it mapped the page at @addr. */
static bool do_fault_around(struct vmsh_vma *vma, uint64_t addr, uint64_t pgoff)
{
	uint64_t nr = fault_around_pages(vma->vm_mm->sys);
	uint64_t pte_off = (addr >> PAGE_SHIFT) & (PTRS_PER_PTE - 1);
	uint64_t vma_off = pgoff - vma->vm_pgoff;
	uint64_t from, to, lim;

	from = pte_off & ~(nr - 1);
	if (pte_off - (pte_off < vma_off ? pte_off : vma_off) > from)
		from = pte_off - (pte_off < vma_off ? pte_off : vma_off);
	to = from + nr;
	if (to > PTRS_PER_PTE)
		to = PTRS_PER_PTE;
	lim = pte_off + vma_pages(vma) - vma_off;
	if (to > lim)
		to = lim;
	to--;
	trace(vma->vm_mm->sys, "do_fault_around addr=%#lx pgoff=%#lx-%#lx", addr,
	      pgoff + from - pte_off, pgoff + to - pte_off);
	return vma->vm_ops->map_pages(vma, addr, pgoff + from - pte_off,
				      pgoff + to - pte_off);
}

static int do_read_fault(struct vmsh_vma *vma, uint64_t addr, uint64_t pgoff)
{
	struct vmsh_sys *sys = vma->vm_mm->sys;
	uint64_t pfn;
	int ret;

	int tries = 0;

again:
	trace(sys, "do_read_fault addr=%#lx pgoff=%#lx", addr, pgoff);
	if (vma->vm_ops->map_pages && fault_around_pages(sys) > 1 &&
	    do_fault_around(vma, addr, pgoff))
		return 0;
	ret = do_fault_page(vma, addr, pgoff, &pfn);
	if (ret == VM_FAULT_RETRY && ++tries < FAULT_TRIES)
		goto again;
	if (ret)
		return ret == VM_FAULT_RETRY ? VM_FAULT_SIGBUS : ret;
	ret = finish_fault(vma, addr, pfn, prot_writable(vma), false);
	if (ret)
		phys_put(sys, pfn);
	return ret;
}

static int do_cow_fault(struct vmsh_vma *vma, uint64_t addr, uint64_t pgoff)
{
	struct vmsh_sys *sys = vma->vm_mm->sys;
	uint64_t pfn, cow;
	struct page *pg;
	int ret, tries;

	trace(sys, "do_cow_fault addr=%#lx pgoff=%#lx", addr, pgoff);
	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	cow = phys_alloc(sys, PAGE_ANON);
	if (cow == UINT64_MAX)
		return VM_FAULT_OOM;
	for (tries = 0; tries < FAULT_TRIES; tries++) {
		ret = do_fault_page(vma, addr, pgoff, &pfn);
		if (ret != VM_FAULT_RETRY)
			break;
	}
	if (ret) {
		phys_put(sys, cow);
		if (ret == VM_FAULT_RETRY)
			ret = VM_FAULT_SIGBUS;
		return ret;
	}
	phys_copy(sys, cow, pfn);
	phys_put(sys, pfn);
	pg = phys_page(sys, cow);
	page_set_anon(sys, pg, vma->anon_vma);
	anon_vma_get(vma->anon_vma);
	pg->index = linear_page_index(vma, addr);
	pg->exclusive = true;
	pg->uptodate = true;
	ret = map_page(vma, addr, cow, !!(vma->vm_flags & VM_WRITE), true);
	if (ret) {
		put_page(sys, cow);
		return ret;
	}
	sys->stat[ST_COW_COPY]++;
	return 0;
}

static int do_shared_fault(struct vmsh_vma *vma, uint64_t addr, uint64_t pgoff)
{
	struct vmsh_sys *sys = vma->vm_mm->sys;
	uint64_t pfn;
	int ret, tries;

	trace(sys, "do_shared_fault addr=%#lx pgoff=%#lx", addr, pgoff);
	for (tries = 0; tries < FAULT_TRIES; tries++) {
		ret = do_fault_page(vma, addr, pgoff, &pfn);
		if (ret != VM_FAULT_RETRY)
			break;
	}
	if (ret == VM_FAULT_RETRY)
		ret = VM_FAULT_SIGBUS;
	if (!ret && vma->vm_ops->page_mkwrite)
		ret = do_page_mkwrite(vma, addr, pgoff, pfn);
	if (ret) {
		return ret;
	}
	ret = finish_fault(vma, addr, pfn, true, true);
	if (ret) {
		phys_put(sys, pfn);
		return ret;
	}
	page_folio(sys, phys_page(sys, pfn))->dirty = true;  /* fault_dirty_shared_page */
	return 0;
}

/* wp_page_shared / wp_pfn_shared: a write to a read-only PTE of a shared
 * mapping: ->page_mkwrite, then reuse the page writable and dirty. */
static int wp_page_shared(struct vmsh_vma *vma, uint64_t addr, uint64_t *pte)
{
	struct vmsh_sys *sys = vma->vm_mm->sys;
	uint64_t pfn = (*pte & PTE_PFN_MASK) >> PAGE_SHIFT;
	uint64_t pgoff = linear_page_index(vma, addr);
	int ret;

	trace(sys, "%s addr=%#lx pfn=%#lx", *pte & _PAGE_SPECIAL ?
	      "wp_pfn_shared" : "wp_page_shared", addr, pfn);
	if (!(*pte & _PAGE_SPECIAL) && vma->vm_ops && vma->vm_ops->page_mkwrite) {
		ret = do_page_mkwrite(vma, addr, pgoff, pfn);
		if (ret) {
			return ret;
		}
	}
	*pte |= _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED;   /* wp_page_reuse */
	if (!(*pte & _PAGE_SPECIAL))
		page_folio(sys, phys_page(sys, pfn))->dirty = true;
	return 0;
}

int do_file_fault(struct vmsh_sys *sys, struct vmsh_vma *vma, uint64_t addr,
		  bool write, struct vmsh_fault *f)
{
	uint64_t *pte = pte_lookup(vma->vm_mm, addr, false);
	uint64_t pgoff = linear_page_index(vma, addr);
	uint64_t page = addr & PAGE_MASK;
	int ret;

	if (pte && (*pte & _PAGE_PRESENT)) {
		if (!write || !(vma->vm_flags & VM_SHARED) || (*pte & _PAGE_RW))
			return 0;
		ret = wp_page_shared(vma, page, pte);
	} else if (!vma->vm_ops->fault) {
		/* do_fault without ->fault (a PFNMAP whose PTE is gone) */
		sys->stat[ST_FILE_FAULT]++;
		trace(sys, "do_fault addr=%#lx: no vm_ops->fault", addr);
		ret = VM_FAULT_SIGBUS;
	} else {
		sys->stat[ST_FILE_FAULT]++;
		if (!write)
			ret = do_read_fault(vma, page, pgoff);
		else if (!(vma->vm_flags & VM_SHARED))
			ret = do_cow_fault(vma, page, pgoff);
		else
			ret = do_shared_fault(vma, page, pgoff);
	}
	if (ret & VM_FAULT_SIGBUS) {
		trace(sys, "VM_FAULT_SIGBUS addr=%#lx", addr);
		set_sigbus(f, addr);
	}
	return ret;
}
