/* SPDX-License-Identifier: MIT */
/*
 * Files and devices: the file subcommands (create, write, read, truncate,
 * ls, rm, load, save) and dev ls.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "views.h"

/*
 * The loops below (read, load, save) go a page at a time and stop at a
 * Ctrl-C between pages (interactive runs only: batch runs die of SIGINT),
 * with one line saying where; what was done stays done, as for touch.
 */

/* Bytes from @off to the next page boundary, at most @left. */
static uint64_t to_page_end(uint64_t off, uint64_t left)
{
	uint64_t n = VMSH_PAGE_SIZE - (off & (VMSH_PAGE_SIZE - 1));

	return n < left ? n : left;
}

static int file_dump(struct args *a, const char *name, uint64_t off, uint64_t len)
{
	struct hexdump h;
	uint8_t *buf = malloc(VMSH_PAGE_SIZE);
	uint64_t pos = 0;
	int ret = 0;

	if (!buf)
		abort();
	if (a->sh->json)
		hexdump_init_json(&h, out(a), "offset", off);
	else
		hexdump_init(&h, out(a), 8, off);
	while (pos < len) {
		uint64_t n = to_page_end(off + pos, len - pos), done = 0;

		if (shell_interrupt) {
			free(buf);
			hexdump_finish(&h);
			sh_interrupted(a->sh, a->name, " at offset 0x%llx; the bytes before it were printed",
				       (unsigned long long)(off + pos));
			return -1;
		}

		ret = be(a)->ops->file_read(be(a), name, off + pos, buf, n, &done);
		if (ret < 0)
			break;
		if (done > n)
			done = n;
		hexdump_feed(&h, buf, done);
		if (done < n)
			break;
		pos += n;
	}
	free(buf);
	hexdump_finish(&h);
	return ret < 0 ? cmd_fail(a, ret) : 0;
}

/* A host file vmsh reads or writes must be a regular file: a device
 * (/dev/zero, /dev/urandom) never ends, a FIFO blocks, a symlink may
 * lead to either. */
static int not_regular(struct args *a, const char *path, const struct stat *st)
{
	char q[256];

	quote_word(path, strlen(path), q, sizeof(q));
	sh_error(a->sh, "%s: '%s' is not a regular file", a->name, q);
	a->sh->res.err = -EINVAL;
	return -1;
}

/*
 * file load: the host file's contents go into a new file under a
 * temporary name, which replaces NAME only once all of it is in: a
 * failure (ENOSPC, a read error) leaves NAME as it was.
 */
static int file_load(struct args *a, const char *name, const char *path)
{
	struct stat st;
	char tmp[64];
	uint8_t *buf;
	uint64_t off = 0;
	int fd, ret;

	if (cmd_sandboxed(a))
		return -1;
	a->obj = path;          /* the host file, until it is read */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return cmd_fail(a, -errno);
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		close(fd);
		return cmd_fail(a, ret);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return not_regular(a, path, &st);
	}
	a->obj = name;
	for (unsigned i = 0;; i++) {
		snprintf(tmp, sizeof(tmp), ".vmsh-load-%u", i);
		ret = be(a)->ops->file_create(be(a), tmp, (uint64_t)st.st_size, false);
		if (ret != -EEXIST)
			break;
	}
	if (ret < 0) {
		close(fd);
		return cmd_fail(a, ret);
	}
	buf = malloc(VMSH_PAGE_SIZE);
	if (!buf)
		abort();
	while (ret == 0) {
		ssize_t n;

		if (shell_interrupt) {
			ret = -EINTR;
			break;
		}
		n = read(fd, buf, VMSH_PAGE_SIZE);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0) {
				ret = -errno;
				a->obj = path;
			}
			break;
		}
		ret = be(a)->ops->file_write(be(a), tmp, off, buf, (uint64_t)n);
		off += (uint64_t)n;
	}
	free(buf);
	close(fd);
	if (ret == 0)
		ret = be(a)->ops->file_rename(be(a), tmp, name);
	if (ret < 0) {
		be(a)->ops->file_rm(be(a), tmp);
		if (ret == -EINTR) {
			sh_interrupted(a->sh, a->name, " after %llu of %llu bytes; %s is as it was before the load",
				       (unsigned long long)off,
				       (unsigned long long)st.st_size, name);
			return -1;
		}
		return cmd_fail(a, ret);
	}
	return 0;
}

int host_target_check(struct args *a, const char *path)
{
	struct stat st;

	/* what exists must be a regular file (a symlink counts by what it
	 * leads to): nothing else is opened for writing */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return not_regular(a, path, &st);
	return 0;
}

static int file_save(struct args *a, const char *name, const char *path)
{
	FILE *dst;
	uint8_t *buf;
	uint64_t off = 0, done;
	int ret;

	if (cmd_sandboxed(a))
		return -1;
	buf = malloc(VMSH_PAGE_SIZE);
	if (!buf)
		abort();
	/* check the file exists before creating the host file */
	a->obj = name;
	ret = be(a)->ops->file_read(be(a), name, 0, buf, 0, &done);
	if (ret < 0) {
		free(buf);
		return cmd_fail(a, ret);
	}
	a->obj = path;
	if (host_target_check(a, path) < 0) {
		free(buf);
		return -1;
	}
	dst = fopen(path, "wb");
	if (!dst) {
		ret = -errno;
		free(buf);
		return cmd_fail(a, ret);
	}
	for (;;) {
		if (shell_interrupt) {
			ret = -EINTR;
			break;
		}
		done = 0;
		ret = be(a)->ops->file_read(be(a), name, off, buf, VMSH_PAGE_SIZE, &done);
		if (ret < 0 || !done)
			break;
		if (fwrite(buf, 1, done, dst) != done) {
			ret = -errno;
			break;
		}
		off += done;
	}
	free(buf);
	if (fclose(dst) != 0 && ret == 0)
		ret = -errno;
	if (ret == -EINTR) {
		sh_interrupted(a->sh, a->name, " after %llu bytes; %s holds the bytes before it",
			       (unsigned long long)off, path);
		return -1;
	}
	return ret < 0 ? cmd_fail(a, ret) : 0;
}

/* file ls and dev ls: views only the model has (their commands are not). */
static int list(struct args *a, enum backend_view v)
{
	struct backend_view_args args = { 0 };

	return cmd_view(a, v, &args);
}

int cmd_file(struct args *a)
{
	static char sub[32];
	const char *name = NULL, *path = NULL;
	const struct token *data;
	uint64_t off, len, size;
	int ret;

	if (!arg_more(a) || a->tok[a->i].quoted) {
		if (!arg_more(a))
			sh_parse_error(a->sh, "file: missing a subcommand (create, write, read, truncate, ls, rm, load, save)");
		else
			sh_parse_error(a->sh, "file: expected a subcommand (create, write, read, truncate, ls, rm, load, save), got a string");
		return -1;
	}
	snprintf(sub, sizeof(sub), "file %.20s", a->tok[a->i].text);
	if (arg_keyword(a, "create")) {
		bool disk = false;

		a->name = "file create";
		if (arg_word(a, "NAME", &name) || arg_num(a, "SIZE", &size))
			return -1;
		if (arg_more(a) && !(disk = arg_keyword(a, "disk")))
			return cmd_bad_word(a, "file create: expected 'disk', got ", "");
		if (arg_end(a))
			return -1;
		a->obj = name;
		ret = be(a)->ops->file_create(be(a), name, size, disk);
		return ret < 0 ? cmd_fail(a, ret) : 0;
	}
	if (arg_keyword(a, "write")) {
		a->name = "file write";
		if (arg_word(a, "NAME", &name) || arg_num(a, "OFFSET", &off) ||
		    arg_string(a, "DATA", &data) || arg_end(a))
			return -1;
		a->obj = name;
		ret = be(a)->ops->file_write(be(a), name, off,
					     (const uint8_t *)data->text, data->len);
		return ret < 0 ? cmd_fail(a, ret) : 0;
	}
	if (arg_keyword(a, "read")) {
		a->name = "file read";
		if (arg_word(a, "NAME", &name) || arg_num(a, "OFFSET", &off) ||
		    arg_num(a, "LEN", &len) || arg_end(a) || cmd_too_long(a, len))
			return -1;
		a->obj = name;
		return file_dump(a, name, off, len);
	}
	if (arg_keyword(a, "truncate")) {
		a->name = "file truncate";
		if (arg_word(a, "NAME", &name) || arg_num(a, "SIZE", &size) ||
		    arg_end(a))
			return -1;
		a->obj = name;
		ret = be(a)->ops->file_truncate(be(a), name, size);
		return ret < 0 ? cmd_fail(a, ret) : 0;
	}
	if (arg_keyword(a, "ls")) {
		a->name = "file ls";
		if (arg_end(a))
			return -1;
		return list(a, BV_FILES);
	}
	if (arg_keyword(a, "rm")) {
		a->name = "file rm";
		if (arg_word(a, "NAME", &name) || arg_end(a))
			return -1;
		a->obj = name;
		ret = be(a)->ops->file_rm(be(a), name);
		return ret < 0 ? cmd_fail(a, ret) : 0;
	}
	if (arg_keyword(a, "load") || arg_keyword(a, "save")) {
		bool load = !strcasecmp(a->tok[a->i - 1].text, "load");

		a->name = load ? "file load" : "file save";
		if (arg_word(a, "NAME", &name) || arg_word(a, "HOSTPATH", &path) ||
		    arg_end(a))
			return -1;
		return load ? file_load(a, name, path) : file_save(a, name, path);
	}
	return cmd_bad_word(a, "file: unknown subcommand ",
			    " (create, write, read, truncate, ls, rm, load, save)");
}

int cmd_dev(struct args *a)
{
	a->name = "dev ls";
	if (arg_more(a) && !arg_keyword(a, "ls"))
		return cmd_bad_word(a, "dev: unknown subcommand ", " (ls)");
	if (arg_end(a))
		return -1;
	return list(a, BV_DEVS);
}
