/* SPDX-License-Identifier: Apache-2.0 */
/* QR codes (libqrencode) drawn as cairo rectangles; private to src/signs. */
#ifndef HV_SIGNS_QR_H
#define HV_SIGNS_QR_H

#include <cairo.h>

#include "core/err.h"

#define HV_SIGN_QR_TEXT_MAX 1024

/* Draws the QR code of text (error correction level M, 8-bit mode) in black, with its quiet zone
 * of 4 modules inside the square (x, y, size); the square is painted white first. HV_EINVAL when
 * text is empty, too long or cannot be encoded. */
int hv_signs_qr_draw(cairo_t *cr, const char *text, double x, double y, double size,
		     struct hv_err *err);

#endif
