#include "hnsw_beam_search.h"

#include <algorithm>
#include <cstdint>
#include <span>

namespace abis::face {
namespace {

// Per-thread "visited" marks for the beam search: a stamp per graph node, valid when equal to
// the current search's epoch, so no clearing between searches.
class VisitedMarks {
 public:
  void Begin(std::size_t nodes) {
    if (stamps_.size() < nodes) stamps_.resize(nodes, 0);
    if (++epoch_ == 0) {  // wrapped: forget every old stamp
      std::fill(stamps_.begin(), stamps_.end(), 0);
      epoch_ = 1;
    }
  }
  // Marks `node`; false when it was already marked in this search.
  bool Mark(std::size_t node) {
    if (stamps_[node] == epoch_) return false;
    stamps_[node] = epoch_;
    return true;
  }

 private:
  std::vector<std::uint32_t> stamps_;
  std::uint32_t epoch_ = 0;
};

}  // namespace

std::vector<std::pair<float, faiss::HNSW::storage_idx_t>> BeamSearch(const faiss::HNSW& graph,
                                                                     const HnswCodeSimilarity& similarity,
                                                                     std::size_t ef, std::size_t count) {
  using Label = faiss::HNSW::storage_idx_t;
  using Scored = std::pair<float, Label>;
  std::vector<Scored> out;
  if (graph.entry_point < 0) return out;
  const auto neighbours = [&graph](Label node, int level) {
    const std::size_t base = graph.offsets[static_cast<std::size_t>(node)];
    return std::span<const Label>(
        graph.neighbors.data() + base + static_cast<std::size_t>(graph.cum_nneighbor_per_level[level]),
        static_cast<std::size_t>(graph.cum_nneighbor_per_level[level + 1] - graph.cum_nneighbor_per_level[level]));
  };
  Label nearest = graph.entry_point;
  float nearest_similarity = similarity(nearest);
  for (int level = graph.max_level; level >= 1; --level) {
    for (bool moved = true; moved;) {
      moved = false;
      for (Label next : neighbours(nearest, level)) {
        if (next < 0) break;
        const float s = similarity(next);
        if (s > nearest_similarity) {
          nearest_similarity = s;
          nearest = next;
          moved = true;
        }
      }
    }
  }
  thread_local VisitedMarks visited;
  visited.Begin(graph.levels.size());
  visited.Mark(static_cast<std::size_t>(nearest));
  const auto worse_first = [](const Scored& a, const Scored& b) { return a.first > b.first; };
  const auto better_first = [](const Scored& a, const Scored& b) { return a.first < b.first; };
  std::vector<Scored> frontier{{nearest_similarity, nearest}};  // max-heap: best unexpanded on top
  std::vector<Scored> found{{nearest_similarity, nearest}};     // min-heap of the best ef: worst on top
  std::vector<Label> fresh;
  while (!frontier.empty()) {
    std::pop_heap(frontier.begin(), frontier.end(), better_first);
    const Scored current = frontier.back();
    frontier.pop_back();
    if (found.size() >= ef && current.first < found.front().first) break;
    fresh.clear();
    for (Label next : neighbours(current.second, 0)) {
      if (next < 0) break;
      if (!visited.Mark(static_cast<std::size_t>(next))) continue;
      similarity.Prefetch(next);
      fresh.push_back(next);
    }
    for (Label next : fresh) {
      const float s = similarity(next);
      if (found.size() < ef || s > found.front().first) {
        frontier.emplace_back(s, next);
        std::push_heap(frontier.begin(), frontier.end(), better_first);
        found.emplace_back(s, next);
        std::push_heap(found.begin(), found.end(), worse_first);
        if (found.size() > ef) {
          std::pop_heap(found.begin(), found.end(), worse_first);
          found.pop_back();
        }
      }
    }
  }
  std::sort_heap(found.begin(), found.end(), worse_first);  // best first
  if (found.size() > count) found.resize(count);
  return found;
}

}  // namespace abis::face
