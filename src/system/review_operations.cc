// AbisSystem: the two-person review of search candidates and the watchlist alerts, behind the
// policy table (the rules themselves are in candidate_review.cc and alerts.cc).
#include "abis/core/text_validation.h"
#include "abis/system/abis_system.h"
#include "abis/system/alerts.h"
#include "abis/system/candidate_review.h"

namespace abis {

Result<CandidateReview> AbisSystem::DecideOnCandidate(const Operator& op, std::int64_t candidate_id,
                                                      CandidateDecision decision, const std::string& comment) {
  ABIS_RETURN_IF_ERROR(ValidateFreeText(comment, "comment", 1000, /*required=*/false));
  return abis::DecideOnCandidate(*store_, op, candidate_id, decision, comment);
}

Result<CandidateReview> AbisSystem::ReadCandidateReview(const Operator& op, std::int64_t candidate_id) {
  return abis::ReadCandidateReview(*store_, op, candidate_id);
}

Result<std::vector<CandidateReview>> AbisSystem::ReadSearchReviews(const Operator& op, std::int64_t search_seq) {
  return abis::ReadSearchReviews(*store_, op, search_seq);
}

Result<std::vector<WatchlistAlert>> AbisSystem::ListAlerts(const Operator& op, std::int64_t after_id, int limit) {
  return ListWatchlistAlerts(*store_, op, after_id, limit);
}

Status AbisSystem::RecordAlertDelivery(std::int64_t alert_id, bool delivered) {
  return store_->RecordAlertDelivery(alert_id, delivered);
}

}  // namespace abis
