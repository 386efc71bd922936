/* SPDX-License-Identifier: Apache-2.0 */
/* Staff pages: property search, a property with its history, and imports (the upload form, the
 * report of an import, past imports). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api_internal.h"
#include "core/clock.h"
#include "core/str.h"
#include "registry/registry.h"
#include "web/web_internal.h"

#define PAGE_ROWS 50

/* ---- property search ---- */

struct search {
	struct hv_buf *b;
	const struct hv_zones *z;
	bool *in;
	const char *q;
	int64_t n, last_id;
	bool more;
};

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (!hay)
		return false;
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

static void zones_cell(struct hv_buf *b, const struct hv_zones *z, const bool *in)
{
	bool any = false;

	for (size_t i = 0; i < hv_zones_count(z); i++) {
		if (!in[i])
			continue;
		hv_buf_adds(b, any ? ", " : "");
		hv_html_escape(b, hv_zones_name(z, i));
		any = true;
	}
	if (!any)
		hv_buf_adds(b, "<span class=\"muted\">none</span>");
}

static int search_row(void *ctx, const struct hv_property *p)
{
	struct search *s = ctx;

	if (s->q && *s->q && !contains_ci(p->name, s->q) && !contains_ci(p->address, s->q) &&
	    !contains_ci(p->source_key, s->q))
		return 0;
	if (s->n == PAGE_ROWS) {
		s->more = true;
		return 1;
	}
	hv_zones_match(s->z, p, s->in);
	hv_buf_addf(s->b, "<tr><td><a href=\"/properties/%lld\">%lld</a></td><td>",
		    (long long)p->id, (long long)p->id);
	hv_html_escape(s->b, p->name);
	hv_buf_adds(s->b, "</td><td>");
	hv_html_escape(s->b, p->address);
	hv_buf_adds(s->b, "</td><td>");
	hv_html_escape(s->b, p->kind);
	hv_buf_adds(s->b, "</td><td>");
	zones_cell(s->b, s->z, s->in);
	hv_buf_adds(s->b, "</td></tr>\n");
	s->n++;
	s->last_id = p->id;
	return 0;
}

static void properties_page(struct hv_req *req, struct hv_resp *resp)
{
	const char *q = hv_query_get(&req->query, "q");
	const char *kind = hv_query_get(&req->query, "kind");
	struct hv_property_filter f = {0};
	struct search s = {.q = q};
	struct hv_zones *z = NULL;
	struct hv_store *st;
	struct hv_err err;
	struct hv_buf *b;
	int rc;

	hv_err_clear(&err);
	if (!hv_api_param_i64(req, resp, "after", 0, INT64_MAX, &f.after_id))
		return;
	if ((rc = hv_req_store(req, &st, &err)) || (rc = hv_zones_load(st, 0, &z, &err))) {
		hv_api_fail(resp, rc, &err);
		goto out;
	}
	f.kind = kind && *kind ? kind : NULL;
	b = hv_web_page_begin(req, resp, 200, "Properties");
	hv_buf_adds(b,
		    "<form class=\"search\" role=\"search\" method=\"get\" "
		    "action=\"/properties\">\n<label for=\"q\">Name, address or source id</label>\n"
		    "<input id=\"q\" name=\"q\" type=\"search\" value=\"");
	hv_html_escape(b, q ? q : "");
	hv_buf_adds(b, "\">\n<label for=\"kind\">Kind</label>\n<input id=\"kind\" name=\"kind\" "
		       "value=\"");
	hv_html_escape(b, kind ? kind : "");
	hv_buf_adds(b, "\">\n<button type=\"submit\">Search</button>\n</form>\n"
		       "<div class=\"scroll\"><table>\n<caption>Current properties</caption>\n"
		       "<thead><tr><th scope=\"col\">Id</th><th scope=\"col\">Name</th>"
		       "<th scope=\"col\">Address</th><th scope=\"col\">Kind</th>"
		       "<th scope=\"col\">Zones</th></tr></thead>\n<tbody>\n");
	s.b = b;
	s.z = z;
	s.in = hv_arena_calloc(req->arena, hv_zones_count(z) + 1, sizeof(bool));
	rc = hv_store_property_each(st, &f, search_row, &s, &err);
	if (rc < 0) {
		hv_api_fail(resp, rc, &err);
		goto out;
	}
	hv_buf_adds(b, "</tbody></table></div>\n");
	if (s.n == 0)
		hv_web_message(b, "info", "No property matches.");
	if (s.more) {
		hv_buf_addf(b, "<p><a class=\"button\" href=\"/properties?after=%lld",
			    (long long)s.last_id);
		if (q) {
			hv_buf_adds(b, "&amp;q=");
			hv_api_url_encode(b, q);
		}
		if (kind) {
			hv_buf_adds(b, "&amp;kind=");
			hv_api_url_encode(b, kind);
		}
		hv_buf_adds(b, "\">Next page</a></p>\n");
	}
	hv_web_page_end(b, NULL);
out:
	hv_zones_free(z);
}

/* ---- one property ---- */

static void field_row(struct hv_buf *b, const char *name, const char *value)
{
	hv_buf_adds(b, "<dt>");
	hv_html_escape(b, name);
	hv_buf_adds(b, "</dt><dd>");
	if (value && *value)
		hv_html_escape(b, value);
	else
		hv_buf_adds(b, "<span class=\"muted\">none</span>");
	hv_buf_adds(b, "</dd>\n");
}

static int history_row(void *ctx, const struct hv_property *p)
{
	struct hv_buf *b = ctx;
	char when[HV_TIME_ISO_MAX];

	hv_time_format_iso(p->valid_from_ms, when, sizeof(when));
	hv_buf_addf(b, "<tr><td>%lld</td><td>%s</td><td>%lld</td><td>", (long long)p->version, when,
		    (long long)p->import_id);
	if (p->removed) {
		hv_buf_adds(b, "<strong>removed</strong></td><td></td><td></td><td></td></tr>\n");
		return 0;
	}
	hv_buf_adds(b, "listed</td><td>");
	hv_html_escape(b, p->name);
	hv_buf_adds(b, "</td><td>");
	hv_html_escape(b, p->address);
	hv_buf_adds(b, "</td><td>");
	hv_html_escape(b, p->status);
	hv_buf_adds(b, "</td></tr>\n");
	return 0;
}

static void property_page(struct hv_req *req, struct hv_resp *resp)
{
	const char *sid = req->captures[0].value;
	struct hv_property p = {0};
	struct hv_zones *z = NULL;
	struct hv_store *st;
	struct hv_err err;
	struct hv_buf *b;
	char title[200], when[HV_TIME_ISO_MAX], num[64];
	bool *in;
	int64_t id;
	int rc;

	hv_err_clear(&err);
	if (!hv_str_to_i64(hv_str_cstr(sid), &id) || id <= 0) {
		rc = hv_err_set(&err, HV_EINVAL, "id: \"%.64s\" is not a property id", sid);
		hv_api_fail(resp, rc, &err);
		return;
	}
	if ((rc = hv_req_store(req, &st, &err)) ||
	    (rc = hv_store_property_get(st, id, 0, &p, &err)) ||
	    (rc = hv_zones_load(st, 0, &z, &err))) {
		hv_api_fail(resp, rc, &err);
		goto out;
	}
	in = hv_arena_calloc(req->arena, hv_zones_count(z) + 1, sizeof(bool));
	hv_zones_match(z, &p, in);
	snprintf(title, sizeof(title), "Property %lld%s%.120s", (long long)p.id,
		 p.name && *p.name ? ": " : "", p.name ? p.name : "");
	b = hv_web_page_begin(req, resp, 200, title);
	hv_buf_adds(b, "<dl class=\"fields\">\n");
	field_row(b, "Name", p.name);
	field_row(b, "Address", p.address);
	field_row(b, "Kind", p.kind);
	field_row(b, "Status", p.status);
	field_row(b, "Source", p.source);
	field_row(b, "Source id", p.source_key);
	field_row(b, "Geometry", p.geom_type);
	if (p.has_point) {
		snprintf(num, sizeof(num), "%.6f, %.6f", p.lat, p.lon);
		field_row(b, "Point (lat, lon)", num);
	}
	hv_time_format_iso(p.valid_from_ms, when, sizeof(when));
	field_row(b, "In force since", when);
	hv_buf_adds(b, "<dt>Zones</dt><dd>");
	zones_cell(b, z, in);
	hv_buf_adds(b, "</dd>\n</dl>\n<h2>Source attributes</h2>\n<pre class=\"attrs\">");
	hv_html_escape(b, p.attrs_json);
	hv_buf_adds(b, "</pre>\n<h2>History</h2>\n<div class=\"scroll\"><table>\n"
		       "<caption>Every version, oldest first</caption>\n<thead><tr>"
		       "<th scope=\"col\">Version</th><th scope=\"col\">In force from</th>"
		       "<th scope=\"col\">Import</th><th scope=\"col\">State</th>"
		       "<th scope=\"col\">Name</th><th scope=\"col\">Address</th>"
		       "<th scope=\"col\">Status</th></tr></thead>\n<tbody>\n");
	if ((rc = hv_store_property_history(st, id, history_row, b, &err)) < 0) {
		hv_api_fail(resp, rc, &err);
		goto out;
	}
	hv_buf_adds(b, "</tbody></table></div>\n");
	hv_web_page_end(b, NULL);
out:
	hv_property_release(&p);
	hv_zones_free(z);
}

/* ---- imports ---- */

static void count_row(struct hv_buf *b, const char *what, int64_t n)
{
	hv_buf_adds(b, "<tr><th scope=\"row\">");
	hv_html_escape(b, what);
	hv_buf_addf(b, "</th><td>%lld</td></tr>\n", (long long)n);
}

static void notes(struct hv_buf *b, const char *title, const struct hv_import_note *n, size_t count,
		  int64_t total)
{
	if (!total)
		return;
	hv_buf_adds(b, "<h3>");
	hv_html_escape(b, title);
	hv_buf_adds(b, "</h3>\n<ul>\n");
	for (size_t i = 0; i < count; i++) {
		hv_buf_addf(b, "<li>row %lld", (long long)n[i].row);
		if (n[i].source_key) {
			hv_buf_adds(b, " (id ");
			hv_html_escape(b, n[i].source_key);
			hv_buf_adds(b, ")");
		}
		hv_buf_adds(b, ": ");
		hv_html_escape(b, n[i].text);
		hv_buf_adds(b, "</li>\n");
	}
	if ((int64_t)count < total)
		hv_buf_addf(b, "<li>and %lld more</li>\n", (long long)(total - (int64_t)count));
	hv_buf_adds(b, "</ul>\n");
}

static void report_html(struct hv_buf *b, const struct hv_import_report *r)
{
	hv_buf_adds(b, "<section class=\"report\" id=\"report\" aria-labelledby=\"report-h\">\n"
		       "<h2 id=\"report-h\">");
	hv_buf_adds(b, r->dry_run ? "Dry run: nothing stored" : "Imported");
	hv_buf_adds(b, "</h2>\n<p>");
	hv_html_escape(b, r->file_name);
	hv_buf_adds(b, " as source <strong>");
	hv_html_escape(b, r->source);
	hv_buf_adds(b, "</strong> (");
	hv_html_escape(b, r->driver);
	hv_buf_adds(b, ", ");
	hv_html_escape(b, r->srs ? r->srs : "no CRS");
	hv_buf_adds(b, ")</p>\n<table class=\"counts\">\n<caption>Rows</caption>\n");
	count_row(b, "read", r->n_read);
	count_row(b, "added", r->n_added);
	count_row(b, "changed", r->n_changed);
	count_row(b, "only columns changed", r->n_restated);
	count_row(b, "unchanged", r->n_unchanged);
	count_row(b, "removed", r->n_removed);
	count_row(b, "repaired", r->n_repaired);
	count_row(b, "skipped (bad rows)", r->n_skipped);
	count_row(b, "address only", r->n_address_only);
	hv_buf_adds(b, "</table>\n");
	for (size_t i = 0; i < r->n_columns_added; i++) {
		hv_buf_adds(b, "<p>New column: ");
		hv_html_escape(b, r->columns_added[i]);
		hv_buf_adds(b, "</p>\n");
	}
	for (size_t i = 0; i < r->n_columns_removed; i++) {
		hv_buf_adds(b, "<p>Column gone: ");
		hv_html_escape(b, r->columns_removed[i]);
		hv_buf_adds(b, "</p>\n");
	}
	notes(b, "Skipped rows", r->skips, r->n_skips, r->n_skipped);
	notes(b, "Repaired geometries", r->repairs, r->n_repairs, r->n_repaired);
	hv_buf_adds(b, "<p class=\"fine\">File SHA-256 ");
	hv_buf_adds(b, r->file_sha256);
	hv_buf_adds(b, "</p>\n</section>\n");
}

static void text_input(struct hv_buf *b, const char *id, const char *label, const char *hint,
		       const char *value)
{
	hv_buf_addf(b, "<label for=\"%s\">", id);
	hv_html_escape(b, label);
	if (hint) {
		hv_buf_adds(b, " <span class=\"muted\">");
		hv_html_escape(b, hint);
		hv_buf_adds(b, "</span>");
	}
	hv_buf_addf(b, "</label>\n<input id=\"%s\" name=\"%s\" value=\"", id, id);
	hv_html_escape(b, value ? value : "");
	hv_buf_adds(b, "\">\n");
}

static int import_row(void *ctx, const struct hv_import_rec *r, const char *source)
{
	struct hv_buf *b = ctx;
	char at[HV_TIME_ISO_MAX];

	hv_time_format_iso(r->imported_ms, at, sizeof(at));
	hv_buf_addf(b, "<tr><td>%lld</td><td>%s</td><td>", (long long)r->id, at);
	hv_html_escape(b, source);
	hv_buf_adds(b, "</td><td>");
	hv_html_escape(b, r->file_name);
	hv_buf_addf(b, "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td></tr>\n",
		    (long long)r->n_read, (long long)r->n_added, (long long)r->n_changed,
		    (long long)r->n_removed);
	return 0;
}

/* The page: an error or a report first, then the form (admins), then past imports. */
static void imports_render(struct hv_req *req, struct hv_resp *resp, int status, const char *error,
			   const struct hv_import_report *rep)
{
	const struct hv_form *f = req->form;
	struct hv_store *st;
	struct hv_err err;
	struct hv_buf *b;
	int rc;

	hv_err_clear(&err);
	if ((rc = hv_req_store(req, &st, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	b = hv_web_page_begin(req, resp, status, "Imports");
	if (error)
		hv_web_message(b, "error", error);
	if (rep)
		report_html(b, rep);
	if (req->role == HV_ROLE_ADMIN) {
		hv_buf_adds(b, "<h2>Import a file</h2>\n<form id=\"import-form\" class=\"stack\" "
			       "method=\"post\" action=\"/imports\" "
			       "enctype=\"multipart/form-data\">\n");
		hv_web_csrf_field(b, req);
		hv_buf_adds(b, "<label for=\"file\">File <span class=\"muted\">(CSV, GeoJSON, a "
			       "zipped Shapefile, ...)</span></label>\n<input id=\"file\" "
			       "name=\"file\" type=\"file\" required>\n");
		text_input(b, "source", "Source name", "(default: the file's name)",
			   hv_form_get(f, "source"));
		text_input(b, "kind", "Kind of every property", "(lot, garage, ...)",
			   hv_form_get(f, "kind"));
		text_input(b, "srs", "CRS of the coordinates", "(EPSG:N; default: the file's)",
			   hv_form_get(f, "srs"));
		text_input(b, "address_template", "Address template",
			   "({F_ADD1}-{T_ADD1} {ST_NAME1}...)", hv_form_get(f, "address_template"));
		text_input(b, "effective", "In force from", "(YYYY-MM-DD; default: now)",
			   hv_form_get(f, "effective"));
		hv_buf_adds(b, "<div class=\"check\"><input id=\"skip_bad\" name=\"skip_bad\" "
			       "type=\"checkbox\" value=\"on\"><label for=\"skip_bad\">Skip bad "
			       "rows (listed in the report)</label></div>\n"
			       "<div class=\"check\"><input id=\"dry_run\" name=\"dry_run\" "
			       "type=\"checkbox\" value=\"on\"><label for=\"dry_run\">Dry run: "
			       "report only, store nothing</label></div>\n"
			       "<button type=\"submit\">Import</button>\n</form>\n");
	}
	hv_buf_adds(b, "<h2>Past imports</h2>\n<div class=\"scroll\"><table>\n"
		       "<caption>Oldest first</caption>\n<thead><tr><th scope=\"col\">Id</th>"
		       "<th scope=\"col\">When</th><th scope=\"col\">Source</th>"
		       "<th scope=\"col\">File</th><th scope=\"col\">Read</th>"
		       "<th scope=\"col\">Added</th><th scope=\"col\">Changed</th>"
		       "<th scope=\"col\">Removed</th></tr></thead>\n<tbody>\n");
	if ((rc = hv_store_import_each(st, import_row, b, &err)) < 0) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	hv_buf_adds(b, "</tbody></table></div>\n");
	hv_web_page_end(b, NULL);
}

static void imports_page(struct hv_req *req, struct hv_resp *resp)
{
	imports_render(req, resp, 200, NULL, NULL);
}

/* A browser sends the name the file had on the client; Windows browsers may send a path. */
static const char *base_name(const char *name)
{
	const char *s = strrchr(name, '/'), *bs = strrchr(name, '\\');

	if (bs && (!s || bs > s))
		s = bs;
	return s ? s + 1 : name;
}

static void imports_post(struct hv_req *req, struct hv_resp *resp)
{
	const struct hv_form *f = req->form;
	const struct hv_form_field *file = hv_form_field(f, "file");
	struct hv_api_import_in in = {
		.source = hv_form_get(f, "source"),
		.srs = hv_form_get(f, "srs"),
		.address_template = hv_form_get(f, "address_template"),
		.effective = hv_form_get(f, "effective"),
		.kind = hv_form_get(f, "kind"),
		.dry_run = hv_form_get(f, "dry_run"),
		.skip_bad = hv_form_get(f, "skip_bad"),
	};
	struct hv_import_report rep;
	struct hv_err err;
	int rc;

	hv_err_clear(&err);
	if (!file || !file->filename) {
		imports_render(req, resp, 400, "file: choose a file to import", NULL);
		return;
	}
	in.filename = base_name(file->filename);
	in.data = file->value;
	in.len = file->len;
	if ((rc = hv_api_import_run(req, &in, &rep, &err))) {
		if (hv_http_code(rc) >= 500) {
			hv_api_fail(resp, rc, &err);
			return;
		}
		imports_render(req, resp, 400, err.msg, NULL);
		return;
	}
	imports_render(req, resp, rep.dry_run ? 200 : 201, NULL, &rep);
	hv_import_report_release(&rep);
}

static const char *const search_params[] = {"q", "kind", "after", NULL};

int hv_web_staff_register(struct hv_web *web, struct hv_router *r, struct hv_err *err)
{
	const struct hv_route routes[] = {
		{.method = HV_GET,
		 .pattern = "/properties",
		 .roles = HV_ROLES_STAFF_UP,
		 .params = search_params,
		 .handler = properties_page,
		 .ctx = web,
		 .flags = HV_ROUTE_PAGE},
		{.method = HV_GET,
		 .pattern = "/properties/{id}",
		 .roles = HV_ROLES_STAFF_UP,
		 .handler = property_page,
		 .ctx = web,
		 .flags = HV_ROUTE_PAGE},
		{.method = HV_GET,
		 .pattern = "/imports",
		 .roles = HV_ROLES_STAFF_UP,
		 .handler = imports_page,
		 .ctx = web,
		 .flags = HV_ROUTE_PAGE},
		{.method = HV_POST,
		 .pattern = "/imports",
		 .roles = HV_ROLE_BIT(HV_ROLE_ADMIN),
		 .handler = imports_post,
		 .ctx = web,
		 .max_body = HV_API_IMPORT_MAX_BODY,
		 .flags = HV_ROUTE_PAGE | HV_ROUTE_FORM | HV_ROUTE_BINARY},
	};
	return hv_router_add_all(r, routes, sizeof(routes) / sizeof(routes[0]), err);
}
