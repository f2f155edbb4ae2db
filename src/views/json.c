/* SPDX-License-Identifier: MIT */
/*
 * The JSON forms of the model's views (--format=json, `set format json`):
 * one JSON object per view, built with jansson from the same walkers the
 * text views read.  The man page (JSON OUTPUT) lists every key;
 * tests/json/schema.json is the schema the tests check them against.
 *
 * Invariants
 *  - Keys come in a fixed order (insertion order, which jansson keeps).
 *  - Numbers are JSON integers; an address or a frame number is also given
 *    as "KEY_hex": "0x..." (JSON readers that hold numbers as doubles lose
 *    bits above 2^53).  A raw page-table entry (bit 63 is NX) is given
 *    only as "entry_hex".
 *  - Sizes are in bytes unless the key says pages.
 *  - A view with no JSON form answers -EOPNOTSUPP and prints nothing; to
 *    give a new view one, add its case to view_json_print().
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "vmsh/mt.h"
#include "vmsh/replace.h"
#include "views.h"
#include "views-int.h"

/* ---- helpers -------------------------------------------------------------- */

json_t *view_json_u64(uint64_t v)
{
	if (v > (uint64_t)INT64_MAX)
		return json_real((double)v);
	return json_integer((json_int_t)v);
}

void view_json_set_num(json_t *o, const char *key, uint64_t v)
{
	json_object_set_new(o, key, view_json_u64(v));
}

void view_json_set_addr(json_t *o, const char *key, uint64_t v)
{
	char k[64], hex[24];

	view_json_set_num(o, key, v);
	snprintf(k, sizeof(k), "%s_hex", key);
	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)v);
	json_object_set_new(o, k, json_string(hex));
}

static void set_hex_only(json_t *o, const char *key, uint64_t v)
{
	char hex[24];

	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)v);
	json_object_set_new(o, key, json_string(hex));
}

json_t *view_json_str(const char *s, size_t len)
{
	json_t *j = json_stringn(s, len);
	char *copy;

	if (j)
		return j;
	copy = malloc(len + 1);
	if (!copy)
		abort();
	for (size_t i = 0; i < len; i++)
		copy[i] = (unsigned char)s[i] >= 0x80 ? '?' : s[i];
	j = json_stringn(copy, len);
	free(copy);
	return j;
}

static json_t *str_or_null(const char *s)
{
	return s ? view_json_str(s, strlen(s)) : json_null();
}

static void set_str(json_t *o, const char *key, const char *s)
{
	json_object_set_new(o, key, str_or_null(s));
}

void view_json_dump(json_t *o, FILE *out)
{
	json_dumpf(o, out, JSON_COMPACT);
	json_decref(o);
}

/* The words of a space-separated list ("P RW US") as an array. */
static json_t *word_array(const char *s)
{
	json_t *a = json_array();

	while (*s) {
		size_t n = strcspn(s, " ");

		if (n)
			json_array_append_new(a, json_stringn(s, n));
		s += n;
		s += strspn(s, " ");
	}
	return a;
}

static json_t *pte_bits(uint64_t entry, bool leaf)
{
	char bits[128];

	fmt_pte_bits(entry, leaf, bits, sizeof(bits));
	return word_array(bits);
}

json_t *view_json_fault(const struct vmsh_fault *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "pid", json_integer(f->pid));
	json_object_set_new(o, "signo", json_integer(f->signo));
	set_str(o, "name", fmt_signal_name(f->signo));
	if (f->signo == SIGKILL) {
		set_str(o, "code", "OOM");
	} else {
		set_str(o, "code", fmt_signal_code(f->signo, f->code));
		view_json_set_addr(o, "addr", f->addr);
	}
	return o;
}

void view_json_bytes(FILE *out, const char *key, uint64_t base,
		     const uint8_t *buf, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	json_t *o = json_object();
	char *hex = malloc(2 * len + 1);

	if (!hex)
		abort();
	for (size_t i = 0; i < len; i++) {
		hex[2 * i] = digits[buf[i] >> 4];
		hex[2 * i + 1] = digits[buf[i] & 15];
	}
	view_json_set_addr(o, key, base);
	view_json_set_num(o, "len", len);
	json_object_set_new(o, "data_hex", json_stringn(hex, 2 * len));
	free(hex);
	view_json_dump(o, out);
}

static json_t *pid_object(int pid)
{
	json_t *o = json_object();

	json_object_set_new(o, "pid", json_integer(pid));
	return o;
}

/* ---- tasks, files, devices ------------------------------------------------ */

static json_t *id_or_null(unsigned id)
{
	return id ? json_integer(id) : json_null();
}

static int ps_cb(void *ctx, const struct vmsh_task_info *t)
{
	json_t *o = json_object();

	json_object_set_new(o, "pid", json_integer(t->pid));
	json_object_set_new(o, "ppid", json_integer(t->ppid));
	set_str(o, "kind", task_kind_name(t->kind));
	json_object_set_new(o, "mm", id_or_null(t->mm_id));
	json_object_set_new(o, "active_mm", id_or_null(t->active_mm_id));
	json_object_set_new(o, "mm_users", json_integer(t->mm_users));
	json_object_set_new(o, "mm_count", json_integer(t->mm_count));
	view_json_set_num(o, "vmas", t->map_count);
	view_json_set_num(o, "rss_pages", t->rss_pages);
	json_object_set_new(o, "cpu", json_integer(t->cpu));
	json_object_set_new(o, "current", json_boolean(t->current));
	json_array_append_new(ctx, o);
	return 0;
}

static int files_cb(void *ctx, const struct vmsh_file_info *fi)
{
	json_t *o = json_object();

	set_str(o, "name", fi->name);
	view_json_set_num(o, "size", fi->size);
	view_json_set_num(o, "ino", fi->ino);
	view_json_set_num(o, "cached_pages", fi->cached_pages);
	view_json_set_num(o, "dirty_pages", fi->dirty_pages);
	json_object_set_new(o, "mapcount", json_integer(fi->mapcount));
	set_str(o, "kind", fi->disk ? "disk" : "tmpfs");
	json_array_append_new(ctx, o);
	return 0;
}

static int devs_cb(void *ctx, const struct vmsh_dev_info *d)
{
	json_t *o = json_object();

	set_str(o, "path", d->path);
	set_str(o, "description", d->description ? d->description : "");
	json_array_append_new(ctx, o);
	return 0;
}

/* ---- VMAs, the tree, mm_struct -------------------------------------------- */

static int vma_cb(void *ctx, const struct vmsh_vma_info *v)
{
	json_t *o = json_object();
	char perms[5], fl[256];

	view_json_set_addr(o, "start", v->start);
	view_json_set_addr(o, "end", v->end);
	view_json_set_num(o, "size", v->end - v->start);
	set_str(o, "perms", fmt_perms(v->flags, perms));
	view_json_set_addr(o, "vm_flags", v->flags);
	fmt_vmflags(v->flags, fl, sizeof(fl));
	json_object_set_new(o, "vm_flags_names", word_array(fl));
	view_json_set_num(o, "pgoff", v->pgoff);
	set_str(o, "file", v->name);
	json_object_set_new(o, "anon_vma", id_or_null(v->anon_vma_id));
	view_json_set_num(o, "rss_pages", v->rss_pages);
	set_str(o, "vm_ops", v->vm_ops ? v->vm_ops : "NULL");
	json_array_append_new(ctx, o);
	return 0;
}

static void tree_cb(void *ctx, int depth, char side, bool red, uint64_t start,
		    uint64_t end, uint64_t gap)
{
	json_t *o = json_object();
	char s[2] = { side ? side : '-', '\0' };

	json_object_set_new(o, "depth", json_integer(depth));
	set_str(o, "side", s);
	set_str(o, "color", red ? "red" : "black");
	view_json_set_addr(o, "start", start);
	view_json_set_addr(o, "end", end);
	view_json_set_addr(o, "subtree_gap", gap);
	json_array_append_new(ctx, o);
}

static int mm_json(const struct vmsh_sys *sys, int pid, json_t *o)
{
	struct vmsh_mm_info m;
	int ret;

	memset(&m, 0, sizeof(m));
	ret = vmsh_mm_info(sys, pid, &m);
	if (ret < 0)
		return ret;
	json_object_set_new(o, "id", json_integer(m.id));
	json_object_set_new(o, "mm_users", json_integer(m.mm_users));
	json_object_set_new(o, "mm_count", json_integer(m.mm_count));
	view_json_set_num(o, "map_count", m.map_count);
	view_json_set_num(o, "total_vm_pages", m.total_vm);
	view_json_set_num(o, "locked_vm_pages", m.locked_vm);
	view_json_set_num(o, "data_vm_pages", m.data_vm);
	view_json_set_num(o, "exec_vm_pages", m.exec_vm);
	view_json_set_num(o, "stack_vm_pages", m.stack_vm);
	view_json_set_num(o, "rss_file_pages", m.rss_file);
	view_json_set_num(o, "rss_anon_pages", m.rss_anon);
	view_json_set_num(o, "rss_shmem_pages", m.rss_shmem);
	view_json_set_num(o, "rss_swap_pages", m.rss_swap);
	view_json_set_num(o, "hiwater_rss_pages", m.hiwater_rss);
	view_json_set_addr(o, "pgd_pfn", m.pgd_pfn);
	view_json_set_num(o, "pgtables_bytes", m.pgtables_bytes);
	view_json_set_addr(o, "task_size", m.task_size);
	view_json_set_addr(o, "mmap_base", m.mmap_base);
	view_json_set_addr(o, "start_brk", m.start_brk);
	view_json_set_addr(o, "brk", m.brk);
	view_json_set_addr(o, "start_stack", m.start_stack);
	return 0;
}

/* ---- paging ---------------------------------------------------------------- */

static const char *walk_end_name(enum vmsh_walk_end e)
{
	switch (e) {
	case VMSH_WALK_MAPPED: return "mapped";
	case VMSH_WALK_NOT_PRESENT: return "not_present";
	case VMSH_WALK_PROTNONE: return "protnone";
	case VMSH_WALK_NO_MM: return "no_mm";
	case VMSH_WALK_NONCANONICAL: return "noncanonical";
	case VMSH_WALK_SWAP: return "swap";
	}
	return "?";
}

static int walk_json(const struct vmsh_sys *sys, int pid, uint64_t addr,
		     json_t *o)
{
	struct vmsh_walk w;
	json_t *steps = json_array();
	int ret;

	memset(&w, 0, sizeof(w));
	ret = vmsh_walk(sys, pid, addr, &w);
	if (ret < 0) {
		json_decref(steps);
		return ret;
	}
	view_json_set_addr(o, "addr", addr);
	for (int i = 0; i < w.nsteps && i < 5; i++) {
		const struct vmsh_walk_step *s = &w.step[i];
		json_t *st = json_object();

		set_str(st, "level", s->level ? s->level : "?");
		json_object_set_new(st, "index", json_integer(s->index));
		view_json_set_addr(st, "table_pfn", s->table_pfn);
		set_hex_only(st, "entry_hex", s->entry);
		json_object_set_new(st, "bits", pte_bits(s->entry, s->level &&
							 !strcmp(s->level, "PTE")));
		json_array_append_new(steps, st);
	}
	json_object_set_new(o, "steps", steps);
	set_str(o, "end", walk_end_name(w.end));
	if (w.end == VMSH_WALK_MAPPED) {
		view_json_set_addr(o, "pfn", w.pfn);
		view_json_set_addr(o, "phys", w.phys);
	} else {
		json_object_set_new(o, "pfn", json_null());
		json_object_set_new(o, "phys", json_null());
	}
	return 0;
}

static void pt_cb(void *ctx, int depth, const char *level, uint64_t va,
		  unsigned index, uint64_t entry)
{
	json_t *o = json_object();

	json_object_set_new(o, "depth", json_integer(depth));
	set_str(o, "level", level ? level : "?");
	json_object_set_new(o, "index", json_integer(index));
	view_json_set_addr(o, "va", va);
	set_hex_only(o, "entry_hex", entry);
	json_object_set_new(o, "bits", pte_bits(entry, level && !strcmp(level, "PTE")));
	json_array_append_new(ctx, o);
}

static int frame_cb(void *ctx, const struct vmsh_frame_info *fr)
{
	json_t *o = json_object();

	view_json_set_addr(o, "pfn", fr->pfn);
	json_object_set_new(o, "refcount", json_integer(fr->refcount));
	json_object_set_new(o, "mapcount", json_integer(fr->mapcount));
	set_str(o, "owner", fr->owner ? fr->owner : "?");
	json_object_set_new(o, "dirty", json_boolean(fr->dirty));
	json_object_set_new(o, "exclusive", json_boolean(fr->exclusive));
	json_array_append_new(ctx, o);
	return 0;
}

/* ---- the maple tree -------------------------------------------------------- */

/* Its ranges reach ULONG_MAX: given as hex strings only. */
static int mt_cb(void *ctx, const struct vmsh_mt_node *n)
{
	json_t *o = json_object(), *slots = json_array();

	json_object_set_new(o, "id", json_integer(n->id));
	json_object_set_new(o, "level", json_integer(n->level));
	json_object_set_new(o, "parent", n->level ? json_integer(n->parent) : json_null());
	json_object_set_new(o, "parent_slot", n->level ? json_integer(n->parent_slot) :
							  json_null());
	set_str(o, "kind", n->kind);
	set_hex_only(o, "min_hex", n->min);
	set_hex_only(o, "max_hex", n->max);
	json_object_set_new(o, "nr", json_integer(n->nr));
	json_object_set_new(o, "slots", json_integer(n->slots));
	json_object_set_new(o, "leaf", json_boolean(n->leaf));
	for (unsigned i = 0; i < n->nr && i < VMSH_MT_SLOTS; i++) {
		json_t *sl = json_object();

		set_hex_only(sl, "first_hex", n->first[i]);
		set_hex_only(sl, "last_hex", n->pivot[i]);
		json_object_set_new(sl, "child", n->leaf ? json_null() :
							json_integer(n->child[i]));
		json_object_set_new(sl, "vma", json_boolean(n->leaf && n->entry[i]));
		if (n->has_gaps && (!n->leaf || !n->entry[i]))
			set_hex_only(sl, "gap_hex", n->gap[i]);
		else
			json_object_set_new(sl, "gap_hex", json_null());
		json_array_append_new(slots, sl);
	}
	json_object_set_new(o, "entries", slots);
	json_array_append_new(ctx, o);
	return 0;
}

static int mt_json(const struct vmsh_sys *sys, int pid, json_t *o)
{
	unsigned height, nodes;
	json_t *items;
	int ret = vmsh_mt_info(sys, pid, &height, &nodes);

	if (ret < 0)
		return ret;
	json_object_set_new(o, "height", json_integer(height));
	items = json_array();
	json_object_set_new(o, "nodes", items);
	return vmsh_mt_walk(sys, pid, mt_cb, items);
}

/* ---- the TLB, the counters, the checker ----------------------------------- */

static json_t *tlb_cpus(const struct vmsh_sys *sys)
{
	json_t *a = json_array();
	struct vmsh_tlb_cpu_info c;

	for (int i = 0; vmsh_tlb_cpu_info(sys, i, &c); i++) {
		json_t *o = json_object(), *asids = json_array(), *t2;

		json_object_set_new(o, "cpu", json_integer(c.cpu));
		json_object_set_new(o, "entries", json_integer(c.entries));
		json_object_set_new(o, "sets", json_integer(c.sets));
		json_object_set_new(o, "ways", json_integer(c.ways));
		json_object_set_new(o, "valid", json_integer(c.valid));
		t2 = json_object();
		json_object_set_new(t2, "entries", json_integer(c.entries_2m));
		json_object_set_new(t2, "sets", json_integer(c.sets_2m));
		json_object_set_new(t2, "ways", json_integer(c.ways_2m));
		json_object_set_new(t2, "valid", json_integer(c.valid_2m));
		json_object_set_new(o, "tlb_2m", t2);
		json_object_set_new(o, "pid", c.pid ? json_integer(c.pid) : json_null());
		json_object_set_new(o, "loaded_mm", id_or_null(c.loaded_mm_id));
		json_object_set_new(o, "asid", json_integer(c.asid));
		json_object_set_new(o, "lazy", json_boolean(c.lazy));
		for (int k = 0; k < VMSH_TLB_NR_ASIDS; k++) {
			json_t *s = json_object();

			json_object_set_new(s, "mm", id_or_null(c.asid_mm_id[k]));
			view_json_set_num(s, "gen", c.asid_gen[k]);
			json_array_append_new(asids, s);
		}
		json_object_set_new(o, "asids", asids);
		view_json_set_num(o, "hits", c.hits);
		view_json_set_num(o, "misses", c.misses);
		view_json_set_num(o, "walk_refs", c.walk_refs);
		view_json_set_num(o, "flushes", c.flushes);
		view_json_set_num(o, "shootdowns", c.shootdowns);
		view_json_set_num(o, "stale_hits", c.stale_hits);
		json_array_append_new(a, o);
	}
	return a;
}

static int tlb_cb(void *ctx, const struct vmsh_tlb_entry_info *e)
{
	json_t *o = json_object();

	json_object_set_new(o, "cpu", json_integer(e->cpu));
	json_object_set_new(o, "set", json_integer(e->set));
	json_object_set_new(o, "way", json_integer(e->way));
	json_object_set_new(o, "asid", json_integer(e->asid));
	json_object_set_new(o, "mm", json_integer(e->mm_id));
	view_json_set_addr(o, "vpn", e->vpn);
	view_json_set_addr(o, "pfn", e->pfn);
	json_object_set_new(o, "page_size", json_integer(1LL << e->page_shift));
	json_object_set_new(o, "writable", json_boolean(e->writable));
	json_object_set_new(o, "user", json_boolean(e->user));
	json_object_set_new(o, "nx", json_boolean(e->nx));
	json_object_set_new(o, "accessed", json_boolean(e->accessed));
	json_object_set_new(o, "dirty", json_boolean(e->dirty));
	json_object_set_new(o, "current", json_boolean(e->current));
	json_array_append_new(ctx, o);
	return 0;
}

/* The counters whose name starts with @prefix, as one object. */
static int lru_json(void *ctx, const struct vmsh_lru_folio *f)
{
	json_t *o = json_object(), *flags = json_array();

	json_object_set_new(o, "pfn", json_integer((json_int_t)f->pfn));
	json_object_set_new(o, "kind", json_string(f->kind));
	if (f->path)
		json_object_set_new(o, "path", json_string(f->path));
	json_object_set_new(o, "index", json_integer((json_int_t)f->index));
	json_object_set_new(o, "pages", json_integer((json_int_t)f->nr_pages));
	json_object_set_new(o, "mapcount", json_integer(f->mapcount));
#define FLAG(x) if (f->x) json_array_append_new(flags, json_string(#x))
	FLAG(referenced); FLAG(workingset); FLAG(dirty); FLAG(swapcache);
	FLAG(reclaim); FLAG(lazyfree);
#undef FLAG
	json_object_set_new(o, "flags", flags);
	json_array_append_new(ctx, o);
	return 0;
}

static json_t *counters(const struct vmsh_sys *sys, const char *prefix)
{
	json_t *o = json_object();
	size_t plen = strlen(prefix);
	const char *name;
	uint64_t v;

	const struct vmsh_replace *r = vmsh_sys_replace(sys);

	for (size_t i = 0; vmsh_stat(sys, i, &name, &v); i++)
		if (!vmsh_stat_hidden(sys, i) && !strncmp(name, prefix, plen))
			view_json_set_num(o, name, v);
	if (r && !strncmp("replace_", prefix, plen)) {
		/* --replace: the text form's replace_* lines that are
		 * counts (the policy and the hit rate: replace_json) */
		struct vmsh_replace_stats st;

		vmsh_replace_get_stats(r, &st);
		view_json_set_num(o, "replace_frames", st.frames);
		view_json_set_num(o, "replace_resident", st.resident);
		view_json_set_num(o, "replace_refs", st.refs);
		view_json_set_num(o, "replace_hits", st.hits);
		view_json_set_num(o, "replace_faults", st.faults);
		view_json_set_num(o, "replace_evictions", st.evictions);
	}
	return o;
}

/* --replace: {"policy": NAME, "hit_rate": PERCENT}, or NULL when off. */
static json_t *replace_json(const struct vmsh_sys *sys)
{
	const struct vmsh_replace *r = vmsh_sys_replace(sys);
	struct vmsh_replace_stats st;
	json_t *o;

	if (!r)
		return NULL;
	vmsh_replace_get_stats(r, &st);
	o = json_object();
	json_object_set_new(o, "policy", json_string(vmsh_replace_name(st.policy)));
	json_object_set_new(o, "hit_rate",
			    json_real(st.refs ? 100.0 * (double)st.hits /
				      (double)st.refs : 0.0));
	return o;
}

static int check_json(const struct vmsh_sys *sys, json_t *o)
{
	char buf[512];
	int n;

	buf[0] = '\0';
	n = vmsh_check(sys, buf, sizeof(buf));
	json_object_set_new(o, "problems", json_integer(n));
	set_str(o, "first", n ? buf : NULL);
	return n;
}

/* ---- the entry point ------------------------------------------------------ */

/* A list view: {KEY: [items]} (with "pid" first for a task's view). */
static json_t *list_object(json_t *o, const char *key, json_t **items)
{
	*items = json_array();
	json_object_set_new(o, key, *items);
	return o;
}

int view_json_print(const struct vmsh_sys *sys, enum backend_view v,
		    const struct backend_view_args *a, FILE *out)
{
	int pid = a->pid ? a->pid : vmsh_current_pid(sys);
	json_t *o, *items;
	int ret = 0;

	if (a->pid && !vmsh_task_exists(sys, a->pid))
		return -ESRCH;
	switch (v) {
	case BV_PS:
		o = list_object(json_object(), "tasks", &items);
		ret = vmsh_task_walk(sys, ps_cb, items);
		break;
	case BV_FILES:
		o = list_object(json_object(), "files", &items);
		ret = vmsh_file_walk(sys, files_cb, items);
		break;
	case BV_DEVS:
		o = list_object(json_object(), "devices", &items);
		ret = vmsh_dev_walk(sys, devs_cb, items);
		break;
	case BV_VMAS:
		o = list_object(pid_object(pid), "vmas", &items);
		ret = vmsh_vma_walk(sys, a->pid, vma_cb, items);
		break;
	case BV_WALK:
		o = pid_object(pid);
		ret = walk_json(sys, a->pid, a->addr, o);
		break;
	case BV_PT:
		o = list_object(pid_object(pid), "entries", &items);
		ret = vmsh_pt_walk(sys, a->pid, a->start, a->end, pt_cb, items);
		break;
	case BV_TREE:
		o = list_object(pid_object(pid), "nodes", &items);
		ret = vmsh_tree_walk(sys, a->pid, tree_cb, items);
		break;
	case BV_MM:
		o = pid_object(pid);
		ret = mm_json(sys, a->pid, o);
		break;
	case BV_MT:
		o = pid_object(pid);
		ret = mt_json(sys, a->pid, o);
		break;
	case BV_TLB:
		o = json_object();
		json_object_set_new(o, "cpus", tlb_cpus(sys));
		list_object(o, "entries", &items);
		ret = vmsh_tlb_walk(sys, tlb_cb, items);
		json_object_set_new(o, "counters", counters(sys, "tlb"));
		break;
	case BV_FRAMES:
		o = list_object(json_object(), "frames", &items);
		ret = vmsh_frame_walk(sys, frame_cb, items);
		break;
	case BV_STAT:
		o = json_object();
		json_object_set_new(o, "counters", counters(sys, ""));
		if (vmsh_sys_replace(sys))
			json_object_set_new(o, "replace", replace_json(sys));
		break;
	case BV_CHECK:
		o = json_object();
		ret = check_json(sys, o);
		break;
	case BV_LRU: {
		json_t *lists = json_array();
		int l;

		for (l = 0; vmsh_lru_name(l); l++) {
			json_t *one, *folios;

			if (a->what && strcmp(a->what, vmsh_lru_name(l)))
				continue;
			one = json_object();
			folios = json_array();
			json_object_set_new(one, "name", json_string(vmsh_lru_name(l)));
			json_object_set_new(one, "pages", json_integer(
				(json_int_t)vmsh_lru_pages(sys, l)));
			vmsh_lru_walk(sys, l, lru_json, folios);
			json_object_set_new(one, "folios", folios);
			json_array_append_new(lists, one);
		}
		o = json_object();
		json_object_set_new(o, "lists", lists);
		break;
	}
	case BV_MEMINFO: {
		struct vmsh_meminfo m;

		vmsh_meminfo(sys, &m);
		o = json_object();
#define MI(k, v) json_object_set_new(o, k, json_integer((json_int_t)(v)))
		MI("MemTotal", m.mem_total); MI("MemFree", m.mem_free);
		MI("Cached", m.cached); MI("SwapCached", m.swap_cached);
		MI("Active(anon)", m.active_anon); MI("Inactive(anon)", m.inactive_anon);
		MI("Active(file)", m.active_file); MI("Inactive(file)", m.inactive_file);
		MI("Unevictable", m.unevictable); MI("Mlocked", m.mlocked);
		MI("SwapTotal", m.swap_total); MI("SwapFree", m.swap_free);
		MI("Dirty", m.dirty); MI("AnonPages", m.anon_pages);
		MI("Mapped", m.mapped); MI("Shmem", m.shmem);
		MI("PageTables", m.page_tables);
		MI("AnonHugePages", m.anon_huge_pages);
		MI("ShmemHugePages", m.shmem_huge_pages);
		MI("ShmemPmdMapped", m.shmem_pmd_mapped);
		MI("FileHugePages", m.file_huge_pages);
		MI("FilePmdMapped", m.file_pmd_mapped);
#undef MI
		break;
	}
	default:
		return -EOPNOTSUPP;
	}
	if (ret < 0) {
		json_decref(o);
		return ret;
	}
	view_json_dump(o, out);
	return ret;
}
