// The PostgreSQL back end of the store (a shared system of record): the shared SQL store
// (sql/sql_store.h) over one libpq connection (pg/pg_connection.h), with PostgreSQL's schema
// (pg/pg_schema.h). The master key is never in the database: it comes from a key file or a key
// command on the machine that opens the store (StoreLayout::ForUri). Private to src/store.
#pragma once

#include <memory>

#include "abis/store/crypto.h"
#include "abis/store/store.h"
#include "pg/pg_connection.h"
#include "sql/sql_store.h"

namespace abis {

class PgStore final : public SqlStore {
 public:
  // ForEachAuditRow reads the log in pages of this many rows (libpq holds a whole result).
  static constexpr int kAuditPageRows = 2000;

  // Whether the database of `layout` holds a store (kIoError when it cannot be reached).
  static Result<bool> SchemaExists(const StoreLayout& layout);
  // Creates (`create`) or opens the store of `layout`, upgrading its schema when older.
  static Result<std::unique_ptr<Store>> Open(StoreLayout layout, const MasterKey& key, bool create);
  // The audit rows of the store in `layout`, without its key.
  static Result<std::unique_ptr<AuditStorage>> OpenAuditStorage(const StoreLayout& layout);

  // The connection (the store's own code and white-box tests).
  PgConnection& pg() { return *pg_; }

  Result<int> SchemaVersion() override;
  // Nothing to do: PostgreSQL has no WAL file of the store's own to truncate. Deleted rows stay in
  // the table files until VACUUM reuses their space (docs/STORE_LIFECYCLE.md, "PostgreSQL").
  Status Checkpoint() override { return Status::Ok(); }

 private:
  PgStore(StoreLayout layout, std::unique_ptr<PgConnection> db, const MasterKey& key);
  PgConnection* pg_;  // owned by SqlStore
};

}  // namespace abis
