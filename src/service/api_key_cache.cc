#include "abis/service/api_key_cache.h"

#include <sodium.h>

namespace abis::service {

ApiKeyCache::ApiKeyCache(std::chrono::milliseconds ttl, std::size_t max_entries)
    : ttl_(ttl), max_entries_(max_entries) {
  randombytes_buf(hash_key_.data(), hash_key_.size());
}

std::string ApiKeyCache::Digest(const std::string& api_key) const {
  std::array<unsigned char, 32> digest{};
  crypto_generichash(digest.data(), digest.size(), reinterpret_cast<const unsigned char*>(api_key.data()),
                     api_key.size(), hash_key_.data(), hash_key_.size());
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

std::optional<Operator> ApiKeyCache::Find(const std::string& api_key) {
  if (ttl_.count() <= 0) return std::nullopt;
  std::string digest = Digest(api_key);
  std::lock_guard lock(mutex_);
  auto found = entries_.find(digest);
  if (found == entries_.end()) return std::nullopt;
  if (found->second.expires <= Clock::now()) {
    entries_.erase(found);
    return std::nullopt;
  }
  return found->second.op;
}

void ApiKeyCache::Remember(const std::string& api_key, const Operator& op) {
  if (ttl_.count() <= 0 || max_entries_ == 0) return;
  std::string digest = Digest(api_key);
  std::lock_guard lock(mutex_);
  if (entries_.size() >= max_entries_) {
    auto now = Clock::now();
    std::erase_if(entries_, [&](const auto& item) { return item.second.expires <= now; });
    if (entries_.size() >= max_entries_) entries_.clear();
  }
  entries_[digest] = Entry{op, Clock::now() + ttl_};
}

std::size_t ApiKeyCache::size() {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace abis::service
