/* SPDX-License-Identifier: Apache-2.0 */
/* /api/v1/signs...: print runs, each sign's lifecycle (photos into the blob store), coverage,
 * the public map, the plan, measures, opt-in review; and GET /s/{serial}, the public
 * verification page (HTML, or JSON for Accept: application/json). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/api_internal.h"
#include "core/html.h"
#include "api/api_signs.h"
#include "core/banned.h"
#include "core/clock.h"
#include "ledger/ledger.h"
#include "registry/registry.h"
#include "signs/signs.h"
#include "store/blobs.h"

#define ROLES_WRITE (HV_ROLE_BIT(HV_ROLE_ADMIN) | HV_ROLE_BIT(HV_ROLE_FACILITIES))
#define ROLES_READ  (ROLES_WRITE | HV_ROLE_BIT(HV_ROLE_AUDITOR))
/* A photo from a phone camera, raw or base64 in an install or inspection. */
#define PHOTO_MAX_BODY ((size_t)28 << 20)

/* ---- the body parser ---- */

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int b64_decode(struct hv_arena *a, const char *s, size_t n, unsigned char **out,
		      size_t *out_len, struct hv_err *err)
{
	unsigned char *o;
	size_t k = 0, pad = 0;

	if (n % 4)
		return hv_err_set(err, HV_EINVAL, "photo_base64: length %zu is not a multiple of 4",
				  n);
	if (n / 4 * 3 > HV_SIGNS_PHOTO_MAX + 2)
		return hv_err_set(err, HV_ELIMIT, "photo_base64: the photo is over 20 MB");
	if (n && s[n - 1] == '=')
		pad++;
	if (n > 1 && s[n - 2] == '=')
		pad++;
	o = hv_arena_alloc(a, n / 4 * 3 + 1);
	for (size_t i = 0; i < n; i += 4) {
		int v[4];

		for (int j = 0; j < 4; j++) {
			bool is_pad = s[i + j] == '=' && i + 4 == n && j >= 4 - (int)pad;

			v[j] = is_pad ? 0 : b64val((unsigned char)s[i + j]);
			if (v[j] < 0)
				return hv_err_set(err, HV_EINVAL,
						  "photo_base64: not base64 at character %zu",
						  i + j);
		}
		o[k++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		o[k++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		o[k++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
	}
	k -= pad;
	if (k > HV_SIGNS_PHOTO_MAX)
		return hv_err_set(err, HV_ELIMIT, "photo_base64: the photo is over 20 MB");
	*out = o;
	*out_len = k;
	return HV_OK;
}

static bool allowed_has(const char *const *allowed, const char *name)
{
	for (; *allowed; allowed++)
		if (strcmp(*allowed, name) == 0)
			return true;
	return false;
}

struct str_member {
	const char *name;
	size_t off;
	size_t max;
};

#define SM(n, m)                                                                                   \
	{                                                                                          \
		n, offsetof(struct hv_api_sign_body, m), HV_SIGN_NAME_MAX - 1                      \
	}
#define SMT(n, m, x)                                                                               \
	{                                                                                          \
		n, offsetof(struct hv_api_sign_body, m), x                                         \
	}

static const struct str_member str_members[] = {
	SM("installer", installer),
	SMT("reason", reason, HV_SIGN_NOTE_MAX - 1),
	SMT("note", note, HV_SIGN_NOTE_MAX - 1),
	SMT("outcome", outcome, 16),
	SMT("to_kind", to_kind, 16),
	SM("to", to),
	SMT("photo_sha256", photo_sha256, 64),
	SM("ward_office", ward_office),
	SMT("langs", langs, HV_SIGN_LANGS_TEXT_MAX - 1),
	SMT("barrier", barrier, 16),
	SMT("locked_hours", locked_hours, 16),
	SMT("size", size, 16),
	SMT("variant", variant, 24),
	SMT("template", template_name, 16),
	SMT("public_url", public_url, 200),
};

static int parse_member(struct hv_arena *a, const char *key, json_t *v,
			struct hv_api_sign_body *out, struct hv_err *err)
{
	for (size_t i = 0; i < sizeof(str_members) / sizeof(str_members[0]); i++) {
		const struct str_member *m = &str_members[i];
		size_t n;

		if (strcmp(key, m->name) != 0)
			continue;
		if (json_is_null(v))
			return HV_OK;
		if (!json_is_string(v))
			return hv_err_set(err, HV_EINVAL, "%s: a string", key);
		n = json_string_length(v);
		if (n > m->max)
			return hv_err_set(err, HV_EINVAL, "%s: longer than %zu bytes", key, m->max);
		if (memchr(json_string_value(v), 0, n))
			return hv_err_set(err, HV_EINVAL, "%s: contains NUL", key);
		*(const char **)((char *)out + m->off) =
			hv_arena_strndup(a, json_string_value(v), n);
		return HV_OK;
	}
	if (strcmp(key, "lat") == 0 || strcmp(key, "lon") == 0 || strcmp(key, "accuracy_m") == 0) {
		double d, lo = key[1] == 'a' ? -90 : key[1] == 'o' ? -180 : 0;
		double hi = key[1] == 'a' ? 90 : key[1] == 'o' ? 180 : 100000;

		if (json_is_null(v) && key[0] == 'a')
			return HV_OK;
		if (!json_is_number(v))
			return hv_err_set(err, HV_EINVAL, "%s: a number", key);
		d = json_number_value(v);
		if (!isfinite(d) || d < lo || d > hi)
			return hv_err_set(err, HV_EINVAL, "%s: %g is outside %g..%g", key, d, lo,
					  hi);
		*(key[0] == 'a' ? &out->accuracy_m : key[1] == 'a' ? &out->lat : &out->lon) = d;
		return HV_OK;
	}
	if (strcmp(key, "at") == 0) {
		if (!json_is_string(v) || !hv_time_parse_iso(json_string_value(v), &out->at_ms))
			return hv_err_set(err, HV_EINVAL, "at: an ISO 8601 date or time");
		return HV_OK;
	}
	if (strcmp(key, "correction") == 0) {
		if (!json_is_boolean(v))
			return hv_err_set(err, HV_EINVAL, "correction: true or false");
		out->correction = json_is_true(v);
		return HV_OK;
	}
	if (strcmp(key, "count") == 0) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 20)
			return hv_err_set(err, HV_EINVAL, "count: an integer 1 to 20");
		out->count = json_integer_value(v);
		return HV_OK;
	}
	if (strcmp(key, "photo_base64") == 0) {
		if (!json_is_string(v))
			return hv_err_set(err, HV_EINVAL, "photo_base64: a string");
		return b64_decode(a, json_string_value(v), json_string_length(v), &out->photo,
				  &out->photo_len, err);
	}
	if (strcmp(key, "property_ids") == 0) {
		size_t n = json_array_size(v);

		if (!json_is_array(v) || n == 0)
			return hv_err_set(err, HV_EINVAL, "property_ids: a non-empty array of ids");
		if (n > HV_API_SIGNS_MAX_IDS)
			return hv_err_set(err, HV_ELIMIT, "property_ids: more than %d",
					  HV_API_SIGNS_MAX_IDS);
		out->property_ids = hv_arena_calloc(a, n, sizeof(int64_t));
		for (size_t i = 0; i < n; i++) {
			json_t *e = json_array_get(v, i);

			if (!json_is_integer(e) || json_integer_value(e) <= 0)
				return hv_err_set(err, HV_EINVAL,
						  "property_ids[%zu]: a positive integer", i);
			out->property_ids[i] = json_integer_value(e);
		}
		out->n_property_ids = n;
		return HV_OK;
	}
	return hv_err_set(err, HV_EINVAL, "%s: not a member of this body", key);
}

int hv_api_signs_parse_body(struct hv_arena *a, const char *body, size_t len,
			    const char *const *allowed, struct hv_api_sign_body *out,
			    struct hv_err *err)
{
	json_error_t jerr;
	json_t *root;
	const char *key;
	json_t *v;
	int rc = HV_OK;

	memset(out, 0, sizeof(*out));
	out->lat = out->lon = out->accuracy_m = NAN;
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return hv_err_set(err, HV_EINVAL, "body: malformed JSON at line %d column %d: %s",
				  jerr.line, jerr.column, jerr.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return hv_err_set(err, HV_EINVAL, "body: a JSON object");
	}
	json_object_foreach(root, key, v)
	{
		if (!allowed_has(allowed, key)) {
			char shown[41];

			snprintf(shown, sizeof(shown), "%s", key);
			for (char *c = shown; *c; c++)
				if ((unsigned char)*c < 0x20 || *c == '"')
					*c = '?';
			rc = hv_err_set(err, HV_EINVAL, "body: unknown member \"%s\"", shown);
			break;
		}
		if ((rc = parse_member(a, key, v, out, err)))
			break;
	}
	json_decref(root);
	return rc;
}

/* ---- helpers ---- */

static const char *actor_of(struct hv_req *req)
{
	if (req->user_name)
		return req->user_name;
	return req->role == HV_ROLE_PUBLIC ? "public" : hv_role_name(req->role);
}

static const char *capture(struct hv_req *req, const char *name)
{
	for (size_t i = 0; i < req->n_captures; i++)
		if (strcmp(req->captures[i].name, name) == 0)
			return req->captures[i].value;
	return NULL;
}

static bool body_of(struct hv_req *req, struct hv_resp *resp, const char *const *allowed,
		    struct hv_api_sign_body *b)
{
	struct hv_err err;
	int rc;

	hv_err_clear(&err);
	if ((rc = hv_api_signs_parse_body(req->arena, req->body ? req->body : "", req->body_len,
					  allowed, b, &err))) {
		hv_api_fail(resp, rc, &err);
		return false;
	}
	return true;
}

static bool store_of(struct hv_req *req, struct hv_resp *resp, struct hv_store **s)
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

/* Stores p[0..len) as a blob beside the store; hex gets its SHA-256. */
static int put_photo(struct hv_api *api, const void *p, size_t len, char hex[HV_SHA256_HEX_LEN],
		     struct hv_err *err)
{
	char dir[4096];
	struct hv_blobs *b = NULL;
	int rc;

	if (len == 0)
		return hv_err_set(err, HV_EINVAL, "photo: empty");
	if (len > HV_SIGNS_PHOTO_MAX)
		return hv_err_set(err, HV_ELIMIT, "photo: over 20 MB");
	if ((rc = hv_blobs_dir_for_store(api->db_path, dir, sizeof(dir), err)) ||
	    (rc = hv_blobs_open(dir, &b, err)))
		return rc;
	rc = hv_blobs_put(b, p, len, hex, err);
	hv_blobs_free(b);
	return rc;
}

static void ok_serial(struct hv_resp *resp, struct hv_store *s, const char *serial)
{
	struct hv_err err;
	struct hv_json *w = hv_resp_json(resp, 200);

	hv_err_clear(&err);
	if (hv_signs_show_json(s, serial, w, &err))
		hv_api_fail(resp, err.code ? err.code : HV_ESTORE, &err);
}

/* ---- lifecycle routes ---- */

typedef int (*tx_fn)(struct hv_store *s, void *ctx, struct hv_err *err);

/* Runs fn in one store transaction: the server's ledger committer's batch when it runs (one
 * durable commit for many requests), else a transaction on this thread's connection. */
static int run_tx(struct hv_req *req, tx_fn fn, void *ctx, struct hv_err *err)
{
	struct hv_ledger_committer *c = hv_api_committer(req->ctx);
	struct hv_store *s;
	int rc;

	if (c)
		return hv_ledger_committer_submit(c, fn, ctx, err);
	if ((rc = hv_req_store(req, &s, err)) || (rc = hv_store_begin(s, err)))
		return rc;
	if ((rc = fn(s, ctx, err)) || (rc = hv_store_commit(s, err)))
		hv_store_rollback(s);
	return rc;
}

struct step {
	const char *serial, *to_kind, *to, *outcome, *note, *photo, *actor;
	int64_t at_ms;
	struct hv_signs_install in;
	double distance_m;
	char new_serial[HV_SIGN_SERIAL_MAX];
};

static int assign_work(struct hv_store *s, void *ctx, struct hv_err *err)
{
	struct step *st = ctx;

	return hv_signs_assign_in_tx(s, st->serial, st->to_kind, st->to, st->at_ms, st->actor, err);
}

static int install_work(struct hv_store *s, void *ctx, struct hv_err *err)
{
	struct step *st = ctx;

	return hv_signs_install_in_tx(s, &st->in, &st->distance_m, err);
}

static int inspect_work(struct hv_store *s, void *ctx, struct hv_err *err)
{
	struct step *st = ctx;

	return hv_signs_inspect_in_tx(s, st->serial, st->outcome, st->at_ms, st->note, st->photo,
				      st->actor, err);
}

static int replace_work(struct hv_store *s, void *ctx, struct hv_err *err)
{
	struct step *st = ctx;

	return hv_signs_replace_in_tx(s, st->serial, st->note, st->at_ms, st->actor, st->new_serial,
				      err);
}

static void sign_get(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_store *s;

	if (store_of(req, resp, &s))
		ok_serial(resp, s, capture(req, "serial"));
}

static const char *const assign_members[] = {"to_kind", "to", "at", NULL};

static void sign_assign(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_api_sign_body b;
	struct step st = {0};
	struct hv_store *s;
	struct hv_err err;
	int rc;

	hv_err_clear(&err);
	if (!body_of(req, resp, assign_members, &b) || !store_of(req, resp, &s))
		return;
	st = (struct step){.serial = capture(req, "serial"),
			   .to_kind = b.to_kind,
			   .to = b.to,
			   .at_ms = b.at_ms,
			   .actor = actor_of(req)};
	if ((rc = run_tx(req, assign_work, &st, &err)))
		return hv_api_fail(resp, rc, &err);
	ok_serial(resp, s, st.serial);
}

static const char *const install_members[] = {
	"installer", "lat",	   "lon",	   "accuracy_m",   "at",
	"reason",    "correction", "photo_base64", "photo_sha256", NULL};

static void sign_install(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_api *api = req->ctx;
	struct hv_api_sign_body b;
	struct step st = {0};
	struct hv_store *s;
	struct hv_err err;
	char hex[HV_SHA256_HEX_LEN] = "";
	int rc;

	hv_err_clear(&err);
	if (!body_of(req, resp, install_members, &b) || !store_of(req, resp, &s))
		return;
	if (b.photo && (rc = put_photo(api, b.photo, b.photo_len, hex, &err)))
		return hv_api_fail(resp, rc, &err);
	st.in = (struct hv_signs_install){.serial = capture(req, "serial"),
					  .installer = b.installer,
					  .at_ms = b.at_ms,
					  .lat = b.lat,
					  .lon = b.lon,
					  .accuracy_m = b.accuracy_m,
					  .photo_sha256 = b.photo ? hex : b.photo_sha256,
					  .reason = b.reason,
					  .actor = actor_of(req),
					  .correction = b.correction};
	if ((rc = run_tx(req, install_work, &st, &err)))
		return hv_api_fail(resp, rc, &err);
	ok_serial(resp, s, st.in.serial);
}

static const char *const inspect_members[] = {"outcome",      "note",	      "at",
					      "photo_base64", "photo_sha256", NULL};

static void sign_inspect(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_api *api = req->ctx;
	struct hv_api_sign_body b;
	struct step st = {0};
	struct hv_store *s;
	struct hv_err err;
	char hex[HV_SHA256_HEX_LEN] = "";
	int rc;

	hv_err_clear(&err);
	if (!body_of(req, resp, inspect_members, &b) || !store_of(req, resp, &s))
		return;
	if (b.photo && (rc = put_photo(api, b.photo, b.photo_len, hex, &err)))
		return hv_api_fail(resp, rc, &err);
	st = (struct step){.serial = capture(req, "serial"),
			   .outcome = b.outcome,
			   .note = b.note,
			   .photo = b.photo ? hex : b.photo_sha256,
			   .at_ms = b.at_ms,
			   .actor = actor_of(req)};
	if ((rc = run_tx(req, inspect_work, &st, &err)))
		return hv_api_fail(resp, rc, &err);
	ok_serial(resp, s, st.serial);
}

static const char *const replace_members[] = {"reason", "at", NULL};

static void sign_replace(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_api_sign_body b;
	struct step st = {0};
	struct hv_store *s;
	struct hv_err err;
	int rc;

	hv_err_clear(&err);
	if (!body_of(req, resp, replace_members, &b) || !store_of(req, resp, &s))
		return;
	st = (struct step){.serial = capture(req, "serial"),
			   .note = b.reason,
			   .at_ms = b.at_ms,
			   .actor = actor_of(req)};
	if ((rc = run_tx(req, replace_work, &st, &err)))
		return hv_api_fail(resp, rc, &err);
	ok_serial(resp, s, st.new_serial);
}

/* POST /api/v1/signs/photos: the request body is the photo itself. */
static void photo_upload(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_api *api = req->ctx;
	struct hv_err err;
	char hex[HV_SHA256_HEX_LEN];
	struct hv_json *w;
	int rc;

	hv_err_clear(&err);
	if ((rc = put_photo(api, req->body, req->body_len, hex, &err)))
		return hv_api_fail(resp, rc, &err);
	w = hv_resp_json(resp, 201);
	hv_json_obj_begin(w);
	hv_json_key(w, "sha256");
	hv_json_str(w, hex);
	hv_json_key(w, "bytes");
	hv_json_int(w, (int64_t)req->body_len);
	hv_json_obj_end(w);
}

static const char *const issue_members[] = {"property_ids", "size",	  "variant", "langs",
					    "template",	    "public_url", NULL};

static void signs_issue(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_api_sign_body b;
	struct hv_signs_job job;
	struct hv_store *s;
	struct hv_err err;
	char(*serials)[HV_SIGN_SERIAL_MAX];
	struct hv_json *w;
	int64_t run_id;
	int rc;

	hv_err_clear(&err);
	if (!body_of(req, resp, issue_members, &b) || !store_of(req, resp, &s))
		return;
	if (!b.n_property_ids)
		return hv_resp_problem(resp, HV_EINVAL, "property_ids: required");
	job = (struct hv_signs_job){.template_name = b.template_name,
				    .size = b.size,
				    .variant = b.variant,
				    .langs = b.langs,
				    .public_url = b.public_url,
				    .actor = actor_of(req)};
	serials = hv_arena_calloc(req->arena, b.n_property_ids, sizeof(*serials));
	if ((rc = hv_store_begin(s, &err)) ||
	    (rc = hv_signs_issue(s, &job, b.property_ids, b.n_property_ids, 0, &run_id, serials,
				 &err)) ||
	    (rc = hv_store_commit(s, &err))) {
		hv_store_rollback(s);
		return hv_api_fail(resp, rc, &err);
	}
	w = hv_resp_json(resp, 201);
	hv_json_obj_begin(w);
	hv_json_key(w, "run");
	hv_json_int(w, run_id);
	hv_json_key(w, "signs");
	hv_json_arr_begin(w);
	for (size_t i = 0; i < b.n_property_ids; i++) {
		hv_json_obj_begin(w);
		hv_json_key(w, "serial");
		hv_json_str(w, serials[i]);
		hv_json_key(w, "property_id");
		hv_json_int(w, b.property_ids[i]);
		hv_json_obj_end(w);
	}
	hv_json_arr_end(w);
	hv_json_obj_end(w);
}

static int list_cb(void *ctx, const struct hv_sign_row *r)
{
	struct hv_json *w = ctx;

	hv_json_obj_begin(w);
	hv_signs_row_json(w, r);
	hv_json_obj_end(w);
	return 0;
}

static const char *const list_params[] = {"property", "run", "state", NULL};

static void signs_list(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_store *s;
	struct hv_err err;
	struct hv_json *w;
	int64_t property = 0, run = 0;
	int rc;

	hv_err_clear(&err);
	if (!hv_api_param_i64(req, resp, "property", 1, INT64_MAX, &property) ||
	    !hv_api_param_i64(req, resp, "run", 1, INT64_MAX, &run) || !store_of(req, resp, &s))
		return;
	w = hv_resp_json(resp, 200);
	hv_json_obj_begin(w);
	hv_json_key(w, "signs");
	hv_json_arr_begin(w);
	rc = hv_store_sign_each(s, property, run, hv_query_get(&req->query, "state"), list_cb, w,
				&err);
	hv_json_arr_end(w);
	hv_json_obj_end(w);
	if (rc < 0)
		hv_api_fail(resp, rc, &err);
}

static int run_cb(void *ctx, const struct hv_sign_run *r)
{
	struct hv_json *w = ctx;
	char when[HV_TIME_ISO_MAX];

	hv_time_format_iso(r->created_ms, when, sizeof(when));
	hv_json_obj_begin(w);
	hv_json_key(w, "id");
	hv_json_int(w, r->id);
	hv_json_key(w, "created");
	hv_json_str(w, when);
	hv_json_key(w, "actor");
	hv_json_str(w, r->actor);
	hv_json_key(w, "template");
	hv_json_str(w, r->template_name);
	hv_json_key(w, "size");
	hv_json_str(w, r->size);
	hv_json_key(w, "variant");
	hv_json_str(w, r->variant);
	hv_json_key(w, "langs");
	hv_json_str(w, r->langs);
	hv_json_key(w, "signs");
	hv_json_int(w, r->n_signs);
	hv_json_key(w, "optin");
	hv_json_bool(w, r->optin_id != 0);
	hv_json_obj_end(w);
	return 0;
}

static void runs_list(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_store *s;
	struct hv_err err;
	struct hv_json *w;
	int rc;

	hv_err_clear(&err);
	if (!store_of(req, resp, &s))
		return;
	w = hv_resp_json(resp, 200);
	hv_json_obj_begin(w);
	hv_json_key(w, "runs");
	hv_json_arr_begin(w);
	rc = hv_store_sign_run_each(s, run_cb, w, &err);
	hv_json_arr_end(w);
	hv_json_obj_end(w);
	if (rc < 0)
		hv_api_fail(resp, rc, &err);
}

/* ---- coverage, map, plan ---- */

static const char *const scope_params[] = {"scope", NULL};

static void coverage(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_signs_coverage c;
	struct hv_store *s;
	struct hv_err err;
	int rc;

	hv_err_clear(&err);
	if (!store_of(req, resp, &s))
		return;
	if ((rc = hv_signs_coverage(s, hv_query_get(&req->query, "scope"), &c, &err)))
		return hv_api_fail(resp, rc, &err);
	hv_signs_coverage_json(&c, hv_resp_json(resp, 200));
	hv_signs_coverage_release(&c);
}

static int map_cb(void *ctx, const struct hv_property *p, bool is_signed, bool gated)
{
	struct hv_json *w = ctx;

	(void)gated;
	/* The public map shows a zone and whether it is signed: no serial, no installer, no
	 * date. */
	hv_json_obj_begin(w);
	hv_json_key(w, "type");
	hv_json_str(w, "Feature");
	hv_json_key(w, "id");
	hv_json_int(w, p->id);
	hv_json_key(w, "geometry");
	if (p->wkb)
		hv_api_geojson_geometry(w, p->wkb, p->wkb_len);
	else if (p->has_point) {
		hv_json_obj_begin(w);
		hv_json_key(w, "type");
		hv_json_str(w, "Point");
		hv_json_key(w, "coordinates");
		hv_json_arr_begin(w);
		hv_json_fixed(w, p->lon, 7);
		hv_json_fixed(w, p->lat, 7);
		hv_json_arr_end(w);
		hv_json_obj_end(w);
	} else {
		hv_json_null(w);
	}
	hv_json_key(w, "properties");
	hv_json_obj_begin(w);
	hv_json_key(w, "name");
	hv_json_str(w, p->name);
	hv_json_key(w, "kind");
	hv_json_str(w, p->kind);
	hv_json_key(w, "sign_status");
	hv_json_str(w, is_signed ? "signed" : "unsigned");
	hv_json_obj_end(w);
	hv_json_obj_end(w);
	return 0;
}

static void signs_map(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_store *s;
	struct hv_err err;
	struct hv_json *w;
	int rc;

	hv_err_clear(&err);
	if (!store_of(req, resp, &s))
		return;
	w = hv_resp_json(resp, 200);
	resp->content_type = "application/geo+json";
	hv_json_obj_begin(w);
	hv_json_key(w, "type");
	hv_json_str(w, "FeatureCollection");
	hv_json_key(w, "features");
	hv_json_arr_begin(w);
	rc = hv_signs_status_each(s, hv_query_get(&req->query, "scope"), map_cb, w, &err);
	hv_json_arr_end(w);
	hv_json_obj_end(w);
	if (rc)
		hv_api_fail(resp, rc, &err);
}

static const char *const plan_params[] = {"budget", "cost", "scope", NULL};

static void plan(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_signs_plan p;
	struct hv_store *s;
	struct hv_err err;
	double budget = NAN, cost = 100;
	int rc;

	hv_err_clear(&err);
	if (!hv_api_param_double(req, resp, "budget", 0, 1e12, &budget) ||
	    !hv_api_param_double(req, resp, "cost", 0.01, 1e9, &cost))
		return;
	if (isnan(budget))
		return hv_resp_problem(resp, HV_EINVAL, "budget: required");
	if (!store_of(req, resp, &s))
		return;
	if ((rc = hv_signs_plan_make(s, hv_query_get(&req->query, "scope"), budget, cost, NULL, &p,
				     &err)))
		return hv_api_fail(resp, rc, &err);
	hv_signs_plan_json(&p, hv_resp_json(resp, 200));
	hv_signs_plan_release(&p);
}

/* ---- measures ---- */

static int measure_cb(void *ctx, const struct hv_sign_measure *m)
{
	struct hv_json *w = ctx;
	char when[HV_TIME_ISO_MAX];

	hv_time_format_iso(m->recorded_ms, when, sizeof(when));
	hv_json_obj_begin(w);
	hv_json_key(w, "recorded");
	hv_json_str(w, when);
	hv_json_key(w, "barrier");
	hv_json_str(w, m->barrier);
	hv_json_key(w, "locked_hours");
	hv_json_str(w, *m->locked_hours ? m->locked_hours : NULL);
	hv_json_key(w, "note");
	hv_json_str(w, *m->note ? m->note : NULL);
	hv_json_key(w, "actor");
	hv_json_str(w, m->actor);
	hv_json_obj_end(w);
	return 0;
}

static bool id_of(struct hv_req *req, struct hv_resp *resp, const char *name, int64_t *id)
{
	const char *v = capture(req, name);
	char *end;
	long long n = v ? strtoll(v, &end, 10) : 0;

	if (!v || !*v || *end || n <= 0) {
		hv_resp_problem(resp, HV_EINVAL, "id: not a positive integer");
		return false;
	}
	*id = n;
	return true;
}

static void measures_get(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_store *s;
	struct hv_err err;
	struct hv_json *w;
	int64_t id;
	int rc;

	hv_err_clear(&err);
	if (!id_of(req, resp, "id", &id) || !store_of(req, resp, &s))
		return;
	w = hv_resp_json(resp, 200);
	hv_json_obj_begin(w);
	hv_json_key(w, "property_id");
	hv_json_int(w, id);
	hv_json_key(w, "versions");
	hv_json_arr_begin(w);
	rc = hv_store_sign_measure_history(s, id, measure_cb, w, &err);
	hv_json_arr_end(w);
	hv_json_obj_end(w);
	if (rc < 0)
		hv_api_fail(resp, rc, &err);
}

static const char *const measure_members[] = {"barrier", "locked_hours", "note", NULL};

static void measures_post(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_api_sign_body b;
	struct hv_store *s;
	struct hv_err err;
	int64_t id;
	int rc;

	hv_err_clear(&err);
	if (!id_of(req, resp, "id", &id) || !body_of(req, resp, measure_members, &b) ||
	    !store_of(req, resp, &s))
		return;
	if ((rc = hv_signs_measure_set(s, id, b.barrier, b.locked_hours, b.note, actor_of(req),
				       &err)))
		return hv_api_fail(resp, rc, &err);
	measures_get(req, resp);
	resp->status = 201;
}

/* ---- opt-in review ---- */

static int optin_cb(void *ctx, const struct hv_sign_optin *o)
{
	struct hv_json *w = ctx;
	char when[HV_TIME_ISO_MAX];

	hv_time_format_iso(o->created_ms, when, sizeof(when));
	hv_json_obj_begin(w);
	hv_json_key(w, "id");
	hv_json_int(w, o->id);
	hv_json_key(w, "created");
	hv_json_str(w, when);
	hv_json_key(w, "organisation");
	hv_json_str(w, o->organisation);
	hv_json_key(w, "kind");
	hv_json_str(w, o->kind);
	hv_json_key(w, "address");
	hv_json_str(w, o->address);
	hv_json_key(w, "decision");
	hv_json_str(w, *o->decision ? o->decision : "pending");
	hv_json_key(w, "ward_office");
	hv_json_str(w, *o->ward_office ? o->ward_office : NULL);
	hv_json_obj_end(w);
	return 0;
}

static void optins_list(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_store *s;
	struct hv_err err;
	struct hv_json *w;
	int rc;

	hv_err_clear(&err);
	if (!store_of(req, resp, &s))
		return;
	w = hv_resp_json(resp, 200);
	hv_json_obj_begin(w);
	hv_json_key(w, "optins");
	hv_json_arr_begin(w);
	rc = hv_store_sign_optin_each(s, optin_cb, w, &err);
	hv_json_arr_end(w);
	hv_json_obj_end(w);
	if (rc < 0)
		hv_api_fail(resp, rc, &err);
}

static void optin_get(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_sign_optin o;
	struct hv_store *s;
	struct hv_err err;
	struct hv_json *w;
	int64_t id;
	int rc;

	hv_err_clear(&err);
	if (!id_of(req, resp, "id", &id) || !store_of(req, resp, &s))
		return;
	if ((rc = hv_signs_optin_read(s, id, actor_of(req), &o, &err)))
		return hv_api_fail(resp, rc, &err);
	w = hv_resp_json(resp, 200);
	hv_json_obj_begin(w);
	hv_json_key(w, "id");
	hv_json_int(w, o.id);
	hv_json_key(w, "organisation");
	hv_json_str(w, o.organisation);
	hv_json_key(w, "kind");
	hv_json_str(w, o.kind);
	hv_json_key(w, "address");
	hv_json_str(w, o.address);
	hv_json_key(w, "contact");
	hv_json_str(w, o.contact);
	hv_json_key(w, "decision");
	hv_json_str(w, *o.decision ? o.decision : "pending");
	hv_json_key(w, "read_logged");
	hv_json_bool(w, true);
	hv_json_obj_end(w);
}

static const char *const approve_members[] = {"ward_office", "count", "langs", "note", NULL};

static void optin_approve(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_api_sign_body b;
	struct hv_store *s;
	struct hv_err err;
	char(*serials)[HV_SIGN_SERIAL_MAX];
	struct hv_json *w;
	size_t n;
	int64_t id, run_id;
	int rc;

	hv_err_clear(&err);
	if (!id_of(req, resp, "id", &id) || !body_of(req, resp, approve_members, &b) ||
	    !store_of(req, resp, &s))
		return;
	n = b.count ? (size_t)b.count : 1;
	serials = hv_arena_calloc(req->arena, n, sizeof(*serials));
	if ((rc = hv_signs_optin_approve(s, id, b.ward_office, n, b.langs, actor_of(req), &run_id,
					 serials, &err)))
		return hv_api_fail(resp, rc, &err);
	w = hv_resp_json(resp, 201);
	hv_json_obj_begin(w);
	hv_json_key(w, "run");
	hv_json_int(w, run_id);
	hv_json_key(w, "ward_office");
	hv_json_str(w, b.ward_office);
	hv_json_key(w, "serials");
	hv_json_arr_begin(w);
	for (size_t i = 0; i < n; i++)
		hv_json_str(w, serials[i]);
	hv_json_arr_end(w);
	hv_json_obj_end(w);
}

static const char *const reject_members[] = {"note", NULL};

static void optin_reject(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_api_sign_body b;
	struct hv_store *s;
	struct hv_err err;
	struct hv_json *w;
	int64_t id;
	int rc;

	hv_err_clear(&err);
	if (!id_of(req, resp, "id", &id) || !body_of(req, resp, reject_members, &b) ||
	    !store_of(req, resp, &s))
		return;
	if ((rc = hv_signs_optin_reject(s, id, b.note, actor_of(req), &err)))
		return hv_api_fail(resp, rc, &err);
	w = hv_resp_json(resp, 200);
	hv_json_obj_begin(w);
	hv_json_key(w, "id");
	hv_json_int(w, id);
	hv_json_key(w, "decision");
	hv_json_str(w, "rejected");
	hv_json_obj_end(w);
}

/* ---- GET /s/{serial} ---- */

static bool wants_json(const struct hv_req *req)
{
	const char *f = hv_query_get(&req->query, "f");

	if (f)
		return strcmp(f, "json") == 0;
	return req->accept && strstr(req->accept, "application/json") &&
	       !strstr(req->accept, "text/html");
}

static const char *lang_name(const char *tag, size_t n)
{
	static const char *const names[][2] = {
		{"en", "English"},	 {"es", "Español"},	  {"pl", "Polski"},
		{"zh-Hans", "简体中文"}, {"zh-Hant", "繁體中文"}, {"ar", "العربية"},
		{"ur", "اردو"},		 {"ko", "한국어"},	  {"tl", "Tagalog"},
		{"uk", "Українська"},	 {"ru", "Русский"},	  {"hi", "हिन्दी"}};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i][0]) == n && strncmp(names[i][0], tag, n) == 0)
			return names[i][1];
	return NULL;
}

static void verify_page(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_signs_public p;
	struct hv_store *s;
	struct hv_err err;
	struct hv_buf *b = &resp->body;
	int rc;

	hv_err_clear(&err);
	if (!store_of(req, resp, &s))
		return;
	rc = hv_signs_verify(s, capture(req, "serial"), &p, &err);
	if (rc && rc != HV_EINVAL)
		return hv_api_fail(resp, rc, &err);
	if (wants_json(req)) {
		if (rc)
			return hv_api_fail(resp, rc, &err);
		hv_signs_public_json(&p, hv_resp_json(resp, p.found ? 200 : 404));
		return;
	}
	hv_resp_json(resp, rc ? 400 : p.found ? 200 : 404);
	hv_buf_reset(b);
	resp->content_type = "text/html; charset=utf-8";
	hv_buf_adds(b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
		       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		       "<title>Sign verification</title><style>body{font:16px/1.5 system-ui,"
		       "sans-serif;margin:1rem auto;max-width:40rem;padding:0 1rem}"
		       ".ok{color:#0a5c2b}.bad{color:#9b1c1c}dt{font-weight:600}</style></head>"
		       "<body><h1>Sign verification</h1>");
	if (rc) {
		hv_buf_adds(b, "<p class=\"bad\" id=\"status\">This is not a valid sign serial: ");
		hv_html_escape(b, err.msg);
		hv_buf_adds(b, "</p>");
	} else if (!p.found) {
		hv_buf_adds(b, "<p class=\"bad\" id=\"status\">Serial <b>");
		hv_html_escape(b, p.serial);
		hv_buf_adds(b,
			    "</b> is unknown: the city did not issue a sign with this serial.</p>");
	} else if (strcmp(p.state, "replaced") == 0) {
		hv_buf_adds(b, "<p class=\"bad\" id=\"status\">Sign <b>");
		hv_html_escape(b, p.serial);
		hv_buf_adds(b,
			    "</b> was issued by the city but has been <b>replaced</b> by sign <a "
			    "href=\"/s/");
		hv_html_escape(b, p.replaced_by);
		hv_buf_adds(b, "\">");
		hv_html_escape(b, p.replaced_by);
		hv_buf_adds(b, "</a>; this one is no longer valid.</p>");
	} else {
		char when[HV_TIME_ISO_MAX];

		hv_buf_adds(b, "<p class=\"ok\" id=\"status\">Sign <b>");
		hv_html_escape(b, p.serial);
		hv_buf_adds(b,
			    "</b> is <b>genuine</b>.</p><dl><dt>Property</dt><dd id=\"property\">");
		hv_html_escape(b, *p.property_name ? p.property_name : p.kind);
		hv_buf_adds(b, "</dd><dt>Address</dt><dd id=\"address\">");
		hv_html_escape(b, *p.address ? p.address : "-");
		hv_buf_adds(b, "</dd><dt>Status</dt><dd id=\"state\">");
		if (p.installed_ms) {
			hv_time_format_iso(p.installed_ms, when, sizeof(when));
			hv_buf_addf(b, "installed since %.10s", when);
			if (strcmp(p.state, "damaged") == 0)
				hv_buf_adds(b, " (reported damaged)");
		} else {
			hv_html_escape(b, strcmp(p.state, "missing") == 0 ? "reported missing"
				    : strcmp(p.state, "removed") == 0
					    ? "removed"
					    : "issued, not yet installed");
		}
		hv_buf_adds(b, "</dd><dt>Under</dt><dd id=\"order\">");
		hv_html_escape(b, p.citation);
		hv_buf_adds(b, "</dd><dt>Languages</dt><dd id=\"langs\">");
		for (const char *c = p.langs; *c;) {
			size_t n = strcspn(c, ",");
			const char *name = lang_name(c, n);

			if (c != p.langs)
				hv_buf_adds(b, ", ");
			if (name)
				hv_html_escape(b, name);
			c += n;
			if (*c == ',')
				c++;
		}
		hv_buf_adds(b, "</dd></dl><h2>What the sign says</h2>");
		for (size_t i = 0; i < p.n_texts; i++) {
			hv_buf_adds(b, "<section lang=\"");
			hv_html_escape(b, p.texts[i].tag);
			hv_buf_adds(b,
				    p.texts[i].rtl ? "\" dir=\"rtl\"><h3>" : "\" dir=\"ltr\"><h3>");
			hv_html_escape(b, p.texts[i].heading);
			hv_buf_adds(b, "</h3><p>");
			hv_html_escape(b, p.texts[i].body);
			hv_buf_adds(b, "</p></section>");
		}
	}
	hv_buf_adds(b, "</body></html>\n");
}

static const char *const verify_params[] = {"f", NULL};

int hv_api_signs_register(struct hv_api *api, struct hv_router *r, struct hv_err *err)
{
	const struct hv_route routes[] = {
		{.method = HV_GET,
		 .pattern = "/api/v1/signs",
		 .roles = ROLES_READ,
		 .params = list_params,
		 .handler = signs_list,
		 .ctx = api,
		 .summary = "Signs, filtered by property, print run or state"},
		{.method = HV_POST,
		 .pattern = "/api/v1/signs/issue",
		 .roles = ROLES_WRITE,
		 .params = NULL,
		 .handler = signs_issue,
		 .ctx = api,
		 .body_type = "application/json",
		 .summary = "Issue serials for a print run (no PDF)"},
		{.method = HV_GET,
		 .pattern = "/api/v1/signs/runs",
		 .roles = ROLES_READ,
		 .params = NULL,
		 .handler = runs_list,
		 .ctx = api,
		 .summary = "Print runs"},
		{.method = HV_GET,
		 .pattern = "/api/v1/signs/coverage",
		 .roles = ROLES_READ,
		 .params = scope_params,
		 .handler = coverage,
		 .ctx = api,
		 .summary = "Coverage by department, ward and kind: in scope, signed, gated"},
		{.method = HV_GET,
		 .pattern = "/api/v1/signs/map",
		 .roles = HV_ROLES_ANY,
		 .params = scope_params,
		 .handler = signs_map,
		 .ctx = api,
		 .summary = "Zones as GeoJSON, signed or unsigned (public)"},
		{.method = HV_GET,
		 .pattern = "/api/v1/signs/plan",
		 .roles = ROLES_READ,
		 .params = plan_params,
		 .handler = plan,
		 .ctx = api,
		 .summary = "Unsigned in-scope properties ranked for a budget, with each score's "
			    "reasons"},
		{.method = HV_POST,
		 .pattern = "/api/v1/signs/photos",
		 .roles = ROLES_WRITE,
		 .params = NULL,
		 .handler = photo_upload,
		 .ctx = api,
		 .max_body = PHOTO_MAX_BODY,
		 .flags = HV_ROUTE_BINARY,
		 .body_type = "image/*",
		 .summary = "Store a photo (raw image body) by its SHA-256"},
		{.method = HV_GET,
		 .pattern = "/api/v1/signs/optins",
		 .roles = ROLES_WRITE,
		 .params = NULL,
		 .handler = optins_list,
		 .ctx = api,
		 .summary = "Private opt-in requests"},
		{.method = HV_GET,
		 .pattern = "/api/v1/signs/optins/{id}",
		 .roles = ROLES_WRITE,
		 .params = NULL,
		 .handler = optin_get,
		 .ctx = api,
		 .summary = "One opt-in request with its restricted contact (the read is logged)"},
		{.method = HV_POST,
		 .pattern = "/api/v1/signs/optins/{id}/approve",
		 .roles = ROLES_WRITE,
		 .params = NULL,
		 .handler = optin_approve,
		 .ctx = api,
		 .body_type = "application/json",
		 .summary = "Approve an opt-in: issue private signs to the ward office"},
		{.method = HV_POST,
		 .pattern = "/api/v1/signs/optins/{id}/reject",
		 .roles = ROLES_WRITE,
		 .params = NULL,
		 .handler = optin_reject,
		 .ctx = api,
		 .body_type = "application/json",
		 .summary = "Reject an opt-in"},
		{.method = HV_GET,
		 .pattern = "/api/v1/signs/{serial}",
		 .roles = ROLES_READ,
		 .params = NULL,
		 .handler = sign_get,
		 .ctx = api,
		 .summary = "One sign with its lifecycle"},
		{.method = HV_POST,
		 .pattern = "/api/v1/signs/{serial}/assign",
		 .roles = ROLES_WRITE,
		 .params = NULL,
		 .handler = sign_assign,
		 .ctx = api,
		 .body_type = "application/json",
		 .summary = "Assign a sign to a department, ward office or private owner"},
		{.method = HV_POST,
		 .pattern = "/api/v1/signs/{serial}/install",
		 .roles = ROLES_WRITE,
		 .params = NULL,
		 .handler = sign_install,
		 .ctx = api,
		 .max_body = PHOTO_MAX_BODY,
		 .body_type = "application/json",
		 .summary = "Record an installation (installer, time, GPS fix, photo)"},
		{.method = HV_POST,
		 .pattern = "/api/v1/signs/{serial}/inspect",
		 .roles = ROLES_WRITE,
		 .params = NULL,
		 .handler = sign_inspect,
		 .ctx = api,
		 .max_body = PHOTO_MAX_BODY,
		 .body_type = "application/json",
		 .summary = "Record an inspection (ok, damaged, missing, removed)"},
		{.method = HV_POST,
		 .pattern = "/api/v1/signs/{serial}/replace",
		 .roles = ROLES_WRITE,
		 .params = NULL,
		 .handler = sign_replace,
		 .ctx = api,
		 .body_type = "application/json",
		 .summary = "Replace a sign with a new serial"},
		{.method = HV_GET,
		 .pattern = "/api/v1/properties/{id}/measures",
		 .roles = ROLES_READ,
		 .params = NULL,
		 .handler = measures_get,
		 .ctx = api,
		 .summary = "A property's physical measures (gate or barrier)"},
		{.method = HV_POST,
		 .pattern = "/api/v1/properties/{id}/measures",
		 .roles = ROLES_WRITE,
		 .params = NULL,
		 .handler = measures_post,
		 .ctx = api,
		 .body_type = "application/json",
		 .summary = "Record a property's physical measure (a new version)"},
		{.method = HV_GET,
		 .pattern = "/s/{serial}",
		 .roles = HV_ROLES_ANY,
		 .params = verify_params,
		 .handler = verify_page,
		 .ctx = api,
		 .flags = HV_ROUTE_PAGE,
		 .summary = "The public verification page of a sign"},
	};
	int rc;

	if ((rc = hv_signs_ledger_register(err)))
		return rc;
	return hv_router_add_all(r, routes, sizeof(routes) / sizeof(routes[0]), err);
}
