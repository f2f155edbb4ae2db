/* SPDX-License-Identifier: MIT */
/*
 * The teaching mode `--replace=POLICY --user-frames N`: a classic policy
 * (replace.c) decides which user pages stay resident instead of Linux's
 * reclaim.  The machine's hook between an access and the fault path:
 *
 *   access of page P of mm M (touch, read, write; vmsh_touch & co.)
 *     key = M's id << 48 | P's virtual page number
 *     resident in the policy and its PTE present ---------> hit
 *     else (a fault, in the policy's sense):
 *       every frame in use: the policy names a victim, which is evicted:
 *         anonymous page: to swap (add_to_swap, PTE -> swap entry, TLB
 *           flushed, swap_writepage, the frame freed when no other PTE
 *           maps it); with no swap area an implicit backing store, a
 *           swap area the size of RAM, is turned on at the first eviction
 *         file page: its PTE cleared and flushed (the page cache keeps
 *           it: a re-reference is a minor fault)
 *         zero page, device memory: the PTE cleared
 *       the page is loaded (on_fault) and the access goes on to the
 *       ordinary fault path (a swapped page comes back as a major fault)
 *
 * What the policy does not govern: accesses that fault with a signal,
 * mlocked VMAs and VM_IO/VM_PFNMAP ones, pages under a huge PMD (THP), pages made present another way
 * (MAP_POPULATE, fault-around, fork's copies) until they are accessed,
 * and the kernel's own use of frames (page tables, the page cache).
 *
 * Invariants (check.c via replace_check): the policy's own (replace.c);
 * at most N pages resident.  A page that left another way (munmap,
 * dontneed, exit, pageout) stays counted until the next fault with every
 * frame in use, which first drops every page whose PTE is gone (only when
 * some TLB flush happened since the last look: no PTE goes without one).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "vmsh/replace.h"
#include "anon_vma.h"
#include "checks.h"
#include "memory.h"
#include "mm.h"
#include "pgtable.h"
#include "phys.h"
#include "replace_mm.h"
#include "swap.h"
#include "sys.h"
#include "task.h"
#include "tlb.h"
#include "vm_flags.h"
#include "vma.h"

#define KEY_VPN_MASK ((1ULL << 48) - 1)

static uint64_t key_of(const struct vmsh_mm *mm, uint64_t addr)
{
	return ((uint64_t)(mm->id & 0xffff) << 48) |
	       ((addr >> PAGE_SHIFT) & KEY_VPN_MASK);
}

static struct vmsh_mm *mm_of_key(struct vmsh_sys *sys, uint64_t key)
{
	for (struct vmsh_mm *mm = sys->mms; mm; mm = mm->next_all)
		if ((mm->id & 0xffff) == key >> 48 && mm->mm_users > 0)
			return mm;
	return NULL;
}

static uint64_t addr_of_key(uint64_t key)
{
	return (key & KEY_VPN_MASK) << PAGE_SHIFT;
}

/* A huge PMD maps @addr: the policy leaves huge pages alone (looking up
 * the PTE would split it). */
static bool huge_at(struct vmsh_mm *mm, uint64_t addr)
{
	uint64_t *pmdp = pmd_lookup(mm, addr);

	return pmdp && pmd_trans_huge(*pmdp);
}

/* The present PTE of @key, or NULL (also under a huge PMD). */
static uint64_t *present_pte(struct vmsh_sys *sys, uint64_t key,
			     struct vmsh_mm **mmp)
{
	struct vmsh_mm *mm = mm_of_key(sys, key);
	uint64_t *ptep;

	if (!mm || huge_at(mm, addr_of_key(key)))
		return NULL;
	ptep = pte_lookup(mm, addr_of_key(key), false);
	if (!ptep || !(*ptep & _PAGE_PRESENT))
		return NULL;
	if (mmp)
		*mmp = mm;
	return ptep;
}

/* Every TLB flush bumps its mm's tlb_gen; their sum (and the mms there
 * are) changes whenever a PTE may have gone. */
static uint64_t flush_signature(const struct vmsh_sys *sys)
{
	uint64_t sig = 0;

	for (const struct vmsh_mm *mm = sys->mms; mm; mm = mm->next_all)
		sig = sig * 31 + mm->tlb_gen + mm->id;
	return sig;
}

/* Drop the pages whose PTE is gone (munmap, dontneed, exit, pageout). */
static void purge_stale(struct vmsh_sys *sys)
{
	struct vmsh_replace *r = sys->replace;
	struct vmsh_replace_stats st;
	uint64_t *pages, sig = flush_signature(sys);
	size_t n;

	if (sig == sys->replace_sig)
		return;
	vmsh_replace_get_stats(r, &st);
	pages = xmalloc((st.resident ? st.resident : 1) * sizeof(*pages));
	n = vmsh_replace_pages(r, pages, st.resident);
	for (size_t i = 0; i < n; i++)
		if (!present_pte(sys, pages[i], NULL))
			vmsh_replace_remove(r, pages[i]);
	free(pages);
	sys->replace_sig = sig;
}

/* Evict the page of @key; 0, or -ENOMEM when an anonymous page finds no
 * swap slot (nothing changed). */
static int evict(struct vmsh_sys *sys, uint64_t key)
{
	struct vmsh_mm *mm;
	struct vmsh_vma *vma;
	uint64_t *ptep = present_pte(sys, key, &mm), addr = addr_of_key(key);
	uint64_t pte, pfn;
	struct page *page;

	trace(sys, "replace_evict %s addr=%#llx",
	      vmsh_replace_name(sys->cfg.replace), (unsigned long long)addr);
	if (!ptep)
		return 0;               /* gone already */
	vma = find_vma(mm, addr);
	if (!vma || addr < vma->vm_start || (vma->vm_flags & VM_LOCKED))
		return 0;               /* mlocked since: it stays, unpoliced */
	pte = *ptep;
	pfn = pte_pfn(pte);
	if ((pte & _PAGE_SPECIAL) || pfn >= sys->phys.nframes) {
		zap_page_range(vma, addr, addr + PAGE_SIZE);
		return 0;
	}
	page = phys_page(sys, pfn);
	if (page->kind == PAGE_FILE) {
		unmap_file_pte(vma, addr, pfn);
		return 0;
	}
	if (page->kind != PAGE_ANON) {
		zap_page_range(vma, addr, addr + PAGE_SIZE);
		return 0;
	}
	if (page->thp)
		return 0;               /* a huge page's part: left alone */
	if (!sys->swap.on) {
		/* the implicit backing store */
		uint64_t bytes = sys->cfg.ram;

		if (bytes > (64ULL << 30))
			bytes = 64ULL << 30;
		trace(sys, "replace: no swap area; the backing store is one of %llu bytes",
		      (unsigned long long)bytes);
		swap_on(sys, bytes);
	}
	if (!page->swap && !add_to_swap(sys, pfn))
		return -ENOMEM;
	try_to_unmap_swap_pte(mm, addr, ptep);
	if (page->mapcount == 0) {
		/* nobody maps it: written and freed (the cache held the
		 * last reference) */
		if (page->dirty)
			swap_writepage(sys, pfn);
		swap_cache_drop_clean(sys, pfn);
	}
	return 0;
}

int replace_access(struct vmsh_sys *sys, struct vmsh_mm *mm, uint64_t addr,
		   bool write)
{
	struct vmsh_replace *r = sys->replace;
	struct vmsh_vma *vma;
	uint64_t key, victim;

	if (!r || addr >= mm->task_size)
		return 0;
	vma = find_vma(mm, addr);
	if (!vma || addr < vma->vm_start ||
	    (vma->vm_flags & (VM_LOCKED | VM_IO | VM_PFNMAP)))
		return 0;
	if (write ? !(vma->vm_flags & VM_WRITE) :
		    !(vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)))
		return 0;               /* a signal, not a reference */
	key = key_of(mm, addr);
	if (huge_at(mm, addr)) {
		/* a huge page: not the policy's */
		vmsh_replace_remove(r, key);
		return 0;
	}
	if (vmsh_replace_resident(r, key)) {
		if (present_pte(sys, key, NULL)) {
			vmsh_replace_on_access(r, key);
			return 0;
		}
		vmsh_replace_remove(r, key);
	}
	if (vmsh_replace_pick_victim(r, &victim)) {
		purge_stale(sys);
		if (vmsh_replace_pick_victim(r, &victim)) {
			int err = evict(sys, victim);

			if (err)
				return err;
			sys->replace_sig = flush_signature(sys);
		}
	}
	trace(sys, "replace_fault %s addr=%#llx",
	      vmsh_replace_name(sys->cfg.replace),
	      (unsigned long long)(addr & PAGE_MASK));
	vmsh_replace_on_fault(r, key, NULL);
	return 0;
}

const struct vmsh_replace *vmsh_sys_replace(const struct vmsh_sys *sys)
{
	return sys->replace;
}

int vmsh_sys_replace_future(struct vmsh_sys *sys, const uint64_t *vpns,
			    size_t n)
{
	struct vmsh_mm *mm = sys->tasks ? sys->tasks->mm : NULL;
	uint64_t *keys;

	if (!sys->replace || !mm)
		return -EINVAL;
	keys = xmalloc((n ? n : 1) * sizeof(*keys));
	for (size_t i = 0; i < n; i++)
		keys[i] = key_of(mm, vpns[i] << PAGE_SHIFT);
	vmsh_replace_set_future(sys->replace, keys, n);
	free(keys);
	return 0;
}

void replace_check(const struct vmsh_sys *sys, struct check_report *rep)
{
	char buf[256];
	struct vmsh_replace_stats st;

	if (!sys->replace)
		return;
	if (vmsh_replace_check(sys->replace, buf, sizeof(buf)))
		check_report(rep, "%s", buf);
	vmsh_replace_get_stats(sys->replace, &st);
	if (st.resident > st.frames || st.frames != sys->cfg.user_frames)
		check_report(rep, "replace: %llu pages resident in %llu frames",
			     (unsigned long long)st.resident,
			     (unsigned long long)st.frames);
}
