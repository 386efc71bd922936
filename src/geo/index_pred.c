/* SPDX-License-Identifier: Apache-2.0 */
/* The exact orientation predicate behind the index's on-edge and crossing decisions. */
#include <math.h>

#include "geo/index_internal.h"

#include "core/banned.h"

/* The determinant expands into six coordinate products, each an exact sum of two doubles
 * (fma gives the rounding error), so 12 terms: at most 12 expansion components. */
#define TERMS 12

/* a + b = *hi + *lo exactly (Knuth's two-sum). */
static void two_sum(double a, double b, double *hi, double *lo)
{
	double x = a + b;
	double bv = x - a;
	double av = x - bv;

	*hi = x;
	*lo = (a - av) + (b - bv);
}

/* Adds b to the non-overlapping expansion e[0..n) (smallest first), in place; returns the new
 * length. Zero components are dropped (Shewchuk's Grow-Expansion with zero elimination). */
static int grow(double *e, int n, double b)
{
	double q = b, hi, lo;
	int m = 0;

	for (int i = 0; i < n; i++) {
		two_sum(q, e[i], &hi, &lo);
		q = hi;
		if (lo != 0.0)
			e[m++] = lo;
	}
	if (q != 0.0)
		e[m++] = q;
	return m;
}

/* Adds the exact product s * a * b (s = +1 or -1) to the expansion. */
static int add_product(double *e, int n, double s, double a, double b)
{
	double p = a * b;
	double err = fma(a, b, -p);

	n = grow(e, n, s * p);
	return grow(e, n, s * err);
}

int hv_index_orient_exact(double ax, double ay, double bx, double by, double cx, double cy)
{
	/* (ax - cx)(by - cy) - (ay - cy)(bx - cx): the cx*cy terms cancel, six products remain. */
	double e[TERMS];
	int n = 0;

	n = add_product(e, n, 1.0, ax, by);
	n = add_product(e, n, -1.0, ax, cy);
	n = add_product(e, n, -1.0, cx, by);
	n = add_product(e, n, -1.0, ay, bx);
	n = add_product(e, n, 1.0, ay, cx);
	n = add_product(e, n, 1.0, cy, bx);
	/* The components do not overlap and grow in magnitude: the last one carries the sign. */
	if (n == 0)
		return 0;
	return e[n - 1] > 0.0 ? 1 : -1;
}
