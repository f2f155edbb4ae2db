/* SPDX-License-Identifier: MIT */
/*
 * vmsh's entry point: the command line (SPEC "Invocation"), then scripts,
 * -c, standard input or the interactive loop.
 *
 * Exit status: 0 success; 1 a command failed under -e, output was lost (a
 * failed write to stdout: "vmsh: write error: ..."), a script could not
 * be read or the machine could not be built; 2 bad command-line usage.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include "host.h"
#include "record.h"
#include "shell.h"
#include "vmsh/replace.h"

static const char usage_text[] =
"Usage: vmsh [OPTIONS] [SCRIPT...]     run scripts in order ('-' = standard input)\n"
"       vmsh [OPTIONS]                 interactive on a terminal, else read stdin\n"
"       vmsh [OPTIONS] -c 'CMD; CMD'   run the commands given\n"
"       vmsh record [-o FILE] [--maps-at exit|every] [--with-files] -- CMD [ARGS...]\n"
"       vmsh import strace FILE        a script from an strace -f log\n"
"       vmsh trace-replay [OPTIONS] FILE   drive the model with an access trace\n"
"\n"
"Options:\n"
"  -c CMDS                  run CMDS (';'-separated) and exit\n"
"  -e, --errexit            stop at the first failed command, exit 1\n"
"  -x, --echo               print each command, as 'vmsh> CMD', before its output\n"
"  -q, --quiet              no banner in interactive mode\n"
"      --levels N           page-table levels, 2-5 (default 4)\n"
"      --ram SIZE           simulated physical memory (default 1G)\n"
"      --swap SIZE          a swap area of SIZE (default 0: none); with --host\n"
"                           a private swap file (root only)\n"
"      --tlb ENTRIES[:WAYS] TLB geometry (default 64:4)\n"
"      --tlb-2m ENTRIES[:WAYS] the separate 2 MiB-page TLB (default 32:4; 0: none)\n"
"      --pcid               tagged TLB: no flush on context switch\n"
"      --cpus N             CPUs, each with its own TLB (default 1)\n"
"      --zero-page=on|off   map the zero page on anonymous read faults (default on)\n"
"      --thp=always|madvise|never  transparent huge pages (default madvise)\n"
"      --thp-zero-page=on|off  the huge zero page on read faults in THP\n"
"                           regions (default on; needs --zero-page on)\n"
"      --fault-around=BYTES file read-fault-around window (default 65536)\n"
"      --max-map-count N    like vm.max_map_count (default 65530)\n"
"      --memlock-limit SIZE RLIMIT_MEMLOCK of the tasks (default 8M; 0: no mlock)\n"
"      --lru-others N       pages of active file memory the rest of the machine\n"
"                           keeps, counted by the workingset test (default 0)\n"
"      --replace=fifo|lru|clock|opt|random  a textbook page-replacement policy\n"
"                           over --user-frames N resident user pages (model only)\n"
"      --user-frames N      the policy's frames (1 to 1048576)\n"
"      --replace-seed SEED  the random policy's seed (default 1)\n"
"      --aslr[=SEED]        randomize mmap_base and the stack\n"
"      --color=auto|always|never  colour on terminals (honours NO_COLOR)\n"
"      --host               run the calls on the running kernel instead\n"
"      --host-unsafe        let --host calls reach the helper's own memory\n"
"      --format=json|text   one JSON line per command (JSON Lines), or text\n"
"      --verify [--update] SCRIPT...  check the scripts' expected output (#| lines)\n"
"      --compare SCRIPT     run SCRIPT in the model and --host, show where they differ\n"
"  -h, --help               this help\n"
"  -V, --version            print the version\n"
"\n"
"Type 'help' inside vmsh for the commands; see vmsh(1).\n";

enum {
	OPT_LEVELS = 256, OPT_RAM, OPT_TLB, OPT_TLB_2M, OPT_PCID, OPT_CPUS, OPT_ZERO_PAGE,
	OPT_FAULT_AROUND, OPT_MAX_MAP_COUNT, OPT_ASLR, OPT_COLOR, OPT_HOST,
	OPT_LAZY_FLUSH, OPT_MAN_COMMANDS, OPT_FORMAT, OPT_VERIFY, OPT_UPDATE,
	OPT_COMPARE, OPT_THP,
	OPT_MEMLOCK_LIMIT, OPT_LRU_OTHERS, OPT_SWAP, OPT_THP_ZERO_PAGE, OPT_REPLACE, OPT_USER_FRAMES,
	OPT_REPLACE_SEED, OPT_HOST_UNSAFE,
};

static const struct option long_opts[] = {
	{ "errexit", no_argument, NULL, 'e' },
	{ "echo", no_argument, NULL, 'x' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "levels", required_argument, NULL, OPT_LEVELS },
	{ "ram", required_argument, NULL, OPT_RAM },
	{ "swap", required_argument, NULL, OPT_SWAP },
	{ "replace", required_argument, NULL, OPT_REPLACE },
	{ "user-frames", required_argument, NULL, OPT_USER_FRAMES },
	{ "replace-seed", required_argument, NULL, OPT_REPLACE_SEED },
	{ "tlb", required_argument, NULL, OPT_TLB },
	{ "tlb-2m", required_argument, NULL, OPT_TLB_2M },
	{ "pcid", no_argument, NULL, OPT_PCID },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "zero-page", required_argument, NULL, OPT_ZERO_PAGE },
	{ "thp", required_argument, NULL, OPT_THP },
	{ "thp-zero-page", required_argument, NULL, OPT_THP_ZERO_PAGE },
	{ "fault-around", required_argument, NULL, OPT_FAULT_AROUND },
	{ "max-map-count", required_argument, NULL, OPT_MAX_MAP_COUNT },
	{ "memlock-limit", required_argument, NULL, OPT_MEMLOCK_LIMIT },
	{ "lru-others", required_argument, NULL, OPT_LRU_OTHERS },
	{ "aslr", optional_argument, NULL, OPT_ASLR },
	{ "color", required_argument, NULL, OPT_COLOR },
	{ "colour", required_argument, NULL, OPT_COLOR },
	{ "host", no_argument, NULL, OPT_HOST },
	{ "host-unsafe", no_argument, NULL, OPT_HOST_UNSAFE },
	{ "lazy-flush", no_argument, NULL, OPT_LAZY_FLUSH },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "verify", no_argument, NULL, OPT_VERIFY },
	{ "update", no_argument, NULL, OPT_UPDATE },
	{ "compare", no_argument, NULL, OPT_COMPARE },
	/* undocumented: the man page's COMMANDS section (tests/golden/check-man) */
	{ "man-commands", no_argument, NULL, OPT_MAN_COMMANDS },
	{ NULL, 0, NULL, 0 },
};

/* " (did you mean '--levels'?)" for a near miss of a long option, or "". */
static const char *suggest_long(const char *name)
{
	static char buf[96];
	char word[48], tmp[96];
	struct suggest sg;

	snprintf(word, sizeof(word), "%.*s", (int)strcspn(name, "="), name);
	suggest_init(&sg, word);
	for (const struct option *o = long_opts; o->name; o++)
		suggest_try(&sg, o->name);
	if (!*suggest_text(&sg, tmp, sizeof(tmp)))
		return "";
	snprintf(buf, sizeof(buf), " (did you mean '--%s'?)", sg.best);
	return buf;
}

static bool known_long(const char *name)
{
	size_t n = strcspn(name, "=");

	for (const struct option *o = long_opts; o->name; o++)
		if (strlen(o->name) == n && !strncmp(o->name, name, n))
			return true;
	return false;
}

__attribute__((format(printf, 1, 2), noreturn))
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("vmsh: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'vmsh --help' for more information.\n", stderr);
	exit(2);
}

/* --replace, --user-frames, --replace-seed: command-line only (the
 * policy is the machine's from its start). */
static void replace_opt(struct shell *sh, const char *name, const char *value)
{
	uint64_t v;
	const char *why;
	int p;

	if (!strcmp(name, "replace")) {
		p = vmsh_replace_policy_parse(value);
		if (p < 0)
			usage_error("--replace: expected fifo, lru, clock, opt or random, got '%s'",
				    value);
		sh->cfg.replace = p;
		return;
	}
	if (parse_number(value, &v, &why) < 0 ||
	    (!strcmp(name, "user-frames") && (v < 1 || v > VMSH_REPLACE_MAX_FRAMES)))
		usage_error("--%s: bad value '%s' (%s)", name, value,
			    !strcmp(name, "user-frames") ? "1 to 1048576" : "a number");
	if (!strcmp(name, "user-frames"))
		sh->cfg.user_frames = v;
	else
		sh->cfg.replace_seed = v;
}

/* The replacement options fit together and with the rest; OPT gets its
 * future from the scripts or the -c commands. */
static void replace_check_usage(struct shell *sh, const char **cmds, size_t ncmds,
				const char *const *files, size_t nfiles,
				bool verify_or_compare)
{
	char err[512];
	uint64_t *pages;
	size_t n;

	if (!sh->cfg.replace)
		usage_error("--user-frames goes with --replace");
	if (!sh->cfg.user_frames)
		usage_error("--replace=%s needs --user-frames N (the frames the policy has)",
			    vmsh_replace_name(sh->cfg.replace));
	if (sh->host)
		usage_error("--replace: --host runs the kernel's own reclaim; the textbook policies are model-only");
	if (verify_or_compare)
		usage_error("--replace cannot be combined with --verify or --compare");
	if (sh->cfg.replace != VMSH_REPLACE_OPT)
		return;
	for (size_t i = 0; i < nfiles; i++)
		if (!strcmp(files[i], "-"))
			nfiles = 0;
	if (!ncmds && !nfiles)
		usage_error("--replace=opt needs the accesses in advance: give SCRIPT files or -c (not standard input)");
	if (shell_replace_future(files, nfiles, cmds, ncmds, &pages, &n, err,
				 sizeof(err)) < 0)
		usage_error("%s", err);
	sh->cfg.replace_future = pages ? pages : calloc(1, sizeof(*pages));
	sh->cfg.replace_future_len = n;
}

static void set_opt(struct shell *sh, const char *name, const char *value)
{
	char err[256];
	bool rebuild;

	if (shell_set_option(sh, name, value, &rebuild, err, sizeof(err)) < 0)
		usage_error("--%s", err);
}

/*
 * Descriptors 0-2 are open before anything else: a closed one would be
 * the next socket or file opened, and output meant for stdout would go
 * there (--host: into a task's request socket).  A closed one is taken
 * by /dev/null opened in the other direction, so using it still fails
 * with EBADF, as the closed descriptor would (and lost output is seen).
 */
static void keep_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int nfd;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* the lowest free descriptor: @fd, as the lower ones are open */
		nfd = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
		if (nfd != fd)
			_exit(127);
	}
}

/* trace-replay --layout SCRIPT: the machine SCRIPT leaves, its output
 * dropped, its errors said (the first failing command stops it). */
static struct vmsh_sys *trace_layout(const char *script,
				     const struct vmsh_config *cfg)
{
	struct shell sh;
	struct vmsh_sys *sys = NULL;
	FILE *null = fopen("/dev/null", "w");
	int ret;

	if (!null) {
		fprintf(stderr, "vmsh trace-replay: /dev/null: %s\n", strerror(errno));
		return NULL;
	}
	shell_init(&sh);
	sh.cfg = *cfg;
	sh.out = null;
	sh.errexit = true;
	sh.quiet = true;
	if (!shell_new_machine(&sh)) {
		fprintf(stderr, "vmsh trace-replay: the machine cannot be built (--ram, --tlb)\n");
	} else if ((ret = shell_run_file(&sh, script)) < 0) {
		fprintf(stderr, "vmsh trace-replay: --layout: %s: %s (%s)\n", script,
			errno_name(ret), errno_text(ret));
	} else if (sh.stop && sh.status) {
		fprintf(stderr, "vmsh trace-replay: --layout: %s failed (the error above)\n",
			script);
	} else if (sh.be->ops->current_pid(sh.be) <= 0) {
		fprintf(stderr, "vmsh trace-replay: --layout: %s leaves no task to make the accesses\n",
			script);
	} else {
		sys = model_backend_take_sys(sh.be);
	}
	shell_fini(&sh);
	fclose(null);
	return sys;
}

int main(int argc, char **argv)
{
	struct shell sh;
	const char **cmds = NULL;
	size_t ncmds = 0;
	int c, status, out_errno;
	bool color_set = false, verify = false, update = false, compare = false;
	bool host_unsafe = false;
	bool thp_set = false;

	keep_std_fds();
	/* the subcommands for real programs (src/record) */
	if (argc > 1 && !strcmp(argv[1], "record"))
		return vmsh_record_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "import"))
		return vmsh_import_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "trace-replay"))
		return vmsh_trace_replay_main(argc - 1, argv + 1, trace_layout);
	shell_init(&sh);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:exqhV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cmds = realloc(cmds, (ncmds + 1) * sizeof(*cmds));
			if (!cmds)
				abort();
			cmds[ncmds++] = optarg;
			break;
		case 'e': sh.errexit = true; break;
		case 'x': sh.echo = true; break;
		case 'q': sh.quiet = true; break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("vmsh %s\n", VMSH_VERSION);
			return 0;
		case OPT_LEVELS: set_opt(&sh, "levels", optarg); break;
		case OPT_RAM: set_opt(&sh, "ram", optarg); break;
		case OPT_SWAP: set_opt(&sh, "swap", optarg); break;
		case OPT_REPLACE:
		case OPT_USER_FRAMES:
		case OPT_REPLACE_SEED:
			replace_opt(&sh, c == OPT_REPLACE ? "replace" :
				    c == OPT_USER_FRAMES ? "user-frames" : "replace-seed",
				    optarg);
			break;
		case OPT_TLB: set_opt(&sh, "tlb", optarg); break;
		case OPT_TLB_2M: set_opt(&sh, "tlb-2m", optarg); break;
		case OPT_PCID: sh.cfg.pcid = true; break;
		case OPT_CPUS: set_opt(&sh, "cpus", optarg); break;
		case OPT_ZERO_PAGE: set_opt(&sh, "zero-page", optarg); break;
		case OPT_THP_ZERO_PAGE: set_opt(&sh, "thp-zero-page", optarg); break;
		case OPT_THP:
			set_opt(&sh, "thp", optarg);
			thp_set = true;
			break;
		case OPT_FAULT_AROUND: set_opt(&sh, "fault-around", optarg); break;
		case OPT_MAX_MAP_COUNT: set_opt(&sh, "max-map-count", optarg); break;
		case OPT_MEMLOCK_LIMIT: set_opt(&sh, "memlock-limit", optarg); break;
		case OPT_LRU_OTHERS: set_opt(&sh, "lru-others", optarg); break;
		case OPT_ASLR: set_opt(&sh, "aslr", optarg ? optarg : "on"); break;
		case OPT_COLOR:
			set_opt(&sh, "color", optarg);
			color_set = true;
			break;
		case OPT_HOST: sh.host = true; break;
		case OPT_HOST_UNSAFE: host_unsafe = true; break;
		case OPT_LAZY_FLUSH: sh.cfg.lazy_flush = true; break;
		case OPT_FORMAT: set_opt(&sh, "format", optarg); break;
		case OPT_VERIFY: verify = true; break;
		case OPT_UPDATE: update = true; break;
		case OPT_COMPARE: compare = true; break;
		case OPT_MAN_COMMANDS:
			commands_man(stdout);
			return 0;
		case ':':
			if (optopt)
				fprintf(stderr, "vmsh: option '-%c' needs an argument\n", optopt);
			else
				fprintf(stderr, "vmsh: option '%s' needs an argument\n",
					argv[optind - 1]);
			fputs("Try 'vmsh --help' for more information.\n", stderr);
			return 2;
		default:
			{
				const char *arg = argv[optind - 1];

				if (strncmp(arg, "--", 2) != 0)
					fprintf(stderr, "vmsh: unknown option '-%c'\n", optopt);
				else if (strchr(arg, '=') && known_long(arg + 2))
					fprintf(stderr, "vmsh: option '%.*s' does not take a value\n",
						(int)(strchr(arg, '=') - arg), arg);
				else
					fprintf(stderr, "vmsh: unknown option '%s'%s\n", arg,
						suggest_long(arg + 2));
			}
			fputs("Try 'vmsh --help' for more information.\n", stderr);
			return 2;
		}
	}
	if (ncmds && optind < argc)
		usage_error("-c and SCRIPT arguments cannot be combined ('%s')", argv[optind]);
	if (!color_set)
		set_opt(&sh, "color", "auto");
	if (update && !verify)
		usage_error("--update goes with --verify");
	if (sh.cfg.replace || sh.cfg.user_frames)
		replace_check_usage(&sh, cmds, ncmds, (const char *const *)argv + optind,
				    (size_t)(argc - optind), verify || compare);
	if (verify || compare) {
		const char *what = verify ? "--verify" : "--compare";

		if (verify && compare)
			usage_error("--verify and --compare cannot be combined");
		if (ncmds || optind >= argc)
			usage_error("%s needs SCRIPT arguments (and no -c)", what);
		if (sh.host)
			usage_error("%s runs the model (--compare runs --host itself)", what);
		if (compare && argc - optind != 1)
			usage_error("--compare takes one SCRIPT");
		status = verify ? shell_verify(&sh, argv + optind, argc - optind, update) :
				  shell_compare(&sh, argc, argv, argv[optind]);
		free(cmds);
		return status;
	}

	if (host_unsafe && !sh.host)
		usage_error("%s", "--host-unsafe goes with --host");
	if (sh.host) {
		/* the running kernel's THP mode is the one --host has */
		int mode = shell_host_thp_mode();

		if (mode >= 0 && thp_set && mode != sh.cfg.thp)
			usage_error("--host: --thp=%s, but the running kernel's transparent_hugepage/enabled is %s",
				    shell_thp_names[sh.cfg.thp], shell_thp_names[mode]);
		if (mode >= 0)
			sh.cfg.thp = mode;
		/* the task processes inherit it (they drop CAP_IPC_LOCK) */
		struct rlimit rl = { sh.cfg.memlock_limit, sh.cfg.memlock_limit };

		setrlimit(RLIMIT_MEMLOCK, &rl);
		sh.be = host_backend_new(stderr);
		if (!sh.be)
			return 1;
		host_set_unsafe(sh.be, host_unsafe);
		host_set_limits(sh.be, sh.cfg.ram, sh.cfg.memlock_limit);
		if (sh.cfg.swap && host_swap_setup(sh.be, sh.cfg.swap, stderr) < 0) {
			shell_fini(&sh);
			return 1;
		}
	} else if (!shell_new_machine(&sh)) {
		fprintf(stderr, "vmsh: cannot build a machine with these options\n");
		return 2;
	}

	if (ncmds) {
		for (size_t i = 0; i < ncmds && !sh.stop; i++)
			shell_run_string(&sh, cmds[i]);
	} else if (optind < argc) {
		for (int i = optind; i < argc && !sh.stop; i++) {
			int ret = shell_run_file(&sh, argv[i]);

			if (ret < 0) {
				fflush(stdout);
				fprintf(stderr, "vmsh: %s: %s (%s)\n", argv[i],
					errno_name(ret), errno_text(ret));
				sh.stop = true;
				sh.status = 1;
			}
		}
	} else if (isatty(STDIN_FILENO)) {
		sh.interactive = true;
		shell_interactive(&sh);
	} else {
		shell_run_file(&sh, "-");
	}
	shell_out_lost(&sh, true);
	status = sh.stop ? sh.status : 0;
	out_errno = sh.out_errno;
	shell_fini(&sh);
	free(cmds);
	free((void *)sh.cfg.replace_future);
	/* lost output is an error, as for coreutils (close_stdout) */
	if (!out_errno && fclose(stdout) == EOF)
		out_errno = errno ? errno : -1;
	if (out_errno) {
		if (out_errno > 0)
			fprintf(stderr, "vmsh: write error: %s\n", strerror(out_errno));
		else
			fprintf(stderr, "vmsh: write error\n");
		status = 1;
	}
	return status;
}
