// Limits failed sign-ins: after `max_failures` failures within `window` under one name (a
// source address, or an API key id), further attempts under that name are refused without being
// checked (HTTP 429) until the window ends. Checking a key costs a memory-hard hash, so unchecked
// refusals also keep a flood of wrong secrets from stalling real requests. An empty source or
// key id is not counted (the caller chooses which name an attempt is counted under).
// Memory is bounded: at most `max_tracked` sources and key ids are remembered (the stalest go).
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace abis::service {

class SignInThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  struct Limits {
    int max_failures = 20;
    std::chrono::seconds window{60};
    std::size_t max_tracked = 10000;
  };
  explicit SignInThrottle(Limits limits) : limits_(limits) {}

  // Zero when an attempt from `source` with `key_id` ("" when the key has no id) may be checked
  // now, else how long until it may.
  std::chrono::seconds RetryAfter(const std::string& source, const std::string& key_id, Clock::time_point now);
  // Counts a failed attempt. Returns the failure count that reached the limit when this failure
  // is the one that reached it (the caller audits the start of throttling once), else 0.
  std::int64_t RecordFailure(const std::string& source, const std::string& key_id, Clock::time_point now);
  const Limits& limits() const { return limits_; }

 private:
  struct Window {
    Clock::time_point start;
    std::int64_t failures = 0;
  };
  std::chrono::seconds RetryAfterLocked(const std::string& key, Clock::time_point now);
  std::int64_t CountLocked(const std::string& key, Clock::time_point now);
  void EvictLocked(Clock::time_point now);

  Limits limits_;
  std::mutex mutex_;
  std::unordered_map<std::string, Window> windows_;  // "source:<addr>" and "key:<id>"
};

}  // namespace abis::service
