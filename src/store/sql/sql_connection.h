// What the store's shared SQL code (src/store/sql/) needs of a database connection, implemented by
// the SQLite back end (sqlite/sqlite_connection.h) and the PostgreSQL one (pg/pg_connection.h):
// prepared statements with typed binding, transactions, savepoints, and the few expressions whose
// spelling differs between the two dialects. Statements use `?` (or `?N`) placeholders; a back end
// whose database spells them otherwise translates. Every error is a Status naming the SQL.
// Thread-safety: a connection and its statements are used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abis/core/status.h"

namespace abis {

// One back end's prepared statement (see SqlStatement for the contract of each call).
class SqlStatementBackend {
 public:
  virtual ~SqlStatementBackend() = default;
  virtual void BindInt(int index, std::int64_t value) = 0;
  virtual void BindDouble(int index, double value) = 0;
  virtual void BindText(int index, std::string_view text) = 0;
  virtual void BindBlob(int index, std::span<const std::uint8_t> blob) = 0;
  virtual void BindNull(int index) = 0;
  virtual Result<bool> Step() = 0;
  virtual void Reset() = 0;
  virtual std::int64_t ColumnInt(int column) const = 0;
  virtual double ColumnDouble(int column) const = 0;
  virtual std::string ColumnText(int column) const = 0;
  virtual std::vector<std::uint8_t> ColumnBlob(int column) const = 0;
  virtual bool ColumnIsNull(int column) const = 0;
};

// A prepared statement. Bind parameters by 1-based index, Step(), read columns by 0-based index.
// A bind error is kept and returned by the next Step().
class SqlStatement {
 public:
  explicit SqlStatement(std::unique_ptr<SqlStatementBackend> backend) : backend_(std::move(backend)) {}

  SqlStatement& Bind(int index, std::int64_t value) {
    backend_->BindInt(index, value);
    return *this;
  }
  SqlStatement& Bind(int index, int value) { return Bind(index, static_cast<std::int64_t>(value)); }
  SqlStatement& Bind(int index, double value) {
    backend_->BindDouble(index, value);
    return *this;
  }
  SqlStatement& Bind(int index, std::string_view text) {
    backend_->BindText(index, text);
    return *this;
  }
  SqlStatement& Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  SqlStatement& Bind(int index, const std::string& text) { return Bind(index, std::string_view(text)); }
  SqlStatement& Bind(int index, const std::optional<std::string>& text) {
    return text ? Bind(index, std::string_view(*text)) : BindNull(index);
  }
  SqlStatement& BindBlob(int index, std::span<const std::uint8_t> blob) {
    backend_->BindBlob(index, blob);
    return *this;
  }
  SqlStatement& BindNull(int index) {
    backend_->BindNull(index);
    return *this;
  }

  // Advances: true when a row is available, false when done.
  Result<bool> Step() { return backend_->Step(); }
  // Step() until done, for statements without rows.
  Status Run() {
    while (true) {
      ABIS_ASSIGN_OR_RETURN(bool row, Step());
      if (!row) return Status::Ok();
    }
  }
  // For an INSERT ... RETURNING id: runs it and returns the id of the inserted row.
  Result<std::int64_t> RunReturningId() {
    ABIS_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Internal("an INSERT ... RETURNING id returned no row");
    const std::int64_t id = ColumnInt(0);
    ABIS_RETURN_IF_ERROR(Run());
    return id;
  }
  // Clears the bindings and rewinds, to run the statement again.
  void Reset() { backend_->Reset(); }

  std::int64_t ColumnInt(int column) const { return backend_->ColumnInt(column); }
  double ColumnDouble(int column) const { return backend_->ColumnDouble(column); }
  std::string ColumnText(int column) const { return backend_->ColumnText(column); }
  std::optional<std::string> ColumnOptionalText(int column) const {
    if (ColumnIsNull(column)) return std::nullopt;
    return ColumnText(column);
  }
  std::vector<std::uint8_t> ColumnBlob(int column) const { return backend_->ColumnBlob(column); }
  bool ColumnIsNull(int column) const { return backend_->ColumnIsNull(column); }

 private:
  std::unique_ptr<SqlStatementBackend> backend_;
};

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;

  // Runs one or more statements with no results and no parameters.
  virtual Status Execute(std::string_view sql) = 0;
  // Compiles one statement. The connection must outlive it.
  virtual Result<SqlStatement> Prepare(std::string_view sql) = 0;
  // Rows changed by the last INSERT, UPDATE or DELETE that completed (not counting triggers).
  virtual int Changes() const = 0;

  // Runs `body` in a write transaction that excludes every other writer of the store (SQLite:
  // BEGIN IMMEDIATE; PostgreSQL: an advisory lock taken at BEGIN); commits when it returns Ok,
  // rolls back otherwise or when it throws: the transaction ends on every path. Nested calls join.
  virtual Status Transaction(const std::function<Status()>& body) = 0;
  // Runs `body` in a read transaction: one snapshot, writers not blocked. Inside another
  // transaction it just runs `body`.
  virtual Status ReadTransaction(const std::function<Status()>& body) = 0;
  // Inside Transaction: runs `body` under a savepoint; an error undoes exactly its changes and the
  // transaction goes on. See Store::Savepoint.
  virtual Status Savepoint(const std::function<Status()>& body) = 0;
  virtual bool InTransaction() const = 0;
  virtual bool Healthy() const = 0;

  // Dialect: an expression giving the first `bytes` bytes of the blob `column` in upper-case hex.
  virtual std::string HexPrefixExpression(std::string_view column, int bytes) const = 0;
};

}  // namespace abis
