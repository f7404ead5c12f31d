// SPDX-License-Identifier: GPL-2.0
/* Printers for attach. See events.h. */
#define _GNU_SOURCE
#include "events.h"

#include <inttypes.h>
#include <linux/types.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event_values.h"
#include "fmt.h"
#include "ksymtrace.h"
#include "log.h"
#include "output.h"
#include "probe_values.h"

#define NSEC_PER_SEC 1000000000ull

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* The room a text line's head takes: a label (a name and "+0xOFF#N"),
 * "%return", a module in brackets (MODULE_NAME_LEN 56), an address. */
#define HEAD_MAX (KSYMS_NAME_MAX + 64 + 8 + 60 + 20)
/* a whole text event but its stack: the time, CPU, task, head and values */
#define TEXT_LINE_MAX (HEAD_MAX + 128 + EVENT_VALUES_TEXT_MAX)

int event_printer__init(struct event_printer *p, FILE *out, const struct plan *pl,
			const struct probe_values_set *pv, bool json)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->pl = pl;
	p->t = plan__table(pl);
	p->pv = pv;
	p->json = json;
	json_init(&p->j, out);
	/* bpf_ktime_get_ns() is CLOCK_MONOTONIC */
	p->mono0_ns = clock_ns(CLOCK_MONOTONIC);
	p->real0_ns = clock_ns(CLOCK_REALTIME);
	p->last_sec = -1;
	p->shape.n_probes = plan__count(pl);
	p->shape.string_size = pv ? probe_values__string_size(pv) : KT_STRING_DEFAULT;
	p->line = malloc(TEXT_LINE_MAX);
	if (pv)
		p->shape.probes = event_values__shape(pv, pl);
	if (!p->line || (pv && !p->shape.probes)) {
		log_error("out of memory");
		return -1;
	}
	return 0;
}

void event_printer__fini(struct event_printer *p)
{
	for (size_t i = 0; p->heads && i < plan__count(p->pl); i++)
		free(p->heads[i]);
	free(p->heads);
	p->heads = NULL;
	free(p->line);
	p->line = NULL;
	free((void *)p->shape.probes);
	p->shape.probes = NULL;
}

const struct record_shape *event_printer__shape(const struct event_printer *p)
{
	return &p->shape;
}

const char *kind_name(bool ret)
{
	return ret ? "kretprobe" : "kprobe";
}

const char *probe_module(const struct ksyms *t, const struct probe *pr)
{
	return ksyms__mod_name(t, pr->sym->mod);
}

size_t format_frame(char *buf, const struct ksyms *t, uint64_t addr)
{
	const struct ksym *s = ksyms__containing(t, addr);
	const char *name, *mod;
	char *p = buf;
	size_t nl, ml;

	if (!s) {
		p = fmt_hex(p, addr);
	} else {
		name = ksyms__name(t, s);
		mod = ksyms__mod_name(t, s->mod);
		nl = strnlen(name, KSYMS_NAME_MAX);
		ml = strnlen(mod, 56);
		p = fmt_str(p, name, nl);
		p = fmt_str(p, "+0x", 3);
		p = fmt_hexw(p, addr - s->addr, 1);
		p = fmt_str(p, " [", 2);
		p = fmt_str(p, mod, ml);
		*p++ = ']';
	}
	*p = '\0';
	return (size_t)(p - buf);
}

/* Frame I of EV's stack. The first is where the probe fired (the BPF side gives
 * the probed address, not the instruction pointer after it); on x86 since 5.18
 * a kprobe asked for at +0 of a function that begins with ENDBR sits at +4
 * ("x86/ibt,kprobes: Cure sym+0 equals fentry woes"; 6.12 in the test VM), and
 * that frame is the probe placed, and shown, at +0. */
static uint64_t frame(const struct event *ev, const struct probe *pr, size_t i)
{
	uint64_t a = ev->frames[i];

#if defined(__x86_64__)
	if (i == 0 && pr && !ev->ret && pr->off == 0 && a == pr->addr + 4)
		return pr->addr;
#else
	(void)pr;
#endif
	return a;
}

/* Task names are whatever a process wrote to /proc/self/comm: keep a text line
 * one line. */
static char *comm_text(char *p, const char *src, size_t len)
{
	for (size_t i = 0; i < len; i++)
		*p++ = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	return p;
}

/* Where event EV of probe PR fired, or 0 when no one can say. A probe on a
 * module may have been planned before the module loaded (its addr is then a
 * placement key, never to be printed: ksyms.h), and the module may have loaded
 * again elsewhere since: there the address the BPF side saw is the truth (a
 * kprobe's; a kretprobe's is the return's, not known). */
static uint64_t event_addr(const struct probe *pr, const struct event *ev)
{
	if (pr->sym->mod == KSYMS_CORE_MOD)
		return pr->addr;
	/* a probe at +0 that sits past ENDBR64 at the planned site is shown there
	 * (5.18+: the kernel's own address, as kt_kprobe_addr sees it) */
#if defined(__x86_64__)
	if (ksym_loaded(pr->sym) && pr->off == 0 && ev->addr == pr->addr + 4)
		return pr->addr;
#endif
	if (ev->addr)
		return ev->addr;
	return ksym_loaded(pr->sym) ? pr->addr : 0;
}

/* An address column: 16 hex digits, or "-" padded when unknown. */
static char *addr_text(char *o, uint64_t addr)
{
	if (addr)
		return fmt_hexw(o, addr, 16);
	return fmt_str(o, "-               ", 16);
}

/* "label%return [mod] ", made at a probe's first event. */
static const char *probe_head(struct event_printer *p, uint32_t id)
{
	const struct probe *pr = plan__probe(p->pl, id);
	char buf[HEAD_MAX], *o = buf;
	size_t n = plan__count(p->pl);

	if (!p->heads) {
		p->heads = calloc(n ? n : 1, sizeof(*p->heads));
		if (!p->heads)
			return NULL;
	}
	if (p->heads[id])
		return p->heads[id];
	o = fmt_str(o, pr->label, strnlen(pr->label, KSYMS_NAME_MAX + 64));
	if (pr->ret)
		o = fmt_str(o, "%return", 7);
	if (pr->sym->mod != KSYMS_CORE_MOD) {
		o = fmt_str(o, " [", 2);
		o = fmt_str(o, probe_module(p->t, pr), strnlen(probe_module(p->t, pr), 56));
		*o++ = ']';
	}
	*o++ = ' ';
	*o = '\0';
	p->heads[id] = strdup(buf);
	return p->heads[id];
}

/* "HH:MM:SS.uuuuuu" of TS_NS, wall clock. Unsigned arithmetic: a record's time
 * can be anything, and a time of day comes out of any. */
static char *time_text(struct event_printer *p, char *o, uint64_t ts_ns)
{
	uint64_t wall = p->real0_ns + (ts_ns - p->mono0_ns);
	int64_t secs = (int64_t)(wall / NSEC_PER_SEC);
	struct tm tm;

	if (secs != p->last_sec) {
		time_t t = (time_t)secs;

		p->last_sec = secs;
		if (!localtime_r(&t, &tm) || !strftime(p->hms, sizeof(p->hms), "%H:%M:%S", &tm))
			snprintf(p->hms, sizeof(p->hms), "??:??:??");
	}
	o = fmt_str(o, p->hms, strlen(p->hms));
	*o++ = '.';
	return fmt_u64w(o, wall % NSEC_PER_SEC / 1000, 6);
}

static void event_text(struct event_printer *p, const struct event *ev)
{
	const struct probe *pr = ev->probe == KT_PROBE_UNKNOWN ? NULL : plan__probe(p->pl, ev->probe);
	const char *head = pr ? probe_head(p, ev->probe) : NULL;
	char text[FRAME_TEXT_MAX], *line = p->line, *o = line;
	FILE *f = p->out;

	o = time_text(p, o, ev->ts_ns);
	o = fmt_str(o, " [", 2);
	o = fmt_u64w(o, ev->cpu, 3);
	o = fmt_str(o, "] ", 2);
	o = comm_text(o, ev->comm, ev->comm_len);
	*o++ = '[';
	o = fmt_u64(o, ev->pid);
	*o++ = '/';
	o = fmt_u64(o, ev->tid);
	o = fmt_str(o, "] ", 2);
	if (head) {
		o = fmt_str(o, head, strlen(head));
		o = addr_text(o, event_addr(pr, ev));
	} else {
		o = fmt_str(o, "(unidentified probe) ", 21);
		o = fmt_hexw(o, ev->addr, 16);
	}
	o = event_values__text(o, pr ? probe_values__get(p->pv, ev->probe) : NULL, pr, ev);
	*o++ = '\n';
	fwrite_unlocked(line, 1, (size_t)(o - line), f);
	if (ev->stack_err)
		fprintf(f, "    (no stack: %s)\n", strerror(ev->stack_err));
	for (size_t i = 0; i < ev->n_frames; i++) {
		size_t n = format_frame(text, p->t, frame(ev, pr, i));

		fwrite_unlocked("    ", 1, 4, f);
		fwrite_unlocked(text, 1, n, f);
		fputc_unlocked('\n', f);
	}
}

static void event_json(struct event_printer *p, const struct event *ev)
{
	const struct probe *pr = ev->probe == KT_PROBE_UNKNOWN ? NULL : plan__probe(p->pl, ev->probe);
	struct json *j = &p->j;
	char text[FRAME_TEXT_MAX];

	json_obj_begin(j);
	json_ku64(j, "ts_ns", ev->ts_ns);
	json_ku64(j, "cpu", ev->cpu);
	json_ku64(j, "pid", ev->pid);
	json_ku64(j, "tid", ev->tid);
	json_key(j, "comm");
	json_strn(j, ev->comm, ev->comm_len);
	if (pr) {
		json_kstr(j, "probe", pr->label);
		if (event_addr(pr, ev))
			json_khex(j, "addr", event_addr(pr, ev));
		else
			json_knull(j, "addr");
		json_kstr(j, "module", probe_module(p->t, pr));
	} else {
		json_knull(j, "probe");
		json_khex(j, "addr", ev->addr);
		json_knull(j, "module");
	}
	json_kstr(j, "kind", kind_name(ev->ret));
	event_values__json(j, pr ? probe_values__get(p->pv, ev->probe) : NULL, pr, ev);
	if (ev->has_stack) {
		json_key(j, "stack");
		if (ev->stack_err) {
			json_null(j);
		} else {
			json_arr_begin(j);
			for (size_t i = 0; i < ev->n_frames; i++)
				json_strn(j, text, format_frame(text, p->t, frame(ev, pr, i)));
			json_arr_end(j);
		}
	}
	json_obj_end(j);
}

void event_printer__event(struct event_printer *p, const struct event *ev)
{
	if (p->json)
		event_json(p, ev);
	else
		event_text(p, ev);
}

/* ---- --dry-run's plan ------------------------------------------------------------ */

static void plan_text(struct event_printer *p)
{
	const struct plan *pl = p->pl;
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
		probe_values__print(p->pv, i, p->out);
	}
}

static void plan_json(struct event_printer *p, const struct traceable *trc)
{
	const struct plan *pl = p->pl;
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
		probe_values__json(p->pv, i, j);
		json_obj_end(j);
	}
}

void event_printer__plan(struct event_printer *p, const struct traceable *trc)
{
	if (p->json)
		plan_json(p, trc);
	else
		plan_text(p);
}
