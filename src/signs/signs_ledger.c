/* SPDX-License-Identifier: Apache-2.0 */
/* The signs module's entries in the evidence ledger: each lifecycle event (kind "sign_event",
 * ref "sign_event:ID", body its canonical JSON) and each read of a restricted record (kind
 * "read"); and the check `haven verify` runs on a sign_event entry. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"
#include "core/buf.h"
#include "core/clock.h"
#include "ledger/ledger.h"
#include "signs/signs_internal.h"

#define BODY_LIMIT (64u << 10)

int hv_signs_ledger_event(struct hv_store *s, const struct hv_sign_event *e, struct hv_err *err)
{
	struct hv_buf b;
	struct hv_json w;
	char ref[48];
	int rc;

	hv_buf_init(&b, BODY_LIMIT);
	hv_json_init(&w, &b, false);
	hv_signs_event_canonical(e, &w);
	snprintf(ref, sizeof(ref), "sign_event:%" PRId64, e->id);
	if (b.failed)
		rc = hv_err_set(err, HV_ELIMIT, "%s: canonical JSON too large", ref);
	else
		rc = hv_ledger_append(s, "sign_event", ref, b.data, b.len, e->recorded_ms, NULL,
				      err);
	hv_buf_release(&b);
	return rc;
}

int hv_signs_ledger_read(struct hv_store *s, const char *what, const char *ref, const char *actor,
			 struct hv_err *err)
{
	struct hv_buf b;
	struct hv_json w;
	int64_t now = hv_time_now_ms(), id = 0;
	const char *who = actor && *actor ? actor : "unknown";
	int rc;

	if ((rc = hv_store_sign_read_add(s, what, ref, who, now, &id, err)))
		return rc;
	hv_buf_init(&b, BODY_LIMIT);
	hv_json_init(&w, &b, false);
	hv_json_obj_begin(&w);
	hv_json_key(&w, "actor");
	hv_json_str(&w, who);
	hv_json_key(&w, "read_id");
	hv_json_int(&w, id);
	/* Every "read" entry names the record read as "record" (the cases module's check). */
	hv_json_key(&w, "record");
	hv_json_str(&w, ref);
	hv_json_key(&w, "ref");
	hv_json_str(&w, ref);
	hv_json_key(&w, "what");
	hv_json_str(&w, what);
	hv_json_obj_end(&w);
	rc = b.failed ? hv_err_set(err, HV_ELIMIT, "read entry too large")
		      : hv_ledger_append(s, "read", ref, b.data, b.len, now, NULL, err);
	hv_buf_release(&b);
	return rc;
}

/* haven verify: the event named by ref, recomputed from sign_events, must give body's bytes. */
static int check_event(struct hv_store *s, int64_t seq, const char *ref, const char *body,
		       size_t len, struct hv_err *err)
{
	struct hv_sign_event e;
	struct hv_buf b;
	struct hv_json w;
	char *end;
	long long id;
	int rc;

	if (!ref || strncmp(ref, "sign_event:", 11) != 0 || !ref[11])
		return hv_err_set(err, HV_EINVAL,
				  "ledger entry %" PRId64 ": ref \"%s\" is not "
				  "sign_event:ID",
				  seq, ref ? ref : "");
	id = strtoll(ref + 11, &end, 10);
	if (*end || id <= 0)
		return hv_err_set(err, HV_EINVAL,
				  "ledger entry %" PRId64 ": ref \"%s\" is not "
				  "sign_event:ID",
				  seq, ref);
	if ((rc = hv_store_sign_event_get(s, id, &e, err)))
		return rc == HV_ENOENT
			       ? hv_err_set(err, HV_EINVAL,
					    "ledger entry %" PRId64 ": sign_events row %lld "
					    "is missing",
					    seq, id)
			       : rc;
	hv_buf_init(&b, BODY_LIMIT);
	hv_json_init(&w, &b, false);
	hv_signs_event_canonical(&e, &w);
	rc = b.len == len && memcmp(b.data, body, len) == 0
		     ? HV_OK
		     : hv_err_set(err, HV_EINVAL,
				  "ledger entry %" PRId64 ": sign_events row %lld differs from the "
				  "recorded entry",
				  seq, id);
	hv_buf_release(&b);
	return rc;
}

static const struct hv_ledger_kind sign_event_kind = {.kind = "sign_event", .check = check_event};

int hv_signs_ledger_register(struct hv_err *err)
{
	return hv_ledger_kind_register(&sign_event_kind, err);
}
