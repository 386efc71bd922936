/* SPDX-License-Identifier: Apache-2.0 */
/* The signs module's tables (schema 4): print runs, signs and their append-only lifecycle events,
 * physical measures per property, private opt-ins and their decisions, restricted reads, staging
 * sites, reported incidents (until the cases module owns them) and settings. Rows in and out; the
 * rules (which transition is legal, the 50 m check) live in src/signs. Every write needs the
 * caller's open transaction (HV_ESTORE otherwise). */
#ifndef HV_STORE_STORE_SIGNS_H
#define HV_STORE_STORE_SIGNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

#define HV_SIGN_SERIAL_MAX 24	/* "HV-7K3M-Q9XD" and its NUL, with room */
#define HV_SIGN_WORD_MAX   32	/* states, kinds, sizes, variants, outcomes */
#define HV_SIGN_NAME_MAX   128	/* assignees, installers, actors */
#define HV_SIGN_NOTE_MAX   1024 /* reasons and notes */
#define HV_SIGN_LANGS_TEXT_MAX  128
#define HV_SIGN_URL_MAX	   256

/* A print run: the job options every sign of the run was issued (and printed) with. */
struct hv_sign_run {
	int64_t id;
	int64_t created_ms;
	char actor[HV_SIGN_NAME_MAX];
	char template_name[HV_SIGN_WORD_MAX]; /* "city" | "private" */
	char size[HV_SIGN_WORD_MAX];
	char variant[HV_SIGN_WORD_MAX];
	char langs[HV_SIGN_LANGS_TEXT_MAX]; /* "en,es,zh-Hans" */
	char public_url[HV_SIGN_URL_MAX];
	int64_t n_signs;
	int64_t optin_id; /* 0: a city run */
};

/* One sign and its current state (the state after its latest event). */
struct hv_sign_row {
	char serial[HV_SIGN_SERIAL_MAX];
	int64_t run_id;
	int64_t property_id;		      /* 0 for a private opt-in sign */
	int64_t optin_id;		      /* 0 for a city sign */
	char replaces[HV_SIGN_SERIAL_MAX];    /* "" when none */
	char replaced_by[HV_SIGN_SERIAL_MAX]; /* "" when none */
	int64_t issued_ms;
	char state[HV_SIGN_WORD_MAX];
	int64_t last_event_id;
};

/* One lifecycle event as stored. Empty strings and NaN numbers mean "not given". */
struct hv_sign_event {
	int64_t id;
	char serial[HV_SIGN_SERIAL_MAX];
	char kind[HV_SIGN_WORD_MAX];	      /* issued assigned installed inspected replaced */
	int64_t at_ms;			      /* when it happened, as reported */
	int64_t recorded_ms;		      /* when haven recorded it */
	char actor[HV_SIGN_NAME_MAX];	      /* who recorded it (user, token or "cli") */
	char assignee_kind[HV_SIGN_WORD_MAX]; /* department | ward_office | private_owner */
	char assignee[HV_SIGN_NAME_MAX];
	char installer[HV_SIGN_NAME_MAX];
	double lat, lon, accuracy_m; /* the install's GPS fix */
	double distance_m;	     /* from the fix to the property; 0 inside */
	char photo_sha256[65];
	char outcome[HV_SIGN_WORD_MAX];	     /* ok | damaged | missing | removed */
	char reason[HV_SIGN_NOTE_MAX];	     /* the written reason or note */
	char new_serial[HV_SIGN_SERIAL_MAX]; /* replaced: the new sign */
	char state_after[HV_SIGN_WORD_MAX];
	int64_t property_id; /* the sign's property (from signs; 0: none, a private owner's) */
};

/* A version of a property's physical measures. */
struct hv_sign_measure {
	int64_t id;
	int64_t property_id;
	char barrier[HV_SIGN_WORD_MAX];	     /* none | installed | lockable | locked */
	char locked_hours[HV_SIGN_WORD_MAX]; /* "22:00-06:00" when locked; "" otherwise */
	char note[HV_SIGN_NOTE_MAX];
	char actor[HV_SIGN_NAME_MAX];
	int64_t recorded_ms;
};

/* A private owner's opt-in request. contact is restricted data. */
struct hv_sign_optin {
	int64_t id;
	int64_t created_ms;
	char organisation[HV_SIGN_NAME_MAX * 2];
	char kind[HV_SIGN_WORD_MAX]; /* business church clinic nonprofit other */
	char address[HV_SIGN_NAME_MAX * 2];
	char address_key[HV_SIGN_NAME_MAX * 2]; /* normalised for the rate limit */
	char contact[HV_SIGN_NAME_MAX * 2];
	char client_hash[65]; /* SHA-256 of the client address; never the address itself */
	/* The latest decision, filled by reads: "" (pending), "approved" or "rejected". */
	char decision[HV_SIGN_WORD_MAX];
	char ward_office[HV_SIGN_NAME_MAX];
	int64_t run_id;
};

struct hv_sign_point {
	int64_t id;
	char name[HV_SIGN_NAME_MAX]; /* staging sites; incidents: their kind */
	double lon, lat;
	int64_t property_id; /* incidents: the property it was reported at (0: none) */
	int64_t at_ms;
};

typedef int (*hv_sign_run_fn)(void *ctx, const struct hv_sign_run *r);
typedef int (*hv_sign_row_fn)(void *ctx, const struct hv_sign_row *r);
typedef int (*hv_sign_event_fn)(void *ctx, const struct hv_sign_event *e);
typedef int (*hv_sign_measure_fn)(void *ctx, const struct hv_sign_measure *m);
typedef int (*hv_sign_optin_fn)(void *ctx, const struct hv_sign_optin *o);
typedef int (*hv_sign_point_fn)(void *ctx, const struct hv_sign_point *p);

int hv_store_sign_run_add(struct hv_store *s, const struct hv_sign_run *r, int64_t *id,
			  struct hv_err *err);
int hv_store_sign_run_get(struct hv_store *s, int64_t id, struct hv_sign_run *out,
			  struct hv_err *err);
/* Newest first. */
int hv_store_sign_run_each(struct hv_store *s, hv_sign_run_fn fn, void *ctx, struct hv_err *err);

/* Adds a sign (its "issued" event is the caller's to add). HV_EEXIST when the serial is taken. */
int hv_store_sign_add(struct hv_store *s, const struct hv_sign_row *r, struct hv_err *err);
/* HV_ENOENT when no sign has that serial. */
int hv_store_sign_get(struct hv_store *s, const char *serial, struct hv_sign_row *out,
		      struct hv_err *err);
/* Signs matching the filter (0 / NULL: any), by serial. */
int hv_store_sign_each(struct hv_store *s, int64_t property_id, int64_t run_id, const char *state,
		       hv_sign_row_fn fn, void *ctx, struct hv_err *err);

int hv_store_sign_event_add(struct hv_store *s, const struct hv_sign_event *e, int64_t *id,
			    struct hv_err *err);
/* HV_ENOENT when absent. */
int hv_store_sign_event_get(struct hv_store *s, int64_t id, struct hv_sign_event *out,
			    struct hv_err *err);
/* A sign's events, oldest first. */
int hv_store_sign_events(struct hv_store *s, const char *serial, hv_sign_event_fn fn, void *ctx,
			 struct hv_err *err);

int hv_store_sign_measure_add(struct hv_store *s, const struct hv_sign_measure *m, int64_t *id,
			      struct hv_err *err);
/* The latest version per property (by property id). */
int hv_store_sign_measure_latest(struct hv_store *s, hv_sign_measure_fn fn, void *ctx,
				 struct hv_err *err);
/* Every version of one property's measures, oldest first. */
int hv_store_sign_measure_history(struct hv_store *s, int64_t property_id, hv_sign_measure_fn fn,
				  void *ctx, struct hv_err *err);

int hv_store_sign_optin_add(struct hv_store *s, const struct hv_sign_optin *o, int64_t *id,
			    struct hv_err *err);
/* Opt-ins since since_ms with this address key or this client hash. */
int hv_store_sign_optin_recent(struct hv_store *s, const char *address_key, const char *client_hash,
			       int64_t since_ms, int64_t *n, struct hv_err *err);
/* With its latest decision. HV_ENOENT when absent. */
int hv_store_sign_optin_get(struct hv_store *s, int64_t id, struct hv_sign_optin *out,
			    struct hv_err *err);
/* Newest first, with decisions; contact included (callers that show it log the read). */
int hv_store_sign_optin_each(struct hv_store *s, hv_sign_optin_fn fn, void *ctx,
			     struct hv_err *err);
int hv_store_sign_optin_decide(struct hv_store *s, int64_t optin_id, const char *decision,
			       const char *ward_office, int64_t run_id, const char *actor,
			       const char *note, int64_t now_ms, struct hv_err *err);

/* Records that actor read restricted record ref (what: "optin_contact"). */
int hv_store_sign_read_add(struct hv_store *s, const char *what, const char *ref, const char *actor,
			   int64_t now_ms, int64_t *id, struct hv_err *err);
/* Count of logged reads of ref. */
int hv_store_sign_read_count(struct hv_store *s, const char *ref, int64_t *n, struct hv_err *err);

/* Staging sites (table "staging") and reported incidents (table "incidents"). */
int hv_store_sign_point_add(struct hv_store *s, bool incident, const struct hv_sign_point *p,
			    int64_t *id, struct hv_err *err);
int hv_store_sign_point_each(struct hv_store *s, bool incident, hv_sign_point_fn fn, void *ctx,
			     struct hv_err *err);

/* Settings: each set is a new version; get returns the latest (HV_ENOENT when never set). */
int hv_store_sign_setting_set(struct hv_store *s, const char *name, const char *value,
			      int64_t now_ms, struct hv_err *err);
int hv_store_sign_setting_get(struct hv_store *s, const char *name, char *out, size_t cap,
			      struct hv_err *err);

#endif
