/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/signs/render.h: every built-in template in every language, size and
 * variant, checked through pango (no missing glyph, no text outside its box) and in the PDF
 * itself: pdftotext finds every translation, a pdftoppm raster matches cairo's own raster of the
 * page, zbarimg decodes each QR code to the sign's URL. Bad jobs are refused by name and leave
 * no file behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <cairo.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/xalloc.h"
#include "signs/render.h"
#include "signs/template.h"
#include "store/sign_templates.h"
#include "store/store.h"

#include "core/banned.h"

static const char *const all_langs[] = {"en", "es", "pl", "zh-Hans", "zh-Hant", "ar",
					"ur", "ko", "tl", "uk", "ru", "hi"};
static const char *const all_sizes[] = {"letter", "tabloid", "18x24", "24x36"};
static const char *const all_variants[] = {"lot", "building-public", "non-public"};

struct fx {
	char dir[256];
};

static int setup(void **state)
{
	struct fx *f = hv_xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/hv_test_render_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* ---- reading the PDF back ---- */

/* Runs cmd and returns its stdout (caller frees); fails the test on a non-zero exit. */
static char *run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	struct hv_buf b;
	char chunk[8192];
	size_t n;
	int st;

	assert_non_null(p);
	hv_buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		hv_buf_add(&b, chunk, n);
	st = pclose(p);
	if (st != 0)
		fail_msg("command failed (%d): %s", st, cmd);
	return hv_buf_detach(&b, NULL);
}

/* Length of the bidi control or whitespace character at s, or 0: LRM, RLM, LRE..RLO, LRI..PDI
 * and ASCII whitespace, which pdftotext inserts and moves. */
static size_t skippable(const unsigned char *s)
{
	if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r' || *s == '\f')
		return 1;
	if (s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0x8e || s[2] == 0x8f || (s[2] >= 0xaa && s[2] <= 0xae)))
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9)
		return 3;
	return 0;
}

/* s without whitespace and bidi controls (caller frees). */
static char *squeeze(const char *s, size_t len)
{
	char *o = hv_xmalloc(len + 1);
	size_t n = 0;

	for (size_t i = 0; i < len;) {
		size_t k = skippable((const unsigned char *)s + i);

		if (k) {
			i += k;
			continue;
		}
		o[n++] = s[i++];
	}
	o[n] = '\0';
	return o;
}

/* Decodes UTF-8 (valid: it came from jansson or pdftotext) into code points; caller frees. */
static uint32_t *codepoints(const char *s, size_t len, size_t *n)
{
	uint32_t *o = hv_xmalloc(sizeof(uint32_t) * (len + 1));
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	*n = 0;
	while (p < end) {
		uint32_t c = *p;
		int k = c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;

		c = k == 0 ? c : k == 1 ? (c & 0x1f) : k == 2 ? (c & 0x0f) : (c & 0x07);
		p++;
		for (int i = 0; i < k && p < end; i++, p++)
			c = (c << 6) | (*p & 0x3f);
		o[(*n)++] = c;
	}
	return o;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Does hay hold word's letters next to each other, in any order? pdftotext may give the
 * letters of a Nastaliq ligature out of logical order ("یلے" for "لیے"): every letter is in
 * the PDF, which is what this checks. */
static bool word_in_any_order(const char *hay, const char *word)
{
	size_t nh, nw;
	uint32_t *h = codepoints(hay, strlen(hay), &nh), *w = codepoints(word, strlen(word), &nw);
	uint32_t *win = hv_xmalloc(sizeof(uint32_t) * (nw + 1));
	bool found = false;

	qsort(w, nw, sizeof(*w), cmp_u32);
	for (size_t i = 0; !found && nw && i + nw <= nh; i++) {
		memcpy(win, h + i, sizeof(*win) * nw);
		qsort(win, nw, sizeof(*win), cmp_u32);
		found = memcmp(win, w, sizeof(*w) * nw) == 0;
	}
	free(h);
	free(w);
	free(win);
	return found;
}

/* Is text in the squeezed extraction hay? Right-to-left text with Latin inside it (the city's
 * name) comes out of a PDF in visual order across direction changes, so for it each run of
 * non-ASCII text and each ASCII word must be there, in any order between runs. */
static bool text_in(const char *hay, const char *text, bool rtl, char *why, size_t why_cap)
{
	size_t n = strlen(text);

	if (!rtl) {
		char *t = squeeze(text, n);
		bool ok = strstr(hay, t) != NULL;

		if (!ok)
			snprintf(why, why_cap, "%s", t);
		free(t);
		return ok;
	}
	for (size_t i = 0; i < n;) {
		size_t j = i;
		bool ascii = (unsigned char)text[i] < 0x80;
		char *t;
		bool ok;

		while (j < n && ((unsigned char)text[j] < 0x80) == ascii)
			j++;
		if (ascii) {
			/* The ASCII words (letters and digits) of the run. */
			for (size_t a = i; a < j;) {
				size_t b = a;

				while (b < j && ((text[b] >= 'A' && text[b] <= 'Z') ||
						 (text[b] >= 'a' && text[b] <= 'z') ||
						 (text[b] >= '0' && text[b] <= '9')))
					b++;
				if (b > a) {
					t = hv_xstrndup(text + a, b - a);
					ok = strstr(hay, t) != NULL;
					if (!ok)
						snprintf(why, why_cap, "%s", t);
					free(t);
					if (!ok)
						return false;
					a = b;
				} else {
					a++;
				}
			}
		} else {
			t = squeeze(text + i, j - i);
			ok = !*t || strstr(hay, t) != NULL || word_in_any_order(hay, t);
			if (!ok)
				snprintf(why, why_cap, "%s", t);
			free(t);
			if (!ok)
				return false;
		}
		i = j;
	}
	return true;
}

/* The text of page (1-based) of pdf, squeezed. */
static char *pdf_text(const char *pdf, int page)
{
	char cmd[1024], *raw, *sq;

	snprintf(cmd, sizeof(cmd), "pdftotext -raw -enc UTF-8 -f %d -l %d '%s' -", page, page, pdf);
	raw = run(cmd);
	sq = squeeze(raw, strlen(raw));
	free(raw);
	return sq;
}

static int pdf_pages(const char *pdf)
{
	char cmd[1024], *out, *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "pdfinfo '%s'", pdf);
	out = run(cmd);
	p = strstr(out, "Pages:");
	assert_non_null(p);
	n = (int)strtol(p + 6, NULL, 10);
	free(out);
	return n;
}

/* ---- rasters ---- */

struct gray {
	int w, h;
	float *ink; /* 255 - luminance */
};

static void gray_load(const char *png, struct gray *g)
{
	cairo_surface_t *s = cairo_image_surface_create_from_png(png);
	const unsigned char *d;
	int stride;

	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
		fail_msg("%s: %s", png, cairo_status_to_string(cairo_surface_status(s)));
	g->w = cairo_image_surface_get_width(s);
	g->h = cairo_image_surface_get_height(s);
	stride = cairo_image_surface_get_stride(s);
	d = cairo_image_surface_get_data(s);
	g->ink = hv_xmalloc(sizeof(float) * (size_t)g->w * (size_t)g->h);
	for (int y = 0; y < g->h; y++) {
		for (int x = 0; x < g->w; x++) {
			const unsigned char *p = d + (size_t)y * stride + (size_t)x * 4;

			g->ink[(size_t)y * g->w + x] =
				255.0f - (p[2] * 0.299f + p[1] * 0.587f + p[0] * 0.114f);
		}
	}
	cairo_surface_destroy(s);
}

/* A box blur of radius r along rows, then columns, with running sums. */
static void box_blur(struct gray *g, int r)
{
	size_t n = (size_t)g->w * (size_t)g->h;
	float *t = hv_xmalloc(sizeof(float) * n);

	for (int y = 0; y < g->h; y++) {
		const float *row = g->ink + (size_t)y * g->w;
		double sum = 0;
		int cnt = 0;

		for (int x = 0; x < r && x < g->w; x++, cnt++)
			sum += row[x];
		for (int x = 0; x < g->w; x++) {
			if (x + r < g->w) {
				sum += row[x + r];
				cnt++;
			}
			if (x - r - 1 >= 0) {
				sum -= row[x - r - 1];
				cnt--;
			}
			t[(size_t)y * g->w + x] = (float)(sum / cnt);
		}
	}
	for (int x = 0; x < g->w; x++) {
		double sum = 0;
		int cnt = 0;

		for (int y = 0; y < r && y < g->h; y++, cnt++)
			sum += t[(size_t)y * g->w + x];
		for (int y = 0; y < g->h; y++) {
			if (y + r < g->h) {
				sum += t[(size_t)(y + r) * g->w + x];
				cnt++;
			}
			if (y - r - 1 >= 0) {
				sum -= t[(size_t)(y - r - 1) * g->w + x];
				cnt--;
			}
			g->ink[(size_t)y * g->w + x] = (float)(sum / cnt);
		}
	}
	free(t);
}

/* The tolerance of the raster comparison, documented here and in docs/internals/signs.md:
 * pages are rasterised at about 2200 px on the long side (200 dpi for letter); poppler's
 * Splash places each glyph to a whole pixel and antialiases differently from cairo, which moves
 * edges by up to a pixel, and it moves runs of Nastaliq glyphs by up to ~3 px. Both rasters
 * are blurred by two passes of a 7x7 box (a Gaussian of sigma ~2.8 px, 0.35 mm at 200 dpi);
 * each 48 px tile of cairo's raster is compared with the pdftoppm raster shifted by up to 3 px
 * either way, and at the best shift every pixel must agree within RASTER_TOL of 255 in
 * luminance. Identical pages measure about 35-45; one dropped glyph of 7 pt small print measures
 * over 100 (test_signs_render_raster_compare_sees_one_glyph), as a glyph cannot be shifted
 * into place. */
#define RASTER_TOL   60.0f
#define RASTER_BLUR  3
#define RASTER_TILE  48
#define RASTER_SHIFT 3

/* The largest blurred difference between two PNGs of the same size. */
static float raster_diff(const char *a_png, const char *b_png)
{
	struct gray a, b;
	float mx = 0;

	gray_load(a_png, &a);
	gray_load(b_png, &b);
	if (a.w != b.w || a.h != b.h)
		fail_msg("%s is %dx%d, %s is %dx%d", a_png, a.w, a.h, b_png, b.w, b.h);
	for (int pass = 0; pass < 2; pass++) {
		box_blur(&a, RASTER_BLUR);
		box_blur(&b, RASTER_BLUR);
	}
	/* Per tile of RASTER_TILE px, a shift up to RASTER_SHIFT px either way that matches:
	 * Splash also moves a whole run of Nastaliq glyphs by a point or two. */
	for (int ty = 0; ty < a.h; ty += RASTER_TILE) {
		for (int tx = 0; tx < a.w; tx += RASTER_TILE) {
			float best = 1e9f;

			/* The unshifted comparison first; a tile within tolerance is done. */
			for (int k = 0; k < (2 * RASTER_SHIFT + 1) * (2 * RASTER_SHIFT + 1) &&
					best > RASTER_TOL;
			     k++) {
				int dy = k == 0 ? 0 : (k - 1) / (2 * RASTER_SHIFT + 1) - RASTER_SHIFT;
				int dx = k == 0 ? 0 : (k - 1) % (2 * RASTER_SHIFT + 1) - RASTER_SHIFT;

				{
					float m = 0;

					for (int y = ty; y < ty + RASTER_TILE && y < a.h && m < best;
					     y++) {
						for (int x = tx; x < tx + RASTER_TILE && x < a.w;
						     x++) {
							int yy = y + dy, xx = x + dx;
							float vb = yy < 0 || yy >= a.h || xx < 0 ||
										   xx >= a.w
									   ? 0
									   : b.ink[(size_t)yy * a.w + xx];

							m = fmaxf(m, fabsf(a.ink[(size_t)y * a.w + x] -
									   vb));
						}
					}
					best = fminf(best, m);
				}
			}
			mx = fmaxf(mx, best);
		}
	}
	free(a.ink);
	free(b.ink);
	return mx;
}

/* A resolution giving about 2200 px on the long side, a multiple of 4 so that the page's
 * pixel size is whole in pdftoppm and cairo alike. */
static int check_dpi(double media_h_pt)
{
	return (int)floor(2200.0 * 72.0 / media_h_pt / 4.0) * 4;
}

/* ---- pango's view of every box ---- */

struct boxes {
	size_t n, n_bad;
	char first_bad[400];
	size_t n_mark;
	double min_pt;
};

static void on_box(void *ctx, const struct hv_sign_box_info *in)
{
	struct boxes *b = ctx;
	const double eps = 0.05;
	bool ok = in->unknown_glyphs == 0;

	b->n++;
	if (strcmp(in->role, "mark") == 0)
		b->n_mark++;
	if (b->min_pt == 0 || in->font_pt < b->min_pt)
		b->min_pt = in->font_pt;
	/* Both pango extents lie inside the box. */
	ok = ok && in->ink_x >= in->box_x - eps && in->ink_y >= in->box_y - eps &&
	     in->ink_x + in->ink_w <= in->box_x + in->box_w + eps &&
	     in->ink_y + in->ink_h <= in->box_y + in->box_h + eps;
	ok = ok && in->logical_x >= in->box_x - eps && in->logical_y >= in->box_y - eps &&
	     in->logical_x + in->logical_w <= in->box_x + in->box_w + eps &&
	     in->logical_y + in->logical_h <= in->box_y + in->box_h + eps;
	ok = ok && in->font_pt >= HV_SIGN_MIN_FONT_PT;
	/* Arabic and Urdu resolve right-to-left. */
	if (in->lang && (strcmp(in->lang, "ar") == 0 || strcmp(in->lang, "ur") == 0) &&
	    strcmp(in->role, "mark") != 0)
		ok = ok && in->rtl;
	if (!ok && b->n_bad++ == 0)
		snprintf(b->first_bad, sizeof(b->first_bad),
			 "%s %s: unknown=%d box %.2f,%.2f %.2fx%.2f ink %.2f,%.2f %.2fx%.2f "
			 "logical %.2f,%.2f %.2fx%.2f at %.2f pt rtl=%d",
			 in->lang ? in->lang : "-", in->role, in->unknown_glyphs, in->box_x,
			 in->box_y, in->box_w, in->box_h, in->ink_x, in->ink_y, in->ink_w,
			 in->ink_h, in->logical_x, in->logical_y, in->logical_w, in->logical_h,
			 in->font_pt, in->rtl);
}

/* ---- the whole check of one job ---- */

#define N_PAGES 2

static void make_pages(struct hv_sign_page *pages, char serials[][32], char urls[][96])
{
	for (int i = 0; i < N_PAGES; i++) {
		snprintf(serials[i], 32, "PH-%06d", 4100 + i);
		snprintf(urls[i], 96, "https://signs.port-haven.example/s/%s", serials[i]);
		pages[i] = (struct hv_sign_page){
			.serial = serials[i],
			.url = urls[i],
			.property_name = i == 0 ? "Harbor Lot 7" : NULL,
			.address = i == 0 ? "1201 West 63rd Street" : NULL,
			.source_id = i == 0 ? "SRC-778" : NULL,
		};
	}
}

struct job_check {
	bool raster;     /* compare page 1's rasters */
	float max_diff;  /* out: the raster difference */
};

static void check_job(struct fx *f, struct hv_store *s, struct hv_sign_job *job,
		      struct job_check *jc)
{
	struct hv_sign_page pages[N_PAGES];
	char serials[N_PAGES][32], urls[N_PAGES][96], pdf[400], png[400], pp[400], cmd[1400];
	struct hv_sign_render_stats st = {0};
	struct hv_sign_template *t = NULL;
	struct boxes bx = {0};
	enum hv_sign_variant v = hv_sign_variant_parse(job->variant);
	struct hv_err err;
	int dpi;

	hv_err_clear(&err);
	make_pages(pages, serials, urls);
	job->on_box = on_box;
	job->box_ctx = &bx;
	if (!job->stats)
		job->stats = &st;
	snprintf(pdf, sizeof(pdf), "%s/%s-%s-%s-%zu.pdf", f->dir, job->template_name, job->size,
		 job->variant, job->n_langs);
	if (hv_signs_render_pdf(s, job, pages, N_PAGES, pdf, &err) != HV_OK)
		fail_msg("%s: %s", pdf, err.msg);
	/* pango: every text box, no missing glyph, nothing outside its box */
	if (bx.n_bad)
		fail_msg("%s: %zu of %zu boxes bad; first: %s", pdf, bx.n_bad, bx.n, bx.first_bad);
	assert_true(bx.n >= 2 + 2 * job->n_langs + 2 * N_PAGES);
	assert_int_equal(job->stats->n_pages, N_PAGES);
	assert_int_equal(pdf_pages(pdf), N_PAGES);
	/* the PDF's text: every translation, the header, each page's serial and small print */
	assert_int_equal(hv_sign_template_load(s, job->template_name, 0, &t, &err), HV_OK);
	for (int p = 0; p < N_PAGES; p++) {
		char *hay = pdf_text(pdf, p + 1), why[2048];

		for (size_t i = 0; i < job->n_langs; i++) {
			enum hv_sign_lang l = hv_sign_lang_parse(job->langs[i]);
			bool rtl = hv_sign_lang_info(l)->rtl;

			if (!text_in(hay, t->texts[l].heading, rtl, why, sizeof(why)) ||
			    !text_in(hay, t->texts[l].body[v], rtl, why, sizeof(why)))
				fail_msg("%s page %d: %s text missing from pdftotext: \"%s\"", pdf,
					 p + 1, job->langs[i], why);
			if (!t->texts[l].reviewed &&
			    !text_in(hay, t->unreviewed_mark, false, why, sizeof(why)))
				fail_msg("%s page %d: %s: no unreviewed mark", pdf, p + 1,
					 job->langs[i]);
		}
		if (!text_in(hay, t->city, false, why, sizeof(why)) ||
		    !text_in(hay, t->citation, false, why, sizeof(why)) ||
		    !text_in(hay, serials[p], false, why, sizeof(why)) ||
		    !text_in(hay, urls[p], false, why, sizeof(why)))
			fail_msg("%s page %d: missing \"%s\"", pdf, p + 1, why);
		if (pages[p].property_name &&
		    (!text_in(hay, pages[p].property_name, false, why, sizeof(why)) ||
		     !text_in(hay, pages[p].address, false, why, sizeof(why)) ||
		     !text_in(hay, pages[p].source_id, false, why, sizeof(why))))
			fail_msg("%s page %d: small print missing \"%s\"", pdf, p + 1, why);
		free(hay);
	}
	/* the PDF's raster: each page's QR code decodes to its URL; page 1 matches cairo's own
	 * raster of it */
	dpi = check_dpi(job->stats->media_h_pt);
	for (int p = 0; p < N_PAGES; p++) {
		char *out, want[160];

		snprintf(pp, sizeof(pp), "%s/pp", f->dir);
		snprintf(cmd, sizeof(cmd), "pdftoppm -r %d -f %d -l %d -singlefile -png '%s' '%s'",
			 dpi, p + 1, p + 1, pdf, pp);
		free(run(cmd));
		snprintf(pp, sizeof(pp), "%s/pp.png", f->dir);
		snprintf(cmd, sizeof(cmd), "zbarimg -q --raw '%s' 2>/dev/null", pp);
		out = run(cmd);
		snprintf(want, sizeof(want), "%s\n", urls[p]);
		if (strcmp(out, want) != 0)
			fail_msg("%s page %d: zbarimg read \"%s\", want %s", pdf, p + 1, out,
				 urls[p]);
		free(out);
		if (p == 0 && jc->raster) {
			snprintf(png, sizeof(png), "%s/cairo.png", f->dir);
			if (hv_signs_render_png(s, job, pages, N_PAGES, 0, dpi, png, &err) != HV_OK)
				fail_msg("%s: %s", png, err.msg);
			jc->max_diff = raster_diff(png, pp);
			if (jc->max_diff > RASTER_TOL)
				fail_msg("%s page 1: pdftoppm and cairo rasters differ by %.1f > %.1f",
					 pdf, jc->max_diff, RASTER_TOL);
		}
	}
	hv_sign_template_free(t);
	unlink(pdf);
	if (job->stats == &st)
		job->stats = NULL;
	job->on_box = NULL;
}

/* ---- tests ---- */

/* Every built-in template in every size with all 12 languages on the page; the variants
 * (which differ only in the body text) in turn, and all three on letter. */
static void test_signs_render_every_template_size_variant(void **state)
{
	struct fx *f = *state;
	float worst = 0;
	size_t ti = 0;

	for (const char *const *name = hv_sign_template_default_names; *name; name++, ti++) {
		for (size_t si = 0; si < 4; si++) {
			for (size_t vi = 0; vi < 3; vi++) {
				struct hv_sign_job job = {
					.template_name = *name,
					.size = all_sizes[si],
					.variant = all_variants[vi],
					.langs = all_langs,
					.n_langs = 12,
				};
				struct job_check jc = {.raster = vi == (si + ti) % 3};

				if (si != 0 && vi != (si + ti) % 3)
					continue;
				check_job(f, NULL, &job, &jc);
				worst = fmaxf(worst, jc.max_diff);
			}
		}
	}
	print_message("raster: largest blurred difference %.1f (tolerance %.1f)\n", worst,
		      RASTER_TOL);
}

/* Each language alone on a sign (big type, one column), the sizes in turn: every language
 * in every size is the test above. */
static void test_signs_render_each_language_alone(void **state)
{
	struct fx *f = *state;

	for (size_t i = 0; i < 12; i++) {
		struct hv_sign_job job = {
			.template_name = i % 2 ? "private" : "city",
			.size = all_sizes[i % 4],
			.variant = all_variants[i % 3],
			.langs = &all_langs[i],
			.n_langs = 1,
		};
		struct job_check jc = {.raster = true};

		check_job(f, NULL, &job, &jc);
	}
}

/* Four languages, as a print run would have them, with bleed and crop marks. */
static void test_signs_render_bleed_and_crop_marks(void **state)
{
	struct fx *f = *state;
	static const char *const four[] = {"en", "es", "zh-Hans", "ar"};
	struct hv_sign_page pages[N_PAGES];
	char serials[N_PAGES][32], urls[N_PAGES][96], png[400];
	struct hv_sign_render_stats st = {0};
	struct hv_sign_job job = {.template_name = "city", .size = "letter", .variant = "lot",
				  .langs = four, .n_langs = 4, .bleed = true};
	struct job_check jc = {.raster = true};
	struct gray g;
	struct hv_err err;
	float corner = 0, band = 0;

	job.stats = &st;
	check_job(f, NULL, &job, &jc);
	/* 612 x 792 trim + 9 pt bleed + 18 pt slug on each side */
	assert_true(fabs(job.stats->media_w_pt - (612 + 54)) < 0.01);
	assert_true(fabs(job.stats->media_h_pt - (792 + 54)) < 0.01);
	/* crop marks: ink in the slug beside each trim corner; the band reaches into the bleed */
	hv_err_clear(&err);
	make_pages(pages, serials, urls);
	job.stats = &st;
	job.on_box = NULL;
	snprintf(png, sizeof(png), "%s/bleed.png", f->dir);
	assert_int_equal(hv_signs_render_png(NULL, &job, pages, N_PAGES, 0, 288, png, &err),
			 HV_OK);
	gray_load(png, &g);
	/* at 288 dpi a point is 4 px: the mark left of the top-left trim corner runs along
	 * y = 27 pt, x from 27-9-2-14 to 27-9-2 pt; the band starts at the bleed edge (18 pt) */
	for (int x = 3 * 4; x < 15 * 4; x++) {
		float col = 0;

		for (int y = 26 * 4; y < 28 * 4; y++)
			col += g.ink[(size_t)y * g.w + x];
		corner = fmaxf(corner, col);
	}
	band = g.ink[(size_t)(20 * 4) * g.w + 20 * 4];
	free(g.ink);
	assert_true(corner > 50);
	assert_true(band > 150);
	/* without bleed, the page is the trim */
	job.bleed = false;
	assert_int_equal(hv_signs_render_png(NULL, &job, pages, N_PAGES, 0, 72, png, &err), HV_OK);
	assert_true(fabs(st.media_w_pt - 612) < 0.01 && fabs(st.media_h_pt - 792) < 0.01);
}

/* The raster comparison is not blind: one glyph dropped from the small print is seen. */
static void test_signs_render_raster_compare_sees_one_glyph(void **state)
{
	struct fx *f = *state;
	static const char *const en[] = {"en"};
	struct hv_sign_page a = {.serial = "PH-000001", .url = "https://x.example/s/PH-000001",
				 .property_name = "Harbor Lot 7"};
	struct hv_sign_page b = a;
	struct hv_sign_job job = {.template_name = "city", .size = "letter", .variant = "lot",
				  .langs = en, .n_langs = 1};
	char pdf[400], png[400], pp[400], cmd[1200];
	struct hv_err err;
	float same, dropped;

	hv_err_clear(&err);
	b.property_name = "Harbor Lot ";
	snprintf(pdf, sizeof(pdf), "%s/b.pdf", f->dir);
	snprintf(png, sizeof(png), "%s/a.png", f->dir);
	snprintf(pp, sizeof(pp), "%s/bpp", f->dir);
	assert_int_equal(hv_signs_render_pdf(NULL, &job, &b, 1, pdf, &err), HV_OK);
	snprintf(cmd, sizeof(cmd), "pdftoppm -r 200 -singlefile -png '%s' '%s'", pdf, pp);
	free(run(cmd));
	snprintf(pp, sizeof(pp), "%s/bpp.png", f->dir);
	assert_int_equal(hv_signs_render_png(NULL, &job, &b, 1, 0, 200, png, &err), HV_OK);
	same = raster_diff(png, pp);
	assert_int_equal(hv_signs_render_png(NULL, &job, &a, 1, 0, 200, png, &err), HV_OK);
	dropped = raster_diff(png, pp);
	print_message("raster: same page %.1f, one glyph dropped %.1f (tolerance %.1f)\n", same,
		      dropped, RASTER_TOL);
	assert_true(same <= RASTER_TOL);
	assert_true(dropped > RASTER_TOL);
}

/* An unreviewed translation prints the mark; a reviewed one does not. */
static void test_signs_render_unreviewed_mark(void **state)
{
	struct fx *f = *state;
	static const char *const en[] = {"en"}, *const en_ko[] = {"en", "ko"};
	struct hv_sign_page p = {.serial = "PH-1", .url = "https://x.example/s/PH-1"};
	struct hv_sign_job job = {.template_name = "city", .size = "letter", .variant = "lot",
				  .langs = en, .n_langs = 1};
	struct boxes bx = {0};
	char pdf[400], *hay;
	struct hv_err err;

	hv_err_clear(&err);
	job.on_box = on_box;
	job.box_ctx = &bx;
	snprintf(pdf, sizeof(pdf), "%s/m.pdf", f->dir);
	assert_int_equal(hv_signs_render_pdf(NULL, &job, &p, 1, pdf, &err), HV_OK);
	assert_int_equal(bx.n_mark, 0);
	hay = pdf_text(pdf, 1);
	assert_null(strstr(hay, "Translationnotyetreviewed"));
	free(hay);
	job.langs = en_ko;
	job.n_langs = 2;
	memset(&bx, 0, sizeof(bx));
	assert_int_equal(hv_signs_render_pdf(NULL, &job, &p, 1, pdf, &err), HV_OK);
	assert_int_equal(bx.n_mark, 1);
	hay = pdf_text(pdf, 1);
	assert_non_null(strstr(hay, "Translationnotyetreviewedbythecity"));
	free(hay);
}

static size_t count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Unknown sizes, variants, languages and templates are refused by name; no file is made. */
static void test_signs_render_refuses_bad_jobs(void **state)
{
	struct fx *f = *state;
	static const char *const ok_langs[] = {"en", "es"}, *const bad_lang[] = {"en", "fr"},
				 *const dup[] = {"en", "es", "en"}, *const wrong_case[] = {"EN", "xx-Hans"};
	struct hv_sign_page p = {.serial = "PH-1", .url = "https://x.example/s/PH-1"};
	struct hv_sign_page no_url = {.serial = "PH-2"};
	struct {
		struct hv_sign_job job;
		const struct hv_sign_page *page;
		size_t n_pages;
		const char *want;
	} cases[] = {
		{{.template_name = "city", .size = "a4", .variant = "lot", .langs = ok_langs, .n_langs = 2}, &p, 1, "size \"a4\""},
		{{.template_name = "city", .size = NULL, .variant = "lot", .langs = ok_langs, .n_langs = 2}, &p, 1, "size \"\""},
		{{.template_name = "city", .size = "letter", .variant = "garage", .langs = ok_langs, .n_langs = 2}, &p, 1, "variant \"garage\""},
		{{.template_name = "city", .size = "letter", .variant = "lot", .langs = bad_lang, .n_langs = 2}, &p, 1, "language \"fr\""},
		{{.template_name = "city", .size = "letter", .variant = "lot", .langs = wrong_case, .n_langs = 2}, &p, 1, "language \"xx-Hans\""},
		{{.template_name = "city", .size = "letter", .variant = "lot", .langs = dup, .n_langs = 3}, &p, 1, "language en: given twice"},
		{{.template_name = "city", .size = "letter", .variant = "lot", .langs = ok_langs, .n_langs = 0}, &p, 1, "no languages"},
		{{.template_name = "church", .size = "letter", .variant = "lot", .langs = ok_langs, .n_langs = 2}, &p, 1, "template \"church\""},
		{{.template_name = "city", .size = "letter", .variant = "lot", .langs = ok_langs, .n_langs = 2}, &p, 0, "no pages"},
		{{.template_name = "city", .size = "letter", .variant = "lot", .langs = ok_langs, .n_langs = 2}, &no_url, 1, "page 1 (serial PH-2): no url"},
	};
	char pdf[400];

	snprintf(pdf, sizeof(pdf), "%s/bad.pdf", f->dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hv_err err;
		int rc;

		hv_err_clear(&err);
		rc = hv_signs_render_pdf(NULL, &cases[i].job, cases[i].page, cases[i].n_pages, pdf,
					 &err);
		if (rc != HV_EINVAL || !strstr(err.msg, cases[i].want))
			fail_msg("case %zu: rc %d \"%s\", want HV_EINVAL naming %s", i, rc, err.msg,
				 cases[i].want);
		assert_false(hv_fs_exists(pdf));
	}
	assert_int_equal(count_files(f->dir), 0);
}

/* A failure after pages were drawn leaves the old file as it was and no temp file. */
static void test_signs_render_failure_leaves_no_partial_pdf(void **state)
{
	struct fx *f = *state;
	static const char *const en[] = {"en"};
	struct hv_sign_page pages[3] = {
		{.serial = "PH-1", .url = "https://x.example/s/PH-1"},
		{.serial = "PH-2", .url = "https://x.example/s/PH-2"},
		{.serial = "PH-3", .url = "https://x.example/s/PH-3"},
	};
	struct hv_sign_job job = {.template_name = "city", .size = "letter", .variant = "lot",
				  .langs = en, .n_langs = 1};
	char pdf[400], *huge, *before = NULL, *after = NULL;
	size_t n_before, n_after;
	struct hv_err err;
	FILE *fp;

	hv_err_clear(&err);
	snprintf(pdf, sizeof(pdf), "%s/run.pdf", f->dir);
	fp = fopen(pdf, "w");
	assert_non_null(fp);
	fputs("the previous print run\n", fp);
	fclose(fp);
	/* page 3's name is far too long for the small print */
	huge = hv_xmalloc(20001);
	memset(huge, 'x', 20000);
	huge[20000] = '\0';
	pages[2].property_name = huge;
	assert_int_equal(hv_fs_read_file(pdf, 1 << 20, &before, &n_before, &err), HV_OK);
	assert_int_equal(hv_signs_render_pdf(NULL, &job, pages, 3, pdf, &err), HV_ELIMIT);
	assert_non_null(strstr(err.msg, "page 3 (serial PH-3)"));
	assert_int_equal(hv_fs_read_file(pdf, 1 << 20, &after, &n_after, &err), HV_OK);
	assert_int_equal(n_before, n_after);
	assert_memory_equal(before, after, n_before);
	assert_int_equal(count_files(f->dir), 1);
	/* an unwritable place is HV_EIO naming it */
	assert_int_equal(hv_signs_render_pdf(NULL, &job, pages, 2, "/nonexistent-dir/x.pdf", &err),
			 HV_EIO);
	assert_non_null(strstr(err.msg, "/nonexistent-dir/x.pdf"));
	free(huge);
	free(before);
	free(after);
}

/* A template stored in the store is the one printed; the built-in fills in for the others. */
static void test_signs_render_uses_stored_template(void **state)
{
	struct fx *f = *state;
	static const char *const en_ar[] = {"en", "ar"};
	struct hv_sign_page p = {.serial = "LV-9", .url = "https://lakeview.example/s/LV-9"};
	struct hv_sign_job job = {.template_name = "city", .size = "tabloid", .variant = "lot",
				  .langs = en_ar, .n_langs = 2};
	struct hv_sign_render_stats st = {0};
	struct hv_store *s = NULL;
	char db[400], pdf[400], *hay, *doc = NULL, *edited;
	const char *def = hv_sign_template_default("city");
	struct hv_err err;
	int64_t version;
	size_t n;

	hv_err_clear(&err);
	snprintf(db, sizeof(db), "%s/t.db", f->dir);
	snprintf(pdf, sizeof(pdf), "%s/t.pdf", f->dir);
	assert_int_equal(hv_store_open(db, &s, &err), HV_OK);
	/* the same document with another city */
	n = strlen(def);
	doc = hv_xstrdup(def);
	edited = strstr(doc, "\"city\": \"Port Haven\"");
	assert_non_null(edited);
	{
		struct hv_buf b;

		hv_buf_init(&b, 0);
		hv_buf_add(&b, doc, (size_t)(edited - doc));
		hv_buf_adds(&b, "\"city\": \"Lakeview\"");
		hv_buf_adds(&b, edited + strlen("\"city\": \"Port Haven\""));
		free(doc);
		doc = hv_buf_detach(&b, &n);
	}
	assert_int_equal(hv_sign_template_store(s, "city", doc, n, "ana", 1000, &version, &err),
			 HV_OK);
	assert_int_equal(version, 1);
	job.stats = &st;
	assert_int_equal(hv_signs_render_pdf(s, &job, &p, 1, pdf, &err), HV_OK);
	assert_int_equal(st.template_version, 1);
	hay = pdf_text(pdf, 1);
	assert_non_null(strstr(hay, "Lakeview"));
	assert_non_null(strstr(hay, "controlledbytheCityofLakeview.Itmay"));
	assert_null(strstr(hay, "controlledbytheCityofPortHaven"));
	free(hay);
	/* the private template is not stored: the built-in one prints */
	job.template_name = "private";
	assert_int_equal(hv_signs_render_pdf(s, &job, &p, 1, pdf, &err), HV_OK);
	assert_int_equal(st.template_version, 0);
	/* a version that does not exist */
	job.template_name = "city";
	job.template_version = 7;
	assert_int_equal(hv_signs_render_pdf(s, &job, &p, 1, pdf, &err), HV_ENOENT);
	assert_non_null(strstr(err.msg, "version 7"));
	free(doc);
	hv_store_close(s);
}

/* A language the stored template lacks is refused by name. */
static void test_signs_render_language_missing_from_template(void **state)
{
	struct fx *f = *state;
	static const char *const en_ko[] = {"en", "ko"};
	static const char doc[] =
		"{\"name\": \"min\", \"kind\": \"city\", \"city\": \"Port Haven\", "
		"\"citation\": \"EO 1\", \"languages\": {\"en\": {\"reviewed\": true, "
		"\"heading\": \"H\", \"body\": {\"lot\": \"L\", \"building-public\": \"B\", "
		"\"non-public\": \"N\"}}}}";
	struct hv_sign_page p = {.serial = "PH-1", .url = "https://x.example/s/PH-1"};
	struct hv_sign_job job = {.template_name = "min", .size = "letter", .variant = "lot",
				  .langs = en_ko, .n_langs = 2};
	struct hv_store *s = NULL;
	char db[400], pdf[400];
	struct hv_err err;
	int64_t version;

	hv_err_clear(&err);
	snprintf(db, sizeof(db), "%s/m.db", f->dir);
	snprintf(pdf, sizeof(pdf), "%s/m.pdf", f->dir);
	assert_int_equal(hv_store_open(db, &s, &err), HV_OK);
	assert_int_equal(hv_sign_template_store(s, "min", doc, strlen(doc), "ana", 1, &version, &err),
			 HV_OK);
	assert_int_equal(hv_signs_render_pdf(s, &job, &p, 1, pdf, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "language ko: template min (version 1) has no text"));
	assert_false(hv_fs_exists(pdf));
	job.n_langs = 1;
	assert_int_equal(hv_signs_render_pdf(s, &job, &p, 1, pdf, &err), HV_OK);
	hv_store_close(s);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_signs_render_raster_compare_sees_one_glyph),
		T(test_signs_render_every_template_size_variant),
		T(test_signs_render_each_language_alone),
		T(test_signs_render_bleed_and_crop_marks),
		T(test_signs_render_unreviewed_mark),
		T(test_signs_render_refuses_bad_jobs),
		T(test_signs_render_failure_leaves_no_partial_pdf),
		T(test_signs_render_uses_stored_template),
		T(test_signs_render_language_missing_from_template),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
