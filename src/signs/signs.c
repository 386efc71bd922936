/* SPDX-License-Identifier: Apache-2.0 */
/* Serials, settings, print runs, the lifecycle of a sign, measures and public verification. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"
#include "core/clock.h"
#include "core/str.h"
#include "crypto/password.h"
#include "geo/index.h"
#include "signs/signs.h"
#include "signs/signs_internal.h"
#include "signs/template.h"

/* ---- serials ---- */

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static int sym_value(char c)
{
	const char *p = strchr(crockford, c);

	return c && p ? (int)(p - crockford) : -1;
}

/* Weights 1, 3, 5, ... are odd, hence invertible mod 32: a single wrong symbol always changes
 * the sum, so the check symbol catches it. */
static char check_symbol(const char *syms, size_t n)
{
	unsigned sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += (unsigned)(2 * i + 1) * (unsigned)sym_value(syms[i]);
	return crockford[sum % 32];
}

void hv_signs_serial_new(const char *prefix, char out[HV_SIGN_SERIAL_MAX])
{
	char tok[HV_TOKEN_HEX_LEN];
	char body[9];

	hv_token_new(tok);
	for (int i = 0; i < 7; i++) {
		/* Two hex digits per symbol: 8 random bits, 5 kept. */
		unsigned v = (unsigned)strtoul((char[]){tok[2 * i], tok[2 * i + 1], 0}, NULL, 16);

		body[i] = crockford[v & 31];
	}
	body[7] = check_symbol(body, 7);
	body[8] = 0;
	snprintf(out, HV_SIGN_SERIAL_MAX, "%s-%.4s-%.4s", prefix && *prefix ? prefix : "HV", body,
		 body + 4);
}

int hv_signs_serial_parse(const char *text, char out[HV_SIGN_SERIAL_MAX], struct hv_err *err)
{
	char prefix[8] = "", body[16];
	size_t np = 0, nb = 0;
	const char *p = text;

	if (!text || !*text)
		return hv_err_set(err, HV_EINVAL, "serial: empty");
	if (strlen(text) > 40)
		return hv_err_set(err, HV_EINVAL, "serial: too long (%zu characters)",
				  strlen(text));
	while (*p == ' ')
		p++;
	while (isalpha((unsigned char)*p)) {
		if (np >= 4)
			return hv_err_set(err, HV_EINVAL,
					  "serial \"%s\": the prefix has more than 4 letters",
					  text);
		prefix[np++] = (char)toupper((unsigned char)*p);
		p++;
	}
	prefix[np] = 0;
	if (!np || *p != '-')
		return hv_err_set(err, HV_EINVAL,
				  "serial \"%s\": expected LETTERS-XXXX-XXXX (like HV-7K3M-Q9XD)",
				  text);
	for (; *p; p++) {
		char c = (char)toupper((unsigned char)*p);

		if (c == '-' || c == ' ')
			continue;
		if (c == 'O')
			c = '0';
		else if (c == 'I' || c == 'L')
			c = '1';
		if (sym_value(c) < 0)
			return hv_err_set(err, HV_EINVAL,
					  "serial \"%s\": '%c' is not a serial symbol", text,
					  isprint((unsigned char)*p) ? *p : '?');
		if (nb >= 8)
			return hv_err_set(err, HV_EINVAL, "serial \"%s\": too many symbols", text);
		body[nb++] = c;
	}
	if (nb != 8)
		return hv_err_set(err, HV_EINVAL,
				  "serial \"%s\": 8 symbols after the prefix, not %zu", text, nb);
	if (check_symbol(body, 7) != body[7])
		return hv_err_set(err, HV_EINVAL,
				  "serial \"%s\": the check symbol does not match (a typo?)", text);
	snprintf(out, HV_SIGN_SERIAL_MAX, "%s-%.4s-%.4s", prefix, body, body + 4);
	return HV_OK;
}

/* ---- settings ---- */

struct setting {
	const char *name, *def, *what;
	bool number;
};

static const struct setting settings[] = {
	{"public_url", "http://127.0.0.1:8080", "base of the URL in each sign's QR code", false},
	{"serial.prefix", "HV", "1 to 4 letters before each serial", false},
	{"order.citation", "the city's executive order on civil immigration enforcement",
	 "the order the verification page cites", false},
	{"coverage.ward_field", "Ward", "the property attribute holding the ward", false},
	{"coverage.department_field", "Department", "the property attribute holding the department",
	 false},
	{"plan.w_attempt", "10", "points per reported attempted use at or near the property", true},
	{"plan.w_incidents", "2", "points per incident within plan.radius_m", true},
	{"plan.w_area", "1", "points per hectare of lot (up to plan.area_cap_ha)", true},
	{"plan.w_staging", "5", "points at a staging site, falling to 0 at plan.staging_radius_m",
	 true},
	{"plan.w_exposure", "1", "points for an open lot (0.5 barrier or lockable, 0 locked)",
	 true},
	{"plan.near_m", "50", "an attempted use this close counts as at the property", true},
	{"plan.radius_m", "500", "incidents within this radius count", true},
	{"plan.area_cap_ha", "2", "lot size counts up to this many hectares", true},
	{"plan.staging_radius_m", "2000", "staging sites beyond this add nothing", true},
	{"optin.rate_limit", "3", "opt-in requests per hour per address or client", true},
};
#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

static const struct setting *find_setting(const char *name)
{
	for (size_t i = 0; i < N_SETTINGS; i++)
		if (strcmp(settings[i].name, name) == 0)
			return &settings[i];
	return NULL;
}

int hv_signs_setting(struct hv_store *s, const char *name, const char *def, char *out, size_t cap,
		     struct hv_err *err)
{
	int rc = hv_store_sign_setting_get(s, name, out, cap, err);

	if (rc == HV_ENOENT) {
		const struct setting *st = find_setting(name);

		hv_err_clear(err);
		snprintf(out, cap, "%s", def ? def : st ? st->def : "");
		return HV_OK;
	}
	return rc;
}

double hv_signs_setting_num(struct hv_store *s, const char *name, struct hv_err *err, int *rc)
{
	char v[64];

	if ((*rc = hv_signs_setting(s, name, NULL, v, sizeof(v), err)))
		return NAN;
	return strtod(v, NULL);
}

int hv_signs_setting_set(struct hv_store *s, const char *name, const char *value,
			 struct hv_err *err)
{
	const struct setting *st = find_setting(name);
	int rc;

	if (!st)
		return hv_err_set(err, HV_EINVAL, "setting \"%s\": no such setting", name);
	if (!value || strlen(value) > 500)
		return hv_err_set(err, HV_EINVAL, "setting %s: a value of 1 to 500 bytes", name);
	if (st->number) {
		char *end;
		double d = strtod(value, &end);

		if (!*value || *end || !isfinite(d) || d < 0)
			return hv_err_set(err, HV_EINVAL, "setting %s: \"%s\" is not a number >= 0",
					  name, value);
	}
	if (strcmp(name, "serial.prefix") == 0) {
		size_t n = strlen(value);

		for (size_t i = 0; i < n; i++)
			if (!isupper((unsigned char)value[i]))
				n = 0;
		if (n < 1 || n > 4)
			return hv_err_set(err, HV_EINVAL,
					  "setting serial.prefix: \"%s\" is not 1 to 4 capital "
					  "letters",
					  value);
	}
	if (strcmp(name, "public_url") == 0 && strncmp(value, "http://", 7) != 0 &&
	    strncmp(value, "https://", 8) != 0)
		return hv_err_set(
			err, HV_EINVAL,
			"setting public_url: \"%s\" does not start with http:// or https://",
			value);
	if ((rc = hv_store_begin(s, err)))
		return rc;
	if ((rc = hv_store_sign_setting_set(s, name, value, hv_time_now_ms(), err)) ||
	    (rc = hv_store_commit(s, err))) {
		hv_store_rollback(s);
		return rc;
	}
	return HV_OK;
}

int hv_signs_settings_json(struct hv_store *s, struct hv_json *w, struct hv_err *err)
{
	char v[512];
	int rc;

	hv_json_arr_begin(w);
	for (size_t i = 0; i < N_SETTINGS; i++) {
		if ((rc = hv_signs_setting(s, settings[i].name, NULL, v, sizeof(v), err)))
			return rc;
		hv_json_obj_begin(w);
		hv_json_key(w, "name");
		hv_json_str(w, settings[i].name);
		hv_json_key(w, "value");
		hv_json_str(w, v);
		hv_json_key(w, "default");
		hv_json_str(w, settings[i].def);
		hv_json_key(w, "description");
		hv_json_str(w, settings[i].what);
		hv_json_obj_end(w);
	}
	hv_json_arr_end(w);
	return HV_OK;
}

/* ---- events and the ledger ---- */

static void key_str(struct hv_json *w, const char *k, const char *v)
{
	hv_json_key(w, k);
	if (v && *v)
		hv_json_str(w, v);
	else
		hv_json_null(w);
}

static void key_num(struct hv_json *w, const char *k, double v, int decimals)
{
	hv_json_key(w, k);
	if (isfinite(v))
		hv_json_fixed(w, v, decimals);
	else
		hv_json_null(w);
}

void hv_signs_event_canonical(const struct hv_sign_event *e, struct hv_json *w)
{
	/* Keys in byte order, numbers at fixed precision: the same row always gives the same
	 * bytes, which is what the ledger's check recomputes. */
	hv_json_obj_begin(w);
	key_num(w, "accuracy_m", e->accuracy_m, 2);
	key_str(w, "actor", e->actor);
	key_str(w, "assignee", e->assignee);
	key_str(w, "assignee_kind", e->assignee_kind);
	hv_json_key(w, "at_ms");
	hv_json_int(w, e->at_ms);
	key_num(w, "distance_m", e->distance_m, 2);
	hv_json_key(w, "id");
	hv_json_int(w, e->id);
	key_str(w, "installer", e->installer);
	key_str(w, "kind", e->kind);
	key_num(w, "lat", e->lat, 7);
	key_num(w, "lon", e->lon, 7);
	key_str(w, "new_serial", e->new_serial);
	key_str(w, "outcome", e->outcome);
	key_str(w, "photo_sha256", e->photo_sha256);
	hv_json_key(w, "property_id");
	if (e->property_id)
		hv_json_int(w, e->property_id);
	else
		hv_json_null(w);
	key_str(w, "reason", e->reason);
	hv_json_key(w, "recorded_ms");
	hv_json_int(w, e->recorded_ms);
	key_str(w, "serial", e->serial);
	key_str(w, "state_after", e->state_after);
	hv_json_obj_end(w);
}

/* Appends e (id set by the insert) and its ledger entry, inside the caller's transaction. */
static int record_event(struct hv_store *s, struct hv_sign_event *e, struct hv_err *err)
{
	int rc;

	if ((rc = hv_store_sign_event_add(s, e, &e->id, err)))
		return rc;
	/* Read back as stored (with its sign's property): the ledger gets exactly the bytes
	 * `haven verify` recomputes from the row. */
	if ((rc = hv_store_sign_event_get(s, e->id, e, err)))
		return rc;
	return hv_signs_ledger_event(s, e, err);
}

static void event_init(struct hv_sign_event *e, const char *serial, const char *kind, int64_t at_ms,
		       const char *actor)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->serial, sizeof(e->serial), "%s", serial);
	snprintf(e->kind, sizeof(e->kind), "%s", kind);
	e->recorded_ms = hv_time_now_ms();
	e->at_ms = at_ms ? at_ms : e->recorded_ms;
	snprintf(e->actor, sizeof(e->actor), "%s", actor && *actor ? actor : "unknown");
	e->lat = e->lon = e->accuracy_m = e->distance_m = NAN;
}

/* ---- print runs ---- */

static bool in_list(const char *v, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(v, *list) == 0)
			return true;
	return false;
}

static const char *const templates[] = {"city", "private", NULL};
static const char *const sizes[] = {"letter", "tabloid", "18x24", "24x36", NULL};
static const char *const variants[] = {"lot", "building-public", "non-public", NULL};
static const char *const languages[] = {"en", "es", "pl", "zh-Hans", "zh-Hant", "ar", "ur",
					"ko", "tl", "uk", "ru",	     "hi",	NULL};

int hv_signs_job_check(const struct hv_signs_job *job, struct hv_err *err)
{
	char buf[HV_SIGN_LANGS_TEXT_MAX];
	char *save = NULL, *tok;

	if (job->template_name && !in_list(job->template_name, templates))
		return hv_err_set(err, HV_EINVAL, "template \"%s\": not city or private",
				  job->template_name);
	if (job->size && !in_list(job->size, sizes))
		return hv_err_set(err, HV_EINVAL,
				  "size \"%s\": not letter, tabloid, 18x24 or 24x36", job->size);
	if (job->variant && !in_list(job->variant, variants))
		return hv_err_set(err, HV_EINVAL,
				  "variant \"%s\": not lot, building-public or non-public",
				  job->variant);
	if (job->public_url && strncmp(job->public_url, "http://", 7) != 0 &&
	    strncmp(job->public_url, "https://", 8) != 0)
		return hv_err_set(err, HV_EINVAL, "public URL \"%s\": not http:// or https://",
				  job->public_url);
	if (job->public_url && strlen(job->public_url) >= HV_SIGN_URL_MAX - HV_SIGN_SERIAL_MAX - 4)
		return hv_err_set(err, HV_EINVAL, "public URL: too long");
	if (!job->langs)
		return HV_OK;
	if (strlen(job->langs) >= sizeof(buf) || !*job->langs)
		return hv_err_set(err, HV_EINVAL, "languages \"%s\": empty or too long",
				  job->langs);
	snprintf(buf, sizeof(buf), "%s", job->langs);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!in_list(tok, languages))
			return hv_err_set(err, HV_EINVAL,
					  "language \"%s\": not one of en es pl zh-Hans zh-Hant ar "
					  "ur ko tl uk ru hi",
					  tok);
	return HV_OK;
}

int hv_signs_issue(struct hv_store *s, const struct hv_signs_job *job, const int64_t *property_ids,
		   size_t n, size_t n_private, int64_t *run_id, char (*serials)[HV_SIGN_SERIAL_MAX],
		   struct hv_err *err)
{
	struct hv_sign_run run = {0};
	char prefix[16];
	size_t total = job->optin_id ? n_private : n;
	int rc;

	if ((rc = hv_signs_job_check(job, err)))
		return rc;
	if (!total)
		return hv_err_set(err, HV_EINVAL, "no property given: nothing to issue");
	run.created_ms = hv_time_now_ms();
	snprintf(run.actor, sizeof(run.actor), "%s", job->actor ? job->actor : "unknown");
	snprintf(run.template_name, sizeof(run.template_name), "%s",
		 job->template_name ? job->template_name : (job->optin_id ? "private" : "city"));
	snprintf(run.size, sizeof(run.size), "%s", job->size ? job->size : "letter");
	snprintf(run.variant, sizeof(run.variant), "%s", job->variant ? job->variant : "lot");
	snprintf(run.langs, sizeof(run.langs), "%s", job->langs ? job->langs : "en,es");
	if (job->public_url)
		snprintf(run.public_url, sizeof(run.public_url), "%s", job->public_url);
	else if ((rc = hv_signs_setting(s, "public_url", NULL, run.public_url,
					sizeof(run.public_url), err)))
		return rc;
	run.n_signs = (int64_t)total;
	run.optin_id = job->optin_id;
	if ((rc = hv_signs_setting(s, "serial.prefix", NULL, prefix, sizeof(prefix), err)))
		return rc;
	for (size_t i = 0; i < n && !job->optin_id; i++) {
		struct hv_property p;

		if ((rc = hv_store_property_get(s, property_ids[i], 0, &p, err)))
			return rc == HV_ENOENT ? hv_err_set(err, HV_ENOENT,
							    "property %lld: no such property",
							    (long long)property_ids[i])
					       : rc;
		if (p.removed) {
			hv_property_release(&p);
			return hv_err_set(err, HV_EINVAL,
					  "property %lld: removed from its source; no sign for it",
					  (long long)property_ids[i]);
		}
		hv_property_release(&p);
	}
	if ((rc = hv_store_sign_run_add(s, &run, run_id, err)))
		return rc;
	for (size_t i = 0; i < total; i++) {
		struct hv_sign_row row = {0};
		struct hv_sign_event e;

		for (int attempt = 0;; attempt++) {
			struct hv_sign_row old;

			hv_signs_serial_new(prefix, row.serial);
			rc = hv_store_sign_get(s, row.serial, &old, err);
			if (rc == HV_ENOENT)
				break;
			if (rc)
				return rc;
			if (attempt > 20)
				return hv_err_set(err, HV_EINTERNAL,
						  "no free serial after 20 tries");
		}
		hv_err_clear(err);
		row.run_id = *run_id;
		row.property_id = job->optin_id ? 0 : property_ids[i];
		row.optin_id = job->optin_id;
		row.issued_ms = run.created_ms;
		if ((rc = hv_store_sign_add(s, &row, err)))
			return rc;
		event_init(&e, row.serial, "issued", run.created_ms, run.actor);
		snprintf(e.state_after, sizeof(e.state_after), "issued");
		if ((rc = record_event(s, &e, err)))
			return rc;
		snprintf(serials[i], HV_SIGN_SERIAL_MAX, "%s", row.serial);
	}
	return HV_OK;
}

/* ---- the lifecycle ---- */

/* Loads the sign named by text (parsed) for a transition. */
static int load_sign(struct hv_store *s, const char *text, struct hv_sign_row *row,
		     struct hv_err *err)
{
	char serial[HV_SIGN_SERIAL_MAX];
	int rc;

	if ((rc = hv_signs_serial_parse(text, serial, err)))
		return rc;
	return hv_store_sign_get(s, serial, row, err);
}

static int refuse(const struct hv_sign_row *row, const char *what, struct hv_err *err)
{
	if (strcmp(row->state, "replaced") == 0)
		return hv_err_set(err, HV_ECONFLICT,
				  "serial %s: cannot %s: the sign was replaced by %s", row->serial,
				  what, row->replaced_by);
	return hv_err_set(err, HV_ECONFLICT, "serial %s: cannot %s a sign that is %s", row->serial,
			  what, row->state);
}

static bool state_is(const struct hv_sign_row *row, const char *a, const char *b, const char *c)
{
	return (a && strcmp(row->state, a) == 0) || (b && strcmp(row->state, b) == 0) ||
	       (c && strcmp(row->state, c) == 0);
}

static int text_ok(const char *field, const char *v, size_t cap, bool required, struct hv_err *err)
{
	if (!v || !*v)
		return required ? hv_err_set(err, HV_EINVAL, "%s: required", field) : HV_OK;
	if (strlen(v) >= cap)
		return hv_err_set(err, HV_EINVAL, "%s: longer than %zu bytes", field, cap - 1);
	if (!hv_utf8_valid(v, strlen(v)))
		return hv_err_set(err, HV_EINVAL, "%s: not valid UTF-8 text", field);
	return HV_OK;
}

static int photo_ok(const char *hex, struct hv_err *err)
{
	if (!hex || !*hex)
		return HV_OK;
	if (strlen(hex) != 64)
		return hv_err_set(err, HV_EINVAL, "photo_sha256: not 64 hex digits");
	for (const char *p = hex; *p; p++)
		if (!isdigit((unsigned char)*p) && !(*p >= 'a' && *p <= 'f'))
			return hv_err_set(err, HV_EINVAL,
					  "photo_sha256: not 64 lower-case hex digits");
	return HV_OK;
}

int hv_signs_assign_in_tx(struct hv_store *s, const char *serial, const char *to_kind,
			  const char *to, int64_t at_ms, const char *actor, struct hv_err *err)
{
	static const char *const kinds[] = {"department", "ward_office", "private_owner", NULL};
	struct hv_sign_row row;
	struct hv_sign_event e;
	int rc;

	if (!to_kind || !in_list(to_kind, kinds))
		return hv_err_set(err, HV_EINVAL,
				  "assign to \"%s\": not department, ward_office or private_owner",
				  to_kind ? to_kind : "");
	if ((rc = text_ok("assignee", to, HV_SIGN_NAME_MAX, true, err)))
		return rc;
	if ((rc = load_sign(s, serial, &row, err)))
		return rc;
	if (!state_is(&row, "issued", "assigned", NULL))
		return refuse(&row, "assign", err);
	event_init(&e, row.serial, "assigned", at_ms, actor);
	snprintf(e.assignee_kind, sizeof(e.assignee_kind), "%s", to_kind);
	snprintf(e.assignee, sizeof(e.assignee), "%s", to);
	snprintf(e.state_after, sizeof(e.state_after), "assigned");
	return record_event(s, &e, err);
}

int hv_signs_assign(struct hv_store *s, const char *serial, const char *to_kind, const char *to,
		    int64_t at_ms, const char *actor, struct hv_err *err)
{
	int rc;

	if ((rc = hv_store_begin(s, err)))
		return rc;
	if ((rc = hv_signs_assign_in_tx(s, serial, to_kind, to, at_ms, actor, err)) ||
	    (rc = hv_store_commit(s, err)))
		hv_store_rollback(s);
	return rc;
}

int hv_signs_distance_m(struct hv_store *s, int64_t property_id, double lon, double lat, double *d,
			struct hv_err *err)
{
	struct hv_property p;
	struct hv_index_builder *b = NULL;
	struct hv_index *ix = NULL;
	struct hv_index_match m[8];
	size_t n;
	int rc;

	*d = NAN;
	if ((rc = hv_store_property_get(s, property_id, 0, &p, err)))
		return rc == HV_ENOENT
			       ? hv_err_set(err, HV_ENOENT, "property %lld: no such property",
					    (long long)property_id)
			       : rc;
	b = hv_index_builder_new();
	if (p.wkb) {
		if ((rc = hv_index_builder_add_wkb(b, p.id, p.wkb, p.wkb_len, err))) {
			hv_index_builder_free(b);
			hv_property_release(&p);
			return rc;
		}
	} else if (p.has_point) {
		hv_index_builder_add_point(b, p.id, p.lon, p.lat);
	} else {
		hv_index_builder_free(b);
		hv_property_release(&p);
		return HV_OK;
	}
	ix = hv_index_build(b);
	/* The index answers "covered" exactly and the nearest boundary within a radius; 100 km
	 * is far enough to report any mistake's size. */
	n = hv_index_lookup(ix, lon, lat, 100000.0, m, 8);
	if (n == 0)
		*d = INFINITY;
	else
		*d = m[0].relation == HV_INDEX_INSIDE ? 0.0 : m[0].distance_m;
	hv_index_free(ix);
	hv_property_release(&p);
	return HV_OK;
}

int hv_signs_install_in_tx(struct hv_store *s, const struct hv_signs_install *in,
			   double *distance_m, struct hv_err *err)
{
	struct hv_sign_row row;
	struct hv_sign_event e;
	double d = NAN;
	int rc;

	if (distance_m)
		*distance_m = NAN;
	if ((rc = text_ok("installer", in->installer, HV_SIGN_NAME_MAX, true, err)) ||
	    (rc = text_ok("reason", in->reason, HV_SIGN_NOTE_MAX, in->correction, err)) ||
	    (rc = photo_ok(in->photo_sha256, err)))
		return rc;
	if (!isfinite(in->lat) || !isfinite(in->lon) || in->lat < -90 || in->lat > 90 ||
	    in->lon < -180 || in->lon > 180)
		return hv_err_set(err, HV_EINVAL, "GPS fix: lat and lon required, in range");
	if (isfinite(in->accuracy_m) && (in->accuracy_m < 0 || in->accuracy_m > 100000))
		return hv_err_set(err, HV_EINVAL, "GPS fix: accuracy %g m out of range",
				  in->accuracy_m);
	if ((rc = load_sign(s, in->serial, &row, err)))
		goto out;
	if (!(state_is(&row, "assigned", NULL, NULL) ||
	      (in->correction && state_is(&row, "installed", NULL, NULL)))) {
		if (state_is(&row, "issued", NULL, NULL))
			rc = hv_err_set(err, HV_ECONFLICT,
					"serial %s: cannot install a sign that is issued but not "
					"assigned (assign it first)",
					row.serial);
		else if (state_is(&row, "installed", NULL, NULL))
			rc = hv_err_set(err, HV_ECONFLICT,
					"serial %s: cannot install a sign that is installed "
					"(a correction needs --correction and a reason)",
					row.serial);
		else
			rc = refuse(&row, "install", err);
		goto out;
	}
	if (row.property_id) {
		if ((rc = hv_signs_distance_m(s, row.property_id, in->lon, in->lat, &d, err)))
			goto out;
		if (!(d <= HV_SIGNS_INSTALL_MAX_M) && (!in->reason || !*in->reason)) {
			if (isnan(d))
				rc = hv_err_set(err, HV_EINVAL,
						"serial %s: property %lld has no location to check "
						"the GPS fix against; a written reason is required",
						row.serial, (long long)row.property_id);
			else
				rc = hv_err_set(
					err, HV_EINVAL,
					"serial %s: the GPS fix is %.0f m outside property "
					"%lld (more than 50 m); a written reason is required",
					row.serial, d, (long long)row.property_id);
			goto out;
		}
	}
	event_init(&e, row.serial, "installed", in->at_ms, in->actor);
	snprintf(e.installer, sizeof(e.installer), "%s", in->installer);
	e.lat = in->lat;
	e.lon = in->lon;
	e.accuracy_m = in->accuracy_m;
	e.distance_m = isfinite(d) ? d : NAN;
	if (in->photo_sha256)
		snprintf(e.photo_sha256, sizeof(e.photo_sha256), "%s", in->photo_sha256);
	if (in->reason)
		snprintf(e.reason, sizeof(e.reason), "%s%s", in->correction ? "correction: " : "",
			 in->reason);
	snprintf(e.state_after, sizeof(e.state_after), "installed");
	if ((rc = record_event(s, &e, err)))
		goto out;
out:
	if (!rc && distance_m)
		*distance_m = d;
	return rc;
}

int hv_signs_install(struct hv_store *s, const struct hv_signs_install *in, double *distance_m,
		     struct hv_err *err)
{
	int rc;

	if ((rc = hv_store_begin(s, err)))
		return rc;
	if ((rc = hv_signs_install_in_tx(s, in, distance_m, err)) || (rc = hv_store_commit(s, err)))
		hv_store_rollback(s);
	return rc;
}

int hv_signs_inspect_in_tx(struct hv_store *s, const char *serial, const char *outcome,
			   int64_t at_ms, const char *note, const char *photo_sha256,
			   const char *actor, struct hv_err *err)
{
	static const char *const outcomes[] = {"ok", "damaged", "missing", "removed", NULL};
	struct hv_sign_row row;
	struct hv_sign_event e;
	int rc;

	if (!outcome || !in_list(outcome, outcomes))
		return hv_err_set(err, HV_EINVAL,
				  "outcome \"%s\": not ok, damaged, missing or removed",
				  outcome ? outcome : "");
	if ((rc = text_ok("note", note, HV_SIGN_NOTE_MAX, false, err)) ||
	    (rc = photo_ok(photo_sha256, err)))
		return rc;
	if ((rc = load_sign(s, serial, &row, err)))
		goto out;
	if (!state_is(&row, "installed", "damaged", "missing")) {
		rc = refuse(&row, "inspect", err);
		goto out;
	}
	event_init(&e, row.serial, "inspected", at_ms, actor);
	snprintf(e.outcome, sizeof(e.outcome), "%s", outcome);
	if (note)
		snprintf(e.reason, sizeof(e.reason), "%s", note);
	if (photo_sha256)
		snprintf(e.photo_sha256, sizeof(e.photo_sha256), "%s", photo_sha256);
	snprintf(e.state_after, sizeof(e.state_after), "%s",
		 strcmp(outcome, "ok") == 0 ? "installed" : outcome);
	if ((rc = record_event(s, &e, err)))
		goto out;
out:
	return rc;
}

int hv_signs_inspect(struct hv_store *s, const char *serial, const char *outcome, int64_t at_ms,
		     const char *note, const char *photo_sha256, const char *actor,
		     struct hv_err *err)
{
	int rc;

	if ((rc = hv_store_begin(s, err)))
		return rc;
	if ((rc = hv_signs_inspect_in_tx(s, serial, outcome, at_ms, note, photo_sha256, actor,
					 err)) ||
	    (rc = hv_store_commit(s, err)))
		hv_store_rollback(s);
	return rc;
}

int hv_signs_replace_in_tx(struct hv_store *s, const char *serial, const char *reason,
			   int64_t at_ms, const char *actor, char new_serial[HV_SIGN_SERIAL_MAX],
			   struct hv_err *err)
{
	struct hv_sign_row row, nrow = {0};
	struct hv_sign_run run, nrun;
	struct hv_sign_event e;
	char prefix[16];
	int rc;

	if ((rc = text_ok("reason", reason, HV_SIGN_NOTE_MAX, false, err)))
		return rc;
	if ((rc = load_sign(s, serial, &row, err)))
		goto out;
	if (state_is(&row, "replaced", NULL, NULL)) {
		rc = hv_err_set(err, HV_ECONFLICT,
				"serial %s: cannot replace a sign twice: it was replaced by %s",
				row.serial, row.replaced_by);
		goto out;
	}
	if ((rc = hv_store_sign_run_get(s, row.run_id, &run, err)) ||
	    (rc = hv_signs_setting(s, "serial.prefix", NULL, prefix, sizeof(prefix), err)))
		goto out;
	nrun = run;
	nrun.created_ms = hv_time_now_ms();
	snprintf(nrun.actor, sizeof(nrun.actor), "%s", actor && *actor ? actor : "unknown");
	nrun.n_signs = 1;
	if ((rc = hv_store_sign_run_add(s, &nrun, &nrun.id, err)))
		goto out;
	for (;;) {
		struct hv_sign_row old;

		hv_signs_serial_new(prefix, nrow.serial);
		if ((rc = hv_store_sign_get(s, nrow.serial, &old, err)) == HV_ENOENT)
			break;
		if (rc == HV_OK)
			continue;
		goto out;
	}
	hv_err_clear(err);
	nrow.run_id = nrun.id;
	nrow.property_id = row.property_id;
	nrow.optin_id = row.optin_id;
	snprintf(nrow.replaces, sizeof(nrow.replaces), "%s", row.serial);
	nrow.issued_ms = nrun.created_ms;
	if ((rc = hv_store_sign_add(s, &nrow, err)))
		goto out;
	event_init(&e, row.serial, "replaced", at_ms, actor);
	snprintf(e.new_serial, sizeof(e.new_serial), "%s", nrow.serial);
	if (reason)
		snprintf(e.reason, sizeof(e.reason), "%s", reason);
	snprintf(e.state_after, sizeof(e.state_after), "replaced");
	if ((rc = record_event(s, &e, err)))
		goto out;
	event_init(&e, nrow.serial, "issued", nrun.created_ms, actor);
	snprintf(e.reason, sizeof(e.reason), "replaces %s", row.serial);
	snprintf(e.state_after, sizeof(e.state_after), "issued");
	if ((rc = record_event(s, &e, err)))
		goto out;
out:
	if (!rc)
		snprintf(new_serial, HV_SIGN_SERIAL_MAX, "%s", nrow.serial);
	return rc;
}

int hv_signs_replace(struct hv_store *s, const char *serial, const char *reason, int64_t at_ms,
		     const char *actor, char new_serial[HV_SIGN_SERIAL_MAX], struct hv_err *err)
{
	int rc;

	if ((rc = hv_store_begin(s, err)))
		return rc;
	if ((rc = hv_signs_replace_in_tx(s, serial, reason, at_ms, actor, new_serial, err)) ||
	    (rc = hv_store_commit(s, err)))
		hv_store_rollback(s);
	return rc;
}

/* ---- show ---- */

static void event_json(struct hv_json *w, const struct hv_sign_event *e)
{
	char when[HV_TIME_ISO_MAX];

	hv_json_obj_begin(w);
	hv_json_key(w, "id");
	hv_json_int(w, e->id);
	hv_json_key(w, "kind");
	hv_json_str(w, e->kind);
	hv_time_format_iso(e->at_ms, when, sizeof(when));
	hv_json_key(w, "at");
	hv_json_str(w, when);
	hv_time_format_iso(e->recorded_ms, when, sizeof(when));
	hv_json_key(w, "recorded");
	hv_json_str(w, when);
	hv_json_key(w, "actor");
	hv_json_str(w, e->actor);
	if (*e->assignee_kind) {
		key_str(w, "assignee_kind", e->assignee_kind);
		key_str(w, "assignee", e->assignee);
	}
	if (*e->installer)
		key_str(w, "installer", e->installer);
	if (isfinite(e->lat)) {
		key_num(w, "lat", e->lat, 7);
		key_num(w, "lon", e->lon, 7);
		key_num(w, "accuracy_m", e->accuracy_m, 2);
		key_num(w, "distance_m", e->distance_m, 2);
	}
	if (*e->photo_sha256)
		key_str(w, "photo_sha256", e->photo_sha256);
	if (*e->outcome)
		key_str(w, "outcome", e->outcome);
	if (*e->reason)
		key_str(w, "reason", e->reason);
	if (*e->new_serial)
		key_str(w, "new_serial", e->new_serial);
	hv_json_key(w, "state_after");
	hv_json_str(w, e->state_after);
	hv_json_obj_end(w);
}

static int event_json_cb(void *ctx, const struct hv_sign_event *e)
{
	event_json(ctx, e);
	return 0;
}

void hv_signs_row_json(struct hv_json *w, const struct hv_sign_row *r)
{
	char when[HV_TIME_ISO_MAX];

	hv_json_key(w, "serial");
	hv_json_str(w, r->serial);
	hv_json_key(w, "state");
	hv_json_str(w, r->state);
	hv_json_key(w, "run");
	hv_json_int(w, r->run_id);
	hv_json_key(w, "property_id");
	if (r->property_id)
		hv_json_int(w, r->property_id);
	else
		hv_json_null(w);
	hv_json_key(w, "optin_id");
	if (r->optin_id)
		hv_json_int(w, r->optin_id);
	else
		hv_json_null(w);
	key_str(w, "replaces", r->replaces);
	key_str(w, "replaced_by", r->replaced_by);
	hv_time_format_iso(r->issued_ms, when, sizeof(when));
	hv_json_key(w, "issued");
	hv_json_str(w, when);
}

int hv_signs_show_json(struct hv_store *s, const char *serial, struct hv_json *w,
		       struct hv_err *err)
{
	struct hv_sign_row row;
	struct hv_sign_run run;
	int rc;

	if ((rc = load_sign(s, serial, &row, err)) ||
	    (rc = hv_store_sign_run_get(s, row.run_id, &run, err)))
		return rc;
	hv_json_obj_begin(w);
	hv_signs_row_json(w, &row);
	hv_json_key(w, "template");
	hv_json_str(w, run.template_name);
	hv_json_key(w, "size");
	hv_json_str(w, run.size);
	hv_json_key(w, "variant");
	hv_json_str(w, run.variant);
	hv_json_key(w, "langs");
	hv_json_str(w, run.langs);
	hv_json_key(w, "events");
	hv_json_arr_begin(w);
	rc = hv_store_sign_events(s, row.serial, event_json_cb, w, err);
	hv_json_arr_end(w);
	hv_json_obj_end(w);
	return rc < 0 ? rc : HV_OK;
}

/* ---- public verification ---- */

static int installed_since(void *ctx, const struct hv_sign_event *e)
{
	int64_t *ms = ctx;

	if (strcmp(e->kind, "installed") == 0)
		*ms = e->at_ms;
	return 0;
}

/* The order a sign is under (the order.citation setting when a city set one, else the citation
 * its template prints) and the sign's text in each of its languages, from its template. A
 * template that no longer loads leaves the texts out; the page still answers. */
static int template_texts(struct hv_store *s, const struct hv_sign_run *run,
			  struct hv_signs_public *out, struct hv_err *err)
{
	struct hv_sign_template *t = NULL;
	enum hv_sign_variant v = hv_sign_variant_parse(run->variant);
	int rc = hv_store_sign_setting_get(s, "order.citation", out->citation,
					   sizeof(out->citation), err);

	if (rc && rc != HV_ENOENT)
		return rc;
	hv_err_clear(err);
	if (hv_sign_template_load(s, run->template_name, 0, &t, err) == HV_OK) {
		if (rc == HV_ENOENT && t->citation) {
			snprintf(out->citation, sizeof(out->citation), "%s", t->citation);
			rc = HV_OK;
		}
		for (const char *c = run->langs; *c && out->n_texts < 12;) {
			size_t n = strcspn(c, ",");
			char tag[16];
			enum hv_sign_lang l;

			snprintf(tag, sizeof(tag), "%.*s", (int)(n < 15 ? n : 15), c);
			c += n + (c[n] == ',');
			l = hv_sign_lang_parse(tag);
			if (l == HV_LANG_COUNT || !t->texts[l].present || v == HV_VARIANT_COUNT)
				continue;
			snprintf(out->texts[out->n_texts].tag, sizeof(out->texts[0].tag), "%s",
				 tag);
			snprintf(out->texts[out->n_texts].heading, sizeof(out->texts[0].heading),
				 "%s", t->texts[l].heading ? t->texts[l].heading : "");
			snprintf(out->texts[out->n_texts].body, sizeof(out->texts[0].body), "%s",
				 t->texts[l].body[v] ? t->texts[l].body[v] : "");
			out->texts[out->n_texts].rtl = hv_sign_lang_info(l)->rtl;
			out->n_texts++;
		}
	}
	hv_sign_template_free(t);
	hv_err_clear(err);
	if (rc == HV_ENOENT)
		return hv_signs_setting(s, "order.citation", NULL, out->citation,
					sizeof(out->citation), err);
	return HV_OK;
}

int hv_signs_verify(struct hv_store *s, const char *serial_text, struct hv_signs_public *out,
		    struct hv_err *err)
{
	struct hv_sign_row row;
	struct hv_sign_run run;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = hv_signs_serial_parse(serial_text, out->serial, err)))
		return rc;
	rc = hv_store_sign_get(s, out->serial, &row, err);
	if (rc == HV_ENOENT) {
		hv_err_clear(err);
		return HV_OK;
	}
	if (rc || (rc = hv_store_sign_run_get(s, row.run_id, &run, err)))
		return rc;
	out->found = true;
	snprintf(out->state, sizeof(out->state), "%s", row.state);
	snprintf(out->replaced_by, sizeof(out->replaced_by), "%s", row.replaced_by);
	snprintf(out->langs, sizeof(out->langs), "%s", run.langs);
	snprintf(out->template_name, sizeof(out->template_name), "%s", run.template_name);
	if ((rc = template_texts(s, &run, out, err)))
		return rc;
	if (row.property_id) {
		struct hv_property p;

		if ((rc = hv_store_property_get(s, row.property_id, 0, &p, err)))
			return rc;
		snprintf(out->property_name, sizeof(out->property_name), "%s",
			 p.name ? p.name : "");
		snprintf(out->address, sizeof(out->address), "%s", p.address ? p.address : "");
		snprintf(out->kind, sizeof(out->kind), "%s", p.kind ? p.kind : "");
		hv_property_release(&p);
	} else if (row.optin_id) {
		struct hv_sign_optin o;

		if ((rc = hv_store_sign_optin_get(s, row.optin_id, &o, err)))
			return rc;
		/* The organisation and its address are on the sign itself; the contact is not
		 * public. */
		snprintf(out->property_name, sizeof(out->property_name), "%s", o.organisation);
		snprintf(out->address, sizeof(out->address), "%s", o.address);
		snprintf(out->kind, sizeof(out->kind), "%s", o.kind);
	}
	if (state_is(&row, "installed", "damaged", NULL)) {
		rc = hv_store_sign_events(s, row.serial, installed_since, &out->installed_ms, err);
		if (rc < 0)
			return rc;
	}
	return HV_OK;
}

void hv_signs_public_json(const struct hv_signs_public *p, struct hv_json *w)
{
	char when[HV_TIME_ISO_MAX];

	hv_json_obj_begin(w);
	hv_json_key(w, "serial");
	hv_json_str(w, p->serial);
	hv_json_key(w, "genuine");
	hv_json_bool(w, p->found);
	if (p->found) {
		bool replaced = strcmp(p->state, "replaced") == 0;

		hv_json_key(w, "status");
		hv_json_str(w, p->state);
		hv_json_key(w, "valid");
		hv_json_bool(w, !replaced);
		key_str(w, "replaced_by", p->replaced_by);
		hv_json_key(w, "property");
		hv_json_obj_begin(w);
		key_str(w, "name", p->property_name);
		key_str(w, "address", p->address);
		key_str(w, "kind", p->kind);
		hv_json_obj_end(w);
		hv_json_key(w, "installed_since");
		if (p->installed_ms) {
			hv_time_format_iso(p->installed_ms, when, sizeof(when));
			hv_json_strn(w, when, 10);
		} else {
			hv_json_null(w);
		}
		hv_json_key(w, "order");
		hv_json_str(w, p->citation);
		hv_json_key(w, "template");
		hv_json_str(w, p->template_name);
		hv_json_key(w, "languages");
		hv_json_arr_begin(w);
		for (const char *c = p->langs; *c;) {
			size_t n = strcspn(c, ",");

			hv_json_strn(w, c, n);
			c += n;
			if (*c == ',')
				c++;
		}
		hv_json_arr_end(w);
		hv_json_key(w, "texts");
		hv_json_arr_begin(w);
		for (size_t i = 0; i < p->n_texts; i++) {
			hv_json_obj_begin(w);
			hv_json_key(w, "lang");
			hv_json_str(w, p->texts[i].tag);
			hv_json_key(w, "heading");
			hv_json_str(w, p->texts[i].heading);
			hv_json_key(w, "body");
			hv_json_str(w, p->texts[i].body);
			hv_json_obj_end(w);
		}
		hv_json_arr_end(w);
	}
	hv_json_obj_end(w);
}

/* ---- measures ---- */

static bool hhmm(const char *p)
{
	return isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) && p[2] == ':' &&
	       isdigit((unsigned char)p[3]) && isdigit((unsigned char)p[4]) &&
	       (p[0] - '0') * 10 + (p[1] - '0') < 24 && (p[3] - '0') * 10 + (p[4] - '0') < 60;
}

int hv_signs_measure_set(struct hv_store *s, int64_t property_id, const char *barrier,
			 const char *locked_hours, const char *note, const char *actor,
			 struct hv_err *err)
{
	static const char *const barriers[] = {"none", "installed", "lockable", "locked", NULL};
	struct hv_sign_measure m = {0};
	struct hv_property p;
	int rc;

	if (!barrier || !in_list(barrier, barriers))
		return hv_err_set(err, HV_EINVAL,
				  "barrier \"%s\": not none, installed, lockable or locked",
				  barrier ? barrier : "");
	if (strcmp(barrier, "locked") == 0) {
		if (!locked_hours || strlen(locked_hours) != 11 || !hhmm(locked_hours) ||
		    locked_hours[5] != '-' || !hhmm(locked_hours + 6))
			return hv_err_set(err, HV_EINVAL,
					  "locked hours \"%s\": expected HH:MM-HH:MM, like "
					  "22:00-06:00",
					  locked_hours ? locked_hours : "");
	} else if (locked_hours && *locked_hours) {
		return hv_err_set(err, HV_EINVAL, "locked hours: only for barrier locked");
	}
	if ((rc = text_ok("note", note, HV_SIGN_NOTE_MAX, false, err)))
		return rc;
	if ((rc = hv_store_property_get(s, property_id, 0, &p, err)))
		return rc == HV_ENOENT
			       ? hv_err_set(err, HV_ENOENT, "property %lld: no such property",
					    (long long)property_id)
			       : rc;
	hv_property_release(&p);
	m.property_id = property_id;
	snprintf(m.barrier, sizeof(m.barrier), "%s", barrier);
	if (locked_hours)
		snprintf(m.locked_hours, sizeof(m.locked_hours), "%s", locked_hours);
	if (note)
		snprintf(m.note, sizeof(m.note), "%s", note);
	snprintf(m.actor, sizeof(m.actor), "%s", actor && *actor ? actor : "unknown");
	m.recorded_ms = hv_time_now_ms();
	if ((rc = hv_store_begin(s, err)))
		return rc;
	if ((rc = hv_store_sign_measure_add(s, &m, NULL, err)) || (rc = hv_store_commit(s, err)))
		hv_store_rollback(s);
	return rc;
}
