/* SPDX-License-Identifier: Apache-2.0 */
/* The notice queue and its sender (libcurl: SMTP and HTTP POST). The only file that includes
 * <curl/curl.h>. */
#include "cases/notice.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "cases/cases_internal.h"
#include "core/clock.h"
#include "core/str.h"
#include "core/xalloc.h"
#include "crypto/hmac.h"

#include "core/banned.h"

void hv_notice_from_env(struct hv_notice_targets *nt, struct hv_notice_config *cfg)
{
	const char *b = getenv("HAVEN_NOTICE_BACKOFF_MS");
	int64_t v;

	nt->email = getenv("HAVEN_NOTICE_EMAIL");
	nt->webhook = getenv("HAVEN_NOTICE_WEBHOOK");
	cfg->smtp_url = getenv("HAVEN_SMTP_URL");
	cfg->mail_from = getenv("HAVEN_MAIL_FROM");
	if (!cfg->mail_from || !*cfg->mail_from)
		cfg->mail_from = "haven@localhost";
	cfg->webhook_secret = getenv("HAVEN_WEBHOOK_SECRET");
	if (b && hv_str_to_i64(hv_str_cstr(b), &v) && v > 0 && v < 3600000)
		cfg->base_backoff_ms = (unsigned)v;
}

/* The notice text: the incident's id and type and a link; nothing of the report itself. */
int hv_cases_notices_queue(struct hv_store *s, int64_t incident_id, const char *type,
			   int64_t now_ms, const struct hv_notice_targets *nt, struct hv_err *err)
{
	struct hv_notice_rec r = {.incident_id = incident_id, .created_ms = now_ms};
	struct hv_buf b;
	struct hv_json w;
	char link[1024], when[HV_TIME_ISO_MAX];
	int rc = HV_OK;

	if (!nt || ((!nt->email || !*nt->email) && (!nt->webhook || !*nt->webhook)))
		return HV_OK;
	snprintf(link, sizeof(link), "%s/incidents/%" PRId64, nt->public_url ? nt->public_url : "",
		 incident_id);
	hv_time_format_iso(now_ms, when, sizeof(when));
	hv_buf_init(&b, 0);
	if (nt->email && *nt->email) {
		hv_buf_addf(&b,
			    "A new incident report was filed with haven.\r\n\r\n"
			    "Incident: %" PRId64 "\r\nType: %s\r\nFiled: %s\r\nLink: %s\r\n\r\n"
			    "Open the link to read the report (sign-in required).\r\n",
			    incident_id, type, when, link);
		r.channel = "email";
		r.target = nt->email;
		r.body = b.data;
		rc = hv_store_notice_add(s, &r, NULL, err);
	}
	if (rc == HV_OK && nt->webhook && *nt->webhook) {
		hv_buf_reset(&b);
		hv_json_init(&w, &b, false);
		hv_json_obj_begin(&w);
		hv_json_key(&w, "event");
		hv_json_str(&w, "incident.created");
		hv_json_key(&w, "incident_id");
		hv_json_int(&w, incident_id);
		hv_json_key(&w, "type");
		hv_json_str(&w, type);
		hv_json_key(&w, "link");
		hv_json_str(&w, link);
		hv_json_key(&w, "filed");
		hv_json_str(&w, when);
		hv_json_obj_end(&w);
		r.channel = "webhook";
		r.target = nt->webhook;
		r.body = b.data;
		rc = hv_store_notice_add(s, &r, NULL, err);
	}
	hv_buf_release(&b);
	return rc;
}

/* ---- delivery ---- */

struct upload {
	const char *p;
	size_t left;
};

static size_t read_cb(char *buf, size_t size, size_t n, void *ctx)
{
	struct upload *u = ctx;
	size_t k = size * n < u->left ? size * n : u->left;

	memcpy(buf, u->p, k);
	u->p += k;
	u->left -= k;
	return k;
}

static size_t discard_cb(char *p, size_t size, size_t n, void *ctx)
{
	return size * n;
}

static int send_mail(const struct hv_notice_config *cfg, const struct hv_notice_rec *r, char *why,
		     size_t cap)
{
	struct curl_slist *rcpt = NULL;
	struct hv_buf msg;
	struct upload u;
	char date[HV_TIME_ISO_MAX];
	CURL *c;
	CURLcode cc;
	int rc = HV_OK;

	if (!cfg->smtp_url || !*cfg->smtp_url) {
		snprintf(why, cap, "no SMTP relay configured (HAVEN_SMTP_URL)");
		return HV_EINVAL;
	}
	hv_time_format_iso(hv_time_now_ms(), date, sizeof(date));
	hv_buf_init(&msg, 0);
	hv_buf_addf(&msg,
		    "From: %s\r\nTo: %s\r\nSubject: haven: incident %" PRId64
		    " reported\r\nX-Haven-Incident: %" PRId64 "\r\nMIME-Version: 1.0\r\n"
		    "Content-Type: text/plain; charset=utf-8\r\n\r\n%s",
		    cfg->mail_from, r->target, r->incident_id, r->incident_id, r->body);
	u.p = msg.data;
	u.left = msg.len;
	c = curl_easy_init();
	rcpt = curl_slist_append(NULL, r->target);
	curl_easy_setopt(c, CURLOPT_URL, cfg->smtp_url);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, cfg->mail_from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &u);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)(cfg->timeout_s ? cfg->timeout_s : 10));
	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		snprintf(why, cap, "SMTP %s: %s", cfg->smtp_url, curl_easy_strerror(cc));
		rc = HV_EIO;
	}
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	hv_buf_release(&msg);
	return rc;
}

static int send_webhook(const struct hv_notice_config *cfg, const struct hv_notice_rec *r,
			char *why, size_t cap)
{
	struct curl_slist *h = NULL;
	char sig[HV_SHA256_HEX_LEN], line[160], ts[48];
	long code = 0;
	CURL *c;
	CURLcode cc;
	int rc = HV_OK;

	if (!cfg->webhook_secret || !*cfg->webhook_secret) {
		snprintf(why, cap,
			 "no webhook secret configured (HAVEN_WEBHOOK_SECRET): "
			 "unsigned webhooks are not sent");
		return HV_EINVAL;
	}
	/* The body carries its own time ("filed"); the signature covers the exact body bytes. */
	hv_hmac_sha256_hex(cfg->webhook_secret, strlen(cfg->webhook_secret), r->body,
			   strlen(r->body), sig);
	snprintf(line, sizeof(line), "X-Haven-Signature: sha256=%s", sig);
	h = curl_slist_append(h, line);
	snprintf(ts, sizeof(ts), "X-Haven-Timestamp: %" PRId64, hv_time_now_ms() / 1000);
	h = curl_slist_append(h, ts);
	h = curl_slist_append(h, "Content-Type: application/json");
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, r->target);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_cb);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)(cfg->timeout_s ? cfg->timeout_s : 10));
	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		snprintf(why, cap, "webhook %s: %s", r->target, curl_easy_strerror(cc));
		rc = HV_EIO;
	} else {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		if (code < 200 || code > 299) {
			snprintf(why, cap, "webhook %s: HTTP %ld", r->target, code);
			rc = HV_EIO;
		}
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return rc;
}

/* The due notices are copied out first: delivering inside the store's read would hold it. */
struct due {
	int64_t id, incident_id, n_attempts;
	char *channel, *target, *body;
};

struct due_list {
	struct due *v;
	size_t n, cap;
};

static int due_fn(void *ctx, const struct hv_notice_rec *r)
{
	struct due_list *l = ctx;

	l->v = hv_xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = (struct due){
		.id = r->id,
		.incident_id = r->incident_id,
		.n_attempts = r->n_attempts,
		.channel = hv_xstrdup(r->channel),
		.target = hv_xstrdup(r->target),
		.body = hv_xstrdup(r->body),
	};
	return 0;
}

int hv_notice_deliver_due(struct hv_store *s, const struct hv_notice_config *cfg, int64_t now_ms,
			  unsigned *n_sent, unsigned *n_failed, struct hv_err *err)
{
	struct due_list l = {0};
	unsigned sent = 0, failed = 0;
	int rc;

	rc = hv_store_notice_each(s, true, now_ms, due_fn, &l, err);
	for (size_t i = 0; rc == HV_OK && i < l.n; i++) {
		struct due *d = &l.v[i];
		struct hv_notice_rec r = {.id = d->id,
					  .incident_id = d->incident_id,
					  .channel = d->channel,
					  .target = d->target,
					  .body = d->body};
		char why[HV_ERR_MSG_MAX] = "";
		int64_t next = 0, at = hv_time_now_ms();
		int sr;

		sr = strcmp(d->channel, "email") == 0 ? send_mail(cfg, &r, why, sizeof(why))
						      : send_webhook(cfg, &r, why, sizeof(why));
		if (sr) {
			unsigned base = cfg->base_backoff_ms ? cfg->base_backoff_ms : 1000;
			int64_t n = d->n_attempts + 1;

			failed++;
			if (n < HV_NOTICE_MAX_ATTEMPTS)
				next = at + ((int64_t)base << (n - 1));
		} else {
			sent++;
		}
		if ((rc = hv_store_begin(s, err)) == HV_OK) {
			if ((rc = hv_store_notice_attempt(s, d->id, at, sr == HV_OK,
							  sr ? why : NULL, next, err)) ||
			    (rc = hv_store_commit(s, err)))
				hv_store_rollback(s);
		}
	}
	for (size_t i = 0; i < l.n; i++) {
		free(l.v[i].channel);
		free(l.v[i].target);
		free(l.v[i].body);
	}
	free(l.v);
	if (n_sent)
		*n_sent = sent;
	if (n_failed)
		*n_failed = failed;
	return rc;
}

static int list_fn(void *ctx, const struct hv_notice_rec *r)
{
	struct hv_json *w = ctx;
	char when[HV_TIME_ISO_MAX];
	const char *state = r->sent				     ? "sent"
			    : (r->n_attempts > 0 && r->next_ms == 0) ? "failed"
								     : "pending";

	hv_json_obj_begin(w);
	hv_json_key(w, "id");
	hv_json_int(w, r->id);
	hv_json_key(w, "incident_id");
	hv_json_int(w, r->incident_id);
	hv_json_key(w, "channel");
	hv_json_str(w, r->channel);
	hv_json_key(w, "target");
	hv_json_str(w, r->target);
	hv_json_key(w, "state");
	hv_json_str(w, state);
	hv_json_key(w, "attempts");
	hv_json_int(w, r->n_attempts);
	hv_json_key(w, "last_error");
	hv_json_str(w, r->sent ? NULL : r->last_error);
	hv_json_key(w, "created");
	hv_time_format_iso(r->created_ms, when, sizeof(when));
	hv_json_str(w, when);
	hv_json_key(w, "next_attempt");
	if (!r->sent && r->next_ms) {
		hv_time_format_iso(r->next_ms, when, sizeof(when));
		hv_json_str(w, when);
	} else {
		hv_json_null(w);
	}
	hv_json_obj_end(w);
	return 0;
}

int hv_notice_list_json(struct hv_store *s, struct hv_json *w, struct hv_err *err)
{
	int rc;

	hv_json_arr_begin(w);
	rc = hv_store_notice_each(s, false, 0, list_fn, w, err);
	hv_json_arr_end(w);
	return rc;
}

/* ---- the sender thread ---- */

struct hv_notice_sender {
	char *db_path;
	struct hv_notice_config cfg;
	unsigned poll_ms;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, kicked;
};

static void *sender_loop(void *arg)
{
	struct hv_notice_sender *ns = arg;
	struct hv_store *s = NULL;
	struct hv_err err;
	struct timespec until;

	pthread_mutex_lock(&ns->mu);
	while (!ns->stop) {
		pthread_mutex_unlock(&ns->mu);
		if (!s && hv_store_open(ns->db_path, &s, &err))
			s = NULL;
		if (s)
			hv_notice_deliver_due(s, &ns->cfg, hv_time_now_ms(), NULL, NULL, &err);
		pthread_mutex_lock(&ns->mu);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += ns->poll_ms / 1000;
		until.tv_nsec += (long)(ns->poll_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!ns->stop && !ns->kicked &&
		       pthread_cond_timedwait(&ns->cv, &ns->mu, &until) != ETIMEDOUT)
			;
		ns->kicked = false;
	}
	pthread_mutex_unlock(&ns->mu);
	hv_store_close(s);
	return NULL;
}

int hv_notice_sender_start(const char *db_path, const struct hv_notice_config *cfg,
			   unsigned poll_ms, struct hv_notice_sender **out, struct hv_err *err)
{
	struct hv_notice_sender *ns = hv_xcalloc(1, sizeof(*ns));
	pthread_condattr_t ca;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	ns->db_path = hv_xstrdup(db_path);
	ns->cfg = *cfg;
	ns->poll_ms = poll_ms ? poll_ms : 500;
	pthread_mutex_init(&ns->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ns->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&ns->th, NULL, sender_loop, ns) != 0) {
		pthread_cond_destroy(&ns->cv);
		pthread_mutex_destroy(&ns->mu);
		free(ns->db_path);
		free(ns);
		return hv_err_set(err, HV_EINTERNAL, "cannot start the notice sender thread");
	}
	*out = ns;
	return HV_OK;
}

void hv_notice_sender_kick(struct hv_notice_sender *ns)
{
	if (!ns)
		return;
	pthread_mutex_lock(&ns->mu);
	ns->kicked = true;
	pthread_cond_signal(&ns->cv);
	pthread_mutex_unlock(&ns->mu);
}

void hv_notice_sender_stop(struct hv_notice_sender *ns)
{
	if (!ns)
		return;
	pthread_mutex_lock(&ns->mu);
	ns->stop = true;
	pthread_cond_signal(&ns->cv);
	pthread_mutex_unlock(&ns->mu);
	pthread_join(ns->th, NULL);
	pthread_cond_destroy(&ns->cv);
	pthread_mutex_destroy(&ns->mu);
	free(ns->db_path);
	free(ns);
}
