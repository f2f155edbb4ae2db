/* SPDX-License-Identifier: MIT */
/*
 * The walkers of the public API (vmsh.h), first written over the indexed
 * info calls; the read-only views of the model replace them.
 */
#include "config.h"

#include <errno.h>

#include "task.h"

int vmsh_task_walk(const struct vmsh_sys *sys, vmsh_task_fn *fn, void *ctx)
{
	struct vmsh_task_info t;
	int r;

	for (size_t i = 0; vmsh_task_info(sys, i, &t); i++)
		if ((r = fn(ctx, &t)))
			return r;
	return 0;
}

int vmsh_file_walk(const struct vmsh_sys *sys, vmsh_file_fn *fn, void *ctx)
{
	struct vmsh_file_info f;
	int r;

	for (size_t i = 0; vmsh_file_info(sys, i, &f); i++)
		if ((r = fn(ctx, &f)))
			return r;
	return 0;
}

int vmsh_dev_walk(const struct vmsh_sys *sys, vmsh_dev_fn *fn, void *ctx)
{
	struct vmsh_dev_info d;
	int r;

	for (size_t i = 0; vmsh_dev_info(sys, i, &d); i++)
		if ((r = fn(ctx, &d)))
			return r;
	return 0;
}

int vmsh_vma_walk(const struct vmsh_sys *sys, int pid, vmsh_vma_fn *fn,
		  void *ctx)
{
	struct vmsh_vma_info v;
	int r;

	if (!task_of_pid(sys, pid))
		return -ESRCH;
	for (size_t i = 0; vmsh_vma_info(sys, pid, i, &v); i++)
		if ((r = fn(ctx, &v)))
			return r;
	return 0;
}

int vmsh_frame_walk(const struct vmsh_sys *sys, vmsh_frame_fn *fn, void *ctx)
{
	struct vmsh_frame_info fr;
	int r;

	for (size_t i = 0; vmsh_frame_info(sys, i, &fr); i++)
		if ((r = fn(ctx, &fr)))
			return r;
	return 0;
}

int vmsh_tlb_walk(const struct vmsh_sys *sys, vmsh_tlb_fn *fn, void *ctx)
{
	struct vmsh_tlb_entry_info e;
	int r;

	for (size_t i = 0; vmsh_tlb_entry(sys, i, &e); i++)
		if ((r = fn(ctx, &e)))
			return r;
	return 0;
}
