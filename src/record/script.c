/* SPDX-License-Identifier: MIT */
/*
 * The script writer: a real program's memory history as a vmsh script
 * (record.h).  Both vmsh record and vmsh import strace write through it.
 *
 * What it writes, and why:
 *  - Placements become fixed addresses: `mmap RESULT LEN PROT ...|fixed`,
 *    `mremap ... maymove fixed RESULT`, so the model needs no ASLR and no
 *    placement policy to land where the kernel did.
 *  - Files are `layout file PATH SIZE [disk]` the first time they are
 *    mapped (--with-files: `file load PATH PATH` too) and mapped by path.
 *  - Tasks get vmsh's pids in creation order (1, 2, ...): `fork`,
 *    `clone vm` for a thread, `execve`, `kill`; `switch PID` before a
 *    call of another task than the last one.
 *  - Every command is followed by its expected output as `#| ` lines
 *    (vmsh --verify checks them; a plain run takes them as comments): the
 *    kernel's result for mmap, mremap and brk, the child's pid for fork
 *    and clone, and for `maps PID` the kernel's /proc/PID/maps.  The dev and
 *    inode fields are renumbered as the model numbers them (recorded
 *    files from inode 2 in creation order, shared anonymous memory on
 *    00:01 from inode 1, /dev/zero 00:06 inode 4, SysV segments 00:01
 *    with their id as inode, as the kernel's): the rest of each line
 *    is the kernel's.  When the kernel's [stack] reaches lower than the
 *    model's, the accesses that grew it were not recorded: a `touch` of
 *    the kernel's lowest stack page grows the model's the same way.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vmsh/vmsh.h"

#include "record.h"

struct rfile {
	char *path;
	unsigned long ino;
	bool tmpfs;
	bool removed;           /* unlinked: maps shows "PATH (deleted)" */
};

struct rec {
	FILE *out;
	bool with_files;
	int cur;                        /* task of the last command, -1: unknown */
	int next_vpid;
	struct rfile *files;
	size_t nfiles;
	unsigned long next_ino, next_shm_ino, shm_pending;
	struct { unsigned long kino, mino; } *shm;
	size_t nshm;
	int *sysv;                      /* SysV segments declared (ids) */
	size_t nsysv;
	uint64_t *stack_low;            /* by vmsh pid */
	size_t nstack;
	uint64_t calls;
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		abort();
	return p;
}

struct rec *rec_new(FILE *out, bool with_files)
{
	struct rec *r = xrealloc(NULL, sizeof(*r));

	memset(r, 0, sizeof(*r));
	r->out = out;
	r->with_files = with_files;
	r->cur = 1;
	r->next_vpid = 2;
	r->next_ino = 2;                /* file.c: regular files from inode 2 */
	r->next_shm_ino = 1;            /* shm_mnt: from inode 1 */
	return r;
}

uint64_t rec_calls(const struct rec *r)
{
	return r->calls;
}

void rec_free(struct rec *r)
{
	for (size_t i = 0; i < r->nfiles; i++)
		free(r->files[i].path);
	free(r->files);
	free(r->shm);
	free(r->sysv);
	free(r->stack_low);
	free(r);
}

void rec_comment(struct rec *r, const char *fmt, ...)
{
	va_list ap;

	fputs("# ", r->out);
	va_start(ap, fmt);
	vfprintf(r->out, fmt, ap);
	va_end(ap);
	fputc('\n', r->out);
}

static uint64_t *stack_low(struct rec *r, int vpid)
{
	if ((size_t)vpid >= r->nstack) {
		size_t n = (size_t)vpid + 16;

		r->stack_low = xrealloc(r->stack_low, n * sizeof(uint64_t));
		memset(r->stack_low + r->nstack, 0, (n - r->nstack) * sizeof(uint64_t));
		r->nstack = n;
	}
	return &r->stack_low[vpid];
}

static void to(struct rec *r, int vpid)
{
	if (r->cur != vpid)
		fprintf(r->out, "switch %d\n", vpid);
	r->cur = vpid;
}

void rec_to(struct rec *r, int vpid)
{
	to(r, vpid);
}

/* A path as one word of the script: quoted when it has blanks or
 * characters the lexer treats specially. */
static void put_path(FILE *out, const char *p)
{
	if (!strpbrk(p, " \t\"#;\\$")) {
		fputs(p, out);
		return;
	}
	fputc('"', out);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', out);
		fputc(*p, out);
	}
	fputc('"', out);
}

static const char *prot_str(int prot, char buf[4])
{
	buf[0] = prot & 1 ? 'r' : '-';
	buf[1] = prot & 2 ? 'w' : '-';
	buf[2] = prot & 4 ? 'x' : '-';
	buf[3] = 0;
	return buf;
}

/* The recorded file named @path in a maps line: the live one, or with
 * " (deleted)" the last one removed. */
static struct rfile *file_of(struct rec *r, const char *path)
{
	size_t n = strlen(path), d = strlen(" (deleted)");
	bool deleted = n > d && !strcmp(path + n - d, " (deleted)");

	for (size_t i = r->nfiles; i-- > 0;) {
		struct rfile *f = &r->files[i];

		if (!f->removed && !strcmp(f->path, path))
			return f;
		if (deleted && f->removed && strlen(f->path) == n - d &&
		    !strncmp(f->path, path, n - d))
			return f;
	}
	return NULL;
}

/* The file at @path exists in the model from now on. */
static void file_rm(struct rec *r, const char *path);

static void need_file(struct rec *r, const char *path, uint64_t size)
{
	struct rfile *f;

	if (file_of(r, path))
		return;
	if (strstr(path, " (deleted)")) {
		/* mapped through an fd after its unlink: the model's file
		 * takes the name without the suffix, then goes */
		char *base = strdup(path);

		if (!base)
			abort();
		*strstr(base, " (deleted)") = 0;
		need_file(r, base, size);
		rec_comment(r, "%s was unlinked before this mmap", base);
		file_rm(r, base);
		free(base);
		return;
	}
	r->files = xrealloc(r->files, (r->nfiles + 1) * sizeof(*r->files));
	f = &r->files[r->nfiles++];
	f->path = strdup(path);
	if (!f->path)
		abort();
	f->ino = r->next_ino++;
	f->removed = false;
	/* tmpfs (/dev/shm, memfd): the model's plain files; else disk */
	f->tmpfs = !strncmp(path, "/dev/shm/", 9) || !strncmp(path, "/memfd:", 7);
	fputs("layout file ", r->out);
	put_path(r->out, path);
	fprintf(r->out, " %llu%s\n", (unsigned long long)size, f->tmpfs ? "" : " disk");
	if (r->with_files && !strstr(path, " (deleted)")) {
		fputs("file load ", r->out);
		put_path(r->out, path);
		fputc(' ', r->out);
		put_path(r->out, path);
		fputc('\n', r->out);
	}
}

/* The model's file @path goes (an unlink the recorder saw only as a
 * "(deleted)" in the kernel's maps). */
static void file_rm(struct rec *r, const char *path)
{
	struct rfile *f = file_of(r, path);

	if (!f)
		return;
	fputs("file rm ", r->out);
	put_path(r->out, path);
	fputc('\n', r->out);
	f->removed = true;
}

bool rec_unlink(struct rec *r, const char *path)
{
	struct rfile *f = file_of(r, path);

	if (!f || f->removed)
		return false;
	file_rm(r, path);
	return true;
}

/* `mmap` of the layout or of a call (no count). */
static void put_mmap(struct rec *r, uint64_t addr, uint64_t len, int prot,
		     int flags, const char *path, uint64_t off)
{
	char p[4];
	bool shared = (flags & 3) == 1 || (flags & 3) == 3;

	fprintf(r->out, "mmap %#llx %#llx %s %s", (unsigned long long)addr,
		(unsigned long long)len, prot_str(prot, p),
		shared ? "shared" : "private");
	if (!path)
		fputs("|anon", r->out);
	fputs("|fixed", r->out);
	if (flags & 0x0100)
		fputs("|growsdown", r->out);
	if (flags & 0x2000)
		fputs("|locked", r->out);
	if (flags & 0x4000)
		fputs("|noreserve", r->out);
	if (flags & 0x8000)
		fputs("|populate", r->out);
	if (path) {
		fputc(' ', r->out);
		put_path(r->out, path);
		fprintf(r->out, " %#llx", (unsigned long long)off);
	}
	fprintf(r->out, "\n#| %#llx\n", (unsigned long long)addr);
	/* MAP_STACK: VM_NOHUGEPAGE since Linux 6.7 (calc_vm_flag_bits) */
	if (flags & 0x20000)
		fprintf(r->out, "madvise %#llx %#llx %s\n", (unsigned long long)addr,
			(unsigned long long)len, vmsh_advice_name(VMSH_MADV_NOHUGEPAGE));
	/* shared anonymous memory (and shared /dev/zero) is a new shmem file */
	if (shared && (!path || !strcmp(path, "/dev/zero")))
		r->shm_pending = r->next_shm_ino++;
}

void rec_mmap(struct rec *r, int vpid, uint64_t addr, uint64_t len, int prot,
	      int flags, const char *path, uint64_t off, uint64_t fsize)
{
	to(r, vpid);
	if (path && strcmp(path, "/dev/zero"))
		need_file(r, path, fsize);
	put_mmap(r, addr, len, prot, flags, path, off);
	r->calls++;
}

void rec_shm_kino(struct rec *r, unsigned long kino)
{
	if (!r->shm_pending)
		return;
	r->shm = xrealloc(r->shm, (r->nshm + 1) * sizeof(*r->shm));
	r->shm[r->nshm].kino = kino;
	r->shm[r->nshm++].mino = r->shm_pending;
	r->shm_pending = 0;
}

void rec_munmap(struct rec *r, int vpid, uint64_t addr, uint64_t len)
{
	to(r, vpid);
	fprintf(r->out, "munmap %#llx %#llx\n", (unsigned long long)addr,
		(unsigned long long)len);
	r->calls++;
}

void rec_mprotect(struct rec *r, int vpid, uint64_t addr, uint64_t len, int prot)
{
	char p[4];

	to(r, vpid);
	fprintf(r->out, "mprotect %#llx %#llx %s\n", (unsigned long long)addr,
		(unsigned long long)len, prot_str(prot, p));
	r->calls++;
}

void rec_mremap(struct rec *r, int vpid, uint64_t old, uint64_t oldlen,
		uint64_t newlen, int flags, uint64_t res)
{
	to(r, vpid);
	r->calls++;
	if (flags & 4 || !oldlen) {
		rec_comment(r, "mremap %#llx %#llx %#llx flags %#x -> %#llx: %s",
			    (unsigned long long)old, (unsigned long long)oldlen,
			    (unsigned long long)newlen, flags,
			    (unsigned long long)res, flags & 4 ?
			    "MREMAP_DONTUNMAP is not modelled" :
			    "a copy of a shared mapping (old_len 0) is not modelled");
		return;
	}
	fprintf(r->out, "mremap %#llx %#llx %#llx", (unsigned long long)old,
		(unsigned long long)oldlen, (unsigned long long)newlen);
	if (res != old)
		fprintf(r->out, " maymove fixed %#llx", (unsigned long long)res);
	fprintf(r->out, "\n#| %#llx\n", (unsigned long long)res);
}

void rec_touch_note(struct rec *r, int vpid, uint64_t addr)
{
	to(r, vpid);
	rec_comment(r, "the kernel's VMA has anonymous pages (accesses are not recorded):");
	rec_comment(r, "a fault gives the model's an anon_vma too, which keeps its pgoff when it moves");
	fprintf(r->out, "touch %#llx\n", (unsigned long long)addr);
}

void rec_madvise(struct rec *r, int vpid, uint64_t addr, uint64_t len, int advice)
{
	/* the engine's names (the ones the shell reads); a number otherwise */
	const char *name = vmsh_advice_name(advice);

	to(r, vpid);
	fprintf(r->out, "madvise %#llx %#llx ", (unsigned long long)addr,
		(unsigned long long)len);
	if (name)
		fprintf(r->out, "%s\n", name);
	else
		fprintf(r->out, "%d\n", advice);
	r->calls++;
}

void rec_brk(struct rec *r, int vpid, uint64_t addr)
{
	to(r, vpid);
	fprintf(r->out, "brk %#llx\n#| %#llx\n", (unsigned long long)addr,
		(unsigned long long)addr);
	r->calls++;
}

void rec_mlock(struct rec *r, int vpid, const char *call, uint64_t addr,
	       uint64_t len, int flags)
{
	to(r, vpid);
	r->calls++;
	if (!strcmp(call, "munlockall")) {
		fputs("munlockall\n", r->out);
	} else if (!strcmp(call, "mlockall")) {
		/* MCL_CURRENT 1, MCL_FUTURE 2, MCL_ONFAULT 4 */
		const char *sep = "";

		fputs("mlockall ", r->out);
		if (flags & 1) {
			fputs("current", r->out);
			sep = "|";
		}
		if (flags & 2) {
			fprintf(r->out, "%sfuture", sep);
			sep = "|";
		}
		if (flags & 4)
			fprintf(r->out, "%sonfault", sep);
		fputc('\n', r->out);
	} else {
		fprintf(r->out, "%s %#llx %#llx%s\n", call, (unsigned long long)addr,
			(unsigned long long)len, flags & 1 ? " onfault" : "");
	}
}

void rec_shmat(struct rec *r, int vpid, uint64_t addr, int id, uint32_t key,
	       uint64_t size, bool rdonly)
{
	size_t i;

	to(r, vpid);
	/* the segment, the first time it is attached: /SYSV%08x, its inode
	 * the id in the kernel's maps and in the model's */
	for (i = 0; i < r->nsysv && r->sysv[i] != id; i++)
		;
	if (i == r->nsysv) {
		r->sysv = xrealloc(r->sysv, (r->nsysv + 1) * sizeof(*r->sysv));
		r->sysv[r->nsysv++] = id;
		fprintf(r->out, "layout shm %d %#x %llu\n", id, key, (unsigned long long)size);
	}
	fprintf(r->out, "layout shmat %d %#llx%s\n", id, (unsigned long long)addr,
		rdonly ? " rdonly" : "");
	r->calls++;
}

void rec_shmdt(struct rec *r, int vpid, uint64_t addr, uint64_t size)
{
	to(r, vpid);
	rec_comment(r, "shmdt");
	fprintf(r->out, "munmap %#llx %#llx\n", (unsigned long long)addr,
		(unsigned long long)size);
	r->calls++;
}

void rec_shm_rmid(struct rec *r, int vpid, int id)
{
	size_t i;

	for (i = 0; i < r->nsysv && r->sysv[i] != id; i++)
		;
	to(r, vpid);
	if (i == r->nsysv) {
		/* never attached here: nothing of it is in the model */
		rec_comment(r, "shmctl %d IPC_RMID: a segment this program never attached", id);
		return;
	}
	fprintf(r->out, "shmctl %d rmid\n", id);
	r->calls++;
}

int rec_fork(struct rec *r, int vpid, bool thread)
{
	int child = r->next_vpid++;

	to(r, vpid);
	fprintf(r->out, "%s\n#| child pid %d\n", thread ? "clone vm" : "fork", child);
	*stack_low(r, child) = *stack_low(r, vpid);
	return child;
}

void rec_exit(struct rec *r, int vpid, bool last)
{
	if (last) {
		rec_comment(r, "pid %d exits last (vmsh keeps its last task)", vpid);
		return;
	}
	fprintf(r->out, "kill %d\n", vpid);
	if (r->cur == vpid)
		r->cur = -1;
}

/* ---- maps lines ----------------------------------------------------------- */

struct mline {
	unsigned long long start, end, off;
	char perms[5];
	unsigned dmaj, dmin;
	unsigned long ino;
	const char *name;               /* "" when none */
};

/* Parse one line of /proc/PID/maps (NUL-terminated, no newline). */
static bool parse_line(char *s, struct mline *m)
{
	int n = 0;

	if (sscanf(s, "%llx-%llx %4s %llx %x:%x %lu %n", &m->start, &m->end,
		   m->perms, &m->off, &m->dmaj, &m->dmin, &m->ino, &n) < 7)
		return false;
	m->name = s + n;
	while (*m->name == ' ')
		m->name++;
	return true;
}

static int perms_prot(const char *p)
{
	return (p[0] == 'r') | (p[1] == 'w') << 1 | (p[2] == 'x') << 2;
}

/* The model's dev and inode for a kernel maps line. */
static void model_ids(struct rec *r, struct mline *m)
{
	const struct rfile *f;

	if (!m->name[0] || m->name[0] == '[') {
		m->dmaj = m->dmin = 0;
		m->ino = 0;
	} else if (!strncmp(m->name, "/SYSV", 5)) {
		/* a SysV segment: its inode is its id in both */
		m->dmaj = 0;
		m->dmin = 1;
	} else if (!strcmp(m->name, "/dev/zero (deleted)")) {
		for (size_t i = 0; i < r->nshm; i++)
			if (r->shm[i].kino == m->ino) {
				m->ino = r->shm[i].mino;
				break;
			}
		m->dmaj = 0;
		m->dmin = 1;
	} else if (!strcmp(m->name, "/dev/zero")) {
		m->dmaj = 0;
		m->dmin = 6;
		m->ino = 4;
	} else if ((f = file_of(r, m->name))) {
		m->dmaj = f->tmpfs ? 0 : 0xfe;
		m->dmin = f->tmpfs ? 0x1a : 0;
		m->ino = f->ino;
	}
}

/* A maps line as the model prints it (views/proc.c's layout). */
static void put_line(FILE *out, const struct mline *m)
{
	char line[160];
	int n = snprintf(line, sizeof(line), "%08llx-%08llx %s %08llx %02x:%02x %lu ",
			 m->start, m->end, m->perms, m->off, m->dmaj, m->dmin, m->ino);

	fputs(line, out);
	if (m->name[0]) {
		for (; n < 72; n++)
			fputc(' ', out);
		fputc(' ', out);
		fputs(m->name, out);
	}
	fputc('\n', out);
}

/* Call @fn for every line of @maps. */
static void each_line(const char *maps, void (*fn)(struct rec *, struct mline *, void *),
		      struct rec *r, void *ctx)
{
	char *copy = strdup(maps), *s, *nl;
	struct mline m;

	if (!copy)
		abort();
	for (s = copy; s && *s; s = nl) {
		nl = strchr(s, '\n');
		if (nl)
			*nl++ = 0;
		if (parse_line(s, &m))
			fn(r, &m, ctx);
	}
	free(copy);
}

struct layout_scan { uint64_t stack_start, stack_end, base, heap_start, heap_end; };

static void scan(struct rec *r, struct mline *m, void *ctx)
{
	struct layout_scan *ls = ctx;

	if (!strcmp(m->name, "[stack]")) {
		ls->stack_start = m->start;
		ls->stack_end = m->end;
	} else if (!strcmp(m->name, "[heap]")) {
		ls->heap_start = m->start;
		ls->heap_end = m->end;
	}
}

static void scan_base(struct rec *r, struct mline *m, void *ctx)
{
	struct layout_scan *ls = ctx;

	if (m->end <= ls->stack_start && m->end > ls->base &&
	    strcmp(m->name, "[heap]"))
		ls->base = m->end;
}

static void put_layout_line(struct rec *r, struct mline *m, void *ctx)
{
	const char *n = m->name;
	int flags = m->perms[3] == 's' ? 1 : 2;

	if (!strcmp(n, "[stack]"))
		return;
	if (!strcmp(n, "[vvar]") || !strcmp(n, "[vvar_vclock]") ||
	    !strcmp(n, "[vdso]") || !strcmp(n, "[vsyscall]")) {
		fprintf(r->out, "layout special %s %#llx %#llx\n", n, m->start, m->end);
		return;
	}
	if (n[0] == '/') {
		/* at execve: the ELF files the kernel mapped; their size is
		 * the file's when it is here, else what the mapping covers */
		struct stat st;

		need_file(r, n, stat(n, &st) == 0 ? (uint64_t)st.st_size :
			  m->off + (m->end - m->start));
		put_mmap(r, m->start, m->end - m->start, perms_prot(m->perms),
			 flags, n, m->off);
		return;
	}
	if (n[0] && strcmp(n, "[heap]"))
		rec_comment(r, "%s: not modelled", n);
	put_mmap(r, m->start, m->end - m->start, perms_prot(m->perms),
		 flags | 0x20, NULL, 0);
}

void rec_execve(struct rec *r, int vpid, const char *maps, uint64_t start_brk,
		uint64_t mmap_base)
{
	struct layout_scan ls = { 0 };

	to(r, vpid);
	fputs("execve\n", r->out);
	if (!maps) {
		rec_comment(r, "the execve layout is unknown: the model's initial layout stands in");
		return;
	}
	each_line(maps, scan, r, &ls);
	if (mmap_base)
		ls.base = mmap_base;
	else if (ls.stack_start)
		each_line(maps, scan_base, r, &ls);
	if (ls.base)
		fprintf(r->out, "layout mmap_base %#llx\n", (unsigned long long)ls.base);
	if (ls.stack_end) {
		fprintf(r->out, "layout stack %#llx %#llx\n",
			(unsigned long long)ls.stack_start,
			(unsigned long long)ls.stack_end);
		*stack_low(r, vpid) = ls.stack_start;
	}
	if (ls.heap_end)
		fprintf(r->out, "layout brk %#llx %#llx\n",
			(unsigned long long)ls.heap_start, (unsigned long long)ls.heap_end);
	else if (start_brk)
		fprintf(r->out, "layout brk %#llx\n", (unsigned long long)start_brk);
	each_line(maps, put_layout_line, r, NULL);
}

static void find_unlinked(struct rec *r, struct mline *m, void *ctx)
{
	size_t n = strlen(m->name), d = strlen(" (deleted)");
	char *base;

	if (m->name[0] != '/' || n <= d || strcmp(m->name + n - d, " (deleted)"))
		return;
	base = strndup(m->name, n - d);
	if (!base)
		abort();
	if (file_of(r, base)) {
		rec_comment(r, "%s was unlinked (unlink is not recorded)", base);
		file_rm(r, base);
	}
	free(base);
}

static void put_expect(struct rec *r, struct mline *m, void *ctx)
{
	model_ids(r, m);
	fputs("#| ", r->out);
	put_line(r->out, m);
}

void rec_maps(struct rec *r, int vpid, const char *maps)
{
	struct layout_scan ls = { 0 };
	uint64_t *low = stack_low(r, vpid);

	if (!maps) {
		fprintf(r->out, "maps %d\n", vpid);
		return;
	}
	each_line(maps, scan, r, &ls);
	each_line(maps, find_unlinked, r, NULL);
	if (ls.stack_start && *low && ls.stack_start < *low) {
		to(r, vpid);
		rec_comment(r, "the stack grew by accesses, which are not recorded: touch its lowest page");
		fprintf(r->out, "touch %#llx\n", (unsigned long long)ls.stack_start);
		*low = ls.stack_start;
	}
	fprintf(r->out, "maps %d\n", vpid);
	each_line(maps, put_expect, r, NULL);
}

char *rec_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (!f)
		return NULL;
	do {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 16384;
			buf = xrealloc(buf, cap);
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got);
	fclose(f);
	buf[n] = 0;
	return buf;
}
