#include "abis/system/candidate_fusion.h"

#include <algorithm>

namespace abis {

nlohmann::json ProbeEvidence::ToJson() const {
  return {{"probe", probe},
          {"rank", rank},
          {"source", source},
          {"modality", ModalityName(modality)},
          {"position", FingerPositionName(position)},
          {"template_id", template_id},
          {"score", score},
          {"threshold", threshold},
          {"ln_lr", log_lr}};
}

void CandidateEvidence::Offer(std::int64_t person_id, const std::string& group, ProbeEvidence evidence) {
  auto& groups = by_person_[person_id];
  auto found = groups.find(group);
  if (found != groups.end() && evidence.score <= found->second.score) return;
  groups.insert_or_assign(group, std::move(evidence));
}

std::vector<FusedCandidate> FuseCandidates(const CandidateEvidence& evidence, std::size_t max_candidates,
                                           std::optional<double> min_fused_log_lr) {
  std::vector<FusedCandidate> candidates;
  for (const auto& [person_id, groups] : evidence.by_person()) {
    FusedCandidate candidate;
    candidate.person_id = person_id;
    for (const auto& [group, best] : groups) {
      candidate.fused_log_lr += best.log_lr;
      candidate.hit = candidate.hit || best.hit;
      candidate.evidence.push_back(best);
    }
    if (min_fused_log_lr && candidate.fused_log_lr < *min_fused_log_lr) continue;
    candidates.push_back(std::move(candidate));
  }
  std::sort(candidates.begin(), candidates.end(), [](const FusedCandidate& a, const FusedCandidate& b) {
    if (a.fused_log_lr != b.fused_log_lr) return a.fused_log_lr > b.fused_log_lr;
    return a.person_id < b.person_id;
  });
  if (candidates.size() > max_candidates) candidates.resize(max_candidates);
  return candidates;
}

}  // namespace abis
