/* SPDX-License-Identifier: MIT */
/*
 * The vmsh shell: what the lexer, the parser, the command table, the REPL
 * and main() share.
 *
 * Invariants
 *  - One command table (commands.c: shell_commands[]) drives dispatch,
 *    `help`, tab completion and the man page's COMMANDS list; nothing else
 *    lists the commands.
 *  - Commands reach the machine through sh->be (vmsh/backend.h) only: the
 *    model or, with --host, the running kernel.  A command that needs
 *    what only the model has (.model_only) is refused, the one way
 *    sh_model_only() says, when sh->be->ops->model is NULL.
 *  - A command parses all of its arguments before it acts: a parse error
 *    changes nothing.
 *  - Normal output goes to sh->out (stdout), errors to sh->err (stderr),
 *    one line each, prefixed by sh_where(): "vmsh" interactively and for
 *    -c, "FILE:LINE" in a script, "<stdin>:LINE" for piped input.
 */
#ifndef VMSH_SRC_SHELL_SHELL_H
#define VMSH_SRC_SHELL_SHELL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "vmsh/backend.h"
#include "vmsh/vmsh.h"

/* ---- lexer ---------------------------------------------------------------- */

struct token {
	char *text;             /* NUL-terminated (a string may hold NULs: see len) */
	size_t len;
	bool quoted;            /* came from "..." */
};

/* One command of a line: its words and its source text (for -x). */
struct lexcmd {
	struct token *tok;
	size_t ntok;
	char *text;
	char *pipe;             /* CMD | SHELL-COMMAND: the command, or NULL */
	size_t first;           /* lexer.c's: tok's index in lexline.toks */
};

/* A line's words and texts live in one arena and its tokens in one array:
 * at most three allocations per line whatever its length, none for a
 * short line (the arrays start in the struct itself; do not copy it). */
struct lexline {
	struct lexcmd *cmd;
	size_t ncmd;
	char *arena;
	struct token *toks;
	struct lexcmd cmd_small[2];
	struct token toks_small[8];
	char arena_small[248];
};

/* Words in one line: a longer line is an error (its token array would
 * take 24 bytes a word, 12 times the line). */
#define LEX_WORDS_MAX (1U << 16)

/* Split @line (@len bytes, may hold any byte) into commands.  Returns 0, or
 * -1 with a message (no "error: " prefix) in @errbuf. */
int lex_line(const char *line, size_t len, struct lexline *out,
	     char *errbuf, size_t errsize);
void lex_free(struct lexline *ll);

/* ---- the shell ------------------------------------------------------------ */

struct shell_var {
	char *name;
	uint64_t value;
	bool hex;               /* an address: shown as 0x... */
};

/* What the command being run did, for --format=json, --verify and
 * assert: recorded by cmd_fail, cmd_yield and the accesses. */
struct cmd_result {
	const char *name;       /* the command ("file create"); NULL: none ran */
	int err;                /* the errno it failed with (negative), or 0 */
	bool yields;            /* it yielded value (an address when hex) */
	uint64_t value;
	bool hex;
	struct vmsh_fault fault;        /* signo 0: no signal */
};

/* One command's output held back (capture.c), to be turned into one JSON
 * line (--format=json) or compared (--verify). */
struct capture {
	bool active, json, forced;
	FILE *out, *err, *trace;        /* the memory streams */
	char *obuf, *ebuf, *tbuf;
	size_t olen, elen, tlen;
	FILE *saved_out, *saved_err, *saved_trace;
	struct cmd_result saved_res;
};

#define SHELL_SOURCE_MAX 32             /* `source` nesting */
#define SHELL_LINE_MAX (128U << 20)     /* bytes in one line of a file */

struct shell {
	struct backend *be;     /* the model, or the host with --host */
	struct vmsh_config cfg;
	bool host;
	bool errexit, echo, quiet, interactive, color, trace;
	bool sandbox;           /* fuzzing: no host files, accesses <= 1 MiB */
	bool no_pager;          /* set pager off */
	const char *color_mode; /* "auto", "always", "never" */
	FILE *out, *err;

	/* where the command being run comes from */
	const char *src;        /* NULL: interactive or -c */
	unsigned long line;
	int depth;              /* `source` nesting */
	/* the files being read, outermost first: a file on it is not
	 * sourced again (by device and inode: names can differ) */
	dev_t src_dev[SHELL_SOURCE_MAX];
	ino_t src_ino[SHELL_SOURCE_MAX];

	bool failed;            /* the last command failed */
	bool intr_said;         /* the Ctrl-C of this line has been reported */
	bool stop;              /* exit/quit, or -e after a failure */
	int status;             /* exit status once stop is set */
	int out_errno;          /* output was lost: the write's errno (-1: unknown) */

	struct shell_var *vars;
	size_t nvars, vcap;
	/* open addressing over vars: slot holds index + 1, 0 is empty;
	 * vhash_cap is a power of two, at least twice nvars */
	size_t *vhash, vhash_cap;

	bool json;              /* --format=json: one JSON line per command */
	FILE *json_out;         /* where JSON lines of nested commands go */
	int capture_depth;      /* output captures under way */
	FILE *trace_out;        /* trace lines (NULL: sh->out) */
	/* called with the old machine before set/reset replaces it (the
	 * fuzzers check its invariants), or NULL */
	void (*discard_hook)(struct shell *sh);
	struct cmd_result res;  /* what the running command did */
	struct cmd_result last; /* what the last command that ran did */
};

/* Arguments of one command, consumed left to right by the arg_* helpers. */
struct args {
	struct shell *sh;
	const struct command *cmd;
	const char *name;       /* command name for messages ("file create") */
	const char *obj;        /* what a failure is about ("CMD: OBJ: ENAME"), or NULL */
	const char *why;        /* words after the errno (": WHY"), or NULL */
	struct token *tok;
	size_t n, i;
	/* a command that yields a value sets these */
	bool yields;
	uint64_t value;
	bool hex;
};

struct command {
	const char *name;
	const char *section;    /* heading of the group it starts, or NULL */
	const char *args;       /* argument grammar, as in help and the man page */
	const char *summary;    /* one line */
	const char *help;       /* long help, may be NULL */
	int (*run)(struct args *a);     /* 0, or -1 when it failed */
	const char *const *keywords;    /* completion of its arguments */
	bool model_only;        /* needs the engine (not with --host) */
	bool yields;            /* can be assigned: name = CMD ... */
};

extern const struct command shell_commands[];
extern const size_t shell_ncommands;
const struct command *command_find(const char *name);
/* The man page's COMMANDS section body, in roff. */
void commands_man(FILE *out);

/* ---- parser: words into values -------------------------------------------- */

/* Number per SPEC "Lexical rules", without variables.  0, or -1 with
 * *@why "not a number" / "too large". */
int parse_number(const char *s, uint64_t *out, const char **why);
int parse_prot(const char *s, int *out);
/* Words naming bits, joined by | or , (an optional @prefix such as
 * "MAP_" per word, or a number): 0, or -1 with the bad word in @bad. */
struct bit_name { const char *name; int value; };
int parse_bits(const char *s, const struct bit_name *names, size_t count,
	       const char *prefix, int *out, char *bad, size_t badsize);
/* Flags: returns 0, or -1 with the bad name (a pointer into a static
 * buffer) in *@bad. */
int parse_flags(const char *s, int *out, const char **bad);
int parse_advice(const char *s, int *out);
bool parse_ident(const char *s);

/* Argument helpers: each prints the parse error and returns -1. */
bool arg_more(struct args *a);
int arg_num(struct args *a, const char *what, uint64_t *out);
int arg_addr(struct args *a, const char *what, uint64_t *out);
int arg_pid(struct args *a, int *out);
int arg_prot(struct args *a, int *out);
int arg_flags(struct args *a, int *out);
int arg_advice(struct args *a, int *out);
int arg_word(struct args *a, const char *what, const char **out);
int arg_string(struct args *a, const char *what, const struct token **out);
bool arg_keyword(struct args *a, const char *kw);
int arg_end(struct args *a);
/* Value of a word that names a number: literal or $var[+-N]. */
int eval_number(struct shell *sh, const struct token *t, const char *ctx,
		const char *what, uint64_t *out);

/* ---- variables ------------------------------------------------------------ */

struct shell_var *var_find(struct shell *sh, const char *name);
void var_set(struct shell *sh, const char *name, uint64_t value, bool hex);
void vars_clear(struct shell *sh);

/* ---- help topics and suggestions (help.c) -------------------------------- */

struct help_topic {
	const char *name, *title, *text;
};
extern const struct help_topic help_topics[];   /* NULL-name terminated */
const struct help_topic *help_topic_find(const char *name);
void help_list_topics(FILE *out);
void help_print_topic(FILE *out, const struct help_topic *t);

/* "did you mean": feed the candidates to suggest_try(); suggest_text() is
 * " (did you mean 'X'?)" when one is close enough, else "". */
struct suggest {
	const char *word, *best;
	size_t dist;
};
void suggest_init(struct suggest *s, const char *word);
void suggest_try(struct suggest *s, const char *cand);
const char *suggest_text(const struct suggest *s, char *buf, size_t size);
/* The same over the command names. */
const char *suggest_command(const char *word, char *buf, size_t size);

/* ---- messages (messages.c) ------------------------------------------------ */

/* "vmsh", "FILE:LINE" or "<stdin>:LINE". */
const char *sh_where(struct shell *sh, char *buf, size_t size);
void sh_parse_error(struct shell *sh, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A failed call: "WHERE: CMD: ENAME (message)". */
void sh_errno(struct shell *sh, const char *cmd, int err);
void sh_error(struct shell *sh, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The command stopped for Ctrl-C: "CMD: interrupted (Ctrl-C)" and the
 * rest of the line (@fmt, may say where it stopped). */
void sh_interrupted(struct shell *sh, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Print "vmsh: CMD: model-only command (not available with --host)"; the
 * caller then fails the command. */
void sh_model_only(struct shell *sh, const char *cmd);
const char *errno_name(int err);
const char *errno_text(int err);
/* Copy @s with non-printable bytes as \xHH, cut at @max bytes. */
/* Flush sh->out (when @flush); when output was lost (a failed write, now
 * or earlier), remember why, stop the run with status 1 and return true. */
bool shell_out_lost(struct shell *sh, bool flush);
const char *quote_word(const char *s, size_t len, char *buf, size_t size);

/* ---- the model backend (model.c) ------------------------------------------ */

/* The engine and the views behind the backend interface: a machine built
 * from @cfg, its warnings going to @warn.  NULL when @cfg is refused. */
struct backend *model_backend_new(const struct vmsh_config *cfg,
				  vmsh_trace_fn *warn, void *ctx);
/* The machine of model backend @be, handed to the caller (who frees it)
 * with no warning, trace or interrupt hook left; @be keeps none. */
struct vmsh_sys *model_backend_take_sys(struct backend *be);

/* ---- the REPL (repl.c) ---------------------------------------------------- */

/* Set by Ctrl-C while an interactive command runs (the engine polls it
 * through backend_model_ops.set_interrupt); cleared before each line. */
extern volatile sig_atomic_t shell_interrupt;

void shell_init(struct shell *sh);
/* OPT's future (future.c): the virtual pages the -c commands, then the
 * scripts, will access, read before they run; 0 with a malloc'd array
 * (the caller frees it), or -1 with the line it cannot know in @err. */
int shell_replace_future(const char *const *files, size_t nfiles,
			 const char *const *cmds, size_t ncmds,
			 uint64_t **pages, size_t *npages,
			 char *err, size_t errsize);
void shell_fini(struct shell *sh);
/* Build (or rebuild) the machine from sh->cfg; false if refused (the old
 * one is kept). */
bool shell_new_machine(struct shell *sh);
/* Trace lines of the model, printed indented on sh->out (@ctx: the shell). */
void shell_trace_out(void *ctx, const char *line);
/* Run one command given as words (`time CMD` runs its CMD so). */
void shell_run_words(struct shell *sh, struct token *tok, size_t n);
/* Run one line of input (may hold several commands). */
void shell_run_line(struct shell *sh, const char *line, size_t len);
/* Run a script; @name "-" is standard input.  -1 if it cannot be read. */
int shell_run_file(struct shell *sh, const char *name);
/* Run -c text ("vmsh" prefix on errors). */
void shell_run_string(struct shell *sh, const char *text);
/* Interactive loop on a terminal. */
void shell_interactive(struct shell *sh);
/* Completion candidates (complete.c) for the word @word, given the text
 * before it.
 * Returns a malloc'd NULL-terminated array of malloc'd strings, or NULL. */
char **shell_complete(struct shell *sh, const char *before, const char *word);

/* ---- where output goes (output.c) ----------------------------------------- */

struct output {
	FILE *saved;            /* sh->out before */
	FILE *f;                /* the file, pipe or pager; NULL: unchanged */
	enum { OUT_NONE, OUT_FILE, OUT_PIPE, OUT_PAGER } kind;
	const char *name;       /* OUT_FILE: its path */
	char path[4096];        /* ~/ expanded */
	bool pipe_ignored;
	struct sigaction old_pipe;
};

/* Send sh->out to @file (appending when @append), to /bin/sh -c @pipe,
 * or, neither given, through the pager when interactive on a terminal.
 * -1 once the error is printed (sh->out unchanged). */
int output_begin(struct shell *sh, const char *file, bool append,
		 const char *pipe, struct output *o);
/* Close what output_begin opened; sh->out is back. */
void output_end(struct shell *sh, struct output *o);

/* ---- output capture and JSON lines (capture.c) ----------------------------- */

/* Before a command: reset sh->res; with --format=json (or @force) hold
 * its stdout, stderr and trace lines back in @cap. */
void capture_begin(struct shell *sh, struct capture *cap, bool force);
/* After it: put the streams back.  With --format=json, print the
 * command's JSON line (@lc: its words and text) and pass its stderr on;
 * else (a forced capture) leave the text in @cap for the caller, who
 * then calls capture_free. */
void capture_end(struct shell *sh, struct capture *cap,
		const struct lexcmd *lc);
void capture_free(struct capture *cap);

/* ---- --verify (verify.c) -------------------------------------------------- */

struct lines {
	const char **l;
	size_t n;
};
/* Split @buf into lines, in place (the array is malloc'd, the strings
 * point into @buf); a unified diff of @e against @a on @out. */
void shell_split_lines(char *buf, size_t len, struct lines *out);
void shell_udiff(FILE *out, const struct lines *e, const struct lines *a);

/* Run script @name checking its `#| ` and `# expect-` lines; report each
 * difference on sh->out.  0: all as expected; 1: differences (after
 * --update: those it could not fix); a negative errno if unreadable. */
int shell_verify_file(struct shell *sh, const char *name, bool update);
/* vmsh --verify: each of @files on a fresh machine built from @base's
 * options; the exit status (0 all as expected, 1 differences or an
 * unreadable script, 2 a machine that cannot be built). */
int shell_verify(const struct shell *base, char *const *files, int n,
		 bool update);

/* ---- --compare (compare.c) ------------------------------------------------ */

/* vmsh --compare SCRIPT: run @script as `ARGV0 OPTIONS -x` (the model,
 * with the zero-page setting the host shows) and `ARGV0 --host -x`,
 * print where they differ command by command; exit status 0 agree, 1
 * differ, 2 when they cannot run. */
int shell_compare(const struct shell *base, int argc, char **argv,
		  const char *script);

/* ---- options shared by main.c and `set` (options.c) ----------------------- */

/* Apply option @name = @value (command-line or `set`).  Returns 0; -1
 * with a message in @errbuf.  *@rebuild is set when the machine must be
 * rebuilt for the new value. */
int shell_set_option(struct shell *sh, const char *name, const char *value,
		     bool *rebuild, char *errbuf, size_t errsize);
void shell_list_options(struct shell *sh, FILE *out);
extern const char *const shell_option_names[];
/* The THP modes (enum vmsh_thp) by name: the mode, or -1; the running
 * kernel's mode (transparent_hugepage/enabled), or -1 when unreadable. */
extern const char *const shell_thp_names[];
int shell_thp_mode(const char *v);
int shell_host_thp_mode(void);

#endif /* VMSH_SRC_SHELL_SHELL_H */
