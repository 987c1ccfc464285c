#include "abis/system/candidate_review.h"

#include <algorithm>
#include <optional>

#include "abis/audit/audit_log.h"
#include "abis/core/time.h"

namespace abis {
namespace {

constexpr std::size_t kMaxCommentLength = 1000;

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
  return AppendAuditEntry(store.db(), event).status();
}

// Loads one candidate (without decisions); kNotFound when absent.
Result<CandidateReview> LoadCandidate(Store& store, std::int64_t candidate_id) {
  ABIS_ASSIGN_OR_RETURN(auto query,
                        store.db().Prepare("SELECT c.id, c.search_seq, c.rank, c.person_id, p.external_id, c.gallery, "
                                           "c.purpose, c.case_ref, c.fused_log_lr FROM search_candidates c JOIN persons p "
                                           "ON p.id = c.person_id WHERE c.id = ?"));
  query.Bind(1, candidate_id);
  ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return Status::NotFound("no search candidate with id " + std::to_string(candidate_id));
  CandidateReview review;
  review.candidate_id = query.ColumnInt(0);
  review.search_seq = query.ColumnInt(1);
  review.rank = static_cast<int>(query.ColumnInt(2));
  review.person_id = query.ColumnInt(3);
  review.external_id = query.ColumnText(4);
  review.gallery = query.ColumnText(5);
  review.purpose = query.ColumnText(6);
  review.case_ref = query.ColumnText(7);
  review.fused_log_lr = query.ColumnDouble(8);
  return review;
}

Status LoadDecisions(Store& store, CandidateReview& review) {
  ABIS_ASSIGN_OR_RETURN(auto query, store.db().Prepare("SELECT examiner, decision, comment, decided_at FROM "
                                                       "candidate_decisions WHERE candidate_id = ? ORDER BY id"));
  query.Bind(1, review.candidate_id);
  review.decisions.clear();
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    CandidateDecisionRecord record;
    record.examiner = query.ColumnText(0);
    ABIS_ASSIGN_OR_RETURN(record.decision, ParseCandidateDecision(query.ColumnText(1)));
    record.comment = query.ColumnText(2);
    record.decided_at = query.ColumnText(3);
    review.decisions.push_back(std::move(record));
  }
  review.state = ReviewStateOf(review.decisions);
  return Status::Ok();
}

Result<CandidateReview> LoadReview(Store& store, std::int64_t candidate_id) {
  ABIS_ASSIGN_OR_RETURN(CandidateReview review, LoadCandidate(store, candidate_id));
  ABIS_RETURN_IF_ERROR(LoadDecisions(store, review));
  return review;
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
  return Status::InvalidArgument("unknown candidate decision '" + std::string(text) + "' (expected confirm or reject)");
}

std::string_view CandidateDecisionName(CandidateDecision decision) {
  return decision == CandidateDecision::kConfirm ? "confirm" : "reject";
}


ReviewState ReviewStateOf(const std::vector<CandidateDecisionRecord>& decisions) {
  std::size_t confirmations = 0;
  for (const auto& record : decisions) {
    if (record.decision == CandidateDecision::kReject) return ReviewState::kRejected;
    ++confirmations;
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
  return {{"candidate_id", candidate_id}, {"search_seq", search_seq}, {"rank", rank},
          {"person_id", person_id},       {"external_id", external_id}, {"gallery", gallery},
          {"purpose", purpose},           {"case_ref", case_ref},     {"fused_log_lr", fused_log_lr},
          {"state", ReviewStateName(state)}, {"decisions", list}};
}

Result<std::vector<std::int64_t>> RecordSearchCandidates(Store& store, const SearchRequest& request,
                                                         const SearchResult& result) {
  std::vector<std::int64_t> ids;
  ABIS_RETURN_IF_ERROR(store.db().Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(auto insert,
                          store.db().Prepare("INSERT INTO search_candidates (search_seq, rank, person_id, gallery, "
                                             "purpose, case_ref, fused_log_lr, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    std::string now = NowUtcIso8601();
    for (std::size_t rank = 0; rank < result.candidates.size(); ++rank) {
      const CandidateResult& candidate = result.candidates[rank];
      insert.Reset();
      insert.Bind(1, result.audit_seq)
          .Bind(2, static_cast<std::int64_t>(rank + 1))
          .Bind(3, candidate.person_id)
          .Bind(4, request.gallery)
          .Bind(5, PurposeName(request.purpose))
          .Bind(6, request.case_ref)
          .Bind(7, candidate.fused_log_lr)
          .Bind(8, now);
      ABIS_RETURN_IF_ERROR(insert.Run());
      ids.push_back(store.db().LastInsertRowId());
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
  CandidateReview review;
  ABIS_RETURN_IF_ERROR(store.db().Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(review, LoadReview(store, candidate_id));
    bool decided_before = std::any_of(review.decisions.begin(), review.decisions.end(),
                                      [&](const CandidateDecisionRecord& record) { return record.examiner == op.name; });
    if (decided_before) {
      refusal = "examiner " + op.name + " has already decided on candidate " + std::to_string(candidate_id) +
                "; a second decision must come from a different examiner";
      return Status::Ok();
    }
    if (review.state == ReviewState::kConfirmed || review.state == ReviewState::kRejected) {
      refusal = "candidate " + std::to_string(candidate_id) + " is already " + std::string(ReviewStateName(review.state));
      return Status::Ok();
    }
    std::string now = NowUtcIso8601();
    ABIS_ASSIGN_OR_RETURN(auto insert, store.db().Prepare("INSERT INTO candidate_decisions (candidate_id, examiner_id, "
                                                          "examiner, decision, comment, decided_at) VALUES (?, ?, ?, ?, ?, ?)"));
    insert.Bind(1, candidate_id).Bind(2, op.user_id).Bind(3, op.name).Bind(4, CandidateDecisionName(decision))
        .Bind(5, comment).Bind(6, now);
    ABIS_RETURN_IF_ERROR(insert.Run());
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
    return AppendAuditEntry(store.db(), event).status();
  }));
  if (refusal) {
    ABIS_RETURN_IF_ERROR(AuditRefusal(store, op, action, candidate_id, *refusal));
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
  ABIS_RETURN_IF_ERROR(store.db().Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(review, LoadReview(store, candidate_id));
    AuditEvent event = EventFor(op, action);
    event.object_ids = {{"persons", {review.person_id}}, {"candidates", {candidate_id}}};
    event.result = {{"state", ReviewStateName(review.state)}};
    return AppendAuditEntry(store.db(), event).status();
  }));
  return review;
}

Result<std::vector<CandidateReview>> ReadSearchReviews(Store& store, const Operator& op, std::int64_t search_seq) {
  const std::string action = "candidate.review.read";
  if (!RoleAllows(op.role, Action::kReadCandidateReviews)) {
    std::string reason = "role " + std::string(RoleName(op.role)) + " may not read candidate reviews";
    AuditEvent event = EventFor(op, action + ".refused");
    event.result = {{"refused", reason}, {"search_seq", search_seq}};
    ABIS_RETURN_IF_ERROR(AppendAuditEntry(store.db(), event).status());
    return Status::PermissionDenied(reason);
  }
  std::vector<CandidateReview> reviews;
  ABIS_RETURN_IF_ERROR(store.db().Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(auto query,
                          store.db().Prepare("SELECT id FROM search_candidates WHERE search_seq = ? ORDER BY rank"));
    query.Bind(1, search_seq);
    std::vector<std::int64_t> ids;
    while (true) {
      ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      ids.push_back(query.ColumnInt(0));
    }
    std::vector<std::int64_t> persons;
    for (std::int64_t id : ids) {
      ABIS_ASSIGN_OR_RETURN(CandidateReview review, LoadReview(store, id));
      persons.push_back(review.person_id);
      reviews.push_back(std::move(review));
    }
    AuditEvent event = EventFor(op, action);
    event.object_ids = {{"persons", persons}, {"candidates", ids}};
    event.result = {{"search_seq", search_seq}};
    return AppendAuditEntry(store.db(), event).status();
  }));
  return reviews;
}

}  // namespace abis
