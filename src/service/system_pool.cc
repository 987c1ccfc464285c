#include "abis/service/system_pool.h"

namespace abis::service {

SystemPool::SystemPool(std::filesystem::path store_dir, EngineProvider engines, std::size_t max_systems,
                       std::shared_ptr<GallerySearcher> gallery_searcher)
    : store_dir_(std::move(store_dir)),
      engines_(std::move(engines)),
      max_systems_(max_systems < 1 ? 1 : max_systems),
      gallery_searcher_(std::move(gallery_searcher)) {}

Result<SystemPool::Lease> SystemPool::Acquire() {
  std::unique_lock lock(mutex_);
  returned_.wait(lock, [&] { return !idle_.empty() || opened_ < max_systems_; });
  if (!idle_.empty()) {
    std::unique_ptr<AbisSystem> system = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(system));
  }
  ++opened_;
  lock.unlock();
  auto system = AbisSystem::Open(store_dir_, engines_, gallery_indexes_);
  if (!system.ok()) {
    lock.lock();
    --opened_;
    returned_.notify_one();
    return system.status().WithContext("opening the store for a service worker");
  }
  if (gallery_searcher_) (*system)->SetGallerySearcher(gallery_searcher_);
  return Lease(this, std::move(system).value());
}

void SystemPool::Return(std::unique_ptr<AbisSystem> system) {
  bool healthy = system->ConnectionHealthy();
  std::unique_ptr<AbisSystem> discarded;
  {
    std::lock_guard lock(mutex_);
    if (healthy) {
      idle_.push_back(std::move(system));
    } else {
      discarded = std::move(system);  // closed below, outside the lock; its slot opens a new one
      --opened_;
      ++discarded_;
    }
    returned_.notify_one();
  }
}

std::size_t SystemPool::discarded() const {
  std::lock_guard lock(mutex_);
  return discarded_;
}

std::size_t SystemPool::opened() const {
  std::lock_guard lock(mutex_);
  return opened_;
}

}  // namespace abis::service
