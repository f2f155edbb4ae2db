/* SPDX-License-Identifier: MIT */
/*
 * --swap with --host: a private swap file for the run.
 *
 * The file is /var/tmp/vmsh-PID-XXXXXX/swap (a disk filesystem: tmpfs
 * cannot hold swap), written full of zeros (no holes) with a version-1
 * swap header on its first page, as mkswap(8) writes it, then swapon(2).
 * host.c's rm_dir() calls swapoff(2) on it before removing it: at exit,
 * on error and from the signal handlers; remove_stale() does the same
 * for a vmsh that was killed.
 *
 * The swap area is the machine's, not the run's: while it is on, any
 * process's pages may go to it, and swapoff brings them back in.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/swap.h>
#include <unistd.h>

#include "host.h"
#include "host-int.h"

#define SWAP_PAGE 4096u

static int write_swap_file(const char *path, uint64_t bytes)
{
	static char buf[1 << 16];
	uint64_t pages = bytes / SWAP_PAGE, left = pages * SWAP_PAGE;
	uint32_t version = 1, last_page = (uint32_t)(pages - 1);
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	memset(buf, 0, sizeof(buf));
	while (left) {
		size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		ssize_t w = write(fd, buf, n);

		if (w <= 0) {
			int e = w < 0 ? -errno : -EIO;

			close(fd);
			return e;
		}
		left -= (uint64_t)w;
	}
	/* union swap_header: bootbits[1024], version, last_page,
	 * nr_badpages, uuid, volume name ...; the magic ends the page */
	memcpy(buf + 1024, &version, 4);
	memcpy(buf + 1028, &last_page, 4);
	memcpy(buf + SWAP_PAGE - 10, "SWAPSPACE2", 10);
	if (pwrite(fd, buf, SWAP_PAGE, 0) != SWAP_PAGE || fsync(fd) < 0) {
		int e = -errno;

		close(fd);
		return e ? e : -EIO;
	}
	close(fd);
	return 0;
}

int host_swap_setup(struct backend *be, uint64_t bytes, FILE *err)
{
	struct host *h = to_host(be);
	char path[sizeof(h->swapdir) + 8];
	int e;

	if (geteuid() != 0) {
		fputs("vmsh: --host --swap: a swap file needs root (swapon); "
		      "not run\n", err);
		return -1;
	}
	if (bytes < 16 * SWAP_PAGE) {
		fputs("vmsh: --host --swap: the kernel wants at least 64K of swap\n",
		      err);
		return -1;
	}
	e = session_dir(h, "/var/tmp", h->swapdir, sizeof(h->swapdir));
	if (e) {
		fprintf(err, "vmsh: --host --swap: cannot create a directory in "
			"/var/tmp: %s\n", strerror(-e));
		h->swapdir[0] = '\0';
		return -1;
	}
	snprintf(path, sizeof(path), "%s/swap", h->swapdir);
	e = write_swap_file(path, bytes);
	if (!e && swapon(path, 0) < 0)
		e = -errno;
	if (e) {
		fprintf(err, "vmsh: --host --swap: cannot enable a swap file "
			"(%s): %s\n", path, strerror(-e));
		unlink(path);
		rmdir(h->swapdir);
		h->swapdir[0] = '\0';
		return -1;
	}
	return 0;
}
