// 1:N gallery of face embeddings on FAISS: exact inner-product search while the gallery holds
// at most `exact_search_max` references, an HNSW graph (faiss::IndexHNSW over flat storage, inner
// product) above it; the switch is automatic in both directions. Scores are cosine similarities.
// Inner products use inner_product_kernel (vectorised; Debian's FAISS build is scalar). A search
// runs on the calling thread only (one probe gains nothing from an OpenMP team); throughput
// comes from concurrent callers. Index builds use `build_threads` OpenMP threads.
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

// HNSW parameters; `abis bench face --hnsw-m --ef-construction --ef-search` measures others
// (docs/FACE.md, "Measured speed").
struct FaissGalleryOptions {
  std::size_t exact_search_max = 100'000;
  int hnsw_neighbours = 32;        // M
  int hnsw_ef_construction = 80;
  int hnsw_ef_search = 128;        // raised to max_candidates when smaller
  int build_threads = 0;           // OpenMP threads for HNSW construction; 0: OpenMP's default
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
  // Best k (id, cosine) pairs, highest first. `ef_search` > 0 overrides the gallery's HNSW
  // efSearch for this call (benchmarks sweep it); it is raised to k when smaller.
  std::vector<std::pair<std::int64_t, float>> SearchVector(std::span<const float> query,
                                                           std::size_t k, int ef_search = 0) const;
  // Exact search regardless of size (for measuring HNSW recall).
  std::vector<std::pair<std::int64_t, float>> SearchVectorExact(std::span<const float> query,
                                                                std::size_t k) const;
  bool uses_hnsw() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace abis::face
