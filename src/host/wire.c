/* SPDX-License-Identifier: MIT */
/*
 * --host: what a well-formed request is (protocol.h), checked by both
 * ends: the task refuses anything else before it makes a system call, so
 * bytes that are not the controller's request (text printed into a
 * task's socket, a forged or truncated header) can never become a call.
 *
 * Invariants:
 *  - A header that is not a request (magic, op, pad, payload length) is
 *    -EPROTO: the stream cannot be trusted past it, and the task stops.
 *  - A request whose values vmsh does not model (prot, flags, advice,
 *    lengths) is -EINVAL, the model's answer, and no call is made.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmsh/advice.h"
#include "vmsh/vmsh.h"
#include "protocol.h"

/*
 * The advice vmsh models: normal random sequential willneed dontneed, free
 * remove dontfork dofork mergeable unmergeable hugepage nohugepage dontdump
 * dodump wipeonfork keeponfork cold pageout populate_(read|write),
 * dontneed_locked, collapse, guard_install guard_remove.  Not hwpoison (100)
 * and soft_offline (101), which as root poison or offline real pages.  A
 * new advice the model learns must be added here to reach --host.
 */
bool host_advice_modelled(int advice)
{
	return (advice >= 0 && advice <= 4) || (advice >= 8 && advice <= 25) ||
	       advice == 102 || advice == 103;
}

int host_req_check(const struct host_req *rq)
{
	bool payload_ok = rq->plen == 0;

	if (rq->magic != HOST_MAGIC || rq->pad)
		return -EPROTO;
	switch (rq->op) {
	case HOST_MMAP:
		if (rq->plen > HOST_PATH_MAX)
			return -EPROTO;
		if ((rq->a[2] & ~(uint64_t)HOST_PROT_MODELLED) ||
		    (rq->a[3] & ~(uint64_t)HOST_MAP_MODELLED))
			return -EINVAL;
		return 0;
	case HOST_MPROTECT:
		if (!payload_ok)
			return -EPROTO;
		return rq->a[2] & ~(uint64_t)HOST_PROT_MODELLED ? -EINVAL : 0;
	case HOST_MREMAP:
		if (!payload_ok)
			return -EPROTO;
		return rq->a[3] & ~(uint64_t)(VMSH_MREMAP_MAYMOVE | VMSH_MREMAP_FIXED) ?
		       -EINVAL : 0;
	case HOST_MADVISE:
		if (!payload_ok)
			return -EPROTO;
		return rq->a[2] > INT32_MAX || !host_advice_modelled((int)rq->a[2]) ?
		       -EINVAL : 0;
	case HOST_MLOCK:
		if (!payload_ok)
			return -EPROTO;
		return rq->a[2] & ~(uint64_t)VMSH_MLOCK_ONFAULT ? -EINVAL : 0;
	case HOST_MLOCKALL:
		if (!payload_ok)
			return -EPROTO;
		return rq->a[0] & ~(uint64_t)7 ? -EINVAL : 0;
	case HOST_WRITE:
		/* a[3]: 1 when the payload is the bytes (then a[1] of them) */
		if (rq->a[3] > 1 || (rq->a[3] ? rq->plen != rq->a[1] : !payload_ok))
			return -EPROTO;
		return rq->a[2] > 0xff ? -EINVAL : 0;
	case HOST_READ:
		if (!payload_ok)
			return -EPROTO;
		return rq->a[1] > UINT32_MAX ? -EINVAL : 0;
	case HOST_MUNMAP:
	case HOST_BRK:
	case HOST_MSYNC:
	case HOST_TOUCH:
	case HOST_FORK:
	case HOST_CLONE:
	case HOST_EXIT:
	case HOST_EXEC:
	case HOST_PING:
	case HOST_MUNLOCK:
	case HOST_MUNLOCKALL:
	case HOST_MSEAL:
		return payload_ok ? 0 : -EPROTO;
	default:
		return -EPROTO;
	}
}
