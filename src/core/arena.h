/* SPDX-License-Identifier: Apache-2.0 */
/* A bump allocator in chunks: many small allocations, one release (a request's memory). */
#ifndef HV_CORE_ARENA_H
#define HV_CORE_ARENA_H

#include <stddef.h>

struct hv_arena_chunk;

struct hv_arena {
	struct hv_arena_chunk *head; /* the chunk being filled; older ones follow */
	size_t chunk_size;	     /* usable bytes of a new ordinary chunk */
	size_t used;		     /* bytes handed out, for limits and tests */
};

#define HV_ARENA_CHUNK_DEFAULT 4096

/* Initialises a (caller-owned storage) with chunks of chunk_size bytes (0: the default). Allocates
 * nothing until the first hv_arena_alloc. */
void hv_arena_init(struct hv_arena *a, size_t chunk_size);
/* Frees every chunk (NULL-safe); a may be initialised again. */
void hv_arena_release(struct hv_arena *a);
/* n bytes aligned for any type, valid until hv_arena_release. A request larger than a chunk gets
 * a chunk of its own. n == 0 gives a valid unique pointer. Aborts on out of memory. */
void *hv_arena_alloc(struct hv_arena *a, size_t n);
/* Zeroed array of n elements of size bytes (aborts on overflow). */
void *hv_arena_calloc(struct hv_arena *a, size_t n, size_t size);
/* A NUL-terminated copy of n bytes of s. */
char *hv_arena_strndup(struct hv_arena *a, const char *s, size_t n);
char *hv_arena_strdup(struct hv_arena *a, const char *s);

#endif
