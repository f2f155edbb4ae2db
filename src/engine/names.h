/* SPDX-License-Identifier: MIT */
/*
 * vmsh engine: the names trace lines give to the bits of a call's
 * arguments (prot, mmap, mremap and mlock flags), as the shell spells
 * them; bits without a name are shown in hex after the names.
 */
#ifndef VMSH_SRC_ENGINE_NAMES_H
#define VMSH_SRC_ENGINE_NAMES_H

#include <stddef.h>

enum name_set { NAMES_MMAP, NAMES_MREMAP, NAMES_MLOCK, NAMES_MLOCKALL };

/* "rw-", "---", "r-x|0x8": @buf needs 24 bytes. */
const char *prot_name(int prot, char *buf, size_t size);
/* "private|anonymous", "0" for none: @buf needs 160 bytes. */
const char *flags_name(enum name_set set, int flags, char *buf, size_t size);

#endif /* VMSH_SRC_ENGINE_NAMES_H */
