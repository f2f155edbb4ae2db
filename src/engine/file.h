/* SPDX-License-Identifier: MIT */
/*
 * Files (struct vmsh_file): simulated regular files, shmem files and
 * device nodes, with their page cache, readahead, writeback and
 * f_op->mmap.  An open file (struct file) is a struct vmsh_file too,
 * pointing at its inode.
 */
#ifndef VMSH_SRC_ENGINE_FILE_H
#define VMSH_SRC_ENGINE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "phys.h"
#include "sys.h"
#include "rbtree.h"

struct vm_operations;
struct vmsh_sys;
struct vmsh_vma;

struct pcache_node;
/* A slot of the open-addressing hashes below (struct ptab). */
struct pcache_slot { uint64_t index, pfn; };
/* Where a page-cache lookup of one file found its page's node
 * (file_cache_lookup_next): the next index of the same node is one load
 * away while no node of that file's tree has been freed since (gen). */
struct pcache_cursor {
	const struct pcache_node *leaf; /* NULL: none */
	uint64_t base, gen;             /* leaf's first index >> 6; cache_gen */
};

struct vmsh_file {
	char *name;
	char *path;             /* shown in maps */
	uint64_t size;          /* i_size */
	bool disk;              /* write-notify + writeback */
	bool da_alloc_close;    /* ext4: truncated to 0, flush on close */
	bool shmem;             /* anonymous shared memory's backing file */
	bool deleted;           /* removed while mapped */
	bool sysv_dest;         /* a SysV segment after IPC_RMID (shm.c): it goes
				 * when its last attach does */
	unsigned long ino;
	unsigned dev_major, dev_minor;
	int refcount;           /* VMAs + the directory entry */
	/* page cache: index -> pfn in a radix tree of 64-slot nodes, the
	 * xarray's shape (pagecache.c); use file_cache_lookup() and
	 * file_for_each_page() to read it.  Each cached frame holds one
	 * reference owned by the cache. */
	struct pcache_node *cache;      /* the root, or NULL */
	unsigned cache_height;  /* levels: indexes below 64^height */
	uint64_t cache_nr;      /* pages cached */
	uint64_t cache_gen;     /* nodes freed so far (pcache_cursor) */
	/* the shadow entries of evicted folios (workingset.c): index ->
	 * eviction age, an open-addressing hash */
	struct ptab { struct pcache_slot *tab; uint64_t cap, nr; } shadow;
	/* a disk file's contents of pages reclaim dropped (the "disk"):
	 * index -> a 4 KiB buffer, or (fill << 1) | 1 for a uniform page */
	struct ptab backing;
	/* shmem and tmpfs: the swap slot of each page swapped out, kept
	 * where Linux keeps the swap entry, in the page cache's slot of the
	 * page (index -> slot; an index is cached or swapped, never both);
	 * swapped.nr is shmem_inode_info's swapped */
	struct ptab swapped;
	struct vmsh_file *swap_next;    /* sys->shmem_swaplist */
	bool on_swaplist;
	/* inode: the VMAs mapping it, by file page (interval_tree.c) */
	struct rb_root i_mmap;
	const struct vm_operations *vm_ops;
	/* f_op->mmap of a device node (dev.c); NULL for regular files */
	int (*mmap)(struct vmsh_sys *sys, struct vmsh_vma *vma);
	const char *description;/* devices: shown by `dev ls` */
	bool device;            /* a device node (not listed by `file ls`) */
	uint64_t dev_pages;     /* devices: size of the device memory */
	struct vmsh_file *next; /* sys->files (sys->devs for devices) */
	uint32_t mapping_id;    /* the id its pages name it by, or 0 (phys.h) */
	/*
	 * An open file (struct file): file_mmap gives every mmap call its own,
	 * as the shell's mmap (and --host's) opens the file anew, so VMAs of
	 * two mmap calls never share vm_file and never merge, while pieces
	 * of one mapping (split, fork, mremap) do.  @inode is what it opened
	 * (NULL: this is the inode itself); name, path, dev, ino, disk are
	 * the inode's (path shared, so "(deleted)" shows through).
	 */
	struct vmsh_file *inode;
	int nvmas;              /* inode: VMAs mapping it via open files */
	/* a recording's path file (layout.c): every mmap of it shares one
	 * open file, as a program maps a library through one fd, so its
	 * pieces merge as the kernel's do; NULL while none is mapped */
	bool recorded;
	struct vmsh_file *one_open;
	/* disk files: this open file's readahead state (struct file_ra_state) */
	struct file_ra_state {
		uint64_t start, size, async_size;
		unsigned mmap_miss;
		unsigned order;         /* folio order of the last window */
	} ra;
};

/* The file, as Linux's folio->mapping of a page cache folio: the one
 * (inode) a PAGE_FILE or PAGE_DEV page belongs to, or NULL;
 * page_set_file names @f (NULL: none). */
static inline struct vmsh_file *page_file(const struct vmsh_sys *sys,
					  const struct page *p)
{
	return phys_mapping(&sys->phys, p);
}
static inline void page_set_file(struct vmsh_sys *sys, struct page *p,
				 struct vmsh_file *f)
{
	page_set_mapping(&sys->phys, p, f, f ? &f->mapping_id : NULL);
}

/* ra->ra_pages of a disk file: read_ahead_kb 8192 on our build machines */
#define RA_PAGES 2048ULL
#define FILE_MAX_SIZE  0x7fffffffffffffffULL    /* MAX_LFS_FILESIZE */

/* DIV_ROUND_UP(i_size, PAGE_SIZE): the pages of @f. */
static inline uint64_t file_pages(const struct vmsh_file *f)
{
	return (f->size + PAGE_SIZE - 1) >> PAGE_SHIFT;
}

/* The inode behind a vm_file (file_inode()). */
static inline struct vmsh_file *file_inode(struct vmsh_file *f)
{
	return f->inode ? f->inode : f;
}

/* shmem_mapping(): @inode is shmem or tmpfs (swap-backed page cache). */
static inline bool shmem_mapping(const struct vmsh_file *inode)
{
	return !inode->disk && !inode->device;
}

/* ---- file objects (file.c) ----------------------------------------------- */

/* A simulated file by NAME (not its "/dev/shm/NAME" path, as --host), or
 * a device node by path ("/dev/zero", dev.c's devices); NULL when none
 * (do_mmap: -EBADF).  The caller takes its own reference with file_get
 * for vm_file. */
struct vmsh_file *file_find(struct vmsh_sys *sys, const char *name);
/* The simulated file NAME (no device); NULL when none. */
struct vmsh_file *file_lookup(const struct vmsh_sys *sys, const char *name);
void file_get(struct vmsh_file *f);
/* A new open file (struct file) of @inode; file_mmap makes one per mmap. */
struct vmsh_file *file_open(struct vmsh_sys *sys, struct vmsh_file *inode);
/* Drop a reference; at zero the file and its page cache are freed (every
 * mapping's PTEs must be gone by then). */
void file_put(struct vmsh_sys *sys, struct vmsh_file *f);
/* Number of VMAs mapping @f (refcount less the directory entry). */
int file_mapcount(const struct vmsh_file *f);
/* vmsh_file_create without the name check: a file NAME shown in maps as
 * PREFIX NAME ("/dev/shm/" NAME, or "" for a recording's absolute paths,
 * layout.c).  -EEXIST, -EFBIG. */
int file_create(struct vmsh_sys *sys, const char *name, const char *prefix,
		uint64_t size, bool disk);
/* A new unlinked shmem file ("/dev/zero (deleted)", dev 00:01), refcount 1. */
struct vmsh_file *shmem_file_new(struct vmsh_sys *sys, uint64_t size);
/* The same named @name ("/NAME (deleted)"): a SysV segment's "SYSV%08x". */
struct vmsh_file *shmem_file_named(struct vmsh_sys *sys, uint64_t size,
				   const char *name);
/* The SysV segments' references go (vmsh_sys_free, after the mms). */
void shm_fini(struct vmsh_sys *sys);
/* file_put: segment file @f (sysv_dest) has no attach left. */
void shm_destroy(struct vmsh_sys *sys, struct vmsh_file *f);
/* Free every file and device (vmsh_sys_free, after the mms are gone). */
void files_fini(struct vmsh_sys *sys);

/* ---- the page cache (pagecache.c) ---------------------------------------- */

/* Page-cache lookup/creation of page @index (refcount +1 for the caller).
 * 0, -ENOENT (not cached and !@create), -ENOMEM (no frame). */
int filemap_get_page(struct vmsh_sys *sys, struct vmsh_file *f, uint64_t index,
		     bool create, uint64_t *pfn);
/* The pfn caching page @index of @f, or UINT64_MAX. */
uint64_t file_cache_lookup(const struct vmsh_file *f, uint64_t index);
/* The same, trying first the node @c names (zeroed: none) and leaving
 * there the one this looks in: a walk of consecutive indexes
 * (fault-around) finds each in the node of the last, as the xarray's
 * xas_next() does. */
uint64_t file_cache_lookup_next(const struct vmsh_file *f, uint64_t index,
				struct pcache_cursor *c);
/* The page cache's radix tree well made (each node's count its used
 * slots, no empty node, cache_nr its pages): NULL, or what is wrong. */
const char *file_cache_check(const struct vmsh_file *f);
/* The folio of a page cache page (page_folio()): the cached first page of
 * its large folio, which holds the flags of the whole folio, or @pg
 * itself (the frames of a folio need not be contiguous). */
struct page *page_folio(const struct vmsh_sys *sys, const struct page *pg);
/* A new order-0 page at @index of @f's cache (not cached yet), the
 * allocation's reference being the cache's; UINT64_MAX without a free
 * frame (filemap_add_folio). */
uint64_t filemap_add_page(struct vmsh_sys *sys, struct vmsh_file *f,
			  uint64_t index, bool uptodate);
/* The same, the page kept out of the lru_add batch (the readahead of a
 * large folio queues the folio once, by its first page). */
uint64_t __filemap_add_page(struct vmsh_sys *sys, struct vmsh_file *f,
			    uint64_t index, bool uptodate);
/* Page @pfn (not cached, order 0) enters @f's cache at @index, the
 * caller's reference becoming the cache's (shmem's swap-in). */
void filemap_insert_page(struct vmsh_sys *sys, struct vmsh_file *f,
			 uint64_t index, uint64_t pfn);
/* Drop page @index (cached, its mappings gone) from the cache. */
void filemap_remove_page(struct vmsh_sys *sys, struct vmsh_file *f,
			 uint64_t index);
/* Drop every cached page and the index itself (the inode is freed). */
void truncate_inode_pages_final(struct vmsh_sys *sys, struct vmsh_file *f);
/* The indexes of the cached pages, sorted, their number in *@n (the
 * caller frees the array). */
uint64_t *file_cache_indexes(const struct vmsh_file *f, uint64_t *n);
/* Call @fn for every cached page of @f, in index order (@fn must not
 * change the cache). */
void file_for_each_page(const struct vmsh_file *f,
			void (*fn)(void *ctx, uint64_t index, uint64_t pfn),
			void *ctx);

/* ---- i_mmap (interval_tree.c) -------------------------------------------- */

/* rmap walk over an inode (the kernel's i_mmap): call @fn for every VMA of
 * a live mm mapping some of file pages [@first, @last] of @f, with the
 * part of that range it maps; mms newest first, then by address.  It
 * visits O(log n + hits) tree nodes.  @fn may not link or unlink VMAs. */
typedef void file_vma_fn(struct vmsh_vma *vma, uint64_t first, uint64_t last,
			 void *ctx);
void file_for_each_vma(struct vmsh_sys *sys, const struct vmsh_file *f,
		       uint64_t first, uint64_t last, file_vma_fn *fn,
		       void *ctx);
/* Link @vma (if it has a vm_file) in its inode's i_mmap, keyed by the
 * file pages it maps now; unlink it; re-key it after vm_start, vm_end or
 * vm_pgoff changed (vma_link, vma_unlink, vma_bounds_changed call them). */
void vma_interval_tree_insert(struct vmsh_vma *vma);
void vma_interval_tree_remove(struct vmsh_vma *vma);
void vma_interval_tree_sync(struct vmsh_vma *vma);
/* The last file page @vma maps: vm_pgoff + pages - 1. */
uint64_t vma_shared_last(const struct vmsh_vma *vma);

/* ---- readahead of disk files (readahead.c) ------------------------------- */

/* The mmap read-around of a major fault at @index of @vma (false: too
 * many misses, nothing read), and the async readahead when a reader at
 * @index meets the PG_readahead @folio. */
bool file_mmap_readaround(struct vmsh_sys *sys, struct vmsh_file *f,
			  struct file_ra_state *ra,
			  const struct vmsh_vma *vma, uint64_t index);
void file_async_ra(struct vmsh_sys *sys, struct vmsh_file *f,
		   struct file_ra_state *ra, struct page *folio,
		   uint64_t index, uint64_t req);
/* POSIX_FADV_WILLNEED on the bytes [off, off + len) of @f, as
 * madvise(MADV_WILLNEED) of a file mapping asks: a disk file reads the
 * missing pages (at most one readahead window, clipped to EOF) into its
 * page cache, mapping nothing; tmpfs, shmem and devices ignore it. */
void file_fadvise_willneed(struct vmsh_sys *sys, struct vmsh_file *f,
			   uint64_t off, uint64_t len);
/* page_cache_sync_ra for a fresh struct file (prev_pos -1; --host opens
 * the file for every read): a reader of @req pages at @index missed. */
void file_sync_ra(struct vmsh_sys *sys, struct vmsh_file *f,
		  struct file_ra_state *ra, uint64_t index, uint64_t req);

/* ---- truncate (truncate.c) ----------------------------------------------- */

/* A write starting past EOF zeroes the partial blocks of the gap [@old
 * (the EOF), @pos): the tail of the old EOF block and the head of @pos's
 * block, as ext4 does. */
void ext4_zero_gap(struct vmsh_sys *sys, struct vmsh_file *f, uint64_t old,
		   uint64_t pos);

/* split_folio() of a large page cache folio (madvise cold/pageout of
 * part of it): order-0 folios with its flags (PG_readahead/PG_reclaim on
 * the first), every PTE of it gone first (a file folio is not mapped
 * again after a split). */
void split_file_folio(struct vmsh_sys *sys, struct page *folio);

/* Punch a hole over pages [@first, @last] of @f, keeping its size
 * (madvise remove: fallocate PUNCH_HOLE|KEEP_SIZE).  Returns 0. */
int file_punch_hole(struct vmsh_sys *sys, struct vmsh_file *f, uint64_t first,
		    uint64_t last);

/* ---- writeback (writeback.c) --------------------------------------------- */

/* Write back the folio holding page @index of @f if it is dirty
 * (folio_clear_dirty_for_io: every PTE of it write-protected and
 * cleaned): the pages written, or 0. */
uint64_t file_writeback_folio(struct vmsh_sys *sys, struct vmsh_file *f,
			      uint64_t index);
/*
 * msync(MS_SYNC) of [start, end) inside @vma (vmsh_msync calls it for each
 * VMA in the range, after its own checks): for a VM_SHARED file VMA of a
 * disk file, writes back the dirty pages of the file range it covers, as
 * vfs_fsync_range does: every PTE mapping them (in every mm) is cleaned
 * and write-protected (folio_mkclean), then the page is clean.
 * tmpfs/shmem: nothing (noop_fsync).  Returns 0.
 */
int file_msync(struct vmsh_sys *sys, struct vmsh_vma *vma, uint64_t start,
	       uint64_t end);
/* ext4_release_file, the close of an open file of @inode: after a
 * truncate to 0, pending delayed-allocation pages are flushed. */
void file_release(struct vmsh_sys *sys, struct vmsh_file *inode);

/* ---- f_op->mmap (filemap.c) ---------------------------------------------- */

/*
 * f_op->mmap: do_mmap calls it for every file/device mapping once the new
 * VMA has vm_file (with its reference), vm_flags, vm_pgoff and its range
 * set, before linking/merging it, as call_mmap() does.  It sets vm_ops
 * and may change the VMA as the driver would:
 *  - tmpfs/disk file: vm_ops = shmem_vm_ops / generic_file_vm_ops;
 *  - /dev/zero shared: shmem_zero_setup (vm_file becomes a new shmem file);
 *    /dev/zero private: vma_set_anonymous (vm_ops NULL, vm_file kept);
 *  - eager device: vm_flags |= VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP,
 *    private (COW) mappings get vm_pgoff = pfn, and every PTE is filled
 *    now (remap_pfn_range: special PTEs, no rss, no mapcount);
 *  - lazy device: vm_ops with fault/open/close/page_mkwrite/access and
 *    VM_DONTEXPAND|VM_DONTDUMP.
 * After it returns 0, if vm_flags changed, try the merge again (Linux does).
 * Errors: -ENODEV (no mmap), -EINVAL (range beyond a device), -ENOMEM
 * (frames for page tables).  On error the VMA is unchanged except the PTEs
 * already filled, which the caller zaps (unmap_region).
 */
int file_mmap(struct vmsh_sys *sys, struct vmsh_vma *vma);
/* Shared anonymous memory (do_mmap MAP_SHARED|MAP_ANONYMOUS): give @vma its
 * own shmem file of the VMA's size (putting any previous vm_file) and
 * shmem_anon_vm_ops.  vm_pgoff is left as is (0 for MAP_ANONYMOUS). */
int shmem_zero_setup(struct vmsh_sys *sys, struct vmsh_vma *vma);

/* ---- device nodes (dev.c) ------------------------------------------------ */

/* The device node at @path ("/dev/zero", "/dev/vmsh-pfn", "/dev/vmsh-lazy"),
 * created on first use; NULL when none. */
struct vmsh_file *dev_find(struct vmsh_sys *sys, const char *path);
void dev_fini(struct vmsh_sys *sys);
/* The path of device @i of those that can be mapped, in `dev ls` order,
 * with its description in *@description; NULL past the last. */
const char *dev_describe(size_t i, const char **description);

#endif /* VMSH_SRC_ENGINE_FILE_H */
