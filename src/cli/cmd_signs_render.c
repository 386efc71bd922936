/* SPDX-License-Identifier: Apache-2.0 */
/* The render step of `haven signs print` and `signs render`: a print run's signs, one page
 * each, into one PDF through the renderer (src/signs/render.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_signs.h"
#include "core/banned.h"
#include "core/xalloc.h"
#include "signs/render.h"
#include "signs/signs.h"

struct page_buf {
	struct hv_sign_page page;
	char serial[HV_SIGN_SERIAL_MAX];
	char url[HV_SIGN_URL_MAX + HV_SIGN_SERIAL_MAX + 8];
	char *name, *address, *source_id;
};

struct collect {
	struct hv_store *s;
	const struct hv_sign_run *run;
	struct page_buf *p;
	size_t n, cap;
	int rc;
	struct hv_err *err;
};

static char *dup_or_null(const char *s)
{
	return s && *s ? hv_xstrdup(s) : NULL;
}

static int page_cb(void *ctx, const struct hv_sign_row *r)
{
	struct collect *c = ctx;
	struct page_buf *pb;
	size_t ulen = strlen(c->run->public_url);

	c->p = hv_xgrow(c->p, &c->cap, c->n + 1, sizeof(*c->p));
	pb = &c->p[c->n++];
	memset(pb, 0, sizeof(*pb));
	snprintf(pb->serial, sizeof(pb->serial), "%s", r->serial);
	while (ulen && c->run->public_url[ulen - 1] == '/')
		ulen--;
	snprintf(pb->url, sizeof(pb->url), "%.*s/s/%s", (int)ulen, c->run->public_url, r->serial);
	if (r->property_id) {
		struct hv_property p;

		if ((c->rc = hv_store_property_get(c->s, r->property_id, 0, &p, c->err)))
			return 1;
		pb->name = dup_or_null(p.name);
		pb->address = dup_or_null(p.address);
		pb->source_id = dup_or_null(p.source_key);
		hv_property_release(&p);
	} else if (r->optin_id) {
		struct hv_sign_optin o;

		if ((c->rc = hv_store_sign_optin_get(c->s, r->optin_id, &o, c->err)))
			return 1;
		pb->name = dup_or_null(o.organisation);
		pb->address = dup_or_null(o.address);
	}
	return 0;
}

int hv_cli_signs_render(struct hv_store *s, int64_t run_id, const char *out_path, bool bleed,
			struct hv_err *err)
{
	struct hv_sign_run run;
	struct collect c = {.s = s, .run = &run, .err = err};
	struct hv_sign_page *pages = NULL;
	const char *langs[HV_SIGN_LANGS_MAX];
	char lbuf[HV_SIGN_LANGS_TEXT_MAX];
	char *save = NULL, *tok;
	struct hv_sign_job job = {0};
	int rc;

	if ((rc = hv_store_sign_run_get(s, run_id, &run, err)))
		return rc;
	snprintf(lbuf, sizeof(lbuf), "%s", run.langs);
	for (tok = strtok_r(lbuf, ",", &save); tok && job.n_langs < HV_SIGN_LANGS_MAX;
	     tok = strtok_r(NULL, ",", &save))
		langs[job.n_langs++] = tok;
	job.template_name = run.template_name;
	job.size = run.size;
	job.variant = run.variant;
	job.langs = langs;
	job.bleed = bleed;
	rc = hv_store_sign_each(s, 0, run_id, NULL, page_cb, &c, err);
	if (rc > 0)
		rc = c.rc;
	if (rc)
		goto out;
	pages = hv_xcalloc(c.n + 1, sizeof(*pages));
	for (size_t i = 0; i < c.n; i++) {
		pages[i].serial = c.p[i].serial;
		pages[i].url = c.p[i].url;
		pages[i].property_name = c.p[i].name;
		pages[i].address = c.p[i].address;
		pages[i].source_id = c.p[i].source_id;
	}
	rc = hv_signs_render_pdf(s, &job, pages, c.n, out_path, err);
out:
	for (size_t i = 0; i < c.n; i++) {
		free(c.p[i].name);
		free(c.p[i].address);
		free(c.p[i].source_id);
	}
	free(c.p);
	free(pages);
	return rc;
}
