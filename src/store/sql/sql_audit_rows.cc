#include "sql/sql_audit_rows.h"

#include <memory>
#include <vector>

#include "abis/store/store.h"

namespace abis {
namespace sql_audit {
namespace {

constexpr const char* kEntryColumns =
    "seq, time, operator, role, action, purpose, case_ref, object_ids, input_sha256, result, prev_hash, entry_hash";

AuditRow ReadRow(const SqlStatement& statement) {
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

Result<AuditHead> ReadHead(SqlConnection& db) {
  ABIS_ASSIGN_OR_RETURN(auto head, db.Prepare("SELECT entry_count, last_hash FROM audit_head WHERE id = 1"));
  ABIS_ASSIGN_OR_RETURN(bool row, head.Step());
  if (!row) return Status::NotFound("audit_head row is missing");
  return AuditHead{head.ColumnInt(0), head.ColumnText(1)};
}

Status AppendRow(SqlConnection& db, const AuditRow& row, std::span<const std::int64_t> person_ids) {
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
    ABIS_ASSIGN_OR_RETURN(
        auto subject, db.Prepare("INSERT INTO audit_subjects (seq, person_id) VALUES (?, ?) ON CONFLICT DO NOTHING"));
    for (std::int64_t person_id : person_ids) {
      subject.Reset();
      subject.Bind(1, row.seq).Bind(2, person_id);
      ABIS_RETURN_IF_ERROR(subject.Run());
    }
  }
  return Status::Ok();
}

std::string RowsQuery(const AuditRowFilter& filter, int page_rows) {
  std::string sql = std::string("SELECT ") + kEntryColumns + " FROM audit_log";
  std::vector<std::string> conditions;
  // Only the conditions that are set, so that the database can use the primary key and the
  // subject index (an OR with a bound parameter would make it scan the whole log).
  if (filter.person_id) conditions.emplace_back("seq IN (SELECT seq FROM audit_subjects WHERE person_id = ?)");
  if (!filter.since.empty()) conditions.emplace_back("time >= ?");
  if (!filter.until.empty()) conditions.emplace_back("time < ?");
  if (!filter.operator_name.empty()) conditions.emplace_back("operator = ?");
  if (!filter.action.empty()) conditions.emplace_back("action = ?");
  if (!filter.purpose.empty()) conditions.emplace_back("purpose = ?");
  if (!filter.case_ref.empty()) conditions.emplace_back("case_ref = ?");
  if (filter.seq) conditions.emplace_back("seq = ?");
  if (page_rows > 0) conditions.emplace_back("seq > ?");
  for (std::size_t i = 0; i < conditions.size(); ++i) sql += (i == 0 ? " WHERE " : " AND ") + conditions[i];
  sql += " ORDER BY seq";
  if (page_rows > 0) sql += " LIMIT " + std::to_string(page_rows);
  return sql;
}

Status ForEachRow(SqlConnection& db, const AuditRowFilter& filter, const std::function<Status(const AuditRow&)>& visit,
                  int page_rows) {
  ABIS_ASSIGN_OR_RETURN(auto query, db.Prepare(RowsQuery(filter, page_rows)));
  std::int64_t after_seq = 0;
  while (true) {
    // Parameters are numbered in the order they appear in the SQL, as RowsQuery adds them.
    query.Reset();
    int index = 0;
    if (filter.person_id) query.Bind(++index, *filter.person_id);
    for (const std::string* value :
         {&filter.since, &filter.until, &filter.operator_name, &filter.action, &filter.purpose, &filter.case_ref}) {
      if (!value->empty()) query.Bind(++index, *value);
    }
    if (filter.seq) query.Bind(++index, *filter.seq);
    if (page_rows > 0) query.Bind(++index, after_seq);
    int rows = 0;
    while (true) {
      ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      ++rows;
      AuditRow audit_row = ReadRow(query);
      after_seq = audit_row.seq;
      ABIS_RETURN_IF_ERROR(visit(audit_row));
    }
    if (page_rows <= 0 || rows < page_rows) return Status::Ok();
  }
}

Result<std::string> EntryHashAt(SqlConnection& db, std::int64_t seq) {
  ABIS_ASSIGN_OR_RETURN(auto query, db.Prepare("SELECT entry_hash FROM audit_log WHERE seq = ?"));
  query.Bind(1, seq);
  ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return Status::NotFound("no audit entry " + std::to_string(seq));
  return query.ColumnText(0);
}

}  // namespace sql_audit

Status SqlAuditStorage::ForEachAuditRow(const AuditRowFilter& filter,
                                        const std::function<Status(const AuditRow&)>& visit) {
  return sql_audit::ForEachRow(*db_, filter, visit, page_rows_);
}

}  // namespace abis
