#include <algorithm>
#include <map>

#include "abis/modality/engine.h"

namespace abis {
namespace {

class ExhaustiveGallery final : public ModalityGallery {
 public:
  explicit ExhaustiveGallery(const ModalityEngine& engine) : engine_(engine) {}

  Status Add(std::int64_t reference_id, const BiometricTemplate& reference) override {
    if (reference.algorithm != engine_.algorithm()) {
      return Status::InvalidArgument("template of algorithm '" + reference.algorithm +
                                     "' cannot join a gallery of '" + engine_.algorithm() + "'");
    }
    references_.insert_or_assign(reference_id, reference);
    return Status::Ok();
  }

  void Remove(std::int64_t reference_id) override { references_.erase(reference_id); }

  std::size_t size() const override { return references_.size(); }

  Result<std::vector<Candidate>> Search(const BiometricTemplate& probe,
                                        std::size_t max_candidates) const override {
    std::vector<Candidate> candidates;
    candidates.reserve(references_.size());
    for (const auto& [id, reference] : references_) {
      auto comparison = engine_.Compare(probe, reference);
      if (!comparison.ok()) return comparison.status();
      candidates.push_back({id, comparison->score, comparison->log_lr, comparison->details});
    }
    auto by_score = [](const Candidate& a, const Candidate& b) { return a.score > b.score; };
    std::size_t keep = std::min(max_candidates, candidates.size());
    std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(keep),
                      candidates.end(), by_score);
    candidates.resize(keep);
    return candidates;
  }

 private:
  const ModalityEngine& engine_;
  std::map<std::int64_t, BiometricTemplate> references_;
};

}  // namespace

std::unique_ptr<ModalityGallery> NewExhaustiveGallery(const ModalityEngine& engine) {
  return std::make_unique<ExhaustiveGallery>(engine);
}

}  // namespace abis
