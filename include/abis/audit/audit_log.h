// The audit log: append-only, hash-chained (docs/AUDIT_FORMAT.md). Each entry records who did
// what, for which purpose and case, on which objects, the SHA-256 of the inputs (never the
// biometric data), a result summary, and the hash of the previous entry. The audit_head row
// holds the count and last hash, so truncation is detected too.
// Thread-safety: as the Database it uses.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "abis/core/status.h"
#include "abis/store/database.h"

namespace abis {

// What the caller records.
struct AuditEvent {
  std::string operator_name;
  std::string role;
  std::string action;     // e.g. "person.add", "enrol", "search", "search.refused"
  std::string purpose;    // search purpose, empty for non-search actions
  std::string case_ref;
  // Objects concerned, by kind: {"persons": [1, 2], "templates": [7], "galleries": [3]}.
  // Persons listed here appear in their subject access report.
  nlohmann::json object_ids = nlohmann::json::object();
  std::vector<std::string> input_sha256;  // hashes of the inputs (probe files, samples)
  nlohmann::json result = nlohmann::json::object();  // summary; never biometric data
};

struct AuditEntry {
  std::int64_t seq = 0;
  std::string time;
  AuditEvent event;
  std::string prev_hash;
  std::string entry_hash;
  nlohmann::json ToJson() const;
};

inline constexpr const char* kAuditGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// Appends an entry. Call it inside the transaction of the change it records (it joins an open
// Database::Transaction, or opens its own), so the change and its record commit together.
Result<AuditEntry> AppendAuditEntry(Database& db, const AuditEvent& event);

struct AuditVerification {
  bool intact = true;
  std::int64_t entries = 0;
  std::string head_hash;           // hash of the last entry: record it elsewhere to anchor the log
  std::int64_t first_bad_seq = 0;  // 0 when intact
  std::string problem;             // what is wrong with the first bad entry
};

// Walks the chain from the first entry and reports the first broken link: an edited entry (hash
// mismatch), an inserted, deleted or reordered entry (sequence gap or prev_hash mismatch), or a
// truncated log (head mismatch).
Result<AuditVerification> VerifyAuditChain(Database& db);

// Writes entries with time >= `since` (ISO 8601 prefix compare; empty for all) as JSON lines.
// Returns the number written.
Result<std::int64_t> ExportAudit(Database& db, const std::string& since, std::ostream& out);

// Entries that list `person_id` among their persons, oldest first.
Result<std::vector<AuditEntry>> AuditEntriesForPerson(Database& db, std::int64_t person_id);

}  // namespace abis
