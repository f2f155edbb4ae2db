/* SPDX-License-Identifier: MIT */
/*
 * The model backend: shell commands reach the engine through the backend
 * interface (vmsh/backend.h).  Every operation is a direct call of the
 * engine API with the same arguments and the same return convention; the
 * views (src/views) print what the commands show.
 *
 * Invariants
 *  - The backend owns the machine: rebuild (`set levels`, `reset`) swaps
 *    it for a new one only once the new one exists.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmsh/layout.h"

#include "shell.h"
#include "views.h"

struct model {
	struct backend be;
	struct vmsh_sys *sys;
	vmsh_trace_fn *warn;    /* kept for the machines rebuild makes */
	void *warn_ctx;
	const volatile sig_atomic_t *intr;      /* likewise */
};

static struct vmsh_sys *S(struct backend *be)
{
	return ((struct model *)be)->sys;
}

static int m_mmap(struct backend *be, uint64_t addr, uint64_t len, int prot,
		  int flags, const char *file, uint64_t off, uint64_t *out)
{
	return vmsh_mmap(S(be), addr, len, prot, flags, file, off, out);
}

static int m_munmap(struct backend *be, uint64_t addr, uint64_t len)
{
	return vmsh_munmap(S(be), addr, len);
}

static int m_mprotect(struct backend *be, uint64_t addr, uint64_t len, int prot)
{
	return vmsh_mprotect(S(be), addr, len, prot);
}

static int m_mremap(struct backend *be, uint64_t addr, uint64_t old_len,
		    uint64_t new_len, int flags, uint64_t new_addr, uint64_t *out)
{
	return vmsh_mremap(S(be), addr, old_len, new_len, flags, new_addr, out);
}

static int m_madvise(struct backend *be, uint64_t addr, uint64_t len, int advice)
{
	return vmsh_madvise(S(be), addr, len, advice);
}

static int m_mlock(struct backend *be, uint64_t addr, uint64_t len, int flags)
{
	return vmsh_mlock(S(be), addr, len, flags);
}

static int m_munlock(struct backend *be, uint64_t addr, uint64_t len)
{
	return vmsh_munlock(S(be), addr, len);
}

static int m_mlockall(struct backend *be, int flags)
{
	return vmsh_mlockall(S(be), flags);
}

static int m_prlimit(struct backend *be, int pid, int res,
		     const struct vmsh_rlimit *new, struct vmsh_rlimit *old)
{
	return vmsh_prlimit(S(be), pid, res, new, old);
}

static int m_munlockall(struct backend *be)
{
	return vmsh_munlockall(S(be));
}

static int m_drain(struct backend *be)
{
	vmsh_lru_drain_all(S(be));
	return 0;
}

static int m_mseal(struct backend *be, uint64_t addr, uint64_t len)
{
	return vmsh_mseal(S(be), addr, len, 0);
}

static int m_brk(struct backend *be, uint64_t addr, uint64_t *out)
{
	return vmsh_brk(S(be), addr, out);
}

static int m_msync(struct backend *be, uint64_t addr, uint64_t len)
{
	return vmsh_msync(S(be), addr, len);
}

static int m_touch(struct backend *be, uint64_t addr, uint64_t len,
		   struct vmsh_fault *f)
{
	return vmsh_touch(S(be), addr, len, f);
}

static int m_write(struct backend *be, uint64_t addr, const uint8_t *buf,
		   uint8_t fill, uint64_t len, uint64_t *done, struct vmsh_fault *f)
{
	return vmsh_write(S(be), addr, buf, fill, len, done, f);
}

static int m_read(struct backend *be, uint64_t addr, uint8_t *buf, uint64_t len,
		  uint64_t *done, struct vmsh_fault *f)
{
	return vmsh_read(S(be), addr, buf, len, done, f);
}

static int m_fork(struct backend *be, int *child)
{
	return vmsh_fork(S(be), child);
}

static int m_clone_vm(struct backend *be, int *child)
{
	return vmsh_clone_vm(S(be), child);
}

static int m_kthread(struct backend *be, int *child)
{
	return vmsh_kthread(S(be), child);
}

static int m_execve(struct backend *be)
{
	return vmsh_execve(S(be));
}

static int m_kill(struct backend *be, int pid)
{
	return vmsh_kill(S(be), pid);
}

static int m_switch(struct backend *be, int pid, int cpu)
{
	return vmsh_switch(S(be), pid, cpu);
}

static int m_current_pid(struct backend *be)
{
	return vmsh_current_pid(S(be));
}

static bool m_task_exists(struct backend *be, int pid)
{
	return vmsh_task_exists(S(be), pid);
}

static int m_file_create(struct backend *be, const char *name, uint64_t size,
			 bool disk)
{
	return vmsh_file_create(S(be), name, size, disk);
}

static int m_file_write(struct backend *be, const char *name, uint64_t off,
			const uint8_t *buf, uint64_t len)
{
	return vmsh_file_write(S(be), name, off, buf, len);
}

static int m_file_read(struct backend *be, const char *name, uint64_t off,
		       uint8_t *buf, uint64_t len, uint64_t *done)
{
	return vmsh_file_read(S(be), name, off, buf, len, done);
}

static int m_file_truncate(struct backend *be, const char *name, uint64_t size)
{
	return vmsh_file_truncate(S(be), name, size);
}

static int m_file_rename(struct backend *be, const char *from, const char *to)
{
	return vmsh_file_rename(S(be), from, to);
}

static int m_file_rm(struct backend *be, const char *name)
{
	return vmsh_file_rm(S(be), name);
}

static int m_maps(struct backend *be, int pid, FILE *out)
{
	return view_maps(S(be), pid, out);
}

static int m_smaps(struct backend *be, int pid, bool one, uint64_t addr, FILE *out)
{
	return view_smaps(S(be), pid, one, addr, out);
}

static int m_pagemap(struct backend *be, int pid, uint64_t addr, uint64_t n,
		     uint64_t *pm, uint64_t *kpf)
{
	for (uint64_t i = 0; i < n; i++) {
		int r = vmsh_pagemap(S(be), pid, addr + (i << 12), &pm[i],
				     &kpf[i]);

		if (r < 0)
			return r;
		if (r > 0)
			return (int)i;
	}
	return (int)n;
}

/* ---- what only the model has ---------------------------------------------- */

static int m_view(struct backend *be, enum backend_view v,
		  const struct backend_view_args *a, FILE *out)
{
	return view_print(S(be), v, a, out);
}

static int m_khugepaged(struct backend *be, struct vmsh_khugepaged_info *out)
{
	return vmsh_khugepaged(S(be), out);
}

static int m_swap(struct backend *be, bool on, uint64_t bytes)
{
	return on ? vmsh_swapon(S(be), bytes) : vmsh_swapoff(S(be));
}

static void m_idle(struct backend *be)
{
	vmsh_sys_idle(S(be));
}

static bool m_rebuild(struct backend *be, const struct vmsh_config *cfg)
{
	struct model *m = (struct model *)be;
	struct vmsh_sys *sys = vmsh_sys_new(cfg);

	if (!sys)
		return false;
	vmsh_sys_free(m->sys);
	m->sys = sys;
	vmsh_sys_set_warn(sys, m->warn, m->warn_ctx);
	vmsh_sys_set_interrupt(sys, m->intr);
	return true;
}

static int m_set_config(struct backend *be, const struct vmsh_config *cfg)
{
	return vmsh_sys_set_config(S(be), cfg);
}

static void m_set_trace(struct backend *be, vmsh_trace_fn *fn, void *ctx)
{
	vmsh_sys_set_trace(S(be), fn, ctx);
}

static void m_set_interrupt(struct backend *be, const volatile sig_atomic_t *flag)
{
	struct model *m = (struct model *)be;

	m->intr = flag;
	vmsh_sys_set_interrupt(m->sys, flag);
}

static int m_file_walk(struct backend *be, vmsh_file_fn *fn, void *ctx)
{
	return vmsh_file_walk(S(be), fn, ctx);
}

static int m_task_walk(struct backend *be, vmsh_task_fn *fn, void *ctx)
{
	return vmsh_task_walk(S(be), fn, ctx);
}

static int m_dev_walk(struct backend *be, vmsh_dev_fn *fn, void *ctx)
{
	return vmsh_dev_walk(S(be), fn, ctx);
}

static int m_layout(struct backend *be, const char *what, const char *name,
		    uint64_t a, uint64_t b, uint64_t c, bool flag)
{
	uint64_t at;

	if (!strcmp(what, "shm"))
		return a > INT32_MAX || b > UINT32_MAX ? -EINVAL :
		       vmsh_layout_shm(S(be), (int)a, (uint32_t)b, c);
	if (!strcmp(what, "rmid"))
		return a > INT32_MAX ? -EINVAL : vmsh_layout_shm_rmid(S(be), (int)a);
	if (!strcmp(what, "shmat"))
		return a > INT32_MAX ? -EINVAL :
		       vmsh_layout_shmat(S(be), (int)a, b, flag, &at);
	if (!strcmp(what, "stack"))
		return vmsh_layout_stack(S(be), a, b);
	if (!strcmp(what, "brk"))
		return vmsh_layout_brk(S(be), a, b);
	if (!strcmp(what, "mmap_base"))
		return vmsh_layout_mmap_base(S(be), a);
	if (!strcmp(what, "special"))
		return vmsh_layout_special(S(be), name, a, b);
	return vmsh_file_create_path(S(be), name, a, flag);
}

static void m_free(struct backend *be)
{
	vmsh_sys_free(S(be));
	free(be);
}

struct vmsh_sys *model_backend_take_sys(struct backend *be)
{
	struct model *m = (struct model *)be;
	struct vmsh_sys *sys = m->sys;

	m->sys = NULL;
	if (sys) {
		vmsh_sys_set_warn(sys, NULL, NULL);
		vmsh_sys_set_trace(sys, NULL, NULL);
		vmsh_sys_set_interrupt(sys, NULL);
	}
	return sys;
}

static const struct backend_model_ops model_only_ops = {
	.view = m_view,
	.swap = m_swap,
	.idle = m_idle,
	.khugepaged = m_khugepaged,
	.rebuild = m_rebuild,
	.set_config = m_set_config,
	.set_trace = m_set_trace,
	.set_interrupt = m_set_interrupt,
	.file_walk = m_file_walk,
	.dev_walk = m_dev_walk,
	.task_walk = m_task_walk,
	.layout = m_layout,
};

static const struct backend_ops model_ops = {
	.name = "model",
	.mmap = m_mmap,
	.munmap = m_munmap,
	.mprotect = m_mprotect,
	.mremap = m_mremap,
	.madvise = m_madvise,
	.mlock = m_mlock,
	.munlock = m_munlock,
	.mlockall = m_mlockall,
	.munlockall = m_munlockall,
	.drain = m_drain,
	.mseal = m_mseal,
	.brk = m_brk,
	.msync = m_msync,
	.touch = m_touch,
	.write = m_write,
	.read = m_read,
	.fork = m_fork,
	.clone_vm = m_clone_vm,
	.kthread = m_kthread,
	.execve = m_execve,
	.kill = m_kill,
	.switch_to = m_switch,
	.current_pid = m_current_pid,
	.task_exists = m_task_exists,
	.prlimit = m_prlimit,
	.file_create = m_file_create,
	.file_write = m_file_write,
	.file_read = m_file_read,
	.file_truncate = m_file_truncate,
	.file_rm = m_file_rm,
	.file_rename = m_file_rename,
	.maps = m_maps,
	.smaps = m_smaps,
	.pagemap = m_pagemap,
	.free = m_free,
	.model = &model_only_ops,
};

struct backend *model_backend_new(const struct vmsh_config *cfg,
				  vmsh_trace_fn *warn, void *ctx)
{
	struct vmsh_sys *sys = vmsh_sys_new(cfg);
	struct model *m;

	if (!sys)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		abort();
	m->be.ops = &model_ops;
	m->sys = sys;
	m->warn = warn;
	m->warn_ctx = ctx;
	vmsh_sys_set_warn(sys, warn, ctx);
	return &m->be;
}
