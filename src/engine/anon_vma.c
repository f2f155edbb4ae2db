/* SPDX-License-Identifier: MIT */
/*
 * anon_vma objects (mm/rmap.c): creation, reference counting, the choice
 * of a neighbour's anon_vma at a VMA's first anonymous page
 * (anon_vma_prepare, find_mergeable_anon_vma), and put_page(), which
 * frees an anonymous page with its anon_vma reference.
 *
 * Invariants kept:
 *  - an anon_vma's refcount counts the VMAs pointing at it, the pages
 *    holding it (page_anon) and its children (forked anon_vmas whose
 *    parent it is); it is freed at zero, and is on sys->anon_vmas until
 *    then;
 *  - ids are 1, 2, 3, ... in creation order, never reused;
 *  - an anonymous page is freed only through put_page, which drops its
 *    anon_vma reference after the frame is gone (phys_put knows nothing
 *    of anon_vmas).
 */
#include "config.h"

#include <stdlib.h>

#include "anon_vma.h"
#include "huge_memory.h"
#include "mm.h"
#include "phys.h"
#include "sys.h"
#include "vm_flags.h"
#include "vma.h"

struct anon_vma *anon_vma_new(struct vmsh_sys *sys)
{
	struct anon_vma *av = xcalloc(1, sizeof(*av));

	av->id = ++sys->next_anon_vma_id;
	av->refcount = 1;
	av->next_all = sys->anon_vmas;
	if (av->next_all)
		av->next_all->pprev_all = &av->next_all;
	av->pprev_all = &sys->anon_vmas;
	sys->anon_vmas = av;
	return av;
}

void anon_vma_get(struct anon_vma *av)
{
	av->refcount++;
}

void anon_vma_put(struct vmsh_sys *sys, struct anon_vma *av)
{
	if (!av || --av->refcount > 0)
		return;
	*av->pprev_all = av->next_all;
	if (av->next_all)
		av->next_all->pprev_all = av->pprev_all;
	if (av->parent)
		anon_vma_put(sys, av->parent);
	mapping_id_put(&sys->phys, &av->mapping_id);
	free(av);
}

void anon_vmas_fini(struct vmsh_sys *sys)
{
	struct anon_vma *av, *next;

	for (av = sys->anon_vmas; av; av = next) {
		next = av->next_all;
		free(av);
	}
	sys->anon_vmas = NULL;
}

/* free_folio_and_swap_cache's end for an anonymous THP: every frame's
 * own references are gone, the folio goes whole. */
static void free_thp_folio(struct vmsh_sys *sys, uint64_t head)
{
	uint64_t i;

	deferred_split_remove(sys, head);
	for (i = head; i < head + HPAGE_PMD_NR; i++) {
		struct page *p = phys_page(sys, i);
		struct anon_vma *av = page_anon(sys, p);

		page_set_anon(sys, p, NULL);
		p->refcount = 1;
		phys_put(sys, i);
		anon_vma_put(sys, av);
	}
}

void put_page(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *page = phys_page(sys, pfn);
	struct anon_vma *av = NULL;

	/* a frame of an unsplit anonymous THP is held by its folio until
	 * the last frame's last reference goes */
	if (page->refcount == 1 && page->kind == PAGE_ANON &&
	    (page->thp & (PAGE_THP_HEAD | PAGE_THP_TAIL))) {
		uint64_t head = pfn & ~(uint64_t)(HPAGE_PMD_NR - 1);
		struct page *h = phys_page(sys, head);

		if (page->mapcount != 0)
			abort();
		page->refcount = 0;
		thp_set_live(h, thp_live(h) - 1);
		if (thp_live(h) == 0)
			free_thp_folio(sys, head);
		return;
	}

	if (page->refcount == 1 && page->kind == PAGE_ANON) {
		av = page_anon(sys, page);
		page_set_anon(sys, page, NULL);
	}
	phys_put(sys, pfn);
	anon_vma_put(sys, av);
}

bool vma_had_uncowed_parents(const struct vmsh_vma *vma)
{
	return vma && vma->anon_vma &&
	       (vma->anon_vma->parent || vma->anon_vma->inherited);
}

/* mm/rmap.c anon_vma_compatible(): could @b share @a's anon_vma? */
static bool anon_vma_compatible(const struct vmsh_vma *a, const struct vmsh_vma *b)
{
	return a->vm_end == b->vm_start &&
	       a->vm_file == b->vm_file &&
	       !((a->vm_flags ^ b->vm_flags) &
		 ~(VM_READ | VM_WRITE | VM_EXEC | VM_SOFTDIRTY)) &&
	       b->vm_pgoff == a->vm_pgoff + ((b->vm_start - a->vm_start) >> PAGE_SHIFT);
}

static struct anon_vma *reusable_anon_vma(const struct vmsh_vma *old,
					  const struct vmsh_vma *a,
					  const struct vmsh_vma *b)
{
	if (anon_vma_compatible(a, b) && old->anon_vma &&
	    !vma_had_uncowed_parents(old))
		return old->anon_vma;
	return NULL;
}

/* Next first, then prev, as find_mergeable_anon_vma() does. */
static struct anon_vma *find_mergeable_anon_vma(const struct vmsh_vma *vma)
{
	struct anon_vma *av = NULL;

	if (vma->vm_next && vma->vm_next->vm_start == vma->vm_end)
		av = reusable_anon_vma(vma->vm_next, vma, vma->vm_next);
	if (!av && vma->vm_prev)
		av = reusable_anon_vma(vma->vm_prev, vma->vm_prev, vma);
	return av;
}

int anon_vma_prepare(struct vmsh_vma *vma)
{
	struct vmsh_sys *sys = vma->vm_mm->sys;
	struct anon_vma *av;

	if (vma->anon_vma)
		return 0;
	av = find_mergeable_anon_vma(vma);
	if (av) {
		anon_vma_get(av);
		trace(sys, "anon_vma_prepare: reuse anon_vma #%u", av->id);
	} else {
		av = anon_vma_new(sys);
		trace(sys, "anon_vma_prepare: new anon_vma #%u", av->id);
	}
	vma->anon_vma = av;
	return 0;
}
