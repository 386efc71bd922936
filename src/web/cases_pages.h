/* SPDX-License-Identifier: Apache-2.0 */
/* The accountability pages, server-rendered HTML that works without JavaScript: the warrant
 * checklist (/checklist) and its printable pocket card (/checklist/card), the phone-first report
 * form (/report), the law department's dashboard (/cases) and case page (/cases/{id}) with the
 * packet button. */
#ifndef HV_WEB_CASES_PAGES_H
#define HV_WEB_CASES_PAGES_H

#include "core/err.h"
#include "http/http.h"

struct hv_api;
struct hv_cases_pages;

/* What the pages need from the API: filing a report from a form body (urlencoded), resolving
 * its place, writing a packet. Set by api_cases.c. */
struct hv_cases_pages_ops {
	/* Files the JSON report body as the API does; *id gets the incident. On failure err
	 * names the field and the return is the status. */
	int (*file_report)(void *ctx, struct hv_req *req, const char *json, size_t len, int64_t *id,
			   struct hv_err *err);
	/* Writes the packet of a case under the configured folder; path_out gets its folder. */
	int (*write_packet)(void *ctx, struct hv_req *req, int64_t case_id, char *path_out,
			    size_t cap, struct hv_err *err);
	void *ctx;
};

/* Adds the page routes to r. ops is copied. */
int hv_cases_pages_register(struct hv_router *r, const struct hv_cases_pages_ops *ops,
			    struct hv_cases_pages **out, struct hv_err *err);
void hv_cases_pages_free(struct hv_cases_pages *p);


#endif
