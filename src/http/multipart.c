/* SPDX-License-Identifier: Apache-2.0 */
/* Streaming multipart/form-data: a small state machine over a bounded window. The body is
 * untrusted: every header is bounded, every name checked, and the window never grows past one
 * slice of input plus a delimiter. */
#include "http/multipart.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/str.h"
#include "core/xalloc.h"
#include "core/banned.h"

#define SLICE (64 * 1024)

enum state {
	PREAMBLE,
	AFTER_DELIM,
	HEADERS,
	BODY,
	DONE,
	FAILED
};

struct hv_multipart {
	const struct hv_multipart_cb *cb;
	void *ctx;
	char delim[HV_MULTIPART_BOUNDARY_MAX + 5]; /* "\r\n--" boundary */
	size_t dlen;
	char *win; /* unconsumed bytes */
	size_t len, cap;
	uint64_t offset; /* body offset of win[0] (minus the 2 bytes of the virtual CRLF) */
	enum state st;
	unsigned n_parts;
	bool in_part;
};

int hv_multipart_boundary(const char *ct, char out[HV_MULTIPART_BOUNDARY_MAX + 1],
			  struct hv_err *err)
{
	const char *p, *b;
	size_t n = 0;

	if (!ct || strncasecmp(ct, "multipart/form-data", 19) != 0)
		return hv_err_set(err, HV_EINVAL, "Content-Type is not multipart/form-data");
	for (p = ct + 19; *p; p++) {
		if (strncasecmp(p, "boundary=", 9) == 0 && (p[-1] == ';' || p[-1] == ' '))
			break;
	}
	if (!*p)
		return hv_err_set(err, HV_EINVAL, "Content-Type has no boundary parameter");
	b = p + 9;
	if (*b == '"') {
		b++;
		while (b[n] && b[n] != '"')
			n++;
		if (b[n] != '"')
			return hv_err_set(err, HV_EINVAL,
					  "Content-Type boundary has no closing quote");
	} else {
		while (b[n] && b[n] != ';' && b[n] != ' ' && b[n] != '\t')
			n++;
	}
	if (n == 0 || n > HV_MULTIPART_BOUNDARY_MAX)
		return hv_err_set(err, HV_EINVAL, "Content-Type boundary is empty or over %d bytes",
				  HV_MULTIPART_BOUNDARY_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b[i];

		if (c < 0x20 || c >= 0x7f)
			return hv_err_set(err, HV_EINVAL,
					  "Content-Type boundary has a control or "
					  "non-ASCII byte");
	}
	memcpy(out, b, n);
	out[n] = '\0';
	return HV_OK;
}

struct hv_multipart *hv_multipart_new(const char *boundary, const struct hv_multipart_cb *cb,
				      void *ctx)
{
	struct hv_multipart *m = hv_xcalloc(1, sizeof(*m));
	size_t bl = strlen(boundary);

	if (bl > HV_MULTIPART_BOUNDARY_MAX)
		bl = HV_MULTIPART_BOUNDARY_MAX;
	m->cb = cb;
	m->ctx = ctx;
	memcpy(m->delim, "\r\n--", 4);
	memcpy(m->delim + 4, boundary, bl);
	m->dlen = 4 + bl;
	m->cap = SLICE + HV_MULTIPART_HEADERS_MAX + m->dlen + 2;
	m->win = hv_xmalloc(m->cap);
	/* The first delimiter may open the body with no CRLF before it: supply one. */
	memcpy(m->win, "\r\n", 2);
	m->len = 2;
	m->st = PREAMBLE;
	return m;
}

void hv_multipart_free(struct hv_multipart *m)
{
	if (!m)
		return;
	free(m->win);
	free(m);
}

static const char *find(const char *h, size_t hl, const char *n, size_t nl)
{
	if (nl == 0 || hl < nl)
		return NULL;
	for (size_t i = 0; i + nl <= hl; i++) {
		const char *c = memchr(h + i, n[0], hl - nl + 1 - i);

		if (!c)
			return NULL;
		if (memcmp(c, n, nl) == 0)
			return c;
		i = (size_t)(c - h);
	}
	return NULL;
}

static int fail(struct hv_multipart *m, struct hv_err *err, int code, const char *what)
{
	m->st = FAILED;
	return hv_err_set(err, code, "multipart body at byte %llu: %s",
			  (unsigned long long)(m->offset > 2 ? m->offset - 2 : 0), what);
}

/* Copies a header parameter's value (quoted or token) into out; false when absent or too long. */
static bool header_param(const char *line, size_t len, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i + nl + 1 < len; i++) {
		size_t k, n = 0;

		if (strncasecmp(line + i, name, nl) != 0 || line[i + nl] != '=' ||
		    (i > 0 && line[i - 1] != ' ' && line[i - 1] != ';' && line[i - 1] != '\t'))
			continue;
		k = i + nl + 1;
		if (k < len && line[k] == '"') {
			for (k++; k < len && line[k] != '"'; k++) {
				if (line[k] == '\\' && k + 1 < len)
					k++;
				if (n + 1 >= cap)
					return false;
				out[n++] = line[k];
			}
			if (k >= len)
				return false;
		} else {
			for (; k < len && line[k] != ';' && line[k] != ' '; k++) {
				if (n + 1 >= cap)
					return false;
				out[n++] = line[k];
			}
		}
		out[n] = '\0';
		return true;
	}
	return false;
}

static bool clean_text(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return hv_utf8_valid(s, strlen(s));
}

static int parse_headers(struct hv_multipart *m, const char *h, size_t len, struct hv_err *err)
{
	struct hv_multipart_part part;
	bool has_disp = false;
	const char *line = h, *end = h + len;

	memset(&part, 0, sizeof(part));
	while (line < end) {
		const char *eol = find(line, (size_t)(end - line), "\r\n", 2);
		size_t ll = eol ? (size_t)(eol - line) : (size_t)(end - line);

		if (ll >= 20 && strncasecmp(line, "Content-Disposition:", 20) == 0) {
			const char *v = line + 20;
			size_t vl = ll - 20;

			while (vl && (*v == ' ' || *v == '\t'))
				v++, vl--;
			if (vl < 9 || strncasecmp(v, "form-data", 9) != 0)
				return fail(m, err, HV_EFORMAT,
					    "a part's Content-Disposition is not form-data");
			if (!header_param(v, vl, "name", part.name, sizeof(part.name)) ||
			    !part.name[0])
				return fail(m, err, HV_EFORMAT,
					    "a part has no name (or one over 127 bytes)");
			if (!header_param(v, vl, "filename", part.filename,
					  sizeof(part.filename)) &&
			    find(v, vl, "filename=", 9))
				return fail(m, err, HV_EFORMAT,
					    "a part's filename is malformed or over 255 bytes");
			has_disp = true;
		} else if (ll >= 13 && strncasecmp(line, "Content-Type:", 13) == 0) {
			const char *v = line + 13;
			size_t vl = ll - 13;

			while (vl && (*v == ' ' || *v == '\t'))
				v++, vl--;
			if (vl >= sizeof(part.content_type))
				return fail(m, err, HV_ELIMIT, "a part's Content-Type is too long");
			memcpy(part.content_type, v, vl);
			part.content_type[vl] = '\0';
		}
		line += ll + 2;
	}
	if (!has_disp)
		return fail(m, err, HV_EFORMAT, "a part has no Content-Disposition header");
	if (!clean_text(part.name) || !clean_text(part.filename) || !clean_text(part.content_type))
		return fail(m, err, HV_EFORMAT,
			    "a part's name, filename or type has control bytes or bad UTF-8");
	if (++m->n_parts > HV_MULTIPART_PARTS_MAX)
		return fail(m, err, HV_ELIMIT, "more than 64 parts");
	m->in_part = true;
	return m->cb->part_begin ? m->cb->part_begin(m->ctx, &part, err) : HV_OK;
}

static void consume(struct hv_multipart *m, size_t n)
{
	memmove(m->win, m->win + n, m->len - n);
	m->len -= n;
	m->offset += n;
}

static int emit(struct hv_multipart *m, size_t n, struct hv_err *err)
{
	int rc = HV_OK;

	if (n && m->cb->part_data)
		rc = m->cb->part_data(m->ctx, m->win, n, err);
	if (rc)
		m->st = FAILED;
	consume(m, n);
	return rc;
}

/* Runs the state machine over the window; leaves what it cannot decide yet. */
static int run(struct hv_multipart *m, struct hv_err *err)
{
	for (;;) {
		const char *hit;
		int rc;

		switch (m->st) {
		case PREAMBLE:
			hit = find(m->win, m->len, m->delim, m->dlen);
			if (!hit) {
				if (m->len >= m->dlen)
					consume(m, m->len - (m->dlen - 1));
				return HV_OK;
			}
			consume(m, (size_t)(hit - m->win) + m->dlen);
			m->st = AFTER_DELIM;
			break;
		case AFTER_DELIM:
			if (m->len < 2)
				return HV_OK;
			if (memcmp(m->win, "--", 2) == 0) {
				consume(m, 2);
				m->st = DONE;
				break;
			}
			if (memcmp(m->win, "\r\n", 2) != 0)
				return fail(m, err, HV_EFORMAT,
					    "a boundary line is not followed by CRLF or \"--\"");
			consume(m, 2);
			m->st = HEADERS;
			break;
		case HEADERS:
			if (m->len >= 2 && memcmp(m->win, "\r\n", 2) == 0) {
				return fail(m, err, HV_EFORMAT,
					    "a part has no Content-Disposition header");
			}
			hit = find(m->win, m->len, "\r\n\r\n", 4);
			if (!hit) {
				if (m->len > HV_MULTIPART_HEADERS_MAX)
					return fail(m, err, HV_ELIMIT,
						    "a part's headers are over 8192 bytes");
				return HV_OK;
			}
			if ((size_t)(hit - m->win) > HV_MULTIPART_HEADERS_MAX)
				return fail(m, err, HV_ELIMIT,
					    "a part's headers are over 8192 bytes");
			if ((rc = parse_headers(m, m->win, (size_t)(hit - m->win), err))) {
				m->st = FAILED;
				return rc;
			}
			consume(m, (size_t)(hit - m->win) + 4);
			m->st = BODY;
			break;
		case BODY:
			hit = find(m->win, m->len, m->delim, m->dlen);
			if (!hit) {
				if (m->len >= m->dlen)
					return emit(m, m->len - (m->dlen - 1), err);
				return HV_OK;
			}
			if ((rc = emit(m, (size_t)(hit - m->win), err)))
				return rc;
			m->in_part = false;
			if (m->cb->part_end && (rc = m->cb->part_end(m->ctx, err))) {
				m->st = FAILED;
				return rc;
			}
			consume(m, m->dlen);
			m->st = AFTER_DELIM;
			break;
		case DONE:
			m->offset += m->len;
			m->len = 0; /* the epilogue is ignored */
			return HV_OK;
		case FAILED:
			return hv_err_set(err, HV_EFORMAT, "multipart body: parse already failed");
		}
	}
}

int hv_multipart_feed(struct hv_multipart *m, const char *p, size_t n, struct hv_err *err)
{
	int rc;

	if (m->st == FAILED)
		return hv_err_set(err, HV_EFORMAT, "multipart body: parse already failed");
	while (n) {
		size_t k = m->cap - m->len;

		if (k > SLICE)
			k = SLICE;
		if (k > n)
			k = n;
		if (k == 0)
			return fail(m, err, HV_ELIMIT, "parser window full");
		memcpy(m->win + m->len, p, k);
		m->len += k;
		p += k;
		n -= k;
		if ((rc = run(m, err)))
			return rc;
	}
	return HV_OK;
}

int hv_multipart_finish(struct hv_multipart *m, struct hv_err *err)
{
	if (m->st == FAILED)
		return hv_err_set(err, HV_EFORMAT, "multipart body: parse already failed");
	if (m->st != DONE)
		return fail(m, err, HV_EFORMAT, "the body ends before its closing boundary");
	return HV_OK;
}
