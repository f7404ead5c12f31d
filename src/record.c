// SPDX-License-Identifier: GPL-2.0
/* The ring buffer's records. See record.h. */
#include "record.h"

#include <string.h>

#include <linux/types.h>

#include "ksymtrace.h"

_Static_assert(RECORD_NARGS == KT_NARGS, "one number of argument registers");
_Static_assert(RECORD_VALS_MAX == KT_FETCH_MAX, "one number of values");
_Static_assert(KT_FETCH_MAX <= 16, "a value's bit in a 16-bit mask");

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

/* One value: its state fits its program (a string only where one is read,
 * nothing only where nothing is), its string lies inside the strings and ends
 * in the NUL the helpers write, within the bytes they are given. */
static bool decode_value(const struct kt_value *kv, unsigned int i, const struct record_probe *rp,
			 const char *strs, size_t strs_len, unsigned int string_size,
			 struct event_value *out, const char **why)
{
	bool str = rp->str_mask >> i & 1, none = rp->none_mask >> i & 1;
	size_t n;

	if (kv->pad)
		return bad(why, "padding that is not zero");
	if (kv->state > KT_VAL_FAULT)
		return bad(why, "an unknown state of a value");
	if ((kv->state == KT_VAL_NONE) != none)
		return bad(why, "a value read where nothing is, or not read where it is");
	if (kv->state == KT_VAL_STRING && !str)
		return bad(why, "a string where the value is a number");
	if (kv->state != KT_VAL_STRING && (kv->str_off || kv->str_len))
		return bad(why, "a string's place in a value that holds none");
	if (kv->state != KT_VAL_FAULT && kv->step)
		return bad(why, "a faulting read in a value that did not fault");
	if (kv->step > KT_FETCH_DEREFS + 1)
		return bad(why, "a faulting read past the last one");
	out->state = kv->state;
	out->v = kv->v;
	if (kv->state != KT_VAL_STRING)
		return true;
	if (!kv->str_len || kv->str_len > string_size + 2 ||
	    (size_t)kv->str_off + kv->str_len > strs_len)
		return bad(why, "a string outside the record's strings, or longer than is read");
	out->str = strs + kv->str_off;
	if (out->str[kv->str_len - 1])
		return bad(why, "a string without its NUL");
	n = strnlen(out->str, kv->str_len);
	out->cut = n > string_size;
	out->str_len = out->cut ? string_size : n;
	return true;
}

/* The values and strings after the header (and the stack's room). */
static bool decode_values(const struct kt_event *e, size_t vals_at, size_t size,
			  const struct record_shape *sh, struct event *ev, const char **why)
{
	static const struct record_probe none = { 0 };
	const struct record_probe *rp = sh->probes && e->probe != KT_PROBE_UNKNOWN ? &sh->probes[e->probe] : &none;
	const struct kt_value *kv = (const struct kt_value *)((const char *)e + vals_at);
	const char *strs = (const char *)(kv + e->nvals);

	if (e->nvals != rp->nvals)
		return bad(why, "a number of values that is not the probe's");
	if (size != vals_at + e->nvals * sizeof(*kv) + e->strs_len)
		return bad(why, "a record size that is not the sum of its parts");
	for (unsigned int i = 0; i < e->nvals; i++)
		if (!decode_value(&kv[i], i, rp, strs, e->strs_len, sh->string_size, &ev->vals[i], why))
			return false;
	ev->nvals = e->nvals;
	return true;
}

bool record__decode(const void *data, size_t size, const struct record_shape *sh,
		    struct event *ev, const char **why)
{
	const struct kt_event *e = data;
	bool ret, stack;
	size_t vals_at;

	memset(ev, 0, sizeof(*ev));
	if (size < KT_EVENT_NOSTACK_SZ)
		return bad(why, "a record shorter than its header");
	if (e->rec != KT_REC_EVENT)
		return bad(why, "an unknown record type");
	if (e->kind != KT_KPROBE && e->kind != KT_KRETPROBE)
		return bad(why, "an unknown kind of probe");
	if (e->probe >= sh->n_probes && e->probe != KT_PROBE_UNKNOWN)
		return bad(why, "a probe id past the plan");
	if (e->pid > RECORD_PID_MAX || e->tid > RECORD_PID_MAX)
		return bad(why, "a pid or tid past PID_MAX_LIMIT");
	if (e->cpu >= RECORD_CPU_MAX)
		return bad(why, "a CPU number past NR_CPUS");
	if (e->flags & ~KT_EV_STACK)
		return bad(why, "unknown flags");
	stack = e->flags & KT_EV_STACK;
	vals_at = stack ? sizeof(*e) : KT_EVENT_NOSTACK_SZ;
	if (size < vals_at)
		return bad(why, "a record too short for its stack");
	ret = e->kind == KT_KRETPROBE;
	/* a kretprobe's argument registers are zeroed, a kprobe has no return value */
	for (int i = 0; i < KT_NARGS; i++)
		if (ret && e->args[i])
			return bad(why, "arguments in a kretprobe's record");
	if (!ret && e->retval)
		return bad(why, "a return value in a kprobe's record");
	if (!decode_stack(e, stack, ev, why) || !decode_values(e, vals_at, size, sh, ev, why))
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
