/* SPDX-License-Identifier: MIT */
/* Ranges of the engine's configuration, one definition for both sides:
 * the shell checks options against them (and says the range), and
 * vmsh_sys_new refuses anything outside them. */
#ifndef VMSH_LIMITS_H
#define VMSH_LIMITS_H

/* vmsh_config.ram, bytes */
#define VMSH_RAM_MIN (1ULL << 20)
#define VMSH_RAM_MAX (64ULL << 30)

/* vmsh_config.thp: /sys/kernel/mm/transparent_hugepage/enabled (only
 * the PMD size, 2 MiB, set to "inherit", as on our machines) */
enum vmsh_thp { VMSH_THP_MADVISE, VMSH_THP_ALWAYS, VMSH_THP_NEVER };

/* (Here because vmsh.h is at its size limit.)  rename(2) of an unmapped
 * file, file load's last step: @to, when it exists, goes as vmsh_file_rm
 * would take it.  ENOENT, EINVAL/ENAMETOOLONG (a bad @to), EBUSY (@from
 * is mapped). */
struct vmsh_sys;
int vmsh_file_rename(struct vmsh_sys *sys, const char *from, const char *to);

#endif /* VMSH_LIMITS_H */
