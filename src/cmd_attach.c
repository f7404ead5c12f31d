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

#include "checks.h"
#include "choose.h"
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
	{ NULL, 0, NULL, 0, "When to stop (default: Ctrl-C or SIGTERM):", 3 },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS (decimals allowed)", 3 },
	{ "max-events", 'n', "N", 0, "Stop after N events", 3 },
	{ "cmd", 'c', "CMD", 0, "Run CMD with /bin/sh -c once every probe is attached; stop when it exits", 3 },
	{ "follow", OPT_FOLLOW, NULL, 0, "With -c: only events of CMD's process", 3 },
	{ NULL, 0, NULL, 0, "What the run must show (scripted tests):", 4 },
	{ "expect", OPT_EXPECT, "EXPR", 0, "Check EXPR at the end ('c_start#1 >= 1', 'missed:PROBE == 0', 'PROBE%return retval any == 0'); exit 4 when one fails; repeatable", 4 },
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
		return ARGP_ERR_UNKNOWN;
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
	"six argument registers or the return value.\v"
	"SPEC := [MOD:]NAME[+OFF[/SIZE]][#N|@ADDR][%return] | ADDR[%return] | kprobe:[MOD:]NAME[+OFF] | kretprobe:[MOD:]NAME\n"
	"\n"
	"When a SPEC names several functions, choose with #N, @ADDR, --addr, --module or "
	"--all; on a terminal ksymtrace asks. Without one it lists them and exits 3. "
	"A name without an exact match offers its compiler clones (NAME.isra.0, ...); a "
	"lone clone is taken, with a note. A glob names every match, less those that "
	"cannot be traced.\n"
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
	"attached (exit 2). (Events print the typed values once the BPF side records "
	"them, issue 9 part B; until then they show the six registers.)\n"
	"MOD:NAME for a module that is not loaded is checked against the symbols of "
	"its file (modules.dep, or --module-file), offset and size included: --dry-run "
	"plans it; attaching before the module loads is not there yet.\n"
	"With -j, events are JSON Lines and the run ends with one summary object; the "
	"output of -c's command then goes to stderr. Otherwise the summary goes to stderr. "
	"JSON numbers past 2^53 are strings of their digits.\n"
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
	"  ksymtrace -j attach c_start#2 --count -d 10\n"
	"  ksymtrace attach c_start --all --expect 'c_start#2 == 0' -c 'cat /proc/cpuinfo'\n"
	"  ksymtrace attach c_start --all --dry-run\n"
	"  ksymtrace attach vfs_read --arg 'name=file->f_path.dentry->d_name.name:string' --dry-run";

/* ---- the plan ------------------------------------------------------------------ */

/* Resolve and choose every spec; add the chosen targets. Returns an exit code:
 * a spec that resolves to nothing (1) outranks an ambiguous one (3), and every
 * spec is looked at so that one run reports every problem. */
static int collect_probes(const struct attach_args *a, struct spec *specs, struct ksyms *t,
			  const struct traceable *trc, struct plan *pl)
{
	struct resolve_opts ro = { .funcs_only = true, .mod = a->module, .at = a->addr,
				   .has_at = a->has_addr };
	struct choose_opts co = { .all = a->all, .force = a->force, .can_ask = choose__can_ask(),
				  .in = stdin, .out = stderr, .tr = trc };
	bool failed = false, ambiguous = false;

	for (int i = 0; i < a->n_specs; i++) {
		struct candidates c = { 0 };
		char err[SPEC_ERR_LEN];
		bool ret = specs[i].ret || a->ret;
		enum choose_res cr;

		if (modfile__need(t, specs[i].mod ? specs[i].mod : a->module, err, sizeof(err))) {
			log_error("%s: %s", specs[i].text, err);
			failed = true;
			continue;
		}
		if (spec__resolve(&specs[i], t, &ro, &c, err, sizeof(err)) != SPEC_RES_OK) {
			log_error("%s", err);
			failed = true;
			candidates__free(&c);
			continue;
		}
		cr = choose__pick(t, &specs[i], &c, &co);
		if (cr == CHOOSE_QUIT) {
			log_error("%s: nothing chosen: nothing attached", specs[i].text);
			candidates__free(&c);
			return EXIT_AMBIGUOUS;
		}
		if (cr == CHOOSE_AMBIGUOUS)
			ambiguous = true;
		else if (c.n == 0) {
			log_error("%s: no match can be traced: nothing to attach", specs[i].text);
			failed = true;
		}
		for (size_t k = 0; !failed && !ambiguous && k < c.n; k++) {
			int r = plan__add(pl, &c.v[k], ret, specs[i].text);

			if (r < 0) {
				log_error("out of memory");
				failed = true;
			} else if (r > 0) {
				log_note("%s: %s%s is already in the list: one probe there", specs[i].text,
					 ksyms__name(t, c.v[k].sym), ret ? "%return" : "");
			}
		}
		candidates__free(&c);
	}
	return failed ? EXIT_FAIL : ambiguous ? EXIT_AMBIGUOUS : EXIT_OK;
}

/* A probe in a module that is not loaded has no address to attach at: arming it
 * as the module loads (a pending tracefs MOD:SYM event) is issue 11's part B.
 * Returns how many probes are refused. */
static size_t refuse_not_loaded(const struct plan *pl)
{
	size_t refused = 0;

	for (size_t i = 0; i < plan__count(pl); i++) {
		const struct probe *p = plan__probe(pl, i);

		if (ksym_loaded(p->sym))
			continue;
		if (refused++ == 0)
			log_error("%s: module %s is not loaded: attaching before it loads is not supported yet",
				  p->label, ksyms__mod_name(plan__table(pl), p->sym->mod));
	}
	if (refused)
		log_hint("load the module first (modprobe), or check the plan with --dry-run");
	return refused;
}

/* The one way from specs to the probes to place, for --dry-run and a real attach
 * alike: resolve and choose, refuse, merge; and for a real attach with a saved
 * table, that the table is this boot's. Returns an exit code. */
static int build_plan(const struct attach_args *a, struct spec *specs, struct ksyms *t,
		      const struct traceable *trc, struct plan *pl)
{
	int ret = collect_probes(a, specs, t, trc, pl);
	char shown[LOG_QUOTE_MAX];

	if (ret != EXIT_OK)
		return ret;
	if (plan__refuse(pl, trc, a->force, a->skip_failed))
		return EXIT_FAIL;
	if (plan__merge_same_addr(pl) < 0) {
		log_error("out of memory");
		return EXIT_FAIL;
	}
	if (!a->dry_run && refuse_not_loaded(pl))
		return EXIT_FAIL;
	if (!a->dry_run && !kernel__is_live_table(env.kallsyms) &&
	    !checks__table_is_live(pl, cli_table_name(shown, sizeof(shown)), env.no_cache))
		return EXIT_FAIL;
	return EXIT_OK;
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

	if (a->n_exprs > KT_ARG_EXPRS_MAX) {
		log_error("--arg: at most %d expressions: a probe records %d values", KT_ARG_EXPRS_MAX,
			  KT_ARG_EXPRS_MAX);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < a->n_exprs; i++) {
		int r = fetch__parse(a->exprs[i], &out[i], err, sizeof(err));

		if (r) {
			log_error("%s", err);
			return r == -ENOMEM ? EXIT_FAIL : EXIT_USAGE;
		}
		for (size_t k = 0; k < i; k++) {
			if (strcmp(out[k].label, out[i].label) == 0) {
				log_error("--arg '%s': '%s' already names --arg '%s': give one of them a LABEL=",
					  out[i].text, out[i].label, out[k].text);
				return EXIT_USAGE;
			}
		}
	}
	return EXIT_OK;
}

/* Once the plan is final: the typed parameters or the expressions of every
 * probe, from BTF (not read with --raw). An expression that does not compile
 * for a probe stops the run here (exit 2), before anything is loaded. */
static int plan_values(const struct attach_args *a, const struct plan *pl, struct values *vs)
{
	struct probe_values_opts o = { .raw = a->raw, .exprs = vs->exprs, .nexprs = a->n_exprs,
				       .string_size = a->string_size };
	int err;

	if (!a->raw && !(vs->kb = kbtf__new())) {
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

	event_printer__init(&pr, stdout, pl, env.json);
	event_printer__plan(&pr, trc, pv);
	event_printer__fini(&pr);
	if (cli_end_output() != EXIT_OK)
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

int cmd_attach(int argc, char **argv)
{
	static const struct argp_child children[] = { GLOBAL_ARGP_CHILD, {} };
	const struct argp argp = { opts, parse, "SPEC...", doc, children, NULL, NULL };
	struct attach_args a = { .ringbuf = RINGBUF_DEFAULT, .string_size = KT_STRING_DEFAULT };
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
	if (a.comm) {
		char q[LOG_QUOTE_MAX], qcut[4 * KT_COMM_LEN + 4];

		snprintf(a.comm_buf, sizeof(a.comm_buf), "%s", a.comm);
		if (strlen(a.comm) >= KT_COMM_LEN)
			log_warn("--comm %s: the kernel keeps %d bytes of a task's name: matching '%s'",
				 log_quote(q, sizeof(q), a.comm), KT_COMM_LEN - 1,
				 log_quote(qcut, sizeof(qcut), a.comm_buf));
	}
	if (a.pid && kill((pid_t)a.pid, 0) && errno == ESRCH) {
		log_error("-p %u: no such process", a.pid);
		goto cleanup;
	}
	/* the kernel first: no menu for probes that cannot be placed anyway */
	kernel__support(&ks);
	if (!kernel__allows(&ks, a.dry_run))
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
				       .count = a.count, .skip_failed = a.skip_failed, .expect = ex };

		run = run__new(&ro);
		if (!run)
			goto cleanup;
	}
	tr = tracer__load(pl, &(struct tracer_opts){
		.ringbuf_size = a.ringbuf, .filter_tgid = a.follow ? (uint32_t)run__child(run) : a.pid,
		.filter_comm = a.comm ? a.comm_buf : NULL, .stack = a.stack, .count_only = a.count });
	if (tr)
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
