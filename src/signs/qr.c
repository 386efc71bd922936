/* SPDX-License-Identifier: Apache-2.0 */
/* QR codes with libqrencode, drawn as one path of row runs (a few hundred rectangles, not one
 * per module: PDF size and drawing time both follow the number of path elements). */
#include <string.h>

#include <qrencode.h>

#include "signs/qr.h"
#include "core/banned.h"

int hv_signs_qr_draw(cairo_t *cr, const char *text, double x, double y, double size,
		     struct hv_err *err)
{
	QRcode *qr;
	double mod;
	int n;

	if (!text || !*text)
		return hv_err_set(err, HV_EINVAL, "QR code: empty text");
	if (strlen(text) > HV_SIGN_QR_TEXT_MAX)
		return hv_err_set(err, HV_EINVAL, "QR code: %zu bytes, at most %d", strlen(text),
				  HV_SIGN_QR_TEXT_MAX);
	qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
	if (!qr)
		return hv_err_set(err, HV_EINVAL, "QR code: cannot encode \"%.80s\"", text);
	n = qr->width;
	mod = size / (n + 8);
	cairo_save(cr);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_rectangle(cr, x, y, size, size);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	/* Each run of dark modules in a row is one rectangle; rows meet exactly, so antialiasing
	 * leaves no seams worth a scanner's notice. */
	for (int row = 0; row < n; row++) {
		const unsigned char *d = qr->data + (size_t)row * n;

		for (int col = 0; col < n;) {
			int start;

			if (!(d[col] & 1)) {
				col++;
				continue;
			}
			start = col;
			while (col < n && (d[col] & 1))
				col++;
			cairo_rectangle(cr, x + (start + 4) * mod, y + (row + 4) * mod,
					(col - start) * mod, mod);
		}
	}
	cairo_fill(cr);
	cairo_restore(cr);
	QRcode_free(qr);
	return HV_OK;
}
