/* SPDX-License-Identifier: GPL-2.0 */
/* Fetch expressions (--arg), in perf probe's syntax with BTF instead of DWARF:
 *
 *   EXPR := [LABEL '='] BASE ( '->' FIELD | '.' FIELD | '[' N ']' )* [':' TYPE]
 *   BASE := PARAM | '$arg' N | '%' REG | '$retval' | '$comm' | ('+'|'-') OFF '(' BASE ')'
 *   TYPE := u8 | u16 | u32 | u64 | s8 | s16 | s32 | s64 | x8 | x16 | x32 | x64 | string
 *
 * fetch__parse() checks the grammar alone, before the table or BTF is read, so
 * every --arg on a command line is checked at once; fetch__compile()
 * (fetch_compile.c) turns a parsed expression into a struct kt_fetch for one
 * probe, against that probe's BTF types, and says which step fails. */
#ifndef KSYMTRACE_FETCH_H
#define KSYMTRACE_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

#include "ksymtrace.h"

#define FETCH_TEXT_MAX 512  /* bytes of one expression */
#define FETCH_LABEL_MAX 64  /* bytes of a LABEL */
#define FETCH_OPS_MAX 32    /* '->', '.' and '[N]' steps the grammar takes */
#define FETCH_NEST_MAX 8    /* +OFF( ) around a base: each is a read */
/* A message quotes the expression, the failing step and a name from it whole,
 * with the probe's label and two type names: never cut short, so that its
 * cause and fix are always there. */
#define FETCH_ERR_LEN 4096

enum fetch_base_kind {
	FETCH_PARAM,  /* a parameter by name */
	FETCH_ARGN,   /* $argN */
	FETCH_REG,    /* %REG */
	FETCH_RETVAL, /* $retval */
	FETCH_COMM,   /* $comm */
};

enum fetch_op_kind {
	FETCH_ARROW, /* ->FIELD */
	FETCH_DOT,   /* .FIELD */
	FETCH_INDEX, /* [N] */
};

enum fetch_type {
	FETCH_T_NONE = 0, /* as the BTF type says */
	FETCH_T_U8, FETCH_T_U16, FETCH_T_U32, FETCH_T_U64,
	FETCH_T_S8, FETCH_T_S16, FETCH_T_S32, FETCH_T_S64,
	FETCH_T_X8, FETCH_T_X16, FETCH_T_X32, FETCH_T_X64,
	FETCH_T_STRING,
};

/* Bytes [pos, pos + len) of the expression's text: what a message quotes. */
struct fetch_span {
	uint16_t pos, len;
};

struct fetch_op {
	enum fetch_op_kind kind;
	char *field;     /* ARROW, DOT */
	uint64_t index;  /* INDEX */
	struct fetch_span span;
};

struct fetch_expr {
	char *text;      /* as typed */
	char *label;     /* LABEL, else the text before ":TYPE" */
	enum fetch_base_kind base;
	char *param;     /* FETCH_PARAM */
	unsigned int argn; /* FETCH_ARGN: 1-based */
	int reg;         /* FETCH_REG: enum kt_reg */
	struct fetch_span base_span;
	/* +OFF( ) around the base, innermost first: each reads 8 bytes at the
	 * value + OFF */
	size_t nderefs;
	int32_t deref_off[FETCH_NEST_MAX];
	struct fetch_span deref_span[FETCH_NEST_MAX];
	size_t nops;
	struct fetch_op ops[FETCH_OPS_MAX];
	enum fetch_type type;
};

/* Parse TEXT into E. Returns 0, or -EINVAL with one line in ERR ("--arg 'x->':
 * a member name must follow '->' (byte 4)"), or -ENOMEM. E owns copies of
 * what it keeps: fetch__free() it (also after a failure). */
int fetch__parse(const char *text, struct fetch_expr *e, char *err, size_t errlen);
void fetch__free(struct fetch_expr *e);
/* The N expressions of TEXTS (every --arg of a command line) into OUT, in
 * order: fetch__parse() of each, at most KT_ARG_EXPRS_MAX of them, no label
 * twice. Returns 0, or -EINVAL with the first problem in ERR, or -ENOMEM; OUT's
 * expressions are fetch__free()d by the caller either way. */
int fetch__parse_all(const char *const *texts, size_t n, struct fetch_expr *out, char *err,
		     size_t errlen);

/* "u8" ... "string" */
const char *fetch__type_name(enum fetch_type t);

/* ---- compiling against a probe -------------------------------------------------
 * What a probe offers an expression: its parameters when BTF types them, the
 * return value at a kretprobe. */

struct btf;
struct kbtf_obj;
struct abi_param;

struct fetch_param {
	const char *name;
	uint32_t type_id;             /* in obj's BTF */
	const struct abi_param *where;
};

struct fetch_ctx {
	const char *probe;            /* its label, for messages: "vfs_read" */
	const struct kbtf_obj *obj;   /* the BTF of the types; NULL: raw registers */
	const char *untyped_why;      /* why there are no types, when obj is NULL */
	const char *func;             /* the function's name */
	const struct fetch_param *params;
	size_t nparams;
	bool ret;                     /* a kretprobe */
	bool offset;                  /* placed at an offset other than 0 */
	uint32_t ret_type;            /* the return type (0: void), with obj */
};

/* What an expression compiles to, with what the plan and the printer need. */
struct fetch_value {
	char *name;                   /* the label, or the parameter's name */
	char *expr;                   /* the expression's text; NULL for a parameter */
	char *type;                   /* the C type of the value, NULL when untyped */
	char where[32];               /* "di", "dx:cx", "sp+16", "retval", "comm", "-" */
	const char *unavailable;      /* why nothing is recorded (KT_OUT_NONE), or NULL */
	uint32_t bytes;               /* KT_OUT_STRUCT: its size */
	const struct btf *btf;        /* KT_OUT_ENUM: where type_id is */
	uint32_t type_id;
	struct kt_fetch prog;
};

/* Compile E for the probe C describes into OUT. Returns 0, or -EINVAL with one
 * line in ERR that names the probe, the expression and the step that fails
 * ("vfs_read: --arg 'file->nope': at '->nope': struct file has no member
 * 'nope'"), or -ENOMEM. */
int fetch__compile(const struct fetch_expr *e, const struct fetch_ctx *c, struct fetch_value *out,
		   char *err, size_t errlen);
void fetch_value__free(struct fetch_value *v);

/* "unsigned", "string", "struct (24 bytes)"...: how a value prints, in words. */
void fetch__format_word(const struct fetch_value *v, char *buf, size_t len);

#endif
