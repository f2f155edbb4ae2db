/* SPDX-License-Identifier: MIT */
/*
 * vmsh engine: madvise, mlock and mseal -- the values of the advice and
 * of the mlock2/mlockall flags (Linux's own) and the calls, which act on
 * the current task's mm as vmsh.h's memory calls do (vmsh.h includes it).
 */
#ifndef VMSH_INCLUDE_ADVICE_H
#define VMSH_INCLUDE_ADVICE_H

#include <stdint.h>

struct vmsh_sys;

/* Every advice Linux 6.18 accepts (include/uapi/asm-generic/mman-common.h). */
enum vmsh_advice {
	VMSH_MADV_NORMAL = 0,
	VMSH_MADV_RANDOM = 1,
	VMSH_MADV_SEQUENTIAL = 2,
	VMSH_MADV_WILLNEED = 3,
	VMSH_MADV_DONTNEED = 4,
	VMSH_MADV_FREE = 8,
	VMSH_MADV_REMOVE = 9,
	VMSH_MADV_DONTFORK = 10,
	VMSH_MADV_DOFORK = 11,
	VMSH_MADV_MERGEABLE = 12,
	VMSH_MADV_UNMERGEABLE = 13,
	VMSH_MADV_HUGEPAGE = 14,
	VMSH_MADV_NOHUGEPAGE = 15,
	VMSH_MADV_DONTDUMP = 16,
	VMSH_MADV_DODUMP = 17,
	VMSH_MADV_WIPEONFORK = 18,
	VMSH_MADV_KEEPONFORK = 19,
	VMSH_MADV_COLD = 20,
	VMSH_MADV_PAGEOUT = 21,
	VMSH_MADV_POPULATE_READ = 22,
	VMSH_MADV_POPULATE_WRITE = 23,
	VMSH_MADV_DONTNEED_LOCKED = 24,
	VMSH_MADV_COLLAPSE = 25,
	VMSH_MADV_HWPOISON = 100,
	VMSH_MADV_SOFT_OFFLINE = 101,
	VMSH_MADV_GUARD_INSTALL = 102,
	VMSH_MADV_GUARD_REMOVE = 103,
};

/* mlock2() and mlockall() flags, as Linux's. */
#define VMSH_MLOCK_ONFAULT 0x01
#define VMSH_MCL_CURRENT   1
#define VMSH_MCL_FUTURE    2
#define VMSH_MCL_ONFAULT   4

/* The name the shell reads for @advice (NULL for none), and the @i-th
 * name of the table with its value in *@value (NULL past the end). */
const char *vmsh_advice_name(int advice);
const char *vmsh_advice_nth(unsigned i, int *value);

/* madvise: every advice above, checked and applied as mm/madvise.c.
 * EINVAL, ENOMEM (a hole; the rest is advised), EACCES, EFAULT, EAGAIN,
 * EPERM (sealed; hwpoison/soft_offline: no CAP_SYS_ADMIN).  No KSM. */
int vmsh_madvise(struct vmsh_sys *sys, uint64_t addr, uint64_t len, int advice);
/* mlock2 (flags 0 or VMSH_MLOCK_ONFAULT), munlock, mlockall (VMSH_MCL_*),
 * munlockall; an unprivileged task, RLIMIT_MEMLOCK cfg.memlock_limit.
 * EINVAL, ENOMEM, EAGAIN, EPERM, EFAULT (no mm). */
int vmsh_mlock(struct vmsh_sys *sys, uint64_t addr, uint64_t len, int flags);
int vmsh_munlock(struct vmsh_sys *sys, uint64_t addr, uint64_t len);
int vmsh_mlockall(struct vmsh_sys *sys, int flags);
int vmsh_munlockall(struct vmsh_sys *sys);
/* mseal (mm/mseal.c): EINVAL (flags, unaligned, overflow), ENOMEM (a
 * hole anywhere in the range: nothing sealed), EFAULT (no mm). */
int vmsh_mseal(struct vmsh_sys *sys, uint64_t addr, uint64_t len,
	       uint64_t flags);

/* One wake-up of khugepaged (khugepaged_do_scan, mm/khugepaged.c): from
 * its cursor, the mms on its list (those that had MADV_HUGEPAGE or a huge
 * fault on an eligible VMA, and their forks) are scanned for at most
 * pages_to_scan (4096) of progress -- 8 ranges of 2 MiB -- in every VMA
 * that may hold a huge page under the THP mode (MADV_HUGEPAGE in madvise
 * mode); a range whose PTEs pass khugepaged's limits (max_ptes_none 511,
 * max_ptes_shared 256, a writable and a young PTE) is collapsed into a
 * huge PMD.  The next call resumes where this one stopped. */
struct vmsh_khugepaged_info {
	uint64_t scanned, collapsed;    /* 2 MiB ranges, this pass */
	uint64_t passes;                /* calls so far */
	uint64_t full_scans;            /* times the cursor went round the list */
	unsigned nr_mms;                /* mms on the list */
	unsigned next_mm_id;            /* the cursor: mm id (0: the list's head) */
	uint64_t next_address;          /* and where in it */
};
int vmsh_khugepaged(struct vmsh_sys *sys, struct vmsh_khugepaged_info *out);

#endif /* VMSH_INCLUDE_ADVICE_H */
