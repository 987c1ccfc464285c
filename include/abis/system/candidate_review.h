// Two-person confirmation of 1:N candidates. A candidate from an identification is an
// investigative lead, not an identification: it becomes "confirmed" only when two different
// examiners have each confirmed it (EU AI Act Art 14(5) style human oversight). One rejection
// makes it "rejected". Every decision, and every refused decision, is audited in the same
// transaction as the change. States: unreviewed -> one_confirmation -> confirmed; any -> rejected.
// Thread-safety: as the Store used (one per thread).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "abis/access/users.h"
#include "abis/core/status.h"
#include "abis/store/store.h"
#include "abis/system/abis_system.h"

namespace abis {

enum class ReviewState : std::uint8_t { kUnreviewed, kOneConfirmation, kConfirmed, kRejected };
// "unreviewed", "one_confirmation", "confirmed", "rejected".
std::string_view ReviewStateName(ReviewState state);

// kInconclusive records that the examiner could not decide: it neither confirms nor rejects, and
// the examiner has then had their say on the candidate (a second decision of theirs is refused).
enum class CandidateDecision : std::uint8_t { kConfirm, kReject, kInconclusive };
// Accepts "confirm", "reject" or "inconclusive"; anything else is kInvalidArgument.
Result<CandidateDecision> ParseCandidateDecision(std::string_view text);
std::string_view CandidateDecisionName(CandidateDecision decision);

// Who may decide and read is the policy table's (Action::kDecideCandidates: examiners;
// Action::kReadCandidateReviews: investigators and examiners; docs/ACCESS.md).

struct CandidateDecisionRecord {
  std::string examiner;
  CandidateDecision decision = CandidateDecision::kConfirm;
  std::string comment;
  std::string decided_at;
};

struct CandidateReview {
  std::int64_t candidate_id = 0;
  std::int64_t search_seq = 0;  // audit sequence number of the search that returned the candidate
  int rank = 0;
  std::int64_t person_id = 0;
  std::string external_id;
  std::string gallery;
  std::string purpose;
  std::string case_ref;
  double fused_log_lr = 0.0;
  nlohmann::json context = nlohmann::json::object();  // what the lead stands for (SearchLead::context)
  ReviewState state = ReviewState::kUnreviewed;
  std::vector<CandidateDecisionRecord> decisions;  // oldest first
  nlohmann::json ToJson() const;
};

// Keeps the probe samples of `request` sealed with the search audited as `search_seq` (its case,
// purpose and operator), until today plus request.probe_retention_days. Inside the caller's
// transaction.
Status KeepSearchProbes(Store& store, const Operator& op, const SearchRequest& request, std::int64_t search_seq);

// Loads one candidate with its decisions, unaudited (callers audit the read); kNotFound when absent.
Result<CandidateReview> LoadCandidateReview(Store& store, std::int64_t candidate_id);

// The state that a list of decisions implies (any reject: rejected; two or more confirmations:
// confirmed; one: one_confirmation; none: unreviewed).
ReviewState ReviewStateOf(const std::vector<CandidateDecisionRecord>& decisions);

// Records the candidates of a completed search so they can be reviewed; returns their candidate
// ids in rank order. The search itself is already audited (result.audit_seq).
Result<std::vector<std::int64_t>> RecordSearchCandidates(Store& store, const SearchRequest& request,
                                                         const SearchResult& result);

// One lead of any kind of search: the stored person an examiner reviews, and the weight of
// evidence (natural-log LR; recorded as the candidate's fused_ln_lr).
struct SearchLead {
  std::int64_t person_id = 0;
  double ln_lr = 0.0;
  // What the lead stands for beyond its person, shown to the examiner (e.g. a kinship lead's
  // missing person and probe); a JSON object, at most 4096 bytes serialised.
  nlohmann::json context = nlohmann::json::object();
};
// Records `leads` (best first: rank 1, 2, ...) of the search audited as `search_seq` for review;
// returns their candidate ids in rank order. RecordSearchCandidates is this for a 1:N search.
Result<std::vector<std::int64_t>> RecordSearchLeads(Store& store, std::int64_t search_seq, const std::string& gallery,
                                                    Purpose purpose, const std::string& case_ref,
                                                    const std::vector<SearchLead>& leads);

// Records one examiner's decision and returns the review after it. Refused, and audited as
// "candidate.decision.refused": a role other than examiner, or the examiner who ran the search
// (the operator of the audit entry search_seq) (kPermissionDenied), a second decision
// by the same examiner, or a decision on a confirmed or rejected candidate (kFailedPrecondition).
// An unknown candidate is kNotFound. `comment` is at most 1000 characters.
Result<CandidateReview> DecideOnCandidate(Store& store, const Operator& op, std::int64_t candidate_id,
                                          CandidateDecision decision, const std::string& comment);

// The review of one candidate; audited as "candidate.review.read".
Result<CandidateReview> ReadCandidateReview(Store& store, const Operator& op, std::int64_t candidate_id);

// The reviews of every candidate of one search (by its audit sequence number), in rank order;
// audited as one "candidate.review.read".
Result<std::vector<CandidateReview>> ReadSearchReviews(Store& store, const Operator& op, std::int64_t search_seq);

}  // namespace abis
