// Users and their API keys. A key is "abis_<key id>_<secret>": the key id (16 hex) finds the
// record, the secret (64 hex) is checked against its argon2id hash (libsodium crypto_pwhash_str);
// the secret itself is never stored and is shown once, when issued.
// Thread-safety: as the Store it uses (one per thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "abis/access/policy.h"
#include "abis/core/status.h"
#include "abis/store/store.h"

namespace abis {

struct User {
  std::int64_t id = 0;
  std::string name;
  Role role = Role::kAuditor;
  bool disabled = false;
  std::string created_at;
};

// The authenticated caller of an operation.
struct Operator {
  std::int64_t user_id = 0;
  std::string name;
  Role role = Role::kAuditor;
};

// Adds a user (name: 1-64 of [A-Za-z0-9._-]). Duplicate names are kAlreadyExists.
Result<User> AddUser(Store& store, const std::string& name, Role role);
Result<std::vector<User>> ListUsers(Store& store);
Result<User> FindUser(Store& store, const std::string& name);
// Disables the user and revokes all their keys.
Status DisableUser(Store& store, const std::string& name);
// Enables a disabled user again; their old keys stay revoked (issue a new one). A user who is
// not disabled is kFailedPrecondition.
Status EnableUser(Store& store, const std::string& name);
// Revokes every key of the user (key rotation issues the new one first, in the same transaction).
Status RevokeApiKeys(Store& store, std::int64_t user_id);
// Issues a new key for the user and returns it (the only time the secret exists in clear).
// `expires_at` (ISO 8601) is optional.
Result<std::string> IssueApiKey(Store& store, std::int64_t user_id, const std::optional<std::string>& expires_at = {});
// Checks a key: unknown, malformed, revoked, expired keys and disabled users are kUnauthenticated
// with a reason that never reveals whether a key id exists.
Result<Operator> Authenticate(Store& store, const std::string& api_key);
// The public key id of an API key of the form abis_<16 hex>_<secret> (the part that may be logged),
// or "" when the text does not start that way. The secret is never looked at.
std::string ApiKeyId(const std::string& api_key);

}  // namespace abis
