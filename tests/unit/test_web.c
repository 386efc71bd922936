/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the web layer: form bodies (http.h), the OpenAPI document checked against the
 * route table, every route of the whole table (API and pages) asked by every role, page
 * routes' redirects and HTML problems, CSRF tokens in form fields, and HTML escaping. The
 * handlers are the real ones over a real SQLite store. */
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
#include <jansson.h>

#include "api/api.h"
#include "api/api_internal.h"
#include "core/clock.h"
#include "crypto/password.h"
#include "http/http.h"
#include "store/store.h"
#include "web/web.h"

#include "core/banned.h"

/* ---- forms ---- */

static void test_form_urlencoded(void **state)
{
	static const char body[] = "csrf_token=abc&name=J%C3%BCrgen+K&empty=";
	struct hv_arena a;
	struct hv_form f;
	struct hv_err err;

	(void)state;
	hv_arena_init(&a, 0);
	assert_int_equal(hv_form_parse(&a, "application/x-www-form-urlencoded; charset=UTF-8", body,
				       strlen(body), &f, &err),
			 HV_OK);
	assert_int_equal(f.n_fields, 3);
	assert_string_equal(hv_form_get(&f, "csrf_token"), "abc");
	assert_string_equal(hv_form_get(&f, "name"), "J\xc3\xbcrgen K");
	assert_string_equal(hv_form_get(&f, "empty"), "");
	assert_null(hv_form_get(&f, "absent"));
	assert_int_equal(
		hv_form_parse(&a, "application/x-www-form-urlencoded", "a=1&a=2", 7, &f, &err),
		HV_EINVAL);
	assert_non_null(strstr(err.msg, "\"a\""));
	assert_int_equal(hv_form_parse(&a, "text/plain", "a=1", 3, &f, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "text/plain"));
	/* no Content-Type and no body: an empty form */
	assert_int_equal(hv_form_parse(&a, NULL, "", 0, &f, &err), HV_OK);
	assert_int_equal(f.n_fields, 0);
	assert_int_equal(hv_form_parse(&a, NULL, "a=1", 3, &f, &err), HV_EINVAL);
	hv_arena_release(&a);
}

static void test_form_multipart(void **state)
{
	static const char body[] = "--XyZ\r\n"
				   "Content-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
				   "abc\r\n"
				   "--XyZ\r\n"
				   "Content-Disposition: form-data; name=\"file\"; "
				   "filename=\"lots;1.csv\"\r\nContent-Type: text/csv\r\n\r\n"
				   "id\n1\0x\r\n"
				   "--XyZ--\r\n";
	struct hv_arena a;
	struct hv_form f;
	struct hv_err err;
	const struct hv_form_field *file;

	(void)state;
	hv_arena_init(&a, 0);
	assert_int_equal(hv_form_parse(&a, "multipart/form-data; boundary=XyZ", body,
				       sizeof(body) - 1, &f, &err),
			 HV_OK);
	assert_int_equal(f.n_fields, 2);
	assert_string_equal(hv_form_get(&f, "csrf_token"), "abc");
	file = hv_form_field(&f, "file");
	assert_non_null(file);
	assert_string_equal(file->filename, "lots;1.csv");
	assert_int_equal(file->len, 6);
	assert_memory_equal(file->value, "id\n1\0x", 6);
	assert_null(hv_form_get(&f, "file")); /* a file is not text */
	hv_arena_release(&a);
}

static int parse_mp(struct hv_arena *a, const char *ct, const char *body, struct hv_err *err)
{
	struct hv_form f;

	hv_err_clear(err);
	return hv_form_parse(a, ct, body, strlen(body), &f, err);
}

static void test_form_multipart_errors(void **state)
{
	static const char mp[] = "multipart/form-data; boundary=B";
	struct hv_arena a;
	struct hv_err err;
	char many[4096];
	size_t n = 0;

	(void)state;
	hv_arena_init(&a, 0);
	assert_int_equal(parse_mp(&a, "multipart/form-data", "--B\r\n", &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "boundary"));
	assert_int_equal(parse_mp(&a, mp,
				  "--B\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1",
				  &err),
			 HV_EINVAL);
	assert_non_null(strstr(err.msg, "\"x\": no closing boundary"));
	assert_int_equal(parse_mp(&a, mp, "--B\r\n\r\nv\r\n--B--", &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "no field name"));
	assert_int_equal(
		parse_mp(&a, mp,
			 "--B\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\n\xff\r\n--B--",
			 &err),
		HV_EINVAL);
	assert_non_null(strstr(err.msg, "\"t\": not UTF-8"));
	assert_int_equal(
		parse_mp(&a, mp, "--B\r\nContent-Disposition: attachment\r\n\r\nv\r\n--B--", &err),
		HV_EINVAL);
	assert_int_equal(parse_mp(&a, mp, "nothing here", &err), HV_EINVAL);
	/* more fields than allowed */
	for (int i = 0; i <= HV_FORM_MAX_FIELDS; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n,
				      "--B\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\n"
				      "v\r\n",
				      i);
	snprintf(many + n, sizeof(many) - n, "--B--");
	assert_int_equal(parse_mp(&a, mp, many, &err), HV_ELIMIT);
	hv_arena_release(&a);
}

static void test_html_escape(void **state)
{
	struct hv_buf b;

	(void)state;
	hv_buf_init(&b, 0);
	hv_html_escape(&b, "<a href=\"x\">Tom & Jerry's</a>");
	assert_string_equal(b.data, "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
	hv_buf_reset(&b);
	hv_html_escape(&b, NULL);
	hv_html_escape(&b, "plain");
	assert_string_equal(b.data, "plain");
	hv_buf_release(&b);
}

/* ---- the whole route table over a real store ---- */

struct fx {
	char dir[256], path[300];
	struct hv_store *s;
	struct hv_api *api;
	struct hv_web *web;
	struct hv_router r;
	struct hv_err err;
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct hv_web_opts wo = {0};
	char static_dir[512];
	const char *root = getenv("HAVEN_SOURCE_ROOT");

	snprintf(f->dir, sizeof(f->dir), "%s/haven-web.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/haven.db", f->dir);
	hv_err_clear(&f->err);
	if (hv_store_open(f->path, &f->s, &f->err) || hv_api_new(f->path, 0, &f->api, &f->err))
		return -1;
	if (root) {
		snprintf(static_dir, sizeof(static_dir), "%s/src/web/static", root);
		wo.static_dir = static_dir;
	}
	hv_router_init(&f->r);
	if (hv_api_register(f->api, &f->r, &f->err) ||
	    hv_web_register(f->api, &f->r, &wo, &f->web, &f->err)) {
		fprintf(stderr, "%s\n", f->err.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	char p[400];

	hv_web_free(f->web);
	hv_api_free(f->api);
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

static int fx_store(void *ctx, struct hv_store **out, struct hv_err *err)
{
	(void)err;
	*out = ctx;
	return HV_OK;
}

struct call {
	enum hv_method method;
	const char *path;   /* may hold a query string */
	const char *who;    /* fake authenticator: a role name; NULL: the public */
	const char *cookie; /* real authenticator: the session cookie */
	const char *content_type;
	const char *body;
};

struct answer {
	int status;
	char content_type[64];
	char location[256];
	char *body; /* caller frees */
};

static void call(struct fx *f, const struct call *c, struct answer *out)
{
	struct hv_arena a;
	struct hv_req req = {.method = c->method, .role = HV_ROLE_PUBLIC};
	struct hv_resp resp;
	struct hv_err err;
	const char *qm = strchr(c->path, '?');
	size_t plen = qm ? (size_t)(qm - c->path) : strlen(c->path);
	size_t len;

	hv_arena_init(&a, 0);
	req.arena = &a;
	req.authorization = c->who;
	req.session_cookie = c->cookie;
	req.content_type = c->content_type;
	req.body = c->body ? c->body : "";
	req.body_len = strlen(req.body);
	req.public_url = "";
	req.client_addr = "127.0.0.1";
	req.store_fn = fx_store;
	req.store_ctx = f->s;
	assert_int_equal(hv_http_path_parse(&a, c->path, plen, &req.segs, &req.path, &err), HV_OK);
	if (qm)
		assert_int_equal(hv_query_parse(&a, qm + 1, strlen(qm + 1), &req.query, &err),
				 HV_OK);
	hv_resp_init(&resp, 0);
	hv_router_dispatch(&f->r, &req, &resp);
	out->status = resp.status;
	snprintf(out->content_type, sizeof(out->content_type), "%s", resp.content_type);
	out->location[0] = '\0';
	for (size_t i = 0; i < resp.n_headers; i++)
		if (strcmp(resp.headers[i].name, "Location") == 0)
			snprintf(out->location, sizeof(out->location), "%s", resp.headers[i].value);
	out->body = hv_buf_detach(&resp.body, &len);
	hv_resp_release(&resp);
	hv_arena_release(&a);
}

/* The role named by the Authorization value (as tests/unit/test_auth.c's fake). */
static bool fake_auth(void *ctx, const struct hv_route *rt, struct hv_req *req,
		      struct hv_resp *resp)
{
	(void)ctx;
	(void)rt;
	(void)resp;
	if (req->authorization)
		req->role = hv_role_parse(req->authorization);
	return true;
}

/* "/properties/{id}" -> "/properties/1" */
static void concrete(const char *pattern, char *out, size_t cap)
{
	size_t n = 0;

	for (const char *p = pattern; *p && n + 2 < cap; p++) {
		if (*p == '{') {
			while (*p && *p != '}')
				p++;
			out[n++] = '1';
			if (!*p)
				break;
			continue;
		}
		out[n++] = *p;
	}
	out[n] = '\0';
}

static void test_route_table_every_role(void **state)
{
	struct fx *f = *state;
	size_t n_checked = 0, n_routes = f->r.n_routes;

	hv_router_set_auth(&f->r, fake_auth, NULL);
	for (size_t i = 0; i < n_routes; i++) {
		const struct hv_route *rt = &f->r.routes[i];
		char path[256];

		concrete(rt->pattern, path, sizeof(path));
		for (int role = 0; role < HV_ROLE_COUNT; role++) {
			struct call c = {.method = rt->method,
					 .path = path,
					 .who = role == HV_ROLE_PUBLIC
							? NULL
							: hv_role_name((enum hv_role)role)};
			bool allowed = rt->roles & HV_ROLE_BIT(role);
			struct answer ans;

			call(f, &c, &ans);
			if (allowed) {
				if (ans.status == 401 || ans.status == 403 || ans.status >= 500)
					fail_msg("%s %s as %s: %d, but the role is allowed: %s",
						 hv_method_name(rt->method), rt->pattern,
						 hv_role_name((enum hv_role)role), ans.status,
						 ans.body);
			} else if (role == HV_ROLE_PUBLIC && (rt->flags & HV_ROUTE_PAGE) &&
				   rt->method == HV_GET) {
				assert_int_equal(ans.status, 303);
				assert_true(strncmp(ans.location, "/login?next=", 12) == 0);
			} else {
				if (ans.status != (role == HV_ROLE_PUBLIC ? 401 : 403))
					fail_msg("%s %s as %s: %d", hv_method_name(rt->method),
						 rt->pattern, hv_role_name((enum hv_role)role),
						 ans.status);
				/* a page says so as a page, the API as problem+json */
				assert_string_equal(ans.content_type,
						    (rt->flags & HV_ROUTE_PAGE)
							    ? "text/html; charset=utf-8"
							    : "application/problem+json");
			}
			free(ans.body);
			n_checked++;
		}
	}
	assert_int_equal(n_checked, n_routes * HV_ROLE_COUNT);
	assert_true(n_routes > 30);
}

static json_t *find_param(json_t *params, const char *name, size_t len, const char *in)
{
	size_t i;
	json_t *p;

	json_array_foreach(params, i, p)
	{
		const char *n = json_string_value(json_object_get(p, "name"));

		if (n && strlen(n) == len && strncmp(n, name, len) == 0 &&
		    strcmp(json_string_value(json_object_get(p, "in")), in) == 0)
			return p;
	}
	return NULL;
}

/* The route's query parameters and {captures}. */
static size_t count_params(const struct hv_route *rt)
{
	size_t k = 0;

	for (const char *const *q = rt->params; q && *q; q++)
		k++;
	for (const char *p = strchr(rt->pattern, '{'); p; p = strchr(p + 1, '{'))
		k++;
	return k;
}

static void test_openapi_matches_route_table(void **state)
{
	struct fx *f = *state;
	struct call c = {.method = HV_GET, .path = "/api"};
	struct answer ans;
	json_error_t jerr;
	json_t *doc, *paths, *op;
	const char *key;
	size_t n_ops = 0, n_api = 0;

	call(f, &c, &ans);
	assert_int_equal(ans.status, 200);
	doc = json_loads(ans.body, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		fail_msg("GET /api is not JSON: %s", jerr.text);
	assert_true(strncmp(json_string_value(json_object_get(doc, "openapi")), "3.0.", 4) == 0);
	assert_non_null(json_object_get(json_object_get(doc, "info"), "title"));
	paths = json_object_get(doc, "paths");
	assert_true(json_is_object(paths));
	for (size_t i = 0; i < f->r.n_routes; i++) {
		const struct hv_route *rt = &f->r.routes[i];
		const char *m = rt->method == HV_GET ? "get" : rt->method == HV_POST ? "post" : "?";
		json_t *params;

		if (strncmp(rt->pattern, "/api/v1/", 8) != 0)
			continue;
		n_api++;
		op = json_object_get(json_object_get(paths, rt->pattern), m);
		if (!op)
			fail_msg("%s %s is missing from the OpenAPI document", m, rt->pattern);
		assert_non_null(json_string_value(json_object_get(op, "summary")));
		params = json_object_get(op, "parameters");
		for (const char *const *q = rt->params; q && *q; q++)
			if (!find_param(params, *q, strlen(*q), "query"))
				fail_msg("%s %s: query parameter %s missing", m, rt->pattern, *q);
		for (const char *p = strchr(rt->pattern, '{'); p; p = strchr(p + 1, '{'))
			if (!find_param(params, p + 1, (size_t)(strchr(p, '}') - p - 1), "path"))
				fail_msg("%s %s: path parameter missing", m, rt->pattern);
		/* and nothing more than the table says */
		assert_int_equal(json_array_size(params), count_params(rt));
	}
	/* every operation in the document is a route */
	json_object_foreach(paths, key, op)
	{
		const char *m;
		json_t *v;

		json_object_foreach(op, m, v)
		{
			enum hv_method meth = strcmp(m, "get") == 0 ? HV_GET : HV_POST;
			bool found = false;

			for (size_t i = 0; i < f->r.n_routes && !found; i++)
				found = f->r.routes[i].method == meth &&
					strcmp(f->r.routes[i].pattern, key) == 0;
			if (!found)
				fail_msg("the document lists %s %s, which is no route", m, key);
			n_ops++;
		}
	}
	assert_int_equal(n_ops, n_api);
	assert_true(n_api >= 10);
	/* the imports upload is in it with its body */
	op = json_object_get(json_object_get(paths, "/api/v1/imports"), "post");
	assert_non_null(json_object_get(op, "requestBody"));
	json_decref(doc);
	free(ans.body);
}

/* A session made as login makes one, and form posts with and without its CSRF field. */
static void test_csrf_form_field(void **state)
{
	struct fx *f = *state;
	char token[HV_TOKEN_HEX_LEN], csrf[HV_TOKEN_HEX_LEN], th[65], ch[65], body[256];
	int64_t uid = 0, now = hv_time_now_ms();
	struct answer ans;
	struct call c = {.method = HV_POST,
			 .path = "/admin/tokens",
			 .cookie = token,
			 .content_type = "application/x-www-form-urlencoded",
			 .body = body};

	assert_int_equal(hv_store_begin(f->s, &f->err), HV_OK);
	assert_int_equal(hv_store_user_add(f->s, "ana", "admin", "x", now, &uid, &f->err), HV_OK);
	hv_token_new(token);
	hv_api_csrf_of(token, csrf);
	hv_token_hash(token, th);
	hv_token_hash(csrf, ch);
	assert_int_equal(hv_store_session_add(f->s, th, uid, ch, now, now + 60000, &f->err), HV_OK);
	assert_int_equal(hv_store_commit(f->s, &f->err), HV_OK);

	snprintf(body, sizeof(body), "name=gis&role=auditor");
	call(f, &c, &ans);
	assert_int_equal(ans.status, 403);
	assert_string_equal(ans.content_type, "text/html; charset=utf-8");
	assert_non_null(strstr(ans.body, "csrf_token"));
	free(ans.body);

	snprintf(body, sizeof(body), "csrf_token=%.63sX&name=gis&role=auditor", csrf);
	call(f, &c, &ans);
	assert_int_equal(ans.status, 403);
	free(ans.body);

	snprintf(body, sizeof(body), "csrf_token=%s&name=gis&role=auditor", csrf);
	call(f, &c, &ans);
	assert_int_equal(ans.status, 201);
	/* the page shows the token once, and its forms carry the session's CSRF token */
	assert_non_null(strstr(ans.body, "id=\"secret\""));
	assert_non_null(strstr(ans.body, csrf));
	free(ans.body);

	/* a bad form field is a page naming it */
	snprintf(body, sizeof(body), "csrf_token=%s&name=gis&role=root", csrf);
	call(f, &c, &ans);
	assert_int_equal(ans.status, 400);
	assert_non_null(strstr(ans.body, "role: &quot;root&quot;"));
	free(ans.body);
}

static void test_page_escapes_and_redirects(void **state)
{
	struct fx *f = *state;
	struct call c = {.method = HV_GET, .path = "/?address=%3Cscript%3Ealert(1)%3C%2Fscript%3E"};
	struct answer ans;

	call(f, &c, &ans);
	assert_int_equal(ans.status, 200);
	assert_null(strstr(ans.body, "<script>alert"));
	assert_non_null(strstr(ans.body, "&lt;script&gt;alert(1)"));
	assert_non_null(strstr(ans.body, "name=\"viewport\""));
	free(ans.body);
	/* the login form's next is only ever a local path */
	c.path = "/login?next=%2F%2Fevil.example%2F";
	call(f, &c, &ans);
	assert_int_equal(ans.status, 200);
	assert_null(strstr(ans.body, "evil.example"));
	free(ans.body);
	c.path = "/properties/abc";
	c.who = "staff";
	hv_router_set_auth(&f->r, fake_auth, NULL);
	call(f, &c, &ans);
	assert_int_equal(ans.status, 400);
	assert_string_equal(ans.content_type, "text/html; charset=utf-8");
	assert_non_null(strstr(ans.body, "&quot;abc&quot; is not a property id"));
	free(ans.body);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_urlencoded),
		cmocka_unit_test(test_form_multipart),
		cmocka_unit_test(test_form_multipart_errors),
		cmocka_unit_test(test_html_escape),
		T(test_route_table_every_role),
		T(test_openapi_matches_route_table),
		T(test_csrf_form_field),
		T(test_page_escapes_and_redirects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
