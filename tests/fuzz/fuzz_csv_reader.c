/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes the CSV import path: the input becomes an in-memory CSV file read to the end, once as
 * latitude/longitude and once with a projected --srs (X/Y columns, area-of-use checks). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "geo/geo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_PATH "/vsimem/fuzz_csv_reader.csv"
/* Bounds the work per input; bad rows are skipped the way the importer skips them. */
#define MAX_ROWS 10000

/* Where the reads of every borrowed string go, so the compiler cannot drop them and ASan sees a
 * stale or short one. */
static volatile size_t sink;

static void read_all(const char *srs)
{
	struct hv_geo_import_opts o = {.path = FUZZ_PATH, .srs = srs};
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
		for (size_t i = 0; i < info->n_fields; i++)
			sum += strlen(info->fields[i]) + (f.values[i] ? strlen(f.values[i]) : 0);
		if (f.wkb)
			sum += f.wkb[f.wkb_len - 1];
	}
	sink += sum;
	hv_geo_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_err err;

	if (hv_geo_mem_file(FUZZ_PATH, data, size, &err) != HV_OK)
		return 0;
	read_all(NULL);
	read_all("EPSG:3435");
	hv_geo_mem_file_remove(FUZZ_PATH);
	return 0;
}
