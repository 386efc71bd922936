/* SPDX-License-Identifier: Apache-2.0 */
/* Private to the packet writer: the PDF summary. */
#ifndef HV_CASES_PACKET_INTERNAL_H
#define HV_CASES_PACKET_INTERNAL_H

#include "core/err.h"

/* Writes text (lines separated by '\n', wrapped to fit) as A4 PDF pages at path. */
int hv_packet_pdf(const char *path, const char *text, struct hv_err *err);

#endif
