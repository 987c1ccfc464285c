#include "pg/pg_connection.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <vector>

namespace abis {
namespace {

constexpr unsigned int kInt8Oid = 20;
constexpr unsigned int kFloat8Oid = 701;
constexpr unsigned int kByteaOid = 17;

std::string Abbreviated(std::string_view sql) {
  constexpr std::size_t kMax = 80;
  std::string text(sql.substr(0, kMax));
  std::replace(text.begin(), text.end(), '\n', ' ');
  return sql.size() > kMax ? text + "..." : text;
}

// One in-process writer lock per database URI (see PgConnection::writer_lock_).
std::shared_ptr<std::mutex> WriterLockFor(const std::string& uri) {
  static std::mutex registry_mutex;
  static std::map<std::string, std::weak_ptr<std::mutex>> registry;
  std::lock_guard lock(registry_mutex);
  std::erase_if(registry, [](const auto& item) { return item.second.expired(); });
  std::shared_ptr<std::mutex> found = registry[uri].lock();
  if (!found) {
    found = std::make_shared<std::mutex>();
    registry[uri] = found;
  }
  return found;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class PgStatementBackend final : public SqlStatementBackend {
 public:
  PgStatementBackend(PgConnection& connection, std::string sql) : connection_(connection), sql_(std::move(sql)) {}

  void BindInt(int index, std::int64_t value) override { Set(index, std::to_string(value), kInt8Oid, 0); }
  void BindDouble(int index, double value) override {
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", value);
    Set(index, text, kFloat8Oid, 0);
  }
  void BindText(int index, std::string_view text) override {
    if (text.find('\0') != std::string_view::npos) {
      bind_error_ = "text parameter " + std::to_string(index) + " holds a NUL byte, which PostgreSQL text cannot";
      return;
    }
    Set(index, std::string(text), 0, 0);
  }
  void BindBlob(int index, std::span<const std::uint8_t> blob) override {
    Set(index, std::string(blob.begin(), blob.end()), kByteaOid, 1);
  }
  void BindNull(int index) override {
    if (!Slot(index)) return;
    values_[index - 1].reset();
    types_[index - 1] = 0;
    formats_[index - 1] = 0;
  }

  Result<bool> Step() override {
    if (!bind_error_.empty()) return Status::InvalidArgument(bind_error_ + " in '" + Abbreviated(sql_) + "'");
    if (!result_) {
      std::vector<const char*> values(values_.size());
      std::vector<int> lengths(values_.size());
      for (std::size_t i = 0; i < values_.size(); ++i) {
        values[i] = values_[i] ? values_[i]->data() : nullptr;
        lengths[i] = values_[i] ? static_cast<int>(values_[i]->size()) : 0;
      }
      ABIS_ASSIGN_OR_RETURN(result_, connection_.Run(sql_, static_cast<int>(values_.size()), types_.data(),
                                                     values.data(), lengths.data(), formats_.data()));
      rows_ = PQntuples(result_.get());
      row_ = -1;
    }
    if (row_ < rows_) ++row_;
    return row_ < rows_;
  }

  void Reset() override {
    result_.reset();
    values_.clear();
    types_.clear();
    formats_.clear();
    bind_error_.clear();
    rows_ = 0;
    row_ = -1;
  }

  std::int64_t ColumnInt(int column) const override {
    const char* text = Value(column);
    return text != nullptr ? std::strtoll(text, nullptr, 10) : 0;
  }
  double ColumnDouble(int column) const override {
    const char* text = Value(column);
    return text != nullptr ? std::strtod(text, nullptr) : 0.0;
  }
  std::string ColumnText(int column) const override {
    const char* text = Value(column);
    if (text == nullptr) return {};
    return std::string(text, static_cast<std::size_t>(PQgetlength(result_.get(), row_, column)));
  }
  std::vector<std::uint8_t> ColumnBlob(int column) const override {
    // bytea in text results: "\x" then two hex digits per byte (bytea_output = hex, set at connect).
    const std::string text = ColumnText(column);
    std::vector<std::uint8_t> out;
    if (text.size() < 2 || text[0] != '\\' || text[1] != 'x') return out;
    out.reserve((text.size() - 2) / 2);
    for (std::size_t i = 2; i + 1 < text.size(); i += 2) {
      const int high = HexValue(text[i]);
      const int low = HexValue(text[i + 1]);
      if (high < 0 || low < 0) return {};
      out.push_back(static_cast<std::uint8_t>(high * 16 + low));
    }
    return out;
  }
  bool ColumnIsNull(int column) const override {
    return !InRange(column) || PQgetisnull(result_.get(), row_, column) != 0;
  }

 private:
  bool Slot(int index) {
    if (index < 1 || index > 65535) {
      bind_error_ = "parameter index " + std::to_string(index) + " out of range";
      return false;
    }
    const auto size = static_cast<std::size_t>(index);
    if (values_.size() < size) {
      values_.resize(size);
      types_.resize(size, 0);
      formats_.resize(size, 0);
    }
    return true;
  }
  void Set(int index, std::string value, unsigned int type, int format) {
    if (!Slot(index)) return;
    values_[index - 1] = std::move(value);
    types_[index - 1] = type;
    formats_[index - 1] = format;
  }
  bool InRange(int column) const {
    return result_ && row_ >= 0 && row_ < rows_ && column >= 0 && column < PQnfields(result_.get());
  }
  const char* Value(int column) const {
    if (!InRange(column) || PQgetisnull(result_.get(), row_, column) != 0) return nullptr;
    return PQgetvalue(result_.get(), row_, column);
  }

  PgConnection& connection_;
  std::string sql_;
  std::vector<std::optional<std::string>> values_;
  std::vector<unsigned int> types_;
  std::vector<int> formats_;
  std::string bind_error_;
  PgConnection::ResultPtr result_;
  int rows_ = 0;
  int row_ = -1;
};

}  // namespace

std::string TranslatePlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 0;
  char quote = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      out += c;
      if (c == quote) quote = 0;  // a doubled quote reopens at the next character
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out += c;
      continue;
    }
    if (c != '?') {
      out += c;
      continue;
    }
    std::size_t digits = i + 1;
    while (digits < sql.size() && sql[digits] >= '0' && sql[digits] <= '9') ++digits;
    out += '$';
    if (digits > i + 1) {
      out.append(sql.substr(i + 1, digits - i - 1));
      i = digits - 1;
    } else {
      out += std::to_string(++next);
    }
  }
  return out;
}

PgConnection::PgConnection(PGconn* conn, std::string location, std::shared_ptr<std::mutex> writer_lock)
    : conn_(conn), location_(std::move(location)), writer_lock_(std::move(writer_lock)) {}

PgConnection::~PgConnection() { PQfinish(conn_); }

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& uri, const std::string& location) {
  // Defaults first: the URI's own parameters override them (expand_dbname).
  const char* keywords[] = {"connect_timeout", "application_name", "client_encoding", "dbname", nullptr};
  const char* values[] = {"10", "abis", "UTF8", uri.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) return Status::ResourceExhausted("no memory to connect to " + location);
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string reason = PQerrorMessage(conn);
    PQfinish(conn);
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    return Status::IoError("cannot connect to the PostgreSQL store " + location + ": " + reason);
  }
  std::unique_ptr<PgConnection> connection(new PgConnection(conn, location, WriterLockFor(uri)));
  ABIS_RETURN_IF_ERROR(connection
                           ->Execute("SET bytea_output = 'hex'; SET extra_float_digits = 3; SET lock_timeout = '30s'; "
                                     "SET client_min_messages = 'warning'")
                           .WithContext("configuring the connection to " + location));
  return connection;
}

Status PgConnection::ErrorOf(const PGresult* result, std::string_view sql) const {
  std::string message = result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn_);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state != nullptr ? state : "";
  message = "running '" + Abbreviated(sql) + "' on " + location_ + ": " + message;
  if (PQstatus(conn_) != CONNECTION_OK) return Status::IoError(message + " (connection lost)");
  if (sqlstate.starts_with("23")) return Status::FailedPrecondition(message);  // integrity constraint
  if (sqlstate.starts_with("53")) return Status::ResourceExhausted(message);   // insufficient resources
  if (sqlstate == "XX001" || sqlstate == "XX002") return Status::DataLoss(message);
  return Status::IoError(message);
}

Result<PgConnection::ResultPtr> PgConnection::Run(const std::string& sql, int count, const unsigned int* types,
                                                  const char* const* values, const int* lengths, const int* formats) {
  ResultPtr result(PQexecParams(conn_, sql.c_str(), count, types, values, lengths, formats, /*resultFormat=*/0));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return ErrorOf(result.get(), sql);
  const std::string_view command = PQcmdStatus(result.get());
  if (command.starts_with("INSERT") || command.starts_with("UPDATE") || command.starts_with("DELETE")) {
    changes_ = std::atoi(PQcmdTuples(result.get()));
  }
  return result;
}

Status PgConnection::Execute(std::string_view sql) {
  const std::string text(sql);
  ResultPtr result(PQexec(conn_, text.c_str()));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return ErrorOf(result.get(), sql);
  return Status::Ok();
}

Result<SqlStatement> PgConnection::Prepare(std::string_view sql) {
  return SqlStatement(std::make_unique<PgStatementBackend>(*this, TranslatePlaceholders(sql)));
}

std::string PgConnection::HexPrefixExpression(std::string_view column, int bytes) const {
  return "upper(encode(substring(" + std::string(column) + " from 1 for " + std::to_string(bytes) + "), 'hex'))";
}

// Ends the transaction it opened on every way out of the scope, exceptions included. A ROLLBACK
// that fails leaves the connection in a state nobody knows: it is marked broken (Healthy()).
class PgConnection::TransactionScope {
 public:
  explicit TransactionScope(PgConnection& db) : db_(db) { db_.depth_ = 1; }
  TransactionScope(const TransactionScope&) = delete;
  TransactionScope& operator=(const TransactionScope&) = delete;
  ~TransactionScope() {
    db_.depth_ = 0;
    if (!ended_) Rollback();
  }
  Status Commit() {
    db_.depth_ = 0;
    ended_ = true;
    if (PQtransactionStatus(db_.conn_) == PQTRANS_INERROR) {
      Rollback();
      return Status::IoError("a statement of the transaction on " + db_.location_ +
                             " failed, so PostgreSQL aborted it: rolled back");
    }
    ResultPtr result(PQexec(db_.conn_, "COMMIT"));
    const bool committed = result && PQresultStatus(result.get()) == PGRES_COMMAND_OK &&
                           std::string_view(PQcmdStatus(result.get())) == "COMMIT";
    if (!committed) {
      Status error = db_.ErrorOf(result.get(), "COMMIT");
      Rollback();
      return error;
    }
    return Status::Ok();
  }
  void Rollback() {
    db_.depth_ = 0;
    ended_ = true;
    if (PQtransactionStatus(db_.conn_) == PQTRANS_IDLE) return;
    if (!db_.Execute("ROLLBACK").ok() || PQtransactionStatus(db_.conn_) != PQTRANS_IDLE) db_.broken_ = true;
  }

 private:
  PgConnection& db_;
  bool ended_ = false;
};

Status PgConnection::Begin(std::string_view sql, const std::function<Status()>& body) {
  ABIS_RETURN_IF_ERROR(Execute(sql));
  TransactionScope scope(*this);
  Status status = body();
  if (!status.ok()) {
    scope.Rollback();
    return status;
  }
  return scope.Commit();
}

Status PgConnection::Transaction(const std::function<Status()>& body) {
  if (broken_) return BrokenStatus();
  if (depth_ > 0) {
    ++depth_;
    struct Leave {
      int& depth;
      ~Leave() { depth = depth > 0 ? depth - 1 : 0; }
    } leave{depth_};
    return body();
  }
  // A second write transaction on another connection to the same database from this thread would
  // wait for itself forever.
  thread_local std::vector<const std::mutex*> held_by_this_thread;
  if (std::find(held_by_this_thread.begin(), held_by_this_thread.end(), writer_lock_.get()) !=
      held_by_this_thread.end()) {
    return Status::FailedPrecondition("this thread already has a write transaction open on " + location_ +
                                      " through another connection");
  }
  std::lock_guard writer(*writer_lock_);
  held_by_this_thread.push_back(writer_lock_.get());
  struct Release {
    std::vector<const std::mutex*>& held;
    ~Release() { held.pop_back(); }
  } release{held_by_this_thread};
  return Begin(
      "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(" + std::to_string(kWriterLockKey) + ")",
      body);
}

Status PgConnection::ReadTransaction(const std::function<Status()>& body) {
  if (broken_) return BrokenStatus();
  if (depth_ > 0) return body();
  return Begin("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", body);
}

Status PgConnection::Savepoint(const std::function<Status()>& body) {
  if (broken_) return BrokenStatus();
  if (depth_ == 0) return Status::FailedPrecondition("a savepoint needs an open write transaction");
  const PGTransactionStatusType state = PQtransactionStatus(conn_);
  if (state != PQTRANS_INTRANS) {
    return Status::IoError("the transaction on " + location_ +
                           (state == PQTRANS_INERROR ? " failed earlier and PostgreSQL aborted it" : " has ended"));
  }
  ABIS_RETURN_IF_ERROR(Execute("SAVEPOINT person"));
  // Rolls back to the savepoint on every way out but success (exceptions included).
  struct Scope {
    PgConnection& db;
    bool released = false;
    Status Undo() {
      released = true;
      if (PQtransactionStatus(db.conn_) == PQTRANS_IDLE) {
        return Status::IoError("the transaction on " + db.location_ + " has ended");
      }
      Status undone = db.Execute("ROLLBACK TO SAVEPOINT person; RELEASE SAVEPOINT person");
      if (!undone.ok()) db.broken_ = true;
      return undone;
    }
    ~Scope() {
      if (!released) (void)Undo();
    }
  } scope{*this};
  Status status = body();
  if (!status.ok()) {
    Status undone = scope.Undo();
    if (!undone.ok()) return undone.WithContext(status.ToString());
    return status;
  }
  scope.released = true;
  if (PQtransactionStatus(conn_) == PQTRANS_INERROR) {
    // A statement failed and the body went on: undo its part, as for an error.
    Status undone = scope.Undo();
    if (!undone.ok()) return undone;
    return Status::IoError("a statement failed inside the savepoint on " + location_ + ": its changes were undone");
  }
  return Execute("RELEASE SAVEPOINT person");
}

bool PgConnection::Healthy() const {
  return !broken_ && depth_ == 0 && PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

Status PgConnection::BrokenStatus() const {
  return Status::FailedPrecondition("the connection to " + location_ +
                                    " could not end a transaction and must be closed");
}

}  // namespace abis
