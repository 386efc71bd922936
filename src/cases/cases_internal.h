/* SPDX-License-Identifier: Apache-2.0 */
/* Shared between src/cases files: canonical JSON writers, ledger checks, the notice queue. */
#ifndef HV_CASES_CASES_INTERNAL_H
#define HV_CASES_CASES_INTERNAL_H

#include "cases/cases.h"
#include "store/cases_store.h"

struct incident_core_view {
	int64_t property_id;
	int64_t occurred_ms;
	const char *type;
	const char *reporter;
};

/* The canonical JSON (the ledger body) of an incident entry, of a witness record, of evidence,
 * of a case event. */
void hv_cases_entry_canonical(const struct incident_core_view *c,
			      const struct hv_incident_entry_rec *e, struct hv_buf *out);
void hv_cases_witness_canonical(const struct hv_witness_rec *r, struct hv_buf *out);
void hv_cases_evidence_canonical(const struct hv_evidence_rec *r, struct hv_buf *out);
void hv_cases_event_canonical(const struct hv_case_event_rec *r, struct hv_buf *out);
/* Evidence as the API shows it. */
void hv_cases_evidence_write(struct hv_json *w, const struct hv_evidence_rec *r);

/* HV_OK when b equals body; else HV_EINVAL naming table, row, seq and the first differing byte. */
int hv_cases_compare(const struct hv_buf *b, const char *body, size_t len, const char *table,
		     int64_t row, int64_t seq, struct hv_err *err);
int hv_cases_check_evidence(struct hv_store *s, int64_t seq, const char *ref, const char *body,
			    size_t len, struct hv_err *err);
int hv_cases_check_case(struct hv_store *s, int64_t seq, const char *ref, const char *body,
			size_t len, struct hv_err *err);

/* Queues the notices of a new report (inside the caller's transaction). nt NULL: none. */
int hv_cases_notices_queue(struct hv_store *s, int64_t incident_id, const char *type,
			   int64_t now_ms, const struct hv_notice_targets *nt, struct hv_err *err);

#endif
