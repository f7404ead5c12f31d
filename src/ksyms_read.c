// SPDX-License-Identifier: GPL-2.0
/* Reading the symbol table: the file a chunk at a time, each line through the one
 * parser (ksyms_line.c), names into the arena, modules interned. See ksyms.h. */
#define _GNU_SOURCE
#include "ksyms_impl.h"
#include "prefetch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- building the records --------------------------------------------------- */

struct builder {
	struct ksyms *t;
	uint32_t lineno;
	size_t cap;
	size_t mods_cap;
	/* the module of the previous line: modules come in blocks, so this hits */
	bool has_last_mod;
	size_t last_mod_len;
	uint16_t last_mod_idx;
	/* module indexes by name hash, open addressing, 0 = empty: a table may hold
	 * up to 65,535 modules, and a linear search per new module took seconds
	 * for them (and per line, minutes, when lines alternate between modules) */
	uint16_t *mod_hash;
	size_t hash_cap; /* a power of two, at least twice the modules */
};

/* Copy NAME (LEN bytes) into the arena, NUL-terminated; its offset in *OFF. The
 * arena keeps KSYMS_PAD readable bytes past its end for the 8-byte loads of the
 * name sort. It may move when it grows: everything refers to it by offset. */
static int arena_put(struct ksyms *t, const char *name, size_t len, uint32_t *off)
{
	struct ksyms_region *r = &t->buf_mem;

	if (t->buf_len + len + 1 + KSYMS_PAD > r->len) {
		size_t ncap = r->len * 2;

		while (t->buf_len + len + 1 + KSYMS_PAD > ncap)
			ncap *= 2;
		if (ncap > KSYMS_FILE_MAX + KSYMS_PAD)
			return -EFBIG;
		if (ksyms_region_grow(r, ncap))
			return -ENOMEM;
		t->buf = r->p;
	}
	memcpy(t->buf + t->buf_len, name, len);
	memset(t->buf + t->buf_len + len, 0, 1 + KSYMS_PAD);
	*off = (uint32_t)t->buf_len;
	t->buf_len += len + 1;
	return 0;
}

static size_t mod_slot(const struct builder *b, const char *name, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 16777619u;
	return h & (b->hash_cap - 1);
}

static int grow_mod_hash(struct builder *b)
{
	size_t ncap = b->hash_cap ? b->hash_cap * 2 : 256;
	uint16_t *nh = calloc(ncap, sizeof(*nh)), *old = b->mod_hash;
	size_t ocap = b->hash_cap;

	if (!nh)
		return -ENOMEM;
	b->mod_hash = nh;
	b->hash_cap = ncap;
	for (size_t i = 0; i < ocap; i++) {
		const char *nm;
		size_t h;

		if (!old[i])
			continue;
		nm = b->t->buf + b->t->mods[old[i]];
		for (h = mod_slot(b, nm, strlen(nm)); nh[h]; h = (h + 1) & (ncap - 1))
			;
		nh[h] = old[i];
	}
	free(old);
	return 0;
}

static bool mod_is(const struct ksyms *t, uint16_t idx, const char *name, size_t len)
{
	const char *m = t->buf + t->mods[idx];

	return strncmp(m, name, len) == 0 && m[len] == '\0';
}

static int intern_mod(struct builder *b, const char *name, size_t len, uint16_t *idx)
{
	struct ksyms *t = b->t;
	uint32_t off;
	size_t h;
	int err;

	if (b->has_last_mod && len == b->last_mod_len && mod_is(t, b->last_mod_idx, name, len)) {
		*idx = b->last_mod_idx;
		return 0;
	}
	if (2 * t->n_mods >= b->hash_cap && grow_mod_hash(b))
		return -ENOMEM;
	for (h = mod_slot(b, name, len); b->mod_hash[h]; h = (h + 1) & (b->hash_cap - 1)) {
		if (mod_is(t, b->mod_hash[h], name, len)) {
			*idx = b->mod_hash[h];
			goto hit;
		}
	}
	if (t->n_mods > UINT16_MAX)
		return -E2BIG;
	if (t->n_mods == b->mods_cap) {
		size_t ncap = b->mods_cap * 2;
		uint32_t *nm = realloc(t->mods, ncap * sizeof(*nm));

		if (!nm)
			return -ENOMEM;
		t->mods = nm;
		b->mods_cap = ncap;
	}
	err = arena_put(t, name, len, &off);
	if (err)
		return err;
	t->mods[t->n_mods] = off;
	*idx = (uint16_t)t->n_mods++;
	b->mod_hash[h] = *idx;
hit:
	b->has_last_mod = true;
	b->last_mod_len = len;
	b->last_mod_idx = *idx;
	return 0;
}

/* One parsed line into a record (its module interned, its name in the arena). */
static int add_line(struct builder *b, const struct ksyms_line *ln)
{
	struct ksyms *t = b->t;
	uint16_t mod = KSYMS_CORE_MOD;
	uint32_t off;
	int err;

	if (ln->mod) {
		err = intern_mod(b, ln->mod, ln->mod_len, &mod);
		if (err)
			return err;
	}
	if (t->n == b->cap) {
		size_t ncap = b->cap * 2;

		if (ksyms_region_grow(&t->syms_mem, ncap * sizeof(*t->syms)))
			return -ENOMEM;
		t->syms = t->syms_mem.p;
		b->cap = ncap;
	}
	err = arena_put(t, ln->name, ln->name_len, &off);
	if (err)
		return err;
	t->syms[t->n++] = (struct ksym){
		.addr = ln->addr,
		.name = off,
		.line = b->lineno,
		.mod = mod,
		.type = ln->type,
	};
	return 0;
}

static void count_bad(struct builder *b, struct ksyms_load_result *res)
{
	b->lineno++;
	if (res->bad_lines < sizeof(res->first_bad) / sizeof(res->first_bad[0]))
		res->first_bad[res->bad_lines] = b->lineno;
	res->bad_lines++;
}

/* Parse the complete lines in [*P, END); with FINAL (end of file) the last,
 * unterminated one too. *P moves past what was parsed. END[0..KSYMS_PAD) must be
 * NUL (ksyms_line.h). Only a line that does not parse costs a search for its
 * newline: to skip it, or to find that it is not all read yet. */
static int parse_lines(struct builder *b, struct ksyms_load_result *res, char **pp, char *end,
		       bool final)
{
	char *p = *pp;
	int err = 0;

	while (p < end) {
		struct ksyms_line ln;
		size_t used;
		char *nl;

		if (b->lineno == UINT32_MAX) {
			err = -EFBIG;
			break;
		}
		used = ksyms_line__parse(p, end, final, &ln);
		if (used) {
			b->lineno++;
			err = add_line(b, &ln);
			if (err)
				break;
			if (p[used - 1] != '\n')
				res->no_final_newline = true;
			p += used;
			continue;
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl && !final)
			break; /* the rest of this line is still to be read */
		count_bad(b, res);
		if (!nl)
			res->no_final_newline = true;
		p = nl ? nl + 1 : end;
	}
	*pp = p;
	return err;
}

/* Read FD a chunk at a time and parse each chunk while it is still in the cache,
 * keeping only the names (in the arena) and the records. /proc/kallsyms hands out
 * about a page per read(): copying the whole file into fresh memory first and
 * reading it back cost more than the parse itself. A valid line is under 700
 * bytes, so a line that fills a whole chunk is malformed: it is counted and
 * skipped to its newline without being kept (memory stays one chunk, whatever
 * the input, /dev/zero included). */
#define CHUNK (256UL << 10)

static int load_chunks(struct builder *b, int fd, size_t expect, bool ahead,
		       struct ksyms_load_result *res)
{
	struct ksyms *t = b->t;
	size_t have = 0, total = 0;
	char *buf = malloc(CHUNK + 1 + KSYMS_PAD);
	bool eof = false, skipping = false;
	struct prefetch *pf = NULL;
	int err = 0;

	if (expect > (64UL << 20))
		expect = 64UL << 20; /* a guess for sizing, not a limit */
	/* names are about half a line; records one per ~44 bytes */
	if (!buf || ksyms_region_alloc(&t->buf_mem, expect / 2 + 4096) ||
	    ksyms_region_alloc(&t->syms_mem, (expect / 40 + 16) * sizeof(*t->syms))) {
		free(buf);
		return -ENOMEM;
	}
	t->buf = t->buf_mem.p;
	t->syms = t->syms_mem.p;
	b->cap = expect / 40 + 16;
	if (ahead) /* 4 chunks: the kernel may run that far ahead of the parse */
		pf = prefetch__start(fd, CHUNK, 4);
	while (!eof && !err) {
		ssize_t got = pf ? prefetch__read(pf, buf + have, CHUNK - have)
				 : read(fd, buf + have, CHUNK - have);
		char *p = buf;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = -errno;
			break;
		}
		eof = got == 0;
		have += (size_t)got;
		total += (size_t)got;
		if (total > KSYMS_FILE_MAX) {
			err = -EFBIG;
			break;
		}
		if (skipping) {
			char *nl = memchr(buf, '\n', have);

			if (!nl) {
				have = 0;
				continue;
			}
			skipping = false;
			p = nl + 1;
		}
		memset(buf + have, 0, 1 + KSYMS_PAD);
		err = parse_lines(b, res, &p, buf + have, eof);
		have -= (size_t)(p - buf);
		memmove(buf, p, have);
		if (have == CHUNK) { /* one line fills the chunk */
			count_bad(b, res);
			skipping = true;
			have = 0;
		}
	}
	prefetch__stop(pf);
	free(buf);
	return err;
}

/* ---- load ------------------------------------------------------------------- */

const char *ksyms__strerror(const struct ksyms_load_result *res)
{
	switch (res->err) {
	case KSYMS_OK:
		return "success";
	case KSYMS_ERR_IO:
		return strerror(res->sys_errno);
	case KSYMS_ERR_EMPTY:
		return "no kernel symbols in it";
	case KSYMS_ERR_ZERO_ADDRS:
		return "every address reads 0: kernel.kptr_restrict hides them";
	case KSYMS_ERR_NOMEM:
		return "out of memory";
	case KSYMS_ERR_TOO_BIG:
		return "too large for a symbol table (over 1 GiB)";
	case KSYMS_ERR_TOO_MANY_MODS:
		return "more than 65,535 modules: is it a copy of /proc/kallsyms?";
	}
	return "unknown error";
}

static enum ksyms_err err_from(int e)
{
	switch (e) {
	case -ENOMEM:
		return KSYMS_ERR_NOMEM;
	case -EFBIG:
		return KSYMS_ERR_TOO_BIG;
	case -E2BIG:
		return KSYMS_ERR_TOO_MANY_MODS;
	default:
		return KSYMS_ERR_IO;
	}
}

/* PATH was opened without blocking, which for a FIFO means before any writer
 * has it open (a blocking open() waits for one, with nothing said). Wait for
 * data, or for a writer that came and went (POLLHUP: an empty table), saying so
 * first if there is none yet; then make reads block again. */
static int wait_for_writer(int fd, const struct stat *st, const char *path,
			   const struct ksyms_opts *opts)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int flags, r;

	if (S_ISFIFO(st->st_mode) && poll(&pfd, 1, 0) == 0) {
		if (opts && opts->waiting)
			opts->waiting(path);
		do
			r = poll(&pfd, 1, -1);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return -errno;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

/* Open PATH (or take OPTS->stream) and read every line of it into T. */
static int read_file(struct builder *b, const char *path, const struct ksyms_opts *opts,
		     struct ksyms_load_result *res)
{
	bool stream = opts && opts->stream;
	int fd = stream ? fileno(opts->stream) : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st = { 0 };
	int err;

	if (fd < 0)
		return stream ? -EBADF : -errno;
	err = fstat(fd, &st) < 0 ? -errno : stream ? 0 : wait_for_writer(fd, &st, path, opts);
	if (!err && S_ISDIR(st.st_mode))
		err = -EISDIR;
	else if (!err) /* st_size is 0 for /proc/kallsyms: 6.1 has 4.2 MiB, 6.12 7.5 MiB;
			* a file of the kernel's that ends, read on a thread of its own */
		err = load_chunks(b, fd, S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size : 6UL << 20,
				  !stream && S_ISREG(st.st_mode) && st.st_size == 0, res);
	if (!stream)
		close(fd);
	return err;
}

static bool all_zero(const struct ksyms *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->syms[i].addr)
			return false;
	return true;
}

struct ksyms *ksyms__load(const char *path, const struct ksyms_opts *opts,
			  struct ksyms_load_result *res)
{
	struct ksyms_load_result dummy;
	struct builder b = { 0 };
	struct ksyms *t;
	int err;

	if (!res)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	t = calloc(1, sizeof(*t));
	if (!t) {
		res->err = KSYMS_ERR_NOMEM;
		return NULL;
	}
	b.t = t;
	/* module 0 is the core kernel; its name lives outside the arena */
	b.mods_cap = 64;
	t->mods = malloc(b.mods_cap * sizeof(*t->mods));
	if (!t->mods) {
		err = -ENOMEM;
		goto fail;
	}
	t->mods[0] = UINT32_MAX;
	t->n_mods = 1;

	err = read_file(&b, path, opts, res);
	free(b.mod_hash);
	if (err)
		goto fail;
	if (t->n == 0) {
		res->err = KSYMS_ERR_EMPTY;
		ksyms__free(t);
		return NULL;
	}
	if (t->n > 1 && all_zero(t) && !(opts && opts->allow_zero_addrs)) {
		res->err = KSYMS_ERR_ZERO_ADDRS;
		ksyms__free(t);
		return NULL;
	}
	err = ksyms_index__build(t);
	if (err)
		goto fail;
	return t;

fail:
	res->err = err_from(err);
	res->sys_errno = -err;
	ksyms__free(t);
	return NULL;
}

void ksyms__free(struct ksyms *t)
{
	if (!t)
		return;
	ksyms__free(t->ext);
	ksyms_index__free(t);
	if (t->snapshot) {
		/* the arrays are borrowed from the snapshot */
		ksyms_region_free(&t->map);
	} else {
		ksyms_region_free(&t->buf_mem);
		ksyms_region_free(&t->syms_mem);
		free(t->mods);
	}
	free(t);
}
