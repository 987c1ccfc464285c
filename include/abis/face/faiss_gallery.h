// 1:N gallery of face embeddings: exact inner-product search while the gallery holds at most
// `exact_search_max` references, an HNSW graph above it; the switch is automatic in both
// directions. Scores are cosine similarities.
// The float rows are always kept (exact search, removals, rebuilds). The HNSW graph is built by
// FAISS (faiss::IndexHNSW) over its own copy of the vectors, by default 8-bit codes (one float
// scale per vector, 4x smaller than float), and searched by our own beam search over FAISS's
// graph (FAISS 1.7.3 ignores a per-call efSearch above the index's member); every HNSW answer is
// re-scored exactly from the float rows, so returned scores are exact cosines in both modes.
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

// How the HNSW graph stores the vectors it walks over.
enum class HnswStorage {
  kFloat,  // float32 copy (4 bytes per dimension)
  kInt8,   // int8 per dimension + one float scale per vector (x ~= scale * code)
  kSignBits,  // 1 bit per dimension (x_i > 0), compared by Hamming distance: a coarse walk
              // (cosine ~ cos(pi * hamming / d) for random directions), 32x smaller than float
};

// Defaults measured with bench/face/abis_face_search_bench on random 512-d unit vectors and
// mated probes (docs/FACE.md, "1:N search"): exact search is < 10 ms and perfect up to 100k;
// just above, HNSW (M 32, efConstruction 80, efSearch 512) finds every mate at about half the
// exact time. Larger galleries of structureless vectors need a larger efSearch (1M: 8192 for
// mated recall 1.0, as slow as exact search); real face galleries are clustered by identity.
struct FaissGalleryOptions {
  std::size_t exact_search_max = 100'000;
  int hnsw_neighbours = 32;        // M
  int hnsw_ef_construction = 80;
  int hnsw_ef_search = 512;        // raised to the fetched candidate count when smaller
  HnswStorage hnsw_storage = HnswStorage::kInt8;
  // HNSW candidates re-scored exactly from the float rows (at least the requested count).
  std::size_t hnsw_rerank = 32;
  int build_threads = 0;           // OpenMP threads for HNSW construction; 0: OpenMP's default
};

// Bytes held by a gallery, by part.
struct FaissGalleryMemory {
  std::size_t float_rows = 0;   // the exact-search copy (always present)
  std::size_t hnsw_codes = 0;   // the graph's own vector copy (float or int8 codes)
  std::size_t hnsw_graph = 0;   // neighbour lists, offsets, levels
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
  // efSearch for this call (benchmarks sweep it); it is raised to the fetched count when smaller.
  std::vector<std::pair<std::int64_t, float>> SearchVector(std::span<const float> query,
                                                           std::size_t k, int ef_search = 0) const;
  // Exact search regardless of size (for measuring HNSW recall).
  std::vector<std::pair<std::int64_t, float>> SearchVectorExact(std::span<const float> query,
                                                                std::size_t k) const;
  bool uses_hnsw() const;
  FaissGalleryMemory MemoryUse() const;

  // Benchmarks only (the product never reads a saved graph): a large HNSW build takes minutes,
  // so the bench may keep the built graph in a cache file.
  // Writes the HNSW graph with a fingerprint of the ids and float rows it was built over and the
  // build parameters. REQUIRES: uses_hnsw() and no removals since the build.
  Status SaveHnswGraph(const std::string& path) const;
  // Like AddVectors on an empty gallery, but the graph is read from `path` instead of built.
  // Refused (failed_precondition) unless the file was saved from exactly these ids and rows, in
  // this order, with this gallery's dimension, M, efConstruction and storage; invalid_argument
  // when the file is damaged, failed_precondition when the gallery is not empty or the size is
  // not above exact_search_max.
  Status AddVectorsWithSavedHnswGraph(std::span<const std::int64_t> reference_ids, std::span<const float> vectors,
                                      const std::string& path);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace abis::face
