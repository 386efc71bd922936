/* SPDX-License-Identifier: Apache-2.0 */
/* Evidence records: a file in the blob store, its sniffed type, EXIF time and position,
 * uploader and receipt time, saved with its ledger entry; a redacted copy links its original. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "cases/cases_internal.h"
#include "cases/evidence.h"
#include "core/clock.h"
#include "core/fs.h"
#include "core/str.h"
#include "core/xalloc.h"
#include "ledger/ledger.h"
#include "store/blobs.h"

#include "core/banned.h"

void hv_cases_evidence_canonical(const struct hv_evidence_rec *r, struct hv_buf *out)
{
	struct hv_json w;

	hv_json_init(&w, out, false);
	hv_json_obj_begin(&w);
	hv_json_key(&w, "evidence");
	hv_json_int(&w, r->id);
	hv_json_key(&w, "incident");
	hv_json_int(&w, r->incident_id);
	hv_json_key(&w, "sha256");
	hv_json_str(&w, r->sha256);
	hv_json_key(&w, "size");
	hv_json_int(&w, r->size);
	hv_json_key(&w, "media_type");
	hv_json_str(&w, r->media_type);
	hv_json_key(&w, "filename");
	hv_json_str(&w, r->filename);
	hv_json_key(&w, "exif_time");
	hv_json_str(&w, r->exif_time);
	hv_json_key(&w, "exif_position");
	if (r->has_position) {
		hv_json_obj_begin(&w);
		hv_json_key(&w, "lat");
		hv_json_fixed(&w, r->lat, 7);
		hv_json_key(&w, "lon");
		hv_json_fixed(&w, r->lon, 7);
		hv_json_obj_end(&w);
	} else {
		hv_json_null(&w);
	}
	hv_json_key(&w, "uploader");
	hv_json_str(&w, r->uploader);
	hv_json_key(&w, "received_ms");
	hv_json_int(&w, r->received_ms);
	hv_json_key(&w, "redacts");
	if (r->redacts)
		hv_json_int(&w, r->redacts);
	else
		hv_json_null(&w);
	hv_json_obj_end(&w);
}

void hv_cases_evidence_write(struct hv_json *w, const struct hv_evidence_rec *r)
{
	char when[HV_TIME_ISO_MAX];

	hv_json_obj_begin(w);
	hv_json_key(w, "id");
	hv_json_int(w, r->id);
	hv_json_key(w, "incident_id");
	hv_json_int(w, r->incident_id);
	hv_json_key(w, "sha256");
	hv_json_str(w, r->sha256);
	hv_json_key(w, "size");
	hv_json_int(w, r->size);
	hv_json_key(w, "media_type");
	hv_json_str(w, r->media_type);
	hv_json_key(w, "filename");
	hv_json_str(w, r->filename);
	hv_json_key(w, "exif_time");
	hv_json_str(w, r->exif_time);
	hv_json_key(w, "exif_position");
	if (r->has_position) {
		hv_json_obj_begin(w);
		hv_json_key(w, "lat");
		hv_json_fixed(w, r->lat, 7);
		hv_json_key(w, "lon");
		hv_json_fixed(w, r->lon, 7);
		hv_json_obj_end(w);
	} else {
		hv_json_null(w);
	}
	hv_json_key(w, "uploader");
	hv_json_str(w, r->uploader);
	hv_json_key(w, "received");
	hv_time_format_iso(r->received_ms, when, sizeof(when));
	hv_json_str(w, when);
	hv_json_key(w, "redacts");
	if (r->redacts)
		hv_json_int(w, r->redacts);
	else
		hv_json_null(w);
	hv_json_obj_end(w);
}

int hv_evidence_dir(struct hv_store *s, char *out, size_t cap, struct hv_err *err)
{
	return hv_blobs_dir_for_store(hv_store_cases_path(s), out, cap, err);
}

static int found_fn(void *ctx, const struct hv_incident_rec *r)
{
	*(bool *)ctx = true;
	return 0;
}

static int original_fn(void *ctx, const struct hv_evidence_rec *r)
{
	*(int64_t *)ctx = r->incident_id;
	return 0;
}

int hv_evidence_add(struct hv_store *s, const struct hv_evidence_in *in, const char *uploader,
		    int64_t now_ms, int64_t *id, struct hv_err *err)
{
	struct hv_exif x;
	struct hv_err xerr;
	struct hv_evidence_rec r = {.incident_id = in->incident_id,
				    .sha256 = in->sha256,
				    .size = (int64_t)in->size,
				    .uploader = uploader,
				    .received_ms = now_ms,
				    .redacts = in->redacts};
	const char *fname = NULL;
	bool found = false;
	int64_t orig_incident = 0;
	struct hv_buf b;
	char ref[64];
	int rc;

	r.media_type = hv_evidence_sniff(in->head, in->head_len);
	if (hv_exif_parse(in->head, in->head_len, &x, &xerr) == HV_OK || x.has_time ||
	    x.has_position) {
		r.exif_time = x.has_time ? x.time : NULL;
		r.has_position = x.has_position;
		r.lat = x.lat;
		r.lon = x.lon;
	}
	if (in->filename && *in->filename) {
		fname = hv_fs_basename(in->filename);
		if (strlen(fname) > 255 || !hv_utf8_valid(fname, strlen(fname)))
			return hv_err_set(err, HV_EINVAL,
					  "filename: over 255 bytes or not valid UTF-8");
		r.filename = fname;
	}
	hv_buf_init(&b, 0);
	if ((rc = hv_store_begin(s, err)))
		goto out;
	rc = hv_store_incident_get(s, in->incident_id, found_fn, &found, err);
	if (rc == HV_ENOENT)
		rc = hv_err_set(err, HV_ENOENT, "incident %" PRId64 ": no such incident",
				in->incident_id);
	if (rc == HV_OK && in->redacts) {
		rc = hv_store_evidence_each(s, in->redacts, 0, original_fn, &orig_incident, err);
		if (rc == HV_ENOENT)
			rc = hv_err_set(err, HV_ENOENT, "redacts: no evidence %" PRId64,
					in->redacts);
		else if (rc == HV_OK && orig_incident != in->incident_id)
			rc = hv_err_set(err, HV_EINVAL,
					"redacts: evidence %" PRId64
					" belongs to incident %" PRId64,
					in->redacts, orig_incident);
	}
	if (rc == HV_OK && (rc = hv_store_evidence_add(s, &r, &r.id, err)) == HV_OK) {
		hv_cases_evidence_canonical(&r, &b);
		snprintf(ref, sizeof(ref), "evidence:%" PRId64, r.id);
		rc = hv_ledger_append(s, "evidence", ref, b.data, b.len, now_ms, NULL, err);
	}
	if (rc == HV_OK)
		rc = hv_store_commit(s, err);
	if (rc)
		hv_store_rollback(s);
	else if (id)
		*id = r.id;
out:
	hv_buf_release(&b);
	return rc;
}

int hv_evidence_add_file(struct hv_store *s, int64_t incident_id, const char *path, int64_t redacts,
			 const char *uploader, int64_t now_ms, int64_t *id, struct hv_err *err)
{
	struct hv_evidence_in in = {
		.incident_id = incident_id, .filename = path, .redacts = redacts};
	struct hv_blob_writer *w = NULL;
	struct hv_blobs *blobs = NULL;
	char dir[4096], sha[HV_SHA256_HEX_LEN];
	uint8_t *head = hv_xmalloc(HV_EVIDENCE_HEAD_MAX), *buf = hv_xmalloc(1 << 16);
	size_t head_len = 0, n;
	uint64_t len = 0;
	FILE *f = NULL;
	int rc;

	if ((rc = hv_cases_incident_exists(s, incident_id, err)))
		goto out;
	if (!(f = fopen(path, "rb"))) {
		rc = hv_err_set(err, errno == ENOENT ? HV_ENOENT : HV_EIO, "%s: %s", path,
				strerror(errno));
		goto out;
	}
	if ((rc = hv_evidence_dir(s, dir, sizeof(dir), err)) ||
	    (rc = hv_blobs_open(dir, &blobs, err)) || (rc = hv_blob_writer_new(blobs, 0, &w, err)))
		goto out;
	while ((n = fread(buf, 1, 1 << 16, f)) > 0) {
		if (head_len < HV_EVIDENCE_HEAD_MAX) {
			size_t k = HV_EVIDENCE_HEAD_MAX - head_len < n
					   ? HV_EVIDENCE_HEAD_MAX - head_len
					   : n;

			memcpy(head + head_len, buf, k);
			head_len += k;
		}
		if ((rc = hv_blob_writer_write(w, buf, n, err)))
			goto out;
	}
	if (ferror(f)) {
		rc = hv_err_set(err, HV_EIO, "%s: read error", path);
		goto out;
	}
	rc = hv_blob_writer_commit(w, sha, &len, err);
	w = NULL;
	if (rc)
		goto out;
	if (len == 0) {
		rc = hv_err_set(err, HV_EINVAL, "%s: the file is empty", path);
		goto out;
	}
	in.sha256 = sha;
	in.size = len;
	in.head = head;
	in.head_len = head_len;
	rc = hv_evidence_add(s, &in, uploader, now_ms, id, err);
out:
	if (f)
		fclose(f);
	hv_blob_writer_abort(w);
	hv_blobs_free(blobs);
	free(head);
	free(buf);
	return rc;
}

static int evidence_json_fn(void *ctx, const struct hv_evidence_rec *r)
{
	hv_cases_evidence_write(ctx, r);
	return 0;
}

int hv_evidence_json(struct hv_store *s, int64_t id, struct hv_json *w, struct hv_err *err)
{
	int rc = hv_store_evidence_each(s, id, 0, evidence_json_fn, w, err);

	if (rc == HV_ENOENT)
		return hv_err_set(err, HV_ENOENT, "evidence %" PRId64 ": no such evidence", id);
	return rc;
}

struct ev_check {
	struct hv_buf *b;
	char sha[HV_SHA256_HEX_LEN];
	int64_t size;
};

static int ev_check_fn(void *ctx, const struct hv_evidence_rec *r)
{
	struct ev_check *c = ctx;

	hv_cases_evidence_canonical(r, c->b);
	snprintf(c->sha, sizeof(c->sha), "%s", r->sha256 ? r->sha256 : "");
	c->size = r->size;
	return 0;
}

/* The record against its ledger entry, then the file against its hash and size. */
int hv_cases_check_evidence(struct hv_store *s, int64_t seq, const char *ref, const char *body,
			    size_t len, struct hv_err *err)
{
	struct hv_buf b;
	struct ev_check c = {.b = &b};
	struct hv_blobs *blobs = NULL;
	char dir[4096];
	uint64_t flen = 0;
	int64_t id;
	int rc;

	if (!ref || strncmp(ref, "evidence:", 9) != 0 || !hv_str_to_i64(hv_str_cstr(ref + 9), &id))
		return hv_err_set(err, HV_EINVAL, "ledger entry %" PRId64 ": bad ref \"%s\"", seq,
				  ref ? ref : "");
	hv_buf_init(&b, 0);
	rc = hv_store_evidence_each(s, id, 0, ev_check_fn, &c, err);
	if (rc == HV_ENOENT)
		rc = hv_err_set(err, HV_EINVAL,
				"evidence row %" PRId64 " (ledger entry %" PRId64 ") is missing",
				id, seq);
	if (rc == HV_OK)
		rc = hv_cases_compare(&b, body, len, "evidence", id, seq, err);
	if (rc == HV_OK && (rc = hv_evidence_dir(s, dir, sizeof(dir), err)) == HV_OK &&
	    (rc = hv_blobs_open(dir, &blobs, err)) == HV_OK) {
		rc = hv_blobs_verify(blobs, c.sha, &flen, err);
		if (rc == HV_ENOENT)
			rc = hv_err_set(err, HV_EINVAL,
					"evidence %" PRId64 ": file %s is missing from %s", id,
					c.sha, dir);
		else if (rc)
			rc = hv_err_prefix(err, HV_EINVAL, "evidence %" PRId64, id);
		else if ((int64_t)flen != c.size)
			rc = hv_err_set(err, HV_EINVAL,
					"evidence %" PRId64
					": file is %llu bytes, recorded %" PRId64,
					id, (unsigned long long)flen, c.size);
	}
	hv_blobs_free(blobs);
	hv_buf_release(&b);
	return rc;
}
