// AbisSystem::RotateMasterKey: the documented rotation (docs/STORE_LIFECYCLE.md) as one operation.
#include <chrono>
#include <optional>
#include <system_error>

#include "abis/store/key_rotation.h"
#include "abis/system/abis_system.h"
#include "abis/system/gallery_index_snapshot.h"

namespace abis {
namespace {

// Deletes every gallery index snapshot under `root` (the store's folder and each grid shard's):
// they are sealed under a key derived from the old master key. Best effort: a snapshot that
// stays is discarded when it fails to open under the new key.
void DeleteIndexSnapshots(const std::filesystem::path& root, const DerivedKey& key) {
  std::error_code error;
  if (root.empty() || !std::filesystem::is_directory(root, error)) return;
  (void)GalleryIndexSnapshots(root, key).EndErasure("", 0);
  const std::filesystem::path shards = root / "grid-shards";
  if (!std::filesystem::is_directory(shards, error)) return;
  for (const auto& shard : std::filesystem::directory_iterator(shards, error)) {
    if (shard.is_directory(error)) (void)GalleryIndexSnapshots(shard.path(), key).EndErasure("", 0);
  }
}

}  // namespace

Result<KeyRotationReport> AbisSystem::RotateMasterKey(const Operator& op, const KeyRotationOptions& options) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kRotateMasterKey, "rotate the master key"));
  if (store_->InTransaction()) {
    return Status::FailedPrecondition("the master key cannot be rotated inside another transaction");
  }
  const StoreLayout& layout = store_->layout();
  ABIS_RETURN_IF_ERROR(CheckKeyRotationPossible(layout));
  // Held to the end: no process opens the store meanwhile (under the old key), and no open's
  // recovery takes this rotation's new key file for a leftover. Taken before the look for other
  // processes, so one that opened before it is seen.
  ABIS_ASSIGN_OR_RETURN(KeyRotationLock lock, KeyRotationLock::Acquire(layout, kKeyRotationLockWait));
  ABIS_RETURN_IF_ERROR(CheckKeyRotationPossible(layout));  // again, under the lock
  ABIS_RETURN_IF_ERROR(CheckNoOtherProcessHasTheStoreOpen(layout));
  ABIS_ASSIGN_OR_RETURN(MasterKey new_key, WriteNextKeyFile(layout));
  // Again once the new key file exists: an open connects before it looks for that file, so one
  // that passed the lock's check before this rotation took it is either seen here or finds the
  // file (and then waits for the lock, which this rotation holds).
  if (Status alone = CheckNoOtherProcessHasTheStoreOpen(layout); !alone.ok()) {
    (void)DiscardNextKeyFile(layout);
    return alone;
  }
  KeyRotationReport report;
  report.key_file = layout.key_file.string();
  const auto start = std::chrono::steady_clock::now();
  Status committed = store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(report.rewrapped, store_->RewrapDataKeys(new_key, options.progress));
    AuditEvent event = EventFor(op, "store.rotate_key");
    event.result = {{"samples", report.rewrapped.samples},
                    {"templates", report.rewrapped.templates},
                    {"search_probes", report.rewrapped.search_probes},
                    {"store", layout.Location()}};
    ABIS_ASSIGN_OR_RETURN(AuditEntry entry, AppendAuditEntry(*store_, event));
    report.audit_seq = entry.seq;
    return Status::Ok();
  });
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!committed.ok()) {
    // A commit whose outcome is unknown (a connection lost during COMMIT) may have committed: the
    // new key file goes only when the rows are seen under the old key; when they cannot be read,
    // it stays for the next open's recovery to decide.
    Result<std::optional<bool>> under_new = store_->FirstWrappedKeyOpensUnder(new_key);
    if (!under_new.ok()) {
      return committed.WithContext("the rotation's outcome is unknown (" + under_new.status().message() + "); " +
                                   NextKeyFile(layout).string() + " is kept for the next open of the store to decide");
    }
    if (under_new->value_or(false)) return FinishCommittedRotation(layout, options, report);
    (void)DiscardNextKeyFile(layout);
    // Only the error's code: the store and the key file are as they were.
    AuditEvent event = EventFor(op, "store.rotate_key.failed");
    event.result = {{"error", StatusCodeName(committed.code())}};
    (void)AppendAuditEntry(*store_, event);
    return committed;
  }
  return FinishCommittedRotation(layout, options, report);
}

Result<KeyRotationReport> AbisSystem::FinishCommittedRotation(const StoreLayout& layout,
                                                              const KeyRotationOptions& options,
                                                              const KeyRotationReport& report) {
  if (options.after_commit_for_testing) ABIS_RETURN_IF_ERROR(options.after_commit_for_testing());
  DeleteIndexSnapshots(layout.snapshot_dir, store_->IndexSnapshotKey());
  ABIS_RETURN_IF_ERROR(InstallNextKeyFile(layout));
  (void)store_->Checkpoint();  // best effort: old wrapped keys leave the WAL
  return report;
}

}  // namespace abis
