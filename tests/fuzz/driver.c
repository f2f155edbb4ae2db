/* SPDX-License-Identifier: MIT */
/*
 * A stand-in for libFuzzer's main: runs LLVMFuzzerTestOneInput over each
 * file named on the command line (directories: each file in them), so the
 * harness is built and its corpus replayed by every compiler.
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		perror(path);
		return 1;
	}
	do {
		if (len + 4096 > cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n > 0);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int files = 0, errors = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *e;

			while (d && (e = readdir(d))) {
				char path[4096];

				const char *dot = strrchr(e->d_name, '.');

				/* a corpus file, or a script (the goldens'
				 * directory also holds their .out, .err...) */
				if (e->d_name[0] == '.' ||
				    (dot && strcmp(dot, ".vmsh")))
					continue;
				snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
				errors += run_file(path);
				files++;
			}
			if (d)
				closedir(d);
		} else {
			errors += run_file(argv[i]);
			files++;
		}
	}
	printf("fuzz corpus: %d inputs run, %d unreadable\n", files, errors);
	return errors ? 1 : 0;
}
