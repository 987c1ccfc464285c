// One PostgreSQL connection (libpq) behind the shared SQL code (sql/sql_connection.h).
// - Placeholders: `?` and `?N` become `$n`/`$N` (outside quoted text). Integers are sent as int8,
//   doubles as float8, blobs as binary bytea, text with its type left to the server.
// - Write transactions (Transaction) run in READ COMMITTED and take one transaction-level advisory
//   lock at BEGIN (kWriterLockKey): writers of the store are serialised across processes and hosts,
//   as SQLite's BEGIN IMMEDIATE does, so a read-then-write (the audit chain's head, the id
//   counters, an existence check) cannot interleave with another writer's. In-process writers
//   queue on a mutex first. Waiting longer than the lock timeout (30 s) is an error.
// - Read transactions are REPEATABLE READ, READ ONLY: one snapshot.
// - A statement that fails inside a transaction aborts it (PostgreSQL's rule): the transaction
//   then rolls back when it ends, even when its body returned Ok (never a silent half commit).
// Thread-safety: one thread at a time (open one connection per thread).
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "sql/sql_connection.h"

namespace abis {

class PgConnection final : public SqlConnection {
 public:
  // The key of the advisory lock every write transaction holds.
  static constexpr std::int64_t kWriterLockKey = 0x61626973'73746f72;  // "abisstor"

  // Connects to `uri` (a libpq URI or connection string); `location` names it in messages (no
  // password). A refused connection is kIoError with libpq's reason.
  static Result<std::unique_ptr<PgConnection>> Connect(const std::string& uri, const std::string& location);
  ~PgConnection() override;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  Status Execute(std::string_view sql) override;
  Result<SqlStatement> Prepare(std::string_view sql) override;
  int Changes() const override { return changes_; }
  Status Transaction(const std::function<Status()>& body) override;
  Status ReadTransaction(const std::function<Status()>& body) override;
  Status Savepoint(const std::function<Status()>& body) override;
  bool InTransaction() const override { return depth_ > 0; }
  bool Healthy() const override;
  std::string HexPrefixExpression(std::string_view column, int bytes) const override;

  // The server's backend process id (tests).
  int BackendPid() const { return PQbackendPID(conn_); }
  const std::string& location() const { return location_; }

  // For the statements: runs `sql` with parameters; records Changes().
  struct ResultDeleter {
    void operator()(PGresult* result) const { PQclear(result); }
  };
  using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;
  Result<ResultPtr> Run(const std::string& sql, int count, const unsigned int* types, const char* const* values,
                        const int* lengths, const int* formats);

 private:
  class TransactionScope;
  PgConnection(PGconn* conn, std::string location, std::shared_ptr<std::mutex> writer_lock);
  Status Begin(std::string_view sql, const std::function<Status()>& body);
  Status ErrorOf(const PGresult* result, std::string_view sql) const;
  Status BrokenStatus() const;
  PGconn* conn_;
  std::string location_;
  int depth_ = 0;
  int changes_ = 0;
  bool broken_ = false;
  std::shared_ptr<std::mutex> writer_lock_;  // shared by this process's connections to the same URI
};

// `sql` with `?`/`?N` placeholders as PostgreSQL's `$n` (exposed for tests).
std::string TranslatePlaceholders(std::string_view sql);

}  // namespace abis
