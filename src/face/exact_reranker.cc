#include "exact_reranker.h"

#include <algorithm>

#include "inner_product_kernel.h"

namespace abis::face {

std::vector<std::pair<std::int64_t, float>> RerankExactly(const FaceRowStore& rows, std::span<const float> query,
                                                          std::span<const std::size_t> candidate_rows, std::size_t k) {
  std::vector<std::pair<std::int64_t, float>> out;
  out.reserve(candidate_rows.size());
  for (const std::size_t row : candidate_rows) {
    out.emplace_back(rows.IdOf(row), InnerProduct(query.data(), rows.Row(row), rows.dimension()));
  }
  const auto higher = [](const auto& a, const auto& b) {
    return a.second > b.second || (a.second == b.second && a.first < b.first);
  };
  const std::size_t returned = std::min(k, out.size());
  std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(returned), out.end(), higher);
  out.resize(returned);
  return out;
}

}  // namespace abis::face
