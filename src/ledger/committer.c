/* SPDX-License-Identifier: Apache-2.0 */
/* Group commit: many writers' appends in one durable transaction per batch, with checkpoints. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "ledger/ledger.h"
#include "store/ledger_store.h"

#include "core/banned.h"

#define MAX_SIGNERS 4

struct work {
	hv_ledger_work_fn fn;
	void *ctx;
	int rc;
	struct hv_err err;
	bool done;
	struct work *next;
};

struct hv_ledger_committer {
	struct hv_store *s;
	struct hv_ledger_signer signers[MAX_SIGNERS];
	const struct hv_ledger_signer *signer_ptrs[MAX_SIGNERS];
	int n_signers;
	int max_batch;
	int64_t checkpoint_ms;

	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work_cv; /* work queued, or stop */
	pthread_cond_t done_cv; /* a batch finished */
	struct work *head, *tail;
	int64_t n_queued;   /* pieces of work in the queue */
	int64_t n_inflight; /* writers inside submit (queued, in a batch, or being woken) */
	int64_t gather_us;
	bool stopping;

	/* committer thread only */
	uint64_t last_cp_ns;
	bool uncheckpointed;			/* entries committed since the last checkpoint */
	struct hv_ledger_committer_stats stats; /* under lock */
};

static int checkpoint(struct hv_ledger_committer *c, struct hv_err *err)
{
	int rc = hv_ledger_checkpoint(c->s, c->signer_ptrs, c->n_signers, hv_time_now_ms(), NULL,
				      NULL, err);

	if (rc == HV_OK) {
		c->last_cp_ns = hv_time_mono_ns();
		c->uncheckpointed = false;
	}
	return rc;
}

static bool checkpoint_due(struct hv_ledger_committer *c)
{
	return c->n_signers > 0 &&
	       hv_time_mono_ns() - c->last_cp_ns >= (uint64_t)c->checkpoint_ms * 1000000u;
}

/* One transaction for the whole batch; each piece of work in its own savepoint. */
static void run_batch(struct hv_ledger_committer *c, struct work *batch, int64_t *n_ok,
		      int64_t *n_cp)
{
	struct hv_err err;
	bool any = false, cp = false;
	int rc;

	*n_ok = 0;
	*n_cp = 0;
	if ((rc = hv_store_begin(c->s, &err))) {
		for (struct work *w = batch; w; w = w->next) {
			w->rc = rc;
			w->err = err;
		}
		return;
	}
	for (struct work *w = batch; w; w = w->next) {
		hv_err_clear(&w->err);
		if ((w->rc = hv_store_ledger_savepoint(c->s, &w->err)))
			continue;
		w->rc = w->fn(c->s, w->ctx, &w->err);
		if (w->rc == HV_OK) {
			w->rc = hv_store_ledger_savepoint_release(c->s, &w->err);
			any = any || w->rc == HV_OK;
		} else {
			hv_store_ledger_savepoint_rollback(c->s);
		}
	}
	if (any)
		c->uncheckpointed = true;
	if (c->uncheckpointed && checkpoint_due(c)) {
		/* a failed checkpoint must not lose the batch: undo it alone, sign later */
		if (hv_store_ledger_savepoint(c->s, &err) == HV_OK) {
			if (checkpoint(c, &err) == HV_OK &&
			    hv_store_ledger_savepoint_release(c->s, &err) == HV_OK)
				cp = true;
			else
				hv_store_ledger_savepoint_rollback(c->s);
		}
	}
	if ((rc = hv_store_commit(c->s, &err))) {
		hv_store_rollback(c->s);
		for (struct work *w = batch; w; w = w->next) {
			if (w->rc == HV_OK) {
				w->rc = rc;
				w->err = err;
			}
		}
		c->uncheckpointed = true;
		return;
	}
	for (struct work *w = batch; w; w = w->next)
		*n_ok += w->rc == HV_OK;
	*n_cp = cp;
}

/* A checkpoint alone, for entries that waited checkpoint_ms without another batch. */
static void run_checkpoint_only(struct hv_ledger_committer *c, int64_t *n_cp)
{
	struct hv_err err;

	*n_cp = 0;
	if (hv_store_begin(c->s, &err))
		return;
	if (checkpoint(c, &err) == HV_OK && hv_store_commit(c->s, &err) == HV_OK) {
		*n_cp = 1;
		return;
	}
	hv_store_rollback(c->s);
	c->uncheckpointed = true;
}

static void deadline_in(struct timespec *ts, int64_t ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void deadline_in_us(struct timespec *ts, int64_t us)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += us / 1000000;
	ts->tv_nsec += (long)(us % 1000000) * 1000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *committer_main(void *arg)
{
	struct hv_ledger_committer *c = arg;
	struct timespec ts;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		struct work *batch, *last;
		int64_t n = 0, n_ok, n_cp;

		while (!c->head && !c->stopping) {
			if (c->uncheckpointed && c->n_signers > 0) {
				deadline_in(&ts, c->checkpoint_ms > 0 ? c->checkpoint_ms : 1);
				if (pthread_cond_timedwait(&c->work_cv, &c->lock, &ts) ==
					    ETIMEDOUT &&
				    !c->head) {
					pthread_mutex_unlock(&c->lock);
					run_checkpoint_only(c, &n_cp);
					pthread_mutex_lock(&c->lock);
					c->stats.n_checkpoints += n_cp;
				}
			} else {
				pthread_cond_wait(&c->work_cv, &c->lock);
			}
		}
		if (!c->head)
			break; /* stopping, nothing queued */
		/* Writers woken by the last batch resubmit within microseconds: wait a moment for
		 * them, so the batch holds every writer rather than alternate halves (one fsync
		 * then serves all of them). Bounded by gather_us. */
		if (c->gather_us > 0 && c->n_queued < c->n_inflight && !c->stopping) {
			struct timespec until;

			deadline_in_us(&until, c->gather_us);
			while (c->n_queued < c->n_inflight && !c->stopping &&
			       pthread_cond_timedwait(&c->work_cv, &c->lock, &until) != ETIMEDOUT)
				;
		}
		batch = last = c->head;
		for (n = 1; last->next && n < c->max_batch; n++)
			last = last->next;
		c->head = last->next;
		c->n_queued -= n;
		if (!c->head)
			c->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&c->lock);

		run_batch(c, batch, &n_ok, &n_cp);

		pthread_mutex_lock(&c->lock);
		c->stats.n_batches++;
		c->stats.n_work += n;
		c->stats.n_failed += n - n_ok;
		c->stats.n_checkpoints += n_cp;
		for (struct work *w = batch, *next; w; w = next) {
			next = w->next;
			w->done = true; /* w lives on its writer's stack: touch it no more */
		}
		pthread_cond_broadcast(&c->done_cv);
	}
	pthread_mutex_unlock(&c->lock);
	if (c->uncheckpointed && c->n_signers > 0) {
		int64_t n_cp;

		run_checkpoint_only(c, &n_cp);
		pthread_mutex_lock(&c->lock);
		c->stats.n_checkpoints += n_cp;
		pthread_mutex_unlock(&c->lock);
	}
	return NULL;
}

int hv_ledger_committer_start(const struct hv_ledger_committer_config *cfg,
			      struct hv_ledger_committer **out, struct hv_err *err)
{
	struct hv_ledger_committer *c;
	int rc;

	*out = NULL;
	if (cfg->n_signers < 0 || cfg->n_signers > MAX_SIGNERS)
		return hv_err_set(err, HV_EINVAL, "committer: %d signing keys (at most %d)",
				  cfg->n_signers, MAX_SIGNERS);
	c = hv_xcalloc(1, sizeof(*c));
	if ((rc = hv_store_open(cfg->store_uri, &c->s, err))) {
		free(c);
		return rc;
	}
	for (int i = 0; i < cfg->n_signers; i++) {
		c->signers[i] = *cfg->signers[i];
		c->signer_ptrs[i] = &c->signers[i];
	}
	c->n_signers = cfg->n_signers;
	c->max_batch = cfg->max_batch > 0 ? cfg->max_batch : 4096;
	c->checkpoint_ms = cfg->checkpoint_ms > 0 ? cfg->checkpoint_ms : 0;
	c->gather_us = cfg->gather_us == 0 ? 1000 : cfg->gather_us;
	c->last_cp_ns = 0;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->work_cv, NULL);
	pthread_cond_init(&c->done_cv, NULL);
	if (pthread_create(&c->thread, NULL, committer_main, c) != 0) {
		hv_store_close(c->s);
		free(c);
		return hv_err_set(err, HV_EINTERNAL, "committer: cannot start its thread");
	}
	*out = c;
	return HV_OK;
}

int hv_ledger_committer_submit(struct hv_ledger_committer *c, hv_ledger_work_fn fn, void *ctx,
			       struct hv_err *err)
{
	struct work w = {.fn = fn, .ctx = ctx};

	pthread_mutex_lock(&c->lock);
	if (c->stopping) {
		pthread_mutex_unlock(&c->lock);
		return hv_err_set(err, HV_ECONFLICT, "the ledger committer is stopping");
	}
	if (c->tail)
		c->tail->next = &w;
	else
		c->head = &w;
	c->tail = &w;
	c->n_queued++;
	c->n_inflight++;
	pthread_cond_signal(&c->work_cv);
	while (!w.done)
		pthread_cond_wait(&c->done_cv, &c->lock);
	c->n_inflight--;
	pthread_cond_signal(&c->work_cv); /* a gathering committer waits for one fewer */
	pthread_mutex_unlock(&c->lock);
	if (w.rc && err)
		*err = w.err;
	return w.rc;
}

void hv_ledger_committer_stats(struct hv_ledger_committer *c, struct hv_ledger_committer_stats *out)
{
	pthread_mutex_lock(&c->lock);
	*out = c->stats;
	pthread_mutex_unlock(&c->lock);
}

void hv_ledger_committer_stop(struct hv_ledger_committer *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stopping = true;
	pthread_cond_signal(&c->work_cv);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	hv_store_close(c->s);
	for (int i = 0; i < c->n_signers; i++)
		hv_ledger_signer_wipe(&c->signers[i]);
	pthread_cond_destroy(&c->work_cv);
	pthread_cond_destroy(&c->done_cv);
	pthread_mutex_destroy(&c->lock);
	free(c);
}
