// Fusion of a search's comparisons into ranked candidates: each person's best comparison per
// evidence group (a probe sample; or, for a stored person as the probe, a modality and finger),
// then the sum of the groups' calibrated log-likelihood ratios (natural log; the groups are
// assumed independent). A pure function of its input, so that a single process and a matcher grid
// that merges per-shard evidence rank the same candidates in the same order.
// Thread-safety: pure functions and value types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "abis/core/modality.h"

namespace abis {

// One comparison of a probe with a candidate's template.
struct ProbeEvidence {
  int probe = 0;                // 1-based probe sample; 0 for a stored person's template
  // The candidate's rank (by person, from 1) in this probe's index search; 0 when the search did
  // not return them and the evidence comes from an exact comparison with their templates.
  int rank = 0;
  std::string source;           // "probe 1", "template 17 of person X"
  Modality modality = Modality::kFace;
  FingerPosition position = FingerPosition::kUnknown;
  std::int64_t template_id = 0; // the candidate's template
  double score = 0.0;
  double threshold = 0.0;       // the score at the search's operating point
  double log_lr = 0.0;          // calibrated, natural log
  bool hit = false;             // score >= threshold
  // {probe, rank, source, modality, position, template_id, score, threshold, log_lr}
  nlohmann::json ToJson() const;
};

// The best comparison per evidence group, for each person.
class CandidateEvidence {
 public:
  // Keeps `evidence` when it is the first of `group` for `person_id` or scores higher than the
  // one kept (the first one kept on a tie).
  void Offer(std::int64_t person_id, const std::string& group, ProbeEvidence evidence);
  const std::map<std::int64_t, std::map<std::string, ProbeEvidence>>& by_person() const { return by_person_; }

 private:
  std::map<std::int64_t, std::map<std::string, ProbeEvidence>> by_person_;
};

struct FusedCandidate {
  std::int64_t person_id = 0;
  double fused_log_lr = 0.0;             // sum over groups of their best log-LR
  bool hit = false;                      // any group passes the operating point
  std::vector<ProbeEvidence> evidence;   // one per group, in group-name order
};

// Candidates ranked by fused log-LR, highest first, ties by ascending person id; those below
// `min_fused_log_lr` dropped; at most `max_candidates`.
std::vector<FusedCandidate> FuseCandidates(const CandidateEvidence& evidence, std::size_t max_candidates,
                                           std::optional<double> min_fused_log_lr = std::nullopt);

}  // namespace abis
