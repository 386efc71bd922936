/* SPDX-License-Identifier: Apache-2.0 */
/* A string-keyed hash map (open addressing, linear probing) from owned keys to size_t values. */
#ifndef HV_CORE_STRMAP_H
#define HV_CORE_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct hv_strmap_slot {
	char *key; /* NULL: empty */
	size_t value;
};

struct hv_strmap {
	struct hv_strmap_slot *slots;
	size_t cap; /* power of two, or 0 */
	size_t len;
};

void hv_strmap_init(struct hv_strmap *m);
/* Frees the keys and slots (NULL-safe). */
void hv_strmap_release(struct hv_strmap *m);
/* Finds key; returns true and sets *value when present. */
bool hv_strmap_get(const struct hv_strmap *m, const char *key, size_t *value);
/* Inserts key (copied) with value; returns false, leaving the map as it was, when key exists
 * (*existing, when given, receives the stored value). */
bool hv_strmap_put(struct hv_strmap *m, const char *key, size_t value, size_t *existing);

#endif
