/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/cases over a real SQLite store: reports saved with their ledger entries in
 * one transaction, refused input leaving nothing behind, witness reads logged, evidence and
 * redactions, case moves, the kind checks of `haven verify` naming a tampered row, and packets
 * written and verified offline (sign precedence, tampered files). */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "cases/cases.h"
#include "cases/packet.h"
#include "core/arena.h"
#include "ledger/checkpoint.h"
#include "ledger/ledger.h"
#include "store_fixture.h"

#define NOW   1796000000000LL /* 2026-11-29 */
#define OK(x) assert_int_equal((x), HV_OK)

static int64_t add_property(struct fixture *f, const char *key)
{
	struct hv_import_rec r = {
		.file_name = "p.csv",
		.file_sha256 = "0000000000000000000000000000000000000000000000000000000000000000",
		.imported_ms = NOW - 100000,
		.effective_ms = NOW - 100000};
	struct hv_property p = {.source_key = (char *)key,
				.kind = "lot",
				.name = "Lot",
				.address = "1 Main St",
				.status = "active",
				.attrs_json = "{}",
				.valid_from_ms = NOW - 100000};
	struct hv_err err;

	memset(p.content_hash, 'a', 64);
	OK(hv_store_begin(f->s, &err));
	OK(hv_store_source_ensure(f->s, "parcels", NOW - 100000, &r.source_id, &err));
	OK(hv_store_import_add(f->s, &r, &r.id, &err));
	p.source_id = r.source_id;
	p.import_id = r.id;
	OK(hv_store_property_append(f->s, &p, &err));
	OK(hv_store_commit(f->s, &err));
	return p.id;
}

static int64_t report(struct fixture *f, int64_t property, const char *extra)
{
	struct hv_arena a;
	struct hv_incident_in in;
	struct hv_err err;
	char body[2048];
	int64_t id = 0;

	snprintf(body, sizeof(body),
		 "{\"type\":\"staging\",\"occurred\":\"2026-11-20T14:03:00Z\",\"property_id\":"
		 "%" PRId64 ",\"text\":\"vans in the lot\"%s}",
		 property, extra ? extra : "");
	hv_arena_init(&a, 0);
	OK(hv_incident_parse(&a, body, strlen(body), true, NOW, &in, &err));
	OK(hv_incident_add(f->s, &in, "staff1", NOW, NULL, &id, &err));
	hv_incident_in_release(&in);
	hv_arena_release(&a);
	return id;
}

static int64_t sql_i64(struct fixture *f, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void sql_exec(struct fixture *f, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static int verify(struct fixture *f, struct hv_err *err)
{
	struct hv_ledger_verify_report rep;

	OK(hv_cases_register_kinds(err));
	return hv_ledger_verify(f->s, NULL, 0, true, &rep, err);
}

static void test_cases_report_and_its_ledger_entry_commit_together(void **state)
{
	struct fixture *f = *state;
	int64_t p = add_property(f, "A1");
	int64_t id = report(f, p, ",\"witnesses\":[{\"name\":\"W\",\"statement\":\"saw it\"}]");
	struct hv_err err;

	assert_int_equal(id, 1);
	assert_int_equal(sql_i64(f, "select count(*) from incident_entries"), 1);
	assert_int_equal(sql_i64(f, "select count(*) from ledger_entries where kind='incident'"),
			 1);
	assert_int_equal(sql_i64(f, "select count(*) from ledger_entries where kind='witness'"), 1);
	/* the ledger never holds the statement, only its hash */
	assert_int_equal(sql_i64(f, "select count(*) from ledger_entries where cast(entry as text) "
				    "like '%saw it%'"),
			 0);
	OK(verify(f, &err));
}

static void test_cases_refused_report_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct hv_arena a;
	struct hv_incident_in in;
	struct hv_err err;
	int64_t id;
	const char *body = "{\"type\":\"staging\",\"occurred\":\"2026-11-20T14:03:00Z\","
			   "\"property_id\":4242}";

	add_property(f, "A1");
	hv_arena_init(&a, 0);
	OK(hv_incident_parse(&a, body, strlen(body), true, NOW, &in, &err));
	assert_int_equal(hv_incident_add(f->s, &in, "staff1", NOW, NULL, &id, &err), HV_ENOENT);
	assert_non_null(strstr(err.msg, "4242"));
	hv_incident_in_release(&in);
	assert_int_equal(sql_i64(f, "select count(*) from incidents"), 0);
	assert_int_equal(sql_i64(f, "select count(*) from ledger_entries"), 0);
	/* a field no one may ask for is refused by name */
	body = "{\"type\":\"staging\",\"occurred\":\"2026-11-20\",\"property_id\":1,"
	       "\"citizenship\":\"x\"}";
	assert_int_equal(hv_incident_parse(&a, body, strlen(body), true, NOW, &in, &err),
			 HV_EINVAL);
	assert_non_null(strstr(err.msg, "\"citizenship\""));
	hv_incident_in_release(&in);
	hv_arena_release(&a);
}

static void test_cases_witness_read_is_logged(void **state)
{
	struct fixture *f = *state;
	int64_t id = report(f, add_property(f, "A1"), ",\"witnesses\":[{\"name\":\"W\"}]");
	struct hv_buf b;
	struct hv_json w;
	struct hv_err err;

	hv_buf_init(&b, 0);
	hv_json_init(&w, &b, false);
	OK(hv_incident_json(f->s, id, false, "law1", "law", NOW, &w, &err));
	assert_null(strstr(b.data, "\"W\""));
	assert_int_equal(sql_i64(f, "select count(*) from ledger_entries where kind='read'"), 0);
	hv_buf_reset(&b);
	hv_json_init(&w, &b, false);
	OK(hv_incident_json(f->s, id, true, "law1", "law", NOW, &w, &err));
	assert_non_null(strstr(b.data, "\"W\""));
	assert_int_equal(sql_i64(f, "select count(*) from ledger_entries where kind='read' and "
				    "ref='incident:1/witnesses'"),
			 1);
	hv_buf_release(&b);
	OK(verify(f, &err));
}

static void test_cases_kind_checks_name_tampered_rows(void **state)
{
	struct fixture *f = *state;
	struct hv_err err;
	int64_t c;

	report(f, add_property(f, "A1"), NULL);
	OK(hv_case_open(f->s, "t", (int64_t[]){1}, 1, "law1", NOW, &c, &err));
	OK(verify(f, &err));
	sql_exec(f, "drop trigger incidents_no_update; update incidents set type='other'");
	assert_int_equal(verify(f, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "incident_entries row 1 differs"));
	sql_exec(f, "update incidents set type='staging'");
	OK(verify(f, &err));
	sql_exec(f, "drop trigger case_events_no_delete; delete from case_events where id = 2");
	assert_int_equal(verify(f, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "case_events row 2"));
}

static void test_cases_moves_forward_only(void **state)
{
	struct fixture *f = *state;
	struct hv_err err;
	int64_t c;

	OK(hv_case_open(f->s, "t", NULL, 0, "law1", NOW, &c, &err));
	OK(hv_case_move(f->s, c, "under-review", NULL, NULL, NULL, "law1", NOW, &err));
	assert_int_equal(hv_case_move(f->s, c, "referred", NULL, NULL, NULL, "law1", NOW, &err),
			 HV_EINVAL);
	assert_non_null(strstr(err.msg, "referred_to"));
	OK(hv_case_move(f->s, c, "referred", "State's Attorney", NULL, NULL, "law1", NOW, &err));
	assert_int_equal(hv_case_move(f->s, c, "triage", NULL, NULL, NULL, "law1", NOW, &err),
			 HV_ECONFLICT);
	assert_int_equal(hv_case_move(f->s, c, "closed", NULL, NULL, NULL, "law1", NOW, &err),
			 HV_EINVAL);
	OK(hv_case_move(f->s, c, "closed", NULL, "settled", NULL, "law1", NOW, &err));
	assert_int_equal(hv_case_move(f->s, c, "bogus", NULL, NULL, NULL, "law1", NOW, &err),
			 HV_EINVAL);
	assert_int_equal(sql_i64(f, "select count(*) from case_events"), 4);
}

static int64_t sign_event(struct fixture *f, int64_t property, const char *event)
{
	char body[256];
	struct hv_err err;
	int64_t seq;

	snprintf(body, sizeof(body),
		 "{\"at_ms\":1793527200000,\"kind\":\"%s\",\"property_id\":%" PRId64
		 ",\"serial\":\"SN-%" PRId64 "\"}",
		 event, property, property);
	OK(hv_store_begin(f->s, &err));
	OK(hv_ledger_append(f->s, "sign_event", "sign_event:1", body, strlen(body), NOW, &seq, &err));
	OK(hv_store_commit(f->s, &err));
	return seq;
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void test_cases_packet_verifies_and_tampering_is_named(void **state)
{
	struct fixture *f = *state;
	struct hv_ledger_signer k;
	struct hv_ledger_verifier v;
	struct hv_packet_manifest m;
	struct hv_err err;
	char dir[256], dir2[256], file[300], ev[256];
	int64_t p = add_property(f, "A1"), q = add_property(f, "A2"), inc, inc2, c, c2, e;

	OK(hv_ledger_signer_generate("haven.test/ledger", &k, &err));
	hv_ledger_signer_verifier(&k, &v);
	sign_event(f, p, "installed");
	inc = report(f, p, NULL);
	snprintf(ev, sizeof(ev), "%s/photo.pdf", f->dir);
	write_file(ev, "%PDF-1.4 a photo\n");
	OK(hv_evidence_add_file(f->s, inc, ev, 0, "staff1", NOW, &e, &err));
	OK(hv_case_open(f->s, "A1 staging", &inc, 1, "law1", NOW, &c, &err));
	snprintf(dir, sizeof(dir), "%s/packet", f->dir);
	OK(hv_packet_write(f->s, c, dir, &k, NOW, &err));
	OK(hv_packet_verify(dir, &v, 1, &m, &err));
	assert_int_equal(m.n_incidents, 1);
	assert_int_equal(m.n_sign_events, 1);
	assert_int_equal(m.n_files, 2);
	hv_packet_manifest_release(&m);
	/* an added file is named */
	snprintf(file, sizeof(file), "%s/notes.txt", dir);
	write_file(file, "added");
	assert_int_equal(hv_packet_verify(dir, &v, 1, &m, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "notes.txt: added"));
	hv_packet_manifest_release(&m);
	unlink(file);
	/* a changed evidence file is named */
	snprintf(file, sizeof(file), "%s/evidence/%" PRId64 "-photo.pdf", dir, e);
	chmod(file, 0644);
	write_file(file, "%PDF-1.4 a photX\n");
	assert_int_equal(hv_packet_verify(dir, &v, 1, &m, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "-photo.pdf: changed"));
	hv_packet_manifest_release(&m);
	/* a removed one too */
	unlink(file);
	assert_int_equal(hv_packet_verify(dir, &v, 1, &m, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "-photo.pdf: removed"));
	hv_packet_manifest_release(&m);
	/* an incident that no installation preceded: the sign is installed after it */
	inc2 = report(f, q, NULL);
	sign_event(f, q, "installed");
	OK(hv_case_open(f->s, "A2", &inc2, 1, "law1", NOW, &c2, &err));
	snprintf(dir2, sizeof(dir2), "%s/packet2", f->dir);
	OK(hv_packet_write(f->s, c2, dir2, &k, NOW, &err));
	assert_int_equal(hv_packet_verify(dir2, &v, 1, &m, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "no sign installation entry"));
	hv_packet_manifest_release(&m);
	/* and the packet folder must be new or empty */
	assert_int_equal(hv_packet_write(f->s, c2, dir2, &k, NOW, &err), HV_EEXIST);
	hv_ledger_signer_wipe(&k);
	OK(verify(f, &err));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_cases_report_and_its_ledger_entry_commit_together, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cases_refused_report_leaves_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cases_witness_read_is_logged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cases_kind_checks_name_tampered_rows, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cases_moves_forward_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cases_packet_verifies_and_tampering_is_named,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
