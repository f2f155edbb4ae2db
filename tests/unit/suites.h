/* SPDX-License-Identifier: MIT */
#ifndef VMSH_TESTS_UNIT_SUITES_H
#define VMSH_TESTS_UNIT_SUITES_H

#include <check.h>

#define SUITE(fn) Suite *fn(void);
#include "suites.def"
#undef SUITE

/* test-thp-reclaim.c: the thp suite's reclaim cases */
void thp_reclaim_tcases(Suite *s);

#endif /* VMSH_TESTS_UNIT_SUITES_H */
