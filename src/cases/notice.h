/* SPDX-License-Identifier: Apache-2.0 */
/* Notices to the law department of each new report: queued in the store with the report (same
 * transaction), delivered by a sender thread by e-mail (SMTP through libcurl to a configured
 * relay) and/or a webhook signed with HMAC-SHA256, retried with backoff; the queue is visible.
 * A notice carries the incident id, type and a link, never the report's content. */
#ifndef HV_CASES_NOTICE_H
#define HV_CASES_NOTICE_H

#include <stdbool.h>
#include <stdint.h>

#include "cases/cases.h"
#include "core/err.h"
#include "core/json.h"
#include "store/store.h"

#define HV_NOTICE_MAX_ATTEMPTS 8

/* How notices are sent. Strings borrowed (must outlive the sender). */
struct hv_notice_config {
	const char *smtp_url;	    /* "smtp://127.0.0.1:2525"; NULL: e-mail off */
	const char *mail_from;	    /* envelope and From: address */
	const char *webhook_secret; /* HMAC key; NULL: webhooks unsigned (refused: see below) */
	unsigned base_backoff_ms;   /* first retry after this (doubles each time); 0: 1000 */
	unsigned timeout_s;	    /* per delivery; 0: 10 */
};

/* The targets and sending configuration from the environment: HAVEN_NOTICE_EMAIL,
 * HAVEN_NOTICE_WEBHOOK, HAVEN_SMTP_URL, HAVEN_MAIL_FROM, HAVEN_WEBHOOK_SECRET,
 * HAVEN_NOTICE_BACKOFF_MS. public_url is left as given. Strings borrowed from the environment. */
void hv_notice_from_env(struct hv_notice_targets *nt, struct hv_notice_config *cfg);

/* Delivers every due notice once (each attempt recorded; a failure schedules the next try with
 * backoff, giving up after HV_NOTICE_MAX_ATTEMPTS). *n_sent, *n_failed (may be NULL) count this
 * pass. */
int hv_notice_deliver_due(struct hv_store *s, const struct hv_notice_config *cfg, int64_t now_ms,
			  unsigned *n_sent, unsigned *n_failed, struct hv_err *err);
/* The queue as JSON: every notice with its state ("pending", "sent", "failed"), attempts and
 * last error. */
int hv_notice_list_json(struct hv_store *s, struct hv_json *w, struct hv_err *err);

/* A background sender: its own store connection to db_path, a pass every poll_ms (0: 500) and
 * on hv_notice_sender_kick. Caller owns *out. */
struct hv_notice_sender;
int hv_notice_sender_start(const char *db_path, const struct hv_notice_config *cfg,
			   unsigned poll_ms, struct hv_notice_sender **out, struct hv_err *err);
void hv_notice_sender_kick(struct hv_notice_sender *ns);
void hv_notice_sender_stop(struct hv_notice_sender *ns);

#endif
