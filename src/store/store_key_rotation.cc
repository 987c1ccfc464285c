// The key-file steps of a master key rotation, and the recovery of one interrupted between the
// re-wrap's commit and the rename (see abis/store/key_rotation.h).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "abis/store/key_rotation.h"
#include "key_files.h"

namespace abis {
namespace {

Status SyncFolderOf(const std::filesystem::path& file) {
  std::filesystem::path folder = file.parent_path();
  if (folder.empty()) folder = ".";
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IoError("cannot open the folder " + folder.string() + ": " + std::strerror(errno));
  const bool synced = ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  if (!synced) return Status::IoError("cannot sync the folder " + folder.string() + ": " + std::strerror(error));
  return Status::Ok();
}

Result<MasterKey> LoadNextKey(const StoreLayout& layout) {
  ABIS_ASSIGN_OR_RETURN(std::string passphrase, ReadKeyPassphrase(layout));
  auto key = MasterKey::LoadFile(NextKeyFile(layout), passphrase);
  WipeSecret(passphrase);
  return key;
}

}  // namespace

std::filesystem::path NextKeyFile(const StoreLayout& layout) {
  std::filesystem::path next = layout.key_file;
  next += ".new";
  return next;
}

namespace {

std::filesystem::path RotationLockFile(const StoreLayout& layout) {
  std::filesystem::path lock = layout.key_file;
  lock += ".lock";
  return lock;
}

}  // namespace

// flock(`operation` | LOCK_NB) on `fd`, tried again until `wait` has passed while another
// description holds a conflicting lock (a check or a recovery holds it for milliseconds, a
// rotation for as long as its re-wrap): true when taken, false when still held; errno otherwise.
Result<bool> LockWithin(int fd, int operation, std::chrono::milliseconds wait) {
  const auto give_up = std::chrono::steady_clock::now() + wait;
  auto pause = std::chrono::milliseconds(2);
  while (true) {
    if (::flock(fd, operation | LOCK_NB) == 0) return true;
    if (errno != EWOULDBLOCK) return Status::IoError(std::strerror(errno));
    if (std::chrono::steady_clock::now() >= give_up) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
}

Result<KeyRotationLock> KeyRotationLock::Acquire(const StoreLayout& layout, std::chrono::milliseconds wait) {
  if (layout.key_file.empty()) return Status::FailedPrecondition("the store has no key file to lock");
  const std::filesystem::path file = RotationLockFile(layout);
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IoError("cannot open the rotation lock " + file.string() + ": " + std::strerror(errno));
  Result<bool> taken = LockWithin(fd, LOCK_EX, wait);
  if (!taken.ok() || !*taken) {
    ::close(fd);
    if (!taken.ok()) return Status::IoError("cannot lock " + file.string() + ": " + taken.status().message());
    return Status::FailedPrecondition("a master key rotation of the store " + layout.Location() +
                                      " (or the recovery of one) is running (" + file.string() +
                                      " is locked): try again when it ends");
  }
  return KeyRotationLock(fd);
}

KeyRotationLock::KeyRotationLock(KeyRotationLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

KeyRotationLock::~KeyRotationLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

Status CheckNoKeyRotationRunning(const StoreLayout& layout, std::chrono::milliseconds wait) {
  if (!layout.key_command.empty() || layout.key_file.empty()) return Status::Ok();
  const std::filesystem::path file = RotationLockFile(layout);
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return Status::Ok();  // never rotated here
  if (fd < 0) return Status::IoError("cannot open the rotation lock " + file.string() + ": " + std::strerror(errno));
  Result<bool> free = LockWithin(fd, LOCK_SH, wait);
  ::close(fd);
  if (!free.ok())
    return Status::IoError("cannot test the rotation lock " + file.string() + ": " + free.status().message());
  if (*free) return Status::Ok();
  return Status::FailedPrecondition("a master key rotation of the store " + layout.Location() + " is running (" +
                                    file.string() + " is locked): open the store again when it ends");
}

Status CheckKeyRotationPossible(const StoreLayout& layout) {
  if (!layout.key_command.empty()) {
    return Status::FailedPrecondition(
        "the master key comes from a key command (ABIS_KEY_COMMAND): a key service rotates its own keys, and abis "
        "does not write to it. Rotate by hand: stop every process of the store and take a backup; export the "
        "current key to a key file (mode 0600, `abis-master-key-v1` and the hex key on the next line); run `abis "
        "store rotate-key` with ABIS_KEY_FILE naming that file and ABIS_KEY_COMMAND unset; import the key the file "
        "then holds into the key service under a new name, point ABIS_KEY_COMMAND at it and destroy the file "
        "(docs/STORE_LIFECYCLE.md)");
  }
  if (layout.key_file.empty()) return Status::FailedPrecondition("the store has no key file to rotate");
  std::error_code error;
  if (std::filesystem::exists(NextKeyFile(layout), error)) {
    return Status::FailedPrecondition("a new key file " + NextKeyFile(layout).string() +
                                      " is left from an interrupted rotation: open the store once (any command) to "
                                      "finish or undo it, then rotate again");
  }
  return Status::Ok();
}

Status CheckNoOtherProcessHasTheStoreOpen(const StoreLayout& layout) {
  if (layout.database.empty()) return Status::Ok();
  std::filesystem::path shm = layout.database;
  shm += "-shm";
  // Closing any descriptor of a file releases every POSIX lock this process holds on it (its own
  // SQLite connections' included), so the probe's descriptor is opened once and never closed.
  // One per file (device and inode): SQLite may delete and recreate the file between two calls.
  struct stat file_info {};
  if (::stat(shm.c_str(), &file_info) != 0) return Status::Ok();  // no connection in WAL mode
  static std::mutex probes_mutex;
  static auto* probes = new std::map<std::pair<dev_t, ino_t>, int>();
  int fd = -1;
  {
    std::lock_guard lock(probes_mutex);
    auto found = probes->find({file_info.st_dev, file_info.st_ino});
    if (found == probes->end()) {
      fd = ::open(shm.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return Status::Ok();  // deleted meanwhile: no connection left
      struct stat opened_info {};
      ::fstat(fd, &opened_info);
      found = probes->emplace(std::make_pair(opened_info.st_dev, opened_info.st_ino), fd).first;
    }
    fd = found->second;
  }
  struct flock probe {};
  probe.l_type = F_WRLCK;
  probe.l_whence = SEEK_SET;
  probe.l_start = 128;  // SQLite's WAL "dead man switch" lock byte
  probe.l_len = 1;
  if (::fcntl(fd, F_GETLK, &probe) != 0) {
    return Status::IoError("cannot test the locks of " + shm.string() + ": " + std::strerror(errno));
  }
  if (probe.l_type == F_UNLCK) return Status::Ok();
  return Status::FailedPrecondition("process " + std::to_string(probe.l_pid) + " has the store " + layout.Location() +
                                    " open: stop every process of the store (abis serve, MOSIP workers, scheduled "
                                    "jobs) before rotating the master key, or it would seal new records under the "
                                    "old key");
}

Result<MasterKey> WriteNextKeyFile(const StoreLayout& layout) {
  ABIS_RETURN_IF_ERROR(CheckKeyRotationPossible(layout));
  ABIS_ASSIGN_OR_RETURN(std::optional<PassphraseKdfLimits> limits, MasterKey::FileKdfLimits(layout.key_file));
  ABIS_ASSIGN_OR_RETURN(std::string passphrase, ReadKeyPassphrase(layout));
  if (limits.has_value() && passphrase.empty()) {
    return Status::FailedPrecondition("key file " + layout.key_file.string() +
                                      " is wrapped under a passphrase; set ABIS_KEY_PASSPHRASE_FILE to the file that "
                                      "holds it");
  }
  Result<MasterKey> key = MasterKey::Generate();
  Status written = key.ok() ? key->WriteFile(NextKeyFile(layout), limits.has_value() ? passphrase : std::string_view(),
                                             limits.value_or(PassphraseKdfLimits::Moderate()))
                            : key.status();
  WipeSecret(passphrase);
  ABIS_RETURN_IF_ERROR(written);
  ABIS_RETURN_IF_ERROR(SyncFolderOf(NextKeyFile(layout)));
  return key;
}

Status InstallNextKeyFile(const StoreLayout& layout) {
  const std::filesystem::path next = NextKeyFile(layout);
  if (std::rename(next.c_str(), layout.key_file.c_str()) != 0) {
    return Status::IoError("cannot rename " + next.string() + " over " + layout.key_file.string() + ": " +
                           std::strerror(errno) + "; the store is under the new key: rename it by hand");
  }
  return SyncFolderOf(layout.key_file);
}

Status DiscardNextKeyFile(const StoreLayout& layout) {
  std::error_code error;
  std::filesystem::remove(NextKeyFile(layout), error);
  if (error) return Status::IoError("cannot delete " + NextKeyFile(layout).string() + ": " + error.message());
  return SyncFolderOf(layout.key_file);
}

Result<bool> FinishInterruptedKeyRotation(Store& store, const StoreLayout& layout, const MasterKey& current) {
  const std::filesystem::path next = NextKeyFile(layout);
  ABIS_ASSIGN_OR_RETURN(std::optional<bool> opens_under_current, store.FirstWrappedKeyOpensUnder(current));
  Result<MasterKey> next_key = LoadNextKey(layout);
  // Another process opening the store finished the rotation meanwhile: read the key file again.
  if (next_key.status().code() == StatusCode::kNotFound) return true;
  if (!next_key.ok()) {
    // A crash while the new file was written, before the re-wrap began: the rows cannot be
    // under a key that was never completely written.
    if (opens_under_current.value_or(true)) {
      ABIS_RETURN_IF_ERROR(DiscardNextKeyFile(layout));
      std::cerr << "abis: an interrupted master key rotation never re-wrapped a data key (" << next.string()
                << " is unreadable: " << next_key.status().message() << "); deleted it, the store stays under "
                << layout.key_file.string() << "\n";
      return false;
    }
    return Status::DataLoss("the store's data keys do not open under " + layout.key_file.string() + ", and " +
                            next.string() + " left by an interrupted rotation cannot be read (" +
                            next_key.status().message() + "); nothing was changed");
  }
  if (opens_under_current.value_or(false)) {
    ABIS_RETURN_IF_ERROR(DiscardNextKeyFile(layout));
    std::cerr << "abis: an interrupted master key rotation did not commit: deleted " << next.string()
              << "; the store stays under " << layout.key_file.string() << "\n";
    return false;
  }
  ABIS_ASSIGN_OR_RETURN(std::optional<bool> opens_under_next, store.FirstWrappedKeyOpensUnder(*next_key));
  if (opens_under_next.has_value() && !*opens_under_next) {
    return Status::DataLoss("the store's first wrapped data key opens neither under " + layout.key_file.string() +
                            " nor under " + next.string() + " (left by an interrupted rotation); nothing was changed");
  }
  Status installed = InstallNextKeyFile(layout);
  std::error_code error;
  if (!installed.ok() && !std::filesystem::exists(next, error)) return true;  // renamed by another process
  ABIS_RETURN_IF_ERROR(installed);
  std::cerr << "abis: finished an interrupted master key rotation: the store's data keys are under the new key; "
            << "renamed " << next.string() << " over " << layout.key_file.string()
            << " (destroy every copy of the old key)\n";
  return true;
}

}  // namespace abis
