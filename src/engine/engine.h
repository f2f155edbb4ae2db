/* SPDX-License-Identifier: MIT */
/*
 * Private structures of the vmsh engine, shared by its modules.
 *
 * Object graph (all owned by struct vmsh_sys):
 *
 *   sys --tasks--> task --mm--> mm --mm_rb/mmap list--> vma --anon_vma--> anon_vma
 *                       \--active_mm--^                  \--vm_file--> file --pages (page cache)
 *   sys --phys--> struct page[] (frames: anon, page cache, page tables, zero)
 *   sys --cpus--> cpu --tlb
 *
 * Invariants every module keeps (check.c verifies them):
 *  - an mm's VMAs do not overlap, are page aligned, non-empty, below
 *    task_size; the list is sorted by address and holds exactly the nodes of
 *    the red-black tree; map_count is their number;
 *  - rb_subtree_gap of a node = max(gap before it, children's subtree gaps),
 *    where the gap before a VMA is vm_start - prev->vm_end (prev NULL: vm_start);
 *  - a frame's mapcount is the number of PTEs mapping it; its refcount is
 *    mapcount + other holders (page cache, page-table use of the frame);
 *  - rss counters equal the present PTEs of each kind.
 */
#ifndef VMSH_SRC_ENGINE_ENGINE_H
#define VMSH_SRC_ENGINE_ENGINE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmsh/vmsh.h"
#include "rbtree.h"

#define PAGE_SHIFT VMSH_PAGE_SHIFT
#define PAGE_SIZE  VMSH_PAGE_SIZE
#define PAGE_MASK  (~(PAGE_SIZE - 1))
#define PAGE_ALIGN(x) (((x) + PAGE_SIZE - 1) & PAGE_MASK)

/* vm_flags: Linux's bit values, so VmFlags prints as the kernel does. */
#define VM_NONE         0x00000000ULL
#define VM_READ         0x00000001ULL
#define VM_WRITE        0x00000002ULL
#define VM_EXEC         0x00000004ULL
#define VM_SHARED       0x00000008ULL
#define VM_MAYREAD      0x00000010ULL
#define VM_MAYWRITE     0x00000020ULL
#define VM_MAYEXEC      0x00000040ULL
#define VM_MAYSHARE     0x00000080ULL
#define VM_GROWSDOWN    0x00000100ULL
#define VM_UFFD_MISSING 0x00000200ULL
#define VM_PFNMAP       0x00000400ULL
#define VM_MAYBE_GUARD  0x00000800ULL
#define VM_UFFD_WP      0x00001000ULL
#define VM_LOCKED       0x00002000ULL
#define VM_IO           0x00004000ULL
#define VM_SEQ_READ     0x00008000ULL
#define VM_RAND_READ    0x00010000ULL
#define VM_DONTCOPY     0x00020000ULL
#define VM_DONTEXPAND   0x00040000ULL
#define VM_LOCKONFAULT  0x00080000ULL
#define VM_ACCOUNT      0x00100000ULL
#define VM_NORESERVE    0x00200000ULL
#define VM_HUGETLB      0x00400000ULL
#define VM_SYNC         0x00800000ULL
#define VM_ARCH_1       0x01000000ULL
#define VM_WIPEONFORK   0x02000000ULL
#define VM_DONTDUMP     0x04000000ULL
#define VM_SOFTDIRTY    0x08000000ULL
#define VM_MIXEDMAP     0x10000000ULL
#define VM_HUGEPAGE     0x20000000ULL
#define VM_NOHUGEPAGE   0x40000000ULL
#define VM_MERGEABLE    0x80000000ULL

#define VM_STACK_FLAGS  (VM_GROWSDOWN | VM_READ | VM_WRITE | VM_MAYREAD | \
			 VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT)
#define VM_SPECIAL      (VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP)

/* x86-64 page-table entry bits (arch/x86/include/asm/pgtable_types.h). */
#define _PAGE_PRESENT    (1ULL << 0)
#define _PAGE_RW         (1ULL << 1)
#define _PAGE_USER       (1ULL << 2)
#define _PAGE_PWT        (1ULL << 3)
#define _PAGE_PCD        (1ULL << 4)
#define _PAGE_ACCESSED   (1ULL << 5)
#define _PAGE_DIRTY      (1ULL << 6)
#define _PAGE_PSE        (1ULL << 7)
#define _PAGE_GLOBAL     (1ULL << 8)
#define _PAGE_PROTNONE   _PAGE_GLOBAL
#define _PAGE_SPECIAL    (1ULL << 9)
#define _PAGE_UFFD_WP    (1ULL << 10)
#define _PAGE_SOFT_DIRTY (1ULL << 11)
#define _PAGE_SAVED_DIRTY (1ULL << 58)
#define _PAGE_NX         (1ULL << 63)
/* x86-64 Linux stores the PFN of a PROT_NONE entry inverted (L1TF);
 * vmsh keeps it plain, so (pte & PTE_PFN_MASK) works on every entry.
 * pte_pfn() is the accessor all the same. */
#define PTE_PFN_MASK     0x000ffffffffff000ULL
/* Flags of a non-leaf entry, as Linux's _PAGE_TABLE. */
#define _PAGE_TABLE      (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)

struct vmsh_sys;
struct vmsh_mm;
struct vmsh_vma;
struct vmsh_file;
struct vmsh_task;

/* ---- physical memory (phys.c) ------------------------------------------- */

enum page_kind {
	PAGE_FREE = 0,
	PAGE_ANON,          /* anonymous page, owned by an anon_vma */
	PAGE_FILE,          /* page-cache page of a file (also shmem) */
	PAGE_PGTABLE,       /* a page-table page: data holds 512 entries */
	PAGE_ZERO,          /* the shared zero page */
	PAGE_DEV,           /* device memory (remap_pfn_range / vm_ops->fault) */
};

struct page {
	uint8_t kind;           /* enum page_kind */
	bool dirty;             /* PG_dirty */
	bool uptodate;          /* PG_uptodate (page cache; only a disk
				   file's EOF page zeroed by truncate over a
				   hole is ever cached without it) */
	bool on_disk;           /* a disk file's page written back (msync):
				   its block exists though it is clean */
	bool referenced;        /* PG_referenced */
	bool exclusive;         /* PageAnonExclusive */
	bool readahead;         /* PG_readahead: disk readahead's mark (file.c) */
	bool active;            /* PG_active (LRU; see mark_page_accessed) */
	uint8_t order;          /* log2 of the folio's pages: a disk file's
				   readahead makes large folios (file.c); the
				   flags above of a page cache page are its
				   folio's, kept on the folio's first page */
	uint64_t head;          /* order > 0: pfn of the folio's first page
				   (page_folio); the frames of a folio need
				   not be contiguous */
	uint8_t fill;           /* every byte has this value while data == NULL */
	uint8_t run_len;        /* data == NULL: bytes [run_off, run_off+run_len) */
	uint16_t run_off;       /*   hold run[] instead of fill (one small write */
	uint8_t run[8];         /*   costs no 4 KiB buffer) */
	int32_t refcount;
	int32_t mapcount;
	uint8_t *data;          /* 4 KiB of contents, or NULL (all == fill) */
	struct vmsh_file *file; /* PAGE_FILE: the file; index is its page index */
	struct anon_vma *anon;  /* PAGE_ANON: its anon_vma */
	uint64_t index;         /* file page index, or linear page index for anon */
};

struct phys {
	uint64_t nframes;
	struct page *pages;     /* nframes entries; pfn = index */
	uint64_t nfree;
	uint64_t next_free;     /* search hint */
	uint64_t hiwater;       /* frames at and above it were never used:
				   loops over frames stop there */
	uint64_t zero_pfn;
	uint64_t iter_i, iter_pfn;  /* vmsh_frame_info cursor (a cache) */
	char owner_buf[300];        /* vmsh_frame_info's "file:NAME" */
};

/* Build the frame pool of cfg.ram bytes and the zero page (vmsh_sys_new
 * calls it before anything else); 0 or -ENOMEM.  phys_fini frees it. */
int phys_init(struct vmsh_sys *sys);
void phys_fini(struct vmsh_sys *sys);

/* Allocate a frame (refcount 1, contents zero).  Returns the pfn, or
 * UINT64_MAX when physical memory is exhausted. */
uint64_t phys_alloc(struct vmsh_sys *sys, enum page_kind kind);
void phys_get(struct vmsh_sys *sys, uint64_t pfn);
/* Drop a reference; the frame is freed (contents released) at zero.  A
 * frame still holding an anon_vma reference (page->anon) is freed by
 * put_page() instead: phys_put aborts on it. */
void phys_put(struct vmsh_sys *sys, uint64_t pfn);
struct page *phys_page(struct vmsh_sys *sys, uint64_t pfn);
/* Byte access to a frame's contents (sparse: materialises on mixed write). */
uint8_t phys_read_byte(const struct vmsh_sys *sys, uint64_t pfn, unsigned off);
void phys_read(const struct vmsh_sys *sys, uint64_t pfn, unsigned off,
	       uint8_t *buf, unsigned len);
void phys_write(struct vmsh_sys *sys, uint64_t pfn, unsigned off,
		const uint8_t *buf, uint8_t fill, unsigned len);
void phys_copy(struct vmsh_sys *sys, uint64_t dst, uint64_t src);
/* folio_mark_accessed() on the classic LRU (no MGLRU on this kernel): the
 * first call sets PG_referenced, the next activates the page and clears
 * it; an unevictable (mlocked) page only ever gets PG_referenced.  GUP
 * (populate, FOLL_TOUCH) and the zap of a young file PTE call it; smaps
 * counts PG_referenced pages as Referenced. */
void mark_page_accessed(struct page *page, bool unevictable);
void phys_zero(struct vmsh_sys *sys, uint64_t pfn);
/* The folio of a page cache page (page_folio()): the first page of its
 * large folio (page->head), which holds the flags of the whole folio, or
 * @pg itself. */
struct page *page_folio(const struct vmsh_sys *sys, const struct page *pg);

/* Build the frame pool of sys->cfg.ram (and the zero page); -ENOMEM when
 * the host cannot.  phys_fini releases it at machine teardown. */
int phys_init(struct vmsh_sys *sys);
void phys_fini(struct vmsh_sys *sys);

/* ---- anon_vma ----------------------------------------------------------- */

/*
 * After fork (anon_vma_fork) a child VMA whose parent VMA had an anon_vma
 * gets a new anon_vma with parent = the parent VMA's and inherited = true;
 * its COWed pages go there, the shared ones stay on the parent's.  In Linux
 * such a VMA has a non-singular anon_vma_chain, and that is exactly what
 * inherited says: "had uncowed parents" (6.16 merge rule, mm/vma.c
 * is_mergeable_anon_vma) == anon_vma && anon_vma->inherited, and
 * find_mergeable_anon_vma never reuses an inherited anon_vma.  Splits and
 * copies share the anon_vma and so keep the property.  The child anon_vma
 * holds a reference on its parent (anon_vma_put drops it when the child's
 * is freed).
 */
struct anon_vma {
	unsigned id;            /* shown by `vmas` */
	int refcount;           /* VMAs pointing at it + pages + child anon_vmas */
	struct anon_vma *parent;/* anon_vma it was forked from, or NULL */
	bool inherited;         /* VMA got it through fork (6.16 merge rule) */
	struct anon_vma *next_all; /* sys->anon_vmas list */
	struct anon_vma **pprev_all; /* the pointer to it in that list */
};

/* ---- files and devices (file.c, dev.c) ---------------------------------- */

struct vm_fault;

struct vm_operations {
	const char *name;       /* shown by `vmas`: "shmem_vm_ops", ... */
	void (*open)(struct vmsh_vma *vma);
	void (*close)(struct vmsh_vma *vma);
	/* Return 0 with *pfn set (a referenced frame), or VM_FAULT_SIGBUS... */
	int (*fault)(struct vmsh_vma *vma, uint64_t pgoff, uint64_t *pfn);
	int (*page_mkwrite)(struct vmsh_vma *vma, uint64_t pgoff, uint64_t pfn);
	int (*access)(struct vmsh_vma *vma, uint64_t addr, uint8_t *buf,
		      uint64_t len, bool write);
	/* Fault-around (filemap_map_pages): map the cached, uptodate pages of
	 * file pages [start_pgoff, end_pgoff] around the fault at @addr.
	 * Returns true when the page at @addr got mapped. */
	bool (*map_pages)(struct vmsh_vma *vma, uint64_t addr,
			  uint64_t start_pgoff, uint64_t end_pgoff);
};

#define VM_FAULT_SIGBUS  0x2
#define VM_FAULT_SIGSEGV 0x4
#define VM_FAULT_OOM     0x1
#define VM_FAULT_RETRY   0x400  /* filemap.c internal: fault again */

struct vmsh_file {
	char *name;
	char *path;             /* shown in maps */
	uint64_t size;          /* i_size */
	bool disk;              /* write-notify + writeback */
	bool da_alloc_close;    /* ext4: truncated to 0, flush on close */
	bool shmem;             /* anonymous shared memory's backing file */
	bool deleted;           /* removed while mapped */
	unsigned long ino;
	unsigned dev_major, dev_minor;
	int refcount;           /* VMAs + the directory entry */
	/* page cache: an open-addressing hash index -> pfn (file.c); use
	 * file_cache_lookup() and file_for_each_page() to read it.  Each
	 * cached frame holds one reference owned by the cache. */
	struct pcache_slot { uint64_t index, pfn; } *cache;
	uint64_t cache_cap;     /* slots allocated (power of two or 0) */
	uint64_t cache_nr;      /* pages cached */
	const struct vm_operations *vm_ops;
	/* f_op->mmap of a device node (dev.c); NULL for regular files */
	int (*mmap)(struct vmsh_sys *sys, struct vmsh_vma *vma);
	const char *description;/* devices: shown by `dev ls` */
	bool device;            /* a device node (not listed by `file ls`) */
	uint64_t dev_pages;     /* devices: size of the device memory */
	struct vmsh_file *next; /* sys->files (sys->devs for devices) */
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
	/* disk files: this open file's readahead state (struct file_ra_state) */
	struct file_ra_state {
		uint64_t start, size, async_size;
		unsigned mmap_miss;
		unsigned order;         /* folio order of the last window */
	} ra;
};

/* ra->ra_pages of a disk file: read_ahead_kb 8192 on our build machines */
#define RA_PAGES 2048ULL

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

/* ---- VMAs (vma.c) -------------------------------------------------------- */

struct vmsh_vma {
	uint64_t vm_start, vm_end;
	struct vmsh_vma *vm_next, *vm_prev;   /* sorted list */
	struct rb_node vm_rb;
	uint64_t rb_subtree_gap;

	struct vmsh_mm *vm_mm;
	uint64_t vm_flags;
	uint64_t vm_pgoff;                    /* in pages */
	struct vmsh_file *vm_file;
	struct anon_vma *anon_vma;
	const struct vm_operations *vm_ops;
	void *vm_private_data;
};

/* ---- mm_struct (mm.c) ----------------------------------------------------- */

enum { MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES, NR_MM_COUNTERS };

struct vmsh_mm {
	unsigned id;
	struct vmsh_sys *sys;
	struct rb_root mm_rb;
	struct vmsh_vma *mmap;                /* first VMA of the list */
	struct vmsh_vma *mmap_cache;          /* last find_vma hit */
	struct vmsh_vma *info_vma;            /* vmsh_vma_info's cursor: the */
	size_t info_i;                        /*   info_i-th VMA, or NULL */
	uint64_t map_count;
	int mm_users, mm_count;
	uint64_t total_vm, locked_vm, data_vm, exec_vm, stack_vm;
	int64_t rss[NR_MM_COUNTERS];
	uint64_t hiwater_rss;
	uint64_t pgd;                         /* pfn of the top table */
	uint64_t pgtables_bytes;
	uint64_t mmap_base, task_size, mmap_window;
	uint64_t start_brk, brk, start_stack;
	uint64_t tlb_gen;                     /* bumped by every TLB flush of this mm (tlb.c) */
	/* mmu_gather state (pgtable.c tlb_gather_mmu/tlb_finish_mmu) */
	int gather_depth;
	bool gather_fullmm, gather_any;
	uint64_t gather_lo, gather_hi;
	struct vmsh_mm *next_all;             /* sys->mms list */
};

/* ---- tasks, CPUs, TLB --------------------------------------------------- */

struct vmsh_task {
	int pid, ppid;
	enum vmsh_task_kind kind;
	struct vmsh_mm *mm;                   /* NULL for kernel threads */
	struct vmsh_mm *active_mm;
	int cpu;
	struct vmsh_task *next;               /* sys->tasks, sorted by pid */
	int tgid;                             /* thread group: the pid of the
						 process a `clone vm` thread
						 belongs to; its own pid else */
};

struct tlb_entry {
	bool valid;
	bool global;
	uint16_t asid;
	uint64_t vpn, pfn;
	uint64_t flags;                       /* _PAGE_RW, _PAGE_USER, _PAGE_NX, D, A */
	uint64_t lru;
};

struct tlb {
	unsigned entries, ways, sets;
	struct tlb_entry *e;                  /* sets * ways */
	uint64_t tick;
	uint64_t version;                     /* bumped when entries change */
};

#define TLB_NR_ASIDS 6                 /* x86 TLB_NR_DYN_ASIDS */
#define TLB_FLUSH_CEILING 33            /* x86 tlb_single_page_flush_ceiling */
/*
 * task.c keeps, for every CPU: curr is the task running there (NULL: the
 * idle task); loaded_mm is curr's active_mm (a user task's mm, the mm a
 * kernel thread or the idle task borrows, or NULL for init_mm).  A kernel
 * thread or idle CPU holds one mm_count reference (lazy TLB) on the mm it
 * borrows; a user task's mm is pinned by its mm_users.
 */
struct cpu {
	int id;
	struct vmsh_task *curr;
	struct vmsh_mm *loaded_mm;
	/* tlb.c's view: the id of the mm the TLB's current ASID translates
	 * for (0: none yet).  It follows loaded_mm through tlb_switch_mm;
	 * pid 1's first access sets it.  mm ids are never reused (the
	 * kernel's ctx_id), so a freed mm is never matched. */
	unsigned loaded_mm_id;
	struct tlb tlb;
	/* PCID: the mms cached in each ASID slot and the tlb_gen each has
	 * caught up to (x86 cpu_tlbstate.ctxs[]). */
	struct { unsigned mm_id; uint64_t gen; } asid[TLB_NR_ASIDS];
	unsigned next_asid;
	uint16_t cur_asid;
	/* counters of this CPU (the `tlb` view) */
	uint64_t hits, misses, walk_refs, flushes, shootdowns, stale_hits;
};

/* Event counters; names in stat.c's table, in this order. */
enum vmsh_stat_item {
	ST_PGFAULT, ST_PGMAJFAULT, ST_ANON_FAULT, ST_FILE_FAULT, ST_ZERO_PAGE_MAP,
	ST_COW_COPY, ST_COW_REUSE, ST_FAULT_AROUND, ST_PAGE_MKWRITE,
	ST_SIGSEGV, ST_SIGBUS, ST_OOM_KILL,
	ST_TLB_HIT, ST_TLB_MISS, ST_TLB_WALK_REFS, ST_TLB_FLUSH_ALL,
	ST_TLB_FLUSH_RANGE, ST_TLB_FLUSH_PAGE, ST_TLB_SHOOTDOWN,
	ST_PGALLOC, ST_PGFREE, ST_PGTABLE_ALLOC, ST_PGTABLE_FREE,
	ST_MMAP, ST_MUNMAP, ST_MPROTECT, ST_MREMAP, ST_VMA_MERGE, ST_VMA_SPLIT,
	ST_FORK, ST_NR
};

struct vmsh_sys {
	struct vmsh_config cfg;
	struct phys phys;
	struct vmsh_task *tasks;
	struct vmsh_task *current;
	int next_pid;
	struct vmsh_mm *mms;
	unsigned next_mm_id;
	struct anon_vma *anon_vmas;
	unsigned next_anon_vma_id;
	struct vmsh_file *files;
	unsigned long next_ino;
	struct vmsh_file *devs;               /* device nodes (dev.c) */
	unsigned long next_shmem_ino;         /* inodes of shm_mnt (dev 00:01) */
	struct cpu *cpus;
	int cur_cpu;
	uint64_t stat[ST_NR];
	vmsh_trace_fn *trace_fn;
	void *trace_ctx;
	vmsh_trace_fn *warn_fn;
	void *warn_ctx;
	uint64_t rng;                         /* --aslr state */
};

/* ---- helpers every module uses ------------------------------------------ */

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* Emit a trace line when tracing is on (printf format). */
void trace(struct vmsh_sys *sys, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void warn(struct vmsh_sys *sys, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline bool tracing(const struct vmsh_sys *sys) { return sys->trace_fn != NULL; }

/* mm.c */
/* An mm with no VMA: mm_users = mm_count = 1, a PGD (pgtable_init), the
 * layout fields of a new process (task_size, mmap_window, mmap_base,
 * start_brk = brk, start_stack), an id, linked on sys->mms; everything else
 * zero.  NULL when no frame is left for the PGD.  fork's dup_mm builds on
 * it; mm_new is mm_alloc plus the initial [stack] VMA. */
struct vmsh_mm *mm_alloc(struct vmsh_sys *sys);
struct vmsh_mm *mm_new(struct vmsh_sys *sys);        /* initial layout */
void mm_get(struct vmsh_mm *mm);                     /* mm_users++ */
void mm_put(struct vmsh_mm *mm);                     /* mm_users--, teardown at 0 */
void mmgrab(struct vmsh_mm *mm);                     /* mm_count++ */
void mmdrop(struct vmsh_mm *mm);                     /* mm_count--, free at 0 */
void mm_add_rss(struct vmsh_mm *mm, int counter, int64_t delta);
uint64_t mm_rss(const struct vmsh_mm *mm);

/* task.c: the task table (pids 1, 2, 3, ... in creation order, never
 * reused; sys->tasks sorted by pid) and the scheduler's context switch. */
/* Add a task of @kind with @mm (NULL for a kernel thread) to the table; the
 * task takes over the caller's mm_users reference on @mm.  pid = next free
 * pid; active_mm = mm; cpu 0.  sys.c creates pid 1 with
 *   t = task_new(sys, VMSH_TASK_PROCESS, mm_new(sys), 0); task_start(sys, t);
 * NULL when the pid space is exhausted. */
struct vmsh_task *task_new(struct vmsh_sys *sys, enum vmsh_task_kind kind,
			   struct vmsh_mm *mm, int ppid);
/* Make @t the running task of CPU 0 and the current task (machine boot):
 * cpus[0].curr = t, cpus[0].loaded_mm = t->mm (no extra reference). */
void task_start(struct vmsh_sys *sys, struct vmsh_task *t);
/* Free every task at machine teardown: drops their mm references (mm_put)
 * and the lazy references of kernel threads and idle CPUs (mmdrop). */
void task_free_all(struct vmsh_sys *sys);
/* pid 0: the current task.  NULL when there is no such task. */
struct vmsh_task *task_of_pid(const struct vmsh_sys *sys, int pid);
/* execve's de_thread(): the other threads of @t's group exit; a thread
 * that execs takes over its leader's pid. */
void task_de_thread(struct vmsh_sys *sys, struct vmsh_task *t);
/* task_of_pid(pid)->mm; NULL for a kernel thread or no such task. */
struct vmsh_mm *mm_of_pid(const struct vmsh_sys *sys, int pid);
/* The OOM killer (paging calls it when a fault finds no free frame): kills
 * @victim and every other task using its mm, as __oom_kill_process does,
 * so that the memory is really freed.  When no task would be left, a new
 * process (next pid, fresh mm) is started so that the shell can go on.
 * Counts ST_OOM_KILL.  Returns the victim's pid, for
 * "pid N: killed (out of memory)". */
int oom_kill_task(struct vmsh_sys *sys, struct vmsh_task *victim);
/* Task and mm-lifetime invariants (vmsh_check calls it): pids in order,
 * kinds match mms, mm_users = tasks using the mm, mm_count = (users > 0) +
 * lazy borrowers, each CPU's loaded_mm = what runs there's active_mm.
 * Returns the number of problems, the first described in @buf. */
int check_tasks(const struct vmsh_sys *sys, char *buf, size_t size);

/* vma.c: the tree + list */
struct vmsh_vma *find_vma(struct vmsh_mm *mm, uint64_t addr);   /* first with addr < vm_end */
struct vmsh_vma *find_vma_prev(struct vmsh_mm *mm, uint64_t addr, struct vmsh_vma **pprev);
struct vmsh_vma *vma_alloc(struct vmsh_mm *mm);
void vma_free(struct vmsh_vma *vma);
/* vm_area_dup(): an unlinked copy of @vma holding its own anon_vma and
 * file references (the caller sets its range, then calls ->open). */
struct vmsh_vma *vm_area_dup(struct vmsh_vma *vma);
void vma_link(struct vmsh_mm *mm, struct vmsh_vma *vma);       /* insert in tree + list */
void vma_unlink(struct vmsh_mm *mm, struct vmsh_vma *vma);
void vma_gap_update(struct vmsh_vma *vma);                     /* after vm_start/vm_end change */
/* Linux's vma_is_anonymous() is !vma->vm_ops: a private /dev/zero VMA keeps
 * its vm_file (maps shows it) but is anonymous (mremap's pgoff reset,
 * mprotect's VM_ACCOUNT rule); the differential runner sees both. */
bool vma_is_anonymous(const struct vmsh_vma *vma);
static inline uint64_t vma_pages(const struct vmsh_vma *v) { return (v->vm_end - v->vm_start) >> PAGE_SHIFT; }
/* The file (or anon linear) page index of @addr in @vma. */
static inline uint64_t linear_page_index(const struct vmsh_vma *vma,
					 uint64_t addr)
{
	return vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
}
void anon_vma_get(struct anon_vma *av);
void anon_vma_put(struct vmsh_sys *sys, struct anon_vma *av);
/* put_page(): drop a reference to a frame a PTE or a fault held; freeing
 * an anonymous page releases its anon_vma reference, which the frame
 * layer (phys_put) leaves alone. */
void put_page(struct vmsh_sys *sys, uint64_t pfn);
struct anon_vma *anon_vma_new(struct vmsh_sys *sys);
/* Assign an anon_vma at the first anonymous page (reusing a neighbour's
 * as find_mergeable_anon_vma does).  0 or -ENOMEM. */
int anon_vma_prepare(struct vmsh_vma *vma);

/* pgtable.c */
int pgtable_init(struct vmsh_mm *mm);                 /* allocate the PGD */
void pgtable_free_all(struct vmsh_mm *mm);
/* Pointer to the PTE for @addr, allocating tables when @alloc (NULL when
 * not present and !alloc, or out of frames). */
uint64_t *pte_lookup(struct vmsh_mm *mm, uint64_t addr, bool alloc);
/* The entry pointing at @addr's PTE table (the PMD, whatever the number
 * of levels), allocating the tables above it: what __handle_mm_fault
 * allocates; the PTE table itself comes with the first PTE set in it
 * (pte_lookup(alloc)), so *pmd == 0 is pmd_none().  NULL: out of frames. */
uint64_t *pmd_alloc(struct vmsh_mm *mm, uint64_t addr);
/* Remove every PTE in [start, end), dropping mapcounts/refcounts and rss,
 * and flushing the TLB range (zap_page_range). */
void zap_page_range(struct vmsh_vma *vma, uint64_t start, uint64_t end);
/* try_to_unmap_one() of file page @pfn mapped at @addr of @vma (nothing
 * when the PTE maps something else): the PTE cleared and flushed, its
 * dirty bit carried to the folio, no accessed mark (unlike a zap). */
void unmap_file_pte(struct vmsh_vma *vma, uint64_t addr, uint64_t pfn);
/* mmu_gather: between tlb_gather_mmu(mm) and tlb_finish_mmu(mm) (they
 * nest), zap_page_range and free_pgtables only collect what to flush --
 * the cleared PTEs and, as pte_free_tlb() does, the first page of each
 * freed table's span -- and tlb_finish_mmu flushes it with one
 * flush_tlb_range, as unmap_region()/vms_clear_ptes() do for munmap.
 * tlb_gather_mmu_fullmm (exit_mmap) ends with flush_tlb_mm instead.
 * Without a gather each zap_page_range call flushes what it cleared
 * (madvise DONTNEED: one gather per call in Linux too). */
void tlb_gather_mmu(struct vmsh_mm *mm);
void tlb_gather_mmu_fullmm(struct vmsh_mm *mm);
void tlb_finish_mmu(struct vmsh_mm *mm);
/* Free page tables no VMA needs any more in [floor, ceiling) (free_pgtables).
 * The VMA engine calls it after unmapping [start, end) with floor = the
 * previous VMA's end (0: none) and ceiling = the next VMA's start (0: none,
 * i.e. the top of the address space, Linux's USER_PGTABLES_CEILING). */
void free_pgtables(struct vmsh_mm *mm, uint64_t start, uint64_t end,
		   uint64_t floor, uint64_t ceiling);
/* Change the protection of present PTEs in [start, end) to match vma
 * (change_protection), flushing the TLB where Linux must. */
void change_protection(struct vmsh_vma *vma, uint64_t start, uint64_t end);
/* Move PTEs from [old, old+len) to [new, new+len) (move_page_tables). */
void move_page_tables(struct vmsh_vma *vma, uint64_t old_addr,
		      struct vmsh_vma *new_vma, uint64_t new_addr, uint64_t len);
uint64_t pte_mkentry(uint64_t pfn, uint64_t vm_flags, bool write, bool dirty, bool young);
/* The PTE protection bits of a VMA (vm_get_page_prot, with write-notify
 * dropping RW from shared mappings that want it: vma_set_page_prot). */
uint64_t vma_page_prot(const struct vmsh_vma *vma);
/* pte_present(): P or PROTNONE (a PROT_NONE entry still maps its page). */
static inline bool pte_present(uint64_t pte) { return pte & (_PAGE_PRESENT | _PAGE_PROTNONE); }
static inline uint64_t pte_pfn(uint64_t pte)
{
	return (pte & PTE_PFN_MASK) >> PAGE_SHIFT;
}
/* Page-table geometry: cfg.levels levels, depth 0 = the PGD. */
unsigned pt_shift(int levels, int depth);          /* VA bit of depth's index */
/* End of the span of the entry holding @addr at @depth, clipped to @end
 * (pgd_addr_end and friends, overflow-safe). */
uint64_t pt_entry_end(int levels, int depth, uint64_t addr, uint64_t end);
/* x86 protection_map[]: the PTE bits of @vm_flags' R/W/X/SHARED; every
 * template carries _PAGE_ACCESSED. */
uint64_t vm_get_page_prot(uint64_t vm_flags);
/* __tlb_adjust_range(): widen the range the open mmu_gather of @mm will
 * flush to cover [start, end). */
void tlb_adjust_range(struct vmsh_mm *mm, uint64_t start, uint64_t end);
const char *pt_level_name(int levels, int depth);  /* "PGD", "P4D", ... */
uint64_t *pt_table(const struct vmsh_sys *sys, uint64_t pfn);
/* Build a PTE for @pfn with protection bits @prot (x86 pfn_pte, without
 * the L1TF inversion of PROT_NONE entries: see PTE_PFN_MASK). */
uint64_t mk_pte(uint64_t pfn, uint64_t prot);
uint64_t pte_mkdirty(uint64_t pte);                /* D (+ SOFT_DIRTY) */
/* Call @fn for every non-zero leaf entry of @mm in [start, end) (existing
 * tables only, ascending addresses).  @fn may change or clear the entry. */
typedef void pte_walk_fn(uint64_t *ptep, uint64_t addr, void *ctx);
void pte_walk_range(const struct vmsh_mm *mm, uint64_t start, uint64_t end,
		    pte_walk_fn *fn, void *ctx);
/* Resident normal pages mapped by @vma's PTEs (what smaps calls Rss, in
 * pages; walks only existing tables). */
uint64_t vma_rss_pages(const struct vmsh_vma *vma);
/* hiwater_rss = max(hiwater_rss, rss): call just before rss decreases. */
void update_hiwater_rss(struct vmsh_mm *mm);
/* Frame and rss invariants of every mm (vmsh_check calls it): each
 * frame's mapcount equals the PTEs mapping it, each mm's rss counters
 * equal its present PTEs of each kind.  Returns the number of problems,
 * the first described in @buf. */
int check_pages(const struct vmsh_sys *sys, char *buf, size_t size);
/* This kernel (6.18 on the build machines) is built without
 * CONFIG_MEM_SOFT_DIRTY: VmFlags shows no "sd" and pagemap bit 55 stays 0,
 * so PTEs never get _PAGE_SOFT_DIRTY.  Set to 1 to model a kernel with it. */
#define VMSH_SOFT_DIRTY 0

/* fault.c */
/* Handle a fault at @addr; returns 0 or VM_FAULT_* with f filled. */
int handle_mm_fault(struct vmsh_sys *sys, struct vmsh_mm *mm, uint64_t addr,
		    bool write, struct vmsh_fault *f);
/* Populate [start, end) as MAP_POPULATE / mlock do.
 * GUP's FOLL_TOUCH marks every page it populates accessed
 * (mark_page_accessed: PG_referenced), so a forked child, whose PTEs are
 * old, still counts populated pages as Referenced in smaps (e.g. a
 * MAP_LOCKED or MAP_POPULATE area: child Referenced = Rss).  Likewise
 * write(2) to a tmpfs file marks the page accessed (shmem_get_folio with
 * SGP_WRITE): a child mapping such file pages shows them Referenced. */
int populate_range(struct vmsh_sys *sys, struct vmsh_mm *mm, uint64_t start,
		   uint64_t end);

/* filemap.c: faults on VMAs backed by a file, shmem or a device's vm_ops
 * (read fault with fault-around, COW of a private file page, shared fault
 * with page_mkwrite).  handle_mm_fault calls it for such VMAs when the PTE
 * is not present, or for a write to a write-protected shared-file PTE.
 * Returns 0 or VM_FAULT_*.
 * "Such VMAs" are those with vm_ops != NULL (!vma_is_anonymous): a private
 * /dev/zero VMA has a vm_file but no vm_ops and is anonymous.  A write to
 * a present read-only PTE of a private (COW) file VMA is paging's
 * do_wp_page: the page-cache page is never reused, always copied (use
 * page_mm_counter for the counters).  On VM_FAULT_SIGBUS (past EOF, or
 * a device's fault refusing) @f is filled with SIGBUS/BUS_ADRERR; paging
 * counts and delivers the signal.  VM_FAULT_OOM: no frame. */
int do_file_fault(struct vmsh_sys *sys, struct vmsh_vma *vma, uint64_t addr,
		  bool write, struct vmsh_fault *f);

/*
 * tlb.c: the MMU of each CPU (TLB + hardware page walk) and the kernel's
 * TLB flushing (arch/x86/mm/tlb.c).
 *
 * The access path (access.c) translates every access with mmu_translate():
 *
 *	while ((r = mmu_translate(sys, mm, addr, write, &pfn)) == -EFAULT) {
 *		if (handle_mm_fault(...) != 0) -> signal, stop
 *		(a second -EFAULT after a successful fault is a bug)
 *	}
 *	... access the frame pfn ...
 *
 * mmu_translate uses the TLB entry when it permits the access; otherwise
 * it walks the page table as the CPU does (counting one memory reference
 * per level), sets A (and D for a write) in the PTE, and fills the TLB.
 * It returns -EFAULT when the walk finds no present PTE allowing the
 * access: the CPU's page fault.  The fault handler does not touch the TLB.
 *
 * Flush points (whoever changes a present PTE calls these, after the
 * change, as Linux does; with cfg.lazy_flush they are skipped):
 *  - munmap / MADV_DONTNEED / exit zap:  flush_tlb_range(mm, start, end) over
 *    the zapped range (more than TLB_FLUSH_CEILING pages: a full flush);
 *  - mprotect (change_protection): flush_tlb_range over the PTEs for which
 *    pte_needs_flush(old, new) is true (one call covering first..last such
 *    page, as mmu_gather does; none when no PTE needs it);
 *  - COW copy (do_wp_page replacing the PTE): flush_tlb_page(mm, addr);
 *    COW reuse (making the same page writable): no flush;
 *  - fork: flush_tlb_mm(parent) after write-protecting its PTEs (dup_mmap);
 *  - mremap move (move_page_tables): flush_tlb_range over the old range;
 *  - context switch: tlb_switch_mm(sys, cpu, prev_mm, next_mm) with next_mm
 *    NULL for a kernel thread (lazy TLB: nothing is flushed).
 */
void tlb_init(struct vmsh_sys *sys);
void tlb_fini(struct vmsh_sys *sys);
/* Translate @addr for a user @write (or read) of @mm on the current CPU.
 * 0 with *@pfn set, or -EFAULT: no present PTE permits it (page fault). */
int mmu_translate(struct vmsh_sys *sys, struct vmsh_mm *mm, uint64_t addr,
		  bool write, uint64_t *pfn);
/* Look @addr up in the current CPU's TLB for @mm.  On a hit returns true
 * with the cached pfn and PTE flag bits (_PAGE_RW, _PAGE_USER, _PAGE_NX,
 * _PAGE_DIRTY, _PAGE_ACCESSED); counts hits and misses.  (A building block
 * of mmu_translate; the access path should call mmu_translate.) */
bool tlb_lookup(struct vmsh_sys *sys, struct vmsh_mm *mm, uint64_t addr,
		uint64_t *pfn, uint64_t *flags);
/* Cache the translation the page walk found (after A/D were set). */
void tlb_fill(struct vmsh_sys *sys, struct vmsh_mm *mm, uint64_t addr,
	      uint64_t pte);
/* x86 pte_needs_flush(): must the TLB be flushed after a present PTE
 * changed from @oldpte to @newpte?  Yes when the PFN changed, when P, D
 * (or A) was cleared, or when RW, USER, NX, PWT, PCD, PAT, G or the pkey
 * changed; software bits (SPECIAL, UFFD_WP, SOFT_DIRTY, SAVED_DIRTY) never
 * need one; a non-present old PTE never does. */
bool pte_needs_flush(uint64_t oldpte, uint64_t newpte);
void flush_tlb_range(struct vmsh_mm *mm, uint64_t start, uint64_t end);
void flush_tlb_page(struct vmsh_mm *mm, uint64_t addr);
void flush_tlb_mm(struct vmsh_mm *mm);
/* CR3 write on @cpu (switch_mm_irqs_off): task.c calls it when a user task
 * is switched in (also by execve), with prev = the CPU's loaded_mm (NULL
 * for init_mm; prev == next is possible and flushes nothing unless the
 * CPU ran lazily and missed flushes of next), then sets
 * cpus[cpu].loaded_mm = next itself.  Switching to a kernel thread calls
 * nothing (lazy TLB): tlb.c sees a CPU whose curr has no mm as lazy.
 * With PCID an mm cached in one of the CPU's 6 ASID slots whose
 * generation is current switches without a flush. */
void tlb_switch_mm(struct vmsh_sys *sys, int cpu, struct vmsh_mm *prev,
		   struct vmsh_mm *next);

/* file.c */
/* A simulated file by NAME (not its "/dev/shm/NAME" path, as --host), or a device node by path
 * ("/dev/zero", dev.c's devices); NULL when none (do_mmap: -EBADF).  The
 * caller takes its own reference with file_get for vm_file. */
struct vmsh_file *file_find(struct vmsh_sys *sys, const char *name);
void file_get(struct vmsh_file *f);
/* A new open file (struct file) of @inode; file_mmap makes one per mmap. */
struct vmsh_file *file_open(struct vmsh_sys *sys, struct vmsh_file *inode);
/* Drop a reference; at zero the file and its page cache are freed (every
 * mapping's PTEs must be gone by then). */
void file_put(struct vmsh_sys *sys, struct vmsh_file *f);
/* A new unlinked shmem file ("/dev/zero (deleted)", dev 00:01), refcount 1. */
struct vmsh_file *shmem_file_new(struct vmsh_sys *sys, uint64_t size);
/* Page-cache lookup/creation of page @index (refcount +1 for the caller).
 * 0, -ENOENT (not cached and !@create), -ENOMEM (no frame). */
int filemap_get_page(struct vmsh_sys *sys, struct vmsh_file *f, uint64_t index,
		     bool create, uint64_t *pfn);
/* The pfn caching page @index of @f, or UINT64_MAX. */
uint64_t file_cache_lookup(const struct vmsh_file *f, uint64_t index);
static inline uint64_t folio_nr_pages(const struct page *pg)
{
	return 1ULL << pg->order;
}
static inline uint64_t folio_first_index(const struct page *pg)
{
	return pg->index & ~(folio_nr_pages(pg) - 1);
}
/* Call @fn for every cached page of @f (in no particular order). */
void file_for_each_page(const struct vmsh_file *f,
			void (*fn)(void *ctx, uint64_t index, uint64_t pfn),
			void *ctx);
/* Disk readahead (file.c): the mmap read-around of a major fault at
 * @index of @vma (false: too many misses, nothing read), and the async
 * readahead when a reader at @index meets the PG_readahead @folio. */
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
/* Write back the folio holding page @index of @f if it is dirty
 * (folio_clear_dirty_for_io: every PTE of it write-protected and
 * cleaned): the pages written, or 0 (filemap.c). */
uint64_t file_writeback_folio(struct vmsh_sys *sys, struct vmsh_file *f,
			      uint64_t index);
/* rmap walk over a file (the kernel's i_mmap): call @fn for every VMA of
 * a live mm mapping some of file pages [@first, @last] of @f, with the
 * part of that range it maps (file.c). */
typedef void file_vma_fn(struct vmsh_vma *vma, uint64_t first, uint64_t last,
			 void *ctx);
void file_for_each_vma(struct vmsh_sys *sys, const struct vmsh_file *f,
		       uint64_t first, uint64_t last, file_vma_fn *fn,
		       void *ctx);
/* ext4_release_file, the last close of an open file of @inode (file.c). */
void file_release(struct vmsh_sys *sys, struct vmsh_file *inode);
/* Number of VMAs mapping @f (refcount less the directory entry). */
int file_mapcount(const struct vmsh_file *f);

/*
 * f_op->mmap, for do_mmap (vma engineer): call it for every file/device
 * mapping once the new VMA has vm_file (with its reference), vm_flags,
 * vm_pgoff and its range set, before linking/merging it, as call_mmap()
 * does.  It sets vm_ops and may change the VMA as the driver would:
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
/*
 * msync(MS_SYNC) of [start, end) inside @vma (vma engineer's vmsh_msync
 * calls it for each VMA in the range, after its own checks): for a
 * VM_SHARED file VMA of a disk file, writes back the dirty pages of the
 * file range it covers, as vfs_fsync_range does: every PTE mapping them
 * (in every mm) is cleaned and write-protected (folio_mkclean), then the
 * page is clean.  tmpfs/shmem: nothing (noop_fsync).  Returns 0.
 */
int file_msync(struct vmsh_sys *sys, struct vmsh_vma *vma, uint64_t start,
	       uint64_t end);
/*
 * The rss counter a page mapped by a normal (non-special) PTE is charged
 * to, as mm_counter() does: anonymous -> MM_ANONPAGES; page cache of tmpfs
 * and shmem (swap-backed) -> MM_SHMEMPAGES; disk file page or a lazy
 * device's page -> MM_FILEPAGES.  -1 for the zero page and for frames of
 * a PFNMAP (their PTEs carry _PAGE_SPECIAL and are never counted:
 * vm_normal_page returns NULL).  Paging: use it in zap and in the COW
 * copy (a file page replaced by an anonymous copy).  Zap of a file page
 * whose PTE is dirty must set page->dirty (zap_pte_range's
 * folio_mark_dirty).
 */
int page_mm_counter(const struct page *p);
/* Page-cache invariants (file.c's header): every cached frame is its
 * file's, at its index, within EOF, held once by the cache and once per
 * PTE.  Returns the number of problems, the first described in @buf.
 * vmsh_check may call it; the file unit tests do. */
int check_files(const struct vmsh_sys *sys, char *buf, size_t size);
/* Free every file and device (vmsh_sys_free, after the mms are gone). */
void files_fini(struct vmsh_sys *sys);

/* dev.c */
/* The device node at @path ("/dev/zero", "/dev/vmsh-pfn", "/dev/vmsh-lazy"),
 * created on first use; NULL when none. */
struct vmsh_file *dev_find(struct vmsh_sys *sys, const char *path);
void dev_fini(struct vmsh_sys *sys);

/* check.c */
int check_mm(const struct vmsh_mm *mm, char *buf, size_t size);

#endif /* VMSH_SRC_ENGINE_ENGINE_H */
