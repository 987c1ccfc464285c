#include "abis/audit/audit_log.h"

#include <ostream>
#include <string>

#include "abis/core/time.h"
#include "abis/store/crypto.h"

namespace abis {
namespace {

constexpr const char* kEntryColumns =
    "seq, time, operator, role, action, purpose, case_ref, object_ids, input_sha256, result, prev_hash, entry_hash";

// The hashed form of an entry: each field as "<byte length>:<bytes>;", in a fixed order, with a
// format version first. Hashing the stored text (not a re-serialisation) makes verification
// independent of JSON formatting.
struct StoredEntry {
  std::int64_t seq = 0;
  std::string time, operator_name, role, action, purpose, case_ref, object_ids, input_sha256, result, prev_hash,
      entry_hash;
};

std::string EntryHash(const StoredEntry& entry) {
  std::string canonical;
  auto field = [&](const std::string& value) {
    canonical += std::to_string(value.size());
    canonical += ':';
    canonical += value;
    canonical += ';';
  };
  field("abis-audit-v1");
  field(std::to_string(entry.seq));
  for (const std::string* value : {&entry.time, &entry.operator_name, &entry.role, &entry.action, &entry.purpose,
                                   &entry.case_ref, &entry.object_ids, &entry.input_sha256, &entry.result,
                                   &entry.prev_hash}) {
    field(*value);
  }
  return Sha256Hex(canonical);
}

StoredEntry ReadStored(const Statement& row) {
  StoredEntry entry;
  entry.seq = row.ColumnInt(0);
  entry.time = row.ColumnText(1);
  entry.operator_name = row.ColumnText(2);
  entry.role = row.ColumnText(3);
  entry.action = row.ColumnText(4);
  entry.purpose = row.ColumnText(5);
  entry.case_ref = row.ColumnText(6);
  entry.object_ids = row.ColumnText(7);
  entry.input_sha256 = row.ColumnText(8);
  entry.result = row.ColumnText(9);
  entry.prev_hash = row.ColumnText(10);
  entry.entry_hash = row.ColumnText(11);
  return entry;
}

AuditEntry ToEntry(const StoredEntry& stored) {
  AuditEntry entry;
  entry.seq = stored.seq;
  entry.time = stored.time;
  entry.event.operator_name = stored.operator_name;
  entry.event.role = stored.role;
  entry.event.action = stored.action;
  entry.event.purpose = stored.purpose;
  entry.event.case_ref = stored.case_ref;
  entry.event.object_ids = nlohmann::json::parse(stored.object_ids, nullptr, false);
  auto hashes = nlohmann::json::parse(stored.input_sha256, nullptr, false);
  if (hashes.is_array()) {
    for (const auto& hash : hashes) {
      if (hash.is_string()) entry.event.input_sha256.push_back(hash.get<std::string>());
    }
  }
  entry.event.result = nlohmann::json::parse(stored.result, nullptr, false);
  entry.prev_hash = stored.prev_hash;
  entry.entry_hash = stored.entry_hash;
  return entry;
}

Status ValidateEvent(const AuditEvent& event) {
  if (event.action.empty()) return Status::InvalidArgument("audit event without an action");
  if (!event.object_ids.is_object()) return Status::InvalidArgument("audit object_ids must be a JSON object");
  for (const auto& [kind, ids] : event.object_ids.items()) {
    if (!ids.is_array()) return Status::InvalidArgument("audit object_ids." + kind + " must be an array");
  }
  return Status::Ok();
}

}  // namespace

nlohmann::json AuditEntry::ToJson() const {
  return {{"seq", seq},
          {"time", time},
          {"operator", event.operator_name},
          {"role", event.role},
          {"action", event.action},
          {"purpose", event.purpose},
          {"case_ref", event.case_ref},
          {"object_ids", event.object_ids},
          {"input_sha256", event.input_sha256},
          {"result", event.result},
          {"prev_hash", prev_hash},
          {"entry_hash", entry_hash}};
}

Result<AuditEntry> AppendAuditEntry(Database& db, const AuditEvent& event) {
  ABIS_RETURN_IF_ERROR(ValidateEvent(event));
  StoredEntry stored;
  Status status = db.Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(auto head, db.Prepare("SELECT entry_count, last_hash FROM audit_head WHERE id = 1"));
    ABIS_ASSIGN_OR_RETURN(bool row, head.Step());
    if (!row) return Status::DataLoss("audit_head row is missing");
    stored.seq = head.ColumnInt(0) + 1;
    stored.prev_hash = head.ColumnText(1).empty() ? kAuditGenesisHash : head.ColumnText(1);
    stored.time = NowUtcIso8601();
    stored.operator_name = event.operator_name;
    stored.role = event.role;
    stored.action = event.action;
    stored.purpose = event.purpose;
    stored.case_ref = event.case_ref;
    stored.object_ids = event.object_ids.dump();
    stored.input_sha256 = nlohmann::json(event.input_sha256).dump();
    stored.result = event.result.dump();
    stored.entry_hash = EntryHash(stored);

    ABIS_ASSIGN_OR_RETURN(auto insert, db.Prepare(std::string("INSERT INTO audit_log (") + kEntryColumns +
                                                  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    insert.Bind(1, stored.seq)
        .Bind(2, stored.time)
        .Bind(3, stored.operator_name)
        .Bind(4, stored.role)
        .Bind(5, stored.action)
        .Bind(6, stored.purpose)
        .Bind(7, stored.case_ref)
        .Bind(8, stored.object_ids)
        .Bind(9, stored.input_sha256)
        .Bind(10, stored.result)
        .Bind(11, stored.prev_hash)
        .Bind(12, stored.entry_hash);
    ABIS_RETURN_IF_ERROR(insert.Run());

    ABIS_ASSIGN_OR_RETURN(auto update,
                          db.Prepare("UPDATE audit_head SET entry_count = ?, last_hash = ? WHERE id = 1"));
    update.Bind(1, stored.seq).Bind(2, stored.entry_hash);
    ABIS_RETURN_IF_ERROR(update.Run());

    if (event.object_ids.contains("persons")) {
      ABIS_ASSIGN_OR_RETURN(auto subject,
                            db.Prepare("INSERT OR IGNORE INTO audit_subjects (seq, person_id) VALUES (?, ?)"));
      for (const auto& person : event.object_ids["persons"]) {
        if (!person.is_number_integer()) continue;
        subject.Reset();
        subject.Bind(1, stored.seq).Bind(2, person.get<std::int64_t>());
        ABIS_RETURN_IF_ERROR(subject.Run());
      }
    }
    return Status::Ok();
  });
  if (!status.ok()) return status.WithContext("appending to the audit log");
  return ToEntry(stored);
}

Result<AuditVerification> VerifyAuditChain(Database& db) {
  AuditVerification report;
  ABIS_ASSIGN_OR_RETURN(auto query, db.Prepare(std::string("SELECT ") + kEntryColumns + " FROM audit_log ORDER BY seq"));
  std::string previous_hash = kAuditGenesisHash;
  std::int64_t expected_seq = 1;
  auto fail = [&](std::int64_t seq, std::string problem) {
    report.intact = false;
    report.first_bad_seq = seq;
    report.problem = std::move(problem);
    return report;
  };
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    StoredEntry entry = ReadStored(query);
    if (entry.seq != expected_seq) {
      return fail(expected_seq, entry.seq > expected_seq
                                    ? "entry " + std::to_string(expected_seq) + " is missing (deleted); next entry is " +
                                          std::to_string(entry.seq)
                                    : "entry sequence out of order at " + std::to_string(entry.seq));
    }
    if (entry.prev_hash != previous_hash) {
      return fail(entry.seq, "entry " + std::to_string(entry.seq) +
                                 " does not follow entry " + std::to_string(entry.seq - 1) +
                                 " (prev_hash mismatch: an entry was inserted, deleted or reordered)");
    }
    if (EntryHash(entry) != entry.entry_hash) {
      return fail(entry.seq, "entry " + std::to_string(entry.seq) + " was modified (content does not match its hash)");
    }
    previous_hash = entry.entry_hash;
    ++expected_seq;
    ++report.entries;
  }
  ABIS_ASSIGN_OR_RETURN(auto head, db.Prepare("SELECT entry_count, last_hash FROM audit_head WHERE id = 1"));
  ABIS_ASSIGN_OR_RETURN(bool row, head.Step());
  if (!row) return fail(report.entries + 1, "audit head record is missing");
  std::string head_hash = head.ColumnText(1).empty() ? kAuditGenesisHash : head.ColumnText(1);
  if (head.ColumnInt(0) != report.entries || head_hash != previous_hash) {
    return fail(report.entries + 1, "audit log ends at entry " + std::to_string(report.entries) + " but its head records " +
                                        std::to_string(head.ColumnInt(0)) + " entries (entries removed from the end)");
  }
  report.head_hash = previous_hash;
  return report;
}

Result<std::int64_t> ExportAudit(Database& db, const std::string& since, std::ostream& out) {
  ABIS_ASSIGN_OR_RETURN(auto query, db.Prepare(std::string("SELECT ") + kEntryColumns +
                                               " FROM audit_log WHERE time >= ? ORDER BY seq"));
  query.Bind(1, since);
  std::int64_t written = 0;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    out << ToEntry(ReadStored(query)).ToJson().dump() << '\n';
    ++written;
  }
  if (!out) return Status::IoError("writing the audit export failed");
  return written;
}

Result<std::vector<AuditEntry>> AuditEntriesForPerson(Database& db, std::int64_t person_id) {
  ABIS_ASSIGN_OR_RETURN(auto query, db.Prepare(std::string("SELECT ") + kEntryColumns +
                                               " FROM audit_log WHERE seq IN (SELECT seq FROM audit_subjects WHERE "
                                               "person_id = ?) ORDER BY seq"));
  query.Bind(1, person_id);
  std::vector<AuditEntry> out;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    out.push_back(ToEntry(ReadStored(query)));
  }
  return out;
}

}  // namespace abis
