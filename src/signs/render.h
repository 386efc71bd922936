/* SPDX-License-Identifier: Apache-2.0 */
/* Sign rendering: one print-ready PDF per print run, one page per sign (cairo + pango with
 * HarfBuzz shaping, Noto fonts named per script, a QR code of each sign's URL). No cairo or
 * pango type leaves src/signs. */
#ifndef HV_SIGNS_RENDER_H
#define HV_SIGNS_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct hv_store;

/* One sign = one page. Strings are borrowed for the call. */
struct hv_sign_page {
	const char *serial; /* printed in text */
	const char *url;    /* the QR code's content: PUBLIC_URL/s/SERIAL */
	const char *property_name, *address, *source_id; /* small print; NULL allowed */
};

/* What a text box held once laid out, for checking (tests) and reporting. */
struct hv_sign_box_info {
	size_t page;      /* 0-based page index */
	const char *role; /* "city", "citation", "heading", "body", "mark", "serial", "small" */
	const char *lang; /* BCP 47 tag of a translation's text; NULL for the others */
	const char *text; /* the text as laid out */
	double box_x, box_y, box_w, box_h;         /* the box, in points on the page */
	double ink_x, ink_y, ink_w, ink_h;         /* pango's ink extents, page points */
	double logical_x, logical_y, logical_w, logical_h; /* pango's logical extents */
	double font_pt;       /* the size the text was fitted at */
	double origin_x, origin_y; /* where the layout's top left was drawn */
	const char *family;   /* the font families asked for */
	bool bold, italic;
	int align;            /* 0: start (left with auto direction), 1: centre, 2: right */
	int unknown_glyphs;   /* pango_layout_get_unknown_glyphs_count */
	bool rtl;             /* the paragraph's resolved direction is right-to-left */
};

/* Called once per text box per page (the language blocks, shared by every page, on page 0
 * only). The pointers are valid during the call. */
typedef void hv_sign_box_fn(void *ctx, const struct hv_sign_box_info *info);

/* Figures from a render. */
struct hv_sign_render_stats {
	size_t n_pages;
	size_t n_boxes;
	double min_font_pt;    /* the smallest type on any page */
	int64_t template_version; /* 0: the built-in default */
	double media_w_pt, media_h_pt; /* the PDF page size (trim, plus bleed and marks) */
};

struct hv_sign_job {
	const char *template_name; /* "city" (city property) or "private" (private opt-in) */
	const char *size;          /* "letter" | "tabloid" | "18x24" | "24x36" */
	const char *variant;       /* "lot" | "building-public" | "non-public" */
	const char *const *langs;  /* BCP 47: en es pl zh-Hans zh-Hant ar ur ko tl uk ru hi */
	size_t n_langs;
	bool bleed;                /* bleed + crop marks for a print shop */
	/* Optional: */
	int64_t template_version;  /* 0: the current version (or the built-in default) */
	hv_sign_box_fn *on_box;    /* sees every laid-out text */
	void *box_ctx;
	struct hv_sign_render_stats *stats; /* filled on success */
};

#define HV_SIGN_LANGS_MAX 12
#define HV_SIGN_PAGES_MAX 100000
#define HV_SIGN_MIN_FONT_PT 4.0 /* a text that fits only below this is refused */

/* Renders one PDF, one page per sign, to out_path (written to a temp file and renamed: a failure
 * leaves no partial PDF). Templates come from the store (the current version) or the built-in
 * defaults when the store has none (s may be NULL: built-ins only). HV_EINVAL naming an unknown
 * size/variant/language/template, a language the template lacks, a page without serial or url;
 * HV_ELIMIT naming a text that fits its box only below HV_SIGN_MIN_FONT_PT, or a text with
 * characters no installed font draws (a sign never prints a blank); HV_EIO naming out_path. */
int hv_signs_render_pdf(struct hv_store *s, const struct hv_sign_job *job,
			const struct hv_sign_page *pages, size_t n_pages, const char *out_path,
			struct hv_err *err);

/* Renders page `index` of the same job to a PNG at dpi (cairo's image surface; the raster a PDF
 * viewer should match), white background, to out_path. Same errors. */
int hv_signs_render_png(struct hv_store *s, const struct hv_sign_job *job,
			const struct hv_sign_page *pages, size_t n_pages, size_t index,
			double dpi, const char *out_path, struct hv_err *err);

/* The trim size in points of a size name; false when unknown. */
bool hv_sign_size_pt(const char *size, double *w_pt, double *h_pt);

#endif
