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
	return sys;
}
void vmsh_sys_free(struct vmsh_sys *sys) { free(sys); }
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
int vmsh_check(const struct vmsh_sys *sys, char *buf, size_t size) { if (size) buf[0] = 0; return 0; }
/* internal */
struct vmsh_vma *find_vma(struct vmsh_mm *mm, uint64_t addr) { return NULL; }
int anon_vma_prepare(struct vmsh_vma *vma) { return 0; }
void mm_add_rss(struct vmsh_mm *mm, int counter, int64_t delta) { mm->rss[counter] += delta; }
struct vmsh_mm *mm_alloc(struct vmsh_sys *sys) { return NULL; }
struct vmsh_mm *mm_new(struct vmsh_sys *sys) { return NULL; }
void mm_get(struct vmsh_mm *mm) { mm->mm_users++; }
void mm_put(struct vmsh_mm *mm) { mm->mm_users--; }
void mmgrab(struct vmsh_mm *mm) { mm->mm_count++; }
void mmdrop(struct vmsh_mm *mm) { mm->mm_count--; }
uint64_t mm_rss(const struct vmsh_mm *mm)
{ return mm->rss[MM_FILEPAGES] + mm->rss[MM_ANONPAGES] + mm->rss[MM_SHMEMPAGES]; }

/* ==== phys.c, pgtable.c, fault.c, access.c, smaps.c, stat.c, tlb.c (paging) ==== */

int vmsh_touch(struct vmsh_sys *sys, uint64_t addr, uint64_t len, struct vmsh_fault *f) { return -ENOSYS; }
int vmsh_write(struct vmsh_sys *sys, uint64_t addr, const uint8_t *buf,
	       uint8_t fill, uint64_t len, uint64_t *done, struct vmsh_fault *f) { return -ENOSYS; }
int vmsh_read(struct vmsh_sys *sys, uint64_t addr, uint8_t *buf, uint64_t len,
	      uint64_t *done, struct vmsh_fault *f) { return -ENOSYS; }
int vmsh_smaps(const struct vmsh_sys *sys, int pid, uint64_t addr, struct vmsh_smaps *out)
{ memset(out, 0, sizeof(*out)); return 0; }
int vmsh_walk(const struct vmsh_sys *sys, int pid, uint64_t addr, struct vmsh_walk *out) { return -ENOSYS; }
size_t vmsh_pte_bits_str(uint64_t entry, bool leaf, char *buf, size_t size) { if (size) buf[0] = 0; return 0; }
int vmsh_pt_walk(const struct vmsh_sys *sys, int pid, uint64_t start, uint64_t end,
		 vmsh_pt_fn *fn, void *ctx) { return -ENOSYS; }
bool vmsh_frame_info(const struct vmsh_sys *sys, size_t i, struct vmsh_frame_info *out) { return false; }
bool vmsh_stat(const struct vmsh_sys *sys, size_t i, const char **name, uint64_t *value) { return false; }
/* internal */
int pgtable_init(struct vmsh_mm *mm) { return 0; }
void pgtable_free_all(struct vmsh_mm *mm) { }
void zap_page_range(struct vmsh_vma *vma, uint64_t start, uint64_t end) { }
void free_pgtables(struct vmsh_mm *mm, uint64_t start, uint64_t end,
		   uint64_t floor, uint64_t ceiling) { }
void change_protection(struct vmsh_vma *vma, uint64_t start, uint64_t end) { }
void move_page_tables(struct vmsh_vma *vma, uint64_t old_addr,
		      struct vmsh_vma *new_vma, uint64_t new_addr, uint64_t len) { }
int populate_range(struct vmsh_sys *sys, struct vmsh_mm *mm, uint64_t start, uint64_t end) { return 0; }

/* ==== fork.c, task.c (processes) ==== */

int vmsh_fork(struct vmsh_sys *sys, int *child_pid) { return -ENOSYS; }
int vmsh_clone_vm(struct vmsh_sys *sys, int *child_pid) { return -ENOSYS; }
int vmsh_kthread(struct vmsh_sys *sys, int *child_pid) { return -ENOSYS; }
int vmsh_execve(struct vmsh_sys *sys) { return -ENOSYS; }
