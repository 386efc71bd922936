/* SPDX-License-Identifier: Apache-2.0 */
/* `haven export --format geojson|csv|gpkg FILE`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "registry/registry.h"

static int run_export(struct hv_cli *cli, int argc, char **argv)
{
	enum { O_FORMAT = 256, O_SCOPE };
	static const struct option opts[] = {
		{"format", required_argument, NULL, O_FORMAT},
		{"scope", required_argument, NULL, O_SCOPE},
		{0},
	};
	enum hv_geo_format fmt = HV_GEO_GEOJSON;
	const char *scope = NULL, *format = NULL;
	struct hv_store *s;
	struct hv_err err;
	int64_t n = 0;
	int c, rc;

	hv_err_clear(&err);
	hv_cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case O_FORMAT:
			format = optarg;
			break;
		case O_SCOPE:
			scope = optarg;
			break;
		case ':':
			return hv_cli_usage(&hv_cmd_export, "%s needs a value", argv[optind - 1]);
		default:
			return hv_cli_usage(&hv_cmd_export, "unknown option %s", argv[optind - 1]);
		}
	}
	if (!format)
		return hv_cli_usage(&hv_cmd_export, "--format is required");
	if (!hv_geo_format_parse(format, &fmt) || fmt == HV_GEO_SHAPEFILE)
		return hv_cli_usage(&hv_cmd_export,
				    "--format \"%s\": expected geojson, csv or gpkg", format);
	if (optind + 1 != argc)
		return hv_cli_usage(&hv_cmd_export, "one output FILE is required");
	if (!(s = hv_cli_open_store(cli)))
		return HV_EXIT_FAIL;
	rc = hv_registry_export(s, argv[optind], fmt, scope, &n, &err);
	hv_store_close(s);
	if (rc)
		return hv_cli_fail(&err);
	printf("exported %lld properties to %s\n", (long long)n, argv[optind]);
	return HV_EXIT_OK;
}

const struct hv_cmd hv_cmd_export = {
	.name = "export",
	.run = run_export,
	.summary = "export properties as GeoJSON, CSV or GeoPackage (through GDAL)",
	.usage = "usage: haven [--db PATH] export --format geojson|csv|gpkg [--scope NAME] FILE\n"
		 "\n"
		 "Writes every current property (or the zones of one scope) in WGS 84 with\n"
		 "haven_source, haven_source_id, haven_kind, haven_name, haven_address and\n"
		 "haven_status columns and every source attribute as its own column; the file\n"
		 "imports again to the same properties. An existing FILE is not overwritten.\n",
};
