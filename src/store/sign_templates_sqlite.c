/* SPDX-License-Identifier: Apache-2.0 */
/* The sign_templates table on SQLite: append a version, read one, list current and past ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/sign_templates.h"
#include "store/sqlite_impl.h"
#include "core/banned.h"

void hv_sign_template_rec_release(struct hv_sign_template_rec *r)
{
	if (!r)
		return;
	free(r->doc);
	memset(r, 0, sizeof(*r));
}

static int need_sqlite(struct hv_store *s, struct hv_err *err)
{
	if (!hv_sqlite_handle(s))
		return hv_err_set(err, HV_ESTORE, "sign templates: only the SQLite store has them");
	return HV_OK;
}

static const char sql_max[] = "SELECT max(version) FROM sign_templates WHERE name = ?1";
static const char sql_add[] = "INSERT INTO sign_templates (name, version, doc, created_ms, "
			      "created_by) VALUES (?1, ?2, ?3, ?4, ?5)";

int hv_store_sign_template_add(struct hv_store *s, const char *name, const char *doc,
			       int64_t created_ms, const char *created_by, int64_t *version,
			       struct hv_err *err)
{
	sqlite3_stmt *st;
	int64_t v = 0;
	int rc;

	if ((rc = need_sqlite(s, err)))
		return rc;
	if (strlen(name) >= HV_SIGN_TEMPLATE_NAME_MAX)
		return hv_err_set(err, HV_EINVAL, "sign template name \"%.64s...\": too long", name);
	if (!(st = hv_sqlite_write_stmt(s, sql_max, err)))
		return err ? err->code : HV_ESTORE;
	hv_sqlite_bind_text(st, 1, name);
	if ((rc = hv_sqlite_scalar_i64(s, st, "sign template version", &v, err)))
		return rc;
	if (!(st = hv_sqlite_write_stmt(s, sql_add, err)))
		return err ? err->code : HV_ESTORE;
	hv_sqlite_bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, v + 1);
	hv_sqlite_bind_text(st, 3, doc);
	sqlite3_bind_int64(st, 4, created_ms);
	hv_sqlite_bind_text(st, 5, created_by ? created_by : "");
	if ((rc = hv_sqlite_step_done(s, st, "sign template add", err)))
		return rc;
	*version = v + 1;
	return HV_OK;
}

static void copy_text(char *dst, size_t cap, const unsigned char *src)
{
	snprintf(dst, cap, "%s", src ? (const char *)src : "");
}

static void read_row(sqlite3_stmt *st, struct hv_sign_template_rec *r, bool with_doc)
{
	copy_text(r->name, sizeof(r->name), sqlite3_column_text(st, 0));
	r->version = sqlite3_column_int64(st, 1);
	r->created_ms = sqlite3_column_int64(st, 2);
	copy_text(r->created_by, sizeof(r->created_by), sqlite3_column_text(st, 3));
	r->doc = with_doc ? hv_xstrdup((const char *)sqlite3_column_text(st, 4)) : NULL;
}

static const char sql_get[] = "SELECT name, version, created_ms, created_by, doc FROM "
			      "sign_templates WHERE name = ?1 AND version = ?2";
static const char sql_get_cur[] = "SELECT name, version, created_ms, created_by, doc FROM "
				  "sign_templates WHERE name = ?1 ORDER BY version DESC LIMIT 1";

int hv_store_sign_template_get(struct hv_store *s, const char *name, int64_t version,
			       struct hv_sign_template_rec *out, struct hv_err *err)
{
	sqlite3_stmt *st;
	int rc, step;

	memset(out, 0, sizeof(*out));
	if ((rc = need_sqlite(s, err)))
		return rc;
	if (!(st = hv_sqlite_stmt(s, version ? sql_get : sql_get_cur, err)))
		return err ? err->code : HV_ESTORE;
	hv_sqlite_bind_text(st, 1, name);
	if (version)
		sqlite3_bind_int64(st, 2, version);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		read_row(st, out, true);
		sqlite3_reset(st);
		return HV_OK;
	}
	rc = step == SQLITE_DONE ? HV_OK : hv_sqlite_err(s, err, "sign template get");
	sqlite3_reset(st);
	if (rc)
		return rc;
	if (version)
		return hv_err_set(err, HV_ENOENT, "sign template \"%s\" has no version %lld", name,
				  (long long)version);
	return hv_err_set(err, HV_ENOENT, "no sign template \"%s\" in the store", name);
}

static int each_row(struct hv_store *s, sqlite3_stmt *st, hv_sign_template_fn fn, void *ctx,
		    struct hv_err *err)
{
	struct hv_sign_template_rec r;
	int step, stop = 0;

	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		read_row(st, &r, false);
		if ((stop = fn(ctx, &r)))
			break;
	}
	if (!stop && step != SQLITE_DONE) {
		int rc = hv_sqlite_err(s, err, "sign template list");

		sqlite3_reset(st);
		return rc;
	}
	sqlite3_reset(st);
	return stop;
}

static const char sql_each[] =
	"SELECT name, version, created_ms, created_by FROM sign_templates t WHERE version = "
	"(SELECT max(version) FROM sign_templates u WHERE u.name = t.name) ORDER BY name";
static const char sql_versions[] = "SELECT name, version, created_ms, created_by FROM "
				   "sign_templates WHERE name = ?1 ORDER BY version";

int hv_store_sign_template_each(struct hv_store *s, hv_sign_template_fn fn, void *ctx,
				struct hv_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = need_sqlite(s, err)))
		return rc;
	if (!(st = hv_sqlite_stmt(s, sql_each, err)))
		return err ? err->code : HV_ESTORE;
	return each_row(s, st, fn, ctx, err);
}

int hv_store_sign_template_versions(struct hv_store *s, const char *name, hv_sign_template_fn fn,
				    void *ctx, struct hv_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = need_sqlite(s, err)))
		return rc;
	if (!(st = hv_sqlite_stmt(s, sql_versions, err)))
		return err ? err->code : HV_ESTORE;
	hv_sqlite_bind_text(st, 1, name);
	return each_row(s, st, fn, ctx, err);
}
