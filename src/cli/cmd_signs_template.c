/* SPDX-License-Identifier: Apache-2.0 */
/* `haven signs template list|show|set`: the sign templates an admin edits, versioned. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "core/fs.h"
#include "core/json.h"
#include "signs/template.h"
#include "store/sign_templates.h"

struct tpl_opts {
	int64_t version;
	const char *by;
	bool json;
};

static int parse_opts(int argc, char **argv, struct tpl_opts *o)
{
	enum { O_VERSION = 256, O_BY, O_JSON };
	static const struct option opts[] = {
		{"version", required_argument, NULL, O_VERSION},
		{"by", required_argument, NULL, O_BY},
		{"json", no_argument, NULL, O_JSON},
		{0},
	};
	int c;

	hv_cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case O_VERSION:
			if (!hv_cli_parse_id(optarg, &o->version))
				return hv_cli_usage(&hv_cmd_signs,
						    "--version \"%s\": a positive number", optarg);
			break;
		case O_BY:
			o->by = optarg;
			break;
		case O_JSON:
			o->json = true;
			break;
		case ':':
			return hv_cli_usage(&hv_cmd_signs, "%s needs a value", argv[optind - 1]);
		default:
			return hv_cli_usage(&hv_cmd_signs, "unknown option %s", argv[optind - 1]);
		}
	}
	return HV_EXIT_OK;
}

struct list_ctx {
	struct hv_json *w;
	bool stored[8]; /* which built-in names the store has */
};

static void print_row(struct list_ctx *c, const char *name, int64_t version, int64_t created_ms,
		      const char *by)
{
	char when[HV_TIME_ISO_MAX] = "";

	if (version)
		hv_time_format_iso(created_ms, when, sizeof(when));
	if (!c->w) {
		if (version)
			printf("%-20s version %-4lld %s by %s\n", name, (long long)version, when,
			       by);
		else
			printf("%-20s built-in\n", name);
		return;
	}
	hv_json_obj_begin(c->w);
	hv_json_key(c->w, "name");
	hv_json_str(c->w, name);
	hv_json_key(c->w, "version");
	hv_json_int(c->w, version);
	hv_json_key(c->w, "builtin");
	hv_json_bool(c->w, version == 0);
	if (version) {
		hv_json_key(c->w, "created");
		hv_json_str(c->w, when);
		hv_json_key(c->w, "created_by");
		hv_json_str(c->w, by);
	}
	hv_json_obj_end(c->w);
}

static int list_row(void *ctx, const struct hv_sign_template_rec *r)
{
	struct list_ctx *c = ctx;

	for (size_t i = 0; hv_sign_template_default_names[i] && i < 8; i++)
		if (strcmp(r->name, hv_sign_template_default_names[i]) == 0)
			c->stored[i] = true;
	print_row(c, r->name, r->version, r->created_ms, r->created_by);
	return 0;
}

static int tpl_list(struct hv_store *s, int argc, char **argv)
{
	struct tpl_opts o = {0};
	struct list_ctx c = {0};
	struct hv_json w;
	struct hv_buf b;
	struct hv_err err;
	int rc;

	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &o)))
		return rc;
	if (optind != argc)
		return hv_cli_usage(&hv_cmd_signs, "unexpected argument \"%s\"", argv[optind]);
	hv_buf_init(&b, 0);
	if (o.json) {
		hv_json_init(&w, &b, false);
		c.w = &w;
		hv_json_obj_begin(&w);
		hv_json_key(&w, "templates");
		hv_json_arr_begin(&w);
	}
	rc = hv_store_sign_template_each(s, list_row, &c, &err);
	for (size_t i = 0; !rc && hv_sign_template_default_names[i] && i < 8; i++)
		if (!c.stored[i])
			print_row(&c, hv_sign_template_default_names[i], 0, 0, "");
	if (o.json) {
		hv_json_arr_end(&w);
		hv_json_obj_end(&w);
		if (!rc)
			hv_cli_print(&b);
	}
	hv_buf_release(&b);
	return rc ? hv_cli_fail(&err) : HV_EXIT_OK;
}

static int tpl_show(struct hv_store *s, int argc, char **argv)
{
	struct tpl_opts o = {0};
	struct hv_sign_template_rec rec = {0};
	struct hv_err err;
	const char *def;
	int rc;

	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &o)))
		return rc;
	if (optind + 1 != argc)
		return hv_cli_usage(&hv_cmd_signs, "template show takes one NAME");
	rc = hv_store_sign_template_get(s, argv[optind], o.version, &rec, &err);
	if (rc == HV_OK) {
		fputs(rec.doc, stdout);
		if (!*rec.doc || rec.doc[strlen(rec.doc) - 1] != '\n')
			putchar('\n');
		fprintf(stderr, "haven: sign template %s version %lld\n", rec.name,
			(long long)rec.version);
		hv_sign_template_rec_release(&rec);
		return HV_EXIT_OK;
	}
	if (rc != HV_ENOENT || o.version)
		return hv_cli_fail(&err);
	def = hv_sign_template_default(argv[optind]);
	if (!def) {
		hv_err_set(&err, HV_ENOENT,
			   "no sign template \"%s\" (stored ones: 'signs template list'; built in: "
			   "city, private)",
			   argv[optind]);
		return hv_cli_fail(&err);
	}
	fputs(def, stdout);
	fprintf(stderr, "haven: sign template %s: the built-in default (none stored)\n",
		argv[optind]);
	return HV_EXIT_OK;
}

static int tpl_set(struct hv_store *s, int argc, char **argv)
{
	struct tpl_opts o = {0};
	struct hv_err err;
	const char *by;
	char *doc = NULL;
	size_t len = 0;
	int64_t version;
	int rc;

	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &o)))
		return rc;
	if (optind + 2 != argc)
		return hv_cli_usage(&hv_cmd_signs, "template set takes NAME and FILE");
	by = o.by ? o.by : getenv("USER");
	if (!by || !*by)
		by = "cli";
	if ((rc = hv_fs_read_file(argv[optind + 1], HV_SIGN_TEMPLATE_DOC_MAX, &doc, &len, &err)))
		return hv_cli_fail(&err);
	rc = hv_sign_template_store(s, argv[optind], doc, len, by, hv_time_now_ms(), &version,
				    &err);
	free(doc);
	if (rc) {
		hv_err_prefix(&err, rc, "%s", argv[optind + 1]);
		return hv_cli_fail(&err);
	}
	printf("sign template %s version %lld stored\n", argv[optind], (long long)version);
	return HV_EXIT_OK;
}

int hv_cli_signs_template(struct hv_cli *cli, int argc, char **argv)
{
	static const struct hv_subcmd subs[] = {
		{"list", tpl_list},
		{"show", tpl_show},
		{"set", tpl_set},
	};

	return hv_cli_dispatch(cli, &hv_cmd_signs, subs, sizeof(subs) / sizeof(subs[0]), argc,
			       argv);
}
