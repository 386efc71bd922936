/* SPDX-License-Identifier: Apache-2.0 */
/* Private opt-in: the public form's body, the stored request (its contact restricted), the rate
 * limit per address and client, staff approval issuing "private" signs to a ward office. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/banned.h"
#include "core/clock.h"
#include "core/str.h"
#include "crypto/sha256.h"
#include "signs/signs_internal.h"

#define FIELD_MAX 250

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes one form-urlencoded token into an arena string; NULL on a bad escape or NUL. */
static char *form_decode(struct hv_arena *a, const char *p, size_t n)
{
	char *out = hv_arena_alloc(a, n + 1);
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '+') {
			out[k++] = ' ';
		} else if (p[i] == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return NULL;
			hi = hexval(p[i + 1]);
			lo = hexval(p[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return NULL;
			out[k++] = (char)(hi * 16 + lo);
			i += 2;
		} else if (p[i] == 0) {
			return NULL;
		} else {
			out[k++] = p[i];
		}
	}
	out[k] = 0;
	return out;
}

static char *trimmed(char *s)
{
	size_t n;

	while (*s && isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	return s;
}

int hv_signs_optin_parse(struct hv_arena *a, const char *body, size_t len,
			 struct hv_signs_optin_form *out, struct hv_err *err)
{
	static const char *const kinds[] = {"business", "church", "clinic", "nonprofit", "other"};
	const char **slots[] = {&out->organisation, &out->kind, &out->address, &out->contact};
	static const char *const names[] = {"organisation", "kind", "address", "contact"};
	const char *consent = NULL;
	size_t i = 0;
	bool kind_ok = false;

	memset(out, 0, sizeof(*out));
	if (len > HV_SIGNS_OPTIN_BODY_MAX)
		return hv_err_set(err, HV_ELIMIT, "form: more than %d bytes",
				  HV_SIGNS_OPTIN_BODY_MAX);
	while (i < len) {
		size_t end = i, eq;
		char *name, *value;
		bool known = false;

		while (end < len && body[end] != '&')
			end++;
		if (end == i) {
			i++;
			continue;
		}
		for (eq = i; eq < end && body[eq] != '='; eq++)
			;
		name = form_decode(a, body + i, eq - i);
		value = form_decode(a, body + (eq < end ? eq + 1 : end),
				    eq < end ? end - eq - 1 : 0);
		if (!name || !value)
			return hv_err_set(err, HV_EINVAL, "form: a badly encoded field at byte %zu",
					  i);
		if (!hv_utf8_valid(name, strlen(name)) || !hv_utf8_valid(value, strlen(value)))
			return hv_err_set(err, HV_EINVAL, "form: field at byte %zu is not UTF-8",
					  i);
		for (size_t k = 0; k < 4; k++) {
			if (strcmp(name, names[k]) != 0)
				continue;
			known = true;
			if (*slots[k])
				return hv_err_set(err, HV_EINVAL, "%s: given twice", names[k]);
			if (strlen(value) > FIELD_MAX)
				return hv_err_set(err, HV_EINVAL, "%s: longer than %d bytes",
						  names[k], FIELD_MAX);
			*slots[k] = trimmed(value);
		}
		if (strcmp(name, "consent") == 0) {
			known = true;
			consent = value;
		}
		if (strcmp(name, "csrf") == 0 || strcmp(name, "csrf_token") == 0)
			known = true;
		if (!known) {
			if (strlen(name) > 40)
				name[40] = 0;
			for (char *c = name; *c; c++)
				if (!isprint((unsigned char)*c))
					*c = '?';
			return hv_err_set(err, HV_EINVAL, "form: unknown field \"%s\"", name);
		}
		i = end + 1;
	}
	for (size_t k = 0; k < 4; k++)
		if (!*slots[k] || !**slots[k])
			return hv_err_set(err, HV_EINVAL, "%s: required", names[k]);
	for (size_t k = 0; k < 5; k++)
		kind_ok |= strcmp(out->kind, kinds[k]) == 0;
	if (!kind_ok) {
		char shown[41];

		snprintf(shown, sizeof(shown), "%s", out->kind);
		for (char *c = shown; *c; c++)
			if (!isprint((unsigned char)*c))
				*c = '?';
		return hv_err_set(err, HV_EINVAL,
				  "kind \"%s\": not business, church, clinic, nonprofit or other",
				  shown);
	}
	if (!consent || (strcmp(consent, "on") != 0 && strcmp(consent, "yes") != 0 &&
			 strcmp(consent, "1") != 0))
		return hv_err_set(err, HV_EINVAL,
				  "consent: required (tick the box to agree to the sign and to "
				  "being contacted)");
	out->consent = true;
	return HV_OK;
}

/* Lower case, letters and digits, single spaces: "123  N. Main St" -> "123 n main st". */
static void address_key(const char *in, char *out, size_t cap)
{
	size_t k = 0;
	bool space = false;

	for (const char *p = in; *p && k + 2 < cap; p++) {
		unsigned char c = (unsigned char)*p;

		if (isalnum(c) || c >= 0x80) {
			if (space && k)
				out[k++] = ' ';
			space = false;
			out[k++] = (char)tolower(c);
		} else {
			space = true;
		}
	}
	out[k] = 0;
}

int hv_signs_optin_submit(struct hv_store *s, const struct hv_signs_optin_form *f,
			  const char *client_addr, int64_t *id, struct hv_err *err)
{
	struct hv_sign_optin o = {0};
	uint8_t d[HV_SHA256_LEN];
	int64_t n = 0;
	double limit;
	int rc;

	if (!f->consent)
		return hv_err_set(err, HV_EINVAL, "consent: required");
	limit = hv_signs_setting_num(s, "optin.rate_limit", err, &rc);
	if (rc)
		return rc;
	o.created_ms = hv_time_now_ms();
	snprintf(o.organisation, sizeof(o.organisation), "%s", f->organisation);
	snprintf(o.kind, sizeof(o.kind), "%s", f->kind);
	snprintf(o.address, sizeof(o.address), "%s", f->address);
	snprintf(o.contact, sizeof(o.contact), "%s", f->contact);
	address_key(f->address, o.address_key, sizeof(o.address_key));
	hv_sha256(client_addr ? client_addr : "", client_addr ? strlen(client_addr) : 0, d);
	hv_sha256_hex(d, o.client_hash);
	if ((rc = hv_store_begin(s, err)))
		return rc;
	if ((rc = hv_store_sign_optin_recent(s, o.address_key, o.client_hash,
					     o.created_ms - 3600 * 1000, &n, err)))
		goto out;
	if ((double)n >= limit) {
		rc = hv_err_set(err, HV_ELIMIT,
				"too many opt-in requests for this address or from this "
				"connection in the last hour; please try again later");
		goto out;
	}
	if ((rc = hv_store_sign_optin_add(s, &o, id, err)))
		goto out;
	rc = hv_store_commit(s, err);
out:
	if (rc)
		hv_store_rollback(s);
	return rc;
}

int hv_signs_optin_read(struct hv_store *s, int64_t id, const char *actor,
			struct hv_sign_optin *out, struct hv_err *err)
{
	char ref[64];
	int rc;

	snprintf(ref, sizeof(ref), "sign_optin:%lld", (long long)id);
	if ((rc = hv_store_begin(s, err)))
		return rc;
	if ((rc = hv_store_sign_optin_get(s, id, out, err)) ||
	    (rc = hv_signs_ledger_read(s, "optin_contact", ref, actor, err)) ||
	    (rc = hv_store_commit(s, err)))
		hv_store_rollback(s);
	return rc;
}

int hv_signs_optin_approve(struct hv_store *s, int64_t id, const char *ward_office, size_t n,
			   const char *langs, const char *actor, int64_t *run_id,
			   char (*serials)[HV_SIGN_SERIAL_MAX], struct hv_err *err)
{
	struct hv_signs_job job = {
		.template_name = "private", .langs = langs, .actor = actor, .optin_id = id};
	struct hv_sign_optin o;
	int rc;

	if (!ward_office || !*ward_office || strlen(ward_office) >= HV_SIGN_NAME_MAX)
		return hv_err_set(err, HV_EINVAL, "ward office: required (up to %d bytes)",
				  HV_SIGN_NAME_MAX - 1);
	if (n < 1 || n > 20)
		return hv_err_set(err, HV_EINVAL, "count %zu: 1 to 20 signs per request", n);
	if ((rc = hv_store_begin(s, err)))
		return rc;
	if ((rc = hv_store_sign_optin_get(s, id, &o, err)))
		goto out;
	if (*o.decision) {
		rc = hv_err_set(err, HV_ECONFLICT, "opt-in %lld: already %s", (long long)id,
				o.decision);
		goto out;
	}
	if ((rc = hv_signs_issue(s, &job, NULL, 0, n, run_id, serials, err)) ||
	    (rc = hv_store_sign_optin_decide(s, id, "approved", ward_office, *run_id,
					     actor ? actor : "unknown", NULL, hv_time_now_ms(),
					     err)))
		goto out;
	/* Each sign goes to the ward office for pick-up: one assign event per sign, in the same
	 * transaction as the run. */
	for (size_t i = 0; i < n; i++)
		if ((rc = hv_signs_assign_in_tx(s, serials[i], "ward_office", ward_office, 0, actor,
						err)))
			goto out;
	if ((rc = hv_store_commit(s, err)))
		goto out;
	return HV_OK;
out:
	hv_store_rollback(s);
	return rc;
}

int hv_signs_optin_reject(struct hv_store *s, int64_t id, const char *note, const char *actor,
			  struct hv_err *err)
{
	struct hv_sign_optin o;
	int rc;

	if (note && strlen(note) >= HV_SIGN_NOTE_MAX)
		return hv_err_set(err, HV_EINVAL, "note: longer than %d bytes",
				  HV_SIGN_NOTE_MAX - 1);
	if ((rc = hv_store_begin(s, err)))
		return rc;
	if ((rc = hv_store_sign_optin_get(s, id, &o, err)))
		goto out;
	if (*o.decision) {
		rc = hv_err_set(err, HV_ECONFLICT, "opt-in %lld: already %s", (long long)id,
				o.decision);
		goto out;
	}
	if ((rc = hv_store_sign_optin_decide(s, id, "rejected", NULL, 0, actor ? actor : "unknown",
					     note, hv_time_now_ms(), err)) ||
	    (rc = hv_store_commit(s, err)))
		goto out;
	return HV_OK;
out:
	hv_store_rollback(s);
	return rc;
}
