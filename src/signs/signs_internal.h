/* SPDX-License-Identifier: Apache-2.0 */
/* Shared between the signs module's files; private to src/signs. */
#ifndef HV_SIGNS_SIGNS_INTERNAL_H
#define HV_SIGNS_SIGNS_INTERNAL_H

#include "signs/signs.h"

/* A numeric setting's value (its default when unset); *rc the status. */
double hv_signs_setting_num(struct hv_store *s, const char *name, struct hv_err *err, int *rc);
/* Appends the ledger entry of event e (kind "sign_event", ref "sign_event:ID") inside the
 * caller's transaction. */
int hv_signs_ledger_event(struct hv_store *s, const struct hv_sign_event *e, struct hv_err *err);
/* Logs a read of restricted record ref by actor: a sign_reads row and a "read" ledger entry,
 * inside the caller's transaction. */
int hv_signs_ledger_read(struct hv_store *s, const char *what, const char *ref, const char *actor,
			 struct hv_err *err);
/* Great-circle distance in metres (spherical, mean Earth radius). */
double hv_signs_dist_m(double lon1, double lat1, double lon2, double lat2);

#endif
