/* SPDX-License-Identifier: MIT */
/*
 * /proc/PID/maps and /proc/PID/smaps, as fs/proc/task_mmu.c prints them.
 *
 * Invariants
 *  - maps and smaps lines are byte-exact with show_vma_header_prefix()
 *    then, for a named VMA, padding to column 72
 *    (seq_setwidth(25 + 6 * sizeof(void *) - 1)) and one space before the
 *    name; an unnamed VMA's line ends with the space after the inode.
 *  - smaps' fields come in show_smap()'s order with its widths.
 */
#include "config.h"

#include <stdio.h>

#include "views.h"

void view_maps_line(FILE *out, const struct vmsh_vma_info *v)
{
	char line[128], perms[5];
	uint64_t off = 0;
	int n;

	/* show_map_vma(): the offset only for a VMA with a vm_file, which is
	 * one with a device or an inode (anonymous memory has neither) */
	if (v->ino || v->dev_major || v->dev_minor)
		off = v->pgoff << VMSH_PAGE_SHIFT;
	n = snprintf(line, sizeof(line), "%08llx-%08llx %s %08llx %02x:%02x %lu ",
		     (unsigned long long)v->start, (unsigned long long)v->end,
		     fmt_perms(v->flags, perms), (unsigned long long)off,
		     v->dev_major, v->dev_minor, v->ino);
	fputs(line, out);
	if (v->name && v->name[0]) {
		/* seq_pad(): up to width 72, then the ' ' separator */
		for (; n < 72; n++)
			fputc(' ', out);
		fputc(' ', out);
		fputs(v->name, out);
	}
	fputc('\n', out);
}

static void kb(FILE *out, const char *name, uint64_t bytes)
{
	fprintf(out, "%-16s%8llu kB\n", name, (unsigned long long)(bytes >> 10));
}

void view_smaps_block(FILE *out, const struct vmsh_vma_info *v,
		      const struct vmsh_smaps *s)
{
	char flags[256];

	view_maps_line(out, v);
	kb(out, "Size:", s->size);
	kb(out, "KernelPageSize:", VMSH_PAGE_SIZE);
	kb(out, "MMUPageSize:", VMSH_PAGE_SIZE);
	kb(out, "Rss:", s->rss);
	kb(out, "Pss:", s->pss);
	kb(out, "Pss_Dirty:", s->pss_dirty);
	kb(out, "Shared_Clean:", s->shared_clean);
	kb(out, "Shared_Dirty:", s->shared_dirty);
	kb(out, "Private_Clean:", s->private_clean);
	kb(out, "Private_Dirty:", s->private_dirty);
	kb(out, "Referenced:", s->referenced);
	kb(out, "Anonymous:", s->anonymous);
	kb(out, "KSM:", 0);
	kb(out, "LazyFree:", s->lazyfree);
	kb(out, "AnonHugePages:", s->anon_huge);
	kb(out, "ShmemPmdMapped:", 0);
	kb(out, "FilePmdMapped:", 0);
	kb(out, "Shared_Hugetlb:", 0);
	kb(out, "Private_Hugetlb:", 0);
	kb(out, "Swap:", s->swap);
	kb(out, "SwapPss:", s->swap_pss);
	kb(out, "Locked:", s->locked);
	fprintf(out, "%-16s%8d\n", "THPeligible:", s->thp_eligible ? 1 : 0);
	fmt_vmflags(v->flags, flags, sizeof(flags));
	fprintf(out, "VmFlags: %s\n", flags);
}
