// SPDX-License-Identifier: GPL-2.0
/* ksymtrace attach SPEC...: resolve, choose, check, load, attach by address, and
 * stream events until Ctrl-C, -d, -n or the end of -c's command. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/types.h>

#include "checks.h"
#include "choose.h"
#include "cli.h"
#include "events.h"
#include "ksymtrace.h"
#include "log.h"
#include "parse.h"
#include "spec.h"
#include "traceable.h"
#include "tracer.h"

#define RINGBUF_DEFAULT (4u << 20)
#define RINGBUF_MAX (1u << 30)

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
};

enum {
	OPT_ADDR = 1000,
	OPT_COMM,
	OPT_FOLLOW,
	OPT_COUNT,
	OPT_DRY_RUN,
	OPT_FORCE,
	OPT_SKIP_FAILED,
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
	{ NULL, 0, NULL, 0, "What to record:", 2 },
	{ "pid", 'p', "PID", 0, "Only events of process PID; stop when it exits", 2 },
	{ "comm", OPT_COMM, "COMM", 0, "Only events of tasks named COMM (15 bytes at most, as the kernel keeps them)", 2 },
	{ "stack", 's', NULL, 0, "Record the kernel stack of each event", 2 },
	{ "count", OPT_COUNT, NULL, 0, "Count hits per probe instead of printing events", 2 },
	{ "ringbuf-size", 'b', "SIZE", 0, "Ring buffer size: KiB, or with a K, M or G suffix; a power of two, at least a page (default 4M)", 2 },
	{ NULL, 0, NULL, 0, "When to stop (default: Ctrl-C or SIGTERM):", 3 },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS (decimals allowed)", 3 },
	{ "max-events", 'n', "N", 0, "Stop after N events", 3 },
	{ "cmd", 'c', "CMD", 0, "Run CMD with /bin/sh -c once every probe is attached; stop when it exits", 3 },
	{ "follow", OPT_FOLLOW, NULL, 0, "With -c: only events of CMD's process", 3 },
	{},
};

/* Ring buffer sizes: KiB by default, K/M/G suffixes; a power of two that is a
 * whole number of pages (the kernel's rule for BPF_MAP_TYPE_RINGBUF). */
static void parse_ringbuf(struct argp_state *state, const char *arg, size_t *out)
{
	size_t len = strlen(arg), page = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t v, mult = 1024;
	char num[32];

	if (len && strchr("kKmMgG", arg[len - 1])) {
		char s = (char)(arg[len - 1] | 0x20);

		mult = s == 'k' ? 1024 : s == 'm' ? 1024 * 1024 : 1024 * 1024 * 1024;
		len--;
	}
	if (len == 0 || len >= sizeof(num))
		argp_error(state, "--ringbuf-size '%s': give KiB, or a number with K, M or G (such as 8M)", arg);
	memcpy(num, arg, len);
	num[len] = '\0';
	if (parse_u64(num, &v) || v == 0 || v > RINGBUF_MAX / mult)
		argp_error(state, "--ringbuf-size '%s': give a size from %zuK to 1G", arg, page / 1024);
	v *= mult;
	if (v < page)
		argp_error(state, "--ringbuf-size '%s': at least one page (%zuK)", arg, page / 1024);
	if (v & (v - 1)) {
		uint64_t lo = 1;

		while (lo * 2 < v)
			lo *= 2;
		argp_error(state, "--ringbuf-size '%s': the kernel wants a power of two: %" PRIu64 "K or %" PRIu64 "K",
			   arg, lo / 1024, lo * 2 / 1024);
	}
	*out = (size_t)v;
}

static double parse_seconds(struct argp_state *state, const char *arg)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(arg, &end);
	if (!*arg || *end || errno || !isfinite(d) || d <= 0 || d > 1e8)
		argp_error(state, "-d '%s': give a number of seconds greater than 0, such as 5 or 0.5", arg);
	return d;
}

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct attach_args *a = state->input;
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
			argp_error(state, "--addr '%s': give an address, such as 0xffffffff81234560", arg);
		a->has_addr = true;
		break;
	case 'm':
		a->module = cli_nonempty(state, arg, "--module needs a module name");
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
	case 'p':
		if (parse_u64(arg, &v) || v == 0 || v > 4194304) /* PID_MAX_LIMIT */
			argp_error(state, "-p '%s': give a process id", arg);
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
		parse_ringbuf(state, arg, &a->ringbuf);
		break;
	case 'd':
		a->duration = parse_seconds(state, arg);
		break;
	case 'n':
		if (parse_u64(arg, &a->max_events) || a->max_events == 0)
			argp_error(state, "-n '%s': give a number of events, 1 or more", arg);
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
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const char doc[] =
	"Attach a kprobe (or a kretprobe) at every symbol the SPECs name, by exact address, "
	"and print one line per hit: time, CPU, comm[pid/tid], probe, address, then the "
	"six argument registers or the return value.\v"
	"SPEC := [MOD:]NAME[+OFF][#N|@ADDR][%return] | ADDR[%return] | kprobe:[MOD:]NAME[+OFF] | kretprobe:[MOD:]NAME\n"
	"\n"
	"When a SPEC names several functions, choose with #N, @ADDR, --addr, --module or "
	"--all; on a terminal ksymtrace asks. Without one it lists them and exits 3. "
	"A name without an exact match offers its compiler clones (NAME.isra.0, ...); a "
	"lone clone is taken, with a note. A glob names every match, less those that "
	"cannot be traced.\n"
	"Refused before anything is attached: an offset at or past the function's end "
	"(or any offset when its size is unknown) unless --force; a kretprobe at an "
	"offset; a blacklisted function; a notrace function (not in "
	"available_filter_functions) unless --force.\n"
	"With -j, events are JSON Lines and the run ends with one summary object; the "
	"output of -c's command then goes to stderr. Otherwise the summary goes to stderr.\n"
	"Events of ksymtrace's own process are never recorded. A second Ctrl-C exits at "
	"once (status 130); the kernel drops the probes with the process.\n"
	"\n"
	"Exit status: 0 success; 1 refused, not found, or a runtime failure; 2 usage; "
	"3 ambiguous SPEC and no terminal to ask (or the menu was quit).\n"
	"\n"
	"Examples:\n"
	"  ksymtrace attach vfs_read+0x21 -d 5\n"
	"  ksymtrace attach c_start --all -c 'cat /proc/cpuinfo'\n"
	"  ksymtrace attach 'vfs_read%return' --comm cat\n"
	"  ksymtrace attach dummy:dummy_get_stats64 --stack -n 10\n"
	"  ksymtrace -j attach c_start#2 --count -d 10\n"
	"  ksymtrace attach c_start --all --dry-run";

/* ---- the run ---------------------------------------------------------------- */

static volatile sig_atomic_t exiting;

static void on_stop_signal(int sig)
{
	/* the second one does not wait: exiting closes every perf event, and the
	 * kernel removes the probes with them */
	if (exiting)
		_exit(128 + sig);
	exiting = sig;
}

/* Nothing to do: being caught, SIGCHLD interrupts epoll_wait, and the loop then
 * reaps the child (SIG_DFL would ignore it and leave the loop waiting). */
static void on_sigchld(int sig)
{
	(void)sig;
}

static void install_signals(void)
{
	struct sigaction sa = { 0 };

	/* SA_RESTART: a write(2) to a slow reader of stdout that a signal interrupts
	 * goes on instead of failing with EINTR (stdio would report it as a write
	 * error and drop the summary). epoll_wait is never restarted, SA_RESTART or
	 * not (signal(7)), so the poll loop still sees every signal at once. */
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_stop_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_sigchld;
	sigaction(SIGCHLD, &sa, NULL);
	/* a closed stdout is noticed as EPIPE, and the probes detached in order */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

struct child {
	pid_t pid;
	int go_fd; /* write end of the pipe the child waits on */
	int status;
	bool reaped;
};

/* Start CMD now, blocked until child_release(): its pid must be known before
 * the BPF programs load (--follow), and it must not run before every probe is
 * attached. */
static int child_spawn(struct child *c, const char *cmd, bool json)
{
	int fds[2];

	memset(c, 0, sizeof(*c));
	c->go_fd = -1;
	if (pipe2(fds, O_CLOEXEC)) {
		log_error("cannot start '%s': %m", cmd);
		return -1;
	}
	fflush(NULL);
	c->pid = fork();
	if (c->pid < 0) {
		log_error("cannot start '%s': %m", cmd);
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (c->pid == 0) {
		char go;
		ssize_t r;

		close(fds[1]);
		do
			r = read(fds[0], &go, 1);
		while (r < 0 && errno == EINTR);
		if (r != 1)
			_exit(127); /* ksymtrace gave up: CMD must not run untraced */
		/* keep stdout for JSON Lines alone */
		if (json && dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	c->go_fd = fds[1];
	return 0;
}

static void child_release(struct child *c)
{
	if (c->go_fd < 0)
		return;
	if (write(c->go_fd, "g", 1) != 1)
		log_warn("cannot start the command: %m");
	close(c->go_fd);
	c->go_fd = -1;
}

static bool child_poll(struct child *c)
{
	if (c->pid <= 0 || c->reaped)
		return c->reaped;
	if (waitpid(c->pid, &c->status, WNOHANG) == c->pid)
		c->reaped = true;
	return c->reaped;
}

/* Never leave CMD behind: if it has not exited, SIGTERM, a second, SIGKILL. */
static void child_finish(struct child *c, const char *cmd)
{
	if (c->pid <= 0)
		return;
	if (c->go_fd >= 0) {
		close(c->go_fd); /* never released: it exits without running CMD */
		c->go_fd = -1;
		waitpid(c->pid, &c->status, 0);
		c->pid = 0;
		return;
	}
	if (!child_poll(c)) {
		kill(c->pid, SIGTERM);
		for (int i = 0; i < 100 && !child_poll(c); i++)
			usleep(10000);
		if (!child_poll(c)) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, &c->status, 0);
			c->reaped = true;
		}
		return;
	}
	if (WIFEXITED(c->status) && WEXITSTATUS(c->status) != 0)
		log_info("ksymtrace: '%s' exited with status %d", cmd, WEXITSTATUS(c->status));
	else if (WIFSIGNALED(c->status))
		log_info("ksymtrace: '%s' was killed by signal %d", cmd, WTERMSIG(c->status));
}

/* Output: whole lines, many per write(2). A write per event (line buffering) cost
 * more than the rest of the event's way to stdout; so stdout is fully buffered,
 * flushed after every batch the ring buffer hands over (a reader sees each batch
 * at once) and before an event that might not fit what is left of the buffer.
 * Every write then ends at the end of a line: a second Ctrl-C, which exits
 * without flushing, never leaves half a line behind. */
#define OUT_BUF_SIZE (256 * 1024)
/* the longest event: a stack of KT_STACK_MAX frames of "name+0xoff [mod]", a
 * label, a module name, the comm and the numbers, as text or escaped JSON */
#define EVENT_TEXT_MAX (KT_STACK_MAX * (FRAME_TEXT_MAX + 8) + 2 * FRAME_TEXT_MAX + 1024)

struct run {
	struct tracer *tr;
	struct event_printer pr;
	uint64_t printed, max_events;
	int write_err; /* errno of the first failed write to stdout */
};

static int on_event(void *ctx, const struct kt_event *e, size_t size)
{
	struct run *run = ctx;

	if (run->write_err || (run->max_events && run->printed >= run->max_events))
		return 0; /* dropped on purpose: the run is ending */
	if (__fpending(stdout) > OUT_BUF_SIZE - EVENT_TEXT_MAX)
		fflush(stdout);
	event_printer__event(&run->pr, e, size, tracer__event_probe(run->tr, e));
	run->printed++;
	if (ferror(stdout)) {
		run->write_err = errno ? errno : EIO;
		exiting = 1;
	}
	if (run->max_events && run->printed >= run->max_events)
		exiting = 1;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Poll until a stop condition; returns 0, or -1 after printing the cause. */
static int stream(struct run *run, const struct attach_args *a, struct child *c)
{
	double deadline = a->duration > 0 ? now_s() + a->duration : 0;

	while (!exiting) {
		int timeout = 200, r;

		if (deadline) {
			double left = deadline - now_s();

			if (left <= 0)
				break;
			if (left * 1000 < timeout)
				timeout = (int)(left * 1000) + 1;
		}
		r = tracer__poll(run->tr, timeout);
		if (r < 0 && r != -EINTR) {
			log_error("cannot read events: %s", strerror(-r));
			return -1;
		}
		if (r > 0 && fflush(stdout) && !run->write_err) {
			run->write_err = errno ? errno : EIO;
			break;
		}
		if (a->cmd && child_poll(c))
			break;
		if (a->pid && kill((pid_t)a->pid, 0) && errno == ESRCH) {
			log_info("ksymtrace: process %u exited", a->pid);
			break;
		}
	}
	return 0;
}

/* ---- before the run: specs to probes ---------------------------------------------- */

/* Resolve and choose every spec; add the chosen targets. Returns an exit code:
 * a spec that resolves to nothing (1) outranks an ambiguous one (3), and every
 * spec is looked at so that one run reports every problem. */
static int collect_probes(const struct attach_args *a, struct spec *specs, struct ksyms *t,
			  const struct traceable *trc, struct tracer *tr)
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
			int r = tracer__add(tr, &c.v[k], ret, specs[i].text);

			if (r < 0) {
				log_error("out of memory");
				failed = true;
			} else if (r > 0) {
				log_info("ksymtrace: %s: %s%s is already in the list: one probe there", specs[i].text,
					 ksyms__name(t, c.v[k].sym), ret ? "%return" : "");
			}
		}
		candidates__free(&c);
	}
	return failed ? EXIT_FAIL : ambiguous ? EXIT_AMBIGUOUS : EXIT_OK;
}

/* Every refusal is printed before deciding: the user fixes them all at once. */
static int check_probes(const struct attach_args *a, const struct ksyms *t, struct tracer *tr,
			const struct traceable *trc)
{
	size_t refused = 0, n = tracer__count(tr);
	char list[512] = "";
	int len = 0;

	for (size_t i = 0; i < n; i++) {
		struct probe *p = tracer__probe(tr, i);

		if (checks__probe(t, p, trc, a->force))
			continue;
		refused++;
		p->skipped = true;
		if (len >= 0 && (size_t)len < sizeof(list))
			len += snprintf(list + len, sizeof(list) - (size_t)len, "%s%s%s", refused > 1 ? ", " : "",
					p->label, p->ret ? "%return" : "");
	}
	if (!refused)
		return EXIT_OK;
	if (!a->skip_failed) {
		if (n > 1)
			log_hint("--skip-failed goes on without the refused probe%s", refused == 1 ? "" : "s");
		return EXIT_FAIL;
	}
	log_warn("skipping %zu of %zu probes: %s%s", refused, n, list,
		 (size_t)len >= sizeof(list) ? "..." : "");
	tracer__drop_skipped(tr);
	if (tracer__count(tr) == 0) {
		log_error("every probe was refused: nothing to attach");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static void report_attach_skips(struct tracer *tr)
{
	size_t n = tracer__count(tr), skipped = 0;

	for (size_t i = 0; i < n; i++)
		skipped += tracer__probe(tr, i)->skipped;
	if (!skipped)
		return;
	log_warn("%zu of %zu probes could not be attached and are skipped:", skipped, n);
	for (size_t i = 0; i < n; i++) {
		struct probe *p = tracer__probe(tr, i);

		if (p->skipped)
			log_info("  %s%s at 0x%" PRIx64, p->label, p->ret ? "%return" : "", p->addr);
	}
}

static void dry_run_report(const struct attach_args *a, const struct tracer *tr,
			   const struct kernel_support *ks)
{
	size_t n = tracer__count(tr);

	log_info("ksymtrace: dry run: %zu probe%s resolved and checked; the BPF programs loaded and the verifier accepted them; probes are told apart by %s; nothing attached",
		 n, n == 1 ? "" : "s", tracer__id_mode(tr));
	if (!ks->kprobes) {
		log_info("ksymtrace: not verified: that the kernel takes each address (instruction boundary, its own blacklist), because %s",
			 ks->why);
	}
	if (a->cmd)
		log_info("ksymtrace: '%s' not run (--dry-run)", a->cmd);
}

int cmd_attach(int argc, char **argv)
{
	static const struct argp_child children[] = { GLOBAL_ARGP_CHILD, {} };
	const struct argp argp = { opts, parse, "SPEC...", doc, children, NULL, NULL };
	struct attach_args a = { .ringbuf = RINGBUF_DEFAULT };
	struct tracer_opts to = { 0 };
	struct tracer_stats st;
	struct kernel_support ks;
	struct spec *specs = NULL;
	struct ksyms *t = NULL;
	struct traceable *trc = NULL;
	struct tracer *tr = NULL;
	struct child child = { .go_fd = -1 };
	struct run run = { 0 };
	int ret = EXIT_FAIL;

	cmd_parse(&argp, argc, argv, &a);

	ret = cli_parse_specs(a.specs, a.n_specs, &specs);
	if (ret != EXIT_OK)
		goto cleanup;
	ret = EXIT_FAIL;
	if (a.comm) {
		snprintf(a.comm_buf, sizeof(a.comm_buf), "%s", a.comm);
		if (strlen(a.comm) >= KT_COMM_LEN)
			log_warn("--comm %s: the kernel keeps %d bytes of a task's name: matching '%s'", a.comm,
				 KT_COMM_LEN - 1, a.comm_buf);
	}
	if (a.pid && kill((pid_t)a.pid, 0) && errno == ESRCH) {
		log_error("-p %u: no such process", a.pid);
		goto cleanup;
	}

	/* the kernel first: no menu for probes that cannot be placed anyway */
	tracer__kernel_support(&ks);
	if (!ks.kprobes && !a.dry_run) {
		log_error("%s", ks.why);
		if (ks.hint[0])
			log_hint("%s", ks.hint);
		goto cleanup;
	}
	if (!ks.privileged) {
		log_error("not allowed to load BPF programs%s: ksymtrace needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN",
			  a.dry_run ? "" : " and create kprobes");
		log_hint("run as root (sudo ksymtrace ...)");
		goto cleanup;
	}

	t = cli_load_table();
	if (!t)
		goto cleanup;
	trc = traceable__load(t);
	tr = tracer__new(t);
	if (!trc || !tr) {
		log_error("out of memory");
		goto cleanup;
	}
	ret = collect_probes(&a, specs, t, trc, tr);
	if (ret != EXIT_OK)
		goto cleanup;
	ret = check_probes(&a, t, tr, trc);
	if (ret == EXIT_OK)
		tracer__merge_same_addr(tr);
	if (ret != EXIT_OK)
		goto cleanup;
	ret = EXIT_FAIL;
	if (!a.dry_run && strcmp(env.kallsyms, "/proc/kallsyms") != 0 &&
	    !checks__table_is_live(t, tracer__probe(tr, 0), tracer__count(tr),
				   strcmp(env.kallsyms, "-") ? env.kallsyms : "standard input"))
		goto cleanup;

	if (a.cmd && !a.dry_run && child_spawn(&child, a.cmd, env.json))
		goto cleanup;
	to.ringbuf_size = a.ringbuf;
	to.filter_tgid = a.follow ? (uint32_t)child.pid : a.pid;
	to.filter_comm = a.comm ? a.comm_buf : NULL;
	to.stack = a.stack;
	to.count_only = a.count;
	if (tracer__load(tr, &to))
		goto cleanup;

	event_printer__init(&run.pr, stdout, t, env.json);
	if (a.dry_run) {
		event_printer__plan(&run.pr, tracer__probe(tr, 0), tracer__count(tr), trc);
		if (fflush(stdout)) {
			log_error("cannot write the plan: %m");
			goto cleanup;
		}
		dry_run_report(&a, tr, &ks);
		ret = EXIT_OK;
		goto cleanup;
	}

	setvbuf(stdout, NULL, _IOFBF, OUT_BUF_SIZE);
	install_signals();
	run.tr = tr;
	run.max_events = a.max_events;
	tracer__set_handler(tr, on_event, &run);
	if (tracer__attach(tr, a.skip_failed))
		goto cleanup;
	report_attach_skips(tr);
	log_info("ksymtrace: %zu probe%s attached, told apart by %s; %s", tracer__attached(tr),
		 tracer__attached(tr) == 1 ? "" : "s", tracer__id_mode(tr),
		 a.cmd ? "running the command" : "Ctrl-C to stop");
	child_release(&child);

	if (stream(&run, &a, &child))
		goto cleanup;
	/* stop the probes first, then hand over what they left in the ring buffer */
	tracer__detach(tr);
	tracer__drain(tr);
	if (fflush(stdout) && !run.write_err)
		run.write_err = errno ? errno : EIO; /* events before the summary on a shared terminal */
	if (tracer__collect(tr, &st))
		log_warn("cannot read the hit counters: the summary may be short");
	if (run.write_err && run.write_err != EPIPE) {
		log_error("cannot write the events: %s", strerror(run.write_err));
		goto cleanup;
	}
	/* a reader that went away (EPIPE) takes JSON's summary with it, not stderr's */
	if (!(run.write_err && env.json) && (env.json || a.count || log_level >= LOG_NORMAL))
		event_printer__summary(&run.pr, a.count ? stdout : stderr, tracer__probe(tr, 0),
				       tracer__count(tr), &st);
	if (fflush(stdout) && errno != EPIPE) {
		log_error("cannot write the output: %m");
		goto cleanup;
	}
	if (!a.count && st.lost)
		log_warn("%" PRIu64 " event%s lost: the ring buffer was full; a larger --ringbuf-size, or --count",
			 st.lost, st.lost == 1 ? "" : "s");
	ret = EXIT_OK;

cleanup:
	tracer__free(tr);
	child_finish(&child, a.cmd);
	cli_free_specs(specs, a.n_specs);
	traceable__free(trc);
	ksyms__free(t);
	return ret;
}
