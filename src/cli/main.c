/* SPDX-License-Identifier: Apache-2.0 */
/* haven's command line: `haven [--db PATH] <command> [options]`, a command table like git's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/banned.h"

static const struct hv_cmd *const commands[] = {
	&hv_cmd_init,	 &hv_cmd_status, &hv_cmd_import, &hv_cmd_imports,
	&hv_cmd_scope,	 &hv_cmd_property, &hv_cmd_lookup, &hv_cmd_export, &hv_cmd_demo_city,
	&hv_cmd_serve,	 &hv_cmd_user,	   &hv_cmd_token,
	&hv_cmd_ledger,	 &hv_cmd_verify,	&hv_cmd_signs,
	&hv_cmd_incident, &hv_cmd_case, &hv_cmd_notices, &hv_cmd_packet,
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char main_usage[] =
	"usage: haven [--db PATH] <command> [options]\n"
	"\n"
	"The store is PATH, else $HAVEN_DB, else ./haven.db (an SQLite file, created when absent).\n"
	"Every command that reads takes --json for machine-readable output.\n"
	"Exit status: 0 success, 1 failure, 2 usage error.\n"
	"\n"
	"commands:\n";

static void print_main_usage(FILE *f)
{
	fputs(main_usage, f);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-12s %s\n", commands[i]->name, commands[i]->summary);
	fputs("\n'haven help <command>' shows a command's options.\n", f);
}

static const struct hv_cmd *find(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static int help(int argc, char **argv)
{
	const struct hv_cmd *cmd;

	if (argc < 2) {
		print_main_usage(stdout);
		return HV_EXIT_OK;
	}
	cmd = find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "haven: no command \"%s\"\n\n", argv[1]);
		print_main_usage(stderr);
		return HV_EXIT_USAGE;
	}
	fputs(cmd->usage, stdout);
	return HV_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct hv_cli cli = {.db_path = getenv("HAVEN_DB")};
	const struct hv_cmd *cmd;
	int i = 1;

	if (!cli.db_path || !*cli.db_path)
		cli.db_path = "haven.db";
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
			cli.db_path = argv[++i];
		} else if (strncmp(argv[i], "--db=", 5) == 0) {
			cli.db_path = argv[i] + 5;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_main_usage(stdout);
			return HV_EXIT_OK;
		} else if (strcmp(argv[i], "--version") == 0) {
			puts("haven 0.1.0");
			return HV_EXIT_OK;
		} else {
			fprintf(stderr, "haven: unknown option %s\n\n", argv[i]);
			print_main_usage(stderr);
			return HV_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		print_main_usage(stderr);
		return HV_EXIT_USAGE;
	}
	if (strcmp(argv[i], "help") == 0)
		return help(argc - i, argv + i);
	cmd = find(argv[i]);
	if (!cmd) {
		fprintf(stderr, "haven: no command \"%s\"\n\n", argv[i]);
		print_main_usage(stderr);
		return HV_EXIT_USAGE;
	}
	return cmd->run(&cli, argc - i, argv + i);
}
