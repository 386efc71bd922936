/* SPDX-License-Identifier: Apache-2.0 */
/* HTML escaping: the one function every server-rendered page writes untrusted text with. */
#ifndef HV_CORE_HTML_H
#define HV_CORE_HTML_H

#include "core/buf.h"

/* Appends s with & < > " ' escaped (for text and quoted attribute values); NULL appends nothing. */
void hv_html_escape(struct hv_buf *b, const char *s);

#endif
