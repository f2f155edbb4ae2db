/* SPDX-License-Identifier: MIT */
/*
 * The machine (struct vmsh_sys): what it owns, the services every file
 * uses -- host allocation that aborts on failure and the trace/warning
 * channel (alloc.c) -- and the event counters (stat.c names them).
 *
 * Object graph (all owned by struct vmsh_sys):
 *
 *   sys --tasks--> task --mm--> mm --mm_rb/mmap list--> vma --anon_vma--> anon_vma
 *                       \--active_mm--^                  \--vm_file--> file --pages (page cache)
 *   sys --phys--> struct page[] (frames: anon, page cache, page tables, zero)
 *   sys --cpus--> cpu --tlb
 *
 * Layers.  Each .c file calls functions of its own layer or of the ones
 * below it:
 *
 *   views   info.c smaps.c check.c     read the model, never change it
 *   above   sys.c task.c fork.c mmap.c mprotect.c mremap.c brk.c access.c
 *           fault.c filemap.c file.c read_write.c pagecache.c readahead.c
 *           truncate.c writeback.c dev.c vma.c anon_vma.c mm.c memory.c
 *           tlb.c tlb_array.c rlimit.c
 *           (these call each other as Linux's mm does: mmap <-> fault)
 *   floor   phys.c pgtable.c rbtree.c alloc.c stat.c
 *           call only the floor and the C library, never a file above
 *
 * alloc.c and stat.c are floor files: they know the machine's struct and
 * nothing else.  sys.c builds and frees the whole machine, so it calls
 * every layer.
 */
#ifndef VMSH_SRC_ENGINE_SYS_H
#define VMSH_SRC_ENGINE_SYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "vmsh/vmsh.h"
#include "phys.h"
#include "swap.h"

struct anon_vma;
struct cpu;
struct vmsh_file;
struct vmsh_mm;
struct vmsh_replace;
struct vmsh_task;
struct pid_slot;

/* Event counters; names in stat.c's table, in this order. */
enum vmsh_stat_item {
	ST_PGFAULT, ST_PGMAJFAULT, ST_ANON_FAULT, ST_FILE_FAULT, ST_ZERO_PAGE_MAP,
	ST_COW_COPY, ST_COW_REUSE, ST_FAULT_AROUND, ST_PAGE_MKWRITE,
	ST_SIGSEGV, ST_SIGBUS, ST_OOM_KILL,
	ST_TLB_HIT, ST_TLB_MISS, ST_TLB_WALK_REFS, ST_TLB_FLUSH_ALL,
	ST_TLB_FLUSH_RANGE, ST_TLB_FLUSH_PAGE, ST_TLB_SHOOTDOWN,
	ST_PGALLOC, ST_PGFREE, ST_PGTABLE_ALLOC, ST_PGTABLE_FREE,
	ST_MMAP, ST_MUNMAP, ST_MPROTECT, ST_MREMAP, ST_VMA_MERGE, ST_VMA_SPLIT,
	ST_FORK, ST_PSWPIN, ST_PSWPOUT, ST_PGACTIVATE, ST_PGDEACTIVATE,
	ST_PGSTEAL_ANON, ST_PGSTEAL_FILE,
	ST_PGSCAN_KSWAPD, ST_PGSCAN_DIRECT, ST_PGSTEAL_KSWAPD,
	ST_PGSTEAL_DIRECT, ST_PGREFILL, ST_PGROTATED,
	ST_WS_REFAULT_ANON, ST_WS_REFAULT_FILE, ST_WS_ACTIVATE_ANON,
	ST_WS_ACTIVATE_FILE, ST_WS_RESTORE_ANON, ST_WS_RESTORE_FILE,
	ST_ALLOCSTALL, ST_SWAP_RA, ST_SWAP_RA_HIT, ST_PAGEOUTRUN,
	/* the unevictable list (mlock.c): shown once one of them moved */
	ST_UNEVICTABLE_PGCULLED, ST_UNEVICTABLE_PGSCANNED,
	ST_UNEVICTABLE_PGRESCUED, ST_UNEVICTABLE_PGMLOCKED,
	ST_UNEVICTABLE_PGMUNLOCKED, ST_UNEVICTABLE_PGCLEARED,
	ST_UNEVICTABLE_PGSTRANDED,
	/* transparent huge pages (huge_memory.c, khugepaged.c): shown once
	 * one of them moved */
	ST_THP_FAULT_ALLOC, ST_THP_FAULT_FALLBACK, ST_THP_COLLAPSE_ALLOC,
	ST_THP_COLLAPSE_ALLOC_FAILED, ST_THP_SPLIT_PAGE,
	ST_THP_DEFERRED_SPLIT_PAGE, ST_THP_SPLIT_PMD,
	ST_THP_SCAN_EXCEED_NONE_PTE, ST_THP_SCAN_EXCEED_SWAP_PTE,
	ST_THP_SCAN_EXCEED_SHARE_PTE, ST_THP_ZERO_PAGE_ALLOC,
	ST_THP_ZERO_PAGE_ALLOC_FAILED, ST_THP_SPLIT_PAGE_FAILED,
	ST_THP_SWPOUT, ST_THP_SWPOUT_FALLBACK, ST_NR
};

struct vmsh_sys {
	struct vmsh_config cfg;
	struct phys phys;
	struct swap_info swap;
	struct vmsh_file *shmem_swaplist;     /* inodes that swapped pages
						 out (shmem_swaplist) */
	struct vmsh_task *tasks;
	struct vmsh_task *tasks_tail;         /* last of sys->tasks */
	struct pid_slot *pids;                /* task.c's pid index */
	int pids_cap;
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
	struct sysv_shm *shms;                /* SysV segments (shm.c) */
	struct cpu *cpus;
	int cur_cpu;
	uint64_t stat[ST_NR];
	/* khugepaged.c: its mm_slot list (mm ids, in the order they entered:
	 * khugepaged_scan.mm_head) and scan cursor (mm id, 0: none, and the
	 * address to resume at) */
	struct {
		unsigned *slots;
		size_t nr, cap;
		unsigned cur;
		uint64_t address;
		uint64_t full_scans, passes;
	} khugepaged;
	/* huge_split.c: the deferred split queue (heads of partly mapped
	 * anonymous THPs, oldest first) and its shrinker's nr_deferred */
	struct {
		uint64_t *q;
		size_t nr, cap;
		uint64_t nr_deferred;
	} ds_queue;
	vmsh_trace_fn *trace_fn;
	void *trace_ctx;
	vmsh_trace_fn *warn_fn;
	void *warn_ctx;
	const volatile sig_atomic_t *intr;    /* vmsh_sys_set_interrupt */
	uint64_t rng;                         /* --aslr state */
	struct vmsh_replace *replace;         /* --replace (replace_mm.c), or NULL */
	uint64_t replace_sig;                 /* its last look at the PTEs */
	/* reclaim (vmscan.c): the watermarks in pages, kswapd's wakeup
	 * (it runs at the next command boundary: vmsh_sys_idle), the
	 * workingset clock (workingset.c), and whether `stat` shows the
	 * reclaim counters (swap, or reclaim ran) */
	uint64_t wmark_min, wmark_low, wmark_high;
	bool kswapd_woken, in_reclaim, reclaim_shown;
	uint64_t nonresident_age;
	uint64_t refaults_snap[2];            /* workingset_activate_anon/file
						 at the last reclaim's end */
	unsigned swappiness;
	uint64_t lazyfree_batch[31];          /* lru_lazyfree (madvise.c) */
	uint64_t lru_add_batch[31];           /* lru_add (lru_batch.c): folios
						 off the lists, a reference each */
	unsigned lru_add_nr;
	/* lru_activate and lru_deactivate (lru_batch.c): folios on their
	 * lists, a reference each, whose move is still to come */
	struct lru_fbatch {
		uint64_t pfn[31];
		unsigned nr;
	} lru_activate, lru_deactivate;
	/* lru_move_tail of the CPU that ends the swap writes (the disk's
	 * interrupt: CPU 1 on the reference machine, not the task's):
	 * folio_rotate_reclaimable queues a folio there, with a reference,
	 * and only lru_add_drain_all moves it (lru_batch.c) */
	struct lru_fbatch lru_move_tail_remote;
	/* madvise pageout's swap writes in flight until the madvise call
	 * ends (lru_batch.c pageout_writes_end), a reference each */
	uint64_t *pageout_wb;
	size_t pageout_wb_n, pageout_wb_cap;
	unsigned lazyfree_nr;
	/* The per-CPU mlock batch (mm/mlock.c mlock_fbatch): folios to
	 * mlock (on the LRU, or new), or munlock, each with a reference */
	uint64_t mlock_batch[31];
	uint8_t mlock_batch_op[31];
	unsigned mlock_nr;
	uint64_t nr_mlock;                    /* NR_MLOCK: PG_mlocked pages */
	/* Complexity counters for the unit tests (never shown): loop steps
	 * of the task indexes and of vma_gap_update, and its calls. */
	uint64_t steps, gap_updates;
};

/* ---- alloc.c ------------------------------------------------------------ */

/* Host allocation: a failure aborts (it is not modelled). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
/* Zeroed host memory of its own (alloc.c says how each is mapped). */
enum xmap_how { XMAP_HUGE, XMAP_POPULATE };
void *xmap_zeroed(size_t n, size_t size, enum xmap_how how);
void xunmap(void *p, size_t n, size_t size, enum xmap_how how);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* qsort's ascending order of uint64_t values. */
int cmp_u64(const void *a, const void *b);

/* Emit a trace line when tracing is on (printf format). */
void trace(struct vmsh_sys *sys, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Emit a line starting "warning: " to the warning callback. */
void warn(struct vmsh_sys *sys, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline bool tracing(const struct vmsh_sys *sys) { return sys->trace_fn != NULL; }
/* The arguments of a trace line (flags_name(), prot_name() ... format
 * text) are evaluated only while tracing: an untraced call pays for
 * none of them.  They must have no side effects. */
#define trace(sys, ...) \
	(tracing(sys) ? (trace)((sys), __VA_ARGS__) : (void)0)
/* The shell asked the long operation under way to stop (Ctrl-C). */
static inline bool interrupted(const struct vmsh_sys *sys)
{
	return sys->intr && *sys->intr;
}

/* The struct page of frame @pfn (phys.h; inline: every fault, copy and
 * zap asks it per page). */
static inline struct page *phys_page(struct vmsh_sys *sys, uint64_t pfn)
{
	if (pfn >= sys->phys.nframes)
		abort();
	return &sys->phys.pages[pfn];
}

/* A reference on frame @pfn (in use). */
static inline void phys_get(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *p = phys_page(sys, pfn);

	if (p->kind == PAGE_FREE || p->refcount <= 0)
		abort();
	p->refcount++;
}

/* Drop one: the last one frees the frame (phys_put_last, phys.c). */
static inline void phys_put(struct vmsh_sys *sys, uint64_t pfn)
{
	struct page *p = phys_page(sys, pfn);

	if (p->kind != PAGE_FREE && p->refcount > 1) {
		p->refcount--;
		return;
	}
	phys_put_last(sys, pfn);
}

#endif /* VMSH_SRC_ENGINE_SYS_H */
