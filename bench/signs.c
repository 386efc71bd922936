/* SPDX-License-Identifier: Apache-2.0 */
/* bench/signs: a print run of N signs (in-scope properties of a store, 4 languages incl. Arabic
 * and Chinese, a QR code each) rendered into one PDF by haven's renderer, beside a bare
 * cairo+pango loop drawing the same page (the same texts at the same sizes and places, laid
 * out anew on every page, as a straightforward program would) in the same run. Each run is a
 * child process, so its peak memory (getrusage maxrss) is its own. Prints pages/s, seconds,
 * peak MB and the ratio.
 * Usage: bench_signs --db DB --scope NAME [--n 4000] [--size letter] [--runs 3] [--dir DIR] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "registry/registry.h"
#include "signs/render.h"
#include "signs/template.h"
#include "store/store.h"

static const char *const langs[] = {"en", "es", "zh-Hans", "ar"};

struct collect {
	const struct hv_zones *z;
	long zone;
	bool *in;
	struct hv_sign_page *pages;
	size_t n, want;
};

static int take(void *ctx, const struct hv_property *p)
{
	struct collect *c = ctx;
	char serial[32], url[96];

	hv_zones_match(c->z, p, c->in);
	if (!c->in[c->zone])
		return 0;
	snprintf(serial, sizeof(serial), "CHI-%06zu", c->n + 1);
	snprintf(url, sizeof(url), "https://signs.chicago.example/s/%s", serial);
	c->pages[c->n] = (struct hv_sign_page){
		.serial = hv_xstrdup(serial),
		.url = hv_xstrdup(url),
		.property_name = hv_xstrdup(p->name),
		.address = hv_xstrdup(p->address),
		.source_id = hv_xstrdup(p->source_key),
	};
	return ++c->n == c->want;
}

/* ---- the bare loop: what haven drew on page 0, replayed with fresh layouts on every page ---- */

struct rec_box {
	char *text, *family, *lang;
	bool bold, italic, is_serial, is_small;
	int align;
	double x, y, w, font_pt;
};

struct recording {
	struct rec_box boxes[64];
	size_t n;
	double media_w, media_h;
	cairo_surface_t *seal; /* decoded once, as any program would */
};

struct png_src {
	const unsigned char *p;
	size_t left;
};

static cairo_status_t png_read(void *closure, unsigned char *data, unsigned int length)
{
	struct png_src *src = closure;

	if (length > src->left)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(data, src->p, length);
	src->p += length;
	src->left -= length;
	return CAIRO_STATUS_SUCCESS;
}

static void record(void *ctx, const struct hv_sign_box_info *in)
{
	struct recording *r = ctx;
	struct rec_box *b;

	if (in->page != 0 || r->n == 64)
		return;
	b = &r->boxes[r->n++];
	b->text = hv_xstrdup(in->text);
	b->family = hv_xstrdup(in->family);
	b->lang = in->lang ? hv_xstrdup(hv_sign_lang_info(hv_sign_lang_parse(in->lang))->pango)
			   : NULL;
	b->bold = in->bold;
	b->italic = in->italic;
	b->align = in->align;
	b->x = in->origin_x;
	b->y = in->origin_y;
	b->w = in->box_w;
	b->font_pt = in->font_pt;
	b->is_serial = strcmp(in->role, "serial") == 0;
	b->is_small = strcmp(in->role, "small") == 0;
}

static void bare_text(cairo_t *cr, const struct rec_box *b, const char *text)
{
	PangoLayout *l = pango_cairo_create_layout(cr);
	PangoFontDescription *fd = pango_font_description_new();

	pango_font_description_set_family(fd, b->family);
	pango_font_description_set_weight(fd, b->bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_font_description_set_style(fd, b->italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);
	pango_font_description_set_absolute_size(fd, b->font_pt * PANGO_SCALE);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	if (b->lang) {
		PangoAttrList *al = pango_attr_list_new();

		pango_attr_list_insert(al, pango_attr_language_new(pango_language_from_string(b->lang)));
		pango_layout_set_attributes(l, al);
		pango_attr_list_unref(al);
	}
	pango_layout_set_width(l, (int)(b->w * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_auto_dir(l, TRUE);
	pango_layout_set_alignment(l, b->align == 1	  ? PANGO_ALIGN_CENTER
				      : b->align == 2 ? PANGO_ALIGN_RIGHT
						      : PANGO_ALIGN_LEFT);
	pango_layout_set_text(l, text, -1);
	cairo_move_to(cr, b->x, b->y);
	pango_cairo_show_layout(cr, l);
	g_object_unref(l);
}

static void bare_qr(cairo_t *cr, const char *url, double x, double y, double size)
{
	QRcode *qr = QRcode_encodeString8bit(url, 0, QR_ECLEVEL_M);
	double mod = size / (qr->width + 8);

	cairo_set_source_rgb(cr, 0, 0, 0);
	for (int r = 0; r < qr->width; r++)
		for (int c = 0; c < qr->width; c++)
			if (qr->data[r * qr->width + c] & 1)
				cairo_rectangle(cr, x + (c + 4) * mod, y + (r + 4) * mod, mod, mod);
	cairo_fill(cr);
	QRcode_free(qr);
}

static int bare_run(const struct recording *rec, const struct hv_sign_page *pages, size_t n,
		    const char *out)
{
	cairo_surface_t *surf = cairo_pdf_surface_create(out, rec->media_w, rec->media_h);
	cairo_t *cr = cairo_create(surf);
	double W = rec->media_w, H = rec->media_h, q = 0.2 * W;
	char buf[4096];
	int rc;

	for (size_t i = 0; i < n; i++) {
		cairo_set_source_rgb(cr, 0.05, 0.22, 0.42);
		cairo_rectangle(cr, 0, 0, W, 0.12 * H);
		cairo_rectangle(cr, 0, H - 0.012 * H, W, 0.012 * H);
		cairo_fill(cr);
		if (rec->seal) {
			double sz = 0.76 * 0.12 * H, sw = cairo_image_surface_get_width(rec->seal);

			cairo_save(cr);
			cairo_translate(cr, 0.045 * W, (0.12 * H - sz) / 2);
			cairo_scale(cr, sz / sw, sz / sw);
			cairo_set_source_surface(cr, rec->seal, 0, 0);
			cairo_paint(cr);
			cairo_restore(cr);
		}
		for (size_t k = 0; k < rec->n; k++) {
			const struct rec_box *b = &rec->boxes[k];
			const char *text = b->text;

			if (b->is_serial) {
				snprintf(buf, sizeof(buf), "Serial %s", pages[i].serial);
				text = buf;
			} else if (b->is_small) {
				snprintf(buf, sizeof(buf), "%s\n%s\nSource id %s\nVerify this sign: %s",
					 pages[i].property_name ? pages[i].property_name : "",
					 pages[i].address ? pages[i].address : "",
					 pages[i].source_id ? pages[i].source_id : "", pages[i].url);
				text = buf;
			}
			cairo_set_source_rgb(cr, 0, 0, 0);
			bare_text(cr, b, text);
		}
		bare_qr(cr, pages[i].url, W - 0.045 * W - q, H - 0.012 * H - 0.4 * 0.045 * W - q,
			q);
		cairo_show_page(cr);
	}
	cairo_destroy(cr);
	cairo_surface_finish(surf);
	rc = cairo_surface_status(surf) == CAIRO_STATUS_SUCCESS ? 0 : 1;
	cairo_surface_destroy(surf);
	return rc;
}

/* ---- runs in child processes ---- */

struct result {
	double seconds, peak_mb, pdf_mb;
	int status;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct result in_child(int which, const struct hv_sign_job *job,
			      const struct recording *rec, const struct hv_sign_page *pages,
			      size_t n, const char *out)
{
	struct result res = {0};
	struct rusage ru;
	struct stat st;
	int fds[2], wst;
	pid_t pid;

	if (pipe(fds) != 0)
		abort();
	pid = fork();
	if (pid == 0) {
		struct hv_err err;
		double t0 = now_s(), dt;
		int rc;

		close(fds[0]);
		hv_err_clear(&err);
		if (which == 0) {
			rc = hv_signs_render_pdf(NULL, job, pages, n, out, &err);
			if (rc)
				fprintf(stderr, "bench_signs: %s\n", err.msg);
		} else {
			rc = bare_run(rec, pages, n, out);
		}
		dt = now_s() - t0;
		if (write(fds[1], &dt, sizeof(dt)) != (ssize_t)sizeof(dt))
			_exit(3);
		_exit(rc ? 1 : 0);
	}
	close(fds[1]);
	if (read(fds[0], &res.seconds, sizeof(res.seconds)) != (ssize_t)sizeof(res.seconds))
		res.seconds = -1;
	close(fds[0]);
	wait4(pid, &wst, 0, &ru);
	res.status = WIFEXITED(wst) ? WEXITSTATUS(wst) : 99;
	res.peak_mb = ru.ru_maxrss / 1024.0;
	res.pdf_mb = stat(out, &st) == 0 ? st.st_size / 1048576.0 : 0;
	return res;
}

static int cmp_res(const void *a, const void *b)
{
	double x = ((const struct result *)a)->seconds, y = ((const struct result *)b)->seconds;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const char *db = NULL, *scope = NULL, *size = "letter", *dir = "/tmp";
	size_t n = 4000;
	int runs = 3, c;
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},	{"scope", required_argument, NULL, 's'},
		{"n", required_argument, NULL, 'n'},	{"size", required_argument, NULL, 'z'},
		{"runs", required_argument, NULL, 'r'}, {"dir", required_argument, NULL, 'o'},
		{0},
	};
	struct hv_store *s = NULL;
	struct hv_zones *z = NULL;
	struct hv_err err;
	struct collect col = {0};
	struct hv_property_filter f = {0};
	struct recording rec = {0};
	struct hv_sign_render_stats st = {0};
	struct hv_sign_job job = {.template_name = "city", .variant = "lot", .langs = langs,
				  .n_langs = 4};
	struct result hr[16], br[16];
	char out_h[512], out_b[512], out_1[512];

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 's': scope = optarg; break;
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 'z': size = optarg; break;
		case 'r': runs = (int)strtol(optarg, NULL, 10); break;
		case 'o': dir = optarg; break;
		default:
			fprintf(stderr, "usage: bench_signs --db DB --scope NAME [--n 4000] "
					"[--size letter] [--runs 3] [--dir DIR]\n");
			return 2;
		}
	}
	if (!db || !scope || n == 0 || runs < 1 || runs > 16) {
		fprintf(stderr, "bench_signs: --db and --scope are required\n");
		return 2;
	}
	job.size = size;
	hv_err_clear(&err);
	if (hv_store_open(db, &s, &err) || hv_zones_load(s, 0, &z, &err)) {
		fprintf(stderr, "bench_signs: %s\n", err.msg);
		return 1;
	}
	col.z = z;
	col.zone = hv_zones_find(z, scope);
	if (col.zone < 0) {
		fprintf(stderr, "bench_signs: no scope \"%s\"\n", scope);
		return 1;
	}
	col.in = hv_xcalloc(hv_zones_count(z) + 1, sizeof(bool));
	col.pages = hv_xcalloc(n, sizeof(*col.pages));
	col.want = n;
	if (hv_store_property_each(s, &f, take, &col, &err) < 0) {
		fprintf(stderr, "bench_signs: %s\n", err.msg);
		return 1;
	}
	/* Fewer in scope than asked: the run repeats them (new serials). */
	for (size_t i = col.n, k = 0; col.n > 0 && i < n; i++, k++) {
		char serial[32], url[96];

		snprintf(serial, sizeof(serial), "CHI-%06zu", i + 1);
		snprintf(url, sizeof(url), "https://signs.chicago.example/s/%s", serial);
		col.pages[i] = col.pages[k % col.n];
		col.pages[i].serial = hv_xstrdup(serial);
		col.pages[i].url = hv_xstrdup(url);
	}
	if (col.n == 0) {
		fprintf(stderr, "bench_signs: nothing in scope \"%s\"\n", scope);
		return 1;
	}
	printf("bench/signs: %zu pages (%zu in scope \"%s\"), size %s, languages en es zh-Hans ar, "
	       "a QR code each\n",
	       n, col.n, scope, size);
	hv_zones_free(z);
	hv_store_close(s);
	/* Page 0 through haven once, recording each box for the bare loop. */
	snprintf(out_h, sizeof(out_h), "%s/bench_signs_haven.pdf", dir);
	snprintf(out_b, sizeof(out_b), "%s/bench_signs_bare.pdf", dir);
	snprintf(out_1, sizeof(out_1), "%s/bench_signs_one.pdf", dir);
	job.on_box = record;
	job.box_ctx = &rec;
	job.stats = &st;
	if (hv_signs_render_pdf(NULL, &job, col.pages, 1, out_1, &err)) {
		fprintf(stderr, "bench_signs: %s\n", err.msg);
		return 1;
	}
	rec.media_w = st.media_w_pt;
	rec.media_h = st.media_h_pt;
	{
		struct hv_sign_template *t = NULL;

		if (hv_sign_template_load(NULL, "city", 0, &t, &err) == HV_OK && t->seal_png) {
			struct png_src src = {t->seal_png, t->seal_len};

			rec.seal = cairo_image_surface_create_from_png_stream(png_read, &src);
		}
		hv_sign_template_free(t);
	}
	job.on_box = NULL;
	job.stats = NULL;
	for (int r = 0; r < runs; r++) {
		hr[r] = in_child(0, &job, &rec, col.pages, n, out_h);
		br[r] = in_child(1, &job, &rec, col.pages, n, out_b);
		if (hr[r].status || br[r].status) {
			fprintf(stderr, "bench_signs: a run failed (haven %d, bare %d)\n", hr[r].status,
				br[r].status);
			return 1;
		}
	}
	qsort(hr, (size_t)runs, sizeof(hr[0]), cmp_res);
	qsort(br, (size_t)runs, sizeof(br[0]), cmp_res);
	{
		struct result h = hr[runs / 2], b = br[runs / 2];

		printf("%-34s %9s %9s %9s %9s\n", "median of runs", "seconds", "pages/s", "peak MB",
		       "PDF MB");
		printf("%-34s %9.2f %9.0f %9.1f %9.1f\n", "haven (hv_signs_render_pdf)", h.seconds,
		       n / h.seconds, h.peak_mb, h.pdf_mb);
		printf("%-34s %9.2f %9.0f %9.1f %9.1f\n", "bare cairo+pango loop", b.seconds,
		       n / b.seconds, b.peak_mb, b.pdf_mb);
		printf("haven / bare: %.2fx the pages/s; goal >= 300 pages/s: %s; < 200 MB: %s\n",
		       (n / h.seconds) / (n / b.seconds), n / h.seconds >= 300 ? "met" : "NOT met",
		       h.peak_mb < 200 ? "met" : "NOT met");
	}
	unlink(out_h);
	unlink(out_b);
	unlink(out_1);
	return 0;
}
