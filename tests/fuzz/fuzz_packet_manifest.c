/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: a case packet's manifest.json checked offline (no files), with the packet's
 * own key. Whatever it accepts names only paths inside the packet: relative, with no "." or
 * ".." segment ("su.." is an ordinary name). */
#include <stdint.h>
#include <string.h>

#include "cases/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_packet_manifest m;
	struct hv_err err;

	if (hv_packet_check_manifest((const char *)data, size, NULL, 0, &m, &err) == HV_OK) {
		for (size_t i = 0; i < m.n_files; i++) {
			const char *p = m.files[i].path;

			if (p[0] == '/')
				__builtin_trap();
			while (p) {
				size_t n = strcspn(p, "/");

				if ((n == 1 && p[0] == '.') ||
				    (n == 2 && p[0] == '.' && p[1] == '.'))
					__builtin_trap();
				p = p[n] ? p + n + 1 : NULL;
			}
		}
	}
	hv_packet_manifest_release(&m);
	return 0;
}
