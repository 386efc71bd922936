/* SPDX-License-Identifier: Apache-2.0 */
/* Batch lookups: points answered in grid (Z-)order on several threads, results in input order.
 *
 * Each thread takes a contiguous share of the input. Most points are settled by the clearance
 * raster alone (nothing covers them, nothing is within the radius); that raster stays in cache,
 * so those are answered in input order, their count (0) written in place. The others read
 * entries and polygon data, mostly from DRAM when taken at random: those are sorted by the
 * Z-order key of their cell (radix sort), their coordinates gathered into that order, and looked
 * up, so consecutive lookups share cells and polygons in cache. Their counts are scattered back
 * to input order; once all counts are summed into offsets, a second pass copies each point's
 * matches into place. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "geo/index_internal.h"

#include "core/banned.h"

/* Below this many points a thread costs more than it saves. */
#define MIN_POINTS_PER_THREAD 4096
#define MAX_THREADS	      64
/* Matches one lookup may return before the slower retry with a buffer of the exact size. */
#define FIRST_CAP 16
/* How many points ahead the copy pass starts loading a point's output offset. */
#define AHEAD 16

/* One thread's share of the input: points [begin, end), in runs of at most 2^32 - 1 (a sort key
 * holds a 32-bit position). */
struct share {
	const struct hv_index *ix;
	const double *lon, *lat;
	double radius_m;
	size_t begin, end, run;
	uint64_t *keys; /* the current run's hard points: key << 32 | position in the run, sorted */
	size_t n_keys;
	uint64_t *tmp;	  /* 2 * run words: the sort's buffer, then the gathered coordinates */
	uint32_t *counts; /* matches of the run's hard points, in key order */
	struct hv_index_match *matches; /* the share's matches, in key order, run after run */
	size_t n_matches, cap_matches;
	size_t *offsets; /* the output's: counts first (offsets[i + 1]), then sums */
	struct hv_index_match *out;
};

/* The Z-order key of a point's grid cell. */
static uint32_t point_key(const struct hv_index *ix, double lon, double lat)
{
	return hv_index_morton(hv_index_sub(lon, ix->gx0, ix->sx, ix->gmax_x) >> 8,
			       hv_index_sub(lat, ix->gy0, ix->sy, ix->gmax_y) >> 8);
}

/* Answers the run's easy points (count 0 written in place, when count is true) and lists the
 * others in s->keys, sorted. */
static void sort_run(struct share *s, size_t r0, size_t m, bool count)
{
	s->n_keys = 0;
	for (size_t i = 0; i < m; i++) {
		double x = s->lon[r0 + i], y = s->lat[r0 + i];

		if (hv_index_no_match(s->ix, x, y, s->radius_m)) {
			if (count)
				s->offsets[r0 + i + 1] = 0;
			continue;
		}
		s->keys[s->n_keys++] = (uint64_t)point_key(s->ix, x, y) << 32 | i;
	}
	hv_index_radix_sort(s->keys, s->tmp, s->n_keys);
}

/* Looks up one point; appends its matches; returns how many. */
static uint32_t lookup_one(struct share *s, double lon, double lat)
{
	struct hv_index_match first[FIRST_CAP];
	size_t n = hv_index_lookup(s->ix, lon, lat, s->radius_m, first, FIRST_CAP);

	if (n == 0)
		return 0;
	s->matches = hv_xgrow(s->matches, &s->cap_matches, s->n_matches + n, sizeof(*s->matches));
	if (n <= FIRST_CAP)
		memcpy(s->matches + s->n_matches, first, n * sizeof(*first));
	else
		hv_index_lookup(s->ix, lon, lat, s->radius_m, s->matches + s->n_matches, n);
	s->n_matches += n;
	return (uint32_t)n;
}

/* Phase one, run by run: the easy points answered, the hard ones sorted, their coordinates
 * gathered into key order (read at random inside the lookups, each would be a miss the lookup
 * waits for; gathered, the misses overlap), looked up, and their counts scattered to
 * offsets[i + 1]. */
static void *run_lookups(void *arg)
{
	struct share *s = arg;

	for (size_t r0 = s->begin; r0 < s->end; r0 += s->run) {
		size_t m = s->end - r0 < s->run ? s->end - r0 : s->run;
		double *xy = (double *)s->tmp;

		sort_run(s, r0, m, true);
		for (size_t k = 0; k < s->n_keys; k++) {
			size_t i = r0 + (uint32_t)s->keys[k];

			xy[2 * k] = s->lon[i];
			xy[2 * k + 1] = s->lat[i];
		}
		for (size_t k = 0; k < s->n_keys; k++)
			s->counts[k] = lookup_one(s, xy[2 * k], xy[2 * k + 1]);
		for (size_t k = 0; k < s->n_keys; k++)
			s->offsets[r0 + (uint32_t)s->keys[k] + 1] = s->counts[k];
	}
	return NULL;
}

/* Phase two: walk the hard points in key order again (sorting again when there were several
 * runs) and copy each one's matches to offsets[i]. */
static void *run_copy(void *arg)
{
	struct share *s = arg;
	size_t src = 0;

	for (size_t r0 = s->begin; r0 < s->end; r0 += s->run) {
		size_t m = s->end - r0 < s->run ? s->end - r0 : s->run;

		if (s->end - s->begin > s->run)
			sort_run(s, r0, m, false);
		for (size_t k = 0; k < s->n_keys; k++) {
			size_t i = r0 + (uint32_t)s->keys[k];
			size_t c;

			/* offsets[i] is read at random: start the load some points ahead. */
			if (k + AHEAD < s->n_keys)
				PREFETCH(&s->offsets[r0 + (uint32_t)s->keys[k + AHEAD]]);
			c = s->offsets[i + 1] - s->offsets[i];
			if (c == 0)
				continue;
			memcpy(s->out + s->offsets[i], s->matches + src, c * sizeof(*s->out));
			src += c;
		}
	}
	return NULL;
}

/* Runs fn on every share: shares 1.. on new threads, share 0 on this one. */
static void run_all(struct share *shares, int n, void *(*fn)(void *))
{
	pthread_t tid[MAX_THREADS];
	bool started[MAX_THREADS] = {false};

	for (int t = 1; t < n; t++)
		started[t] = pthread_create(&tid[t], NULL, fn, &shares[t]) == 0;
	/* A thread that could not start has its share done here. */
	for (int t = 0; t < n; t++)
		if (t == 0 || !started[t])
			fn(&shares[t]);
	for (int t = 1; t < n; t++)
		if (started[t])
			pthread_join(tid[t], NULL);
}

static int thread_count(int n_threads, size_t n)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t by_size = n / MIN_POINTS_PER_THREAD;
	int t = n_threads > 0 ? n_threads : (cores > 0 ? (int)cores : 1);

	if (t > MAX_THREADS)
		t = MAX_THREADS;
	if ((size_t)t > by_size)
		t = by_size > 0 ? (int)by_size : 1;
	return t;
}

void hv_index_lookup_batch(const struct hv_index *ix, const double *lon, const double *lat,
			   size_t n, double radius_m, int n_threads, struct hv_index_batch *out)
{
	struct share shares[MAX_THREADS];
	int nt = thread_count(n_threads, n);
	size_t total = 0;

	*out = (struct hv_index_batch){.n_points = n};
	out->offsets = hv_index_big_alloc((n + 1) * sizeof(size_t));
	for (int t = 0; t < nt; t++) {
		struct share *s = &shares[t];
		size_t m;

		*s = (struct share){
			.ix = ix,
			.lon = lon,
			.lat = lat,
			.radius_m = radius_m,
			.begin = n * (size_t)t / (size_t)nt,
			.end = n * (size_t)(t + 1) / (size_t)nt,
			.offsets = out->offsets,
		};
		m = s->end - s->begin;
		s->run = m < UINT32_MAX ? (m ? m : 1) : UINT32_MAX;
		s->keys = hv_index_big_alloc(s->run * sizeof(uint64_t));
		s->tmp = hv_index_big_alloc(2 * s->run * sizeof(uint64_t));
		s->counts = hv_index_big_alloc(s->run * sizeof(uint32_t));
	}
	run_all(shares, nt, run_lookups);
	out->offsets[0] = 0;
	for (size_t i = 0; i < n; i++) {
		total += out->offsets[i + 1];
		out->offsets[i + 1] = total;
	}
	out->n_matches = total;
	out->matches = hv_index_big_alloc((total ? total : 1) * sizeof(*out->matches));
	for (int t = 0; t < nt; t++)
		shares[t].out = out->matches;
	run_all(shares, nt, run_copy);
	for (int t = 0; t < nt; t++) {
		free(shares[t].keys);
		free(shares[t].tmp);
		free(shares[t].counts);
		free(shares[t].matches);
	}
}

void hv_index_batch_release(struct hv_index_batch *b)
{
	if (!b)
		return;
	free(b->offsets);
	free(b->matches);
	*b = (struct hv_index_batch){0};
}
