#include "abis/service/sign_in_throttle.h"

#include <algorithm>

namespace abis::service {

std::chrono::seconds SignInThrottle::RetryAfterLocked(const std::string& key, Clock::time_point now) {
  auto found = windows_.find(key);
  if (found == windows_.end()) return std::chrono::seconds(0);
  const Window& window = found->second;
  if (now - window.start >= limits_.window || window.failures < limits_.max_failures) return std::chrono::seconds(0);
  auto left = std::chrono::duration_cast<std::chrono::seconds>(window.start + limits_.window - now);
  return std::max(left + std::chrono::seconds(1), std::chrono::seconds(1));
}

std::chrono::seconds SignInThrottle::RetryAfter(const std::string& source, const std::string& key_id,
                                                Clock::time_point now) {
  std::lock_guard lock(mutex_);
  std::chrono::seconds wait(0);
  if (!source.empty()) wait = RetryAfterLocked("source:" + source, now);
  if (!key_id.empty()) wait = std::max(wait, RetryAfterLocked("key:" + key_id, now));
  return wait;
}

std::int64_t SignInThrottle::CountLocked(const std::string& key, Clock::time_point now) {
  Window& window = windows_[key];
  if (window.failures == 0 || now - window.start >= limits_.window) window = Window{now, 0};
  return ++window.failures;
}

std::int64_t SignInThrottle::RecordFailure(const std::string& source, const std::string& key_id, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (windows_.size() + 2 > limits_.max_tracked) EvictLocked(now);
  std::int64_t reached = 0;
  if (!source.empty()) {
    std::int64_t by_source = CountLocked("source:" + source, now);
    if (by_source == limits_.max_failures) reached = by_source;
  }
  if (!key_id.empty()) {
    std::int64_t by_key = CountLocked("key:" + key_id, now);
    if (by_key == limits_.max_failures) reached = by_key;
  }
  return reached;
}

void SignInThrottle::EvictLocked(Clock::time_point now) {
  std::erase_if(windows_, [&](const auto& item) { return now - item.second.start >= limits_.window; });
  while (windows_.size() + 2 > limits_.max_tracked && !windows_.empty()) {
    auto stalest = std::min_element(windows_.begin(), windows_.end(),
                                    [](const auto& a, const auto& b) { return a.second.start < b.second.start; });
    windows_.erase(stalest);
  }
}

}  // namespace abis::service
