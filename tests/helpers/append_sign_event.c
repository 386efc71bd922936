/* SPDX-License-Identifier: Apache-2.0 */
/* Test helper: appends a ledger entry of kind "sign_event" to a store, exactly as the signs
 * module writes one: {"serial": S, "property_id": P, "event": E, "at": ISO}, ref "sign:S".
 * Usage: append_sign_event DB PROPERTY_ID SERIAL EVENT AT. Prints the entry's seq. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/str.h"
#include "ledger/ledger.h"
#include "store/store.h"

int main(int argc, char **argv)
{
	struct hv_store *s = NULL;
	struct hv_err err;
	struct hv_buf b;
	struct hv_json w;
	char ref[128];
	int64_t pid, seq = -1, at;
	int rc;

	if (argc != 6 || !hv_str_to_i64(hv_str_cstr(argv[2]), &pid) ||
	    !hv_time_parse_iso(argv[5], &at)) {
		fprintf(stderr, "usage: append_sign_event DB PROPERTY_ID SERIAL EVENT AT\n");
		return 2;
	}
	hv_buf_init(&b, 0);
	hv_json_init(&w, &b, false);
	hv_json_obj_begin(&w);
	hv_json_key(&w, "serial");
	hv_json_str(&w, argv[3]);
	hv_json_key(&w, "property_id");
	hv_json_int(&w, pid);
	hv_json_key(&w, "event");
	hv_json_str(&w, argv[4]);
	hv_json_key(&w, "at");
	hv_json_str(&w, argv[5]);
	hv_json_obj_end(&w);
	snprintf(ref, sizeof(ref), "sign:%s", argv[3]);
	if ((rc = hv_store_open(argv[1], &s, &err)) == HV_OK &&
	    (rc = hv_store_begin(s, &err)) == HV_OK) {
		if ((rc = hv_ledger_append(s, "sign_event", ref, b.data, b.len, at, &seq, &err)) ||
		    (rc = hv_store_commit(s, &err)))
			hv_store_rollback(s);
	}
	hv_store_close(s);
	hv_buf_release(&b);
	if (rc) {
		fprintf(stderr, "append_sign_event: %s\n", err.msg);
		return 1;
	}
	printf("%" PRId64 "\n", seq);
	return 0;
}
