// The SQLite connection behind the shared SQL code (sql/sql_connection.h): an adapter over
// Database (sqlite/database.h), which keeps every SQLite setting and transaction rule.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "sql/sql_connection.h"
#include "sqlite/database.h"

namespace abis {

class SqliteConnection final : public SqlConnection {
 public:
  explicit SqliteConnection(std::unique_ptr<Database> db) : db_(std::move(db)) {}

  Database& database() { return *db_; }

  Status Execute(std::string_view sql) override { return db_->Execute(sql); }
  Result<SqlStatement> Prepare(std::string_view sql) override;
  int Changes() const override { return db_->Changes(); }
  Status Transaction(const std::function<Status()>& body) override { return db_->Transaction(body); }
  Status ReadTransaction(const std::function<Status()>& body) override { return db_->ReadTransaction(body); }
  Status Savepoint(const std::function<Status()>& body) override { return db_->Savepoint(body); }
  bool InTransaction() const override { return db_->InTransaction(); }
  bool Healthy() const override { return db_->Healthy(); }
  std::string HexPrefixExpression(std::string_view column, int bytes) const override;

 private:
  std::unique_ptr<Database> db_;
};

}  // namespace abis
