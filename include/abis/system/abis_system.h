// The operations of the system, as an operator performs them: every call checks the operator's
// role (and, for searches, the purpose), runs its change and its audit entry in one transaction,
// and records refusals too. The CLI and the HTTP service are thin layers over this class.
// Thread-safety: one AbisSystem per thread (it owns a Store connection).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "abis/access/policy.h"
#include "abis/access/users.h"
#include "abis/audit/audit_log.h"
#include "abis/core/status.h"
#include "abis/modality/engine.h"
#include "abis/store/records.h"
#include "abis/store/store.h"

namespace abis {

// Gives the engine for a modality (created lazily by the caller, e.g. from the CLI plugins).
// The engine must outlive the AbisSystem.
using EngineProvider = std::function<Result<const ModalityEngine*>(Modality)>;

struct EnrolRequest {
  std::string person;           // external id
  SampleInput sample;
  std::string encounter_kind = "enrollment";
  std::string source_agency;
  std::vector<std::string> galleries;  // also add the person to these galleries
};

struct EnrolResult {
  std::int64_t person_id = 0;
  std::int64_t encounter_id = 0;
  std::int64_t sample_id = 0;
  std::int64_t template_id = 0;
  BiometricTemplate biometric_template;  // for the caller's report (quality); data is not printed
  std::int64_t audit_seq = 0;
};

struct SearchRequest {
  Purpose purpose = Purpose::kIdentityVerification;
  std::string case_ref;
  std::string gallery;                 // gallery name
  std::vector<SampleInput> probes;     // one or more samples, any modalities
  std::size_t max_candidates = 10;
  double target_false_match_rate = 1e-4;  // operating point of the decision
};

struct CandidateResult {
  std::int64_t person_id = 0;
  std::string external_id;
  std::string category;
  double fused_log_lr = 0.0;           // sum over probes of calibrated log-LRs (independence assumed)
  nlohmann::json per_probe = nlohmann::json::array();  // [{modality, position, score, log_lr}]
  bool hit = false;                    // passes the operating point on at least one probe
  nlohmann::json watchlist = nlohmann::json::array();  // active watchlist entries when a hit
};

struct SearchResult {
  std::vector<CandidateResult> candidates;  // best first
  std::size_t gallery_size = 0;             // templates searched
  std::size_t skipped_templates = 0;        // templates of another algorithm (not comparable)
  std::int64_t audit_seq = 0;
  nlohmann::json ToJson() const;
};

struct VerifyRequest {
  Purpose purpose = Purpose::kIdentityVerification;
  std::string case_ref;
  std::string person;  // claimed identity (external id)
  SampleInput probe;
  double target_false_match_rate = 1e-4;
};

struct VerifyResult {
  bool match = false;
  double score = 0.0;
  double threshold = 0.0;
  double log_lr = 0.0;
  std::size_t references_compared = 0;
  std::int64_t audit_seq = 0;
};

// A stored sample as it was captured, for export (e.g. to an ANSI/NIST-ITL transaction).
struct StoredSample {
  std::int64_t sample_id = 0;
  Modality modality = Modality::kFace;
  std::string format;
  FingerPosition position = FingerPosition::kUnknown;
  std::vector<std::uint8_t> bytes;
};

struct RetentionReport {
  std::int64_t deleted = 0;
  std::int64_t batches = 0;
  std::vector<std::string> deleted_external_ids;
};

class AbisSystem {
 public:
  static Result<std::unique_ptr<AbisSystem>> Open(const std::filesystem::path& store_dir, EngineProvider engines);

  Store& store() { return *store_; }

  // Checks an API key; a refusal is audited (action "auth.refused", no key material recorded).
  Result<Operator> Authenticate(const std::string& api_key);

  // --- users (admin) ---
  // Adds a user and returns its first API key.
  Result<std::pair<User, std::string>> AddUser(const Operator& op, const std::string& name, Role role);
  Result<std::vector<User>> ListUsers(const Operator& op);
  Status DisableUser(const Operator& op, const std::string& name);

  // --- persons ---
  Result<Person> AddPerson(const Operator& op, Person person);
  // A person with the ids of its templates and galleries; audited as a read.
  Result<nlohmann::json> ShowPerson(const Operator& op, const std::string& external_id);
  Result<std::vector<Person>> ListPersons(const Operator& op, std::int64_t after_id, int limit);
  // Crypto-erases the person; the audit entry keeps who, when and why (`reason`, required).
  Status DeletePerson(const Operator& op, const std::string& external_id, const std::string& reason);

  // --- galleries ---
  Result<Gallery> CreateGallery(const Operator& op, const Gallery& gallery);
  Status AddToGallery(const Operator& op, const std::string& gallery, const std::string& person);
  Status RemoveFromGallery(const Operator& op, const std::string& gallery, const std::string& person);
  Result<std::vector<Gallery>> ListGalleries(const Operator& op);
  Result<std::int64_t> AddWatchlistEntry(const Operator& op, const std::string& gallery, const std::string& person,
                                         const std::string& authority_reference, const std::string& reason,
                                         const std::string& expires_at);

  // --- biometrics ---
  Result<EnrolResult> Enrol(const Operator& op, const EnrolRequest& request);
  Result<SearchResult> Search(const Operator& op, const SearchRequest& request);
  Result<VerifyResult> Verify(const Operator& op, const VerifyRequest& request);
  // Decrypts every sample of a person for export to another system; audited with the purpose,
  // case and destination (a file name or system), and the hashes of what left.
  Result<std::vector<StoredSample>> ExportSamples(const Operator& op, const std::string& external_id,
                                                  Purpose purpose, const std::string& case_ref,
                                                  const std::string& destination);

  // --- accountability ---
  Result<AuditVerification> VerifyAudit(const Operator& op);
  Result<std::int64_t> ExportAudit(const Operator& op, const std::string& since, std::ostream& out);
  // Deletes persons whose retention date is before `today`, `batch_size` per transaction.
  Result<RetentionReport> ApplyRetention(const Operator& op, const std::string& today, int batch_size,
                                         const std::function<void(std::int64_t done)>& progress = {});
  // Everything held about a person and every audited action that concerned them.
  Result<nlohmann::json> SubjectReport(const Operator& op, const std::string& external_id);

 private:
  AbisSystem(std::unique_ptr<Store> store, EngineProvider engines)
      : store_(std::move(store)), engines_(std::move(engines)) {}
  // Checks the role; a refusal is audited and returned as kPermissionDenied.
  Status Require(const Operator& op, Action action, const std::string& what);
  Status RequirePurpose(const Operator& op, Action action, Purpose purpose, const std::string& case_ref);
  Status AuditRefusal(const Operator& op, const std::string& action, const std::string& purpose,
                      const std::string& case_ref, const std::string& reason);
  AuditEvent EventFor(const Operator& op, const std::string& action) const;

  std::unique_ptr<Store> store_;
  EngineProvider engines_;
};

}  // namespace abis
