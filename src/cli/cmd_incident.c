/* SPDX-License-Identifier: Apache-2.0 */
/* `haven incident add|update|show|list`: incident reports from the command line, saved with
 * their ledger entries exactly as the API saves them. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cases/cases.h"
#include "cases/notice.h"
#include "cli/cli.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/fs.h"
#include "core/json.h"

static const char incident_usage[] =
	"usage: haven [--db PATH] incident add --property ID --type TYPE --at TIME --text TEXT\n"
	"                 [--attach FILE]... [--agency NAME]... [--personnel N] [--vehicles N]\n"
	"                 [--body FILE.json] [--by NAME]\n"
	"       haven [--db PATH] incident update ID [--text TEXT] [--attach FILE]...\n"
	"                 [--body FILE.json] [--by NAME]\n"
	"       haven [--db PATH] incident show ID [--witnesses] [--by NAME]\n"
	"       haven [--db PATH] incident list [--limit N]\n"
	"\n"
	"A report is saved at once with its ledger entry; every later change is a new entry\n"
	"(update), never an edit. TYPE: staging, processing, operations-base, entry,\n"
	"attempted-entry, other. TIME: ISO 8601 (2026-11-20T14:03Z). --attach streams each file\n"
	"into the evidence folder beside the store (SHA-256, type by content, EXIF time and\n"
	"position). --body FILE.json gives any other member of the report as the API takes it\n"
	"(documents, names_badges, areas_entered, items_taken, emergency_claimed,\n"
	"staff_actions, witnesses, ...); the options override it. --witnesses shows the\n"
	"restricted witness statements, and the read is itself logged in the ledger.\n"
	"Notices go to HAVEN_NOTICE_EMAIL / HAVEN_NOTICE_WEBHOOK when set (sent by the server's\n"
	"sender, or 'haven notices --send').\n";

static const struct hv_cmd *self(void);

#define MAX_ATTACH 32

struct inc_opts {
	int64_t property_id, limit;
	const char *type, *at, *text, *body, *by;
	const char *attach[MAX_ATTACH];
	size_t n_attach;
	json_t *agencies;
	int64_t personnel, vehicles;
	bool witnesses;
};

static int parse_opts(int argc, char **argv, struct inc_opts *o)
{
	enum {
		O_PROPERTY = 256,
		O_TYPE,
		O_AT,
		O_TEXT,
		O_ATTACH,
		O_AGENCY,
		O_PERSONNEL,
		O_VEHICLES,
		O_BODY,
		O_BY,
		O_WITNESSES,
		O_LIMIT
	};
	static const struct option opts[] = {
		{"property", required_argument, NULL, O_PROPERTY},
		{"type", required_argument, NULL, O_TYPE},
		{"at", required_argument, NULL, O_AT},
		{"text", required_argument, NULL, O_TEXT},
		{"attach", required_argument, NULL, O_ATTACH},
		{"agency", required_argument, NULL, O_AGENCY},
		{"personnel", required_argument, NULL, O_PERSONNEL},
		{"vehicles", required_argument, NULL, O_VEHICLES},
		{"body", required_argument, NULL, O_BODY},
		{"by", required_argument, NULL, O_BY},
		{"witnesses", no_argument, NULL, O_WITNESSES},
		{"limit", required_argument, NULL, O_LIMIT},
		{0},
	};
	int c;

	o->personnel = o->vehicles = -1;
	o->by = "cli";
	hv_cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case O_PROPERTY:
			if (!hv_cli_parse_id(optarg, &o->property_id))
				return hv_cli_usage(self(), "--property \"%s\" is not an id",
						    optarg);
			break;
		case O_TYPE:
			o->type = optarg;
			break;
		case O_AT:
			o->at = optarg;
			break;
		case O_TEXT:
			o->text = optarg;
			break;
		case O_ATTACH:
			if (o->n_attach == MAX_ATTACH)
				return hv_cli_usage(self(), "at most %d --attach", MAX_ATTACH);
			o->attach[o->n_attach++] = optarg;
			break;
		case O_AGENCY:
			if (!o->agencies)
				o->agencies = json_array();
			json_array_append_new(o->agencies, json_string(optarg));
			break;
		case O_PERSONNEL:
		case O_VEHICLES:
			if (!hv_cli_parse_id(optarg,
					     c == O_PERSONNEL ? &o->personnel : &o->vehicles) &&
			    strcmp(optarg, "0") != 0)
				return hv_cli_usage(self(), "%s \"%s\" is not a count",
						    argv[optind - 2], optarg);
			if (strcmp(optarg, "0") == 0)
				*(c == O_PERSONNEL ? &o->personnel : &o->vehicles) = 0;
			break;
		case O_BODY:
			o->body = optarg;
			break;
		case O_BY:
			o->by = optarg;
			break;
		case O_WITNESSES:
			o->witnesses = true;
			break;
		case O_LIMIT:
			if (!hv_cli_parse_id(optarg, &o->limit))
				return hv_cli_usage(self(), "--limit \"%s\" is not a count",
						    optarg);
			break;
		case ':':
			return hv_cli_usage(self(), "%s needs a value", argv[optind - 1]);
		default:
			return hv_cli_usage(self(), "unknown option %s", argv[optind - 1]);
		}
	}
	return HV_EXIT_OK;
}

/* The report's JSON, as the API takes it: --body's object with the options set over it. */
static int build_body(const struct inc_opts *o, bool is_report, char **out, struct hv_err *err)
{
	json_t *root;
	json_error_t jerr;

	if (o->body) {
		root = json_load_file(o->body, JSON_REJECT_DUPLICATES, &jerr);
		if (!root)
			return hv_err_set(err, HV_EINVAL, "%s: line %d, column %d: %s", o->body,
					  jerr.line, jerr.column, jerr.text);
		if (!json_is_object(root)) {
			json_decref(root);
			return hv_err_set(err, HV_EINVAL, "%s: a JSON object is expected", o->body);
		}
	} else {
		root = json_object();
	}
	if (is_report && o->property_id)
		json_object_set_new(root, "property_id", json_integer(o->property_id));
	if (o->type)
		json_object_set_new(root, "type", json_string(o->type));
	if (o->at)
		json_object_set_new(root, "occurred", json_string(o->at));
	if (o->text)
		json_object_set_new(root, "text", json_string(o->text));
	if (o->agencies)
		json_object_set(root, "agencies", o->agencies);
	if (o->personnel >= 0)
		json_object_set_new(root, "personnel", json_integer(o->personnel));
	if (o->vehicles >= 0)
		json_object_set_new(root, "vehicles", json_integer(o->vehicles));
	*out = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return HV_OK;
}

/* Every attachment must be readable before the report is saved. */
static int check_attachments(const struct inc_opts *o, struct hv_err *err)
{
	for (size_t i = 0; i < o->n_attach; i++) {
		FILE *f = fopen(o->attach[i], "rb");

		if (!f)
			return hv_err_set(err, HV_ENOENT, "--attach %s: cannot be read",
					  o->attach[i]);
		fclose(f);
	}
	return HV_OK;
}

static int attach_all(struct hv_store *s, int64_t id, const struct inc_opts *o, int64_t now,
		      struct hv_err *err)
{
	int rc;

	for (size_t i = 0; i < o->n_attach; i++) {
		int64_t ev;

		if ((rc = hv_evidence_add_file(s, id, o->attach[i], 0, o->by, now, &ev, err)))
			return hv_err_prefix(err, rc, "incident %" PRId64 " saved, but --attach %s",
					     id, o->attach[i]);
		printf("evidence %" PRId64 " %s\n", ev, o->attach[i]);
	}
	return HV_OK;
}

static int run_add_update(struct hv_store *s, int argc, char **argv, bool is_report)
{
	struct inc_opts o = {0};
	struct hv_incident_in in;
	struct hv_notice_targets nt = {0};
	struct hv_notice_config cfg = {0};
	struct hv_arena a;
	struct hv_err err;
	char *body = NULL;
	int64_t id = 0, entry = 0, now = hv_time_now_ms();
	int rc, ex;

	if ((ex = parse_opts(argc, argv, &o)))
		return ex;
	if (is_report) {
		if (optind != argc)
			return hv_cli_usage(self(), "unexpected argument \"%s\"", argv[optind]);
		if (!o.property_id && !o.body)
			return hv_cli_usage(self(), "--property is required");
		if (!o.type && !o.body)
			return hv_cli_usage(self(), "--type is required (%s)", hv_incident_types());
		if (!o.at && !o.body)
			return hv_cli_usage(self(), "--at is required (an ISO 8601 time)");
	} else if (optind + 1 != argc || !hv_cli_parse_id(argv[optind], &id)) {
		return hv_cli_usage(self(), "update needs one incident ID");
	}
	hv_err_clear(&err);
	hv_arena_init(&a, 0);
	memset(&in, 0, sizeof(in));
	if ((rc = check_attachments(&o, &err)) || (rc = build_body(&o, is_report, &body, &err)) ||
	    (rc = hv_incident_parse(&a, body, strlen(body), is_report, now, &in, &err)))
		goto out;
	if (is_report && !in.has_property) {
		rc = hv_err_set(&err, HV_EINVAL,
				"--property is required on the command line (the lookup by "
				"location or address is the API's)");
		goto out;
	}
	hv_notice_from_env(&nt, &cfg);
	nt.public_url = getenv("HAVEN_PUBLIC_URL");
	if (is_report)
		rc = hv_incident_add(s, &in, o.by, now, &nt, &id, &err);
	else
		rc = hv_incident_update(s, id, &in, o.by, now, &entry, &err);
	if (rc)
		goto out;
	if (is_report)
		printf("incident %" PRId64 "\n", id);
	else
		printf("incident %" PRId64 " entry %" PRId64 "\n", id, entry);
	rc = attach_all(s, id, &o, now, &err);
out:
	hv_incident_in_release(&in);
	hv_arena_release(&a);
	free(body);
	json_decref(o.agencies);
	return rc ? hv_cli_fail(&err) : HV_EXIT_OK;
}

static int run_add(struct hv_store *s, int argc, char **argv)
{
	return run_add_update(s, argc, argv, true);
}

static int run_update(struct hv_store *s, int argc, char **argv)
{
	return run_add_update(s, argc, argv, false);
}

static int run_show(struct hv_store *s, int argc, char **argv)
{
	struct inc_opts o = {0};
	struct hv_buf b;
	struct hv_json w;
	struct hv_err err;
	int64_t id;
	int rc, ex;

	if ((ex = parse_opts(argc, argv, &o)))
		return ex;
	if (optind + 1 != argc || !hv_cli_parse_id(argv[optind], &id))
		return hv_cli_usage(self(), "show needs one incident ID");
	hv_buf_init(&b, 0);
	hv_json_init(&w, &b, true);
	rc = hv_incident_json(s, id, o.witnesses, o.by, "cli", hv_time_now_ms(), &w, &err);
	if (rc == HV_OK)
		hv_cli_print(&b);
	hv_buf_release(&b);
	return rc ? hv_cli_fail(&err) : HV_EXIT_OK;
}

static int run_list(struct hv_store *s, int argc, char **argv)
{
	struct inc_opts o = {0};
	struct hv_buf b;
	struct hv_json w;
	struct hv_err err;
	int rc, ex;

	if ((ex = parse_opts(argc, argv, &o)))
		return ex;
	hv_buf_init(&b, 0);
	hv_json_init(&w, &b, true);
	rc = hv_incident_list_json(s, o.limit, &w, &err);
	if (rc == HV_OK)
		hv_cli_print(&b);
	hv_buf_release(&b);
	return rc ? hv_cli_fail(&err) : HV_EXIT_OK;
}

static int run_incident(struct hv_cli *cli, int argc, char **argv)
{
	static const struct hv_subcmd subs[] = {
		{"add", run_add},
		{"update", run_update},
		{"show", run_show},
		{"list", run_list},
	};
	struct hv_err err;

	if (hv_cases_register_kinds(&err))
		return hv_cli_fail(&err);
	return hv_cli_dispatch(cli, self(), subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}

const struct hv_cmd hv_cmd_incident = {
	.name = "incident",
	.run = run_incident,
	.summary = "file and read incident reports (append-only, in the ledger)",
	.usage = incident_usage,
};

static const struct hv_cmd *self(void)
{
	return &hv_cmd_incident;
}
