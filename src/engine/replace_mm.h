/* SPDX-License-Identifier: MIT */
/*
 * The machine's side of `--replace` (replace_mm.c): the hook every user
 * access passes before the fault path, and the policy's invariants.
 */
#ifndef VMSH_SRC_ENGINE_REPLACE_MM_H
#define VMSH_SRC_ENGINE_REPLACE_MM_H

#include <stdbool.h>
#include <stdint.h>

struct check_report;
struct vmsh_mm;
struct vmsh_sys;

/* A load (or store, @write) of @addr by a task of @mm is about to be made:
 * the policy counts a hit, or a fault that may evict a victim first.
 * 0, or -ENOMEM when the victim found no swap slot (the access is then
 * an out-of-memory kill).  Nothing happens when no policy runs. */
int replace_access(struct vmsh_sys *sys, struct vmsh_mm *mm, uint64_t addr,
		   bool write);
/* The policy's invariants, into @rep (nothing when no policy runs). */
void replace_check(const struct vmsh_sys *sys, struct check_report *rep);

#endif /* VMSH_SRC_ENGINE_REPLACE_MM_H */
