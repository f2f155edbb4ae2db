/* SPDX-License-Identifier: MIT */
/*
 * Host allocation and the trace/warning channel.
 *
 * Host allocation failure is not modelled: it aborts here, in one place.
 * A simulated out-of-memory is a modelled -ENOMEM elsewhere; the two never mix.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sys.h"

static void *check_alloc(void *p)
{
	if (!p) {
		fputs("vmsh: out of host memory\n", stderr);
		abort();
	}
	return p;
}

void *xmalloc(size_t n)
{
	return check_alloc(malloc(n ? n : 1));
}

void *xcalloc(size_t n, size_t size)
{
	return check_alloc(calloc(n ? n : 1, size ? size : 1));
}

void *xrealloc(void *p, size_t n)
{
	return check_alloc(realloc(p, n ? n : 1));
}

/*
 * Zeroed memory of its own, straight from the host (mmap): big tables
 * that live as long as the machine.
 *  - XMAP_HUGE: aligned to 2 MiB and advised for huge pages, as Linux maps
 *    its own vmemmap with PMDs: the frame table (struct page for every
 *    frame) is then faulted in 2 MiB at a time, not 4 KiB, and its random
 *    accesses miss the host TLB far less; so are the page-table buffers
 *    past the first 64 (table_pool.c).  Where the host has no
 *    transparent huge pages the advice is ignored.
 *  - XMAP_POPULATE: faulted in whole by the mmap (one call, not a fault a
 *    page: a fault costs microseconds on a paravirtualized host), for
 *    small chunks used at once (the first 64 page-table buffers).
 */
#define HUGE_ALIGN (2UL << 20)

static size_t map_len(size_t n, size_t size, enum xmap_how how)
{
	size_t align = how == XMAP_HUGE ? HUGE_ALIGN : 4096;

	n = n ? n : 1;
	size = size ? size : 1;
	if (n > (SIZE_MAX - HUGE_ALIGN) / size)
		check_alloc(NULL);
	return (n * size + align - 1) & ~(align - 1);
}

void *xmap_zeroed(size_t n, size_t size, enum xmap_how how)
{
	size_t len = map_len(n, size, how), head;
	size_t extra = how == XMAP_HUGE ? HUGE_ALIGN : 0;
	uint8_t *p = mmap(NULL, len + extra, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS |
			  (how == XMAP_POPULATE ? MAP_POPULATE : 0), -1, 0);

	if (p == MAP_FAILED)
		check_alloc(NULL);
	if (how != XMAP_HUGE)
		return p;
	head = (HUGE_ALIGN - ((uintptr_t)p & (HUGE_ALIGN - 1))) & (HUGE_ALIGN - 1);
	if (head)
		munmap(p, head);
	munmap(p + head + len, HUGE_ALIGN - head);
	p += head;
#ifdef MADV_HUGEPAGE
	madvise(p, len, MADV_HUGEPAGE);
#endif
	return p;
}

void xunmap(void *p, size_t n, size_t size, enum xmap_how how)
{
	if (p)
		munmap(p, map_len(n, size, how));
}

char *xstrdup(const char *s)
{
	return check_alloc(strdup(s));
}

static void emit(vmsh_trace_fn *fn, void *ctx, const char *prefix,
		 const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

static void emit(vmsh_trace_fn *fn, void *ctx, const char *prefix,
		 const char *fmt, va_list ap)
{
	char line[512];
	size_t n = strlen(prefix);

	memcpy(line, prefix, n + 1);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	fn(ctx, line);
}

void (trace)(struct vmsh_sys *sys, const char *fmt, ...)
{
	va_list ap;

	if (!sys->trace_fn)
		return;
	va_start(ap, fmt);
	emit(sys->trace_fn, sys->trace_ctx, "", fmt, ap);
	va_end(ap);
}

void warn(struct vmsh_sys *sys, const char *fmt, ...)
{
	va_list ap;

	if (!sys->warn_fn)
		return;
	va_start(ap, fmt);
	emit(sys->warn_fn, sys->warn_ctx, "warning: ", fmt, ap);
	va_end(ap);
}

void vmsh_sys_set_trace(struct vmsh_sys *sys, vmsh_trace_fn *fn, void *ctx)
{
	sys->trace_fn = fn;
	sys->trace_ctx = ctx;
}

void vmsh_sys_set_interrupt(struct vmsh_sys *sys, const volatile sig_atomic_t *flag)
{
	sys->intr = flag;
}

void vmsh_sys_set_warn(struct vmsh_sys *sys, vmsh_trace_fn *fn, void *ctx)
{
	sys->warn_fn = fn;
	sys->warn_ctx = ctx;
}

int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}
