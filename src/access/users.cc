#include "abis/access/users.h"

#include <sodium.h>

#include <cctype>

#include "abis/core/time.h"
#include "abis/store/crypto.h"

namespace abis {
namespace {

constexpr std::size_t kKeyIdBytes = 8;
constexpr std::size_t kSecretBytes = 32;

Status ValidateUserName(const std::string& name) {
  if (name.empty() || name.size() > 64) return Status::InvalidArgument("user name must have 1-64 characters");
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return Status::InvalidArgument("user name '" + name + "' has a character outside [A-Za-z0-9._-]");
    }
  }
  return Status::Ok();
}

Result<User> ToUser(const UserRecord& record) {
  User user;
  user.id = record.id;
  user.name = record.name;
  ABIS_ASSIGN_OR_RETURN(user.role, ParseRole(record.role));
  user.disabled = record.disabled;
  user.created_at = record.created_at;
  return user;
}

bool IsLowerHex(std::string_view text) {
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

}  // namespace

Result<User> AddUser(Store& store, const std::string& name, Role role) {
  ABIS_RETURN_IF_ERROR(ValidateUserName(name));
  UserRecord record;
  record.name = name;
  record.role = std::string(RoleName(role));
  record.created_at = NowUtcIso8601();
  ABIS_ASSIGN_OR_RETURN(record.id, store.AddUser(record));
  return ToUser(record);
}

Result<std::vector<User>> ListUsers(Store& store) {
  ABIS_ASSIGN_OR_RETURN(std::vector<UserRecord> records, store.ListUsers());
  std::vector<User> users;
  for (const UserRecord& record : records) {
    ABIS_ASSIGN_OR_RETURN(User user, ToUser(record));
    users.push_back(std::move(user));
  }
  return users;
}

Result<User> FindUser(Store& store, const std::string& name) {
  ABIS_ASSIGN_OR_RETURN(UserRecord record, store.FindUser(name));
  return ToUser(record);
}

Status DisableUser(Store& store, const std::string& name) {
  ABIS_ASSIGN_OR_RETURN(User user, FindUser(store, name));
  return store.Transaction([&]() -> Status {
    ABIS_RETURN_IF_ERROR(store.SetUserDisabled(user.id, true));
    return store.RevokeApiKeys(user.id);
  });
}

Status EnableUser(Store& store, const std::string& name) {
  ABIS_ASSIGN_OR_RETURN(User user, FindUser(store, name));
  if (!user.disabled) return Status::FailedPrecondition("user '" + name + "' is not disabled");
  return store.SetUserDisabled(user.id, false);
}

Status RevokeApiKeys(Store& store, std::int64_t user_id) { return store.RevokeApiKeys(user_id); }

Result<std::string> IssueApiKey(Store& store, std::int64_t user_id, const std::optional<std::string>& expires_at) {
  ABIS_RETURN_IF_ERROR(InitCrypto());
  std::string key_id = HexEncode(RandomBytes(kKeyIdBytes));
  std::string secret = HexEncode(RandomBytes(kSecretBytes));
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, secret.data(), secret.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return Status::ResourceExhausted("argon2id hashing of the API key ran out of memory");
  }
  ApiKeyRecord record;
  record.user_id = user_id;
  record.key_id = key_id;
  record.secret_hash = hash;
  record.created_at = NowUtcIso8601();
  record.expires_at = expires_at;
  ABIS_RETURN_IF_ERROR(store.AddApiKey(record));
  std::string key = "abis_" + key_id + "_" + secret;
  sodium_memzero(secret.data(), secret.size());
  return key;
}

std::string ApiKeyId(const std::string& api_key) {
  constexpr std::size_t kIdChars = 2 * kKeyIdBytes;
  if (api_key.rfind("abis_", 0) != 0 || api_key.size() < 5 + kIdChars + 1 || api_key[5 + kIdChars] != '_') return "";
  std::string key_id = api_key.substr(5, kIdChars);
  return IsLowerHex(key_id) ? key_id : "";
}

Result<Operator> Authenticate(Store& store, const std::string& api_key) {
  ABIS_RETURN_IF_ERROR(InitCrypto());
  const auto refused = [](const std::string& why) { return Status::Unauthenticated("API key refused: " + why); };
  // "abis_" + 16 hex + "_" + 64 hex
  if (api_key.size() != 5 + 2 * kKeyIdBytes + 1 + 2 * kSecretBytes || api_key.rfind("abis_", 0) != 0 ||
      api_key[5 + 2 * kKeyIdBytes] != '_') {
    return refused("not an abis key (expected abis_<16 hex>_<64 hex>)");
  }
  std::string key_id = api_key.substr(5, 2 * kKeyIdBytes);
  std::string secret = api_key.substr(5 + 2 * kKeyIdBytes + 1);
  if (!IsLowerHex(key_id) || !IsLowerHex(secret)) return refused("not an abis key (non-hex characters)");
  Result<std::pair<ApiKeyRecord, UserRecord>> found = store.FindApiKey(key_id);
  if (!found.ok()) {
    if (found.status().code() == StatusCode::kNotFound) return refused("unknown or wrong key");
    return found.status();
  }
  const auto& [key, user] = *found;
  if (crypto_pwhash_str_verify(key.secret_hash.c_str(), secret.data(), secret.size()) != 0) {
    return refused("unknown or wrong key");
  }
  if (key.revoked) return refused("key revoked");
  if (key.expires_at && *key.expires_at <= NowUtcIso8601()) return refused("key expired on " + *key.expires_at);
  if (user.disabled) return refused("user disabled");
  Operator op;
  op.user_id = user.id;
  op.name = user.name;
  ABIS_ASSIGN_OR_RETURN(op.role, ParseRole(user.role));
  return op;
}

}  // namespace abis
