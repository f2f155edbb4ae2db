/* SPDX-License-Identifier: MIT */
/*
 * --host: the session's private directories (/dev/shm/vmsh-PID-XXXXXX for
 * files, /var/tmp/vmsh-PID-XXXXXX for disk files and the swap file) and
 * the cleanup of those a killed session left behind.
 *
 * Invariants:
 *  - A session holds an exclusive flock() on each of its directories from
 *    before the directory has its vmsh-PID-* name until the end.
 *  - Cleanup removes a vmsh-PID-* directory only when its pid is not
 *    running here, it belongs to our user and its lock can be taken.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <unistd.h>

#include "host-int.h"

void rm_dir(const char *dir)
{
	DIR *d;
	struct dirent *e;
	char path[PATH_MAX];

	if (!dir[0])
		return;
	d = opendir(dir);
	if (d) {
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			if (!strcmp(e->d_name, "swap"))
				swapoff(path);  /* --swap's file, maybe on */
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

/*
 * Directories vmsh-PID-* of a vmsh that is gone (killed by SIGKILL).  A
 * live session holds an exclusive flock on its directories from before
 * they get that name (session_dir), so a directory whose lock can be
 * taken is stale even when its pid means nothing here (a session in
 * another pid namespace).  Only directories of our own user are looked
 * at: root does not clean up after other users.
 */
void remove_stale(const char *parent)
{
	DIR *d = opendir(parent);
	struct dirent *e;
	char path[PATH_MAX];

	if (!d)
		return;
	while ((e = readdir(d))) {
		struct stat st;
		char *end;
		long pid;
		int fd;

		if (strncmp(e->d_name, "vmsh-", 5))
			continue;
		pid = strtol(e->d_name + 5, &end, 10);
		if (end == e->d_name + 5 || *end != '-' || pid <= 0 ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", parent, e->d_name);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && st.st_uid == geteuid() &&
		    flock(fd, LOCK_EX | LOCK_NB) == 0)
			rm_dir(path);
		close(fd);      /* drops the lock, if taken */
	}
	closedir(d);
}

/*
 * Make a private directory PARENT/vmsh-PID-XXXXXX into @buf, locked for
 * the session's life: it is made as .vmsh-new-PID-XXXXXX, locked, and
 * only then renamed to the name remove_stale() looks at, so no other
 * vmsh ever sees it unlocked.
 */
int session_dir(struct host *h, const char *parent, char *buf, size_t size)
{
	char tmp[sizeof(h->tmpdir)];
	int fd, e;

	if (h->nlock == (int)(sizeof(h->lockfd) / sizeof(h->lockfd[0])))
		return -EMFILE;
	snprintf(tmp, sizeof(tmp), "%s/.vmsh-new-%d-XXXXXX", parent, (int)getpid());
	if (!mkdtemp(tmp))
		return -errno;
	fd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
		e = -errno;
		goto undo;
	}
	snprintf(buf, size, "%s/vmsh-%d-%s", parent, (int)getpid(),
		 strrchr(tmp, '-') + 1);
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, buf, RENAME_NOREPLACE) < 0) {
		e = -errno;
		buf[0] = '\0';
		goto undo;
	}
	h->lockfd[h->nlock++] = fd;
	return 0;
undo:
	if (fd >= 0)
		close(fd);
	rmdir(tmp);
	return e;
}

