/* SPDX-License-Identifier: Apache-2.0 */
/* Streaming JSON writer. */
#include "core/json.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void hv_json_init(struct hv_json *w, struct hv_buf *out, bool pretty)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->pretty = pretty;
	w->first[0] = true;
}

static void indent(struct hv_json *w)
{
	hv_buf_addc(w->out, '\n');
	for (int i = 0; i < w->depth; i++)
		hv_buf_add(w->out, "  ", 2);
}

/* Writes the separator a new value needs at the current position. */
static void before_value(struct hv_json *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth > 0) {
		if (!w->first[w->depth])
			hv_buf_addc(w->out, ',');
		w->first[w->depth] = false;
		if (w->pretty)
			indent(w);
	}
}

static void open(struct hv_json *w, char c)
{
	before_value(w);
	hv_buf_addc(w->out, c);
	assert(w->depth + 1 < HV_JSON_MAX_DEPTH);
	w->depth++;
	w->first[w->depth] = true;
}

static void close_(struct hv_json *w, char c)
{
	bool empty = w->first[w->depth];

	assert(w->depth > 0);
	w->depth--;
	if (w->pretty && !empty)
		indent(w);
	hv_buf_addc(w->out, c);
}

void hv_json_obj_begin(struct hv_json *w)
{
	open(w, '{');
}

void hv_json_obj_end(struct hv_json *w)
{
	close_(w, '}');
}

void hv_json_arr_begin(struct hv_json *w)
{
	open(w, '[');
}

void hv_json_arr_end(struct hv_json *w)
{
	close_(w, ']');
}

void hv_json_key(struct hv_json *w, const char *key)
{
	before_value(w);
	hv_json_quote(w->out, key, strlen(key));
	hv_buf_add(w->out, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
	w->after_key = true;
}

/* Length of a valid UTF-8 sequence at p (1..4), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
	unsigned c = p[0];
	size_t n;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0) {
		n = 2;
		cp = c & 0x1F;
	} else if ((c & 0xF0) == 0xE0) {
		n = 3;
		cp = c & 0x0F;
	} else if ((c & 0xF8) == 0xF0) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

void hv_json_quote(struct hv_buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	hv_buf_addc(b, '"');
	while (i < len) {
		unsigned char c = p[i];
		size_t n;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			run++;
			continue;
		}
		hv_buf_add(b, s + i - run, run);
		run = 0;
		switch (c) {
		case '"':
			hv_buf_add(b, "\\\"", 2);
			i++;
			continue;
		case '\\':
			hv_buf_add(b, "\\\\", 2);
			i++;
			continue;
		case '\n':
			hv_buf_add(b, "\\n", 2);
			i++;
			continue;
		case '\r':
			hv_buf_add(b, "\\r", 2);
			i++;
			continue;
		case '\t':
			hv_buf_add(b, "\\t", 2);
			i++;
			continue;
		default:
			break;
		}
		if (c < 0x20) {
			hv_buf_addf(b, "\\u%04x", c);
			i++;
			continue;
		}
		n = utf8_seq(p + i, len - i);
		if (n == 0) {
			hv_buf_add(b, "\xEF\xBF\xBD", 3);
			i++;
		} else {
			hv_buf_add(b, s + i, n);
			i += n;
		}
	}
	hv_buf_add(b, s + i - run, run);
	hv_buf_addc(b, '"');
}

void hv_json_str(struct hv_json *w, const char *s)
{
	if (!s) {
		hv_json_null(w);
		return;
	}
	hv_json_strn(w, s, strlen(s));
}

void hv_json_strn(struct hv_json *w, const char *s, size_t len)
{
	before_value(w);
	hv_json_quote(w->out, s, len);
}

void hv_json_int(struct hv_json *w, int64_t v)
{
	before_value(w);
	hv_buf_addf(w->out, "%lld", (long long)v);
}

void hv_json_double(struct hv_json *w, double v)
{
	before_value(w);
	if (!isfinite(v)) {
		hv_buf_add(w->out, "null", 4);
		return;
	}
	hv_buf_addf(w->out, "%.17g", v);
}

void hv_json_fixed(struct hv_json *w, double v, int decimals)
{
	static const uint64_t p10[] = {1,      10,	100,	  1000,	     10000,
				       100000, 1000000, 10000000, 100000000, 1000000000};
	char tmp[48];
	size_t n = sizeof(tmp);
	uint64_t u, ip, fp;
	double scaled;
	int d;

	if (decimals < 0 || decimals > 9 || !isfinite(v) ||
	    fabs(v) * (double)p10[decimals < 0 || decimals > 9 ? 0 : decimals] >= 9e15) {
		hv_json_double(w, v);
		return;
	}
	before_value(w);
	scaled = round(fabs(v) * (double)p10[decimals]);
	u = (uint64_t)scaled;
	ip = u / p10[decimals];
	fp = u % p10[decimals];
	/* digits are produced backwards into the end of tmp: fraction (trailing zeros dropped),
	 * then the integer part, then the sign */
	d = decimals;
	while (d > 0 && fp % 10 == 0) {
		fp /= 10;
		d--;
	}
	if (d > 0) {
		for (int i = 0; i < d; i++) {
			tmp[--n] = (char)('0' + fp % 10);
			fp /= 10;
		}
		tmp[--n] = '.';
	}
	do {
		tmp[--n] = (char)('0' + ip % 10);
		ip /= 10;
	} while (ip);
	if (v < 0 && u != 0)
		tmp[--n] = '-';
	hv_buf_add(w->out, tmp + n, sizeof(tmp) - n);
}

void hv_json_bool(struct hv_json *w, bool v)
{
	before_value(w);
	hv_buf_adds(w->out, v ? "true" : "false");
}

void hv_json_null(struct hv_json *w)
{
	before_value(w);
	hv_buf_add(w->out, "null", 4);
}

void hv_json_raw(struct hv_json *w, const char *json)
{
	before_value(w);
	hv_buf_adds(w->out, json);
}

void hv_json_raw_members(struct hv_json *w, const char *members, size_t len)
{
	assert(w->depth > 0 && !w->after_key);
	if (len == 0)
		return;
	if (!w->first[w->depth])
		hv_buf_addc(w->out, ',');
	w->first[w->depth] = false;
	hv_buf_add(w->out, members, len);
}
