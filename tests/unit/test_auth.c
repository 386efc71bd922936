/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of accounts: src/crypto/password.h (argon2id, tokens, constant-time compare), the
 * store's users, sessions and API tokens (store.h, schema 2), and the router's authenticator hook
 * and role checks (http.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pthread.h>

#include <cmocka.h>

#include "core/clock.h"
#include "core/err.h"
#include "api/api.h"
#include "crypto/password.h"
#include "http/http.h"
#include "store/store.h"

#include "core/banned.h"

/* ---- crypto ---- */

static void test_password_hash_verifies(void **state)
{
	char h[HV_PWHASH_STR_MAX], h2[HV_PWHASH_STR_MAX];
	struct hv_err err;

	(void)state;
	hv_err_clear(&err);
	assert_int_equal(hv_password_hash("correct horse", h, &err), HV_OK);
	assert_non_null(strstr(h, "$argon2id$"));
	assert_true(hv_password_verify(h, "correct horse"));
	assert_false(hv_password_verify(h, "correct horsE"));
	assert_false(hv_password_verify(h, ""));
	assert_false(hv_password_verify("not a hash", "correct horse"));
	/* salted: the same password hashes differently */
	assert_int_equal(hv_password_hash("correct horse", h2, &err), HV_OK);
	assert_string_not_equal(h, h2);
	assert_true(hv_password_verify(h2, "correct horse"));
}

static void test_token_new_random_hex(void **state)
{
	char a[HV_TOKEN_HEX_LEN], b[HV_TOKEN_HEX_LEN];

	(void)state;
	hv_token_new(a);
	hv_token_new(b);
	assert_int_equal(strlen(a), 64);
	assert_int_equal(strspn(a, "0123456789abcdef"), 64);
	assert_string_not_equal(a, b);
}

static void test_token_hash_sha256(void **state)
{
	char h[65];

	(void)state;
	hv_token_hash("abc", h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_ct_streq(void **state)
{
	(void)state;
	assert_true(hv_ct_streq("", ""));
	assert_true(hv_ct_streq("abc", "abc"));
	assert_false(hv_ct_streq("abc", "abd"));
	assert_false(hv_ct_streq("abc", "abcd"));
	assert_false(hv_ct_streq("abc", ""));
}

/* ---- store ---- */

struct fx {
	char dir[256], path[300];
	struct hv_store *s;
	struct hv_err err;
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "%s/haven-auth.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/haven.db", f->dir);
	hv_err_clear(&f->err);
	if (hv_store_open(f->path, &f->s, &f->err))
		return -1;
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	char p[400];

	hv_store_close(f->s);
	for (const char *const *sfx = (const char *const[]){"", "-wal", "-shm", NULL}; *sfx;
	     sfx++) {
		snprintf(p, sizeof(p), "%s%s", f->path, *sfx);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static int64_t add_user(struct fx *f, const char *name, const char *role)
{
	int64_t id = 0;

	assert_int_equal(hv_store_begin(f->s, &f->err), HV_OK);
	assert_int_equal(hv_store_user_add(f->s, name, role, "$argon2id$x", 1000, &id, &f->err),
			 HV_OK);
	assert_int_equal(hv_store_commit(f->s, &f->err), HV_OK);
	return id;
}

static void test_store_schema_version_2(void **state)
{
	struct fx *f = *state;

	/* later migrations (3: the ledger) build on version 2 */
	assert_true(hv_store_schema_version(f->s) >= 2);
}

static void test_store_user_add_find(void **state)
{
	struct fx *f = *state;
	struct hv_user u;
	int64_t id = add_user(f, "alice", "admin");

	assert_true(id > 0);
	assert_int_equal(hv_store_user_find(f->s, "alice", &u, &f->err), HV_OK);
	assert_int_equal(u.id, id);
	assert_string_equal(u.role, "admin");
	assert_string_equal(u.password_hash, "$argon2id$x");
	assert_int_equal(u.created_ms, 1000);
	assert_false(u.disabled);
	assert_int_equal(hv_store_user_find(f->s, "bob", &u, &f->err), HV_ENOENT);
	assert_non_null(strstr(f->err.msg, "bob"));
}

static void test_store_user_add_duplicate(void **state)
{
	struct fx *f = *state;

	add_user(f, "alice", "admin");
	assert_int_equal(hv_store_begin(f->s, &f->err), HV_OK);
	assert_int_equal(hv_store_user_add(f->s, "alice", "law", "h", 2, NULL, &f->err), HV_EEXIST);
	assert_non_null(strstr(f->err.msg, "alice"));
	hv_store_rollback(f->s);
}

static void test_store_user_add_outside_tx(void **state)
{
	struct fx *f = *state;

	assert_int_equal(hv_store_user_add(f->s, "a", "law", "h", 2, NULL, &f->err), HV_ESTORE);
}

static int count_user(void *ctx, const struct hv_user *u)
{
	(void)u;
	(*(int *)ctx)++;
	return 0;
}

static void test_store_user_each_and_disable(void **state)
{
	struct fx *f = *state;
	struct hv_session ses;
	struct hv_user u;
	int64_t id;
	int n = 0;

	id = add_user(f, "bob", "law");
	add_user(f, "alice", "admin");
	assert_int_equal(hv_store_user_each(f->s, count_user, &n, &f->err), HV_OK);
	assert_int_equal(n, 2);
	assert_int_equal(hv_store_begin(f->s, &f->err), HV_OK);
	assert_int_equal(hv_store_session_add(f->s, "h1", id, "c1", 10, 1000000, &f->err), HV_OK);
	assert_int_equal(hv_store_user_disable(f->s, "bob", &f->err), HV_OK);
	assert_int_equal(hv_store_user_disable(f->s, "nobody", &f->err), HV_ENOENT);
	assert_int_equal(hv_store_commit(f->s, &f->err), HV_OK);
	assert_int_equal(hv_store_user_find(f->s, "bob", &u, &f->err), HV_OK);
	assert_true(u.disabled);
	/* disabling ends the user's sessions */
	assert_int_equal(hv_store_session_get(f->s, "h1", 20, &ses, &f->err), HV_ENOENT);
}

static void test_store_session_lifecycle(void **state)
{
	struct fx *f = *state;
	struct hv_session ses;
	int64_t id = add_user(f, "carol", "facilities");

	assert_int_equal(hv_store_begin(f->s, &f->err), HV_OK);
	assert_int_equal(hv_store_session_add(f->s, "tokhash", id, "csrfhash", 100, 200, &f->err),
			 HV_OK);
	assert_int_equal(hv_store_commit(f->s, &f->err), HV_OK);
	assert_int_equal(hv_store_session_get(f->s, "tokhash", 150, &ses, &f->err), HV_OK);
	assert_int_equal(ses.user_id, id);
	assert_string_equal(ses.user_name, "carol");
	assert_string_equal(ses.role, "facilities");
	assert_string_equal(ses.csrf_hash, "csrfhash");
	assert_int_equal(ses.expires_ms, 200);
	/* expired */
	assert_int_equal(hv_store_session_get(f->s, "tokhash", 200, &ses, &f->err), HV_ENOENT);
	assert_int_equal(hv_store_session_get(f->s, "other", 150, &ses, &f->err), HV_ENOENT);
	assert_int_equal(hv_store_begin(f->s, &f->err), HV_OK);
	assert_int_equal(hv_store_session_delete(f->s, "tokhash", &f->err), HV_OK);
	assert_int_equal(hv_store_session_delete(f->s, "absent", &f->err), HV_OK);
	assert_int_equal(hv_store_commit(f->s, &f->err), HV_OK);
	assert_int_equal(hv_store_session_get(f->s, "tokhash", 150, &ses, &f->err), HV_ENOENT);
}

static void test_store_token_revoke(void **state)
{
	struct fx *f = *state;
	struct hv_api_token t;
	int64_t id = 0;

	assert_int_equal(hv_store_begin(f->s, &f->err), HV_OK);
	assert_int_equal(hv_store_token_add(f->s, "th", "gis", "auditor", 5, &id, &f->err), HV_OK);
	assert_int_equal(hv_store_commit(f->s, &f->err), HV_OK);
	assert_int_equal(hv_store_token_get(f->s, "th", &t, &f->err), HV_OK);
	assert_int_equal(t.id, id);
	assert_string_equal(t.name, "gis");
	assert_string_equal(t.role, "auditor");
	assert_int_equal(hv_store_begin(f->s, &f->err), HV_OK);
	assert_int_equal(hv_store_token_revoke(f->s, id, 9, &f->err), HV_OK);
	assert_int_equal(hv_store_token_revoke(f->s, id, 9, &f->err), HV_ENOENT);
	assert_int_equal(hv_store_token_revoke(f->s, id + 1, 9, &f->err), HV_ENOENT);
	assert_int_equal(hv_store_commit(f->s, &f->err), HV_OK);
	assert_int_equal(hv_store_token_get(f->s, "th", &t, &f->err), HV_ENOENT);
}

/* ---- router: the authenticator runs before the role check ---- */

static void ok_handler(struct hv_req *req, struct hv_resp *resp)
{
	(void)req;
	hv_resp_json(resp, 200);
	hv_json_obj_begin(&resp->json);
	hv_json_obj_end(&resp->json);
}

/* A fake authenticator: the role named by the Authorization value; "deny" answers itself. */
static bool fake_auth(void *ctx, const struct hv_route *rt, struct hv_req *req,
		      struct hv_resp *resp)
{
	(void)ctx;
	(void)rt;
	if (!req->authorization)
		return true;
	if (strcmp(req->authorization, "deny") == 0) {
		hv_resp_problem(resp, HV_HTTP_EFORBIDDEN, "X-CSRF-Token: missing");
		return false;
	}
	req->role = hv_role_parse(req->authorization);
	return true;
}

static int ask(const struct hv_router *r, const char *path, const char *who)
{
	struct hv_arena a;
	struct hv_req req = {.method = HV_GET, .role = HV_ROLE_PUBLIC, .authorization = who};
	struct hv_resp resp;
	struct hv_err err;
	const char *norm;
	int code;

	hv_arena_init(&a, 0);
	req.arena = &a;
	assert_int_equal(hv_http_path_parse(&a, path, strlen(path), &req.segs, &norm, &err), HV_OK);
	req.path = norm;
	hv_resp_init(&resp, 0);
	hv_router_dispatch(r, &req, &resp);
	code = resp.status;
	hv_resp_release(&resp);
	hv_arena_release(&a);
	return code;
}

static void test_router_roles_401_403(void **state)
{
	struct hv_router r;
	struct hv_err err;
	const struct hv_route admin_only = {.method = HV_GET,
					    .pattern = "/admin",
					    .roles = HV_ROLE_BIT(HV_ROLE_ADMIN),
					    .handler = ok_handler};
	const struct hv_route staff = {.method = HV_GET,
				       .pattern = "/staff",
				       .roles = HV_ROLES_STAFF_UP,
				       .handler = ok_handler};

	(void)state;
	hv_router_init(&r);
	assert_int_equal(hv_router_add(&r, &admin_only, &err), HV_OK);
	assert_int_equal(hv_router_add(&r, &staff, &err), HV_OK);
	hv_router_set_auth(&r, fake_auth, NULL);
	assert_int_equal(ask(&r, "/admin", NULL), 401);
	assert_int_equal(ask(&r, "/admin", "law"), 403);
	assert_int_equal(ask(&r, "/admin", "admin"), 200);
	assert_int_equal(ask(&r, "/staff", NULL), 401);
	assert_int_equal(ask(&r, "/staff", "auditor"), 200);
	assert_int_equal(ask(&r, "/staff", "deny"), 403);
	assert_int_equal(hv_role_parse("public"), HV_ROLE_PUBLIC);
	assert_int_equal(hv_role_parse("root"), HV_ROLE_COUNT);
}

/* ---- the login body ---- */

/* One arena per test (the parser's strings live in it); released at the end of the test. */
static struct hv_arena *login_arena(void)
{
	static struct hv_arena a;

	return &a;
}

static int parse_login(const char *body, struct hv_api_login *in, struct hv_err *err)
{
	hv_err_clear(err);
	return hv_api_parse_login(login_arena(), body, strlen(body), in, err);
}

static void test_parse_login(void **state)
{
	struct hv_api_login in;
	struct hv_err err;

	(void)state;
	hv_arena_init(login_arena(), 0);
	assert_int_equal(parse_login("{\"name\":\"alice\",\"password\":\"s3cret\"}", &in, &err),
			 HV_OK);
	assert_string_equal(in.name, "alice");
	assert_string_equal(in.password, "s3cret");
	assert_int_equal(parse_login("{\"name\":\"alice\"}", &in, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "password"));
	assert_int_equal(parse_login("{\"name\":\"\",\"password\":\"x\"}", &in, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "name"));
	assert_int_equal(
		parse_login("{\"name\":\"a\",\"password\":\"x\",\"role\":\"admin\"}", &in, &err),
		HV_EINVAL);
	assert_non_null(strstr(err.msg, "role"));
	assert_int_equal(parse_login("{\"name\":\"a\",\"password\":7}", &in, &err), HV_EINVAL);
	assert_int_equal(parse_login("{\"name\":\"a\",", &in, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "line"));
	/* the password never appears in a message */
	assert_int_equal(parse_login("{\"name\":\"\",\"password\":\"hunter2\"}", &in, &err),
			 HV_EINVAL);
	assert_null(strstr(err.msg, "hunter2"));
	hv_arena_release(login_arena());
}


/* ---- session expiry and the argon2id cap, through the API ---- */

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void add_session(struct fx *f, const char *hash, int64_t user, int64_t expires_ms)
{
	assert_int_equal(hv_store_begin(f->s, &f->err), HV_OK);
	if (hv_store_session_add(f->s, hash, user, "c", 1, expires_ms, &f->err))
		fail_msg("session_add: %s", f->err.msg);
	assert_int_equal(hv_store_commit(f->s, &f->err), HV_OK);
}

static void test_store_session_purge(void **state)
{
	struct fx *f = *state;
	struct hv_session ses;
	int64_t id = add_user(f, "dave", "staff"), n;

	add_session(f, "old", id, 500);
	add_session(f, "edge", id, 1000);
	add_session(f, "live", id, 5000);
	/* expired rows are refused before they are deleted */
	assert_int_equal(hv_store_session_get(f->s, "old", 1000, &ses, &f->err), HV_ENOENT);
	assert_int_equal(hv_store_begin(f->s, &f->err), HV_OK);
	assert_int_equal(hv_store_session_purge(f->s, 1000, &n, &f->err), HV_OK);
	assert_int_equal(hv_store_commit(f->s, &f->err), HV_OK);
	assert_int_equal(n, 2);
	/* gone even for a reader at an earlier time: the row itself was deleted */
	assert_int_equal(hv_store_session_get(f->s, "old", 100, &ses, &f->err), HV_ENOENT);
	assert_int_equal(hv_store_session_get(f->s, "edge", 100, &ses, &f->err), HV_ENOENT);
	assert_int_equal(hv_store_session_get(f->s, "live", 1000, &ses, &f->err), HV_OK);
	/* outside a transaction: refused, nothing deleted */
	assert_int_not_equal(hv_store_session_purge(f->s, 9999, &n, &f->err), HV_OK);
	assert_int_equal(hv_store_session_get(f->s, "live", 1000, &ses, &f->err), HV_OK);
}

/* The server's refresh thread deletes expired sessions by itself (every 30 refresh periods). */
static void test_api_purges_expired_sessions(void **state)
{
	struct fx *f = *state;
	struct hv_api *api = NULL;
	struct hv_session ses;
	int64_t id = add_user(f, "erin", "staff"), n, now = hv_time_now_ms();

	assert_int_equal(hv_api_new(f->path, 100, &api, &f->err), HV_OK);
	sleep_ms(400); /* the first sweep runs at the first tick */
	add_session(f, "expired-1", id, now - 1000);
	add_session(f, "live", id, now + 3600000);
	assert_int_equal(hv_api_purge_sessions(f->s, hv_time_now_ms(), &n, &f->err), HV_OK);
	assert_int_equal(n, 1); /* the sweep is minded to delete what expired */
	add_session(f, "expired-2", id, now - 1000);
	sleep_ms(3600); /* the next sweep: 30 x 100 ms after the first */
	assert_int_equal(hv_api_purge_sessions(f->s, hv_time_now_ms(), &n, &f->err), HV_OK);
	assert_int_equal(n, 0); /* expired-2 was already gone */
	assert_int_equal(hv_store_session_get(f->s, "live", now, &ses, &f->err), HV_OK);
	hv_api_free(api);
}

struct login_run {
	struct hv_router *r;
	const char *db;
	int code;
};

static int open_store(void *ctx, struct hv_store **out, struct hv_err *err)
{
	*out = ctx;
	(void)err;
	return HV_OK;
}

static void *login_thread(void *arg)
{
	struct login_run *run = arg;
	static const char body[] = "{\"name\":\"frank\",\"password\":\"frank-secret-1\"}";
	struct hv_store *s = NULL;
	struct hv_arena a;
	struct hv_req req = {.method = HV_POST, .role = HV_ROLE_PUBLIC, .public_url = ""};
	struct hv_resp resp;
	struct hv_err err;

	if (hv_store_open(run->db, &s, &err))
		return NULL;
	hv_arena_init(&a, 0);
	req.arena = &a;
	req.client_addr = "127.0.0.1";
	req.body = body;
	req.body_len = sizeof(body) - 1;
	req.store_fn = open_store;
	req.store_ctx = s;
	if (hv_http_path_parse(&a, "/api/v1/login", 13, &req.segs, &req.path, &err) == HV_OK) {
		hv_resp_init(&resp, 0);
		hv_router_dispatch(run->r, &req, &resp);
		run->code = resp.status;
		hv_resp_release(&resp);
	}
	hv_arena_release(&a);
	hv_store_close(s);
	return NULL;
}

/* Many logins at once never run more than the cap's argon2id verifications together; those over
 * the cap wait, and any that waited too long get 503. */
static void test_login_hash_cap(void **state)
{
	struct fx *f = *state;
	enum { N = 12, CAP = 2 };
	char hash[HV_PWHASH_STR_MAX];
	struct hv_api *api = NULL;
	struct hv_router r;
	struct login_run runs[N];
	pthread_t th[N];
	unsigned peak = 0;
	int64_t id;
	int n_ok = 0;

	assert_int_equal(hv_password_hash("frank-secret-1", hash, &f->err), HV_OK);
	assert_int_equal(hv_store_begin(f->s, &f->err), HV_OK);
	assert_int_equal(hv_store_user_add(f->s, "frank", "staff", hash, 1, &id, &f->err), HV_OK);
	assert_int_equal(hv_store_commit(f->s, &f->err), HV_OK);
	assert_int_equal(hv_api_new(f->path, 0, &api, &f->err), HV_OK);
	hv_router_init(&r);
	assert_int_equal(hv_api_register(api, &r, &f->err), HV_OK);
	hv_api_auth_hash_cap(api, CAP, &peak);
	assert_int_equal(peak, 0);
	for (int i = 0; i < N; i++) {
		runs[i] = (struct login_run){.r = &r, .db = f->path};
		assert_int_equal(pthread_create(&th[i], NULL, login_thread, &runs[i]), 0);
	}
	for (int i = 0; i < N; i++)
		pthread_join(th[i], NULL);
	hv_api_auth_hash_cap(api, 0, &peak);
	for (int i = 0; i < N; i++) {
		if (runs[i].code != 200 && runs[i].code != 503)
			fail_msg("login %d answered %d", i, runs[i].code);
		n_ok += runs[i].code == 200;
	}
	/* the cap held, and was reached: the logins did overlap */
	assert_int_equal(peak, CAP);
	assert_true(n_ok >= CAP);
	hv_api_free(api);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_hash_verifies),
		cmocka_unit_test(test_token_new_random_hex),
		cmocka_unit_test(test_token_hash_sha256),
		cmocka_unit_test(test_ct_streq),
		T(test_store_schema_version_2),
		T(test_store_user_add_find),
		T(test_store_user_add_duplicate),
		T(test_store_user_add_outside_tx),
		T(test_store_user_each_and_disable),
		T(test_store_session_lifecycle),
		T(test_store_token_revoke),
		T(test_store_session_purge),
		T(test_api_purges_expired_sessions),
		T(test_login_hash_cap),
		cmocka_unit_test(test_router_roles_401_403),
		cmocka_unit_test(test_parse_login),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
