/* SPDX-License-Identifier: MIT */
/*
 * Files and devices: the file subcommands (create, write, read, truncate,
 * ls, rm, load, save) and dev ls.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#include "commands.h"
#include "views.h"

static int file_dump(struct args *a, const char *name, uint64_t off, uint64_t len)
{
	struct hexdump h;
	uint8_t *buf = malloc(CHUNK);
	uint64_t pos = 0;
	int ret = 0;

	if (!buf)
		abort();
	if (a->sh->json)
		hexdump_init_json(&h, out(a), "offset", off);
	else
		hexdump_init(&h, out(a), 8, off);
	while (pos < len) {
		uint64_t n = len - pos < CHUNK ? len - pos : CHUNK, done = 0;

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

static int file_load(struct args *a, const char *name, const char *path)
{
	FILE *in;
	uint8_t *buf;
	uint64_t off = 0;
	long size;
	int ret;

	if (cmd_sandboxed(a))
		return -1;
	a->obj = path;          /* the host file, until it is read */
	in = fopen(path, "rb");

	if (!in)
		return cmd_fail(a, -errno);
	if (fseek(in, 0, SEEK_END) < 0 || (size = ftell(in)) < 0) {
		ret = -errno;
		fclose(in);
		return cmd_fail(a, ret);
	}
	rewind(in);
	a->obj = name;
	ret = be(a)->ops->file_create(be(a), name, (uint64_t)size, false);
	if (ret == -EEXIST)
		ret = be(a)->ops->file_truncate(be(a), name, (uint64_t)size);
	buf = malloc(CHUNK);
	if (!buf)
		abort();
	while (ret == 0) {
		size_t n = fread(buf, 1, CHUNK, in);

		if (!n)
			break;
		ret = be(a)->ops->file_write(be(a), name, off, buf, n);
		off += n;
	}
	free(buf);
	fclose(in);
	return ret < 0 ? cmd_fail(a, ret) : 0;
}

static int file_save(struct args *a, const char *name, const char *path)
{
	FILE *dst;
	uint8_t *buf;
	uint64_t off = 0, done;
	int ret;

	if (cmd_sandboxed(a))
		return -1;
	buf = malloc(CHUNK);
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
	dst = fopen(path, "wb");
	if (!dst) {
		ret = -errno;
		free(buf);
		return cmd_fail(a, ret);
	}
	for (;;) {
		done = 0;
		ret = be(a)->ops->file_read(be(a), name, off, buf, CHUNK, &done);
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
