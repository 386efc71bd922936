/* SPDX-License-Identifier: Apache-2.0 */
/* The accountability pages: plain server-rendered HTML, every value escaped, every form usable
 * without JavaScript, every state-changing form carrying the session's CSRF token. */
#include <ctype.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cases/cases.h"
#include "cases/checklist.h"
#include "core/clock.h"
#include "core/html.h"
#include "core/fs.h"
#include "core/str.h"
#include "core/xalloc.h"
#include "crypto/password.h"
#include "store/store.h"
#include "web/cases_pages.h"

#include "core/banned.h"

struct hv_cases_pages {
	struct hv_cases_pages_ops ops;
};

#define ROLES_STAFF_LAW                                                                            \
	(HV_ROLE_BIT(HV_ROLE_STAFF) | HV_ROLE_BIT(HV_ROLE_LAW) | HV_ROLE_BIT(HV_ROLE_ADMIN))
#define ROLES_LAW (HV_ROLE_BIT(HV_ROLE_LAW) | HV_ROLE_BIT(HV_ROLE_ADMIN))

#define E(b, s) hv_html_escape((b), (s))

static const char css[] =
	"body{font:16px/1.45 system-ui,sans-serif;margin:0 auto;max-width:40em;padding:0 .8em}"
	"label{display:block;margin:.6em 0 .2em;font-weight:600}"
	"input,select,textarea{width:100%;box-sizing:border-box;font:inherit;padding:.45em}"
	"button{font:inherit;padding:.6em 1.2em;margin:1em 0}"
	".answer{border:3px solid #333;padding:.6em;margin:1em 0}"
	".restricted{background:#fff4e0;padding:.4em}.err{color:#a00;font-weight:600}"
	"table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em}"
	"fieldset{margin:1em 0}.ok{color:#060}#upload-status{overflow-wrap:anywhere}";

static void page_begin(struct hv_resp *resp, int status, const char *title, const char *lang)
{
	struct hv_buf *b = &resp->body;

	resp->status = status;
	resp->content_type = "text/html; charset=utf-8";
	hv_buf_reset(b);
	/* As src/web/html.c's pages, except that these still carry their style and scripts inline
	 * (so no script-src/style-src 'self' yet): never cached, never framed. */
	hv_resp_header(resp, "Content-Security-Policy",
		       "object-src 'none'; base-uri 'none'; form-action 'self'; "
		       "frame-ancestors 'none'");
	hv_resp_header(resp, "Cache-Control", "no-store");
	hv_resp_header(resp, "X-Content-Type-Options", "nosniff");
	hv_buf_adds(b, "<!doctype html><html lang=\"");
	E(b, lang ? lang : "en");
	hv_buf_adds(b, "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
		       "content=\"width=device-width, initial-scale=1\"><title>");
	E(b, title);
	hv_buf_adds(b, " - haven</title><style>");
	hv_buf_adds(b, css);
	hv_buf_adds(b, "</style></head><body><h1>");
	E(b, title);
	hv_buf_adds(b, "</h1>");
}

static void page_end(struct hv_resp *resp)
{
	hv_buf_adds(&resp->body, "</body></html>\n");
}

/* The session's CSRF token for forms: derived from the session secret ("haven-csrf:" + token,
 * SHA-256), as the web module's authenticator checks a form's csrf_token field. */
static void csrf_of(const struct hv_req *req, char tok[HV_TOKEN_HEX_LEN])
{
	struct hv_buf t;

	tok[0] = '\0';
	if (req->session_cookie) {
		hv_buf_init(&t, 0);
		hv_buf_addf(&t, "haven-csrf:%s", req->session_cookie);
		hv_token_hash(t.data, tok);
		hv_buf_release(&t);
	}
}

static void csrf_field(struct hv_buf *b, const struct hv_req *req)
{
	char tok[HV_TOKEN_HEX_LEN];

	csrf_of(req, tok);
	hv_buf_adds(b, "<input type=\"hidden\" name=\"csrf_token\" value=\"");
	E(b, tok);
	hv_buf_adds(b, "\">");
}

static void select_opts(struct hv_buf *b, const char *name, const char *label,
			const char *const *vals, const char *const *labels, const char *cur)
{
	hv_buf_addf(b, "<label for=\"%s\">", name);
	E(b, label);
	hv_buf_addf(b, "</label><select id=\"%s\" name=\"%s\">", name, name);
	for (size_t i = 0; vals[i]; i++) {
		hv_buf_adds(b, "<option value=\"");
		E(b, vals[i]);
		hv_buf_addf(b, "\"%s>", cur && strcmp(cur, vals[i]) == 0 ? " selected" : "");
		E(b, labels[i]);
		hv_buf_adds(b, "</option>");
	}
	hv_buf_adds(b, "</select>");
}

static void input(struct hv_buf *b, const char *name, const char *label, const char *type,
		  const char *value, const char *extra)
{
	hv_buf_addf(b, "<label for=\"%s\">", name);
	E(b, label);
	hv_buf_addf(b, "</label><input id=\"%s\" name=\"%s\" type=\"%s\" value=\"", name, name,
		    type);
	E(b, value ? value : "");
	hv_buf_addf(b, "\"%s>", extra ? extra : "");
}

static void textarea(struct hv_buf *b, const char *name, const char *label, const char *value)
{
	hv_buf_addf(b, "<label for=\"%s\">", name);
	E(b, label);
	hv_buf_addf(b, "</label><textarea id=\"%s\" name=\"%s\" rows=\"3\">", name, name);
	E(b, value ? value : "");
	hv_buf_adds(b, "</textarea>");
}

static const char *const issuer_v[] = {"", "court", "dhs", "ice", "cbp", "other", NULL};
static const char *const issuer_l[] = {"(not known)", "A court", "DHS", "ICE", "CBP", "Other"};
static const char *const signer_v[] = {"",     "judge", "magistrate", "immigration-officer",
				       "none", NULL};
static const char *const signer_l[] = {"(not known)", "A judge", "A magistrate judge",
				       "An immigration officer", "Not signed"};
static const char *const form_v[] = {"",       "AO93",	"AO442", "I-200", "I-205",
				     "I-247A", "I-138", "other", NULL};
static const char *const form_l[] = {"(not known)",
				     "AO 93 (search and seizure warrant)",
				     "AO 442 (arrest warrant)",
				     "I-200 (warrant for arrest of alien)",
				     "I-205 (warrant of removal)",
				     "I-247A (immigration detainer)",
				     "I-138",
				     "Other"};
static const char *const named_v[] = {"", "yes", "no", NULL};
static const char *const named_l[] = {"(not sure)", "Yes", "No"};

static void document_fields(struct hv_buf *b, const struct hv_query *q, const char *prefix)
{
	char n[64];

	snprintf(n, sizeof(n), "%sissuer", prefix);
	select_opts(b, n, "Issued by", issuer_v, issuer_l, hv_query_get(q, n));
	snprintf(n, sizeof(n), "%ssigner", prefix);
	select_opts(b, n, "Signed by", signer_v, signer_l, hv_query_get(q, n));
	snprintf(n, sizeof(n), "%sform", prefix);
	select_opts(b, n, "Form number", form_v, form_l, hv_query_get(q, n));
	snprintf(n, sizeof(n), "%snames_place_or_person", prefix);
	select_opts(b, n, "Does it name this place, or the person sought?", named_v, named_l,
		    hv_query_get(q, n));
	snprintf(n, sizeof(n), "%sdated", prefix);
	input(b, n, "Date on the document", "date", hv_query_get(q, n), NULL);
}

static void script_block(struct hv_buf *b, const char *lang)
{
	const char *sup = getenv("HAVEN_SUPERVISOR_PHONE"), *law = getenv("HAVEN_LAW_PHONE");
	const char *const *steps;
	size_t n;

	steps = hv_checklist_script(lang, &n);
	hv_buf_adds(b, "<ol>");
	for (size_t i = 0; i < n; i++) {
		hv_buf_adds(b, "<li>");
		E(b, steps[i]);
		hv_buf_adds(b, "</li>");
	}
	hv_buf_adds(b, "</ol><p>");
	E(b, lang && strcmp(lang, "es") == 0 ? "Supervisor: " : "Supervisor: ");
	E(b, sup && *sup ? sup : "(number not configured)");
	hv_buf_adds(b, "<br>");
	E(b, lang && strcmp(lang, "es") == 0 ? "Departamento legal: " : "Law department: ");
	E(b, law && *law ? law : "(number not configured)");
	hv_buf_adds(b, "</p>");
}

/* ---- /checklist ---- */

static void checklist_page(struct hv_req *req, struct hv_resp *resp)
{
	const char *lang = hv_query_get(&req->query, "lang");
	struct hv_warrant_doc d = {.now_ms = hv_time_now_ms()};
	struct hv_warrant_result res;
	const char *dated = hv_query_get(&req->query, "dated");
	struct hv_buf *b = &resp->body;
	bool asked = req->query.n_params > (lang ? 1u : 0u), ok;

	ok = hv_checklist_parse_issuer(hv_query_get(&req->query, "issuer"), &d.issuer) &&
	     hv_checklist_parse_signer(hv_query_get(&req->query, "signer"), &d.signer) &&
	     hv_checklist_parse_form(hv_query_get(&req->query, "form"), &d.form) &&
	     hv_checklist_parse_named(hv_query_get(&req->query, "names_place_or_person"),
				      &d.place_or_person) &&
	     (!dated || !*dated || hv_time_parse_iso(dated, &d.dated_ms));
	page_begin(resp, ok ? 200 : 400, "Warrant checklist", lang);
	if (!ok) {
		hv_buf_adds(b,
			    "<p class=\"err\">A value on the form is not one the checklist knows; "
			    "choose from the lists.</p>");
	} else if (asked) {
		hv_checklist_classify(&d, &res);
		hv_buf_adds(b, "<div class=\"answer\" id=\"answer\"><strong>");
		E(b, hv_checklist_answer_text(res.answer));
		hv_buf_adds(b, "</strong><p>");
		E(b, res.why);
		hv_buf_adds(b, "</p><p>This is not a ruling on the document: counsel decides.</p>"
			       "</div>");
	}
	hv_buf_adds(b, "<p>What were you shown? Answer what you can; leave the rest.</p>"
		       "<form method=\"get\" action=\"/checklist\">");
	document_fields(b, &req->query, "");
	hv_buf_adds(b, "<input type=\"hidden\" name=\"lang\" value=\"");
	E(b, lang ? lang : "en");
	hv_buf_adds(b, "\"><button type=\"submit\">Check</button></form><h2>What to do</h2>");
	script_block(b, lang);
	hv_buf_adds(b, "<p><a href=\"/checklist/card\">Printable pocket card</a> &middot; "
		       "<a href=\"/report\">File a report</a> &middot; "
		       "<a href=\"/checklist?lang=es\">Español</a></p>");
	page_end(resp);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* LANG.txt with LANG a BCP 47 tag of a language and at most one subtag: "pl", "zh-Hans",
 * "pt-BR". */
static bool card_file_name(const char *n)
{
	size_t len = strlen(n), k = 0, sub = 0;

	while (k < len && n[k] >= 'a' && n[k] <= 'z')
		k++;
	if (k < 2 || k > 3)
		return false;
	if (n[k] == '-') {
		while (k + 1 + sub < len && isalnum((unsigned char)n[k + 1 + sub]))
			sub++;
		if (sub < 2 || sub > 4)
			return false;
		k += 1 + sub;
	}
	return strcmp(n + k, ".txt") == 0;
}

#ifndef HV_CARD_SOURCE_DIR
#define HV_CARD_SOURCE_DIR "data/cards"
#endif
#ifndef HV_CARD_DATA_DIR
#define HV_CARD_DATA_DIR "/usr/local/share/haven/cards"
#endif

/* Where the card files are: $HAVEN_CARD_DIR when set (the only one tried), else the source
 * tree's data/cards (running from a build directory), else the installed share/haven/cards. */
static const char *card_dir(void)
{
	const char *dir = getenv("HAVEN_CARD_DIR");

	if (dir && *dir)
		return dir;
	if (hv_fs_exists(HV_CARD_SOURCE_DIR))
		return HV_CARD_SOURCE_DIR;
	return HV_CARD_DATA_DIR;
}

/* Scripts written right to left, by language subtag. */
static bool lang_rtl(const char *lang)
{
	static const char *const rtl[] = {"ar", "fa", "he", "ps", "ur", "yi"};
	size_t n = strcspn(lang, "-");

	for (size_t i = 0; i < sizeof(rtl) / sizeof(rtl[0]); i++)
		if (strlen(rtl[i]) == n && memcmp(rtl[i], lang, n) == 0)
			return true;
	return false;
}

/* The cards of the languages in the card directory (LANG.txt, see checklist.h); a file that
 * does not parse is named on the page (for the admin), not printed. */
static void configured_cards(struct hv_buf *b)
{
	const char *dir = card_dir(), *sup = getenv("HAVEN_SUPERVISOR_PHONE"),
		   *law = getenv("HAVEN_LAW_PHONE");
	char *names[64];
	size_t n = 0;
	DIR *d;
	struct dirent *de;

	if (!(d = opendir(dir)))
		return;
	while ((de = readdir(d)) && n < 64)
		if (card_file_name(de->d_name))
			names[n++] = hv_xstrdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		struct hv_card *c = hv_xmalloc(sizeof(*c));
		struct hv_err err;
		char path[4096], lang[16], *text = NULL;
		size_t len;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		snprintf(lang, sizeof(lang), "%.*s", (int)(strlen(names[i]) - 4), names[i]);
		if (hv_fs_read_file(path, 64 * 1024, &text, &len, &err) ||
		    hv_card_parse(names[i], text, len, c, &err)) {
			hv_buf_adds(b, "<p class=\"err noprint\">Card not shown: ");
			E(b, err.msg);
			hv_buf_adds(b, "</p>");
		} else {
			hv_buf_adds(b, "<div class=\"card\" lang=\"");
			E(b, lang);
			hv_buf_adds(b, lang_rtl(lang) ? "\" dir=\"rtl\"><strong>" : "\"><strong>");
			E(b, c->title);
			hv_buf_adds(b, "</strong><ol>");
			for (size_t k = 0; k < c->n_steps; k++) {
				hv_buf_adds(b, "<li>");
				E(b, c->steps[k]);
				hv_buf_adds(b, "</li>");
			}
			hv_buf_adds(b, "</ol><p>&#9742; ");
			E(b, sup && *sup ? sup : "-");
			hv_buf_adds(b, " &middot; &#9878; ");
			E(b, law && *law ? law : "-");
			hv_buf_adds(b, "</p><p>");
			for (size_t k = 0; k < c->n_notes; k++) {
				if (k)
					hv_buf_adds(b, " &middot; ");
				E(b, c->notes[k]);
			}
			hv_buf_adds(b, "</p>");
			/* the mark is in English, for the city's staff who print the cards */
			if (!c->reviewed)
				hv_buf_adds(b, "<p class=\"unreviewed\" lang=\"en\" dir=\"ltr\">"
					       "Translation not yet reviewed by the city</p>");
			hv_buf_adds(b, "</div>");
		}
		free(text);
		free(c);
		free(names[i]);
	}
}

static void card_page(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_buf *b = &resp->body;
	const char *const *langs = hv_checklist_langs();

	page_begin(resp, 200, "Pocket card", "en");
	hv_buf_adds(b, "<style>.card{border:1px solid #000;width:85mm;min-height:55mm;padding:3mm;"
		       "margin:2mm;display:inline-block;vertical-align:top;font-size:8pt;"
		       "line-height:1.25}.card ol{padding-inline-start:4mm;margin:1mm 0}"
		       ".card .unreviewed{font-size:6pt;font-style:italic;margin:1mm 0 0}"
		       "@media print{h1,.noprint{display:none}body{max-width:none;margin:0}"
		       ".card{page-break-inside:avoid}}</style>"
		       "<p class=\"noprint\">Print this page: each card folds to pocket size.</p>");
	for (size_t i = 0; langs[i]; i++) {
		const char *l = langs[i];
		const char *const *notes;
		size_t n;

		hv_buf_addf(b, "<div class=\"card\" lang=\"%s\"><strong>", l);
		E(b, strcmp(l, "es") == 0 ? "Si llegan agentes de inmigración"
					  : "If immigration agents arrive");
		hv_buf_adds(b, "</strong>");
		script_block(b, l);
		notes = hv_checklist_notes(l, &n);
		hv_buf_adds(b, "<p>");
		E(b, strcmp(l, "es") == 0 ? "Anote: " : "Note: ");
		for (size_t k = 0; k < n; k++) {
			if (k)
				hv_buf_adds(b, " &middot; ");
			E(b, notes[k]);
		}
		hv_buf_adds(b, "</p></div>");
	}
	configured_cards(b);
	page_end(resp);
}

/* ---- /report ---- */

static void report_form(struct hv_req *req, struct hv_resp *resp, const struct hv_query *q,
			int status, const char *error)
{
	static const char *const type_v[] = {
		"",	 "staging",	    "processing", "operations-base",
		"entry", "attempted-entry", "other",	  NULL};
	static const char *const type_l[] = {"(choose)",
					     "Staging (gathering, parking, waiting)",
					     "Processing (holding or processing people)",
					     "Operations base",
					     "Entry into a non-public area",
					     "Attempted entry",
					     "Other"};
	struct hv_buf *b = &resp->body;

	page_begin(resp, status, "Report use of city property", "en");
	if (error) {
		hv_buf_adds(b, "<p class=\"err\" id=\"error\">");
		E(b, error);
		hv_buf_adds(b, "</p>");
	}
	hv_buf_adds(b, "<p>Your report is saved at once; you can add to it later. Do not write "
		       "anyone's immigration or citizenship status.</p>"
		       "<form method=\"post\" action=\"/report\">");
	csrf_field(b, req);
	hv_buf_adds(b, "<fieldset><legend>When and where</legend>");
	input(b, "occurred", "When (date and time, UTC)", "datetime-local",
	      hv_query_get(q, "occurred"), " required");
	input(b, "property_id", "Property number (from the sign), if you know it", "number",
	      hv_query_get(q, "property_id"), " min=\"1\"");
	input(b, "address", "Or the address", "text", hv_query_get(q, "address"), NULL);
	input(b, "lat", "Or latitude (GPS)", "text", hv_query_get(q, "lat"),
	      " inputmode=\"decimal\"");
	input(b, "lon", "and longitude", "text", hv_query_get(q, "lon"), " inputmode=\"decimal\"");
	/* Progressive: with JavaScript, one tap fills the GPS fields; without, they are typed. */
	hv_buf_adds(b, "<button type=\"button\" id=\"gps\" hidden>Use my location</button><script>"
		       "(function(){var b=document.getElementById('gps');if(!navigator.geolocation)"
		       "return;b.hidden=false;b.onclick=function(){navigator.geolocation."
		       "getCurrentPosition(function(p){document.getElementById('lat').value="
		       "p.coords.latitude.toFixed(6);document.getElementById('lon').value="
		       "p.coords.longitude.toFixed(6);});};})();</script>");
	hv_buf_adds(b, "</fieldset><fieldset><legend>What happened</legend>");
	select_opts(b, "type", "Type", type_v, type_l, hv_query_get(q, "type"));
	textarea(b, "text", "What you saw", hv_query_get(q, "text"));
	input(b, "agencies", "Agencies, as stated (comma-separated)", "text",
	      hv_query_get(q, "agencies"), NULL);
	input(b, "personnel", "Number of personnel", "number", hv_query_get(q, "personnel"),
	      " min=\"0\"");
	input(b, "vehicles", "Number of vehicles", "number", hv_query_get(q, "vehicles"),
	      " min=\"0\"");
	hv_buf_adds(b, "</fieldset><fieldset><legend>Document shown (the checklist)</legend>");
	document_fields(b, q, "doc_");
	hv_buf_adds(b, "</fieldset><fieldset><legend>Notes</legend>");
	input(b, "names_badges", "Names and badge numbers, as stated", "text",
	      hv_query_get(q, "names_badges"), NULL);
	input(b, "areas_entered", "Areas entered", "text", hv_query_get(q, "areas_entered"), NULL);
	input(b, "items_taken", "Items taken", "text", hv_query_get(q, "items_taken"), NULL);
	input(b, "emergency_claimed", "Any claim of an emergency", "text",
	      hv_query_get(q, "emergency_claimed"), NULL);
	textarea(b, "staff_actions", "What staff did", hv_query_get(q, "staff_actions"));
	hv_buf_adds(b, "</fieldset><fieldset class=\"restricted\"><legend>Witness (optional; only "
		       "the law department reads this)</legend>");
	input(b, "witness_name", "Name", "text", hv_query_get(q, "witness_name"), NULL);
	input(b, "witness_contact", "Contact", "text", hv_query_get(q, "witness_contact"), NULL);
	textarea(b, "witness_statement", "What they saw", hv_query_get(q, "witness_statement"));
	hv_buf_adds(b, "</fieldset><button type=\"submit\">Save report</button></form>"
		       "<p>Photos and videos: add them after saving.</p>");
	page_end(resp);
}

static void report_get(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_query none = {0};

	report_form(req, resp, &none, 200, NULL);
}

static void set_str(json_t *o, const char *k, const char *v)
{
	if (v && *v)
		json_object_set_new(o, k, json_string(v));
}

/* Builds the API's JSON report from the form; false with *why naming a field it cannot read. */
static bool form_to_json(const struct hv_query *q, json_t *o, const char **why)
{
	static const char *const texts[] = {"type",
					    "address",
					    "text",
					    "names_badges",
					    "areas_entered",
					    "items_taken",
					    "emergency_claimed",
					    "staff_actions",
					    NULL};
	const char *v, *occ = hv_query_get(q, "occurred");
	int64_t n;
	double lat, lon;

	for (size_t i = 0; texts[i]; i++)
		set_str(o, texts[i], hv_query_get(q, texts[i]));
	if (occ && *occ)
		json_object_set_new(o, "occurred", json_string(occ));
	if ((v = hv_query_get(q, "property_id")) && *v) {
		if (!hv_str_to_i64(hv_str_cstr(v), &n)) {
			*why = "property_id: not a number";
			return false;
		}
		json_object_set_new(o, "property_id", json_integer(n));
	}
	if (((v = hv_query_get(q, "lat")) && *v) || ((v = hv_query_get(q, "lon")) && *v)) {
		json_t *loc = json_object();

		if (!hv_str_to_double(
			    hv_str_cstr(hv_query_get(q, "lat") ? hv_query_get(q, "lat") : ""),
			    &lat) ||
		    !hv_str_to_double(
			    hv_str_cstr(hv_query_get(q, "lon") ? hv_query_get(q, "lon") : ""),
			    &lon)) {
			json_decref(loc);
			*why = "lat, lon: both are needed, as decimal degrees";
			return false;
		}
		json_object_set_new(loc, "lat", json_real(lat));
		json_object_set_new(loc, "lon", json_real(lon));
		json_object_set_new(o, "location", loc);
	}
	if ((v = hv_query_get(q, "agencies")) && *v) {
		json_t *arr = json_array();
		const char *p = v;

		while (*p) {
			size_t k = strcspn(p, ",");
			struct hv_str s = hv_str_trim(hv_str_of(p, k));

			if (s.len)
				json_array_append_new(arr, json_stringn(s.ptr, s.len));
			p += k;
			if (*p == ',')
				p++;
		}
		json_object_set_new(o, "agencies", arr);
	}
	for (int i = 0; i < 2; i++) {
		const char *k = i ? "vehicles" : "personnel";

		if ((v = hv_query_get(q, k)) && *v) {
			if (!hv_str_to_i64(hv_str_cstr(v), &n)) {
				*why = i ? "vehicles: not a number" : "personnel: not a number";
				return false;
			}
			json_object_set_new(o, k, json_integer(n));
		}
	}
	{
		static const char *const dk[] = {
			"issuer", "signer", "form", "names_place_or_person", "dated", NULL};
		json_t *doc = json_object();
		char name[64];

		for (size_t i = 0; dk[i]; i++) {
			snprintf(name, sizeof(name), "doc_%s", dk[i]);
			set_str(doc, dk[i], hv_query_get(q, name));
		}
		if (json_object_size(doc)) {
			json_t *arr = json_array();

			json_array_append_new(arr, doc);
			json_object_set_new(o, "documents", arr);
		} else {
			json_decref(doc);
		}
	}
	{
		json_t *w = json_object();

		set_str(w, "name", hv_query_get(q, "witness_name"));
		set_str(w, "contact", hv_query_get(q, "witness_contact"));
		set_str(w, "statement", hv_query_get(q, "witness_statement"));
		if (json_object_size(w)) {
			json_t *arr = json_array();

			json_array_append_new(arr, w);
			json_object_set_new(o, "witnesses", arr);
		} else {
			json_decref(w);
		}
	}
	return true;
}

static void report_post(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_cases_pages *pg = req->ctx;
	struct hv_query q = {0};
	struct hv_err err;
	const char *why = NULL;
	json_t *o = json_object();
	char *json = NULL, msg[HV_ERR_MSG_MAX + 32];
	int64_t id;
	int rc;

	hv_err_clear(&err);
	if (hv_query_parse(req->arena, req->body, req->body_len, &q, &err)) {
		snprintf(msg, sizeof(msg), "The form could not be read: %s", err.msg);
		report_form(req, resp, &q, 400, msg);
		goto out;
	}
	if (!form_to_json(&q, o, &why)) {
		report_form(req, resp, &q, 400, why);
		goto out;
	}
	json = json_dumps(o, JSON_COMPACT);
	if ((rc = pg->ops.file_report(pg->ops.ctx, req, json, strlen(json), &id, &err))) {
		snprintf(msg, sizeof(msg), "Not saved: %s", err.msg);
		report_form(req, resp, &q, hv_http_code(rc) >= 500 ? 500 : 400, msg);
		goto out;
	}
	page_begin(resp, 201, "Report saved", "en");
	hv_buf_addf(&resp->body,
		    "<p id=\"saved\">Saved as incident <strong>%" PRId64 "</strong>. The law "
		    "department has been told.</p>"
		    "<h2>Add a photo or video</h2><form id=\"upload\" method=\"post\" "
		    "enctype=\"multipart/form-data\" "
		    "action=\"/api/v1/incidents/%" PRId64 "/evidence\" data-csrf=\"",
		    id, id);
	/* The upload is streamed, so no body field is read before the authenticator: the page
	 * sends it with fetch() and the X-CSRF-Token header (the token is the session's, in an
	 * attribute, never in a URL that a log or a Referer could carry). */
	{
		char tok[HV_TOKEN_HEX_LEN];

		csrf_of(req, tok);
		E(&resp->body, tok);
		hv_buf_adds(&resp->body, "\">");
	}
	hv_buf_adds(&resp->body,
		    "<label for=\"file\">Photo or video</label><input type=\"file\" id=\"file\" "
		    "name=\"file\" accept=\"image/*,video/*\" capture=\"environment\" required>"
		    "<button type=\"submit\">Upload</button><p id=\"upload-status\" "
		    "role=\"status\"></p></form>"
		    "<noscript><p class=\"err\">Uploading needs JavaScript on this page.</p>"
		    "</noscript><script>"
		    "(function(){var f=document.getElementById('upload'),"
		    "st=document.getElementById('upload-status');"
		    "f.addEventListener('submit',function(e){e.preventDefault();"
		    "var file=document.getElementById('file').files[0];if(!file){"
		    "st.textContent='Choose a file first.';return;}"
		    "var d=new FormData();d.append('file',file);st.textContent='Uploading\u2026';"
		    "fetch(f.action,{method:'POST',body:d,credentials:'same-origin',"
		    "headers:{'X-CSRF-Token':f.dataset.csrf}}).then(function(r){"
		    "return r.json().then(function(j){if(r.ok){st.className='ok';"
		    "st.textContent='Uploaded as evidence '+j.id+' (SHA-256 '+j.sha256+').';"
		    "f.reset();}else{st.className='err';st.textContent='Not uploaded: '+"
		    "(j.detail||r.status);}});}).catch(function(){st.className='err';"
		    "st.textContent='Not uploaded: the connection failed.';});});})();"
		    "</script><p><a href=\"/report\">File another report</a></p>");
	page_end(resp);
out:
	free(json);
	json_decref(o);
}

/* ---- law: /cases and /cases/{id} ---- */

static json_t *load_json(struct hv_req *req, struct hv_resp *resp, int64_t id,
			 int (*fn)(struct hv_store *, int64_t, struct hv_json *, struct hv_err *))
{
	struct hv_store *s;
	struct hv_buf b;
	struct hv_json w;
	struct hv_err err;
	json_t *j = NULL;
	int rc;

	hv_err_clear(&err);
	hv_buf_init(&b, 0);
	hv_json_init(&w, &b, false);
	if ((rc = hv_req_store(req, &s, &err)) || (rc = fn(s, id, &w, &err))) {
		page_begin(resp, hv_http_code(rc), "Not available", "en");
		hv_buf_adds(&resp->body, "<p class=\"err\">");
		E(&resp->body, hv_http_code(rc) >= 500 ? "The server failed." : err.msg);
		hv_buf_adds(&resp->body, "</p>");
		page_end(resp);
	} else {
		j = json_loadb(b.data, b.len, 0, NULL);
	}
	hv_buf_release(&b);
	return j;
}

static int dash_fn(struct hv_store *s, int64_t id, struct hv_json *w, struct hv_err *err)
{
	return hv_case_dashboard_json(s, w, err);
}

static int list_fn(struct hv_store *s, int64_t id, struct hv_json *w, struct hv_err *err)
{
	return hv_incident_list_json(s, 50, w, err);
}

static int case_fn(struct hv_store *s, int64_t id, struct hv_json *w, struct hv_err *err)
{
	return hv_case_json(s, id, w, err);
}

static void cell(struct hv_buf *b, json_t *v)
{
	char num[32];

	hv_buf_adds(b, "<td>");
	if (json_is_string(v)) {
		E(b, json_string_value(v));
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		hv_buf_adds(b, num);
	}
	hv_buf_adds(b, "</td>");
}

static void dashboard_page(struct hv_req *req, struct hv_resp *resp)
{
	json_t *d = load_json(req, resp, 0, dash_fn), *l, *v;
	struct hv_buf *b = &resp->body;
	size_t i;

	if (!d)
		return;
	if (!(l = load_json(req, resp, 0, list_fn))) {
		json_decref(d);
		return;
	}
	page_begin(resp, 200, "Cases", "en");
	hv_buf_adds(b, "<h2>Open cases</h2><table><tr><th>Case</th><th>Title</th><th>State</th>"
		       "<th>Opened</th></tr>");
	json_array_foreach(json_object_get(d, "open_cases"), i, v)
	{
		hv_buf_addf(b,
			    "<tr><td><a href=\"/cases/%" JSON_INTEGER_FORMAT
			    "\">%" JSON_INTEGER_FORMAT "</a></td>",
			    json_integer_value(json_object_get(v, "id")),
			    json_integer_value(json_object_get(v, "id")));
		cell(b, json_object_get(v, "title"));
		cell(b, json_object_get(v, "state"));
		cell(b, json_object_get(v, "created"));
		hv_buf_adds(b, "</tr>");
	}
	hv_buf_adds(b, "</table><h2>Reports by property and week</h2><table><tr><th>Property</th>"
		       "<th>Week of</th><th>Reports</th></tr>");
	json_array_foreach(json_object_get(d, "reports_by_property_and_week"), i, v)
	{
		hv_buf_adds(b, "<tr>");
		cell(b, json_object_get(v, "property_id"));
		cell(b, json_object_get(v, "week_of"));
		cell(b, json_object_get(v, "reports"));
		hv_buf_adds(b, "</tr>");
	}
	hv_buf_adds(b, "</table><h2>Latest reports</h2><table><tr><th>Incident</th><th>Type</th>"
		       "<th>Property</th><th>When</th><th>Evidence</th></tr>");
	json_array_foreach(l, i, v)
	{
		hv_buf_adds(b, "<tr>");
		cell(b, json_object_get(v, "id"));
		cell(b, json_object_get(v, "type"));
		cell(b, json_object_get(v, "property_id"));
		cell(b, json_object_get(v, "occurred"));
		cell(b, json_object_get(v, "evidence"));
		hv_buf_adds(b, "</tr>");
	}
	hv_buf_adds(b, "</table><h2>Open a case</h2><form method=\"post\" action=\"/cases\">");
	csrf_field(b, req);
	input(b, "title", "Title", "text", NULL, " required");
	input(b, "incidents", "Incident numbers (comma-separated)", "text", NULL, NULL);
	hv_buf_adds(b, "<button type=\"submit\">Open case</button></form>");
	page_end(resp);
	json_decref(d);
	json_decref(l);
}

static bool path_id(struct hv_req *req, int64_t *id)
{
	for (size_t i = 0; i < req->n_captures; i++)
		if (strcmp(req->captures[i].name, "id") == 0)
			return hv_str_to_i64(hv_str_cstr(req->captures[i].value), id) && *id > 0;
	return false;
}

static void case_page_with(struct hv_req *req, struct hv_resp *resp, int64_t id, int status,
			   const char *note)
{
	json_t *c = load_json(req, resp, id, case_fn), *v;
	struct hv_buf *b = &resp->body;
	char title[64];
	size_t i;

	if (!c)
		return;
	snprintf(title, sizeof(title), "Case %" PRId64, id);
	page_begin(resp, status, title, "en");
	if (note) {
		hv_buf_adds(b, "<p class=\"answer\" id=\"note\">");
		E(b, note);
		hv_buf_adds(b, "</p>");
	}
	hv_buf_adds(b, "<p><strong>");
	E(b, json_string_value(json_object_get(c, "title")));
	hv_buf_adds(b, "</strong>: ");
	E(b, json_string_value(json_object_get(c, "state")));
	hv_buf_adds(b, "</p><table><tr><th>When</th><th>Event</th><th>State</th><th>Referred to"
		       "</th><th>Outcome</th><th>Incident</th><th>By</th></tr>");
	json_array_foreach(json_object_get(c, "events"), i, v)
	{
		hv_buf_adds(b, "<tr>");
		cell(b, json_object_get(v, "recorded"));
		cell(b, json_object_get(v, "kind"));
		cell(b, json_object_get(v, "state"));
		cell(b, json_object_get(v, "referred_to"));
		cell(b, json_object_get(v, "outcome"));
		cell(b, json_object_get(v, "incident_id"));
		cell(b, json_object_get(v, "author"));
		hv_buf_adds(b, "</tr>");
	}
	hv_buf_addf(b, "</table><form method=\"post\" action=\"/cases/%" PRId64 "/packet\">", id);
	csrf_field(b, req);
	hv_buf_adds(b, "<button type=\"submit\" id=\"export\">Export case packet</button></form>");
	page_end(resp);
	json_decref(c);
}

static void case_page(struct hv_req *req, struct hv_resp *resp)
{
	int64_t id;

	if (!path_id(req, &id)) {
		hv_resp_problem(resp, HV_EINVAL, "id: a positive whole number is expected");
		return;
	}
	case_page_with(req, resp, id, 200, NULL);
}

static void packet_post(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_cases_pages *pg = req->ctx;
	struct hv_err err;
	char path[1024], note[2200];
	int64_t id;
	int rc;

	if (!path_id(req, &id)) {
		hv_resp_problem(resp, HV_EINVAL, "id: a positive whole number is expected");
		return;
	}
	hv_err_clear(&err);
	if ((rc = pg->ops.write_packet(pg->ops.ctx, req, id, path, sizeof(path), &err))) {
		snprintf(note, sizeof(note), "The packet was not written: %s",
			 hv_http_code(rc) >= 500 ? "the server failed" : err.msg);
		case_page_with(req, resp, id, hv_http_code(rc), note);
		return;
	}
	snprintf(note, sizeof(note),
		 "Packet written to %s on the server. Check it with: "
		 "haven-verify %s",
		 path, path);
	case_page_with(req, resp, id, 201, note);
}

static void case_open_post(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_query q = {0};
	struct hv_store *s;
	struct hv_err err;
	int64_t ids[64], id;
	size_t n = 0;
	const char *inc, *title;
	int rc;

	hv_err_clear(&err);
	if ((rc = hv_query_parse(req->arena, req->body, req->body_len, &q, &err)) == HV_OK) {
		title = hv_query_get(&q, "title");
		inc = hv_query_get(&q, "incidents");
		for (const char *p = inc ? inc : ""; *p && rc == HV_OK;) {
			size_t k = strcspn(p, ", ");

			if (k) {
				if (n == 64 || !hv_str_to_i64(hv_str_of(p, k), &ids[n]) ||
				    ids[n] <= 0)
					rc = hv_err_set(
						&err, HV_EINVAL,
						"incidents: \"%.*s\" is not an incident number",
						(int)(k > 20 ? 20 : k), p);
				n++;
			}
			p += k;
			p += strspn(p, ", ");
		}
		if (rc == HV_OK && (rc = hv_req_store(req, &s, &err)) == HV_OK)
			rc = hv_case_open(s, title, ids, n, req->user_name ? req->user_name : "web",
					  hv_time_now_ms(), &id, &err);
	}
	if (rc) {
		page_begin(resp, hv_http_code(rc), "Case not opened", "en");
		hv_buf_adds(&resp->body, "<p class=\"err\">");
		E(&resp->body, hv_http_code(rc) >= 500 ? "The server failed." : err.msg);
		hv_buf_adds(&resp->body, "</p><p><a href=\"/cases\">Back</a></p>");
		page_end(resp);
		return;
	}
	case_page_with(req, resp, id, 201, "Case opened.");
}

void hv_cases_pages_free(struct hv_cases_pages *p)
{
	free(p);
}

static const char *const checklist_params[] = {"issuer", "signer", "form", "names_place_or_person",
					       "dated",	 "lang",   NULL};
static const char *const lang_params[] = {"lang", NULL};

int hv_cases_pages_register(struct hv_router *r, const struct hv_cases_pages_ops *ops,
			    struct hv_cases_pages **out, struct hv_err *err)
{
	struct hv_cases_pages *p = hv_xcalloc(1, sizeof(*p));
	const struct hv_route routes[] = {
		{.method = HV_GET,
		 .pattern = "/checklist",
		 .roles = HV_ROLES_STAFF_UP,
		 .params = checklist_params,
		 .handler = checklist_page,
		 .ctx = p,
		 .flags = HV_ROUTE_PAGE,
		 .summary = "The warrant checklist page"},
		{.method = HV_GET,
		 .pattern = "/checklist/card",
		 .roles = HV_ROLES_STAFF_UP,
		 .params = lang_params,
		 .handler = card_page,
		 .ctx = p,
		 .flags = HV_ROUTE_PAGE,
		 .summary = "The printable pocket card"},
		{.method = HV_GET,
		 .pattern = "/report",
		 .roles = ROLES_STAFF_LAW,
		 .params = NULL,
		 .handler = report_get,
		 .ctx = p,
		 .flags = HV_ROUTE_PAGE,
		 .summary = "The incident report form (phone first)"},
		{.method = HV_POST,
		 .pattern = "/report",
		 .roles = ROLES_STAFF_LAW,
		 .params = NULL,
		 .handler = report_post,
		 .ctx = p,
		 .flags = HV_ROUTE_PAGE | HV_ROUTE_FORM,
		 .summary = "File an incident report from the form",
		 .body_type = "application/x-www-form-urlencoded"},
		{.method = HV_GET,
		 .pattern = "/cases",
		 .roles = ROLES_LAW,
		 .params = NULL,
		 .handler = dashboard_page,
		 .ctx = p,
		 .flags = HV_ROUTE_PAGE,
		 .summary = "The law department dashboard"},
		{.method = HV_POST,
		 .pattern = "/cases",
		 .roles = ROLES_LAW,
		 .params = NULL,
		 .handler = case_open_post,
		 .ctx = p,
		 .flags = HV_ROUTE_PAGE | HV_ROUTE_FORM,
		 .summary = "Open a case from the dashboard form",
		 .body_type = "application/x-www-form-urlencoded"},
		{.method = HV_GET,
		 .pattern = "/cases/{id}",
		 .roles = ROLES_LAW,
		 .params = NULL,
		 .handler = case_page,
		 .ctx = p,
		 .flags = HV_ROUTE_PAGE,
		 .summary = "One case"},
		{.method = HV_POST,
		 .pattern = "/cases/{id}/packet",
		 .roles = ROLES_LAW,
		 .params = NULL,
		 .handler = packet_post,
		 .ctx = p,
		 .flags = HV_ROUTE_PAGE | HV_ROUTE_FORM,
		 .summary = "Export a case packet",
		 .body_type = "application/x-www-form-urlencoded"},
	};
	int rc;

	p->ops = *ops;
	*out = p;
	if ((rc = hv_router_add_all(r, routes, sizeof(routes) / sizeof(routes[0]), err)))
		return rc;
	return HV_OK;
}
