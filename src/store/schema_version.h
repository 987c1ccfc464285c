// The store's schema version: one number for both back ends, meaning the same tables and columns
// (docs/STORE_SCHEMA.md). SQLite reaches it through its migrations (sqlite/schema.cc); PostgreSQL
// starts at version 9 (its first) and follows with its own migrations (pg/pg_schema.cc).
#pragma once

namespace abis {

inline constexpr int kCurrentSchemaVersion = 10;

}  // namespace abis
