/* SPDX-License-Identifier: MIT */
/*
 * Help beyond the command table: the concepts (`help cow`, `help flags`,
 * ...), `apropos WORD` over commands and concepts, and the "did you mean"
 * suggestion of every "unknown ..." error (edit distance).
 *
 * Invariants
 *  - help_topics[] is the only list of concepts: `help`, `apropos` and the
 *    completion of `help ` read it, and so does the man page (vmsh
 *    --man-commands writes its "Help topics").
 *  - A suggestion is made only when one candidate is clearly closest:
 *    at most two edits (one for words of up to four letters), a swap of
 *    two neighbours counting as one edit.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "commands.h"

const struct help_topic help_topics[] = {
	{ "cow", "copy-on-write after fork",
	  "  fork copies the VMAs and the page tables, not the pages: every private\n"
	  "  page is then mapped by both tasks, read-only (the parent's PTEs lose RW,\n"
	  "  its TLB is flushed).  The first write by either side faults: do_wp_page\n"
	  "  reuses the page when only this mm maps it (PageAnonExclusive), else\n"
	  "  wp_page_copy gives the writer its own copy (stat: cow copies, reuses).\n"
	  "  walk ADDR shows a shared page and what a write would do; frames shows\n"
	  "  its mapcount.  Shared mappings (shared, /dev/zero shared) are never COW.\n"
	  "  Try: p = mmap NULL 4K rw- private|anon; write $p 1; fork; walk $p" },
	{ "tlb", "the TLB and its flushes",
	  "  Each CPU has a TLB (--tlb ENTRIES:WAYS, --cpus N) caching translations\n"
	  "  by (ASID, virtual page).  A hit needs no walk; a miss walks the page\n"
	  "  table and fills an entry.  A 2 MiB page (a huge PMD) fills an entry of\n"
	  "  a separate 2M TLB (--tlb-2m, default 32:4 as Intel Skylake's L1 DTLB);\n"
	  "  an invlpg of any address inside it drops it.  munmap, mprotect, COW and\n"
	  "  page-outs flush what they change (flush_tlb_range, flush_tlb_page,\n"
	  "  flush_pmd_tlb_range); a context switch flushes the whole TLB unless\n"
	  "  --pcid tags entries by address space.\n"
	  "  --lazy-flush skips flushes to show what stale entries do.\n"
	  "  See: tlb, stat, switch, set tlb, set tlb-2m, set pcid." },
	{ "flags", "the FLAGS word of mmap",
	  "  Names joined by | or ',', any case, MAP_ prefix optional: private or\n"
	  "  shared (exactly one: else EINVAL), anonymous/anon (no file), fixed\n"
	  "  (replace what is there), fixed_noreplace/noreplace (EEXIST instead),\n"
	  "  populate (fault everything in now), noreserve (no commit charge),\n"
	  "  locked (VM_LOCKED, populated), growsdown (a stack that grows down).\n"
	  "  Example: mmap NULL 64K rw- private|anon|populate" },
	{ "prot", "the PROT word: page protections",
	  "  Three letters r, w, x with - for absent (rw-, r-x, ---), or none, or\n"
	  "  PROT_READ|PROT_WRITE|PROT_EXEC, or PROT_NONE.  x86 cannot map write-only:\n"
	  "  -w- is rw- in the PTEs.  mprotect changes it for a range, splitting VMAs;\n"
	  "  a shared file mapping opened read-only cannot gain w (EACCES)." },
	{ "files", "simulated files and the page cache",
	  "  file create NAME SIZE makes a tmpfs-like file: its page cache is the file.\n"
	  "  file create NAME SIZE disk makes a disk-backed one: shared mappings are\n"
	  "  write-notified (page_mkwrite) and msync cleans dirty pages.  A shared\n"
	  "  mapping writes through to the file; a private one copies on write.\n"
	  "  Reading past the end of the file in a mapping is SIGBUS.\n"
	  "  file write/read/truncate/ls/rm, file load/save copy real files in and\n"
	  "  out.  mmap ... NAME OFFSET maps one (OFFSET page aligned)." },
	{ "devices", "the devices that can be mapped",
	  "  /dev/zero: private = anonymous memory, shared = shmem.\n"
	  "  /dev/vmsh-pfn: remap_pfn_range fills every PTE at mmap time (VM_IO,\n"
	  "  VM_PFNMAP, VM_DONTEXPAND, VM_DONTDUMP; not counted in Rss).\n"
	  "  /dev/vmsh-lazy: pages come through vm_ops->fault; open, close,\n"
	  "  page_mkwrite and access are implemented.  dev ls lists them." },
	{ "host", "--host: the same calls on the running kernel",
	  "  vmsh --host SCRIPT runs each task as a real process (clone vm: a real\n"
	  "  thread); memory calls are real system calls and maps/smaps print the\n"
	  "  kernel's own lines.  Use fixed addresses between 0x200000000000 and\n"
	  "  0x400000000000.  Views only the model has (walk, tlb, tree, ...) are\n"
	  "  refused.  diff <(vmsh s.vmsh) <(vmsh --host s.vmsh) shows where the\n"
	  "  model and Linux part." },
	{ "trace", "trace on: the kernel paths taken",
	  "  trace on prints, indented, every kernel path the model takes as it\n"
	  "  happens: do_mmap with its prot, flags and file, vma_merge, split_vma,\n"
	  "  handle_mm_fault, do_anonymous_page, do_wp_page, vm_ops->fault,\n"
	  "  flush_tlb_range, madvise with its advice by name, ...  trace off stops." },
	{ "views", "what each view shows",
	  "  maps, smaps: exactly /proc/PID/maps and /proc/PID/smaps.\n"
	  "  vmas: the VMAs with vm_flags, pgoff, anon_vma, rss and vm_ops.\n"
	  "  walk ADDR: the page-table walk of one address, with what it means.\n"
	  "  pt: every present page-table entry.  tree: the VMA tree.  mm: the\n"
	  "  mm_struct.  tlb, frames, stat: the TLB, the frames, the counters.\n"
	  "  ps: the tasks.  dot: Graphviz drawings.  check: the invariants.\n"
	  "  Numbers outside /proc: addresses and pfns in hex with 0x, sizes with\n"
	  "  K/M/G units (help numbers)." },
	{ "numbers", "numbers, sizes and variables",
	  "  4096, 0x1000, 0b1, 0o7, with an optional binary suffix K, M, G, T\n"
	  "  (64K = 65536).  $name is a variable set by name = CMD (mmap, mremap,\n"
	  "  brk, fork, clone, kthread yield values); $name+N and $name-N work\n"
	  "  wherever a number does.  echo $name prints it.\n"
	  "  Views other than /proc print hex always with 0x (addresses, pfns,\n"
	  "  pgoffs, offsets, flags, entries; 0x0 too), amounts of memory as sizes\n"
	  "  the language reads back (4K, 132K, 1536K, 1G; 1000 below or between\n"
	  "  units), counts in plain decimal." },
	{ "output", "redirection, pipes, the pager, time",
	  "  CMD > FILE and CMD >> FILE write or append the output to FILE (~/ is\n"
	  "  $HOME); CMD | SHELL-COMMAND pipes it into /bin/sh (the rest of the line\n"
	  "  is the shell's).  Long interactive output goes through $PAGER, else\n"
	  "  less -FRX (set pager off).  time CMD prints how long CMD took.\n"
	  "  Ctrl-C interrupts a running command; the model stays consistent." },
	{ "faults", "page faults and signals",
	  "  touch, write and read access memory as the CPU does: TLB, page walk,\n"
	  "  and on a miss handle_mm_fault: a zero page or a fresh frame for\n"
	  "  anonymous memory, the page cache for files, a COW copy on a write to a\n"
	  "  shared page.  An access Linux would refuse prints a signal line:\n"
	  "  SIGSEGV (SEGV_MAPERR: nothing mapped; SEGV_ACCERR: not allowed) or\n"
	  "  SIGBUS (BUS_ADRERR: past the end of a file), and the task goes on." },
	{ NULL, NULL, NULL },
};

const struct help_topic *help_topic_find(const char *name)
{
	for (const struct help_topic *t = help_topics; t->name; t++)
		if (!strcasecmp(t->name, name))
			return t;
	return NULL;
}

/* ---- did you mean --------------------------------------------------------- */

/* Optimal string alignment distance, case-insensitive, capped at 9. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[33][33];

	if (la > 32 || lb > 32)
		return 9;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = tolower((unsigned char)a[i - 1]) !=
				      tolower((unsigned char)b[j - 1]);
			size_t v = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 &&
			    tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

void suggest_init(struct suggest *s, const char *word)
{
	s->word = word;
	s->best = NULL;
	s->dist = 99;
}

void suggest_try(struct suggest *s, const char *cand)
{
	size_t d = distance(s->word, cand);

	if (d < s->dist) {
		s->best = cand;
		s->dist = d;
	}
}

const char *suggest_text(const struct suggest *s, char *buf, size_t size)
{
	size_t max = strlen(s->word) <= 4 ? 1 : 2;

	if (!s->best || s->dist == 0 || s->dist > max)
		return "";
	snprintf(buf, size, " (did you mean '%s'?)", s->best);
	return buf;
}

const char *suggest_command(const char *word, char *buf, size_t size)
{
	struct suggest s;

	suggest_init(&s, word);
	for (size_t i = 0; i < shell_ncommands; i++)
		suggest_try(&s, shell_commands[i].name);
	return suggest_text(&s, buf, size);
}

/* ---- help TOPIC, apropos ---------------------------------------------------- */

void help_list_topics(FILE *out)
{
	fputs("Topics (help TOPIC):", out);
	for (const struct help_topic *t = help_topics; t->name; t++)
		fprintf(out, " %s", t->name);
	fputs("\napropos WORD searches the commands and the topics.\n", out);
}

void help_print_topic(FILE *out, const struct help_topic *t)
{
	fprintf(out, "%s: %s\n%s\n", t->name, t->title, t->text);
}

static bool has_word(const char *text, const char *word)
{
	return text && strcasestr(text, word) != NULL;
}

int cmd_apropos(struct args *a)
{
	const char *word;
	int n = 0;

	if (arg_word(a, "WORD", &word) || arg_end(a))
		return -1;
	for (size_t i = 0; i < shell_ncommands; i++) {
		const struct command *c = &shell_commands[i];

		if (has_word(c->name, word) || has_word(c->summary, word) ||
		    has_word(c->help, word) || has_word(c->args, word)) {
			fprintf(out(a), "%-16s %s\n", c->name, c->summary);
			n++;
		}
	}
	for (const struct help_topic *t = help_topics; t->name; t++) {
		if (has_word(t->name, word) || has_word(t->title, word) ||
		    has_word(t->text, word)) {
			char name[32];

			snprintf(name, sizeof(name), "help %s", t->name);
			fprintf(out(a), "%-16s %s\n", name, t->title);
			n++;
		}
	}
	if (!n)
		fprintf(out(a), "apropos: nothing about '%s'\n", word);
	return 0;
}
