// Our HNSW search over FAISS's graph, for the face gallery's HNSW candidate selector.
// Thread-safety: concurrent calls are safe (the graph and similarity are only read; the visited
// marks are per thread).
#pragma once

#include <faiss/impl/HNSW.h>

#include <cstddef>
#include <utility>
#include <vector>

#include "hnsw_vector_storage.h"

namespace abis::face {

// HNSW search over FAISS's graph (Malkov & Yashunin): greedy descent through the upper levels,
// then a beam of width ef on level 0. Written here rather than calling IndexHNSW::search because
// FAISS 1.7.3 sizes its level-0 queue by the index's own efSearch member and uses
// SearchParametersHNSW::efSearch only in the stopping test, so a per-call efSearch above the
// member has no effect (and changing the member is not safe under concurrent searches).
// Returns up to `count` (similarity, label) pairs, best first.
// REQUIRES: `graph` is structurally valid (built by FAISS or checked by ReadHnswGraphFile) and
// `similarity` reads the storage the graph was built over.
std::vector<std::pair<float, faiss::HNSW::storage_idx_t>> BeamSearch(const faiss::HNSW& graph,
                                                                     const HnswCodeSimilarity& similarity,
                                                                     std::size_t ef, std::size_t count);

}  // namespace abis::face
