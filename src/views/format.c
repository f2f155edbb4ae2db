/* SPDX-License-Identifier: MIT */
/*
 * The formatters every view shares: sizes, permissions, VmFlags, decoded
 * page-table entries, hexdumps and signal lines.
 *
 * Invariants
 *  - Each kind of value has one formatter here; no view formats sizes,
 *    permissions or entry bits on its own.
 *  - The texts depend only on the value: no locale, no libc strerror.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "views.h"
#include "views-int.h"

/* ---- sizes and flags ------------------------------------------------------ */

const char *fmt_size(uint64_t bytes, enum size_style style, char *buf,
		     size_t size)
{
	static const char unit[] = "KMGTPE";
	int u = -1;

	if (style == SIZE_EXACT) {
		uint64_t v = bytes;

		while (v && !(v & 1023) && u < 3) {
			v >>= 10;
			u++;
		}
		if (u < 0)
			snprintf(buf, size, "%llu", (unsigned long long)v);
		else
			snprintf(buf, size, "%llu%c", (unsigned long long)v, unit[u]);
		return buf;
	}
	if (bytes < 1024) {
		snprintf(buf, size, "%llu", (unsigned long long)bytes);
		return buf;
	}
	{
		double v = (double)bytes / 1024;

		for (u = 0; v >= 1024 && u < 5; u++)
			v /= 1024;
		if (v == (double)(uint64_t)v)
			snprintf(buf, size, "%llu%c", (unsigned long long)v, unit[u]);
		else
			snprintf(buf, size, "%.1f%c", v, unit[u]);
	}
	return buf;
}

const char *fmt_hex(uint64_t v, char *buf, size_t size)
{
	snprintf(buf, size, "0x%llx", (unsigned long long)v);
	return buf;
}

const char *fmt_perms(uint64_t vm_flags, char buf[5])
{
	buf[0] = vm_flags & VIEW_VM_READ ? 'r' : '-';
	buf[1] = vm_flags & VIEW_VM_WRITE ? 'w' : '-';
	buf[2] = vm_flags & VIEW_VM_EXEC ? 'x' : '-';
	buf[3] = vm_flags & VIEW_VM_MAYSHARE ? 's' : 'p';
	buf[4] = '\0';
	return buf;
}

/* show_smap_vma_flags(): two letters per bit, in bit order. */
size_t fmt_vmflags(uint64_t vm_flags, char *buf, size_t size)
{
	static const char mnemonics[32][3] = {
		"rd", "wr", "ex", "sh", "mr", "mw", "me", "ms",
		"gd", "um", "pf", "gu", "uw", "lo", "io", "sr",
		"rr", "dc", "de", "lf", "ac", "nr", "ht", "sf",
		"ar", "wf", "dd", "sd", "mm", "hg", "nh", "mg",
	};
	size_t n = 0;

	for (int i = 0; i < 43; i++) {
		/* above bit 31 this kernel shows only VM_SEALED (bit 42) */
		const char *m = i < 32 ? mnemonics[i] : i == 42 ? "sl" : NULL;

		if (!m || !(vm_flags & (1ULL << i)))
			continue;
		if (n + 3 < size) {
			buf[n] = m[0];
			buf[n + 1] = m[1];
			buf[n + 2] = ' ';
		}
		n += 3;
	}
	if (size)
		buf[n < size ? n : size - 1] = '\0';
	return n;
}

/* x86-64 entry bits (arch/x86/include/asm/pgtable_types.h). */
#define PTE_PRESENT     (1ULL << 0)
#define PTE_GLOBAL      (1ULL << 8)

size_t fmt_pte_bits(uint64_t entry, bool leaf, char *buf, size_t size)
{
	static const struct { unsigned bit; const char *name; int when; } bits[] = {
		/* when: 0 always, 1 leaf only, 2 non-leaf only */
		{ 0, "P", 0 },
		{ 1, "RW", 0 },
		{ 2, "US", 0 },
		{ 3, "PWT", 0 },
		{ 4, "PCD", 0 },
		{ 5, "A", 0 },
		{ 6, "D", 0 },
		{ 7, "PAT", 1 },
		{ 7, "PS", 2 },
		{ 8, "G", 0 },
		{ 9, "SPECIAL", 1 },
		{ 10, "UFFD_WP", 1 },
		{ 11, "SOFT_DIRTY", 1 },
		{ 58, "SAVED_DIRTY", 1 },
		{ 63, "NX", 0 },
	};
	size_t n = 0;
	char tmp[160];
	unsigned type;
	uint64_t offset;

	tmp[0] = '\0';
	if (leaf && vmsh_pte_swap(entry, &type, &offset)) {
		snprintf(buf, size, "swap type %u offset 0x%llx%s", type,
			 (unsigned long long)offset,
			 (entry & (1ULL << 7)) ? " exclusive" : "");
		return strlen(buf);
	}
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		const char *name = bits[i].name;
		int w;

		if (!(entry & (1ULL << bits[i].bit)))
			continue;
		if ((bits[i].when == 1 && !leaf) || (bits[i].when == 2 && leaf))
			continue;
		/* a PROT_NONE PTE: _PAGE_PROTNONE is the global bit */
		if ((1ULL << bits[i].bit) == PTE_GLOBAL && leaf &&
		    !(entry & PTE_PRESENT))
			name = "PROTNONE";
		w = snprintf(tmp + n, sizeof(tmp) - n, "%s%s", n ? " " : "", name);
		if (w > 0)
			n += (size_t)w;
	}
	if ((entry >> 59) & 0xf) {
		int w = snprintf(tmp + n, sizeof(tmp) - n, "%sPKEY=%u", n ? " " : "",
				 (unsigned)((entry >> 59) & 0xf));
		if (w > 0)
			n += (size_t)w;
	}
	if (size) {
		size_t c = n < size - 1 ? n : size - 1;

		memcpy(buf, tmp, c);
		buf[c] = '\0';
	}
	return n;
}

/* ---- hexdump -------------------------------------------------------------- */

void hexdump_init(struct hexdump *h, FILE *out, int width, uint64_t base)
{
	memset(h, 0, sizeof(*h));
	h->out = out;
	h->width = width;
	h->base = base;
}

void hexdump_init_json(struct hexdump *h, FILE *out, const char *key,
		       uint64_t base)
{
	hexdump_init(h, out, 16, base);
	h->json_key = key;
}

static void hexdump_line(struct hexdump *h)
{
	static const char digits[] = "0123456789abcdef";
	char hex[50];
	char ascii[17];

	memset(hex, ' ', 49);
	hex[49] = '\0';
	for (size_t i = 0; i < h->fill; i++) {
		size_t pos = i * 3 + (i >= 8);

		hex[pos] = digits[h->line[i] >> 4];
		hex[pos + 1] = digits[h->line[i] & 15];
		ascii[i] = h->line[i] >= 0x20 && h->line[i] < 0x7f ? (char)h->line[i] : '.';
	}
	ascii[h->fill] = '\0';
	fprintf(h->out, "%0*llx  %s |%s|\n", h->width, (unsigned long long)h->base,
		hex, ascii);
	h->base += h->fill;
	h->fill = 0;
}

void hexdump_feed(struct hexdump *h, const uint8_t *buf, size_t len)
{
	if (h->json_key) {
		h->all = view_grow(h->all, &h->all_cap, h->total + len, 1);
		while (h->all_cap < h->total + len)
			h->all = view_grow(h->all, &h->all_cap, h->all_cap, 1);
		memcpy(h->all + h->total, buf, len);
		h->total += len;
		return;
	}
	for (size_t i = 0; i < len; i++) {
		h->line[h->fill++] = buf[i];
		if (h->fill == 16)
			hexdump_line(h);
	}
	h->total += len;
}

void hexdump_finish(struct hexdump *h)
{
	if (h->json_key) {
		view_json_bytes(h->out, h->json_key, h->base, h->all, h->total);
		free(h->all);
		h->all = NULL;
		return;
	}
	if (!h->total)
		return;
	if (h->fill)
		hexdump_line(h);
	fprintf(h->out, "%0*llx\n", h->width, (unsigned long long)h->base);
}

/* ---- signals -------------------------------------------------------------- */

const char *fmt_signal_name(int signo)
{
	switch (signo) {
	case SIGSEGV: return "SIGSEGV";
	case SIGBUS: return "SIGBUS";
	case SIGKILL: return "SIGKILL";
	}
	return "SIG?";
}

const char *fmt_signal_code(int signo, int code)
{
	if (signo == SIGSEGV)
		return code == SEGV_MAPERR ? "SEGV_MAPERR" :
		       code == SEGV_ACCERR ? "SEGV_ACCERR" :
#ifdef SEGV_PKUERR
		       code == SEGV_PKUERR ? "SEGV_PKUERR" :
#endif
		       /* #GP on a non-canonical address */
		       code == SI_KERNEL ? "SI_KERNEL" : "SEGV_?";
	if (signo == SIGBUS)
		return code == BUS_ADRERR ? "BUS_ADRERR" :
		       code == BUS_ADRALN ? "BUS_ADRALN" :
		       code == BUS_OBJERR ? "BUS_OBJERR" : "BUS_?";
	return "?";
}

void view_fault(FILE *out, const struct vmsh_fault *f, bool color)
{
	if (color)
		fputs("\033[33m", out);
	if (f->signo == SIGKILL)
		fprintf(out, "pid %d: killed (out of memory)", f->pid);
	else
		fprintf(out, "pid %d: %s (%s) at 0x%llx", f->pid,
			fmt_signal_name(f->signo), fmt_signal_code(f->signo, f->code),
			(unsigned long long)f->addr);
	if (color)
		fputs("\033[0m", out);
	fputc('\n', out);
}
