/* SPDX-License-Identifier: MIT */
/*
 * The hand-built machine of test-tlb.c's bare cases (included by that file
 * only): a struct vmsh_sys with only its CPUs, eight mms and a few frames
 * holding their page-table paths, so the cases test tlb.c alone.
 */
#ifndef VMSH_TESTS_UNIT_TLB_BARE_H
#define VMSH_TESTS_UNIT_TLB_BARE_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "sys.h"
#include "task.h"
#include "tlb.h"
#include "vmsh-test.h"

#define NFRAMES 64
#define BASE 0x200000000000ULL          /* one PTE table covers BASE..+2M */
#define PTE_FLAGS (_PAGE_PRESENT | _PAGE_USER)

struct bare {
	struct vmsh_sys *sys;
	struct vmsh_mm *mm[8];
	struct vmsh_task task[8], kthread;      /* task[i] runs mm[i] */
	uint64_t next_frame;
	int warnings;
	char last_warning[512];
};

static uint64_t *table(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *pg = &sys->phys.pages[pfn];

	if (!pg->data) {
		pg->data = calloc(1, PAGE_SIZE);
		pg->kind = PAGE_PGTABLE;
	}
	return (uint64_t *)pg->data;
}

static uint64_t frame(struct bare *b, enum page_kind kind)
{
	uint64_t pfn = b->next_frame++;

	ck_assert_uint_lt(pfn, NFRAMES);
	b->sys->phys.pages[pfn].kind = kind;
	b->sys->phys.pages[pfn].refcount = 1;
	return pfn;
}

/* Set the PTE of @addr in @mm (4 levels), building the tables. */
static uint64_t *set_pte(struct bare *b, struct vmsh_mm *mm, uint64_t addr,
			 uint64_t pte)
{
	uint64_t pfn = mm->pgd;

	for (int l = 0; l < 3; l++) {
		uint64_t *t = table(b->sys, pfn);
		unsigned idx = (addr >> (12 + 9 * (3 - l))) & 511;

		if (!(t[idx] & _PAGE_PRESENT))
			t[idx] = (frame(b, PAGE_PGTABLE) << 12) | _PAGE_TABLE;
		pfn = t[idx] >> 12 & 0xffffffffffULL;
	}
	table(b->sys, pfn)[(addr >> 12) & 511] = pte;
	return &table(b->sys, pfn)[(addr >> 12) & 511];
}

/* Map a fresh data frame at @addr with @flags; returns its pfn. */
static uint64_t map(struct bare *b, struct vmsh_mm *mm, uint64_t addr,
		    uint64_t flags)
{
	uint64_t pfn = frame(b, PAGE_ANON);

	set_pte(b, mm, addr, (pfn << 12) | flags);
	return pfn;
}

static uint64_t get_pte(struct bare *b, struct vmsh_mm *mm, uint64_t addr)
{
	uint64_t pfn = mm->pgd;

	for (int l = 0; l < 3; l++) {
		uint64_t e = table(b->sys, pfn)[(addr >> (12 + 9 * (3 - l))) & 511];

		if (!(e & _PAGE_PRESENT))
			return 0;
		pfn = (e & PTE_PFN_MASK) >> 12;
	}
	return table(b->sys, pfn)[(addr >> 12) & 511];
}

static void on_warn(void *ctx, const char *line)
{
	struct bare *b = ctx;

	b->warnings++;
	snprintf(b->last_warning, sizeof(b->last_warning), "%s", line);
}

/* @cpus CPUs whose TLBs have @entries entries in @ways ways, PCID and
 * lazy_flush as given; mm[i] is run by task[i] (pid i + 1). */
static struct bare *bare_alloc(unsigned entries, unsigned ways, unsigned cpus,
			     bool pcid, bool lazy_flush)
{
	struct bare *b = calloc(1, sizeof(*b));
	struct vmsh_sys *sys = calloc(1, sizeof(*sys));

	vmsh_config_default(&sys->cfg);
	sys->cfg.tlb_entries = entries;
	sys->cfg.tlb_ways = ways;
	sys->cfg.cpus = cpus;
	sys->cfg.pcid = pcid;
	sys->cfg.lazy_flush = lazy_flush;
	sys->phys.nframes = NFRAMES;
	sys->phys.pages = calloc(NFRAMES, sizeof(struct page));
	b->sys = sys;
	b->next_frame = 1;
	tlb_init(sys);
	for (int i = 0; i < 8; i++) {
		struct vmsh_mm *mm = calloc(1, sizeof(*mm));

		mm->id = (unsigned)i + 1;
		mm->sys = sys;
		mm->pgd = frame(b, PAGE_PGTABLE);
		table(sys, mm->pgd);
		b->mm[i] = mm;
		b->task[i].pid = i + 1;
		b->task[i].mm = b->task[i].active_mm = mm;
	}
	b->kthread.pid = 100;
	b->kthread.kind = VMSH_TASK_KTHREAD;
	vmsh_sys_set_warn(sys, on_warn, b);
	return b;
}

static void bare_free(struct bare *b)
{
	tlb_fini(b->sys);
	ck_assert_ptr_null(b->sys->cpus);
	for (uint64_t i = 0; i < NFRAMES; i++)
		free(b->sys->phys.pages[i].data);
	free(b->sys->phys.pages);
	for (int i = 0; i < 8; i++)
		free(b->mm[i]);
	free(b->sys);
	free(b);
}

/* What task.c's context_switch does for a user task and a kernel thread. */
static void run(struct bare *b, int cpu, struct vmsh_mm *mm)
{
	struct cpu *c = &b->sys->cpus[cpu];

	tlb_switch_mm(b->sys, cpu, c->loaded_mm, mm);
	c->loaded_mm = mm;
	c->curr = &b->task[mm->id - 1];
}

static void run_kthread(struct bare *b, int cpu)
{
	b->sys->cpus[cpu].curr = &b->kthread;
}

static int rd(struct bare *b, struct vmsh_mm *mm, uint64_t addr)
{
	uint64_t pfn;

	return mmu_translate(b->sys, mm, addr, false, &pfn);
}

static int wr(struct bare *b, struct vmsh_mm *mm, uint64_t addr)
{
	uint64_t pfn;

	return mmu_translate(b->sys, mm, addr, true, &pfn);
}

#define STAT(b, item) ((b)->sys->stat[item])

#endif /* VMSH_TESTS_UNIT_TLB_BARE_H */
