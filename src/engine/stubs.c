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

/* ==== phys.c, pgtable.c, fault.c, access.c, smaps.c, stat.c, tlb.c (paging) ==== */


/* ==== fork.c, task.c (processes) ==== */

