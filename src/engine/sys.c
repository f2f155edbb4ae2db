/* SPDX-License-Identifier: MIT */
/*
 * The machine: configuration, creation with pid 1 running on CPU 0, and
 * teardown.
 *
 * Invariants kept:
 *  - sys->cfg always holds values inside the documented ranges;
 *  - after vmsh_sys_new, pid 1 exists with a fresh mm (initial layout) and
 *    is the current task.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmsh/replace.h"
#include "anon_vma.h"
#include "file.h"
#include "mm.h"
#include "phys.h"
#include "reclaim.h"
#include "huge_memory.h"
#include "sys.h"
#include "task.h"
#include "tlb.h"

void vmsh_config_default(struct vmsh_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->levels = 4;
	cfg->ram = 1ULL << 30;
	cfg->tlb_entries = 64;
	cfg->tlb_ways = 4;
	cfg->tlb2m_entries = 32;        /* Skylake's L1 DTLB for 2M/4M pages */
	cfg->tlb2m_ways = 4;
	cfg->pcid = false;
	cfg->cpus = 1;
	cfg->zero_page = true;
	cfg->thp_zero_page = true;
	cfg->fault_around = 65536;
	cfg->max_map_count = 65530;
	cfg->aslr = false;
	cfg->aslr_seed = 0;
	cfg->memlock_limit = 8ULL << 20;        /* MLOCK_LIMIT */
}

/* The run-time options (those `set` may change). */
static bool runtime_ok(const struct vmsh_config *cfg)
{
	if (cfg->fault_around > (512ULL << PAGE_SHIFT))
		return false;
	if (cfg->max_map_count > INT32_MAX)
		return false;
	if (cfg->thp < VMSH_THP_MADVISE || cfg->thp > VMSH_THP_NEVER)
		return false;
	if (cfg->swap && (cfg->swap < 2 * PAGE_SIZE || cfg->swap > (64ULL << 30)))
		return false;
	return true;
}

static bool config_ok(const struct vmsh_config *cfg)
{
	if (cfg->levels < 2 || cfg->levels > 5)
		return false;
	if (cfg->ram < VMSH_RAM_MIN || cfg->ram > VMSH_RAM_MAX)
		return false;
	if (cfg->tlb_entries < 1 || cfg->tlb_entries > 65536)
		return false;
	if (cfg->tlb_ways < 1 || cfg->tlb_ways > cfg->tlb_entries ||
	    cfg->tlb_entries % cfg->tlb_ways)
		return false;
	if (cfg->tlb2m_entries > 65536 ||
	    (cfg->tlb2m_entries && (cfg->tlb2m_ways < 1 ||
				    cfg->tlb2m_ways > cfg->tlb2m_entries ||
				    cfg->tlb2m_entries % cfg->tlb2m_ways)))
		return false;
	if (cfg->cpus < 1 || cfg->cpus > 64)
		return false;
	if (cfg->replace && (cfg->replace < VMSH_REPLACE_FIFO ||
			     cfg->replace > VMSH_REPLACE_RANDOM ||
			     cfg->user_frames < 1 ||
			     cfg->user_frames > VMSH_REPLACE_MAX_FRAMES))
		return false;
	return runtime_ok(cfg);
}

struct vmsh_sys *vmsh_sys_new(const struct vmsh_config *cfg)
{
	struct vmsh_sys *sys;
	struct vmsh_task *t;
	struct vmsh_mm *mm;

	if (!cfg || !config_ok(cfg))
		return NULL;
	sys = xcalloc(1, sizeof(*sys));
	sys->cfg = *cfg;
	sys->rng = cfg->aslr_seed ^ 0x766d7368ULL;    /* "vmsh" */
	sys->next_pid = 1;
	if (phys_init(sys) < 0) {
		free(sys);
		return NULL;
	}
	tlb_init(sys);
	setup_wmarks(sys);
	if (cfg->swap && swap_on(sys, cfg->swap) < 0)
		goto fail;
	if (cfg->replace) {
		sys->replace = vmsh_replace_new(cfg->replace, cfg->user_frames,
						cfg->replace_seed);
		if (!sys->replace)
			goto fail;
	}
	mm = mm_new(sys);
	if (!mm)
		goto fail;
	t = task_new(sys, VMSH_TASK_PROCESS, mm, 0);
	if (!t) {
		mm_put(mm);
		goto fail;
	}
	task_start(sys, t);
	if (sys->replace && cfg->replace_future)
		vmsh_sys_replace_future(sys, cfg->replace_future,
					cfg->replace_future_len);
	return sys;
fail:
	vmsh_sys_free(sys);
	return NULL;
}

void vmsh_sys_free(struct vmsh_sys *sys)
{
	if (!sys)
		return;
	task_free_all(sys);
	/* mms still referenced only lazily are gone with their tasks; any
	 * left over (a bug elsewhere) are torn down here */
	while (sys->mms) {
		struct vmsh_mm *mm = sys->mms;

		if (mm->mm_users > 0) {
			mm->mm_users = 1;
			mm->mm_count = 1;
			mm_put(mm);
		} else {
			mm->mm_count = 1;
			mmdrop(mm);
		}
	}
	shm_fini(sys);
	files_fini(sys);
	swap_fini(sys);
	vmsh_replace_free(sys->replace);
	free(sys->pageout_wb);
	anon_vmas_fini(sys);
	khugepaged_fini(sys);
	deferred_split_fini(sys);
	tlb_fini(sys);
	phys_fini(sys);
	free(sys);
}

const struct vmsh_config *vmsh_sys_config(const struct vmsh_sys *sys)
{
	return &sys->cfg;
}

int vmsh_sys_set_config(struct vmsh_sys *sys, const struct vmsh_config *cfg)
{
	if (!runtime_ok(cfg))
		return -EINVAL;
	/* the machine's shape stays: the shell rebuilds it for these */
	sys->cfg.zero_page = cfg->zero_page;
	sys->cfg.thp = cfg->thp;
	sys->cfg.thp_zero_page = cfg->thp_zero_page;
	sys->cfg.fault_around = cfg->fault_around;
	sys->cfg.max_map_count = cfg->max_map_count;
	sys->cfg.lazy_flush = cfg->lazy_flush;
	sys->cfg.lru_others = cfg->lru_others;
	if (sys->cfg.memlock_limit != cfg->memlock_limit) {
		struct vmsh_task *t;

		/* `set memlock-limit`: every task's RLIMIT_MEMLOCK, as an
		 * administrator's prlimit would set it */
		sys->cfg.memlock_limit = cfg->memlock_limit;
		for (t = sys->tasks; t; t = t->next)
			t->rlim[VMSH_RLIMIT_MEMLOCK].cur =
				t->rlim[VMSH_RLIMIT_MEMLOCK].max = cfg->memlock_limit;
	}
	if (cfg->aslr != sys->cfg.aslr || cfg->aslr_seed != sys->cfg.aslr_seed) {
		sys->cfg.aslr = cfg->aslr;
		sys->cfg.aslr_seed = cfg->aslr_seed;
		sys->rng = cfg->aslr_seed ^ 0x766d7368ULL;
	}
	return 0;
}

int vmsh_swapon(struct vmsh_sys *sys, uint64_t bytes)
{
	return swap_on(sys, bytes);
}

int vmsh_swapoff(struct vmsh_sys *sys)
{
	return swap_off(sys);
}
