/* SPDX-License-Identifier: Apache-2.0 */
/* Cases (law role): triage -> under review -> referred -> closed, as append-only events, each
 * with its ledger entry; the dashboard of open cases and reports by property and week. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cases/cases_internal.h"
#include "core/clock.h"
#include "core/str.h"
#include "ledger/ledger.h"

#include "core/banned.h"

static const char *const states[] = {"triage", "under-review", "referred", "closed"};

static int state_rank(const char *s)
{
	for (int i = 0; s && i < 4; i++)
		if (strcmp(states[i], s) == 0)
			return i;
	return -1;
}

void hv_cases_event_canonical(const struct hv_case_event_rec *r, struct hv_buf *out)
{
	struct hv_json w;

	hv_json_init(&w, out, false);
	hv_json_obj_begin(&w);
	hv_json_key(&w, "case");
	hv_json_int(&w, r->case_id);
	hv_json_key(&w, "event");
	hv_json_int(&w, r->id);
	hv_json_key(&w, "kind");
	hv_json_str(&w, r->kind);
	hv_json_key(&w, "state");
	hv_json_str(&w, r->state);
	hv_json_key(&w, "referred_to");
	hv_json_str(&w, r->referred_to);
	hv_json_key(&w, "outcome");
	hv_json_str(&w, r->outcome);
	hv_json_key(&w, "incident");
	if (r->incident_id)
		hv_json_int(&w, r->incident_id);
	else
		hv_json_null(&w);
	hv_json_key(&w, "note");
	hv_json_str(&w, r->note);
	hv_json_key(&w, "author");
	hv_json_str(&w, r->author);
	hv_json_key(&w, "recorded_ms");
	hv_json_int(&w, r->recorded_ms);
	hv_json_obj_end(&w);
}

static int add_event(struct hv_store *s, struct hv_case_event_rec *e, struct hv_err *err)
{
	struct hv_buf b;
	char ref[64];
	int rc;

	if ((rc = hv_store_case_event_add(s, e, &e->id, err)))
		return rc;
	hv_buf_init(&b, 0);
	hv_cases_event_canonical(e, &b);
	snprintf(ref, sizeof(ref), "case_event:%" PRId64, e->id);
	rc = hv_ledger_append(s, "case", ref, b.data, b.len, e->recorded_ms, NULL, err);
	hv_buf_release(&b);
	return rc;
}

static int incident_found(void *ctx, const struct hv_incident_rec *r)
{
	return 0;
}

static int check_incident_exists(struct hv_store *s, int64_t id, struct hv_err *err)
{
	int rc = hv_store_incident_get(s, id, incident_found, NULL, err);

	if (rc == HV_ENOENT)
		return hv_err_set(err, HV_ENOENT, "incident %" PRId64 ": no such incident", id);
	return rc;
}

static int check_text(const char *name, const char *v, size_t max, bool required,
		      struct hv_err *err)
{
	if (!v || !*v)
		return required ? hv_err_set(err, HV_EINVAL, "%s: required", name) : HV_OK;
	if (strlen(v) > max || !hv_utf8_valid(v, strlen(v)))
		return hv_err_set(err, HV_EINVAL, "%s: at most %zu bytes of UTF-8", name, max);
	return HV_OK;
}

int hv_case_open(struct hv_store *s, const char *title, const int64_t *incidents, size_t n,
		 const char *author, int64_t now_ms, int64_t *id, struct hv_err *err)
{
	struct hv_case_rec c = {.title = title, .created_by = author, .created_ms = now_ms};
	struct hv_case_event_rec e = {
		.kind = "open", .state = "triage", .author = author, .recorded_ms = now_ms};
	int rc;

	if ((rc = check_text("title", title, 500, true, err)))
		return rc;
	if ((rc = hv_store_begin(s, err)))
		return rc;
	if ((rc = hv_store_case_add(s, &c, &c.id, err)))
		goto fail;
	e.case_id = c.id;
	if ((rc = add_event(s, &e, err)))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		struct hv_case_event_rec l = {.case_id = c.id,
					      .kind = "link",
					      .incident_id = incidents[i],
					      .author = author,
					      .recorded_ms = now_ms};

		if ((rc = check_incident_exists(s, incidents[i], err)) ||
		    (rc = add_event(s, &l, err)))
			goto fail;
	}
	if ((rc = hv_store_commit(s, err)))
		goto fail;
	*id = c.id;
	return HV_OK;
fail:
	hv_store_rollback(s);
	return rc;
}

struct state_ctx {
	char state[32];
};

static int state_fn(void *ctx, const struct hv_case_rec *r)
{
	snprintf(((struct state_ctx *)ctx)->state, 32, "%s", r->state ? r->state : "");
	return 0;
}

int hv_case_move(struct hv_store *s, int64_t id, const char *state, const char *referred_to,
		 const char *outcome, const char *note, const char *author, int64_t now_ms,
		 struct hv_err *err)
{
	struct hv_case_event_rec e = {.case_id = id,
				      .kind = "state",
				      .state = state,
				      .referred_to = referred_to,
				      .outcome = outcome,
				      .note = note,
				      .author = author,
				      .recorded_ms = now_ms};
	struct state_ctx cur = {{0}};
	int to = state_rank(state), rc;

	if (to < 0)
		return hv_err_set(err, HV_EINVAL, "state: \"%.32s\" is not one of %s",
				  state ? state : "", HV_CASE_STATES);
	if ((rc = check_text("referred_to", referred_to, 500, to == 2, err)) ||
	    (rc = check_text("outcome", outcome, 2000, to == 3, err)) ||
	    (rc = check_text("note", note, 20000, false, err)))
		return rc;
	if (to != 2)
		e.referred_to = NULL;
	if (to != 3)
		e.outcome = NULL;
	if ((rc = hv_store_begin(s, err)))
		return rc;
	rc = hv_store_case_each(s, id, state_fn, &cur, err);
	if (rc == HV_ENOENT)
		rc = hv_err_set(err, HV_ENOENT, "case %" PRId64 ": no such case", id);
	if (rc == HV_OK && state_rank(cur.state) >= to)
		rc = hv_err_set(err, HV_ECONFLICT,
				"case %" PRId64 ": cannot move from %s to %s (cases move forward: "
				"%s)",
				id, cur.state, state, HV_CASE_STATES);
	if (rc == HV_OK)
		rc = add_event(s, &e, err);
	if (rc == HV_OK)
		rc = hv_store_commit(s, err);
	if (rc)
		hv_store_rollback(s);
	return rc;
}

int hv_case_link(struct hv_store *s, int64_t id, int64_t incident_id, const char *author,
		 int64_t now_ms, struct hv_err *err)
{
	struct hv_case_event_rec e = {.case_id = id,
				      .kind = "link",
				      .incident_id = incident_id,
				      .author = author,
				      .recorded_ms = now_ms};
	struct state_ctx cur;
	int rc;

	if ((rc = hv_store_begin(s, err)))
		return rc;
	rc = hv_store_case_each(s, id, state_fn, &cur, err);
	if (rc == HV_ENOENT)
		rc = hv_err_set(err, HV_ENOENT, "case %" PRId64 ": no such case", id);
	if (rc == HV_OK)
		rc = check_incident_exists(s, incident_id, err);
	if (rc == HV_OK)
		rc = add_event(s, &e, err);
	if (rc == HV_OK)
		rc = hv_store_commit(s, err);
	if (rc)
		hv_store_rollback(s);
	return rc;
}

static int event_json(void *ctx, const struct hv_case_event_rec *r)
{
	struct hv_json *w = ctx;
	char when[HV_TIME_ISO_MAX];

	hv_json_obj_begin(w);
	hv_json_key(w, "id");
	hv_json_int(w, r->id);
	hv_json_key(w, "kind");
	hv_json_str(w, r->kind);
	if (r->state) {
		hv_json_key(w, "state");
		hv_json_str(w, r->state);
	}
	if (r->referred_to) {
		hv_json_key(w, "referred_to");
		hv_json_str(w, r->referred_to);
	}
	if (r->outcome) {
		hv_json_key(w, "outcome");
		hv_json_str(w, r->outcome);
	}
	if (r->incident_id) {
		hv_json_key(w, "incident_id");
		hv_json_int(w, r->incident_id);
	}
	if (r->note) {
		hv_json_key(w, "note");
		hv_json_str(w, r->note);
	}
	hv_json_key(w, "author");
	hv_json_str(w, r->author);
	hv_json_key(w, "recorded");
	hv_time_format_iso(r->recorded_ms, when, sizeof(when));
	hv_json_str(w, when);
	hv_json_obj_end(w);
	return 0;
}

static void case_head(struct hv_json *w, const struct hv_case_rec *r)
{
	char when[HV_TIME_ISO_MAX];

	hv_json_key(w, "id");
	hv_json_int(w, r->id);
	hv_json_key(w, "title");
	hv_json_str(w, r->title);
	hv_json_key(w, "state");
	hv_json_str(w, r->state);
	hv_json_key(w, "created_by");
	hv_json_str(w, r->created_by);
	hv_json_key(w, "created");
	hv_time_format_iso(r->created_ms, when, sizeof(when));
	hv_json_str(w, when);
}

struct case_ctx {
	struct hv_store *s;
	struct hv_json *w;
	struct hv_err *err;
	bool open_only, with_events;
	int rc;
};

static int link_id_json(void *ctx, const struct hv_case_event_rec *r)
{
	if (r->incident_id)
		hv_json_int(ctx, r->incident_id);
	return 0;
}

static int case_json_fn(void *ctx, const struct hv_case_rec *r)
{
	struct case_ctx *c = ctx;

	if (c->open_only && r->state && strcmp(r->state, "closed") == 0)
		return 0;
	hv_json_obj_begin(c->w);
	case_head(c->w, r);
	hv_json_key(c->w, "incidents");
	hv_json_arr_begin(c->w);
	if ((c->rc = hv_store_case_event_each(c->s, 0, r->id, link_id_json, c->w, c->err)))
		return 1;
	hv_json_arr_end(c->w);
	if (c->with_events) {
		hv_json_key(c->w, "events");
		hv_json_arr_begin(c->w);
		if ((c->rc = hv_store_case_event_each(c->s, 0, r->id, event_json, c->w, c->err)))
			return 1;
		hv_json_arr_end(c->w);
	}
	hv_json_obj_end(c->w);
	return 0;
}

int hv_case_json(struct hv_store *s, int64_t id, struct hv_json *w, struct hv_err *err)
{
	struct case_ctx c = {.s = s, .w = w, .err = err, .with_events = true};
	int rc = hv_store_case_each(s, id, case_json_fn, &c, err);

	if (rc == HV_ENOENT)
		return hv_err_set(err, HV_ENOENT, "case %" PRId64 ": no such case", id);
	return rc == 1 ? c.rc : rc;
}

int hv_case_list_json(struct hv_store *s, struct hv_json *w, struct hv_err *err)
{
	struct case_ctx c = {.s = s, .w = w, .err = err};
	int rc;

	hv_json_arr_begin(w);
	rc = hv_store_case_each(s, 0, case_json_fn, &c, err);
	hv_json_arr_end(w);
	return rc == 1 ? c.rc : rc;
}

static int week_json(void *ctx, int64_t property_id, const char *week, int64_t n)
{
	struct hv_json *w = ctx;

	hv_json_obj_begin(w);
	hv_json_key(w, "property_id");
	hv_json_int(w, property_id);
	hv_json_key(w, "week_of");
	hv_json_str(w, week);
	hv_json_key(w, "reports");
	hv_json_int(w, n);
	hv_json_obj_end(w);
	return 0;
}

int hv_case_dashboard_json(struct hv_store *s, struct hv_json *w, struct hv_err *err)
{
	struct case_ctx c = {.s = s, .w = w, .err = err, .open_only = true};
	int rc;

	hv_json_obj_begin(w);
	hv_json_key(w, "open_cases");
	hv_json_arr_begin(w);
	rc = hv_store_case_each(s, 0, case_json_fn, &c, err);
	if (rc == 1)
		return c.rc;
	if (rc)
		return rc;
	hv_json_arr_end(w);
	hv_json_key(w, "reports_by_property_and_week");
	hv_json_arr_begin(w);
	if ((rc = hv_store_incident_weeks(s, week_json, w, err)))
		return rc;
	hv_json_arr_end(w);
	hv_json_obj_end(w);
	return HV_OK;
}

static int ev_check_fn(void *ctx, const struct hv_case_event_rec *r)
{
	hv_cases_event_canonical(r, ctx);
	return 0;
}

int hv_cases_check_case(struct hv_store *s, int64_t seq, const char *ref, const char *body,
			size_t len, struct hv_err *err)
{
	struct hv_buf b;
	int64_t id;
	int rc;

	if (!ref || strncmp(ref, "case_event:", 11) != 0 ||
	    !hv_str_to_i64(hv_str_cstr(ref + 11), &id))
		return hv_err_set(err, HV_EINVAL, "ledger entry %" PRId64 ": bad ref \"%s\"", seq,
				  ref ? ref : "");
	hv_buf_init(&b, 0);
	rc = hv_store_case_event_each(s, id, 0, ev_check_fn, &b, err);
	if (rc == HV_ENOENT)
		rc = hv_err_set(err, HV_EINVAL,
				"case_events row %" PRId64 " (ledger entry %" PRId64 ") is missing",
				id, seq);
	if (rc == HV_OK)
		rc = hv_cases_compare(&b, body, len, "case_events", id, seq, err);
	hv_buf_release(&b);
	return rc;
}
