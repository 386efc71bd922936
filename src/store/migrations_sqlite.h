/* SPDX-License-Identifier: Apache-2.0 */
/* The SQLite schema as numbered migrations; private to src/store. */
#ifndef HV_STORE_MIGRATIONS_SQLITE_H
#define HV_STORE_MIGRATIONS_SQLITE_H

#include <stddef.h>

struct hv_migration {
	int version;
	const char *sql;
};

extern const struct hv_migration hv_sqlite_migrations[];
extern const size_t hv_sqlite_n_migrations;

#endif
