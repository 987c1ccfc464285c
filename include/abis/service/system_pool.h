// A pool of AbisSystem instances, one per concurrently served request: each owns its own SQLite
// connection (WAL lets searches read while an enrolment writes). A request leases a system for its
// duration; the pool opens a new one when all are leased, up to `max_systems`, then waits. A
// system whose connection is not clean when it comes back (see Store::Healthy) is closed, not
// reused.
// Thread-safety: Acquire() may be called concurrently; a Lease is used by one thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "abis/core/status.h"
#include "abis/system/abis_system.h"

namespace abis::service {

class SystemPool {
 public:
  // `engines` must be safe to call from several threads at once.
  // REQUIRES: max_systems >= 1.
  // `gallery_searcher` (null: none) is set on every system (AbisSystem::SetGallerySearcher).
  SystemPool(std::filesystem::path store_dir, EngineProvider engines, std::size_t max_systems,
             std::shared_ptr<GallerySearcher> gallery_searcher = nullptr);

  class Lease {
   public:
    Lease(SystemPool* pool, std::unique_ptr<AbisSystem> system) : pool_(pool), system_(std::move(system)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ != nullptr && system_) pool_->Return(std::move(system_));
    }
    AbisSystem& operator*() { return *system_; }
    AbisSystem* operator->() { return system_.get(); }

   private:
    SystemPool* pool_;
    std::unique_ptr<AbisSystem> system_;
  };

  // A system for the caller's exclusive use until the Lease is destroyed. Fails when the store
  // cannot be opened.
  Result<Lease> Acquire();
  std::size_t opened() const;
  // Systems closed on return because their connection's state was unknown (an open or failed
  // transaction): the next Acquire opens a fresh one instead of reusing it.
  std::size_t discarded() const;
  GalleryIndexCacheStats gallery_index_stats() const { return gallery_indexes_->stats(); }
  std::vector<GalleryIndexMemory> gallery_index_memory() const { return gallery_indexes_->MemoryUse(); }
  // Writes the shared indexes' snapshots (GalleryIndexCache::SaveSnapshots).
  SnapshotSaveReport SaveIndexSnapshots(const SnapshotSavePolicy& policy) {
    return gallery_indexes_->SaveSnapshots(policy);
  }

 private:
  void Return(std::unique_ptr<AbisSystem> system);
  std::filesystem::path store_dir_;
  EngineProvider engines_;
  // One set of in-memory gallery indexes for every connection: a search on any worker reuses
  // (and brings up to date) the indexes the others built.
  std::shared_ptr<GalleryIndexCache> gallery_indexes_ = std::make_shared<GalleryIndexCache>();
  std::size_t max_systems_;
  std::shared_ptr<GallerySearcher> gallery_searcher_;
  mutable std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<AbisSystem>> idle_;
  std::size_t opened_ = 0;
  std::size_t discarded_ = 0;
};

}  // namespace abis::service
