/* SPDX-License-Identifier: Apache-2.0 */
/* Responses and the one table from status to HTTP code and application/problem+json body. */
#include <stdio.h>
#include <string.h>

#include "http/http.h"

struct problem {
	int status;
	int code;
	const char *slug; /* the problem type, "urn:haven:problem:<slug>" */
	const char *title;
};

static const struct problem problems[] = {
	{HV_EINVAL, 400, "invalid-input", "Bad request"},
	{HV_EFORMAT, 400, "malformed", "Malformed request"},
	{HV_ELIMIT, 400, "limit-exceeded", "Limit exceeded"},
	{HV_EUSAGE, 400, "invalid-input", "Bad request"},
	{HV_HTTP_EUNAUTH, 401, "unauthenticated", "Authentication required"},
	{HV_HTTP_EFORBIDDEN, 403, "forbidden", "Forbidden"},
	{HV_ENOENT, 404, "not-found", "Not found"},
	{HV_HTTP_EMETHOD, 405, "method-not-allowed", "Method not allowed"},
	{HV_EEXIST, 409, "conflict", "Already exists"},
	{HV_ECONFLICT, 409, "conflict", "Conflict"},
	{HV_HTTP_ETOO_LARGE, 413, "too-large", "Request body too large"},
	{HV_HTTP_ETOO_MANY, 429, "too-many-requests", "Too many attempts"},
	{HV_HTTP_EUNAVAIL, 503, "unavailable", "Service unavailable"},
	{HV_EIO, 500, "internal", "Internal server error"},
	{HV_ESTORE, 500, "internal", "Internal server error"},
	{HV_EINTERNAL, 500, "internal", "Internal server error"},
};

static const struct problem *find(int status)
{
	for (size_t i = 0; i < sizeof(problems) / sizeof(problems[0]); i++)
		if (problems[i].status == status)
			return &problems[i];
	return &problems[sizeof(problems) / sizeof(problems[0]) - 1];
}

int hv_http_code(int status)
{
	return find(status)->code;
}

/* Bodies are small; the limit only guards against a handler that runs away. */
void hv_resp_init(struct hv_resp *resp, size_t body_limit)
{
	resp->status = 200;
	resp->content_type = "application/json";
	hv_buf_init(&resp->body, body_limit);
	hv_json_init(&resp->json, &resp->body, false);
	resp->n_headers = 0;
	resp->log_detail[0] = '\0';
	resp->problem_status = 0;
	resp->problem_detail[0] = '\0';
}

void hv_resp_release(struct hv_resp *resp)
{
	if (resp)
		hv_buf_release(&resp->body);
}

struct hv_json *hv_resp_json(struct hv_resp *resp, int status)
{
	resp->status = status;
	resp->content_type = "application/json";
	hv_buf_reset(&resp->body);
	hv_json_init(&resp->json, &resp->body, false);
	return &resp->json;
}

void hv_resp_header(struct hv_resp *resp, const char *name, const char *value)
{
	if (resp->n_headers < HV_RESP_MAX_HEADERS) {
		resp->headers[resp->n_headers].name = name;
		resp->headers[resp->n_headers].value = value;
		resp->n_headers++;
	}
}

void hv_resp_problem(struct hv_resp *resp, int status, const char *detail)
{
	const struct problem *p = find(status);
	struct hv_json *w = hv_resp_json(resp, p->code);
	char type[64];

	resp->content_type = "application/problem+json";
	resp->n_headers = 0;
	snprintf(type, sizeof(type), "urn:haven:problem:%s", p->slug);
	hv_json_obj_begin(w);
	hv_json_key(w, "type");
	hv_json_str(w, type);
	hv_json_key(w, "title");
	hv_json_str(w, p->title);
	hv_json_key(w, "status");
	hv_json_int(w, p->code);
	hv_json_key(w, "detail");
	resp->problem_status = p->code;
	snprintf(resp->problem_detail, sizeof(resp->problem_detail), "%s",
		 p->code >= 500 ? "the server could not answer; the problem is logged"
				: (detail ? detail : p->title));
	if (p->code >= 500) {
		/* The detail may name files, SQL or internals: the log gets it, the client does
		 * not. */
		snprintf(resp->log_detail, sizeof(resp->log_detail), "%s", detail ? detail : "");
		hv_json_str(w, "the server could not answer; the problem is logged");
	} else {
		hv_json_str(w, detail ? detail : p->title);
	}
	hv_json_obj_end(w);
}

int hv_req_store(struct hv_req *req, struct hv_store **out, struct hv_err *err)
{
	if (!req->store_fn)
		return hv_err_set(err, HV_EINTERNAL, "no store for this request");
	return req->store_fn(req->store_ctx, out, err);
}
