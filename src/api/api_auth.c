/* SPDX-License-Identifier: Apache-2.0 */
/* Accounts over HTTP: the router's authenticator (session cookie with CSRF, or a Bearer API
 * token), POST /api/v1/login and /logout with an in-memory limit on failed logins, GET
 * /api/v1/me and the admin's GET /api/v1/users. Passwords and tokens are never logged. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "api/api_internal.h"
#include "core/clock.h"
#include "core/xalloc.h"
#include "crypto/password.h"
#include "crypto/sha256.h"
#include "store/store.h"

/* Failed logins are counted in memory, per account and per client address, under one mutex:
 * they protect one running server, need no history, and a restart forgetting them costs an
 * attacker a restart. A fixed table: when it is full the slot idle longest is reused. */
#define LIMIT_SLOTS	  4096
#define LIMIT_KEY_MAX	  96
#define LIMIT_WINDOW_MS	  (15 * 60 * 1000)
#define LIMIT_PER_ACCOUNT 5
/* Higher than per account: colleagues behind one NAT address mistype too. */
#define LIMIT_PER_ADDRESS 20

#define SESSION_TTL_MS (12 * 3600 * 1000)
/* How long a login waits for an argon2id slot before answering 503. */
#define HASH_WAIT_MS 2000
#define COOKIE_NAME    "haven_session"

struct limit_slot {
	char key[LIMIT_KEY_MAX];
	int64_t first_ms, last_ms;
	unsigned n;
};

struct hv_api_auth {
	pthread_mutex_t mu;
	struct limit_slot slots[LIMIT_SLOTS];
	/* A hash verified when the account does not exist, so that a wrong name takes as long
	 * as a wrong password and timing does not reveal which names exist. */
	char dummy_hash[HV_PWHASH_STR_MAX];
	/* argon2id takes 64 MiB and tens of ms of one core: at most hash_cap at once (a counting
	 * semaphore on a mutex and a monotonic condition variable, for the timed wait). */
	pthread_mutex_t hash_mu;
	pthread_cond_t hash_cv;
	unsigned hash_cap, hashing, hash_peak;
};

/* ---- the argon2id cap ---- */

static bool hash_enter(struct hv_api_auth *a, unsigned wait_ms)
{
	struct timespec until;
	bool ok = true;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&a->hash_mu);
	while (a->hashing >= a->hash_cap) {
		if (pthread_cond_timedwait(&a->hash_cv, &a->hash_mu, &until) == ETIMEDOUT &&
		    a->hashing >= a->hash_cap) {
			ok = false;
			break;
		}
	}
	if (ok && ++a->hashing > a->hash_peak)
		a->hash_peak = a->hashing;
	pthread_mutex_unlock(&a->hash_mu);
	return ok;
}

static void hash_leave(struct hv_api_auth *a)
{
	pthread_mutex_lock(&a->hash_mu);
	a->hashing--;
	pthread_cond_signal(&a->hash_cv);
	pthread_mutex_unlock(&a->hash_mu);
}

void hv_api_auth_hash_cap(struct hv_api *api, unsigned cap, unsigned *peak)
{
	struct hv_api_auth *a = api->auth;

	pthread_mutex_lock(&a->hash_mu);
	if (cap)
		a->hash_cap = cap;
	if (peak)
		*peak = a->hash_peak;
	pthread_mutex_unlock(&a->hash_mu);
}

/* ---- the login limiter (call with mu held) ---- */

static struct limit_slot *slot_find(struct hv_api_auth *a, const char *key, int64_t now_ms,
				    bool create)
{
	struct limit_slot *victim = NULL;

	for (size_t i = 0; i < LIMIT_SLOTS; i++) {
		struct limit_slot *s = &a->slots[i];

		if (s->key[0] && strcmp(s->key, key) == 0) {
			if (now_ms - s->first_ms >= LIMIT_WINDOW_MS) {
				s->n = 0;
				s->first_ms = now_ms;
			}
			return s;
		}
		if (!s->key[0]) {
			if (!victim || victim->key[0])
				victim = s;
		} else if (!victim || (victim->key[0] && s->last_ms < victim->last_ms)) {
			victim = s;
		}
	}
	if (!create)
		return NULL;
	memset(victim, 0, sizeof(*victim));
	snprintf(victim->key, sizeof(victim->key), "%s", key);
	victim->first_ms = victim->last_ms = now_ms;
	return victim;
}

/* Seconds until key may try again; 0 when it may now. */
static int64_t limit_wait_s(struct hv_api_auth *a, const char *key, unsigned max, int64_t now_ms)
{
	struct limit_slot *s = slot_find(a, key, now_ms, false);

	if (!s || s->n < max)
		return 0;
	return (s->first_ms + LIMIT_WINDOW_MS - now_ms + 999) / 1000;
}

static void limit_fail(struct hv_api_auth *a, const char *key, int64_t now_ms)
{
	struct limit_slot *s = slot_find(a, key, now_ms, true);

	s->n++;
	s->last_ms = now_ms;
}

static void limit_clear(struct hv_api_auth *a, const char *key, int64_t now_ms)
{
	struct limit_slot *s = slot_find(a, key, now_ms, false);

	if (s)
		memset(s, 0, sizeof(*s));
}

/* ---- the authenticator ---- */

static bool state_changing(enum hv_method m)
{
	return m == HV_POST || m == HV_PUT || m == HV_DELETE;
}

static bool authenticate(void *ctx, const struct hv_route *rt, struct hv_req *req,
			 struct hv_resp *resp)
{
	struct hv_store *s;
	struct hv_err err;
	char hash[HV_SHA256_HEX_LEN];
	enum hv_role role;
	int rc;

	(void)ctx;
	req->role = HV_ROLE_PUBLIC;
	if (!req->authorization && !req->session_cookie)
		return true;
	hv_err_clear(&err);
	if ((rc = hv_req_store(req, &s, &err))) {
		hv_api_fail(resp, rc, &err);
		return false;
	}
	if (req->authorization) {
		struct hv_api_token t;

		if (strncmp(req->authorization, "Bearer ", 7) != 0) {
			hv_resp_problem(resp, HV_HTTP_EUNAUTH,
					"Authorization: only \"Bearer <API token>\" is accepted");
			return false;
		}
		hv_token_hash(req->authorization + 7, hash);
		rc = hv_store_token_get(s, hash, &t, &err);
		if (rc == HV_ENOENT ||
		    (rc == HV_OK && (role = hv_role_parse(t.role)) >= HV_ROLE_PUBLIC)) {
			hv_resp_problem(resp, HV_HTTP_EUNAUTH,
					"the API token is not valid (unknown or revoked)");
			return false;
		}
		if (rc) {
			hv_api_fail(resp, rc, &err);
			return false;
		}
		req->role = role;
		req->user_name = hv_arena_strdup(req->arena, t.name);
		return true;
	}
	{
		struct hv_session ses;

		hv_token_hash(req->session_cookie, hash);
		rc = hv_store_session_get(s, hash, hv_time_now_ms(), &ses, &err);
		/* An unknown or expired cookie is no credential at all: the request is the
		 * public's, and a login replaces the cookie. */
		if (rc == HV_ENOENT)
			return true;
		if (rc) {
			hv_api_fail(resp, rc, &err);
			return false;
		}
		role = hv_role_parse(ses.role);
		if (role >= HV_ROLE_PUBLIC)
			return true;
		/* Login is exempt: it never acts with the old session, it replaces it. */
		if (state_changing(req->method) && !(rt->flags & HV_API_ROUTE_LOGIN)) {
			char got[HV_SHA256_HEX_LEN];
			/* A browser's form cannot set a header: it sends the token as a field. */
			const char *form_csrf = hv_form_get(req->form, "csrf_token");
			const char *sent = req->csrf_header ? req->csrf_header : form_csrf;

			if (!sent) {
				hv_resp_problem(resp, HV_HTTP_EFORBIDDEN,
						"X-CSRF-Token: required on a POST, PUT or DELETE "
						"signed in by cookie (a form sends it as the "
						"csrf_token field)");
				return false;
			}
			hv_token_hash(sent, got);
			if (!hv_ct_streq(got, ses.csrf_hash)) {
				hv_resp_problem(resp, HV_HTTP_EFORBIDDEN,
						req->csrf_header
							? "X-CSRF-Token: does not match this session"
							: "csrf_token: does not match this session");
				return false;
			}
		}
		req->role = role;
		req->user_id = ses.user_id;
		req->user_name = hv_arena_strdup(req->arena, ses.user_name);
		req->via_session = true;
	}
	return true;
}

/* ---- handlers ---- */

static const char *cookie_attrs(const struct hv_req *req)
{
	/* Secure once the server is reached over TLS (served over TLS, or behind a TLS proxy
	 * whose public URL says https). */
	bool tls = req->tls || (req->public_url && strncmp(req->public_url, "https://", 8) == 0);

	return tls ? "; HttpOnly; SameSite=Strict; Path=/; Secure"
		   : "; HttpOnly; SameSite=Strict; Path=/";
}

static void retry_later(struct hv_resp *resp, struct hv_req *req, int64_t wait_s, const char *what)
{
	char detail[160], *v = hv_arena_alloc(req->arena, 24);

	snprintf(detail, sizeof(detail), "too many failed logins for this %s; retry in %lld s",
		 what, (long long)wait_s);
	hv_resp_problem(resp, HV_HTTP_ETOO_MANY, detail);
	snprintf(v, 24, "%lld", (long long)wait_s);
	hv_resp_header(resp, "Retry-After", v);
}

/* A string member: present, a string without NUL, of min..max bytes. */
static int login_member(json_t *root, const char *key, size_t min, size_t max, const char **out,
			struct hv_err *err)
{
	json_t *v = json_object_get(root, key);
	size_t n;

	if (!v)
		return hv_err_set(err, HV_EINVAL, "%s: required", key);
	if (!json_is_string(v))
		return hv_err_set(err, HV_EINVAL, "%s: a string is expected", key);
	n = json_string_length(v);
	if (n < min || n > max || memchr(json_string_value(v), '\0', n))
		return hv_err_set(err, HV_EINVAL, "%s: %zu to %zu bytes, no NUL", key, min, max);
	*out = json_string_value(v);
	return HV_OK;
}

int hv_api_parse_login(struct hv_arena *a, const char *body, size_t len, struct hv_api_login *out,
		       struct hv_err *err)
{
	json_t *root = NULL;
	json_error_t jerr;
	const char *key, *name, *password;
	json_t *v;
	int rc = HV_OK;

	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		rc = hv_err_set(err, HV_EINVAL, "body: %s (line %d, column %d)", jerr.text,
				jerr.line, jerr.column);
		goto out;
	}
	if (!json_is_object(root)) {
		rc = hv_err_set(err, HV_EINVAL, "body: {\"name\", \"password\"} is expected");
		goto out;
	}
	json_object_foreach(root, key, v)
	{
		if (strcmp(key, "name") && strcmp(key, "password")) {
			rc = hv_err_set(err, HV_EINVAL, "body: unknown member \"%.64s\"", key);
			goto out;
		}
	}
	if ((rc = login_member(root, "name", 1, HV_USER_NAME_MAX - 1, &name, err)) ||
	    (rc = login_member(root, "password", 0, HV_API_PASSWORD_MAX, &password, err)))
		goto out;
	out->name = hv_arena_strdup(a, name);
	out->password = hv_arena_strdup(a, password);
out:
	json_decref(root);
	return rc;
}

void hv_api_csrf_of(const char *session_token, char out[HV_TOKEN_HEX_LEN])
{
	struct hv_buf b;

	/* The session's CSRF token is derived from its secret, so that a page can put it in its
	 * forms without the store keeping it: knowing it reveals nothing of the session. */
	hv_buf_init(&b, 0);
	hv_buf_addf(&b, "haven-csrf:%s", session_token);
	hv_token_hash(b.data, out);
	hv_buf_release(&b);
}

bool hv_api_login_start(struct hv_req *req, struct hv_resp *resp, const char *name,
			const char *password, struct hv_user *u, const char **cookie,
			char csrf[HV_TOKEN_HEX_LEN])
{
	struct hv_api *api = req->ctx;
	struct hv_api_auth *a = api->auth;
	char ukey[LIMIT_KEY_MAX], akey[LIMIT_KEY_MAX];
	char token[HV_TOKEN_HEX_LEN];
	char th[HV_SHA256_HEX_LEN], ch[HV_SHA256_HEX_LEN], old[HV_SHA256_HEX_LEN];
	struct hv_store *s;
	struct hv_err err;
	int64_t now = hv_time_now_ms(), wait_s, n_purged;
	bool found, ok;
	int rc;

	hv_err_clear(&err);
	snprintf(ukey, sizeof(ukey), "u:%s", name);
	snprintf(akey, sizeof(akey), "a:%s", req->client_addr ? req->client_addr : "");
	pthread_mutex_lock(&a->mu);
	if ((wait_s = limit_wait_s(a, ukey, LIMIT_PER_ACCOUNT, now)) > 0) {
		pthread_mutex_unlock(&a->mu);
		retry_later(resp, req, wait_s, "account");
		return false;
	}
	if ((wait_s = limit_wait_s(a, akey, LIMIT_PER_ADDRESS, now)) > 0) {
		pthread_mutex_unlock(&a->mu);
		retry_later(resp, req, wait_s, "address");
		return false;
	}
	pthread_mutex_unlock(&a->mu);

	if ((rc = hv_req_store(req, &s, &err))) {
		hv_api_fail(resp, rc, &err);
		return false;
	}
	rc = hv_store_user_find(s, name, u, &err);
	if (rc && rc != HV_ENOENT) {
		hv_api_fail(resp, rc, &err);
		return false;
	}
	found = rc == HV_OK;
	if (!hash_enter(a, HASH_WAIT_MS)) {
		hv_resp_problem(resp, HV_HTTP_EUNAVAIL,
				"too many logins at once; retry in a second");
		hv_resp_header(resp, "Retry-After", "1");
		return false;
	}
	ok = hv_password_verify(found ? u->password_hash : a->dummy_hash, password);
	hash_leave(a);
	ok = ok && found && !u->disabled && hv_role_parse(u->role) < HV_ROLE_PUBLIC;
	pthread_mutex_lock(&a->mu);
	if (ok) {
		limit_clear(a, ukey, now);
	} else {
		limit_fail(a, ukey, now);
		limit_fail(a, akey, now);
	}
	pthread_mutex_unlock(&a->mu);
	if (!ok) {
		hv_resp_problem(resp, HV_HTTP_EUNAUTH, "name or password is wrong");
		return false;
	}

	/* A fresh session at every login: a cookie the client already had (perhaps planted) is
	 * ended, never promoted. */
	hv_token_new(token);
	hv_api_csrf_of(token, csrf);
	hv_token_hash(token, th);
	hv_token_hash(csrf, ch);
	hv_err_clear(&err);
	if ((rc = hv_store_begin(s, &err)))
		goto fail;
	if (req->session_cookie) {
		hv_token_hash(req->session_cookie, old);
		if ((rc = hv_store_session_delete(s, old, &err)))
			goto fail;
	}
	/* Expired sessions go at every login too, not only on the server's periodic sweep. */
	if ((rc = hv_store_session_purge(s, now, &n_purged, &err)))
		goto fail;
	if ((rc = hv_store_session_add(s, th, u->id, ch, now, now + SESSION_TTL_MS, &err)) ||
	    (rc = hv_store_commit(s, &err)))
		goto fail;
	{
		size_t cap = sizeof(COOKIE_NAME) + HV_TOKEN_HEX_LEN + 80;
		char *c = hv_arena_alloc(req->arena, cap);

		snprintf(c, cap, COOKIE_NAME "=%s%s; Max-Age=%d", token, cookie_attrs(req),
			 SESSION_TTL_MS / 1000);
		*cookie = c;
	}
	return true;
fail:
	hv_store_rollback(s);
	hv_api_fail(resp, rc, &err);
	return false;
}

static void login(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_api_login in;
	char csrf[HV_TOKEN_HEX_LEN];
	const char *cookie;
	struct hv_user u;
	struct hv_err err;
	struct hv_json *w;
	int rc;

	hv_err_clear(&err);
	if ((rc = hv_api_parse_login(req->arena, req->body, req->body_len, &in, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	if (!hv_api_login_start(req, resp, in.name, in.password, &u, &cookie, csrf))
		return;
	w = hv_resp_json(resp, 200);
	hv_resp_header(resp, "Set-Cookie", cookie);
	hv_resp_header(resp, "Cache-Control", "no-store");
	hv_json_obj_begin(w);
	hv_json_key(w, "name");
	hv_json_str(w, u.name);
	hv_json_key(w, "role");
	hv_json_str(w, u.role);
	hv_json_key(w, "csrf_token");
	hv_json_str(w, csrf);
	hv_json_obj_end(w);
}

const char *hv_api_session_end(struct hv_req *req, struct hv_err *err)
{
	struct hv_store *s;
	char th[HV_SHA256_HEX_LEN];
	int rc;

	if (req->via_session && req->session_cookie) {
		hv_token_hash(req->session_cookie, th);
		if ((rc = hv_req_store(req, &s, err)) || (rc = hv_store_begin(s, err)))
			return NULL;
		if ((rc = hv_store_session_delete(s, th, err)) || (rc = hv_store_commit(s, err))) {
			hv_store_rollback(s);
			return NULL;
		}
	}
	return strstr(cookie_attrs(req), "Secure")
		       ? COOKIE_NAME "=; HttpOnly; SameSite=Strict; Path=/; Secure; Max-Age=0"
		       : COOKIE_NAME "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0";
}

static void logout(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_err err;
	struct hv_json *w;
	const char *clear;

	hv_err_clear(&err);
	if (!(clear = hv_api_session_end(req, &err))) {
		hv_api_fail(resp, err.code ? err.code : HV_ESTORE, &err);
		return;
	}
	w = hv_resp_json(resp, 200);
	hv_resp_header(resp, "Set-Cookie", clear);
	hv_json_obj_begin(w);
	hv_json_key(w, "signed_out");
	hv_json_bool(w, true);
	hv_json_obj_end(w);
}

static void me(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_json *w = hv_resp_json(resp, 200);

	hv_json_obj_begin(w);
	hv_json_key(w, "name");
	hv_json_str(w, req->user_name ? req->user_name : "");
	hv_json_key(w, "role");
	hv_json_str(w, hv_role_name(req->role));
	hv_json_key(w, "via");
	hv_json_str(w, req->via_session ? "session" : "token");
	hv_json_obj_end(w);
}

static int user_row(void *ctx, const struct hv_user *u)
{
	struct hv_json *w = ctx;
	char when[HV_TIME_ISO_MAX];

	hv_json_obj_begin(w);
	hv_json_key(w, "id");
	hv_json_int(w, u->id);
	hv_json_key(w, "name");
	hv_json_str(w, u->name);
	hv_json_key(w, "role");
	hv_json_str(w, u->role);
	hv_json_key(w, "created");
	hv_time_format_iso(u->created_ms, when, sizeof(when));
	hv_json_str(w, when);
	hv_json_key(w, "disabled");
	hv_json_bool(w, u->disabled);
	hv_json_obj_end(w);
	return 0;
}

static void users_list(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_store *s;
	struct hv_err err;
	struct hv_json *w;
	int rc;

	hv_err_clear(&err);
	if ((rc = hv_req_store(req, &s, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	w = hv_resp_json(resp, 200);
	hv_json_obj_begin(w);
	hv_json_key(w, "users");
	hv_json_arr_begin(w);
	rc = hv_store_user_each(s, user_row, w, &err);
	hv_json_arr_end(w);
	hv_json_obj_end(w);
	if (rc)
		hv_api_fail(resp, rc, &err);
}

void hv_api_auth_free(struct hv_api_auth *a)
{
	if (!a)
		return;
	pthread_mutex_destroy(&a->mu);
	pthread_mutex_destroy(&a->hash_mu);
	pthread_cond_destroy(&a->hash_cv);
	free(a);
}

int hv_api_auth_register(struct hv_api *api, struct hv_router *r, struct hv_err *err)
{
	const struct hv_route routes[] = {
		{.method = HV_POST,
		 .pattern = "/api/v1/login",
		 .roles = HV_ROLES_ANY,
		 .handler = login,
		 .ctx = api,
		 .flags = HV_API_ROUTE_LOGIN,
		 .summary = "sign in: sets the haven_session cookie, returns the CSRF token",
		 .body_type = "application/json"},
		{.method = HV_POST,
		 .pattern = "/api/v1/logout",
		 .roles = HV_ROLES_STAFF_UP,
		 .handler = logout,
		 .ctx = api,
		 .summary = "sign out: ends the session"},
		{.method = HV_GET,
		 .pattern = "/api/v1/me",
		 .roles = HV_ROLES_STAFF_UP,
		 .handler = me,
		 .ctx = api,
		 .summary = "who is asking: name, role and how they signed in"},
		{.method = HV_GET,
		 .pattern = "/api/v1/users",
		 .roles = HV_ROLE_BIT(HV_ROLE_ADMIN),
		 .handler = users_list,
		 .ctx = api,
		 .summary = "every user account (admin)"},
	};
	char pw[HV_TOKEN_HEX_LEN];
	int rc;

	if (!api->auth) {
		struct hv_api_auth *a = hv_xcalloc(1, sizeof(*a));

		pthread_condattr_t ca;
		long n_cores = sysconf(_SC_NPROCESSORS_ONLN);

		pthread_mutex_init(&a->mu, NULL);
		pthread_mutex_init(&a->hash_mu, NULL);
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&a->hash_cv, &ca);
		pthread_condattr_destroy(&ca);
		a->hash_cap = n_cores > 0 ? (unsigned)n_cores : 1;
		hv_token_new(pw);
		if ((rc = hv_password_hash(pw, a->dummy_hash, err))) {
			hv_api_auth_free(a);
			return rc;
		}
		api->auth = a;
	}
	if ((rc = hv_router_add_all(r, routes, sizeof(routes) / sizeof(routes[0]), err)))
		return rc;
	hv_router_set_auth(r, authenticate, api);
	return HV_OK;
}
