/* SPDX-License-Identifier: MIT */
/*
 * vm_flags: the attribute bits of a VMA, with Linux's values so that
 * smaps' VmFlags prints as the kernel does (include/linux/mm.h).
 *
 * A header of constants only: every layer may include it.
 */
#ifndef VMSH_SRC_ENGINE_VM_FLAGS_H
#define VMSH_SRC_ENGINE_VM_FLAGS_H

#include <stdint.h>

#include "vmsh/vmsh.h"

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
#define VM_SEALED       (1ULL << 42)     /* 64-bit only: "sl" */

#define VM_LOCKED_MASK  (VM_LOCKED | VM_LOCKONFAULT)

#define VM_STACK_FLAGS  (VM_GROWSDOWN | VM_READ | VM_WRITE | VM_MAYREAD | \
			 VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT)
#define VM_SPECIAL      (VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP)

/* calc_vm_prot_bits(): PROT_* to VM_READ/WRITE/EXEC. */
static inline uint64_t calc_vm_prot_bits(int prot)
{
	return (prot & VMSH_PROT_READ ? VM_READ : 0) |
	       (prot & VMSH_PROT_WRITE ? VM_WRITE : 0) |
	       (prot & VMSH_PROT_EXEC ? VM_EXEC : 0);
}

#endif /* VMSH_SRC_ENGINE_VM_FLAGS_H */
