/* SPDX-License-Identifier: Apache-2.0 */
/* Evidence files: the type by content sniffing (magic bytes) and the EXIF time and position of a
 * photo. Both read only the head of a file (HV_EVIDENCE_HEAD_MAX bytes), which the upload path
 * keeps while the whole file streams to the blob store. */
#ifndef HV_CASES_EVIDENCE_H
#define HV_CASES_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define HV_EVIDENCE_HEAD_MAX (128 * 1024)

/* The media type the bytes p[0..len) start with ("image/jpeg", "image/png", "image/heic",
 * "video/mp4", "video/quicktime", "application/pdf", ...; "application/octet-stream" when none
 * is recognised). Static. */
const char *hv_evidence_sniff(const uint8_t *p, size_t len);

#define HV_EXIF_TIME_MAX 20 /* "YYYY-MM-DDTHH:MM:SS" and its NUL */

struct hv_exif {
	bool has_time;
	char time[HV_EXIF_TIME_MAX]; /* DateTimeOriginal (else DateTime), camera's local time */
	bool has_position;
	double lat, lon; /* WGS 84 degrees, from the GPS IFD */
};

/* Reads the EXIF block of a JPEG (APP1 "Exif") or of a bare TIFF header at p[0..len). Fills out
 * with what it finds (zeroed first). HV_ENOENT when there is no EXIF block; HV_EFORMAT naming
 * the offset when the block is malformed (out then holds what was read before it). */
int hv_exif_parse(const uint8_t *p, size_t len, struct hv_exif *out, struct hv_err *err);

#endif
