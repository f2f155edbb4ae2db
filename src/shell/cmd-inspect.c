/* SPDX-License-Identifier: MIT */
/*
 * Inspection commands: /proc/PID/maps and smaps (the model or the host),
 * and the views only the model has (vmas, walk, pt, tree, mm, tlb, frames,
 * stat, dot, check) with the trace switch.  The views print; these
 * handlers only parse and ask the backend.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "views.h"

/* maps or smaps text of the backend; in JSON its JSON form. */
static int proc_view(struct args *a, bool smaps, int pid, bool one,
		     uint64_t addr)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	if (!a->sh->json)
		return smaps ? be(a)->ops->smaps(be(a), pid, one, addr, out(a)) :
			       be(a)->ops->maps(be(a), pid, out(a));
	f = open_memstream(&buf, &len);
	if (!f)
		abort();
	ret = smaps ? be(a)->ops->smaps(be(a), pid, one, addr, f) :
		      be(a)->ops->maps(be(a), pid, f);
	fclose(f);
	if (ret >= 0)
		view_json_proc(buf, len, smaps, pid ? pid :
			       be(a)->ops->current_pid(be(a)), out(a));
	free(buf);
	return ret;
}

int cmd_maps(struct args *a)
{
	int pid, ret;

	if (cmd_opt_pid(a, &pid) || arg_end(a))
		return -1;
	ret = proc_view(a, false, pid, false, 0);
	return ret < 0 ? cmd_fail(a, ret) : 0;
}

int cmd_smaps(struct args *a)
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
	ret = proc_view(a, true, pid, one, addr);
	return ret < 0 ? cmd_fail(a, ret) : 0;
}

/* A view of task [PID] (default: the current one). */
static int show_task(struct args *a, enum backend_view v)
{
	struct backend_view_args args = { .color = a->sh->color };

	if (cmd_opt_pid(a, &args.pid) || arg_end(a))
		return -1;
	return cmd_view(a, v, &args);
}

/* A view of the whole machine: no argument. */
static int show_machine(struct args *a, enum backend_view v)
{
	struct backend_view_args args = { 0 };

	if (arg_end(a))
		return -1;
	return cmd_view(a, v, &args);
}

int cmd_vmas(struct args *a)
{
	return show_task(a, BV_VMAS);
}

int cmd_tree(struct args *a)
{
	return show_task(a, BV_TREE);
}

int cmd_mt(struct args *a)
{
	return show_task(a, BV_MT);
}

int cmd_mm(struct args *a)
{
	return show_task(a, BV_MM);
}

int cmd_tlb(struct args *a)
{
	return show_machine(a, BV_TLB);
}

int cmd_frames(struct args *a)
{
	return show_machine(a, BV_FRAMES);
}

int cmd_stat(struct args *a)
{
	return show_machine(a, BV_STAT);
}

int cmd_meminfo(struct args *a)
{
	return show_machine(a, BV_MEMINFO);
}

/* lru [LIST]: the LRU lists, or the one named. */
int cmd_lru(struct args *a)
{
	struct backend_view_args args = { 0 };

	if (arg_more(a)) {
		int l;

		if (arg_word(a, "LRU list", &args.what))
			return -1;
		for (l = 0; vmsh_lru_name(l); l++)
			if (!strcmp(args.what, vmsh_lru_name(l)))
				break;
		if (!vmsh_lru_name(l)) {
			sh_parse_error(a->sh, "lru: unknown list '%s' (inactive_anon, active_anon, inactive_file, active_file, unevictable)",
				       args.what);
			return -1;
		}
	}
	if (arg_end(a))
		return -1;
	return cmd_view(a, BV_LRU, &args);
}

/* swapon [SIZE] (default --swap's size), swapoff. */
int cmd_swapon(struct args *a)
{
	uint64_t bytes = a->sh->cfg.swap;
	int ret;

	if (arg_more(a) && arg_num(a, "SIZE", &bytes))
		return -1;
	if (arg_end(a))
		return -1;
	ret = be(a)->ops->model->swap(be(a), true, bytes);
	return ret < 0 ? cmd_fail(a, ret) : 0;
}

int cmd_swapoff(struct args *a)
{
	int ret;

	if (arg_end(a))
		return -1;
	ret = be(a)->ops->model->swap(be(a), false, 0);
	return ret < 0 ? cmd_fail(a, ret) : 0;
}

/* khugepaged: one scan pass; what it did, in a line. */
int cmd_khugepaged(struct args *a)
{
	struct vmsh_khugepaged_info k;
	int ret;

	if (arg_end(a))
		return -1;
	ret = be(a)->ops->model->khugepaged(be(a), &k);
	if (ret < 0)
		return cmd_fail(a, ret);
	fprintf(out(a), "khugepaged: pass %llu: %llu range%s of 2 MiB scanned, %llu collapsed; %u mm%s on the list, full scans %llu, ",
		(unsigned long long)k.passes, (unsigned long long)k.scanned,
		k.scanned == 1 ? "" : "s", (unsigned long long)k.collapsed,
		k.nr_mms, k.nr_mms == 1 ? "" : "s",
		(unsigned long long)k.full_scans);
	if (k.next_mm_id)
		fprintf(out(a), "next: mm %u at %#llx\n", k.next_mm_id,
			(unsigned long long)k.next_address);
	else
		fputs("next: the list's head\n", out(a));
	return 0;
}

int cmd_walk(struct args *a)
{
	struct backend_view_args args = { 0 };

	if (arg_addr(a, "ADDR", &args.addr) || cmd_opt_pid(a, &args.pid) ||
	    arg_end(a))
		return -1;
	return cmd_view(a, BV_WALK, &args);
}

/* pt [PID] [ADDR LEN]: one number is a PID, two ADDR LEN, three all. */
int cmd_pt(struct args *a)
{
	static const char *const what[3][3] = {
		{ "PID" }, { "ADDR", "LEN" }, { "PID", "ADDR", "LEN" },
	};
	struct backend_view_args args = { .start = 0, .end = UINT64_MAX };
	size_t n = a->n - a->i;
	uint64_t x[3];

	if (n > 3) {
		a->i += 3;
		return arg_end(a);
	}
	for (size_t k = 0; k < n; k++) {
		const char *w = what[n - 1][k];

		if (!strcmp(w, "ADDR") ? arg_addr(a, w, &x[k]) : arg_num(a, w, &x[k]))
			return -1;
	}
	if (n == 1 || n == 3) {
		if (x[0] > 0x7fffffff) {
			sh_parse_error(a->sh, "pt: PID %llu is too large",
				       (unsigned long long)x[0]);
			return -1;
		}
		args.pid = (int)x[0];
	}
	if (n >= 2) {
		args.start = x[n - 2];
		args.end = x[n - 1] > UINT64_MAX - args.start ? UINT64_MAX :
			   args.start + x[n - 1];
	}
	return cmd_view(a, BV_PT, &args);
}

int cmd_check(struct args *a)
{
	struct backend_view_args args = { 0 };
	int n;

	if (arg_end(a))
		return -1;
	n = cmd_view(a, BV_CHECK, &args);
	if (n > 0)
		a->sh->failed = true;
	return n ? -1 : 0;
}

int cmd_trace(struct args *a)
{
	bool on;

	if (arg_keyword(a, "on")) {
		on = true;
	} else if (arg_keyword(a, "off")) {
		on = false;
	} else if (!arg_more(a)) {
		fprintf(out(a), "trace %s\n", a->sh->trace ? "on" : "off");
		return 0;
	} else {
		return cmd_bad_word(a, "trace: expected 'on' or 'off', got ", "");
	}
	if (arg_end(a))
		return -1;
	a->sh->trace = on;
	be(a)->ops->model->set_trace(be(a), on ? shell_trace_out : NULL, a->sh);
	return 0;
}

/* dot tree|pt|vmas|mt FILE [PID]: FILE "-" is standard output. */
/* The Graphviz output format FILE's extension asks for, or NULL for DOT
 * text (.dot, .gv, anything else). */
static const char *render_format(const char *path)
{
	static const char *const fmts[] = { "svg", "png", "pdf", "ps", "jpg", "gif", NULL };
	const char *ext = strrchr(path, '.');

	if (!ext || strchr(ext, '/'))
		return NULL;
	if (!strcasecmp(ext + 1, "jpeg"))
		return "jpg";
	for (size_t i = 0; fmts[i]; i++)
		if (!strcasecmp(ext + 1, fmts[i]))
			return fmts[i];
	return NULL;
}

/* Write the DOT text to a temporary file and have Graphviz's dot program
 * render it into @path: an error when it cannot. */
static int dot_render(struct args *a, const struct backend_view_args *args,
		      const char *path, const char *fmt)
{
	const char *tmpdir = getenv("TMPDIR");
	char tmp[4096], opt[16];
	int fd, ret, status = 0;
	FILE *f;
	pid_t pid;

	snprintf(tmp, sizeof(tmp), "%s/vmsh-dot-XXXXXX",
		 tmpdir && tmpdir[0] ? tmpdir : "/tmp");
	fd = mkstemp(tmp);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		a->obj = tmp;
		return cmd_fail(a, ret);
	}
	ret = be(a)->ops->model->view(be(a), BV_DOT, args, f);
	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	if (ret < 0) {
		unlink(tmp);
		return cmd_fail(a, ret);
	}
	snprintf(opt, sizeof(opt), "-T%s", fmt);
	fflush(out(a));
	fflush(a->sh->err);
	pid = fork();
	if (pid == 0) {
		execlp("dot", "dot", opt, "-o", path, tmp, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		status = -1;
	unlink(tmp);
	if (status != 0) {
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			sh_error(a->sh, "dot: %s: Graphviz cannot render it: its dot program is not installed (write .dot text instead)",
				 path);
		else
			sh_error(a->sh, "dot: %s: Graphviz could not render it (dot -T%s failed)",
				 path, fmt);
		return -1;
	}
	return 0;
}

int cmd_dot(struct args *a)
{
	struct backend_view_args args = { 0 };
	const char *path, *fmt;
	FILE *f;
	int ret;

	if (!(arg_keyword(a, "tree") || arg_keyword(a, "pt") || arg_keyword(a, "vmas") ||
	      arg_keyword(a, "mt"))) {
		if (arg_more(a))
			return cmd_bad_word(a, "dot: expected tree, pt, vmas or mt, got ", "");
		sh_parse_error(a->sh, "dot: missing what to draw (tree, pt, vmas or mt)");
		return -1;
	}
	args.what = a->tok[a->i - 1].text;
	if (arg_word(a, "FILE", &path) || cmd_opt_pid(a, &args.pid) ||
	    arg_end(a))
		return -1;
	/* the view answers ESRCH too, but only after FILE was created */
	if (args.pid && !be(a)->ops->task_exists(be(a), args.pid))
		return cmd_fail(a, -ESRCH);
	if (!strcmp(path, "-")) {
		fflush(out(a));
		return cmd_view(a, BV_DOT, &args);
	}
	if (cmd_sandboxed(a))
		return -1;
	a->obj = path;
	if (host_target_check(a, path) < 0)
		return -1;
	fmt = render_format(path);
	if (fmt)
		return dot_render(a, &args, path, fmt);
	f = fopen(path, "w");
	if (!f)
		return cmd_fail(a, -errno);
	ret = be(a)->ops->model->view(be(a), BV_DOT, &args, f);
	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	return ret < 0 ? cmd_fail(a, ret) : 0;
}

/* pagemap [PID] ADDR LEN: the pages of [ADDR, ADDR + LEN), ADDR rounded
 * down and the end up to pages; at most PAGEMAP_MAX pages a call. */
#define PAGEMAP_MAX 65536

int cmd_pagemap(struct args *a)
{
	size_t n = a->n - a->i;
	uint64_t x[3], start, last, pages, *pm, *kpf;
	int pid = 0, ret;

	if (n < 2 || n > 3) {
		if (n > 3)
			a->i += 3;
		return n > 3 ? arg_end(a) : arg_addr(a, "ADDR", &x[0]) ? -1 :
		       arg_num(a, "LEN", &x[1]);
	}
	if (n == 3) {
		if (arg_num(a, "PID", &x[2]))
			return -1;
		if (x[2] > 0x7fffffff) {
			sh_parse_error(a->sh, "pagemap: PID %llu is too large",
				       (unsigned long long)x[2]);
			return -1;
		}
		pid = (int)x[2];
	}
	if (arg_addr(a, "ADDR", &x[0]) || arg_num(a, "LEN", &x[1]) || arg_end(a))
		return -1;
	start = x[0] & ~4095ULL;
	last = x[1] ? (x[1] - 1 > UINT64_MAX - x[0] ? UINT64_MAX : x[0] + x[1] - 1) : 0;
	pages = x[1] ? ((last & ~4095ULL) - start) / 4096 + 1 : 0;
	if (pages > PAGEMAP_MAX) {
		sh_parse_error(a->sh, "pagemap: LEN %#llx is too large (at most "
			       "%d pages a call)", (unsigned long long)x[1],
			       PAGEMAP_MAX);
		return -1;
	}
	pm = calloc(pages + 1, 8);
	kpf = calloc(pages + 1, 8);
	if (!pm || !kpf)
		abort();
	ret = pages ? be(a)->ops->pagemap(be(a), pid, start, pages, pm, kpf) : 0;
	if (ret >= 0)
		view_pagemap(out(a), pid ? pid : be(a)->ops->current_pid(be(a)),
			     start, (uint64_t)ret, pm, kpf, a->sh->json);
	free(pm);
	free(kpf);
	return ret < 0 ? cmd_fail(a, ret) : 0;
}
