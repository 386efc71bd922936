/* SPDX-License-Identifier: Apache-2.0 */
/* The web pages: server-rendered HTML over the same library as the JSON API (the public zone
 * map; staff sign-in, property search and pages, imports; admin users and tokens) and their
 * static files (haven's own, and Leaflet from node_modules). */
#ifndef HV_WEB_WEB_H
#define HV_WEB_WEB_H

#include <stdbool.h>

#include "core/err.h"
#include "core/html.h" /* hv_html_escape, for every page */
#include "http/http.h"

struct hv_api;

struct hv_web_opts {
	/* A base-map tile URL template ("https://tile.example.org/{z}/{x}/{y}.png"); NULL or "":
	 * no base map, the zones are drawn over the outline of the city's properties. */
	const char *tile_url;
	const char *tile_attribution; /* shown under the map with the tiles; NULL: none */
	/* Directory of haven's own static files (haven.css, map.js); NULL: the source tree's
	 * src/web/static, else the installed share/haven/web. */
	const char *static_dir;
	/* The node_modules directory holding leaflet/dist; NULL: the source tree's, else the
	 * installed share/haven/node_modules. */
	const char *node_modules;
};

struct hv_web;

/* Adds every page route and installs the HTML problem renderer. api and r must outlive *out.
 * Caller owns *out (hv_web_free). HV_ENOENT naming the directory when a static directory given
 * in o does not exist. */
int hv_web_register(struct hv_api *api, struct hv_router *r, const struct hv_web_opts *o,
		    struct hv_web **out, struct hv_err *err);
void hv_web_free(struct hv_web *w);
/* Whether Leaflet was found (without it the map page answers addresses but draws no map). */
bool hv_web_has_leaflet(const struct hv_web *w);


#endif
