// MOSIP's ABIS operations over the abis store (docs/MOSIP.md, "Wiring the handler to the store"):
// a MosipAbisHandler that keeps MOSIP's records as persons of one register gallery, acting as one
// configured operator with one purpose, so that every INSERT, IDENTIFY and DELETE is checked by
// the access policy and written to the hash-chained audit log like any other operation.
//
//   INSERT           person `referenceId` (category, legal basis, retention from the configuration),
//                    every finger and face of the CBEFF enrolled into the gallery, all in one
//                    transaction (a crash or a wholly rejected INSERT leaves nothing behind); never
//                    searches.
//   IDENTIFY         probe = the stored samples of `referenceId` (or the fetched CBEFF); 1:N search
//                    of the gallery at the FMR derived from targetFPIR; the probe's own record and
//                    records outside `gallery.referenceIds` are never candidates; hits only.
//   DELETE           crypto-erase (AbisSystem::DeletePerson), by the deletion operator when one is
//                    configured (only admins may delete).
//   REFERENCE_COUNT  members of the gallery.
//
// The handler touches only persons of its gallery: a referenceId that exists in the store outside
// the gallery is "already exists" to INSERT and "not found" to IDENTIFY and DELETE.
// Thread-safety: as AbisSystem (one thread); the queue adapter serialises calls.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "abis/interop/mosip_abis_handler.h"
#include "abis/mosip/cbeff_sample_inputs.h"
#include "abis/system/abis_system.h"

namespace abis::mosip {

struct MosipStoreHandlerConfig {
  std::string gallery = "mosip";  // an existing gallery that is not a watchlist
  Purpose purpose = Purpose::kDeduplication;
  PersonCategory category = PersonCategory::kUnknown;
  std::string legal_basis;        // required: the law under which MOSIP registrations are held
  int retention_years = 10;       // retention_until = INSERT date + this many years (1-150)
  // Per-comparison FMR of an IDENTIFY without targetFPIR (flags or the adapter's default).
  double default_false_match_rate = 1e-4;
  std::string source_agency = "MOSIP registration processor";
  // How slaps (ISO/IEC 19794-4 positions 11-15) are cut into fingers; by default a slap missing a
  // finger refuses the INSERT (cbeff_sample_inputs.h).
  CbeffSlapPolicy slaps;
};

// How the last IDENTIFY was run, for the operator's log (MOSIP's response has no place for it).
struct MosipIdentifyReport {
  std::string request_id;
  std::size_t probe_samples = 0;
  std::size_t compared_records = 0;                  // gallery records the probe's FPIR is spread over
  std::optional<double> requested_fpir;              // from targetFPIR
  double requested_false_match_rate = 0.0;           // per comparison, before clamping to the engines
  double false_match_rate = 0.0;                     // per comparison, as searched
  bool clamped_to_engine_range = false;              // the engines cannot go as low as requested
  std::size_t hits = 0;                              // candidates returned to the adapter
  std::int64_t audit_seq = 0;                        // the search's audit entry
};

class MosipStoreHandler final : public interop::MosipAbisHandler {
 public:
  // REQUIRES `system` and the engines behind `engines` outlive the handler.
  // Fails (kInvalidArgument / kPermissionDenied / kNotFound / kFailedPrecondition) when the
  // configuration is invalid, the gallery is missing or a watchlist, or `service_operator`'s role
  // may not add persons, enrol, search and read samples for the purpose; a `deletion_operator`
  // must be allowed to delete persons. Without one, DELETE is attempted as the service operator,
  // refused by the policy (and the refusal audited) unless its role allows it.
  static Result<std::unique_ptr<MosipStoreHandler>> Create(AbisSystem& system, EngineProvider engines,
                                                           Operator service_operator,
                                                           std::optional<Operator> deletion_operator,
                                                           MosipStoreHandlerConfig config);

  interop::MosipOutcome Insert(const std::string& reference_id, const interop::CbeffDocument& biometrics) override;
  // Same as Insert; the audit entries of the INSERT (person.add, one enrol per sample) carry
  // `request_id` as their case reference. A requestId above 128 characters (the store's limit
  // for case references) is refused as kInvalidRequestStructure before anything is written.
  interop::MosipOutcome InsertForRequest(const std::string& request_id, const std::string& reference_id,
                                         const interop::CbeffDocument& biometrics) override;
  interop::MosipOutcome Identify(const interop::MosipIdentifyQuery& query,
                                 std::vector<interop::MosipCandidate>* candidates) override;
  interop::MosipOutcome Delete(const std::string& reference_id) override;
  // Same as Delete; the audit entry's reason names the MOSIP request:
  // "MOSIP DELETE requestId <request_id> referenceId <reference_id>".
  interop::MosipOutcome DeleteForRequest(const std::string& request_id, const std::string& reference_id) override;
  interop::MosipOutcome ReferenceCount(std::int64_t* count) override;
  // OK when the store answers and the gallery exists.
  interop::MosipOutcome Ping() override;

  const MosipIdentifyReport& last_identify() const { return last_identify_; }
  // Why samples of the last INSERT were not enrolled (skipped BIRs, engine rejections), one line each.
  const std::vector<std::string>& last_insert_notes() const { return last_insert_notes_; }

 private:
  MosipStoreHandler(AbisSystem& system, EngineProvider engines, Operator service_operator,
                    std::optional<Operator> deletion_operator, MosipStoreHandlerConfig config)
      : system_(system),
        engines_(std::move(engines)),
        operator_(std::move(service_operator)),
        deletion_operator_(std::move(deletion_operator)),
        config_(std::move(config)) {}

  // OK when `reference_id` is a person of the gallery; kReferenceIdNotFound otherwise. `role`
  // ("probe", "gallery" or "") names the id in the message.
  interop::MosipOutcome CheckGalleryMember(const std::string& reference_id, const std::string& role);
  // What an IDENTIFY searches with: the fetched CBEFF's samples, or its referenceId's stored
  // templates (the person is then the search's probe_person).
  struct MosipProbe {
    std::vector<SampleInput> samples;  // from the request's CBEFF
    std::string person;                // or: this stored person (referenceId) is the probe
    std::size_t evidence_groups = 0;   // probe samples, or the person's templates the search uses
    std::set<Modality> modalities;
  };
  interop::MosipOutcome ProbeSamples(const interop::MosipIdentifyQuery& query, MosipProbe* probe);
  // Raises `false_match_rate` to the lowest one every engine of `modalities` can calibrate.
  interop::MosipOutcome ClampToEngines(const std::set<Modality>& modalities, double* false_match_rate);

  AbisSystem& system_;
  EngineProvider engines_;
  Operator operator_;
  std::optional<Operator> deletion_operator_;
  MosipStoreHandlerConfig config_;
  MosipIdentifyReport last_identify_;
  std::vector<std::string> last_insert_notes_;
};

// Retention end date: `today` (YYYY-MM-DD) plus `years`, 29 February becoming 28 February in a
// common year. kInvalidArgument when `today` is not a date or years is outside 1-150.
Result<std::string> RetentionDateAfterYears(const std::string& today, int years);

// MOSIP's "confidence" of a candidate, 0-100: the posterior probability (in percent) that the
// candidate is the probe's source, from its log-likelihood ratio with a uniform prior over
// `records` gallery records: 100 / (1 + records * exp(-log_lr)).
int MosipConfidencePercent(double log_lr, std::size_t records);

}  // namespace abis::mosip
