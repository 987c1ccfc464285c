// Where the audit log's entries are kept: the rows of the hash chain as stored text, the head
// (entry count and last hash) and the index of the persons each entry names. The chain itself (how
// an entry is hashed, verified, anchored) is the audit library's (abis/audit/audit_log.h); a back
// end only keeps rows, in order, inside its transactions (docs/AUDIT_FORMAT.md).
// Thread-safety: one instance per thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "abis/core/status.h"

namespace abis {

// One entry as stored: the JSON fields as the exact text that was hashed.
struct AuditRow {
  std::int64_t seq = 0;
  std::string time, operator_name, role, action, purpose, case_ref, object_ids, input_sha256, result, prev_hash,
      entry_hash;
};

// The head of the chain: how many entries there are and the hash of the last one ("" when empty).
struct AuditHead {
  std::int64_t entry_count = 0;
  std::string last_hash;
};

// Which rows ForEachAuditRow visits: every field that is set must match (times compare as ISO 8601
// text: `since` inclusive, `until` exclusive).
struct AuditRowFilter {
  std::string since;
  std::string until;
  std::string operator_name;
  std::string action;
  std::string purpose;
  std::string case_ref;
  std::optional<std::int64_t> person_id;  // only entries that name this person
  std::optional<std::int64_t> seq;        // only the entry with this sequence number
};

class AuditStorage {
 public:
  virtual ~AuditStorage() = default;

  // Opens the audit rows of the store in `dir` without its master key (for offline verification by
  // an auditor, who needs no access to biometric data). A store whose schema predates the audit
  // head is kFailedPrecondition; it is never upgraded here.
  static Result<std::unique_ptr<AuditStorage>> OpenWithoutKey(const std::filesystem::path& dir);

  // Runs `body` in a write transaction (BEGIN IMMEDIATE ... COMMIT); rolls back when it returns an
  // error or throws (the exception then propagates): the transaction ends on every path. Nested
  // calls join the outer transaction.
  virtual Status Transaction(const std::function<Status()>& body) = 0;
  // Runs `body` in a read transaction: every read sees one snapshot, writers are not blocked.
  // Inside another transaction it just runs `body`.
  virtual Status ReadTransaction(const std::function<Status()>& body) = 0;

  // kNotFound when the head row is missing (the log was tampered with); other errors as they come.
  virtual Result<AuditHead> ReadAuditHead() = 0;
  // Inserts `row`, sets the head to (row.seq, row.entry_hash), and indexes the entry under each of
  // `person_ids`. Call it inside a Transaction, after ReadAuditHead in the same one.
  virtual Status AppendAuditRow(const AuditRow& row, std::span<const std::int64_t> person_ids) = 0;
  // Visits the rows that match `filter` in sequence order; stops at the first error `visit` returns.
  virtual Status ForEachAuditRow(const AuditRowFilter& filter, const std::function<Status(const AuditRow&)>& visit) = 0;
  // The entry hash of entry `seq`; kNotFound when there is none.
  virtual Result<std::string> AuditEntryHashAt(std::int64_t seq) = 0;
};

}  // namespace abis
