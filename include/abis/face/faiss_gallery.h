// 1:N gallery of face embeddings on FAISS: exact inner-product search (IndexFlatIP) while the
// gallery holds at most `exact_search_max` references, an HNSW graph (IndexHNSWFlat, inner
// product) above it; the switch is automatic in both directions. Scores are cosine similarities.
// Thread-safety: as ModalityGallery (concurrent Search, exclusive Add/Remove).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "abis/modality/engine.h"

namespace abis::face {

class ScoreCalibration;

struct FaissGalleryOptions {
  std::size_t exact_search_max = 100'000;
  int hnsw_neighbours = 32;        // M
  int hnsw_ef_construction = 80;
  int hnsw_ef_search = 128;        // raised to max_candidates when smaller
};

class FaissFaceGallery : public ModalityGallery {
 public:
  // `calibration` may be null (log_lr then 0); it must outlive the gallery.
  FaissFaceGallery(std::string model_id, int dimension, FaissGalleryOptions options,
                   const ScoreCalibration* calibration);
  ~FaissFaceGallery() override;

  Status Add(std::int64_t reference_id, const BiometricTemplate& reference) override;
  void Remove(std::int64_t reference_id) override;
  std::size_t size() const override;
  Result<std::vector<Candidate>> Search(const BiometricTemplate& probe,
                                        std::size_t max_candidates) const override;

  // Raw-vector interface used by the template path above and by benchmarks.
  // REQUIRES: vector.size() == dimension, unit norm.
  Status AddVector(std::int64_t reference_id, std::span<const float> vector);
  // Bulk form: `vectors` holds ids.size() rows; one index rebuild at the end (multi-threaded).
  Status AddVectors(std::span<const std::int64_t> reference_ids, std::span<const float> vectors);
  // Best k (id, cosine) pairs, highest first.
  std::vector<std::pair<std::int64_t, float>> SearchVector(std::span<const float> query,
                                                           std::size_t k) const;
  // Exact search regardless of size (for measuring HNSW recall).
  std::vector<std::pair<std::int64_t, float>> SearchVectorExact(std::span<const float> query,
                                                                std::size_t k) const;
  bool uses_hnsw() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace abis::face
