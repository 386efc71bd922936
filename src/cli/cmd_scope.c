/* SPDX-License-Identifier: Apache-2.0 */
/* `haven scope add|list|show|retire|check`: what the city's order covers, versioned by date. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/strmap.h"
#include "core/xalloc.h"
#include "registry/registry.h"

static const char scope_usage[] =
	"usage: haven [--db PATH] scope add NAME --where EXPR [--effective DATE]\n"
	"       haven [--db PATH] scope list [--as-of DATE] [--json]\n"
	"       haven [--db PATH] scope show NAME [--as-of DATE] [--json]\n"
	"       haven [--db PATH] scope check NAME PROPERTY_ID [--as-of DATE] [--json]\n"
	"       haven [--db PATH] scope retire NAME [--effective DATE]\n"
	"\n"
	"A scope rule says which properties the city's order covers; a property in scope is a\n"
	"zone. Adding a rule under an existing name makes a new version from its effective date\n"
	"(default now); earlier versions stay, so 'scope check NAME ID --as-of 2025-10-20'\n"
	"answers whether a property was in scope on that day, from the rule and the property\n"
	"as they stood then. --as-of DATE means the end of that day (UTC).\n"
	"\n"
	"EXPR: comparisons of kind, status, source, source_id, name, address or attr['Field'],\n"
	"with = != < <= > >= in (...) not in (...) like is null, joined by and, or, not:\n"
	"  status = 'Owned by City' and kind in ('lot', 'garage', 'vacant lot')\n"
	"  attr['Zoning Classification'] like 'PD%' or attr.Ward = 20\n";

static const struct hv_cmd *self(void);

struct scope_opts {
	const char *where;
	int64_t as_of_ms;
	int64_t effective_ms;
	bool json;
};

static int parse_opts(int argc, char **argv, struct scope_opts *so)
{
	enum { O_WHERE = 256, O_AS_OF, O_EFFECTIVE, O_JSON };
	static const struct option opts[] = {
		{"where", required_argument, NULL, O_WHERE},
		{"as-of", required_argument, NULL, O_AS_OF},
		{"effective", required_argument, NULL, O_EFFECTIVE},
		{"json", no_argument, NULL, O_JSON},
		{0},
	};
	int c;

	hv_cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case O_WHERE:
			so->where = optarg;
			break;
		case O_AS_OF:
			if (!hv_cli_parse_as_of(optarg, &so->as_of_ms))
				return hv_cli_usage(self(), "--as-of \"%s\" is not a date", optarg);
			break;
		case O_EFFECTIVE:
			if (!hv_cli_parse_effective(optarg, &so->effective_ms))
				return hv_cli_usage(self(), "--effective \"%s\" is not a date",
						    optarg);
			break;
		case O_JSON:
			so->json = true;
			break;
		case ':':
			return hv_cli_usage(self(), "%s needs a value", argv[optind - 1]);
		default:
			return hv_cli_usage(self(), "unknown option %s", argv[optind - 1]);
		}
	}
	return HV_EXIT_OK;
}

/* Zone counts for every rule in z, by kind for rule `only` (or none when -1). */
struct count_ctx {
	const struct hv_zones *z;
	bool *in;
	int64_t *counts;
	long only;
	struct hv_strmap kinds;
	int64_t *kind_counts;
	char **kind_names;
	size_t n_kinds, cap_kinds, cap_kind_names;
};

static int count_one(void *ctx, const struct hv_property *p)
{
	struct count_ctx *c = ctx;
	size_t idx;
	const char *kind = p->kind ? p->kind : "";

	hv_zones_match(c->z, p, c->in);
	for (size_t i = 0; i < hv_zones_count(c->z); i++)
		c->counts[i] += c->in[i];
	if (c->only < 0 || !c->in[c->only])
		return 0;
	if (!hv_strmap_get(&c->kinds, kind, &idx)) {
		idx = c->n_kinds++;
		hv_strmap_put(&c->kinds, kind, idx, NULL);
		c->kind_counts = hv_xgrow(c->kind_counts, &c->cap_kinds, c->n_kinds,
					  sizeof(*c->kind_counts));
		c->kind_names = hv_xgrow(c->kind_names, &c->cap_kind_names, c->n_kinds,
					 sizeof(*c->kind_names));
		c->kind_counts[idx] = 0;
		c->kind_names[idx] = hv_xstrdup(kind);
	}
	c->kind_counts[idx]++;
	return 0;
}

static void count_release(struct count_ctx *c)
{
	for (size_t i = 0; i < c->n_kinds; i++)
		free(c->kind_names[i]);
	free(c->kind_names);
	free(c->kind_counts);
	free(c->in);
	free(c->counts);
	hv_strmap_release(&c->kinds);
}

static int count_zones(struct hv_store *s, const struct hv_zones *z, int64_t as_of_ms, long only,
		       struct count_ctx *c, struct hv_err *err)
{
	struct hv_property_filter f = {.as_of_ms = as_of_ms};
	int rc;

	memset(c, 0, sizeof(*c));
	c->z = z;
	c->only = only;
	c->in = hv_xcalloc(hv_zones_count(z) + 1, sizeof(bool));
	c->counts = hv_xcalloc(hv_zones_count(z) + 1, sizeof(int64_t));
	hv_strmap_init(&c->kinds);
	rc = hv_store_property_each(s, &f, count_one, c, err);
	return rc < 0 ? rc : HV_OK;
}

static int scope_add(struct hv_store *s, int argc, char **argv)
{
	struct scope_opts so = {0};
	struct hv_err err;
	int rc;

	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &so)))
		return rc;
	if (optind >= argc)
		return hv_cli_usage(self(), "scope add needs a NAME");
	if (!so.where)
		return hv_cli_usage(self(), "scope add needs --where EXPR");
	if (optind + 1 < argc)
		return hv_cli_usage(self(), "unexpected argument \"%s\"", argv[optind + 1]);
	if (hv_registry_scope_add(s, argv[optind], so.where, so.effective_ms, &err))
		return hv_cli_fail(&err);
	printf("scope %s: %s\n", argv[optind], so.where);
	return HV_EXIT_OK;
}

static int scope_retire(struct hv_store *s, int argc, char **argv)
{
	struct scope_opts so = {0};
	struct hv_err err;
	int rc;

	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &so)))
		return rc;
	if (optind + 1 != argc)
		return hv_cli_usage(self(), "scope retire needs exactly one NAME");
	if (hv_registry_scope_retire(s, argv[optind], so.effective_ms, &err))
		return hv_cli_fail(&err);
	printf("scope %s retired\n", argv[optind]);
	return HV_EXIT_OK;
}

static void rule_json(struct hv_json *w, const struct hv_zones *z, size_t i, int64_t count)
{
	char when[HV_TIME_ISO_MAX];

	hv_time_format_iso(hv_zones_effective_ms(z, i), when, sizeof(when));
	hv_json_key(w, "name");
	hv_json_str(w, hv_zones_name(z, i));
	hv_json_key(w, "where");
	hv_json_str(w, hv_zones_expr(z, i));
	hv_json_key(w, "effective");
	hv_json_str(w, when);
	hv_json_key(w, "count");
	hv_json_int(w, count);
}

static int scope_list_show(struct hv_store *s, int argc, char **argv, bool show)
{
	struct scope_opts so = {0};
	struct hv_zones *z = NULL;
	struct count_ctx c = {0};
	struct hv_buf b;
	struct hv_json w;
	struct hv_err err;
	long only = -1;
	int rc;

	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &so)))
		return rc;
	if (show && optind + 1 != argc)
		return hv_cli_usage(self(), "scope show needs exactly one NAME");
	if (!show && optind != argc)
		return hv_cli_usage(self(), "unexpected argument \"%s\"", argv[optind]);
	if (hv_zones_load(s, so.as_of_ms, &z, &err))
		return hv_cli_fail(&err);
	if (show && (only = hv_zones_find(z, argv[optind])) < 0) {
		hv_err_set(&err, HV_ENOENT, "no scope named \"%s\" is in force%s", argv[optind],
			   so.as_of_ms ? " at that time" : "");
		hv_zones_free(z);
		return hv_cli_fail(&err);
	}
	if (count_zones(s, z, so.as_of_ms, only, &c, &err)) {
		count_release(&c);
		hv_zones_free(z);
		return hv_cli_fail(&err);
	}
	hv_buf_init(&b, 0);
	hv_json_init(&w, &b, true);
	if (show && so.json) {
		hv_json_obj_begin(&w);
		rule_json(&w, z, (size_t)only, c.counts[only]);
		hv_json_key(&w, "by_kind");
		hv_json_obj_begin(&w);
		for (size_t k = 0; k < c.n_kinds; k++) {
			hv_json_key(&w, c.kind_names[k]);
			hv_json_int(&w, c.kind_counts[k]);
		}
		hv_json_obj_end(&w);
		hv_json_obj_end(&w);
		hv_cli_print(&b);
	} else if (show) {
		printf("scope %s: %lld zones\n  where %s\n", hv_zones_name(z, (size_t)only),
		       (long long)c.counts[only], hv_zones_expr(z, (size_t)only));
		for (size_t k = 0; k < c.n_kinds; k++)
			printf("  %-20s %8lld\n", c.kind_names[k], (long long)c.kind_counts[k]);
	} else if (so.json) {
		hv_json_arr_begin(&w);
		for (size_t i = 0; i < hv_zones_count(z); i++) {
			hv_json_obj_begin(&w);
			rule_json(&w, z, i, c.counts[i]);
			hv_json_obj_end(&w);
		}
		hv_json_arr_end(&w);
		hv_cli_print(&b);
	} else {
		for (size_t i = 0; i < hv_zones_count(z); i++) {
			char when[HV_TIME_ISO_MAX];

			hv_time_format_iso(hv_zones_effective_ms(z, i), when, sizeof(when));
			printf("%-24s %8lld zones  from %s  where %s\n", hv_zones_name(z, i),
			       (long long)c.counts[i], when, hv_zones_expr(z, i));
		}
	}
	hv_buf_release(&b);
	count_release(&c);
	hv_zones_free(z);
	return HV_EXIT_OK;
}

static int scope_check(struct hv_store *s, int argc, char **argv)
{
	struct scope_opts so = {0};
	struct hv_zones *z = NULL;
	struct hv_property p = {0};
	struct hv_err err;
	int64_t id;
	long i;
	bool *in = NULL, yes;
	int rc;

	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &so)))
		return rc;
	if (optind + 2 != argc)
		return hv_cli_usage(self(), "scope check needs NAME and PROPERTY_ID");
	if (!hv_cli_parse_id(argv[optind + 1], &id))
		return hv_cli_usage(self(), "\"%s\" is not a property id", argv[optind + 1]);
	if ((rc = hv_zones_load(s, so.as_of_ms, &z, &err)) ||
	    (rc = hv_store_property_get(s, id, so.as_of_ms, &p, &err))) {
		hv_zones_free(z);
		return hv_cli_fail(&err);
	}
	i = hv_zones_find(z, argv[optind]);
	in = hv_xcalloc(hv_zones_count(z) + 1, sizeof(bool));
	hv_zones_match(z, &p, in);
	yes = i >= 0 && in[i];
	if (so.json) {
		struct hv_buf b;
		struct hv_json w;

		hv_buf_init(&b, 0);
		hv_json_init(&w, &b, true);
		hv_json_obj_begin(&w);
		hv_json_key(&w, "scope");
		hv_json_str(&w, argv[optind]);
		hv_json_key(&w, "property");
		hv_json_int(&w, id);
		hv_json_key(&w, "in_scope");
		hv_json_bool(&w, yes);
		hv_json_key(&w, "rule_in_force");
		hv_json_bool(&w, i >= 0);
		hv_json_obj_end(&w);
		hv_cli_print(&b);
		hv_buf_release(&b);
	} else if (i < 0) {
		printf("property %lld: not in scope %s (no such rule in force then)\n",
		       (long long)id, argv[optind]);
	} else {
		printf("property %lld (%s %s): %s scope %s\n", (long long)id, p.source,
		       p.source_key, yes ? "in" : "not in", argv[optind]);
	}
	free(in);
	hv_property_release(&p);
	hv_zones_free(z);
	return HV_EXIT_OK;
}

static int scope_list(struct hv_store *s, int argc, char **argv)
{
	return scope_list_show(s, argc, argv, false);
}

static int scope_show(struct hv_store *s, int argc, char **argv)
{
	return scope_list_show(s, argc, argv, true);
}

static int run_scope(struct hv_cli *cli, int argc, char **argv)
{
	static const struct hv_subcmd subs[] = {
		{"add", scope_add},	{"list", scope_list},	  {"show", scope_show},
		{"check", scope_check}, {"retire", scope_retire},
	};

	return hv_cli_dispatch(cli, self(), subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}

const struct hv_cmd hv_cmd_scope = {
	.name = "scope",
	.run = run_scope,
	.summary = "define which properties the order covers (zones), versioned by date",
	.usage = scope_usage,
};

static const struct hv_cmd *self(void)
{
	return &hv_cmd_scope;
}
