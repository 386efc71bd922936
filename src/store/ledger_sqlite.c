/* SPDX-License-Identifier: Apache-2.0 */
/* The ledger's SQL on the SQLite store: leaves, interior nodes and checkpoints (schema 3). */
#include <string.h>

#include <sqlite3.h>

#include "store/ledger_store.h"
#include "store/sqlite_impl.h"

#include "core/banned.h"

static const char sql_size[] = "SELECT coalesce(max(seq) + 1, 0) FROM ledger_entries";
static const char sql_insert[] =
	"INSERT INTO ledger_entries(seq, kind, ref, recorded_ms, entry, leaf_hash)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_get[] = "SELECT seq, kind, ref, recorded_ms, entry, leaf_hash"
			      " FROM ledger_entries WHERE seq = ?1";
static const char sql_each[] = "SELECT seq, kind, ref, recorded_ms, entry, leaf_hash"
			       " FROM ledger_entries WHERE seq >= ?1 AND (?2 < 0 OR seq < ?2)"
			       " ORDER BY seq";
static const char sql_node_put[] = "INSERT INTO ledger_nodes(level, idx, hash) VALUES (?1, ?2, ?3)";
static const char sql_node_get[] = "SELECT hash FROM ledger_nodes WHERE level = ?1 AND idx = ?2";
static const char sql_leaf_get[] = "SELECT leaf_hash FROM ledger_entries WHERE seq = ?1";
static const char sql_node_each[] = "SELECT level, idx, hash FROM ledger_nodes ORDER BY level, idx";
static const char sql_cp_add[] =
	"INSERT INTO ledger_checkpoints(size, root, created_ms, note) VALUES (?1, ?2, ?3, ?4)";
static const char sql_cp_latest[] =
	"SELECT id, size, root, created_ms, note FROM ledger_checkpoints"
	" ORDER BY id DESC LIMIT 1";
static const char sql_cp_each[] = "SELECT id, size, root, created_ms, note FROM ledger_checkpoints"
				  " ORDER BY size, id";

static int need_sqlite(struct hv_store *s, struct hv_err *err)
{
	if (!hv_sqlite_handle(s))
		return hv_err_set(err, HV_ESTORE, "the ledger needs the SQLite store");
	return HV_OK;
}

int hv_store_ledger_size(struct hv_store *s, int64_t *n, struct hv_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = need_sqlite(s, err)))
		return rc;
	if (!(st = hv_sqlite_stmt(s, sql_size, err)))
		return HV_ESTORE;
	return hv_sqlite_scalar_i64(s, st, "ledger size", n, err);
}

int hv_store_ledger_insert(struct hv_store *s, int64_t seq, const char *kind, const char *ref,
			   int64_t recorded_ms, const void *entry, size_t entry_len,
			   const uint8_t leaf_hash[HV_STORE_HASH_LEN], struct hv_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = need_sqlite(s, err)))
		return rc;
	if (!(st = hv_sqlite_write_stmt(s, sql_insert, err)))
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, seq);
	hv_sqlite_bind_text(st, 2, kind);
	hv_sqlite_bind_text(st, 3, ref);
	sqlite3_bind_int64(st, 4, recorded_ms);
	sqlite3_bind_blob64(st, 5, entry, entry_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, leaf_hash, HV_STORE_HASH_LEN, SQLITE_STATIC);
	return hv_sqlite_step_done(s, st, "ledger append", err);
}

static void read_row(sqlite3_stmt *st, struct hv_store_ledger_row *r)
{
	r->seq = sqlite3_column_int64(st, 0);
	r->kind = (const char *)sqlite3_column_text(st, 1);
	if (!r->kind)
		r->kind = "";
	r->ref = (const char *)sqlite3_column_text(st, 2);
	r->recorded_ms = sqlite3_column_int64(st, 3);
	r->entry = sqlite3_column_blob(st, 4);
	r->entry_len = (size_t)sqlite3_column_bytes(st, 4);
	if (!r->entry)
		r->entry = (const unsigned char *)"";
	r->leaf_hash = sqlite3_column_blob(st, 5);
	r->leaf_hash_len = (size_t)sqlite3_column_bytes(st, 5);
	if (!r->leaf_hash)
		r->leaf_hash = (const unsigned char *)"";
}

int hv_store_ledger_get(struct hv_store *s, int64_t seq, hv_store_ledger_row_fn fn, void *ctx,
			struct hv_err *err)
{
	struct hv_store_ledger_row r;
	sqlite3_stmt *st;
	int rc;

	if ((rc = need_sqlite(s, err)))
		return rc;
	if (!(st = hv_sqlite_stmt(s, sql_get, err)))
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return hv_err_set(err, HV_ENOENT, "ledger entry %lld does not exist",
				  (long long)seq);
	}
	if (rc != SQLITE_ROW) {
		rc = hv_sqlite_err(s, err, "ledger read");
		sqlite3_reset(st);
		return rc;
	}
	read_row(st, &r);
	rc = fn(ctx, &r);
	sqlite3_reset(st);
	return rc;
}

int hv_store_ledger_each(struct hv_store *s, int64_t from, int64_t to, hv_store_ledger_row_fn fn,
			 void *ctx, struct hv_err *err)
{
	struct hv_store_ledger_row r;
	sqlite3_stmt *st;
	int rc;

	if ((rc = need_sqlite(s, err)))
		return rc;
	if (!(st = hv_sqlite_stmt(s, sql_each, err)))
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_row(st, &r);
		if ((rc = fn(ctx, &r))) {
			sqlite3_reset(st);
			return rc;
		}
	}
	if (rc != SQLITE_DONE)
		rc = hv_sqlite_err(s, err, "ledger read");
	else
		rc = HV_OK;
	sqlite3_reset(st);
	return rc;
}

int hv_store_ledger_node_put(struct hv_store *s, int level, int64_t idx,
			     const uint8_t hash[HV_STORE_HASH_LEN], struct hv_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = need_sqlite(s, err)))
		return rc;
	if (!(st = hv_sqlite_write_stmt(s, sql_node_put, err)))
		return HV_ESTORE;
	sqlite3_bind_int(st, 1, level);
	sqlite3_bind_int64(st, 2, idx);
	sqlite3_bind_blob(st, 3, hash, HV_STORE_HASH_LEN, SQLITE_STATIC);
	return hv_sqlite_step_done(s, st, "ledger node append", err);
}

int hv_store_ledger_node_get(struct hv_store *s, int level, int64_t idx,
			     uint8_t hash[HV_STORE_HASH_LEN], struct hv_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = need_sqlite(s, err)))
		return rc;
	if (!(st = hv_sqlite_stmt(s, level == 0 ? sql_leaf_get : sql_node_get, err)))
		return HV_ESTORE;
	if (level == 0) {
		sqlite3_bind_int64(st, 1, idx);
	} else {
		sqlite3_bind_int(st, 1, level);
		sqlite3_bind_int64(st, 2, idx);
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != HV_STORE_HASH_LEN) {
			sqlite3_reset(st);
			return hv_err_set(err, HV_ESTORE,
					  "ledger node (level %d, index %lld) is not 32 bytes",
					  level, (long long)idx);
		}
		memcpy(hash, sqlite3_column_blob(st, 0), HV_STORE_HASH_LEN);
		rc = HV_OK;
	} else if (rc == SQLITE_DONE) {
		rc = hv_err_set(err, HV_ENOENT, "ledger node (level %d, index %lld) is missing",
				level, (long long)idx);
	} else {
		rc = hv_sqlite_err(s, err, "ledger node read");
	}
	sqlite3_reset(st);
	return rc;
}

int hv_store_ledger_node_each(struct hv_store *s, hv_store_ledger_node_fn fn, void *ctx,
			      struct hv_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = need_sqlite(s, err)))
		return rc;
	if (!(st = hv_sqlite_stmt(s, sql_node_each, err)))
		return HV_ESTORE;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = fn(ctx, sqlite3_column_int(st, 0), sqlite3_column_int64(st, 1),
			sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2));
		if (rc) {
			sqlite3_reset(st);
			return rc;
		}
	}
	rc = rc == SQLITE_DONE ? HV_OK : hv_sqlite_err(s, err, "ledger node read");
	sqlite3_reset(st);
	return rc;
}

int hv_store_ledger_checkpoint_add(struct hv_store *s, int64_t size, const uint8_t root[32],
				   int64_t created_ms, const char *note, int64_t *id,
				   struct hv_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = need_sqlite(s, err)))
		return rc;
	if (!(st = hv_sqlite_write_stmt(s, sql_cp_add, err)))
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, size);
	sqlite3_bind_blob(st, 2, root, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, created_ms);
	hv_sqlite_bind_text(st, 4, note);
	if ((rc = hv_sqlite_step_done(s, st, "ledger checkpoint append", err)))
		return rc;
	if (id)
		*id = sqlite3_last_insert_rowid(hv_sqlite_handle(s));
	return HV_OK;
}

static void read_cp(sqlite3_stmt *st, struct hv_store_ledger_checkpoint *c)
{
	c->id = sqlite3_column_int64(st, 0);
	c->size = sqlite3_column_int64(st, 1);
	c->root = sqlite3_column_blob(st, 2);
	c->root_len = (size_t)sqlite3_column_bytes(st, 2);
	if (!c->root)
		c->root = (const unsigned char *)"";
	c->created_ms = sqlite3_column_int64(st, 3);
	c->note = (const char *)sqlite3_column_text(st, 4);
	if (!c->note)
		c->note = "";
}

static int each_cp(struct hv_store *s, const char *sql, hv_store_ledger_checkpoint_fn fn, void *ctx,
		   int *n, struct hv_err *err)
{
	struct hv_store_ledger_checkpoint c;
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	if ((rc = need_sqlite(s, err)))
		return rc;
	if (!(st = hv_sqlite_stmt(s, sql, err)))
		return HV_ESTORE;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_cp(st, &c);
		(*n)++;
		if ((rc = fn(ctx, &c))) {
			sqlite3_reset(st);
			return rc;
		}
	}
	rc = rc == SQLITE_DONE ? HV_OK : hv_sqlite_err(s, err, "ledger checkpoint read");
	sqlite3_reset(st);
	return rc;
}

int hv_store_ledger_checkpoint_latest(struct hv_store *s, hv_store_ledger_checkpoint_fn fn,
				      void *ctx, struct hv_err *err)
{
	int n, rc = each_cp(s, sql_cp_latest, fn, ctx, &n, err);

	if (rc == HV_OK && n == 0)
		return hv_err_set(err, HV_ENOENT, "the ledger has no checkpoint yet");
	return rc;
}

int hv_store_ledger_checkpoint_each(struct hv_store *s, hv_store_ledger_checkpoint_fn fn, void *ctx,
				    struct hv_err *err)
{
	int n;

	return each_cp(s, sql_cp_each, fn, ctx, &n, err);
}

static int exec(struct hv_store *s, const char *sql, const char *what, struct hv_err *err)
{
	int rc;

	if ((rc = need_sqlite(s, err)))
		return rc;
	if (sqlite3_exec(hv_sqlite_handle(s), sql, NULL, NULL, NULL) != SQLITE_OK)
		return hv_sqlite_err(s, err, what);
	return HV_OK;
}

int hv_store_ledger_read_begin(struct hv_store *s, struct hv_err *err)
{
	int rc;

	if ((rc = need_sqlite(s, err)))
		return rc;
	if (!sqlite3_get_autocommit(hv_sqlite_handle(s)))
		return hv_err_set(err, HV_ESTORE,
				  "a read snapshot cannot start inside a transaction");
	return exec(s, "BEGIN DEFERRED", "begin read", err);
}

void hv_store_ledger_read_end(struct hv_store *s)
{
	sqlite3 *db = hv_sqlite_handle(s);

	if (db && !sqlite3_get_autocommit(db))
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
}

/* Prepared once and cached: the committer takes a savepoint per piece of work. */
static const char sql_savepoint[] = "SAVEPOINT hv_ledger_work";
static const char sql_release[] = "RELEASE hv_ledger_work";

int hv_store_ledger_savepoint(struct hv_store *s, struct hv_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = need_sqlite(s, err)))
		return rc;
	if (sqlite3_get_autocommit(hv_sqlite_handle(s)))
		return hv_err_set(err, HV_ESTORE, "a savepoint needs an open transaction");
	if (!(st = hv_sqlite_stmt(s, sql_savepoint, err)))
		return HV_ESTORE;
	return hv_sqlite_step_done(s, st, "savepoint", err);
}

int hv_store_ledger_savepoint_release(struct hv_store *s, struct hv_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = need_sqlite(s, err)))
		return rc;
	if (!(st = hv_sqlite_stmt(s, sql_release, err)))
		return HV_ESTORE;
	return hv_sqlite_step_done(s, st, "release savepoint", err);
}

void hv_store_ledger_savepoint_rollback(struct hv_store *s)
{
	sqlite3 *db = hv_sqlite_handle(s);

	if (db) {
		sqlite3_exec(db, "ROLLBACK TO hv_ledger_work", NULL, NULL, NULL);
		sqlite3_exec(db, "RELEASE hv_ledger_work", NULL, NULL, NULL);
	}
}
