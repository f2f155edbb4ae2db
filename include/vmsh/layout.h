/* SPDX-License-Identifier: MIT */
/*
 * vmsh engine: the layout calls a recording of a real process needs
 * (vmsh record, vmsh import strace; the shell's `layout` command).
 *
 * A real process starts with what execve made: its stack, heap and mmap
 * base somewhere the kernel (and ASLR) chose, the vDSO's special
 * mappings, and the ELF files mapped from their real paths.  These calls
 * set the current task's mm to such a layout; everything after it is
 * ordinary mmap/munmap/mprotect/... calls.  The conventions of vmsh.h
 * hold (0 or a negative errno, nothing changed on failure).
 */
#ifndef VMSH_INCLUDE_LAYOUT_H
#define VMSH_INCLUDE_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

struct vmsh_sys;

/* The [vsyscall] page: the gate VMA, outside the mm's VMAs and above any
 * TASK_SIZE, shown last in maps as Linux shows it. */
#define VMSH_VSYSCALL_START 0xffffffffff600000ULL
#define VMSH_VSYSCALL_END   0xffffffffff601000ULL

/*
 * The initial stack moves to [@start, @end): the VM_GROWSDOWN VMA holding
 * start_stack is unmapped and a fresh one (the flags of a new stack) made
 * there, with start_stack in its top page.  EINVAL (not page aligned,
 * empty, past TASK_SIZE), EEXIST (another VMA is in the way), EFAULT (no mm).
 */
int vmsh_layout_stack(struct vmsh_sys *sys, uint64_t start, uint64_t end);
/* start_brk and brk (the [heap] VMA, if any, is mapped separately).
 * EINVAL unless start_brk <= brk < TASK_SIZE. */
int vmsh_layout_brk(struct vmsh_sys *sys, uint64_t start_brk, uint64_t brk);
/* mmap_base: where top-down placement starts.  EINVAL (not page aligned,
 * below mmap_min_addr or above the mmap window). */
int vmsh_layout_mmap_base(struct vmsh_sys *sys, uint64_t base);
/*
 * A special mapping as execve's vDSO setup installs it (with the
 * kernel's flags): "[vvar]", "[vvar_vclock]" (r--, pf io de dd),
 * "[vdso]" (r-x, de), or the gate "[vsyscall]" (--x, only at
 * VMSH_VSYSCALL_START..END).  Its pages are not modelled: an access
 * faults SIGBUS.  EINVAL (unknown name, bad range), EEXIST (in the way
 * of another VMA).
 */
int vmsh_layout_special(struct vmsh_sys *sys, const char *name,
			uint64_t start, uint64_t end);
/*
 * A file at an absolute path (a recording's ELF files and libraries), of
 * @size bytes, its contents not loaded (reads see zeroes; `file load`
 * fills it).  Maps shows PATH as is; mmap and the file commands take the
 * path as its name.  dev fe:00 with @disk, else 00:1a.  All mmaps of it
 * share one open file, as a program maps a library through one fd: its
 * adjacent pieces with contiguous offsets merge as the kernel's do.  EINVAL (not an
 * absolute path, or "/"), ENAMETOOLONG (> 4095), EEXIST, EFBIG.
 */
int vmsh_file_create_path(struct vmsh_sys *sys, const char *path,
			  uint64_t size, bool disk);

/*
 * A SysV shared memory segment @id (the kernel's shmid) of @size bytes
 * with @key: a shmem file on shm_mnt shown as "/SYSV%08x (deleted)" (the
 * key), as ipc/shm.c's newseg makes it.  It lives until IPC_RMID
 * (vmsh_layout_shm_rmid) and its last detach, or until the model goes.
 * EINVAL (negative id, size 0 or too big), EEXIST (the id is taken).
 */
int vmsh_layout_shm(struct vmsh_sys *sys, int id, uint32_t key, uint64_t size);
/*
 * shmat of segment @id at @addr (0: where get_unmapped_area puts it),
 * read-write or @rdonly, its whole size from offset 0, MAP_SHARED; the
 * address in *@out.  EINVAL (no such segment, @addr not page aligned or
 * overlapping a mapping: no SHM_REMAP), ENOMEM, EFAULT (no mm).
 */
int vmsh_layout_shmat(struct vmsh_sys *sys, int id, uint64_t addr, bool rdonly,
		      uint64_t *out);
/*
 * shmctl(@id, IPC_RMID): a segment with no attach goes at once; an
 * attached one is marked for destruction (its key private, its id still
 * attachable) and goes when its last attach does (shmdt/munmap, exit,
 * execve).  0, or EINVAL (no such segment).
 */
int vmsh_layout_shm_rmid(struct vmsh_sys *sys, int id);

#endif /* VMSH_INCLUDE_LAYOUT_H */
