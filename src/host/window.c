/* SPDX-License-Identifier: MIT */
/*
 * --host: the safe window.  A script's calls may change memory only in
 * 0x200000000000-0x400000000000 (the window the helper processes leave
 * free) and in what the script itself mapped (the addresses mmap, mremap
 * and brk gave it); a call that would change, unmap or write the
 * helper's own memory (its code, stack, libraries, buffers) is refused
 * with EPERM and one line saying why, before it reaches the kernel.
 * --host-unsafe lifts this.
 *
 * Invariants:
 *  - Only what the kernel would act on counts: a range it refuses before
 *    looking at the VMAs (an unaligned start, a length that wraps, an end
 *    above TASK_SIZE for munmap/mmap/mremap) is passed on, so the model
 *    and the kernel still agree on those errors.
 *  - What the kernel acts on is taken from the task's /proc/PID/maps as
 *    the call would walk it: the whole range (mmap fixed, munmap, mremap,
 *    mseal when no hole), every VMA in it (madvise, write), the VMAs from
 *    the start up to the first hole (mprotect, mlock, munlock).
 *  - A range inside the window and what the script mapped needs no maps.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host-int.h"

#define PAGE 4096ULL
#define TASK_TOP 0x7ffffffff000ULL      /* TASK_SIZE, 4-level x86-64 */

void own_add(struct hproc *p, uint64_t start, uint64_t len)
{
	uint64_t end = start + len;

	if (!p || !len || end < start)
		return;
	start &= ~(PAGE - 1);
	end = (end + PAGE - 1) & ~(PAGE - 1);
	if (!end)
		end = UINT64_MAX & ~(PAGE - 1);
	if (p->nown == p->owncap) {
		p->owncap = p->owncap ? 2 * p->owncap : 8;
		p->own = realloc(p->own, p->owncap * sizeof(*p->own));
		if (!p->own)
			abort();
	}
	p->own[p->nown].start = start;
	p->own[p->nown].end = end;
	p->nown++;
}

/* Where [@pos, ...) stops being the window or the script's: its end. */
static uint64_t safe_until(const struct hproc *p, uint64_t pos)
{
	uint64_t best = pos;

	if (pos >= HOST_WINDOW_LO && pos < HOST_WINDOW_HI)
		best = HOST_WINDOW_HI;
	for (size_t i = 0; i < p->nown; i++)
		if (p->own[i].start <= pos && pos < p->own[i].end &&
		    p->own[i].end > best)
			best = p->own[i].end;
	return best;
}

/* Is all of [@start, @end) the window's or the script's? */
static bool safe(const struct hproc *p, uint64_t start, uint64_t end)
{
	while (start < end) {
		uint64_t next = safe_until(p, start);

		if (next == start)
			return false;
		start = next;
	}
	return true;
}

struct vma_line {
	uint64_t start, end;
	char name[96];
};

/* The VMAs of process @pid, in address order; their count (-1: unread). */
static int read_maps(pid_t pid, struct vma_line **out)
{
	char path[64], line[512];
	struct vma_line *v = NULL;
	int n = 0, cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s, e;
		int off = 0;

		if (sscanf(line, "%llx-%llx %*s %*s %*s %*s %n", &s, &e, &off) < 2)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			v = realloc(v, (size_t)cap * sizeof(*v));
			if (!v)
				abort();
		}
		v[n].start = s;
		v[n].end = e;
		snprintf(v[n].name, sizeof(v[n].name), "%s", off ? line + off : "");
		v[n].name[strcspn(v[n].name, "\n")] = 0;
		n++;
	}
	fclose(f);
	*out = v;
	return n;
}

int window_check(struct host *h, enum window_kind kind, const char *call,
		 uint64_t start, uint64_t len)
{
	struct htask *t = task_get(h, 0);
	struct vma_line *v = NULL;
	uint64_t end, eff_end;
	int n, bad = -1;

	if (h->unsafe || !t || t->kthread || !t->proc || !len)
		return 0;
	if (kind == WIN_CONTIG_ANY || kind == WIN_BYTES) {
		if (kind == WIN_CONTIG_ANY) {
			len += start & (PAGE - 1);      /* mlock rounds down */
			start &= ~(PAGE - 1);
		}
	} else if (start & (PAGE - 1)) {
		return 0;       /* EINVAL before any VMA is looked at */
	}
	end = start + len;
	if (end < start)
		return 0;
	if (kind != WIN_BYTES) {
		end = (end + PAGE - 1) & ~(PAGE - 1);
		if (!end || end < start)
			return 0;       /* the rounded length wraps: refused */
	}
	if (kind == WIN_REPLACE && end > TASK_TOP)
		return 0;       /* beyond TASK_SIZE: refused before the VMAs */
	if (safe(t->proc, start, end))
		return 0;
	n = read_maps(t->proc->pid, &v);
	if (n < 0)
		return 0;       /* the task is gone: the call will say so */
	eff_end = end;
	if (kind == WIN_CONTIG || kind == WIN_CONTIG_ANY || kind == WIN_WHOLE) {
		/* from the start while mapped: where the call stops at a hole */
		uint64_t pos = start;

		for (int i = 0; i < n && pos < end; i++) {
			if (v[i].end <= pos)
				continue;
			if (v[i].start > pos)
				break;
			pos = v[i].end;
		}
		if (kind == WIN_WHOLE && pos < end)
			eff_end = start;        /* a hole: ENOMEM, nothing sealed */
		else if (pos < eff_end)
			eff_end = pos;
	}
	for (int i = 0; i < n && bad < 0; i++) {
		uint64_t s = v[i].start > start ? v[i].start : start;
		uint64_t e = v[i].end < eff_end ? v[i].end : eff_end;

		if (s < e && !safe(t->proc, s, e))
			bad = i;
	}
	if (bad >= 0) {
		fprintf(h->err, "vmsh: --host: %s of [%#" PRIx64 ", %#" PRIx64 ") would "
			"reach the helper's own memory %#" PRIx64 "-%#" PRIx64 "%s%s; "
			"scripts work in %#llx-%#llx and in what they mapped "
			"(--host-unsafe lifts this)\n", call, start, end,
			v[bad].start, v[bad].end, v[bad].name[0] ? " " : "",
			v[bad].name, HOST_WINDOW_LO, HOST_WINDOW_HI);
	}
	free(v);
	return bad >= 0 ? -EPERM : 0;
}
