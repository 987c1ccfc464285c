#include "abis/system/candidate_review.h"

#include <algorithm>
#include <optional>

#include "abis/audit/audit_log.h"
#include "abis/core/json_text.h"
#include "abis/core/time.h"

namespace abis {
namespace {

constexpr std::size_t kMaxCommentLength = 1000;
constexpr std::size_t kMaxLeadContextBytes = 4096;

AuditEvent EventFor(const Operator& op, const std::string& action) {
  AuditEvent event;
  event.operator_name = op.name;
  event.role = std::string(RoleName(op.role));
  event.action = action;
  return event;
}

Status AuditRefusal(Store& store, const Operator& op, const std::string& action, std::int64_t candidate_id,
                    const std::string& reason) {
  AuditEvent event = EventFor(op, action + ".refused");
  event.object_ids = {{"candidates", {candidate_id}}};
  event.result = {{"refused", reason}};
  return AppendAuditEntry(store, event).status();
}

}  // namespace

Result<CandidateReview> LoadCandidateReview(Store& store, std::int64_t candidate_id) {
  ABIS_ASSIGN_OR_RETURN(SearchCandidateRecord candidate, store.GetSearchCandidate(candidate_id));
  CandidateReview review;
  review.candidate_id = candidate.id;
  review.search_seq = candidate.search_seq;
  review.rank = candidate.rank;
  review.person_id = candidate.person_id;
  review.external_id = candidate.external_id;
  review.gallery = candidate.gallery;
  review.purpose = candidate.purpose;
  review.case_ref = candidate.case_ref;
  review.fused_log_lr = candidate.fused_log_lr;
  review.context = nlohmann::json::parse(candidate.context, nullptr, false);
  if (!review.context.is_object()) review.context = nlohmann::json::object();
  ABIS_ASSIGN_OR_RETURN(std::vector<CandidateDecisionRow> rows, store.ListCandidateDecisions(candidate_id));
  for (const CandidateDecisionRow& row : rows) {
    CandidateDecisionRecord record;
    record.examiner = row.examiner;
    ABIS_ASSIGN_OR_RETURN(record.decision, ParseCandidateDecision(row.decision));
    record.comment = row.comment;
    record.decided_at = row.decided_at;
    review.decisions.push_back(std::move(record));
  }
  review.state = ReviewStateOf(review.decisions);
  return review;
}

namespace {

// The operator whose search (the audit entry `search_seq`) produced a lead; "" when the entry
// is not found.
Result<std::string> SearcherOf(Store& store, std::int64_t search_seq) {
  AuditRowFilter filter;
  filter.seq = search_seq;
  std::string searcher;
  ABIS_RETURN_IF_ERROR(store.ForEachAuditRow(filter, [&](const AuditRow& row) {
    searcher = row.operator_name;
    return Status::Ok();
  }));
  return searcher;
}

}  // namespace

std::string_view ReviewStateName(ReviewState state) {
  switch (state) {
    case ReviewState::kUnreviewed: return "unreviewed";
    case ReviewState::kOneConfirmation: return "one_confirmation";
    case ReviewState::kConfirmed: return "confirmed";
    case ReviewState::kRejected: return "rejected";
  }
  return "unreviewed";
}

Result<CandidateDecision> ParseCandidateDecision(std::string_view text) {
  if (text == "confirm") return CandidateDecision::kConfirm;
  if (text == "reject") return CandidateDecision::kReject;
  if (text == "inconclusive") return CandidateDecision::kInconclusive;
  return Status::InvalidArgument("unknown candidate decision '" + std::string(text) +
                                 "' (expected confirm, reject or inconclusive)");
}

std::string_view CandidateDecisionName(CandidateDecision decision) {
  switch (decision) {
    case CandidateDecision::kConfirm: return "confirm";
    case CandidateDecision::kReject: return "reject";
    case CandidateDecision::kInconclusive: return "inconclusive";
  }
  return "confirm";
}

ReviewState ReviewStateOf(const std::vector<CandidateDecisionRecord>& decisions) {
  std::size_t confirmations = 0;
  for (const auto& record : decisions) {
    if (record.decision == CandidateDecision::kReject) return ReviewState::kRejected;
    if (record.decision == CandidateDecision::kConfirm) ++confirmations;
  }
  if (confirmations >= 2) return ReviewState::kConfirmed;
  return confirmations == 1 ? ReviewState::kOneConfirmation : ReviewState::kUnreviewed;
}

nlohmann::json CandidateReview::ToJson() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& record : decisions) {
    list.push_back({{"examiner", record.examiner},
                    {"decision", CandidateDecisionName(record.decision)},
                    {"comment", record.comment},
                    {"decided_at", record.decided_at}});
  }
  return {{"candidate_id", candidate_id},
          {"search_seq", search_seq},
          {"rank", rank},
          {"person_id", person_id},
          {"external_id", external_id},
          {"gallery", gallery},
          {"purpose", purpose},
          {"case_ref", case_ref},
          {"fused_ln_lr", fused_log_lr},
          {"context", context},
          {"state", ReviewStateName(state)},
          {"decisions", list}};
}

Result<std::vector<std::int64_t>> RecordSearchCandidates(Store& store, const SearchRequest& request,
                                                         const SearchResult& result) {
  std::vector<SearchLead> leads;
  for (const CandidateResult& candidate : result.candidates)
    leads.push_back({candidate.person_id, candidate.fused_log_lr});
  return RecordSearchLeads(store, result.audit_seq, request.gallery, request.purpose, request.case_ref, leads);
}

Result<std::vector<std::int64_t>> RecordSearchLeads(Store& store, std::int64_t search_seq, const std::string& gallery,
                                                    Purpose purpose, const std::string& case_ref,
                                                    const std::vector<SearchLead>& leads) {
  std::vector<std::int64_t> ids;
  ABIS_RETURN_IF_ERROR(store.Transaction([&]() -> Status {
    std::string now = NowUtcIso8601();
    for (std::size_t rank = 0; rank < leads.size(); ++rank) {
      SearchCandidateRecord candidate;
      candidate.search_seq = search_seq;
      candidate.rank = static_cast<int>(rank + 1);
      candidate.person_id = leads[rank].person_id;
      candidate.gallery = gallery;
      candidate.purpose = std::string(PurposeName(purpose));
      candidate.case_ref = case_ref;
      candidate.fused_log_lr = leads[rank].ln_lr;
      candidate.created_at = now;
      if (!leads[rank].context.is_object()) return Status::InvalidArgument("a review lead's context must be an object");
      candidate.context = ToJsonText(leads[rank].context);
      if (candidate.context.size() > kMaxLeadContextBytes) {
        return Status::InvalidArgument("a review lead's context exceeds " + std::to_string(kMaxLeadContextBytes) +
                                       " bytes");
      }
      ABIS_ASSIGN_OR_RETURN(std::int64_t id, store.AddSearchCandidate(candidate));
      ids.push_back(id);
    }
    return Status::Ok();
  }));
  return ids;
}

Result<CandidateReview> DecideOnCandidate(Store& store, const Operator& op, std::int64_t candidate_id,
                                          CandidateDecision decision, const std::string& comment) {
  const std::string action = "candidate.decision";
  if (!RoleAllows(op.role, Action::kDecideCandidates)) {
    std::string reason = "role " + std::string(RoleName(op.role)) + " may not decide on candidates (examiners only)";
    ABIS_RETURN_IF_ERROR(AuditRefusal(store, op, action, candidate_id, reason));
    return Status::PermissionDenied(reason);
  }
  if (comment.size() > kMaxCommentLength) {
    return Status::InvalidArgument("decision comment longer than " + std::to_string(kMaxCommentLength) + " characters");
  }
  std::optional<std::string> refusal;
  bool searcher_refusal = false;
  CandidateReview review;
  ABIS_RETURN_IF_ERROR(store.Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(review, LoadCandidateReview(store, candidate_id));
    // Separation of duties: the examiners who decide are never the one who ran the search.
    ABIS_ASSIGN_OR_RETURN(std::string searcher, SearcherOf(store, review.search_seq));
    if (searcher == op.name) {
      refusal = "examiner " + op.name + " ran search " + std::to_string(review.search_seq) +
                "; its candidates must be decided by other examiners";
      searcher_refusal = true;
      return Status::Ok();
    }
    bool decided_before =
        std::any_of(review.decisions.begin(), review.decisions.end(),
                    [&](const CandidateDecisionRecord& record) { return record.examiner == op.name; });
    if (decided_before) {
      refusal = "examiner " + op.name + " has already decided on candidate " + std::to_string(candidate_id) +
                "; a second decision must come from a different examiner";
      return Status::Ok();
    }
    if (review.state == ReviewState::kConfirmed || review.state == ReviewState::kRejected) {
      refusal =
          "candidate " + std::to_string(candidate_id) + " is already " + std::string(ReviewStateName(review.state));
      return Status::Ok();
    }
    std::string now = NowUtcIso8601();
    ABIS_RETURN_IF_ERROR(store.AddCandidateDecision(
        {candidate_id, op.user_id, op.name, std::string(CandidateDecisionName(decision)), comment, now}));
    ReviewState before = review.state;
    review.decisions.push_back({op.name, decision, comment, now});
    review.state = ReviewStateOf(review.decisions);
    AuditEvent event = EventFor(op, action);
    event.purpose = review.purpose;
    event.case_ref = review.case_ref;
    event.object_ids = {{"persons", {review.person_id}}, {"candidates", {candidate_id}}};
    event.result = {{"decision", CandidateDecisionName(decision)},
                    {"comment", comment},
                    {"search_seq", review.search_seq},
                    {"rank", review.rank},
                    {"state_before", ReviewStateName(before)},
                    {"state_after", ReviewStateName(review.state)}};
    return AppendAuditEntry(store, event).status();
  }));
  if (refusal) {
    ABIS_RETURN_IF_ERROR(AuditRefusal(store, op, action, candidate_id, *refusal));
    if (searcher_refusal) return Status::PermissionDenied(*refusal);
    return Status::FailedPrecondition(*refusal);
  }
  return review;
}

Result<CandidateReview> ReadCandidateReview(Store& store, const Operator& op, std::int64_t candidate_id) {
  const std::string action = "candidate.review.read";
  if (!RoleAllows(op.role, Action::kReadCandidateReviews)) {
    std::string reason = "role " + std::string(RoleName(op.role)) + " may not read candidate reviews";
    ABIS_RETURN_IF_ERROR(AuditRefusal(store, op, action, candidate_id, reason));
    return Status::PermissionDenied(reason);
  }
  CandidateReview review;
  ABIS_RETURN_IF_ERROR(store.Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(review, LoadCandidateReview(store, candidate_id));
    AuditEvent event = EventFor(op, action);
    event.object_ids = {{"persons", {review.person_id}}, {"candidates", {candidate_id}}};
    event.result = {{"state", ReviewStateName(review.state)}};
    return AppendAuditEntry(store, event).status();
  }));
  return review;
}

Result<std::vector<CandidateReview>> ReadSearchReviews(Store& store, const Operator& op, std::int64_t search_seq) {
  const std::string action = "candidate.review.read";
  if (!RoleAllows(op.role, Action::kReadCandidateReviews)) {
    std::string reason = "role " + std::string(RoleName(op.role)) + " may not read candidate reviews";
    AuditEvent event = EventFor(op, action + ".refused");
    event.result = {{"refused", reason}, {"search_seq", search_seq}};
    ABIS_RETURN_IF_ERROR(AppendAuditEntry(store, event).status());
    return Status::PermissionDenied(reason);
  }
  std::vector<CandidateReview> reviews;
  ABIS_RETURN_IF_ERROR(store.Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(std::vector<std::int64_t> ids, store.ListSearchCandidateIds(search_seq));
    std::vector<std::int64_t> persons;
    for (std::int64_t id : ids) {
      ABIS_ASSIGN_OR_RETURN(CandidateReview review, LoadCandidateReview(store, id));
      persons.push_back(review.person_id);
      reviews.push_back(std::move(review));
    }
    AuditEvent event = EventFor(op, action);
    event.object_ids = {{"persons", persons}, {"candidates", ids}};
    event.result = {{"search_seq", search_seq}};
    return AppendAuditEntry(store, event).status();
  }));
  return reviews;
}

}  // namespace abis
