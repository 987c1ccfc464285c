// A thin RAII wrapper over one SQLite connection: prepared statements with typed binding, and
// transactions. Every error becomes a Status naming the SQL that failed.
// Thread-safety: a Database is used by one thread at a time (open one per thread).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abis/core/status.h"

namespace abis {

class Statement;

class Database {
 public:
  // Opens (creating if `create`) the SQLite file with WAL, foreign keys, secure_delete and a busy
  // timeout. A missing file without `create` is kNotFound.
  static Result<std::unique_ptr<Database>> Open(const std::filesystem::path& file, bool create);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements with no results.
  Status Execute(std::string_view sql);
  // Compiles one statement. The Database must outlive it.
  Result<Statement> Prepare(std::string_view sql);
  std::int64_t LastInsertRowId() const;
  int Changes() const;

  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT; rolls back when it returns an error or throws
  // (the exception then propagates): the transaction ends on every path. Nested calls join the
  // outer transaction (they do not commit by themselves).
  // REQUIRES: the calling thread has no write transaction open on another connection to the
  // same file (that is kFailedPrecondition, see writer_lock_).
  Status Transaction(const std::function<Status()>& body);
  bool InTransaction() const { return transaction_depth_ > 0; }
  // Inside Transaction: runs `body` under a SAVEPOINT. When it returns an error or throws, exactly
  // its changes are rolled back and the transaction stays open; should SQLite have ended the whole
  // transaction (e.g. after SQLITE_FULL), the error is kIoError and the connection is unusable for
  // the rest of the transaction (Transaction then returns that error). Outside a transaction:
  // kFailedPrecondition.
  Status Savepoint(const std::function<Status()>& body);
  // Runs `body` inside a deferred (read) transaction: every read sees one snapshot of the
  // database (WAL), and writers are not blocked. Inside another transaction it just runs `body`.
  // Ends on every path, as Transaction does.
  Status ReadTransaction(const std::function<Status()>& body);
  // False when the connection's state is not known to be clean: a transaction is open outside
  // Transaction/ReadTransaction (e.g. a raw BEGIN) or a ROLLBACK failed. A pool must then close
  // the connection instead of handing it to the next caller; Transaction refuses to run on it.
  bool Healthy() const;

  sqlite3* handle() const { return db_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  class TransactionScope;
  Database(sqlite3* db, std::filesystem::path path);
  Status BrokenStatus() const;
  sqlite3* db_;
  std::filesystem::path path_;
  int transaction_depth_ = 0;
  bool broken_ = false;  // a ROLLBACK failed: the connection must not be used for transactions
  // Shared by every connection of this process to the same file: write transactions of one
  // process wait here, woken as soon as the writer before them commits, instead of in SQLite's
  // busy handler, whose back-off sleeps put hundreds of milliseconds on the tail latency under
  // load. Other processes still meet SQLite's lock and the busy timeout. A thread that opens a
  // write transaction on a second connection to the same file while it has one open gets
  // kFailedPrecondition (it would otherwise wait for itself).
  std::shared_ptr<std::mutex> writer_lock_;
};

// A prepared statement. Bind parameters by 1-based index, Step(), read columns by 0-based index.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  Statement& Bind(int index, std::int64_t value);
  Statement& Bind(int index, int value) { return Bind(index, static_cast<std::int64_t>(value)); }
  Statement& Bind(int index, double value);
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  Statement& Bind(int index, const std::string& text) { return Bind(index, std::string_view(text)); }
  Statement& BindBlob(int index, std::span<const std::uint8_t> blob);
  Statement& BindNull(int index);
  Statement& Bind(int index, const std::optional<std::string>& text);

  // Advances: true when a row is available, false when done. Errors (including a bind error
  // recorded earlier) come back as a Status.
  Result<bool> Step();
  // Step() until done, for statements without rows.
  Status Run();
  void Reset();

  std::int64_t ColumnInt(int column) const;
  double ColumnDouble(int column) const;
  std::string ColumnText(int column) const;
  std::optional<std::string> ColumnOptionalText(int column) const;
  std::vector<std::uint8_t> ColumnBlob(int column) const;
  bool ColumnIsNull(int column) const;

 private:
  friend class Database;
  Statement(sqlite3_stmt* statement, sqlite3* db) : statement_(statement), db_(db) {}
  Status ErrorStatus(std::string_view what) const;
  sqlite3_stmt* statement_ = nullptr;
  sqlite3* db_ = nullptr;
  int bind_error_ = SQLITE_OK;
};

}  // namespace abis
