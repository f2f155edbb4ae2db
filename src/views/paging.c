/* SPDX-License-Identifier: MIT */
/*
 * Text views of paging: the walk of one address, the tree of present
 * entries, and the frames in use.
 */
#include "config.h"

#include <string.h>

#include "views.h"
#include "views-int.h"

int view_walk(const struct vmsh_sys *sys, int pid, uint64_t addr, FILE *out)
{
	struct vmsh_walk w;
	char bits[128];
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
		fprintf(out, "  %-3s index %3u  table pfn 0x%-6llx entry %016llx%s%s\n",
			s->level ? s->level : "?", s->index,
			(unsigned long long)s->table_pfn,
			(unsigned long long)s->entry, bits[0] ? "  " : "", bits);
	}
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
	case VMSH_WALK_PROTNONE:
		fprintf(out, "  stops at PTE: PROT_NONE entry (not present to the MMU)\n");
		break;
	default:
		break;
	}
	return 0;
}

static void pt_line(void *ctx, int depth, const char *level, uint64_t va,
		    unsigned index, uint64_t entry)
{
	char bits[128];

	fmt_pte_bits(entry, level && !strcmp(level, "PTE"), bits, sizeof(bits));
	fprintf(ctx, "%*s%s[%u] va 0x%llx entry %016llx%s%s\n", depth * 2, "",
		level ? level : "?", index, (unsigned long long)va,
		(unsigned long long)entry, bits[0] ? " " : "", bits);
}

int view_pt(const struct vmsh_sys *sys, int pid, uint64_t start, uint64_t end,
	    FILE *out)
{
	return vmsh_pt_walk(sys, pid, start, end, pt_line, out);
}

static int frame_line(void *ctx, const struct vmsh_frame_info *fr)
{
	fprintf(ctx, "0x%06llx %4d %4d %-20s %-5s %s\n",
		(unsigned long long)fr->pfn, fr->refcount, fr->mapcount,
		fr->owner ? fr->owner : "?", fr->dirty ? "yes" : "no",
		fr->exclusive ? "yes" : "no");
	return 0;
}

int view_frames(const struct vmsh_sys *sys, FILE *out)
{
	fprintf(out, "PFN       REF  MAP OWNER                DIRTY EXCL\n");
	return vmsh_frame_walk(sys, frame_line, out);
}
