/* SPDX-License-Identifier: Apache-2.0 */
/* Signs: serials and print runs, each sign's append-only lifecycle (issued -> assigned ->
 * installed -> inspected -> replaced) with the 50 m rule for installs, the public verification of
 * a serial, coverage by department, ward and kind, the placement plan on a budget, physical
 * measures per property and private opt-ins. Sits on the store and registry modules. */
#ifndef HV_SIGNS_SIGNS_H
#define HV_SIGNS_SIGNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"
#include "store/store.h"
#include "store/store_signs.h"

#define HV_SIGNS_INSTALL_MAX_M                                                                     \
	50.0 /* an install farther than this from the property needs a reason */
#define HV_SIGNS_PHOTO_MAX (20u << 20) /* bytes */

/* ---- serials ---- */

/* A new random serial "PREFIX-XXXX-XXXC": 7 random Crockford base-32 symbols (35 bits) and a
 * check symbol that catches any single mistyped symbol. prefix: 1 to 4 letters (NULL: "HV"). */
void hv_signs_serial_new(const char *prefix, char out[HV_SIGN_SERIAL_MAX]);
/* Normalises a serial as typed (case, O for 0, I and L for 1, spaces; hyphens optional) into
 * out and checks its form and check symbol: HV_EINVAL naming the text and what is wrong. */
int hv_signs_serial_parse(const char *text, char out[HV_SIGN_SERIAL_MAX], struct hv_err *err);

/* ---- settings (versioned; see docs/signs.md for the names) ---- */

/* The latest value of setting name, else def (copied into out). */
int hv_signs_setting(struct hv_store *s, const char *name, const char *def, char *out, size_t cap,
		     struct hv_err *err);
/* Sets a known setting after checking its value (HV_EINVAL naming an unknown name or a bad
 * value). Opens its own transaction. */
int hv_signs_setting_set(struct hv_store *s, const char *name, const char *value,
			 struct hv_err *err);
/* Writes every known setting with its current value and description as a JSON array. */
int hv_signs_settings_json(struct hv_store *s, struct hv_json *w, struct hv_err *err);

/* ---- print runs ---- */

struct hv_signs_job {
	const char *template_name; /* "city" | "private"; NULL: city */
	const char *size;	   /* letter | tabloid | 18x24 | 24x36; NULL: letter */
	const char *variant;	   /* lot | building-public | non-public; NULL: lot */
	const char *langs;	   /* "en,es,..." BCP 47 tags; NULL: "en,es" */
	const char *public_url;	   /* NULL: the public_url setting */
	const char *actor;	   /* who issues (user name, "cli") */
	int64_t optin_id;	   /* a private owner's run */
};

/* Checks a job's words (template, size, variant, languages): HV_EINVAL naming the option. */
int hv_signs_job_check(const struct hv_signs_job *job, struct hv_err *err);

/* Issues one sign per entry of property_ids (n of them; 0 entries for a private run are
 * allowed: pass optin_id in job and n_private signs) as one print run: the run row, each sign
 * and its "issued" event. Runs inside the caller's open transaction (HV_ESTORE otherwise) so
 * that a failed render rolls the whole run back. Every property must exist (HV_ENOENT naming
 * it). serials: caller's array of n (or n_private) entries. *run_id the new run. */
int hv_signs_issue(struct hv_store *s, const struct hv_signs_job *job, const int64_t *property_ids,
		   size_t n, size_t n_private, int64_t *run_id, char (*serials)[HV_SIGN_SERIAL_MAX],
		   struct hv_err *err);

/* ---- the lifecycle (each call is one transaction; events are never changed) ---- */

/* States: issued, assigned, installed, damaged, missing, removed, replaced. */

/* issued|assigned -> assigned. to_kind: department | ward_office | private_owner. */
int hv_signs_assign(struct hv_store *s, const char *serial, const char *to_kind, const char *to,
		    int64_t at_ms, const char *actor, struct hv_err *err);

struct hv_signs_install {
	const char *serial;
	const char *installer;	  /* who put it up (required) */
	int64_t at_ms;		  /* 0: now */
	double lat, lon;	  /* the GPS fix (required) */
	double accuracy_m;	  /* NaN: not given */
	const char *photo_sha256; /* a blob already stored; NULL: none */
	const char *reason;	  /* required when the fix is > 50 m outside the property */
	const char *actor;
	bool correction; /* re-records the install of an installed sign (reason required) */
};

/* assigned -> installed. A fix more than HV_SIGNS_INSTALL_MAX_M from the property (or a property
 * with no location) without a reason: HV_EINVAL naming the serial and the distance. *distance_m
 * gets the distance (0 inside; NaN unknown); may be NULL. */
int hv_signs_install(struct hv_store *s, const struct hv_signs_install *in, double *distance_m,
		     struct hv_err *err);
/* installed|damaged|missing -> installed (ok), damaged, missing or removed. */
int hv_signs_inspect(struct hv_store *s, const char *serial, const char *outcome, int64_t at_ms,
		     const char *note, const char *photo_sha256, const char *actor,
		     struct hv_err *err);
/* Any state but replaced -> replaced; a new sign (same property, same job options, a print run
 * of one) is issued in the same transaction and linked to the old. new_serial gets it. */
int hv_signs_replace(struct hv_store *s, const char *serial, const char *reason, int64_t at_ms,
		     const char *actor, char new_serial[HV_SIGN_SERIAL_MAX], struct hv_err *err);

/* The same four steps inside the caller's open transaction (the server's ledger committer runs
 * them in its batch); on error the caller rolls back. */
int hv_signs_assign_in_tx(struct hv_store *s, const char *serial, const char *to_kind,
			  const char *to, int64_t at_ms, const char *actor, struct hv_err *err);
int hv_signs_install_in_tx(struct hv_store *s, const struct hv_signs_install *in,
			   double *distance_m, struct hv_err *err);
int hv_signs_inspect_in_tx(struct hv_store *s, const char *serial, const char *outcome,
			   int64_t at_ms, const char *note, const char *photo_sha256,
			   const char *actor, struct hv_err *err);
int hv_signs_replace_in_tx(struct hv_store *s, const char *serial, const char *reason,
			   int64_t at_ms, const char *actor, char new_serial[HV_SIGN_SERIAL_MAX],
			   struct hv_err *err);

/* Distance in metres from (lon, lat) to property id (0 when the property covers it): exact, on
 * the property's stored geometry through the lookup index. HV_ENOENT when the property does not
 * exist; *d NaN when it has no location. */
int hv_signs_distance_m(struct hv_store *s, int64_t property_id, double lon, double lat, double *d,
			struct hv_err *err);

/* A sign, its run and its events as JSON (the staff view: installers and photos included). */
int hv_signs_show_json(struct hv_store *s, const char *serial, struct hv_json *w,
		       struct hv_err *err);
/* A sign row's members as JSON keys, inside an object the caller opened (staff view). */
void hv_signs_row_json(struct hv_json *w, const struct hv_sign_row *r);
/* One event's canonical JSON (sorted keys, fixed number formats): what the ledger records. */
void hv_signs_event_canonical(const struct hv_sign_event *e, struct hv_json *w);

/* Registers the ledger's check of "sign_event" entries (for `haven verify`). Idempotent. */
int hv_signs_ledger_register(struct hv_err *err);

/* ---- public verification ---- */

struct hv_signs_public {
	bool found;
	char serial[HV_SIGN_SERIAL_MAX];
	char state[HV_SIGN_WORD_MAX];
	char replaced_by[HV_SIGN_SERIAL_MAX];
	char property_name[256];
	char address[256];
	char kind[64];
	int64_t installed_ms; /* 0: not installed */
	char langs[HV_SIGN_LANGS_TEXT_MAX];
	char template_name[HV_SIGN_WORD_MAX];
	char citation[512];
	/* What the sign says, in each of its languages (from its template). */
	struct {
		char tag[16];
		char heading[400];
		char body[1600];
		bool rtl;
	} texts[12];
	size_t n_texts;
};

/* What the public may know of a serial (never an installer, a photo or a fix). A malformed
 * serial is HV_EINVAL; an unknown one is HV_OK with found false. */
int hv_signs_verify(struct hv_store *s, const char *serial_text, struct hv_signs_public *out,
		    struct hv_err *err);
void hv_signs_public_json(const struct hv_signs_public *p, struct hv_json *w);

/* ---- physical measures ---- */

/* Records a version of a property's barrier: none | installed | lockable | locked; locked needs
 * hours "HH:MM-HH:MM". One transaction. */
int hv_signs_measure_set(struct hv_store *s, int64_t property_id, const char *barrier,
			 const char *locked_hours, const char *note, const char *actor,
			 struct hv_err *err);

/* ---- coverage ---- */

struct hv_signs_cov_row {
	char group[16];	 /* "department" | "ward" | "kind" | "total" */
	char value[128]; /* the attribute's value; "(none)" when absent */
	int64_t in_scope, signed_, gated;
};

struct hv_signs_coverage {
	struct hv_signs_cov_row *rows; /* grouped, then by value */
	size_t n_rows;
};

/* Per property in scope (scope_name's rule, or any rule in force when NULL): whether it carries
 * a sign (installed or damaged, not replaced) and whether it is gated (barrier other than none). */
typedef int (*hv_signs_status_fn)(void *ctx, const struct hv_property *p, bool is_signed,
				  bool gated);
int hv_signs_status_each(struct hv_store *s, const char *scope_name, hv_signs_status_fn fn,
			 void *ctx, struct hv_err *err);
/* Coverage by department, ward (attributes named by the coverage.* settings) and kind. */
int hv_signs_coverage(struct hv_store *s, const char *scope_name, struct hv_signs_coverage *out,
		      struct hv_err *err);
void hv_signs_coverage_release(struct hv_signs_coverage *c);
void hv_signs_coverage_json(const struct hv_signs_coverage *c, struct hv_json *w);

/* ---- the placement plan ---- */

enum {
	HV_PLAN_ATTEMPT,
	HV_PLAN_INCIDENTS,
	HV_PLAN_AREA,
	HV_PLAN_STAGING,
	HV_PLAN_EXPOSURE,
	HV_PLAN_N_TERMS
};

struct hv_signs_plan_weights {
	double w[HV_PLAN_N_TERMS];
	double near_m;		 /* an attempted use this close counts for the property */
	double radius_m;	 /* incidents within this radius count */
	double area_cap_ha;	 /* lot size counts up to this many hectares */
	double staging_radius_m; /* staging sites beyond this add nothing */
};

struct hv_signs_plan_item {
	int64_t property_id;
	char name[128];
	char address[128];
	char kind[64];
	double score;
	double term[HV_PLAN_N_TERMS]; /* each term's contribution (weight included) */
	int64_t n_attempts, n_incidents;
	double area_m2;
	double staging_m; /* to the nearest staging site; NaN when none */
	char barrier[HV_SIGN_WORD_MAX];
	double cum_cost;
};

struct hv_signs_plan {
	struct hv_signs_plan_item *items; /* ranked, within the budget */
	size_t n_items;
	size_t n_candidates; /* unsigned in-scope properties ranked */
	double budget, cost, spent;
	struct hv_signs_plan_weights weights;
};

/* The weights in the plan.* settings (defaults in docs/signs.md). */
int hv_signs_plan_weights_load(struct hv_store *s, struct hv_signs_plan_weights *w,
			       struct hv_err *err);
/* Ranks unsigned in-scope properties by score (ties: lower id first) and keeps those whose
 * cumulative cost fits the budget. w NULL: the stored weights. */
int hv_signs_plan_make(struct hv_store *s, const char *scope_name, double budget, double cost,
		       const struct hv_signs_plan_weights *w, struct hv_signs_plan *out,
		       struct hv_err *err);
void hv_signs_plan_release(struct hv_signs_plan *p);
void hv_signs_plan_json(const struct hv_signs_plan *p, struct hv_json *w);

/* ---- private opt-in ---- */

struct hv_signs_optin_form {
	const char *organisation, *kind, *address, *contact; /* arena strings */
	bool consent;
};

#define HV_SIGNS_OPTIN_BODY_MAX 8192

/* Parses an application/x-www-form-urlencoded opt-in body (organisation, kind, address,
 * contact, consent; csrf is accepted and ignored here). A missing or empty field, an unknown
 * one, a kind not in business church clinic nonprofit other, consent not given, a value too
 * long or badly encoded: HV_EINVAL naming the field. Never quotes the contact. */
int hv_signs_optin_parse(struct hv_arena *a, const char *body, size_t len,
			 struct hv_signs_optin_form *out, struct hv_err *err);
/* Stores a request. More than the optin.rate_limit setting (default 3) requests in the last
 * hour for the same address (normalised) or from the same client: HV_ELIMIT. */
int hv_signs_optin_submit(struct hv_store *s, const struct hv_signs_optin_form *f,
			  const char *client_addr, int64_t *id, struct hv_err *err);
/* The request with its contact, logging the read (sign_reads and the ledger) as actor. */
int hv_signs_optin_read(struct hv_store *s, int64_t id, const char *actor,
			struct hv_sign_optin *out, struct hv_err *err);
/* Approves a pending request: issues n signs with the "private" template and assigns each to
 * ward_office for pick-up, in one transaction. HV_ECONFLICT when already decided. */
int hv_signs_optin_approve(struct hv_store *s, int64_t id, const char *ward_office, size_t n,
			   const char *langs, const char *actor, int64_t *run_id,
			   char (*serials)[HV_SIGN_SERIAL_MAX], struct hv_err *err);
int hv_signs_optin_reject(struct hv_store *s, int64_t id, const char *note, const char *actor,
			  struct hv_err *err);

#endif
