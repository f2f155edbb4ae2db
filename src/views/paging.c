/* SPDX-License-Identifier: MIT */
/*
 * Text views of paging: the walk of one address, the tree of present
 * entries, and the frames in use.
 */
#include "config.h"

#include <string.h>

#include "views.h"
#include "views-int.h"

/* ---- what a walk's end means ------------------------------------------------ */

#define F_WRITE    0x2ULL               /* VM_WRITE */
#define F_SHARED   0x8ULL               /* VM_SHARED */
#define F_PFNMAP   0x400ULL             /* VM_PFNMAP */
#define PTE_RW     0x2ULL

struct find_vma {
	uint64_t addr;
	struct vmsh_vma_info v;
	bool found;
};

static int find_vma_cb(void *ctx, const struct vmsh_vma_info *v)
{
	struct find_vma *f = ctx;

	if (f->addr >= v->start && f->addr < v->end) {
		f->v = *v;
		f->found = true;
		return 1;
	}
	return 0;
}

struct find_frame {
	uint64_t pfn;
	struct vmsh_frame_info fr;
	bool found;
};

static int find_frame_cb(void *ctx, const struct vmsh_frame_info *fr)
{
	struct find_frame *f = ctx;

	if (fr->pfn == f->pfn) {
		f->fr = *fr;
		f->found = true;
		return 1;
	}
	return 0;
}

/* The walk's last line: one sentence saying what the entry means and what
 * an access would do. */
static void walk_meaning(const struct vmsh_sys *sys, int pid, uint64_t addr,
			 const struct vmsh_walk *w, FILE *out)
{
	struct find_vma fv = { .addr = addr };
	struct find_frame ff = { .pfn = w->pfn };
	uint64_t pte = w->nsteps ? w->step[w->nsteps - 1].entry : 0;
	bool rw = pte & PTE_RW;
	const char *owner;

	vmsh_vma_walk(sys, pid, find_vma_cb, &fv);
	if (w->end == VMSH_WALK_PROTNONE) {
		fprintf(out, "  means: a PROT_NONE page: any access is SIGSEGV (SEGV_ACCERR)\n");
		return;
	}
	if (w->end == VMSH_WALK_SWAP) {
		fprintf(out, "  means: the page is on swap: an access faults it back in (do_swap_page)\n");
		return;
	}
	if (w->end != VMSH_WALK_MAPPED) {
		if (!fv.found)
			fprintf(out, "  means: no VMA covers this address: an access is SIGSEGV (SEGV_MAPERR)\n");
		else
			fprintf(out, "  means: nothing mapped yet: the first access faults a page in\n");
		return;
	}
	if (fv.found && (fv.v.flags & F_PFNMAP)) {
		fprintf(out, "  means: a device page (remap_pfn_range): no struct page, not in Rss; the PTE was filled at mmap\n");
		return;
	}
	vmsh_frame_walk(sys, find_frame_cb, &ff);
	owner = ff.found && ff.fr.owner ? ff.fr.owner : "";
	if (!strcmp(owner, "zero")) {
		fprintf(out, "  means: the shared zero page (a read of never-written memory); a write faults and gets a fresh page\n");
	} else if (!strncmp(owner, "file:", 5) && fv.found) {
		uint64_t pg = ((addr - fv.v.start) >> 12) + fv.v.pgoff;

		fprintf(out, "  means: page %llu (offset 0x%llx) of file %s in the page cache; %s\n",
			(unsigned long long)pg, (unsigned long long)(pg << 12), owner + 5,
			fv.v.flags & F_SHARED ?
			(rw ? "a write goes to the file" : "a write faults first (write-notify), then goes to the file") :
			(fv.v.flags & F_WRITE ? "a write faults and copies it (private copy-on-write)" :
			 "read-only: a write is SIGSEGV (SEGV_ACCERR)"));
	} else if (!strcmp(owner, "anon")) {
		if (rw)
			fprintf(out, "  means: an anonymous page%s; a write goes straight to it\n",
				ff.fr.mapcount > 1 ? " shared writably (shared mapping)" : " only this mm maps");
		else if (fv.found && !(fv.v.flags & F_WRITE))
			fprintf(out, "  means: an anonymous page mapped read-only: a write is SIGSEGV (SEGV_ACCERR)\n");
		else if (ff.fr.mapcount > 1)
			fprintf(out, "  means: an anonymous page shared copy-on-write by %d mappers (after fork): a write faults and copies it (wp_page_copy)\n",
				ff.fr.mapcount);
		else
			fprintf(out, "  means: an anonymous page write-protected but mapped only here: a write faults and reuses it (do_wp_page)\n");
	} else if (ff.found) {
		fprintf(out, "  means: a %s page mapped %d time%s\n", owner[0] ? owner : "kernel",
			ff.fr.mapcount, ff.fr.mapcount == 1 ? "" : "s");
	}
}

int view_walk(const struct vmsh_sys *sys, int pid, uint64_t addr, FILE *out)
{
	struct vmsh_walk w;
	char bits[128], pfn[24], entry[24];
	int ret;

	memset(&w, 0, sizeof(w));
	ret = vmsh_walk(sys, pid, addr, &w);
	if (ret < 0)
		return ret;
	if (w.end == VMSH_WALK_NO_MM) {
		fprintf(out, "walk 0x%llx: the task has no mm (kernel thread)\n",
			(unsigned long long)addr);
		return 0;
	}
	if (w.end == VMSH_WALK_NONCANONICAL) {
		fprintf(out, "walk 0x%llx: not a canonical user address\n",
			(unsigned long long)addr);
		return 0;
	}
	fprintf(out, "walk 0x%llx\n", (unsigned long long)addr);
	for (int i = 0; i < w.nsteps && i < 5; i++) {
		const struct vmsh_walk_step *s = &w.step[i];
		bool leaf = s->level && !strcmp(s->level, "PTE");

		fmt_pte_bits(s->entry, leaf, bits, sizeof(bits));
		fmt_hex(s->table_pfn, pfn, sizeof(pfn));
		fmt_hex(s->entry, entry, sizeof(entry));
		if (bits[0])
			fprintf(out, "  %-3s index %3u  table pfn %-8s entry %-18s  %s\n",
				s->level ? s->level : "?", s->index, pfn, entry, bits);
		else
			fprintf(out, "  %-3s index %3u  table pfn %-8s entry %s\n",
				s->level ? s->level : "?", s->index, pfn, entry);
	}
	if (w.huge && (w.end == VMSH_WALK_MAPPED || w.end == VMSH_WALK_PROTNONE))
		fprintf(out, "  stops at PMD: PS set, a 2 MiB page (pfn 0x%llx is page %llu of the folio at pfn 0x%llx)\n",
			(unsigned long long)w.pfn,
			(unsigned long long)(w.pfn & 511),
			(unsigned long long)(w.pfn & ~511ULL));
	switch (w.end) {
	case VMSH_WALK_MAPPED:
		fprintf(out, "  -> pfn 0x%llx, physical address 0x%llx\n",
			(unsigned long long)w.pfn, (unsigned long long)w.phys);
		break;
	case VMSH_WALK_NOT_PRESENT:
		fprintf(out, "  stops at %s: entry not present\n",
			w.nsteps > 0 && w.step[w.nsteps - 1].level ?
			w.step[w.nsteps - 1].level : "PGD");
		break;
	case VMSH_WALK_SWAP: {
		unsigned type = 0;
		uint64_t offset = 0;

		vmsh_pte_swap(w.step[w.nsteps - 1].entry, &type, &offset);
		fprintf(out, "  stops at PTE: swap type %u offset 0x%llx (not present; the page is on swap)\n",
			type, (unsigned long long)offset);
		break;
	}
	case VMSH_WALK_PROTNONE:
		fprintf(out, "  stops at %s: PROT_NONE entry (not present to the MMU)\n",
			w.huge ? "PMD" : "PTE");
		break;
	default:
		break;
	}
	walk_meaning(sys, pid, addr, &w, out);
	return 0;
}

static void pt_line(void *ctx, int depth, const char *level, uint64_t va,
		    unsigned index, uint64_t entry)
{
	char bits[128];

	fmt_pte_bits(entry, level && !strcmp(level, "PTE"), bits, sizeof(bits));
	fprintf(ctx, "%*s%s[%u] va 0x%llx entry 0x%llx%s%s\n", depth * 2, "",
		level ? level : "?", index, (unsigned long long)va,
		(unsigned long long)entry, bits[0] ? " " : "", bits);
}

struct pt_ctx {
	FILE *out;
	unsigned long n;
};

static void pt_count(void *ctx, int depth, const char *level, uint64_t va,
		     unsigned index, uint64_t entry)
{
	struct pt_ctx *c = ctx;

	c->n++;
	pt_line(c->out, depth, level, va, index, entry);
}

int view_pt(const struct vmsh_sys *sys, int pid, uint64_t start, uint64_t end,
	    FILE *out)
{
	struct pt_ctx c = { out, 0 };
	int ret = vmsh_pt_walk(sys, pid, start, end, pt_count, &c);

	if (ret == 0 && !c.n)
		fprintf(out, "(no present page-table entry here: nothing has been touched)\n");
	return ret;
}

struct frames_ctx {
	FILE *out;
	struct vmsh_frame_info prev;    /* the last THP tail printed */
	bool have_prev;
	uint64_t same;                  /* tails just like it, not printed */
};

static void frames_flush(struct frames_ctx *c)
{
	if (c->same)
		fprintf(c->out, "%-9s %4s %4s %llu more tail page%s like it\n",
			"...", "", "", (unsigned long long)c->same,
			c->same == 1 ? "" : "s");
	c->same = 0;
}

static int frame_line(void *ctx, const struct vmsh_frame_info *fr)
{
	struct frames_ctx *c = ctx;
	char pfn[24], owner[300];

	/* a run of a THP's tails with the same counts folds into one line */
	if (fr->thp_tail && c->have_prev && fr->pfn == c->prev.pfn + c->same + 1 &&
	    fr->refcount == c->prev.refcount &&
	    fr->mapcount == c->prev.mapcount && fr->dirty == c->prev.dirty &&
	    fr->exclusive == c->prev.exclusive) {
		c->same++;
		return 0;
	}
	frames_flush(c);
	c->have_prev = fr->thp_tail;
	c->prev = *fr;
	if (fr->folio_pages)
		snprintf(owner, sizeof(owner), "%s thp[%u]",
			 fr->owner ? fr->owner : "?", fr->folio_pages);
	else
		snprintf(owner, sizeof(owner), "%s%s", fr->owner ? fr->owner : "?",
			 fr->thp_tail ? " thp-tail" : "");
	fprintf(c->out, "%-9s %4d %4d %-20s %-5s %s\n",
		fmt_hex(fr->pfn, pfn, sizeof(pfn)), fr->refcount, fr->mapcount,
		owner, fr->dirty ? "yes" : "no",
		fr->exclusive ? "yes" : "no");
	return 0;
}

int view_frames(const struct vmsh_sys *sys, FILE *out)
{
	struct frames_ctx c = { .out = out };
	int r;

	fprintf(out, "PFN        REF  MAP OWNER                DIRTY EXCL\n");
	r = vmsh_frame_walk(sys, frame_line, &c);
	frames_flush(&c);
	return r;
}

/* /proc/meminfo's layout: the name padded to 16 columns with the colon,
 * the value right-aligned in 8, then " kB". */
static void mi(FILE *out, const char *name, uint64_t kb)
{
	char label[32];

	snprintf(label, sizeof(label), "%s:", name);
	fprintf(out, "%-15s %8llu kB\n", label, (unsigned long long)kb);
}

int view_meminfo(const struct vmsh_sys *sys, FILE *out)
{
	struct vmsh_meminfo m;

	vmsh_meminfo(sys, &m);
	mi(out, "MemTotal", m.mem_total);
	mi(out, "MemFree", m.mem_free);
	mi(out, "Cached", m.cached);
	mi(out, "SwapCached", m.swap_cached);
	mi(out, "Active", m.active);
	mi(out, "Inactive", m.inactive);
	mi(out, "Active(anon)", m.active_anon);
	mi(out, "Inactive(anon)", m.inactive_anon);
	mi(out, "Active(file)", m.active_file);
	mi(out, "Inactive(file)", m.inactive_file);
	mi(out, "Unevictable", m.unevictable);
	mi(out, "Mlocked", m.mlocked);
	mi(out, "SwapTotal", m.swap_total);
	mi(out, "SwapFree", m.swap_free);
	mi(out, "Dirty", m.dirty);
	mi(out, "Writeback", 0);
	mi(out, "AnonPages", m.anon_pages);
	mi(out, "Mapped", m.mapped);
	mi(out, "Shmem", m.shmem);
	mi(out, "PageTables", m.page_tables);
	mi(out, "AnonHugePages", m.anon_huge_pages);
	mi(out, "ShmemHugePages", m.shmem_huge_pages);
	mi(out, "ShmemPmdMapped", m.shmem_pmd_mapped);
	mi(out, "FileHugePages", m.file_huge_pages);
	mi(out, "FilePmdMapped", m.file_pmd_mapped);
	return 0;
}

/* ---- lru ------------------------------------------------------------------ */

static int lru_line(void *ctx, const struct vmsh_lru_folio *f)
{
	FILE *out = ctx;

	fprintf(out, "  pfn %#-8llx %-5s", (unsigned long long)f->pfn, f->kind);
	if (f->path)
		fprintf(out, " %s", f->path);
	fprintf(out, " index %#llx", (unsigned long long)f->index);
	if (f->nr_pages > 1)
		fprintf(out, " pages %llu", (unsigned long long)f->nr_pages);
	fprintf(out, " mapcount %d", f->mapcount);
	if (f->referenced)
		fputs(" referenced", out);
	if (f->workingset)
		fputs(" workingset", out);
	if (f->dirty)
		fputs(" dirty", out);
	if (f->swapcache)
		fputs(" swapcache", out);
	if (f->reclaim)
		fputs(" reclaim", out);
	if (f->lazyfree)
		fputs(" lazyfree", out);
	fputc('\n', out);
	return 0;
}

int view_lru(const struct vmsh_sys *sys, const char *list, FILE *out)
{
	int l;

	for (l = 0; vmsh_lru_name(l); l++) {
		uint64_t n = vmsh_lru_pages(sys, l);

		if (list && strcmp(list, vmsh_lru_name(l)))
			continue;
		fprintf(out, "%s: %llu page%s%s\n", vmsh_lru_name(l),
			(unsigned long long)n, n == 1 ? "" : "s",
			!n ? "" : strcmp(vmsh_lru_name(l), "unevictable") ?
			" (oldest first)" : " (by pfn: Linux keeps no order)");
		vmsh_lru_walk(sys, l, lru_line, out);
	}
	return 0;
}
