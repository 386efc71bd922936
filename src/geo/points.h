/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a batch of query points: a CSV of lon,lat (header optional; columns found by name:
 * lon/lng/long/longitude/x and lat/latitude/y, else the first two), fast and strict, with each
 * bad line reported by number. Pure C; parses untrusted input. */
#ifndef HV_GEO_POINTS_H
#define HV_GEO_POINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct hv_points {
	double *lon, *lat;
	int64_t *record; /* 0-based data record number of each point (bad records leave gaps) */
	size_t n, cap;
	int64_t n_records; /* data records read, bad ones included */
	int64_t n_bad;
};

/* Called for each bad line: line is the 1-based line number in the file. */
typedef void (*hv_points_bad_fn)(void *ctx, int64_t line, const char *msg);

void hv_points_init(struct hv_points *p);
void hv_points_release(struct hv_points *p);
/* Parses data (len bytes, need not be NUL-terminated). A bad line (a missing column, a value
 * that is not a number, |lat| > 90 or |lon| > 180) goes to bad(); with strict it also ends the
 * parse with HV_EINVAL naming the line. Appends to *out. */
int hv_points_parse_csv(const char *data, size_t len, bool strict, hv_points_bad_fn bad,
			void *ctx, struct hv_points *out, struct hv_err *err);

#endif
