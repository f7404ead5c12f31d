// SPDX-License-Identifier: GPL-2.0
/* A test double of tracer.h: the real run loop (run.c) and printers (events.c)
 * on top of a fake BPF engine, so that the host suite can run attach from start
 * to summary on a kernel without kprobes. Linked only into ksymtrace-double, a
 * test executable: the installed ksymtrace never reads these variables.
 *
 *   KT_DOUBLE_RECORDS=FILE     ring-buffer records to hand over, as mkrecords
 *                              writes them and the kernel's ring buffer holds
 *                              them: an 8-byte header (u32 size, u32 0), then the
 *                              record, padded to 8 bytes
 *   KT_DOUBLE_REPEAT=N         hand the file over N times (default 1; 0: forever)
 *   KT_DOUBLE_BATCH=N          records per poll (default 64), like one wakeup
 *   KT_DOUBLE_FAIL_ATTACH=N[:ERRNO]  the Nth attach (1-based) is refused with
 *                              ERRNO (a number; default EINVAL)
 *   KT_DOUBLE_BLOCK_ATTACH=N   the Nth attach creates $KT_DOUBLE_DIR/attach-blocked,
 *                              then waits (signals do not end the wait: a real
 *                              perf_event_open does not return early either) until
 *                              $KT_DOUBLE_DIR/attach-go exists, 10 s at most
 *   KT_DOUBLE_LOST=N           the kernel's count of events lost to a full ring
 *   KT_DOUBLE_DROP=N           the Nth record of each pass (1-based) is lost as a
 *                              full ring buffer loses one: its hit counted, the
 *                              record never handed over, one more in lost
 *   KT_DOUBLE_LOG=FILE         one line per call: "load N", "attach ID",
 *                              "refuse ID ERRNO", "detach N", "free N" (N: probes
 *                              attached at that moment)
 *
 * Records are handed over only while a probe is attached, or by a drain, as the
 * kernel would; each one with a valid probe id counts a hit, as the BPF side
 * counts them whether or not user space prints the event. */
#define _GNU_SOURCE
#include "tracer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/types.h>

#include "ksymtrace.h"
#include "log.h"

struct tracer {
	const struct plan *pl;
	size_t n;
	bool count_only;
	bool *linked, *attached;
	uint64_t *hits;
	size_t n_attached, n_attach_calls;
	uint64_t lost, unknown;
	/* the records file, whole, and where the next record starts */
	unsigned char *recs;
	size_t recs_len, pos;
	unsigned long repeat, passes; /* repeat 0: forever */
	unsigned long batch;
	unsigned long fail_at, block_at;
	unsigned long drop_at, rec_no; /* rec_no: records of this pass so far */
	int fail_errno;
	const char *dir;
	int log_fd;
	tracer_event_fn fn;
	void *fn_ctx;
};

static void dlog(const struct tracer *tr, const char *fmt, ...)
{
	char line[128];
	va_list ap;
	int n;

	if (tr->log_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 1)
		return;
	line[n++] = '\n';
	if (write(tr->log_fd, line, (size_t)n) != n)
		return;
}

static unsigned long env_ul(const char *name, unsigned long dflt)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (!s || !*s)
		return dflt;
	errno = 0;
	v = strtoul(s, &end, 0);
	return errno || (*end && *end != ':') ? dflt : v;
}

static int read_records(struct tracer *tr, const char *path)
{
	FILE *f = fopen(path, "rbe");
	size_t cap = 0;

	if (!f) {
		log_error("test double: cannot open %s: %m", path);
		return -1;
	}
	for (;;) {
		size_t got;

		if (tr->recs_len == cap) {
			unsigned char *nb = realloc(tr->recs, cap ? cap * 2 : 65536);

			if (!nb) {
				fclose(f);
				log_error("out of memory");
				return -1;
			}
			tr->recs = nb;
			cap = cap ? cap * 2 : 65536;
		}
		got = fread(tr->recs + tr->recs_len, 1, cap - tr->recs_len, f);
		tr->recs_len += got;
		if (got == 0)
			break;
	}
	fclose(f);
	return 0;
}

struct tracer *tracer__load(const struct plan *pl, const struct tracer_opts *o)
{
	struct tracer *tr = calloc(1, sizeof(*tr));
	const char *recs = getenv("KT_DOUBLE_RECORDS"), *logp = getenv("KT_DOUBLE_LOG");
	const char *fail = getenv("KT_DOUBLE_FAIL_ATTACH");
	size_t n = plan__count(pl);

	if (!tr)
		return NULL;
	tr->pl = pl;
	tr->n = n;
	tr->count_only = o->count_only;
	tr->log_fd = logp ? open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : -1;
	tr->linked = calloc(n ? n : 1, sizeof(*tr->linked));
	tr->attached = calloc(n ? n : 1, sizeof(*tr->attached));
	tr->hits = calloc(n ? n : 1, sizeof(*tr->hits));
	tr->repeat = env_ul("KT_DOUBLE_REPEAT", 1);
	tr->batch = env_ul("KT_DOUBLE_BATCH", 64);
	tr->fail_at = env_ul("KT_DOUBLE_FAIL_ATTACH", 0);
	tr->fail_errno = fail && strchr(fail, ':') ? atoi(strchr(fail, ':') + 1) : EINVAL;
	tr->block_at = env_ul("KT_DOUBLE_BLOCK_ATTACH", 0);
	tr->lost = env_ul("KT_DOUBLE_LOST", 0);
	tr->drop_at = env_ul("KT_DOUBLE_DROP", 0);
	tr->dir = getenv("KT_DOUBLE_DIR");
	if (!tr->linked || !tr->attached || !tr->hits || (recs && read_records(tr, recs))) {
		tracer__free(tr);
		return NULL;
	}
	dlog(tr, "load %zu", n);
	return tr;
}

void tracer__free(struct tracer *tr)
{
	if (!tr)
		return;
	dlog(tr, "free %zu", tr->n_attached);
	if (tr->log_fd >= 0)
		close(tr->log_fd);
	free(tr->linked);
	free(tr->attached);
	free(tr->hits);
	free(tr->recs);
	free(tr);
}

const char *tracer__id_mode(const struct tracer *tr)
{
	(void)tr;
	return "a test double";
}

static bool dir_has(const struct tracer *tr, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", tr->dir ? tr->dir : ".", name);
	return access(path, F_OK) == 0;
}

/* Wait for $KT_DOUBLE_DIR/attach-go, whatever signals come, 10 s at most. */
static void block_attach(struct tracer *tr)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/attach-blocked", tr->dir ? tr->dir : ".");
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < 1000 && !dir_has(tr, "attach-go"); i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 }, rem;

		while (nanosleep(&ts, &rem) && errno == EINTR)
			ts = rem;
	}
}

int tracer__attach(struct tracer *tr, size_t id)
{
	unsigned long nth;

	if (id >= tr->n)
		return -EINVAL;
	if (tr->linked[id])
		return 0;
	nth = ++tr->n_attach_calls;
	if (nth == tr->block_at)
		block_attach(tr);
	if (nth == tr->fail_at) {
		dlog(tr, "refuse %zu %d", id, tr->fail_errno);
		return -tr->fail_errno;
	}
	tr->linked[id] = tr->attached[id] = true;
	tr->n_attached++;
	dlog(tr, "attach %zu", id);
	return 0;
}

size_t tracer__attached(const struct tracer *tr)
{
	return tr->n_attached;
}

void tracer__set_handler(struct tracer *tr, tracer_event_fn fn, void *ctx)
{
	tr->fn = fn;
	tr->fn_ctx = ctx;
}

/* The ring buffer's record header (BPF_RINGBUF_HDR_SZ): records are 8-byte
 * aligned, so the handler gets them in place, as from the kernel's mapping. */
#define HDR_SZ 8

/* Up to MAX records to the handler, as the kernel's ring buffer would hand
 * them over. Returns how many. */
static int hand_over(struct tracer *tr, unsigned long max)
{
	int done = 0;

	while ((unsigned long)done < max) {
		__u32 size;
		const struct kt_event *e;

		if (tr->pos + HDR_SZ > tr->recs_len) {
			if (!tr->recs_len || (tr->repeat && ++tr->passes >= tr->repeat))
				break;
			tr->pos = 0;
			tr->rec_no = 0;
			continue;
		}
		memcpy(&size, tr->recs + tr->pos, sizeof(size));
		if (size > tr->recs_len - tr->pos - HDR_SZ) {
			tr->pos = tr->recs_len; /* a cut file ends there */
			continue;
		}
		e = (const void *)(tr->recs + tr->pos + HDR_SZ);
		/* the kernel counts a hit for every event, printed or not */
		if (size >= offsetof(struct kt_event, ts_ns) && e->probe < tr->n)
			tr->hits[e->probe]++;
		else if (size >= offsetof(struct kt_event, ts_ns) && e->probe == KT_PROBE_UNKNOWN)
			tr->unknown++;
		if (++tr->rec_no == tr->drop_at)
			tr->lost++;
		else if (!tr->count_only && tr->fn)
			tr->fn(tr->fn_ctx, e, size);
		tr->pos += HDR_SZ + ((size + 7) & ~(size_t)7);
		done++;
	}
	return done;
}

int tracer__poll(struct tracer *tr, int timeout_ms)
{
	int n = tr->n_attached ? hand_over(tr, tr->batch) : 0;

	if (n == 0 && timeout_ms > 0) {
		struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000 };

		if (nanosleep(&ts, NULL))
			return -errno;
	}
	return n;
}

int tracer__drain(struct tracer *tr)
{
	return hand_over(tr, tr->batch);
}

void tracer__detach(struct tracer *tr)
{
	dlog(tr, "detach %zu", tr->n_attached);
	memset(tr->linked, 0, tr->n * sizeof(*tr->linked));
	tr->n_attached = 0;
}

int tracer__collect(struct tracer *tr, struct tracer_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->hits = tr->hits;
	st->attached = tr->attached;
	st->lost = tr->lost;
	st->unknown = tr->unknown;
	return 0;
}
