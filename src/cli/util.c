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

int hv_cli_dispatch(struct hv_cli *cli, const struct hv_cmd *cmd, const struct hv_subcmd *subs,
		    size_t n_subs, int argc, char **argv)
{
	const struct hv_subcmd *sub = NULL;
	struct hv_store *s;
	char names[256] = "";
	size_t used = 0;
	int rc;

	for (size_t i = 0; i < n_subs; i++) {
		int n = snprintf(names + used, sizeof(names) - used, "%s%s",
				 i == 0 ? "" : (i + 1 == n_subs ? " or " : ", "), subs[i].name);

		if (n > 0 && (size_t)n < sizeof(names) - used)
			used += (size_t)n;
		if (argc >= 2 && strcmp(argv[1], subs[i].name) == 0)
			sub = &subs[i];
	}
	if (argc < 2)
		return hv_cli_usage(cmd, "which? %s", names);
	if (!sub)
		return hv_cli_usage(cmd, "no sub-command \"%s\" (%s)", argv[1], names);
	if (!(s = hv_cli_open_store(cli)))
		return HV_EXIT_FAIL;
	rc = sub->run(s, argc - 1, argv + 1);
	hv_store_close(s);
	return rc;
}
