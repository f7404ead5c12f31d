// SPDX-License-Identifier: GPL-2.0
/* Decompressing a module file in memory. See decompress.h. */
#define _GNU_SOURCE
#include "decompress.h"

#include <errno.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

/* What liblzma may use: xz -9 needs 65 MiB to decode, the kernel's own
 * "xz --lzma2=dict=1MiB" (scripts/Makefile.modinst) about 2 MiB. */
#define XZ_MEMLIMIT (256UL << 20)

enum packing decompress__kind(const void *data, size_t len)
{
	static const unsigned char xz[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	static const unsigned char zst[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	static const unsigned char gz[2] = { 0x1f, 0x8b };

	if (len >= sizeof(xz) && memcmp(data, xz, sizeof(xz)) == 0)
		return PACK_XZ;
	if (len >= sizeof(zst) && memcmp(data, zst, sizeof(zst)) == 0)
		return PACK_ZSTD;
	if (len >= sizeof(gz) && memcmp(data, gz, sizeof(gz)) == 0)
		return PACK_GZIP;
	return PACK_NONE;
}

const char *decompress__name(enum packing p)
{
	switch (p) {
	case PACK_XZ:
		return "xz";
	case PACK_ZSTD:
		return "zstd";
	case PACK_GZIP:
		return "gzip";
	case PACK_NONE:
		break;
	}
	return "";
}

/* The output, grown by doubling up to MAX. */
struct sink {
	unsigned char *p;
	size_t len, cap, max;
	char *err;
	size_t errlen;
};

static int fail(struct sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct sink *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, s->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Room for more output: 0, -ENOMEM, or -EINVAL when MAX is reached. */
static int grow(struct sink *s)
{
	size_t ncap = s->cap < s->max / 2 ? s->cap * 2 : s->max;
	unsigned char *np;

	if (s->cap >= s->max)
		return fail(s, "more than %zu MiB once decompressed: not a kernel module",
			    s->max >> 20 ? s->max >> 20 : 1);
	np = realloc(s->p, ncap);
	if (!np)
		return -ENOMEM;
	s->p = np;
	s->cap = ncap;
	return 0;
}

static int unxz(struct sink *s, const unsigned char *in, size_t len)
{
	lzma_stream z = LZMA_STREAM_INIT;
	lzma_ret r = lzma_stream_decoder(&z, XZ_MEMLIMIT, 0);
	int err = 0;

	if (r != LZMA_OK)
		return r == LZMA_MEM_ERROR ? -ENOMEM : fail(s, "cannot start the xz decoder");
	z.next_in = in;
	z.avail_in = len;
	while (!err) {
		if (s->len == s->cap && (err = grow(s)))
			break;
		z.next_out = s->p + s->len;
		z.avail_out = s->cap - s->len;
		r = lzma_code(&z, LZMA_FINISH);
		s->len = s->cap - z.avail_out;
		if (r == LZMA_STREAM_END)
			break;
		if (r == LZMA_OK)
			continue;
		if (r == LZMA_MEM_ERROR)
			err = -ENOMEM;
		else if (r == LZMA_MEMLIMIT_ERROR)
			err = fail(s, "corrupt xz data: it asks for more than %lu MiB to decompress",
				   XZ_MEMLIMIT >> 20);
		else if (r == LZMA_BUF_ERROR)
			err = fail(s, "truncated xz data");
		else
			err = fail(s, "corrupt xz data (liblzma error %d)", (int)r);
	}
	/* stream padding (NUL bytes) may follow an .xz stream; nothing else */
	for (size_t i = 0; !err && i < z.avail_in; i++)
		if (z.next_in[i])
			err = fail(s, "corrupt xz data: %zu bytes after the end of the stream", z.avail_in);
	lzma_end(&z);
	return err;
}

static int unzstd(struct sink *s, const unsigned char *in, size_t len)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_inBuffer ib = { in, len, 0 };
	size_t r = 1;
	int err = 0;

	if (!d)
		return -ENOMEM;
	while (!err) {
		ZSTD_outBuffer ob;

		if (s->len == s->cap && (err = grow(s)))
			break;
		ob = (ZSTD_outBuffer){ s->p, s->cap, s->len };
		r = ZSTD_decompressStream(d, &ob, &ib);
		s->len = ob.pos;
		if (ZSTD_isError(r)) {
			err = fail(s, "corrupt zstd data: %s", ZSTD_getErrorName(r));
		} else if (ib.pos == ib.size) {
			/* r == 0: the last frame is complete; otherwise the decoder
			 * wants input there is not, unless it only lacked room */
			if (r != 0 && ob.pos < ob.size)
				err = fail(s, "truncated zstd data");
			else if (r == 0)
				break;
		}
	}
	ZSTD_freeDCtx(d);
	return err;
}

static int gunzip(struct sink *s, const unsigned char *in, size_t len)
{
	z_stream z = { 0 };
	int r, err = 0;

	if (len > UINT32_MAX)
		return fail(s, "gzip data over 4 GiB");
	/* 16 + MAX_WBITS: a gzip header and trailer, not raw zlib */
	r = inflateInit2(&z, 16 + MAX_WBITS);
	if (r != Z_OK)
		return r == Z_MEM_ERROR ? -ENOMEM : fail(s, "cannot start the gzip decoder");
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)len;
	while (!err) {
		if (s->len == s->cap && (err = grow(s)))
			break;
		z.next_out = s->p + s->len;
		z.avail_out = (uInt)(s->cap - s->len > UINT32_MAX ? UINT32_MAX : s->cap - s->len);
		r = inflate(&z, Z_NO_FLUSH);
		s->len = (size_t)(z.next_out - s->p);
		if (r == Z_STREAM_END)
			break;
		if (r == Z_MEM_ERROR)
			err = -ENOMEM;
		else if (r == Z_BUF_ERROR && z.avail_in == 0)
			err = fail(s, "truncated gzip data");
		else if (r != Z_OK && r != Z_BUF_ERROR)
			err = fail(s, "corrupt gzip data: %s", z.msg ? z.msg : "inflate failed");
	}
	if (!err && z.avail_in)
		err = fail(s, "corrupt gzip data: %u bytes after the end of the stream", z.avail_in);
	inflateEnd(&z);
	return err;
}

int decompress__all(enum packing p, const void *data, size_t len, size_t max, void **out,
		    size_t *outlen, char *err, size_t errlen)
{
	struct sink s = { .max = max, .err = err, .errlen = errlen };
	int r;

	*out = NULL;
	*outlen = 0;
	/* a module compresses 3-5 times: start there, double as needed */
	s.cap = len < max / 4 ? len * 4 : max;
	if (s.cap < 4096)
		s.cap = max < 4096 ? max : 4096;
	s.p = malloc(s.cap ? s.cap : 1);
	if (!s.p)
		return -ENOMEM;
	switch (p) {
	case PACK_XZ:
		r = unxz(&s, data, len);
		break;
	case PACK_ZSTD:
		r = unzstd(&s, data, len);
		break;
	case PACK_GZIP:
		r = gunzip(&s, data, len);
		break;
	default:
		r = fail(&s, "not compressed");
		break;
	}
	if (r) {
		free(s.p);
		return r;
	}
	*out = s.p;
	*outlen = s.len;
	return 0;
}
