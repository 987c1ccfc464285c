// White-box access to the back ends of a store, for tests that inspect or tamper with the database
// as someone with access to it would. Link abis_store_sqlite_internals.
#pragma once

#include "abis/store/store.h"
#include "sql/sql_store.h"
#include "sqlite/sqlite_store.h"

namespace abis {

// The SQLite connection of a store created on a folder.
inline Database& RawDatabase(Store& store) { return static_cast<SqliteStore&>(store).db(); }

// The SQL connection of a store on either back end (statements with `?` placeholders).
inline SqlConnection& RawSql(Store& store) { return static_cast<SqlStore&>(store).connection(); }

}  // namespace abis
