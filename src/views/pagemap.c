/* SPDX-License-Identifier: MIT */
/*
 * The pagemap view: /proc/PID/pagemap entries decoded, one line per page,
 * with the kpageflags of each present frame by page-types' names
 * (tools/mm/page-types.c).  The entries come from the backend (the model,
 * or the running kernel under --host), so both print alike.
 *
 *   ADDRESS          FRAME            PAGEMAP                  KPAGEFLAGS
 *   0x200000000000   pfn 0x1b0f0      present,exclusive        uptodate,mmap,anon,swapbacked,anon_exclusive
 *   0x200000001000   -                -                        -
 *   0x200000002000   swap 31:4        swapped,guard            -
 */
#include "config.h"

#include <string.h>

#include "views.h"

static const struct { uint64_t bit; const char *name; } pm_names[] = {
	{ VMSH_PM_PRESENT, "present" }, { VMSH_PM_SWAP, "swapped" },
	{ VMSH_PM_FILE, "file" }, { VMSH_PM_MMAP_EXCLUSIVE, "exclusive" },
	{ VMSH_PM_SOFT_DIRTY, "soft-dirty" }, { VMSH_PM_UFFD_WP, "uffd-wp" },
	{ VMSH_PM_GUARD_REGION, "guard" },
};

static const char *const kpf_names[64] = {
	[VMSH_KPF_REFERENCED] = "referenced", [VMSH_KPF_UPTODATE] = "uptodate",
	[VMSH_KPF_DIRTY] = "dirty", [VMSH_KPF_LRU] = "lru",
	[VMSH_KPF_ACTIVE] = "active", [VMSH_KPF_MMAP] = "mmap",
	[VMSH_KPF_ANON] = "anon", [VMSH_KPF_SWAPCACHE] = "swapcache",
	[VMSH_KPF_SWAPBACKED] = "swapbacked",
	[VMSH_KPF_COMPOUND_HEAD] = "compound_head",
	[VMSH_KPF_COMPOUND_TAIL] = "compound_tail",
	[VMSH_KPF_UNEVICTABLE] = "unevictable", [VMSH_KPF_KSM] = "ksm",
	[VMSH_KPF_THP] = "thp", [VMSH_KPF_ZERO_PAGE] = "zero_page",
	[VMSH_KPF_IDLE] = "idle_page", [VMSH_KPF_MLOCKED] = "mlocked",
	[VMSH_KPF_OWNER_2] = "owner_2",
};

/* page-types' name of kpageflags bit @b of @kpf: an anonymous page's
 * owner_2 is PG_anon_exclusive. */
static const char *kpf_name(uint64_t kpf, unsigned b)
{
	if (b == VMSH_KPF_OWNER_2 && (kpf & (1ULL << VMSH_KPF_ANON)))
		return "anon_exclusive";
	return kpf_names[b];
}

static void words(char *buf, size_t size, uint64_t pm, uint64_t kpf, bool k)
{
	size_t len = 0;

	buf[0] = 0;
	if (!k) {
		for (size_t i = 0; i < sizeof(pm_names) / sizeof(pm_names[0]); i++)
			if (pm & pm_names[i].bit)
				len += (size_t)snprintf(buf + len, size - len, "%s%s",
							len ? "," : "", pm_names[i].name);
	} else {
		for (unsigned b = 0; b < 64; b++)
			if ((kpf & (1ULL << b)) && kpf_name(kpf, b))
				len += (size_t)snprintf(buf + len, size - len, "%s%s",
							len ? "," : "", kpf_name(kpf, b));
	}
	if (!len)
		snprintf(buf, size, "-");
}

static void frame(char *buf, size_t size, uint64_t pm)
{
	uint64_t f = pm & VMSH_PM_FRAME_MASK;

	if (pm & VMSH_PM_PRESENT)
		snprintf(buf, size, "pfn 0x%llx", (unsigned long long)f);
	else if (pm & VMSH_PM_SWAP)
		snprintf(buf, size, "swap %u:%llu", (unsigned)(f & 31),
			 (unsigned long long)(f >> 5));
	else
		snprintf(buf, size, "-");
}

static void pagemap_json(FILE *out, int pid, uint64_t addr, uint64_t n,
			 const uint64_t *pm, const uint64_t *kpf)
{
	json_t *o = json_object(), *pages = json_array();

	json_object_set_new(o, "pid", json_integer(pid));
	for (uint64_t i = 0; i < n; i++) {
		json_t *p = json_object(), *pmw = json_array(), *kw = json_array();
		uint64_t f = pm[i] & VMSH_PM_FRAME_MASK;
		char hex[24];

		view_json_set_addr(p, "addr", addr + (i << 12));
		snprintf(hex, sizeof(hex), "0x%016llx", (unsigned long long)pm[i]);
		json_object_set_new(p, "entry_hex", json_string(hex));
		for (size_t k = 0; k < sizeof(pm_names) / sizeof(pm_names[0]); k++)
			if (pm[i] & pm_names[k].bit)
				json_array_append_new(pmw, json_string(pm_names[k].name));
		json_object_set_new(p, "pagemap", pmw);
		if (pm[i] & VMSH_PM_PRESENT) {
			view_json_set_addr(p, "pfn", f);
		} else if (pm[i] & VMSH_PM_SWAP) {
			json_object_set_new(p, "swap_type", json_integer((json_int_t)(f & 31)));
			json_object_set_new(p, "swap_offset", json_integer((json_int_t)(f >> 5)));
		}
		for (unsigned b = 0; b < 64; b++)
			if ((kpf[i] & (1ULL << b)) && kpf_name(kpf[i], b))
				json_array_append_new(kw, json_string(kpf_name(kpf[i], b)));
		json_object_set_new(p, "kpageflags", kw);
		json_array_append_new(pages, p);
	}
	json_object_set_new(o, "pages", pages);
	view_json_dump(o, out);
}

void view_pagemap(FILE *out, int pid, uint64_t addr, uint64_t n,
		  const uint64_t *pm, const uint64_t *kpf, bool json)
{
	char fr[40], a[200], k[400];

	if (json) {
		pagemap_json(out, pid, addr, n, pm, kpf);
		return;
	}
	fprintf(out, "%-16s %-16s %-24s %s\n", "ADDRESS", "FRAME", "PAGEMAP",
		"KPAGEFLAGS");
	for (uint64_t i = 0; i < n; i++) {
		char va[24];

		snprintf(va, sizeof(va), "0x%llx", (unsigned long long)(addr + (i << 12)));
		frame(fr, sizeof(fr), pm[i]);
		words(a, sizeof(a), pm[i], 0, false);
		words(k, sizeof(k), 0, kpf[i], true);
		fprintf(out, "%-16s %-16s %-24s %s\n", va, fr, a, k);
	}
}
