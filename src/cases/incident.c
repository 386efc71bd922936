/* SPDX-License-Identifier: Apache-2.0 */
/* Incident reports: parsing a report or update, saving it with its ledger entries and notices in
 * one transaction, reading it back (witness reads logged), and the ledger's kind checks. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cases/cases.h"
#include "cases/cases_internal.h"
#include "cases/checklist.h"
#include "core/clock.h"
#include "core/str.h"
#include "crypto/sha256.h"
#include "ledger/ledger.h"
#include "store/cases_store.h"

#include "core/banned.h"

static const char *const types[] = {"staging", "processing",	  "operations-base",
				    "entry",   "attempted-entry", "other"};

bool hv_incident_type_valid(const char *type)
{
	for (size_t i = 0; type && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i], type) == 0)
			return true;
	return false;
}

const char *hv_incident_types(void)
{
	return "staging|processing|operations-base|entry|attempted-entry|other";
}

void hv_incident_in_release(struct hv_incident_in *in)
{
	hv_buf_release(&in->data);
	hv_buf_release(&in->witness);
}

/* ---- parsing ---- */

static int text_value(json_t *v, const char *name, size_t max, const char **out, struct hv_err *err)
{
	size_t n;

	if (!json_is_string(v))
		return hv_err_set(err, HV_EINVAL, "%s: a string is expected", name);
	n = json_string_length(v);
	if (n > max)
		return hv_err_set(err, HV_ELIMIT, "%s: %zu bytes, at most %zu", name, n, max);
	if (memchr(json_string_value(v), '\0', n))
		return hv_err_set(err, HV_EINVAL, "%s: contains a NUL byte", name);
	*out = json_string_value(v);
	return HV_OK;
}

static int count_value(json_t *v, const char *name, int64_t *out, struct hv_err *err)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100000)
		return hv_err_set(err, HV_EINVAL, "%s: an integer from 0 to 100000 is expected",
				  name);
	*out = json_integer_value(v);
	return HV_OK;
}

/* One document shown: its fields through the checklist; writes it with the answer. */
static int document(json_t *d, size_t i, int64_t now_ms, struct hv_json *w, struct hv_err *err)
{
	static const char *const keys[] = {"issuer", "signer", "form", "names_place_or_person",
					   "dated",  "note"};
	struct hv_warrant_doc doc = {.now_ms = now_ms};
	struct hv_warrant_result res;
	const char *vals[6] = {0};
	const char *key;
	json_t *v;
	int rc;

	if (!json_is_object(d))
		return hv_err_set(err, HV_EINVAL, "documents[%zu]: an object is expected", i);
	json_object_foreach(d, key, v)
	{
		size_t k;
		char name[96];

		for (k = 0; k < 6 && strcmp(keys[k], key); k++)
			;
		if (k == 6)
			return hv_err_set(err, HV_EINVAL,
					  "documents[%zu]: unknown member \"%.64s\"", i, key);
		snprintf(name, sizeof(name), "documents[%zu].%s", i, key);
		if ((rc = text_value(v, name, k == 5 ? HV_INCIDENT_TEXT_MAX : 64, &vals[k], err)))
			return rc;
	}
	if (!hv_checklist_parse_issuer(vals[0], &doc.issuer))
		return hv_err_set(err, HV_EINVAL,
				  "documents[%zu].issuer: \"%.64s\" is not court, dhs, ice, cbp, "
				  "other or unknown",
				  i, vals[0]);
	if (!hv_checklist_parse_signer(vals[1], &doc.signer))
		return hv_err_set(err, HV_EINVAL,
				  "documents[%zu].signer: \"%.64s\" is not judge, magistrate, "
				  "immigration-officer, none or unknown",
				  i, vals[1]);
	if (!hv_checklist_parse_form(vals[2], &doc.form))
		return hv_err_set(
			err, HV_EINVAL,
			"documents[%zu].form: \"%.64s\" is not AO93, AO442, I-200, I-205, "
			"I-247A, I-138, other or unknown",
			i, vals[2]);
	if (!hv_checklist_parse_named(vals[3], &doc.place_or_person))
		return hv_err_set(err, HV_EINVAL,
				  "documents[%zu].names_place_or_person: \"%.64s\" is not yes, no "
				  "or unknown",
				  i, vals[3]);
	if (vals[4] && *vals[4] && !hv_time_parse_iso(vals[4], &doc.dated_ms))
		return hv_err_set(err, HV_EINVAL,
				  "documents[%zu].dated: \"%.64s\" is not a date (YYYY-MM-DD)", i,
				  vals[4]);
	hv_checklist_classify(&doc, &res);
	hv_json_obj_begin(w);
	for (size_t k = 0; k < 6; k++) {
		if (vals[k]) {
			hv_json_key(w, keys[k]);
			hv_json_str(w, vals[k]);
		}
	}
	hv_json_key(w, "answer");
	hv_json_str(w, hv_checklist_answer_code(res.answer));
	hv_json_key(w, "answer_text");
	hv_json_str(w, hv_checklist_answer_text(res.answer));
	hv_json_key(w, "why");
	hv_json_str(w, res.why);
	hv_json_obj_end(w);
	return HV_OK;
}

static int witnesses(json_t *arr, struct hv_buf *out, struct hv_err *err)
{
	static const char *const keys[] = {"name", "contact", "statement"};
	struct hv_json w;

	if (!json_is_array(arr))
		return hv_err_set(err, HV_EINVAL, "witnesses: an array is expected");
	if (json_array_size(arr) > HV_INCIDENT_WITNESSES_MAX)
		return hv_err_set(err, HV_ELIMIT, "witnesses: at most %d",
				  HV_INCIDENT_WITNESSES_MAX);
	if (json_array_size(arr) == 0)
		return HV_OK;
	hv_json_init(&w, out, false);
	hv_json_arr_begin(&w);
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i), *v;
		const char *key, *vals[3] = {0};
		int rc;

		if (!json_is_object(o))
			return hv_err_set(err, HV_EINVAL, "witnesses[%zu]: an object is expected",
					  i);
		json_object_foreach(o, key, v)
		{
			size_t k;
			char name[64];

			for (k = 0; k < 3 && strcmp(keys[k], key); k++)
				;
			if (k == 3)
				return hv_err_set(err, HV_EINVAL,
						  "witnesses[%zu]: unknown member \"%.64s\"", i,
						  key);
			snprintf(name, sizeof(name), "witnesses[%zu].%s", i, key);
			if ((rc = text_value(v, name, k == 2 ? HV_INCIDENT_TEXT_MAX : 256, &vals[k],
					     err)))
				return rc;
		}
		hv_json_obj_begin(&w);
		for (size_t k = 0; k < 3; k++) {
			if (vals[k]) {
				hv_json_key(&w, keys[k]);
				hv_json_str(&w, vals[k]);
			}
		}
		hv_json_obj_end(&w);
	}
	hv_json_arr_end(&w);
	return HV_OK;
}

/* The free-text members, written in this order into the canonical data. */
static const char *const text_keys[] = {"text",	       "names_badges",	    "areas_entered",
					"items_taken", "emergency_claimed", "staff_actions"};
#define N_TEXT (sizeof(text_keys) / sizeof(text_keys[0]))

static int find_text(const char *key)
{
	for (size_t i = 0; i < N_TEXT; i++)
		if (strcmp(text_keys[i], key) == 0)
			return (int)i;
	return -1;
}

int hv_incident_parse(struct hv_arena *a, const char *body, size_t len, bool is_report,
		      int64_t now_ms, struct hv_incident_in *in, struct hv_err *err)
{
	json_t *root = NULL, *v, *agencies = NULL, *docs = NULL, *wit = NULL;
	json_error_t jerr;
	const char *key, *texts[N_TEXT] = {0}, *s;
	int64_t personnel = -1, vehicles = -1;
	struct hv_json w;
	int rc = HV_OK;

	memset(in, 0, sizeof(*in));
	hv_buf_init(&in->data, HV_INCIDENT_BODY_MAX);
	hv_buf_init(&in->witness, HV_INCIDENT_BODY_MAX);
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		rc = hv_err_set(err, HV_EINVAL, "body: %s (line %d, column %d)", jerr.text,
				jerr.line, jerr.column);
		goto out;
	}
	if (!json_is_object(root)) {
		rc = hv_err_set(err, HV_EINVAL, "body: a JSON object is expected");
		goto out;
	}
	json_object_foreach(root, key, v)
	{
		int t = find_text(key);

		if (t >= 0) {
			if ((rc = text_value(v, key, HV_INCIDENT_TEXT_MAX, &texts[t], err)))
				goto out;
		} else if (strcmp(key, "property_id") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) <= 0) {
				rc = hv_err_set(err, HV_EINVAL,
						"property_id: a positive integer is expected");
				goto out;
			}
			in->has_property = true;
			in->property_id = json_integer_value(v);
		} else if (strcmp(key, "location") == 0) {
			json_t *lat = json_object_get(v, "lat"), *lon = json_object_get(v, "lon");

			if (!json_is_object(v) || json_object_size(v) != 2 ||
			    !json_is_number(lat) || !json_is_number(lon) ||
			    fabs(json_number_value(lat)) > 90.0 ||
			    fabs(json_number_value(lon)) > 180.0) {
				rc = hv_err_set(err, HV_EINVAL,
						"location: {\"lat\": -90..90, \"lon\": -180..180} "
						"is expected");
				goto out;
			}
			in->has_location = true;
			in->lat = json_number_value(lat);
			in->lon = json_number_value(lon);
		} else if (strcmp(key, "address") == 0) {
			if ((rc = text_value(v, key, 512, &s, err)))
				goto out;
			in->address = hv_arena_strdup(a, s);
		} else if (strcmp(key, "type") == 0) {
			if (!json_is_string(v) || !hv_incident_type_valid(json_string_value(v))) {
				rc = hv_err_set(err, HV_EINVAL, "type: one of %s is expected",
						hv_incident_types());
				goto out;
			}
			in->type = hv_arena_strdup(a, json_string_value(v));
		} else if (strcmp(key, "occurred") == 0) {
			if (!json_is_string(v) ||
			    !hv_time_parse_iso(json_string_value(v), &in->occurred_ms)) {
				rc = hv_err_set(err, HV_EINVAL,
						"occurred: an ISO 8601 time is expected");
				goto out;
			}
			if (in->occurred_ms > now_ms + 3600 * 1000LL) {
				rc = hv_err_set(err, HV_EINVAL,
						"occurred: \"%.40s\" is in the future",
						json_string_value(v));
				goto out;
			}
		} else if (strcmp(key, "agencies") == 0) {
			if (!json_is_array(v) || json_array_size(v) > 16) {
				rc = hv_err_set(
					err, HV_EINVAL,
					"agencies: an array of at most 16 strings is expected");
				goto out;
			}
			for (size_t i = 0; i < json_array_size(v); i++) {
				char name[32];

				snprintf(name, sizeof(name), "agencies[%zu]", i);
				if ((rc = text_value(json_array_get(v, i), name, 128, &s, err)))
					goto out;
			}
			agencies = v;
		} else if (strcmp(key, "personnel") == 0) {
			if ((rc = count_value(v, key, &personnel, err)))
				goto out;
		} else if (strcmp(key, "vehicles") == 0) {
			if ((rc = count_value(v, key, &vehicles, err)))
				goto out;
		} else if (strcmp(key, "documents") == 0) {
			if (!json_is_array(v) || json_array_size(v) > HV_INCIDENT_DOCS_MAX) {
				rc = hv_err_set(err, HV_EINVAL,
						"documents: an array of at most %d is expected",
						HV_INCIDENT_DOCS_MAX);
				goto out;
			}
			docs = v;
		} else if (strcmp(key, "witnesses") == 0) {
			wit = v;
		} else {
			rc = hv_err_set(err, HV_EINVAL, "body: unknown member \"%.64s\"", key);
			goto out;
		}
	}
	if (is_report) {
		if (!in->type) {
			rc = hv_err_set(err, HV_EINVAL, "type: required (one of %s)",
					hv_incident_types());
			goto out;
		}
		if (!in->occurred_ms) {
			rc = hv_err_set(err, HV_EINVAL, "occurred: required (an ISO 8601 time)");
			goto out;
		}
		if (!in->has_property && !in->has_location && !in->address) {
			rc = hv_err_set(err, HV_EINVAL,
					"property_id, location or address: one is required");
			goto out;
		}
	} else if (in->type || in->occurred_ms || in->has_property) {
		rc = hv_err_set(err, HV_EINVAL,
				"%s: an update cannot change it (add a note in text instead)",
				in->type	  ? "type"
				: in->occurred_ms ? "occurred"
						  : "property_id");
		goto out;
	}
	hv_json_init(&w, &in->data, false);
	hv_json_obj_begin(&w);
	if (in->has_location) {
		hv_json_key(&w, "location");
		hv_json_obj_begin(&w);
		hv_json_key(&w, "lat");
		hv_json_fixed(&w, in->lat, 7);
		hv_json_key(&w, "lon");
		hv_json_fixed(&w, in->lon, 7);
		hv_json_obj_end(&w);
	}
	if (in->address) {
		hv_json_key(&w, "address");
		hv_json_str(&w, in->address);
	}
	if (texts[0]) {
		hv_json_key(&w, "text");
		hv_json_str(&w, texts[0]);
	}
	if (agencies) {
		hv_json_key(&w, "agencies");
		hv_json_arr_begin(&w);
		for (size_t i = 0; i < json_array_size(agencies); i++)
			hv_json_str(&w, json_string_value(json_array_get(agencies, i)));
		hv_json_arr_end(&w);
	}
	if (personnel >= 0) {
		hv_json_key(&w, "personnel");
		hv_json_int(&w, personnel);
	}
	if (vehicles >= 0) {
		hv_json_key(&w, "vehicles");
		hv_json_int(&w, vehicles);
	}
	if (docs) {
		hv_json_key(&w, "documents");
		hv_json_arr_begin(&w);
		for (size_t i = 0; i < json_array_size(docs); i++)
			if ((rc = document(json_array_get(docs, i), i, now_ms, &w, err)))
				goto out;
		hv_json_arr_end(&w);
	}
	for (size_t i = 1; i < N_TEXT; i++) {
		if (texts[i]) {
			hv_json_key(&w, text_keys[i]);
			hv_json_str(&w, texts[i]);
		}
	}
	hv_json_obj_end(&w);
	if (wit && (rc = witnesses(wit, &in->witness, err)))
		goto out;
	if (in->data.failed || in->witness.failed)
		rc = hv_err_set(err, HV_ELIMIT, "body: the report is over %d bytes",
				HV_INCIDENT_BODY_MAX);
out:
	json_decref(root);
	return rc;
}

/* ---- canonical JSON of records (what the ledger holds) ---- */

struct incident_core {
	bool found;
	int64_t property_id, occurred_ms, created_ms, n_entries, n_evidence;
	char type[32];
	char reporter[HV_USER_NAME_MAX];
};

static int core_fn(void *ctx, const struct hv_incident_rec *r)
{
	struct incident_core *c = ctx;

	c->found = true;
	c->property_id = r->property_id;
	c->occurred_ms = r->occurred_ms;
	c->created_ms = r->created_ms;
	c->n_entries = r->n_entries;
	c->n_evidence = r->n_evidence;
	snprintf(c->type, sizeof(c->type), "%s", r->type ? r->type : "");
	snprintf(c->reporter, sizeof(c->reporter), "%s", r->reporter ? r->reporter : "");
	return 0;
}

static int load_core(struct hv_store *s, int64_t id, struct incident_core *c, struct hv_err *err)
{
	int rc;

	memset(c, 0, sizeof(*c));
	rc = hv_store_incident_get(s, id, core_fn, c, err);
	if (rc == HV_ENOENT)
		return hv_err_set(err, HV_ENOENT, "incident %" PRId64 ": no such incident", id);
	return rc;
}

void hv_cases_entry_canonical(const struct incident_core_view *c,
			      const struct hv_incident_entry_rec *e, struct hv_buf *out)
{
	struct hv_json w;
	char when[HV_TIME_ISO_MAX];

	hv_json_init(&w, out, false);
	hv_json_obj_begin(&w);
	hv_json_key(&w, "incident");
	hv_json_int(&w, e->incident_id);
	hv_json_key(&w, "entry");
	hv_json_int(&w, e->id);
	hv_json_key(&w, "kind");
	hv_json_str(&w, e->kind);
	hv_json_key(&w, "property_id");
	hv_json_int(&w, c->property_id);
	hv_json_key(&w, "type");
	hv_json_str(&w, c->type);
	hv_json_key(&w, "occurred");
	hv_time_format_iso(c->occurred_ms, when, sizeof(when));
	hv_json_str(&w, when);
	hv_json_key(&w, "reporter");
	hv_json_str(&w, c->reporter);
	hv_json_key(&w, "author");
	hv_json_str(&w, e->author);
	hv_json_key(&w, "recorded_ms");
	hv_json_int(&w, e->recorded_ms);
	hv_json_key(&w, "data");
	hv_json_raw(&w, e->data);
	hv_json_obj_end(&w);
}

void hv_cases_witness_canonical(const struct hv_witness_rec *r, struct hv_buf *out)
{
	uint8_t d[HV_SHA256_LEN];
	char hex[HV_SHA256_HEX_LEN];
	struct hv_json w;

	hv_sha256(r->data, strlen(r->data), d);
	hv_sha256_hex(d, hex);
	hv_json_init(&w, out, false);
	hv_json_obj_begin(&w);
	hv_json_key(&w, "witness");
	hv_json_int(&w, r->id);
	hv_json_key(&w, "incident");
	hv_json_int(&w, r->incident_id);
	hv_json_key(&w, "author");
	hv_json_str(&w, r->author);
	hv_json_key(&w, "recorded_ms");
	hv_json_int(&w, r->recorded_ms);
	/* the statement itself stays restricted: the ledger (and a packet) carry its hash */
	hv_json_key(&w, "sha256");
	hv_json_str(&w, hex);
	hv_json_obj_end(&w);
}

static void core_view(const struct incident_core *c, struct incident_core_view *v)
{
	v->property_id = c->property_id;
	v->occurred_ms = c->occurred_ms;
	v->type = c->type;
	v->reporter = c->reporter;
}

/* Appends one entry row and its ledger entry (inside the caller's transaction). */
static int add_entry(struct hv_store *s, const struct incident_core *c, int64_t incident_id,
		     const char *kind, const char *data, const char *author, int64_t now_ms,
		     int64_t *entry_id, struct hv_err *err)
{
	struct hv_incident_entry_rec e = {.incident_id = incident_id,
					  .kind = kind,
					  .author = author,
					  .data = data,
					  .recorded_ms = now_ms};
	struct incident_core_view v;
	struct hv_buf b;
	char ref[64];
	int rc;

	if ((rc = hv_store_incident_entry_add(s, &e, &e.id, err)))
		return rc;
	core_view(c, &v);
	hv_buf_init(&b, 0);
	hv_cases_entry_canonical(&v, &e, &b);
	snprintf(ref, sizeof(ref), "incident_entry:%" PRId64, e.id);
	rc = hv_ledger_append(s, "incident", ref, b.data, b.len, now_ms, NULL, err);
	hv_buf_release(&b);
	if (entry_id)
		*entry_id = e.id;
	return rc;
}

static int add_witnesses(struct hv_store *s, int64_t incident_id, const char *data,
			 const char *author, int64_t now_ms, struct hv_err *err)
{
	struct hv_witness_rec r = {
		.incident_id = incident_id, .author = author, .data = data, .recorded_ms = now_ms};
	struct hv_buf b;
	char ref[64];
	int rc;

	if (!data || !*data)
		return HV_OK;
	if ((rc = hv_store_witness_add(s, &r, &r.id, err)))
		return rc;
	hv_buf_init(&b, 0);
	hv_cases_witness_canonical(&r, &b);
	snprintf(ref, sizeof(ref), "witness:%" PRId64, r.id);
	rc = hv_ledger_append(s, "witness", ref, b.data, b.len, now_ms, NULL, err);
	hv_buf_release(&b);
	return rc;
}

int hv_incident_add_in_tx(struct hv_store *s, const struct hv_incident_in *in, const char *author,
			  int64_t now_ms, const struct hv_notice_targets *nt, int64_t *id,
			  struct hv_err *err)
{
	struct hv_incident_rec r = {.property_id = in->property_id,
				    .type = in->type,
				    .occurred_ms = in->occurred_ms,
				    .reporter = author,
				    .created_ms = now_ms};
	struct incident_core c = {
		.found = true, .property_id = in->property_id, .occurred_ms = in->occurred_ms};
	struct hv_property p = {0};
	int rc;

	if (!in->type || !in->occurred_ms || in->property_id <= 0)
		return hv_err_set(err, HV_EINVAL, "a report needs a type, a time and a property");
	rc = hv_store_property_get(s, in->property_id, 0, &p, err);
	hv_property_release(&p);
	if (rc == HV_ENOENT)
		return hv_err_set(err, HV_ENOENT, "property_id: no property %" PRId64,
				  in->property_id);
	if (rc)
		return rc;
	snprintf(c.type, sizeof(c.type), "%s", in->type);
	snprintf(c.reporter, sizeof(c.reporter), "%s", author);
	if ((rc = hv_store_incident_add(s, &r, &r.id, err)) ||
	    (rc = add_entry(s, &c, r.id, "report", in->data.data, author, now_ms, NULL, err)) ||
	    (rc = add_witnesses(s, r.id, in->witness.data, author, now_ms, err)) ||
	    (rc = hv_cases_notices_queue(s, r.id, in->type, now_ms, nt, err)))
		return rc;
	*id = r.id;
	return HV_OK;
}

int hv_incident_add(struct hv_store *s, const struct hv_incident_in *in, const char *author,
		    int64_t now_ms, const struct hv_notice_targets *nt, int64_t *id,
		    struct hv_err *err)
{
	int64_t got = 0;
	int rc;

	if ((rc = hv_store_begin(s, err)))
		return rc;
	if ((rc = hv_incident_add_in_tx(s, in, author, now_ms, nt, &got, err)) ||
	    (rc = hv_store_commit(s, err))) {
		hv_store_rollback(s);
		return rc;
	}
	*id = got;
	return HV_OK;
}

int hv_incident_update(struct hv_store *s, int64_t id, const struct hv_incident_in *in,
		       const char *author, int64_t now_ms, int64_t *entry_id, struct hv_err *err)
{
	struct incident_core c;
	int rc;

	if ((rc = hv_store_begin(s, err)))
		return rc;
	if ((rc = load_core(s, id, &c, err)) ||
	    (rc = add_entry(s, &c, id, "update", in->data.data, author, now_ms, entry_id, err)) ||
	    (rc = add_witnesses(s, id, in->witness.data, author, now_ms, err)) ||
	    (rc = hv_store_commit(s, err))) {
		hv_store_rollback(s);
		return rc;
	}
	return HV_OK;
}

int hv_cases_incident_exists(struct hv_store *s, int64_t id, struct hv_err *err)
{
	struct incident_core c;

	return load_core(s, id, &c, err);
}

/* ---- reading ---- */

struct read_ctx {
	struct hv_store *s;
	struct hv_json *w;
	struct hv_err *err;
};

static void write_seq(struct read_ctx *c, const char *ref)
{
	int64_t seq;

	hv_json_key(c->w, "ledger_seq");
	if (hv_store_cases_ledger_seq(c->s, ref, &seq, NULL) == HV_OK)
		hv_json_int(c->w, seq);
	else
		hv_json_null(c->w);
}

static int entry_json(void *ctx, const struct hv_incident_entry_rec *e)
{
	struct read_ctx *c = ctx;
	char when[HV_TIME_ISO_MAX], ref[64];

	hv_json_obj_begin(c->w);
	hv_json_key(c->w, "id");
	hv_json_int(c->w, e->id);
	hv_json_key(c->w, "kind");
	hv_json_str(c->w, e->kind);
	hv_json_key(c->w, "author");
	hv_json_str(c->w, e->author);
	hv_json_key(c->w, "recorded");
	hv_time_format_iso(e->recorded_ms, when, sizeof(when));
	hv_json_str(c->w, when);
	snprintf(ref, sizeof(ref), "incident_entry:%" PRId64, e->id);
	write_seq(c, ref);
	hv_json_key(c->w, "data");
	hv_json_raw(c->w, e->data);
	hv_json_obj_end(c->w);
	return 0;
}

static int witness_json(void *ctx, const struct hv_witness_rec *r)
{
	struct read_ctx *c = ctx;

	hv_json_obj_begin(c->w);
	hv_json_key(c->w, "id");
	hv_json_int(c->w, r->id);
	hv_json_key(c->w, "author");
	hv_json_str(c->w, r->author);
	hv_json_key(c->w, "witnesses");
	hv_json_raw(c->w, r->data);
	hv_json_obj_end(c->w);
	return 0;
}

static int evidence_item(void *ctx, const struct hv_evidence_rec *r)
{
	struct read_ctx *c = ctx;

	hv_cases_evidence_write(c->w, r);
	return 0;
}

/* Logs a read of a restricted record as its own ledger entry, committed before the read. */
static int log_read(struct hv_store *s, const char *record, const char *reader, const char *role,
		    int64_t now_ms, struct hv_err *err)
{
	struct hv_buf b;
	struct hv_json w;
	int rc;

	hv_buf_init(&b, 0);
	hv_json_init(&w, &b, false);
	hv_json_obj_begin(&w);
	hv_json_key(&w, "record");
	hv_json_str(&w, record);
	hv_json_key(&w, "reader");
	hv_json_str(&w, reader ? reader : "");
	hv_json_key(&w, "role");
	hv_json_str(&w, role ? role : "");
	hv_json_key(&w, "at_ms");
	hv_json_int(&w, now_ms);
	hv_json_obj_end(&w);
	if ((rc = hv_store_begin(s, err)) == HV_OK) {
		if ((rc = hv_ledger_append(s, "read", record, b.data, b.len, now_ms, NULL, err)) ||
		    (rc = hv_store_commit(s, err)))
			hv_store_rollback(s);
	}
	hv_buf_release(&b);
	return rc;
}

int hv_incident_json(struct hv_store *s, int64_t id, bool with_witnesses, const char *reader,
		     const char *role, int64_t now_ms, struct hv_json *w, struct hv_err *err)
{
	struct incident_core c;
	struct read_ctx rc_ = {.s = s, .w = w, .err = err};
	char when[HV_TIME_ISO_MAX], record[64];
	int rc;

	if ((rc = load_core(s, id, &c, err)))
		return rc;
	if (with_witnesses) {
		snprintf(record, sizeof(record), "incident:%" PRId64 "/witnesses", id);
		if ((rc = log_read(s, record, reader, role, now_ms, err)))
			return rc;
	}
	hv_json_obj_begin(w);
	hv_json_key(w, "id");
	hv_json_int(w, id);
	hv_json_key(w, "property_id");
	hv_json_int(w, c.property_id);
	hv_json_key(w, "type");
	hv_json_str(w, c.type);
	hv_json_key(w, "occurred");
	hv_time_format_iso(c.occurred_ms, when, sizeof(when));
	hv_json_str(w, when);
	hv_json_key(w, "reporter");
	hv_json_str(w, c.reporter);
	hv_json_key(w, "created");
	hv_time_format_iso(c.created_ms, when, sizeof(when));
	hv_json_str(w, when);
	hv_json_key(w, "entries");
	hv_json_arr_begin(w);
	if ((rc = hv_store_incident_entry_each(s, 0, id, entry_json, &rc_, err)))
		return rc;
	hv_json_arr_end(w);
	hv_json_key(w, "evidence");
	hv_json_arr_begin(w);
	if ((rc = hv_store_evidence_each(s, 0, id, evidence_item, &rc_, err)))
		return rc;
	hv_json_arr_end(w);
	if (with_witnesses) {
		hv_json_key(w, "witness_statements");
		hv_json_arr_begin(w);
		if ((rc = hv_store_witness_each(s, 0, id, witness_json, &rc_, err)))
			return rc;
		hv_json_arr_end(w);
	}
	hv_json_obj_end(w);
	return HV_OK;
}

static int summary_json(void *ctx, const struct hv_incident_rec *r)
{
	struct hv_json *w = ctx;
	char when[HV_TIME_ISO_MAX];

	hv_json_obj_begin(w);
	hv_json_key(w, "id");
	hv_json_int(w, r->id);
	hv_json_key(w, "property_id");
	hv_json_int(w, r->property_id);
	hv_json_key(w, "type");
	hv_json_str(w, r->type);
	hv_json_key(w, "occurred");
	hv_time_format_iso(r->occurred_ms, when, sizeof(when));
	hv_json_str(w, when);
	hv_json_key(w, "reporter");
	hv_json_str(w, r->reporter);
	hv_json_key(w, "entries");
	hv_json_int(w, r->n_entries);
	hv_json_key(w, "evidence");
	hv_json_int(w, r->n_evidence);
	hv_json_obj_end(w);
	return 0;
}

int hv_incident_list_json(struct hv_store *s, int64_t limit, struct hv_json *w, struct hv_err *err)
{
	int rc;

	hv_json_arr_begin(w);
	rc = hv_store_incident_each(s, limit, summary_json, w, err);
	hv_json_arr_end(w);
	return rc;
}

/* ---- kind checks ---- */

static int parse_ref(const char *ref, const char *prefix, int64_t *id)
{
	size_t n = strlen(prefix);

	if (!ref || strncmp(ref, prefix, n) != 0 || !hv_str_to_i64(hv_str_cstr(ref + n), id))
		return HV_EINVAL;
	return HV_OK;
}

struct check_ctx {
	struct hv_store *s;
	struct hv_buf *b;
	int rc;
	struct hv_err *err;
};

static int entry_check_fn(void *ctx, const struct hv_incident_entry_rec *e)
{
	struct check_ctx *c = ctx;
	struct incident_core core;
	struct incident_core_view v;

	if ((c->rc = load_core(c->s, e->incident_id, &core, c->err)))
		return 1;
	core_view(&core, &v);
	hv_cases_entry_canonical(&v, e, c->b);
	return 0;
}

int hv_cases_compare(const struct hv_buf *b, const char *body, size_t len, const char *table,
		     int64_t row, int64_t seq, struct hv_err *err)
{
	size_t i;

	if (b->len == len && memcmp(b->data, body, len) == 0)
		return HV_OK;
	for (i = 0; i < len && i < b->len && b->data[i] == body[i]; i++)
		;
	return hv_err_set(err, HV_EINVAL,
			  "%s row %" PRId64 " differs from ledger entry %" PRId64
			  " (from byte %zu: stored \"%.24s\", ledger \"%.24s\")",
			  table, row, seq, i, b->data + (i < b->len ? i : b->len),
			  i < len ? body + i : "");
}

static int check_incident(struct hv_store *s, int64_t seq, const char *ref, const char *body,
			  size_t len, struct hv_err *err)
{
	struct hv_buf b;
	struct check_ctx c = {.s = s, .b = &b, .err = err};
	int64_t id;
	int rc;

	if (parse_ref(ref, "incident_entry:", &id))
		return hv_err_set(err, HV_EINVAL, "ledger entry %" PRId64 ": bad ref \"%s\"", seq,
				  ref ? ref : "");
	hv_buf_init(&b, 0);
	rc = hv_store_incident_entry_each(s, id, 0, entry_check_fn, &c, err);
	if (rc == HV_ENOENT)
		rc = hv_err_set(err, HV_EINVAL,
				"incident_entries row %" PRId64 " (ledger entry %" PRId64
				") is missing",
				id, seq);
	else if (rc == 1)
		rc = c.rc;
	if (rc == HV_OK)
		rc = hv_cases_compare(&b, body, len, "incident_entries", id, seq, err);
	hv_buf_release(&b);
	return rc;
}

static int witness_check_fn(void *ctx, const struct hv_witness_rec *r)
{
	hv_cases_witness_canonical(r, ((struct check_ctx *)ctx)->b);
	return 0;
}

static int check_witness(struct hv_store *s, int64_t seq, const char *ref, const char *body,
			 size_t len, struct hv_err *err)
{
	struct hv_buf b;
	struct check_ctx c = {.s = s, .b = &b, .err = err};
	int64_t id;
	int rc;

	if (parse_ref(ref, "witness:", &id))
		return hv_err_set(err, HV_EINVAL, "ledger entry %" PRId64 ": bad ref \"%s\"", seq,
				  ref ? ref : "");
	hv_buf_init(&b, 0);
	rc = hv_store_witness_each(s, id, 0, witness_check_fn, &c, err);
	if (rc == HV_ENOENT)
		rc = hv_err_set(err, HV_EINVAL,
				"incident_witnesses row %" PRId64 " (ledger entry %" PRId64
				") is missing",
				id, seq);
	if (rc == HV_OK)
		rc = hv_cases_compare(&b, body, len, "incident_witnesses", id, seq, err);
	hv_buf_release(&b);
	return rc;
}

/* A read is its own record: the entry must be well-formed JSON naming the record. */
static int check_read(struct hv_store *s, int64_t seq, const char *ref, const char *body,
		      size_t len, struct hv_err *err)
{
	json_t *root = json_loadb(body, len, 0, NULL);
	json_t *rec = root ? json_object_get(root, "record") : NULL;
	int rc = HV_OK;

	if (!json_is_string(rec) || !ref || strcmp(json_string_value(rec), ref) != 0)
		rc = hv_err_set(err, HV_EINVAL,
				"ledger entry %" PRId64 ": a read entry that does "
				"not name its record",
				seq);
	json_decref(root);
	return rc;
}

int hv_cases_register_kinds(struct hv_err *err)
{
	static const struct hv_ledger_kind kinds[] = {
		{"incident", check_incident},
		{"witness", check_witness},
		{"evidence", hv_cases_check_evidence},
		{"case", hv_cases_check_case},
		{"read", check_read},
	};
	int rc;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if ((rc = hv_ledger_kind_register(&kinds[i], err)))
			return rc;
	return HV_OK;
}
