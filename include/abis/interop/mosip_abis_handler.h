// The seam between MOSIP's ABIS protocol and an identification system: the queue adapter
// (mosip_abis_queue_adapter.h) validates messages and fetches biometrics, then calls a
// MosipAbisHandler, which owns the records (e.g. an AbisSystem with its store and galleries).
// Handlers answer with MOSIP failure reasons, so the protocol's codes are decided where the facts
// are known ("referenceId already exists" is the store's knowledge, not the adapter's).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "abis/interop/cbeff_reader.h"
#include "abis/interop/mosip_abis_codes.h"
#include "abis/interop/mosip_abis_request.h"
#include "abis/interop/mosip_abis_response.h"

namespace abis::interop {

// Success, or a MOSIP failure reason with a one-line diagnostic for the operator's log (MOSIP's
// response carries only the code).
class MosipOutcome {
 public:
  static MosipOutcome Ok() { return MosipOutcome(); }
  static MosipOutcome Failure(MosipFailureReason reason, std::string detail) {
    MosipOutcome outcome;
    outcome.reason_ = reason;
    outcome.detail_ = std::move(detail);
    return outcome;
  }
  bool ok() const { return !reason_.has_value(); }
  // REQUIRES !ok().
  MosipFailureReason reason() const { return reason_.value_or(MosipFailureReason::kInternalErrorUnknown); }
  const std::string& detail() const { return detail_; }

 private:
  std::optional<MosipFailureReason> reason_;
  std::string detail_;
};

// An IDENTIFY as the handler sees it: the probe, where to search, and the operating point.
struct MosipIdentifyQuery {
  std::string request_id;
  // The probe is an enrolled record when probe_reference_id is not empty (MOSIP's normal case);
  // otherwise the biometrics fetched from the request's referenceURL.
  std::string probe_reference_id;
  std::optional<CbeffDocument> probe_biometrics;
  // Records to compare against; nullopt means every record. The probe's own record is never a
  // candidate of itself.
  std::optional<std::vector<std::string>> gallery;
  int max_results = 10;  // flags.maxResults, else the adapter's default; the adapter truncates to it
  // flags.targetFPIR (else the adapter's default) and the false positive identification rate it
  // stands for, 10^(-targetFPIR/10); nullopt when neither gives one (use the configured operating point).
  std::optional<int> target_fpir;
  std::optional<double> false_positive_identification_rate;
  std::vector<MosipKeyValue> other_flags;  // the request's other flags, for adopter-specific behaviour
};

// Implemented by the identification system. The adapter calls at most one method at a time, in
// the order the messages arrived, so a handler needs no locking against itself.
class MosipAbisHandler {
 public:
  virtual ~MosipAbisHandler() = default;

  // Creates the record `reference_id` from `biometrics` (at least one data-carrying BIR; use
  // ExtractCbeffBiometrics). MUST NOT deduplicate. Typical failures: kReferenceIdAlreadyExists,
  // kInvalidCbeffFormat (no usable sample), kBiometricQualityCheckFailed, kInternalErrorUnknown.
  virtual MosipOutcome Insert(const std::string& reference_id, const CbeffDocument& biometrics) = 0;

  // 1:N search; fills `candidates` (best first) with the records that match at the operating
  // point. Typical failures: kReferenceIdNotFound (probe or a gallery member unknown).
  virtual MosipOutcome Identify(const MosipIdentifyQuery& query, std::vector<MosipCandidate>* candidates) = 0;

  // Removes the record. Typical failure: kReferenceIdNotFound.
  virtual MosipOutcome Delete(const std::string& reference_id) = 0;

  // What the adapter calls: INSERT and DELETE with MOSIP's requestId, for handlers that record it
  // (e.g. in an audit trail). The defaults forward to Insert and Delete.
  virtual MosipOutcome InsertForRequest(const std::string& request_id, const std::string& reference_id,
                                        const CbeffDocument& biometrics) {
    static_cast<void>(request_id);
    return Insert(reference_id, biometrics);
  }
  virtual MosipOutcome DeleteForRequest(const std::string& request_id, const std::string& reference_id) {
    static_cast<void>(request_id);
    return Delete(reference_id);
  }

  // Number of records in the reference database.
  virtual MosipOutcome ReferenceCount(std::int64_t* count) = 0;

  // Liveness: OK when the system can serve requests.
  virtual MosipOutcome Ping() { return MosipOutcome::Ok(); }

  // Work the handler has accepted but not finished (for handlers that work asynchronously); the
  // adapter adds its own queue.
  virtual std::int64_t PendingJobs() { return 0; }
};

// Fetches the CBEFF XML behind a referenceURL. Typical failures: kUnableToFetchBiometricDetails,
// kDataShareUrlExpired.
class MosipBiometricSource {
 public:
  virtual ~MosipBiometricSource() = default;
  virtual MosipOutcome Fetch(const std::string& reference_url, std::string* cbeff_xml) = 0;
};

}  // namespace abis::interop
