/* SPDX-License-Identifier: Apache-2.0 */
/* summary.pdf of a case packet: plain text pages through cairo's PDF surface. The only file that
 * includes <cairo.h>. */
#include <stdio.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>

#include "cases/packet_internal.h"

#include "core/banned.h"

#define PAGE_W 595.0 /* A4, points */
#define PAGE_H 842.0
#define MARGIN 50.0
#define LINE_H 12.0
#define WRAP   100 /* bytes per line, at a space when there is one */

/* Length of the next wrapped line of s (at most WRAP bytes, ending at a space or a UTF-8
 * boundary). */
static size_t next_line(const char *s, size_t n)
{
	size_t cut;

	if (n <= WRAP)
		return n;
	for (cut = WRAP; cut > WRAP / 2 && s[cut] != ' '; cut--)
		;
	if (s[cut] != ' ')
		for (cut = WRAP; cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80; cut--)
			;
	return cut ? cut : WRAP;
}

int hv_packet_pdf(const char *path, const char *text, struct hv_err *err)
{
	cairo_surface_t *sf = cairo_pdf_surface_create(path, PAGE_W, PAGE_H);
	cairo_t *cr = cairo_create(sf);
	double y = MARGIN;
	const char *p = text;
	char line[WRAP + 8];
	int rc = HV_OK;

	cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
			       CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 9.0);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		do {
			size_t k = next_line(p, n);

			if (y > PAGE_H - MARGIN) {
				cairo_show_page(cr);
				y = MARGIN;
			}
			memcpy(line, p, k);
			line[k] = '\0';
			cairo_move_to(cr, MARGIN, y);
			cairo_show_text(cr, line);
			y += LINE_H;
			p += k;
			n -= k;
			while (n && *p == ' ')
				p++, n--;
		} while (n);
		if (nl)
			p = nl + 1;
	}
	cairo_show_page(cr);
	cairo_destroy(cr);
	cairo_surface_finish(sf);
	if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS)
		rc = hv_err_set(err, HV_EIO, "%s: %s", path,
				cairo_status_to_string(cairo_surface_status(sf)));
	cairo_surface_destroy(sf);
	return rc;
}
