// Users and API keys as the store keeps them. Roles are kept by name; the access library gives
// them meaning (abis/access/policy.h). The secret of a key is never stored, only its argon2id hash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace abis {

struct UserRecord {
  std::int64_t id = 0;
  std::string name;
  std::string role;  // "admin", "enroller", "investigator", "examiner" or "auditor"
  bool disabled = false;
  std::string created_at;
};

struct ApiKeyRecord {
  std::int64_t user_id = 0;
  std::string key_id;       // the public part of the key, 16 hex
  std::string secret_hash;  // crypto_pwhash_str of the secret
  std::string created_at;
  std::optional<std::string> expires_at;
  bool revoked = false;
};

}  // namespace abis
