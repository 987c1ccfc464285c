#include "abis/modality/shard_shortlist.h"

#include <algorithm>
#include <string>
#include <unordered_set>

namespace abis {

Result<std::optional<ModalityGallery::ShardShortlist>> ModalityGallery::ShardPreselect(
    const BiometricTemplate& /*probe*/, std::size_t /*whole_size*/, std::size_t /*max_candidates*/) const {
  return std::optional<ShardShortlist>();
}

Result<std::vector<Candidate>> ModalityGallery::RankShortlist(const BiometricTemplate& /*probe*/,
                                                              const std::vector<ShortlistEntry>& /*shortlist*/,
                                                              std::size_t /*max_candidates*/) const {
  return Status::Unimplemented("this gallery has no pre-selection: merge the shards' Search lists");
}

namespace {

using Entry = ModalityGallery::ShortlistEntry;

bool Better(const Entry& a, const Entry& b) {
  return a.score != b.score ? a.score > b.score : a.reference_id < b.reference_id;
}

}  // namespace

Result<std::vector<Entry>> MergeShardShortlists(const std::vector<ModalityGallery::ShardShortlist>& shards) {
  if (shards.empty()) return std::vector<Entry>();
  const std::size_t keep = shards.front().keep;
  std::vector<Entry> indexed;
  std::vector<Entry> fill;
  for (const ModalityGallery::ShardShortlist& shard : shards) {
    if (shard.keep != keep) {
      return Status::InvalidArgument("shards disagree on the shortlist length (" + std::to_string(keep) + " and " +
                                     std::to_string(shard.keep) + "): they run different gallery settings");
    }
    indexed.insert(indexed.end(), shard.indexed.begin(), shard.indexed.end());
    fill.insert(fill.end(), shard.fill.begin(), shard.fill.end());
  }
  std::sort(indexed.begin(), indexed.end(), Better);
  if (indexed.size() > keep) indexed.resize(keep);
  if (indexed.size() < keep) {
    std::sort(fill.begin(), fill.end(), Better);
    if (fill.size() > keep) fill.resize(keep);  // as the one gallery's fallback scan keeps `keep`
    std::unordered_set<std::int64_t> listed;
    for (const Entry& entry : indexed) listed.insert(entry.reference_id);
    for (const Entry& entry : fill) {
      if (indexed.size() == keep) break;
      if (!listed.contains(entry.reference_id)) indexed.push_back({entry.reference_id, 0.0f});
    }
  }
  return indexed;
}

std::vector<Candidate> MergeShardCandidates(std::vector<std::vector<Candidate>> shards, std::size_t max_candidates) {
  std::vector<Candidate> merged;
  for (std::vector<Candidate>& shard : shards) {
    for (Candidate& candidate : shard) merged.push_back(std::move(candidate));
  }
  std::stable_sort(merged.begin(), merged.end(), [](const Candidate& a, const Candidate& b) {
    return a.score != b.score ? a.score > b.score : a.reference_id < b.reference_id;
  });
  if (merged.size() > max_candidates) merged.resize(max_candidates);
  return merged;
}

}  // namespace abis
