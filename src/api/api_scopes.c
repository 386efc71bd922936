/* SPDX-License-Identifier: Apache-2.0 */
/* /api/v1/scopes: the scope rules in force (name, expression, effective time). */
#include "api/api_internal.h"
#include "core/clock.h"
#include "registry/registry.h"

static void scopes_list(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_zones *z = NULL;
	struct hv_store *s;
	struct hv_json *w;
	struct hv_err err;
	char when[HV_TIME_ISO_MAX];
	int rc;

	hv_err_clear(&err);
	if ((rc = hv_req_store(req, &s, &err)) || (rc = hv_zones_load(s, 0, &z, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	w = hv_resp_json(resp, 200);
	hv_json_obj_begin(w);
	hv_json_key(w, "scopes");
	hv_json_arr_begin(w);
	for (size_t i = 0; i < hv_zones_count(z); i++) {
		hv_json_obj_begin(w);
		hv_json_key(w, "name");
		hv_json_str(w, hv_zones_name(z, i));
		hv_json_key(w, "expression");
		hv_json_str(w, hv_zones_expr(z, i));
		hv_json_key(w, "effective");
		hv_time_format_iso(hv_zones_effective_ms(z, i), when, sizeof(when));
		hv_json_str(w, when);
		hv_json_obj_end(w);
	}
	hv_json_arr_end(w);
	hv_json_obj_end(w);
	hv_zones_free(z);
}

int hv_api_scopes_register(struct hv_api *api, struct hv_router *r, struct hv_err *err)
{
	const struct hv_route route = {
		.method = HV_GET,
		.pattern = "/api/v1/scopes",
		.roles = HV_ROLES_ANY,
		.handler = scopes_list,
		.ctx = api,
		.summary = "the scope rules (zones) in force",
	};

	return hv_router_add(r, &route, err);
}
