// The key-file steps of a master key rotation (docs/STORE_LIFECYCLE.md "Rotating the master
// key"); the data keys are re-wrapped by Store::RewrapDataKeys between WriteNextKeyFile and
// InstallNextKeyFile. A crash after the re-wrap committed and before the rename is finished at
// the next Store::Open (it tries a wrapped key under each of the two keys).
#pragma once

#include <chrono>
#include <filesystem>

#include "abis/core/status.h"
#include "abis/store/crypto.h"
#include "abis/store/store.h"

namespace abis {

// `<key file>.new`: where the new key waits until the re-wrap has committed.
std::filesystem::path NextKeyFile(const StoreLayout& layout);

// The exclusive lock (flock on `<key file>.lock`, mode 0600) a rotation holds from before it looks
// for other processes until its key file is installed or discarded, and an open's recovery of an
// interrupted rotation holds while it decides. Every open of a store with a key file first checks
// it is free (CheckNoKeyRotationRunning), so no process opens the store under the old key while a
// rotation runs, and no open deletes the new key file of a rotation in progress.
class KeyRotationLock {
 public:
  // kFailedPrecondition when another process (or another open of this one) still holds the lock
  // after `wait` (an open's check or recovery holds it for milliseconds, a rotation for long).
  static Result<KeyRotationLock> Acquire(const StoreLayout& layout,
                                         std::chrono::milliseconds wait = std::chrono::milliseconds(0));
  KeyRotationLock(KeyRotationLock&& other) noexcept;
  KeyRotationLock& operator=(KeyRotationLock&&) = delete;
  KeyRotationLock(const KeyRotationLock&) = delete;
  KeyRotationLock& operator=(const KeyRotationLock&) = delete;
  ~KeyRotationLock();

 private:
  explicit KeyRotationLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// kFailedPrecondition when a rotation of this store's key (or a recovery) still holds
// KeyRotationLock after `wait` (no lock file, or a key command: Ok).
Status CheckNoKeyRotationRunning(const StoreLayout& layout,
                                 std::chrono::milliseconds wait = std::chrono::milliseconds(0));

// How long an open waits for the rotation lock before it says a rotation is running.
inline constexpr std::chrono::milliseconds kKeyRotationLockWait{10000};

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
