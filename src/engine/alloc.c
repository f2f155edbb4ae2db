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
