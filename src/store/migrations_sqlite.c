/* SPDX-License-Identifier: Apache-2.0 */
/* SQLite schema migrations, applied in order on open; a migration, once released, never changes. */
#include "store/migrations_sqlite.h"
#include "store/cases_store.h"

/* Version 1: sources, imports, versioned properties, versioned scope rules. Evidence tables are
 * append-only, enforced by triggers so that even a bug in haven cannot rewrite history. */
static const char m001[] =
	"CREATE TABLE sources ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE TABLE imports ("
	"  id INTEGER PRIMARY KEY,"
	"  source_id INTEGER NOT NULL REFERENCES sources(id),"
	"  file_name TEXT NOT NULL,"
	"  file_sha256 TEXT NOT NULL,"
	"  imported_ms INTEGER NOT NULL,"
	"  effective_ms INTEGER NOT NULL);"
	"CREATE INDEX imports_by_source ON imports(source_id, effective_ms);"
	/* Written when the import finishes, in the same transaction: versions reference the import
	 * row, so it comes first, and append-only tables cannot be updated with the counts. */
	"CREATE TABLE import_reports ("
	"  import_id INTEGER PRIMARY KEY REFERENCES imports(id),"
	"  n_read INTEGER NOT NULL, n_added INTEGER NOT NULL, n_changed INTEGER NOT NULL,"
	"  n_unchanged INTEGER NOT NULL, n_removed INTEGER NOT NULL, n_repaired INTEGER NOT NULL,"
	"  n_skipped INTEGER NOT NULL, n_address_only INTEGER NOT NULL,"
	"  report TEXT NOT NULL);"
	"CREATE TABLE properties ("
	"  id INTEGER PRIMARY KEY,"
	"  source_id INTEGER NOT NULL REFERENCES sources(id),"
	"  source_key TEXT NOT NULL,"
	"  current_version INTEGER,"
	"  UNIQUE (source_id, source_key));"
	"CREATE TABLE property_versions ("
	"  id INTEGER PRIMARY KEY,"
	"  property_id INTEGER NOT NULL REFERENCES properties(id),"
	"  import_id INTEGER NOT NULL REFERENCES imports(id),"
	"  valid_from_ms INTEGER NOT NULL,"
	"  removed INTEGER NOT NULL DEFAULT 0,"
	"  kind TEXT, name TEXT, address TEXT, status TEXT,"
	"  geom_type TEXT, geom BLOB,"
	"  lon REAL, lat REAL, minx REAL, miny REAL, maxx REAL, maxy REAL,"
	"  attrs TEXT NOT NULL,"
	"  content_hash TEXT NOT NULL);"
	"CREATE INDEX property_versions_by_property"
	"  ON property_versions(property_id, valid_from_ms, id);"
	"CREATE TABLE scope_rules ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  expr TEXT NOT NULL,"
	"  effective_ms INTEGER NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  retired INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX scope_rules_by_name ON scope_rules(name, effective_ms, id);"
	"CREATE TRIGGER sources_no_update BEFORE UPDATE ON sources"
	"  BEGIN SELECT RAISE(ABORT, 'sources is append-only'); END;"
	"CREATE TRIGGER sources_no_delete BEFORE DELETE ON sources"
	"  BEGIN SELECT RAISE(ABORT, 'sources is append-only'); END;"
	"CREATE TRIGGER imports_no_update BEFORE UPDATE ON imports"
	"  BEGIN SELECT RAISE(ABORT, 'imports is append-only'); END;"
	"CREATE TRIGGER imports_no_delete BEFORE DELETE ON imports"
	"  BEGIN SELECT RAISE(ABORT, 'imports is append-only'); END;"
	"CREATE TRIGGER import_reports_no_update BEFORE UPDATE ON import_reports"
	"  BEGIN SELECT RAISE(ABORT, 'import_reports is append-only'); END;"
	"CREATE TRIGGER import_reports_no_delete BEFORE DELETE ON import_reports"
	"  BEGIN SELECT RAISE(ABORT, 'import_reports is append-only'); END;"
	"CREATE TRIGGER properties_keys_fixed BEFORE UPDATE OF id, source_id, source_key"
	"  ON properties BEGIN SELECT RAISE(ABORT, 'a property keeps its source and key'); END;"
	"CREATE TRIGGER properties_no_delete BEFORE DELETE ON properties"
	"  BEGIN SELECT RAISE(ABORT, 'properties are never deleted'); END;"
	"CREATE TRIGGER property_versions_no_update BEFORE UPDATE ON property_versions"
	"  BEGIN SELECT RAISE(ABORT, 'property_versions is append-only'); END;"
	"CREATE TRIGGER property_versions_no_delete BEFORE DELETE ON property_versions"
	"  BEGIN SELECT RAISE(ABORT, 'property_versions is append-only'); END;"
	"CREATE TRIGGER scope_rules_no_update BEFORE UPDATE ON scope_rules"
	"  BEGIN SELECT RAISE(ABORT, 'scope_rules is append-only'); END;"
	"CREATE TRIGGER scope_rules_no_delete BEFORE DELETE ON scope_rules"
	"  BEGIN SELECT RAISE(ABORT, 'scope_rules is append-only'); END;"
	/* INSERT OR REPLACE deletes the old row without firing DELETE triggers (unless a connection
	 * turns on recursive_triggers): refuse any insert that would collide. */
	"CREATE TRIGGER sources_no_replace BEFORE INSERT ON sources"
	"  WHEN EXISTS (SELECT 1 FROM sources WHERE id = NEW.id OR name = NEW.name)"
	"  BEGIN SELECT RAISE(ABORT, 'sources is append-only'); END;"
	"CREATE TRIGGER imports_no_replace BEFORE INSERT ON imports"
	"  WHEN EXISTS (SELECT 1 FROM imports WHERE id = NEW.id)"
	"  BEGIN SELECT RAISE(ABORT, 'imports is append-only'); END;"
	"CREATE TRIGGER import_reports_no_replace BEFORE INSERT ON import_reports"
	"  WHEN EXISTS (SELECT 1 FROM import_reports WHERE import_id = NEW.import_id)"
	"  BEGIN SELECT RAISE(ABORT, 'import_reports is append-only'); END;"
	"CREATE TRIGGER properties_no_replace BEFORE INSERT ON properties"
	"  WHEN EXISTS (SELECT 1 FROM properties WHERE id = NEW.id"
	"    OR (source_id = NEW.source_id AND source_key = NEW.source_key))"
	"  BEGIN SELECT RAISE(ABORT, 'properties is append-only'); END;"
	"CREATE TRIGGER property_versions_no_replace BEFORE INSERT ON property_versions"
	"  WHEN EXISTS (SELECT 1 FROM property_versions WHERE id = NEW.id)"
	"  BEGIN SELECT RAISE(ABORT, 'property_versions is append-only'); END;"
	"CREATE TRIGGER scope_rules_no_replace BEFORE INSERT ON scope_rules"
	"  WHEN EXISTS (SELECT 1 FROM scope_rules WHERE id = NEW.id)"
	"  BEGIN SELECT RAISE(ABORT, 'scope_rules is append-only'); END;";

/* Version 2: accounts, sessions and API tokens. Secrets are never stored: a session or API token
 * is kept as the hex SHA-256 of its 32 random bytes, a password as libsodium's argon2id string.
 * Failed-login counters live in the server's memory (src/api/api_auth.c), not here: they
 * protect one running server and need no history. */
static const char m002[] =
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  role TEXT NOT NULL,"
	"  password_hash TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  disabled INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE sessions ("
	"  token_hash TEXT PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  csrf_hash TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  expires_ms INTEGER NOT NULL);"
	"CREATE INDEX sessions_by_user ON sessions(user_id);"
	"CREATE TABLE api_tokens ("
	"  id INTEGER PRIMARY KEY,"
	"  token_hash TEXT NOT NULL UNIQUE,"
	"  name TEXT NOT NULL,"
	"  role TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  revoked_ms INTEGER);";

/* Version 3: the ledger (src/ledger), an RFC 9162 Merkle log. ledger_entries holds the leaves:
 * seq is the 0-based leaf index, entry the exact bytes hashed, leaf_hash SHA-256(0x00 || entry).
 * ledger_nodes holds every complete interior subtree (level >= 1, idx: its position at that
 * level), so appends, roots and proofs read O(log n) rows. ledger_checkpoints keeps each signed
 * checkpoint note. All three are append-only; `haven verify` recomputes them from the entries. */
static const char m003[] =
	"CREATE TABLE ledger_entries ("
	"  seq INTEGER PRIMARY KEY," /* 0-based leaf index */
	"  kind TEXT NOT NULL,"
	"  ref TEXT,"
	"  recorded_ms INTEGER NOT NULL,"
	"  entry BLOB NOT NULL," /* the exact bytes hashed */
	"  leaf_hash BLOB NOT NULL);"
	"CREATE INDEX ledger_entries_by_ref ON ledger_entries(ref, seq);"
	"CREATE TABLE ledger_nodes ("
	"  level INTEGER NOT NULL,"
	"  idx INTEGER NOT NULL,"
	"  hash BLOB NOT NULL,"
	"  PRIMARY KEY (level, idx)) WITHOUT ROWID;"
	"CREATE TABLE ledger_checkpoints ("
	"  id INTEGER PRIMARY KEY,"
	"  size INTEGER NOT NULL,"
	"  root BLOB NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  note TEXT NOT NULL);" /* the signed note, exactly as published */
	"CREATE INDEX ledger_checkpoints_by_size ON ledger_checkpoints(size, id);"
	"CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries"
	"  BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;"
	"CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries"
	"  BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;"
	"CREATE TRIGGER ledger_entries_no_replace BEFORE INSERT ON ledger_entries"
	"  WHEN EXISTS (SELECT 1 FROM ledger_entries WHERE seq = NEW.seq)"
	"  BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;"
	/* leaves are dense: seq n comes only after n-1 */
	"CREATE TRIGGER ledger_entries_dense BEFORE INSERT ON ledger_entries"
	"  WHEN NEW.seq IS NOT (SELECT coalesce(max(seq) + 1, 0) FROM ledger_entries)"
	"  BEGIN SELECT RAISE(ABORT, 'ledger_entries: seq must be the next leaf index'); END;"
	"CREATE TRIGGER ledger_nodes_no_update BEFORE UPDATE ON ledger_nodes"
	"  BEGIN SELECT RAISE(ABORT, 'ledger_nodes is append-only'); END;"
	"CREATE TRIGGER ledger_nodes_no_delete BEFORE DELETE ON ledger_nodes"
	"  BEGIN SELECT RAISE(ABORT, 'ledger_nodes is append-only'); END;"
	"CREATE TRIGGER ledger_nodes_no_replace BEFORE INSERT ON ledger_nodes"
	"  WHEN EXISTS (SELECT 1 FROM ledger_nodes WHERE level = NEW.level AND idx = NEW.idx)"
	"  BEGIN SELECT RAISE(ABORT, 'ledger_nodes is append-only'); END;"
	"CREATE TRIGGER ledger_checkpoints_no_update BEFORE UPDATE ON ledger_checkpoints"
	"  BEGIN SELECT RAISE(ABORT, 'ledger_checkpoints is append-only'); END;"
	"CREATE TRIGGER ledger_checkpoints_no_delete BEFORE DELETE ON ledger_checkpoints"
	"  BEGIN SELECT RAISE(ABORT, 'ledger_checkpoints is append-only'); END;"
	"CREATE TRIGGER ledger_checkpoints_no_replace BEFORE INSERT ON ledger_checkpoints"
	"  WHEN EXISTS (SELECT 1 FROM ledger_checkpoints WHERE id = NEW.id)"
	"  BEGIN SELECT RAISE(ABORT, 'ledger_checkpoints is append-only'); END;";

const struct hv_migration hv_sqlite_migrations[] = {
	{1, m001},
	{2, m002},
	{3, m003},
	{5, hv_cases_sqlite_schema}, /* src/store/cases_sqlite.c */
};

const size_t hv_sqlite_n_migrations = sizeof(hv_sqlite_migrations) / sizeof(hv_sqlite_migrations[0]);
