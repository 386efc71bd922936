/* SPDX-License-Identifier: Apache-2.0 */
/* The warrant checklist's rules and the staff script, in English and Spanish. */
#include "cases/checklist.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/str.h"

#include "core/banned.h"

#define DAY_MS		    (24 * 3600 * 1000LL)
#define SEARCH_WARRANT_DAYS 14 /* Fed. R. Crim. P. 41(e)(2)(A): executed within 14 days */

static void set(struct hv_warrant_result *r, enum hv_warrant_answer a, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set(struct hv_warrant_result *r, enum hv_warrant_answer a, const char *fmt, ...)
{
	va_list ap;

	r->answer = a;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

static const char *form_name(enum hv_warrant_form f)
{
	switch (f) {
	case HV_WARRANT_AO93:
		return "AO 93";
	case HV_WARRANT_AO442:
		return "AO 442";
	case HV_WARRANT_I200:
		return "I-200";
	case HV_WARRANT_I205:
		return "I-205";
	case HV_WARRANT_I247A:
		return "I-247A";
	case HV_WARRANT_I138:
		return "I-138";
	default:
		return "unknown";
	}
}

/* A court form: judicial only when everything a judicial warrant carries is there. */
static void court_form(const struct hv_warrant_doc *d, struct hv_warrant_result *r)
{
	const char *f = form_name(d->form);

	if (d->issuer == HV_ISSUER_DHS || d->signer == HV_SIGNER_IMMIGRATION_OFFICER) {
		set(r, HV_WARRANT_UNCLEAR,
		    "Form %s is a court form, but it is shown as issued or signed by immigration "
		    "authorities. Call the law department.",
		    f);
		return;
	}
	if (d->signer != HV_SIGNER_JUDGE) {
		set(r, HV_WARRANT_UNCLEAR,
		    "Form %s is a court form, but no signature of a judge or magistrate is seen. "
		    "Call the law department.",
		    f);
		return;
	}
	if (d->place_or_person != HV_NAMED_YES) {
		set(r, HV_WARRANT_UNCLEAR,
		    "Form %s is signed by a judge, but it is not clear that it names this place or "
		    "the person sought. Call the law department.",
		    f);
		return;
	}
	if (!d->dated_ms) {
		set(r, HV_WARRANT_UNCLEAR,
		    "Form %s is signed by a judge, but no date can be read. Call the law "
		    "department.",
		    f);
		return;
	}
	if (d->form == HV_WARRANT_AO93 && d->now_ms &&
	    d->now_ms - d->dated_ms > SEARCH_WARRANT_DAYS * DAY_MS) {
		set(r, HV_WARRANT_UNCLEAR,
		    "Form AO 93 is a search warrant dated more than %d days ago. Call the law "
		    "department.",
		    SEARCH_WARRANT_DAYS);
		return;
	}
	set(r, HV_WARRANT_JUDICIAL,
	    "Form %s, issued by a court, signed by a judge or magistrate, naming the place or "
	    "person, dated. Do not obstruct. This is not a ruling on it: counsel decides. Call the "
	    "law department.",
	    f);
}

void hv_checklist_classify(const struct hv_warrant_doc *d, struct hv_warrant_result *r)
{
	memset(r, 0, sizeof(*r));
	switch (d->form) {
	case HV_WARRANT_I247A:
		set(r, HV_WARRANT_DETAINER,
		    "Form I-247A is an immigration detainer: a request from DHS to hold a person. "
		    "It "
		    "is not a warrant and does not authorise entry.");
		return;
	case HV_WARRANT_I200:
	case HV_WARRANT_I205:
	case HV_WARRANT_I138:
		if (d->issuer == HV_ISSUER_COURT || d->signer == HV_SIGNER_JUDGE) {
			set(r, HV_WARRANT_UNCLEAR,
			    "Form %s is a DHS form, but it is shown as issued or signed by a "
			    "court. "
			    "Call the law department.",
			    form_name(d->form));
			return;
		}
		set(r, HV_WARRANT_ADMINISTRATIVE,
		    "Form %s is issued by DHS and signed by an immigration officer, not a judge. "
		    "It "
		    "does not by itself authorise entry into non-public areas without consent.",
		    form_name(d->form));
		return;
	case HV_WARRANT_AO93:
	case HV_WARRANT_AO442:
		court_form(d, r);
		return;
	default:
		break;
	}
	if (d->signer == HV_SIGNER_NONE) {
		set(r, HV_WARRANT_UNCLEAR, "The document is not signed. Call the law department.");
		return;
	}
	if (d->signer == HV_SIGNER_IMMIGRATION_OFFICER && d->issuer != HV_ISSUER_COURT) {
		set(r, HV_WARRANT_ADMINISTRATIVE,
		    "Signed by an immigration officer, not a judge. It does not by itself "
		    "authorise "
		    "entry into non-public areas without consent.");
		return;
	}
	if (d->issuer == HV_ISSUER_COURT && d->signer == HV_SIGNER_JUDGE) {
		court_form(d, r);
		return;
	}
	set(r, HV_WARRANT_UNCLEAR,
	    "The issuer, the signer or the form cannot be placed%s%s. Ask for a copy and call the "
	    "law department.",
	    d->issuer == HV_ISSUER_UNKNOWN ? "; the issuer is not known" : "",
	    d->signer == HV_SIGNER_UNKNOWN ? "; the signer is not known" : "");
}

const char *hv_checklist_answer_text(enum hv_warrant_answer a)
{
	switch (a) {
	case HV_WARRANT_JUDICIAL:
		return "appears to be a judicial warrant";
	case HV_WARRANT_ADMINISTRATIVE:
		return "administrative warrant: does not by itself authorise entry into non-public "
		       "areas without consent";
	case HV_WARRANT_DETAINER:
		return "detainer request: not a warrant";
	default:
		return "unclear";
	}
}

const char *hv_checklist_answer_code(enum hv_warrant_answer a)
{
	switch (a) {
	case HV_WARRANT_JUDICIAL:
		return "judicial";
	case HV_WARRANT_ADMINISTRATIVE:
		return "administrative";
	case HV_WARRANT_DETAINER:
		return "detainer";
	default:
		return "unclear";
	}
}

struct name_val {
	const char *name;
	int val;
};

static bool lookup(const struct name_val *t, size_t n, const char *s, int *out)
{
	if (!s || !*s || strcmp(s, "unknown") == 0) {
		*out = 0;
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(t[i].name, s) == 0) {
			*out = t[i].val;
			return true;
		}
	}
	return false;
}

#define LOOKUP(t, s, out)                                                                          \
	do {                                                                                       \
		int v_;                                                                            \
		if (!lookup(t, sizeof(t) / sizeof(t[0]), s, &v_))                                  \
			return false;                                                              \
		*(out) = v_;                                                                       \
		return true;                                                                       \
	} while (0)

bool hv_checklist_parse_issuer(const char *s, enum hv_issuer *out)
{
	static const struct name_val t[] = {
		{"court", HV_ISSUER_COURT}, {"dhs", HV_ISSUER_DHS},	{"ice", HV_ISSUER_DHS},
		{"cbp", HV_ISSUER_DHS},	    {"other", HV_ISSUER_OTHER},
	};
	LOOKUP(t, s, out);
}

bool hv_checklist_parse_signer(const char *s, enum hv_signer *out)
{
	static const struct name_val t[] = {
		{"judge", HV_SIGNER_JUDGE},
		{"magistrate", HV_SIGNER_JUDGE},
		{"immigration-officer", HV_SIGNER_IMMIGRATION_OFFICER},
		{"none", HV_SIGNER_NONE},
	};
	LOOKUP(t, s, out);
}

bool hv_checklist_parse_form(const char *s, enum hv_warrant_form *out)
{
	static const struct name_val t[] = {
		{"AO93", HV_WARRANT_AO93},    {"AO442", HV_WARRANT_AO442},
		{"I-200", HV_WARRANT_I200},   {"I-205", HV_WARRANT_I205},
		{"I-247A", HV_WARRANT_I247A}, {"I-138", HV_WARRANT_I138},
		{"other", HV_WARRANT_OTHER},
	};
	LOOKUP(t, s, out);
}

bool hv_checklist_parse_named(const char *s, enum hv_named *out)
{
	static const struct name_val t[] = {
		{"yes", HV_NAMED_YES},
		{"no", HV_NAMED_NO},
	};
	LOOKUP(t, s, out);
}

static const char *const script_en[] = {
	"Stay calm and polite.",
	"Do not physically obstruct anyone.",
	"Do not consent to entry into non-public areas.",
	"Ask for the document and make a copy (or a photo) of it.",
	"Call your supervisor and the law department now.",
	("Write down what you see: names and badge numbers as stated, the time, the areas entered, "
	 "items taken, and any claim of an emergency."),
};

static const char *const script_es[] = {
	"Mantenga la calma y sea cortés.",
	"No obstruya físicamente a nadie.",
	"No consienta la entrada a áreas no públicas.",
	"Pida el documento y haga una copia (o una foto).",
	"Llame ahora a su supervisor y al departamento legal.",
	("Anote lo que vea: nombres y números de placa tal como se los digan, la hora, las áreas a "
	 "las que entraron, los objetos que se llevaron y cualquier alegación de emergencia."),
};

static const char *const notes_en[] = {
	"Names as stated", "Badge numbers", "Time",
	"Areas entered",   "Items taken",   "Emergency claimed",
};

static const char *const notes_es[] = {
	"Nombres tal como se dijeron", "Números de placa",	  "Hora",
	"Áreas en las que entraron",   "Objetos que se llevaron", "Emergencia alegada",
};

const char *const *hv_checklist_script(const char *lang, size_t *n)
{
	if (lang && strcmp(lang, "es") == 0) {
		*n = sizeof(script_es) / sizeof(script_es[0]);
		return script_es;
	}
	*n = sizeof(script_en) / sizeof(script_en[0]);
	return script_en;
}

const char *const *hv_checklist_notes(const char *lang, size_t *n)
{
	if (lang && strcmp(lang, "es") == 0) {
		*n = sizeof(notes_es) / sizeof(notes_es[0]);
		return notes_es;
	}
	*n = sizeof(notes_en) / sizeof(notes_en[0]);
	return notes_en;
}

const char *const *hv_checklist_langs(void)
{
	static const char *const langs[] = {"en", "es", NULL};
	return langs;
}

int hv_card_parse(const char *name, const char *text, size_t len, struct hv_card *out,
		  struct hv_err *err)
{
	size_t pos = 0;
	int line = 0;
	bool seen_reviewed = false;

	memset(out, 0, sizeof(*out));
	if (!hv_utf8_valid(text, len))
		return hv_err_set(err, HV_EFORMAT, "%s: not valid UTF-8", name);
	while (pos < len) {
		const char *l = text + pos, *nl = memchr(l, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - l) : len - pos, vlen;
		const char *v;
		char(*slot)[HV_CARD_LINE_MAX + 1] = NULL;
		size_t *count = NULL;

		pos += n + (nl ? 1 : 0);
		line++;
		if (n && l[n - 1] == '\r')
			n--;
		if (n == 0 || l[0] == '#')
			continue;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)l[i] < 0x20 && l[i] != '\t')
				return hv_err_set(err, HV_EFORMAT,
						  "%s line %d: a control character", name, line);
		if (n > 6 && memcmp(l, "title:", 6) == 0) {
			v = l + 6;
		} else if (n > 5 && memcmp(l, "step:", 5) == 0) {
			v = l + 5;
			slot = out->steps;
			count = &out->n_steps;
		} else if (n > 5 && memcmp(l, "note:", 5) == 0) {
			v = l + 5;
			slot = out->notes;
			count = &out->n_notes;
		} else if (n >= 9 && memcmp(l, "reviewed:", 9) == 0) {
			v = l + 9;
			while (v < l + n && (*v == ' ' || *v == '\t'))
				v++;
			vlen = (size_t)(l + n - v);
			while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			if (seen_reviewed)
				return hv_err_set(err, HV_EFORMAT,
						  "%s line %d: a second \"reviewed:\"", name, line);
			if (vlen == 3 && memcmp(v, "yes", 3) == 0) {
				out->reviewed = true;
			} else if (!(vlen == 2 && memcmp(v, "no", 2) == 0)) {
				size_t shown = vlen > 40 ? 40 : vlen;

				/* cut on a character boundary: the message stays UTF-8 */
				while (shown < vlen && shown &&
				       ((unsigned char)v[shown] & 0xC0) == 0x80)
					shown--;
				return hv_err_set(err, HV_EFORMAT,
						  "%s line %d: \"reviewed:\" is \"%.*s\", expected "
						  "yes or no",
						  name, line, (int)shown, v);
			}
			seen_reviewed = true;
			continue;
		} else {
			return hv_err_set(err, HV_EFORMAT,
					  "%s line %d: expected \"title:\", \"step:\", \"note:\" "
					  "or \"reviewed:\"",
					  name, line);
		}
		while (v < l + n && (*v == ' ' || *v == '\t'))
			v++;
		vlen = (size_t)(l + n - v);
		if (vlen == 0)
			return hv_err_set(err, HV_EFORMAT, "%s line %d: empty text", name, line);
		if (vlen > HV_CARD_LINE_MAX)
			return hv_err_set(err, HV_ELIMIT, "%s line %d: over %d bytes", name, line,
					  HV_CARD_LINE_MAX);
		if (!slot) {
			if (out->title[0])
				return hv_err_set(err, HV_EFORMAT, "%s line %d: a second title",
						  name, line);
			memcpy(out->title, v, vlen);
			out->title[vlen] = '\0';
			continue;
		}
		if (*count == HV_CARD_LINES_MAX)
			return hv_err_set(err, HV_ELIMIT, "%s line %d: more than %d %s lines", name,
					  line, HV_CARD_LINES_MAX,
					  slot == out->steps ? "step" : "note");
		memcpy(slot[*count], v, vlen);
		slot[*count][vlen] = '\0';
		(*count)++;
	}
	if (!out->title[0] || out->n_steps == 0)
		return hv_err_set(err, HV_EFORMAT, "%s: a title and at least one step are needed",
				  name);
	return HV_OK;
}
