/* SPDX-License-Identifier: Apache-2.0 */
/* Street addresses: normalisation and matching. "3401 W. Foster Ave.", "3401 west foster avenue"
 * and "3401 W FOSTER AVE" are the same address; "1200-1210 W 63RD ST" on a building footprint
 * matches 1204 W 63rd St (same parity). Pure C, no third-party code. */
#ifndef HV_GEO_ADDRESS_H
#define HV_GEO_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define HV_ADDR_MAX 128

/* A parsed address. Strings are upper case, punctuation removed, single-spaced. */
struct hv_addr {
	long number_lo;       /* house number; 0 when none */
	long number_hi;       /* end of a range ("1200-1210"), else == number_lo */
	char predir[3];       /* "N", "S", "E", "W", "NE", ... or "" */
	char street[HV_ADDR_MAX]; /* "FOSTER", "63RD", "MARTIN LUTHER KING JR" */
	char type[8];         /* USPS suffix: "AVE", "ST", "BLVD", ... or "" */
	char postdir[3];
	char unit[16];        /* "4B" from "Apt 4B", "# 4B", "Unit 4B", "Ste 4B"; or "" */
};

/* Parses text (at most 1,024 bytes; untrusted) into *out. Returns false when there is no street
 * name at all. City, state and ZIP after a comma are ignored ("2505 E. 73rd St., Chicago, IL"). */
bool hv_addr_parse(const char *text, size_t len, struct hv_addr *out);
/* The canonical text of a (non-range) address: "3401 W FOSTER AVE". */
void hv_addr_format(const struct hv_addr *a, char *out, size_t cap);

struct hv_addr_index; /* immutable after build; thread-safe to query */
struct hv_addr_index_builder;

struct hv_addr_index_builder *hv_addr_index_builder_new(void);
/* Adds a property's address (ignored when it does not parse; returns whether it did). */
bool hv_addr_index_builder_add(struct hv_addr_index_builder *b, int64_t ref, const char *text);
void hv_addr_index_builder_free(struct hv_addr_index_builder *b);
/* Consumes the builder. */
struct hv_addr_index *hv_addr_index_build(struct hv_addr_index_builder *b);
void hv_addr_index_free(struct hv_addr_index *ix);

/* Finds the properties at text's address: exact matches (number, street, type, directional),
 * and a range covering the number with the same parity. When the query omits the street type or
 * the directional, every address that agrees on the rest matches (ambiguous matches are all
 * listed); a unit in the query prefers the same unit but falls back to the building. Writes at
 * most cap refs, returns how many match (may exceed cap); 0 when none or unparsable. */
size_t hv_addr_index_find(const struct hv_addr_index *ix, const char *text, int64_t *refs,
			  size_t cap);

#endif
