// The audit log's rows in SQLite (tables audit_log, audit_head, audit_subjects), shared by the
// store and by the key-less audit storage an auditor opens (AuditStorage::OpenWithoutKey).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "abis/store/audit_storage.h"
#include "sqlite/database.h"

namespace abis::sqlite_audit {

// kNotFound when the head row is missing.
Result<AuditHead> ReadHead(Database& db);
Status AppendRow(Database& db, const AuditRow& row, std::span<const std::int64_t> person_ids);
// The SELECT that ForEachRow prepares for `filter` (its parameters in the order the fields are
// declared, only those set).
std::string RowsQuery(const AuditRowFilter& filter);
Status ForEachRow(Database& db, const AuditRowFilter& filter, const std::function<Status(const AuditRow&)>& visit);
Result<std::string> EntryHashAt(Database& db, std::int64_t seq);

}  // namespace abis::sqlite_audit
