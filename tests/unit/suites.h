/* SPDX-License-Identifier: MIT */
#ifndef VMSH_TESTS_UNIT_SUITES_H
#define VMSH_TESTS_UNIT_SUITES_H

#include <check.h>

#define SUITE(fn) Suite *fn(void);
#include "suites.def"
#undef SUITE

#endif /* VMSH_TESTS_UNIT_SUITES_H */
