/* SPDX-License-Identifier: MIT */
/*
 * Transparent huge pages (huge_memory.c, after mm/huge_memory.c): which
 * VMAs may hold a PMD-size (2 MiB) anonymous folio under the machine's
 * THP mode (vmsh_config.thp, /sys/kernel/mm/transparent_hugepage/enabled).
 * vmsh decides eligibility only: it maps no huge page yet (faults,
 * splitting and khugepaged are not modelled).
 */
#ifndef VMSH_SRC_ENGINE_HUGE_MEMORY_H
#define VMSH_SRC_ENGINE_HUGE_MEMORY_H

#include <stdbool.h>

struct vmsh_vma;

#define HPAGE_PMD_SHIFT 21
#define HPAGE_PMD_SIZE  (1ULL << HPAGE_PMD_SHIFT)

/* Where the order is asked for (Linux's TVA_* types). */
enum tva_type { TVA_SMAPS, TVA_PAGEFAULT, TVA_KHUGEPAGED, TVA_FORCED_COLLAPSE };

/*
 * thp_vma_allowable_order(vma, vm_flags, type, PMD_ORDER): may @vma hold a
 * PMD-mapped anonymous folio?  No for VM_NOHUGEPAGE (MADV_NOHUGEPAGE),
 * VM_HUGETLB and special mappings; no for anything but anonymous memory
 * (shmem THP is "never", file THP is not built); then the mode: always,
 * or madvise with VM_HUGEPAGE (MADV_COLLAPSE ignores the mode); and the
 * VMA must hold a 2 MiB-aligned range (thp_vma_suitable_order; no offset
 * alignment for anonymous memory).  Like smaps, it does not ask for an
 * anon_vma.
 */
bool thp_vma_allowable_order(const struct vmsh_vma *vma, enum tva_type type);

#endif /* VMSH_SRC_ENGINE_HUGE_MEMORY_H */
