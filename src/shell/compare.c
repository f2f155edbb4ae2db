/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "shell.h"

int shell_compare(const struct shell *base, int argc, char **argv,
		  const char *script)
{
	(void)base; (void)argc; (void)argv; (void)script;
	return 2;
}
