/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdio.h>

#include "vmsh/vmsh.h"

int main(void)
{
	struct vmsh_config cfg;
	struct vmsh_sys *sys;

	vmsh_config_default(&cfg);
	sys = vmsh_sys_new(&cfg);
	vmsh_sys_free(sys);
	return 0;
}
