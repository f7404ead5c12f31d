// SPDX-License-Identifier: GPL-2.0
/* A reader thread ahead of a parser. See prefetch.h. */
#define _GNU_SOURCE
#include "prefetch.h"

#include "cpus.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct slot {
	char *p;
	size_t len, off; /* filled bytes; bytes already handed out */
};

struct prefetch {
	int fd;
	size_t chunk;
	unsigned n_slots;
	struct slot *slots;
	/* slots [head, tail) (mod n_slots) are filled; the reader fills tail */
	unsigned long head, tail;
	bool done; /* the reader met the end of the file, or ERR */
	bool stop; /* prefetch__stop(): the reader must not start another read */
	int err;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th;
};

/* Fill one chunk: read() until it is full, the file ends, or an error. */
static size_t fill(struct prefetch *pf, char *p, int *err, bool *eof)
{
	size_t len = 0;

	while (len < pf->chunk) {
		ssize_t got = read(pf->fd, p + len, pf->chunk - len);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			*err = got < 0 ? errno : 0;
			*eof = true;
			break;
		}
		len += (size_t)got;
	}
	return len;
}

static void *reader(void *arg)
{
	struct prefetch *pf = arg;

	pthread_mutex_lock(&pf->mu);
	while (!pf->stop && !pf->done) {
		struct slot *s;
		bool eof = false;
		int err = 0;

		if (pf->tail - pf->head == pf->n_slots) {
			pthread_cond_wait(&pf->cv, &pf->mu);
			continue;
		}
		s = &pf->slots[pf->tail % pf->n_slots];
		pthread_mutex_unlock(&pf->mu);
		/* the slot is the reader's alone until tail passes it */
		s->len = fill(pf, s->p, &err, &eof);
		s->off = 0;
		pthread_mutex_lock(&pf->mu);
		pf->tail++;
		pf->done = eof;
		pf->err = err;
		pthread_cond_broadcast(&pf->cv);
	}
	pthread_mutex_unlock(&pf->mu);
	return NULL;
}

struct prefetch *prefetch__start(int fd, size_t chunk, unsigned slots)
{
	struct prefetch *pf = cpus_to_spare() ? calloc(1, sizeof(*pf)) : NULL;

	if (!pf)
		return NULL;
	pf->fd = fd;
	pf->chunk = chunk;
	pf->n_slots = slots;
	pf->slots = calloc(slots, sizeof(*pf->slots));
	for (unsigned i = 0; pf->slots && i < slots; i++)
		if (!(pf->slots[i].p = malloc(chunk)))
			goto fail;
	if (!pf->slots || pthread_mutex_init(&pf->mu, NULL))
		goto fail;
	if (pthread_cond_init(&pf->cv, NULL)) {
		pthread_mutex_destroy(&pf->mu);
		goto fail;
	}
	if (pthread_create(&pf->th, NULL, reader, pf) == 0)
		return pf;
	pthread_cond_destroy(&pf->cv);
	pthread_mutex_destroy(&pf->mu);
fail:
	for (unsigned i = 0; pf->slots && i < slots; i++)
		free(pf->slots[i].p);
	free(pf->slots);
	free(pf);
	return NULL;
}

ssize_t prefetch__read(struct prefetch *pf, void *buf, size_t len)
{
	struct slot *s;
	size_t n;

	pthread_mutex_lock(&pf->mu);
	for (;;) {
		while (pf->head == pf->tail && !pf->done)
			pthread_cond_wait(&pf->cv, &pf->mu);
		if (pf->head == pf->tail) { /* nothing left: the end, or the error */
			int err = pf->err;

			pthread_mutex_unlock(&pf->mu);
			errno = err;
			return err ? -1 : 0;
		}
		s = &pf->slots[pf->head % pf->n_slots];
		if (s->off < s->len)
			break;
		pf->head++; /* the empty chunk of the end */
		pthread_cond_broadcast(&pf->cv);
	}
	pthread_mutex_unlock(&pf->mu);
	/* the slot is ours alone until head passes it */
	n = s->len - s->off < len ? s->len - s->off : len;
	memcpy(buf, s->p + s->off, n);
	s->off += n;
	if (s->off == s->len) {
		pthread_mutex_lock(&pf->mu);
		pf->head++;
		pthread_cond_broadcast(&pf->cv);
		pthread_mutex_unlock(&pf->mu);
	}
	return (ssize_t)n;
}

void prefetch__stop(struct prefetch *pf)
{
	if (!pf)
		return;
	pthread_mutex_lock(&pf->mu);
	pf->stop = true;
	pthread_cond_broadcast(&pf->cv);
	pthread_mutex_unlock(&pf->mu);
	pthread_join(pf->th, NULL);
	pthread_cond_destroy(&pf->cv);
	pthread_mutex_destroy(&pf->mu);
	for (unsigned i = 0; i < pf->n_slots; i++)
		free(pf->slots[i].p);
	free(pf->slots);
	free(pf);
}
