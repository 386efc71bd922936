/* SPDX-License-Identifier: Apache-2.0 */
/* The SQL of the signs module's tables (store_signs.h) on SQLite, through the statement cache. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/banned.h"
#include "store/sqlite_impl.h"
#include "store/store_signs.h"

static void copy_text(sqlite3_stmt *st, int i, char *out, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(out, cap, "%s", t ? (const char *)t : "");
}

static double col_real(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

static void bind_real(sqlite3_stmt *st, int i, double v)
{
	if (isfinite(v))
		sqlite3_bind_double(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

static void bind_opt_text(sqlite3_stmt *st, int i, const char *s)
{
	hv_sqlite_bind_text(st, i, s && *s ? s : NULL);
}

static void bind_opt_id(sqlite3_stmt *st, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* Runs st row by row, handing each to read (which calls the callback); stops on a non-zero
 * callback result and returns it. */
typedef int (*row_fn)(sqlite3_stmt *st, void *fn, void *ctx);

static int each(struct hv_store *s, sqlite3_stmt *st, row_fn rd, void *fn, void *ctx,
		const char *what, struct hv_err *err)
{
	int rc, stop = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((stop = rd(st, fn, ctx)))
			break;
	}
	if (!stop && rc != SQLITE_DONE) {
		hv_sqlite_err(s, err, what);
		sqlite3_reset(st);
		return HV_ESTORE;
	}
	sqlite3_reset(st);
	return stop;
}

/* ---- print runs ---- */

static const char sql_run_add[] =
	"INSERT INTO sign_runs (created_ms, actor, template, size, variant, langs, public_url,"
	" n_signs, optin_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_run_cols[] =
	"SELECT id, created_ms, actor, template, size, variant, langs, public_url, n_signs,"
	" coalesce(optin_id, 0) FROM sign_runs WHERE id = ?";
static const char sql_run_all[] =
	"SELECT id, created_ms, actor, template, size, variant, langs, public_url, n_signs,"
	" coalesce(optin_id, 0) FROM sign_runs ORDER BY id DESC";

int hv_store_sign_run_add(struct hv_store *s, const struct hv_sign_run *r, int64_t *id,
			  struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_write_stmt(s, sql_run_add, err);
	int rc;

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, r->created_ms);
	hv_sqlite_bind_text(st, 2, r->actor);
	hv_sqlite_bind_text(st, 3, r->template_name);
	hv_sqlite_bind_text(st, 4, r->size);
	hv_sqlite_bind_text(st, 5, r->variant);
	hv_sqlite_bind_text(st, 6, r->langs);
	hv_sqlite_bind_text(st, 7, r->public_url);
	sqlite3_bind_int64(st, 8, r->n_signs);
	bind_opt_id(st, 9, r->optin_id);
	if ((rc = hv_sqlite_step_done(s, st, "add print run", err)))
		return rc;
	*id = sqlite3_last_insert_rowid(hv_sqlite_handle(s));
	return HV_OK;
}

static void read_run(sqlite3_stmt *st, struct hv_sign_run *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->created_ms = sqlite3_column_int64(st, 1);
	copy_text(st, 2, r->actor, sizeof(r->actor));
	copy_text(st, 3, r->template_name, sizeof(r->template_name));
	copy_text(st, 4, r->size, sizeof(r->size));
	copy_text(st, 5, r->variant, sizeof(r->variant));
	copy_text(st, 6, r->langs, sizeof(r->langs));
	copy_text(st, 7, r->public_url, sizeof(r->public_url));
	r->n_signs = sqlite3_column_int64(st, 8);
	r->optin_id = sqlite3_column_int64(st, 9);
}

int hv_store_sign_run_get(struct hv_store *s, int64_t id, struct hv_sign_run *out,
			  struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_run_cols, err);
	int rc;

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_run(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return HV_OK;
	if (rc == SQLITE_DONE)
		return hv_err_set(err, HV_ENOENT, "no print run %lld", (long long)id);
	return hv_sqlite_err(s, err, "read print run");
}

static int run_row(sqlite3_stmt *st, void *fn, void *ctx)
{
	struct hv_sign_run r;

	read_run(st, &r);
	return ((hv_sign_run_fn)fn)(ctx, &r);
}

int hv_store_sign_run_each(struct hv_store *s, hv_sign_run_fn fn, void *ctx, struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_run_all, err);

	if (!st)
		return HV_ESTORE;
	return each(s, st, run_row, (void *)fn, ctx, "list print runs", err);
}

/* ---- signs ---- */

static const char sql_sign_add[] =
	"INSERT INTO signs (serial, run_id, property_id, optin_id, replaces, issued_ms)"
	" VALUES (?, ?, ?, ?, ?, ?)";
static const char sql_sign_exists[] = "SELECT count(*) FROM signs WHERE serial = ?";
#define SIGN_COLS                                                                                  \
	"SELECT s.serial, s.run_id, coalesce(s.property_id, 0), coalesce(s.optin_id, 0),"          \
	" coalesce(s.replaces, ''),"                                                               \
	" coalesce((SELECT r.serial FROM signs r WHERE r.replaces = s.serial LIMIT 1), ''),"       \
	" s.issued_ms, coalesce(e.state_after, ''), coalesce(e.id, 0)"                             \
	" FROM signs s LEFT JOIN sign_events e"                                                    \
	" ON e.id = (SELECT max(id) FROM sign_events WHERE serial = s.serial)"
static const char sql_sign_get[] = SIGN_COLS " WHERE s.serial = ?";
static const char sql_sign_each[] =
	SIGN_COLS " WHERE (?1 = 0 OR s.property_id = ?1) AND (?2 = 0 OR s.run_id = ?2)"
		  " AND (?3 IS NULL OR e.state_after = ?3) ORDER BY s.serial";

int hv_store_sign_add(struct hv_store *s, const struct hv_sign_row *r, struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_write_stmt(s, sql_sign_exists, err);
	int64_t n = 0;
	int rc;

	if (!st)
		return HV_ESTORE;
	hv_sqlite_bind_text(st, 1, r->serial);
	if ((rc = hv_sqlite_scalar_i64(s, st, "check serial", &n, err)))
		return rc;
	if (n)
		return hv_err_set(err, HV_EEXIST, "serial %s: already issued", r->serial);
	if (!(st = hv_sqlite_write_stmt(s, sql_sign_add, err)))
		return HV_ESTORE;
	hv_sqlite_bind_text(st, 1, r->serial);
	sqlite3_bind_int64(st, 2, r->run_id);
	bind_opt_id(st, 3, r->property_id);
	bind_opt_id(st, 4, r->optin_id);
	bind_opt_text(st, 5, r->replaces);
	sqlite3_bind_int64(st, 6, r->issued_ms);
	return hv_sqlite_step_done(s, st, "add sign", err);
}

static void read_sign(sqlite3_stmt *st, struct hv_sign_row *r)
{
	memset(r, 0, sizeof(*r));
	copy_text(st, 0, r->serial, sizeof(r->serial));
	r->run_id = sqlite3_column_int64(st, 1);
	r->property_id = sqlite3_column_int64(st, 2);
	r->optin_id = sqlite3_column_int64(st, 3);
	copy_text(st, 4, r->replaces, sizeof(r->replaces));
	copy_text(st, 5, r->replaced_by, sizeof(r->replaced_by));
	r->issued_ms = sqlite3_column_int64(st, 6);
	copy_text(st, 7, r->state, sizeof(r->state));
	r->last_event_id = sqlite3_column_int64(st, 8);
}

int hv_store_sign_get(struct hv_store *s, const char *serial, struct hv_sign_row *out,
		      struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_sign_get, err);
	int rc;

	if (!st)
		return HV_ESTORE;
	hv_sqlite_bind_text(st, 1, serial);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_sign(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return HV_OK;
	if (rc == SQLITE_DONE)
		return hv_err_set(err, HV_ENOENT, "serial %s: no such sign was issued", serial);
	return hv_sqlite_err(s, err, "read sign");
}

static int sign_row(sqlite3_stmt *st, void *fn, void *ctx)
{
	struct hv_sign_row r;

	read_sign(st, &r);
	return ((hv_sign_row_fn)fn)(ctx, &r);
}

int hv_store_sign_each(struct hv_store *s, int64_t property_id, int64_t run_id, const char *state,
		       hv_sign_row_fn fn, void *ctx, struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_sign_each, err);

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, property_id);
	sqlite3_bind_int64(st, 2, run_id);
	bind_opt_text(st, 3, state);
	return each(s, st, sign_row, (void *)fn, ctx, "list signs", err);
}

/* ---- events ---- */

static const char sql_event_add[] =
	"INSERT INTO sign_events (serial, kind, at_ms, recorded_ms, actor, assignee_kind, assignee,"
	" installer, lat, lon, accuracy_m, distance_m, photo_sha256, outcome, reason, new_serial,"
	" state_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
#define EVENT_COLS                                                                                 \
	"SELECT id, serial, kind, at_ms, recorded_ms, actor, assignee_kind, assignee, installer,"  \
	" lat, lon, accuracy_m, distance_m, photo_sha256, outcome, reason, new_serial, "           \
	"state_after, (SELECT g.property_id FROM signs g WHERE g.serial = sign_events.serial)"      \
	" FROM sign_events"
static const char sql_event_get[] = EVENT_COLS " WHERE id = ?";
static const char sql_event_each[] = EVENT_COLS " WHERE serial = ? ORDER BY id";

int hv_store_sign_event_add(struct hv_store *s, const struct hv_sign_event *e, int64_t *id,
			    struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_write_stmt(s, sql_event_add, err);
	int rc;

	if (!st)
		return HV_ESTORE;
	hv_sqlite_bind_text(st, 1, e->serial);
	hv_sqlite_bind_text(st, 2, e->kind);
	sqlite3_bind_int64(st, 3, e->at_ms);
	sqlite3_bind_int64(st, 4, e->recorded_ms);
	hv_sqlite_bind_text(st, 5, e->actor);
	bind_opt_text(st, 6, e->assignee_kind);
	bind_opt_text(st, 7, e->assignee);
	bind_opt_text(st, 8, e->installer);
	bind_real(st, 9, e->lat);
	bind_real(st, 10, e->lon);
	bind_real(st, 11, e->accuracy_m);
	bind_real(st, 12, e->distance_m);
	bind_opt_text(st, 13, e->photo_sha256);
	bind_opt_text(st, 14, e->outcome);
	bind_opt_text(st, 15, e->reason);
	bind_opt_text(st, 16, e->new_serial);
	hv_sqlite_bind_text(st, 17, e->state_after);
	if ((rc = hv_sqlite_step_done(s, st, "add sign event", err)))
		return rc;
	*id = sqlite3_last_insert_rowid(hv_sqlite_handle(s));
	return HV_OK;
}

static void read_event(sqlite3_stmt *st, struct hv_sign_event *e)
{
	memset(e, 0, sizeof(*e));
	e->id = sqlite3_column_int64(st, 0);
	copy_text(st, 1, e->serial, sizeof(e->serial));
	copy_text(st, 2, e->kind, sizeof(e->kind));
	e->at_ms = sqlite3_column_int64(st, 3);
	e->recorded_ms = sqlite3_column_int64(st, 4);
	copy_text(st, 5, e->actor, sizeof(e->actor));
	copy_text(st, 6, e->assignee_kind, sizeof(e->assignee_kind));
	copy_text(st, 7, e->assignee, sizeof(e->assignee));
	copy_text(st, 8, e->installer, sizeof(e->installer));
	e->lat = col_real(st, 9);
	e->lon = col_real(st, 10);
	e->accuracy_m = col_real(st, 11);
	e->distance_m = col_real(st, 12);
	copy_text(st, 13, e->photo_sha256, sizeof(e->photo_sha256));
	copy_text(st, 14, e->outcome, sizeof(e->outcome));
	copy_text(st, 15, e->reason, sizeof(e->reason));
	copy_text(st, 16, e->new_serial, sizeof(e->new_serial));
	copy_text(st, 17, e->state_after, sizeof(e->state_after));
	e->property_id = sqlite3_column_int64(st, 18); /* NULL (no property) reads as 0 */
}

int hv_store_sign_event_get(struct hv_store *s, int64_t id, struct hv_sign_event *out,
			    struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_event_get, err);
	int rc;

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_event(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return HV_OK;
	if (rc == SQLITE_DONE)
		return hv_err_set(err, HV_ENOENT, "no sign event %lld", (long long)id);
	return hv_sqlite_err(s, err, "read sign event");
}

static int event_row(sqlite3_stmt *st, void *fn, void *ctx)
{
	struct hv_sign_event e;

	read_event(st, &e);
	return ((hv_sign_event_fn)fn)(ctx, &e);
}

int hv_store_sign_events(struct hv_store *s, const char *serial, hv_sign_event_fn fn, void *ctx,
			 struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_event_each, err);

	if (!st)
		return HV_ESTORE;
	hv_sqlite_bind_text(st, 1, serial);
	return each(s, st, event_row, (void *)fn, ctx, "list sign events", err);
}

/* ---- measures ---- */

static const char sql_measure_add[] =
	"INSERT INTO sign_measures (property_id, barrier, locked_hours, note, actor, recorded_ms)"
	" VALUES (?, ?, ?, ?, ?, ?)";
#define MEASURE_COLS                                                                               \
	"SELECT id, property_id, barrier, locked_hours, note, actor, recorded_ms FROM "            \
	"sign_measures"
static const char sql_measure_latest[] =
	MEASURE_COLS " WHERE id IN (SELECT max(id) FROM sign_measures GROUP BY property_id)"
		     " ORDER BY property_id";
static const char sql_measure_history[] = MEASURE_COLS " WHERE property_id = ? ORDER BY id";

int hv_store_sign_measure_add(struct hv_store *s, const struct hv_sign_measure *m, int64_t *id,
			      struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_write_stmt(s, sql_measure_add, err);
	int rc;

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, m->property_id);
	hv_sqlite_bind_text(st, 2, m->barrier);
	bind_opt_text(st, 3, m->locked_hours);
	bind_opt_text(st, 4, m->note);
	hv_sqlite_bind_text(st, 5, m->actor);
	sqlite3_bind_int64(st, 6, m->recorded_ms);
	if ((rc = hv_sqlite_step_done(s, st, "add measure", err)))
		return rc;
	if (id)
		*id = sqlite3_last_insert_rowid(hv_sqlite_handle(s));
	return HV_OK;
}

static int measure_row(sqlite3_stmt *st, void *fn, void *ctx)
{
	struct hv_sign_measure m;

	memset(&m, 0, sizeof(m));
	m.id = sqlite3_column_int64(st, 0);
	m.property_id = sqlite3_column_int64(st, 1);
	copy_text(st, 2, m.barrier, sizeof(m.barrier));
	copy_text(st, 3, m.locked_hours, sizeof(m.locked_hours));
	copy_text(st, 4, m.note, sizeof(m.note));
	copy_text(st, 5, m.actor, sizeof(m.actor));
	m.recorded_ms = sqlite3_column_int64(st, 6);
	return ((hv_sign_measure_fn)fn)(ctx, &m);
}

int hv_store_sign_measure_latest(struct hv_store *s, hv_sign_measure_fn fn, void *ctx,
				 struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_measure_latest, err);

	if (!st)
		return HV_ESTORE;
	return each(s, st, measure_row, (void *)fn, ctx, "list measures", err);
}

int hv_store_sign_measure_history(struct hv_store *s, int64_t property_id, hv_sign_measure_fn fn,
				  void *ctx, struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_measure_history, err);

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, property_id);
	return each(s, st, measure_row, (void *)fn, ctx, "list measures", err);
}

/* ---- opt-ins ---- */

static const char sql_optin_add[] =
	"INSERT INTO sign_optins (created_ms, organisation, kind, address, address_key, contact,"
	" client_hash) VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char sql_optin_recent[] = "SELECT count(*) FROM sign_optins WHERE created_ms >= ?3"
				       " AND (address_key = ?1 OR client_hash = ?2)";
#define OPTIN_COLS                                                                                 \
	"SELECT o.id, o.created_ms, o.organisation, o.kind, o.address, o.address_key, o.contact,"  \
	" o.client_hash, coalesce(d.decision, ''), coalesce(d.ward_office, ''),"                   \
	" coalesce(d.run_id, 0) FROM sign_optins o LEFT JOIN sign_optin_decisions d"               \
	" ON d.id = (SELECT max(id) FROM sign_optin_decisions WHERE optin_id = o.id)"
static const char sql_optin_get[] = OPTIN_COLS " WHERE o.id = ?";
static const char sql_optin_all[] = OPTIN_COLS " ORDER BY o.id DESC";
static const char sql_optin_decide[] =
	"INSERT INTO sign_optin_decisions (optin_id, decision, ward_office, run_id, actor, note,"
	" decided_ms) VALUES (?, ?, ?, ?, ?, ?, ?)";

int hv_store_sign_optin_add(struct hv_store *s, const struct hv_sign_optin *o, int64_t *id,
			    struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_write_stmt(s, sql_optin_add, err);
	int rc;

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, o->created_ms);
	hv_sqlite_bind_text(st, 2, o->organisation);
	hv_sqlite_bind_text(st, 3, o->kind);
	hv_sqlite_bind_text(st, 4, o->address);
	hv_sqlite_bind_text(st, 5, o->address_key);
	hv_sqlite_bind_text(st, 6, o->contact);
	hv_sqlite_bind_text(st, 7, o->client_hash);
	if ((rc = hv_sqlite_step_done(s, st, "add opt-in", err)))
		return rc;
	*id = sqlite3_last_insert_rowid(hv_sqlite_handle(s));
	return HV_OK;
}

int hv_store_sign_optin_recent(struct hv_store *s, const char *address_key, const char *client_hash,
			       int64_t since_ms, int64_t *n, struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_optin_recent, err);

	if (!st)
		return HV_ESTORE;
	hv_sqlite_bind_text(st, 1, address_key);
	hv_sqlite_bind_text(st, 2, client_hash);
	sqlite3_bind_int64(st, 3, since_ms);
	return hv_sqlite_scalar_i64(s, st, "count opt-ins", n, err);
}

static void read_optin(sqlite3_stmt *st, struct hv_sign_optin *o)
{
	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(st, 0);
	o->created_ms = sqlite3_column_int64(st, 1);
	copy_text(st, 2, o->organisation, sizeof(o->organisation));
	copy_text(st, 3, o->kind, sizeof(o->kind));
	copy_text(st, 4, o->address, sizeof(o->address));
	copy_text(st, 5, o->address_key, sizeof(o->address_key));
	copy_text(st, 6, o->contact, sizeof(o->contact));
	copy_text(st, 7, o->client_hash, sizeof(o->client_hash));
	copy_text(st, 8, o->decision, sizeof(o->decision));
	copy_text(st, 9, o->ward_office, sizeof(o->ward_office));
	o->run_id = sqlite3_column_int64(st, 10);
}

int hv_store_sign_optin_get(struct hv_store *s, int64_t id, struct hv_sign_optin *out,
			    struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_optin_get, err);
	int rc;

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_optin(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return HV_OK;
	if (rc == SQLITE_DONE)
		return hv_err_set(err, HV_ENOENT, "opt-in %lld: no such request", (long long)id);
	return hv_sqlite_err(s, err, "read opt-in");
}

static int optin_row(sqlite3_stmt *st, void *fn, void *ctx)
{
	struct hv_sign_optin o;

	read_optin(st, &o);
	return ((hv_sign_optin_fn)fn)(ctx, &o);
}

int hv_store_sign_optin_each(struct hv_store *s, hv_sign_optin_fn fn, void *ctx, struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_optin_all, err);

	if (!st)
		return HV_ESTORE;
	return each(s, st, optin_row, (void *)fn, ctx, "list opt-ins", err);
}

int hv_store_sign_optin_decide(struct hv_store *s, int64_t optin_id, const char *decision,
			       const char *ward_office, int64_t run_id, const char *actor,
			       const char *note, int64_t now_ms, struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_write_stmt(s, sql_optin_decide, err);

	if (!st)
		return HV_ESTORE;
	sqlite3_bind_int64(st, 1, optin_id);
	hv_sqlite_bind_text(st, 2, decision);
	bind_opt_text(st, 3, ward_office);
	bind_opt_id(st, 4, run_id);
	hv_sqlite_bind_text(st, 5, actor);
	bind_opt_text(st, 6, note);
	sqlite3_bind_int64(st, 7, now_ms);
	return hv_sqlite_step_done(s, st, "record opt-in decision", err);
}

/* ---- restricted reads ---- */

static const char sql_read_add[] =
	"INSERT INTO sign_reads (what, ref, actor, read_ms) VALUES (?, ?, ?, ?)";
static const char sql_read_count[] = "SELECT count(*) FROM sign_reads WHERE ref = ?";

int hv_store_sign_read_add(struct hv_store *s, const char *what, const char *ref, const char *actor,
			   int64_t now_ms, int64_t *id, struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_write_stmt(s, sql_read_add, err);
	int rc;

	if (!st)
		return HV_ESTORE;
	hv_sqlite_bind_text(st, 1, what);
	hv_sqlite_bind_text(st, 2, ref);
	hv_sqlite_bind_text(st, 3, actor);
	sqlite3_bind_int64(st, 4, now_ms);
	if ((rc = hv_sqlite_step_done(s, st, "log restricted read", err)))
		return rc;
	if (id)
		*id = sqlite3_last_insert_rowid(hv_sqlite_handle(s));
	return HV_OK;
}

int hv_store_sign_read_count(struct hv_store *s, const char *ref, int64_t *n, struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_read_count, err);

	if (!st)
		return HV_ESTORE;
	hv_sqlite_bind_text(st, 1, ref);
	return hv_sqlite_scalar_i64(s, st, "count reads", n, err);
}

/* ---- staging sites and incidents ---- */

static const char sql_staging_add[] =
	"INSERT INTO sign_staging (name, lon, lat, added_ms) VALUES (?, ?, ?, ?)";
static const char sql_staging_all[] =
	"SELECT id, name, lon, lat, 0, added_ms FROM sign_staging ORDER BY id";
static const char sql_incident_add[] =
	"INSERT INTO sign_incidents (kind, lon, lat, property_id, at_ms) VALUES (?, ?, ?, ?, ?)";
/* The plan's incidents: those entered for planning (sign_incidents) and every incident staff
 * reported (the cases module's incidents, at their property's point or its extent's centre;
 * any type but "other" is an attempted use of the property). */
static const char sql_incident_all[] =
	"SELECT id, kind, lon, lat, coalesce(property_id, 0), at_ms FROM sign_incidents"
	" UNION ALL"
	" SELECT -i.id, CASE i.type WHEN 'other' THEN 'incident' ELSE 'attempted_use' END,"
	" coalesce(v.lon, (v.minx + v.maxx) / 2), coalesce(v.lat, (v.miny + v.maxy) / 2),"
	" i.property_id, i.occurred_ms FROM incidents i"
	" JOIN properties p ON p.id = i.property_id"
	" JOIN property_versions v ON v.id = p.current_version";

int hv_store_sign_point_add(struct hv_store *s, bool incident, const struct hv_sign_point *p,
			    int64_t *id, struct hv_err *err)
{
	sqlite3_stmt *st =
		hv_sqlite_write_stmt(s, incident ? sql_incident_add : sql_staging_add, err);
	int rc;

	if (!st)
		return HV_ESTORE;
	hv_sqlite_bind_text(st, 1, p->name);
	sqlite3_bind_double(st, 2, p->lon);
	sqlite3_bind_double(st, 3, p->lat);
	if (incident) {
		bind_opt_id(st, 4, p->property_id);
		sqlite3_bind_int64(st, 5, p->at_ms);
	} else {
		sqlite3_bind_int64(st, 4, p->at_ms);
	}
	if ((rc = hv_sqlite_step_done(s, st, incident ? "add incident" : "add staging site", err)))
		return rc;
	if (id)
		*id = sqlite3_last_insert_rowid(hv_sqlite_handle(s));
	return HV_OK;
}

static int point_row(sqlite3_stmt *st, void *fn, void *ctx)
{
	struct hv_sign_point p;

	memset(&p, 0, sizeof(p));
	p.id = sqlite3_column_int64(st, 0);
	copy_text(st, 1, p.name, sizeof(p.name));
	p.lon = sqlite3_column_double(st, 2);
	p.lat = sqlite3_column_double(st, 3);
	p.property_id = sqlite3_column_int64(st, 4);
	p.at_ms = sqlite3_column_int64(st, 5);
	return ((hv_sign_point_fn)fn)(ctx, &p);
}

int hv_store_sign_point_each(struct hv_store *s, bool incident, hv_sign_point_fn fn, void *ctx,
			     struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, incident ? sql_incident_all : sql_staging_all, err);

	if (!st)
		return HV_ESTORE;
	return each(s, st, point_row, (void *)fn, ctx, "list points", err);
}

/* ---- settings ---- */

static const char sql_setting_set[] =
	"INSERT INTO sign_settings (name, value, set_ms) VALUES (?, ?, ?)";
static const char sql_setting_get[] =
	"SELECT value FROM sign_settings WHERE name = ? ORDER BY id DESC LIMIT 1";

int hv_store_sign_setting_set(struct hv_store *s, const char *name, const char *value,
			      int64_t now_ms, struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_write_stmt(s, sql_setting_set, err);

	if (!st)
		return HV_ESTORE;
	hv_sqlite_bind_text(st, 1, name);
	hv_sqlite_bind_text(st, 2, value);
	sqlite3_bind_int64(st, 3, now_ms);
	return hv_sqlite_step_done(s, st, "set setting", err);
}

int hv_store_sign_setting_get(struct hv_store *s, const char *name, char *out, size_t cap,
			      struct hv_err *err)
{
	sqlite3_stmt *st = hv_sqlite_stmt(s, sql_setting_get, err);
	int rc;

	if (!st)
		return HV_ESTORE;
	hv_sqlite_bind_text(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		copy_text(st, 0, out, cap);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return HV_OK;
	if (rc == SQLITE_DONE)
		return hv_err_set(err, HV_ENOENT, "setting %s: not set", name);
	return hv_sqlite_err(s, err, "read setting");
}
