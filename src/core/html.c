/* SPDX-License-Identifier: Apache-2.0 */
/* HTML escaping, shared by every page (web, signs, cases). */
#include "core/html.h"

void hv_html_escape(struct hv_buf *b, const char *s)
{
	const char *run = s;

	if (!s)
		return;
	for (; *s; s++) {
		const char *rep = NULL;

		switch (*s) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		hv_buf_add(b, run, (size_t)(s - run));
		hv_buf_adds(b, rep);
		run = s + 1;
	}
	hv_buf_add(b, run, (size_t)(s - run));
}
