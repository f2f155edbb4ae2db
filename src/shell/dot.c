/* SPDX-License-Identifier: MIT */
/*
 * Pictures of the model: Graphviz drawings (`dot tree|pt|vmas FILE`) and
 * the ASCII address-space bar of `vmas`.
 *
 * Everything here is read through the public engine API only.  The
 * drawings use HTML-like labels, so every text that comes from the model
 * (file names above all) goes through html() and can never break the
 * syntax: the output always renders with `dot -Tsvg`.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dot.h"

/* ---- helpers ------------------------------------------------------------ */

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 64;
	p = realloc(p, *cap * size);
	if (!p) {
		fputs("vmsh: out of host memory\n", stderr);
		abort();
	}
	return p;
}

/* Write @s with &, <, >, " escaped; non-printable bytes as '?'. */
static void html(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		default:
			fputc(c >= 0x20 && c < 0x7f ? c : '?', out);
		}
	}
}

/* Human size: "132K", "2M", "1.5G" style as the kernel's /proc does in kB. */
static void size_str(uint64_t bytes, char *buf, size_t size)
{
	static const char unit[] = "KMGTPE";
	double v = (double)bytes / 1024;
	int u = 0;

	if (bytes < 1024) {
		snprintf(buf, size, "%" PRIu64 "B", bytes);
		return;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (v == (double)(uint64_t)v)
		snprintf(buf, size, "%" PRIu64 "%c", (uint64_t)v, unit[u]);
	else
		snprintf(buf, size, "%.1f%c", v, unit[u]);
}

static void perms_str(uint64_t flags, char buf[5])
{
	buf[0] = flags & 0x1 ? 'r' : '-';
	buf[1] = flags & 0x2 ? 'w' : '-';
	buf[2] = flags & 0x4 ? 'x' : '-';
	buf[3] = flags & 0x8 ? 's' : 'p';
	buf[4] = '\0';
}

/* ---- the VMA red-black tree --------------------------------------------- */

struct tree_node {
	int depth;
	char side;
	bool red;
	uint64_t start, end, gap;
	long parent;
	long child[2];          /* L, R: index or -1 */
};

struct tree {
	struct tree_node *n;
	size_t len, cap;
	long stack[128];        /* last node seen at each depth */
};

static void tree_cb(void *ctx, int depth, char side, bool red, uint64_t start,
		    uint64_t end, uint64_t subtree_gap)
{
	struct tree *t = ctx;
	struct tree_node *n;

	if (depth < 0 || depth >= 128)
		return;
	t->n = grow(t->n, &t->cap, t->len, sizeof(*t->n));
	n = &t->n[t->len];
	n->depth = depth;
	n->side = side;
	n->red = red;
	n->start = start;
	n->end = end;
	n->gap = subtree_gap;
	n->parent = depth ? t->stack[depth - 1] : -1;
	n->child[0] = n->child[1] = -1;
	if (n->parent >= 0)
		t->n[n->parent].child[side == 'R'] = (long)t->len;
	t->stack[depth] = (long)t->len;
	t->len++;
}

static int dot_tree(const struct vmsh_sys *sys, int pid, FILE *out)
{
	struct tree t = { 0 };
	int err = vmsh_tree_walk(sys, pid, tree_cb, &t);

	if (err) {
		free(t.n);
		return err;
	}
	fputs("digraph vma_tree {\n"
	      "\tgraph [ordering=out, label=\"VMA red-black tree (mm_rb): "
	      "keys [vm_start, vm_end), rb_subtree_gap\", labelloc=t];\n"
	      "\tnode [shape=box, style=\"rounded,filled\", fontname=\"monospace\", "
	      "fontcolor=white];\n", out);
	if (!t.len)
		fputs("\tempty [label=\"(no VMAs)\", fillcolor=gray, fontcolor=black];\n",
		      out);
	for (size_t i = 0; i < t.len; i++) {
		struct tree_node *n = &t.n[i];
		char sz[32];

		size_str(n->gap, sz, sizeof(sz));
		fprintf(out, "\tv%zu [fillcolor=%s, label=<%#" PRIx64 "-%#" PRIx64
			"<BR/>gap %#" PRIx64 " (%s)>];\n", i,
			n->red ? "red3" : "black", n->start, n->end, n->gap, sz);
	}
	/* Edges left then right; an invisible stand-in for a missing child
	 * keeps a lone child on its side. */
	for (size_t i = 0; i < t.len; i++) {
		struct tree_node *n = &t.n[i];

		if (n->child[0] < 0 && n->child[1] < 0)
			continue;
		for (int s = 0; s < 2; s++) {
			if (n->child[s] >= 0)
				fprintf(out, "\tv%zu -> v%ld [label=\"%c\", fontsize=9];\n",
					i, n->child[s], s ? 'R' : 'L');
			else
				fprintf(out, "\tnil%zu%c [style=invis, label=\"\"];\n"
					"\tv%zu -> nil%zu%c [style=invis];\n",
					i, s ? 'R' : 'L', i, i, s ? 'R' : 'L');
		}
	}
	fputs("}\n", out);
	free(t.n);
	return 0;
}

/* ---- the page-table radix tree ------------------------------------------ */

struct pt_entry {
	int depth;
	const char *level;
	uint64_t va;
	unsigned index;
	uint64_t entry;
	uint64_t table;         /* pfn of the table holding this entry */
};

struct pt {
	struct pt_entry *e;
	size_t len, cap;
	uint64_t table_at[8];   /* table pfn in use at each depth */
	const char *level_at[8];
	bool error;
};

static uint64_t entry_pfn(uint64_t e)
{
	return (e & 0x000ffffffffff000ULL) >> 12;
}

static void pt_cb(void *ctx, int depth, const char *level, uint64_t va,
		  unsigned index, uint64_t entry)
{
	struct pt *p = ctx;
	struct pt_entry *e;

	if (depth < 0 || depth >= 7) {
		p->error = true;
		return;
	}
	p->e = grow(p->e, &p->cap, p->len, sizeof(*p->e));
	e = &p->e[p->len++];
	e->depth = depth;
	e->level = level;
	e->va = va;
	e->index = index;
	e->entry = entry;
	e->table = p->table_at[depth];
	p->level_at[depth] = level;
	p->table_at[depth + 1] = entry_pfn(entry);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int dot_pt(const struct vmsh_sys *sys, int pid, FILE *out)
{
	const struct vmsh_config *cfg = vmsh_sys_config(sys);
	struct vmsh_mm_info mi;
	struct pt p = { 0 };
	uint64_t *frames = NULL;
	size_t nframes = 0, cap = 0;
	int leaf_depth = cfg->levels - 1;
	int err;

	err = vmsh_mm_info(sys, pid, &mi);
	if (err)
		return err;
	p.table_at[0] = mi.pgd_pfn;
	err = vmsh_pt_walk(sys, pid, 0, UINT64_MAX, pt_cb, &p);
	if (err) {
		free(p.e);
		return err;
	}
	fprintf(out, "digraph page_tables {\n"
		"\tgraph [rankdir=LR, label=\"page tables of mm %u (%d levels): "
		"present entries down to the frames\", labelloc=t];\n"
		"\tnode [shape=plaintext, fontname=\"monospace\"];\n",
		mi.id, cfg->levels);
	/* One node per table: its present entries, one port each. */
	for (size_t i = 0; i < p.len; i++) {
		struct pt_entry *e = &p.e[i];

		/* A table's entries follow its parent entry, with only the
		 * entries of deeper tables in between: emit it at the first. */
		if (i && p.e[i - 1].depth >= e->depth)
			continue;
		fprintf(out, "\tt%d_%" PRIx64 " [label=<<TABLE BORDER=\"0\" "
			"CELLBORDER=\"1\" CELLSPACING=\"0\"><TR><TD BGCOLOR=\"%s\" "
			"COLSPAN=\"2\"><B>", e->depth, e->table,
			e->depth == 0 ? "lightblue" : "lightsteelblue");
		html(out, e->level);
		fprintf(out, "</B> pfn %#" PRIx64 "</TD></TR>", e->table);
		for (size_t j = i; j < p.len; j++) {
			struct pt_entry *f = &p.e[j];
			char bits[128];

			if (f->depth < e->depth)
				break;
			if (f->depth != e->depth)
				continue;
			vmsh_pte_bits_str(f->entry, f->depth == leaf_depth,
					  bits, sizeof(bits));
			fprintf(out, "<TR><TD>[%u]</TD><TD PORT=\"i%u\" ALIGN=\"LEFT\">"
				"%#" PRIx64 " ", f->index, f->index, f->va);
			html(out, bits);
			fputs("</TD></TR>", out);
		}
		fputs("</TABLE>>];\n", out);
	}
	for (size_t i = 0; i < p.len; i++) {
		struct pt_entry *e = &p.e[i];
		uint64_t pfn = entry_pfn(e->entry);

		if (e->depth < leaf_depth) {
			fprintf(out, "\tt%d_%" PRIx64 ":i%u:e -> t%d_%" PRIx64 ";\n",
				e->depth, e->table, e->index, e->depth + 1, pfn);
		} else {
			fprintf(out, "\tt%d_%" PRIx64 ":i%u:e -> f%" PRIx64 ";\n",
				e->depth, e->table, e->index, pfn);
			frames = grow(frames, &cap, nframes, sizeof(*frames));
			frames[nframes++] = pfn;
		}
	}
	/* Frames, labelled with what vmsh_frame_info says of them. */
	if (nframes)	/* qsort(NULL, 0) is undefined (UBSan) */
		qsort(frames, nframes, sizeof(*frames), cmp_u64);
	{
		struct vmsh_frame_info fi;
		size_t fidx = 0;
		bool have = vmsh_frame_info(sys, 0, &fi);

		for (size_t i = 0; i < nframes; i++) {
			if (i && frames[i] == frames[i - 1])
				continue;
			while (have && fi.pfn < frames[i])
				have = vmsh_frame_info(sys, ++fidx, &fi);
			fprintf(out, "\tf%" PRIx64 " [shape=box, style=filled, "
				"fillcolor=\"%s\", label=<frame %#" PRIx64,
				frames[i], have && fi.pfn == frames[i] &&
				fi.mapcount > 1 ? "orange" : "palegreen", frames[i]);
			if (have && fi.pfn == frames[i]) {
				fputs("<BR/>", out);
				html(out, fi.owner);
				fprintf(out, " ref %d map %d%s", fi.refcount,
					fi.mapcount, fi.dirty ? " dirty" : "");
			}
			fputs(">];\n", out);
		}
	}
	if (!p.len)
		fprintf(out, "\tt0_%" PRIx64 " [label=<<TABLE BORDER=\"0\" "
			"CELLBORDER=\"1\"><TR><TD BGCOLOR=\"lightblue\"><B>PGD</B> "
			"pfn %#" PRIx64 "</TD></TR><TR><TD>(no present entry)</TD>"
			"</TR></TABLE>>];\n", mi.pgd_pfn, mi.pgd_pfn);
	fputs("}\n", out);
	free(frames);
	free(p.e);
	return 0;
}

/* ---- the VMAs against the address space --------------------------------- */

static const char *vma_colour(const struct vmsh_vma_info *v)
{
	if (v->name && !strcmp(v->name, "[stack]"))
		return "gold";
	if (v->name && !strcmp(v->name, "[heap]"))
		return "lightsalmon";
	if (v->flags & 0x4)
		return "tomato";                /* executable */
	if (v->ino && v->name && v->name[0] == '/' && strncmp(v->name, "/dev/", 5))
		return "lightskyblue";          /* a file */
	if (v->flags & 0x8)
		return "plum";                  /* shared */
	if (!(v->flags & 0x3))
		return "lightgray";             /* PROT_NONE */
	return "palegreen";                     /* anonymous */
}

static int dot_vmas(const struct vmsh_sys *sys, int pid, FILE *out)
{
	struct vmsh_mm_info mi;
	struct vmsh_vma_info *v = NULL;
	size_t n = 0, cap = 0;
	int err = vmsh_mm_info(sys, pid, &mi);

	if (err)
		return err;
	for (;;) {
		v = grow(v, &cap, n, sizeof(*v));
		if (!vmsh_vma_info(sys, pid, n, &v[n]))
			break;
		n++;
	}
	fprintf(out, "digraph vmas {\n"
		"\tgraph [label=\"address space of mm %u: VMAs (high addresses "
		"on top; gaps not to scale)\", labelloc=t];\n"
		"\tnode [shape=plaintext, fontname=\"monospace\"];\n"
		"\tspace [label=<<TABLE BORDER=\"1\" CELLBORDER=\"1\" "
		"CELLSPACING=\"0\" CELLPADDING=\"4\">\n", mi.id);
	fprintf(out, "<TR><TD COLSPAN=\"3\" BGCOLOR=\"gray30\"><FONT COLOR=\"white\">"
		"TASK_SIZE %#" PRIx64 "</FONT></TD></TR>\n", mi.task_size);
	for (size_t k = n; k-- > 0;) {
		uint64_t top = k + 1 < n ? v[k + 1].start : mi.task_size;
		char sz[32], perms[5];

		if (top > v[k].end) {
			size_str(top - v[k].end, sz, sizeof(sz));
			fprintf(out, "<TR><TD COLSPAN=\"3\" BGCOLOR=\"white\">"
				"<I>unmapped %s</I></TD></TR>\n", sz);
		}
		size_str(v[k].end - v[k].start, sz, sizeof(sz));
		perms_str(v[k].flags, perms);
		fprintf(out, "<TR><TD BGCOLOR=\"%s\" ALIGN=\"LEFT\">%#" PRIx64
			"-%#" PRIx64 "</TD><TD BGCOLOR=\"%s\">%s %s</TD>"
			"<TD BGCOLOR=\"%s\" ALIGN=\"LEFT\">",
			vma_colour(&v[k]), v[k].start, v[k].end, vma_colour(&v[k]),
			perms, sz, vma_colour(&v[k]));
		if (v[k].name)
			html(out, v[k].name);
		else
			fputs(v[k].anon_vma_id ? "anon" : "anon (no anon_vma)", out);
		fprintf(out, " rss %" PRIu64 "K", v[k].rss_pages * 4);
		fputs("</TD></TR>\n", out);
	}
	if (n && v[0].start) {
		char sz[32];

		size_str(v[0].start, sz, sizeof(sz));
		fprintf(out, "<TR><TD COLSPAN=\"3\" BGCOLOR=\"white\"><I>unmapped %s"
			"</I></TD></TR>\n", sz);
	}
	fputs("<TR><TD COLSPAN=\"3\" BGCOLOR=\"gray30\"><FONT COLOR=\"white\">"
	      "0x0</FONT></TD></TR>\n</TABLE>>];\n}\n", out);
	free(v);
	return 0;
}

int dot_write(const struct vmsh_sys *sys, const char *what, int pid, FILE *out)
{
	if (!strcmp(what, "tree"))
		return dot_tree(sys, pid, out);
	if (!strcmp(what, "pt"))
		return dot_pt(sys, pid, out);
	if (!strcmp(what, "vmas"))
		return dot_vmas(sys, pid, out);
	return -EINVAL;
}

/* ---- the ASCII bar ------------------------------------------------------ */

#define BAR_WIDTH 64

static const char *bar_colour(const struct vmsh_vma_info *v)
{
	if (!(v->flags & 0x3))
		return "\033[90m";              /* PROT_NONE: grey */
	if (v->flags & 0x4)
		return "\033[31m";              /* executable: red */
	if (v->flags & 0x2)
		return "\033[32m";              /* writable: green */
	return "\033[34m";                      /* read-only: blue */
}

static char bar_char(const struct vmsh_vma_info *v)
{
	if (v->name && !strcmp(v->name, "[stack]"))
		return 'S';
	if (v->name && !strcmp(v->name, "[heap]"))
		return 'H';
	if (v->flags & 0x8)
		return 's';
	if (v->name)
		return 'f';
	return 'a';
}

/* Width of a piece of @bytes on the log scale: 1 + log2 of its pages / 4. */
static unsigned bar_weight(uint64_t bytes)
{
	unsigned w = 1;

	for (uint64_t p = bytes >> 12; p > 1; p >>= 2)
		w++;
	return w;
}

struct bar_piece {
	uint64_t start, end;
	long vma;               /* index in the VMA array, -1: a gap */
	unsigned w;
};

void print_vma_bar(const struct vmsh_sys *sys, int pid, FILE *out, bool color)
{
	struct vmsh_mm_info mi;
	struct vmsh_vma_info v, *vmas = NULL;
	struct bar_piece *piece = NULL;
	size_t np = 0, nv = 0, pcap = 0, vcap = 0;
	uint64_t total = 0, at = 0;

	if (vmsh_mm_info(sys, pid, &mi))
		return;
	/* Pieces in address order: the gaps and the VMAs. */
	for (size_t i = 0; vmsh_vma_info(sys, pid, i, &v); i++) {
		piece = grow(piece, &pcap, np + 1, sizeof(*piece));
		if (v.start > at) {
			piece[np].start = at;
			piece[np].end = v.start;
			piece[np++].vma = -1;
		}
		vmas = grow(vmas, &vcap, nv, sizeof(*vmas));
		vmas[nv] = v;
		piece[np].start = v.start;
		piece[np].end = v.end;
		piece[np++].vma = (long)nv++;
		at = v.end;
	}
	if (mi.task_size > at) {
		piece = grow(piece, &pcap, np, sizeof(*piece));
		piece[np].start = at;
		piece[np].end = mi.task_size;
		piece[np++].vma = -1;
	}
	for (size_t i = 0; i < np; i++) {
		/* gaps count for less: the bar is about the VMAs */
		piece[i].w = bar_weight(piece[i].end - piece[i].start);
		if (piece[i].vma < 0)
			piece[i].w = (piece[i].w + 1) / 2;
		total += piece[i].w;
	}
	fprintf(out, "%#" PRIx64 " |", (uint64_t)0);
	if (total <= BAR_WIDTH) {
		for (size_t i = 0; i < np; i++) {
			long k = piece[i].vma;

			if (k >= 0 && color)
				fputs(bar_colour(&vmas[k]), out);
			for (unsigned j = 0; j < piece[i].w; j++)
				fputc(k < 0 ? '.' : j ? '=' : bar_char(&vmas[k]), out);
			if (k >= 0 && color)
				fputs("\033[0m", out);
		}
	} else {
		/* BAR_WIDTH cells over the total weight: each shows the VMA
		 * covering most of it, or '.' when it holds gaps only. */
		long prev = -1;
		size_t first = 0;
		uint64_t pos = 0;

		for (unsigned c = 0; c < BAR_WIDTH; c++) {
			uint64_t lo = (uint64_t)c * total, hi = lo + total;
			uint64_t best = 0, p = pos;
			long k = -1;

			for (size_t i = first; i < np; i++) {
				uint64_t s0 = p * BAR_WIDTH;
				uint64_t s1 = (p + piece[i].w) * BAR_WIDTH;
				uint64_t ov;

				if (s0 >= hi)
					break;
				ov = (s1 < hi ? s1 : hi) - (s0 > lo ? s0 : lo);
				if (s1 > lo && piece[i].vma >= 0 && ov > best) {
					best = ov;
					k = piece[i].vma;
				}
				if (s1 <= hi) {
					/* wholly left of the next cell */
					if (i == first) {
						first++;
						pos += piece[i].w;
					}
				}
				p += piece[i].w;
			}
			if (k < 0) {
				fputc('.', out);
			} else {
				if (color)
					fputs(bar_colour(&vmas[k]), out);
				fputc(k == prev ? '=' : bar_char(&vmas[k]), out);
				if (color)
					fputs("\033[0m", out);
			}
			prev = k;
		}
	}
	fprintf(out, "| %#" PRIx64 "\n", mi.task_size);
	free(piece);
	free(vmas);
	fputs("  (log scale; a anonymous, f file, s shared, H heap, S stack, "
	      ". unmapped", out);
	if (color)
		fputs("; \033[32mrw\033[0m \033[34mr\033[0m \033[31mx\033[0m "
		      "\033[90mnone\033[0m", out);
	fputs(")\n", out);
}

/* ---- the per-CPU TLB lines ---------------------------------------------- */

void print_tlb_cpus(const struct vmsh_sys *sys, FILE *out)
{
	const struct vmsh_config *cfg = vmsh_sys_config(sys);
	struct vmsh_tlb_cpu_info c;

	for (int i = 0; vmsh_tlb_cpu_info(sys, i, &c); i++) {
		fprintf(out, "cpu %d: %u entries (%u sets x %u ways), %u valid",
			c.cpu, c.entries, c.sets, c.ways, c.valid);
		if (c.pid)
			fprintf(out, ", pid %d", c.pid);
		else
			fputs(", idle", out);
		if (c.loaded_mm_id)
			fprintf(out, ", mm %u asid %u%s", c.loaded_mm_id, c.asid,
				c.lazy ? " (lazy tlb)" : "");
		fputc('\n', out);
		if (cfg->pcid) {
			fputs("  asids:", out);
			for (int k = 0; k < VMSH_TLB_NR_ASIDS; k++) {
				if (c.asid_mm_id[k])
					fprintf(out, " %d=mm%u/gen%" PRIu64, k,
						c.asid_mm_id[k], c.asid_gen[k]);
				else
					fprintf(out, " %d=-", k);
			}
			fputc('\n', out);
		}
		fprintf(out, "  hits %" PRIu64 ", misses %" PRIu64 ", walk refs %"
			PRIu64 ", flushes %" PRIu64 ", shootdowns received %" PRIu64,
			c.hits, c.misses, c.walk_refs, c.flushes, c.shootdowns);
		if (c.stale_hits)
			fprintf(out, ", stale hits %" PRIu64, c.stale_hits);
		fputc('\n', out);
	}
}
