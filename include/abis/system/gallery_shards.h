// The part of every gallery index one matcher of the grid (abis/grid/) holds: the templates of the
// persons of its virtual shards. A person's virtual shard is a hash of the person id modulo the
// grid's virtual shard count (fixed for a deployment); virtual shards are dealt to matchers by
// modulo, so the number of matchers can change at a restart. Every virtual shard is its own
// GalleryIndexCache with its own sealed snapshots (folder "grid-shards/vshard-NN" beside the
// store's index snapshots), so a restarted grid reloads them whatever the number of matchers.
// A search runs in phases driven by the grid's front (GalleryIndexCache's generations keep every
// phase on the same gallery): Refresh, then Search, or Preselect and Rank (ModalityGallery's
// sharded search). Not thread-safe: one matcher thread drives it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "abis/core/status.h"
#include "abis/modality/engine.h"
#include "abis/store/store.h"
#include "abis/system/abis_system.h"
#include "abis/system/gallery_index_cache.h"
#include "abis/system/gallery_index_key.h"

namespace abis {

// The virtual shard of a person, 0..virtual_shards-1. REQUIRES: virtual_shards >= 1.
int VirtualShardOfPerson(std::int64_t person_id, int virtual_shards);

struct ShardPrepareAnswer {
  bool stale = false;  // the store moved past the requested generation: the front must retry
  std::size_t gallery_size = 0;
  std::size_t skipped_templates = 0;
  std::size_t quarantined_templates = 0;
};

struct ShardCandidates {
  std::vector<Candidate> candidates;     // best first
  std::vector<std::int64_t> person_ids;  // of each candidate
};

class GalleryShards {
 public:
  // Opens the store for the virtual shards `held` (each 0..virtual_shards-1).
  static Result<std::unique_ptr<GalleryShards>> Open(const std::filesystem::path& store_dir, EngineProvider engines,
                                                     std::vector<int> held, int virtual_shards);
  // Brings every held shard's index of `key` to store generation `generation`.
  Result<ShardPrepareAnswer> Refresh(const GalleryIndexKey& key, std::int64_t generation);
  // After Refresh of the same key and generation (kUnavailable otherwise):
  // the best `wanted` of the held shards by ModalityGallery::Search, merged;
  Result<ShardCandidates> Search(const GalleryIndexKey& key, std::int64_t generation, const BiometricTemplate& probe,
                                 std::size_t wanted);
  // the held shards' ShardPreselect answers merged into one (nullopt: no pre-selection);
  Result<std::optional<ModalityGallery::ShardShortlist>> Preselect(const GalleryIndexKey& key, std::int64_t generation,
                                                                   const BiometricTemplate& probe,
                                                                   std::size_t whole_size, std::size_t wanted);
  // the held shards' RankShortlist answers merged.
  Result<ShardCandidates> Rank(const GalleryIndexKey& key, std::int64_t generation, const BiometricTemplate& probe,
                               const std::vector<ModalityGallery::ShortlistEntry>& shortlist, std::size_t wanted);
  // Prepares the index of every gallery, modality, finger position and algorithm the store holds
  // (a grid's start: loads snapshots, decrypts the rest). Returns the templates held.
  Result<std::size_t> LoadAll();
  // Writes the changed snapshots of every held shard. Safe to call from another thread while one
  // thread drives the searches (the caches are thread-safe; the store is not touched).
  SnapshotSaveReport SaveSnapshots(const SnapshotSavePolicy& policy = {});
  // Templates any held shard put in quarantine since the last call (GalleryIndexCache::
  // TakeNewlyQuarantined), for the grid's front to audit once each.
  std::vector<QuarantinedTemplate> TakeNewlyQuarantined();
  const std::vector<int>& held() const { return held_; }
  // Indexes whose first build loaded a sealed snapshot (GalleryIndexCacheStats::snapshots_loaded).
  std::int64_t snapshots_loaded() const;

 private:
  GalleryShards() = default;
  Result<const ModalityEngine*> EngineFor(const GalleryIndexKey& key) const;
  // Asks every held shard's index of `key` (current at `generation`) with `ask` and merges their
  // candidate lists into the best `wanted`, each with its person.
  template <typename Ask>
  Result<ShardCandidates> MergedFromShards(const GalleryIndexKey& key, std::int64_t generation, std::size_t wanted,
                                           Ask ask);

  std::unique_ptr<Store> store_;
  EngineProvider engines_;
  std::vector<int> held_;
  int virtual_shards_ = 0;
  std::map<int, std::unique_ptr<GalleryIndexCache>> caches_;
};

}  // namespace abis
