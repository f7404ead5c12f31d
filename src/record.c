// SPDX-License-Identifier: GPL-2.0
/* The ring buffer's records. See record.h. */
#include "record.h"

#include <string.h>

#include <linux/types.h>

#include "ksymtrace.h"

_Static_assert(RECORD_NARGS == KT_NARGS, "one number of argument registers");

static bool bad(const char **why, const char *what)
{
	*why = what;
	return false;
}

/* stack_sz: bytes bpf_get_stack() filled (whole frames, KT_STACK_MAX at most),
 * a negative errno, or 0 when the record has no room for a stack. */
static bool decode_stack(const struct kt_event *e, bool room, struct event *ev, const char **why)
{
	int32_t sz = e->stack_sz;

	ev->has_stack = room;
	if (!room)
		return sz == 0 || bad(why, "a stack size in a record without a stack");
	if (sz < 0) {
		if (sz < -RECORD_ERRNO_MAX)
			return bad(why, "a stack error past MAX_ERRNO");
		ev->stack_err = -sz;
		return true;
	}
	if (sz % 8 || (size_t)sz > sizeof(e->stack))
		return bad(why, "a stack size that is not a whole number of frames that fit");
	ev->n_frames = (size_t)sz / sizeof(e->stack[0]);
	ev->frames = (const uint64_t *)e->stack;
	return true;
}

bool record__decode(const void *data, size_t size, size_t n_probes, struct event *ev,
		    const char **why)
{
	const struct kt_event *e = data;
	bool ret;

	memset(ev, 0, sizeof(*ev));
	/* the programs reserve one of two sizes, whole */
	if (size != KT_EVENT_NOSTACK_SZ && size != sizeof(*e))
		return bad(why, "a record size the programs never reserve");
	if (e->rec != KT_REC_EVENT)
		return bad(why, "an unknown record type");
	if (e->kind != KT_KPROBE && e->kind != KT_KRETPROBE)
		return bad(why, "an unknown kind of probe");
	if (e->probe >= n_probes && e->probe != KT_PROBE_UNKNOWN)
		return bad(why, "a probe id past the plan");
	if (e->pid > RECORD_PID_MAX || e->tid > RECORD_PID_MAX)
		return bad(why, "a pid or tid past PID_MAX_LIMIT");
	if (e->cpu >= RECORD_CPU_MAX)
		return bad(why, "a CPU number past NR_CPUS");
	if (e->pad)
		return bad(why, "padding that is not zero");
	ret = e->kind == KT_KRETPROBE;
	/* a kretprobe's argument registers are zeroed, a kprobe has no return value */
	for (int i = 0; i < KT_NARGS; i++)
		if (ret && e->args[i])
			return bad(why, "arguments in a kretprobe's record");
	if (!ret && e->retval)
		return bad(why, "a return value in a kprobe's record");
	if (!decode_stack(e, size == sizeof(*e), ev, why))
		return false;
	ev->probe = e->probe;
	ev->ret = ret;
	ev->ts_ns = e->ts_ns;
	ev->addr = e->addr;
	memcpy(ev->args, e->args, sizeof(ev->args));
	ev->retval = e->retval;
	ev->pid = e->pid;
	ev->tid = e->tid;
	ev->cpu = e->cpu;
	ev->comm = e->comm;
	ev->comm_len = strnlen(e->comm, KT_COMM_LEN);
	return true;
}
