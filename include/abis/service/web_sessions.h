// The sessions of the examiner workstation (the browser pages of `abis serve`): a sign-in with an
// API key gets a random 256-bit session token (the cookie) and a random CSRF token. Only the
// SHA-256 of the session token is held, with the operator, the CSRF token and the expiry: the key
// itself is never kept (only its public key id, so that revoking the key ends the session). Sessions
// end at their expiry or when ended (sign-out); the service keeps them in memory, so a restart
// ends them all.
// Thread-safety: every member may be called concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "abis/access/users.h"

namespace abis::service {

class WebSessions {
 public:
  using Clock = std::chrono::steady_clock;

  struct Session {
    Operator op;
    std::string key_id;      // the public id of the API key signed in with (ApiKeyId), never the secret
    std::string csrf_token;  // 64 hex digits
    Clock::time_point expires;
  };
  struct Issued {
    std::string token;       // the cookie value: 64 hex digits
    std::string csrf_token;  // 64 hex digits
  };

  // `lifetime` > 0; `max_sessions` >= 1 (past it the session expiring first is dropped).
  WebSessions(std::chrono::milliseconds lifetime, std::size_t max_sessions);

  Issued Create(const Operator& op, std::string_view key_id, Clock::time_point now = Clock::now());
  // The live session of `token`; an expired one is removed and nullopt.
  std::optional<Session> Find(std::string_view token, Clock::time_point now = Clock::now());
  // Ends the session of `token` (nothing when there is none).
  void End(std::string_view token);
  std::size_t size() const;

 private:
  const std::chrono::milliseconds lifetime_;
  const std::size_t max_sessions_;
  mutable std::mutex mutex_;
  std::map<std::string, Session> sessions_;  // keyed by SHA-256 hex of the token
};

// Whether `given` equals `expected`, in time independent of where they differ (lengths may leak).
bool ConstantTimeEquals(std::string_view given, std::string_view expected);

}  // namespace abis::service
