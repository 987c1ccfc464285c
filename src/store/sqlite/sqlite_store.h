// The SQLite back end of the store (the embedded default): the shared SQL store (sql/sql_store.h)
// over one SQLite connection, with SQLite's schema (sqlite/schema.h) and WAL checkpoints. Private
// to src/store; everything else sees only abis/store/store.h.
#pragma once

#include <filesystem>
#include <memory>

#include "abis/store/crypto.h"
#include "abis/store/store.h"
#include "sql/sql_store.h"
#include "sqlite/database.h"

namespace abis {

class SqliteStore final : public SqlStore {
 public:
  SqliteStore(StoreLayout layout, std::unique_ptr<Database> db, const MasterKey& key);

  // Creates (`create`) or opens the store of `layout`, upgrading its schema when older.
  static Result<std::unique_ptr<Store>> Open(StoreLayout layout, const MasterKey& key, bool create);
  // The audit rows of the store in `layout`, without its key.
  static Result<std::unique_ptr<AuditStorage>> OpenAuditStorage(const StoreLayout& layout);

  // The SQLite connection (for the store's own code and white-box tests).
  Database& db() { return *database_; }

  Result<int> SchemaVersion() override;
  Status Checkpoint() override;

 private:
  Database* database_;  // owned by the SqliteConnection of SqlStore
};

}  // namespace abis
