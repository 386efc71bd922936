/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the HTTP layer without a socket: arena, percent-decoding, paths, query strings,
 * the router, problem+json, and the lookup POST body parser. */
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/api.h"
#include "core/arena.h"
#include "http/http.h"

#include "core/banned.h"

/* ---- arena ---- */

static void test_arena_small_and_big(void **state)
{
	struct hv_arena a;
	char *big;

	(void)state;
	hv_arena_init(&a, 256);
	for (int i = 0; i < 1000; i++) {
		void *p = hv_arena_alloc(&a, (size_t)(i % 13) + 1);

		assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
		memset(p, 0xab, (size_t)(i % 13) + 1);
	}
	big = hv_arena_alloc(&a, 100000);
	memset(big, 1, 100000);
	assert_string_equal(hv_arena_strndup(&a, "hello world", 5), "hello");
	assert_string_equal(hv_arena_strdup(&a, "x"), "x");
	assert_non_null(hv_arena_alloc(&a, 0));
	assert_true(a.used >= 100000);
	hv_arena_release(&a);
	assert_null(a.head);
	hv_arena_release(&a);
	hv_arena_release(NULL);
}

static void test_arena_calloc_zeroes(void **state)
{
	struct hv_arena a;
	int *v;

	(void)state;
	hv_arena_init(&a, 0);
	v = hv_arena_calloc(&a, 100, sizeof(int));
	for (int i = 0; i < 100; i++)
		assert_int_equal(v[i], 0);
	hv_arena_release(&a);
}

/* ---- percent-decoding ---- */

static int decode(struct hv_arena *a, const char *s, bool plus, char **out, struct hv_err *err)
{
	return hv_http_decode(a, s, strlen(s), plus, out, NULL, err);
}

static void test_decode_valid(void **state)
{
	struct hv_arena a;
	struct hv_err err;
	char *out;

	(void)state;
	hv_arena_init(&a, 0);
	assert_int_equal(decode(&a, "a%20b+c", true, &out, &err), HV_OK);
	assert_string_equal(out, "a b c");
	assert_int_equal(decode(&a, "a+b", false, &out, &err), HV_OK);
	assert_string_equal(out, "a+b");
	assert_int_equal(decode(&a, "caf%C3%A9", true, &out, &err), HV_OK);
	assert_string_equal(out, "caf\xc3\xa9");
	assert_int_equal(decode(&a, "", true, &out, &err), HV_OK);
	assert_string_equal(out, "");
	hv_arena_release(&a);
}

static void test_decode_rejects(void **state)
{
	static const char *const bad[] = {"%",	 "%4",	"%zz", "a%0",
					  "%00", "%ff", "%C3", "%ED%A0%80"};
	struct hv_arena a;
	struct hv_err err;
	char *out;

	(void)state;
	hv_arena_init(&a, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(decode(&a, bad[i], true, &out, &err), HV_EINVAL);
	decode(&a, "%00", true, &out, &err);
	assert_non_null(strstr(err.msg, "NUL"));
	decode(&a, "%ff", true, &out, &err);
	assert_non_null(strstr(err.msg, "UTF-8"));
	assert_int_equal(hv_http_decode(&a, "a\0b", 3, true, &out, NULL, &err), HV_EINVAL);
	hv_arena_release(&a);
}

/* ---- paths ---- */

static int path(struct hv_arena *a, const char *raw, struct hv_path *p, const char **norm,
		struct hv_err *err)
{
	return hv_http_path_parse(a, raw, strlen(raw), p, norm, err);
}

static void test_path_normalises(void **state)
{
	struct hv_arena a;
	struct hv_path p;
	struct hv_err err;
	const char *norm;

	(void)state;
	hv_arena_init(&a, 0);
	assert_int_equal(path(&a, "/api//v1/./lookup/", &p, &norm, &err), HV_OK);
	assert_string_equal(norm, "/api/v1/lookup");
	assert_int_equal(p.n_segs, 3);
	assert_string_equal(p.segs[2], "lookup");
	assert_int_equal(path(&a, "/", &p, &norm, &err), HV_OK);
	assert_string_equal(norm, "/");
	assert_int_equal(p.n_segs, 0);
	assert_int_equal(path(&a, "/a%2Fb/c%20d", &p, &norm, &err), HV_OK);
	assert_int_equal(p.n_segs, 2);
	assert_string_equal(p.segs[0], "a/b");
	assert_string_equal(p.segs[1], "c d");
	hv_arena_release(&a);
}

static void test_path_rejects_dotdot(void **state)
{
	struct hv_arena a;
	struct hv_path p;
	struct hv_err err;
	const char *norm;

	(void)state;
	hv_arena_init(&a, 0);
	assert_int_equal(path(&a, "/api/../etc", &p, &norm, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, ".."));
	assert_int_equal(path(&a, "/api/%2e%2e/etc", &p, &norm, &err), HV_EINVAL);
	assert_int_equal(path(&a, "/a/%ff", &p, &norm, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "path"));
	assert_int_equal(path(&a, "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17", &p, &norm, &err),
			 HV_ELIMIT);
	hv_arena_release(&a);
}

/* ---- query strings ---- */

static int query(struct hv_arena *a, const char *raw, struct hv_query *q, struct hv_err *err)
{
	return hv_query_parse(a, raw, strlen(raw), q, err);
}

static void test_query_parses(void **state)
{
	struct hv_arena a;
	struct hv_query q;
	struct hv_err err;

	(void)state;
	hv_arena_init(&a, 0);
	assert_int_equal(query(&a, "lon=-87.6&lat=41.8&&address=100+W+Main+St%2C&flag", &q, &err),
			 HV_OK);
	assert_int_equal(q.n_params, 4);
	assert_string_equal(hv_query_get(&q, "lon"), "-87.6");
	assert_string_equal(hv_query_get(&q, "address"), "100 W Main St,");
	assert_string_equal(hv_query_get(&q, "flag"), "");
	assert_null(hv_query_get(&q, "radius"));
	assert_int_equal(query(&a, "", &q, &err), HV_OK);
	assert_int_equal(q.n_params, 0);
	hv_arena_release(&a);
}

static void test_query_rejects(void **state)
{
	struct hv_arena a;
	struct hv_query q;
	struct hv_err err;
	char many[1024] = "";

	(void)state;
	hv_arena_init(&a, 0);
	assert_int_equal(query(&a, "lon=1&lon=2", &q, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "\"lon\" is given twice"));
	assert_int_equal(query(&a, "=1", &q, &err), HV_EINVAL);
	assert_int_equal(query(&a, "address=%ff", &q, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "\"address\""));
	assert_non_null(strstr(err.msg, "UTF-8"));
	assert_int_equal(query(&a, "a=%00", &q, &err), HV_EINVAL);
	for (int i = 0; i <= HV_QUERY_MAX_PARAMS; i++) {
		char one[16];

		snprintf(one, sizeof(one), "p%d=1&", i);
		strncat(many, one, sizeof(many) - strlen(many) - 1);
	}
	assert_int_equal(query(&a, many, &q, &err), HV_ELIMIT);
	hv_arena_release(&a);
}

/* ---- router ---- */

static void handler_echo(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_json *w = hv_resp_json(resp, 200);

	hv_json_obj_begin(w);
	hv_json_key(w, "ctx");
	hv_json_str(w, req->ctx);
	for (size_t i = 0; i < req->n_captures; i++) {
		hv_json_key(w, req->captures[i].name);
		hv_json_str(w, req->captures[i].value);
	}
	hv_json_obj_end(w);
}

static const char *const lookup_params[] = {"lon", "lat", NULL};

static void make_router(struct hv_router *r)
{
	const struct hv_route routes[] = {
		{.method = HV_GET,
		 .pattern = "/api/v1/lookup",
		 .roles = HV_ROLES_ANY,
		 .params = lookup_params,
		 .handler = handler_echo,
		 .ctx = "lookup"},
		{.method = HV_POST,
		 .pattern = "/api/v1/lookup",
		 .roles = HV_ROLES_ANY,
		 .handler = handler_echo,
		 .ctx = "lookup-post"},
		{.method = HV_GET,
		 .pattern = "/api/v1/properties/{id}",
		 .roles = HV_ROLES_ANY,
		 .handler = handler_echo,
		 .ctx = "property"},
		{.method = HV_GET,
		 .pattern = "/admin/users",
		 .roles = HV_ROLE_BIT(HV_ROLE_ADMIN),
		 .handler = handler_echo,
		 .ctx = "admin"},
	};
	struct hv_err err;

	hv_router_init(r);
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		assert_int_equal(hv_router_add(r, &routes[i], &err), HV_OK);
}

/* Dispatches method + target through the router; returns the HTTP code, body in resp. */
static int dispatch(const struct hv_router *r, struct hv_arena *a, enum hv_method m,
		    const char *target, enum hv_role role, struct hv_resp *resp)
{
	struct hv_req req = {.method = m, .arena = a, .role = role, .public_url = ""};
	const char *qm = strchr(target, '?');
	struct hv_err err;

	assert_int_equal(hv_http_path_parse(a, target, qm ? (size_t)(qm - target) : strlen(target),
					    &req.segs, &req.path, &err),
			 HV_OK);
	if (qm)
		assert_int_equal(query(a, qm + 1, &req.query, &err), HV_OK);
	hv_resp_init(resp, 0);
	hv_router_dispatch(r, &req, resp);
	return resp->status;
}

static void test_router_matches(void **state)
{
	struct hv_router r;
	struct hv_arena a;
	struct hv_resp resp;

	(void)state;
	make_router(&r);
	hv_arena_init(&a, 0);
	assert_int_equal(
		dispatch(&r, &a, HV_GET, "/api/v1/lookup?lon=1&lat=2", HV_ROLE_PUBLIC, &resp), 200);
	assert_string_equal(resp.body.data, "{\"ctx\":\"lookup\"}");
	hv_resp_release(&resp);
	assert_int_equal(dispatch(&r, &a, HV_POST, "/api/v1/lookup", HV_ROLE_PUBLIC, &resp), 200);
	assert_string_equal(resp.body.data, "{\"ctx\":\"lookup-post\"}");
	hv_resp_release(&resp);
	assert_int_equal(dispatch(&r, &a, HV_GET, "/api/v1/properties/42", HV_ROLE_PUBLIC, &resp),
			 200);
	assert_string_equal(resp.body.data, "{\"ctx\":\"property\",\"id\":\"42\"}");
	hv_resp_release(&resp);
	assert_int_equal(dispatch(&r, &a, HV_HEAD, "/api/v1/lookup", HV_ROLE_PUBLIC, &resp), 200);
	hv_resp_release(&resp);
	hv_arena_release(&a);
}

static void test_router_refuses(void **state)
{
	struct hv_router r;
	struct hv_arena a;
	struct hv_resp resp;

	(void)state;
	make_router(&r);
	hv_arena_init(&a, 0);
	assert_int_equal(dispatch(&r, &a, HV_GET, "/api/v1/nothing", HV_ROLE_PUBLIC, &resp), 404);
	hv_resp_release(&resp);
	assert_int_equal(dispatch(&r, &a, HV_GET, "/api/v1/properties/1/2", HV_ROLE_PUBLIC, &resp),
			 404);
	hv_resp_release(&resp);
	assert_int_equal(dispatch(&r, &a, HV_DELETE, "/api/v1/lookup", HV_ROLE_PUBLIC, &resp), 405);
	assert_non_null(strstr(resp.body.data, "DELETE is not allowed on /api/v1/lookup"));
	hv_resp_release(&resp);
	assert_int_equal(dispatch(&r, &a, HV_GET, "/api/v1/lookup?lon=1&lat=2&radios=3",
				  HV_ROLE_PUBLIC, &resp),
			 400);
	assert_non_null(strstr(resp.body.data, "unknown query parameter \\\"radios\\\""));
	assert_string_equal(resp.content_type, "application/problem+json");
	hv_resp_release(&resp);
	assert_int_equal(
		dispatch(&r, &a, HV_GET, "/api/v1/properties/1?x=1", HV_ROLE_PUBLIC, &resp), 400);
	hv_resp_release(&resp);
	assert_int_equal(dispatch(&r, &a, HV_GET, "/admin/users", HV_ROLE_PUBLIC, &resp), 401);
	hv_resp_release(&resp);
	assert_int_equal(dispatch(&r, &a, HV_GET, "/admin/users", HV_ROLE_STAFF, &resp), 403);
	hv_resp_release(&resp);
	assert_int_equal(dispatch(&r, &a, HV_GET, "/admin/users", HV_ROLE_ADMIN, &resp), 200);
	hv_resp_release(&resp);
	hv_arena_release(&a);
}

static void test_router_rejects_bad_routes(void **state)
{
	struct hv_router r;
	struct hv_route bad = {.method = HV_GET, .pattern = "no-slash", .handler = handler_echo};
	struct hv_route ok = {.method = HV_GET, .pattern = "/x", .handler = handler_echo};
	struct hv_err err;

	(void)state;
	hv_router_init(&r);
	assert_int_equal(hv_router_add(&r, &bad, &err), HV_EINVAL);
	for (int i = 0; i < HV_ROUTER_MAX; i++)
		assert_int_equal(hv_router_add(&r, &ok, &err), HV_OK);
	assert_int_equal(hv_router_add(&r, &ok, &err), HV_ELIMIT);
}

static void test_method_names(void **state)
{
	(void)state;
	assert_int_equal(hv_method_parse("GET"), HV_GET);
	assert_int_equal(hv_method_parse("POST"), HV_POST);
	assert_int_equal(hv_method_parse("BREW"), HV_METHOD_OTHER);
	assert_string_equal(hv_method_name(HV_DELETE), "DELETE");
	assert_string_equal(hv_role_name(HV_ROLE_AUDITOR), "auditor");
	assert_string_equal(hv_role_name(HV_ROLE_PUBLIC), "public");
}

/* ---- problem+json ---- */

static void test_problem_mapping(void **state)
{
	struct hv_resp resp;

	(void)state;
	assert_int_equal(hv_http_code(HV_EINVAL), 400);
	assert_int_equal(hv_http_code(HV_ELIMIT), 400);
	assert_int_equal(hv_http_code(HV_ENOENT), 404);
	assert_int_equal(hv_http_code(HV_HTTP_EMETHOD), 405);
	assert_int_equal(hv_http_code(HV_HTTP_ETOO_LARGE), 413);
	assert_int_equal(hv_http_code(HV_HTTP_EUNAUTH), 401);
	assert_int_equal(hv_http_code(HV_HTTP_EFORBIDDEN), 403);
	assert_int_equal(hv_http_code(HV_ESTORE), 500);
	assert_int_equal(hv_http_code(12345), 500);
	hv_resp_init(&resp, 0);
	hv_resp_problem(&resp, HV_EINVAL, "lon: \"x\" is not a number");
	assert_int_equal(resp.status, 400);
	assert_string_equal(resp.content_type, "application/problem+json");
	assert_string_equal(
		resp.body.data,
		"{\"type\":\"urn:haven:problem:invalid-input\",\"title\":\"Bad "
		"request\",\"status\":400,\"detail\":\"lon: \\\"x\\\" is not a number\"}");
	assert_string_equal(resp.log_detail, "");
	/* a 5xx keeps its detail out of the body */
	hv_resp_problem(&resp, HV_ESTORE, "SQL error: no such table secrets");
	assert_int_equal(resp.status, 500);
	assert_null(strstr(resp.body.data, "secrets"));
	assert_string_equal(resp.log_detail, "SQL error: no such table secrets");
	hv_resp_release(&resp);
}

/* ---- the lookup POST body ---- */

static int points(struct hv_arena *a, const char *body, struct hv_api_points *p, struct hv_err *err)
{
	return hv_api_parse_points(a, body, strlen(body), p, err);
}

static void test_points_body(void **state)
{
	struct hv_arena a;
	struct hv_api_points p;
	struct hv_err err;

	(void)state;
	hv_arena_init(&a, 0);
	assert_int_equal(points(&a, "{\"points\":[[-87.6,41.8],[1,2]],\"radius\":10}", &p, &err),
			 HV_OK);
	assert_int_equal(p.n, 2);
	assert_true(p.lon[0] == -87.6 && p.lat[1] == 2 && p.radius_m == 10);
	assert_int_equal(points(&a, "{\"points\":[]}", &p, &err), HV_OK);
	assert_int_equal(p.n, 0);
	assert_int_equal(points(&a, "{\"points\":[[1,2]", &p, &err), HV_EFORMAT);
	assert_non_null(strstr(err.msg, "malformed JSON at line 1"));
	assert_int_equal(points(&a, "{\"pts\":[]}", &p, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "unknown member \"pts\""));
	assert_int_equal(points(&a, "{}", &p, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "missing member \"points\""));
	assert_int_equal(points(&a, "{\"points\":[[1,2],[1]]}", &p, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "points[1]"));
	assert_int_equal(points(&a, "{\"points\":[[200,2]]}", &p, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "longitude"));
	assert_int_equal(points(&a, "{\"points\":[[1,2]],\"points\":[]}", &p, &err), HV_EFORMAT);
	assert_int_equal(points(&a, "[1,2]", &p, &err), HV_EINVAL);
	hv_arena_release(&a);
}

static void test_points_limit(void **state)
{
	struct hv_arena a;
	struct hv_api_points p;
	struct hv_err err;
	struct hv_buf b;

	(void)state;
	hv_arena_init(&a, 0);
	hv_buf_init(&b, 0);
	hv_buf_adds(&b, "{\"points\":[");
	for (int i = 0; i <= HV_API_LOOKUP_MAX_POINTS; i++)
		hv_buf_adds(&b, i ? ",[1,2]" : "[1,2]");
	hv_buf_adds(&b, "]}");
	assert_int_equal(hv_api_parse_points(&a, b.data, b.len, &p, &err), HV_ELIMIT);
	assert_non_null(strstr(err.msg, "at most 10000"));
	hv_buf_release(&b);
	hv_arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_small_and_big),
		cmocka_unit_test(test_arena_calloc_zeroes),
		cmocka_unit_test(test_decode_valid),
		cmocka_unit_test(test_decode_rejects),
		cmocka_unit_test(test_path_normalises),
		cmocka_unit_test(test_path_rejects_dotdot),
		cmocka_unit_test(test_query_parses),
		cmocka_unit_test(test_query_rejects),
		cmocka_unit_test(test_router_matches),
		cmocka_unit_test(test_router_refuses),
		cmocka_unit_test(test_router_rejects_bad_routes),
		cmocka_unit_test(test_method_names),
		cmocka_unit_test(test_problem_mapping),
		cmocka_unit_test(test_points_body),
		cmocka_unit_test(test_points_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
