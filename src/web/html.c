/* SPDX-License-Identifier: Apache-2.0 */
/* HTML building blocks for the pages: the page frame with its navigation by role, the
 * CSRF field of every form, messages and the HTML rendering of a problem. */
#include <stdio.h>
#include <string.h>

#include "api/api_internal.h"
#include "core/html.h"
#include "web/web_internal.h"

bool hv_web_is_staff(const struct hv_req *req)
{
	return req->role < HV_ROLE_PUBLIC;
}

/* A page never cached by a proxy, no framing, scripts and styles only from haven itself (tiles
 * may come from the configured tile server). */
#define CSP                                                                                        \
	"default-src 'self'; img-src 'self' data: https: http:; script-src 'self'; "               \
	"style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "               \
	"frame-ancestors 'none'"

struct hv_buf *hv_web_page_begin(struct hv_req *req, struct hv_resp *resp, int status,
				 const char *title)
{
	struct hv_buf *b = &resp->body;

	resp->status = status;
	resp->content_type = "text/html; charset=utf-8";
	hv_buf_reset(b);
	hv_resp_header(resp, "Content-Security-Policy", CSP);
	hv_resp_header(resp, "Cache-Control", "no-store");
	hv_resp_header(resp, "X-Content-Type-Options", "nosniff");
	hv_buf_adds(b, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		       "<title>");
	hv_html_escape(b, title);
	hv_buf_adds(b, " · haven</title>\n<link rel=\"stylesheet\" href=\"/static/haven.css\">\n"
		       "</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to content</a>\n"
		       "<header>\n<nav aria-label=\"Main\">\n<a href=\"/\">Zone map</a>\n");
	if (hv_web_is_staff(req)) {
		hv_buf_adds(b, "<a href=\"/properties\">Properties</a>\n"
			       "<a href=\"/imports\">Imports</a>\n");
		if (req->role == HV_ROLE_ADMIN)
			hv_buf_adds(b, "<a href=\"/admin/users\">Users</a>\n"
				       "<a href=\"/admin/tokens\">Tokens</a>\n");
		if (req->via_session) {
			hv_buf_adds(b,
				    "<form class=\"inline\" method=\"post\" action=\"/logout\">");
			hv_web_csrf_field(b, req);
			hv_buf_adds(b, "<button type=\"submit\">Sign out ");
			hv_html_escape(b, req->user_name);
			hv_buf_adds(b, "</button></form>\n");
		}
	} else {
		hv_buf_adds(b, "<a href=\"/login\">Staff sign-in</a>\n");
	}
	hv_buf_adds(b, "</nav>\n</header>\n<main id=\"main\">\n<h1>");
	hv_html_escape(b, title);
	hv_buf_adds(b, "</h1>\n");
	return b;
}

void hv_web_page_end(struct hv_buf *b, const char *scripts)
{
	hv_buf_adds(b, "</main>\n");
	if (scripts)
		hv_buf_adds(b, scripts);
	hv_buf_adds(b, "</body>\n</html>\n");
}

void hv_web_csrf_field(struct hv_buf *b, const struct hv_req *req)
{
	char csrf[HV_TOKEN_HEX_LEN];

	/* Only a cookie session needs one; a Bearer token is no ambient credential. */
	if (!req->via_session || !req->session_cookie)
		return;
	hv_api_csrf_of(req->session_cookie, csrf);
	hv_buf_adds(b, "<input type=\"hidden\" name=\"csrf_token\" value=\"");
	hv_buf_adds(b, csrf);
	hv_buf_adds(b, "\">");
}

void hv_web_message(struct hv_buf *b, const char *kind, const char *text)
{
	hv_buf_addf(b, "<p class=\"msg %s\" role=\"%s\">", kind,
		    strcmp(kind, "error") == 0 ? "alert" : "status");
	hv_html_escape(b, text);
	hv_buf_adds(b, "</p>\n");
}

void hv_web_page_error(void *ctx, const struct hv_req *req, struct hv_resp *resp)
{
	struct hv_req *r = (struct hv_req *)req;
	char detail[HV_ERR_MSG_MAX];
	const char *title;
	struct hv_buf *b;
	int status = resp->problem_status;

	(void)ctx;
	snprintf(detail, sizeof(detail), "%s", resp->problem_detail);
	switch (status) {
	case 400:
		title = "That request was not understood";
		break;
	case 401:
		title = "Please sign in";
		break;
	case 403:
		title = "Not allowed";
		break;
	case 404:
		title = "Not found";
		break;
	case 413:
		title = "That file is too large";
		break;
	case 429:
		title = "Too many attempts";
		break;
	default:
		title = status >= 500 ? "Something went wrong" : "That did not work";
	}
	b = hv_web_page_begin(r, resp, status, title);
	hv_web_message(b, "error", detail);
	if (status == 401)
		hv_buf_adds(b, "<p><a class=\"button\" href=\"/login\">Sign in</a></p>\n");
	else
		hv_buf_adds(b, "<p><a href=\"/\">Back to the zone map</a></p>\n");
	hv_web_page_end(b, NULL);
}
