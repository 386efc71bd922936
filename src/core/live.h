/* SPDX-License-Identifier: Apache-2.0 */
/* A live pointer to an immutable, reference-counted snapshot (the lookup index, the OGC items):
 * readers take a reference without ever waiting for a rebuild; a refresh swaps in a new one and
 * the old one goes when its last reader lets go. */
#ifndef HV_CORE_LIVE_H
#define HV_CORE_LIVE_H

#include <pthread.h>
#include <stdatomic.h>

/* Where an object keeps its reference count, and how it is freed. */
struct hv_live_ops {
	atomic_int *(*refs)(void *obj);
	void (*free)(void *obj);
};

/* Caller-owned storage; fields private. */
struct hv_live {
	pthread_mutex_t mu;
	void *current;
	const struct hv_live_ops *ops;
};

/* Starts holding obj, whose count the holder now owns one of (a new object's count is 1). */
void hv_live_init(struct hv_live *lv, void *obj, const struct hv_live_ops *ops);
/* Drops the holder's reference to the current object. */
void hv_live_release(struct hv_live *lv);
/* The current object with a reference taken; give it back with hv_live_put. */
void *hv_live_acquire(struct hv_live *lv);
void hv_live_put(struct hv_live *lv, void *obj);
/* Makes fresh (its count 1, now the holder's) current; the old one is put. */
void hv_live_swap(struct hv_live *lv, void *fresh);

#endif
