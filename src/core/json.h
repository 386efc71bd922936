/* SPDX-License-Identifier: Apache-2.0 */
/* A streaming JSON writer into an hv_buf: commas and escaping are its business, not the caller's. */
#ifndef HV_CORE_JSON_H
#define HV_CORE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define HV_JSON_MAX_DEPTH 32

struct hv_json {
	struct hv_buf *out; /* borrowed */
	int depth;
	bool first[HV_JSON_MAX_DEPTH];
	bool after_key;
	bool pretty;
};

/* Starts writing into out (borrowed; must outlive w). pretty: newlines and two-space indents. */
void hv_json_init(struct hv_json *w, struct hv_buf *out, bool pretty);
void hv_json_obj_begin(struct hv_json *w);
void hv_json_obj_end(struct hv_json *w);
void hv_json_arr_begin(struct hv_json *w);
void hv_json_arr_end(struct hv_json *w);
void hv_json_key(struct hv_json *w, const char *key);
/* A string value; NULL writes null. Invalid UTF-8 bytes become U+FFFD. */
void hv_json_str(struct hv_json *w, const char *s);
void hv_json_strn(struct hv_json *w, const char *s, size_t len);
void hv_json_int(struct hv_json *w, int64_t v);
/* A number; non-finite values are written as null (JSON has no NaN). */
void hv_json_double(struct hv_json *w, double v);
/* A number rounded to decimals (0..9) places, trailing zeros dropped ("-87.6", "12"); much
 * cheaper than printf's shortest round-trip form. For coordinates (7 places: about 1 cm) and
 * measures. Values too large for the fixed form are written as hv_json_double does. */
void hv_json_fixed(struct hv_json *w, double v, int decimals);
void hv_json_bool(struct hv_json *w, bool v);
void hv_json_null(struct hv_json *w);
/* Inserts already-serialised JSON text as one value (trusted: produced by this writer). */
void hv_json_raw(struct hv_json *w, const char *json);
/* Inserts already-serialised members ("a":1,"b":2; no braces, len bytes) into the object w has
 * open, as if written by key/value calls: later members get their comma. len 0 adds nothing. */
void hv_json_raw_members(struct hv_json *w, const char *members, size_t len);
/* Appends s as a quoted, escaped JSON string to b. */
void hv_json_quote(struct hv_buf *b, const char *s, size_t len);

#endif
