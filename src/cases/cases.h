/* SPDX-License-Identifier: Apache-2.0 */
/* Incidents, witness statements, evidence records and cases: each saved with its ledger entry in
 * one store transaction (the record and its entry commit together, or neither does). Nothing is
 * ever edited: enriching a report is a new entry, a redaction is new evidence, a case moves by
 * events. No field asks for anyone's immigration or citizenship status; unknown members of an
 * input are refused, so none can be slipped in. */
#ifndef HV_CASES_CASES_H
#define HV_CASES_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "store/store.h"

#define HV_INCIDENT_TEXT_MAX	  20000 /* bytes of a free-text field */
#define HV_INCIDENT_BODY_MAX	  (256 * 1024)
#define HV_INCIDENT_DOCS_MAX	  16
#define HV_INCIDENT_WITNESSES_MAX 32

/* The incident types of the order. */
bool hv_incident_type_valid(const char *type);
/* "staging|processing|operations-base|entry|attempted-entry|other" */
const char *hv_incident_types(void);

/* A report or an update as parsed from its JSON (the API body; the CLI builds the same JSON).
 * Members (all optional in an update; type, occurred and a place required in a report):
 *   property_id (integer) | location {"lat", "lon"} | address (string): where
 *   type, occurred (ISO 8601), text, agencies ([string] as stated), personnel, vehicles
 *   documents: [{issuer, signer, form, names_place_or_person, dated}] (the checklist's answer is
 *     added to each), names_badges, areas_entered, items_taken, emergency_claimed, staff_actions
 *   witnesses: [{name, contact, statement}] (optional; restricted)
 * Strings are arena copies. */
struct hv_incident_in {
	bool has_property;
	int64_t property_id;
	bool has_location;
	double lat, lon;
	const char *address;   /* NULL: none */
	const char *type;      /* NULL: none (an update) */
	int64_t occurred_ms;   /* 0: none */
	struct hv_buf data;    /* canonical JSON of the report's fields (owned: release) */
	struct hv_buf witness; /* canonical JSON of the witnesses, "" when none (owned) */
};

/* Parses body; a report (is_report) needs type, occurred and a place. Malformed JSON (line and
 * column), an unknown or ill-typed member, a value out of range: HV_EINVAL naming the member
 * (and the index in an array). now_ms is the checklist's "today". Release in with
 * hv_incident_in_release, also after an error. */
int hv_incident_parse(struct hv_arena *a, const char *body, size_t len, bool is_report,
		      int64_t now_ms, struct hv_incident_in *in, struct hv_err *err);
void hv_incident_in_release(struct hv_incident_in *in);

/* Where notices of a new report go; NULL members: that channel is off. */
struct hv_notice_targets {
	const char *email;	/* the law department's address */
	const char *webhook;	/* a URL */
	const char *public_url; /* base of the link in a notice ("" or NULL: a relative link) */
};

/* Saves a new report (in->property_id resolved): the incidents row, its first entry, the
 * witnesses when given, their ledger entries and the notices, in one transaction. author: the
 * user. *id gets the incident id. */
int hv_incident_add(struct hv_store *s, const struct hv_incident_in *in, const char *author,
		    int64_t now_ms, const struct hv_notice_targets *nt, int64_t *id,
		    struct hv_err *err);
/* The same inside the caller's open transaction (the server's group committer): nothing is
 * committed or rolled back here. */
int hv_incident_add_in_tx(struct hv_store *s, const struct hv_incident_in *in, const char *author,
			  int64_t now_ms, const struct hv_notice_targets *nt, int64_t *id,
			  struct hv_err *err);
/* Adds an update entry (and witnesses when given) to incident id. HV_ENOENT naming the id. */
int hv_incident_update(struct hv_store *s, int64_t id, const struct hv_incident_in *in,
		       const char *author, int64_t now_ms, int64_t *entry_id, struct hv_err *err);

/* Writes incident id as JSON: its core fields, entries (oldest first) with their ledger seq,
 * evidence, and, when with_witnesses, the witness statements; reading them appends a "read"
 * ledger entry naming reader and role first (in its own transaction), so every read is logged.
 * HV_ENOENT naming the id. */
int hv_incident_json(struct hv_store *s, int64_t id, bool with_witnesses, const char *reader,
		     const char *role, int64_t now_ms, struct hv_json *w, struct hv_err *err);
/* Writes the newest limit incidents (0: all) as a JSON array of summaries. */
int hv_incident_list_json(struct hv_store *s, int64_t limit, struct hv_json *w, struct hv_err *err);

/* HV_OK when incident id exists; HV_ENOENT naming it otherwise. */
int hv_cases_incident_exists(struct hv_store *s, int64_t id, struct hv_err *err);

/* ---- evidence ---- */

/* A file already in the blob store (sha256, size), with the head of its bytes (up to
 * HV_EVIDENCE_HEAD_MAX) for sniffing and EXIF. */
struct hv_evidence_in {
	int64_t incident_id;
	const char *sha256;
	uint64_t size;
	const uint8_t *head;
	size_t head_len;
	const char *filename; /* NULL: none; a base name is kept */
	int64_t redacts;      /* 0, or the evidence id this is a redacted copy of (same incident) */
};

/* Records evidence and its ledger entry in one transaction. HV_ENOENT naming a missing incident
 * or original; HV_EINVAL when the original belongs to another incident. *id gets the id. */
int hv_evidence_add(struct hv_store *s, const struct hv_evidence_in *in, const char *uploader,
		    int64_t now_ms, int64_t *id, struct hv_err *err);
/* Streams the file at path into the evidence folder (never whole in memory) and records it as
 * evidence of incident_id. HV_ENOENT / HV_EIO naming the path. */
int hv_evidence_add_file(struct hv_store *s, int64_t incident_id, const char *path, int64_t redacts,
			 const char *uploader, int64_t now_ms, int64_t *id, struct hv_err *err);
/* Writes evidence id as JSON. */
int hv_evidence_json(struct hv_store *s, int64_t id, struct hv_json *w, struct hv_err *err);
/* The evidence folder for a store (beside its file). */
int hv_evidence_dir(struct hv_store *s, char *out, size_t cap, struct hv_err *err);

/* ---- cases ---- */

#define HV_CASE_STATES "triage|under-review|referred|closed"

/* Opens a case (state triage) on the given incidents (n may be 0). *id gets it. */
int hv_case_open(struct hv_store *s, const char *title, const int64_t *incidents, size_t n,
		 const char *author, int64_t now_ms, int64_t *id, struct hv_err *err);
/* Moves a case to state (referred needs referred_to; closed needs outcome); note optional.
 * Moves go forward only: triage -> under-review -> referred -> closed (a step may be skipped);
 * anything else is HV_ECONFLICT naming both states. */
int hv_case_move(struct hv_store *s, int64_t id, const char *state, const char *referred_to,
		 const char *outcome, const char *note, const char *author, int64_t now_ms,
		 struct hv_err *err);
/* Links an incident to a case. */
int hv_case_link(struct hv_store *s, int64_t id, int64_t incident_id, const char *author,
		 int64_t now_ms, struct hv_err *err);
int hv_case_json(struct hv_store *s, int64_t id, struct hv_json *w, struct hv_err *err);
/* Open cases (not closed) and reports by property and week. */
int hv_case_dashboard_json(struct hv_store *s, struct hv_json *w, struct hv_err *err);
int hv_case_list_json(struct hv_store *s, struct hv_json *w, struct hv_err *err);

/* ---- verification ---- */

/* Registers the ledger kind checks of this module ("incident", "witness", "evidence", "case",
 * "read"): each recomputes its record's canonical JSON from the tables (and re-hashes evidence
 * files) and compares. Idempotent. */
int hv_cases_register_kinds(struct hv_err *err);

#endif
