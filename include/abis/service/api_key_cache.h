// A short-lived in-memory cache of successful API-key verifications. Checking a key costs an
// argon2id hash (slow by design), too slow to pay on every request. Entries are keyed by a keyed
// BLAKE2b hash of the key (the key itself is never held, and the hash key is random per process,
// so the cache cannot be used to test guesses offline). A revoked, expired or disabled key keeps
// working for at most `ttl` after its last successful check; failures are never cached.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "abis/access/users.h"

namespace abis::service {

class ApiKeyCache {
 public:
  using Clock = std::chrono::steady_clock;
  // REQUIRES: InitCrypto() (libsodium) has succeeded.
  ApiKeyCache(std::chrono::milliseconds ttl, std::size_t max_entries);

  // The operator of a key verified less than `ttl` ago, if any.
  std::optional<Operator> Find(const std::string& api_key);
  // Remembers a successful verification. When full, expired entries are dropped first, then the
  // whole cache (the next requests simply verify again).
  void Remember(const std::string& api_key, const Operator& op);
  std::size_t size();

 private:
  std::string Digest(const std::string& api_key) const;
  struct Entry {
    Operator op;
    Clock::time_point expires;
  };
  std::chrono::milliseconds ttl_;
  std::size_t max_entries_;
  std::array<unsigned char, 32> hash_key_{};
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace abis::service
