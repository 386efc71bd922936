/* SPDX-License-Identifier: Apache-2.0 */
/* The warrant checklist: what a document shown by officers appears to be, and the staff script.
 * A pure function: it never rules a warrant valid (counsel decides), it says what kind of paper
 * it appears to be and why. */
#ifndef HV_CASES_CHECKLIST_H
#define HV_CASES_CHECKLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum hv_issuer {
	HV_ISSUER_UNKNOWN,
	HV_ISSUER_COURT, /* a federal or state court */
	HV_ISSUER_DHS,	 /* DHS, ICE or CBP */
	HV_ISSUER_OTHER,
};

enum hv_signer {
	HV_SIGNER_UNKNOWN,
	HV_SIGNER_JUDGE,	       /* a judge or magistrate judge */
	HV_SIGNER_IMMIGRATION_OFFICER, /* an immigration officer or agent */
	HV_SIGNER_NONE,		       /* not signed */
};

enum hv_warrant_form {
	HV_WARRANT_UNKNOWN,
	HV_WARRANT_AO93,  /* search and seizure warrant (court) */
	HV_WARRANT_AO442, /* arrest warrant (court) */
	HV_WARRANT_I200,  /* warrant for arrest of alien (DHS, administrative) */
	HV_WARRANT_I205,  /* warrant of removal/deportation (DHS, administrative) */
	HV_WARRANT_I247A, /* immigration detainer: notice of action (a request) */
	HV_WARRANT_I138,  /* DHS form (administrative) */
	HV_WARRANT_OTHER,
};

/* Whether the document names the place to be searched or the person to be seized. */
enum hv_named {
	HV_NAMED_UNKNOWN,
	HV_NAMED_YES,
	HV_NAMED_NO,
};

struct hv_warrant_doc {
	enum hv_issuer issuer;
	enum hv_signer signer;
	enum hv_warrant_form form;
	enum hv_named place_or_person;
	int64_t dated_ms; /* the date on the document; 0: none or unreadable */
	int64_t now_ms;	  /* when it is shown (for the age of a search warrant) */
};

enum hv_warrant_answer {
	HV_WARRANT_JUDICIAL,	   /* appears to be a judicial warrant */
	HV_WARRANT_ADMINISTRATIVE, /* administrative warrant */
	HV_WARRANT_DETAINER,	   /* detainer request: not a warrant */
	HV_WARRANT_UNCLEAR,
};

#define HV_CHECKLIST_WHY_MAX 512

struct hv_warrant_result {
	enum hv_warrant_answer answer;
	char why[HV_CHECKLIST_WHY_MAX]; /* one or more plain sentences */
};

/* Classifies what was shown. Never fails; anything it cannot place is HV_WARRANT_UNCLEAR with
 * the reason. */
void hv_checklist_classify(const struct hv_warrant_doc *doc, struct hv_warrant_result *out);
/* The answer's text as staff read it ("appears to be a judicial warrant", ...). Static. */
const char *hv_checklist_answer_text(enum hv_warrant_answer a);
/* A short stable code for the answer ("judicial", "administrative", "detainer", "unclear"). */
const char *hv_checklist_answer_code(enum hv_warrant_answer a);

/* Parsers for the form fields and API members; false when s names none of the values. Each
 * accepts "" and "unknown" as the unknown value. */
bool hv_checklist_parse_issuer(const char *s, enum hv_issuer *out);
bool hv_checklist_parse_signer(const char *s, enum hv_signer *out);
bool hv_checklist_parse_form(const char *s, enum hv_warrant_form *out);
bool hv_checklist_parse_named(const char *s, enum hv_named *out);

/* ---- the staff script ---- */

/* The steps of the script in a language ("en", "es"; NULL or unknown: "en"); *n gets their
 * count. Static strings. */
const char *const *hv_checklist_script(const char *lang, size_t *n);
/* The notes staff take ("names as stated", "badge numbers", ...), in lang. */
const char *const *hv_checklist_notes(const char *lang, size_t *n);
/* The languages built in, NULL-terminated ("en", "es"). */
const char *const *hv_checklist_langs(void);

/* ---- more languages for the pocket card, from configuration ----
 * A card file (UTF-8) holds one "key: text" per line: "title:" once, then "step:" lines (the
 * script, 1 to 12) and "note:" lines (what to write down, 0 to 12), and at most once an optional
 * "reviewed: yes" or "reviewed: no" (has the city reviewed this translation; no line means no,
 * and the card page marks an unreviewed card as such); blank lines and lines starting with '#'
 * are skipped. Lines are at most 400 bytes, with no control characters. */
#define HV_CARD_LINES_MAX 12
#define HV_CARD_LINE_MAX  400

struct hv_card {
	char title[HV_CARD_LINE_MAX + 1];
	char steps[HV_CARD_LINES_MAX][HV_CARD_LINE_MAX + 1];
	size_t n_steps;
	char notes[HV_CARD_LINES_MAX][HV_CARD_LINE_MAX + 1];
	size_t n_notes;
	bool reviewed; /* "reviewed: yes" */
};

/* Parses a card file's text; name (the file's name) prefixes errors: HV_EFORMAT naming the line
 * ("pl.txt line 4: ...", also a "reviewed:" value other than yes/no, or a second one),
 * HV_ELIMIT for too many or too long lines. out is caller-owned; on error its content is
 * unspecified. */
int hv_card_parse(const char *name, const char *text, size_t len, struct hv_card *out,
		  struct hv_err *err);

#endif
