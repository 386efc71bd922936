/* SPDX-License-Identifier: Apache-2.0 */
/* Admin pages: users (add with a one-time password, disable) and API tokens (create, shown
 * once; revoke). Secrets appear once, in the answer to the form that made them, never stored
 * or logged in the clear. */
#include <stdio.h>
#include <string.h>

#include "api/api_internal.h"
#include "core/clock.h"
#include "core/str.h"
#include "crypto/password.h"
#include "web/web_internal.h"

#define PASSWORD_MIN 10

static const char *const staff_roles[] = {"admin", "law", "facilities", "staff", "auditor"};

static void role_select(struct hv_buf *b, const char *id)
{
	hv_buf_addf(b, "<label for=\"%s\">Role</label>\n<select id=\"%s\" name=\"role\">\n", id,
		    id);
	for (size_t i = 0; i < sizeof(staff_roles) / sizeof(staff_roles[0]); i++)
		hv_buf_addf(b, "<option value=\"%s\"%s>%s</option>\n", staff_roles[i],
			    strcmp(staff_roles[i], "staff") == 0 ? " selected" : "",
			    staff_roles[i]);
	hv_buf_adds(b, "</select>\n");
}

static int check_name(const char *name, struct hv_err *err)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n >= HV_USER_NAME_MAX)
		return hv_err_set(err, HV_EINVAL, "name: 1 to %d characters", HV_USER_NAME_MAX - 1);
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x21 || *p == 0x7f)
			return hv_err_set(err, HV_EINVAL,
					  "name: \"%.64s\" has a space or control character", name);
	return HV_OK;
}

static int check_role(const char *role, struct hv_err *err)
{
	if (!role || hv_role_parse(role) >= HV_ROLE_PUBLIC)
		return hv_err_set(err, HV_EINVAL,
				  "role: \"%.32s\" is not one of admin, law, facilities, staff, "
				  "auditor",
				  role ? role : "");
	return HV_OK;
}

/* ---- users ---- */

struct users_ctx {
	struct hv_buf *b;
	const struct hv_req *req;
};

static int user_row(void *ctx, const struct hv_user *u)
{
	struct users_ctx *x = ctx;
	struct hv_buf *b = x->b;
	char when[HV_TIME_ISO_MAX];

	hv_time_format_iso(u->created_ms, when, sizeof(when));
	hv_buf_adds(b, "<tr><td>");
	hv_html_escape(b, u->name);
	hv_buf_adds(b, "</td><td>");
	hv_html_escape(b, u->role);
	hv_buf_addf(b, "</td><td>%.10s</td><td>", when);
	if (u->disabled) {
		hv_buf_adds(b, "disabled</td><td></td></tr>\n");
		return 0;
	}
	hv_buf_adds(b, "active</td><td><form class=\"inline\" method=\"post\" "
		       "action=\"/admin/users/disable\">");
	hv_web_csrf_field(b, x->req);
	hv_buf_adds(b, "<input type=\"hidden\" name=\"name\" value=\"");
	hv_html_escape(b, u->name);
	hv_buf_adds(b, "\"><button type=\"submit\" class=\"danger\">Disable ");
	hv_html_escape(b, u->name);
	hv_buf_adds(b, "</button></form></td></tr>\n");
	return 0;
}

/* notice: a status line; secret: shown once, in a box the admin copies from. */
static void users_render(struct hv_req *req, struct hv_resp *resp, int status, const char *error,
			 const char *notice, const char *secret)
{
	struct users_ctx x = {.req = req};
	struct hv_store *st;
	struct hv_err err;
	struct hv_buf *b;
	int rc;

	hv_err_clear(&err);
	if ((rc = hv_req_store(req, &st, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	b = hv_web_page_begin(req, resp, status, "Users");
	if (error)
		hv_web_message(b, "error", error);
	if (notice)
		hv_web_message(b, "ok", notice);
	if (secret) {
		hv_buf_adds(b, "<p class=\"secret\">One-time password, shown once: <code "
			       "id=\"secret\">");
		hv_html_escape(b, secret);
		hv_buf_adds(b, "</code></p>\n");
	}
	hv_buf_adds(b, "<div class=\"scroll\"><table>\n<caption>Accounts</caption>\n<thead><tr>"
		       "<th scope=\"col\">Name</th><th scope=\"col\">Role</th>"
		       "<th scope=\"col\">Since</th><th scope=\"col\">State</th>"
		       "<th scope=\"col\">Action</th></tr></thead>\n<tbody>\n");
	x.b = b;
	if ((rc = hv_store_user_each(st, user_row, &x, &err)) < 0) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	hv_buf_adds(b, "</tbody></table></div>\n<h2>Add a user</h2>\n<form class=\"stack\" "
		       "method=\"post\" action=\"/admin/users\">\n");
	hv_web_csrf_field(b, req);
	hv_buf_adds(b, "<label for=\"new-name\">Name</label>\n<input id=\"new-name\" name=\"name\" "
		       "required autocapitalize=\"none\">\n");
	role_select(b, "new-role");
	hv_buf_adds(b, "<label for=\"new-password\">Password <span class=\"muted\">(empty: a "
		       "one-time password is made and shown once)</span></label>\n<input "
		       "id=\"new-password\" name=\"password\" type=\"password\" "
		       "autocomplete=\"new-password\">\n<button type=\"submit\">Add user</button>\n"
		       "</form>\n");
	hv_web_page_end(b, NULL);
}

static void users_page(struct hv_req *req, struct hv_resp *resp)
{
	users_render(req, resp, 200, NULL, NULL, NULL);
}

static void users_add(struct hv_req *req, struct hv_resp *resp)
{
	const char *name = hv_form_get(req->form, "name");
	const char *role = hv_form_get(req->form, "role");
	const char *password = hv_form_get(req->form, "password");
	char hash[HV_PWHASH_STR_MAX], tok[HV_TOKEN_HEX_LEN], made[40], notice[200];
	struct hv_store *st;
	struct hv_err err;
	int rc;

	hv_err_clear(&err);
	if ((rc = check_name(name, &err)) || (rc = check_role(role, &err))) {
		users_render(req, resp, 400, err.msg, NULL, NULL);
		return;
	}
	if (password && *password && strlen(password) < PASSWORD_MIN) {
		snprintf(notice, sizeof(notice), "password: at least %d characters", PASSWORD_MIN);
		users_render(req, resp, 400, notice, NULL, NULL);
		return;
	}
	if (password && strlen(password) > HV_API_PASSWORD_MAX) {
		users_render(req, resp, 400, "password: too long", NULL, NULL);
		return;
	}
	if (!password || !*password) {
		/* 128 bits, as 32 hex digits: typed once, then changed (as `haven user add`). */
		hv_token_new(tok);
		snprintf(made, sizeof(made), "%.32s", tok);
		password = made;
	}
	if ((rc = hv_password_hash(password, hash, &err)) || (rc = hv_req_store(req, &st, &err)) ||
	    (rc = hv_store_begin(st, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	if ((rc = hv_store_user_add(st, name, role, hash, hv_time_now_ms(), NULL, &err)) ||
	    (rc = hv_store_commit(st, &err))) {
		hv_store_rollback(st);
		if (rc == HV_EEXIST) {
			users_render(req, resp, 409, err.msg, NULL, NULL);
			return;
		}
		hv_api_fail(resp, rc, &err);
		return;
	}
	snprintf(notice, sizeof(notice), "User %.64s added with role %.16s.", name, role);
	users_render(req, resp, 201, NULL, notice, password == made ? made : NULL);
}

static void users_disable(struct hv_req *req, struct hv_resp *resp)
{
	const char *name = hv_form_get(req->form, "name");
	char notice[200];
	struct hv_store *st;
	struct hv_err err;
	int rc;

	hv_err_clear(&err);
	if ((rc = check_name(name, &err))) {
		users_render(req, resp, 400, err.msg, NULL, NULL);
		return;
	}
	if ((rc = hv_req_store(req, &st, &err)) || (rc = hv_store_begin(st, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	if ((rc = hv_store_user_disable(st, name, &err)) || (rc = hv_store_commit(st, &err))) {
		hv_store_rollback(st);
		if (rc == HV_ENOENT) {
			users_render(req, resp, 404, err.msg, NULL, NULL);
			return;
		}
		hv_api_fail(resp, rc, &err);
		return;
	}
	snprintf(notice, sizeof(notice), "User %.64s disabled; their sessions are ended.", name);
	users_render(req, resp, 200, NULL, notice, NULL);
}

/* ---- tokens ---- */

struct tokens_ctx {
	struct hv_buf *b;
	const struct hv_req *req;
};

static int token_row(void *ctx, const struct hv_api_token *t)
{
	struct tokens_ctx *x = ctx;
	struct hv_buf *b = x->b;
	char when[HV_TIME_ISO_MAX];

	hv_time_format_iso(t->created_ms, when, sizeof(when));
	hv_buf_addf(b, "<tr><td>%lld</td><td>", (long long)t->id);
	hv_html_escape(b, t->name);
	hv_buf_adds(b, "</td><td>");
	hv_html_escape(b, t->role);
	hv_buf_addf(b, "</td><td>%.10s</td><td>", when);
	if (t->revoked_ms) {
		hv_buf_adds(b, "revoked</td><td></td></tr>\n");
		return 0;
	}
	hv_buf_adds(b, "live</td><td><form class=\"inline\" method=\"post\" "
		       "action=\"/admin/tokens/revoke\">");
	hv_web_csrf_field(b, x->req);
	hv_buf_addf(b,
		    "<input type=\"hidden\" name=\"id\" value=\"%lld\"><button "
		    "type=\"submit\" class=\"danger\">Revoke ",
		    (long long)t->id);
	hv_html_escape(b, t->name);
	hv_buf_adds(b, "</button></form></td></tr>\n");
	return 0;
}

static void tokens_render(struct hv_req *req, struct hv_resp *resp, int status, const char *error,
			  const char *notice, const char *secret)
{
	struct tokens_ctx x = {.req = req};
	struct hv_store *st;
	struct hv_err err;
	struct hv_buf *b;
	int rc;

	hv_err_clear(&err);
	if ((rc = hv_req_store(req, &st, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	b = hv_web_page_begin(req, resp, status, "API tokens");
	if (error)
		hv_web_message(b, "error", error);
	if (notice)
		hv_web_message(b, "ok", notice);
	if (secret) {
		hv_buf_adds(b, "<p class=\"secret\">The token, shown once (send it as "
			       "<code>Authorization: Bearer TOKEN</code>): <code id=\"secret\">");
		hv_html_escape(b, secret);
		hv_buf_adds(b, "</code></p>\n");
	}
	hv_buf_adds(b, "<div class=\"scroll\"><table>\n<caption>Tokens (the store keeps only "
		       "their hashes)</caption>\n<thead><tr><th scope=\"col\">Id</th>"
		       "<th scope=\"col\">Name</th><th scope=\"col\">Role</th>"
		       "<th scope=\"col\">Since</th><th scope=\"col\">State</th>"
		       "<th scope=\"col\">Action</th></tr></thead>\n<tbody>\n");
	x.b = b;
	if ((rc = hv_store_token_each(st, token_row, &x, &err)) < 0) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	hv_buf_adds(b, "</tbody></table></div>\n<h2>Create a token</h2>\n<form class=\"stack\" "
		       "method=\"post\" action=\"/admin/tokens\">\n");
	hv_web_csrf_field(b, req);
	hv_buf_adds(b, "<label for=\"token-name\">Name <span class=\"muted\">(the integration, "
		       "e.g. qgis)</span></label>\n<input id=\"token-name\" name=\"name\" "
		       "required>\n");
	role_select(b, "token-role");
	hv_buf_adds(b, "<button type=\"submit\">Create token</button>\n</form>\n");
	hv_web_page_end(b, NULL);
}

static void tokens_page(struct hv_req *req, struct hv_resp *resp)
{
	tokens_render(req, resp, 200, NULL, NULL, NULL);
}

static void tokens_add(struct hv_req *req, struct hv_resp *resp)
{
	const char *name = hv_form_get(req->form, "name");
	const char *role = hv_form_get(req->form, "role");
	char tok[HV_TOKEN_HEX_LEN], hash[65], notice[200];
	struct hv_store *st;
	struct hv_err err;
	int64_t id = 0;
	int rc;

	hv_err_clear(&err);
	if ((rc = check_name(name, &err)) || (rc = check_role(role, &err))) {
		tokens_render(req, resp, 400, err.msg, NULL, NULL);
		return;
	}
	hv_token_new(tok);
	hv_token_hash(tok, hash);
	if ((rc = hv_req_store(req, &st, &err)) || (rc = hv_store_begin(st, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	if ((rc = hv_store_token_add(st, hash, name, role, hv_time_now_ms(), &id, &err)) ||
	    (rc = hv_store_commit(st, &err))) {
		hv_store_rollback(st);
		hv_api_fail(resp, rc, &err);
		return;
	}
	snprintf(notice, sizeof(notice), "Token %lld (%.64s, role %.16s) created.", (long long)id,
		 name, role);
	tokens_render(req, resp, 201, NULL, notice, tok);
}

static void tokens_revoke(struct hv_req *req, struct hv_resp *resp)
{
	const char *sid = hv_form_get(req->form, "id");
	char notice[200];
	struct hv_store *st;
	struct hv_err err;
	int64_t id;
	int rc;

	hv_err_clear(&err);
	if (!sid || !hv_str_to_i64(hv_str_cstr(sid), &id) || id <= 0) {
		snprintf(notice, sizeof(notice), "id: \"%.32s\" is not a token id", sid ? sid : "");
		tokens_render(req, resp, 400, notice, NULL, NULL);
		return;
	}
	if ((rc = hv_req_store(req, &st, &err)) || (rc = hv_store_begin(st, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	if ((rc = hv_store_token_revoke(st, id, hv_time_now_ms(), &err)) ||
	    (rc = hv_store_commit(st, &err))) {
		hv_store_rollback(st);
		if (rc == HV_ENOENT) {
			snprintf(notice, sizeof(notice), "id: no live token %lld", (long long)id);
			tokens_render(req, resp, 404, notice, NULL, NULL);
			return;
		}
		hv_api_fail(resp, rc, &err);
		return;
	}
	snprintf(notice, sizeof(notice), "Token %lld revoked.", (long long)id);
	tokens_render(req, resp, 200, NULL, notice, NULL);
}

int hv_web_admin_register(struct hv_web *web, struct hv_router *r, struct hv_err *err)
{
#define ADMIN_PAGE(m, pat, fn, fl)                                                                 \
	{                                                                                          \
		.method = (m), .pattern = (pat), .roles = HV_ROLE_BIT(HV_ROLE_ADMIN),              \
		.handler = (fn), .ctx = web, .flags = HV_ROUTE_PAGE | (fl)                         \
	}
	const struct hv_route routes[] = {
		ADMIN_PAGE(HV_GET, "/admin/users", users_page, 0),
		ADMIN_PAGE(HV_POST, "/admin/users", users_add, HV_ROUTE_FORM),
		ADMIN_PAGE(HV_POST, "/admin/users/disable", users_disable, HV_ROUTE_FORM),
		ADMIN_PAGE(HV_GET, "/admin/tokens", tokens_page, 0),
		ADMIN_PAGE(HV_POST, "/admin/tokens", tokens_add, HV_ROUTE_FORM),
		ADMIN_PAGE(HV_POST, "/admin/tokens/revoke", tokens_revoke, HV_ROUTE_FORM),
	};
#undef ADMIN_PAGE
	return hv_router_add_all(r, routes, sizeof(routes) / sizeof(routes[0]), err);
}
