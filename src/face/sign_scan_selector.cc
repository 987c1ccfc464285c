#include "sign_scan_selector.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "abis/core/search_executor.h"
#include "inner_product_kernel.h"

namespace abis::face {

std::vector<std::size_t> SignScanShortlist(const FaceRowStore& rows, std::span<const float> query, std::size_t keep,
                                           std::size_t slices) {
  const std::size_t count = rows.size();
  keep = std::min(keep, count);
  if (keep == 0) return {};
  const std::size_t words = rows.sign_words();
  std::vector<std::uint64_t> query_signs(words);
  EncodeSigns(query.data(), rows.dimension(), query_signs.data());

  // Each slice keeps its best `keep` (fewest differing bits) in a max-heap, worst on top; the
  // heaps are sized before the scan, so the scan itself never allocates.
  using Shortlisted = std::pair<std::uint32_t, std::size_t>;  // (differing bits, row)
  slices = std::clamp<std::size_t>(count / kSignScanMinRowsPerSlice, 1, std::max<std::size_t>(1, slices));
  std::vector<std::vector<Shortlisted>> best(slices);
  for (auto& heap : best) heap.reserve(keep);
  const std::uint64_t* codes = rows.SignCodes();
  SearchExecutor::Shared().ParallelFor(slices, [&](std::size_t slice) {
    std::vector<Shortlisted>& heap = best[slice];
    const std::size_t begin = SearchExecutor::SliceBegin(count, slices, slice);
    const std::size_t end = SearchExecutor::SliceBegin(count, slices, slice + 1);
    constexpr std::size_t kBlock = 256;
    std::uint32_t differing[kBlock];
    for (std::size_t block = begin; block < end; block += kBlock) {
      const std::size_t in_block = std::min(kBlock, end - block);
      HammingDistances(query_signs.data(), codes + block * words, in_block, words, differing);
      for (std::size_t i = 0; i < in_block; ++i) {
        if (heap.size() < keep) {
          heap.emplace_back(differing[i], block + i);
          std::push_heap(heap.begin(), heap.end());
        } else if (differing[i] < heap.front().first) {
          std::pop_heap(heap.begin(), heap.end());
          heap.back() = {differing[i], block + i};
          std::push_heap(heap.begin(), heap.end());
        }
      }
    }
  });

  // Each slice kept its best `keep` by (differing bits, row), rows ascending, so the best `keep`
  // of their union is the gallery's: the shortlist does not depend on the number of slices.
  std::vector<Shortlisted> shortlist = std::move(best[0]);
  for (std::size_t slice = 1; slice < slices; ++slice)
    shortlist.insert(shortlist.end(), best[slice].begin(), best[slice].end());
  if (shortlist.size() > keep) {
    std::nth_element(shortlist.begin(), shortlist.begin() + static_cast<std::ptrdiff_t>(keep - 1), shortlist.end());
    shortlist.resize(keep);
  }
  std::vector<std::size_t> out;
  out.reserve(shortlist.size());
  for (const auto& [differing, row] : shortlist) out.push_back(row);
  return out;
}

}  // namespace abis::face
