/* SPDX-License-Identifier: Apache-2.0 */
/* `haven init` creates the store; `haven status` says what it holds. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/json.h"
#include "core/strmap.h"
#include "core/xalloc.h"
#include "registry/registry.h"

static int run_init(struct hv_cli *cli, int argc, char **argv)
{
	struct hv_store *s;

	if (argc > 1)
		return hv_cli_usage(&hv_cmd_init, "unexpected argument \"%s\"", argv[1]);
	s = hv_cli_open_store(cli);
	if (!s)
		return HV_EXIT_FAIL;
	printf("store %s ready (schema version %d)\n", cli->db_path, hv_store_schema_version(s));
	hv_store_close(s);
	return HV_EXIT_OK;
}

const struct hv_cmd hv_cmd_init = {
	.name = "init",
	.run = run_init,
	.summary = "create the store (or migrate it to this version's schema)",
	.usage = "usage: haven [--db PATH] init\n"
		 "\n"
		 "Creates the store file when absent and applies pending schema migrations.\n",
};

/* Counts of current properties by "source\tkind" and per scope rule. */
struct tally {
	struct hv_strmap groups;
	char **names;
	int64_t *counts;
	size_t n, cap, cap_counts;
	const struct hv_zones *zones;
	bool *in;
	int64_t *zone_counts;
	int64_t total;
};

static int tally_one(void *ctx, const struct hv_property *p)
{
	struct tally *t = ctx;
	char key[512];
	size_t idx;

	snprintf(key, sizeof(key), "%s\t%s", p->source, p->kind ? p->kind : "");
	if (!hv_strmap_get(&t->groups, key, &idx)) {
		idx = t->n++;
		hv_strmap_put(&t->groups, key, idx, NULL);
		t->names = hv_xgrow(t->names, &t->cap, t->n, sizeof(*t->names));
		t->counts = hv_xgrow(t->counts, &t->cap_counts, t->n, sizeof(*t->counts));
		t->names[idx] = hv_xstrdup(key);
		t->counts[idx] = 0;
	}
	t->counts[idx]++;
	t->total++;
	hv_zones_match(t->zones, p, t->in);
	for (size_t i = 0; i < hv_zones_count(t->zones); i++)
		t->zone_counts[i] += t->in[i];
	return 0;
}

static void print_status(struct hv_cli *cli, struct tally *t, bool json)
{
	struct hv_buf b;
	struct hv_json w;

	hv_buf_init(&b, 0);
	if (json) {
		hv_json_init(&w, &b, true);
		hv_json_obj_begin(&w);
		hv_json_key(&w, "store");
		hv_json_str(&w, cli->db_path);
		hv_json_key(&w, "properties");
		hv_json_int(&w, t->total);
		hv_json_key(&w, "by_source_kind");
		hv_json_arr_begin(&w);
		for (size_t i = 0; i < t->n; i++) {
			char *tab = strchr(t->names[i], '\t');

			hv_json_obj_begin(&w);
			hv_json_key(&w, "source");
			hv_json_strn(&w, t->names[i], (size_t)(tab - t->names[i]));
			hv_json_key(&w, "kind");
			hv_json_str(&w, tab + 1);
			hv_json_key(&w, "count");
			hv_json_int(&w, t->counts[i]);
			hv_json_obj_end(&w);
		}
		hv_json_arr_end(&w);
		hv_json_key(&w, "scopes");
		hv_json_arr_begin(&w);
		for (size_t i = 0; i < hv_zones_count(t->zones); i++) {
			hv_json_obj_begin(&w);
			hv_json_key(&w, "name");
			hv_json_str(&w, hv_zones_name(t->zones, i));
			hv_json_key(&w, "zones");
			hv_json_int(&w, t->zone_counts[i]);
			hv_json_obj_end(&w);
		}
		hv_json_arr_end(&w);
		hv_json_obj_end(&w);
		hv_cli_print(&b);
		hv_buf_release(&b);
		return;
	}
	printf("store %s: %lld properties\n", cli->db_path, (long long)t->total);
	for (size_t i = 0; i < t->n; i++) {
		char *tab = strchr(t->names[i], '\t');

		printf("  %-32.*s %-14s %8lld\n", (int)(tab - t->names[i]), t->names[i], tab + 1,
		       (long long)t->counts[i]);
	}
	if (hv_zones_count(t->zones) == 0)
		printf("no scope rules yet: add one with 'haven scope add'\n");
	for (size_t i = 0; i < hv_zones_count(t->zones); i++)
		printf("scope %-26s %8lld zones  (%s)\n", hv_zones_name(t->zones, i),
		       (long long)t->zone_counts[i], hv_zones_expr(t->zones, i));
}

static int run_status(struct hv_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {0}};
	struct tally t = {0};
	struct hv_property_filter f = {0};
	struct hv_zones *z = NULL;
	struct hv_store *s;
	struct hv_err err;
	bool json = false;
	int c, rc = HV_EXIT_FAIL;

	hv_err_clear(&err);
	hv_cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else
			return hv_cli_usage(&hv_cmd_status, "unknown option %s", argv[optind - 1]);
	}
	if (optind < argc)
		return hv_cli_usage(&hv_cmd_status, "unexpected argument \"%s\"", argv[optind]);
	if (!(s = hv_cli_open_store(cli)))
		return HV_EXIT_FAIL;
	hv_strmap_init(&t.groups);
	if (hv_zones_load(s, 0, &z, &err) != HV_OK) {
		hv_cli_fail(&err);
		goto out;
	}
	t.zones = z;
	t.in = hv_xcalloc(hv_zones_count(z) + 1, sizeof(bool));
	t.zone_counts = hv_xcalloc(hv_zones_count(z) + 1, sizeof(int64_t));
	if (hv_store_property_each(s, &f, tally_one, &t, &err) < 0) {
		hv_cli_fail(&err);
		goto out;
	}
	print_status(cli, &t, json);
	rc = HV_EXIT_OK;
out:
	for (size_t i = 0; i < t.n; i++)
		free(t.names[i]);
	free(t.names);
	free(t.counts);
	free(t.in);
	free(t.zone_counts);
	hv_strmap_release(&t.groups);
	hv_zones_free(z);
	hv_store_close(s);
	return rc;
}

const struct hv_cmd hv_cmd_status = {
	.name = "status",
	.run = run_status,
	.summary = "what the store holds: properties by source and kind, zones by scope",
	.usage = "usage: haven [--db PATH] status [--json]\n",
};
