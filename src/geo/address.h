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
/* The longest text hv_addr_parse and the index read; longer text is not an address. */
#define HV_ADDR_TEXT_MAX 1024
/* Room for any hv_addr_format output, NUL included. */
#define HV_ADDR_FORMAT_MAX 200

/* How text is read, in order:
 * - Every word is upper case (ASCII and Latin-1 letters: "ñ" reads "Ñ"; other non-ASCII text
 *   is kept as is). Invalid UTF-8 is refused; a no-break space separates words.
 * - A comma ends the address: what follows is city, state and ZIP, and is ignored, except a
 *   unit opening the next part ("100 Main St, Apt 4, Chicago"). A trailing ZIP ("60649",
 *   "60649-1234") after a word is dropped too.
 * - Punctuation separates words, except an apostrophe inside a word ("O'Brien" is OBRIEN) and a
 *   period between single letters ("N.W." is NW; "St.Louis" is ST LOUIS). "-" separates too,
 *   so "Wilkes-Barre" is WILKES BARRE and "Seventy-Third" SEVENTY THIRD (then 73RD, below).
 * - The number: digits at the start (at most 9; more is junk: false). "1200-1210" and
 *   "1200 - 1210" are a range; a reversed one ("1200-10") keeps only its first number. "1234A"
 *   is number 1234, unit A; a fraction ("1/2") after the number is the unit. No number:
 *   number_lo = 0.
 * - The unit: a designator (APT, APARTMENT, UNIT, STE, SUITE, #, RM, ROOM; FL, FLR, FLOOR for a
 *   floor) after at least one street word, with its value: "Apt 4B", "# 4-B", "Suite 200" give
 *   "4B", "4B", "200"; "Fl 3", "Floor 3rd", "3rd Floor" give "FL 3" (a floor has a digit and
 *   at most 4 characters: "FL 33101" is a state and a ZIP). Words after the value are ignored.
 *   A value longer than 15 bytes leaves the unit empty. "Apt 52100" is a unit, not a ZIP.
 * - The directional: the first word after the number is a predir (N, S, E, W, NE, NW, SE, SW,
 *   NORTH ... SOUTHWEST) when another word follows, unless that word is a type and the last
 *   word: "W North Ave" is W + NORTH AVE, "North Ave" is NORTH AVE, "S Avenue O" is S +
 *   AVENUE O. Only one word is taken ("W West End Ave" is W + WEST END AVE).
 * - The type: the last USPS suffix word (AVENUE/AVE/AV, STREET/ST/STR, BOULEVARD/BLVD,
 *   ROAD/RD, DRIVE/DR, PLACE/PL, COURT/CT, LANE/LN, PARKWAY/PKWY, TERRACE/TER, HIGHWAY/HWY,
 *   SQUARE/SQ, CIRCLE/CIR, WAY, PLAZA/PLZ, EXPRESSWAY/EXPY, TRAIL/TRL, ROW, ALLEY/ALY and
 *   common variants) with a name word before it, as its USPS abbreviation. "Avenue O" and "St
 *   Louis" are names; in "St Lawrence Ave" the type is AVE. PARK is never a type ("Lake Park
 *   Ave"). A directional right after the type is the postdir ("Normal Pkwy North"); other words
 *   after the type are ignored (a city written without a comma, "OP" in Chicago's inventory).
 * - The street name: the remaining words, single-spaced, ordinals as digits with the right
 *   suffix ("73rd", "73RD", "73th", "Seventy-Third", "seventy third" and, as the whole name
 *   before a type, "73" are all 73RD; "Fifth" is 5TH). It must contain a letter (a number alone
 *   is no street: false) and fit HV_ADDR_MAX.
 */

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

/* Parses text (len bytes, untrusted, need not be NUL-terminated) into *out by the rules above.
 * Returns false, with *out zeroed, when there is no street name at all, for more than
 * HV_ADDR_TEXT_MAX bytes, invalid UTF-8, or a number too long to be a house number. City, state
 * and ZIP after a comma are ignored ("2505 E. 73rd St., Chicago, IL"). */
bool hv_addr_parse(const char *text, size_t len, struct hv_addr *out);
/* The canonical text of an address: "3401 W FOSTER AVE", "1200-1210 W 63RD ST UNIT 4B",
 * "100 W MAIN ST FL 3" (number or range, predir, street, type, postdir, unit), truncated to
 * cap - 1 bytes (HV_ADDR_FORMAT_MAX always suffices). Parsing it gives *a back. */
void hv_addr_format(const struct hv_addr *a, char *out, size_t cap);

struct hv_addr_index; /* immutable after build; thread-safe to query */
struct hv_addr_index_builder;

/* Caller owns the builder: free it, or hand it to hv_addr_index_build. */
struct hv_addr_index_builder *hv_addr_index_builder_new(void);
/* Adds a property's address (ignored when it does not parse; returns whether it did). */
bool hv_addr_index_builder_add(struct hv_addr_index_builder *b, int64_t ref, const char *text);
/* Frees a builder that will not be built (NULL-safe). */
void hv_addr_index_builder_free(struct hv_addr_index_builder *b);
/* Consumes the builder (NULL: an empty index). Caller owns the index. Entries are grouped by
 * street name (a hash map) and sorted by number, so a find is one hash lookup and two binary
 * searches. */
struct hv_addr_index *hv_addr_index_build(struct hv_addr_index_builder *b);
/* NULL-safe. */
void hv_addr_index_free(struct hv_addr_index *ix);

/* Finds the properties at text's address (NUL-terminated, parsed as hv_addr_parse does): exact
 * matches (number, street, type, directional), and a range covering the number with the same
 * parity (a range whose ends differ in parity covers both sides; a query range matches what it
 * overlaps on its side). The street name must be equal; a type, predir or postdir missing from
 * the query or from the indexed address agrees with any, so "3401 W Foster" finds 3401 W FOSTER
 * AVE, and every address that agrees on the rest matches (ambiguous matches are all listed). A
 * query without a unit matches the building and every unit in it; a query unit matches that
 * unit when it is indexed, else the building's addresses without a unit. When nothing matches
 * and the query's first word was read as a directional, the query is read again with that word
 * as part of the name ("1000 North Shore Ave" finds 1000 W NORTH SHORE AVE). A query without a
 * house number finds only addresses without one. Writes at most cap refs, in ascending order,
 * each once; returns how many match (may exceed cap); 0 when none or unparsable. Thread-safe:
 * any number of threads may query one index. */
size_t hv_addr_index_find(const struct hv_addr_index *ix, const char *text, int64_t *refs,
			  size_t cap);

#endif
