/* SPDX-License-Identifier: Apache-2.0 */
/* Decoding what arrives on the wire: percent-escapes, paths and query strings, all validated
 * before any handler sees them (no NUL, valid UTF-8, no ".." segments). */
#include <string.h>

#include "core/str.h"
#include "http/http.h"

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hv_http_decode(struct hv_arena *a, const char *src, size_t len, bool plus_space, char **out,
		   size_t *out_len, struct hv_err *err)
{
	char *dst = hv_arena_alloc(a, len + 1);
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char c = src[i];

		if (c == '%') {
			int hi = i + 1 < len ? hex_val(src[i + 1]) : -1;
			int lo = i + 2 < len ? hex_val(src[i + 2]) : -1;

			if (hi < 0 || lo < 0)
				return hv_err_set(err, HV_EINVAL,
						  "malformed percent-escape at byte %zu", i);
			c = (char)(hi << 4 | lo);
			if (c == '\0')
				return hv_err_set(err, HV_EINVAL,
						  "an encoded NUL (%%00) is not allowed");
			i += 2;
		} else if (c == '+' && plus_space) {
			c = ' ';
		} else if (c == '\0') {
			return hv_err_set(err, HV_EINVAL, "a NUL byte is not allowed");
		}
		dst[n++] = c;
	}
	dst[n] = '\0';
	if (!hv_utf8_valid(dst, n))
		return hv_err_set(err, HV_EINVAL, "invalid UTF-8");
	*out = dst;
	if (out_len)
		*out_len = n;
	return HV_OK;
}

/* Segments are decoded one at a time so an encoded '/' (%2F) stays inside its segment instead
 * of changing the path's shape; ".." is checked after decoding so %2e%2e is caught too. */
int hv_http_path_parse(struct hv_arena *a, const char *raw, size_t len, struct hv_path *out,
		       const char **norm, struct hv_err *err)
{
	size_t i = 0, norm_len = 0;
	char *seg, *n;
	size_t seg_len;
	int rc;

	out->n_segs = 0;
	while (i < len) {
		size_t j = i;

		while (j < len && raw[j] != '/')
			j++;
		if (j > i) {
			if ((rc = hv_http_decode(a, raw + i, j - i, false, &seg, &seg_len, err)))
				return hv_err_prefix(err, rc, "path");
			if (strcmp(seg, "..") == 0)
				return hv_err_set(err, HV_EINVAL,
						  "path: a \"..\" segment is not allowed");
			if (strcmp(seg, ".") != 0) {
				if (out->n_segs == HV_PATH_MAX_SEGMENTS)
					return hv_err_set(err, HV_ELIMIT,
							  "path: more than %d segments",
							  HV_PATH_MAX_SEGMENTS);
				out->segs[out->n_segs++] = seg;
				norm_len += seg_len + 1;
			}
		}
		i = j + 1;
	}
	n = hv_arena_alloc(a, norm_len + 2);
	n[0] = '/';
	n[1] = '\0';
	norm_len = 0;
	for (size_t k = 0; k < out->n_segs; k++) {
		size_t l = strlen(out->segs[k]);

		n[norm_len++] = '/';
		memcpy(n + norm_len, out->segs[k], l);
		norm_len += l;
	}
	if (norm_len)
		n[norm_len] = '\0';
	*norm = n;
	return HV_OK;
}

static int add_pair(struct hv_arena *a, const char *p, size_t len, struct hv_query *q,
		    struct hv_err *err)
{
	const char *eq = memchr(p, '=', len);
	size_t name_len = eq ? (size_t)(eq - p) : len;
	char *name, *value;
	int rc;

	if ((rc = hv_http_decode(a, p, name_len, true, &name, NULL, err)))
		return hv_err_prefix(err, rc, "query parameter name");
	if (!*name)
		return hv_err_set(err, HV_EINVAL, "query: a parameter without a name");
	if (eq && (rc = hv_http_decode(a, eq + 1, len - name_len - 1, true, &value, NULL, err)))
		return hv_err_prefix(err, rc, "query parameter \"%s\"", name);
	if (!eq)
		value = "";
	if (hv_query_get(q, name))
		return hv_err_set(err, HV_EINVAL, "query parameter \"%s\" is given twice", name);
	if (q->n_params == HV_QUERY_MAX_PARAMS)
		return hv_err_set(err, HV_ELIMIT, "query: more than %d parameters",
				  HV_QUERY_MAX_PARAMS);
	q->params[q->n_params].name = name;
	q->params[q->n_params].value = value;
	q->n_params++;
	return HV_OK;
}

int hv_query_parse(struct hv_arena *a, const char *raw, size_t len, struct hv_query *q,
		   struct hv_err *err)
{
	size_t i = 0;
	int rc;

	q->n_params = 0;
	while (i < len) {
		size_t j = i;

		while (j < len && raw[j] != '&')
			j++;
		if (j > i && (rc = add_pair(a, raw + i, j - i, q, err)))
			return rc;
		i = j + 1;
	}
	return HV_OK;
}

const char *hv_query_get(const struct hv_query *q, const char *name)
{
	for (size_t i = 0; i < q->n_params; i++)
		if (strcmp(q->params[i].name, name) == 0)
			return q->params[i].value;
	return NULL;
}
