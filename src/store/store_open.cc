// Where a store is (StoreLayout), where its master key comes from, and which back end opens it: a
// folder is the embedded SQLite store, a postgresql:// URI the PostgreSQL one.
#include <cstdlib>
#include <optional>
#include <string>
#include <system_error>

#include "abis/store/crypto.h"
#include "abis/store/key_rotation.h"
#include "abis/store/store.h"
#include "key_files.h"
#include "pg/pg_store.h"
#include "sqlite/sqlite_store.h"

namespace abis {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return std::string(value != nullptr ? value : "");
}

// The master key of the store: from the key command, else the key file (created when `create`).
Result<MasterKey> ObtainMasterKey(const StoreLayout& layout, bool create) {
  if (!layout.key_command.empty()) return MasterKey::FromCommand(layout.key_command);
  if (layout.key_file.empty()) {
    return Status::InvalidArgument("the PostgreSQL store " + layout.Location() +
                                   " needs a master key outside the database: set ABIS_LOCAL_DIR (a local folder for "
                                   "master.key and index-snapshots/), ABIS_KEY_FILE or ABIS_KEY_COMMAND");
  }
  ABIS_ASSIGN_OR_RETURN(std::string passphrase, ReadKeyPassphrase(layout));
  auto key =
      create ? MasterKey::CreateFile(layout.key_file, passphrase) : MasterKey::LoadFile(layout.key_file, passphrase);
  WipeSecret(passphrase);
  return key;
}

// A store opened with the key file's key; when a rotation was interrupted (`<key file>.new`
// exists), finishes or undoes it first and reopens under the key it leaves.
Result<std::unique_ptr<Store>> OpenRecoveringRotation(const StoreLayout& layout, const MasterKey& key,
                                                      Result<std::unique_ptr<Store>> (*open)(StoreLayout,
                                                                                             const MasterKey&, bool),
                                                      bool may_read_key_again = true) {
  // Not while a rotation runs: this process would go on sealing under the old key after it.
  ABIS_RETURN_IF_ERROR(CheckNoKeyRotationRunning(layout, kKeyRotationLockWait));
  ABIS_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, open(layout, key, /*create=*/false));
  std::error_code error;
  if (!layout.key_command.empty() || !std::filesystem::exists(NextKeyFile(layout), error)) {
    // A key that opens none of the stored data keys would seal new records that the store's own
    // key cannot open: e.g. a host still holding the key of before a rotation made on another one.
    ABIS_ASSIGN_OR_RETURN(std::optional<bool> opens, store->FirstWrappedKeyOpensUnder(key));
    if (opens.has_value() && !*opens && layout.key_command.empty() && may_read_key_again) {
      // Another process may have finished an interrupted rotation since this one read the key
      // file (opens that start together): read it again, once.
      ABIS_ASSIGN_OR_RETURN(MasterKey reread, ObtainMasterKey(layout, /*create=*/false));
      if (reread.bytes() != key.bytes()) {
        store.reset();
        return OpenRecoveringRotation(layout, reread, open, /*may_read_key_again=*/false);
      }
    }
    if (opens.has_value() && !*opens) {
      const std::string source = layout.key_command.empty() ? "the key file " + layout.key_file.string()
                                                            : std::string("the key command (ABIS_KEY_COMMAND)");
      return Status::FailedPrecondition(
          "the master key from " + source + " opens none of the store's first data keys: the store " +
          layout.Location() +
          " is under another key (re-keyed by `abis store rotate-key`, perhaps on another host: install that host's "
          "new key file here), or this key belongs to another store; nothing was opened or changed");
    }
    return store;
  }
  // The recovery decides under the rotation's own lock: a rotation that started since the check
  // above keeps its new key file. Opens that start together (the grid's ranks, a service's pool)
  // wait their turn; the one after finds the new key file gone and reads the key file again.
  ABIS_ASSIGN_OR_RETURN(KeyRotationLock lock, KeyRotationLock::Acquire(layout, kKeyRotationLockWait));
  ABIS_ASSIGN_OR_RETURN(bool key_changed, FinishInterruptedKeyRotation(*store, layout, key));
  if (!key_changed) return store;
  store.reset();
  ABIS_ASSIGN_OR_RETURN(MasterKey new_key, ObtainMasterKey(layout, /*create=*/false));
  return open(layout, new_key, /*create=*/false);
}

Status MakeOwnerOnlyFolder(const std::filesystem::path& dir, std::string_view what) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return Status::IoError("cannot create " + std::string(what) + " " + dir.string() + ": " + error.message());
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace, error);
  return Status::Ok();
}

Result<std::unique_ptr<Store>> CreatePgStore(const StoreLayout& layout) {
  ABIS_ASSIGN_OR_RETURN(bool exists, PgStore::SchemaExists(layout));
  if (exists) return Status::AlreadyExists("a store already exists in " + layout.Location());
  if (!layout.dir.empty()) ABIS_RETURN_IF_ERROR(MakeOwnerOnlyFolder(layout.dir, "local store folder"));
  const bool writes_key_file = layout.key_command.empty();
  ABIS_ASSIGN_OR_RETURN(MasterKey key, ObtainMasterKey(layout, /*create=*/true));
  auto store = PgStore::Open(layout, key, /*create=*/true);
  if (!store.ok() && writes_key_file) {
    // The key of a store that was never created would make the next `abis init` fail.
    std::error_code ignored;
    std::filesystem::remove(layout.key_file, ignored);
  }
  return store;
}

}  // namespace

Result<std::string> ReadKeyPassphrase(const StoreLayout& layout) {
  if (layout.key_passphrase_file.empty()) return std::string();
  ABIS_ASSIGN_OR_RETURN(std::string passphrase,
                        ReadOwnerOnlyFile(layout.key_passphrase_file, "passphrase file (ABIS_KEY_PASSPHRASE_FILE)"));
  while (!passphrase.empty() && (passphrase.back() == '\n' || passphrase.back() == '\r')) passphrase.pop_back();
  if (passphrase.empty()) {
    return Status::InvalidArgument("passphrase file " + layout.key_passphrase_file.string() + " is empty");
  }
  return passphrase;
}

StoreLayout StoreLayout::ForDir(const std::filesystem::path& dir) {
  StoreLayout layout;
  layout.dir = dir;
  layout.database = dir / "abis.db";
  const std::string key_file = Env("ABIS_KEY_FILE");
  layout.key_file = !key_file.empty() ? std::filesystem::path(key_file) : dir / "master.key";
  layout.key_passphrase_file = Env("ABIS_KEY_PASSPHRASE_FILE");
  layout.key_command = Env("ABIS_KEY_COMMAND");
  const std::string snapshot_dir = Env("ABIS_SNAPSHOT_DIR");
  layout.snapshot_dir = !snapshot_dir.empty() ? std::filesystem::path(snapshot_dir) : dir / "index-snapshots";
  return layout;
}

StoreLayout StoreLayout::ForUri(std::string_view uri) {
  StoreLayout layout;
  layout.database_uri = std::string(uri);
  layout.dir = Env("ABIS_LOCAL_DIR");
  const std::string key_file = Env("ABIS_KEY_FILE");
  if (!key_file.empty()) {
    layout.key_file = key_file;
  } else if (!layout.dir.empty()) {
    layout.key_file = layout.dir / "master.key";
  }
  layout.key_passphrase_file = Env("ABIS_KEY_PASSPHRASE_FILE");
  layout.key_command = Env("ABIS_KEY_COMMAND");
  const std::string snapshot_dir = Env("ABIS_SNAPSHOT_DIR");
  if (!snapshot_dir.empty()) {
    layout.snapshot_dir = snapshot_dir;
  } else if (!layout.dir.empty()) {
    layout.snapshot_dir = layout.dir / "index-snapshots";
  }
  return layout;
}

bool StoreLayout::IsDatabaseUri(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

std::string StoreLayout::Redacted(std::string_view location) {
  std::string out(location);
  if (!IsDatabaseUri(location)) return out;
  // user:password@ in the authority.
  const std::size_t authority = out.find("://") + 3;
  const std::size_t at = out.find('@', authority);
  const std::size_t slash = out.find('/', authority);
  if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
    const std::size_t colon = out.find(':', authority);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  // password=... among the parameters.
  for (std::size_t pos = out.find("password="); pos != std::string::npos; pos = out.find("password=", pos + 1)) {
    const std::size_t value = pos + 9;
    const std::size_t end = out.find('&', value);
    out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
  }
  return out;
}

std::string StoreLayout::Location() const { return database_uri.empty() ? dir.string() : Redacted(database_uri); }

std::string StoreLayout::KeySourceDescription() const {
  if (!key_command.empty()) return "the key command (ABIS_KEY_COMMAND)";
  if (key_passphrase_file.empty()) return key_file.string();
  return key_file.string() + " (wrapped under the passphrase in " + key_passphrase_file.string() + ")";
}

Result<std::unique_ptr<Store>> Store::Create(const std::filesystem::path& dir) {
  if (StoreLayout::IsDatabaseUri(dir.native())) return CreatePgStore(StoreLayout::ForUri(dir.native()));
  StoreLayout layout = StoreLayout::ForDir(dir);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return Status::IoError("cannot create store folder " + dir.string() + ": " + error.message());
  if (std::filesystem::exists(layout.database)) {
    return Status::AlreadyExists("a store already exists at " + dir.string());
  }
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace, error);
  ABIS_ASSIGN_OR_RETURN(MasterKey key, ObtainMasterKey(layout, /*create=*/true));
  return SqliteStore::Open(std::move(layout), key, /*create=*/true);
}

Result<std::unique_ptr<Store>> Store::Open(const std::filesystem::path& dir) {
  if (StoreLayout::IsDatabaseUri(dir.native())) {
    StoreLayout layout = StoreLayout::ForUri(dir.native());
    ABIS_ASSIGN_OR_RETURN(bool exists, PgStore::SchemaExists(layout));
    if (!exists) {
      return Status::NotFound("no store in " + layout.Location() + " (create one with `abis init --store URI`)");
    }
    ABIS_ASSIGN_OR_RETURN(MasterKey key, ObtainMasterKey(layout, /*create=*/false));
    return OpenRecoveringRotation(layout, key, &PgStore::Open);
  }
  StoreLayout layout = StoreLayout::ForDir(dir);
  if (!std::filesystem::exists(layout.database)) {
    return Status::NotFound("no store at " + dir.string() + " (create one with `abis init --store " + dir.string() +
                            "`)");
  }
  ABIS_ASSIGN_OR_RETURN(MasterKey key, ObtainMasterKey(layout, /*create=*/false));
  return OpenRecoveringRotation(layout, key, &SqliteStore::Open);
}

Result<std::unique_ptr<AuditStorage>> AuditStorage::OpenWithoutKey(const std::filesystem::path& dir) {
  if (StoreLayout::IsDatabaseUri(dir.native())) return PgStore::OpenAuditStorage(StoreLayout::ForUri(dir.native()));
  return SqliteStore::OpenAuditStorage(StoreLayout::ForDir(dir));
}

}  // namespace abis
