/* SPDX-License-Identifier: MIT */
/*
 * The `vmas` view: the VMA table, then the ASCII bar of the address space
 * (VMAs and gaps from 0 to TASK_SIZE on a log scale).
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "views.h"
#include "views-int.h"

void *view_grow(void *p, size_t *cap, size_t n, size_t size)
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

/* ---- the table ------------------------------------------------------------ */

static int vma_row(void *ctx, const struct vmsh_vma_info *v)
{
	char range[48], anon[16], line[512], sz[32], rss[32], fl[256], perms[5];
	char vmf[24], pgoff[24];
	int n;

	snprintf(range, sizeof(range), "0x%llx-0x%llx",
		 (unsigned long long)v->start, (unsigned long long)v->end);
	if (v->anon_vma_id)
		snprintf(anon, sizeof(anon), "%u", v->anon_vma_id);
	else
		snprintf(anon, sizeof(anon), "-");
	fmt_vmflags(v->flags, fl, sizeof(fl));
	n = snprintf(line, sizeof(line), "%-29s %6s %s %10s %11s %5s %6s %-18s %s",
		     range, fmt_size(v->end - v->start, SIZE_EXACT, sz, sizeof(sz)),
		     fmt_perms(v->flags, perms), fmt_hex(v->flags, vmf, sizeof(vmf)),
		     fmt_hex(v->pgoff, pgoff, sizeof(pgoff)), anon,
		     fmt_size(v->rss_pages * VMSH_PAGE_SIZE, SIZE_EXACT, rss, sizeof(rss)),
		     v->vm_ops ? v->vm_ops : "NULL", v->name ? v->name : "");
	while (n > 0 && (size_t)n < sizeof(line) && line[n - 1] == ' ')
		line[--n] = '\0';
	fprintf(ctx, "%s\n", line);
	return 0;
}

/* Stops the walk at the first VMA: the walk then returns 1. */
static int vma_stop(void *ctx, const struct vmsh_vma_info *v)
{
	(void)ctx;
	(void)v;
	return 1;
}

/* ---- the ASCII bar -------------------------------------------------------- */
#define BAR_WIDTH 64

static const char *bar_colour(const struct vmsh_vma_info *v)
{
	if (!(v->flags & (VIEW_VM_READ | VIEW_VM_WRITE)))
		return "\033[90m";              /* PROT_NONE: grey */
	if (v->flags & VIEW_VM_EXEC)
		return "\033[31m";              /* executable: red */
	if (v->flags & VIEW_VM_WRITE)
		return "\033[32m";              /* writable: green */
	return "\033[34m";                      /* read-only: blue */
}

static char bar_char(const struct vmsh_vma_info *v)
{
	if (v->name && !strcmp(v->name, "[stack]"))
		return 'S';
	if (v->name && !strcmp(v->name, "[heap]"))
		return 'H';
	if (v->flags & VIEW_VM_MAYSHARE)
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

struct vma_array {
	struct vmsh_vma_info *v;
	size_t n, cap;
};

static int collect_cb(void *ctx, const struct vmsh_vma_info *v)
{
	struct vma_array *a = ctx;

	a->v = view_grow(a->v, &a->cap, a->n, sizeof(*a->v));
	a->v[a->n++] = *v;
	return 0;
}

size_t view_collect_vmas(const struct vmsh_sys *sys, int pid,
			 struct vmsh_vma_info **out)
{
	struct vma_array a = { NULL, 0, 0 };

	vmsh_vma_walk(sys, pid, collect_cb, &a);
	*out = a.v;
	return a.n;
}

static void vma_bar(const struct vmsh_sys *sys, int pid, FILE *out, bool color)
{
	struct vmsh_mm_info mi;
	struct vmsh_vma_info *vmas = NULL;
	struct bar_piece *piece = NULL;
	size_t np = 0, nv, pcap = 0;
	uint64_t total = 0, at = 0;

	if (vmsh_mm_info(sys, pid, &mi))
		return;
	nv = view_collect_vmas(sys, pid, &vmas);
	/* Pieces in address order: the gaps and the VMAs. */
	for (size_t i = 0; i < nv; i++) {
		const struct vmsh_vma_info *v = &vmas[i];

		piece = view_grow(piece, &pcap, np + 1, sizeof(*piece));
		if (v->start > at) {
			piece[np].start = at;
			piece[np].end = v->start;
			piece[np++].vma = -1;
		}
		piece[np].start = v->start;
		piece[np].end = v->end;
		piece[np++].vma = (long)i;
		at = v->end;
	}
	if (mi.task_size > at) {
		piece = view_grow(piece, &pcap, np, sizeof(*piece));
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
	fprintf(out, "0x0 |");
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
	fprintf(out, "| 0x%" PRIx64 "\n", mi.task_size);
	free(piece);
	free(vmas);
	fputs("  (log scale; a anonymous, f file, s shared, H heap, S stack, "
	      ". unmapped", out);
	if (color)
		fputs("; \033[32mrw\033[0m \033[34mr\033[0m \033[31mx\033[0m "
		      "\033[90mnone\033[0m", out);
	fputs(")\n", out);
}

/* ---- the view ------------------------------------------------------------- */

int view_vmas(const struct vmsh_sys *sys, int pid, FILE *out, bool color)
{
	int ret;

	fprintf(out, "%-29s %6s %-4s %10s %11s %5s %6s %-18s %s\n", "RANGE", "SIZE",
		"PERM", "VM_FLAGS", "PGOFF", "ANON", "RSS", "VM_OPS", "NAME");
	ret = vmsh_vma_walk(sys, pid, vma_row, out);
	if (ret)
		return ret;
	if (vmsh_vma_walk(sys, pid, vma_stop, NULL) == 0) {
		struct vmsh_mm_info mi;

		if (vmsh_mm_info(sys, pid, &mi) == 0)
			fputs("(no VMAs: nothing is mapped)\n", out);
		else
			fputs("(no mm: a kernel thread has no VMAs)\n", out);
	}
	vma_bar(sys, pid, out, color);
	return 0;
}
