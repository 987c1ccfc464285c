#include "abis/system/gallery_shards.h"

#include <algorithm>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "abis/modality/shard_shortlist.h"

namespace abis {

int VirtualShardOfPerson(std::int64_t person_id, int virtual_shards) {
  // SplitMix64's finaliser: consecutive ids spread evenly over the shards.
  std::uint64_t x = static_cast<std::uint64_t>(person_id) + 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  x ^= x >> 31;
  return static_cast<int>(x % static_cast<std::uint64_t>(virtual_shards < 1 ? 1 : virtual_shards));
}

Result<std::unique_ptr<GalleryShards>> GalleryShards::Open(const std::filesystem::path& store_dir,
                                                           EngineProvider engines, std::vector<int> held,
                                                           int virtual_shards) {
  if (virtual_shards < 1 || virtual_shards > 4096) {
    return Status::InvalidArgument("the grid's virtual shard count must be 1-4096, not " +
                                   std::to_string(virtual_shards));
  }
  for (int shard : held) {
    if (shard < 0 || shard >= virtual_shards) {
      return Status::InvalidArgument("virtual shard " + std::to_string(shard) + " is not in 0-" +
                                     std::to_string(virtual_shards - 1));
    }
  }
  std::unique_ptr<GalleryShards> shards(new GalleryShards());
  ABIS_ASSIGN_OR_RETURN(shards->store_, Store::Open(store_dir));
  shards->engines_ = std::move(engines);
  shards->held_ = std::move(held);
  shards->virtual_shards_ = virtual_shards;
  const std::filesystem::path snapshot_root = shards->store_->layout().snapshot_dir;
  for (int shard : shards->held_) {
    auto cache = std::make_unique<GalleryIndexCache>();
    cache->SetPersonFilter(
        [shard, virtual_shards](std::int64_t person) { return VirtualShardOfPerson(person, virtual_shards) == shard; });
    if (!snapshot_root.empty()) {
      char name[32];
      std::snprintf(name, sizeof(name), "vshard-%02d-of-%d", shard, virtual_shards);
      cache->EnableSnapshots(snapshot_root / "grid-shards" / name, shards->store_->IndexSnapshotKey());
    }
    shards->caches_.emplace(shard, std::move(cache));
  }
  return shards;
}

Result<const ModalityEngine*> GalleryShards::EngineFor(const GalleryIndexKey& key) const {
  ABIS_ASSIGN_OR_RETURN(const ModalityEngine* engine, engines_(key.modality));
  if (engine->algorithm() != key.algorithm) {
    return Status::FailedPrecondition("this matcher's " + std::string(ModalityName(key.modality)) + " engine is '" +
                                      engine->algorithm() + "', the front searches '" + key.algorithm +
                                      "': every rank must run the same build");
  }
  return engine;
}

Result<ShardPrepareAnswer> GalleryShards::Refresh(const GalleryIndexKey& key, std::int64_t generation) {
  ABIS_ASSIGN_OR_RETURN(const ModalityEngine* engine, EngineFor(key));
  ShardPrepareAnswer answer;
  ABIS_RETURN_IF_ERROR(store_->ReadTransaction([&]() -> Status {
    answer = ShardPrepareAnswer();
    ABIS_ASSIGN_OR_RETURN(std::int64_t current, store_->GalleryGeneration());
    for (auto& [shard, cache] : caches_) {
      std::optional<GalleryIndexView> view = cache->AcquireIfCurrent(key, generation);
      if (!view) {
        // Only the store's snapshot at exactly `generation` can bring an index there.
        if (current != generation) {
          answer.stale = true;
          return Status::Ok();
        }
        ABIS_ASSIGN_OR_RETURN(view, cache->TryAcquire(*store_, *engine, key, generation));
        if (!view) {
          answer.stale = true;
          return Status::Ok();
        }
      }
      answer.gallery_size += view->index().size();
      answer.skipped_templates += view->skipped_templates();
      answer.quarantined_templates += view->quarantined_templates().size();
    }
    return Status::Ok();
  }));
  return answer;
}

namespace {

Status NotPrepared(const GalleryIndexKey& key, std::int64_t generation) {
  return Status::Unavailable("matcher: the index of gallery " + std::to_string(key.gallery_id) +
                             " is not at generation " + std::to_string(generation) + " (refresh it first)");
}

}  // namespace

template <typename Ask>
Result<ShardCandidates> GalleryShards::MergedFromShards(const GalleryIndexKey& key, std::int64_t generation,
                                                        std::size_t wanted, Ask ask) {
  std::vector<std::vector<Candidate>> lists;
  std::map<std::int64_t, std::int64_t> person_of;
  for (auto& [shard, cache] : caches_) {
    std::optional<GalleryIndexView> view = cache->AcquireIfCurrent(key, generation);
    if (!view) return NotPrepared(key, generation);
    ABIS_ASSIGN_OR_RETURN(std::vector<Candidate> found, ask(view->index()));
    for (const Candidate& candidate : found)
      person_of[candidate.reference_id] = view->PersonOfTemplate(candidate.reference_id);
    lists.push_back(std::move(found));
  }
  ShardCandidates out;
  out.candidates = MergeShardCandidates(std::move(lists), wanted);
  for (const Candidate& candidate : out.candidates) out.person_ids.push_back(person_of[candidate.reference_id]);
  return out;
}

Result<ShardCandidates> GalleryShards::Search(const GalleryIndexKey& key, std::int64_t generation,
                                              const BiometricTemplate& probe, std::size_t wanted) {
  return MergedFromShards(key, generation, wanted, [&](const ModalityGallery& index) {
    return index.Search(probe, std::min(wanted, index.size()));
  });
}

Result<std::optional<ModalityGallery::ShardShortlist>> GalleryShards::Preselect(const GalleryIndexKey& key,
                                                                                std::int64_t generation,
                                                                                const BiometricTemplate& probe,
                                                                                std::size_t whole_size,
                                                                                std::size_t wanted) {
  std::vector<ModalityGallery::ShardShortlist> answers;
  bool none = false;
  std::size_t held_templates = 0;
  for (auto& [shard, cache] : caches_) {
    std::optional<GalleryIndexView> view = cache->AcquireIfCurrent(key, generation);
    if (!view) return NotPrepared(key, generation);
    held_templates += view->index().size();
    ABIS_ASSIGN_OR_RETURN(std::optional<ModalityGallery::ShardShortlist> answer,
                          view->index().ShardPreselect(probe, whole_size, wanted));
    if (!answer) {
      none = true;
      continue;
    }
    answers.push_back(std::move(*answer));
  }
  if (none || answers.empty()) return std::optional<ModalityGallery::ShardShortlist>();
  // The held shards' lists merged into one shard's answer: the best `keep` of each list.
  ModalityGallery::ShardShortlist merged;
  merged.keep = answers.front().keep;
  const auto better = [](const ModalityGallery::ShortlistEntry& a, const ModalityGallery::ShortlistEntry& b) {
    return a.score != b.score ? a.score > b.score : a.reference_id < b.reference_id;
  };
  bool any_fill = false;
  for (const auto& answer : answers) {
    if (answer.keep != merged.keep) return Status::Internal("matcher: shards of one matcher disagree on the shortlist");
    merged.indexed.insert(merged.indexed.end(), answer.indexed.begin(), answer.indexed.end());
    merged.fill.insert(merged.fill.end(), answer.fill.begin(), answer.fill.end());
    any_fill = any_fill || !answer.fill.empty();
  }
  std::sort(merged.indexed.begin(), merged.indexed.end(), better);
  if (merged.indexed.size() > merged.keep) merged.indexed.resize(merged.keep);
  if (merged.indexed.size() >= merged.keep) {
    merged.fill.clear();  // the whole gallery's pre-selection fills its shortlist
  } else {
    // Shards holding templates fill their short lists; a matcher holding none for this index has
    // nothing to fill with (a small gallery, or a finger position few persons have).
    if (!any_fill && held_templates > 0) {
      return Status::Internal("matcher: a short pre-selection without its fill list");
    }
    std::sort(merged.fill.begin(), merged.fill.end(), better);
    if (merged.fill.size() > merged.keep) merged.fill.resize(merged.keep);
  }
  return std::optional<ModalityGallery::ShardShortlist>(std::move(merged));
}

Result<ShardCandidates> GalleryShards::Rank(const GalleryIndexKey& key, std::int64_t generation,
                                            const BiometricTemplate& probe,
                                            const std::vector<ModalityGallery::ShortlistEntry>& shortlist,
                                            std::size_t wanted) {
  return MergedFromShards(key, generation, wanted,
                          [&](const ModalityGallery& index) { return index.RankShortlist(probe, shortlist, wanted); });
}

Result<std::size_t> GalleryShards::LoadAll() {
  std::set<GalleryIndexKey> keys;
  std::int64_t generation = 0;
  ABIS_RETURN_IF_ERROR(store_->ReadTransaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(generation, store_->GalleryGeneration());
    ABIS_ASSIGN_OR_RETURN(std::vector<Gallery> galleries, store_->ListGalleriesWithoutMemberCount());
    for (const Gallery& gallery : galleries) {
      for (Modality modality : {Modality::kFace, Modality::kFinger}) {
        auto engine = engines_(modality);
        if (!engine.ok()) continue;
        ABIS_ASSIGN_OR_RETURN(std::vector<TemplateInfo> templates, store_->ListGalleryTemplates(gallery.id, modality));
        for (const TemplateInfo& info : templates) {
          if (info.algorithm != (*engine)->algorithm()) continue;
          keys.insert(GalleryIndexKey{gallery.id, modality, info.position, info.algorithm});
        }
      }
    }
    return Status::Ok();
  }));
  std::size_t held = 0;
  for (const GalleryIndexKey& key : keys) {
    ABIS_ASSIGN_OR_RETURN(ShardPrepareAnswer answer, Refresh(key, generation));
    if (answer.stale) return LoadAll();  // an enrolment meanwhile: start again at the new generation
    held += answer.gallery_size;
  }
  return held;
}

std::int64_t GalleryShards::snapshots_loaded() const {
  std::int64_t loaded = 0;
  for (const auto& [shard, cache] : caches_) loaded += cache->stats().snapshots_loaded;
  return loaded;
}

std::vector<QuarantinedTemplate> GalleryShards::TakeNewlyQuarantined() {
  std::vector<QuarantinedTemplate> all;
  for (auto& [shard, cache] : caches_) {
    std::vector<QuarantinedTemplate> found = cache->TakeNewlyQuarantined();
    all.insert(all.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
  }
  return all;
}

SnapshotSaveReport GalleryShards::SaveSnapshots(const SnapshotSavePolicy& policy) {
  SnapshotSaveReport total;
  for (auto& [shard, cache] : caches_) {
    if (!cache->snapshots_enabled()) continue;
    SnapshotSaveReport report = cache->SaveSnapshots(policy);
    total.written += report.written;
    total.unchanged += report.unchanged;
    total.unsupported += report.unsupported;
    total.bytes += report.bytes;
    total.seconds += report.seconds;
    total.errors.insert(total.errors.end(), report.errors.begin(), report.errors.end());
  }
  return total;
}

}  // namespace abis
