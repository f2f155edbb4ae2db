/* SPDX-License-Identifier: MIT */
/*
 * Simulated files as objects: create, open, close, remove, and the
 * machine's list of them (the tmpfs/shmem side of mm/shmem.c and ext4's
 * release).  Their page cache is pagecache.c's, pread/pwrite
 * read_write.c's, readahead readahead.c's, truncate truncate.c's.
 *
 * A file is a named inode with an i_size and a page cache: a hash of page
 * index -> frame.  Files behave as tmpfs files (what --host uses): the page
 * cache *is* the file, nothing is written back, shared mappings have no
 * write-notify.  A "disk" file is write-notified instead (page_mkwrite) and
 * msync cleans its dirty pages.
 *
 * Numbering (deterministic, documented in the man page):
 *  - regular files: path "/dev/shm/NAME", dev 00:1a (the /dev/shm tmpfs of
 *    our build machines; disk files fe:00, the disk holding /var/tmp where
 *    --host puts them), inodes 2, 3, ... in creation order (1 is the
 *    tmpfs root), as a fresh tmpfs numbers them;
 *  - shmem files of shared anonymous memory: "/dev/zero (deleted)",
 *    and SysV segments (shm.c): "/SYSV%08x (deleted)", dev 00:01
 *    (shm_mnt), inodes 1, 2, ... in creation order;
 *  - device nodes (dev.c): dev 00:06 (devtmpfs), /dev/zero is inode 4.
 *
 * Invariants:
 *  - an inode's refcount = its open files + 1 while it has a name (device
 *    nodes: + 1 for the node); an open file's refcount = the VMAs using it
 *    as vm_file, and inode->nvmas sums them; at zero an inode and its
 *    cache are freed.  A shmem inode is used as vm_file directly (its
 *    refcount = its VMAs).  A removed file still mapped is "deleted": no
 *    name, path "/dev/shm/NAME (deleted)".
 *  - sys->files is sorted by name (the order of `file ls`).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "sys.h"

#define FILE_NAME_MAX  255
#define SHM_PREFIX     "/dev/shm/"

static void file_free(struct vmsh_sys *sys, struct vmsh_file *f)
{
	if (f->i_mmap.rb_node)
		abort();        /* a VMA still maps the inode */
	truncate_inode_pages_final(sys, f);
	mapping_id_put(&sys->phys, &f->mapping_id);
	free(f->name);
	free(f->path);
	free(f);
}

/* An open file of @inode (refcount 1, holding a reference on @inode). */
struct vmsh_file *file_open(struct vmsh_sys *sys, struct vmsh_file *inode)
{
	struct vmsh_file *f = xmalloc(sizeof(*f));

	(void)sys;
	*f = *inode;
	f->cache = NULL;
	f->cache_height = 0;
	f->cache_nr = 0;
	f->i_mmap.rb_node = NULL;       /* the inode's tree holds the VMAs */
	f->next = NULL;
	f->inode = inode;
	f->nvmas = 0;
	f->one_open = NULL;
	f->mapping_id = 0;      /* pages name the inode */
	f->refcount = 1;
	inode->nvmas++;
	file_get(inode);
	return f;
}

void file_get(struct vmsh_file *f)
{
	f->refcount++;
	if (f->inode)
		f->inode->nvmas++;
}

void file_put(struct vmsh_sys *sys, struct vmsh_file *f)
{
	struct vmsh_file *inode = f->inode;

	if (inode)
		inode->nvmas--;
	if (--f->refcount) {
		/* the last attach of a removed SysV segment went */
		if (f->refcount == 1 && f->sysv_dest && !inode)
			shm_destroy(sys, f);
		return;
	}
	if (inode) {
		if (inode->one_open == f)
			inode->one_open = NULL;
		free(f);                /* name and path are the inode's */
		file_release(sys, inode);
		file_put(sys, inode);
	} else {
		file_free(sys, f);
	}
}

int file_mapcount(const struct vmsh_file *f)
{
	f = f->inode ? f->inode : f;
	return f->shmem ? f->refcount : f->nvmas;
}

struct vmsh_file *file_lookup(const struct vmsh_sys *sys, const char *name)
{
	struct vmsh_file *f;

	for (f = sys->files; f; f = f->next)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

struct vmsh_file *file_find(struct vmsh_sys *sys, const char *name)
{
	struct vmsh_file *f = file_lookup(sys, name);

	if (f)
		return f;
	return dev_find(sys, name);
}

static int check_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return -EINVAL;
	if (n > FILE_NAME_MAX)
		return -ENAMETOOLONG;
	return 0;
}

int vmsh_file_create(struct vmsh_sys *sys, const char *name, uint64_t size,
		     bool disk)
{
	int err;

	if (!name)
		return -EINVAL;
	if (file_lookup(sys, name))
		return -EEXIST;         /* also a recording's path file */
	err = check_name(name);
	if (err)
		return err;
	return file_create(sys, name, SHM_PREFIX, size, disk);
}

int file_create(struct vmsh_sys *sys, const char *name, const char *prefix,
		uint64_t size, bool disk)
{
	struct vmsh_file *f, **pp;
	char *path;

	if (file_lookup(sys, name))
		return -EEXIST;
	if (size > FILE_MAX_SIZE)
		return -EFBIG;

	f = xcalloc(1, sizeof(*f));
	f->name = xstrdup(name);
	/* room for " (deleted)": open files share this buffer */
	path = xmalloc(strlen(prefix) + strlen(name) + sizeof(" (deleted)"));
	strcpy(path, prefix);
	strcat(path, name);
	f->path = path;
	f->size = size;
	f->disk = disk;
	/* tmpfs: /dev/shm's 00:1a; disk: the build machines' /var/tmp
	 * (ext4 on virtio disk fe:00), where --host keeps disk files */
	f->dev_major = disk ? 0xfe : 0;
	f->dev_minor = disk ? 0 : 0x1a;
	if (sys->next_ino < 2)
		sys->next_ino = 2;
	f->ino = sys->next_ino++;
	f->refcount = 1;                        /* the directory entry */
	for (pp = &sys->files; *pp && strcmp((*pp)->name, name) < 0; pp = &(*pp)->next)
		;
	f->next = *pp;
	*pp = f;
	trace(sys, "file_create %s size=%#lx ino=%lu%s", f->path, size, f->ino,
	      disk ? " disk" : "");
	return 0;
}

struct vmsh_file *shmem_file_named(struct vmsh_sys *sys, uint64_t size,
				   const char *name)
{
	struct vmsh_file *f = xcalloc(1, sizeof(*f));

	f->name = xstrdup(name);
	f->path = xmalloc(strlen(name) + sizeof("/ (deleted)"));
	strcpy(f->path, "/");
	strcat(f->path, name);
	strcat(f->path, " (deleted)");
	f->size = size;
	f->shmem = true;
	f->deleted = true;
	f->dev_major = 0;
	f->dev_minor = 1;
	f->ino = ++sys->next_shmem_ino;
	f->refcount = 1;
	return f;
}

struct vmsh_file *shmem_file_new(struct vmsh_sys *sys, uint64_t size)
{
	return shmem_file_named(sys, size, "dev/zero");
}

int vmsh_file_rm(struct vmsh_sys *sys, const char *name)
{
	struct vmsh_file *f = file_lookup(sys, name), **pp;

	if (!f)
		return -ENOENT;
	for (pp = &sys->files; *pp != f; pp = &(*pp)->next)
		;
	*pp = f->next;
	f->next = NULL;
	f->deleted = true;
	strcat(f->path, " (deleted)");  /* allocated with room for it */
	trace(sys, "shmem_unlink %s mapcount=%d", f->name, file_mapcount(f));
	file_put(sys, f);
	return 0;
}

int vmsh_file_rename(struct vmsh_sys *sys, const char *from, const char *to)
{
	struct vmsh_file *f = file_lookup(sys, from), **pp;
	size_t plen;
	char *path;
	int err;

	if (!f)
		return -ENOENT;
	err = check_name(to);
	if (err)
		return err;
	/* only an unmapped file: open files share its path buffer */
	if (f->refcount != 1 || f->nvmas)
		return -EBUSY;
	if (!strcmp(from, to))
		return 0;
	if (file_lookup(sys, to))
		vmsh_file_rm(sys, to);
	for (pp = &sys->files; *pp != f; pp = &(*pp)->next)
		;
	*pp = f->next;
	plen = strlen(f->path) - strlen(f->name);       /* the prefix */
	path = xmalloc(plen + strlen(to) + sizeof(" (deleted)"));
	memcpy(path, f->path, plen);
	strcpy(path + plen, to);
	free(f->path);
	free(f->name);
	f->path = path;
	f->name = xstrdup(to);
	for (pp = &sys->files; *pp && strcmp((*pp)->name, to) < 0; pp = &(*pp)->next)
		;
	f->next = *pp;
	*pp = f;
	trace(sys, "file_rename %s -> %s", from, f->path);
	return 0;
}

void files_fini(struct vmsh_sys *sys)
{
	struct vmsh_file *f, *next;

	for (f = sys->files; f; f = next) {
		next = f->next;
		file_free(sys, f);
	}
	sys->files = NULL;
	dev_fini(sys);
}
