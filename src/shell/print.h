/* SPDX-License-Identifier: MIT */
/* Output formats shared by the shell's commands and backends. */
#ifndef VMSH_SRC_SHELL_PRINT_H
#define VMSH_SRC_SHELL_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vmsh/vmsh.h"

/*
 * hexdump -C -v layout: lines of 16 bytes labelled with @base + i, then a
 * last line with the end offset.  @width 16 (virtual addresses) or 8 (file
 * offsets).  A streaming printer: feed it bytes, then finish it.
 */
struct hexdump {
	FILE *out;
	int width;
	uint64_t base;          /* label of the next line */
	uint8_t line[16];
	size_t fill;
	uint64_t total;
};
void hexdump_init(struct hexdump *h, FILE *out, int width, uint64_t base);
void hexdump_feed(struct hexdump *h, const uint8_t *buf, size_t len);
/* Flush a partial line and print the end offset (nothing if no byte). */
void hexdump_finish(struct hexdump *h);

/* One /proc/PID/maps line of @v. */
void print_maps_line(FILE *out, const struct vmsh_vma_info *v);
/* The /proc/PID/smaps block of @v with figures @s. */
void print_smaps_block(FILE *out, const struct vmsh_vma_info *v,
		       const struct vmsh_smaps *s);
/* "pid 1: SIGSEGV (SEGV_MAPERR) at 0x..." or "pid N: killed (out of memory)". */
void print_fault(FILE *out, const struct vmsh_fault *f, bool color);
/* 4096 -> "4K", 1048576 -> "1M", 1000 -> "1000". */
const char *size_str(uint64_t v, char *buf, size_t size);

#endif /* VMSH_SRC_SHELL_PRINT_H */
