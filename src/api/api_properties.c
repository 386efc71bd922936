/* SPDX-License-Identifier: Apache-2.0 */
/* /api/v1/properties: the paged, filtered list (limit, after=<id>, kind, scope, source; a
 * "next" link that keeps every parameter) and one property with its history. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_internal.h"
#include "core/str.h"
#include "registry/registry.h"

#define LIMIT_DEFAULT 100
#define LIMIT_MAX     1000

struct list_ctx {
	struct hv_json *w;
	const struct hv_zones *z;
	bool *in;
	long rule; /* the scope filter's rule index, -1: none */
	int64_t limit, n;
	int64_t last_id; /* the last property written: the next page starts after it */
	bool more;	 /* one more matched past the limit */
};

static int list_one(void *ctx, const struct hv_property *p)
{
	struct list_ctx *x = ctx;

	hv_zones_match(x->z, p, x->in);
	if (x->rule >= 0 && !x->in[x->rule])
		return 0;
	if (x->n == x->limit) {
		x->more = true;
		return 1; /* stop: the page is full and we know another follows */
	}
	hv_property_json(x->w, p, x->z, x->in);
	x->n++;
	x->last_id = p->id;
	return 0;
}

/* The next page's link: the same path and filters, after the last id written. */
static void write_next(struct hv_req *req, struct hv_json *w, int64_t limit, int64_t after)
{
	static const char *const keep[] = {"kind", "scope", "source", NULL};
	struct hv_buf b;

	hv_buf_init(&b, 0);
	hv_buf_addf(&b, "%s/api/v1/properties?limit=%lld&after=%lld", req->public_url,
		    (long long)limit, (long long)after);
	for (const char *const *k = keep; *k; k++) {
		const char *v = hv_query_get(&req->query, *k);

		if (v) {
			hv_buf_addf(&b, "&%s=", *k);
			hv_api_url_encode(&b, v);
		}
	}
	hv_json_str(w, b.data);
	hv_buf_release(&b);
}

/* Reads the filters into f and x (answering a 400 naming a bad one). */
static int list_filters(struct hv_req *req, struct hv_resp *resp, struct hv_store *s,
			struct hv_property_filter *f, struct list_ctx *x, struct hv_err *err)
{
	const char *source = hv_query_get(&req->query, "source");
	const char *scope = hv_query_get(&req->query, "scope");
	int rc;

	x->limit = LIMIT_DEFAULT;
	if (!hv_api_param_i64(req, resp, "limit", 1, LIMIT_MAX, &x->limit) ||
	    !hv_api_param_i64(req, resp, "after", 0, INT64_MAX, &f->after_id))
		return HV_EINVAL;
	f->kind = hv_query_get(&req->query, "kind");
	if (source && (rc = hv_store_source_find(s, source, &f->source_id, err))) {
		if (rc == HV_ENOENT)
			rc = hv_err_set(err, HV_EINVAL, "source: no source named \"%.64s\"",
					source);
		hv_api_fail(resp, rc, err);
		return rc;
	}
	if (scope && (x->rule = hv_zones_find(x->z, scope)) < 0) {
		rc = hv_err_set(err, HV_EINVAL, "scope: no scope named \"%.64s\" is in force",
				scope);
		hv_api_fail(resp, rc, err);
		return rc;
	}
	return HV_OK;
}

static void properties_list(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_property_filter f = {0};
	struct list_ctx x = {.rule = -1};
	struct hv_zones *z = NULL;
	struct hv_store *s;
	struct hv_json *w;
	struct hv_err err;
	int rc;

	hv_err_clear(&err);
	if ((rc = hv_req_store(req, &s, &err)) || (rc = hv_zones_load(s, 0, &z, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	x.z = z;
	if (list_filters(req, resp, s, &f, &x, &err))
		goto out;
	x.in = hv_arena_calloc(req->arena, hv_zones_count(z) + 1, sizeof(bool));
	w = hv_resp_json(resp, 200);
	x.w = w;
	hv_json_obj_begin(w);
	hv_json_key(w, "properties");
	hv_json_arr_begin(w);
	rc = hv_store_property_each(s, &f, list_one, &x, &err);
	if (rc < 0) {
		hv_api_fail(resp, rc, &err);
		goto out;
	}
	hv_json_arr_end(w);
	hv_json_key(w, "count");
	hv_json_int(w, x.n);
	hv_json_key(w, "next");
	if (x.more)
		write_next(req, w, x.limit, x.last_id);
	else
		hv_json_null(w);
	hv_json_obj_end(w);
out:
	hv_zones_free(z);
}

static int history_one(void *ctx, const struct hv_property *p)
{
	hv_property_json(ctx, p, NULL, NULL);
	return 0;
}

static void property_one(struct hv_req *req, struct hv_resp *resp)
{
	const char *sid = req->captures[0].value;
	struct hv_property p = {0};
	struct hv_zones *z = NULL;
	struct hv_store *s;
	struct hv_json *w;
	struct hv_err err;
	bool *in;
	int64_t id;
	int rc;

	hv_err_clear(&err);
	if (!hv_str_to_i64(hv_str_cstr(sid), &id) || id <= 0) {
		rc = hv_err_set(&err, HV_EINVAL, "id: \"%.64s\" is not a property id", sid);
		hv_api_fail(resp, rc, &err);
		return;
	}
	if ((rc = hv_req_store(req, &s, &err)) ||
	    (rc = hv_store_property_get(s, id, 0, &p, &err)) ||
	    (rc = hv_zones_load(s, 0, &z, &err))) {
		hv_api_fail(resp, rc, &err);
		goto out;
	}
	in = hv_arena_calloc(req->arena, hv_zones_count(z) + 1, sizeof(bool));
	hv_zones_match(z, &p, in);
	w = hv_resp_json(resp, 200);
	hv_json_obj_begin(w);
	hv_json_key(w, "property");
	hv_property_json(w, &p, z, in);
	hv_json_key(w, "history");
	hv_json_arr_begin(w);
	if ((rc = hv_store_property_history(s, id, history_one, w, &err)) < 0) {
		hv_api_fail(resp, rc, &err);
		goto out;
	}
	hv_json_arr_end(w);
	hv_json_obj_end(w);
out:
	hv_property_release(&p);
	hv_zones_free(z);
}

static const char *const list_params[] = {"limit", "after", "kind", "scope", "source", NULL};

int hv_api_properties_register(struct hv_api *api, struct hv_router *r, struct hv_err *err)
{
	const struct hv_route routes[] = {
		{.method = HV_GET,
		 .pattern = "/api/v1/properties",
		 .roles = HV_ROLES_ANY,
		 .params = list_params,
		 .handler = properties_list,
		 .ctx = api,
		 .summary = "current properties, paged (limit, after) and filtered (kind, scope, "
			    "source)"},
		{.method = HV_GET,
		 .pattern = "/api/v1/properties/{id}",
		 .roles = HV_ROLES_ANY,
		 .handler = property_one,
		 .ctx = api,
		 .summary = "one property with its zones and every earlier version"},
	};
	return hv_router_add_all(r, routes, sizeof(routes) / sizeof(routes[0]), err);
}
