/* SPDX-License-Identifier: Apache-2.0 */
/* The embedded store: one SQLite file in WAL mode, prepared statements cached per connection. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "store/migrations_sqlite.h"
#include "store/sqlite_impl.h"

enum stmt_id {
	ST_SOURCE_FIND,
	ST_SOURCE_INSERT,
	ST_SOURCE_LAST_EFFECTIVE,
	ST_IMPORT_INSERT,
	ST_IMPORT_REPORT_INSERT,
	ST_IMPORT_EACH,
	ST_PROPERTY_KEYS,
	ST_PROPERTY_INSERT,
	ST_VERSION_INSERT,
	ST_PROPERTY_SET_CURRENT,
	ST_PROPERTY_GET_CURRENT,
	ST_PROPERTY_GET_AS_OF,
	ST_PROPERTY_EACH_CURRENT,
	ST_PROPERTY_EACH_AS_OF,
	ST_PROPERTY_HISTORY,
	ST_PROPERTY_COUNT,
	ST_DATA_VERSION,
	ST_SCOPE_INSERT,
	ST_SCOPE_EACH,
	ST_SCOPE_VERSIONS,
	ST_USER_INSERT,
	ST_USER_FIND,
	ST_USER_EACH,
	ST_USER_DISABLE,
	ST_USER_END_SESSIONS,
	ST_SESSION_INSERT,
	ST_SESSION_GET,
	ST_SESSION_DELETE,
	ST_SESSION_PURGE,
	ST_TOKEN_INSERT,
	ST_TOKEN_GET,
	ST_TOKEN_REVOKE,
	ST_TOKEN_EACH,
	ST_COUNT
};

/* The columns every property read selects, in the order read_property expects. */
#define PROPERTY_COLS                                                                              \
	"p.id, v.id, p.source_id, s.name, p.source_key, v.kind, v.name, v.address, v.status, "     \
	"v.geom_type, v.geom, v.lon, v.lat, v.minx, v.miny, v.maxx, v.maxy, v.attrs, "             \
	"v.content_hash, v.import_id, v.valid_from_ms, v.removed "
#define PROPERTY_FROM " FROM properties p JOIN sources s ON s.id = p.source_id "
/* The version of p in force at ?1: the latest whose effective time is not after it. */
#define VERSION_AS_OF                                                                              \
	" JOIN property_versions v ON v.id = (SELECT v2.id FROM property_versions v2"              \
	" WHERE v2.property_id = p.id AND v2.valid_from_ms <= ?1"                                  \
	" ORDER BY v2.valid_from_ms DESC, v2.id DESC LIMIT 1) "
#define PROPERTY_FILTER                                                                            \
	" WHERE p.id > ?2 AND (?3 = 0 OR p.source_id = ?3) AND (?4 IS NULL OR v.kind = ?4)"        \
	" AND (?5 OR v.removed = 0) ORDER BY p.id LIMIT ?6"

static const char *const stmt_sql[ST_COUNT] = {
	[ST_SOURCE_FIND] = "SELECT id FROM sources WHERE name = ?1",
	[ST_SOURCE_INSERT] = "INSERT INTO sources(name, created_ms) VALUES (?1, ?2)",
	[ST_SOURCE_LAST_EFFECTIVE] = "SELECT max(effective_ms) FROM imports WHERE source_id = ?1",
	[ST_IMPORT_INSERT] =
		"INSERT INTO imports(source_id, file_name, file_sha256, imported_ms, effective_ms)"
		" VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_IMPORT_REPORT_INSERT] =
		"INSERT INTO import_reports(import_id, n_read, n_added, n_changed, n_unchanged,"
		" n_removed, n_repaired, n_skipped, n_address_only, report)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[ST_IMPORT_EACH] =
		"SELECT i.id, i.source_id, i.file_name, i.file_sha256, i.imported_ms, i.effective_ms,"
		" r.n_read, r.n_added, r.n_changed, r.n_unchanged, r.n_removed, r.n_repaired,"
		" r.n_skipped, r.n_address_only, r.report, s.name"
		" FROM imports i JOIN import_reports r ON r.import_id = i.id"
		" JOIN sources s ON s.id = i.source_id ORDER BY i.id",
	[ST_PROPERTY_KEYS] = "SELECT p.source_key, p.id, v.content_hash, v.removed"
			     " FROM properties p JOIN property_versions v ON v.id = p.current_version"
			     " WHERE p.source_id = ?1",
	[ST_PROPERTY_INSERT] = "INSERT INTO properties(source_id, source_key) VALUES (?1, ?2)",
	[ST_VERSION_INSERT] =
		"INSERT INTO property_versions(property_id, import_id, valid_from_ms, removed, kind,"
		" name, address, status, geom_type, geom, lon, lat, minx, miny, maxx, maxy, attrs,"
		" content_hash)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
		" ?18)",
	[ST_PROPERTY_SET_CURRENT] = "UPDATE properties SET current_version = ?2 WHERE id = ?1",
	[ST_PROPERTY_GET_CURRENT] = "SELECT " PROPERTY_COLS PROPERTY_FROM
				    " JOIN property_versions v ON v.id = p.current_version"
				    " WHERE p.id = ?2",
	[ST_PROPERTY_GET_AS_OF] = "SELECT " PROPERTY_COLS PROPERTY_FROM VERSION_AS_OF
				  " WHERE p.id = ?2",
	[ST_PROPERTY_EACH_CURRENT] = "SELECT " PROPERTY_COLS PROPERTY_FROM
				     " JOIN property_versions v ON v.id = p.current_version"
				     " AND ?1 = ?1" PROPERTY_FILTER,
	[ST_PROPERTY_EACH_AS_OF] = "SELECT " PROPERTY_COLS PROPERTY_FROM VERSION_AS_OF
		PROPERTY_FILTER,
	[ST_PROPERTY_HISTORY] = "SELECT " PROPERTY_COLS PROPERTY_FROM
				" JOIN property_versions v ON v.property_id = p.id"
				" WHERE p.id = ?1 ORDER BY v.valid_from_ms, v.id",
	[ST_PROPERTY_COUNT] = "SELECT count(*) FROM properties p"
			      " JOIN property_versions v ON v.id = p.current_version"
			      " WHERE v.removed = 0",
	/* both tables only grow, so the sum of their last ids only grows */
	[ST_DATA_VERSION] = "SELECT coalesce((SELECT max(id) FROM property_versions), 0)"
			    " + coalesce((SELECT max(id) FROM scope_rules), 0)",
	[ST_SCOPE_INSERT] = "INSERT INTO scope_rules(name, expr, effective_ms, created_ms, retired)"
			    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_SCOPE_EACH] = "SELECT r.id, r.name, r.expr, r.effective_ms, r.created_ms, r.retired"
			  " FROM scope_rules r WHERE r.id = (SELECT r2.id FROM scope_rules r2"
			  " WHERE r2.name = r.name AND r2.effective_ms <= ?1"
			  " ORDER BY r2.effective_ms DESC, r2.id DESC LIMIT 1)"
			  " AND r.retired = 0 ORDER BY r.name",
	[ST_SCOPE_VERSIONS] = "SELECT id, name, expr, effective_ms, created_ms, retired"
			      " FROM scope_rules WHERE name = ?1 ORDER BY effective_ms, id",
	[ST_USER_INSERT] = "INSERT INTO users(name, role, password_hash, created_ms)"
			   " VALUES (?1, ?2, ?3, ?4)",
	[ST_USER_FIND] = "SELECT id, name, role, password_hash, created_ms, disabled"
			 " FROM users WHERE name = ?1",
	[ST_USER_EACH] = "SELECT id, name, role, password_hash, created_ms, disabled"
			 " FROM users ORDER BY name",
	[ST_USER_DISABLE] = "UPDATE users SET disabled = 1 WHERE name = ?1",
	[ST_USER_END_SESSIONS] =
		"DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?1)",
	[ST_SESSION_INSERT] = "INSERT INTO sessions(token_hash, user_id, csrf_hash, created_ms,"
			      " expires_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_SESSION_GET] = "SELECT s.user_id, u.name, u.role, s.csrf_hash, s.expires_ms"
			   " FROM sessions s JOIN users u ON u.id = s.user_id"
			   " WHERE s.token_hash = ?1 AND s.expires_ms > ?2 AND u.disabled = 0",
	[ST_SESSION_DELETE] = "DELETE FROM sessions WHERE token_hash = ?1",
	[ST_SESSION_PURGE] = "DELETE FROM sessions WHERE expires_ms <= ?1",
	[ST_TOKEN_INSERT] = "INSERT INTO api_tokens(token_hash, name, role, created_ms)"
			    " VALUES (?1, ?2, ?3, ?4)",
	[ST_TOKEN_GET] = "SELECT id, name, role, created_ms FROM api_tokens"
			 " WHERE token_hash = ?1 AND revoked_ms IS NULL",
	[ST_TOKEN_REVOKE] = "UPDATE api_tokens SET revoked_ms = ?2"
			    " WHERE id = ?1 AND revoked_ms IS NULL",
	[ST_TOKEN_EACH] = "SELECT id, name, role, created_ms, revoked_ms FROM api_tokens"
			  " ORDER BY id DESC",
};

struct sqlite_store {
	struct hv_store base;
	sqlite3 *db;
	char *path;
	int schema_version;
	sqlite3_stmt *stmts[ST_COUNT];
	/* Module statements (hv_sqlite_stmt), keyed by their SQL's address. */
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} *extra;
	size_t n_extra, cap_extra;
};

static struct sqlite_store *impl(struct hv_store *s)
{
	return (struct sqlite_store *)s;
}

static int db_err(struct sqlite_store *q, struct hv_err *err, const char *what)
{
	return hv_err_set(err, HV_ESTORE, "%s: %s: %s", q->path, what, sqlite3_errmsg(q->db));
}

/* A cached statement, reset and with its bindings cleared, ready to bind. */
static sqlite3_stmt *stmt(struct sqlite_store *q, enum stmt_id id, struct hv_err *err)
{
	sqlite3_stmt *st = q->stmts[id];

	if (!st) {
		if (sqlite3_prepare_v3(q->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &st,
				       NULL) != SQLITE_OK) {
			db_err(q, err, "prepare");
			return NULL;
		}
		q->stmts[id] = st;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

static int require_tx(struct sqlite_store *q, struct hv_err *err)
{
	if (sqlite3_get_autocommit(q->db))
		return hv_err_set(err, HV_ESTORE, "%s: write outside a transaction", q->path);
	return HV_OK;
}

/* A cached statement for a write: refused (NULL, err set) outside a transaction. */
static sqlite3_stmt *write_stmt(struct sqlite_store *q, enum stmt_id id, struct hv_err *err)
{
	if (require_tx(q, err))
		return NULL;
	return stmt(q, id, err);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static char *col_text(sqlite3_stmt *st, int i)
{
	return (char *)sqlite3_column_text(st, i);
}

static int exec(struct sqlite_store *q, const char *sql, struct hv_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(q->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		hv_err_set(err, HV_ESTORE, "%s: %s", q->path, msg ? msg : "error");
		sqlite3_free(msg);
		return HV_ESTORE;
	}
	return HV_OK;
}

static int user_version(struct sqlite_store *q, int *v, struct hv_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(q->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return db_err(q, err, "read schema version");
	rc = sqlite3_step(st);
	*v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_err(q, err, "read schema version");
	return HV_OK;
}

/* Applies each migration above the file's user_version in its own transaction. */
static int migrate(struct sqlite_store *q, struct hv_err *err)
{
	int v, rc;

	if ((rc = user_version(q, &v, err)))
		return rc;
	if (v > hv_sqlite_migrations[hv_sqlite_n_migrations - 1].version)
		return hv_err_set(err, HV_ESTORE,
				  "%s: schema version %d is newer than this haven knows (%d)", q->path,
				  v, hv_sqlite_migrations[hv_sqlite_n_migrations - 1].version);
	for (size_t i = 0; i < hv_sqlite_n_migrations; i++) {
		const struct hv_migration *m = &hv_sqlite_migrations[i];
		char pragma[64];

		if (m->version <= v)
			continue;
		if ((rc = exec(q, "BEGIN IMMEDIATE", err)))
			return rc;
		/* Another connection may have applied it while this one waited for the write
		 * lock (workers opening a new file at once); read the version again under it. */
		if ((rc = user_version(q, &v, err))) {
			exec(q, "ROLLBACK", NULL);
			return rc;
		}
		if (m->version <= v) {
			exec(q, "ROLLBACK", NULL);
			continue;
		}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", m->version);
		if ((rc = exec(q, m->sql, err)) || (rc = exec(q, pragma, err))) {
			exec(q, "ROLLBACK", NULL);
			return hv_err_prefix(err, rc, "migration %d", m->version);
		}
		if ((rc = exec(q, "COMMIT", err)))
			return rc;
		v = m->version;
	}
	q->schema_version = v;
	return HV_OK;
}

static void sq_close(struct hv_store *s)
{
	struct sqlite_store *q = impl(s);

	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(q->stmts[i]);
	for (size_t i = 0; i < q->n_extra; i++)
		sqlite3_finalize(q->extra[i].st);
	free(q->extra);
	sqlite3_close(q->db);
	free(q->path);
	free(q);
}

static int sq_schema_version(struct hv_store *s)
{
	return impl(s)->schema_version;
}

static int sq_begin(struct hv_store *s, struct hv_err *err)
{
	return exec(impl(s), "BEGIN IMMEDIATE", err);
}

static int sq_commit(struct hv_store *s, struct hv_err *err)
{
	return exec(impl(s), "COMMIT", err);
}

static void sq_rollback(struct hv_store *s)
{
	struct sqlite_store *q = impl(s);

	if (!sqlite3_get_autocommit(q->db))
		exec(q, "ROLLBACK", NULL);
}

static int step_done(struct sqlite_store *q, sqlite3_stmt *st, const char *what,
		     struct hv_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(q, err, what);
	return HV_OK;
}

/* Steps a bound statement that yields one integer (NULL reads as 0). */
static int scalar_i64(struct sqlite_store *q, sqlite3_stmt *st, const char *what, int64_t *out,
		      struct hv_err *err)
{
	int rc = sqlite3_step(st);

	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return db_err(q, err, what);
	return HV_OK;
}

static int sq_source_find(struct hv_store *s, const char *name, int64_t *id, struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st = stmt(q, ST_SOURCE_FIND, err);
	int rc;

	if (!st)
		return HV_ESTORE;
	bind_text(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return HV_OK;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(q, err, "find source");
	return hv_err_set(err, HV_ENOENT, "no source named \"%s\"", name);
}

static int sq_source_ensure(struct hv_store *s, const char *name, int64_t now_ms, int64_t *id,
			    struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st;
	int rc = sq_source_find(s, name, id, err);

	if (rc != HV_ENOENT)
		return rc;
	hv_err_clear(err);
	if (!(st = write_stmt(q, ST_SOURCE_INSERT, err)))
		return HV_ESTORE;
	bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, now_ms);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(q, err, "add source");
	*id = sqlite3_last_insert_rowid(q->db);
	return HV_OK;
}

static int sq_source_last_effective(struct hv_store *s, int64_t source_id, int64_t *ms,
				    struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st = stmt(q, ST_SOURCE_LAST_EFFECTIVE, err);

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, source_id);
	return scalar_i64(q, st, "read imports", ms, err);
}

static int sq_import_add(struct hv_store *s, const struct hv_import_rec *r, int64_t *id,
			 struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st;
	int rc;

	if (!(st = write_stmt(q, ST_IMPORT_INSERT, err)))
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, r->source_id);
	bind_text(st, 2, r->file_name);
	bind_text(st, 3, r->file_sha256);
	sqlite3_bind_int64(st, 4, r->imported_ms);
	sqlite3_bind_int64(st, 5, r->effective_ms);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(q, err, "record import");
	*id = sqlite3_last_insert_rowid(q->db);
	return HV_OK;
}

static int sq_import_finish(struct hv_store *s, const struct hv_import_rec *r, struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st;
	const int64_t counts[] = {r->n_read,	 r->n_added,	r->n_changed, r->n_unchanged,
				  r->n_removed,	 r->n_repaired, r->n_skipped, r->n_address_only};

	if (!(st = write_stmt(q, ST_IMPORT_REPORT_INSERT, err)))
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, r->id);
	for (int i = 0; i < 8; i++)
		sqlite3_bind_int64(st, 2 + i, counts[i]);
	bind_text(st, 10, r->report_json ? r->report_json : "{}");
	return step_done(q, st, "record import report", err);
}

static int sq_import_each(struct hv_store *s, hv_import_fn fn, void *ctx, struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st = stmt(q, ST_IMPORT_EACH, err);
	int rc, stop = 0;

	if (!st)
		return HV_ESTORE;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct hv_import_rec r = {
			.id = sqlite3_column_int64(st, 0),
			.source_id = sqlite3_column_int64(st, 1),
			.file_name = col_text(st, 2),
			.file_sha256 = col_text(st, 3),
			.imported_ms = sqlite3_column_int64(st, 4),
			.effective_ms = sqlite3_column_int64(st, 5),
			.n_read = sqlite3_column_int64(st, 6),
			.n_added = sqlite3_column_int64(st, 7),
			.n_changed = sqlite3_column_int64(st, 8),
			.n_unchanged = sqlite3_column_int64(st, 9),
			.n_removed = sqlite3_column_int64(st, 10),
			.n_repaired = sqlite3_column_int64(st, 11),
			.n_skipped = sqlite3_column_int64(st, 12),
			.n_address_only = sqlite3_column_int64(st, 13),
			.report_json = col_text(st, 14),
		};
		if ((stop = fn(ctx, &r, col_text(st, 15))) != 0)
			break;
	}
	sqlite3_reset(st);
	if (!stop && rc != SQLITE_DONE)
		return db_err(q, err, "list imports");
	return stop;
}

static int sq_property_keys(struct hv_store *s, int64_t source_id, hv_property_key_fn fn,
			    void *ctx, struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st = stmt(q, ST_PROPERTY_KEYS, err);
	int rc, stop = 0;

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, source_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		stop = fn(ctx, col_text(st, 0), sqlite3_column_int64(st, 1), col_text(st, 2),
			  sqlite3_column_int(st, 3) != 0);
		if (stop)
			break;
	}
	sqlite3_reset(st);
	if (!stop && rc != SQLITE_DONE)
		return db_err(q, err, "read property keys");
	return stop;
}


static int sq_property_append(struct hv_store *s, struct hv_property *p, struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st;
	int rc;

	if ((rc = require_tx(q, err)))
		return rc;
	if (p->id == 0) {
		if (!(st = stmt(q, ST_PROPERTY_INSERT, err)))
			return HV_ESTORE;
		sqlite3_bind_int64(st, 1, p->source_id);
		bind_text(st, 2, p->source_key);
		if ((rc = step_done(q, st, "add property", err)))
			return rc;
		p->id = sqlite3_last_insert_rowid(q->db);
	}
	if (!(st = stmt(q, ST_VERSION_INSERT, err)))
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, p->id);
	sqlite3_bind_int64(st, 2, p->import_id);
	sqlite3_bind_int64(st, 3, p->valid_from_ms);
	sqlite3_bind_int(st, 4, p->removed);
	bind_text(st, 5, p->kind);
	bind_text(st, 6, p->name);
	bind_text(st, 7, p->address);
	bind_text(st, 8, p->status);
	bind_text(st, 9, p->wkb ? p->geom_type : NULL);
	if (p->wkb)
		sqlite3_bind_blob(st, 10, p->wkb, (int)p->wkb_len, SQLITE_STATIC);
	if (p->has_point) {
		sqlite3_bind_double(st, 11, p->lon);
		sqlite3_bind_double(st, 12, p->lat);
	}
	if (p->wkb) {
		sqlite3_bind_double(st, 13, p->minx);
		sqlite3_bind_double(st, 14, p->miny);
		sqlite3_bind_double(st, 15, p->maxx);
		sqlite3_bind_double(st, 16, p->maxy);
	}
	bind_text(st, 17, p->attrs_json ? p->attrs_json : "{}");
	bind_text(st, 18, p->content_hash);
	if ((rc = step_done(q, st, "add property version", err)))
		return rc;
	p->version = sqlite3_last_insert_rowid(q->db);
	if (!(st = stmt(q, ST_PROPERTY_SET_CURRENT, err)))
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, p->id);
	sqlite3_bind_int64(st, 2, p->version);
	return step_done(q, st, "update current version", err);
}

/* Fills p with pointers into the statement's current row (valid until the next step). */
static void read_property(sqlite3_stmt *st, struct hv_property *p)
{
	const char *hash;

	memset(p, 0, sizeof(*p));
	p->id = sqlite3_column_int64(st, 0);
	p->version = sqlite3_column_int64(st, 1);
	p->source_id = sqlite3_column_int64(st, 2);
	p->source = col_text(st, 3);
	p->source_key = col_text(st, 4);
	p->kind = col_text(st, 5);
	p->name = col_text(st, 6);
	p->address = col_text(st, 7);
	p->status = col_text(st, 8);
	p->geom_type = col_text(st, 9);
	p->wkb = (unsigned char *)sqlite3_column_blob(st, 10);
	p->wkb_len = (size_t)sqlite3_column_bytes(st, 10);
	p->has_point = sqlite3_column_type(st, 11) != SQLITE_NULL;
	p->lon = sqlite3_column_double(st, 11);
	p->lat = sqlite3_column_double(st, 12);
	p->minx = sqlite3_column_double(st, 13);
	p->miny = sqlite3_column_double(st, 14);
	p->maxx = sqlite3_column_double(st, 15);
	p->maxy = sqlite3_column_double(st, 16);
	p->attrs_json = col_text(st, 17);
	hash = col_text(st, 18);
	if (hash)
		snprintf(p->content_hash, sizeof(p->content_hash), "%s", hash);
	p->import_id = sqlite3_column_int64(st, 19);
	p->valid_from_ms = sqlite3_column_int64(st, 20);
	p->removed = sqlite3_column_int(st, 21) != 0;
}

static void dup_property(struct hv_property *p)
{
	unsigned char *wkb = NULL;

	p->source = hv_xstrdup(p->source);
	p->source_key = hv_xstrdup(p->source_key);
	p->kind = hv_xstrdup(p->kind);
	p->name = hv_xstrdup(p->name);
	p->address = hv_xstrdup(p->address);
	p->status = hv_xstrdup(p->status);
	p->geom_type = hv_xstrdup(p->geom_type);
	p->attrs_json = hv_xstrdup(p->attrs_json);
	if (p->wkb) {
		wkb = hv_xmalloc(p->wkb_len);
		memcpy(wkb, p->wkb, p->wkb_len);
	}
	p->wkb = wkb;
}

static int sq_property_get(struct hv_store *s, int64_t id, int64_t as_of_ms,
			   struct hv_property *out, struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st =
		stmt(q, as_of_ms ? ST_PROPERTY_GET_AS_OF : ST_PROPERTY_GET_CURRENT, err);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, as_of_ms);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_property(st, out);
		dup_property(out);
		sqlite3_reset(st);
		return HV_OK;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(q, err, "read property");
	if (as_of_ms)
		return hv_err_set(err, HV_ENOENT, "no property %lld at that time", (long long)id);
	return hv_err_set(err, HV_ENOENT, "no property %lld", (long long)id);
}

static int each_row(struct sqlite_store *q, sqlite3_stmt *st, hv_property_fn fn, void *ctx,
		    struct hv_err *err)
{
	struct hv_property p;
	int rc, stop = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_property(st, &p);
		if ((stop = fn(ctx, &p)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (!stop && rc != SQLITE_DONE)
		return db_err(q, err, "read properties");
	return stop;
}

static int sq_property_each(struct hv_store *s, const struct hv_property_filter *f,
			    hv_property_fn fn, void *ctx, struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st =
		stmt(q, f->as_of_ms ? ST_PROPERTY_EACH_AS_OF : ST_PROPERTY_EACH_CURRENT, err);

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, f->as_of_ms);
	sqlite3_bind_int64(st, 2, f->after_id);
	sqlite3_bind_int64(st, 3, f->source_id);
	bind_text(st, 4, f->kind);
	sqlite3_bind_int(st, 5, f->include_removed);
	sqlite3_bind_int64(st, 6, f->limit > 0 ? f->limit : -1);
	return each_row(q, st, fn, ctx, err);
}

static int sq_property_history(struct hv_store *s, int64_t id, hv_property_fn fn, void *ctx,
			       struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st = stmt(q, ST_PROPERTY_HISTORY, err);

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, id);
	return each_row(q, st, fn, ctx, err);
}

static int sq_property_count(struct hv_store *s, int64_t *n, struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st = stmt(q, ST_PROPERTY_COUNT, err);

	if (!st)
		return HV_ESTORE;
	return scalar_i64(q, st, "count properties", n, err);
}

static int sq_data_version(struct hv_store *s, int64_t *v, struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st = stmt(q, ST_DATA_VERSION, err);

	if (!st)
		return HV_ESTORE;
	return scalar_i64(q, st, "read data version", v, err);
}

static int sq_scope_add(struct hv_store *s, const struct hv_scope_rule *r, int64_t *id,
			struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st;
	int rc;

	if (!(st = write_stmt(q, ST_SCOPE_INSERT, err)))
		return HV_ESTORE;
	bind_text(st, 1, r->name);
	bind_text(st, 2, r->expr);
	sqlite3_bind_int64(st, 3, r->effective_ms);
	sqlite3_bind_int64(st, 4, r->created_ms);
	sqlite3_bind_int(st, 5, r->retired);
	if ((rc = step_done(q, st, "add scope rule", err)))
		return rc;
	*id = sqlite3_last_insert_rowid(q->db);
	return HV_OK;
}

static int each_rule(struct sqlite_store *q, sqlite3_stmt *st, hv_scope_rule_fn fn, void *ctx,
		     struct hv_err *err)
{
	int rc, stop = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct hv_scope_rule r = {
			.id = sqlite3_column_int64(st, 0),
			.name = col_text(st, 1),
			.expr = col_text(st, 2),
			.effective_ms = sqlite3_column_int64(st, 3),
			.created_ms = sqlite3_column_int64(st, 4),
			.retired = sqlite3_column_int(st, 5) != 0,
		};
		if ((stop = fn(ctx, &r)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (!stop && rc != SQLITE_DONE)
		return db_err(q, err, "read scope rules");
	return stop;
}

static int sq_scope_each(struct hv_store *s, int64_t as_of_ms, hv_scope_rule_fn fn, void *ctx,
			 struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st = stmt(q, ST_SCOPE_EACH, err);

	if (!st)
		return HV_ESTORE;
	/* 0 means now (store.h), not the epoch: rules effective after 1970 would all be hidden. */
	sqlite3_bind_int64(st, 1, as_of_ms ? as_of_ms : hv_time_now_ms());
	return each_rule(q, st, fn, ctx, err);
}

static int sq_scope_versions(struct hv_store *s, const char *name, hv_scope_rule_fn fn, void *ctx,
			     struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st = stmt(q, ST_SCOPE_VERSIONS, err);

	if (!st)
		return HV_ESTORE;
	bind_text(st, 1, name);
	return each_rule(q, st, fn, ctx, err);
}

/* ---- accounts ---- */

static void copy_col(sqlite3_stmt *st, int i, char *out, size_t cap)
{
	const char *v = col_text(st, i);

	snprintf(out, cap, "%s", v ? v : "");
}

static void read_user(sqlite3_stmt *st, struct hv_user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = sqlite3_column_int64(st, 0);
	copy_col(st, 1, u->name, sizeof(u->name));
	copy_col(st, 2, u->role, sizeof(u->role));
	copy_col(st, 3, u->password_hash, sizeof(u->password_hash));
	u->created_ms = sqlite3_column_int64(st, 4);
	u->disabled = sqlite3_column_int(st, 5) != 0;
}

static int sq_user_add(struct hv_store *s, const char *name, const char *role,
		       const char *password_hash, int64_t now_ms, int64_t *id, struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st;
	int rc;

	if (!(st = write_stmt(q, ST_USER_INSERT, err)))
		return HV_ESTORE;
	bind_text(st, 1, name);
	bind_text(st, 2, role);
	bind_text(st, 3, password_hash);
	sqlite3_bind_int64(st, 4, now_ms);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return hv_err_set(err, HV_EEXIST, "a user named \"%s\" already exists", name);
	if (rc != SQLITE_DONE)
		return db_err(q, err, "add user");
	if (id)
		*id = sqlite3_last_insert_rowid(q->db);
	return HV_OK;
}

static int sq_user_find(struct hv_store *s, const char *name, struct hv_user *out,
			struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st = stmt(q, ST_USER_FIND, err);
	int rc;

	if (!st)
		return HV_ESTORE;
	bind_text(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_user(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return HV_OK;
	if (rc != SQLITE_DONE)
		return db_err(q, err, "find user");
	return hv_err_set(err, HV_ENOENT, "no user named \"%s\"", name);
}

static int sq_user_each(struct hv_store *s, hv_user_fn fn, void *ctx, struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st = stmt(q, ST_USER_EACH, err);
	struct hv_user u;
	int rc, stop = 0;

	if (!st)
		return HV_ESTORE;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_user(st, &u);
		if ((stop = fn(ctx, &u)))
			break;
	}
	sqlite3_reset(st);
	if (stop)
		return stop;
	if (rc != SQLITE_DONE)
		return db_err(q, err, "list users");
	return HV_OK;
}

static int sq_user_disable(struct hv_store *s, const char *name, struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st;
	int rc;

	if (!(st = write_stmt(q, ST_USER_DISABLE, err)))
		return HV_ESTORE;
	bind_text(st, 1, name);
	if ((rc = step_done(q, st, "disable user", err)))
		return rc;
	if (sqlite3_changes(q->db) == 0)
		return hv_err_set(err, HV_ENOENT, "no user named \"%s\"", name);
	if (!(st = stmt(q, ST_USER_END_SESSIONS, err)))
		return HV_ESTORE;
	bind_text(st, 1, name);
	return step_done(q, st, "end sessions", err);
}

static int sq_session_add(struct hv_store *s, const char *token_hash, int64_t user_id,
			  const char *csrf_hash, int64_t now_ms, int64_t expires_ms,
			  struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st;

	if (!(st = write_stmt(q, ST_SESSION_INSERT, err)))
		return HV_ESTORE;
	bind_text(st, 1, token_hash);
	sqlite3_bind_int64(st, 2, user_id);
	bind_text(st, 3, csrf_hash);
	sqlite3_bind_int64(st, 4, now_ms);
	sqlite3_bind_int64(st, 5, expires_ms);
	return step_done(q, st, "add session", err);
}

static int sq_session_get(struct hv_store *s, const char *token_hash, int64_t now_ms,
			  struct hv_session *out, struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st = stmt(q, ST_SESSION_GET, err);
	int rc;

	if (!st)
		return HV_ESTORE;
	bind_text(st, 1, token_hash);
	sqlite3_bind_int64(st, 2, now_ms);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		out->user_id = sqlite3_column_int64(st, 0);
		copy_col(st, 1, out->user_name, sizeof(out->user_name));
		copy_col(st, 2, out->role, sizeof(out->role));
		copy_col(st, 3, out->csrf_hash, sizeof(out->csrf_hash));
		out->expires_ms = sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return HV_OK;
	if (rc != SQLITE_DONE)
		return db_err(q, err, "find session");
	return hv_err_set(err, HV_ENOENT, "no such session");
}

static int sq_session_delete(struct hv_store *s, const char *token_hash, struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st;

	if (!(st = write_stmt(q, ST_SESSION_DELETE, err)))
		return HV_ESTORE;
	bind_text(st, 1, token_hash);
	return step_done(q, st, "end session", err);
}

static int sq_session_purge(struct hv_store *s, int64_t now_ms, int64_t *n_deleted,
			    struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st;
	int rc;

	*n_deleted = 0;
	if (!(st = write_stmt(q, ST_SESSION_PURGE, err)))
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, now_ms);
	if ((rc = step_done(q, st, "delete expired sessions", err)))
		return rc;
	*n_deleted = sqlite3_changes(q->db);
	return HV_OK;
}

static int sq_token_add(struct hv_store *s, const char *token_hash, const char *name,
			const char *role, int64_t now_ms, int64_t *id, struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st;
	int rc;

	if (!(st = write_stmt(q, ST_TOKEN_INSERT, err)))
		return HV_ESTORE;
	bind_text(st, 1, token_hash);
	bind_text(st, 2, name);
	bind_text(st, 3, role);
	sqlite3_bind_int64(st, 4, now_ms);
	if ((rc = step_done(q, st, "add token", err)))
		return rc;
	if (id)
		*id = sqlite3_last_insert_rowid(q->db);
	return HV_OK;
}

static int sq_token_get(struct hv_store *s, const char *token_hash, struct hv_api_token *out,
			struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st = stmt(q, ST_TOKEN_GET, err);
	int rc;

	if (!st)
		return HV_ESTORE;
	bind_text(st, 1, token_hash);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		out->id = sqlite3_column_int64(st, 0);
		copy_col(st, 1, out->name, sizeof(out->name));
		copy_col(st, 2, out->role, sizeof(out->role));
		out->created_ms = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return HV_OK;
	if (rc != SQLITE_DONE)
		return db_err(q, err, "find token");
	return hv_err_set(err, HV_ENOENT, "no such token");
}

static int sq_token_each(struct hv_store *s, hv_token_fn fn, void *ctx, struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st = stmt(q, ST_TOKEN_EACH, err);
	struct hv_api_token t;
	int rc, stop = 0;

	if (!st)
		return HV_ESTORE;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&t, 0, sizeof(t));
		t.id = sqlite3_column_int64(st, 0);
		copy_col(st, 1, t.name, sizeof(t.name));
		copy_col(st, 2, t.role, sizeof(t.role));
		t.created_ms = sqlite3_column_int64(st, 3);
		t.revoked_ms = sqlite3_column_int64(st, 4);
		if ((stop = fn(ctx, &t)))
			break;
	}
	sqlite3_reset(st);
	if (stop)
		return stop;
	if (rc != SQLITE_DONE)
		return db_err(q, err, "list tokens");
	return HV_OK;
}

static int sq_token_revoke(struct hv_store *s, int64_t id, int64_t now_ms, struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st;
	int rc;

	if (!(st = write_stmt(q, ST_TOKEN_REVOKE, err)))
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now_ms);
	if ((rc = step_done(q, st, "revoke token", err)))
		return rc;
	if (sqlite3_changes(q->db) == 0)
		return hv_err_set(err, HV_ENOENT, "no live token with id %lld", (long long)id);
	return HV_OK;
}

static const struct hv_store_ops sqlite_ops = {
	.name = "sqlite",
	.close = sq_close,
	.schema_version = sq_schema_version,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.source_find = sq_source_find,
	.source_ensure = sq_source_ensure,
	.source_last_effective = sq_source_last_effective,
	.import_add = sq_import_add,
	.import_finish = sq_import_finish,
	.import_each = sq_import_each,
	.property_keys = sq_property_keys,
	.property_append = sq_property_append,
	.property_get = sq_property_get,
	.property_each = sq_property_each,
	.property_history = sq_property_history,
	.property_count = sq_property_count,
	.data_version = sq_data_version,
	.scope_add = sq_scope_add,
	.scope_each = sq_scope_each,
	.scope_versions = sq_scope_versions,
	.user_add = sq_user_add,
	.user_find = sq_user_find,
	.user_each = sq_user_each,
	.user_disable = sq_user_disable,
	.session_add = sq_session_add,
	.session_get = sq_session_get,
	.session_delete = sq_session_delete,
	.session_purge = sq_session_purge,
	.token_add = sq_token_add,
	.token_get = sq_token_get,
	.token_revoke = sq_token_revoke,
	.token_each = sq_token_each,
};

/* Switching a new file to WAL takes an exclusive lock, and SQLite reports SQLITE_BUSY for it
 * without calling the busy handler; connections opening one new file at once retry here. */
static int set_wal(sqlite3 *db)
{
	int rc;

	for (int waited_ms = 0;; waited_ms += 10) {
		rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
		if ((rc & 0xff) != SQLITE_BUSY || waited_ms >= 5000)
			return rc;
		sqlite3_sleep(10);
	}
}

int hv_store_sqlite_open(const char *path, struct hv_store **out, struct hv_err *err)
{
	struct sqlite_store *q = hv_xcalloc(1, sizeof(*q));
	int rc;

	*out = NULL;
	q->base.ops = &sqlite_ops;
	q->path = hv_xstrdup(path);
	if (sqlite3_open_v2(path, &q->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		rc = hv_err_set(err, HV_EIO, "%s: cannot open store: %s", path,
				q->db ? sqlite3_errmsg(q->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(q->db, 1);
	sqlite3_busy_timeout(q->db, 5000);
	/* WAL: readers never block the writer; synchronous=FULL: a committed record survives a
	 * power cut, which evidence needs. */
	if ((rc = set_wal(q->db)) != SQLITE_OK) {
		rc = hv_err_set(err, HV_ESTORE, "%s: %s: %s", path,
				(rc & 0xff) == SQLITE_NOTADB ? "not a haven store"
							     : "cannot open store",
				sqlite3_errmsg(q->db));
		goto fail;
	}
	/* recursive_triggers: without it INSERT OR REPLACE deletes a conflicting row without
	 * firing the append-only DELETE triggers. */
	if ((rc = exec(q, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
			  "PRAGMA recursive_triggers = ON;",
		       err)))
		goto fail;
	if ((rc = migrate(q, err)))
		goto fail;
	*out = &q->base;
	return HV_OK;
fail:
	sq_close(&q->base);
	return rc;
}

/* ---- what module store files use (sqlite_impl.h) ---- */

sqlite3 *hv_sqlite_handle(struct hv_store *s)
{
	return s && s->ops == &sqlite_ops ? impl(s)->db : NULL;
}

sqlite3_stmt *hv_sqlite_stmt(struct hv_store *s, const char *sql, struct hv_err *err)
{
	struct sqlite_store *q = impl(s);
	sqlite3_stmt *st = NULL;

	assert(s->ops == &sqlite_ops);
	/* A module uses a few dozen statements: a linear scan beats hashing at this size. */
	for (size_t i = 0; i < q->n_extra; i++) {
		if (q->extra[i].sql == sql) {
			st = q->extra[i].st;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
	}
	if (sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		db_err(q, err, "prepare");
		return NULL;
	}
	if (q->n_extra == q->cap_extra) {
		q->cap_extra = q->cap_extra ? 2 * q->cap_extra : 16;
		q->extra = hv_xrealloc(q->extra, q->cap_extra * sizeof(*q->extra));
	}
	q->extra[q->n_extra].sql = sql;
	q->extra[q->n_extra].st = st;
	q->n_extra++;
	return st;
}

sqlite3_stmt *hv_sqlite_write_stmt(struct hv_store *s, const char *sql, struct hv_err *err)
{
	if (require_tx(impl(s), err))
		return NULL;
	return hv_sqlite_stmt(s, sql, err);
}

int hv_sqlite_err(struct hv_store *s, struct hv_err *err, const char *what)
{
	return db_err(impl(s), err, what);
}

int hv_sqlite_step_done(struct hv_store *s, sqlite3_stmt *st, const char *what,
			struct hv_err *err)
{
	return step_done(impl(s), st, what, err);
}

int hv_sqlite_scalar_i64(struct hv_store *s, sqlite3_stmt *st, const char *what, int64_t *out,
			 struct hv_err *err)
{
	return scalar_i64(impl(s), st, what, out, err);
}

void hv_sqlite_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	bind_text(st, i, s);
}
