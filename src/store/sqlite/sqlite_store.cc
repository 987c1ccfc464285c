#include "sqlite/sqlite_store.h"

#include <utility>

#include "sql/sql_audit_rows.h"
#include "sqlite/schema.h"
#include "sqlite/sqlite_connection.h"

namespace abis {

SqliteStore::SqliteStore(StoreLayout layout, std::unique_ptr<Database> db, const MasterKey& key)
    : SqlStore(std::move(layout), std::make_unique<SqliteConnection>(std::move(db)), key),
      database_(&static_cast<SqliteConnection&>(connection()).database()) {}

Result<std::unique_ptr<Store>> SqliteStore::Open(StoreLayout layout, const MasterKey& key, bool create) {
  ABIS_ASSIGN_OR_RETURN(auto db, Database::Open(layout.database, create));
  ABIS_RETURN_IF_ERROR(MigrateSchema(*db));
  return std::unique_ptr<Store>(new SqliteStore(std::move(layout), std::move(db), key));
}

Result<std::unique_ptr<AuditStorage>> SqliteStore::OpenAuditStorage(const StoreLayout& layout) {
  ABIS_ASSIGN_OR_RETURN(auto db, Database::Open(layout.database, /*create=*/false));
  ABIS_ASSIGN_OR_RETURN(int version, ReadSchemaVersion(*db));
  if (version < 2) {
    return Status::FailedPrecondition("store schema version " + std::to_string(version) +
                                      " predates the audit head; open it once with a key to upgrade");
  }
  return std::unique_ptr<AuditStorage>(new SqlAuditStorage(std::make_unique<SqliteConnection>(std::move(db)), 0));
}

Result<int> SqliteStore::SchemaVersion() { return ReadSchemaVersion(*database_); }

Status SqliteStore::Checkpoint() { return database_->Execute("PRAGMA wal_checkpoint(TRUNCATE)"); }

}  // namespace abis
