/* SPDX-License-Identifier: MIT */
#ifndef VMSH_BENCH_BOUND_H
#define VMSH_BENCH_BOUND_H

/* Floors (bound.c): bare loops of the per-page work alone.  Seconds per
 * fork+exit of @pages written pages; seconds per page read through a
 * file mapping of @pages pages with fault-around. */
double bound_fork(long pages);
double bound_file(long pages);

#endif
