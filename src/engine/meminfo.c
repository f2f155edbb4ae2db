/* SPDX-License-Identifier: MIT */
/*
 * /proc/meminfo figures of the machine (fs/proc/meminfo.c), counted from
 * the frames: nothing here changes the model.
 *
 * Which list a page is on follows Linux without MGLRU: anonymous pages
 * and tmpfs/shmem page cache are swap-backed (the anon lists), disk-file
 * page cache is on the file lists; PG_active says active or inactive.
 * Cached is the page cache (shmem included) without the swap cache;
 * Dirty counts disk-file pages only (tmpfs does no dirty accounting);
 * Mapped counts page-cache pages some PTE maps.
 */
#include "config.h"

#include <string.h>

#include "file.h"
#include "phys.h"
#include "swap.h"
#include "sys.h"

void vmsh_meminfo(const struct vmsh_sys *sys, struct vmsh_meminfo *out)
{
	const struct phys *ph = &sys->phys;
	uint64_t pfn;

	memset(out, 0, sizeof(*out));
	out->mem_total = ph->nframes * 4;
	out->mem_free = ph->nfree * 4;
	for (pfn = 0; pfn < ph->hiwater; pfn++) {
		const struct page *pg = &ph->pages[pfn], *folio;
		bool active;

		switch (pg->kind) {
		case PAGE_ANON:
			active = pg->active;
			if (pg->swap)
				out->swap_cached += 4;
			if (pg->mapcount > 0)
				out->anon_pages += 4;
			if (active)
				out->active_anon += 4;
			else
				out->inactive_anon += 4;
			break;
		case PAGE_FILE:
			folio = page_folio(sys, pg);
			active = folio->active;
			out->cached += 4;
			if (pg->mapcount > 0)
				out->mapped += 4;
			if (pg->file && pg->file->disk) {
				if (folio->dirty)
					out->dirty += 4;
				if (active)
					out->active_file += 4;
				else
					out->inactive_file += 4;
			} else {
				out->shmem += 4;
				if (active)
					out->active_anon += 4;
				else
					out->inactive_anon += 4;
			}
			break;
		case PAGE_PGTABLE:
			out->page_tables += 4;
			break;
		default:
			break;
		}
	}
	out->active = out->active_anon + out->active_file;
	out->inactive = out->inactive_anon + out->inactive_file;
	out->swap_total = swap_total(sys) * 4;
	out->swap_free = swap_free_slots(sys) * 4;
}
