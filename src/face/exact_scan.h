// Exact candidate selection for the face gallery: the inner product of the query with every
// stored float row, keeping the best k. Its scores are final (the gallery's exact search, and the
// ground truth the approximate selectors are measured against).
// Thread-safety: reads the row store only; concurrent calls are safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "faiss_row_store.h"

namespace abis::face {

// The best min(k, rows.size()) (id, cosine) pairs, highest first (the order of exactly equal
// scores is unspecified). REQUIRES: query.size() == rows.dimension().
std::vector<std::pair<std::int64_t, float>> ExactScan(const FaceRowStore& rows, std::span<const float> query,
                                                      std::size_t k);

}  // namespace abis::face
