/* SPDX-License-Identifier: MIT */
/*
 * Faults on file and shmem mappings (filemap.c).  The expected figures
 * were measured on the build machines' kernel (6.18) with probes mapping
 * files in /dev/shm (see the comments).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "phys.h"
#include "suites.h"
#include "sys.h"
#include "vmsh-test.h"

#define A T_BASE
#define K 1024ULL

static struct vmsh_sys *sys;

/* 64 MiB, the zero page off; a test records the trace with t_trace_on(). */
static void setup(void) { sys = t_sys_make(false, 64ULL << 20); }
static void teardown(void) { t_sys_free(&sys); }
static void checked(void) { t_check(sys); }

static uint64_t map(uint64_t addr, uint64_t len, int prot, int flags,
		    const char *file, uint64_t off)
{
	uint64_t out = 0;

	ck_assert_int_eq(vmsh_mmap(sys, addr, len, prot,
				   flags | (addr ? VMSH_MAP_FIXED : 0), file, off,
				   &out), 0);
	if (addr)
		ck_assert_uint_eq(out, addr);
	checked();
	return out;
}

static void rd(uint64_t addr)
{
	struct vmsh_fault f = { 0 };

	ck_assert_int_eq(vmsh_touch(sys, addr, 1, &f), 0);
	checked();
}

static void wr(uint64_t addr, const char *s)
{
	struct vmsh_fault f = { 0 };
	uint64_t done;

	ck_assert_int_eq(vmsh_write(sys, addr, (const uint8_t *)s, 0, strlen(s),
				    &done, &f), 0);
	ck_assert_int_eq(f.signo, 0);
	checked();
}

static struct vmsh_smaps sm(uint64_t addr)
{
	struct vmsh_smaps s;

	ck_assert_int_eq(vmsh_smaps(sys, 0, addr, &s), 0);
	return s;
}

static struct vmsh_mm_info mmi(void)
{
	struct vmsh_mm_info mi;

	ck_assert_int_eq(vmsh_mm_info(sys, 0, &mi), 0);
	return mi;
}

static void mkfile(const char *name, uint64_t size, bool disk)
{
	ck_assert_int_eq(vmsh_file_create(sys, name, size, disk), 0);
}

static void fwrite_at(const char *name, uint64_t off, const char *s)
{
	ck_assert_int_eq(vmsh_file_write(sys, name, off, (const uint8_t *)s,
					 strlen(s)), 0);
}

/* The seed's example: map a file shared, read its string, write a new one,
 * unmap: the file holds the new string. */
START_TEST(test_filemap_seed_example)
{
	uint8_t buf[32];
	uint64_t m, done;
	struct vmsh_fault f = { 0 };

	mkfile("mmap_test", 4096, false);
	fwrite_at("mmap_test", 0, "hello");
	m = map(0, 20, VMSH_PROT_READ | VMSH_PROT_WRITE, VMSH_MAP_SHARED, "mmap_test", 0);
	ck_assert_int_eq(vmsh_read(sys, m, buf, 5, &done, &f), 0);
	ck_assert_uint_eq(done, 5);
	ck_assert_mem_eq(buf, "hello", 5);
	wr(m, "This is a map test!");
	ck_assert_int_eq(vmsh_munmap(sys, m, 20), 0);
	checked();
	ck_assert_int_eq(vmsh_file_read(sys, "mmap_test", 0, buf, 19, &done), 0);
	ck_assert_uint_eq(done, 19);
	ck_assert_mem_eq(buf, "This is a map test!", 19);
}
END_TEST

/*
 * Probe (6.18): a 20-page + 100-byte /dev/shm file with pages 0, 2, 17, 20
 * written by pwrite, mapped shared rw 24 pages.  Reading page 1 (a hole):
 * fault-around maps 0 and 2 (dirty), shmem_fault allocates 1 (clean):
 * Rss 12 kB, Private_Clean 4, Private_Dirty 8, RssShmem 12.
 */
START_TEST(test_filemap_shared_read_fault_around)
{
	struct vmsh_smaps s;
	struct vmsh_file_info fi;

	mkfile("f", 20 * 4096 + 100, false);
	fwrite_at("f", 0, "hello");
	fwrite_at("f", 2 * 4096, "x");
	fwrite_at("f", 17 * 4096, "y");
	fwrite_at("f", 20 * 4096, "z");
	map(A, 24 * 4096, VMSH_PROT_READ | VMSH_PROT_WRITE, VMSH_MAP_SHARED, "f", 0);
	rd(A + 4096);
	s = sm(A);
	ck_assert_uint_eq(s.rss, 12 * K);
	ck_assert_uint_eq(s.pss, 12 * K);
	ck_assert_uint_eq(s.pss_dirty, 8 * K);
	ck_assert_uint_eq(s.private_clean, 4 * K);
	ck_assert_uint_eq(s.private_dirty, 8 * K);
	ck_assert_uint_eq(s.referenced, 12 * K);
	ck_assert_uint_eq(s.anonymous, 0);
	ck_assert_uint_eq(mmi().rss_shmem, 3);
	ck_assert_int_eq(vmsh_file_find_info(sys, "f", &fi), 0);
	ck_assert_uint_eq(fi.cached_pages, 5);
	ck_assert_int_eq(fi.mapcount, 1);
}
END_TEST

/*
 * Probe (6.18), continuing the file above with a private mapping at
 * A+1M: read q3 (hole) -> fault-around maps 0,1,2 (now mapcount 2), page 3
 * allocated: Rss 16, Pss 10, Shared_Clean 4, Shared_Dirty 8,
 * Private_Clean 4.  Write q5 (hole, first access): anonymous copy, page 5
 * cached but not mapped: Rss 20, Anonymous 4.  Write q2 (mapped from the
 * cache): COW: Rss 20, Anonymous 8.  Read q18: window 16..20 (EOF):
 * Rss 32, Private_Clean 8, Private_Dirty 16.
 */
START_TEST(test_filemap_private_cow_and_fault_around)
{
	struct vmsh_smaps s;
	uint64_t q = A + (1 << 20);

	mkfile("f", 20 * 4096 + 100, false);
	fwrite_at("f", 0, "hello");
	fwrite_at("f", 2 * 4096, "x");
	fwrite_at("f", 17 * 4096, "y");
	fwrite_at("f", 20 * 4096, "z");
	map(A, 24 * 4096, VMSH_PROT_READ | VMSH_PROT_WRITE, VMSH_MAP_SHARED, "f", 0);
	map(q, 24 * 4096, VMSH_PROT_READ | VMSH_PROT_WRITE, VMSH_MAP_PRIVATE, "f", 0);
	rd(A + 4096);
	rd(q + 3 * 4096);
	s = sm(q);
	ck_assert_uint_eq(s.rss, 16 * K);
	ck_assert_uint_eq(s.pss, 10 * K);
	ck_assert_uint_eq(s.shared_clean, 4 * K);
	ck_assert_uint_eq(s.shared_dirty, 8 * K);
	ck_assert_uint_eq(s.private_clean, 4 * K);
	ck_assert_uint_eq(s.private_dirty, 0);
	s = sm(A);
	ck_assert_uint_eq(s.pss, 6 * K);
	wr(q + 5 * 4096, "w");
	s = sm(q);
	ck_assert_uint_eq(s.rss, 20 * K);
	ck_assert_uint_eq(s.anonymous, 4 * K);
	ck_assert_uint_eq(s.private_dirty, 4 * K);
	ck_assert_uint_eq(mmi().rss_shmem, 7);
	ck_assert_uint_eq(mmi().rss_anon, 1);
	wr(q + 2 * 4096, "w");
	s = sm(q);
	ck_assert_uint_eq(s.rss, 20 * K);
	ck_assert_uint_eq(s.pss, 16 * K);
	ck_assert_uint_eq(s.anonymous, 8 * K);
	ck_assert_uint_eq(s.private_dirty, 8 * K);
	s = sm(A);
	ck_assert_uint_eq(s.private_dirty, 4 * K);
	ck_assert_uint_eq(s.shared_dirty, 4 * K);
	rd(q + 18 * 4096);
	s = sm(q);
	ck_assert_uint_eq(s.rss, 32 * K);
	ck_assert_uint_eq(s.private_clean, 8 * K);
	ck_assert_uint_eq(s.private_dirty, 16 * K);
	ck_assert_uint_eq(mmi().rss_shmem, 9);
}
END_TEST

/* Past EOF: SIGBUS (BUS_ADRERR) at index >= DIV_ROUND_UP(i_size, 4096);
 * the partial last page is accessible. */
START_TEST(test_filemap_sigbus_past_eof)
{
	struct vmsh_fault f = { 0 };

	mkfile("f", 2 * 4096 + 100, false);
	map(A, 4 * 4096, VMSH_PROT_READ | VMSH_PROT_WRITE, VMSH_MAP_SHARED, "f", 0);
	ck_assert_int_eq(vmsh_touch(sys, A + 2 * 4096 + 200, 1, &f), 0);
	ck_assert_int_eq(f.signo, 0);
	ck_assert_int_eq(vmsh_touch(sys, A + 3 * 4096 + 5, 1, &f), 1);
	ck_assert_int_eq(f.signo, SIGBUS);
	ck_assert_int_eq(f.code, BUS_ADRERR);
	ck_assert_uint_eq(f.addr, A + 3 * 4096 + 5);
	checked();
	ck_assert_uint_eq(sm(A).rss, 4 * K);
}
END_TEST

/* Probe (6.18): 8 cached pages mapped at pte index 5 of a table; a read
 * of index 7 maps all 8 (window from the VMA start, 16 long). */
START_TEST(test_filemap_fault_around_clipped_to_vma)
{
	int i;

	mkfile("f", 8 * 4096, false);
	for (i = 0; i < 8; i++)
		fwrite_at("f", i * 4096, "a");
	map(A + 0x65000, 8 * 4096, VMSH_PROT_READ, VMSH_MAP_SHARED, "f", 0);
	rd(A + 0x67000);
	ck_assert_uint_eq(sm(A + 0x65000).rss, 32 * K);
	ck_assert_uint_eq(sm(A + 0x65000).private_dirty, 32 * K);
}
END_TEST

START_TEST(test_filemap_fault_around_disabled)
{
	struct vmsh_config cfg = *vmsh_sys_config(sys);
	int i;

	cfg.fault_around = 0;
	ck_assert_int_eq(vmsh_sys_set_config(sys, &cfg), 0);
	mkfile("f", 8 * 4096, false);
	for (i = 0; i < 8; i++)
		fwrite_at("f", i * 4096, "a");
	map(A, 8 * 4096, VMSH_PROT_READ, VMSH_MAP_SHARED, "f", 0);
	rd(A + 0x2000);
	ck_assert_uint_eq(sm(A).rss, 4 * K);
}
END_TEST

/* Probe (6.18): truncating a mapped file to 3 pages + 10 bytes unmaps
 * the pages past the new EOF (Rss 32 -> 16 kB); an access there is
 * SIGBUS. */
START_TEST(test_filemap_truncate_unmaps_and_sigbus)
{
	struct vmsh_fault f = { 0 };
	int i;

	mkfile("f", 8 * 4096, false);
	for (i = 0; i < 8; i++)
		fwrite_at("f", i * 4096, "a");
	map(A, 8 * 4096, VMSH_PROT_READ, VMSH_MAP_SHARED, "f", 0);
	rd(A);
	ck_assert_uint_eq(sm(A).rss, 32 * K);
	ck_assert_int_eq(vmsh_file_truncate(sys, "f", 3 * 4096 + 10), 0);
	checked();
	ck_assert_uint_eq(sm(A).rss, 16 * K);
	ck_assert_int_eq(vmsh_touch(sys, A + 4 * 4096, 1, &f), 1);
	ck_assert_int_eq(f.signo, SIGBUS);
	checked();
}
END_TEST

/* A private COW copy past the new EOF goes too (even_cows). */
START_TEST(test_filemap_truncate_unmaps_private_copies)
{
	mkfile("f", 4 * 4096, false);
	map(A, 4 * 4096, VMSH_PROT_READ | VMSH_PROT_WRITE, VMSH_MAP_PRIVATE, "f", 0);
	wr(A + 3 * 4096, "c");
	ck_assert_uint_eq(sm(A).anonymous, 4 * K);
	ck_assert_int_eq(vmsh_file_truncate(sys, "f", 4096), 0);
	checked();
	ck_assert_uint_eq(sm(A).anonymous, 0);
}
END_TEST

/* rm of a mapped file: kept until the last VMA goes, "(deleted)". */
START_TEST(test_filemap_rm_mapped_file_deleted)
{
	struct vmsh_vma_info vi;

	mkfile("gone", 4096, false);
	map(A, 4096, VMSH_PROT_READ, VMSH_MAP_SHARED, "gone", 0);
	ck_assert_int_eq(vmsh_file_rm(sys, "gone"), 0);
	checked();
	ck_assert(t_vma_nth(sys, 0, 0, &vi));
	ck_assert_str_eq(vi.name, "/dev/shm/gone (deleted)");
	rd(A);
	ck_assert_int_eq(vmsh_munmap(sys, A, 4096), 0);
	checked();
}
END_TEST

/* maps fields of a file mapping: dev 00:1a, inode from 2, offset. */
START_TEST(test_filemap_maps_fields)
{
	struct vmsh_vma_info vi;

	mkfile("f", 8 * 4096, false);
	map(A, 4096, VMSH_PROT_READ, VMSH_MAP_SHARED, "f", 4096);
	ck_assert(t_vma_nth(sys, 0, 0, &vi));
	ck_assert_str_eq(vi.name, "/dev/shm/f");
	ck_assert_uint_eq(vi.dev_major, 0);
	ck_assert_uint_eq(vi.dev_minor, 0x1a);
	ck_assert_uint_eq(vi.ino, 2);
	ck_assert_uint_eq(vi.pgoff, 1);
	ck_assert_str_eq(vi.vm_ops, "shmem_vm_ops");
}
END_TEST

/* Disk files: write-notify.  A read-mapped page goes through page_mkwrite
 * on its first write; msync cleans it and the next write notifies again.
 * The first read fault reads the file around it (readahead) and maps
 * both pages (fault-around after the retry). */
START_TEST(test_filemap_disk_page_mkwrite_and_msync)
{
	mkfile("d", 2 * 4096, true);
	map(A, 2 * 4096, VMSH_PROT_READ | VMSH_PROT_WRITE, VMSH_MAP_SHARED, "d", 0);
	t_trace_on(sys);
	rd(A);
	ck_assert_uint_eq(sm(A).rss, 8 * K);
	ck_assert_ptr_null(strstr(t_trace(), "page_mkwrite"));
	wr(A, "1");
	ck_assert_ptr_nonnull(strstr(t_trace(), "wp_page_shared"));
	ck_assert_ptr_nonnull(strstr(t_trace(), "vm_ops->page_mkwrite"));
	ck_assert_uint_eq(sm(A).private_dirty, 4 * K);
	t_trace_clear();
	wr(A, "2");
	ck_assert_ptr_null(strstr(t_trace(), "page_mkwrite"));
	ck_assert_int_eq(vmsh_msync(sys, A, 2 * 4096), 0);
	checked();
	ck_assert_uint_eq(sm(A).private_dirty, 0);
	ck_assert_uint_eq(sm(A).private_clean, 8 * K);
	t_trace_clear();
	wr(A, "3");
	ck_assert_ptr_nonnull(strstr(t_trace(), "vm_ops->page_mkwrite"));
	t_trace_clear();
	wr(A + 4096, "4");
	ck_assert_ptr_nonnull(strstr(t_trace(), "vm_ops->page_mkwrite"));
	ck_assert_uint_eq(mmi().rss_file, 2);
	ck_assert_uint_eq(sm(A).private_dirty, 8 * K);
}
END_TEST

/* A write as first access to a disk mapping: do_shared_fault reads the
 * file around it, then page_mkwrite; no fault-around on write faults. */
START_TEST(test_filemap_disk_write_first_access)
{
	mkfile("d", 4 * 4096, true);
	map(A, 4 * 4096, VMSH_PROT_READ | VMSH_PROT_WRITE, VMSH_MAP_SHARED, "d", 0);
	t_trace_on(sys);
	wr(A + 4096, "w");
	ck_assert_ptr_nonnull(strstr(t_trace(), "do_shared_fault"));
	ck_assert_ptr_nonnull(strstr(t_trace(), "vm_ops->page_mkwrite"));
	ck_assert_uint_eq(sm(A).rss, 4 * K);
	ck_assert_uint_eq(sm(A).private_dirty, 4 * K);
	rd(A);
	ck_assert_uint_eq(sm(A).rss, 16 * K);
}
END_TEST

/* Probe (6.18, ext4 on the build machines, read_ahead_kb 8192): a
 * 3000-page disk file touched at page 0, then at 1540: 16 + 15 pages,
 * the readahead mark (page 1536) is not faulted around; touching it
 * reads further and maps it. */
START_TEST(test_filemap_disk_readahead_mark)
{
	mkfile("d", 3000 * 4096, true);
	map(A, 3000 * 4096, VMSH_PROT_READ, VMSH_MAP_SHARED, "d", 0);
	rd(A);
	ck_assert_uint_eq(sm(A).rss, 64 * K);
	rd(A + 1540 * 4096);
	ck_assert_uint_eq(sm(A).rss, 124 * K);
	rd(A + 1536 * 4096);
	ck_assert_uint_eq(sm(A).rss, 128 * K);
	ck_assert_uint_eq(vmsh_file_find_info(sys, "d", &(struct vmsh_file_info){ 0 }), 0);
}
END_TEST

static uint64_t cached(const char *name)
{
	struct vmsh_file_info fi;

	ck_assert_int_eq(vmsh_file_find_info(sys, name, &fi), 0);
	return fi.cached_pages;
}

/* Probe (6.18, sparse ext4 file, mincore): madvise willneed reads the
 * range into the cache (one 2048-page window at most), maps nothing; a
 * read fault then maps the cached pages around it.  tmpfs ignores it. */
START_TEST(test_filemap_disk_willneed_reads_ahead)
{
	mkfile("d", 8192 * 4096, true);
	mkfile("t", 16 * 4096, false);
	map(A, 8192 * 4096, VMSH_PROT_READ, VMSH_MAP_SHARED, "d", 0);
	ck_assert_int_eq(vmsh_madvise(sys, A + 4096, 4 * 4096,
				      VMSH_MADV_WILLNEED), 0);
	checked();
	ck_assert_uint_eq(cached("d"), 4);
	ck_assert_uint_eq(sm(A).rss, 0);
	rd(A + 2 * 4096);
	ck_assert_uint_eq(sm(A).rss, 16 * K);
	ck_assert_int_eq(vmsh_madvise(sys, A + 100 * 4096, 8000 * 4096,
				      VMSH_MADV_WILLNEED), 0);
	checked();
	ck_assert_uint_eq(cached("d"), 4 + 2048);
	map(A + 0x10000000, 16 * 4096, VMSH_PROT_READ, VMSH_MAP_SHARED, "t", 0);
	ck_assert_int_eq(vmsh_madvise(sys, A + 0x10000000, 16 * 4096,
				      VMSH_MADV_WILLNEED), 0);
	checked();
	ck_assert_uint_eq(cached("t"), 0);
}
END_TEST

/* Probe (6.18, sparse ext4 file, mincore/pagemap): the major fault of an
 * executable mapping reads ahead from the fault to the VMA's end, not
 * around it; a read-only one reads around it. */
START_TEST(test_filemap_disk_exec_readahead)
{
	mkfile("d", 4000 * 4096, true);
	map(A, 24 * 4096, VMSH_PROT_READ | VMSH_PROT_EXEC, VMSH_MAP_PRIVATE,
	    "d", 10 * 4096);
	rd(A + 2 * 4096);
	ck_assert_uint_eq(cached("d"), 22);             /* pgoff 12..33 */
	ck_assert_uint_eq(sm(A).rss, 14 * 4 * K);           /* 12..25 of 10..25 */
	map(A + 0x1000000, 3000 * 4096, VMSH_PROT_READ, VMSH_MAP_PRIVATE,
	    "d", 10 * 4096);
	rd(A + 0x1000000 + 2000 * 4096);
	ck_assert_uint_eq(cached("d"), 22 + 2048);      /* 986..3033 */
}
END_TEST

/* Probe (6.18, ext4): truncate to or from an unaligned size zeroes the
 * EOF block; over a hole the folio stays cached !uptodate, and readahead
 * and fault-around skip it until a read of it; a written page, cleaned
 * by msync, is dirty again. */
START_TEST(test_filemap_disk_truncate_eof_folio)
{
	mkfile("d", 32 * 4096, true);
	ck_assert_int_eq(vmsh_file_truncate(sys, "d", 5000), 0);
	checked();
	ck_assert_uint_eq(cached("d"), 1);              /* page 1, !uptodate */
	ck_assert_int_eq(vmsh_file_truncate(sys, "d", 32 * 4096), 0);
	checked();
	map(A, 16 * 4096, VMSH_PROT_READ | VMSH_PROT_WRITE, VMSH_MAP_SHARED,
	    "d", 0);
	rd(A + 5 * 4096);
	ck_assert_uint_eq(sm(A).rss, 15 * 4 * K);           /* all but page 1 */
	rd(A + 4096);
	ck_assert_uint_eq(sm(A).rss, 16 * 4 * K);
	ck_assert_uint_eq(sm(A).private_dirty, 0);
	wr(A + 4096, "x");
	ck_assert_int_eq(vmsh_msync(sys, A, 16 * 4096), 0);
	checked();
	ck_assert_uint_eq(sm(A).private_dirty, 0);
	ck_assert_int_eq(vmsh_file_truncate(sys, "d", 6000), 0);
	checked();
	ck_assert_uint_eq(sm(A).private_dirty, 4 * K);  /* page 1 again */
}
END_TEST

/* file_cache_lookup_next answers as file_cache_lookup whatever the
 * cursor it is handed (the last node looked in, another one, one whose
 * node has gone, none); the radix tree holds indexes past 64^2 and
 * 64^3, gives them back in order and loses its nodes as its pages go. */
START_TEST(test_filemap_cache_lookup_next)
{
	static uint8_t page[4096];
	static const uint64_t far[] = { 4096, 4097, 300000, 262143 };
	struct vmsh_file *f;
	struct pcache_cursor c = { NULL, 0, 0 }, c2, stale;
	uint64_t n, *idx, prev = 0;

	memset(page, 3, sizeof(page));
	ck_assert_int_eq(vmsh_file_create(sys, "n", 300 * 4096ULL, false), 0);
	for (uint64_t i = 0; i < 300; i += 1 + i % 3)
		ck_assert_int_eq(vmsh_file_write(sys, "n", i * 4096, page,
						 sizeof(page)), 0);
	f = file_find(sys, "n");
	ck_assert_ptr_nonnull(f);
	for (uint64_t i = 0; i < 310; i++) {
		uint64_t want = file_cache_lookup(f, i);

		ck_assert_uint_eq(file_cache_lookup_next(f, i, &c), want);
		c2 = c;
		c2.base ^= 1;                   /* another node's cursor */
		ck_assert_uint_eq(file_cache_lookup_next(f, i, &c2), want);
	}
	ck_assert_ptr_null(file_cache_check(f));
	ck_assert_uint_eq(f->cache_height, 2);
	ck_assert_int_eq(vmsh_file_truncate(sys, "n", 400000 * 4096ULL), 0);
	for (unsigned k = 0; k < 4; k++)
		ck_assert_int_eq(vmsh_file_write(sys, "n", far[k] * 4096, page,
						 sizeof(page)), 0);
	ck_assert_uint_eq(f->cache_height, 4);  /* 300000 >= 64^3 */
	ck_assert_ptr_null(file_cache_check(f));
	idx = file_cache_indexes(f, &n);
	ck_assert_uint_eq(n, f->cache_nr);
	for (uint64_t i = 0; i < n; prev = idx[i++])
		ck_assert(i == 0 || idx[i] > prev);
	ck_assert_uint_eq(idx[n - 1], 300000);
	free(idx);
	stale = (struct pcache_cursor){ NULL, 0, 0 };
	ck_assert_uint_ne(file_cache_lookup_next(f, 300000, &stale), UINT64_MAX);
	/* cut back to 100 pages: the far nodes go, the cursor's with them */
	ck_assert_int_eq(vmsh_file_truncate(sys, "n", 100 * 4096ULL), 0);
	ck_assert_uint_eq(file_cache_lookup_next(f, 300000, &stale), UINT64_MAX);
	ck_assert_uint_eq(file_cache_lookup(f, 4096), UINT64_MAX);
	ck_assert_ptr_null(file_cache_check(f));
	checked();
	ck_assert_int_eq(vmsh_file_truncate(sys, "n", 0), 0);
	ck_assert_ptr_null(f->cache);
	ck_assert_uint_eq(f->cache_nr, 0);
	/* an empty tree's first page far out: a tree just that high, no
	 * empty node below (the fuzzer's seed 8 found one) */
	ck_assert_int_eq(vmsh_file_truncate(sys, "n", 400000 * 4096ULL), 0);
	ck_assert_int_eq(vmsh_file_write(sys, "n", 300000 * 4096ULL, page,
					 sizeof(page)), 0);
	ck_assert_uint_eq(f->cache_height, 4);
	ck_assert_ptr_null(file_cache_check(f));
	checked();
}
END_TEST

/* The page cache entry of file @name at @index (must be cached). */
static struct page *cpage(const char *name, uint64_t index)
{
	struct vmsh_file *f = file_find(sys, name);
	uint64_t pfn;

	ck_assert_ptr_nonnull(f);
	pfn = file_cache_lookup(f, index);
	ck_assert_uint_ne(pfn, UINT64_MAX);
	return phys_page(sys, pfn);
}

static void fread_at(const char *name, uint64_t off)
{
	uint8_t buf[16];
	uint64_t done;

	ck_assert_int_eq(vmsh_file_read(sys, name, off, buf, sizeof(buf),
					&done), 0);
	checked();
}

/* Probe (6.18, ext4, /proc/kpageflags): a sync readahead reads single
 * pages; the async one it marks reads folios of 4, the first marked;
 * truncate splits the folio holding the new EOF, keeping the mark with
 * its first page only. */
START_TEST(test_filemap_disk_large_folios)
{
	mkfile("d", 200 * 4096, true);
	fread_at("d", 0);
	ck_assert_uint_eq(cached("d"), 4);
	ck_assert_uint_eq(cpage("d", 0)->order, 0);
	ck_assert(cpage("d", 1)->readahead);
	fread_at("d", 4096);
	ck_assert_uint_eq(cached("d"), 20);
	ck_assert(!cpage("d", 1)->readahead);
	ck_assert_uint_eq(cpage("d", 4)->order, 2);
	ck_assert_uint_eq(cpage("d", 19)->order, 2);
	ck_assert(cpage("d", 4)->readahead);
	ck_assert_ptr_eq(page_folio(sys, cpage("d", 6)), cpage("d", 4));
	/* a write dirties the whole folio */
	fwrite_at("d", 9 * 4096 + 5, "x");
	ck_assert(page_folio(sys, cpage("d", 10))->dirty);
	ck_assert(!page_folio(sys, cpage("d", 12))->dirty);
	/* a truncate into a mapped folio unmaps all of it (the split) */
	map(A, 20 * 4096, VMSH_PROT_READ, VMSH_MAP_SHARED, "d", 0);
	rd(A + 13 * 4096);
	ck_assert_uint_eq(sm(A).rss, 12 * 4 * K);      /* 0-3, 8-15 */
	ck_assert_int_eq(vmsh_file_truncate(sys, "d", 13 * 4096 + 100), 0);
	checked();
	ck_assert_uint_eq(sm(A).rss, 8 * 4 * K);       /* 0-3, 8-11 */
	ck_assert_uint_eq(cpage("d", 12)->order, 0);
	ck_assert_uint_eq(cpage("d", 13)->order, 0);
	ck_assert_int_eq(vmsh_munmap(sys, A, 20 * 4096), 0);
	checked();
	/* truncate inside the folio 4-7: 4 and 5 stay as folios of 1 */
	ck_assert_int_eq(vmsh_file_truncate(sys, "d", 5 * 4096 + 100), 0);
	checked();
	ck_assert_uint_eq(cached("d"), 6);
	ck_assert_uint_eq(cpage("d", 4)->order, 0);
	ck_assert_uint_eq(cpage("d", 5)->order, 0);
	ck_assert(cpage("d", 4)->readahead);
	ck_assert(!cpage("d", 5)->readahead);
}
END_TEST

/* truncate_inode_partial_folio(): an unaligned EOF in the first page of
 * a large folio splits it there too (offset > 0 in the folio), so the
 * pages past the EOF go and no folio is left with pages missing (the
 * model kept the folio whole and reclaim later aborted on its missing
 * tail: the structure-aware generator's seed 917). */
START_TEST(test_filemap_disk_truncate_folio_first_page)
{
	mkfile("d", 200 * 4096, true);
	fread_at("d", 0);
	fread_at("d", 4096);
	ck_assert_uint_eq(cpage("d", 8)->order, 2);     /* folio 8-11 */
	ck_assert_int_eq(vmsh_file_truncate(sys, "d", 8 * 4096 + 100), 0);
	checked();
	ck_assert_uint_eq(cached("d"), 9);              /* 0-8 */
	ck_assert_uint_eq(cpage("d", 8)->order, 0);
	/* page-aligned at the folio's start: the folio goes whole */
	ck_assert_int_eq(vmsh_file_truncate(sys, "d", 4 * 4096), 0);
	checked();
	ck_assert_uint_eq(cached("d"), 4);
}
END_TEST

/* Probes (6.18, ext4): a write past an unaligned EOF leaves the old EOF
 * page a !uptodate folio and marks the written page referenced; after a
 * truncate to 0, closing the file writes its new pages back. */
START_TEST(test_filemap_disk_write_past_eof_and_da_alloc)
{
	mkfile("g", 5000, true);
	fwrite_at("g", 9000, "past");
	checked();
	ck_assert(!cpage("g", 1)->uptodate);
	ck_assert(cpage("g", 2)->referenced);
	ck_assert(cpage("g", 2)->dirty);
	mkfile("h", 16384, true);
	fwrite_at("h", 0, "one");
	ck_assert(cpage("h", 0)->dirty);
	ck_assert_int_eq(vmsh_file_truncate(sys, "h", 0), 0);
	fwrite_at("h", 0, "two");
	checked();
	ck_assert(!cpage("h", 0)->dirty);
	ck_assert(cpage("h", 0)->on_disk);
	fwrite_at("h", 0, "three");
	ck_assert(cpage("h", 0)->dirty);        /* once only */
}
END_TEST

/* Probes (6.18, /proc/kpageflags): a tmpfs write marks a new page
 * referenced and an old one accessed (referenced -> active); a tmpfs read
 * marks a page it reads from its start; an ext4 read marks the first
 * folio of its batch, an ext4 write nothing. */
START_TEST(test_filemap_accessed_marks)
{
	mkfile("t", 20000, false);
	fwrite_at("t", 0, "one");
	ck_assert(cpage("t", 0)->referenced);
	ck_assert(!cpage("t", 0)->active);
	fwrite_at("t", 0, "two");
	ck_assert(!cpage("t", 0)->referenced);
	ck_assert(cpage("t", 0)->active);
	fwrite_at("t", 4096, "one");
	fread_at("t", 4096 + 100);
	ck_assert(cpage("t", 1)->referenced && !cpage("t", 1)->active);
	fread_at("t", 4096);
	ck_assert(cpage("t", 1)->active);
	mkfile("d", 20000, true);
	fwrite_at("d", 0, "one");
	ck_assert(!cpage("d", 0)->referenced);
	fread_at("d", 100);
	ck_assert(cpage("d", 0)->referenced);
}
END_TEST

/* Regression: a fault that cannot get its PTE table (no frame left) must
 * not drop the page cache's reference of a large folio's page. */
START_TEST(test_filemap_finish_fault_oom)
{
	struct vmsh_config cfg = *vmsh_sys_config(sys);
	struct vmsh_fault f = { 0 };
	struct page *pg;
	uint64_t off = 0;
	int refs;

	cfg.fault_around = 0;
	ck_assert_int_eq(vmsh_sys_set_config(sys, &cfg), 0);
	mkfile("d", 200 * 4096, true);
	fread_at("d", 0);
	fread_at("d", 4096);
	pg = cpage("d", 8);
	ck_assert_uint_eq(pg->order, 2);
	refs = pg->refcount;
	map(A, 20 * 4096, VMSH_PROT_READ, VMSH_MAP_SHARED, "d", 0);
	/* the tables above A's PTE table exist, the PTE table does not */
	map(A + 0x200000, 4096, VMSH_PROT_READ | VMSH_PROT_WRITE,
	    VMSH_MAP_PRIVATE | VMSH_MAP_ANONYMOUS, NULL, 0);
	wr(A + 0x200000, "y");
	/* a tmpfs file takes every frame left (fewer than 64 MiB's) */
	mkfile("big", 0, false);
	while (off < (64ULL << 20) &&
	       !vmsh_file_write(sys, "big", off, (const uint8_t *)"z", 1))
		off += 4096;
	ck_assert_uint_lt(off, 64ULL << 20);
	ck_assert_uint_eq(sys->phys.nfree, 0);
	ck_assert_int_eq(vmsh_touch(sys, A + 8 * 4096, 1, &f), 1);
	ck_assert_int_eq(f.signo, SIGKILL);
	ck_assert_int_eq(pg->refcount, refs);
	checked();
}
END_TEST

/* tmpfs has no write-notify: a shared read fault maps the page writable,
 * the later write does not fault; msync changes nothing. */
START_TEST(test_filemap_tmpfs_no_write_notify)
{
	mkfile("t", 4096, false);
	map(A, 4096, VMSH_PROT_READ | VMSH_PROT_WRITE, VMSH_MAP_SHARED, "t", 0);
	rd(A);
	ck_assert_uint_eq(sm(A).private_clean, 4 * K);
	t_trace_on(sys);
	wr(A, "x");
	ck_assert_ptr_null(strstr(t_trace(), "wp_page_shared"));
	ck_assert_uint_eq(sm(A).private_dirty, 4 * K);
	ck_assert_int_eq(vmsh_msync(sys, A, 4096), 0);
	ck_assert_uint_eq(sm(A).private_dirty, 4 * K);
}
END_TEST

/*
 * Probe (6.18): MAP_SHARED|MAP_ANONYMOUS: "/dev/zero (deleted)" dev 00:01;
 * a write and a read: Rss 8, Private_Clean 4, Private_Dirty 4,
 * Anonymous 0, RssShmem 8.
 */
START_TEST(test_filemap_shared_anon_is_shmem)
{
	struct vmsh_vma_info vi;
	struct vmsh_smaps s;

	map(A, 3 * 4096, VMSH_PROT_READ | VMSH_PROT_WRITE,
	    VMSH_MAP_SHARED | VMSH_MAP_ANONYMOUS, NULL, 0);
	wr(A, "a");
	rd(A + 4096);
	s = sm(A);
	ck_assert_uint_eq(s.rss, 8 * K);
	ck_assert_uint_eq(s.private_clean, 4 * K);
	ck_assert_uint_eq(s.private_dirty, 4 * K);
	ck_assert_uint_eq(s.anonymous, 0);
	ck_assert_uint_eq(mmi().rss_shmem, 2);
	ck_assert(t_vma_nth(sys, 0, 0, &vi));
	ck_assert_str_eq(vi.name, "/dev/zero (deleted)");
	ck_assert_uint_eq(vi.dev_minor, 1);
	ck_assert_uint_eq(vi.pgoff, 0);
}
END_TEST

/* Each mmap call opens the file anew (as the shell and --host do): two
 * adjacent shared mappings of one file with linear offsets do not merge
 * (probe, 6.18), but the pieces of one mapping merge back. */
START_TEST(test_filemap_separate_mmaps_do_not_merge)
{
	struct vmsh_vma_info vi;
	struct vmsh_file_info fi;

	mkfile("f", 64 * 1024, false);
	map(A, 4 * 4096, VMSH_PROT_READ | VMSH_PROT_WRITE, VMSH_MAP_SHARED, "f", 0);
	map(A + 4 * 4096, 4 * 4096, VMSH_PROT_READ | VMSH_PROT_WRITE,
	    VMSH_MAP_SHARED, "f", 4 * 4096);
	ck_assert(t_vma_nth(sys, 0, 1, &vi));
	ck_assert_uint_eq(vi.start, A + 4 * 4096);
	ck_assert_int_eq(vmsh_file_find_info(sys, "f", &fi), 0);
	ck_assert_int_eq(fi.mapcount, 2);
	ck_assert_int_eq(vmsh_mprotect(sys, A + 4096, 4096, VMSH_PROT_READ), 0);
	checked();
	ck_assert_int_eq(vmsh_file_find_info(sys, "f", &fi), 0);
	ck_assert_int_eq(fi.mapcount, 4);
	ck_assert_int_eq(vmsh_mprotect(sys, A + 4096, 4096,
				       VMSH_PROT_READ | VMSH_PROT_WRITE), 0);
	checked();
	ck_assert(t_vma_nth(sys, 0, 0, &vi));
	ck_assert_uint_eq(vi.end, A + 4 * 4096);
	ck_assert_int_eq(vmsh_file_find_info(sys, "f", &fi), 0);
	ck_assert_int_eq(fi.mapcount, 2);
	ck_assert_int_eq(vmsh_munmap(sys, A, 8 * 4096), 0);
	checked();
	ck_assert_int_eq(vmsh_file_find_info(sys, "f", &fi), 0);
	ck_assert_int_eq(fi.mapcount, 0);
}
END_TEST

/* Random file work with the invariants checked after every step (fixed
 * seed): files created, written, truncated, removed while mapped;
 * shared/private/disk mappings, accesses, msync, dontneed, munmap. */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(uint64_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state % n;
}

START_TEST(test_filemap_random_invariants)
{
	static const char *names[] = { "a", "b", "c", "d" };
	struct vmsh_fault f;
	uint64_t out, done;
	uint8_t buf[64];
	int step, op, r, ok[12] = { 0 };

	rnd_state = 0x9e3779b97f4a7c15ULL;
	for (step = 0; step < 3000; step++) {
		const char *n = names[rnd(4)];
		uint64_t addr = A + (rnd(48) << 12), len = (rnd(8) + 1) << 12;
		int prot = (int)rnd(4) | VMSH_PROT_READ;

		switch (op = (int)rnd(12)) {
		case 0:
			r = vmsh_file_create(sys, n, rnd(12) << 12 | rnd(2) * 100,
					     rnd(3) == 0);
			break;
		case 1:
			r = vmsh_file_write(sys, n, rnd(12 << 12),
					    (const uint8_t *)"random data", 11);
			break;
		case 2:
			r = vmsh_file_truncate(sys, n, rnd(12) << 12 | rnd(2) * 10);
			break;
		case 3:
			r = rnd(4) == 0 ? vmsh_file_rm(sys, n) : -1;
			break;
		case 4:
		case 5:
			r = vmsh_mmap(sys, addr, len, prot & ~VMSH_PROT_EXEC,
				      (rnd(2) ? VMSH_MAP_SHARED : VMSH_MAP_PRIVATE) |
				      VMSH_MAP_FIXED, n, rnd(4) << 12, &out);
			break;
		case 6:
			r = vmsh_mmap(sys, addr, len, VMSH_PROT_READ | VMSH_PROT_WRITE,
				      VMSH_MAP_SHARED | VMSH_MAP_FIXED |
				      (rnd(2) ? VMSH_MAP_ANONYMOUS : 0),
				      rnd(2) ? NULL : "/dev/zero", 0, &out);
			break;
		case 7:
			r = vmsh_touch(sys, addr, len, &f);
			break;
		case 8:
			r = vmsh_write(sys, addr, NULL, 0x5a, rnd(3000) + 1, &done, &f);
			break;
		case 9:
			vmsh_read(sys, addr, buf, sizeof(buf), &done, &f);
			r = vmsh_file_read(sys, n, rnd(8 << 12), buf, sizeof(buf), &done);
			break;
		case 10:
			if (rnd(2))
				r = vmsh_msync(sys, addr, len);
			else
				r = vmsh_madvise(sys, addr, len, VMSH_MADV_DONTNEED);
			break;
		default:
			r = vmsh_munmap(sys, addr, len);
			break;
		}
		ok[op] += r == 0;
		checked();
	}
	/* the run did something of every kind, not only fail */
	for (op = 0; op < 12; op++)
		ck_assert_msg(ok[op] > 0, "operation %d never succeeded", op);
	ck_assert_int_eq(vmsh_munmap(sys, A, 64 << 12), 0);
	checked();
}
END_TEST

Suite *filemap_suite(void)
{
	Suite *s = suite_create("filemap");
	TCase *tc;

	tc = t_tcase(s, "shared", setup, teardown);
	tcase_add_test(tc, test_filemap_seed_example);
	tcase_add_test(tc, test_filemap_shared_read_fault_around);
	tcase_add_test(tc, test_filemap_shared_anon_is_shmem);
	tcase_add_test(tc, test_filemap_maps_fields);
	tc = t_tcase(s, "cow", setup, teardown);
	tcase_add_test(tc, test_filemap_private_cow_and_fault_around);
	tc = t_tcase(s, "fault-around", setup, teardown);
	tcase_add_test(tc, test_filemap_cache_lookup_next);
	tcase_add_test(tc, test_filemap_fault_around_clipped_to_vma);
	tcase_add_test(tc, test_filemap_fault_around_disabled);
	tc = t_tcase(s, "sigbus", setup, teardown);
	tcase_add_test(tc, test_filemap_sigbus_past_eof);
	tc = t_tcase(s, "truncate", setup, teardown);
	tcase_add_test(tc, test_filemap_truncate_unmaps_and_sigbus);
	tcase_add_test(tc, test_filemap_truncate_unmaps_private_copies);
	tcase_add_test(tc, test_filemap_disk_truncate_eof_folio);
	tcase_add_test(tc, test_filemap_rm_mapped_file_deleted);
	tc = t_tcase(s, "write-notify", setup, teardown);
	tcase_add_test(tc, test_filemap_disk_page_mkwrite_and_msync);
	tcase_add_test(tc, test_filemap_disk_write_first_access);
	tcase_add_test(tc, test_filemap_tmpfs_no_write_notify);
	tc = t_tcase(s, "readahead", setup, teardown);
	tcase_add_test(tc, test_filemap_disk_readahead_mark);
	tcase_add_test(tc, test_filemap_disk_willneed_reads_ahead);
	tcase_add_test(tc, test_filemap_disk_exec_readahead);
	tcase_add_test(tc, test_filemap_disk_large_folios);
	tcase_add_test(tc, test_filemap_disk_truncate_folio_first_page);
	tc = t_tcase(s, "page-flags", setup, teardown);
	tcase_add_test(tc, test_filemap_disk_write_past_eof_and_da_alloc);
	tcase_add_test(tc, test_filemap_accessed_marks);
	tc = t_tcase(s, "merge", setup, teardown);
	tcase_add_test(tc, test_filemap_separate_mmaps_do_not_merge);
	tc = t_tcase(s, "oom", setup, teardown);
	tcase_add_test(tc, test_filemap_finish_fault_oom);
	tc = t_tcase(s, "random", setup, teardown);
	tcase_add_test(tc, test_filemap_random_invariants);
	return s;
}
