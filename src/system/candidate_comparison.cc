// AbisSystem: what an examiner compares for a candidate (the probes kept with the search and the
// candidate's samples), the queue of open reviews, and the probes kept with searches.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "abis/core/time.h"
#include "abis/system/abis_system.h"
#include "abis/system/candidate_review.h"
#include "audit_object_ids.h"

namespace abis {
namespace {

// "YYYY-MM-DD" of today (UTC) plus `days`.
std::string DatePlusDays(int days) {
  auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  std::chrono::year_month_day date{today + std::chrono::days(days)};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()));
  return text;
}

// The false match rate at which the engine's threshold equals `score` (bisection over the
// monotone ThresholdForFalseMatchRate in log10 FMR, 1e-12 to 1); unset when it cannot be found.
std::optional<double> FalseMatchRateAt(const ModalityEngine& engine, double score) {
  double low = -12.0;  // log10 FMR; the threshold decreases as the FMR grows
  double high = 0.0;
  auto at = [&](double log_fmr) { return engine.ThresholdForFalseMatchRate(std::pow(10.0, log_fmr)); };
  auto strictest = at(low);
  auto loosest = at(high);
  if (!strictest.ok() || !loosest.ok()) return std::nullopt;
  if (score >= *strictest) return std::pow(10.0, low);
  if (score <= *loosest) return 1.0;
  for (int i = 0; i < 40; ++i) {
    double middle = (low + high) / 2;
    auto threshold = at(middle);
    if (!threshold.ok()) return std::nullopt;
    (*threshold > score ? low : high) = middle;
  }
  return std::pow(10.0, high);
}

}  // namespace

Status KeepSearchProbes(Store& store, const Operator& op, const SearchRequest& request, std::int64_t search_seq) {
  if (request.probe_retention_days < 1 || request.probe_retention_days > 3650) {
    return Status::InvalidArgument("probe retention must be 1-3650 days");
  }
  const std::string now = NowUtcIso8601();
  const std::string retain_until = DatePlusDays(request.probe_retention_days);
  for (std::size_t i = 0; i < request.probes.size(); ++i) {
    const SampleInput& input = request.probes[i];
    SearchProbeRecord probe;
    probe.search_seq = search_seq;
    probe.probe_index = static_cast<int>(i + 1);
    probe.case_ref = request.case_ref;
    probe.purpose = std::string(PurposeName(request.purpose));
    probe.searched_by = op.name;
    probe.modality = std::string(ModalityName(input.modality));
    probe.format = input.format_hint;
    probe.position = static_cast<int>(input.position);
    probe.created_at = now;
    probe.retain_until = retain_until;
    ABIS_RETURN_IF_ERROR(store.AddSearchProbe(probe, input.bytes).status());
  }
  return Status::Ok();
}

Result<std::vector<CandidateReview>> AbisSystem::ListOpenReviews(const Operator& op, const ReviewQueueFilter& filter,
                                                                 int limit) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kReadCandidateReviews, "read candidate reviews"));
  if (limit < 1 || limit > 1000) return Status::InvalidArgument("the review queue limit must be 1-1000");
  OpenCandidateFilter selected{filter.case_ref, filter.purpose, filter.gallery, -1};
  nlohmann::json filters_used = nlohmann::json::array();  // names only, never the values
  for (const auto& [name, value] : {std::pair<const char*, const std::string*>{"case", &filter.case_ref},
                                    {"purpose", &filter.purpose},
                                    {"gallery", &filter.gallery},
                                    {"state", &filter.state}}) {
    if (value->size() > 200)
      return Status::InvalidArgument(std::string("the review queue filter '") + name + "' is over 200 characters");
    if (!value->empty()) filters_used.push_back(name);
  }
  bool never_open = false;
  if (filter.state == ReviewStateName(ReviewState::kUnreviewed)) {
    selected.confirmations = 0;
  } else if (filter.state == ReviewStateName(ReviewState::kOneConfirmation)) {
    selected.confirmations = 1;
  } else if (filter.state == ReviewStateName(ReviewState::kConfirmed) ||
             filter.state == ReviewStateName(ReviewState::kRejected)) {
    never_open = true;
  } else if (!filter.state.empty()) {
    return Status::InvalidArgument(
        "the review queue state filter must be unreviewed, one_confirmation, confirmed or rejected");
  }
  std::vector<CandidateReview> reviews;
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    std::vector<std::int64_t> ids;
    if (!never_open) {
      ABIS_ASSIGN_OR_RETURN(ids, store_->ListOpenSearchCandidateIds(selected, limit));
    }
    std::vector<std::int64_t> persons;
    for (std::int64_t id : ids) {
      ABIS_ASSIGN_OR_RETURN(CandidateReview review, LoadCandidateReview(*store_, id));
      persons.push_back(review.person_id);
      reviews.push_back(std::move(review));
    }
    AuditEvent event = EventFor(op, "candidate.queue.read");
    event.object_ids = Ids({{"persons", persons}, {"candidates", ids}});
    event.result = {{"listed", ids.size()}, {"filters", filters_used}};
    return AppendAuditEntry(*store_, event).status();
  }));
  return reviews;
}

Result<CandidateComparison> AbisSystem::ReadCandidateComparison(const Operator& op, std::int64_t candidate_id) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kReadCandidateReviews, "read candidate reviews"));
  CandidateComparison comparison;
  CandidateReview review;
  std::vector<std::pair<SearchProbeRecord, std::vector<std::uint8_t>>> probes;
  std::vector<std::pair<TemplateInfo, BiometricTemplate>> references;
  // Everything is read in one snapshot; the probes are extracted and compared outside any
  // transaction (extraction is slow), then the read is audited.
  ABIS_RETURN_IF_ERROR(store_->ReadTransaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(review, LoadCandidateReview(*store_, candidate_id));
    ABIS_ASSIGN_OR_RETURN(std::vector<SearchProbeRecord> records, store_->ListSearchProbes(review.search_seq));
    for (const SearchProbeRecord& record : records) {
      ABIS_ASSIGN_OR_RETURN(auto loaded, store_->LoadSearchProbe(record.id));
      probes.push_back(std::move(loaded));
    }
    ABIS_ASSIGN_OR_RETURN(std::vector<Store::SampleInfo> samples, store_->ListSamples(review.person_id));
    for (const Store::SampleInfo& info : samples) {
      comparison.candidate_samples.push_back({info.id, info.encounter_id, info.modality, info.format, info.position});
    }
    ABIS_ASSIGN_OR_RETURN(std::vector<TemplateInfo> templates, store_->ListTemplates(review.person_id));
    for (const TemplateInfo& info : templates) {
      ABIS_ASSIGN_OR_RETURN(BiometricTemplate reference, store_->LoadTemplate(info.id));
      references.emplace_back(info, std::move(reference));
    }
    return Status::Ok();
  }));
  for (auto& [record, bytes] : probes) {
    ComparedSample sample;
    sample.id = record.id;
    ABIS_ASSIGN_OR_RETURN(sample.modality, ParseModality(record.modality));
    sample.format = record.format;
    ABIS_ASSIGN_OR_RETURN(sample.position, FingerPositionFromCode(record.position));
    comparison.probes.push_back(sample);
    // The kept probe is extracted again and compared with the candidate's templates of its
    // modality (and finger, when both are known): what the search saw, per modality.
    SampleInput input;
    input.modality = sample.modality;
    input.bytes = std::move(bytes);
    input.format_hint = record.format;
    input.position = sample.position;
    input.source_name = "probe " + std::to_string(record.probe_index);
    auto engine = engines_(input.modality);
    if (!engine.ok()) {
      comparison.comparison_errors.push_back(input.source_name + ": " + engine.status().message());
      continue;
    }
    auto probe = (*engine)->Extract(input);
    if (!probe.ok()) {
      comparison.comparison_errors.push_back(input.source_name + ": " + probe.status().message());
      continue;
    }
    std::optional<ProbeComparison> best;
    const BiometricTemplate* best_reference = nullptr;
    for (const auto& [info, reference] : references) {
      if (info.modality != input.modality || info.algorithm != probe->algorithm) continue;
      if (input.position != FingerPosition::kUnknown && info.position != FingerPosition::kUnknown &&
          info.position != input.position) {
        continue;
      }
      auto compared = (*engine)->Compare(*probe, reference);
      if (!compared.ok()) continue;
      if (!best || compared->log_lr > best->log_lr) {
        best = ProbeComparison{record.id,    info.sample_id,    compared->score,         compared->log_lr,
                               std::nullopt, compared->details, nlohmann::json::object()};
        best_reference = &reference;
      }
    }
    if (!best) {
      comparison.comparison_errors.push_back(input.source_name + ": the candidate has no comparable template");
      continue;
    }
    best->false_match_rate = FalseMatchRateAt(**engine, best->score);
    // The engine's detail for the examiner (alleles, minutiae positions): only in this answer.
    auto view = (*engine)->ExaminerView(*probe, *best_reference);
    if (view.ok()) {
      best->examiner_view = std::move(*view);
    } else {
      comparison.comparison_errors.push_back(input.source_name + ": " + view.status().message());
    }
    comparison.comparisons.push_back(std::move(*best));
  }
  AuditEvent event = EventFor(op, "candidate.comparison.read");
  event.purpose = review.purpose;
  event.case_ref = review.case_ref;
  event.object_ids = Ids({{"persons", {review.person_id}}, {"candidates", {candidate_id}}});
  event.result = {{"search_seq", review.search_seq},
                  {"probes", comparison.probes.size()},
                  {"candidate_samples", comparison.candidate_samples.size()},
                  {"compared", comparison.comparisons.size()}};
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status { return AppendAuditEntry(*store_, event).status(); }));
  return comparison;
}

Result<ViewedSample> AbisSystem::ReadCandidateImage(const Operator& op, std::int64_t candidate_id, bool probe,
                                                    std::int64_t id, SampleView view) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kReadCandidateReviews, "view the samples of a candidate review"));
  ViewedSample viewed;
  nlohmann::json options = nlohmann::json::object();  // the sample's engine options (face_index)
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(CandidateReview review, LoadCandidateReview(*store_, candidate_id));
    AuditEvent event = EventFor(op, "candidate.image.read");
    event.purpose = review.purpose;
    event.case_ref = review.case_ref;
    if (probe) {
      auto loaded = store_->LoadSearchProbe(id);
      if (!loaded.ok() && loaded.status().code() != StatusCode::kNotFound) return loaded.status();
      if (!loaded.ok() || loaded->first.search_seq != review.search_seq) {
        return Status::NotFound("candidate " + std::to_string(candidate_id) + "'s search kept no probe " +
                                std::to_string(id));
      }
      ABIS_ASSIGN_OR_RETURN(viewed.modality, ParseModality(loaded->first.modality));
      viewed.format = loaded->first.format;
      ABIS_ASSIGN_OR_RETURN(viewed.position, FingerPositionFromCode(loaded->first.position));
      viewed.bytes = std::move(loaded->second);
      event.object_ids = Ids({{"persons", {review.person_id}}, {"candidates", {candidate_id}}});
      event.result = {{"search_seq", review.search_seq}, {"probe_id", id}, {"bytes", viewed.bytes.size()}};
    } else {
      ABIS_ASSIGN_OR_RETURN(std::vector<Store::SampleInfo> samples, store_->ListSamples(review.person_id));
      auto found = std::find_if(samples.begin(), samples.end(), [&](const Store::SampleInfo& s) { return s.id == id; });
      if (found == samples.end()) {
        return Status::NotFound("candidate " + std::to_string(candidate_id) + "'s person has no sample " +
                                std::to_string(id));
      }
      ABIS_ASSIGN_OR_RETURN(viewed.bytes, store_->LoadSample(id));
      viewed.modality = found->modality;
      viewed.format = found->format;
      viewed.position = found->position;
      event.object_ids = Ids({{"persons", {review.person_id}}, {"candidates", {candidate_id}}, {"samples", {id}}});
      if (found->options.is_object()) options = found->options;
      event.result = {{"search_seq", review.search_seq}, {"bytes", viewed.bytes.size()}};
    }
    if (view == SampleView::kPrepared) event.result["view"] = "prepared";
    return AppendAuditEntry(*store_, event).status();
  }));
  if (view == SampleView::kAsStored) return viewed;
  // Prepared outside the transaction (face detection is slow), as Extract() would prepare it.
  SampleInput input;
  input.modality = viewed.modality;
  input.bytes = std::move(viewed.bytes);
  input.format_hint = viewed.format;
  input.position = viewed.position;
  input.options = std::move(options);
  input.source_name = (probe ? "probe " : "sample ") + std::to_string(id);
  ABIS_ASSIGN_OR_RETURN(const ModalityEngine* engine, engines_(input.modality));
  ABIS_ASSIGN_OR_RETURN(viewed.bytes, engine->PreparedImage(input));
  viewed.format = "png";
  return viewed;
}

}  // namespace abis
