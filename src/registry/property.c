/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON form of a property, shared by the command line and the API. */
#include <string.h>

#include "core/clock.h"
#include "registry/registry.h"

void hv_property_json(struct hv_json *w, const struct hv_property *p, const struct hv_zones *z,
		      const bool *in)
{
	char when[HV_TIME_ISO_MAX];

	hv_json_obj_begin(w);
	hv_json_key(w, "id");
	hv_json_int(w, p->id);
	hv_json_key(w, "source");
	hv_json_str(w, p->source);
	hv_json_key(w, "source_id");
	hv_json_str(w, p->source_key);
	hv_json_key(w, "kind");
	hv_json_str(w, p->kind);
	hv_json_key(w, "name");
	hv_json_str(w, p->name);
	hv_json_key(w, "address");
	hv_json_str(w, p->address);
	hv_json_key(w, "status");
	hv_json_str(w, p->status);
	hv_json_key(w, "lon");
	if (p->has_point)
		hv_json_double(w, p->lon);
	else
		hv_json_null(w);
	hv_json_key(w, "lat");
	if (p->has_point)
		hv_json_double(w, p->lat);
	else
		hv_json_null(w);
	hv_json_key(w, "geometry_type");
	hv_json_str(w, p->wkb ? p->geom_type : NULL);
	hv_json_key(w, "bbox");
	if (p->wkb) {
		hv_json_arr_begin(w);
		hv_json_double(w, p->minx);
		hv_json_double(w, p->miny);
		hv_json_double(w, p->maxx);
		hv_json_double(w, p->maxy);
		hv_json_arr_end(w);
	} else {
		hv_json_null(w);
	}
	hv_json_key(w, "removed");
	hv_json_bool(w, p->removed);
	hv_json_key(w, "version");
	hv_json_int(w, p->version);
	hv_time_format_iso(p->valid_from_ms, when, sizeof(when));
	hv_json_key(w, "valid_from");
	hv_json_str(w, when);
	if (z) {
		hv_json_key(w, "zones");
		hv_json_arr_begin(w);
		for (size_t i = 0; i < hv_zones_count(z); i++)
			if (in[i])
				hv_json_str(w, hv_zones_name(z, i));
		hv_json_arr_end(w);
	}
	hv_json_key(w, "attributes");
	hv_json_raw(w, p->attrs_json && *p->attrs_json ? p->attrs_json : "{}");
	hv_json_obj_end(w);
}
