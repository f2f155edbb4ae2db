/* SPDX-License-Identifier: MIT */
/*
 * The TLB view: each CPU's geometry (its 4 KiB TLB and its separate 2 MiB
 * one), what it has loaded (ASID slots with --pcid, lazy TLB) and its
 * counters, then every valid entry (a 2 MiB entry's VPN is its first 4 KiB
 * page's, its PFN the folio's first frame, and its BITS end in 2M), then
 * the tlb_* event counters.
 */
#include "config.h"

#include <inttypes.h>

#include "views.h"
#include "views-int.h"

static void tlb_cpus(const struct vmsh_sys *sys, FILE *out)
{
	const struct vmsh_config *cfg = vmsh_sys_config(sys);
	struct vmsh_tlb_cpu_info c;

	for (int i = 0; vmsh_tlb_cpu_info(sys, i, &c); i++) {
		fprintf(out, "cpu %d: %u entries (%u sets x %u ways), %u valid",
			c.cpu, c.entries, c.sets, c.ways, c.valid);
		if (c.pid)
			fprintf(out, ", pid %d", c.pid);
		else
			fputs(", idle", out);
		if (c.loaded_mm_id)
			fprintf(out, ", mm %u asid %u%s", c.loaded_mm_id, c.asid,
				c.lazy ? " (lazy tlb)" : "");
		fputc('\n', out);
		if (c.entries_2m)
			fprintf(out, "  2M pages: %u entries (%u sets x %u ways), %u valid\n",
				c.entries_2m, c.sets_2m, c.ways_2m, c.valid_2m);
		else
			fputs("  2M pages: no separate TLB (cached in 4K pieces)\n", out);
		if (cfg->pcid) {
			fputs("  asids:", out);
			for (int k = 0; k < VMSH_TLB_NR_ASIDS; k++) {
				if (c.asid_mm_id[k])
					fprintf(out, " %d=mm%u/gen%" PRIu64, k,
						c.asid_mm_id[k], c.asid_gen[k]);
				else
					fprintf(out, " %d=-", k);
			}
			fputc('\n', out);
		}
		fprintf(out, "  hits %" PRIu64 ", misses %" PRIu64 ", walk refs %"
			PRIu64 ", flushes %" PRIu64 ", shootdowns received %" PRIu64,
			c.hits, c.misses, c.walk_refs, c.flushes, c.shootdowns);
		if (c.stale_hits)
			fprintf(out, ", stale hits %" PRIu64, c.stale_hits);
		fputc('\n', out);
	}
}

struct entry_ctx {
	FILE *out;
	unsigned long n;
};

static int entry_line(void *vctx, const struct vmsh_tlb_entry_info *e)
{
	struct entry_ctx *c = vctx;
	FILE *ctx = c->out;

	c->n++;
	char vpn[24], pfn[24];

	fprintf(ctx, "%3d %3u %3u %4u %-15s %-10s %s%s%s%s%s%s\n",
		e->cpu, e->set, e->way, e->asid, fmt_hex(e->vpn, vpn, sizeof(vpn)),
		fmt_hex(e->pfn, pfn, sizeof(pfn)), e->writable ? "RW " : "RO ",
		e->user ? "US " : "", e->nx ? "NX " : "", e->accessed ? "A " : "",
		e->dirty ? "D" : "", e->page_shift > 12 ? (e->dirty ? " 2M" : "2M") : "");
	return 0;
}

int view_tlb(const struct vmsh_sys *sys, FILE *out)
{
	struct entry_ctx ec = { out, 0 };
	int ret;

	tlb_cpus(sys, out);
	fprintf(out, "CPU SET WAY ASID VPN             PFN        BITS\n");
	ret = vmsh_tlb_walk(sys, entry_line, &ec);
	if (ret)
		return ret;
	if (!ec.n)
		fprintf(out, "(no valid entry in any TLB)\n");
	view_stat_lines(sys, "tlb", out);
	return 0;
}
