/* SPDX-License-Identifier: MIT */
/*
 * anon_vma (anon_vma.c): the object an anonymous page and the VMAs that
 * may map it share (Linux's mm/rmap.c anon_vma), and put_page(), which
 * frees a page together with its anon_vma reference.
 *
 * After fork (anon_vma_fork) a child VMA whose parent VMA had an anon_vma
 * gets a new anon_vma with parent = the parent VMA's and inherited = true;
 * its COWed pages go there, the shared ones stay on the parent's.  In Linux
 * such a VMA has a non-singular anon_vma_chain, and that is exactly what
 * inherited says: "had uncowed parents" (6.16 merge rule, mm/vma.c
 * is_mergeable_anon_vma) == anon_vma && anon_vma->inherited, and
 * find_mergeable_anon_vma never reuses an inherited anon_vma.  Splits and
 * copies share the anon_vma and so keep the property.  The child anon_vma
 * holds a reference on its parent (anon_vma_put drops it when the child's
 * is freed).
 */
#ifndef VMSH_SRC_ENGINE_ANON_VMA_H
#define VMSH_SRC_ENGINE_ANON_VMA_H

#include <stdbool.h>
#include <stdint.h>

#include "sys.h"

struct vmsh_sys;
struct vmsh_vma;

struct anon_vma {
	unsigned id;            /* shown by `vmas` */
	int refcount;           /* VMAs pointing at it + pages + child anon_vmas */
	struct anon_vma *parent;/* anon_vma it was forked from, or NULL */
	bool inherited;         /* VMA got it through fork (6.16 merge rule) */
	struct anon_vma *next_all; /* sys->anon_vmas list */
	struct anon_vma **pprev_all; /* the pointer to it in that list */
	uint32_t mapping_id;    /* the id its pages name it by, or 0 (phys.h) */
};

/* The anon_vma, as Linux's folio_anon_vma(): the one a PAGE_ANON page
 * names (a reference), or NULL; page_set_anon names @av (NULL: none)
 * without touching its reference count. */
static inline struct anon_vma *page_anon(const struct vmsh_sys *sys,
					 const struct page *p)
{
	return phys_mapping(&sys->phys, p);
}
static inline void page_set_anon(struct vmsh_sys *sys, struct page *p,
				 struct anon_vma *av)
{
	page_set_mapping(&sys->phys, p, av, av ? &av->mapping_id : NULL);
}

/* A new anon_vma (refcount 1, the next id) on sys->anon_vmas. */
struct anon_vma *anon_vma_new(struct vmsh_sys *sys);
void anon_vma_get(struct anon_vma *av);
/* Drop a reference (NULL: nothing); at zero it is freed and its parent's
 * reference dropped. */
void anon_vma_put(struct vmsh_sys *sys, struct anon_vma *av);
/* Free every anon_vma left at machine teardown. */
void anon_vmas_fini(struct vmsh_sys *sys);
/* Assign an anon_vma at the first anonymous page (reusing a neighbour's
 * as find_mergeable_anon_vma does).  0 or -ENOMEM. */
int anon_vma_prepare(struct vmsh_vma *vma);
/* The VMA's anon_vma came to it through fork: Linux's anon_vma_chain of
 * such a VMA is not singular ("had uncowed parents"). */
bool vma_had_uncowed_parents(const struct vmsh_vma *vma);

/* put_page(): drop a reference to a frame a PTE or a fault held; freeing
 * an anonymous page releases its anon_vma reference, which the frame
 * layer (phys_put) leaves alone. */
void put_page(struct vmsh_sys *sys, uint64_t pfn);

#endif /* VMSH_SRC_ENGINE_ANON_VMA_H */
