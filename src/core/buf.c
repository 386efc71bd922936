/* SPDX-License-Identifier: Apache-2.0 */
/* Growable byte buffer. */
#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static char empty_data[1];

void hv_buf_init(struct hv_buf *b, size_t limit)
{
	b->data = empty_data;
	b->len = 0;
	b->cap = 0;
	b->limit = limit ? limit : HV_BUF_DEFAULT_LIMIT;
	b->failed = false;
}

void hv_buf_release(struct hv_buf *b)
{
	if (!b)
		return;
	if (b->cap)
		free(b->data);
	hv_buf_init(b, b->limit);
}

void hv_buf_reset(struct hv_buf *b)
{
	b->len = 0;
	if (b->cap)
		b->data[0] = '\0';
	b->failed = false;
}

static bool reserve(struct hv_buf *b, size_t n)
{
	size_t need;

	if (b->failed)
		return false;
	if (n > b->limit - b->len) {
		b->failed = true;
		return false;
	}
	need = b->len + n + 1;
	if (need > b->cap) {
		size_t cap = b->cap < 64 ? 64 : b->cap;

		while (cap < need)
			cap *= 2;
		if (b->cap) {
			b->data = hv_xrealloc(b->data, cap);
		} else {
			b->data = hv_xmalloc(cap);
			b->data[0] = '\0';
		}
		b->cap = cap;
	}
	return true;
}

void hv_buf_add(struct hv_buf *b, const void *p, size_t n)
{
	if (!reserve(b, n))
		return;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void hv_buf_adds(struct hv_buf *b, const char *s)
{
	hv_buf_add(b, s, strlen(s));
}

void hv_buf_addc(struct hv_buf *b, char c)
{
	hv_buf_add(b, &c, 1);
}

void hv_buf_addf(struct hv_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *hv_buf_detach(struct hv_buf *b, size_t *len)
{
	char *p;

	if (len)
		*len = b->len;
	if (b->cap) {
		p = b->data;
	} else {
		p = hv_xstrdup("");
	}
	hv_buf_init(b, b->limit);
	return p;
}
