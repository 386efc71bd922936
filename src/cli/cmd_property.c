/* SPDX-License-Identifier: Apache-2.0 */
/* `haven property show|list|history`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/xalloc.h"
#include "registry/registry.h"

static const char property_usage[] =
	"usage: haven [--db PATH] property show ID [--as-of DATE] [--json]\n"
	"       haven [--db PATH] property history ID [--json]\n"
	"       haven [--db PATH] property list [--kind K] [--scope NAME] [--source NAME]\n"
	"                                        [--as-of DATE] [--limit N] [--json]\n"
	"\n"
	"A property: id, source, source_id, kind, name, address, status, a representative\n"
	"lon/lat (a point on its surface), its zones (scopes it is in) and its source\n"
	"attributes. --as-of DATE shows the registry as it stood then (end of that day, UTC).\n";

static const struct hv_cmd *self(void)
{
	return &hv_cmd_property;
}

struct prop_opts {
	const char *kind, *scope, *source;
	int64_t as_of_ms;
	int64_t limit;
	bool json;
};

static int parse_opts(int argc, char **argv, struct prop_opts *po)
{
	enum { O_KIND = 256, O_SCOPE, O_SOURCE, O_AS_OF, O_LIMIT, O_JSON };
	static const struct option opts[] = {
		{"kind", required_argument, NULL, O_KIND},
		{"scope", required_argument, NULL, O_SCOPE},
		{"source", required_argument, NULL, O_SOURCE},
		{"as-of", required_argument, NULL, O_AS_OF},
		{"limit", required_argument, NULL, O_LIMIT},
		{"json", no_argument, NULL, O_JSON},
		{0},
	};
	int c;

	hv_cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case O_KIND:
			po->kind = optarg;
			break;
		case O_SCOPE:
			po->scope = optarg;
			break;
		case O_SOURCE:
			po->source = optarg;
			break;
		case O_AS_OF:
			if (!hv_cli_parse_as_of(optarg, &po->as_of_ms))
				return hv_cli_usage(self(), "--as-of \"%s\" is not a date", optarg);
			break;
		case O_LIMIT:
			if (!hv_cli_parse_id(optarg, &po->limit))
				return hv_cli_usage(self(), "--limit \"%s\" is not a positive number",
						    optarg);
			break;
		case O_JSON:
			po->json = true;
			break;
		case ':':
			return hv_cli_usage(self(), "%s needs a value", argv[optind - 1]);
		default:
			return hv_cli_usage(self(), "unknown option %s", argv[optind - 1]);
		}
	}
	return HV_EXIT_OK;
}

static void print_text(const struct hv_property *p, const struct hv_zones *z, const bool *in)
{
	char when[HV_TIME_ISO_MAX];

	hv_time_format_iso(p->valid_from_ms, when, sizeof(when));
	printf("property %lld  (version %lld, from %s)%s\n", (long long)p->id,
	       (long long)p->version, when, p->removed ? "  REMOVED from its source" : "");
	printf("  source     %s, id %s\n", p->source, p->source_key);
	printf("  kind       %s\n", p->kind ? p->kind : "-");
	printf("  name       %s\n", p->name ? p->name : "-");
	printf("  address    %s\n", p->address ? p->address : "-");
	printf("  status     %s\n", p->status ? p->status : "-");
	if (p->has_point)
		printf("  lon/lat    %.7f, %.7f\n", p->lon, p->lat);
	else
		printf("  lon/lat    - (address only)\n");
	if (p->wkb)
		printf("  geometry   %s, bbox %.7f %.7f %.7f %.7f\n", p->geom_type, p->minx,
		       p->miny, p->maxx, p->maxy);
	if (z) {
		printf("  zones     ");
		bool any = false;
		for (size_t i = 0; i < hv_zones_count(z); i++) {
			if (in[i]) {
				printf(" %s", hv_zones_name(z, i));
				any = true;
			}
		}
		printf("%s\n", any ? "" : " (none)");
	}
	printf("  attributes %s\n", p->attrs_json ? p->attrs_json : "{}");
}

static int property_show(struct hv_store *s, int argc, char **argv)
{
	struct prop_opts po = {0};
	struct hv_property p;
	struct hv_zones *z = NULL;
	struct hv_err err;
	bool *in;
	int64_t id;
	int rc;

	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &po)))
		return rc;
	if (optind + 1 != argc || !hv_cli_parse_id(argv[optind], &id))
		return hv_cli_usage(self(), "property show needs one property ID");
	if ((rc = hv_zones_load(s, po.as_of_ms, &z, &err)))
		return hv_cli_fail(&err);
	if ((rc = hv_store_property_get(s, id, po.as_of_ms, &p, &err))) {
		hv_zones_free(z);
		return hv_cli_fail(&err);
	}
	in = hv_xcalloc(hv_zones_count(z) + 1, sizeof(bool));
	hv_zones_match(z, &p, in);
	if (po.json) {
		struct hv_buf b;
		struct hv_json w;

		hv_buf_init(&b, 0);
		hv_json_init(&w, &b, true);
		hv_property_json(&w, &p, z, in);
		hv_cli_print(&b);
		hv_buf_release(&b);
	} else {
		print_text(&p, z, in);
	}
	free(in);
	hv_property_release(&p);
	hv_zones_free(z);
	return HV_EXIT_OK;
}

struct list_ctx {
	const struct hv_zones *z;
	long rule;
	bool *in;
	struct hv_json *w;
	bool json;
	int64_t n, limit;
};

static int list_one(void *ctx, const struct hv_property *p)
{
	struct list_ctx *x = ctx;

	hv_zones_match(x->z, p, x->in);
	if (x->rule >= 0 && !x->in[x->rule])
		return 0;
	if (x->json) {
		hv_property_json(x->w, p, x->z, x->in);
		/* flush as we go: a city's list does not need to sit in memory */
		fwrite(x->w->out->data, 1, x->w->out->len, stdout);
		hv_buf_reset(x->w->out);
	} else {
		char pt[64] = "-";

		if (p->has_point)
			snprintf(pt, sizeof(pt), "%.6f,%.6f", p->lon, p->lat);
		printf("%8lld  %-24s %-20s %-12s %-16s %-24s %s\n", (long long)p->id,
		       p->source_key, p->source, p->kind ? p->kind : "-",
		       p->status ? p->status : "-", pt,
		       p->address ? p->address : (p->name ? p->name : "-"));
	}
	x->n++;
	return x->limit && x->n >= x->limit ? 1 : 0;
}

static int property_list(struct hv_store *s, int argc, char **argv)
{
	struct prop_opts po = {0};
	struct hv_property_filter f = {0};
	struct list_ctx x = {.rule = -1};
	struct hv_zones *z = NULL;
	struct hv_buf b;
	struct hv_json w;
	struct hv_err err;
	int rc;

	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &po)))
		return rc;
	if (optind != argc)
		return hv_cli_usage(self(), "unexpected argument \"%s\"", argv[optind]);
	f.kind = po.kind;
	f.as_of_ms = po.as_of_ms;
	if (po.source && (rc = hv_store_source_find(s, po.source, &f.source_id, &err)))
		return hv_cli_fail(&err);
	if ((rc = hv_zones_load(s, po.as_of_ms, &z, &err)))
		return hv_cli_fail(&err);
	if (po.scope && (x.rule = hv_zones_find(z, po.scope)) < 0) {
		hv_zones_free(z);
		hv_err_set(&err, HV_ENOENT, "no scope named \"%s\" is in force", po.scope);
		return hv_cli_fail(&err);
	}
	hv_buf_init(&b, 0);
	hv_json_init(&w, &b, false);
	x.z = z;
	x.in = hv_xcalloc(hv_zones_count(z) + 1, sizeof(bool));
	x.w = &w;
	x.json = po.json;
	x.limit = po.limit;
	if (po.json) {
		hv_json_arr_begin(&w);
		fwrite(b.data, 1, b.len, stdout);
		hv_buf_reset(&b);
	}
	rc = hv_store_property_each(s, &f, list_one, &x, &err);
	if (po.json && rc >= 0) {
		hv_json_arr_end(&w);
		hv_cli_print(&b);
	}
	hv_buf_release(&b);
	free(x.in);
	hv_zones_free(z);
	if (rc < 0)
		return hv_cli_fail(&err);
	if (!po.json)
		fprintf(stderr, "%lld properties\n", (long long)x.n);
	return HV_EXIT_OK;
}

struct history_ctx {
	struct hv_json *w;
	bool json;
};

static int history_one(void *ctx, const struct hv_property *p)
{
	struct history_ctx *h = ctx;
	char when[HV_TIME_ISO_MAX];

	if (h->json) {
		hv_property_json(h->w, p, NULL, NULL);
		return 0;
	}
	hv_time_format_iso(p->valid_from_ms, when, sizeof(when));
	if (p->removed)
		printf("%s  version %lld  removed from source %s\n", when, (long long)p->version,
		       p->source);
	else
		printf("%s  version %lld  %s | %s | %s | %s\n", when, (long long)p->version,
		       p->kind ? p->kind : "-", p->status ? p->status : "-",
		       p->name ? p->name : "-", p->address ? p->address : "-");
	return 0;
}

static int property_history(struct hv_store *s, int argc, char **argv)
{
	struct prop_opts po = {0};
	struct history_ctx h;
	struct hv_buf b;
	struct hv_json w;
	struct hv_property p;
	struct hv_err err;
	int64_t id;
	int rc;

	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &po)))
		return rc;
	if (optind + 1 != argc || !hv_cli_parse_id(argv[optind], &id))
		return hv_cli_usage(self(), "property history needs one property ID");
	if ((rc = hv_store_property_get(s, id, 0, &p, &err)))
		return hv_cli_fail(&err);
	hv_property_release(&p);
	hv_buf_init(&b, 0);
	hv_json_init(&w, &b, true);
	h.w = &w;
	h.json = po.json;
	if (po.json)
		hv_json_arr_begin(&w);
	rc = hv_store_property_history(s, id, history_one, &h, &err);
	if (po.json && rc >= 0) {
		hv_json_arr_end(&w);
		hv_cli_print(&b);
	}
	hv_buf_release(&b);
	return rc < 0 ? hv_cli_fail(&err) : HV_EXIT_OK;
}

static int run_property(struct hv_cli *cli, int argc, char **argv)
{
	static const struct hv_subcmd subs[] = {
		{"show", property_show},
		{"list", property_list},
		{"history", property_history},
	};

	return hv_cli_dispatch(cli, self(), subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}

const struct hv_cmd hv_cmd_property = {
	.name = "property",
	.run = run_property,
	.summary = "show, list or trace the history of properties",
	.usage = property_usage,
};
