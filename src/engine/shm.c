/* SPDX-License-Identifier: MIT */
/*
 * SysV shared memory segments, as a recording of a real process needs
 * them (vmsh/layout.h; ipc/shm.c): a segment is a shmem file on shm_mnt
 * (dev 00:01) named "SYSV%08x" after its key, its inode number the id,
 * unlinked from the start, so maps shows "/SYSV0000abcd (deleted)" with
 * inode ID; shmat maps it MAP_SHARED at offset 0 with PROT_READ, and
 * PROT_WRITE unless read-only, as do_shmat does (a read-only attach opens
 * the file read-only: its VMA has neither VM_SHARED nor VM_MAYWRITE,
 * VmFlags "rd mr me ms" as on Linux 6.18).
 *
 * shmctl(IPC_RMID) (vmsh_layout_shm_rmid, do_shm_rmid): a segment with no
 * attach goes at once; one still attached is marked SHM_DEST and its key
 * made IPC_PRIVATE (shmget of the key no longer finds it; maps still shows
 * "/SYSV<old key> (deleted)", the file's name), can still be attached by
 * its id, and goes, pages and all, when its last attach does (shmdt,
 * munmap, exit, execve: file_put calls shm_destroy when only the
 * segment's own reference is left); shmat or IPC_RMID of its id is
 * EINVAL after that.  A second IPC_RMID of a marked segment is 0.
 *
 * Differences from Linux: no shmget; every attach maps the segment's
 * file itself (Linux gives each attach a struct file of its own: its
 * VMAs never merge with another attach's, nor do the model's, whose
 * attaches all start at offset 0); vm_ops are shared anonymous memory's
 * (Linux wraps them in shm_vm_ops).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "vmsh/layout.h"
#include "file.h"
#include "mm.h"
#include "sys.h"
#include "task.h"
#include "vma.h"

struct sysv_shm {
	int id;
	uint32_t key;                   /* 0 (IPC_PRIVATE) after IPC_RMID */
	struct vmsh_file *file;         /* the segment's reference */
	struct sysv_shm *next;
};

static struct sysv_shm *shm_find(const struct vmsh_sys *sys, int id)
{
	for (struct sysv_shm *s = sys->shms; s; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

int vmsh_layout_shm(struct vmsh_sys *sys, int id, uint32_t key, uint64_t size)
{
	struct sysv_shm *s;
	char name[16];

	/* newseg(): SHMMIN 1; a size that cannot be mapped is no segment */
	if (id < 0 || !size || PAGE_ALIGN(size) < size)
		return -EINVAL;
	if (shm_find(sys, id))
		return -EEXIST;
	snprintf(name, sizeof(name), "SYSV%08x", key);
	s = xcalloc(1, sizeof(*s));
	s->id = id;
	s->key = key;
	s->file = shmem_file_named(sys, size, name);
	/* newseg: the inode number is the id (maps shows it) */
	sys->next_shmem_ino--;
	s->file->ino = (unsigned long)id;
	s->next = sys->shms;
	sys->shms = s;
	trace(sys, "newseg id=%d key=%#x size=%#lx ino=%lu", id, key, UL(size),
	      s->file->ino);
	return 0;
}

int vmsh_layout_shmat(struct vmsh_sys *sys, int id, uint64_t addr, bool rdonly,
		      uint64_t *out)
{
	struct sysv_shm *s = shm_find(sys, id);
	struct vmsh_mm *mm = current_mm(sys);
	uint64_t size;
	int flags = VMSH_MAP_SHARED;

	if (!mm)
		return -EFAULT;
	if (!s || addr & ~PAGE_MASK)    /* SHMLBA is PAGE_SIZE on x86 */
		return -EINVAL;
	size = PAGE_ALIGN(s->file->size);
	if (addr) {
		/* without SHM_REMAP an attach never replaces a mapping */
		if (addr + size < addr || find_vma_intersection(mm, addr, addr + size))
			return -EINVAL;
		flags |= VMSH_MAP_FIXED;
	}
	trace(sys, "do_shmat id=%d addr=%#lx%s", id, UL(addr), rdonly ? " SHM_RDONLY" : "");
	return do_mmap(sys, s->file, rdonly, addr, size,
		       VMSH_PROT_READ | (rdonly ? 0 : VMSH_PROT_WRITE), flags, 0, out);
}

/* shm_destroy(): unlink segment @s and drop its reference to its file. */
static void shm_unlink_seg(struct vmsh_sys *sys, struct sysv_shm *s)
{
	struct sysv_shm **pp;

	for (pp = &sys->shms; *pp != s; pp = &(*pp)->next)
		;
	*pp = s->next;
	trace(sys, "shm_destroy id=%d", s->id);
	s->file->sysv_dest = false;
	file_put(sys, s->file);
	free(s);
}

void shm_destroy(struct vmsh_sys *sys, struct vmsh_file *f)
{
	for (struct sysv_shm *s = sys->shms; s; s = s->next)
		if (s->file == f) {
			shm_unlink_seg(sys, s);
			return;
		}
}

int vmsh_layout_shm_rmid(struct vmsh_sys *sys, int id)
{
	struct sysv_shm *s = shm_find(sys, id);

	if (!s)
		return -EINVAL;
	trace(sys, "do_shm_rmid id=%d nattch=%d", id, s->file->refcount - 1);
	if (s->file->refcount == 1) {
		shm_unlink_seg(sys, s);         /* no attach: gone now */
		return 0;
	}
	s->key = 0;                             /* ipc_set_key_private */
	s->file->sysv_dest = true;              /* SHM_DEST */
	return 0;
}

void shm_fini(struct vmsh_sys *sys)
{
	while (sys->shms) {
		struct sysv_shm *s = sys->shms;

		sys->shms = s->next;
		s->file->sysv_dest = false;
		file_put(sys, s->file);
		free(s);
	}
}
