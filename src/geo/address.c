/* SPDX-License-Identifier: Apache-2.0 */
/* Street address normalisation, and an index keyed by street name that matches addresses. */
#include "geo/address.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/strmap.h"
#include "core/xalloc.h"

#include "core/banned.h"

/* House numbers have at most this many digits: more is junk, and still fits a long. */
#define NUMBER_DIGITS_MAX 9
/* Room for any long in decimal with a sign, a two-letter suffix and a NUL. */
#define LONG_TEXT 24
/* The longest floor name: "FL 123", "FL B2". */
#define FLOOR_MAX 4
/* A find collects this many refs on the stack before it needs the heap. */
#define FIND_STACK 64

/* ---- words ---- */

struct word_map {
	const char *from;
	const char *to;
};

/* clang-format off */
static const struct word_map dir_words[] = {
	{"N", "N"}, {"S", "S"}, {"E", "E"}, {"W", "W"},
	{"NE", "NE"}, {"NW", "NW"}, {"SE", "SE"}, {"SW", "SW"},
	{"NORTH", "N"}, {"SOUTH", "S"}, {"EAST", "E"}, {"WEST", "W"},
	{"NORTHEAST", "NE"}, {"NORTHWEST", "NW"}, {"SOUTHEAST", "SE"}, {"SOUTHWEST", "SW"},
	{NULL, NULL}};

/* USPS Publication 28, appendix C1: the suffixes a city's streets use, with the common spellings
 * people and exports write. PARK is left out on purpose: it ends names ("Lake Park", "Garfield
 * Park") far more often than it is a street's type. */
static const struct word_map type_words[] = {
	{"AVENUE", "AVE"}, {"AVE", "AVE"}, {"AV", "AVE"}, {"AVEN", "AVE"}, {"AVENU", "AVE"},
	{"AVN", "AVE"}, {"AVNUE", "AVE"},
	{"STREET", "ST"}, {"ST", "ST"}, {"STR", "ST"}, {"STRT", "ST"},
	{"BOULEVARD", "BLVD"}, {"BLVD", "BLVD"}, {"BOUL", "BLVD"}, {"BOULV", "BLVD"},
	{"ROAD", "RD"}, {"RD", "RD"},
	{"DRIVE", "DR"}, {"DR", "DR"}, {"DRIV", "DR"}, {"DRV", "DR"},
	{"PLACE", "PL"}, {"PL", "PL"},
	{"COURT", "CT"}, {"CT", "CT"},
	{"LANE", "LN"}, {"LN", "LN"},
	{"PARKWAY", "PKWY"}, {"PKWY", "PKWY"}, {"PARKWY", "PKWY"}, {"PKY", "PKWY"},
	{"TERRACE", "TER"}, {"TER", "TER"}, {"TERR", "TER"},
	{"HIGHWAY", "HWY"}, {"HWY", "HWY"}, {"HIWAY", "HWY"}, {"HIWY", "HWY"},
	{"SQUARE", "SQ"}, {"SQ", "SQ"}, {"SQR", "SQ"},
	{"CIRCLE", "CIR"}, {"CIR", "CIR"}, {"CIRC", "CIR"},
	{"WAY", "WAY"}, {"WY", "WAY"},
	{"PLAZA", "PLZ"}, {"PLZ", "PLZ"}, {"PLZA", "PLZ"},
	{"EXPRESSWAY", "EXPY"}, {"EXPY", "EXPY"}, {"EXPR", "EXPY"}, {"EXPW", "EXPY"},
	{"TRAIL", "TRL"}, {"TRL", "TRL"},
	{"ROW", "ROW"},
	{"ALLEY", "ALY"}, {"ALY", "ALY"},
	{NULL, NULL}};

/* Unit designators, mapped to "FL" for a floor (its unit reads "FL 3": a floor is not an
 * apartment) and to "" for the rest (the unit is the value alone). */
static const struct word_map unit_words[] = {
	{"APT", ""}, {"APARTMENT", ""}, {"UNIT", ""}, {"STE", ""}, {"SUITE", ""}, {"#", ""},
	{"RM", ""}, {"ROOM", ""}, {"FL", "FL"}, {"FLR", "FL"}, {"FLOOR", "FL"},
	{NULL, NULL}};

/* Spelled ordinals up to the ninetieth; compounds ("Seventy-Third") are a tens word and one of
 * the first nine. */
static const char *const ordinal_words[] = {"", "FIRST", "SECOND", "THIRD", "FOURTH", "FIFTH",
	"SIXTH", "SEVENTH", "EIGHTH", "NINTH", "TENTH", "ELEVENTH", "TWELFTH", "THIRTEENTH",
	"FOURTEENTH", "FIFTEENTH", "SIXTEENTH", "SEVENTEENTH", "EIGHTEENTH", "NINETEENTH", NULL};
static const char *const tens_ordinal_words[] = {"", "", "TWENTIETH", "THIRTIETH", "FORTIETH",
	"FIFTIETH", "SIXTIETH", "SEVENTIETH", "EIGHTIETH", "NINETIETH", NULL};
static const char *const tens_words[] = {"", "", "TWENTY", "THIRTY", "FORTY", "FIFTY", "SIXTY",
	"SEVENTY", "EIGHTY", "NINETY", NULL};
/* clang-format on */

static const char *map_word(const struct word_map *m, const char *w)
{
	for (; m->from; m++)
		if (strcmp(m->from, w) == 0)
			return m->to;
	return NULL;
}

/* Index of w in a NULL-terminated list, or 0 (every list starts with unused "" entries). */
static long list_index(const char *const *list, const char *w)
{
	for (long i = 0; list[i]; i++)
		if (list[i][0] && strcmp(list[i], w) == 0)
			return i;
	return 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!is_digit(*s))
			return false;
	return true;
}

/* 1..NUMBER_DIGITS_MAX digits and nothing else. */
static bool small_number(const char *s, long *v)
{
	size_t n = strlen(s);

	if (n == 0 || n > NUMBER_DIGITS_MAX || !all_digits(s))
		return false;
	*v = strtol(s, NULL, 10);
	return true;
}

/* Letters count as ASCII letters or any non-ASCII byte (a valid UTF-8 letter: "Ñ"). */
static bool has_letter(const char *s)
{
	for (; *s; s++)
		if (is_alpha(*s) || (unsigned char)*s >= 0x80)
			return true;
	return false;
}

static const char *ordinal_suffix(long n)
{
	static const char *const sfx[] = {"TH", "ST", "ND", "RD"};

	if (n % 100 >= 11 && n % 100 <= 13)
		return "TH";
	return n % 10 <= 3 ? sfx[n % 10] : "TH";
}

/* "73RD", "73TH" (a wrong suffix keeps its number) or "SEVENTEENTH" as a number: digits with any
 * ordinal suffix, or a one-word spelled ordinal. Bare digits are no ordinal. */
static bool ordinal_value(const char *s, long *v)
{
	size_t n = strlen(s);
	char digits[NUMBER_DIGITS_MAX + 1];
	const char *sfx = s + (n >= 2 ? n - 2 : 0);

	if ((*v = list_index(ordinal_words, s)) || (*v = 10 * list_index(tens_ordinal_words, s)))
		return true;
	if (n < 3 || n - 2 > NUMBER_DIGITS_MAX ||
	    !(strcmp(sfx, "ST") == 0 || strcmp(sfx, "ND") == 0 || strcmp(sfx, "RD") == 0 ||
	      strcmp(sfx, "TH") == 0))
		return false;
	memcpy(digits, s, n - 2);
	digits[n - 2] = '\0';
	return small_number(digits, v);
}

/* ---- tokens ---- */

/* A word, or a lone "-" or "#" (ranges and units need them); NUL-terminated in buf. */
struct tok {
	uint16_t off;
	uint16_t len;
	uint16_t seg; /* which comma-separated part of the text */
};

/* Every token of at most HV_ADDR_TEXT_MAX bytes of text: each byte starts at most one token,
 * and each token takes its bytes plus a NUL in buf. */
struct toks {
	char buf[2 * HV_ADDR_TEXT_MAX + 2];
	struct tok t[HV_ADDR_TEXT_MAX];
	size_t n;
	size_t o;  /* bytes used in buf */
	bool open; /* the last token is a word still being read */
};

static const char *tok_s(const struct toks *k, size_t i)
{
	return k->buf + k->t[i].off;
}

static bool tok_is(const struct toks *k, size_t i, const char *s)
{
	return strcmp(tok_s(k, i), s) == 0;
}

/* A word, not a lone "-" or "#". */
static bool tok_word(const struct toks *k, size_t i)
{
	return !tok_is(k, i, "-") && !tok_is(k, i, "#");
}

static void tok_close(struct toks *k)
{
	if (!k->open)
		return;
	k->buf[k->o++] = '\0';
	k->t[k->n - 1].len = (uint16_t)(k->o - 1 - k->t[k->n - 1].off);
	k->open = false;
}

static void tok_byte(struct toks *k, unsigned seg, char c)
{
	if (!k->open) {
		k->t[k->n].off = (uint16_t)k->o;
		k->t[k->n].len = 0;
		k->t[k->n].seg = (uint16_t)seg;
		k->n++;
		k->open = true;
	}
	k->buf[k->o++] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static void tok_single(struct toks *k, unsigned seg, char c)
{
	tok_close(k);
	tok_byte(k, seg, c);
	tok_close(k);
}

/* Bytes that belong to a word: letters, digits, anything non-ASCII (the text is valid UTF-8,
 * so a name's "é" stays whole), and "/" between digits ("1/2"). */
static bool word_byte(const char *s, size_t len, size_t i)
{
	unsigned char c = (unsigned char)s[i];

	if (is_alpha((char)c) || is_digit((char)c))
		return true;
	if (c == '/')
		return i > 0 && i + 1 < len && is_digit(s[i - 1]) && is_digit(s[i + 1]);
	return c >= 0x80;
}

/* Punctuation dropped inside a word rather than splitting it: an apostrophe ("O'Brien", also
 * U+2019), and a period between single letters ("N.W." reads "NW", but "St.Louis" is two
 * words). Returns how many bytes to skip, 0 when s[i] is no such thing. */
static size_t joiner(const struct toks *k, const char *s, size_t len, size_t i)
{
	size_t open_len = k->open ? k->o - k->t[k->n - 1].off : 0;

	if (open_len == 0)
		return 0;
	if (s[i] == '\'' && i + 1 < len && word_byte(s, len, i + 1))
		return 1;
	if (i + 3 < len && memcmp(s + i, "\xE2\x80\x99", 3) == 0 && word_byte(s, len, i + 3))
		return 3;
	if (s[i] == '.' && i + 1 < len && is_alpha(s[i + 1]) && open_len == 1 &&
	    is_alpha(k->buf[k->o - 1]))
		return 1;
	return 0;
}

/* Non-ASCII characters that separate words like a space: U+00A0 (no-break space) and a U+2019
 * that joins nothing. Returns their length, 0 for anything else. */
static size_t utf8_space(const char *s, size_t len, size_t i)
{
	if (i + 1 < len && memcmp(s + i, "\xC2\xA0", 2) == 0)
		return 2;
	if (i + 2 < len && memcmp(s + i, "\xE2\x80\x99", 3) == 0)
		return 3;
	return 0;
}

/* A lower-case letter of Latin-1 Supplement (U+00E0..U+00FE but for the division sign), which
 * folds to upper case by clearing one bit of its second byte: "ñ" reads "Ñ". Returns its length,
 * 0 for anything else. */
static size_t latin1_lower(const char *s, size_t len, size_t i)
{
	unsigned char c = i + 1 < len ? (unsigned char)s[i + 1] : 0;

	return (unsigned char)s[i] == 0xC3 && c >= 0xA0 && c <= 0xBE && c != 0xB7 ? 2 : 0;
}

/* Splits text into upper-case words and "-" and "#" tokens; a comma starts a new segment, any
 * other punctuation, control byte or white space only separates words. */
static void tokenize(const char *s, size_t len, struct toks *k)
{
	unsigned seg = 0;

	k->n = k->o = 0;
	k->open = false;
	for (size_t i = 0; i < len;) {
		size_t skip;

		if ((skip = joiner(k, s, len, i))) {
			i += skip;
			continue;
		}
		if ((skip = utf8_space(s, len, i))) {
			tok_close(k);
			i += skip;
			continue;
		}
		if ((skip = latin1_lower(s, len, i))) {
			tok_byte(k, seg, s[i]);
			tok_byte(k, seg, (char)(s[i + 1] - 0x20));
			i += skip;
			continue;
		}
		if (word_byte(s, len, i)) {
			tok_byte(k, seg, s[i]);
		} else if (s[i] == '-' || s[i] == '#') {
			tok_single(k, seg, s[i]);
		} else {
			tok_close(k);
			seg += s[i] == ',';
		}
		i++;
	}
	tok_close(k);
}

/* ---- parsing ---- */

static void set_field(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src);
}

/* One past the last token of the comma-separated segment that starts at token from. */
static size_t segment_end(const struct toks *k, size_t from)
{
	size_t i = from;

	while (i < k->n && k->t[i].seg == k->t[from].seg)
		i++;
	return i;
}

/* "1234A": number 1234 and unit A (a divided lot). */
static bool number_letter(const char *s, long *v, char *unit, size_t unit_cap)
{
	size_t n = strlen(s);
	char digits[NUMBER_DIGITS_MAX + 1];

	if (n < 2 || n - 1 > NUMBER_DIGITS_MAX || !is_alpha(s[n - 1]))
		return false;
	memcpy(digits, s, n - 1);
	digits[n - 1] = '\0';
	if (!small_number(digits, v))
		return false;
	set_field(unit, unit_cap, s + n - 1);
	return true;
}

/* "1/2", "3/4": a fraction of a lot, written after its number. */
static bool is_fraction(const char *s)
{
	return is_digit(s[0]) && s[1] == '/' && is_digit(s[2]) && s[3] == '\0';
}

/* The house number (or range) at the start of the first segment: "1200", "1200-1210",
 * "1200 - 1210", "#1200"; "1234A" is number 1234, unit A, and a fraction ("1/2") after the number
 * is its unit. *next is the first token after it (the first word when there is no number). False
 * for more digits than any house number has: that is junk, not an address. */
static bool parse_number(const struct toks *k, size_t end, struct hv_addr *a, size_t *next)
{
	size_t i = 0;
	long hi;

	while (i < end && !tok_word(k, i))
		i++;
	*next = i;
	if (i == end || !is_digit(tok_s(k, i)[0]))
		return true;
	if (all_digits(tok_s(k, i))) {
		if (!small_number(tok_s(k, i), &a->number_lo))
			return false;
	} else if (!number_letter(tok_s(k, i), &a->number_lo, a->unit, sizeof(a->unit))) {
		return true;
	}
	i++;
	a->number_hi = a->number_lo;
	if (i + 1 < end && tok_is(k, i, "-") && small_number(tok_s(k, i + 1), &hi)) {
		/* A reversed range is an abbreviation ("1200-10") or a typo: keep the first number
		 * rather than guess a span that could match far too much. */
		if (hi > a->number_lo)
			a->number_hi = hi;
		i += 2;
	}
	/* "1200 - 1/2", "12 # 1/2": a dash that starts no range, or a "#" before any street
	 * word, is punctuation. Every fraction here goes (the last one is the unit), so the
	 * street never starts with one and its canonical text reads back the same. */
	for (; i < end && (!tok_word(k, i) || is_fraction(tok_s(k, i))); i++)
		if (is_fraction(tok_s(k, i)))
			set_field(a->unit, sizeof(a->unit), tok_s(k, i));
	*next = i;
	return true;
}

static bool digits_n(const struct toks *k, size_t i, size_t n)
{
	return k->t[i].len == n && all_digits(tok_s(k, i));
}

/* The ZIP-like number at token z is a unit's value: "Apt 52100", "# 60649". A floor designator
 * does not count: in "Miami FL 33101" FL is a state, and no floor has five digits. */
static bool unit_value_at(const struct toks *k, size_t from, size_t z)
{
	for (; z > from; z--) {
		const char *kind = map_word(unit_words, tok_s(k, z - 1));

		if (kind)
			return !*kind;
		if (!tok_is(k, z - 1, "-"))
			return false;
	}
	return false;
}

static bool letter_before(const struct toks *k, size_t from, size_t end)
{
	for (size_t i = from; i < end; i++)
		if (has_letter(tok_s(k, i)))
			return true;
	return false;
}

/* Tokens [from, end) without trailing ZIP codes ("60649", "60649-1234", with stray "-" and "#"
 * after them) that follow a word: returns the new end. Every one goes, so the street never ends
 * in one ("60649-12345" leaves 60649 behind). A number alone is left for the street check to
 * refuse. */
static size_t drop_zip(const struct toks *k, size_t from, size_t end)
{
	for (;;) {
		size_t z = end;

		while (z > from && !tok_word(k, z - 1))
			z--;
		if (z >= from + 3 && digits_n(k, z - 1, 4) && tok_is(k, z - 2, "-") &&
		    digits_n(k, z - 3, 5))
			z -= 3;
		else if (z >= from + 1 && digits_n(k, z - 1, 5))
			z -= 1;
		else
			return end;
		if (unit_value_at(k, from, z) || !letter_before(k, from, z))
			return end;
		end = z;
	}
}

/* A compound spelled ordinal: "SEVENTY" then "THIRD" is 73. */
static bool compound_ordinal(const char *tens, const char *one, long *v)
{
	long t = list_index(tens_words, tens), o = list_index(ordinal_words, one);

	if (!t || !o || o > 9)
		return false;
	*v = 10 * t + o;
	return true;
}

/* The first word at or after token i, or end. */
static size_t next_word(const struct toks *k, size_t i, size_t end)
{
	while (i < end && !tok_word(k, i))
		i++;
	return i;
}

/* A floor's unit: "FL 3" from "3", "3RD" or "THIRD", "FL B2" from "B2". False, with *unit
 * untouched, for a name longer than FLOOR_MAX (no building has such a floor, and "FL 33101" is
 * Florida and a ZIP) or without a digit ("Floor Ave" is no floor). */
static bool floor_unit(const char *val, char *unit, size_t cap)
{
	char num[LONG_TEXT];
	long v;

	if (ordinal_value(val, &v) || small_number(val, &v)) {
		snprintf(num, sizeof(num), "%ld", v);
		val = num;
	}
	if (strlen(val) > FLOOR_MAX || strpbrk(val, "0123456789") == NULL)
		return false;
	snprintf(unit, cap, "FL %s", val);
	return true;
}

/* floor_unit of a number: "Seventy-Third" reads 73. */
static bool floor_number(long v, char *unit, size_t cap)
{
	char num[LONG_TEXT];

	snprintf(num, sizeof(num), "%ld", v);
	return floor_unit(num, unit, cap);
}

/* The floor that the word at token i names: "3", "3RD", "B2", or with the next word
 * "Seventy-Third", read as the street name would read it (the canonical text shows that). False
 * when it is no floor. */
static bool floor_at(const struct toks *k, size_t i, size_t end, char *unit, size_t cap)
{
	size_t j = next_word(k, i + 1, end);
	long v;

	if (j < end && compound_ordinal(tok_s(k, i), tok_s(k, j), &v))
		return floor_number(v, unit, cap);
	return floor_unit(tok_s(k, i), unit, cap);
}

/* The value after the designator at token i ("APT 4B", "# 4-B", "FL 3", "Floor 3rd"); floor
 * says the designator names a floor. False when no value follows. A value too long for the field
 * leaves the unit empty: the address still names the building. */
static bool unit_after(const struct toks *k, size_t i, size_t end, bool floor, char *unit,
		       size_t cap)
{
	size_t j = next_word(k, i + 1, end); /* "Apt #4", "Apt-4" */
	const char *more = "";
	char val[sizeof(((struct hv_addr *)0)->unit)];
	int n;

	if (j >= end || map_word(unit_words, tok_s(k, j)))
		return false;
	/* A floor's value is a number ("Floor 3-A" is floor 3); an apartment may be two words
	 * ("4-B" is 4B). */
	if (floor)
		return floor_at(k, j, end, unit, cap);
	if (j + 2 < end && tok_is(k, j + 1, "-") && tok_word(k, j + 2))
		more = tok_s(k, j + 2);
	n = snprintf(val, sizeof(val), "%s%s", tok_s(k, j), more);
	/* "# St-E" joined is STE, which "UNIT STE" would read as a designator: keep ST. */
	if ((size_t)n < sizeof(val) && map_word(unit_words, val))
		n = snprintf(val, sizeof(val), "%s", tok_s(k, j));
	set_field(unit, cap, (size_t)n < sizeof(val) ? val : "");
	return true;
}

/* Looks for a unit in tokens [from, end): a designator ("APT", "#", "Suite", ...) and its value,
 * or an ordinal before a floor ("3rd Floor"). With need_word, a street word must come first
 * ("Unit St" is a street). Returns the token where the unit starts (the street ends there), or
 * end when there is none; *unit is set only when one is found. */
static size_t find_unit(const struct toks *k, size_t from, size_t end, bool need_word, char *unit,
			size_t cap)
{
	/* The last two words before i, with "-" and "#" skipped: an ordinal before a floor
	 * designator, and a tens word before it ("Seventy-Third Floor"). */
	size_t words = 0, last = from, before = from;
	size_t need = need_word; /* street words the ordinal must follow */
	long v;

	for (size_t i = from; i < end; i++) {
		const char *kind = map_word(unit_words, tok_s(k, i));
		bool floor = kind && strcmp(kind, "FL") == 0;

		if (kind && (words > 0 || !need_word)) {
			if (unit_after(k, i, end, floor, unit, cap))
				return i;
			if (floor && words >= need + 2 &&
			    compound_ordinal(tok_s(k, before), tok_s(k, last), &v) &&
			    floor_number(v, unit, cap))
				return before;
			if (floor && words >= need + 1 &&
			    (ordinal_value(tok_s(k, last), &v) ||
			     small_number(tok_s(k, last), &v)) &&
			    floor_unit(tok_s(k, last), unit, cap))
				return last;
		}
		if (tok_word(k, i)) {
			words++;
			before = last;
			last = i;
		}
	}
	return end;
}

/* A spelled or suffixed ordinal at the first word of w (two words for "SEVENTY THIRD"): how many
 * words it takes, 0 when it is none. */
static size_t ordinal_at(const struct toks *k, const uint16_t *w, size_t nw, long *v)
{
	if (nw >= 2 && compound_ordinal(tok_s(k, w[0]), tok_s(k, w[1]), v))
		return 2;
	return ordinal_value(tok_s(k, w[0]), v) ? 1 : 0;
}

/* Joins the name's words single-spaced, ordinals as digits with the right suffix ("Seventy-Third",
 * "73rd", "73th" and, alone before a type, "73" all read "73RD"). False when the name has no
 * letter (numbers alone name no street) or does not fit. */
static bool street_name(const struct toks *k, const uint16_t *w, size_t nw, bool typed, char *out)
{
	size_t o = 0;
	bool letter = false;

	out[0] = '\0';
	for (size_t j = 0; j < nw; j++) {
		char ord[LONG_TEXT];
		const char *s = tok_s(k, w[j]);
		size_t used, n;
		long v;

		used = ordinal_at(k, w + j, nw - j, &v);
		if (used || (nw == 1 && typed && small_number(s, &v))) {
			snprintf(ord, sizeof(ord), "%ld%s", v, ordinal_suffix(v));
			s = ord;
			j += used ? used - 1 : 0;
		}
		n = strlen(s);
		if (o + (o > 0) + n >= HV_ADDR_MAX)
			return false;
		if (o > 0)
			out[o++] = ' ';
		memcpy(out + o, s, n + 1);
		o += n;
		letter = letter || has_letter(s);
	}
	return letter;
}

/* The street part, tokens [from, end): [directional] name [type [directional]] [ignored]. */
static bool parse_street(const struct toks *k, size_t from, size_t end, bool dir_as_name,
			 struct hv_addr *a, bool *took_dir)
{
	uint16_t w[HV_ADDR_TEXT_MAX];
	size_t nw = 0, s = 0, t = 0;
	const char *d;

	for (size_t i = from; i < end; i++)
		if (tok_word(k, i))
			w[nw++] = (uint16_t)i;
	/* "N Shore Ave": the first word is a directional when a name follows it; in "North Ave"
	 * the type follows, so North is the name. */
	if (!dir_as_name && nw >= 2 && (d = map_word(dir_words, tok_s(k, w[0]))) &&
	    !(nw == 2 && map_word(type_words, tok_s(k, w[1])))) {
		set_field(a->predir, sizeof(a->predir), d);
		s = 1;
		*took_dir = true;
	}
	/* The last type word is the type when a name precedes it ("Avenue O" is a name, "Park
	 * Ave" a name and a type); what follows a type is a directional or ignored (a city and
	 * state written without a comma, "OP" in Chicago's inventory). */
	for (size_t j = nw; j-- > s + 1;) {
		if (map_word(type_words, tok_s(k, w[j]))) {
			t = j;
			break;
		}
	}
	if (t) {
		set_field(a->type, sizeof(a->type), map_word(type_words, tok_s(k, w[t])));
		if (t + 1 < nw && (d = map_word(dir_words, tok_s(k, w[t + 1]))))
			set_field(a->postdir, sizeof(a->postdir), d);
	}
	return street_name(k, w + s, (t ? t : nw) - s, t != 0, a->street);
}

static bool parse_tokens(const struct toks *k, bool dir_as_name, struct hv_addr *a, bool *took_dir)
{
	size_t m = segment_end(k, 0), i, end;
	char unit[sizeof(a->unit)] = "";

	if (!parse_number(k, m, a, &i))
		return false;
	end = find_unit(k, i, drop_zip(k, i, m), true, unit, sizeof(unit));
	/* The street ends before the unit: a ZIP may end it too ("Foo 60649 Apt 4"), and must, as
	 * the canonical text may drop the unit (a value too long to keep). */
	end = drop_zip(k, i, end);
	/* "100 Main St, Apt 4, Chicago": a unit may open the segment after the address. */
	if (!unit[0] && m < k->n &&
	    find_unit(k, m, segment_end(k, m), false, unit, sizeof(unit)) != m)
		unit[0] = '\0';
	if (unit[0])
		set_field(a->unit, sizeof(a->unit), unit);
	return parse_street(k, i, end, dir_as_name, a, took_dir);
}

/* hv_addr_parse, or with dir_as_name the reading where a leading directional is part of the
 * name ("North Shore"); *took_dir says whether a leading word was read as a directional. */
static bool parse(const char *text, size_t len, bool dir_as_name, struct hv_addr *out,
		  bool *took_dir)
{
	struct toks k;

	memset(out, 0, sizeof(*out));
	*took_dir = false;
	if (!text || len > HV_ADDR_TEXT_MAX || !hv_utf8_valid(text, len))
		return false;
	tokenize(text, len, &k);
	if (parse_tokens(&k, dir_as_name, out, took_dir))
		return true;
	memset(out, 0, sizeof(*out));
	return false;
}

bool hv_addr_parse(const char *text, size_t len, struct hv_addr *out)
{
	bool took_dir;

	return parse(text, len, false, out, &took_dir);
}

/* ---- formatting ---- */

struct text_out {
	char *p;
	size_t cap, len;
};

/* Appends s after a space (nothing for an empty s); truncates at cap. */
static void put(struct text_out *o, const char *s)
{
	int n;

	if (!*s || o->len + 1 >= o->cap)
		return;
	n = snprintf(o->p + o->len, o->cap - o->len, "%s%s", o->len ? " " : "", s);
	if (n > 0)
		o->len = o->len + (size_t)n < o->cap ? o->len + (size_t)n : o->cap - 1;
}

/* The street's first word would read as a house number: "22" or "5A". */
static bool leads_with_number(const char *street)
{
	size_t n = strcspn(street, " "), d = 0;

	while (d < n && is_digit(street[d]))
		d++;
	return d > 0 && (d == n || (d + 1 == n && is_alpha(street[d])));
}

void hv_addr_format(const struct hv_addr *a, char *out, size_t cap)
{
	struct text_out o = {.p = out, .cap = cap};
	char num[2 * LONG_TEXT] = "", unit[sizeof(a->unit) + 8] = "";

	if (cap == 0)
		return;
	out[0] = '\0';
	if (a->number_hi != a->number_lo)
		snprintf(num, sizeof(num), "%ld-%ld", a->number_lo, a->number_hi);
	else if (a->number_lo || (!a->predir[0] && leads_with_number(a->street)))
		/* "0 22 Foo" has no number and the street 22 FOO: the 0 keeps it so. */
		snprintf(num, sizeof(num), "%ld", a->number_lo);
	/* A floor keeps its "FL " prefix; any other unit reads "UNIT 4B", which parses back. */
	if (a->unit[0])
		snprintf(unit, sizeof(unit), "%s%s", strncmp(a->unit, "FL ", 3) ? "UNIT " : "",
			 a->unit);
	put(&o, num);
	put(&o, a->predir);
	put(&o, a->street);
	put(&o, a->type);
	put(&o, a->postdir);
	put(&o, unit);
}

/* ---- index ---- */

/* One address of one property. */
struct entry {
	int64_t ref;
	long lo, hi;
	size_t street; /* the street's id: its value in the names map */
	char predir[sizeof(((struct hv_addr *)0)->predir)];
	char type[sizeof(((struct hv_addr *)0)->type)];
	char postdir[sizeof(((struct hv_addr *)0)->postdir)];
	char unit[sizeof(((struct hv_addr *)0)->unit)];
};

struct hv_addr_index_builder {
	struct hv_strmap names; /* street name -> street id, in order of first appearance */
	struct entry *e;
	size_t n_e, cap_e;
};

/* A street's entries: e[first .. first + n), sorted by number. */
struct street_run {
	size_t first, n;
};

struct hv_addr_index {
	struct hv_strmap names; /* street name -> index into runs */
	struct street_run *runs;
	struct entry *e; /* by street id, then lowest number, then ref */
	long *max_hi;	 /* per entry: the highest number any entry of its run up to it reaches */
	size_t n_e;
};

struct hv_addr_index_builder *hv_addr_index_builder_new(void)
{
	struct hv_addr_index_builder *b = hv_xcalloc(1, sizeof(*b));

	hv_strmap_init(&b->names);
	return b;
}

bool hv_addr_index_builder_add(struct hv_addr_index_builder *b, int64_t ref, const char *text)
{
	struct hv_addr a;
	struct entry *e;
	size_t id = b->names.len;

	if (!text || !hv_addr_parse(text, strnlen(text, HV_ADDR_TEXT_MAX + 1), &a))
		return false;
	hv_strmap_put(&b->names, a.street, id, &id);
	b->e = hv_xgrow(b->e, &b->cap_e, b->n_e + 1, sizeof(*b->e));
	e = &b->e[b->n_e++];
	memset(e, 0, sizeof(*e));
	e->ref = ref;
	e->lo = a.number_lo;
	e->hi = a.number_hi;
	e->street = id;
	memcpy(e->predir, a.predir, sizeof(e->predir));
	memcpy(e->type, a.type, sizeof(e->type));
	memcpy(e->postdir, a.postdir, sizeof(e->postdir));
	memcpy(e->unit, a.unit, sizeof(e->unit));
	return true;
}

void hv_addr_index_builder_free(struct hv_addr_index_builder *b)
{
	if (!b)
		return;
	hv_strmap_release(&b->names);
	free(b->e);
	free(b);
}

static int cmp_entry(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;

	if (a->street != b->street)
		return a->street < b->street ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->ref != b->ref)
		return a->ref < b->ref ? -1 : 1;
	return 0;
}

struct hv_addr_index *hv_addr_index_build(struct hv_addr_index_builder *b)
{
	struct hv_addr_index *ix = hv_xcalloc(1, sizeof(*ix));

	if (!b)
		b = hv_addr_index_builder_new();
	ix->names = b->names;
	ix->e = b->e;
	ix->n_e = b->n_e;
	free(b);
	if (ix->n_e > 1) /* an empty builder has no array at all */
		qsort(ix->e, ix->n_e, sizeof(*ix->e), cmp_entry);
	ix->runs = hv_xcalloc(ix->names.len + 1, sizeof(*ix->runs));
	ix->max_hi = hv_xcalloc(ix->n_e + 1, sizeof(*ix->max_hi));
	for (size_t i = 0; i < ix->n_e; i++) {
		struct street_run *r = &ix->runs[ix->e[i].street];
		bool first = r->n == 0;

		if (first)
			r->first = i;
		r->n++;
		/* Entries of a run are sorted by lo, so those reaching a number form a suffix of
		 * the ones starting at or below it: max_hi finds where that suffix begins. */
		ix->max_hi[i] =
			first || ix->e[i].hi > ix->max_hi[i - 1] ? ix->e[i].hi : ix->max_hi[i - 1];
	}
	return ix;
}

void hv_addr_index_free(struct hv_addr_index *ix)
{
	if (!ix)
		return;
	hv_strmap_release(&ix->names);
	free(ix->runs);
	free(ix->e);
	free(ix->max_hi);
	free(ix);
}

/* ---- finding ---- */

/* Parity of a number or a range, -1 for a range whose ends differ in parity (both sides of a
 * street: a corner building, or data that does not say). */
static int side(long lo, long hi)
{
	return lo % 2 == hi % 2 ? (int)(lo % 2) : -1;
}

/* The numbers overlap and lie on the same side of the street. */
static bool number_matches(const struct hv_addr *q, const struct entry *e)
{
	int sq = side(q->number_lo, q->number_hi), se = side(e->lo, e->hi);

	return q->number_lo <= e->hi && e->lo <= q->number_hi && (sq < 0 || se < 0 || sq == se);
}

/* An empty field on either side says nothing, so it agrees with anything. */
static bool field_agrees(const char *a, const char *b)
{
	return !a[0] || !b[0] || strcmp(a, b) == 0;
}

static bool entry_matches(const struct hv_addr *q, const struct entry *e)
{
	return number_matches(q, e) && field_agrees(q->predir, e->predir) &&
	       field_agrees(q->type, e->type) && field_agrees(q->postdir, e->postdir);
}

/* The entries of run r that can match q's numbers: [*a, *b), both found by binary search. */
static void candidates(const struct hv_addr_index *ix, const struct street_run *r,
		       const struct hv_addr *q, size_t *a, size_t *b)
{
	size_t lo = r->first, hi = r->first + r->n;

	/* First entry starting above the query's numbers. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix->e[mid].lo <= q->number_hi)
			lo = mid + 1;
		else
			hi = mid;
	}
	*b = lo;
	/* First entry from which some entry reaches the query's lowest number. */
	lo = r->first;
	hi = *b;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix->max_hi[mid] < q->number_lo)
			lo = mid + 1;
		else
			hi = mid;
	}
	*a = lo;
}

/* Refs collected by a find: on the stack until there are many. */
struct ref_set {
	int64_t *v;
	size_t n, cap;
	int64_t stack[FIND_STACK];
};

static void ref_add(struct ref_set *s, int64_t ref)
{
	if (s->n == s->cap) {
		size_t cap = s->cap * 2;
		int64_t *v = hv_xmalloc(cap * sizeof(*v));

		memcpy(v, s->v, s->n * sizeof(*v));
		if (s->v != s->stack)
			free(s->v);
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = ref;
}

static int cmp_ref(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

	return a < b ? -1 : a > b;
}

/* Which units a find accepts. */
enum unit_rule {
	ANY_UNIT,  /* the query names none: the building and everything in it */
	SAME_UNIT, /* the query's unit is indexed */
	NO_UNIT,   /* it is not: fall back to the building */
};

static bool unit_ok(enum unit_rule rule, const struct hv_addr *q, const struct entry *e)
{
	if (rule == ANY_UNIT)
		return true;
	return strcmp(e->unit, rule == SAME_UNIT ? q->unit : "") == 0;
}

static enum unit_rule choose_unit_rule(const struct hv_addr_index *ix, const struct hv_addr *q,
				       size_t a, size_t b)
{
	if (!q->unit[0])
		return ANY_UNIT;
	for (size_t i = a; i < b; i++)
		if (entry_matches(q, &ix->e[i]) && strcmp(ix->e[i].unit, q->unit) == 0)
			return SAME_UNIT;
	return NO_UNIT;
}

/* Adds the refs of every entry matching q to s. */
static void find_parsed(const struct hv_addr_index *ix, const struct hv_addr *q, struct ref_set *s)
{
	size_t run, a, b;
	enum unit_rule rule;

	if (!hv_strmap_get(&ix->names, q->street, &run))
		return;
	candidates(ix, &ix->runs[run], q, &a, &b);
	rule = choose_unit_rule(ix, q, a, b);
	for (size_t i = a; i < b; i++)
		if (entry_matches(q, &ix->e[i]) && unit_ok(rule, q, &ix->e[i]))
			ref_add(s, ix->e[i].ref);
}

size_t hv_addr_index_find(const struct hv_addr_index *ix, const char *text, int64_t *refs,
			  size_t cap)
{
	struct ref_set s = {.cap = FIND_STACK};
	struct hv_addr q;
	size_t len, n = 0;
	bool took_dir;

	s.v = s.stack;
	if (!ix || !text)
		return 0;
	len = strnlen(text, HV_ADDR_TEXT_MAX + 1);
	if (parse(text, len, false, &q, &took_dir))
		find_parsed(ix, &q, &s);
	/* "1000 North Shore Ave" found nothing as N SHORE AVE: try the name NORTH SHORE. */
	if (s.n == 0 && took_dir && parse(text, len, true, &q, &took_dir))
		find_parsed(ix, &q, &s);
	/* A property may be indexed under several addresses that all match: list it once. */
	qsort(s.v, s.n, sizeof(*s.v), cmp_ref);
	for (size_t i = 0; i < s.n; i++) {
		if (i > 0 && s.v[i] == s.v[i - 1])
			continue;
		if (n < cap)
			refs[n] = s.v[i];
		n++;
	}
	if (s.v != s.stack)
		free(s.v);
	return n;
}
