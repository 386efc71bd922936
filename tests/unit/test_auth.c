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
#include <unistd.h>

#include <cmocka.h>

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
		cmocka_unit_test(test_router_roles_401_403),
		cmocka_unit_test(test_parse_login),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
