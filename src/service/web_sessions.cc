#include "abis/service/web_sessions.h"

#include <openssl/crypto.h>

#include <algorithm>

#include "abis/store/crypto.h"

namespace abis::service {

WebSessions::WebSessions(std::chrono::milliseconds lifetime, std::size_t max_sessions)
    : lifetime_(lifetime), max_sessions_(std::max<std::size_t>(max_sessions, 1)) {}

WebSessions::Issued WebSessions::Create(const Operator& op, std::string_view key_id, Clock::time_point now) {
  Issued issued{HexEncode(RandomBytes(32)), HexEncode(RandomBytes(32))};  // libsodium randombytes
  std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [&](const auto& entry) { return entry.second.expires <= now; });
  while (sessions_.size() >= max_sessions_) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(),
                                   [](const auto& a, const auto& b) { return a.second.expires < b.second.expires; });
    sessions_.erase(oldest);
  }
  sessions_[Sha256Hex(issued.token)] = Session{op, std::string(key_id), issued.csrf_token, now + lifetime_};
  return issued;
}

std::optional<WebSessions::Session> WebSessions::Find(std::string_view token, Clock::time_point now) {
  if (token.size() != 64) return std::nullopt;
  std::string key = Sha256Hex(token);
  std::lock_guard lock(mutex_);
  auto found = sessions_.find(key);
  if (found == sessions_.end()) return std::nullopt;
  if (found->second.expires <= now) {
    sessions_.erase(found);
    return std::nullopt;
  }
  return found->second;
}

void WebSessions::End(std::string_view token) {
  std::string key = Sha256Hex(token);
  std::lock_guard lock(mutex_);
  sessions_.erase(key);
}

std::size_t WebSessions::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

bool ConstantTimeEquals(std::string_view given, std::string_view expected) {
  if (given.size() != expected.size() || expected.empty()) return false;
  return CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

}  // namespace abis::service
