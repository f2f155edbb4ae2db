// SPDX-License-Identifier: MIT
/*
 * vmsh engine: names for the values of the memory calls' arguments, one
 * table each, read by trace lines and by the shell's parser (advice).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vmsh/vmsh.h"

#include "names.h"

struct name { const char *name; int value; };

/* Every advice Linux 6.18 accepts, by the name the shell reads. */
static const struct name advice_names[] = {
	{ "normal", VMSH_MADV_NORMAL }, { "random", VMSH_MADV_RANDOM },
	{ "sequential", VMSH_MADV_SEQUENTIAL },
	{ "willneed", VMSH_MADV_WILLNEED }, { "dontneed", VMSH_MADV_DONTNEED },
	{ "free", VMSH_MADV_FREE }, { "remove", VMSH_MADV_REMOVE },
	{ "dontfork", VMSH_MADV_DONTFORK }, { "dofork", VMSH_MADV_DOFORK },
	{ "mergeable", VMSH_MADV_MERGEABLE },
	{ "unmergeable", VMSH_MADV_UNMERGEABLE },
	{ "hugepage", VMSH_MADV_HUGEPAGE },
	{ "nohugepage", VMSH_MADV_NOHUGEPAGE },
	{ "dontdump", VMSH_MADV_DONTDUMP }, { "dodump", VMSH_MADV_DODUMP },
	{ "wipeonfork", VMSH_MADV_WIPEONFORK },
	{ "keeponfork", VMSH_MADV_KEEPONFORK },
	{ "cold", VMSH_MADV_COLD }, { "pageout", VMSH_MADV_PAGEOUT },
	{ "populate_read", VMSH_MADV_POPULATE_READ },
	{ "populate_write", VMSH_MADV_POPULATE_WRITE },
	{ "dontneed_locked", VMSH_MADV_DONTNEED_LOCKED },
	{ "collapse", VMSH_MADV_COLLAPSE },
	{ "hwpoison", VMSH_MADV_HWPOISON },
	{ "soft_offline", VMSH_MADV_SOFT_OFFLINE },
	{ "guard_install", VMSH_MADV_GUARD_INSTALL },
	{ "guard_remove", VMSH_MADV_GUARD_REMOVE },
};

/* Bit names, the two-bit mapping type first (shared_validate is 0x3). */
static const struct name mmap_names[] = {
	{ "shared_validate", 0x03 }, { "shared", VMSH_MAP_SHARED },
	{ "private", VMSH_MAP_PRIVATE }, { "fixed", VMSH_MAP_FIXED },
	{ "anonymous", VMSH_MAP_ANONYMOUS },
	{ "growsdown", VMSH_MAP_GROWSDOWN }, { "denywrite", 0x0800 },
	{ "executable", 0x1000 }, { "locked", VMSH_MAP_LOCKED },
	{ "noreserve", VMSH_MAP_NORESERVE },
	{ "populate", VMSH_MAP_POPULATE }, { "stack", 0x20000 },
	{ "fixed_noreplace", VMSH_MAP_FIXED_NOREPLACE }, { NULL, 0 },
};
static const struct name mremap_names[] = {
	{ "maymove", VMSH_MREMAP_MAYMOVE }, { "fixed", VMSH_MREMAP_FIXED },
	{ "dontunmap", 4 }, { NULL, 0 },
};
static const struct name mlock_names[] = {
	{ "onfault", VMSH_MLOCK_ONFAULT }, { NULL, 0 },
};
static const struct name mlockall_names[] = {
	{ "current", VMSH_MCL_CURRENT }, { "future", VMSH_MCL_FUTURE },
	{ "onfault", VMSH_MCL_ONFAULT }, { NULL, 0 },
};

const char *vmsh_advice_nth(unsigned i, int *value)
{
	if (i >= sizeof(advice_names) / sizeof(advice_names[0]))
		return NULL;
	if (value)
		*value = advice_names[i].value;
	return advice_names[i].name;
}

const char *vmsh_advice_name(int advice)
{
	const char *name;
	int v;

	for (unsigned i = 0; (name = vmsh_advice_nth(i, &v)); i++)
		if (v == advice)
			return name;
	return NULL;
}

const char *prot_name(int prot, char *buf, size_t size)
{
	int rest = prot & ~(VMSH_PROT_READ | VMSH_PROT_WRITE | VMSH_PROT_EXEC);

	snprintf(buf, size, "%c%c%c", prot & VMSH_PROT_READ ? 'r' : '-',
		 prot & VMSH_PROT_WRITE ? 'w' : '-',
		 prot & VMSH_PROT_EXEC ? 'x' : '-');
	if (rest)
		snprintf(buf + 3, size - 3, "|%#x", (unsigned)rest);
	return buf;
}

const char *flags_name(enum name_set set, int flags, char *buf, size_t size)
{
	static const struct name *const sets[] = {
		[NAMES_MMAP] = mmap_names, [NAMES_MREMAP] = mremap_names,
		[NAMES_MLOCK] = mlock_names, [NAMES_MLOCKALL] = mlockall_names,
	};
	unsigned rest = (unsigned)flags;
	size_t len = 0;

	buf[0] = '\0';
	for (const struct name *n = sets[set]; n->name && len < size; n++) {
		if ((rest & (unsigned)n->value) != (unsigned)n->value)
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					len ? "|" : "", n->name);
		rest &= ~(unsigned)n->value;
	}
	if (rest && len < size)
		snprintf(buf + len, size - len, "%s%#x", len ? "|" : "", rest);
	else if (!flags)
		snprintf(buf, size, "0");
	return buf;
}
