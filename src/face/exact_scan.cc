#include "exact_scan.h"

#include <algorithm>

#include "inner_product_kernel.h"

namespace abis::face {

std::vector<std::pair<std::int64_t, float>> ExactScan(const FaceRowStore& rows, std::span<const float> query,
                                                      std::size_t k) {
  std::vector<std::pair<std::int64_t, float>> out;
  k = std::min(k, rows.size());
  if (k == 0) return out;
  // One pass over the rows keeping the best k in a min-heap of (score, row).
  using Scored = std::pair<float, std::size_t>;
  std::vector<Scored> best;
  best.reserve(k + 1);
  // Ties by lower id, so that the order does not depend on the rows' layout (a shard of the
  // gallery, abis/grid, orders its rows as the whole gallery does).
  const auto worse = [&rows](const Scored& a, const Scored& b) {
    return a.first > b.first || (a.first == b.first && rows.IdOf(a.second) < rows.IdOf(b.second));
  };
  const std::size_t dimension = rows.dimension();
  for (std::size_t row = 0; row < rows.size(); ++row) {
    const float score = InnerProduct(query.data(), rows.Row(row), dimension);
    if (best.size() < k) {
      best.emplace_back(score, row);
      std::push_heap(best.begin(), best.end(), worse);
    } else if (worse({score, row}, best.front())) {
      std::pop_heap(best.begin(), best.end(), worse);
      best.back() = {score, row};
      std::push_heap(best.begin(), best.end(), worse);
    }
  }
  std::sort_heap(best.begin(), best.end(), worse);  // highest score first
  for (const auto& [score, row] : best) out.emplace_back(rows.IdOf(row), score);
  return out;
}

}  // namespace abis::face
