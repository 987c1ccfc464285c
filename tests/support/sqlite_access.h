// White-box access to the SQLite back end of a store, for tests that inspect or tamper with the
// database as someone with access to the file would. Link abis_store_sqlite_internals.
#pragma once

#include "abis/store/store.h"
#include "sqlite/sqlite_store.h"

namespace abis {

inline Database& RawDatabase(Store& store) { return static_cast<SqliteStore&>(store).db(); }

}  // namespace abis
