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

// A probe sample of a search, kept sealed with the search (its audit entry) so that the examiners
// can compare it with each candidate. Bound to the search's case and purpose; erased when
// `retain_until` (YYYY-MM-DD) has passed (retention) or with its case.
struct SearchProbeRecord {
  std::int64_t id = 0;
  std::int64_t search_seq = 0;  // audit sequence number of the search
  int probe_index = 0;          // from 1, in the order of the request
  std::string case_ref;
  std::string purpose;
  std::string searched_by;  // the operator who ran the search
  std::string modality;     // "face", "finger", "dna"
  std::string format;       // the format hint given with the sample ("" when found by content)
  int position = 0;         // finger position code (0 unknown)
  std::int64_t bytes = 0;   // size of the sample (when read)
  std::string created_at;
  std::string retain_until;
};

// What a list of open candidates is narrowed to; an empty field (or -1) does not narrow.
struct OpenCandidateFilter {
  std::string case_ref;
  std::string purpose;
  std::string gallery;
  int confirmations = -1;  // 0 or 1: exactly that many confirmations
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
