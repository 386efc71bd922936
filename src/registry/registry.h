/* SPDX-License-Identifier: Apache-2.0 */
/* The city's property registry: importing sources into versioned properties, scope rules (zones),
 * property queries and exports. Sits on the store and geo modules. */
#ifndef HV_REGISTRY_REGISTRY_H
#define HV_REGISTRY_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "geo/geo.h"
#include "ledger/ledger.h"
#include "store/store.h"

/* ---- import ---- */

typedef void (*hv_progress_fn)(void *ctx, int64_t done, int64_t total);

struct hv_import_opts {
	struct hv_geo_import_opts geo; /* file, layer, srs, role fields */
	const char *source;  /* source name; NULL: the file's name without its extension */
	int64_t effective_ms; /* when the data was in force; 0: now. Not before the source's last. */
	bool dry_run;        /* compute and report, store nothing */
	bool skip_bad;       /* skip malformed rows (listed in the report) instead of failing */
	hv_progress_fn progress; /* optional, called every few hundred rows */
	void *progress_ctx;
};

/* One skipped row or one repaired geometry. */
struct hv_import_note {
	int64_t row;
	char *source_key; /* NULL for skips without an id */
	char *text;
};

#define HV_IMPORT_NOTES_MAX 1000 /* notes kept in a report; the counts stay exact */

struct hv_import_report {
	int64_t import_id; /* 0 for a dry run */
	char *source;
	char *file_name;
	char file_sha256[65];
	char *driver, *layer, *srs;
	int64_t n_read, n_added, n_changed, n_unchanged, n_removed, n_repaired, n_skipped;
	int64_t n_address_only;
	int64_t n_restated; /* new versions that differ only in columns added or removed */
	struct hv_import_note *skips;
	size_t n_skips;
	struct hv_import_note *repairs;
	size_t n_repairs;
	char **columns_added;   /* source columns new since the previous import */
	size_t n_columns_added;
	char **columns_removed; /* source columns gone since the previous import */
	size_t n_columns_removed;
	int64_t effective_ms;
	double seconds;
	bool dry_run;
};

/* Imports a source as one transaction: on any error nothing is stored and err names the file,
 * row and field. Fills *rep (caller releases) on success. Re-importing a source adds, changes
 * and removes properties by source id, keeping every earlier version. */
int hv_registry_import(struct hv_store *s, const struct hv_import_opts *o,
		       struct hv_import_report *rep, struct hv_err *err);
void hv_import_report_release(struct hv_import_report *rep);
/* The report as a JSON object. */
void hv_import_report_json(const struct hv_import_report *rep, struct hv_json *w);

/* ---- scope rules and zones ---- */

/* Adds a version of rule name (a new rule, or a new expression for an existing one) in force from
 * effective_ms (0: now). A rule that does not parse: HV_EINVAL "column N: ...". */
int hv_registry_scope_add(struct hv_store *s, const char *name, const char *expr,
			  int64_t effective_ms, struct hv_err *err);
/* Ends rule name from effective_ms (0: now); HV_ENOENT when no such rule is in force. */
int hv_registry_scope_retire(struct hv_store *s, const char *name, int64_t effective_ms,
			     struct hv_err *err);

/* The ledger's check of "scope" entries (each rule version appends one, ref "scope_rules:ID",
 * body the row's canonical JSON, in the same transaction): register it before hv_ledger_verify. */
extern const struct hv_ledger_kind hv_registry_scope_kind;

struct hv_zones; /* the scope rules in force at one time, compiled */

/* Loads and compiles the rules in force at as_of_ms (0: now). Caller owns *out. */
int hv_zones_load(struct hv_store *s, int64_t as_of_ms, struct hv_zones **out, struct hv_err *err);
void hv_zones_free(struct hv_zones *z);
size_t hv_zones_count(const struct hv_zones *z);
/* Rule i's name, expression and effective time (borrowed from z). */
const char *hv_zones_name(const struct hv_zones *z, size_t i);
const char *hv_zones_expr(const struct hv_zones *z, size_t i);
int64_t hv_zones_effective_ms(const struct hv_zones *z, size_t i);
/* Index of the rule named name, or -1. */
long hv_zones_find(const struct hv_zones *z, const char *name);
/* Evaluates every rule against p: in[i] is true when p is in rule i's scope. in has
 * hv_zones_count(z) elements. A removed property is in no scope. */
void hv_zones_match(const struct hv_zones *z, const struct hv_property *p, bool *in);

/* ---- properties ---- */

/* Writes one property as a JSON object: id, source, source_id, kind, name, address, status,
 * lon, lat, geometry_type, bbox, attributes, version, valid_from; and "zones" (names of the
 * rules in in[]) when z is given. */
void hv_property_json(struct hv_json *w, const struct hv_property *p, const struct hv_zones *z,
		      const bool *in);

/* ---- export ---- */

/* Writes every current property (or only those in rule scope_name, when given) to path in fmt,
 * with haven_* role columns and every source attribute as its own column; such a file imports
 * again to the same properties. *n_written receives the count. */
int hv_registry_export(struct hv_store *s, const char *path, enum hv_geo_format fmt,
		       const char *scope_name, int64_t *n_written, struct hv_err *err);

#endif
