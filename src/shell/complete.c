/* SPDX-License-Identifier: MIT */
/*
 * Tab completion: command names, then each command's keywords, option
 * names after `set`, $variables, and the model's files and devices where
 * a FILE or NAME goes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "shell.h"

struct cands {
	char **v;
	size_t n;
};

static void cand_add(struct cands *c, const char *word, const char *s)
{
	if (strncmp(s, word, strlen(word)))
		return;
	c->v = realloc(c->v, (c->n + 2) * sizeof(*c->v));
	if (!c->v)
		abort();
	c->v[c->n] = strdup(s);
	if (!c->v[c->n])
		abort();
	c->v[++c->n] = NULL;
}

struct cand_word {
	struct cands *c;
	const char *word;
};

static int file_cand(void *ctx, const struct vmsh_file_info *f)
{
	struct cand_word *w = ctx;

	cand_add(w->c, w->word, f->name);
	return 0;
}

static int dev_cand(void *ctx, const struct vmsh_dev_info *d)
{
	struct cand_word *w = ctx;

	cand_add(w->c, w->word, d->path);
	return 0;
}

char **shell_complete(struct shell *sh, const char *before, const char *word)
{
	const struct backend_model_ops *model = sh->be ? sh->be->ops->model : NULL;
	struct cands c = { NULL, 0 };
	const char *start = strrchr(before, ';');
	char first[64] = "";
	int nwords = 0;
	const char *p;

	start = start ? start + 1 : before;
	/* count the complete words before this one, remembering the command */
	for (p = start; *p;) {
		size_t n;

		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (!n)
			break;
		if (nwords == 1 && n == 1 && *p == '=') {
			nwords = 0;     /* name = CMD: CMD is the first word */
			first[0] = '\0';
			p += n;
			continue;
		}
		if (nwords == 0)
			snprintf(first, sizeof(first), "%.*s", (int)n, p);
		nwords++;
		p += n;
	}
	/* a word glued to the previous one by | or , is a flag name */
	if (word[0] == '$') {
		for (size_t i = 0; i < sh->nvars; i++) {
			char v[80];

			snprintf(v, sizeof(v), "$%s", sh->vars[i].name);
			cand_add(&c, word, v);
		}
		return c.v;
	}
	if (nwords == 0) {
		for (size_t i = 0; i < shell_ncommands; i++)
			cand_add(&c, word, shell_commands[i].name);
		return c.v;
	}
	if (!strcmp(first, "help")) {
		for (size_t i = 0; i < shell_ncommands; i++)
			cand_add(&c, word, shell_commands[i].name);
	} else if (!strcmp(first, "set")) {
		if (nwords == 1) {
			for (size_t i = 0; shell_option_names[i]; i++)
				cand_add(&c, word, shell_option_names[i]);
		} else {
			cand_add(&c, word, "on");
			cand_add(&c, word, "off");
		}
	} else {
		const struct command *cmd = command_find(first);

		/* simulated files and devices where a FILE or NAME goes */
		if (model && ((!strcmp(first, "mmap") && nwords >= 5) ||
			      (!strcmp(first, "file") && nwords == 2))) {
			struct cand_word w = { &c, word };

			model->file_walk(sh->be, file_cand, &w);
			if (!strcmp(first, "mmap"))
				model->dev_walk(sh->be, dev_cand, &w);
		}
		if (cmd && cmd->keywords)
			for (size_t i = 0; cmd->keywords[i]; i++)
				cand_add(&c, word, cmd->keywords[i]);
	}
	return c.v;
}
