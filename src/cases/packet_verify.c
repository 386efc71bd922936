/* SPDX-License-Identifier: Apache-2.0 */
/* Offline verification of a case packet: needs no store (core, crypto, the ledger's store-free
 * half and jansson). The manifest is untrusted input: every member is type-checked, every path
 * confined to the folder, every proof verified against the signed checkpoint. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cases/packet.h"
#include "core/fs.h"
#include "core/xalloc.h"
#include "crypto/sha256.h"
#include "crypto/sign.h"
#include "ledger/merkle.h"

#include "core/banned.h"

void hv_packet_manifest_release(struct hv_packet_manifest *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_files; i++)
		free(m->files[i].path);
	free(m->files);
	memset(m, 0, sizeof(*m));
}

/* One proven entry: its fields and its body as parsed JSON (NULL when not JSON). */
struct pentry {
	int64_t seq;
	char kind[HV_LEDGER_KIND_MAX + 1];
	char ref[HV_LEDGER_REF_MAX + 1];
	json_t *body;
};

static bool path_ok(const char *p)
{
	size_t n = strlen(p);

	if (n == 0 || n > 1024 || p[0] == '/' || p[n - 1] == '/' || strstr(p, "//") ||
	    strchr(p, '\\') || strcmp(p, "manifest.json") == 0)
		return false;
	for (const char *s = p; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	for (const char *s = p; s; s = strchr(s, '/')) {
		if (*s == '/')
			s++;
		if (strncmp(s, "..", 2) == 0 && (s[2] == '/' || s[2] == '\0'))
			return false;
		if (s[0] == '.' && (s[1] == '/' || s[1] == '\0'))
			return false;
	}
	return true;
}

static bool get_i64(json_t *o, const char *k, int64_t *out)
{
	json_t *v = json_object_get(o, k);

	if (!json_is_integer(v))
		return false;
	*out = json_integer_value(v);
	return true;
}

static const char *get_str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int b64_hash(const char *t, uint8_t out[HV_LEDGER_HASH_LEN], struct hv_err *err)
{
	size_t n = 0;

	if (!t || hv_base64_decode(t, strlen(t), out, HV_LEDGER_HASH_LEN, &n, err) ||
	    n != HV_LEDGER_HASH_LEN)
		return HV_EFORMAT;
	return HV_OK;
}

static struct pentry *find_entry(struct pentry *v, size_t n, int64_t seq)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].seq == seq)
			return &v[i];
	return NULL;
}

static struct pentry *find_ref(struct pentry *v, size_t n, const char *ref)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].ref, ref) == 0)
			return &v[i];
	return NULL;
}

static int check_entries(json_t *arr, const struct hv_ledger_checkpoint *cp, struct pentry *out,
			 struct hv_err *err)
{
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *e = json_array_get(arr, i), *proof = json_object_get(e, "proof");
		const char *b64 = get_str(e, "entry"), *kind = get_str(e, "kind"),
			   *ref = get_str(e, "ref");
		struct hv_ledger_proof p;
		struct hv_ledger_fields f;
		uint8_t *bytes = NULL, leaf[HV_LEDGER_HASH_LEN];
		size_t n = 0;
		int64_t seq;
		int rc;

		if (!json_is_object(e) || !get_i64(e, "seq", &seq) || !b64 || !kind || !ref ||
		    !json_is_array(proof) || json_array_size(proof) > HV_LEDGER_PROOF_MAX)
			return hv_err_set(err, HV_EFORMAT,
					  "manifest.json: entries[%zu]: seq, kind, ref, entry and "
					  "proof are expected",
					  i);
		if (seq < 0 || seq >= cp->size)
			return hv_err_set(err, HV_EINVAL,
					  "entry %" PRId64
					  ": outside the checkpoint's tree of %" PRId64 " entries",
					  seq, cp->size);
		bytes = hv_xmalloc(strlen(b64) + 1);
		if (hv_base64_decode(b64, strlen(b64), bytes, strlen(b64) + 1, &n, err)) {
			free(bytes);
			return hv_err_set(err, HV_EFORMAT, "entry %" PRId64 ": entry is not base64",
					  seq);
		}
		rc = hv_ledger_entry_parse(bytes, n, &f, out[i].kind, out[i].ref, err);
		if (rc == HV_OK &&
		    (f.seq != seq || strcmp(out[i].kind, kind) || strcmp(out[i].ref, ref))) {
			rc = hv_err_set(err, HV_EINVAL,
					"entry %" PRId64 ": its bytes say seq %" PRId64
					", kind %s, ref %s; the manifest says %s %s",
					seq, f.seq, out[i].kind, out[i].ref, kind, ref);
		} else if (rc) {
			rc = hv_err_prefix(err, HV_EINVAL, "entry %" PRId64, seq);
		}
		if (rc == HV_OK) {
			out[i].seq = seq;
			out[i].body = json_loadb(f.body, f.body_len, 0, NULL);
			hv_ledger_leaf_hash(bytes, n, leaf);
			p.n = (int)json_array_size(proof);
			for (int k = 0; k < p.n && rc == HV_OK; k++) {
				json_t *ph = json_array_get(proof, (size_t)k);

				if (b64_hash(json_is_string(ph) ? json_string_value(ph) : NULL,
					     p.hash[k], err))
					rc = hv_err_set(err, HV_EFORMAT,
							"entry %" PRId64
							": proof[%d] is not a base64 "
							"SHA-256",
							seq, k);
			}
			if (rc == HV_OK &&
			    hv_ledger_inclusion_verify(seq, cp->size, leaf, &p, cp->root, err))
				rc = hv_err_prefix(err, HV_EINVAL,
						   "entry %" PRId64 " (%s): inclusion proof fails "
						   "against the checkpoint",
						   seq, ref);
		}
		free(bytes);
		if (rc)
			return rc;
		for (size_t k = 0; k < i; k++)
			if (out[k].seq == seq)
				return hv_err_set(err, HV_EFORMAT,
						  "manifest.json: entry %" PRId64 " listed twice",
						  seq);
	}
	return HV_OK;
}

static int check_files(json_t *arr, struct pentry *ents, size_t n_ents,
		       struct hv_packet_manifest *m, struct hv_err *err)
{
	m->files = hv_xcalloc(json_array_size(arr) + 1, sizeof(*m->files));
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *f = json_array_get(arr, i);
		const char *path = get_str(f, "path"), *sha = get_str(f, "sha256");
		struct hv_packet_file *pf = &m->files[m->n_files];
		int64_t size, ev = 0;

		if (!json_is_object(f) || !path || !sha || strlen(sha) != 64 ||
		    !get_i64(f, "size", &size) || size < 0)
			return hv_err_set(err, HV_EFORMAT,
					  "manifest.json: files[%zu]: path, sha256 and size are "
					  "expected",
					  i);
		if (!path_ok(path))
			return hv_err_set(
				err, HV_EINVAL,
				"manifest.json: files[%zu]: \"%.128s\" is not a path inside "
				"the packet",
				i, path);
		for (size_t k = 0; k < m->n_files; k++)
			if (strcmp(m->files[k].path, path) == 0)
				return hv_err_set(err, HV_EFORMAT,
						  "manifest.json: %s is listed twice", path);
		pf->path = hv_xstrdup(path);
		memcpy(pf->sha256, sha, 65);
		pf->size = (uint64_t)size;
		m->n_files++;
		if (json_object_get(f, "evidence_id")) {
			char ref[64];
			struct pentry *e;
			const char *esha;
			int64_t esize;

			if (!get_i64(f, "evidence_id", &ev) || ev <= 0)
				return hv_err_set(err, HV_EFORMAT,
						  "manifest.json: %s: evidence_id is not an id",
						  path);
			snprintf(ref, sizeof(ref), "evidence:%" PRId64, ev);
			e = find_ref(ents, n_ents, ref);
			if (!e || !e->body)
				return hv_err_set(
					err, HV_EINVAL,
					"%s: no proven ledger entry records evidence %" PRId64,
					path, ev);
			esha = get_str(e->body, "sha256");
			if (!esha || strcmp(esha, sha) != 0 || !get_i64(e->body, "size", &esize) ||
			    esize != size)
				return hv_err_set(
					err, HV_EINVAL,
					"%s: its hash or size is not what ledger entry %" PRId64
					" records for evidence %" PRId64,
					path, e->seq, ev);
			pf->evidence_id = ev;
		}
	}
	return HV_OK;
}

/* The sign's installation entry precedes the incident's report in the log. */
static int check_signs(json_t *incidents, json_t *signs, struct pentry *ents, size_t n_ents,
		       struct hv_packet_manifest *m, struct hv_err *err)
{
	for (size_t i = 0; i < json_array_size(signs); i++) {
		json_t *s = json_array_get(signs, i);
		struct pentry *e;
		int64_t seq, pid, bpid;

		if (!get_i64(s, "seq", &seq) || !get_i64(s, "property_id", &pid))
			return hv_err_set(err, HV_EFORMAT,
					  "manifest.json: sign_history[%zu]: seq and property_id "
					  "are expected",
					  i);
		e = find_entry(ents, n_ents, seq);
		if (!e || strcmp(e->kind, "sign_event") != 0 || !e->body ||
		    !get_i64(e->body, "property_id", &bpid) || bpid != pid)
			return hv_err_set(err, HV_EINVAL,
					  "sign_history[%zu]: entry %" PRId64 " is not a proven "
					  "sign_event of property %" PRId64,
					  i, seq, pid);
		m->n_sign_events++;
	}
	for (size_t i = 0; i < json_array_size(incidents); i++) {
		json_t *inc = json_array_get(incidents, i);
		struct pentry *rep;
		int64_t id, pid, rseq, v;
		bool preceded = false;
		const char *k;

		if (!get_i64(inc, "id", &id) || !get_i64(inc, "property_id", &pid) ||
		    !get_i64(inc, "report_seq", &rseq))
			return hv_err_set(err, HV_EFORMAT,
					  "manifest.json: incidents[%zu]: id, property_id and "
					  "report_seq are expected",
					  i);
		rep = find_entry(ents, n_ents, rseq);
		if (!rep || strcmp(rep->kind, "incident") != 0 || !rep->body ||
		    !get_i64(rep->body, "incident", &v) || v != id ||
		    !get_i64(rep->body, "property_id", &v) || v != pid ||
		    !(k = get_str(rep->body, "kind")) || strcmp(k, "report") != 0)
			return hv_err_set(err, HV_EINVAL,
					  "incident %" PRId64 ": entry %" PRId64
					  " is not its proven "
					  "report at property %" PRId64,
					  id, rseq, pid);
		for (size_t j = 0; j < n_ents && !preceded; j++) {
			const char *ev;

			if (strcmp(ents[j].kind, "sign_event") || !ents[j].body ||
			    !get_i64(ents[j].body, "property_id", &v) || v != pid)
				continue;
			ev = get_str(ents[j].body, "kind");
			preceded = ev && strcmp(ev, "installed") == 0 && ents[j].seq < rseq;
		}
		if (!preceded)
			return hv_err_set(err, HV_EINVAL,
					  "incident %" PRId64 ": no sign installation entry for "
					  "property %" PRId64 " precedes its report (entry %" PRId64
					  ")",
					  id, pid, rseq);
		m->n_incidents++;
	}
	return HV_OK;
}

int hv_packet_check_manifest(const char *json, size_t len, const struct hv_ledger_verifier *keys,
			     int n_keys, struct hv_packet_manifest *m, struct hv_err *err)
{
	struct hv_ledger_verifier own;
	struct hv_ledger_checkpoint cp;
	struct pentry *ents = NULL;
	json_t *root, *entries, *files, *incidents, *signs;
	json_error_t jerr;
	const char *fmt, *note, *pub;
	int64_t tree_size;
	size_t n_ents = 0;
	int rc = HV_OK;

	memset(m, 0, sizeof(*m));
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return hv_err_set(err, HV_EFORMAT, "manifest.json: line %d, column %d: %s",
				  jerr.line, jerr.column, jerr.text);
	fmt = get_str(root, "format");
	note = get_str(root, "checkpoint");
	pub = get_str(root, "public_key");
	entries = json_object_get(root, "entries");
	files = json_object_get(root, "files");
	incidents = json_object_get(root, "incidents");
	signs = json_object_get(root, "sign_history");
	if (!fmt || strcmp(fmt, HV_PACKET_FORMAT) != 0) {
		rc = hv_err_set(err, HV_EFORMAT, "manifest.json: format is not \"%s\"",
				HV_PACKET_FORMAT);
		goto out;
	}
	if (!note || !pub || !get_i64(root, "tree_size", &tree_size) || !json_is_array(entries) ||
	    !json_is_array(files) || !json_is_array(incidents) || !json_is_array(signs) ||
	    json_array_size(entries) > HV_PACKET_MAX_ENTRIES ||
	    json_array_size(files) > HV_PACKET_MAX_FILES) {
		rc = hv_err_set(err, HV_EFORMAT,
				"manifest.json: checkpoint, public_key, tree_size, entries, files, "
				"incidents and sign_history are expected");
		goto out;
	}
	if (n_keys == 0) {
		if ((rc = hv_ledger_verifier_parse(pub, &own, err))) {
			hv_err_prefix(err, rc, "manifest.json: public_key");
			goto out;
		}
		keys = &own;
		n_keys = 1;
		m->key_from_packet = true;
	}
	snprintf(m->key_name, sizeof(m->key_name), "%s", keys[0].name);
	if ((rc = hv_ledger_checkpoint_open(note, strlen(note), keys, n_keys, &cp, NULL, err))) {
		hv_err_prefix(err, HV_EINVAL, "checkpoint");
		rc = HV_EINVAL;
		goto out;
	}
	if (cp.size != tree_size) {
		rc = hv_err_set(err, HV_EINVAL,
				"manifest.json: tree_size %" PRId64
				" is not the checkpoint's %" PRId64,
				tree_size, cp.size);
		goto out;
	}
	m->tree_size = cp.size;
	snprintf(m->origin, sizeof(m->origin), "%s", cp.origin);
	ents = hv_xcalloc(json_array_size(entries) + 1, sizeof(*ents));
	n_ents = json_array_size(entries);
	if ((rc = check_entries(entries, &cp, ents, err)))
		goto out;
	m->n_entries = n_ents;
	if ((rc = check_files(files, ents, n_ents, m, err)) ||
	    (rc = check_signs(incidents, signs, ents, n_ents, m, err)))
		goto out;
out:
	for (size_t i = 0; ents && i < n_ents; i++)
		json_decref(ents[i].body);
	free(ents);
	json_decref(root);
	return rc;
}

/* ---- the folder ---- */

struct found {
	char **v;
	size_t n, cap;
};

static int walk(const char *root, const char *rel, struct found *f, int depth, struct hv_err *err)
{
	char path[4096];
	DIR *d;
	struct dirent *de;
	int rc = HV_OK;

	if (depth > 8)
		return hv_err_set(err, HV_EINVAL, "%s: folders nested too deep", rel);
	snprintf(path, sizeof(path), "%s%s%s", root, *rel ? "/" : "", rel);
	if (!(d = opendir(path)))
		return hv_err_set(err, HV_EIO, "%s: %s", path, strerror(errno));
	while (rc == HV_OK && (de = readdir(d))) {
		char sub[2048], full[4096 + 256];
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		snprintf(full, sizeof(full), "%s/%s", root, sub);
		if (lstat(full, &st) != 0) {
			rc = hv_err_set(err, HV_EIO, "%s: %s", sub, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			rc = walk(root, sub, f, depth + 1, err);
		} else if (!S_ISREG(st.st_mode)) {
			rc = hv_err_set(err, HV_EINVAL, "%s: added (not a regular file)", sub);
		} else if (strcmp(sub, "manifest.json") != 0) {
			f->v = hv_xgrow(f->v, &f->cap, f->n + 1, sizeof(*f->v));
			f->v[f->n++] = hv_xstrdup(sub);
		}
	}
	closedir(d);
	return rc;
}

int hv_packet_verify(const char *dir, const struct hv_ledger_verifier *keys, int n_keys,
		     struct hv_packet_manifest *m, struct hv_err *err)
{
	char path[4096], *json = NULL;
	struct found f = {0};
	size_t len;
	int rc;

	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	if ((rc = hv_fs_read_file(path, HV_PACKET_MANIFEST_MAX, &json, &len, err)))
		return rc;
	if ((rc = hv_packet_check_manifest(json, len, keys, n_keys, m, err)))
		goto out;
	if ((rc = walk(dir, "", &f, 0, err)))
		goto out;
	for (size_t i = 0; i < f.n; i++) {
		bool listed = false;

		for (size_t k = 0; k < m->n_files && !listed; k++)
			listed = strcmp(m->files[k].path, f.v[i]) == 0;
		if (!listed) {
			rc = hv_err_set(err, HV_EINVAL, "%s: added (not in the manifest)", f.v[i]);
			goto out;
		}
	}
	for (size_t k = 0; k < m->n_files; k++) {
		struct hv_packet_file *pf = &m->files[k];
		char hex[HV_SHA256_HEX_LEN];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, pf->path);
		if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			rc = hv_err_set(err, HV_EINVAL, "%s: removed (listed in the manifest)",
					pf->path);
			goto out;
		}
		if ((uint64_t)st.st_size != pf->size) {
			rc = hv_err_set(
				err, HV_EINVAL, "%s: changed (%lld bytes, the manifest says %llu)",
				pf->path, (long long)st.st_size, (unsigned long long)pf->size);
			goto out;
		}
		if ((rc = hv_sha256_file(path, hex, err)))
			goto out;
		if (strcmp(hex, pf->sha256) != 0) {
			rc = hv_err_set(err, HV_EINVAL,
					"%s: changed (SHA-256 %s, the manifest says %s)", pf->path,
					hex, pf->sha256);
			goto out;
		}
	}
out:
	for (size_t i = 0; i < f.n; i++)
		free(f.v[i]);
	free(f.v);
	free(json);
	return rc;
}
