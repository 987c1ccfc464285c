// The candidates of searches kept for the two-person review, and the examiners' decisions on them,
// as the store keeps them. The review rules are the system's (abis/system/candidate_review.h).
#pragma once

#include <cstdint>
#include <string>

namespace abis {

struct SearchCandidateRecord {
  std::int64_t id = 0;
  std::int64_t search_seq = 0;  // audit sequence number of the search that returned the candidate
  int rank = 0;                 // from 1
  std::int64_t person_id = 0;
  std::string external_id;  // the person's, when read (not written)
  std::string gallery;
  std::string purpose;
  std::string case_ref;
  double fused_log_lr = 0.0;
  std::string created_at;
  std::string context = "{}";  // JSON object text: what the lead stands for beyond its person
};

struct CandidateDecisionRow {
  std::int64_t candidate_id = 0;
  std::int64_t examiner_id = 0;
  std::string examiner;
  std::string decision;  // "confirm" or "reject"
  std::string comment;
  std::string decided_at;
};

}  // namespace abis
