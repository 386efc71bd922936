/* SPDX-License-Identifier: Apache-2.0 */
/* Appending to and reading the ledger in the store, and the registry of kind checks. */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xalloc.h"
#include "ledger/ledger.h"
#include "store/ledger_store.h"

#include "core/banned.h"

int hv_ledger_append(struct hv_store *s, const char *kind, const char *ref, const char *body,
		     size_t len, int64_t recorded_ms, int64_t *seq_out, struct hv_err *err)
{
	struct hv_ledger_fields f = {.kind = kind,
				     .ref = ref,
				     .recorded_ms = recorded_ms,
				     .body = body,
				     .body_len = len};
	uint8_t leaf[HV_LEDGER_HASH_LEN], carry[HV_LEDGER_HASH_LEN], left[HV_LEDGER_HASH_LEN];
	struct hv_buf b;
	int64_t n;
	int level, rc;

	if (!body && len)
		return hv_err_set(err, HV_EINVAL, "ledger entry: body is NULL with %zu bytes", len);
	if (!body)
		f.body = "";
	if (recorded_ms < 0)
		return hv_err_set(err, HV_EINVAL,
				  "ledger entry: recorded_ms %" PRId64 " is negative", recorded_ms);
	if ((rc = hv_ledger_fields_check(kind, ref, len, err)))
		return rc;
	hv_buf_init(&b, HV_LEDGER_BODY_MAX + 4096);
	if ((rc = hv_store_ledger_size(s, &n, err)))
		goto out;
	f.seq = n;
	hv_ledger_entry_compose(&f, &b);
	if (b.failed) {
		rc = hv_err_set(err, HV_ELIMIT, "ledger entry: too large");
		goto out;
	}
	hv_ledger_leaf_hash(b.data, b.len, leaf);
	if ((rc = hv_store_ledger_insert(s, n, kind, ref, recorded_ms, b.data, b.len, leaf, err)))
		goto out;
	/* Each set low bit of n is a perfect subtree waiting for this leaf's side: combine them
	 * and store the interior nodes this leaf completes (amortised one per append). */
	memcpy(carry, leaf, sizeof(carry));
	for (level = 0; (n >> level) & 1; level++) {
		if ((rc = hv_store_ledger_node_get(s, level, (n >> level) - 1, left, err)))
			goto out;
		hv_ledger_node_hash(left, carry, carry);
		if ((rc = hv_store_ledger_node_put(s, level + 1, n >> (level + 1), carry, err)))
			goto out;
	}
	if (seq_out)
		*seq_out = n;
out:
	hv_buf_release(&b);
	return rc;
}

int hv_ledger_size(struct hv_store *s, int64_t *n, struct hv_err *err)
{
	return hv_store_ledger_size(s, n, err);
}

struct get_ctx {
	struct hv_ledger_entry *out;
	struct hv_err *err;
};

static int get_fn(void *ctx, const struct hv_store_ledger_row *r)
{
	struct get_ctx *g = ctx;
	struct hv_ledger_entry *e = g->out;
	struct hv_ledger_fields f;
	char kind[HV_LEDGER_KIND_MAX + 1], ref[HV_LEDGER_REF_MAX + 1];
	int rc;

	e->seq = r->seq;
	e->kind = hv_xstrdup(r->kind);
	e->ref = r->ref ? hv_xstrdup(r->ref) : NULL;
	e->recorded_ms = r->recorded_ms;
	e->entry_len = r->entry_len;
	e->entry = hv_xmalloc(r->entry_len + 1);
	memcpy(e->entry, r->entry, r->entry_len);
	e->entry[r->entry_len] = 0;
	if (r->leaf_hash_len == HV_LEDGER_HASH_LEN)
		memcpy(e->leaf_hash, r->leaf_hash, HV_LEDGER_HASH_LEN);
	if ((rc = hv_ledger_entry_parse(e->entry, e->entry_len, &f, kind, ref, g->err)))
		return hv_err_prefix(g->err, rc, "ledger entry %" PRId64, r->seq);
	e->body = f.body;
	e->body_len = f.body_len;
	return HV_OK;
}

int hv_ledger_get(struct hv_store *s, int64_t seq, struct hv_ledger_entry *out, struct hv_err *err)
{
	struct get_ctx g = {.out = out, .err = err};
	int rc;

	memset(out, 0, sizeof(*out));
	if (seq < 0)
		return hv_err_set(err, HV_EINVAL, "ledger entry %" PRId64 " is negative", seq);
	rc = hv_store_ledger_get(s, seq, get_fn, &g, err);
	if (rc)
		hv_ledger_entry_release(out);
	return rc;
}

void hv_ledger_entry_release(struct hv_ledger_entry *e)
{
	if (!e)
		return;
	free(e->kind);
	free(e->ref);
	free(e->entry);
	memset(e, 0, sizeof(*e));
}

static int store_node(void *ctx, int level, int64_t idx, uint8_t out[HV_LEDGER_HASH_LEN],
		      struct hv_err *err)
{
	return hv_store_ledger_node_get(ctx, level, idx, out, err);
}

static int check_size(struct hv_store *s, int64_t size, const char *what, struct hv_err *err)
{
	int64_t n;
	int rc;

	if ((rc = hv_store_ledger_size(s, &n, err)))
		return rc;
	if (size < 0 || size > n)
		return hv_err_set(err, HV_EINVAL,
				  "%s %" PRId64 " is out of range: the ledger has %" PRId64
				  " entries",
				  what, size, n);
	return HV_OK;
}

int hv_ledger_root(struct hv_store *s, int64_t size, uint8_t out[HV_LEDGER_HASH_LEN],
		   struct hv_err *err)
{
	int rc;

	if ((rc = check_size(s, size, "tree size", err)))
		return rc;
	return hv_ledger_tree_root(store_node, s, size, out, err);
}

int hv_ledger_prove_inclusion(struct hv_store *s, int64_t seq, int64_t size, int64_t *size_out,
			      struct hv_ledger_proof *out, struct hv_err *err)
{
	int rc;

	out->n = 0;
	if (size == 0 && (rc = hv_store_ledger_size(s, &size, err)))
		return rc;
	if ((rc = check_size(s, size, "tree size", err)))
		return rc;
	if (seq < 0 || seq >= size)
		return hv_err_set(err, HV_EINVAL,
				  "entry %" PRId64 " is not in the tree of size %" PRId64, seq,
				  size);
	if (size_out)
		*size_out = size;
	return hv_ledger_inclusion_proof(store_node, s, seq, size, out, err);
}

int hv_ledger_prove_consistency(struct hv_store *s, int64_t first, int64_t second,
				struct hv_ledger_proof *out, struct hv_err *err)
{
	int rc;

	out->n = 0;
	if (first <= 0 || first > second)
		return hv_err_set(err, HV_EINVAL,
				  "consistency from size %" PRId64 " to %" PRId64
				  ": need 0 < first <= second",
				  first, second);
	if ((rc = check_size(s, second, "second size", err)))
		return rc;
	return hv_ledger_consistency_proof(store_node, s, first, second, out, err);
}

/* ---- checkpoints ---- */

struct latest_ctx {
	int64_t size;
	struct hv_buf *note;
};

static int latest_fn(void *ctx, const struct hv_store_ledger_checkpoint *c)
{
	struct latest_ctx *l = ctx;

	l->size = c->size;
	hv_buf_adds(l->note, c->note);
	return 0;
}

int hv_ledger_checkpoint_latest(struct hv_store *s, struct hv_buf *out, struct hv_err *err)
{
	struct latest_ctx l = {.note = out};

	return hv_store_ledger_checkpoint_latest(s, latest_fn, &l, err);
}

int hv_ledger_checkpoint(struct hv_store *s, const struct hv_ledger_signer *const *signers, int n,
			 int64_t now_ms, struct hv_buf *note_out, int64_t *size_out,
			 struct hv_err *err)
{
	struct hv_ledger_checkpoint c = {0};
	struct hv_buf prev, note;
	struct latest_ctx l = {.size = -1, .note = &prev};
	struct hv_ledger_verifier v;
	bool reuse;
	int rc;

	if (n < 1)
		return hv_err_set(err, HV_EINVAL, "a checkpoint needs at least one signing key");
	hv_buf_init(&prev, HV_LEDGER_NOTE_MAX);
	hv_buf_init(&note, HV_LEDGER_NOTE_MAX);
	if ((rc = hv_store_ledger_size(s, &c.size, err)))
		goto out;
	rc = hv_store_ledger_checkpoint_latest(s, latest_fn, &l, err);
	if (rc && rc != HV_ENOENT)
		goto out;
	reuse = l.size == c.size;
	for (int i = 0; reuse && i < n; i++) {
		hv_ledger_signer_verifier(signers[i], &v);
		reuse = hv_ledger_note_signed_by(prev.data, prev.len, &v);
	}
	if (reuse) {
		hv_buf_add(&note, prev.data, prev.len);
	} else {
		memcpy(c.origin, signers[0]->name, sizeof(c.origin));
		if ((rc = hv_ledger_tree_root(store_node, s, c.size, c.root, err)) ||
		    (rc = hv_ledger_checkpoint_sign(&c, signers, n, &note, err)))
			goto out;
		if ((rc = hv_store_ledger_checkpoint_add(s, c.size, c.root, now_ms, note.data, NULL,
							 err)))
			goto out;
	}
	if (note_out)
		hv_buf_add(note_out, note.data, note.len);
	if (size_out)
		*size_out = c.size;
	rc = HV_OK;
out:
	hv_buf_release(&prev);
	hv_buf_release(&note);
	return rc;
}

/* ---- kind checks ----
 * The one process-wide table: modules register their checks at start-up, verify reads them.
 * A mutable global against the house rule, because callers in separate modules (registry, signs,
 * cases) must reach one table without a dependency on each other; it is guarded and only grows. */
#define KINDS_MAX 64
static const struct hv_ledger_kind *kinds[KINDS_MAX];
static int n_kinds;
static pthread_mutex_t kinds_lock = PTHREAD_MUTEX_INITIALIZER;

int hv_ledger_kind_register(const struct hv_ledger_kind *k, struct hv_err *err)
{
	int rc = HV_OK;

	if (!k || !k->kind || !k->check)
		return hv_err_set(err, HV_EINVAL, "ledger kind: no kind or no check");
	if ((rc = hv_ledger_fields_check(k->kind, NULL, 0, err)))
		return rc;
	pthread_mutex_lock(&kinds_lock);
	for (int i = 0; i < n_kinds; i++) {
		if (strcmp(kinds[i]->kind, k->kind) == 0) {
			if (kinds[i]->check != k->check)
				rc = hv_err_set(err, HV_EEXIST,
						"ledger kind \"%s\" already has a check", k->kind);
			goto out;
		}
	}
	if (n_kinds == KINDS_MAX) {
		rc = hv_err_set(err, HV_ELIMIT, "ledger kind: more than %d kinds", KINDS_MAX);
		goto out;
	}
	kinds[n_kinds++] = k;
out:
	pthread_mutex_unlock(&kinds_lock);
	return rc;
}

const struct hv_ledger_kind *hv_ledger_kind_find(const char *kind)
{
	const struct hv_ledger_kind *k = NULL;

	pthread_mutex_lock(&kinds_lock);
	for (int i = 0; i < n_kinds; i++) {
		if (strcmp(kinds[i]->kind, kind) == 0) {
			k = kinds[i];
			break;
		}
	}
	pthread_mutex_unlock(&kinds_lock);
	return k;
}
