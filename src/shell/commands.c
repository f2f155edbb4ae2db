/* SPDX-License-Identifier: MIT */
/*
 * The command table, with what every handler shares, `help` and the man
 * page's COMMANDS section.
 *
 * Invariants
 *  - shell_commands[] is the only list of commands: dispatch, `help`, tab
 *    completion and the man page (checked by tests/golden/check-man) all
 *    read it.  A group's first command carries the group's heading.
 *  - The handlers live in cmd-memory.c, cmd-task.c, cmd-file.c,
 *    cmd-inspect.c and cmd-shell.c (commands.h states their rules).
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

/* ---- what the handlers share ---------------------------------------------- */

int cmd_fail(struct args *a, int err)
{
	a->sh->res.err = err;
	if (err == -EINTR && shell_interrupt) {
		sh_interrupted(a->sh, a->name, "%s", "");
		return -1;
	}
	if (a->obj || a->why)
		sh_error(a->sh, "%s: %s%s%s (%s)%s%s", a->name, a->obj ? a->obj : "",
			 a->obj ? ": " : "", errno_name(err), errno_text(err),
			 a->why ? ": " : "", a->why ? a->why : "");
	else
		sh_errno(a->sh, a->name, err);
	return -1;
}

void cmd_yield(struct args *a, uint64_t v, bool hex)
{
	a->yields = true;
	a->value = v;
	a->hex = hex;
	a->sh->res.yields = true;
	a->sh->res.value = v;
	a->sh->res.hex = hex;
}

int cmd_bad_word(struct args *a, const char *before, const char *after)
{
	char q[96];

	struct suggest sg;
	char dym[96];

	/* a near miss of one of the command's keywords: say which */
	suggest_init(&sg, a->tok[a->i].text);
	for (size_t i = 0; a->cmd && a->cmd->keywords && a->cmd->keywords[i]; i++)
		suggest_try(&sg, a->cmd->keywords[i]);
	quote_word(a->tok[a->i].text, a->tok[a->i].len, q, sizeof(q));
	if (*suggest_text(&sg, dym, sizeof(dym)))
		sh_parse_error(a->sh, "%s'%s'%s", before, q, dym);
	else
		sh_parse_error(a->sh, "%s'%s'%s", before, q, after);
	return -1;
}

bool cmd_sandboxed(struct args *a)
{
	if (a->sh->sandbox)
		cmd_fail(a, -EPERM);
	return a->sh->sandbox;
}

bool cmd_too_long(struct args *a, uint64_t len)
{
	if (a->sh->sandbox && len > (1U << 20)) {
		cmd_fail(a, -E2BIG);
		return true;
	}
	return false;
}

int cmd_view(struct args *a, enum backend_view v,
	     const struct backend_view_args *args)
{
	struct backend_view_args with = *args;
	int ret;

	if (!be(a)->ops->model) {
		sh_model_only(a->sh, a->name);
		return -1;
	}
	with.json = a->sh->json;
	ret = be(a)->ops->model->view(be(a), v, &with, out(a));
	if (ret == -ESRCH || ret == -EFAULT) {
		int pid = args->pid ? args->pid : be(a)->ops->current_pid(be(a));
		static char why[64];

		/* the task is there, its mm is not */
		if (be(a)->ops->task_exists(be(a), pid))
			snprintf(why, sizeof(why), "pid %d is a kernel thread: it has no mm", pid);
		else
			snprintf(why, sizeof(why), "no task with pid %d (ps lists them)", pid);
		a->why = why;
	}
	return ret < 0 ? cmd_fail(a, ret) : ret;
}

int cmd_opt_pid(struct args *a, int *pid)
{
	*pid = 0;
	if (arg_more(a) && arg_pid(a, pid))
		return -1;
	return 0;
}

/* ---- the table ------------------------------------------------------------ */

static const char *const kw_prot_flags[] = {
	"rw-", "r--", "r-x", "rwx", "---", "none", "PROT_READ", "PROT_WRITE",
	"PROT_EXEC", "PROT_NONE", "private", "shared", "anonymous", "anon",
	"fixed", "fixed_noreplace", "noreplace", "populate", "noreserve",
	"locked", "growsdown", "NULL", "/dev/zero", NULL
};
static const char *const kw_prot[] = {
	"rw-", "r--", "r-x", "rwx", "---", "none", "PROT_READ", "PROT_WRITE",
	"PROT_EXEC", "PROT_NONE", NULL
};
static const char *const kw_rlimit[] = {
	"cpu", "fsize", "data", "stack", "core", "rss", "nproc", "nofile",
	"memlock", "as", "locks", "sigpending", "msgqueue", "nice", "rtprio",
	"rttime", "unlimited", NULL
};
static const char *const kw_mremap[] = { "maymove", "fixed", NULL };
static const char *const kw_advice[] = {
	"normal", "random", "sequential", "willneed", "dontneed",
	"dontneed_locked", "free", "remove", "dontfork", "dofork",
	"wipeonfork", "keeponfork", "mergeable", "unmergeable", "hugepage",
	"nohugepage", "collapse", "dontdump", "dodump", "cold", "pageout",
	"populate_read", "populate_write", "guard_install", "guard_remove",
	"hwpoison", "soft_offline", NULL
};
static const char *const kw_mlock[] = { "onfault", NULL };
static const char *const kw_mlockall[] = { "current", "future", "onfault", NULL };
static const char *const kw_clone[] = { "vm", NULL };
static const char *const kw_file[] = {
	"create", "write", "read", "truncate", "ls", "rm", "load", "save",
	"disk", NULL
};
static const char *const kw_layout[] = {
	"stack", "brk", "mmap_base", "special", "file", "[vvar]",
	"[vvar_vclock]", "[vdso]", "[vsyscall]", "disk", "shm", "shmat",
	"rdonly", NULL
};
static const char *const kw_shmctl[] = { "rmid", NULL };
static const char *const kw_dev[] = { "ls", NULL };
static const char *const kw_onoff[] = { "on", "off", NULL };
static const char *const kw_dot[] = { "tree", "pt", "vmas", "mt", NULL };

const struct command shell_commands[] = {
	/* memory calls */
	{
		.name = "mmap",
		.section = "Memory calls of the current task",
		.args = "ADDR LEN PROT FLAGS [FILE [OFFSET]]",
		.summary = "map memory (do_mmap); prints and yields the address",
		.help = "  ADDR 0 or NULL: no hint.  PROT: rw-, r-x, ---, none, PROT_READ|PROT_WRITE.\n"
		  "  FLAGS: private, shared, anonymous/anon, fixed, fixed_noreplace/noreplace,\n"
		  "  populate, noreserve, locked, growsdown, joined by | or ','.\n"
		  "  FILE: a simulated file (file create) or a device (/dev/zero, dev ls).\n"
		  "  Example: buf = mmap NULL 64K rw- private|anon",
		.run = cmd_mmap,
		.keywords = kw_prot_flags,
		.yields = true,
	},
	{
		.name = "munmap",
		.args = "ADDR LEN",
		.summary = "unmap a range (do_munmap), splitting VMAs as needed",
		.help = "  Unmapping a range with no mapping in it succeeds.  ADDR must be page\n"
		  "  aligned (else EINVAL); LEN is rounded up to pages.",
		.run = cmd_munmap,
	},
	{
		.name = "mprotect",
		.args = "ADDR LEN PROT",
		.summary = "change the protection of a range",
		.help = "  Fails with ENOMEM where the range has a hole; like Linux it leaves the\n"
		  "  VMAs before the hole changed.  EACCES when a shared file mapping opened\n"
		  "  read-only would become writable.",
		.run = cmd_mprotect,
		.keywords = kw_prot,
	},
	{
		.name = "mremap",
		.args = "ADDR OLDLEN NEWLEN [maymove] [fixed NEWADDR]",
		.summary = "grow, shrink or move a mapping; prints and yields the new address",
		.help = "  maymove: the mapping may move when it cannot grow in place.\n"
		  "  fixed NEWADDR: move it there (needs maymove, as MREMAP_FIXED does).\n"
		  "  Example: p = mremap $p 8K 64K maymove",
		.run = cmd_mremap,
		.keywords = kw_mremap,
		.yields = true,
	},
	{
		.name = "madvise",
		.args = "ADDR LEN ADVICE",
		.summary = "give advice: any of Linux 6.18's, by name or number",
		.help = "  normal random sequential (VmFlags rr/sr), willneed, dontneed,\n"
		  "  dontneed_locked, free (LazyFree), remove (punch a hole in shared\n"
		  "  file or shmem memory), dontfork dofork, wipeonfork keeponfork,\n"
		  "  mergeable unmergeable (mg; KSM not modelled), hugepage nohugepage\n"
		  "  collapse (hg/nh), dontdump dodump (dd), cold pageout,\n"
		  "  populate_read populate_write, guard_install guard_remove (gu),\n"
		  "  hwpoison soft_offline (EPERM: no CAP_SYS_ADMIN).  A number is\n"
		  "  checked as Linux checks it: madvise A L 8 is free.",
		.run = cmd_madvise,
		.keywords = kw_advice,
	},
	{
		.name = "mlock",
		.args = "ADDR LEN [onfault]",
		.summary = "lock a range in memory (mlock2); populates it unless onfault",
		.help = "  VmFlags lo (and lf with onfault), smaps Locked:, locked_vm.  The task\n"
		  "  is unprivileged: over --memlock-limit (RLIMIT_MEMLOCK) ENOMEM, a\n"
		  "  limit of 0 EPERM; a hole ENOMEM after locking what comes before it.",
		.run = cmd_mlock,
		.keywords = kw_mlock,
	},
	{
		.name = "munlock",
		.args = "ADDR LEN",
		.summary = "unlock a range",
		.run = cmd_munlock,
	},
	{
		.name = "mlockall",
		.args = "FLAGS",
		.summary = "lock every mapping: current|future|onfault joined by |",
		.help = "  current locks what is mapped (ENOMEM when total_vm is over the limit),\n"
		  "  future every later mapping (mmap then fails EAGAIN over the limit),\n"
		  "  onfault with either: lock pages as they fault in.  Not inherited by fork.",
		.run = cmd_mlockall,
		.keywords = kw_mlockall,
	},
	{
		.name = "munlockall",
		.args = "",
		.summary = "unlock every mapping and cancel mlockall future",
		.run = cmd_munlockall,
	},
	{
		.name = "mseal",
		.args = "ADDR LEN",
		.summary = "seal a range (VmFlags sl): munmap, mprotect, mremap fail EPERM",
		.help = "  The whole range must be mapped (else ENOMEM, nothing sealed).  Sealed\n"
		  "  VMAs refuse munmap, MAP_FIXED over them, mprotect, mremap, and the\n"
		  "  destructive madvise advice on read-only private anonymous memory.",
		.run = cmd_mseal,
	},
	{
		.name = "brk",
		.args = "[ADDR]",
		.summary = "move the program break; prints and yields the break",
		.help = "  Without ADDR, or with 0, prints the current break.  Like the system\n"
		  "  call it never fails: it prints the old break when it cannot move.",
		.run = cmd_brk,
		.yields = true,
	},
	{
		.name = "msync",
		.args = "ADDR LEN",
		.summary = "write dirty shared file pages back to the file",
		.run = cmd_msync,
	},
	/* memory accesses */
	{
		.name = "touch",
		.section = "Memory accesses of the current task",
		.args = "ADDR [LEN]",
		.summary = "read the first byte of the range and of every page start after it",
		.help = "  A read access: page faults, zero page or fresh frames, SIGSEGV/SIGBUS\n"
		  "  lines when the access would fault on Linux.",
		.run = cmd_touch,
	},
	{
		.name = "write",
		.args = "ADDR \"STRING\" | ADDR LEN [BYTE]",
		.summary = "store the bytes of STRING, or fill LEN bytes with BYTE (default 0x5a)",
		.help = "  A store of the bytes of STRING (C escapes, no terminating NUL) or LEN\n"
		  "  bytes of BYTE.  Stops at the first fault and prints the signal.",
		.run = cmd_write,
	},
	{
		.name = "read",
		.args = "ADDR LEN",
		.summary = "print memory as hexdump -C does",
		.help = "  Prints the bytes as hexdump -C -v does, lines labelled with 16-digit\n"
		  "  virtual addresses and a last line with the end address; on a fault the\n"
		  "  bytes read so far, then the signal line.  Memory of a device whose\n"
		  "  driver has vm_ops->access (/dev/vmsh-lazy) is read through it, as a\n"
		  "  debugger reads it: no page is faulted in.",
		.run = cmd_read,
	},
	/* tasks */
	{
		.name = "fork",
		.section = "Tasks",
		.args = "",
		.summary = "copy the mm with copy-on-write; prints and yields the child pid",
		.help = "  copy_mm: the child gets a copy of every VMA (but dontfork ones), private\n"
		  "  pages shared read-only until one side writes.  The shell stays in the\n"
		  "  parent: `switch PID` to run the child.  Example: child = fork",
		.run = cmd_fork,
		.yields = true,
	},
	{
		.name = "clone",
		.args = "vm",
		.summary = "a thread sharing the mm (CLONE_VM); yields the child pid",
		.help = "  The child shares the mm (mm_users + 1): a thread.",
		.run = cmd_clone,
		.keywords = kw_clone,
		.yields = true,
	},
	{
		.name = "kthread",
		.args = "",
		.summary = "a kernel thread: no mm, borrows active_mm; yields its pid",
		.help = "  A kernel thread has no mm; switched to, it borrows the previous task's\n"
		  "  (active_mm, mm_count + 1).  Memory calls on it fail with EFAULT.",
		.run = cmd_kthread,
		.yields = true,
	},
	{
		.name = "execve",
		.args = "",
		.summary = "give the current task a fresh mm (initial layout)",
		.run = cmd_execve,
	},
	{
		.name = "layout",
		.args = "stack START END | brk START [BRK] | mmap_base ADDR | special NAME START END | file PATH SIZE [disk] | shm ID KEY SIZE | shmat ID ADDR [rdonly]",
		.summary = "set the current task's layout as a recording of a real process does",
		.help = "  stack: the initial [stack] moves to START..END.  brk: start_brk and brk.\n"
		  "  mmap_base: where top-down placement starts.  special: a special mapping\n"
		  "  with the kernel's flags: [vvar], [vvar_vclock], [vdso], or [vsyscall]\n"
		  "  (only at 0xffffffffff600000..0xffffffffff601000, shown last); their\n"
		  "  pages are not modelled (an access gets SIGBUS).  file: a file at an\n"
		  "  absolute PATH of SIZE bytes, contents not loaded, shown as PATH in\n"
		  "  maps (mmap it by PATH; file load fills it).  shm: SysV segment ID (the\n"
		  "  kernel's shmid) of SIZE bytes with KEY, shown as /SYSV%08x (deleted)\n"
		  "  (the key); shmat: attach it at ADDR (0: anywhere), shared, read-write\n"
		  "  or rdonly.  vmsh record writes these.",
		.run = cmd_layout,
		.keywords = kw_layout,
		.model_only = true,
	},
	{
		.name = "shmctl",
		.args = "ID rmid",
		.summary = "remove SysV segment ID (IPC_RMID) as a recording of a real process does",
		.help = "  A segment with no attach goes at once.  An attached one is marked for\n"
		  "  destruction: its key becomes private, it can still be attached by ID\n"
		  "  (layout shmat), maps still shows /SYSV%08x (deleted) with the old key,\n"
		  "  and it goes, pages and all, when its last attach does (munmap/shmdt,\n"
		  "  exit, execve).  EINVAL when no segment ID exists.  vmsh record writes it.",
		.run = cmd_shmctl,
		.keywords = kw_shmctl,
		.model_only = true,
	},
	{
		.name = "kill",
		.args = "[PID]",
		.summary = "the task exits (default: the current one)",
		.help = "  The task exits: mm_users - 1, and the mm is torn down at 0.  When the\n"
		  "  current task exits the shell switches to the lowest remaining pid.\n"
		  "  The last task is not killed: EPERM (with --host too).",
		.run = cmd_kill,
	},
	{
		.name = "switch",
		.args = "PID [CPU]",
		.summary = "context switch to PID on CPU",
		.help = "  A context switch: the TLB of CPU is flushed unless --pcid tags it.",
		.run = cmd_switch,
	},
	{
		.name = "ps",
		.args = "",
		.summary = "list tasks: pid, ppid, kind, mm, mm_users, mm_count, VMAs, RSS",
		.run = cmd_ps,
		.model_only = true,
	},
	{
		.name = "setrlimit",
		.args = "[PID] RESOURCE SOFT [HARD]",
		.summary = "set a resource limit of task PID's process (prlimit)",
		.help = "  RESOURCE: cpu, fsize, data, stack, core, rss, nproc, nofile, memlock,\n"
		  "  as, locks, sigpending, msgqueue, nice, rtprio, rttime (or RLIMIT_AS ...);\n"
		  "  SOFT, HARD: a number or `unlimited`; without HARD the hard limit stays.\n"
		  "  The limits belong to the process (its `clone vm` threads share them)\n"
		  "  and fork copies them.  Enforced as Linux 6.18 does: as (every mapping:\n"
		  "  mmap, brk, mremap growth, stack growth ENOMEM), data (private writable\n"
		  "  mappings; also mprotect to writable; brk past start_brk + data fails),\n"
		  "  stack (growth of a growsdown VMA), memlock (mlock, mlockall, locked\n"
		  "  mmap); the others are kept and shown only.  The tasks are unprivileged:\n"
		  "  raising a hard limit is EPERM, as is setting a kernel thread's; SOFT\n"
		  "  above HARD is EINVAL; nofile's HARD over 1048576 (fs.nr_open) EPERM.\n"
		  "  --host applies as, data, stack and memlock to the task process, never\n"
		  "  above its safety cap (see --ram).",
		.run = cmd_setrlimit,
		.keywords = kw_rlimit,
	},
	{
		.name = "limits",
		.args = "[PID]",
		.summary = "print /proc/PID/limits",
		.help = "  A first process starts with Linux's defaults: stack 8M soft,\n"
		  "  core 0 soft, nofile 1024/4096, memlock --memlock-limit, msgqueue\n"
		  "  819200, nice and rtprio 0, nproc and sigpending --ram / 256K (at\n"
		  "  least 10), the rest unlimited.",
		.run = cmd_limits,
	},
	/* files and devices */
	{
		.name = "file",
		.section = "Files and devices",
		.args = "create NAME SIZE [disk] | write NAME OFFSET \"DATA\" | read NAME OFFSET LEN | truncate NAME SIZE | ls | rm NAME | load NAME HOSTPATH | save NAME HOSTPATH",
		.summary = "simulated files (tmpfs-like, or disk-backed)",
		.help = "  Simulated files behave like files on tmpfs: the page cache is the file.\n"
		  "  `disk` files are write-notified and cleaned by msync.\n"
		  "  file read prints a hexdump with 8-digit file offsets.\n"
		  "  file load reads a regular HOSTPATH into a new file that replaces NAME\n"
		  "  only when all of it is in (NAME mapped: its mappings keep the old\n"
		  "  file, as after rename(2)).  file save truncates and overwrites\n"
		  "  HOSTPATH, or creates it; both refuse what is not a regular file\n"
		  "  (a symlink counts by what it leads to).",
		.run = cmd_file,
		.keywords = kw_file,
	},
	{
		.name = "dev",
		.args = "[ls]",
		.summary = "list the devices that can be mapped",
		.run = cmd_dev,
		.keywords = kw_dev,
		.model_only = true,
	},
	/* inspection */
	{
		.name = "maps",
		.section = "Inspection",
		.args = "[PID]",
		.summary = "print /proc/PID/maps",
		.run = cmd_maps,
	},
	{
		.name = "smaps",
		.args = "[PID] [ADDR]",
		.summary = "print /proc/PID/smaps (of the VMA at ADDR only)",
		.help = "  With one number: a PID when below 65536, else an ADDR of the current\n"
		  "  task.",
		.run = cmd_smaps,
	},
	{
		.name = "pagemap",
		.args = "[PID] ADDR LEN",
		.summary = "/proc/PID/pagemap of a range, with each frame's kpageflags",
		.help = "  One line a page of [ADDR, ADDR+LEN) (at most 65536 pages): the frame\n"
		  "  (pfn N as root reads it, swap TYPE:OFFSET, or -), the pagemap bits\n"
		  "  (present, swapped, file: page cache or shared anonymous, exclusive:\n"
		  "  mapped once, soft-dirty, uffd-wp, guard: a guard region's marker, which\n"
		  "  Linux 6.18 shows as swapped with swap 31:4) and the kpageflags of a\n"
		  "  present frame by page-types' names (referenced, uptodate, dirty, lru,\n"
		  "  active, mmap, anon, swapcache, swapbacked, compound_head,\n"
		  "  compound_tail, unevictable, thp, zero_page, mlocked, anon_exclusive).\n"
		  "  lru is PG_lru: a new page waits without it in the per-CPU lru_add\n"
		  "  batch (31 folios) until the batch moves -- when full, at once for a\n"
		  "  large folio, at the drain points (MADV_FREE, WILLNEED, COLD, PAGEOUT,\n"
		  "  POPULATE_*, populate, mlock, a COW write on a page still in a batch,\n"
		  "  a swap-in, direct reclaim); munmap, fork and exit do not.  Under --host\n"
		  "  the batch is the CPU's, which every process on it fills: the kernel\n"
		  "  may show lru early.  No entry at or above TASK_SIZE, where the\n"
		  "  kernel's read ends.  Left out on both sides: idle_page (this kernel\n"
		  "  has no page_idle) and filesystem bits.  Under --host: the kernel's own\n"
		  "  entries and flags, cut to the same set.",
		.run = cmd_pagemap,
	},
	{
		.name = "vmas",
		.args = "[PID]",
		.summary = "the VMAs as a table, with vm_flags, anon_vma, vm_ops",
		.run = cmd_vmas,
		.model_only = true,
	},
	{
		.name = "walk",
		.args = "ADDR [PID]",
		.summary = "the page-table walk of ADDR, level by level",
		.help = "  Each level's name, index, table frame, raw entry and its bits, then the\n"
		  "  PFN and physical address, or where and why the walk stops; a last line\n"
		  "  'means:' says what the entry is (zero page, COW-shared with N mappers,\n"
		  "  file page and offset, device page, ...) and what an access would do.",
		.run = cmd_walk,
		.model_only = true,
	},
	{
		.name = "pt",
		.args = "[PID] [ADDR LEN]",
		.summary = "every present page-table entry, as a tree",
		.help = "  With one number: PID; two: ADDR LEN; three: PID ADDR LEN.",
		.run = cmd_pt,
		.model_only = true,
	},
	{
		.name = "tree",
		.args = "[PID]",
		.summary = "the VMA red-black tree (pre-6.1): colours, keys, gaps",
		.help = "  Its first line says so: Linux 6.1 and later keep the VMAs in the\n"
		  "  maple tree (mt); vmsh keeps both, and check compares them with the\n"
		  "  sorted VMA list.",
		.run = cmd_tree,
		.model_only = true,
	},
	{
		.name = "mt",
		.args = "[PID]",
		.summary = "the VMA maple tree (6.1+), level by level",
		.help = "  Each node: its kind (maple_arange_64 inside, maple_leaf_64 at the\n"
		  "  bottom), the range it covers, its fill; each slot: its range (ending\n"
		  "  at its pivot), a child node, a VMA or NULL, and the gap.\n"
		  "  A leaf holds 16 slots; a VMA with a hole after it takes two (the VMA\n"
		  "  and the NULL range), so the stack and six such mappings fill one leaf\n"
		  "  and the seventh splits it (mas_split) under a new maple_arange_64\n"
		  "  root; trace on names the operations.  dot mt FILE draws the tree.",
		.run = cmd_mt,
		.model_only = true,
	},
	{
		.name = "mm",
		.args = "[PID]",
		.summary = "the mm_struct: counters, rss, pgd, layout",
		.run = cmd_mm,
		.model_only = true,
	},
	{
		.name = "tlb",
		.args = "",
		.summary = "TLB entries and hit/miss/flush counters",
		.run = cmd_tlb,
		.model_only = true,
	},
	{
		.name = "meminfo",
		.args = "",
		.summary = "memory figures in /proc/meminfo layout",
		.help = "  MemTotal, MemFree, Cached, SwapCached, the active and inactive LRU\n"
		  "  lists of anonymous and file pages, SwapTotal, SwapFree, Dirty,\n"
		  "  Writeback, AnonPages, Mapped, Shmem, PageTables, then the THP lines:\n"
		  "  AnonHugePages (anonymous THPs a huge PMD maps, each once),\n"
		  "  ShmemHugePages, ShmemPmdMapped, FileHugePages, FilePmdMapped; in kB.\n"
		  "  Writeback is always 0: vmsh's writes (swap_writepage, the flusher's\n"
		  "  and msync's writeback) complete within the command that starts them,\n"
		  "  where the kernel's are asynchronous and show in Writeback for the\n"
		  "  milliseconds they take; a folio written to swap then waits in the swap\n"
		  "  cache (SwapCached) with PG_reclaim, as after the kernel's completion.",
		.run = cmd_meminfo,
		.model_only = true,
	},
	{
		.name = "lru",
		.args = "[LIST]",
		.summary = "the LRU lists, oldest folio first",
		.help = "  inactive_anon, active_anon, inactive_file, active_file and\n"
		  "  unevictable (Linux without MGLRU, one node): each folio's pfn,\n"
		  "  kind (anon, file, shmem), file and index, mapcount and flags\n"
		  "  (referenced, workingset, dirty, swapcache, reclaim, lazyfree).\n"
		  "  Reclaim takes from the top of an inactive list.",
		.run = cmd_lru,
		.model_only = true,
	},
	{
		.name = "drain",
		.args = "",
		.summary = "move every per-CPU LRU and mlock batch (lru_add_drain_all)",
		.help = "  Folios wait in per-CPU batches before they reach the LRU lists:\n"
		  "  new ones (lru_add), activated, deactivated and lazy-freed ones,\n"
		  "  and those mlock or munlock touched (the mlock batch).  A batch\n"
		  "  moves when it fills (31), for a large folio, and at each\n"
		  "  lru_add_drain() of the kernel's paths; `pagemap` shows a waiting\n"
		  "  folio without lru (or without unevictable).  drain moves them all,\n"
		  "  as the kernel does before migrating pages.  With --host it calls\n"
		  "  migrate_pages(2) from node 0 to node 0, which drains every CPU's\n"
		  "  batches and moves nothing (ENOSYS without NUMA migration).",
		.run = cmd_drain,
	},
	{
		.name = "swapon",
		.args = "[SIZE]",
		.summary = "enable a swap area of SIZE (default: --swap's)",
		.help = "  Pages go to swap only when reclaimed (madvise pageout).  EBUSY when\n"
		  "  one is on, EINVAL for a size under 8K.  With --host the swap file\n"
		  "  comes from --swap instead.",
		.run = cmd_swapon,
		.model_only = true,
	},
	{
		.name = "swapoff",
		.args = "",
		.summary = "bring every swapped page back in and disable swap",
		.help = "  Like swapoff(8): each swap entry becomes its page again (old, clean).\n"
		  "  ENOMEM when memory cannot hold them (nothing changes); EINVAL when\n"
		  "  no swap is on.",
		.run = cmd_swapoff,
		.model_only = true,
	},
	{
		.name = "frames",
		.args = "",
		.summary = "physical frames in use: refcount, mapcount, owner",
		.run = cmd_frames,
		.model_only = true,
	},
	{
		.name = "khugepaged",
		.args = "",
		.summary = "run one scan pass of khugepaged (collapse into huge pages)",
		.help = "  One wake-up of khugepaged: from its cursor, it scans the mms on its\n"
		  "  list (those that had MADV_HUGEPAGE with an anon_vma or a huge fault,\n"
		  "  and their forks) for at most pages_to_scan 4096 pages of progress\n"
		  "  (512 per 2 MiB range, 1 per mm), in every VMA that may hold a huge\n"
		  "  page (madvise mode: MADV_HUGEPAGE), and collapses the ranges whose\n"
		  "  PTEs pass khugepaged's limits: max_ptes_none 511, max_ptes_shared\n"
		  "  256, max_ptes_swap 64 (swapped in first; with any, half the range\n"
		  "  young), a writable and a young PTE.  It prints the ranges scanned\n"
		  "  and collapsed, the list's length, the full scans so far and where\n"
		  "  the next pass resumes.  The kernel's khugepaged runs on its own\n"
		  "  timer; here it runs when asked.",
		.run = cmd_khugepaged,
		.model_only = true,
	},
	{
		.name = "stat",
		.args = "",
		.summary = "event counters in /proc/vmstat style",
		.run = cmd_stat,
		.model_only = true,
	},
	{
		.name = "trace",
		.args = "on|off",
		.summary = "print the kernel paths taken as they happen",
		.help = "  Each kernel path taken (do_mmap, vma_merge, split_vma, handle_mm_fault,\n"
		  "  do_wp_page, flush_tlb_range, ...) is printed, indented, as it happens,\n"
		  "  with the maple-tree operations (mas_store_prealloc, mas_split,\n"
		  "  mas_rebalance, mas_wr_spanning_store, mas_empty_area_rev, __mt_dup).\n"
		  "  A call's arguments are named as the commands spell them: prot=rw-,\n"
		  "  flags=private|anonymous (mmap, mremap, mlock and mlockall flags\n"
		  "  joined by |), advice=dontneed; a bit or an advice without a name\n"
		  "  stays a number (flags=private|anonymous|0x40, advice=7).\n"
		  "  Without an argument, says whether tracing is on.",
		.run = cmd_trace,
		.keywords = kw_onoff,
		.model_only = true,
	},
	{
		.name = "dot",
		.args = "tree|pt|vmas|mt FILE [PID]",
		.summary = "write a Graphviz drawing, rendered by FILE's extension ('-': stdout)",
		.help = "  FILE.svg, .png, .pdf, .ps, .jpg, .gif: rendered by Graphviz's dot\n"
		  "  program (an error when it cannot); .dot, .gv or any other name: the\n"
		  "  DOT text; '-': the DOT text on standard output.  FILE is truncated and\n"
		  "  overwritten, or created; anything but a regular file (a symlink counts\n"
		  "  by what it leads to) is refused.",
		.run = cmd_dot,
		.keywords = kw_dot,
		.model_only = true,
	},
	{
		.name = "check",
		.args = "",
		.summary = "validate every invariant of every mm; prints ok or the problem",
		.run = cmd_check,
		.model_only = true,
	},
	/* shell */
	{
		.name = "help",
		.section = "Shell",
		.args = "[CMD|TOPIC]",
		.summary = "list the commands, or describe one command or topic",
		.help = "  Topics: cow, tlb, flags, prot, files, devices, host, trace, views,\n"
		  "  numbers, output, faults.",
		.run = cmd_help,
	},
	{
		.name = "apropos",
		.args = "WORD",
		.summary = "the commands and help topics that mention WORD",
		.run = cmd_apropos,
	},
	{
		.name = "echo",
		.args = "WORDS...",
		.summary = "print the words ($var as its value)",
		.run = cmd_echo,
	},
	{
		.name = "assert",
		.args = "EXPR",
		.summary = "fail unless EXPR holds (e.g. rss($a) == 8K)",
		.help = "  EXPR: A OP B with OP one of == != < <= > >=, or A alone (not 0).\n"
		  "  A and B: numbers, $vars, + - *, ( ), and the probes rss(ADDR)\n"
		  "  and swap(ADDR) (bytes, the VMA holding ADDR), vmas(), present(ADDR)\n"
		  "  and mapcount(ADDR) (model only).  Fails with the values it saw.",
		.run = cmd_assert,
	},
	{
		.name = "source",
		.args = "FILE",
		.summary = "run the commands of FILE",
		.run = cmd_source,
	},
	{
		.name = "set",
		.args = "[NAME VALUE]",
		.summary = "show the options, or change one",
		.help = "  Options: levels, ram, tlb, tlb-2m, pcid, cpus, zero-page, thp,\n"
		  "  thp-zero-page, fault-around, max-map-count, aslr, lazy-flush, swap,\n"
		  "  lru-others, errexit, echo, color, pager, format; with --replace,\n"
		  "  replace and user-frames.  levels, ram, tlb, tlb-2m, cpus, swap,\n"
		  "  replace and user-frames rebuild the machine.",
		.run = cmd_set,
	},
	{
		.name = "reset",
		.args = "",
		.summary = "rebuild the machine from the current options",
		.run = cmd_reset,
		.model_only = true,
	},
	{
		.name = "time",
		.args = "CMD...",
		.summary = "run CMD, then print how long it took (on stderr)",
		.help = "  time: real 0.412s  user 0.398s  sys 0.012s, as sqlite3's .timer: wall\n"
		  "  clock, then the CPU time vmsh spent.  On standard error, so that the\n"
		  "  output of a script stays the same from run to run.",
		.run = cmd_time,
	},
	{
		.name = "exit",
		.args = "[STATUS]",
		.summary = "leave vmsh",
		.run = cmd_exit,
	},
	{
		.name = "quit",
		.args = "[STATUS]",
		.summary = "leave vmsh",
		.run = cmd_exit,
	},
};

const size_t shell_ncommands = sizeof(shell_commands) / sizeof(shell_commands[0]);

static void roff_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '-')
			fputs("\\-", out);
		else if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '"')
			fputs("\\(dq", out);
		else
			fputc(*s, out);
	}
}

/* A help text as man-page lines: leading blanks dropped, a line that
 * would start with a roff control character escaped. */
static void roff_lines(FILE *out, const char *p)
{
	while (*p) {
		size_t n = strcspn(p, "\n");
		char line[512];

		while (*p == ' ' && n) {
			p++;
			n--;
		}
		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		if (line[0] == '.' || line[0] == '\'')
			fputs("\\&", out);
		roff_text(out, line);
		fputc('\n', out);
		p += n;
		if (*p == '\n')
			p++;
	}
}

void commands_man(FILE *out)
{
	for (size_t i = 0; i < shell_ncommands; i++) {
		const struct command *c = &shell_commands[i];
		const char *sec = c->section;

		if (sec)
			fprintf(out, ".SS %s\n", sec);
		fputs(".TP\n\\fB", out);
		roff_text(out, c->name);
		fputs("\\fR", out);
		if (c->args[0]) {
			fputs(" \\fI", out);
			roff_text(out, c->args);
			fputs("\\fR", out);
		}
		fputc('\n', out);
		roff_text(out, c->summary);
		fputs(".\n", out);
		if (c->help) {
			fputs(".br\n", out);
			roff_lines(out, c->help);
		}
	}
	/* the concepts of help TOPIC (help.c), after the commands */
	fputs(".SS Help topics\n\\fBhelp\\fR \\fITOPIC\\fR prints one of these; "
	      "\\fBapropos\\fR \\fIWORD\\fR searches them and the commands.\n", out);
	for (const struct help_topic *t = help_topics; t->name; t++) {
		fputs(".TP\n\\fB", out);
		roff_text(out, t->name);
		fputs("\\fR\n", out);
		roff_text(out, t->title);
		fputs(".\n.br\n", out);
		roff_lines(out, t->text);
	}
}

/* FNV-1a of a command name. */
static size_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

#define CMD_SLOTS 256   /* a power of two, at least twice shell_ncommands */

/* By an open-addressed hash index of the table, built on the first call:
 * one strcmp for a command found (every line of a script looks one up). */
const struct command *command_find(const char *name)
{
	static const struct command *slot[CMD_SLOTS];
	static bool built;
	size_t i;

	if (!built) {
		assert(2 * shell_ncommands <= CMD_SLOTS);
		for (size_t k = 0; k < shell_ncommands; k++) {
			i = name_hash(shell_commands[k].name) & (CMD_SLOTS - 1);
			while (slot[i])
				i = (i + 1) & (CMD_SLOTS - 1);
			slot[i] = &shell_commands[k];
		}
		built = true;
	}
	for (i = name_hash(name) & (CMD_SLOTS - 1); slot[i];
	     i = (i + 1) & (CMD_SLOTS - 1))
		if (!strcmp(slot[i]->name, name))
			return slot[i];
	return NULL;
}
