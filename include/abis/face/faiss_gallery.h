// 1:N gallery of face embeddings: exact inner-product search while the gallery holds at most
// `exact_search_max` references, above it the large-gallery method set by `large_gallery_method`;
// the switch is automatic in both directions. Scores are cosine similarities, exact in every
// method (approximate methods only choose candidates, which are re-scored from the float rows).
//  - Sign scan: a brute-force scan over 1-bit sign codes (bit i set when x_i > 0; 64 bytes per
//    512-d reference, kept for every reference on add/remove), keeping the best
//    `sign_scan_candidates` by Hamming agreement on `sign_scan_threads` contiguous slices of the
//    code array (run on the shared search executor), then re-scored exactly from the float
//    rows. For unit vectors at angle t the expected share of agreeing signs is 1 - t/pi (sign
//    random projections, Charikar 2002), so a mate at cosine 0.6 agrees on ~70 % of 512 bits
//    against 50 % +- 2.2 % for non-mates. No index to build.
//  - HNSW: a graph built by FAISS (faiss::IndexHNSW) over its own copy of the vectors, by
//    default 8-bit codes (one float scale per vector, 4x smaller than float), and searched by our
//    own beam search over FAISS's graph (FAISS 1.7.3 ignores a per-call efSearch above the
//    index's member) on the calling thread. Index builds use `build_threads` OpenMP threads.
// The float rows are always kept (exact search, re-scoring, removals, rebuilds), in memory or, after
// a load on demand, in the snapshot file (see LoadState).
// Inner products and Hamming distances use inner_product_kernel (vectorised; Debian's FAISS build
// is scalar). Thread-safety: as ModalityGallery (concurrent Search, exclusive Add/Remove).
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

// How a gallery larger than exact_search_max is searched (see the file comment).
enum class LargeGalleryMethod {
  kSignScan,  // brute-force Hamming pre-filter over sign codes, exact re-scoring
  kHnsw,      // FAISS HNSW graph, our beam search, exact re-scoring
};

// Defaults measured with bench/face/abis_face_search_bench on random 512-d unit vectors and
// mated probes at cosine 0.6 (docs/FACE.md, "1:N search"): exact search is perfect and about
// 9-13 ms at 100k. Above it the sign scan (K 64) found every mate at 100k (0.35 ms) and 1M
// (3.2 ms on one thread, 64 MB of codes, no build), also at mate cosine 0.5 and 0.7; HNSW needed
// efSearch 512 at 100k but 8192 at 1M (108 ms, as slow as exact search) for recall 1.0 on such
// structureless vectors, so it is kept as an option (real face galleries cluster by identity).
struct FaissGalleryOptions {
  std::size_t exact_search_max = 100'000;
  LargeGalleryMethod large_gallery_method = LargeGalleryMethod::kSignScan;
  // Sign scan: references kept by the Hamming pre-filter and re-scored exactly (at least the
  // requested count), and the contiguous slices one search is split over, run by the caller and
  // the process's shared search executor (abis/core/search_executor.h; 1: the caller alone).
  std::size_t sign_scan_candidates = 64;
  int sign_scan_threads = 2;
  // HNSW (large_gallery_method kHnsw only).
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
  std::size_t sign_codes = 0;   // 1 bit per dimension per reference (always present)
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
  // Best k (id, cosine) pairs, highest first, by the method for the current size. `ef_search` > 0
  // overrides the gallery's HNSW efSearch for this call (benchmarks sweep it); it is raised to the
  // fetched count when smaller, and ignored by exact search and the sign scan.
  std::vector<std::pair<std::int64_t, float>> SearchVector(std::span<const float> query,
                                                           std::size_t k, int ef_search = 0) const;
  // Exact search regardless of size (for measuring HNSW recall).
  std::vector<std::pair<std::int64_t, float>> SearchVectorExact(std::span<const float> query,
                                                                std::size_t k) const;
  // Sign-scan search with explicit parameters, at any gallery size (benchmarks sweep them): the
  // best max(k, candidates) references by Hamming distance between sign codes, over `threads`
  // contiguous slices (0: the gallery's sign_scan_threads), re-scored exactly; best k returned.
  std::vector<std::pair<std::int64_t, float>> SearchVectorSignScan(std::span<const float> query, std::size_t k,
                                                                   std::size_t candidates, int threads = 0) const;
  bool uses_hnsw() const;
  // The method Search uses at the current size: "exact", "sign_scan" or "hnsw".
  const char* search_method() const;
  FaissGalleryMemory MemoryUse() const;
  std::size_t MemoryBytes() const override;  // MemoryUse's parts plus the ids and their map
  // Snapshots (ModalityGallery): the ids, sign codes and float rows (state format 2; a format-1
  // state, without codes, is kDataLoss, as is another model or dimension). Loading computes no
  // code (an HNSW graph is rebuilt). From a reader that defers (a process that searches once), a
  // sign-scan gallery above exact_search_max leaves its float rows in the snapshot file and each
  // search reads only its shortlist's rows (faiss_row_store.h); it answers exactly as one loaded
  // whole, also after adds and removes, and Search fails (kDataLoss) when the rows cannot be read.
  Status SaveState(GalleryStateWriter& out) const override;
  Status LoadState(GalleryStateReader& in) override;

  // Benchmarks only (the product never reads a saved graph): a large HNSW build takes minutes,
  // so the bench may keep the built graph in a cache file.
  // Writes the HNSW graph with a fingerprint of the ids and float rows it was built over and the
  // build parameters. REQUIRES: uses_hnsw() and no removals since the build.
  Status SaveHnswGraph(const std::string& path) const;
  // Like AddVectors on an empty gallery, but the graph is read from `path` instead of built.
  // Refused (failed_precondition) unless the file was saved from exactly these ids and rows, in
  // this order, with this gallery's dimension, M, efConstruction and storage; invalid_argument
  // when the file is damaged, failed_precondition when the gallery is not empty, the size is
  // not above exact_search_max or the large-gallery method is not HNSW.
  Status AddVectorsWithSavedHnswGraph(std::span<const std::int64_t> reference_ids, std::span<const float> vectors,
                                      const std::string& path);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace abis::face
