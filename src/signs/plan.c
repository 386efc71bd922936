/* SPDX-License-Identifier: Apache-2.0 */
/* Coverage (in scope / signed / gated by department, ward and kind) and the placement plan: a
 * score per unsigned in-scope property, each term explained, ranked and cut at a budget. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/banned.h"
#include "core/strmap.h"
#include "core/xalloc.h"
#include "geo/index.h"
#include "registry/registry.h"
#include "signs/signs_internal.h"

double hv_signs_dist_m(double lon1, double lat1, double lon2, double lat2)
{
	const double r = 6371008.8, k = M_PI / 180.0;
	double dlat = (lat2 - lat1) * k, dlon = (lon2 - lon1) * k;
	double a = sin(dlat / 2) * sin(dlat / 2) +
		   cos(lat1 * k) * cos(lat2 * k) * sin(dlon / 2) * sin(dlon / 2);

	return 2 * r * atan2(sqrt(a), sqrt(1 - a));
}

/* ---- which properties carry a sign, which are gated ---- */

struct id_set {
	int64_t *ids;
	size_t n, cap;
};

static void id_add(struct id_set *s, int64_t id)
{
	s->ids = hv_xgrow(s->ids, &s->cap, s->n + 1, sizeof(*s->ids));
	s->ids[s->n++] = id;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static bool id_has(const struct id_set *s, int64_t id)
{
	return s->n && bsearch(&id, s->ids, s->n, sizeof(*s->ids), cmp_i64);
}

struct measures {
	int64_t *ids;
	char (*barrier)[HV_SIGN_WORD_MAX];
	size_t n, cap, cap_b;
};

static int signed_cb(void *ctx, const struct hv_sign_row *r)
{
	/* Signed: a sign is up (installed, or damaged but still there), not replaced, not
	 * missing or removed. */
	if (r->property_id &&
	    (strcmp(r->state, "installed") == 0 || strcmp(r->state, "damaged") == 0))
		id_add(ctx, r->property_id);
	return 0;
}

static int measure_cb(void *ctx, const struct hv_sign_measure *m)
{
	struct measures *ms = ctx;

	ms->ids = hv_xgrow(ms->ids, &ms->cap, ms->n + 1, sizeof(*ms->ids));
	ms->barrier = hv_xgrow(ms->barrier, &ms->cap_b, ms->n + 1, sizeof(*ms->barrier));
	ms->ids[ms->n] = m->property_id;
	snprintf(ms->barrier[ms->n], HV_SIGN_WORD_MAX, "%s", m->barrier);
	ms->n++;
	return 0;
}

static const char *barrier_of(const struct measures *ms, int64_t id)
{
	const int64_t *p = ms->n ? bsearch(&id, ms->ids, ms->n, sizeof(*ms->ids), cmp_i64) : NULL;

	return p ? ms->barrier[p - ms->ids] : "none";
}

struct status_ctx {
	const struct hv_zones *z;
	long rule; /* -1: any rule */
	bool *in;
	struct id_set signs;
	struct measures ms;
	hv_signs_status_fn fn;
	void *ctx;
};

static int status_one(void *ctx, const struct hv_property *p)
{
	struct status_ctx *c = ctx;
	bool in = false;

	hv_zones_match(c->z, p, c->in);
	if (c->rule >= 0) {
		in = c->in[c->rule];
	} else {
		for (size_t i = 0; i < hv_zones_count(c->z); i++)
			in |= c->in[i];
	}
	if (!in)
		return 0;
	return c->fn(c->ctx, p, id_has(&c->signs, p->id),
		     strcmp(barrier_of(&c->ms, p->id), "none") != 0);
}

/* Loads the zones, signed ids and measures; the caller releases with status_release. */
static int status_load(struct hv_store *s, const char *scope_name, struct status_ctx *c,
		       struct hv_zones **z, struct hv_err *err)
{
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = hv_zones_load(s, 0, z, err)))
		return rc;
	c->z = *z;
	c->rule = -1;
	if (scope_name && (c->rule = hv_zones_find(*z, scope_name)) < 0)
		return hv_err_set(err, HV_ENOENT, "scope \"%s\": no such rule in force",
				  scope_name);
	if (!scope_name && hv_zones_count(*z) == 0)
		return hv_err_set(err, HV_ENOENT,
				  "no scope rule in force: add one with 'haven scope add'");
	c->in = hv_xcalloc(hv_zones_count(*z) + 1, sizeof(bool));
	rc = hv_store_sign_each(s, 0, 0, NULL, signed_cb, &c->signs, err);
	if (rc < 0)
		return rc;
	if (c->signs.n)
		qsort(c->signs.ids, c->signs.n, sizeof(int64_t), cmp_i64);
	rc = hv_store_sign_measure_latest(s, measure_cb, &c->ms, err);
	return rc < 0 ? rc : HV_OK;
}

static void status_release(struct status_ctx *c, struct hv_zones *z)
{
	free(c->in);
	free(c->signs.ids);
	free(c->ms.ids);
	free(c->ms.barrier);
	hv_zones_free(z);
}

int hv_signs_status_each(struct hv_store *s, const char *scope_name, hv_signs_status_fn fn,
			 void *ctx, struct hv_err *err)
{
	struct hv_property_filter f = {0};
	struct hv_zones *z = NULL;
	struct status_ctx c;
	int rc;

	if ((rc = status_load(s, scope_name, &c, &z, err)))
		goto out;
	c.fn = fn;
	c.ctx = ctx;
	rc = hv_store_property_each(s, &f, status_one, &c, err);
out:
	status_release(&c, z);
	return rc;
}

/* ---- coverage ---- */

struct cov_ctx {
	struct hv_signs_coverage *c;
	struct hv_strmap index;
	size_t cap;
	char ward_field[128], dept_field[128];
};

static void cov_add(struct cov_ctx *cc, const char *group, const char *value, bool sg, bool gt)
{
	char key[300];
	size_t i;

	snprintf(key, sizeof(key), "%s\x1f%s", group, value);
	if (!hv_strmap_get(&cc->index, key, &i)) {
		i = cc->c->n_rows++;
		cc->c->rows = hv_xgrow(cc->c->rows, &cc->cap, cc->c->n_rows, sizeof(*cc->c->rows));
		memset(&cc->c->rows[i], 0, sizeof(cc->c->rows[i]));
		snprintf(cc->c->rows[i].group, sizeof(cc->c->rows[i].group), "%s", group);
		snprintf(cc->c->rows[i].value, sizeof(cc->c->rows[i].value), "%s", value);
		hv_strmap_put(&cc->index, key, i, NULL);
	}
	cc->c->rows[i].in_scope++;
	cc->c->rows[i].signed_ += sg;
	cc->c->rows[i].gated += gt;
}

/* The attribute's value as text ("(none)" when absent or null). */
static void attr_text(json_t *attrs, const char *field, char *out, size_t cap)
{
	json_t *v = attrs ? json_object_get(attrs, field) : NULL;

	if (json_is_string(v) && *json_string_value(v))
		snprintf(out, cap, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(out, cap, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(out, cap, "%g", json_real_value(v));
	else
		snprintf(out, cap, "(none)");
}

static int cov_one(void *ctx, const struct hv_property *p, bool sg, bool gt)
{
	struct cov_ctx *cc = ctx;
	json_t *attrs = p->attrs_json ? json_loads(p->attrs_json, 0, NULL) : NULL;
	char v[128];

	cov_add(cc, "total", "all", sg, gt);
	attr_text(attrs, cc->dept_field, v, sizeof(v));
	cov_add(cc, "department", v, sg, gt);
	attr_text(attrs, cc->ward_field, v, sizeof(v));
	cov_add(cc, "ward", v, sg, gt);
	cov_add(cc, "kind", p->kind && *p->kind ? p->kind : "(none)", sg, gt);
	json_decref(attrs);
	return 0;
}

static int group_rank(const char *g)
{
	return strcmp(g, "total") == 0	      ? 0
	       : strcmp(g, "department") == 0 ? 1
	       : strcmp(g, "ward") == 0	      ? 2
					      : 3;
}

static int cmp_row(const void *a, const void *b)
{
	const struct hv_signs_cov_row *x = a, *y = b;
	int d = group_rank(x->group) - group_rank(y->group);

	return d ? d : strcmp(x->value, y->value);
}

int hv_signs_coverage(struct hv_store *s, const char *scope_name, struct hv_signs_coverage *out,
		      struct hv_err *err)
{
	struct cov_ctx cc = {.c = out};
	int rc;

	memset(out, 0, sizeof(*out));
	hv_strmap_init(&cc.index);
	if ((rc = hv_signs_setting(s, "coverage.ward_field", NULL, cc.ward_field,
				   sizeof(cc.ward_field), err)) ||
	    (rc = hv_signs_setting(s, "coverage.department_field", NULL, cc.dept_field,
				   sizeof(cc.dept_field), err)))
		goto out;
	rc = hv_signs_status_each(s, scope_name, cov_one, &cc, err);
	if (rc == HV_OK && out->n_rows == 0) {
		/* Nothing in scope still has a total line: zeros, not an empty table. */
		out->rows = hv_xcalloc(1, sizeof(*out->rows));
		out->n_rows = 1;
		snprintf(out->rows[0].group, sizeof(out->rows[0].group), "total");
		snprintf(out->rows[0].value, sizeof(out->rows[0].value), "all");
	}
	if (out->n_rows)
		qsort(out->rows, out->n_rows, sizeof(*out->rows), cmp_row);
out:
	hv_strmap_release(&cc.index);
	if (rc)
		hv_signs_coverage_release(out);
	return rc;
}

void hv_signs_coverage_release(struct hv_signs_coverage *c)
{
	if (!c)
		return;
	free(c->rows);
	memset(c, 0, sizeof(*c));
}

void hv_signs_coverage_json(const struct hv_signs_coverage *c, struct hv_json *w)
{
	const char *groups[] = {"total", "department", "ward", "kind"};

	hv_json_obj_begin(w);
	for (size_t g = 0; g < 4; g++) {
		hv_json_key(w, g == 0	? "total"
			       : g == 1 ? "by_department"
			       : g == 2 ? "by_ward"
					: "by_kind");
		if (g)
			hv_json_arr_begin(w);
		for (size_t i = 0; i < c->n_rows; i++) {
			const struct hv_signs_cov_row *r = &c->rows[i];

			if (strcmp(r->group, groups[g]) != 0)
				continue;
			hv_json_obj_begin(w);
			if (g) {
				hv_json_key(w, "value");
				hv_json_str(w, r->value);
			}
			hv_json_key(w, "in_scope");
			hv_json_int(w, r->in_scope);
			hv_json_key(w, "signed");
			hv_json_int(w, r->signed_);
			hv_json_key(w, "gated");
			hv_json_int(w, r->gated);
			hv_json_obj_end(w);
			if (!g)
				break;
		}
		if (g)
			hv_json_arr_end(w);
	}
	hv_json_obj_end(w);
}

/* ---- the plan ---- */

static const char *const weight_names[HV_PLAN_N_TERMS] = {
	"plan.w_attempt", "plan.w_incidents", "plan.w_area", "plan.w_staging", "plan.w_exposure"};
static const char *const term_names[HV_PLAN_N_TERMS] = {"attempted_use", "incidents", "lot_size",
							"staging", "exposure"};

int hv_signs_plan_weights_load(struct hv_store *s, struct hv_signs_plan_weights *w,
			       struct hv_err *err)
{
	int rc = HV_OK;

	for (int i = 0; i < HV_PLAN_N_TERMS && !rc; i++)
		w->w[i] = hv_signs_setting_num(s, weight_names[i], err, &rc);
	if (!rc)
		w->near_m = hv_signs_setting_num(s, "plan.near_m", err, &rc);
	if (!rc)
		w->radius_m = hv_signs_setting_num(s, "plan.radius_m", err, &rc);
	if (!rc)
		w->area_cap_ha = hv_signs_setting_num(s, "plan.area_cap_ha", err, &rc);
	if (!rc)
		w->staging_radius_m = hv_signs_setting_num(s, "plan.staging_radius_m", err, &rc);
	return rc;
}

struct points {
	struct hv_sign_point *p;
	size_t n, cap;
};

static int point_cb(void *ctx, const struct hv_sign_point *p)
{
	struct points *ps = ctx;

	ps->p = hv_xgrow(ps->p, &ps->cap, ps->n + 1, sizeof(*ps->p));
	ps->p[ps->n++] = *p;
	return 0;
}

struct cand {
	struct hv_signs_plan_item item;
	bool has_point;
	double lon, lat;
	unsigned char *wkb;
	size_t wkb_len;
};

struct plan_ctx {
	struct cand *c;
	size_t n, cap;
	const struct measures *ms;
};

static int plan_one(void *ctx, const struct hv_property *p, bool sg, bool gt)
{
	struct plan_ctx *pc = ctx;
	struct cand *c;

	(void)gt;
	if (sg)
		return 0;
	pc->c = hv_xgrow(pc->c, &pc->cap, pc->n + 1, sizeof(*pc->c));
	c = &pc->c[pc->n++];
	memset(c, 0, sizeof(*c));
	c->item.property_id = p->id;
	snprintf(c->item.name, sizeof(c->item.name), "%s", p->name ? p->name : "");
	snprintf(c->item.address, sizeof(c->item.address), "%s", p->address ? p->address : "");
	snprintf(c->item.kind, sizeof(c->item.kind), "%s", p->kind ? p->kind : "");
	c->has_point = p->has_point;
	c->lon = p->lon;
	c->lat = p->lat;
	if (p->wkb && p->geom_type && strstr(p->geom_type, "Polygon")) {
		c->wkb = hv_xmalloc(p->wkb_len);
		memcpy(c->wkb, p->wkb, p->wkb_len);
		c->wkb_len = p->wkb_len;
	}
	return 0;
}

static int cmp_item(const void *a, const void *b)
{
	const struct hv_signs_plan_item *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return (x->property_id > y->property_id) - (x->property_id < y->property_id);
}

/* The area of each candidate's polygon: one index of them all, asked at each candidate's point
 * on the surface (the index's area is shells less holes, in m^2). */
static void areas(struct plan_ctx *pc)
{
	struct hv_index_builder *b = hv_index_builder_new();
	struct hv_index *ix;
	struct hv_index_match m[32];

	for (size_t i = 0; i < pc->n; i++)
		if (pc->c[i].wkb)
			hv_index_builder_add_wkb(b, (int64_t)i, pc->c[i].wkb, pc->c[i].wkb_len,
						 NULL);
	ix = hv_index_build(b);
	for (size_t i = 0; i < pc->n; i++) {
		size_t n;

		if (!pc->c[i].wkb || !pc->c[i].has_point)
			continue;
		n = hv_index_lookup(ix, pc->c[i].lon, pc->c[i].lat, 0, m, 32);
		for (size_t k = 0; k < n && k < 32; k++)
			if (m[k].ref == (int64_t)i)
				pc->c[i].item.area_m2 = m[k].area_m2;
	}
	hv_index_free(ix);
}

int hv_signs_plan_make(struct hv_store *s, const char *scope_name, double budget, double cost,
		       const struct hv_signs_plan_weights *wt, struct hv_signs_plan *out,
		       struct hv_err *err)
{
	struct plan_ctx pc = {0};
	struct points inc = {0}, stg = {0};
	struct measures ms = {0};
	int rc;

	memset(out, 0, sizeof(*out));
	if (!(budget >= 0) || !isfinite(budget))
		return hv_err_set(err, HV_EINVAL, "budget %g: not a number >= 0", budget);
	if (!(cost > 0) || !isfinite(cost))
		return hv_err_set(err, HV_EINVAL, "cost %g: not a number > 0", cost);
	if (wt)
		out->weights = *wt;
	else if ((rc = hv_signs_plan_weights_load(s, &out->weights, err)))
		return rc;
	out->budget = budget;
	out->cost = cost;
	if ((rc = hv_signs_status_each(s, scope_name, plan_one, &pc, err)))
		goto out;
	if ((rc = hv_store_sign_point_each(s, true, point_cb, &inc, err)) < 0 ||
	    (rc = hv_store_sign_point_each(s, false, point_cb, &stg, err)) < 0 ||
	    (rc = hv_store_sign_measure_latest(s, measure_cb, &ms, err)) < 0)
		goto out;
	rc = HV_OK;
	areas(&pc);
	for (size_t i = 0; i < pc.n; i++) {
		struct cand *c = &pc.c[i];
		struct hv_signs_plan_item *it = &c->item;
		const struct hv_signs_plan_weights *w = &out->weights;
		double ha, g;

		it->staging_m = NAN;
		for (size_t k = 0; k < inc.n; k++) {
			const struct hv_sign_point *p = &inc.p[k];
			double d = c->has_point ? hv_signs_dist_m(c->lon, c->lat, p->lon, p->lat)
						: INFINITY;

			if (strcmp(p->name, "attempted_use") == 0 &&
			    (p->property_id == it->property_id || d <= w->near_m))
				it->n_attempts++;
			if (d <= w->radius_m)
				it->n_incidents++;
		}
		for (size_t k = 0; c->has_point && k < stg.n; k++) {
			double d = hv_signs_dist_m(c->lon, c->lat, stg.p[k].lon, stg.p[k].lat);

			if (isnan(it->staging_m) || d < it->staging_m)
				it->staging_m = d;
		}
		snprintf(it->barrier, sizeof(it->barrier), "%s", barrier_of(&ms, it->property_id));
		ha = it->area_m2 / 10000.0;
		if (ha > w->area_cap_ha)
			ha = w->area_cap_ha;
		g = strcmp(it->barrier, "locked") == 0 ? 0.0
		    : strcmp(it->barrier, "none") == 0 ? 1.0
						       : 0.5;
		it->term[HV_PLAN_ATTEMPT] = w->w[HV_PLAN_ATTEMPT] * (double)it->n_attempts;
		it->term[HV_PLAN_INCIDENTS] = w->w[HV_PLAN_INCIDENTS] * (double)it->n_incidents;
		it->term[HV_PLAN_AREA] = w->w[HV_PLAN_AREA] * ha;
		it->term[HV_PLAN_STAGING] =
			isnan(it->staging_m) || !(w->staging_radius_m > 0) ||
					it->staging_m >= w->staging_radius_m
				? 0.0
				: w->w[HV_PLAN_STAGING] *
					  (1.0 - it->staging_m / w->staging_radius_m);
		it->term[HV_PLAN_EXPOSURE] = w->w[HV_PLAN_EXPOSURE] * g;
		it->score = 0;
		for (int t = 0; t < HV_PLAN_N_TERMS; t++)
			it->score += it->term[t];
	}
	out->n_candidates = pc.n;
	out->items = hv_xcalloc(pc.n + 1, sizeof(*out->items));
	for (size_t i = 0; i < pc.n; i++)
		out->items[i] = pc.c[i].item;
	qsort(out->items, pc.n, sizeof(*out->items), cmp_item);
	for (size_t i = 0; i < pc.n; i++) {
		if (out->spent + cost > budget + 1e-9)
			break;
		out->spent += cost;
		out->items[i].cum_cost = out->spent;
		out->n_items++;
	}
out:
	for (size_t i = 0; i < pc.n; i++)
		free(pc.c[i].wkb);
	free(pc.c);
	free(inc.p);
	free(stg.p);
	free(ms.ids);
	free(ms.barrier);
	if (rc)
		hv_signs_plan_release(out);
	return rc;
}

void hv_signs_plan_release(struct hv_signs_plan *p)
{
	if (!p)
		return;
	free(p->items);
	memset(p, 0, sizeof(*p));
}

void hv_signs_plan_json(const struct hv_signs_plan *p, struct hv_json *w)
{
	hv_json_obj_begin(w);
	hv_json_key(w, "budget");
	hv_json_fixed(w, p->budget, 2);
	hv_json_key(w, "cost");
	hv_json_fixed(w, p->cost, 2);
	hv_json_key(w, "spent");
	hv_json_fixed(w, p->spent, 2);
	hv_json_key(w, "candidates");
	hv_json_int(w, (int64_t)p->n_candidates);
	hv_json_key(w, "weights");
	hv_json_obj_begin(w);
	for (int t = 0; t < HV_PLAN_N_TERMS; t++) {
		hv_json_key(w, term_names[t]);
		hv_json_fixed(w, p->weights.w[t], 4);
	}
	hv_json_key(w, "near_m");
	hv_json_fixed(w, p->weights.near_m, 2);
	hv_json_key(w, "radius_m");
	hv_json_fixed(w, p->weights.radius_m, 2);
	hv_json_key(w, "area_cap_ha");
	hv_json_fixed(w, p->weights.area_cap_ha, 4);
	hv_json_key(w, "staging_radius_m");
	hv_json_fixed(w, p->weights.staging_radius_m, 2);
	hv_json_obj_end(w);
	hv_json_key(w, "ranking");
	hv_json_arr_begin(w);
	for (size_t i = 0; i < p->n_items; i++) {
		const struct hv_signs_plan_item *it = &p->items[i];

		hv_json_obj_begin(w);
		hv_json_key(w, "rank");
		hv_json_int(w, (int64_t)i + 1);
		hv_json_key(w, "property_id");
		hv_json_int(w, it->property_id);
		hv_json_key(w, "name");
		hv_json_str(w, it->name);
		hv_json_key(w, "address");
		hv_json_str(w, it->address);
		hv_json_key(w, "kind");
		hv_json_str(w, it->kind);
		hv_json_key(w, "score");
		hv_json_fixed(w, it->score, 4);
		hv_json_key(w, "reasons");
		hv_json_obj_begin(w);
		for (int t = 0; t < HV_PLAN_N_TERMS; t++) {
			hv_json_key(w, term_names[t]);
			hv_json_fixed(w, it->term[t], 4);
		}
		hv_json_obj_end(w);
		hv_json_key(w, "attempted_uses");
		hv_json_int(w, it->n_attempts);
		hv_json_key(w, "incidents_in_radius");
		hv_json_int(w, it->n_incidents);
		hv_json_key(w, "area_m2");
		hv_json_fixed(w, it->area_m2, 1);
		hv_json_key(w, "staging_m");
		if (isnan(it->staging_m))
			hv_json_null(w);
		else
			hv_json_fixed(w, it->staging_m, 1);
		hv_json_key(w, "barrier");
		hv_json_str(w, it->barrier);
		hv_json_key(w, "cumulative_cost");
		hv_json_fixed(w, it->cum_cost, 2);
		hv_json_obj_end(w);
	}
	hv_json_arr_end(w);
	hv_json_obj_end(w);
}
