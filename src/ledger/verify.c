/* SPDX-License-Identifier: Apache-2.0 */
/* `haven verify`'s engine: recompute every leaf, node, root and checkpoint from the stored
 * entries in one pass, and run the modules' kind checks; name the first thing that differs. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "ledger/ledger.h"
#include "store/ledger_store.h"

#include "core/banned.h"

struct level_nodes {
	int64_t n; /* slots */
	uint8_t (*hash)[HV_LEDGER_HASH_LEN];
	uint8_t *state; /* 0 absent, 1 present, 2 present and checked */
};

struct cp {
	int64_t id;
	int64_t size;
	uint8_t root[HV_LEDGER_HASH_LEN];
};

struct vctx {
	struct hv_store *s;
	const struct hv_ledger_verifier *keys;
	int n_keys;
	bool run_kind_checks;
	struct hv_ledger_verify_report *rep;
	struct hv_err *err;
	int64_t size; /* entries the table claims: max(seq) + 1 */
	struct level_nodes lv[HV_LEDGER_MAX_LEVELS];
	int64_t n_nodes, n_nodes_checked;
	struct cp *cps;
	int64_t n_cps, next_cp;
	size_t cap_cps;
	struct hv_ledger_range range;
	int64_t next_seq;
};

static int node_fn(void *ctx, int level, int64_t idx, const unsigned char *hash, size_t len)
{
	struct vctx *v = ctx;
	struct level_nodes *l;

	if (level < 1 || level >= HV_LEDGER_MAX_LEVELS || idx < 0 || (idx + 1) > (v->size >> level))
		return hv_err_set(v->err, HV_EINVAL,
				  "ledger node (level %d, index %" PRId64
				  ") lies beyond the %" PRId64
				  " entries: entries were removed or the node was forged",
				  level, idx, v->size);
	if (len != HV_LEDGER_HASH_LEN)
		return hv_err_set(v->err, HV_EINVAL,
				  "ledger node (level %d, index %" PRId64 ") is %zu bytes, not 32",
				  level, idx, len);
	l = &v->lv[level];
	if (!l->hash) {
		l->n = v->size >> level;
		l->hash = hv_xmalloc((size_t)l->n * HV_LEDGER_HASH_LEN);
		l->state = hv_xcalloc((size_t)l->n, 1);
	}
	memcpy(l->hash[idx], hash, HV_LEDGER_HASH_LEN);
	l->state[idx] = 1;
	v->n_nodes++;
	return 0;
}

static int cp_fn(void *ctx, const struct hv_store_ledger_checkpoint *c)
{
	struct vctx *v = ctx;
	struct hv_ledger_checkpoint parsed;
	struct cp *k;
	int rc;

	if (c->root_len != HV_LEDGER_HASH_LEN)
		return hv_err_set(v->err, HV_EINVAL, "checkpoint %" PRId64 ": root is %zu bytes",
				  c->id, c->root_len);
	if (v->n_keys > 0) {
		rc = hv_ledger_checkpoint_open(c->note, strlen(c->note), v->keys, v->n_keys,
					       &parsed, NULL, v->err);
	} else {
		struct hv_ledger_note *sn = hv_xmalloc(sizeof(*sn));

		rc = hv_ledger_note_split(c->note, strlen(c->note), sn, v->err);
		if (rc == HV_OK)
			rc = hv_ledger_checkpoint_parse(c->note, sn->text_len, &parsed, v->err);
		free(sn);
	}
	if (rc)
		return hv_err_prefix(v->err, HV_EINVAL, "checkpoint %" PRId64 " (size %" PRId64 ")",
				     c->id, c->size);
	if (parsed.size != c->size || memcmp(parsed.root, c->root, HV_LEDGER_HASH_LEN) != 0)
		return hv_err_set(v->err, HV_EINVAL,
				  "checkpoint %" PRId64 ": its signed note (size %" PRId64
				  ") and its row (size %" PRId64 ") disagree",
				  c->id, parsed.size, c->size);
	if (c->size > v->size)
		return hv_err_set(v->err, HV_EINVAL,
				  "checkpoint %" PRId64 " covers %" PRId64
				  " entries but the ledger "
				  "has %" PRId64 ": entries were removed",
				  c->id, c->size, v->size);
	v->cps = hv_xgrow(v->cps, &v->cap_cps, (size_t)v->n_cps + 1, sizeof(*v->cps));
	k = &v->cps[v->n_cps++];
	k->id = c->id;
	k->size = c->size;
	memcpy(k->root, c->root, HV_LEDGER_HASH_LEN);
	return 0;
}

/* Called for each interior node the recomputation completes: it must be stored, and equal. */
static int done_fn(void *ctx, int level, int64_t idx, const uint8_t *hash)
{
	struct vctx *v = ctx;
	struct level_nodes *l = level < HV_LEDGER_MAX_LEVELS ? &v->lv[level] : NULL;

	if (!l || !l->hash || idx >= l->n || l->state[idx] == 0)
		return hv_err_set(v->err, HV_EINVAL,
				  "ledger node (level %d, index %" PRId64 ") is missing", level,
				  idx);
	if (memcmp(l->hash[idx], hash, HV_LEDGER_HASH_LEN) != 0)
		return hv_err_set(v->err, HV_EINVAL,
				  "ledger node (level %d, index %" PRId64 ", over entries %" PRId64
				  " to %" PRId64 ") does not match the entries below it",
				  level, idx, idx << level, ((idx + 1) << level) - 1);
	l->state[idx] = 2;
	v->n_nodes_checked++;
	return 0;
}

static int check_checkpoints(struct vctx *v)
{
	uint8_t root[HV_LEDGER_HASH_LEN];

	while (v->next_cp < v->n_cps && v->cps[v->next_cp].size == v->range.size) {
		const struct cp *c = &v->cps[v->next_cp++];

		hv_ledger_range_root(&v->range, root);
		if (memcmp(root, c->root, HV_LEDGER_HASH_LEN) != 0)
			return hv_err_set(v->err, HV_EINVAL,
					  "checkpoint %" PRId64 " (size %" PRId64
					  "): its root does not match the entries",
					  c->id, c->size);
		v->rep->n_checkpoints++;
	}
	return HV_OK;
}

#define REF(r) ((r)->ref ? (r)->ref : "-")

static int entry_fn(void *ctx, const struct hv_store_ledger_row *r)
{
	struct vctx *v = ctx;
	struct hv_ledger_fields f;
	char kind[HV_LEDGER_KIND_MAX + 1], ref[HV_LEDGER_REF_MAX + 1];
	uint8_t leaf[HV_LEDGER_HASH_LEN];
	const struct hv_ledger_kind *k;
	int rc;

	v->rep->bad_seq = r->seq;
	if (r->seq != v->next_seq)
		return hv_err_set(v->err, HV_EINVAL,
				  "entry %" PRId64 " is missing (the next stored entry is %" PRId64
				  ")",
				  v->next_seq, r->seq);
	if ((rc = hv_ledger_entry_parse(r->entry, r->entry_len, &f, kind, ref, v->err)))
		return hv_err_prefix(v->err, HV_EINVAL, "entry %" PRId64 " (%s)", r->seq, REF(r));
	if (f.seq != r->seq)
		return hv_err_set(v->err, HV_EINVAL,
				  "entry %" PRId64 " (%s): its bytes are those of entry %" PRId64
				  " (entries moved or swapped)",
				  r->seq, REF(r), f.seq);
	if (strcmp(f.kind, r->kind) != 0 || (f.ref == NULL) != (r->ref == NULL) ||
	    (f.ref && strcmp(f.ref, r->ref) != 0) || f.recorded_ms != r->recorded_ms)
		return hv_err_set(v->err, HV_EINVAL,
				  "entry %" PRId64 " (%s): its kind, ref or recorded_ms column "
				  "differs from its bytes",
				  r->seq, REF(r));
	hv_ledger_leaf_hash(r->entry, r->entry_len, leaf);
	if (r->leaf_hash_len != HV_LEDGER_HASH_LEN ||
	    memcmp(leaf, r->leaf_hash, HV_LEDGER_HASH_LEN) != 0)
		return hv_err_set(v->err, HV_EINVAL, "entry %" PRId64 " (%s): leaf hash mismatch",
				  r->seq, REF(r));
	if ((rc = hv_ledger_range_push(&v->range, leaf, done_fn, v)))
		return hv_err_prefix(v->err, rc, "at entry %" PRId64 " (%s)", r->seq, REF(r));
	if (v->run_kind_checks) {
		if ((k = hv_ledger_kind_find(f.kind))) {
			if ((rc = k->check(v->s, r->seq, f.ref, f.body, f.body_len, v->err)))
				return hv_err_prefix(v->err, HV_EINVAL, "entry %" PRId64 " (%s)",
						     r->seq, REF(r));
			v->rep->n_kind_checked++;
		} else {
			v->rep->n_kind_unchecked++;
		}
	}
	v->next_seq++;
	v->rep->n_entries++;
	if ((rc = check_checkpoints(v)))
		return rc;
	v->rep->bad_seq = -1;
	return 0;
}

static int cmp_cp(const void *a, const void *b)
{
	const struct cp *x = a, *y = b;

	return x->size < y->size ? -1 : x->size > y->size ? 1 : (x->id > y->id) - (x->id < y->id);
}

int hv_ledger_verify(struct hv_store *s, const struct hv_ledger_verifier *keys, int n_keys,
		     bool run_kind_checks, struct hv_ledger_verify_report *rep, struct hv_err *err)
{
	struct vctx *v = hv_xcalloc(1, sizeof(*v));
	int rc;

	memset(rep, 0, sizeof(*rep));
	rep->bad_seq = -1;
	v->s = s;
	v->keys = keys;
	v->n_keys = n_keys;
	v->run_kind_checks = run_kind_checks;
	v->rep = rep;
	v->err = err;
	hv_ledger_range_init(&v->range);
	if ((rc = hv_store_ledger_read_begin(s, err)))
		goto out;
	if ((rc = hv_store_ledger_size(s, &v->size, err)))
		goto out_read;
	if ((rc = hv_store_ledger_node_each(s, node_fn, v, err)))
		goto out_read;
	rep->n_nodes = v->n_nodes;
	if ((rc = hv_store_ledger_checkpoint_each(s, cp_fn, v, err)))
		goto out_read;
	if (v->n_cps > 1)
		qsort(v->cps, (size_t)v->n_cps, sizeof(*v->cps), cmp_cp);
	if ((rc = check_checkpoints(v))) /* checkpoints of the empty tree */
		goto out_read;
	if ((rc = hv_store_ledger_each(s, 0, -1, entry_fn, v, err)))
		goto out_read;
	if (v->next_seq != v->size) {
		rc = hv_err_set(err, HV_EINVAL,
				"the ledger ends at entry %" PRId64 " but claims %" PRId64
				" entries",
				v->next_seq, v->size);
		goto out_read;
	}
	if (v->n_nodes_checked != v->n_nodes) {
		rc = hv_err_set(err, HV_EINVAL,
				"%" PRId64 " stored ledger nodes are not part of the tree",
				v->n_nodes - v->n_nodes_checked);
		goto out_read;
	}
	rc = HV_OK;
out_read:
	hv_store_ledger_read_end(s);
out:
	for (int i = 0; i < HV_LEDGER_MAX_LEVELS; i++) {
		free(v->lv[i].hash);
		free(v->lv[i].state);
	}
	free(v->cps);
	free(v);
	if (rc && rc != HV_EINVAL && rc != HV_ESTORE)
		rc = HV_EINVAL;
	return rc;
}
