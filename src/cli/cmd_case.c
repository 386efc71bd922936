/* SPDX-License-Identifier: Apache-2.0 */
/* `haven case open|move|link|show|list|dashboard` and `haven notices`: the law department's
 * cases over incidents, and the notice queue. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases/cases.h"
#include "cases/notice.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "core/json.h"

static const char case_usage[] =
	"usage: haven [--db PATH] case open --title TEXT [--incident ID]... [--by NAME]\n"
	"       haven [--db PATH] case move CASE STATE [--referred-to WHOM] [--outcome TEXT]\n"
	"                 [--note TEXT] [--by NAME]\n"
	"       haven [--db PATH] case link CASE --incident ID [--by NAME]\n"
	"       haven [--db PATH] case show CASE\n"
	"       haven [--db PATH] case list\n"
	"       haven [--db PATH] case dashboard\n"
	"\n"
	"A case moves forward only: triage -> under-review -> referred (--referred-to) ->\n"
	"closed (--outcome). Each step is an append-only event with its ledger entry.\n"
	"The dashboard lists the open cases and the reports by property and week.\n";

static const char notices_usage[] =
	"usage: haven [--db PATH] notices [--send]\n"
	"\n"
	"The notice queue: every notice of a new report with its state (pending, sent, failed),\n"
	"attempts and last error. --send delivers the due ones now (HAVEN_SMTP_URL,\n"
	"HAVEN_MAIL_FROM, HAVEN_WEBHOOK_SECRET), as the server's sender does.\n";

static const struct hv_cmd *self(void);

#define MAX_INC 64

struct case_opts {
	const char *title, *referred_to, *outcome, *note, *by;
	int64_t incidents[MAX_INC];
	size_t n_incidents;
	bool send;
};

static int parse_opts(const struct hv_cmd *cmd, int argc, char **argv, struct case_opts *o)
{
	enum {
		O_TITLE = 256,
		O_INCIDENT,
		O_REFERRED,
		O_OUTCOME,
		O_NOTE,
		O_BY,
		O_SEND
	};
	static const struct option opts[] = {
		{"title", required_argument, NULL, O_TITLE},
		{"incident", required_argument, NULL, O_INCIDENT},
		{"referred-to", required_argument, NULL, O_REFERRED},
		{"outcome", required_argument, NULL, O_OUTCOME},
		{"note", required_argument, NULL, O_NOTE},
		{"by", required_argument, NULL, O_BY},
		{"send", no_argument, NULL, O_SEND},
		{0},
	};
	int c;

	o->by = "cli";
	hv_cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case O_TITLE:
			o->title = optarg;
			break;
		case O_INCIDENT:
			if (o->n_incidents == MAX_INC ||
			    !hv_cli_parse_id(optarg, &o->incidents[o->n_incidents]))
				return hv_cli_usage(cmd, "--incident \"%s\" is not an id", optarg);
			o->n_incidents++;
			break;
		case O_REFERRED:
			o->referred_to = optarg;
			break;
		case O_OUTCOME:
			o->outcome = optarg;
			break;
		case O_NOTE:
			o->note = optarg;
			break;
		case O_BY:
			o->by = optarg;
			break;
		case O_SEND:
			o->send = true;
			break;
		case ':':
			return hv_cli_usage(cmd, "%s needs a value", argv[optind - 1]);
		default:
			return hv_cli_usage(cmd, "unknown option %s", argv[optind - 1]);
		}
	}
	return HV_EXIT_OK;
}

static int case_arg(int argc, char **argv, int64_t *id)
{
	if (optind >= argc || !hv_cli_parse_id(argv[optind], id))
		return hv_cli_usage(self(), "a CASE id is needed");
	optind++;
	return HV_EXIT_OK;
}

static int print_json(struct hv_store *s, int64_t id,
		      int (*fn)(struct hv_store *, int64_t, struct hv_json *, struct hv_err *))
{
	struct hv_buf b;
	struct hv_json w;
	struct hv_err err;
	int rc;

	hv_buf_init(&b, 0);
	hv_json_init(&w, &b, true);
	rc = fn(s, id, &w, &err);
	if (rc == HV_OK)
		hv_cli_print(&b);
	hv_buf_release(&b);
	return rc ? hv_cli_fail(&err) : HV_EXIT_OK;
}

static int show_fn(struct hv_store *s, int64_t id, struct hv_json *w, struct hv_err *err)
{
	return hv_case_json(s, id, w, err);
}

static int list_fn(struct hv_store *s, int64_t id, struct hv_json *w, struct hv_err *err)
{
	return hv_case_list_json(s, w, err);
}

static int dash_fn(struct hv_store *s, int64_t id, struct hv_json *w, struct hv_err *err)
{
	return hv_case_dashboard_json(s, w, err);
}

static int run_open(struct hv_store *s, int argc, char **argv)
{
	struct case_opts o = {0};
	struct hv_err err;
	int64_t id;
	int ex;

	if ((ex = parse_opts(self(), argc, argv, &o)))
		return ex;
	if (!o.title)
		return hv_cli_usage(self(), "--title is required");
	if (hv_case_open(s, o.title, o.incidents, o.n_incidents, o.by, hv_time_now_ms(), &id, &err))
		return hv_cli_fail(&err);
	printf("case %" PRId64 "\n", id);
	return HV_EXIT_OK;
}

static int run_move(struct hv_store *s, int argc, char **argv)
{
	struct case_opts o = {0};
	struct hv_err err;
	int64_t id;
	int ex;

	if ((ex = parse_opts(self(), argc, argv, &o)) || (ex = case_arg(argc, argv, &id)))
		return ex;
	if (optind + 1 != argc)
		return hv_cli_usage(self(), "move needs CASE and a STATE (%s)", HV_CASE_STATES);
	if (hv_case_move(s, id, argv[optind], o.referred_to, o.outcome, o.note, o.by,
			 hv_time_now_ms(), &err))
		return hv_cli_fail(&err);
	printf("case %" PRId64 " %s\n", id, argv[optind]);
	return HV_EXIT_OK;
}

static int run_link(struct hv_store *s, int argc, char **argv)
{
	struct case_opts o = {0};
	struct hv_err err;
	int64_t id;
	int ex;

	if ((ex = parse_opts(self(), argc, argv, &o)) || (ex = case_arg(argc, argv, &id)))
		return ex;
	if (!o.n_incidents)
		return hv_cli_usage(self(), "--incident is required");
	for (size_t i = 0; i < o.n_incidents; i++)
		if (hv_case_link(s, id, o.incidents[i], o.by, hv_time_now_ms(), &err))
			return hv_cli_fail(&err);
	return HV_EXIT_OK;
}

static int run_show(struct hv_store *s, int argc, char **argv)
{
	struct case_opts o = {0};
	int64_t id;
	int ex;

	if ((ex = parse_opts(self(), argc, argv, &o)) || (ex = case_arg(argc, argv, &id)))
		return ex;
	return print_json(s, id, show_fn);
}

static int run_list(struct hv_store *s, int argc, char **argv)
{
	return print_json(s, 0, list_fn);
}

static int run_dashboard(struct hv_store *s, int argc, char **argv)
{
	return print_json(s, 0, dash_fn);
}

static int run_case(struct hv_cli *cli, int argc, char **argv)
{
	static const struct hv_subcmd subs[] = {
		{"open", run_open}, {"move", run_move}, {"link", run_link},
		{"show", run_show}, {"list", run_list}, {"dashboard", run_dashboard},
	};
	struct hv_err err;

	if (hv_cases_register_kinds(&err))
		return hv_cli_fail(&err);
	return hv_cli_dispatch(cli, self(), subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}

const struct hv_cmd hv_cmd_case = {
	.name = "case",
	.run = run_case,
	.summary = "the law department's cases over incidents (triage to closed)",
	.usage = case_usage,
};

static const struct hv_cmd *self(void)
{
	return &hv_cmd_case;
}

static int run_notices(struct hv_cli *cli, int argc, char **argv)
{
	struct case_opts o = {0};
	struct hv_notice_targets nt = {0};
	struct hv_notice_config cfg = {0};
	struct hv_store *s;
	struct hv_err err;
	unsigned sent = 0, failed = 0;
	int ex, rc = HV_OK;

	if ((ex = parse_opts(&hv_cmd_notices, argc, argv, &o)))
		return ex;
	if (optind != argc)
		return hv_cli_usage(&hv_cmd_notices, "unexpected argument \"%s\"", argv[optind]);
	if (!(s = hv_cli_open_store(cli)))
		return HV_EXIT_FAIL;
	if (o.send) {
		hv_notice_from_env(&nt, &cfg);
		rc = hv_notice_deliver_due(s, &cfg, hv_time_now_ms(), &sent, &failed, &err);
		if (rc == HV_OK)
			fprintf(stderr, "notices: %u sent, %u failed\n", sent, failed);
	}
	if (rc == HV_OK) {
		struct hv_buf b;
		struct hv_json w;

		hv_buf_init(&b, 0);
		hv_json_init(&w, &b, true);
		if ((rc = hv_notice_list_json(s, &w, &err)) == HV_OK)
			hv_cli_print(&b);
		hv_buf_release(&b);
	}
	hv_store_close(s);
	return rc ? hv_cli_fail(&err) : HV_EXIT_OK;
}

const struct hv_cmd hv_cmd_notices = {
	.name = "notices",
	.run = run_notices,
	.summary = "the queue of notices to the law department (pending, sent, failed)",
	.usage = notices_usage,
};
