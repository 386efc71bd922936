/* SPDX-License-Identifier: Apache-2.0 */
/* `haven demo-city --out DIR`: writes the fictional demo city's property files. */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "core/str.h"
#include "demo/democity.h"

static int run_demo_city(struct hv_cli *cli, int argc, char **argv)
{
	enum { O_OUT = 256, O_SEED };
	static const struct option opts[] = {
		{"out", required_argument, NULL, O_OUT},
		{"seed", required_argument, NULL, O_SEED},
		{0},
	};
	struct hv_democity_stats st;
	const char *out = NULL;
	int64_t seed = 2025;
	struct hv_err err;
	int c;

	hv_err_clear(&err);
	hv_cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case O_OUT:
			out = optarg;
			break;
		case O_SEED:
			if (!hv_str_to_i64(hv_str_cstr(optarg), &seed) || seed < 0)
				return hv_cli_usage(&hv_cmd_demo_city,
						    "--seed \"%s\" is not a number", optarg);
			break;
		case ':':
			return hv_cli_usage(&hv_cmd_demo_city, "%s needs a value",
					    argv[optind - 1]);
		default:
			return hv_cli_usage(&hv_cmd_demo_city, "unknown option %s",
					    argv[optind - 1]);
		}
	}
	if (!out)
		return hv_cli_usage(&hv_cmd_demo_city, "--out DIR is required");
	if (optind < argc)
		return hv_cli_usage(&hv_cmd_demo_city, "unexpected argument \"%s\"", argv[optind]);
	if (hv_democity_write(out, (uint64_t)seed, &st, &err))
		return hv_cli_fail(&err);
	printf("Port Haven (seed %lld): %zu parcels in %s/parcels.shp (EPSG:3435), "
	       "%zu facilities in %s/points.csv\n",
	       (long long)seed, st.n_parcels, out, st.n_points, out);
	for (int k = 0; k < HV_DEMOCITY_N_KINDS; k++)
		printf("  %-12s %5zu\n", hv_democity_kind_name((enum hv_democity_kind)k),
		       st.n_by_kind[k]);
	return HV_EXIT_OK;
}

const struct hv_cmd hv_cmd_demo_city = {
	.name = "demo-city",
	.run = run_demo_city,
	.summary = "write a fictional demo city's property files (for make demo)",
	.usage = "usage: haven demo-city --out DIR [--seed N]\n"
		 "\n"
		 "Writes Port Haven, a fictional Illinois town, deterministically from the seed:\n"
		 "DIR/parcels.shp, several hundred parcels (lot, garage, vacant lot, building, park,\n"
		 "school lot) with addresses in EPSG:3435, and DIR/points.csv, a facilities list\n"
		 "with latitude/longitude. Existing files are not overwritten.\n",
};
