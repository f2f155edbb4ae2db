/* SPDX-License-Identifier: MIT */
/*
 * The maple tree views: `mt [PID]` prints the tree level by level (each
 * node's kind, range and fill, then one line per slot: its range, which
 * ends at the slot's pivot, what it holds, and its gap); `dot mt FILE`
 * draws it.
 */
#include "config.h"

#include <stdio.h>

#include "views-int.h"
#include "vmsh/mt.h"

struct mt_text {
	FILE *out;
	unsigned level;
	bool any;
};

static int mt_line(void *ctx, const struct vmsh_mt_node *n)
{
	struct mt_text *t = ctx;

	if (!t->any || n->level != t->level)
		fprintf(t->out, "level %u:\n", n->level);
	t->any = true;
	t->level = n->level;
	fprintf(t->out, "  node %u  %-15s [0x%llx, 0x%llx]  %u/%u slots", n->id,
		n->kind, (unsigned long long)n->min, (unsigned long long)n->max,
		n->nr, n->slots);
	if (n->level)
		fprintf(t->out, "  (node %u slot %u)", n->parent, n->parent_slot);
	fputc('\n', t->out);
	for (unsigned s = 0; s < n->nr; s++) {
		fprintf(t->out, "    %2u [0x%llx, 0x%llx] ", s,
			(unsigned long long)n->first[s],
			(unsigned long long)n->pivot[s]);
		if (!n->leaf)
			fprintf(t->out, "node %u", n->child[s]);
		else
			fputs(n->entry[s] ? "vma" : "NULL", t->out);
		if (n->has_gaps && (!n->leaf || !n->entry[s]))
			fprintf(t->out, "  gap 0x%llx", (unsigned long long)n->gap[s]);
		fputc('\n', t->out);
	}
	return 0;
}

int view_mt(const struct vmsh_sys *sys, int pid, FILE *out)
{
	struct mt_text t = { out, 0, false };
	unsigned height, nodes;
	int ret = vmsh_mt_info(sys, pid, &height, &nodes);

	if (ret < 0)
		return ret;
	fprintf(out, "maple tree (mm_mt): height %u, %u node%s\n", height, nodes,
		nodes == 1 ? "" : "s");
	return vmsh_mt_walk(sys, pid, mt_line, &t);
}

static int mt_dot_node(void *ctx, const struct vmsh_mt_node *n)
{
	FILE *out = ctx;

	fprintf(out, "\tn%u [label=\"{%s [0x%llx, 0x%llx]|{", n->id, n->kind,
		(unsigned long long)n->min, (unsigned long long)n->max);
	for (unsigned s = 0; s < n->nr; s++) {
		fprintf(out, "%s<s%u> ..0x%llx", s ? "|" : "", s,
			(unsigned long long)n->pivot[s]);
		if (n->leaf)
			fputs(n->entry[s] ? "\\nvma" : "\\nNULL", out);
		if (n->has_gaps && (!n->leaf || !n->entry[s]))
			fprintf(out, "\\ngap 0x%llx", (unsigned long long)n->gap[s]);
	}
	fputs("}}\"];\n", out);
	if (n->level)
		fprintf(out, "\tn%u:s%u -> n%u;\n", n->parent, n->parent_slot, n->id);
	return 0;
}

int view_dot_mt(const struct vmsh_sys *sys, int pid, FILE *out)
{
	unsigned height, nodes;
	int ret = vmsh_mt_info(sys, pid, &height, &nodes);

	if (ret < 0)
		return ret;
	fprintf(out, "digraph maple_tree {\n"
		"\tgraph [label=\"maple tree (mm_mt): height %u, %u nodes; "
		"slots end at their pivots\", labelloc=t];\n"
		"\tnode [shape=record, fontname=monospace, fontsize=9];\n",
		height, nodes);
	ret = vmsh_mt_walk(sys, pid, mt_dot_node, out);
	fputs("}\n", out);
	return ret;
}
