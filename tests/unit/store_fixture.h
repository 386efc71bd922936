/* SPDX-License-Identifier: Apache-2.0 */
/* A cmocka fixture shared by the tests that need a real store: a fresh SQLite file in its own
 * temporary directory per test, removed afterwards. Include after <cmocka.h>. */
#ifndef HV_TESTS_STORE_FIXTURE_H
#define HV_TESTS_STORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "store/store.h"

struct fixture {
	char dir[64];
	char db[128];
	struct hv_store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct hv_err err;

	snprintf(f->dir, sizeof(f->dir), "/tmp/haven-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/haven.db", f->dir);
	assert_int_equal(hv_store_open(f->db, &f->s, &err), HV_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[256];

	hv_store_close(f->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

#endif
