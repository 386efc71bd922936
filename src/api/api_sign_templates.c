/* SPDX-License-Identifier: Apache-2.0 */
/* /api/v1/sign-templates: the sign templates (admins edit them; facilities read them to plan
 * print runs). PUT stores a validated document as the template's next version. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/api_internal.h"
#include "core/clock.h"
#include "signs/template.h"
#include "store/sign_templates.h"

#define ROLES_READ  (HV_ROLE_BIT(HV_ROLE_ADMIN) | HV_ROLE_BIT(HV_ROLE_FACILITIES))
#define ROLES_WRITE HV_ROLE_BIT(HV_ROLE_ADMIN)

struct list_ctx {
	struct hv_json *w;
	bool stored[8];
};

static void row(struct hv_json *w, const char *name, int64_t version, int64_t created_ms,
		const char *by)
{
	char when[HV_TIME_ISO_MAX];

	hv_json_key(w, "name");
	hv_json_str(w, name);
	hv_json_key(w, "version");
	hv_json_int(w, version);
	hv_json_key(w, "builtin");
	hv_json_bool(w, version == 0);
	hv_json_key(w, "created");
	if (version) {
		hv_time_format_iso(created_ms, when, sizeof(when));
		hv_json_str(w, when);
	} else {
		hv_json_null(w);
	}
	hv_json_key(w, "created_by");
	if (version)
		hv_json_str(w, by);
	else
		hv_json_null(w);
}

static int list_row(void *ctx, const struct hv_sign_template_rec *r)
{
	struct list_ctx *c = ctx;

	for (size_t i = 0; hv_sign_template_default_names[i] && i < 8; i++)
		if (strcmp(r->name, hv_sign_template_default_names[i]) == 0)
			c->stored[i] = true;
	hv_json_obj_begin(c->w);
	row(c->w, r->name, r->version, r->created_ms, r->created_by);
	hv_json_obj_end(c->w);
	return 0;
}

static void templates_list(struct hv_req *req, struct hv_resp *resp)
{
	struct list_ctx c = {0};
	struct hv_store *s;
	struct hv_err err;
	int rc;

	hv_err_clear(&err);
	if ((rc = hv_req_store(req, &s, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	c.w = hv_resp_json(resp, 200);
	hv_json_obj_begin(c.w);
	hv_json_key(c.w, "templates");
	hv_json_arr_begin(c.w);
	if ((rc = hv_store_sign_template_each(s, list_row, &c, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	for (size_t i = 0; hv_sign_template_default_names[i] && i < 8; i++) {
		if (c.stored[i])
			continue;
		hv_json_obj_begin(c.w);
		row(c.w, hv_sign_template_default_names[i], 0, 0, NULL);
		hv_json_obj_end(c.w);
	}
	hv_json_arr_end(c.w);
	hv_json_obj_end(c.w);
}

/* The document re-serialised compactly by jansson, so the answer is JSON whatever the stored
 * text's spacing (it was validated when stored). */
static char *compact(const char *doc, struct hv_err *err)
{
	json_error_t jerr;
	json_t *root = json_loads(doc, JSON_REJECT_DUPLICATES, &jerr);
	char *out;

	if (!root) {
		hv_err_set(err, HV_ESTORE, "stored sign template is not JSON: %s", jerr.text);
		return NULL;
	}
	out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	return out;
}

static void template_get(struct hv_req *req, struct hv_resp *resp)
{
	const char *name = req->captures[0].value;
	struct hv_sign_template_rec rec = {0};
	int64_t version = 0;
	struct hv_store *s;
	struct hv_json *w;
	struct hv_err err;
	const char *def = NULL;
	char *doc = NULL;
	int rc;

	hv_err_clear(&err);
	if (!hv_api_param_i64(req, resp, "version", 1, INT64_MAX, &version))
		return;
	if ((rc = hv_req_store(req, &s, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	rc = hv_store_sign_template_get(s, name, version, &rec, &err);
	if (rc == HV_ENOENT && !version && (def = hv_sign_template_default(name)))
		rc = HV_OK;
	else if (rc == HV_ENOENT && !version)
		hv_err_set(&err, HV_ENOENT, "no sign template \"%.64s\"", name);
	if (rc || !(doc = compact(def ? def : rec.doc, &err))) {
		hv_api_fail(resp, rc ? rc : err.code, &err);
		hv_sign_template_rec_release(&rec);
		return;
	}
	w = hv_resp_json(resp, 200);
	hv_json_obj_begin(w);
	if (def)
		row(w, name, 0, 0, NULL);
	else
		row(w, rec.name, rec.version, rec.created_ms, rec.created_by);
	hv_json_key(w, "document");
	hv_json_raw(w, doc);
	hv_json_obj_end(w);
	free(doc);
	hv_sign_template_rec_release(&rec);
}

static void template_put(struct hv_req *req, struct hv_resp *resp)
{
	const char *name = req->captures[0].value;
	struct hv_store *s;
	struct hv_json *w;
	struct hv_err err;
	int64_t version;
	int rc;

	hv_err_clear(&err);
	if ((rc = hv_req_store(req, &s, &err)) ||
	    (rc = hv_sign_template_store(s, name, req->body, req->body_len,
					 req->user_name ? req->user_name : "api-token",
					 hv_time_now_ms(), &version, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	w = hv_resp_json(resp, 201);
	hv_json_obj_begin(w);
	hv_json_key(w, "name");
	hv_json_str(w, name);
	hv_json_key(w, "version");
	hv_json_int(w, version);
	hv_json_obj_end(w);
}

int hv_api_sign_templates_register(struct hv_api *api, struct hv_router *r, struct hv_err *err)
{
	static const char *const get_params[] = {"version", NULL};
	const struct hv_route routes[] = {
		{.method = HV_GET,
		 .pattern = "/api/v1/sign-templates",
		 .roles = ROLES_READ,
		 .handler = templates_list,
		 .ctx = api},
		{.method = HV_GET,
		 .pattern = "/api/v1/sign-templates/{name}",
		 .roles = ROLES_READ,
		 .params = get_params,
		 .handler = template_get,
		 .ctx = api},
		{.method = HV_PUT,
		 .pattern = "/api/v1/sign-templates/{name}",
		 .roles = ROLES_WRITE,
		 .handler = template_put,
		 .ctx = api},
	};

	return hv_router_add_all(r, routes, sizeof(routes) / sizeof(routes[0]), err);
}
