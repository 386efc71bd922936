/* SPDX-License-Identifier: Apache-2.0 */
/* The accountability tables on SQLite (schema 5), through sqlite_impl.h's statement cache. */
#include <stdio.h>
#include <string.h>

#include "store/cases_store.h"
#include "store/sqlite_impl.h"

#include "core/banned.h"

#define APPEND_ONLY(t)                                                                             \
	"CREATE TRIGGER " t "_no_update BEFORE UPDATE ON " t "  BEGIN SELECT RAISE(ABORT, '" t     \
	" is append-only'); END;"                                                                  \
	"CREATE TRIGGER " t "_no_delete BEFORE DELETE ON " t "  BEGIN SELECT RAISE(ABORT, '" t     \
	" is append-only'); END;"                                                                  \
	"CREATE TRIGGER " t "_no_replace BEFORE INSERT ON " t "  WHEN EXISTS (SELECT 1 FROM " t    \
	" WHERE id = NEW.id)"                                                                      \
	"  BEGIN SELECT RAISE(ABORT, '" t " is append-only'); END;"

/* Version 5: accountability. Every table is append-only (a correction is a new row); a notice's
 * state comes from its attempts, a case's from its events. Witness statements sit in their own
 * table so that only law and admin reads reach them (the ledger holds only their hash). */
const char hv_cases_sqlite_schema[] =
	"CREATE TABLE incidents ("
	"  id INTEGER PRIMARY KEY,"
	"  property_id INTEGER NOT NULL,"
	"  type TEXT NOT NULL,"
	"  occurred_ms INTEGER NOT NULL,"
	"  reporter TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE INDEX incidents_by_property ON incidents(property_id, occurred_ms);"
	"CREATE TABLE incident_entries ("
	"  id INTEGER PRIMARY KEY,"
	"  incident_id INTEGER NOT NULL REFERENCES incidents(id),"
	"  kind TEXT NOT NULL,"
	"  author TEXT NOT NULL,"
	"  data TEXT NOT NULL,"
	"  recorded_ms INTEGER NOT NULL);"
	"CREATE INDEX incident_entries_by_incident ON incident_entries(incident_id, id);"
	"CREATE TABLE incident_witnesses ("
	"  id INTEGER PRIMARY KEY,"
	"  incident_id INTEGER NOT NULL REFERENCES incidents(id),"
	"  author TEXT NOT NULL,"
	"  data TEXT NOT NULL,"
	"  recorded_ms INTEGER NOT NULL);"
	"CREATE INDEX incident_witnesses_by_incident ON incident_witnesses(incident_id, id);"
	"CREATE TABLE evidence ("
	"  id INTEGER PRIMARY KEY,"
	"  incident_id INTEGER NOT NULL REFERENCES incidents(id),"
	"  sha256 TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  media_type TEXT NOT NULL,"
	"  filename TEXT,"
	"  exif_time TEXT,"
	"  exif_lat REAL, exif_lon REAL,"
	"  uploader TEXT NOT NULL,"
	"  received_ms INTEGER NOT NULL,"
	"  redacts INTEGER REFERENCES evidence(id));"
	"CREATE INDEX evidence_by_incident ON evidence(incident_id, id);"
	"CREATE TABLE notices ("
	"  id INTEGER PRIMARY KEY,"
	"  incident_id INTEGER NOT NULL REFERENCES incidents(id),"
	"  channel TEXT NOT NULL,"
	"  target TEXT NOT NULL,"
	"  body TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE TABLE notice_attempts ("
	"  id INTEGER PRIMARY KEY,"
	"  notice_id INTEGER NOT NULL REFERENCES notices(id),"
	"  at_ms INTEGER NOT NULL,"
	"  ok INTEGER NOT NULL,"
	"  error TEXT,"
	"  next_ms INTEGER NOT NULL);"
	"CREATE INDEX notice_attempts_by_notice ON notice_attempts(notice_id, id);"
	"CREATE TABLE cases ("
	"  id INTEGER PRIMARY KEY,"
	"  title TEXT NOT NULL,"
	"  created_by TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE TABLE case_events ("
	"  id INTEGER PRIMARY KEY,"
	"  case_id INTEGER NOT NULL REFERENCES cases(id),"
	"  kind TEXT NOT NULL,"
	"  state TEXT, referred_to TEXT, outcome TEXT,"
	"  incident_id INTEGER REFERENCES incidents(id),"
	"  note TEXT,"
	"  author TEXT NOT NULL,"
	"  recorded_ms INTEGER NOT NULL);"
	"CREATE INDEX case_events_by_case ON case_events(case_id, id);" APPEND_ONLY("incidents")
		APPEND_ONLY("incident_entries") APPEND_ONLY("incident_witnesses")
			APPEND_ONLY("evidence") APPEND_ONLY("notices")
				APPEND_ONLY("notice_attempts") APPEND_ONLY("cases")
					APPEND_ONLY("case_events");

static const char *col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int64_t ci(sqlite3_stmt *st, int i)
{
	return sqlite3_column_int64(st, i);
}

static int insert(struct hv_store *s, sqlite3_stmt *st, const char *what, int64_t *id,
		  struct hv_err *err)
{
	int rc = hv_sqlite_step_done(s, st, what, err);

	if (rc == HV_OK && id)
		*id = sqlite3_last_insert_rowid(hv_sqlite_handle(s));
	return rc;
}

/* Steps a query, calling row(st) for each; HV_ENOENT when want_one and there was no row. */
static int each_row(struct hv_store *s, sqlite3_stmt *st, const char *what, bool want_one,
		    int (*row)(sqlite3_stmt *st, void *fn, void *ctx), void *fn, void *ctx,
		    struct hv_err *err)
{
	int rc, n = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int r = row(st, fn, ctx);

		n++;
		if (r) {
			sqlite3_reset(st);
			return r;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return hv_sqlite_err(s, err, what);
	if (want_one && n == 0)
		return hv_err_set(err, HV_ENOENT, "%s: not found", what);
	return HV_OK;
}

/* ---- incidents ---- */

static const char sql_incident_add[] =
	"INSERT INTO incidents(property_id, type, occurred_ms, reporter, created_ms)"
	" VALUES (?1, ?2, ?3, ?4, ?5)";
#define INCIDENT_COLS                                                                              \
	"SELECT i.id, i.property_id, i.type, i.occurred_ms, i.reporter, i.created_ms,"             \
	" (SELECT count(*) FROM incident_entries e WHERE e.incident_id = i.id),"                   \
	" (SELECT count(*) FROM evidence v WHERE v.incident_id = i.id) FROM incidents i"
static const char sql_incident_get[] = INCIDENT_COLS " WHERE i.id = ?1";
static const char sql_incident_each[] = INCIDENT_COLS " ORDER BY i.id DESC LIMIT ?1";

int hv_store_incident_add(struct hv_store *s, const struct hv_incident_rec *r, int64_t *id,
			  struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_write_stmt(s, sql_incident_add, err);

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, r->property_id);
	hv_sqlite_bind_text(st, 2, r->type);
	sqlite3_bind_int64(st, 3, r->occurred_ms);
	hv_sqlite_bind_text(st, 4, r->reporter);
	sqlite3_bind_int64(st, 5, r->created_ms);
	return insert(s, st, "add incident", id, err);
}

static int incident_row(sqlite3_stmt *st, void *fn, void *ctx)
{
	struct hv_incident_rec r = {
		.id = ci(st, 0),
		.property_id = ci(st, 1),
		.type = col(st, 2),
		.occurred_ms = ci(st, 3),
		.reporter = col(st, 4),
		.created_ms = ci(st, 5),
		.n_entries = ci(st, 6),
		.n_evidence = ci(st, 7),
	};
	return ((hv_incident_rec_fn)fn)(ctx, &r);
}

int hv_store_incident_get(struct hv_store *s, int64_t id, hv_incident_rec_fn fn, void *ctx,
			  struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_incident_get, err);

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, id);
	return each_row(s, st, "incident", true, incident_row, (void *)fn, ctx, err);
}

int hv_store_incident_each(struct hv_store *s, int64_t limit, hv_incident_rec_fn fn, void *ctx,
			   struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_incident_each, err);

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, limit > 0 ? limit : -1);
	return each_row(s, st, "incidents", false, incident_row, (void *)fn, ctx, err);
}

/* ---- entries ---- */

static const char sql_entry_add[] =
	"INSERT INTO incident_entries(incident_id, kind, author, data, recorded_ms)"
	" VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_entry_each[] =
	"SELECT id, incident_id, kind, author, data, recorded_ms FROM incident_entries"
	" WHERE (?1 = 0 OR id = ?1) AND (?2 = 0 OR incident_id = ?2) ORDER BY id";

int hv_store_incident_entry_add(struct hv_store *s, const struct hv_incident_entry_rec *r,
				int64_t *id, struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_write_stmt(s, sql_entry_add, err);

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, r->incident_id);
	hv_sqlite_bind_text(st, 2, r->kind);
	hv_sqlite_bind_text(st, 3, r->author);
	hv_sqlite_bind_text(st, 4, r->data);
	sqlite3_bind_int64(st, 5, r->recorded_ms);
	return insert(s, st, "add incident entry", id, err);
}

static int entry_row(sqlite3_stmt *st, void *fn, void *ctx)
{
	struct hv_incident_entry_rec r = {
		.id = ci(st, 0),
		.incident_id = ci(st, 1),
		.kind = col(st, 2),
		.author = col(st, 3),
		.data = col(st, 4),
		.recorded_ms = ci(st, 5),
	};
	return ((hv_incident_entry_rec_fn)fn)(ctx, &r);
}

int hv_store_incident_entry_each(struct hv_store *s, int64_t id, int64_t incident_id,
				 hv_incident_entry_rec_fn fn, void *ctx, struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_entry_each, err);

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, incident_id);
	return each_row(s, st, "incident entry", id != 0, entry_row, (void *)fn, ctx, err);
}

/* ---- witnesses ---- */

static const char sql_witness_add[] =
	"INSERT INTO incident_witnesses(incident_id, author, data, recorded_ms)"
	" VALUES (?1, ?2, ?3, ?4)";
static const char sql_witness_each[] =
	"SELECT id, incident_id, author, data, recorded_ms FROM incident_witnesses"
	" WHERE (?1 = 0 OR id = ?1) AND (?2 = 0 OR incident_id = ?2) ORDER BY id";

int hv_store_witness_add(struct hv_store *s, const struct hv_witness_rec *r, int64_t *id,
			 struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_write_stmt(s, sql_witness_add, err);

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, r->incident_id);
	hv_sqlite_bind_text(st, 2, r->author);
	hv_sqlite_bind_text(st, 3, r->data);
	sqlite3_bind_int64(st, 4, r->recorded_ms);
	return insert(s, st, "add witness", id, err);
}

static int witness_row(sqlite3_stmt *st, void *fn, void *ctx)
{
	struct hv_witness_rec r = {
		.id = ci(st, 0),
		.incident_id = ci(st, 1),
		.author = col(st, 2),
		.data = col(st, 3),
		.recorded_ms = ci(st, 4),
	};
	return ((hv_witness_rec_fn)fn)(ctx, &r);
}

int hv_store_witness_each(struct hv_store *s, int64_t id, int64_t incident_id, hv_witness_rec_fn fn,
			  void *ctx, struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_witness_each, err);

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, incident_id);
	return each_row(s, st, "witness", id != 0, witness_row, (void *)fn, ctx, err);
}

/* ---- evidence ---- */

static const char sql_evidence_add[] =
	"INSERT INTO evidence(incident_id, sha256, size, media_type, filename, exif_time, exif_lat,"
	" exif_lon, uploader, received_ms, redacts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	"?10,"
	" ?11)";
static const char sql_evidence_each[] =
	"SELECT id, incident_id, sha256, size, media_type, filename, exif_time, exif_lat, exif_lon,"
	" uploader, received_ms, redacts FROM evidence"
	" WHERE (?1 = 0 OR id = ?1) AND (?2 = 0 OR incident_id = ?2) ORDER BY id";

int hv_store_evidence_add(struct hv_store *s, const struct hv_evidence_rec *r, int64_t *id,
			  struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_write_stmt(s, sql_evidence_add, err);

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, r->incident_id);
	hv_sqlite_bind_text(st, 2, r->sha256);
	sqlite3_bind_int64(st, 3, r->size);
	hv_sqlite_bind_text(st, 4, r->media_type);
	hv_sqlite_bind_text(st, 5, r->filename);
	hv_sqlite_bind_text(st, 6, r->exif_time);
	if (r->has_position) {
		sqlite3_bind_double(st, 7, r->lat);
		sqlite3_bind_double(st, 8, r->lon);
	}
	hv_sqlite_bind_text(st, 9, r->uploader);
	sqlite3_bind_int64(st, 10, r->received_ms);
	if (r->redacts)
		sqlite3_bind_int64(st, 11, r->redacts);
	return insert(s, st, "add evidence", id, err);
}

static int evidence_row(sqlite3_stmt *st, void *fn, void *ctx)
{
	struct hv_evidence_rec r = {
		.id = ci(st, 0),
		.incident_id = ci(st, 1),
		.sha256 = col(st, 2),
		.size = ci(st, 3),
		.media_type = col(st, 4),
		.filename = col(st, 5),
		.exif_time = col(st, 6),
		.has_position = sqlite3_column_type(st, 7) != SQLITE_NULL,
		.lat = sqlite3_column_double(st, 7),
		.lon = sqlite3_column_double(st, 8),
		.uploader = col(st, 9),
		.received_ms = ci(st, 10),
		.redacts = ci(st, 11),
	};
	return ((hv_evidence_rec_fn)fn)(ctx, &r);
}

int hv_store_evidence_each(struct hv_store *s, int64_t id, int64_t incident_id,
			   hv_evidence_rec_fn fn, void *ctx, struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_evidence_each, err);

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, incident_id);
	return each_row(s, st, "evidence", id != 0, evidence_row, (void *)fn, ctx, err);
}

/* ---- notices ---- */

static const char sql_notice_add[] =
	"INSERT INTO notices(incident_id, channel, target, body, created_ms)"
	" VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_attempt_add[] =
	"INSERT INTO notice_attempts(notice_id, at_ms, ok, error, next_ms) VALUES (?1, ?2, ?3, ?4,"
	" ?5)";
static const char sql_notice_each[] =
	"SELECT n.id, n.incident_id, n.channel, n.target, n.body, n.created_ms,"
	" (SELECT count(*) FROM notice_attempts a WHERE a.notice_id = n.id),"
	" EXISTS (SELECT 1 FROM notice_attempts a WHERE a.notice_id = n.id AND a.ok),"
	" (SELECT error FROM notice_attempts a WHERE a.notice_id = n.id ORDER BY id DESC LIMIT 1),"
	" coalesce((SELECT next_ms FROM notice_attempts a WHERE a.notice_id = n.id"
	"           ORDER BY id DESC LIMIT 1), 0) AS next"
	" FROM notices n WHERE ?1 = 0 OR (NOT EXISTS (SELECT 1 FROM notice_attempts a"
	"   WHERE a.notice_id = n.id AND a.ok) AND coalesce((SELECT next_ms FROM notice_attempts a"
	"   WHERE a.notice_id = n.id ORDER BY id DESC LIMIT 1), -1) IN (-1) OR (NOT EXISTS ("
	"   SELECT 1 FROM notice_attempts a WHERE a.notice_id = n.id AND a.ok) AND (SELECT next_ms"
	"   FROM notice_attempts a WHERE a.notice_id = n.id ORDER BY id DESC LIMIT 1)"
	"   BETWEEN 1 AND ?2))"
	" ORDER BY n.id";

int hv_store_notice_add(struct hv_store *s, const struct hv_notice_rec *r, int64_t *id,
			struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_write_stmt(s, sql_notice_add, err);

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, r->incident_id);
	hv_sqlite_bind_text(st, 2, r->channel);
	hv_sqlite_bind_text(st, 3, r->target);
	hv_sqlite_bind_text(st, 4, r->body);
	sqlite3_bind_int64(st, 5, r->created_ms);
	return insert(s, st, "add notice", id, err);
}

int hv_store_notice_attempt(struct hv_store *s, int64_t notice_id, int64_t at_ms, bool ok,
			    const char *error, int64_t next_ms, struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_write_stmt(s, sql_attempt_add, err);

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, notice_id);
	sqlite3_bind_int64(st, 2, at_ms);
	sqlite3_bind_int(st, 3, ok);
	hv_sqlite_bind_text(st, 4, error);
	sqlite3_bind_int64(st, 5, next_ms);
	return insert(s, st, "add notice attempt", NULL, err);
}

static int notice_row(sqlite3_stmt *st, void *fn, void *ctx)
{
	struct hv_notice_rec r = {
		.id = ci(st, 0),
		.incident_id = ci(st, 1),
		.channel = col(st, 2),
		.target = col(st, 3),
		.body = col(st, 4),
		.created_ms = ci(st, 5),
		.n_attempts = ci(st, 6),
		.sent = ci(st, 7) != 0,
		.last_error = col(st, 8),
		.next_ms = ci(st, 9),
	};
	return ((hv_notice_rec_fn)fn)(ctx, &r);
}

int hv_store_notice_each(struct hv_store *s, bool due_only, int64_t now_ms, hv_notice_rec_fn fn,
			 void *ctx, struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_notice_each, err);

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int(st, 1, due_only);
	sqlite3_bind_int64(st, 2, now_ms);
	return each_row(s, st, "notices", false, notice_row, (void *)fn, ctx, err);
}

/* ---- cases ---- */

static const char sql_case_add[] =
	"INSERT INTO cases(title, created_by, created_ms) VALUES (?1, ?2, ?3)";
static const char sql_case_each[] =
	"SELECT c.id, c.title, c.created_by, c.created_ms,"
	" (SELECT state FROM case_events e WHERE e.case_id = c.id AND e.state IS NOT NULL"
	"  ORDER BY e.id DESC LIMIT 1) FROM cases c WHERE ?1 = 0 OR c.id = ?1 ORDER BY c.id";
static const char sql_event_add[] =
	"INSERT INTO case_events(case_id, kind, state, referred_to, outcome, incident_id, note,"
	" author, recorded_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
static const char sql_event_each[] =
	"SELECT id, case_id, kind, state, referred_to, outcome, incident_id, note, author,"
	" recorded_ms FROM case_events WHERE (?1 = 0 OR id = ?1) AND (?2 = 0 OR case_id = ?2)"
	" ORDER BY id";

int hv_store_case_add(struct hv_store *s, const struct hv_case_rec *r, int64_t *id,
		      struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_write_stmt(s, sql_case_add, err);

	if (!st)
		return HV_ESTORE;
	hv_sqlite_bind_text(st, 1, r->title);
	hv_sqlite_bind_text(st, 2, r->created_by);
	sqlite3_bind_int64(st, 3, r->created_ms);
	return insert(s, st, "add case", id, err);
}

static int case_row(sqlite3_stmt *st, void *fn, void *ctx)
{
	struct hv_case_rec r = {
		.id = ci(st, 0),
		.title = col(st, 1),
		.created_by = col(st, 2),
		.created_ms = ci(st, 3),
		.state = col(st, 4),
	};
	return ((hv_case_rec_fn)fn)(ctx, &r);
}

int hv_store_case_each(struct hv_store *s, int64_t id, hv_case_rec_fn fn, void *ctx,
		       struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_case_each, err);

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, id);
	return each_row(s, st, "case", id != 0, case_row, (void *)fn, ctx, err);
}

int hv_store_case_event_add(struct hv_store *s, const struct hv_case_event_rec *r, int64_t *id,
			    struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_write_stmt(s, sql_event_add, err);

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, r->case_id);
	hv_sqlite_bind_text(st, 2, r->kind);
	hv_sqlite_bind_text(st, 3, r->state);
	hv_sqlite_bind_text(st, 4, r->referred_to);
	hv_sqlite_bind_text(st, 5, r->outcome);
	if (r->incident_id)
		sqlite3_bind_int64(st, 6, r->incident_id);
	hv_sqlite_bind_text(st, 7, r->note);
	hv_sqlite_bind_text(st, 8, r->author);
	sqlite3_bind_int64(st, 9, r->recorded_ms);
	return insert(s, st, "add case event", id, err);
}

static int event_row(sqlite3_stmt *st, void *fn, void *ctx)
{
	struct hv_case_event_rec r = {
		.id = ci(st, 0),
		.case_id = ci(st, 1),
		.kind = col(st, 2),
		.state = col(st, 3),
		.referred_to = col(st, 4),
		.outcome = col(st, 5),
		.incident_id = ci(st, 6),
		.note = col(st, 7),
		.author = col(st, 8),
		.recorded_ms = ci(st, 9),
	};
	return ((hv_case_event_rec_fn)fn)(ctx, &r);
}

int hv_store_case_event_each(struct hv_store *s, int64_t id, int64_t case_id,
			     hv_case_event_rec_fn fn, void *ctx, struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_event_each, err);

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, case_id);
	return each_row(s, st, "case event", id != 0, event_row, (void *)fn, ctx, err);
}

/* ---- ledger look-ups ---- */

static const char sql_ledger_seq[] =
	"SELECT seq FROM ledger_entries WHERE ref = ?1 ORDER BY seq DESC LIMIT 1";
static const char sql_ledger_kind[] =
	"SELECT seq, entry FROM ledger_entries WHERE kind = ?1 ORDER BY seq";

int hv_store_cases_ledger_seq(struct hv_store *s, const char *ref, int64_t *seq, struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_ledger_seq, err);
	int rc;

	if (!st)
		return HV_ESTORE;
	hv_sqlite_bind_text(st, 1, ref);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*seq = ci(st, 0);
		sqlite3_reset(st);
		return HV_OK;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return hv_sqlite_err(s, err, "ledger seq");
	return hv_err_set(err, HV_ENOENT, "no ledger entry for %s", ref);
}

static int bytes_row(sqlite3_stmt *st, void *fn, void *ctx)
{
	return ((hv_ledger_bytes_fn)fn)(ctx, ci(st, 0), sqlite3_column_blob(st, 1),
					(size_t)sqlite3_column_bytes(st, 1));
}

int hv_store_cases_ledger_kind_each(struct hv_store *s, const char *kind, hv_ledger_bytes_fn fn,
				    void *ctx, struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_ledger_kind, err);

	if (!st)
		return HV_ESTORE;
	hv_sqlite_bind_text(st, 1, kind);
	return each_row(s, st, "ledger entries", false, bytes_row, (void *)fn, ctx, err);
}

/* ---- dashboard ---- */

static const char sql_weeks[] =
	"SELECT property_id, date(occurred_ms / 1000, 'unixepoch', 'weekday 0', '-6 days') AS wk,"
	" count(*) FROM incidents GROUP BY property_id, wk ORDER BY wk DESC, property_id";

static int week_row(sqlite3_stmt *st, void *fn, void *ctx)
{
	return ((hv_week_count_fn)fn)(ctx, ci(st, 0), col(st, 1), ci(st, 2));
}

int hv_store_incident_weeks(struct hv_store *s, hv_week_count_fn fn, void *ctx, struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_weeks, err);

	if (!st)
		return HV_ESTORE;
	return each_row(s, st, "incident weeks", false, week_row, (void *)fn, ctx, err);
}

const char *hv_store_cases_path(struct hv_store *s)
{
	sqlite3 *db = hv_sqlite_handle(s);
	const char *p = db ? sqlite3_db_filename(db, "main") : NULL;

	return p ? p : "";
}
