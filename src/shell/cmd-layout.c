/* SPDX-License-Identifier: MIT */
/*
 * layout: the current task's layout as a recording of a real process
 * sets it (vmsh/layout.h): stack, brk, mmap_base, special mappings,
 * files at absolute paths and SysV segments; shmctl ID rmid.  Model-only.
 */
#include "config.h"

#include "commands.h"

#define SUBS "stack, brk, mmap_base, special, file, shm, shmat"

int cmd_layout(struct args *a)
{
	const char *what, *name = NULL;
	uint64_t x = 0, y = 0, z = 0;
	bool disk = false;
	int ret;

	if (!arg_more(a) || a->tok[a->i].quoted) {
		sh_parse_error(a->sh, arg_more(a) ?
			       "layout: expected a subcommand (" SUBS "), got a string" :
			       "layout: missing a subcommand (" SUBS ")");
		return -1;
	}
	if (arg_keyword(a, "stack")) {
		what = "stack";
		a->name = "layout stack";
		if (arg_addr(a, "START", &x) || arg_addr(a, "END", &y))
			return -1;
	} else if (arg_keyword(a, "brk")) {
		what = "brk";
		a->name = "layout brk";
		if (arg_addr(a, "START", &x))
			return -1;
		y = x;
		if (arg_more(a) && arg_addr(a, "BRK", &y))
			return -1;
	} else if (arg_keyword(a, "mmap_base")) {
		what = "mmap_base";
		a->name = "layout mmap_base";
		if (arg_addr(a, "ADDR", &x))
			return -1;
	} else if (arg_keyword(a, "special")) {
		what = "special";
		a->name = "layout special";
		if (arg_word(a, "NAME", &name) || arg_addr(a, "START", &x) ||
		    arg_addr(a, "END", &y))
			return -1;
	} else if (arg_keyword(a, "file")) {
		what = "file";
		a->name = "layout file";
		if (arg_word(a, "PATH", &name) || arg_num(a, "SIZE", &x))
			return -1;
		if (arg_more(a) && !(disk = arg_keyword(a, "disk")))
			return cmd_bad_word(a, "layout file: expected 'disk', got ", "");
	} else if (arg_keyword(a, "shmat")) {
		what = "shmat";
		a->name = "layout shmat";
		if (arg_num(a, "ID", &x) || arg_addr(a, "ADDR", &y))
			return -1;
		if (arg_more(a) && !(disk = arg_keyword(a, "rdonly")))
			return cmd_bad_word(a, "layout shmat: expected 'rdonly', got ", "");
	} else if (arg_keyword(a, "shm")) {
		what = "shm";
		a->name = "layout shm";
		if (arg_num(a, "ID", &x) || arg_num(a, "KEY", &y) || arg_num(a, "SIZE", &z))
			return -1;
	} else {
		return cmd_bad_word(a, "layout: expected a subcommand (" SUBS "), got ", "");
	}
	if (arg_end(a))
		return -1;
	if (!be(a)->ops->model) {
		sh_model_only(a->sh, a->name);
		return -1;
	}
	ret = be(a)->ops->model->layout(be(a), what, name, x, y, z, disk);
	return ret < 0 ? cmd_fail(a, ret) : 0;
}

int cmd_shmctl(struct args *a)
{
	uint64_t id;
	int ret;

	if (arg_num(a, "ID", &id))
		return -1;
	if (!arg_more(a)) {
		sh_parse_error(a->sh, "shmctl: missing the command (rmid)");
		return -1;
	}
	if (!arg_keyword(a, "rmid"))
		return cmd_bad_word(a, "shmctl: expected 'rmid', got ", "");
	if (arg_end(a))
		return -1;
	if (!be(a)->ops->model) {
		sh_model_only(a->sh, a->name);
		return -1;
	}
	ret = be(a)->ops->model->layout(be(a), "rmid", NULL, id, 0, 0, false);
	return ret < 0 ? cmd_fail(a, ret) : 0;
}
