/* SPDX-License-Identifier: MIT */
/*
 * Pictures of the model: Graphviz drawings (`dot tree|pt|vmas FILE`).
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

#include "views.h"
#include "views-int.h"

/* ---- helpers ------------------------------------------------------------ */

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
	t->n = view_grow(t->n, &t->cap, t->len, sizeof(*t->n));
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

		fmt_size(n->gap, SIZE_ROUGH, sz, sizeof(sz));
		fprintf(out, "\tv%zu [fillcolor=%s, label=<0x%" PRIx64 "-0x%" PRIx64
			"<BR/>gap 0x%" PRIx64 " (%s)>];\n", i,
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
	p->e = view_grow(p->e, &p->cap, p->len, sizeof(*p->e));
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

struct dot_frames {
	FILE *out;
	const uint64_t *frames;
	size_t n, i;
};

/* One frame node: orange when shared, with what the walker says of it. */
static void dot_frame_node(FILE *out, uint64_t pfn,
			   const struct vmsh_frame_info *fi)
{
	fprintf(out, "\tf%" PRIx64 " [shape=box, style=filled, "
		"fillcolor=\"%s\", label=<frame 0x%" PRIx64,
		pfn, fi && fi->mapcount > 1 ? "orange" : "palegreen", pfn);
	if (fi) {
		fputs("<BR/>", out);
		html(out, fi->owner);
		fprintf(out, " ref %d map %d%s", fi->refcount,
			fi->mapcount, fi->dirty ? " dirty" : "");
		if (fi->folio_pages)
			fprintf(out, "<BR/>head of a %u-page folio (2 MiB)",
				fi->folio_pages);
	}
	fputs(">];\n", out);
}

/* The sorted frames below fi->pfn have no info; the one equal has it. */
static int dot_frame(void *ctx, const struct vmsh_frame_info *fi)
{
	struct dot_frames *df = ctx;

	for (; df->i < df->n && df->frames[df->i] <= fi->pfn; df->i++) {
		if (df->i && df->frames[df->i] == df->frames[df->i - 1])
			continue;
		dot_frame_node(df->out, df->frames[df->i],
			       df->frames[df->i] == fi->pfn ? fi : NULL);
	}
	return df->i == df->n;
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
		fprintf(out, "</B> pfn 0x%" PRIx64 "</TD></TR>", e->table);
		for (size_t j = i; j < p.len; j++) {
			struct pt_entry *f = &p.e[j];
			char bits[128];

			if (f->depth < e->depth)
				break;
			if (f->depth != e->depth)
				continue;
			fmt_pte_bits(f->entry, f->depth == leaf_depth, bits,
				     sizeof(bits));
			fprintf(out, "<TR><TD>[%u]</TD><TD PORT=\"i%u\" ALIGN=\"LEFT\">"
				"0x%" PRIx64 " ", f->index, f->index, f->va);
			html(out, bits);
			fputs("</TD></TR>", out);
		}
		fputs("</TABLE>>];\n", out);
	}
	for (size_t i = 0; i < p.len; i++) {
		struct pt_entry *e = &p.e[i];
		uint64_t pfn = entry_pfn(e->entry);

		/* a PMD with PS maps a 2 MiB page: an edge to its first frame */
		bool huge = e->depth == leaf_depth - 1 && (e->entry & (1ULL << 7));

		if (e->depth < leaf_depth && !huge) {
			fprintf(out, "\tt%d_%" PRIx64 ":i%u:e -> t%d_%" PRIx64 ";\n",
				e->depth, e->table, e->index, e->depth + 1, pfn);
		} else {
			fprintf(out, "\tt%d_%" PRIx64 ":i%u:e -> f%" PRIx64 ";\n",
				e->depth, e->table, e->index, pfn);
			frames = view_grow(frames, &cap, nframes, sizeof(*frames));
			frames[nframes++] = pfn;
		}
	}
	/* Frames, labelled with what vmsh_frame_walk says of them. */
	if (nframes)	/* qsort(NULL, 0) is undefined (UBSan) */
		qsort(frames, nframes, sizeof(*frames), cmp_u64);
	{
		struct dot_frames df = { out, frames, nframes, 0 };

		vmsh_frame_walk(sys, dot_frame, &df);
		for (; df.i < nframes; df.i++)
			if (!df.i || frames[df.i] != frames[df.i - 1])
				dot_frame_node(out, frames[df.i], NULL);
	}
	if (!p.len)
		fprintf(out, "\tt0_%" PRIx64 " [label=<<TABLE BORDER=\"0\" "
			"CELLBORDER=\"1\"><TR><TD BGCOLOR=\"lightblue\"><B>PGD</B> "
			"pfn 0x%" PRIx64 "</TD></TR><TR><TD>(no present entry)</TD>"
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
	if (v->flags & VIEW_VM_EXEC)
		return "tomato";                /* executable */
	if (v->ino && v->name && v->name[0] == '/' && strncmp(v->name, "/dev/", 5))
		return "lightskyblue";          /* a file */
	if (v->flags & VIEW_VM_MAYSHARE)
		return "plum";                  /* shared */
	if (!(v->flags & (VIEW_VM_READ | VIEW_VM_WRITE)))
		return "lightgray";             /* PROT_NONE */
	return "palegreen";                     /* anonymous */
}

static int dot_vmas(const struct vmsh_sys *sys, int pid, FILE *out)
{
	struct vmsh_mm_info mi;
	struct vmsh_vma_info *v = NULL;
	size_t n;
	int err = vmsh_mm_info(sys, pid, &mi);

	if (err)
		return err;
	n = view_collect_vmas(sys, pid, &v);
	fprintf(out, "digraph vmas {\n"
		"\tgraph [label=\"address space of mm %u: VMAs (high addresses "
		"on top; gaps not to scale)\", labelloc=t];\n"
		"\tnode [shape=plaintext, fontname=\"monospace\"];\n"
		"\tspace [label=<<TABLE BORDER=\"1\" CELLBORDER=\"1\" "
		"CELLSPACING=\"0\" CELLPADDING=\"4\">\n", mi.id);
	fprintf(out, "<TR><TD COLSPAN=\"3\" BGCOLOR=\"gray30\"><FONT COLOR=\"white\">"
		"TASK_SIZE 0x%" PRIx64 "</FONT></TD></TR>\n", mi.task_size);
	for (size_t k = n; k-- > 0;) {
		uint64_t top = k + 1 < n ? v[k + 1].start : mi.task_size;
		char sz[32], perms[5];

		if (top > v[k].end) {
			fmt_size(top - v[k].end, SIZE_ROUGH, sz, sizeof(sz));
			fprintf(out, "<TR><TD COLSPAN=\"3\" BGCOLOR=\"white\">"
				"<I>unmapped %s</I></TD></TR>\n", sz);
		}
		fmt_size(v[k].end - v[k].start, SIZE_ROUGH, sz, sizeof(sz));
		fmt_perms(v[k].flags, perms);
		fprintf(out, "<TR><TD BGCOLOR=\"%s\" ALIGN=\"LEFT\">0x%" PRIx64
			"-0x%" PRIx64 "</TD><TD BGCOLOR=\"%s\">%s %s</TD>"
			"<TD BGCOLOR=\"%s\" ALIGN=\"LEFT\">",
			vma_colour(&v[k]), v[k].start, v[k].end, vma_colour(&v[k]),
			perms, sz, vma_colour(&v[k]));
		if (v[k].name)
			html(out, v[k].name);
		else
			fputs(v[k].anon_vma_id ? "anon" : "anon (no anon_vma)", out);
		fprintf(out, " rss %s", fmt_size(v[k].rss_pages * VMSH_PAGE_SIZE,
						 SIZE_ROUGH, sz, sizeof(sz)));
		fputs("</TD></TR>\n", out);
	}
	if (n && v[0].start) {
		char sz[32];

		fmt_size(v[0].start, SIZE_ROUGH, sz, sizeof(sz));
		fprintf(out, "<TR><TD COLSPAN=\"3\" BGCOLOR=\"white\"><I>unmapped %s"
			"</I></TD></TR>\n", sz);
	}
	fputs("<TR><TD COLSPAN=\"3\" BGCOLOR=\"gray30\"><FONT COLOR=\"white\">"
	      "0x0</FONT></TD></TR>\n</TABLE>>];\n}\n", out);
	free(v);
	return 0;
}

int view_dot(const struct vmsh_sys *sys, const char *what, int pid, FILE *out)
{
	if (!strcmp(what, "tree"))
		return dot_tree(sys, pid, out);
	if (!strcmp(what, "mt"))
		return view_dot_mt(sys, pid, out);
	if (!strcmp(what, "pt"))
		return dot_pt(sys, pid, out);
	if (!strcmp(what, "vmas"))
		return dot_vmas(sys, pid, out);
	return -EINVAL;
}

