/* SPDX-License-Identifier: Apache-2.0 */
/* Per-request bump allocator: chunks are linked newest first and freed together. */
#include "core/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

struct hv_arena_chunk {
	struct hv_arena_chunk *next;
	size_t cap, off;
	alignas(max_align_t) unsigned char data[];
};

#define ALIGN ((size_t)alignof(max_align_t))

void hv_arena_init(struct hv_arena *a, size_t chunk_size)
{
	a->head = NULL;
	a->chunk_size = chunk_size ? chunk_size : HV_ARENA_CHUNK_DEFAULT;
	a->used = 0;
}

void hv_arena_release(struct hv_arena *a)
{
	struct hv_arena_chunk *c, *next;

	if (!a)
		return;
	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
	a->used = 0;
}

static struct hv_arena_chunk *chunk_new(size_t cap)
{
	struct hv_arena_chunk *c = hv_xmalloc(sizeof(*c) + cap);

	c->next = NULL;
	c->cap = cap;
	c->off = 0;
	return c;
}

void *hv_arena_alloc(struct hv_arena *a, size_t n)
{
	struct hv_arena_chunk *c = a->head;
	size_t need;

	if (n > SIZE_MAX - ALIGN)
		abort();
	need = (n + ALIGN - 1) & ~(ALIGN - 1);
	if (need == 0)
		need = ALIGN;
	if (c && c->cap - c->off >= need) {
		void *p = c->data + c->off;

		c->off += need;
		a->used += need;
		return p;
	}
	if (need > a->chunk_size / 4) {
		/* A big block gets its own chunk, linked behind the head so the head's free space
		 * stays usable for the small allocations that follow. */
		struct hv_arena_chunk *big = chunk_new(need);

		big->off = need;
		if (c) {
			big->next = c->next;
			c->next = big;
		} else {
			a->head = big;
		}
		a->used += need;
		return big->data;
	}
	c = chunk_new(a->chunk_size);
	c->next = a->head;
	a->head = c;
	c->off = need;
	a->used += need;
	return c->data;
}

void *hv_arena_calloc(struct hv_arena *a, size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		abort();
	p = hv_arena_alloc(a, n * size);
	memset(p, 0, n * size);
	return p;
}

char *hv_arena_strndup(struct hv_arena *a, const char *s, size_t n)
{
	char *p = hv_arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *hv_arena_strdup(struct hv_arena *a, const char *s)
{
	return hv_arena_strndup(a, s, strlen(s));
}
