/* SPDX-License-Identifier: MIT */
/*
 * The shell's messages: error lines with where they come from, and the
 * errno names and texts.
 *
 * Invariants
 *  - Errno names and messages come from a fixed table (glibc's texts), not
 *    strerror(), so output is the same under any locale or libc.
 *  - Every error is one line on sh->err, after sh->out is flushed, so the
 *    two streams interleave in the order things happened.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

bool shell_out_lost(struct shell *sh, bool flush)
{
	int e = 0, saved = errno;

	if (sh->out_errno)
		return true;
	if (flush && fflush(sh->out) == EOF) {
		e = errno ? errno : -1;
	} else if (ferror(sh->out)) {
		/* a write failed inside a command: the reason is the errno
		 * it left, or the next flush's */
		clearerr(sh->out);
		if (fflush(sh->out) == EOF && errno)
			e = errno;
		else
			e = saved ? saved : -1;
	}
	if (!e)
		return false;
	sh->out_errno = e;
	sh->stop = true;
	sh->status = 1;
	return true;
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

/* @s with every byte that is not printable ASCII written as \xHH: an
 * error line never carries a raw control or non-ASCII byte from input. */
static void put_quoted(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f)
			fputc(c, f);
		else
			fprintf(f, "\\x%02x", c);
	}
}

static void err_line(struct shell *sh, const char *prefix, const char *fmt,
		     va_list ap)
{
	char where[4200], *msg = NULL;

	fflush(sh->out);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	if (sh->color)
		fputs("\033[31m", sh->err);
	put_quoted(sh->err, sh_where(sh, where, sizeof(where)));
	fprintf(sh->err, ": %s", prefix);
	put_quoted(sh->err, msg);
	free(msg);
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

void sh_interrupted(struct shell *sh, const char *cmd, const char *fmt, ...)
{
	char rest[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rest, sizeof(rest), fmt, ap);
	va_end(ap);
	sh_error(sh, "%s: interrupted (Ctrl-C)%s", cmd, rest);
	sh->intr_said = true;
}

void sh_model_only(struct shell *sh, const char *cmd)
{
	fflush(sh->out);
	fprintf(sh->err, "vmsh: %s: model-only command (not available with --host)\n",
		cmd);
	fflush(sh->err);
}

