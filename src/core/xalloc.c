/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation wrappers that abort on out-of-memory. */
#include "core/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
	fprintf(stderr, "haven: out of memory allocating %zu bytes\n", n);
	abort();
}

void *hv_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *hv_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom(n * size);
	return p;
}

void *hv_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

void *hv_xgrow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap;

	if (need <= c)
		return p;
	if (c < 8)
		c = 8;
	while (c < need)
		c *= 2;
	if (size && c > (size_t)-1 / size)
		oom((size_t)-1);
	*cap = c;
	return hv_xrealloc(p, c * size);
}

char *hv_xstrdup(const char *s)
{
	if (!s)
		return NULL;
	return hv_xstrndup(s, strlen(s));
}

char *hv_xstrndup(const char *s, size_t n)
{
	char *d;

	if (!s)
		return NULL;
	d = hv_xmalloc(n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}
