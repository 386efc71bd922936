/* SPDX-License-Identifier: Apache-2.0 */
/* The live snapshot holder: a mutex around one pointer and its reference taking. */
#include "core/live.h"

void hv_live_init(struct hv_live *lv, void *obj, const struct hv_live_ops *ops)
{
	pthread_mutex_init(&lv->mu, NULL);
	lv->current = obj;
	lv->ops = ops;
}

void hv_live_put(struct hv_live *lv, void *obj)
{
	if (obj && atomic_fetch_sub_explicit(lv->ops->refs(obj), 1, memory_order_acq_rel) == 1)
		lv->ops->free(obj);
}

void hv_live_release(struct hv_live *lv)
{
	hv_live_put(lv, lv->current);
	lv->current = NULL;
	pthread_mutex_destroy(&lv->mu);
}

void *hv_live_acquire(struct hv_live *lv)
{
	void *obj;

	/* The lock covers reading the pointer and taking a reference only: a reader never waits
	 * for a build. */
	pthread_mutex_lock(&lv->mu);
	obj = lv->current;
	atomic_fetch_add_explicit(lv->ops->refs(obj), 1, memory_order_relaxed);
	pthread_mutex_unlock(&lv->mu);
	return obj;
}

void hv_live_swap(struct hv_live *lv, void *fresh)
{
	void *old;

	pthread_mutex_lock(&lv->mu);
	old = lv->current;
	lv->current = fresh;
	pthread_mutex_unlock(&lv->mu);
	hv_live_put(lv, old);
}
