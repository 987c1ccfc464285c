#include "abis/audit/audit_log.h"

#include <sodium.h>

#include <cctype>
#include <fstream>
#include <iterator>
#include <ostream>
#include <string>

#include "abis/core/json_text.h"
#include "abis/core/text_validation.h"
#include "abis/core/time.h"
#include "abis/store/crypto.h"
#include "abis/store/records.h"

namespace abis {
namespace {

// The hashed form of an entry (AuditRow): each field as "<byte length>:<bytes>;", in a fixed
// order, with a format version first. Hashing the stored text (not a re-serialisation) makes
// verification independent of JSON formatting.

// Appends "<byte length>:<bytes>;".
void AppendField(std::string& canonical, std::string_view value) {
  canonical += std::to_string(value.size());
  canonical += ':';
  canonical += value;
  canonical += ';';
}

std::string EntryHash(const AuditRow& entry) {
  std::string canonical;
  auto field = [&](const std::string& value) { AppendField(canonical, value); };
  field("abis-audit-v1");
  field(std::to_string(entry.seq));
  for (const std::string* value :
       {&entry.time, &entry.operator_name, &entry.role, &entry.action, &entry.purpose, &entry.case_ref,
        &entry.object_ids, &entry.input_sha256, &entry.result, &entry.prev_hash}) {
    field(*value);
  }
  return Sha256Hex(canonical);
}

AuditEntry ToEntry(const AuditRow& stored) {
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

Result<AuditEntry> AppendAuditEntry(AuditStorage& storage, const AuditEvent& event) {
  ABIS_RETURN_IF_ERROR(ValidateEvent(event));
  AuditRow stored;
  Status status = storage.Transaction([&]() -> Status {
    Result<AuditHead> read = storage.ReadAuditHead();
    if (!read.ok() && read.status().code() == StatusCode::kNotFound) return Status::DataLoss(read.status().message());
    ABIS_ASSIGN_OR_RETURN(AuditHead head, std::move(read));
    stored.seq = head.entry_count + 1;
    stored.prev_hash = head.last_hash.empty() ? kAuditGenesisHash : head.last_hash;
    stored.time = NowUtcIso8601();
    stored.operator_name = event.operator_name;
    stored.role = event.role;
    stored.action = event.action;
    stored.purpose = event.purpose;
    stored.case_ref = event.case_ref;
    stored.object_ids = ToJsonText(event.object_ids);
    stored.input_sha256 = ToJsonText(nlohmann::json(event.input_sha256));
    stored.result = ToJsonText(event.result);
    stored.entry_hash = EntryHash(stored);
    std::vector<std::int64_t> persons;
    if (event.object_ids.contains("persons")) {
      for (const auto& person : event.object_ids["persons"]) {
        if (person.is_number_integer()) persons.push_back(person.get<std::int64_t>());
      }
    }
    return storage.AppendAuditRow(stored, persons);
  });
  if (!status.ok()) return status.WithContext("appending to the audit log");
  return ToEntry(stored);
}

Result<AuditVerification> VerifyAuditChain(AuditStorage& storage) {
  AuditVerification report;
  std::string previous_hash = kAuditGenesisHash;
  std::int64_t expected_seq = 1;
  auto fail = [&](std::int64_t seq, std::string problem) {
    report.intact = false;
    report.first_bad_seq = seq;
    report.problem = std::move(problem);
  };
  // Stops the walk at the first broken link (the status is not an error of the walk itself).
  auto broken = [] { return Status::FailedPrecondition("audit chain broken"); };
  Status walked = storage.ForEachAuditRow({}, [&](const AuditRow& entry) -> Status {
    if (entry.seq != expected_seq) {
      fail(expected_seq, entry.seq > expected_seq
                             ? "entry " + std::to_string(expected_seq) + " is missing (deleted); next entry is " +
                                   std::to_string(entry.seq)
                             : "entry sequence out of order at " + std::to_string(entry.seq));
      return broken();
    }
    if (entry.prev_hash != previous_hash) {
      fail(entry.seq, "entry " + std::to_string(entry.seq) + " does not follow entry " + std::to_string(entry.seq - 1) +
                          " (prev_hash mismatch: an entry was inserted, deleted or reordered)");
      return broken();
    }
    if (EntryHash(entry) != entry.entry_hash) {
      fail(entry.seq, "entry " + std::to_string(entry.seq) + " was modified (content does not match its hash)");
      return broken();
    }
    previous_hash = entry.entry_hash;
    ++expected_seq;
    ++report.entries;
    return Status::Ok();
  });
  if (!report.intact) return report;
  ABIS_RETURN_IF_ERROR(walked);
  Result<AuditHead> head = storage.ReadAuditHead();
  if (!head.ok() && head.status().code() == StatusCode::kNotFound) {
    fail(report.entries + 1, "audit head record is missing");
    return report;
  }
  ABIS_RETURN_IF_ERROR(head.status());
  std::string head_hash = head->last_hash.empty() ? kAuditGenesisHash : head->last_hash;
  if (head->entry_count != report.entries || head_hash != previous_hash) {
    fail(report.entries + 1, "audit log ends at entry " + std::to_string(report.entries) + " but its head records " +
                                 std::to_string(head->entry_count) + " entries (entries removed from the end)");
    return report;
  }
  report.head_hash = previous_hash;
  return report;
}

nlohmann::json AuditFilter::ToJson() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : {std::pair<const char*, const std::string*>{"since", &since},
                                    {"until", &until},
                                    {"operator", &operator_name},
                                    {"action", &action},
                                    {"purpose", &purpose},
                                    {"case_ref", &case_ref}}) {
    if (!value->empty()) out[name] = *value;
  }
  return out;
}

Status ValidateAuditFilter(const AuditFilter& filter) {
  if (!filter.since.empty()) ABIS_RETURN_IF_ERROR(ValidateIsoDate(filter.since, "since"));
  if (!filter.until.empty()) ABIS_RETURN_IF_ERROR(ValidateIsoDate(filter.until, "until"));
  if (!filter.operator_name.empty()) ABIS_RETURN_IF_ERROR(ValidateIdentifier(filter.operator_name, "operator", 64));
  if (!filter.action.empty()) ABIS_RETURN_IF_ERROR(ValidateIdentifier(filter.action, "action", 64));
  if (!filter.purpose.empty()) ABIS_RETURN_IF_ERROR(ValidateIdentifier(filter.purpose, "purpose", 64));
  if (!filter.case_ref.empty()) ABIS_RETURN_IF_ERROR(ValidateIdentifier(filter.case_ref, "case reference", 128));
  return Status::Ok();
}

Result<std::int64_t> ExportAudit(AuditStorage& storage, const AuditFilter& filter, std::ostream& out) {
  ABIS_RETURN_IF_ERROR(ValidateAuditFilter(filter));
  AuditRowFilter rows;
  rows.since = filter.since;
  rows.until = filter.until;
  rows.operator_name = filter.operator_name;
  rows.action = filter.action;
  rows.purpose = filter.purpose;
  rows.case_ref = filter.case_ref;
  std::int64_t written = 0;
  ABIS_RETURN_IF_ERROR(storage.ForEachAuditRow(rows, [&](const AuditRow& row) -> Status {
    out << ToJsonText(ToEntry(row).ToJson()) << '\n';
    ++written;
    return Status::Ok();
  }));
  if (!out) return Status::IoError("writing the audit export failed");
  return written;
}

Result<std::vector<AuditEntry>> AuditEntriesForPerson(AuditStorage& storage, std::int64_t person_id) {
  AuditRowFilter rows;
  rows.person_id = person_id;
  std::vector<AuditEntry> out;
  ABIS_RETURN_IF_ERROR(storage.ForEachAuditRow(rows, [&](const AuditRow& row) -> Status {
    out.push_back(ToEntry(row));
    return Status::Ok();
  }));
  return out;
}

// --- Anchors ---

namespace {

constexpr std::string_view kCheckpointFormat = "abis-audit-checkpoint-v1";
constexpr std::string_view kSecretKeyHeader = "abis-audit-signing-key-v1\n";
constexpr std::string_view kPublicKeyHeader = "abis-audit-public-key-v1\n";

// What the signature covers: each field as "<byte length>:<bytes>;" (as the entry hash).
std::string CheckpointMessage(const AuditCheckpoint& checkpoint) {
  std::string canonical;
  AppendField(canonical, kCheckpointFormat);
  AppendField(canonical, checkpoint.store_id);
  AppendField(canonical, std::to_string(checkpoint.seq));
  AppendField(canonical, checkpoint.entry_hash);
  AppendField(canonical, checkpoint.time);
  return canonical;
}

// Decodes exactly `out.size()` bytes from hex (surrounding white space ignored).
template <std::size_t N>
bool DecodeHex(std::string_view hex, std::array<std::uint8_t, N>& out) {
  while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back()))) hex.remove_suffix(1);
  while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.front()))) hex.remove_prefix(1);
  std::size_t decoded = 0;
  return hex.size() == 2 * N &&
         sodium_hex2bin(out.data(), N, hex.data(), hex.size(), nullptr, &decoded, nullptr) == 0 && decoded == N;
}

}  // namespace

AuditSigningKey::~AuditSigningKey() { sodium_memzero(secret_key.data(), secret_key.size()); }

Result<AuditSigningKey> CreateAuditSigningKey(const std::filesystem::path& file) {
  ABIS_RETURN_IF_ERROR(InitCrypto());
  AuditSigningKey key;
  crypto_sign_keypair(key.public_key.data(), key.secret_key.data());
  std::string secret = std::string(kSecretKeyHeader) + HexEncode(key.secret_key) + "\n";
  Status written = CreateOwnerOnlyFile(file, secret, "audit signing key");
  WipeSecret(secret);
  ABIS_RETURN_IF_ERROR(written);
  std::filesystem::path public_file = file;
  public_file += ".pub";
  std::error_code error;
  std::filesystem::remove(public_file, error);  // a stale public key must not outlive its pair
  std::ofstream out(public_file, std::ios::trunc);
  out << kPublicKeyHeader << HexEncode(key.public_key) << "\n";
  out.close();
  if (!out) return Status::IoError("cannot write the public key " + public_file.string());
  return key;
}

Result<AuditSigningKey> LoadAuditSigningKey(const std::filesystem::path& file) {
  ABIS_RETURN_IF_ERROR(InitCrypto());
  ABIS_ASSIGN_OR_RETURN(std::string content, ReadOwnerOnlyFile(file, "audit signing key"));
  AuditSigningKey key;
  bool ok = content.starts_with(kSecretKeyHeader) &&
            DecodeHex(std::string_view(content).substr(kSecretKeyHeader.size()), key.secret_key);
  WipeSecret(content);
  if (!ok) return Status::DataLoss("audit signing key " + file.string() + " is not an abis audit signing key");
  crypto_sign_ed25519_sk_to_pk(key.public_key.data(), key.secret_key.data());
  return key;
}

Result<std::array<std::uint8_t, 32>> LoadAuditPublicKey(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::NotFound("cannot read the public key " + file.string());
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::array<std::uint8_t, 32> key{};
  if (!content.starts_with(kPublicKeyHeader) ||
      !DecodeHex(std::string_view(content).substr(kPublicKeyHeader.size()), key)) {
    return Status::InvalidArgument(file.string() + " is not an abis audit public key");
  }
  return key;
}

nlohmann::json AuditCheckpoint::ToJson() const {
  return {{"format", std::string(kCheckpointFormat)},
          {"store_id", store_id},
          {"seq", seq},
          {"entry_hash", entry_hash},
          {"time", time},
          {"public_key", public_key},
          {"signature", signature}};
}

Result<AuditCheckpoint> AuditCheckpoint::FromJson(const nlohmann::json& json) {
  if (!json.is_object()) return Status::InvalidArgument("an audit anchor must be a JSON object");
  if (!json.contains("format") || !json["format"].is_string() ||
      json["format"].get<std::string>() != kCheckpointFormat) {
    return Status::InvalidArgument("an audit anchor must have \"format\": \"" + std::string(kCheckpointFormat) + "\"");
  }
  AuditCheckpoint checkpoint;
  auto text = [&](const char* name, std::string& out) -> Status {
    if (!json.contains(name) || !json[name].is_string()) {
      return Status::InvalidArgument(std::string("audit anchor field '") + name + "' is missing or not a string");
    }
    out = json[name].get<std::string>();
    return Status::Ok();
  };
  ABIS_RETURN_IF_ERROR(text("store_id", checkpoint.store_id));
  ABIS_RETURN_IF_ERROR(text("entry_hash", checkpoint.entry_hash));
  ABIS_RETURN_IF_ERROR(text("time", checkpoint.time));
  ABIS_RETURN_IF_ERROR(text("public_key", checkpoint.public_key));
  ABIS_RETURN_IF_ERROR(text("signature", checkpoint.signature));
  if (!json.contains("seq") || !json["seq"].is_number_integer() || json["seq"].get<std::int64_t>() < 1) {
    return Status::InvalidArgument("audit anchor field 'seq' must be an integer of at least 1");
  }
  checkpoint.seq = json["seq"].get<std::int64_t>();
  return checkpoint;
}

Result<AuditCheckpoint> MakeAuditCheckpoint(AuditStorage& storage, const AuditSigningKey& key) {
  ABIS_RETURN_IF_ERROR(InitCrypto());
  AuditCheckpoint checkpoint;
  Status status = storage.ReadTransaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(AuditVerification chain, VerifyAuditChain(storage));
    if (!chain.intact) {
      return Status::FailedPrecondition("the audit chain is broken at entry " + std::to_string(chain.first_bad_seq) +
                                        " (" + chain.problem + "); a broken log is not anchored");
    }
    if (chain.entries == 0) return Status::FailedPrecondition("the audit log is empty; nothing to anchor");
    ABIS_ASSIGN_OR_RETURN(checkpoint.store_id, storage.AuditEntryHashAt(1));
    checkpoint.seq = chain.entries;
    checkpoint.entry_hash = chain.head_hash;
    return Status::Ok();
  });
  ABIS_RETURN_IF_ERROR(status);
  checkpoint.time = NowUtcIso8601();
  checkpoint.public_key = HexEncode(key.public_key);
  const std::string message = CheckpointMessage(checkpoint);
  std::array<std::uint8_t, crypto_sign_BYTES> signature{};
  crypto_sign_detached(signature.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), key.secret_key.data());
  checkpoint.signature = HexEncode(signature);
  return checkpoint;
}

Result<AuditVerification> VerifyAuditAnchor(AuditStorage& storage, const AuditCheckpoint& anchor,
                                            const std::optional<std::array<std::uint8_t, 32>>& trusted_public_key) {
  ABIS_RETURN_IF_ERROR(InitCrypto());
  std::array<std::uint8_t, 32> signer{};
  std::array<std::uint8_t, crypto_sign_BYTES> signature{};
  if (!DecodeHex(anchor.public_key, signer) || !DecodeHex(anchor.signature, signature)) {
    return Status::DataLoss("the audit anchor's public key or signature is not hex of the right length");
  }
  if (trusted_public_key && *trusted_public_key != signer) {
    return Status::DataLoss("the audit anchor was signed by key " + anchor.public_key +
                            ", not by the given public key " + HexEncode(*trusted_public_key));
  }
  const std::string message = CheckpointMessage(anchor);
  if (crypto_sign_verify_detached(signature.data(), reinterpret_cast<const unsigned char*>(message.data()),
                                  message.size(), signer.data()) != 0) {
    return Status::DataLoss("the audit anchor's signature does not verify: the anchor was altered or forged");
  }
  AuditVerification report;
  Status status = storage.ReadTransaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(report, VerifyAuditChain(storage));
    report.anchor_seq = anchor.seq;
    if (!report.intact) return Status::Ok();
    auto fail = [&](std::int64_t seq, std::string problem) {
      report.intact = false;
      report.first_bad_seq = seq;
      report.problem = std::move(problem);
      return Status::Ok();
    };
    const std::string signed_at = " (anchor signed " + anchor.time + ")";
    if (report.entries < anchor.seq) {
      return fail(report.entries + 1, "log cut below the anchor: it ends at entry " + std::to_string(report.entries) +
                                          " but the anchor holds entry " + std::to_string(anchor.seq) + signed_at);
    }
    ABIS_ASSIGN_OR_RETURN(std::string first_hash, storage.AuditEntryHashAt(1));
    if (first_hash != anchor.store_id) {
      return fail(1,
                  "entry 1 does not match the anchor's store id: the anchor is of another store, or the log was "
                  "rewritten from its first entry" +
                      signed_at);
    }
    ABIS_ASSIGN_OR_RETURN(std::string anchored_hash, storage.AuditEntryHashAt(anchor.seq));
    if (anchored_hash != anchor.entry_hash) {
      return fail(anchor.seq, "anchored entry " + std::to_string(anchor.seq) +
                                  " was rewritten (it, or an entry before "
                                  "it, was changed and the chain rehashed): its hash is " +
                                  anchored_hash + ", the anchor holds " + anchor.entry_hash + signed_at);
    }
    return Status::Ok();
  });
  ABIS_RETURN_IF_ERROR(status);
  return report;
}

}  // namespace abis
