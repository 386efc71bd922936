/* SPDX-License-Identifier: Apache-2.0 */
/* Form bodies from browsers: application/x-www-form-urlencoded and multipart/form-data (RFC 7578),
 * parsed from the whole body in memory, every text value checked before a handler sees it. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/str.h"
#include "http/http.h"

#define BOUNDARY_MAX 70 /* RFC 2046 */

/* The first n-byte needle in hay[0..len), or NULL (memmem is a GNU extension). */
static const char *find(const char *hay, size_t len, const char *needle, size_t n)
{
	const char *p = hay, *end = hay + len;

	while ((size_t)(end - p) >= n) {
		const char *c = memchr(p, needle[0], (size_t)(end - p) - n + 1);

		if (!c)
			return NULL;
		if (memcmp(c, needle, n) == 0)
			return c;
		p = c + 1;
	}
	return NULL;
}

/* Case-insensitive prefix test of the media type, ignoring parameters. */
static bool type_is(const char *ct, const char *type)
{
	size_t n = strlen(type);

	while (*ct == ' ' || *ct == '\t')
		ct++;
	return strncasecmp(ct, type, n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t');
}

/* The value of parameter name in a header value such as `form-data; name="a"; filename="b"`:
 * copied into the arena (quotes removed). NULL when absent; *bad on a malformed one. */
static const char *header_param(struct hv_arena *a, const char *v, size_t len, const char *name,
				bool *bad)
{
	size_t nl = strlen(name), i = 0;

	while (i < len) {
		while (i < len && v[i] != ';' && v[i] != '"')
			i++;
		if (i < len && v[i] == '"') {
			/* skip a quoted string that is not the one we want */
			for (i++; i < len && v[i] != '"'; i++)
				;
			i++;
			continue;
		}
		if (i >= len)
			break;
		i++; /* ';' */
		while (i < len && (v[i] == ' ' || v[i] == '\t'))
			i++;
		if (i + nl < len && strncasecmp(v + i, name, nl) == 0 && v[i + nl] == '=') {
			size_t s = i + nl + 1, e;

			if (s < len && v[s] == '"') {
				for (e = ++s; e < len && v[e] != '"'; e++)
					;
				if (e >= len) {
					*bad = true;
					return NULL;
				}
			} else {
				for (e = s; e < len && v[e] != ';' && v[e] != ' '; e++)
					;
			}
			return hv_arena_strndup(a, v + s, e - s);
		}
	}
	return NULL;
}

static int add_field(struct hv_form *out, const char *name, const char *filename, const char *value,
		     size_t len, struct hv_err *err)
{
	for (size_t i = 0; i < out->n_fields; i++)
		if (strcmp(out->fields[i].name, name) == 0)
			return hv_err_set(err, HV_EINVAL, "form field \"%.64s\": given twice",
					  name);
	if (out->n_fields == HV_FORM_MAX_FIELDS)
		return hv_err_set(err, HV_ELIMIT, "form: more than %d fields", HV_FORM_MAX_FIELDS);
	out->fields[out->n_fields++] = (struct hv_form_field){
		.name = name, .filename = filename, .value = value, .len = len};
	return HV_OK;
}

static int parse_urlencoded(struct hv_arena *a, const char *body, size_t len, struct hv_form *out,
			    struct hv_err *err)
{
	struct hv_query q = {0};
	int rc;

	if ((rc = hv_query_parse(a, body, len, &q, err)))
		return rc;
	for (size_t i = 0; i < q.n_params; i++)
		if ((rc = add_field(out, q.params[i].name, NULL, q.params[i].value,
				    strlen(q.params[i].value), err)))
			return rc;
	return HV_OK;
}

/* One part's headers [h, h + n): the Content-Disposition's name and filename. */
static int part_headers(struct hv_arena *a, const char *h, size_t n, const char **name,
			const char **filename, size_t k, struct hv_err *err)
{
	const char *p = h, *end = h + n;
	bool bad = false;

	*name = *filename = NULL;
	while (p < end) {
		const char *eol = memchr(p, '\r', (size_t)(end - p));
		size_t ln = eol ? (size_t)(eol - p) : (size_t)(end - p);
		static const char cd[] = "content-disposition:";

		if (ln > sizeof(cd) - 1 && strncasecmp(p, cd, sizeof(cd) - 1) == 0) {
			const char *v = p + sizeof(cd) - 1;
			size_t vn = ln - (sizeof(cd) - 1);

			while (vn && (*v == ' ' || *v == '\t')) {
				v++;
				vn--;
			}
			if (vn < 9 || strncasecmp(v, "form-data", 9) != 0)
				return hv_err_set(
					err, HV_EINVAL,
					"form part %zu: Content-Disposition is not form-data", k);
			*name = header_param(a, v + 9, vn - 9, "name", &bad);
			*filename = header_param(a, v + 9, vn - 9, "filename", &bad);
			if (bad)
				return hv_err_set(err, HV_EINVAL,
						  "form part %zu: unterminated quoted parameter",
						  k);
		}
		p += ln;
		if (p + 1 < end && p[0] == '\r' && p[1] == '\n')
			p += 2;
		else if (p < end)
			return hv_err_set(err, HV_EINVAL,
					  "form part %zu: a header line without CRLF", k);
	}
	if (!*name || !**name)
		return hv_err_set(err, HV_EINVAL, "form part %zu: no field name", k);
	if (!hv_utf8_valid(*name, strlen(*name)) ||
	    (*filename && !hv_utf8_valid(*filename, strlen(*filename))))
		return hv_err_set(err, HV_EINVAL, "form part %zu: name or filename is not UTF-8",
				  k);
	return HV_OK;
}

static int parse_multipart(struct hv_arena *a, const char *ct, const char *body, size_t len,
			   struct hv_form *out, struct hv_err *err)
{
	bool bad = false;
	const char *b = header_param(a, ct, strlen(ct), "boundary", &bad);
	char delim[BOUNDARY_MAX + 5];
	size_t dn, pos;
	const char *p;

	if (!b || bad || !*b || strlen(b) > BOUNDARY_MAX)
		return hv_err_set(err, HV_EINVAL,
				  "Content-Type: multipart/form-data needs a boundary of 1 to %d "
				  "characters",
				  BOUNDARY_MAX);
	dn = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", b);
	/* The first delimiter may open the body (no CRLF before it) or follow a preamble. */
	if (len >= dn - 2 && memcmp(body, delim + 2, dn - 2) == 0) {
		pos = dn - 2;
	} else {
		p = find(body, len, delim, dn);
		if (!p)
			return hv_err_set(err, HV_EINVAL,
					  "form: no multipart boundary in the body");
		pos = (size_t)(p - body) + dn;
	}
	for (size_t k = 0;; k++) {
		const char *hend, *next, *name, *filename, *value;
		size_t hn, vn;
		int rc;

		if (len - pos >= 2 && body[pos] == '-' && body[pos + 1] == '-')
			return HV_OK; /* the closing delimiter; an epilogue is ignored */
		if (len - pos < 2 || body[pos] != '\r' || body[pos + 1] != '\n')
			return hv_err_set(err, HV_EINVAL,
					  "form part %zu: no CRLF after the boundary", k);
		pos += 2;
		if (len - pos >= 2 && body[pos] == '\r' && body[pos + 1] == '\n') {
			hend = body + pos; /* a part with no headers */
		} else {
			hend = find(body + pos, len - pos, "\r\n\r\n", 4);
			if (!hend)
				return hv_err_set(err, HV_EINVAL,
						  "form part %zu: headers never end", k);
			hend += 2;
		}
		hn = (size_t)(hend - (body + pos));
		if ((rc = part_headers(a, body + pos, hn, &name, &filename, k, err)))
			return rc;
		pos += hn + 2;
		next = find(body + pos, len - pos, delim, dn);
		if (!next)
			return hv_err_set(err, HV_EINVAL,
					  "form field \"%.64s\": no closing boundary", name);
		vn = (size_t)(next - (body + pos));
		value = body + pos;
		if (!filename) {
			if (memchr(value, '\0', vn) || !hv_utf8_valid(value, vn))
				return hv_err_set(err, HV_EINVAL,
						  "form field \"%.64s\": not UTF-8 text", name);
			value = hv_arena_strndup(a, value, vn);
		}
		if ((rc = add_field(out, name, filename, value, vn, err)))
			return rc;
		pos = (size_t)(next - body) + dn;
	}
}

int hv_form_parse(struct hv_arena *a, const char *content_type, const char *body, size_t len,
		  struct hv_form *out, struct hv_err *err)
{
	out->n_fields = 0;
	if (!content_type || !*content_type) {
		if (len == 0)
			return HV_OK;
		return hv_err_set(err, HV_EINVAL,
				  "Content-Type: a form (application/x-www-form-urlencoded or "
				  "multipart/form-data) is expected");
	}
	if (type_is(content_type, "application/x-www-form-urlencoded"))
		return parse_urlencoded(a, body, len, out, err);
	if (type_is(content_type, "multipart/form-data"))
		return parse_multipart(a, content_type, body, len, out, err);
	return hv_err_set(err, HV_EINVAL,
			  "Content-Type \"%.64s\": a form (application/x-www-form-urlencoded or "
			  "multipart/form-data) is expected",
			  content_type);
}

const struct hv_form_field *hv_form_field(const struct hv_form *f, const char *name)
{
	if (!f)
		return NULL;
	for (size_t i = 0; i < f->n_fields; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return &f->fields[i];
	return NULL;
}

const char *hv_form_get(const struct hv_form *f, const char *name)
{
	const struct hv_form_field *x = hv_form_field(f, name);

	return x && !x->filename ? x->value : NULL;
}
