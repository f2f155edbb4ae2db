/* SPDX-License-Identifier: MIT */
/* Line editing: GNU readline, libedit, or plain fgets (lineedit.c is the
 * only file that includes them). */
#ifndef VMSH_SRC_SHELL_LINEEDIT_H
#define VMSH_SRC_SHELL_LINEEDIT_H

#include <stdbool.h>

/* Completion: candidates for @word given the line text before it, as a
 * malloc'd NULL-terminated array of malloc'd strings (NULL: none). */
typedef char **lineedit_complete_fn(const char *before, const char *word);

/* Load history from @histfile (may be NULL: no history file). */
void lineedit_init(const char *histfile, lineedit_complete_fn *fn);
/* A malloc'd line without its newline; NULL at end of input, or with
 * *@interrupted set when Ctrl-C cancelled the line. */
char *lineedit_read(const char *prompt, bool *interrupted);
void lineedit_add_history(const char *line);
/* Save history (mode 0600). */
void lineedit_fini(void);

#endif /* VMSH_SRC_SHELL_LINEEDIT_H */
