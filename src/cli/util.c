/* SPDX-License-Identifier: Apache-2.0 */
/* Shared command-line helpers. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "core/str.h"

int hv_cli_usage(const struct hv_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "haven %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n\n%s", cmd->usage);
	return HV_EXIT_USAGE;
}

int hv_cli_fail(const struct hv_err *err)
{
	fprintf(stderr, "haven: error: %s\n", err->msg[0] ? err->msg : hv_status_str(err->code));
	return HV_EXIT_FAIL;
}

struct hv_store *hv_cli_open_store(struct hv_cli *cli)
{
	struct hv_store *s = NULL;
	struct hv_err err;

	hv_err_clear(&err);
	if (hv_store_open(cli->db_path, &s, &err) != HV_OK) {
		hv_cli_fail(&err);
		return NULL;
	}
	return s;
}

void hv_cli_print(const struct hv_buf *b)
{
	fwrite(b->data, 1, b->len, stdout);
	fputc('\n', stdout);
}

static bool date_only(const char *s)
{
	return strlen(s) == 10;
}

bool hv_cli_parse_as_of(const char *s, int64_t *ms)
{
	if (!hv_time_parse_iso(s, ms))
		return false;
	if (date_only(s))
		*ms += 86400000 - 1;
	return true;
}

bool hv_cli_parse_effective(const char *s, int64_t *ms)
{
	return hv_time_parse_iso(s, ms);
}

bool hv_cli_parse_id(const char *s, int64_t *id)
{
	return hv_str_to_i64(hv_str_cstr(s), id) && *id > 0;
}

void hv_cli_getopt_reset(void)
{
	/* glibc: 0 re-initialises getopt completely, including its internal state */
	optind = 0;
	opterr = 0;
}
