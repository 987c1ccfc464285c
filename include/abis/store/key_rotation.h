// The key-file steps of a master key rotation (docs/STORE_LIFECYCLE.md "Rotating the master
// key"); the data keys are re-wrapped by Store::RewrapDataKeys between WriteNextKeyFile and
// InstallNextKeyFile. A crash after the re-wrap committed and before the rename is finished at
// the next Store::Open (it tries a wrapped key under each of the two keys).
#pragma once

#include <filesystem>

#include "abis/core/status.h"
#include "abis/store/crypto.h"
#include "abis/store/store.h"

namespace abis {

// `<key file>.new`: where the new key waits until the re-wrap has committed.
std::filesystem::path NextKeyFile(const StoreLayout& layout);

// kFailedPrecondition when this layout's key cannot be rotated here: a key command
// (ABIS_KEY_COMMAND; the message gives the manual steps: a key service rotates its own keys), no
// key file, or a `<key file>.new` left by an earlier rotation (open the store once to recover).
Status CheckKeyRotationPossible(const StoreLayout& layout);

// kFailedPrecondition naming a process that has the SQLite store open (idle readers included:
// every connection to a WAL database holds a shared lock on byte 128 of `abis.db-shm`, SQLite's
// "dead man switch", see sqlite.org/walformat.html); Ok when none is seen. A connection that has
// not read yet is not seen. PostgreSQL: not checked here (the rotation's write transaction
// excludes the other writers only).
Status CheckNoOtherProcessHasTheStoreOpen(const StoreLayout& layout);

// Generates the new key and writes it to NextKeyFile (mode 0600, synced): version 2 under the
// passphrase of ABIS_KEY_PASSPHRASE_FILE with the current file's Argon2id cost when the key file
// is version 2, else version 1.
Result<MasterKey> WriteNextKeyFile(const StoreLayout& layout);

// Renames NextKeyFile over the key file and syncs the folder: the rotation's last step.
Status InstallNextKeyFile(const StoreLayout& layout);

// Deletes NextKeyFile (a rotation that did not commit). Absent is fine.
Status DiscardNextKeyFile(const StoreLayout& layout);

}  // namespace abis
