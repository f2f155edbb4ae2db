/* SPDX-License-Identifier: MIT */
/* --host: the running kernel behind the backend interface (placeholder). */
#include "config.h"

#include <stdio.h>

#include "backend.h"

struct backend *host_backend_new(FILE *err)
{
	fputs("vmsh: --host is not built yet\n", err);
	return NULL;
}
