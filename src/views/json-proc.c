/* SPDX-License-Identifier: MIT */
/*
 * The JSON forms of /proc/PID/maps and /proc/PID/smaps, read back from
 * their text: the model and --host (whose text is the kernel's own, read
 * from /proc) then give the same JSON for the same text.
 *
 * Invariants
 *  - Each maps line is one object of "vmas" with start, end (and _hex),
 *    perms, offset, dev, inode, path (null for an anonymous mapping).
 *  - An smaps field "Name:   N kB" becomes "name": N * 1024 (bytes), its
 *    name in snake case (Shared_Clean -> shared_clean, KernelPageSize ->
 *    kernel_page_size, THPeligible -> thp_eligible); a plain number stays
 *    a number; VmFlags becomes an array of its two-letter names.  Fields
 *    keep the kernel's order, so a field the kernel adds just appears.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "views.h"

/* "KernelPageSize" -> "kernel_page_size", "MMUPageSize" -> "mmu_page_size". */
static void snake_case(const char *s, size_t n, char *out, size_t size)
{
	size_t o = 0;

	if (n == 11 && !strncmp(s, "THPeligible", n)) {
		snprintf(out, size, "thp_eligible");
		return;
	}
	for (size_t i = 0; i < n && o + 2 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isupper(c) && i > 0 && o > 0 && out[o - 1] != '_' &&
		    (islower((unsigned char)s[i - 1]) ||
		     (i + 1 < n && islower((unsigned char)s[i + 1]))))
			out[o++] = '_';
		out[o++] = (char)tolower(c);
	}
	out[o] = '\0';
}

/* One maps line into a new object; NULL when @line is not one. */
static json_t *maps_line(const char *line, size_t len)
{
	unsigned long long start, end, off;
	unsigned major, minor;
	unsigned long ino;
	char perms[5], buf[4200], dev[16];
	const char *name;
	int used = 0;
	json_t *o;

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (sscanf(buf, "%llx-%llx %4s %llx %x:%x %lu%n", &start, &end, perms,
		   &off, &major, &minor, &ino, &used) != 7 || used == 0)
		return NULL;
	name = buf + used;
	name += strspn(name, " ");
	o = json_object();
	view_json_set_addr(o, "start", start);
	view_json_set_addr(o, "end", end);
	json_object_set_new(o, "perms", view_json_str(perms, strlen(perms)));
	view_json_set_addr(o, "offset", off);
	snprintf(dev, sizeof(dev), "%02x:%02x", major, minor);
	json_object_set_new(o, "dev", json_string(dev));
	view_json_set_num(o, "inode", ino);
	json_object_set_new(o, "path", *name ? view_json_str(name, strlen(name)) :
						json_null());
	return o;
}

/* A "Name: value" line of smaps into @o. */
static void smaps_field(json_t *o, const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	char key[64], val[256];
	unsigned long long n;
	char unit[8];
	size_t vlen;
	int k;

	if (!colon)
		return;
	snake_case(line, (size_t)(colon - line), key, sizeof(key));
	vlen = len - (size_t)(colon + 1 - line);
	if (vlen >= sizeof(val))
		vlen = sizeof(val) - 1;
	memcpy(val, colon + 1, vlen);
	val[vlen] = '\0';
	if (!strcmp(key, "vm_flags")) {
		json_t *a = json_array();

		for (char *w = strtok(val, " "); w; w = strtok(NULL, " "))
			json_array_append_new(a, view_json_str(w, strlen(w)));
		json_object_set_new(o, key, a);
		return;
	}
	unit[0] = '\0';
	k = sscanf(val, "%llu %7s", &n, unit);
	if (k >= 1)
		view_json_set_num(o, key, !strcmp(unit, "kB") ? n * 1024 : n);
	else
		json_object_set_new(o, key, view_json_str(val + strspn(val, " "),
							  strlen(val + strspn(val, " "))));
}

void view_json_proc(const char *text, size_t len, bool smaps, int pid,
		    FILE *out)
{
	json_t *o = json_object(), *vmas = json_array(), *cur = NULL;
	const char *p = text, *end = text + len;

	json_object_set_new(o, "pid", json_integer(pid));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		json_t *v = maps_line(p, n);

		if (v) {
			json_array_append_new(vmas, v);
			cur = v;
		} else if (smaps && cur) {
			smaps_field(cur, p, n);
		}
		p += n + 1;
	}
	json_object_set_new(o, "vmas", vmas);
	view_json_dump(o, out);
}
