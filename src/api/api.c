/* SPDX-License-Identifier: Apache-2.0 */
/* The API's state (live lookup snapshot + its refresh thread), /healthz and shared helpers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api_internal.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/str.h"
#include "core/xalloc.h"
#include "ledger/ledger.h"

/* Expired sessions are swept every 30 refresh periods: a minute by default. */
#define PURGE_EVERY_PERIODS 30

int hv_api_purge_sessions(struct hv_store *s, int64_t now_ms, int64_t *n_deleted,
			  struct hv_err *err)
{
	int rc;

	*n_deleted = 0;
	if ((rc = hv_store_begin(s, err)))
		return rc;
	if ((rc = hv_store_session_purge(s, now_ms, n_deleted, err)) ||
	    (rc = hv_store_commit(s, err))) {
		hv_store_rollback(s);
		return rc;
	}
	return HV_OK;
}

void hv_api_refresh_soon(struct hv_api *api)
{
	pthread_mutex_lock(&api->mu);
	api->kick = true;
	pthread_cond_signal(&api->cv);
	pthread_mutex_unlock(&api->mu);
}

static void *refresh_loop(void *arg)
{
	struct hv_api *api = arg;
	struct timespec until;
	struct hv_err err;
	int64_t last_purge_ms = 0, n_purged;
	bool rebuilt;

	pthread_mutex_lock(&api->mu);
	while (!api->stop) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += api->refresh_ms / 1000;
		until.tv_nsec += (long)(api->refresh_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!api->stop && !api->kick &&
		       pthread_cond_timedwait(&api->cv, &api->mu, &until) != ETIMEDOUT)
			;
		if (api->stop)
			break;
		api->kick = false;
		/* Build outside the lock: readers never wait for it, and neither does stop. */
		pthread_mutex_unlock(&api->mu);
		hv_err_clear(&err);
		if (hv_lookup_live_refresh_if_changed(api->live, api->store, &rebuilt, &err))
			hv_log(HV_LOG_ERROR, "lookup refresh failed", "detail=\"%s\"", err.msg);
		else if (rebuilt)
			hv_log(HV_LOG_INFO, "lookup refreshed", "reason=%s", "data_version");
		hv_err_clear(&err);
		if (hv_ogc_live_refresh_if_changed(api->ogc, api->store, &rebuilt, &err))
			hv_log(HV_LOG_ERROR, "ogc refresh failed", "detail=\"%s\"", err.msg);
		else if (rebuilt)
			hv_log(HV_LOG_INFO, "ogc refreshed", "reason=%s", "data_version");
		if (hv_time_now_ms() - last_purge_ms >=
		    (int64_t)api->refresh_ms * PURGE_EVERY_PERIODS) {
			last_purge_ms = hv_time_now_ms();
			hv_err_clear(&err);
			if (hv_api_purge_sessions(api->store, last_purge_ms, &n_purged, &err))
				hv_log(HV_LOG_ERROR, "session purge failed", "detail=\"%s\"",
				       err.msg);
			else if (n_purged)
				hv_log(HV_LOG_INFO, "expired sessions deleted", "n=%lld",
				       (long long)n_purged);
		}
		pthread_mutex_lock(&api->mu);
	}
	pthread_mutex_unlock(&api->mu);
	return NULL;
}

int hv_api_new(const char *db_path, unsigned refresh_ms, struct hv_api **out, struct hv_err *err)
{
	struct hv_api *api = hv_xcalloc(1, sizeof(*api));
	pthread_condattr_t ca;
	int rc;

	*out = NULL;
	api->refresh_ms = refresh_ms ? refresh_ms : 2000;
	api->db_path = hv_xstrdup(db_path);
	if ((rc = hv_store_open(db_path, &api->store, err)) ||
	    (rc = hv_lookup_live_new(api->store, &api->live, err)) ||
	    (rc = hv_ogc_live_new(api->store, &api->ogc, err))) {
		hv_lookup_live_free(api->live);
		hv_store_close(api->store);
		free(api->db_path);
		free(api);
		return rc;
	}
	pthread_mutex_init(&api->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&api->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&api->refresher, NULL, refresh_loop, api) == 0)
		api->started = true;
	*out = api;
	return HV_OK;
}

void hv_api_free(struct hv_api *api)
{
	if (!api)
		return;
	if (api->started) {
		pthread_mutex_lock(&api->mu);
		api->stop = true;
		pthread_cond_signal(&api->cv);
		pthread_mutex_unlock(&api->mu);
		pthread_join(api->refresher, NULL);
	}
	pthread_cond_destroy(&api->cv);
	pthread_mutex_destroy(&api->mu);
	hv_api_auth_free(api->auth);
	hv_api_cases_free(api->cases);
	hv_ledger_committer_stop(api->committer);
	hv_lookup_live_free(api->live);
	hv_ogc_live_free(api->ogc);
	hv_store_close(api->store);
	free(api->db_path);
	free(api);
}

static void healthz(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_api *api = req->ctx;
	const struct hv_lookup *l = hv_lookup_live_acquire(api->live);
	struct hv_lookup_stats st;
	struct hv_json *w = hv_resp_json(resp, 200);

	hv_lookup_stats(l, &st);
	hv_lookup_live_release(api->live, l);
	hv_json_obj_begin(w);
	hv_json_key(w, "status");
	hv_json_str(w, "ok");
	hv_json_key(w, "properties");
	hv_json_int(w, (int64_t)st.n_properties);
	hv_json_obj_end(w);
}

int hv_api_register(struct hv_api *api, struct hv_router *r, struct hv_err *err)
{
	struct hv_route health = {
		.method = HV_GET,
		.pattern = "/healthz",
		.roles = HV_ROLES_ANY,
		.handler = healthz,
		.ctx = api,
		.summary = "liveness: ok and the number of properties in the lookup snapshot",
	};
	int rc;

	if ((rc = hv_router_add(r, &health, err)) || (rc = hv_api_lookup_register(api, r, err)) ||
	    (rc = hv_api_properties_register(api, r, err)) ||
	    (rc = hv_api_scopes_register(api, r, err)) ||
	    (rc = hv_api_auth_register(api, r, err)) ||
	    (rc = hv_api_imports_register(api, r, err)) || (rc = hv_api_openapi_register(r, err)) ||
	    (rc = hv_api_ogc_register(api, r, err)) || (rc = hv_api_ledger_register(api, r, err)) ||
	    (rc = hv_api_signs_register(api, r, err)) || (rc = hv_web_signs_register(api, r, err)) ||
	    (rc = hv_api_sign_templates_register(api, r, err)) ||
	    (rc = hv_api_cases_register(api, r, err)))
		return rc;
	return HV_OK;
}

void hv_api_fail(struct hv_resp *resp, int rc, const struct hv_err *err)
{
	hv_resp_problem(resp, rc, err && err->msg[0] ? err->msg : hv_status_str(rc));
}

bool hv_api_param_double(struct hv_req *req, struct hv_resp *resp, const char *name, double lo,
			 double hi, double *out)
{
	const char *v = hv_query_get(&req->query, name);
	char detail[HV_ERR_MSG_MAX];
	double d;

	if (!v)
		return true;
	if (!hv_str_to_double(hv_str_cstr(v), &d) || d < lo || d > hi) {
		snprintf(detail, sizeof(detail), "%s: \"%.64s\" is not a number in %g..%g", name, v,
			 lo, hi);
		hv_resp_problem(resp, HV_EINVAL, detail);
		return false;
	}
	*out = d;
	return true;
}

bool hv_api_param_i64(struct hv_req *req, struct hv_resp *resp, const char *name, int64_t lo,
		      int64_t hi, int64_t *out)
{
	const char *v = hv_query_get(&req->query, name);
	char detail[HV_ERR_MSG_MAX];
	int64_t n;

	if (!v)
		return true;
	if (!hv_str_to_i64(hv_str_cstr(v), &n) || n < lo || n > hi) {
		snprintf(detail, sizeof(detail),
			 "%s: \"%.64s\" is not a whole number in %lld..%lld", name, v,
			 (long long)lo, (long long)hi);
		hv_resp_problem(resp, HV_EINVAL, detail);
		return false;
	}
	*out = n;
	return true;
}

void hv_api_url_encode(struct hv_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			hv_buf_addc(b, (char)c);
		} else {
			hv_buf_addc(b, '%');
			hv_buf_addc(b, hex[c >> 4]);
			hv_buf_addc(b, hex[c & 15]);
		}
	}
}
