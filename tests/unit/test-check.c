/* SPDX-License-Identifier: MIT */
/*
 * The invariant checker itself (check.c): each test breaks one invariant
 * of a machine with VMAs, a shared file mapping, swap entries, a fork
 * and a huge page, asserts that vmsh_check names it (the text of the
 * first problem), then mends it so the machine is whole again.  A
 * checker that never fires proves nothing; these show that it fires.
 */
#include "config.h"

#include <string.h>

#include "vmsh/advice.h"
#include "vmsh/reclaim.h"
#include "checks.h"
#include "file.h"
#include "memory.h"
#include "pgtable.h"
#include "phys.h"
#include "suites.h"
#include "swap.h"
#include "vma.h"
#include "vmsh-test.h"

#define BASE T_BASE
#define PG   T_PG
#define FILE_AT (BASE + (16ULL << 20))
#define THP_AT (BASE + (32ULL << 20))

static struct vmsh_sys *sys;
static int parent, child;

/* Eight written anonymous pages (the last two paged out), a shared
 * mapping of a 4-page file (read), a huge page, and a forked child;
 * pid @parent is current. */
static void setup(void)
{
	struct vmsh_config cfg;
	struct vmsh_fault f;
	uint64_t out;

	t_config(&cfg, false, 64ULL << 20);
	cfg.swap = 1 << 20;
	sys = t_sys_cfg(&cfg);
	t_map(sys, BASE, 8 * PG, T_RW, T_FIXED);
	ck_assert_int_eq(vmsh_write(sys, BASE, NULL, 0x5a, 8 * PG, NULL, &f), 0);
	ck_assert_int_eq(vmsh_madvise(sys, BASE + 6 * PG, 2 * PG,
				      VMSH_MADV_PAGEOUT), 0);
	ck_assert_int_eq(vmsh_file_create(sys, "f", 4 * PG, false), 0);
	ck_assert_int_eq(vmsh_mmap(sys, FILE_AT, 4 * PG, VMSH_PROT_READ,
				   VMSH_MAP_SHARED | VMSH_MAP_FIXED, "f", 0, &out), 0);
	ck_assert_int_eq(vmsh_touch(sys, FILE_AT, 4 * PG, &f), 0);
	t_map(sys, THP_AT, 2ULL << 20, T_RW, T_FIXED);
	ck_assert_int_eq(vmsh_madvise(sys, THP_AT, 2ULL << 20, VMSH_MADV_HUGEPAGE), 0);
	ck_assert_int_eq(vmsh_write(sys, THP_AT, NULL, 1, 1, NULL, &f), 0);
	parent = vmsh_current_pid(sys);
	ck_assert_int_eq(vmsh_fork(sys, &child), 0);
	t_check(sys);
	ck_assert_int_eq(vmsh_current_pid(sys), parent);
}

static void teardown(void) { t_sys_free(&sys); }

/* The first problem vmsh_check reports contains @what. */
static void broken(const char *what)
{
	char buf[256];

	ck_assert_int_ge(vmsh_check(sys, buf, sizeof(buf)), 1);
	ck_assert_msg(strstr(buf, what), "\"%s\" reported as \"%s\"", what, buf);
}

/* After the mend: whole again. */
static void mended(void)
{
	char buf[256];

	ck_assert_int_eq(vmsh_check(sys, buf, sizeof(buf)), 0);
}

static struct page *frame_at(uint64_t addr)
{
	uint64_t *pte = pte_lookup(t_mm(sys), addr, false);

	ck_assert_ptr_nonnull(pte);
	ck_assert(pte_present(*pte));
	return &sys->phys.pages[pte_pfn(*pte)];
}

/* Break, check, mend: @lvalue (an integer, maybe a bit-field; or with
 * BREAK_PTR a pointer) takes @bad, then its old value back. */
#define BREAK_AS(type, lvalue, bad, what) do {                  \
		type old_ = (type)(lvalue);                     \
		(lvalue) = (bad);                               \
		broken(what);                                   \
		(lvalue) = old_;                                \
		mended();                                       \
	} while (0)
#define BREAK(lvalue, bad, what) \
	BREAK_AS(unsigned long long, lvalue, bad, what)
#define BREAK_PTR(lvalue, bad, what) BREAK_AS(void *, lvalue, bad, what)

START_TEST(test_check_vmas)
{
	struct vmsh_mm *mm = t_mm(sys);
	struct vmsh_vma *v = t_vma(sys, BASE), other;

	BREAK(mm->map_count, mm->map_count + 1, "map_count");
	BREAK_PTR(v->vm_mm, NULL, "wrong vm_mm");
	/* the gaps are checked once fresh (a view of the tree recomputes
	 * them; changes only mark them stale) */
	vma_gaps_refresh(mm);
	/* the gap before a VMA is taken from vm_prev: that shows first */
	BREAK_PTR(v->vm_prev, v, "rb_subtree_gap 0x200000000000, should be");
	BREAK(v->rb_subtree_gap, v->rb_subtree_gap + PG, "rb_subtree_gap");
	BREAK(v->anon_vma->refcount, 0, "anon_vma #");
	BREAK_PTR(mm->mmap_cache, &other, "mmap_cache points at no linked VMA");
	BREAK(mm->mm_users, mm->mm_users + 1, "mm_users");
	BREAK(mm->task_size, BASE + PG, "above task_size");
}
END_TEST

START_TEST(test_check_i_mmap)
{
	struct vmsh_vma *v = t_vma(sys, FILE_AT);

	BREAK(v->shared_subtree_last, v->shared_subtree_last + 9, "i_mmap subtree_last");
	BREAK(v->shared_last, v->shared_last + 1, "i_mmap key");
	BREAK(v->shared_linked, false, "not in its file's i_mmap");
	BREAK(v->vm_file->refcount, 0, "file with refcount 0");
	BREAK(file_inode(v->vm_file)->cache_nr,
	      file_inode(v->vm_file)->cache_nr + 1, "page cache: node counts");
}
END_TEST

START_TEST(test_check_pages)
{
	struct vmsh_mm *mm = t_mm(sys);
	struct page *anon = frame_at(BASE), *file = frame_at(FILE_AT);
	uint64_t *pte = pte_lookup(mm, BASE, false);

	BREAK(mm->rss[MM_ANONPAGES], mm->rss[MM_ANONPAGES] + 1, "rss counter");
	BREAK(mm->pgtables_bytes, mm->pgtables_bytes + PG, "pgtables_bytes");
	BREAK(anon->refcount, anon->refcount + 1, "anon frame");
	BREAK(anon->mapcount, anon->mapcount + 1, "PTEs map it");
	BREAK(anon->exclusive, 1, "exclusive but mapped 2 times");
	BREAK(file->refcount, file->refcount + 1,
	      "refcount is not cache + mapcount");
	BREAK(file->index, 3, "cached frame names another file or index");
	BREAK(*pte, _PAGE_RW, "swap PTE 0x2 at 0x200000000000 names no slot");
	BREAK(*pte, (sys->phys.nframes << PAGE_SHIFT) | _PAGE_PRESENT, "outside RAM");
	BREAK(*pte, ((uint64_t)mm->pgd << PAGE_SHIFT) | _PAGE_PRESENT, "of kind");
	BREAK(sys->phys.nfree, sys->phys.nfree + 1, "free frames, nfree says");
	BREAK(anon->mapping_lo, sys->phys.mappings.nr,
	      "which no object holds");
	BREAK(t_vma(sys, BASE)->anon_vma->mapping_id,
	      page_mapping_id(file), "its mapping id");
	BREAK(page_file(sys, file)->mapping_id, page_mapping_id(anon),
	      "bad inode state");
}
END_TEST

START_TEST(test_check_swap)
{
	uint64_t *pte = pte_lookup(t_mm(sys), BASE + 7 * PG, false);
	uint64_t off;

	ck_assert(is_swap_pte(*pte));
	off = swp_offset(*pte);
	BREAK(sys->swap.slots[off].count, sys->swap.slots[off].count + 1,
	      "swap PTEs and shmem entries");
	BREAK(sys->swap.inuse, sys->swap.inuse + 1, "slots in use");
	BREAK(*pte, *pte + (sys->swap.nslots << 9), "names no slot");
}
END_TEST

START_TEST(test_check_thp)
{
	struct page *head = frame_at(THP_AT);

	BREAK(head[1].thp, 0, "is not page 1 of one anonymous folio");
}
END_TEST

START_TEST(test_check_tasks)
{
	struct vmsh_task *t = sys->current;

	BREAK_PTR(t->active_mm, NULL, "active_mm is not its mm");
	BREAK(t->tgid, child, "bad thread group");
	BREAK(t->mm->mm_count, t->mm->mm_count + 1, "mm_count");
	BREAK_PTR(sys->current, task_of_pid(sys, child),
	      "the current task is not running on the current CPU");
}
END_TEST

START_TEST(test_check_files)
{
	struct vmsh_file *f = file_inode(t_vma(sys, FILE_AT)->vm_file);

	BREAK(f->nvmas, -1, "bad inode state");
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("check");
	TCase *tc;

	tc = t_tcase(s, "fires", setup, teardown);
	tcase_add_test(tc, test_check_vmas);
	tcase_add_test(tc, test_check_i_mmap);
	tcase_add_test(tc, test_check_pages);
	tcase_add_test(tc, test_check_swap);
	tcase_add_test(tc, test_check_thp);
	tcase_add_test(tc, test_check_tasks);
	tcase_add_test(tc, test_check_files);
	return s;
}
