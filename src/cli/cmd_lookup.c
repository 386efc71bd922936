/* SPDX-License-Identifier: Apache-2.0 */
/* `haven lookup`: which property and zone contains a point or has an address; in bulk, a whole
 * file of points on every core. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/str.h"
#include "core/xalloc.h"
#include "geo/geo.h"
#include "geo/points.h"
#include "registry/lookup.h"

static const char lookup_usage[] =
	"usage: haven [--db PATH] lookup LON LAT [--radius M] [--json]\n"
	"       haven [--db PATH] lookup --address TEXT [--json]\n"
	"       haven [--db PATH] lookup --points FILE [--radius M] [--threads N] [--strict]\n"
	"                                 [--out FILE]\n"
	"\n"
	"Answers every property whose polygon contains the point (a point on a boundary is in\n"
	"every polygon it touches), smallest first, with kind, name, address and zones; when none\n"
	"does, the nearest property within --radius metres (default 25), marked near with its\n"
	"distance. Point-only properties can only be near.\n"
	"\n"
	"--address matches normalised addresses (case, punctuation, N/North, Ave/Avenue, units);\n"
	"a building's address range matches a house number inside it; ambiguous matches are all\n"
	"listed.\n"
	"\n"
	"--points FILE: a CSV of lon,lat (header optional; lon/lat columns found by name) or any\n"
	"point layer GDAL reads. Writes CSV lines index,property_id,source_id,relation,distance_m\n"
	"(one per match; a point with no match gets one line with empty ids) in input order;\n"
	"index is the 0-based data record. A bad line is reported on stderr with its line number\n"
	"and skipped; --strict stops at the first.\n";

static const struct hv_cmd *self(void)
{
	return &hv_cmd_lookup;
}

struct lookup_opts {
	const char *pos[2]; /* LON LAT */
	int n_pos;
	const char *address, *points, *out;
	double radius_m;
	int threads;
	bool json, strict;
};

static int parse_opts(int argc, char **argv, struct lookup_opts *o)
{
	enum { O_ADDRESS = 256, O_POINTS, O_RADIUS, O_THREADS, O_STRICT, O_OUT, O_JSON };
	static const struct option opts[] = {
		{"address", required_argument, NULL, O_ADDRESS},
		{"points", required_argument, NULL, O_POINTS},
		{"radius", required_argument, NULL, O_RADIUS},
		{"threads", required_argument, NULL, O_THREADS},
		{"strict", no_argument, NULL, O_STRICT},
		{"out", required_argument, NULL, O_OUT},
		{"json", no_argument, NULL, O_JSON},
		{0},
	};
	int64_t v;
	int c;

	hv_cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case O_ADDRESS:
			o->address = optarg;
			break;
		case O_POINTS:
			o->points = optarg;
			break;
		case O_RADIUS:
			if (!hv_str_to_double(hv_str_cstr(optarg), &o->radius_m) || o->radius_m < 0 ||
			    o->radius_m > 10000)
				return hv_cli_usage(self(), "--radius \"%s\": expected metres, 0 to 10000",
						    optarg);
			break;
		case O_THREADS:
			if (!hv_str_to_i64(hv_str_cstr(optarg), &v) || v < 0 || v > 256)
				return hv_cli_usage(self(), "--threads \"%s\": expected 0 to 256", optarg);
			o->threads = (int)v;
			break;
		case O_STRICT:
			o->strict = true;
			break;
		case O_OUT:
			o->out = optarg;
			break;
		case O_JSON:
			o->json = true;
			break;
		case ':':
			return hv_cli_usage(self(), "%s needs a value", argv[optind - 1]);
		default:
			return hv_cli_usage(self(), "unknown option %s", argv[optind - 1]);
		}
	}
	return HV_EXIT_OK;
}

/* Takes the numbers (LON LAT) out of argv before getopt sees them: a negative longitude such
 * as -87.65 would otherwise read as a cluster of short options. Option values are left alone.
 * Returns the number of arguments left in rest, or -1 after printing a usage error. */
static int take_positionals(int argc, char **argv, struct lookup_opts *o, char **rest)
{
	static const char *const with_value[] = {"--address", "--points", "--radius", "--threads",
						 "--out", NULL};
	int n = 0;
	double v;

	rest[n++] = argv[0];
	for (int i = 1; i < argc; i++) {
		bool takes = false;

		for (const char *const *w = with_value; *w; w++)
			takes |= strcmp(argv[i], *w) == 0;
		if (takes && i + 1 < argc) {
			rest[n++] = argv[i++];
			rest[n++] = argv[i];
		} else if (argv[i][0] != '-' || hv_str_to_double(hv_str_cstr(argv[i]), &v)) {
			if (o->n_pos == 2) {
				hv_cli_usage(self(), "unexpected argument \"%s\"", argv[i]);
				return -1;
			}
			o->pos[o->n_pos++] = argv[i];
		} else {
			rest[n++] = argv[i];
		}
	}
	rest[n] = NULL;
	return n;
}

static void print_hits(const struct hv_lookup_hit *hits, size_t n, bool json, const char *what,
		       bool by_address)
{
	struct hv_buf b;
	struct hv_json w;

	if (json) {
		hv_buf_init(&b, 0);
		hv_json_init(&w, &b, true);
		hv_json_obj_begin(&w);
		hv_json_key(&w, "query");
		hv_json_str(&w, what);
		hv_json_key(&w, "matches");
		hv_json_arr_begin(&w);
		for (size_t i = 0; i < n; i++)
			hv_lookup_hit_json(&w, &hits[i]);
		hv_json_arr_end(&w);
		hv_json_obj_end(&w);
		hv_cli_print(&b);
		hv_buf_release(&b);
		return;
	}
	if (n == 0) {
		printf("%s: no property\n", what);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct hv_lookup_hit *h = &hits[i];

		if (by_address)
			printf("%s: property %lld", what, (long long)h->property_id);
		else if (h->relation == HV_INDEX_INSIDE)
			printf("%s: inside property %lld", what, (long long)h->property_id);
		else
			printf("%s: near property %lld (%.1f m)", what, (long long)h->property_id,
			       h->distance_m);
		printf("  %s %s  %s  %s  %s  %s\n", h->source, h->source_id, h->kind ? h->kind : "-",
		       h->name ? h->name : "-", h->address ? h->address : "-",
		       h->status ? h->status : "-");
		printf("    zones:");
		for (size_t k = 0; k < h->n_zones; k++)
			printf(" %s", h->zones[k]);
		printf("%s\n", h->n_zones ? "" : " (none)");
	}
}

#define HITS_MAX 64

static int lookup_one(const struct hv_lookup *l, const struct lookup_opts *o, const char *slon,
		      const char *slat)
{
	struct hv_lookup_hit hits[HITS_MAX];
	char what[128];
	double lon, lat;
	size_t n;

	if (!hv_str_to_double(hv_str_cstr(slon), &lon) || fabs(lon) > 180)
		return hv_cli_usage(self(), "longitude \"%s\" is not a number in -180..180", slon);
	if (!hv_str_to_double(hv_str_cstr(slat), &lat) || fabs(lat) > 90)
		return hv_cli_usage(self(), "latitude \"%s\" is not a number in -90..90", slat);
	n = hv_lookup_point(l, lon, lat, o->radius_m, hits, HITS_MAX);
	snprintf(what, sizeof(what), "%.7f,%.7f", lon, lat);
	print_hits(hits, n < HITS_MAX ? n : HITS_MAX, o->json, what, false);
	return HV_EXIT_OK;
}

static void report_bad(void *ctx, int64_t line, const char *msg)
{
	const char *file = ctx;

	fprintf(stderr, "haven: %s: line %lld: %s\n", file, (long long)line, msg);
}

/* Reads any point layer GDAL reads into pts (the reader's row numbers become the records). */
static int read_ogr_points(const char *path, struct hv_points *pts, struct hv_err *err)
{
	struct hv_geo_import_opts go = {.path = path};
	struct hv_geo_reader *r = NULL;
	struct hv_geo_feature f;
	int rc;

	if ((rc = hv_geo_reader_open(&go, &r, err)))
		return rc;
	while ((rc = hv_geo_reader_next(r, &f, err)) != 0) {
		if (rc == HV_EINVAL) {
			fprintf(stderr, "haven: %s\n", err->msg);
			pts->n_records++;
			pts->n_bad++;
			continue;
		}
		if (rc < 0)
			break;
		pts->n_records++;
		if (!f.has_point) {
			fprintf(stderr, "haven: %s: feature %lld has no point\n", path,
				(long long)f.row);
			pts->n_bad++;
			continue;
		}
		if (pts->n == pts->cap) {
			pts->cap = pts->cap ? pts->cap * 2 : 4096;
			pts->lon = hv_xrealloc(pts->lon, pts->cap * sizeof(double));
			pts->lat = hv_xrealloc(pts->lat, pts->cap * sizeof(double));
			pts->record = hv_xrealloc(pts->record, pts->cap * sizeof(int64_t));
		}
		pts->lon[pts->n] = f.lon;
		pts->lat[pts->n] = f.lat;
		pts->record[pts->n] = pts->n_records - 1;
		pts->n++;
	}
	hv_geo_reader_free(r);
	return rc < 0 ? rc : HV_OK;
}

static bool looks_like_csv(const char *path)
{
	const char *dot = strrchr(path, '.');

	return !dot || strcmp(dot, ".csv") == 0 || strcmp(dot, ".txt") == 0 ||
	       strcmp(dot, ".CSV") == 0;
}

/* Appends an unsigned decimal without printf: a million lines of output add up. */
static void add_i64(struct hv_buf *b, int64_t v)
{
	char tmp[24];
	int n = 0;
	uint64_t u = v < 0 ? (uint64_t)-v : (uint64_t)v;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		hv_buf_addc(b, '-');
	while (n)
		hv_buf_addc(b, tmp[--n]);
}

static void add_csv_field(struct hv_buf *b, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\n\r")) {
		hv_buf_adds(b, s);
		return;
	}
	hv_buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			hv_buf_addc(b, '"');
		hv_buf_addc(b, *s);
	}
	hv_buf_addc(b, '"');
}

static int write_batch(const struct hv_lookup *l, const struct hv_points *pts,
		       const struct hv_index_batch *res, FILE *out)
{
	struct hv_buf b;

	hv_buf_init(&b, 0);
	hv_buf_adds(&b, "index,property_id,source_id,relation,distance_m\n");
	for (size_t i = 0; i < pts->n; i++) {
		size_t lo = res->offsets[i], hi = res->offsets[i + 1];

		if (lo == hi) {
			add_i64(&b, pts->record[i]);
			hv_buf_adds(&b, ",,,,\n");
		}
		for (size_t k = lo; k < hi; k++) {
			struct hv_lookup_hit h;

			hv_lookup_hit_of(l, &res->matches[k], &h);
			add_i64(&b, pts->record[i]);
			hv_buf_addc(&b, ',');
			add_i64(&b, h.property_id);
			hv_buf_addc(&b, ',');
			add_csv_field(&b, h.source_id);
			if (h.relation == HV_INDEX_INSIDE) {
				hv_buf_adds(&b, ",inside,0\n");
			} else {
				hv_buf_addf(&b, ",near,%.2f\n", h.distance_m);
			}
		}
		if (b.len > (1 << 20)) {
			fwrite(b.data, 1, b.len, out);
			hv_buf_reset(&b);
		}
	}
	fwrite(b.data, 1, b.len, out);
	hv_buf_release(&b);
	return ferror(out) ? -1 : 0;
}

static int lookup_points(const struct hv_lookup *l, const struct lookup_opts *o)
{
	struct hv_points pts;
	struct hv_index_batch res = {0};
	struct hv_err err;
	char *data = NULL;
	size_t len = 0;
	FILE *out = stdout;
	int rc, exit_code = HV_EXIT_OK;
	uint64_t t0;

	hv_err_clear(&err);
	hv_points_init(&pts);
	if (looks_like_csv(o->points)) {
		rc = hv_fs_read_file(o->points, (size_t)1 << 34, &data, &len, &err);
		if (rc == HV_OK) {
			rc = hv_points_parse_csv(data, len, o->strict, report_bad, (void *)o->points,
						 &pts, &err);
			if (rc)
				hv_err_prefix(&err, rc, "%s", o->points);
		}
		free(data);
	} else {
		rc = read_ogr_points(o->points, &pts, &err);
		if (rc == HV_OK && o->strict && pts.n_bad)
			rc = hv_err_set(&err, HV_EINVAL, "%s: %lld bad features", o->points,
					(long long)pts.n_bad);
	}
	if (rc) {
		hv_points_release(&pts);
		return hv_cli_fail(&err);
	}
	if (o->out && !(out = fopen(o->out, "w"))) {
		hv_err_set(&err, HV_EIO, "cannot write %s", o->out);
		hv_points_release(&pts);
		return hv_cli_fail(&err);
	}
	t0 = hv_time_mono_ns();
	hv_lookup_batch(l, pts.lon, pts.lat, pts.n, o->radius_m, o->threads, &res);
	double secs = (double)(hv_time_mono_ns() - t0) / 1e9;
	if (write_batch(l, &pts, &res, out)) {
		hv_err_set(&err, HV_EIO, "writing the results failed");
		exit_code = hv_cli_fail(&err);
	}
	if (out != stdout)
		fclose(out);
	if (isatty(STDERR_FILENO) || o->out)
		fprintf(stderr, "%zu points looked up in %.3f s (%.0f/s), %lld bad lines skipped\n",
			pts.n, secs, secs > 0 ? (double)pts.n / secs : 0.0, (long long)pts.n_bad);
	hv_index_batch_release(&res);
	hv_points_release(&pts);
	return exit_code;
}

static int run_lookup(struct hv_cli *cli, int argc, char **argv)
{
	struct lookup_opts o = {.radius_m = HV_LOOKUP_RADIUS_M};
	struct hv_store *s;
	struct hv_lookup *l;
	struct hv_err err;
	int rc;

	char **rest = hv_xcalloc((size_t)argc + 1, sizeof(char *));
	int n_rest = take_positionals(argc, argv, &o, rest);

	hv_err_clear(&err);
	rc = n_rest < 0 ? HV_EXIT_USAGE : parse_opts(n_rest, rest, &o);
	free(rest);
	if (rc)
		return rc;
	if ((o.n_pos != 0) + (o.address != NULL) + (o.points != NULL) != 1 ||
	    (o.n_pos != 0 && o.n_pos != 2))
		return hv_cli_usage(self(), "give LON LAT, --address TEXT or --points FILE");
	if (!(s = hv_cli_open_store(cli)))
		return HV_EXIT_FAIL;
	rc = hv_lookup_build(s, &l, &err);
	hv_store_close(s);
	if (rc)
		return hv_cli_fail(&err);
	if (o.points) {
		rc = lookup_points(l, &o);
	} else if (o.address) {
		struct hv_lookup_hit hits[HITS_MAX];
		size_t n = hv_lookup_address(l, o.address, hits, HITS_MAX);

		print_hits(hits, n < HITS_MAX ? n : HITS_MAX, o.json, o.address, true);
		rc = HV_EXIT_OK;
	} else {
		rc = lookup_one(l, &o, o.pos[0], o.pos[1]);
	}
	hv_lookup_free(l);
	return rc;
}

const struct hv_cmd hv_cmd_lookup = {
	.name = "lookup",
	.run = run_lookup,
	.summary = "which property and zone contains a point or has an address (also in bulk)",
	.usage = lookup_usage,
};
