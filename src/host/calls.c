/* SPDX-License-Identifier: MIT */
/*
 * --host: the memory calls and the accesses of the current task, each one
 * request to the task's process (task.c serves it).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "host-int.h"

/* ---- memory calls -------------------------------------------------------- */

bool name_ok(const char *name)
{
	size_t n = strlen(name);

	return n && n < 200 && !strchr(name, '/') && strcmp(name, ".") &&
	       strcmp(name, "..");
}

/* Real path of simulated file @name: in the disk directory when it is
 * there, else in the tmpfs one. */
void file_path(struct host *h, const char *name, char *buf, size_t size)
{
	if (h->diskdir[0]) {
		snprintf(buf, size, "%s/%s", h->diskdir, name);
		if (access(buf, F_OK) == 0)
			return;
	}
	snprintf(buf, size, "%s/%s", h->tmpdir, name);
}

/* the prot and mmap flag bits vmsh models (protocol.h) */
#define PROT_MODELLED HOST_PROT_MODELLED
#define MAP_MODELLED HOST_MAP_MODELLED
_Static_assert(HOST_PROT_MODELLED == (VMSH_PROT_READ | VMSH_PROT_WRITE | VMSH_PROT_EXEC),
	       "the modelled prot bits");
_Static_assert(HOST_MAP_MODELLED == (0x0f | VMSH_MAP_FIXED | VMSH_MAP_ANONYMOUS |
				     VMSH_MAP_GROWSDOWN | VMSH_MAP_LOCKED |
				     VMSH_MAP_NORESERVE | VMSH_MAP_POPULATE |
				     VMSH_MAP_FIXED_NOREPLACE),
	       "the modelled mmap flags");

int host_mmap(struct backend *be, uint64_t addr, uint64_t len, int prot,
		     int flags, const char *file, uint64_t off, uint64_t *out)
{
	struct host *h = to_host(be);
	struct host_req rq = { .op = HOST_MMAP,
			       .a = { addr, len, (uint64_t)prot,
				      (uint64_t)(unsigned)flags, off } };
	char path[PATH_MAX];
	int e;

	if ((prot & ~PROT_MODELLED) || (flags & ~MAP_MODELLED))
		return -EINVAL;
	/* A task without an mm fails before its file is looked at. */
	if (!cur_task(h, &e) || e)
		return e;
	path[0] = 0;
	if (file && file[0] == '/') {
		if (strcmp(file, "/dev/zero")) {
			fprintf(h->err, "vmsh: --host: %s is one of the model's "
				"devices; only /dev/zero exists on the host\n", file);
			return -ENODEV;
		}
		snprintf(path, sizeof(path), "%s", file);
	} else if (file) {
		if (!name_ok(file))
			return -EBADF;
		file_path(h, file, path, sizeof(path));
	}
	if ((flags & VMSH_MAP_FIXED) && !(flags & VMSH_MAP_FIXED_NOREPLACE)) {
		e = window_check(h, WIN_REPLACE, "mmap", addr, len);
		if (e)
			return e;
	}
	rq.plen = (uint32_t)strlen(path);
	e = request_place(h, &rq, path, out);
	if (e)
		return e;
	own_add(h->task[h->cur].proc, *out, len);
	track(h, *out, len);
	if (addr)
		track(h, addr, len);
	return 0;
}

/* A call with only integer arguments and a 0/-errno result. */
static int simple(struct backend *be, enum host_op op, uint64_t a0, uint64_t a1,
		  uint64_t a2, bool track_always)
{
	static const struct { enum window_kind kind; const char *name; } win[] = {
		[HOST_MUNMAP] = { WIN_REPLACE, "munmap" },
		[HOST_MPROTECT] = { WIN_CONTIG, "mprotect" },
		[HOST_MADVISE] = { WIN_ALL, "madvise" },
		[HOST_MLOCK] = { WIN_CONTIG_ANY, "mlock" },
		[HOST_MUNLOCK] = { WIN_CONTIG_ANY, "munlock" },
		[HOST_MSEAL] = { WIN_WHOLE, "mseal" },
	};
	struct host *h = to_host(be);
	struct host_req rq = { .op = op, .a = { a0, a1, a2 } };
	struct host_rep rep;
	int e = 0;

	/* msync only writes file pages back: harmless anywhere */
	if (op < sizeof(win) / sizeof(win[0]) && win[op].name) {
		int err;

		if (cur_task(h, &err) && !err)
			e = window_check(h, win[op].kind, win[op].name, a0, a1);
	}
	if (!e)
		e = request(h, &rq, NULL, &rep);
	if (e)
		return e;
	if (!rep.ret)
		track(h, a0, a1);
	else if (track_always)
		track_failed(h, a0, a1);
	return (int)rep.ret;
}

int host_munmap(struct backend *be, uint64_t addr, uint64_t len)
{
	return simple(be, HOST_MUNMAP, addr, len, 0, false);
}

int host_mprotect(struct backend *be, uint64_t addr, uint64_t len, int prot)
{
	if (prot & ~PROT_MODELLED)
		return -EINVAL;
	return simple(be, HOST_MPROTECT, addr, len, (uint64_t)prot, true);
}

int host_madvise(struct backend *be, uint64_t addr, uint64_t len, int advice)
{
	if (!host_advice_modelled(advice))
		return -EINVAL;
	return simple(be, HOST_MADVISE, addr, len, (uint64_t)advice, true);
}

/*
 * The advice --host refuses to pass: hwpoison and soft_offline would
 * poison or offline real frames of this machine as root; an unprivileged
 * task (the model's) gets EPERM, and so does the script here.
 */
int host_madvise_checked(struct backend *be, uint64_t addr, uint64_t len,
			 int advice)
{
	if (advice == VMSH_MADV_HWPOISON || advice == VMSH_MADV_SOFT_OFFLINE)
		return -EPERM;
	return host_madvise(be, addr, len, advice);
}

int host_mlock(struct backend *be, uint64_t addr, uint64_t len, int flags)
{
	return simple(be, HOST_MLOCK, addr, len, (uint64_t)flags, true);
}

int host_munlock(struct backend *be, uint64_t addr, uint64_t len)
{
	return simple(be, HOST_MUNLOCK, addr, len, 0, true);
}

int host_mlockall(struct backend *be, int flags)
{
	struct host *h = to_host(be);
	struct host_req rq = { .op = HOST_MLOCKALL, .a = { (uint64_t)flags } };
	struct host_rep rep;
	int e = request(h, &rq, NULL, &rep);

	return e ? e : (int)rep.ret;
}

int host_munlockall(struct backend *be)
{
	struct host *h = to_host(be);
	struct host_req rq = { .op = HOST_MUNLOCKALL };
	struct host_rep rep;
	int e = request(h, &rq, NULL, &rep);

	return e ? e : (int)rep.ret;
}

/*
 * drain: the kernel has no call for lru_add_drain_all() alone, but
 * migrate_pages(2) begins with one (lru_cache_disable drains every CPU's
 * LRU and mlock batches).  From node 0 to node 0, of the controller
 * itself, it moves nothing else.  A kernel without NUMA migration says
 * ENOSYS.
 */
int host_drain(struct backend *be)
{
	unsigned long nodes = 1;

	(void)be;
	if (syscall(SYS_migrate_pages, 0, 8 * sizeof(nodes), &nodes, &nodes) < 0)
		return -errno;
	return 0;
}

int host_mseal(struct backend *be, uint64_t addr, uint64_t len)
{
	return simple(be, HOST_MSEAL, addr, len, 0, false);
}

int host_msync(struct backend *be, uint64_t addr, uint64_t len)
{
	return simple(be, HOST_MSYNC, addr, len, 0, false);
}

int host_mremap(struct backend *be, uint64_t addr, uint64_t old_len,
		       uint64_t new_len, int flags, uint64_t new_addr, uint64_t *out)
{
	struct host *h = to_host(be);
	struct host_req rq = { .op = HOST_MREMAP,
			       .a = { addr, old_len, new_len, (uint64_t)flags, new_addr } };
	int e;

	if (flags & ~(VMSH_MREMAP_MAYMOVE | VMSH_MREMAP_FIXED))
		return -EINVAL;
	if (cur_task(h, &e) && !e) {
		e = window_check(h, WIN_REPLACE, "mremap", addr, old_len);
		if (!e && (flags & VMSH_MREMAP_FIXED))
			e = window_check(h, WIN_REPLACE, "mremap", new_addr, new_len);
		if (e)
			return e;
	}
	e = request_place(h, &rq, NULL, out);
	if (e == -EFAULT && (flags & VMSH_MREMAP_FIXED) && old_len == new_len &&
	    task_get(h, h->cur) && !task_get(h, h->cur)->kthread)
		/* a multi-VMA move (6.17+) that failed on a later VMA has
		 * moved the earlier ones: the target range is the script's */
		track(h, new_addr, new_len);
	if (e)
		return e;
	track(h, addr, old_len);
	track(h, *out, new_len);
	own_add(h->task[h->cur].proc, *out, new_len);
	return 0;
}

int host_brk(struct backend *be, uint64_t addr, uint64_t *out)
{
	struct host *h = to_host(be);
	struct host_req rq = { .op = HOST_BRK };
	struct host_rep rep;
	uint64_t before;
	int e = request(h, &rq, NULL, &rep);

	if (e)
		return e;
	before = rep.out;
	if (addr) {
		rq.a[0] = addr;
		e = request(h, &rq, NULL, &rep);
		if (e)
			return e;
	}
	*out = rep.out;
	if (rep.out != before)
		h->task[h->cur].proc->heap = true;
	if (rep.out > before)
		own_add(h->task[h->cur].proc, before, rep.out - before);
	return 0;
}

/* ---- accesses ------------------------------------------------------------ */

static int fault_out(struct host *h, const struct host_rep *rep,
		     struct vmsh_fault *f)
{
	if (rep->ret != 1)
		return (int)rep->ret;
	f->signo = rep->signo;
	f->code = rep->code;
	f->addr = rep->addr;
	f->pid = h->cur;
	return 1;
}

/* A kernel thread has no user memory: every access faults at its start. */
static int kthread_fault(struct host *h, uint64_t addr, struct vmsh_fault *f)
{
	f->signo = SIGSEGV;
	f->code = SEGV_MAPERR;
	f->addr = addr;
	f->pid = h->cur;
	return 1;
}

/*
 * The current task accesses @rq->a[1] bytes at @rq->a[0]: a write sends
 * the bytes of @src (NULL: a fill), a read receives them into @dst.
 * Returns 0, 1 with @f filled on a fault, or -errno; @done (unless NULL)
 * counts the bytes done.
 */
static int mem_access(struct host *h, struct host_req *rq, const void *src,
		      void *dst, uint64_t *done, struct vmsh_fault *f)
{
	uint64_t addr = rq->a[0], len = rq->a[1];
	struct host_rep rep;
	int e;

	if (done)
		*done = 0;
	if (cur_task(h, &e) && e == -EFAULT)
		return len ? kthread_fault(h, addr, f) : 0;
	if (e)
		return e;
	if ((src || dst) && len > UINT32_MAX)
		return -E2BIG;
	if (rq->op == HOST_WRITE) {
		e = window_check(h, WIN_BYTES, "write", addr, len);
		if (e)
			return e;
	}
	rq->plen = src ? (uint32_t)len : 0;
	e = host_call(h, h->cur, rq, src, -1, &rep, dst, dst ? len : 0);
	if (e)
		return e;
	if (done)
		*done = rep.done;
	return fault_out(h, &rep, f);
}

int host_touch(struct backend *be, uint64_t addr, uint64_t len,
		      struct vmsh_fault *f)
{
	struct host_req rq = { .op = HOST_TOUCH, .a = { addr, len } };

	return mem_access(to_host(be), &rq, NULL, NULL, NULL, f);
}

int host_write(struct backend *be, uint64_t addr, const uint8_t *buf,
		      uint8_t fill, uint64_t len, uint64_t *done,
		      struct vmsh_fault *f)
{
	struct host_req rq = { .op = HOST_WRITE, .a = { addr, len, fill, buf != NULL } };

	return mem_access(to_host(be), &rq, buf, NULL, done, f);
}

int host_read(struct backend *be, uint64_t addr, uint8_t *buf,
		     uint64_t len, uint64_t *done, struct vmsh_fault *f)
{
	struct host_req rq = { .op = HOST_READ, .a = { addr, len } };

	return mem_access(to_host(be), &rq, NULL, buf, done, f);
}
