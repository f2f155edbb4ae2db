/* SPDX-License-Identifier: MIT */
/*
 * The layout an execve made, rebuilt for vmsh import strace from what a
 * log shows and what this machine has (record.h, struct exec_layout).
 *
 * A log names the program (execve's path) but not where the kernel put
 * it.  The program file on this machine gives the rest:
 *  - `#!` scripts: the kernel runs their interpreter (up to 4 levels, as
 *    binprm's depth limit), so the ELF mapped is the interpreter's;
 *  - the ELF's PT_LOAD segments are mapped as fs/binfmt_elf.c's elf_load
 *    does: the file from the page of p_vaddr to the page end of p_filesz,
 *    at the page of p_offset, with the segment's protection; the part of
 *    p_memsz past the file's last page is anonymous (vm_brk_flags);
 *  - PT_INTERP names ld.so, mapped the same way;
 *  - the load addresses of a PIE program and of ld.so are not in the log,
 *    but each of them mprotects its PT_GNU_RELRO pages read-only during
 *    startup (glibc's _dl_protect_relro: from the page of the relro start
 *    to the page of its end), at an address no mmap of the log made:
 *    base = that address - the page of the relro's p_vaddr, when the
 *    length is the relro's too.  The program is the lower one (x86-64
 *    puts ET_DYN programs at ELF_ET_DYN_BASE, 2/3 of the space, and ld.so
 *    at the top of the mmap area);
 *  - [vvar], [vvar_vclock], [vdso]: this kernel maps them right below
 *    ld.so (arch_setup_additional_pages after load_elf_interp, top-down),
 *    with the sizes this machine's own /proc/self/maps shows; [vsyscall]
 *    when this machine has one.
 * Not knowable from a log: the stack (placed at random, grown by
 * accesses), the vDSO of a program without ld.so, a PIE or ld.so without
 * a relro mprotect, and a log from another kernel's vDSO sizes.
 */
#include "config.h"

#include <elf.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

#define PG 4096ULL
#define PAGE_DOWN(x) ((x) & ~(PG - 1))
#define PAGE_UP(x) (((x) + PG - 1) & ~(PG - 1))

struct elf_seg { uint64_t vaddr, off, filesz, memsz; int prot; };

struct elf_info {
	char path[PATH_MAX];    /* canonical, as the kernel's maps name it */
	bool dyn;               /* ET_DYN: placed at a base */
	unsigned nseg;
	struct elf_seg seg[16];
	char interp[PATH_MAX];  /* "" without PT_INTERP */
	uint64_t relro_vaddr, relro_memsz;      /* memsz 0: none */
};

/* Read @path's ELF program headers; false (with @why) when it is not a
 * 64-bit ELF this importer can read. */
static bool elf_read(const char *path, struct elf_info *e, const char **why)
{
	FILE *f = fopen(path, "rb");
	Elf64_Ehdr h;
	Elf64_Phdr ph;

	memset(e, 0, sizeof(*e));
	if (!f) {
		*why = "is not on this machine";
		return false;
	}
	if (!realpath(path, e->path))
		snprintf(e->path, sizeof(e->path), "%s", path);
	if (fread(&h, sizeof(h), 1, f) != 1 || memcmp(h.e_ident, ELFMAG, SELFMAG) ||
	    h.e_ident[EI_CLASS] != ELFCLASS64 || h.e_phentsize != sizeof(ph)) {
		fclose(f);
		*why = "is not a 64-bit ELF file";
		return false;
	}
	e->dyn = h.e_type == ET_DYN;
	for (unsigned i = 0; i < h.e_phnum; i++) {
		if (fseek(f, (long)(h.e_phoff + i * sizeof(ph)), SEEK_SET) ||
		    fread(&ph, sizeof(ph), 1, f) != 1)
			break;
		if (ph.p_type == PT_LOAD && e->nseg < 16) {
			struct elf_seg *s = &e->seg[e->nseg++];

			s->vaddr = ph.p_vaddr;
			s->off = ph.p_offset;
			s->filesz = ph.p_filesz;
			s->memsz = ph.p_memsz;
			s->prot = (ph.p_flags & PF_R ? 1 : 0) | (ph.p_flags & PF_W ? 2 : 0) |
				  (ph.p_flags & PF_X ? 4 : 0);
		} else if (ph.p_type == PT_INTERP && ph.p_filesz < sizeof(e->interp)) {
			if (fseek(f, (long)ph.p_offset, SEEK_SET) == 0 &&
			    fread(e->interp, 1, ph.p_filesz, f) == ph.p_filesz)
				e->interp[ph.p_filesz] = 0;
			else
				e->interp[0] = 0;
		} else if (ph.p_type == PT_GNU_RELRO) {
			e->relro_vaddr = ph.p_vaddr;
			e->relro_memsz = ph.p_memsz;
		}
	}
	fclose(f);
	if (!e->nseg) {
		*why = "has no loadable segment";
		return false;
	}
	return true;
}

/* The ELF the kernel maps for @path: @path itself, or the interpreter of
 * a `#!` script (binfmt_script), at most 4 levels deep. */
static bool exec_elf(const char *path, struct elf_info *e, const char **why)
{
	char cur[PATH_MAX], line[PATH_MAX];

	snprintf(cur, sizeof(cur), "%s", path);
	for (int depth = 0; depth < 5; depth++) {
		FILE *f = fopen(cur, "rb");
		char *s;

		if (!f || !fgets(line, sizeof(line), f) || strncmp(line, "#!", 2)) {
			if (f)
				fclose(f);
			return elf_read(cur, e, why);
		}
		fclose(f);
		for (s = line + 2; *s == ' ' || *s == '\t'; s++)
			;
		s[strcspn(s, " \t\n")] = 0;
		snprintf(cur, sizeof(cur), "%s", s);
	}
	*why = "is a #! script nested too deep";
	return false;
}

static uint64_t relro_len(const struct elf_info *e)
{
	return PAGE_DOWN(e->relro_vaddr + e->relro_memsz) - PAGE_DOWN(e->relro_vaddr);
}

/* Is the relro mprotect @c one of @e's at a page-aligned base? */
static bool relro_fits(const struct elf_info *e, const uint64_t c[2])
{
	return e->dyn && e->relro_memsz && relro_len(e) == c[1] &&
	       c[0] >= PAGE_DOWN(e->relro_vaddr);
}

static void put_elf(FILE *m, const struct elf_info *e, uint64_t base)
{
	for (unsigned i = 0; i < e->nseg; i++) {
		const struct elf_seg *s = &e->seg[i];
		uint64_t start = PAGE_DOWN(base + s->vaddr);
		uint64_t fend = PAGE_UP(base + s->vaddr + s->filesz);
		uint64_t end = PAGE_UP(base + s->vaddr + s->memsz);
		char p[5] = { s->prot & 1 ? 'r' : '-', s->prot & 2 ? 'w' : '-',
			      s->prot & 4 ? 'x' : '-', 'p', 0 };

		if (s->filesz)
			fprintf(m, "%llx-%llx %s %llx 00:00 0 %s\n",
				(unsigned long long)start, (unsigned long long)fend, p,
				(unsigned long long)PAGE_DOWN(s->off), e->path);
		else
			fend = start;
		if (end > fend)
			fprintf(m, "%llx-%llx %s 0 00:00 0\n", (unsigned long long)fend,
				(unsigned long long)end, p);
	}
}

/* This machine's special mappings, from its own maps: [vvar] [vvar_vclock]
 * [vdso] as one block (their sizes) and [vsyscall]. */
static void own_specials(FILE *m, uint64_t below)
{
	char *maps = rec_slurp("/proc/self/maps"), *s, *nl;
	struct { char name[24]; uint64_t size; } sp[4];
	unsigned n = 0;
	uint64_t total = 0, at;

	if (!maps)
		return;
	for (s = maps; *s; s = nl + 1) {
		unsigned long long a, b;
		char name[64] = "";

		nl = strchr(s, '\n');
		if (!nl)
			break;
		*nl = 0;
		if (sscanf(s, "%llx-%llx %*s %*s %*s %*s %63s", &a, &b, name) < 2)
			continue;
		if (!strcmp(name, "[vsyscall]")) {
			fprintf(m, "%llx-%llx --xp 0 00:00 0 [vsyscall]\n", a, b);
		} else if (below && n < 4 && (!strcmp(name, "[vvar]") ||
			   !strcmp(name, "[vvar_vclock]") || !strcmp(name, "[vdso]"))) {
			snprintf(sp[n].name, sizeof(sp[n].name), "%s", name);
			sp[n++].size = b - a;
			total += b - a;
		}
	}
	free(maps);
	at = below - total;
	for (unsigned i = 0; i < n; i++) {
		fprintf(m, "%llx-%llx %s 0 00:00 0 %s\n", (unsigned long long)at,
			(unsigned long long)(at + sp[i].size),
			strcmp(sp[i].name, "[vdso]") ? "r--p" : "r-xp", sp[i].name);
		at += sp[i].size;
	}
}

/* Sort the lines of a maps text by their start address. */
static int cmp_line(const void *a, const void *b)
{
	unsigned long long x = strtoull(*(char *const *)a, NULL, 16);
	unsigned long long y = strtoull(*(char *const *)b, NULL, 16);

	return x < y ? -1 : x > y;
}

static char *sorted(char *text)
{
	char *lines[128], *out, *s;
	size_t n = 0, len = strlen(text);

	for (s = strtok(text, "\n"); s && n < 128; s = strtok(NULL, "\n"))
		lines[n++] = s;
	qsort(lines, n, sizeof(lines[0]), cmp_line);
	out = malloc(len + 2);
	if (!out)
		abort();
	out[0] = 0;
	for (size_t i = 0; i < n; i++) {
		strcat(out, lines[i]);
		strcat(out, "\n");
	}
	return out;
}

char *exec_layout(const struct exec_layout *x, char *why, size_t size, uint64_t *mmap_base)
{
	struct elf_info *exe = calloc(1, sizeof(*exe)), *ld = calloc(1, sizeof(*ld));
	const char *bad = NULL;
	uint64_t exe_base = 0, ld_base = 0, ld_end = 0;
	bool have_exe = false, have_ld = false;
	char *text = NULL, *res = NULL;
	size_t tlen;
	FILE *m;
	int taken = -1;

	if (!exe || !ld)
		abort();
	why[0] = 0;
	*mmap_base = 0;
	if (x->path[0] != '/') {
		snprintf(why, size, "a relative path, and the log does not say the "
			 "directory (vmsh import --cwd DIR does)");
		goto out;
	}
	if (!exec_elf(x->path, exe, &bad)) {
		snprintf(why, size, "%s %s", x->path, bad);
		goto out;
	}
	/* the program: ET_EXEC at its own addresses, ET_DYN at the lowest
	 * relro mprotect that fits it */
	if (!exe->dyn) {
		have_exe = true;
	} else {
		for (unsigned i = 0; i < x->ncand; i++)
			if (relro_fits(exe, x->cand[i]) &&
			    (taken < 0 || x->cand[i][0] < x->cand[taken][0]))
				taken = (int)i;
		if (taken >= 0) {
			exe_base = x->cand[taken][0] - PAGE_DOWN(exe->relro_vaddr);
			have_exe = true;
		}
	}
	if (exe->interp[0]) {
		int best = -1;

		if (!elf_read(exe->interp, ld, &bad)) {
			snprintf(why, size, "the interpreter %s %s", exe->interp, bad);
		} else {
			for (unsigned i = 0; i < x->ncand; i++)
				if ((int)i != taken && relro_fits(ld, x->cand[i]) &&
				    (best < 0 || x->cand[i][0] > x->cand[best][0]))
					best = (int)i;
			if (best >= 0) {
				ld_base = x->cand[best][0] - PAGE_DOWN(ld->relro_vaddr);
				have_ld = true;
			} else {
				snprintf(why, size, "where the kernel put %s is not in the log "
					 "(no relro mprotect of it)", ld->path);
			}
		}
	}
	if (!have_exe && !why[0])
		snprintf(why, size, "where the kernel put %s is not in the log "
			 "(no relro mprotect of it)", exe->path);
	m = open_memstream(&text, &tlen);
	if (!m)
		abort();
	if (have_exe)
		put_elf(m, exe, exe_base);
	if (have_ld) {
		const struct elf_seg *last = &ld->seg[ld->nseg - 1];

		put_elf(m, ld, ld_base);
		ld_end = PAGE_UP(ld_base + last->vaddr + last->memsz);
		*mmap_base = ld_end;
	}
	own_specials(m, have_ld ? ld_base : 0);
	fclose(m);
	res = sorted(text);
	free(text);
out:
	free(exe);
	free(ld);
	return res;
}
