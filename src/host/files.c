/* SPDX-License-Identifier: MIT */
/*
 * --host: the simulated files (real files in the private directories) and
 * the /proc/PID/maps and smaps entries of the ranges a script made.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host-int.h"

/* ---- files --------------------------------------------------------------- */

/* The real path of simulated file @name, in @path (PATH_MAX bytes). */
static int name_path(struct host *h, const char *name, char *path)
{
	if (!name_ok(name))
		return -EINVAL;
	file_path(h, name, path, PATH_MAX);
	return 0;
}

int host_file_create(struct backend *be, const char *name, uint64_t size,
			    bool disk)
{
	struct host *h = to_host(be);
	char path[PATH_MAX];
	int fd, e = name_path(h, name, path);

	if (e)
		return e;
	if (access(path, F_OK) == 0)
		return -EEXIST;
	if (disk && !h->diskdir[0]) {
		e = session_dir(h, "/var/tmp", h->diskdir, sizeof(h->diskdir));
		if (e) {
			h->diskdir[0] = 0;
			return e;
		}
	}
	snprintf(path, sizeof(path), "%s/%s", disk ? h->diskdir : h->tmpdir, name);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0) {
		e = -errno;
		unlink(path);
	}
	close(fd);
	return e;
}

/*
 * Write (@write) or read @len bytes of file @name at @off from or into
 * @buf; @done counts them.  A write that makes no progress is -EIO; a read
 * stops at the end of the file.
 */
static int file_io(struct host *h, const char *name, bool write, uint64_t off,
		   uint8_t *buf, uint64_t len, uint64_t *done)
{
	char path[PATH_MAX];
	int fd, e = name_path(h, name, path);

	if (e)
		return e;
	fd = open(path, (write ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write ? pwrite(fd, buf, len, (off_t)off) :
				    pread(fd, buf, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			e = -errno;
		else if (n == 0 && write)
			e = -EIO;
		if (n <= 0)
			break;
		buf += n;
		off += (uint64_t)n;
		len -= (uint64_t)n;
		*done += (uint64_t)n;
	}
	close(fd);
	return e;
}

int host_file_write(struct backend *be, const char *name, uint64_t off,
			   const uint8_t *buf, uint64_t len)
{
	uint64_t done = 0;

	/* file_io() only reads @buf when it writes. */
	return file_io(to_host(be), name, true, off, (uint8_t *)buf, len, &done);
}

int host_file_read(struct backend *be, const char *name, uint64_t off,
			  uint8_t *buf, uint64_t len, uint64_t *done)
{
	*done = 0;
	return file_io(to_host(be), name, false, off, buf, len, done);
}

int host_file_truncate(struct backend *be, const char *name, uint64_t size)
{
	char path[PATH_MAX];
	int e = name_path(to_host(be), name, path);

	if (e)
		return e;
	return truncate(path, (off_t)size) < 0 ? -errno : 0;
}

int host_file_rm(struct backend *be, const char *name)
{
	char path[PATH_MAX];
	int e = name_path(to_host(be), name, path);

	if (e)
		return e;
	return unlink(path) < 0 ? -errno : 0;
}

int host_file_rename(struct backend *be, const char *from, const char *to)
{
	struct host *h = to_host(be);
	char src[PATH_MAX], dst[PATH_MAX];
	int e = name_path(h, from, src);

	if (!e)
		e = name_path(h, to, dst);
	if (e)
		return e;
	if (access(src, F_OK) < 0)
		return -errno;
	/* @to may be a disk file: it goes, the new one is where @from is */
	if (strcmp(src, dst) && access(dst, F_OK) == 0 && unlink(dst) < 0)
		return -errno;
	snprintf(dst, sizeof(dst), "%.*s/%s",
		 (int)(strrchr(src, '/') - src), src, to);
	return rename(src, dst) < 0 ? -errno : 0;
}

/* ---- maps and smaps ------------------------------------------------------ */

/* Print @line with the private directories shown as the model's /dev/shm. */
static void put_line(struct host *h, const char *line, FILE *out)
{
	const char *dirs[2] = { h->tmpdir, h->diskdir };

	for (int i = 0; i < 2; i++) {
		size_t n = strlen(dirs[i]);
		const char *p;

		if (!n || !(p = strstr(line, dirs[i])) || p[n] != '/')
			continue;
		fwrite(line, 1, (size_t)(p - line), out);
		fputs("/dev/shm", out);
		fputs(p + n, out);
		return;
	}
	fputs(line, out);
}

/* Parse "start-end " at the head of a maps line. */
static bool parse_head(const char *line, uint64_t *start, uint64_t *end)
{
	char *e;

	*start = strtoull(line, &e, 16);
	if (*e != '-')
		return false;
	*end = strtoull(e + 1, &e, 16);
	return *e == ' ';
}

static bool is_heap(const char *line)
{
	size_t n = strlen(line);

	return n >= 7 && !strcmp(line + n - 7, "[heap]\n");
}

static bool wanted(const struct hproc *p, const char *line, uint64_t s, uint64_t e)
{
	return range_hit(p, s, e) || (p->heap && is_heap(line));
}

static FILE *open_proc(struct htask *t, const char *what)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/%s", (int)t->proc->pid,
		 (int)t->tid, what);
	return fopen(path, "re");
}

/*
 * Print the entries of task @pid's /proc file @what ("maps" or "smaps")
 * that the script named, or with @one the entry holding @addr.  An entry
 * is a head line "start-end ..." (every line of maps is one) and the
 * lines after it.
 */
static int print_proc(struct backend *be, int pid, const char *what, bool one,
		      uint64_t addr, FILE *out)
{
	struct host *h = to_host(be);
	struct htask *t = task_get(h, pid);
	char *line = NULL;
	size_t cap = 0;
	bool show = false;
	FILE *f;

	if (!t)
		return -ESRCH;
	if (t->kthread)
		return 0;
	f = open_proc(t, what);
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		uint64_t s, e;

		if (parse_head(line, &s, &e)) {
			if (one)
				show = s <= addr && addr < e;
			else
				show = wanted(t->proc, line, s, e);
		}
		if (show)
			put_line(h, line, out);
	}
	free(line);
	fclose(f);
	return 0;
}

void track_failed(struct host *h, uint64_t start, uint64_t len)
{
	struct htask *t = task_get(h, 0);
	uint64_t end = start + len, cur = start & ~(uint64_t)4095, s, e;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	end = (end + 4095) & ~(uint64_t)4095;
	if (!len || end <= start || end > (1ULL << 47) || !t || t->kthread)
		return;
	f = open_proc(t, "maps");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0)
		if (parse_head(line, &s, &e) && e > cur && cur < end) {
			if (s > cur)
				break;          /* a gap: the call stopped here */
			cur = e;
		}
	free(line);
	fclose(f);
	if (cur > (start & ~(uint64_t)4095))
		track(h, start, (cur < end ? cur : end) - start);
}

int host_maps(struct backend *be, int pid, FILE *out)
{
	return print_proc(be, pid, "maps", false, 0, out);
}

/*
 * The kernel's own /proc/PID/pagemap (read as root: PFNs shown) and
 * /proc/kpageflags of each present frame, cut to the bits the model keeps
 * (VMSH_KPF_MODELLED; bit 34 only as an anonymous page's anon_exclusive,
 * not a file page's mappedtodisk).
 */
int host_pagemap(struct backend *be, int pid, uint64_t addr, uint64_t n,
		 uint64_t *pm, uint64_t *kpf)
{
	struct host *h = to_host(be);
	struct htask *t = task_get(h, pid);
	char path[64];
	ssize_t got;
	uint64_t nr;
	int fd, kf;

	if (!t)
		return -ESRCH;
	if (t->kthread || !n)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/pagemap",
		 (int)t->proc->pid, (int)t->tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	got = pread(fd, pm, n * 8, (off_t)((addr >> 12) * 8));
	close(fd);
	if (got < 0)
		return (addr >> 12) * 8 > (uint64_t)INT64_MAX ? 0 : -errno;
	nr = (uint64_t)got / 8;
	kf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	for (uint64_t i = 0; i < nr; i++) {
		uint64_t pfn = pm[i] & VMSH_PM_FRAME_MASK, f = 0;

		if (kf >= 0 && (pm[i] & VMSH_PM_PRESENT) && pfn &&
		    pread(kf, &f, 8, (off_t)(pfn * 8)) == 8) {
			if (!(f & (1ULL << VMSH_KPF_ANON)))
				f &= ~(1ULL << VMSH_KPF_OWNER_2);
			f &= VMSH_KPF_MODELLED;
		}
		kpf[i] = f;
	}
	if (kf >= 0)
		close(kf);
	return (int)nr;
}

int host_smaps(struct backend *be, int pid, bool one, uint64_t addr,
		      FILE *out)
{
	return print_proc(be, pid, "smaps", one, addr, out);
}
