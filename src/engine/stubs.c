/* SPDX-License-Identifier: MIT */
/*
 * Placeholders for engine functions not written yet, so that the engine
 * links while its modules are built in parallel.  Each section belongs to
 * the module that will replace it: delete a function here when its real
 * definition lands.  This file must be empty when the engine is complete.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* ==== sys.c, mm.c, vma.c, mmap.c, check.c (the VMA engine) ==== */

void vmsh_config_default(struct vmsh_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->levels = 4;
	cfg->ram = 1ULL << 30;
	cfg->tlb_entries = 64;
	cfg->tlb_ways = 4;
	cfg->cpus = 1;
	cfg->zero_page = true;
	cfg->fault_around = 65536;
	cfg->max_map_count = 65530;
}
struct vmsh_sys *vmsh_sys_new(const struct vmsh_config *cfg)
{
	struct vmsh_sys *sys = xcalloc(1, sizeof(*sys));
	sys->cfg = *cfg;
	phys_init(sys);
	return sys;
}
void vmsh_sys_free(struct vmsh_sys *sys) { phys_fini(sys); free(sys); }
const struct vmsh_config *vmsh_sys_config(const struct vmsh_sys *sys) { return &sys->cfg; }
int vmsh_sys_set_config(struct vmsh_sys *sys, const struct vmsh_config *cfg) { sys->cfg = *cfg; return 0; }
int vmsh_mmap(struct vmsh_sys *sys, uint64_t addr, uint64_t len, int prot,
	      int flags, const char *file, uint64_t off, uint64_t *out) { return -ENOSYS; }
int vmsh_munmap(struct vmsh_sys *sys, uint64_t addr, uint64_t len) { return -ENOSYS; }
int vmsh_mprotect(struct vmsh_sys *sys, uint64_t addr, uint64_t len, int prot) { return -ENOSYS; }
int vmsh_mremap(struct vmsh_sys *sys, uint64_t addr, uint64_t old_len,
		uint64_t new_len, int flags, uint64_t new_addr, uint64_t *out) { return -ENOSYS; }
int vmsh_madvise(struct vmsh_sys *sys, uint64_t addr, uint64_t len, int advice) { return -ENOSYS; }
int vmsh_brk(struct vmsh_sys *sys, uint64_t addr, uint64_t *out) { return -ENOSYS; }
int vmsh_msync(struct vmsh_sys *sys, uint64_t addr, uint64_t len) { return -ENOSYS; }
bool vmsh_vma_info(const struct vmsh_sys *sys, int pid, size_t i, struct vmsh_vma_info *out) { return false; }
size_t vmsh_vmflags_str(uint64_t flags, char *buf, size_t size) { if (size) buf[0] = 0; return 0; }
int vmsh_mm_info(const struct vmsh_sys *sys, int pid, struct vmsh_mm_info *out) { return -ENOSYS; }
int vmsh_tree_walk(const struct vmsh_sys *sys, int pid, vmsh_tree_fn *fn, void *ctx) { return -ENOSYS; }
int vmsh_check(const struct vmsh_sys *sys, char *buf, size_t size) { return check_pages(sys, buf, size); }
/* internal */
struct vmsh_vma *find_vma(struct vmsh_mm *mm, uint64_t addr) { return NULL; }
int anon_vma_prepare(struct vmsh_vma *vma) { return 0; }
void anon_vma_get(struct anon_vma *av) { av->refcount++; }
void anon_vma_put(struct vmsh_sys *sys, struct anon_vma *av) { av->refcount--; }
void vma_gap_update(struct vmsh_vma *vma) { }
void mm_add_rss(struct vmsh_mm *mm, int counter, int64_t delta) { mm->rss[counter] += delta; }
struct vmsh_mm *mm_alloc(struct vmsh_sys *sys) { return NULL; }
struct vmsh_vma *vma_alloc(struct vmsh_mm *mm)
{ struct vmsh_vma *v = xcalloc(1, sizeof(*v)); v->vm_mm = mm; return v; }
void vma_link(struct vmsh_mm *mm, struct vmsh_vma *vma) { mm->map_count++; }
struct anon_vma *anon_vma_new(struct vmsh_sys *sys)
{ struct anon_vma *av = xcalloc(1, sizeof(*av)); av->refcount = 1; return av; }
struct vmsh_mm *mm_new(struct vmsh_sys *sys) { return NULL; }
void mm_get(struct vmsh_mm *mm) { mm->mm_users++; }
void mm_put(struct vmsh_mm *mm) { mm->mm_users--; }
void mmgrab(struct vmsh_mm *mm) { mm->mm_count++; }
void mmdrop(struct vmsh_mm *mm) { mm->mm_count--; }
uint64_t mm_rss(const struct vmsh_mm *mm)
{ return mm->rss[MM_FILEPAGES] + mm->rss[MM_ANONPAGES] + mm->rss[MM_SHMEMPAGES]; }

/* ==== phys.c, pgtable.c, fault.c, access.c, smaps.c, stat.c, tlb.c (paging) ==== */


/* ==== fork.c, task.c (processes) ==== */

