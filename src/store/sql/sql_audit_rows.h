// The audit log's rows in SQL (tables audit_log, audit_head, audit_subjects), shared by the
// stores and by the key-less audit storage an auditor opens (AuditStorage::OpenWithoutKey).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "abis/store/audit_storage.h"
#include "sql/sql_connection.h"

namespace abis::sql_audit {

// kNotFound when the head row is missing.
Result<AuditHead> ReadHead(SqlConnection& db);
Status AppendRow(SqlConnection& db, const AuditRow& row, std::span<const std::int64_t> person_ids);
// The SELECT that ForEachRow prepares for `filter` (its parameters in the order the fields are
// declared, only those set; with `page_rows` > 0 then the sequence number to continue after, and a
// LIMIT).
std::string RowsQuery(const AuditRowFilter& filter, int page_rows = 0);
// Visits the rows in sequence order; with `page_rows` > 0 in pages of that many rows (a back end
// that buffers a whole result, PostgreSQL's, then never holds more than a page).
Status ForEachRow(SqlConnection& db, const AuditRowFilter& filter, const std::function<Status(const AuditRow&)>& visit,
                  int page_rows = 0);
Result<std::string> EntryHashAt(SqlConnection& db, std::int64_t seq);

}  // namespace abis::sql_audit

namespace abis {

// The audit rows of a store opened without its master key.
class SqlAuditStorage final : public AuditStorage {
 public:
  SqlAuditStorage(std::unique_ptr<SqlConnection> db, int page_rows) : db_(std::move(db)), page_rows_(page_rows) {}
  Status Transaction(const std::function<Status()>& body) override { return db_->Transaction(body); }
  Status ReadTransaction(const std::function<Status()>& body) override { return db_->ReadTransaction(body); }
  Result<AuditHead> ReadAuditHead() override { return sql_audit::ReadHead(*db_); }
  Status AppendAuditRow(const AuditRow& row, std::span<const std::int64_t> person_ids) override {
    return sql_audit::AppendRow(*db_, row, person_ids);
  }
  Status ForEachAuditRow(const AuditRowFilter& filter, const std::function<Status(const AuditRow&)>& visit) override;
  Result<std::string> AuditEntryHashAt(std::int64_t seq) override { return sql_audit::EntryHashAt(*db_, seq); }

 private:
  std::unique_ptr<SqlConnection> db_;
  int page_rows_;
};

}  // namespace abis
