// The audit log: append-only, hash-chained (docs/AUDIT_FORMAT.md). Each entry records who did
// what, for which purpose and case, on which objects, the SHA-256 of the inputs (never the
// biometric data), a result summary, and the hash of the previous entry. The audit_head row
// holds the count and last hash, so truncation is detected too; signed checkpoints kept outside
// the store (anchors) detect a rewrite of the whole tail.
// Thread-safety: as the AuditStorage it uses (one per thread).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/store/audit_storage.h"

namespace abis {

// What the caller records.
struct AuditEvent {
  std::string operator_name;
  std::string role;
  std::string action;   // e.g. "person.add", "enrol", "search", "search.refused"
  std::string purpose;  // search purpose, empty for non-search actions
  std::string case_ref;
  // Objects concerned, by kind: {"persons": [1, 2], "templates": [7], "galleries": [3]}.
  // Persons listed here appear in their subject access report.
  nlohmann::json object_ids = nlohmann::json::object();
  std::vector<std::string> input_sha256;             // hashes of the inputs (probe files, samples)
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

inline constexpr const char* kAuditGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

// Appends an entry. Call it inside the transaction of the change it records (it joins an open
// AuditStorage::Transaction, or opens its own), so the change and its record commit together.
Result<AuditEntry> AppendAuditEntry(AuditStorage& storage, const AuditEvent& event);

struct AuditVerification {
  bool intact = true;
  std::int64_t entries = 0;
  std::string head_hash;           // hash of the last entry: record it elsewhere to anchor the log
  std::int64_t first_bad_seq = 0;  // 0 when intact
  std::string problem;             // what is wrong with the first bad entry
  std::int64_t anchor_seq = 0;     // the entry an anchor fixed, when one was checked (VerifyAuditAnchor)
};

// Walks the chain from the first entry and reports the first broken link: an edited entry (hash
// mismatch), an inserted, deleted or reordered entry (sequence gap or prev_hash mismatch), or a
// truncated log (head mismatch).
Result<AuditVerification> VerifyAuditChain(AuditStorage& storage);

// Writes entries with time >= `since` (ISO 8601 prefix compare; empty for all) as JSON lines.
// Returns the number written.
// Which entries an export writes: every field that is not empty must match (times compare as
// ISO 8601 text: `since` inclusive, `until` exclusive, so a date means the start of that day).
struct AuditFilter {
  std::string since;
  std::string until;
  std::string operator_name;
  std::string action;
  std::string purpose;
  std::string case_ref;
  // The filter as the audit.export entry records it (only the fields that are set).
  nlohmann::json ToJson() const;
};
// Validates the filter (dates, sizes) before anything is read.
Status ValidateAuditFilter(const AuditFilter& filter);
Result<std::int64_t> ExportAudit(AuditStorage& storage, const AuditFilter& filter, std::ostream& out);

// Entries that list `person_id` among their persons, oldest first.
Result<std::vector<AuditEntry>> AuditEntriesForPerson(AuditStorage& storage, std::int64_t person_id);

// --- Anchors: signed checkpoints of the head (docs/AUDIT_FORMAT.md "Anchoring") ---
// The chain shows an edit only to someone who knows a later hash: whoever can write the database
// can rehash every entry after an edit, or cut the tail and rewrite audit_head. A checkpoint
// signed with the auditor's Ed25519 key and kept away from the store fixes entry `seq` for good.

// The auditor's Ed25519 key pair (libsodium crypto_sign). Wiped when destroyed.
struct AuditSigningKey {
  std::array<std::uint8_t, 64> secret_key{};
  std::array<std::uint8_t, 32> public_key{};
  ~AuditSigningKey();
};

// Creates a key pair: the secret key in `file` (mode 0600; an existing file is kAlreadyExists)
// and the public key in `<file>.pub`.
Result<AuditSigningKey> CreateAuditSigningKey(const std::filesystem::path& file);
// Loads a secret key file; refused (kFailedPrecondition) when group or others may read or write it.
Result<AuditSigningKey> LoadAuditSigningKey(const std::filesystem::path& file);
// Loads a public key file written by CreateAuditSigningKey.
Result<std::array<std::uint8_t, 32>> LoadAuditPublicKey(const std::filesystem::path& file);

struct AuditCheckpoint {
  std::string store_id;    // entry_hash of entry 1 (the store's first entry names the store)
  std::int64_t seq = 0;    // the anchored entry: the head when signed
  std::string entry_hash;  // its entry_hash
  std::string time;        // when it was signed, UTC ISO 8601
  std::string public_key;  // the signer's Ed25519 public key, hex
  std::string signature;   // Ed25519 signature of the canonical form, hex
  nlohmann::json ToJson() const;
  // kInvalidArgument naming the missing or malformed field, or an unknown format.
  static Result<AuditCheckpoint> FromJson(const nlohmann::json& json);
};

// Verifies the chain and signs its head with `key`. A broken chain or an empty log is
// kFailedPrecondition: a broken log is never anchored.
Result<AuditCheckpoint> MakeAuditCheckpoint(AuditStorage& storage, const AuditSigningKey& key);

// VerifyAuditChain, then the anchor. Its signature is checked first, against
// `trusted_public_key` when given (the anchor must be signed by it), else against the key the
// anchor names (which shows only that the anchor is unaltered); a bad signature or another signer
// is kDataLoss. The result is not intact, naming the problem, when the chain is broken, when
// entry 1 differs from the anchor's store id (another store, or a log rewritten from the start),
// when the log holds fewer than `seq` entries (cut below the anchor), or when entry `seq` has
// another hash (the anchored entry, or one before it, rewritten).
Result<AuditVerification> VerifyAuditAnchor(AuditStorage& storage, const AuditCheckpoint& anchor,
                                            const std::optional<std::array<std::uint8_t, 32>>& trusted_public_key);

}  // namespace abis
