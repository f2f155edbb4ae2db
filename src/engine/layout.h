/* SPDX-License-Identifier: MIT */
/*
 * Special mappings and the gate VMA (layout.c), for info.c and smaps.c.
 */
#ifndef VMSH_SRC_ENGINE_LAYOUT_H
#define VMSH_SRC_ENGINE_LAYOUT_H

#include "vma.h"

/* The name of a special mapping ("[vdso]", ...), or NULL for any other
 * VMA. */
const char *special_mapping_name(const struct vmsh_vma *vma);
/* The gate VMA's vm_flags (VM_EXEC: "--xp", VmFlags "ex"). */
#define GATE_VM_FLAGS VM_EXEC

#endif /* VMSH_SRC_ENGINE_LAYOUT_H */
