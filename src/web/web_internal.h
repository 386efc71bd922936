/* SPDX-License-Identifier: Apache-2.0 */
/* Shared between the page files: the web state and the HTML frame helpers. */
#ifndef HV_WEB_WEB_INTERNAL_H
#define HV_WEB_WEB_INTERNAL_H

#include <stdbool.h>

#include "web/web.h"

struct hv_web {
	struct hv_api *api;
	char *tile_url, *tile_attribution;
	char *static_dir;  /* haven.css, map.js */
	char *leaflet_dir; /* node_modules/leaflet/dist; NULL when not found */
};

/* True for any signed-in role (not the public). */
bool hv_web_is_staff(const struct hv_req *req);
/* Starts an HTML answer: status, headers (CSP, no-store), the frame with the navigation for
 * req's role, and an <h1> of title. Returns the body to append to. */
struct hv_buf *hv_web_page_begin(struct hv_req *req, struct hv_resp *resp, int status,
				 const char *title);
/* Closes the page; scripts (NULL: none) go before </body>. */
void hv_web_page_end(struct hv_buf *b, const char *scripts);
/* The hidden csrf_token field of req's session (nothing for a token or the public). */
void hv_web_csrf_field(struct hv_buf *b, const struct hv_req *req);
/* <p class="msg KIND"> with text escaped; kind "error" is an alert, others a status. */
void hv_web_message(struct hv_buf *b, const char *kind, const char *text);
/* The router's renderer of problems on page routes. */
void hv_web_page_error(void *ctx, const struct hv_req *req, struct hv_resp *resp);

int hv_web_staff_register(struct hv_web *web, struct hv_router *r, struct hv_err *err);
int hv_web_admin_register(struct hv_web *web, struct hv_router *r, struct hv_err *err);

#endif
