// The finger 1:N gallery: templates held in a packed layout (one 4 KiB-aligned array of
// FingerSignature, one of MCC cylinder sets), searched in two stages:
//   1. pre-selection: every signature is compared with the probe's (AND + popcount, AVX2 when
//      available) by all threads, each scanning a contiguous slice; the best
//      max(min_candidates, penetration * size) survive;
//   2. the survivors are compared with full MCC LSS-R (again spread over the threads) and ranked.
// penetration = 1 makes the search exhaustive. Accuracy loss and speed of the pre-selection are
// measured by `abis bench finger` and `abis eval finger --identification`.
// Thread-safety: concurrent Search() calls are safe; Add()/Remove() need exclusive access.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "abis/finger/mcc.h"
#include "abis/finger/mcc_signature.h"
#include "abis/modality/engine.h"

namespace abis::finger {

struct FingerGalleryOptions {
  double penetration = 0.05;         // fraction of the gallery passed to stage 2
  std::size_t min_candidates = 100;  // ... but never fewer than this
  unsigned threads = 0;              // 0 = std::thread::hardware_concurrency()
  MccParameters mcc;
};

// A pre-processed template: what the gallery stores per reference.
struct PreparedFingerTemplate {
  MccTemplate cylinders;
  FingerSignature signature;
};

// Builds the cylinders and the signature of a decoded template.
PreparedFingerTemplate PrepareFingerTemplate(const MinutiaeTemplate& minutiae, const MccParameters& mcc = {});

class FingerGallery : public ModalityGallery {
 public:
  // Adds or replaces `reference_id`; fails on a template of another algorithm or a corrupt one.
  Status Add(std::int64_t reference_id, const BiometricTemplate& reference) override;
  // Adds an already prepared template (used by benchmarks and by Add()).
  void AddPrepared(std::int64_t reference_id, PreparedFingerTemplate prepared);
  void Remove(std::int64_t reference_id) override;
  std::size_t size() const override { return ids_.size(); }
  Result<std::vector<Candidate>> Search(const BiometricTemplate& probe, std::size_t max_candidates) const override;
  // Search with a prepared probe and explicit stage-1 settings (penetration 1 = exhaustive).
  std::vector<Candidate> SearchPrepared(const PreparedFingerTemplate& probe, std::size_t max_candidates,
                                        double penetration, std::size_t min_candidates) const;
  explicit FingerGallery(FingerGalleryOptions options = {});

 private:
  FingerGalleryOptions options_;
  std::vector<std::int64_t> ids_;
  std::vector<FingerSignature> signatures_;  // alignas(64) elements: contiguous, cache-line aligned
  std::vector<MccTemplate> cylinders_;
};

std::unique_ptr<FingerGallery> NewFingerGallery(FingerGalleryOptions options = {});

}  // namespace abis::finger
