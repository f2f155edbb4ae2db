/* SPDX-License-Identifier: MIT */
/*
 * The MMU of each CPU (a TLB and the hardware page walk) and the kernel's
 * TLB flushing, after arch/x86/mm/tlb.c.
 *
 * Each CPU has a set-associative TLB (cfg.tlb_entries, cfg.tlb_ways; ways
 * == entries is fully associative) with LRU replacement in each set.  An
 * entry caches one user translation: (ASID, VPN) -> PFN and the PTE bits
 * RW, USER, NX, A, D.  Page tables are never cached (no paging-structure
 * caches): a miss walks every level, one memory reference each.
 *
 * Beside it each CPU has a second, separate TLB for 2 MiB pages
 * (cfg.tlb2m_entries, cfg.tlb2m_ways), as Intel's cores have: Skylake's
 * L1 DTLB holds 64 4 KiB entries (4-way) and, apart, 32 2M/4M entries
 * (4-way) -- the defaults 64:4 and 32:4.  (AMD's Zen cores keep every
 * page size in one fully associative L1 DTLB instead.)  A walk that ends
 * at a PS PMD fills this TLB with (ASID, VA >> 21) -> the folio's first
 * PFN; a lookup tries the 4 KiB TLB, then the 2 MiB one.  An invlpg of any
 * address inside a 2 MiB entry drops it (the SDM's INVLPG: "all TLB
 * entries for the page containing the address, whatever its size"); a
 * full flush and a CR3 write drop both TLBs' entries of the ASID.
 *
 *      CPU 0                      CPU 1
 *   +-----------+              +-----------+
 *   | TLB  sets |  mm->tlb_gen | TLB  sets |
 *   | ASID 0..5 |<-- flush --->| ASID 0..5 |   a flush of an mm loaded on
 *   +-----------+   (IPI)      +-----------+   another CPU is a shootdown
 *
 * Invariants kept here (tlb_array.c keeps each TLB's own):
 *  - without PCID every valid entry has ASID 0 and belongs to the mm
 *    loaded on that CPU (each CR3 write flushes);
 *  - with PCID the entries of ASID k belong to asid[k].mm_id, and are
 *    exact for that mm when asid[k].gen == mm->tlb_gen: every flush of an
 *    mm bumps its tlb_gen and brings the CPUs that have it loaded (not
 *    lazily) up to date at once; the others catch up when they switch to
 *    it (choose_new_asid sees an old generation and flushes the ASID);
 *  - CPUs and ASID slots name mms by id, never reused (the kernel's
 *    ctx_id), so a freed mm is never matched.
 *
 * With cfg.lazy_flush (a teaching switch) the flush_tlb_* calls do nothing:
 * an access through a stale entry is let through with a warning.  Without
 * it a stale entry (a missing flush: a bug elsewhere) is dropped and the
 * access walks the page table, so the model stays right.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "huge_memory.h"
#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "sys.h"
#include "task.h"
#include "tlb.h"

/* ---- one CPU's TLBs ------------------------------------------------------ */

/* INVLPG of @addr for @asid: the 4 KiB entry of its page and the 2 MiB
 * entry holding it, if any (global entries stay). */
static unsigned invlpg(struct cpu *c, unsigned asid, uint64_t addr)
{
	struct tlb *ts[2] = { &c->tlb, &c->tlb2m };
	unsigned n = 0;

	for (int k = 0; k < 2; k++) {
		struct tlb_entry *e;

		if (!ts[k]->entries || !ts[k]->asid_count[asid])
			continue;
		e = tlb_find(ts[k], asid, addr >> ts[k]->shift);
		ts[k]->steps++;
		if (e && !e->global) {
			tlb_drop(ts[k], e);
			n++;
		}
	}
	return n;
}

/* Both TLBs' non-global entries of @asid (ANY_ASID: all). */
static unsigned tlb_invalidate_all(struct cpu *c, unsigned asid)
{
	unsigned n = tlb_invalidate(&c->tlb, asid, 0, UINT64_MAX);

	if (c->tlb2m.entries)
		n += tlb_invalidate(&c->tlb2m, asid, 0, UINT64_MAX);
	return n;
}

/* ---- CPUs ---------------------------------------------------------------- */

void tlb_init(struct vmsh_sys *sys)
{
	unsigned ncpus = sys->cfg.cpus ? sys->cfg.cpus : 1;
	unsigned entries = sys->cfg.tlb_entries ? sys->cfg.tlb_entries : 1;

	sys->cpus = xcalloc(ncpus, sizeof(*sys->cpus));
	for (unsigned i = 0; i < ncpus; i++) {
		struct cpu *c = &sys->cpus[i];

		c->id = (int)i;
		tlb_geometry(&c->tlb, entries, sys->cfg.tlb_ways, PAGE_SHIFT);
		tlb_geometry(&c->tlb2m, sys->cfg.tlb2m_entries,
			     sys->cfg.tlb2m_ways, HPAGE_PMD_SHIFT);
		c->next_asid = 1;
	}
}

void tlb_fini(struct vmsh_sys *sys)
{
	unsigned ncpus = sys->cfg.cpus ? sys->cfg.cpus : 1;

	if (!sys->cpus)
		return;
	for (unsigned i = 0; i < ncpus; i++) {
		tlb_free(&sys->cpus[i].tlb);
		tlb_free(&sys->cpus[i].tlb2m);
	}
	free(sys->cpus);
	sys->cpus = NULL;
}

unsigned nr_cpus(const struct vmsh_sys *sys)
{
	return sys->cfg.cpus ? sys->cfg.cpus : 1;
}

static struct cpu *this_cpu(struct vmsh_sys *sys)
{
	if (!sys->cpus)
		tlb_init(sys);
	if (sys->cur_cpu < 0 || (unsigned)sys->cur_cpu >= nr_cpus(sys))
		return &sys->cpus[0];
	return &sys->cpus[sys->cur_cpu];
}

static bool loaded(const struct cpu *c, const struct vmsh_mm *mm)
{
	return c->loaded_mm_id && c->loaded_mm_id == mm->id;
}

unsigned cpu_mm_id(const struct cpu *c)
{
	if (c->loaded_mm_id)
		return c->loaded_mm_id;
	return c->loaded_mm ? c->loaded_mm->id : 0;
}

bool cpu_lazy(const struct cpu *c)
{
	return cpu_mm_id(c) && (!c->curr || !c->curr->mm);
}

#define TLB_FLUSH_ALL UINT64_MAX

/* Flush @mm's entries on @c, which has it loaded (flush_tlb_func): all
 * (@end TLB_FLUSH_ALL), else one invlpg per 1 << @stride bytes of [start,
 * end) as flush_tlb_user_pt_range does; record that @c caught up with
 * mm->tlb_gen. */
static void flush_on_cpu(struct cpu *c, const struct vmsh_mm *mm,
			 uint64_t start, uint64_t end, unsigned stride)
{
	if (end == TLB_FLUSH_ALL)
		tlb_invalidate_all(c, c->cur_asid);
	else
		for (uint64_t addr = start; addr < end; addr += 1ULL << stride)
			invlpg(c, c->cur_asid, addr);
	c->asid[c->cur_asid].gen = mm->tlb_gen;
	c->flushes++;
}

/*
 * choose_new_asid + load_new_mm_cr3: load @next on @c.  Without PCID the
 * CR3 write flushes; with PCID the ASID slot already holding @next is
 * reused without a flush when its generation is current.
 */
static void switch_mm(struct vmsh_sys *sys, struct cpu *c, struct vmsh_mm *next,
		      bool quiet)
{
	unsigned prev_id = c->loaded_mm_id;
	unsigned asid = 0;
	bool need_flush = true;

	if (sys->cfg.pcid) {
		bool found = false;

		for (unsigned k = 0; k < TLB_NR_ASIDS; k++) {
			if (c->asid[k].mm_id == next->id) {
				asid = k;
				need_flush = c->asid[k].gen < next->tlb_gen;
				found = true;
				break;
			}
		}
		if (!found) {
			asid = c->next_asid++;
			if (asid >= TLB_NR_ASIDS) {
				asid = 0;
				c->next_asid = 1;
			}
		}
	}
	/* Without PCID a CR3 write drops every non-global entry (also those
	 * tagged while `set pcid on` was in force). */
	if (need_flush && tlb_invalidate_all(c, sys->cfg.pcid ? asid : ANY_ASID) == 0 &&
	    (quiet || !prev_id))
		need_flush = false;     /* first load on an empty TLB */
	if (need_flush) {
		c->flushes++;
		sys->stat[ST_TLB_FLUSH_ALL]++;
	}
	c->asid[asid].mm_id = next->id;
	c->asid[asid].gen = next->tlb_gen;
	c->cur_asid = (uint16_t)asid;
	c->loaded_mm = next;
	c->loaded_mm_id = next->id;
	if (quiet)
		return;
	if (prev_id)
		trace(sys, "switch_mm cpu=%d mm=%u -> mm=%u asid=%u%s", c->id,
		      prev_id, next->id, asid, need_flush ? " flush" : " noflush");
	else
		trace(sys, "switch_mm cpu=%d init_mm -> mm=%u asid=%u%s", c->id,
		      next->id, asid, need_flush ? " flush" : " noflush");
}

void tlb_switch_mm(struct vmsh_sys *sys, int cpu, struct vmsh_mm *prev,
		   struct vmsh_mm *next)
{
	struct cpu *c;

	if (!sys->cpus)
		tlb_init(sys);
	if (cpu < 0 || (unsigned)cpu >= nr_cpus(sys))
		cpu = sys->cur_cpu;
	c = &sys->cpus[cpu < 0 || (unsigned)cpu >= nr_cpus(sys) ? 0 : cpu];
	if (!next)
		return;         /* a kernel thread keeps the tables: lazy TLB */
	if (loaded(c, next)) {
		/* Same mm (threads, or back from a kernel thread): no CR3
		 * write, but a lazy CPU skipped flushes and must catch up. */
		bool behind = c->asid[c->cur_asid].gen < next->tlb_gen;

		c->loaded_mm = next;
		if (behind) {
			flush_on_cpu(c, next, 0, TLB_FLUSH_ALL, PAGE_SHIFT);
			sys->stat[ST_TLB_FLUSH_ALL]++;
		}
		trace(sys, "switch_mm cpu=%d mm=%u same mm%s", c->id, next->id,
		      behind ? ", behind: flush" : "");
		return;
	}
	switch_mm(sys, c, next, false);
}

/* ---- flushing ----------------------------------------------------------- */

enum flush_kind { FLUSH_PAGE, FLUSH_RANGE, FLUSH_PMD_RANGE, FLUSH_MM };

static const char *const flush_name[] = {
	[FLUSH_PAGE] = "flush_tlb_page",
	[FLUSH_RANGE] = "flush_tlb_range",
	[FLUSH_PMD_RANGE] = "flush_pmd_tlb_range",
	[FLUSH_MM] = "flush_tlb_mm",
};

/*
 * flush_tlb_mm_range: bump the mm's generation, flush locally when the mm
 * is loaded here, and send an IPI to every other CPU that has it loaded
 * and is not lazy (native_flush_tlb_multi).  More than 33 strides
 * ((end - start) >> stride_shift > tlb_single_page_flush_ceiling) become
 * a full flush; else one invlpg per stride.
 */
static void flush_tlb_mm_range(struct vmsh_mm *mm, uint64_t start, uint64_t end,
			       unsigned stride, enum flush_kind kind)
{
	struct vmsh_sys *sys = mm->sys;
	struct cpu *self;

	if (mm->nr_splits)
		tlb_flush_splits(mm);
	bool full = end == TLB_FLUSH_ALL;
	uint64_t pages = 0;
	/* the strides' unit: the level tlb_get_unmap_shift chose */
	const char *unit = stride == PAGE_SHIFT ? "pages" :
			   stride == HPAGE_PMD_SHIFT ? "pmds" :
			   stride == 30 ? "puds" : "p4ds";

	if (!full) {
		start &= PAGE_MASK;
		end = PAGE_ALIGN(end);
		if (end <= start)
			return;
		pages = (end - start) >> stride;
		full = pages > TLB_FLUSH_CEILING;
	}
	if (sys->cfg.lazy_flush) {
		if (kind == FLUSH_MM)
			trace(sys, "%s mm=%u skipped (lazy_flush)",
			      flush_name[kind], mm->id);
		else if (kind == FLUSH_PAGE)
			trace(sys, "%s mm=%u addr=%#llx skipped (lazy_flush)",
			      flush_name[kind], mm->id, (unsigned long long)start);
		else
			trace(sys, "%s mm=%u start=%#llx end=%#llx skipped (lazy_flush)",
			      flush_name[kind], mm->id,
			      (unsigned long long)start, (unsigned long long)end);
		return;
	}
	self = this_cpu(sys);
	if (kind == FLUSH_MM)
		trace(sys, "%s mm=%u", flush_name[kind], mm->id);
	else if (kind == FLUSH_PAGE)
		trace(sys, "%s mm=%u addr=%#llx", flush_name[kind], mm->id,
		      (unsigned long long)start);
	else if (full)
		trace(sys, "%s mm=%u start=%#llx end=%#llx %s=%llu > %d: full flush",
		      flush_name[kind], mm->id, (unsigned long long)start,
		      (unsigned long long)end, unit, (unsigned long long)pages,
		      TLB_FLUSH_CEILING);
	else
		trace(sys, "%s mm=%u start=%#llx end=%#llx %s=%llu",
		      flush_name[kind], mm->id, (unsigned long long)start,
		      (unsigned long long)end, unit, (unsigned long long)pages);
	if (full)
		sys->stat[ST_TLB_FLUSH_ALL]++;
	else if (kind == FLUSH_PAGE)
		sys->stat[ST_TLB_FLUSH_PAGE]++;
	else
		sys->stat[ST_TLB_FLUSH_RANGE]++;
	if (full) {
		start = 0;
		end = TLB_FLUSH_ALL;
	}

	mm->tlb_gen++;
	for (unsigned i = 0; i < nr_cpus(sys); i++) {
		struct cpu *c = &sys->cpus[i];

		if (!loaded(c, mm))
			continue;
		if (c != self) {
			if (cpu_lazy(c))
				continue;       /* catches up at switch_mm */
			c->shootdowns++;
			sys->stat[ST_TLB_SHOOTDOWN]++;
			trace(sys, "tlb shootdown: IPI cpu=%d -> cpu=%d mm=%u",
			      self->id, c->id, mm->id);
		}
		flush_on_cpu(c, mm, start, end, stride);
	}
}

void flush_tlb_range(struct vmsh_mm *mm, uint64_t start, uint64_t end)
{
	flush_tlb_mm_range(mm, start, end, PAGE_SHIFT, FLUSH_RANGE);
}

void flush_tlb_range_stride(struct vmsh_mm *mm, uint64_t start, uint64_t end,
			    unsigned stride_shift)
{
	flush_tlb_mm_range(mm, start, end, stride_shift, FLUSH_RANGE);
}

void flush_pmd_tlb_range(struct vmsh_mm *mm, uint64_t start, uint64_t end)
{
	flush_tlb_mm_range(mm, start, end, HPAGE_PMD_SHIFT, FLUSH_PMD_RANGE);
}

/* The pending PMD flushes, in the order they were recorded.  Each flush
 * would come back here (flush_tlb_mm_range flushes pending splits
 * first), so the list is taken off the mm before the first one. */
void tlb_flush_splits(struct vmsh_mm *mm)
{
	uint64_t *splits = mm->splits;
	size_t i, n = mm->nr_splits, cap = mm->cap_splits;

	mm->splits = NULL;
	mm->nr_splits = mm->cap_splits = 0;
	for (i = 0; i < n; i++)
		flush_pmd_tlb_range(mm, splits[i], splits[i] + HPAGE_PMD_SIZE);
	if (!mm->splits) {              /* nothing new: keep the array */
		mm->splits = splits;
		mm->cap_splits = cap;
	} else {
		free(splits);
	}
}

void flush_tlb_page(struct vmsh_mm *mm, uint64_t addr)
{
	flush_tlb_mm_range(mm, addr, addr + PAGE_SIZE, PAGE_SHIFT, FLUSH_PAGE);
}

void flush_tlb_mm(struct vmsh_mm *mm)
{
	flush_tlb_mm_range(mm, 0, TLB_FLUSH_ALL, PAGE_SHIFT, FLUSH_MM);
}

/* ---- translation -------------------------------------------------------- */

/*
 * The hardware page walk of @mm for @addr: one memory reference per level
 * read (*@refs).  Returns the leaf entry (0 when the walk stopped at a
 * non-present entry) and its location in *@ptep (NULL if none).
 */
static uint64_t walk(struct vmsh_sys *sys, struct vmsh_mm *mm, uint64_t addr,
		     unsigned *refs, uint64_t **ptep, bool *huge)
{
	int levels = sys->cfg.levels;
	uint64_t table = mm->pgd;

	*refs = 0;
	*ptep = NULL;
	*huge = false;
	if (levels < 2 || levels > 5 || addr >> (PAGE_SHIFT + 9 * levels))
		return 0;
	if (mm->walk_table && mm->walk_region == addr >> HPAGE_PMD_SHIFT &&
	    mm->walk_gen == sys->phys.table_gen) {
		/* no table freed or deposited since the last walk reached
		 * this PTE table: the upper levels still lead to it */
		uint64_t *t = &mm->walk_table[(addr >> PAGE_SHIFT) & 511];

		*refs = (unsigned)levels;
		if (!(*t & _PAGE_PRESENT))
			return 0;
		*ptep = t;
		return *t;
	}
	for (int l = 0; l < levels; l++) {
		unsigned shift = PAGE_SHIFT + 9 * (unsigned)(levels - 1 - l);
		unsigned idx = (addr >> shift) & 511;
		struct page *pg;
		uint64_t *t, entry;

		if (!sys->phys.pages || table >= sys->phys.nframes)
			return 0;
		pg = &sys->phys.pages[table];
		t = (uint64_t *)pg->data;
		entry = t ? t[idx] : 0;
		++*refs;
		if (l == levels - 1 && t) {
			mm->walk_table = t;
			mm->walk_region = addr >> HPAGE_PMD_SHIFT;
			mm->walk_gen = sys->phys.table_gen;
		}
		if (!(entry & _PAGE_PRESENT))
			return 0;
		if (l == levels - 1) {
			*ptep = &t[idx];
			return entry;
		}
		if (l == levels - 2 && (entry & _PAGE_PSE)) {
			/* a 2 MiB page: the walk ends at the PMD; the frame
			 * is the folio's page for @addr */
			uint64_t pfn = ((entry & PTE_PFN_MASK) >> PAGE_SHIFT) +
				       ((addr >> PAGE_SHIFT) & 511);

			*ptep = &t[idx];
			*huge = true;
			return (entry & ~(PTE_PFN_MASK | _PAGE_PSE)) |
			       (pfn << PAGE_SHIFT);
		}
		table = (entry & PTE_PFN_MASK) >> PAGE_SHIFT;
	}
	return 0;
}

/* Make sure @mm is what this CPU's CR3 points at (the first access of
 * the first task loads it; a switch the caller forgot is done here). */
static struct cpu *cpu_for(struct vmsh_sys *sys, struct vmsh_mm *mm)
{
	struct cpu *c = this_cpu(sys);

	if (mm->nr_splits)
		tlb_flush_splits(mm);

	if (!loaded(c, mm))
		switch_mm(sys, c, mm, c->loaded_mm_id == 0);
	return c;
}

static int current_pid(const struct vmsh_sys *sys)
{
	return sys->current ? sys->current->pid : 0;
}

/* Why a cached translation (to frame @pfn, from the 2 MiB TLB when
 * @e_huge) is wrong for a @write now, or NULL. */
static const char *stale_reason(struct vmsh_sys *sys, uint64_t pfn, bool e_huge,
				uint64_t pte, bool huge, bool write, char *buf,
				size_t size)
{
	if (pfn < sys->phys.nframes && sys->phys.pages &&
	    sys->phys.pages[pfn].kind == PAGE_FREE)
		snprintf(buf, size, "frame %#llx has been freed",
			 (unsigned long long)pfn);
	else if (!(pte & _PAGE_PRESENT))
		snprintf(buf, size, "the page table has no present PTE");
	else if (e_huge && !huge)
		snprintf(buf, size, "the PMD no longer maps a 2 MiB page");
	else if (((pte & PTE_PFN_MASK) >> PAGE_SHIFT) != pfn)
		snprintf(buf, size, "the PTE now maps frame %#llx",
			 (unsigned long long)((pte & PTE_PFN_MASK) >> PAGE_SHIFT));
	else if (write && !(pte & _PAGE_RW))
		snprintf(buf, size, "the PTE is read-only");
	else
		return NULL;
	return buf;
}

/* The entry of this CPU's TLBs translating @addr, 4 KiB first; *@t is
 * the TLB holding it and *@pfn the frame it gives for @addr. */
static struct tlb_entry *tlb_find_addr(struct cpu *c, uint64_t addr,
				       struct tlb **t, uint64_t *pfn)
{
	struct tlb_entry *e = tlb_find(&c->tlb, c->cur_asid, addr >> PAGE_SHIFT);

	*t = &c->tlb;
	if (e) {
		*pfn = e->pfn;
		return e;
	}
	if (!c->tlb2m.entries)
		return NULL;
	*t = &c->tlb2m;
	e = tlb_find(&c->tlb2m, c->cur_asid, addr >> HPAGE_PMD_SHIFT);
	if (e)
		*pfn = e->pfn + ((addr >> PAGE_SHIFT) & (HPAGE_PMD_NR - 1));
	return e;
}

/* Fill the TLB for the leaf @pte of @addr the walk found: a huge PMD's
 * translation (@huge; @pte names the 4 KiB frame of @addr) goes to the
 * 2 MiB TLB, tagged with the folio's first frame. */
static void tlb_fill_leaf(struct vmsh_mm *mm, struct cpu *c, uint64_t addr,
			  uint64_t pte, uint64_t *ptep, bool huge)
{
	struct tlb_entry *e;

	if (huge && c->tlb2m.entries) {
		uint64_t head = ((pte & PTE_PFN_MASK) >> PAGE_SHIFT) &
				~(uint64_t)(HPAGE_PMD_NR - 1);

		tlb_insert(&c->tlb2m, c->cur_asid, addr >> HPAGE_PMD_SHIFT,
			   (pte & ~PTE_PFN_MASK) | (head << PAGE_SHIFT));
		return;
	}
	/* mmu_translate looked in the 4 KiB TLB first: no entry there */
	e = tlb_insert_entry(&c->tlb, c->cur_asid, addr >> PAGE_SHIFT, pte, true);
	e->mm_id = mm->id;
	e->ptep = ptep;
	e->gen = mm->sys->phys.table_gen;
}

int mmu_translate(struct vmsh_sys *sys, struct vmsh_mm *mm, uint64_t addr,
		  bool write, uint64_t *pfn)
{
	struct cpu *c = cpu_for(sys, mm);
	struct tlb *t;
	uint64_t epfn = 0;
	struct tlb_entry *e = tlb_find_addr(c, addr, &t, &epfn);
	uint64_t *ptep, pte;
	unsigned refs;
	bool huge;

	if (e) {
		bool ok = !write || ((e->flags & _PAGE_RW) &&
				     (e->flags & _PAGE_DIRTY));
		bool e_huge = t == &c->tlb2m;
		char why[96];

		if (ok) {
			/* the PTE the entry came from, where the walk
			 * found it, if no table went since; else walk */
			if (!e_huge && e->ptep && e->mm_id == mm->id &&
			    e->gen == sys->phys.table_gen) {
				pte = *e->ptep;
				huge = false;
			} else {
				pte = walk(sys, mm, addr, &refs, &ptep, &huge);
			}
			if (!stale_reason(sys, epfn, e_huge, pte, huge, write,
					  why, sizeof(why))) {
				tlb_touch(t, e);
				c->hits++;
				sys->stat[ST_TLB_HIT]++;
				*pfn = epfn;
				return 0;
			}
			if (sys->cfg.lazy_flush) {
				warn(sys, "pid %d cpu %d: stale TLB entry let a %s of %#llx through to frame %#llx: %s (lazy_flush skipped the flush)",
				     current_pid(sys), c->id,
				     write ? "write" : "read",
				     (unsigned long long)addr,
				     (unsigned long long)epfn, why);
				tlb_touch(t, e);
				c->hits++;
				c->stale_hits++;
				sys->stat[ST_TLB_HIT]++;
				*pfn = epfn;
				return 0;
			}
			/* A flush is missing somewhere (or lazy_flush was on
			 * earlier): never use the entry. */
		}
		/* Not permitted by the cached bits (or a write needing D set):
		 * the CPU drops the entry and walks again. */
		tlb_drop(t, e);
	}

	c->misses++;
	sys->stat[ST_TLB_MISS]++;
	pte = walk(sys, mm, addr, &refs, &ptep, &huge);
	c->walk_refs += refs;
	sys->stat[ST_TLB_WALK_REFS] += refs;
	if (!ptep || !(pte & _PAGE_PRESENT) || (write && !(pte & _PAGE_RW)))
		return -EFAULT;
	*ptep |= _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0);
	pte |= _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0);
	tlb_fill_leaf(mm, c, addr, pte, ptep, huge);
	*pfn = (pte & PTE_PFN_MASK) >> PAGE_SHIFT;
	return 0;
}

bool tlb_lookup(struct vmsh_sys *sys, struct vmsh_mm *mm, uint64_t addr,
		uint64_t *pfn, uint64_t *flags)
{
	struct cpu *c = cpu_for(sys, mm);
	struct tlb *t;
	uint64_t epfn = 0;
	struct tlb_entry *e = tlb_find_addr(c, addr, &t, &epfn);

	if (!e) {
		c->misses++;
		sys->stat[ST_TLB_MISS]++;
		return false;
	}
	tlb_touch(t, e);
	c->hits++;
	sys->stat[ST_TLB_HIT]++;
	*pfn = epfn;
	*flags = e->flags;
	return true;
}

void tlb_fill(struct vmsh_sys *sys, struct vmsh_mm *mm, uint64_t addr,
	      uint64_t pte)
{
	struct cpu *c = cpu_for(sys, mm);

	if (pte & _PAGE_PRESENT)
		tlb_insert(&c->tlb, c->cur_asid, addr >> PAGE_SHIFT, pte);
}
