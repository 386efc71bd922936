/* SPDX-License-Identifier: Apache-2.0 */
/* A streaming multipart/form-data parser (RFC 7578): fed the body piece by piece as it arrives,
 * it hands each part's headers and data to callbacks and never holds more than a part's headers
 * and a boundary's length of data. */
#ifndef HV_HTTP_MULTIPART_H
#define HV_HTTP_MULTIPART_H

#include <stddef.h>

#include "core/err.h"

#define HV_MULTIPART_BOUNDARY_MAX 70 /* RFC 2046 */
#define HV_MULTIPART_HEADERS_MAX  8192
#define HV_MULTIPART_NAME_MAX	  128
#define HV_MULTIPART_FILENAME_MAX 256
#define HV_MULTIPART_TYPE_MAX	  128
#define HV_MULTIPART_PARTS_MAX	  64

/* One part's headers, as decoded; valid during part_begin only. */
struct hv_multipart_part {
	char name[HV_MULTIPART_NAME_MAX];	  /* the form field's name (required) */
	char filename[HV_MULTIPART_FILENAME_MAX]; /* "" when the part is not a file */
	char content_type[HV_MULTIPART_TYPE_MAX]; /* "" when not given */
};

/* Callbacks; a non-zero return stops the parse and is returned from hv_multipart_feed. */
struct hv_multipart_cb {
	int (*part_begin)(void *ctx, const struct hv_multipart_part *part, struct hv_err *err);
	int (*part_data)(void *ctx, const char *p, size_t n, struct hv_err *err);
	int (*part_end)(void *ctx, struct hv_err *err);
};

struct hv_multipart;

/* The boundary parameter of a multipart/form-data Content-Type into out (NUL-terminated).
 * HV_EINVAL naming what is wrong: not multipart/form-data, no boundary, an empty or too long
 * one. */
int hv_multipart_boundary(const char *content_type, char out[HV_MULTIPART_BOUNDARY_MAX + 1],
			  struct hv_err *err);
/* A parser for boundary; cb and ctx are borrowed. Caller owns the result. */
struct hv_multipart *hv_multipart_new(const char *boundary, const struct hv_multipart_cb *cb,
				      void *ctx);
void hv_multipart_free(struct hv_multipart *m);
/* Feeds the next n bytes of the body. HV_EFORMAT naming the byte offset when the body is not
 * well-formed multipart, HV_ELIMIT for headers or parts over the limits above, or a callback's
 * status. After an error the parser refuses further input. */
int hv_multipart_feed(struct hv_multipart *m, const char *p, size_t n, struct hv_err *err);
/* The body has ended: HV_EFORMAT unless the closing boundary was seen. */
int hv_multipart_finish(struct hv_multipart *m, struct hv_err *err);

#endif
