/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: a case packet's manifest.json checked offline (no files), with the packet's
 * own key. Whatever it accepts names only paths inside the packet. */
#include <stdint.h>
#include <string.h>

#include "cases/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_packet_manifest m;
	struct hv_err err;

	if (hv_packet_check_manifest((const char *)data, size, NULL, 0, &m, &err) == HV_OK) {
		for (size_t i = 0; i < m.n_files; i++)
			if (m.files[i].path[0] == '/' || strstr(m.files[i].path, "../") ||
			    strcmp(m.files[i].path, "..") == 0)
				__builtin_trap();
	}
	hv_packet_manifest_release(&m);
	return 0;
}
