/* SPDX-License-Identifier: Apache-2.0 */
/* Writing a case packet: the entries the case rests on, proved against a checkpoint signed for
 * the packet, the evidence files copied out of the blob store, summary.pdf and manifest.json. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

#include <jansson.h>

#include "cases/cases_internal.h"
#include "cases/packet.h"
#include "cases/packet_internal.h"
#include "core/clock.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/xalloc.h"
#include "crypto/sha256.h"
#include "crypto/sign.h"
#include "ledger/ledger.h"
#include "store/blobs.h"

#include "core/banned.h"

struct ev {
	int64_t id, incident_id, size;
	char sha[65];
	char media[64];
	char name[300];
};

struct inc {
	int64_t id, property_id, report_seq;
	char type[32];
	int64_t occurred_ms;
};

struct pk {
	struct hv_store *s;
	int64_t *seqs;
	size_t n_seqs, cap_seqs;
	struct inc *incs;
	size_t n_incs, cap_incs;
	struct ev *evs;
	size_t n_evs, cap_evs;
	int64_t *sign_seqs;
	size_t n_signs, cap_signs;
	struct hv_buf text; /* the summary */
	int rc;
	struct hv_err *err;
};

static void add_seq(struct pk *p, int64_t seq)
{
	for (size_t i = 0; i < p->n_seqs; i++)
		if (p->seqs[i] == seq)
			return;
	p->seqs = hv_xgrow(p->seqs, &p->cap_seqs, p->n_seqs + 1, sizeof(*p->seqs));
	p->seqs[p->n_seqs++] = seq;
}

static int add_ref(struct pk *p, const char *fmt, int64_t id, int64_t *seq_out)
{
	char ref[64];
	int64_t seq;
	int rc;

	snprintf(ref, sizeof(ref), fmt, id);
	if ((rc = hv_store_cases_ledger_seq(p->s, ref, &seq, p->err)))
		return hv_err_prefix(p->err, rc, "packet");
	add_seq(p, seq);
	if (seq_out)
		*seq_out = seq;
	return HV_OK;
}

static int event_fn(void *ctx, const struct hv_case_event_rec *r)
{
	struct pk *p = ctx;
	char when[HV_TIME_ISO_MAX];

	if ((p->rc = add_ref(p, "case_event:%" PRId64, r->id, NULL)))
		return 1;
	hv_time_format_iso(r->recorded_ms, when, sizeof(when));
	hv_buf_addf(&p->text, "  %s  %s%s%s%s%s%s%s by %s\n", when, r->kind, r->state ? " " : "",
		    r->state ? r->state : "", r->referred_to ? " to " : "",
		    r->referred_to ? r->referred_to : "", r->outcome ? ": " : "",
		    r->outcome ? r->outcome : "", r->author);
	if (r->incident_id) {
		for (size_t i = 0; i < p->n_incs; i++)
			if (p->incs[i].id == r->incident_id)
				return 0;
		p->incs = hv_xgrow(p->incs, &p->cap_incs, p->n_incs + 1, sizeof(*p->incs));
		p->incs[p->n_incs++] = (struct inc){.id = r->incident_id};
	}
	return 0;
}

static int inc_fn(void *ctx, const struct hv_incident_rec *r)
{
	struct inc *i = ctx;

	i->property_id = r->property_id;
	i->occurred_ms = r->occurred_ms;
	snprintf(i->type, sizeof(i->type), "%s", r->type);
	return 0;
}

struct entry_ctx {
	struct pk *p;
	struct inc *inc;
};

static int entry_fn(void *ctx, const struct hv_incident_entry_rec *e)
{
	struct entry_ctx *c = ctx;
	char when[HV_TIME_ISO_MAX];
	int64_t seq;

	if ((c->p->rc = add_ref(c->p, "incident_entry:%" PRId64, e->id, &seq)))
		return 1;
	if (strcmp(e->kind, "report") == 0 && !c->inc->report_seq)
		c->inc->report_seq = seq;
	hv_time_format_iso(e->recorded_ms, when, sizeof(when));
	hv_buf_addf(&c->p->text, "  entry %" PRId64 " (%s, ledger %" PRId64 ") %s by %s\n    %s\n",
		    e->id, e->kind, seq, when, e->author, e->data);
	return 0;
}

static int witness_fn(void *ctx, const struct hv_witness_rec *r)
{
	struct entry_ctx *c = ctx;

	if ((c->p->rc = add_ref(c->p, "witness:%" PRId64, r->id, NULL)))
		return 1;
	hv_buf_addf(&c->p->text,
		    "  witness record %" PRId64 " (restricted: only its hash is in the packet)\n",
		    r->id);
	return 0;
}

static int ev_fn(void *ctx, const struct hv_evidence_rec *r)
{
	struct entry_ctx *c = ctx;
	struct pk *p = c->p;
	struct ev *e;

	if ((p->rc = add_ref(p, "evidence:%" PRId64, r->id, NULL)))
		return 1;
	p->evs = hv_xgrow(p->evs, &p->cap_evs, p->n_evs + 1, sizeof(*p->evs));
	e = &p->evs[p->n_evs++];
	memset(e, 0, sizeof(*e));
	e->id = r->id;
	e->incident_id = r->incident_id;
	e->size = r->size;
	snprintf(e->sha, sizeof(e->sha), "%s", r->sha256);
	snprintf(e->media, sizeof(e->media), "%s", r->media_type);
	/* a safe file name: the id, then the original name's letters, digits, '.', '-', '_' */
	{
		size_t n =
			(size_t)snprintf(e->name, sizeof(e->name), "evidence/%" PRId64 "-", r->id);
		const char *f = r->filename ? r->filename : "file";

		for (; *f && n + 1 < sizeof(e->name) && n < 120; f++) {
			char ch = *f;

			e->name[n++] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
						       (ch >= '0' && ch <= '9') || ch == '.' ||
						       ch == '-' || ch == '_'
					       ? ch
					       : '_';
		}
		e->name[n] = '\0';
		if (strstr(e->name, ".."))
			snprintf(e->name, sizeof(e->name), "evidence/%" PRId64 "-file", r->id);
	}
	hv_buf_addf(&p->text,
		    "  evidence %" PRId64 ": %s, %" PRId64 " bytes, %s%s%s\n    SHA-256 %s\n",
		    r->id, r->media_type, r->size, e->name + 9, r->redacts ? ", redacted copy" : "",
		    r->exif_time ? "" : "", r->sha256);
	return 0;
}

struct sign_ctx {
	struct pk *p;
};

static int sign_fn(void *ctx, int64_t seq, const void *entry, size_t len)
{
	struct pk *p = ctx;
	struct hv_ledger_fields f;
	char kind[HV_LEDGER_KIND_MAX + 1], ref[HV_LEDGER_REF_MAX + 1];
	json_t *body;
	int64_t pid;

	if (hv_ledger_entry_parse(entry, len, &f, kind, ref, NULL))
		return 0;
	body = json_loadb(f.body, f.body_len, 0, NULL);
	if (!json_is_integer(json_object_get(body, "property_id"))) {
		json_decref(body);
		return 0;
	}
	pid = json_integer_value(json_object_get(body, "property_id"));
	for (size_t i = 0; i < p->n_incs; i++) {
		if (p->incs[i].property_id == pid) {
			/* The signs module's event body: "kind" is the event, "at_ms" its time. */
			const char *ev = json_string_value(json_object_get(body, "kind"));
			const char *serial = json_string_value(json_object_get(body, "serial"));
			json_t *at_ms = json_object_get(body, "at_ms");
			char at[40] = "";

			if (json_is_integer(at_ms))
				hv_time_format_iso(json_integer_value(at_ms), at, sizeof(at));

			add_seq(p, seq);
			p->sign_seqs = hv_xgrow(p->sign_seqs, &p->cap_signs, p->n_signs + 1,
						sizeof(*p->sign_seqs));
			p->sign_seqs[p->n_signs++] = seq;
			hv_buf_addf(&p->text,
				    "  ledger %" PRId64 ": sign %s at property %" PRId64
				    ": %s %s\n",
				    seq, serial ? serial : "?", pid, ev ? ev : "?", at);
			break;
		}
	}
	json_decref(body);
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int mkdir_empty(const char *dir, struct hv_err *err)
{
	DIR *d;
	struct dirent *de;
	char sub[4096];

	if (mkdir(dir, 0755) != 0) {
		if (errno != EEXIST)
			return hv_err_set(err, HV_EIO, "%s: %s", dir, strerror(errno));
		if (!(d = opendir(dir)))
			return hv_err_set(err, HV_EIO, "%s: %s", dir, strerror(errno));
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
				closedir(d);
				return hv_err_set(err, HV_EEXIST, "%s: exists and is not empty",
						  dir);
			}
		closedir(d);
	}
	snprintf(sub, sizeof(sub), "%s/evidence", dir);
	if (mkdir(sub, 0755) != 0 && errno != EEXIST)
		return hv_err_set(err, HV_EIO, "%s: %s", sub, strerror(errno));
	return HV_OK;
}

static int copy_file(const char *from, const char *to, struct hv_err *err)
{
	FILE *in = fopen(from, "rb"), *out = NULL;
	char *buf = NULL;
	size_t n;
	int rc = HV_OK;

	if (!in)
		return hv_err_set(err, HV_ENOENT, "%s: %s", from, strerror(errno));
	if (!(out = fopen(to, "wbx"))) {
		fclose(in);
		return hv_err_set(err, HV_EIO, "%s: %s", to, strerror(errno));
	}
	buf = hv_xmalloc(1 << 16);
	while ((n = fread(buf, 1, 1 << 16, in)) > 0)
		if (fwrite(buf, 1, n, out) != n) {
			rc = hv_err_set(err, HV_EIO, "%s: write failed", to);
			break;
		}
	if (rc == HV_OK && ferror(in))
		rc = hv_err_set(err, HV_EIO, "%s: read failed", from);
	if (fclose(out) != 0 && rc == HV_OK)
		rc = hv_err_set(err, HV_EIO, "%s: write failed", to);
	fclose(in);
	free(buf);
	return rc;
}

static void file_json(struct hv_json *w, const char *path, const char *sha, uint64_t size,
		      int64_t evidence_id)
{
	hv_json_obj_begin(w);
	hv_json_key(w, "path");
	hv_json_str(w, path);
	hv_json_key(w, "sha256");
	hv_json_str(w, sha);
	hv_json_key(w, "size");
	hv_json_int(w, (int64_t)size);
	if (evidence_id) {
		hv_json_key(w, "evidence_id");
		hv_json_int(w, evidence_id);
	}
	hv_json_obj_end(w);
}

static void b64(struct hv_json *w, const void *p, size_t len)
{
	size_t cap = hv_base64_len(len);
	char *out = hv_xmalloc(cap);

	hv_base64_encode(p, len, out, cap);
	hv_json_str(w, out);
	free(out);
}

/* Logs the export as a "read" entry and signs a checkpoint covering it, in one transaction. */
static int checkpoint(struct hv_store *s, int64_t case_id, const struct hv_ledger_signer *signer,
		      int64_t now_ms, struct hv_buf *note, int64_t *size, struct hv_err *err)
{
	const struct hv_ledger_signer *signers[1] = {signer};
	char record[64], body[160];
	int rc;

	snprintf(record, sizeof(record), "case:%" PRId64 "/packet", case_id);
	snprintf(body, sizeof(body),
		 "{\"record\":\"%s\",\"reader\":\"packet\",\"role\":\"law\","
		 "\"at_ms\":%" PRId64 "}",
		 record, now_ms);
	if ((rc = hv_store_begin(s, err)))
		return rc;
	if ((rc = hv_ledger_append(s, "read", record, body, strlen(body), now_ms, NULL, err)) ||
	    (rc = hv_ledger_checkpoint(s, signers, 1, now_ms, note, size, err)) ||
	    (rc = hv_store_commit(s, err)))
		hv_store_rollback(s);
	return rc;
}

int hv_packet_write(struct hv_store *s, int64_t case_id, const char *dir,
		    const struct hv_ledger_signer *signer, int64_t now_ms, struct hv_err *err)
{
	struct pk p = {.s = s, .err = err};
	struct hv_buf cj, note, man, pubtxt;
	struct hv_json w;
	struct hv_ledger_verifier ver;
	struct hv_blobs *blobs = NULL;
	char blobdir[4096], path[8192], hex[HV_SHA256_HEX_LEN], when[HV_TIME_ISO_MAX];
	int64_t size = 0;
	struct stat st;
	int rc;

	hv_buf_init(&p.text, 0);
	hv_buf_init(&cj, 0);
	hv_buf_init(&note, 0);
	hv_buf_init(&man, 0);
	hv_buf_init(&pubtxt, 0);
	hv_json_init(&w, &cj, false);
	if ((rc = hv_case_json(s, case_id, &w, err)))
		goto out;
	if ((rc = mkdir_empty(dir, err)))
		goto out;
	hv_time_format_iso(now_ms, when, sizeof(when));
	hv_buf_addf(&p.text, "haven case packet: case %" PRId64 "\nWritten %s\n\nCase events:\n",
		    case_id, when);
	rc = hv_store_case_event_each(s, 0, case_id, event_fn, &p, err);
	if (rc == 1)
		rc = p.rc;
	if (rc)
		goto out;
	for (size_t i = 0; i < p.n_incs; i++) {
		struct inc *inc = &p.incs[i];
		struct entry_ctx ec = {.p = &p, .inc = inc};

		if ((rc = hv_store_incident_get(s, inc->id, inc_fn, inc, err)))
			goto out;
		hv_time_format_iso(inc->occurred_ms, when, sizeof(when));
		hv_buf_addf(&p.text, "\nIncident %" PRId64 ": %s at property %" PRId64 ", %s\n",
			    inc->id, inc->type, inc->property_id, when);
		rc = hv_store_incident_entry_each(s, 0, inc->id, entry_fn, &ec, err);
		if (rc == HV_OK)
			rc = hv_store_witness_each(s, 0, inc->id, witness_fn, &ec, err);
		if (rc == HV_OK)
			rc = hv_store_evidence_each(s, 0, inc->id, ev_fn, &ec, err);
		if (rc == 1)
			rc = p.rc;
		if (rc)
			goto out;
	}
	hv_buf_addf(&p.text, "\nSign history of the properties:\n");
	if ((rc = hv_store_cases_ledger_kind_each(s, "sign_event", sign_fn, &p, err)))
		goto out;
	if (p.n_signs == 0)
		hv_buf_addf(&p.text, "  (no sign event recorded)\n");
	if ((rc = checkpoint(s, case_id, signer, now_ms, &note, &size, err)))
		goto out;
	hv_buf_addf(&p.text, "\nLedger checkpoint (tree of %" PRId64 " entries):\n%s\n", size,
		    note.data);
	hv_ledger_signer_verifier(signer, &ver);
	hv_ledger_verifier_format(&ver, &pubtxt);
	hv_buf_addf(&p.text, "Public key: %s\n\nCheck this packet offline with: haven-verify DIR\n",
		    pubtxt.data);
	/* the files */
	if ((rc = hv_evidence_dir(s, blobdir, sizeof(blobdir), err)) ||
	    (rc = hv_blobs_open(blobdir, &blobs, err)))
		goto out;
	for (size_t i = 0; i < p.n_evs; i++) {
		char from[4096];

		if ((rc = hv_blobs_path(blobs, p.evs[i].sha, from, sizeof(from), err)))
			goto out;
		snprintf(path, sizeof(path), "%s/%s", dir, p.evs[i].name);
		if ((rc = copy_file(from, path, err)) || (rc = hv_sha256_file(path, hex, err)))
			goto out;
		if (strcmp(hex, p.evs[i].sha) != 0) {
			rc = hv_err_set(err, HV_EINVAL,
					"evidence %" PRId64
					": the stored file %s no longer has its "
					"recorded SHA-256",
					p.evs[i].id, from);
			goto out;
		}
	}
	snprintf(path, sizeof(path), "%s/summary.pdf", dir);
	if (p.text.failed || (rc = hv_packet_pdf(path, p.text.data, err)))
		goto out;
	/* the manifest */
	qsort(p.seqs, p.n_seqs, sizeof(*p.seqs), cmp_i64);
	hv_json_init(&w, &man, true);
	hv_json_obj_begin(&w);
	hv_json_key(&w, "format");
	hv_json_str(&w, HV_PACKET_FORMAT);
	hv_json_key(&w, "case");
	hv_json_raw(&w, cj.data);
	hv_json_key(&w, "checkpoint");
	hv_json_str(&w, note.data);
	hv_json_key(&w, "public_key");
	hv_json_str(&w, pubtxt.data);
	hv_json_key(&w, "tree_size");
	hv_json_int(&w, size);
	hv_json_key(&w, "files");
	hv_json_arr_begin(&w);
	if ((rc = hv_sha256_file(path, hex, err)) || stat(path, &st) != 0) {
		rc = rc ? rc : hv_err_set(err, HV_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	file_json(&w, "summary.pdf", hex, (uint64_t)st.st_size, 0);
	for (size_t i = 0; i < p.n_evs; i++)
		file_json(&w, p.evs[i].name, p.evs[i].sha, (uint64_t)p.evs[i].size, p.evs[i].id);
	hv_json_arr_end(&w);
	hv_json_key(&w, "incidents");
	hv_json_arr_begin(&w);
	for (size_t i = 0; i < p.n_incs; i++) {
		hv_json_obj_begin(&w);
		hv_json_key(&w, "id");
		hv_json_int(&w, p.incs[i].id);
		hv_json_key(&w, "property_id");
		hv_json_int(&w, p.incs[i].property_id);
		hv_json_key(&w, "report_seq");
		hv_json_int(&w, p.incs[i].report_seq);
		hv_json_obj_end(&w);
	}
	hv_json_arr_end(&w);
	hv_json_key(&w, "sign_history");
	hv_json_arr_begin(&w);
	for (size_t i = 0; i < p.n_signs; i++) {
		struct hv_ledger_entry e;

		if ((rc = hv_ledger_get(s, p.sign_seqs[i], &e, err)))
			goto out;
		hv_json_obj_begin(&w);
		hv_json_key(&w, "seq");
		hv_json_int(&w, e.seq);
		{
			json_t *body = json_loadb(e.body, e.body_len, 0, NULL);
			json_t *v;
			const char *k;

			json_object_foreach(body, k, v)
			{
				if (json_is_integer(v)) {
					hv_json_key(&w, k);
					hv_json_int(&w, json_integer_value(v));
				} else if (json_is_string(v)) {
					hv_json_key(&w, k);
					hv_json_str(&w, json_string_value(v));
				}
			}
			json_decref(body);
		}
		hv_json_obj_end(&w);
		hv_ledger_entry_release(&e);
	}
	hv_json_arr_end(&w);
	hv_json_key(&w, "entries");
	hv_json_arr_begin(&w);
	for (size_t i = 0; i < p.n_seqs; i++) {
		struct hv_ledger_entry e;
		struct hv_ledger_proof pr;

		if ((rc = hv_ledger_get(s, p.seqs[i], &e, err)))
			goto out;
		rc = hv_ledger_prove_inclusion(s, p.seqs[i], size, NULL, &pr, err);
		if (rc) {
			hv_ledger_entry_release(&e);
			goto out;
		}
		hv_json_obj_begin(&w);
		hv_json_key(&w, "seq");
		hv_json_int(&w, e.seq);
		hv_json_key(&w, "kind");
		hv_json_str(&w, e.kind);
		hv_json_key(&w, "ref");
		hv_json_str(&w, e.ref ? e.ref : "");
		hv_json_key(&w, "entry");
		b64(&w, e.entry, e.entry_len);
		hv_json_key(&w, "proof");
		hv_json_arr_begin(&w);
		for (int k = 0; k < pr.n; k++)
			b64(&w, pr.hash[k], HV_LEDGER_HASH_LEN);
		hv_json_arr_end(&w);
		hv_json_obj_end(&w);
		hv_ledger_entry_release(&e);
	}
	hv_json_arr_end(&w);
	hv_json_obj_end(&w);
	hv_buf_addc(&man, '\n');
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	{
		FILE *f = fopen(path, "wx");

		if (!f || fwrite(man.data, 1, man.len, f) != man.len) {
			if (f)
				fclose(f);
			rc = hv_err_set(err, HV_EIO, "%s: cannot write", path);
			goto out;
		}
		if (fclose(f) != 0)
			rc = hv_err_set(err, HV_EIO, "%s: cannot write", path);
	}
out:
	hv_blobs_free(blobs);
	free(p.seqs);
	free(p.incs);
	free(p.evs);
	free(p.sign_seqs);
	hv_buf_release(&p.text);
	hv_buf_release(&cj);
	hv_buf_release(&note);
	hv_buf_release(&man);
	hv_buf_release(&pubtxt);
	return rc;
}
