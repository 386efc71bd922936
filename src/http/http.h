/* SPDX-License-Identifier: Apache-2.0 */
/* haven's HTTP vocabulary: requests, responses, roles, the route table and problem+json errors.
 * No libmicrohttpd type appears here: server.c is the only file that sees it, and handlers in
 * src/api work on these structs alone (so they are testable without a socket). */
#ifndef HV_HTTP_HTTP_H
#define HV_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"

struct hv_store;

/* Who is asking. Only HV_ROLE_PUBLIC exists until accounts land; routes declare their roles now
 * so the route table is the one place that says who may do what. */
enum hv_role {
	HV_ROLE_ADMIN,
	HV_ROLE_LAW,
	HV_ROLE_FACILITIES,
	HV_ROLE_STAFF,
	HV_ROLE_AUDITOR,
	HV_ROLE_PUBLIC,
	HV_ROLE_COUNT,
};
#define HV_ROLE_BIT(r) (1u << (r))
#define HV_ROLES_ANY   ((1u << HV_ROLE_COUNT) - 1)
#define HV_ROLES_STAFF_UP                                                                          \
	(HV_ROLE_BIT(HV_ROLE_ADMIN) | HV_ROLE_BIT(HV_ROLE_LAW) | HV_ROLE_BIT(HV_ROLE_FACILITIES) | \
	 HV_ROLE_BIT(HV_ROLE_STAFF) | HV_ROLE_BIT(HV_ROLE_AUDITOR))

const char *hv_role_name(enum hv_role r);

enum hv_method {
	HV_GET,
	HV_HEAD,
	HV_POST,
	HV_PUT,
	HV_DELETE,
	HV_METHOD_OTHER,
};

enum hv_method hv_method_parse(const char *s);
const char *hv_method_name(enum hv_method m);

/* HTTP-only statuses, beside the library's enum hv_status, so one table maps both. */
enum hv_http_status {
	HV_HTTP_ETOO_LARGE = -100, /* 413: the body is over the limit */
	HV_HTTP_EMETHOD = -101,	   /* 405: the path exists, the method does not */
	HV_HTTP_EUNAUTH = -102,	   /* 401: log in first */
	HV_HTTP_EFORBIDDEN = -103, /* 403: this role may not */
	HV_HTTP_EUNAVAIL = -104,   /* 503: shutting down or overloaded */
	HV_HTTP_ETOO_MANY = -105,  /* 429: too many attempts; try later */
};

/* One decoded name=value pair of a query string; both NUL-terminated, in the request's arena. */
struct hv_param {
	const char *name;
	const char *value;
};

#define HV_QUERY_MAX_PARAMS   32
#define HV_PATH_MAX_SEGMENTS  16
#define HV_ROUTE_MAX_CAPTURES 4

struct hv_query {
	struct hv_param params[HV_QUERY_MAX_PARAMS];
	size_t n_params;
};

/* A normalised path: decoded segments, no empty, "." or ".." ones. */
struct hv_path {
	const char *segs[HV_PATH_MAX_SEGMENTS];
	size_t n_segs;
};

/* A request as handlers see it. Every pointer is valid until the request completes. */
struct hv_req {
	enum hv_method method;
	const char *path; /* normalised, decoded, no query string */
	struct hv_path segs;
	struct hv_query query;
	struct hv_param captures[HV_ROUTE_MAX_CAPTURES]; /* the route's {param}s */
	size_t n_captures;
	const char *body; /* NULL-free, NUL-terminated; len 0 when none */
	size_t body_len;
	enum hv_role role;
	struct hv_arena *arena; /* request memory; released when the request completes */
	void *ctx;		/* the route's ctx (the resource's state) */
	const char *public_url; /* base for links; "" when not configured */
	/* Opens this thread's store lazily (one connection per worker thread). */
	int (*store_fn)(void *store_ctx, struct hv_store **out, struct hv_err *err);
	void *store_ctx;
	/* Credentials as received (server.c fills them; NULL when absent). Secrets: never log. */
	const char *session_cookie; /* the haven_session cookie */
	const char *authorization;  /* the Authorization header */
	const char *csrf_header;    /* the X-CSRF-Token header */
	const char *client_addr;    /* the peer's address, "127.0.0.1" */
	const char *content_type;   /* the Content-Type header; NULL when absent */
	/* The form in the body of a route with HV_ROUTE_FORM (the router parses it before the
	 * authenticator, which reads its csrf_token field). Empty for other routes. */
	struct hv_form *form;
	bool tls;		    /* the request came over TLS (cookies get Secure) */
	const char *accept;         /* the Accept header (NULL when absent) */
	/* Who the router's authenticator found (role above; name in the arena, NULL: public). */
	const char *user_name;
	int64_t user_id;     /* 0 for the public and API tokens */
	bool via_session;    /* authenticated by the session cookie (CSRF applies) */
	void *stream_state;  /* a streamed route's state (hv_stream_ops.begin) */
	uint64_t stream_len; /* bytes of a streamed body received */
};

/* ---- forms: application/x-www-form-urlencoded and multipart/form-data bodies ---- */

#define HV_FORM_MAX_FIELDS 32

/* One field. A text field's value is an arena string (valid UTF-8, no NUL); a file field
 * (filename set) points at its bytes inside the request body, len bytes, not terminated. */
struct hv_form_field {
	const char *name;
	const char *filename; /* NULL unless the part is a file */
	const char *value;
	size_t len;
};

struct hv_form {
	struct hv_form_field fields[HV_FORM_MAX_FIELDS];
	size_t n_fields;
};

/* Parses a form body of the given Content-Type (NULL or empty with an empty body: no fields).
 * Urlencoded text and multipart parts without a filename must be UTF-8 without NUL; a name given
 * twice, more than HV_FORM_MAX_FIELDS fields, a malformed boundary or part, or any other type is
 * HV_EINVAL naming the field or the problem. Strings live in a's memory; file values in body. */
int hv_form_parse(struct hv_arena *a, const char *content_type, const char *body, size_t len,
		  struct hv_form *out, struct hv_err *err);
/* The field named name, or NULL. */
const struct hv_form_field *hv_form_field(const struct hv_form *f, const char *name);
/* A text field's value, or NULL when absent (or a file, or f is NULL). */
const char *hv_form_get(const struct hv_form *f, const char *name);

#define HV_RESP_MAX_HEADERS 8

/* A response under construction. body starts empty; json writes into it. */
struct hv_resp {
	int status;		  /* HTTP status code */
	const char *content_type; /* static or arena string */
	struct hv_buf body;
	struct hv_json json; /* a writer over body, compact */
	struct {
		const char *name, *value;
	} headers[HV_RESP_MAX_HEADERS];
	size_t n_headers;
	char log_detail[HV_ERR_MSG_MAX]; /* a 5xx's detail: logged, never sent */
	/* What hv_resp_problem was last given (status 0: none), so that a page route can render
	 * the same problem as HTML. A 5xx's detail is not kept here. */
	int problem_status;
	char problem_detail[HV_ERR_MSG_MAX];
};

typedef void hv_handler_fn(struct hv_req *req, struct hv_resp *resp);

/* A route whose request body is streamed: handed over piece by piece as it arrives, never held
 * whole in memory. begin runs once the head is read and the route's roles have passed (before
 * any body byte); chunk for each piece; the route's handler then answers at the end with
 * req->stream_state; end runs exactly once when the request goes, whatever happened. A
 * non-zero return from begin or chunk answers at once with that status and err's message (the
 * connection then closes). */
struct hv_stream_ops {
	int (*begin)(struct hv_req *req, void **state, struct hv_err *err);
	int (*chunk)(struct hv_req *req, void *state, const char *p, size_t n, struct hv_err *err);
	void (*end)(void *state);
};

/* One row of the route table. pattern: "/api/v1/properties/{id}" (a {name} segment captures).
 * params: the query parameters the route accepts, NULL-terminated (NULL: none); any other one
 * is a 400 naming it. roles: HV_ROLE_BIT mask of who may call it. */
struct hv_route {
	enum hv_method method;
	const char *pattern;
	unsigned roles;
	const char *const *params;
	hv_handler_fn *handler;
	void *ctx;
	/* Request body bytes this route accepts; 0: the server's limit (small). */
	size_t max_body;
	unsigned flags; /* HV_ROUTE_* */
	/* For the OpenAPI document (GET /api): one line saying what the route does, and the
	 * media type of its request body (NULL: none). */
	const char *summary;
	const char *body_type;
};

/* An HTML page: errors render as a page, and the public asking with GET is sent to /login. */
#define HV_ROUTE_PAGE 1u
/* The body is a form (urlencoded or multipart): parsed into req->form before authentication,
 * whose csrf_token field stands in for the X-CSRF-Token header. */
#define HV_ROUTE_FORM 2u
/* The body may hold any bytes (NUL included): an uploaded file. */
#define HV_ROUTE_BINARY 4u

#define HV_ROUTER_MAX 256

/* Renders resp's problem (resp->problem_status, resp->problem_detail) as an HTML page for a page
 * route; installed by the web pages. */
typedef void hv_page_error_fn(void *ctx, const struct hv_req *req, struct hv_resp *resp);

/* Establishes who is asking before the role check: sets req->role (and user_name, user_id,
 * via_session) from the request's credentials. Returns false after answering resp itself (a bad
 * API token, a missing CSRF token, a store failure); true to go on. rt is the matched route. */
typedef bool hv_auth_fn(void *ctx, const struct hv_route *rt, struct hv_req *req,
			struct hv_resp *resp);

struct hv_router {
	struct hv_route routes[HV_ROUTER_MAX];
	size_t n_routes;
	hv_auth_fn *auth; /* NULL: everyone is the public */
	void *auth_ctx;
	/* Streamed routes, by route index (a side table, so hv_route keeps its fields). */
	struct {
		const struct hv_stream_ops *ops; /* NULL: the body is read whole */
		uint64_t limit;			 /* bytes at most; 0: no bound */
	} streams[HV_ROUTER_MAX];
	hv_page_error_fn *page_error; /* NULL: page routes answer problem+json too */
	void *page_error_ctx;
};

void hv_router_init(struct hv_router *r);
/* Installs the authenticator the dispatcher runs before each route's role check. */
void hv_router_set_auth(struct hv_router *r, hv_auth_fn *fn, void *ctx);
/* The role named s ("admin", ..., "public"); HV_ROLE_COUNT when none is. */
enum hv_role hv_role_parse(const char *s);
/* Installs the HTML renderer of problems on page routes. */
void hv_router_set_page_error(struct hv_router *r, hv_page_error_fn *fn, void *ctx);
/* Adds a route (copied; pattern and params borrowed, must outlive the router). HV_ELIMIT when
 * the table is full, HV_EINVAL for a malformed pattern. */
int hv_router_add(struct hv_router *r, const struct hv_route *route, struct hv_err *err);
/* Adds a route whose body is streamed to ops (borrowed) instead of read whole; limit bounds
 * the body (0: none). */
int hv_router_add_stream(struct hv_router *r, const struct hv_route *route,
			 const struct hv_stream_ops *ops, uint64_t limit, struct hv_err *err);
/* The stream ops of a matched route (NULL: not streamed), *limit its bound. */
const struct hv_stream_ops *hv_router_stream(const struct hv_router *r, const struct hv_route *rt,
					     uint64_t *limit);
/* Adds n routes in order; stops at the first error. */
int hv_router_add_all(struct hv_router *r, const struct hv_route *routes, size_t n,
		      struct hv_err *err);

/* Finds the route for method and path, filling req->captures. NULL with *status HV_ENOENT (no
 * such path) or HV_HTTP_EMETHOD (path exists for another method; HEAD matches GET). */
const struct hv_route *hv_router_match(const struct hv_router *r, enum hv_method method,
				       const struct hv_path *path, struct hv_req *req, int *status);

/* Checks req's query against the route's accepted parameters (400 naming an unknown one) and
 * its roles (401 for the public, 403 otherwise), then runs its handler (a streamed route gets
 * req->body as its one chunk). Always fills resp. */
void hv_router_dispatch(const struct hv_router *r, struct hv_req *req, struct hv_resp *resp);
/* The checks of hv_router_dispatch without running the handler: the matched route, or NULL
 * after filling resp with the error. Sets req->ctx. For streamed routes, checked on the head. */
const struct hv_route *hv_router_prepare(const struct hv_router *r, struct hv_req *req,
					 struct hv_resp *resp);

/* ---- parsing untrusted input ---- */

/* Percent-decodes src[0..len) into a NUL-terminated arena string (*out, *out_len). plus_space:
 * '+' means ' ' (query strings). Rejects a malformed escape, an encoded NUL and invalid UTF-8:
 * HV_EINVAL, with err naming what (the caller prefixes the field). */
int hv_http_decode(struct hv_arena *a, const char *src, size_t len, bool plus_space, char **out,
		   size_t *out_len, struct hv_err *err);

/* Splits and decodes a raw path ("/a/b%20c/") into segments, dropping empty and "." segments.
 * ".." is refused (HV_EINVAL), as are more than HV_PATH_MAX_SEGMENTS segments (HV_ELIMIT). Also
 * sets *norm to the normalised path ("/a/b c"; "/" for none). */
int hv_http_path_parse(struct hv_arena *a, const char *raw, size_t len, struct hv_path *out,
		       const char **norm, struct hv_err *err);

/* Parses a raw query string (no leading '?') into q: '&'-separated name=value pairs, decoded.
 * Empty pairs are skipped; a name given twice, an empty name, more than HV_QUERY_MAX_PARAMS
 * pairs or a bad encoding is HV_EINVAL/HV_ELIMIT naming the parameter. */
int hv_query_parse(struct hv_arena *a, const char *raw, size_t len, struct hv_query *q,
		   struct hv_err *err);
/* The value of name, or NULL. */
const char *hv_query_get(const struct hv_query *q, const char *name);

/* ---- responses ---- */

void hv_resp_init(struct hv_resp *resp, size_t body_limit);
void hv_resp_release(struct hv_resp *resp);
/* Starts a JSON answer with the given status (clears anything written before). */
struct hv_json *hv_resp_json(struct hv_resp *resp, int status);
/* Adds a header (name and value must live until the response is sent: static or arena). */
void hv_resp_header(struct hv_resp *resp, const char *name, const char *value);
/* Replaces the response with an application/problem+json error for status (an enum hv_status or
 * hv_http_status). detail names the field; for a 5xx it goes to resp->log_detail instead and the
 * body says only that the server failed. */
void hv_resp_problem(struct hv_resp *resp, int status, const char *detail);
/* The HTTP code for a status (500 for unknown ones). */
int hv_http_code(int status);

/* The request's store connection (this thread's), opened on first use. */
int hv_req_store(struct hv_req *req, struct hv_store **out, struct hv_err *err);

#endif
