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

Result<std::vector<User>> QueryUsers(Database& db, const std::string& where, const std::string& argument) {
  ABIS_ASSIGN_OR_RETURN(auto query, db.Prepare("SELECT id, name, role, disabled, created_at FROM users " + where));
  if (!argument.empty()) query.Bind(1, argument);
  std::vector<User> users;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    User user;
    user.id = query.ColumnInt(0);
    user.name = query.ColumnText(1);
    ABIS_ASSIGN_OR_RETURN(user.role, ParseRole(query.ColumnText(2)));
    user.disabled = query.ColumnInt(3) != 0;
    user.created_at = query.ColumnText(4);
    users.push_back(std::move(user));
  }
  return users;
}

bool IsLowerHex(std::string_view text) {
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

}  // namespace

Result<User> AddUser(Database& db, const std::string& name, Role role) {
  ABIS_RETURN_IF_ERROR(ValidateUserName(name));
  if (FindUser(db, name).ok()) return Status::AlreadyExists("user '" + name + "' already exists");
  ABIS_ASSIGN_OR_RETURN(auto insert, db.Prepare("INSERT INTO users (name, role, created_at) VALUES (?, ?, ?)"));
  insert.Bind(1, name).Bind(2, RoleName(role)).Bind(3, NowUtcIso8601());
  ABIS_RETURN_IF_ERROR(insert.Run());
  return FindUser(db, name);
}

Result<std::vector<User>> ListUsers(Database& db) { return QueryUsers(db, "ORDER BY id", ""); }

Result<User> FindUser(Database& db, const std::string& name) {
  ABIS_ASSIGN_OR_RETURN(auto users, QueryUsers(db, "WHERE name = ?", name));
  if (users.empty()) return Status::NotFound("no user '" + name + "'");
  return users.front();
}

Status DisableUser(Database& db, const std::string& name) {
  ABIS_ASSIGN_OR_RETURN(User user, FindUser(db, name));
  return db.Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(auto disable, db.Prepare("UPDATE users SET disabled = 1 WHERE id = ?"));
    disable.Bind(1, user.id);
    ABIS_RETURN_IF_ERROR(disable.Run());
    ABIS_ASSIGN_OR_RETURN(auto revoke, db.Prepare("UPDATE api_keys SET revoked = 1 WHERE user_id = ?"));
    revoke.Bind(1, user.id);
    return revoke.Run();
  });
}

Status EnableUser(Database& db, const std::string& name) {
  ABIS_ASSIGN_OR_RETURN(User user, FindUser(db, name));
  if (!user.disabled) return Status::FailedPrecondition("user '" + name + "' is not disabled");
  ABIS_ASSIGN_OR_RETURN(auto enable, db.Prepare("UPDATE users SET disabled = 0 WHERE id = ?"));
  enable.Bind(1, user.id);
  return enable.Run();
}

Status RevokeApiKeys(Database& db, std::int64_t user_id) {
  ABIS_ASSIGN_OR_RETURN(auto revoke, db.Prepare("UPDATE api_keys SET revoked = 1 WHERE user_id = ?"));
  revoke.Bind(1, user_id);
  return revoke.Run();
}

Result<std::string> IssueApiKey(Database& db, std::int64_t user_id, const std::optional<std::string>& expires_at) {
  ABIS_RETURN_IF_ERROR(InitCrypto());
  std::string key_id = HexEncode(RandomBytes(kKeyIdBytes));
  std::string secret = HexEncode(RandomBytes(kSecretBytes));
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, secret.data(), secret.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return Status::ResourceExhausted("argon2id hashing of the API key ran out of memory");
  }
  ABIS_ASSIGN_OR_RETURN(auto insert, db.Prepare("INSERT INTO api_keys (user_id, key_id, secret_hash, created_at, "
                                                "expires_at) VALUES (?, ?, ?, ?, ?)"));
  insert.Bind(1, user_id).Bind(2, key_id).Bind(3, std::string(hash)).Bind(4, NowUtcIso8601()).Bind(5, expires_at);
  ABIS_RETURN_IF_ERROR(insert.Run());
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

Result<Operator> Authenticate(Database& db, const std::string& api_key) {
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
  ABIS_ASSIGN_OR_RETURN(auto query, db.Prepare("SELECT k.secret_hash, k.revoked, k.expires_at, u.id, u.name, u.role, "
                                               "u.disabled FROM api_keys k JOIN users u ON u.id = k.user_id "
                                               "WHERE k.key_id = ?"));
  query.Bind(1, key_id);
  ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return refused("unknown or wrong key");
  std::string hash = query.ColumnText(0);
  if (crypto_pwhash_str_verify(hash.c_str(), secret.data(), secret.size()) != 0) {
    return refused("unknown or wrong key");
  }
  if (query.ColumnInt(1) != 0) return refused("key revoked");
  auto expires_at = query.ColumnOptionalText(2);
  if (expires_at && *expires_at <= NowUtcIso8601()) return refused("key expired on " + *expires_at);
  if (query.ColumnInt(6) != 0) return refused("user disabled");
  Operator op;
  op.user_id = query.ColumnInt(3);
  op.name = query.ColumnText(4);
  ABIS_ASSIGN_OR_RETURN(op.role, ParseRole(query.ColumnText(5)));
  return op;
}

}  // namespace abis
