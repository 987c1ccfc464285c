#include "abis/mosip/mosip_store_handler.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>

#include "abis/core/time.h"
#include "abis/interop/cbeff_biometrics.h"
#include "abis/mosip/cbeff_sample_inputs.h"

namespace abis::mosip {

namespace {

using interop::MosipCandidate;
using interop::MosipFailureReason;
using interop::MosipKeyValue;
using interop::MosipModalityAnalytics;
using interop::MosipOutcome;

constexpr std::size_t kMaxCandidatesPerSearch = 1000;  // AbisSystem::Search's limit
constexpr double kHighestFalseMatchRate = 0.5;         // a search "accepting everything" still ranks
constexpr std::size_t kMaxCaseRefLength = 128;         // AbisSystem's limit for case references

MosipOutcome Internal(const std::string& what, const Status& status) {
  return MosipOutcome::Failure(MosipFailureReason::kInternalErrorUnknown, what + ": " + status.ToString());
}

// A CBEFF refused for one of its slaps: a finger missing or under the quality floor is a quality
// failure (18); an image that cannot be cut or contradicts its position is an invalid CBEFF (16).
MosipOutcome SlapRefusal(const Status& refusal) {
  return MosipOutcome::Failure(refusal.code() == StatusCode::kFailedPrecondition
                                   ? MosipFailureReason::kBiometricQualityCheckFailed
                                   : MosipFailureReason::kInvalidCbeffFormat,
                               refusal.message());
}

// Engine rejections of one sample (bad image, failed quality check): the other samples go on.
bool IsSampleRejection(const Status& status) {
  return status.code() == StatusCode::kInvalidArgument || status.code() == StatusCode::kResourceExhausted;
}

MosipKeyValue KeyValue(const std::string& key, const std::string& value) { return {key, nlohmann::json(value).dump()}; }

std::string Decimal(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", digits, value);
  return text;
}

std::string MosipBiometricType(const std::string& modality_name) {
  if (modality_name == ModalityName(Modality::kFinger)) return "FIR";
  if (modality_name == ModalityName(Modality::kFace)) return "FID";
  return modality_name;
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += (out.empty() ? "" : "; ") + line;
  return out;
}

// The MOSIP candidate for one search result: analytics {internalScore: fused log-LR, confidence}
// and per modality {internalScore: best raw score, confidence from that modality's log-LR sum}.
MosipCandidate ToMosipCandidate(const CandidateResult& result, std::size_t records) {
  MosipCandidate candidate;
  candidate.reference_id = result.external_id;
  candidate.analytics = {KeyValue("internalScore", Decimal(result.fused_log_lr, 3)),
                         KeyValue("confidence", std::to_string(MosipConfidencePercent(result.fused_log_lr, records)))};
  struct ModalityScores {
    double best_score = -std::numeric_limits<double>::infinity();
    double log_lr = 0.0;
  };
  std::map<std::string, ModalityScores> by_modality;
  for (const ProbeEvidence& probe : result.per_probe) {
    ModalityScores& scores = by_modality[std::string(ModalityName(probe.modality))];
    scores.best_score = std::max(scores.best_score, probe.score);
    scores.log_lr += probe.log_lr;
  }
  for (const auto& [modality, scores] : by_modality) {
    MosipModalityAnalytics analytics;
    analytics.biometric_type = MosipBiometricType(modality);
    analytics.analytics = {KeyValue("internalScore", Decimal(scores.best_score, 4)),
                           KeyValue("confidence", std::to_string(MosipConfidencePercent(scores.log_lr, records)))};
    candidate.modalities.push_back(std::move(analytics));
  }
  return candidate;
}

}  // namespace

Result<std::string> RetentionDateAfterYears(const std::string& today, int years) {
  ABIS_RETURN_IF_ERROR(ValidateIsoDate(today, "today"));
  if (years < 1 || years > 150) {
    return Status::InvalidArgument("retention of " + std::to_string(years) + " years is outside 1-150");
  }
  int year = 0;
  std::from_chars(today.data(), today.data() + 4, year);
  const int until = year + years;
  std::string month_day = today.substr(4, 6);  // "-MM-DD"
  const bool leap = (until % 4 == 0 && until % 100 != 0) || until % 400 == 0;
  if (month_day == "-02-29" && !leap) month_day = "-02-28";
  std::string year_text = std::to_string(until);  // ValidateIsoDate allows years 0000-9999; until < 10150
  if (year_text.size() < 4) year_text.insert(0, 4 - year_text.size(), '0');
  return year_text + month_day;
}

int MosipConfidencePercent(double log_lr, std::size_t records) {
  if (std::isnan(log_lr)) return 0;
  // 1 / (1 + N e^-L) computed as 1 / (1 + e^(ln N - L)), bounded so exp cannot overflow.
  const double exponent =
      std::clamp(std::log(static_cast<double>(std::max<std::size_t>(records, 1))) - log_lr, -700.0, 700.0);
  return static_cast<int>(std::lround(100.0 / (1.0 + std::exp(exponent))));
}

Result<std::unique_ptr<MosipStoreHandler>> MosipStoreHandler::Create(AbisSystem& system, EngineProvider engines,
                                                                     Operator service_operator,
                                                                     std::optional<Operator> deletion_operator,
                                                                     MosipStoreHandlerConfig config) {
  if (!engines) return Status::InvalidArgument("MOSIP handler: no engine provider");
  if (config.legal_basis.empty()) {
    return Status::InvalidArgument("MOSIP handler: a legal basis is required for the persons MOSIP registers");
  }
  ABIS_RETURN_IF_ERROR(
      RetentionDateAfterYears("2000-01-01", config.retention_years).status().WithContext("MOSIP handler"));
  if (!(config.default_false_match_rate > 0.0 && config.default_false_match_rate < 1.0)) {
    return Status::InvalidArgument("MOSIP handler: default false match rate " +
                                   std::to_string(config.default_false_match_rate) + " is not in (0, 1)");
  }
  const std::string who =
      "MOSIP operator '" + service_operator.name + "' (" + std::string(RoleName(service_operator.role)) + ")";
  for (Action action : {Action::kAddPerson, Action::kEnrol, Action::kSearch, Action::kVerify}) {
    if (!RoleAllows(service_operator.role, action)) {
      return Status::PermissionDenied(who + " may not " + std::string(ActionName(action)) +
                                      "; MOSIP needs a role that adds persons, enrols and searches (enroller)");
    }
  }
  if (!RoleAllowsPurpose(service_operator.role, config.purpose)) {
    return Status::PermissionDenied(who + " may not search for the purpose " +
                                    std::string(PurposeName(config.purpose)));
  }
  if (deletion_operator && !RoleAllows(deletion_operator->role, Action::kDeletePerson)) {
    return Status::PermissionDenied("MOSIP deletion operator '" + deletion_operator->name + "' (" +
                                    std::string(RoleName(deletion_operator->role)) + ") may not delete persons");
  }
  ABIS_ASSIGN_OR_RETURN(Gallery gallery, system.FindGallery(service_operator, config.gallery));
  if (gallery.kind == GalleryKind::kWatchlist) {
    return Status::FailedPrecondition("MOSIP handler: gallery '" + config.gallery +
                                      "' is a watchlist; MOSIP records belong in a register gallery");
  }
  return std::unique_ptr<MosipStoreHandler>(new MosipStoreHandler(
      system, std::move(engines), std::move(service_operator), std::move(deletion_operator), std::move(config)));
}

MosipOutcome MosipStoreHandler::CheckGalleryMember(const std::string& reference_id, const std::string& role) {
  const std::string what = (role.empty() ? "" : role + " ") + "referenceId '" + reference_id + "'";
  Result<std::vector<std::string>> galleries = system_.GalleriesOfPerson(operator_, reference_id);
  if (!galleries.ok()) {
    if (galleries.status().code() == StatusCode::kNotFound) {
      return MosipOutcome::Failure(MosipFailureReason::kReferenceIdNotFound, what + " is not in the store");
    }
    return Internal("reading the galleries of " + what, galleries.status());
  }
  if (std::find(galleries->begin(), galleries->end(), config_.gallery) == galleries->end()) {
    return MosipOutcome::Failure(MosipFailureReason::kReferenceIdNotFound,
                                 what + " exists but is not in gallery '" + config_.gallery + "'");
  }
  return MosipOutcome::Ok();
}

MosipOutcome MosipStoreHandler::Insert(const std::string& reference_id, const interop::CbeffDocument& biometrics) {
  return InsertForRequest("", reference_id, biometrics);
}

MosipOutcome MosipStoreHandler::InsertForRequest(const std::string& request_id, const std::string& reference_id,
                                                 const interop::CbeffDocument& biometrics) {
  last_insert_notes_.clear();
  if (request_id.size() > kMaxCaseRefLength) {
    return MosipOutcome::Failure(MosipFailureReason::kInvalidRequestStructure,
                                 "requestId longer than " + std::to_string(kMaxCaseRefLength) +
                                     " characters cannot serve as the INSERT's case reference");
  }
  Result<bool> existing = system_.PersonExists(operator_, reference_id);
  if (!existing.ok()) return Internal("looking up referenceId '" + reference_id + "'", existing.status());
  if (*existing) {
    return MosipOutcome::Failure(MosipFailureReason::kReferenceIdAlreadyExists,
                                 "referenceId '" + reference_id + "' is already in the store");
  }

  CbeffSampleInputs inputs =
      SampleInputsFromCbeff(interop::ExtractCbeffBiometrics(biometrics), "referenceId " + reference_id, config_.slaps);
  last_insert_notes_ = inputs.skipped;
  if (!inputs.refusal.ok()) {
    last_insert_notes_.push_back(inputs.refusal.message());
    return SlapRefusal(inputs.refusal);
  }
  if (inputs.samples.empty()) {
    return MosipOutcome::Failure(
        MosipFailureReason::kInvalidCbeffFormat,
        "no usable finger or face in the CBEFF of '" + reference_id + "': " + JoinLines(inputs.skipped));
  }

  Person person;
  person.external_id = reference_id;
  person.category = config_.category;
  person.legal_basis = config_.legal_basis;
  Result<std::string> retention = RetentionDateAfterYears(TodayUtc(), config_.retention_years);
  if (!retention.ok()) return Internal("computing the retention date", retention.status());
  person.retention_until = *retention;

  // One encounter, all-or-nothing (AbisSystem::EnrolEncounter): every sample is extracted before
  // the write transaction, and the person exists only with at least one enrolled sample, so a
  // crash leaves nothing (a redelivered INSERT then runs again instead of finding a half-made
  // record). A sample its engine rejects is left out and noted.
  EncounterEnrolment request;
  request.person = reference_id;
  request.new_person = person;
  request.samples = inputs.samples;
  request.encounter_kind = "enrollment";
  request.source_agency = config_.source_agency;
  request.galleries = {config_.gallery};
  request.case_ref = request_id;
  // A slap is all or nothing unless partial slaps are accepted: a finger cut from it that the engine
  // then rejects refuses the whole INSERT (as a missing finger does), so with slaps in the document
  // every sample must enrol.
  request.rejected_samples = inputs.slap_fingers > 0 && !config_.slaps.accept_partial
                                 ? EncounterEnrolment::RejectedSamples::kRefuseAll
                                 : EncounterEnrolment::RejectedSamples::kSkip;
  Result<EncounterEnrolmentResult> enrolled = system_.EnrolEncounter(operator_, request);
  if (!enrolled.ok()) {
    if (enrolled.status().code() == StatusCode::kAlreadyExists) {
      return MosipOutcome::Failure(MosipFailureReason::kReferenceIdAlreadyExists, enrolled.status().message());
    }
    if (request.rejected_samples == EncounterEnrolment::RejectedSamples::kRefuseAll &&
        IsSampleRejection(enrolled.status())) {  // a sample its engine rejected
      return MosipOutcome::Failure(MosipFailureReason::kBiometricQualityCheckFailed,
                                   "INSERT of '" + reference_id +
                                       "' with a slap refused (partial slaps are not "
                                       "accepted): " +
                                       enrolled.status().message());
    }
    return Internal("INSERT of '" + reference_id + "' rolled back", enrolled.status());
  }
  std::vector<std::string> rejected;
  for (const SampleRejection& rejection : enrolled->rejected) rejected.push_back(rejection.status.message());
  last_insert_notes_.insert(last_insert_notes_.end(), rejected.begin(), rejected.end());
  if (enrolled->samples.empty()) {
    return MosipOutcome::Failure(MosipFailureReason::kBiometricQualityCheckFailed,
                                 "no sample of '" + reference_id + "' passed extraction: " + JoinLines(rejected));
  }
  return MosipOutcome::Ok();
}

MosipOutcome MosipStoreHandler::ProbeSamples(const interop::MosipIdentifyQuery& query, MosipProbe* probe) {
  if (!query.probe_reference_id.empty()) {
    // Deduplication of a stored record: the search takes the person's stored finger and face
    // templates as its probes (SearchRequest::probe_person, probe_modalities); nothing is
    // decrypted for export or extracted again. The FPIR is shared over the templates the search
    // will use: those of active encounters that the current engines made.
    MosipOutcome member = CheckGalleryMember(query.probe_reference_id, "probe");
    if (!member.ok()) return member;
    Result<PersonEncounters> stored = system_.ReadEncounters(operator_, query.probe_reference_id);
    if (!stored.ok()) return Internal("reading the encounters of '" + query.probe_reference_id + "'", stored.status());
    std::size_t templates = 0;
    for (const EncounterRecord& encounter : stored->encounters) {
      if (!encounter.encounter.active) continue;
      for (const TemplateInfo& info : encounter.templates) {
        if (info.modality != Modality::kFinger && info.modality != Modality::kFace) continue;
        Result<const ModalityEngine*> engine = engines_(info.modality);
        if (!engine.ok() || (*engine)->algorithm() != info.algorithm) continue;  // the search skips it too
        ++templates;
        probe->modalities.insert(info.modality);
      }
    }
    if (templates == 0) {
      return MosipOutcome::Failure(
          MosipFailureReason::kInternalErrorUnknown,
          "'" + query.probe_reference_id + "' has no finger or face template of the current algorithms to search with");
    }
    probe->person = query.probe_reference_id;
    probe->evidence_groups = templates;
    return MosipOutcome::Ok();
  }
  if (!query.probe_biometrics) {
    return MosipOutcome::Failure(MosipFailureReason::kInternalErrorUnknown,
                                 "IDENTIFY without a probe referenceId or fetched biometrics");
  }
  CbeffSampleInputs inputs = SampleInputsFromCbeff(interop::ExtractCbeffBiometrics(*query.probe_biometrics),
                                                   "IDENTIFY " + query.request_id, config_.slaps);
  if (!inputs.refusal.ok()) return SlapRefusal(inputs.refusal);
  if (inputs.samples.empty()) {
    return MosipOutcome::Failure(MosipFailureReason::kInvalidCbeffFormat,
                                 "no usable finger or face in the probe CBEFF: " + JoinLines(inputs.skipped));
  }
  for (const SampleInput& sample : inputs.samples) probe->modalities.insert(sample.modality);
  probe->evidence_groups = inputs.samples.size();
  probe->samples = std::move(inputs.samples);
  return MosipOutcome::Ok();
}

MosipOutcome MosipStoreHandler::ClampToEngines(const std::set<Modality>& modalities, double* false_match_rate) {
  for (Modality modality : modalities) {
    Result<const ModalityEngine*> engine = engines_(modality);
    if (!engine.ok()) return Internal(std::string(ModalityName(modality)) + " engine", engine.status());
    // Engines refuse FMRs below what their calibration can estimate: step up by decades until one
    // is accepted (at most 0.5, where every engine answers or the engine is uncalibrated).
    Status last;
    while (true) {
      Result<double> threshold = (*engine)->ThresholdForFalseMatchRate(*false_match_rate);
      if (threshold.ok()) break;
      last = threshold.status();
      if (*false_match_rate >= kHighestFalseMatchRate) {
        return Internal(std::string(ModalityName(modality)) + " engine has no operating point", last);
      }
      *false_match_rate = std::min(kHighestFalseMatchRate, *false_match_rate * 10.0);
    }
  }
  return MosipOutcome::Ok();
}

MosipOutcome MosipStoreHandler::Identify(const interop::MosipIdentifyQuery& query,
                                         std::vector<MosipCandidate>* candidates) {
  last_identify_ = MosipIdentifyReport{};
  last_identify_.request_id = query.request_id;
  if (query.request_id.empty() || query.request_id.size() > kMaxCaseRefLength) {
    return MosipOutcome::Failure(MosipFailureReason::kInvalidRequestStructure,
                                 "requestId must be 1-" + std::to_string(kMaxCaseRefLength) +
                                     " characters to serve as the search's case reference");
  }
  MosipProbe probe;
  MosipOutcome probed = ProbeSamples(query, &probe);
  if (!probed.ok()) return probed;
  const std::string& own = query.probe_reference_id;

  std::optional<std::set<std::string>> restricted;
  if (query.gallery && query.gallery->size() > kMaxRestrictedPersons) {
    return MosipOutcome::Failure(MosipFailureReason::kInvalidRequestStructure,
                                 "gallery lists " + std::to_string(query.gallery->size()) + " referenceIds; at most " +
                                     std::to_string(kMaxRestrictedPersons) + " are searched");
  }
  if (query.gallery) {
    restricted.emplace();
    for (const std::string& member : *query.gallery) {
      MosipOutcome found = CheckGalleryMember(member, "gallery");
      if (!found.ok()) return found;
      if (member != own) restricted->insert(member);
    }
  }
  Result<Gallery> gallery = system_.FindGallery(operator_, config_.gallery);
  if (!gallery.ok()) return Internal("gallery '" + config_.gallery + "'", gallery.status());
  std::size_t records =
      restricted ? restricted->size() : static_cast<std::size_t>(std::max<std::int64_t>(gallery->member_count, 0));
  if (!restricted && !own.empty() && records > 0) --records;  // the probe's own record is not compared

  // FPIR ≈ records × probe samples × FMR (a candidate is a hit when any probe sample passes), so
  // the per-comparison FMR is the requested FPIR shared out over every comparison.
  double false_match_rate = config_.default_false_match_rate;
  if (query.false_positive_identification_rate) {
    false_match_rate =
        *query.false_positive_identification_rate /
        (static_cast<double>(std::max<std::size_t>(records, 1)) * static_cast<double>(probe.evidence_groups));
  }
  false_match_rate = std::min(false_match_rate, kHighestFalseMatchRate);
  last_identify_.probe_samples = probe.evidence_groups;
  last_identify_.compared_records = records;
  last_identify_.requested_fpir = query.false_positive_identification_rate;
  last_identify_.requested_false_match_rate = false_match_rate;
  MosipOutcome clamped = ClampToEngines(probe.modalities, &false_match_rate);
  if (!clamped.ok()) return clamped;
  last_identify_.false_match_rate = false_match_rate;
  last_identify_.clamped_to_engine_range = false_match_rate > last_identify_.requested_false_match_rate;

  SearchRequest request;
  request.purpose = config_.purpose;
  request.case_ref = query.request_id;
  request.gallery = config_.gallery;
  request.probes = std::move(probe.samples);
  request.probe_person = probe.person;
  request.probe_modalities = {Modality::kFinger, Modality::kFace};  // what MOSIP identifies by
  request.target_false_match_rate = false_match_rate;
  if (restricted) request.within_persons = std::vector<std::string>(restricted->begin(), restricted->end());
  // Room for the probe's own record (a restricted search never returns it: it is not listed).
  request.max_candidates =
      std::min(kMaxCandidatesPerSearch, static_cast<std::size_t>(std::max(query.max_results, 1)) + 1);
  Result<SearchResult> result = system_.Search(operator_, request);
  if (!result.ok()) {
    if (!query.probe_biometrics || !IsSampleRejection(result.status())) {
      return Internal("search for IDENTIFY " + query.request_id, result.status());
    }
    return MosipOutcome::Failure(MosipFailureReason::kBiometricQualityCheckFailed,
                                 "the probe CBEFF of IDENTIFY " + query.request_id + ": " + result.status().message());
  }
  last_identify_.audit_seq = result->audit_seq;
  for (const CandidateResult& candidate : result->candidates) {
    if (!candidate.hit || candidate.external_id == own) continue;
    candidates->push_back(ToMosipCandidate(candidate, records));
  }
  last_identify_.hits = candidates->size();
  return MosipOutcome::Ok();
}

MosipOutcome MosipStoreHandler::Delete(const std::string& reference_id) { return DeleteForRequest("", reference_id); }

MosipOutcome MosipStoreHandler::DeleteForRequest(const std::string& request_id, const std::string& reference_id) {
  MosipOutcome member = CheckGalleryMember(reference_id, "");
  if (!member.ok()) return member;
  const Operator& deleter = deletion_operator_ ? *deletion_operator_ : operator_;
  const std::string reason = request_id.empty()
                                 ? "MOSIP DELETE of referenceId " + reference_id
                                 : "MOSIP DELETE requestId " + request_id + " referenceId " + reference_id;
  const Status deleted = system_.DeletePerson(deleter, reference_id, reason);
  if (deleted.ok()) return MosipOutcome::Ok();
  if (deleted.code() == StatusCode::kNotFound) {
    return MosipOutcome::Failure(MosipFailureReason::kReferenceIdNotFound, deleted.message());
  }
  return Internal("DELETE of '" + reference_id + "'", deleted);
}

MosipOutcome MosipStoreHandler::ReferenceCount(std::int64_t* count) {
  Result<Gallery> gallery = system_.FindGallery(operator_, config_.gallery);
  if (!gallery.ok()) return Internal("gallery '" + config_.gallery + "'", gallery.status());
  *count = gallery->member_count;
  return MosipOutcome::Ok();
}

MosipOutcome MosipStoreHandler::Ping() {
  Result<Gallery> gallery = system_.FindGallery(operator_, config_.gallery, AbisSystem::MemberCount::kNotCounted);
  if (!gallery.ok()) return Internal("gallery '" + config_.gallery + "'", gallery.status());
  return MosipOutcome::Ok();
}

}  // namespace abis::mosip
