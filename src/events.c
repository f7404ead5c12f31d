// SPDX-License-Identifier: GPL-2.0
/* Printers for attach. See events.h. */
#define _GNU_SOURCE
#include "events.h"

#include <inttypes.h>
#include <linux/types.h>
#include <string.h>
#include <time.h>

#include "ksymtrace.h"
#include "output.h"
#include "probe_values.h"

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void event_printer__init(struct event_printer *p, FILE *out, const struct ksyms *t, bool json)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->t = t;
	p->json = json;
	json_init(&p->j, out);
	/* bpf_ktime_get_ns() is CLOCK_MONOTONIC */
	p->mono0_ns = clock_ns(CLOCK_MONOTONIC);
	p->real0_ns = (int64_t)clock_ns(CLOCK_REALTIME);
	p->last_sec = -1;
}

static const char *kind_name(bool ret)
{
	return ret ? "kretprobe" : "kprobe";
}

static const char *probe_module(const struct ksyms *t, const struct probe *pr)
{
	return ksyms__mod_name(t, pr->sym->mod);
}

void format_frame(char *buf, size_t len, const struct ksyms *t, uint64_t addr)
{
	const struct ksym *s = ksyms__containing(t, addr);

	if (!s)
		snprintf(buf, len, "0x%" PRIx64, addr);
	else
		snprintf(buf, len, "%s+0x%" PRIx64 " [%s]", ksyms__name(t, s), addr - s->addr,
			 ksyms__mod_name(t, s->mod));
}

/* The frames bpf_get_stack() filled, or 0 when it failed or was not asked. */
static size_t stack_frames(const struct kt_event *e, size_t size)
{
	size_t n;

	if (e->stack_sz <= 0 || size < sizeof(*e))
		return 0;
	n = (size_t)e->stack_sz / sizeof(e->stack[0]);
	return n < KT_STACK_MAX ? n : KT_STACK_MAX;
}

/* Task names are whatever a process wrote to /proc/self/comm: keep a text line
 * one line. */
static void comm_text(char *dst, const char *src)
{
	size_t i;

	for (i = 0; i < KT_COMM_LEN - 1 && src[i]; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

static void event_text(struct event_printer *p, const struct kt_event *e, size_t size,
		       const struct probe *pr)
{
	int64_t wall = p->real0_ns + (int64_t)(e->ts_ns - p->mono0_ns);
	time_t secs = (time_t)(wall / 1000000000);
	char comm[KT_COMM_LEN], frame[FRAME_TEXT_MAX];
	struct tm tm;
	size_t frames = stack_frames(e, size);
	FILE *o = p->out;

	if (secs != p->last_sec) {
		p->last_sec = secs;
		if (!localtime_r(&secs, &tm) || !strftime(p->hms, sizeof(p->hms), "%H:%M:%S", &tm))
			snprintf(p->hms, sizeof(p->hms), "??:??:??");
	}
	comm_text(comm, e->comm);
	fprintf(o, "%s.%06" PRId64 " [%03u] %s[%u/%u] ", p->hms, (wall % 1000000000) / 1000, e->cpu,
		comm, e->pid, e->tid);
	if (pr) {
		fprintf(o, "%s%s", pr->label, pr->ret ? "%return" : "");
		if (pr->sym->mod != KSYMS_CORE_MOD)
			fprintf(o, " [%s]", probe_module(p->t, pr));
		fprintf(o, " %016" PRIx64, pr->addr);
	} else {
		fprintf(o, "(unidentified probe) %016" PRIx64, (uint64_t)e->addr);
	}
	if (e->kind == KT_KRETPROBE) {
		fprintf(o, " = 0x%" PRIx64, (uint64_t)e->retval);
		/* -MAX_ERRNO..-1 reads better as a negative errno */
		if ((int64_t)e->retval < 0 && (int64_t)e->retval >= -4095)
			fprintf(o, " (%" PRId64 ")", (int64_t)e->retval);
	} else {
		fputs(" (", o);
		for (int i = 0; i < KT_NARGS; i++)
			fprintf(o, "%s0x%" PRIx64, i ? ", " : "", (uint64_t)e->args[i]);
		fputc(')', o);
	}
	fputc('\n', o);
	if (e->stack_sz < 0)
		fprintf(o, "    (no stack: %s)\n", strerror((int)-e->stack_sz));
	for (size_t i = 0; i < frames; i++) {
		format_frame(frame, sizeof(frame), p->t, e->stack[i]);
		fprintf(o, "    %s\n", frame);
	}
}

static void event_json(struct event_printer *p, const struct kt_event *e, size_t size,
		       const struct probe *pr)
{
	struct json *j = &p->j;
	char frame[FRAME_TEXT_MAX];
	size_t frames = stack_frames(e, size);

	json_obj_begin(j);
	json_ku64(j, "ts_ns", e->ts_ns);
	json_ku64(j, "cpu", e->cpu);
	json_ku64(j, "pid", e->pid);
	json_ku64(j, "tid", e->tid);
	json_key(j, "comm");
	json_strn(j, e->comm, strnlen(e->comm, KT_COMM_LEN));
	if (pr) {
		json_kstr(j, "probe", pr->label);
		json_khex(j, "addr", pr->addr);
		json_kstr(j, "module", probe_module(p->t, pr));
	} else {
		json_knull(j, "probe");
		json_khex(j, "addr", e->addr);
		json_knull(j, "module");
	}
	json_kstr(j, "kind", kind_name(e->kind == KT_KRETPROBE));
	if (e->kind == KT_KRETPROBE) {
		json_khex(j, "retval", e->retval);
	} else {
		json_key(j, "args");
		json_arr_begin(j);
		for (int i = 0; i < KT_NARGS; i++)
			json_hex(j, e->args[i]);
		json_arr_end(j);
	}
	if (size >= sizeof(*e)) {
		json_key(j, "stack");
		if (e->stack_sz < 0) {
			json_null(j);
		} else {
			json_arr_begin(j);
			for (size_t i = 0; i < frames; i++) {
				format_frame(frame, sizeof(frame), p->t, e->stack[i]);
				json_str(j, frame);
			}
			json_arr_end(j);
		}
	}
	json_obj_end(j);
}

void event_printer__event(struct event_printer *p, const struct kt_event *e, size_t size,
			  const struct probe *pr)
{
	if (p->json)
		event_json(p, e, size, pr);
	else
		event_text(p, e, size, pr);
}

/* ---- summary and --count ------------------------------------------------------ */

static void summary_text(FILE *o, const struct plan *pl, const struct tracer_stats *st)
{
	const struct ksyms *t = plan__table(pl);
	uint64_t total = 0;
	size_t shown = 0;

	fprintf(o, "%12s  %-9s  %-16s  %s\n", "HITS", "KIND", "ADDRESS", "PROBE");
	for (size_t i = 0; i < plan__count(pl); i++) {
		const struct probe *pr = plan__probe(pl, i);

		if (!st->attached[i])
			continue;
		shown++;
		total += st->hits[i];
		fprintf(o, "%12" PRIu64 "  %-9s  %016" PRIx64 "  %s%s", st->hits[i], kind_name(pr->ret),
			pr->addr, pr->label, pr->ret ? "%return" : "");
		if (pr->sym->mod != KSYMS_CORE_MOD)
			fprintf(o, " [%s]", ksyms__mod_name(t, pr->sym->mod));
		fputc('\n', o);
	}
	fprintf(o, "%zu probe%s, %" PRIu64 " hit%s; %" PRIu64 " event%s lost to a full ring buffer",
		shown, shown == 1 ? "" : "s", total, total == 1 ? "" : "s", st->lost,
		st->lost == 1 ? "" : "s");
	if (st->unknown)
		fprintf(o, "; %" PRIu64 " hit%s from an unidentified probe", st->unknown,
			st->unknown == 1 ? "" : "s");
	fputc('\n', o);
}

static void summary_json(struct event_printer *p, const struct plan *pl,
			 const struct tracer_stats *st)
{
	struct json *j = &p->j;

	json_obj_begin(j);
	json_kbool(j, "summary", true);
	json_key(j, "probes");
	json_arr_begin(j);
	for (size_t i = 0; i < plan__count(pl); i++) {
		const struct probe *pr = plan__probe(pl, i);

		if (!st->attached[i])
			continue;
		json_obj_begin(j);
		json_kstr(j, "probe", pr->label);
		json_khex(j, "addr", pr->addr);
		json_kstr(j, "module", probe_module(p->t, pr));
		json_kstr(j, "kind", kind_name(pr->ret));
		json_ku64(j, "hits", st->hits[i]);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_ku64(j, "lost", st->lost);
	json_ku64(j, "unidentified", st->unknown);
	json_obj_end(j);
}

void event_printer__summary(struct event_printer *p, FILE *text_out, const struct plan *pl,
			    const struct tracer_stats *st)
{
	if (p->json)
		summary_json(p, pl, st);
	else
		summary_text(text_out, pl, st);
}

/* ---- --dry-run's plan ------------------------------------------------------------ */

static void plan_text(struct event_printer *p, const struct plan *pl,
		      const struct probe_values_set *pv)
{
	struct sym_col cols[] = {
		{ COL_SPEC, "SPEC", -4, "" },
		{ COL_LABEL, "PROBE", -5, "  " },
		{ COL_KIND, "KIND", -9, "  " },
		{ COL_ADDR, "ADDRESS", -16, "  " },
		{ COL_MODULE, "MODULE", -6, "  " },
		{ COL_SIZE, "SIZE", 6, "  " },
	};
	size_t n = sizeof(cols) / sizeof(cols[0]);
	int sw = 4, pw = 5, mw = 6;

	for (size_t i = 0; i < plan__count(pl); i++) {
		const struct probe *pr = plan__probe(pl, i);

		sym_cols__fit(&sw, strlen(pr->spec), 40);
		sym_cols__fit(&pw, strlen(pr->label) + (pr->ret ? 7 : 0) + (pr->clone ? 8 : 0), 48);
		sym_cols__fit(&mw, strlen(probe_module(p->t, pr)), 24);
	}
	cols[0].width = -sw;
	cols[1].width = -pw;
	cols[4].width = -mw;
	sym_cols__titles(p->out, cols, n);
	fputc('\n', p->out);
	for (size_t i = 0; i < plan__count(pl); i++) {
		const struct probe *pr = plan__probe(pl, i);
		struct sym_cells c;

		sym_cells__fill(&c, p->t, pr->sym, NULL);
		snprintf(c.label, sizeof(c.label), "%s%s%s", pr->label, pr->ret ? "%return" : "",
			 pr->clone ? " (clone)" : "");
		c.v[COL_LABEL] = c.label;
		c.v[COL_SPEC] = pr->spec;
		c.v[COL_KIND] = kind_name(pr->ret);
		if (ksym_loaded(pr->sym)) /* else "(not loaded)": no address yet */
			snprintf(c.addr, sizeof(c.addr), "%016" PRIx64, pr->addr); /* sym + off */
		sym_cols__print(p->out, cols, n, &c);
		fputc('\n', p->out);
		probe_values__print(pv, i, p->out);
	}
}

static void plan_json(struct event_printer *p, const struct plan *pl, const struct traceable *trc,
		      const struct probe_values_set *pv)
{
	struct json *j = &p->j;

	for (size_t i = 0; i < plan__count(pl); i++) {
		const struct probe *pr = plan__probe(pl, i);

		json_obj_begin(j);
		json_kstr(j, "spec", pr->spec);
		json_kstr(j, "probe", pr->label);
		json_kstr(j, "name", ksyms__name(p->t, pr->sym));
		json_ku64(j, "offset", pr->off);
		if (ksym_loaded(pr->sym)) {
			json_khex(j, "addr", pr->addr);
		} else { /* a module not loaded: checked against its file's symbols */
			json_knull(j, "addr");
			json_kbool(j, "loaded", false);
		}
		json_kstr(j, "module", probe_module(p->t, pr));
		json_kstr(j, "kind", kind_name(pr->ret));
		sym_json_size(j, pr->sym);
		json_kbool(j, "clone", pr->clone);
		sym_json_traceable(j, trc, pr->sym);
		probe_values__json(pv, i, j);
		json_obj_end(j);
	}
}

void event_printer__plan(struct event_printer *p, const struct plan *pl,
			 const struct traceable *trc, const struct probe_values_set *pv)
{
	if (p->json)
		plan_json(p, pl, trc, pv);
	else
		plan_text(p, pl, pv);
}
