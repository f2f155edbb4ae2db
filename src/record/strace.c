/* SPDX-License-Identifier: MIT */
/*
 * vmsh import strace FILE: a vmsh script from an existing
 * `strace -f -e trace=memory,process,desc` log in strace's default format
 * (`PID name(args) = result` lines as -o writes them, `[pid N] ` prefixes
 * as the terminal shows them, or no pid at all; `<unfinished ...>` and
 * `<... name resumed>` halves joined).  It writes through script.c as
 * vmsh record does, with what a log has:
 *  - files: openat/open results name the fds (dup, dup2, dup3, fcntl
 *    F_DUPFD follow them, close forgets them, fork copies the table);
 *    a file's size is the st_size of an fstat of its fd, else the file's
 *    on this machine, else the end of what is mapped of it;
 *  - paths: relative ones are resolved against the directory of an
 *    openat's dirfd, else the process's working directory when the log
 *    shows it (chdir, fchdir; --cwd DIR gives the first process's), then
 *    made canonical when the file is on this machine (not with
 *    --log-only, which reads nothing but the log; the kernel's maps
 *    name a file by its real path: /lib/x86_64-linux-gnu/libc.so.6 is
 *    /usr/lib/x86_64-linux-gnu/libc.so.6 here);
 *  - execve: a log does not show the layout the kernel made; the log is
 *    read twice, and the first reading keeps what each execve's startup
 *    shows of it (the relro mprotects of the program and of ld.so, the
 *    first brk), from which elf.c rebuilds the ELF and ld.so segments,
 *    the vDSO and the start of the break, with this machine's files.  The
 *    stack is the model's own (where the kernel put it is not in a log);
 *    what could not be known is said in a comment;
 *  - SysV segments (in a log with trace=ipc too): shmget gives the key
 *    and size, shmat attaches (layout shm, layout shmat), shmdt detaches,
 *    shmctl(IPC_RMID) removes (shmctl ID rmid);
 *  - unlink, unlinkat (in a log with trace=file too): the model's file
 *    goes, as "(deleted)" in the kernel's maps shows;
 *  - at the exit of a process's last task, `maps PID` (the model's maps;
 *    a log has no kernel maps, so no `#| ` expectations).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "record.h"

#define MAXARGS 8

struct fdent { int fd; char *path; uint64_t size; };

struct proc {
	long pid;
	int vpid;
	int group;              /* the vpid of its thread group's first task */
	bool alive;
	char *pending;          /* the first half of an unfinished call */
	struct fdent *fds;
	size_t nfds;
	char *cwd;              /* NULL: not known */
	int exec;               /* its last execve (index), -1: none */
	bool startup;           /* between that execve and its first clone */
};

/* One execve of the log: what the first reading saw of its startup. */
struct exinfo {
	struct exec_layout x;
	uint64_t (*maps)[2];    /* what the log's mmaps mapped in the startup */
	size_t nmaps;
};

struct imp {
	struct rec *rec;
	struct proc **p;
	size_t np;
	bool started;
	unsigned procs, threads, execs;
	uint64_t lines, skipped;
	int pass;               /* 0: who clones whom, 1: the startups, 2: the script */
	const char *cwd;        /* --cwd */
	struct exinfo *ex;
	size_t nex, next_ex;
	struct { long pid, parent; bool thread, used; } *kids;
	size_t nkids;
	struct { int id; uint32_t key; uint64_t size; } *seg;   /* shmget */
	size_t nseg;
	uint64_t (*att)[2];     /* shmat: address, size */
	size_t natt;
};

static struct proc *proc_of(struct imp *I, long pid, bool create)
{
	struct proc *p;

	for (size_t i = I->np; i-- > 0;)
		if (I->p[i]->pid == pid && I->p[i]->alive)
			return I->p[i];
	if (!create)
		return NULL;
	I->p = realloc(I->p, (I->np + 1) * sizeof(*I->p));
	p = calloc(1, sizeof(*p));
	if (!I->p || !p)
		abort();
	p->pid = pid;
	p->alive = true;
	p->exec = -1;
	I->p[I->np++] = p;
	return p;
}

static struct fdent *fd_of(struct proc *p, int fd)
{
	for (size_t i = 0; i < p->nfds; i++)
		if (p->fds[i].fd == fd)
			return &p->fds[i];
	return NULL;
}

static void fd_close(struct proc *p, int fd)
{
	struct fdent *e = fd_of(p, fd);

	if (!e)
		return;
	free(e->path);
	*e = p->fds[--p->nfds];
}

static void fd_put(struct proc *p, int fd, const char *path, uint64_t size)
{
	struct fdent *e;

	fd_close(p, fd);
	p->fds = realloc(p->fds, (p->nfds + 1) * sizeof(*p->fds));
	if (!p->fds)
		abort();
	e = &p->fds[p->nfds++];
	e->fd = fd;
	e->path = strdup(path);
	e->size = size;
	if (!e->path)
		abort();
}

/* Split "a, {b, c}, "d, e"" at its top-level commas; the words are
 * trimmed, in place. */
static int split_args(char *s, char **argv)
{
	int n = 0, depth = 0;
	bool quote = false;
	char *start = s;

	for (; *s; s++) {
		if (quote) {
			if (*s == '\\' && s[1])
				s++;
			else if (*s == '"')
				quote = false;
		} else if (*s == '"') {
			quote = true;
		} else if (*s == '(' || *s == '[' || *s == '{') {
			depth++;
		} else if (*s == ')' || *s == ']' || *s == '}') {
			depth--;
		} else if (*s == ',' && !depth && n < MAXARGS - 1) {
			*s = 0;
			argv[n++] = start;
			start = s + 1;
		}
	}
	argv[n++] = start;
	for (int i = 0; i < n; i++) {
		while (isspace((unsigned char)*argv[i]))
			argv[i]++;
	}
	return n;
}

static uint64_t num(const char *s)
{
	if (!strcmp(s, "NULL"))
		return 0;
	return strtoull(s, NULL, 0);
}

/* PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, ...: the bits. */
static int bits(const char *s)
{
	static const struct { const char *name; int v; } names[] = {
		{ "PROT_READ", 1 }, { "PROT_WRITE", 2 }, { "PROT_EXEC", 4 },
		{ "PROT_NONE", 0 }, { "MAP_SHARED_VALIDATE", 3 },
		{ "MAP_SHARED", 1 }, { "MAP_PRIVATE", 2 }, { "MAP_FIXED_NOREPLACE", 0x100000 },
		{ "MAP_FIXED", 0x10 }, { "MAP_ANONYMOUS", 0x20 }, { "MAP_ANON", 0x20 },
		{ "MAP_GROWSDOWN", 0x100 }, { "MAP_DENYWRITE", 0x800 },
		{ "MAP_EXECUTABLE", 0x1000 }, { "MAP_LOCKED", 0x2000 },
		{ "MAP_NORESERVE", 0x4000 }, { "MAP_POPULATE", 0x8000 },
		{ "MAP_STACK", 0x20000 }, { "MREMAP_MAYMOVE", 1 },
		{ "MREMAP_FIXED", 2 }, { "MREMAP_DONTUNMAP", 4 },
		{ "MCL_CURRENT", 1 }, { "MCL_FUTURE", 2 }, { "MCL_ONFAULT", 4 },
		{ "MLOCK_ONFAULT", 1 },
	};
	int v = 0;

	while (*s) {
		size_t n = strcspn(s, "|");
		bool found = false;

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == n && !strncmp(s, names[i].name, n)) {
				v |= names[i].v;
				found = true;
			}
		if (!found && isdigit((unsigned char)*s))
			v |= (int)strtol(s, NULL, 0);
		s += n;
		if (*s == '|')
			s++;
	}
	return v;
}

static int advice(const char *s)
{
	static const char *const names[] = {
		"MADV_NORMAL", "MADV_RANDOM", "MADV_SEQUENTIAL", "MADV_WILLNEED",
		"MADV_DONTNEED", NULL, NULL, NULL, "MADV_FREE", "MADV_REMOVE",
		"MADV_DONTFORK", "MADV_DOFORK", "MADV_MERGEABLE", "MADV_UNMERGEABLE",
		"MADV_HUGEPAGE", "MADV_NOHUGEPAGE", "MADV_DONTDUMP", "MADV_DODUMP",
		"MADV_WIPEONFORK", "MADV_KEEPONFORK", "MADV_COLD", "MADV_PAGEOUT",
		"MADV_POPULATE_READ", "MADV_POPULATE_WRITE", "MADV_DONTNEED_LOCKED",
		"MADV_COLLAPSE", NULL,
	};

	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (names[i] && !strcmp(s, names[i]))
			return i;
	if (!strcmp(s, "MADV_HWPOISON"))
		return 100;
	if (!strcmp(s, "MADV_GUARD_INSTALL"))
		return 102;
	if (!strcmp(s, "MADV_GUARD_REMOVE"))
		return 103;
	return (int)strtol(s, NULL, 0);
}

/* The path in a quoted strace string argument ("..."), unescaped enough
 * for paths. */
static void unquote(const char *s, char *out, size_t size)
{
	size_t n = 0;

	if (*s == '"')
		s++;
	for (; *s && *s != '"' && n + 1 < size; s++) {
		if (*s == '\\' && s[1])
			s++;
		out[n++] = *s;
	}
	out[n] = 0;
}

/* @raw (a path of the log) as the kernel names it: relative to @dir
 * (a dirfd's path, else the process's cwd), canonical when the file is
 * here.  Left relative when the log does not say the directory. */
static bool log_only;           /* --log-only: this machine's files are not read */

static void resolve(const char *dir, const char *raw, char *out, size_t size)
{
	char joined[PATH_MAX * 2];

	if (raw[0] != '/' && !dir) {
		snprintf(out, size, "%s", raw);
		return;
	}
	if (raw[0] == '/')
		snprintf(joined, sizeof(joined), "%s", raw);
	else
		snprintf(joined, sizeof(joined), "%s/%s", dir, raw);
	if (log_only || size < PATH_MAX || !realpath(joined, out)) {
		size_t len = strlen(joined);

		if (len >= size)
			len = size - 1;
		memcpy(out, joined, len);
		out[len] = 0;
	}
}

static void on_mmap(struct imp *I, struct proc *p, char **a, uint64_t res)
{
	int flags = bits(a[3]);
	const struct fdent *e = NULL;
	const char *path = NULL;
	uint64_t size = 0;

	if (!(flags & 0x20)) {
		e = fd_of(p, (int)strtol(a[4], NULL, 0));
		if (!e || e->path[0] != '/') {
			rec_comment(I->rec, "mmap fd %s -> %#llx: not a file the log opened", a[4],
				    (unsigned long long)res);
			return;
		}
		path = e->path;
		size = e->size;
		if (!size) {
			struct stat st;

			size = !log_only && stat(path, &st) == 0 ? (uint64_t)st.st_size :
			       num(a[5]) + num(a[1]);
		}
	}
	rec_mmap(I->rec, p->vpid, res, num(a[1]), bits(a[2]), flags, path,
		 num(a[5]), size);
	if (I->pass == 1 && p->startup) {
		struct exinfo *x = &I->ex[p->exec];

		x->maps = realloc(x->maps, (x->nmaps + 1) * sizeof(*x->maps));
		if (!x->maps)
			abort();
		x->maps[x->nmaps][0] = res;
		x->maps[x->nmaps++][1] = res + ((num(a[1]) + 4095) & ~4095ULL);
	}
}

/* A read-only mprotect of the startup outside the log's mmaps: a relro
 * of the program or of ld.so (elf.c). */
static void on_startup_mprotect(struct imp *I, struct proc *p, uint64_t addr,
				uint64_t len)
{
	struct exinfo *x = &I->ex[p->exec];

	for (size_t i = 0; i < x->nmaps; i++)
		if (addr >= x->maps[i][0] && addr < x->maps[i][1])
			return;
	if (x->x.ncand < 8) {
		x->x.cand[x->x.ncand][0] = addr;
		x->x.cand[x->x.ncand++][1] = len;
	}
}

/* The execve of @p: pass 1 notes it, pass 2 writes its layout. */
static void on_execve(struct imp *I, struct proc *p, const char *arg)
{
	char path[PATH_MAX], raw[PATH_MAX], why[PATH_MAX + 200];
	struct exinfo *x;
	uint64_t base = 0;
	char *maps;

	if (I->pass == 1) {
		unquote(arg, raw, sizeof(raw));
		resolve(p->cwd, raw, path, sizeof(path));
		I->ex = realloc(I->ex, (I->nex + 1) * sizeof(*I->ex));
		if (!I->ex)
			abort();
		x = &I->ex[I->nex];
		memset(x, 0, sizeof(*x));
		x->x.path = strdup(path);
		if (!x->x.path)
			abort();
		p->exec = (int)I->nex++;
		p->startup = true;
		rec_execve(I->rec, p->vpid, NULL, 0, 0);
		return;
	}
	x = &I->ex[I->next_ex];
	p->exec = (int)I->next_ex++;
	p->startup = true;
	rec_to(I->rec, p->vpid);
	if (log_only) {
		rec_comment(I->rec, "--log-only: the layout of execve %s needs its files",
			    x->x.path);
		rec_execve(I->rec, p->vpid, NULL, 0, 0);
		return;
	}
	maps = exec_layout(&x->x, why, sizeof(why), &base);
	if (why[0])
		rec_comment(I->rec, "execve %s: %s", x->x.path, why);
	if (maps)
		rec_comment(I->rec, "the layout of execve %s, from the log and this machine's "
			    "files; the stack is the model's (a log does not show it)", x->x.path);
	rec_execve(I->rec, p->vpid, maps, x->x.start_brk, base);
	free(maps);
}

static bool is_clone(const char *name)
{
	return !strcmp(name, "clone") || !strcmp(name, "clone3") ||
	       !strcmp(name, "fork") || !strcmp(name, "vfork");
}

/* @c is a new task of @p's (a thread of its group when @thread). */
static void child(struct imp *I, struct proc *p, struct proc *c, bool thread)
{
	c->vpid = rec_fork(I->rec, p->vpid, thread);
	c->group = thread ? p->group : c->vpid;
	c->exec = p->exec;
	if (p->cwd && !(c->cwd = strdup(p->cwd)))
		abort();
	/* a thread shares the table, a process copies it: both start with
	 * the parent's fds */
	for (size_t i = 0; i < p->nfds; i++)
		fd_put(c, p->fds[i].fd, p->fds[i].path, p->fds[i].size);
	if (thread)
		I->threads++;
	else
		I->procs++;
}

/* A line of task @c, which no clone has announced yet: its parent's
 * clone is still unfinished (a vfork child runs, and execs, before its
 * parent's vfork returns).  The first reading (pass 0) saw whose child it
 * is: it is made now. */
static void adopt(struct imp *I, struct proc *c)
{
	for (size_t i = 0; i < I->nkids; i++) {
		struct proc *p;

		if (I->kids[i].used || I->kids[i].pid != c->pid)
			continue;
		p = proc_of(I, I->kids[i].parent, false);
		if (!p || !p->vpid)
			return;
		I->kids[i].used = true;
		p->startup = false;
		child(I, p, c, I->kids[i].thread);
		return;
	}
}

/* @path is unlinked (a log with trace=file shows it): the model's file
 * goes, and every fd open on it names it "PATH (deleted)" from now on,
 * as /proc/PID/fd does. */
static void on_unlink(struct imp *I, const char *path)
{
	size_t len = strlen(path);

	if (!rec_unlink(I->rec, path))
		return;
	for (size_t i = 0; i < I->np; i++)
		for (size_t j = 0; j < I->p[i]->nfds; j++) {
			struct fdent *e = &I->p[i]->fds[j];
			char *d;

			if (strcmp(e->path, path))
				continue;
			d = malloc(len + sizeof(" (deleted)"));
			if (!d)
				abort();
			memcpy(d, path, len);
			strcpy(d + len, " (deleted)");
			free(e->path);
			e->path = d;
		}
}

/* SysV segments: a log with trace=ipc shows shmget (the key and size);
 * without it an attach cannot be replayed. */
static void on_shmget(struct imp *I, int id, uint64_t key, uint64_t size)
{
	for (size_t i = 0; i < I->nseg; i++)
		if (I->seg[i].id == id)
			return;
	I->seg = realloc(I->seg, (I->nseg + 1) * sizeof(*I->seg));
	if (!I->seg)
		abort();
	I->seg[I->nseg].id = id;
	I->seg[I->nseg].key = (uint32_t)key;
	I->seg[I->nseg++].size = size;
}

static void on_shmat(struct imp *I, struct proc *p, int id, uint64_t addr, bool rdonly)
{
	for (size_t i = 0; i < I->nseg; i++) {
		if (I->seg[i].id != id)
			continue;
		rec_shmat(I->rec, p->vpid, addr, id, I->seg[i].key, I->seg[i].size, rdonly);
		I->att = realloc(I->att, (I->natt + 1) * sizeof(*I->att));
		if (!I->att)
			abort();
		I->att[I->natt][0] = addr;
		I->att[I->natt++][1] = (I->seg[i].size + 4095) & ~4095ULL;
		return;
	}
	rec_to(I->rec, p->vpid);
	rec_comment(I->rec, "shmat %d -> %#llx: the log has no shmget of it (trace=ipc): "
		    "not replayed", id, (unsigned long long)addr);
}

static void on_shmdt(struct imp *I, struct proc *p, uint64_t addr)
{
	for (size_t i = I->natt; i-- > 0;)
		if (I->att[i][0] == addr) {
			rec_shmdt(I->rec, p->vpid, addr, I->att[i][1]);
			return;
		}
	rec_to(I->rec, p->vpid);
	rec_comment(I->rec, "shmdt %#llx: no attach of the log there", (unsigned long long)addr);
}

/* One complete call of @p: NAME(ARGS) = RESULT. */
static void call(struct imp *I, struct proc *p, const char *name, char *args,
		 const char *result)
{
	char *a[MAXARGS] = { 0 };
	bool ok = strncmp(result, "-1", 2) && result[0] != '?';
	uint64_t res = num(result);
	int n;
	char path[4096];

	if (I->pass == 0) {
		if (is_clone(name) && ok && res) {
			I->kids = realloc(I->kids, (I->nkids + 1) * sizeof(*I->kids));
			if (!I->kids)
				abort();
			I->kids[I->nkids].pid = (long)res;
			I->kids[I->nkids].parent = p->pid;
			I->kids[I->nkids].used = false;
			I->kids[I->nkids++].thread = strstr(args, "CLONE_THREAD") != NULL;
		}
		return;
	}
	n = split_args(args, a);
	if (!strcmp(name, "execve") || !strcmp(name, "execveat")) {
		if (!ok)
			return;
		if (!I->started) {
			I->started = true;
			p->vpid = 1;
			I->procs++;
		}
		if (p->vpid) {
			I->execs++;
			if (!p->group)
				p->group = p->vpid;
			if (!p->cwd && I->cwd && !(p->cwd = strdup(I->cwd)))
				abort();
			on_execve(I, p, a[0]);
		}
		return;
	}
	if (!I->started || !p->vpid)
		return;
	if (!strcmp(name, "openat") || !strcmp(name, "open")) {
		int i = !strcmp(name, "openat");

		if (ok && n > i) {
			const struct fdent *d = i && strcmp(a[0], "AT_FDCWD") ?
						fd_of(p, (int)num(a[0])) : NULL;
			char raw[PATH_MAX];

			unquote(a[i], raw, sizeof(raw));
			resolve(d ? d->path : p->cwd, raw, path, sizeof(path));
			fd_put(p, (int)res, path, 0);
		}
	} else if ((!strcmp(name, "chdir") || !strcmp(name, "fchdir")) && ok && n >= 1) {
		const struct fdent *d = name[0] == 'f' ? fd_of(p, (int)num(a[0])) : NULL;
		char raw[PATH_MAX];

		if (name[0] == 'f' && !d) {
			free(p->cwd);
			p->cwd = NULL;
			return;
		}
		unquote(d ? d->path : a[0], raw, sizeof(raw));
		resolve(p->cwd, raw, path, sizeof(path));
		free(p->cwd);
		p->cwd = path[0] == '/' ? strdup(path) : NULL;
	} else if ((!strcmp(name, "unlink") || !strcmp(name, "unlinkat")) && ok && n >= 1) {
		int i = !strcmp(name, "unlinkat");
		const struct fdent *d = i && strcmp(a[0], "AT_FDCWD") ?
					fd_of(p, (int)num(a[0])) : NULL;
		char raw[PATH_MAX];

		if (n <= i || (i && n > 2 && strstr(a[2], "AT_REMOVEDIR")))
			return;
		unquote(a[i], raw, sizeof(raw));
		resolve(d ? d->path : p->cwd, raw, path, sizeof(path));
		on_unlink(I, path);
	} else if (!strcmp(name, "close") && ok) {
		fd_close(p, (int)num(a[0]));
	} else if ((!strcmp(name, "dup") || !strcmp(name, "dup2") ||
		    !strcmp(name, "dup3") || (!strcmp(name, "fcntl") &&
		    n > 1 && !strncmp(a[1], "F_DUPFD", 7))) && ok) {
		struct fdent *e = fd_of(p, (int)num(a[0]));

		if (e) {
			snprintf(path, sizeof(path), "%s", e->path);
			fd_put(p, (int)res, path, e->size);
		}
	} else if ((!strcmp(name, "fstat") || (!strcmp(name, "newfstatat") &&
		    n > 2 && !strcmp(a[1], "\"\""))) && ok) {
		struct fdent *e = fd_of(p, (int)num(a[0]));
		char *sz = strstr(a[!strcmp(name, "fstat") ? 1 : 2], "st_size=");

		if (e && sz)
			e->size = strtoull(sz + 8, NULL, 0);
	} else if (!strcmp(name, "mmap") && ok && n >= 6) {
		on_mmap(I, p, a, res);
	} else if (!strcmp(name, "munmap") && ok && n >= 2) {
		rec_munmap(I->rec, p->vpid, num(a[0]), num(a[1]));
	} else if ((!strcmp(name, "mprotect") || !strcmp(name, "pkey_mprotect")) && ok && n >= 3) {
		rec_mprotect(I->rec, p->vpid, num(a[0]), num(a[1]), bits(a[2]) & 7);
		if (I->pass == 1 && p->startup && (bits(a[2]) & 7) == 1)
			on_startup_mprotect(I, p, num(a[0]), num(a[1]));
	} else if (!strcmp(name, "mremap") && ok && n >= 4) {
		rec_mremap(I->rec, p->vpid, num(a[0]), num(a[1]), num(a[2]),
			   bits(a[3]), res);
	} else if (!strcmp(name, "madvise") && ok && n >= 3) {
		rec_madvise(I->rec, p->vpid, num(a[0]), num(a[1]), advice(a[2]));
	} else if (!strcmp(name, "brk") && n >= 1) {
		if (num(a[0]) && res == num(a[0]))
			rec_brk(I->rec, p->vpid, res);
		else if (!num(a[0]) && I->pass == 1 && p->startup && !I->ex[p->exec].x.start_brk)
			I->ex[p->exec].x.start_brk = res;
	} else if ((!strcmp(name, "mlock") || !strcmp(name, "munlock")) && ok && n >= 2) {
		rec_mlock(I->rec, p->vpid, name, num(a[0]), num(a[1]), 0);
	} else if (!strcmp(name, "mlock2") && ok && n >= 3) {
		rec_mlock(I->rec, p->vpid, "mlock", num(a[0]), num(a[1]), bits(a[2]));
	} else if (!strcmp(name, "mlockall") && ok) {
		rec_mlock(I->rec, p->vpid, "mlockall", 0, 0, bits(a[0]));
	} else if (!strcmp(name, "munlockall") && ok) {
		rec_mlock(I->rec, p->vpid, "munlockall", 0, 0, 0);
	} else if (!strcmp(name, "shmget") && ok && n >= 2) {
		on_shmget(I, (int)res, strcmp(a[0], "IPC_PRIVATE") ? num(a[0]) : 0, num(a[1]));
	} else if (!strcmp(name, "shmat") && ok && n >= 3) {
		on_shmat(I, p, (int)num(a[0]), res, strstr(a[2], "SHM_RDONLY") != NULL);
	} else if (!strcmp(name, "shmdt") && ok && n >= 1) {
		on_shmdt(I, p, num(a[0]));
	} else if (!strcmp(name, "shmctl") && ok && n >= 2 && strstr(a[1], "IPC_RMID")) {
		rec_shm_rmid(I->rec, p->vpid, (int)num(a[0]));
	} else if (is_clone(name) && ok && res) {
		struct proc *c = proc_of(I, (long)res, true);

		p->startup = false;
		if (!c->vpid)   /* else its first line came first (adopt) */
			child(I, p, c, strstr(args, "CLONE_THREAD") != NULL);
	}
}

/* Live tasks (of thread group @group; 0: all). */
static int live(const struct imp *I, int group)
{
	int n = 0;

	for (size_t i = 0; i < I->np; i++)
		n += I->p[i]->alive && I->p[i]->vpid &&
		     (!group || I->p[i]->group == group);
	return n;
}

static void line(struct imp *I, char *s)
{
	long pid = 0;
	struct proc *p;
	char *name, *open, *eq, *joined = NULL;

	I->lines++;
	if (!strncmp(s, "[pid ", 5)) {
		pid = strtol(s + 5, &s, 10);
		if (*s == ']')
			s++;
	} else if (isdigit((unsigned char)*s)) {
		pid = strtol(s, &s, 10);
	}
	while (*s == ' ')
		s++;
	p = proc_of(I, pid, true);
	if (I->pass && I->started && !p->vpid)
		adopt(I, p);
	if (!strncmp(s, "+++ ", 4)) {
		if (p->vpid && (strstr(s, "exited") || strstr(s, "killed"))) {
			if (live(I, p->group) == 1)
				rec_maps(I->rec, p->vpid, NULL);
			rec_exit(I->rec, p->vpid, live(I, 0) == 1);
			p->alive = false;
		}
		return;
	}
	if (!strncmp(s, "---", 3))
		return;
	if (!strncmp(s, "<... ", 5)) {
		char *r = strstr(s, " resumed>");

		if (!r || !p->pending)
			return;
		r += 9;
		joined = malloc(strlen(p->pending) + strlen(r) + 1);
		if (!joined)
			abort();
		strcpy(joined, p->pending);
		strcat(joined, r);
		free(p->pending);
		p->pending = NULL;
		s = joined;
	} else if (strstr(s, "<unfinished ...>")) {
		*strstr(s, "<unfinished ...>") = 0;
		free(p->pending);
		p->pending = strdup(s);
		return;
	}
	name = s;
	open = strchr(s, '(');
	/* the result follows the last " = " (strace pads before it) */
	eq = NULL;
	for (char *q = s; (q = strstr(q, " = ")); q++)
		eq = q;
	if (!open || !eq || eq < open) {
		I->skipped++;
		free(joined);
		return;
	}
	{
		char *res = eq + 3;

		while (eq > open && eq[-1] == ' ')
			eq--;
		if (eq[-1] != ')') {
			I->skipped++;
			free(joined);
			return;
		}
		eq--;
		*open = 0;
		*eq = 0;
		call(I, p, name, open + 1, res);
	}
	free(joined);
}
static const char usage[] =
	"usage: vmsh import strace [-o FILE] [--cwd DIR] [--log-only] LOG\n";

static void forget_procs(struct imp *I)
{
	for (size_t i = 0; i < I->np; i++) {
		for (size_t j = 0; j < I->p[i]->nfds; j++)
			free(I->p[i]->fds[j].path);
		free(I->p[i]->fds);
		free(I->p[i]->pending);
		free(I->p[i]->cwd);
		free(I->p[i]);
	}
	free(I->p);
	I->p = NULL;
	I->np = 0;
	I->started = false;
	I->procs = I->threads = I->execs = 0;
	I->lines = I->skipped = 0;
}

/* One reading of the log's @n lines (each copied: line() cuts them). */
static void read_log(struct imp *I, char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *copy = strdup(lines[i]);

		if (!copy)
			abort();
		line(I, copy);
		free(copy);
	}
}

int vmsh_import_main(int argc, char **argv)
{
	struct imp I = { 0 };
	const char *outpath = NULL, *log = NULL;
	FILE *in, *out = stdout, *null;
	char *buf = NULL, **lines = NULL;
	size_t cap = 0, n = 0;
	char cwd[PATH_MAX];
	bool started;

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			outpath = argv[++i];
		else if (!strcmp(argv[i], "--cwd") && i + 1 < argc)
			I.cwd = argv[++i];
		else if (!strcmp(argv[i], "--log-only"))
			log_only = true;
		else if (!log && (argv[i][0] != '-' || !argv[i][1]))
			log = argv[i];
		else {
			fprintf(stderr, "vmsh import: unexpected '%s'\n%s", argv[i], usage);
			return 2;
		}
	}
	if (argc < 2 || strcmp(argv[1], "strace") || !log) {
		fprintf(stderr, "vmsh import: %s\n%s", argc < 2 ? "missing the format (strace)" :
			strcmp(argv[1], "strace") ? "only strace logs can be imported" :
			"missing the log file", usage);
		return 2;
	}
	if (I.cwd && I.cwd[0] != '/') {
		if (!realpath(I.cwd, cwd)) {
			fprintf(stderr, "vmsh import: --cwd %s: %s\n", I.cwd, strerror(errno));
			return 2;
		}
		I.cwd = cwd;
	}
	in = strcmp(log, "-") ? fopen(log, "r") : stdin;
	if (!in) {
		fprintf(stderr, "vmsh import: %s: %s\n", log, strerror(errno));
		return 1;
	}
	while (getline(&buf, &cap, in) > 0) {
		buf[strcspn(buf, "\n")] = 0;
		lines = realloc(lines, (n + 1) * sizeof(*lines));
		if (!lines || !(lines[n++] = strdup(buf)))
			abort();
	}
	free(buf);
	if (in != stdin)
		fclose(in);
	if (outpath && !(out = fopen(outpath, "w"))) {
		fprintf(stderr, "vmsh import: %s: %s\n", outpath, strerror(errno));
		return 1;
	}
	/* the first readings: who clones whom, what each execve's startup
	 * shows */
	null = fopen("/dev/null", "w");
	if (!null)
		abort();
	I.pass = 0;
	I.rec = rec_new(null, false);
	read_log(&I, lines, n);
	rec_free(I.rec);
	forget_procs(&I);
	I.pass = 1;
	I.rec = rec_new(null, false);
	read_log(&I, lines, n);
	rec_free(I.rec);
	fclose(null);
	forget_procs(&I);
	for (size_t i = 0; i < I.nkids; i++)
		I.kids[i].used = false;
	I.natt = 0;
	/* then the script */
	I.pass = 2;
	I.rec = rec_new(out, false);
	fprintf(out, "# vmsh import strace %s\nset zero-page off\n", log);
	read_log(&I, lines, n);
	fprintf(stderr, "vmsh import: %llu memory calls, %u processes, %u threads, %u execs from %llu lines\n",
		(unsigned long long)rec_calls(I.rec), I.procs, I.threads, I.execs,
		(unsigned long long)I.lines);
	rec_free(I.rec);
	started = I.started;
	forget_procs(&I);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	for (size_t i = 0; i < I.nex; i++) {
		free(I.ex[i].x.path);
		free(I.ex[i].maps);
	}
	free(I.ex);
	free(I.kids);
	free(I.seg);
	free(I.att);
	if (outpath && fclose(out) != 0)
		return 1;
	if (!started)
		fprintf(stderr, "vmsh import: %s: no successful execve in the log\n", log);
	return started ? 0 : 1;
}
