// SPDX-License-Identifier: GPL-2.0
/* The run loop of attach. See run.h. */
#define _GNU_SOURCE
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/types.h>

#include "cli.h"
#include "events.h"
#include "kernel.h"
#include "ksymtrace.h"
#include "log.h"
#include "record.h"

/* ---- signals ------------------------------------------------------------------ */

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

/* ---- the -c command --------------------------------------------------------------- */

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
		log_note("'%s' exited with status %d", cmd, WEXITSTATUS(c->status));
	else if (WIFSIGNALED(c->status))
		log_note("'%s' was killed by signal %d", cmd, WTERMSIG(c->status));
}

/* ---- the run ---------------------------------------------------------------------- */

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
	struct run_opts o;
	struct child child;
	struct tracer *tr;
	const struct plan *pl;
	struct event_printer pr;
	uint64_t printed;
	uint64_t malformed; /* records that failed record__decode() */
	int write_err; /* errno of the first failed write to stdout */
};

struct run *run__new(const struct run_opts *o)
{
	struct run *r = calloc(1, sizeof(*r));

	if (!r) {
		log_error("out of memory");
		return NULL;
	}
	r->o = *o;
	r->child.go_fd = -1;
	if (o->cmd && child_spawn(&r->child, o->cmd, o->json)) {
		free(r);
		return NULL;
	}
	return r;
}

pid_t run__child(const struct run *r)
{
	return r ? r->child.pid : 0;
}

void run__free(struct run *r)
{
	if (!r)
		return;
	child_finish(&r->child, r->o.cmd);
	event_printer__fini(&r->pr);
	free(r);
}

static int on_event(void *ctx, const void *rec, size_t size)
{
	struct run *r = ctx;
	uint64_t max = r->o.max_events;
	struct event ev;
	const char *why;

	if (!record__decode(rec, size, plan__count(r->pl), &ev, &why)) {
		if (!r->malformed++)
			log_verbose("a malformed record in the ring buffer (%s): counted as unidentified", why);
		return 0;
	}
	if (r->write_err || (max && r->printed >= max))
		return 0; /* dropped on purpose: the run is ending */
	if (__fpending(stdout) > OUT_BUF_SIZE - EVENT_TEXT_MAX)
		fflush(stdout);
	event_printer__event(&r->pr, &ev);
	r->printed++;
	if (ferror(stdout)) {
		r->write_err = errno ? errno : EIO;
		exiting = 1;
	}
	if (max && r->printed >= max)
		exiting = 1;
	return 0;
}

/* The kernel's refusal of probe ID, in its terms; with OTHERS probes that
 * --skip-failed would keep. */
static void explain_refusal(const struct plan *pl, size_t id, int err, size_t others)
{
	const struct probe *p = plan__probe(pl, id);
	const struct kernel_site site = {
		.label = p->label, .func = ksyms__name(plan__table(pl), p->sym),
		.off = p->off, .addr = p->addr, .ret = p->ret, .others = others,
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

		if (refused[i])
			log_info("  %s%s at 0x%" PRIx64, p->label, p->ret ? "%return" : "", p->addr);
	}
}

/* Every probe, or none: on a refusal everything is detached, unless
 * --skip-failed goes on without it (and then at least one must be attached).
 * Prints one line per refusal. */
static int attach_all(struct run *r)
{
	size_t n = plan__count(r->pl), skipped = 0;
	bool *refused = calloc(n ? n : 1, sizeof(*refused));

	if (!refused) {
		log_error("out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		int err = tracer__attach(r->tr, i);

		if (!err)
			continue;
		explain_refusal(r->pl, i, -err, r->o.skip_failed ? 0 : n - 1);
		if (!r->o.skip_failed) {
			tracer__detach(r->tr);
			free(refused);
			return -1;
		}
		refused[i] = true;
		skipped++;
	}
	if (tracer__attached(r->tr) == 0) {
		log_error("no probe could be attached");
		free(refused);
		return -1;
	}
	report_skips(r->pl, refused, skipped);
	free(refused);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Poll until a stop rule; returns 0, or -1 after printing the cause. */
static int stream(struct run *r)
{
	double deadline = r->o.duration > 0 ? now_s() + r->o.duration : 0;

	while (!exiting) {
		int timeout = 200, n;

		if (deadline) {
			double left = deadline - now_s();

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
		if (n > 0 && fflush(stdout) && !r->write_err) {
			r->write_err = errno ? errno : EIO;
			break;
		}
		if (r->o.cmd && child_poll(&r->child))
			break;
		if (r->o.pid && kill((pid_t)r->o.pid, 0) && errno == ESRCH) {
			log_note("process %u exited", r->o.pid);
			break;
		}
	}
	return 0;
}

/* After the stop: the last events, the counters, the summary. */
static int finish(struct run *r)
{
	struct tracer_stats st;
	struct event_counts c = { .events = !r->o.count, .malformed = r->malformed };
	bool json = r->o.json;

	/* stop the probes first, then hand over what they left in the ring buffer */
	tracer__detach(r->tr);
	tracer__drain(r->tr);
	if (fflush(stdout) && !r->write_err)
		r->write_err = errno ? errno : EIO; /* events before the summary on a shared terminal */
	if (tracer__collect(r->tr, &st))
		log_warn("cannot read the hit counters: the summary may be short");
	if (r->write_err && r->write_err != EPIPE) {
		log_error("cannot write the events: %s", strerror(r->write_err));
		return EXIT_FAIL;
	}
	/* a reader that went away (EPIPE) takes JSON's summary with it, not stderr's */
	c.printed = r->printed;
	if (!(r->write_err && json) && (json || r->o.count || log_level >= LOG_NORMAL))
		event_printer__summary(&r->pr, r->o.count ? stdout : stderr, &st, &c);
	if (fflush(stdout) && errno != EPIPE) {
		log_error("cannot write the output: %m");
		return EXIT_FAIL;
	}
	if (!r->o.count && st.lost)
		log_warn("%" PRIu64 " event%s lost: the ring buffer was full; a larger --ringbuf-size, or --count",
			 st.lost, st.lost == 1 ? "" : "s");
	return EXIT_OK;
}

int run__go(struct run *r, struct tracer *tr, const struct plan *pl)
{
	size_t n;

	r->tr = tr;
	r->pl = pl;
	event_printer__init(&r->pr, stdout, pl, r->o.json);
	setvbuf(stdout, NULL, _IOFBF, OUT_BUF_SIZE);
	install_signals();
	tracer__set_handler(tr, on_event, r);
	if (attach_all(r))
		return EXIT_FAIL;
	n = tracer__attached(tr);
	log_note("%zu probe%s attached, told apart by %s; %s", n, n == 1 ? "" : "s",
		 tracer__id_mode(tr), r->o.cmd ? "running the command" : "Ctrl-C to stop");
	child_release(&r->child);
	if (stream(r))
		return EXIT_FAIL;
	return finish(r);
}
