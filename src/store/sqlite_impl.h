/* SPDX-License-Identifier: Apache-2.0 */
/* What a module's SQLite store file (src/store/<module>_sqlite.c) needs from the connection: the
 * handle, a statement cache keyed by the SQL text's address, and the error and transaction checks
 * store_sqlite.c uses itself. Private to src/store; nothing here leaves it. */
#ifndef HV_STORE_SQLITE_IMPL_H
#define HV_STORE_SQLITE_IMPL_H

#include <stdint.h>

#include <sqlite3.h>

#include "store/store_impl.h"

/* The connection's handle, or NULL when s is not an SQLite store. Borrowed. */
sqlite3 *hv_sqlite_handle(struct hv_store *s);

/* A statement for sql, prepared once per connection and cached under the address of sql (pass a
 * string with static storage). Returned reset, bindings cleared. NULL with err set on failure. */
sqlite3_stmt *hv_sqlite_stmt(struct hv_store *s, const char *sql, struct hv_err *err);
/* The same, refused (NULL, HV_ESTORE "write outside a transaction") when no transaction is open:
 * every write of evidence-bearing tables happens inside the caller's transaction. */
sqlite3_stmt *hv_sqlite_write_stmt(struct hv_store *s, const char *sql, struct hv_err *err);

/* Sets err to "PATH: what: sqlite's message" and returns HV_ESTORE. */
int hv_sqlite_err(struct hv_store *s, struct hv_err *err, const char *what);
/* Steps st to completion and resets it; HV_ESTORE naming what on failure. */
int hv_sqlite_step_done(struct hv_store *s, sqlite3_stmt *st, const char *what,
			struct hv_err *err);
/* Steps st for one integer (NULL or no row reads as 0) and resets it. */
int hv_sqlite_scalar_i64(struct hv_store *s, sqlite3_stmt *st, const char *what, int64_t *out,
			 struct hv_err *err);
/* Binds s as text (NULL binds NULL); the string must outlive the step. */
void hv_sqlite_bind_text(sqlite3_stmt *st, int i, const char *s);

#endif
