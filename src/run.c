// SPDX-License-Identifier: GPL-2.0
/* The run loop of attach. See run.h. */
#define _GNU_SOURCE
#include "run.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/types.h>

#include "child.h"
#include "cli.h"
#include "event_values.h"
#include "events.h"
#include "expect.h"
#include "kernel.h"
#include "ksymtrace.h"
#include "log.h"
#include "outstream.h"
#include "record.h"
#include "run_mods.h"

/* ---- signals ------------------------------------------------------------------ */

/* The first stop signal; any stop rule sets exiting. */
static volatile sig_atomic_t stop_sig;
static volatile sig_atomic_t exiting;
/* -c's process group once it runs: what a second signal takes down with it */
static volatile sig_atomic_t child_pgid;

static void on_stop_signal(int sig)
{
	/* the second one does not wait: exiting closes every perf event, and the
	 * kernel removes the probes with them */
	if (stop_sig) {
		if (child_pgid > 0)
			kill(-child_pgid, SIGKILL);
		_exit(128 + sig);
	}
	stop_sig = sig;
	exiting = 1;
}

/* Nothing to do: being caught, SIGCHLD interrupts epoll_wait, and the loop then
 * reaps the child (SIG_DFL would ignore it and leave the loop waiting). */
static void on_sigchld(int sig)
{
	(void)sig;
}

/* From run__new on, before -c's command is forked and the BPF programs load:
 * a stop at any phase is the run's to handle. SA_RESTART: a system call that a
 * signal interrupts goes on (a write that waits on a reader is interrupted by
 * outstream.h's timer instead); epoll_wait is never restarted (signal(7)), so
 * the poll loop sees every signal at once. SIGHUP (the terminal went away) is a
 * stop like SIGTERM. SIGPIPE is ignored from main() on: a closed stdout is
 * EPIPE. */
static void install_signals(void)
{
	struct sigaction sa = { .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_sigchld;
	sigaction(SIGCHLD, &sa, NULL);
}

/* ---- the run ---------------------------------------------------------------------- */

/* Output: whole events, many per write(2). A write per event (line buffering)
 * cost more than the rest of the event's way to stdout; so stdout is fully
 * buffered, flushed after every batch the ring buffer hands over (a reader sees
 * each batch at once) and before an event that might not fit what is left of
 * the buffer. (Flushing only when the ring buffer fell quiet, every 100 ms at
 * most, was slower in the 6.1 VM: 2.5 s against 2.2 s for bench-attach.sh's
 * 200,000 events; the write per batch spaces the consumer's wakeups.) Every write then ends at the end of an event: a second Ctrl-C,
 * which exits without flushing, never leaves half a line behind. */
#define OUT_BUF_SIZE (256 * 1024)
/* the longest event: a stack of KT_STACK_MAX frames of "name+0xoff [mod]", in
 * JSON each byte of a name escaped as \ufffd at worst, its values (strings
 * escaped as much), and the rest */
#define EVENT_OUT_MAX (KT_STACK_MAX * (6 * FRAME_TEXT_MAX + 8) + EVENT_VALUES_JSON_MAX + 4096)
_Static_assert(EVENT_OUT_MAX < OUT_BUF_SIZE, "the buffer holds the longest event");
/* stream positions of the events not yet known to be written: at least 64
 * bytes an event, the buffer's worth */
#define ENDS_MAX (OUT_BUF_SIZE / 64)

struct run {
	struct run_opts o;
	struct child *child;
	struct tracer *tr;
	const struct plan *pl;
	struct run_mods *mods; /* the probes in modules, as the modules come and go */
	struct event_printer pr;
	struct outstream *os;
	FILE *out;
	bool stopping;  /* the stop has begun: CMD signalled, probes detached */
	bool pid_gone;  /* -p's process exited */
	double deadline;
	uint64_t handed;    /* events given to the printer */
	uint64_t unwritten; /* of those, the ones stdout never took */
	uint64_t malformed;
	uint64_t ends[ENDS_MAX];
	size_t n_ends;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct run *run__new(const struct run_opts *o)
{
	struct run *r = calloc(1, sizeof(*r));

	if (!r) {
		log_error("out of memory");
		return NULL;
	}
	r->o = *o;
	install_signals();
	if (o->cmd) {
		r->child = child__spawn(o->cmd, o->json);
		if (!r->child) {
			free(r);
			return NULL;
		}
	}
	return r;
}

pid_t run__child(const struct run *r)
{
	return r ? child__pid(r->child) : 0;
}

void run__free(struct run *r)
{
	if (!r)
		return;
	child__free(r->child);
	run_mods__free(r->mods);
	/* whatever is left to write gets RUN_STALL_S, not forever */
	r->stopping = true;
	outstream__close(r->os);
	event_printer__fini(&r->pr);
	free(r);
}

/* ---- stop rules ------------------------------------------------------------------ */

static bool stop_due(struct run *r)
{
	if (exiting)
		return true;
	if (r->deadline && now_s() >= r->deadline)
		return true;
	if (r->child && child__exited(r->child))
		return true;
	if (r->o.pid && !r->pid_gone && kill((pid_t)r->o.pid, 0) && errno == ESRCH) {
		log_note("process %u exited", r->o.pid);
		r->pid_gone = true;
	}
	return r->pid_gone;
}

/* The end begins: -c's group is told to go, and the probes are detached, now,
 * whatever standard output does. */
static void begin_stop(struct run *r)
{
	if (r->stopping)
		return;
	r->stopping = true;
	child__stop(r->child);
	tracer__detach(r->tr);
}

/* While a write to stdout waits on its reader (outstream.h): a stop rule that
 * comes meanwhile detaches the probes at once, and a reader that takes nothing
 * for RUN_STALL_S after the stop loses the rest. */
static bool on_write_wait(void *ctx, long stalled_ms)
{
	struct run *r = ctx;

	if (!r->stopping && stop_due(r))
		begin_stop(r);
	return r->stopping && stalled_ms >= RUN_STALL_S * 1000;
}

/* ---- events ------------------------------------------------------------------------ */

/* Events handed to stdout that never reached it: those that end past what was
 * written. */
static uint64_t not_written(const struct run *r)
{
	uint64_t written = outstream__written(r->os), n = 0;

	for (size_t i = r->n_ends; i > 0 && r->ends[i - 1] > written; i--)
		n++;
	return n;
}

/* Flush what the printer wrote, and act on what stdout became. */
static void flush_events(struct run *r)
{
	fflush(r->out);
	switch (outstream__state(r->os)) {
	case OUT_OK:
		break;
	case OUT_STALLED:
		r->unwritten += not_written(r);
		break;
	case OUT_GONE:
	case OUT_ERROR:
		exiting = 1;
		break;
	}
	r->n_ends = 0;
}

static int on_event(void *ctx, const void *rec, size_t size)
{
	struct run *r = ctx;
	uint64_t max = r->o.max_events;
	struct event ev;
	const char *why;

	if (!record__decode(rec, size, event_printer__shape(&r->pr), &ev, &why)) {
		if (!r->malformed++)
			log_verbose("a malformed record in the ring buffer (%s): counted as unidentified", why);
		return 0;
	}
	/* every event the kernel delivered, printed or not (-n, a stalled reader) */
	expect__event(r->o.expect, &ev);
	if (max && r->handed >= max)
		return 0; /* dropped on purpose: the run is ending */
	if (outstream__state(r->os) != OUT_OK) {
		/* a reader that went away took the run with it; a stalled one loses it */
		if (outstream__state(r->os) == OUT_STALLED) {
			r->handed++;
			r->unwritten++;
		}
		return 0;
	}
	if (__fpending(r->out) > OUT_BUF_SIZE - EVENT_OUT_MAX || r->n_ends == ENDS_MAX)
		flush_events(r);
	event_printer__event(&r->pr, &ev);
	r->ends[r->n_ends++] = outstream__position(r->os);
	r->handed++;
	if (max && r->handed >= max)
		exiting = 1;
	return 0;
}

/* ---- attaching --------------------------------------------------------------------- */

/* The kernel's refusal of probe ID, in its terms; with OTHERS probes that
 * --skip-failed would keep. */
static void explain_refusal(const struct plan *pl, size_t id, int err, size_t others)
{
	const struct probe *p = plan__probe(pl, id);
	const struct kernel_site site = {
		.label = p->label, .func = ksyms__name(plan__table(pl), p->sym),
		.off = p->off, .addr = p->addr, .ret = p->ret, .others = others,
		.waits = ksym_loaded(p->sym) ? NULL : ksyms__mod_name(plan__table(pl), p->sym->mod),
	};

	kernel__explain_attach(&site, err);
}

static void report_skips(const struct plan *pl, const bool *refused, size_t skipped)
{
	size_t n = plan__count(pl);

	if (!skipped)
		return;
	log_warn("%zu of %zu probes could not be attached and are skipped:", skipped, n);
	for (size_t i = 0; i < n; i++) {
		const struct probe *p = plan__probe(pl, i);

		if (refused[i] && !ksym_loaded(p->sym))
			log_info("  %s%s (not loaded)", p->label, p->ret ? "%return" : "");
		else if (refused[i])
			log_info("  %s%s at 0x%" PRIx64, p->label, p->ret ? "%return" : "", p->addr);
	}
}

enum { ATTACHED, REFUSED, STOPPED };

/* Every probe, or none: on a refusal everything is detached, unless
 * --skip-failed goes on without it (and then at least one must be attached).
 * Prints one line per refusal. A stop signal ends it between two probes. */
static int attach_all(struct run *r)
{
	size_t n = plan__count(r->pl), skipped = 0;
	bool *refused = calloc(n ? n : 1, sizeof(*refused));
	int ret = ATTACHED;

	if (!refused) {
		log_error("out of memory");
		return REFUSED;
	}
	/* the kprobe_multi links first: a thousand probes in one step each */
	tracer__attach_multi(r->tr);
	if (stop_sig)
		ret = STOPPED;
	for (size_t i = 0; i < n && ret == ATTACHED; i++) {
		int err = tracer__attach(r->tr, i);

		if (stop_sig) {
			ret = STOPPED;
		} else if (err) {
			explain_refusal(r->pl, i, -err, r->o.skip_failed ? 0 : n - 1);
			refused[i] = true;
			skipped++;
			if (!r->o.skip_failed)
				ret = REFUSED;
		} else {
			run_mods__attached(r->mods, i);
		}
	}
	if (ret == ATTACHED && tracer__attached(r->tr) == 0) {
		log_error("no probe could be attached");
		ret = REFUSED;
	}
	if (ret == ATTACHED)
		report_skips(r->pl, refused, skipped);
	else
		tracer__detach(r->tr);
	free(refused);
	return ret;
}

/* ---- the banner ----------------------------------------------------------------------- */

static const char *single_why(enum tracer_single_why why)
{
	switch (why) {
	case TRACER_SINGLE_OPTION:
		return "--no-multi";
	case TRACER_SINGLE_NO_COOKIES:
		return "no attach cookies before Linux 5.15";
	case TRACER_SINGLE_NO_KERNEL:
		return "this kernel has no kprobe_multi";
	case TRACER_SINGLE_REFUSED:
		return "the kernel refused their kprobe_multi link";
	case TRACER_SINGLE_PROBES:
		return "at an offset, or in code ftrace cannot hook";
	case TRACER_SINGLE_NONE:
		break;
	}
	return NULL;
}

/* How the N attached probes went in, for the banner: " through 2
 * kprobe_multi links", " one kprobe each (--no-multi)", or the mix. */
static const char *how_attached(const struct tracer *tr, size_t n)
{
	static char buf[320];
	struct tracer_links l;
	const char *why;
	struct {
		size_t n;
		char text[128];
	} part[4];
	int len = 0;

	tracer__links(tr, &l);
	why = single_why(l.why);
	part[0].n = l.multi_probes;
	snprintf(part[0].text, sizeof(part[0].text), "through %zu kprobe_multi link%s", l.multi_links,
		 l.multi_links == 1 ? "" : "s");
	part[1].n = l.single;
	snprintf(part[1].text, sizeof(part[1].text), "one kprobe each%s%s%s", why ? " (" : "", why ? why : "",
		 why ? ")" : "");
	part[2].n = l.events;
	snprintf(part[2].text, sizeof(part[2].text), "as tracefs kretprobe events (--maxactive)");
	part[3].n = l.mod_events;
	snprintf(part[3].text, sizeof(part[3].text), "as tracefs events on their module (armed on each load)");
	for (int k = 0; k < 4; k++) {
		if (part[k].n == n) {
			snprintf(buf, sizeof(buf), " %s", part[k].text);
			return buf;
		}
	}
	len = snprintf(buf, sizeof(buf), ":");
	for (int k = 0; k < 4 && len > 0 && (size_t)len < sizeof(buf); k++)
		if (part[k].n)
			len += snprintf(buf + len, sizeof(buf) - (size_t)len, " %zu %s,", part[k].n, part[k].text);
	if (len > 0 && (size_t)len < sizeof(buf))
		buf[len - 1] = '\0';
	return buf;
}

/* A stop before any event could be traced: nothing to sum up. */
static int stopped(struct run *r, const char *phase)
{
	const char *sig = sigabbrev_np(stop_sig);
	char cmd[128] = "";

	tracer__detach(r->tr);
	if (r->o.cmd)
		snprintf(cmd, sizeof(cmd), "; '%.100s%s' not run", r->o.cmd, strlen(r->o.cmd) > 100 ? "..." : "");
	for (char *c = cmd; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	log_error("stopped by SIG%s while %s: nothing traced, all detached%s", sig ? sig : "?", phase, cmd);
	return 128 + stop_sig;
}

/* ---- streaming --------------------------------------------------------------------- */

/* Poll until a stop rule; returns 0, or -1 after printing the cause. */
static int stream(struct run *r)
{
	r->deadline = r->o.duration > 0 ? now_s() + r->o.duration : 0;
	while (!stop_due(r)) {
		int timeout = 200, n;

		if (r->deadline) {
			double left = r->deadline - now_s();

			if (left <= 0)
				break;
			if (left * 1000 < timeout)
				timeout = (int)(left * 1000) + 1;
		}
		n = tracer__poll(r->tr, timeout);
		if (n < 0 && n != -EINTR) {
			log_error("cannot read events: %s", strerror(-n));
			return -1;
		}
		if (n > 0)
			flush_events(r);
		run_mods__tick(r->mods);
	}
	return 0;
}

/* What the MISSED column cannot say, in one line each. */
static void say_missed(const struct tracer_stats *st)
{
	unsigned int u = st->unavailable;

	if (u & TRACER_UNCOUNTED_KPROBE)
		log_note("missed: this kernel (before Linux 6.7) counts neither a kprobe's own misses nor the BPF programs' recursion: MISSED is ? where only those counts could tell, and leaves recursion out");
	else if (u & TRACER_UNCOUNTED_RECURSION)
		log_note("missed: this kernel (before Linux 6.7) does not count the BPF programs' recursion in kprobes: MISSED leaves it out");
	if (st->shared)
		log_note("missed: %" PRIu64 " hit%s missed by %zu probes together, counted for a kprobe_multi link or a BPF program and not per probe: MISSED is ? for them (--no-multi counts a kprobe's own misses per probe)",
			 st->shared, st->shared == 1 ? "" : "s", st->shared_probes);
}

/* After the stop: the last events, the counters, the summary. */
static int finish(struct run *r)
{
	struct tracer_stats st;
	struct event_counts c = { .events = !r->o.count, .malformed = r->malformed,
				  .stall_s = RUN_STALL_S, .expect = r->o.expect };
	size_t failed;
	enum outstream_state os;
	FILE *text_out;

	/* stop the probes first, then hand over what they left in the ring buffer */
	begin_stop(r);
	tracer__drain(r->tr);
	flush_events(r);
	if (tracer__collect(r->tr, &st))
		log_warn("cannot read the hit counters: the summary may be short");
	failed = expect__evaluate(r->o.expect, &st);
	c.unwritten = r->unwritten;
	c.unloaded = run_mods__unloaded(r->mods);
	c.printed = r->handed - r->unwritten;
	os = outstream__state(r->os);
	if (os == OUT_ERROR) {
		log_error("cannot write the events: %s", strerror(outstream__errno(r->os)));
		return EXIT_FAIL;
	}
	/* stdout's reader went away: JSON's summary went with it, not stderr's;
	 * it stalled: the summary goes to stderr, as text */
	text_out = r->o.count && os == OUT_OK ? r->out : stderr;
	if (os == OUT_STALLED)
		r->pr.json = false;
	if (!(os == OUT_GONE && r->pr.json) && (r->pr.json || r->o.count || log_level >= LOG_NORMAL))
		event_printer__summary(&r->pr, text_out, &st, &c);
	fflush(r->out);
	if (outstream__state(r->os) == OUT_ERROR) {
		log_error("cannot write the output: %s", strerror(outstream__errno(r->os)));
		return EXIT_FAIL;
	}
	if (!r->o.count && st.lost)
		log_warn("%" PRIu64 " event%s lost: the ring buffer was full; a larger --ringbuf-size, or --count",
			 st.lost, st.lost == 1 ? "" : "s");
	say_missed(&st);
	expect__report(r->o.expect);
	return failed ? EXIT_EXPECT : EXIT_OK;
}

int run__go(struct run *r, struct tracer *tr, const struct plan *pl)
{
	size_t n;
	int ret;

	r->tr = tr;
	r->pl = pl;
	fflush(stdout);
	r->os = outstream__open(STDOUT_FILENO, OUT_BUF_SIZE, on_write_wait, r);
	if (!r->os) {
		log_error("cannot set up the output: %m");
		return EXIT_FAIL;
	}
	r->out = outstream__file(r->os);
	if (event_printer__init(&r->pr, r->out, pl, r->o.pv, r->o.json))
		return EXIT_FAIL;
	if (stop_sig)
		return stopped(r, "loading the BPF programs");
	tracer__set_handler(tr, on_event, r);
	r->mods = run_mods__new(pl, tr);
	if (!r->mods)
		return EXIT_FAIL;
	ret = attach_all(r);
	if (ret == STOPPED || (ret == ATTACHED && stop_sig))
		return stopped(r, "attaching probes");
	if (ret == REFUSED)
		return EXIT_FAIL;
	n = tracer__attached(tr);
	log_note("%zu probe%s attached%s, told apart by %s; %s", n, n == 1 ? "" : "s",
		 how_attached(tr, n), tracer__id_mode(tr), r->o.cmd ? "running the command" : "Ctrl-C to stop");
	event_values__banner(r->o.pv, pl);
	run_mods__started(r->mods);
	child__release(r->child);
	child_pgid = child__pgid(r->child);
	ret = stream(r) ? EXIT_FAIL : finish(r);
	if (r->child) {
		int cret = child__finish(r->child);

		/* a command that could not run outranks an expectation: the run
		 * did not go as asked */
		if (ret == EXIT_OK || (ret == EXIT_EXPECT && cret != EXIT_OK))
			ret = cret;
	}
	return ret;
}
