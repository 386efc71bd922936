/* SPDX-License-Identifier: Apache-2.0 */
/* Importing a source: read through geo, compare with the source's current properties by source
 * id, append new versions and removals, all in one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core/clock.h"
#include "core/fs.h"
#include "core/strmap.h"
#include "core/xalloc.h"
#include "crypto/sha256.h"
#include "registry/registry.h"

/* What the store holds for one property of the source before this import. */
struct current {
	int64_t id;
	char hash[HV_SHA256_HEX_LEN];
	char common_hash[HV_SHA256_HEX_LEN]; /* over columns shared with this file's schema */
	bool removed;
	int64_t seen_row; /* row of this file that named it, 0 when none yet */
};

struct import_run {
	struct hv_store *store;
	const struct hv_import_opts *o;
	struct hv_import_report *rep;
	struct hv_geo_reader *reader;
	const struct hv_geo_layer_info *info;
	struct hv_strmap keys; /* source key -> index in cur */
	struct current *cur;
	size_t n_cur, cap_cur;
	int64_t source_id;
	int64_t import_id;
	int64_t effective_ms;
	/* attribute fields in byte order of their names: content hashes do not depend on column
	 * order, so a city reordering its columns changes nothing */
	size_t *order;
	/* for each field in order: true when the previous import had it too */
	bool *common;
	char **prev_fields;
	size_t n_prev_fields;
	bool schema_changed;
	struct hv_sha256 *h;
};

static void note_add(struct hv_import_note **notes, size_t *n, int64_t row, const char *key,
		     const char *text)
{
	if (*n >= HV_IMPORT_NOTES_MAX)
		return;
	*notes = hv_xrealloc(*notes, (*n + 1) * sizeof(**notes));
	(*notes)[*n] = (struct hv_import_note){
		.row = row, .source_key = hv_xstrdup(key), .text = hv_xstrdup(text)};
	(*n)++;
}

static void notes_free(struct hv_import_note *notes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(notes[i].source_key);
		free(notes[i].text);
	}
	free(notes);
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void hv_import_report_release(struct hv_import_report *rep)
{
	if (!rep)
		return;
	free(rep->source);
	free(rep->file_name);
	free(rep->driver);
	free(rep->layer);
	free(rep->srs);
	notes_free(rep->skips, rep->n_skips);
	notes_free(rep->repairs, rep->n_repairs);
	strv_free(rep->columns_added, rep->n_columns_added);
	strv_free(rep->columns_removed, rep->n_columns_removed);
	memset(rep, 0, sizeof(*rep));
}

/* ---- hashing ---- */

static void hash_field(struct hv_sha256 *h, const char *s)
{
	/* length-prefixed, with NULL distinct from "" */
	uint64_t n = s ? strlen(s) + 1 : 0;

	hv_sha256_update(h, &n, sizeof(n));
	if (s)
		hv_sha256_update(h, s, n - 1);
}

static void hash_core(struct hv_sha256 *h, const char *kind, const char *name,
		      const char *address, const char *status, const unsigned char *wkb,
		      size_t wkb_len)
{
	uint64_t n = wkb ? wkb_len : 0;

	hash_field(h, kind);
	hash_field(h, name);
	hash_field(h, address);
	hash_field(h, status);
	hv_sha256_update(h, &n, sizeof(n));
	if (wkb)
		hv_sha256_update(h, wkb, wkb_len);
}

static void hash_done(struct hv_sha256 *h, char out[HV_SHA256_HEX_LEN])
{
	uint8_t d[HV_SHA256_LEN];

	hv_sha256_final(h, d);
	hv_sha256_hex(d, out);
}

/* Content hash of a feature (all columns) and, when the schema changed, its hash over only the
 * columns the previous import also had. */
static void feature_hashes(struct import_run *r, const struct hv_geo_feature *f,
			   char full[HV_SHA256_HEX_LEN], char common[HV_SHA256_HEX_LEN])
{
	const char *const *names = r->info->fields;

	for (int pass = 0; pass < (r->schema_changed ? 2 : 1); pass++) {
		hash_core(r->h, f->kind, f->name, f->address, f->status, f->wkb, f->wkb_len);
		for (size_t i = 0; i < r->info->n_fields; i++) {
			size_t k = r->order[i];

			if (pass == 1 && !r->common[k])
				continue;
			hash_field(r->h, names[k]);
			hash_field(r->h, f->values[k]);
		}
		hash_done(r->h, pass == 0 ? full : common);
	}
}

static const char removed_hash[] = "removed";

/* ---- the previous import's columns, and the stored properties' common hashes ---- */

static int cmp_field(const void *a, const void *b, void *names)
{
	const char *const *n = names;

	return strcmp(n[*(const size_t *)a], n[*(const size_t *)b]);
}

/* qsort_r is not in C11/POSIX; an insertion sort over a few dozen column names is plenty. */
static void sort_fields(size_t *order, size_t n, const char *const *names)
{
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	for (size_t i = 1; i < n; i++) {
		size_t v = order[i], j = i;

		while (j > 0 && cmp_field(&order[j - 1], &v, (void *)names) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = v;
	}
}

struct prev_ctx {
	int64_t source_id;
	char *report; /* the latest report of the source */
};

static int find_prev(void *ctx, const struct hv_import_rec *rec, const char *source_name)
{
	struct prev_ctx *p = ctx;

	if (rec->source_id == p->source_id) {
		free(p->report);
		p->report = hv_xstrdup(rec->report_json);
	}
	return 0;
}

static bool field_in(const char *name, char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return true;
	return false;
}

/* Reads the previous import's column list and works out which columns were added or removed. */
static int compare_schema(struct import_run *r, struct hv_err *err)
{
	struct prev_ctx p = {.source_id = r->source_id};
	const struct hv_geo_layer_info *info = r->info;
	json_t *root = NULL, *fields;
	size_t i;
	int rc;

	r->common = hv_xcalloc(info->n_fields + 1, sizeof(*r->common));
	rc = hv_store_import_each(r->store, find_prev, &p, err);
	if (rc < 0)
		return rc;
	if (!p.report)
		return HV_OK;
	root = json_loads(p.report, 0, NULL);
	free(p.report);
	fields = root ? json_object_get(root, "fields") : NULL;
	if (json_is_array(fields)) {
		r->prev_fields = hv_xcalloc(json_array_size(fields) + 1, sizeof(char *));
		for (i = 0; i < json_array_size(fields); i++) {
			const char *name = json_string_value(json_array_get(fields, i));

			if (name)
				r->prev_fields[r->n_prev_fields++] = hv_xstrdup(name);
		}
	}
	json_decref(root);
	for (i = 0; i < info->n_fields; i++) {
		r->common[i] = field_in(info->fields[i], r->prev_fields, r->n_prev_fields);
		if (!r->common[i]) {
			struct hv_import_report *rep = r->rep;

			rep->columns_added = hv_xrealloc(rep->columns_added,
							 (rep->n_columns_added + 1) * sizeof(char *));
			rep->columns_added[rep->n_columns_added++] = hv_xstrdup(info->fields[i]);
		}
	}
	for (i = 0; i < r->n_prev_fields; i++) {
		bool found = false;

		for (size_t k = 0; k < info->n_fields && !found; k++)
			found = strcmp(info->fields[k], r->prev_fields[i]) == 0;
		if (!found) {
			struct hv_import_report *rep = r->rep;

			rep->columns_removed = hv_xrealloc(
				rep->columns_removed, (rep->n_columns_removed + 1) * sizeof(char *));
			rep->columns_removed[rep->n_columns_removed++] =
				hv_xstrdup(r->prev_fields[i]);
		}
	}
	r->schema_changed = r->rep->n_columns_added > 0 || r->rep->n_columns_removed > 0;
	return HV_OK;
}

static struct current *cur_add(struct import_run *r, const char *key)
{
	size_t idx;

	if (hv_strmap_get(&r->keys, key, &idx))
		return &r->cur[idx];
	r->cur = hv_xgrow(r->cur, &r->cap_cur, r->n_cur + 1, sizeof(*r->cur));
	memset(&r->cur[r->n_cur], 0, sizeof(*r->cur));
	hv_strmap_put(&r->keys, key, r->n_cur, NULL);
	return &r->cur[r->n_cur++];
}

static int load_key(void *ctx, const char *key, int64_t id, const char *hash, bool removed)
{
	struct import_run *r = ctx;
	struct current *c = cur_add(r, key);

	c->id = id;
	c->removed = removed;
	snprintf(c->hash, sizeof(c->hash), "%s", hash);
	return 0;
}

/* The stored property's hash over the columns this file shares with the previous one, from its
 * stored attributes; needed only when the schema changed. */
static int load_common(void *ctx, const struct hv_property *p)
{
	struct import_run *r = ctx;
	struct current *c = cur_add(r, p->source_key);
	json_t *attrs = json_loads(p->attrs_json ? p->attrs_json : "{}", 0, NULL);

	hash_core(r->h, p->kind, p->name, p->address, p->status, p->wkb, p->wkb_len);
	for (size_t i = 0; i < r->info->n_fields; i++) {
		size_t k = r->order[i];

		if (!r->common[k])
			continue;
		hash_field(r->h, r->info->fields[k]);
		hash_field(r->h, json_string_value(json_object_get(attrs, r->info->fields[k])));
	}
	hash_done(r->h, c->common_hash);
	json_decref(attrs);
	return 0;
}

static int load_current(struct import_run *r, struct hv_err *err)
{
	int rc = hv_store_property_keys(r->store, r->source_id, load_key, r, err);

	if (rc < 0 || !r->schema_changed)
		return rc < 0 ? rc : HV_OK;
	struct hv_property_filter f = {.source_id = r->source_id};
	rc = hv_store_property_each(r->store, &f, load_common, r, err);
	return rc < 0 ? rc : HV_OK;
}

/* ---- writing ---- */

static int write_feature(struct import_run *r, const struct hv_geo_feature *f, struct hv_err *err)
{
	struct hv_import_report *rep = r->rep;
	char full[HV_SHA256_HEX_LEN], common[HV_SHA256_HEX_LEN];
	struct current *c;
	size_t idx;
	struct hv_property p = {0};

	if (hv_strmap_get(&r->keys, f->source_key, &idx)) {
		c = &r->cur[idx];
		if (c->seen_row)
			return hv_err_set(err, HV_EINVAL,
					  "%s: row %lld: duplicate id \"%s\" (also at row %lld)",
					  rep->file_name, (long long)f->row, f->source_key,
					  (long long)c->seen_row);
	} else {
		c = cur_add(r, f->source_key);
	}
	c->seen_row = f->row;
	feature_hashes(r, f, full, common);
	if (c->id && !c->removed) {
		if (strcmp(c->hash, full) == 0) {
			rep->n_unchanged++;
			return HV_OK;
		}
		if (r->schema_changed && strcmp(c->common_hash, common) == 0)
			rep->n_restated++;
		else
			rep->n_changed++;
	} else {
		rep->n_added++;
	}
	p.id = c->id;
	p.source_id = r->source_id;
	p.source_key = (char *)f->source_key;
	p.kind = (char *)f->kind;
	p.name = (char *)f->name;
	p.address = (char *)f->address;
	p.status = (char *)f->status;
	p.geom_type = (char *)f->geom_type;
	p.wkb = (unsigned char *)f->wkb;
	p.wkb_len = f->wkb_len;
	p.has_point = f->has_point;
	p.lon = f->lon;
	p.lat = f->lat;
	p.minx = f->minx;
	p.miny = f->miny;
	p.maxx = f->maxx;
	p.maxy = f->maxy;
	p.attrs_json = (char *)f->attrs_json;
	memcpy(p.content_hash, full, sizeof(full));
	p.import_id = r->import_id;
	p.valid_from_ms = r->effective_ms;
	if (r->o->dry_run)
		return HV_OK;
	int rc = hv_store_property_append(r->store, &p, err);
	c->id = p.id;
	return rc;
}

/* Every property the source listed before but this file does not gets a removal version. */
static int write_removals(struct import_run *r, struct hv_err *err)
{
	for (size_t i = 0; i < r->n_cur; i++) {
		struct current *c = &r->cur[i];
		struct hv_property p = {0};
		int rc;

		if (c->seen_row || c->removed || !c->id)
			continue;
		r->rep->n_removed++;
		if (r->o->dry_run)
			continue;
		p.id = c->id;
		p.source_id = r->source_id;
		p.attrs_json = "{}";
		memcpy(p.content_hash, removed_hash, sizeof(removed_hash));
		p.import_id = r->import_id;
		p.valid_from_ms = r->effective_ms;
		p.removed = true;
		if ((rc = hv_store_property_append(r->store, &p, err)))
			return rc;
	}
	return HV_OK;
}

static int read_all(struct import_run *r, struct hv_err *err)
{
	struct hv_import_report *rep = r->rep;
	struct hv_geo_feature f;
	int64_t total = r->info->n_features;
	int rc;

	for (;;) {
		rc = hv_geo_reader_next(r->reader, &f, err);
		if (rc == 0)
			break;
		if (rc == HV_EINVAL) {
			rep->n_read++;
			if (!r->o->skip_bad)
				return rc;
			rep->n_skipped++;
			note_add(&rep->skips, &rep->n_skips, rep->n_read, NULL, err->msg);
			hv_err_clear(err);
			continue;
		}
		if (rc < 0)
			return rc;
		rep->n_read++;
		if (f.repair) {
			rep->n_repaired++;
			note_add(&rep->repairs, &rep->n_repairs, f.row, f.source_key, f.repair);
		}
		if (!f.wkb)
			rep->n_address_only++;
		rc = write_feature(r, &f, err);
		if (rc == HV_EINVAL && r->o->skip_bad) {
			rep->n_skipped++;
			note_add(&rep->skips, &rep->n_skips, f.row, f.source_key, err->msg);
			hv_err_clear(err);
			continue;
		}
		if (rc)
			return rc;
		if (r->o->progress && rep->n_read % 512 == 0)
			r->o->progress(r->o->progress_ctx, rep->n_read, total);
	}
	if (r->o->progress)
		r->o->progress(r->o->progress_ctx, rep->n_read, rep->n_read);
	return HV_OK;
}

/* The source name a file gets by default: its name without directory and extension. */
/* A .zip (a zipped Shapefile, as cities publish them and as browsers upload them) is read
 * through GDAL's /vsizip/; its hash is still the file's own. */
static int open_reader(const struct hv_geo_import_opts *g, struct hv_geo_reader **out,
		       struct hv_err *err)
{
	struct hv_geo_import_opts z = *g;
	size_t n = strlen(g->path);
	char *p = NULL;
	int rc;

	if (n > 4 && strcasecmp(g->path + n - 4, ".zip") == 0 && strncmp(g->path, "/vsi", 4)) {
		p = hv_xmalloc(n + 9);
		memcpy(p, "/vsizip/", 8);
		memcpy(p + 8, g->path, n + 1);
		z.path = p;
	}
	rc = hv_geo_reader_open(&z, out, err);
	free(p);
	return rc;
}

static char *default_source(const char *path)
{
	const char *base = hv_fs_basename(path);
	const char *dot = strrchr(base, '.');

	return hv_xstrndup(base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
}

static void report_json_text(struct import_run *r, struct hv_buf *out)
{
	struct hv_json w;

	hv_json_init(&w, out, false);
	hv_import_report_json(r->rep, &w);
	/* the column list lets the next import of this source find added and removed columns */
	out->len--; /* reopen the object: drop its closing brace */
	out->data[out->len] = '\0';
	hv_buf_adds(out, ",\"fields\":[");
	for (size_t i = 0; i < r->info->n_fields; i++) {
		if (i)
			hv_buf_addc(out, ',');
		hv_json_quote(out, r->info->fields[i], strlen(r->info->fields[i]));
	}
	hv_buf_adds(out, "]}");
}

static int finish(struct import_run *r, struct hv_err *err)
{
	struct hv_import_report *rep = r->rep;
	struct hv_buf json;
	struct hv_import_rec rec = {
		.id = r->import_id,
		.n_read = rep->n_read,
		.n_added = rep->n_added,
		.n_changed = rep->n_changed,
		.n_unchanged = rep->n_unchanged,
		.n_removed = rep->n_removed,
		.n_repaired = rep->n_repaired,
		.n_skipped = rep->n_skipped,
		.n_address_only = rep->n_address_only,
	};
	int rc;

	hv_buf_init(&json, 0);
	report_json_text(r, &json);
	rec.report_json = json.data;
	rc = hv_store_import_finish(r->store, &rec, err);
	hv_buf_release(&json);
	return rc;
}

static int begin_import(struct import_run *r, struct hv_err *err)
{
	const struct hv_import_opts *o = r->o;
	struct hv_import_report *rep = r->rep;
	int64_t now = hv_time_now_ms(), last = 0;
	char when[HV_TIME_ISO_MAX];
	int rc;

	r->effective_ms = o->effective_ms ? o->effective_ms : now;
	rep->effective_ms = r->effective_ms;
	if ((rc = hv_store_source_ensure(r->store, rep->source, now, &r->source_id, err)))
		return rc;
	if ((rc = hv_store_source_last_effective(r->store, r->source_id, &last, err)))
		return rc;
	if (last > r->effective_ms) {
		hv_time_format_iso(last, when, sizeof(when));
		return hv_err_set(err, HV_ECONFLICT,
				  "source \"%s\" already has an import in force from %s; an import "
				  "cannot take effect before it",
				  rep->source, when);
	}
	struct hv_import_rec rec = {
		.source_id = r->source_id,
		.file_name = rep->file_name,
		.file_sha256 = rep->file_sha256,
		.imported_ms = now,
		.effective_ms = r->effective_ms,
	};
	return hv_store_import_add(r->store, &rec, &r->import_id, err);
}

int hv_registry_import(struct hv_store *s, const struct hv_import_opts *o,
		       struct hv_import_report *rep, struct hv_err *err)
{
	struct import_run r = {.store = s, .o = o, .rep = rep};
	uint64_t t0 = hv_time_mono_ns();
	bool in_tx = false;
	int rc;

	memset(rep, 0, sizeof(*rep));
	hv_strmap_init(&r.keys);
	rep->dry_run = o->dry_run;
	rep->file_name = hv_xstrdup(hv_fs_basename(o->geo.path));
	rep->source = o->source ? hv_xstrdup(o->source) : default_source(o->geo.path);
	if ((rc = open_reader(&o->geo, &r.reader, err)))
		goto out;
	r.info = hv_geo_reader_info(r.reader);
	rep->driver = hv_xstrdup(r.info->driver);
	rep->layer = hv_xstrdup(r.info->layer);
	rep->srs = hv_xstrdup(r.info->srs);
	if ((rc = hv_sha256_file(o->geo.path, rep->file_sha256, err)))
		goto out;
	r.h = hv_sha256_new();
	r.order = hv_xcalloc(r.info->n_fields + 1, sizeof(*r.order));
	sort_fields(r.order, r.info->n_fields, r.info->fields);
	if ((rc = hv_store_begin(s, err)))
		goto out;
	in_tx = true;
	if ((rc = begin_import(&r, err)) || (rc = compare_schema(&r, err)) ||
	    (rc = load_current(&r, err)) || (rc = read_all(&r, err)) ||
	    (rc = write_removals(&r, err)))
		goto out;
	rep->seconds = (double)(hv_time_mono_ns() - t0) / 1e9;
	if (o->dry_run) {
		hv_store_rollback(s);
		in_tx = false;
		rep->import_id = 0;
		goto out;
	}
	if ((rc = finish(&r, err)) || (rc = hv_store_commit(s, err)))
		goto out;
	in_tx = false;
	rep->import_id = r.import_id;
	rep->seconds = (double)(hv_time_mono_ns() - t0) / 1e9;
out:
	if (in_tx)
		hv_store_rollback(s);
	if (rc)
		hv_import_report_release(rep);
	hv_geo_reader_free(r.reader);
	hv_sha256_free(r.h);
	hv_strmap_release(&r.keys);
	free(r.cur);
	free(r.order);
	free(r.common);
	strv_free(r.prev_fields, r.n_prev_fields);
	return rc;
}

static void notes_json(struct hv_json *w, const char *key, const struct hv_import_note *n,
		       size_t count)
{
	hv_json_key(w, key);
	hv_json_arr_begin(w);
	for (size_t i = 0; i < count; i++) {
		hv_json_obj_begin(w);
		hv_json_key(w, "row");
		hv_json_int(w, n[i].row);
		if (n[i].source_key) {
			hv_json_key(w, "source_id");
			hv_json_str(w, n[i].source_key);
		}
		hv_json_key(w, "reason");
		hv_json_str(w, n[i].text);
		hv_json_obj_end(w);
	}
	hv_json_arr_end(w);
}

static void strv_json(struct hv_json *w, const char *key, char **v, size_t n)
{
	hv_json_key(w, key);
	hv_json_arr_begin(w);
	for (size_t i = 0; i < n; i++)
		hv_json_str(w, v[i]);
	hv_json_arr_end(w);
}

void hv_import_report_json(const struct hv_import_report *rep, struct hv_json *w)
{
	char when[HV_TIME_ISO_MAX];
	const struct {
		const char *name;
		int64_t v;
	} counts[] = {
		{"read", rep->n_read},
		{"imported", rep->n_added + rep->n_changed + rep->n_restated + rep->n_unchanged},
		{"added", rep->n_added},
		{"changed", rep->n_changed},
		{"restated", rep->n_restated},
		{"unchanged", rep->n_unchanged},
		{"removed", rep->n_removed},
		{"repaired", rep->n_repaired},
		{"skipped", rep->n_skipped},
		{"address_only", rep->n_address_only},
	};

	hv_json_obj_begin(w);
	hv_json_key(w, "import_id");
	hv_json_int(w, rep->import_id);
	hv_json_key(w, "dry_run");
	hv_json_bool(w, rep->dry_run);
	hv_json_key(w, "source");
	hv_json_str(w, rep->source);
	hv_json_key(w, "file");
	hv_json_str(w, rep->file_name);
	hv_json_key(w, "sha256");
	hv_json_str(w, rep->file_sha256);
	hv_json_key(w, "driver");
	hv_json_str(w, rep->driver);
	hv_json_key(w, "layer");
	hv_json_str(w, rep->layer);
	hv_json_key(w, "srs");
	hv_json_str(w, rep->srs);
	hv_time_format_iso(rep->effective_ms, when, sizeof(when));
	hv_json_key(w, "effective");
	hv_json_str(w, when);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		hv_json_key(w, counts[i].name);
		hv_json_int(w, counts[i].v);
	}
	hv_json_key(w, "seconds");
	hv_json_double(w, rep->seconds);
	strv_json(w, "columns_added", rep->columns_added, rep->n_columns_added);
	strv_json(w, "columns_removed", rep->columns_removed, rep->n_columns_removed);
	notes_json(w, "skips", rep->skips, rep->n_skips);
	notes_json(w, "repairs", rep->repairs, rep->n_repairs);
	hv_json_obj_end(w);
}
