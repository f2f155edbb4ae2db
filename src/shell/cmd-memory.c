/* SPDX-License-Identifier: MIT */
/*
 * Memory calls (mmap, munmap, mprotect, mremap, madvise, brk, msync) and
 * memory accesses (touch, write, read) of the current task.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands.h"
#include "views.h"

/* "0x%llx\n" without printf's format parsing: a script's every mmap and
 * brk prints one. */
static void print_addr(FILE *f, uint64_t v)
{
	char buf[20], *p = buf + sizeof(buf);

	*--p = '\n';
	do {
		*--p = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v);
	*--p = 'x';
	*--p = '0';
	fwrite(p, 1, (size_t)(buf + sizeof(buf) - p), f);
}

/* A call that places something (mmap, mremap, brk): its address is
 * printed and yielded, or its errno is the error. */
static int address_result(struct args *a, int ret, uint64_t addr)
{
	if (ret < 0)
		return cmd_fail(a, ret);
	if (!a->sh->json)       /* the JSON line has it as "addr" */
		print_addr(out(a), addr);
	cmd_yield(a, addr, true);
	return 0;
}

/* An access that returned: an errno, a signal line, or nothing. */
static int access_result(struct args *a, int ret, const struct vmsh_fault *f)
{
	if (ret == -EINTR) {
		sh_interrupted(a->sh, a->name, " at 0x%llx; what came before it was done",
			       (unsigned long long)f->addr);
		return -1;
	}
	if (ret < 0)
		return cmd_fail(a, ret);
	if (ret > 0) {
		a->sh->res.fault = *f;
		if (!a->sh->json)       /* the JSON line has it as "signal" */
			view_fault(out(a), f, a->sh->color);
	}
	return 0;
}

static int dev_known(void *ctx, const struct vmsh_dev_info *d)
{
	return !strcmp(d->path, ctx);
}

/* What the errno of a failed mmap does not say (the errno stays Linux's). */
static const char *mmap_why(struct args *a, int err, int flags, const char *file)
{
	const struct backend_model_ops *model = be(a)->ops->model;
	static char buf[160];

	if (err == -EINVAL && !(flags & (VMSH_MAP_PRIVATE | VMSH_MAP_SHARED)))
		return "FLAGS need private or shared";
	if (err == -EBADF && file && file[0] != '/') {
		snprintf(buf, sizeof(buf), "no simulated file '%.64s' (file create makes one, file ls lists them)",
			 file);
		return buf;
	}
	if (err == -ENODEV && file && file[0] == '/') {
		if (model && model->dev_walk(be(a), dev_known, (void *)file) > 0)
			snprintf(buf, sizeof(buf), "the device %.64s cannot be mapped", file);
		else
			snprintf(buf, sizeof(buf), "no device %.64s (dev ls lists them)", file);
		return buf;
	}
	return NULL;
}

int cmd_mmap(struct args *a)
{
	uint64_t addr, len, off = 0, res = 0;
	int prot, flags, ret;
	const char *file = NULL;

	if (arg_addr(a, "ADDR", &addr) || arg_num(a, "LEN", &len) ||
	    arg_prot(a, &prot) || arg_flags(a, &flags))
		return -1;
	if (arg_more(a)) {
		if (arg_word(a, "FILE", &file))
			return -1;
		if (arg_more(a) && arg_num(a, "OFFSET", &off))
			return -1;
	}
	if (arg_end(a))
		return -1;
	ret = be(a)->ops->mmap(be(a), addr, len, prot, flags, file, off, &res);
	if (ret < 0)
		a->why = mmap_why(a, ret, flags, file);
	return address_result(a, ret, res);
}

/*
 * The words after the errno of a call on [ADDR, ADDR+LEN) that fails on
 * its arguments, for the reasons Linux has: EINVAL for an ADDR that is not
 * page-aligned (and a LEN of 0 for munmap, a NEWLEN of 0 for mremap), ENOMEM for a range
 * not all mapped (@limits: what else gives ENOMEM), EFAULT for an mremap
 * range not inside one mapping or a mapping that cannot grow
 * (mremap_to/vma_to_resize in mm/mremap.c).
 */
static int range_fail(struct args *a, int ret, uint64_t addr, uint64_t len,
		      const char *limits)
{
	static char why[160];
	unsigned long long s = addr, e = addr + len;

	why[0] = '\0';
	if (ret == -EINVAL && (addr & (VMSH_PAGE_SIZE - 1)))
		snprintf(why, sizeof(why), "ADDR 0x%llx is not page-aligned", s);
	else if (ret == -EINVAL && !len && !strcmp(a->name, "munmap"))
		snprintf(why, sizeof(why), "LEN is 0");
	else if (ret == -EINVAL && !len && !strcmp(a->name, "mremap"))
		snprintf(why, sizeof(why), "NEWLEN is 0");
	else if (ret == -ENOMEM && len && e > s)
		snprintf(why, sizeof(why), "part of [0x%llx, 0x%llx) is not mapped%s%s",
			 s, e, limits ? ", or " : "", limits ? limits : "");
	else if (ret == -EFAULT && len && e > s && !strcmp(a->name, "mremap"))
		snprintf(why, sizeof(why), "[0x%llx, 0x%llx) is not inside one mapping, "
			 "or that mapping cannot grow (VM_DONTEXPAND, VM_PFNMAP)", s, e);
	if (why[0])
		a->why = why;
	return cmd_fail(a, ret);
}

int cmd_munmap(struct args *a)
{
	uint64_t addr, len;
	int ret;

	if (arg_addr(a, "ADDR", &addr) || arg_num(a, "LEN", &len) || arg_end(a))
		return -1;
	ret = be(a)->ops->munmap(be(a), addr, len);
	return ret < 0 ? range_fail(a, ret, addr, len, NULL) : 0;
}

int cmd_mprotect(struct args *a)
{
	uint64_t addr, len;
	int prot, ret;

	if (arg_addr(a, "ADDR", &addr) || arg_num(a, "LEN", &len) ||
	    arg_prot(a, &prot) || arg_end(a))
		return -1;
	ret = be(a)->ops->mprotect(be(a), addr, len, prot);
	return ret < 0 ? range_fail(a, ret, addr, len, "a split would pass max-map-count, or it would pass RLIMIT_DATA (limits)") : 0;
}

int cmd_mremap(struct args *a)
{
	uint64_t addr, old_len, new_len, new_addr = 0, res = 0;
	int flags = 0, ret;

	if (arg_addr(a, "ADDR", &addr) || arg_num(a, "OLDLEN", &old_len) ||
	    arg_num(a, "NEWLEN", &new_len))
		return -1;
	while (arg_more(a)) {
		if (arg_keyword(a, "maymove")) {
			flags |= VMSH_MREMAP_MAYMOVE;
		} else if (arg_keyword(a, "dontunmap")) {
			flags |= 4;
		} else if (arg_keyword(a, "fixed")) {
			flags |= VMSH_MREMAP_FIXED;
			if (arg_addr(a, "NEWADDR", &new_addr))
				return -1;
		} else {
			return cmd_bad_word(a, "mremap: expected 'maymove' or 'fixed NEWADDR', got ", "");
		}
	}
	ret = be(a)->ops->mremap(be(a), addr, old_len, new_len, flags, new_addr, &res);
	if (ret == -EINVAL || ret == -EFAULT)
		return range_fail(a, ret, addr, ret == -EINVAL ? new_len : old_len, NULL);
	return address_result(a, ret, res);
}

int cmd_madvise(struct args *a)
{
	uint64_t addr, len;
	int advice, ret;

	if (arg_addr(a, "ADDR", &addr) || arg_num(a, "LEN", &len) ||
	    arg_advice(a, &advice) || arg_end(a))
		return -1;
	ret = be(a)->ops->madvise(be(a), addr, len, advice);
	return ret < 0 ? range_fail(a, ret, addr, len, NULL) : 0;
}

int cmd_mlock(struct args *a)
{
	uint64_t addr, len;
	int flags = 0, ret;

	if (arg_addr(a, "ADDR", &addr) || arg_num(a, "LEN", &len))
		return -1;
	if (arg_more(a)) {
		if (a->tok[a->i].quoted || strcasecmp(a->tok[a->i].text, "onfault"))
			return cmd_bad_word(a, "mlock: expected 'onfault', got ", "");
		a->i++;
		flags = VMSH_MLOCK_ONFAULT;
	}
	if (arg_end(a))
		return -1;
	ret = be(a)->ops->mlock(be(a), addr, len, flags);
	return ret < 0 ? range_fail(a, ret, addr, len, "more than memlock-limit would be locked") : 0;
}

int cmd_munlock(struct args *a)
{
	uint64_t addr, len;
	int ret;

	if (arg_addr(a, "ADDR", &addr) || arg_num(a, "LEN", &len) || arg_end(a))
		return -1;
	ret = be(a)->ops->munlock(be(a), addr, len);
	return ret < 0 ? range_fail(a, ret, addr, len, NULL) : 0;
}

/* current|future|onfault (MCL_*, or numbers), joined by | or ','. */
static const struct bit_name mcl_names[] = {
	{ "current", VMSH_MCL_CURRENT }, { "future", VMSH_MCL_FUTURE },
	{ "onfault", VMSH_MCL_ONFAULT },
};

int cmd_mlockall(struct args *a)
{
	char bad[48];
	int flags, ret;

	if (!arg_more(a) || a->tok[a->i].quoted) {
		sh_parse_error(a->sh, "mlockall: expected FLAGS (current, future, onfault joined by |)");
		return -1;
	}
	if (parse_bits(a->tok[a->i].text, mcl_names,
		       sizeof(mcl_names) / sizeof(mcl_names[0]), "MCL_",
		       &flags, bad, sizeof(bad))) {
		sh_parse_error(a->sh, "mlockall: unknown flag '%s' in FLAGS (current, future, onfault)",
			       bad);
		return -1;
	}
	a->i++;
	if (arg_end(a))
		return -1;
	ret = be(a)->ops->mlockall(be(a), flags);
	return ret < 0 ? cmd_fail(a, ret) : 0;
}

int cmd_munlockall(struct args *a)
{
	int ret;

	if (arg_end(a))
		return -1;
	ret = be(a)->ops->munlockall(be(a));
	return ret < 0 ? cmd_fail(a, ret) : 0;
}

/* drain: lru_add_drain_all (what it prints is nothing; the views show it) */
int cmd_drain(struct args *a)
{
	int ret;

	if (arg_end(a))
		return -1;
	ret = be(a)->ops->drain(be(a));
	return ret < 0 ? cmd_fail(a, ret) : 0;
}

int cmd_mseal(struct args *a)
{
	uint64_t addr, len;
	int ret;

	if (arg_addr(a, "ADDR", &addr) || arg_num(a, "LEN", &len) || arg_end(a))
		return -1;
	ret = be(a)->ops->mseal(be(a), addr, len);
	return ret < 0 ? range_fail(a, ret, addr, len, NULL) : 0;
}

int cmd_brk(struct args *a)
{
	uint64_t addr = 0, res = 0;
	int ret;

	if (arg_more(a) && arg_addr(a, "ADDR", &addr))
		return -1;
	if (arg_end(a))
		return -1;
	ret = be(a)->ops->brk(be(a), addr, &res);
	return address_result(a, ret, res);
}

int cmd_msync(struct args *a)
{
	uint64_t addr, len;
	int ret;

	if (arg_addr(a, "ADDR", &addr) || arg_num(a, "LEN", &len) || arg_end(a))
		return -1;
	ret = be(a)->ops->msync(be(a), addr, len);
	return ret < 0 ? range_fail(a, ret, addr, len, NULL) : 0;
}

/* ---- memory accesses ------------------------------------------------------ */

int cmd_touch(struct args *a)
{
	uint64_t addr, len = 1;
	struct vmsh_fault f = { 0 };

	if (arg_addr(a, "ADDR", &addr))
		return -1;
	if (arg_more(a) && arg_num(a, "LEN", &len))
		return -1;
	if (arg_end(a) || cmd_too_long(a, len))
		return -1;
	return access_result(a, be(a)->ops->touch(be(a), addr, len, &f), &f);
}

int cmd_write(struct args *a)
{
	uint64_t addr, len, byte = 0x5a, done = 0;
	struct vmsh_fault f = { 0 };
	const struct token *s = NULL;
	int ret;

	if (arg_addr(a, "ADDR", &addr))
		return -1;
	if (a->i < a->n && a->tok[a->i].quoted) {
		s = &a->tok[a->i++];
		len = s->len;
	} else {
		if (arg_num(a, "LEN", &len))
			return -1;
		if (arg_more(a)) {
			if (arg_num(a, "BYTE", &byte))
				return -1;
			if (byte > 255) {
				sh_parse_error(a->sh, "write: BYTE must be 0..255, got %llu",
					       (unsigned long long)byte);
				return -1;
			}
		}
	}
	if (arg_end(a) || cmd_too_long(a, len))
		return -1;
	ret = be(a)->ops->write(be(a), addr, s ? (const uint8_t *)s->text : NULL,
				(uint8_t)byte, len, &done, &f);
	return access_result(a, ret, &f);
}

int cmd_read(struct args *a)
{
	uint64_t addr, len, pos = 0;
	struct vmsh_fault f = { 0 };
	struct hexdump h;
	uint8_t *buf;
	int ret = 0;

	if (arg_addr(a, "ADDR", &addr) || arg_num(a, "LEN", &len) || arg_end(a))
		return -1;
	if (cmd_too_long(a, len))
		return -1;
	buf = malloc(CHUNK);
	if (!buf)
		abort();
	if (a->sh->json)
		hexdump_init_json(&h, out(a), "addr", addr);
	else
		hexdump_init(&h, out(a), 16, addr);
	while (pos < len) {
		uint64_t n = len - pos < CHUNK ? len - pos : CHUNK, done = 0;

		ret = be(a)->ops->read(be(a), addr + pos, buf, n, &done, &f);
		if (done > n)
			done = n;
		if (ret >= 0 || ret == -EINTR)
			hexdump_feed(&h, buf, done);
		if (ret != 0)
			break;
		pos += n;
	}
	free(buf);
	hexdump_finish(&h);
	return access_result(a, ret, &f);
}

