#include "pg/pg_store.h"

#include <utility>

#include "pg/pg_schema.h"
#include "sql/sql_audit_rows.h"

namespace abis {

PgStore::PgStore(StoreLayout layout, std::unique_ptr<PgConnection> db, const MasterKey& key)
    : SqlStore(std::move(layout), std::move(db), key, kAuditPageRows), pg_(&static_cast<PgConnection&>(connection())) {}

Result<bool> PgStore::SchemaExists(const StoreLayout& layout) {
  ABIS_ASSIGN_OR_RETURN(auto db, PgConnection::Connect(layout.database_uri, layout.Location()));
  ABIS_ASSIGN_OR_RETURN(int version, ReadPgSchemaVersion(*db));
  return version > 0;
}

Result<std::unique_ptr<Store>> PgStore::Open(StoreLayout layout, const MasterKey& key, bool create) {
  ABIS_ASSIGN_OR_RETURN(auto db, PgConnection::Connect(layout.database_uri, layout.Location()));
  ABIS_RETURN_IF_ERROR(MigratePgSchema(*db, create));
  return std::unique_ptr<Store>(new PgStore(std::move(layout), std::move(db), key));
}

Result<std::unique_ptr<AuditStorage>> PgStore::OpenAuditStorage(const StoreLayout& layout) {
  ABIS_ASSIGN_OR_RETURN(auto db, PgConnection::Connect(layout.database_uri, layout.Location()));
  ABIS_ASSIGN_OR_RETURN(int version, ReadPgSchemaVersion(*db));
  if (version == 0) return Status::NotFound("no store in " + layout.Location());
  return std::unique_ptr<AuditStorage>(new SqlAuditStorage(std::move(db), kAuditPageRows));
}

Result<int> PgStore::SchemaVersion() { return ReadPgSchemaVersion(*pg_); }

}  // namespace abis
