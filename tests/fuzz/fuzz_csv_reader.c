/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes the CSV import path: the input becomes an in-memory CSV file read to the end, once as
 * latitude/longitude, once with a projected --srs (X/Y columns, area-of-use checks), and once
 * with an address template over its first fields (ranges, spaces). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "geo/geo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_PATH "/vsimem/fuzz_csv_reader.csv"
/* Bounds the work per input; bad rows are skipped the way the importer skips them. */
#define MAX_ROWS 10000

/* Where the reads of every borrowed string go, so the compiler cannot drop them and ASan sees a
 * stale or short one. */
static volatile size_t sink;

static void read_all(const char *srs, const char *address_template)
{
	struct hv_geo_import_opts o = {
		.path = FUZZ_PATH, .srs = srs, .address_template = address_template};
	struct hv_geo_reader *r = NULL;
	struct hv_geo_feature f;
	struct hv_err err;
	const struct hv_geo_layer_info *info;
	size_t sum = 0;

	if (hv_geo_reader_open(&o, &r, &err) != HV_OK)
		return;
	info = hv_geo_reader_info(r);
	for (int n = 0; n < MAX_ROWS; n++) {
		int rc = hv_geo_reader_next(r, &f, &err);

		if (rc == 0 || (rc < 0 && rc != HV_EINVAL))
			break;
		if (rc != 1)
			continue;
		sum += strlen(f.source_key) + strlen(f.kind) + strlen(f.attrs_json);
		sum += f.address ? strlen(f.address) : 0;
		for (size_t i = 0; i < info->n_fields; i++)
			sum += strlen(info->fields[i]) + (f.values[i] ? strlen(f.values[i]) : 0);
		if (f.wkb)
			sum += f.wkb[f.wkb_len - 1];
	}
	sink += sum;
	hv_geo_reader_free(r);
}

/* "{A}-{B} {C}" over the first three fields, so the template sees the input's values; nothing
 * when there are fewer fields, or names with braces (the template cannot quote them). */
static void read_with_template(void)
{
	struct hv_geo_import_opts o = {.path = FUZZ_PATH};
	struct hv_geo_reader *r = NULL;
	const struct hv_geo_layer_info *info;
	char tpl[1024];
	int n = -1;

	if (hv_geo_reader_open(&o, &r, NULL) != HV_OK)
		return;
	info = hv_geo_reader_info(r);
	if (info->n_fields >= 3 && !strpbrk(info->fields[0], "{}") &&
	    !strpbrk(info->fields[1], "{}") && !strpbrk(info->fields[2], "{}"))
		n = snprintf(tpl, sizeof(tpl), "{%s}-{%s}  {%s} ", info->fields[0], info->fields[1],
			     info->fields[2]);
	hv_geo_reader_free(r);
	if (n > 0 && (size_t)n < sizeof(tpl))
		read_all(NULL, tpl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_err err;

	if (hv_geo_mem_file(FUZZ_PATH, data, size, &err) != HV_OK)
		return 0;
	read_all(NULL, NULL);
	read_all("EPSG:3435", NULL);
	read_with_template();
	hv_geo_mem_file_remove(FUZZ_PATH);
	return 0;
}
