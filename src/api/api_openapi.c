/* SPDX-License-Identifier: Apache-2.0 */
/* GET /api: the OpenAPI 3.0 document of the JSON API, written from the route table itself
 * (method, pattern, roles, query parameters, summary, body type), so it cannot drift from what
 * the server answers. */
#include <string.h>

#include "api/api_internal.h"

#define API_PREFIX "/api/v1"

static bool is_api(const struct hv_route *rt)
{
	return strncmp(rt->pattern, API_PREFIX, sizeof(API_PREFIX) - 1) == 0 &&
	       (rt->pattern[sizeof(API_PREFIX) - 1] == '/' ||
		rt->pattern[sizeof(API_PREFIX) - 1] == '\0');
}

static const char *method_key(enum hv_method m)
{
	switch (m) {
	case HV_GET:
		return "get";
	case HV_HEAD:
		return "head";
	case HV_POST:
		return "post";
	case HV_PUT:
		return "put";
	case HV_DELETE:
		return "delete";
	default:
		return "x-other";
	}
}

/* "get_api_v1_properties_id" */
static void operation_id(struct hv_json *w, const struct hv_route *rt)
{
	char id[160];
	size_t n = 0;

	for (const char *p = method_key(rt->method); *p && n + 1 < sizeof(id); p++)
		id[n++] = *p;
	for (const char *p = rt->pattern; *p && n + 1 < sizeof(id); p++) {
		if (*p == '{' || *p == '}')
			continue;
		id[n++] = (*p == '/' || *p == '-' || *p == '.') ? '_' : *p;
	}
	id[n] = '\0';
	hv_json_str(w, id);
}

static void param(struct hv_json *w, const char *name, size_t len, const char *in, bool required)
{
	hv_json_obj_begin(w);
	hv_json_key(w, "name");
	hv_json_strn(w, name, len);
	hv_json_key(w, "in");
	hv_json_str(w, in);
	hv_json_key(w, "required");
	hv_json_bool(w, required);
	hv_json_key(w, "schema");
	hv_json_obj_begin(w);
	hv_json_key(w, "type");
	hv_json_str(w, "string");
	hv_json_obj_end(w);
	hv_json_obj_end(w);
}

static void parameters(struct hv_json *w, const struct hv_route *rt)
{
	hv_json_key(w, "parameters");
	hv_json_arr_begin(w);
	for (const char *p = strchr(rt->pattern, '{'); p; p = strchr(p + 1, '{')) {
		const char *e = strchr(p, '}');

		if (e)
			param(w, p + 1, (size_t)(e - p - 1), "path", true);
	}
	for (const char *const *q = rt->params; q && *q; q++)
		param(w, *q, strlen(*q), "query", false);
	hv_json_arr_end(w);
}

static void operation(struct hv_json *w, const struct hv_route *rt)
{
	hv_json_key(w, method_key(rt->method));
	hv_json_obj_begin(w);
	hv_json_key(w, "summary");
	hv_json_str(w, rt->summary ? rt->summary : rt->pattern);
	hv_json_key(w, "operationId");
	operation_id(w, rt);
	hv_json_key(w, "x-roles");
	hv_json_arr_begin(w);
	for (int r = 0; r < HV_ROLE_COUNT; r++)
		if (rt->roles & HV_ROLE_BIT(r))
			hv_json_str(w, hv_role_name((enum hv_role)r));
	hv_json_arr_end(w);
	hv_json_key(w, "security");
	hv_json_arr_begin(w);
	if (rt->roles & HV_ROLE_BIT(HV_ROLE_PUBLIC)) {
		hv_json_obj_begin(w);
		hv_json_obj_end(w);
	}
	hv_json_obj_begin(w);
	hv_json_key(w, "session");
	hv_json_arr_begin(w);
	hv_json_arr_end(w);
	hv_json_obj_end(w);
	hv_json_obj_begin(w);
	hv_json_key(w, "token");
	hv_json_arr_begin(w);
	hv_json_arr_end(w);
	hv_json_obj_end(w);
	hv_json_arr_end(w);
	parameters(w, rt);
	if (rt->body_type) {
		hv_json_key(w, "requestBody");
		hv_json_obj_begin(w);
		hv_json_key(w, "required");
		hv_json_bool(w, true);
		hv_json_key(w, "content");
		hv_json_obj_begin(w);
		hv_json_key(w, rt->body_type);
		hv_json_obj_begin(w);
		hv_json_obj_end(w);
		hv_json_obj_end(w);
		hv_json_obj_end(w);
	}
	hv_json_key(w, "responses");
	hv_json_obj_begin(w);
	hv_json_key(w, "2XX");
	hv_json_obj_begin(w);
	hv_json_key(w, "description");
	hv_json_str(w, "success");
	hv_json_key(w, "content");
	hv_json_obj_begin(w);
	hv_json_key(w, "application/json");
	hv_json_obj_begin(w);
	hv_json_obj_end(w);
	hv_json_obj_end(w);
	hv_json_obj_end(w);
	hv_json_key(w, "default");
	hv_json_obj_begin(w);
	hv_json_key(w, "description");
	hv_json_str(w, "a problem: the detail names the parameter, field or value");
	hv_json_key(w, "content");
	hv_json_obj_begin(w);
	hv_json_key(w, "application/problem+json");
	hv_json_obj_begin(w);
	hv_json_key(w, "schema");
	hv_json_obj_begin(w);
	hv_json_key(w, "$ref");
	hv_json_str(w, "#/components/schemas/Problem");
	hv_json_obj_end(w);
	hv_json_obj_end(w);
	hv_json_obj_end(w);
	hv_json_obj_end(w);
	hv_json_obj_end(w);
	hv_json_obj_end(w);
}

static void components(struct hv_json *w)
{
	static const char *const problem_fields[] = {"type", "title", "detail", NULL};

	hv_json_key(w, "components");
	hv_json_obj_begin(w);
	hv_json_key(w, "schemas");
	hv_json_obj_begin(w);
	hv_json_key(w, "Problem");
	hv_json_obj_begin(w);
	hv_json_key(w, "type");
	hv_json_str(w, "object");
	hv_json_key(w, "properties");
	hv_json_obj_begin(w);
	for (const char *const *f = problem_fields; *f; f++) {
		hv_json_key(w, *f);
		hv_json_obj_begin(w);
		hv_json_key(w, "type");
		hv_json_str(w, "string");
		hv_json_obj_end(w);
	}
	hv_json_key(w, "status");
	hv_json_obj_begin(w);
	hv_json_key(w, "type");
	hv_json_str(w, "integer");
	hv_json_obj_end(w);
	hv_json_obj_end(w);
	hv_json_obj_end(w);
	hv_json_obj_end(w);
	hv_json_key(w, "securitySchemes");
	hv_json_obj_begin(w);
	hv_json_key(w, "session");
	hv_json_obj_begin(w);
	hv_json_key(w, "type");
	hv_json_str(w, "apiKey");
	hv_json_key(w, "in");
	hv_json_str(w, "cookie");
	hv_json_key(w, "name");
	hv_json_str(w, "haven_session");
	hv_json_key(w, "description");
	hv_json_str(w, "from POST /api/v1/login; a POST, PUT or DELETE also sends X-CSRF-Token");
	hv_json_obj_end(w);
	hv_json_key(w, "token");
	hv_json_obj_begin(w);
	hv_json_key(w, "type");
	hv_json_str(w, "http");
	hv_json_key(w, "scheme");
	hv_json_str(w, "bearer");
	hv_json_obj_end(w);
	hv_json_obj_end(w);
	hv_json_obj_end(w);
}

static void openapi(struct hv_req *req, struct hv_resp *resp)
{
	const struct hv_router *r = req->ctx;
	struct hv_json *w = hv_resp_json(resp, 200);

	hv_json_obj_begin(w);
	hv_json_key(w, "openapi");
	hv_json_str(w, "3.0.3");
	hv_json_key(w, "info");
	hv_json_obj_begin(w);
	hv_json_key(w, "title");
	hv_json_str(w, "haven JSON API");
	hv_json_key(w, "version");
	hv_json_str(w, "1");
	hv_json_key(w, "description");
	hv_json_str(w, "Properties, scopes (zones), lookups and imports of a city's property "
		       "inventory. Errors are application/problem+json. x-roles lists the roles "
		       "each operation admits.");
	hv_json_obj_end(w);
	hv_json_key(w, "servers");
	hv_json_arr_begin(w);
	hv_json_obj_begin(w);
	hv_json_key(w, "url");
	hv_json_str(w, req->public_url && *req->public_url ? req->public_url : "/");
	hv_json_obj_end(w);
	hv_json_arr_end(w);
	hv_json_key(w, "paths");
	hv_json_obj_begin(w);
	for (size_t i = 0; i < r->n_routes; i++) {
		const struct hv_route *rt = &r->routes[i];
		bool seen = false;

		if (!is_api(rt))
			continue;
		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(r->routes[k].pattern, rt->pattern) == 0;
		if (seen)
			continue;
		hv_json_key(w, rt->pattern);
		hv_json_obj_begin(w);
		for (size_t k = i; k < r->n_routes; k++)
			if (strcmp(r->routes[k].pattern, rt->pattern) == 0)
				operation(w, &r->routes[k]);
		hv_json_obj_end(w);
	}
	hv_json_obj_end(w);
	components(w);
	hv_json_obj_end(w);
}

int hv_api_openapi_register(struct hv_router *r, struct hv_err *err)
{
	const struct hv_route route = {
		.method = HV_GET,
		.pattern = "/api",
		.roles = HV_ROLES_ANY,
		.handler = openapi,
		.ctx = r,
		.summary = "this OpenAPI 3.0 document",
	};

	return hv_router_add(r, &route, err);
}
