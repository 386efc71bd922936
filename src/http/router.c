/* SPDX-License-Identifier: Apache-2.0 */
/* The route table: method + path pattern + roles + accepted query parameters -> handler. A
 * linear scan: tens of routes, compared segment by segment, cost less than a hash. */
#include <stdio.h>
#include <string.h>

#include "http/http.h"

static const char *const role_names[HV_ROLE_COUNT] = {
	[HV_ROLE_ADMIN] = "admin",	     [HV_ROLE_LAW] = "law",
	[HV_ROLE_FACILITIES] = "facilities", [HV_ROLE_STAFF] = "staff",
	[HV_ROLE_AUDITOR] = "auditor",	     [HV_ROLE_PUBLIC] = "public",
};

const char *hv_role_name(enum hv_role r)
{
	return (unsigned)r < HV_ROLE_COUNT ? role_names[r] : "?";
}

static const char *const method_names[] = {
	[HV_GET] = "GET", [HV_HEAD] = "HEAD",	  [HV_POST] = "POST",
	[HV_PUT] = "PUT", [HV_DELETE] = "DELETE", [HV_METHOD_OTHER] = "OTHER",
};

enum hv_method hv_method_parse(const char *s)
{
	for (int m = HV_GET; m < HV_METHOD_OTHER; m++)
		if (strcmp(s, method_names[m]) == 0)
			return (enum hv_method)m;
	return HV_METHOD_OTHER;
}

const char *hv_method_name(enum hv_method m)
{
	return (unsigned)m <= HV_METHOD_OTHER ? method_names[m] : "OTHER";
}

enum hv_role hv_role_parse(const char *s)
{
	for (int r = 0; r < HV_ROLE_COUNT; r++)
		if (strcmp(s, role_names[r]) == 0)
			return (enum hv_role)r;
	return HV_ROLE_COUNT;
}

void hv_router_init(struct hv_router *r)
{
	r->n_routes = 0;
	r->auth = NULL;
	r->auth_ctx = NULL;
	r->page_error = NULL;
	r->page_error_ctx = NULL;
}

void hv_router_set_auth(struct hv_router *r, hv_auth_fn *fn, void *ctx)
{
	r->auth = fn;
	r->auth_ctx = ctx;
}

void hv_router_set_page_error(struct hv_router *r, hv_page_error_fn *fn, void *ctx)
{
	r->page_error = fn;
	r->page_error_ctx = ctx;
}

int hv_router_add(struct hv_router *r, const struct hv_route *route, struct hv_err *err)
{
	if (!route->pattern || route->pattern[0] != '/' || !route->handler)
		return hv_err_set(err, HV_EINVAL, "route \"%s\": a pattern starts with '/'",
				  route->pattern ? route->pattern : "(null)");
	if (r->n_routes == HV_ROUTER_MAX)
		return hv_err_set(err, HV_ELIMIT, "route table full (%d routes)", HV_ROUTER_MAX);
	r->streams[r->n_routes].ops = NULL;
	r->streams[r->n_routes].limit = 0;
	r->routes[r->n_routes++] = *route;
	return HV_OK;
}

int hv_router_add_stream(struct hv_router *r, const struct hv_route *route,
			 const struct hv_stream_ops *ops, uint64_t limit, struct hv_err *err)
{
	int rc;

	if ((rc = hv_router_add(r, route, err)))
		return rc;
	r->streams[r->n_routes - 1].ops = ops;
	r->streams[r->n_routes - 1].limit = limit;
	return HV_OK;
}

const struct hv_stream_ops *hv_router_stream(const struct hv_router *r, const struct hv_route *rt,
					     uint64_t *limit)
{
	size_t i;

	if (rt < r->routes || rt >= r->routes + r->n_routes)
		return NULL;
	i = (size_t)(rt - r->routes);
	*limit = r->streams[i].limit;
	return r->streams[i].ops;
}

int hv_router_add_all(struct hv_router *r, const struct hv_route *routes, size_t n,
		      struct hv_err *err)
{
	int rc;

	for (size_t i = 0; i < n; i++)
		if ((rc = hv_router_add(r, &routes[i], err)))
			return rc;
	return HV_OK;
}

/* Matches pattern against the decoded segments; captures {name} segments into req. */
static bool pattern_match(const char *pat, const struct hv_path *path, struct hv_req *req)
{
	size_t k = 0;

	req->n_captures = 0;
	while (*pat) {
		const char *end;
		size_t len;

		while (*pat == '/')
			pat++;
		if (!*pat)
			break;
		end = strchr(pat, '/');
		len = end ? (size_t)(end - pat) : strlen(pat);
		if (k == path->n_segs)
			return false;
		if (pat[0] == '{' && pat[len - 1] == '}') {
			if (req->n_captures == HV_ROUTE_MAX_CAPTURES)
				return false;
			/* the name stays in the pattern; store a view of it in the arena */
			req->captures[req->n_captures].name =
				hv_arena_strndup(req->arena, pat + 1, len - 2);
			req->captures[req->n_captures].value = path->segs[k];
			req->n_captures++;
		} else if (strlen(path->segs[k]) != len || memcmp(path->segs[k], pat, len) != 0) {
			return false;
		}
		k++;
		pat += len;
	}
	return k == path->n_segs;
}

const struct hv_route *hv_router_match(const struct hv_router *r, enum hv_method method,
				       const struct hv_path *path, struct hv_req *req, int *status)
{
	bool path_found = false;
	enum hv_method want = method == HV_HEAD ? HV_GET : method;

	for (size_t i = 0; i < r->n_routes; i++) {
		const struct hv_route *rt = &r->routes[i];

		if (!pattern_match(rt->pattern, path, req))
			continue;
		if (rt->method == want) {
			*status = HV_OK;
			return rt;
		}
		path_found = true;
	}
	req->n_captures = 0;
	*status = path_found ? HV_HTTP_EMETHOD : HV_ENOENT;
	return NULL;
}

static const char *unknown_param(const struct hv_route *rt, const struct hv_query *q)
{
	for (size_t i = 0; i < q->n_params; i++) {
		bool ok = false;

		for (const char *const *p = rt->params; p && *p && !ok; p++)
			ok = strcmp(*p, q->params[i].name) == 0;
		if (!ok)
			return q->params[i].name;
	}
	return NULL;
}

/* A page asked for by the public with GET goes to the login form, which comes back here. */
static void to_login(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_buf b;
	static const char hex[] = "0123456789ABCDEF";

	hv_buf_init(&b, 4096);
	hv_buf_adds(&b, "/login?next=");
	for (const char *p = req->path; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '/') {
			hv_buf_addc(&b, (char)c);
		} else {
			hv_buf_addc(&b, '%');
			hv_buf_addc(&b, hex[c >> 4]);
			hv_buf_addc(&b, hex[c & 15]);
		}
	}
	resp->status = 303;
	resp->content_type = "text/html; charset=utf-8";
	hv_buf_reset(&resp->body);
	hv_buf_adds(&resp->body,
		    "<!doctype html><title>Sign in</title><a href=\"/login\">Sign in</a>");
	hv_resp_header(resp, "Location", b.failed ? "/login" : hv_arena_strdup(req->arena, b.data));
	hv_buf_release(&b);
}

/* The checks on a matched route (form, authenticator, roles, query); false after filling resp. */
static bool route_checks(const struct hv_router *r, const struct hv_route *rt, struct hv_req *req,
			 struct hv_resp *resp)
{
	static struct hv_form empty_form;
	const char *bad;
	char detail[HV_ERR_MSG_MAX];
	struct hv_err err;
	int rc;

	if (rt->flags & HV_ROUTE_FORM) {
		req->form = hv_arena_calloc(req->arena, 1, sizeof(*req->form));
		hv_err_clear(&err);
		if ((rc = hv_form_parse(req->arena, req->content_type, req->body, req->body_len,
					req->form, &err))) {
			hv_resp_problem(resp, rc, err.msg);
			return false;
		}
	} else {
		req->form = &empty_form;
	}
	if (r->auth && !r->auth(r->auth_ctx, rt, req, resp))
		return false;
	if (!(rt->roles & HV_ROLE_BIT(req->role))) {
		if ((rt->flags & HV_ROUTE_PAGE) && req->role == HV_ROLE_PUBLIC &&
		    (req->method == HV_GET || req->method == HV_HEAD)) {
			to_login(req, resp);
			return false;
		}
		snprintf(detail, sizeof(detail), "%s is not open to the %s role", req->path,
			 hv_role_name(req->role));
		hv_resp_problem(resp,
				req->role == HV_ROLE_PUBLIC ? HV_HTTP_EUNAUTH : HV_HTTP_EFORBIDDEN,
				detail);
		return false;
	}
	if ((bad = unknown_param(rt, &req->query))) {
		snprintf(detail, sizeof(detail), "unknown query parameter \"%s\"", bad);
		hv_resp_problem(resp, HV_EINVAL, detail);
		return false;
	}
	req->ctx = rt->ctx;
	return true;
}

/* A page shows its problem as a page, whoever wrote it (router, authenticator, handler). */
static void page_problem(const struct hv_router *r, const struct hv_route *rt,
			 const struct hv_req *req, struct hv_resp *resp)
{
	if (rt && (rt->flags & HV_ROUTE_PAGE) && r->page_error && resp->problem_status &&
	    strcmp(resp->content_type, "application/problem+json") == 0)
		r->page_error(r->page_error_ctx, req, resp);
}

/* Matches and checks: the route ready for its handler, or NULL after filling resp; *matched is
 * the route found, checks passed or not (NULL: none). */
static const struct hv_route *prepare(const struct hv_router *r, struct hv_req *req,
				      struct hv_resp *resp, const struct hv_route **matched)
{
	const struct hv_route *rt;
	char detail[HV_ERR_MSG_MAX];
	int status;

	*matched = rt = hv_router_match(r, req->method, &req->segs, req, &status);
	if (!rt) {
		if (status == HV_HTTP_EMETHOD)
			snprintf(detail, sizeof(detail), "%s is not allowed on %s",
				 hv_method_name(req->method), req->path);
		else
			snprintf(detail, sizeof(detail), "no resource at %s", req->path);
		hv_resp_problem(resp, status, detail);
		return NULL;
	}
	return route_checks(r, rt, req, resp) ? rt : NULL;
}

const struct hv_route *hv_router_prepare(const struct hv_router *r, struct hv_req *req,
					 struct hv_resp *resp)
{
	const struct hv_route *matched, *rt = prepare(r, req, resp, &matched);

	if (!rt)
		page_problem(r, matched, req, resp);
	return rt;
}

/* A streamed route given its whole body at once (the server streams it; a caller holding the
 * body in memory, such as a test, comes here): begin, one chunk, the handler, end. */
static void stream_whole(const struct hv_stream_ops *ops, uint64_t limit, const struct hv_route *rt,
			 struct hv_req *req, struct hv_resp *resp)
{
	struct hv_err err;
	char detail[64];
	int rc;

	hv_err_clear(&err);
	req->stream_state = NULL;
	req->stream_len = req->body_len;
	if (limit && req->body_len > limit) {
		snprintf(detail, sizeof(detail), "the request body is over %llu bytes",
			 (unsigned long long)limit);
		hv_resp_problem(resp, HV_HTTP_ETOO_LARGE, detail);
	} else if ((rc = ops->begin(req, &req->stream_state, &err)) ||
		   (req->body_len &&
		    (rc = ops->chunk(req, req->stream_state, req->body, req->body_len, &err)))) {
		hv_resp_problem(resp, rc, err.msg);
	} else {
		rt->handler(req, resp);
	}
	if (ops->end)
		ops->end(req->stream_state);
	req->stream_state = NULL;
}

void hv_router_dispatch(const struct hv_router *r, struct hv_req *req, struct hv_resp *resp)
{
	const struct hv_route *matched, *rt = prepare(r, req, resp, &matched);
	const struct hv_stream_ops *ops;
	uint64_t limit = 0;

	if (rt && (ops = hv_router_stream(r, rt, &limit)))
		stream_whole(ops, limit, rt, req, resp);
	else if (rt)
		rt->handler(req, resp);
	page_problem(r, matched, req, resp);
}
