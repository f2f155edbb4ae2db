/* SPDX-License-Identifier: MIT */
/*
 * The command table and the handlers.
 *
 * Invariants
 *  - shell_commands[] is the only list of commands: dispatch, `help`, tab
 *    completion and the man page (checked by tests/golden/check-man) all
 *    read it.
 *  - A handler consumes and checks all of its words (arg_* helpers, then
 *    arg_end) before it calls the backend or the engine, so a parse error
 *    changes nothing.  It returns 0, or -1 once it has printed the error.
 *  - Memory, task and file commands go through sh->be (the model or the
 *    running kernel); inspection commands read the engine directly and are
 *    refused with --host.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dot.h"
#include "print.h"
#include "shell.h"

#define CHUNK 65536

static struct backend *BE(struct args *a)
{
	return a->sh->be;
}

static FILE *OUT(struct args *a)
{
	return a->sh->out;
}

static int fail(struct args *a, int err)
{
	sh_errno(a->sh, a->name, err);
	return -1;
}

static bool sandboxed(struct args *a)
{
	if (a->sh->sandbox)
		fail(a, -EPERM);
	return a->sh->sandbox;
}

static bool too_long(struct args *a, uint64_t len)
{
	if (a->sh->sandbox && len > (1U << 20)) {
		fail(a, -E2BIG);
		return true;
	}
	return false;
}

/* An access that returned: an errno, a signal line, or nothing. */
static int access_result(struct args *a, int ret, const struct vmsh_fault *f)
{
	if (ret < 0)
		return fail(a, ret);
	if (ret > 0)
		print_fault(OUT(a), f, a->sh->color);
	return 0;
}

static void yield(struct args *a, uint64_t v, bool hex)
{
	a->yields = true;
	a->value = v;
	a->hex = hex;
}

/* ---- memory calls --------------------------------------------------------- */

static int cmd_mmap(struct args *a)
{
	uint64_t addr, len, off = 0, res = 0;
	int prot, flags, ret;
	const char *file = NULL;

	if (arg_addr(a, "ADDR", &addr) || arg_num(a, "LEN", &len) ||
	    arg_prot(a, &prot) || arg_flags(a, &flags))
		return -1;
	if (arg_more(a)) {
		if (arg_word(a, "FILE", &file))
			return -1;
		if (arg_more(a) && arg_num(a, "OFFSET", &off))
			return -1;
	}
	if (arg_end(a))
		return -1;
	ret = BE(a)->ops->mmap(BE(a), addr, len, prot, flags, file, off, &res);
	if (ret < 0)
		return fail(a, ret);
	fprintf(OUT(a), "0x%llx\n", (unsigned long long)res);
	yield(a, res, true);
	return 0;
}

static int cmd_munmap(struct args *a)
{
	uint64_t addr, len;
	int ret;

	if (arg_addr(a, "ADDR", &addr) || arg_num(a, "LEN", &len) || arg_end(a))
		return -1;
	ret = BE(a)->ops->munmap(BE(a), addr, len);
	return ret < 0 ? fail(a, ret) : 0;
}

static int cmd_mprotect(struct args *a)
{
	uint64_t addr, len;
	int prot, ret;

	if (arg_addr(a, "ADDR", &addr) || arg_num(a, "LEN", &len) ||
	    arg_prot(a, &prot) || arg_end(a))
		return -1;
	ret = BE(a)->ops->mprotect(BE(a), addr, len, prot);
	return ret < 0 ? fail(a, ret) : 0;
}

static int cmd_mremap(struct args *a)
{
	uint64_t addr, old_len, new_len, new_addr = 0, res = 0;
	int flags = 0, ret;

	if (arg_addr(a, "ADDR", &addr) || arg_num(a, "OLDLEN", &old_len) ||
	    arg_num(a, "NEWLEN", &new_len))
		return -1;
	while (arg_more(a)) {
		if (arg_keyword(a, "maymove")) {
			flags |= VMSH_MREMAP_MAYMOVE;
		} else if (arg_keyword(a, "dontunmap")) {
			flags |= 4;
		} else if (arg_keyword(a, "fixed")) {
			flags |= VMSH_MREMAP_FIXED;
			if (arg_addr(a, "NEWADDR", &new_addr))
				return -1;
		} else {
			char q[96];

			quote_word(a->tok[a->i].text, a->tok[a->i].len, q, sizeof(q));
			sh_parse_error(a->sh, "mremap: expected 'maymove' or 'fixed NEWADDR', got '%s'", q);
			return -1;
		}
	}
	ret = BE(a)->ops->mremap(BE(a), addr, old_len, new_len, flags, new_addr, &res);
	if (ret < 0)
		return fail(a, ret);
	fprintf(OUT(a), "0x%llx\n", (unsigned long long)res);
	yield(a, res, true);
	return 0;
}

static int cmd_madvise(struct args *a)
{
	uint64_t addr, len;
	int advice, ret;

	if (arg_addr(a, "ADDR", &addr) || arg_num(a, "LEN", &len) ||
	    arg_advice(a, &advice) || arg_end(a))
		return -1;
	ret = BE(a)->ops->madvise(BE(a), addr, len, advice);
	return ret < 0 ? fail(a, ret) : 0;
}

static int cmd_brk(struct args *a)
{
	uint64_t addr = 0, res = 0;
	int ret;

	if (arg_more(a) && arg_addr(a, "ADDR", &addr))
		return -1;
	if (arg_end(a))
		return -1;
	ret = BE(a)->ops->brk(BE(a), addr, &res);
	if (ret < 0)
		return fail(a, ret);
	fprintf(OUT(a), "0x%llx\n", (unsigned long long)res);
	yield(a, res, true);
	return 0;
}

static int cmd_msync(struct args *a)
{
	uint64_t addr, len;
	int ret;

	if (arg_addr(a, "ADDR", &addr) || arg_num(a, "LEN", &len) || arg_end(a))
		return -1;
	ret = BE(a)->ops->msync(BE(a), addr, len);
	return ret < 0 ? fail(a, ret) : 0;
}

/* ---- memory accesses ------------------------------------------------------ */

static int cmd_touch(struct args *a)
{
	uint64_t addr, len = 1;
	struct vmsh_fault f = { 0 };

	if (arg_addr(a, "ADDR", &addr))
		return -1;
	if (arg_more(a) && arg_num(a, "LEN", &len))
		return -1;
	if (arg_end(a) || too_long(a, len))
		return -1;
	return access_result(a, BE(a)->ops->touch(BE(a), addr, len, &f), &f);
}

static int cmd_write(struct args *a)
{
	uint64_t addr, len, byte = 0x5a, done = 0;
	struct vmsh_fault f = { 0 };
	const struct token *s = NULL;
	int ret;

	if (arg_addr(a, "ADDR", &addr))
		return -1;
	if (a->i < a->n && a->tok[a->i].quoted) {
		s = &a->tok[a->i++];
		len = s->len;
	} else {
		if (arg_num(a, "LEN", &len))
			return -1;
		if (arg_more(a)) {
			if (arg_num(a, "BYTE", &byte))
				return -1;
			if (byte > 255) {
				sh_parse_error(a->sh, "write: BYTE must be 0..255, got %llu",
					       (unsigned long long)byte);
				return -1;
			}
		}
	}
	if (arg_end(a) || too_long(a, len))
		return -1;
	ret = BE(a)->ops->write(BE(a), addr, s ? (const uint8_t *)s->text : NULL,
				(uint8_t)byte, len, &done, &f);
	return access_result(a, ret, &f);
}

static int cmd_read(struct args *a)
{
	uint64_t addr, len, pos = 0;
	struct vmsh_fault f = { 0 };
	struct hexdump h;
	uint8_t *buf;
	int ret = 0;

	if (arg_addr(a, "ADDR", &addr) || arg_num(a, "LEN", &len) || arg_end(a))
		return -1;
	if (too_long(a, len))
		return -1;
	buf = malloc(CHUNK);
	if (!buf)
		abort();
	hexdump_init(&h, OUT(a), 16, addr);
	while (pos < len) {
		uint64_t n = len - pos < CHUNK ? len - pos : CHUNK, done = 0;

		ret = BE(a)->ops->read(BE(a), addr + pos, buf, n, &done, &f);
		if (done > n)
			done = n;
		if (ret >= 0)
			hexdump_feed(&h, buf, done);
		if (ret != 0)
			break;
		pos += n;
	}
	free(buf);
	hexdump_finish(&h);
	return access_result(a, ret, &f);
}

/* ---- tasks ---------------------------------------------------------------- */

static int child_result(struct args *a, int ret, int child)
{
	if (ret < 0)
		return fail(a, ret);
	fprintf(OUT(a), "child pid %d\n", child);
	yield(a, (uint64_t)child, false);
	return 0;
}

static int cmd_fork(struct args *a)
{
	int child = 0, ret;

	if (arg_end(a))
		return -1;
	ret = BE(a)->ops->fork(BE(a), &child);
	return child_result(a, ret, child);
}

static int cmd_clone(struct args *a)
{
	int child = 0, ret;

	if (!arg_keyword(a, "vm")) {
		char q[96];

		if (!arg_more(a)) {
			sh_parse_error(a->sh, "clone: missing 'vm' (only `clone vm`, a thread, is modelled)");
		} else {
			quote_word(a->tok[a->i].text, a->tok[a->i].len, q, sizeof(q));
			sh_parse_error(a->sh, "clone: expected 'vm', got '%s'", q);
		}
		return -1;
	}
	if (arg_end(a))
		return -1;
	ret = BE(a)->ops->clone_vm(BE(a), &child);
	return child_result(a, ret, child);
}

static int cmd_kthread(struct args *a)
{
	int child = 0, ret;

	if (arg_end(a))
		return -1;
	ret = BE(a)->ops->kthread(BE(a), &child);
	return child_result(a, ret, child);
}

static int cmd_execve(struct args *a)
{
	int ret;

	if (arg_end(a))
		return -1;
	ret = BE(a)->ops->execve(BE(a));
	return ret < 0 ? fail(a, ret) : 0;
}

static int cmd_kill(struct args *a)
{
	int pid = 0, ret;

	if (arg_more(a) && arg_pid(a, &pid))
		return -1;
	if (arg_end(a))
		return -1;
	ret = BE(a)->ops->kill(BE(a), pid);
	return ret < 0 ? fail(a, ret) : 0;
}

static int cmd_switch(struct args *a)
{
	int pid, ret;
	uint64_t cpu = (uint64_t)-1;

	if (arg_pid(a, &pid))
		return -1;
	if (arg_more(a)) {
		if (arg_num(a, "CPU", &cpu))
			return -1;
		if (cpu > 4096) {
			sh_parse_error(a->sh, "switch: CPU %llu is too large",
				       (unsigned long long)cpu);
			return -1;
		}
	}
	if (arg_end(a))
		return -1;
	ret = BE(a)->ops->switch_to(BE(a), pid, cpu == (uint64_t)-1 ? -1 : (int)cpu);
	return ret < 0 ? fail(a, ret) : 0;
}

static const char *kind_name(enum vmsh_task_kind k)
{
	switch (k) {
	case VMSH_TASK_PROCESS: return "process";
	case VMSH_TASK_THREAD: return "thread";
	case VMSH_TASK_KTHREAD: return "kthread";
	}
	return "?";
}

static int cmd_ps(struct args *a)
{
	struct vmsh_task_info t;
	char mm[32];

	if (arg_end(a))
		return -1;
	fprintf(OUT(a), "  PID  PPID KIND        MM MM_USERS MM_COUNT  VMAS   RSS CPU\n");
	for (size_t i = 0; vmsh_task_info(a->sh->sys, i, &t); i++) {
		if (t.mm_id)
			snprintf(mm, sizeof(mm), "%u", t.mm_id);
		else if (t.active_mm_id)
			snprintf(mm, sizeof(mm), "(%u)", t.active_mm_id);
		else
			snprintf(mm, sizeof(mm), "-");
		fprintf(OUT(a), "%c%4d %5d %-7s %6s %8d %8d %5llu %5llu %3d\n",
			t.current ? '*' : ' ', t.pid, t.ppid, kind_name(t.kind), mm,
			t.mm_users, t.mm_count, (unsigned long long)t.map_count,
			(unsigned long long)t.rss_pages, t.cpu);
	}
	return 0;
}

/* ---- files and devices ---------------------------------------------------- */

static int file_dump(struct args *a, const char *name, uint64_t off, uint64_t len)
{
	struct hexdump h;
	uint8_t *buf = malloc(CHUNK);
	uint64_t pos = 0;
	int ret = 0;

	if (!buf)
		abort();
	hexdump_init(&h, OUT(a), 8, off);
	while (pos < len) {
		uint64_t n = len - pos < CHUNK ? len - pos : CHUNK, done = 0;

		ret = BE(a)->ops->file_read(BE(a), name, off + pos, buf, n, &done);
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
	return ret < 0 ? fail(a, ret) : 0;
}

static int file_load(struct args *a, const char *name, const char *path)
{
	FILE *in;
	uint8_t *buf;
	uint64_t off = 0;
	long size;
	int ret;

	if (sandboxed(a))
		return -1;
	in = fopen(path, "rb");

	if (!in)
		return fail(a, -errno);
	if (fseek(in, 0, SEEK_END) < 0 || (size = ftell(in)) < 0) {
		ret = -errno;
		fclose(in);
		return fail(a, ret);
	}
	rewind(in);
	ret = BE(a)->ops->file_create(BE(a), name, (uint64_t)size, false);
	if (ret == -EEXIST)
		ret = BE(a)->ops->file_truncate(BE(a), name, (uint64_t)size);
	buf = malloc(CHUNK);
	if (!buf)
		abort();
	while (ret == 0) {
		size_t n = fread(buf, 1, CHUNK, in);

		if (!n)
			break;
		ret = BE(a)->ops->file_write(BE(a), name, off, buf, n);
		off += n;
	}
	free(buf);
	fclose(in);
	return ret < 0 ? fail(a, ret) : 0;
}

static int file_save(struct args *a, const char *name, const char *path)
{
	FILE *out;
	uint8_t *buf;
	uint64_t off = 0, done;
	int ret;

	if (sandboxed(a))
		return -1;
	buf = malloc(CHUNK);
	if (!buf)
		abort();
	/* check the file exists before creating the host file */
	ret = BE(a)->ops->file_read(BE(a), name, 0, buf, 0, &done);
	if (ret < 0) {
		free(buf);
		return fail(a, ret);
	}
	out = fopen(path, "wb");
	if (!out) {
		ret = -errno;
		free(buf);
		return fail(a, ret);
	}
	for (;;) {
		done = 0;
		ret = BE(a)->ops->file_read(BE(a), name, off, buf, CHUNK, &done);
		if (ret < 0 || !done)
			break;
		if (fwrite(buf, 1, done, out) != done) {
			ret = -errno;
			break;
		}
		off += done;
	}
	free(buf);
	if (fclose(out) != 0 && ret == 0)
		ret = -errno;
	return ret < 0 ? fail(a, ret) : 0;
}

static int file_ls(struct args *a)
{
	struct vmsh_file_info fi;
	char sz[32];

	if (!a->sh->sys) {
		sh_model_only(a->sh, "file ls");
		return -1;
	}
	fprintf(OUT(a), "NAME                 SIZE   INO CACHED  DIRTY MAPS KIND\n");
	for (size_t i = 0; vmsh_file_info(a->sh->sys, i, &fi); i++)
		fprintf(OUT(a), "%-16s %8s %5lu %6llu %6llu %4d %s\n", fi.name,
			size_str(fi.size, sz, sizeof(sz)), fi.ino,
			(unsigned long long)fi.cached_pages,
			(unsigned long long)fi.dirty_pages, fi.mapcount,
			fi.disk ? "disk" : "tmpfs");
	return 0;
}

static int cmd_file(struct args *a)
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
		if (arg_more(a) && !(disk = arg_keyword(a, "disk"))) {
			char q[96];

			quote_word(a->tok[a->i].text, a->tok[a->i].len, q, sizeof(q));
			sh_parse_error(a->sh, "file create: expected 'disk', got '%s'", q);
			return -1;
		}
		if (arg_end(a))
			return -1;
		ret = BE(a)->ops->file_create(BE(a), name, size, disk);
		return ret < 0 ? fail(a, ret) : 0;
	}
	if (arg_keyword(a, "write")) {
		a->name = "file write";
		if (arg_word(a, "NAME", &name) || arg_num(a, "OFFSET", &off) ||
		    arg_string(a, "DATA", &data) || arg_end(a))
			return -1;
		ret = BE(a)->ops->file_write(BE(a), name, off,
					     (const uint8_t *)data->text, data->len);
		return ret < 0 ? fail(a, ret) : 0;
	}
	if (arg_keyword(a, "read")) {
		a->name = "file read";
		if (arg_word(a, "NAME", &name) || arg_num(a, "OFFSET", &off) ||
		    arg_num(a, "LEN", &len) || arg_end(a) || too_long(a, len))
			return -1;
		return file_dump(a, name, off, len);
	}
	if (arg_keyword(a, "truncate")) {
		a->name = "file truncate";
		if (arg_word(a, "NAME", &name) || arg_num(a, "SIZE", &size) ||
		    arg_end(a))
			return -1;
		ret = BE(a)->ops->file_truncate(BE(a), name, size);
		return ret < 0 ? fail(a, ret) : 0;
	}
	if (arg_keyword(a, "ls")) {
		a->name = "file ls";
		if (arg_end(a))
			return -1;
		return file_ls(a);
	}
	if (arg_keyword(a, "rm")) {
		a->name = "file rm";
		if (arg_word(a, "NAME", &name) || arg_end(a))
			return -1;
		ret = BE(a)->ops->file_rm(BE(a), name);
		return ret < 0 ? fail(a, ret) : 0;
	}
	if (arg_keyword(a, "load") || arg_keyword(a, "save")) {
		bool load = !strcasecmp(a->tok[a->i - 1].text, "load");

		a->name = load ? "file load" : "file save";
		if (arg_word(a, "NAME", &name) || arg_word(a, "HOSTPATH", &path) ||
		    arg_end(a))
			return -1;
		return load ? file_load(a, name, path) : file_save(a, name, path);
	}
	{
		char q[96];

		quote_word(a->tok[a->i].text, a->tok[a->i].len, q, sizeof(q));
		sh_parse_error(a->sh, "file: unknown subcommand '%s' (create, write, read, truncate, ls, rm, load, save)", q);
	}
	return -1;
}

static int cmd_dev(struct args *a)
{
	struct vmsh_dev_info d;

	if (arg_more(a) && !arg_keyword(a, "ls")) {
		char q[96];

		quote_word(a->tok[a->i].text, a->tok[a->i].len, q, sizeof(q));
		sh_parse_error(a->sh, "dev: unknown subcommand '%s' (ls)", q);
		return -1;
	}
	if (arg_end(a))
		return -1;
	for (size_t i = 0; vmsh_dev_info(a->sh->sys, i, &d); i++)
		fprintf(OUT(a), "%-16s %s\n", d.path, d.description ? d.description : "");
	return 0;
}

/* ---- inspection ----------------------------------------------------------- */

static int opt_pid(struct args *a, int *pid)
{
	*pid = 0;
	if (arg_more(a) && arg_pid(a, pid))
		return -1;
	return 0;
}

static int known_pid(struct args *a, int pid)
{
	if (pid != 0 && !BE(a)->ops->task_exists(BE(a), pid))
		return fail(a, -ESRCH);
	return 0;
}

static int cmd_maps(struct args *a)
{
	int pid, ret;

	if (opt_pid(a, &pid) || arg_end(a))
		return -1;
	ret = BE(a)->ops->maps(BE(a), pid, OUT(a));
	return ret < 0 ? fail(a, ret) : 0;
}

static int cmd_smaps(struct args *a)
{
	uint64_t x, addr = 0;
	int pid = 0, ret;
	bool one = false;

	if (arg_more(a)) {
		if (arg_num(a, "PID or ADDR", &x))
			return -1;
		if (arg_more(a)) {
			if (x > 0x7fffffff) {
				sh_parse_error(a->sh, "smaps: PID %llu is too large",
					       (unsigned long long)x);
				return -1;
			}
			pid = (int)x;
			if (arg_addr(a, "ADDR", &addr))
				return -1;
			one = true;
		} else if (x < 65536) {
			/* below mmap_min_addr: nothing can be mapped there */
			pid = (int)x;
		} else {
			addr = x;
			one = true;
		}
	}
	if (arg_end(a))
		return -1;
	ret = BE(a)->ops->smaps(BE(a), pid, one, addr, OUT(a));
	return ret < 0 ? fail(a, ret) : 0;
}

static int cmd_vmas(struct args *a)
{
	struct vmsh_vma_info v;
	char sz[32], fl[256];
	int pid;

	if (opt_pid(a, &pid) || arg_end(a) || known_pid(a, pid))
		return -1;
	fprintf(OUT(a), "%-29s %6s %-4s %10s %8s %5s %5s %-18s %s\n", "RANGE", "SIZE",
		"PERM", "VM_FLAGS", "PGOFF", "ANON", "RSS", "VM_OPS", "NAME");
	for (size_t i = 0; vmsh_vma_info(a->sh->sys, pid, i, &v); i++) {
		char range[40], anon[16], line[512];
		int n;

		snprintf(range, sizeof(range), "%012llx-%012llx",
			 (unsigned long long)v.start, (unsigned long long)v.end);
		if (v.anon_vma_id)
			snprintf(anon, sizeof(anon), "%u", v.anon_vma_id);
		else
			snprintf(anon, sizeof(anon), "-");
		vmsh_vmflags_str(v.flags, fl, sizeof(fl));
		n = snprintf(line, sizeof(line), "%-29s %6s %c%c%c%c %#10llx %8llx %5s %5llu %-18s %s",
			range, size_str(v.end - v.start, sz, sizeof(sz)),
			v.flags & 1 ? 'r' : '-', v.flags & 2 ? 'w' : '-',
			v.flags & 4 ? 'x' : '-', v.flags & 0x80 ? 's' : 'p',
			(unsigned long long)v.flags, (unsigned long long)v.pgoff,
			anon, (unsigned long long)v.rss_pages,
			v.vm_ops ? v.vm_ops : "NULL", v.name ? v.name : "");
		while (n > 0 && (size_t)n < sizeof(line) && line[n - 1] == ' ')
			line[--n] = '\0';
		fprintf(OUT(a), "%s\n", line);
	}
	print_vma_bar(a->sh->sys, pid, OUT(a), a->sh->color);
	return 0;
}

static int cmd_walk(struct args *a)
{
	uint64_t addr;
	struct vmsh_walk w;
	int pid = 0, ret;
	char bits[128];

	if (arg_addr(a, "ADDR", &addr) || opt_pid(a, &pid) || arg_end(a) ||
	    known_pid(a, pid))
		return -1;
	memset(&w, 0, sizeof(w));
	ret = vmsh_walk(a->sh->sys, pid, addr, &w);
	if (ret < 0)
		return fail(a, ret);
	if (w.end == VMSH_WALK_NO_MM) {
		fprintf(OUT(a), "walk 0x%llx: the task has no mm (kernel thread)\n",
			(unsigned long long)addr);
		return 0;
	}
	if (w.end == VMSH_WALK_NONCANONICAL) {
		fprintf(OUT(a), "walk 0x%llx: not a canonical user address\n",
			(unsigned long long)addr);
		return 0;
	}
	fprintf(OUT(a), "walk 0x%llx\n", (unsigned long long)addr);
	for (int i = 0; i < w.nsteps && i < 5; i++) {
		const struct vmsh_walk_step *s = &w.step[i];
		bool leaf = s->level && !strcmp(s->level, "PTE");

		vmsh_pte_bits_str(s->entry, leaf, bits, sizeof(bits));
		fprintf(OUT(a), "  %-3s index %3u  table pfn 0x%-6llx entry %016llx%s%s\n",
			s->level ? s->level : "?", s->index,
			(unsigned long long)s->table_pfn,
			(unsigned long long)s->entry, bits[0] ? "  " : "", bits);
	}
	switch (w.end) {
	case VMSH_WALK_MAPPED:
		fprintf(OUT(a), "  -> pfn 0x%llx, physical address 0x%llx\n",
			(unsigned long long)w.pfn, (unsigned long long)w.phys);
		break;
	case VMSH_WALK_NOT_PRESENT:
		fprintf(OUT(a), "  stops at %s: entry not present\n",
			w.nsteps > 0 && w.step[w.nsteps - 1].level ?
			w.step[w.nsteps - 1].level : "PGD");
		break;
	case VMSH_WALK_PROTNONE:
		fprintf(OUT(a), "  stops at PTE: PROT_NONE entry (not present to the MMU)\n");
		break;
	default:
		break;
	}
	return 0;
}

struct pt_ctx {
	FILE *out;
	unsigned long count;
};

static void pt_line(void *ctx, int depth, const char *level, uint64_t va,
		    unsigned index, uint64_t entry)
{
	struct pt_ctx *c = ctx;
	char bits[128];

	vmsh_pte_bits_str(entry, level && !strcmp(level, "PTE"), bits, sizeof(bits));
	fprintf(c->out, "%*s%s[%u] va 0x%llx entry %016llx%s%s\n", depth * 2, "",
		level ? level : "?", index, (unsigned long long)va,
		(unsigned long long)entry, bits[0] ? " " : "", bits);
	c->count++;
}

static int cmd_pt(struct args *a)
{
	uint64_t x[3], start = 0, end = UINT64_MAX;
	size_t n = a->n - a->i;
	int pid = 0, ret;
	struct pt_ctx c = { OUT(a), 0 };

	if (n > 3) {
		a->i += 3;
		return arg_end(a);
	}
	for (size_t k = 0; k < n; k++) {
		static const char *const what1[] = { "PID" };
		static const char *const what2[] = { "ADDR", "LEN" };
		static const char *const what3[] = { "PID", "ADDR", "LEN" };
		const char *w = n == 1 ? what1[k] : n == 2 ? what2[k] : what3[k];

		if (!strcmp(w, "ADDR") ? arg_addr(a, w, &x[k]) : arg_num(a, w, &x[k]))
			return -1;
	}
	if (n == 1 || n == 3) {
		if (x[0] > 0x7fffffff) {
			sh_parse_error(a->sh, "pt: PID %llu is too large",
				       (unsigned long long)x[0]);
			return -1;
		}
		pid = (int)x[0];
	}
	if (n >= 2) {
		start = x[n - 2];
		end = x[n - 1] > UINT64_MAX - start ? UINT64_MAX : start + x[n - 1];
	}
	if (known_pid(a, pid))
		return -1;
	ret = vmsh_pt_walk(a->sh->sys, pid, start, end, pt_line, &c);
	return ret < 0 ? fail(a, ret) : 0;
}

static void tree_line(void *ctx, int depth, char side, bool red,
		      uint64_t start, uint64_t end, uint64_t gap)
{
	FILE *out = ctx;

	fprintf(out, "%*s%c %-5s [0x%llx, 0x%llx) gap 0x%llx\n", depth * 2, "",
		side ? side : '-', red ? "red" : "black",
		(unsigned long long)start, (unsigned long long)end,
		(unsigned long long)gap);
}

static int cmd_tree(struct args *a)
{
	int pid, ret;

	if (opt_pid(a, &pid) || arg_end(a) || known_pid(a, pid))
		return -1;
	ret = vmsh_tree_walk(a->sh->sys, pid, tree_line, OUT(a));
	return ret < 0 ? fail(a, ret) : 0;
}

static int cmd_mm(struct args *a)
{
	struct vmsh_mm_info m;
	int pid, ret;
	FILE *o = OUT(a);
	char b[32];

	if (opt_pid(a, &pid) || arg_end(a) || known_pid(a, pid))
		return -1;
	memset(&m, 0, sizeof(m));
	ret = vmsh_mm_info(a->sh->sys, pid, &m);
	if (ret < 0)
		return fail(a, ret);
#define P(name, v) fprintf(o, "  %-15s %llu\n", name, (unsigned long long)(v))
#define PG(name, v) fprintf(o, "  %-15s %llu pages (%s)\n", name, \
			    (unsigned long long)(v), size_str((v) * VMSH_PAGE_SIZE, b, sizeof(b)))
#define X(name, v) fprintf(o, "  %-15s 0x%llx\n", name, (unsigned long long)(v))
	fprintf(o, "mm %u\n", m.id);
	P("mm_users", m.mm_users);
	P("mm_count", m.mm_count);
	P("map_count", m.map_count);
	PG("total_vm", m.total_vm);
	PG("locked_vm", m.locked_vm);
	PG("data_vm", m.data_vm);
	PG("exec_vm", m.exec_vm);
	PG("stack_vm", m.stack_vm);
	PG("rss_file", m.rss_file);
	PG("rss_anon", m.rss_anon);
	PG("rss_shmem", m.rss_shmem);
	PG("rss_swap", m.rss_swap);
	PG("hiwater_rss", m.hiwater_rss);
	X("pgd (pfn)", m.pgd_pfn);
	P("pgtables_bytes", m.pgtables_bytes);
	X("task_size", m.task_size);
	X("mmap_base", m.mmap_base);
	X("start_brk", m.start_brk);
	X("brk", m.brk);
	X("start_stack", m.start_stack);
#undef P
#undef PG
#undef X
	return 0;
}

static int cmd_tlb(struct args *a)
{
	struct vmsh_tlb_entry_info e;
	const char *name;
	uint64_t v;

	if (arg_end(a))
		return -1;
	print_tlb_cpus(a->sh->sys, OUT(a));
	fprintf(OUT(a), "CPU SET WAY ASID VPN             PFN        BITS\n");
	for (size_t i = 0; vmsh_tlb_entry(a->sh->sys, i, &e); i++)
		fprintf(OUT(a), "%3d %3u %3u %4u %-15llx %-10llx %s%s%s%s%s\n",
			e.cpu, e.set, e.way, e.asid, (unsigned long long)e.vpn,
			(unsigned long long)e.pfn, e.writable ? "RW " : "RO ",
			e.user ? "US " : "", e.nx ? "NX " : "", e.accessed ? "A " : "",
			e.dirty ? "D" : "");
	for (size_t i = 0; vmsh_stat(a->sh->sys, i, &name, &v); i++)
		if (!strncmp(name, "tlb", 3))
			fprintf(OUT(a), "%s %llu\n", name, (unsigned long long)v);
	return 0;
}

static int cmd_frames(struct args *a)
{
	struct vmsh_frame_info fr;

	if (arg_end(a))
		return -1;
	fprintf(OUT(a), "PFN       REF  MAP OWNER                DIRTY EXCL\n");
	for (size_t i = 0; vmsh_frame_info(a->sh->sys, i, &fr); i++)
		fprintf(OUT(a), "0x%06llx %4d %4d %-20s %-5s %s\n",
			(unsigned long long)fr.pfn, fr.refcount, fr.mapcount,
			fr.owner ? fr.owner : "?", fr.dirty ? "yes" : "no",
			fr.exclusive ? "yes" : "no");
	return 0;
}

static int cmd_stat(struct args *a)
{
	const char *name;
	uint64_t v;

	if (arg_end(a))
		return -1;
	for (size_t i = 0; vmsh_stat(a->sh->sys, i, &name, &v); i++)
		fprintf(OUT(a), "%s %llu\n", name, (unsigned long long)v);
	return 0;
}

static void trace_out(void *ctx, const char *line)
{
	struct shell *sh = ctx;

	fprintf(sh->out, "  %s\n", line);
}

static int cmd_trace(struct args *a)
{
	bool on;

	if (arg_keyword(a, "on")) {
		on = true;
	} else if (arg_keyword(a, "off")) {
		on = false;
	} else {
		char q[96];

		if (!arg_more(a)) {
			fprintf(OUT(a), "trace %s\n", a->sh->trace ? "on" : "off");
			return 0;
		}
		quote_word(a->tok[a->i].text, a->tok[a->i].len, q, sizeof(q));
		sh_parse_error(a->sh, "trace: expected 'on' or 'off', got '%s'", q);
		return -1;
	}
	if (arg_end(a))
		return -1;
	a->sh->trace = on;
	vmsh_sys_set_trace(a->sh->sys, on ? trace_out : NULL, a->sh);
	return 0;
}

static int cmd_dot(struct args *a)
{
	const char *what, *path;
	int pid = 0, ret;
	FILE *f;

	if (!(arg_keyword(a, "tree") || arg_keyword(a, "pt") || arg_keyword(a, "vmas"))) {
		char q[96];

		if (!arg_more(a)) {
			sh_parse_error(a->sh, "dot: missing what to draw (tree, pt or vmas)");
		} else {
			quote_word(a->tok[a->i].text, a->tok[a->i].len, q, sizeof(q));
			sh_parse_error(a->sh, "dot: expected tree, pt or vmas, got '%s'", q);
		}
		return -1;
	}
	what = a->tok[a->i - 1].text;
	if (arg_word(a, "FILE", &path) || opt_pid(a, &pid) || arg_end(a) ||
	    known_pid(a, pid))
		return -1;
	if (!strcmp(path, "-")) {
		fflush(OUT(a));
		ret = dot_write(a->sh->sys, what, pid, OUT(a));
		return ret < 0 ? fail(a, ret) : 0;
	}
	if (sandboxed(a))
		return -1;
	f = fopen(path, "w");
	if (!f)
		return fail(a, -errno);
	ret = dot_write(a->sh->sys, what, pid, f);
	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	return ret < 0 ? fail(a, ret) : 0;
}

static int cmd_check(struct args *a)
{
	char buf[512];
	int n;

	if (arg_end(a))
		return -1;
	buf[0] = '\0';
	n = vmsh_check(a->sh->sys, buf, sizeof(buf));
	if (n == 0) {
		fprintf(OUT(a), "ok\n");
		return 0;
	}
	if (n < 0)
		return fail(a, n);
	fprintf(OUT(a), "check: %d problem%s: %s\n", n, n == 1 ? "" : "s", buf);
	a->sh->failed = true;
	return -1;
}

/* ---- shell built-ins ------------------------------------------------------ */

static int cmd_help(struct args *a)
{
	const char *name;
	const struct command *c;

	if (!arg_more(a)) {
		for (size_t i = 0; i < shell_ncommands; i++) {
			c = &shell_commands[i];
			if (command_section(c))
				fprintf(OUT(a), "%s%s:\n", i ? "\n" : "", command_section(c));
			fprintf(OUT(a), "  %-9s %s\n", c->name, c->summary);
		}
		fprintf(OUT(a), "\nhelp CMD describes one.  Numbers: 4096, 0x1000, 0b1, 0o7, 64K, 2M; $var, $var+N, $var-N.\n"
			"PROT: rw-, r-x, ---, none, PROT_READ|PROT_WRITE.  "
			"FLAGS: private|shared|anon|fixed|noreplace|populate|...\n");
		return 0;
	}
	if (arg_word(a, "CMD", &name) || arg_end(a))
		return -1;
	c = command_find(name);
	if (!c) {
		char q[96];

		quote_word(name, strlen(name), q, sizeof(q));
		sh_parse_error(a->sh, "help: unknown command '%s'", q);
		return -1;
	}
	fprintf(OUT(a), "usage: %s%s%s\n  %s\n", c->name, c->args[0] ? " " : "",
		c->args, c->summary);
	if (c->help)
		fprintf(OUT(a), "%s\n", c->help);
	return 0;
}

static int cmd_echo(struct args *a)
{
	/* evaluate every $var first: an error prints nothing */
	for (size_t i = a->i; i < a->n; i++) {
		const struct token *t = &a->tok[i];
		uint64_t v;

		if (!t->quoted && t->text[0] == '$' && t->text[1] &&
		    eval_number(a->sh, t, "echo", "$VAR", &v))
			return -1;
	}
	for (size_t i = a->i; i < a->n; i++) {
		const struct token *t = &a->tok[i];

		if (!t->quoted && t->text[0] == '$' && t->text[1]) {
			uint64_t v;
			struct shell_var *var;
			char name[64];
			size_t n = strspn(t->text + 1,
					  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

			if (eval_number(a->sh, t, "echo", "$VAR", &v))
				return -1;
			snprintf(name, sizeof(name), "%.*s", (int)(n < 63 ? n : 63), t->text + 1);
			var = var_find(a->sh, name);
			if (var && !var->hex)
				fprintf(OUT(a), "%llu", (unsigned long long)v);
			else
				fprintf(OUT(a), "0x%llx", (unsigned long long)v);
		} else {
			fwrite(t->text, 1, t->len, OUT(a));
		}
		if (i + 1 < a->n)
			fputc(' ', OUT(a));
	}
	fputc('\n', OUT(a));
	a->i = a->n;
	return 0;
}

static int cmd_source(struct args *a)
{
	const char *path;
	int ret;

	if (arg_word(a, "FILE", &path) || arg_end(a))
		return -1;
	if (sandboxed(a))
		return -1;
	if (a->sh->depth >= 32) {
		sh_error(a->sh, "source: %s: nested too deeply (32 levels)", path);
		return -1;
	}
	ret = shell_run_file(a->sh, path);
	if (ret < 0)
		return fail(a, ret);
	return 0;
}

static int cmd_set(struct args *a)
{
	const char *name, *value;
	char err[256];
	bool rebuild = false;
	struct vmsh_config old = a->sh->cfg;

	if (!arg_more(a)) {
		shell_list_options(a->sh, OUT(a));
		return 0;
	}
	if (arg_word(a, "NAME", &name) || arg_word(a, "VALUE", &value) ||
	    arg_end(a))
		return -1;
	if (shell_set_option(a->sh, name, value, &rebuild, err, sizeof(err)) < 0) {
		sh_parse_error(a->sh, "set: %s", err);
		return -1;
	}
	if (!a->sh->sys)
		return 0;
	if (rebuild) {
		fprintf(OUT(a), "set: %s changes the machine: rebuilding it (tasks, memory and files start afresh)\n",
			name);
		if (!shell_new_machine(a->sh)) {
			a->sh->cfg = old;
			sh_error(a->sh, "set: %s %s: the machine cannot be built with it",
				 name, value);
			return -1;
		}
		return 0;
	}
	{
		int ret = vmsh_sys_set_config(a->sh->sys, &a->sh->cfg);

		if (ret < 0) {
			a->sh->cfg = old;
			return fail(a, ret);
		}
	}
	return 0;
}

static int cmd_reset(struct args *a)
{
	if (arg_end(a))
		return -1;
	if (!a->sh->sys) {
		sh_model_only(a->sh, "reset");
		return -1;
	}
	vars_clear(a->sh);
	if (!shell_new_machine(a->sh)) {
		sh_error(a->sh, "reset: the machine cannot be built");
		return -1;
	}
	return 0;
}

static int cmd_exit(struct args *a)
{
	uint64_t status = 0;

	if (arg_more(a) && arg_num(a, "STATUS", &status))
		return -1;
	if (arg_end(a))
		return -1;
	a->sh->stop = true;
	a->sh->status = (int)(status & 255);
	return 0;
}

/* ---- the table ------------------------------------------------------------ */

static const char *const kw_prot_flags[] = {
	"rw-", "r--", "r-x", "rwx", "---", "none", "PROT_READ", "PROT_WRITE",
	"PROT_EXEC", "PROT_NONE", "private", "shared", "anonymous", "anon",
	"fixed", "fixed_noreplace", "noreplace", "populate", "noreserve",
	"locked", "growsdown", "NULL", "/dev/zero", NULL
};
static const char *const kw_prot[] = {
	"rw-", "r--", "r-x", "rwx", "---", "none", "PROT_READ", "PROT_WRITE",
	"PROT_EXEC", "PROT_NONE", NULL
};
static const char *const kw_mremap[] = { "maymove", "fixed", NULL };
static const char *const kw_advice[] = {
	"dontneed", "willneed", "dontfork", "dofork", "wipeonfork",
	"keeponfork", "normal", "random", "sequential", "free", NULL
};
static const char *const kw_clone[] = { "vm", NULL };
static const char *const kw_file[] = {
	"create", "write", "read", "truncate", "ls", "rm", "load", "save",
	"disk", NULL
};
static const char *const kw_dev[] = { "ls", NULL };
static const char *const kw_onoff[] = { "on", "off", NULL };
static const char *const kw_dot[] = { "tree", "pt", "vmas", NULL };

const struct command shell_commands[] = {
	/* memory calls */
	{ "mmap", "ADDR LEN PROT FLAGS [FILE [OFFSET]]",
	  "map memory (do_mmap); prints and yields the address",
	  "  ADDR 0 or NULL: no hint.  PROT: rw-, r-x, ---, none, PROT_READ|PROT_WRITE.\n"
	  "  FLAGS: private, shared, anonymous/anon, fixed, fixed_noreplace/noreplace,\n"
	  "  populate, noreserve, locked, growsdown, joined by | or ','.\n"
	  "  FILE: a simulated file (file create) or a device (/dev/zero, dev ls).\n"
	  "  Example: buf = mmap NULL 64K rw- private|anon",
	  cmd_mmap, kw_prot_flags, false, true },
	{ "munmap", "ADDR LEN", "unmap a range (do_munmap), splitting VMAs as needed",
	  "  Unmapping a range with no mapping in it succeeds.  ADDR must be page\n"
	  "  aligned (else EINVAL); LEN is rounded up to pages.",
	  cmd_munmap, NULL, false, false },
	{ "mprotect", "ADDR LEN PROT", "change the protection of a range",
	  "  Fails with ENOMEM where the range has a hole; like Linux it leaves the\n"
	  "  VMAs before the hole changed.  EACCES when a shared file mapping opened\n"
	  "  read-only would become writable.",
	  cmd_mprotect, kw_prot, false, false },
	{ "mremap", "ADDR OLDLEN NEWLEN [maymove] [fixed NEWADDR]",
	  "grow, shrink or move a mapping; prints and yields the new address",
	  "  maymove: the mapping may move when it cannot grow in place.\n"
	  "  fixed NEWADDR: move it there (needs maymove, as MREMAP_FIXED does).\n"
	  "  Example: p = mremap $p 8K 64K maymove",
	  cmd_mremap, kw_mremap, false, true },
	{ "madvise", "ADDR LEN ADVICE",
	  "give advice: dontneed, willneed, dontfork, dofork, wipeonfork, keeponfork",
	  "  dontneed drops the pages (anonymous private memory reads back as\n"
	  "  zeroes); dontfork/dofork and wipeonfork/keeponfork change what fork\n"
	  "  copies.  ADVICE may also be a number, passed as is.",
	  cmd_madvise, kw_advice, false, false },
	{ "brk", "[ADDR]", "move the program break; prints and yields the break",
	  "  Without ADDR, or with 0, prints the current break.  Like the system\n"
	  "  call it never fails: it prints the old break when it cannot move.",
	  cmd_brk, NULL, false, true },
	{ "msync", "ADDR LEN", "write dirty shared file pages back to the file",
	  NULL, cmd_msync, NULL, false, false },
	/* memory accesses */
	{ "touch", "ADDR [LEN]",
	  "read the first byte of the range and of every page start after it",
	  "  A read access: page faults, zero page or fresh frames, SIGSEGV/SIGBUS\n"
	  "  lines when the access would fault on Linux.",
	  cmd_touch, NULL, false, false },
	{ "write", "ADDR \"STRING\" | ADDR LEN [BYTE]",
	  "store the bytes of STRING, or fill LEN bytes with BYTE (default 0x5a)",
	  "  A store of the bytes of STRING (C escapes, no terminating NUL) or LEN\n"
	  "  bytes of BYTE.  Stops at the first fault and prints the signal.",
	  cmd_write, NULL, false, false },
	{ "read", "ADDR LEN", "print memory as hexdump -C does",
	  "  Prints the bytes as hexdump -C -v does, lines labelled with 16-digit\n"
	  "  virtual addresses and a last line with the end address; on a fault the\n"
	  "  bytes read so far, then the signal line.  Memory of a device whose\n"
	  "  driver has vm_ops->access (/dev/vmsh-lazy) is read through it, as a\n"
	  "  debugger reads it: no page is faulted in.",
	  cmd_read, NULL, false, false },
	/* tasks */
	{ "fork", "", "copy the mm with copy-on-write; prints and yields the child pid",
	  "  copy_mm: the child gets a copy of every VMA (but dontfork ones), private\n"
	  "  pages shared read-only until one side writes.  The shell stays in the\n"
	  "  parent: `switch PID` to run the child.  Example: child = fork",
	  cmd_fork, NULL, false, true },
	{ "clone", "vm", "a thread sharing the mm (CLONE_VM); yields the child pid",
	  "  The child shares the mm (mm_users + 1): a thread.",
	  cmd_clone, kw_clone, false, true },
	{ "kthread", "", "a kernel thread: no mm, borrows active_mm; yields its pid",
	  "  A kernel thread has no mm; switched to, it borrows the previous task's\n"
	  "  (active_mm, mm_count + 1).  Memory calls on it fail with EFAULT.",
	  cmd_kthread, NULL, false, true },
	{ "execve", "", "give the current task a fresh mm (initial layout)",
	  NULL, cmd_execve, NULL, false, false },
	{ "kill", "[PID]", "the task exits (default: the current one)",
	  "  The task exits: mm_users - 1, and the mm is torn down at 0.  When the\n"
	  "  current task exits the shell switches to the lowest remaining pid.\n"
	  "  The last task is not killed: EPERM (with --host too).",
	  cmd_kill, NULL, false, false },
	{ "switch", "PID [CPU]", "context switch to PID on CPU",
	  "  A context switch: the TLB of CPU is flushed unless --pcid tags it.",
	  cmd_switch, NULL, false, false },
	{ "ps", "", "list tasks: pid, ppid, kind, mm, mm_users, mm_count, VMAs, RSS",
	  NULL, cmd_ps, NULL, true, false },
	/* files and devices */
	{ "file", "create NAME SIZE [disk] | write NAME OFFSET \"DATA\" | read NAME OFFSET LEN | truncate NAME SIZE | ls | rm NAME | load NAME HOSTPATH | save NAME HOSTPATH",
	  "simulated files (tmpfs-like, or disk-backed)",
	  "  Simulated files behave like files on tmpfs: the page cache is the file.\n"
	  "  `disk` files are write-notified and cleaned by msync.\n"
	  "  file read prints a hexdump with 8-digit file offsets.",
	  cmd_file, kw_file, false, false },
	{ "dev", "[ls]", "list the devices that can be mapped",
	  NULL, cmd_dev, kw_dev, true, false },
	/* inspection */
	{ "maps", "[PID]", "print /proc/PID/maps", NULL, cmd_maps, NULL, false, false },
	{ "smaps", "[PID] [ADDR]", "print /proc/PID/smaps (of the VMA at ADDR only)",
	  "  With one number: a PID when below 65536, else an ADDR of the current\n"
	  "  task.",
	  cmd_smaps, NULL, false, false },
	{ "vmas", "[PID]", "the VMAs as a table, with vm_flags, anon_vma, vm_ops",
	  NULL, cmd_vmas, NULL, true, false },
	{ "walk", "ADDR [PID]", "the page-table walk of ADDR, level by level",
	  "  Each level's name, index, table frame, raw entry and its bits, then the\n"
	  "  PFN and physical address, or where and why the walk stops.",
	  cmd_walk, NULL, true, false },
	{ "pt", "[PID] [ADDR LEN]", "every present page-table entry, as a tree",
	  "  With one number: PID; two: ADDR LEN; three: PID ADDR LEN.",
	  cmd_pt, NULL, true, false },
	{ "tree", "[PID]", "the VMA red-black tree: colours, keys, subtree gaps",
	  NULL, cmd_tree, NULL, true, false },
	{ "mm", "[PID]", "the mm_struct: counters, rss, pgd, layout",
	  NULL, cmd_mm, NULL, true, false },
	{ "tlb", "", "TLB entries and hit/miss/flush counters",
	  NULL, cmd_tlb, NULL, true, false },
	{ "frames", "", "physical frames in use: refcount, mapcount, owner",
	  NULL, cmd_frames, NULL, true, false },
	{ "stat", "", "event counters in /proc/vmstat style",
	  NULL, cmd_stat, NULL, true, false },
	{ "trace", "on|off", "print the kernel paths taken as they happen",
	  "  Each kernel path taken (do_mmap, vma_merge, split_vma, handle_mm_fault,\n"
	  "  do_wp_page, flush_tlb_range, ...) is printed, indented, as it happens.\n"
	  "  Without an argument, says whether tracing is on.",
	  cmd_trace, kw_onoff, true, false },
	{ "dot", "tree|pt|vmas FILE [PID]", "write a Graphviz drawing ('-': stdout)",
	  "  Render with Graphviz: dot -Tsvg FILE > out.svg",
	  cmd_dot, kw_dot, true, false },
	{ "check", "", "validate every invariant of every mm; prints ok or the problem",
	  NULL, cmd_check, NULL, true, false },
	/* shell */
	{ "help", "[CMD]", "list the commands, or describe one",
	  NULL, cmd_help, NULL, false, false },
	{ "echo", "WORDS...", "print the words ($var as its value)",
	  NULL, cmd_echo, NULL, false, false },
	{ "source", "FILE", "run the commands of FILE", NULL, cmd_source, NULL, false, false },
	{ "set", "[NAME VALUE]", "show the options, or change one",
	  "  Options: levels, ram, tlb, pcid, cpus, zero-page, fault-around,\n"
	  "  max-map-count, aslr, lazy-flush, errexit, echo, color.\n"
	  "  levels, ram, tlb and cpus rebuild the machine.",
	  cmd_set, NULL, false, false },
	{ "reset", "", "rebuild the machine from the current options",
	  NULL, cmd_reset, NULL, false, false },
	{ "exit", "[STATUS]", "leave vmsh", NULL, cmd_exit, NULL, false, false },
	{ "quit", "[STATUS]", "leave vmsh", NULL, cmd_exit, NULL, false, false },
};

const size_t shell_ncommands = sizeof(shell_commands) / sizeof(shell_commands[0]);

/* Headings of the command table's groups, by their first command. */
static const struct { const char *first, *title; } sections[] = {
	{ "mmap", "Memory calls of the current task" },
	{ "touch", "Memory accesses of the current task" },
	{ "fork", "Tasks" },
	{ "file", "Files and devices" },
	{ "maps", "Inspection" },
	{ "help", "Shell" },
};

const char *command_section(const struct command *c)
{
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (!strcmp(sections[i].first, c->name))
			return sections[i].title;
	return NULL;
}

static void roff_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '-')
			fputs("\\-", out);
		else if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '"')
			fputs("\\(dq", out);
		else
			fputc(*s, out);
	}
}

void commands_man(FILE *out)
{
	for (size_t i = 0; i < shell_ncommands; i++) {
		const struct command *c = &shell_commands[i];
		const char *sec = command_section(c);

		if (sec)
			fprintf(out, ".SS %s\n", sec);
		fputs(".TP\n\\fB", out);
		roff_text(out, c->name);
		fputs("\\fR", out);
		if (c->args[0]) {
			fputs(" \\fI", out);
			roff_text(out, c->args);
			fputs("\\fR", out);
		}
		fputc('\n', out);
		roff_text(out, c->summary);
		fputs(".\n", out);
		if (c->help) {
			const char *p = c->help;

			fputs(".br\n", out);
			while (*p) {
				size_t n = strcspn(p, "\n");
				char line[512];

				while (*p == ' ' && n) {
					p++;
					n--;
				}
				snprintf(line, sizeof(line), "%.*s", (int)n, p);
				roff_text(out, line);
				fputc('\n', out);
				p += n;
				if (*p == '\n')
					p++;
			}
		}
	}
}

const struct command *command_find(const char *name)
{
	for (size_t i = 0; i < shell_ncommands; i++)
		if (!strcmp(shell_commands[i].name, name))
			return &shell_commands[i];
	return NULL;
}
