// SPDX-License-Identifier: GPL-2.0
/* ksymtrace attach SPEC...: the options, then one plan (plan.h) for --dry-run and
 * a real attach alike, the BPF engine (tracer.h) and the run loop (run.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/types.h>

#include "attach_mods.h"
#include "attach_plan.h"
#include "cli.h"
#include "events.h"
#include "expect.h"
#include "fetch.h"
#include "kbtf.h"
#include "kernel.h"
#include "ksyms_cache.h"
#include "ksymtrace.h"
#include "log.h"
#include "modfile.h"
#include "parse.h"
#include "plan.h"
#include "probe_values.h"
#include "run.h"
#include "spec.h"
#include "traceable.h"
#include "tracefs.h"
#include "tracer.h"

#define RINGBUF_DEFAULT (4u << 20)

struct attach_args {
	char **specs;
	int n_specs;
	bool ret, all, dry_run, force, skip_failed, follow, count, stack;
	const char *module;
	uint64_t addr;
	bool has_addr;
	uint32_t pid;
	const char *comm;
	char comm_buf[KT_COMM_LEN];
	const char *cmd;
	double duration;
	uint64_t max_events;
	size_t ringbuf;
	bool raw;
	const char *exprs[KT_ARG_EXPRS_MAX + 1]; /* --arg; one more, to say "too many" */
	size_t n_exprs;
	unsigned int string_size;
	struct modfile_files files;
	size_t max_probes;
	bool clones, no_multi;
	unsigned int maxactive;
	const char *expects[EXPECT_MAX + 1]; /* --expect; one more, to say "too many" */
	size_t n_expects;
};

enum {
	OPT_ADDR = 1000,
	OPT_COMM,
	OPT_FOLLOW,
	OPT_COUNT,
	OPT_DRY_RUN,
	OPT_FORCE,
	OPT_SKIP_FAILED,
	OPT_ARG,
	OPT_RAW,
	OPT_STRING_SIZE,
	OPT_MODFILE,
	OPT_MAX_PROBES,
	OPT_CLONES,
	OPT_NO_MULTI,
	OPT_MAXACTIVE,
	OPT_EXPECT,
};

static const struct argp_option opts[] = {
	{ NULL, 0, NULL, 0, "Which probes:", 1 },
	{ "ret", 'r', NULL, 0, "Make every probe a kretprobe (like SPEC%return)", 1 },
	{ "all", 'a', NULL, 0, "Take every symbol a SPEC names (all instances of a duplicated name)", 1 },
	{ "addr", OPT_ADDR, "ADDR", 0, "Take the instance that starts at ADDR (like NAME@ADDR)", 1 },
	{ "module", 'm', "MOD", 0, "Take the instances in module MOD ('vmlinux' for the core kernel)", 1 },
	{ "force", OPT_FORCE, NULL, 0, "Probe past a function's end, at an unchecked offset, or in notrace code", 1 },
	{ "skip-failed", OPT_SKIP_FAILED, NULL, 0, "Go on without the probes that are refused, and list them", 1 },
	{ "max-probes", OPT_MAX_PROBES, "N", 0, "A glob takes at most N matches; more are refused (default 1000)", 1 },
	{ "clones", OPT_CLONES, NULL, 0, "Also probe an exact name's compiler clones (NAME.isra.0, NAME.constprop.0, ...), which calls go through", 1 },
	{ "dry-run", OPT_DRY_RUN, NULL, 0, "Resolve, check and load (the verifier runs), print the plan, attach nothing", 1 },
	MODFILE_ARGP_OPTION(OPT_MODFILE, 1),
	{ NULL, 0, NULL, 0, "What to record:", 2 },
	{ "pid", 'p', "PID", 0, "Only events of process PID; stop when it exits", 2 },
	{ "comm", OPT_COMM, "COMM", 0, "Only events of tasks named COMM (15 bytes at most, as the kernel keeps them)", 2 },
	{ "stack", 's', NULL, 0, "Record the kernel stack of each event", 2 },
	{ "count", OPT_COUNT, NULL, 0, "Count hits per probe instead of printing events", 2 },
	{ "ringbuf-size", 'b', "SIZE", 0, "Ring buffer size: KiB, or with a K, M or G suffix; a power of two, at least a page (default 4M)", 2 },
	{ "arg", OPT_ARG, "EXPR", 0, "Record EXPR (perf probe's syntax, typed from BTF) instead of the parameters; repeatable, 8 at most", 2 },
	{ "raw", OPT_RAW, NULL, 0, "Raw registers, not parameters typed from BTF (BTF is not read)", 2 },
	{ "string-size", OPT_STRING_SIZE, "N", 0, "Record at most N bytes of each string (default 64, at most 1024)", 2 },
	{ NULL, 0, NULL, 0, "How to attach:", 3 },
	{ "no-multi", OPT_NO_MULTI, NULL, 0, "One kprobe per address, never a kprobe_multi link", 3 },
	{ "maxactive", OPT_MAXACTIVE, "N", 0, "Kretprobes as tracefs events with N instances each (1-4096): calls beyond N at once are missed, and counted", 3 },
	{ NULL, 0, NULL, 0, "When to stop (default: Ctrl-C or SIGTERM):", 4 },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS (decimals allowed)", 4 },
	{ "max-events", 'n', "N", 0, "Stop after N events", 4 },
	{ "cmd", 'c', "CMD", 0, "Run CMD with /bin/sh -c once every probe is attached; stop when it exits", 4 },
	{ "follow", OPT_FOLLOW, NULL, 0, "With -c: only events of CMD's process", 4 },
	{ NULL, 0, NULL, 0, "What the run must show (scripted tests):", 5 },
	{ "expect", OPT_EXPECT, "EXPR", 0, "Check EXPR at the end ('c_start#1 >= 1', 'missed:PROBE == 0', 'PROBE%return retval any == 0'); exit 4 when one fails; repeatable", 5 },
	{},
};

/* The options that do not go together, once all are known. */
static void check_args(struct argp_state *state, const struct attach_args *a)
{
	if (a->n_specs == 0)
		argp_error(state, "give at least one SPEC: NAME, NAME+OFF, MOD:NAME, NAME#N, NAME@ADDR or ADDR");
	if (a->follow && !a->cmd)
		argp_error(state, "--follow follows the process of -c CMD: give -c");
	if (a->follow && a->pid)
		argp_error(state, "--follow and -p both choose the process: give one");
	if (a->all && a->has_addr)
		argp_error(state, "--all takes every instance and --addr one: give one");
	if (a->has_addr && a->n_specs > 1)
		argp_error(state, "--addr picks one instance of one SPEC: with several, write NAME@ADDR in each");
	if (a->count && a->stack)
		argp_error(state, "--count prints no events, so no stacks: drop --stack or --count");
	if (a->count && a->max_events)
		argp_error(state, "--count prints no events, so -n has nothing to count: use -d or -c");
	if (a->count && a->n_exprs)
		argp_error(state, "--count prints no events, so no --arg values: drop --arg or --count");
}

/* The options of which probes a glob or a name takes, and how they attach. */
static error_t parse_how(int key, char *arg, struct argp_state *state)
{
	struct attach_args *a = state->input;
	char q[LOG_QUOTE_MAX];
	uint64_t v;

	switch (key) {
	case OPT_MAX_PROBES:
		if (parse_u64(arg, &v) || v == 0 || v >= KT_PROBES_MAX)
			argp_error(state, "--max-probes '%s': give a number of probes from 1 to %d",
				   log_quote(q, sizeof(q), arg), KT_PROBES_MAX - 1);
		a->max_probes = (size_t)v;
		break;
	case OPT_CLONES:
		a->clones = true;
		break;
	case OPT_NO_MULTI:
		a->no_multi = true;
		break;
	case OPT_MAXACTIVE:
		if (parse_u64(arg, &v) || v == 0 || v > TRACEFS_MAXACTIVE_MAX)
			argp_error(state, "--maxactive '%s': give a number of kretprobe instances from 1 to %d",
				   log_quote(q, sizeof(q), arg), TRACEFS_MAXACTIVE_MAX);
		a->maxactive = (unsigned int)v;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* The options of what each probe records. */
static error_t parse_values(int key, char *arg, struct argp_state *state)
{
	struct attach_args *a = state->input;
	uint64_t v;

	switch (key) {
	case OPT_ARG:
		if (a->n_exprs <= KT_ARG_EXPRS_MAX)
			a->exprs[a->n_exprs++] = arg;
		break;
	case OPT_RAW:
		a->raw = true;
		break;
	case OPT_EXPECT:
		if (a->n_expects <= EXPECT_MAX)
			a->expects[a->n_expects++] = arg;
		break;
	case OPT_STRING_SIZE:
		if (parse_u64(arg, &v) || v == 0 || v > KT_STRING_MAX)
			argp_error(state, "--string-size '%s': give a number of bytes from 1 to %d", arg, KT_STRING_MAX);
		a->string_size = (unsigned int)v;
		break;
	default:
		return parse_how(key, arg, state);
	}
	return 0;
}

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct attach_args *a = state->input;
	char q[LOG_QUOTE_MAX];
	uint64_t v;

	switch (key) {
	case 'r':
		a->ret = true;
		break;
	case 'a':
		a->all = true;
		break;
	case OPT_ADDR:
		if (parse_u64(arg, &a->addr))
			argp_error(state, "--addr '%s': give an address, such as 0xffffffff81234560",
				   log_quote(q, sizeof(q), arg));
		a->has_addr = true;
		break;
	case 'm':
		a->module = cli_name(state, arg, "--module ", "a module name", "--module needs a module name");
		break;
	case OPT_FORCE:
		a->force = true;
		break;
	case OPT_SKIP_FAILED:
		a->skip_failed = true;
		break;
	case OPT_DRY_RUN:
		a->dry_run = true;
		break;
	case OPT_MODFILE:
		if (!modfile__files_add(&a->files, cli_nonempty(state, arg, "--module-file needs a file")))
			argp_error(state, "at most %d --module-file options", MODFILE_FILES_MAX);
		break;
	case 'p':
		if (parse_u64(arg, &v) || v == 0 || v > 4194304) /* PID_MAX_LIMIT */
			argp_error(state, "-p '%s': give a process id", log_quote(q, sizeof(q), arg));
		a->pid = (uint32_t)v;
		break;
	case OPT_COMM:
		a->comm = cli_nonempty(state, arg, "--comm needs a task name");
		break;
	case 's':
		a->stack = true;
		break;
	case OPT_COUNT:
		a->count = true;
		break;
	case 'b':
		cli_ringbuf_size(state, arg, &a->ringbuf);
		break;
	case 'd':
		a->duration = cli_seconds(state, arg);
		break;
	case 'n':
		if (parse_u64(arg, &a->max_events) || a->max_events == 0)
			argp_error(state, "-n '%s': give a number of events, 1 or more", log_quote(q, sizeof(q), arg));
		break;
	case 'c':
		a->cmd = cli_nonempty(state, arg, "-c needs a command");
		break;
	case OPT_FOLLOW:
		a->follow = true;
		break;
	case ARGP_KEY_ARGS:
		cli_take_operands(state, &a->specs, &a->n_specs);
		break;
	case ARGP_KEY_END:
		check_args(state, a);
		break;
	default:
		return parse_values(key, arg, state);
	}
	return 0;
}

static const char doc[] =
	"Attach a kprobe (or a kretprobe) at every symbol the SPECs name, by exact address, "
	"and print one line per hit: time, CPU, comm[pid/tid], probe, address, then the "
	"function's parameters typed from BTF (name=value, ...), the --arg values, or "
	"the six argument registers; at a return, the typed return value "
	"(= -28 (ENOSPC)).\v"
	"SPEC := [MOD:]NAME[+OFF[/SIZE]][#N|@ADDR][%return] | ADDR[%return] | kprobe:[MOD:]NAME[+OFF] | kretprobe:[MOD:]NAME\n"
	"\n"
	"When a SPEC names several functions, choose with #N, @ADDR, --addr, --module or "
	"--all; on a terminal ksymtrace asks. Without one it lists them and exits 3. "
	"A name without an exact match offers its compiler clones (NAME.isra.0, ...); a "
	"lone clone is taken, with a note. A name that has clones besides is said so in "
	"one line: calls through a clone are not traced; --clones adds them, and the "
	"summary then sums hits by source name too. A .cold piece is never an entry or "
	"return probe: calls never enter it.\n"
	"A glob takes every match (no --all needed), less those that cannot be traced "
	"(padding, generated code, .cold pieces, blacklisted, notrace): one line says how "
	"many, -v lists them. More than --max-probes matches (1000) is refused.\n"
	"Probes attach by address: on kernels with kprobe_multi (Linux 5.18, "
	"CONFIG_FPROBE), every entry probe at +0 and every kretprobe of functions ftrace "
	"can hook through one kprobe_multi link per kind, a cookie per address; others "
	"(and with --no-multi, all) one perf kprobe each. The banner says which. "
	"--maxactive N makes kretprobes tracefs events (rN:) with N instances each; "
	"nothing is left in tracefs on any way out.\n"
	"Refused before anything is attached: an offset at or past the function's end "
	"(or any offset when its size is unknown) unless --force; a kretprobe at an "
	"offset; a blacklisted function; a notrace function (not in "
	"available_filter_functions) unless --force. Each check is made where the "
	"probe lands: past the end, the function reached is checked too.\n"
	"What a probe records: the function's parameters typed from the kernel's BTF "
	"(--dry-run shows each one's register or stack slot and format), or raw "
	"registers and the one reason why: a compiler clone, a name whose functions "
	"BTF cannot tell apart, no BTF for it, an offset other than 0, or --raw. "
	"--arg EXPR records EXPR instead, in perf probe's syntax with BTF for DWARF:\n"
	"  EXPR := [LABEL=]BASE(->FIELD|.FIELD|[N])*[:TYPE]\n"
	"  BASE := PARAM | $argN | %REG | $retval | $comm | +OFF(BASE)\n"
	"  TYPE := u8|u16|u32|u64|s8|s16|s32|s64|x8|x16|x32|x64|string\n"
	"An expression that does not resolve for a probe is refused before anything is "
	"attached (exit 2). With --arg, events show only those values. A read that "
	"faults prints <fault>, and the event is still printed. The reason for raw "
	"registers is printed once per probe as they are attached.\n"
	"MOD:NAME for a module that is not loaded is checked against the symbols of "
	"its file (modules.dep, or --module-file), offset and size included, and waits: "
	"the kernel arms the probe as the module loads, before its init function runs "
	"(Linux 5.15 or later; NAME must be unique in the module). A module that unloads "
	"takes its probes with it (said on stderr, marked unloaded in the summary); "
	"when it loads again the kernel arms them again, and hits add up. Init code of "
	"a module that is loaded is gone: refused.\n"
	"With -j, events are JSON Lines and the run ends with one summary object; the "
	"output of -c's command then goes to stderr. Otherwise the summary goes to stderr. "
	"JSON numbers past 2^53 are strings of their digits.\n"
	"The summary's MISSED column (JSON: missed) counts hits the kernel saw but could "
	"not deliver: a kprobe's own misses and its BPF program's recursion (counted from "
	"Linux 6.7), kretprobe calls beyond maxactive; ? (null) where the kernel cannot "
	"tell, and one line says why.\n"
	"Events of ksymtrace's own process are never recorded. -c's command runs in a "
	"process group of its own: at the end of the run the group goes, with whatever the "
	"command started.\n"
	"Ctrl-C, SIGTERM and SIGHUP stop the run. While events stream, that is its normal "
	"end (status 0); before, while loading or attaching, nothing is traced, -c's "
	"command never runs, and the status is 128 + the signal. A second signal exits at "
	"once (128 + the signal); the kernel drops the probes with the process. A stop "
	"never waits on a reader of stdout that stopped reading.\n"
	"--expect EXPR states what the run must show, checked at its end:\n"
	"  EXPR := [missed:]PROBE OP N | PROBE retval [any|all] OP N\n"
	"PROBE is a label as the summary prints it (c_start#1, vfs_read%return) or a glob "
	"over them (hits summed); OP is == != >= <= > <. retval: every return (all, the "
	"default; at least one) or one (any) compares true; N from -2^31 to 2^31-1 "
	"compares the register's low 32 bits, signed (an int's upper half is undefined), "
	"other N all 64 bits. A bad EXPR or a PROBE matching no probe is a usage error "
	"(exit 2) before anything is attached; each expectation that failed is one line "
	"after the summary, and exit 4.\n"
	"\n"
	"Exit status: 0 success (also when stdout's reader went away); 1 refused, not "
	"found, a -c command that could not run, or a runtime failure; 2 usage (a bad "
	"--arg or --expect too); 3 ambiguous SPEC and no terminal to ask (or the menu was "
	"quit); 4 an --expect did not hold; 128+N stopped by signal N before tracing began.\n"
	"\n"
	"Examples:\n"
	"  ksymtrace attach vfs_read+0x21 -d 5\n"
	"  ksymtrace attach c_start --all -c 'cat /proc/cpuinfo'\n"
	"  ksymtrace attach 'vfs_read%return' --comm cat\n"
	"  ksymtrace attach dummy:dummy_get_stats64 --stack -n 10\n"
	"  ksymtrace attach dummy:dummy_init_module -c 'modprobe dummy'\n"
	"  ksymtrace -j attach c_start#2 --count -d 10\n"
	"  ksymtrace attach c_start --all --expect 'c_start#2 == 0' -c 'cat /proc/cpuinfo'\n"
	"  ksymtrace attach c_start --all --dry-run\n"
	"  ksymtrace attach 'ext4_*' --count -d 10\n"
	"  ksymtrace attach 'do_nanosleep%return' --maxactive 128 -d 10\n"
	"  ksymtrace attach vfs_read --arg 'name=file->f_path.dentry->d_name.name:string' --dry-run";

/* ---- the plan ------------------------------------------------------------------ */

/* The plan (attach_plan.h), and what the options that shape it say about it. */
static int build_plan(const struct attach_args *a, struct spec *specs, struct ksyms *t,
		      const struct traceable *trc, struct plan *pl)
{
	const struct attach_plan_opts o = {
		.ret = a->ret, .all = a->all, .force = a->force, .skip_failed = a->skip_failed,
		.dry_run = a->dry_run, .clones = a->clones, .module = a->module, .addr = a->addr,
		.has_addr = a->has_addr, .max_probes = a->max_probes,
	};
	int ret = attach_plan__build(&o, specs, a->n_specs, t, trc, pl);
	bool kret = false;

	for (size_t i = 0; i < plan__count(pl); i++)
		kret |= plan__probe(pl, i)->ret;
	if (ret == EXIT_OK && a->maxactive && !kret)
		log_note("--maxactive %u: no kretprobe in the plan, nothing to apply it to", a->maxactive);
	/* what a killed ksymtrace left in tracefs (--maxactive's events) goes
	 * before anything is attached: one line says so */
	if (ret == EXIT_OK && !a->dry_run)
		tracefs__remove_stale();
	return ret;
}

/* ---- what each probe records ------------------------------------------------------ */

/* What each probe records, and what that is worked out from. */
struct values {
	struct fetch_expr exprs[KT_ARG_EXPRS_MAX]; /* --arg, parsed */
	struct kbtf *kb;                          /* the kernel's BTF (not with --raw) */
	struct probe_values_set *pv;
};

static void values_free(struct values *vs)
{
	probe_values__free(vs->pv);
	kbtf__free(vs->kb);
	for (size_t i = 0; i < KT_ARG_EXPRS_MAX; i++)
		fetch__free(&vs->exprs[i]);
}

/* Every --arg, parsed before the table is read: one line and exit 2 for the
 * first that is wrong, as for specs. */
static int parse_exprs(const struct attach_args *a, struct fetch_expr *out)
{
	char err[FETCH_ERR_LEN];
	int r = fetch__parse_all(a->exprs, a->n_exprs, out, err, sizeof(err));

	if (r)
		log_error("%s", err);
	return !r ? EXIT_OK : r == -ENOMEM ? EXIT_FAIL : EXIT_USAGE;
}

/* Once the plan is final: the typed parameters or the expressions of every
 * probe, from BTF (not read with --raw). An expression that does not compile
 * for a probe stops the run here (exit 2), before anything is loaded. */
static int plan_values(const struct attach_args *a, const struct plan *pl, struct values *vs)
{
	/* --count records no values: BTF would be read and typed for nothing
	 * (a third of the time of a 771-probe glob planned on the build host); --dry-run
	 * still shows them */
	bool raw = a->raw || (a->count && !a->n_exprs && !a->dry_run);
	struct probe_values_opts o = { .raw = raw, .exprs = vs->exprs, .nexprs = a->n_exprs,
				       .string_size = a->string_size };
	int err;

	if (!raw && !(vs->kb = kbtf__new())) {
		log_error("out of memory");
		return EXIT_FAIL;
	}
	vs->pv = probe_values__build(pl, vs->kb, &o, &err);
	if (vs->pv)
		return EXIT_OK;
	return err == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
}

/* --dry-run: the plan on stdout, what was and was not verified on stderr. */
static int dry_run(const struct attach_args *a, const struct plan *pl, const struct traceable *trc,
		   const struct tracer *tr, const struct kernel_support *ks,
		   const struct probe_values_set *pv)
{
	struct event_printer pr;
	size_t n = plan__count(pl);
	int r = event_printer__init(&pr, stdout, pl, pv, env.json);

	if (!r)
		event_printer__plan(&pr, trc);
	event_printer__fini(&pr);
	if (r || cli_end_output() != EXIT_OK)
		return EXIT_FAIL;
	log_note("dry run: %zu probe%s resolved and checked; the BPF programs loaded and the verifier accepted them; probes are told apart by %s; nothing attached",
		 n, n == 1 ? "" : "s", tracer__id_mode(tr));
	if (!ks->kprobes)
		log_note("not verified: that the kernel takes each address (instruction boundary, its own blacklist), because %s",
			 ks->why);
	if (a->cmd) {
		char q[LOG_QUOTE_MAX];

		log_note("'%s' not run (--dry-run)", log_quote(q, sizeof(q), a->cmd));
	}
	return EXIT_OK;
}

/* --comm as the kernel keeps task names: 15 bytes, said when it cuts. */
static void cut_comm(struct attach_args *a)
{
	char q[LOG_QUOTE_MAX], qcut[4 * KT_COMM_LEN + 4];

	snprintf(a->comm_buf, sizeof(a->comm_buf), "%s", a->comm);
	if (strlen(a->comm) >= KT_COMM_LEN)
		log_warn("--comm %s: the kernel keeps %d bytes of a task's name: matching '%s'",
			 log_quote(q, sizeof(q), a->comm), KT_COMM_LEN - 1,
			 log_quote(qcut, sizeof(qcut), a->comm_buf));
}

/* What is checked once the command line parsed and before any table is read:
 * --comm's cut, -p's process, the kernel. False after saying why. */
static bool ready_to_plan(struct attach_args *a, struct kernel_support *ks)
{
	if (a->comm)
		cut_comm(a);
	if (a->pid && kill((pid_t)a->pid, 0) && errno == ESRCH) {
		log_error("-p %u: no such process", a->pid);
		return false;
	}
	/* the kernel first: no menu for probes that cannot be placed anyway */
	kernel__support(ks);
	return kernel__allows(ks, a->dry_run);
}

int cmd_attach(int argc, char **argv)
{
	static const struct argp_child children[] = { GLOBAL_ARGP_CHILD, {} };
	const struct argp argp = { opts, parse, "SPEC...", doc, children, NULL, NULL };
	struct attach_args a = { .ringbuf = RINGBUF_DEFAULT, .string_size = KT_STRING_DEFAULT,
				 .max_probes = ATTACH_MAX_PROBES_DEFAULT };
	struct values vs = { 0 };
	struct expect_set *ex = NULL;
	struct kernel_support ks;
	struct spec *specs = NULL;
	struct ksyms *t = NULL;
	struct traceable *trc = NULL;
	struct plan *pl = NULL;
	struct run *run = NULL;
	struct tracer *tr = NULL;
	int ret = EXIT_FAIL;

	cmd_parse(&argp, argc, argv, &a);

	ret = cli_parse_specs(a.specs, a.n_specs, &specs);
	if (ret == EXIT_OK)
		ret = parse_exprs(&a, vs.exprs);
	if (ret == EXIT_OK)
		ret = expect__parse(a.expects, a.n_expects, !a.count, &ex);
	if (ret != EXIT_OK)
		goto cleanup;
	ret = EXIT_FAIL;
	if (!ready_to_plan(&a, &ks))
		goto cleanup;

	t = cli_load_table(&(struct ksyms_query){ .specs = specs, .n_specs = (size_t)a.n_specs,
						  .module = a.module });
	if (!t || modfile__add_files(t, &a.files))
		goto cleanup;
	trc = traceable__load(t, kernel__is_live_table(env.kallsyms));
	pl = plan__new(t);
	if (!trc || !pl) {
		log_error("out of memory");
		goto cleanup;
	}
	ret = build_plan(&a, specs, t, trc, pl);
	if (ret == EXIT_OK)
		ret = expect__bind(ex, pl);
	if (ret == EXIT_OK)
		ret = plan_values(&a, pl, &vs);
	if (ret != EXIT_OK)
		goto cleanup;
	ret = EXIT_FAIL;
	if (!a.dry_run) {
		struct run_opts ro = { .cmd = a.cmd, .json = env.json, .pid = a.pid,
				       .duration = a.duration, .max_events = a.max_events,
				       .count = a.count, .skip_failed = a.skip_failed, .pv = vs.pv,
				       .expect = ex };

		run = run__new(&ro);
		if (!run)
			goto cleanup;
	}
	tr = tracer__load(pl, &(struct tracer_opts){
		.ringbuf_size = a.ringbuf, .pv = vs.pv, .filter_tgid = a.follow ? (uint32_t)run__child(run) : a.pid,
		.filter_comm = a.comm ? a.comm_buf : NULL, .stack = a.stack, .count_only = a.count,
		.no_multi = a.no_multi, .maxactive = a.maxactive, .trc = trc });
	if (tr && attach_mods__refuse_waiting(pl, tracer__can_wait(tr)))
		ret = EXIT_FAIL;
	else if (tr)
		ret = a.dry_run ? dry_run(&a, pl, trc, tr, &ks, vs.pv) : run__go(run, tr, pl);

cleanup:
	tracer__free(tr);
	run__free(run);
	values_free(&vs);
	expect__free(ex);
	plan__free(pl);
	cli_free_specs(specs, a.n_specs);
	traceable__free(trc);
	ksyms__free(t);
	return ret;
}
