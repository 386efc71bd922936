/* SPDX-License-Identifier: Apache-2.0 */
/* The accountability tables in the store (schema 5): incidents and their append-only entries,
 * restricted witness statements, evidence records, notices and their delivery attempts, cases
 * and their events. Only src/cases calls these; everyone else goes through src/cases/cases.h.
 * Every write happens inside the caller's transaction (HV_ESTORE outside one). Strings in the
 * records passed to callbacks are borrowed and valid only during the call. SQLite only. */
#ifndef HV_STORE_CASES_STORE_H
#define HV_STORE_CASES_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

/* The schema 5 migration (src/store/migrations_sqlite.c lists it). */
extern const char hv_cases_sqlite_schema[];

struct hv_incident_rec {
	int64_t id;
	int64_t property_id;
	const char *type;
	int64_t occurred_ms;
	const char *reporter;
	int64_t created_ms;
	int64_t n_entries;  /* filled by reads */
	int64_t n_evidence; /* filled by reads */
};

struct hv_incident_entry_rec {
	int64_t id;
	int64_t incident_id;
	const char *kind; /* "report" (the first) or "update" */
	const char *author;
	const char *data; /* canonical JSON object */
	int64_t recorded_ms;
};

struct hv_witness_rec {
	int64_t id;
	int64_t incident_id;
	const char *author;
	const char *data; /* canonical JSON object; restricted */
	int64_t recorded_ms;
};

struct hv_evidence_rec {
	int64_t id;
	int64_t incident_id;
	const char *sha256;
	int64_t size;
	const char *media_type;
	const char *filename;  /* NULL: none */
	const char *exif_time; /* NULL: none */
	bool has_position;
	double lat, lon;
	const char *uploader;
	int64_t received_ms;
	int64_t redacts; /* 0: an original; else the evidence id this is a redacted copy of */
};

struct hv_notice_rec {
	int64_t id;
	int64_t incident_id;
	const char *channel; /* "email" or "webhook" */
	const char *target;  /* the address or URL */
	const char *body;    /* what is sent (no restricted content) */
	int64_t created_ms;
	/* from the attempts (reads fill them) */
	int64_t n_attempts;
	bool sent;
	const char *last_error; /* NULL: none */
	int64_t next_ms;	/* when the next attempt is due (0: now) */
};

struct hv_case_rec {
	int64_t id;
	const char *title;
	const char *created_by;
	int64_t created_ms;
	const char *state; /* the latest state event's (reads fill it) */
};

struct hv_case_event_rec {
	int64_t id;
	int64_t case_id;
	const char *kind;	 /* "open", "state", "link", "note" */
	const char *state;	 /* for "open"/"state": triage, under-review, referred, closed */
	const char *referred_to; /* for "referred" */
	const char *outcome;	 /* for "closed" */
	int64_t incident_id;	 /* for "link" (0: none) */
	const char *note;
	const char *author;
	int64_t recorded_ms;
};

typedef int (*hv_incident_rec_fn)(void *ctx, const struct hv_incident_rec *r);
typedef int (*hv_incident_entry_rec_fn)(void *ctx, const struct hv_incident_entry_rec *r);
typedef int (*hv_witness_rec_fn)(void *ctx, const struct hv_witness_rec *r);
typedef int (*hv_evidence_rec_fn)(void *ctx, const struct hv_evidence_rec *r);
typedef int (*hv_notice_rec_fn)(void *ctx, const struct hv_notice_rec *r);
typedef int (*hv_case_rec_fn)(void *ctx, const struct hv_case_rec *r);
typedef int (*hv_case_event_rec_fn)(void *ctx, const struct hv_case_event_rec *r);

/* Adds return the new row's id in *id. Reads by id return HV_ENOENT when absent. The each
 * functions pass 0 for "any" in their filter arguments and go in id order; a non-zero return
 * from fn stops and is returned. */
int hv_store_incident_add(struct hv_store *s, const struct hv_incident_rec *r, int64_t *id,
			  struct hv_err *err);
int hv_store_incident_get(struct hv_store *s, int64_t id, hv_incident_rec_fn fn, void *ctx,
			  struct hv_err *err);
/* Newest first; limit 0: all. */
int hv_store_incident_each(struct hv_store *s, int64_t limit, hv_incident_rec_fn fn, void *ctx,
			   struct hv_err *err);

int hv_store_incident_entry_add(struct hv_store *s, const struct hv_incident_entry_rec *r,
				int64_t *id, struct hv_err *err);
int hv_store_incident_entry_each(struct hv_store *s, int64_t id, int64_t incident_id,
				 hv_incident_entry_rec_fn fn, void *ctx, struct hv_err *err);

int hv_store_witness_add(struct hv_store *s, const struct hv_witness_rec *r, int64_t *id,
			 struct hv_err *err);
int hv_store_witness_each(struct hv_store *s, int64_t id, int64_t incident_id, hv_witness_rec_fn fn,
			  void *ctx, struct hv_err *err);

int hv_store_evidence_add(struct hv_store *s, const struct hv_evidence_rec *r, int64_t *id,
			  struct hv_err *err);
int hv_store_evidence_each(struct hv_store *s, int64_t id, int64_t incident_id,
			   hv_evidence_rec_fn fn, void *ctx, struct hv_err *err);

int hv_store_notice_add(struct hv_store *s, const struct hv_notice_rec *r, int64_t *id,
			struct hv_err *err);
/* Records one delivery attempt (ok, or its error and when to try again: next_ms 0 gives up). */
int hv_store_notice_attempt(struct hv_store *s, int64_t notice_id, int64_t at_ms, bool ok,
			    const char *error, int64_t next_ms, struct hv_err *err);
/* Every notice (due_only: only unsent ones due at now_ms that have not given up). */
int hv_store_notice_each(struct hv_store *s, bool due_only, int64_t now_ms, hv_notice_rec_fn fn,
			 void *ctx, struct hv_err *err);

int hv_store_case_add(struct hv_store *s, const struct hv_case_rec *r, int64_t *id,
		      struct hv_err *err);
int hv_store_case_each(struct hv_store *s, int64_t id, hv_case_rec_fn fn, void *ctx,
		       struct hv_err *err);
int hv_store_case_event_add(struct hv_store *s, const struct hv_case_event_rec *r, int64_t *id,
			    struct hv_err *err);
int hv_store_case_event_each(struct hv_store *s, int64_t id, int64_t case_id,
			     hv_case_event_rec_fn fn, void *ctx, struct hv_err *err);

/* The ledger seq of the entry whose ref is ref (the latest when several); HV_ENOENT if none. */
int hv_store_cases_ledger_seq(struct hv_store *s, const char *ref, int64_t *seq,
			      struct hv_err *err);
/* Every ledger entry of kind (its seq and exact bytes), by seq. */
typedef int (*hv_ledger_bytes_fn)(void *ctx, int64_t seq, const void *entry, size_t len);
int hv_store_cases_ledger_kind_each(struct hv_store *s, const char *kind, hv_ledger_bytes_fn fn,
				    void *ctx, struct hv_err *err);

/* Reports per property and ISO week ("2026-W47"), for the dashboard; newest week first. */
typedef int (*hv_week_count_fn)(void *ctx, int64_t property_id, const char *week, int64_t n);
int hv_store_incident_weeks(struct hv_store *s, hv_week_count_fn fn, void *ctx, struct hv_err *err);

/* The store's file path (for the evidence folder beside it). Borrowed. */
const char *hv_store_cases_path(struct hv_store *s);

#endif
