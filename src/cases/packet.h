/* SPDX-License-Identifier: Apache-2.0 */
/* Case packets: a folder a court or counsel can check offline. It holds summary.pdf, the
 * evidence files, and manifest.json: each file's SHA-256 and size, every ledger entry the case
 * rests on (the exact bytes hashed) with its inclusion proof, the signed checkpoint they are
 * proved against, the public key, and the property's sign history (ledger entries of kind
 * "sign_event" whose body names the property). Writing needs the store; verifying needs
 * nothing but the folder (core, crypto and the ledger's store-free half). */
#ifndef HV_CASES_PACKET_H
#define HV_CASES_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "ledger/checkpoint.h"
#include "store/store.h"

#define HV_PACKET_FORMAT       "haven-packet/1"
#define HV_PACKET_MANIFEST_MAX (64u << 20)
#define HV_PACKET_MAX_FILES    10000
#define HV_PACKET_MAX_ENTRIES  100000

/* Writes the packet of case id into dir (created; refused when it exists and is not empty).
 * Signs a checkpoint of the current tree with signer inside a store transaction, then proves
 * every entry against it. The sign history is read from the ledger alone: entries of kind
 * "sign_event" whose JSON body has "property_id" equal to an incident's property, as the signs
 * module writes them ({"serial", "property_id", "event": "installed", "at"}). */
int hv_packet_write(struct hv_store *s, int64_t case_id, const char *dir,
		    const struct hv_ledger_signer *signer, int64_t now_ms, struct hv_err *err);

/* What a verified manifest says. */
struct hv_packet_file {
	char *path; /* relative, '/'-separated, no "..", no leading '/' */
	char sha256[65];
	uint64_t size;
	int64_t evidence_id; /* 0: not an evidence file */
};

struct hv_packet_manifest {
	struct hv_packet_file *files;
	size_t n_files;
	int64_t tree_size;
	size_t n_entries;
	size_t n_incidents;
	size_t n_sign_events;
	char origin[HV_LEDGER_NAME_MAX + 1];
	char key_name[HV_LEDGER_NAME_MAX + 1];
	bool key_from_packet; /* no key was given: the packet's own key was used */
};

void hv_packet_manifest_release(struct hv_packet_manifest *m);

/* Checks manifest.json text without the files: the format, the checkpoint's signature (by one
 * of keys; n_keys 0: by the packet's own public key, noted in m), every entry's inclusion proof
 * against it, that each evidence file's hash is the one its ledger entry records, and that for
 * each incident a sign installation entry for its property precedes its report entry. The
 * first failure is HV_EINVAL (or HV_EFORMAT for a malformed manifest) naming it. */
int hv_packet_check_manifest(const char *json, size_t len, const struct hv_ledger_verifier *keys,
			     int n_keys, struct hv_packet_manifest *m, struct hv_err *err);
/* Checks the whole folder: the manifest as above, then every file's size and SHA-256, and that
 * no file is missing and none was added (anything but manifest.json not listed). */
int hv_packet_verify(const char *dir, const struct hv_ledger_verifier *keys, int n_keys,
		     struct hv_packet_manifest *m, struct hv_err *err);

#endif
