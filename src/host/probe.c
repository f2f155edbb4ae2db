/* SPDX-License-Identifier: MIT */
/*
 * What the running kernel does that the model has an option for: whether
 * an anonymous read fault maps the shared zero page (upstream Linux) or
 * allocates a page (the kernel on our build machines).  vmsh --compare
 * runs the model with the host's setting.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "host.h"

int host_zero_page(void)
{
	char want[32], *line = NULL;
	size_t cap = 0;
	long rss = -1;
	bool found = false;
	volatile char *p;
	FILE *f;

	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	(void)p[0];             /* the read fault */
	snprintf(want, sizeof(want), "%lx-", (unsigned long)p);
	f = fopen("/proc/self/smaps", "r");
	if (!f) {
		int err = -errno;

		munmap((void *)p, 4096);
		return err;
	}
	while (getline(&line, &cap, f) >= 0) {
		if (!strncmp(line, want, strlen(want)))
			found = true;
		else if (found && !strncmp(line, "Rss:", 4)) {
			rss = strtol(line + 4, NULL, 10);
			break;
		}
	}
	free(line);
	fclose(f);
	munmap((void *)p, 4096);
	if (rss < 0)
		return -ENOENT;
	return rss == 0;
}
