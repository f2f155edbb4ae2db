/* SPDX-License-Identifier: MIT */
/*
 * Page tables (src/engine/pgtable.c) on a hand-built mm (no VMA tree):
 * level names and folding, table allocation and pgtables_bytes for 2-5
 * levels, the x86-64 PTE encoding (PROT_NONE and its PFN inversion),
 * zapping, free_pgtables' floor/ceiling rule, change_protection and
 * move_page_tables.
 */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "memory.h"
#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "suites.h"
#include "sys.h"
#include "vm_flags.h"
#include "vma.h"
#include "vmsh-test.h"

#define BASE 0x200000000000ULL

static struct vmsh_sys *sys;
static struct vmsh_mm *mm;
static struct vmsh_vma vma;

static void setup_levels(int levels)
{
	struct vmsh_config cfg;

	t_config(&cfg, true, 16ULL << 20);
	cfg.levels = levels;
	sys = t_sys_cfg(&cfg);
	mm = calloc(1, sizeof(*mm));
	mm->sys = sys;
	mm->task_size = (1ULL << (PAGE_SHIFT + 9 * levels - 1)) - PAGE_SIZE;
	ck_assert_int_eq(pgtable_init(mm), 0);
	memset(&vma, 0, sizeof(vma));
	vma.vm_mm = mm;
}

static void setup(void)
{
	setup_levels(4);
}

static void teardown(void)
{
	pgtable_free_all(mm);
	free(mm);
	vmsh_sys_free(sys);
}

/* Map a fresh anonymous page at @addr by hand, as do_anonymous_page. */
static uint64_t map_anon(uint64_t addr, uint64_t vm_flags)
{
	uint64_t *ptep = pte_lookup(mm, addr, true), pfn;
	struct page *p;

	ck_assert_ptr_nonnull(ptep);
	pfn = phys_alloc(sys, PAGE_ANON);
	ck_assert_uint_ne(pfn, UINT64_MAX);
	p = phys_page(sys, pfn);
	p->mapcount = 1;
	p->exclusive = true;
	*ptep = pte_mkentry(pfn, vm_flags, vm_flags & VM_WRITE,
			    vm_flags & VM_WRITE, true);
	mm_add_rss(mm, MM_ANONPAGES, 1);
	return pfn;
}

static int ntables(void)
{
	uint64_t pfn;
	int n = 0;

	for (pfn = 0; pfn < sys->phys.nframes; pfn++)
		n += sys->phys.pages[pfn].kind == PAGE_PGTABLE;
	return n;
}

START_TEST(test_pgtable_level_names)
{
	ck_assert_str_eq(pt_level_name(5, 1), "P4D");
	ck_assert_str_eq(pt_level_name(5, 4), "PTE");
	ck_assert_str_eq(pt_level_name(4, 1), "PUD");
	ck_assert_str_eq(pt_level_name(4, 2), "PMD");
	ck_assert_str_eq(pt_level_name(3, 1), "PMD");
	ck_assert_str_eq(pt_level_name(2, 0), "PGD");
	ck_assert_str_eq(pt_level_name(2, 1), "PTE");
	ck_assert_uint_eq(pt_shift(4, 0), 39);
	ck_assert_uint_eq(pt_shift(5, 0), 48);
	ck_assert_uint_eq(pt_shift(2, 0), 21);
}
END_TEST

/* One PTE needs levels - 1 tables below the PGD; pgtables_bytes counts
 * PUD, PMD and PTE tables (not the PGD, not a P4D). */
START_TEST(test_pgtable_alloc_counts)
{
	static const int counted[6] = { 0, 0, 1, 2, 3, 3 };
	int levels = _i;
	int before;

	teardown();
	setup_levels(levels);
	before = ntables();
	ck_assert_ptr_null(pte_lookup(mm, BASE & (mm->task_size - 1), false));
	ck_assert_ptr_nonnull(pte_lookup(mm, 0x10000, true));
	ck_assert_int_eq(ntables() - before, levels - 1);
	ck_assert_uint_eq(mm->pgtables_bytes, counted[levels] * PAGE_SIZE);
	/* a neighbour in the same PTE table costs nothing */
	ck_assert_ptr_nonnull(pte_lookup(mm, 0x11000, true));
	ck_assert_int_eq(ntables() - before, levels - 1);
	free_pgtables(mm, 0x10000, 0x12000, 0, 0);
	ck_assert_int_eq(ntables(), before);
	ck_assert_uint_eq(mm->pgtables_bytes, 0);
}
END_TEST

START_TEST(test_pgtable_pte_encoding)
{
	uint64_t e;

	/* private rw-: read-only until written (PAGE_COPY), NX, accessed */
	e = pte_mkentry(0x1234, VM_READ | VM_WRITE | VM_MAYWRITE, false, false, true);
	ck_assert_uint_eq(e, 0x1234000ULL | _PAGE_PRESENT | _PAGE_USER |
			  _PAGE_ACCESSED | _PAGE_NX);
	/* written: RW and D (no SOFT_DIRTY on this kernel) */
	e = pte_mkentry(0x1234, VM_READ | VM_WRITE, true, true, true);
	ck_assert_uint_eq(e, 0x1234000ULL | 0x67 | _PAGE_NX);
	/* r-x: no NX */
	e = pte_mkentry(5, VM_READ | VM_EXEC, false, false, true);
	ck_assert_uint_eq(e & _PAGE_NX, 0);
	/* fork child: old */
	e = pte_mkentry(5, VM_READ, false, false, false);
	ck_assert_uint_eq(e & _PAGE_ACCESSED, 0);
	/* PROT_NONE: PROTNONE|A with P clear (PFN kept plain, see pgtable.h) */
	e = pte_mkentry(0x1234, VM_NONE, false, false, true);
	ck_assert_uint_eq(e & 0xfff, _PAGE_PROTNONE | _PAGE_ACCESSED);
	ck_assert_uint_eq(e & PTE_PFN_MASK, 0x1234000ULL);
	ck_assert(pte_present(e));
	ck_assert_uint_eq(pte_pfn(e), 0x1234);
	ck_assert_uint_eq(pte_pfn(0x1234067ULL), 0x1234);
	ck_assert(!pte_present(0));
}
END_TEST

START_TEST(test_pgtable_zap)
{
	uint64_t pfn, free_before = sys->phys.nfree;

	vma.vm_start = BASE;
	vma.vm_end = BASE + 4 * PAGE_SIZE;
	vma.vm_flags = VM_READ | VM_WRITE;
	pfn = map_anon(BASE + PAGE_SIZE, vma.vm_flags);
	map_anon(BASE + 2 * PAGE_SIZE, vma.vm_flags);
	ck_assert_int_eq(mm->rss[MM_ANONPAGES], 2);
	zap_page_range(&vma, BASE, BASE + 2 * PAGE_SIZE);
	ck_assert_int_eq(mm->rss[MM_ANONPAGES], 1);
	ck_assert_uint_eq(mm->hiwater_rss, 2);
	ck_assert_int_eq(phys_page(sys, pfn)->kind, PAGE_FREE);
	ck_assert_uint_eq(*pte_lookup(mm, BASE + PAGE_SIZE, false), 0);
	zap_page_range(&vma, BASE, BASE + 4 * PAGE_SIZE);
	ck_assert_int_eq(mm->rss[MM_ANONPAGES], 0);
	/* the tables stay until free_pgtables */
	ck_assert_uint_eq(mm->pgtables_bytes, 3 * PAGE_SIZE);
	free_pgtables(mm, BASE, BASE + 4 * PAGE_SIZE, 0, 0);
	ck_assert_uint_eq(mm->pgtables_bytes, 0);
	ck_assert_uint_eq(sys->phys.nfree, free_before);
}
END_TEST

/* free_pgtables frees a table only when the span its parent entry covers
 * is clear of the neighbours (floor = prev->vm_end, ceiling = next->vm_start). */
START_TEST(test_pgtable_free_floor_ceiling)
{
	uint64_t a = BASE, b = BASE + 0x400000;   /* another PMD entry */

	vma.vm_flags = VM_READ | VM_WRITE;
	pte_lookup(mm, a, true);
	pte_lookup(mm, b, true);
	/* PUD + PMD + 2 PTE tables */
	ck_assert_uint_eq(mm->pgtables_bytes, 4 * PAGE_SIZE);
	/* unmap b's page while a's VMA stays below (floor = a + 4K) */
	free_pgtables(mm, b, b + PAGE_SIZE, a + PAGE_SIZE, 0);
	ck_assert_uint_eq(mm->pgtables_bytes, 3 * PAGE_SIZE);
	ck_assert_ptr_nonnull(pte_lookup(mm, a, false));
	/* a range sharing a's PMD span keeps its PTE table */
	pte_lookup(mm, a + 0x100000, true);
	free_pgtables(mm, a + 0x100000, a + 0x101000, a + PAGE_SIZE, 0);
	ck_assert_uint_eq(mm->pgtables_bytes, 3 * PAGE_SIZE);
	/* with nothing around, everything under the PGD goes */
	free_pgtables(mm, a, a + 0x200000, 0, 0);
	ck_assert_uint_eq(mm->pgtables_bytes, 0);
}
END_TEST

START_TEST(test_pgtable_change_protection)
{
	uint64_t pfn, *ptep, e;

	vma.vm_start = BASE;
	vma.vm_end = BASE + PAGE_SIZE;
	vma.vm_flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE;
	pfn = map_anon(BASE, vma.vm_flags);
	ptep = pte_lookup(mm, BASE, false);

	vma.vm_flags = VM_READ | VM_MAYREAD | VM_MAYWRITE;
	change_protection(&vma, BASE, BASE + PAGE_SIZE);
	e = *ptep;
	ck_assert_uint_eq(e & _PAGE_RW, 0);
	ck_assert_uint_ne(e & _PAGE_DIRTY, 0);          /* D is kept */

	vma.vm_flags = VM_MAYREAD | VM_MAYWRITE;        /* PROT_NONE */
	change_protection(&vma, BASE, BASE + PAGE_SIZE);
	e = *ptep;
	ck_assert_uint_eq(e & _PAGE_PRESENT, 0);
	ck_assert_uint_ne(e & _PAGE_PROTNONE, 0);
	ck_assert_uint_eq(pte_pfn(e), pfn);
	ck_assert_int_eq(mm->rss[MM_ANONPAGES], 1);     /* still resident */

	/* back to rw-: an exclusive anonymous page is writable at once */
	vma.vm_flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE;
	change_protection(&vma, BASE, BASE + PAGE_SIZE);
	e = *ptep;
	ck_assert_uint_ne(e & _PAGE_PRESENT, 0);
	ck_assert_uint_ne(e & _PAGE_RW, 0);
	ck_assert_uint_eq(pte_pfn(e), pfn);

	/* a shared page (not exclusive) stays read-only for COW */
	vma.vm_flags = VM_READ | VM_MAYREAD | VM_MAYWRITE;
	change_protection(&vma, BASE, BASE + PAGE_SIZE);
	phys_page(sys, pfn)->exclusive = false;
	vma.vm_flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE;
	change_protection(&vma, BASE, BASE + PAGE_SIZE);
	ck_assert_uint_eq(*ptep & _PAGE_RW, 0);
	zap_page_range(&vma, BASE, BASE + PAGE_SIZE);
}
END_TEST

static uint64_t flushes(void)
{
	return sys->stat[ST_TLB_FLUSH_RANGE] + sys->stat[ST_TLB_FLUSH_ALL] +
	       sys->stat[ST_TLB_FLUSH_PAGE];
}

/* munmap's mmu_gather: one flush for every zap and table free inside it;
 * a zap outside a gather flushes what it cleared, and nothing when it
 * cleared nothing. */
START_TEST(test_pgtable_gather)
{
	struct vmsh_vma v2;
	uint64_t f0;

	vma.vm_start = BASE;
	vma.vm_end = BASE + PAGE_SIZE;
	vma.vm_flags = VM_READ | VM_WRITE;
	v2 = vma;
	v2.vm_start = BASE + 0x400000;
	v2.vm_end = v2.vm_start + PAGE_SIZE;
	map_anon(BASE, vma.vm_flags);
	map_anon(v2.vm_start, vma.vm_flags);
	f0 = flushes();
	zap_page_range(&vma, vma.vm_start, vma.vm_end);
	ck_assert_uint_eq(flushes(), f0 + 1);
	zap_page_range(&vma, vma.vm_start, vma.vm_end);
	ck_assert_uint_eq(flushes(), f0 + 1);

	map_anon(BASE, vma.vm_flags);
	f0 = flushes();
	tlb_gather_mmu(mm);
	zap_page_range(&vma, vma.vm_start, vma.vm_end);
	zap_page_range(&v2, v2.vm_start, v2.vm_end);
	free_pgtables(mm, BASE, v2.vm_end, 0, 0);
	ck_assert_uint_eq(flushes(), f0);
	tlb_finish_mmu(mm);
	ck_assert_uint_eq(flushes(), f0 + 1);
	ck_assert_uint_eq(mm->pgtables_bytes, 0);
}
END_TEST

START_TEST(test_pgtable_move)
{
	uint64_t pfn, to = BASE + 0x40000000ULL;   /* another PUD entry */
	struct vmsh_vma nv;

	vma.vm_start = BASE;
	vma.vm_end = BASE + 2 * PAGE_SIZE;
	vma.vm_flags = VM_READ | VM_WRITE;
	pfn = map_anon(BASE + PAGE_SIZE, vma.vm_flags);
	nv = vma;
	nv.vm_start = to;
	nv.vm_end = to + 2 * PAGE_SIZE;
	move_page_tables(&vma, BASE, &nv, to, 2 * PAGE_SIZE);
	ck_assert_uint_eq(*pte_lookup(mm, BASE + PAGE_SIZE, false), 0);
	ck_assert_uint_eq(pte_pfn(*pte_lookup(mm, to + PAGE_SIZE, false)), pfn);
	ck_assert_int_eq(mm->rss[MM_ANONPAGES], 1);
	ck_assert_int_eq(phys_page(sys, pfn)->mapcount, 1);
	zap_page_range(&nv, to, to + 2 * PAGE_SIZE);
}
END_TEST

/* A table still mapping a page when it is freed is a bug (every PTE is
 * zapped first): free_pgtables aborts instead of repairing it. */
START_TEST(test_pgtable_free_mapped_table_aborts)
{
	map_anon(BASE, VM_READ | VM_WRITE);
	free_pgtables(mm, BASE, BASE + PAGE_SIZE, 0, 0);   /* SIGABRT */
}
END_TEST

Suite *pgtable_suite(void)
{
	Suite *s = suite_create("pgtable");
	TCase *tc;

	tc = t_tcase(s, "levels", setup, teardown);
	tcase_add_test(tc, test_pgtable_level_names);
	tcase_add_loop_test(tc, test_pgtable_alloc_counts, 2, 6);
	tc = t_tcase(s, "pte", setup, teardown);
	tcase_add_test(tc, test_pgtable_pte_encoding);
	tcase_add_test(tc, test_pgtable_change_protection);
	tc = t_tcase(s, "zap", setup, teardown);
	tcase_add_test(tc, test_pgtable_zap);
	tcase_add_test(tc, test_pgtable_free_floor_ceiling);
	tcase_add_test(tc, test_pgtable_gather);
	tcase_add_test_raise_signal(tc, test_pgtable_free_mapped_table_aborts,
				    SIGABRT);
	tc = t_tcase(s, "move", setup, teardown);
	tcase_add_test(tc, test_pgtable_move);
	return s;
}
