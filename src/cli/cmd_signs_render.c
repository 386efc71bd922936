/* SPDX-License-Identifier: Apache-2.0 */
/* The render step of `haven signs print`: a print run's signs into one PDF. */
#include "cli/cmd_signs.h"
#include "core/banned.h"

int hv_cli_signs_render(struct hv_store *s, int64_t run_id, const char *out_path,
			struct hv_err *err)
{
	(void)s;
	(void)run_id;
	return hv_err_set(err, HV_EINTERNAL,
			  "%s: this haven has no PDF renderer built in (src/signs/render.c); "
			  "use 'signs issue' and render elsewhere",
			  out_path);
}
