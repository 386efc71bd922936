/* SPDX-License-Identifier: Apache-2.0 */
/* `haven import FILE ...` and `haven imports`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "core/json.h"
#include "registry/registry.h"

static const char import_usage[] =
	"usage: haven [--db PATH] import FILE [--layer NAME] [--source NAME]\n"
	"                  [--kind KIND | --kind-field F] [--id-field F] [--name-field F]\n"
	"                  [--address-field F] [--status-field F] [--srs EPSG:N]\n"
	"                  [--address-template T] [--effective DATE] [--skip-bad] [--dry-run]\n"
	"                  [--json]\n"
	"\n"
	"Imports a city's property file: anything GDAL reads (CSV with lat/lon, X/Y or\n"
	"\"(lat, lon)\" location columns, GeoJSON, Shapefile, ESRI JSON, GeoPackage, ...), in any\n"
	"CRS, reprojected to WGS 84. Invalid polygons are repaired (each repair is reported).\n"
	"Importing a newer file of the same source updates its properties by source id:\n"
	"added, changed and removed are reported and every earlier version is kept.\n"
	"\n"
	"  --source NAME     the source's name (default: the file name without extension)\n"
	"  --layer NAME      the layer to read (default: the first)\n"
	"  --srs EPSG:N      the CRS of the coordinates (overrides a .prj without EPSG code;\n"
	"                    for a CSV, selects X/Y columns in that CRS)\n"
	"  --kind KIND       every property's kind (lot, garage, vacant lot, building, park,\n"
	"                    school lot, ...); --kind-field F takes it from field F\n"
	"  --id-field F      the source's id (default: guessed: id, PIN, OBJECTID, ...)\n"
	"  --name-field F, --address-field F, --status-field F   (default: guessed)\n"
	"  --address-template T   compose the address from fields, e.g. building footprints:\n"
	"                    \"{F_ADD1}-{T_ADD1} {PRE_DIR1} {ST_NAME1} {ST_TYPE1}\" (a range)\n"
	"  --effective DATE  when the data was in force (default: now)\n"
	"  --skip-bad        skip malformed rows (listed in the report) instead of failing\n"
	"  --dry-run         report what would change; store nothing\n"
	"  --json            print the report as JSON\n"
	"\n"
	"Nothing is stored unless the whole file imports: an error names the file, row and\n"
	"field, and leaves the store as it was.\n";

/* A progress bar on a terminal only; redrawn at most every percent. */
struct progress {
	int last_pct;
	bool on;
};

static void show_progress(void *ctx, int64_t done, int64_t total)
{
	struct progress *p = ctx;
	int pct, width = 40, fill;

	if (!p->on)
		return;
	if (total <= 0) {
		fprintf(stderr, "\rread %lld", (long long)done);
		return;
	}
	pct = (int)(done * 100 / (total ? total : 1));
	if (pct > 100)
		pct = 100;
	if (pct == p->last_pct && done != total)
		return;
	p->last_pct = pct;
	fill = pct * width / 100;
	fprintf(stderr, "\r[%.*s%*s] %3d%% %lld/%lld", fill,
		"########################################", width - fill, "", pct,
		(long long)done, (long long)total);
	if (done >= total)
		fputc('\n', stderr);
}

static void print_notes(const char *what, const struct hv_import_note *n, size_t count,
			int64_t total)
{
	for (size_t i = 0; i < count; i++) {
		if (n[i].source_key)
			printf("  %s row %lld (id %s): %s\n", what, (long long)n[i].row,
			       n[i].source_key, n[i].text);
		else
			printf("  %s row %lld: %s\n", what, (long long)n[i].row, n[i].text);
	}
	if ((int64_t)count < total)
		printf("  ... and %lld more %s\n", (long long)(total - (int64_t)count), what);
}

static void print_report(const struct hv_import_report *r)
{
	printf("%s %s as source \"%s\" (%s, %s, %.2f s)\n",
	       r->dry_run ? "dry run: would import" : "imported", r->file_name, r->source,
	       r->driver, r->srs ? r->srs : "no CRS", r->seconds);
	printf("  read %lld, imported %lld (added %lld, changed %lld, unchanged %lld",
	       (long long)r->n_read,
	       (long long)(r->n_added + r->n_changed + r->n_restated + r->n_unchanged),
	       (long long)r->n_added, (long long)r->n_changed, (long long)r->n_unchanged);
	if (r->n_restated)
		printf(", only columns changed %lld", (long long)r->n_restated);
	printf("), removed %lld, repaired %lld, skipped %lld\n", (long long)r->n_removed,
	       (long long)r->n_repaired, (long long)r->n_skipped);
	if (r->n_address_only)
		printf("  %lld without usable coordinates (empty, or the (0, 0) placeholder), kept as "
		       "address-only properties\n",
		       (long long)r->n_address_only);
	for (size_t i = 0; i < r->n_columns_added; i++)
		printf("  new column: %s\n", r->columns_added[i]);
	for (size_t i = 0; i < r->n_columns_removed; i++)
		printf("  column gone: %s\n", r->columns_removed[i]);
	print_notes("skipped", r->skips, r->n_skips, r->n_skipped);
	print_notes("repaired", r->repairs, r->n_repairs, r->n_repaired);
	printf("  file sha256 %s\n", r->file_sha256);
}

static int run_import(struct hv_cli *cli, int argc, char **argv)
{
	enum {
		O_LAYER = 256,
		O_SOURCE,
		O_KIND,
		O_KIND_FIELD,
		O_ID,
		O_NAME,
		O_ADDRESS,
		O_STATUS,
		O_ADDRESS_TEMPLATE,
		O_SRS,
		O_EFFECTIVE,
		O_SKIP,
		O_DRY,
		O_JSON
	};
	static const struct option opts[] = {
		{"layer", required_argument, NULL, O_LAYER},
		{"source", required_argument, NULL, O_SOURCE},
		{"kind", required_argument, NULL, O_KIND},
		{"kind-field", required_argument, NULL, O_KIND_FIELD},
		{"id-field", required_argument, NULL, O_ID},
		{"name-field", required_argument, NULL, O_NAME},
		{"address-field", required_argument, NULL, O_ADDRESS},
		{"status-field", required_argument, NULL, O_STATUS},
		{"address-template", required_argument, NULL, O_ADDRESS_TEMPLATE},
		{"srs", required_argument, NULL, O_SRS},
		{"effective", required_argument, NULL, O_EFFECTIVE},
		{"skip-bad", no_argument, NULL, O_SKIP},
		{"dry-run", no_argument, NULL, O_DRY},
		{"json", no_argument, NULL, O_JSON},
		{0},
	};
	struct hv_import_opts o = {0};
	struct hv_import_report rep;
	struct progress prog = {.last_pct = -1};
	struct hv_store *s;
	struct hv_err err;
	bool json = false;
	int c, rc;

	hv_err_clear(&err);
	hv_cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case O_LAYER:
			o.geo.layer = optarg;
			break;
		case O_SOURCE:
			o.source = optarg;
			break;
		case O_KIND:
			o.geo.kind = optarg;
			break;
		case O_KIND_FIELD:
			o.geo.kind_field = optarg;
			break;
		case O_ID:
			o.geo.id_field = optarg;
			break;
		case O_NAME:
			o.geo.name_field = optarg;
			break;
		case O_ADDRESS:
			o.geo.address_field = optarg;
			break;
		case O_STATUS:
			o.geo.status_field = optarg;
			break;
		case O_ADDRESS_TEMPLATE:
			o.geo.address_template = optarg;
			break;
		case O_SRS:
			o.geo.srs = optarg;
			break;
		case O_EFFECTIVE:
			if (!hv_cli_parse_effective(optarg, &o.effective_ms))
				return hv_cli_usage(&hv_cmd_import,
						    "--effective \"%s\" is not a date (YYYY-MM-DD "
						    "or YYYY-MM-DDTHH:MM:SSZ)",
						    optarg);
			break;
		case O_SKIP:
			o.skip_bad = true;
			break;
		case O_DRY:
			o.dry_run = true;
			break;
		case O_JSON:
			json = true;
			break;
		case ':':
			return hv_cli_usage(&hv_cmd_import, "%s needs a value", argv[optind - 1]);
		default:
			return hv_cli_usage(&hv_cmd_import, "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return hv_cli_usage(&hv_cmd_import, "no FILE given");
	if (optind + 1 < argc)
		return hv_cli_usage(&hv_cmd_import, "one FILE at a time (got \"%s\" too)",
				    argv[optind + 1]);
	if (o.geo.kind && o.geo.kind_field)
		return hv_cli_usage(&hv_cmd_import, "--kind and --kind-field exclude each other");
	o.geo.path = argv[optind];
	prog.on = isatty(STDERR_FILENO) && !json;
	o.progress = show_progress;
	o.progress_ctx = &prog;
	if (!(s = hv_cli_open_store(cli)))
		return HV_EXIT_FAIL;
	rc = hv_registry_import(s, &o, &rep, &err);
	hv_store_close(s);
	if (prog.on && prog.last_pct >= 0 && prog.last_pct < 100)
		fputc('\n', stderr);
	if (rc != HV_OK)
		return hv_cli_fail(&err);
	if (json) {
		struct hv_buf b;
		struct hv_json w;

		hv_buf_init(&b, 0);
		hv_json_init(&w, &b, true);
		hv_import_report_json(&rep, &w);
		hv_cli_print(&b);
		hv_buf_release(&b);
	} else {
		print_report(&rep);
	}
	hv_import_report_release(&rep);
	return HV_EXIT_OK;
}

const struct hv_cmd hv_cmd_import = {
	.name = "import",
	.run = run_import,
	.summary = "import a city's property file (CSV, GeoJSON, Shapefile, ESRI JSON, ...)",
	.usage = import_usage,
};

struct imports_ctx {
	struct hv_json *w;
	bool json;
};

static int print_import(void *ctx, const struct hv_import_rec *r, const char *source)
{
	struct imports_ctx *x = ctx;
	char at[HV_TIME_ISO_MAX], eff[HV_TIME_ISO_MAX];

	hv_time_format_iso(r->imported_ms, at, sizeof(at));
	hv_time_format_iso(r->effective_ms, eff, sizeof(eff));
	if (!x->json) {
		printf("%4lld  %s  %-28s %-40s read %lld, added %lld, changed %lld, removed %lld\n",
		       (long long)r->id, at, source, r->file_name, (long long)r->n_read,
		       (long long)r->n_added, (long long)r->n_changed, (long long)r->n_removed);
		return 0;
	}
	hv_json_obj_begin(x->w);
	hv_json_key(x->w, "id");
	hv_json_int(x->w, r->id);
	hv_json_key(x->w, "source");
	hv_json_str(x->w, source);
	hv_json_key(x->w, "imported_at");
	hv_json_str(x->w, at);
	hv_json_key(x->w, "effective");
	hv_json_str(x->w, eff);
	hv_json_key(x->w, "report");
	hv_json_raw(x->w, r->report_json);
	hv_json_obj_end(x->w);
	return 0;
}

static int run_imports(struct hv_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {0}};
	struct imports_ctx x = {0};
	struct hv_buf b;
	struct hv_json w;
	struct hv_store *s;
	struct hv_err err;
	int c, rc;

	hv_err_clear(&err);
	hv_cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'j')
			return hv_cli_usage(&hv_cmd_imports, "unknown option %s", argv[optind - 1]);
		x.json = true;
	}
	if (optind < argc)
		return hv_cli_usage(&hv_cmd_imports, "unexpected argument \"%s\"", argv[optind]);
	if (!(s = hv_cli_open_store(cli)))
		return HV_EXIT_FAIL;
	hv_buf_init(&b, 0);
	hv_json_init(&w, &b, true);
	x.w = &w;
	if (x.json)
		hv_json_arr_begin(&w);
	rc = hv_store_import_each(s, print_import, &x, &err);
	hv_store_close(s);
	if (rc < 0) {
		hv_buf_release(&b);
		return hv_cli_fail(&err);
	}
	if (x.json) {
		hv_json_arr_end(&w);
		hv_cli_print(&b);
	}
	hv_buf_release(&b);
	return HV_EXIT_OK;
}

const struct hv_cmd hv_cmd_imports = {
	.name = "imports",
	.run = run_imports,
	.summary = "list past imports with their file hashes and reports",
	.usage = "usage: haven [--db PATH] imports [--json]\n",
};
