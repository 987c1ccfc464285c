// In-memory search indexes of galleries, kept between searches. An index is built once from the
// store (decrypting every template) and afterwards brought up to date by difference: templates
// that appeared are decrypted and added, templates that disappeared are removed. The difference
// is taken over the persons the store's change log names since the index's generation (only
// their templates are listed); over the whole gallery when the log does not reach back that far,
// and for an index loaded from a snapshot whose audit anchor the store's audit chain does not hold
// (a store restored from a backup; GalleryIndexSnapshotContent::audit_seq). Whether an index
// is current is decided by the store's gallery generation (Store::GalleryGeneration), read in the
// search's own snapshot, so a search always sees exactly the gallery of its snapshot.
// One cache may be shared by every AbisSystem of a process (the service's connection pool):
// searches of one index run concurrently, an update waits for them and excludes them.
// One cache serves one store file (keys carry no store identity). A thread holds at most one
// view at a time: release a view before acquiring the next.
// Thread-safety: all methods are safe to call from several threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "abis/core/modality.h"
#include "abis/core/status.h"
#include "abis/modality/engine.h"
#include "abis/store/store.h"
#include "abis/system/gallery_index_key.h"
#include "abis/system/gallery_index_snapshot.h"

namespace abis {

// A template left out of an index because its stored row is damaged: it fails authentication
// or decryption (kDataLoss: tampered, moved or corrupt ciphertext or wrapped key), or the engine
// refuses the decrypted template. It stays out until its row changes (a new seal) or goes.
struct QuarantinedTemplate {
  std::int64_t template_id = 0;
  std::int64_t person_id = 0;
  std::int64_t gallery_id = 0;
  std::string reason;  // the Status text: says what failed, never any template bytes
};

// A searchable index, read-locked for as long as the view lives.
class GalleryIndexView {
 public:
  const ModalityGallery& index() const { return *index_; }
  // The person a template of the index belongs to (0 when unknown).
  std::int64_t PersonOfTemplate(std::int64_t template_id) const;
  // Templates of the gallery's members left out because another algorithm made them.
  std::size_t skipped_templates() const { return skipped_; }
  // Templates of the gallery's members left out because they are damaged (the search went on
  // without them), by template id.
  const std::vector<QuarantinedTemplate>& quarantined_templates() const { return *quarantined_; }

 private:
  friend class GalleryIndexCache;
  GalleryIndexView() = default;
  std::shared_lock<std::shared_mutex> lock_;
  std::shared_ptr<void> keep_alive_;
  const ModalityGallery* index_ = nullptr;
  const std::unordered_map<std::int64_t, std::int64_t>* person_of_template_ = nullptr;
  const std::vector<QuarantinedTemplate>* quarantined_ = nullptr;
  std::size_t skipped_ = 0;
};

// What index builds met that is still to be audited: templates put in quarantine and snapshots
// refused (each a sentence naming the file).
struct GalleryIndexFindings {
  std::vector<QuarantinedTemplate> quarantined;
  std::vector<std::string> snapshot_warnings;
};

struct GalleryIndexCacheStats {
  std::int64_t hits = 0;       // searches served by a current index
  std::int64_t refreshes = 0;  // indexes brought up to date (first builds included)
  std::int64_t templates_decrypted = 0;
  std::int64_t private_builds = 0;         // searches whose snapshot was older than the cached index
  std::int64_t templates_quarantined = 0;  // times a damaged template was put in quarantine
  std::int64_t snapshots_loaded = 0;       // first builds served by a snapshot
  // Of those, snapshots whose audit anchor the store's chain holds (caught up through the change
  // log from their generation instead of checked against the whole gallery).
  std::int64_t snapshots_anchored = 0;
  std::int64_t snapshots_discarded = 0;  // snapshots refused (and deleted) on loading
  std::int64_t snapshots_written = 0;
  // Refreshes that listed the whole gallery (first builds, or the store's change log did not
  // reach back to the index's generation), and refreshes that listed only the persons changed
  // since (Store::ListPersonsChangedSince), with how many persons they listed.
  std::int64_t full_listings = 0;
  std::int64_t incremental_listings = 0;
  std::int64_t persons_relisted = 0;
};

// When SaveSnapshots rewrites an index's snapshot: the index has none yet, or at least
// max(min_changed_templates, min_changed_fraction * size) templates were added or removed since.
struct SnapshotSavePolicy {
  std::int64_t min_changed_templates = 1000;
  double min_changed_fraction = 0.02;
};

struct SnapshotSaveReport {
  int written = 0;
  int unchanged = 0;    // below the policy's threshold
  int unsupported = 0;  // the modality's gallery keeps no state (it is rebuilt from the store)
  std::uint64_t bytes = 0;
  double seconds = 0;
  std::vector<std::string> errors;  // one per index that could not be written, naming it
};

// Memory of one cached index (ModalityGallery::MemoryBytes).
struct GalleryIndexMemory {
  GalleryIndexKey key;
  std::size_t templates = 0;
  std::size_t bytes = 0;
};

class GalleryIndexCache {
 public:
  // The index for `key`, current in the snapshot of the read transaction `store` has open.
  // `generation` is Store::GalleryGeneration() read in that snapshot. A damaged template is
  // quarantined (QuarantinedTemplate) and the index built without it; any other store failure
  // is returned as is, and the cached index is then left at its previous generation.
  // When the cached index is already newer than the snapshot, a private index is built from the
  // snapshot (decrypting the whole gallery: prefer TryAcquire and a fresh snapshot).
  Result<GalleryIndexView> Acquire(Store& store, const ModalityEngine& engine, const GalleryIndexKey& key,
                                   std::int64_t generation);
  // As Acquire, but nullopt (nothing built) when the cached index is newer than the snapshot:
  // the caller should retry with a fresh snapshot.
  Result<std::optional<GalleryIndexView>> TryAcquire(Store& store, const ModalityEngine& engine,
                                                     const GalleryIndexKey& key, std::int64_t generation);
  // The cached index for `key` when it is at exactly `generation` (nothing is read or built).
  std::optional<GalleryIndexView> AcquireIfCurrent(const GalleryIndexKey& key, std::int64_t generation);
  GalleryIndexCacheStats stats() const;
  // Templates put in quarantine since the last call (each once per damaged seal, in the order
  // found), and forgets them: for the caller to audit and alert on each exactly once.
  std::vector<QuarantinedTemplate> TakeNewlyQuarantined();
  // Both kinds of findings since the last take, forgotten here: the caller audits them, and hands
  // them back with RestoreFindings when its audit does not commit (so none is lost or repeated).
  GalleryIndexFindings TakeFindings();
  void RestoreFindings(GalleryIndexFindings findings);
  // Drops every index (e.g. when memory must be returned).
  void Clear();

  // Snapshots (abis/system/gallery_index_snapshot.h) in `dir`, sealed under `key` (the store's
  // IndexSnapshotKey): a first build loads the index's snapshot when there is one, and
  // SaveSnapshots writes them. Off until called.
  void EnableSnapshots(const std::filesystem::path& dir, const DerivedKey& key);
  bool snapshots_enabled() const;
  // How first builds load snapshots (kWhole unless set): kOnDemand for a process that searches
  // once (the CLI search), whose indexes then read their deferred arrays from the snapshot files.
  void SetSnapshotLoading(SnapshotLoading loading);
  // Drops the cached index of `key` and deletes its snapshot, after a search found the index
  // damaged (`reason`: a deferred array failed to read back); the next search rebuilds it from the
  // store. Views still held keep the old index until they are released. Counted and reported as a
  // discarded snapshot (TakeSnapshotWarnings).
  void DiscardDamagedIndex(const GalleryIndexKey& key, const Status& reason);
  // Writes the snapshot of every cached, current index the policy selects; searches go on
  // meanwhile (updates of an index wait while it is written).
  SnapshotSaveReport SaveSnapshots(const SnapshotSavePolicy& policy = {});
  // GalleryIndexSnapshots::BeginErasure / EndErasure around an erasing operation (a marker
  // name to hand to the end; "" and no-ops when snapshots are off). Every cached index is then
  // due for a new snapshot.
  Result<std::string> BeginSnapshotErasure(std::int64_t generation);
  Status EndSnapshotErasure(const std::string& marker, std::int64_t generation);
  // Why snapshots were discarded since the last call (each a sentence naming the file).
  std::vector<std::string> TakeSnapshotWarnings();
  // The memory of every cached index.
  std::vector<GalleryIndexMemory> MemoryUse() const;
  // Indexes of this cache hold only the templates of persons `member` accepts (a shard of the
  // matcher grid, abis/grid): set before the first Acquire, and give such a cache a snapshot
  // folder of its own. `member` must be safe to call from several threads.
  void SetPersonFilter(std::function<bool(std::int64_t person_id)> member);

 private:
  struct Entry;
  std::shared_ptr<Entry> EntryFor(const GalleryIndexKey& key);
  Status Refresh(Entry& entry, Store& store, const ModalityEngine& engine, const GalleryIndexKey& key,
                 std::int64_t generation);
  GalleryIndexView ViewOf(const std::shared_ptr<Entry>& entry, std::shared_lock<std::shared_mutex> lock);

  mutable std::mutex mutex_;
  std::map<GalleryIndexKey, std::shared_ptr<Entry>> entries_;
  GalleryIndexCacheStats stats_;
  std::vector<QuarantinedTemplate> newly_quarantined_;
  std::unordered_set<std::string> reported_damage_;         // "<template id>/<seal>" already reported
  std::shared_ptr<const GalleryIndexSnapshots> snapshots_;  // null: snapshots off
  SnapshotLoading snapshot_loading_ = SnapshotLoading::kWhole;
  std::vector<std::string> snapshot_warnings_;
  std::function<bool(std::int64_t)> person_filter_;  // empty: every person
};

}  // namespace abis
