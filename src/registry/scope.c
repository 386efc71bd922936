/* SPDX-License-Identifier: Apache-2.0 */
/* Scope expressions: a recursive-descent parser to a flat AST and an allocation-free evaluator. */
#include "registry/scope.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "core/banned.h"

#define MAX_TEXT 4096
#define MAX_DEPTH 64
#define MAX_LIST 1000
#define SHOWN_MAX 32 /* bytes of a token quoted in an error message */

#define OPERATORS                                                                                  \
	"an operator (=, !=, <>, <, <=, >, >=, IN, NOT IN, LIKE, NOT LIKE, IS NULL, IS NOT NULL)"
#define FIELDS "kind, status, source, source_id, name, address, geometry, attr.NAME, attr['NAME']"

enum field {
	F_KIND,
	F_STATUS,
	F_SOURCE,
	F_SOURCE_ID,
	F_NAME,
	F_ADDRESS,
	F_GEOMETRY,
	F_ATTR
};

enum op {
	OP_EQ,
	OP_NE,
	OP_LT,
	OP_LE,
	OP_GT,
	OP_GE
};

enum node_type {
	N_AND,
	N_OR,
	N_NOT,
	N_CMP,
	N_IN,
	N_LIKE,
	N_NULL
};

/* Children and literals are indices, not pointers, so the arrays may move while parsing. The
 * text is at most MAX_TEXT bytes, so every index fits in 32 bits. */
struct node {
	uint8_t type;
	uint8_t op;
	uint8_t field;
	bool neg;     /* NOT IN, NOT LIKE, IS NOT NULL */
	uint32_t key; /* F_ATTR: offset of the NUL-terminated attribute name in pool */
	uint32_t a; /* AND/OR: first entry in kids; NOT: the child; CMP, IN, LIKE: first literal */
	uint32_t b; /* AND/OR: number of kids; IN: number of literals */
};

/* A literal: its unescaped text in pool and, read once here rather than per property, its
 * number when the text reads as one. */
struct lit {
	uint32_t off;
	uint32_t len;
	bool is_num;
	double num;
};

struct hv_scope_expr {
	struct node *nodes;
	size_t n_nodes, cap_nodes;
	uint32_t *kids;
	size_t n_kids, cap_kids;
	struct lit *lits;
	size_t n_lits, cap_lits;
	char *pool;
	size_t n_pool, cap_pool;
	uint32_t root;
};

/* ---- numbers ---------------------------------------------------------------------------- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Exact powers of ten: a mantissa below 2^53 times or divided by one of these is correctly
 * rounded, so '0.1', '.10' and '000.1' all give the same double. */
static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static double scale10(uint64_t m, int64_t exp10)
{
	if (m == 0)
		return 0.0;
	if (m <= ((uint64_t)1 << 53) && exp10 >= -22 && exp10 <= 22)
		return exp10 >= 0 ? (double)m * pow10_exact[exp10]
				  : (double)m / pow10_exact[-exp10];
	/* Beyond 19 significant digits or 22 zeros nobody expects exact equality; clamping keeps
	 * pow() in range for absurdly long digit runs. */
	if (exp10 > 400)
		exp10 = 400;
	if (exp10 < -400)
		exp10 = -400;
	return (double)m * pow(10.0, (double)exp10);
}

/* Reads s[0..n) as a whole decimal number: white space around it, an optional sign, digits and
 * an optional fraction with at least one digit in all. Locale-free and allocation-free, because
 * it runs for every property a numeric comparison sees. */
static bool read_number(const char *s, size_t n, double *out)
{
	size_t i = 0;
	uint64_t m = 0;
	int n_sig = 0;
	int64_t exp10 = 0;
	bool neg = false, any_digit = false;
	double v;

	while (n && is_space(s[n - 1]))
		n--;
	while (i < n && is_space(s[i]))
		i++;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	for (; i < n && is_digit(s[i]); i++) {
		any_digit = true;
		if (m == 0 && s[i] == '0')
			continue;
		if (n_sig < 19) {
			m = m * 10 + (uint64_t)(s[i] - '0');
			n_sig++;
		} else {
			exp10++;
		}
	}
	if (i < n && s[i] == '.') {
		for (i++; i < n && is_digit(s[i]); i++) {
			any_digit = true;
			if (n_sig >= 19)
				continue;
			if (m == 0 && s[i] == '0') {
				exp10--;
				continue;
			}
			m = m * 10 + (uint64_t)(s[i] - '0');
			n_sig++;
			exp10--;
		}
	}
	if (i != n || !any_digit)
		return false;
	v = scale10(m, exp10);
	if (!isfinite(v))
		return false;
	*out = neg ? -v : v;
	return true;
}

/* ---- building the AST ------------------------------------------------------------------- */

static uint32_t add_node(struct hv_scope_expr *e, struct node n)
{
	e->nodes = hv_xgrow(e->nodes, &e->cap_nodes, e->n_nodes + 1, sizeof(*e->nodes));
	e->nodes[e->n_nodes] = n;
	return (uint32_t)e->n_nodes++;
}

/* Copies s[0..n) into the pool, turning each doubled quote into one, and NUL-terminates it. */
static uint32_t add_text(struct hv_scope_expr *e, const char *s, size_t n, char quote,
			 uint32_t *len)
{
	size_t off = e->n_pool, k = off;

	e->pool = hv_xgrow(e->pool, &e->cap_pool, e->n_pool + n + 1, 1);
	for (size_t i = 0; i < n; i++) {
		e->pool[k++] = s[i];
		if (quote && s[i] == quote && i + 1 < n && s[i + 1] == quote)
			i++;
	}
	e->pool[k] = '\0';
	e->n_pool = k + 1;
	*len = (uint32_t)(k - off);
	return (uint32_t)off;
}

static uint32_t add_lit(struct hv_scope_expr *e, const char *s, size_t n, char quote)
{
	struct lit l = {.is_num = false};

	l.off = add_text(e, s, n, quote, &l.len);
	l.is_num = read_number(e->pool + l.off, l.len, &l.num);
	e->lits = hv_xgrow(e->lits, &e->cap_lits, e->n_lits + 1, sizeof(*e->lits));
	e->lits[e->n_lits] = l;
	return (uint32_t)e->n_lits++;
}

/* ---- lexer ------------------------------------------------------------------------------ */

enum tok_type {
	T_END,
	T_IDENT,
	T_STRING,  /* 'single quoted' */
	T_QSTRING, /* "double quoted": attribute names only */
	T_NUMBER,
	T_LPAREN,
	T_RPAREN,
	T_COMMA,
	T_LBRACK,
	T_RBRACK,
	T_EQ,
	T_NE,
	T_LT,
	T_LE,
	T_GT,
	T_GE,
	T_OTHER, /* anything else, kept whole so an error can quote it */
};

struct tok {
	enum tok_type type;
	size_t start;
	size_t len;
};

struct parser {
	const char *text;
	size_t len;
	size_t pos;      /* where the token after tok starts being looked for */
	struct tok tok;  /* the current token */
	int depth;       /* open parentheses */
	uint32_t *stack; /* children of the AND/OR lists being parsed */
	size_t n_stack, cap_stack;
	struct hv_scope_expr *e;
	struct hv_err *err;
};

/* Writes a token for an error message: quoted, control bytes as '?', long ones cut short at a
 * UTF-8 boundary. Strings keep their own quotes. */
static void describe(const struct parser *p, const struct tok *t, char *out, size_t cap)
{
	const char *s = p->text + t->start;
	size_t n = t->len, k = 0;
	bool cut = false, own_quotes = t->type == T_STRING || t->type == T_QSTRING;

	if (t->type == T_END) {
		snprintf(out, cap, "end of expression");
		return;
	}
	if (n > SHOWN_MAX) {
		n = SHOWN_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		cut = true;
	}
	assert(cap > SHOWN_MAX + 6);
	if (!own_quotes)
		out[k++] = '"';
	for (size_t i = 0; i < n; i++)
		out[k++] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	if (cut) {
		memcpy(out + k, "...", 3);
		k += 3;
	}
	if (!own_quotes)
		out[k++] = '"';
	out[k] = '\0';
}

/* The syntax error at the current token. */
static int fail(struct parser *p, const char *expected)
{
	char found[SHOWN_MAX + 8];

	describe(p, &p->tok, found, sizeof(found));
	return hv_err_set(p->err, HV_EINVAL, "column %zu: expected %s, found %s",
			  p->tok.start + 1, expected, found);
}

/* A quoted string from s[start] (the quote) to its closing quote; a doubled quote is a quote. */
static int lex_string(struct parser *p, size_t start)
{
	const char q = p->text[start];
	size_t i = start + 1;

	for (;;) {
		if (i >= p->len)
			return hv_err_set(p->err, HV_EINVAL,
					  "column %zu: expected %c to end the string that starts "
					  "here, found end of expression",
					  start + 1, q);
		if (p->text[i] == q) {
			if (i + 1 < p->len && p->text[i + 1] == q) {
				i += 2;
				continue;
			}
			break;
		}
		i++;
	}
	p->tok = (struct tok){
		.type = q == '\'' ? T_STRING : T_QSTRING, .start = start, .len = i + 1 - start};
	return HV_OK;
}

/* A run of sign, digits, letters and dots that starts like a number; anything in it that is not
 * a decimal number makes the whole run one bad token, so "12ab" is reported as one thing. */
static void lex_number(struct parser *p, size_t start)
{
	size_t i = start + 1;
	double ignored;

	while (i < p->len && (is_ident_char(p->text[i]) || p->text[i] == '.'))
		i++;
	p->tok = (struct tok){.start = start, .len = i - start};
	p->tok.type = read_number(p->text + start, i - start, &ignored) ? T_NUMBER : T_OTHER;
}

static bool starts_number(const char *s, size_t i, size_t n)
{
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i < n && s[i] == '.')
		i++;
	return i < n && is_digit(s[i]);
}

static void set_tok(struct parser *p, enum tok_type type, size_t start, size_t len)
{
	p->tok = (struct tok){.type = type, .start = start, .len = len};
}

static enum tok_type punct(char c)
{
	switch (c) {
	case '(':
		return T_LPAREN;
	case ')':
		return T_RPAREN;
	case ',':
		return T_COMMA;
	case '[':
		return T_LBRACK;
	case ']':
		return T_RBRACK;
	case '=':
		return T_EQ;
	default:
		return T_OTHER;
	}
}

/* The length of the comparison operator at s[i] (two-character ones first), 0 for none. */
static size_t lex_compare(const char *s, size_t i, size_t n, enum tok_type *type)
{
	char c = s[i], d = i + 1 < n ? s[i + 1] : '\0';

	if (c == '!' && d == '=')
		*type = T_NE;
	else if (c == '<' && d == '>')
		*type = T_NE;
	else if (c == '<' && d == '=')
		*type = T_LE;
	else if (c == '>' && d == '=')
		*type = T_GE;
	else if (c == '<')
		*type = T_LT;
	else if (c == '>')
		*type = T_GT;
	else
		return 0;
	return (*type == T_LT || *type == T_GT) ? 1 : 2;
}

/* Reads the token at p->pos into p->tok. */
static int advance(struct parser *p)
{
	const char *s = p->text;
	size_t i = p->pos, n;
	enum tok_type type;
	int rc = HV_OK;

	while (i < p->len && is_space(s[i]))
		i++;
	if (i >= p->len) {
		set_tok(p, T_END, p->len, 0);
	} else if (s[i] == '\'' || s[i] == '"') {
		rc = lex_string(p, i);
	} else if (starts_number(s, i, p->len)) {
		lex_number(p, i);
	} else if (is_ident_char(s[i])) {
		for (n = i + 1; n < p->len && is_ident_char(s[n]); n++)
			;
		set_tok(p, T_IDENT, i, n - i);
	} else if ((n = lex_compare(s, i, p->len, &type)) > 0) {
		set_tok(p, type, i, n);
	} else if ((type = punct(s[i])) != T_OTHER) {
		set_tok(p, type, i, 1);
	} else {
		/* one whole UTF-8 character, so the message does not split it */
		for (n = i + 1; n < p->len && ((unsigned char)s[n] & 0xC0) == 0x80; n++)
			;
		set_tok(p, T_OTHER, i, n - i);
	}
	if (rc == HV_OK)
		p->pos = p->tok.start + p->tok.len;
	return rc;
}

static bool tok_is(const struct parser *p, const char *word)
{
	const char *s = p->text + p->tok.start;
	size_t n = strlen(word);

	if (p->tok.type != T_IDENT || p->tok.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(s[i]) != word[i])
			return false;
	return true;
}

static bool tok_is_keyword(const struct parser *p)
{
	static const char *const keywords[] = {"and", "or", "not", "in", "like", "is", "null"};

	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (tok_is(p, keywords[i]))
			return true;
	return false;
}

/* ---- parser ----------------------------------------------------------------------------- */

static int parse_or(struct parser *p, uint32_t *out);

static void push(struct parser *p, uint32_t node)
{
	p->stack = hv_xgrow(p->stack, &p->cap_stack, p->n_stack + 1, sizeof(*p->stack));
	p->stack[p->n_stack++] = node;
}

/* Turns the children pushed since base into one n-ary AND/OR node (or the child alone). N-ary
 * nodes keep "a and b and c ..." flat, so evaluation depth follows parentheses only. */
static uint32_t fold(struct parser *p, size_t base, enum node_type type)
{
	struct hv_scope_expr *e = p->e;
	size_t n = p->n_stack - base;
	struct node nd = {.type = (uint8_t)type};

	assert(n > 0);
	p->n_stack = base;
	if (n == 1)
		return p->stack[base];
	e->kids = hv_xgrow(e->kids, &e->cap_kids, e->n_kids + n, sizeof(*e->kids));
	memcpy(e->kids + e->n_kids, p->stack + base, n * sizeof(*e->kids));
	nd.a = (uint32_t)e->n_kids;
	nd.b = (uint32_t)n;
	e->n_kids += n;
	return add_node(e, nd);
}

/* attr.NAME: the name follows the dot directly and may start with a digit (attr.2020_total). */
static int parse_attr_dot(struct parser *p, struct node *nd)
{
	size_t start = p->pos + 1, end = start;
	uint32_t len;
	int rc;

	while (end < p->len && is_ident_char(p->text[end]))
		end++;
	if (end == start) {
		p->pos = start;
		if ((rc = advance(p)))
			return rc;
		return fail(p, "an attribute name (letters, digits, _) after \"attr.\"");
	}
	nd->key = add_text(p->e, p->text + start, end - start, 0, &len);
	p->pos = end;
	return advance(p);
}

/* attr['Any Name'] or attr("Any Name"). */
static int parse_attr_quoted(struct parser *p, struct node *nd)
{
	bool bracket = p->tok.type == T_LBRACK;
	uint32_t len;
	int rc;

	if ((rc = advance(p)))
		return rc;
	if (p->tok.type != T_STRING && p->tok.type != T_QSTRING)
		return fail(p, "a quoted attribute name");
	if (p->tok.len == 2)
		return fail(p, "a non-empty attribute name");
	nd->key = add_text(p->e, p->text + p->tok.start + 1, p->tok.len - 2,
			   p->text[p->tok.start], &len);
	if ((rc = advance(p)))
		return rc;
	if (p->tok.type != (bracket ? T_RBRACK : T_RPAREN))
		return fail(p, bracket ? "\"]\" after the attribute name"
				       : "\")\" after the attribute name");
	return advance(p);
}

static int parse_attr(struct parser *p, struct node *nd)
{
	size_t i = p->pos;
	int rc;

	nd->field = F_ATTR;
	while (i < p->len && is_space(p->text[i]))
		i++;
	if (i < p->len && p->text[i] == '.') {
		p->pos = i;
		return parse_attr_dot(p, nd);
	}
	if ((rc = advance(p)))
		return rc;
	if (p->tok.type == T_LBRACK || p->tok.type == T_LPAREN)
		return parse_attr_quoted(p, nd);
	return fail(p, "\".\", \"[\" or \"(\" after attr");
}

/* The field on the left of a condition; leaves the token after it current. */
static int parse_field(struct parser *p, struct node *nd)
{
	static const char *const names[] = {
		[F_KIND] = "kind",
		[F_STATUS] = "status",
		[F_SOURCE] = "source",
		[F_SOURCE_ID] = "source_id",
		[F_NAME] = "name",
		[F_ADDRESS] = "address",
		[F_GEOMETRY] = "geometry",
	};
	char found[SHOWN_MAX + 8];

	if (p->tok.type == T_STRING || p->tok.type == T_NUMBER)
		return fail(p, "a field name (a condition is field op value, field first)");
	if (p->tok.type == T_QSTRING)
		return fail(p, "a field name (double quotes only name attributes: attr(\"...\"))");
	if (p->tok.type != T_IDENT || tok_is_keyword(p))
		return fail(p, "a condition");
	if (tok_is(p, "attr"))
		return parse_attr(p, nd);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (tok_is(p, names[i])) {
			nd->field = (uint8_t)i;
			return advance(p);
		}
	}
	describe(p, &p->tok, found, sizeof(found));
	return hv_err_set(p->err, HV_EINVAL, "column %zu: unknown field %s (fields: " FIELDS ")",
			  p->tok.start + 1, found);
}

/* A literal on the right; stores it and moves past it. */
static int parse_value(struct parser *p, uint32_t *lit)
{
	const struct tok *t = &p->tok;

	if (t->type == T_STRING) {
		*lit = add_lit(p->e, p->text + t->start + 1, t->len - 2, '\'');
	} else if (t->type == T_NUMBER) {
		*lit = add_lit(p->e, p->text + t->start, t->len, 0);
	} else if (tok_is(p, "null")) {
		return fail(p, "a value ('text' or a number; IS NULL tests for null)");
	} else if (t->type == T_IDENT) {
		return fail(p, "a value ('text' or a number; a field cannot be on the right)");
	} else {
		return fail(p, "a value ('text' in single quotes or a number)");
	}
	return advance(p);
}

static int parse_list(struct parser *p, struct node *nd)
{
	uint32_t lit;
	int rc;

	if ((rc = advance(p)))
		return rc;
	if (p->tok.type != T_LPAREN)
		return fail(p, "\"(\" after IN");
	if ((rc = advance(p)))
		return rc;
	if (p->tok.type == T_RPAREN)
		return fail(p, "a value in the list");
	nd->type = N_IN;
	nd->a = (uint32_t)p->e->n_lits;
	for (;;) {
		if (nd->b == MAX_LIST)
			return hv_err_set(p->err, HV_ELIMIT,
					  "column %zu: expected at most %d values in the list, "
					  "found more",
					  p->tok.start + 1, MAX_LIST);
		if ((rc = parse_value(p, &lit)))
			return rc;
		nd->b++;
		if (p->tok.type == T_RPAREN)
			return advance(p);
		if (p->tok.type != T_COMMA)
			return fail(p, "\",\" or \")\" in the list");
		if ((rc = advance(p)))
			return rc;
	}
}

static int parse_like(struct parser *p, struct node *nd)
{
	int rc;

	if ((rc = advance(p)))
		return rc;
	if (p->tok.type != T_STRING)
		return fail(p, "a 'pattern' after LIKE");
	nd->type = N_LIKE;
	return parse_value(p, &nd->a);
}

static int parse_is(struct parser *p, struct node *nd)
{
	int rc;

	if ((rc = advance(p)))
		return rc;
	if (tok_is(p, "not")) {
		nd->neg = true;
		if ((rc = advance(p)))
			return rc;
	}
	if (!tok_is(p, "null"))
		return fail(p, nd->neg ? "NULL after IS NOT" : "NULL or NOT NULL after IS");
	nd->type = N_NULL;
	return advance(p);
}

static enum op compare_op(enum tok_type t)
{
	switch (t) {
	case T_NE:
		return OP_NE;
	case T_LT:
		return OP_LT;
	case T_LE:
		return OP_LE;
	case T_GT:
		return OP_GT;
	case T_GE:
		return OP_GE;
	default:
		return OP_EQ;
	}
}

static bool is_compare(enum tok_type t)
{
	return t == T_EQ || t == T_NE || t == T_LT || t == T_LE || t == T_GT || t == T_GE;
}

static int parse_condition(struct parser *p, uint32_t *out)
{
	struct node nd = {.type = N_CMP};
	int rc;

	if ((rc = parse_field(p, &nd)))
		return rc;
	if (nd.field == F_GEOMETRY && !tok_is(p, "is"))
		return fail(p, "IS NULL or IS NOT NULL after geometry");
	if (is_compare(p->tok.type)) {
		nd.op = (uint8_t)compare_op(p->tok.type);
		rc = advance(p);
		if (!rc)
			rc = parse_value(p, &nd.a);
	} else if (tok_is(p, "is")) {
		rc = parse_is(p, &nd);
	} else if (tok_is(p, "in")) {
		rc = parse_list(p, &nd);
	} else if (tok_is(p, "like")) {
		rc = parse_like(p, &nd);
	} else if (tok_is(p, "not")) {
		nd.neg = true;
		if ((rc = advance(p)))
			return rc;
		if (tok_is(p, "in"))
			rc = parse_list(p, &nd);
		else if (tok_is(p, "like"))
			rc = parse_like(p, &nd);
		else
			rc = fail(p, "IN or LIKE after NOT");
	} else {
		rc = fail(p, OPERATORS);
	}
	if (rc)
		return rc;
	*out = add_node(p->e, nd);
	return HV_OK;
}

static int parse_group(struct parser *p, uint32_t *out)
{
	struct tok open = p->tok;
	char expected[64];
	int rc;

	if (p->depth == MAX_DEPTH)
		return hv_err_set(p->err, HV_ELIMIT,
				  "column %zu: expected at most %d nested parentheses, found more",
				  open.start + 1, MAX_DEPTH);
	p->depth++;
	if ((rc = advance(p)) || (rc = parse_or(p, out)))
		return rc;
	if (p->tok.type != T_RPAREN) {
		snprintf(expected, sizeof(expected), "\")\" to close \"(\" at column %zu",
			 open.start + 1);
		return fail(p, expected);
	}
	p->depth--;
	return advance(p);
}

/* NOT binds tightest; a run of them folds to its parity (two-valued logic makes NOT NOT x = x),
 * so a long run costs no depth. */
static int parse_not(struct parser *p, uint32_t *out)
{
	bool negate = false;
	int rc;

	while (tok_is(p, "not")) {
		negate = !negate;
		if ((rc = advance(p)))
			return rc;
	}
	rc = p->tok.type == T_LPAREN ? parse_group(p, out) : parse_condition(p, out);
	if (rc)
		return rc;
	if (negate)
		*out = add_node(p->e, (struct node){.type = N_NOT, .a = *out});
	return HV_OK;
}

static int parse_and(struct parser *p, uint32_t *out)
{
	size_t base = p->n_stack;
	uint32_t child;
	int rc;

	for (;;) {
		if ((rc = parse_not(p, &child)))
			return rc;
		push(p, child);
		if (!tok_is(p, "and"))
			break;
		if ((rc = advance(p)))
			return rc;
	}
	*out = fold(p, base, N_AND);
	return HV_OK;
}

static int parse_or(struct parser *p, uint32_t *out)
{
	size_t base = p->n_stack;
	uint32_t child;
	int rc;

	for (;;) {
		if ((rc = parse_and(p, &child)))
			return rc;
		push(p, child);
		if (!tok_is(p, "or"))
			break;
		if ((rc = advance(p)))
			return rc;
	}
	*out = fold(p, base, N_OR);
	return HV_OK;
}

void hv_scope_expr_free(struct hv_scope_expr *e)
{
	if (!e)
		return;
	free(e->nodes);
	free(e->kids);
	free(e->lits);
	free(e->pool);
	free(e);
}

int hv_scope_parse(const char *text, struct hv_scope_expr **out, struct hv_err *err)
{
	struct parser p = {.text = text ? text : "", .err = err};
	int rc;

	*out = NULL;
	p.len = strlen(p.text);
	if (p.len > MAX_TEXT)
		return hv_err_set(err, HV_ELIMIT,
				  "column %d: expected at most %d bytes of text, found %zu bytes",
				  MAX_TEXT + 1, MAX_TEXT, p.len);
	p.e = hv_xcalloc(1, sizeof(*p.e));
	if ((rc = advance(&p)) || (rc = parse_or(&p, &p.e->root)))
		goto out;
	if (p.tok.type != T_END) {
		rc = fail(&p, "AND, OR or end of expression");
		goto out;
	}
	*out = p.e;
	p.e = NULL;
out:
	hv_scope_expr_free(p.e);
	free(p.stack);
	return rc;
}

/* ---- evaluation ------------------------------------------------------------------------- */

/* A subject's value, read as a number at most once per condition. */
struct value {
	const char *s;
	size_t len;
	int num_state; /* 0: not read yet, 1: a number, -1: not a number */
	double num;
};

static const char *field_value(const struct hv_scope_expr *e, const struct node *nd,
			       const struct hv_scope_subject *s)
{
	switch (nd->field) {
	case F_KIND:
		return s->kind;
	case F_STATUS:
		return s->status;
	case F_SOURCE:
		return s->source;
	case F_SOURCE_ID:
		return s->source_id;
	case F_NAME:
		return s->name;
	case F_ADDRESS:
		return s->address;
	case F_ATTR:
		return s->attr ? s->attr(s->attr_ctx, e->pool + nd->key) : NULL;
	default:
		return NULL;
	}
}

/* Loads the value of nd's field; false when it is null (NULL, empty or only white space). */
static bool load_value(const struct hv_scope_expr *e, const struct node *nd,
		       const struct hv_scope_subject *s, struct value *v)
{
	const char *str = field_value(e, nd, s);
	bool blank = true;
	size_t n = 0;

	if (!str)
		return false;
	for (; str[n]; n++)
		if (blank && !is_space(str[n]))
			blank = false;
	*v = (struct value){.s = str, .len = n};
	return !blank;
}

/* <0, 0, >0 as v sorts before, with or after l. */
static int compare(const struct hv_scope_expr *e, struct value *v, const struct lit *l)
{
	const char *t = e->pool + l->off;
	size_t n;
	int c;

	if (l->is_num) {
		if (v->num_state == 0)
			v->num_state = read_number(v->s, v->len, &v->num) ? 1 : -1;
		if (v->num_state == 1)
			return (v->num > l->num) - (v->num < l->num);
	}
	n = v->len < l->len ? v->len : l->len;
	c = n ? memcmp(v->s, t, n) : 0;
	if (c)
		return c;
	return (v->len > l->len) - (v->len < l->len);
}

static bool holds(enum op op, int c)
{
	switch (op) {
	case OP_EQ:
		return c == 0;
	case OP_NE:
		return c != 0;
	case OP_LT:
		return c < 0;
	case OP_LE:
		return c <= 0;
	case OP_GT:
		return c > 0;
	case OP_GE:
		return c >= 0;
	}
	return false;
}

static size_t next_char(const char *s, size_t n, size_t i)
{
	for (i++; i < n && ((unsigned char)s[i] & 0xC0) == 0x80; i++)
		;
	return i;
}

/* SQL LIKE over the whole of s: iterative, backtracking only to the last %, so it needs no
 * recursion or memory and runs in O(len(s) * len(pat)) at worst. */
static bool like(const char *s, size_t n, const char *pat, size_t m)
{
	size_t i = 0, j = 0, star_j = 0, star_i = 0;
	bool star = false;

	while (i < n) {
		if (j < m && pat[j] == '%') {
			star = true;
			star_j = ++j;
			star_i = i;
		} else if (j < m && pat[j] == '_') {
			i = next_char(s, n, i);
			j++;
		} else if (j < m && lower(pat[j]) == lower(s[i])) {
			i++;
			j++;
		} else if (star) {
			star_i = next_char(s, n, star_i);
			i = star_i;
			j = star_j;
		} else {
			return false;
		}
	}
	while (j < m && pat[j] == '%')
		j++;
	return j == m;
}

static bool eval_node(const struct hv_scope_expr *e, uint32_t idx, const struct hv_scope_subject *s)
{
	const struct node *nd = &e->nodes[idx];
	struct value v;
	bool r = false;

	switch ((enum node_type)nd->type) {
	case N_AND:
		for (uint32_t k = 0; k < nd->b; k++)
			if (!eval_node(e, e->kids[nd->a + k], s))
				return false;
		return true;
	case N_OR:
		for (uint32_t k = 0; k < nd->b; k++)
			if (eval_node(e, e->kids[nd->a + k], s))
				return true;
		return false;
	case N_NOT:
		return !eval_node(e, nd->a, s);
	case N_NULL:
		r = nd->field == F_GEOMETRY ? !s->has_geometry : !load_value(e, nd, s, &v);
		return nd->neg ? !r : r;
	case N_CMP:
		return load_value(e, nd, s, &v) &&
		       holds((enum op)nd->op, compare(e, &v, &e->lits[nd->a]));
	case N_IN:
		if (!load_value(e, nd, s, &v))
			return false;
		for (uint32_t k = 0; k < nd->b && !r; k++)
			r = compare(e, &v, &e->lits[nd->a + k]) == 0;
		return nd->neg ? !r : r;
	case N_LIKE:
		if (!load_value(e, nd, s, &v))
			return false;
		r = like(v.s, v.len, e->pool + e->lits[nd->a].off, e->lits[nd->a].len);
		return nd->neg ? !r : r;
	}
	return false;
}

bool hv_scope_eval(const struct hv_scope_expr *e, const struct hv_scope_subject *s)
{
	assert(e && s);
	return eval_node(e, e->root, s);
}
