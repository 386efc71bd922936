/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: inclusion and consistency proofs as JSON (the API's and a packet's form),
 * parsed and verified. A parsed proof is within bounds; verification never reads past it. */
#include <stdint.h>
#include <string.h>

#include "ledger/merkle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_ledger_inclusion in;
	struct hv_ledger_consistency co;
	struct hv_err err;

	hv_err_clear(&err);
	if (hv_ledger_inclusion_parse((const char *)data, size, &in, &err) == HV_OK) {
		if (in.seq < 0 || in.seq >= in.size || in.proof.n < 0 ||
		    in.proof.n > HV_LEDGER_PROOF_MAX)
			__builtin_trap();
		hv_err_clear(&err);
		if (hv_ledger_inclusion_verify(in.seq, in.size, in.leaf, &in.proof, in.root,
					       &err) != HV_OK &&
		    !err.msg[0])
			__builtin_trap();
	} else if (!err.msg[0]) {
		__builtin_trap();
	}
	hv_err_clear(&err);
	if (hv_ledger_consistency_parse((const char *)data, size, &co, &err) == HV_OK) {
		if (co.first < 1 || co.first > co.second || co.proof.n < 0 ||
		    co.proof.n > HV_LEDGER_PROOF_MAX)
			__builtin_trap();
		hv_err_clear(&err);
		if (hv_ledger_consistency_verify(co.first, co.second, co.first_root, co.second_root,
						 &co.proof, &err) != HV_OK &&
		    !err.msg[0])
			__builtin_trap();
	} else if (!err.msg[0]) {
		__builtin_trap();
	}
	return 0;
}
