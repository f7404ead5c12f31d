// SPDX-License-Identifier: GPL-2.0
/* The --dry-run plan's part about values: what each probe records and how it
 * prints, as text lines under the probe's row or as JSON members. See
 * probe_values.h. */
#include "probe_values.h"

#include <string.h>

/* The format in words; strings with their bound. */
static void format_word(const struct probe_values_set *pv, const struct fetch_value *v, char *buf,
			size_t len)
{
	size_t n;

	fetch__format_word(v, buf, len);
	n = strlen(buf);
	if (v->prog.final == KT_FINAL_STRING && v->prog.base != KT_BASE_COMM && n < len)
		snprintf(buf + n, len - n, " (%u bytes at most)", probe_values__string_size(pv));
}

static void value_text(const struct probe_values_set *pv, FILE *out, const struct fetch_value *v,
		       int name_w, int where_w)
{
	char fmt[96], where[48];

	format_word(pv, v, fmt, sizeof(fmt));
	if (v->prog.nsteps)
		snprintf(where, sizeof(where), "%s+%u read%s", v->where, v->prog.nsteps,
			 v->prog.nsteps == 1 ? "" : "s");
	else
		snprintf(where, sizeof(where), "%s", v->where);
	fprintf(out, "    %-*s  %-*s  ", name_w, v->name, where_w, where);
	if (v->unavailable)
		fprintf(out, "not recorded: %s", v->unavailable);
	else
		fputs(fmt, out);
	if (v->expr && strcmp(v->expr, v->name) != 0)
		fprintf(out, "  = %s", v->expr);
	if (v->expr && v->type)
		fprintf(out, "  (%s)", v->type);
	fputc('\n', out);
}

void probe_values__print(const struct probe_values_set *pv, size_t id, FILE *out)
{
	const struct probe_values *p = probe_values__get(pv, id);
	int name_w = 0, where_w = 0;

	if (!p)
		return;
	if (p->proto)
		fprintf(out, "  %s\n", p->proto);
	if (p->raw_why)
		fprintf(out, "  raw registers: %s\n", p->raw_why);
	for (size_t i = 0; i < p->n; i++) {
		int nw = (int)strlen(p->v[i].name), ww = (int)strlen(p->v[i].where) + (p->v[i].prog.nsteps ? 8 : 0);

		name_w = nw > name_w && nw < 40 ? nw : name_w;
		where_w = ww > where_w ? ww : where_w;
	}
	for (size_t i = 0; i < p->n; i++)
		value_text(pv, out, &p->v[i], name_w, where_w);
	if (p->has_ret) {
		char fmt[64];

		fetch__format_word(&p->ret, fmt, sizeof(fmt));
		fprintf(out, "    return value: %s%s%s%s\n", p->ret.type ? p->ret.type : "",
			p->ret.type ? ", " : "", p->ret.unavailable ? "not recorded: " : "",
			p->ret.unavailable ? p->ret.unavailable : fmt);
	}
	if (p->note)
		fprintf(out, "  note: %s\n", p->note);
}

static void value_json(const struct probe_values_set *pv, struct json *j, const struct fetch_value *v,
		       bool ret)
{
	char fmt[96];

	format_word(pv, v, fmt, sizeof(fmt));
	json_obj_begin(j);
	if (!ret)
		json_kstr(j, "name", v->name);
	if (v->expr)
		json_kstr(j, "expr", v->expr);
	if (v->type)
		json_kstr(j, "type", v->type);
	else
		json_knull(j, "type");
	json_kstr(j, "where", v->where);
	json_ku64(j, "reads", v->prog.nsteps);
	json_kstr(j, "format", v->unavailable ? "unavailable" : fmt);
	if (v->unavailable)
		json_kstr(j, "unavailable", v->unavailable);
	json_obj_end(j);
}

static void kstr_or_null(struct json *j, const char *key, const char *s)
{
	if (s)
		json_kstr(j, key, s);
	else
		json_knull(j, key);
}

void probe_values__json(const struct probe_values_set *pv, size_t id, struct json *j)
{
	const struct probe_values *p = probe_values__get(pv, id);

	if (!p)
		return;
	kstr_or_null(j, "proto", p->proto);
	kstr_or_null(j, "raw_reason", p->raw_why);
	json_key(j, "args");
	json_arr_begin(j);
	for (size_t i = 0; i < p->n; i++)
		value_json(pv, j, &p->v[i], false);
	json_arr_end(j);
	json_key(j, "retval");
	if (p->has_ret)
		value_json(pv, j, &p->ret, true);
	else
		json_null(j);
	kstr_or_null(j, "note", p->note);
}
