/* SPDX-License-Identifier: Apache-2.0 */
/* /api/v1/lookup: which property (and zone) is at a point or an address; POST for up to
 * HV_API_LOOKUP_MAX_POINTS points at once. Answered from the live snapshot, in the worker
 * thread that read the request. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api/api_internal.h"

#define HITS_MAX 64

static void write_query_point(struct hv_json *w, double lon, double lat, double radius_m)
{
	hv_json_key(w, "query");
	hv_json_obj_begin(w);
	hv_json_key(w, "lon");
	hv_json_fixed(w, lon, 7);
	hv_json_key(w, "lat");
	hv_json_fixed(w, lat, 7);
	hv_json_key(w, "radius_m");
	hv_json_fixed(w, radius_m, 2);
	hv_json_obj_end(w);
}

static void write_hits(struct hv_json *w, const struct hv_lookup_hit *hits, size_t n)
{
	hv_json_key(w, "matches");
	hv_json_arr_begin(w);
	for (size_t i = 0; i < n && i < HITS_MAX; i++)
		hv_lookup_hit_json(w, &hits[i]);
	hv_json_arr_end(w);
}

/* Which form of the query: an address, or a point; never both, never neither. */
static bool check_form(const char *address, bool has_lon, bool has_lat, struct hv_resp *resp)
{
	const char *problem = NULL;

	if (address && (has_lon || has_lat))
		problem = "give either address or lon and lat, not both";
	else if (!address && !has_lon && !has_lat)
		problem = "missing parameter: lon and lat, or address";
	else if (!address && !has_lon)
		problem = "missing parameter: lon";
	else if (!address && !has_lat)
		problem = "missing parameter: lat";
	else if (address && !*address)
		problem = "address: empty";
	if (problem)
		hv_resp_problem(resp, HV_EINVAL, problem);
	return problem == NULL;
}

static void lookup_get(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_api *api = req->ctx;
	const char *address = hv_query_get(&req->query, "address");
	bool has_lon = hv_query_get(&req->query, "lon") != NULL;
	bool has_lat = hv_query_get(&req->query, "lat") != NULL;
	double lon = NAN, lat = NAN, radius_m = HV_LOOKUP_RADIUS_M;
	struct hv_lookup_hit hits[HITS_MAX];
	const struct hv_lookup *l;
	struct hv_json *w;
	size_t n;

	if (!check_form(address, has_lon, has_lat, resp))
		return;
	if (!hv_api_param_double(req, resp, "lon", -180, 180, &lon) ||
	    !hv_api_param_double(req, resp, "lat", -90, 90, &lat) ||
	    !hv_api_param_double(req, resp, "radius", 0, HV_API_LOOKUP_MAX_RADIUS_M, &radius_m))
		return;
	l = hv_lookup_live_acquire(api->live);
	n = address ? hv_lookup_address(l, address, hits, HITS_MAX)
		    : hv_lookup_point(l, lon, lat, radius_m, hits, HITS_MAX);
	w = hv_resp_json(resp, 200);
	hv_json_obj_begin(w);
	if (address) {
		hv_json_key(w, "query");
		hv_json_obj_begin(w);
		hv_json_key(w, "address");
		hv_json_str(w, address);
		hv_json_obj_end(w);
	} else {
		write_query_point(w, lon, lat, radius_m);
	}
	write_hits(w, hits, n);
	hv_json_obj_end(w);
	/* hits borrow the snapshot's strings: release only after they are written */
	hv_lookup_live_release(api->live, l);
}

static int parse_point(json_t *pt, size_t i, double *lon, double *lat, struct hv_err *err)
{
	if (!json_is_array(pt) || json_array_size(pt) != 2 ||
	    !json_is_number(json_array_get(pt, 0)) || !json_is_number(json_array_get(pt, 1)))
		return hv_err_set(err, HV_EINVAL,
				  "points[%zu]: not an array [lon, lat] of two numbers", i);
	*lon = json_number_value(json_array_get(pt, 0));
	*lat = json_number_value(json_array_get(pt, 1));
	if (!(fabs(*lon) <= 180))
		return hv_err_set(err, HV_EINVAL, "points[%zu]: longitude %g is not in -180..180",
				  i, *lon);
	if (!(fabs(*lat) <= 90))
		return hv_err_set(err, HV_EINVAL, "points[%zu]: latitude %g is not in -90..90", i,
				  *lat);
	return HV_OK;
}

static int parse_members(json_t *root, json_t **points, double *radius_m, struct hv_err *err)
{
	const char *key;
	json_t *v;

	if (!json_is_object(root))
		return hv_err_set(err, HV_EINVAL,
				  "body: expected a JSON object {\"points\": [...]}");
	json_object_foreach(root, key, v)
	{
		if (strcmp(key, "points") == 0) {
			*points = v;
		} else if (strcmp(key, "radius") == 0) {
			if (!json_is_number(v) || json_number_value(v) < 0 ||
			    json_number_value(v) > HV_API_LOOKUP_MAX_RADIUS_M)
				return hv_err_set(err, HV_EINVAL, "radius: not a number in 0..%g",
						  HV_API_LOOKUP_MAX_RADIUS_M);
			*radius_m = json_number_value(v);
		} else {
			return hv_err_set(err, HV_EINVAL, "body: unknown member \"%.64s\"", key);
		}
	}
	if (!*points)
		return hv_err_set(err, HV_EINVAL, "body: missing member \"points\"");
	if (!json_is_array(*points))
		return hv_err_set(err, HV_EINVAL, "points: not an array");
	if (json_array_size(*points) > HV_API_LOOKUP_MAX_POINTS)
		return hv_err_set(err, HV_ELIMIT, "points: %zu given, at most %d allowed",
				  json_array_size(*points), HV_API_LOOKUP_MAX_POINTS);
	return HV_OK;
}

int hv_api_parse_points(struct hv_arena *a, const char *body, size_t len, struct hv_api_points *out,
			struct hv_err *err)
{
	json_error_t jerr;
	json_t *root, *points = NULL;
	size_t n;
	int rc;

	*out = (struct hv_api_points){.radius_m = HV_LOOKUP_RADIUS_M};
	/* jansson checks UTF-8 and nesting depth; duplicate keys would make "which one?" a guess.
	 */
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return hv_err_set(err, HV_EFORMAT, "body: malformed JSON at line %d column %d: %s",
				  jerr.line, jerr.column, jerr.text);
	if ((rc = parse_members(root, &points, &out->radius_m, err)))
		goto out;
	n = json_array_size(points);
	out->lon = hv_arena_calloc(a, n ? n : 1, sizeof(double));
	out->lat = hv_arena_calloc(a, n ? n : 1, sizeof(double));
	for (size_t i = 0; i < n; i++)
		if ((rc = parse_point(json_array_get(points, i), i, &out->lon[i], &out->lat[i],
				      err)))
			goto out;
	out->n = n;
out:
	json_decref(root);
	return rc;
}

static void lookup_post(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_api *api = req->ctx;
	struct hv_api_points pts;
	struct hv_index_batch res = {0};
	const struct hv_lookup *l;
	struct hv_json *w;
	struct hv_err err;
	int rc;

	hv_err_clear(&err);
	if (req->body_len == 0) {
		hv_resp_problem(resp, HV_EINVAL, "body: empty; expected {\"points\": [...]}");
		return;
	}
	if ((rc = hv_api_parse_points(req->arena, req->body, req->body_len, &pts, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	l = hv_lookup_live_acquire(api->live);
	/* One thread: the worker answers its own request; spreading a request over cores would
	 * only take them from the other connections. */
	hv_lookup_batch(l, pts.lon, pts.lat, pts.n, pts.radius_m, 1, &res);
	w = hv_resp_json(resp, 200);
	hv_json_obj_begin(w);
	hv_json_key(w, "radius_m");
	hv_json_fixed(w, pts.radius_m, 2);
	hv_json_key(w, "results");
	hv_json_arr_begin(w);
	for (size_t i = 0; i < pts.n; i++) {
		hv_json_obj_begin(w);
		hv_json_key(w, "matches");
		hv_json_arr_begin(w);
		for (size_t k = res.offsets[i]; k < res.offsets[i + 1]; k++) {
			struct hv_lookup_hit h;

			hv_lookup_hit_of(l, &res.matches[k], &h);
			hv_lookup_hit_json(w, &h);
		}
		hv_json_arr_end(w);
		hv_json_obj_end(w);
	}
	hv_json_arr_end(w);
	hv_json_obj_end(w);
	hv_index_batch_release(&res);
	hv_lookup_live_release(api->live, l);
}

static const char *const get_params[] = {"lon", "lat", "radius", "address", NULL};

int hv_api_lookup_register(struct hv_api *api, struct hv_router *r, struct hv_err *err)
{
	const struct hv_route routes[] = {
		{.method = HV_GET,
		 .pattern = "/api/v1/lookup",
		 .roles = HV_ROLES_ANY,
		 .params = get_params,
		 .handler = lookup_get,
		 .ctx = api,
		 .summary = "which property and zone is at a point (lon, lat, radius) or an "
			    "address"},
		{.method = HV_POST,
		 .pattern = "/api/v1/lookup",
		 .roles = HV_ROLES_ANY,
		 .handler = lookup_post,
		 .ctx = api,
		 .summary = "look up to 10,000 points at once: {\"points\": [[lon, lat], ...]}",
		 .body_type = "application/json"},
	};
	return hv_router_add_all(r, routes, sizeof(routes) / sizeof(routes[0]), err);
}
