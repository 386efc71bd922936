/* SPDX-License-Identifier: Apache-2.0 */
/* /api/v1/incidents, evidence uploads (streamed to the blob store), /api/v1/notices,
 * /api/v1/cases, /api/v1/dashboard and /api/v1/checklist. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/api_internal.h"
#include "cases/cases.h"
#include "cases/checklist.h"
#include "cases/evidence.h"
#include "cases/notice.h"
#include "core/clock.h"
#include "core/str.h"
#include "core/xalloc.h"
#include "http/multipart.h"
#include "store/blobs.h"
#include "web/cases_pages.h"
#include "cases/packet.h"
#include "ledger/checkpoint.h"
#include "ledger/ledger.h"

#include "core/banned.h"

#define EVIDENCE_MAX ((uint64_t)64 << 30) /* 64 GiB: a long video, not a disk-filling one */

struct hv_api_cases {
	struct hv_api *api;
	struct hv_cases_pages *pages;
	struct hv_notice_targets nt;
	struct hv_notice_config cfg;
	struct hv_notice_sender *sender;
};

#define ROLES_STAFF_LAW                                                                            \
	(HV_ROLE_BIT(HV_ROLE_STAFF) | HV_ROLE_BIT(HV_ROLE_LAW) | HV_ROLE_BIT(HV_ROLE_ADMIN))
#define ROLES_LAW (HV_ROLE_BIT(HV_ROLE_LAW) | HV_ROLE_BIT(HV_ROLE_ADMIN))

static const char *who(const struct hv_req *req)
{
	return req->user_name ? req->user_name : "api-token";
}

static bool path_id(struct hv_req *req, struct hv_resp *resp, const char *name, int64_t *id)
{
	char detail[128];

	for (size_t i = 0; i < req->n_captures; i++) {
		if (strcmp(req->captures[i].name, name) == 0 &&
		    hv_str_to_i64(hv_str_cstr(req->captures[i].value), id) && *id > 0)
			return true;
	}
	snprintf(detail, sizeof(detail), "%s: a positive whole number is expected", name);
	hv_resp_problem(resp, HV_EINVAL, detail);
	return false;
}

static bool open_store(struct hv_req *req, struct hv_resp *resp, struct hv_store **s)
{
	struct hv_err err;
	int rc;

	hv_err_clear(&err);
	if ((rc = hv_req_store(req, s, &err))) {
		hv_api_fail(resp, rc, &err);
		return false;
	}
	return true;
}

/* Finds the property of a report given by location or address, through the live lookup. */
static int resolve_place(struct hv_api *api, struct hv_incident_in *in, struct hv_err *err)
{
	const struct hv_lookup *l;
	struct hv_lookup_hit hits[8];
	size_t n;

	if (in->has_property)
		return HV_OK;
	l = hv_lookup_live_acquire(api->live);
	if (in->has_location)
		n = hv_lookup_point(l, in->lon, in->lat, HV_LOOKUP_RADIUS_M, hits, 8);
	else
		n = hv_lookup_address(l, in->address, hits, 8);
	if (n >= 1)
		in->property_id = hits[0].property_id;
	hv_lookup_live_release(api->live, l);
	if (n == 0 && in->has_location)
		return hv_err_set(err, HV_EINVAL,
				  "location: no city property within %g m of (%.6f, %.6f); give "
				  "property_id",
				  HV_LOOKUP_RADIUS_M, in->lat, in->lon);
	if (n == 0)
		return hv_err_set(err, HV_EINVAL, "address: \"%.128s\" matches no city property",
				  in->address);
	if (n > 1 && !in->has_location)
		return hv_err_set(err, HV_EINVAL,
				  "address: \"%.128s\" matches %zu properties; give property_id",
				  in->address, n);
	in->has_property = true;
	return HV_OK;
}

struct add_work {
	const struct hv_incident_in *in;
	const char *author;
	int64_t now_ms;
	const struct hv_notice_targets *nt;
	int64_t id;
};

static int add_work_fn(struct hv_store *s, void *ctx, struct hv_err *err)
{
	struct add_work *w = ctx;

	return hv_incident_add_in_tx(s, w->in, w->author, w->now_ms, w->nt, &w->id, err);
}

/* A report goes through the server's group committer when it runs (one fsync per batch, and
 * checkpoints at most a second apart), else in its own transaction. Either way it is durable
 * before the answer. */
static int add_report(struct hv_api_cases *cs, struct hv_store *s, const struct hv_incident_in *in,
		      const char *author, int64_t now_ms, int64_t *id, struct hv_err *err)
{
	struct hv_ledger_committer *c = hv_api_committer(cs->api);
	struct add_work w = {.in = in, .author = author, .now_ms = now_ms, .nt = &cs->nt};
	int rc;

	if (!c)
		return hv_incident_add(s, in, author, now_ms, &cs->nt, id, err);
	if ((rc = hv_ledger_committer_submit(c, add_work_fn, &w, err)) == HV_OK)
		*id = w.id;
	return rc;
}

static void incident_add(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_api_cases *cs = req->ctx;
	struct hv_incident_in in;
	struct hv_store *s;
	struct hv_json *w;
	struct hv_err err;
	int64_t id, now = hv_time_now_ms();
	char *loc;
	int rc;

	hv_err_clear(&err);
	if (!open_store(req, resp, &s))
		return;
	if ((rc = hv_incident_parse(req->arena, req->body, req->body_len, true, now, &in, &err)) ||
	    (rc = resolve_place(cs->api, &in, &err)) ||
	    (rc = add_report(cs, s, &in, who(req), now, &id, &err))) {
		hv_incident_in_release(&in);
		hv_api_fail(resp, rc == HV_ENOENT ? HV_EINVAL : rc, &err);
		return;
	}
	hv_incident_in_release(&in);
	hv_notice_sender_kick(cs->sender);
	loc = hv_arena_alloc(req->arena, 64);
	snprintf(loc, 64, "/api/v1/incidents/%" PRId64, id);
	hv_resp_header(resp, "Location", loc);
	w = hv_resp_json(resp, 201);
	hv_json_obj_begin(w);
	hv_json_key(w, "id");
	hv_json_int(w, id);
	hv_json_key(w, "property_id");
	hv_json_int(w, in.property_id);
	hv_json_obj_end(w);
}

static void incident_update(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_incident_in in;
	struct hv_store *s;
	struct hv_json *w;
	struct hv_err err;
	int64_t id, entry = 0, now = hv_time_now_ms();
	int rc;

	hv_err_clear(&err);
	if (!path_id(req, resp, "id", &id) || !open_store(req, resp, &s))
		return;
	if ((rc = hv_incident_parse(req->arena, req->body, req->body_len, false, now, &in, &err)) ||
	    (rc = hv_incident_update(s, id, &in, who(req), now, &entry, &err))) {
		hv_incident_in_release(&in);
		hv_api_fail(resp, rc, &err);
		return;
	}
	hv_incident_in_release(&in);
	w = hv_resp_json(resp, 201);
	hv_json_obj_begin(w);
	hv_json_key(w, "incident_id");
	hv_json_int(w, id);
	hv_json_key(w, "entry_id");
	hv_json_int(w, entry);
	hv_json_obj_end(w);
}

static void incident_get(struct hv_req *req, struct hv_resp *resp)
{
	const char *wit = hv_query_get(&req->query, "witnesses");
	struct hv_store *s;
	struct hv_err err;
	int64_t id;
	int rc;

	hv_err_clear(&err);
	if (!path_id(req, resp, "id", &id) || !open_store(req, resp, &s))
		return;
	if (wit && strcmp(wit, "1") && strcmp(wit, "0")) {
		hv_resp_problem(resp, HV_EINVAL, "witnesses: 0 or 1 is expected");
		return;
	}
	rc = hv_incident_json(s, id, wit && strcmp(wit, "1") == 0, who(req),
			      hv_role_name(req->role), hv_time_now_ms(), hv_resp_json(resp, 200),
			      &err);
	if (rc)
		hv_api_fail(resp, rc, &err);
}

static void incident_list(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_store *s;
	struct hv_err err;
	int64_t limit = 100;
	int rc;

	hv_err_clear(&err);
	if (!hv_api_param_i64(req, resp, "limit", 1, 10000, &limit) || !open_store(req, resp, &s))
		return;
	if ((rc = hv_incident_list_json(s, limit, hv_resp_json(resp, 200), &err)))
		hv_api_fail(resp, rc, &err);
}

/* ---- evidence upload: streamed ---- */

struct upload {
	int64_t incident_id, redacts;
	struct hv_blobs *blobs;
	struct hv_blob_writer *w;
	struct hv_multipart *mp;
	uint8_t *head;
	size_t head_len;
	char filename[HV_MULTIPART_FILENAME_MAX];
	int n_files;
	bool in_file, in_redacts;
	char redacts_buf[32];
	size_t redacts_len;
};

static int up_data(struct upload *u, const char *p, size_t n, struct hv_err *err)
{
	if (u->head_len < HV_EVIDENCE_HEAD_MAX) {
		size_t k = HV_EVIDENCE_HEAD_MAX - u->head_len;

		if (k > n)
			k = n;
		memcpy(u->head + u->head_len, p, k);
		u->head_len += k;
	}
	return hv_blob_writer_write(u->w, p, n, err);
}

static int mp_begin(void *ctx, const struct hv_multipart_part *part, struct hv_err *err)
{
	struct upload *u = ctx;

	if (strcmp(part->name, "redacts") == 0) {
		u->in_redacts = true;
		return HV_OK;
	}
	if (strcmp(part->name, "csrf_token") == 0)
		return HV_OK; /* the page's form carries it; the authenticator has checked it */
	if (strcmp(part->name, "file") != 0)
		return hv_err_set(err, HV_EINVAL,
				  "multipart: unknown field \"%.64s\" (expected file, redacts)",
				  part->name);
	if (++u->n_files > 1)
		return hv_err_set(err, HV_EINVAL, "multipart: one file per upload");
	snprintf(u->filename, sizeof(u->filename), "%s", part->filename);
	u->in_file = true;
	return hv_blob_writer_new(u->blobs, EVIDENCE_MAX, &u->w, err);
}

static int mp_data(void *ctx, const char *p, size_t n, struct hv_err *err)
{
	struct upload *u = ctx;

	if (u->in_file)
		return up_data(u, p, n, err);
	if (u->in_redacts) {
		if (u->redacts_len + n >= sizeof(u->redacts_buf))
			return hv_err_set(err, HV_EINVAL, "redacts: not an evidence id");
		memcpy(u->redacts_buf + u->redacts_len, p, n);
		u->redacts_len += n;
	}
	return HV_OK;
}

static int mp_end(void *ctx, struct hv_err *err)
{
	struct upload *u = ctx;

	if (u->in_redacts) {
		u->redacts_buf[u->redacts_len] = '\0';
		if (!hv_str_to_i64(hv_str_cstr(u->redacts_buf), &u->redacts) || u->redacts <= 0)
			return hv_err_set(err, HV_EINVAL,
					  "redacts: \"%.20s\" is not an evidence id",
					  u->redacts_buf);
	}
	u->in_file = u->in_redacts = false;
	return HV_OK;
}

static const struct hv_multipart_cb mp_cb = {mp_begin, mp_data, mp_end};

static int up_begin(struct hv_req *req, void **state, struct hv_err *err)
{
	struct upload *u = hv_xcalloc(1, sizeof(*u));
	struct hv_store *s;
	char dir[4096], boundary[HV_MULTIPART_BOUNDARY_MAX + 1];
	const char *v;
	int rc;

	*state = u;
	u->head = hv_xmalloc(HV_EVIDENCE_HEAD_MAX);
	for (size_t i = 0; i < req->n_captures; i++)
		if (strcmp(req->captures[i].name, "id") == 0)
			hv_str_to_i64(hv_str_cstr(req->captures[i].value), &u->incident_id);
	if (u->incident_id <= 0)
		return hv_err_set(err, HV_EINVAL, "id: a positive whole number is expected");
	if ((v = hv_query_get(&req->query, "redacts")) &&
	    (!hv_str_to_i64(hv_str_cstr(v), &u->redacts) || u->redacts <= 0))
		return hv_err_set(err, HV_EINVAL, "redacts: \"%.20s\" is not an evidence id", v);
	if ((v = hv_query_get(&req->query, "filename")))
		snprintf(u->filename, sizeof(u->filename), "%s", v);
	if ((rc = hv_req_store(req, &s, err)) ||
	    (rc = hv_cases_incident_exists(s, u->incident_id, err)) ||
	    (rc = hv_evidence_dir(s, dir, sizeof(dir), err)) ||
	    (rc = hv_blobs_open(dir, &u->blobs, err)))
		return rc;
	if (req->content_type && strncmp(req->content_type, "multipart/", 10) == 0) {
		if ((rc = hv_multipart_boundary(req->content_type, boundary, err)))
			return rc;
		u->mp = hv_multipart_new(boundary, &mp_cb, u);
		return HV_OK;
	}
	u->n_files = 1;
	return hv_blob_writer_new(u->blobs, EVIDENCE_MAX, &u->w, err);
}

static int up_chunk(struct hv_req *req, void *state, const char *p, size_t n, struct hv_err *err)
{
	struct upload *u = state;

	return u->mp ? hv_multipart_feed(u->mp, p, n, err) : up_data(u, p, n, err);
}

static void up_end(void *state)
{
	struct upload *u = state;

	if (!u)
		return;
	hv_blob_writer_abort(u->w);
	hv_multipart_free(u->mp);
	hv_blobs_free(u->blobs);
	free(u->head);
	free(u);
}

static void evidence_upload(struct hv_req *req, struct hv_resp *resp)
{
	struct upload *u = req->stream_state;
	struct hv_evidence_in in = {0};
	char sha[HV_SHA256_HEX_LEN];
	struct hv_store *s;
	struct hv_err err;
	uint64_t len = 0;
	int64_t id;
	int rc;

	hv_err_clear(&err);
	if (u->mp && (rc = hv_multipart_finish(u->mp, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	if (!u->w) {
		hv_resp_problem(resp, HV_EINVAL, "multipart: no \"file\" part");
		return;
	}
	rc = hv_blob_writer_commit(u->w, sha, &len, &err);
	u->w = NULL;
	if (rc) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	if (len == 0) {
		hv_resp_problem(resp, HV_EINVAL, "file: empty");
		return;
	}
	in.incident_id = u->incident_id;
	in.sha256 = sha;
	in.size = len;
	in.head = u->head;
	in.head_len = u->head_len;
	in.filename = u->filename[0] ? u->filename : NULL;
	in.redacts = u->redacts;
	if (!open_store(req, resp, &s))
		return;
	if ((rc = hv_evidence_add(s, &in, who(req), hv_time_now_ms(), &id, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	if ((rc = hv_evidence_json(s, id, hv_resp_json(resp, 201), &err)))
		hv_api_fail(resp, rc, &err);
}

static const struct hv_stream_ops upload_ops = {up_begin, up_chunk, up_end};

static void evidence_get(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_store *s;
	struct hv_err err;
	int64_t id;
	int rc;

	hv_err_clear(&err);
	if (!path_id(req, resp, "id", &id) || !open_store(req, resp, &s))
		return;
	if ((rc = hv_evidence_json(s, id, hv_resp_json(resp, 200), &err)))
		hv_api_fail(resp, rc, &err);
}

/* ---- notices, cases, dashboard, checklist ---- */

static int case_text(json_t *v, const char *name, size_t max, struct hv_arena *a, const char **out,
		     struct hv_err *err)
{
	if (!json_is_string(v) || json_string_length(v) > max ||
	    memchr(json_string_value(v), '\0', json_string_length(v)))
		return hv_err_set(err, HV_EINVAL, "%s: a string of at most %zu bytes is expected",
				  name, max);
	*out = hv_arena_strdup(a, json_string_value(v));
	return HV_OK;
}

int hv_api_parse_case(struct hv_arena *a, const char *body, size_t len, bool is_new,
		      struct hv_api_case_in *out, struct hv_err *err)
{
	json_t *root, *v;
	json_error_t jerr;
	const char *key;
	int rc = HV_OK;

	memset(out, 0, sizeof(*out));
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return hv_err_set(err, HV_EINVAL, "body: %s (line %d, column %d)", jerr.text,
				  jerr.line, jerr.column);
	if (!json_is_object(root)) {
		rc = hv_err_set(err, HV_EINVAL, "body: a JSON object is expected");
		goto out;
	}
	json_object_foreach(root, key, v)
	{
		if (strcmp(key, "title") == 0 && is_new) {
			rc = case_text(v, key, 500, a, &out->title, err);
		} else if (strcmp(key, "state") == 0 && !is_new) {
			rc = case_text(v, key, 32, a, &out->state, err);
		} else if (strcmp(key, "referred_to") == 0 && !is_new) {
			rc = case_text(v, key, 500, a, &out->referred_to, err);
		} else if (strcmp(key, "outcome") == 0 && !is_new) {
			rc = case_text(v, key, 2000, a, &out->outcome, err);
		} else if (strcmp(key, "note") == 0 && !is_new) {
			rc = case_text(v, key, 20000, a, &out->note, err);
		} else if (strcmp(key, "incidents") == 0) {
			if (!json_is_array(v) || json_array_size(v) > HV_API_CASE_MAX_INCIDENTS) {
				rc = hv_err_set(err, HV_EINVAL,
						"incidents: an array of at most %d ids is expected",
						HV_API_CASE_MAX_INCIDENTS);
				break;
			}
			out->incidents =
				hv_arena_calloc(a, json_array_size(v) + 1, sizeof(int64_t));
			for (size_t i = 0; i < json_array_size(v); i++) {
				json_t *e = json_array_get(v, i);

				if (!json_is_integer(e) || json_integer_value(e) <= 0) {
					rc = hv_err_set(err, HV_EINVAL,
							"incidents[%zu]: a positive integer is "
							"expected",
							i);
					break;
				}
				out->incidents[out->n_incidents++] = json_integer_value(e);
			}
		} else {
			rc = hv_err_set(err, HV_EINVAL, "body: unknown member \"%.64s\"", key);
		}
		if (rc)
			break;
	}
	if (rc == HV_OK && is_new && !out->title)
		rc = hv_err_set(err, HV_EINVAL, "title: required");
	if (rc == HV_OK && !is_new && !out->state && !out->n_incidents)
		rc = hv_err_set(err, HV_EINVAL, "state or incidents: one is required");
out:
	json_decref(root);
	return rc;
}

static void notices_list(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_store *s;
	struct hv_err err;
	int rc;

	hv_err_clear(&err);
	if (!open_store(req, resp, &s))
		return;
	if ((rc = hv_notice_list_json(s, hv_resp_json(resp, 200), &err)))
		hv_api_fail(resp, rc, &err);
}

static void cases_list(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_store *s;
	struct hv_err err;
	int rc;

	hv_err_clear(&err);
	if (!open_store(req, resp, &s))
		return;
	if ((rc = hv_case_list_json(s, hv_resp_json(resp, 200), &err)))
		hv_api_fail(resp, rc, &err);
}

static void dashboard(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_store *s;
	struct hv_err err;
	int rc;

	hv_err_clear(&err);
	if (!open_store(req, resp, &s))
		return;
	if ((rc = hv_case_dashboard_json(s, hv_resp_json(resp, 200), &err)))
		hv_api_fail(resp, rc, &err);
}

static void case_get(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_store *s;
	struct hv_err err;
	int64_t id;
	int rc;

	hv_err_clear(&err);
	if (!path_id(req, resp, "id", &id) || !open_store(req, resp, &s))
		return;
	if ((rc = hv_case_json(s, id, hv_resp_json(resp, 200), &err)))
		hv_api_fail(resp, rc, &err);
}

static void case_open(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_api_case_in in;
	struct hv_store *s;
	struct hv_json *w;
	struct hv_err err;
	int64_t id;
	int rc;

	hv_err_clear(&err);
	if (!open_store(req, resp, &s))
		return;
	if ((rc = hv_api_parse_case(req->arena, req->body, req->body_len, true, &in, &err)) ||
	    (rc = hv_case_open(s, in.title, in.incidents, in.n_incidents, who(req),
			       hv_time_now_ms(), &id, &err))) {
		hv_api_fail(resp, rc == HV_ENOENT ? HV_EINVAL : rc, &err);
		return;
	}
	w = hv_resp_json(resp, 201);
	hv_json_obj_begin(w);
	hv_json_key(w, "id");
	hv_json_int(w, id);
	hv_json_obj_end(w);
}

static void case_event(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_api_case_in in;
	struct hv_store *s;
	struct hv_err err;
	int64_t id, now = hv_time_now_ms();
	int rc = HV_OK;

	hv_err_clear(&err);
	if (!path_id(req, resp, "id", &id) || !open_store(req, resp, &s))
		return;
	if ((rc = hv_api_parse_case(req->arena, req->body, req->body_len, false, &in, &err)))
		goto fail;
	for (size_t i = 0; i < in.n_incidents && rc == HV_OK; i++)
		rc = hv_case_link(s, id, in.incidents[i], who(req), now, &err);
	if (rc == HV_OK && in.state)
		rc = hv_case_move(s, id, in.state, in.referred_to, in.outcome, in.note, who(req),
				  now, &err);
	if (rc)
		goto fail;
	if ((rc = hv_case_json(s, id, hv_resp_json(resp, 201), &err)))
		goto fail;
	return;
fail:
	hv_api_fail(resp, rc, &err);
}

static void checklist(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_warrant_doc d = {.now_ms = hv_time_now_ms()};
	struct hv_warrant_result res;
	const char *dated = hv_query_get(&req->query, "dated");
	struct hv_json *w;
	size_t n;
	const char *const *steps;

	if (!hv_checklist_parse_issuer(hv_query_get(&req->query, "issuer"), &d.issuer) ||
	    !hv_checklist_parse_signer(hv_query_get(&req->query, "signer"), &d.signer) ||
	    !hv_checklist_parse_form(hv_query_get(&req->query, "form"), &d.form) ||
	    !hv_checklist_parse_named(hv_query_get(&req->query, "names_place_or_person"),
				      &d.place_or_person) ||
	    (dated && *dated && !hv_time_parse_iso(dated, &d.dated_ms))) {
		hv_resp_problem(resp, HV_EINVAL,
				"issuer, signer, form, names_place_or_person or dated: a value is "
				"not one the checklist knows");
		return;
	}
	hv_checklist_classify(&d, &res);
	w = hv_resp_json(resp, 200);
	hv_json_obj_begin(w);
	hv_json_key(w, "answer");
	hv_json_str(w, hv_checklist_answer_code(res.answer));
	hv_json_key(w, "answer_text");
	hv_json_str(w, hv_checklist_answer_text(res.answer));
	hv_json_key(w, "why");
	hv_json_str(w, res.why);
	hv_json_key(w, "script");
	hv_json_arr_begin(w);
	steps = hv_checklist_script(hv_query_get(&req->query, "lang"), &n);
	for (size_t i = 0; i < n; i++)
		hv_json_str(w, steps[i]);
	hv_json_arr_end(w);
	hv_json_obj_end(w);
}

static const char *const limit_params[] = {"limit", NULL};
static const char *const witness_params[] = {"witnesses", NULL};
static const char *const upload_params[] = {"redacts", "filename", NULL};
static const char *const checklist_params[] = {"issuer", "signer", "form", "names_place_or_person",
					       "dated",	 "lang",   NULL};

void hv_api_cases_free(struct hv_api_cases *c)
{
	if (!c)
		return;
	hv_notice_sender_stop(c->sender);
	hv_cases_pages_free(c->pages);
	free(c);
}

/* The pages' report form files through the same path as POST /api/v1/incidents. */
static int page_file_report(void *ctx, struct hv_req *req, const char *json, size_t len,
			    int64_t *id, struct hv_err *err)
{
	struct hv_api_cases *cs = ctx;
	struct hv_incident_in in;
	struct hv_store *s;
	int64_t now = hv_time_now_ms();
	int rc;

	if ((rc = hv_req_store(req, &s, err)))
		return rc;
	if ((rc = hv_incident_parse(req->arena, json, len, true, now, &in, err)) == HV_OK &&
	    (rc = resolve_place(cs->api, &in, err)) == HV_OK)
		rc = add_report(cs, s, &in, who(req), now, id, err);
	hv_incident_in_release(&in);
	if (rc == HV_OK)
		hv_notice_sender_kick(cs->sender);
	return rc;
}

/* The case page's button: the packet goes to $HAVEN_PACKET_DIR/case-ID-TIME, signed with the
 * ledger key in $HAVEN_LEDGER_KEY. */
static int page_write_packet(void *ctx, struct hv_req *req, int64_t case_id, char *path, size_t cap,
			     struct hv_err *err)
{
	const char *dir = getenv("HAVEN_PACKET_DIR"), *key = getenv("HAVEN_LEDGER_KEY");
	struct hv_ledger_signer k;
	struct hv_store *s;
	int64_t now = hv_time_now_ms();
	int rc;

	if (!dir || !*dir || !key || !*key)
		return hv_err_set(err, HV_EINVAL,
				  "packets are not configured on this server (HAVEN_PACKET_DIR and "
				  "HAVEN_LEDGER_KEY)");
	snprintf(path, cap, "%s/case-%" PRId64 "-%" PRId64, dir, case_id, now);
	if ((rc = hv_req_store(req, &s, err)) || (rc = hv_ledger_key_load(key, &k, err)))
		return rc;
	rc = hv_packet_write(s, case_id, path, &k, now, err);
	hv_ledger_signer_wipe(&k);
	return rc;
}

int hv_api_cases_register(struct hv_api *api, struct hv_router *r, struct hv_err *err)
{
	struct hv_api_cases *c = hv_xcalloc(1, sizeof(*c));
	const struct hv_route routes[] = {
		{.method = HV_POST,
		 .pattern = "/api/v1/incidents",
		 .roles = ROLES_STAFF_LAW,
		 .params = NULL,
		 .handler = incident_add,
		 .ctx = c,
		 .summary = "File an incident report (JSON); the law department is told",
		 .body_type = "application/json"},
		{.method = HV_GET,
		 .pattern = "/api/v1/incidents",
		 .roles = ROLES_LAW,
		 .params = limit_params,
		 .handler = incident_list,
		 .ctx = c,
		 .summary = "List incident reports, newest first"},
		{.method = HV_GET,
		 .pattern = "/api/v1/incidents/{id}",
		 .roles = ROLES_LAW,
		 .params = witness_params,
		 .handler = incident_get,
		 .ctx = c,
		 .summary = "One incident report with its entries and evidence (a witness read is "
			    "logged)"},
		{.method = HV_POST,
		 .pattern = "/api/v1/incidents/{id}/entries",
		 .roles = ROLES_STAFF_LAW,
		 .params = NULL,
		 .handler = incident_update,
		 .ctx = c,
		 .summary = "Add an entry to a report (a correction is a new entry)",
		 .body_type = "application/json"},
		{.method = HV_GET,
		 .pattern = "/api/v1/evidence/{id}",
		 .roles = ROLES_LAW,
		 .params = NULL,
		 .handler = evidence_get,
		 .ctx = c,
		 .summary = "Download an evidence file (the read is logged)"},
		{.method = HV_GET,
		 .pattern = "/api/v1/notices",
		 .roles = ROLES_LAW,
		 .params = NULL,
		 .handler = notices_list,
		 .ctx = c,
		 .summary = "The notice queue: what was sent to whom, and when"},
		{.method = HV_GET,
		 .pattern = "/api/v1/cases",
		 .roles = ROLES_LAW,
		 .params = NULL,
		 .handler = cases_list,
		 .ctx = c,
		 .summary = "List cases"},
		{.method = HV_POST,
		 .pattern = "/api/v1/cases",
		 .roles = ROLES_LAW,
		 .params = NULL,
		 .handler = case_open,
		 .ctx = c,
		 .summary = "Open a case over incident reports",
		 .body_type = "application/json"},
		{.method = HV_GET,
		 .pattern = "/api/v1/cases/{id}",
		 .roles = ROLES_LAW,
		 .params = NULL,
		 .handler = case_get,
		 .ctx = c,
		 .summary = "One case with its events and incidents"},
		{.method = HV_POST,
		 .pattern = "/api/v1/cases/{id}/events",
		 .roles = ROLES_LAW,
		 .params = NULL,
		 .handler = case_event,
		 .ctx = c,
		 .summary = "Record a case event (state, referral, outcome, note)",
		 .body_type = "application/json"},
		{.method = HV_GET,
		 .pattern = "/api/v1/dashboard",
		 .roles = ROLES_LAW,
		 .params = NULL,
		 .handler = dashboard,
		 .ctx = c,
		 .summary = "Open incidents and cases for the law department"},
		{.method = HV_GET,
		 .pattern = "/api/v1/checklist",
		 .roles = HV_ROLES_STAFF_UP,
		 .params = checklist_params,
		 .handler = checklist,
		 .ctx = c,
		 .summary = "The warrant checklist: calm, lawful steps for the document shown"},
	};
	const struct hv_route upload = {.method = HV_POST,
					.pattern = "/api/v1/incidents/{id}/evidence",
					.roles = ROLES_STAFF_LAW,
					.params = upload_params,
					.handler = evidence_upload,
					.ctx = c,
					.summary = "Upload a photo or video to a report (streamed; "
						   "multipart/form-data or raw)",
					.body_type = "multipart/form-data"};
	int rc;

	c->api = api;
	api->cases = c;
	hv_notice_from_env(&c->nt, &c->cfg);
	c->nt.public_url = getenv("HAVEN_PUBLIC_URL");
	const struct hv_cases_pages_ops pops = {page_file_report, page_write_packet, c};

	if ((rc = hv_cases_register_kinds(err)) ||
	    (rc = hv_router_add_all(r, routes, sizeof(routes) / sizeof(routes[0]), err)) ||
	    (rc = hv_router_add_stream(r, &upload, &upload_ops, EVIDENCE_MAX, err)) ||
	    (rc = hv_cases_pages_register(r, &pops, &c->pages, err)))
		return rc;
	if ((c->nt.email && *c->nt.email) || (c->nt.webhook && *c->nt.webhook))
		return hv_notice_sender_start(api->db_path, &c->cfg, 0, &c->sender, err);
	return HV_OK;
}
