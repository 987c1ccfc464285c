#include "sqlite/sqlite_audit_rows.h"

#include <memory>
#include <vector>

#include "abis/store/store.h"
#include "sqlite/schema.h"

namespace abis {
namespace sqlite_audit {
namespace {

constexpr const char* kEntryColumns =
    "seq, time, operator, role, action, purpose, case_ref, object_ids, input_sha256, result, prev_hash, entry_hash";

AuditRow ReadRow(const Statement& statement) {
  AuditRow row;
  row.seq = statement.ColumnInt(0);
  row.time = statement.ColumnText(1);
  row.operator_name = statement.ColumnText(2);
  row.role = statement.ColumnText(3);
  row.action = statement.ColumnText(4);
  row.purpose = statement.ColumnText(5);
  row.case_ref = statement.ColumnText(6);
  row.object_ids = statement.ColumnText(7);
  row.input_sha256 = statement.ColumnText(8);
  row.result = statement.ColumnText(9);
  row.prev_hash = statement.ColumnText(10);
  row.entry_hash = statement.ColumnText(11);
  return row;
}

}  // namespace

Result<AuditHead> ReadHead(Database& db) {
  ABIS_ASSIGN_OR_RETURN(auto head, db.Prepare("SELECT entry_count, last_hash FROM audit_head WHERE id = 1"));
  ABIS_ASSIGN_OR_RETURN(bool row, head.Step());
  if (!row) return Status::NotFound("audit_head row is missing");
  return AuditHead{head.ColumnInt(0), head.ColumnText(1)};
}

Status AppendRow(Database& db, const AuditRow& row, std::span<const std::int64_t> person_ids) {
  ABIS_ASSIGN_OR_RETURN(auto insert, db.Prepare(std::string("INSERT INTO audit_log (") + kEntryColumns +
                                                ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  insert.Bind(1, row.seq)
      .Bind(2, row.time)
      .Bind(3, row.operator_name)
      .Bind(4, row.role)
      .Bind(5, row.action)
      .Bind(6, row.purpose)
      .Bind(7, row.case_ref)
      .Bind(8, row.object_ids)
      .Bind(9, row.input_sha256)
      .Bind(10, row.result)
      .Bind(11, row.prev_hash)
      .Bind(12, row.entry_hash);
  ABIS_RETURN_IF_ERROR(insert.Run());
  ABIS_ASSIGN_OR_RETURN(auto update, db.Prepare("UPDATE audit_head SET entry_count = ?, last_hash = ? WHERE id = 1"));
  update.Bind(1, row.seq).Bind(2, row.entry_hash);
  ABIS_RETURN_IF_ERROR(update.Run());
  if (!person_ids.empty()) {
    ABIS_ASSIGN_OR_RETURN(auto subject,
                          db.Prepare("INSERT OR IGNORE INTO audit_subjects (seq, person_id) VALUES (?, ?)"));
    for (std::int64_t person_id : person_ids) {
      subject.Reset();
      subject.Bind(1, row.seq).Bind(2, person_id);
      ABIS_RETURN_IF_ERROR(subject.Run());
    }
  }
  return Status::Ok();
}

std::string RowsQuery(const AuditRowFilter& filter) {
  std::string sql = std::string("SELECT ") + kEntryColumns + " FROM audit_log";
  std::vector<std::string> conditions;
  // Only the conditions that are set, so that SQLite can use the primary key and the subject
  // index (an OR with a bound parameter would make it scan the whole log).
  if (filter.person_id) conditions.emplace_back("seq IN (SELECT seq FROM audit_subjects WHERE person_id = :person)");
  if (!filter.since.empty()) conditions.emplace_back("time >= :since");
  if (!filter.until.empty()) conditions.emplace_back("time < :until");
  if (!filter.operator_name.empty()) conditions.emplace_back("operator = :operator");
  if (!filter.action.empty()) conditions.emplace_back("action = :action");
  if (!filter.purpose.empty()) conditions.emplace_back("purpose = :purpose");
  if (!filter.case_ref.empty()) conditions.emplace_back("case_ref = :case_ref");
  if (filter.seq) conditions.emplace_back("seq = :seq");
  for (std::size_t i = 0; i < conditions.size(); ++i) sql += (i == 0 ? " WHERE " : " AND ") + conditions[i];
  return sql + " ORDER BY seq";
}

Status ForEachRow(Database& db, const AuditRowFilter& filter, const std::function<Status(const AuditRow&)>& visit) {
  ABIS_ASSIGN_OR_RETURN(auto query, db.Prepare(RowsQuery(filter)));
  // Parameters are numbered in the order they appear in the SQL, as RowsQuery adds them.
  int index = 0;
  if (filter.person_id) query.Bind(++index, *filter.person_id);
  for (const std::string* value :
       {&filter.since, &filter.until, &filter.operator_name, &filter.action, &filter.purpose, &filter.case_ref}) {
    if (!value->empty()) query.Bind(++index, *value);
  }
  if (filter.seq) query.Bind(++index, *filter.seq);
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) return Status::Ok();
    ABIS_RETURN_IF_ERROR(visit(ReadRow(query)));
  }
}

Result<std::string> EntryHashAt(Database& db, std::int64_t seq) {
  ABIS_ASSIGN_OR_RETURN(auto query, db.Prepare("SELECT entry_hash FROM audit_log WHERE seq = ?"));
  query.Bind(1, seq);
  ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return Status::NotFound("no audit entry " + std::to_string(seq));
  return query.ColumnText(0);
}

}  // namespace sqlite_audit

namespace {

// The audit rows of a store opened without its master key.
class SqliteAuditStorage final : public AuditStorage {
 public:
  explicit SqliteAuditStorage(std::unique_ptr<Database> db) : db_(std::move(db)) {}
  Status Transaction(const std::function<Status()>& body) override { return db_->Transaction(body); }
  Status ReadTransaction(const std::function<Status()>& body) override { return db_->ReadTransaction(body); }
  Result<AuditHead> ReadAuditHead() override { return sqlite_audit::ReadHead(*db_); }
  Status AppendAuditRow(const AuditRow& row, std::span<const std::int64_t> person_ids) override {
    return sqlite_audit::AppendRow(*db_, row, person_ids);
  }
  Status ForEachAuditRow(const AuditRowFilter& filter, const std::function<Status(const AuditRow&)>& visit) override {
    return sqlite_audit::ForEachRow(*db_, filter, visit);
  }
  Result<std::string> AuditEntryHashAt(std::int64_t seq) override { return sqlite_audit::EntryHashAt(*db_, seq); }

 private:
  std::unique_ptr<Database> db_;
};

}  // namespace

Result<std::unique_ptr<AuditStorage>> AuditStorage::OpenWithoutKey(const std::filesystem::path& dir) {
  ABIS_ASSIGN_OR_RETURN(auto db, Database::Open(StoreLayout::ForDir(dir).database, /*create=*/false));
  ABIS_ASSIGN_OR_RETURN(int version, ReadSchemaVersion(*db));
  if (version < 2) {
    return Status::FailedPrecondition("store schema version " + std::to_string(version) +
                                      " predates the audit head; open it once with a key to upgrade");
  }
  return std::unique_ptr<AuditStorage>(new SqliteAuditStorage(std::move(db)));
}

}  // namespace abis
