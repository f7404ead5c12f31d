// SPDX-License-Identifier: GPL-2.0
/* Standard output of a stream of events. See outstream.h. */
#define _GNU_SOURCE
#include "outstream.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

struct outstream {
	FILE *f;
	int fd;
	bool may_block; /* not a regular file: a write can wait on a reader */
	enum outstream_state state;
	int err;
	uint64_t written, handed;
	outstream_wait_fn wait;
	void *ctx;
	struct sigaction old_alrm;
};

/* Nothing to do: being caught without SA_RESTART, SIGALRM makes a waiting
 * write(2) return (EINTR, or the bytes it got out). */
static void on_alarm(int sig)
{
	(void)sig;
}

static void ticks(bool on)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };

	if (on)
		it.it_interval.tv_usec = it.it_value.tv_usec = OUTSTREAM_TICK_MS * 1000;
	setitimer(ITIMER_REAL, &it, NULL);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* The write(2) loop behind the FILE. Whatever happens, all LEN bytes are taken:
 * those that could not be written are counted (handed, not written). */
static ssize_t cookie_write(void *cookie, const char *buf, size_t len)
{
	struct outstream *s = cookie;
	struct timespec progress;
	size_t done = 0;

	s->handed += len;
	if (s->state != OUT_OK)
		return (ssize_t)len;
	clock_gettime(CLOCK_MONOTONIC, &progress);
	if (s->may_block)
		ticks(true);
	while (done < len) {
		ssize_t n = write(s->fd, buf + done, len - done);

		if (n > 0) {
			done += (size_t)n;
			s->written += (uint64_t)n;
			clock_gettime(CLOCK_MONOTONIC, &progress);
			continue;
		}
		if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			/* EAGAIN: someone made the descriptor non-blocking; wait here */
			if (errno == EAGAIN)
				poll(&(struct pollfd){ .fd = s->fd, .events = POLLOUT }, 1, OUTSTREAM_TICK_MS);
			if (s->wait && s->wait(s->ctx, ms_since(&progress))) {
				s->state = OUT_STALLED;
				break;
			}
			continue;
		}
		s->err = n < 0 ? errno : EIO;
		s->state = s->err == EPIPE ? OUT_GONE : OUT_ERROR;
		break;
	}
	if (s->may_block)
		ticks(false);
	return (ssize_t)len;
}

struct outstream *outstream__open(int fd, size_t bufsize, outstream_wait_fn wait, void *ctx)
{
	struct outstream *s = calloc(1, sizeof(*s));
	cookie_io_functions_t io = { .write = cookie_write };
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	struct stat st;

	if (!s)
		return NULL;
	s->fd = fd;
	s->wait = wait;
	s->ctx = ctx;
	s->may_block = fstat(fd, &st) || !S_ISREG(st.st_mode);
	s->f = fopencookie(s, "w", io);
	if (!s->f || setvbuf(s->f, NULL, _IOFBF, bufsize)) {
		if (s->f)
			fclose(s->f);
		free(s);
		return NULL;
	}
	/* one thread writes it: no lock per call */
	__fsetlocking(s->f, FSETLOCKING_BYCALLER);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &s->old_alrm);
	return s;
}

FILE *outstream__file(struct outstream *s)
{
	return s->f;
}

enum outstream_state outstream__state(const struct outstream *s)
{
	return s->state;
}

int outstream__errno(const struct outstream *s)
{
	return s->err;
}

uint64_t outstream__written(const struct outstream *s)
{
	return s->written;
}

uint64_t outstream__position(struct outstream *s)
{
	return s->handed + __fpending(s->f);
}

void outstream__close(struct outstream *s)
{
	if (!s)
		return;
	fclose(s->f);
	sigaction(SIGALRM, &s->old_alrm, NULL);
	free(s);
}
