/* SPDX-License-Identifier: Apache-2.0 */
/* `haven signs`: its sub-command table entry and the render step of `signs print`. */
#ifndef HV_CLI_CMD_SIGNS_H
#define HV_CLI_CMD_SIGNS_H

#include <stdbool.h>

#include "cli/cli.h"

struct hv_cli_signs_sub {
	const char *name;
	int (*run)(struct hv_cli *cli, struct hv_store *s, int argc, char **argv);
};

/* Renders print run run_id (its signs, in serial order, with the run's template, size, variant
 * and languages) into one PDF at out_path; bleed adds bleed and crop marks. Reads through s (in
 * the caller's transaction when one is open); an error leaves nothing at out_path. */
int hv_cli_signs_render(struct hv_store *s, int64_t run_id, const char *out_path, bool bleed,
			struct hv_err *err);

#endif
