#include "sqlite/database.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace abis {
namespace {

// One writer lock per database file in this process (see Database::writer_lock_).
std::shared_ptr<std::mutex> WriterLockFor(const std::filesystem::path& file) {
  static std::mutex registry_mutex;
  static std::map<std::filesystem::path, std::weak_ptr<std::mutex>> registry;
  std::error_code error;
  std::filesystem::path key = std::filesystem::weakly_canonical(file, error);
  if (error) key = std::filesystem::absolute(file);
  std::lock_guard lock(registry_mutex);
  std::erase_if(registry, [](const auto& item) { return item.second.expired(); });
  std::shared_ptr<std::mutex> found = registry[key].lock();
  if (!found) {
    found = std::make_shared<std::mutex>();
    registry[key] = found;
  }
  return found;
}

std::string Abbreviated(std::string_view sql) {
  constexpr std::size_t kMax = 80;
  std::string text(sql.substr(0, kMax));
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  return sql.size() > kMax ? text + "..." : text;
}

Status SqliteError(sqlite3* db, int code, std::string_view what) {
  std::string message = std::string(what) + ": " + sqlite3_errstr(code);
  if (db != nullptr && sqlite3_errcode(db) == code) message += " (" + std::string(sqlite3_errmsg(db)) + ")";
  int primary = code & 0xff;
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return Status::DataLoss(message);
  if (primary == SQLITE_CONSTRAINT) return Status::FailedPrecondition(message);
  if (primary == SQLITE_FULL) return Status::ResourceExhausted(message);
  return Status::IoError(message);
}

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(const std::filesystem::path& file, bool create) {
  if (!create && !std::filesystem::exists(file)) {
    return Status::NotFound("no store database at " + file.string());
  }
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int code = sqlite3_open_v2(file.c_str(), &db, flags, nullptr);
  if (code != SQLITE_OK) {
    Status status = SqliteError(db, code, "opening " + file.string());
    sqlite3_close(db);
    return status;
  }
  std::unique_ptr<Database> database(new Database(db, file));
  sqlite3_busy_timeout(db, 10000);
  sqlite3_extended_result_codes(db, 1);
  // WAL for crash safety with concurrent readers; synchronous=FULL so a reported commit survives
  // power loss; secure_delete so deleted biometric records are overwritten, not left in free pages.
  // temp_store=MEMORY keeps statement and savepoint journals (the undo of one statement or one
  // person inside a batch transaction) in memory: on a file they cost a write of every page a
  // person touches (21 per person in the batch import), and they serve no crash recovery.
  Status status = database->Execute(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
      " PRAGMA secure_delete=ON; PRAGMA temp_store=MEMORY;");
  if (!status.ok()) return status.WithContext("configuring " + file.string());
  return database;
}

Database::Database(sqlite3* db, std::filesystem::path path)
    : db_(db), path_(std::move(path)), writer_lock_(WriterLockFor(path_)) {}

Database::~Database() { sqlite3_close_v2(db_); }

Status Database::Execute(std::string_view sql) {
  char* error = nullptr;
  std::string text(sql);
  int code = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (code != SQLITE_OK) {
    std::string message = error != nullptr ? error : sqlite3_errstr(code);
    sqlite3_free(error);
    return SqliteError(nullptr, code, "executing '" + Abbreviated(sql) + "': " + message);
  }
  return Status::Ok();
}

Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  int code = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &statement, nullptr);
  if (code != SQLITE_OK) return SqliteError(db_, code, "preparing '" + Abbreviated(sql) + "'");
  return Statement(statement, db_);
}

std::int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int Database::Changes() const { return sqlite3_changes(db_); }

// Ends the transaction it opened on every way out of the scope, exceptions included: a body that
// throws is rolled back like one that returns an error. A ROLLBACK that fails leaves the
// connection in a state nobody knows, so it is marked broken (see Database::Healthy).
class Database::TransactionScope {
 public:
  explicit TransactionScope(Database& db) : db_(db) { db_.transaction_depth_ = 1; }
  TransactionScope(const TransactionScope&) = delete;
  TransactionScope& operator=(const TransactionScope&) = delete;
  ~TransactionScope() {
    db_.transaction_depth_ = 0;
    if (!ended_) Rollback();
  }
  // COMMIT; on failure the transaction is rolled back and the error returned.
  Status Commit() {
    db_.transaction_depth_ = 0;
    ended_ = true;
    Status commit = db_.Execute("COMMIT");
    if (!commit.ok()) Rollback();
    return commit;
  }
  void Rollback() {
    db_.transaction_depth_ = 0;
    ended_ = true;
    if (sqlite3_get_autocommit(db_.db_) != 0) return;  // SQLite already rolled back (e.g. after SQLITE_FULL)
    if (!db_.Execute("ROLLBACK").ok() || sqlite3_get_autocommit(db_.db_) == 0) db_.broken_ = true;
  }

 private:
  Database& db_;
  bool ended_ = false;
};

Status Database::Transaction(const std::function<Status()>& body) {
  if (broken_) return BrokenStatus();
  if (transaction_depth_ > 0) {
    ++transaction_depth_;
    struct Leave {
      int& depth;
      ~Leave() { depth = depth > 0 ? depth - 1 : 0; }
    } leave{transaction_depth_};
    return body();
  }
  // Writer locks this thread holds: a second write transaction on another connection to the same
  // file from the same thread would wait for itself forever.
  thread_local std::vector<const std::mutex*> held_by_this_thread;
  if (std::find(held_by_this_thread.begin(), held_by_this_thread.end(), writer_lock_.get()) !=
      held_by_this_thread.end()) {
    return Status::FailedPrecondition("this thread already has a write transaction open on " + path_.string() +
                                      " through another connection");
  }
  std::lock_guard writer(*writer_lock_);
  held_by_this_thread.push_back(writer_lock_.get());
  struct Release {
    std::vector<const std::mutex*>& held;
    ~Release() { held.pop_back(); }
  } release{held_by_this_thread};
  ABIS_RETURN_IF_ERROR(Execute("BEGIN IMMEDIATE"));
  TransactionScope scope(*this);
  Status status = body();
  if (!status.ok()) {
    scope.Rollback();
    return status;
  }
  return scope.Commit();
}

Status Database::ReadTransaction(const std::function<Status()>& body) {
  if (broken_) return BrokenStatus();
  if (transaction_depth_ > 0) return body();
  ABIS_RETURN_IF_ERROR(Execute("BEGIN DEFERRED"));
  TransactionScope scope(*this);
  Status status = body();
  if (!status.ok()) {
    scope.Rollback();
    return status;
  }
  return scope.Commit();
}

Status Database::Savepoint(const std::function<Status()>& body) {
  if (broken_) return BrokenStatus();
  if (transaction_depth_ == 0) return Status::FailedPrecondition("a savepoint needs an open write transaction");
  if (sqlite3_get_autocommit(db_) != 0) {
    // Inside Transaction() but SQLite already rolled the whole transaction back (e.g. after an
    // I/O error): the caller's transaction has ended, not this person's part of it.
    return Status::IoError("SQLite rolled back the whole transaction of " + path_.string());
  }
  ABIS_RETURN_IF_ERROR(Execute("SAVEPOINT person"));
  // Rolls back to the savepoint on every way out but success (exceptions included).
  struct Scope {
    Database& db;
    bool released = false;
    Status Undo() {
      released = true;
      if (sqlite3_get_autocommit(db.db_) != 0) {
        return Status::IoError("SQLite rolled back the whole transaction of " + db.path_.string());
      }
      Status undone = db.Execute("ROLLBACK TO person");
      if (undone.ok()) undone = db.Execute("RELEASE person");
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
  return Execute("RELEASE person");
}

bool Database::Healthy() const { return !broken_ && transaction_depth_ == 0 && sqlite3_get_autocommit(db_) != 0; }

Status Database::BrokenStatus() const {
  return Status::FailedPrecondition("the connection to " + path_.string() +
                                    " could not end a transaction and must be closed");
}

Statement::Statement(Statement&& other) noexcept
    : statement_(other.statement_), db_(other.db_), bind_error_(other.bind_error_) {
  other.statement_ = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(statement_);
    statement_ = other.statement_;
    db_ = other.db_;
    bind_error_ = other.bind_error_;
    other.statement_ = nullptr;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(statement_); }

Statement& Statement::Bind(int index, std::int64_t value) {
  int code = sqlite3_bind_int64(statement_, index, value);
  if (code != SQLITE_OK) bind_error_ = code;
  return *this;
}

Statement& Statement::Bind(int index, double value) {
  int code = sqlite3_bind_double(statement_, index, value);
  if (code != SQLITE_OK) bind_error_ = code;
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  int code = sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (code != SQLITE_OK) bind_error_ = code;
  return *this;
}

Statement& Statement::BindBlob(int index, std::span<const std::uint8_t> blob) {
  static const std::uint8_t kEmpty = 0;
  const void* data = blob.empty() ? &kEmpty : blob.data();
  int code = sqlite3_bind_blob64(statement_, index, data, blob.size(), SQLITE_TRANSIENT);
  if (code != SQLITE_OK) bind_error_ = code;
  return *this;
}

Statement& Statement::BindNull(int index) {
  int code = sqlite3_bind_null(statement_, index);
  if (code != SQLITE_OK) bind_error_ = code;
  return *this;
}

Statement& Statement::Bind(int index, const std::optional<std::string>& text) {
  return text ? Bind(index, std::string_view(*text)) : BindNull(index);
}

Status Statement::ErrorStatus(std::string_view what) const {
  const char* sql = sqlite3_sql(statement_);
  return SqliteError(db_, bind_error_ != SQLITE_OK ? bind_error_ : sqlite3_errcode(db_),
                     std::string(what) + " '" + Abbreviated(sql != nullptr ? sql : "") + "'");
}

Result<bool> Statement::Step() {
  if (bind_error_ != SQLITE_OK) return ErrorStatus("binding parameters of");
  int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  return SqliteError(db_, code, "running '" + Abbreviated(sqlite3_sql(statement_)) + "'");
}

Status Statement::Run() {
  while (true) {
    auto row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
  }
}

void Statement::Reset() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
  bind_error_ = SQLITE_OK;
}

std::int64_t Statement::ColumnInt(int column) const { return sqlite3_column_int64(statement_, column); }

double Statement::ColumnDouble(int column) const { return sqlite3_column_double(statement_, column); }

std::string Statement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(statement_, column);
  int size = sqlite3_column_bytes(statement_, column);
  return text == nullptr ? std::string()
                         : std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

std::optional<std::string> Statement::ColumnOptionalText(int column) const {
  if (ColumnIsNull(column)) return std::nullopt;
  return ColumnText(column);
}

std::vector<std::uint8_t> Statement::ColumnBlob(int column) const {
  const void* blob = sqlite3_column_blob(statement_, column);
  int size = sqlite3_column_bytes(statement_, column);
  if (blob == nullptr || size <= 0) return {};
  const auto* bytes = static_cast<const std::uint8_t*>(blob);
  return std::vector<std::uint8_t>(bytes, bytes + size);
}

bool Statement::ColumnIsNull(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }

}  // namespace abis
