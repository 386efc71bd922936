/* SPDX-License-Identifier: Apache-2.0 */
/* Content sniffing by magic bytes and a small, bounds-checked EXIF reader (untrusted input:
 * every offset is checked against the block before it is read). */
#include "cases/evidence.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/banned.h"

static bool at(const uint8_t *p, size_t len, size_t off, const char *magic, size_t n)
{
	return len >= off + n && memcmp(p + off, magic, n) == 0;
}

const char *hv_evidence_sniff(const uint8_t *p, size_t len)
{
	if (at(p, len, 0, "\xff\xd8\xff", 3))
		return "image/jpeg";
	if (at(p, len, 0, "\x89PNG\r\n\x1a\n", 8))
		return "image/png";
	if (at(p, len, 0, "GIF87a", 6) || at(p, len, 0, "GIF89a", 6))
		return "image/gif";
	if (at(p, len, 0, "%PDF-", 5))
		return "application/pdf";
	if (at(p, len, 0, "II*\0", 4) || at(p, len, 0, "MM\0*", 4))
		return "image/tiff";
	if (at(p, len, 0, "RIFF", 4) && at(p, len, 8, "WEBP", 4))
		return "image/webp";
	if (at(p, len, 0, "RIFF", 4) && at(p, len, 8, "WAVE", 4))
		return "audio/wav";
	if (at(p, len, 0, "RIFF", 4) && at(p, len, 8, "AVI ", 4))
		return "video/x-msvideo";
	if (at(p, len, 0, "\x1a\x45\xdf\xa3", 4))
		return "video/webm";
	if (at(p, len, 0, "ID3", 3) || (len >= 2 && p[0] == 0xff && (p[1] & 0xe0) == 0xe0))
		return "audio/mpeg";
	if (at(p, len, 4, "ftyp", 4)) {
		/* ISO base media: the major brand says which. */
		if (at(p, len, 8, "heic", 4) || at(p, len, 8, "heix", 4) ||
		    at(p, len, 8, "mif1", 4) || at(p, len, 8, "heim", 4))
			return "image/heic";
		if (at(p, len, 8, "avif", 4))
			return "image/avif";
		if (at(p, len, 8, "qt  ", 4))
			return "video/quicktime";
		if (at(p, len, 8, "M4A ", 4))
			return "audio/mp4";
		return "video/mp4";
	}
	if (at(p, len, 4, "moov", 4) || at(p, len, 4, "mdat", 4) || at(p, len, 4, "wide", 4))
		return "video/quicktime";
	return "application/octet-stream";
}

/* ---- EXIF ---- */

struct tiff {
	const uint8_t *p;
	size_t len;
	bool le;
};

static bool rd16(const struct tiff *t, size_t off, uint32_t *v)
{
	if (off > t->len || t->len - off < 2)
		return false;
	*v = t->le ? (uint32_t)t->p[off] | (uint32_t)t->p[off + 1] << 8
		   : (uint32_t)t->p[off] << 8 | (uint32_t)t->p[off + 1];
	return true;
}

static bool rd32(const struct tiff *t, size_t off, uint32_t *v)
{
	if (off > t->len || t->len - off < 4)
		return false;
	if (t->le)
		*v = (uint32_t)t->p[off] | (uint32_t)t->p[off + 1] << 8 |
		     (uint32_t)t->p[off + 2] << 16 | (uint32_t)t->p[off + 3] << 24;
	else
		*v = (uint32_t)t->p[off] << 24 | (uint32_t)t->p[off + 1] << 16 |
		     (uint32_t)t->p[off + 2] << 8 | (uint32_t)t->p[off + 3];
	return true;
}

struct ifd_entry {
	uint32_t tag, type, count;
	size_t value_off; /* where the value is: inline (entry + 8) or at the offset */
};

static const uint32_t type_size[] = {0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8};

/* Reads entry i of the IFD at off; false when out of bounds or ill-typed. */
static bool ifd_entry(const struct tiff *t, size_t off, uint32_t i, struct ifd_entry *e)
{
	size_t eo = off + 2 + (size_t)i * 12;
	uint32_t v;
	uint64_t bytes;

	if (!rd16(t, eo, &e->tag) || !rd16(t, eo + 2, &e->type) || !rd32(t, eo + 4, &e->count))
		return false;
	if (e->type == 0 || e->type >= sizeof(type_size) / sizeof(type_size[0]))
		return false;
	bytes = (uint64_t)type_size[e->type] * e->count;
	if (bytes <= 4) {
		e->value_off = eo + 8;
	} else {
		if (!rd32(t, eo + 8, &v))
			return false;
		e->value_off = v;
	}
	return e->value_off <= t->len && bytes <= t->len - e->value_off;
}

static void read_time(const struct tiff *t, const struct ifd_entry *e, struct hv_exif *out)
{
	const char *s = (const char *)t->p + e->value_off;
	char buf[HV_EXIF_TIME_MAX];

	/* "YYYY:MM:DD HH:MM:SS" */
	if (e->type != 2 || e->count < 19)
		return;
	for (int i = 0; i < 19; i++) {
		char c = s[i];
		bool sep = i == 4 || i == 7 || i == 10 || i == 13 || i == 16;

		if (sep ? !(c == ':' || c == ' ') : !(c >= '0' && c <= '9'))
			return;
	}
	snprintf(buf, sizeof(buf), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s", s, s + 5, s + 8, s + 11, s + 14,
		 s + 17);
	memcpy(out->time, buf, sizeof(buf));
	out->has_time = true;
}

/* Degrees from three RATIONALs (degrees, minutes, seconds); false on a zero denominator. */
static bool read_dms(const struct tiff *t, const struct ifd_entry *e, double *deg)
{
	double parts[3];

	if (e->type != 5 || e->count != 3)
		return false;
	for (int i = 0; i < 3; i++) {
		uint32_t num, den;

		if (!rd32(t, e->value_off + (size_t)i * 8, &num) ||
		    !rd32(t, e->value_off + (size_t)i * 8 + 4, &den) || den == 0)
			return false;
		parts[i] = (double)num / den;
	}
	*deg = parts[0] + parts[1] / 60.0 + parts[2] / 3600.0;
	return true;
}

static int read_gps(const struct tiff *t, size_t off, struct hv_exif *out, struct hv_err *err)
{
	uint32_t n;
	char lat_ref = 0, lon_ref = 0;
	double lat = 0, lon = 0;
	bool has_lat = false, has_lon = false;

	if (!rd16(t, off, &n))
		return hv_err_set(err, HV_EFORMAT, "EXIF GPS directory at offset %zu is truncated",
				  off);
	for (uint32_t i = 0; i < n; i++) {
		struct ifd_entry e;

		if (!ifd_entry(t, off, i, &e))
			return hv_err_set(err, HV_EFORMAT,
					  "EXIF GPS entry %u at offset %zu is out of bounds", i,
					  off);
		if (e.tag == 1 && e.type == 2 && e.count >= 1)
			lat_ref = (char)t->p[e.value_off];
		else if (e.tag == 3 && e.type == 2 && e.count >= 1)
			lon_ref = (char)t->p[e.value_off];
		else if (e.tag == 2)
			has_lat = read_dms(t, &e, &lat);
		else if (e.tag == 4)
			has_lon = read_dms(t, &e, &lon);
	}
	if (has_lat && has_lon && (lat_ref == 'N' || lat_ref == 'S') &&
	    (lon_ref == 'E' || lon_ref == 'W') && lat <= 90.0 && lon <= 180.0 && isfinite(lat) &&
	    isfinite(lon)) {
		out->lat = lat_ref == 'S' ? -lat : lat;
		out->lon = lon_ref == 'W' ? -lon : lon;
		out->has_position = true;
	}
	return HV_OK;
}

/* Walks IFD0 and the EXIF sub-IFD; depth bounds the sub-IFD chain. */
static int read_ifd(const struct tiff *t, size_t off, int depth, struct hv_exif *out,
		    struct hv_err *err)
{
	uint32_t n;
	int rc;

	if (depth > 2)
		return HV_OK;
	if (!rd16(t, off, &n))
		return hv_err_set(err, HV_EFORMAT, "EXIF directory at offset %zu is truncated",
				  off);
	for (uint32_t i = 0; i < n; i++) {
		struct ifd_entry e;
		uint32_t sub;

		if (!ifd_entry(t, off, i, &e))
			return hv_err_set(err, HV_EFORMAT,
					  "EXIF entry %u of the directory at offset %zu is out of "
					  "bounds",
					  i, off);
		switch (e.tag) {
		case 0x9003: /* DateTimeOriginal wins over DateTime */
			read_time(t, &e, out);
			break;
		case 0x0132:
			if (!out->has_time)
				read_time(t, &e, out);
			break;
		case 0x8769: /* the EXIF sub-IFD */
			if ((e.type == 4 || e.type == 13) && rd32(t, e.value_off, &sub) &&
			    sub != off && (rc = read_ifd(t, sub, depth + 1, out, err)))
				return rc;
			break;
		case 0x8825: /* the GPS IFD */
			if ((e.type == 4 || e.type == 13) && rd32(t, e.value_off, &sub) &&
			    (rc = read_gps(t, sub, out, err)))
				return rc;
			break;
		default:
			break;
		}
	}
	return HV_OK;
}

static int parse_tiff(const uint8_t *p, size_t len, struct hv_exif *out, struct hv_err *err)
{
	struct tiff t = {.p = p, .len = len};
	uint32_t magic, ifd0;

	if (len < 8 || !((p[0] == 'I' && p[1] == 'I') || (p[0] == 'M' && p[1] == 'M')))
		return hv_err_set(err, HV_EFORMAT, "EXIF block has no TIFF header");
	t.le = p[0] == 'I';
	if (!rd16(&t, 2, &magic) || magic != 42 || !rd32(&t, 4, &ifd0))
		return hv_err_set(err, HV_EFORMAT, "EXIF block has a bad TIFF header");
	return read_ifd(&t, ifd0, 0, out, err);
}

int hv_exif_parse(const uint8_t *p, size_t len, struct hv_exif *out, struct hv_err *err)
{
	size_t off = 2;

	memset(out, 0, sizeof(*out));
	if (at(p, len, 0, "II*\0", 4) || at(p, len, 0, "MM\0*", 4))
		return parse_tiff(p, len, out, err);
	if (!at(p, len, 0, "\xff\xd8", 2))
		return hv_err_set(err, HV_ENOENT, "not a JPEG or TIFF file: no EXIF");
	/* JPEG segments until the scan starts: FF marker, 2-byte big-endian length. */
	while (off + 4 <= len) {
		uint8_t marker;
		size_t seg;

		if (p[off] != 0xff)
			return hv_err_set(err, HV_EFORMAT,
					  "JPEG segment at offset %zu has no marker", off);
		marker = p[off + 1];
		if (marker == 0xff) {
			off++; /* fill byte */
			continue;
		}
		if (marker == 0xda || marker == 0xd9)
			break;
		seg = (size_t)p[off + 2] << 8 | p[off + 3];
		if (seg < 2 || seg > len - off - 2)
			return hv_err_set(err, HV_EFORMAT,
					  "JPEG segment at offset %zu runs past the data", off);
		if (marker == 0xe1 && seg >= 8 && memcmp(p + off + 4, "Exif\0\0", 6) == 0)
			return parse_tiff(p + off + 10, seg - 8, out, err);
		off += 2 + seg;
	}
	return hv_err_set(err, HV_ENOENT, "no EXIF block");
}
