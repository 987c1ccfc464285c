// Exact re-ranking for the face gallery's approximate candidate selectors (FAISS's IndexRefine
// step): the selector only chooses candidate rows; their scores are the inner products of the
// query with the stored float rows, so every method reports exact cosines.
// Thread-safety: reads the row store only; concurrent calls are safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "faiss_row_store.h"

namespace abis::face {

// The best min(k, candidate_rows.size()) candidates as (id, cosine), highest cosine first, equal
// cosines by id ascending. REQUIRES: query.size() == rows.dimension(), every candidate row <
// rows.size() and listed once.
std::vector<std::pair<std::int64_t, float>> RerankExactly(const FaceRowStore& rows, std::span<const float> query,
                                                          std::span<const std::size_t> candidate_rows, std::size_t k);

}  // namespace abis::face
