// Per-call parameters of a face gallery search, as FAISS passes SearchParameters to
// Index::search: which candidate selector runs and how wide, resolved by FaissFaceGallery from
// its options, the gallery's size and the caller's overrides, then read by the selectors and
// the re-ranker. Plain values; nothing here outlives the call.
#pragma once

#include <cstddef>

namespace abis::face {

// The candidate selector of one search (see faiss_gallery.h).
enum class FaceSearchMethod {
  kExact,     // exact inner product against every row: final scores, nothing to re-rank
  kSignScan,  // Hamming shortlist over the sign codes, re-ranked exactly
  kHnsw,      // beam search over the HNSW graph, re-ranked exactly
};

struct FaceSearchParameters {
  FaceSearchMethod method = FaceSearchMethod::kExact;
  std::size_t k = 0;  // results wanted, best first
  // Sign scan: rows kept by the Hamming shortlist (raised to k), and the contiguous slices of
  // the code array it is split over (each a task of the shared search executor).
  std::size_t sign_scan_candidates = 0;
  std::size_t sign_scan_slices = 1;
  // HNSW: beam width on level 0 (raised to the fetched count), and candidates re-ranked
  // exactly (raised to k).
  std::size_t hnsw_ef_search = 0;
  std::size_t hnsw_rerank = 0;
};

}  // namespace abis::face
