/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes the index's WKB decoder (hv_index_builder_add_wkb): untrusted bytes from imports and
 * stores. A geometry that decodes is built into an index and looked up at points taken from
 * the input (often its own vertices), so the build and the lookups see whatever the decoder
 * lets through. The first byte chooses how the rest is split into up to two geometries. Small
 * squares at the probe points make the grid fine, so a large decoded polygon spans many cells
 * and has them classified (boundary, inside, outside) as in a real city. */
#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "geo/index.h"

#include "core/banned.h"

#define MAX_PROBES 24
/* Half the side of the squares added at the probe points, in degrees (about 1 m). */
#define SQUARE 1e-5

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void add(struct hv_index_builder *b, int64_t ref, const uint8_t *p, size_t len, size_t *n_ok)
{
	struct hv_err err = {0};
	int rc = hv_index_builder_add_wkb(b, ref, p, len, &err);

	if (rc == HV_OK) {
		(*n_ok)++;
		return;
	}
	/* A refusal says which property and why. */
	assert(rc == HV_EINVAL || rc == HV_ELIMIT);
	assert(err.code == rc);
	assert(strncmp(err.msg, ref == 1 ? "property 1: " : "property 2: ", 12) == 0);
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A square polygon (ref 3) of side 2 * SQUARE around (x, y), as little-endian WKB. */
static void add_square(struct hv_index_builder *b, double x, double y)
{
	uint8_t w[93];
	double xy[10] = {x - SQUARE, y - SQUARE, x + SQUARE, y - SQUARE, x + SQUARE,
			 y + SQUARE, x - SQUARE, y + SQUARE, x - SQUARE, y - SQUARE};
	struct hv_err err = {0};

	w[0] = 1;
	put_le(w + 1, 3, 4);
	put_le(w + 5, 1, 4);
	put_le(w + 9, 5, 4);
	for (int i = 0; i < 10; i++) {
		uint64_t u;

		memcpy(&u, &xy[i], sizeof(u));
		put_le(w + 13 + 8 * i, u, 8);
	}
	/* Near the edge of the world the square may not fit: then it is refused, which is fine. */
	(void)hv_index_builder_add_wkb(b, 3, w, sizeof(w), &err);
}

/* Every aligned pair of little-endian doubles in the input that is a WGS 84 coordinate. */
static size_t probes(const uint8_t *data, size_t size, double *x, double *y)
{
	size_t n = 0;

	for (size_t at = 0; at + 16 <= size && n < MAX_PROBES; at++) {
		uint64_t u = 0, v = 0;
		double px, py;

		for (int i = 0; i < 8; i++) {
			u |= (uint64_t)data[at + i] << (8 * i);
			v |= (uint64_t)data[at + 8 + i] << (8 * i);
		}
		memcpy(&px, &u, sizeof(px));
		memcpy(&py, &v, sizeof(py));
		if (isfinite(px) && isfinite(py) && fabs(px) <= 180.0 && fabs(py) <= 90.0 &&
		    (px != 0.0 || py != 0.0)) {
			x[n] = px;
			y[n++] = py;
			at += 15;
		}
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_index_builder *b = hv_index_builder_new();
	struct hv_index_match m[8];
	struct hv_index_batch batch;
	struct hv_index *ix;
	double x[2 * MAX_PROBES + 2], y[2 * MAX_PROBES + 2];
	size_t n_ok = 0, n_probes, split;

	if (size == 0) {
		add(b, 1, data, 0, &n_ok);
		hv_index_builder_free(b);
		return 0;
	}
	/* First byte 0: one geometry; else the split point of two. */
	split = data[0] ? 1 + (size - 1) * data[0] / 256 : size;
	add(b, 1, data + 1, split - 1, &n_ok);
	if (split < size)
		add(b, 2, data + split, size - split, &n_ok);
	n_probes = probes(data, size, x, y);
	for (size_t i = 0, n = n_probes; i < n; i++) {
		add_square(b, x[i], y[i]);
		/* Just off the square: near searches, not only inside tests. */
		x[n_probes] = x[i] + 5 * SQUARE;
		y[n_probes++] = y[i];
	}
	ix = hv_index_build(b);
	assert(n_ok > 0 || hv_index_n_points(ix) == 0);
	x[n_probes] = NAN;
	y[n_probes++] = 0.0;
	x[n_probes] = -87.6;
	y[n_probes++] = 41.8;
	for (size_t i = 0; i < n_probes; i++) {
		for (int r = 0; r < 3; r++) {
			double radius = r == 0 ? 0.0 : (r == 1 ? 25.0 : 1e7);
			size_t n = hv_index_lookup(ix, x[i], y[i], radius, m, 8);

			for (size_t k = 0; k < n && k < 8; k++) {
				assert(m[k].ref >= 1 && m[k].ref <= 3);
				assert(m[k].area_m2 >= 0.0);
				if (m[k].relation == HV_INDEX_NEAR)
					assert(n == 1 && m[k].distance_m >= 0.0 &&
					       m[k].distance_m <= radius);
				else
					assert(m[k].distance_m == 0.0);
				if (k > 0)
					assert(m[k - 1].area_m2 <= m[k].area_m2);
			}
		}
	}
	hv_index_lookup_batch(ix, x, y, n_probes, 25.0, 1, &batch);
	for (size_t i = 0; i < n_probes; i++) {
		size_t n = hv_index_lookup(ix, x[i], y[i], 25.0, m, 8);

		assert(batch.offsets[i + 1] - batch.offsets[i] == n);
	}
	hv_index_batch_release(&batch);
	hv_index_free(ix);
	return 0;
}
