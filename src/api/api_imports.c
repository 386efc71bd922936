/* SPDX-License-Identifier: Apache-2.0 */
/* /api/v1/imports: an admin uploads a property file and the importer (the code `haven import`
 * runs) reads it from a private temporary copy; the report comes back as `haven import --json`
 * prints it. GET lists past imports. A failed import stores nothing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api_internal.h"
#include "core/clock.h"
#include "core/str.h"
#include "registry/registry.h"

#define FILENAME_MAX_LEN 120

/* A file name safe to create in the private directory: one segment of letters, digits and
 * ". _ -", not starting with a dot, with an extension (GDAL picks the format by it). */
static int check_filename(const char *name, struct hv_err *err)
{
	size_t n = name ? strlen(name) : 0;

	if (!name || n == 0)
		return hv_err_set(err, HV_EINVAL,
				  "filename: required (the file's name, such as parcels.geojson: "
				  "its extension tells the format)");
	if (n > FILENAME_MAX_LEN || name[0] == '.' ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != n)
		return hv_err_set(err, HV_EINVAL,
				  "filename: \"%.64s\" is not a plain file name (1 to %d letters, "
				  "digits, '.', '_' or '-', not starting with '.')",
				  name, FILENAME_MAX_LEN);
	if (!strchr(name, '.'))
		return hv_err_set(
			err, HV_EINVAL,
			"filename: \"%.64s\" has no extension (.csv, .geojson, .zip, ...)", name);
	return HV_OK;
}

/* "true"/"1"/"on" or "false"/"0"/"off"; absent is false. */
static int parse_flag(const char *name, const char *v, bool *out, struct hv_err *err)
{
	if (!v || !strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "off") || !*v) {
		*out = false;
		return HV_OK;
	}
	if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on")) {
		*out = true;
		return HV_OK;
	}
	return hv_err_set(err, HV_EINVAL, "%s: \"%.32s\" is not true or false", name, v);
}

/* An optional text parameter (empty: not given, as a form's empty field): at most 200 bytes,
 * no control characters. */
static int check_text(const char *name, const char *v, struct hv_err *err)
{
	if (!v || !*v)
		return HV_OK;
	if (strlen(v) > 200)
		return hv_err_set(err, HV_EINVAL, "%s: at most 200 characters", name);
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20)
			return hv_err_set(err, HV_EINVAL, "%s: no control characters", name);
	return HV_OK;
}

/* The importer's message names the file by its temporary path (a .zip's behind /vsizip/):
 * name it by the upload's name. */
static void strip_dir(struct hv_err *err, const char *dir)
{
	const char *const cut[] = {"/vsizip/", dir};
	char *p;

	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(cut[i]);

		while ((p = strstr(err->msg, cut[i])) != NULL) {
			size_t skip = n + (p[n] == '/' ? 1 : 0);

			memmove(p, p + skip, strlen(p + skip) + 1);
		}
	}
}

static int write_all(const char *path, const char *data, size_t len, struct hv_err *err)
{
	FILE *f = fopen(path, "wbx");
	int rc = HV_OK;

	if (!f)
		return hv_err_set(err, HV_EIO, "cannot create the upload's copy: %s",
				  strerror(errno));
	if (len && fwrite(data, 1, len, f) != len)
		rc = hv_err_set(err, HV_EIO, "cannot write the upload's copy: %s", strerror(errno));
	if (fclose(f) != 0 && rc == HV_OK)
		rc = hv_err_set(err, HV_EIO, "cannot write the upload's copy: %s", strerror(errno));
	return rc;
}

int hv_api_import_run(struct hv_req *req, const struct hv_api_import_in *in,
		      struct hv_import_report *rep, struct hv_err *err)
{
	const char *tmp = getenv("TMPDIR");
	char dir[512], path[700];
	struct hv_import_opts o = {0};
	struct hv_store *s;
	bool made = false;
	int rc;

	memset(rep, 0, sizeof(*rep));
	if ((rc = check_filename(in->filename, err)) ||
	    (rc = check_text("source", in->source, err)) ||
	    (rc = check_text("srs", in->srs, err)) ||
	    (rc = check_text("address_template", in->address_template, err)) ||
	    (rc = check_text("kind", in->kind, err)) ||
	    (rc = check_text("layer", in->layer, err)) ||
	    (rc = parse_flag("dry_run", in->dry_run, &o.dry_run, err)) ||
	    (rc = parse_flag("skip_bad", in->skip_bad, &o.skip_bad, err)))
		return rc;
	if (in->effective && *in->effective && !hv_time_parse_iso(in->effective, &o.effective_ms))
		return hv_err_set(err, HV_EINVAL,
				  "effective: \"%.40s\" is not a date (YYYY-MM-DD or "
				  "YYYY-MM-DDTHH:MM:SSZ)",
				  in->effective);
	if (in->len == 0)
		return hv_err_set(err, HV_EINVAL, "%s: the uploaded file is empty", in->filename);
	snprintf(dir, sizeof(dir), "%s/haven-upload.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return hv_err_set(err, HV_EIO, "cannot make a directory for the upload: %s",
				  strerror(errno));
	made = true;
	snprintf(path, sizeof(path), "%s/%s", dir, in->filename);
	if ((rc = write_all(path, in->data, in->len, err)))
		goto out;
	o.geo.path = path;
	o.geo.srs = in->srs && *in->srs ? in->srs : NULL;
	o.geo.address_template =
		in->address_template && *in->address_template ? in->address_template : NULL;
	o.geo.kind = in->kind && *in->kind ? in->kind : NULL;
	o.geo.layer = in->layer && *in->layer ? in->layer : NULL;
	o.source = in->source && *in->source ? in->source : NULL;
	if ((rc = hv_req_store(req, &s, err)))
		goto out;
	rc = hv_registry_import(s, &o, rep, err);
	if (rc) {
		strip_dir(err, dir);
		/* The file is the client's: anything but the store failing is a bad request. */
		if (rc != HV_ESTORE && rc != HV_EINTERNAL)
			rc = HV_EINVAL;
	}
out:
	if (made) {
		unlink(path);
		rmdir(dir);
	}
	return rc;
}

static void imports_post(struct hv_req *req, struct hv_resp *resp)
{
	const struct hv_query *q = &req->query;
	struct hv_api_import_in in = {
		.filename = hv_query_get(q, "filename"),
		.source = hv_query_get(q, "source"),
		.srs = hv_query_get(q, "srs"),
		.address_template = hv_query_get(q, "address_template"),
		.effective = hv_query_get(q, "effective"),
		.kind = hv_query_get(q, "kind"),
		.layer = hv_query_get(q, "layer"),
		.dry_run = hv_query_get(q, "dry_run"),
		.skip_bad = hv_query_get(q, "skip_bad"),
		.data = req->body,
		.len = req->body_len,
	};
	struct hv_import_report rep;
	struct hv_err err;
	struct hv_json *w;
	int rc;

	hv_err_clear(&err);
	if ((rc = hv_api_import_run(req, &in, &rep, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	w = hv_resp_json(resp, rep.dry_run ? 200 : 201);
	hv_import_report_json(&rep, w);
	hv_import_report_release(&rep);
}

static int import_row(void *ctx, const struct hv_import_rec *r, const char *source)
{
	struct hv_json *w = ctx;
	char at[HV_TIME_ISO_MAX], eff[HV_TIME_ISO_MAX];

	hv_time_format_iso(r->imported_ms, at, sizeof(at));
	hv_time_format_iso(r->effective_ms, eff, sizeof(eff));
	hv_json_obj_begin(w);
	hv_json_key(w, "id");
	hv_json_int(w, r->id);
	hv_json_key(w, "source");
	hv_json_str(w, source);
	hv_json_key(w, "imported_at");
	hv_json_str(w, at);
	hv_json_key(w, "effective");
	hv_json_str(w, eff);
	hv_json_key(w, "report");
	hv_json_raw(w, r->report_json);
	hv_json_obj_end(w);
	return 0;
}

static void imports_list(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_store *s;
	struct hv_err err;
	struct hv_json *w;
	int rc;

	hv_err_clear(&err);
	if ((rc = hv_req_store(req, &s, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	w = hv_resp_json(resp, 200);
	hv_json_obj_begin(w);
	hv_json_key(w, "imports");
	hv_json_arr_begin(w);
	rc = hv_store_import_each(s, import_row, w, &err);
	hv_json_arr_end(w);
	hv_json_obj_end(w);
	if (rc < 0)
		hv_api_fail(resp, rc, &err);
}

static const char *const post_params[] = {"filename",  "source", "srs",	  "address_template",
					  "effective", "kind",	 "layer", "dry_run",
					  "skip_bad",  NULL};

int hv_api_imports_register(struct hv_api *api, struct hv_router *r, struct hv_err *err)
{
	const struct hv_route routes[] = {
		{.method = HV_POST,
		 .pattern = "/api/v1/imports",
		 .roles = HV_ROLE_BIT(HV_ROLE_ADMIN),
		 .params = post_params,
		 .handler = imports_post,
		 .ctx = api,
		 .max_body = HV_API_IMPORT_MAX_BODY,
		 .flags = HV_ROUTE_BINARY,
		 .summary = "import a property file (the body; CSV, GeoJSON, a zipped Shapefile, "
			    "...) and return the import report; nothing is stored on an error",
		 .body_type = "application/octet-stream"},
		{.method = HV_GET,
		 .pattern = "/api/v1/imports",
		 .roles = HV_ROLES_STAFF_UP,
		 .handler = imports_list,
		 .ctx = api,
		 .summary = "past imports, oldest first, each with its report"},
	};
	return hv_router_add_all(r, routes, sizeof(routes) / sizeof(routes[0]), err);
}
