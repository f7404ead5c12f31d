/* SPDX-License-Identifier: GPL-2.0 */
/* The one decoder of the records the BPF programs write to the ring buffer
 * (struct kt_event, bpf/ksymtrace.h). A record comes from kernel memory that
 * user space cannot vouch for: every field is checked against what the programs
 * can write, and a record that fails a check is malformed, counted and never
 * printed. Printers (events.h) take decoded events only. No I/O, no clock: a
 * fuzzer runs it (tests/fuzz/fuzz_events.c). */
#ifndef KSYMTRACE_RECORD_H
#define KSYMTRACE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RECORD_NARGS 6
/* PID_MAX_LIMIT (include/linux/threads.h): no pid or tid is larger */
#define RECORD_PID_MAX 4194304u
/* NR_CPUS is at most 8192 on every architecture (x86's MAXSMP, powerpc) */
#define RECORD_CPU_MAX 8192u
/* bpf_get_stack() fails with a negative errno, at most MAX_ERRNO */
#define RECORD_ERRNO_MAX 4095
/* values a record holds at most (KT_FETCH_MAX) */
#define RECORD_VALS_MAX 12

/* What the records of one probe hold besides the header: the plan's fetch
 * programs (probe_values.h) say it, and a record that says otherwise would put a
 * value under another's name. */
struct record_probe {
	uint8_t nvals;      /* values in each of its records */
	uint16_t str_mask;  /* bit i: value i is read as a string (it may hold one) */
	uint16_t none_mask; /* bit i: value i is never read (nothing is recorded) */
};

struct record_shape {
	size_t n_probes;
	const struct record_probe *probes; /* per probe id; NULL: none records values */
	unsigned int string_size;          /* --string-size */
};

/* One value of an event, as the BPF side read it (enum kt_val_state). */
struct event_value {
	uint8_t state;       /* KT_VAL_NONE, _VALUE, _STRING, _FAULT */
	uint64_t v;          /* the value; a string's address; the address that faulted */
	const char *str;     /* KT_VAL_STRING: its bytes, into the record, not NUL-terminated */
	size_t str_len;      /* ... at most string_size of them */
	bool cut;            /* the string goes on past string_size bytes */
};

struct event {
	uint32_t probe;      /* a probe id below the plan's count, or KT_PROBE_UNKNOWN */
	bool ret;            /* a kretprobe's: retval, and no arguments */
	uint64_t ts_ns;      /* CLOCK_MONOTONIC, any value: printers must not overflow on it */
	uint64_t addr;       /* the address the program saw (named only when unidentified) */
	uint64_t args[RECORD_NARGS];
	uint64_t retval;
	uint32_t pid, tid, cpu;
	const char *comm;    /* into the record, comm_len bytes, not NUL-terminated */
	size_t comm_len;
	bool has_stack;      /* recorded with --stack */
	int stack_err;       /* the errno bpf_get_stack() failed with, or 0 */
	size_t n_frames;
	const uint64_t *frames; /* into the record */
	size_t nvals;        /* the probe's values, in its fetch programs' order */
	struct event_value vals[RECORD_VALS_MAX];
};

/* Decode the record at DATA (SIZE bytes as the ring buffer states it; 8-byte
 * aligned, as its records are) of a run whose probes SH describes into EV, whose
 * pointers point into DATA. Returns true, or false with *WHY saying which check
 * failed for a record the BPF programs cannot have written. */
bool record__decode(const void *data, size_t size, const struct record_shape *sh,
		    struct event *ev, const char **why);

#endif
