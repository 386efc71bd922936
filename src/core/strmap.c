/* SPDX-License-Identifier: Apache-2.0 */
/* String-keyed hash map. */
#include "core/strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h ^ (h >> 29);
}

void hv_strmap_init(struct hv_strmap *m)
{
	m->slots = NULL;
	m->cap = 0;
	m->len = 0;
}

void hv_strmap_release(struct hv_strmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	hv_strmap_init(m);
}

static struct hv_strmap_slot *find(const struct hv_strmap *m, const char *key)
{
	size_t mask = m->cap - 1;

	for (size_t i = hash(key) & mask;; i = (i + 1) & mask) {
		struct hv_strmap_slot *s = &m->slots[i];

		if (!s->key || strcmp(s->key, key) == 0)
			return s;
	}
}

bool hv_strmap_get(const struct hv_strmap *m, const char *key, size_t *value)
{
	struct hv_strmap_slot *s;

	if (m->cap == 0)
		return false;
	s = find(m, key);
	if (!s->key)
		return false;
	*value = s->value;
	return true;
}

static void grow(struct hv_strmap *m)
{
	struct hv_strmap old = *m;

	m->cap = old.cap ? old.cap * 2 : 64;
	m->slots = hv_xcalloc(m->cap, sizeof(*m->slots));
	for (size_t i = 0; i < old.cap; i++) {
		if (old.slots[i].key)
			*find(m, old.slots[i].key) = old.slots[i];
	}
	free(old.slots);
}

bool hv_strmap_put(struct hv_strmap *m, const char *key, size_t value, size_t *existing)
{
	struct hv_strmap_slot *s;

	/* Keep the load factor under 1/2 so probes stay short. */
	if ((m->len + 1) * 2 > m->cap)
		grow(m);
	s = find(m, key);
	if (s->key) {
		if (existing)
			*existing = s->value;
		return false;
	}
	s->key = hv_xstrdup(key);
	s->value = value;
	m->len++;
	return true;
}
