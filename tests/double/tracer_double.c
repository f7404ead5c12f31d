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
 *   KT_DOUBLE_NO_COOKIES=1     a kernel before 5.15: no attach cookies, so no
 *                              probe on a module that is not loaded, and every
 *                              module probe by address (tracer__rearms false)
 *   KT_DOUBLE_MULTI=1          the kernel has kprobe_multi links: the probes at +0
 *                              attach through one per kind (unless --no-multi;
 *                              kretprobes with --maxactive are tracefs events)
 *   KT_DOUBLE_MISSED=ID:N,ID:? per probe id, the kernel's missed count, or ?
 *                              (it cannot tell); 0 for the others
 *   KT_DOUBLE_UNCOUNTED=kprobe,recursion  the counts this kernel does not keep
 *   KT_DOUBLE_SHARED=N:P       N misses counted for P probes together
 *   KT_DOUBLE_DROP=N           the Nth record of each pass (1-based) is lost as a
 *                              full ring buffer loses one: its hit counted, the
 *                              record never handed over, one more in lost
 *   KT_DOUBLE_LOG=FILE         one line per call: "load N", "multi N" (probes
 *                              attached through links), "attach ID",
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
	uint64_t *hits, *missed;
	/* how each probe attaches: 0 one kprobe, 1 a kprobe_multi link, 2 an event */
	uint8_t *via;
	enum tracer_single_why why;
	unsigned int uncounted;
	uint64_t shared;
	size_t shared_probes;
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

/* As tracer.c decides, with KT_DOUBLE_MULTI standing for the kernel's answer. */
static void pick_vias(struct tracer *tr, const struct tracer_opts *o)
{
	const char *m = getenv("KT_DOUBLE_MULTI");
	bool multi = !o->no_multi && m && strcmp(m, "1") == 0;
	size_t single = 0;

	tr->why = o->no_multi ? TRACER_SINGLE_OPTION : TRACER_SINGLE_NO_KERNEL;
	for (size_t i = 0; i < tr->n; i++) {
		const struct probe *p = plan__probe(tr->pl, i);

		if ((p->ret && o->maxactive) || (p->mod_unique && tracer__can_wait(tr)))
			tr->via[i] = 2;
		else if (multi && p->off == 0)
			tr->via[i] = 1;
		else
			single++;
	}
	if (multi)
		tr->why = single ? TRACER_SINGLE_PROBES : TRACER_SINGLE_NONE;
}

/* KT_DOUBLE_MISSED, KT_DOUBLE_UNCOUNTED and KT_DOUBLE_SHARED. */
static void read_missed(struct tracer *tr)
{
	const char *m = getenv("KT_DOUBLE_MISSED"), *u = getenv("KT_DOUBLE_UNCOUNTED");
	const char *sh = getenv("KT_DOUBLE_SHARED");

	while (m && *m) {
		char *end;
		unsigned long id = strtoul(m, &end, 10);

		if (*end != ':')
			break;
		if (id < tr->n)
			tr->missed[id] = end[1] == '?' ? TRACER_MISSED_UNKNOWN : strtoull(end + 1, NULL, 10);
		m = strchr(end, ',');
		m = m ? m + 1 : NULL;
	}
	if (u && strstr(u, "kprobe"))
		tr->uncounted |= TRACER_UNCOUNTED_KPROBE;
	if (u && strstr(u, "recursion"))
		tr->uncounted |= TRACER_UNCOUNTED_RECURSION;
	if (sh && strchr(sh, ':')) {
		tr->shared = strtoull(sh, NULL, 10);
		tr->shared_probes = strtoul(strchr(sh, ':') + 1, NULL, 10);
	}
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
	tr->missed = calloc(n ? n : 1, sizeof(*tr->missed));
	tr->via = calloc(n ? n : 1, sizeof(*tr->via));
	if (!tr->linked || !tr->attached || !tr->hits || !tr->missed || !tr->via ||
	    (recs && read_records(tr, recs))) {
		tracer__free(tr);
		return NULL;
	}
	pick_vias(tr, o);
	read_missed(tr);
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
	free(tr->missed);
	free(tr->via);
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

size_t tracer__attach_multi(struct tracer *tr)
{
	size_t n = 0;

	for (size_t i = 0; i < tr->n; i++) {
		if (tr->via[i] == 1 && !tr->linked[i]) {
			tr->linked[i] = tr->attached[i] = true;
			n++;
		}
	}
	tr->n_attached += n;
	if (n)
		dlog(tr, "multi %zu", n);
	return n;
}

size_t tracer__attached(const struct tracer *tr)
{
	return tr->n_attached;
}

bool tracer__can_wait(const struct tracer *tr)
{
	const char *s = getenv("KT_DOUBLE_NO_COOKIES");

	(void)tr;
	return !(s && strcmp(s, "1") == 0);
}

/* as the real engine: a MOD:SYM+OFF event for what the kernel can name so */
bool tracer__rearms(const struct tracer *tr, size_t id)
{
	const struct probe *p = plan__probe(tr->pl, id);

	return p && p->mod_unique && tracer__can_wait(tr);
}

void tracer__links(const struct tracer *tr, struct tracer_links *l)
{
	bool kinds[2] = { false, false };

	memset(l, 0, sizeof(*l));
	for (size_t i = 0; i < tr->n; i++) {
		if (!tr->attached[i])
			continue;
		if (tr->via[i] == 1) {
			l->multi_probes++;
			kinds[plan__probe(tr->pl, i)->ret] = true;
		} else if (tr->via[i] == 2 && tracer__rearms(tr, i)) {
			l->mod_events++;
		} else if (tr->via[i] == 2) {
			l->events++;
		} else {
			l->single++;
		}
	}
	l->multi_links = kinds[0] + kinds[1];
	l->why = l->single ? tr->why : TRACER_SINGLE_NONE;
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
	st->missed = tr->missed;
	st->unavailable = tr->uncounted;
	st->shared = tr->shared;
	st->shared_probes = tr->shared_probes;
	st->lost = tr->lost;
	st->unknown = tr->unknown;
	return 0;
}
