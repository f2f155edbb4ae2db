/* SPDX-License-Identifier: MIT */
/*
 * Every text and picture format of vmsh: /proc/PID/maps and smaps lines,
 * the inspection tables (vmas, walk, pt, tree, mm, ps, tlb, frames, stat,
 * file ls, dev ls), the ASCII address-space bar and the Graphviz drawings.
 *
 * Invariants
 *  - Views read the model through the public engine API only (vmsh.h) and
 *    never change it; they write to the FILE they are given and nowhere
 *    else.
 *  - One formatter per kind of value, shared by every view: fmt_hex for
 *    addresses, pfns and offsets, fmt_size for sizes, fmt_perms for the
 *    rwxp column, fmt_vmflags for smaps' VmFlags, fmt_pte_bits for
 *    decoded page-table entries.
 *  - The /proc formats are byte-exact with fs/proc/task_mmu.c; the others
 *    are vmsh's own and are part of its contract (golden tests).
 */
#ifndef VMSH_SRC_VIEWS_VIEWS_H
#define VMSH_SRC_VIEWS_VIEWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "vmsh/backend.h"
#include "vmsh/vmsh.h"

/* ---- formatters (format.c) ---------------------------------------------- */

/* Linux's VM_* bits the views read (vmsh_vma_info.flags holds them). */
#define VIEW_VM_READ     0x1ULL
#define VIEW_VM_WRITE    0x2ULL
#define VIEW_VM_EXEC     0x4ULL
#define VIEW_VM_MAYSHARE 0x80ULL

/*
 * The number style of vmsh's own views (vmsh(1), "Number style"): an
 * address, pfn, page or file offset, flags word or raw entry is hex with
 * 0x (fmt_hex); an amount of memory is a size (fmt_size); a count is plain
 * decimal.  The /proc formats keep the kernel's layout instead.
 */
enum size_style {
	SIZE_EXACT,     /* the largest of K, M, G, T that divides it: 4K, 1536K, 1000 */
	SIZE_ROUGH,     /* drawings: one decimal when not whole, units to E: 1.5M, 96.0T, 1000 */
};
/* "0x" and @v in lower-case hex, no padding (0 is "0x0"); returns @buf. */
const char *fmt_hex(uint64_t v, char *buf, size_t size);
/* @bytes as text in @buf (a size the command language reads back, with
 * SIZE_EXACT); returns @buf. */
const char *fmt_size(uint64_t bytes, enum size_style style, char *buf,
		     size_t size);
/* The permission column of /proc/PID/maps: "rw-p", "r--s" (s: VM_MAYSHARE,
 * as show_map_vma prints it). */
const char *fmt_perms(uint64_t vm_flags, char buf[5]);
/* smaps' VmFlags: two letters per set bit, in bit order, each followed by
 * a space (show_smap_vma_flags).  Returns the length it needs. */
size_t fmt_vmflags(uint64_t vm_flags, char *buf, size_t size);
/* The set bits of a raw x86-64 page-table entry: "P RW US A D NX"; @leaf
 * says whether it is a PTE (bit 7 is PAT there, PS above).  Returns the
 * length it needs. */
size_t fmt_pte_bits(uint64_t entry, bool leaf, char *buf, size_t size);

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
	const char *json_key;   /* the JSON form: bytes kept until finish */
	uint8_t *all;
	size_t all_cap;
};
void hexdump_init(struct hexdump *h, FILE *out, int width, uint64_t base);
/* The JSON form: finish prints {"@key":base,..,"data_hex":".."}. */
void hexdump_init_json(struct hexdump *h, FILE *out, const char *key,
		       uint64_t base);
void hexdump_feed(struct hexdump *h, const uint8_t *buf, size_t len);
/* Flush a partial line and print the end offset (nothing if no byte). */
void hexdump_finish(struct hexdump *h);

/* "SIGSEGV", "SIGBUS", "SIGKILL"; and the si_code's name ("SEGV_MAPERR"). */
const char *fmt_signal_name(int signo);
const char *fmt_signal_code(int signo, int code);
/* "pid 1: SIGSEGV (SEGV_MAPERR) at 0x..." or "pid N: killed (out of memory)". */
void view_fault(FILE *out, const struct vmsh_fault *f, bool color);

/* ---- /proc/PID/maps and smaps (proc.c) ---------------------------------- */

/* One /proc/PID/maps line of @v. */
void view_maps_line(FILE *out, const struct vmsh_vma_info *v);
/* The /proc/PID/smaps block of @v with figures @s. */
void view_smaps_block(FILE *out, const struct vmsh_vma_info *v,
		      const struct vmsh_smaps *s);

/* ---- views of the model (view.c, vmas.c, paging.c, tlb.c, dot.c) -------- */

/* /proc/PID/maps and smaps of task @pid (0: current); with @one only the
 * VMA holding @addr.  0 or -ESRCH. */
int view_maps(const struct vmsh_sys *sys, int pid, FILE *out);
int view_smaps(const struct vmsh_sys *sys, int pid, bool one, uint64_t addr,
	       FILE *out);

/* Print view @v (vmsh/backend.h lists them) of @sys on @out.  0, a
 * negative errno (-ESRCH: no such task; -EINVAL: what cannot be drawn),
 * or for BV_CHECK the number of problems found (the text says which). */
int view_print(const struct vmsh_sys *sys, enum backend_view v,
	       const struct backend_view_args *a, FILE *out);

/* ---- pagemap (pagemap.c) ------------------------------------------------- */

/* The pagemap entries @pm and kpageflags @kpf of the @n pages from @addr of
 * task @pid (vmsh/paging.h's bits), as a table or (@json) one object. */
void view_pagemap(FILE *out, int pid, uint64_t addr, uint64_t n,
		  const uint64_t *pm, const uint64_t *kpf, bool json);

/* ---- JSON forms (json.c, json-proc.c; man page: JSON OUTPUT) ------------ */

/* @v as a JSON number: an integer up to 2^63 - 1, above that a real
 * (jansson's integers are signed 64-bit; a cast would make it negative). */
json_t *view_json_u64(uint64_t v);
/* Set @key of @o to view_json_u64(@v); view_json_set_addr also sets
 * "@key_hex" to "0x..." (addresses are both numbers and hex strings). */
void view_json_set_num(json_t *o, const char *key, uint64_t v);
void view_json_set_addr(json_t *o, const char *key, uint64_t v);
/* A JSON string of @len bytes of @s: bytes that are not UTF-8 become '?'. */
json_t *view_json_str(const char *s, size_t len);
/* Print @o on one line (compact, keys in insertion order) and free it. */
void view_json_dump(json_t *o, FILE *out);
/* The JSON form of view @v (the object its schema in vmsh(1) describes),
 * without a newline; -EOPNOTSUPP for a view with none (then the caller
 * prints the text).  Other returns as view_print(). */
int view_json_print(const struct vmsh_sys *sys, enum backend_view v,
		    const struct backend_view_args *a, FILE *out);
/* The JSON form of /proc/PID/maps (@smaps false) or smaps text, for the
 * model and the host alike: {"pid":@pid,"vmas":[...]}. */
void view_json_proc(const char *text, size_t len, bool smaps, int pid,
		    FILE *out);
/* The "signal" object of a fault. */
json_t *view_json_fault(const struct vmsh_fault *f);
/* Bytes read: {"addr":..,"len":..,"data_hex":".."} (file reads: "offset"
 * for "addr"). */
void view_json_bytes(FILE *out, const char *key, uint64_t base,
		     const uint8_t *buf, size_t len);

#endif /* VMSH_SRC_VIEWS_VIEWS_H */
