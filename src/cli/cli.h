/* SPDX-License-Identifier: Apache-2.0 */
/* The command line's shared pieces: the command table, option helpers, output. */
#ifndef HV_CLI_CLI_H
#define HV_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"

/* Exit codes. */
enum {
	HV_EXIT_OK = 0,
	HV_EXIT_FAIL = 1,
	HV_EXIT_USAGE = 2,
};

struct hv_cli {
	const char *db_path; /* --db, $HAVEN_DB, or ./haven.db */
};

struct hv_cmd {
	const char *name;
	int (*run)(struct hv_cli *cli, int argc, char **argv);
	const char *summary;
	const char *usage; /* full help text: synopsis, options, examples */
};

extern const struct hv_cmd hv_cmd_init, hv_cmd_status, hv_cmd_import, hv_cmd_imports,
	hv_cmd_scope, hv_cmd_property, hv_cmd_export, hv_cmd_demo_city, hv_cmd_lookup, hv_cmd_serve,
	hv_cmd_user, hv_cmd_token, hv_cmd_ledger, hv_cmd_verify;
extern const struct hv_cmd hv_cmd_signs;

/* `haven signs template ...` (argv[0] is "template"); cmd_signs_template.c. */
int hv_cli_signs_template(struct hv_cli *cli, int argc, char **argv);
extern const struct hv_cmd hv_cmd_incident, hv_cmd_case, hv_cmd_notices, hv_cmd_packet;

/* Prints "haven CMD: MSG" and the synopsis to stderr; returns HV_EXIT_USAGE. */
int hv_cli_usage(const struct hv_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints "haven: error: " and err's message to stderr; returns HV_EXIT_FAIL. */
int hv_cli_fail(const struct hv_err *err);
/* Opens the store named by cli (creating it). Prints the error itself; NULL on failure. */
struct hv_store *hv_cli_open_store(struct hv_cli *cli);
/* Writes b to stdout followed by a newline. */
void hv_cli_print(const struct hv_buf *b);
/* Parses an --as-of value: a date alone means the end of that day (UTC), so "on 2025-10-20"
 * includes everything that took effect that day; a time is taken as given. */
bool hv_cli_parse_as_of(const char *s, int64_t *ms);
/* Parses an --effective value: a date alone means the start of that day (UTC). */
bool hv_cli_parse_effective(const char *s, int64_t *ms);
/* Parses a positive decimal id. */
bool hv_cli_parse_id(const char *s, int64_t *id);
/* A sub-command of a command that works on the store ("scope add", "user list", ...). */
struct hv_subcmd {
	const char *name;
	int (*run)(struct hv_store *s, int argc, char **argv); /* argv[0] is the name */
};

/* Finds argv[1] among subs, opens the store, runs it and closes the store. A missing or unknown
 * sub-command is a usage error listing the ones there are. */
int hv_cli_dispatch(struct hv_cli *cli, const struct hv_cmd *cmd, const struct hv_subcmd *subs,
		    size_t n_subs, int argc, char **argv);
/* Resets getopt for a sub-command's own options. */
void hv_cli_getopt_reset(void);

#endif
