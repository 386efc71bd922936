/* SPDX-License-Identifier: Apache-2.0 */
/* The public zone map ("is this a zone?" by address or by a click), sign-in and sign-out, the
 * static files, and the registration of every page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_internal.h"
#include "core/fs.h"
#include "core/xalloc.h"
#include "web/web_internal.h"

#ifndef HV_WEB_SOURCE_DIR
#define HV_WEB_SOURCE_DIR "src/web/static"
#endif
#ifndef HV_WEB_DATA_DIR
#define HV_WEB_DATA_DIR "/usr/local/share/haven/web"
#endif
#ifndef HV_NODE_MODULES_SOURCE
#define HV_NODE_MODULES_SOURCE "node_modules"
#endif
#ifndef HV_NODE_MODULES_DATA
#define HV_NODE_MODULES_DATA "/usr/local/share/haven/node_modules"
#endif

#define STATIC_MAX ((size_t)4 << 20)

/* ---- the public map ---- */

/* The answer to "is this a zone?" for the page without JavaScript: only public fields. */
static void answer_html(struct hv_buf *b, const char *address, const struct hv_lookup_hit *hits,
			size_t n)
{
	hv_buf_adds(
		b, "<section id=\"answer\" class=\"answer\" role=\"status\" aria-live=\"polite\">");
	if (n == 0) {
		hv_buf_adds(b, "<h2>No city property found</h2><p>No property in the inventory "
			       "matches &ldquo;");
		hv_html_escape(b, address);
		hv_buf_adds(b, "&rdquo;.</p>");
	}
	for (size_t i = 0; i < n && i < 5; i++) {
		const struct hv_lookup_hit *h = &hits[i];

		hv_buf_addf(b, "<div class=\"hit %s\"><h2>%s</h2><dl>",
			    h->n_zones ? "zone" : "nozone",
			    h->n_zones ? "Yes: this is a zone" : "No: not a zone");
		hv_buf_adds(b, "<dt>Name</dt><dd>");
		hv_html_escape(b, h->name ? h->name : "");
		hv_buf_adds(b, "</dd><dt>Kind</dt><dd>");
		hv_html_escape(b, h->kind ? h->kind : "");
		hv_buf_adds(b, "</dd><dt>Address</dt><dd>");
		hv_html_escape(b, h->address ? h->address : "");
		hv_buf_adds(b, "</dd><dt>Zone status</dt><dd>");
		if (!h->n_zones)
			hv_buf_adds(b, "not in a zone");
		for (size_t z = 0; z < h->n_zones; z++) {
			hv_buf_adds(b, z ? ", " : "in zone: ");
			hv_html_escape(b, h->zones[z]);
		}
		hv_buf_adds(b, "</dd></dl></div>");
	}
	hv_buf_adds(b, "</section>\n");
}

static void map_page(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_web *web = req->ctx;
	const char *address = hv_query_get(&req->query, "address");
	struct hv_buf *b = hv_web_page_begin(req, resp, 200, "Is this a zone?");

	hv_buf_adds(b, "<p class=\"lede\">City property where the order applies: immigration "
		       "enforcement may not use it. Enter an address, or click or tap the "
		       "map.</p>\n"
		       "<form id=\"lookup-form\" class=\"lookup\" role=\"search\" action=\"/\" "
		       "method=\"get\">\n<label for=\"address\">Address</label>\n"
		       "<div class=\"row\"><input id=\"address\" name=\"address\" type=\"search\" "
		       "autocomplete=\"street-address\" required value=\"");
	hv_html_escape(b, address ? address : "");
	hv_buf_adds(b, "\">\n<button type=\"submit\">Check</button></div>\n</form>\n");
	if (address && *address) {
		struct hv_lookup_hit hits[8];
		const struct hv_lookup *l = hv_lookup_live_acquire(web->api->live);
		size_t n = hv_lookup_address(l, address, hits, 8);

		answer_html(b, address, hits, n);
		hv_lookup_live_release(web->api->live, l);
	} else {
		hv_buf_adds(b, "<section id=\"answer\" class=\"answer\" role=\"status\" "
			       "aria-live=\"polite\"></section>\n");
	}
	hv_buf_adds(b, "<div id=\"map\" class=\"map\" role=\"region\" tabindex=\"0\" "
		       "aria-label=\"Map of the zones. Click or tap a place to check it; arrow "
		       "keys move the map and Enter checks its centre.\" data-tile-url=\"");
	hv_html_escape(b, web->tile_url ? web->tile_url : "");
	hv_buf_adds(b, "\" data-attribution=\"");
	hv_html_escape(b, web->tile_attribution ? web->tile_attribution : "");
	hv_buf_adds(b, "\"></div>\n<p class=\"legend\"><span class=\"swatch\"></span> zone "
		       "(the order applies) <span class=\"swatch outline\"></span> extent of the "
		       "city's properties</p>\n"
		       "<p class=\"fine\">Shows city property only. haven never shows where anyone "
		       "is.</p>\n");
	hv_web_page_end(b,
			web->leaflet_dir
				? "<link rel=\"stylesheet\" href=\"/static/leaflet/leaflet.css\">\n"
				  "<script src=\"/static/leaflet/leaflet.js\"></script>\n"
				  "<script src=\"/static/map.js\"></script>\n"
				: "<script src=\"/static/map.js\"></script>\n");
	/* The public map is the same for everyone but signed-in staff see their menu. */
}

/* ---- sign-in and sign-out ---- */

/* Only a local path: never "//host" or a scheme, so the form cannot send anyone elsewhere. */
static const char *safe_next(const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' || strchr(next, '\r') ||
	    strchr(next, '\n') || strlen(next) > 200)
		return "/properties";
	return next;
}

static void login_form(struct hv_req *req, struct hv_resp *resp, int status, const char *error,
		       const char *name, const char *next)
{
	struct hv_buf *b = hv_web_page_begin(req, resp, status, "Staff sign-in");

	if (error)
		hv_web_message(b, "error", error);
	hv_buf_adds(b, "<form class=\"stack\" method=\"post\" action=\"/login\">\n"
		       "<label for=\"name\">Name</label>\n<input id=\"name\" name=\"name\" "
		       "autocomplete=\"username\" required autocapitalize=\"none\" value=\"");
	hv_html_escape(b, name ? name : "");
	hv_buf_adds(b, "\">\n<label for=\"password\">Password</label>\n<input id=\"password\" "
		       "name=\"password\" type=\"password\" autocomplete=\"current-password\" "
		       "required>\n<input type=\"hidden\" name=\"next\" value=\"");
	hv_html_escape(b, safe_next(next));
	hv_buf_adds(b, "\">\n<button type=\"submit\">Sign in</button>\n</form>\n");
	hv_web_page_end(b, NULL);
}

static void login_get(struct hv_req *req, struct hv_resp *resp)
{
	login_form(req, resp, 200, NULL, NULL, hv_query_get(&req->query, "next"));
}

static void login_post(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_web *web = req->ctx;
	const char *name = hv_form_get(req->form, "name");
	const char *password = hv_form_get(req->form, "password");
	const char *next = safe_next(hv_form_get(req->form, "next"));
	char csrf[HV_TOKEN_HEX_LEN], msg[HV_ERR_MSG_MAX];
	const char *cookie;
	struct hv_user u;

	if (!name || !*name || !password || strlen(name) >= HV_USER_NAME_MAX ||
	    strlen(password) > HV_API_PASSWORD_MAX) {
		login_form(req, resp, 400, "Enter your name and password.", name, next);
		return;
	}
	req->ctx = web->api;
	if (!hv_api_login_start(req, resp, name, password, &u, &cookie, csrf)) {
		int status = resp->problem_status ? resp->problem_status : 500;

		snprintf(msg, sizeof(msg), "%s", resp->problem_detail);
		/* keep Retry-After from a 429 */
		login_form(req, resp, status, msg, name, next);
		return;
	}
	resp->status = 303;
	resp->content_type = "text/html; charset=utf-8";
	hv_buf_reset(&resp->body);
	hv_buf_adds(&resp->body, "<!doctype html><title>Signed in</title><a href=\"");
	hv_html_escape(&resp->body, next);
	hv_buf_adds(&resp->body, "\">Continue</a>\n");
	hv_resp_header(resp, "Set-Cookie", cookie);
	hv_resp_header(resp, "Location", hv_arena_strdup(req->arena, next));
	hv_resp_header(resp, "Cache-Control", "no-store");
}

static void logout_post(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_err err;
	const char *clear;

	hv_err_clear(&err);
	if (!(clear = hv_api_session_end(req, &err))) {
		hv_api_fail(resp, err.code ? err.code : HV_ESTORE, &err);
		return;
	}
	resp->status = 303;
	resp->content_type = "text/html; charset=utf-8";
	hv_buf_reset(&resp->body);
	hv_buf_adds(&resp->body, "<!doctype html><title>Signed out</title><a href=\"/\">Zone "
				 "map</a>\n");
	hv_resp_header(resp, "Set-Cookie", clear);
	hv_resp_header(resp, "Location", "/");
}

/* ---- static files ---- */

static const char *mime_of(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{".css", "text/css; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".png", "image/png"},
		{".svg", "image/svg+xml"},
		{".map", "application/json"},
		{".txt", "text/plain; charset=utf-8"},
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

/* name is one decoded path segment (the parser already refused ".." and "/"): also refuse
 * hidden files and anything but plain names, and serve only known types. */
static void send_file(struct hv_req *req, struct hv_resp *resp, const char *dir, const char *name)
{
	const char *type = mime_of(name);
	char path[1024], *data = NULL;
	size_t len = 0, n = strlen(name);
	struct hv_err err;

	if (!dir || !type || name[0] == '.' || n > 100 ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
		    n) {
		snprintf(path, sizeof(path), "no static file %s", req->path);
		hv_resp_problem(resp, HV_ENOENT, path);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	hv_err_clear(&err);
	if (hv_fs_read_file(path, STATIC_MAX, &data, &len, &err)) {
		snprintf(path, sizeof(path), "no static file %s", req->path);
		hv_resp_problem(resp, HV_ENOENT, path);
		return;
	}
	resp->status = 200;
	resp->content_type = type;
	hv_buf_reset(&resp->body);
	hv_buf_add(&resp->body, data, len);
	free(data);
	hv_resp_header(resp, "Cache-Control", "public, max-age=3600");
	hv_resp_header(resp, "X-Content-Type-Options", "nosniff");
}

static void static_own(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_web *web = req->ctx;

	send_file(req, resp, web->static_dir, req->captures[0].value);
}

static void static_leaflet(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_web *web = req->ctx;

	send_file(req, resp, web->leaflet_dir, req->captures[0].value);
}

static void static_leaflet_images(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_web *web = req->ctx;
	char dir[1024];

	if (!web->leaflet_dir) {
		hv_resp_problem(resp, HV_ENOENT, "Leaflet is not installed (npm ci)");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/images", web->leaflet_dir);
	send_file(req, resp, dir, req->captures[0].value);
}

/* ---- registration ---- */

static char *first_dir(const char *given, const char *a, const char *b, const char *sub)
{
	const char *cand[] = {given, a, b};
	char path[1024];

	for (size_t i = 0; i < 3; i++) {
		if (!cand[i])
			continue;
		snprintf(path, sizeof(path), "%s%s", cand[i], sub);
		if (hv_fs_exists(path))
			return hv_xstrdup(path);
		if (i == 0)
			return NULL; /* a directory given explicitly is the only one tried */
	}
	return NULL;
}

bool hv_web_has_leaflet(const struct hv_web *w)
{
	return w && w->leaflet_dir;
}

void hv_web_free(struct hv_web *w)
{
	if (!w)
		return;
	free(w->tile_url);
	free(w->tile_attribution);
	free(w->static_dir);
	free(w->leaflet_dir);
	free(w);
}

static const char *const map_params[] = {"address", NULL};
static const char *const login_params[] = {"next", NULL};

int hv_web_register(struct hv_api *api, struct hv_router *r, const struct hv_web_opts *o,
		    struct hv_web **out, struct hv_err *err)
{
	struct hv_web *w = hv_xcalloc(1, sizeof(*w));
	int rc;

	*out = NULL;
	w->api = api;
	w->tile_url = o->tile_url && *o->tile_url ? hv_xstrdup(o->tile_url) : NULL;
	w->tile_attribution = o->tile_attribution ? hv_xstrdup(o->tile_attribution) : NULL;
	w->static_dir = first_dir(o->static_dir, HV_WEB_SOURCE_DIR, HV_WEB_DATA_DIR, "");
	w->leaflet_dir = first_dir(o->node_modules, HV_NODE_MODULES_SOURCE, HV_NODE_MODULES_DATA,
				   "/leaflet/dist");
	if (o->static_dir && !w->static_dir) {
		rc = hv_err_set(err, HV_ENOENT, "--web-dir \"%s\": no such directory",
				o->static_dir);
		goto fail;
	}
	if (o->node_modules && !w->leaflet_dir) {
		rc = hv_err_set(err, HV_ENOENT,
				"--node-modules \"%s\": no leaflet/dist in it (run npm ci)",
				o->node_modules);
		goto fail;
	}
	const struct hv_route routes[] = {
		{.method = HV_GET,
		 .pattern = "/",
		 .roles = HV_ROLES_ANY,
		 .params = map_params,
		 .handler = map_page,
		 .ctx = w,
		 .flags = HV_ROUTE_PAGE},
		{.method = HV_GET,
		 .pattern = "/login",
		 .roles = HV_ROLES_ANY,
		 .params = login_params,
		 .handler = login_get,
		 .ctx = w,
		 .flags = HV_ROUTE_PAGE},
		{.method = HV_POST,
		 .pattern = "/login",
		 .roles = HV_ROLES_ANY,
		 .handler = login_post,
		 .ctx = w,
		 .flags = HV_ROUTE_PAGE | HV_ROUTE_FORM | HV_API_ROUTE_LOGIN},
		{.method = HV_POST,
		 .pattern = "/logout",
		 .roles = HV_ROLES_STAFF_UP,
		 .handler = logout_post,
		 .ctx = w,
		 .flags = HV_ROUTE_PAGE | HV_ROUTE_FORM},
		{.method = HV_GET,
		 .pattern = "/static/{name}",
		 .roles = HV_ROLES_ANY,
		 .handler = static_own,
		 .ctx = w},
		{.method = HV_GET,
		 .pattern = "/static/leaflet/{name}",
		 .roles = HV_ROLES_ANY,
		 .handler = static_leaflet,
		 .ctx = w},
		{.method = HV_GET,
		 .pattern = "/static/leaflet/images/{name}",
		 .roles = HV_ROLES_ANY,
		 .handler = static_leaflet_images,
		 .ctx = w},
	};
	if ((rc = hv_router_add_all(r, routes, sizeof(routes) / sizeof(routes[0]), err)) ||
	    (rc = hv_web_staff_register(w, r, err)) || (rc = hv_web_admin_register(w, r, err)))
		goto fail;
	hv_router_set_page_error(r, hv_web_page_error, w);
	*out = w;
	return HV_OK;
fail:
	hv_web_free(w);
	return rc;
}
