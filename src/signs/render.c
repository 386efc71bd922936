/* SPDX-License-Identifier: Apache-2.0 */
/* Sign rendering with cairo (PDF and image surfaces) and pango (HarfBuzz shaping): page layout,
 * fitting each text to its box, the per-job cache of everything that is the same on every page
 * (font map, fitted translation layouts, seal surface) and the atomic PDF write. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include "core/buf.h"
#include "core/xalloc.h"
#include "signs/qr.h"
#include "signs/render.h"
#include "signs/template.h"
#include "core/banned.h"

/* Print shops ask for 1/8 in of bleed; the crop marks sit in a slug outside it. */
#define BLEED_PT 9.0
#define SLUG_PT	 18.0
/* Extents may differ from the box by rounding of pango units (1/1024 pt). */
#define FIT_EPS_PT 0.01

struct size_def {
	const char *name;
	double w_pt, h_pt;
};

static const struct size_def sizes[] = {
	{"letter", 612, 792},
	{"tabloid", 792, 1224},
	{"18x24", 18 * 72, 24 * 72},
	{"24x36", 24 * 72, 36 * 72},
};

/* One font map per thread, kept for the thread's life (pango's maps are not shared between
 * threads); a _Thread_local keeps it reachable for LeakSanitizer. */
static _Thread_local PangoFontMap *thread_fm;

/* Colours: a dark blue for bands and headings, black text. */
static const double blue[3] = {0.05, 0.22, 0.42};

struct box {
	double x, y, w, h;  /* the box on the trim page */
	double dx, dy;      /* where the layout's origin goes inside it */
	double font_pt;
	PangoLayout *layout;
	const char *family;
	bool bold, italic;
	int align;
	const char *role, *lang;
	const char *text;
	bool rtl;
};

struct block {
	enum hv_sign_lang lang;
	struct box heading, body, mark;
	bool has_mark;
	double x, y, w, h;
};

struct rd {
	const struct hv_sign_job *job;
	struct hv_sign_template *tpl;
	enum hv_sign_variant variant;
	double W, H;    /* trim size */
	double off;     /* trim origin on the media: bleed + slug, or 0 */
	double media_w, media_h;
	double m;       /* margin */
	double hb;      /* header band height */
	double bb;      /* bottom band height */
	double qx, qy, q; /* the QR square */
	PangoContext *ctx;
	cairo_surface_t *seal;
	double seal_x, seal_y, seal_size;
	struct box city, citation, serial, small;
	struct block blocks[HV_SIGN_LANGS_MAX];
	size_t n_blocks;
	struct hv_buf small_text, serial_text;
	double min_font_pt;
	size_t n_boxes;
};

bool hv_sign_size_pt(const char *size, double *w_pt, double *h_pt)
{
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (size && strcmp(size, sizes[i].name) == 0) {
			*w_pt = sizes[i].w_pt;
			*h_pt = sizes[i].h_pt;
			return true;
		}
	}
	return false;
}

/* ---- fitting ---- */

static void set_font(PangoLayout *l, const char *family, bool bold, bool italic, double pt)
{
	PangoFontDescription *fd = pango_font_description_new();

	pango_font_description_set_family(fd, family);
	pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_font_description_set_style(fd, italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);
	pango_font_description_set_absolute_size(fd, pt * PANGO_SCALE);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
}

/* The union of ink and logical extents, in points: what must lie inside the box (Nastaliq and
 * Devanagari marks reach past the logical lines). */
static void union_extents(PangoLayout *l, double *x0, double *y0, double *x1, double *y1)
{
	PangoRectangle ink, log;

	pango_layout_get_extents(l, &ink, &log);
	*x0 = fmin(ink.x, log.x) / (double)PANGO_SCALE;
	*y0 = fmin(ink.y, log.y) / (double)PANGO_SCALE;
	*x1 = fmax(ink.x + ink.width, log.x + log.width) / (double)PANGO_SCALE;
	*y1 = fmax(ink.y + ink.height, log.y + log.height) / (double)PANGO_SCALE;
}

static bool fits(PangoLayout *l, const struct box *b)
{
	double x0, y0, x1, y1;

	union_extents(l, &x0, &y0, &x1, &y1);
	/* The layout may be shifted (an italic's overhang past the right edge): only the size
	 * counts. */
	return x1 - x0 <= b->w + FIT_EPS_PT && y1 - y0 <= b->h + FIT_EPS_PT;
}

struct style {
	const char *family;
	const char *pango_lang; /* NULL: none */
	bool bold, italic;
	PangoAlignment align;
	bool vcenter;
};

/* Lays text out in b at the largest size <= max_pt that fits (wrapping at word, else character
 * boundaries); HV_ELIMIT when even HV_SIGN_MIN_FONT_PT does not, or when a glyph is missing. */
static int fit(struct rd *r, struct box *b, const char *text, const struct style *st,
	       double max_pt, struct hv_err *err)
{
	double lo = HV_SIGN_MIN_FONT_PT, hi = max_pt, x0, y0, x1, y1;
	int unknown;

	if (!b->layout) {
		b->layout = pango_layout_new(r->ctx);
		pango_layout_set_wrap(b->layout, PANGO_WRAP_WORD_CHAR);
		pango_layout_set_auto_dir(b->layout, TRUE);
		if (st->pango_lang) {
			PangoAttrList *al = pango_attr_list_new();

			pango_attr_list_insert(al, pango_attr_language_new(
							   pango_language_from_string(st->pango_lang)));
			pango_layout_set_attributes(b->layout, al);
			pango_attr_list_unref(al);
		}
	}
	b->text = text;
	b->family = st->family;
	b->bold = st->bold;
	b->italic = st->italic;
	b->align = st->align == PANGO_ALIGN_CENTER ? 1 : st->align == PANGO_ALIGN_RIGHT ? 2 : 0;
	pango_layout_set_text(b->layout, text, -1);
	pango_layout_set_width(b->layout, (int)floor(b->w * PANGO_SCALE));
	/* With auto direction, LEFT means the paragraph's start: right for Arabic and Urdu. */
	pango_layout_set_alignment(b->layout, st->align);
	if (hi < lo)
		hi = lo;
	set_font(b->layout, st->family, st->bold, st->italic, hi);
	if (!fits(b->layout, b)) {
		set_font(b->layout, st->family, st->bold, st->italic, lo);
		if (!fits(b->layout, b))
			return hv_err_set(err, HV_ELIMIT,
					  "%s%s%s text \"%.60s\" does not fit its %.0fx%.0f pt box "
					  "even at %.0f pt",
					  b->lang ? b->lang : "", b->lang ? " " : "", b->role, text,
					  b->w, b->h, HV_SIGN_MIN_FONT_PT);
		/* Text area grows with the square of the size: start the search near the size
		 * whose wrapped height would fill the box. */
		{
			double x0e, y0e, x1e, y1e, guess;

			set_font(b->layout, st->family, st->bold, st->italic, hi);
			union_extents(b->layout, &x0e, &y0e, &x1e, &y1e);
			guess = hi * sqrt(b->h / fmax(y1e - y0e, 1e-3));
			if (guess * 0.9 > lo && guess * 0.9 < hi) {
				set_font(b->layout, st->family, st->bold, st->italic, guess * 0.9);
				if (fits(b->layout, b))
					lo = guess * 0.9;
				else
					hi = guess * 0.9;
			}
		}
		/* Binary search to 1/10 pt. */
		while (hi - lo > 0.1) {
			double mid = (lo + hi) / 2;

			set_font(b->layout, st->family, st->bold, st->italic, mid);
			if (fits(b->layout, b))
				lo = mid;
			else
				hi = mid;
		}
		hi = lo;
		set_font(b->layout, st->family, st->bold, st->italic, hi);
	}
	b->font_pt = hi;
	unknown = pango_layout_get_unknown_glyphs_count(b->layout);
	if (unknown > 0)
		return hv_err_set(err, HV_ELIMIT,
				  "%s%s%s text \"%.60s\": %d character(s) no installed font draws "
				  "(fonts-noto-core, fonts-noto-cjk)",
				  b->lang ? b->lang : "", b->lang ? " " : "", b->role, text, unknown);
	union_extents(b->layout, &x0, &y0, &x1, &y1);
	b->dx = x0 < 0 ? -x0 : (x1 > b->w ? b->w - x1 : 0);
	b->dy = -y0;
	if (st->vcenter)
		b->dy += (b->h - (y1 - y0)) / 2;
	b->rtl = pango_layout_get_direction(b->layout, 0) == PANGO_DIRECTION_RTL;
	if (hi < r->min_font_pt)
		r->min_font_pt = hi;
	return HV_OK;
}

static void report(struct rd *r, const struct box *b, size_t page)
{
	struct hv_sign_box_info in = {0};
	PangoRectangle ink, log;

	r->n_boxes++;
	if (!r->job->on_box)
		return;
	pango_layout_get_extents(b->layout, &ink, &log);
	in.page = page;
	in.role = b->role;
	in.lang = b->lang;
	in.text = b->text;
	in.box_x = b->x;
	in.box_y = b->y;
	in.box_w = b->w;
	in.box_h = b->h;
	in.ink_x = b->x + b->dx + ink.x / (double)PANGO_SCALE;
	in.ink_y = b->y + b->dy + ink.y / (double)PANGO_SCALE;
	in.ink_w = ink.width / (double)PANGO_SCALE;
	in.ink_h = ink.height / (double)PANGO_SCALE;
	in.logical_x = b->x + b->dx + log.x / (double)PANGO_SCALE;
	in.logical_y = b->y + b->dy + log.y / (double)PANGO_SCALE;
	in.logical_w = log.width / (double)PANGO_SCALE;
	in.logical_h = log.height / (double)PANGO_SCALE;
	in.font_pt = b->font_pt;
	in.origin_x = b->x + b->dx;
	in.origin_y = b->y + b->dy;
	in.family = b->family;
	in.bold = b->bold;
	in.italic = b->italic;
	in.align = b->align;
	in.unknown_glyphs = pango_layout_get_unknown_glyphs_count(b->layout);
	in.rtl = b->rtl;
	r->job->on_box(r->job->box_ctx, &in);
}

/* ---- the per-job cache ---- */

static void box_set(struct box *b, const char *role, const char *lang, double x, double y,
		    double w, double h)
{
	b->role = role;
	b->lang = lang;
	b->x = x;
	b->y = y;
	b->w = w;
	b->h = h;
}

static void box_release(struct box *b)
{
	if (b->layout)
		g_object_unref(b->layout);
	b->layout = NULL;
}

static void rd_release(struct rd *r)
{
	box_release(&r->city);
	box_release(&r->citation);
	box_release(&r->serial);
	box_release(&r->small);
	for (size_t i = 0; i < r->n_blocks; i++) {
		box_release(&r->blocks[i].heading);
		box_release(&r->blocks[i].body);
		box_release(&r->blocks[i].mark);
	}
	if (r->seal)
		cairo_surface_destroy(r->seal);
	if (r->ctx)
		g_object_unref(r->ctx);
	hv_sign_template_free(r->tpl);
	hv_buf_release(&r->small_text);
	hv_buf_release(&r->serial_text);
	memset(r, 0, sizeof(*r));
}

struct png_reader {
	const unsigned char *p;
	size_t left;
};

static cairo_status_t png_read(void *closure, unsigned char *data, unsigned int length)
{
	struct png_reader *rd = closure;

	if (length > rd->left)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(data, rd->p, length);
	rd->p += length;
	rd->left -= length;
	return CAIRO_STATUS_SUCCESS;
}

static int check_job(const struct hv_sign_job *job, const struct hv_sign_page *pages,
		     size_t n_pages, double *w, double *h, enum hv_sign_variant *variant,
		     struct hv_err *err)
{
	bool seen[HV_LANG_COUNT] = {0};

	if (!job)
		return hv_err_set(err, HV_EINVAL, "no sign job");
	if (!job->size || !hv_sign_size_pt(job->size, w, h))
		return hv_err_set(err, HV_EINVAL,
				  "size \"%.32s\": unknown (letter, tabloid, 18x24, 24x36)",
				  job->size ? job->size : "");
	*variant = hv_sign_variant_parse(job->variant);
	if (*variant == HV_VARIANT_COUNT)
		return hv_err_set(err, HV_EINVAL,
				  "variant \"%.32s\": unknown (lot, building-public, non-public)",
				  job->variant ? job->variant : "");
	if (job->n_langs == 0 || !job->langs)
		return hv_err_set(err, HV_EINVAL, "no languages given");
	if (job->n_langs > HV_SIGN_LANGS_MAX)
		return hv_err_set(err, HV_EINVAL, "%zu languages: at most %d on a sign",
				  job->n_langs, HV_SIGN_LANGS_MAX);
	for (size_t i = 0; i < job->n_langs; i++) {
		enum hv_sign_lang l = hv_sign_lang_parse(job->langs[i]);

		if (l == HV_LANG_COUNT)
			return hv_err_set(err, HV_EINVAL,
					  "language \"%.32s\": unknown (en es pl zh-Hans zh-Hant ar "
					  "ur ko tl uk ru hi)",
					  job->langs[i] ? job->langs[i] : "");
		if (seen[l])
			return hv_err_set(err, HV_EINVAL, "language %s: given twice",
					  hv_sign_lang_info(l)->tag);
		seen[l] = true;
	}
	if (n_pages == 0 || !pages)
		return hv_err_set(err, HV_EINVAL, "no pages to render");
	if (n_pages > HV_SIGN_PAGES_MAX)
		return hv_err_set(err, HV_ELIMIT, "%zu pages: at most %d in one PDF", n_pages,
				  HV_SIGN_PAGES_MAX);
	for (size_t i = 0; i < n_pages; i++) {
		if (!pages[i].serial || !*pages[i].serial)
			return hv_err_set(err, HV_EINVAL, "page %zu: no serial", i + 1);
		if (!pages[i].url || !*pages[i].url)
			return hv_err_set(err, HV_EINVAL, "page %zu (serial %.64s): no url", i + 1,
					  pages[i].serial);
	}
	return HV_OK;
}

/* The page grid: header band, language blocks (one column up to 4 languages, else two), the
 * footer with the serial, the small print and the QR code. All in fractions of the trim size,
 * so every size is the same design scaled. */
static void plan(struct rd *r)
{
	double W = r->W, H = r->H, m, x0, cw, top, bottom, g, bw, bh;
	size_t n = r->n_blocks, cols = n <= 4 ? 1 : 2, rows = (n + cols - 1) / cols;

	r->m = m = 0.045 * W;
	r->hb = 0.12 * H;
	r->bb = 0.012 * H;
	x0 = m;
	cw = W - 2 * m;
	r->seal_size = r->tpl->seal_png ? 0.76 * r->hb : 0;
	r->seal_x = m;
	r->seal_y = (r->hb - r->seal_size) / 2;
	{
		double tx = m + (r->seal_size > 0 ? r->seal_size + m / 2 : 0);

		box_set(&r->city, "city", NULL, tx, 0.12 * r->hb, W - m - tx, 0.5 * r->hb);
		box_set(&r->citation, "citation", NULL, tx, 0.64 * r->hb, W - m - tx,
			0.26 * r->hb);
	}
	r->q = 0.2 * W;
	r->qx = W - m - r->q;
	r->qy = H - r->bb - 0.4 * m - r->q;
	box_set(&r->serial, "serial", NULL, x0, r->qy, cw - r->q - m / 2, 0.3 * r->q);
	box_set(&r->small, "small", NULL, x0, r->qy + 0.34 * r->q, cw - r->q - m / 2,
		0.66 * r->q);
	top = r->hb + 0.8 * m;
	bottom = r->qy - 0.6 * m;
	g = 0.5 * m;
	bw = (cw - (double)(cols - 1) * g) / (double)cols;
	bh = (bottom - top - (double)(rows - 1) * g) / (double)rows;
	for (size_t i = 0; i < n; i++) {
		struct block *b = &r->blocks[i];
		const char *tag = hv_sign_lang_info(b->lang)->tag;
		double bx = x0 + (double)(i % cols) * (bw + g);
		double by = top + (double)(i / cols) * (bh + g);
		double body_h = (b->has_mark ? 0.54 : 0.64) * bh;

		b->x = bx;
		b->y = by;
		b->w = bw;
		b->h = bh;
		box_set(&b->heading, "heading", tag, bx, by + 0.04 * bh, bw, 0.28 * bh);
		box_set(&b->body, "body", tag, bx, by + 0.34 * bh, bw, body_h);
		box_set(&b->mark, "mark", tag, bx, by + 0.9 * bh, bw, 0.1 * bh);
	}
}

static int rd_init(struct rd *r, struct hv_store *s, const struct hv_sign_job *job,
		   const struct hv_sign_page *pages, size_t n_pages, struct hv_err *err)
{
	cairo_font_options_t *fo;
	int rc;

	memset(r, 0, sizeof(*r));
	hv_buf_init(&r->small_text, 16384);
	hv_buf_init(&r->serial_text, 1024);
	r->job = job;
	r->min_font_pt = 1e9;
	if ((rc = check_job(job, pages, n_pages, &r->W, &r->H, &r->variant, err)))
		return rc;
	if ((rc = hv_sign_template_load(s, job->template_name, job->template_version, &r->tpl,
					err)))
		return rc;
	for (size_t i = 0; i < job->n_langs; i++) {
		enum hv_sign_lang l = hv_sign_lang_parse(job->langs[i]);

		if (!r->tpl->texts[l].present)
			return hv_err_set(err, HV_EINVAL,
					  "language %s: template %s (version %lld) has no text in it",
					  hv_sign_lang_info(l)->tag, r->tpl->name,
					  (long long)r->tpl->version);
		r->blocks[r->n_blocks].lang = l;
		r->blocks[r->n_blocks].has_mark = !r->tpl->texts[l].reviewed;
		r->n_blocks++;
	}
	r->off = job->bleed ? BLEED_PT + SLUG_PT : 0;
	r->media_w = r->W + 2 * r->off;
	r->media_h = r->H + 2 * r->off;
	if (r->tpl->seal_png) {
		struct png_reader pr = {r->tpl->seal_png, r->tpl->seal_len};

		r->seal = cairo_image_surface_create_from_png_stream(png_read, &pr);
		if (cairo_surface_status(r->seal) != CAIRO_STATUS_SUCCESS)
			return hv_err_set(err, HV_EINVAL, "template %s: seal image: %s", r->tpl->name,
					  cairo_status_to_string(cairo_surface_status(r->seal)));
	}
	/* The thread's font map: fonts found and loaded once serve every later job (the CJK
	 * faces alone take a second to open). Unhinted metrics: the layout is the same on the PDF
	 * and on a raster of any resolution, so what the tests measure is what prints. */
	if (!thread_fm)
		thread_fm = pango_cairo_font_map_new();
	r->ctx = pango_font_map_create_context(thread_fm);
	fo = cairo_font_options_create();
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	pango_cairo_context_set_font_options(r->ctx, fo);
	cairo_font_options_destroy(fo);
	pango_cairo_context_set_resolution(r->ctx, 72);
	plan(r);
	return HV_OK;
}

/* Fits the texts that are the same on every page: the header and each language's block. The
 * headings share one size, and so do the bodies, so no language looks less important. */
static int fit_static(struct rd *r, struct hv_err *err)
{
	const struct hv_sign_template *t = r->tpl;
	struct style city = {"Noto Sans", NULL, true, false, PANGO_ALIGN_LEFT, true};
	struct style cite = {"Noto Sans", NULL, false, false, PANGO_ALIGN_LEFT, true};
	double head_pt = 1e9, body_pt = 1e9;
	int rc;

	if ((rc = fit(r, &r->city, t->city, &city, 0.5 * r->hb, err)) ||
	    (rc = fit(r, &r->citation, t->citation, &cite, 0.15 * r->hb, err)))
		return rc;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < r->n_blocks; i++) {
			struct block *b = &r->blocks[i];
			const struct hv_sign_lang_info *li = hv_sign_lang_info(b->lang);
			const struct hv_sign_text *tx = &t->texts[b->lang];
			struct style hs = {li->family, li->pango, true, false, PANGO_ALIGN_CENTER,
					   true};
			struct style bs = {li->family, li->pango, false, false, PANGO_ALIGN_LEFT,
					   false};
			struct style ms = {"Noto Sans", NULL, false, true, PANGO_ALIGN_LEFT, false};

			if ((rc = fit(r, &b->heading, tx->heading, &hs,
				      pass ? head_pt : fmin(0.06 * r->W, 0.3 * b->h), err)) ||
			    (rc = fit(r, &b->body, tx->body[r->variant], &bs,
				      pass ? body_pt : fmin(0.045 * r->W, 0.25 * b->h), err)))
				return rc;
			if (b->has_mark) {
				ms.align = li->rtl ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT;
				if ((rc = fit(r, &b->mark, t->unreviewed_mark, &ms,
					      fmin(0.016 * r->W, 0.08 * b->h), err)))
					return rc;
			}
			if (!pass) {
				head_pt = fmin(head_pt, b->heading.font_pt);
				body_pt = fmin(body_pt, b->body.font_pt);
			}
		}
	}
	return HV_OK;
}

/* Fits the serial and the small print of one page. */
static int fit_page(struct rd *r, const struct hv_sign_page *p, size_t index, struct hv_err *err)
{
	static const char small_family[] =
		"Noto Sans, Noto Serif CJK SC, Noto Naskh Arabic, Noto Sans Devanagari";
	struct style ser = {"Noto Sans", NULL, true, false, PANGO_ALIGN_LEFT, true};
	struct style sm = {small_family, NULL, false, false, PANGO_ALIGN_LEFT, false};
	struct hv_buf *b = &r->small_text;
	int rc;

	hv_buf_reset(&r->serial_text);
	hv_buf_addf(&r->serial_text, "Serial %s", p->serial);
	hv_buf_reset(b);
	if (p->property_name && *p->property_name)
		hv_buf_addf(b, "%s\n", p->property_name);
	if (p->address && *p->address)
		hv_buf_addf(b, "%s\n", p->address);
	if (p->source_id && *p->source_id)
		hv_buf_addf(b, "Source id %s\n", p->source_id);
	hv_buf_addf(b, "Verify this sign: %s", p->url);
	if (r->serial_text.failed || b->failed)
		return hv_err_set(err, HV_ELIMIT, "page %zu (serial %.64s): small print too long",
				  index + 1, p->serial);
	/* Control characters would draw as boxes: the small print is data from imports. */
	for (size_t i = 0; i < b->len; i++)
		if ((unsigned char)b->data[i] < 0x20 && b->data[i] != '\n')
			b->data[i] = ' ';
	for (size_t i = 0; i < r->serial_text.len; i++)
		if ((unsigned char)r->serial_text.data[i] < 0x20)
			r->serial_text.data[i] = ' ';
	if ((rc = fit(r, &r->serial, r->serial_text.data, &ser, 0.16 * r->q, err)) ||
	    (rc = fit(r, &r->small, b->data, &sm, 0.085 * r->q, err)))
		return hv_err_prefix(err, rc, "page %zu (serial %.64s)", index + 1, p->serial);
	return HV_OK;
}

/* ---- drawing ---- */

static void show(cairo_t *cr, const struct box *b, const double rgb[3])
{
	cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
	cairo_move_to(cr, b->x + b->dx, b->y + b->dy);
	pango_cairo_show_layout(cr, b->layout);
}

static void crop_marks(cairo_t *cr, const struct rd *r)
{
	double W = r->W, H = r->H, gap = BLEED_PT + 2, len = SLUG_PT - 4;

	cairo_save(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 0.25);
	for (int cx = 0; cx < 2; cx++) {
		for (int cy = 0; cy < 2; cy++) {
			double x = cx ? W : 0, y = cy ? H : 0, sx = cx ? 1 : -1, sy = cy ? 1 : -1;

			cairo_move_to(cr, x + sx * gap, y);
			cairo_line_to(cr, x + sx * (gap + len), y);
			cairo_move_to(cr, x, y + sy * gap);
			cairo_line_to(cr, x, y + sy * (gap + len));
		}
	}
	cairo_stroke(cr);
	cairo_restore(cr);
}

static int draw_page(struct rd *r, cairo_t *cr, const struct hv_sign_page *p, struct hv_err *err)
{
	static const double white[3] = {1, 1, 1}, black[3] = {0, 0, 0};
	double bl = r->job->bleed ? BLEED_PT : 0;
	int rc;

	cairo_save(cr);
	cairo_translate(cr, r->off, r->off);
	/* The bands run into the bleed, so a trim a little off leaves no white edge. */
	cairo_set_source_rgb(cr, blue[0], blue[1], blue[2]);
	cairo_rectangle(cr, -bl, -bl, r->W + 2 * bl, r->hb + bl);
	cairo_rectangle(cr, -bl, r->H - r->bb, r->W + 2 * bl, r->bb + bl);
	cairo_fill(cr);
	if (r->seal) {
		double sw = cairo_image_surface_get_width(r->seal);

		cairo_save(cr);
		cairo_translate(cr, r->seal_x, r->seal_y);
		cairo_scale(cr, r->seal_size / sw, r->seal_size / sw);
		cairo_set_source_surface(cr, r->seal, 0, 0);
		cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
		cairo_paint(cr);
		cairo_restore(cr);
	}
	show(cr, &r->city, white);
	show(cr, &r->citation, white);
	for (size_t i = 0; i < r->n_blocks; i++) {
		const struct block *b = &r->blocks[i];

		cairo_set_source_rgb(cr, blue[0], blue[1], blue[2]);
		cairo_rectangle(cr, b->x, b->y, b->w, fmax(0.75, 0.004 * r->W));
		cairo_fill(cr);
		show(cr, &b->heading, blue);
		show(cr, &b->body, black);
		if (b->has_mark)
			show(cr, &b->mark, black);
	}
	show(cr, &r->serial, black);
	show(cr, &r->small, black);
	rc = hv_signs_qr_draw(cr, p->url, r->qx, r->qy, r->q, err);
	cairo_restore(cr);
	if (rc)
		return hv_err_prefix(err, rc, "serial %.64s", p->serial);
	if (r->job->bleed) {
		cairo_save(cr);
		cairo_translate(cr, r->off, r->off);
		crop_marks(cr, r);
		cairo_restore(cr);
	}
	return HV_OK;
}

static void report_static(struct rd *r)
{
	report(r, &r->city, 0);
	report(r, &r->citation, 0);
	for (size_t i = 0; i < r->n_blocks; i++) {
		report(r, &r->blocks[i].heading, 0);
		report(r, &r->blocks[i].body, 0);
		if (r->blocks[i].has_mark)
			report(r, &r->blocks[i].mark, 0);
	}
}

static void fill_stats(struct rd *r, size_t n_pages)
{
	struct hv_sign_render_stats *st = r->job->stats;

	if (!st)
		return;
	st->n_pages = n_pages;
	st->n_boxes = r->n_boxes;
	st->min_font_pt = r->min_font_pt;
	st->template_version = r->tpl->version;
	st->media_w_pt = r->media_w;
	st->media_h_pt = r->media_h;
}

/* ---- output ---- */

struct sink {
	FILE *f;
	bool failed;
};

static cairo_status_t sink_write(void *closure, const unsigned char *data, unsigned int length)
{
	struct sink *k = closure;

	if (fwrite(data, 1, length, k->f) != length) {
		k->failed = true;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	return CAIRO_STATUS_SUCCESS;
}

/* A temp file beside out_path (same file system, so the rename is atomic). */
static int open_temp(const char *out_path, struct hv_buf *tmp, FILE **f, struct hv_err *err)
{
	int fd;

	hv_buf_addf(tmp, "%s.tmp.XXXXXX", out_path);
	if (tmp->failed)
		return hv_err_set(err, HV_EINVAL, "output path too long");
	fd = mkstemp(tmp->data);
	if (fd < 0)
		return hv_err_set(err, HV_EIO, "%s: cannot create: %s", out_path, strerror(errno));
	*f = fdopen(fd, "wb");
	if (!*f) {
		close(fd);
		unlink(tmp->data);
		return hv_err_set(err, HV_EIO, "%s: %s", out_path, strerror(errno));
	}
	return HV_OK;
}

int hv_signs_render_pdf(struct hv_store *s, const struct hv_sign_job *job,
			const struct hv_sign_page *pages, size_t n_pages, const char *out_path,
			struct hv_err *err)
{
	struct rd r;
	struct hv_buf tmp;
	struct sink k = {0};
	cairo_surface_t *surf = NULL;
	cairo_t *cr = NULL;
	bool have_tmp = false;
	int rc;

	hv_buf_init(&tmp, 4096);
	if ((rc = rd_init(&r, s, job, pages, n_pages, err)) || (rc = fit_static(&r, err)))
		goto out;
	if (!out_path || !*out_path) {
		rc = hv_err_set(err, HV_EINVAL, "no output file");
		goto out;
	}
	if ((rc = open_temp(out_path, &tmp, &k.f, err)))
		goto out;
	have_tmp = true;
	surf = cairo_pdf_surface_create_for_stream(sink_write, &k, r.media_w, r.media_h);
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, "haven signs");
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "haven");
	cr = cairo_create(surf);
	report_static(&r);
	for (size_t i = 0; i < n_pages; i++) {
		if ((rc = fit_page(&r, &pages[i], i, err)))
			goto out;
		report(&r, &r.serial, i);
		report(&r, &r.small, i);
		if ((rc = draw_page(&r, cr, &pages[i], err)))
			goto out;
		cairo_show_page(cr);
	}
	cairo_destroy(cr);
	cr = NULL;
	cairo_surface_finish(surf);
	if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS || k.failed) {
		rc = hv_err_set(err, HV_EIO, "%s: writing the PDF failed: %s", out_path,
				k.failed ? strerror(errno)
					 : cairo_status_to_string(cairo_surface_status(surf)));
		goto out;
	}
	if (fflush(k.f) != 0 || fsync(fileno(k.f)) != 0) {
		rc = hv_err_set(err, HV_EIO, "%s: %s", out_path, strerror(errno));
		goto out;
	}
	if (fclose(k.f) != 0) {
		k.f = NULL;
		rc = hv_err_set(err, HV_EIO, "%s: %s", out_path, strerror(errno));
		goto out;
	}
	k.f = NULL;
	if (rename(tmp.data, out_path) != 0) {
		rc = hv_err_set(err, HV_EIO, "%s: %s", out_path, strerror(errno));
		goto out;
	}
	have_tmp = false;
	fill_stats(&r, n_pages);
out:
	if (cr)
		cairo_destroy(cr);
	if (surf)
		cairo_surface_destroy(surf);
	if (k.f)
		fclose(k.f);
	if (have_tmp)
		unlink(tmp.data);
	hv_buf_release(&tmp);
	rd_release(&r);
	return rc;
}

int hv_signs_render_png(struct hv_store *s, const struct hv_sign_job *job,
			const struct hv_sign_page *pages, size_t n_pages, size_t index,
			double dpi, const char *out_path, struct hv_err *err)
{
	struct rd r;
	struct hv_buf tmp;
	cairo_surface_t *surf = NULL;
	cairo_t *cr = NULL;
	cairo_status_t cs;
	double scale = dpi / 72.0;
	int rc;

	hv_buf_init(&tmp, 4096);
	if ((rc = rd_init(&r, s, job, pages, n_pages, err)) || (rc = fit_static(&r, err)))
		goto out;
	if (index >= n_pages || !(dpi >= 10 && dpi <= 600)) {
		rc = hv_err_set(err, HV_EINVAL, "page %zu at %.0f dpi: out of range", index + 1, dpi);
		goto out;
	}
	if ((rc = fit_page(&r, &pages[index], index, err)))
		goto out;
	/* pdftoppm rounds the page's pixel size up; 1e-6 absorbs 1296 * 88 / 72 = 1584.0000001. */
	surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)ceil(r.media_w * scale - 1e-6),
					  (int)ceil(r.media_h * scale - 1e-6));
	cr = cairo_create(surf);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_scale(cr, scale, scale);
	if ((rc = draw_page(&r, cr, &pages[index], err)))
		goto out;
	cairo_surface_flush(surf);
	hv_buf_addf(&tmp, "%s.tmp", out_path);
	cs = cairo_surface_write_to_png(surf, tmp.data);
	if (cs != CAIRO_STATUS_SUCCESS || rename(tmp.data, out_path) != 0) {
		unlink(tmp.data);
		rc = hv_err_set(err, HV_EIO, "%s: cannot write the PNG: %s", out_path,
				cs != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(cs)
							   : strerror(errno));
		goto out;
	}
	fill_stats(&r, 1);
out:
	if (cr)
		cairo_destroy(cr);
	if (surf)
		cairo_surface_destroy(surf);
	hv_buf_release(&tmp);
	rd_release(&r);
	return rc;
}
