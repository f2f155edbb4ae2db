/* SPDX-License-Identifier: MIT */
/*
 * Tab completion by argument position, driven by the command table: the
 * argument grammar of each command (its .args, as help prints it) says
 * what each slot accepts, and only that is offered there -- PROT, FLAGS
 * (again after each | or ,), simulated files and devices, advice, pids,
 * option names and their values, commands and help topics, literal
 * keywords and subcommands, host paths.  $ completes variables anywhere;
 * after a lone `|` the rest is the shell's (host paths).
 */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shell.h"

struct cands {
	char **v;
	size_t n;
};

static void cand_add(struct cands *c, const char *word, const char *s)
{
	if (strncmp(s, word, strlen(word)))
		return;
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i], s))
			return;
	c->v = realloc(c->v, (c->n + 2) * sizeof(*c->v));
	if (!c->v)
		abort();
	c->v[c->n] = strdup(s);
	if (!c->v[c->n])
		abort();
	c->v[++c->n] = NULL;
}

static void cand_list(struct cands *c, const char *word, const char *const *l)
{
	for (size_t i = 0; l && l[i]; i++)
		cand_add(c, word, l[i]);
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

static int task_cand(void *ctx, const struct vmsh_task_info *t)
{
	struct cand_word *w = ctx;
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", t->pid);
	cand_add(w->c, w->word, pid);
	return 0;
}

/* Host paths: the entries of WORD's directory that start like its last
 * component (dot files only when asked for); directories end in '/'. */
static void path_cands(struct cands *c, const char *word)
{
	const char *slash = strrchr(word, '/');
	const char *home = getenv("HOME");
	char dir[4096], cand[4096];
	size_t dlen = slash ? (size_t)(slash - word) + 1 : 0;
	const char *base = word + dlen;
	struct dirent *e;
	DIR *d;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (word[0] == '~' && word[1] == '/' && home)
		snprintf(dir, sizeof(dir), "%s%.*s", home, (int)dlen - 1, word + 1);
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)dlen, word);
	d = opendir(dir[0] ? dir : "/");
	if (!d)
		return;
	while ((e = readdir(d))) {
		bool isdir = e->d_type == DT_DIR;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (e->d_name[0] == '.' && base[0] != '.')
			continue;
		if (strncmp(e->d_name, base, strlen(base)))
			continue;
		if (e->d_type == DT_UNKNOWN || e->d_type == DT_LNK) {
			char full[8192];
			DIR *sub;

			snprintf(full, sizeof(full), "%s/%s", dir, e->d_name);
			sub = opendir(full);
			isdir = sub != NULL;
			if (sub)
				closedir(sub);
		}
		snprintf(cand, sizeof(cand), "%.*s%s%s", (int)dlen, word, e->d_name,
			 isdir ? "/" : "");
		cand_add(c, word, cand);
	}
	closedir(d);
}

/* ---- what a slot accepts ---------------------------------------------------- */

static const char *const prots[] = {
	"rw-", "r--", "r-x", "rwx", "---", "none", "PROT_READ", "PROT_WRITE",
	"PROT_EXEC", "PROT_NONE", NULL
};
static const char *const flags[] = {
	"private", "shared", "anonymous", "anon", "fixed", "fixed_noreplace",
	"noreplace", "populate", "noreserve", "locked", "growsdown", NULL
};
static const char *const onoff[] = { "on", "off", NULL };

/* Values of `set NAME` (NULL: a number, nothing to offer). */
static const char *const *option_values(const char *name)
{
	static const char *const levels[] = { "2", "3", "4", "5", NULL };
	static const char *const color[] = { "auto", "always", "never", NULL };
	static const char *const bools[] = {
		"pcid", "zero-page", "thp-zero-page", "lazy-flush", "errexit", "echo", "pager",
		"aslr", NULL
	};

	if (!strcmp(name, "levels"))
		return levels;
	if (!strcmp(name, "color"))
		return color;
	for (size_t i = 0; bools[i]; i++)
		if (!strcmp(name, bools[i]))
			return onoff;
	return NULL;
}

/* The grammar of @c (its .args, brackets dropped) as words.  With
 * alternatives that each start with a keyword (file create ... | file
 * write ...), *@nsubs gets those keywords and the words are those of the
 * alternative named by @sub (none when @sub names none); otherwise the
 * words of the first alternative. */
static size_t grammar(const struct command *c, const char *sub, char w[][48],
		      size_t max, char subs[][48], size_t *nsubs)
{
	const char *chosen = NULL;
	size_t n = 0, nalts = 0;
	bool keyed = true;

	*nsubs = 0;
	for (const char *p = c->args; p;) {
		const char *bar = strstr(p, " | ");
		size_t len = strcspn(p, " ");

		nalts++;
		if (!(p[0] >= 'a' && p[0] <= 'z'))
			keyed = false;
		else if (*nsubs < 16)
			snprintf(subs[(*nsubs)++], 48, "%.*s", (int)len, p);
		if (sub && strlen(sub) == len && !strncmp(p, sub, len))
			chosen = p;
		p = bar ? bar + 3 : NULL;
	}
	if (!keyed || nalts < 2) {
		*nsubs = 0;
		chosen = c->args;
	}
	if (!chosen)
		return 0;
	for (const char *p = chosen; *p && n < max;) {
		size_t len;

		p += strspn(p, " []");
		if (!*p || !strncmp(p, "| ", 2))
			break;
		len = strcspn(p, " []");
		snprintf(w[n++], 48, "%.*s", (int)len, p);
		p += len;
	}
	return n;
}

static void slot_cands(struct shell *sh, const struct command *cmd,
		       const char *slot, const char *word, struct cands *c)
{
	const struct backend_model_ops *model = sh->be ? sh->be->ops->model : NULL;
	struct cand_word w = { c, word };

	if (!strcmp(slot, "ADDR") && !strcmp(cmd->name, "mmap")) {
		cand_add(c, word, "NULL");
	} else if (!strcmp(slot, "PROT")) {
		cand_list(c, word, prots);
	} else if (!strcmp(slot, "FLAGS")) {
		cand_list(c, word, flags);
	} else if (!strcmp(slot, "ADVICE")) {
		cand_list(c, word, cmd->keywords);
	} else if (!strcmp(slot, "NAME") ||
		   (!strcmp(slot, "FILE") && !strcmp(cmd->name, "mmap"))) {
		if (model) {
			model->file_walk(sh->be, file_cand, &w);
			if (!strcmp(slot, "FILE"))
				model->dev_walk(sh->be, dev_cand, &w);
		}
	} else if (!strcmp(slot, "FILE") || !strcmp(slot, "HOSTPATH")) {
		path_cands(c, word);
	} else if (!strcmp(slot, "PID")) {
		if (model && model->task_walk)
			model->task_walk(sh->be, task_cand, &w);
	} else if (!strncmp(slot, "CMD", 3)) {
		for (size_t i = 0; i < shell_ncommands; i++)
			cand_add(c, word, shell_commands[i].name);
		if (strstr(slot, "TOPIC"))
			for (const struct help_topic *t = help_topics; t->name; t++)
				cand_add(c, word, t->name);
	} else if (slot[0] >= 'a' && slot[0] <= 'z') {
		/* literal keywords: on|off, tree|pt|vmas, maymove, ... */
		char lit[48];

		snprintf(lit, sizeof(lit), "%s", slot);
		for (char *tok = strtok(lit, "|"); tok; tok = strtok(NULL, "|"))
			cand_add(c, word, tok);
	}
}

/* Complete words[0..n) + @word, words[0] being the command. */
static void complete_cmd(struct shell *sh, char words[][64], size_t n,
			 const char *word, struct cands *c)
{
	const struct command *cmd = command_find(words[0]);
	char g[16][48], subs[16][48];
	size_t ng, nsubs, slot = n - 1;

	if (!cmd)
		return;
	if (!strcmp(cmd->name, "time")) {
		if (n == 1) {
			for (size_t i = 0; i < shell_ncommands; i++)
				cand_add(c, word, shell_commands[i].name);
			return;
		}
		complete_cmd(sh, words + 1, n - 1, word, c);
		return;
	}
	if (!strcmp(cmd->name, "set")) {
		if (n == 1)
			for (size_t i = 0; shell_option_names[i]; i++)
				cand_add(c, word, shell_option_names[i]);
		else if (n == 2)
			cand_list(c, word, option_values(words[1]));
		return;
	}
	ng = grammar(cmd, n > 1 ? words[1] : NULL, g, 16, subs, &nsubs);
	if (nsubs && n == 1) {
		/* the first slot names a subcommand */
		for (size_t i = 0; i < nsubs; i++)
			cand_add(c, word, subs[i]);
		return;
	}
	/* words[k] fills g[k - 1] (a subcommand is g[0] and words[1]) */
	if (slot >= ng || !strcmp(words[n - 1], "fixed"))
		return;
	slot_cands(sh, cmd, g[slot], word, c);
	/* optional keywords in a row ([maymove] [fixed NEWADDR]) */
	for (size_t i = slot + 1; i < ng && g[i - 1][0] >= 'a' && g[i - 1][0] <= 'z' &&
	     g[i][0] >= 'a' && g[i][0] <= 'z'; i++)
		slot_cands(sh, cmd, g[i], word, c);
}

char **shell_complete(struct shell *sh, const char *before, const char *word)
{
	struct cands c = { NULL, 0 };
	const char *start = strrchr(before, ';');
	char words[16][64];
	size_t n = 0;
	bool glued;

	start = start ? start + 1 : before;
	/* the words before this one; `name =` drops out */
	for (const char *p = start; *p;) {
		size_t len;

		p += strspn(p, " \t");
		len = strcspn(p, " \t");
		if (!len)
			break;
		if (len == 1 && *p == '|') {
			/* CMD | SHELL-COMMAND: the shell's words */
			path_cands(&c, word);
			return c.v;
		}
		if (n == 1 && len == 1 && *p == '=')
			n = 0;
		else if (n < 16)
			snprintf(words[n++], sizeof(words[0]), "%.*s", (int)len, p);
		p += len;
	}
	/* a word glued to the previous one by | or , is the same slot */
	glued = before[0] && !strchr(" \t", before[strlen(before) - 1]);
	if (glued && n)
		n--;
	if (word[0] == '$') {
		for (size_t i = 0; i < sh->nvars; i++) {
			char v[80];

			snprintf(v, sizeof(v), "$%s", sh->vars[i].name);
			cand_add(&c, word, v);
		}
		return c.v;
	}
	if (n == 0) {
		for (size_t i = 0; i < shell_ncommands; i++)
			cand_add(&c, word, shell_commands[i].name);
		return c.v;
	}
	complete_cmd(sh, words, n, word, &c);
	return c.v;
}
