// Merging the answers of a gallery's shards (ModalityGallery's sharded search, abis/modality/engine.h)
// into exactly the answer of one gallery holding every shard's references.
#pragma once

#include <cstddef>
#include <vector>

#include "abis/modality/engine.h"

namespace abis {

// The whole gallery's shortlist from every shard's ShardPreselect answer: the best `keep` of the
// pre-selection (score descending, then lower reference id); when it has fewer than `keep`, the
// fill lists' best (same order) not already listed are appended with score 0 up to `keep`.
// kInvalidArgument when the shards disagree on `keep`.
Result<std::vector<ModalityGallery::ShortlistEntry>> MergeShardShortlists(
    const std::vector<ModalityGallery::ShardShortlist>& shards);

// The best `max_candidates` of the shards' candidate lists: score descending, then lower
// reference id (each list best first).
std::vector<Candidate> MergeShardCandidates(std::vector<std::vector<Candidate>> shards, std::size_t max_candidates);

}  // namespace abis
