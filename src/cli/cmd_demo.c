/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/cli.h"

static int run_demo_city(struct hv_cli *cli, int argc, char **argv)
{
	return HV_EXIT_FAIL;
}

const struct hv_cmd hv_cmd_demo_city = {
	.name = "demo-city",
	.run = run_demo_city,
	.summary = "write a fictional demo city's property files",
	.usage = "usage: haven demo-city --out DIR [--seed N]\n",
};
