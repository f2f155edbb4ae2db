/* SPDX-License-Identifier: MIT */
/*
 * Output: error lines, the errno table, hexdumps, /proc/PID/maps and
 * /proc/PID/smaps lines, signal lines.
 *
 * Invariants
 *  - Errno names and messages come from a fixed table (glibc's texts), not
 *    strerror(), so output is the same under any locale or libc.
 *  - maps and smaps lines are byte-exact with fs/proc/task_mmu.c:
 *    show_vma_header_prefix() then, for a named VMA, padding to column 72
 *    (seq_setwidth(25 + 6 * sizeof(void *) - 1)) and one space before the
 *    name; an unnamed VMA's line ends with the space after the inode.
 */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "print.h"
#include "shell.h"

static const struct { int err; const char *name, *text; } errnos[] = {
	{ 1, "EPERM", "Operation not permitted" },
	{ 2, "ENOENT", "No such file or directory" },
	{ 3, "ESRCH", "No such process" },
	{ 4, "EINTR", "Interrupted system call" },
	{ 5, "EIO", "Input/output error" },
	{ 6, "ENXIO", "No such device or address" },
	{ 7, "E2BIG", "Argument list too long" },
	{ 8, "ENOEXEC", "Exec format error" },
	{ 9, "EBADF", "Bad file descriptor" },
	{ 10, "ECHILD", "No child processes" },
	{ 11, "EAGAIN", "Resource temporarily unavailable" },
	{ 12, "ENOMEM", "Cannot allocate memory" },
	{ 13, "EACCES", "Permission denied" },
	{ 14, "EFAULT", "Bad address" },
	{ 15, "ENOTBLK", "Block device required" },
	{ 16, "EBUSY", "Device or resource busy" },
	{ 17, "EEXIST", "File exists" },
	{ 18, "EXDEV", "Invalid cross-device link" },
	{ 19, "ENODEV", "No such device" },
	{ 20, "ENOTDIR", "Not a directory" },
	{ 21, "EISDIR", "Is a directory" },
	{ 22, "EINVAL", "Invalid argument" },
	{ 23, "ENFILE", "Too many open files in system" },
	{ 24, "EMFILE", "Too many open files" },
	{ 25, "ENOTTY", "Inappropriate ioctl for device" },
	{ 26, "ETXTBSY", "Text file busy" },
	{ 27, "EFBIG", "File too large" },
	{ 28, "ENOSPC", "No space left on device" },
	{ 29, "ESPIPE", "Illegal seek" },
	{ 30, "EROFS", "Read-only file system" },
	{ 31, "EMLINK", "Too many links" },
	{ 32, "EPIPE", "Broken pipe" },
	{ 33, "EDOM", "Numerical argument out of domain" },
	{ 34, "ERANGE", "Numerical result out of range" },
	{ 35, "EDEADLK", "Resource deadlock avoided" },
	{ 36, "ENAMETOOLONG", "File name too long" },
	{ 37, "ENOLCK", "No locks available" },
	{ 38, "ENOSYS", "Function not implemented" },
	{ 39, "ENOTEMPTY", "Directory not empty" },
	{ 40, "ELOOP", "Too many levels of symbolic links" },
	{ 61, "ENODATA", "No data available" },
	{ 75, "EOVERFLOW", "Value too large for defined data type" },
	{ 95, "EOPNOTSUPP", "Operation not supported" },
	{ 133, "EHWPOISON", "Memory page has hardware error" },
};

const char *errno_name(int err)
{
	static char buf[32];

	if (err < 0)
		err = -err;
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].err == err)
			return errnos[i].name;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

const char *errno_text(int err)
{
	static char buf[48];

	if (err < 0)
		err = -err;
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].err == err)
			return errnos[i].text;
	snprintf(buf, sizeof(buf), "Unknown error %d", err);
	return buf;
}

const char *quote_word(const char *s, size_t len, char *buf, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 8 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\'') {
			buf[o++] = (char)c;
		} else {
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
		}
		if (o + 8 >= size && i + 1 < len) {
			memcpy(buf + o, "...", 4);
			return buf;
		}
	}
	buf[o] = '\0';
	return buf;
}

const char *sh_where(struct shell *sh, char *buf, size_t size)
{
	if (!sh->src)
		return "vmsh";
	snprintf(buf, size, "%s:%lu", sh->src, sh->line);
	return buf;
}

static void err_line(struct shell *sh, const char *prefix, const char *fmt,
		     va_list ap)
{
	char where[4200];

	fflush(sh->out);
	if (sh->color)
		fputs("\033[31m", sh->err);
	fprintf(sh->err, "%s: %s", sh_where(sh, where, sizeof(where)), prefix);
	vfprintf(sh->err, fmt, ap);
	if (sh->color)
		fputs("\033[0m", sh->err);
	fputc('\n', sh->err);
	fflush(sh->err);
	sh->failed = true;
}

void sh_parse_error(struct shell *sh, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_line(sh, "error: ", fmt, ap);
	va_end(ap);
}

void sh_error(struct shell *sh, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_line(sh, "", fmt, ap);
	va_end(ap);
}

void sh_errno(struct shell *sh, const char *cmd, int err)
{
	sh_error(sh, "%s: %s (%s)", cmd, errno_name(err), errno_text(err));
}

void sh_model_only(struct shell *sh, const char *cmd)
{
	fflush(sh->out);
	fprintf(sh->err, "vmsh: %s: model-only command (not available with --host)\n",
		cmd);
	fflush(sh->err);
}

/* ---- hexdump -------------------------------------------------------------- */

void hexdump_init(struct hexdump *h, FILE *out, int width, uint64_t base)
{
	memset(h, 0, sizeof(*h));
	h->out = out;
	h->width = width;
	h->base = base;
}

static void hexdump_line(struct hexdump *h)
{
	char hex[50];
	char ascii[17];

	memset(hex, ' ', 49);
	hex[49] = '\0';
	for (size_t i = 0; i < h->fill; i++) {
		size_t pos = i * 3 + (i >= 8);
		static const char digits[] = "0123456789abcdef";

		hex[pos] = digits[h->line[i] >> 4];
		hex[pos + 1] = digits[h->line[i] & 15];
		ascii[i] = h->line[i] >= 0x20 && h->line[i] < 0x7f ? (char)h->line[i] : '.';
	}
	ascii[h->fill] = '\0';
	fprintf(h->out, "%0*llx  %s |%s|\n", h->width, (unsigned long long)h->base,
		hex, ascii);
	h->base += h->fill;
	h->fill = 0;
}

void hexdump_feed(struct hexdump *h, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		h->line[h->fill++] = buf[i];
		if (h->fill == 16)
			hexdump_line(h);
	}
	h->total += len;
}

void hexdump_finish(struct hexdump *h)
{
	if (!h->total)
		return;
	if (h->fill)
		hexdump_line(h);
	fprintf(h->out, "%0*llx\n", h->width, (unsigned long long)h->base);
}

/* ---- maps and smaps ------------------------------------------------------- */

/* Linux's VM_* bits used by the maps permission column. */
#define VM_READ   0x1ULL
#define VM_WRITE  0x2ULL
#define VM_EXEC   0x4ULL
#define VM_MAYSHARE 0x80ULL

void print_maps_line(FILE *out, const struct vmsh_vma_info *v)
{
	char line[128];
	uint64_t off = 0;
	int n;

	/* show_map_vma(): the offset only for a VMA with a vm_file, which is
	 * one with a device or an inode (anonymous memory has neither) */
	if (v->ino || v->dev_major || v->dev_minor)
		off = v->pgoff << VMSH_PAGE_SHIFT;
	n = snprintf(line, sizeof(line), "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %lu ",
		     (unsigned long long)v->start, (unsigned long long)v->end,
		     v->flags & VM_READ ? 'r' : '-', v->flags & VM_WRITE ? 'w' : '-',
		     v->flags & VM_EXEC ? 'x' : '-', v->flags & VM_MAYSHARE ? 's' : 'p',
		     (unsigned long long)off,
		     v->dev_major, v->dev_minor, v->ino);
	fputs(line, out);
	if (v->name && v->name[0]) {
		/* seq_pad(): up to width 72, then the ' ' separator */
		for (; n < 72; n++)
			fputc(' ', out);
		fputc(' ', out);
		fputs(v->name, out);
	}
	fputc('\n', out);
}

static void kb(FILE *out, const char *name, uint64_t bytes)
{
	fprintf(out, "%-16s%8llu kB\n", name, (unsigned long long)(bytes >> 10));
}

void print_smaps_block(FILE *out, const struct vmsh_vma_info *v,
		       const struct vmsh_smaps *s)
{
	char flags[256];

	print_maps_line(out, v);
	kb(out, "Size:", s->size);
	kb(out, "KernelPageSize:", VMSH_PAGE_SIZE);
	kb(out, "MMUPageSize:", VMSH_PAGE_SIZE);
	kb(out, "Rss:", s->rss);
	kb(out, "Pss:", s->pss);
	kb(out, "Pss_Dirty:", s->pss_dirty);
	kb(out, "Shared_Clean:", s->shared_clean);
	kb(out, "Shared_Dirty:", s->shared_dirty);
	kb(out, "Private_Clean:", s->private_clean);
	kb(out, "Private_Dirty:", s->private_dirty);
	kb(out, "Referenced:", s->referenced);
	kb(out, "Anonymous:", s->anonymous);
	kb(out, "KSM:", 0);
	kb(out, "LazyFree:", s->lazyfree);
	kb(out, "AnonHugePages:", 0);
	kb(out, "ShmemPmdMapped:", 0);
	kb(out, "FilePmdMapped:", 0);
	kb(out, "Shared_Hugetlb:", 0);
	kb(out, "Private_Hugetlb:", 0);
	kb(out, "Swap:", s->swap);
	kb(out, "SwapPss:", s->swap_pss);
	kb(out, "Locked:", s->locked);
	fprintf(out, "%-16s%8d\n", "THPeligible:", s->thp_eligible ? 1 : 0);
	vmsh_vmflags_str(v->flags, flags, sizeof(flags));
	fprintf(out, "VmFlags: %s\n", flags);
}

/* ---- signals -------------------------------------------------------------- */

void print_fault(FILE *out, const struct vmsh_fault *f, bool color)
{
	const char *sig = "SIG?", *code = "?";

	if (color)
		fputs("\033[33m", out);
	if (f->signo == SIGKILL) {
		fprintf(out, "pid %d: killed (out of memory)", f->pid);
	} else {
		if (f->signo == SIGSEGV) {
			sig = "SIGSEGV";
			code = f->code == SEGV_MAPERR ? "SEGV_MAPERR" :
			       f->code == SEGV_ACCERR ? "SEGV_ACCERR" :
#ifdef SEGV_PKUERR
			       f->code == SEGV_PKUERR ? "SEGV_PKUERR" :
#endif
			       /* #GP on a non-canonical address */
			       f->code == SI_KERNEL ? "SI_KERNEL" : "SEGV_?";
		} else if (f->signo == SIGBUS) {
			sig = "SIGBUS";
			code = f->code == BUS_ADRERR ? "BUS_ADRERR" :
			       f->code == BUS_ADRALN ? "BUS_ADRALN" :
			       f->code == BUS_OBJERR ? "BUS_OBJERR" : "BUS_?";
		}
		fprintf(out, "pid %d: %s (%s) at 0x%llx", f->pid, sig, code,
			(unsigned long long)f->addr);
	}
	if (color)
		fputs("\033[0m", out);
	fputc('\n', out);
}

const char *size_str(uint64_t v, char *buf, size_t size)
{
	static const char suffix[] = "KMGT";
	int s = -1;

	while (v && !(v & 1023) && s < 3) {
		v >>= 10;
		s++;
	}
	if (s < 0)
		snprintf(buf, size, "%llu", (unsigned long long)v);
	else
		snprintf(buf, size, "%llu%c", (unsigned long long)v, suffix[s]);
	return buf;
}
