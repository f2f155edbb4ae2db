/* SPDX-License-Identifier: MIT */
/*
 * The model backend: shell commands reach the engine through the backend
 * interface (backend.h).  Every operation is a direct call of the engine
 * API with the same arguments and the same return convention; maps and
 * smaps are formatted here from the engine's info structs.
 *
 * Invariants
 *  - The backend does not own the machine: struct shell does, and may
 *    rebuild it (`set levels`, `reset`); model_backend_new() is then called
 *    again for the new one.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "backend.h"
#include "print.h"

struct model {
	struct backend be;
	struct vmsh_sys *sys;
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

static int m_file_rm(struct backend *be, const char *name)
{
	return vmsh_file_rm(S(be), name);
}

static int check_pid(struct backend *be, int pid)
{
	if (pid != 0 && !vmsh_task_exists(S(be), pid))
		return -ESRCH;
	return 0;
}

static int m_maps(struct backend *be, int pid, FILE *out)
{
	struct vmsh_vma_info v;
	int ret = check_pid(be, pid);

	if (ret)
		return ret;
	for (size_t i = 0; vmsh_vma_info(S(be), pid, i, &v); i++)
		print_maps_line(out, &v);
	return 0;
}

static int m_smaps(struct backend *be, int pid, bool one, uint64_t addr, FILE *out)
{
	struct vmsh_vma_info v;
	struct vmsh_smaps s;
	int ret = check_pid(be, pid);

	if (ret)
		return ret;
	for (size_t i = 0; vmsh_vma_info(S(be), pid, i, &v); i++) {
		if (one && (addr < v.start || addr >= v.end))
			continue;
		ret = vmsh_smaps(S(be), pid, v.start, &s);
		if (ret)
			return ret;
		print_smaps_block(out, &v, &s);
	}
	return 0;
}

static void m_free(struct backend *be)
{
	free(be);
}

static const struct backend_ops model_ops = {
	.name = "model",
	.mmap = m_mmap,
	.munmap = m_munmap,
	.mprotect = m_mprotect,
	.mremap = m_mremap,
	.madvise = m_madvise,
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
	.file_create = m_file_create,
	.file_write = m_file_write,
	.file_read = m_file_read,
	.file_truncate = m_file_truncate,
	.file_rm = m_file_rm,
	.maps = m_maps,
	.smaps = m_smaps,
	.free = m_free,
};

struct backend *model_backend_new(struct vmsh_sys *sys)
{
	struct model *m = calloc(1, sizeof(*m));

	if (!m)
		abort();
	m->be.ops = &model_ops;
	m->sys = sys;
	return &m->be;
}
