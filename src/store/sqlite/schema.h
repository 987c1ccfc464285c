// The store's SQLite schema and its migrations (docs/STORE_SCHEMA.md). The `schema_version`
// table holds the version; each migration runs in its own transaction, so an interrupted upgrade
// leaves the store at the previous version.
#pragma once

#include "abis/core/status.h"
#include "schema_version.h"
#include "sqlite/database.h"

namespace abis {

// The version recorded in the database; 0 for an empty database.
Result<int> ReadSchemaVersion(Database& db);
// Applies every migration above the recorded version up to `target` (default: current).
// A database newer than this program is kFailedPrecondition (never downgraded).
Status MigrateSchema(Database& db, int target = kCurrentSchemaVersion);

}  // namespace abis
