/* SPDX-License-Identifier: GPL-2.0 */
/* Standard output of a stream of events: a stdio FILE whose writes are a
 * write(2) loop owned here (fopencookie), so that a reader that stalls or goes
 * away never holds up the end of a run.
 *
 *   s = outstream__open(fd, wait, ctx)   a FILE on FD: outstream__file(s)
 *   ... events printed to the FILE, fflush() at the end of each batch ...
 *   outstream__state(s)                  OUT_OK, or why bytes stopped reaching FD
 *   outstream__written(s)                bytes that reached FD
 *   outstream__close(s)
 *
 * A write(2) to a pipe or terminal that nobody reads blocks. While one does, a
 * timer interrupts it every OUTSTREAM_TICK_MS (SIGALRM, without SA_RESTART), and
 * WAIT(CTX, ms) is asked whether to give up, MS being the time since the last
 * byte went through: it can stop the run meanwhile, and give up once the reader
 * has taken nothing for long enough. From then on (or once the reader has gone:
 * EPIPE, or any other write error) nothing more is written: whatever is handed
 * over is dropped, and counted in bytes. A write never fails towards stdio, so
 * the FILE never holds half-written data or an error of its own. */
#ifndef KSYMTRACE_OUTSTREAM_H
#define KSYMTRACE_OUTSTREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define OUTSTREAM_TICK_MS 100

enum outstream_state {
	OUT_OK,
	OUT_GONE,    /* EPIPE: the reader went away, a normal end */
	OUT_STALLED, /* WAIT gave up: the reader took nothing for too long */
	OUT_ERROR,   /* another write error: outstream__errno() */
};

typedef bool (*outstream_wait_fn)(void *ctx, long stalled_ms);

struct outstream;

/* A fully buffered FILE of BUFSIZE bytes on FD (not closed by
 * outstream__close). Returns NULL (errno set) on failure. */
struct outstream *outstream__open(int fd, size_t bufsize, outstream_wait_fn wait, void *ctx);
FILE *outstream__file(struct outstream *s);
enum outstream_state outstream__state(const struct outstream *s);
int outstream__errno(const struct outstream *s);
/* Bytes written to FD; bytes handed over (written, then dropped, then pending
 * in the FILE's buffer): a position in the stream. */
uint64_t outstream__written(const struct outstream *s);
uint64_t outstream__position(struct outstream *s);
/* Flushes what can be, and frees. NULL is fine. */
void outstream__close(struct outstream *s);

#endif
