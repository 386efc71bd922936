/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: content sniffing and the EXIF reader on arbitrary bytes. A position it
 * returns must be finite and within WGS 84 bounds; a time must have the fixed ISO shape. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "cases/evidence.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_exif x;
	struct hv_err err;
	const char *type = hv_evidence_sniff(data, size);

	if (!type || !*type)
		__builtin_trap();
	hv_exif_parse(data, size, &x, &err);
	if (x.has_position &&
	    (!isfinite(x.lat) || !isfinite(x.lon) || fabs(x.lat) > 90.0 || fabs(x.lon) > 180.0))
		__builtin_trap();
	if (x.has_time && (strlen(x.time) != 19 || x.time[10] != 'T'))
		__builtin_trap();
	return 0;
}
