/* SPDX-License-Identifier: Apache-2.0 */
/* The built-in template documents, data/signs/city.json and private.json, compiled in by embed_gen; private. */
#ifndef HV_SIGNS_TEMPLATE_DEFAULTS_H
#define HV_SIGNS_TEMPLATE_DEFAULTS_H

extern const char hv_sign_default_city_json[];
extern const char hv_sign_default_private_json[];

#endif
