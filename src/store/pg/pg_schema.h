// The store's PostgreSQL schema (docs/STORE_SCHEMA.md): the same tables and columns as SQLite's
// at the same version number. PostgreSQL's first schema is version 9 (kPgBaseVersion), created in
// one step; later versions are migrations, each in its own write transaction.
#pragma once

#include "abis/core/status.h"
#include "pg/pg_connection.h"
#include "schema_version.h"

namespace abis {

inline constexpr int kPgBaseVersion = 9;

// The version recorded in the database; 0 when it holds no store.
Result<int> ReadPgSchemaVersion(SqlConnection& db);
// Creates the schema in a database without one (`create`), or upgrades an older one; a store newer
// than this program is kFailedPrecondition. With `create`, a database that already holds a store
// is kAlreadyExists.
Status MigratePgSchema(PgConnection& db, bool create);

}  // namespace abis
