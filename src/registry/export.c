/* SPDX-License-Identifier: Apache-2.0 */
/* Exporting properties through GDAL: haven_* role columns plus every source attribute as its own
 * column, so an export imports again to the same properties. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/strmap.h"
#include "core/xalloc.h"
#include "registry/registry.h"

static const char *const role_fields[] = {"haven_source",  "haven_source_id", "haven_kind",
					  "haven_name",    "haven_address",   "haven_status"};
#define N_ROLES (sizeof(role_fields) / sizeof(role_fields[0]))

struct export_run {
	const struct hv_zones *zones;
	long rule; /* -1: every property */
	bool *in;
	struct hv_strmap keys; /* attribute name -> column index */
	const char **fields;   /* role fields then attribute names (owned by keys' slots) */
	size_t n_fields, cap_fields;
	const char **values;
	struct hv_geo_writer *writer;
	int64_t n_written;
	struct hv_err *err;
	int rc;
};

static bool selected(struct export_run *x, const struct hv_property *p)
{
	if (x->rule < 0)
		return true;
	hv_zones_match(x->zones, p, x->in);
	return x->in[x->rule];
}

static int collect_keys(void *ctx, const struct hv_property *p)
{
	struct export_run *x = ctx;
	json_t *attrs;
	const char *key;
	json_t *v;

	if (!selected(x, p))
		return 0;
	attrs = json_loads(p->attrs_json ? p->attrs_json : "{}", 0, NULL);
	json_object_foreach(attrs, key, v)
	{
		if (hv_strmap_put(&x->keys, key, x->n_fields, NULL)) {
			x->fields = hv_xgrow(x->fields, &x->cap_fields, x->n_fields + 1,
					     sizeof(*x->fields));
			x->fields[x->n_fields++] = NULL; /* filled from the map below */
		}
	}
	json_decref(attrs);
	return 0;
}

static int write_one(void *ctx, const struct hv_property *p)
{
	struct export_run *x = ctx;
	json_t *attrs;
	const char *key;
	json_t *v;
	size_t col;

	if (!selected(x, p))
		return 0;
	memset(x->values, 0, x->n_fields * sizeof(*x->values));
	x->values[0] = p->source;
	x->values[1] = p->source_key;
	x->values[2] = p->kind;
	x->values[3] = p->name;
	x->values[4] = p->address;
	x->values[5] = p->status;
	attrs = json_loads(p->attrs_json ? p->attrs_json : "{}", 0, NULL);
	json_object_foreach(attrs, key, v)
	{
		if (hv_strmap_get(&x->keys, key, &col))
			x->values[col] = json_string_value(v);
	}
	/* A point-only property is written as its point; an address-only one without geometry. */
	x->rc = hv_geo_writer_add(x->writer, p->wkb, p->wkb_len, x->values, x->err);
	json_decref(attrs);
	if (x->rc)
		return 1;
	x->n_written++;
	return 0;
}

int hv_registry_export(struct hv_store *s, const char *path, enum hv_geo_format fmt,
		       const char *scope_name, int64_t *n_written, struct hv_err *err)
{
	struct export_run x = {.rule = -1, .err = err};
	struct hv_zones *z = NULL;
	struct hv_property_filter f = {0};
	int rc;

	*n_written = 0;
	hv_strmap_init(&x.keys);
	x.n_fields = N_ROLES;
	x.fields = hv_xgrow(NULL, &x.cap_fields, N_ROLES, sizeof(*x.fields));
	for (size_t i = 0; i < N_ROLES; i++) {
		x.fields[i] = role_fields[i];
		hv_strmap_put(&x.keys, role_fields[i], i, NULL);
	}
	if (scope_name) {
		if ((rc = hv_zones_load(s, 0, &z, err)))
			goto out;
		x.zones = z;
		x.rule = hv_zones_find(z, scope_name);
		if (x.rule < 0) {
			rc = hv_err_set(err, HV_ENOENT, "no scope named \"%s\"", scope_name);
			goto out;
		}
		x.in = hv_xcalloc(hv_zones_count(z), sizeof(bool));
	}
	rc = hv_store_property_each(s, &f, collect_keys, &x, err);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < x.keys.cap; i++)
		if (x.keys.slots[i].key)
			x.fields[x.keys.slots[i].value] = x.keys.slots[i].key;
	x.values = hv_xcalloc(x.n_fields, sizeof(*x.values));
	if ((rc = hv_geo_writer_open(path, fmt, "properties", 4326, x.fields, x.n_fields,
				     &x.writer, err)))
		goto out;
	rc = hv_store_property_each(s, &f, write_one, &x, err);
	if (rc > 0)
		rc = x.rc;
	if (rc < 0)
		goto out;
	rc = hv_geo_writer_close(x.writer, err);
	x.writer = NULL;
	*n_written = x.n_written;
out:
	hv_geo_writer_free(x.writer);
	hv_zones_free(z);
	free(x.in);
	free(x.values);
	free(x.fields);
	hv_strmap_release(&x.keys);
	return rc;
}
